/*
 * audit_chain.c - audit record codec and hash-chain verifier. Pure: the
 * only library calls are jansson (parse/dump) and libcrypto (SHA-256).
 * See audit_chain.h for the format and the canonical hashing rule.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "audit_chain.h"

#define HASH_PREFIX	",\"hash\":\""
#define HASH_PREFIX_LEN	(sizeof(HASH_PREFIX) - 1)
/* `,"hash":"` + 64 hex + `"}` */
#define SUFFIX_LEN	(HASH_PREFIX_LEN + AUDIT_HASH_HEX + 2)

int
audit_chain_sha256_hex(const void *buf, size_t len,
    char hex[AUDIT_HASH_HEX + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	if (EVP_Digest(buf, len, md, &md_len, EVP_sha256(), NULL) != 1 ||
	    md_len * 2 != AUDIT_HASH_HEX)
		return -1;
	for (unsigned int i = 0; i < md_len; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0xf];
	}
	hex[AUDIT_HASH_HEX] = '\0';
	return 0;
}

bool
audit_chain_type_ok(const char *type)
{
	size_t n = 0;

	for (; type[n] != '\0'; n++)
		if ((type[n] < 'a' || type[n] > 'z') && type[n] != '_')
			return false;
	return n >= 1 && n <= AUDIT_TYPE_MAX;
}

static bool
hex_ok(const char *s, size_t len)
{
	if (strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((s[i] < '0' || s[i] > '9') && (s[i] < 'a' || s[i] > 'f'))
			return false;
	return true;
}

/* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ", digits where digits belong. */
static bool
ts_ok(const char *s)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";

	if (strlen(s) != AUDIT_TS_LEN)
		return false;
	for (size_t i = 0; i < AUDIT_TS_LEN; i++) {
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return false;
	}
	return true;
}

/* ------------------------------------------------------------- encoding */

static json_t *
record_object(uint64_t seq, const char *ts, const char *type, json_t *data,
    const char *prev_hex)
{
	json_t *o = json_object();

	if (o == NULL || seq > INT64_MAX ||
	    json_object_set_new(o, "seq", json_integer((json_int_t)seq)) ||
	    json_object_set_new(o, "ts", json_string(ts)) ||
	    json_object_set_new(o, "type", json_string(type)) ||
	    json_object_set_new(o, "data", data) ||
	    json_object_set_new(o, "prev", json_string(prev_hex))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

char *
audit_chain_encode(uint64_t seq, const char *ts, const char *type,
    json_t *data, const char *prev_hex, char hash_hex[AUDIT_HASH_HEX + 1],
    size_t *len)
{
	json_t *o;
	char *body, *line;
	size_t n;

	if (data == NULL)
		data = json_object();
	if (!json_is_object(data) || !ts_ok(ts) || !audit_chain_type_ok(type) ||
	    !hex_ok(prev_hex, AUDIT_HASH_HEX)) {
		json_decref(data);
		errno = EINVAL;
		return NULL;
	}
	o = record_object(seq, ts, type, data, prev_hex);
	body = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_ENSURE_ASCII) : NULL;
	json_decref(o);
	if (body == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	n = strlen(body) - 1;		/* the hashed prefix: drop the '}' */
	if (n + SUFFIX_LEN > AUDIT_MAX_LINE) {
		free(body);
		errno = E2BIG;
		return NULL;
	}
	line = malloc(n + SUFFIX_LEN + 2);
	if (line == NULL || audit_chain_sha256_hex(body, n, hash_hex) != 0) {
		free(body);
		free(line);
		errno = ENOMEM;
		return NULL;
	}
	*len = (size_t)snprintf(line, n + SUFFIX_LEN + 2, "%.*s%s%s\"}\n",
	    (int)n, body, HASH_PREFIX, hash_hex);
	free(body);
	return line;
}

/* ------------------------------------------------------------- decoding */

static void
clean_ascii(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

static int
bad(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
bad(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
		clean_ascii(why);
	}
	return AUDIT_BAD_FORMAT;
}

static const char *
member_string(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The six members, their types and syntax; fills rec. */
static int
decode_members(json_t *o, struct audit_record *rec, char *why, size_t whylen)
{
	json_t *seq = json_object_get(o, "seq");
	const char *ts = member_string(o, "ts");
	const char *type = member_string(o, "type");
	const char *prev = member_string(o, "prev");
	const char *hash = member_string(o, "hash");

	if (json_object_size(o) != 6)
		return bad(why, whylen, "record has %zu members, not 6",
		    json_object_size(o));
	if (!json_is_integer(seq) || json_integer_value(seq) < 0)
		return bad(why, whylen, "\"seq\" is not a non-negative integer");
	if (ts == NULL || !ts_ok(ts))
		return bad(why, whylen, "\"ts\" is not an ISO-8601 UTC "
		    "timestamp with microseconds");
	if (type == NULL || !audit_chain_type_ok(type))
		return bad(why, whylen, "\"type\" is not a record type name");
	if (!json_is_object(json_object_get(o, "data")))
		return bad(why, whylen, "\"data\" is not an object");
	if (prev == NULL || !hex_ok(prev, AUDIT_HASH_HEX))
		return bad(why, whylen, "\"prev\" is not 64 lowercase hex digits");
	if (hash == NULL || !hex_ok(hash, AUDIT_HASH_HEX))
		return bad(why, whylen, "\"hash\" is not 64 lowercase hex digits");
	rec->seq = (uint64_t)json_integer_value(seq);
	memcpy(rec->ts, ts, AUDIT_TS_LEN + 1);
	strcpy(rec->type, type);
	memcpy(rec->prev, prev, AUDIT_HASH_HEX + 1);
	memcpy(rec->hash, hash, AUDIT_HASH_HEX + 1);
	return 0;
}

int
audit_chain_decode(const char *line, size_t len, struct audit_record *rec,
    char *why, size_t whylen)
{
	char got[AUDIT_HASH_HEX + 1];
	json_error_t jerr;
	json_t *o;
	int rc;

	if (len > AUDIT_MAX_LINE)
		return bad(why, whylen, "line longer than %d bytes",
		    AUDIT_MAX_LINE);
	/* JSON_ALLOW_NUL: the encoder may write "\u0000" inside a string
	 * (found by fuzzing); such a record must still verify. */
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
	    &jerr);
	if (o == NULL)
		return bad(why, whylen, "bad JSON: %s (column %d)", jerr.text,
		    jerr.column);
	rc = json_is_object(o) ? decode_members(o, rec, why, whylen) :
	    bad(why, whylen, "bad JSON: not an object");
	json_decref(o);
	if (rc != 0)
		return rc;
	/* The last member closes the top-level object, so this suffix can
	 * only be the top-level "hash" (duplicates were rejected). */
	if (len < SUFFIX_LEN ||
	    memcmp(line + len - SUFFIX_LEN, HASH_PREFIX, HASH_PREFIX_LEN) ||
	    memcmp(line + len - 2 - AUDIT_HASH_HEX, rec->hash, AUDIT_HASH_HEX) ||
	    memcmp(line + len - 2, "\"}", 2))
		return bad(why, whylen, "not in canonical form: the line does "
		    "not end with the \"hash\" member");
	if (audit_chain_sha256_hex(line, len - SUFFIX_LEN, got) != 0)
		return bad(why, whylen, "cannot compute SHA-256");
	if (strcmp(got, rec->hash) != 0) {
		if (whylen > 0)
			snprintf(why, whylen, "hash mismatch: record edited "
			    "(stored %.12s..., computed %.12s...)", rec->hash, got);
		return AUDIT_BAD_HASH;
	}
	return 0;
}

/* ------------------------------------------------------------- verifier */

struct audit_verify {
	audit_report_fn	report;
	void		*ctx;
	const char	*file;
	bool		newest;
	int		files;		/* audit_verify_file() calls */
	unsigned long	line;		/* lines fed in this file */
	unsigned long	file_records;
	bool		have_last;	/* last_* hold a record */
	bool		resync;		/* after an unreadable line */
	uint64_t	last_seq;
	char		last_hash[AUDIT_HASH_HEX + 1];
	struct audit_verify_result r;
};

static void
problem(struct audit_verify *v, enum audit_severity sev, int64_t seq,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
problem(struct audit_verify *v, enum audit_severity sev, int64_t seq,
    const char *fmt, ...)
{
	struct audit_problem p = {
		.severity = sev, .file = v->file, .line = v->line, .seq = seq,
	};
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p.what, sizeof(p.what), fmt, ap);
	va_end(ap);
	clean_ascii(p.what);
	if (sev == AUDIT_ERROR)
		v->r.errors++;
	else
		v->r.warnings++;
	if (v->report != NULL)
		v->report(&p, v->ctx);
}

struct audit_verify *
audit_verify_create(audit_report_fn report, void *ctx)
{
	struct audit_verify *v = calloc(1, sizeof(*v));

	if (v != NULL) {
		v->report = report;
		v->ctx = ctx;
		v->file = "-";
	}
	return v;
}

void
audit_verify_destroy(struct audit_verify *v)
{
	free(v);
}

static void
end_file(struct audit_verify *v)
{
	if (v->files == 0 || v->file_records > 0)
		return;
	if (v->newest)
		problem(v, AUDIT_WARNING, -1, "no complete record in the "
		    "newest file");
	else
		problem(v, AUDIT_ERROR, -1, "no complete record in a rotated "
		    "file");
}

void
audit_verify_file(struct audit_verify *v, const char *name, bool newest)
{
	end_file(v);
	v->file = name;
	v->newest = newest;
	v->files++;
	v->line = 0;
	v->file_records = 0;
}

/* The first record seen at all: where may a chain begin? */
static void
check_origin(struct audit_verify *v, const struct audit_record *rec)
{
	int64_t seq = (int64_t)rec->seq;

	if (strcmp(rec->type, "rotate") == 0) {
		v->r.from_rotate = true;	/* older files not given */
	} else if (strcmp(rec->type, "start") != 0) {
		problem(v, AUDIT_ERROR, seq, "chain begins with a \"%s\" "
		    "record, not \"start\" or \"rotate\" (records before it "
		    "removed?)", rec->type);
	} else if (strcmp(rec->prev, AUDIT_ZERO_HASH) != 0) {
		problem(v, AUDIT_ERROR, seq, "chain begins with a \"start\" "
		    "record whose prev is not zero (records before it "
		    "removed?)");
	}
}

static void
check_link(struct audit_verify *v, const struct audit_record *rec)
{
	int64_t seq = (int64_t)rec->seq;
	uint64_t want = v->last_seq + 1;

	if (rec->seq > want)
		problem(v, AUDIT_ERROR, seq, "seq gap: expected %" PRIu64
		    ", %" PRIu64 " record(s) missing", want, rec->seq - want);
	else if (rec->seq < want)
		problem(v, AUDIT_ERROR, seq, "seq out of order: expected %"
		    PRIu64 " (record reordered, duplicated or inserted)", want);
	else if (strcmp(rec->prev, v->last_hash) != 0)
		problem(v, AUDIT_ERROR, seq, "prev does not match the hash of "
		    "seq %" PRIu64 " (record before it replaced or removed)",
		    v->last_seq);
}

static void
check_placement(struct audit_verify *v, const struct audit_record *rec)
{
	bool rotate = strcmp(rec->type, "rotate") == 0;

	if (v->file_records == 0 && v->files > 1 && !rotate)
		problem(v, AUDIT_ERROR, (int64_t)rec->seq, "file does not begin "
		    "with a \"rotate\" record (files out of order or one "
		    "missing?)");
	else if (v->file_records > 0 && rotate)
		problem(v, AUDIT_ERROR, (int64_t)rec->seq, "\"rotate\" record "
		    "in the middle of a file");
}

static void
accept_record(struct audit_verify *v, const struct audit_record *rec)
{
	if (!v->have_last && !v->resync)
		check_origin(v, rec);
	else if (v->have_last && !v->resync)
		check_link(v, rec);
	check_placement(v, rec);
	v->resync = false;
	v->have_last = true;
	v->last_seq = rec->seq;
	memcpy(v->last_hash, rec->hash, sizeof(v->last_hash));
	if (!v->r.have_records)
		v->r.first_seq = rec->seq;
	v->r.have_records = true;
	v->r.last_seq = rec->seq;
	v->r.records++;
	v->file_records++;
}

static int64_t
expected_seq(const struct audit_verify *v)
{
	return v->have_last && v->last_seq < INT64_MAX ?
	    (int64_t)v->last_seq + 1 : -1;
}

void
audit_verify_line(struct audit_verify *v, const char *line, size_t len,
    bool terminated)
{
	struct audit_record rec;
	char why[160];
	int rc;

	v->line++;
	if (!terminated) {
		if (v->newest)
			problem(v, AUDIT_WARNING, expected_seq(v), "torn last "
			    "record (%zu bytes without newline; not counted)",
			    len);
		else
			problem(v, AUDIT_ERROR, expected_seq(v), "unterminated "
			    "last line in a rotated file (torn record)");
		return;
	}
	rc = audit_chain_decode(line, len, &rec, why, sizeof(why));
	if (rc == AUDIT_BAD_FORMAT) {
		problem(v, AUDIT_ERROR, -1, "%s", why);
		v->resync = v->have_last;
		return;
	}
	if (rc == AUDIT_BAD_HASH)
		problem(v, AUDIT_ERROR, (int64_t)rec.seq, "%s", why);
	accept_record(v, &rec);
}

void
audit_verify_buffer(struct audit_verify *v, const char *name,
    const char *buf, size_t len, bool newest)
{
	size_t start = 0;

	audit_verify_file(v, name, newest);
	while (start < len) {
		const char *nl = memchr(buf + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - buf) : len;

		audit_verify_line(v, buf + start, end - start, nl != NULL);
		start = end + 1;
	}
}

void
audit_verify_finish(struct audit_verify *v, struct audit_verify_result *r)
{
	end_file(v);
	v->files = 0;		/* report the last file once */
	*r = v->r;
}

/*
 * leapfile.c - leap-seconds.list codec and leap-second table (see
 * leapfile.h).
 *
 * The parser is strict because a wrong table moves the clock by a whole
 * second: every entry falls on a UTC midnight, strictly after the one
 * before, with TAI-UTC changing by exactly one second, starting from the
 * 1972-01-01 / 10 s origin. Messages never quote input bytes, only
 * numbers we parsed, so they are safe to log as they are.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "leapfile.h"

#define DAY_S		86400
#define NTP_1972	2272060800LL	/* 1972-01-01: the table's origin */
#define DTAI_1972	10
#define NTP_DIGITS	10		/* NTP seconds < 1e10 (year 2216) */
#define DTAI_DIGITS	3
#define SHA1_LEN	20
#define ENTRY_CHARS	(NTP_DIGITS + DTAI_DIGITS)

struct cursor {
	const char	*s;
	size_t		 len;
	size_t		 pos;
};

/* A run of digits as written: the hash covers the text, not the value. */
struct token {
	char		 text[NTP_DIGITS];
	size_t		 len;
	int64_t		 val;
};

struct parser {
	struct leap_table *t;
	char		*err;
	size_t		 errlen;
	int		 line;		/* 1-based; lines seen so far */
	int		 updated_line;	/* 0 until seen */
	int		 expires_line;
	int		 hash_line;
	int		 last_entry_line;
	struct token	 updated;
	struct token	 expires;
	char		 hashed[LEAP_MAX * ENTRY_CHARS]; /* entry digits */
	size_t		 hashed_len;
};

static const char *const error_names[] = {
	[-LEAPFILE_OK] = "ok",
	[-LEAPFILE_SYNTAX] = "syntax",
	[-LEAPFILE_LINE_TOO_LONG] = "line_too_long",
	[-LEAPFILE_RANGE] = "range",
	[-LEAPFILE_NOT_INCREASING] = "not_increasing",
	[-LEAPFILE_BAD_STEP] = "bad_step",
	[-LEAPFILE_BAD_FIRST] = "bad_first",
	[-LEAPFILE_TOO_MANY] = "too_many",
	[-LEAPFILE_DUPLICATE] = "duplicate",
	[-LEAPFILE_EMPTY] = "empty",
	[-LEAPFILE_NO_UPDATED] = "no_updated",
	[-LEAPFILE_NO_EXPIRY] = "no_expiry",
	[-LEAPFILE_NO_HASH] = "no_hash",
	[-LEAPFILE_BAD_HASH] = "bad_hash",
	[-LEAPFILE_CRYPTO] = "crypto",
	[-LEAPFILE_IO] = "io",
	[-LEAPFILE_TOO_LARGE] = "too_large",
};

const char *
leapfile_error_name(int rc)
{
	size_t i = rc <= 0 ? (size_t)-(int64_t)rc : SIZE_MAX;

	if (i >= sizeof(error_names) / sizeof(error_names[0]))
		return "?";
	return error_names[i];
}

static int
fail(struct parser *p, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct parser *p, int code, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->errlen == 0)
		return code;
	n = snprintf(p->err, p->errlen, "line %d: ", p->line);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* ------------------------------------------------------------- lexing */

/* Skips blanks; returns how many. */
static size_t
skip_ws(struct cursor *c)
{
	size_t start = c->pos;

	while (c->pos < c->len && (c->s[c->pos] == ' ' || c->s[c->pos] == '\t'))
		c->pos++;
	return c->pos - start;
}

/* End of line, or a trailing "# comment". */
static int
at_end(struct cursor *c)
{
	skip_ws(c);
	return c->pos == c->len || c->s[c->pos] == '#';
}

static int
take_number(struct parser *p, struct cursor *c, size_t max_digits,
    struct token *tok, const char *what)
{
	size_t start = c->pos;

	tok->val = 0;
	while (c->pos < c->len && c->s[c->pos] >= '0' && c->s[c->pos] <= '9') {
		if (c->pos - start == max_digits)
			return fail(p, LEAPFILE_RANGE,
			    "%s has more than %zu digits", what, max_digits);
		tok->val = tok->val * 10 + (c->s[c->pos] - '0');
		c->pos++;
	}
	tok->len = c->pos - start;
	if (tok->len == 0)
		return fail(p, LEAPFILE_SYNTAX, "expected digits (%s)", what);
	memcpy(tok->text, c->s + start, tok->len);
	return 0;
}

static int
take_hex_word(struct cursor *c, uint32_t *word)
{
	size_t start = c->pos;
	int d;

	*word = 0;
	for (; c->pos < c->len; c->pos++) {
		char ch = c->s[c->pos];

		if (ch >= '0' && ch <= '9')
			d = ch - '0';
		else if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
			d = (ch | 0x20) - 'a' + 10;
		else
			break;
		if (c->pos - start == 8)
			return -1;
		*word = *word << 4 | (uint32_t)d;
	}
	return c->pos > start ? 0 : -1;
}

/* ------------------------------------------------------------ parsing */

static int
check_ntp(struct parser *p, int64_t ntp, const char *what)
{
	if (ntp < NTP_1972)
		return fail(p, LEAPFILE_RANGE,
		    "%s %lld is before 1972-01-01", what, (long long)ntp);
	return 0;
}

/* "#$ NTP" and "#@ NTP"; c is at the '#'. */
static int
parse_stamp(struct parser *p, struct cursor *c, int *seen_line,
    struct token *tok, int64_t *unix_s, const char *what)
{
	int rc;

	if (*seen_line != 0)
		return fail(p, LEAPFILE_DUPLICATE,
		    "second %s line (first on line %d)", what, *seen_line);
	c->pos += 2;
	skip_ws(c);
	if ((rc = take_number(p, c, NTP_DIGITS, tok, what)) != 0)
		return rc;
	if (!at_end(c))
		return fail(p, LEAPFILE_SYNTAX, "junk after the %s value",
		    what);
	if ((rc = check_ntp(p, tok->val, what)) != 0)
		return rc;
	*seen_line = p->line;
	*unix_s = tok->val - LEAPFILE_NTP_UNIX_S;
	return 0;
}

/* "#h w0 w1 w2 w3 w4", words of 1-8 hex digits. */
static int
parse_hash(struct parser *p, struct cursor *c)
{
	if (p->hash_line != 0)
		return fail(p, LEAPFILE_DUPLICATE,
		    "second #h line (first on line %d)", p->hash_line);
	c->pos += 2;
	for (int i = 0; i < 5; i++) {
		if (skip_ws(c) == 0 && i > 0)
			return fail(p, LEAPFILE_SYNTAX, "#h: no blank before "
			    "word %d", i + 1);
		if (take_hex_word(c, &p->t->sha1[i]) != 0)
			return fail(p, LEAPFILE_SYNTAX, "#h: word %d is not 1 "
			    "to 8 hex digits", i + 1);
	}
	if (!at_end(c))
		return fail(p, LEAPFILE_SYNTAX, "#h: junk after five words");
	p->hash_line = p->line;
	return 0;
}

static int
add_entry(struct parser *p, int64_t ntp, int dtai)
{
	struct leap_table *t = p->t;
	const struct leap_entry *prev = t->n > 0 ? &t->e[t->n - 1] : NULL;
	int64_t unix_s = ntp - LEAPFILE_NTP_UNIX_S;

	if (ntp % DAY_S != 0)
		return fail(p, LEAPFILE_RANGE,
		    "%lld is not 00:00:00 UTC", (long long)ntp);
	if (t->n == LEAP_MAX)
		return fail(p, LEAPFILE_TOO_MANY, "more than %d entries",
		    LEAP_MAX);
	if (prev == NULL && (ntp != NTP_1972 || dtai != DTAI_1972))
		return fail(p, LEAPFILE_BAD_FIRST, "first entry must be "
		    "%lld %d (1972-01-01)", NTP_1972, DTAI_1972);
	if (prev != NULL && unix_s <= prev->utc_unix_s)
		return fail(p, LEAPFILE_NOT_INCREASING, "entry %lld not after "
		    "the previous one", (long long)ntp);
	if (prev != NULL && dtai != prev->dtai + 1 && dtai != prev->dtai - 1)
		return fail(p, LEAPFILE_BAD_STEP, "DTAI %d after %d: steps "
		    "must be +1 or -1", dtai, prev->dtai);
	t->e[t->n].utc_unix_s = unix_s;
	t->e[t->n].dtai = dtai;
	t->n++;
	p->last_entry_line = p->line;
	return 0;
}

/* "NTP DTAI [# comment]" */
static int
parse_entry(struct parser *p, struct cursor *c)
{
	struct token ntp, dtai;
	int rc;

	if ((rc = take_number(p, c, NTP_DIGITS, &ntp, "NTP time")) != 0)
		return rc;
	if (skip_ws(c) == 0)
		return fail(p, LEAPFILE_SYNTAX, "expected a blank after the "
		    "NTP time");
	if ((rc = take_number(p, c, DTAI_DIGITS, &dtai, "DTAI")) != 0)
		return rc;
	if (!at_end(c))
		return fail(p, LEAPFILE_SYNTAX, "junk after DTAI");
	if ((rc = check_ntp(p, ntp.val, "NTP time")) != 0)
		return rc;
	if ((rc = add_entry(p, ntp.val, (int)dtai.val)) != 0)
		return rc;
	memcpy(p->hashed + p->hashed_len, ntp.text, ntp.len);
	p->hashed_len += ntp.len;
	memcpy(p->hashed + p->hashed_len, dtai.text, dtai.len);
	p->hashed_len += dtai.len;
	return 0;
}

static int
parse_line(struct parser *p, const char *s, size_t n)
{
	struct cursor c;

	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (n > LEAPFILE_MAX_LINE)
		return fail(p, LEAPFILE_LINE_TOO_LONG,
		    "longer than %d bytes", LEAPFILE_MAX_LINE);
	c.s = s;
	c.len = n;
	c.pos = 0;
	skip_ws(&c);
	if (c.pos == n)
		return 0;
	if (s[c.pos] != '#')
		return parse_entry(p, &c);
	if (c.pos + 1 == n)
		return 0;
	switch (s[c.pos + 1]) {
	case '$':
		return parse_stamp(p, &c, &p->updated_line, &p->updated,
		    &p->t->updated_unix_s, "#$ last update");
	case '@':
		return parse_stamp(p, &c, &p->expires_line, &p->expires,
		    &p->t->expires_unix_s, "#@ expiry");
	case 'h':
		return parse_hash(p, &c);
	default:
		return 0;
	}
}

/* ---------------------------------------------------- whole-file checks */

static int
verify_hash(struct parser *p)
{
	char buf[2 * NTP_DIGITS + sizeof(p->hashed)];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	uint32_t w[5];
	size_t n = 0;
	const uint32_t *h = p->t->sha1;

	memcpy(buf + n, p->updated.text, p->updated.len);
	n += p->updated.len;
	memcpy(buf + n, p->expires.text, p->expires.len);
	n += p->expires.len;
	memcpy(buf + n, p->hashed, p->hashed_len);
	n += p->hashed_len;
	p->line = p->hash_line;
	if (EVP_Digest(buf, n, md, &md_len, EVP_sha1(), NULL) != 1 ||
	    md_len != SHA1_LEN)
		return fail(p, LEAPFILE_CRYPTO, "cannot compute SHA-1");
	for (int i = 0; i < 5; i++)
		w[i] = (uint32_t)md[4 * i] << 24 |
		    (uint32_t)md[4 * i + 1] << 16 |
		    (uint32_t)md[4 * i + 2] << 8 | md[4 * i + 3];
	p->t->hash_ok = memcmp(w, h, sizeof(w)) == 0;
	if (p->t->hash_ok)
		return 0;
	return fail(p, LEAPFILE_BAD_HASH, "SHA-1 mismatch: #h %08x %08x %08x "
	    "%08x %08x, contents %08x %08x %08x %08x %08x", h[0], h[1], h[2],
	    h[3], h[4], w[0], w[1], w[2], w[3], w[4]);
}

/* Errors about what is missing name the last line (line 1 if none). */
static int
finish(struct parser *p)
{
	const struct leap_table *t = p->t;
	int empty_file = p->line == 0;

	if (empty_file)
		p->line = 1;
	if (t->n == 0)
		return fail(p, LEAPFILE_EMPTY, "%s", empty_file ?
		    "empty file" : "no leap-second entries");
	if (p->updated_line == 0)
		return fail(p, LEAPFILE_NO_UPDATED, "no #$ last-update line");
	if (p->expires_line == 0)
		return fail(p, LEAPFILE_NO_EXPIRY, "no #@ expiry line");
	if (p->hash_line == 0)
		return fail(p, LEAPFILE_NO_HASH, "no #h hash line");
	p->line = p->expires_line;
	if (t->expires_unix_s <= t->updated_unix_s)
		return fail(p, LEAPFILE_RANGE, "#@ expiry is not after the #$ "
		    "last update (line %d)", p->updated_line);
	if (t->e[t->n - 1].utc_unix_s > t->expires_unix_s)
		return fail(p, LEAPFILE_RANGE, "#@ expiry is before the last "
		    "entry (line %d)", p->last_entry_line);
	return verify_hash(p);
}

int
leapfile_parse(const char *buf, size_t len, struct leap_table *out,
    char *err, size_t errlen)
{
	struct parser p;
	size_t pos = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	p.t = out;
	p.err = err;
	p.errlen = errlen;
	if (errlen > 0)
		err[0] = '\0';
	while (rc == 0 && pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (buf + pos)) : len - pos;

		p.line++;
		rc = parse_line(&p, buf + pos, n);
		pos += n + 1;
	}
	if (rc == 0)
		rc = finish(&p);
	if (rc != 0 && rc != LEAPFILE_BAD_HASH)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* --------------------------------------------------------------- file */

static int
read_file(const char *path, char **bufp, size_t *lenp, char *msg,
    size_t msglen)
{
	struct stat st;
	char *buf;
	size_t len = 0;
	ssize_t r;
	int fd, rc = LEAPFILE_IO;

	/* O_NONBLOCK: a FIFO put in its place must not hang the daemon. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(msg, msglen, "%s", strerror(errno));
		return LEAPFILE_IO;
	}
	buf = malloc(LEAPFILE_MAX_SIZE + 1);
	if (fstat(fd, &st) != 0 || buf == NULL)
		snprintf(msg, msglen, "%s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		snprintf(msg, msglen, "not a regular file");
	else
		rc = 0;
	while (rc == 0 && len <= LEAPFILE_MAX_SIZE) {
		r = read(fd, buf + len, LEAPFILE_MAX_SIZE + 1 - len);
		if (r == 0)
			break;
		if (r > 0)
			len += (size_t)r;
		else if (errno != EINTR) {
			snprintf(msg, msglen, "%s", strerror(errno));
			rc = LEAPFILE_IO;
		}
	}
	close(fd);
	if (rc == 0 && len > LEAPFILE_MAX_SIZE) {
		snprintf(msg, msglen, "larger than %d bytes",
		    LEAPFILE_MAX_SIZE);
		rc = LEAPFILE_TOO_LARGE;
	}
	if (rc != 0) {
		free(buf);
		return rc;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

int
leapfile_load(const char *path, struct leap_table *out, char *err,
    size_t errlen)
{
	char msg[256], *buf = NULL;
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = read_file(path, &buf, &len, msg, sizeof(msg));
	if (rc == 0) {
		rc = leapfile_parse(buf, len, out, msg, sizeof(msg));
		free(buf);
	}
	if (errlen > 0) {
		if (rc != 0)
			snprintf(err, errlen, "%s: %s", path, msg);
		else
			err[0] = '\0';
	}
	return rc;
}

/* ------------------------------------------------------------ queries */

static int
entries(const struct leap_table *t)
{
	return t->n < 0 ? 0 : t->n > LEAP_MAX ? LEAP_MAX : t->n;
}

int
leapfile_tai_offset(const struct leap_table *t, int64_t unix_s)
{
	for (int i = entries(t) - 1; i >= 0; i--)
		if (t->e[i].utc_unix_s <= unix_s)
			return t->e[i].dtai;
	return 0;
}

int
leapfile_next(const struct leap_table *t, int64_t unix_s, int64_t *when,
    int *delta)
{
	int n = entries(t);

	*when = 0;
	*delta = 0;
	/* e[0] is the 1972 origin of the table, not a leap second. */
	for (int i = 1; i < n; i++) {
		if (t->e[i].utc_unix_s > unix_s) {
			*when = t->e[i].utc_unix_s;
			*delta = t->e[i].dtai - t->e[i - 1].dtai;
			return 1;
		}
	}
	return 0;
}

enum leapfile_validity
leapfile_validity(const struct leap_table *t, int64_t now_unix_s)
{
	if (entries(t) == 0 || now_unix_s >= t->expires_unix_s)
		return LEAPFILE_EXPIRED;
	if (now_unix_s >= t->expires_unix_s - LEAPFILE_EXPIRING_S)
		return LEAPFILE_EXPIRING;
	return LEAPFILE_VALID;
}

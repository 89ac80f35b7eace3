/*
 * check_audit.c - the audit log: record codec and canonical hash, the
 * chain verifier against edits, deletions, reorderings and torn writes,
 * and the writer's reopen, crash recovery and rotation.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"
#include "audit_chain.h"
#include "check_run.h"

#define TS	"2026-11-27T03:23:49.123456Z"
#define MAXP	64

struct problems {
	int		n;
	struct audit_problem p[MAXP];
};

#define DIR_TEMPLATE	"/tmp/check_audit.XXXXXX"

static char dir[sizeof(DIR_TEMPLATE)];
static char path[sizeof(dir) + 16];

static void
setup(void)
{
	strcpy(dir, DIR_TEMPLATE);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/audit.log", dir);
}

static void
teardown(void)
{
	char cmd[sizeof(dir) + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void
collect(const struct audit_problem *p, void *ctx)
{
	struct problems *ps = ctx;

	if (ps->n < MAXP)
		ps->p[ps->n++] = *p;
}

static char *
slurp(const char *name, size_t *len)
{
	FILE *f = fopen(name, "r");
	char *buf = malloc(1 << 20);

	ck_assert_ptr_nonnull(f);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static void
spill(const char *name, const char *buf, size_t len)
{
	FILE *f = fopen(name, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	fclose(f);
}

/* Verify files (oldest first, NULL-terminated); problems into *ps. */
static struct audit_verify_result
verify(struct problems *ps, const char *const *files)
{
	struct audit_verify *v = audit_verify_create(collect, ps);
	struct audit_verify_result r;

	memset(ps, 0, sizeof(*ps));
	for (int i = 0; files[i] != NULL; i++) {
		size_t len;
		char *buf = slurp(files[i], &len);

		audit_verify_buffer(v, files[i], buf, len, files[i + 1] == NULL);
		free(buf);
	}
	audit_verify_finish(v, &r);
	audit_verify_destroy(v);
	return r;
}

static struct audit_verify_result
verify_one(struct problems *ps, const char *name)
{
	const char *files[] = { name, NULL };

	return verify(ps, files);
}

/* A fresh log at `path`: start (seq 0) + n state records (seq 1..n). */
static void
write_log(int n)
{
	char err[256];
	struct audit *a = audit_open(path, "1.2.3", NULL, err, sizeof(err));

	ck_assert_msg(a != NULL, "%s", err);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(audit_append(a, "state",
		    json_pack("{s:i}", "i", i)), 0);
	audit_close(a);
}

/* Byte offset of the start of 1-based line `line` in buf. */
static size_t
line_at(const char *buf, size_t len, int line)
{
	size_t off = 0;

	for (int l = 1; l < line; l++) {
		const char *nl = memchr(buf + off, '\n', len - off);

		ck_assert_ptr_nonnull(nl);
		off = (size_t)(nl - buf) + 1;
	}
	return off;
}

static bool
has_problem(const struct problems *ps, unsigned long line, int64_t seq,
    const char *what)
{
	for (int i = 0; i < ps->n; i++)
		if (ps->p[i].line == line && ps->p[i].seq == seq &&
		    ps->p[i].severity == AUDIT_ERROR &&
		    strstr(ps->p[i].what, what) != NULL)
			return true;
	return false;
}

/* ---------------------------------------------------------------- codec */

START_TEST(encode_follows_canonical_rule)
{
	char hash[AUDIT_HASH_HEX + 1], want[AUDIT_HASH_HEX + 1], why[160];
	struct audit_record rec;
	size_t len;
	char *line = audit_chain_encode(7, TS, "step", json_pack("{s:f}",
	    "offset_s", 0.25), AUDIT_ZERO_HASH, hash, &len);
	const char *head = "{\"seq\":7,\"ts\":\"" TS "\",\"type\":\"step\","
	    "\"data\":{\"offset_s\":0.25},\"prev\":\"" AUDIT_ZERO_HASH "\"";

	ck_assert_ptr_nonnull(line);
	ck_assert_uint_eq(len, strlen(head) + 75 + 1);
	ck_assert_int_eq(strncmp(line, head, strlen(head)), 0);
	/* hash = SHA-256 of the bytes before `,"hash":"` */
	ck_assert_int_eq(audit_chain_sha256_hex(head, strlen(head), want), 0);
	ck_assert_str_eq(hash, want);
	ck_assert_int_eq(strncmp(line + strlen(head), ",\"hash\":\"", 9), 0);
	ck_assert_int_eq(strcmp(line + len - 3, "\"}\n"), 0);
	ck_assert_int_eq(audit_chain_decode(line, len - 1, &rec, why,
	    sizeof(why)), 0);
	ck_assert_uint_eq(rec.seq, 7);
	ck_assert_str_eq(rec.type, "step");
	ck_assert_str_eq(rec.hash, hash);
	free(line);
}
END_TEST

START_TEST(nul_in_string_round_trips)
{
	char hash[AUDIT_HASH_HEX + 1], why[160];
	struct audit_record rec;
	size_t len;
	char *line = audit_chain_encode(1, TS, "config", json_pack("{s:o}",
	    "s", json_stringn("a\0b", 3)), AUDIT_ZERO_HASH, hash, &len);

	ck_assert_ptr_nonnull(strstr(line, "\"a\\u0000b\""));
	ck_assert_int_eq(audit_chain_decode(line, len - 1, &rec, why,
	    sizeof(why)), 0);
	free(line);
}
END_TEST

START_TEST(encode_rejects_bad_arguments)
{
	char hash[AUDIT_HASH_HEX + 1];
	size_t len;
	json_t *big = json_object();
	char *s = malloc(AUDIT_MAX_LINE + 1);

	ck_assert_ptr_null(audit_chain_encode(1, TS, "Bad", NULL,
	    AUDIT_ZERO_HASH, hash, &len));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(audit_chain_encode(1, "yesterday", "step", NULL,
	    AUDIT_ZERO_HASH, hash, &len));
	ck_assert_ptr_null(audit_chain_encode(1, TS, "step", json_array(),
	    AUDIT_ZERO_HASH, hash, &len));
	ck_assert_ptr_null(audit_chain_encode(1, TS, "step", NULL, "00", hash,
	    &len));
	memset(s, 'x', AUDIT_MAX_LINE);
	s[AUDIT_MAX_LINE] = '\0';
	json_object_set_new(big, "blob", json_string(s));
	ck_assert_ptr_null(audit_chain_encode(1, TS, "step", big,
	    AUDIT_ZERO_HASH, hash, &len));
	ck_assert_int_eq(errno, E2BIG);
	free(s);
}
END_TEST

static int
decode_str(const char *line, char *why, size_t whylen)
{
	struct audit_record rec;

	return audit_chain_decode(line, strlen(line), &rec, why, whylen);
}

START_TEST(decode_rejects_non_canonical)
{
	char why[160], hash[AUDIT_HASH_HEX + 1], buf[1024];
	size_t len;
	char *line = audit_chain_encode(1, TS, "state", NULL, AUDIT_ZERO_HASH,
	    hash, &len);

	line[len - 1] = '\0';
	/* The same members in another order: valid JSON, not canonical. */
	snprintf(buf, sizeof(buf), "{\"hash\":\"%s\",%s", hash, line + 1);
	*strstr(buf, ",\"hash\":\"" ) = '}';
	ck_assert_int_eq(decode_str(buf, why, sizeof(why)), AUDIT_BAD_FORMAT);
	/* A duplicate "hash" member. */
	snprintf(buf, sizeof(buf), "%.*s,\"hash\":\"%s\"}", (int)len - 3, line,
	    hash);
	ck_assert_int_eq(decode_str(buf, why, sizeof(why)), AUDIT_BAD_FORMAT);
	ck_assert_int_eq(decode_str("[1,2]", why, sizeof(why)), AUDIT_BAD_FORMAT);
	ck_assert_int_eq(decode_str("{\"seq\":", why, sizeof(why)),
	    AUDIT_BAD_FORMAT);
	ck_assert_ptr_nonnull(strstr(why, "bad JSON"));
	/* An uppercase hex digit in the hash. */
	line[len - 4] = 'A';
	ck_assert_int_eq(decode_str(line, why, sizeof(why)), AUDIT_BAD_FORMAT);
	free(line);
}
END_TEST

/* -------------------------------------------------------------- verifier */

START_TEST(clean_log_verifies)
{
	struct problems ps;
	struct audit_verify_result r;

	write_log(20);
	r = verify_one(&ps, path);
	ck_assert_int_eq(ps.n, 0);
	ck_assert_uint_eq(r.records, 21);
	ck_assert_uint_eq(r.first_seq, 0);
	ck_assert_uint_eq(r.last_seq, 20);
	ck_assert(!r.from_rotate);
}
END_TEST

/* Flip one byte inside line `_i` + 1 (seq _i): exactly that record named. */
START_TEST(flipped_byte_names_record)
{
	struct problems ps;
	size_t len, off;
	char *buf;

	write_log(8);
	buf = slurp(path, &len);
	off = line_at(buf, len, _i + 1);
	buf[off + 40 + (size_t)_i] ^= 0x01;	/* somewhere in ts/type/data */
	spill(path, buf, len);
	free(buf);
	verify_one(&ps, path);
	ck_assert_int_ge(ps.n, 1);
	ck_assert_uint_eq(ps.p[0].line, (unsigned long)_i + 1);
	ck_assert_msg(ps.p[0].seq == _i || ps.p[0].seq == -1,
	    "seq %lld", (long long)ps.p[0].seq);
	ck_assert_int_eq(ps.p[0].severity, AUDIT_ERROR);
}
END_TEST

START_TEST(edited_value_is_hash_mismatch)
{
	struct problems ps;
	size_t len;
	char *buf, *p;

	write_log(5);
	buf = slurp(path, &len);
	p = strstr(buf, "\"i\":3");		/* record seq 4, line 5 */
	ck_assert_ptr_nonnull(p);
	p[4] = '9';
	spill(path, buf, len);
	free(buf);
	verify_one(&ps, path);
	ck_assert_int_eq(ps.n, 1);
	ck_assert(has_problem(&ps, 5, 4, "hash mismatch"));
}
END_TEST

START_TEST(deleted_line_names_gap)
{
	struct problems ps;
	size_t len, a, b;
	char *buf;

	write_log(8);
	buf = slurp(path, &len);
	a = line_at(buf, len, 5);		/* seq 4 */
	b = line_at(buf, len, 6);
	memmove(buf + a, buf + b, len - b);
	spill(path, buf, len - (b - a));
	free(buf);
	verify_one(&ps, path);
	ck_assert_int_eq(ps.n, 1);
	ck_assert(has_problem(&ps, 5, 5, "seq gap: expected 4, 1 record"));
}
END_TEST

START_TEST(deleted_last_line_and_renumbered_is_caught)
{
	/* Removing a record and rewriting later seqs still breaks prev. */
	struct problems ps;
	char hash[AUDIT_HASH_HEX + 1];
	struct audit_record rec;
	size_t len, a, b, n;
	char *buf, *forged, why[160];

	write_log(3);
	buf = slurp(path, &len);
	a = line_at(buf, len, 3);		/* drop seq 2, re-seq seq 3 */
	b = line_at(buf, len, 4);
	ck_assert_int_eq(audit_chain_decode(buf + b, len - b - 1, &rec, why,
	    sizeof(why)), 0);
	forged = audit_chain_encode(2, rec.ts, "state", NULL, rec.prev, hash, &n);
	memcpy(buf + a, forged, n);
	spill(path, buf, a + n);
	free(forged);
	free(buf);
	verify_one(&ps, path);
	ck_assert_int_eq(ps.n, 1);
	ck_assert(has_problem(&ps, 3, 2, "prev does not match"));
}
END_TEST

START_TEST(swapped_lines_detected)
{
	struct problems ps;
	size_t len, a, b, c;
	char *buf, *tmp;

	write_log(8);
	buf = slurp(path, &len);
	a = line_at(buf, len, 4);
	b = line_at(buf, len, 5);
	c = line_at(buf, len, 6);
	tmp = malloc(c - a);
	memcpy(tmp, buf + b, c - b);		/* line 5 first, then line 4 */
	memcpy(tmp + (c - b), buf + a, b - a);
	memcpy(buf + a, tmp, c - a);
	spill(path, buf, len);
	free(tmp);
	free(buf);
	verify_one(&ps, path);
	ck_assert(has_problem(&ps, 4, 4, "seq gap"));
	ck_assert(has_problem(&ps, 5, 3, "out of order"));
}
END_TEST

START_TEST(bad_json_line_named)
{
	struct problems ps;
	size_t len, a;
	char *buf;

	write_log(4);
	buf = slurp(path, &len);
	a = line_at(buf, len, 3);
	buf[a] = '#';
	spill(path, buf, len);
	free(buf);
	verify_one(&ps, path);
	ck_assert_int_eq(ps.n, 1);
	ck_assert(has_problem(&ps, 3, -1, "bad JSON"));
}
END_TEST

START_TEST(chain_must_begin_at_start)
{
	struct problems ps;
	size_t len, a;
	char *buf;

	write_log(3);
	buf = slurp(path, &len);
	a = line_at(buf, len, 2);
	spill(path, buf + a, len - a);		/* the start record removed */
	free(buf);
	verify_one(&ps, path);
	ck_assert_int_eq(ps.n, 1);
	ck_assert(has_problem(&ps, 1, 1, "chain begins with a \"state\""));
}
END_TEST

/* ---------------------------------------------------------------- writer */

START_TEST(reopen_continues_chain)
{
	struct problems ps;
	struct audit_verify_result r;
	char err[256];
	struct audit *a;

	write_log(3);
	a = audit_open(path, "1.2.4", NULL, err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	ck_assert_uint_eq(audit_next_seq(a), 5);	/* 0..3, start = 4 */
	ck_assert_int_eq(audit_append(a, "step", NULL), 0);
	audit_close(a);
	r = verify_one(&ps, path);
	ck_assert_int_eq(ps.n, 0);
	ck_assert_uint_eq(r.records, 6);
	ck_assert_uint_eq(r.last_seq, 5);
}
END_TEST

START_TEST(torn_write_recovered)
{
	struct problems ps;
	struct audit_verify_result r;
	char err[256];
	struct audit *a;
	size_t len;
	char *buf;

	write_log(4);
	buf = slurp(path, &len);
	spill(path, buf, len - 30);		/* crash inside seq 4 */
	free(buf);
	r = verify_one(&ps, path);
	ck_assert_int_eq(r.errors, 0);
	ck_assert_int_eq(ps.n, 1);
	ck_assert_int_eq(ps.p[0].severity, AUDIT_WARNING);
	ck_assert_ptr_nonnull(strstr(ps.p[0].what, "torn last record"));
	ck_assert_int_eq(ps.p[0].seq, 4);
	a = audit_open(path, "1.2.3", NULL, err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	audit_close(a);
	r = verify_one(&ps, path);
	ck_assert_int_eq(ps.n, 0);
	ck_assert_uint_eq(r.last_seq, 5);	/* start 4, recovered 5 */
	buf = slurp(path, &len);
	ck_assert_ptr_nonnull(strstr(buf, "\"type\":\"recovered\",\"data\":"
	    "{\"discarded_bytes\":"));
	ck_assert_ptr_nonnull(strstr(buf, "\"after_seq\":3}"));
	free(buf);
}
END_TEST

START_TEST(torn_line_in_rotated_file_is_error)
{
	struct problems ps;
	size_t len;
	char *buf;
	const char *files[] = { path, path, NULL };

	write_log(2);
	buf = slurp(path, &len);
	spill(path, buf, len - 5);
	free(buf);
	verify(&ps, files);
	ck_assert(has_problem(&ps, 3, 2, "unterminated last line"));
}
END_TEST

START_TEST(damaged_last_record_refuses_open)
{
	char err[256];
	size_t len;
	char *buf;

	write_log(2);
	buf = slurp(path, &len);
	buf[len - 100] ^= 0x02;
	spill(path, buf, len);
	free(buf);
	ck_assert_ptr_null(audit_open(path, "1", NULL, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "last record does not verify"));
}
END_TEST

static char *
rotated(int n)
{
	static char names[4][sizeof(path) + 4];

	snprintf(names[n], sizeof(names[n]), "%s.%d", path, n);
	return names[n];
}

START_TEST(rotation_keeps_chain)
{
	struct problems ps;
	struct audit_verify_result r;
	char err[256];
	struct audit *a = audit_open(path, "1", NULL, err, sizeof(err));

	ck_assert_ptr_nonnull(a);
	audit_set_keep(a, 2);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(audit_append(a, "summary", NULL), 0);
		ck_assert_int_eq(audit_rotate(a), 0);
	}
	ck_assert_int_eq(audit_append(a, "summary", NULL), 0);
	audit_close(a);
	ck_assert_int_ne(access(rotated(3), F_OK), 0);	/* keep = 2 */
	{
		const char *all[] = { rotated(2), rotated(1), path, NULL };
		const char *gap[] = { rotated(2), path, NULL };
		const char *swap[] = { rotated(1), rotated(2), path, NULL };

		r = verify(&ps, all);
		ck_assert_int_eq(ps.n, 0);
		ck_assert(r.from_rotate);	/* the oldest file was dropped */
		ck_assert_uint_eq(r.last_seq, 7);
		verify(&ps, gap);
		ck_assert(has_problem(&ps, 1, 6, "seq gap"));
		r = verify(&ps, swap);
		ck_assert_uint_gt(r.errors, 0);
	}
}
END_TEST

START_TEST(crash_during_rotation_resumes)
{
	struct problems ps;
	char err[256];
	struct audit *a;
	const char *files[] = { rotated(1), path, NULL };
	size_t len;
	char *buf;

	write_log(2);
	ck_assert_int_eq(rename(path, rotated(1)), 0);
	a = audit_open(path, "1", NULL, err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	audit_close(a);
	verify(&ps, files);
	ck_assert_int_eq(ps.n, 0);
	buf = slurp(path, &len);
	ck_assert_int_eq(strncmp(buf, "{\"seq\":3,", 9), 0);
	ck_assert_ptr_nonnull(strstr(buf, "\"type\":\"rotate\""));
	free(buf);
}
END_TEST

START_TEST(start_record_describes_config)
{
	char cfg[sizeof(path) + 8], err[256], want[AUDIT_HASH_HEX + 1];
	struct audit *a;
	size_t len;
	char *buf;

	snprintf(cfg, sizeof(cfg), "%s/c.yaml", dir);
	spill(cfg, "log:\n  level: info\n", 20);
	a = audit_open(path, "9.9", cfg, err, sizeof(err));
	ck_assert_ptr_nonnull(a);
	audit_close(a);
	audit_chain_sha256_hex("log:\n  level: info\n", 20, want);
	buf = slurp(path, &len);
	ck_assert_ptr_nonnull(strstr(buf, "\"type\":\"start\",\"data\":"
	    "{\"version\":\"9.9\""));
	ck_assert_ptr_nonnull(strstr(buf, want));
	free(buf);
}
END_TEST

START_TEST(write_failure_reported)
{
	char err[256];

	/* /dev/full: every write fails with ENOSPC. */
	ck_assert_ptr_null(audit_open("/dev/full", "1", NULL, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "cannot write"));
}
END_TEST

static Suite *
audit_suite(void)
{
	Suite *s = suite_create("audit");
	TCase *codec = tcase_create("codec");
	TCase *verifier = tcase_create("verifier");
	TCase *writer = tcase_create("writer");

	tcase_add_test(codec, encode_follows_canonical_rule);
	tcase_add_test(codec, nul_in_string_round_trips);
	tcase_add_test(codec, encode_rejects_bad_arguments);
	tcase_add_test(codec, decode_rejects_non_canonical);
	suite_add_tcase(s, codec);
	tcase_add_checked_fixture(verifier, setup, teardown);
	tcase_add_test(verifier, clean_log_verifies);
	tcase_add_loop_test(verifier, flipped_byte_names_record, 0, 9);
	tcase_add_test(verifier, edited_value_is_hash_mismatch);
	tcase_add_test(verifier, deleted_line_names_gap);
	tcase_add_test(verifier, deleted_last_line_and_renumbered_is_caught);
	tcase_add_test(verifier, swapped_lines_detected);
	tcase_add_test(verifier, bad_json_line_named);
	tcase_add_test(verifier, chain_must_begin_at_start);
	suite_add_tcase(s, verifier);
	tcase_add_checked_fixture(writer, setup, teardown);
	tcase_add_test(writer, reopen_continues_chain);
	tcase_add_test(writer, torn_write_recovered);
	tcase_add_test(writer, torn_line_in_rotated_file_is_error);
	tcase_add_test(writer, damaged_last_record_refuses_open);
	tcase_add_test(writer, rotation_keeps_chain);
	tcase_add_test(writer, crash_during_rotation_resumes);
	tcase_add_test(writer, start_record_describes_config);
	tcase_add_test(writer, write_failure_reported);
	suite_add_tcase(s, writer);
	return s;
}

int
main(void)
{
	return check_run(audit_suite());
}

/*
 * check_driftfile.c - the drift file: format, strict parsing, atomic
 * replacement.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driftfile.h"
#include "check_run.h"

static char dir[PATH_MAX];
static char path[PATH_MAX + 16];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_driftfile.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/drift", dir);
}

static void
teardown(void)
{
	char tmp[PATH_MAX + 32];

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	rmdir(tmp);
	unlink(tmp);
	unlink(path);
	rmdir(dir);
}

static void
put_file(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static int
parse(const char *text, char *err, size_t errlen)
{
	double fr, fu;
	int64_t t;

	return driftfile_parse(text, strlen(text), &fr, &fu, &t, err, errlen);
}

/* ------------------------------------------------------------ format/parse */

START_TEST(format_parse_round_trip)
{
	static const struct {
		double	fr, fu;
		int64_t	t;
	} v[] = {
		{ -50012.345678, 6.651, 1735689600123456789LL },
		{ 0, 0, 0 },
		{ 500000, 500000, 99999999999999999LL },
		{ -500000, 1e-6, 1 },
	};
	char buf[DRIFTFILE_MAX_LEN], err[128];
	double fr, fu;
	int64_t t;
	int n;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = driftfile_format(buf, sizeof(buf), v[i].fr, v[i].fu, v[i].t);
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(driftfile_parse(buf, (size_t)n, &fr, &fu, &t,
		    err, sizeof(err)), 0);
		ck_assert_double_eq_tol(fr, v[i].fr, 1e-6);
		ck_assert_double_eq_tol(fu, v[i].fu, 1e-6);
		ck_assert_int_eq(t, v[i].t);
	}
}
END_TEST

START_TEST(format_exact_text)
{
	char buf[DRIFTFILE_MAX_LEN];

	ck_assert_int_gt(driftfile_format(buf, sizeof(buf), -50012.345678, 6.651,
	    1735689600123456789LL), 0);
	ck_assert_str_eq(buf,
	    "tsyncd-drift 1 -50012.345678 6.651000 1735689600.123456789\n");
}
END_TEST

START_TEST(format_rejects)
{
	char buf[DRIFTFILE_MAX_LEN];

	ck_assert_int_eq(driftfile_format(buf, sizeof(buf), NAN, 1, 0), -1);
	ck_assert_int_eq(driftfile_format(buf, sizeof(buf), 1, INFINITY, 0), -1);
	ck_assert_int_eq(driftfile_format(buf, sizeof(buf), 500001, 1, 0), -1);
	ck_assert_int_eq(driftfile_format(buf, sizeof(buf), 1, -1, 0), -1);
	ck_assert_int_eq(driftfile_format(buf, sizeof(buf), 1, 1, -1), -1);
	ck_assert_int_eq(driftfile_format(buf, 10, 1, 1, 0), -1);
}
END_TEST

START_TEST(parse_accepts_exponent_and_sign)
{
	double fr, fu;
	int64_t t;
	const char *s = "tsyncd-drift 1 +1.5e3 2E-1 0.000000001\n";

	ck_assert_int_eq(driftfile_parse(s, strlen(s), &fr, &fu, &t, NULL, 0), 0);
	ck_assert_double_eq(fr, 1500);
	ck_assert_double_eq(fu, 0.2);
	ck_assert_int_eq(t, 1);
}
END_TEST

/* Every class of error, with the words its message must contain. */
static const struct {
	const char	*text;
	const char	*why;
} bad[] = {
	{ "", "empty" },
	{ "tsyncd-drift 1 1 1 1.000000000", "newline" },
	{ "tsyncd-drift 1 1 1 1.000000000\n\n", "more than one line" },
	{ "tsyncd-drift 1 1 1 1.000000000\nx\n", "more than one line" },
	{ "tsyncd-drift 1 1 1 1.000000000\r\n", "control character" },
	{ "tsyncd-drift\t1 1 1 1.000000000\n", "control character" },
	{ "tsyncd-drift 1 1 1\n", "expected 5 fields" },
	{ "tsyncd-drift 1 1 1 1.000000000 7\n", "more than 5 fields" },
	{ "tsyncd-drift  1 1 1 1.000000000\n", "single spaces" },
	{ " tsyncd-drift 1 1 1 1.000000000\n", "single spaces" },
	{ "tsyncd-drift 1 1 1 1.000000000 \n", "single spaces" },
	{ "\n", "single spaces" },
	{ "chrony-drift 1 1 1 1.000000000\n", "not a tsyncd drift file" },
	{ "tsyncd-drift 2 1 1 1.000000000\n", "unsupported version" },
	{ "tsyncd-drift 01 1 1 1.000000000\n", "unsupported version" },
	{ "tsyncd-drift 1 nan 1 1.000000000\n", "not a decimal" },
	{ "tsyncd-drift 1 inf 1 1.000000000\n", "not a decimal" },
	{ "tsyncd-drift 1 -INF 1 1.000000000\n", "not a decimal" },
	{ "tsyncd-drift 1 0x10 1 1.000000000\n", "not a decimal" },
	{ "tsyncd-drift 1 12abc 1 1.000000000\n", "not a decimal" },
	{ "tsyncd-drift 1 1..2 1 1.000000000\n", "not a decimal" },
	{ "tsyncd-drift 1 - 1 1.000000000\n", "not a decimal" },
	{ "tsyncd-drift 1 1e999 1 1.000000000\n", "out of range" },
	{ "tsyncd-drift 1 500000.001 1 1.000000000\n", "outside" },
	{ "tsyncd-drift 1 -600000 1 1.000000000\n", "outside" },
	{ "tsyncd-drift 1 1 -1 1.000000000\n", "outside" },
	{ "tsyncd-drift 1 1 1e6 1.000000000\n", "outside" },
	{ "tsyncd-drift 1 1 x 1.000000000\n", "freq_u_ppb" },
	{ "tsyncd-drift 1 1 1 1\n", "time" },
	{ "tsyncd-drift 1 1 1 1.5\n", "time" },
	{ "tsyncd-drift 1 1 1 1.0000000000\n", "time" },
	{ "tsyncd-drift 1 1 1 -1.000000000\n", "time" },
	{ "tsyncd-drift 1 1 1 .000000000\n", "time" },
	{ "tsyncd-drift 1 1 1 1.00000000x\n", "time" },
	{ "tsyncd-drift 1 1 1 123456789012.000000000\n", "time" },
	{ "tsyncd-drift 1 1 1 10002000966.345000966\n", "out of range" },
	{ "tsyncd-drift 1 1 1 9223372036.000000000\n", "out of range" },
	{ "tsyncd-drift 1 1 1 1e9.000000000\n", "time" },
};

START_TEST(parse_rejects)
{
	char err[160];
	double fr = 42, fu = 42;
	int64_t t = 42;

	err[0] = '\0';
	ck_assert_int_eq(driftfile_parse(bad[_i].text, strlen(bad[_i].text), &fr,
	    &fu, &t, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, bad[_i].why) != NULL,
	    "\"%s\": message \"%s\" lacks \"%s\"", bad[_i].text, err, bad[_i].why);
	/* outputs untouched on error */
	ck_assert_double_eq(fr, 42);
	ck_assert_double_eq(fu, 42);
	ck_assert_int_eq(t, 42);
}
END_TEST

START_TEST(parse_rejects_nul_and_long)
{
	char buf[DRIFTFILE_MAX_LEN + 8], err[128];
	static const char withnul[] = "tsyncd-drift 1 1\0 1 1.000000000\n";
	double fr, fu;
	int64_t t;

	ck_assert_int_eq(driftfile_parse(withnul, sizeof(withnul) - 1, &fr, &fu, &t,
	    err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "NUL"));
	memset(buf, '1', sizeof(buf));
	buf[sizeof(buf) - 1] = '\n';
	ck_assert_int_eq(driftfile_parse(buf, sizeof(buf), &fr, &fu, &t,
	    err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "longer than"));
	/* no buffer for the message is fine */
	ck_assert_int_eq(parse("garbage\n", NULL, 0), -1);
	ck_assert_int_eq(parse("garbage\n", err, 1), -1);
	ck_assert_str_eq(err, "");
}
END_TEST

/* ------------------------------------------------------------ file I/O */

START_TEST(write_read_round_trip)
{
	char err[256], tmp[PATH_MAX + 32];
	double fr, fu;
	int64_t t;
	struct stat st;
	mode_t um;

	ck_assert_int_eq(driftfile_write(path, -12345.678901, 3.25,
	    1700000000000000001LL), 0);
	ck_assert_int_eq(driftfile_read(path, &fr, &fu, &t, err, sizeof(err)), 0);
	ck_assert_double_eq_tol(fr, -12345.678901, 1e-6);
	ck_assert_double_eq_tol(fu, 3.25, 1e-6);
	ck_assert_int_eq(t, 1700000000000000001LL);
	um = umask(0);
	umask(um);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0644 & ~um);

	/* replace */
	ck_assert_int_eq(driftfile_write(path, 7, 1, 5), 0);
	ck_assert_int_eq(driftfile_read(path, &fr, &fu, &t, err, sizeof(err)), 0);
	ck_assert_double_eq(fr, 7);
	ck_assert_int_eq(t, 5);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	ck_assert_int_eq(access(tmp, F_OK), -1);	/* no tmp left behind */
}
END_TEST

/* The tmp file cannot be created (a directory sits on its name, which
 * works as root too): the old content stays. */
START_TEST(write_failure_keeps_old)
{
	char tmp[PATH_MAX + 32], err[256];
	double fr, fu;
	int64_t t;

	ck_assert_int_eq(driftfile_write(path, 100, 2, 3000000000LL), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	ck_assert_int_eq(mkdir(tmp, 0700), 0);
	errno = 0;
	ck_assert_int_eq(driftfile_write(path, 200, 2, 4000000000LL), -1);
	ck_assert_int_ne(errno, 0);
	ck_assert_int_eq(driftfile_read(path, &fr, &fu, &t, err, sizeof(err)), 0);
	ck_assert_double_eq(fr, 100);
	ck_assert_int_eq(t, 3000000000LL);
	ck_assert_int_eq(rmdir(tmp), 0);
}
END_TEST

/* rename fails (path is a directory): tmp is removed, nothing else harmed. */
START_TEST(write_rename_failure_cleans_tmp)
{
	char tmp[PATH_MAX + 32];

	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(driftfile_write(path, 1, 1, 1), -1);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	ck_assert_int_eq(access(tmp, F_OK), -1);
	ck_assert_int_eq(rmdir(path), 0);
}
END_TEST

START_TEST(write_rejects_bad_values)
{
	errno = 0;
	ck_assert_int_eq(driftfile_write(path, NAN, 1, 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(driftfile_write(path, 600000, 1, 0), -1);
	ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

START_TEST(read_errors_name_the_file)
{
	char err[512];
	double fr, fu;
	int64_t t;

	ck_assert_int_eq(driftfile_read(path, &fr, &fu, &t, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, path));
	ck_assert_ptr_nonnull(strstr(err, "No such file"));

	put_file(path, "tsyncd-drift 1 1 1 1.000000000");	/* torn write */
	ck_assert_int_eq(driftfile_read(path, &fr, &fu, &t, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, path));
	ck_assert_ptr_nonnull(strstr(err, "truncated"));

	put_file(path, "tsyncd-drift 1 1 1 1.000000000\n"
	    "tsyncd-drift 1 1 1 1.000000000\n"
	    "tsyncd-drift 1 1 1 1.000000000\n"
	    "tsyncd-drift 1 1 1 1.000000000\n"
	    "tsyncd-drift 1 1 1 1.000000000\n");
	ck_assert_int_eq(driftfile_read(path, &fr, &fu, &t, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "longer than"));

	put_file(path, "");
	ck_assert_int_eq(driftfile_read(path, &fr, &fu, &t, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "empty"));
}
END_TEST

static Suite *
driftfile_suite(void)
{
	Suite *s = suite_create("driftfile");
	TCase *tc;

	tc = tcase_create("text");
	tcase_add_test(tc, format_parse_round_trip);
	tcase_add_test(tc, format_exact_text);
	tcase_add_test(tc, format_rejects);
	tcase_add_test(tc, parse_accepts_exponent_and_sign);
	tcase_add_loop_test(tc, parse_rejects, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, parse_rejects_nul_and_long);
	suite_add_tcase(s, tc);

	tc = tcase_create("file");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, write_read_round_trip);
	tcase_add_test(tc, write_failure_keeps_old);
	tcase_add_test(tc, write_rename_failure_cleans_tmp);
	tcase_add_test(tc, write_rejects_bad_values);
	tcase_add_test(tc, read_errors_name_the_file);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(driftfile_suite());
}

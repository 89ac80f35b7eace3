/*
 * check_units.c - durations and frequencies as written in the config.
 */
#include "config.h"

#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"
#include "check_run.h"

/* ---------------------------------------------------------------- durations */

static const struct {
	const char	*s;
	int64_t		ns;
} good_durations[] = {
	{ "0", 0 },
	{ "0s", 0 },
	{ "-0s", 0 },
	{ "0.0ns", 0 },
	{ "1ns", 1 },
	{ "100us", 100000 },
	{ "100\xc2\xb5s", 100000 },		/* micro sign */
	{ "100\xce\xbcs", 100000 },		/* Greek mu */
	{ "1ms", 1000000 },
	{ "1s", 1000000000 },
	{ "16s", 16000000000 },
	{ "1min", 60000000000 },
	{ "2h", 7200000000000 },
	{ "1d", 86400000000000 },
	{ "007s", 7000000000 },
	{ "0.1s", 100000000 },
	{ "0.3s", 300000000 },
	{ "1.5us", 1500 },
	{ "-12.5ms", -12500000 },
	{ "0.000001s", 1000 },
	{ "1.000000001s", 1000000001 },
	{ "0.1min", 6000000000 },
	{ "0.001h", 3600000000 },
	{ "1.5d", 129600000000000 },
	/* rounding to the nearest ns, half away from zero */
	{ "0.4ns", 0 },
	{ "0.5ns", 1 },
	{ "-0.5ns", -1 },
	{ "-0.4ns", 0 },
	{ "2.5ns", 3 },
	{ "-2.5ns", -3 },
	{ "1.49999999ns", 1 },
	{ "0.0000000005s", 1 },
	{ "0.00000000049999s", 0 },
	{ "0.0000015us", 0 },
	{ "0.0005us", 1 },
	{ "1.0000000004999999999999999999999s", 1000000000 },
	{ "1.00000000050000000000000000000001s", 1000000001 },
	{ "0.333333333333333333333333333333min", 20000000000 },
	{ "0.0000000000001d", 9 },		/* 8.64 ns */
	/* the ends of int64_t */
	{ "9223372036854775807ns", INT64_MAX },
	{ "-9223372036854775808ns", INT64_MIN },
	{ "9223372036.854775807s", INT64_MAX },
	{ "9223372036.8547758074s", INT64_MAX },
	{ "106751d", 106751LL * 86400 * 1000000000 },
};

static const char *const bad_durations[] = {
	"", "ms", "s", "-", "-s", ".5s", "5.s", "1", "-1", "0.0", "00",
	"1.2.3s", "1e3s", "1E3s", "0x10s", "+1s", "--1s", "1,5s", "1_000s",
	"100 ms", " 100ms", "100ms ", "\t1s", "1s\n", "1 s",
	"1sec", "1S", "1MS", "1m", "1us2", "1ss", "\xc2\xb5s", "1\xc2\xb5",
	"1\xc2s", "inf", "infs", "nan", "nans",
	/* overflow */
	"9223372036854775808ns", "-9223372036854775809ns",
	"9223372036.8547758075s", "106752d", "99999999999999999999999s",
	"18446744073709551616ns", "184467440737095516160ns",
};

START_TEST(duration_good)
{
	const char *why = NULL;
	int64_t ns = 42;

	ck_assert_msg(units_parse_duration(good_durations[_i].s, &ns, &why)
	    == 0, "\"%s\" rejected: %s", good_durations[_i].s, why);
	ck_assert_msg(ns == good_durations[_i].ns, "\"%s\": got %" PRId64
	    ", want %" PRId64, good_durations[_i].s, ns, good_durations[_i].ns);
}
END_TEST

START_TEST(duration_bad)
{
	const char *why = NULL;
	int64_t ns = 42;

	ck_assert_msg(units_parse_duration(bad_durations[_i], &ns, &why) == -1,
	    "\"%s\" accepted as %" PRId64, bad_durations[_i], ns);
	ck_assert_ptr_nonnull(why);
	ck_assert_int_gt(strlen(why), 0);
	ck_assert_msg(ns == 42, "output written on error");
}
END_TEST

START_TEST(duration_reasons)
{
	const char *why;
	int64_t ns;

	ck_assert_int_eq(units_parse_duration("106752d", &ns, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "out of range"));
	ck_assert_int_eq(units_parse_duration("5", &ns, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "missing unit"));
	ck_assert_int_eq(units_parse_duration("5sec", &ns, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "unknown unit"));
}
END_TEST

/* Every decimal fraction of a second with up to 9 digits is exact. */
START_TEST(duration_exact_fractions)
{
	char s[32];
	const char *why;
	int64_t ns;

	srand(1);
	for (int i = 0; i < 20000; i++) {
		long frac = rand() % 1000000000;

		snprintf(s, sizeof(s), "%d.%09lds", i % 1000, frac);
		ck_assert_int_eq(units_parse_duration(s, &ns, &why), 0);
		ck_assert_msg(ns == (int64_t)(i % 1000) * 1000000000 + frac,
		    "%s -> %" PRId64, s, ns);
	}
}
END_TEST

/* ---------------------------------------------------------------- frequency */

static const struct {
	const char	*s;
	double		ppb;
} good_frequencies[] = {
	{ "0", 0 },
	{ "0ppm", 0 },
	{ "500ppm", 500000 },
	{ "20ppb", 20 },
	{ "1ppt", 0.001 },
	{ "-12.5ppm", -12500 },
	{ "0.001ppm", 1 },
	{ "1.25ppb", 1.25 },
	{ "-0.5ppt", -0.0005 },
	{ "500000ppm", 5e8 },
	{ "007ppb", 7 },
};

static const char *const bad_frequencies[] = {
	"", "ppm", "-ppm", "500", "-5", "500 ppm", " 5ppm", "5ppm ", "1e3ppm",
	"1E3ppm", "0x10ppm", "0x1p3ppm", "inf", "infppm", "-infppm", "nanppm",
	"NANppm", "500ppmx", "500PPM", "5pp", "5ppk", "+5ppm", "5.ppm", ".5ppm",
	"1.2.3ppm", "5ppm5", "5%", "5ms",
};

START_TEST(frequency_good)
{
	const char *why = NULL;
	double ppb = 42;

	ck_assert_msg(units_parse_frequency(good_frequencies[_i].s, &ppb, &why)
	    == 0, "\"%s\" rejected: %s", good_frequencies[_i].s, why);
	ck_assert_double_eq_tol(ppb, good_frequencies[_i].ppb, 1e-12);
	ck_assert(!signbit(ppb) || ppb != 0);
}
END_TEST

START_TEST(frequency_bad)
{
	const char *why = NULL;
	double ppb = 42;

	ck_assert_msg(units_parse_frequency(bad_frequencies[_i], &ppb, &why)
	    == -1, "\"%s\" accepted as %g", bad_frequencies[_i], ppb);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(ppb == 42, "output written on error");
}
END_TEST

START_TEST(frequency_overflow)
{
	char s[420];
	const char *why;
	double ppb = 42;

	memset(s, '9', 400);
	strcpy(s + 400, "ppm");
	ck_assert_int_eq(units_parse_frequency(s, &ppb, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "out of range"));
	ck_assert(ppb == 42);
	/* 1e308 is a finite double, but not once scaled from ppm to ppb */
	s[308] = '\0';
	strcat(s, "ppm");
	ck_assert_int_eq(units_parse_frequency(s, &ppb, &why), -1);
}
END_TEST

/* ---------------------------------------------------------------- format */

static const struct {
	int64_t		ns;
	const char	*s;
} formats[] = {
	{ 0, "0s" },
	{ 1, "1ns" },
	{ 999, "999ns" },
	{ 1000, "1us" },
	{ 100000, "100us" },
	{ 1500000, "1500us" },
	{ 1000000, "1ms" },
	{ 1001000000, "1001ms" },
	{ 1000000000, "1s" },
	{ 60000000000, "60s" },
	{ 86400000000000, "86400s" },
	{ -1500, "-1500ns" },
	{ -2000000, "-2ms" },
	{ -1000000000, "-1s" },
	{ INT64_MAX, "9223372036854775807ns" },
	{ INT64_MIN, "-9223372036854775808ns" },
};

START_TEST(format_table)
{
	char buf[32];

	ck_assert_int_eq(units_format_duration(formats[_i].ns, buf,
	    sizeof(buf)), 0);
	ck_assert_str_eq(buf, formats[_i].s);
}
END_TEST

START_TEST(format_small_buffer)
{
	char buf[4] = "xxx";

	ck_assert_int_eq(units_format_duration(1500000, buf, sizeof(buf)), -1);
	ck_assert_int_eq(strlen(buf), 3);	/* cut, but terminated */
	ck_assert_int_eq(units_format_duration(100, buf, sizeof(buf)), -1);
	ck_assert_int_eq(units_format_duration(3, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "3ns");
	ck_assert_int_eq(units_format_duration(3000, buf, 0), -1);
}
END_TEST

START_TEST(format_round_trip)
{
	static const int64_t scales[] = { 1, 1000, 1000000, 1000000000 };
	char buf[32];
	const char *why;
	int64_t v, back;

	srand(7);
	for (int i = 0; i < 50000; i++) {
		v = (int64_t)rand() << 31 | rand();
		v = v % (INT64_MAX / scales[i % 4]) * scales[i % 4];
		if (i % 3 == 0)
			v = -v;
		ck_assert_int_eq(units_format_duration(v, buf, sizeof(buf)), 0);
		ck_assert_int_eq(units_parse_duration(buf, &back, &why), 0);
		ck_assert_msg(back == v, "%" PRId64 " -> %s -> %" PRId64, v,
		    buf, back);
	}
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		ck_assert_int_eq(units_parse_duration(formats[i].s, &back,
		    &why), 0);
		ck_assert(back == formats[i].ns);
	}
}
END_TEST

static Suite *
units_suite(void)
{
	Suite *s = suite_create("units");
	TCase *tc;

	tc = tcase_create("duration");
	tcase_add_loop_test(tc, duration_good, 0,
	    sizeof(good_durations) / sizeof(good_durations[0]));
	tcase_add_loop_test(tc, duration_bad, 0,
	    sizeof(bad_durations) / sizeof(bad_durations[0]));
	tcase_add_test(tc, duration_reasons);
	tcase_add_test(tc, duration_exact_fractions);
	suite_add_tcase(s, tc);

	tc = tcase_create("frequency");
	tcase_add_loop_test(tc, frequency_good, 0,
	    sizeof(good_frequencies) / sizeof(good_frequencies[0]));
	tcase_add_loop_test(tc, frequency_bad, 0,
	    sizeof(bad_frequencies) / sizeof(bad_frequencies[0]));
	tcase_add_test(tc, frequency_overflow);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_loop_test(tc, format_table, 0,
	    sizeof(formats) / sizeof(formats[0]));
	tcase_add_test(tc, format_small_buffer);
	tcase_add_test(tc, format_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(units_suite());
}

/*
 * check_tstime.c - conversions between int64_t nanoseconds, timespec,
 * doubles and ISO-8601.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tstime.h"
#include "check_run.h"

START_TEST(timespec_round_trip)
{
	static const int64_t cases[] = {
		0, 1, -1, 999999999, -999999999, NS_PER_S, -NS_PER_S,
		-NS_PER_S - 1, 1795749829123456789LL, -1795749829123456789LL,
		INT64_MAX, INT64_MIN,
	};
	struct timespec ts;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tstime_to_timespec(cases[i], &ts);
		ck_assert_int_ge(ts.tv_nsec, 0);
		ck_assert_int_lt(ts.tv_nsec, NS_PER_S);
		ck_assert_int_eq(tstime_from_timespec(&ts), cases[i]);
	}
}
END_TEST

START_TEST(timespec_negative_is_normalised)
{
	struct timespec ts;

	tstime_to_timespec(-1, &ts);
	ck_assert_int_eq(ts.tv_sec, -1);
	ck_assert_int_eq(ts.tv_nsec, 999999999);
	tstime_to_timespec(-1500000000LL, &ts);
	ck_assert_int_eq(ts.tv_sec, -2);
	ck_assert_int_eq(ts.tv_nsec, 500000000);
	tstime_to_timespec(-2 * NS_PER_S, &ts);
	ck_assert_int_eq(ts.tv_sec, -2);
	ck_assert_int_eq(ts.tv_nsec, 0);
}
END_TEST

START_TEST(timespec_out_of_range_saturates)
{
	struct timespec ts = { .tv_sec = INT64_MAX / 2, .tv_nsec = 0 };

	ck_assert_int_eq(tstime_from_timespec(&ts), INT64_MAX);
	ts.tv_sec = -(INT64_MAX / 2);
	ck_assert_int_eq(tstime_from_timespec(&ts), INT64_MIN);
	/* 9223372036 s + 854775807 ns is INT64_MAX exactly; one more saturates. */
	ts.tv_sec = 9223372036;
	ts.tv_nsec = 854775807;
	ck_assert_int_eq(tstime_from_timespec(&ts), INT64_MAX);
	ts.tv_nsec = 999999999;
	ck_assert_int_eq(tstime_from_timespec(&ts), INT64_MAX);
}
END_TEST

START_TEST(add_sub_saturate)
{
	ck_assert_int_eq(tstime_add_sat(1, 2), 3);
	ck_assert_int_eq(tstime_add_sat(-5, 2), -3);
	ck_assert_int_eq(tstime_add_sat(INT64_MAX, 1), INT64_MAX);
	ck_assert_int_eq(tstime_add_sat(INT64_MAX - 1, 1), INT64_MAX);
	ck_assert_int_eq(tstime_add_sat(INT64_MIN, -1), INT64_MIN);
	ck_assert_int_eq(tstime_add_sat(INT64_MIN, INT64_MAX), -1);
	ck_assert_int_eq(tstime_sub_sat(3, 5), -2);
	ck_assert_int_eq(tstime_sub_sat(INT64_MIN, 1), INT64_MIN);
	ck_assert_int_eq(tstime_sub_sat(INT64_MAX, -1), INT64_MAX);
	ck_assert_int_eq(tstime_sub_sat(0, INT64_MIN), INT64_MAX);
	ck_assert_int_eq(tstime_sub_sat(-1, INT64_MIN), INT64_MAX);
	ck_assert_int_eq(tstime_sub_sat(-2, INT64_MAX), INT64_MIN);
}
END_TEST

START_TEST(double_conversions)
{
	ck_assert_double_eq(tstime_to_s(1500000000LL), 1.5);
	ck_assert_double_eq(tstime_to_s(-1500000000LL), -1.5);
	ck_assert_int_eq(tstime_from_s(1.5), 1500000000LL);
	ck_assert_int_eq(tstime_from_s(-1.5), -1500000000LL);
	ck_assert_int_eq(tstime_from_s(1e-9 * 0.6), 1);	/* rounds */
	ck_assert_int_eq(tstime_from_s(-1e-9 * 0.6), -1);
	ck_assert_int_eq(tstime_from_s(1e-9 * 0.4), 0);
	ck_assert_int_eq(tstime_from_s(NAN), 0);
	ck_assert_int_eq(tstime_from_s(1e300), INT64_MAX);
	ck_assert_int_eq(tstime_from_s(INFINITY), INT64_MAX);
	ck_assert_int_eq(tstime_from_s(-1e300), INT64_MIN);
	ck_assert_int_eq(tstime_from_s(-INFINITY), INT64_MIN);
	ck_assert_int_eq(tstime_from_s(9.3e9), INT64_MAX);
	/* Sub-second part survives for a present-day instant. */
	ck_assert_double_eq_tol(tstime_to_s(1795749829123456789LL) -
	    1795749829.0, 0.123456789, 1e-6);
}
END_TEST

static void
check_iso(int64_t ns, int digits, const char *want)
{
	char buf[64];
	int n = tstime_format_iso8601(ns, digits, buf, sizeof(buf));

	ck_assert_int_eq(n, (int)strlen(want));
	ck_assert_str_eq(buf, want);
}

START_TEST(iso_known_instants)
{
	check_iso(0, 0, "1970-01-01T00:00:00Z");
	check_iso(0, 9, "1970-01-01T00:00:00.000000000Z");
	/* 2026-11-27T03:23:49Z = 1795749829 s */
	check_iso(1795749829123456789LL, 6, "2026-11-27T03:23:49.123456Z");
	check_iso(1795749829123456789LL, 9, "2026-11-27T03:23:49.123456789Z");
	check_iso(1795749829999999999LL, 0, "2026-11-27T03:23:49Z");
	check_iso(1795749829999999999LL, 3, "2026-11-27T03:23:49.999Z");
	/* 2024-02-29T12:00:00Z = 1709208000 s */
	check_iso(1709208000LL * NS_PER_S, 0, "2024-02-29T12:00:00Z");
	check_iso(1709251199LL * NS_PER_S, 1, "2024-02-29T23:59:59.0Z");
	check_iso(1709251200LL * NS_PER_S, 0, "2024-03-01T00:00:00Z");
	check_iso(951782400LL * NS_PER_S, 0, "2000-02-29T00:00:00Z");
	check_iso(1483228799LL * NS_PER_S, 0, "2016-12-31T23:59:59Z");
}
END_TEST

START_TEST(iso_before_1970)
{
	check_iso(-1, 9, "1969-12-31T23:59:59.999999999Z");
	check_iso(-1, 6, "1969-12-31T23:59:59.999999Z");
	check_iso(-NS_PER_S, 0, "1969-12-31T23:59:59Z");
	check_iso(-86400 * NS_PER_S, 0, "1969-12-31T00:00:00Z");
	/* 1900-01-01T00:00:00Z (NTP era 0) = -2208988800 s */
	check_iso(-2208988800LL * NS_PER_S, 3, "1900-01-01T00:00:00.000Z");
	check_iso(INT64_MIN, 9, "1677-09-21T00:12:43.145224192Z");
	check_iso(INT64_MAX, 9, "2262-04-11T23:47:16.854775807Z");
}
END_TEST

START_TEST(iso_bad_arguments)
{
	char buf[64];

	memset(buf, 'x', sizeof(buf));
	ck_assert_int_eq(tstime_format_iso8601(0, -1, buf, sizeof(buf)), -1);
	ck_assert_int_eq(tstime_format_iso8601(0, 10, buf, sizeof(buf)), -1);
	/* "1970-01-01T00:00:00Z" is 20 characters plus NUL. */
	ck_assert_int_eq(tstime_format_iso8601(0, 0, buf, 20), -1);
	ck_assert_int_eq(tstime_format_iso8601(0, 0, buf, 21), 20);
	ck_assert_int_eq(tstime_format_iso8601(0, 6, buf, 27), -1);
	ck_assert_int_eq(tstime_format_iso8601(0, 6, buf, 28), 27);
	ck_assert_int_eq(tstime_format_iso8601(0, 0, buf, 0), -1);
	ck_assert_int_eq(tstime_format_iso8601(0, 0, NULL, 64), -1);
}
END_TEST

static Suite *
tstime_suite(void)
{
	Suite *s = suite_create("tstime");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, timespec_round_trip);
	tcase_add_test(tc, timespec_negative_is_normalised);
	tcase_add_test(tc, timespec_out_of_range_saturates);
	tcase_add_test(tc, add_sub_saturate);
	tcase_add_test(tc, double_conversions);
	tcase_add_test(tc, iso_known_instants);
	tcase_add_test(tc, iso_before_1970);
	tcase_add_test(tc, iso_bad_arguments);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(tstime_suite());
}

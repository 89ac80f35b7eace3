/*
 * check_leapsmear.c - the leap.mode profile: smear, slew and step for an
 * inserted and a deleted second; the bound over an uncertain instant;
 * the POSIX UTC <-> leap-free map and its ambiguous second.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check_run.h"
#include "leapsmear.h"

#define NS		1000000000LL
#define H		(3600 * NS)
#define T_LEAP_2027	(1798761600LL * NS)	/* 2027-01-01T00:00:00Z */

static struct leapsmear p;

START_TEST(smear_insert_profile)
{
	double smax = 0;

	ck_assert_int_eq(leapsmear_init(&p, LEAPSMEAR_SMEAR, T_LEAP_2027, 1,
	    24 * H, 0), 0);
	ck_assert(p.start_ns == T_LEAP_2027 - 12 * H);	/* noon to noon */
	/* noon to noon UTC: 86401 s of the leap-free timescale */
	ck_assert(p.end_ns == T_LEAP_2027 + 12 * H + NS);
	ck_assert(leapsmear_utc_of_free(&p, p.end_ns) == T_LEAP_2027 + 12 * H);
	ck_assert(p.jump_ns == T_LEAP_2027);
	ck_assert_double_eq(leapsmear_offset(&p, p.start_ns - NS), 0);
	ck_assert_double_eq_tol(leapsmear_offset(&p, T_LEAP_2027 - 1), -0.5, 1e-5);
	ck_assert_double_eq_tol(leapsmear_offset(&p, T_LEAP_2027), 0.5, 1e-5);
	ck_assert_double_eq(leapsmear_offset(&p, p.end_ns), 0);
	ck_assert_double_eq_tol(leapsmear_offset(&p, T_LEAP_2027 - 6 * H),
	    -21600.0 / 86401, 1e-12);
	ck_assert_double_eq_tol(leapsmear_rate(&p, T_LEAP_2027), 1.0 / 86401, 1e-15);
	ck_assert_double_eq(leapsmear_rate(&p, p.end_ns), 0);
	for (int64_t t = p.start_ns - H; t < p.end_ns + H; t += NS)
		smax = fmax(smax, fabs(leapsmear_offset(&p, t)));
	ck_assert_double_le(smax, 0.5 + 1.0 / (2 * 86401));
	ck_assert_double_gt(smax, 0.5);
}
END_TEST

/* UTC + s is the clock's target: continuous, rate 1 - dw/dL, never back. */
START_TEST(smear_target_is_continuous)
{
	int64_t prev = 0;
	double rate = 1.0 / 86401;

	ck_assert_int_eq(leapsmear_init(&p, LEAPSMEAR_SMEAR, T_LEAP_2027, 1,
	    24 * H, 0), 0);
	for (int64_t l = p.start_ns - 10 * NS; l < p.end_ns + 10 * NS; l += NS / 4) {
		int64_t utc = leapsmear_utc_of_free(&p, l);
		int64_t target = utc + llround(leapsmear_offset(&p, l) * 1e9);

		ck_assert(llabs(target - (l - llround(leapsmear_ramp(&p, l) * 1e9))) <= 1);
		if (prev != 0) {
			int64_t d = target - prev;

			ck_assert(d >= NS / 4 - llround(NS / 4 * rate) - 2);
			ck_assert(d <= NS / 4 + 2);
		}
		prev = target;
	}
}
END_TEST

START_TEST(smear_active_exactly_in_window)
{
	ck_assert_int_eq(leapsmear_init(&p, LEAPSMEAR_SMEAR, T_LEAP_2027, 1,
	    2 * H, 0), 0);
	ck_assert(!leapsmear_active(&p, T_LEAP_2027 - H - 1));
	ck_assert(leapsmear_active(&p, T_LEAP_2027 - H));
	ck_assert(leapsmear_active(&p, T_LEAP_2027 + H));	/* UTC 00:59:59 */
	ck_assert(!leapsmear_active(&p, T_LEAP_2027 + H + NS));
}
END_TEST

START_TEST(smear_delete_profile)
{
	ck_assert_int_eq(leapsmear_init(&p, LEAPSMEAR_SMEAR, T_LEAP_2027, -1,
	    24 * H, 0), 0);
	/* 23:59:59 never happens: POSIX UTC jumps one second early */
	ck_assert(p.jump_ns == T_LEAP_2027 - NS);
	/* noon to noon UTC: 86399 s of L */
	ck_assert(p.end_ns == T_LEAP_2027 + 12 * H - NS);
	ck_assert(leapsmear_utc_of_free(&p, p.end_ns) == T_LEAP_2027 + 12 * H);
	ck_assert_double_gt(leapsmear_offset(&p, T_LEAP_2027 - 2 * NS), 0.49);
	ck_assert_double_le(leapsmear_offset(&p, T_LEAP_2027 - 2 * NS), 0.5);
	ck_assert_double_lt(leapsmear_offset(&p, T_LEAP_2027 - NS), -0.5);
	ck_assert_double_ge(leapsmear_offset(&p, T_LEAP_2027 - NS), -0.5 - 1.0 / 86398);
	ck_assert_double_lt(leapsmear_rate(&p, T_LEAP_2027), 0);
	ck_assert(leapsmear_utc_of_free(&p, T_LEAP_2027 - NS) == T_LEAP_2027);
}
END_TEST

START_TEST(slew_insert_profile)
{
	double rate = 400e-6;

	ck_assert_int_eq(leapsmear_init(&p, LEAPSMEAR_SLEW, T_LEAP_2027, 1, 0, rate), 0);
	ck_assert(p.start_ns == T_LEAP_2027);
	ck_assert(p.end_ns == T_LEAP_2027 + 2500 * NS);
	ck_assert_double_eq(leapsmear_offset(&p, T_LEAP_2027 - 1), 0);
	ck_assert_double_eq(leapsmear_offset(&p, T_LEAP_2027), 1);
	ck_assert_double_eq_tol(leapsmear_offset(&p, T_LEAP_2027 + 1000 * NS), 0.6, 1e-12);
	ck_assert_double_eq(leapsmear_offset(&p, p.end_ns), 0);
	ck_assert_double_eq_tol(leapsmear_rate(&p, T_LEAP_2027 + NS), rate, 1e-15);
	ck_assert(!leapsmear_active(&p, T_LEAP_2027 - 1));
	ck_assert(leapsmear_active(&p, T_LEAP_2027));
}
END_TEST

START_TEST(step_is_no_profile)
{
	ck_assert_int_eq(leapsmear_init(&p, LEAPSMEAR_STEP, T_LEAP_2027, 1, 0, 0), 0);
	for (int64_t t = T_LEAP_2027 - 3 * NS; t < T_LEAP_2027 + 3 * NS; t += NS / 8) {
		ck_assert_double_eq(leapsmear_offset(&p, t), 0);
		ck_assert_double_eq(leapsmear_rate(&p, t), 0);
		ck_assert(!leapsmear_active(&p, t));
		ck_assert_double_eq(leapsmear_offset_bound(&p, t, 2 * NS), 0);
	}
}
END_TEST

/* Brute force: the bound is >= |s| at every L' within eps, and attained. */
START_TEST(bound_covers_interval)
{
	static const enum leapsmear_mode modes[] = { LEAPSMEAR_SLEW, LEAPSMEAR_SMEAR };
	int64_t eps = 3 * NS;

	for (int m = 0; m < 2; m++) {
		ck_assert_int_eq(leapsmear_init(&p, modes[m], T_LEAP_2027, 1,
		    20 * NS, 0.05), 0);
		for (int64_t l = T_LEAP_2027 - 30 * NS; l < T_LEAP_2027 + 40 * NS;
		    l += NS / 3) {
			double b = leapsmear_offset_bound(&p, l, eps), seen = 0;

			for (int64_t q = l - eps; q <= l + eps; q += NS / 100)
				seen = fmax(seen, fabs(leapsmear_offset(&p, q)));
			ck_assert_double_ge(b, seen);
			ck_assert_double_le(b, seen + 0.051);	/* grid of 10 ms x rate */
		}
	}
	/* slew: an instant known to +-eps around the jump may be 1 s off */
	ck_assert_int_eq(leapsmear_init(&p, LEAPSMEAR_SLEW, T_LEAP_2027, 1, 0, 1e-3), 0);
	ck_assert_double_eq(leapsmear_offset_bound(&p, T_LEAP_2027 - NS / 1000,
	    NS / 100), 1);
	ck_assert_double_eq(leapsmear_offset_bound(&p, T_LEAP_2027 - NS, 0), 0);
	ck_assert(isnan(leapsmear_offset_bound(&p, T_LEAP_2027, -1)));
}
END_TEST

START_TEST(utc_map)
{
	int64_t l;

	ck_assert_int_eq(leapsmear_init(&p, LEAPSMEAR_SMEAR, T_LEAP_2027, 1,
	    24 * H, 0), 0);
	ck_assert_int_eq(leapsmear_free_of_utc(&p, T_LEAP_2027 - 3 * NS, &l), 0);
	ck_assert(l == T_LEAP_2027 - 3 * NS);
	/* the repeated second and its guards */
	ck_assert_int_eq(leapsmear_free_of_utc(&p, T_LEAP_2027 - 2 * NS, &l), -1);
	ck_assert_int_eq(leapsmear_free_of_utc(&p, T_LEAP_2027 - NS / 2, &l), -1);
	ck_assert_int_eq(leapsmear_free_of_utc(&p, T_LEAP_2027 + NS - 1, &l), -1);
	ck_assert_int_eq(leapsmear_free_of_utc(&p, T_LEAP_2027 + NS, &l), 0);
	ck_assert(l == T_LEAP_2027 + 2 * NS);
	ck_assert(leapsmear_utc_of_free(&p, l) == T_LEAP_2027 + NS);
	ck_assert(leapsmear_utc_of_free(&p, T_LEAP_2027) == T_LEAP_2027 - NS);

	ck_assert_int_eq(leapsmear_init(&p, LEAPSMEAR_SMEAR, T_LEAP_2027, -1,
	    24 * H, 0), 0);
	ck_assert_int_eq(leapsmear_free_of_utc(&p, T_LEAP_2027 + 5 * NS, &l), 0);
	ck_assert(l == T_LEAP_2027 + 4 * NS);
	ck_assert(leapsmear_utc_of_free(&p, l) == T_LEAP_2027 + 5 * NS);
}
END_TEST

START_TEST(init_rejects)
{
	enum leapsmear_mode m;

	ck_assert_int_eq(leapsmear_init(&p, LEAPSMEAR_SMEAR, T_LEAP_2027, 2, H, 0), -1);
	ck_assert_int_eq(leapsmear_init(&p, LEAPSMEAR_SMEAR, T_LEAP_2027, 0, H, 0), -1);
	ck_assert_int_eq(leapsmear_init(&p, LEAPSMEAR_SMEAR, T_LEAP_2027 + 1, 1, H, 0), -1);
	ck_assert_int_eq(leapsmear_init(&p, LEAPSMEAR_SMEAR, T_LEAP_2027, 1, 0, 0), -1);
	ck_assert_int_eq(leapsmear_init(&p, LEAPSMEAR_SMEAR, T_LEAP_2027, 1,
	    8 * 24 * H, 0), -1);
	ck_assert_int_eq(leapsmear_init(&p, LEAPSMEAR_SLEW, T_LEAP_2027, 1, 0, 0), -1);
	ck_assert_int_eq(leapsmear_init(&p, LEAPSMEAR_SLEW, T_LEAP_2027, 1, 0, NAN), -1);
	ck_assert_int_eq(leapsmear_init(&p, LEAPSMEAR_SLEW, T_LEAP_2027, 1, 0, 0.5), -1);
	ck_assert_int_eq(leapsmear_init(&p, (enum leapsmear_mode)7, T_LEAP_2027, 1,
	    H, 1e-4), -1);
	ck_assert_int_eq(leapsmear_mode_parse("smear", &m), 0);
	ck_assert_int_eq(m, LEAPSMEAR_SMEAR);
	ck_assert_int_eq(leapsmear_mode_parse("slew", &m), 0);
	ck_assert_int_eq(m, LEAPSMEAR_SLEW);
	ck_assert_int_eq(leapsmear_mode_parse("step", &m), 0);
	ck_assert_int_eq(m, LEAPSMEAR_STEP);
	ck_assert_int_eq(leapsmear_mode_parse("Smear", &m), -1);
	ck_assert_int_eq(leapsmear_mode_parse(NULL, &m), -1);
}
END_TEST

static Suite *
leapsmear_suite(void)
{
	Suite *s = suite_create("leapsmear");
	TCase *tc = tcase_create("profile");

	tcase_add_test(tc, smear_insert_profile);
	tcase_add_test(tc, smear_target_is_continuous);
	tcase_add_test(tc, smear_active_exactly_in_window);
	tcase_add_test(tc, smear_delete_profile);
	tcase_add_test(tc, slew_insert_profile);
	tcase_add_test(tc, step_is_no_profile);
	tcase_add_test(tc, bound_covers_interval);
	tcase_add_test(tc, utc_map);
	tcase_add_test(tc, init_rejects);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(leapsmear_suite());
}

/*
 * check_phcref.c - a CLOCK_REALTIME sample put onto a PHC: the offset,
 * the PHC's reading, the bound and the budget rows.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <string.h>

#include "phcref.h"
#include "sample.h"
#include "check_run.h"

static struct sample
ntp_like(void)
{
	struct sample s;

	memset(&s, 0, sizeof(s));
	s.mono_ns = 1000 * 1000000000LL;
	s.local_ns = 1800000000LL * 1000000000LL;	/* CLOCK_REALTIME */
	s.offset_s = 2e-6;				/* UTC - CLOCK_REALTIME */
	s.delay_s = 20e-6;
	s.hard_bound_s = 10e-6;
	budget_init(&s.budget);
	budget_add(&s.budget, "asymmetry", 10e-6 / sqrt(3), BUDGET_TYPE_B, "x");
	return s;
}

START_TEST(tai_phc_offset)
{
	/* PHC = CLOCK_REALTIME + 37 s + 3 ms: TAI - PHC = 2 us - 3 ms */
	struct sample s = ntp_like();
	struct phcref r = { .phc_minus_sys_ns = 37003000000LL, .window_ns = 400,
	    .lag_ns = 50000, .max_rate = 1e-3, .tai_utc_s = 37 };

	ck_assert_int_eq(phcref_apply(&s, &r), 0);
	ck_assert_double_eq_tol(s.offset_s, 2e-6 - 3e-3, 1e-15);
	ck_assert_int_eq(s.local_ns, 1800000000LL * 1000000000LL + 37003000000LL);
	ck_assert_int_eq(s.mono_ns, 1000 * 1000000000LL);
	ck_assert_double_eq(s.delay_s, 20e-6);
	/* bound: + window/2 (200 ns) + lag * rate (50 ns) */
	ck_assert_double_eq_tol(s.hard_bound_s, 10e-6 + 200e-9 + 50e-9, 1e-15);
	ck_assert_int_eq(s.budget.n, 3);
	ck_assert_double_eq_tol(budget_find(&s.budget, "phc_read")->u_s,
	    200e-9 / sqrt(3), 1e-15);
	ck_assert_int_eq(budget_find(&s.budget, "phc_read")->kind, BUDGET_TYPE_B);
	ck_assert_double_eq_tol(budget_find(&s.budget, "phc_lag")->u_s,
	    50e-9 / sqrt(3), 1e-15);
	ck_assert(sample_valid(&s));
}
END_TEST

START_TEST(utc_phc_offset_and_sign)
{
	/* A UTC PHC 1.5 us behind CLOCK_REALTIME: it is 1.5 us further from
	 * UTC than the system clock, the other way round. */
	struct sample s = ntp_like();
	struct phcref r = { .phc_minus_sys_ns = -1500, .window_ns = 0,
	    .lag_ns = -20000, .max_rate = 2e-3, .tai_utc_s = 0 };

	ck_assert_int_eq(phcref_apply(&s, &r), 0);
	ck_assert_double_eq_tol(s.offset_s, 3.5e-6, 1e-15);
	ck_assert_int_eq(s.local_ns, 1800000000LL * 1000000000LL - 1500);
	/* a cross-timestamp adds nothing; a negative lag counts as long */
	ck_assert_double_eq_tol(s.hard_bound_s, 10e-6 + 40e-9, 1e-15);
	ck_assert_double_eq(budget_find(&s.budget, "phc_read")->u_s, 0);
}
END_TEST

START_TEST(offset_keeps_ns_beside_tens_of_seconds)
{
	/* 37 s of d against a 1 ns offset: nothing lost to rounding */
	struct sample s = ntp_like();
	struct phcref r = { .phc_minus_sys_ns = 37000000001LL, .window_ns = 2,
	    .lag_ns = 0, .max_rate = 1e-3, .tai_utc_s = 37 };

	s.offset_s = 0;
	ck_assert_int_eq(phcref_apply(&s, &r), 0);
	ck_assert_double_eq_tol(s.offset_s, -1e-9, 1e-18);
}
END_TEST

START_TEST(bad_inputs_leave_the_sample)
{
	struct sample s = ntp_like(), before = ntp_like();
	struct phcref r = { .phc_minus_sys_ns = 5, .window_ns = -1,
	    .lag_ns = 0, .max_rate = 1e-3 };

	ck_assert_int_eq(phcref_apply(&s, &r), -1);
	r.window_ns = 10;
	r.max_rate = NAN;
	ck_assert_int_eq(phcref_apply(&s, &r), -1);
	r.max_rate = -1;
	ck_assert_int_eq(phcref_apply(&s, &r), -1);
	r.max_rate = 1e-3;
	r.lag_ns = INT64_MIN;
	ck_assert_int_eq(phcref_apply(&s, &r), -1);
	ck_assert_mem_eq(&s, &before, sizeof(s));
}
END_TEST

START_TEST(full_budget_is_refused_whole)
{
	struct sample s = ntp_like(), before;
	struct phcref r = { .phc_minus_sys_ns = 5, .window_ns = 10,
	    .lag_ns = 0, .max_rate = 1e-3 };

	/* room for one row only: neither is added, nothing changes */
	while (s.budget.n < BUDGET_MAX_ITEMS - 1)
		budget_add(&s.budget, "filler", 1e-9, BUDGET_TYPE_A, "x");
	before = s;
	ck_assert_int_eq(phcref_apply(&s, &r), -1);
	ck_assert_mem_eq(&s, &before, sizeof(s));
}
END_TEST

START_TEST(max_rate_adds_the_declared_terms)
{
	ck_assert_double_eq_tol(phcref_max_rate(500000.0),
	    PHCREF_PHC_TOLERANCE + 500e-6 + PHCREF_SYS_MAX_RATE, 1e-15);
	ck_assert_double_eq_tol(phcref_max_rate(0), PHCREF_PHC_TOLERANCE +
	    PHCREF_SYS_MAX_RATE, 1e-15);
}
END_TEST

static Suite *
phcref_suite(void)
{
	Suite *s = suite_create("phcref");
	TCase *tc = tcase_create("apply");

	tcase_add_test(tc, tai_phc_offset);
	tcase_add_test(tc, utc_phc_offset_and_sign);
	tcase_add_test(tc, offset_keeps_ns_beside_tens_of_seconds);
	tcase_add_test(tc, bad_inputs_leave_the_sample);
	tcase_add_test(tc, full_budget_is_refused_whole);
	tcase_add_test(tc, max_rate_adds_the_declared_terms);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(phcref_suite());
}

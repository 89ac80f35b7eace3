/*
 * check_sample.c - uncertainty budgets and sample validation.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <string.h>

#include "sample.h"
#include "check_run.h"

START_TEST(budget_combines_in_quadrature)
{
	struct budget b;

	budget_init(&b);
	ck_assert_double_eq(budget_combined(&b), 0.0);
	ck_assert_int_eq(budget_add(&b, "a", 3e-6, BUDGET_TYPE_A, "jitter"), 0);
	ck_assert_int_eq(budget_add(&b, "b", 4e-6, BUDGET_TYPE_B, "asymmetry"), 0);
	ck_assert_double_eq_tol(budget_combined(&b), 5e-6, 1e-18);
	ck_assert_ptr_nonnull(budget_find(&b, "b"));
	ck_assert_int_eq(budget_find(&b, "b")->kind, BUDGET_TYPE_B);
	ck_assert_str_eq(budget_find(&b, "b")->origin, "asymmetry");
	ck_assert_ptr_null(budget_find(&b, "c"));
}
END_TEST

START_TEST(budget_rejects_bad_items_and_overflow)
{
	struct budget b;

	budget_init(&b);
	ck_assert_int_eq(budget_add(&b, "neg", -1e-9, BUDGET_TYPE_B, ""), -1);
	ck_assert_int_eq(budget_add(&b, "nan", NAN, BUDGET_TYPE_B, ""), -1);
	ck_assert_int_eq(budget_add(&b, "inf", INFINITY, BUDGET_TYPE_B, ""), -1);
	ck_assert_int_eq(b.n, 0);
	for (int i = 0; i < BUDGET_MAX_ITEMS; i++)
		ck_assert_int_eq(budget_add(&b, "x", 1e-9, BUDGET_TYPE_A, NULL), 0);
	ck_assert_int_eq(budget_add(&b, "one too many", 1e-9, BUDGET_TYPE_A, ""), -1);
	ck_assert_int_eq(b.n, BUDGET_MAX_ITEMS);
}
END_TEST

START_TEST(budget_truncates_long_names)
{
	struct budget b;
	char longname[100];

	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	budget_init(&b);
	ck_assert_int_eq(budget_add(&b, longname, 1e-9, BUDGET_TYPE_A, longname), 0);
	ck_assert_uint_eq(strlen(b.item[0].name), BUDGET_NAME_LEN - 1);
	ck_assert_uint_eq(strlen(b.item[0].origin), BUDGET_ORIGIN_LEN - 1);
}
END_TEST

START_TEST(distribution_divisors)
{
	ck_assert_double_eq_tol(budget_u_rectangular(sqrt(3.0)), 1.0, 1e-15);
	ck_assert_double_eq_tol(budget_u_triangular(sqrt(6.0)), 1.0, 1e-15);
}
END_TEST

START_TEST(sample_validation)
{
	struct sample s;

	memset(&s, 0, sizeof(s));
	budget_init(&s.budget);
	s.offset_s = 1e-3;
	s.delay_s = -1;
	s.hard_bound_s = 1e-4;
	budget_add(&s.budget, "u", 2e-5, BUDGET_TYPE_A, "");
	ck_assert(sample_valid(&s));
	ck_assert_double_eq_tol(sample_u(&s), 2e-5, 1e-18);
	s.hard_bound_s = -1e-9;
	ck_assert(!sample_valid(&s));
	s.hard_bound_s = 1e-4;
	s.offset_s = NAN;
	ck_assert(!sample_valid(&s));
	s.offset_s = 0;
	s.leap = (enum sample_leap)42;
	ck_assert(!sample_valid(&s));
	s.leap = SAMPLE_LEAP_INSERT;
	s.budget.item[0].u_s = INFINITY;
	ck_assert(!sample_valid(&s));
}
END_TEST

static Suite *
sample_suite(void)
{
	Suite *s = suite_create("sample");
	TCase *tc = tcase_create("budget");

	tcase_add_test(tc, budget_combines_in_quadrature);
	tcase_add_test(tc, budget_rejects_bad_items_and_overflow);
	tcase_add_test(tc, budget_truncates_long_names);
	tcase_add_test(tc, distribution_divisors);
	tcase_add_test(tc, sample_validation);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(sample_suite());
}

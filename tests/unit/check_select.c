/*
 * check_select.c - source selection: majority, falsetickers, options,
 * combination, the hard bound's coverage and hysteresis.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "select.h"
#include "check_run.h"

#define US	1e-6
#define MS	1e-3

static struct selector *sel;
static struct sel_result res;
static enum sel_state st[16];

static void
setup(void)
{
	sel = sel_create(NULL);
	ck_assert_ptr_nonnull(sel);
	memset(&res, 0, sizeof(res));
}

static void
teardown(void)
{
	sel_destroy(sel);
}

static struct sel_candidate
cand(const char *name, int id, double offset_s, double u_s, double hb_s)
{
	struct sel_candidate c = {
		.name = name, .id = id, .offset_s = offset_s, .u_s = u_s,
		.hard_bound_s = hb_s, .usable = true,
	};

	return c;
}

static struct selector *
create_with(int min_sources, double hysteresis, double ratio,
    enum sel_combine combine)
{
	struct sel_params p;

	sel_params_default(&p);
	p.min_sources = min_sources;
	p.hysteresis = hysteresis;
	p.max_combine_ratio = ratio;
	p.combine = combine;
	return sel_create(&p);
}

START_TEST(falseticker_is_outvoted)
{
	struct sel_candidate c[4] = {
		cand("a", 1, 100 * US, 100 * US, 500 * US),
		cand("b", 2, 150 * US, 100 * US, 500 * US),
		cand("c", 3, 120 * US, 100 * US, 500 * US),
		cand("d", 4, 50 * MS, 100 * US, 500 * US),
	};

	ck_assert_int_eq(sel_run(sel, c, 4, st, &res), 0);
	ck_assert(res.ok);
	ck_assert_str_eq(res.reason, "");
	ck_assert_int_eq(st[3], SEL_FALSETICKER);
	ck_assert_int_eq(res.n_truechimers, 3);
	ck_assert_int_eq(res.n_falsetickers, 1);
	ck_assert_int_eq(res.n_combined, 3);
	ck_assert_int_eq(res.n_agree, 3);
	ck_assert_int_ne(res.selected, 3);
	/* Equal u: the plain mean of the three truechimers. */
	ck_assert_double_eq_tol(res.offset_s, 370 * US / 3, 1e-15);
	ck_assert_double_eq_tol(res.u_s, 100 * US / sqrt(3), 1e-15);
	/* Three agree on [-350, 600] us: any two of them cover the same. */
	ck_assert_double_eq_tol(res.lo_s, -350 * US, 1e-15);
	ck_assert_double_eq_tol(res.hi_s, 600 * US, 1e-15);
}
END_TEST

START_TEST(two_disagreeing_have_no_majority)
{
	struct sel_candidate c[2] = {
		cand("a", 1, 0, 10 * US, 100 * US),
		cand("b", 2, 1 * MS, 10 * US, 100 * US),
	};

	ck_assert_int_eq(sel_run(sel, c, 2, st, &res), 0);
	ck_assert(!res.ok);
	ck_assert_str_eq(res.reason, "no majority: 1 of 2 sources agree");
	ck_assert_int_eq(res.selected, -1);
	ck_assert(isinf(res.hard_bound_s));
	ck_assert(isinf(res.u_s));
	ck_assert_int_eq(st[0], SEL_FALSETICKER);
	ck_assert_int_eq(st[1], SEL_FALSETICKER);
	ck_assert_int_eq(res.n_truechimers, 0);

	/* The same two agreeing are a majority of two. */
	c[1].offset_s = 150 * US;
	ck_assert_int_eq(sel_run(sel, c, 2, st, &res), 0);
	ck_assert(res.ok);
	ck_assert_int_eq(res.n_truechimers, 2);
}
END_TEST

START_TEST(trusted_source_beats_agreeing_majority)
{
	struct sel_candidate c[3] = {
		cand("gm", 1, 0, 25 * US, 1 * MS),
		cand("n1", 2, 10 * MS, 10 * US, 1 * MS),
		cand("n2", 3, 10.2 * MS, 10 * US, 1 * MS),
	};

	/* Untrusted, the two that agree win. */
	ck_assert_int_eq(sel_run(sel, c, 3, st, &res), 0);
	ck_assert(res.ok);
	ck_assert_int_eq(st[0], SEL_FALSETICKER);
	ck_assert_int_eq(st[1] == SEL_SELECTED || st[2] == SEL_SELECTED, 1);

	c[0].trust = true;
	ck_assert_int_eq(sel_run(sel, c, 3, st, &res), 0);
	ck_assert(res.ok);
	ck_assert_int_eq(res.selected, 0);
	ck_assert_int_eq(st[0], SEL_SELECTED);
	ck_assert_int_eq(st[1], SEL_FALSETICKER);
	ck_assert_int_eq(st[2], SEL_FALSETICKER);
	ck_assert_double_eq(res.offset_s, 0);
	ck_assert_double_eq_tol(res.hard_bound_s, 1 * MS, 1e-15);

	/* An untrusted source overlapping the trusted one is combined, but
	 * the certain region stays the trusted interval. */
	c[1].offset_s = 0.5 * MS;	/* and 10 us < 0.5 x 25 us: selected */
	ck_assert_int_eq(sel_run(sel, c, 3, st, &res), 0);
	ck_assert_int_eq(st[1], SEL_SELECTED);
	ck_assert_int_eq(st[0], SEL_COMBINED);
	ck_assert_double_eq_tol(res.lo_s, -1 * MS, 1e-15);
	ck_assert_double_eq_tol(res.hi_s, 1 * MS, 1e-15);
}
END_TEST

START_TEST(trusted_sources_that_disagree_stop_selection)
{
	struct sel_candidate c[3] = {
		cand("t1", 1, 0, 10 * US, 100 * US),
		cand("t2", 2, 1 * MS, 10 * US, 100 * US),
		cand("u", 3, 0, 10 * US, 100 * US),
	};

	c[0].trust = c[1].trust = true;
	ck_assert_int_eq(sel_run(sel, c, 3, st, &res), 0);
	ck_assert(!res.ok);
	ck_assert_str_eq(res.reason, "trusted sources disagree");
	ck_assert_int_ne(st[0], SEL_FALSETICKER);
	ck_assert_int_ne(st[1], SEL_FALSETICKER);
}
END_TEST

START_TEST(required_source_must_be_truechimer)
{
	struct sel_candidate c[4] = {
		cand("a", 1, 0, 10 * US, 100 * US),
		cand("b", 2, 10 * US, 10 * US, 100 * US),
		cand("c", 3, 20 * US, 10 * US, 100 * US),
		cand("gps", 4, 5 * MS, 10 * US, 100 * US),
	};

	c[3].require = true;
	ck_assert_int_eq(sel_run(sel, c, 4, st, &res), 0);
	ck_assert(!res.ok);
	ck_assert_str_eq(res.reason, "required source gps not a truechimer");
	ck_assert_int_eq(res.selected, -1);
	ck_assert_int_eq(st[3], SEL_FALSETICKER);
	ck_assert_int_eq(st[0], SEL_CANDIDATE);

	/* Back in agreement, it no longer blocks. */
	c[3].offset_s = 30 * US;
	ck_assert_int_eq(sel_run(sel, c, 4, st, &res), 0);
	ck_assert(res.ok);

	/* Unusable is not a truechimer either; a NULL name shows the id. */
	c[3].usable = false;
	c[3].name = NULL;
	ck_assert_int_eq(sel_run(sel, c, 4, st, &res), 0);
	ck_assert(!res.ok);
	ck_assert_str_eq(res.reason, "required source #4 not a truechimer");
}
END_TEST

START_TEST(noselect_neither_votes_nor_is_selected)
{
	struct sel_candidate c[3] = {
		cand("a", 1, 0, 10 * US, 100 * US),
		cand("b", 2, 1 * MS, 10 * US, 100 * US),
		cand("mon", 3, 0, 1 * US, 100 * US),
	};

	/* As a voter, "mon" would side with "a" and make a majority. */
	ck_assert_int_eq(sel_run(sel, c, 3, st, &res), 0);
	ck_assert(res.ok);
	ck_assert_int_eq(res.selected, 2);

	c[2].noselect = true;
	ck_assert_int_eq(sel_run(sel, c, 3, st, &res), 0);
	ck_assert(!res.ok);
	ck_assert_int_eq(res.n_voting, 2);
	ck_assert_int_eq(st[2], SEL_NOSELECT);

	/* With agreement it is still never selected, despite the best u. */
	c[1].offset_s = 10 * US;
	ck_assert_int_eq(sel_run(sel, c, 3, st, &res), 0);
	ck_assert(res.ok);
	ck_assert_int_eq(st[2], SEL_NOSELECT);
	ck_assert_int_ne(res.selected, 2);
	ck_assert_int_eq(res.n_combined, 2);
}
END_TEST

START_TEST(prefer_selects_and_limits_combination)
{
	struct sel_candidate c[4] = {
		cand("a", 1, 0, 0.9 * US, 100 * US),
		cand("b", 2, 20 * US, 2 * US, 100 * US),
		cand("c", 3, 10 * US, 1 * US, 100 * US),
		cand("far", 4, 9 * MS, 0.1 * US, 100 * US),
	};

	c[1].prefer = true;
	c[3].prefer = true;	/* preferred but a falseticker: no effect */
	ck_assert_int_eq(sel_run(sel, c, 4, st, &res), 0);
	ck_assert(res.ok);
	ck_assert_int_eq(res.selected, 1);
	ck_assert_int_eq(st[1], SEL_SELECTED);
	ck_assert_int_eq(st[0], SEL_CANDIDATE);
	ck_assert_int_eq(st[2], SEL_CANDIDATE);
	ck_assert_int_eq(st[3], SEL_FALSETICKER);
	ck_assert_int_eq(res.n_combined, 1);
	ck_assert_int_eq(res.n_truechimers, 3);
	ck_assert_double_eq(res.offset_s, 20 * US);
	ck_assert_double_eq(res.u_s, 2 * US);

	/* Without prefer, the best u (clearly better than b's, so
	 * hysteresis lets it take over) is selected and all three combined. */
	c[1].prefer = false;
	ck_assert_int_eq(sel_run(sel, c, 4, st, &res), 0);
	ck_assert_int_eq(res.selected, 0);
	ck_assert_int_eq(res.n_combined, 3);
}
END_TEST

START_TEST(min_sources_needs_enough_truechimers)
{
	struct sel_candidate c[3] = {
		cand("a", 1, 0, 10 * US, 100 * US),
		cand("b", 2, 10 * US, 10 * US, 100 * US),
		cand("c", 3, 5 * MS, 10 * US, 100 * US),
	};
	struct selector *s3 = create_with(3, 0.5, 3, SEL_COMBINE_INDEPENDENT);
	struct selector *s2 = create_with(2, 0.5, 3, SEL_COMBINE_INDEPENDENT);

	ck_assert_int_eq(sel_run(s3, c, 3, st, &res), 0);
	ck_assert(!res.ok);
	ck_assert_str_eq(res.reason, "only 2 truechimers, min_sources is 3");
	ck_assert_int_eq(st[0], SEL_CANDIDATE);
	ck_assert_int_eq(st[2], SEL_FALSETICKER);
	ck_assert_int_eq(sel_run(s2, c, 3, st, &res), 0);
	ck_assert(res.ok);
	sel_destroy(s3);
	sel_destroy(s2);
}
END_TEST

START_TEST(unusable_sources_are_excluded)
{
	struct sel_candidate c[3] = {
		cand("a", 1, 0, 10 * US, 100 * US),
		cand("b", 2, 3 * MS, 1 * US, 100 * US),
		cand("c", 3, 6 * MS, 1 * US, 100 * US),
	};

	c[1].usable = c[2].usable = false;
	ck_assert_int_eq(sel_run(sel, c, 3, st, &res), 0);
	ck_assert(res.ok);
	ck_assert_int_eq(res.n_voting, 1);
	ck_assert_int_eq(res.selected, 0);
	ck_assert_int_eq(st[1], SEL_UNUSABLE);
	ck_assert_int_eq(st[2], SEL_UNUSABLE);
	ck_assert_int_eq(res.n_falsetickers, 0);

	c[0].usable = false;
	ck_assert_int_eq(sel_run(sel, c, 3, st, &res), 0);
	ck_assert(!res.ok);
	ck_assert_str_eq(res.reason, "no usable sources");
}
END_TEST

START_TEST(combination_weights_by_inverse_variance)
{
	/* a: [-10, 30] us, b: [-7, 33] us; both must hold: [-7, 30]. */
	struct sel_candidate c[2] = {
		cand("a", 1, 10 * US, 1 * US, 20 * US),
		cand("b", 2, 13 * US, 2 * US, 20 * US),
	};
	struct selector *corr = create_with(1, 0.5, 3, SEL_COMBINE_CORRELATED);
	struct selector *narrow = create_with(1, 0.5, 1.5,
	    SEL_COMBINE_INDEPENDENT);

	/* Weights 1 and 1/4: (10 + 13/4) / (5/4) = 10.6 us. */
	ck_assert_int_eq(sel_run(sel, c, 2, st, &res), 0);
	ck_assert(res.ok);
	ck_assert_int_eq(st[0], SEL_SELECTED);
	ck_assert_int_eq(st[1], SEL_COMBINED);
	ck_assert_double_eq_tol(res.offset_s, 10.6 * US, 1e-18);
	ck_assert_double_eq_tol(res.u_s, 1 * US / sqrt(1.25), 1e-18);
	ck_assert_double_eq_tol(res.lo_s, -7 * US, 1e-18);
	ck_assert_double_eq_tol(res.hi_s, 30 * US, 1e-18);
	ck_assert_double_eq_tol(res.hard_bound_s, 19.4 * US, 1e-18);
	ck_assert_double_ge(res.hard_bound_s, res.hi_s - res.offset_s);
	ck_assert_double_ge(res.hard_bound_s, res.offset_s - res.lo_s);

	/* Fully correlated: (1 * 1 + 1/4 * 2) / (5/4) = 1.2 us. */
	ck_assert_int_eq(sel_run(corr, c, 2, st, &res), 0);
	ck_assert_double_eq_tol(res.offset_s, 10.6 * US, 1e-18);
	ck_assert_double_eq_tol(res.u_s, 1.2 * US, 1e-18);

	/* b's u is more than 1.5 x a's: a truechimer, not combined. */
	ck_assert_int_eq(sel_run(narrow, c, 2, st, &res), 0);
	ck_assert_int_eq(st[1], SEL_CANDIDATE);
	ck_assert_int_eq(res.n_combined, 1);
	ck_assert_double_eq(res.offset_s, 10 * US);
	ck_assert_double_eq(res.u_s, 1 * US);
	ck_assert_double_eq_tol(res.hard_bound_s, 20 * US, 1e-18);
	sel_destroy(corr);
	sel_destroy(narrow);
}
END_TEST

/*
 * Two falsetickers that agree with each other and with two wide correct
 * sources out-vote a narrow correct one: the agreed region misses the
 * truth, and only a bound from the majority region covers it.
 */
START_TEST(hard_bound_survives_colluding_falsetickers)
{
	double truth = 9.5 * MS;
	struct sel_candidate c[5] = {
		cand("wide1", 1, 5 * MS, 2 * MS, 5 * MS),
		cand("wide2", 2, 5 * MS, 2 * MS, 5 * MS),
		cand("liar1", 3, 0.5 * MS, 0.1 * MS, 0.5 * MS),
		cand("liar2", 4, 0.5 * MS, 0.1 * MS, 0.5 * MS),
		cand("good", 5, 9.5 * MS, 0.1 * MS, 0.5 * MS),
	};

	ck_assert_int_eq(sel_run(sel, c, 5, st, &res), 0);
	ck_assert(res.ok);
	ck_assert_int_eq(res.n_agree, 4);
	ck_assert_double_lt(res.agree_hi_s, truth);	/* the plausible story is wrong */
	ck_assert_double_le(fabs(truth - res.offset_s), res.hard_bound_s);
	ck_assert_double_eq_tol(res.lo_s, 0, 1e-15);
	ck_assert_double_eq_tol(res.hi_s, 10 * MS, 1e-15);
}
END_TEST

/* Closed intervals: [0, 0.5] and [0.5, 1] agree on the point 0.5. */
START_TEST(touching_intervals_agree)
{
	struct sel_candidate c[2] = {
		cand("a", 1, 0.25, 0.1, 0.25),
		cand("b", 2, 0.75, 0.1, 0.25),
	};

	ck_assert_int_eq(sel_run(sel, c, 2, st, &res), 0);
	ck_assert(res.ok);
	ck_assert_int_eq(res.n_agree, 2);
	ck_assert_double_eq(res.lo_s, 0.5);
	ck_assert_double_eq(res.hi_s, 0.5);
	ck_assert_double_eq(res.offset_s, 0.5);
	ck_assert_double_eq(res.hard_bound_s, 0);
}
END_TEST

START_TEST(equal_u_prefers_smaller_hard_bound)
{
	struct sel_candidate c[3] = {
		cand("a", 1, 0, 1 * US, 30 * US),
		cand("b", 2, 0, 1 * US, 10 * US),
		cand("c", 3, 0, 1 * US, 20 * US),
	};

	ck_assert_int_eq(sel_run(sel, c, 3, st, &res), 0);
	ck_assert_int_eq(res.selected, 1);
}
END_TEST

/*
 * offset +- bound is rarely exact in binary; the region and the bound
 * are rounded outward, never inward (long double holds these sums exactly).
 */
START_TEST(rounding_never_shrinks_the_bound)
{
	struct sel_candidate c[1];
	int inexact = 0;

	for (int k = 1; k <= 1000; k++) {
		double off = k * 0.001, hb = 0.1 + k * 1e-7;
		long double lo = (long double)off - hb, hi = (long double)off + hb;

		c[0] = cand("a", 1, off, 1 * US, hb);
		ck_assert_int_eq(sel_run(sel, c, 1, st, &res), 0);
		ck_assert(res.ok);
		ck_assert((long double)res.lo_s <= lo);
		ck_assert((long double)res.hi_s >= hi);
		ck_assert((long double)res.offset_s - res.hard_bound_s <= lo);
		ck_assert((long double)res.offset_s + res.hard_bound_s >= hi);
		inexact += (double)lo != lo || (double)hi != hi;
	}
	ck_assert_int_gt(inexact, 100);
}
END_TEST

static uint64_t rng_state;

static double
rnd(void)	/* splitmix64, uniform in [0, 1) */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double)(z >> 11) / 9007199254740992.0;
}

static double
rnd_pm(double a)
{
	return a * (2 * rnd() - 1);
}

/* n sources, fewer than half of them falsetickers; half the time the
 * falsetickers collude on one spot near the truth. */
static int
random_trial(struct sel_candidate *c, double truth)
{
	int n = 1 + (int)(rnd() * 9);
	int f = (int)(rnd() * ((n - 1) / 2 + 1));
	bool collude = rnd() < 0.5;
	double spot = truth + rnd_pm(2 * MS);

	for (int i = 0; i < n; i++) {
		double hb = pow(10, -6 + 3 * rnd());

		c[i] = cand(NULL, i, 0, hb * (0.2 + rnd()), hb);
		/* 0.999: rounding of the sum must not move it outside. */
		c[i].offset_s = truth + rnd_pm(0.999 * hb);
		if (i < f)
			c[i].offset_s = collude ? spot + rnd_pm(0.1 * hb) :
			    truth + rnd_pm(50 * MS);
	}
	return n;
}

START_TEST(hard_bound_covers_truth_in_random_trials)
{
	struct sel_candidate c[16];
	int n_ok = 0, n_agree_miss = 0;

	rng_state = 20261127;
	for (int trial = 0; trial < 1000; trial++) {
		double truth = rnd_pm(1 * MS);
		int n = random_trial(c, truth);

		ck_assert_int_eq(sel_run(sel, c, n, st, &res), 0);
		if (!res.ok)
			continue;
		n_ok++;
		ck_assert_msg(fabs(truth - res.offset_s) <= res.hard_bound_s,
		    "trial %d: truth %.9g outside %.9g +- %.9g", trial, truth,
		    res.offset_s, res.hard_bound_s);
		ck_assert(res.lo_s <= truth && truth <= res.hi_s);
		if (truth < res.agree_lo_s || truth > res.agree_hi_s)
			n_agree_miss++;
	}
	/* A correct majority always overlaps at the truth: never refused. */
	ck_assert_int_eq(n_ok, 1000);
	/* The trials include cases where the agreed region alone would fail. */
	ck_assert_int_gt(n_agree_miss, 0);
}
END_TEST

static int
flips_over_alternating_runs(struct selector *s, int runs)
{
	struct sel_candidate c[2] = {
		cand("a", 7, 0, 1 * US, 100 * US),
		cand("b", 9, 5 * US, 1 * US, 100 * US),
	};
	int flips = 0, last = -1;

	for (int i = 0; i < runs; i++) {
		c[0].u_s = i % 2 ? 1.0 * US : 1.1 * US;
		c[1].u_s = i % 2 ? 1.1 * US : 1.0 * US;
		ck_assert_int_eq(sel_run(s, c, 2, st, &res), 0);
		ck_assert(res.ok);
		if (last >= 0 && c[res.selected].id != last)
			flips++;
		last = c[res.selected].id;
	}
	return flips;
}

START_TEST(hysteresis_prevents_flapping)
{
	struct selector *none = create_with(1, 1.0, 3, SEL_COMBINE_INDEPENDENT);
	/* Reversed order: the ids, not the indices, carry the memory. */
	struct sel_candidate c[3] = {
		cand("b", 9, 5 * US, 2.5 * US, 100 * US),
		cand("a", 7, 0, 1 * US, 100 * US),
		cand("c", 11, 10 * US, 1 * US, 100 * US),
	};

	ck_assert_int_eq(flips_over_alternating_runs(sel, 20), 0);
	ck_assert_int_eq(flips_over_alternating_runs(none, 20), 19);

	/* b (id 9) was selected first and kept; 1 us < 0.5 x 2.5 us. */
	ck_assert_int_eq(sel_run(sel, c, 2, st, &res), 0);
	ck_assert_int_eq(c[res.selected].id, 7);
	/* 0.6 us is better, but not below 0.5 x 1 us: a stays. */
	c[0].u_s = 0.6 * US;
	ck_assert_int_eq(sel_run(sel, c, 2, st, &res), 0);
	ck_assert_int_eq(c[res.selected].id, 7);
	/* 0.4 us is clearly better: b takes over, and stays. */
	c[0].u_s = 0.4 * US;
	ck_assert_int_eq(sel_run(sel, c, 2, st, &res), 0);
	ck_assert_int_eq(c[res.selected].id, 9);
	c[0].u_s = 0.9 * US;
	ck_assert_int_eq(sel_run(sel, c, 3, st, &res), 0);
	ck_assert_int_eq(c[res.selected].id, 9);
	/* A previous selection that turns falseticker is not held on to. */
	c[0].offset_s = 5 * MS;
	ck_assert_int_eq(sel_run(sel, c, 3, st, &res), 0);
	ck_assert(res.ok);
	ck_assert_int_eq(st[0], SEL_FALSETICKER);
	ck_assert_int_ne(c[res.selected].id, 9);
	/* A run without selection clears the memory: then the best wins. */
	ck_assert_int_eq(sel_run(sel, c, 2, st, &res), 0);
	ck_assert(!res.ok);
	c[0].offset_s = 5 * US;
	c[1].u_s = 1 * US;
	c[0].u_s = 0.9 * US;
	ck_assert_int_eq(sel_run(sel, c, 2, st, &res), 0);
	ck_assert_int_eq(c[res.selected].id, 9);
	c[0].u_s = 1 * US;
	c[1].u_s = 0.9 * US;
	ck_assert_int_eq(sel_run(sel, c, 2, st, &res), 0);
	ck_assert_int_eq(c[res.selected].id, 9);	/* kept */
	c[0].offset_s = 5 * MS;
	ck_assert_int_eq(sel_run(sel, c, 2, st, &res), 0);
	ck_assert(!res.ok);
	c[0].offset_s = 5 * US;
	ck_assert_int_eq(sel_run(sel, c, 2, st, &res), 0);
	ck_assert_int_eq(c[res.selected].id, 7);	/* fresh: the best */
	sel_destroy(none);
}
END_TEST

START_TEST(no_candidates_and_bad_arguments)
{
	struct sel_candidate c[1] = { cand("a", 1, 0, 1 * US, 10 * US) };

	ck_assert_int_eq(sel_run(sel, NULL, 0, NULL, &res), 0);
	ck_assert(!res.ok);
	ck_assert_str_eq(res.reason, "no candidates");
	ck_assert_int_eq(res.selected, -1);
	ck_assert(isinf(res.hard_bound_s));

	ck_assert_int_eq(sel_run(sel, NULL, 1, st, &res), -1);
	ck_assert(!res.ok);
	ck_assert_int_eq(sel_run(sel, c, -1, st, &res), -1);
	ck_assert_int_eq(sel_run(NULL, c, 1, st, &res), -1);
	ck_assert(!res.ok);
	ck_assert_int_eq(sel_run(sel, c, 1, st, NULL), -1);
	/* states may be NULL. */
	ck_assert_int_eq(sel_run(sel, c, 1, NULL, &res), 0);
	ck_assert(res.ok);
}
END_TEST

START_TEST(invalid_numbers_are_unusable)
{
	struct sel_candidate c[9] = {
		cand("ok", 1, 0, 1 * US, 10 * US),
		cand("nan_offset", 2, NAN, 1 * US, 10 * US),
		cand("nan_u", 3, 0, NAN, 10 * US),
		cand("nan_bound", 4, 0, 1 * US, NAN),
		cand("neg_bound", 5, 0, 1 * US, -1 * US),
		cand("zero_u", 6, 0, 0, 10 * US),
		cand("inf_offset", 7, INFINITY, 1 * US, 10 * US),
		cand("inf_bound", 8, 0, 1 * US, INFINITY),
		cand("huge", 9, 1e10, 1 * US, 10 * US),
	};

	/* Each bad one is far from "ok" if taken at face value, or has
	 * the best u: counted as a voter, it would break the majority. */
	ck_assert_int_eq(sel_run(sel, c, 9, st, &res), 0);
	ck_assert(res.ok);
	ck_assert_int_eq(res.n_voting, 1);
	ck_assert_int_eq(res.selected, 0);
	for (int i = 1; i < 9; i++)
		ck_assert_int_eq(st[i], SEL_UNUSABLE);
	ck_assert(isfinite(res.offset_s) && isfinite(res.u_s) &&
	    isfinite(res.hard_bound_s));
}
END_TEST

START_TEST(params_are_checked)
{
	struct sel_params p;

	sel_params_default(&p);
	ck_assert_int_eq(p.min_sources, 1);
	ck_assert_double_eq(p.hysteresis, 0.5);
	ck_assert_ptr_null(create_with(0, 0.5, 3, SEL_COMBINE_INDEPENDENT));
	ck_assert_ptr_null(create_with(1, 0, 3, SEL_COMBINE_INDEPENDENT));
	ck_assert_ptr_null(create_with(1, 1.5, 3, SEL_COMBINE_INDEPENDENT));
	ck_assert_ptr_null(create_with(1, NAN, 3, SEL_COMBINE_INDEPENDENT));
	ck_assert_ptr_null(create_with(1, 0.5, -1, SEL_COMBINE_INDEPENDENT));
	ck_assert_ptr_null(create_with(1, 0.5, NAN, SEL_COMBINE_INDEPENDENT));
	ck_assert_ptr_null(create_with(1, 0.5, 3, (enum sel_combine)7));
	sel_destroy(NULL);
}
END_TEST

START_TEST(state_names_and_long_reasons)
{
	static const char *names[] = {
		"unusable", "noselect", "candidate", "combined", "selected",
		"falseticker",
	};
	char name[200];
	struct sel_candidate c[3] = {
		cand("a", 1, 0, 1 * US, 10 * US),
		cand("b", 2, 0, 1 * US, 10 * US),
	};

	for (int i = SEL_UNUSABLE; i <= SEL_FALSETICKER; i++)
		ck_assert_str_eq(sel_state_name((enum sel_state)i), names[i]);
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	c[2] = cand(name, 3, 1 * MS, 1 * US, 10 * US);
	c[2].require = true;
	ck_assert_int_eq(sel_run(sel, c, 3, st, &res), 0);
	ck_assert_int_eq(strlen(res.reason), SEL_REASON_LEN - 1);
	ck_assert(strncmp(res.reason, "required source xxx", 19) == 0);
}
END_TEST

static Suite *
select_suite(void)
{
	Suite *s = suite_create("select");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, falseticker_is_outvoted);
	tcase_add_test(tc, two_disagreeing_have_no_majority);
	tcase_add_test(tc, trusted_source_beats_agreeing_majority);
	tcase_add_test(tc, trusted_sources_that_disagree_stop_selection);
	tcase_add_test(tc, required_source_must_be_truechimer);
	tcase_add_test(tc, noselect_neither_votes_nor_is_selected);
	tcase_add_test(tc, prefer_selects_and_limits_combination);
	tcase_add_test(tc, min_sources_needs_enough_truechimers);
	tcase_add_test(tc, unusable_sources_are_excluded);
	tcase_add_test(tc, combination_weights_by_inverse_variance);
	tcase_add_test(tc, touching_intervals_agree);
	tcase_add_test(tc, equal_u_prefers_smaller_hard_bound);
	tcase_add_test(tc, rounding_never_shrinks_the_bound);
	tcase_add_test(tc, hard_bound_survives_colluding_falsetickers);
	tcase_add_test(tc, hard_bound_covers_truth_in_random_trials);
	tcase_add_test(tc, hysteresis_prevents_flapping);
	tcase_add_test(tc, no_candidates_and_bad_arguments);
	tcase_add_test(tc, invalid_numbers_are_unusable);
	tcase_add_test(tc, params_are_checked);
	tcase_add_test(tc, state_names_and_long_reasons);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(select_suite());
}

/*
 * check_leapsim.c - leap.mode in closed loop (tests/sim): synthetic
 * sources whose UTC repeats (or skips) a second at midnight, the real
 * engine, a simulated clock. For each mode: max_error covers |UTC -
 * published time| at every point, the steps are the ones the mode makes
 * (step: the kernel's one; slew and smear: none), the clock's offset from
 * UTC follows the profile s(t) and is back under 10 us after it, and the
 * engine's leap flag is set exactly while the ramp runs.
 *
 * The profile checked against is the harness's own (leapsmear_offset on
 * the scenario's leap, at true time): the engine's figures are not used
 * to judge the engine.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_run.h"
#include "harness.h"
#include "scenario.h"

static void
load(const char *name, struct scenario *sc)
{
	const char *top = getenv("TOP_SRCDIR");
	char path[512], err[SCN_ERR_LEN];

	snprintf(path, sizeof(path), "%s/tests/sim/scenarios/%s.yaml",
	    top ? top : ".", name);
	ck_assert_msg(scenario_load(path, sc, err, sizeof(err)) == 0, "%s", err);
}

/* Figures over the trace; i is the point at t = i + 1 s. */
struct leapfig {
	double	max_abs_s;	/* max |clock - UTC| */
	double	max_dev_s;	/* max |clock - UTC - s| after warm-up */
	double	late_dev_s;	/* ... from 600 s after each corner of the ramp */
	double	max_s;		/* max |s| */
	double	after_max_s;	/* max |clock - UTC| from settle after the ramp */
	long	flag_points, flag_wrong;
	long	first_wrong;
};

/* Within settle_s after the ramp's start, jump or end. */
static bool
near_corner(const struct leapsmear *p, int64_t l, double settle_s)
{
	int64_t c[3] = { p->start_ns, p->jump_ns, p->end_ns };

	for (int i = 0; i < 3; i++)
		if (l >= c[i] && l - c[i] < (int64_t)(settle_s * 1e9))
			return true;
	return false;
}

static void
figures(const struct scenario *sc, const struct sim_result *r, double settle_s,
    struct leapfig *f)
{
	/* end of the ramp in true time: the last point with s != 0 */
	long end = -1;
	struct leapsmear p;

	ck_assert_int_eq(leapsmear_init(&p, sc->leap.mode, (SIM_EPOCH_S +
	    (int64_t)sc->leap.at_s) * 1000000000LL, sc->leap.delta,
	    (int64_t)(sc->leap.window_s * 1e9), sc->leap.slew_rate), 0);

	memset(f, 0, sizeof(*f));
	f->first_wrong = -1;
	for (long i = 0; i < r->ntrace; i++)
		if (r->leap_s[i] != 0)
			end = i;
	for (long i = 0; i < r->ntrace; i++) {
		double t = (double)(i + 1);
		/* clock - UTC: true_err_s is (UTC + s) - clock */
		double off = r->leap_s[i] - r->true_err_s[i];
		bool expect;
		int64_t l = (SIM_EPOCH_S + i + 1) * 1000000000LL;

		f->max_abs_s = fmax(f->max_abs_s, fabs(off));
		f->max_s = fmax(f->max_s, fabs(r->leap_s[i]));
		if (t >= sc->warmup_s)
			f->max_dev_s = fmax(f->max_dev_s, fabs(off - r->leap_s[i]));
		if (t >= sc->warmup_s && !near_corner(&p, l, 600))
			f->late_dev_s = fmax(f->late_dev_s, fabs(off - r->leap_s[i]));
		if (end >= 0 && i > end + (long)settle_s)
			f->after_max_s = fmax(f->after_max_s, fabs(off));
		expect = leapsmear_active(&p, l);
		/* at the ramp's ends themselves the engine knows L to the
		 * samples' error (us): either answer is right there */
		if (llabs(l - p.start_ns) < 1000000 || llabs(l - p.end_ns) < 1000000)
			continue;
		f->flag_points++;
		if ((r->leap_active[i] != 0) != expect) {
			f->flag_wrong++;
			if (f->first_wrong < 0)
				f->first_wrong = i;
		}
	}
}

static void
run(const char *name, struct scenario *sc, struct sim_result *r,
    struct leapfig *f)
{
	load(name, sc);
	ck_assert(sc->leap.enabled);
	ck_assert_int_eq(sim_run(sc, NULL, r), 0);
	figures(sc, r, 600, f);
	sim_print_details(stdout, r);
	printf("  leap %s: kernel steps %d (%+.0f s), engine steps %d; max |clock-UTC| "
	    "%.6f s, max |s| %.6f s, max |clock-UTC-s| %.3f us (%.3f us 600 s past "
	    "the ramp's corners), 600 s after the "
	    "ramp max |clock-UTC| %.3f us; leap flag wrong at %ld of %ld points "
	    "(first t=%ld s)\n", sc->leap.mode_name, r->leap_steps, r->leap_step_s,
	    r->steps, f->max_abs_s, f->max_s, f->max_dev_s * 1e6, f->late_dev_s * 1e6,
	    f->after_max_s * 1e6, f->flag_wrong, f->flag_points,
	    f->first_wrong < 0 ? -1 : f->first_wrong + 1);
	fflush(stdout);
}

static void
assert_covered(const struct sim_result *r)
{
	ck_assert_msg(r->me_covered == r->est_points && r->est_points > 0,
	    "max_error covers %ld of %ld points; first miss t=%.0f s: "
	    "|err| %.6e > %.6e", r->me_covered, r->est_points, r->me_first_miss_t,
	    fabs(r->me_first_miss_err), r->me_first_miss_bound);
}

START_TEST(step_mode_kernel_steps_once)
{
	struct scenario sc;
	struct sim_result r;
	struct leapfig f;

	run("leap-step", &sc, &r, &f);
	assert_covered(&r);
	ck_assert_int_eq(r.leap_steps, 1);
	ck_assert_double_eq(r.leap_step_s, -1);
	ck_assert_int_eq(r.steps, 0);
	ck_assert_double_eq(f.max_s, 0);
	ck_assert_double_lt(f.max_abs_s, 10e-6);	/* on UTC throughout */
	ck_assert_int_eq(f.flag_wrong, 0);
	sim_result_free(&r);
}
END_TEST

START_TEST(slew_mode_slews_never_steps)
{
	struct scenario sc;
	struct sim_result r;
	struct leapfig f;

	run("leap-slew", &sc, &r, &f);
	assert_covered(&r);
	ck_assert_int_eq(r.leap_steps, 0);
	ck_assert_int_eq(r.steps, 0);
	/* 1 s off at the leap, back at 400 ppm */
	ck_assert_double_gt(f.max_abs_s, 0.999);
	ck_assert_double_le(f.max_abs_s, 1.0 + 10e-6);
	/* the feed-forward starts at the first update in the ramp: up to
	 * rate x 1 s behind the profile at its corners, then pulled in */
	ck_assert_double_lt(f.max_dev_s, sc.leap.slew_rate * 1.0 + 10e-6);
	ck_assert_double_lt(f.late_dev_s, 10e-6);
	ck_assert_double_lt(f.after_max_s, 10e-6);
	ck_assert_int_eq(f.flag_wrong, 0);
	ck_assert_int_eq(r.src[0].by_state[SEL_FALSETICKER], 0);
	sim_result_free(&r);
}
END_TEST

START_TEST(smear_mode_follows_24h_profile)
{
	struct scenario sc;
	struct sim_result r;
	struct leapfig f;

	run("leap-smear", &sc, &r, &f);
	assert_covered(&r);
	ck_assert_int_eq(r.leap_steps, 0);
	ck_assert_int_eq(r.steps, 0);
	/* noon to noon UTC is 86401 s of L: |s| <= 0.5 + 1 / (2 x 86401) */
	ck_assert_double_le(f.max_s, 0.5 + 0.5 / 86401);
	ck_assert_double_gt(f.max_s, 0.5);
	ck_assert_double_le(f.max_abs_s, 0.5 + 0.5 / 86401 + 10e-6);
	ck_assert_double_lt(f.max_dev_s, 10e-6);
	ck_assert_double_lt(f.late_dev_s, 2e-6);
	ck_assert_double_lt(f.after_max_s, 10e-6);
	ck_assert_int_eq(f.flag_wrong, 0);
	sim_result_free(&r);
}
END_TEST

START_TEST(smear_mode_deleted_second_packet_sources)
{
	struct scenario sc;
	struct sim_result r;
	struct leapfig f;

	run("leap-smear-delete", &sc, &r, &f);
	assert_covered(&r);
	ck_assert_int_eq(r.leap_steps, 0);
	ck_assert_int_eq(r.steps, 0);
	/* 4 h of UTC, 14399 s of L: |s| <= 0.5 + 1 / (2 x 14399) */
	ck_assert_double_le(f.max_s, 0.5 + 0.5 / 14399);
	ck_assert_double_gt(f.max_s, 0.5);
	/* packet sources: the asymmetry (<= 1 ms here) stays in the error */
	ck_assert_double_lt(f.max_dev_s, 2e-3);
	ck_assert_int_eq(f.flag_wrong, 0);
	for (int i = 0; i < r.nsources; i++)
		ck_assert_int_eq(r.src[i].by_state[SEL_FALSETICKER], 0);
	sim_result_free(&r);
}
END_TEST

/*
 * Told inside the ramp, with samples stored: they move into the smeared
 * timescale, the clock joins it with one step by s (-0.25 s), then
 * follows it; the leap flag is off before the engine knows.
 */
START_TEST(smear_learned_inside_the_ramp_joins_with_one_step)
{
	struct scenario sc;
	struct sim_result r;
	struct leapfig f;
	long told = 3600 - 1;	/* the point at t = set_at */
	double before = 0, after = 0;

	run("leap-smear-join", &sc, &r, &f);
	assert_covered(&r);
	ck_assert_int_eq(r.steps, 1);
	ck_assert_int_eq(r.leap_steps, 0);
	for (long i = (long)sc.warmup_s; i < r.ntrace; i++) {
		double off = r.leap_s[i] - r.true_err_s[i];	/* clock - UTC */

		if (i < told)
			before = fmax(before, fabs(off));
		else if (i > told + 60)
			after = fmax(after, fabs(off - r.leap_s[i]));
	}
	printf("  join: before |clock-UTC| max %.3f us, from 60 s after "
	    "|clock-UTC-s| max %.3f us, s then %.6f s\n", before * 1e6,
	    after * 1e6, r.leap_s[told]);
	ck_assert_double_lt(before, 10e-6);
	ck_assert_double_lt(after, 10e-6);
	/* a known shift: the step comes with the next samples, not after the
	 * servo has seen a 0.25 s innovation for a while (9 s without) */
	ck_assert_double_ge(r.conv_t_s, sc.leap.set_at_s);
	ck_assert_double_le(r.conv_t_s, sc.leap.set_at_s + 5);
	ck_assert_double_lt(r.leap_s[told], -0.2);
	ck_assert_int_eq(r.leap_active[told - 1], 0);
	ck_assert_int_ne(r.leap_active[told + 1], 0);
	sim_result_free(&r);
}
END_TEST

START_TEST(leap_scenarios_deterministic)
{
	struct scenario sc;
	struct sim_result a, b;

	load("leap-slew", &sc);
	ck_assert_int_eq(sim_run(&sc, NULL, &a), 0);
	ck_assert_int_eq(sim_run(&sc, NULL, &b), 0);
	ck_assert(sim_result_same(&a, &b));
	sim_result_free(&a);
	sim_result_free(&b);
}
END_TEST

static Suite *
leapsim_suite(void)
{
	Suite *s = suite_create("leapsim");
	TCase *tc = tcase_create("modes");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, step_mode_kernel_steps_once);
	tcase_add_test(tc, slew_mode_slews_never_steps);
	tcase_add_test(tc, smear_mode_follows_24h_profile);
	tcase_add_test(tc, smear_mode_deleted_second_packet_sources);
	tcase_add_test(tc, smear_learned_inside_the_ramp_joins_with_one_step);
	tcase_add_test(tc, leap_scenarios_deterministic);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(leapsim_suite());
}

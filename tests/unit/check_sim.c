/*
 * check_sim.c - the engine in closed loop with a simulated clock and
 * synthetic sources (tests/sim), scenarios from tests/sim/scenarios.
 *
 * The assertions are the targets of issue 3; each prints the figure it
 * checks, so a failure says by how much. Scenarios are found under
 * $TOP_SRCDIR (the build sets it; "." otherwise).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "check_run.h"
#include "harness.h"
#include "scenario.h"

static const char *const all_scenarios[] = {
	"converge-refclock", "ntp-three-servers", "falseticker",
	"holdover-rwfm", "observe-only", "loss-and-return", "holdover-learned",
};
#define NSCEN	((int)(sizeof(all_scenarios) / sizeof(all_scenarios[0])))

/* Reference-clock scenarios: a U coverage over thousands of independent
 * points is a statistical test. (The packet scenarios' error is dominated
 * by one fixed asymmetry per server: a single draw, not a coverage.) */
static const char *const refclock_scenarios[] = {
	"converge-refclock", "holdover-rwfm", "observe-only", "loss-and-return",
};

static void
load(const char *name, struct scenario *sc)
{
	const char *top = getenv("TOP_SRCDIR");
	char path[512], err[SCN_ERR_LEN];

	snprintf(path, sizeof(path), "%s/tests/sim/scenarios/%s.yaml",
	    top ? top : ".", name);
	ck_assert_msg(scenario_load(path, sc, err, sizeof(err)) == 0, "%s", err);
}

static void
run(const char *name, struct sim_result *res)
{
	struct scenario sc;

	load(name, &sc);
	ck_assert_int_eq(sim_run(&sc, NULL, res), 0);
	sim_print_details(stdout, res);
	fflush(stdout);
}

START_TEST(scenarios_load)
{
	struct scenario sc;

	load(all_scenarios[_i], &sc);
	ck_assert_int_gt(sc.nsources, 0);
	ck_assert_double_gt(sc.duration_s, 0);
}
END_TEST

/* Write text to a temporary file; returns its path (static buffer). */
static const char *
tmp_yaml(const char *text)
{
	static char path[] = "/tmp/check_sim_XXXXXX";
	int fd;

	strcpy(path, "/tmp/check_sim_XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (long)strlen(text));
	close(fd);
	return path;
}

START_TEST(scenario_errors_name_file_and_line)
{
	static const struct { const char *text, *want; } bad[] = {
		{ "duration: 10\nsources:\n  - kind: refclock\n    noise: 1e-6\n    nosie: 2\n",
		  ":5: source: unknown key \"nosie\"" },
		{ "duration: ten\n", ":1: duration: not a number" },
		{ "duration: 10\noscillator: quartz\n", ":2: oscillator: unknown value" },
		{ "duration: 10\nsources:\n  - kind: packet\n    delay: 1e-3\n    asymmetry: 2e-3\n",
		  ":3: source src0: |asymmetry| > delay" },
		{ "duration: 10\nsources:\n  - kind: refclock\n", ":3: source src0: refclock needs noise" },
		{ "duration: 10\n", ":1: no sources" },
		{ "duration: 10\nduration: 20\n", ":2: duplicate key \"duration\"" },
		{ "duration: 10\nengine:\n  tolerance: -1\n", ":3: tolerance: -1 out of range" },
	};
	struct scenario sc;
	char err[SCN_ERR_LEN];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *path = tmp_yaml(bad[i].text);
		int rc = scenario_load(path, &sc, err, sizeof(err));

		unlink(path);
		ck_assert_msg(rc == -1, "case %zu accepted", i);
		ck_assert_msg(strncmp(err, path, strlen(path)) == 0 &&
		    strstr(err, bad[i].want) != NULL, "case %zu: \"%s\"", i, err);
	}
}
END_TEST

START_TEST(converges_from_100ms_with_one_step_at_most)
{
	struct sim_result r;

	run("converge-refclock", &r);
	printf("converge-refclock: < 10 us from t = %.0f s (limit 300 s), %d step(s)\n",
	    r.conv_t_s, r.steps);
	ck_assert_msg(r.conv_t_s >= 0 && r.conv_t_s < 300,
	    "convergence at %.0f s", r.conv_t_s);
	ck_assert_int_le(r.steps, 1);
	sim_result_free(&r);
}
END_TEST

START_TEST(max_error_covers_every_point)
{
	struct sim_result r;

	run(all_scenarios[_i], &r);
	printf("%s: max_error covers %ld of %ld points (%.4f %%)\n", r.name,
	    r.me_covered, r.est_points, r.me_coverage * 100);
	ck_assert_int_gt(r.est_points, r.points / 2);
	ck_assert_msg(r.me_covered == r.est_points,
	    "%s: max_error missed %ld points; first at t=%.0f s: |x^ - x| = %.3e s > max_error %.3e s",
	    r.name, r.est_points - r.me_covered, r.me_first_miss_t,
	    fabs(r.me_first_miss_err), r.me_first_miss_bound);
	sim_result_free(&r);
}
END_TEST

/*
 * U (k=2) is a coverage probability, so it is measured as one: pooled
 * over U_SEEDS independent runs of each scenario. A single run's steady
 * points are strongly correlated (the estimate error wanders over hundreds
 * of seconds), so one seed holds only a few independent draws and its
 * coverage scatters widely even for a calibrated estimator.
 */
#define U_SEEDS	20

START_TEST(U_coverage_in_steady_state)
{
	struct scenario sc;
	long points = 0, covered = 0;
	double cov;

	load(refclock_scenarios[_i], &sc);
	for (int i = 0; i < U_SEEDS; i++) {
		struct sim_result r;

		sc.seed = 1000 + (uint64_t)i;
		ck_assert_int_eq(sim_run(&sc, NULL, &r), 0);
		ck_assert_int_ge(r.U_points, 600);
		points += r.U_points;
		covered += r.U_covered;
		sim_result_free(&r);
	}
	cov = (double)covered / (double)points;
	printf("%s: U (k=2) covers %.2f %% of %ld steady points over %d seeds "
	    "(target 95..99.9 %%)\n", refclock_scenarios[_i], cov * 100,
	    points, U_SEEDS);
	ck_assert_msg(cov >= 0.95 && cov <= 0.999, "%s: U coverage %.2f %%",
	    refclock_scenarios[_i], cov * 100);
}
END_TEST

START_TEST(falseticker_rejected_and_clock_unaffected)
{
	struct scenario sc;
	struct sim_result with, without;
	struct sim_opts opts = { .disable_mask = 1U << 3 };
	const struct sim_source_result *liar;
	double worst = 0, max_with = 0, max_without = 0;

	load("falseticker", &sc);
	ck_assert_str_eq(sc.src[3].name, "liar");
	ck_assert_int_eq(sim_run(&sc, NULL, &with), 0);
	ck_assert_int_eq(sim_run(&sc, &opts, &without), 0);
	sim_print_details(stdout, &with);
	liar = &with.src[3];
	for (long i = (long)sc.warmup_s; i < with.ntrace; i++) {
		double d = fabs(with.true_err_s[i] - without.true_err_s[i]);

		if (d > worst)
			worst = d;
		if (fabs(with.true_err_s[i]) > max_with)
			max_with = fabs(with.true_err_s[i]);
		if (fabs(without.true_err_s[i]) > max_without)
			max_without = fabs(without.true_err_s[i]);
	}
	printf("falseticker: liar after warm-up: %ld points, falseticker %ld, selected %ld,"
	    " combined %ld, candidate %ld; clock with vs without it: max diff %.3f us;"
	    " max |err| after warm-up %.3f us vs %.3f us\n", liar->points,
	    liar->by_state[SEL_FALSETICKER], liar->by_state[SEL_SELECTED],
	    liar->by_state[SEL_COMBINED], liar->by_state[SEL_CANDIDATE], worst * 1e6,
	    max_with * 1e6, max_without * 1e6);
	ck_assert_int_gt(liar->points, 0);
	ck_assert_int_eq(liar->by_state[SEL_SELECTED] + liar->by_state[SEL_COMBINED], 0);
	ck_assert_int_eq(liar->by_state[SEL_FALSETICKER], liar->points);
	ck_assert_double_lt(worst, 10e-6);
	ck_assert_int_eq(with.me_covered, with.est_points);
	sim_result_free(&with);
	sim_result_free(&without);
}
END_TEST

/*
 * Packet sources: after the warm-up the clock is within 1 ms of UTC. The
 * servers' asymmetries limit the accuracy to ~100 us; a 2-10 ms start
 * should be gone in minutes (500 ppm removes 10 ms in 20 s).
 */
static const char *const packet_scenarios[] = { "ntp-three-servers", "falseticker" };

START_TEST(packet_clock_within_1ms_after_warmup)
{
	struct scenario sc;
	struct sim_result r;
	double worst = 0, worst_t = 0;

	load(packet_scenarios[_i], &sc);
	ck_assert_int_eq(sim_run(&sc, NULL, &r), 0);
	for (long i = (long)sc.warmup_s; i < r.ntrace; i++)
		if (!(fabs(r.true_err_s[i]) <= worst)) {
			worst = fabs(r.true_err_s[i]);
			worst_t = (double)i + 1;
		}
	printf("%s: initial offset %.1f ms; after warm-up (%.0f s) max |true error| %.3f us"
	    " at t=%.0f s (limit 1000 us)\n", r.name, sc.initial_offset_s * 1e3,
	    sc.warmup_s, worst * 1e6, worst_t);
	ck_assert_msg(worst < 1e-3, "%s: |true error| %.3f us at t=%.0f s", r.name,
	    worst * 1e6, worst_t);
	sim_result_free(&r);
}
END_TEST

START_TEST(holdover_covered_then_freerun)
{
	struct sim_result r;
	double stop = 7200;

	run("holdover-rwfm", &r);
	printf("holdover-rwfm: holdover from %.0f s, %ld points, max_error covers %ld;"
	    " tolerance crossed at %.0f s, freerun at %.0f s; 1 h ratio %.2f\n",
	    r.holdover_t_s, r.ho_points, r.ho_covered, r.tol_cross_t_s,
	    r.freerun_t_s, r.ho1h_ratio);
	ck_assert_msg(r.holdover_t_s > stop && r.holdover_t_s < stop + 300,
	    "holdover at %.0f s", r.holdover_t_s);
	/* 4 h without a source, every point scored */
	ck_assert_int_ge(r.ho_points, 4 * 3600 - 300);
	ck_assert_int_eq(r.ho_covered, r.ho_points);
	ck_assert(!isnan(r.ho1h_ratio));
	if (r.tol_cross_t_s >= 0) {
		ck_assert_msg(r.freerun_t_s >= 0, "tolerance crossed, never freerun");
		ck_assert_msg(fabs(r.freerun_t_s - r.tol_cross_t_s) <= 2,
		    "freerun at %.0f s, tolerance crossed at %.0f s",
		    r.freerun_t_s, r.tol_cross_t_s);
	} else
		ck_assert_msg(r.freerun_t_s < 0, "freerun within tolerance");
	sim_result_free(&r);
}
END_TEST


/*
 * Issue 3's holdover target: 1 h into holdover of an RWFM oscillator,
 * max_error <= 10 x the true error, once the model has learned (24 h of
 * history; before 6 h the class prior holds, see holdover-rwfm). One
 * draw of the error can be small by luck, so the median over five seeds
 * is held to it, and every point of every run must be covered.
 */
static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

START_TEST(holdover_learned_within_10x_at_1h)
{
	struct scenario sc;
	double ratio[5];

	load("holdover-learned", &sc);
	for (int i = 0; i < 5; i++) {
		struct sim_result r;

		sc.seed = 41 + (uint64_t)i;
		ck_assert_int_eq(sim_run(&sc, NULL, &r), 0);
		ck_assert_msg(r.holdover_t_s > 86400 && r.holdover_t_s < 86400 + 300,
		    "seed %d: holdover at %.0f s", 41 + i, r.holdover_t_s);
		ck_assert_int_eq(r.me_covered, r.est_points);
		ck_assert_int_eq(r.ho_covered, r.ho_points);
		ck_assert(isfinite(r.ho1h_ratio));
		ratio[i] = r.ho1h_ratio;
		printf("holdover-learned seed %d: max_error/|err| at 1 h %.2f\n",
		    41 + i, r.ho1h_ratio);
		sim_result_free(&r);
	}
	qsort(ratio, 5, sizeof(ratio[0]), cmp_double);
	printf("holdover-learned: median max_error/|err| at 1 h %.2f (target <= 10)\n",
	    ratio[2]);
	ck_assert_msg(ratio[2] <= 10, "median ratio %.2f", ratio[2]);
}
END_TEST

START_TEST(loss_and_return_reacquires_without_stepping)
{
	struct sim_result r;
	int locked_after = 0;

	run("loss-and-return", &r);
	for (int i = 0; i < r.ntrans; i++)
		if (r.trans[i].t_s > 5400 && r.trans[i].state == ENGINE_LOCKED)
			locked_after = 1;
	ck_assert_msg(r.holdover_t_s > 3600 && r.holdover_t_s < 3600 + 300,
	    "holdover at %.0f s", r.holdover_t_s);
	ck_assert_msg(locked_after, "not locked again after the source returned");
	ck_assert_int_le(r.steps, 1);
	ck_assert_int_eq(r.me_covered, r.est_points);
	sim_result_free(&r);
}
END_TEST

START_TEST(observe_only_tracks_free_clock)
{
	struct sim_result r;

	run("observe-only", &r);
	printf("observe-only: steps %d, estimate error rms %.3f us, converged at %.0f s\n",
	    r.steps, r.rms_err_s * 1e6, r.conv_t_s);
	ck_assert_int_eq(r.steps, 0);
	ck_assert_msg(r.conv_t_s >= 0 && r.conv_t_s < 300, "converged at %.0f s",
	    r.conv_t_s);
	ck_assert_int_gt(r.err_points, 0);
	ck_assert_double_lt(r.rms_err_s, 2e-6);
	sim_result_free(&r);
}
END_TEST

START_TEST(same_seed_same_figures)
{
	struct scenario sc;
	struct sim_result a, b, c;

	load("falseticker", &sc);
	ck_assert_int_eq(sim_run(&sc, NULL, &a), 0);
	ck_assert_int_eq(sim_run(&sc, NULL, &b), 0);
	sc.seed++;
	ck_assert_int_eq(sim_run(&sc, NULL, &c), 0);
	ck_assert(sim_result_same(&a, &b));
	ck_assert(!sim_result_same(&a, &c));	/* the comparison can fail */
	sim_result_free(&a);
	sim_result_free(&b);
	sim_result_free(&c);
}
END_TEST

START_TEST(runs_at_least_1000x_real_time)
{
	struct sim_result r;

	run("holdover-rwfm", &r);
	printf("holdover-rwfm: %.0f s simulated in %.3f s wall: %.0fx real time\n",
	    r.duration_s, r.wall_s, r.speed);
	ck_assert_double_ge(r.speed, 1000);
	sim_result_free(&r);
}
END_TEST

static Suite *
sim_suite(void)
{
	Suite *s = suite_create("sim");
	TCase *tc = tcase_create("sim");

	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, scenarios_load, 0, NSCEN);
	tcase_add_test(tc, scenario_errors_name_file_and_line);
	tcase_add_test(tc, converges_from_100ms_with_one_step_at_most);
	tcase_add_loop_test(tc, max_error_covers_every_point, 0, NSCEN);
	tcase_add_loop_test(tc, U_coverage_in_steady_state, 0,
	    (int)(sizeof(refclock_scenarios) / sizeof(refclock_scenarios[0])));
	tcase_add_test(tc, falseticker_rejected_and_clock_unaffected);
	tcase_add_loop_test(tc, packet_clock_within_1ms_after_warmup, 0,
	    (int)(sizeof(packet_scenarios) / sizeof(packet_scenarios[0])));
	tcase_add_test(tc, holdover_covered_then_freerun);
	tcase_add_test(tc, holdover_learned_within_10x_at_1h);
	tcase_add_test(tc, loss_and_return_reacquires_without_stepping);
	tcase_add_test(tc, observe_only_tracks_free_clock);
	tcase_add_test(tc, same_seed_same_figures);
	tcase_add_test(tc, runs_at_least_1000x_real_time);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	/* line-buffered: a failing test's child exits without flushing */
	setvbuf(stdout, NULL, _IOLBF, 0);
	return check_run(sim_suite());
}

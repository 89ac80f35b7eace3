/*
 * check_servo.c - the servo in a closed loop with a simulated clock.
 *
 * The simulated local clock has a phase error e = local - reference and a
 * fractional frequency f_osc (+ = fast) that wanders as random-walk FM, plus
 * white FM; the oscillator noise is drawn from the exact discretisation of
 * the continuous model. Each second the test measures offset = -e + N(0,
 * 1 us), calls servo_sample and applies the step and freq_cmd to the
 * simulated clock. Fixed seeds: every run is the same.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "servo.h"
#include "check_run.h"

#define NS	1000000000LL
#define Q1	1e-18		/* white FM: ADEV 1e-9 at 1 s */
#define Q2	1e-18		/* RWFM: 1 ppb per sqrt(s) */
#define NOISE	1e-6		/* measurement, 1 sigma */
#define F_OSC	50e-6		/* the oscillator runs 50 ppm fast */

/* ------------------------------------------------------------ simulation */

struct sim {
	uint64_t	rng;
	double		e;	/* local - reference, s */
	double		f_osc;	/* oscillator, fractional, + = fast */
	double		f_cmd;	/* applied correction, + = faster */
	double		q1, q2, noise;
	int64_t		t_ns;
};

static double
uniform(struct sim *m)
{
	/* xorshift64*, 53 bits */
	m->rng ^= m->rng >> 12;
	m->rng ^= m->rng << 25;
	m->rng ^= m->rng >> 27;
	return ((m->rng * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
}

static double
gauss(struct sim *m)
{
	double u1 = uniform(m), u2 = uniform(m);

	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static void
sim_init(struct sim *m, uint64_t seed, double e0, double f_osc)
{
	memset(m, 0, sizeof(*m));
	m->rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	m->e = e0;
	m->f_osc = f_osc;
	m->q1 = Q1;
	m->q2 = Q2;
	m->noise = NOISE;
}

/* Advance dt seconds: exact two-state discretisation, Cholesky of Q. */
static void
sim_advance(struct sim *m, double dt)
{
	double q11 = m->q1 * dt + m->q2 * dt * dt * dt / 3;
	double q12 = m->q2 * dt * dt / 2, q22 = m->q2 * dt;
	double l11 = sqrt(q11), l21 = l11 > 0 ? q12 / l11 : 0;
	double l22 = sqrt(fmax(0, q22 - l21 * l21));
	double g1 = gauss(m), g2 = gauss(m);

	m->e += (m->f_osc + m->f_cmd) * dt + l11 * g1;
	m->f_osc += l21 * g1 + l22 * g2;
	m->t_ns += (int64_t)(dt * NS);
}

static double
sim_measure(struct sim *m)
{
	return -m->e + m->noise * gauss(m);
}

/* Measure, run the servo, apply what it says. */
static enum servo_action
sim_tick(struct sim *m, struct servo *s, bool confirmed, struct servo_out *o)
{
	enum servo_action a;

	a = servo_sample(s, m->t_ns, sim_measure(m), m->noise, confirmed, o);
	if (a == SERVO_STEP)
		m->e += o->step_s;
	if (a != SERVO_NONE)
		m->f_cmd = o->freq_cmd;
	return a;
}

static void
params(struct servo_params *p, double step_threshold_s)
{
	servo_params_default(p);
	p->step_threshold_s = step_threshold_s;
	p->q_wfm = Q1;
	p->q_rwfm = Q2;
}

/* Seconds after which |e| stayed below lim until t_end, or -1. */
static int
run_converge(struct sim *m, struct servo *s, int t_end, double lim, bool confirmed,
    int *steps)
{
	struct servo_out o;
	int since = -1;

	*steps = 0;
	for (int t = 0; t < t_end; t++) {
		if (sim_tick(m, s, confirmed, &o) == SERVO_STEP)
			(*steps)++;
		if (fabs(m->e) < lim) {
			if (since < 0)
				since = t;
		} else {
			since = -1;
		}
		sim_advance(m, 1.0);
	}
	return since;
}

/* ------------------------------------------------------------ convergence */

static const double start_offsets[] = { 0.1, -0.1 };

START_TEST(converge_100ms_without_step)
{
	struct servo_params p;
	struct servo *s;
	struct sim m;
	int steps, t;

	params(&p, 0);			/* never step */
	s = servo_create(&p);
	ck_assert_ptr_nonnull(s);
	sim_init(&m, 1 + _i, -start_offsets[_i], F_OSC);
	t = run_converge(&m, s, 300, 10e-6, true, &steps);
	printf("servo: %+.0f ms start, no step: |e| < 10 us from t = %d s\n",
	    start_offsets[_i] * 1e3, t);
	ck_assert_int_eq(steps, 0);
	ck_assert_int_ge(t, 200);	/* 100 ms at <= 500 ppm needs 200 s */
	ck_assert_int_lt(t, 300);
	ck_assert_int_eq(servo_state(s), SERVO_LOCKED);
	servo_destroy(s);
}
END_TEST

START_TEST(no_step_below_threshold)
{
	struct servo_params p;
	struct servo *s;
	struct sim m;
	int steps, t;

	params(&p, 0.1);
	s = servo_create(&p);
	sim_init(&m, 3, -0.05, F_OSC);
	t = run_converge(&m, s, 300, 10e-6, true, &steps);
	ck_assert_int_eq(steps, 0);
	ck_assert_int_eq(servo_steps(s), 0);
	ck_assert_int_ge(t, 0);
	servo_destroy(s);
}
END_TEST

START_TEST(one_step_when_confirmed)
{
	struct servo_params p;
	struct servo *s;
	struct sim m;
	int steps, t;

	params(&p, 0.1);
	s = servo_create(&p);
	sim_init(&m, 4, -1.0, F_OSC);
	t = run_converge(&m, s, 300, 10e-6, true, &steps);
	printf("servo: 1 s start, step: %d step(s), |e| < 10 us from t = %d s\n",
	    steps, t);
	ck_assert_int_eq(steps, 1);
	ck_assert_int_ge(t, 0);
	ck_assert_int_lt(t, 60);
	/* A later 1 s jump: rejected, then reset, but the one step is spent. */
	m.e += 1.0;
	run_converge(&m, s, 30, 10e-6, true, &steps);
	ck_assert_int_eq(steps, 0);
	ck_assert_int_eq(servo_steps(s), 1);
	servo_destroy(s);
}
END_TEST

START_TEST(step_limit_counts)
{
	struct servo_params p;
	struct servo *s;
	struct sim m;
	int steps, total = 0;

	params(&p, 0.1);
	p.step_limit = _i == 0 ? 2 : -1;
	s = servo_create(&p);
	sim_init(&m, 5, -1.0, F_OSC);
	for (int jump = 0; jump < 4; jump++) {
		run_converge(&m, s, 100, 10e-6, true, &steps);
		total += steps;
		m.e += 0.5;
	}
	ck_assert_int_eq(total, _i == 0 ? 2 : 4);
	ck_assert_int_eq(servo_steps(s), total);
	servo_destroy(s);
}
END_TEST

START_TEST(no_step_unconfirmed)
{
	struct servo_params p;
	struct servo *s;
	struct sim m;
	int steps;

	params(&p, 0.1);
	s = servo_create(&p);
	sim_init(&m, 6, -1.0, F_OSC);
	run_converge(&m, s, 60, 10e-6, false, &steps);
	ck_assert_int_eq(steps, 0);
	ck_assert_int_eq(servo_steps(s), 0);
	ck_assert_double_gt(fabs(m.e), 0.9);	/* slewing: 60 s x 500 ppm */
	servo_destroy(s);
}
END_TEST

START_TEST(step_threshold_zero_never_steps)
{
	struct servo_params p;
	struct servo *s;
	struct servo_out o;

	params(&p, 0);
	p.step_limit = -1;
	s = servo_create(&p);
	ck_assert_int_eq(servo_sample(s, 0, 10.0, 1e-6, true, &o), SERVO_SLEW);
	ck_assert_int_eq(servo_steps(s), 0);
	servo_destroy(s);
}
END_TEST

/* ------------------------------------------------------------ steady state */

struct steady {
	double	rms_e, rms_xu, rms_dfreq, cover2, mean_tau, max_e, y_err, y_u;
	int	n;
};

static void
run_steady(uint64_t seed, int t_settle, int t_end, struct steady *r)
{
	struct servo_params p;
	struct servo_out o;
	struct servo *s;
	struct sim m;
	double se = 0, st = 0, sxu = 0, sdf = 0, prev_f = 0;
	int in = 0;

	params(&p, 0.1);
	s = servo_create(&p);
	sim_init(&m, seed, 1e-3, F_OSC);
	memset(r, 0, sizeof(*r));
	for (int t = 0; t < t_end; t++) {
		sim_tick(&m, s, true, &o);
		if (t >= t_settle) {
			se += m.e * m.e;
			sxu += o.x_u * o.x_u;
			sdf += (o.freq_cmd - prev_f) * (o.freq_cmd - prev_f);
			st += o.tau_s;
			r->max_e = fmax(r->max_e, fabs(m.e));
			in += fabs(-m.e - o.x_est) <= 2 * o.x_u;
			r->n++;
		}
		prev_f = o.freq_cmd;
		sim_advance(&m, 1.0);
	}
	r->rms_e = sqrt(se / r->n);
	r->rms_xu = sqrt(sxu / r->n);
	r->rms_dfreq = sqrt(sdf / r->n);
	r->mean_tau = st / r->n;
	r->cover2 = (double)in / r->n;
	r->y_err = servo_freq(s) - -m.f_osc;
	r->y_u = servo_freq_u(s);
	servo_destroy(s);
}

/*
 * The floor is the filter's own phase uncertainty x_u = NOISE / sqrt(N_eff),
 * N_eff the effective number of samples averaged; steering may add to it
 * (x_est left to decay over tau) but by less than 2x.
 */
START_TEST(steady_state_rms_and_calibration)
{
	struct steady r;
	double n_eff;

	run_steady(100 + _i, 600, 7800, &r);
	n_eff = (NOISE / r.rms_xu) * (NOISE / r.rms_xu);
	printf("servo steady (seed %d, %d pts): rms |e| %.3f us, max %.3f us; "
	    "x_u %.3f us (N_eff %.1f, 2 noise/sqrt(N_eff) %.3f us); mean tau %.1f s; "
	    "rms step of freq_cmd %.2f ppb; |x-x_est| <= 2u: %.2f %%; "
	    "y err %.3f ppb (y_u %.3f ppb)\n", 100 + _i, r.n, r.rms_e * 1e6,
	    r.max_e * 1e6, r.rms_xu * 1e6, n_eff, 2e6 * NOISE / sqrt(n_eff),
	    r.mean_tau, r.rms_dfreq * 1e9, r.cover2 * 100, r.y_err * 1e9,
	    r.y_u * 1e9);
	ck_assert_double_lt(r.rms_e, 2 * NOISE / sqrt(n_eff));
	ck_assert_double_lt(r.rms_e, 0.5e-6);
	ck_assert_double_ge(r.cover2, 0.90);
	ck_assert_double_le(r.cover2, 0.999);
	ck_assert_double_lt(fabs(r.y_err), 3 * r.y_u + 1e-12);
	ck_assert_double_lt(fabs(r.y_err), 20e-9);
}
END_TEST

/* The filter must not take its own steering for oscillator drift. */
START_TEST(control_input_not_mistaken_for_drift)
{
	struct servo_params p;
	struct servo_out o;
	struct servo *s;
	struct sim m;

	params(&p, 0);
	s = servo_create(&p);
	sim_init(&m, 7, -0.1, F_OSC);
	for (int t = 0; t < 100; t++) {
		sim_tick(&m, s, true, &o);
		if (t >= 10) {
			/* still slewing hard, yet y is the oscillator's */
			ck_assert_double_gt(fabs(o.freq_cmd - o.y_est), 400e-6);
			ck_assert_double_lt(fabs(o.y_est - -m.f_osc), 0.05e-6);
		}
		sim_advance(&m, 1.0);
	}
	servo_destroy(s);
}
END_TEST

START_TEST(clamps_respected)
{
	struct servo_params p;
	struct servo_out o;
	struct servo *s;
	struct sim m;
	int hit_freq = 0, hit_slew = 0;

	params(&p, 0);
	p.max_freq = 100e-6;
	p.max_slew = 70e-6;
	s = servo_create(&p);
	sim_init(&m, 8, _i ? 0.02 : -0.02, F_OSC);
	for (int t = 0; t < 600; t++) {
		sim_tick(&m, s, true, &o);
		ck_assert_double_le(fabs(o.freq_cmd), p.max_freq);
		if (fabs(o.freq_cmd) < p.max_freq)
			ck_assert_double_le(fabs(o.freq_cmd - o.y_est), p.max_slew * (1 + 1e-12));
		hit_freq += fabs(o.freq_cmd) == p.max_freq;
		hit_slew += fabs(fabs(o.freq_cmd - o.y_est) - p.max_slew) < 1e-15;
		sim_advance(&m, 1.0);
	}
	/* one direction needs 50 + 70 ppm > 100 ppm, the other 20 ppm */
	ck_assert_int_gt(_i ? hit_freq : hit_slew, 100);
	ck_assert_double_lt(fabs(m.e), 10e-6);
	servo_destroy(s);
}
END_TEST

/* ------------------------------------------------------------ lock states */

START_TEST(lock_transitions)
{
	struct servo_params p;
	struct servo_out o;
	struct servo *s;
	struct sim m;
	int t, locked_at = -1;

	params(&p, 0.1);
	s = servo_create(&p);
	sim_init(&m, 9, 2e-3, F_OSC);
	ck_assert_int_eq(servo_state(s), SERVO_UNLOCKED);
	for (t = 0; t < 120; t++) {
		sim_tick(&m, s, true, &o);
		if (t == 0)
			ck_assert_int_eq(o.state, SERVO_LOCKING);
		if (o.state == SERVO_LOCKED && locked_at < 0)
			locked_at = t;
		sim_advance(&m, 1.0);
	}
	printf("servo: 2 ms start locked at t = %d s\n", locked_at);
	ck_assert_int_ge(locked_at, 4);
	ck_assert_int_eq(servo_state(s), SERVO_LOCKED);
	ck_assert_str_eq(servo_state_name(servo_state(s)), "locked");

	/* One wild sample: ignored, still locked, estimate untouched. */
	double x_before = o.x_est;
	servo_sample(s, m.t_ns, 1.0, NOISE, true, &o);
	ck_assert_int_eq(o.state, SERVO_LOCKED);
	ck_assert_double_lt(fabs(o.x_est - x_before), 1e-5);
	sim_advance(&m, 1.0);
	sim_tick(&m, s, true, &o);		/* a good one ends the run */
	sim_advance(&m, 1.0);

	/* Three in a row (a 10 ms jump): reset, start again from the jump. */
	m.e -= 0.01;
	for (int i = 0; i < 3; i++) {
		sim_tick(&m, s, false, &o);
		sim_advance(&m, 1.0);
		if (i < 2)
			ck_assert_int_eq(o.state, SERVO_LOCKED);
	}
	ck_assert_int_eq(o.state, SERVO_LOCKING);
	ck_assert_double_lt(fabs(o.x_est - 0.01), 1e-4);
	ck_assert_double_lt(o.x_u, 2 * NOISE);
	servo_destroy(s);
}
END_TEST

START_TEST(reset_forgets_phase_keeps_freq)
{
	struct servo_params p;
	struct servo_out o;
	struct servo *s;
	struct sim m;
	double x, xu, y;

	params(&p, 0.1);
	s = servo_create(&p);
	sim_init(&m, 10, 1e-3, F_OSC);
	for (int t = 0; t < 100; t++) {
		sim_tick(&m, s, true, &o);
		sim_advance(&m, 1.0);
	}
	servo_reset(s);
	ck_assert_int_eq(servo_state(s), SERVO_UNLOCKED);
	servo_predict(s, m.t_ns, &x, &xu, &y, NULL);
	ck_assert(isinf(xu));
	ck_assert_double_lt(fabs(y - -F_OSC), 0.1e-6);
	ck_assert_double_eq_tol(servo_freq_u(s), p.max_freq, 1e-12);
	servo_destroy(s);
}
END_TEST

/* ------------------------------------------------------------ holdover */

START_TEST(holdover_prediction)
{
	struct servo_params p;
	struct servo_out o;
	struct servo *s;
	struct sim m;
	double x, xu, y, yu, xu_prev = 0;
	int inside = 0, n = 0;

	params(&p, 0.1);
	s = servo_create(&p);
	sim_init(&m, 11, 1e-3, F_OSC);
	for (int t = 0; t < 600; t++) {
		sim_tick(&m, s, true, &o);
		sim_advance(&m, 1.0);
	}
	/* Enter holdover: hold the estimated frequency, keep no phase term. */
	servo_applied(s, m.t_ns, servo_freq(s));
	m.f_cmd = servo_freq(s);
	ck_assert_double_eq(servo_applied_freq(s), servo_freq(s));
	for (int t = 0; t < 3600; t++) {
		sim_advance(&m, 1.0);
		servo_predict(s, m.t_ns, &x, &xu, &y, &yu);
		ck_assert_double_ge(xu, xu_prev);
		xu_prev = xu;
		inside += fabs(-m.e - x) <= 3 * xu;
		n++;
	}
	printf("servo holdover 1 h: true |e| %.2f us, predicted x_u %.2f us, "
	    "|e - x_pred| <= 3u at %.1f %% of points\n", fabs(m.e) * 1e6,
	    xu * 1e6, 100.0 * inside / n);
	ck_assert_double_ge((double)inside / n, 0.95);
	ck_assert_double_gt(yu, 0);
	servo_destroy(s);
}
END_TEST

/* ------------------------------------------------------------ bad input */

START_TEST(bad_params_rejected)
{
	struct servo_params p;

	params(&p, 0.1);
	p.max_freq = 0;
	ck_assert_ptr_null(servo_create(&p));
	params(&p, 0.1);
	p.q_wfm = NAN;
	ck_assert_ptr_null(servo_create(&p));
	params(&p, -1);
	ck_assert_ptr_null(servo_create(&p));
	params(&p, 0.1);
	p.initial_freq = 1e-3;		/* beyond max_freq */
	ck_assert_ptr_null(servo_create(&p));
}
END_TEST

START_TEST(bad_samples_ignored)
{
	struct servo_params p;
	struct servo_out o;
	struct servo *s;

	params(&p, 0.1);
	p.initial_freq = 20e-6;
	s = servo_create(&p);
	ck_assert_double_eq(servo_applied_freq(s), 20e-6);
	ck_assert_int_eq(servo_sample(s, 0, NAN, 1e-6, true, &o), SERVO_NONE);
	ck_assert_int_eq(servo_sample(s, 0, 1e-3, 0, true, &o), SERVO_NONE);
	ck_assert_int_eq(servo_sample(s, 0, 1e-3, INFINITY, true, &o), SERVO_NONE);
	ck_assert_double_eq(o.freq_cmd, 20e-6);
	ck_assert_int_eq(servo_state(s), SERVO_UNLOCKED);
	ck_assert_int_eq(servo_sample(s, 5 * NS, 1e-3, 1e-6, true, &o), SERVO_SLEW);
	ck_assert_int_eq(servo_sample(s, 4 * NS, 1e-3, 1e-6, true, &o), SERVO_NONE);
	ck_assert_int_eq(servo_state(s), SERVO_LOCKING);
	servo_destroy(s);
}
END_TEST

static Suite *
servo_suite(void)
{
	Suite *s = suite_create("servo");
	TCase *tc;

	tc = tcase_create("steps");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, converge_100ms_without_step, 0, 2);
	tcase_add_test(tc, no_step_below_threshold);
	tcase_add_test(tc, one_step_when_confirmed);
	tcase_add_loop_test(tc, step_limit_counts, 0, 2);
	tcase_add_test(tc, no_step_unconfirmed);
	tcase_add_test(tc, step_threshold_zero_never_steps);
	suite_add_tcase(s, tc);

	tc = tcase_create("loop");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, steady_state_rms_and_calibration, 0, 3);
	tcase_add_test(tc, control_input_not_mistaken_for_drift);
	tcase_add_loop_test(tc, clamps_respected, 0, 2);
	tcase_add_test(tc, lock_transitions);
	tcase_add_test(tc, reset_forgets_phase_keeps_freq);
	tcase_add_test(tc, holdover_prediction);
	suite_add_tcase(s, tc);

	tc = tcase_create("input");
	tcase_add_test(tc, bad_params_rejected);
	tcase_add_test(tc, bad_samples_ignored);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(servo_suite());
}

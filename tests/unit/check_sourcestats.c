/*
 * check_sourcestats.c - per-source statistics against synthetic data with
 * known truth: estimates and standard errors (calibration over many
 * trials), hard-bound coverage, outlier handling, the adaptive window and
 * clock adjustments.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "sample.h"
#include "sourcestats.h"

#define NS	1000000000LL
#define T0	(1000 * NS)	/* first sample's CLOCK_MONOTONIC */

/* splitmix64: small, fixed-seed, the same everywhere */
static uint64_t rng_state;

static void
rng_seed(uint64_t seed)
{
	rng_state = seed;
}

static uint64_t
rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in (0, 1) */
static double
rng_uniform(void)
{
	return ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0;
}

static double
rng_gauss(void)
{
	double u1 = rng_uniform(), u2 = rng_uniform();

	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static double
rng_exp(double mean)
{
	return -mean * log(rng_uniform());
}

/* A sample with a Type A "noise" item and optionally a Type B "asymmetry". */
static void
mk(struct sample *s, int64_t t_ns, double off_s, double ua_s, double ub_s,
    double hb_s, double delay_s)
{
	memset(s, 0, sizeof(*s));
	s->mono_ns = t_ns;
	s->local_ns = t_ns;
	s->offset_s = off_s;
	s->delay_s = delay_s;
	s->hard_bound_s = hb_s;
	budget_init(&s->budget);
	if (ua_s > 0)
		budget_add(&s->budget, "noise", ua_s, BUDGET_TYPE_A, "test");
	if (ub_s > 0)
		budget_add(&s->budget, "asymmetry", ub_s, BUDGET_TYPE_B, "test");
}

static struct sourcestats *
mk_sst(enum sst_kind kind)
{
	struct sst_params p;
	struct sourcestats *sst;

	sst_params_default(&p, kind);
	sst = sst_create(&p);
	ck_assert_ptr_nonnull(sst);
	return sst;
}

/* Truth: offset = off0 + freq * (t - T0), in seconds. */
static double
truth(double off0, double freq, int64_t t_ns)
{
	return off0 + freq * (double)(t_ns - T0) / NS;
}

/* n samples at 1 s with Gaussian noise sigma; returns the last instant. */
static int64_t
feed_gauss(struct sourcestats *sst, int64_t t, int n, double off0,
    double freq, double sigma)
{
	struct sample s;

	for (int i = 0; i < n; i++, t += NS) {
		mk(&s, t, truth(off0, freq, t) + sigma * rng_gauss(), sigma, 0,
		    6 * sigma, -1);
		ck_assert_int_eq(sst_add(sst, &s), 0);
	}
	return t - NS;
}

START_TEST(empty_get_fails)
{
	struct sourcestats *sst = mk_sst(SST_PACKET);
	struct sst_estimate e;
	struct sample s;

	ck_assert_int_eq(sst_count(sst), 0);
	ck_assert_int_eq(sst_get(sst, T0, 0, &e), -1);
	mk(&s, T0, 1e-3, 1e-6, 0, 1e-5, -1);
	ck_assert_int_eq(sst_add(sst, &s), 0);
	ck_assert_int_eq(sst_get(sst, T0, 0, &e), 0);
	ck_assert_double_eq_tol(e.offset_s, 1e-3, 1e-15);
	ck_assert(!e.freq_valid);
	ck_assert_double_eq_tol(e.offset_se_s, 1e-6, 1e-12);
	sst_reset(sst);
	ck_assert_int_eq(sst_count(sst), 0);
	ck_assert_int_eq(sst_get(sst, T0, 0, &e), -1);
	sst_destroy(sst);
}
END_TEST

/* Three samples exactly on a line do not claim a zero standard error. */
START_TEST(few_samples_se_not_zero)
{
	struct sourcestats *sst = mk_sst(SST_REFCLOCK);
	struct sst_estimate e;
	struct sample s;

	for (int i = 0; i < 3; i++) {
		mk(&s, T0 + i * NS, 1e-6 * i, 1e-6, 0, 6e-6, -1);
		ck_assert_int_eq(sst_add(sst, &s), 0);
	}
	ck_assert_int_eq(sst_get(sst, T0 + 2 * NS, 1e-6, &e), 0);
	ck_assert_double_eq_tol(e.freq, 1e-6, 1e-15);
	ck_assert_double_eq_tol(e.jitter_s, 0, 1e-15);
	/* pooled with the declared 1 us: s2 = 2/3, var = s2 * 5/6 u^2 */
	ck_assert_double_eq_tol(e.offset_se_s, 1e-6 * sqrt(5.0 / 9), 1e-12);
	ck_assert_double_eq_tol(e.freq_se, 1e-6 * sqrt(1.0 / 3), 1e-12);
	sst_destroy(sst);
}
END_TEST

START_TEST(invalid_samples_rejected)
{
	struct sourcestats *sst = mk_sst(SST_PACKET);
	struct sst_estimate e;
	struct sample s;

	mk(&s, T0, NAN, 1e-6, 0, 1e-5, -1);
	ck_assert_int_eq(sst_add(sst, &s), -1);
	mk(&s, T0, 0, 1e-6, 0, -1e-5, -1);
	ck_assert_int_eq(sst_add(sst, &s), -1);
	mk(&s, T0, 0, 1e-6, 0, 1e-5, -1);
	s.budget.item[0].u_s = -1;
	ck_assert_int_eq(sst_add(sst, &s), -1);
	ck_assert_int_eq(sst_count(sst), 0);

	mk(&s, T0, 0, 1e-6, 0, 1e-5, -1);
	ck_assert_int_eq(sst_add(sst, &s), 0);
	ck_assert_int_eq(sst_add(sst, &s), -1);		/* same instant */
	s.mono_ns = T0 - NS;
	ck_assert_int_eq(sst_add(sst, &s), -1);		/* going back */
	ck_assert_int_eq(sst_count(sst), 1);
	ck_assert_uint_eq(sst_rejected(sst), 0);

	ck_assert_int_eq(sst_get(sst, T0, NAN, &e), -1);
	ck_assert_int_eq(sst_get(sst, T0, -1e-6, &e), -1);
	ck_assert_int_eq(sst_get(sst, T0, INFINITY, &e), -1);
	ck_assert_int_eq(sst_get(sst, T0, 0, NULL), -1);
	sst_destroy(sst);
}
END_TEST

START_TEST(bad_params)
{
	struct sst_params p;
	struct sourcestats *sst;

	sst_params_default(&p, SST_REFCLOCK);
	p.min_samples = 1;
	ck_assert_ptr_null(sst_create(&p));
	sst_params_default(&p, SST_REFCLOCK);
	p.max_samples = 2;
	ck_assert_ptr_null(sst_create(&p));
	sst_params_default(&p, SST_REFCLOCK);
	p.delay_factor = NAN;
	ck_assert_ptr_null(sst_create(&p));
	sst_params_default(&p, SST_REFCLOCK);
	p.max_samples = SST_MAX_SAMPLES + 1;
	ck_assert_ptr_null(sst_create(&p));
	sst = sst_create(NULL);
	ck_assert_ptr_nonnull(sst);
	sst_destroy(sst);
}
END_TEST

/*
 * Constant offset + frequency + white noise, 200 trials: errors within
 * 3 se, and about 68 % of them within 1 se (binomial sd 3.3 %), for the
 * offset predicted 10 s past the last sample (which needs the
 * extrapolation term) and for the frequency.
 */
START_TEST(estimates_and_se_calibrated)
{
	const int trials = 200;
	const double sigma = 1e-6;
	int in1_off = 0, in1_freq = 0, in3_off = 0, in3_freq = 0;

	rng_seed(1);
	for (int k = 0; k < trials; k++) {
		struct sourcestats *sst = mk_sst(SST_REFCLOCK);
		double off0 = 1e-3 * (rng_uniform() - 0.5);
		double freq = 4e-5 * (rng_uniform() - 0.5);
		struct sst_estimate e;
		int64_t t = T0, now;
		struct sample s;

		/* a Type B item in u that the scatter must not be scaled by */
		for (int i = 0; i < 64; i++, t += NS) {
			mk(&s, t, truth(off0, freq, t) + sigma * rng_gauss(), sigma,
			    3 * sigma, 10 * sigma, -1);
			ck_assert_int_eq(sst_add(sst, &s), 0);
		}
		t -= NS;
		now = t + 10 * NS;
		double eo, ef;

		ck_assert_int_eq(sst_get(sst, now, 1e-6, &e), 0);
		ck_assert(e.freq_valid);
		eo = fabs(e.offset_s - truth(off0, freq, now));
		ef = fabs(e.freq - freq);
		in1_off += eo < e.offset_se_s;
		in1_freq += ef < e.freq_se;
		in3_off += eo < 3 * e.offset_se_s;
		in3_freq += ef < 3 * e.freq_se;
		/* the se is near what 1 us of noise over the window gives */
		ck_assert_double_lt(e.freq_se, 3 * sigma / sqrt(e.n_used * e.span_s * e.span_s / 12));
		sst_destroy(sst);
	}
	if (getenv("SST_VERBOSE"))
		fprintf(stderr, "calibration: off %d/%d %d/%d freq %d/%d %d/%d\n",
		    in1_off, trials, in3_off, trials, in1_freq, trials, in3_freq, trials);
	ck_assert_int_ge(in1_off, 0.60 * trials);
	ck_assert_int_le(in1_off, 0.76 * trials);
	ck_assert_int_ge(in1_freq, 0.60 * trials);
	ck_assert_int_le(in1_freq, 0.76 * trials);
	ck_assert_int_ge(in3_off, 0.975 * trials);
	ck_assert_int_ge(in3_freq, 0.975 * trials);
}
END_TEST

/* White noise alone keeps (almost) the whole window. */
START_TEST(stationary_keeps_window)
{
	int large = 0;

	rng_seed(2);
	for (int k = 0; k < 50; k++) {
		struct sourcestats *sst = mk_sst(SST_REFCLOCK);
		struct sst_estimate e;
		int64_t t = feed_gauss(sst, T0, 64, 0, 1e-5, 1e-6);

		ck_assert_int_eq(sst_get(sst, t, 1e-6, &e), 0);
		large += e.n_used >= 48;
		sst_destroy(sst);
	}
	ck_assert_int_ge(large, 45);
}
END_TEST

/* More than max_samples samples: the window never grows past it. */
START_TEST(window_capped)
{
	struct sourcestats *sst = mk_sst(SST_REFCLOCK);
	struct sst_estimate e;
	int64_t t;

	rng_seed(3);
	t = feed_gauss(sst, T0, 300, 2e-4, -3e-6, 1e-6);
	ck_assert_int_eq(sst_get(sst, t, 1e-6, &e), 0);
	ck_assert_int_le(e.n_used, 64);
	ck_assert_uint_eq(e.n_total, 300);
	ck_assert_double_lt(fabs(e.offset_s - truth(2e-4, -3e-6, t)), 5 * e.offset_se_s);
	sst_destroy(sst);
}
END_TEST

/*
 * Uniform noise of half-width a and hard bound a: the truth is inside
 * [offset - hb, offset + hb] at every instant asked, in every trial, and
 * intersecting the samples' intervals gives a tighter bound than one
 * sample's a.
 */
START_TEST(hard_bound_covers_truth)
{
	const double a = 2e-6, fb = 1e-7;
	double sum_hb = 0;
	int nhb = 0;

	rng_seed(4);
	for (int k = 0; k < 200; k++) {
		struct sourcestats *sst = mk_sst(SST_REFCLOCK);
		double off0 = 1e-3 * (rng_uniform() - 0.5);
		double freq = 4e-5 * (rng_uniform() - 0.5);
		int64_t t = T0, ahead[] = { 0, 1, 5, 100, 1000 };
		struct sst_estimate e;
		struct sample s;

		for (int i = 0; i < 64; i++, t += NS) {
			mk(&s, t, truth(off0, freq, t) + a * (2 * rng_uniform() - 1),
			    a / sqrt(3), 0, a, -1);
			ck_assert_int_eq(sst_add(sst, &s), 0);
		}
		t -= NS;
		for (size_t j = 0; j < sizeof(ahead) / sizeof(ahead[0]); j++) {
			int64_t now = t + ahead[j] * NS;

			ck_assert_int_eq(sst_get(sst, now, fb, &e), 0);
			ck_assert(!e.inconsistent);
			ck_assert_double_le(fabs(e.offset_s - truth(off0, freq, now)),
			    e.hard_bound_s);
			/* never looser than the newest sample carried forward */
			ck_assert_double_le(e.hard_bound_s, a + fb * ahead[j] +
			    fabs(e.offset_s - s.offset_s - e.freq * ahead[j]) + 1e-15);
		}
		ck_assert_int_eq(sst_get(sst, t, fb, &e), 0);
		sum_hb += e.hard_bound_s;
		nhb++;
		sst_destroy(sst);
	}
	ck_assert_double_lt(sum_hb / nhb, 0.8 * a);
}
END_TEST

/*
 * Three samples whose bounds cannot all hold: flagged, and the bound is
 * what the newest sample alone certifies, measured from offset_s.
 */
START_TEST(hard_bound_inconsistent_fallback)
{
	struct sourcestats *sst = mk_sst(SST_PACKET);
	struct sst_estimate e;
	struct sample s;
	double far;

	mk(&s, T0, 0, 1e-6, 0, 1e-6, -1);
	sst_add(sst, &s);
	mk(&s, T0 + NS, 0, 1e-6, 0, 1e-6, -1);
	sst_add(sst, &s);
	ck_assert_int_eq(sst_get(sst, T0 + 2 * NS, 0, &e), 0);
	ck_assert(!e.inconsistent);
	ck_assert_double_le(e.hard_bound_s, 1e-6 + 1e-15);

	mk(&s, T0 + 2 * NS, 50e-6, 1e-6, 0, 1e-6, -1);
	sst_add(sst, &s);
	ck_assert_int_eq(sst_get(sst, T0 + 2 * NS, 0, &e), 0);
	ck_assert(e.inconsistent);
	ck_assert_double_eq_tol(e.freq, 25e-6, 1e-12);
	far = fmax(fabs(e.offset_s - (50e-6 - 1e-6)), fabs(50e-6 + 1e-6 - e.offset_s));
	ck_assert_double_gt(far, 9e-6);
	ck_assert_double_ge(e.hard_bound_s, far - 1e-15);
	ck_assert_double_le(e.hard_bound_s, far + 1e-15);

	/* three seconds later, with a frequency bound */
	ck_assert_int_eq(sst_get(sst, T0 + 5 * NS, 1e-6, &e), 0);
	ck_assert(e.inconsistent);
	far = fmax(fabs(e.offset_s - (50e-6 + 3 * e.freq - 1e-6 - 3e-6)),
	    fabs(50e-6 + 3 * e.freq + 1e-6 + 3e-6 - e.offset_s));
	ck_assert_double_ge(e.hard_bound_s, far - 1e-15);
	sst_destroy(sst);
}
END_TEST

/*
 * NTP-like: 200 us base delay with a few us of jitter per leg, and a
 * quarter of the packets queued up to 3 ms on the outbound leg, which
 * biases their offset by half the queueing. The source declares only its
 * 1 us noise, so inflation and rejection must do all the work; a plain
 * mean would be ~190 us off.
 */
START_TEST(packet_delay_spikes)
{
	struct sourcestats *sst = mk_sst(SST_PACKET);
	const double off0 = 3e-4, freq = 1e-5;
	int64_t t = T0;
	int gross = 0, gross_rejected = 0, accepted = 0;
	struct sst_estimate e;
	struct sample s;

	rng_seed(5);
	for (int i = 0; i < 200; i++, t += NS) {
		double jo = rng_exp(3e-6), ji = rng_exp(3e-6);
		double q = i >= 5 && rng_uniform() < 0.25 ? 3e-3 * rng_uniform() : 0;
		double delay = 200e-6 + jo + ji + q;
		double off = truth(off0, freq, t) + (jo - ji + q) / 2 +
		    0.3e-6 * rng_gauss();
		int r;

		mk(&s, t, off, 1e-6, 0, delay / 2, delay);
		r = sst_add(sst, &s);
		ck_assert_int_ge(r, 0);
		accepted += r == 0;
		if (q > 1e-3) {
			gross++;
			gross_rejected += r == 1;
		}
	}
	t -= NS;
	ck_assert_int_gt(gross, 20);
	ck_assert_int_eq(gross_rejected, gross);
	ck_assert_uint_ge(sst_rejected(sst), (unsigned long)gross);
	ck_assert_int_gt(accepted, 120);
	ck_assert_int_eq(sst_get(sst, t, 1e-6, &e), 0);
	ck_assert_double_lt(fabs(e.offset_s - truth(off0, freq, t)), 3e-6);
	ck_assert_double_lt(fabs(e.freq - freq), 1e-7);
	ck_assert_double_le(fabs(e.offset_s - truth(off0, freq, t)), e.hard_bound_s);
	ck_assert_uint_eq(e.rejected, sst_rejected(sst));
	sst_destroy(sst);
}
END_TEST

START_TEST(refclock_outlier_rejected)
{
	struct sourcestats *sst = mk_sst(SST_REFCLOCK);
	struct sst_estimate e, before;
	struct sample s;
	int64_t t;

	rng_seed(6);
	t = feed_gauss(sst, T0, 40, 1e-4, 2e-6, 1e-6);
	ck_assert_int_eq(sst_get(sst, t + NS, 1e-6, &before), 0);
	t += NS;
	mk(&s, t, truth(1e-4, 2e-6, t) + 50e-6, 1e-6, 0, 6e-6, -1);
	ck_assert_int_eq(sst_add(sst, &s), 1);
	ck_assert_uint_eq(sst_rejected(sst), 1);
	ck_assert_int_eq(sst_get(sst, t, 1e-6, &e), 0);
	ck_assert_double_eq(e.offset_s, before.offset_s);
	ck_assert_int_eq(e.n_used, before.n_used);
	/* good samples keep coming in; none is rejected over a long run */
	t = feed_gauss(sst, t + NS, 2000, 1e-4, 2e-6, 1e-6);
	ck_assert_uint_eq(sst_rejected(sst), 1);
	ck_assert_int_eq(sst_get(sst, t, 1e-6, &e), 0);
	ck_assert_double_lt(fabs(e.offset_s - truth(1e-4, 2e-6, t)), 3 * e.offset_se_s);
	sst_destroy(sst);
}
END_TEST

/*
 * A quiet stretch (identical offsets: MAD 0) must not make the source
 * reject a sample within its own declared noise.
 */
START_TEST(refclock_mad_floor)
{
	struct sourcestats *sst = mk_sst(SST_REFCLOCK);
	struct sample s;
	int64_t t = T0;

	for (int i = 0; i < 20; i++, t += NS) {
		mk(&s, t, 0, 1e-6, 0, 6e-6, -1);
		ck_assert_int_eq(sst_add(sst, &s), 0);
	}
	mk(&s, t, 3e-6, 1e-6, 0, 6e-6, -1);
	ck_assert_int_eq(sst_add(sst, &s), 0);
	t += NS;
	mk(&s, t, 10e-6, 1e-6, 0, 6e-6, -1);
	ck_assert_int_eq(sst_add(sst, &s), 1);
	sst_destroy(sst);
}
END_TEST

/* A real 1 ms step: rejected max_reject_run - 1 times, then followed. */
START_TEST(refclock_step_followed)
{
	struct sourcestats *sst = mk_sst(SST_REFCLOCK);
	struct sst_estimate e;
	struct sample s;
	int64_t t;

	rng_seed(7);
	t = feed_gauss(sst, T0, 30, 0, 0, 1e-6);
	for (int i = 0; i < 7; i++) {
		t += NS;
		mk(&s, t, 1e-3 + 1e-6 * rng_gauss(), 1e-6, 0, 6e-6, -1);
		ck_assert_int_eq(sst_add(sst, &s), 1);
	}
	t += NS;
	mk(&s, t, 1e-3 + 1e-6 * rng_gauss(), 1e-6, 0, 6e-6, -1);
	ck_assert_int_eq(sst_add(sst, &s), 0);
	ck_assert_int_eq(sst_count(sst), 1);
	t = feed_gauss(sst, t + NS, 20, 1e-3, 0, 1e-6);
	ck_assert_uint_eq(sst_rejected(sst), 7);
	ck_assert_int_eq(sst_get(sst, t, 1e-6, &e), 0);
	ck_assert_double_lt(fabs(e.offset_s - 1e-3), 3e-6);
	sst_destroy(sst);
}
END_TEST

/* Ordinary least squares over the last n points: the fixed-window foil. */
static double
ols_predict(const double *x, const double *y, int n, double at)
{
	double mx = 0, my = 0, sxx = 0, sxy = 0;

	for (int i = 0; i < n; i++) {
		mx += x[i] / n;
		my += y[i] / n;
	}
	for (int i = 0; i < n; i++) {
		sxx += (x[i] - mx) * (x[i] - mx);
		sxy += (x[i] - mx) * (y[i] - my);
	}
	return my + sxy / sxx * (at - mx);
}

/*
 * 64 s at zero frequency, then the local oscillator jumps by 10 ppm: the
 * runs test must shrink the window so that 20 s later the prediction is
 * back within a few us, where a fixed 64-sample window is ~50 us off.
 * A packet source without delays has no outlier filter, so this is the
 * runs test alone; a reference clock first rejects the jump as outliers,
 * then follows it (max_reject_run) and must recover as well.
 */
static void
run_freq_change(enum sst_kind kind, struct sst_estimate *e, double *err)
{
	struct sourcestats *sst = mk_sst(kind);
	double x[84], y[84], tr = 0;
	struct sample s;
	int64_t t = T0;

	rng_seed(8);
	for (int i = 0; i < 84; i++, t += NS) {
		tr = i < 64 ? 0 : 1e-5 * (i - 63);
		x[i] = i;
		y[i] = tr + 1e-6 * rng_gauss();
		mk(&s, t, y[i], 1e-6, 0, 6e-6, -1);
		ck_assert_int_ge(sst_add(sst, &s), 0);
	}
	t -= NS;
	ck_assert_int_eq(sst_get(sst, t, 1e-6, e), 0);
	*err = fabs(e->offset_s - tr);
	/* the scenario does need the adaptive window */
	ck_assert_double_gt(fabs(ols_predict(x + 20, y + 20, 64, 83) - tr), 20e-6);
	sst_destroy(sst);
}

START_TEST(adaptive_window_after_freq_change)
{
	struct sst_estimate e;
	double err;

	run_freq_change(SST_PACKET, &e, &err);
	ck_assert_uint_eq(e.rejected, 0);
	ck_assert_int_le(e.n_used, 30);
	ck_assert_double_lt(err, 4e-6);
	ck_assert_double_lt(err, 4 * e.offset_se_s);
	ck_assert_double_lt(fabs(e.freq - 1e-5), 5e-7);

	run_freq_change(SST_REFCLOCK, &e, &err);
	ck_assert_uint_gt(e.rejected, 0);
	ck_assert_int_le(e.n_used, 30);
	ck_assert_double_lt(err, 4e-6);
	ck_assert_double_lt(err, 4 * e.offset_se_s);
	ck_assert_double_lt(fabs(e.freq - 1e-5), 1e-6);
}
END_TEST

/*
 * Adjusting the clock is an exact linear change of every stored offset:
 * the prediction moves by exactly -dstep - dfreq (now - at), the frequency
 * by -dfreq; standard errors, window and hard bound stay as they were.
 */
START_TEST(clock_adjusted_algebra)
{
	struct sourcestats *sst = mk_sst(SST_REFCLOCK);
	struct sst_estimate a, b;
	int64_t t, at, now;
	const double dfreq = 3e-6, dstep = 2e-5;

	rng_seed(9);
	t = feed_gauss(sst, T0, 30, 5e-5, 1e-6, 1e-6);
	at = t - 10 * NS + NS / 2;
	now = t + 7 * NS;
	ck_assert_int_eq(sst_get(sst, now, 1e-6, &a), 0);
	sst_clock_adjusted(sst, at, dfreq, dstep);
	ck_assert_int_eq(sst_get(sst, now, 1e-6, &b), 0);
	ck_assert_double_eq_tol(b.offset_s,
	    a.offset_s - dstep - dfreq * (double)(now - at) / NS, 1e-13);
	ck_assert_double_eq_tol(b.freq, a.freq - dfreq, 1e-13);
	ck_assert_double_eq_tol(b.offset_se_s, a.offset_se_s, 1e-15);
	ck_assert_double_eq_tol(b.freq_se, a.freq_se, 1e-15);
	ck_assert_double_eq_tol(b.hard_bound_s, a.hard_bound_s, 1e-13);
	ck_assert_int_eq(b.n_used, a.n_used);
	sst_destroy(sst);
}
END_TEST

/*
 * Closed loop: the local clock gains 5 ppm on the reference; after 30 s it
 * is stepped by the estimate and its frequency corrected. With
 * sst_clock_adjusted the old samples keep fitting, nothing is rejected,
 * the window keeps them and the estimate follows the clock as it now runs.
 * Without it (the control) the old samples no longer fit and are thrown
 * away.
 */
static void
run_closed_loop(enum sst_kind kind, bool tell, struct sst_estimate *e,
    double *true_now)
{
	struct sourcestats *sst = mk_sst(kind);
	const double y0 = 5e-6, off0 = 1e-4;
	double dstep = 0, dfreq = 0;
	int64_t t = T0, at = 0;
	struct sample s;

	rng_seed(10);
	for (int i = 0; i < 60; i++, t += NS) {
		double tr = truth(off0, y0, t);

		if (i >= 30)
			tr -= dstep + dfreq * (double)(t - at) / NS;
		mk(&s, t, tr + 1e-6 * rng_gauss(), 1e-6, 0, 6e-6, -1);
		ck_assert_int_eq(sst_add(sst, &s), 0);
		if (i == 29) {
			at = t + NS / 2;
			ck_assert_int_eq(sst_get(sst, at, 1e-6, e), 0);
			dstep = e->offset_s;
			dfreq = e->freq;
			if (tell)
				sst_clock_adjusted(sst, at, dfreq, dstep);
		}
	}
	t -= NS;
	*true_now = truth(off0, y0, t) - dstep - dfreq * (double)(t - at) / NS;
	ck_assert_int_eq(sst_get(sst, t, 1e-6, e), 0);
	sst_destroy(sst);
}

START_TEST(clock_adjusted_closed_loop)
{
	struct sst_estimate e;
	double tr;

	run_closed_loop(SST_REFCLOCK, true, &e, &tr);
	ck_assert_uint_eq(e.rejected, 0);
	ck_assert_int_ge(e.n_used, 55);
	ck_assert_double_lt(fabs(e.offset_s - tr), 3 * e.offset_se_s);
	ck_assert_double_lt(fabs(e.freq), 3 * e.freq_se + 1e-7);
	ck_assert_double_le(fabs(e.offset_s - tr), e.hard_bound_s);

	/* the control: a packet source without delays, which rejects nothing */
	run_closed_loop(SST_PACKET, false, &e, &tr);
	ck_assert_int_le(e.n_used, 35);
}
END_TEST

/*
 * The estimate's budget: the newest sample's Type B items as they are,
 * its Type A items replaced by "statistics" = offset_se_s.
 */
START_TEST(budget_of_estimate)
{
	struct sourcestats *sst = mk_sst(SST_PACKET);
	const struct budget_item *it;
	struct sst_estimate e;
	struct sample s;
	int64_t t = T0;

	for (int i = 0; i < 10; i++, t += NS) {
		mk(&s, t, 1e-6 * (i % 3), 1e-6, 10e-6, 1e-4, -1);
		budget_add(&s.budget, "calibration", 5e-9, BUDGET_TYPE_B, "cable");
		ck_assert_int_eq(sst_add(sst, &s), 0);
	}
	t -= NS;
	ck_assert_int_eq(sst_get(sst, t + 3 * NS, 0, &e), 0);
	ck_assert_int_eq(e.budget.n, 3);
	ck_assert_ptr_null(budget_find(&e.budget, "noise"));
	it = budget_find(&e.budget, "asymmetry");
	ck_assert_ptr_nonnull(it);
	/* every sample declared 10 us: their weighted mean, to rounding */
	ck_assert_double_eq_tol(it->u_s, 10e-6, 1e-18);
	ck_assert_int_eq(it->kind, BUDGET_TYPE_B);
	ck_assert_ptr_nonnull(budget_find(&e.budget, "calibration"));
	it = budget_find(&e.budget, "statistics");
	ck_assert_ptr_nonnull(it);
	ck_assert_int_eq(it->kind, BUDGET_TYPE_A);
	ck_assert_double_eq(it->u_s, e.offset_se_s);
	ck_assert_int_eq(e.n_used, 10);
	ck_assert_uint_eq(e.n_total, 10);
	ck_assert_double_eq_tol(e.span_s, 9, 1e-12);
	ck_assert_double_eq_tol(e.age_s, 3, 1e-12);
	ck_assert(e.last_mono_ns == t);
	sst_destroy(sst);
}
END_TEST

/* A sample with a full budget of Type B items: two are merged to make room. */
START_TEST(budget_full_folds)
{
	struct sourcestats *sst = mk_sst(SST_PACKET);
	struct sst_estimate e;
	struct sample s;
	double typeb2 = 0, got2 = 0;

	mk(&s, T0, 0, 0, 0, 1e-4, -1);
	for (int i = 0; i < BUDGET_MAX_ITEMS; i++) {
		char name[] = { 'b', (char)('a' + i), 0 };

		budget_add(&s.budget, name, 1e-6 * (i + 1), BUDGET_TYPE_B, "");
		typeb2 += 1e-12 * (i + 1) * (i + 1);
	}
	ck_assert_int_eq(sst_add(sst, &s), 0);
	ck_assert_int_eq(sst_get(sst, T0, 0, &e), 0);
	ck_assert_int_eq(e.budget.n, BUDGET_MAX_ITEMS);
	ck_assert_ptr_nonnull(budget_find(&e.budget, "statistics"));
	ck_assert_ptr_nonnull(budget_find(&e.budget, "other Type B"));
	ck_assert_ptr_nonnull(budget_find(&e.budget, "bl"));
	for (int i = 0; i < e.budget.n; i++)
		if (e.budget.item[i].kind == BUDGET_TYPE_B)
			got2 += e.budget.item[i].u_s * e.budget.item[i].u_s;
	ck_assert_double_eq_tol(got2, typeb2, 1e-20);
	sst_destroy(sst);
}
END_TEST

/*
 * Type B rows follow the window, not the newest sample alone: with the
 * asymmetry of alternate samples 10 us and 40 us (equal weights), the
 * estimate's row is their mean whichever came last, so u does not jump
 * with each packet.
 */
START_TEST(budget_type_b_is_window_mean)
{
	struct sourcestats *sst = mk_sst(SST_REFCLOCK);
	struct sst_estimate e;
	const struct budget_item *it;
	struct sample s;
	int64_t t = T0;

	for (int i = 0; i < 16; i++, t += NS) {
		/* equal weights: the same random part for both kinds */
		mk(&s, t, 0, 1e-6, i % 2 ? 40e-6 : 10e-6, 1e-3, -1);
		ck_assert_int_eq(sst_add(sst, &s), 0);
		ck_assert_int_eq(sst_get(sst, t, 0, &e), 0);
		it = budget_find(&e.budget, "asymmetry");
		ck_assert_ptr_nonnull(it);
		if (i > 0)
			ck_assert_double_eq_tol(it->u_s, 25e-6, 1e-6 +
			    15e-6 / (i + 1));
	}
	ck_assert_double_eq_tol(it->u_s, 25e-6, 1e-9);
	ck_assert_str_eq(it->origin, "test");
	sst_destroy(sst);
}
END_TEST

/*
 * sst_samples_since: the raw samples newer than an instant, oldest first,
 * with their offsets rewritten for clock adjustments and only their random
 * (Type A) uncertainty; rejected samples are not among them.
 */
START_TEST(samples_since_raw_and_adjusted)
{
	struct sourcestats *sst = mk_sst(SST_REFCLOCK);
	struct sst_raw raw[8];
	struct sample s;
	int64_t t = T0;

	for (int i = 0; i < 6; i++, t += NS) {
		mk(&s, t, 1e-3 + (i % 2 ? 1e-6 : -1e-6), 1e-6, 5e-6, 1e-5, -1);
		ck_assert_int_eq(sst_add(sst, &s), 0);
	}
	mk(&s, t, 1.0, 1e-6, 5e-6, 1e-5, -1);		/* an outlier */
	ck_assert_int_eq(sst_add(sst, &s), 1);
	ck_assert_int_eq(sst_samples_since(sst, T0 + 3 * NS, raw, 8), 2);
	ck_assert(raw[0].mono_ns == T0 + 4 * NS && raw[1].mono_ns == T0 + 5 * NS);
	ck_assert_double_eq_tol(raw[0].offset_s, 1e-3 - 1e-6, 1e-15);
	ck_assert_double_eq_tol(raw[1].offset_s, 1e-3 + 1e-6, 1e-15);
	/* Type A only: the 5 us Type B item does not average and stays out */
	ck_assert_double_ge(raw[1].u_a_s, 1e-6 * 0.999999);
	ck_assert_double_lt(raw[1].u_a_s, 2e-6);
	ck_assert_int_eq(sst_samples_since(sst, T0 + 5 * NS, raw, 8), 0);
	ck_assert_int_eq(sst_samples_since(sst, T0 - NS, raw, 4), 4);
	ck_assert(raw[0].mono_ns == T0);
	/* step +2 ms and +10 ppm at T0 + 6 s: offset' = offset - 2e-3 - 1e-5 (t - at) */
	sst_clock_adjusted(sst, T0 + 6 * NS, 1e-5, 2e-3);
	ck_assert_int_eq(sst_samples_since(sst, T0 + 4 * NS, raw, 8), 1);
	ck_assert_double_eq_tol(raw[0].offset_s, 1e-3 + 1e-6 - 2e-3 + 1e-5, 1e-15);
	ck_assert_int_eq(sst_samples_since(NULL, 0, raw, 8), -1);
	ck_assert_int_eq(sst_samples_since(sst, 0, NULL, 8), -1);
	sst_destroy(sst);
}
END_TEST

/*
 * A sample's random u grows (never shrinks) with the window's scatter when
 * that exceeds the declared noise, and a queued packet carries half its
 * extra delay.
 */
START_TEST(samples_since_scaled_and_inflated)
{
	struct sourcestats *sst = mk_sst(SST_PACKET);
	struct sst_raw raw[1];
	struct sample s;
	int64_t t = T0;

	rng_seed(7);
	/* packet kind without delays: no outlier filter, no inflation */
	/* declares 1 us, scatters 3 us */
	for (int i = 0; i < 64; i++, t += NS) {
		mk(&s, t, 3e-6 * rng_gauss(), 1e-6, 0, 1e-4, -1);
		ck_assert_int_eq(sst_add(sst, &s), 0);
	}
	ck_assert_int_eq(sst_samples_since(sst, t - 2 * NS, raw, 1), 1);
	ck_assert_double_gt(raw[0].u_a_s, 2.2e-6);
	ck_assert_double_lt(raw[0].u_a_s, 4e-6);
	sst_destroy(sst);

	/* declares 3 us, scatters 1 us: not scaled down */
	sst = mk_sst(SST_PACKET);
	t = T0;
	for (int i = 0; i < 64; i++, t += NS) {
		mk(&s, t, 1e-6 * rng_gauss(), 3e-6, 0, 1e-4, -1);
		ck_assert_int_eq(sst_add(sst, &s), 0);
	}
	ck_assert_int_eq(sst_samples_since(sst, t - 2 * NS, raw, 1), 1);
	ck_assert_double_eq_tol(raw[0].u_a_s, 3e-6, 1e-12);
	sst_destroy(sst);

	/* packets: minimum delay 1 ms, the newest 1.4 ms: +0.2 ms in quadrature */
	sst = mk_sst(SST_PACKET);
	t = T0;
	for (int i = 0; i < 8; i++, t += NS) {
		mk(&s, t, 0, 10e-6, 0, 1e-3, i == 7 ? 1.4e-3 : 1e-3);
		ck_assert_int_eq(sst_add(sst, &s), 0);
	}
	ck_assert_int_eq(sst_samples_since(sst, t - 2 * NS, raw, 1), 1);
	ck_assert_double_ge(raw[0].u_a_s, hypot(10e-6, 0.2e-3) * 0.999999);
	sst_destroy(sst);
}
END_TEST

static Suite *
sourcestats_suite(void)
{
	Suite *s = suite_create("sourcestats");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, empty_get_fails);
	tcase_add_test(tc, few_samples_se_not_zero);
	tcase_add_test(tc, invalid_samples_rejected);
	tcase_add_test(tc, bad_params);
	tcase_add_test(tc, estimates_and_se_calibrated);
	tcase_add_test(tc, stationary_keeps_window);
	tcase_add_test(tc, window_capped);
	tcase_add_test(tc, hard_bound_covers_truth);
	tcase_add_test(tc, hard_bound_inconsistent_fallback);
	tcase_add_test(tc, packet_delay_spikes);
	tcase_add_test(tc, refclock_outlier_rejected);
	tcase_add_test(tc, refclock_mad_floor);
	tcase_add_test(tc, refclock_step_followed);
	tcase_add_test(tc, adaptive_window_after_freq_change);
	tcase_add_test(tc, clock_adjusted_algebra);
	tcase_add_test(tc, clock_adjusted_closed_loop);
	tcase_add_test(tc, budget_of_estimate);
	tcase_add_test(tc, budget_full_folds);
	tcase_add_test(tc, budget_type_b_is_window_mean);
	tcase_add_test(tc, samples_since_raw_and_adjusted);
	tcase_add_test(tc, samples_since_scaled_and_inflated);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(sourcestats_suite());
}

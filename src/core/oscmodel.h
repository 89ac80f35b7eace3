/*
 * oscmodel.h - an online model of the local oscillator, learned from its
 * own frequency history, with the configured class as prior and floor.
 * Pure: no I/O, no clock reads.
 *
 * Noise model, in Allan variance (tau in seconds):
 *
 *   ADEV^2(tau) = a / tau  +  b tau  +  c tau^2
 *                 white FM    RW FM     drift (aging + temperature slope)
 *
 *   a = sigma1^2           (sigma1 = ADEV of white FM at 1 s; h0 = 2 a)
 *   b = q^2 / 3            (q = random-walk FM rate, fractional/sqrt(s))
 *   c = R^2 / 2            (R = rms frequency slope, fractional/s)
 *
 * and the time-error variance accumulated t seconds into holdover with
 * the frequency held at its last estimate (uncertainty fu0):
 *
 *   u^2(t) = (fu0 t)^2 + a t + b t^3 + (R t^2 / 2)^2
 *
 * (white FM: x is a random walk of variance h0/2 per second; RW FM:
 * var of the integral of a Wiener process = q^2 t^3 / 3; both are
 * tau^2 ADEV^2(tau), the rule sigma_x = tau sigma_y of SP 1065.)
 *
 * The hard bound is
 *
 *   bound(t) = OSC_K_BOUND sqrt((fu0 t)^2 + a t + b t^3) + R_max t^2 / 2
 *
 * with R_max = 2 R (a sinusoid's peak slope is sqrt(2) times its rms).
 */
#ifndef TSYNC_OSCMODEL_H
#define TSYNC_OSCMODEL_H

#include <stdbool.h>
#include <stdint.h>

enum osc_class {
	OSC_SERVER_XTAL,
	OSC_TCXO,
	OSC_OCXO,
	OSC_RUBIDIUM,
	OSC_CUSTOM,
};

/* Coverage factor of the random part of the hard bound. */
#define OSC_K_BOUND		5.0
/* Learned figures never go below the prior divided by this (in ADEV and
 * in rates, i.e. 1/16 in variance). */
#define OSC_FLOOR_DIV		4.0
/* Width of a history bin (the base averaging time), s. */
#define OSC_BASE_TAU_S		64
/* History kept: OSC_NBINS bins of OSC_BASE_TAU_S (72.8 h). */
#define OSC_NBINS		4096
/* ADEV levels tau = 2^k OSC_BASE_TAU_S, k < OSC_LEVELS (64 s .. 18 h). */
#define OSC_LEVELS		11

/*
 * Figures of a class: conservative worst cases (datasheet-like), because
 * they are the bound until the model has learned, and a quarter of them
 * is the floor afterwards.
 */
struct osc_prior {
	double	wfm_adev1;	/* white FM, ADEV at 1 s */
	double	rwfm_rate;	/* q, fractional/sqrt(s) */
	double	aging_per_day;	/* |D|, fractional/day */
	double	temp_rate;	/* largest temperature-driven |dy/dt|, 1/s */
};

enum osc_source {
	OSC_FROM_PRIOR,		/* too little history: prior figures */
	OSC_FROM_HISTORY,	/* learned, each figure at least the floor */
};

/* The figures in use (after prior/floor), for status output. */
struct osc_coeffs {
	double		wfm_adev1;	/* sqrt(a) */
	double		rwfm_rate;	/* sqrt(3 b) */
	double		drift_rms;	/* R = sqrt(2 c), 1/s */
	double		drift_max;	/* R_max used by the bound, 1/s */
	double		fit_a, fit_b, fit_c; /* raw fit; 0 when none */
	enum osc_source	source;
	long		n_points;	/* frequency estimates accepted */
	double		span_s;		/* history covered */
};

/* One measured point of the overlapping ADEV (measurement noise included). */
struct osc_adev_point {
	double	tau_s;
	double	adev;
	double	noise_adev;	/* what independent measurement errors would add */
	int	n_terms;	/* overlapping differences averaged */
};

struct osc_growth {
	double	u_s;		/* standard uncertainty of the holdover error */
	double	bound_s;	/* what max_error must add */
};

struct oscmodel;

/* Prior figures of a class; -1 for OSC_CUSTOM or an unknown class. */
int	osc_prior_for(enum osc_class cls, struct osc_prior *out);
const char *osc_class_name(enum osc_class cls);

/* custom is used (and required) only for OSC_CUSTOM. NULL on bad input. */
struct oscmodel *osc_create(enum osc_class cls, const struct osc_prior *custom);
void	osc_destroy(struct oscmodel *m);
/* Forget the history (e.g. after the clock was stepped by someone else). */
void	osc_reset(struct oscmodel *m);

/*
 * A frequency estimate of the free-running oscillator (fractional, local
 * relative to reference; add back any correction the servo applied) at
 * CLOCK_MONOTONIC mono_ns, with its standard uncertainty freq_u (> 0).
 * Non-finite input or one older than the history is ignored: returns -1.
 */
int	osc_add_freq(struct oscmodel *m, int64_t mono_ns, double freq,
	    double freq_u);

/* Growth t_s seconds after the last good measurement (see above). */
void	osc_holdover(const struct oscmodel *m, double t_s, double freq_u0,
	    struct osc_growth *out);
/*
 * Standard uncertainty of a frequency averaged over the last window_s
 * (with measurement uncertainty meas_u) as the estimate of the frequency
 * at the window's end: sqrt(meas_u^2 + a/T + b T + (R T / 2)^2). A
 * convenient freq_u0 for a caller that holds its last average.
 */
double	osc_freq_u(const struct oscmodel *m, double window_s, double meas_u);
/* A bound on |y(t + span) - y(t)|:
 * OSC_K_BOUND sqrt(2 a / span + q^2 span) + R_max span. */
double	osc_freq_bound(const struct oscmodel *m, double span_s);

/* Model ADEV at tau (from the figures in use). */
double	osc_adev(const struct oscmodel *m, double tau_s);
void	osc_coeffs(const struct oscmodel *m, struct osc_coeffs *out);
/* Measured points, shortest tau first; returns how many were written. */
int	osc_adev_points(const struct oscmodel *m, struct osc_adev_point *out,
	    int max);

#endif

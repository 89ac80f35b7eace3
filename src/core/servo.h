/*
 * servo.h - steers the disciplined clock from the combined offset: a
 * two-state Kalman filter over [phase, frequency] with the oscillator as
 * process noise, frequency-only steering, and a step policy.
 *
 * Units and signs (see sample.h):
 *  - x = reference - local, in seconds;
 *  - frequencies are FRACTIONAL (s/s; 1e-6 = 1 ppm = 1000 ppb), positive
 *    meaning the clock must run faster. y is the frequency correction the
 *    free-running oscillator needs: with no correction applied x grows at
 *    rate y. freq_cmd is what the caller sets on the clock
 *    (clock_adjust_frequency(c, freq_cmd * 1e9)), so under freq_cmd x grows
 *    at y - freq_cmd;
 *  - instants are CLOCK_MONOTONIC int64 ns.
 *
 * The servo assumes that the caller applies every freq_cmd (and step) it
 * returns, immediately; when it applied something else (the clock refused,
 * holdover), it says so with servo_applied() so that the filter never
 * mistakes its own steering for oscillator drift.
 *
 * Pure: no I/O, no clock reads; deterministic.
 */
#ifndef TSYNC_SERVO_H
#define TSYNC_SERVO_H

#include <stdbool.h>
#include <stdint.h>

enum servo_action {
	SERVO_NONE,	/* nothing to apply (sample rejected before any state) */
	SERVO_SLEW,	/* set the frequency to freq_cmd */
	SERVO_STEP,	/* step the clock by +step_s, then set freq_cmd */
};

enum servo_state {
	SERVO_UNLOCKED,	/* no sample yet, or just reset */
	SERVO_LOCKING,	/* tracking, offset not yet down to its uncertainty */
	SERVO_LOCKED,	/* offset and frequency consistent with the noise */
};

struct servo_params {
	double	step_threshold_s;	/* step when |x| exceeds it; 0 = never */
	int	step_limit;		/* steps allowed (default 1); < 0 = unlimited */
	double	max_freq;		/* |freq_cmd| clamp, fractional (5e-4) */
	double	max_slew;		/* |freq_cmd - y| clamp, fractional (5e-4) */
	double	q_wfm;			/* white FM diffusion, s^2/s: ADEV^2(tau) = q_wfm/tau + ... */
	double	q_rwfm;			/* random-walk FM diffusion, 1/s: ... + q_rwfm*tau/3 */
	double	initial_freq;		/* prior y (drift file), fractional; also the
					 * frequency the clock is assumed to run at */
	double	initial_freq_u;		/* its standard uncertainty; <= 0: max_freq */
};

struct servo_out {
	enum servo_action action;
	double		step_s;		/* SERVO_STEP: step the clock by this */
	double		freq_cmd;	/* total frequency to set, fractional */
	double		x_est, x_u;	/* phase after this update (and step), s */
	double		y_est, y_u;	/* oscillator frequency correction, fractional */
	enum servo_state state;
	double		tau_s;		/* phase-correction time constant used */
	double		innov_s;	/* innovation z - predicted x */
	double		innov_u;	/* its predicted standard deviation */
};

struct servo;

/* Defaults: step 100 ms, limit 1, 500 ppm clamps, a server crystal's noise. */
void	servo_params_default(struct servo_params *p);
/* NULL on allocation failure or invalid params (negative/non-finite). */
struct servo *servo_create(const struct servo_params *p);
void	servo_destroy(struct servo *s);

/*
 * One measurement: offset_s = reference - local at mono_ns, u_s its
 * standard uncertainty (> 0), confirmed when selection vouches for the
 * offset (majority agrees) so that a step is allowed. Samples must come in
 * non-decreasing mono_ns order; invalid ones (non-finite, u_s <= 0, going
 * backwards) are ignored and give SERVO_NONE. Returns out->action.
 */
enum servo_action servo_sample(struct servo *s, int64_t mono_ns, double offset_s,
	    double u_s, bool confirmed, struct servo_out *out);

/*
 * State and standard uncertainties propagated to a later instant without a
 * measurement (holdover), assuming the last applied frequency stays set.
 * Any pointer may be NULL. Before the first sample x = 0 with infinite u.
 */
void	servo_predict(const struct servo *s, int64_t mono_ns, double *x,
	    double *x_u, double *y, double *y_u);

/*
 * The caller set freq (fractional) on the clock at mono_ns instead of the
 * last freq_cmd, e.g. y_est when entering holdover. The filter advances
 * to mono_ns under the old frequency first.
 */
void	servo_applied(struct servo *s, int64_t mono_ns, double freq);

/*
 * The reference moved by dx_s, known exactly (a leap-second ramp that the
 * clock's feed-forward started a moment late, engine.c "leap"): the phase
 * estimate moves with it, its uncertainty and the lock do not change.
 */
void	servo_shift(struct servo *s, double dx_s);

/*
 * Forget phase and lock; keep the frequency estimate as the prior with the
 * initial uncertainty. Steps already taken still count against the limit.
 */
void	servo_reset(struct servo *s);

enum servo_state servo_state(const struct servo *s);
const char *servo_state_name(enum servo_state st);
double	servo_freq(const struct servo *s);	/* y_est, fractional */
double	servo_freq_u(const struct servo *s);
double	servo_applied_freq(const struct servo *s);
int	servo_steps(const struct servo *s);	/* steps taken so far */

#endif

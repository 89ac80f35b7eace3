/*
 * servo.c - Kalman filter over [phase x, frequency y] and frequency-only
 * steering, in the way of chrony (phase removed by a temporary frequency
 * offset) rather than the kernel PLL.
 *
 * Model, between two instants dt apart, with u the frequency the caller
 * had applied (the control input):
 *
 *	x' = x + (y - u) dt + w_x		F = [1 dt; 0 1], B = [-dt; 0]
 *	y' = y + w_y
 *	Q  = [ q1 dt + q2 dt^3/3   q2 dt^2/2 ]
 *	     [ q2 dt^2/2           q2 dt     ]
 *
 * q1 (white FM) and q2 (random-walk FM) are the oscillator's diffusion
 * coefficients, ADEV^2(tau) = q1/tau + q2 tau/3. A measurement z of x with
 * standard uncertainty u_s updates with H = [1 0], R = u_s^2.
 *
 * Because u enters the phase equation, y estimates the free-running
 * oscillator's correction whatever the servo does; it is what the drift
 * file stores.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "servo.h"

#define NS_PER_S	1e9

/* Locked when |x| < LOCK_K sqrt(Pxx) and sqrt(Pyy) dt <= sqrt(Pxx) ... */
#define LOCK_K		3.0
/* ... for LOCK_N updates in a row; LOCK_N failures in a row unlock. */
#define LOCK_N		4
/* An innovation beyond OUTLIER_K sigma is not used; OUTLIER_N in a row reset. */
#define OUTLIER_K	10.0
#define OUTLIER_N	3
/*
 * RUN_N innovations in a row of one sign (probability 2^-(RUN_N-1) when
 * the model holds) mean the filter's frequency is off and it is too sure
 * of it: Pyy and Pxx are widened to what the run shows (inflate_on_run).
 */
#define RUN_N		10
#define RUN_Z		3.0
/* ... over at least this long: faster runs are short-term noise the
 * frequency is not to chase (a 1 s reference's correlated jitter). */
#define RUN_SPAN_S	300.0
#define TAU_FLOOR_S	1.0
#define TAU_MAX_S	1e5

struct kstate {
	double	x, y;
	double	pxx, pxy, pyy;
};

struct servo {
	struct servo_params p;
	bool		have_state;	/* x has been measured at least once */
	int64_t		t_ns;		/* instant of k */
	struct kstate	k;
	double		u;		/* frequency applied since t_ns */
	double		last_dt_s;	/* interval between the last two samples */
	enum servo_state state;
	int		good_run;	/* consecutive updates meeting the lock test */
	int		fail_run;	/* consecutive updates failing it */
	int		outlier_run;
	int		steps;
	int		sign_run;	/* innovations of one sign in a row (signed count) */
	double		run_sum;	/* their sum, s */
	double		run_var;	/* the sum of their predicted variances, s^2 */
	int64_t		run_t0;		/* the first one's instant */
};

void
servo_params_default(struct servo_params *p)
{
	memset(p, 0, sizeof(*p));
	p->step_threshold_s = 0.1;
	p->step_limit = 1;
	p->max_freq = 500e-6;
	p->max_slew = 500e-6;
	/* A server crystal: ADEV 1e-9 at 1 s, 1e-7 at a day from RWFM. */
	p->q_wfm = 1e-18;
	p->q_rwfm = 1e-18;
	p->initial_freq = 0.0;
	p->initial_freq_u = 0.0;
}

static bool
params_valid(const struct servo_params *p)
{
	const double v[] = { p->step_threshold_s, p->max_freq, p->max_slew,
	    p->q_wfm, p->q_rwfm, p->initial_freq, p->initial_freq_u };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!isfinite(v[i]))
			return false;
	return p->step_threshold_s >= 0 && p->max_freq > 0 && p->max_slew > 0 &&
	    p->q_wfm >= 0 && p->q_rwfm >= 0 && fabs(p->initial_freq) <= p->max_freq;
}

struct servo *
servo_create(const struct servo_params *p)
{
	struct servo *s;

	if (!params_valid(p))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->p = *p;
	if (s->p.initial_freq_u <= 0)
		s->p.initial_freq_u = s->p.max_freq;
	s->k.y = p->initial_freq;
	s->u = p->initial_freq;
	servo_reset(s);
	return s;
}

void
servo_destroy(struct servo *s)
{
	free(s);
}

void
servo_reset(struct servo *s)
{
	s->have_state = false;
	s->k.x = 0;
	s->k.pxx = 0;
	s->k.pxy = 0;
	s->k.pyy = s->p.initial_freq_u * s->p.initial_freq_u;
	s->last_dt_s = 0;
	s->state = SERVO_UNLOCKED;
	s->good_run = 0;
	s->fail_run = 0;
	s->outlier_run = 0;
	s->sign_run = 0;
	s->run_sum = 0;
	s->run_var = 0;
}

/* Time update over dt seconds under the applied frequency u. */
static void
propagate(struct kstate *k, double u, double dt, double q1, double q2)
{
	double dt2 = dt * dt;

	k->x += (k->y - u) * dt;
	k->pxx += 2 * dt * k->pxy + dt2 * k->pyy + q1 * dt + q2 * dt2 * dt / 3;
	k->pxy += dt * k->pyy + q2 * dt2 / 2;
	k->pyy += q2 * dt;
}

/* Measurement update with innovation nu and its variance S = Pxx + R. */
static void
update(struct kstate *k, double nu, double r)
{
	double sv = k->pxx + r;
	double kx = k->pxx / sv, ky = k->pxy / sv;
	double pxx = k->pxx, pxy = k->pxy;

	k->x += kx * nu;
	k->y += ky * nu;
	k->pxx = pxx * r / sv;
	k->pxy = pxy * r / sv;
	k->pyy -= pxy * pxy / sv;
	/* Keep P positive definite against rounding. */
	if (k->pyy < 1e-300)
		k->pyy = 1e-300;
	if (k->pxy * k->pxy > k->pxx * k->pyy)
		k->pxy = copysign(sqrt(k->pxx * k->pyy), k->pxy);
}

/*
 * The averaging time at which the oscillator's own free-running phase
 * variance, q1 tau + q2 tau^3 / 3, equals the current phase variance Pxx:
 * steering faster chases measurement noise, slower lets the oscillator
 * wander. Bisection in log(tau): the left side is monotonic.
 */
static double
tau_noise(const struct servo *s, double tau_min)
{
	double lo = log(tau_min), hi = log(TAU_MAX_S);
	double q1 = s->p.q_wfm, q2 = s->p.q_rwfm, pxx = s->k.pxx;

	if (q1 * TAU_MAX_S + q2 * TAU_MAX_S * TAU_MAX_S * TAU_MAX_S / 3 <= pxx)
		return TAU_MAX_S;
	for (int i = 0; i < 40; i++) {
		double mid = (lo + hi) / 2, t = exp(mid);

		if (q1 * t + q2 * t * t * t / 3 < pxx)
			lo = mid;
		else
			hi = mid;
	}
	return exp(hi);
}

/*
 * tau_noise, shortened in proportion when the offset stands out of its
 * uncertainty (r = |x| / (LOCK_K sqrt(Pxx)) > 1): an offset that is
 * certainly there is signal, to be removed fast. Never below the sample
 * interval (nor 1 s), so that one interval never corrects more than x.
 */
static double
choose_tau(const struct servo *s)
{
	double tau_min = fmax(s->last_dt_s, TAU_FLOOR_S);
	double tau = tau_noise(s, tau_min);
	double r = fabs(s->k.x) / (LOCK_K * sqrt(s->k.pxx));

	if (r > 1)
		tau /= r;
	return fmin(fmax(tau, tau_min), TAU_MAX_S);
}

static double
clampd(double v, double lim)
{
	return fmax(-lim, fmin(lim, v));
}

static double
freq_command(const struct servo *s, double tau)
{
	double corr = clampd(s->k.x / tau, s->p.max_slew);

	return clampd(s->k.y + corr, s->p.max_freq);
}

static bool
lock_test(const struct servo *s)
{
	double sx = sqrt(s->k.pxx);

	return fabs(s->k.x) < LOCK_K * sx && sqrt(s->k.pyy) * s->last_dt_s <= sx;
}

static void
update_lock(struct servo *s)
{
	if (lock_test(s)) {
		s->fail_run = 0;
		if (++s->good_run >= LOCK_N)
			s->state = SERVO_LOCKED;
	} else {
		s->good_run = 0;
		if (s->state == SERVO_LOCKED && ++s->fail_run >= LOCK_N)
			s->state = SERVO_LOCKING;
	}
}

static bool
may_step(const struct servo *s, bool confirmed)
{
	if (s->p.step_threshold_s <= 0 || !confirmed)
		return false;
	if (s->p.step_limit >= 0 && s->steps >= s->p.step_limit)
		return false;
	return fabs(s->k.x) > s->p.step_threshold_s;
}

/* First sample, or after a reset: the phase is what was measured. */
static void
init_state(struct servo *s, int64_t mono_ns, double z, double r)
{
	s->have_state = true;
	s->t_ns = mono_ns;
	s->k.x = z;
	s->k.pxx = r;
	s->k.pxy = 0;
	s->state = SERVO_LOCKING;
}

/*
 * A run of RUN_N same-signed innovations: the phase has been walking away
 * from the filter's x at about mean/span, a frequency error the filter
 * rules out (seen under clknetsim, WAN, poll 64 s: a 0.6 ppm error held
 * for hours because a few early noisy samples made Pyy tiny). Widen Pyy
 * to that rate squared and Pxx to the mean squared, so that the next
 * samples move x and y; a model that holds rarely triggers it.
 */
static void
inflate_on_run(struct servo *s, int64_t mono_ns, double innov, double var)
{
	int sign = innov > 0 ? 1 : innov < 0 ? -1 : 0;
	double mean, span, rate;

	if (sign == 0 || (s->sign_run > 0) != (sign > 0) || s->sign_run == 0) {
		s->sign_run = sign;
		s->run_sum = innov;
		s->run_var = var;
		s->run_t0 = mono_ns;
		return;
	}
	s->sign_run += sign;
	s->run_sum += innov;
	s->run_var += var;
	/* ... and their sum far outside what the filter predicts (RUN_Z). */
	if (abs(s->sign_run) < RUN_N ||
	    fabs(s->run_sum) < RUN_Z * sqrt(s->run_var))
		return;
	mean = s->run_sum / abs(s->sign_run);
	span = (double)(mono_ns - s->run_t0) / NS_PER_S;
	if (span < RUN_SPAN_S)
		return;
	rate = fabs(mean) / span * 2;
	if (rate * rate > s->k.pyy)
		s->k.pyy = rate * rate;
	if (mean * mean > s->k.pxx)
		s->k.pxx = mean * mean;
	s->k.pxy = 0;
	s->sign_run = 0;
	s->run_sum = 0;
}

/*
 * Predict to mono_ns and fuse z unless the innovation is wildly
 * inconsistent; OUTLIER_N of those in a row mean the model is wrong
 * (someone stepped the clock, the reference jumped): start again from z.
 */
static void
filter_step(struct servo *s, int64_t mono_ns, double z, double r,
    struct servo_out *out)
{
	double dt = (double)(mono_ns - s->t_ns) / NS_PER_S;

	propagate(&s->k, s->u, dt, s->p.q_wfm, s->p.q_rwfm);
	s->t_ns = mono_ns;
	if (dt > 0)
		s->last_dt_s = dt;
	out->innov_s = z - s->k.x;
	out->innov_u = sqrt(s->k.pxx + r);
	if (fabs(out->innov_s) <= OUTLIER_K * out->innov_u) {
		s->outlier_run = 0;
		inflate_on_run(s, mono_ns, out->innov_s,
		    out->innov_u * out->innov_u);
		update(&s->k, out->innov_s, r);
		update_lock(s);
	} else if (++s->outlier_run >= OUTLIER_N) {
		servo_reset(s);
		init_state(s, mono_ns, z, r);
	}
}

static void
fill_out(const struct servo *s, struct servo_out *out, double tau)
{
	out->x_est = s->k.x;
	out->x_u = s->have_state ? sqrt(s->k.pxx) : INFINITY;
	out->y_est = s->k.y;
	out->y_u = sqrt(s->k.pyy);
	out->state = s->state;
	out->tau_s = tau;
	out->freq_cmd = s->u;
}

enum servo_action
servo_sample(struct servo *s, int64_t mono_ns, double offset_s, double u_s,
    bool confirmed, struct servo_out *out)
{
	double r = u_s * u_s, tau;

	memset(out, 0, sizeof(*out));
	if (!isfinite(offset_s) || !isfinite(u_s) || u_s <= 0 || r == 0 ||
	    (s->have_state && mono_ns < s->t_ns)) {
		fill_out(s, out, 0);
		return out->action = SERVO_NONE;
	}
	if (!s->have_state) {
		init_state(s, mono_ns, offset_s, r);
		out->innov_s = 0;
		out->innov_u = INFINITY;
	} else {
		filter_step(s, mono_ns, offset_s, r, out);
	}
	out->action = SERVO_SLEW;
	if (may_step(s, confirmed)) {
		out->action = SERVO_STEP;
		out->step_s = s->k.x;
		s->k.x = 0;	/* the step is exact; Pxx is unchanged */
		s->steps++;
		s->state = SERVO_LOCKING;
		s->good_run = 0;
	}
	tau = choose_tau(s);
	s->u = freq_command(s, tau);
	fill_out(s, out, tau);
	return out->action;
}

void
servo_predict(const struct servo *s, int64_t mono_ns, double *x, double *x_u,
    double *y, double *y_u)
{
	struct kstate k = s->k;

	if (s->have_state && mono_ns > s->t_ns)
		propagate(&k, s->u, (double)(mono_ns - s->t_ns) / NS_PER_S,
		    s->p.q_wfm, s->p.q_rwfm);
	if (x != NULL)
		*x = k.x;
	if (x_u != NULL)
		*x_u = s->have_state ? sqrt(k.pxx) : INFINITY;
	if (y != NULL)
		*y = k.y;
	if (y_u != NULL)
		*y_u = sqrt(k.pyy);
}

void
servo_applied(struct servo *s, int64_t mono_ns, double freq)
{
	if (!isfinite(freq))
		return;
	if (s->have_state && mono_ns > s->t_ns) {
		propagate(&s->k, s->u, (double)(mono_ns - s->t_ns) / NS_PER_S,
		    s->p.q_wfm, s->p.q_rwfm);
		s->t_ns = mono_ns;
	}
	s->u = freq;
}

void
servo_shift(struct servo *s, double dx_s)
{
	if (s->have_state && isfinite(dx_s))
		s->k.x += dx_s;
}

enum servo_state
servo_state(const struct servo *s)
{
	return s->state;
}

const char *
servo_state_name(enum servo_state st)
{
	switch (st) {
	case SERVO_UNLOCKED:
		return "unlocked";
	case SERVO_LOCKING:
		return "locking";
	case SERVO_LOCKED:
		return "locked";
	}
	return "?";
}

double
servo_freq(const struct servo *s)
{
	return s->k.y;
}

double
servo_freq_u(const struct servo *s)
{
	return sqrt(s->k.pyy);
}

double
servo_applied_freq(const struct servo *s)
{
	return s->u;
}

int
servo_steps(const struct servo *s)
{
	return s->steps;
}

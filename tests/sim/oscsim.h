/*
 * oscsim.h - a deterministic simulated free-running oscillator: the ground
 * truth of the simulation harness.
 *
 * x(t) is the time error of the local clock against true time (local -
 * true, seconds); y(t) = dx/dt its fractional frequency offset. The model
 * (Vig; NIST SP 1065):
 *
 *   y(t) = y0 + adj + w(t) + D t + A sin(2 pi t / P + phi) + white FM
 *   x(t) = x0 + integral of y + steps + white PM (on readings only)
 *
 * w(t) is a Wiener process (random-walk FM) with variance rate q^2, so
 * ADEV^2 = q^2 tau / 3; white FM with ADEV sigma1 at 1 s (h0 = 2 sigma1^2)
 * makes x a random walk of variance sigma1^2 per second. Every step is
 * integrated exactly (the pair [integral of w, w] is drawn from its joint
 * Gaussian), so results do not depend on the step size except through the
 * PRNG sequence. Same parameters + same seed + same steps = same numbers.
 */
#ifndef TSYNC_OSCSIM_H
#define TSYNC_OSCSIM_H

#include <stdint.h>

struct oscsim_params {
	double	wpm_s;		/* white PM on readings, 1 sigma, s */
	double	wfm_adev1;	/* white FM: ADEV at tau = 1 s */
	double	rwfm_rate;	/* random-walk FM: q, fractional/sqrt(s) */
	double	aging_per_day;	/* linear frequency drift, fractional/day */
	double	freq0;		/* initial fractional frequency offset */
	double	temp_amp;	/* daily sinusoid in frequency, amplitude */
	double	temp_period_s;	/* its period; 0 means 86400 */
	double	temp_phase;	/* its phase, radians */
};

/* The classes of oscmodel.h (server-xtal, tcxo, ocxo, rubidium). */
enum oscsim_preset {
	OSCSIM_SERVER_XTAL,
	OSCSIM_TCXO,
	OSCSIM_OCXO,
	OSCSIM_RUBIDIUM,
};

struct oscsim;

/* Typical (not worst-case) figures of that class; returns 0 or -1. */
int		oscsim_preset(enum oscsim_preset which, struct oscsim_params *p);

/* NULL on bad parameters or no memory. Starts at t = 0, x = 0. */
struct oscsim	*oscsim_create(const struct oscsim_params *p, uint64_t seed);
void		oscsim_destroy(struct oscsim *s);

/* Move true time on by dt_s > 0 (any size; exact integration). */
void		oscsim_advance(struct oscsim *s, double dt_s);
/* Seconds of true time since creation. */
double		oscsim_now(const struct oscsim *s);
/* x including the white PM of the current reading, s. */
double		oscsim_time_error(const struct oscsim *s);
/* x without white PM: the clock's own accumulated phase error, s. */
double		oscsim_phase(const struct oscsim *s);
/* Instantaneous fractional frequency without white PM/FM (which have no
 * instantaneous value). */
double		oscsim_freq(const struct oscsim *s);
/* The servo steers the clock: frequency += dfreq, x += dstep_s. */
void		oscsim_adjust(struct oscsim *s, double dfreq, double dstep_s);

/* The simulator's Gaussian source, exposed so tests share one seeded
 * stream: N(0, 1). */
double		oscsim_gauss(struct oscsim *s);
/* Uniform in [0, 1). */
double		oscsim_uniform(struct oscsim *s);

#endif

/*
 * clock_sim.c - a simulated oscillator for tests.
 *
 * Simulated time runs from CLOCK_MONOTONIC:
 *
 *   sim(m) = anchor + (m - anchor_mono) * (1 + rate * 1e-9) + noise
 *   rate   = cfg frequency offset + applied frequency + random-walk FM
 *
 * It starts at CLOCK_REALTIME + initial_offset at creation. The anchor is
 * moved to "now" before anything changes the rate, so frequency changes
 * never make the time jump, and at every read, which is where the
 * random-walk FM takes its next step (so the walk is integrated piecewise
 * over the intervals between reads). White phase noise is added to each
 * reading only, not to the anchor. The random numbers come from two
 * splitmix64 streams derived from the configured seed, one for the phase
 * noise and one for the wander, so the noise sequence is the same for a
 * seed however the wander is configured.
 *
 * Phase adjustments are applied at once, like steps: a simulated kernel
 * PLL would only delay them, and tests want to see the effect directly.
 * The status is kept in memory, as set, without the kernel's maxerror
 * growth.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfg.h"
#include "clock_private.h"
#include "tstime.h"

struct clock_sim {
	struct clock		base;
	struct cfg_sim		cfg;
	int64_t			anchor_mono_ns;	/* CLOCK_MONOTONIC */
	int64_t			anchor_ns;	/* sim time there, noise-free */
	double			anchor_frac_ns;	/* its sub-ns part, [0, 1) */
	double			applied_freq_ppb;
	double			wander_freq_ppb;
	uint64_t		noise_rng;
	uint64_t		wander_rng;
	struct clock_status	status;
};

static uint64_t
splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Standard normal deviate by Box-Muller; u1 in (0, 1] keeps log finite. */
static double
gauss(uint64_t *state)
{
	double u1 = (double)((splitmix64(state) >> 11) + 1) * 0x1.0p-53;
	double u2 = (double)(splitmix64(state) >> 11) * 0x1.0p-53;

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static int
mono_now(int64_t *ns)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
		*ns = 0;
		return errno > 0 ? -errno : -EIO;
	}
	*ns = tstime_from_timespec(&ts);
	return 0;
}

/* Move the anchor to mono_ns, integrating the rate since the last one. */
static void
advance(struct clock_sim *s, int64_t mono_ns)
{
	int64_t dt = mono_ns - s->anchor_mono_ns;
	double rate_ppb, extra, whole;

	if (dt <= 0)
		return;
	rate_ppb = s->cfg.freq_offset_ppb + s->applied_freq_ppb +
	    s->wander_freq_ppb;
	extra = (double)dt * rate_ppb * 1e-9 + s->anchor_frac_ns;
	whole = floor(extra);
	s->anchor_frac_ns = extra - whole;
	s->anchor_ns = tstime_add_sat(s->anchor_ns,
	    tstime_add_sat(dt, (int64_t)whole));
	s->anchor_mono_ns = mono_ns;
	if (s->cfg.wander_ppb > 0)
		s->wander_freq_ppb += s->cfg.wander_ppb *
		    sqrt((double)dt * 1e-9) * gauss(&s->wander_rng);
}

static int
sim_read_at(struct clock_sim *s, int64_t *t_ns)
{
	int64_t mono_ns, noise_ns = 0;
	int rc;

	if ((rc = mono_now(&mono_ns)) < 0)
		return rc;
	advance(s, mono_ns);
	if (s->cfg.noise_ns > 0)
		noise_ns = llround((double)s->cfg.noise_ns *
		    gauss(&s->noise_rng));
	*t_ns = tstime_add_sat(s->anchor_ns, noise_ns);
	return 0;
}

static int
sim_read(struct clock *c, int64_t *t_ns)
{
	return sim_read_at(container_of(c, struct clock_sim, base), t_ns);
}

/*
 * The simulated time is a function of one CLOCK_MONOTONIC reading, so
 * there is nothing to bracket: the read's own uncertainty is zero.
 */
static int
sim_read_with_bounds(struct clock *c, int64_t *t_ns, int64_t *window_ns)
{
	*window_ns = 0;
	return sim_read(c, t_ns);
}

static int
sim_adjust_frequency(struct clock *c, double freq_ppb)
{
	struct clock_sim *s = container_of(c, struct clock_sim, base);
	int64_t mono_ns;
	int rc;

	if ((rc = mono_now(&mono_ns)) < 0)
		return rc;
	advance(s, mono_ns);
	s->applied_freq_ppb = freq_ppb;
	return 0;
}

static int
sim_step(struct clock *c, int64_t offset_ns)
{
	struct clock_sim *s = container_of(c, struct clock_sim, base);
	int64_t mono_ns;
	int rc;

	if ((rc = mono_now(&mono_ns)) < 0)
		return rc;
	advance(s, mono_ns);
	s->anchor_ns = tstime_add_sat(s->anchor_ns, offset_ns);
	return 0;
}

static int
sim_set_status(struct clock *c, const struct clock_status *st)
{
	struct clock_sim *s = container_of(c, struct clock_sim, base);

	s->status = *st;
	return 0;
}

static int
sim_get_status(struct clock *c, struct clock_status *st)
{
	struct clock_sim *s = container_of(c, struct clock_sim, base);

	*st = s->status;
	st->freq_ppb = s->applied_freq_ppb;
	return 0;
}

static void
sim_destroy(struct clock *c)
{
	free(container_of(c, struct clock_sim, base));
}

static const struct clock_ops sim_ops = {
	.name = "sim",
	.read = sim_read,
	.read_with_bounds = sim_read_with_bounds,
	.adjust_frequency = sim_adjust_frequency,
	.adjust_phase = sim_step,	/* at once; see the top of the file */
	.step = sim_step,
	.set_status = sim_set_status,
	.get_status = sim_get_status,
	.destroy = sim_destroy,
};

static const char *
check_cfg(const struct cfg_sim *cfg)
{
	if (!isfinite(cfg->freq_offset_ppb))
		return "clock.sim.frequency_offset must be finite";
	if (cfg->noise_ns < 0)
		return "clock.sim.noise must not be negative";
	if (!isfinite(cfg->wander_ppb) || cfg->wander_ppb < 0)
		return "clock.sim.wander must be finite and not negative";
	return NULL;
}

struct clock *
clock_sim_create(const struct cfg_clock *cfg, char *err, size_t errlen)
{
	struct clock_sim *s;
	struct timespec real;
	const char *why;

	if ((why = check_cfg(&cfg->sim)) != NULL) {
		snprintf(err, errlen, "%s", why);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "clock: %s", strerror(errno));
		return NULL;
	}
	s->base.ops = &sim_ops;
	s->cfg = cfg->sim;
	if (clock_gettime(CLOCK_REALTIME, &real) != 0 ||
	    mono_now(&s->anchor_mono_ns) < 0) {
		snprintf(err, errlen, "clock_gettime: %s", strerror(errno));
		free(s);
		return NULL;
	}
	s->anchor_ns = tstime_add_sat(tstime_from_timespec(&real),
	    cfg->sim.initial_offset_ns);
	s->noise_rng = cfg->sim.seed;
	s->wander_rng = cfg->sim.seed ^ 0x6a09e667f3bcc909ULL;
	/* Like a kernel that nobody has synchronised yet. */
	s->status.maxerror_ns = 16 * NS_PER_S;
	s->status.esterror_ns = 16 * NS_PER_S;
	s->status.unsync = true;
	return &s->base;
}

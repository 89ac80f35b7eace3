/*
 * oscsim.c - deterministic simulated oscillator (see oscsim.h).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "oscsim.h"

#define DAY_S	86400.0

struct oscsim {
	struct oscsim_params p;
	uint64_t	rng[4];		/* xoshiro256** */
	double		spare;		/* second Box-Muller value */
	int		have_spare;
	double		t;		/* true time, s */
	double		x;		/* phase error without white PM, s */
	double		yc;		/* freq0 + adjustments */
	double		w;		/* random-walk FM state */
	double		wpm;		/* white PM of the current reading */
};

/*
 * Presets: typical (not worst-case) members of each class, for scenarios.
 * oscmodel's priors are deliberately worse than these.
 */
static const struct oscsim_params presets[] = {
	[OSCSIM_SERVER_XTAL] = { 20e-9, 3e-10, 2e-10, 2e-9, 12e-6, 5e-8, 0, 0.3 },
	[OSCSIM_TCXO]        = { 20e-9, 1e-10, 2e-11, 3e-10, 1e-6, 5e-9, 0, 1.1 },
	[OSCSIM_OCXO]        = { 5e-9, 3e-12, 8e-14, 5e-11, 5e-9, 2e-11, 0, 2.0 },
	[OSCSIM_RUBIDIUM]    = { 5e-9, 1e-11, 1e-14, 1e-12, 1e-10, 3e-13, 0, 0.7 },
};

int
oscsim_preset(enum oscsim_preset which, struct oscsim_params *p)
{
	if ((unsigned)which >= sizeof(presets) / sizeof(presets[0]))
		return -1;
	*p = presets[which];
	return 0;
}

static uint64_t
splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
rotl(uint64_t v, int k)
{
	return (v << k) | (v >> (64 - k));
}

static uint64_t
next_u64(struct oscsim *s)
{
	uint64_t *r = s->rng;
	uint64_t result = rotl(r[1] * 5, 7) * 9;
	uint64_t t = r[1] << 17;

	r[2] ^= r[0];
	r[3] ^= r[1];
	r[1] ^= r[2];
	r[0] ^= r[3];
	r[2] ^= t;
	r[3] = rotl(r[3], 45);
	return result;
}

double
oscsim_uniform(struct oscsim *s)
{
	return (double)(next_u64(s) >> 11) * 0x1.0p-53;
}

double
oscsim_gauss(struct oscsim *s)
{
	double u1, u2, r;

	if (s->have_spare) {
		s->have_spare = 0;
		return s->spare;
	}
	do
		u1 = oscsim_uniform(s);
	while (u1 <= 0.0);
	u2 = oscsim_uniform(s);
	r = sqrt(-2.0 * log(u1));
	s->spare = r * sin(2.0 * M_PI * u2);
	s->have_spare = 1;
	return r * cos(2.0 * M_PI * u2);
}

static int
params_ok(const struct oscsim_params *p)
{
	const double v[] = { p->wpm_s, p->wfm_adev1, p->rwfm_rate,
	    p->aging_per_day, p->freq0, p->temp_amp, p->temp_period_s,
	    p->temp_phase };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!isfinite(v[i]))
			return 0;
	return p->wpm_s >= 0 && p->wfm_adev1 >= 0 && p->rwfm_rate >= 0 &&
	    p->temp_period_s >= 0;
}

struct oscsim *
oscsim_create(const struct oscsim_params *p, uint64_t seed)
{
	struct oscsim *s;

	if (p == NULL || !params_ok(p))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->p = *p;
	if (s->p.temp_period_s == 0)
		s->p.temp_period_s = DAY_S;
	for (int i = 0; i < 4; i++)
		s->rng[i] = splitmix64(&seed);
	s->yc = p->freq0;
	s->wpm = p->wpm_s * oscsim_gauss(s);
	return s;
}

void
oscsim_destroy(struct oscsim *s)
{
	free(s);
}

/* Integral over [t, t + dt] of the deterministic frequency terms. */
static double
deterministic_phase(const struct oscsim *s, double dt)
{
	double d = s->p.aging_per_day / DAY_S;
	double om = 2.0 * M_PI / s->p.temp_period_s;
	double ph0 = om * s->t + s->p.temp_phase;
	double temp;

	/* cos(a) - cos(a + h) = 2 sin(a + h/2) sin(h/2): no cancellation */
	temp = s->p.temp_amp / om * 2.0 * sin(ph0 + om * dt / 2) *
	    sin(om * dt / 2);
	return s->yc * dt + d * (s->t * dt + dt * dt / 2) + temp;
}

void
oscsim_advance(struct oscsim *s, double dt)
{
	double q = s->p.rwfm_rate;
	double g1, g2, dw, iw;

	if (!(dt > 0))
		return;
	s->x += deterministic_phase(s, dt);
	/* white FM: x is a random walk of variance sigma1^2 per second */
	s->x += s->p.wfm_adev1 * sqrt(dt) * oscsim_gauss(s);
	/*
	 * Random-walk FM over the step: dw ~ N(0, q^2 dt), the integral of
	 * the increment iw has variance q^2 dt^3 / 3 and covariance
	 * q^2 dt^2 / 2 with dw; draw the pair from that joint law.
	 */
	g1 = oscsim_gauss(s);
	g2 = oscsim_gauss(s);
	dw = q * sqrt(dt) * g1;
	iw = q * pow(dt, 1.5) * (g1 / 2 + g2 / sqrt(12.0));
	s->x += s->w * dt + iw;
	s->w += dw;
	s->t += dt;
	s->wpm = s->p.wpm_s * oscsim_gauss(s);
}

double
oscsim_now(const struct oscsim *s)
{
	return s->t;
}

double
oscsim_time_error(const struct oscsim *s)
{
	return s->x + s->wpm;
}

double
oscsim_phase(const struct oscsim *s)
{
	return s->x;
}

double
oscsim_freq(const struct oscsim *s)
{
	double om = 2.0 * M_PI / s->p.temp_period_s;

	return s->yc + s->w + s->p.aging_per_day / DAY_S * s->t +
	    s->p.temp_amp * sin(om * s->t + s->p.temp_phase);
}

void
oscsim_adjust(struct oscsim *s, double dfreq, double dstep_s)
{
	if (isfinite(dfreq))
		s->yc += dfreq;
	if (isfinite(dstep_s))
		s->x += dstep_s;
}

/*
 * leapsmear.c - the target offset profile of leap.mode (leapsmear.h).
 *
 * The ramp is linear: its rate is constant (11.57 ppm for a 24 h smear),
 * so the servo needs only a frequency feed-forward that switches on at
 * the start and off at the end, and the clock's error from UTC is a
 * straight line that is easy to check against published figures. A
 * smoother ramp (chrony's smoothtime, a cosine) halves no bound that
 * matters here and makes the feed-forward a curve.
 */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "leapsmear.h"

#define NS_PER_S	1000000000LL
#define WINDOW_MAX_NS	(7 * 86400 * NS_PER_S)

int
leapsmear_init(struct leapsmear *p, enum leapsmear_mode mode, int64_t leap_ns,
    int delta_s, int64_t window_ns, double slew_rate)
{
	if (p == NULL || (delta_s != 1 && delta_s != -1) || leap_ns % NS_PER_S != 0 ||
	    leap_ns < WINDOW_MAX_NS || leap_ns > INT64_MAX - 2 * WINDOW_MAX_NS)
		return -1;
	memset(p, 0, sizeof(*p));
	p->mode = mode;
	p->delta_s = delta_s;
	p->leap_ns = leap_ns;
	p->jump_ns = delta_s > 0 ? leap_ns : leap_ns - NS_PER_S;
	switch (mode) {
	case LEAPSMEAR_STEP:
		p->start_ns = p->end_ns = p->jump_ns;
		return 0;
	case LEAPSMEAR_SLEW:
		if (!(slew_rate > 0 && slew_rate <= 0.1))
			return -1;
		p->start_ns = p->jump_ns;
		p->end_ns = p->jump_ns + (int64_t)ceil(1e9 / slew_rate);
		return 0;
	case LEAPSMEAR_SMEAR:
		if (window_ns <= 0 || window_ns > WINDOW_MAX_NS)
			return -1;
		/* noon to noon in UTC: window_ns + delta of L */
		p->start_ns = leap_ns - window_ns / 2;
		p->end_ns = leap_ns + window_ns / 2 + delta_s * NS_PER_S;
		return 0;
	}
	return -1;
}

double
leapsmear_ramp(const struct leapsmear *p, int64_t free_ns)
{
	if (free_ns < p->start_ns)
		return 0;
	if (free_ns >= p->end_ns)
		return p->delta_s;
	return p->delta_s * ((double)(free_ns - p->start_ns) /
	    (double)(p->end_ns - p->start_ns));
}

double
leapsmear_rate(const struct leapsmear *p, int64_t free_ns)
{
	if (!leapsmear_active(p, free_ns))
		return 0;
	return p->delta_s * ((double)NS_PER_S / (double)(p->end_ns - p->start_ns));
}

double
leapsmear_offset(const struct leapsmear *p, int64_t free_ns)
{
	return (free_ns >= p->jump_ns ? p->delta_s : 0) - leapsmear_ramp(p, free_ns);
}

/* |s| is piecewise linear: its largest value on an interval is at an end,
 * at a corner of the ramp, or just before the jump. */
double
leapsmear_offset_bound(const struct leapsmear *p, int64_t free_ns, int64_t eps_ns)
{
	int64_t lo = free_ns - eps_ns, hi = free_ns + eps_ns;
	int64_t corner[3] = { p->start_ns, p->jump_ns, p->end_ns };
	double m;

	if (eps_ns < 0)
		return NAN;
	m = fmax(fabs(leapsmear_offset(p, lo)), fabs(leapsmear_offset(p, hi)));
	for (int i = 0; i < 3; i++)
		if (corner[i] > lo && corner[i] <= hi)
			m = fmax(m, fabs(leapsmear_offset(p, corner[i])));
	if (p->jump_ns > lo && p->jump_ns <= hi)
		m = fmax(m, fabs(leapsmear_ramp(p, p->jump_ns - 1)));	/* left limit */
	return m;
}

bool
leapsmear_active(const struct leapsmear *p, int64_t free_ns)
{
	return p->mode != LEAPSMEAR_STEP && free_ns >= p->start_ns &&
	    free_ns < p->end_ns;
}

/*
 * Inserted: UTC in [leap - 1 s, leap) is read twice. Deleted: UTC in
 * [leap - 1 s, leap) never happens. Outside that second the map is plain;
 * a guard on each side leaves room for the reading's own error.
 */
int
leapsmear_free_of_utc(const struct leapsmear *p, int64_t utc_ns, int64_t *free_ns)
{
	if (utc_ns < p->leap_ns - NS_PER_S - LEAPSMEAR_GUARD_NS) {
		*free_ns = utc_ns;
		return 0;
	}
	if (utc_ns >= p->leap_ns + LEAPSMEAR_GUARD_NS) {
		*free_ns = utc_ns + p->delta_s * NS_PER_S;
		return 0;
	}
	return -1;
}

int64_t
leapsmear_utc_of_free(const struct leapsmear *p, int64_t free_ns)
{
	return free_ns >= p->jump_ns ? free_ns - p->delta_s * NS_PER_S : free_ns;
}

const char *
leapsmear_mode_name(enum leapsmear_mode m)
{
	switch (m) {
	case LEAPSMEAR_STEP: return "step";
	case LEAPSMEAR_SLEW: return "slew";
	case LEAPSMEAR_SMEAR: return "smear";
	}
	return "?";
}

int
leapsmear_mode_parse(const char *name, enum leapsmear_mode *m)
{
	static const enum leapsmear_mode all[] = {
		LEAPSMEAR_STEP, LEAPSMEAR_SLEW, LEAPSMEAR_SMEAR,
	};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (name != NULL && strcmp(name, leapsmear_mode_name(all[i])) == 0) {
			*m = all[i];
			return 0;
		}
	return -1;
}

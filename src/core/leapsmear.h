/*
 * leapsmear.h - how the disciplined clock passes a leap second
 * (leap.mode): the target offset profile s = clock's target - UTC.
 *
 *  step   the kernel inserts or deletes the second: the clock stays on
 *         UTC, s = 0 (the engine does nothing).
 *  slew   the kernel is not armed: at the leap the clock is delta s off
 *         UTC and is slewed back at a fixed rate (the clock's maximum
 *         slew, leapsmear_init's slew_rate), never stepped.
 *  smear  the clock follows a smeared timescale: the leap is spread
 *         linearly over a window of UTC centred on the midnight (24 h:
 *         noon to noon, as Google's and AWS's public smears, 86401 s of
 *         L for an inserted second), so |s| <= 0.5 s + 1/(2 window):
 *         0.500006 s for 24 h.
 *
 * Time variable: the leap-free timescale L, Unix nanoseconds as if the
 * leap had not happened. Before the leap L = UTC (POSIX), after it
 * UTC = L - delta. L is continuous, so the profile is a function of it:
 *
 *   w(L) = delta * ramp(L)          ramp 0 -> 1 over [start, end)
 *   s(L) = delta * [L >= jump] - w(L)
 *
 * jump is the L instant at which POSIX UTC jumps: the midnight for an
 * inserted second (23:59:60 repeats 23:59:59), one second before it for a
 * deleted one (23:59:59 never happens). The clock's target timescale is
 * L - w(L) = UTC + s, continuous, with rate 1 - dw/dL.
 *
 * Pure: integers and doubles in, values out.
 */
#ifndef TSYNC_LEAPSMEAR_H
#define TSYNC_LEAPSMEAR_H

#include <stdbool.h>
#include <stdint.h>

enum leapsmear_mode {
	LEAPSMEAR_STEP,
	LEAPSMEAR_SLEW,
	LEAPSMEAR_SMEAR,
};

/* POSIX UTC within this of the leap cannot be mapped to L unambiguously. */
#define LEAPSMEAR_GUARD_NS	1000000000LL

struct leapsmear {
	enum leapsmear_mode mode;
	int		delta_s;	/* +1 inserted, -1 deleted */
	int64_t		leap_ns;	/* the UTC midnight the leap ends, Unix ns */
	int64_t		jump_ns;	/* L at which POSIX UTC jumps */
	int64_t		start_ns, end_ns; /* the ramp, in L (start == end: step) */
};

/*
 * window_ns: the smear's length (> 0, <= 7 days); slew_rate: fractional
 * (0 < rate <= 0.1). Each is only checked for its own mode. Returns 0,
 * -1 on bad arguments (delta not +-1, leap_ns not a whole second).
 */
int	leapsmear_init(struct leapsmear *p, enum leapsmear_mode mode,
	    int64_t leap_ns, int delta_s, int64_t window_ns, double slew_rate);

/* The part of the leap the target timescale has absorbed, w(L), s. */
double	leapsmear_ramp(const struct leapsmear *p, int64_t free_ns);
/* dw/dL, fractional: the clock runs this much slower than UTC (inserted). */
double	leapsmear_rate(const struct leapsmear *p, int64_t free_ns);
/* s(L) = target - UTC, s. */
double	leapsmear_offset(const struct leapsmear *p, int64_t free_ns);
/* max |s| over [L - eps, L + eps] (eps >= 0): for a bound when L is only
 * known to within eps. */
double	leapsmear_offset_bound(const struct leapsmear *p, int64_t free_ns,
	    int64_t eps_ns);
/* The ramp is in progress: start <= L < end (never in step mode). */
bool	leapsmear_active(const struct leapsmear *p, int64_t free_ns);

/* POSIX UTC -> L. -1 within LEAPSMEAR_GUARD_NS of the jump (ambiguous). */
int	leapsmear_free_of_utc(const struct leapsmear *p, int64_t utc_ns,
	    int64_t *free_ns);
/* L -> POSIX UTC (inserted: the repeated second reads 23:59:59). */
int64_t	leapsmear_utc_of_free(const struct leapsmear *p, int64_t free_ns);

const char *leapsmear_mode_name(enum leapsmear_mode m);
/* 0 and *m, or -1 for an unknown name. */
int	leapsmear_mode_parse(const char *name, enum leapsmear_mode *m);

#endif

/*
 * clockwatch.c - see clockwatch.h.
 */
#include "config.h"

#include <stdlib.h>
#include <time.h>

#include "clockwatch.h"

#define NS_S		1000000000LL
#define MAX_WINDOW_NS	200000		/* a reading slower than this is not trusted */
#define LEAP_SLACK_NS	10000000	/* a leap second is 1 s +- this */
#define MIDNIGHT_S	5		/* ... within this of a UTC midnight */

void
clockwatch_init(struct clockwatch *w, int64_t threshold_ns)
{
	w->have_base = false;
	w->base_ns = 0;
	w->expected_ns = 0;
	w->threshold_ns = threshold_ns;
}

void
clockwatch_expect(struct clockwatch *w, int64_t step_ns)
{
	w->expected_ns += step_ns;
}

static bool
near_midnight(int64_t real_ns)
{
	int64_t sod = (real_ns / NS_S) % 86400;

	if (sod < 0)
		sod += 86400;
	return sod <= MIDNIGHT_S || sod >= 86400 - MIDNIGHT_S;
}

enum clockwatch_result
clockwatch_check(struct clockwatch *w, int64_t real_ns, int64_t mono_ns,
    int64_t window_ns, int64_t *step_ns)
{
	int64_t d = real_ns - mono_ns, change;

	if (window_ns < 0 || window_ns > MAX_WINDOW_NS)
		return CLOCKWATCH_UNKNOWN;
	if (!w->have_base) {
		w->have_base = true;
		w->base_ns = d;
		w->expected_ns = 0;
		return CLOCKWATCH_SAME;
	}
	change = d - w->base_ns - w->expected_ns;
	w->base_ns = d;
	w->expected_ns = 0;
	if (llabs(change) <= w->threshold_ns + window_ns)
		return CLOCKWATCH_SAME;
	*step_ns = change;
	if (llabs(llabs(change) - NS_S) <= LEAP_SLACK_NS && near_midnight(real_ns))
		return CLOCKWATCH_LEAP;
	return CLOCKWATCH_STEPPED;
}

static int64_t
ns_of(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NS_S + ts->tv_nsec;
}

int
clockwatch_read(int64_t *real_ns, int64_t *mono_ns, int64_t *window_ns)
{
	struct timespec m1, r, m2;

	if (clock_gettime(CLOCK_MONOTONIC, &m1) < 0 ||
	    clock_gettime(CLOCK_REALTIME, &r) < 0 ||
	    clock_gettime(CLOCK_MONOTONIC, &m2) < 0)
		return -1;
	*real_ns = ns_of(&r);
	*window_ns = ns_of(&m2) - ns_of(&m1);
	*mono_ns = ns_of(&m1) + *window_ns / 2;
	return 0;
}

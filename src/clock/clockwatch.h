/*
 * clockwatch.h - notice when someone else steps CLOCK_REALTIME.
 *
 * Linux slews CLOCK_REALTIME and CLOCK_MONOTONIC together; only a step
 * (settimeofday, clock_settime, ADJ_SETOFFSET) or a leap second moves
 * one against the other. So REALTIME - MONOTONIC, read between two
 * MONOTONIC reads, is constant but for steps: ours, which the daemon
 * announces with clockwatch_expect(), and everybody else's, which
 * clockwatch_check() reports.
 */
#ifndef TSYNC_CLOCKWATCH_H
#define TSYNC_CLOCKWATCH_H

#include <stdbool.h>
#include <stdint.h>

struct clockwatch {
	bool		have_base;
	int64_t		base_ns;	/* REALTIME - MONOTONIC */
	int64_t		expected_ns;	/* our own steps since the base */
	int64_t		threshold_ns;	/* smaller changes are read noise */
};

enum clockwatch_result {
	CLOCKWATCH_SAME,
	CLOCKWATCH_STEPPED,	/* *step_ns: by someone else */
	CLOCKWATCH_LEAP,	/* +-1 s at a UTC midnight: the kernel's leap second */
	CLOCKWATCH_UNKNOWN,	/* the reads were interrupted; try again */
};

void	clockwatch_init(struct clockwatch *w, int64_t threshold_ns);
/* We step the clock by step_ns (call just before or after doing so). */
void	clockwatch_expect(struct clockwatch *w, int64_t step_ns);
/*
 * Compare with the base; the first call only sets it. real_ns/mono_ns
 * are one bracketed reading (clockwatch_read()), window_ns its width.
 */
enum clockwatch_result clockwatch_check(struct clockwatch *w, int64_t real_ns,
	    int64_t mono_ns, int64_t window_ns, int64_t *step_ns);
/* REALTIME between two MONOTONIC reads; 0 or -1. */
int	clockwatch_read(int64_t *real_ns, int64_t *mono_ns, int64_t *window_ns);

#endif

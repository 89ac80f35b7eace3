/*
 * tsclock.h - libtsclock: UTC with a hard error bound, read from the page
 * tsyncd publishes in shared memory (default /run/tsyncd/clock).
 *
 *	struct tsclock *c;
 *	struct tsclock_time t;
 *
 *	if (tsclock_open(NULL, &c) == 0 && tsclock_now(c, &t) == 0)
 *		// UTC is within [t.earliest_ns, t.latest_ns]
 *
 * tsclock_now() reads CLOCK_MONOTONIC and the page, carries the daemon's
 * estimate from the page's as-of instant to the call by CLOCK_MONOTONIC,
 * and grows its max_error on the way (max_error + rate * |now - as-of|),
 * so the interval stays a true bound between the daemon's updates. A step
 * of CLOCK_REALTIME since as-of widens it by the step. CLOCK_REALTIME now (clock_ns) is
 * CLOCK_MONOTONIC plus the kernel's own offset between the two, read from
 * the coarse clocks. No system call beyond clock_gettime() (vDSO), no
 * locks, no allocation: safe from any number of threads.
 *
 * Pure C, libc only. See tsclock(3).
 */
#ifndef TSCLOCK_H
#define TSCLOCK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TSCLOCK_DEFAULT_PATH	"/run/tsyncd/clock"

/* Return codes: 0 or one of these. */
#define TSCLOCK_ESYS		(-1)	/* a system call failed: see errno */
#define TSCLOCK_EFORMAT		(-2)	/* not a tsclock page (magic, size) */
#define TSCLOCK_EVERSION	(-3)	/* a layout version this library does not know */
#define TSCLOCK_ESTALE		(-4)	/* beyond the validity horizon, or tsyncd stopped */
#define TSCLOCK_ENOEST		(-5)	/* tsyncd runs but has no estimate of UTC */
#define TSCLOCK_EBUSY		(-6)	/* the page was never consistent while read */

/* Values match tsyncd's states (tsctl status). */
enum tsclock_state {
	TSCLOCK_UNSYNCHRONIZED = 0,
	TSCLOCK_ACQUIRING = 1,
	TSCLOCK_LOCKED = 2,
	TSCLOCK_HOLDOVER = 3,
	TSCLOCK_FREERUN = 4,
	TSCLOCK_STOPPED = 5,	/* tsyncd exited (or the page went stale) */
};

/* struct tsclock_time.flags */
#define TSCLOCK_F_LEAP_KNOWN	0x1	/* tai_offset_s is from a valid leap table */
#define TSCLOCK_F_LEAP_NEXT	0x2	/* next_leap_* announce a leap second */
#define TSCLOCK_F_STEPPED	0x4	/* CLOCK_REALTIME was stepped (> 1 ms) since as-of; offset_s includes the step, the bound is widened by it */

struct tsclock_time {
	int64_t		earliest_ns;	/* UTC, ns since 1970 (POSIX scale): lower bound */
	int64_t		latest_ns;	/* upper bound */
	int64_t		clock_ns;	/* CLOCK_REALTIME at the instant of the call */
	double		max_error_s;	/* half-width, grown to the call */
	double		offset_s;	/* UTC - CLOCK_REALTIME now (the page's, less any step since) */
	double		u_s;		/* standard uncertainty of offset_s */
	double		age_s;		/* since the page's as-of instant */
	int		state;		/* enum tsclock_state */
	int		traceable;	/* 1: traceable to UTC(k) */
	int		clock_class;	/* PTP clockClass */
	int		tai_offset_s;	/* TAI - UTC (TSCLOCK_F_LEAP_KNOWN) */
	int64_t		next_leap_unix_s; /* UTC instant of the leap (TSCLOCK_F_LEAP_NEXT) */
	int		next_leap_delta_s; /* +1 inserted, -1 deleted */
	unsigned	flags;		/* TSCLOCK_F_* */
};

struct tsclock;

/* Map the page at path (NULL: $TSCLOCK_PATH, else TSCLOCK_DEFAULT_PATH).
 * 0 and *out, or a TSCLOCK_E* code. */
int	tsclock_open(const char *path, struct tsclock **out);

/*
 * Now. 0: *t is complete and UTC is within [earliest_ns, latest_ns].
 * TSCLOCK_ENOEST: state, traceable, clock_class and leap fields only.
 * TSCLOCK_ESTALE: state is TSCLOCK_STOPPED; nothing else is current. A
 * page replaced by a restarted tsyncd is re-opened by the next call.
 */
int	tsclock_now(struct tsclock *c, struct tsclock_time *t);

void	tsclock_close(struct tsclock *c);

const char *tsclock_strerror(int code);
const char *tsclock_state_name(int state);

#ifdef __cplusplus
}
#endif

#endif

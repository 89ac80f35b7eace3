/*
 * tsclock_page.h - the layout of the shared-memory clock page, shared by
 * its only writer (tsyncd, src/publish/shmclock.c) and its reader
 * (libtsclock). Not installed: applications use tsclock.h.
 *
 * One file of TSCLOCK_PAGE_BYTES, mapped read-only by readers. The header
 * (magic, version, size) is written before the file is renamed into place
 * and never changes; everything after `seq` is under a seqlock:
 *
 *   writer: seq = s + 1 (odd); release fence; fields; seq = s + 2 (release)
 *   reader: s1 = seq (acquire); fields; acquire fence; s2 = seq;
 *           retry unless s1 == s2 and s1 is even
 *
 * Fields are read and written with relaxed __atomic accesses so that the
 * race a seqlock tolerates is not undefined behaviour. Every field is 8
 * bytes: no padding, and the same layout on every ABI of one host.
 *
 * Times: *_mono_ns are CLOCK_MONOTONIC, *_real_ns CLOCK_REALTIME, both ns.
 * Signs: offset_s = UTC - CLOCK_REALTIME, so UTC ~ CLOCK_REALTIME + offset.
 * A new field goes at the end with a larger `size`; a change of meaning
 * is a new version.
 */
#ifndef TSYNC_TSCLOCK_PAGE_H
#define TSYNC_TSCLOCK_PAGE_H

#include <stdint.h>
#include <time.h>

#define TSCLOCK_PAGE_MAGIC	"TSCK"
#define TSCLOCK_PAGE_VERSION	1
#define TSCLOCK_PAGE_BYTES	4096	/* the file's size */

/* flags */
#define TSCLOCK_PF_NO_ESTIMATE	0x1	/* offset, u, max_error are meaningless */
#define TSCLOCK_PF_STOPPED	0x2	/* the writer exited: never current again */
#define TSCLOCK_PF_LEAP_TABLE	0x4	/* tai_offset_s is from a valid table */
#define TSCLOCK_PF_LEAP_NEXT	0x8	/* next_leap_* hold an announced leap */
#define TSCLOCK_PF_NOT_REALTIME	0x10	/* the daemon's clock is not CLOCK_REALTIME (clock.driver sim) */

struct tsclock_page {
	char		magic[4];	/* "TSCK", no NUL */
	uint32_t	version;	/* TSCLOCK_PAGE_VERSION */
	uint64_t	size;		/* bytes of this record, <= TSCLOCK_PAGE_BYTES */
	uint64_t	seq;		/* generation: odd while the writer is at work */
	/* ---- under the seqlock ---- */
	uint64_t	flags;		/* TSCLOCK_PF_* */
	int64_t		state;		/* enum tsclock_state (tsclock.h) */
	int64_t		traceable;	/* 0 or 1 */
	int64_t		clock_class;	/* PTP clockClass: 6, 7, 52, 187, 248 */
	int64_t		asof_mono_ns;	/* the instant the figures are for */
	int64_t		asof_real_ns;	/* CLOCK_REALTIME read with asof_mono_ns */
	int64_t		valid_until_mono_ns; /* stale after this */
	double		offset_s;	/* UTC - CLOCK_REALTIME at as-of */
	double		u_s;		/* standard uncertainty of offset_s */
	double		U_s;		/* expanded uncertainty, k * u_s */
	double		k;		/* coverage factor of U_s */
	double		max_error_s;	/* |UTC - (clock + offset_s)| <= this at as-of */
	double		max_error_rate;	/* s/s: a linear bound of the growth until valid_until */
	double		freq;		/* the clock's estimated frequency error (fractional) */
	int64_t		tai_offset_s;	/* TAI - UTC at as-of (TSCLOCK_PF_LEAP_TABLE) */
	int64_t		next_leap_unix_s; /* UTC instant of the next leap (TSCLOCK_PF_LEAP_NEXT) */
	int64_t		next_leap_delta_s; /* +1 inserted, -1 deleted */
	int64_t		writer_pid;
};

/*
 * CLOCK_REALTIME - CLOCK_MONOTONIC, exactly as the kernel holds it (its
 * wall-to-monotonic offset, in ns). The coarse clocks are both the last
 * tick's snapshot, so their difference is that offset with no read gap;
 * it changes only when CLOCK_REALTIME is stepped (or the kernel applies
 * a leap second), never by slewing. The realtime read sits between two
 * monotonic ones, taken again if a tick came in between. Cheap in the
 * vDSO (a few ns per coarse read). 0, or -1 after 4 ticks in a row.
 * The writer stamps its as-of pair with it, the reader finds steps with it.
 */
static inline int
tsclock_real_minus_mono(int64_t *out)
{
	struct timespec m1, r, m2;

	for (int i = 0; i < 4; i++) {
		if (clock_gettime(CLOCK_MONOTONIC_COARSE, &m1) == -1 ||
		    clock_gettime(CLOCK_REALTIME_COARSE, &r) == -1 ||
		    clock_gettime(CLOCK_MONOTONIC_COARSE, &m2) == -1)
			return -1;
		if (m1.tv_sec == m2.tv_sec && m1.tv_nsec == m2.tv_nsec) {
			*out = ((int64_t)r.tv_sec - (int64_t)m1.tv_sec) *
			    INT64_C(1000000000) + (r.tv_nsec - m1.tv_nsec);
			return 0;
		}
	}
	return -1;
}

#endif

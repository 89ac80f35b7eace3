/*
 * ntpshm.h - the NTP shared-memory reference-clock segment ("SHM", units
 * NTP0..NTPn at System V key 0x4e545030 + n), as gpsd and other writers
 * fill it, and the reader's side of its two handshakes. Pure: works on a
 * segment in memory (the caller attaches it), reads no clock.
 *
 * The layout is the de facto ABI of ntpd's SHM driver, documented with
 * it; every field is native-endian and native-sized:
 *   mode        0: the writer fills the fields, then sets valid;
 *               1: also bumps count before (and, some writers, after)
 *               writing, so that a reader can see it raced a write;
 *   count       see mode 1;
 *   clock_*     the reference's time (UTC, Unix seconds + fraction);
 *   recv_*      the writer's CLOCK_REALTIME at that same instant;
 *   leap        NTP leap indicator: 0 none, 1 insert, 2 delete, 3 alarm
 *               (the writer's reference is not synchronised);
 *   precision   log2 seconds, the writer's claim;
 *   valid       set by the writer, cleared by the reader that took it;
 *   *_nsec      nanoseconds, newer writers; older ones leave them 0 and
 *               fill only the microsecond fields.
 */
#ifndef TSYNC_NTPSHM_H
#define TSYNC_NTPSHM_H

#include <stdint.h>
#include <time.h>

#define NTPSHM_KEY_BASE		0x4e545030	/* "NTP0" */

struct ntpshm_seg {
	int		mode;
	int		count;
	time_t		clock_sec;
	int		clock_usec;
	time_t		recv_sec;
	int		recv_usec;
	int		leap;
	int		precision;
	int		nsamples;
	int		valid;
	unsigned	clock_nsec;
	unsigned	recv_nsec;
	int		dummy[8];
};

enum ntpshm_result {
	NTPSHM_OK = 0,
	NTPSHM_EMPTY = -1,	/* valid not set: nothing new */
	NTPSHM_BUSY = -2,	/* mode 1: count moved while we read (left valid) */
	NTPSHM_BAD_MODE = -3,	/* mode is neither 0 nor 1 (left as is) */
	NTPSHM_BAD_TIME = -4,	/* a fraction out of range (taken: valid cleared) */
};

struct ntpshm_sample {
	int64_t		clock_ns;	/* reference, Unix ns */
	int64_t		recv_ns;	/* the writer's CLOCK_REALTIME, Unix ns */
	int		leap;		/* 0..3 as written (others: 3) */
	int		precision;	/* clamped to -32..0 */
	int		mode;
	int		count;
};

/*
 * Take the sample in seg if there is a new one: returns NTPSHM_OK with
 * *out filled and the segment's valid flag cleared, or a negative enum
 * ntpshm_result. seg may be shared with a writer running concurrently.
 */
int	ntpshm_read(volatile struct ntpshm_seg *seg, struct ntpshm_sample *out);

/* "ok", "empty", "busy", "bad_mode", "bad_time"; "?" otherwise. */
const char *ntpshm_result_name(int rc);

#endif

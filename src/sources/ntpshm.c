/*
 * ntpshm.c - the reader's side of the NTP SHM segment (see ntpshm.h).
 */
#include "config.h"

#include "ntpshm.h"

#define NS_PER_S	1000000000LL
#define PRECISION_MIN	(-32)
#define SEC_MAX		(1LL << 34)	/* year 2514: beyond is garbage */

/* Orders our reads against the writer's on another CPU. */
static inline void
fence(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* The fraction in ns: the nanosecond field when it agrees with the
 * microsecond one (a writer that fills both), else the microseconds. */
static int
fraction_ns(int usec, unsigned nsec, int64_t *ns)
{
	if (usec < 0 || usec >= 1000000)
		return -1;
	if (nsec < 1000000000u && nsec / 1000 == (unsigned)usec)
		*ns = nsec;
	else
		*ns = (int64_t)usec * 1000;
	return 0;
}

int
ntpshm_read(volatile struct ntpshm_seg *seg, struct ntpshm_sample *out)
{
	int mode, count0, usec[2], leap, prec;
	unsigned nsec[2];
	time_t sec[2];
	int64_t frac[2];

	count0 = seg->count;
	fence();
	mode = seg->mode;
	if (mode != 0 && mode != 1)
		return NTPSHM_BAD_MODE;
	if (!seg->valid)
		return NTPSHM_EMPTY;
	fence();
	sec[0] = seg->clock_sec;
	usec[0] = seg->clock_usec;
	nsec[0] = seg->clock_nsec;
	sec[1] = seg->recv_sec;
	usec[1] = seg->recv_usec;
	nsec[1] = seg->recv_nsec;
	leap = seg->leap;
	prec = seg->precision;
	fence();
	if (mode == 1 && seg->count != count0)
		return NTPSHM_BUSY;
	seg->valid = 0;
	if (fraction_ns(usec[0], nsec[0], &frac[0]) < 0 ||
	    fraction_ns(usec[1], nsec[1], &frac[1]) < 0 ||
	    sec[0] < 0 || sec[0] > SEC_MAX || sec[1] < 0 || sec[1] > SEC_MAX)
		return NTPSHM_BAD_TIME;
	out->clock_ns = (int64_t)sec[0] * NS_PER_S + frac[0];
	out->recv_ns = (int64_t)sec[1] * NS_PER_S + frac[1];
	out->leap = leap >= 0 && leap <= 3 ? leap : 3;
	out->precision = prec < PRECISION_MIN ? PRECISION_MIN : prec > 0 ? 0 :
	    prec;
	out->mode = mode;
	out->count = count0;
	return NTPSHM_OK;
}

const char *
ntpshm_result_name(int rc)
{
	static const char *const names[] = {
		"ok", "empty", "busy", "bad_mode", "bad_time",
	};

	if (rc > 0 || -rc >= (int)(sizeof(names) / sizeof(names[0])))
		return "?";
	return names[-rc];
}

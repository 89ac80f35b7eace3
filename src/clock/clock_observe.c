/*
 * clock_observe.c - the observe driver: reads CLOCK_REALTIME and the
 * kernel's NTP status, and never changes any clock.
 *
 * The write operations refuse on their own, independently of the
 * discipline check in clock.c, so that no configuration and no bug in the
 * wrappers can make this driver issue a clock-changing system call. The
 * only clock_adjtime() here passes modes = 0, which the kernel treats as a
 * pure read.
 *
 * The read helpers are shared with the system driver.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>

#include "cfg.h"
#include "clock_private.h"
#include "tstime.h"

/* timex.freq is in ppm with a 16-bit binary fraction. */
#define SCALED_PPM_PER_PPB	(65536.0 / 1000.0)

static int
neg_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

struct clock_observe {
	struct clock	base;
};

int
clock_realtime_read(struct clock *c, int64_t *t_ns)
{
	struct timespec ts;

	(void)c;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return neg_errno();
	*t_ns = tstime_from_timespec(&ts);
	return 0;
}

int
clock_realtime_read_with_bounds(struct clock *c, int64_t *t_ns,
    int64_t *window_ns)
{
	struct timespec before, ts, after;

	(void)c;
	if (clock_gettime(CLOCK_MONOTONIC_RAW, &before) != 0 ||
	    clock_gettime(CLOCK_REALTIME, &ts) != 0 ||
	    clock_gettime(CLOCK_MONOTONIC_RAW, &after) != 0)
		return neg_errno();
	*t_ns = tstime_from_timespec(&ts);
	*window_ns = tstime_from_timespec(&after) -
	    tstime_from_timespec(&before);
	return 0;
}

int
clock_realtime_get_status(struct clock *c, struct clock_status *st)
{
	struct timex tx;

	(void)c;
	memset(&tx, 0, sizeof(tx));
	tx.modes = 0;		/* read only */
	if (clock_adjtime(CLOCK_REALTIME, &tx) == -1)
		return neg_errno();

	st->maxerror_ns = (int64_t)tx.maxerror * NS_PER_US;
	st->esterror_ns = (int64_t)tx.esterror * NS_PER_US;
	if (tx.status & STA_INS)
		st->leap = CLOCK_LEAP_INSERT;
	else if (tx.status & STA_DEL)
		st->leap = CLOCK_LEAP_DELETE;
	else
		st->leap = CLOCK_LEAP_NONE;
	st->tai_offset_s = tx.tai;
	st->unsync = (tx.status & STA_UNSYNC) != 0;
	st->freq_ppb = (double)tx.freq / SCALED_PPM_PER_PPB;
	return 0;
}

static int
refuse_frequency(struct clock *c, double freq_ppb)
{
	(void)c;
	(void)freq_ppb;
	return -EPERM;
}

static int
refuse_offset(struct clock *c, int64_t offset_ns)
{
	(void)c;
	(void)offset_ns;
	return -EPERM;
}

static int
refuse_status(struct clock *c, const struct clock_status *st)
{
	(void)c;
	(void)st;
	return -EPERM;
}

static void
observe_destroy(struct clock *c)
{
	free(container_of(c, struct clock_observe, base));
}

static const struct clock_ops observe_ops = {
	.name = "observe",
	.read = clock_realtime_read,
	.read_with_bounds = clock_realtime_read_with_bounds,
	.adjust_frequency = refuse_frequency,
	.adjust_phase = refuse_offset,
	.step = refuse_offset,
	.set_status = refuse_status,
	.get_status = clock_realtime_get_status,
	.destroy = observe_destroy,
};

struct clock *
clock_observe_create(const struct cfg_clock *cfg, char *err, size_t errlen)
{
	struct clock_observe *o;

	if (cfg->discipline) {
		snprintf(err, errlen, "the observe driver never adjusts the "
		    "clock; use driver: system to discipline");
		return NULL;
	}
	o = calloc(1, sizeof(*o));
	if (o == NULL) {
		snprintf(err, errlen, "clock: %s", strerror(errno));
		return NULL;
	}
	o->base.ops = &observe_ops;
	return &o->base;
}

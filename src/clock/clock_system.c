/*
 * clock_system.c - CLOCK_REALTIME disciplined through clock_adjtime().
 *
 * Reads are shared with the observe driver. Writes reach this file only
 * when the clock was created with discipline on (clock.c checks), and each
 * write is a single clock_adjtime() call except where the status word must
 * be read first so that bits owned by others (PPS, FLL, ...) survive.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>

#include "cfg.h"
#include "clock_private.h"
#include "tstime.h"

#define SCALED_PPM_PER_PPB	(65536.0 / 1000.0)
/* The kernel silently clamps timex.freq to +-500 ppm (MAXFREQ). */
#define KERNEL_MAX_FREQ_PPB	500000.0
/* ... and the PLL offset to +-0.5 s (MAXPHASE). */
#define KERNEL_MAX_PHASE_NS	(500 * NS_PER_MS)
/* Above 16 s (NTP_PHASE_LIMIT) the kernel declares the clock unsynced. */
#define KERNEL_MAX_ERROR_US	16000000LL
#define KERNEL_MAX_TAI_S	100000
/*
 * PLL time constant for adjust_phase. With STA_NANO the kernel removes
 * offset / 2^(2 + constant) of the remaining offset each second, so 0
 * corrects a phase error with a time constant of about 4 s.
 */
#define PLL_TIME_CONSTANT	0

struct clock_system {
	struct clock	base;
};

static int
sys_adjtime(struct timex *tx)
{
	if (clock_adjtime(CLOCK_REALTIME, tx) == -1)
		return errno > 0 ? -errno : -EIO;
	return 0;
}

static int
read_status_word(int *status)
{
	struct timex tx;
	int rc;

	memset(&tx, 0, sizeof(tx));
	tx.modes = 0;
	if ((rc = sys_adjtime(&tx)) < 0)
		return rc;
	*status = tx.status;
	return 0;
}

static int
system_adjust_frequency(struct clock *c, double freq_ppb)
{
	struct timex tx;

	(void)c;
	if (!(fabs(freq_ppb) <= KERNEL_MAX_FREQ_PPB))
		return -ERANGE;
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_FREQUENCY;
	/* The kernel's sign agrees with ours: positive runs faster. */
	tx.freq = lround(freq_ppb * SCALED_PPM_PER_PPB);
	return sys_adjtime(&tx);
}

/*
 * A phase adjustment is handed to the kernel PLL (ADJ_OFFSET | ADJ_NANO
 * with STA_PLL), which slews it out exponentially; no step, no jump.
 * STA_FREQHOLD stops the PLL from also changing the frequency: the servo
 * in user space owns the frequency and sets it with ADJ_FREQUENCY.
 * (chrony instead turns the kernel PLL off and slews by frequency.)
 * A new offset replaces whatever is left of the previous one.
 */
static int
system_adjust_phase(struct clock *c, int64_t offset_ns)
{
	struct timex tx;
	int status = 0, rc;

	(void)c;
	if (offset_ns > KERNEL_MAX_PHASE_NS || offset_ns < -KERNEL_MAX_PHASE_NS)
		return -ERANGE;
	if ((rc = read_status_word(&status)) < 0)
		return rc;
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_OFFSET | ADJ_NANO | ADJ_STATUS | ADJ_TIMECONST;
	tx.status = status | STA_PLL | STA_FREQHOLD;
	tx.constant = PLL_TIME_CONSTANT;
	tx.offset = (long)offset_ns;
	return sys_adjtime(&tx);
}

static int
system_step(struct clock *c, int64_t offset_ns)
{
	struct timespec ts;
	struct timex tx;

	(void)c;
	/* ADJ_SETOFFSET wants 0 <= tv_usec (ns here) < 1e9, also when < 0. */
	tstime_to_timespec(offset_ns, &ts);
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_SETOFFSET | ADJ_NANO;
	tx.time.tv_sec = ts.tv_sec;
	tx.time.tv_usec = ts.tv_nsec;
	return sys_adjtime(&tx);
}

static long
ns_to_us_capped(int64_t ns, bool round_up)
{
	int64_t us = ns / NS_PER_US;

	/* A maximum error must never shrink in the conversion. */
	if (round_up && ns % NS_PER_US != 0)
		us++;
	else if (!round_up && ns % NS_PER_US >= NS_PER_US / 2)
		us++;
	return (long)(us < KERNEL_MAX_ERROR_US ? us : KERNEL_MAX_ERROR_US);
}

static int
system_set_status(struct clock *c, const struct clock_status *st)
{
	struct timex tx;
	int status = 0, rc;

	(void)c;
	if (st->tai_offset_s > KERNEL_MAX_TAI_S)
		return -ERANGE;
	if ((rc = read_status_word(&status)) < 0)
		return rc;
	status &= ~(STA_INS | STA_DEL | STA_UNSYNC);
	if (st->leap == CLOCK_LEAP_INSERT)
		status |= STA_INS;
	else if (st->leap == CLOCK_LEAP_DELETE)
		status |= STA_DEL;
	if (st->unsync || st->maxerror_ns >= KERNEL_MAX_ERROR_US * NS_PER_US)
		status |= STA_UNSYNC;

	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_MAXERROR | ADJ_ESTERROR | ADJ_STATUS | ADJ_TAI;
	tx.maxerror = ns_to_us_capped(st->maxerror_ns, true);
	tx.esterror = ns_to_us_capped(st->esterror_ns, false);
	tx.status = status;
	tx.constant = st->tai_offset_s;	/* ADJ_TAI reads it from here */
	return sys_adjtime(&tx);
}

static void
system_destroy(struct clock *c)
{
	free(container_of(c, struct clock_system, base));
}

static const struct clock_ops system_ops = {
	.name = "system",
	.read = clock_realtime_read,
	.read_with_bounds = clock_realtime_read_with_bounds,
	.adjust_frequency = system_adjust_frequency,
	.adjust_phase = system_adjust_phase,
	.step = system_step,
	.set_status = system_set_status,
	.get_status = clock_realtime_get_status,
	.destroy = system_destroy,
};

struct clock *
clock_system_create(const struct cfg_clock *cfg, char *err, size_t errlen)
{
	struct clock_system *s;
	int status, rc;

	(void)cfg;
	/* Fail at start-up, not at the first update, if the call is missing. */
	if ((rc = read_status_word(&status)) < 0) {
		snprintf(err, errlen, "clock_adjtime(CLOCK_REALTIME): %s",
		    strerror(-rc));
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "clock: %s", strerror(errno));
		return NULL;
	}
	s->base.ops = &system_ops;
	return &s->base;
}

/*
 * clock_phc.c - the phc driver: a PTP hardware clock (/dev/ptpN) steered
 * through its dynamic POSIX clock id, the reverse of phc2sys: the sources
 * measure CLOCK_REALTIME against UTC, the daemon re-references each of
 * their samples to the PHC (phcref.h, with this driver's sys_offset), and
 * the engine's corrections land here.
 *
 * The device is opened read-write only with discipline on (the kernel
 * refuses clock_adjtime() on a PHC opened read-only, whatever the
 * capabilities); with discipline off it is opened read-only, so even a bug
 * in the wrappers could not change it. Writes reach this file only when
 * clock.c let them through.
 *
 * A PHC has no maxerror, esterror, leap bits or TAI offset: set_status is
 * a no-op and get_status gives the frequency alone (kernel_publish() skips
 * this driver). The published max_error is the engine's, about the PHC.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/timex.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/ptp_clock.h>

#include "cfg.h"
#include "clock_private.h"
#include "phc.h"
#include "tstime.h"

/* The dynamic clock id of an open /dev/ptpN (see clock_getres(2)). */
#define CLOCKFD			3
#define FD_TO_CLOCKID(fd)	((clockid_t)((~(unsigned int)(fd) << 3) | CLOCKFD))

/* Folding a phase into the frequency: the offset is slewed over this long
 * (until the next frequency adjustment replaces it). */
#define PHASE_FOLD_S		16

struct clock_phc {
	struct clock	base;
	struct phc	phc;		/* the device, and the PHC-sys reads */
	clockid_t	id;
	double		max_adj_ppb;	/* PTP_CLOCK_GETCAPS; 0: not stated */
	double		freq_ppb;	/* as last set */
	bool		no_adjphase;	/* ADJ_OFFSET refused once */
};

static struct clock_phc *
phc_of(struct clock *c)
{
	return container_of(c, struct clock_phc, base);
}

static int
neg_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

long
clock_phc_ppb_to_scaled_ppm(double freq_ppb)
{
	/* timex.freq: ppm with a 16-bit binary fraction, positive = faster */
	return lround(freq_ppb * 65.536);
}

double
clock_phc_scaled_ppm_to_ppb(long scaled_ppm)
{
	return (double)scaled_ppm / 65.536;
}

static int
phc_adjtime(struct clock_phc *p, struct timex *tx)
{
	if (clock_adjtime(p->id, tx) == -1)
		return neg_errno();
	return 0;
}

static int
phc_clock_read(struct clock *c, int64_t *t_ns)
{
	struct timespec ts;

	if (clock_gettime(phc_of(c)->id, &ts) != 0)
		return neg_errno();
	*t_ns = tstime_from_timespec(&ts);
	return 0;
}

static int
phc_read_with_bounds(struct clock *c, int64_t *t_ns, int64_t *window_ns)
{
	struct timespec before, ts, after;

	if (clock_gettime(CLOCK_MONOTONIC_RAW, &before) != 0 ||
	    clock_gettime(phc_of(c)->id, &ts) != 0 ||
	    clock_gettime(CLOCK_MONOTONIC_RAW, &after) != 0)
		return neg_errno();
	*t_ns = tstime_from_timespec(&ts);
	*window_ns = tstime_from_timespec(&after) -
	    tstime_from_timespec(&before);
	return 0;
}

static int
phc_adjust_frequency(struct clock *c, double freq_ppb)
{
	struct clock_phc *p = phc_of(c);
	struct timex tx;
	int rc;

	if (p->max_adj_ppb > 0 && fabs(freq_ppb) > p->max_adj_ppb)
		return -ERANGE;
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_FREQUENCY;
	tx.freq = clock_phc_ppb_to_scaled_ppm(freq_ppb);
	if ((rc = phc_adjtime(p, &tx)) == 0)
		p->freq_ppb = freq_ppb;
	return rc;
}

/*
 * ADJ_OFFSET when the PHC driver implements adjphase (a hardware phase
 * slew); otherwise the phase is folded into the frequency: offset over
 * PHASE_FOLD_S on top of the frequency last set, which the next frequency
 * adjustment replaces.
 */
static int
phc_adjust_phase(struct clock *c, int64_t offset_ns)
{
	struct clock_phc *p = phc_of(c);
	struct timex tx;
	double fold_ppb;
	int rc;

	if (!p->no_adjphase) {
		memset(&tx, 0, sizeof(tx));
		tx.modes = ADJ_OFFSET | ADJ_NANO;
		if (offset_ns > LONG_MAX || offset_ns < -LONG_MAX)
			return -ERANGE;
		tx.offset = (long)offset_ns;
		rc = phc_adjtime(p, &tx);
		if (rc != -EOPNOTSUPP)
			return rc;
		p->no_adjphase = true;
	}
	fold_ppb = p->freq_ppb + (double)offset_ns / PHASE_FOLD_S;
	if (fabs(fold_ppb) > c->max_freq_ppb)
		return -ERANGE;
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_FREQUENCY;
	tx.freq = clock_phc_ppb_to_scaled_ppm(fold_ppb);
	return phc_adjtime(p, &tx);
}

static int
phc_step(struct clock *c, int64_t offset_ns)
{
	struct timespec ts;
	struct timex tx;

	/* ADJ_SETOFFSET wants 0 <= tv_usec (ns here) < 1e9, also when < 0. */
	tstime_to_timespec(offset_ns, &ts);
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_SETOFFSET | ADJ_NANO;
	tx.time.tv_sec = ts.tv_sec;
	tx.time.tv_usec = ts.tv_nsec;
	return phc_adjtime(phc_of(c), &tx);
}

/* A PHC has no status word, maxerror or TAI offset to write. */
static int
phc_set_status(struct clock *c, const struct clock_status *st)
{
	(void)c;
	(void)st;
	return 0;
}

static int
phc_get_status(struct clock *c, struct clock_status *st)
{
	struct timex tx;
	int rc;

	memset(&tx, 0, sizeof(tx));
	tx.modes = 0;		/* read only */
	if ((rc = phc_adjtime(phc_of(c), &tx)) < 0)
		return rc;
	memset(st, 0, sizeof(*st));
	st->maxerror_ns = -1;	/* none: see clock_json() */
	st->esterror_ns = -1;
	st->leap = CLOCK_LEAP_NONE;
	st->tai_offset_s = 0;
	st->unsync = false;
	st->freq_ppb = clock_phc_scaled_ppm_to_ppb(tx.freq);
	return 0;
}

static int
phc_sys_offset(struct clock *c, int64_t *offset_ns, int64_t *window_ns,
    int64_t *mono_ns)
{
	struct clock_phc *p = phc_of(c);
	struct ptp_phc_reading r;
	struct timespec m;
	int rc;

	if ((rc = phc_read(&p->phc, &r)) < 0)
		return rc;
	if (clock_gettime(CLOCK_MONOTONIC, &m) != 0)
		return neg_errno();
	*offset_ns = r.phc_ns - r.sys_ns;
	*window_ns = r.window_ns;
	*mono_ns = tstime_from_timespec(&m);
	return 0;
}

static void
phc_destroy(struct clock *c)
{
	struct clock_phc *p = phc_of(c);

	phc_close(&p->phc);
	free(p);
}

static const struct clock_ops phc_ops = {
	.name = "phc",
	.read = phc_clock_read,
	.read_with_bounds = phc_read_with_bounds,
	.adjust_frequency = phc_adjust_frequency,
	.adjust_phase = phc_adjust_phase,
	.step = phc_step,
	.set_status = phc_set_status,
	.get_status = phc_get_status,
	.destroy = phc_destroy,
	.sys_offset = phc_sys_offset,
};

/* phc_open() opens read-only, enough for reads; steering needs write. */
static int
reopen_rw(struct clock_phc *p, char *err, size_t errlen)
{
	int fd = open(p->phc.device, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s (writing a PHC needs the "
		    "device open for writing)", p->phc.device, strerror(errno));
		return -1;
	}
	close(p->phc.fd);
	p->phc.fd = fd;
	return 0;
}

static int
open_device(struct clock_phc *p, const struct cfg_clock *cfg, char *err,
    size_t errlen)
{
	struct ptp_clock_caps caps;
	struct timespec ts;

	if (cfg->phc == NULL && cfg->interface == NULL) {
		snprintf(err, errlen, "clock.driver phc needs clock.phc "
		    "(/dev/ptpN) or clock.interface");
		return -1;
	}
	if (phc_open(&p->phc, cfg->phc, cfg->interface, err, errlen) < 0)
		return -1;
	if (cfg->discipline && reopen_rw(p, err, errlen) < 0)
		return -1;
	p->id = FD_TO_CLOCKID(p->phc.fd);
	if (clock_gettime(p->id, &ts) != 0) {
		snprintf(err, errlen, "%s: not a clock: %s", p->phc.device,
		    strerror(errno));
		return -1;
	}
	memset(&caps, 0, sizeof(caps));
	if (ioctl(p->phc.fd, PTP_CLOCK_GETCAPS, &caps) == 0 && caps.max_adj > 0)
		p->max_adj_ppb = caps.max_adj;
	return 0;
}

struct clock *
clock_phc_create(const struct cfg_clock *cfg, char *err, size_t errlen)
{
	struct clock_phc *p = calloc(1, sizeof(*p));
	struct clock_status st;

	if (p == NULL) {
		snprintf(err, errlen, "clock: %s", strerror(errno));
		return NULL;
	}
	p->phc.fd = -1;
	p->base.ops = &phc_ops;
	if (open_device(p, cfg, err, errlen) < 0) {
		phc_close(&p->phc);
		free(p);
		return NULL;
	}
	/* Start from the frequency the PHC has, as the system driver does. */
	if (phc_get_status(&p->base, &st) == 0)
		p->freq_ppb = st.freq_ppb;
	p->base.tai = cfg->timescale == CFG_TIMESCALE_TAI;
	snprintf(p->base.label, sizeof(p->base.label), "phc %s (%s)",
	    p->phc.device, p->base.tai ? "tai" : "utc");
	return &p->base;
}

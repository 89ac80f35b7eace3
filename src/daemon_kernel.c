/*
 * daemon_kernel.c - keep the kernel's view of the clock coherent with
 * tsyncd's, and notice when someone else steps it.
 *
 * With a disciplining driver, the kernel's maxerror and esterror (what
 * adjtimex(2), ntp_gettime(3) and `chronyc`-less tools read) are written
 * after every engine update from the published max_error and u, with
 * STA_UNSYNC while tsyncd has no lock; the TAI offset comes from the
 * leap-second table, and STA_INS/STA_DEL are armed on the leap day only,
 * so the kernel inserts or deletes the second at the end of that UTC day
 * (leap.mode step; slew and smear never arm it).
 *
 * With any driver but sim, CLOCK_REALTIME - CLOCK_MONOTONIC is watched
 * (clockwatch.h): a change we did not make is a step by another process,
 * logged, audited, published, and handed to the engine as a disturbance.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "cfg.h"
#include "clock.h"
#include "ctl_server.h"
#include "daemon.h"
#include "log.h"
#include "tstime.h"

#define WATCH_THRESHOLD_NS	50000	/* 50 us: below, read noise */
#define UNSYNC_MAXERROR_NS	(16 * INT64_C(1000000000))
#define DAY_S			86400

/* sim and phc: CLOCK_REALTIME is not the disciplined clock. */
static bool
watched(const struct daemon *d)
{
	return strcmp(clock_name(d->clock), "sim") != 0 &&
	    strcmp(clock_name(d->clock), "phc") != 0;
}

void
kernel_init(struct daemon *d)
{
	clockwatch_init(&d->watch, WATCH_THRESHOLD_NS);
	d->kernel_leap = 0;
	d->kernel_warned = false;
}

void
kernel_expect_step(struct daemon *d, double step_s)
{
	clockwatch_expect(&d->watch, tstime_from_s(step_s));
}

static void
external_step(struct daemon *d, int64_t now, int64_t step_ns)
{
	double step_s = tstime_to_s(step_ns);

	log_at(LL_WARNING, "clock_stepped_externally",
	    json_pack("{s:f}", "step_s", step_s), "CLOCK_REALTIME was stepped "
	    "by %+.6f s by another process; samples dropped, estimate "
	    "restarted", step_s);
	audit_record(d, "step", json_pack("{s:f, s:s}", "step_s", step_s, "by",
	    "other process"));
	if (d->ctl != NULL)
		ctl_server_publish(d->ctl, "clock_stepped_externally",
		    json_pack("{s:f}", "step_s", step_s));
	engine_disturbed(d->engine, now, step_s, "clock stepped by another "
	    "process");
}

void
kernel_watch(struct daemon *d, int64_t now)
{
	int64_t real, mono, window, step = 0;

	if (!watched(d) || clockwatch_read(&real, &mono, &window) < 0)
		return;
	switch (clockwatch_check(&d->watch, real, mono, window, &step)) {
	case CLOCKWATCH_STEPPED:
		external_step(d, now, step);
		break;
	case CLOCKWATCH_LEAP:
		log_notice("leap_second_applied", "the kernel applied a leap "
		    "second (CLOCK_REALTIME moved by %+.3f s at midnight UTC)",
		    tstime_to_s(step));
		audit_record(d, "leap", json_pack("{s:s, s:f}", "event",
		    "applied", "step_s", tstime_to_s(step)));
		break;
	default:
		break;
	}
}

/* +1/-1 on the UTC day that ends with a leap second, else 0. */
static int
leap_today(struct daemon *d, int64_t now_ns, int *tai)
{
	int64_t now_s = now_ns / NS_PER_S, when;
	int delta;

	*tai = -1;
	if (!leap_usable(&d->leap))
		return 0;
	*tai = leapfile_tai_offset(&d->leap.t, now_s);
	if (leapfile_next(&d->leap.t, now_s, &when, &delta) != 1)
		return 0;
	return when - now_s <= DAY_S ? delta : 0;
}

static void
note_leap_flag(struct daemon *d, int leap)
{
	if (leap == d->kernel_leap)
		return;
	if (leap != 0)
		log_notice("leap_armed", "kernel armed to %s a leap second at "
		    "the end of this UTC day", leap > 0 ? "insert" : "delete");
	else
		log_info("leap_disarmed", "kernel leap flag cleared");
	audit_record(d, "leap", json_pack("{s:s, s:i}", "event", leap != 0 ?
	    "armed" : "disarmed", "delta_s", leap));
	if (d->ctl != NULL)
		ctl_server_publish(d->ctl, leap != 0 ? "leap_armed" :
		    "leap_disarmed", json_pack("{s:i}", "delta_s", leap));
	d->kernel_leap = leap;
}

void
kernel_publish(struct daemon *d, int64_t now)
{
	struct engine_estimate e;
	struct engine_status st;
	struct clock_status ks, cur;
	int64_t local;
	int leap, tai, rc;

	/* A PHC has no kernel status to write (clock_phc.c). */
	if (!clock_disciplined(d->clock) || strcmp(clock_name(d->clock),
	    "phc") == 0 || clock_read(d->clock, &local) < 0)
		return;
	engine_status(d->engine, now, &st);
	memset(&ks, 0, sizeof(ks));
	if (engine_estimate(d->engine, now, &e) == 0 && isfinite(e.max_error_s)) {
		ks.maxerror_ns = tstime_from_s(fmin(e.max_error_s, 16.0));
		ks.esterror_ns = tstime_from_s(fmin(e.u_s, 16.0));
	} else {
		ks.maxerror_ns = ks.esterror_ns = UNSYNC_MAXERROR_NS;
	}
	ks.unsync = !(st.state == ENGINE_LOCKED || st.state == ENGINE_HOLDOVER);
	leap = ks.unsync ? 0 : leap_today(d, local, &tai);
	if (ks.unsync)
		(void)leap_today(d, local, &tai);
	/* leap.mode slew/smear: tsyncd moves the clock itself (daemon_leap.c) */
	if (d->cfg->leap.mode != CFG_LEAP_STEP)
		leap = 0;
	ks.leap = leap > 0 ? CLOCK_LEAP_INSERT : leap < 0 ? CLOCK_LEAP_DELETE :
	    CLOCK_LEAP_NONE;
	/* Without a usable table, leave the kernel's TAI offset as it is. */
	if (tai < 0 && clock_get_status(d->clock, &cur) == 0)
		tai = cur.tai_offset_s;
	ks.tai_offset_s = tai < 0 ? 0 : tai;
	rc = clock_set_status(d->clock, &ks);
	if (rc < 0) {
		if (!d->kernel_warned)
			log_warning("kernel_status_failed", "cannot write the "
			    "kernel's maxerror/esterror/status: %s",
			    strerror(-rc));
		d->kernel_warned = true;
		return;
	}
	d->kernel_warned = false;
	note_leap_flag(d, leap);
}

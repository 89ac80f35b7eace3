/*
 * notify.c - sd_notify(3) wrapper: readiness, status, reload, stop and
 * watchdog messages to the service manager.
 *
 * libsystemd does the socket work (abstract and path sockets, credentials);
 * this file only builds the messages and keeps them to one line each.
 * The environment is never unset: a reload or a test may notify again.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "notify.h"
#include "tstime.h"

/* STATUS= text beyond this is cut: systemctl shows one line anyway. */
#define STATUS_MAX	256

static int
send_msg(const char *msg)
{
	int r = sd_notify(0, msg);

	if (r < 0) {
		log_rl(LL_WARNING, "notify_failed", json_pack("{s:s, s:s}",
		    "message", msg, "error", strerror(-r)),
		    "cannot notify the service manager: %s", strerror(-r));
		return r;
	}
	return 0;
}

int
notify_ready(void)
{
	return send_msg("READY=1");
}

int
notify_status(const char *fmt, ...)
{
	char msg[sizeof("STATUS=") + STATUS_MAX];
	size_t prefix = strlen("STATUS=");
	va_list ap;

	memcpy(msg, "STATUS=", prefix);
	va_start(ap, fmt);
	vsnprintf(msg + prefix, sizeof(msg) - prefix, fmt, ap);
	va_end(ap);
	/* A newline would start a new assignment the manager would obey. */
	for (char *p = msg + prefix; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return send_msg(msg);
}

int
notify_reloading(void)
{
	char msg[64];
	struct timespec ts;

	/* systemd >= 253 (Type=notify-reload) matches the reload by this
	 * time stamp; older managers ignore the extra line. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%lld",
	    (long long)(tstime_from_timespec(&ts) / 1000));
	return send_msg(msg);
}

int
notify_stopping(void)
{
	return send_msg("STOPPING=1");
}

int
notify_watchdog(void)
{
	return send_msg("WATCHDOG=1");
}

int
notify_watchdog_interval_ns(int64_t *interval_ns)
{
	uint64_t usec = 0;

	*interval_ns = 0;
	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return 0;
	/* Half the timeout: one late wake-up must not kill the service. */
	usec /= 2;
	*interval_ns = usec > (uint64_t)INT64_MAX / 1000 ? INT64_MAX :
	    (int64_t)usec * 1000;
	return 1;
}

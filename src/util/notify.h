/*
 * notify.h - the service manager's readiness protocol (sd_notify(3)).
 *
 * Every call is a no-op returning 0 when NOTIFY_SOCKET is unset, so the
 * daemon calls them unconditionally: under systemd (Type=notify) they
 * report state, in a shell or a test they cost a getenv().
 *
 * Returns 0 (sent, or nothing to send to), or a negative errno when the
 * socket is set but the datagram could not be sent; that failure is also
 * logged (rate-limited), so callers may ignore the result.
 */
#ifndef TSYNC_NOTIFY_H
#define TSYNC_NOTIFY_H

#include <stdint.h>

/* "READY=1": start-up (or a reload) is complete and the control socket answers. */
int	notify_ready(void);

/* "STATUS=<text>": a one-line state shown by systemctl status. Newlines
 * in the formatted text become spaces. */
int	notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "RELOADING=1" and "MONOTONIC_USEC=<now>": a reload begins; follow with
 * notify_ready() when it is over, whether or not it succeeded. */
int	notify_reloading(void);

/* "STOPPING=1": shutdown has begun. */
int	notify_stopping(void);

/* "WATCHDOG=1": the main loop is alive. */
int	notify_watchdog(void);

/*
 * The interval at which to call notify_watchdog(): half of WATCHDOG_USEC,
 * as sd_watchdog_enabled(3) recommends, when the watchdog is on for this
 * process (WATCHDOG_PID unset or ours). Returns 1 and sets *interval_ns,
 * or 0 (watchdog off, *interval_ns = 0).
 */
int	notify_watchdog_interval_ns(int64_t *interval_ns);

#endif

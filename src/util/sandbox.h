/*
 * sandbox.h - an optional seccomp allowlist (libseccomp), installed once
 * start-up is done: files, sockets and devices are open, privileges are
 * dropped. What tsyncd does from then on -- the event loop, its sockets,
 * clocks, logs, the audit file, reloads -- needs only the system calls on
 * the list; any other fails with EPERM (the daemon logs the failure and
 * goes on) instead of running.
 */
#ifndef TSYNC_SANDBOX_H
#define TSYNC_SANDBOX_H

#include <stddef.h>

/* 0, or -1 with err filled. Irreversible; inherited by children. */
int	sandbox_apply(char *err, size_t errlen);
/* How many system calls the list allows (for the log). */
int	sandbox_allowed_count(void);

#endif

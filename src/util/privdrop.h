/*
 * privdrop.h - leave root after start-up: switch to an unprivileged user
 * keeping only the capabilities the configuration needs.
 *
 * Called once, after every device and privileged socket is open and
 * before the main loop. What to keep is the caller's decision: CAP_SYS_TIME
 * when the clock is disciplined through a driver that writes it, nothing
 * in observe mode, CAP_NET_BIND_SERVICE only if a port below 1024 must be
 * bound again later.
 */
#ifndef TSYNC_PRIVDROP_H
#define TSYNC_PRIVDROP_H

#include <stddef.h>

#define PRIVDROP_DEFAULT_USER	"tsync"

/*
 * Switch to `user` (NULL: PRIVDROP_DEFAULT_USER) and its primary group,
 * with no supplementary groups, keeping exactly caps[0..ncaps-1] (CAP_*
 * numbers) in the effective and permitted sets. Inheritable and ambient
 * sets are emptied, and so is the bounding set when CAP_SETPCAP is held
 * (nothing can be regained, even through exec); without CAP_SETPCAP the
 * bounding set stays as the service manager left it.
 *
 * Returns 0 when done; 1 when the process is not running as root, in
 * which case nothing is changed and a notice says why; -1 on error with
 * one line in err (e.g. the user does not exist). After -1 the process
 * may be half-way: the caller must exit.
 */
int	privdrop_apply(const char *user, const int *caps, int ncaps,
	    char *err, size_t errlen);

#endif

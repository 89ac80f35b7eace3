/*
 * tsctl_check.h - `tsctl check`: the daemon's status judged by the
 * monitoring-plugin convention (Nagios, Icinga, Sensu, ...).
 */
#ifndef TSYNC_TSCTL_CHECK_H
#define TSYNC_TSCTL_CHECK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Plugin exit codes. */
#define TSCTL_CHECK_OK		0
#define TSCTL_CHECK_WARNING	1
#define TSCTL_CHECK_CRITICAL	2
#define TSCTL_CHECK_UNKNOWN	3

/*
 * Fetch the "data" of the daemon's status reply (a new reference), or
 * return NULL with a printable reason in why. tsctl.c supplies it, so
 * that the socket client lives in one place.
 */
typedef json_t *(*tsctl_check_fetch_fn)(void *ctx, char *why, size_t whylen);

struct tsctl_check_opts {
	double		max_error_s;	/* < 0: the daemon's tolerance */
	double		warning_s;	/* < 0: half of max_error_s */
	bool		require_traceable;
	unsigned	states;		/* bit per state, see tsctl_check.c */
};

/*
 * argv[0] is "check". Prints one status line with perfdata on stdout and
 * returns the plugin exit code; a usage error is UNKNOWN too, as the
 * convention asks.
 */
int	tsctl_check_main(int argc, char **argv, tsctl_check_fetch_fn fetch,
	    void *ctx);

/*
 * The verdict on one status object (pure): writes the whole output line
 * (without '\n') to line and returns the exit code.
 */
int	tsctl_check_evaluate(const struct tsctl_check_opts *o, json_t *status,
	    char *line, size_t len);

#endif

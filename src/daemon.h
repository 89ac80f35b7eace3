/*
 * daemon.h - tsyncd's state, shared by the files of the daemon proper
 * (tsyncd.c, daemon_leap.c, daemon_kernel.c). Not a library interface.
 */
#ifndef TSYNC_DAEMON_H
#define TSYNC_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>
#include <jansson.h>

#include "clockwatch.h"
#include "engine.h"
#include "leapfile.h"
#include "leapsmear.h"

struct audit;
struct cfg;
struct clock;
struct ctl_server;
struct metrics;
struct shmclock;
struct srcset;

/* The published estimate over one audit summary interval. */
struct summary {
	int64_t		start_mono_ns;
	unsigned long	samples;	/* updates that had an estimate */
	double		offset_min_s, offset_max_s, offset_sum_s;
	double		max_error_max_s;
};

/* The leap-second table in use; see leap_load(). */
#define LEAP_UNAVAILABLE	(-1)	/* validity without a usable table */
#define LEAP_UNKNOWN		(-2)	/* validity before the first check */

struct leap_state {
	struct leap_table	t;		/* unusable: t.n == 0 or !t.hash_ok */
	bool			loaded;		/* parsed, perhaps with a bad hash */
	char			error[512];	/* why there is no table, or "" */
	int			validity;	/* enum leapfile_validity or above */
	int64_t			checked_mono_ns;
	int64_t			warned_mono_ns;	/* last expiring/expired message */
	bool			disagree;	/* sources contradict the table (leap_votes) */
};

struct daemon {
	struct event_base	*base;
	struct event		*tick;
	struct event		*update;	/* periodic engine update */
	struct engine		*engine;
	struct srcset		*sources;
	enum engine_state	last_state;
	struct cfg		*cfg;
	struct clock		*clock;
	struct ctl_server	*ctl;
	struct audit		*audit;		/* NULL: audit.file is "" */
	struct metrics		*metrics;	/* NULL: status.metrics is "" */
	struct shmclock		*shm;		/* NULL: status.shm is "" */
	struct leap_state	leap;
	bool			dropped;	/* switched to privileges.user */
	bool			sandboxed;	/* seccomp allowlist installed */
	bool			last_within;	/* within_tolerance at the last update */
	struct summary		sum;
	const char		*cfg_path;
	bool			foreground;
	bool			debug;
	int64_t			start_mono_ns;
	int64_t			start_real_ns;
	int64_t			watchdog_ns;	/* 0: no WATCHDOG=1 */
	int64_t			last_watchdog_ns;
	struct clockwatch	watch;		/* steps by other processes */
	int64_t			last_stats_ns;	/* last statistics record (log.interval) */
	bool			trace_pending;	/* write a "trace" audit record after this update */
	char			trace_reason[128];
	int			kernel_leap;	/* the leap flag we set: 0, +1, -1 */
	bool			leap_prof_set;	/* leap.mode slew/smear: the engine has ... */
	struct leapsmear	leap_prof;	/* ... this profile (daemon_leap.c) */
	bool			kernel_warned;	/* a failed status write was logged */
};

/* tsyncd.c */
int64_t	daemon_mono_ns(void);
void	audit_record(struct daemon *d, const char *type, json_t *data);

/* daemon_leap.c: the leap-second table */
bool	leap_usable(const struct leap_state *l);
json_t	*leap_json(void *arg);
void	leap_load(struct daemon *d);
void	leap_tick(struct daemon *d, int64_t now_mono);

/* daemon_trace.c: the "trace" reply */
json_t	*trace_json(void *arg);

/* daemon_kernel.c: the kernel's view of the clock */
void	kernel_init(struct daemon *d);
/* Before each engine update: steps by other processes. */
void	kernel_watch(struct daemon *d, int64_t now_mono);
/* We step the clock by step_s (so kernel_watch() does not report it). */
void	kernel_expect_step(struct daemon *d, double step_s);
/* After each engine update: maxerror, esterror, STA_UNSYNC, TAI offset. */
void	kernel_publish(struct daemon *d, int64_t now_mono);

#endif

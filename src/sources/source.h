/*
 * source.h - the daemon's time sources (ntp now; ptp, gnss, shm and gpsd
 * as their drivers land) behind one interface.
 *
 * A driver owns its sockets and timers on the daemon's event base, turns
 * what it receives into struct sample (offset = reference - disciplined
 * clock, with its budget and hard bound) and hands each to the daemon
 * through struct source_env. It never reads the disciplined clock itself:
 * env->map_real() turns a CLOCK_REALTIME timestamp (what the kernel
 * stamps packets with) into the CLOCK_MONOTONIC instant and the
 * disciplined clock's reading at that instant, so the same driver serves
 * the observe, system and sim clocks.
 */
#ifndef TSYNC_SOURCE_H
#define TSYNC_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "sample.h"

struct cfg_source;
struct evdns_base;
struct source;

struct source_env {
	struct event_base	*base;
	struct evdns_base	*dns;		/* NULL: no resolver; names fail */
	void			*arg;
	/* real -> (mono, local); 0 or -1 */
	int	(*map_real)(void *arg, const struct timespec *real,
		    int64_t *mono_ns, int64_t *local_ns);
	/* one measurement of source id */
	void	(*sample)(void *arg, int id, const struct sample *s);
	/* a stable event name and a one-line detail, for the logs and
	 * subscribers ("ntp_kod", "source_unreachable", ...) */
	void	(*event)(void *arg, int id, const char *event,
		    const char *detail);
	/* the driver's verdict, whatever the samples say */
	void	(*set_usable)(void *arg, int id, bool usable, const char *why);
	/* the source's own evidence of a trace to UTC(k) changed (a PTP
	 * grandmaster's clockClass, timeTraceable); NULL: not wired */
	void	(*set_traceable)(void *arg, int id, bool traceable);
	/* What the daemon knows of its clock at mono_ns, for a driver that
	 * must number what it measures (a PPS edge alone says nothing of
	 * which second it marks): *offset_s = UTC - the disciplined clock,
	 * with |true - *offset_s| <= *bound_s. The engine's estimate; before
	 * it has one, the tightest estimate of another source than id
	 * (noselect ones too). -1 when there is none, and always with the
	 * phc clock driver (the estimates are then the PHC's); NULL: not
	 * wired */
	int	(*clock_bound)(void *arg, int id, int64_t mono_ns,
		    double *offset_s, double *bound_s);
	/* where drivers bind their own sockets (ptp's client socket);
	 * NULL: $TSYNCD_RUNDIR, else /run/tsyncd */
	const char	*rundir;
};

/* Why a source is not usable, as the driver sees it. */
enum source_health {
	SOURCE_OK,		/* answering; the engine decides the rest */
	SOURCE_STARTING,	/* no answer yet (resolving, first polls) */
	SOURCE_UNREACHABLE,	/* no answer to the last 8 polls */
	SOURCE_UNUSABLE,	/* answering, but refused: KoD, unsynchronised, ... */
};

/*
 * Create and start the source for cfg (which must outlive it), with the
 * engine's id. Returns NULL with err filled ("name: why").
 */
struct source *source_create(const struct cfg_source *cfg, int id,
	    const struct source_env *env, char *err, size_t errlen);
void	source_destroy(struct source *s);

/* After a reload that left this source's settings as they were. */
void	source_rebind(struct source *s, const struct cfg_source *cfg);

const char *source_name(const struct source *s);
const char *source_type(const struct source *s);	/* "ntp", "ptp", ... */
enum source_health source_health(const struct source *s);
/*
 * The driver's figures for `tsctl sources` (address, reach, stratum,
 * refid, timestamping, poll_s, kod, counters, ...): a new object.
 */
json_t	*source_info_json(const struct source *s, int64_t now_mono_ns);
/* A budget as JSON rows {name, u_s, type "A"|"B", origin}: one form for
 * tsctl sources, trace and status. */
json_t	*source_budget_json(const struct budget *b);
/* Bad inputs dropped since start (malformed, forged, stale). */
unsigned long source_dropped(const struct source *s);

#endif

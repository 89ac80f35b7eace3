/*
 * srcset.h - the daemon's configured sources: their drivers, wired to the
 * engine. Samples go to engine_sample(), a driver's verdicts to
 * engine_source_set_usable(), events to the daemon's hook; `tsctl
 * sources` reads srcset_json().
 */
#ifndef TSYNC_SRCSET_H
#define TSYNC_SRCSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "sample.h"

struct cfg;
struct engine;
struct srcset;

struct srcset_hooks {
	void	*arg;
	/* see struct source_env */
	int	(*map_real)(void *arg, const struct timespec *real,
		    int64_t *mono_ns, int64_t *local_ns);
	void	(*event)(void *arg, const char *source, const char *event,
		    const char *detail);
	const char *rundir;	/* see struct source_env; NULL: default */
	/* Put a sample measured against CLOCK_REALTIME onto the disciplined
	 * clock (a PHC), in place, before the engine sees it; -1 drops it.
	 * NULL: the disciplined clock is CLOCK_REALTIME (or simulated). */
	int	(*rereference)(void *arg, struct sample *s);
};

/*
 * Add every source of cfg to the engine and start its driver. cfg and
 * engine must outlive the set. NULL with err filled on failure.
 */
struct srcset *srcset_create(const struct cfg *cfg, struct engine *engine,
	    struct event_base *base, const struct srcset_hooks *hooks,
	    char *err, size_t errlen);
void	srcset_destroy(struct srcset *set);

/* True when b's sources are a's, setting for setting (a reload can keep
 * the running drivers and their history). */
bool	srcset_cfg_equal(const struct cfg *a, const struct cfg *b);
/* Point the running sources at ncfg's identical entries. */
void	srcset_rebind(struct srcset *set, const struct cfg *ncfg);

/* {"sources": [...]} for the control socket's "sources" command. */
json_t	*srcset_json(const struct srcset *set, int64_t now_mono_ns);
/* [{name, type, state}, ...]: what the status reply lists, without
 * building every source's figures (status is asked for often). */
json_t	*srcset_summary_json(const struct srcset *set, int64_t now_mono_ns);
/* One source's entry of srcset_json() by engine id; NULL if unknown. */
json_t	*srcset_source_json(const struct srcset *set, int engine_id,
	    int64_t now_mono_ns);
/* A source's leap announcement (NTP LI, PTP leap59/61, ...). */
struct srcset_leap_vote {
	char		name[40];
	enum sample_leap leap;
	double		age_s;		/* of the sample that carried it */
};

/* The votes of sources heard from within their timeout; returns how many. */
int	srcset_leap_votes(const struct srcset *set, int64_t now_mono_ns,
	    struct srcset_leap_vote *out, int max);
/* Bad inputs dropped by every source since start. */
unsigned long srcset_dropped(const struct srcset *set);
int	srcset_count(const struct srcset *set);

#endif

/*
 * metrics.h - the OpenMetrics / Prometheus endpoint: GET /metrics over
 * HTTP (libevent evhttp), bound to status.metrics ("HOST:PORT").
 *
 * The module reads nothing itself. On every scrape it asks its provider
 * (struct metrics_handlers) to fill a struct metrics_figures, then formats
 * them with metrics_format(), a pure function the unit tests drive with
 * hand-made figures. Filling at scrape time keeps the figures exactly as
 * fresh as `tsctl status` and costs nothing when nobody scrapes; a plain
 * struct (rather than engine handles) keeps this module out of the core.
 *
 * Two formats from the same figures, chosen by the request's Accept:
 * OpenMetrics 1.0.0 (the default, and what Prometheus asks for) and the
 * Prometheus text format 0.0.4 (only when the client accepts text/plain
 * and not OpenMetrics; promtool and older scrapers read that one). They
 * differ only where the formats do: counter family names (without/with
 * _total on the TYPE line), the info type (a gauge in 0.0.4), UNIT lines
 * and the closing "# EOF".
 *
 * Limits: request headers 8 KiB, bodies 1 KiB, 10 s per connection;
 * paths other than /metrics get 404, methods other than GET/HEAD 405.
 */
#ifndef TSYNC_METRICS_H
#define TSYNC_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

#define METRICS_MAX_SOURCES	ENGINE_MAX_SOURCES

enum metrics_format {
	METRICS_OPENMETRICS,	/* application/openmetrics-text; version=1.0.0 */
	METRICS_TEXT,		/* text/plain; version=0.0.4 */
};

struct metrics_source {
	char		name[32];	/* label source="..." */
	enum sel_state	state;
	bool		usable;
	bool		have_estimate;	/* the figures below are valid */
	double		offset_s;
	double		offset_u_s;	/* standard error of offset_s */
	double		jitter_s;
	double		max_error_s;	/* hard bound */
	double		age_s;		/* since the newest sample */
	unsigned long	samples, rejected;
	int		reach;		/* 8-bit register; -1: the type has none */
	bool		have_delay;
	double		delay_s;	/* round trip of the last sample */
	unsigned long	dropped;	/* bad inputs counted and dropped */
};

/* What one scrape shows. Optional groups have a have_ flag. */
struct metrics_figures {
	const char	*version;
	enum engine_state state;
	double		state_age_s;
	int		clock_class;
	bool		traceable;
	bool		within_tolerance;
	double		tolerance_s;
	double		time_to_tolerance_s;	/* not finite: absent */
	bool		have_estimate;
	double		offset_s, u_s, U_s, max_error_s, freq_ppb;
	double		uptime_s;
	bool		have_ctl;		/* the control socket is open */
	int		ctl_clients;
	unsigned long	ctl_bad_requests, ctl_refused;
	bool		have_audit;		/* the audit log is open */
	unsigned long	audit_failures;
	bool		have_leap_expiry;
	double		leap_expiry_unix_s;	/* the leap table's expiry (UTC) */
	int		nsources;
	struct metrics_source source[METRICS_MAX_SOURCES];
};

struct metrics_handlers {
	/* Fill *f (zeroed by the caller) with the figures as of now. */
	void	(*collect)(void *arg, struct metrics_figures *f);
	void	*arg;
};

struct event_base;
struct metrics;

/*
 * The exposition of *f in the given format, NUL-terminated, malloc'd;
 * *len (may be NULL) gets its length. NULL only when out of memory.
 */
char	*metrics_format(const struct metrics_figures *f, enum metrics_format fmt,
	    size_t *len);
/* The Content-Type of a format. */
const char *metrics_content_type(enum metrics_format fmt);
/* The format to answer an Accept header with (NULL: none sent). */
enum metrics_format metrics_negotiate(const char *accept);

/*
 * Listen on `listen` ("HOST:PORT", units_parse_hostport()) and serve on base. Returns
 * NULL with err filled (bad address, cannot bind, ...).
 */
struct metrics *metrics_create(struct event_base *base, const char *listen,
	    const struct metrics_handlers *h, char *err, size_t errlen);
void	metrics_destroy(struct metrics *m);
/* Scrapes answered (any status) since create. */
unsigned long metrics_requests(const struct metrics *m);

#endif

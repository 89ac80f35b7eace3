/*
 * daemon_trace.c - the trace chain of the published estimate, for
 * `tsctl trace`: the ordered links from the UTC(k) realisation to this
 * clock, each with its identity, its evidence and the rows of the budget
 * it contributes, and two tables whose rows combine exactly to the
 * published figures: u (quadrature) and max_error (sum).
 *
 * The chain is that of the source the estimate is anchored to: the
 * selected reference, or in holdover the last one.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "clock.h"
#include "daemon.h"
#include "srcset.h"

/* Which link a budget row belongs to. */
enum link { LINK_UTCK, LINK_SERVER, LINK_PATH, LINK_CLOCK, NLINKS };

static enum link
link_of(const char *row)
{
	if (strcmp(row, "server") == 0 || strcmp(row, "receiver") == 0 ||
	    strcmp(row, "nmea_timing") == 0 || strcmp(row, "serial_timing") == 0 ||
	    strcmp(row, "precision") == 0)
		return LINK_SERVER;
	if (strcmp(row, "asymmetry") == 0)
		return LINK_PATH;
	return LINK_CLOCK;
}

static json_t *
budget_rows(const struct budget *b, enum link only, bool all)
{
	json_t *rows = json_array();

	for (int i = 0; i < b->n; i++) {
		const struct budget_item *it = &b->item[i];

		if (!all && link_of(it->name) != only)
			continue;
		json_array_append_new(rows, json_pack("{s:s, s:f, s:s, s:s, s:i}",
		    "name", it->name, "u_s", it->u_s, "type", it->kind ==
		    BUDGET_TYPE_A ? "A" : "B", "origin", it->origin, "link",
		    (int)link_of(it->name) + 1));
	}
	return rows;
}

static json_t *
copy_keys(json_t *src, const char *const *keys)
{
	json_t *o = json_object();

	for (; *keys != NULL; keys++) {
		json_t *v = json_object_get(src, *keys);

		json_object_set(o, *keys, v != NULL ? v : json_null());
	}
	return o;
}

static json_t *
chain_json(struct daemon *d, const struct engine_estimate *e, json_t *src)
{
	static const char *const server_keys[] = { "stratum", "refid", "leap",
	    "root_delay_s", "root_dispersion_s", "reach", NULL };
	static const char *const path_keys[] = { "delay_s", "timestamping",
	    "timestamping_rx", "timestamping_tx", NULL };
	struct engine_status st;
	json_t *trace = json_object_get(src, "trace");
	json_t *gm = json_object_get(src, "chain");	/* ptp: the grandmaster */
	char host[64];

	engine_status(d->engine, e->mono_ns, &st);
	if (gethostname(host, sizeof(host)) < 0)
		strcpy(host, "this host");
	host[sizeof(host) - 1] = '\0';
	return json_pack("[{s:i, s:s, s:O, s:{s:s}, s:o}, "
	    "{s:i, s:s, s:O, s:o, s:o}, {s:i, s:s, s:O, s:o, s:o}, "
	    "{s:i, s:s, s:s, s:{s:s, s:b, s:s}, s:o}]",
	    "link", 1, "type", "utc_k", "identity", trace,
	    "evidence", "basis", json_is_string(trace) ? "declared in the "
	    "configuration (trace:)" : "none: the source has no trace: the "
	    "chain is broken here", "contribution", json_array(),
	    "link", 2, "type", json_string_value(json_object_get(src, "type")),
	    "identity", json_is_object(gm) ? json_object_get(gm, "grandmaster") :
	    json_object_get(src, "address"),
	    "evidence", json_is_object(gm) ? json_deep_copy(gm) :
	    copy_keys(src, server_keys),
	    "contribution", budget_rows(&e->budget, LINK_SERVER, false),
	    "link", 3, "type", "network_path", "identity",
	    json_object_get(src, "address"),
	    "evidence", copy_keys(src, path_keys),
	    "contribution", budget_rows(&e->budget, LINK_PATH, false),
	    "link", 4, "type", "local_clock", "identity", host,
	    "evidence", "driver", clock_label(d->clock), "discipline",
	    clock_disciplined(d->clock), "state", engine_state_name(st.state),
	    "contribution", budget_rows(&e->budget, LINK_CLOCK, false));
}

/* The rows of max_error, which add up to it. */
static json_t *
bound_json(const struct engine_estimate *e, json_t *src)
{
	json_t *last = json_object_get(json_object_get(src, "last_sample"),
	    "hard_bound_s"), *rows = json_array();
	json_t *ls = json_object_get(src, "last_sample");
	double sample = json_is_number(last) ? json_number_value(last) : 0;
	json_t *br = json_object_get(ls, "bound_rows"), *row;
	size_t i;

	/* Reference clocks and PTP list their own terms, with the link each
	 * belongs to when it is not the reference's own (2). */
	if (json_is_array(br)) {
		json_array_foreach(br, i, row) {
			json_t *link = json_object_get(row, "link");

			json_array_append_new(rows, json_pack("{s:s, s:f, s:i}",
			    "name", json_string_value(json_object_get(row, "name")) ?
			    json_string_value(json_object_get(row, "name")) : "?",
			    "s", json_number_value(json_object_get(row, "s")),
			    "link", json_is_integer(link) ?
			    (int)json_integer_value(link) : 2));
		}
	} else if (json_is_object(ls)) {
		json_array_append_new(rows, json_pack("{s:s, s:f, s:i}", "name",
		    "half round-trip delay", "s", json_number_value(
		    json_object_get(ls, "half_delay_s")), "link", 3));
		json_array_append_new(rows, json_pack("{s:s, s:f, s:i}", "name",
		    "server root distance", "s", json_number_value(
		    json_object_get(ls, "root_distance_s")), "link", 2));
		json_array_append_new(rows, json_pack("{s:s, s:f, s:i}", "name",
		    "server precision", "s", json_number_value(
		    json_object_get(ls, "precision_s")), "link", 2));
	}
	json_array_append_new(rows, json_pack("{s:s, s:f, s:i}", "name",
	    "samples combined and extrapolated to the last update (may be "
	    "negative: the samples' bounds intersect)", "s",
	    e->bound_anchor_s - sample, "link", 4));
	json_array_append_new(rows, json_pack("{s:s, s:f, s:i}", "name",
	    "oscillator growth since the last update", "s", e->bound_growth_s,
	    "link", 4));
	if (e->bound_pending_s != 0)
		json_array_append_new(rows, json_pack("{s:s, s:f, s:i}", "name",
		    "clock action not yet confirmed", "s", e->bound_pending_s,
		    "link", 4));
	return json_pack("{s:o, s:f}", "rows", rows, "max_error_s",
	    e->max_error_s);
}

json_t *
trace_json(void *arg)
{
	struct daemon *d = arg;
	struct engine_estimate e;
	struct engine_status st;
	int64_t now = daemon_mono_ns();
	json_t *src, *out;

	engine_status(d->engine, now, &st);
	if (engine_estimate(d->engine, now, &e) < 0 || e.anchor_reference < 0 ||
	    (src = srcset_source_json(d->sources, e.anchor_reference, now)) ==
	    NULL)
		return json_pack("{s:n, s:s, s:b, s:[], s:n, s:n}", "reference",
		    "state", engine_state_name(st.state), "traceable", 0,
		    "chain", "budget", "max_error");
	out = json_pack("{s:O, s:b, s:s, s:b, s:o, s:{s:o, s:f, s:f, s:f}, "
	    "s:o}", "reference", json_object_get(src, "name"),
	    "selected", e.reference >= 0, "state", engine_state_name(st.state),
	    "traceable", st.traceable, "chain", chain_json(d, &e, src),
	    "budget", "rows", budget_rows(&e.budget, LINK_CLOCK, true),
	    "u_s", e.u_s, "k", e.k, "U_s", e.U_s,
	    "max_error", bound_json(&e, src));
	json_decref(src);
	return out;
}

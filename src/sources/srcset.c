/*
 * srcset.c - the configured sources and their wiring to the engine.
 */
#include "config.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/dns.h>

#include "cfg.h"
#include "engine.h"
#include "log.h"
#include "source.h"
#include "srcset.h"

#define TIMEOUT_POLLS	8	/* a source silent for 8 intervals is stale */
#define TIMEOUT_MIN_S	64.0

struct srcset {
	struct engine		*engine;
	struct evdns_base	*dns;
	struct srcset_hooks	hooks;
	int			n;
	struct source		*src[ENGINE_MAX_SOURCES];
	int			id[ENGINE_MAX_SOURCES];	/* engine ids */
	double			timeout_s[ENGINE_MAX_SOURCES];
	bool			have_leap[ENGINE_MAX_SOURCES];
	enum sample_leap	leap[ENGINE_MAX_SOURCES];
	int64_t			leap_mono_ns[ENGINE_MAX_SOURCES];
};

/* ------------------------------------------------------------ env */

static const char *name_of(const struct srcset *set, int id);

static void
on_sample(void *arg, int id, const struct sample *s)
{
	struct srcset *set = arg;
	struct sample rs = *s;

	for (int i = 0; i < set->n; i++) {
		if (set->id[i] != id)
			continue;
		set->have_leap[i] = true;
		set->leap[i] = s->leap;
		set->leap_mono_ns[i] = s->mono_ns;
	}
	if (set->hooks.rereference != NULL &&
	    set->hooks.rereference(set->hooks.arg, &rs) < 0) {
		log_rl(LL_WARNING, "sample_not_rereferenced", NULL, "source %s: "
		    "sample dropped: it cannot be put onto the disciplined "
		    "clock", name_of(set, id));
		return;
	}
	if (engine_sample(set->engine, id, &rs) < 0)
		log_rl(LL_WARNING, "sample_invalid", NULL, "source %d: invalid "
		    "sample dropped", id);
}

static const char *
name_of(const struct srcset *set, int id)
{
	for (int i = 0; i < set->n; i++)
		if (set->id[i] == id)
			return source_name(set->src[i]);
	return "?";
}

static void
on_event(void *arg, int id, const char *event, const char *detail)
{
	struct srcset *set = arg;

	if (set->hooks.event != NULL)
		set->hooks.event(set->hooks.arg, name_of(set, id), event, detail);
}

static void
on_usable(void *arg, int id, bool usable, const char *why)
{
	struct srcset *set = arg;

	engine_source_set_usable(set->engine, id, usable, why);
}

static void
on_traceable(void *arg, int id, bool traceable)
{
	struct srcset *set = arg;

	engine_source_set_traceable(set->engine, id, traceable);
}

static int
on_map_real(void *arg, const struct timespec *real, int64_t *mono_ns,
    int64_t *local_ns)
{
	struct srcset *set = arg;

	return set->hooks.map_real(set->hooks.arg, real, mono_ns, local_ns);
}

static int
on_clock_bound(void *arg, int id, int64_t mono_ns, double *offset_s,
    double *bound_s)
{
	struct srcset *set = arg;
	struct engine_estimate est;
	struct engine_source_info si;
	bool have = false;

	/*
	 * With a PHC disciplined (rereference set), the engine and the
	 * sources' estimates are the PHC's offset from its timescale, not
	 * CLOCK_REALTIME's from UTC, which is what a PPS edge is stamped
	 * with: say nothing rather than number edges from the wrong clock.
	 */
	if (set->hooks.rereference != NULL)
		return -1;
	if (engine_estimate(set->engine, mono_ns, &est) == 0 &&
	    isfinite(est.offset_s) && isfinite(est.max_error_s)) {
		*offset_s = est.offset_s;
		*bound_s = est.max_error_s;
		return 0;
	}
	for (int i = 0; i < set->n; i++) {
		if (set->id[i] == id || engine_source_info(set->engine,
		    set->id[i], mono_ns, &si) < 0 || !si.have_estimate ||
		    !isfinite(si.est.offset_s) || !isfinite(si.est.hard_bound_s))
			continue;
		if (!have || si.est.hard_bound_s < *bound_s) {
			*offset_s = si.est.offset_s;
			*bound_s = si.est.hard_bound_s;
			have = true;
		}
	}
	return have ? 0 : -1;
}

/* ------------------------------------------------------------ create */

static bool
needs_resolver(const struct cfg *cfg)
{
	unsigned char a[16];

	for (size_t i = 0; i < cfg->nsources; i++) {
		const char *h = cfg->sources[i].server;

		if ((cfg->sources[i].type == CFG_SOURCE_NTP ||
		    cfg->sources[i].type == CFG_SOURCE_GPSD) && h != NULL &&
		    inet_pton(AF_INET, h, a) != 1 && inet_pton(AF_INET6, h, a) != 1)
			return true;
	}
	return false;
}

static double
timeout_of(const struct cfg_source *c)
{
	double t = TIMEOUT_POLLS * ldexp(1.0, c->poll_max);

	/* ptp samples every Sync, the receivers every second, whatever
	 * poll_max says: only ntp polls at its interval */
	if (c->type != CFG_SOURCE_NTP)
		return TIMEOUT_MIN_S;

	return t > TIMEOUT_MIN_S ? t : TIMEOUT_MIN_S;
}

static int
add_one(struct srcset *set, const struct cfg_source *c, struct source_env *env,
    char *err, size_t errlen)
{
	struct engine_source_params sp;
	int id;

	memset(&sp, 0, sizeof(sp));
	sp.name = c->name;
	/* Round-trip sources filter on delay; reference clocks on the median. */
	sp.kind = c->type == CFG_SOURCE_NTP || c->type == CFG_SOURCE_PTP ?
	    SST_PACKET : SST_REFCLOCK;
	sp.prefer = c->prefer;
	sp.require = c->require;
	sp.trust = c->trust;
	sp.noselect = c->noselect;
	sp.traceable = c->trace != NULL;
	sp.timeout_s = timeout_of(c);
	if ((id = engine_add_source(set->engine, &sp)) < 0) {
		snprintf(err, errlen, "%s: the engine refused the source (at most "
		    "%d sources)", c->name, ENGINE_MAX_SOURCES);
		return -1;
	}
	/* Before the driver starts: it may deliver a sample at once. */
	set->id[set->n] = id;
	set->timeout_s[set->n] = sp.timeout_s;
	set->src[set->n] = source_create(c, id, env, err, errlen);
	if (set->src[set->n] == NULL)
		return -1;
	set->n++;
	return 0;
}

struct srcset *
srcset_create(const struct cfg *cfg, struct engine *engine,
    struct event_base *base, const struct srcset_hooks *hooks, char *err,
    size_t errlen)
{
	struct srcset *set = calloc(1, sizeof(*set));
	struct source_env env;

	if (set == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	set->engine = engine;
	set->hooks = *hooks;
	if (needs_resolver(cfg)) {
		set->dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
		if (set->dns == NULL)
			log_warning("dns_unavailable", "cannot set up the resolver "
			    "(/etc/resolv.conf): sources given by name cannot "
			    "be resolved");
	}
	memset(&env, 0, sizeof(env));
	env.base = base;
	env.dns = set->dns;
	env.arg = set;
	env.map_real = on_map_real;
	env.sample = on_sample;
	env.event = on_event;
	env.set_usable = on_usable;
	env.set_traceable = on_traceable;
	env.clock_bound = on_clock_bound;
	env.rundir = hooks->rundir;
	for (size_t i = 0; i < cfg->nsources; i++) {
		if (add_one(set, &cfg->sources[i], &env, err, errlen) < 0) {
			srcset_destroy(set);
			return NULL;
		}
	}
	return set;
}

void
srcset_destroy(struct srcset *set)
{
	if (set == NULL)
		return;
	for (int i = 0; i < set->n; i++)
		source_destroy(set->src[i]);
	if (set->dns != NULL)
		evdns_base_free(set->dns, 1);
	free(set);
}

/* ------------------------------------------------------------ reload */

static bool
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool
source_eq(const struct cfg_source *a, const struct cfg_source *b)
{
	return str_eq(a->name, b->name) && a->type == b->type &&
	    a->prefer == b->prefer && a->require == b->require &&
	    a->trust == b->trust && a->noselect == b->noselect &&
	    str_eq(a->trace, b->trace) && str_eq(a->server, b->server) &&
	    a->port == b->port && a->poll_min == b->poll_min &&
	    a->poll_max == b->poll_max && a->iburst == b->iburst &&
	    a->burst == b->burst && a->maxdelay_ns == b->maxdelay_ns &&
	    a->asymmetry_ns == b->asymmetry_ns && str_eq(a->uds, b->uds) &&
	    a->domain == b->domain && str_eq(a->interface, b->interface) &&
	    str_eq(a->phc, b->phc) && a->free_running == b->free_running &&
	    str_eq(a->device, b->device) && a->baud == b->baud &&
	    str_eq(a->pps, b->pps) && a->serial_delay_ns == b->serial_delay_ns &&
	    a->cable_delay_ns == b->cable_delay_ns &&
	    a->min_satellites == b->min_satellites &&
	    a->accuracy_ns == b->accuracy_ns && a->unit == b->unit;
}

bool
srcset_cfg_equal(const struct cfg *a, const struct cfg *b)
{
	if (a->nsources != b->nsources)
		return false;
	for (size_t i = 0; i < a->nsources; i++)
		if (!source_eq(&a->sources[i], &b->sources[i]))
			return false;
	return true;
}

void
srcset_rebind(struct srcset *set, const struct cfg *ncfg)
{
	for (int i = 0; i < set->n && (size_t)i < ncfg->nsources; i++)
		source_rebind(set->src[i], &ncfg->sources[i]);
}

/* ------------------------------------------------------------ report */

static const char *
state_of(const struct source *s, const struct engine_source_info *si)
{
	switch (source_health(s)) {
	case SOURCE_UNREACHABLE:
		return "unreachable";
	case SOURCE_UNUSABLE:
		return "unusable";
	default:
		break;
	}
	if (!si->usable)
		return "unusable";
	switch (si->state) {
	case SEL_SELECTED:
		return "selected";
	case SEL_COMBINED:
		return "combined";
	case SEL_CANDIDATE:
		return "candidate";
	case SEL_FALSETICKER:
		return "falseticker";
	case SEL_NOSELECT:
		return "noselect";
	default:
		return "unusable";
	}
}

static json_t *
real_or_null(bool have, double v)
{
	return have && isfinite(v) ? json_real(v) : json_null();
}

static json_t *
one_json(const struct srcset *set, int i, int64_t now)
{
	struct engine_source_info si;
	json_t *o = source_info_json(set->src[i], now);
	bool have;

	if (o == NULL)
		return NULL;
	memset(&si, 0, sizeof(si));
	if (engine_source_info(set->engine, set->id[i], now, &si) < 0)
		si.have_estimate = false;
	have = si.have_estimate;
	json_object_set_new(o, "name", json_string(source_name(set->src[i])));
	json_object_set_new(o, "state", json_string(state_of(set->src[i], &si)));
	json_object_set_new(o, "last_sample_age_s", real_or_null(have,
	    si.est.age_s));
	json_object_set_new(o, "offset_s", real_or_null(have, si.est.offset_s));
	json_object_set_new(o, "u_s", real_or_null(have,
	    budget_combined(&si.est.budget)));
	json_object_set_new(o, "max_error_s", real_or_null(have,
	    si.est.hard_bound_s));
	json_object_set_new(o, "jitter_s", real_or_null(have, si.est.jitter_s));
	json_object_set_new(o, "frequency_ppb", real_or_null(have &&
	    si.est.freq_valid, si.est.freq * 1e9));
	json_object_set_new(o, "samples", json_integer((json_int_t)si.samples));
	json_object_set_new(o, "rejected", json_integer((json_int_t)si.rejected));
	return o;
}

json_t *
srcset_summary_json(const struct srcset *set, int64_t now_mono_ns)
{
	json_t *arr = json_array();

	for (int i = 0; set != NULL && i < set->n; i++) {
		struct engine_source_info si;

		memset(&si, 0, sizeof(si));
		if (engine_source_info(set->engine, set->id[i], now_mono_ns,
		    &si) < 0)
			si.have_estimate = false;
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s}",
		    "name", source_name(set->src[i]),
		    "type", source_type(set->src[i]),
		    "state", state_of(set->src[i], &si)));
	}
	return arr;
}

json_t *
srcset_json(const struct srcset *set, int64_t now_mono_ns)
{
	json_t *arr = json_array();

	for (int i = 0; set != NULL && i < set->n; i++)
		json_array_append_new(arr, one_json(set, i, now_mono_ns));
	return json_pack("{s:o}", "sources", arr);
}

json_t *
srcset_source_json(const struct srcset *set, int engine_id, int64_t now)
{
	for (int i = 0; set != NULL && i < set->n; i++)
		if (set->id[i] == engine_id)
			return one_json(set, i, now);
	return NULL;
}

int
srcset_leap_votes(const struct srcset *set, int64_t now, struct srcset_leap_vote *out,
    int max)
{
	int k = 0;

	for (int i = 0; set != NULL && i < set->n && k < max; i++) {
		double age = (double)(now - set->leap_mono_ns[i]) * 1e-9;

		if (!set->have_leap[i] || age > set->timeout_s[i])
			continue;
		snprintf(out[k].name, sizeof(out[k].name), "%s",
		    source_name(set->src[i]));
		out[k].leap = set->leap[i];
		out[k].age_s = age;
		k++;
	}
	return k;
}

unsigned long
srcset_dropped(const struct srcset *set)
{
	unsigned long n = 0;

	for (int i = 0; set != NULL && i < set->n; i++)
		n += source_dropped(set->src[i]);
	return n;
}

int
srcset_count(const struct srcset *set)
{
	return set != NULL ? set->n : 0;
}

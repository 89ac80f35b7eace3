/*
 * source.c - dispatch to the source drivers, and what they share.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "source_private.h"

static const struct source_ops *
ops_for(enum cfg_source_type t)
{
	switch (t) {
	case CFG_SOURCE_NTP:
		return &source_ntp_ops;
	case CFG_SOURCE_GNSS:
		return &source_gnss_ops;
	case CFG_SOURCE_SHM:
		return &source_shm_ops;
	case CFG_SOURCE_GPSD:
		return &source_gpsd_ops;
	case CFG_SOURCE_PTP:
		return &source_ptp_ops;
	default:
		return NULL;
	}
	/* one case per driver, as it lands */
}

struct source *
source_create(const struct cfg_source *cfg, int id, const struct source_env *env,
    char *err, size_t errlen)
{
	const struct source_ops *ops = ops_for(cfg->type);
	struct source *s;

	if (ops == NULL) {
		snprintf(err, errlen, "%s: source type %s has no driver",
		    cfg->name, cfg_source_type_name(cfg->type));
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", cfg->name);
		return NULL;
	}
	s->ops = ops;
	s->cfg = cfg;
	s->id = id;
	s->env = *env;
	s->health = SOURCE_STARTING;
	if (ops->start(s, err, errlen) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

void
source_destroy(struct source *s)
{
	if (s == NULL)
		return;
	s->ops->stop(s);
	free(s);
}

void
source_rebind(struct source *s, const struct cfg_source *cfg)
{
	s->cfg = cfg;
}

const char *
source_name(const struct source *s)
{
	return s->cfg->name;
}

enum source_health
source_health(const struct source *s)
{
	return s->health;
}

unsigned long
source_dropped(const struct source *s)
{
	return s->dropped;
}

json_t *
source_budget_json(const struct budget *b)
{
	json_t *rows = json_array();

	for (int i = 0; i < b->n; i++)
		json_array_append_new(rows, json_pack("{s:s, s:f, s:s, s:s}",
		    "name", b->item[i].name, "u_s", b->item[i].u_s, "type",
		    b->item[i].kind == BUDGET_TYPE_A ? "A" : "B", "origin",
		    b->item[i].origin));
	return rows;
}

const char *
source_type(const struct source *s)
{
	return s->ops->type;
}

json_t *
source_info_json(const struct source *s, int64_t now_mono_ns)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "type", json_string(s->ops->type));
	json_object_set_new(o, "trace", s->cfg->trace != NULL ?
	    json_string(s->cfg->trace) : json_null());
	json_object_set_new(o, "dropped", json_integer((json_int_t)s->dropped));
	s->ops->info(s, now_mono_ns, o);
	return o;
}

void
source_emit(struct source *s, const char *event, const char *fmt, ...)
{
	char detail[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (s->env.event != NULL)
		s->env.event(s->env.arg, s->id, event, detail);
}

/* The engine hears only the transitions into and out of OK. */
void
source_set_health(struct source *s, enum source_health h, const char *why)
{
	enum source_health was = s->health;

	s->health = h;
	if (s->env.set_usable == NULL)
		return;
	if (h == SOURCE_OK && was != SOURCE_OK)
		s->env.set_usable(s->env.arg, s->id, true, NULL);
	else if (h != SOURCE_OK && h != SOURCE_STARTING)
		s->env.set_usable(s->env.arg, s->id, false, why);
}

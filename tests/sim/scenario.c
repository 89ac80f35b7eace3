/*
 * scenario.c - the YAML scenario loader of the simulation harness.
 *
 * libyaml's document API (the files are small); each mapping is read
 * against a table of keys that point into the target struct, so a key
 * is either known and well-typed or an error naming file:line.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "scenario.h"

enum ftype { F_DOUBLE, F_BOOL, F_INT, F_U64, F_STR, F_OSCREF, F_OSCCLASS,
	F_KIND, F_JITTER };

struct field {
	const char	*key;
	enum ftype	type;
	void		*ptr;
	size_t		len;		/* F_STR: buffer size */
	double		min, max;	/* F_DOUBLE, F_INT */
};

struct loader {
	const char	*path;
	yaml_document_t	doc;
	char		*err;
	size_t		errlen;
};

static int
fail(struct loader *l, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(l->err, l->errlen, "%s:%lu: %s", l->path,
	    n ? (unsigned long)n->start_mark.line + 1 : 0UL, msg);
	return -1;
}

static const char *
scalar(struct loader *l, const yaml_node_t *n, const char *key)
{
	if (n->type != YAML_SCALAR_NODE) {
		fail(l, n, "%s: expected a scalar", key);
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

static int
parse_double(struct loader *l, const yaml_node_t *n, const struct field *f)
{
	const char *s = scalar(l, n, f->key);
	char *end;
	double v;

	if (s == NULL)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || isnan(v))
		return fail(l, n, "%s: not a number: \"%s\"", f->key, s);
	if (v < f->min || v > f->max)
		return fail(l, n, "%s: %g out of range [%g, %g]", f->key, v,
		    f->min, f->max);
	*(double *)f->ptr = v;
	return 0;
}

static int
parse_int(struct loader *l, const yaml_node_t *n, const struct field *f)
{
	const char *s = scalar(l, n, f->key);
	char *end;
	long long v;

	if (s == NULL)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0)
		return fail(l, n, "%s: not an integer: \"%s\"", f->key, s);
	if (f->type == F_U64) {
		if (v < 0)
			return fail(l, n, "%s: negative", f->key);
		*(uint64_t *)f->ptr = (uint64_t)v;
		return 0;
	}
	if (v < f->min || v > f->max)
		return fail(l, n, "%s: %lld out of range [%g, %g]", f->key, v,
		    f->min, f->max);
	*(int *)f->ptr = (int)v;
	return 0;
}

/* A name from a NULL-terminated list: its index, or -1 (reported). */
static int
parse_enum(struct loader *l, const yaml_node_t *n, const char *key,
    const char *const *names)
{
	const char *s = scalar(l, n, key);

	if (s == NULL)
		return -1;
	for (int i = 0; names[i] != NULL; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	fail(l, n, "%s: unknown value \"%s\"", key, s);
	return -1;
}

static const char *const class_names[] = { "server-xtal", "tcxo", "ocxo",
	"rubidium", "custom", NULL };

static int
parse_value(struct loader *l, const yaml_node_t *n, const struct field *f)
{
	static const char *const bools[] = { "false", "true", NULL };
	static const char *const kinds[] = { "packet", "refclock", NULL };
	static const char *const jitters[] = { "exponential", "uniform", NULL };
	const char *s;
	int i;

	switch (f->type) {
	case F_DOUBLE:
		return parse_double(l, n, f);
	case F_INT:
	case F_U64:
		return parse_int(l, n, f);
	case F_STR:
		if ((s = scalar(l, n, f->key)) == NULL)
			return -1;
		if (strlen(s) == 0 || strlen(s) >= f->len)
			return fail(l, n, "%s: empty or longer than %zu", f->key,
			    f->len - 1);
		memcpy(f->ptr, s, strlen(s) + 1);
		return 0;
	case F_BOOL:
		if ((i = parse_enum(l, n, f->key, bools)) < 0)
			return -1;
		*(bool *)f->ptr = i;
		return 0;
	case F_OSCREF:	/* a preset: fills every figure, later keys override */
		if ((i = parse_enum(l, n, f->key, class_names)) < 0)
			return -1;
		if (i > OSCSIM_RUBIDIUM)
			return fail(l, n, "%s: no preset \"custom\"", f->key);
		return oscsim_preset((enum oscsim_preset)i, f->ptr);
	case F_OSCCLASS:
		if ((i = parse_enum(l, n, f->key, class_names)) < 0)
			return -1;
		*(enum osc_class *)f->ptr = (enum osc_class)i;
		return 0;
	case F_KIND:
		if ((i = parse_enum(l, n, f->key, kinds)) < 0)
			return -1;
		*(enum scn_src_kind *)f->ptr = (enum scn_src_kind)i;
		return 0;
	case F_JITTER:
		if ((i = parse_enum(l, n, f->key, jitters)) < 0)
			return -1;
		*(enum scn_jitter *)f->ptr = (enum scn_jitter)i;
		return 0;
	}
	return -1;
}

/*
 * Read mapping n against fields[]. Keys are matched in file order, so a
 * preset key must come before the figures that override it (checked).
 */
static int
read_map(struct loader *l, const yaml_node_t *n, const char *what,
    const struct field *fields, size_t nf)
{
	unsigned char seen[32] = { 0 };
	yaml_node_pair_t *p;

	if (n->type != YAML_MAPPING_NODE)
		return fail(l, n, "%s: expected a mapping", what);
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&l->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&l->doc, p->value);
		const char *ks = scalar(l, k, what);
		size_t i;

		if (ks == NULL)
			return -1;
		for (i = 0; i < nf && strcmp(fields[i].key, ks) != 0; i++)
			;
		if (i == nf)
			return fail(l, k, "%s: unknown key \"%s\"", what, ks);
		if (seen[i])
			return fail(l, k, "%s: duplicate key \"%s\"", what, ks);
		if (fields[i].type == F_OSCREF && p != n->data.mapping.pairs.start)
			return fail(l, k, "%s: preset must come first", what);
		seen[i] = 1;
		if (parse_value(l, v, &fields[i]) < 0)
			return -1;
	}
	return 0;
}

#define D(k, p, lo, hi)	{ k, F_DOUBLE, p, 0, lo, hi }
#define T(k, t, p)	{ k, t, p, 0, 0, 0 }

static int
read_oscillator(struct loader *l, const yaml_node_t *n, struct oscsim_params *o)
{
	const struct field f[] = {
		T("preset", F_OSCREF, o),
		D("wpm", &o->wpm_s, 0, 1e-3),
		D("wfm_adev1", &o->wfm_adev1, 0, 1e-6),
		D("rwfm_rate", &o->rwfm_rate, 0, 1e-6),
		D("aging_per_day", &o->aging_per_day, -1e-5, 1e-5),
		D("initial_freq", &o->freq0, -1e-3, 1e-3),
		D("temp_amplitude", &o->temp_amp, 0, 1e-4),
		D("temp_period", &o->temp_period_s, 0, 1e7),
		D("temp_phase", &o->temp_phase, -10, 10),
	};

	const struct field whole = { "oscillator", F_OSCREF, o, 0, 0, 0 };

	if (n->type == YAML_SCALAR_NODE)
		return parse_value(l, n, &whole);
	return read_map(l, n, "oscillator", f, sizeof(f) / sizeof(f[0]));
}

static int
read_engine(struct loader *l, const yaml_node_t *n, struct engine_params *e)
{
	const struct field f[] = {
		T("discipline", F_BOOL, &e->discipline),
		D("step_threshold", &e->step_threshold_s, 0, 1e6),
		{ "step_limit", F_INT, &e->step_limit, 0, -1, 1000 },
		D("max_freq", &e->max_freq, 0, 1e-2),
		D("max_slew", &e->max_slew, 0, 1e-2),
		T("oscillator", F_OSCCLASS, &e->oscillator),
		D("initial_freq", &e->initial_freq, -1e-3, 1e-3),
		D("initial_freq_u", &e->initial_freq_u, -1, 1e-3),
		D("tolerance", &e->tolerance_s, 0, 1e6),
		{ "min_sources", F_INT, &e->min_sources, 0, 1, ENGINE_MAX_SOURCES },
		D("k", &e->k, 1, 10),
		D("source_timeout", &e->source_timeout_s, 0, 1e6),
		D("holdover_max", &e->holdover_max_s, 0, 1e8),
	};

	return read_map(l, n, "engine", f, sizeof(f) / sizeof(f[0]));
}

static void
source_defaults(struct scn_source *s, int idx)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "src%d", idx);
	s->kind = SCN_REFCLOCK;
	s->interval_s = 1;
	s->stop_s = INFINITY;
	s->resume_s = INFINITY;
	s->trunc_k = 4;
	s->delay_s = 1e-3;
	s->asym_u_s = -1;
	s->jitter_dist = SCN_JITTER_EXP;
	s->proc_s = 1e-5;
}

static int
check_source(struct loader *l, const yaml_node_t *n, struct scn_source *s)
{
	if (fabs(s->asymmetry_s) > s->delay_s)
		return fail(l, n, "source %s: |asymmetry| > delay", s->name);
	if (s->resume_s < s->stop_s)
		return fail(l, n, "source %s: resume before stop", s->name);
	if (s->kind == SCN_REFCLOCK && !(s->noise_s > 0))
		return fail(l, n, "source %s: refclock needs noise > 0", s->name);
	if (s->asym_u_s < 0)	/* unknown asymmetry: anywhere in +-delay/2 */
		s->asym_u_s = s->delay_s / 2 / sqrt(3.0);
	return 0;
}

static int
read_source(struct loader *l, const yaml_node_t *n, struct scn_source *s, int idx)
{
	const struct field f[] = {
		{ "name", F_STR, s->name, sizeof(s->name), 0, 0 },
		T("kind", F_KIND, &s->kind),
		D("interval", &s->interval_s, 1e-3, 1e5),
		D("start", &s->start_s, 0, 1e8),
		D("stop", &s->stop_s, 0, 1e8),
		D("resume", &s->resume_s, 0, 1e8),
		D("false_offset", &s->false_offset_s, -1e3, 1e3),
		T("prefer", F_BOOL, &s->prefer),
		T("trust", F_BOOL, &s->trust),
		T("noselect", F_BOOL, &s->noselect),
		D("noise", &s->noise_s, 0, 1),
		D("trunc_k", &s->trunc_k, 1, 8),
		D("delay", &s->delay_s, 0, 10),
		D("asymmetry", &s->asymmetry_s, -10, 10),
		D("asymmetry_u", &s->asym_u_s, 0, 10),
		D("jitter", &s->jitter_s, 0, 10),
		T("jitter_dist", F_JITTER, &s->jitter_dist),
		D("server_error", &s->server_error_s, 0, 10),
		D("loss", &s->loss, 0, 1),
		D("processing", &s->proc_s, 0, 1),
	};
	source_defaults(s, idx);
	if (read_map(l, n, "source", f, sizeof(f) / sizeof(f[0])) < 0)
		return -1;
	return check_source(l, n, s);
}

static int
read_sources(struct loader *l, const yaml_node_t *n, struct scenario *sc)
{
	yaml_node_item_t *it;

	if (n->type != YAML_SEQUENCE_NODE)
		return fail(l, n, "sources: expected a list");
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		if (sc->nsources == SCN_MAX_SOURCES)
			return fail(l, n, "sources: more than %d", SCN_MAX_SOURCES);
		if (read_source(l, yaml_document_get_node(&l->doc, *it),
		    &sc->src[sc->nsources], sc->nsources) < 0)
			return -1;
		sc->nsources++;
	}
	return 0;
}

static int
read_leap(struct loader *l, const yaml_node_t *n, struct scn_leap *lp)
{
	const struct field f[] = {
		{ "mode", F_STR, lp->mode_name, sizeof(lp->mode_name), 0, 0 },
		D("at", &lp->at_s, 1, 1e7),
		{ "delta", F_INT, &lp->delta, 0, -1, 1 },
		D("window", &lp->window_s, 1, 7 * 86400),
		D("slew_rate", &lp->slew_rate, 1e-6, 0.1),
		D("set_at", &lp->set_at_s, 0, 1e7),
	};

	snprintf(lp->mode_name, sizeof(lp->mode_name), "step");
	lp->delta = 1;
	lp->window_s = 86400;
	lp->slew_rate = 4e-4;
	if (read_map(l, n, "leap", f, sizeof(f) / sizeof(f[0])) < 0)
		return -1;
	if (leapsmear_mode_parse(lp->mode_name, &lp->mode) < 0)
		return fail(l, n, "leap: mode: unknown value \"%s\"", lp->mode_name);
	if (lp->delta == 0 || lp->at_s != floor(lp->at_s))
		return fail(l, n, "leap: delta must be +-1 and at whole seconds");
	lp->enabled = true;
	return 0;
}

static int
read_top(struct loader *l, const yaml_node_t *root, struct scenario *sc)
{
	const struct field f[] = {
		D("duration", &sc->duration_s, 1, 1e7),
		D("step", &sc->step_s, 1e-3, 60),
		T("seed", F_U64, &sc->seed),
		D("warmup", &sc->warmup_s, 0, 1e7),
		D("initial_offset", &sc->initial_offset_s, -1e4, 1e4),
		T("oscillator", F_DOUBLE, NULL),	/* sections: own readers */
		T("engine", F_DOUBLE, NULL),
		T("sources", F_DOUBLE, NULL),
		T("leap", F_DOUBLE, NULL),
	};
	const size_t nf = sizeof(f) / sizeof(f[0]);
	unsigned seen = 0;
	yaml_node_pair_t *p;

	if (root == NULL || root->type != YAML_MAPPING_NODE)
		return fail(l, root, "expected a mapping at the top");
	for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&l->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&l->doc, p->value);
		const char *ks = scalar(l, k, "top");
		size_t i;
		int r;

		if (ks == NULL)
			return -1;
		for (i = 0; i < nf && strcmp(f[i].key, ks) != 0; i++)
			;
		if (i == nf)
			return fail(l, k, "unknown key \"%s\"", ks);
		if (seen & (1U << i))
			return fail(l, k, "duplicate key \"%s\"", ks);
		seen |= 1U << i;
		if (strcmp(ks, "oscillator") == 0)
			r = read_oscillator(l, v, &sc->osc);
		else if (strcmp(ks, "engine") == 0)
			r = read_engine(l, v, &sc->eng);
		else if (strcmp(ks, "sources") == 0)
			r = read_sources(l, v, sc);
		else if (strcmp(ks, "leap") == 0)
			r = read_leap(l, v, &sc->leap);
		else
			r = parse_value(l, v, &f[i]);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int
check_scenario(struct loader *l, const yaml_node_t *root, struct scenario *sc)
{
	double per_s = 1.0 / sc->step_s;

	if (sc->duration_s <= 0)
		return fail(l, root, "duration missing");
	if (sc->step_s <= 0)
		sc->step_s = 1;
	per_s = 1.0 / sc->step_s;
	if (fabs(per_s - nearbyint(per_s)) > 1e-9 &&
	    fabs(sc->step_s - nearbyint(sc->step_s)) > 1e-9)
		return fail(l, root, "step must divide 1 s or be whole seconds");
	if (sc->nsources == 0)
		return fail(l, root, "no sources");
	return 0;
}

int
scenario_load(const char *path, struct scenario *sc, char *err, size_t errlen)
{
	struct loader l = { .path = path, .err = err, .errlen = errlen };
	yaml_parser_t yp;
	const char *base;
	FILE *fp;
	int r = -1;

	memset(sc, 0, sizeof(*sc));
	snprintf(sc->path, sizeof(sc->path), "%s", path);
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	snprintf(sc->name, sizeof(sc->name), "%.*s",
	    (int)(strcspn(base, ".") < 63 ? strcspn(base, ".") : 63), base);
	sc->step_s = 1;
	engine_params_default(&sc->eng);
	oscsim_preset(OSCSIM_TCXO, &sc->osc);
	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	yaml_parser_initialize(&yp);
	yaml_parser_set_input_file(&yp, fp);
	if (!yaml_parser_load(&yp, &l.doc)) {
		snprintf(err, errlen, "%s:%lu: %s", path,
		    (unsigned long)yp.problem_mark.line + 1,
		    yp.problem ? yp.problem : "YAML error");
	} else {
		yaml_node_t *root = yaml_document_get_root_node(&l.doc);

		if (read_top(&l, root, sc) == 0 && check_scenario(&l, root, sc) == 0)
			r = 0;
		yaml_document_delete(&l.doc);
	}
	yaml_parser_delete(&yp);
	fclose(fp);
	return r;
}

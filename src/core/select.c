/*
 * select.c - source selection: interval intersection with majority rule,
 * falseticker marking, prefer/require/trust/noselect, min_sources,
 * inverse-variance combination and hysteresis.
 *
 * Two regions come out of the interval sweep. The agreed region (where the
 * largest number of intervals overlap, Marzullo's answer) is the most
 * plausible home of the truth and decides who is a truechimer. The certain
 * region (the hull of every point covered by a majority of intervals) is
 * where the truth must be if a majority is correct; the hard bound comes
 * from it, because falsetickers that happen to agree with each other can
 * out-vote correct sources that are wide, and then the agreed region misses
 * the truth.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "select.h"

#define MAX_CANDIDATES	(1 << 20)

struct endpoint {
	double	x_s;
	bool	high;		/* closes an interval */
};

struct selector {
	struct sel_params p;
	bool		have_prev;	/* a source was selected by the last run */
	int		prev_id;
	int		cap;
	struct endpoint	*ep;		/* 2 * cap */
	enum sel_state	*st;		/* cap */
};

/* One run's inputs and outputs, passed between its stages. */
struct run {
	struct selector		*s;
	const struct sel_candidate *c;
	int			n;
	enum sel_state		*st;
	struct sel_result	*out;
	int			n_trust;	/* voting trusted sources */
};

void
sel_params_default(struct sel_params *p)
{
	p->min_sources = 1;
	p->hysteresis = 0.5;
	p->max_combine_ratio = 3.0;
	p->combine = SEL_COMBINE_INDEPENDENT;
}

static bool
params_valid(const struct sel_params *p)
{
	return p->min_sources >= 1 &&
	    p->hysteresis > 0 && p->hysteresis <= 1 &&
	    p->max_combine_ratio >= 0 &&	/* false for NaN */
	    (p->combine == SEL_COMBINE_INDEPENDENT ||
	     p->combine == SEL_COMBINE_CORRELATED);
}

struct selector *
sel_create(const struct sel_params *p)
{
	struct selector *s;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	if (p != NULL)
		s->p = *p;
	else
		sel_params_default(&s->p);
	if (!params_valid(&s->p)) {
		free(s);
		return NULL;
	}
	return s;
}

void
sel_destroy(struct selector *s)
{
	if (s == NULL)
		return;
	free(s->ep);
	free(s->st);
	free(s);
}

const char *
sel_state_name(enum sel_state st)
{
	switch (st) {
	case SEL_UNUSABLE:	return "unusable";
	case SEL_NOSELECT:	return "noselect";
	case SEL_CANDIDATE:	return "candidate";
	case SEL_COMBINED:	return "combined";
	case SEL_SELECTED:	return "selected";
	case SEL_FALSETICKER:	return "falseticker";
	}
	return "?";
}

static int
reserve(struct selector *s, int n)
{
	struct endpoint *ep;
	enum sel_state *st;

	if (n <= s->cap)
		return 0;
	ep = realloc(s->ep, 2 * (size_t)n * sizeof(*ep));
	if (ep == NULL)
		return -1;
	s->ep = ep;
	st = realloc(s->st, (size_t)n * sizeof(*st));
	if (st == NULL)
		return -1;
	s->st = st;
	s->cap = n;
	return 0;
}

/*
 * a + b rounded outward, so that a bound computed from rounded numbers is
 * never smaller than the exact one. TwoSum yields the rounding error of
 * the sum exactly (no overflow: inputs are within SEL_MAX_S).
 */
static double
add_down(double a, double b)
{
	double sum = a + b, bb = sum - a;
	double err = (a - (sum - bb)) + (b - bb);

	return err < 0 ? nextafter(sum, -INFINITY) : sum;
}

static double
add_up(double a, double b)
{
	double sum = a + b, bb = sum - a;
	double err = (a - (sum - bb)) + (b - bb);

	return err > 0 ? nextafter(sum, INFINITY) : sum;
}

static bool
candidate_valid(const struct sel_candidate *c)
{
	/* Written so that NaN fails every comparison. */
	return c->usable &&
	    fabs(c->offset_s) <= SEL_MAX_S &&
	    c->u_s > 0 && c->u_s <= SEL_MAX_S &&
	    c->hard_bound_s >= 0 && c->hard_bound_s <= SEL_MAX_S;
}

static void
reason_add(struct sel_result *out, const char *str)
{
	size_t len = strlen(out->reason);
	size_t room = sizeof(out->reason) - 1 - len;
	size_t k = strlen(str);

	if (k > room)
		k = room;
	memcpy(out->reason + len, str, k);
	out->reason[len + k] = '\0';
}

static void
reason_add_int(struct sel_result *out, int v)
{
	char buf[16];
	int i = sizeof(buf) - 1;
	unsigned int u = v < 0 ? -(unsigned int)v : (unsigned int)v;

	buf[i] = '\0';
	do {
		buf[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		buf[--i] = '-';
	reason_add(out, buf + i);
}

static void
reason_add_name(struct sel_result *out, const struct sel_candidate *c)
{
	if (c->name != NULL) {
		reason_add(out, c->name);
	} else {
		reason_add(out, "#");
		reason_add_int(out, c->id);
	}
}

static void
result_init(struct sel_result *out)
{
	memset(out, 0, sizeof(*out));
	out->selected = -1;
	out->offset_s = 0;
	out->u_s = INFINITY;
	out->hard_bound_s = INFINITY;
	out->lo_s = out->hi_s = NAN;
	out->agree_lo_s = out->agree_hi_s = NAN;
}

static int
cmp_endpoint(const void *pa, const void *pb)
{
	const struct endpoint *a = pa, *b = pb;

	if (a->x_s != b->x_s)
		return a->x_s < b->x_s ? -1 : 1;
	/* Closed intervals: one that opens where another closes overlaps it. */
	return (int)a->high - (int)b->high;
}

/* Sorted endpoints of the voting intervals (trusted ones only if asked). */
static int
build_endpoints(struct run *r, bool trusted_only)
{
	struct endpoint *ep = r->s->ep;
	int m = 0;

	for (int i = 0; i < r->n; i++) {
		const struct sel_candidate *c = &r->c[i];

		if (r->st[i] != SEL_CANDIDATE || (trusted_only && !c->trust))
			continue;
		ep[m].x_s = add_down(c->offset_s, -c->hard_bound_s);
		ep[m++].high = false;
		ep[m].x_s = add_up(c->offset_s, c->hard_bound_s);
		ep[m++].high = true;
	}
	qsort(ep, (size_t)m, sizeof(*ep), cmp_endpoint);
	return m;
}

static int
max_depth(const struct endpoint *ep, int m)
{
	int depth = 0, best = 0;

	for (int i = 0; i < m; i++) {
		depth += ep[i].high ? -1 : 1;
		if (depth > best)
			best = depth;
	}
	return best;
}

/* [lo, hi]: the hull of the points covered by at least min_depth intervals. */
static bool
hull_at_depth(const struct endpoint *ep, int m, int min_depth, double *lo,
    double *hi)
{
	int depth = 0;
	bool found = false;

	*lo = *hi = NAN;
	for (int i = 0; i < m; i++) {
		if (!ep[i].high) {
			if (++depth >= min_depth && !found) {
				*lo = ep[i].x_s;
				found = true;
			}
		} else {
			if (depth >= min_depth)
				*hi = ep[i].x_s;
			depth--;
		}
	}
	return found;
}

/* Voting candidates are left SEL_CANDIDATE for the following stages. */
static int
mark_inputs(struct run *r)
{
	int n_voting = 0;

	r->n_trust = 0;
	for (int i = 0; i < r->n; i++) {
		if (!candidate_valid(&r->c[i])) {
			r->st[i] = SEL_UNUSABLE;
		} else if (r->c[i].noselect) {
			r->st[i] = SEL_NOSELECT;
		} else {
			r->st[i] = SEL_CANDIDATE;
			n_voting++;
			if (r->c[i].trust)
				r->n_trust++;
		}
	}
	return n_voting;
}

/* When nothing can be decided, no voter is shown correct; trusted ones
 * are never falsetickers. */
static void
mark_undecided(struct run *r)
{
	for (int i = 0; i < r->n; i++)
		if (r->st[i] == SEL_CANDIDATE && !r->c[i].trust)
			r->st[i] = SEL_FALSETICKER;
}

/*
 * Trusted sources are taken as correct, so the truth lies in the
 * intersection of their intervals: that is both regions. Untrusted sources
 * neither widen nor narrow it.
 */
static bool
trusted_regions(struct run *r)
{
	struct sel_result *out = r->out;
	int m = build_endpoints(r, true);
	double lo, hi;

	if (!hull_at_depth(r->s->ep, m, r->n_trust, &lo, &hi)) {
		reason_add(out, "trusted sources disagree");
		return false;
	}
	out->lo_s = out->agree_lo_s = lo;
	out->hi_s = out->agree_hi_s = hi;
	out->n_agree = r->n_trust;
	return true;
}

static bool
find_regions(struct run *r)
{
	struct sel_result *out = r->out;
	int m, majority = out->n_voting / 2 + 1;

	if (r->n_trust > 0)
		return trusted_regions(r);
	m = build_endpoints(r, false);
	out->n_agree = max_depth(r->s->ep, m);
	if (out->n_agree < majority) {
		reason_add(out, "no majority: ");
		reason_add_int(out, out->n_agree);
		reason_add(out, " of ");
		reason_add_int(out, out->n_voting);
		reason_add(out, " sources agree");
		return false;
	}
	hull_at_depth(r->s->ep, m, out->n_agree, &out->agree_lo_s,
	    &out->agree_hi_s);
	hull_at_depth(r->s->ep, m, majority, &out->lo_s, &out->hi_s);
	return true;
}

/* A truechimer's interval overlaps the agreed region. */
static void
mark_falsetickers(struct run *r)
{
	const struct sel_result *out = r->out;

	for (int i = 0; i < r->n; i++) {
		const struct sel_candidate *c = &r->c[i];

		/* Trusted intervals contain the region: never falsetickers. */
		if (r->st[i] != SEL_CANDIDATE)
			continue;
		if (add_up(c->offset_s, c->hard_bound_s) < out->agree_lo_s ||
		    add_down(c->offset_s, -c->hard_bound_s) > out->agree_hi_s)
			r->st[i] = SEL_FALSETICKER;
	}
}

static bool
check_required(struct run *r)
{
	for (int i = 0; i < r->n; i++) {
		if (r->c[i].require && r->st[i] != SEL_CANDIDATE) {
			reason_add(r->out, "required source ");
			reason_add_name(r->out, &r->c[i]);
			reason_add(r->out, " not a truechimer");
			return false;
		}
	}
	return true;
}

static bool
check_min_sources(struct run *r)
{
	int n_true = 0;

	for (int i = 0; i < r->n; i++)
		n_true += r->st[i] == SEL_CANDIDATE;
	if (n_true >= r->s->p.min_sources)
		return true;
	reason_add(r->out, "only ");
	reason_add_int(r->out, n_true);
	reason_add(r->out, " truechimers, min_sources is ");
	reason_add_int(r->out, r->s->p.min_sources);
	return false;
}

/* When a truechimer is preferred, only preferred ones are selected and
 * combined. */
static bool
prefer_only(const struct run *r)
{
	for (int i = 0; i < r->n; i++)
		if (r->st[i] == SEL_CANDIDATE && r->c[i].prefer)
			return true;
	return false;
}

static bool
eligible(const struct run *r, int i, bool preferred)
{
	return r->st[i] == SEL_CANDIDATE && (!preferred || r->c[i].prefer);
}

/* Smaller u first, then the smaller hard bound, then the lower index. */
static bool
better(const struct sel_candidate *a, const struct sel_candidate *b)
{
	if (a->u_s != b->u_s)
		return a->u_s < b->u_s;
	return a->hard_bound_s < b->hard_bound_s;
}

/*
 * The best eligible source, unless the previous selection is still
 * eligible and the best is not clearly better (u below hysteresis times
 * the previous one's): near-equal sources then do not take turns.
 */
static int
choose(struct run *r, bool preferred)
{
	const struct selector *s = r->s;
	int best = -1, prev = -1;

	for (int i = 0; i < r->n; i++) {
		if (!eligible(r, i, preferred))
			continue;
		if (best < 0 || better(&r->c[i], &r->c[best]))
			best = i;
		if (s->have_prev && prev < 0 && r->c[i].id == s->prev_id)
			prev = i;
	}
	if (prev >= 0 &&
	    !(r->c[best].u_s < s->p.hysteresis * r->c[prev].u_s))
		return prev;
	return best;
}

/*
 * Inverse-variance weighted mean of the selected source and the eligible
 * sources whose u is within max_combine_ratio of its u. Weights and
 * offsets are taken relative to the selected source, which keeps the
 * numbers near 1 whatever the scale of u.
 */
static void
combine(struct run *r, int sel, bool preferred)
{
	const struct sel_candidate *ref = &r->c[sel];
	struct sel_result *out = r->out;
	double sw = 0, swx = 0, swu = 0;

	for (int i = 0; i < r->n; i++) {
		const struct sel_candidate *c = &r->c[i];
		double q, w;

		if (i != sel && (!eligible(r, i, preferred) ||
		    !(c->u_s <= r->s->p.max_combine_ratio * ref->u_s)))
			continue;
		q = c->u_s / ref->u_s;
		w = 1 / (q * q);
		sw += w;
		swx += w * (c->offset_s - ref->offset_s);
		swu += w * q;
		r->st[i] = i == sel ? SEL_SELECTED : SEL_COMBINED;
	}
	out->offset_s = ref->offset_s + swx / sw;
	if (r->s->p.combine == SEL_COMBINE_CORRELATED)
		out->u_s = ref->u_s * swu / sw;
	else
		out->u_s = ref->u_s / sqrt(sw);
	/* The truth is in [lo, hi]; the bound reaches its far end. */
	out->hard_bound_s = fmax(add_up(out->offset_s, -out->lo_s),
	    add_up(out->hi_s, -out->offset_s));
	out->selected = sel;
}

static void
count_states(struct run *r)
{
	struct sel_result *out = r->out;

	for (int i = 0; i < r->n; i++) {
		enum sel_state st = r->st[i];

		out->n_combined += st == SEL_SELECTED || st == SEL_COMBINED;
		out->n_truechimers += st == SEL_SELECTED || st == SEL_COMBINED ||
		    st == SEL_CANDIDATE;
		out->n_falsetickers += st == SEL_FALSETICKER;
	}
}

/* The stages; false (with a reason) as soon as no selection can be made. */
static bool
run_stages(struct run *r)
{
	bool preferred;
	int sel;

	r->out->n_voting = mark_inputs(r);
	if (r->n == 0) {
		reason_add(r->out, "no candidates");
		return false;
	}
	if (r->out->n_voting == 0) {
		reason_add(r->out, "no usable sources");
		return false;
	}
	if (!find_regions(r)) {
		mark_undecided(r);
		return false;
	}
	mark_falsetickers(r);
	if (!check_required(r) || !check_min_sources(r))
		return false;
	preferred = prefer_only(r);
	sel = choose(r, preferred);
	combine(r, sel, preferred);
	return true;
}

int
sel_run(struct selector *s, const struct sel_candidate *c, int n,
    enum sel_state *states, struct sel_result *out)
{
	struct run r = { .s = s, .c = c, .n = n, .out = out };

	if (out != NULL)
		result_init(out);
	if (s == NULL || out == NULL || n < 0 || n > MAX_CANDIDATES ||
	    (n > 0 && c == NULL) || reserve(s, n) < 0) {
		if (out != NULL)
			reason_add(out, "invalid arguments or no memory");
		if (s != NULL)
			s->have_prev = false;
		return -1;
	}
	r.st = s->st;
	out->ok = run_stages(&r);
	if (out->ok) {
		s->have_prev = true;
		s->prev_id = c[out->selected].id;
	} else {
		s->have_prev = false;
		out->offset_s = 0;
		out->u_s = INFINITY;
		out->hard_bound_s = INFINITY;
	}
	count_states(&r);
	if (states != NULL && n > 0)
		memcpy(states, r.st, (size_t)n * sizeof(*states));
	return 0;
}

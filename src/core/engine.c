/*
 * engine.c - glue of the pure core: sourcestats -> select -> servo ->
 * estimate -> status. No I/O, no clock reads: every call carries its
 * CLOCK_MONOTONIC instant.
 *
 * The estimate is anchored at the last update with a valid selection (t0):
 * offset x0, a budget whose rows combine to u0, a hard bound B0 and the
 * frequency uncertainty fu0 there. At any later instant t (dt = t - t0):
 *
 *   offset(t)    = servo prediction (discipline) or x0 + f dt (observe)
 *   u(t)^2       = u0^2 + osc_holdover(dt, fu0).u_s^2      (row "prediction"
 *                  while synchronized, "holdover" in holdover/freerun)
 *   max_error(t) = B0 + osc_holdover(dt, fu0).bound_s + |pending action|
 *
 * The growth is the same formula whether t0 was a second ago (locked) or an
 * hour ago (holdover): holdover is no special case, only a longer dt.
 * docs/architecture.md, "Engine: estimate, holdover and status", explains
 * every term and the clockClass mapping (clock_class() below).
 */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "servo.h"

#define NS_PER_S_D	1e9
/* The oscillator model gets at most one frequency point per this. */
#define OSC_FEED_NS	(16LL * 1000000000LL)
/* A source whose bounds stayed inconsistent this long is unusable. */
#define INCONSISTENT_MAX_NS (16LL * 1000000000LL)
/* Observe mode: locked after this many ok selections in a row ... */
#define STEADY_RUN	16
/* ... with the combined u of the last STEADY_HIST within this ratio. */
#define STEADY_HIST	8
#define STEADY_RATIO	1.5
/* Discipline mode: LOCKED survives this many updates of servo "locking". */
#define UNLOCK_RUN	64
/* ... and for ever while |servo x| < this many standard errors of the
 * reference (phase_consistent). */
#define LOCK_K_PHASE	3.0
/* Coverage factor of the frequency estimate's error in the sources'
 * freq_bound (same as the oscillator model's bound). */
#define FREQ_K		OSC_K_BOUND
/* Horizon of the time-to-tolerance search. */
#define TTT_MAX_S	(10.0 * 365 * 86400)

struct src {
	bool		used;
	char		name[32];
	struct engine_source_params p;
	struct sourcestats *sst;
	unsigned long	samples, rejected;
	int64_t		last_mono_ns;
	int64_t		fed_ns;		/* newest sample consumed for the servo */
	bool		have_est, usable, inconsistent;
	bool		vetoed;		/* the driver says unusable (unreachable, KoD) */
	char		veto[48];
	int64_t		inconsistent_since;
	struct sst_estimate est;
	enum sel_state	state;
};

/* What the estimate is projected from (see the top of the file). */
struct anchor {
	bool		valid;
	int64_t		t0;
	double		x0;		/* offset at t0 */
	double		f;		/* observe: d(offset)/dt */
	double		fu0;		/* frequency uncertainty at t0 */
	double		b0;		/* hard bound at t0 */
	struct budget	budget;		/* rows at t0 */
	int		ref;		/* source id */
	bool		traceable;
};

struct engine {
	struct engine_params p;
	engine_event_fn	on_event;
	void		*arg;
	struct src	src[ENGINE_MAX_SOURCES];
	int		nsrc;
	struct selector	*sel;
	struct servo	*servo;
	struct oscmodel	*osc;
	struct sel_result res;
	int		ref;		/* current reference id, -1 */
	struct anchor	a;
	double		applied_freq;	/* what the clock runs at (discipline), less
					 * the leap feed-forward ff_applied */
	bool		pending;	/* an action returned, not yet confirmed */
	struct engine_action pend;
	int64_t		pend_t;
	int64_t		last_osc_ns;
	bool		osc_fed;
	int		ok_run;
	int		unlock_run;
	int		consistent_run;	/* updates in a row with phase_consistent() */
	double		u_hist[STEADY_HIST];
	enum engine_state state;
	char		reason[ENGINE_REASON_LEN];
	const char	*reason_code;	/* stable identifier of reason (engine.h) */
	int64_t		since;
	bool		within;
	int64_t		within_since;
	int64_t		last_update;
	/* leap.mode slew/smear (engine_set_leap, "leap" below) */
	bool		have_leap, have_map, leap_was_active;
	struct leapsmear leap;
	int64_t		map_mono, map_utc;	/* newest sample: mono, UTC */
	double		map_hb;		/* its hard bound */
	double		ff_applied;	/* ramp feed-forward in force (in the clock's freq) */
	double		pend_ff;	/* ... in the pending action */
	bool		acct_valid;
	int64_t		acct_t;		/* ramp vs feed-forward accounted up to here */
};

/* ---------------------------------------------------------------- helpers */

static void
emit(const struct engine *e, const char *ev, const char *detail)
{
	if (e->on_event != NULL)
		e->on_event(e->arg, ev, detail);
}

static double
dt_s(int64_t later, int64_t earlier)
{
	return (double)(later - earlier) / NS_PER_S_D;
}

/* A duration for reasons: "1.2 ms". */
static void
fmt_s(char *buf, size_t len, double s)
{
	double a = fabs(s);

	if (a >= 1 || a == 0 || !isfinite(a))
		snprintf(buf, len, "%.4g s", s);
	else if (a >= 1e-3)
		snprintf(buf, len, "%.4g ms", s * 1e3);
	else if (a >= 1e-6)
		snprintf(buf, len, "%.4g us", s * 1e6);
	else
		snprintf(buf, len, "%.4g ns", s * 1e9);
}

static const char *
src_name(const struct engine *e, int id)
{
	return id >= 0 && id < e->nsrc ? e->src[id].name : "none";
}

/* Make room for `need` more rows by merging the two smallest Type B rows. */
static void
budget_make_room(struct budget *b, int need)
{
	while (b->n + need > BUDGET_MAX_ITEMS && b->n >= 2) {
		int i1 = -1, i2 = -1;

		for (int i = 0; i < b->n; i++) {
			if (b->item[i].kind != BUDGET_TYPE_B)
				continue;
			if (i1 < 0 || b->item[i].u_s < b->item[i1].u_s) {
				i2 = i1;
				i1 = i;
			} else if (i2 < 0 || b->item[i].u_s < b->item[i2].u_s) {
				i2 = i;
			}
		}
		if (i2 < 0)
			return;
		b->item[i1].u_s = hypot(b->item[i1].u_s, b->item[i2].u_s);
		snprintf(b->item[i1].name, BUDGET_NAME_LEN, "other Type B");
		snprintf(b->item[i1].origin, BUDGET_ORIGIN_LEN, "merged in quadrature");
		b->item[i2] = b->item[--b->n];
	}
}

/* --------------------------------------------------------------- creation */

void
engine_params_default(struct engine_params *p)
{
	memset(p, 0, sizeof(*p));
	p->discipline = true;
	p->step_threshold_s = 0.1;
	p->step_limit = 1;
	p->max_freq = 500e-6;
	p->max_slew = 500e-6;
	p->oscillator = OSC_SERVER_XTAL;
	p->initial_freq = 0;
	p->initial_freq_u = 0;
	p->tolerance_s = 1e-3;
	p->min_sources = 1;
	p->k = 2.0;
	p->source_timeout_s = 64;
	p->holdover_max_s = 86400;
}

static bool
params_ok(const struct engine_params *p)
{
	return p != NULL && isfinite(p->step_threshold_s) && p->step_threshold_s >= 0 &&
	    isfinite(p->max_freq) && p->max_freq > 0 && isfinite(p->max_slew) &&
	    p->max_slew > 0 && isfinite(p->initial_freq) &&
	    fabs(p->initial_freq) <= p->max_freq && isfinite(p->initial_freq_u) &&
	    p->tolerance_s > 0 && p->min_sources >= 1 && isfinite(p->k) && p->k > 0 &&
	    p->source_timeout_s > 0 && p->holdover_max_s > 0 &&
	    p->oscillator != OSC_CUSTOM;
}

static struct servo *
make_servo(const struct engine_params *p, const struct oscmodel *osc)
{
	struct servo_params sp;
	struct osc_coeffs c;

	osc_coeffs(osc, &c);
	servo_params_default(&sp);
	sp.step_threshold_s = p->step_threshold_s;
	sp.step_limit = p->step_limit;
	sp.max_freq = p->max_freq;
	sp.max_slew = p->max_slew;
	/* ADEV^2 = q1/tau + q2 tau/3 = a/tau + b tau with q = sqrt(3 b). */
	sp.q_wfm = c.wfm_adev1 * c.wfm_adev1;
	sp.q_rwfm = c.rwfm_rate * c.rwfm_rate;
	sp.initial_freq = p->initial_freq;
	sp.initial_freq_u = p->initial_freq_u > 0 ? p->initial_freq_u : 0;
	return servo_create(&sp);
}

struct engine *
engine_create(const struct engine_params *p, engine_event_fn on_event, void *arg)
{
	struct engine *e;
	struct sel_params selp;

	if (!params_ok(p))
		return NULL;
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->p = *p;
	e->on_event = on_event;
	e->arg = arg;
	e->ref = -1;
	e->applied_freq = p->discipline ? p->initial_freq : 0;
	e->state = ENGINE_UNSYNCHRONIZED;
	snprintf(e->reason, sizeof(e->reason), "no selection yet");
	sel_params_default(&selp);
	selp.min_sources = p->min_sources;
	e->sel = sel_create(&selp);
	e->osc = osc_create(p->oscillator, NULL);
	if (e->sel != NULL && e->osc != NULL)
		e->servo = make_servo(p, e->osc);
	if (e->sel == NULL || e->osc == NULL || e->servo == NULL) {
		engine_destroy(e);
		return NULL;
	}
	e->res.ok = false;
	e->res.selected = -1;
	return e;
}

void
engine_destroy(struct engine *e)
{
	if (e == NULL)
		return;
	for (int i = 0; i < e->nsrc; i++)
		sst_destroy(e->src[i].sst);
	sel_destroy(e->sel);
	servo_destroy(e->servo);
	osc_destroy(e->osc);
	free(e);
}

int
engine_add_source(struct engine *e, const struct engine_source_params *sp)
{
	struct sst_params stp;
	struct src *s;

	if (e == NULL || sp == NULL || e->nsrc >= ENGINE_MAX_SOURCES)
		return -1;
	sst_params_default(&stp, sp->kind);
	s = &e->src[e->nsrc];
	memset(s, 0, sizeof(*s));
	s->sst = sst_create(&stp);
	if (s->sst == NULL)
		return -1;
	s->used = true;
	s->p = *sp;
	snprintf(s->name, sizeof(s->name), "%s",
	    sp->name != NULL ? sp->name : "?");
	s->p.name = s->name;
	s->state = SEL_UNUSABLE;
	s->fed_ns = INT64_MIN;
	return e->nsrc++;
}

int
engine_nsources(const struct engine *e)
{
	return e != NULL ? e->nsrc : 0;
}

int
engine_source_set_usable(struct engine *e, int id, bool usable, const char *why)
{
	struct src *s;

	if (e == NULL || id < 0 || id >= e->nsrc)
		return -1;
	s = &e->src[id];
	s->vetoed = !usable;
	snprintf(s->veto, sizeof(s->veto), "%s", usable || why == NULL ?
	    "unusable" : why);
	return 0;
}

int
engine_source_set_traceable(struct engine *e, int id, bool traceable)
{
	if (e == NULL || id < 0 || id >= e->nsrc)
		return -1;
	e->src[id].p.traceable = traceable;
	if (e->a.valid && e->a.ref == id)
		e->a.traceable = traceable;
	return 0;
}

/* -------------------------------------------------------------------- leap */

/*
 * leap.mode slew and smear (engine_set_leap): the clock is steered to the
 * target timescale UTC + s (leapsmear.h), not to UTC. Each sample is moved
 * into that timescale as it arrives (offset + s at its instant), so that
 * sourcestats, selection and the servo see a reference with neither the
 * 1 s jump nor the ramp; the ramp's rate goes to the clock as a frequency
 * feed-forward outside the servo (leap_feed_forward), so the servo's
 * frequency stays the oscillator's. The estimate's offset is from the
 * target timescale and max_error adds max |s| over the instant's
 * uncertainty (leap_bound_at), so it bounds the error from UTC.
 *
 * A sample's instant on the leap-free timescale L comes from its own UTC
 * reading (local + offset): exact, except within a second or so of the
 * leap, where POSIX UTC is ambiguous and the sample is refused. Other
 * instants are mapped from the newest sample along CLOCK_MONOTONIC,
 * which runs at the clock's rate: off by at most the frequency range
 * times the distance.
 */
#define LEAP_MAP_MARGIN_S	1e-3

/* The newest sample's UTC, kept also without a leap to map from. */
static void
leap_map(struct engine *e, const struct sample *s, int64_t utc)
{
	if (!e->have_map || s->mono_ns >= e->map_mono) {
		e->have_map = true;
		e->map_mono = s->mono_ns;
		e->map_utc = utc;
		e->map_hb = isfinite(s->hard_bound_s) ? s->hard_bound_s : 1;
	}
}

static bool
sample_utc(const struct sample *s, int64_t *utc)
{
	if (!isfinite(s->offset_s) || fabs(s->offset_s) > 1e6)
		return false;
	*utc = s->local_ns + (int64_t)llround(s->offset_s * NS_PER_S_D);
	return true;
}

static int
leap_sample(struct engine *e, const struct sample *s, struct sample *out)
{
	int64_t l, utc;

	if (!sample_utc(s, &utc) || leapsmear_free_of_utc(&e->leap, utc, &l) < 0)
		return -1;
	*out = *s;
	out->offset_s += leapsmear_offset(&e->leap, l);
	leap_map(e, s, utc);
	return 0;
}

/* L at mono t, and how far from it the truth may be. */
static bool
leap_free_at(const struct engine *e, int64_t t, int64_t *l, int64_t *eps_ns)
{
	double d, eps;

	if (!e->have_map || leapsmear_free_of_utc(&e->leap, e->map_utc, l) < 0)
		return false;
	d = fabs(dt_s(t, e->map_mono));
	eps = e->map_hb + LEAP_MAP_MARGIN_S + d * (2 * e->p.max_freq +
	    fabs(leapsmear_rate(&e->leap, e->leap.start_ns)));
	*l += t - e->map_mono;
	*eps_ns = (int64_t)(fmin(eps, 1e6) * NS_PER_S_D);
	return true;
}

/*
 * How far the target timescale moved against the clock from acct_t to t
 * beyond what the feed-forward in force accounts for: the ramp's rate
 * changes between two updates, the feed-forward at the next one (after
 * up to an update interval x the rate: 0.4 ms for a 1 s interval at
 * 400 ppm). Known exactly; 0 while the two agree.
 */
static double
leap_lag(const struct engine *e, int64_t t)
{
	int64_t l0, l1, eps;

	if (!e->have_leap || !e->acct_valid || t <= e->acct_t ||
	    !leap_free_at(e, e->acct_t, &l0, &eps) || !leap_free_at(e, t, &l1, &eps))
		return 0;
	return -(leapsmear_ramp(&e->leap, l1) - leapsmear_ramp(&e->leap, l0)) -
	    e->ff_applied * dt_s(t, e->acct_t);
}

/* At each update: the lag into the servo's phase and the stored samples,
 * as if the reference had stepped by it. */
static void
leap_account(struct engine *e, int64_t now)
{
	double d = leap_lag(e, now);

	if (d != 0) {
		servo_shift(e->servo, d);
		for (int i = 0; i < e->nsrc; i++)
			sst_clock_adjusted(e->src[i].sst, now, 0, -d);
	}
	e->acct_valid = e->have_leap;
	e->acct_t = now;
}

/*
 * max |s| over when t may be on L (|delta| before any sample), and the
 * lag since the last update, which the prediction does not include.
 */
static double
leap_bound_at(const struct engine *e, int64_t t)
{
	int64_t l, eps;

	if (!e->have_leap)
		return 0;
	if (!leap_free_at(e, t, &l, &eps))
		return fabs((double)e->leap.delta_s);
	return leapsmear_offset_bound(&e->leap, l, eps) + fabs(leap_lag(e, t));
}

static void
leap_now(const struct engine *e, int64_t t, double *s, bool *active)
{
	int64_t l, eps;

	*s = 0;
	*active = false;
	if (e->have_leap && leap_free_at(e, t, &l, &eps)) {
		*s = leapsmear_offset(&e->leap, l);
		*active = leapsmear_active(&e->leap, l);
	}
}

/* "smear started: ..." and "... ended" as events. */
static void
leap_note(struct engine *e, int64_t now, bool active)
{
	char ev[32], buf[96];
	double s;
	bool a;

	if (active == e->leap_was_active)
		return;
	e->leap_was_active = active;
	leap_now(e, now, &s, &a);
	snprintf(ev, sizeof(ev), "leap_%s_%s", leapsmear_mode_name(e->leap.mode),
	    active ? "started" : "ended");
	snprintf(buf, sizeof(buf), "leap %s %s: clock %+.6f s from UTC",
	    leapsmear_mode_name(e->leap.mode), active ? "started" : "ended", s);
	emit(e, ev, buf);
}

/*
 * The ramp's rate -dw/dL on top of whatever the servo commands; an action
 * of its own when only the rate changed (ramp start and end). Actions
 * carry the total; engine_applied() takes the feed-forward back out.
 */
static void
leap_feed_forward(struct engine *e, int64_t now, struct engine_action *act)
{
	int64_t l, eps;
	double ff = 0;

	if (!e->have_leap && e->ff_applied == 0)
		return;
	if (e->have_leap && leap_free_at(e, now, &l, &eps)) {
		ff = -leapsmear_rate(&e->leap, l);
		leap_note(e, now, leapsmear_active(&e->leap, l));
	}
	if (!act->set_freq) {
		if (ff == e->ff_applied)
			return;
		act->set_freq = true;
		act->freq = e->applied_freq;
	}
	act->freq = fmax(-e->p.max_freq, fmin(e->p.max_freq, act->freq + ff));
	e->pending = true;
	e->pend = *act;
	e->pend_t = now;
	e->pend_ff = ff;
}

/*
 * The samples stored so far are in the old target timescale (UTC when
 * there was no profile): they move into the new one by the difference of
 * the two s at the newest sample, and so does the servo's phase, a known
 * shift. A profile set inside its ramp thus steers the clock onto it (a
 * step, within the servo's step policy), and one set before its ramp
 * moves nothing.
 */
static void
leap_rebase(struct engine *e, double s_old)
{
	double s_new;
	bool a;

	leap_now(e, e->map_mono, &s_new, &a);
	if (!e->have_map || s_new == s_old)
		return;
	for (int i = 0; i < e->nsrc; i++)
		sst_clock_adjusted(e->src[i].sst, e->map_mono, 0, s_old - s_new);
	servo_shift(e->servo, s_new - s_old);
}

int
engine_set_leap(struct engine *e, const struct leapsmear *p)
{
	double s_old;
	bool a;

	if (e == NULL)
		return -1;
	if (!e->p.discipline)
		return 0;
	if (p != NULL && p->mode != LEAPSMEAR_STEP && p->delta_s != 1 &&
	    p->delta_s != -1)
		return -1;
	if (p != NULL && p->mode != LEAPSMEAR_STEP && e->have_leap &&
	    memcmp(&e->leap, p, sizeof(*p)) == 0)
		return 0;
	leap_now(e, e->map_mono, &s_old, &a);
	if (p == NULL || p->mode == LEAPSMEAR_STEP) {
		e->have_leap = false;
	} else {
		e->leap = *p;
		e->have_leap = true;
		e->leap_was_active = false;
	}
	leap_rebase(e, s_old);
	/* the ramp since the rebase instant is the next update's lag */
	e->acct_valid = e->have_leap && e->have_map;
	e->acct_t = e->map_mono;
	return 0;
}

int
engine_sample(struct engine *e, int id, const struct sample *s)
{
	struct sample moved;
	int64_t utc;
	int r;

	if (e == NULL || s == NULL || id < 0 || id >= e->nsrc)
		return -1;
	if (e->have_leap) {
		if (leap_sample(e, s, &moved) < 0) {
			e->src[id].rejected++;
			return 1;
		}
		s = &moved;
	} else if (sample_utc(s, &utc)) {
		leap_map(e, s, utc);
	}
	r = sst_add(e->src[id].sst, s);
	if (r == 0) {
		e->src[id].samples++;
		e->src[id].last_mono_ns = s->mono_ns;
	} else if (r == 1) {
		e->src[id].rejected++;
	}
	return r;
}

/* ------------------------------------------------------------ per source */

/*
 * The source's estimate at now. freq_bound bounds |true frequency - fitted
 * frequency| over the window: the oscillator's wander over the span, plus
 * FREQ_K standard errors of the fit itself (the servo's own steering is
 * removed exactly by sst_clock_adjusted, so it adds nothing).
 */
static int
src_estimate(const struct engine *e, const struct src *s, int64_t now,
    struct sst_estimate *out)
{
	double fb;

	if (sst_get(s->sst, now, 0, out) != 0)
		return -1;
	fb = osc_freq_bound(e->osc, out->span_s);
	if (out->freq_valid)
		fb += FREQ_K * out->freq_se;
	else
		fb += e->p.max_freq;
	return sst_get(s->sst, now, fb, out);
}

static void
src_refresh(struct engine *e, struct src *s, int64_t now)
{
	bool was = s->usable;
	const char *why = NULL;

	s->have_est = src_estimate(e, s, now, &s->est) == 0;
	if (s->have_est && s->est.inconsistent) {
		if (!s->inconsistent)
			s->inconsistent_since = now;
		s->inconsistent = true;
	} else {
		s->inconsistent = false;
	}
	if (s->vetoed)
		why = s->veto;
	else if (!s->have_est)
		why = "no samples";
	else if (s->est.age_s >= (s->p.timeout_s > 0 ? s->p.timeout_s :
	    e->p.source_timeout_s))
		why = "no sample within the timeout";
	else if (s->inconsistent && now - s->inconsistent_since > INCONSISTENT_MAX_NS)
		why = "hard bounds inconsistent";
	else if (!(budget_combined(&s->est.budget) > 0))
		why = "zero uncertainty";
	s->usable = why == NULL;
	if (was && !s->usable) {
		char buf[96];

		snprintf(buf, sizeof(buf), "%s: %s", s->name, why);
		emit(e, "source_unusable", buf);
	}
}

/* ---------------------------------------------------------------- selection */

static void
note_selection_events(struct engine *e, const enum sel_state *st)
{
	int ref = e->res.ok && e->res.selected >= 0 ? e->res.selected : -1;

	for (int i = 0; i < e->nsrc; i++) {
		struct src *s = &e->src[i];

		if (st[i] == SEL_FALSETICKER && s->state != SEL_FALSETICKER) {
			char off[24], buf[128];

			fmt_s(off, sizeof(off), s->est.offset_s);
			snprintf(buf, sizeof(buf), "%s: offset %s outside the "
			    "region %d of %d sources agree on", s->name, off,
			    e->res.n_agree, e->res.n_voting);
			emit(e, "falseticker", buf);
		}
		s->state = st[i];
	}
	if (ref != e->ref && ref >= 0) {
		char buf[80];

		snprintf(buf, sizeof(buf), "%s -> %s", src_name(e, e->ref),
		    src_name(e, ref));
		emit(e, "reference_changed", buf);
	}
	if (ref >= 0)
		e->ref = ref;
}

static void
run_selection(struct engine *e, int64_t now)
{
	struct sel_candidate c[ENGINE_MAX_SOURCES];
	enum sel_state st[ENGINE_MAX_SOURCES];

	for (int i = 0; i < e->nsrc; i++) {
		struct src *s = &e->src[i];

		src_refresh(e, s, now);
		memset(&c[i], 0, sizeof(c[i]));
		c[i].name = s->name;
		c[i].id = i;
		c[i].usable = s->usable;
		c[i].prefer = s->p.prefer;
		c[i].require = s->p.require;
		c[i].trust = s->p.trust;
		c[i].noselect = s->p.noselect;
		if (s->have_est) {
			c[i].offset_s = s->est.offset_s;
			c[i].u_s = budget_combined(&s->est.budget);
			c[i].hard_bound_s = s->est.hard_bound_s;
		}
	}
	if (sel_run(e->sel, c, e->nsrc, st, &e->res) != 0 || e->nsrc == 0) {
		e->res.ok = false;
		snprintf(e->res.reason, sizeof(e->res.reason), "no sources");
		for (int i = 0; i < e->nsrc; i++)
			st[i] = SEL_UNUSABLE;
	}
	if (e->res.ok && (e->res.selected < 0 || !isfinite(e->res.hard_bound_s)))
		e->res.ok = false;
	note_selection_events(e, st);
}

/* The selection vouches for its offset: a majority, or a trusted source. */
static bool
selection_confirmed(const struct engine *e)
{
	if (!e->res.ok)
		return false;
	for (int i = 0; i < e->nsrc; i++)
		if (e->src[i].p.trust && (e->src[i].state == SEL_SELECTED ||
		    e->src[i].state == SEL_COMBINED || e->src[i].state == SEL_CANDIDATE))
			return true;
	return 2 * e->res.n_truechimers > e->res.n_voting;
}

/* ------------------------------------------------------------------- servo */

/* Servo output -> the action for the caller; remembered until confirmed. */
static void
servo_to_action(struct engine *e, int64_t now, const struct servo_out *so,
    struct engine_action *act)
{
	if (so->action == SERVO_STEP) {
		act->step = true;
		act->step_s = so->step_s;
	}
	if (so->action != SERVO_NONE &&
	    (act->step || so->freq_cmd != e->applied_freq)) {
		act->set_freq = true;
		act->freq = so->freq_cmd;
	}
	if (act->step || act->set_freq) {
		e->pending = true;
		e->pend = *act;
		e->pend_t = now;
	}
}

/* sqrt of the sum of squares of a budget's rows of one kind. */
static double
budget_kind_u(const struct budget *b, enum budget_kind kind)
{
	double v = 0;

	for (int i = 0; i < b->n; i++)
		if (b->item[i].kind == kind)
			v += b->item[i].u_s * b->item[i].u_s;
	return sqrt(v);
}

/*
 * The servo's Kalman filter takes its measurements as independent, so it
 * is fed raw samples, each once: every accepted sample of a selected or
 * combined source newer than the last one consumed, with its own random
 * uncertainty (sst_samples_since: Type A items, queueing inflation, scaled
 * up by the window's scatter). Successive regression outputs share all
 * but one sample; fed those, the filter averaged errors that do not
 * average and claimed a phase uncertainty ~1.4x below its real error
 * (U covered 81 % on a 1 us PPS). Selection still works on the regression
 * estimates.
 *
 * A sample taken at t_i is carried to now along the source's fitted
 * frequency (its offset is already rewritten for the clock adjustments
 * since), and re-centred on the combination by adding (combined offset -
 * the source's own estimate): sources with different constant Type B
 * errors (asymmetries) would otherwise pull x back and forth. With one
 * source in the combination that shift is 0. The Type B items stay out of
 * R (in R a ms of declared asymmetry made a few-ms offset insignificant
 * and the servo crawled); they go into u and max_error (anchor_budget,
 * set_anchor). After a step the remaining samples are pre-step: they are
 * left for the next update, when sst_clock_adjusted has moved them.
 * Samples of sources not fed are consumed too, so that a source joining
 * the combination brings no backlog.
 */
static bool
feed_source(struct engine *e, struct src *s, int64_t now, bool use,
    struct servo_out *last)
{
	struct sst_raw raw[8];
	struct servo_out so;
	double shift = e->res.offset_s - s->est.offset_s;
	int n;

	while ((n = sst_samples_since(s->sst, s->fed_ns, raw, 8)) > 0) {
		for (int k = 0; k < n; k++) {
			double z = raw[k].offset_s + shift;

			s->fed_ns = raw[k].mono_ns;
			if (!use)
				continue;
			if (s->est.freq_valid && now > raw[k].mono_ns)
				z += s->est.freq * dt_s(now, raw[k].mono_ns);
			if (servo_sample(e->servo, now, z, raw[k].u_a_s,
			    selection_confirmed(e), &so) == SERVO_NONE)
				continue;
			*last = so;
			if (so.action == SERVO_STEP)
				return true;
		}
	}
	return false;
}

/*
 * Feeds the servo (feed_source) and returns its phase residual against
 * the selection, |x_est - offset|, which the estimate adds to the hard
 * bound.
 */
static double
feed_servo(struct engine *e, int64_t now, struct engine_action *act)
{
	struct servo_out last;
	double x;
	bool stepped = false;

	last.action = SERVO_NONE;
	for (int i = 0; i < e->nsrc && !stepped; i++) {
		struct src *s = &e->src[i];
		bool use = s->state == SEL_SELECTED || s->state == SEL_COMBINED;

		stepped = feed_source(e, s, now, use, &last);
	}
	if (last.action != SERVO_NONE)
		servo_to_action(e, now, &last, act);
	servo_predict(e->servo, now, &x, NULL, NULL, NULL);
	/* After a step the servo's x is post-step; so is the truth, once applied. */
	return fabs(x - (e->res.offset_s - (act->step ? act->step_s : 0)));
}

/* No selection: the samples meanwhile are not fed later as a burst. */
static void
consume_samples(struct engine *e)
{
	for (int i = 0; i < e->nsrc; i++)
		if (e->src[i].last_mono_ns > e->src[i].fed_ns)
			e->src[i].fed_ns = e->src[i].last_mono_ns;
}

/* ------------------------------------------------------------------ anchor */

/*
 * The rows of u at the anchor. Observe mode: the reference's budget (its
 * regression's standard error and its Type B items). Discipline mode: x
 * is the servo's phase, whose standard uncertainty x_u is the servo's own
 * (a Kalman filter fed the samples' random noise, see feed_servo), so
 * the reference's Type A rows are replaced by "servo phase"; its Type B
 * items, constant and outside the filter, are kept. (The old rows, the
 * regression's error plus |servo x - selection offset| as Type A, counted
 * the same noise twice: U covered 100 % with u three times the error.)
 */
static void
anchor_budget(struct engine *e, const struct src *ref)
{
	struct budget *b = &e->a.budget;
	double x_u = 0;

	if (!e->p.discipline) {
		*b = ref->est.budget;
		return;
	}
	budget_init(b);
	for (int i = 0; i < ref->est.budget.n; i++)
		if (ref->est.budget.item[i].kind == BUDGET_TYPE_B)
			b->item[b->n++] = ref->est.budget.item[i];
	budget_make_room(b, 2);
	servo_predict(e->servo, e->a.t0, NULL, &x_u, NULL, NULL);
	if (!isfinite(x_u))
		x_u = e->res.u_s;
	budget_add(b, "servo phase", x_u, BUDGET_TYPE_A,
	    "Kalman phase uncertainty");
}

/*
 * Re-anchor the estimate at now on a valid selection. The u rows come
 * from the reference (its Type B items do not average with other
 * sources') and, disciplining, the servo (anchor_budget); the combined
 * offset is used, its smaller u is not.
 */
static void
set_anchor(struct engine *e, int64_t now, double resid)
{
	const struct src *ref = &e->src[e->res.selected];
	double y_u = 0;

	e->a.valid = true;
	e->a.t0 = now;
	e->a.ref = e->res.selected;
	e->a.traceable = ref->p.traceable;
	e->a.b0 = e->res.hard_bound_s;
	e->a.fu0 = ref->est.freq_valid ? ref->est.freq_se : e->p.max_freq;
	if (e->p.discipline) {
		servo_predict(e->servo, now, &e->a.x0, NULL, NULL, &y_u);
		e->a.b0 += resid;
		/*
		 * The servo's frequency estimate is what holdover holds, so
		 * its uncertainty is the one that grows the bound. The
		 * reference's regression (<= 64 samples over a minute) knows
		 * the frequency far worse than the servo after hours, and
		 * taking the larger made the 1 h bound ~100x the error.
		 */
		e->a.fu0 = y_u;
		e->a.f = 0;
	} else {
		e->a.x0 = e->res.offset_s;
		e->a.f = ref->est.freq_valid ? ref->est.freq : 0;
	}
	anchor_budget(e, ref);
}

/* The free-running frequency into the oscillator model, every OSC_FEED_NS. */
static void
feed_osc(struct engine *e, int64_t now)
{
	const struct src *ref = &e->src[e->res.selected];
	double f, fu;

	if (e->osc_fed && now - e->last_osc_ns < OSC_FEED_NS)
		return;
	if (e->p.discipline) {
		if (servo_state(e->servo) != SERVO_LOCKED)
			return;
		f = servo_freq(e->servo);
		fu = servo_freq_u(e->servo);
	} else {
		if (!ref->est.freq_valid || ref->est.n_used < 8)
			return;
		f = ref->est.freq;
		fu = ref->est.freq_se;
	}
	if (fu > 0 && osc_add_freq(e->osc, now, f, fu) == 0) {
		e->osc_fed = true;
		e->last_osc_ns = now;
	}
}

/* ---------------------------------------------------------------- estimate */

static void
growth(const struct engine *e, double dt, struct osc_growth *g)
{
	osc_holdover(e->osc, dt, e->a.fu0, g);
}

/*
 * An action returned but not yet confirmed: the servo already counts it
 * as done. Until the caller says so, the truth may still be where it was:
 * the whole step, and the frequency change since.
 */
static double
pending_at(const struct engine *e, int64_t t)
{
	double p = 0;

	if (e->pending) {
		if (e->pend.step)
			p += fabs(e->pend.step_s);
		if (e->pend.set_freq && t > e->pend_t)
			p += fabs(e->pend.freq - (e->applied_freq + e->ff_applied)) *
			    dt_s(t, e->pend_t);
	}
	return p;
}

/* max_error at t (the anchor must be valid). */
static double
max_error_at(const struct engine *e, int64_t t)
{
	struct osc_growth g;

	growth(e, t > e->a.t0 ? dt_s(t, e->a.t0) : 0, &g);
	return e->a.b0 + g.bound_s + pending_at(e, t) + leap_bound_at(e, t);
}

static void
offset_at(const struct engine *e, int64_t t, double *x, double *f)
{
	double dt = t > e->a.t0 ? dt_s(t, e->a.t0) : 0;
	double y;

	if (e->p.discipline) {
		servo_predict(e->servo, t > e->a.t0 ? t : e->a.t0, x, NULL, &y, NULL);
		*f = y - servo_applied_freq(e->servo);
	} else {
		*x = e->a.x0 + e->a.f * dt;
		*f = e->a.f;
	}
}

int
engine_estimate(const struct engine *e, int64_t mono_ns, struct engine_estimate *out)
{
	struct osc_growth g;
	double dt, h;
	bool held;

	if (e == NULL || out == NULL || !e->a.valid)
		return -1;
	memset(out, 0, sizeof(*out));
	dt = mono_ns > e->a.t0 ? dt_s(mono_ns, e->a.t0) : 0;
	growth(e, dt, &g);
	held = e->state == ENGINE_HOLDOVER || e->state == ENGINE_FREERUN;
	out->mono_ns = mono_ns;
	offset_at(e, mono_ns, &out->offset_s, &out->freq);
	out->budget = e->a.budget;
	budget_add(&out->budget, held ? "holdover" : "prediction", g.u_s,
	    BUDGET_TYPE_B, "oscillator model since last update");
	out->u_s = budget_combined(&out->budget);
	out->k = e->p.k;
	out->U_s = e->p.k * out->u_s;
	out->max_error_s = max_error_at(e, mono_ns);
	out->bound_anchor_s = e->a.b0;
	out->bound_growth_s = g.bound_s;
	out->bound_pending_s = pending_at(e, mono_ns);
	out->bound_leap_s = leap_bound_at(e, mono_ns);
	leap_now(e, mono_ns, &out->leap_offset_s, &out->leap_active);
	h = fmax(1e-3, dt * 1e-6);
	out->max_error_rate = (max_error_at(e, mono_ns + (int64_t)(h * NS_PER_S_D)) -
	    out->max_error_s) / h;
	out->freq_u = e->a.fu0;
	out->reference = held ? -1 : e->a.ref;
	out->anchor_reference = e->a.ref;
	return 0;
}

/* ------------------------------------------------------------------ status */

/* First instant in (lo, hi] where max_error > tolerance (hi if none). */
static int64_t
crossing(const struct engine *e, int64_t lo, int64_t hi)
{
	for (int i = 0; i < 80 && hi - lo > 1000; i++) {
		int64_t mid = lo + (hi - lo) / 2;

		if (max_error_at(e, mid) > e->p.tolerance_s)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

static double
time_to_tolerance(const struct engine *e, int64_t now, bool within)
{
	int64_t far;

	if (!e->a.valid || !within)
		return 0;
	if (e->state == ENGINE_LOCKED)
		return INFINITY;
	far = now + (int64_t)(TTT_MAX_S * NS_PER_S_D);
	if (max_error_at(e, far) <= e->p.tolerance_s)
		return INFINITY;
	return dt_s(crossing(e, now, far), now);
}

/*
 * clockClass (IEEE 1588 Table 4 semantics; "spec" = within tolerance):
 *   6   locked, reference traceable, within tolerance
 *   7   holdover, was traceable, still within tolerance
 *   52  locked or holdover within tolerance but not traceable, or locked
 *       beyond tolerance (degradation A: synchronized, not to spec)
 *   187 freerun, or holdover beyond tolerance (degradation B)
 *   248 unsynchronized, acquiring
 */
static int
clock_class(enum engine_state st, bool traceable, bool within)
{
	switch (st) {
	case ENGINE_LOCKED:
		return traceable && within ? 6 : 52;
	case ENGINE_HOLDOVER:
		if (!within)
			return 187;
		return traceable ? 7 : 52;
	case ENGINE_FREERUN:
		return 187;
	case ENGINE_UNSYNCHRONIZED:
	case ENGINE_ACQUIRING:
		break;
	}
	return 248;
}

void
engine_status(const struct engine *e, int64_t mono_ns, struct engine_status *out)
{
	bool within;

	if (e == NULL || out == NULL)
		return;
	memset(out, 0, sizeof(*out));
	out->state = e->state;
	snprintf(out->reason, sizeof(out->reason), "%s", e->reason);
	out->reason_code = e->reason_code != NULL ? e->reason_code : "start";
	out->since_mono_ns = e->since;
	within = e->a.valid && max_error_at(e, mono_ns) <= e->p.tolerance_s;
	out->within_tolerance = within;
	out->within_since_mono_ns = e->within_since;
	if (within != e->within && e->a.valid && mono_ns > e->last_update)
		out->within_since_mono_ns = crossing(e, e->last_update, mono_ns);
	out->traceable = e->a.valid && e->a.traceable &&
	    (e->state == ENGINE_LOCKED || (e->state == ENGINE_HOLDOVER && within));
	out->time_to_tolerance_s = time_to_tolerance(e, mono_ns, within);
	out->clock_class = clock_class(e->state, out->traceable, within);
	out->n_selectable = e->res.ok ? e->res.n_truechimers : 0;
}

/* ------------------------------------------------------------ state machine */

/* Enter st (or stay) with the reason already written to e->reason. */
static void
set_state(struct engine *e, int64_t now, enum engine_state st, const char *code)
{
	enum engine_state old = e->state;
	char buf[ENGINE_REASON_LEN + 40];

	if (old == st)
		return;
	e->state = st;
	e->since = now;
	e->reason_code = code;
	snprintf(buf, sizeof(buf), "%s -> %s: %s", engine_state_name(old),
	    engine_state_name(st), e->reason);
	emit(e, "state_changed", buf);
}

/*
 * Observe mode has no servo lock: "steady" is STEADY_RUN ok selections in
 * a row and the combined u of the last STEADY_HIST within STEADY_RATIO of
 * each other (the regression window has stopped shrinking u quickly). It
 * gates the way into LOCKED only (lock_condition()).
 */
static bool
steady(struct engine *e)
{
	double lo = INFINITY, hi = 0;

	e->u_hist[e->ok_run % STEADY_HIST] = e->res.u_s;
	if (++e->ok_run < STEADY_RUN)
		return false;
	for (int i = 0; i < STEADY_HIST; i++) {
		lo = fmin(lo, e->u_hist[i]);
		hi = fmax(hi, e->u_hist[i]);
	}
	return hi <= STEADY_RATIO * lo;
}

/*
 * Discipline mode: locked when the servo is. The servo's lock test
 * compares the phase with its own (small) uncertainty and may drop to
 * "locking" for a few updates on a noisy stretch; the engine leaves LOCKED
 * only when the servo has reset (unlocked) or stayed unlocked for
 * UNLOCK_RUN updates, so clockClass does not flap.
 */
/*
 * The servo's own lock test weighs its phase against 3 sqrt(Pxx), a
 * narrow test on a steady reference: a slow wander of x by a fraction of
 * a microsecond failed it for minutes (measured when the servo was fed
 * correlated regression outputs and its Pxx was too small; with raw
 * samples its Pxx is honest, but a 3-sigma test on a slowly wandering x
 * still fails now and then).
 * Once locked, the engine keeps LOCKED while the servo's phase stays
 * within LOCK_K_PHASE of the reference's own standard error (regression
 * se and one sample's jitter), the honest scale of what x can be known to.
 */
static bool
phase_consistent(const struct engine *e)
{
	const struct src *ref;
	double x, x_u, su;

	if (!e->res.ok || e->res.selected < 0)
		return false;
	ref = &e->src[e->res.selected];
	servo_predict(e->servo, e->a.t0, &x, &x_u, NULL, NULL);
	su = hypot(budget_kind_u(&ref->est.budget, BUDGET_TYPE_A), ref->est.jitter_s);
	return fabs(x) < LOCK_K_PHASE * hypot(su, x_u);
}

static bool
lock_condition(struct engine *e)
{
	bool st = steady(e);
	enum servo_state ss = servo_state(e->servo);

	/*
	 * Hysteresis: u rises between a source's samples and falls at each,
	 * by more than STEADY_RATIO with polls of a few seconds (seen with
	 * chronyd on loopback, poll 4 s), so the ratio only gates entry; once
	 * locked, observe mode stays so while there is a selection.
	 */
	if (!e->p.discipline)
		return st || e->state == ENGINE_LOCKED;
	e->unlock_run = ss == SERVO_LOCKED ? 0 : e->unlock_run + 1;
	e->consistent_run = ss != SERVO_UNLOCKED && phase_consistent(e) ?
	    e->consistent_run + 1 : 0;
	if (e->state == ENGINE_LOCKED)
		return ss != SERVO_UNLOCKED &&
		    (e->unlock_run < UNLOCK_RUN || phase_consistent(e));
	/*
	 * Into LOCKED: the servo's own test, or STEADY_RUN updates in a row
	 * of a phase within the reference's honest scale. A source whose
	 * scatter the filter's R underrates (a user-space NTP server on a
	 * loaded host) failed the servo's 3 sqrt(Pxx) test for minutes with
	 * the phase at 3 us against a u of 28 us.
	 */
	return ss == SERVO_LOCKED || e->consistent_run >= STEADY_RUN;
}

static void
state_on_selection(struct engine *e, int64_t now)
{
	const char *ref = src_name(e, e->res.selected);
	int n = e->res.n_truechimers;
	bool lock = lock_condition(e);

	switch (e->state) {
	case ENGINE_UNSYNCHRONIZED:
	case ENGINE_HOLDOVER:
	case ENGINE_FREERUN:
		snprintf(e->reason, sizeof(e->reason), "selected %s (%d truechimers)",
		    ref, n);
		set_state(e, now, ENGINE_ACQUIRING, "selected");
		break;
	case ENGINE_ACQUIRING:
		if (!lock)
			break;
		snprintf(e->reason, sizeof(e->reason), "locked to %s (%d truechimers)",
		    ref, n);
		set_state(e, now, ENGINE_LOCKED, "locked");
		break;
	case ENGINE_LOCKED:
		if (lock)
			break;
		snprintf(e->reason, sizeof(e->reason), "%s on %s",
		    e->p.discipline ? "servo lost lock" : "estimate not steady", ref);
		set_state(e, now, ENGINE_ACQUIRING, e->p.discipline ?
		    "servo_lost_lock" : "estimate_unsteady");
		break;
	}
}

static void
state_no_selection(struct engine *e, int64_t now)
{
	char me[24], tol[24];
	const char *code;
	double mx;

	e->ok_run = 0;
	switch (e->state) {
	case ENGINE_LOCKED:
		snprintf(e->reason, sizeof(e->reason), "lost selection: %.78s",
		    e->res.reason);
		set_state(e, now, ENGINE_HOLDOVER, "selection_lost");
		break;
	case ENGINE_ACQUIRING:
		snprintf(e->reason, sizeof(e->reason), "lost selection before lock: %.66s",
		    e->res.reason);
		set_state(e, now, ENGINE_UNSYNCHRONIZED,
		    "selection_lost_before_lock");
		break;
	case ENGINE_HOLDOVER:
		mx = max_error_at(e, now);
		fmt_s(me, sizeof(me), mx);
		fmt_s(tol, sizeof(tol), e->p.tolerance_s);
		if (mx > e->p.tolerance_s) {
			snprintf(e->reason, sizeof(e->reason),
			    "max_error %s exceeds tolerance %s", me, tol);
			code = "tolerance_exceeded";
		} else if (dt_s(now, e->since) > e->p.holdover_max_s) {
			snprintf(e->reason, sizeof(e->reason),
			    "holdover longer than %.0f s", e->p.holdover_max_s);
			code = "holdover_too_long";
		} else
			break;
		set_state(e, now, ENGINE_FREERUN, code);
		break;
	case ENGINE_UNSYNCHRONIZED:
	case ENGINE_FREERUN:
		break;
	}
}

/* Entering holdover: hold the frequency at the servo's estimate, so the
 * phase correction in progress stops (servo.h, "Holdover"). */
static void
hold_frequency(struct engine *e, int64_t now, struct engine_action *act)
{
	double y = servo_freq(e->servo);

	if (!e->p.discipline || y == e->applied_freq)
		return;
	act->set_freq = true;
	act->freq = fmax(-e->p.max_freq, fmin(e->p.max_freq, y));
	e->pending = true;
	e->pend = *act;
	e->pend_t = now;
}

static void
update_within(struct engine *e, int64_t now)
{
	bool w = e->a.valid && max_error_at(e, now) <= e->p.tolerance_s;

	if (w != e->within) {
		e->within_since = e->a.valid && e->within && now > e->last_update ?
		    crossing(e, e->last_update, now) : now;
		e->within = w;
	}
	e->last_update = now;
}

int
engine_update(struct engine *e, int64_t mono_ns, struct engine_action *act)
{
	enum engine_state before;
	double resid = 0;

	if (e == NULL || act == NULL)
		return -1;
	memset(act, 0, sizeof(*act));
	if (mono_ns < e->last_update)
		return -1;
	if (e->have_leap || e->acct_valid)
		leap_account(e, mono_ns);
	before = e->state;
	run_selection(e, mono_ns);
	if (e->res.ok) {
		if (e->p.discipline)
			resid = feed_servo(e, mono_ns, act);
		set_anchor(e, mono_ns, resid);
		feed_osc(e, mono_ns);
		state_on_selection(e, mono_ns);
	} else {
		consume_samples(e);
		state_no_selection(e, mono_ns);
		if (e->state == ENGINE_HOLDOVER && before != ENGINE_HOLDOVER)
			hold_frequency(e, mono_ns, act);
	}
	if (e->p.discipline)
		leap_feed_forward(e, mono_ns, act);
	update_within(e, mono_ns);
	return 0;
}

/* ------------------------------------------------------- clock adjustments */

void
engine_applied(struct engine *e, int64_t mono_ns, const struct engine_action *act,
    bool applied)
{
	double dfreq, dstep, f;

	if (e == NULL || act == NULL || !e->p.discipline)
		return;
	e->pending = false;
	if (!applied) {
		/* The servo believes its command is in force: tell it what is. */
		servo_applied(e->servo, mono_ns, e->applied_freq);
		if (act->step) {
			/* It also zeroed its phase for the step: start over. */
			servo_reset(e->servo);
			e->a.valid = false;
		}
		return;
	}
	/* the servo's frequency: the total less the leap feed-forward */
	f = act->set_freq ? act->freq - e->pend_ff : 0;
	dfreq = act->set_freq ? f - e->applied_freq : 0;
	dstep = act->step ? act->step_s : 0;
	for (int i = 0; i < e->nsrc; i++)
		sst_clock_adjusted(e->src[i].sst, mono_ns, dfreq, dstep);
	if (act->set_freq) {
		e->applied_freq = f;
		e->ff_applied = e->pend_ff;
		if (f != servo_applied_freq(e->servo))
			servo_applied(e->servo, mono_ns, f);
	}
	if (act->step) {
		char s[24], buf[48];

		fmt_s(s, sizeof(s), act->step_s);
		snprintf(buf, sizeof(buf), "stepped by %s", s);
		emit(e, "clock_step", buf);
	}
}

void
engine_disturbed(struct engine *e, int64_t mono_ns, double step_s, const char *why)
{
	char s[24], buf[ENGINE_REASON_LEN + 40];
	bool recent = false;

	if (e == NULL)
		return;
	for (int i = 0; i < e->nsrc; i++) {
		sst_reset(e->src[i].sst);
		e->src[i].have_est = e->src[i].usable = false;
		e->src[i].state = SEL_UNUSABLE;
		if (e->src[i].last_mono_ns > 0 &&
		    dt_s(mono_ns, e->src[i].last_mono_ns) < e->p.source_timeout_s)
			recent = true;
	}
	servo_reset(e->servo);
	osc_reset(e->osc);
	e->a.valid = false;
	e->pending = false;
	e->ok_run = 0;
	e->unlock_run = 0;
	e->consistent_run = 0;
	e->res.ok = false;
	for (int i = 0; i < e->nsrc; i++)
		e->src[i].fed_ns = mono_ns;
	fmt_s(s, sizeof(s), step_s);
	snprintf(buf, sizeof(buf), "%s (step %s)", why != NULL ? why : "?", s);
	emit(e, "clock_disturbed", buf);
	snprintf(e->reason, sizeof(e->reason), "clock disturbed: %s",
	    why != NULL ? why : "?");
	set_state(e, mono_ns, recent ? ENGINE_ACQUIRING : ENGINE_UNSYNCHRONIZED,
	    "clock_disturbed");
}

/* ------------------------------------------------------------------ queries */

int
engine_source_info(const struct engine *e, int id, int64_t mono_ns,
    struct engine_source_info *out)
{
	const struct src *s;

	if (e == NULL || out == NULL || id < 0 || id >= e->nsrc)
		return -1;
	s = &e->src[id];
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", s->name);
	out->state = s->state;
	out->usable = s->usable;
	out->have_estimate = src_estimate(e, s, mono_ns, &out->est) == 0;
	out->samples = s->samples;
	out->rejected = s->rejected;
	return 0;
}

const char *
engine_state_name(enum engine_state s)
{
	switch (s) {
	case ENGINE_UNSYNCHRONIZED:
		return "unsynchronized";
	case ENGINE_ACQUIRING:
		return "acquiring";
	case ENGINE_LOCKED:
		return "locked";
	case ENGINE_HOLDOVER:
		return "holdover";
	case ENGINE_FREERUN:
		return "freerun";
	}
	return "?";
}

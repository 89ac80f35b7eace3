/*
 * harness.c - runs the real engine against oscsim and synthetic sources.
 *
 * Time: true time t runs on a grid of the scenario's step from 0; the
 * simulated CLOCK_MONOTONIC is taken as ideal (mono = MONO0 + t): the
 * engine's intervals are then off by the clock's frequency error at most
 * (ppm of an interval), which none of the figures here can see.
 *
 * Each step: advance the oscillator, give the engine the samples that are
 * due, engine_update(), apply its action to the oscillator and confirm it
 * with engine_applied(); on whole seconds, score the estimate against the
 * truth.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "oscsim.h"
#include "sample.h"

#define NS_PER_S	1000000000LL
#define MONO0_NS	(1000 * NS_PER_S)	/* as if booted 1000 s ago */
#define EPOCH_NS	(SIM_EPOCH_S * NS_PER_S)
#define READ_K		5.0	/* timestamp noise truncated at 5 sigma */
#define FREQ_MAX	1e-3	/* |clock frequency| allowance in packet bounds */

struct src_state {
	const struct scn_source *p;
	struct oscsim	*rng;		/* the source's own stream */
	int		id;		/* engine's */
	int64_t		next_ns;
	int64_t		interval_ns;
	bool		enabled;
};

struct run {
	const struct scenario *sc;
	const struct sim_opts *opts;
	struct sim_result *res;
	struct oscsim	*osc;
	struct engine	*e;
	struct src_state s[SCN_MAX_SOURCES];
	double		applied_freq;
	double		conv_end_s;
	double		last_bad_s;	/* last point not within SIM_CONV_S */
	double		sum_sq, sum_u, sum_sq_est, sum_sq_all;
	enum engine_state last_state;
	bool		have_state;
	struct leapsmear leap;		/* sc->leap.enabled */
	int64_t		jump_t_ns;	/* true time at which POSIX UTC jumps */
	bool		kernel_leapt;
	bool		leap_told;	/* engine_set_leap() called */
};

static int64_t
ns_of(double s)
{
	return (int64_t)llround(s * NS_PER_S);
}

/* N(0, 1) cut at +-k: a distribution with a certain bound. */
static double
trunc_gauss(struct oscsim *rng, double k)
{
	double z;

	do
		z = oscsim_gauss(rng);
	while (fabs(z) > k);
	return z;
}

static double
leg_jitter(const struct scn_source *p, struct oscsim *rng)
{
	double u = oscsim_uniform(rng);

	if (p->jitter_dist == SCN_JITTER_UNIFORM)
		return p->jitter_s * u;
	return -p->jitter_s * log1p(-u);
}

static void
packet_budget(const struct scn_source *p, double wpm_s, struct budget *b)
{
	double ju = p->jitter_dist == SCN_JITTER_UNIFORM ?
	    p->jitter_s / sqrt(24.0) : p->jitter_s / sqrt(2.0);

	budget_init(b);
	budget_add(b, "asymmetry", p->asym_u_s, BUDGET_TYPE_B,
	    "declared, delay/2 rectangular");
	if (ju > 0)
		budget_add(b, "jitter", ju, BUDGET_TYPE_A, "leg jitter difference / 2");
	if (p->server_error_s > 0)
		budget_add(b, "server", budget_u_rectangular(p->server_error_s),
		    BUDGET_TYPE_B, "server error, rectangular");
	if (wpm_s > 0)
		budget_add(b, "timestamp", wpm_s / sqrt(2.0), BUDGET_TYPE_A,
		    "local t1, t4 reading noise");
}

/*
 * One NTP-like exchange that completes at true time T (now). Legs d_up,
 * d_down >= 0, so |d_up - d_down| / 2 <= (d_up + d_down) / 2: the offset
 * error from the path is certainly within the true delay / 2, which the
 * measured delay over-states by at most the reading noise and the clock's
 * frequency over the round trip (both in the bound).
 */
static void
gen_packet(struct run *r, struct src_state *st, int64_t t_ns, struct sample *smp)
{
	const struct scn_source *p = st->p;
	double wpm = r->sc->osc.wpm_s;
	double x = oscsim_phase(r->osc), y = oscsim_freq(r->osc);
	double d_up = (p->delay_s + p->asymmetry_s) / 2 + leg_jitter(p, st->rng);
	double d_dn = (p->delay_s - p->asymmetry_s) / 2 + leg_jitter(p, st->rng);
	double e = p->server_error_s * (2 * oscsim_uniform(st->rng) - 1);
	double n1 = wpm * trunc_gauss(st->rng, READ_K);
	double n4 = wpm * trunc_gauss(st->rng, READ_K);
	double rtt = d_up + p->proc_s + d_dn;
	/* instants relative to T; local readings = true + x(then) + noise */
	double a1 = -rtt + (x - y * rtt + n1);
	double a2 = -rtt + d_up + e;
	double a3 = a2 + p->proc_s;
	double a4 = x + n4;

	smp->offset_s = ((a2 - a1) + (a3 - a4)) / 2 + p->false_offset_s;
	smp->delay_s = (a4 - a1) - (a3 - a2);
	smp->mono_ns = MONO0_NS + t_ns - ns_of(rtt / 2);
	smp->hard_bound_s = smp->delay_s / 2 + 2 * READ_K * wpm +
	    p->server_error_s + FREQ_MAX / 2 * (a4 - a1 + 2 * READ_K * wpm) + 1e-12;
	packet_budget(p, wpm, &smp->budget);
}

static void
gen_refclock(struct run *r, struct src_state *st, int64_t t_ns, struct sample *smp)
{
	const struct scn_source *p = st->p;
	double wpm = r->sc->osc.wpm_s;
	double reading = oscsim_phase(r->osc) + wpm * trunc_gauss(st->rng, READ_K);

	smp->mono_ns = MONO0_NS + t_ns;
	smp->offset_s = -reading + p->noise_s * trunc_gauss(st->rng, p->trunc_k) +
	    p->false_offset_s;
	smp->delay_s = -1;
	smp->hard_bound_s = p->trunc_k * p->noise_s + READ_K * wpm;
	budget_init(&smp->budget);
	budget_add(&smp->budget, "jitter", p->noise_s, BUDGET_TYPE_A,
	    "pulse noise, Gaussian");
	if (wpm > 0)
		budget_add(&smp->budget, "timestamp", wpm, BUDGET_TYPE_A,
		    "local reading noise");
}

/* The leap applied to UTC at true time t: delta after the jump, else 0. */
static double
leap_j(const struct run *r, int64_t t_ns)
{
	if (!r->sc->leap.enabled || t_ns < r->jump_t_ns)
		return 0;
	return r->leap.delta_s;
}

static bool
src_active(const struct scn_source *p, double t)
{
	return t >= p->start_s && (t < p->stop_s || t >= p->resume_s);
}

static void
feed_sources(struct run *r, int64_t t_ns)
{
	double t = (double)t_ns / NS_PER_S;

	for (int i = 0; i < r->sc->nsources; i++) {
		struct src_state *st = &r->s[i];
		struct sample smp;
		int rc;

		if (!st->enabled || t_ns < st->next_ns)
			continue;
		st->next_ns += st->interval_ns;
		if (!src_active(st->p, t))
			continue;
		memset(&smp, 0, sizeof(smp));
		if (st->p->kind == SCN_PACKET) {
			/* drawn always, so loss does not shift the stream */
			bool lost = oscsim_uniform(st->rng) < st->p->loss;

			gen_packet(r, st, t_ns, &smp);
			if (lost)
				continue;
		} else
			gen_refclock(r, st, t_ns, &smp);
		smp.local_ns = EPOCH_NS + smp.mono_ns - MONO0_NS +
		    ns_of(oscsim_phase(r->osc));
		smp.offset_s -= leap_j(r, smp.mono_ns - MONO0_NS);
		smp.leap = SAMPLE_LEAP_NONE;
		rc = engine_sample(r->e, st->id, &smp);
		r->res->src[i].sent++;
		if (rc == 1)
			r->res->src[i].rejected++;
	}
}

/* Apply the engine's action to the simulated clock, then confirm it. */
static void
steer(struct run *r, int64_t mono_ns, const struct engine_action *act)
{
	if (!act->step && !act->set_freq)
		return;
	if (act->step) {
		/* "step the clock by +step_s": local += step_s, so x += step_s */
		oscsim_adjust(r->osc, 0, act->step_s);
		r->res->steps++;
	}
	if (act->set_freq) {
		oscsim_adjust(r->osc, act->freq - r->applied_freq, 0);
		r->applied_freq = act->freq;
	}
	engine_applied(r->e, mono_ns, act, true);
}

static void
on_event(void *arg, const char *event, const char *detail)
{
	struct run *r = arg;

	if (r->opts->log != NULL)
		fprintf(r->opts->log, "  [%s] event %s: %s\n", r->sc->name, event,
		    detail ? detail : "");
}

static void
note_state(struct run *r, double t, const struct engine_status *st)
{
	struct sim_result *res = r->res;

	if (r->have_state && st->state == r->last_state)
		return;
	r->have_state = true;
	r->last_state = st->state;
	if (r->opts->log != NULL)
		fprintf(r->opts->log, "  [%s] t=%.0f s: %s (%s)\n", r->sc->name, t,
		    engine_state_name(st->state), st->reason);
	if (res->ntrans == SIM_MAX_TRANSITIONS)
		return;
	res->trans[res->ntrans].t_s = t;
	res->trans[res->ntrans].state = st->state;
	snprintf(res->trans[res->ntrans].reason, ENGINE_REASON_LEN, "%s", st->reason);
	res->ntrans++;
}

static void
score_bound(struct run *r, double t, const struct engine_estimate *est,
    double est_err)
{
	struct sim_result *res = r->res;
	double a = fabs(est_err);

	res->est_points++;
	if (a <= est->max_error_s)
		res->me_covered++;
	else if (res->me_first_miss_t < 0) {
		res->me_first_miss_t = t;
		res->me_first_miss_err = est_err;
		res->me_first_miss_bound = est->max_error_s;
	}
	if (a > 0 && est->max_error_s / a < res->me_min_ratio)
		res->me_min_ratio = est->max_error_s / a;
}

static void
score_holdover(struct run *r, double t, const struct engine_estimate *est,
    const struct engine_status *st, double est_err)
{
	struct sim_result *res = r->res;

	if (res->holdover_t_s < 0 && st->state == ENGINE_HOLDOVER)
		res->holdover_t_s = t;
	if (res->freerun_t_s < 0 && st->state == ENGINE_FREERUN)
		res->freerun_t_s = t;
	if (res->holdover_t_s < 0 || isnan(est_err))
		return;
	if (st->state == ENGINE_HOLDOVER || st->state == ENGINE_FREERUN) {
		res->ho_points++;
		res->ho_covered += fabs(est_err) <= est->max_error_s;
		res->ho_U_covered += fabs(est_err) <= est->U_s;
	}
	if (res->tol_cross_t_s < 0 && est->max_error_s > r->sc->eng.tolerance_s)
		res->tol_cross_t_s = t;
	if (isnan(res->ho1h_ratio) && t >= res->holdover_t_s + 3600 &&
	    st->state != ENGINE_LOCKED && st->state != ENGINE_ACQUIRING) {
		res->ho1h_err_s = est_err;
		res->ho1h_bound_s = est->max_error_s;
		res->ho1h_U_s = est->U_s;
		res->ho1h_freq_u = est->freq_u;
		res->ho1h_budget = est->budget;
		res->ho1h_ratio = est->max_error_s / fabs(est_err);
	}
}

static void
score_steady(struct run *r, double t, const struct engine_estimate *est,
    const struct engine_status *st, double est_err, double true_err)
{
	struct sim_result *res = r->res;

	if (t < r->sc->warmup_s || isnan(est_err))
		return;
	res->U_all_points++;
	res->U_all_covered += fabs(est_err) <= est->U_s;
	res->all_points++;
	r->sum_sq_all += true_err * true_err;
	if (fabs(true_err) > res->max_all_s)
		res->max_all_s = fabs(true_err);
	if (st->state != ENGINE_LOCKED)
		return;
	res->U_points++;
	res->U_covered += fabs(est_err) <= est->U_s;
	res->err_points++;
	r->sum_sq += true_err * true_err;
	r->sum_u += est->u_s;
	r->sum_sq_est += est_err * est_err;
	if (fabs(true_err) > res->max_err_s)
		res->max_err_s = fabs(true_err);
}

static void
score_sources(struct run *r, double t, int64_t mono_ns)
{
	if (t < r->sc->warmup_s)
		return;
	for (int i = 0; i < r->sc->nsources; i++) {
		struct engine_source_info info;

		if (!r->s[i].enabled ||
		    engine_source_info(r->e, r->s[i].id, mono_ns, &info) < 0)
			continue;
		r->res->src[i].points++;
		if ((unsigned)info.state <= SEL_FALSETICKER)
			r->res->src[i].by_state[info.state]++;
	}
}

/* One whole-second point: the estimate and the clock against the truth. */
static void
score_point(struct run *r, long i, double t, int64_t mono_ns)
{
	struct sim_result *res = r->res;
	struct engine_estimate est;
	struct engine_status st;
	/* UTC - local; with a slew or smear the clock's target is UTC + s */
	double true_off = -oscsim_phase(r->osc) - leap_j(r, ns_of(t));
	double s = r->sc->leap.enabled ?
	    leapsmear_offset(&r->leap, EPOCH_NS + ns_of(t)) : 0;
	double true_tgt = r->sc->leap.enabled ? true_off + s : true_off;
	double est_err = NAN, est_tgt = NAN, true_err;

	memset(&est, 0, sizeof(est));
	engine_status(r->e, mono_ns, &st);
	note_state(r, t, &st);
	res->points++;
	if (engine_estimate(r->e, mono_ns, &est) == 0) {
		/* max_error bounds the error from UTC; u and U from the target */
		est_err = est.offset_s - true_off;
		est_tgt = est.offset_s - true_tgt;
		score_bound(r, t, &est, est_err);
	}
	true_err = r->sc->eng.discipline ? true_tgt : est_tgt;
	if (t <= r->conv_end_s && !(fabs(true_err) < SIM_CONV_S))
		r->last_bad_s = t;
	score_holdover(r, t, &est, &st, est_err);
	score_steady(r, t, &est, &st, est_tgt, true_err);
	score_sources(r, t, mono_ns);
	if (i < res->ntrace) {
		res->true_err_s[i] = true_err;
		res->est_err_s[i] = est_tgt;
		res->U_s[i] = isnan(est_tgt) ? NAN : est.U_s;
		res->max_error_s[i] = isnan(est_tgt) ? NAN : est.max_error_s;
		res->state[i] = st.state;
		res->leap_s[i] = s;
		res->leap_active[i] = est.leap_active;
	}
}

static void
result_init(struct sim_result *res, const struct scenario *sc)
{
	memset(res, 0, sizeof(*res));
	snprintf(res->name, sizeof(res->name), "%s", sc->name);
	res->discipline = sc->eng.discipline;
	res->duration_s = sc->duration_s;
	res->me_first_miss_t = -1;
	res->me_min_ratio = INFINITY;
	res->conv_t_s = -1;
	res->holdover_t_s = -1;
	res->ho1h_ratio = NAN;
	res->ho1h_err_s = res->ho1h_bound_s = res->ho1h_U_s = NAN;
	res->tol_cross_t_s = -1;
	res->freerun_t_s = -1;
	res->nsources = sc->nsources;
}

static int
alloc_trace(struct sim_result *res, long n)
{
	res->ntrace = n;
	res->true_err_s = calloc((size_t)n, sizeof(double));
	res->est_err_s = calloc((size_t)n, sizeof(double));
	res->U_s = calloc((size_t)n, sizeof(double));
	res->max_error_s = calloc((size_t)n, sizeof(double));
	res->state = calloc((size_t)n, sizeof(int));
	res->leap_s = calloc((size_t)n, sizeof(double));
	res->leap_active = calloc((size_t)n, sizeof(int));
	return res->true_err_s && res->est_err_s && res->U_s &&
	    res->max_error_s && res->state && res->leap_s && res->leap_active ?
	    0 : -1;
}

/* Sources' streams: seeded apart from the oscillator's and each other's. */
static int
setup_sources(struct run *r)
{
	const struct scenario *sc = r->sc;
	struct oscsim_params quiet;

	memset(&quiet, 0, sizeof(quiet));
	r->conv_end_s = sc->duration_s;
	for (int i = 0; i < sc->nsources; i++) {
		const struct scn_source *p = &sc->src[i];
		struct engine_source_params sp = {
			.name = p->name,
			.kind = p->kind == SCN_PACKET ? SST_PACKET : SST_REFCLOCK,
			.prefer = p->prefer, .trust = p->trust,
			.noselect = p->noselect, .traceable = true,
		};
		struct src_state *st = &r->s[i];

		snprintf(r->res->src[i].name, SCN_NAME_LEN, "%s", p->name);
		st->p = p;
		st->enabled = !(r->opts->disable_mask & (1U << i));
		st->rng = oscsim_create(&quiet, sc->seed * 1000003ULL + (uint64_t)i + 1);
		if (st->rng == NULL)
			return -1;
		if (!st->enabled)
			continue;
		st->interval_ns = ns_of(p->interval_s);
		st->next_ns = ns_of(p->start_s);
		if ((st->id = engine_add_source(r->e, &sp)) < 0)
			return -1;
		if (p->false_offset_s == 0 && p->stop_s < r->conv_end_s)
			r->conv_end_s = p->stop_s;
	}
	return 0;
}

static double
wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/*
 * Step mode: the kernel inserts (deletes) the second, stepping the clock
 * by -delta. It does so at the clock's midnight, which is within the
 * clock's error (microseconds) of UTC's; the harness steps at UTC's, its
 * grid cannot tell the two apart.
 */
static void
kernel_leap(struct run *r, int64_t t_ns)
{
	if (!r->sc->leap.enabled || r->sc->leap.mode != LEAPSMEAR_STEP ||
	    r->kernel_leapt || t_ns < r->jump_t_ns)
		return;
	r->kernel_leapt = true;
	oscsim_adjust(r->osc, 0, -r->leap.delta_s);
	r->res->leap_steps++;
	r->res->leap_step_s = -r->leap.delta_s;
}

/* The scenario's leap: the profile (also the truth's) and the engine's. */
static int
setup_leap(struct run *r)
{
	const struct scn_leap *lp = &r->sc->leap;

	if (!lp->enabled)
		return 0;
	if (leapsmear_init(&r->leap, lp->mode, EPOCH_NS + ns_of(lp->at_s), lp->delta,
	    ns_of(lp->window_s), lp->slew_rate) < 0)
		return -1;
	r->jump_t_ns = r->leap.jump_ns - EPOCH_NS;
	return 0;
}

/* The engine learns the mode at leap.set_at, before that step's samples. */
static void
tell_leap(struct run *r, int64_t t_ns)
{
	if (!r->sc->leap.enabled || r->leap_told || t_ns < ns_of(r->sc->leap.set_at_s))
		return;
	r->leap_told = true;
	if (engine_set_leap(r->e, &r->leap) < 0 && r->opts->log != NULL)
		fprintf(r->opts->log, "  [%s] engine_set_leap refused\n", r->sc->name);
}

static void
loop(struct run *r)
{
	int64_t step_ns = ns_of(r->sc->step_s);
	int64_t end_ns = ns_of(r->sc->duration_s);
	long point = 0;

	for (int64_t t_ns = step_ns; t_ns <= end_ns; t_ns += step_ns) {
		int64_t mono_ns = MONO0_NS + t_ns;
		struct engine_action act;

		oscsim_advance(r->osc, r->sc->step_s);
		kernel_leap(r, t_ns);
		tell_leap(r, t_ns);
		feed_sources(r, t_ns);
		memset(&act, 0, sizeof(act));
		if (engine_update(r->e, mono_ns, &act) == 0)
			steer(r, mono_ns, &act);
		if (t_ns % NS_PER_S == 0)
			score_point(r, point++, (double)t_ns / NS_PER_S, mono_ns);
	}
}

static void
finish(struct run *r)
{
	struct sim_result *res = r->res;

	res->me_coverage = res->est_points ?
	    (double)res->me_covered / res->est_points : 0;
	res->U_coverage = res->U_points ? (double)res->U_covered / res->U_points : 0;
	res->U_all_coverage = res->U_all_points ?
	    (double)res->U_all_covered / res->U_all_points : 0;
	if (res->all_points)
		res->rms_all_s = sqrt(r->sum_sq_all / res->all_points);
	if (res->err_points) {
		res->rms_err_s = sqrt(r->sum_sq / res->err_points);
		res->u_mean_s = r->sum_u / res->err_points;
		res->rms_est_err_s = sqrt(r->sum_sq_est / res->err_points);
	}
	if (r->last_bad_s < floor(r->conv_end_s))
		res->conv_t_s = r->last_bad_s + 1;
}

int
sim_run(const struct scenario *sc, const struct sim_opts *opts,
    struct sim_result *res)
{
	static const struct sim_opts none;
	struct run r;
	double w0;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	r.sc = sc;
	r.opts = opts ? opts : &none;
	r.res = res;
	result_init(res, sc);
	if (alloc_trace(res, (long)floor(sc->duration_s)) < 0)
		return -1;
	w0 = wall_now();
	r.osc = oscsim_create(&sc->osc, sc->seed);
	r.e = engine_create(&sc->eng, on_event, &r);
	if (r.osc != NULL && r.e != NULL && setup_sources(&r) == 0 &&
	    setup_leap(&r) == 0) {
		oscsim_adjust(r.osc, 0, -sc->initial_offset_s);
		loop(&r);
		finish(&r);
		rc = 0;
	}
	res->wall_s = wall_now() - w0;
	res->speed = res->wall_s > 0 ? sc->duration_s / res->wall_s : INFINITY;
	for (int i = 0; i < sc->nsources; i++)
		oscsim_destroy(r.s[i].rng);
	if (r.e != NULL)
		engine_destroy(r.e);
	oscsim_destroy(r.osc);
	return rc;
}

void
sim_result_free(struct sim_result *res)
{
	free(res->true_err_s);
	free(res->est_err_s);
	free(res->U_s);
	free(res->max_error_s);
	free(res->state);
	free(res->leap_s);
	free(res->leap_active);
	res->true_err_s = res->est_err_s = res->U_s = res->max_error_s = NULL;
	res->state = NULL;
	res->leap_s = NULL;
	res->leap_active = NULL;
}

static bool
same_doubles(const double *a, const double *b, long n)
{
	return memcmp(a, b, (size_t)n * sizeof(double)) == 0;
}

bool
sim_result_same(const struct sim_result *a, const struct sim_result *b)
{
	struct sim_result x, y;

	/* memcpy, not assignment: padding is compared too (zeroed at init) */
	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	if (a->ntrace != b->ntrace ||
	    !same_doubles(a->true_err_s, b->true_err_s, a->ntrace) ||
	    !same_doubles(a->est_err_s, b->est_err_s, a->ntrace) ||
	    !same_doubles(a->U_s, b->U_s, a->ntrace) ||
	    !same_doubles(a->max_error_s, b->max_error_s, a->ntrace) ||
	    memcmp(a->state, b->state, (size_t)a->ntrace * sizeof(int)) != 0 ||
	    !same_doubles(a->leap_s, b->leap_s, a->ntrace) ||
	    memcmp(a->leap_active, b->leap_active,
	    (size_t)a->ntrace * sizeof(int)) != 0)
		return false;
	/* the scalar figures, minus wall time and the trace pointers */
	x.wall_s = y.wall_s = x.speed = y.speed = 0;
	x.true_err_s = y.true_err_s = x.est_err_s = y.est_err_s = NULL;
	x.U_s = y.U_s = x.max_error_s = y.max_error_s = NULL;
	x.state = y.state = NULL;
	x.leap_s = y.leap_s = NULL;
	x.leap_active = y.leap_active = NULL;
	return memcmp(&x, &y, sizeof(x)) == 0;
}

static const char *
fmt_t(char *buf, size_t len, double t)
{
	if (t < 0)
		snprintf(buf, len, "never");
	else
		snprintf(buf, len, "%.0f s", t);
	return buf;
}

void
sim_print_header(FILE *fp)
{
	fprintf(fp, "%-18s %10s %10s %10s %10s %8s %8s %9s %8s %5s %9s %8s\n",
	    "scenario", "rms|err|", "max|err|", "rms(all)", "max(all)", "U cov",
	    "U(all)", "maxe cov", "converge", "steps", "ho maxe/e", "speed");
}

/* "-" where no point qualified, rather than a misleading 0. */
static const char *
fmt_us(char *buf, size_t len, double v_s, long n)
{
	if (n == 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.3fus", v_s * 1e6);
	return buf;
}

static const char *
fmt_pct(char *buf, size_t len, double share, long n)
{
	if (n == 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.2f%%", share * 100);
	return buf;
}

void
sim_print_row(FILE *fp, const struct sim_result *r)
{
	char conv[32], a[24], b[24], c[24], d[24], e[24], f[24];

	fprintf(fp, "%-18s %10s %10s %10s %10s %8s %8s %8.4f%% %8s %5d %9.2f %7.0fx\n",
	    r->name, fmt_us(a, sizeof(a), r->rms_err_s, r->err_points),
	    fmt_us(b, sizeof(b), r->max_err_s, r->err_points),
	    fmt_us(c, sizeof(c), r->rms_all_s, r->all_points),
	    fmt_us(d, sizeof(d), r->max_all_s, r->all_points),
	    fmt_pct(e, sizeof(e), r->U_coverage, r->U_points),
	    fmt_pct(f, sizeof(f), r->U_all_coverage, r->U_all_points),
	    r->me_coverage * 100, fmt_t(conv, sizeof(conv), r->conv_t_s), r->steps,
	    r->ho1h_ratio, r->speed);
}

void
sim_print_details(FILE *fp, const struct sim_result *r)
{
	char b1[32], b2[32], b3[32];

	fprintf(fp, "%s: %s, %.0f s simulated in %.3f s (%.0fx); %ld points, %ld with an estimate\n",
	    r->name, r->discipline ? "disciplining" : "observing", r->duration_s,
	    r->wall_s, r->speed, r->points, r->est_points);
	fprintf(fp, "  true error (steady, %ld points): rms %.3f us, max %.3f us;"
	    " estimate error rms %.3f us; mean u %.3f us\n", r->err_points,
	    r->rms_err_s * 1e6, r->max_err_s * 1e6, r->rms_est_err_s * 1e6,
	    r->u_mean_s * 1e6);
	fprintf(fp, "  true error after warm-up, any state (%ld points): rms %.3f us, max %.3f us\n",
	    r->all_points, r->rms_all_s * 1e6, r->max_all_s * 1e6);
	fprintf(fp, "  U coverage: steady %ld/%ld = %.2f %%, after warm-up %ld/%ld = %.2f %%\n",
	    r->U_covered, r->U_points, r->U_coverage * 100, r->U_all_covered,
	    r->U_all_points, r->U_all_coverage * 100);
	fprintf(fp, "  max_error coverage %ld/%ld = %.4f %%, smallest max_error/|err| %.3g",
	    r->me_covered, r->est_points, r->me_coverage * 100, r->me_min_ratio);
	if (r->me_first_miss_t >= 0)
		fprintf(fp, "; FIRST MISS at t=%.0f s: err %.3e s > max_error %.3e s",
		    r->me_first_miss_t, r->me_first_miss_err, r->me_first_miss_bound);
	fprintf(fp, "\n  convergence (<%.0f us): %s; steps %d\n", SIM_CONV_S * 1e6,
	    fmt_t(b1, sizeof(b1), r->conv_t_s), r->steps);
	if (r->holdover_t_s >= 0) {
		fprintf(fp, "  holdover from %s: %ld points, max_error covers %ld, U covers %ld;"
		    " tolerance crossed %s, freerun %s\n",
		    fmt_t(b1, sizeof(b1), r->holdover_t_s), r->ho_points, r->ho_covered,
		    r->ho_U_covered, fmt_t(b2, sizeof(b2), r->tol_cross_t_s),
		    fmt_t(b3, sizeof(b3), r->freerun_t_s));
		fprintf(fp, "  1 h into holdover: |err| %.3f us, U %.3f us, max_error %.3f us,"
		    " max_error/|err| %.2f\n", fabs(r->ho1h_err_s) * 1e6,
		    r->ho1h_U_s * 1e6, r->ho1h_bound_s * 1e6, r->ho1h_ratio);
		fprintf(fp, "    freq_u %.3g; budget:", r->ho1h_freq_u);
		for (int i = 0; i < r->ho1h_budget.n; i++)
			fprintf(fp, " %s %.3f us;", r->ho1h_budget.item[i].name,
			    r->ho1h_budget.item[i].u_s * 1e6);
		fprintf(fp, "\n");
	}
	for (int i = 0; i < r->nsources; i++) {
		const struct sim_source_result *s = &r->src[i];

		fprintf(fp, "  source %-10s sent %ld rejected %ld; after warm-up %ld points:",
		    s->name, s->sent, s->rejected, s->points);
		for (int k = 0; k <= SEL_FALSETICKER; k++)
			if (s->by_state[k])
				fprintf(fp, " %s %ld", sel_state_name((enum sel_state)k),
				    s->by_state[k]);
		fprintf(fp, "\n");
	}
	fprintf(fp, "  states:");
	for (int i = 0; i < r->ntrans; i++)
		fprintf(fp, " %.0f s %s (%s);", r->trans[i].t_s,
		    engine_state_name(r->trans[i].state), r->trans[i].reason);
	fprintf(fp, "\n");
}

/*
 * sourcestats.c - per-source statistics.
 *
 * Samples that pass the outlier filter go into a window over which offset
 * is regressed on local monotonic time by weighted least squares, weights
 * 1/u_i^2. The window is the largest run of newest samples whose residual
 * signs pass a runs test (a frequency change shows up as long runs of one
 * sign); older samples are dropped. The standard errors come from the
 * residual scatter (Type A), so the systematic Type B items a source
 * declares are not averaged down; they travel separately in the budget.
 * The hard bound is the intersection of every sample's certain interval
 * carried forward to now. See docs/architecture.md for the reasons.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sourcestats.h"

#define U_FLOOR_S	1e-12	/* keeps the weight of a "perfect" sample finite */
#define MAD_MIN_SAMPLES	5	/* fewer residuals give no usable MAD */
#define MAD_TO_SIGMA	1.4826	/* sigma = 1.4826 MAD for a normal distribution */
#define PRIOR_DOF	2.0	/* weight of the declared noise in the scatter estimate */
#define TINY_UNIT_VAR	1e-12	/* residuals this small (in units of u^2) are noise-free */

struct point {
	int64_t	t_ns;
	double	off_s;
	double	u_s;		/* combined standard uncertainty as declared */
	double	ua_s;		/* its random part: the Type A items, or all of u */
	double	ub_s;		/* its Type B items combined */
	double	hb_s;
	double	delay_s;	/* < 0: none */
};

struct sourcestats {
	struct sst_params p;
	struct point	*pt;		/* ring of the window, oldest at head */
	int		head, n;
	double		*dly;		/* ring of recent delays, rejected ones too */
	int		dly_head, dly_n;
	double		*scratch;	/* max_samples doubles for medians */
	struct budget	last_budget;
	int64_t		last_ns;
	bool		have_last;
	unsigned long	accepted, rejected;
	int		reject_run;
};

/* A weighted straight line through samples from..n-1. */
struct fit {
	int	from, n;
	int64_t	t_ref;		/* the newest sample; x = t - t_ref in s */
	double	min_delay_s;	/* < 0: none known */
	double	w, xbar, ybar, sxx, slope;
	double	wrss;		/* sum of w * residual^2 */
	double	prior;		/* declared random share of the variance, mean */
	double	s2;		/* variance of unit weight, pooled with the prior */
};

void
sst_params_default(struct sst_params *p, enum sst_kind kind)
{
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->min_samples = 3;
	p->max_samples = 64;
	p->delay_factor = 3.0;
	p->delay_margin_s = 1e-6;
	p->mad_k = 5.0;
	p->max_reject_run = 8;
	p->runs_z = 2.33;
}

static bool
params_ok(const struct sst_params *p)
{
	if (p->kind != SST_PACKET && p->kind != SST_REFCLOCK)
		return false;
	if (p->min_samples < 2 || p->max_samples < p->min_samples ||
	    p->max_samples > SST_MAX_SAMPLES)
		return false;
	if (!isfinite(p->delay_factor) || p->delay_factor < 1.0 ||
	    !isfinite(p->delay_margin_s) || p->delay_margin_s < 0)
		return false;
	if (!isfinite(p->mad_k) || p->mad_k <= 0 || p->max_reject_run < 0 ||
	    !isfinite(p->runs_z) || p->runs_z <= 0)
		return false;
	return true;
}

struct sourcestats *
sst_create(const struct sst_params *p)
{
	struct sourcestats *sst;
	struct sst_params def;
	size_t cap;

	if (p == NULL) {
		sst_params_default(&def, SST_PACKET);
		p = &def;
	}
	if (!params_ok(p) || (sst = calloc(1, sizeof(*sst))) == NULL)
		return NULL;
	sst->p = *p;
	cap = (size_t)p->max_samples;
	sst->pt = calloc(cap, sizeof(*sst->pt));
	sst->dly = calloc(cap, sizeof(*sst->dly));
	sst->scratch = calloc(cap, sizeof(*sst->scratch));
	if (sst->pt == NULL || sst->dly == NULL || sst->scratch == NULL) {
		sst_destroy(sst);
		return NULL;
	}
	return sst;
}

void
sst_destroy(struct sourcestats *sst)
{
	if (sst == NULL)
		return;
	free(sst->pt);
	free(sst->dly);
	free(sst->scratch);
	free(sst);
}

void
sst_reset(struct sourcestats *sst)
{
	sst->head = sst->n = 0;
	sst->dly_head = sst->dly_n = 0;
	sst->have_last = false;
	sst->reject_run = 0;
	budget_init(&sst->last_budget);
}

int
sst_count(const struct sourcestats *sst)
{
	return sst->n;
}

unsigned long
sst_rejected(const struct sourcestats *sst)
{
	return sst->rejected;
}

/* Sample i of the window, 0 = oldest. */
static struct point *
pt_at(const struct sourcestats *sst, int i)
{
	return &sst->pt[(sst->head + i) % sst->p.max_samples];
}

static void
drop_oldest(struct sourcestats *sst, int k)
{
	sst->head = (sst->head + k) % sst->p.max_samples;
	sst->n -= k;
}

static void
push_point(struct sourcestats *sst, const struct point *p)
{
	if (sst->n == sst->p.max_samples)
		drop_oldest(sst, 1);
	*pt_at(sst, sst->n) = *p;
	sst->n++;
}

static void
push_delay(struct sourcestats *sst, double delay_s)
{
	int cap = sst->p.max_samples;

	if (sst->dly_n == cap) {
		sst->dly_head = (sst->dly_head + 1) % cap;
		sst->dly_n--;
	}
	sst->dly[(sst->dly_head + sst->dly_n) % cap] = delay_s;
	sst->dly_n++;
}

static double
min_delay(const struct sourcestats *sst)
{
	double m = -1;

	for (int i = 0; i < sst->dly_n; i++) {
		double d = sst->dly[(sst->dly_head + i) % sst->p.max_samples];

		if (m < 0 || d < m)
			m = d;
	}
	return m;
}

/*
 * Weight 1/u_eff^2 of a sample, from its random part only: the Type B
 * items do not average, so they say nothing about which sample to trust
 * (with NTP's delay/2 in u, queueing made no difference to the weights and
 * four LAN servers came out 1.25x chronyd's RMS under clknetsim; 1.0x
 * without). A packet that waited in a queue on one leg of its trip is
 * biased by up to half its extra delay, so that much is added in
 * quadrature; the whole of u_eff is random, *ua2 = 1 (in units of
 * u_eff^2).
 */
static double
weight(const struct sourcestats *sst, const struct point *p, double dmin,
    double *ua2)
{
	double u = fmax(p->ua_s, U_FLOOR_S), infl = 0, u2;

	if (sst->p.kind == SST_PACKET && p->delay_s >= 0 && dmin >= 0)
		infl = fmax(p->delay_s - dmin, 0) / 2;
	u2 = u * u + infl * infl;
	if (ua2 != NULL)
		*ua2 = 1;
	return 1 / u2;
}

static double
x_of(int64_t t_ns, int64_t t_ref)
{
	return (double)(t_ns - t_ref) * 1e-9;
}

static double
fit_line(const struct fit *f, double x)
{
	return f->ybar + f->slope * (x - f->xbar);
}

static void
fit_means(const struct sourcestats *sst, struct fit *f)
{
	double sw = 0, swx = 0, swy = 0, sprior = 0, ua2;

	for (int i = f->from; i < sst->n; i++) {
		const struct point *p = pt_at(sst, i);
		double w = weight(sst, p, f->min_delay_s, &ua2);

		sw += w;
		swx += w * x_of(p->t_ns, f->t_ref);
		swy += w * p->off_s;
		sprior += ua2;
	}
	f->w = sw;
	f->xbar = swx / sw;
	f->ybar = swy / sw;
	f->prior = sprior / f->n;
}

/*
 * The fit over the window from..n-1. The variance of unit weight s2 is
 * the residual scatter, pooled with PRIOR_DOF degrees of freedom of what
 * the samples declare as random, so that 2 or 3 samples that happen to
 * lie on a line do not claim a zero standard error.
 */
static void
fit_window(const struct sourcestats *sst, int from, struct fit *f)
{
	double sxy = 0, dof;

	memset(f, 0, sizeof(*f));
	f->from = from;
	f->n = sst->n - from;
	f->t_ref = pt_at(sst, sst->n - 1)->t_ns;
	f->min_delay_s = min_delay(sst);
	fit_means(sst, f);
	for (int i = from; i < sst->n; i++) {
		const struct point *p = pt_at(sst, i);
		double w = weight(sst, p, f->min_delay_s, NULL);
		double dx = x_of(p->t_ns, f->t_ref) - f->xbar;

		f->sxx += w * dx * dx;
		sxy += w * dx * (p->off_s - f->ybar);
	}
	f->slope = f->n >= 2 && f->sxx > 0 ? sxy / f->sxx : 0;
	for (int i = from; i < sst->n; i++) {
		const struct point *p = pt_at(sst, i);
		double r = p->off_s - fit_line(f, x_of(p->t_ns, f->t_ref));

		f->wrss += weight(sst, p, f->min_delay_s, NULL) * r * r;
	}
	dof = f->n > 2 ? f->n - 2 : 0;
	f->s2 = (f->wrss + PRIOR_DOF * f->prior) / (dof + PRIOR_DOF);
}

/* Prediction at x and its variance (intercept, slope and their covariance). */
static double
fit_predict(const struct fit *f, double x, double *var)
{
	double v = 1 / f->w;

	if (f->n >= 2 && f->sxx > 0)
		v += (x - f->xbar) * (x - f->xbar) / f->sxx;
	*var = f->s2 * v;
	return fit_line(f, x);
}

/*
 * Wald-Wolfowitz runs test on the residual signs of the window, as a z
 * score: strongly negative when there are too few runs, i.e. the residuals
 * wander in long stretches of one sign and a straight line does not fit.
 */
static double
runs_score(const struct sourcestats *sst, const struct fit *f)
{
	int n1 = 0, n2 = 0, runs = 0, prev = -1;
	double n = f->n, mu, var;

	if (f->wrss / f->n < TINY_UNIT_VAR)
		return 0;
	for (int i = f->from; i < sst->n; i++) {
		const struct point *p = pt_at(sst, i);
		int pos = p->off_s >= fit_line(f, x_of(p->t_ns, f->t_ref));

		if (pos)
			n1++;
		else
			n2++;
		runs += pos != prev;
		prev = pos;
	}
	if (n1 == 0 || n2 == 0)
		return 0;
	mu = 2.0 * n1 * n2 / n + 1;
	var = 2.0 * n1 * n2 * (2.0 * n1 * n2 - n) / (n * n * (n - 1));
	return var > 0 ? (runs - mu) / sqrt(var) : 0;
}

/*
 * Keep the largest window of newest samples that passes the runs test;
 * if none does, the one that fails least. Older samples are dropped, so a
 * stale frequency cannot creep back in when a later test passes by chance.
 */
static void
select_window(struct sourcestats *sst)
{
	int best_from = 0;
	double best_z = -INFINITY;
	struct fit f;

	for (int from = 0; sst->n - from >= sst->p.min_samples; from++) {
		double z;

		fit_window(sst, from, &f);
		z = runs_score(sst, &f);
		if (z >= -sst->p.runs_z) {
			best_from = from;
			break;
		}
		if (z > best_z) {
			best_z = z;
			best_from = from;
		}
	}
	drop_oldest(sst, best_from);
}

static bool
packet_outlier(const struct sourcestats *sst, const struct sample *s)
{
	double dmin = min_delay(sst);

	if (s->delay_s < 0 || dmin < 0)
		return false;
	return s->delay_s > fmax(dmin * sst->p.delay_factor,
	    dmin + sst->p.delay_margin_s);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * A reference clock's sample is an outlier when it lies more than mad_k
 * robust sigmas from the window's prediction. The robust sigma (1.4826 MAD
 * of the residuals) is floored by the sample's own u, so a quiet stretch
 * does not make the source reject its own declared noise, and the
 * prediction's uncertainty is added for long gaps.
 */
static bool
refclock_outlier(struct sourcestats *sst, const struct sample *s)
{
	struct fit f;
	double pred, var, med, sigma;

	if (sst->n < MAD_MIN_SAMPLES)
		return false;
	fit_window(sst, 0, &f);
	for (int i = 0; i < sst->n; i++) {
		const struct point *p = pt_at(sst, i);

		sst->scratch[i] = p->off_s - fit_line(&f, x_of(p->t_ns, f.t_ref));
	}
	med = median(sst->scratch, sst->n);
	for (int i = 0; i < sst->n; i++)
		sst->scratch[i] = fabs(sst->scratch[i] - med);
	sigma = fmax(MAD_TO_SIGMA * median(sst->scratch, sst->n),
	    fmax(sample_u(s), U_FLOOR_S));
	pred = fit_predict(&f, x_of(s->mono_ns, f.t_ref), &var);
	return fabs(s->offset_s - pred) > sst->p.mad_k * sqrt(sigma * sigma + var);
}

static void
make_point(const struct sample *s, struct point *p)
{
	double ua2 = 0, ub2 = 0;
	bool any_a = false;

	for (int i = 0; i < s->budget.n; i++) {
		double u2 = s->budget.item[i].u_s * s->budget.item[i].u_s;

		if (s->budget.item[i].kind != BUDGET_TYPE_A) {
			ub2 += u2;
			continue;
		}
		ua2 += u2;
		any_a = true;
	}
	p->ub_s = sqrt(ub2);
	p->t_ns = s->mono_ns;
	p->off_s = s->offset_s;
	p->u_s = sample_u(s);
	p->ua_s = any_a ? sqrt(ua2) : p->u_s;
	p->hb_s = s->hard_bound_s;
	p->delay_s = s->delay_s;
}

int
sst_add(struct sourcestats *sst, const struct sample *s)
{
	struct point p;
	bool packet, outlier;

	if (sst == NULL || s == NULL || !sample_valid(s) ||
	    (sst->have_last && s->mono_ns <= sst->last_ns))
		return -1;
	sst->last_ns = s->mono_ns;
	sst->have_last = true;
	packet = sst->p.kind == SST_PACKET;
	outlier = packet ? packet_outlier(sst, s) : refclock_outlier(sst, s);
	if (outlier && (sst->p.max_reject_run == 0 ||
	    sst->reject_run + 1 < sst->p.max_reject_run)) {
		sst->reject_run++;
		sst->rejected++;
		if (packet && s->delay_s >= 0)
			push_delay(sst, s->delay_s);
		return 1;
	}
	/* A long run of outliers means the source changed: start over. */
	if (outlier && packet)
		sst->dly_n = 0;
	else if (outlier)
		sst->n = 0;
	if (packet && s->delay_s >= 0)
		push_delay(sst, s->delay_s);
	sst->reject_run = 0;
	make_point(s, &p);
	push_point(sst, &p);
	sst->accepted++;
	sst->last_budget = s->budget;
	select_window(sst);
	return 0;
}

void
sst_clock_adjusted(struct sourcestats *sst, int64_t at_mono_ns, double dfreq,
    double dstep_s)
{
	if (!isfinite(dfreq) || !isfinite(dstep_s))
		return;
	for (int i = 0; i < sst->n; i++) {
		struct point *p = pt_at(sst, i);

		p->off_s -= dstep_s + dfreq * x_of(p->t_ns, at_mono_ns);
	}
}

/*
 * Every sample certifies the true offset at its instant to within hb_i;
 * carried to now along the estimated frequency, with freq_bound for what
 * that estimate may be wrong, each gives an interval that must hold the
 * true offset now. Their intersection does; hard_bound_s is the distance
 * from offset_s to its far edge. An empty intersection means a bound was
 * wrong; then only the newest sample is believed.
 */
static void
hard_bound(const struct sourcestats *sst, int64_t now_ns, double freq_bound,
    struct sst_estimate *e)
{
	double lo = -INFINITY, hi = INFINITY, c = 0, h = 0;

	for (int i = 0; i < sst->n; i++) {
		const struct point *p = pt_at(sst, i);
		double d = x_of(now_ns, p->t_ns);

		c = p->off_s + e->freq * d;
		h = p->hb_s + freq_bound * fabs(d);
		lo = fmax(lo, c - h);
		hi = fmin(hi, c + h);
	}
	/* c and h are the newest sample's now */
	if (lo > hi) {
		e->inconsistent = true;
		lo = c - h;
		hi = c + h;
	}
	e->hard_bound_s = fmax(fabs(e->offset_s - lo), fabs(hi - e->offset_s));
}

/* Make room in a full budget by merging its two smallest items. */
static void
fold_smallest(struct budget *b)
{
	int a = 0, c = 1;

	if (b->item[c].u_s < b->item[a].u_s) {
		a = 1;
		c = 0;
	}
	for (int i = 2; i < b->n; i++) {
		if (b->item[i].u_s < b->item[a].u_s) {
			c = a;
			a = i;
		} else if (b->item[i].u_s < b->item[c].u_s) {
			c = i;
		}
	}
	b->item[a].u_s = hypot(b->item[a].u_s, b->item[c].u_s);
	strcpy(b->item[a].name, "other Type B");
	strcpy(b->item[a].origin, "smaller items in quadrature");
	memmove(&b->item[c], &b->item[c + 1],
	    (size_t)(b->n - c - 1) * sizeof(b->item[0]));
	b->n--;
}

/*
 * Systematic (Type B) items do not average down over the window: they are
 * the newest sample's rows, scaled so that their total is the regression-
 * weighted mean of the window's samples' Type B totals. A packet source's
 * Type B (delay/2 asymmetry) changes from packet to packet; taking the
 * newest alone made u jump with each queueing delay and the selection's
 * reference change every few seconds (seen with four NTP servers on
 * loopback). The sample's Type A items did average down; what remains of
 * them is the regression's standard error.
 */
static double
mean_type_b(const struct sourcestats *sst, const struct fit *f)
{
	double sw = 0, swu = 0;

	for (int i = f->from; i < sst->n; i++) {
		const struct point *p = pt_at(sst, i);
		double w = weight(sst, p, f->min_delay_s, NULL);

		sw += w;
		swu += w * p->ub_s;
	}
	return sw > 0 ? swu / sw : 0;
}

static void
fill_budget(const struct sourcestats *sst, const struct fit *f,
    struct sst_estimate *e)
{
	const struct budget *src = &sst->last_budget;
	double last = pt_at(sst, sst->n - 1)->ub_s, scale = 1;

	if (last > 0)
		scale = mean_type_b(sst, f) / last;
	budget_init(&e->budget);
	for (int i = 0; i < src->n; i++)
		if (src->item[i].kind == BUDGET_TYPE_B)
			budget_add(&e->budget, src->item[i].name,
			    src->item[i].u_s * scale, BUDGET_TYPE_B,
			    src->item[i].origin);
	if (e->budget.n == BUDGET_MAX_ITEMS)
		fold_smallest(&e->budget);
	budget_add(&e->budget, "statistics", e->offset_se_s, BUDGET_TYPE_A,
	    "sourcestats WLS prediction");
}

int
sst_get(const struct sourcestats *sst, int64_t now_mono_ns, double freq_bound,
    struct sst_estimate *out)
{
	struct fit f;
	double var;
	const struct point *newest;

	if (sst == NULL || out == NULL || sst->n == 0 ||
	    !isfinite(freq_bound) || freq_bound < 0)
		return -1;
	memset(out, 0, sizeof(*out));
	fit_window(sst, 0, &f);
	out->offset_s = fit_predict(&f, x_of(now_mono_ns, f.t_ref), &var);
	out->offset_se_s = sqrt(var);
	if (f.n >= 2 && f.sxx > 0) {
		out->freq = f.slope;
		out->freq_se = sqrt(f.s2 / f.sxx);
		out->freq_valid = true;
	}
	out->jitter_s = sqrt(f.wrss / f.w);
	hard_bound(sst, now_mono_ns, freq_bound, out);
	fill_budget(sst, &f, out);
	newest = pt_at(sst, sst->n - 1);
	out->n_used = sst->n;
	out->n_total = sst->accepted;
	out->span_s = x_of(newest->t_ns, pt_at(sst, 0)->t_ns);
	out->last_mono_ns = newest->t_ns;
	out->age_s = x_of(now_mono_ns, newest->t_ns);
	out->rejected = sst->rejected;
	return 0;
}

int
sst_samples_since(const struct sourcestats *sst, int64_t after_ns,
    struct sst_raw *out, int max)
{
	struct fit f;
	double birge2 = 1;
	int first, k = 0;

	if (sst == NULL || out == NULL || max < 0)
		return -1;
	if (sst->n == 0)
		return 0;
	for (first = sst->n; first > 0 && pt_at(sst, first - 1)->t_ns > after_ns; first--)
		;
	if (first == sst->n)
		return 0;
	fit_window(sst, 0, &f);
	/* s2 estimates the random share prior when the declarations hold */
	if (f.prior > 0 && f.s2 > f.prior)
		birge2 = f.s2 / f.prior;
	for (int i = first; i < sst->n && k < max; i++, k++) {
		const struct point *p = pt_at(sst, i);
		double ua2, u2 = 1 / weight(sst, p, f.min_delay_s, &ua2);

		out[k].mono_ns = p->t_ns;
		out[k].offset_s = p->off_s;
		out[k].u_a_s = sqrt(ua2 * u2 * birge2);
	}
	return k;
}

/*
 * oscmodel.c - the local oscillator learned from its frequency history
 * (see oscmodel.h for the model and the formulas).
 *
 * History: frequency estimates are binned by CLOCK_MONOTONIC into
 * OSC_BASE_TAU_S bins (inverse-variance weighted means) in a ring of
 * OSC_NBINS. Every REFIT_BINS completed bins the overlapping ADEV is
 * evaluated at tau = 2^k OSC_BASE_TAU_S from prefix sums, and
 * a/tau + b tau + c tau^2 is fitted by non-negative least squares on
 * relative error. Memory is fixed: about 200 KiB per model.
 *
 * The measurement noise is NOT subtracted from the ADEV. The estimates
 * fed in (the servo's Kalman frequency, or a regression over an
 * overlapping window) have errors correlated over hundreds of seconds,
 * so the independent-noise figure (1/wA + 1/wB)/2 overstates what the
 * differences of adjacent averages contain: subtracting it took the
 * learned random-walk rate to 0.45x the simulator's true q. Left in,
 * the estimation noise shows as extra white FM, which errs on the safe
 * side. The independent-noise figure is still reported (noise_adev).
 */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oscmodel.h"

#define DAY_S		86400.0
#define BASE_NS		((int64_t)OSC_BASE_TAU_S * 1000000000LL)
#define REFIT_BINS	8
#define MIN_TERMS	16		/* ADEV points with fewer are not fitted */
#define MIN_FIT_POINTS	3
#define FIT_TAU_MAX_S	16384.0		/* well below the daily period */
#define MIN_SPAN_S	(6 * 3600.0)	/* before this: max(learned, prior) */

struct bin {
	double	w;			/* sum of 1/u^2 */
	double	wy;			/* sum of y/u^2 */
};

struct oscmodel {
	enum osc_class	cls;
	struct osc_prior prior;
	double		a_prior, b_prior, r_prior;	/* r: rms slope */
	struct bin	bin[OSC_NBINS];
	bool		have;
	int64_t		first_idx, last_idx;		/* bin numbers */
	int		since_fit;
	long		n_points;
	bool		fitted;
	double		fa, fb, fc;			/* raw fit */
	double		a, b, r;			/* in use */
	int		npts;
	struct osc_adev_point pts[OSC_LEVELS];
	/* scratch for the refit, kept here to bound the stack */
	double		pw[OSC_NBINS + 1], pwy[OSC_NBINS + 1];
	int		pn[OSC_NBINS + 1];
};

/*
 * Priors: worst cases of the class, not typical values.
 * - server-xtal: uncompensated AT-cut on a motherboard. ADEV(1 s) 1e-9
 *   (typ. 1e-10..1e-9); q = 1e-9/sqrt(s) gives ADEV(1e4 s) = 5.8e-8,
 *   the 1e-8..1e-7 wander over hours seen on servers (Levine, "Statistics
 *   of computer clocks"); aging 1e-8/day (several ppm in the first year);
 *   temperature about 1 ppm/degC near the extremes (ntp list, 2012) with
 *   board temperature following load at ~0.03 degC/min => 3e-11/s
 *   (1e-7 per hour).
 * - tcxo: ADEV(1 s) 3e-10; q = 3e-11 (ADEV(1e4 s) 1.7e-9); aging 5e-7/yr
 *   (Vig) = 2e-9/day with margin; 1 ppm over the full range (8e-9/degC)
 *   at 0.5 degC/h => 1e-12/s.
 * - ocxo: ADEV(1 s) 1e-11; q = 3e-13 (ADEV(1e4 s) 1.7e-11); aging
 *   2e-10/day (typical datasheet daily aging, Vig lists 5e-9/yr);
 *   1e-9 over the range at ~1 degC/h => 5e-15/s.
 * - rubidium: ADEV(1 s) 3e-11; q = 5e-14 (ADEV(1e4 s) 2.9e-12); aging
 *   5e-12/day (5e-11/month); 3e-10 over the range => 1e-15/s.
 * Checks against vendor 24 h holdover figures (Tekron, StratumOne): the
 * bound after 24 h is ~10 ms (tcxo), ~50 us (ocxo), ~8 us (rubidium).
 */
static const struct osc_prior priors[] = {
	[OSC_SERVER_XTAL] = { 1e-9, 1e-9, 1e-8, 3e-11 },
	[OSC_TCXO]        = { 3e-10, 3e-11, 2e-9, 1e-12 },
	[OSC_OCXO]        = { 1e-11, 3e-13, 2e-10, 5e-15 },
	[OSC_RUBIDIUM]    = { 3e-11, 5e-14, 5e-12, 1e-15 },
};

static const char *const class_names[] = {
	[OSC_SERVER_XTAL] = "server-xtal",
	[OSC_TCXO] = "tcxo",
	[OSC_OCXO] = "ocxo",
	[OSC_RUBIDIUM] = "rubidium",
	[OSC_CUSTOM] = "custom",
};

int
osc_prior_for(enum osc_class cls, struct osc_prior *out)
{
	if ((unsigned)cls >= sizeof(priors) / sizeof(priors[0]))
		return -1;
	*out = priors[cls];
	return 0;
}

const char *
osc_class_name(enum osc_class cls)
{
	if ((unsigned)cls > OSC_CUSTOM)
		return "unknown";
	return class_names[cls];
}

static bool
prior_ok(const struct osc_prior *p)
{
	return isfinite(p->wfm_adev1) && p->wfm_adev1 >= 0 &&
	    isfinite(p->rwfm_rate) && p->rwfm_rate >= 0 &&
	    isfinite(p->aging_per_day) && isfinite(p->temp_rate) &&
	    p->temp_rate >= 0;
}

/* The prior's rms slope: half its worst case (see R_max = 2 R). */
static void
set_prior(struct oscmodel *m)
{
	m->a_prior = m->prior.wfm_adev1 * m->prior.wfm_adev1;
	m->b_prior = m->prior.rwfm_rate * m->prior.rwfm_rate / 3.0;
	m->r_prior = (fabs(m->prior.aging_per_day) / DAY_S +
	    m->prior.temp_rate) / 2.0;
	m->a = m->a_prior;
	m->b = m->b_prior;
	m->r = m->r_prior;
}

struct oscmodel *
osc_create(enum osc_class cls, const struct osc_prior *custom)
{
	struct oscmodel *m;
	struct osc_prior p;

	if (cls == OSC_CUSTOM) {
		if (custom == NULL || !prior_ok(custom))
			return NULL;
		p = *custom;
	} else if (osc_prior_for(cls, &p) < 0)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->cls = cls;
	m->prior = p;
	set_prior(m);
	return m;
}

void
osc_destroy(struct oscmodel *m)
{
	free(m);
}

void
osc_reset(struct oscmodel *m)
{
	enum osc_class cls = m->cls;
	struct osc_prior p = m->prior;

	memset(m, 0, sizeof(*m));
	m->cls = cls;
	m->prior = p;
	set_prior(m);
}

static int64_t
bin_of(int64_t mono_ns)
{
	int64_t q = mono_ns / BASE_NS;

	return (mono_ns % BASE_NS < 0) ? q - 1 : q;
}

static struct bin *
bin_at(struct oscmodel *m, int64_t idx)
{
	int64_t r = idx % OSC_NBINS;

	return &m->bin[r < 0 ? r + OSC_NBINS : r];
}

static double
span_s(const struct oscmodel *m)
{
	return m->have ? (double)(m->last_idx - m->first_idx + 1) *
	    OSC_BASE_TAU_S : 0.0;
}

/*
 * Prefix sums over the history, oldest bin first, of the weights, of
 * w (y - ybar) (removing the mean keeps the sums well conditioned), and
 * of the count of bins holding data. Returns the number of bins.
 */
static int
build_prefix(struct oscmodel *m)
{
	int n = (int)(m->last_idx - m->first_idx + 1);
	double sw = 0, swy = 0, ybar;

	for (int j = 0; j < n; j++) {
		const struct bin *b = bin_at(m, m->first_idx + j);
		sw += b->w;
		swy += b->wy;
	}
	ybar = sw > 0 ? swy / sw : 0;
	m->pw[0] = m->pwy[0] = 0;
	m->pn[0] = 0;
	for (int j = 0; j < n; j++) {
		const struct bin *b = bin_at(m, m->first_idx + j);
		m->pw[j + 1] = m->pw[j] + b->w;
		m->pwy[j + 1] = m->pwy[j] + (b->w > 0 ? b->wy - b->w * ybar : 0);
		m->pn[j + 1] = m->pn[j] + (b->w > 0);
	}
	return n;
}

/*
 * Overlapping ADEV over averages of mb bins: half the mean squared
 * difference of adjacent averages (nothing subtracted: see the top).
 * noise_adev is what independent measurement errors of the stated
 * uncertainties would contribute, for the status output only. Averages
 * with no data are skipped.
 */
static void
adev_level(const struct oscmodel *m, int n, int mb, struct osc_adev_point *pt)
{
	double d2 = 0, nv = 0, raw, noise;
	int cnt = 0;

	for (int i = 0; i + 2 * mb <= n; i++) {
		double wa = m->pw[i + mb] - m->pw[i];
		double wb = m->pw[i + 2 * mb] - m->pw[i + mb];
		double ya, yb;

		if (m->pn[i + mb] == m->pn[i] || m->pn[i + 2 * mb] == m->pn[i + mb])
			continue;
		ya = (m->pwy[i + mb] - m->pwy[i]) / wa;
		yb = (m->pwy[i + 2 * mb] - m->pwy[i + mb]) / wb;
		d2 += (ya - yb) * (ya - yb);
		nv += 1.0 / wa + 1.0 / wb;
		cnt++;
	}
	pt->tau_s = (double)mb * OSC_BASE_TAU_S;
	pt->n_terms = cnt;
	raw = cnt > 0 ? d2 / (2.0 * cnt) : 0;
	noise = cnt > 0 ? nv / (2.0 * cnt) : 0;
	pt->adev = sqrt(raw);
	pt->noise_adev = sqrt(noise);
}

/* Solve the n x n system a x = r (n <= 3), partial pivoting; -1 if singular. */
static int
solve(int n, double a[3][3], double r[3], double x[3])
{
	for (int c = 0; c < n; c++) {
		int p = c;
		for (int i = c + 1; i < n; i++)
			if (fabs(a[i][c]) > fabs(a[p][c]))
				p = i;
		if (!(fabs(a[p][c]) > 1e-300))
			return -1;
		for (int j = 0; j < n; j++) {
			double t = a[c][j]; a[c][j] = a[p][j]; a[p][j] = t;
		}
		double t = r[c]; r[c] = r[p]; r[p] = t;
		for (int i = c + 1; i < n; i++) {
			double f = a[i][c] / a[c][c];
			for (int j = c; j < n; j++)
				a[i][j] -= f * a[c][j];
			r[i] -= f * r[c];
		}
	}
	for (int i = n - 1; i >= 0; i--) {
		double s = r[i];
		for (int j = i + 1; j < n; j++)
			s -= a[i][j] * x[j];
		x[i] = s / a[i][i];
	}
	return 0;
}

struct fitdata {
	int	n;
	double	row[OSC_LEVELS][3];	/* basis / measured, column-scaled */
	double	wt[OSC_LEVELS];
	double	scale[3];
};

/* Weighted least squares on the columns in mask; the weighted residual,
 * or INFINITY when singular or a coefficient comes out negative. */
static double
fit_subset(const struct fitdata *fd, unsigned mask, double out[3])
{
	double a[3][3] = { { 0 } }, r[3] = { 0 }, x[3] = { 0 }, res = 0;
	int col[3], n = 0;

	for (int j = 0; j < 3; j++)
		if (mask & (1u << j))
			col[n++] = j;
	for (int k = 0; k < fd->n; k++)
		for (int i = 0; i < n; i++) {
			r[i] += fd->wt[k] * fd->row[k][col[i]];
			for (int j = 0; j < n; j++)
				a[i][j] += fd->wt[k] * fd->row[k][col[i]] *
				    fd->row[k][col[j]];
		}
	if (solve(n, a, r, x) < 0)
		return INFINITY;
	for (int i = 0; i < n; i++)
		if (!(x[i] >= 0))
			return INFINITY;
	for (int k = 0; k < fd->n; k++) {
		double e = -1;
		for (int i = 0; i < n; i++)
			e += fd->row[k][col[i]] * x[i];
		res += fd->wt[k] * e * e;
	}
	out[0] = out[1] = out[2] = 0;
	for (int i = 0; i < n; i++)
		out[col[i]] = x[i] / fd->scale[col[i]];
	return res;
}

/*
 * Fit ADEV^2 = a/tau + b tau + c tau^2 to the measured points in relative
 * terms (each row divided by its measured value), weighted by the square
 * root of the number of independent averages. Non-negativity by trying
 * every subset of terms (there are 7) and keeping the best feasible one.
 */
static bool
fit_points(struct oscmodel *m)
{
	struct fitdata fd = { .n = 0 };
	double best = INFINITY, p[3], span = span_s(m);

	for (int k = 0; k < m->npts; k++) {
		const struct osc_adev_point *pt = &m->pts[k];
		double s = pt->adev * pt->adev, t = pt->tau_s;
		if (pt->n_terms < MIN_TERMS || t > FIT_TAU_MAX_S ||
		    t > span / 3 || !(s > 0))
			continue;
		fd.row[fd.n][0] = 1.0 / t / s;
		fd.row[fd.n][1] = t / s;
		fd.row[fd.n][2] = t * t / s;
		fd.wt[fd.n++] = sqrt(pt->n_terms * OSC_BASE_TAU_S / t);
	}
	if (fd.n < MIN_FIT_POINTS)
		return false;
	for (int j = 0; j < 3; j++) {
		fd.scale[j] = 0;
		for (int k = 0; k < fd.n; k++)
			fd.scale[j] = fmax(fd.scale[j], fd.row[k][j]);
		for (int k = 0; k < fd.n; k++)
			fd.row[k][j] /= fd.scale[j];
	}
	for (unsigned mask = 1; mask < 8; mask++) {
		double res = fit_subset(&fd, mask, p);
		if (res < best) {
			best = res;
			m->fa = p[0];
			m->fb = p[1];
			m->fc = p[2];
		}
	}
	return isfinite(best);
}

/*
 * The figures in use: the prior until there is a fit; then the fit, but
 * not below the prior while the history is shorter than MIN_SPAN_S (the
 * slow terms are barely visible yet), and never below prior/OSC_FLOOR_DIV.
 */
static void
choose_figures(struct oscmodel *m)
{
	double fl = OSC_FLOOR_DIV, ra = m->a_prior, rb = m->b_prior,
	    rr = m->r_prior;

	if (!m->fitted) {
		m->a = m->a_prior;
		m->b = m->b_prior;
		m->r = m->r_prior;
		return;
	}
	if (span_s(m) >= MIN_SPAN_S) {
		ra /= fl * fl;
		rb /= fl * fl;
		rr /= fl;
	}
	m->a = fmax(m->fa, ra);
	m->b = fmax(m->fb, rb);
	m->r = fmax(sqrt(2.0 * m->fc), rr);
}

static void
refit(struct oscmodel *m)
{
	int n = build_prefix(m);

	m->npts = 0;
	for (int k = 0; k < OSC_LEVELS && (2 << k) <= n; k++)
		adev_level(m, n, 1 << k, &m->pts[m->npts++]);
	m->fitted = fit_points(m);
	if (!m->fitted)
		m->fa = m->fb = m->fc = 0;
	choose_figures(m);
}

static void
advance(struct oscmodel *m, int64_t idx)
{
	int64_t nnew = idx - m->last_idx;

	for (int64_t i = 1; i <= nnew && i <= OSC_NBINS; i++)
		*bin_at(m, m->last_idx + i) = (struct bin){ 0, 0 };
	m->last_idx = idx;
	if (m->last_idx - m->first_idx >= OSC_NBINS)
		m->first_idx = m->last_idx - OSC_NBINS + 1;
	m->since_fit += nnew > REFIT_BINS ? REFIT_BINS : (int)nnew;
	if (m->since_fit >= REFIT_BINS) {
		m->since_fit = 0;
		refit(m);
	}
}

int
osc_add_freq(struct oscmodel *m, int64_t mono_ns, double freq, double freq_u)
{
	int64_t idx = bin_of(mono_ns);
	struct bin *b;
	double w;

	if (!isfinite(freq) || !isfinite(freq_u) || !(freq_u > 0) ||
	    fabs(freq) > 0.01)
		return -1;
	if (!m->have) {
		m->have = true;
		m->first_idx = m->last_idx = idx;
	} else if (idx > m->last_idx)
		advance(m, idx);
	else if (idx <= m->last_idx - OSC_NBINS || idx < m->first_idx)
		return -1;
	freq_u = fmax(freq_u, 1e-15);
	w = 1.0 / (freq_u * freq_u);
	b = bin_at(m, idx);
	b->w += w;
	b->wy += w * freq;
	m->n_points++;
	return 0;
}

void
osc_holdover(const struct oscmodel *m, double t, double freq_u0,
    struct osc_growth *out)
{
	double rnd, drift;

	if (!(t > 0)) {
		out->u_s = out->bound_s = 0;
		return;
	}
	if (!isfinite(freq_u0) || !isfinite(t)) {
		out->u_s = out->bound_s = INFINITY;
		return;
	}
	rnd = freq_u0 * freq_u0 * t * t + m->a * t + m->b * t * t * t;
	drift = m->r * t * t / 2;
	out->u_s = sqrt(rnd + drift * drift);
	out->bound_s = OSC_K_BOUND * sqrt(rnd) + 2.0 * drift;
}

double
osc_freq_u(const struct oscmodel *m, double window_s, double meas_u)
{
	double lag;

	if (!(window_s > 0))
		return INFINITY;
	lag = m->r * window_s / 2;
	return sqrt(meas_u * meas_u + m->a / window_s + m->b * window_s +
	    lag * lag);
}

double
osc_freq_bound(const struct oscmodel *m, double span)
{
	if (!(span > 0))
		return 0;
	return OSC_K_BOUND * sqrt(2.0 * m->a / span + 3.0 * m->b * span) +
	    2.0 * m->r * span;
}

double
osc_adev(const struct oscmodel *m, double tau)
{
	if (!(tau > 0))
		return INFINITY;
	return sqrt(m->a / tau + m->b * tau + m->r * m->r / 2 * tau * tau);
}

void
osc_coeffs(const struct oscmodel *m, struct osc_coeffs *out)
{
	out->wfm_adev1 = sqrt(m->a);
	out->rwfm_rate = sqrt(3.0 * m->b);
	out->drift_rms = m->r;
	out->drift_max = 2.0 * m->r;
	out->fit_a = m->fa;
	out->fit_b = m->fb;
	out->fit_c = m->fc;
	out->source = m->fitted ? OSC_FROM_HISTORY : OSC_FROM_PRIOR;
	out->n_points = m->n_points;
	out->span_s = span_s(m);
}

int
osc_adev_points(const struct oscmodel *m, struct osc_adev_point *out, int max)
{
	int n = m->npts < max ? m->npts : max;

	for (int i = 0; i < n; i++)
		out[i] = m->pts[i];
	return n < 0 ? 0 : n;
}

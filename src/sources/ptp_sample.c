/*
 * ptp_sample.c - see ptp_sample.h.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptp_sample.h"

#define PTP_SW_ALLOWANCE_S	100e-6	/* declared: software stamp latency */
#define PTP_SW_JITTER_S		1e-6	/* Type A prior, software stamps */
#define PTP_HW_JITTER_S		20e-9	/* Type A prior, PHC stamps */
#define NS_PER_S	1000000000LL
#define RESOLUTION_S	1e-9	/* master_offset and ingress_time are whole ns */

enum ptp_verdict
ptp_check(const struct ptp_view *v, bool free_running)
{
	if (!v->have_time_status || !v->have_parent || !v->have_properties ||
	    !v->have_current || v->port_state == 0)
		return PTP_NO_DATA;
	if (v->port_state != PMC_PS_SLAVE && !(free_running &&
	    v->port_state == PMC_PS_UNCALIBRATED))
		return PTP_PORT_STATE;
	if (v->ts.gmPresent == 0)
		return PTP_NO_GM;
	if (v->ts.ingress_time_ns == 0)
		return PTP_NO_SYNC;
	if (v->tp.ptpTimescale && !v->tp.currentUtcOffsetValid)
		return PTP_UTC_UNKNOWN;
	return PTP_OK;
}

const char *
ptp_verdict_str(enum ptp_verdict r)
{
	switch (r) {
	case PTP_OK:
		return "ok";
	case PTP_NO_DATA:
		return "datasets incomplete";
	case PTP_PORT_STATE:
		return "port not in SLAVE state";
	case PTP_NO_GM:
		return "no grandmaster (ptp4l is its own)";
	case PTP_NO_SYNC:
		return "no Sync received yet";
	case PTP_UTC_UNKNOWN:
		return "PTP timescale without a valid currentUtcOffset: UTC "
		    "unknown";
	}
	return "?";
}

bool
ptp_gm_traceable(const struct ptp_view *v)
{
	uint8_t c = v->parent.grandmasterClockQuality.clockClass;

	if (!v->have_parent || !v->have_properties || !v->tp.timeTraceable)
		return false;
	if (c != 6 && c != 7 && c != 13 && c != 14)
		return false;
	return isfinite(pmc_clock_accuracy_s(
	    v->parent.grandmasterClockQuality.clockAccuracy));
}

enum sample_leap
ptp_leap(const struct ptp_view *v)
{
	if (!v->have_properties)
		return SAMPLE_LEAP_UNKNOWN;
	if (v->tp.leap61 && v->tp.leap59)
		return SAMPLE_LEAP_UNKNOWN;
	if (v->tp.leap61)
		return SAMPLE_LEAP_INSERT;
	if (v->tp.leap59)
		return SAMPLE_LEAP_DELETE;
	return SAMPLE_LEAP_NONE;
}

double
ptp_mean_path_delay_s(const struct ptp_view *v)
{
	if (!v->have_current)
		return 0;
	/* Software stamps can make the filtered delay negative: its size
	 * still bounds the asymmetry. */
	return fabs(pmc_time_interval_ns(v->current.meanPathDelay)) * 1e-9;
}

/* ------------------------------------------------------------ PHC reads */

int
ptp_phc_narrowest(const int64_t (*trip)[3], int n, struct ptp_phc_reading *out)
{
	int best = -1;
	int64_t w, bw = 0;

	for (int i = 0; i < n; i++) {
		w = trip[i][2] - trip[i][0];
		if (w < 0)
			continue;
		if (best < 0 || w < bw) {
			best = i;
			bw = w;
		}
	}
	if (best < 0)
		return -1;
	out->sys_ns = trip[best][0] + bw / 2;
	out->phc_ns = trip[best][1];
	out->window_ns = bw;
	return 0;
}

int
ptp_phc_combine(const struct ptp_phc_reading *r, int n,
    struct ptp_phc_reading *out)
{
	int64_t dsys = 0, dphc = 0, wmax = 0, lo, hi, off;

	if (n < 1)
		return -1;
	lo = hi = r[0].phc_ns - r[0].sys_ns;
	for (int i = 0; i < n; i++) {
		/* differences only: the clocks' epochs may be far apart */
		dsys += r[i].sys_ns - r[0].sys_ns;
		dphc += r[i].phc_ns - r[0].phc_ns;
		off = r[i].phc_ns - r[i].sys_ns;
		lo = off < lo ? off : lo;
		hi = off > hi ? off : hi;
		wmax = r[i].window_ns > wmax ? r[i].window_ns : wmax;
	}
	out->sys_ns = r[0].sys_ns + (int64_t)llround((double)dsys / n);
	out->phc_ns = r[0].phc_ns + (int64_t)llround((double)dphc / n);
	out->window_ns = wmax + 2 * (hi - lo);
	return 0;
}

int
ptp_phc_to_sys(const struct ptp_phc_reading *a, const struct ptp_phc_reading *b,
    int64_t phc_ns, double rate_change_max, int64_t *sys_ns, double *bound_s)
{
	int64_t span = b->phc_ns - a->phc_ns, dphc, out;
	double ratio, hw;

	if (span <= 0)
		return -1;
	/* sys = a.sys + (phc - a.phc) * dsys/dphc, differences only */
	ratio = (double)(b->sys_ns - a->sys_ns) / (double)span;
	/* No two running clocks differ by 0.1 %: one was stepped between. */
	if (fabs(ratio - 1) > PTP_PHC_RATIO_MAX)
		return -1;
	dphc = phc_ns - a->phc_ns;
	*sys_ns = a->sys_ns + (int64_t)llround((double)dphc * ratio);
	hw = (double)(a->window_ns > b->window_ns ? a->window_ns :
	    b->window_ns) / 2e9;
	if (phc_ns < a->phc_ns)
		out = a->phc_ns - phc_ns;
	else if (phc_ns > b->phc_ns)
		out = phc_ns - b->phc_ns;
	else
		out = 0;
	*bound_s = hw + rate_change_max * (out > 0 ? (double)out :
	    (double)span / 4) / 1e9;
	return 0;
}

/* ------------------------------------------------------------ samples */

static void
add_budget(const struct ptp_view *v, const struct ptp_sample_in *in,
    const struct ptp_terms *t, struct budget *b)
{
	uint8_t acc = v->parent.grandmasterClockQuality.clockAccuracy;
	char origin[BUDGET_ORIGIN_LEN];
	double asym = t->path_s;
	bool declared = in->asymmetry_s >= 0 && in->asymmetry_s < t->path_s;

	budget_init(b);
	if (t->gm_s > 0) {
		snprintf(origin, sizeof(origin), "GM clockAccuracy 0x%02x, "
		    "rectangular", acc);
		budget_add(b, "server", budget_u_rectangular(t->gm_s),
		    BUDGET_TYPE_B, origin);
	}
	if (declared)
		asym = in->asymmetry_s;
	budget_add(b, "asymmetry", budget_u_rectangular(asym), BUDGET_TYPE_B,
	    declared ? "declared bound, rectangular" :
	    "mean path delay, rectangular");
	if (in->phc)
		budget_add(b, "phc_read", budget_u_rectangular(t->phc_s),
		    BUDGET_TYPE_B, "read window/2 + mapping, rectangular");
	budget_add(b, "resolution", budget_u_rectangular(t->resolution_s / 2),
	    BUDGET_TYPE_B, "whole ns, rectangular");
	/*
	 * The random part, which averages over samples: a prior for the
	 * timestamps' jitter (the engine scales it to the scatter it sees).
	 * Without a Type A row the whole u counted as random noise in the
	 * servo (the NTP source had the same problem).
	 */
	budget_add(b, "timestamping", in->phc ? PTP_HW_JITTER_S :
	    PTP_SW_JITTER_S, BUDGET_TYPE_A, in->phc ? "hardware timestamps, "
	    "jitter prior" : "software timestamps, jitter prior");
}

int
ptp_sample_make(const struct ptp_view *v, const struct ptp_sample_in *in,
    struct sample *out, struct ptp_terms *t)
{
	double gm = pmc_clock_accuracy_s(
	    v->parent.grandmasterClockQuality.clockAccuracy);
	int64_t ref_ns;

	memset(t, 0, sizeof(*t));
	/* Software: ptp4l already moved master_offset onto UTC (see .h). */
	if (in->phc && v->tp.ptpTimescale)
		t->utc_shift_ns = (int64_t)v->tp.currentUtcOffset * NS_PER_S;
	/* The reference's time at the Sync, on the local clock's scale. */
	ref_ns = in->ingress_ns - v->ts.master_offset_ns - t->utc_shift_ns +
	    in->relabel_ns;
	t->path_s = ptp_mean_path_delay_s(v);
	t->gm_s = isfinite(gm) ? gm : 0;
	t->phc_s = in->phc ? in->phc_bound_s : 0;
	t->resolution_s = RESOLUTION_S;
	/*
	 * With software timestamps (ptp4l -S) one Sync's error is not bounded
	 * by the filtered mean path delay: a scheduling delay on either side
	 * moves a stamp. A declared allowance covers it, as the gnss source's
	 * PPS latency allowance does; under make check -j2 the engine found
	 * the bounds without it inconsistent and rightly dropped the source.
	 */
	t->sw_s = in->phc ? 0 : PTP_SW_ALLOWANCE_S;
	t->hard_bound_s = t->path_s + t->gm_s + t->phc_s + t->resolution_s +
	    t->sw_s;

	memset(out, 0, sizeof(*out));
	out->offset_s = (double)(ref_ns - in->local_ns) * 1e-9;
	out->delay_s = 2 * t->path_s;	/* round trip, as samples count it */
	out->hard_bound_s = t->hard_bound_s;
	out->leap = ptp_leap(v);
	add_budget(v, in, t, &out->budget);
	return 0;
}

/* ------------------------------------------------------------ timescale guard */

void
ptp_guard_reset(struct ptp_guard *g)
{
	memset(g, 0, sizeof(*g));
}

bool
ptp_guard_props(struct ptp_guard *g, const struct pmc_time_properties *tp)
{
	bool changed = g->have_props && (g->ptpTimescale != tp->ptpTimescale ||
	    g->valid != tp->currentUtcOffsetValid ||
	    g->utc_offset != tp->currentUtcOffset);

	g->have_props = true;
	g->ptpTimescale = tp->ptpTimescale;
	g->valid = tp->currentUtcOffsetValid;
	g->utc_offset = tp->currentUtcOffset;
	if (changed)
		g->pending = true;
	return changed;
}

int64_t
ptp_guard_relabel_ns(const struct ptp_guard *g)
{
	return g->relabelled && g->ptpTimescale ?
	    (int64_t)g->utc_offset * NS_PER_S : 0;
}

enum ptp_guard_event
ptp_guard_check(struct ptp_guard *g, double raw_offset_s)
{
	double jump, u = g->utc_offset;
	bool check = g->pending && g->have_last;

	g->pending = false;
	if (g->relabelled && !g->ptpTimescale) {
		g->relabelled = false;
		return PTP_GUARD_CLEARED;
	}
	if (!check || g->relabelled || u == 0)
		return PTP_GUARD_NONE;
	jump = raw_offset_s - g->last_offset_s;
	/* UTC labelled TAI: the reference seems to step back by the offset. */
	if (g->ptpTimescale && fabs(jump + u) < PTP_RELABEL_TOL_S) {
		g->relabelled = true;
		return PTP_GUARD_RELABEL;
	}
	if (!g->ptpTimescale && fabs(jump - u) < PTP_RELABEL_TOL_S)
		return PTP_GUARD_WAS_UTC;
	return PTP_GUARD_NONE;
}

void
ptp_guard_delivered(struct ptp_guard *g, double offset_s)
{
	g->have_last = true;
	g->last_offset_s = offset_s;
}

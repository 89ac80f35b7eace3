/*
 * phcref.c - see phcref.h.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "phcref.h"

double
phcref_max_rate(double max_freq_ppb)
{
	return PHCREF_PHC_TOLERANCE + fabs(max_freq_ppb) * 1e-9 +
	    PHCREF_SYS_MAX_RATE;
}

int
phcref_apply(struct sample *s, const struct phcref *r)
{
	struct sample out = *s;
	double read_s, lag_s;

	if (r->window_ns < 0 || !(r->max_rate >= 0) || !isfinite(r->max_rate) ||
	    r->lag_ns == INT64_MIN)
		return -1;
	read_s = (double)r->window_ns * 0.5e-9;
	lag_s = (double)llabs(r->lag_ns) * 1e-9 * r->max_rate;
	/*
	 * The subtraction in ns first: d is tens of seconds with a TAI PHC,
	 * the offset a few us, and a double keeps both only that way.
	 */
	out.offset_s = s->offset_s +
	    (double)((int64_t)r->tai_utc_s * 1000000000 - r->phc_minus_sys_ns) *
	    1e-9;
	out.local_ns = s->local_ns + r->phc_minus_sys_ns;
	out.hard_bound_s = s->hard_bound_s + read_s + lag_s;
	if (budget_add(&out.budget, "phc_read", budget_u_rectangular(read_s),
	    BUDGET_TYPE_B, "PHC-sys read window/2, rectangular") < 0 ||
	    budget_add(&out.budget, "phc_lag", budget_u_rectangular(lag_s),
	    BUDGET_TYPE_B, "lag x declared max rate, rectangular") < 0)
		return -1;
	*s = out;
	return 0;
}

/*
 * gnss_pair.c - which PPS edge an NMEA label names (see gnss_pair.h).
 */
#include "config.h"

#include <string.h>

#include "gnss_pair.h"

#define NS_PER_S	1000000000LL

void
gnss_pair_init(struct gnss_pair *p)
{
	memset(p, 0, sizeof(*p));
}

int
gnss_pair_edge(struct gnss_pair *p, const struct gnss_edge *e,
    unsigned long seq)
{
	unsigned long step = seq - p->seq;

	if (p->have_seq && seq == p->seq)
		return 0;
	if (p->have_seq && step > 1 && step < (unsigned long)-1 / 2)
		p->missed = true;
	else if (p->have_seq && step >= (unsigned long)-1 / 2)
		gnss_pair_init(p);	/* went backwards: a new device */
	p->have_seq = true;
	p->seq = seq;
	if (p->n == GNSS_PAIR_EDGES) {
		memmove(&p->edge[0], &p->edge[1], sizeof(p->edge[0]) *
		    (GNSS_PAIR_EDGES - 1));
		p->n--;
	}
	p->edge[p->n++] = *e;
	return 1;
}

/* Drop the edges up to t_ns; they belong to this burst or are stale. */
static void
consume(struct gnss_pair *p, int64_t t_ns)
{
	int k = 0;

	while (k < p->n && p->edge[k].t_ns <= t_ns)
		k++;
	memmove(&p->edge[0], &p->edge[k], sizeof(p->edge[0]) * (size_t)(p->n - k));
	p->n -= k;
}

/* Labels and edges agree on the whole seconds since the last pair. */
static bool
consistent(const struct gnss_pair *p, int64_t edge_ns, int64_t label_s)
{
	int64_t dl = label_s - p->pair_label_s, de = edge_ns - p->pair_edge_ns;
	int64_t rounded;

	if (!p->have_pair || de < 0 || de > GNSS_PAIR_CHECK_MAX_S * NS_PER_S)
		return true;
	rounded = (de + NS_PER_S / 2) / NS_PER_S;
	return dl == rounded;
}

enum gnss_pair_result
gnss_pair_label(struct gnss_pair *p, int64_t burst_ns, int64_t label_s,
    struct gnss_edge *edge)
{
	int64_t lo = burst_ns - GNSS_PAIR_WINDOW_NS;
	enum gnss_pair_result r = GNSS_PAIR_OK;
	struct gnss_edge e = { 0, 0 };
	bool missed = p->missed;
	int count = 0;

	/* Every edge since the previous burst counts, so that a lost burst
	 * makes the next one ambiguous; after a long silence, only the
	 * window before this burst. */
	if (p->have_burst && p->burst_ns < burst_ns &&
	    burst_ns - p->burst_ns <= GNSS_PAIR_LOOKBACK_S * NS_PER_S)
		lo = p->burst_ns;
	for (int i = 0; i < p->n; i++) {
		if (p->edge[i].t_ns > lo && p->edge[i].t_ns <= burst_ns) {
			e = p->edge[i];
			count++;
		}
	}
	consume(p, burst_ns);
	p->missed = false;
	p->have_burst = true;
	p->burst_ns = burst_ns;
	if (missed)
		return GNSS_PAIR_MISSED;
	if (count > 1)
		return GNSS_PAIR_AMBIGUOUS;
	if (count == 0 || burst_ns - e.t_ns >= GNSS_PAIR_WINDOW_NS)
		return GNSS_PAIR_NO_EDGE;
	if (!consistent(p, e.t_ns, label_s))
		r = GNSS_PAIR_MISMATCH;
	p->have_pair = true;
	p->pair_edge_ns = e.t_ns;
	p->pair_label_s = label_s;
	if (r == GNSS_PAIR_OK)
		*edge = e;
	return r;
}

const char *
gnss_pair_result_name(enum gnss_pair_result r)
{
	static const char *const names[GNSS_PAIR_NRESULTS] = {
		"ok", "no_edge", "ambiguous", "missed_edges", "mismatch",
	};

	if ((unsigned)r >= GNSS_PAIR_NRESULTS)
		return "?";
	return names[r];
}

/* floor(a / b) for b > 0, whatever the sign of a. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return a % b < 0 ? q - 1 : q;
}

enum gnss_number_result
gnss_pps_number(int64_t local_ns, int64_t offset_ns, int64_t bound_ns,
    int64_t hard_ns, int64_t cable_ns, int64_t *label_s, int64_t *resid_ns)
{
	int64_t start = local_ns + offset_ns - cable_ns, width;

	*label_s = floor_div(start + NS_PER_S / 2, NS_PER_S);
	*resid_ns = start - *label_s * NS_PER_S;
	if (bound_ns < 0 || hard_ns < 0 ||
	    bound_ns >= GNSS_NUMBER_MAX_NS - hard_ns)
		return GNSS_NUMBER_LOOSE;
	width = bound_ns + hard_ns;
	if (*resid_ns > width || *resid_ns < -width)
		return GNSS_NUMBER_OFF;
	return GNSS_NUMBER_OK;
}

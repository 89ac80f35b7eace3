/*
 * gnss_pair.h - which PPS edge an NMEA label names. Pure: instants in
 * (nanoseconds on one timescale; the daemon uses CLOCK_MONOTONIC),
 * verdicts out; no I/O, no clock reads.
 *
 * The convention assumed (and the one timing receivers document): the
 * edge marks the start of UTC second S, and the burst of sentences
 * labelled S starts after that edge, within the same second. So the edge
 * of a burst is the one edge seen between the start of the previous burst
 * and the start of this one. A pair is refused when that is not clear:
 *
 *  - NO_EDGE: no edge in that interval, or the only one is a second or
 *    more older than the burst (the PPS is missing or late);
 *  - AMBIGUOUS: two or more edges since the previous burst (a burst was
 *    lost, or the PPS line glitched): the label may belong to either;
 *    a previous burst older than GNSS_PAIR_LOOKBACK_S is forgotten, and
 *    then only the edges in the second before this burst count;
 *  - MISSED: the kernel's sequence number skipped, so edges were lost
 *    between two fetches and the count above cannot be trusted;
 *  - MISMATCH: against the previous accepted pair, the labels advanced
 *    by another whole number of seconds than the edges did (rounded; the
 *    test is skipped when the previous pair is older than 1000 s, where a
 *    500 ppm clock could be off by half a second).
 *
 * A refused pair still becomes the reference for the next MISMATCH test,
 * so one bad label costs at most two seconds and a lasting change of the
 * receiver's labels is followed.
 */
#ifndef TSYNC_GNSS_PAIR_H
#define TSYNC_GNSS_PAIR_H

#include <stdbool.h>
#include <stdint.h>

#define GNSS_PAIR_EDGES		8	/* edges kept, newest last */
#define GNSS_PAIR_WINDOW_NS	1000000000LL	/* an edge older than this
						   before its burst is not
						   the burst's */
#define GNSS_PAIR_LOOKBACK_S	10	/* a previous burst older than this
					   is forgotten (a fresh start) */
#define GNSS_PAIR_CHECK_MAX_S	1000	/* longest gap the MISMATCH test spans */

enum gnss_pair_result {
	GNSS_PAIR_OK,
	GNSS_PAIR_NO_EDGE,
	GNSS_PAIR_AMBIGUOUS,
	GNSS_PAIR_MISSED,
	GNSS_PAIR_MISMATCH,
};
#define GNSS_PAIR_NRESULTS	5

/* One edge: its instant and a value carried along for the caller (the
 * daemon keeps the disciplined clock's reading at the edge there). */
struct gnss_edge {
	int64_t		t_ns;
	int64_t		aux_ns;
};

struct gnss_pair {
	struct gnss_edge edge[GNSS_PAIR_EDGES];
	int		n;
	bool		have_seq;
	unsigned long	seq;		/* of the newest edge seen */
	bool		missed;		/* a sequence gap since the last burst */
	bool		have_burst;
	int64_t		burst_ns;	/* start of the previous burst */
	bool		have_pair;
	int64_t		pair_edge_ns;	/* the last pair (accepted or not) */
	int64_t		pair_label_s;
};

/* Also to forget everything (the device or the PPS was reopened). */
void	gnss_pair_init(struct gnss_pair *p);

/*
 * The newest assert edge as a fetch returned it, with the kernel's
 * sequence number. Returns 1 for a new edge, 0 for the one seen at the
 * previous fetch. A sequence that moved by more than one marks edges as
 * missed; one that went backwards (the device was reopened) starts over.
 */
int	gnss_pair_edge(struct gnss_pair *p, const struct gnss_edge *e,
	    unsigned long seq);

/*
 * A burst labelled label_s (Unix seconds) started at burst_ns. Returns
 * GNSS_PAIR_OK with *edge filled, or why not. Either way the edges up to
 * burst_ns are consumed and the burst becomes "the previous burst".
 */
enum gnss_pair_result gnss_pair_label(struct gnss_pair *p, int64_t burst_ns,
	    int64_t label_s, struct gnss_edge *edge);

/* "ok", "no_edge", "ambiguous", "missed_edges", "mismatch"; "?" otherwise. */
const char *gnss_pair_result_name(enum gnss_pair_result r);

/*
 * PPS alone (no label): the second an edge marks, from the clock's
 * reading at the edge (local_ns) and what is known of the clock then:
 * UTC - clock = offset_ns, within +-bound_ns. The edge itself is within
 * +-hard_ns of the true edge, which comes cable_ns after the start of
 * its second. The second is the nearest to local + offset - cable; it is
 * certain when bound + hard < GNSS_NUMBER_MAX_NS (so the interval they
 * span is far narrower than the second between two candidates) and that
 * interval holds it. Returns GNSS_NUMBER_OK with *label_s; *resid_ns is
 * (local + offset - cable) - the nearest second, whatever the result.
 */
#define GNSS_NUMBER_MAX_NS	200000000LL	/* well inside half a second */

enum gnss_number_result {
	GNSS_NUMBER_OK,
	GNSS_NUMBER_LOOSE,	/* bound + hard too wide to be certain */
	GNSS_NUMBER_OFF,	/* the nearest second lies beyond both bounds */
};

enum gnss_number_result gnss_pps_number(int64_t local_ns, int64_t offset_ns,
	    int64_t bound_ns, int64_t hard_ns, int64_t cable_ns,
	    int64_t *label_s, int64_t *resid_ns);

#endif

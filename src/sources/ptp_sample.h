/*
 * ptp_sample.h - the arithmetic of the ptp source (source_ptp.c): what
 * ptp4l's datasets say about the reference's time, the timescales, the
 * budget and the hard bound, and the PHC readings. Pure: no I/O.
 *
 * Timescales. The PTP timescale is TAI; CLOCK_REALTIME keeps UTC.
 *  - Software timestamping (ptp4l -S): ptp4l's clock is CLOCK_REALTIME
 *    and ptp4l itself moves master_offset onto UTC when the grandmaster
 *    flags ptpTimescale: it adds its utc_offset (the grandmaster's
 *    currentUtcOffset once that is valid and traceable, or larger than
 *    ptp4l's configured utc_offset, default 37). So master_offset is
 *    taken as it is; a PTP timescale without a valid currentUtcOffset
 *    leaves the UTC offset unknown, and the source unusable.
 *  - A PHC: ptp4l keeps the PHC on the grandmaster's timescale, so the
 *    reference's UTC is PHC time - master_offset - currentUtcOffset when
 *    ptpTimescale is set (again only when it is valid), and PHC time -
 *    master_offset on an ARB timescale.
 *
 * A grandmaster that flags ptpTimescale while its clock keeps UTC (a
 * software grandmaster, ptp4l -S, after SET GRANDMASTER_SETTINGS_NP
 * ptpTimescale 1) sends UTC labelled TAI: every slave is then
 * currentUtcOffset off, ptp4l reporting master_offset ~ +37 s. The guard
 * below recognises the one case where this is certain: the flag changed
 * and, from the next Sync on, the offset moved by exactly
 * currentUtcOffset. Then the relabelling is undone (the offset kept
 * continuous), an event says so, and the grandmaster is not traceable.
 * A grandmaster that mislabels from the start cannot be told from a local
 * clock that keeps TAI, and is reported as the 37 s offset it is.
 */
#ifndef TSYNC_PTP_SAMPLE_H
#define TSYNC_PTP_SAMPLE_H

#include <stdbool.h>
#include <stdint.h>

#include "pmc_codec.h"
#include "sample.h"

/* What the driver last heard from ptp4l. */
struct ptp_view {
	bool		have_time_status, have_parent, have_properties,
			have_current;
	struct pmc_time_status ts;
	struct pmc_parent_ds parent;
	struct pmc_time_properties tp;
	struct pmc_current_ds current;
	uint8_t		port_state;	/* of the port facing the master; 0 unknown */
};

enum ptp_verdict {
	PTP_OK,
	PTP_NO_DATA,		/* a dataset has not come yet */
	PTP_PORT_STATE,		/* not SLAVE (nor UNCALIBRATED with free_running) */
	PTP_NO_GM,		/* gmPresent 0: ptp4l is the grandmaster itself */
	PTP_NO_SYNC,		/* no Sync received yet (ingress_time 0) */
	PTP_UTC_UNKNOWN,	/* PTP timescale without a valid currentUtcOffset */
};

/* May the measurement be used (whatever its value)? */
enum ptp_verdict ptp_check(const struct ptp_view *v, bool free_running);
const char *ptp_verdict_str(enum ptp_verdict r);

/*
 * The grandmaster's datasets back a trace to a primary reference:
 * timeTraceable set, clockClass 6, 7, 13 or 14 (not 52, 187, 248, ...),
 * and a stated clockAccuracy (a claim without a bound bounds nothing).
 */
bool	ptp_gm_traceable(const struct ptp_view *v);

/* The leap announcement of timePropertiesDS. */
enum sample_leap ptp_leap(const struct ptp_view *v);

/* Mean path delay, s (CURRENT_DATA_SET; 0 before it came). */
double	ptp_mean_path_delay_s(const struct ptp_view *v);

/* ------------------------------------------------------------ PHC reads */

/* One PHC-to-CLOCK_REALTIME reading. */
struct ptp_phc_reading {
	int64_t		sys_ns;		/* CLOCK_REALTIME, middle of the read */
	int64_t		phc_ns;		/* the PHC at that instant */
	int64_t		window_ns;	/* post - pre; 0 for a cross-timestamp */
};

/*
 * From n triplets {sys before, phc, sys after}, the one with the shortest
 * window (after >= before); the true system time at the PHC read lies
 * within +-window/2 of its middle. Returns 0, or -1 if none is ordered.
 */
int	ptp_phc_narrowest(const int64_t (*trip)[3], int n,
	    struct ptp_phc_reading *out);

/*
 * One reading from a burst of n (> 0): the mean instant of the readings
 * (sys and PHC averaged alike, so their offset is the mean offset: noise
 * on the PHC's value shrinks as 1/sqrt(n)). Its window_ns is the widest
 * window + 2 * (the spread of the readings' offsets phc - sys), so that
 * ptp_phc_to_sys() bounds it by the widest half window + the whole
 * spread: a window holds the PHC read of its reading, and the mean of n
 * readings with zero-mean noise lies farther than their spread from the
 * truth only when they are all on one side and close together (about
 * 1e-8 of bursts of 16 with Gaussian noise; the mean and the spread of
 * Gaussian readings are independent). A bias common to every reading
 * (an asymmetric read path) is not seen: the window covers it, a
 * cross-timestamp is taken as exact. Returns 0, or -1 when n < 1.
 */
int	ptp_phc_combine(const struct ptp_phc_reading *r, int n,
	    struct ptp_phc_reading *out);

/*
 * CLOCK_REALTIME at PHC instant phc_ns, on the line through readings a
 * (earlier) and b. *bound_s is what can be excluded: the larger half
 * window, plus rate_change_max (a declared limit on how much the two
 * clocks' relative rate may change between the readings) times a quarter
 * of the span inside it, or times the distance beyond it. Returns 0, or
 * -1 when the readings do not span positive PHC time or their rates
 * differ by more than PTP_PHC_RATIO_MAX (a clock was stepped between).
 */
#define PTP_PHC_RATIO_MAX	1e-3
int	ptp_phc_to_sys(const struct ptp_phc_reading *a,
	    const struct ptp_phc_reading *b, int64_t phc_ns,
	    double rate_change_max, int64_t *sys_ns, double *bound_s);

/* ------------------------------------------------------------ samples */

struct ptp_sample_in {
	int64_t		ingress_ns;	/* ptp4l's clock at the Sync (ingress_time) */
	int64_t		local_ns;	/* the disciplined clock at that instant */
	bool		phc;		/* ptp4l's clock is a PHC, not CLOCK_REALTIME */
	int64_t		relabel_ns;	/* the guard's correction, added */
	double		asymmetry_s;	/* declared bound; < 0: none (mean path delay) */
	double		phc_bound_s;	/* PHC read and mapping, from ptp_phc_to_sys */
};

/* The bound's terms, as `tsctl sources` shows them. */
struct ptp_terms {
	double		path_s;		/* mean path delay */
	double		gm_s;		/* GM clockAccuracy half-width; 0 if unstated */
	double		phc_s;
	double		resolution_s;	/* master_offset is whole ns */
	double		sw_s;		/* software timestamping allowance (no PHC) */
	double		hard_bound_s;	/* their sum */
	int64_t		utc_shift_ns;	/* what was taken off PTP time for UTC */
};

/*
 * The sample for v's last Sync (ptp_check() must be PTP_OK): offset =
 * reference UTC - local clock. Budget rows: "server" (GM clockAccuracy,
 * rectangular), "asymmetry" (declared bound or mean path delay,
 * rectangular), "phc_read" (PHC only), "resolution". Type A comes from the
 * engine's statistics over the samples, so none is added here. The hard
 * bound: mean path delay (what the two-way exchange proves when both
 * one-way delays are >= 0; a declared asymmetry narrows u, not the
 * bound) + GM accuracy + PHC term + resolution. Returns 0.
 */
int	ptp_sample_make(const struct ptp_view *v, const struct ptp_sample_in *in,
	    struct sample *out, struct ptp_terms *terms);

/* ------------------------------------------------------------ timescale guard */

#define PTP_RELABEL_TOL_S	0.25	/* |jump - currentUtcOffset| that counts */

struct ptp_guard {
	bool		have_props;
	bool		ptpTimescale, valid;
	int16_t		utc_offset;
	bool		pending;	/* properties changed: check the next sample */
	bool		have_last;
	double		last_offset_s;	/* last sample, as delivered */
	bool		relabelled;	/* GM flags TAI but keeps UTC: undo it */
};

enum ptp_guard_event {
	PTP_GUARD_NONE,
	PTP_GUARD_RELABEL,	/* flag set, time unmoved: correction on */
	PTP_GUARD_WAS_UTC,	/* flag cleared, time unmoved: it kept UTC all along */
	PTP_GUARD_CLEARED,	/* flag cleared while the correction was on */
};

void	ptp_guard_reset(struct ptp_guard *g);
/*
 * TIME_PROPERTIES_DATA_SET seen. True when the timescale, the UTC offset
 * or its validity changed: a Sync measured before the change may still be
 * reported with the new properties, so the TIME_STATUS_NP answered after
 * this one is ambiguous and must not make a sample.
 */
bool	ptp_guard_props(struct ptp_guard *g, const struct pmc_time_properties *tp);
/* The correction to add to this sample's PTP-derived time, ns. */
int64_t	ptp_guard_relabel_ns(const struct ptp_guard *g);
/*
 * A sample's offset computed with relabel_ns = 0: decides on a pending
 * check, then returns the event and keeps the delivered offset (offset_s
 * plus the correction, which the caller recomputes).
 */
enum ptp_guard_event ptp_guard_check(struct ptp_guard *g, double raw_offset_s);
void	ptp_guard_delivered(struct ptp_guard *g, double offset_s);

#endif

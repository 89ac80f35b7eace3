/*
 * phcref.h - a source's sample, measured against CLOCK_REALTIME, put onto
 * another disciplined clock (a PHC: the phc driver). Pure: no I/O.
 *
 * The sources measure offset_sys = reference(UTC) - CLOCK_REALTIME. With
 * d = PHC - CLOCK_REALTIME, read (clock_sys_offset()) a moment after the
 * sample, and tai_utc_s the TAI - UTC offset when the PHC keeps TAI:
 *
 *     offset_phc = reference(UTC) + tai_utc_s - PHC
 *                = offset_sys + tai_utc_s - d
 *
 * d is known to +-window/2 (the narrowest PTP_SYS_OFFSET* bracket), and it
 * may have drifted between the sample's instant and the reading by at
 * most |lag| * max_rate: both are added to the sample's hard bound and
 * entered in its budget as Type B rows, so the trace and the max_error
 * stay honest.
 */
#ifndef TSYNC_PHCREF_H
#define TSYNC_PHCREF_H

#include <stdint.h>

#include "sample.h"

/*
 * Declared limits on d's rate of change: the PHC's oscillator (a NIC
 * crystal, +-100 ppm) plus the frequency tsyncd may give it
 * (clock.max_frequency), and CLOCK_REALTIME's own frequency and slew as the
 * kernel caps them (+-500 ppm each) for whoever else may steer it.
 */
#define PHCREF_PHC_TOLERANCE	100e-6
#define PHCREF_SYS_MAX_RATE	1000e-6

struct phcref {
	int64_t	phc_minus_sys_ns;	/* d */
	int64_t	window_ns;		/* of the reading of d, >= 0 */
	int64_t	lag_ns;			/* reading's instant - sample's (mono) */
	double	max_rate;		/* |dd/dt| <= this (phcref_max_rate()) */
	int	tai_utc_s;		/* 0 when the PHC keeps UTC */
};

double	phcref_max_rate(double max_freq_ppb);

/*
 * Re-reference s in place: offset_s, local_ns (now the PHC's reading at
 * the sample), hard_bound_s and two budget rows ("phc_read", "phc_lag").
 * Returns 0, or -1 (s unchanged) when r is out of range or the budget has
 * no room for the rows.
 */
int	phcref_apply(struct sample *s, const struct phcref *r);

#endif

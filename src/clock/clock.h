/*
 * clock.h - the clock being disciplined (or only observed), behind one
 * interface. Drivers: observe (reads CLOCK_REALTIME, never writes any
 * clock), system (CLOCK_REALTIME through clock_adjtime), sim (a
 * simulated oscillator for tests), phc (a PTP hardware clock, /dev/ptpN,
 * through its dynamic clock id).
 *
 * Sign conventions: freq_ppb > 0 makes the clock run faster; a phase or
 * step of +x ns moves the clock's reading forward by x.
 *
 * Write operations (frequency, phase, step, status) fail with -EPERM
 * without making any system call when the clock was created with
 * discipline off: with clock.discipline: false tsyncd never changes a clock.
 */
#ifndef TSYNC_CLOCK_H
#define TSYNC_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cfg_clock;
struct clock;

enum clock_leap {
	CLOCK_LEAP_NONE = 0,
	CLOCK_LEAP_INSERT = 1,
	CLOCK_LEAP_DELETE = 2,
};

/* From a phc clock: maxerror_ns and esterror_ns are -1 (a PHC has no
 * kernel status), freq_ppb alone is read. */
struct clock_status {
	int64_t		maxerror_ns;
	int64_t		esterror_ns;
	enum clock_leap	leap;
	int		tai_offset_s;
	bool		unsync;		/* STA_UNSYNC, or the driver's equivalent */
	double		freq_ppb;	/* current frequency adjustment */
};

/* Returns NULL and fills err on failure. */
struct clock *clock_create(const struct cfg_clock *cfg, char *err, size_t errlen);
void	clock_destroy(struct clock *c);

const char *clock_name(const struct clock *c);	/* "observe", "system", "sim", "phc" */
/* The name and what it drives: "phc /dev/ptp0 (tai)"; else the name. */
const char *clock_label(const struct clock *c);
bool	clock_disciplined(const struct clock *c);
/* The clock keeps TAI (a phc with clock.timescale: tai), not UTC. */
bool	clock_keeps_tai(const struct clock *c);

/*
 * The clock minus CLOCK_REALTIME, now: *window_ns is the width of the
 * narrowest bracketing reading (0 for a hardware cross-timestamp), so
 * the true difference lies within offset +- window/2; *mono_ns is the
 * CLOCK_MONOTONIC instant of the reading. -EOPNOTSUPP for the drivers
 * whose clock is CLOCK_REALTIME or simulated (samples need no
 * re-referencing for them).
 */
int	clock_sys_offset(struct clock *c, int64_t *offset_ns, int64_t *window_ns,
	    int64_t *mono_ns);

/* All return 0 or a negative errno. */
int	clock_read(struct clock *c, int64_t *t_ns);
/*
 * Read the clock between two reads of CLOCK_MONOTONIC_RAW; *window_ns is
 * the width of that bracket, a hard bound on the read's uncertainty.
 */
int	clock_read_with_bounds(struct clock *c, int64_t *t_ns, int64_t *window_ns);
int	clock_adjust_frequency(struct clock *c, double freq_ppb);
int	clock_adjust_phase(struct clock *c, int64_t offset_ns);
int	clock_step(struct clock *c, int64_t offset_ns);
int	clock_set_status(struct clock *c, const struct clock_status *st);
/* Reading the status never changes it (clock_adjtime with modes = 0). */
int	clock_get_status(struct clock *c, struct clock_status *st);

#endif

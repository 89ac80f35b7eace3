/*
 * driftfile.h - the oscillator's frequency correction, kept across
 * restarts (default /var/lib/tsyncd/drift), so that the servo starts from
 * the last known frequency instead of hundreds of ppm of uncertainty.
 *
 * Format: one line, fields separated by single spaces, ending in '\n':
 *
 *	tsyncd-drift 1 <freq_ppb> <freq_u_ppb> <unix_s>.<9 digits ns>
 *
 * e.g. "tsyncd-drift 1 -50012.345678 6.651000 1735689600.123456789\n".
 * freq_ppb is the frequency correction the clock needs (+ = make it faster,
 * as clock_adjust_frequency()), freq_u_ppb its standard uncertainty, the
 * time the CLOCK_REALTIME instant it was estimated at. Numbers are plain
 * decimals (no hex, nan or inf); |freq_ppb| and freq_u_ppb are at most
 * DRIFTFILE_MAX_PPB; the time is not negative. A missing final newline
 * (a torn write) is an error.
 */
#ifndef TSYNC_DRIFTFILE_H
#define TSYNC_DRIFTFILE_H

#include <stddef.h>
#include <stdint.h>

#define DRIFTFILE_DEFAULT_PATH	"/var/lib/tsyncd/drift"
#define DRIFTFILE_MAX_PPB	500000.0	/* 500 ppm */
#define DRIFTFILE_MAX_LEN	128		/* longest valid file, bytes */

/*
 * Pure: format into buf (DRIFTFILE_MAX_LEN is always enough). Returns the
 * length, or -1 when the values are out of range or buf too small.
 */
int	driftfile_format(char *buf, size_t len, double freq_ppb, double freq_u_ppb,
	    int64_t realtime_ns);
/* Pure: parse len bytes (no NUL needed). 0, or -1 with a message in err. */
int	driftfile_parse(const char *buf, size_t len, double *freq_ppb,
	    double *freq_u_ppb, int64_t *realtime_ns, char *err, size_t errlen);

/*
 * Write atomically: path.tmp (O_CLOEXEC|O_CREAT|O_TRUNC, mode 0644),
 * fsync, rename over path, fsync the directory. Returns 0, or -1 with
 * errno set: then path is left as it was and path.tmp removed, except when
 * only the final directory fsync failed (the new file is in place but may
 * not survive a power cut).
 */
int	driftfile_write(const char *path, double freq_ppb, double freq_u_ppb,
	    int64_t realtime_ns);
/* 0, or -1 with "path: reason" in err (ENOENT is an error too: the caller
 * decides whether a missing file matters). */
int	driftfile_read(const char *path, double *freq_ppb, double *freq_u_ppb,
	    int64_t *realtime_ns, char *err, size_t errlen);

#endif

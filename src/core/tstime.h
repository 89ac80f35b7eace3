/*
 * tstime.h - instants and intervals as signed 64-bit nanoseconds.
 *
 * Every absolute time in tsync is an int64_t count of nanoseconds since the
 * Unix epoch (range +-292 years); every interval is an int64_t nanosecond
 * difference. Only statistics, uncertainties and frequencies are doubles.
 * This header owns all conversion between that form and struct timespec
 * (and, as the source issues land, NTP and PTP timestamps).
 */
#ifndef TSYNC_TSTIME_H
#define TSYNC_TSTIME_H

#include <stddef.h>
#include <stdint.h>

struct timespec;

#define NS_PER_US	1000LL
#define NS_PER_MS	1000000LL
#define NS_PER_S	1000000000LL

int64_t	tstime_from_timespec(const struct timespec *ts);
/* Normalised: 0 <= tv_nsec < 1e9, also for negative instants. */
void	tstime_to_timespec(int64_t ns, struct timespec *ts);

/* Saturating add/sub: the result is clamped to [INT64_MIN, INT64_MAX]. */
int64_t	tstime_add_sat(int64_t a, int64_t b);
int64_t	tstime_sub_sat(int64_t a, int64_t b);

double	tstime_to_s(int64_t ns);
/* Rounds to nearest; saturates outside the int64_t range; NaN gives 0. */
int64_t	tstime_from_s(double s);

/*
 * ISO-8601 UTC with the given number of fractional digits (0..9),
 * e.g. "2026-11-27T03:23:49.123456Z" for digits = 6. Returns the length
 * written (excluding NUL) or -1 if buf is too small or the instant is out
 * of the representable calendar range.
 */
int	tstime_format_iso8601(int64_t ns, int digits, char *buf, size_t len);

#endif

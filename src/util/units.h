/*
 * units.h - parse and format quantities with units, as they appear in the
 * configuration: durations ("100us", "16s", "2h") and frequency offsets
 * ("500ppm", "20ppb"). Pure: no I/O, no allocation.
 */
#ifndef TSYNC_UNITS_H
#define TSYNC_UNITS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Duration: a decimal number (optionally with a fraction, no exponent,
 * optional leading '-') immediately followed by one of
 * ns, us, µs, ms, s, min, h, d. "0" alone is accepted. The result is
 * rounded to the nearest nanosecond; values beyond int64_t are rejected.
 * Returns 0 on success, -1 on error with *why set to a static string.
 */
int	units_parse_duration(const char *s, int64_t *ns, const char **why);

/*
 * Frequency offset: a decimal number followed by ppm, ppb or ppt
 * (parts per thousand is NOT accepted: "ppt" means parts per trillion).
 * The result is in ppb. "0" alone is accepted.
 */
int	units_parse_frequency(const char *s, double *ppb, const char **why);

/* Shortest exact unit: 100000 -> "100us", 1500000 -> "1500us", 0 -> "0s". */
int	units_format_duration(int64_t ns, char *buf, size_t len);

/*
 * Listen address "HOST:PORT": a numeric IPv4 address, or an IPv6 address
 * in brackets ("[::1]:9469"), and a decimal port 1..65535. host gets the
 * address without brackets (hostlen >= 46 holds any). Names are not
 * resolved: a configuration check must not depend on DNS.
 */
int	units_parse_hostport(const char *s, char *host, size_t hostlen,
	    uint16_t *port, int *family, const char **why);

#endif

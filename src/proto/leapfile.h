/*
 * leapfile.h - the IERS/NIST leap-seconds.list codec and the leap-second
 * table it yields. Pure: leapfile_parse() works on a byte buffer; only
 * leapfile_load() touches the file system.
 *
 * File format (as shipped in tzdata, /usr/share/zoneinfo/leap-seconds.list):
 *
 *   #$	3960835200			last update, NTP seconds
 *   #@	3991593600			expiry, NTP seconds
 *   2272060800	10	# 1 Jan 1972	data: NTP instant, TAI-UTC from then on
 *   ...
 *   #h	49db2447 571e5e1b 2f002a53 9c8da8e4 39b8e49e
 *
 * The #h SHA-1 covers the digits of the #$ value, of the #@ value and of
 * each data line's two fields, in that order, with all whitespace and
 * comments removed. Hash words may omit leading zeros; they are compared
 * as numbers.
 */
#ifndef TSYNC_LEAPFILE_H
#define TSYNC_LEAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LEAP_MAX		64	/* entries; 28 in 2025 */
#define LEAPFILE_MAX_LINE	256	/* bytes per line, without "\r\n" */
#define LEAPFILE_MAX_SIZE	65536	/* leapfile_load() file size limit */
#define LEAPFILE_NTP_UNIX_S	2208988800LL	/* NTP 1900 -> Unix 1970 */
#define LEAPFILE_EXPIRING_S	(30 * 86400)	/* warn this long before #@ */

struct leap_entry {
	int64_t		utc_unix_s;	/* instant from which dtai applies */
	int		dtai;		/* TAI - UTC, seconds */
};

struct leap_table {
	int		n;		/* entries; 0 when not usable */
	struct leap_entry e[LEAP_MAX];	/* e[0] is 1972-01-01, 10 s */
	int64_t		updated_unix_s;	/* #$ */
	int64_t		expires_unix_s;	/* #@ */
	uint32_t	sha1[5];	/* #h as written in the file */
	bool		hash_ok;	/* #h matches the contents */
};

/*
 * Return codes: 0 or one of these. Every parse error message reads
 * "line N: ..."; errors about something missing name the last line.
 */
enum leapfile_error {
	LEAPFILE_OK = 0,
	LEAPFILE_SYNTAX = -1,		/* a line that is none of the forms */
	LEAPFILE_LINE_TOO_LONG = -2,	/* > LEAPFILE_MAX_LINE */
	LEAPFILE_RANGE = -3,		/* number out of range, not midnight,
					   #@ <= #$, entry after #@ */
	LEAPFILE_NOT_INCREASING = -4,	/* entry not after the previous one */
	LEAPFILE_BAD_STEP = -5,		/* DTAI change other than +1 / -1 */
	LEAPFILE_BAD_FIRST = -6,	/* first entry not 1972-01-01, 10 s */
	LEAPFILE_TOO_MANY = -7,		/* > LEAP_MAX entries */
	LEAPFILE_DUPLICATE = -8,	/* #$, #@ or #h given twice */
	LEAPFILE_EMPTY = -9,		/* no data lines */
	LEAPFILE_NO_UPDATED = -10,	/* no #$ */
	LEAPFILE_NO_EXPIRY = -11,	/* no #@ */
	LEAPFILE_NO_HASH = -12,		/* no #h */
	LEAPFILE_BAD_HASH = -13,	/* #h differs; table filled anyway */
	LEAPFILE_CRYPTO = -14,		/* SHA-1 could not be computed */
	LEAPFILE_IO = -15,		/* leapfile_load(): open/read/stat */
	LEAPFILE_TOO_LARGE = -16,	/* leapfile_load(): > MAX_SIZE */
};

enum leapfile_validity {
	LEAPFILE_VALID,
	LEAPFILE_EXPIRING,		/* less than 30 days before #@ */
	LEAPFILE_EXPIRED,		/* at or after #@ (or empty table) */
};

/*
 * Parse a leap-seconds.list image. buf need not be NUL-terminated and
 * may hold any bytes. Returns 0 with *out filled and out->hash_ok set,
 * or a negative enum leapfile_error with "line N: message" in err (if
 * errlen > 0).
 *
 * LEAPFILE_BAD_HASH is the one error that still fills *out (hash_ok is
 * false): the file is well formed but its contents do not match its #h.
 * Whether to use such a table is the caller's decision (tsyncd: alarm and
 * ignore it). After any other error out->n is 0.
 */
int	leapfile_parse(const char *buf, size_t len, struct leap_table *out,
	    char *err, size_t errlen);

/*
 * Read path (at most LEAPFILE_MAX_SIZE bytes, regular file) and parse it.
 * Same results as leapfile_parse(), plus LEAPFILE_IO and
 * LEAPFILE_TOO_LARGE; messages are prefixed with "path: ".
 */
int	leapfile_load(const char *path, struct leap_table *out, char *err,
	    size_t errlen);

/* A short stable name for a return code ("bad_hash"), "?" if unknown. */
const char *leapfile_error_name(int rc);

/*
 * TAI - UTC at unix_s, from the last entry at or before it. 0 before
 * 1972-01-01 (pre-1972 UTC had fractional offsets this table does not
 * describe) and for an empty table. No expiry check: see
 * leapfile_validity().
 */
int	leapfile_tai_offset(const struct leap_table *t, int64_t unix_s);

/*
 * The first leap second strictly after unix_s. Returns 1 and sets *when
 * to the instant from which the new offset applies -- 00:00:00 UTC of the
 * day after the leap day, so the leap second is inserted (23:59:60) or
 * deleted (23:59:59) at the end of the UTC day [*when - 86400, *when) --
 * and *delta to +1 (insert) or -1 (delete). Returns 0, with both set to
 * 0, when the table announces none.
 */
int	leapfile_next(const struct leap_table *t, int64_t unix_s, int64_t *when,
	    int *delta);

/* VALID, EXPIRING (now within LEAPFILE_EXPIRING_S of #@) or EXPIRED. */
enum leapfile_validity leapfile_validity(const struct leap_table *t,
	    int64_t now_unix_s);

#endif

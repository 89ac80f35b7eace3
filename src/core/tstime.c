/*
 * tstime.c - instants and intervals as signed 64-bit nanoseconds.
 *
 * Pure: no system calls, no global state. The calendar conversion uses the
 * proleptic Gregorian days-from-civil algorithm instead of gmtime_r so that
 * it needs no libc time zone machinery and handles instants before 1970.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

#include "tstime.h"

int64_t
tstime_from_timespec(const struct timespec *ts)
{
	int64_t ns;

	if (__builtin_mul_overflow((int64_t)ts->tv_sec, NS_PER_S, &ns))
		return ts->tv_sec < 0 ? INT64_MIN : INT64_MAX;
	return tstime_add_sat(ns, (int64_t)ts->tv_nsec);
}

void
tstime_to_timespec(int64_t ns, struct timespec *ts)
{
	int64_t sec = ns / NS_PER_S, rem = ns % NS_PER_S;

	/* C division truncates toward zero; the kernel wants 0 <= nsec < 1e9. */
	if (rem < 0) {
		rem += NS_PER_S;
		sec--;
	}
	ts->tv_sec = (time_t)sec;
	ts->tv_nsec = (long)rem;
}

int64_t
tstime_add_sat(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

int64_t
tstime_sub_sat(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_sub_overflow(a, b, &r))
		return b < 0 ? INT64_MAX : INT64_MIN;
	return r;
}

double
tstime_to_s(int64_t ns)
{
	/* Split so that large instants keep their sub-second part. */
	return (double)(ns / NS_PER_S) + (double)(ns % NS_PER_S) * 1e-9;
}

int64_t
tstime_from_s(double s)
{
	double ns;

	if (isnan(s))
		return 0;
	ns = round(s * 1e9);
	/* 2^63 is exact in a double; INT64_MAX is not. */
	if (ns >= 9223372036854775808.0)
		return INT64_MAX;
	if (ns <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)ns;
}

/*
 * Howard Hinnant's civil_from_days: days since 1970-01-01 to a proleptic
 * Gregorian date, valid for any day count that fits (we only pass ±107k).
 */
static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, yy;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

int
tstime_format_iso8601(int64_t ns, int digits, char *buf, size_t len)
{
	static const int64_t pow10[] = {
		1000000000, 100000000, 10000000, 1000000, 100000,
		10000, 1000, 100, 10, 1,
	};
	int64_t sec, frac, days, sod, year;
	unsigned mon, mday;
	size_t need;
	int n;

	if (digits < 0 || digits > 9 || buf == NULL)
		return -1;
	sec = ns / NS_PER_S;
	frac = ns % NS_PER_S;
	if (frac < 0) {
		frac += NS_PER_S;
		sec--;
	}
	days = sec / 86400;
	sod = sec % 86400;
	if (sod < 0) {
		sod += 86400;
		days--;
	}
	civil_from_days(days, &year, &mon, &mday);
	/* Four-digit years only; int64_t ns spans 1677..2262 anyway. */
	if (year < 0 || year > 9999)
		return -1;

	need = 20 + (digits > 0 ? (size_t)digits + 1 : 0);
	if (len < need + 1)
		return -1;
	n = snprintf(buf, len, "%04d-%02u-%02uT%02d:%02d:%02d",
	    (int)year, mon, mday, (int)(sod / 3600), (int)(sod / 60 % 60),
	    (int)(sod % 60));
	/* Truncate, never round: rounding could carry into the seconds. */
	if (digits > 0)
		n += snprintf(buf + n, len - (size_t)n, ".%0*lld", digits,
		    (long long)(frac / pow10[digits]));
	n += snprintf(buf + n, len - (size_t)n, "Z");
	return n;
}

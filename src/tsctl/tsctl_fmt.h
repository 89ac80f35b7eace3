/*
 * tsctl_fmt.h - how tsctl writes a quantity in seconds for people.
 */
#ifndef TSYNC_TSCTL_FMT_H
#define TSYNC_TSCTL_FMT_H

#include <math.h>
#include <stddef.h>
#include <stdio.h>

static inline void
tsctl_format_seconds_sep(double s, const char *sep, char *buf, size_t len)
{
	double a = fabs(s);

	if (a == 0)
		snprintf(buf, len, "0%ss", sep);
	/* 0.9995 of the next unit rounds up to it with 3 digits: 999.5 us
	 * prints as "1 ms", not "1e+03 us". */
	else if (a < 0.9995e-6)
		snprintf(buf, len, "%.3g%sns", s * 1e9, sep);
	else if (a < 0.9995e-3)
		snprintf(buf, len, "%.3g%sus", s * 1e6, sep);
	else if (a < 0.9995)
		snprintf(buf, len, "%.3g%sms", s * 1e3, sep);
	else if (*sep == '\0')
		snprintf(buf, len, "%.3gs", s);
	else
		snprintf(buf, len, "%.3f%ss", s, sep);
}

/* "850 ns", "12.3 us", "2.000 s": for tables. */
static inline void
tsctl_format_seconds(double s, char *buf, size_t len)
{
	tsctl_format_seconds_sep(s, " ", buf, len);
}

/* "850ns", "12.3us", "2s": for one-line summaries (tsctl check). */
static inline void
tsctl_format_seconds_compact(double s, char *buf, size_t len)
{
	tsctl_format_seconds_sep(s, "", buf, len);
}

#endif

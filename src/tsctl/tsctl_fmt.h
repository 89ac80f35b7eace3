/*
 * tsctl_fmt.h - how tsctl writes a quantity in seconds for people:
 * "0 s", "850 ns", "12.3 us", "1.5 ms", "2.000 s".
 */
#ifndef TSYNC_TSCTL_FMT_H
#define TSYNC_TSCTL_FMT_H

#include <math.h>
#include <stddef.h>
#include <stdio.h>

static inline void
tsctl_format_seconds(double s, char *buf, size_t len)
{
	double a = fabs(s);

	if (a == 0)
		snprintf(buf, len, "0 s");
	else if (a < 1e-6)
		snprintf(buf, len, "%.3g ns", s * 1e9);
	else if (a < 1e-3)
		snprintf(buf, len, "%.3g us", s * 1e6);
	else if (a < 1)
		snprintf(buf, len, "%.3g ms", s * 1e3);
	else
		snprintf(buf, len, "%.3f s", s);
}

#endif

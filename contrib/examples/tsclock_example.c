/*
 * tsclock_example.c - read UTC with its bounds from tsyncd through
 * libtsclock, once:
 *
 *   $ tsclock_example [PATH]
 *   now: 2026-03-01T12:00:00.123456789Z .. 2026-03-01T12:00:00.123458789Z (±1.000 µs), locked, traceable
 *
 * PATH defaults to $TSCLOCK_PATH, then /run/tsyncd/clock.
 * Build: cc tsclock_example.c $(pkg-config --cflags --libs tsclock)
 *
 * Exit: 0 bounds printed; 1 tsyncd runs but has no estimate; 2 the page
 * is stale (tsyncd stopped or not updating); 3 no page or not one.
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "tsclock.h"

static void
iso(int64_t ns, char *buf, size_t len)
{
	time_t s = (time_t)(ns / 1000000000);
	long frac = (long)(ns % 1000000000);
	struct tm tm;
	char day[32];

	if (frac < 0) {
		frac += 1000000000;
		s--;
	}
	gmtime_r(&s, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%09ldZ", day, frac);
}

int
main(int argc, char **argv)
{
	struct tsclock *c;
	struct tsclock_time t;
	char lo[64], hi[64];
	int rc;

	rc = tsclock_open(argc > 1 ? argv[1] : NULL, &c);
	if (rc != 0) {
		fprintf(stderr, "tsclock_open: %s\n", tsclock_strerror(rc));
		return 3;
	}
	rc = tsclock_now(c, &t);
	tsclock_close(c);
	if (rc == TSCLOCK_ESTALE) {
		printf("stale: %s (state %s)\n", tsclock_strerror(rc),
		    tsclock_state_name(t.state));
		return 2;
	}
	if (rc == TSCLOCK_ENOEST) {
		printf("now: unknown (no estimate), %s, %s\n",
		    tsclock_state_name(t.state),
		    t.traceable ? "traceable" : "not traceable");
		return 1;
	}
	if (rc != 0) {
		fprintf(stderr, "tsclock_now: %s\n", tsclock_strerror(rc));
		return 3;
	}
	iso(t.earliest_ns, lo, sizeof(lo));
	iso(t.latest_ns, hi, sizeof(hi));
	printf("now: %s .. %s (\u00b1%.3f \u00b5s), %s, %s\n", lo, hi,
	    t.max_error_s * 1e6, tsclock_state_name(t.state),
	    t.traceable ? "traceable" : "not traceable");
	return 0;
}

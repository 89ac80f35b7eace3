/*
 * tsclock_bench.c - ns per tsclock_now() on 1 and 4 threads, measured in
 * the same run as a bare clock_gettime(CLOCK_REALTIME) (bench/tsclock
 * starts a tsyncd to publish the page and runs this).
 *
 *   tsclock_bench PAGE [CALLS]
 *
 * Prints one line per case: "case=... threads=N calls=N ns_per_call=X".
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tsclock.h"

struct job {
	struct tsclock	*c;
	long		calls;
	int		bare;
	long		ok;
	double		ns;
};

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void *
run(void *arg)
{
	struct job *j = arg;
	struct tsclock_time t;
	struct timespec ts;
	double t0 = now_ns();

	for (long i = 0; i < j->calls; i++) {
		if (j->bare)
			j->ok += clock_gettime(CLOCK_REALTIME, &ts) == 0;
		else
			j->ok += tsclock_now(j->c, &t) >= 0;
	}
	j->ns = (now_ns() - t0) / (double)j->calls;
	return NULL;
}

static int
bench(struct tsclock *c, int bare, int nthreads, long calls)
{
	pthread_t th[4];
	struct job j[4];
	double sum = 0;
	long ok = 0;

	for (int i = 0; i < nthreads; i++) {
		j[i] = (struct job){ .c = c, .calls = calls, .bare = bare };
		if (pthread_create(&th[i], NULL, run, &j[i]) != 0)
			return -1;
	}
	for (int i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
		sum += j[i].ns;
		ok += j[i].ok;
	}
	printf("case=%s threads=%d calls=%ld ok=%ld ns_per_call=%.1f\n",
	    bare ? "clock_gettime" : "tsclock_now", nthreads, calls * nthreads,
	    ok, sum / nthreads);
	return 0;
}

int
main(int argc, char **argv)
{
	struct tsclock *c;
	long calls = argc > 2 ? atol(argv[2]) : 2000000;

	if (argc < 2 || tsclock_open(argv[1], &c) != 0) {
		fprintf(stderr, "usage: tsclock_bench PAGE [CALLS] (the page must "
		    "exist)\n");
		return 2;
	}
	for (int n = 1; n <= 4; n *= 4) {
		if (bench(c, 1, n, calls) < 0 || bench(c, 0, n, calls) < 0)
			return 1;
	}
	tsclock_close(c);
	return 0;
}

/*
 * check_shmclock.c - the shared-memory clock: the writer (shmclock) and
 * the reader (libtsclock) against each other in a temporary directory.
 * Round trip, the seqlock under a forked writer in a tight loop with four
 * reader threads, staleness, max_error growth since as-of, the stopped
 * flag and a restarted writer, and pages that are not ours.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_run.h"
#include "shmclock.h"
#include "tsclock.h"
#include "tsclock_page.h"

#define NS	INT64_C(1000000000)

static char dir[64];
static char path[128];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_shmclock.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/clock", dir);
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0) {
		/* Leftovers in /tmp are harmless. */
	}
}

static int64_t
now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

/* Locked, 1 ms ahead of the clock, max_error 100 µs, no growth. */
static void
figures(struct shmclock_figures *f)
{
	memset(f, 0, sizeof(*f));
	f->state = TSCLOCK_LOCKED;
	f->traceable = true;
	f->clock_class = 6;
	f->have_estimate = true;
	/* one instant, as tsyncd stamps it (tsclock_real_minus_mono()) */
	f->asof_mono_ns = now_ns(CLOCK_MONOTONIC);
	ck_assert_int_eq(tsclock_real_minus_mono(&f->asof_real_ns), 0);
	f->asof_real_ns += f->asof_mono_ns;
	f->valid_until_mono_ns = f->asof_mono_ns + 10 * NS;
	f->offset_s = 1e-3;
	f->u_s = 1e-5;
	f->U_s = 2e-5;
	f->k = 2;
	f->max_error_s = 1e-4;
	f->have_tai = true;
	f->tai_offset_s = 37;
	f->have_next_leap = true;
	f->next_leap_unix_s = 1798761600;	/* 2027-01-01 */
	f->next_leap_delta_s = 1;
}

static struct shmclock *
writer(void)
{
	char err[256];
	struct shmclock *w = shmclock_create(path, err, sizeof(err));

	ck_assert_msg(w != NULL, "%s", err);
	return w;
}

START_TEST(round_trip)
{
	struct shmclock_figures f;
	struct shmclock *w = writer();
	struct tsclock *c;
	struct tsclock_time t;
	struct stat st;
	double mid;

	figures(&f);
	shmclock_write(w, &f);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	ck_assert_int_eq(st.st_size, TSCLOCK_PAGE_BYTES);
	ck_assert_int_eq(tsclock_open(path, &c), 0);
	ck_assert_int_eq(tsclock_now(c, &t), 0);
	ck_assert_int_eq(t.state, TSCLOCK_LOCKED);
	ck_assert_int_eq(t.traceable, 1);
	ck_assert_int_eq(t.clock_class, 6);
	ck_assert_uint_eq(t.flags & (TSCLOCK_F_LEAP_KNOWN | TSCLOCK_F_LEAP_NEXT),
	    TSCLOCK_F_LEAP_KNOWN | TSCLOCK_F_LEAP_NEXT);
	ck_assert_int_eq(t.tai_offset_s, 37);
	ck_assert_int_eq(t.next_leap_unix_s, 1798761600);
	ck_assert_int_eq(t.next_leap_delta_s, 1);
	ck_assert_double_eq(t.offset_s, 1e-3);
	ck_assert_double_eq(t.u_s, 1e-5);
	/* UTC = clock + offset: the interval is centred 1 ms after the read. */
	mid = ((double)(t.earliest_ns - t.clock_ns) +
	    (double)(t.latest_ns - t.clock_ns)) / 2;
	ck_assert_double_eq_tol(mid, 1e6, 1.0);
	ck_assert_double_ge(t.max_error_s, 1e-4);
	ck_assert_double_lt(t.max_error_s, 1e-4 + 1e-9);	/* rate 0: no growth */
	ck_assert_int_ge(t.latest_ns - t.earliest_ns, 200000);
	tsclock_close(c);
	shmclock_destroy(w);
}
END_TEST

/* max_error grows by rate x time since as-of, up to the call. */
START_TEST(max_error_grows)
{
	struct shmclock_figures f;
	struct shmclock *w = writer();
	struct tsclock *c;
	struct tsclock_time t;

	figures(&f);
	f.asof_real_ns -= 2 * NS;
	f.asof_mono_ns -= 2 * NS;
	f.max_error_rate = 1e-5;
	shmclock_write(w, &f);
	ck_assert_int_eq(tsclock_open(path, &c), 0);
	ck_assert_int_eq(tsclock_now(c, &t), 0);
	ck_assert_double_ge(t.age_s, 2.0);
	ck_assert_double_ge(t.max_error_s, 1e-4 + 2e-5);
	ck_assert_double_lt(t.max_error_s, 1e-4 + 2e-5 + 1e-5);
	ck_assert_int_ge(t.latest_ns - t.earliest_ns, 240000);
	tsclock_close(c);
	shmclock_destroy(w);
}
END_TEST

/*
 * A step of CLOCK_REALTIME since as-of is measured against the kernel's
 * own offset: the interval is centred where CLOCK_MONOTONIC carries it and
 * widened by the step (a reader in another time namespace would look the
 * same), so it holds UTC either way; offset_s is about the clock now.
 */
START_TEST(step_measured_and_covered)
{
	struct shmclock_figures f;
	struct shmclock *w = writer();
	struct tsclock *c;
	struct tsclock_time t, before;
	double mid;

	figures(&f);
	shmclock_write(w, &f);
	ck_assert_int_eq(tsclock_open(path, &c), 0);
	ck_assert_int_eq(tsclock_now(c, &before), 0);
	ck_assert(!(before.flags & TSCLOCK_F_STEPPED));

	f.asof_real_ns -= NS / 2;	/* as if the clock then jumped 0.5 s */
	shmclock_write(w, &f);
	ck_assert_int_eq(tsclock_now(c, &t), 0);
	ck_assert(t.flags & TSCLOCK_F_STEPPED);
	ck_assert_double_ge(t.max_error_s, 0.5 + 1e-4);
	ck_assert_double_lt(t.max_error_s, 0.5 + 1e-4 + 1e-6);
	/* UTC is now 0.5 s - 1 ms behind the clock, if it was a step */
	ck_assert_double_eq_tol(t.offset_s, -0.499, 1e-9);
	mid = ((double)(t.earliest_ns - t.clock_ns) +
	    (double)(t.latest_ns - t.clock_ns)) / 2;
	ck_assert_double_eq_tol(mid, -0.499e9, 1.0);
	/* and 1 ms ahead, if the reader's CLOCK_MONOTONIC is another one */
	ck_assert_int_le(t.earliest_ns, t.clock_ns + 1000000);
	ck_assert_int_ge(t.latest_ns, t.clock_ns + 1000000);
	tsclock_close(c);
	shmclock_destroy(w);
}
END_TEST

/* A leap second between as-of and now widens the bound by it. */
START_TEST(leap_crossed_widens_bound)
{
	struct shmclock_figures f;
	struct shmclock *w = writer();
	struct tsclock *c;
	struct tsclock_time t;

	figures(&f);
	/* the leap half a second before now: the page predates it */
	f.next_leap_unix_s = (f.asof_real_ns - NS / 2) / NS;
	f.asof_real_ns -= 2 * NS;
	f.asof_mono_ns -= 2 * NS;
	shmclock_write(w, &f);
	ck_assert_int_eq(tsclock_open(path, &c), 0);
	ck_assert_int_eq(tsclock_now(c, &t), 0);
	ck_assert_double_ge(t.max_error_s, 1.0 + 1e-4);
	ck_assert_double_lt(t.max_error_s, 1.0 + 1e-4 + 1e-6);
	/* a leap a day away does not */
	f.next_leap_unix_s += 86400;
	shmclock_write(w, &f);
	ck_assert_int_eq(tsclock_now(c, &t), 0);
	ck_assert_double_lt(t.max_error_s, 1e-4 + 1e-6);
	tsclock_close(c);
	shmclock_destroy(w);
}
END_TEST

START_TEST(stale_beyond_horizon)
{
	struct shmclock_figures f;
	struct shmclock *w = writer();
	struct tsclock *c;
	struct tsclock_time t;

	figures(&f);
	f.valid_until_mono_ns = now_ns(CLOCK_MONOTONIC) - 1;
	shmclock_write(w, &f);
	ck_assert_int_eq(tsclock_open(path, &c), 0);
	ck_assert_int_eq(tsclock_now(c, &t), TSCLOCK_ESTALE);
	ck_assert_int_eq(t.state, TSCLOCK_STOPPED);
	ck_assert_int_eq(t.traceable, 0);
	/* The next update makes it current again. */
	figures(&f);
	shmclock_write(w, &f);
	ck_assert_int_eq(tsclock_now(c, &t), 0);
	tsclock_close(c);
	shmclock_destroy(w);
}
END_TEST

START_TEST(no_estimate)
{
	struct shmclock_figures f;
	struct shmclock *w = writer();
	struct tsclock *c;
	struct tsclock_time t;

	figures(&f);
	f.state = TSCLOCK_UNSYNCHRONIZED;
	f.traceable = false;
	f.clock_class = 248;
	f.have_estimate = false;
	shmclock_write(w, &f);
	ck_assert_int_eq(tsclock_open(path, &c), 0);
	ck_assert_int_eq(tsclock_now(c, &t), TSCLOCK_ENOEST);
	ck_assert_int_eq(t.state, TSCLOCK_UNSYNCHRONIZED);
	ck_assert_int_eq(t.clock_class, 248);
	ck_assert_int_eq(t.earliest_ns, 0);
	ck_assert_int_eq(t.latest_ns, 0);
	tsclock_close(c);
	shmclock_destroy(w);
}
END_TEST

/* Before the first write the page says unsynchronized, not stale garbage. */
START_TEST(fresh_page_is_stale_until_written)
{
	struct shmclock *w = writer();
	struct tsclock *c;
	struct tsclock_time t;

	ck_assert_int_eq(tsclock_open(path, &c), 0);
	ck_assert_int_eq(tsclock_now(c, &t), TSCLOCK_ESTALE);
	tsclock_close(c);
	shmclock_destroy(w);
}
END_TEST

/* The writer's exit marks the page; a restarted writer is picked up. */
START_TEST(stopped_then_restarted)
{
	struct shmclock_figures f;
	struct shmclock *w = writer();
	struct tsclock *c, *c2;
	struct tsclock_time t;

	figures(&f);
	shmclock_write(w, &f);
	ck_assert_int_eq(tsclock_open(path, &c), 0);
	ck_assert_int_eq(tsclock_now(c, &t), 0);
	shmclock_destroy(w);
	ck_assert_int_eq(access(path, R_OK), 0);	/* the file stays */
	ck_assert_int_eq(tsclock_now(c, &t), TSCLOCK_ESTALE);
	ck_assert_int_eq(t.state, TSCLOCK_STOPPED);
	ck_assert_int_eq(tsclock_open(path, &c2), 0);
	ck_assert_int_eq(tsclock_now(c2, &t), TSCLOCK_ESTALE);
	tsclock_close(c2);
	w = writer();		/* replaces the file by rename */
	f.clock_class = 7;
	shmclock_write(w, &f);
	ck_assert_int_eq(tsclock_now(c, &t), 0);
	ck_assert_int_eq(t.clock_class, 7);
	tsclock_close(c);
	shmclock_destroy(w);
}
END_TEST

static void
poke(off_t off, const void *bytes, size_t n)
{
	int fd = open(path, O_WRONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, bytes, n, off), (ssize_t)n);
	close(fd);
}

static int
open_rc(void)
{
	struct tsclock *c = NULL;
	int rc = tsclock_open(path, &c);

	if (rc == 0)
		tsclock_close(c);
	return rc;
}

START_TEST(not_our_page)
{
	struct shmclock *w;
	uint32_t version = 2;
	uint64_t size = 8;
	int fd;

	ck_assert_int_eq(open_rc(), TSCLOCK_ESYS);
	ck_assert_int_eq(errno, ENOENT);
	w = writer();
	ck_assert_int_eq(open_rc(), 0);
	poke(0, "TSCX", 4);
	ck_assert_int_eq(open_rc(), TSCLOCK_EFORMAT);
	poke(0, "TSCK", 4);
	poke(offsetof(struct tsclock_page, version), &version, sizeof(version));
	ck_assert_int_eq(open_rc(), TSCLOCK_EVERSION);
	version = TSCLOCK_PAGE_VERSION;
	poke(offsetof(struct tsclock_page, version), &version, sizeof(version));
	poke(offsetof(struct tsclock_page, size), &size, sizeof(size));
	ck_assert_int_eq(open_rc(), TSCLOCK_EFORMAT);
	size = sizeof(struct tsclock_page);
	poke(offsetof(struct tsclock_page, size), &size, sizeof(size));
	ck_assert_int_eq(open_rc(), 0);
	fd = open(path, O_WRONLY);
	ck_assert_int_eq(ftruncate(fd, 100), 0);
	close(fd);
	ck_assert_int_eq(open_rc(), TSCLOCK_EFORMAT);
	shmclock_destroy(w);
}
END_TEST

/* ------------------------------------------------------------ seqlock */

#define READERS		4
#define READ_NS		(NS / 2)

struct reader_result {
	struct tsclock	*c;
	long		reads, torn, errors, changes;
};

/* Every field written from one counter must agree in every read. */
static void *
reader(void *arg)
{
	struct reader_result *r = arg;
	struct tsclock_time t;
	int64_t start = now_ns(CLOCK_MONOTONIC);
	double last = -1;

	/*
	 * At least READ_NS, then until this reader has seen enough of the
	 * writer's updates: on a loaded machine (make check -j) the writer may
	 * get little CPU, and a fixed time would make the test flaky. 60 s
	 * ends it either way; the assertions then say what was seen.
	 */
	for (;;) {
		int64_t t_ns = now_ns(CLOCK_MONOTONIC) - start;

		if ((t_ns >= READ_NS && r->changes > 1000 && r->reads > 10000) ||
		    t_ns >= 60 * NS)
			break;
		if (tsclock_now(r->c, &t) != 0) {
			r->errors++;
			continue;
		}
		r->reads++;
		/* offset_s is recomputed against the clock now; u_s and the
		 * rest are the page's own */
		if ((double)t.tai_offset_s != t.u_s ||
		    (double)t.next_leap_unix_s != t.u_s ||
		    (double)t.clock_class != t.u_s)
			r->torn++;
		if (t.u_s != last)
			r->changes++;
		last = t.u_s;
	}
	return NULL;
}

static void
write_forever(int64_t start_mono)
{
	struct shmclock_figures f;
	char err[256];
	struct shmclock *w = shmclock_create(path, err, sizeof(err));

	if (w == NULL)
		_exit(1);
	memset(&f, 0, sizeof(f));
	f.have_estimate = f.have_tai = f.have_next_leap = true;
	f.asof_mono_ns = start_mono;
	f.valid_until_mono_ns = INT64_MAX;
	for (int n = 1; ; n++) {
		f.offset_s = f.u_s = n;
		f.tai_offset_s = f.clock_class = n;
		f.next_leap_unix_s = n;
		shmclock_write(w, &f);
	}
}

START_TEST(seqlock_never_torn)
{
	struct reader_result r[READERS];
	pthread_t th[READERS];
	struct tsclock *c;
	struct tsclock_time t;
	int64_t deadline;
	pid_t pid;
	int status;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		write_forever(now_ns(CLOCK_MONOTONIC));
	deadline = now_ns(CLOCK_MONOTONIC) + 5 * NS;
	while (tsclock_open(path, &c) != 0 || tsclock_now(c, &t) != 0) {
		ck_assert_int_lt(now_ns(CLOCK_MONOTONIC), deadline);
		usleep(1000);
	}
	memset(r, 0, sizeof(r));
	for (int i = 0; i < READERS; i++) {
		r[i].c = c;
		ck_assert_int_eq(pthread_create(&th[i], NULL, reader, &r[i]), 0);
	}
	for (int i = 0; i < READERS; i++)
		pthread_join(th[i], NULL);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	for (int i = 0; i < READERS; i++) {
		ck_assert_int_eq(r[i].torn, 0);
		ck_assert_int_eq(r[i].errors, 0);
		ck_assert_int_gt(r[i].reads, 1000);
		ck_assert_int_gt(r[i].changes, 100);	/* the writer did run */
	}
	tsclock_close(c);
}
END_TEST

static Suite *
shmclock_suite(void)
{
	Suite *s = suite_create("shmclock");
	TCase *tc = tcase_create("page");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, max_error_grows);
	tcase_add_test(tc, step_measured_and_covered);
	tcase_add_test(tc, leap_crossed_widens_bound);
	tcase_add_test(tc, stale_beyond_horizon);
	tcase_add_test(tc, no_estimate);
	tcase_add_test(tc, fresh_page_is_stale_until_written);
	tcase_add_test(tc, stopped_then_restarted);
	tcase_add_test(tc, not_our_page);
	tcase_add_test(tc, seqlock_never_torn);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(shmclock_suite());
}

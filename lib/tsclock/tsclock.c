/*
 * tsclock.c - libtsclock: read tsyncd's shared-memory clock page.
 *
 * Layout and seqlock: tsclock_page.h. The bounds are computed from
 * CLOCK_REALTIME, which is the clock the daemon's offset is about:
 *
 *   earliest = clock + offset - grown,  latest = clock + offset + grown
 *   grown    = max_error + rate * |now_mono - asof_mono| + |step|
 *
 * where step is how much CLOCK_REALTIME moved against CLOCK_MONOTONIC
 * since as-of. The kernel slews both alike, so only a step (by another
 * process, the kernel's leap second, or the read pair being split by
 * preemption) moves one against the other; widening by it keeps the bound
 * true whichever way the step went, until the daemon's next update.
 *
 * libc only: no libm, no threads library.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tsclock.h"
#include "tsclock_page.h"

#define NS_PER_S		1000000000LL
#define SPIN_MAX		100000	/* reads before TSCLOCK_EBUSY */
#define SPIN_YIELD		64	/* then let a preempted writer run */
#define STEP_FLAG_NS		1000000	/* report TSCLOCK_F_STEPPED above 1 ms */

/* One mapping; replaced ones are kept until close (readers may hold them). */
struct tsmap {
	const struct tsclock_page	*p;
	dev_t				dev;
	ino_t				ino;
	struct tsmap			*next;	/* retired list */
};

struct tsclock {
	char		*path;
	struct tsmap	*cur;		/* atomic */
	struct tsmap	*retired;	/* atomic */
};

static int
map_check(const struct tsclock_page *p, off_t file_size)
{
	if (memcmp(p->magic, TSCLOCK_PAGE_MAGIC, sizeof(p->magic)) != 0)
		return TSCLOCK_EFORMAT;
	if (p->version != TSCLOCK_PAGE_VERSION)
		return TSCLOCK_EVERSION;
	/* A later writer may append fields; never fewer than we read. */
	if (p->size < sizeof(*p) || p->size > (uint64_t)file_size)
		return TSCLOCK_EFORMAT;
	return 0;
}

static int
map_open(const char *path, struct tsmap **out)
{
	struct tsmap *m;
	struct stat st;
	void *p;
	int fd, rc, e;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return TSCLOCK_ESYS;
	if (fstat(fd, &st) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return TSCLOCK_ESYS;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < TSCLOCK_PAGE_BYTES) {
		close(fd);
		return TSCLOCK_EFORMAT;
	}
	p = mmap(NULL, TSCLOCK_PAGE_BYTES, PROT_READ, MAP_SHARED, fd, 0);
	e = errno;
	close(fd);
	if (p == MAP_FAILED) {
		errno = e;
		return TSCLOCK_ESYS;
	}
	if ((rc = map_check(p, st.st_size)) != 0 ||
	    (m = calloc(1, sizeof(*m))) == NULL) {
		munmap(p, TSCLOCK_PAGE_BYTES);
		return rc != 0 ? rc : TSCLOCK_ESYS;
	}
	m->p = p;
	m->dev = st.st_dev;
	m->ino = st.st_ino;
	*out = m;
	return 0;
}

static void
map_free(struct tsmap *m)
{
	munmap((void *)m->p, TSCLOCK_PAGE_BYTES);
	free(m);
}

int
tsclock_open(const char *path, struct tsclock **out)
{
	struct tsclock *c;
	int rc;

	if (path == NULL)
		path = getenv("TSCLOCK_PATH");
	if (path == NULL || path[0] == '\0')
		path = TSCLOCK_DEFAULT_PATH;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return TSCLOCK_ESYS;
	if ((c->path = strdup(path)) == NULL) {
		free(c);
		return TSCLOCK_ESYS;
	}
	if ((rc = map_open(path, &c->cur)) != 0) {
		free(c->path);
		free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void
tsclock_close(struct tsclock *c)
{
	struct tsmap *m, *next;

	if (c == NULL)
		return;
	for (m = c->retired; m != NULL; m = next) {
		next = m->next;
		map_free(m);
	}
	map_free(c->cur);
	free(c->path);
	free(c);
}

/*
 * A restarted tsyncd renames a new page over the path: map it. Another
 * thread may still read the old mapping, so it is retired, not unmapped.
 */
static bool
reopen_if_replaced(struct tsclock *c, struct tsmap *cur)
{
	struct tsmap *m, *head;
	struct stat st;

	if (stat(c->path, &st) == -1 ||
	    (st.st_dev == cur->dev && st.st_ino == cur->ino))
		return false;
	if (map_open(c->path, &m) != 0)
		return false;
	if (!__atomic_compare_exchange_n(&c->cur, &cur, m, false,
	    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		map_free(m);	/* another thread got there first */
		return true;
	}
	head = __atomic_load_n(&c->retired, __ATOMIC_RELAXED);
	do
		cur->next = head;
	while (!__atomic_compare_exchange_n(&c->retired, &head, cur, true,
	    __ATOMIC_RELEASE, __ATOMIC_RELAXED));
	return true;
}

#define GET(s, p, f)	__atomic_load(&(p)->f, &(s)->f, __ATOMIC_RELAXED)

/* A consistent copy of the fields under the seqlock. */
static int
snapshot(const struct tsclock_page *p, struct tsclock_page *s)
{
	uint64_t s1, s2;

	for (int i = 0; i < SPIN_MAX; i++) {
		s1 = __atomic_load_n(&p->seq, __ATOMIC_ACQUIRE);
		GET(s, p, flags); GET(s, p, state); GET(s, p, traceable);
		GET(s, p, clock_class); GET(s, p, asof_mono_ns);
		GET(s, p, asof_real_ns); GET(s, p, valid_until_mono_ns);
		GET(s, p, offset_s); GET(s, p, u_s); GET(s, p, max_error_s);
		GET(s, p, max_error_rate); GET(s, p, tai_offset_s);
		GET(s, p, next_leap_unix_s); GET(s, p, next_leap_delta_s);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&p->seq, __ATOMIC_RELAXED);
		if (s1 == s2 && (s1 & 1) == 0)
			return 0;
		if (i >= SPIN_YIELD)
			sched_yield();
	}
	return TSCLOCK_EBUSY;
}

static int64_t
ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NS_PER_S + ts->tv_nsec;
}

/* ns + s, rounded down (up = false) or up, saturating. */
static int64_t
add_s(int64_t ns, double s, bool up)
{
	double x = s * 1e9;
	int64_t i;

	if (x != x)
		return up ? INT64_MAX : INT64_MIN;
	if (x >= 9.2e18 || x <= -9.2e18)
		return x > 0 ? INT64_MAX : INT64_MIN;
	i = (int64_t)x;
	if (up && (double)i < x)
		i++;
	else if (!up && (double)i > x)
		i--;
	if (i > 0 && ns > INT64_MAX - i)
		return INT64_MAX;
	if (i < 0 && ns < INT64_MIN - i)
		return INT64_MIN;
	return ns + i;
}

static void
fill_common(const struct tsclock_page *s, struct tsclock_time *t)
{
	t->state = (int)s->state;
	t->traceable = s->traceable != 0;
	t->clock_class = (int)s->clock_class;
	if (s->flags & TSCLOCK_PF_LEAP_TABLE) {
		t->flags |= TSCLOCK_F_LEAP_KNOWN;
		t->tai_offset_s = (int)s->tai_offset_s;
	}
	if (s->flags & TSCLOCK_PF_LEAP_NEXT) {
		t->flags |= TSCLOCK_F_LEAP_NEXT;
		t->next_leap_unix_s = s->next_leap_unix_s;
		t->next_leap_delta_s = (int)s->next_leap_delta_s;
	}
}

/*
 * The bounds are carried from the page's as-of instant by CLOCK_MONOTONIC
 * alone: UTC - CLOCK_MONOTONIC was (asof_real - asof_mono) + offset then,
 * and changes since only by the clock's frequency error, which rate
 * bounds (the kernel slews both clocks alike). CLOCK_REALTIME now is
 * mono + real_minus_mono, the kernel's own offset; step is how far that
 * offset moved since as-of, exactly 0 unless something stepped
 * CLOCK_REALTIME. A step by another process leaves the centre right, but
 * a reader in another time namespace (whose CLOCK_MONOTONIC differs from
 * tsyncd's by a constant) looks the same from here and needs the centre
 * moved by it, so the bound is widened by |step|: it holds either way.
 * A leap second between as-of and now makes UTC on the POSIX scale jump
 * by it: the bound is widened by that too, until the next page.
 */
static void
fill_bounds(const struct tsclock_page *s, int64_t mono, int64_t real_minus_mono,
    struct tsclock_time *t)
{
	int64_t age = mono - s->asof_mono_ns;
	int64_t d_asof = s->asof_real_ns - s->asof_mono_ns;
	int64_t step = real_minus_mono - d_asof;
	int64_t centre, clock_ns;
	double grown;

	if (step > STEP_FLAG_NS || step < -STEP_FLAG_NS)
		t->flags |= TSCLOCK_F_STEPPED;
	grown = s->max_error_s +
	    s->max_error_rate * ((double)(age < 0 ? -age : age) / 1e9) +
	    (double)(step < 0 ? -step : step) / 1e9;
	centre = add_s(mono + d_asof, s->offset_s, false);
	if (s->flags & TSCLOCK_PF_LEAP_NEXT) {
		int64_t leap = s->next_leap_unix_s * NS_PER_S;
		int64_t from = add_s(s->asof_real_ns, s->offset_s, false);

		/* generous by a second each side: it costs nothing elsewhere */
		if (leap > from - 2 * NS_PER_S &&
		    leap <= add_s(centre, grown + 1.0, true))
			grown += s->next_leap_delta_s < 0 ?
			    -(double)s->next_leap_delta_s :
			    (double)s->next_leap_delta_s;
	}
	clock_ns = mono + real_minus_mono;
	t->clock_ns = clock_ns;
	t->max_error_s = grown;
	t->offset_s = (double)(centre - clock_ns) / 1e9;
	t->u_s = s->u_s;
	t->age_s = (double)age / 1e9;
	t->earliest_ns = add_s(centre, -grown, false);
	t->latest_ns = add_s(centre, grown, true);
}

static int
read_page(struct tsclock *c, struct tsclock_page *s, bool *replaced)
{
	struct tsmap *m = __atomic_load_n(&c->cur, __ATOMIC_ACQUIRE);

	*replaced = false;
	if (snapshot(m->p, s) != 0)
		return TSCLOCK_EBUSY;
	if ((s->flags & TSCLOCK_PF_STOPPED) != 0)
		*replaced = reopen_if_replaced(c, m);
	return 0;
}

int
tsclock_now(struct tsclock *c, struct tsclock_time *t)
{
	struct tsclock_page s;
	struct timespec m, r;
	bool replaced;
	int64_t mono, offs;
	int rc;

	memset(t, 0, sizeof(*t));
	/*
	 * One fine clock read: CLOCK_MONOTONIC carries the bounds (see
	 * fill_bounds()). CLOCK_REALTIME at the same instant is mono plus the
	 * kernel's own offset, read from the coarse clocks for a few ns. If
	 * that fails (ticks kept coming), a second fine read stands in: only
	 * clock_ns and offset_s then carry the gap between the two reads.
	 */
	if (clock_gettime(CLOCK_MONOTONIC, &m) == -1)
		return TSCLOCK_ESYS;
	mono = ts_ns(&m);
	if (tsclock_real_minus_mono(&offs) < 0) {
		if (clock_gettime(CLOCK_REALTIME, &r) == -1)
			return TSCLOCK_ESYS;
		offs = ts_ns(&r) - mono;
	}
	t->clock_ns = mono + offs;
	if ((rc = read_page(c, &s, &replaced)) != 0)
		return rc;
	if (replaced && (rc = read_page(c, &s, &replaced)) != 0)
		return rc;
	fill_common(&s, t);
	if ((s.flags & TSCLOCK_PF_STOPPED) || mono > s.valid_until_mono_ns) {
		if (!(s.flags & TSCLOCK_PF_STOPPED))
			(void)reopen_if_replaced(c,
			    __atomic_load_n(&c->cur, __ATOMIC_ACQUIRE));
		t->state = TSCLOCK_STOPPED;
		t->traceable = 0;
		return TSCLOCK_ESTALE;
	}
	if (s.flags & (TSCLOCK_PF_NO_ESTIMATE | TSCLOCK_PF_NOT_REALTIME))
		return TSCLOCK_ENOEST;
	fill_bounds(&s, mono, offs, t);
	return 0;
}

const char *
tsclock_strerror(int code)
{
	switch (code) {
	case 0: return "success";
	case TSCLOCK_ESYS: return strerror(errno);
	case TSCLOCK_EFORMAT: return "not a tsclock page";
	case TSCLOCK_EVERSION: return "unknown tsclock page version";
	case TSCLOCK_ESTALE: return "stale: tsyncd stopped or not updating";
	case TSCLOCK_ENOEST: return "tsyncd has no estimate of UTC";
	case TSCLOCK_EBUSY: return "the page never settled while read";
	}
	return "unknown error";
}

const char *
tsclock_state_name(int state)
{
	switch (state) {
	case TSCLOCK_UNSYNCHRONIZED: return "unsynchronized";
	case TSCLOCK_ACQUIRING: return "acquiring";
	case TSCLOCK_LOCKED: return "locked";
	case TSCLOCK_HOLDOVER: return "holdover";
	case TSCLOCK_FREERUN: return "freerun";
	case TSCLOCK_STOPPED: return "stopped";
	}
	return "unknown";
}

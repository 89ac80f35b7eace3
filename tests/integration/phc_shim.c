/*
 * phc_shim.c - a stand-in PTP hardware clock for tests, as an LD_PRELOAD
 * library (test_phc_clock.py builds and loads it). The host needs no PHC,
 * and no clock of the host is ever written:
 *
 *  - open() of $PHC_SHIM_PATH (default /dev/ptp0) returns a descriptor of
 *    /dev/null, remembered with its access mode;
 *  - clock_gettime/clock_adjtime on that descriptor's dynamic clock id
 *    (FD_TO_CLOCKID) are served from a software clock driven by
 *    CLOCK_MONOTONIC: it starts $PHC_SHIM_OFFSET_NS ahead of CLOCK_REALTIME
 *    and runs $PHC_SHIM_FREQ_PPB fast, plus whatever ADJ_FREQUENCY sets;
 *    ADJ_SETOFFSET steps it; ADJ_OFFSET is refused (EOPNOTSUPP), as by most
 *    PHC drivers without adjphase; a write through a read-only descriptor
 *    fails with EACCES, as the kernel's does;
 *  - PTP_SYS_OFFSET_EXTENDED and PTP_SYS_OFFSET read CLOCK_REALTIME around
 *    each read of it; PTP_SYS_OFFSET_PRECISE is refused; PTP_CLOCK_GETCAPS
 *    states max_adj 500 ppm;
 *  - every write to CLOCK_REALTIME (clock_settime, settimeofday, adjtimex
 *    or clock_adjtime with modes != 0) is counted and refused with EPERM.
 *
 * The clock's state and the counters are published in $PHC_SHIM_STATE, a
 * small file mapped shared and updated under a sequence counter, for the
 * test to compute the PHC's true offset at any instant (see the layout in
 * struct state and in test_phc_clock.py).
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/ptp_clock.h>

#define MAX_FDS		8
#define CLOCKFD		3

struct state {				/* little-endian, 80 bytes */
	volatile uint64_t seq;		/* odd while being written */
	int64_t		mono0_ns;	/* CLOCK_MONOTONIC at the last rebase */
	int64_t		phc0_ns;	/* the PHC then */
	double		freq_ppb;	/* its rate since: intrinsic + adjustment */
	double		adj_ppb;	/* the adjustment (ADJ_FREQUENCY) */
	uint64_t	phc_writes;	/* clock_adjtime with modes != 0 that took */
	uint64_t	realtime_writes;	/* refused */
	uint64_t	steps;
	uint64_t	freq_sets;
	uint64_t	sys_offset_reads;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct state local_state;
static struct state *st = &local_state;
static int fds[MAX_FDS];
static int fd_rw[MAX_FDS];
static int nfds;
static double intrinsic_ppb;
static int inited;

static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_close)(int);
static int (*real_ioctl)(int, unsigned long, ...);
static int (*real_clock_gettime)(clockid_t, struct timespec *);
static int (*real_clock_adjtime)(clockid_t, struct timex *);
static int (*real_clock_settime)(clockid_t, const struct timespec *);
static int (*real_adjtimex)(struct timex *);
static int (*real_settimeofday)(const struct timeval *, const struct timezone *);

static int64_t
ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static int64_t
now_ns(clockid_t id)
{
	struct timespec t;

	real_clock_gettime(id, &t);
	return ts_ns(&t);
}

static const char *
shim_path(void)
{
	const char *p = getenv("PHC_SHIM_PATH");

	return p != NULL ? p : "/dev/ptp0";
}

static void
init(void)
{
	const char *s;
	int fd;

	if (inited)
		return;
	real_open = dlsym(RTLD_NEXT, "open");
	real_open64 = dlsym(RTLD_NEXT, "open64");
	real_openat = dlsym(RTLD_NEXT, "openat");
	real_close = dlsym(RTLD_NEXT, "close");
	real_ioctl = dlsym(RTLD_NEXT, "ioctl");
	real_clock_gettime = dlsym(RTLD_NEXT, "clock_gettime");
	real_clock_adjtime = dlsym(RTLD_NEXT, "clock_adjtime");
	real_clock_settime = dlsym(RTLD_NEXT, "clock_settime");
	real_adjtimex = dlsym(RTLD_NEXT, "adjtimex");
	real_settimeofday = dlsym(RTLD_NEXT, "settimeofday");
	inited = 1;
	intrinsic_ppb = (s = getenv("PHC_SHIM_FREQ_PPB")) ? atof(s) : 0.0;
	if ((s = getenv("PHC_SHIM_STATE")) != NULL &&
	    (fd = real_open(s, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) >= 0) {
		if (ftruncate(fd, sizeof(struct state)) == 0) {
			void *m = mmap(NULL, sizeof(struct state),
			    PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

			if (m != MAP_FAILED)
				st = m;
		}
		real_close(fd);
	}
	st->seq = 0;
	st->mono0_ns = now_ns(CLOCK_MONOTONIC);
	st->phc0_ns = now_ns(CLOCK_REALTIME) +
	    ((s = getenv("PHC_SHIM_OFFSET_NS")) ? atoll(s) : 0);
	st->freq_ppb = intrinsic_ppb;
}

__attribute__((constructor)) static void
shim_init(void)
{
	pthread_mutex_lock(&lock);
	init();
	pthread_mutex_unlock(&lock);
}

/* The PHC at CLOCK_MONOTONIC instant m. */
static int64_t
phc_at(int64_t m)
{
	return st->phc0_ns + (int64_t)((double)(m - st->mono0_ns) *
	    (1.0 + st->freq_ppb * 1e-9));
}

static int64_t
phc_now(void)
{
	return phc_at(now_ns(CLOCK_MONOTONIC));
}

static void
begin_write(void)
{
	st->seq++;
	__sync_synchronize();
}

static void
end_write(void)
{
	__sync_synchronize();
	st->seq++;
}

/* index in fds[] of fd, or -1 */
static int
fake_index(int fd)
{
	for (int i = 0; i < nfds; i++)
		if (fds[i] == fd)
			return i;
	return -1;
}

static int
fake_of_clock(clockid_t id)
{
	if (id >= 0 || (id & 7) != CLOCKFD)
		return -1;
	return fake_index((int)~(id >> 3));	/* CLOCKID_TO_FD */
}

static int
fake_open(int flags)
{
	int fd = real_open("/dev/null", O_RDWR | (flags & O_CLOEXEC));

	if (fd < 0 || nfds == MAX_FDS)
		return fd;
	fds[nfds] = fd;
	fd_rw[nfds] = (flags & O_ACCMODE) != O_RDONLY;
	nfds++;
	return fd;
}

#define OPEN_BODY(call)							\
	mode_t mode = 0;						\
	int fd;								\
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {	\
		va_list ap;						\
		va_start(ap, flags);					\
		mode = va_arg(ap, mode_t);				\
		va_end(ap);						\
	}								\
	pthread_mutex_lock(&lock);					\
	init();								\
	if (strcmp(path, shim_path()) == 0)				\
		fd = fake_open(flags);					\
	else								\
		fd = call;						\
	pthread_mutex_unlock(&lock);					\
	return fd;

int
open(const char *path, int flags, ...)
{
	OPEN_BODY(real_open(path, flags, mode))
}

int
open64(const char *path, int flags, ...)
{
	OPEN_BODY(real_open64(path, flags, mode))
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	OPEN_BODY(real_openat(dirfd, path, flags, mode))
}

int
close(int fd)
{
	int i;

	pthread_mutex_lock(&lock);
	init();
	if ((i = fake_index(fd)) >= 0) {
		fds[i] = fds[nfds - 1];
		fd_rw[i] = fd_rw[nfds - 1];
		nfds--;
	}
	pthread_mutex_unlock(&lock);
	return real_close(fd);
}

static void
pct(struct ptp_clock_time *p, int64_t ns)
{
	p->sec = ns / 1000000000;
	p->nsec = (uint32_t)(ns % 1000000000);
}

static int
sys_offset(unsigned long req, void *arg)
{
	if (req == PTP_SYS_OFFSET_EXTENDED) {
		struct ptp_sys_offset_extended *x = arg;
		unsigned n = x->n_samples;

		if (n == 0 || n > PTP_MAX_SAMPLES)
			return EINVAL;
		for (unsigned i = 0; i < n; i++) {
			pct(&x->ts[i][0], now_ns(CLOCK_REALTIME));
			pct(&x->ts[i][1], phc_now());
			pct(&x->ts[i][2], now_ns(CLOCK_REALTIME));
		}
	} else {
		struct ptp_sys_offset *x = arg;
		unsigned n = x->n_samples;

		if (n == 0 || n > PTP_MAX_SAMPLES)
			return EINVAL;
		for (unsigned i = 0; i < n; i++) {
			pct(&x->ts[2 * i], now_ns(CLOCK_REALTIME));
			pct(&x->ts[2 * i + 1], phc_now());
		}
		pct(&x->ts[2 * n], now_ns(CLOCK_REALTIME));
	}
	begin_write();
	st->sys_offset_reads++;
	end_write();
	return 0;
}

int
ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	int err = ENOTTY;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	pthread_mutex_lock(&lock);
	init();
	if (fake_index(fd) < 0) {
		pthread_mutex_unlock(&lock);
		return real_ioctl(fd, req, arg);
	}
	if (req == PTP_SYS_OFFSET_EXTENDED || req == PTP_SYS_OFFSET)
		err = sys_offset(req, arg);
	else if (req == PTP_SYS_OFFSET_PRECISE)
		err = EOPNOTSUPP;
	else if (req == PTP_CLOCK_GETCAPS) {
		struct ptp_clock_caps *c = arg;

		memset(c, 0, sizeof(*c));
		c->max_adj = 500000;
		err = 0;
	}
	pthread_mutex_unlock(&lock);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

int
clock_gettime(clockid_t id, struct timespec *tp)
{
	int64_t t;

	if (id >= 0 || !inited)
		return real_clock_gettime(id, tp);
	pthread_mutex_lock(&lock);
	if (fake_of_clock(id) < 0) {
		pthread_mutex_unlock(&lock);
		return real_clock_gettime(id, tp);
	}
	t = phc_now();
	pthread_mutex_unlock(&lock);
	tp->tv_sec = t / 1000000000;
	tp->tv_nsec = t % 1000000000;
	return 0;
}

static void
rebase(void)
{
	int64_t m = now_ns(CLOCK_MONOTONIC);

	st->phc0_ns = phc_at(m);
	st->mono0_ns = m;
}

static int
fake_adjtime(int i, struct timex *tx)
{
	int64_t step;

	if (tx->modes == 0) {
		tx->freq = (long)(st->adj_ppb * 65.536);
		return 0;
	}
	if (!fd_rw[i])
		return EACCES;
	if (tx->modes & ADJ_OFFSET && !(tx->modes & ADJ_SETOFFSET))
		return EOPNOTSUPP;
	begin_write();
	if (tx->modes & ADJ_SETOFFSET) {
		step = (int64_t)tx->time.tv_sec * 1000000000 + (tx->modes &
		    ADJ_NANO ? tx->time.tv_usec : tx->time.tv_usec * 1000);
		rebase();
		st->phc0_ns += step;
		st->steps++;
	} else if (tx->modes & ADJ_FREQUENCY) {
		rebase();
		st->adj_ppb = (double)tx->freq / 65.536;
		st->freq_ppb = intrinsic_ppb + st->adj_ppb;
		st->freq_sets++;
	}
	st->phc_writes++;
	end_write();
	return 0;
}

static int
count_realtime_write(void)
{
	pthread_mutex_lock(&lock);
	init();
	begin_write();
	st->realtime_writes++;
	end_write();
	pthread_mutex_unlock(&lock);
	errno = EPERM;
	return -1;
}

int
clock_adjtime(clockid_t id, struct timex *tx)
{
	int i, err;

	if (id < 0) {
		pthread_mutex_lock(&lock);
		init();
		if ((i = fake_of_clock(id)) >= 0) {
			err = fake_adjtime(i, tx);
			pthread_mutex_unlock(&lock);
			if (err != 0) {
				errno = err;
				return -1;
			}
			return TIME_OK;
		}
		pthread_mutex_unlock(&lock);
	}
	if (id == CLOCK_REALTIME && tx->modes != 0)
		return count_realtime_write();
	if (!inited)
		shim_init();
	return real_clock_adjtime(id, tx);
}

int
adjtimex(struct timex *tx)
{
	if (tx->modes != 0)
		return count_realtime_write();
	if (!inited)
		shim_init();
	return real_adjtimex(tx);
}

int
ntp_adjtime(struct timex *tx)
{
	return adjtimex(tx);
}

int
clock_settime(clockid_t id, const struct timespec *tp)
{
	(void)tp;
	if (id == CLOCK_REALTIME)
		return count_realtime_write();
	if (!inited)
		shim_init();
	return real_clock_settime(id, tp);
}

int
settimeofday(const struct timeval *tv, const struct timezone *tz)
{
	(void)tv;
	(void)tz;
	return count_realtime_write();
}

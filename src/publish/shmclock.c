/*
 * shmclock.c - write the shared-memory clock page; see shmclock.h and
 * lib/tsclock/tsclock_page.h for the layout and the seqlock protocol.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shmclock.h"
#include "tsclock.h"
#include "tsclock_page.h"

_Static_assert(sizeof(struct tsclock_page) <= TSCLOCK_PAGE_BYTES, "page size");

struct shmclock {
	struct tsclock_page	*p;
	uint64_t		seq;	/* ours: the only writer */
};

#define PUT(p, field, v) do {					\
	__typeof__((p)->field) v_ = (v);			\
	__atomic_store(&(p)->field, &v_, __ATOMIC_RELAXED);	\
} while (0)

static void
write_begin(struct shmclock *sc)
{
	__atomic_store_n(&sc->p->seq, ++sc->seq, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void
write_end(struct shmclock *sc)
{
	__atomic_store_n(&sc->p->seq, ++sc->seq, __ATOMIC_RELEASE);
}

static uint64_t
flags_of(const struct shmclock_figures *f)
{
	return (f->have_estimate ? 0 : TSCLOCK_PF_NO_ESTIMATE) |
	    (f->not_realtime ? TSCLOCK_PF_NOT_REALTIME : 0) |
	    (f->have_tai ? TSCLOCK_PF_LEAP_TABLE : 0) |
	    (f->have_next_leap ? TSCLOCK_PF_LEAP_NEXT : 0);
}

void
shmclock_write(struct shmclock *sc, const struct shmclock_figures *f)
{
	struct tsclock_page *p = sc->p;
	bool est = f->have_estimate;

	write_begin(sc);
	PUT(p, flags, flags_of(f));
	PUT(p, state, f->state);
	PUT(p, traceable, f->traceable ? 1 : 0);
	PUT(p, clock_class, f->clock_class);
	PUT(p, asof_mono_ns, f->asof_mono_ns);
	PUT(p, asof_real_ns, f->asof_real_ns);
	PUT(p, valid_until_mono_ns, f->valid_until_mono_ns);
	PUT(p, offset_s, est ? f->offset_s : 0.0);
	PUT(p, u_s, est ? f->u_s : 0.0);
	PUT(p, U_s, est ? f->U_s : 0.0);
	PUT(p, k, est ? f->k : 0.0);
	PUT(p, max_error_s, est ? f->max_error_s : 0.0);
	PUT(p, max_error_rate, est ? f->max_error_rate : 0.0);
	PUT(p, freq, est ? f->freq : 0.0);
	PUT(p, tai_offset_s, f->have_tai ? f->tai_offset_s : 0);
	PUT(p, next_leap_unix_s, f->have_next_leap ? f->next_leap_unix_s : 0);
	PUT(p, next_leap_delta_s, f->have_next_leap ? f->next_leap_delta_s : 0);
	write_end(sc);
}

static void
page_init(struct tsclock_page *p)
{
	memset(p, 0, TSCLOCK_PAGE_BYTES);
	memcpy(p->magic, TSCLOCK_PAGE_MAGIC, sizeof(p->magic));
	p->version = TSCLOCK_PAGE_VERSION;
	p->size = sizeof(*p);
	p->flags = TSCLOCK_PF_NO_ESTIMATE;
	p->state = TSCLOCK_UNSYNCHRONIZED;
	p->clock_class = 248;
	p->writer_pid = getpid();
}

/* A sized, mapped, initialised temporary file next to path. */
static struct tsclock_page *
create_temp(const char *path, char *tmp, size_t tmplen, char *err,
    size_t errlen)
{
	struct tsclock_page *p;
	const char *slash = strrchr(path, '/');
	int dirlen = slash != NULL ? (int)(slash - path) : 0;
	int fd, n;

	n = snprintf(tmp, tmplen, "%.*s/.%s.XXXXXX", dirlen, path,
	    slash != NULL ? slash + 1 : path);
	if (slash == NULL || n < 0 || (size_t)n >= tmplen)
		return snprintf(err, errlen, "%s: not an absolute path or too "
		    "long", path), NULL;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd == -1)
		return snprintf(err, errlen, "cannot create a file in %.*s: %s",
		    dirlen, path, strerror(errno)), NULL;
	/* World-readable whatever the umask; written only by us. */
	if (fchmod(fd, 0644) == -1 || ftruncate(fd, TSCLOCK_PAGE_BYTES) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return NULL;
	}
	p = mmap(NULL, TSCLOCK_PAGE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	close(fd);	/* the mapping keeps the file */
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "cannot map %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return NULL;
	}
	page_init(p);
	return p;
}

struct shmclock *
shmclock_create(const char *path, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	struct shmclock *sc;
	struct tsclock_page *p;

	p = create_temp(path, tmp, sizeof(tmp), err, errlen);
	if (p == NULL)
		return NULL;
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path,
		    strerror(errno));
		unlink(tmp);
		munmap(p, TSCLOCK_PAGE_BYTES);
		return NULL;
	}
	if ((sc = calloc(1, sizeof(*sc))) == NULL) {
		snprintf(err, errlen, "out of memory");
		munmap(p, TSCLOCK_PAGE_BYTES);
		return NULL;
	}
	sc->p = p;
	return sc;
}

void
shmclock_destroy(struct shmclock *sc)
{
	uint64_t flags;

	if (sc == NULL)
		return;
	flags = __atomic_load_n(&sc->p->flags, __ATOMIC_RELAXED);
	write_begin(sc);
	PUT(sc->p, flags, flags | TSCLOCK_PF_STOPPED);
	PUT(sc->p, valid_until_mono_ns, 0);
	write_end(sc);
	munmap(sc->p, TSCLOCK_PAGE_BYTES);
	free(sc);
}

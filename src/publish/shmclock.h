/*
 * shmclock.h - the writer of the shared-memory clock page (status.shm,
 * default /run/tsyncd/clock) that libtsclock reads: the daemon's estimate
 * of UTC - CLOCK_REALTIME with its bounds, as of one instant, under a
 * seqlock. Layout: lib/tsclock/tsclock_page.h.
 *
 * Like metrics, the module reads no clock and knows no engine: the daemon
 * fills a struct shmclock_figures at every update and hands it over.
 */
#ifndef TSYNC_SHMCLOCK_H
#define TSYNC_SHMCLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct shmclock_figures {
	int		state;		/* enum tsclock_state */
	bool		traceable;
	int		clock_class;
	bool		have_estimate;	/* false: only state, class and leap */
	bool		not_realtime;	/* the estimate is not about CLOCK_REALTIME */
	int64_t		asof_mono_ns;
	int64_t		asof_real_ns;
	int64_t		valid_until_mono_ns;
	double		offset_s;	/* UTC - CLOCK_REALTIME */
	double		u_s, U_s, k;
	double		max_error_s;
	double		max_error_rate;	/* s/s, bounds the growth until valid_until */
	double		freq;
	bool		have_tai;
	int		tai_offset_s;
	bool		have_next_leap;
	int64_t		next_leap_unix_s;
	int		next_leap_delta_s;	/* +1 / -1 */
};

/*
 * Create the page at path (mode 0644 whatever the umask), replacing any
 * file there atomically: a temporary file in the same directory is sized,
 * mapped and initialised (unsynchronized, no estimate), then renamed over
 * path, so a reader never maps a short or half-initialised file. The
 * directory must exist. NULL on error, with err set.
 */
struct shmclock *shmclock_create(const char *path, char *err, size_t errlen);

/* Publish f; readers see all of it or none of it. */
void	shmclock_write(struct shmclock *sc, const struct shmclock_figures *f);

/* Mark the page stopped (readers get TSCLOCK_ESTALE), unmap it and free
 * sc. The file stays, so that a reader learns the daemon is gone. */
void	shmclock_destroy(struct shmclock *sc);

#endif

/*
 * source_gnss.c - `type: gnss`: a GNSS receiver on a serial line, read
 * directly: NMEA alone, or NMEA + PPS.
 *
 * The device is opened non-blocking, raw 8N1 at `baud` (a FIFO is taken
 * as it is, for tests). Lines go through nmea_parse() and the epoch
 * assembler (nmea.h); a burst is what arrives between two silences of
 * BURST_GAP_MS, and the silence after a burst closes its epoch
 * (nmea_asm_flush()).
 *
 * The timestamp of an epoch is taken when the event loop wakes up for the
 * first bytes of its burst (CLOCK_REALTIME, mapped by env->map_real()).
 * The first byte is what a receiver sends at a steady delay after the
 * second; the end of the burst moves with its length. Only a burst seen
 * to start after a silence is timed: the first one after (re)opening the
 * device, and any epoch but the first of a burst, are not.
 *
 * NMEA alone: the label second S arrives `serial_delay` after S, so the
 * sample is S + serial_delay - (the local clock at the first byte). The
 * uncertainty is a declaration, and so is its hard bound: `accuracy`
 * (half-width, rectangular), by default NMEA_ACC_CAL_NS around a given
 * serial_delay. With serial_delay 0 (not calibrated: no receiver starts
 * its burst at the very edge of the second) the only thing known is the
 * convention that a label arrives within the second it names, so the
 * sample is centred at S + 0.5 s with a half-width of 0.5 s, which holds
 * for any receiver that keeps the convention.
 *
 * NMEA + PPS: `pps` is an RFC 2783 device (sys/timepps.h from pps-tools;
 * Linux implements the API as ioctls, so nothing is linked). Its assert
 * edge is fetched without waiting, every PPS_POLL_MS and when an epoch
 * closes, and each edge is paired with the label of the burst that
 * follows it (gnss_pair.h says when a pair is refused). The edge reaches
 * the host `cable_delay` after the second it marks began, so the sample
 * is S + cable_delay - (the local clock at the edge). Its budget is the
 * declared receiver accuracy (Type B, rectangular, PPS_ACC_NS unless
 * `accuracy` says otherwise); the edge's timestamping jitter is what the
 * engine measures from the samples (Type A): a sample carries only a
 * small prior for it (PPS_JITTER_NS; NMEA_JITTER_NS for NMEA alone), a
 * floor the engine replaces with the scatter it sees, not a second count.
 * The hard bound adds PPS_TS_BOUND_NS, a declared allowance for the
 * interrupt-to-timestamp latency of kernel PPS clients.
 *
 * PPS alone (`pps` without `device`): each new assert edge is a sample,
 * numbered by what the daemon already knows of its clock
 * (env->clock_bound(): the engine's estimate, or before it has one the
 * tightest estimate of another source, e.g. an NMEA-grade `shm` source
 * marked noselect, like chrony's `lock`). The edge marks second S, the
 * nearest to (the clock at the edge + that offset - cable_delay). It is
 * numbered only when that is certain: the estimate's bound plus the
 * edge's own hard bound is below GNSS_NUMBER_MAX_NS (well inside the half
 * second that separates two candidates) and the interval it spans holds
 * S. Otherwise the edge is dropped and counted (pps_unnumbered: no
 * estimate, or one too loose; pps_off_bound: the estimate disagrees with
 * the edge beyond both bounds). Budget and bound are those of NMEA + PPS.
 * With no estimate at all -- a PPS alone, nothing else configured -- no
 * edge is ever numbered: that is the price of not guessing the second.
 *
 * An epoch gives no sample without a fix (nmea.h: RMC status A, GGA
 * quality 1..5, GSA 2D/3D, sats_used >= min_satellites), when its label
 * does not follow the previous one by one second, or in PPS mode when the
 * pair is refused; each is counted as dropped, with a rate-limited log.
 * NOFIX_RUN epochs without fix in a row make the source unusable (with
 * the reason); SILENT_S without a byte make it unreachable, and a device
 * that fails or goes away is reopened every RETRY_S. NMEA carries no leap
 * second warning (RMC and ZDA have no field for it): samples say
 * SAMPLE_LEAP_UNKNOWN, and an epoch labelled 23:59:60 is skipped.
 *
 * `trace:` names the UTC(k) the receiver's system realises; the info
 * JSON adds the constellation from the talker ("UTC(USNO) via GPS").
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<sys/timepps.h>)
#include <sys/timepps.h>
#define HAVE_TIMEPPS 1
#endif
#endif

#include "cfg.h"
#include "gnss_pair.h"
#include "log.h"
#include "nmea.h"
#include "source_private.h"

#define NS_PER_S		1000000000LL
#define NS_PER_MS		1000000LL
#define BURST_GAP_MS		100	/* silence that ends a burst */
#define RETRY_S			5	/* reopen a failed or vanished device */
#define SILENT_S		5	/* no byte this long: unreachable */
#define NOFIX_RUN		3	/* epochs without fix in a row: unusable */
#define PPS_POLL_MS		200
#define PPS_SILENT_S		3	/* no edge this long: PPS lost */
#define NMEA_ACC_CAL_NS		(100 * NS_PER_MS)	/* with serial_delay */
#define NMEA_UNCAL_NS		(500 * NS_PER_MS)	/* centre and half-width
							   without it */
#define PPS_ACC_NS		100LL	/* receiver PPS accuracy, half-width */
#define PPS_TS_BOUND_NS		50000LL	/* kernel PPS timestamp latency */
/*
 * Type A priors: floors that the engine scales up to the scatter it sees,
 * never down. So a floor is the least noise a timestamp of that kind can
 * have, not its typical noise: a typical 1 us for PPS made the engine
 * treat a quiet PPS as a 1 us one (and steer with a long time constant),
 * while a noisy one is measured anyway. 100 ns: about the best a kernel
 * PPS client stamps an interrupt.
 */
#define NMEA_JITTER_NS		1000000LL
#define PPS_JITTER_NS		100LL
#define READ_CHUNK		4096

struct gnss {
	int		fd;
	struct event	*rx, *quiet, *tick, *pps_timer;
	struct nmea_asm	*nasm;
	char		line[NMEA_MAX_LEN + 3];
	size_t		len;
	bool		overflow;	/* discarding up to the next LF */
	bool		synced;		/* a line start seen since opening */
	int64_t		opened_mono, retry_mono, last_rx_mono;
	char		down_why[128];	/* why the device is closed */

	/* the burst in progress */
	bool		in_burst, quiet_seen, burst_timed;
	int		burst_epochs;	/* epochs closed in it so far */
	int64_t		burst_mono, burst_local;

	/* PPS */
	bool		use_pps;
	bool		pps_only;	/* no serial device: PPS alone */
	int		pps_fd;
#ifdef HAVE_TIMEPPS
	pps_handle_t	pps;
#endif
	int64_t		pps_retry_mono, last_edge_mono;
	bool		have_edge, pps_lost;
	struct gnss_pair pair;
	char		pps_why[128];

	/* the last epoch */
	bool		have_epoch;
	struct nmea_epoch epoch;
	enum nmea_system system;
	int		nofix_run;
	char		nofix_why[96];

	/* the last sample */
	bool		have_sample, sample_pps, sampled;
	double		offset_s, hard_s, latency_s;
	bool		have_latency;
	struct budget	budget;
	uint8_t		reach;

	unsigned long	lines, bad_sentences, other_sentences, epochs;
	unsigned long	nofix_epochs, jumps, untimed, leap_skipped;
	unsigned long	pps_edges, pairs, pair_refused[GNSS_PAIR_NRESULTS];
	unsigned long	samples, opens;
	unsigned long	pps_unnumbered, pps_off_bound;
};

static int64_t
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* Counted in s->dropped; the log says "name: what". */
static void
drop(struct source *s, const char *event, const char *what)
{
	s->dropped++;
	log_rl(LL_INFO, event, NULL, "%s: %s", s->cfg->name, what);
}

/* ------------------------------------------------------------ device */

static const struct { int baud; speed_t speed; } speeds[] = {
	{ 1200, B1200 }, { 2400, B2400 }, { 4800, B4800 }, { 9600, B9600 },
	{ 19200, B19200 }, { 38400, B38400 }, { 57600, B57600 },
	{ 115200, B115200 }, { 230400, B230400 }, { 460800, B460800 },
	{ 500000, B500000 }, { 576000, B576000 }, { 921600, B921600 },
};

static int
speed_of(int baud, speed_t *sp)
{
	for (size_t i = 0; i < sizeof(speeds) / sizeof(speeds[0]); i++) {
		if (speeds[i].baud == baud) {
			*sp = speeds[i].speed;
			return 0;
		}
	}
	return -1;
}

/* Raw 8N1, no flow control; what was queued before us is stale. */
static int
set_raw(int fd, speed_t sp)
{
	struct termios t;

	if (tcgetattr(fd, &t) < 0)
		return -1;
	cfmakeraw(&t);
	t.c_cflag &= ~(tcflag_t)(CSTOPB | PARENB | CRTSCTS | CSIZE);
	t.c_cflag |= CS8 | CLOCAL | CREAD;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (cfsetispeed(&t, sp) < 0 || cfsetospeed(&t, sp) < 0 ||
	    tcsetattr(fd, TCSANOW, &t) < 0)
		return -1;
	(void)tcflush(fd, TCIFLUSH);
	return 0;
}

static void	on_readable(evutil_socket_t fd, short what, void *arg);

static void
arm_ms(struct event *ev, long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(ev, &tv);
}

/* A fresh start for everything that spans bursts but the assembler. */
static void
reset_stream(struct gnss *g)
{
	g->len = 0;
	g->overflow = false;
	g->synced = false;
	g->in_burst = false;
	g->quiet_seen = false;
	g->burst_timed = false;
	gnss_pair_init(&g->pair);
}

static int
open_device(struct source *s)
{
	struct gnss *g = s->priv;
	struct nmea_asm *a = NULL;
	struct stat st;
	speed_t sp = B9600;
	int fd, e;

	(void)speed_of(s->cfg->baud, &sp);
	fd = open(s->cfg->device, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)))
		e = ENOTTY;
	else if (S_ISCHR(st.st_mode) && set_raw(fd, sp) < 0)
		e = errno;
	else if ((g->rx = event_new(s->env.base, fd, EV_READ | EV_PERSIST,
	    on_readable, s)) == NULL || event_add(g->rx, NULL) < 0)
		e = ENOMEM;
	else
		e = 0;
	if (e == 0 && (a = nmea_asm_create(s->cfg->min_satellites)) == NULL)
		e = ENOMEM;
	if (e != 0) {
		if (g->rx != NULL)
			event_free(g->rx);
		g->rx = NULL;
		close(fd);
		return -e;
	}
	g->fd = fd;
	reset_stream(g);
	nmea_asm_destroy(g->nasm);
	g->nasm = a;
	g->opened_mono = g->last_rx_mono = now_mono();
	g->opens++;
	/* A burst is timed only after a silence seen from its start. */
	arm_ms(g->quiet, BURST_GAP_MS);
	return 0;
}

static void
close_device(struct gnss *g)
{
	if (g->rx != NULL)
		event_free(g->rx);
	g->rx = NULL;
	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
	evtimer_del(g->quiet);
}

static void
try_open(struct source *s)
{
	struct gnss *g = s->priv;
	char why[sizeof(g->down_why)];
	int rc = open_device(s);

	if (rc == 0) {
		log_info("gnss_device_open", "%s: reading %s at %d baud%s%s",
		    s->cfg->name, s->cfg->device, s->cfg->baud,
		    g->use_pps ? ", PPS " : " (NMEA alone)",
		    g->use_pps ? s->cfg->pps : "");
		g->down_why[0] = '\0';
		return;
	}
	snprintf(why, sizeof(why), "cannot open %s: %s", s->cfg->device,
	    rc == -ENOTTY ? "not a serial device or FIFO" : strerror(-rc));
	if (strcmp(why, g->down_why) != 0)
		source_emit(s, "gnss_device_failed", "%s: %s; retrying every "
		    "%d s", s->cfg->name, why, RETRY_S);
	snprintf(g->down_why, sizeof(g->down_why), "%s", why);
	source_set_health(s, SOURCE_UNREACHABLE, "device unavailable");
	g->retry_mono = now_mono() + RETRY_S * NS_PER_S;
}

static void
device_lost(struct source *s, const char *why)
{
	struct gnss *g = s->priv;

	close_device(g);
	snprintf(g->down_why, sizeof(g->down_why), "%s: %s", s->cfg->device, why);
	source_emit(s, "gnss_device_lost", "%s: %s; reopening every %d s",
	    s->cfg->name, g->down_why, RETRY_S);
	source_set_health(s, SOURCE_UNREACHABLE, "device lost");
	g->retry_mono = now_mono() + RETRY_S * NS_PER_S;
}

/* ------------------------------------------------------------ PPS */

static void	number_edge(struct source *s, const struct gnss_edge *e);

#ifdef HAVE_TIMEPPS
static int
open_pps(struct source *s, char *why, size_t len)
{
	struct gnss *g = s->priv;
	pps_params_t params;
	int fd, caps = 0;

	fd = open(s->cfg->pps, O_RDWR | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM))
		fd = open(s->cfg->pps, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "cannot open %s: %s", s->cfg->pps,
		    strerror(errno));
		return -1;
	}
	if (time_pps_create(fd, &g->pps) < 0) {
		snprintf(why, len, "%s is not a PPS device", s->cfg->pps);
		goto fail;
	}
	if (time_pps_getcap(g->pps, &caps) < 0 || !(caps & PPS_CAPTUREASSERT)) {
		snprintf(why, len, "%s cannot capture the assert edge",
		    s->cfg->pps);
		goto fail;
	}
	memset(&params, 0, sizeof(params));
	if (time_pps_getparams(g->pps, &params) < 0 ||
	    (params.mode & (PPS_CAPTUREASSERT | PPS_TSFMT_TSPEC)) !=
	    (PPS_CAPTUREASSERT | PPS_TSFMT_TSPEC)) {
		params.mode |= PPS_CAPTUREASSERT | PPS_TSFMT_TSPEC;
		if (time_pps_setparams(g->pps, &params) < 0) {
			snprintf(why, len, "cannot select the assert edge of "
			    "%s: %s", s->cfg->pps, strerror(errno));
			goto fail;
		}
	}
	g->pps_fd = fd;
	gnss_pair_init(&g->pair);
	return 0;
fail:
	close(fd);
	return -1;
}

static void
close_pps(struct gnss *g)
{
	if (g->pps_fd >= 0)
		close(g->pps_fd);
	g->pps_fd = -1;
}

/* The newest assert edge, without waiting. */
static void
poll_pps(struct source *s)
{
	struct gnss *g = s->priv;
	struct timespec zero = { 0, 0 };
	struct gnss_edge e;
	pps_info_t info;

	if (g->pps_fd < 0)
		return;
	memset(&info, 0, sizeof(info));
	if (time_pps_fetch(g->pps, PPS_TSFMT_TSPEC, &info, &zero) < 0) {
		if (errno == EINTR || errno == EAGAIN || errno == ETIMEDOUT)
			return;
		snprintf(g->pps_why, sizeof(g->pps_why), "%s: fetch: %s",
		    s->cfg->pps, strerror(errno));
		source_emit(s, "gnss_pps_failed", "%s: %s; reopening every %d s",
		    s->cfg->name, g->pps_why, RETRY_S);
		close_pps(g);
		g->pps_retry_mono = now_mono() + RETRY_S * NS_PER_S;
		return;
	}
	if (info.assert_sequence == 0 || (info.assert_timestamp.tv_sec == 0 &&
	    info.assert_timestamp.tv_nsec == 0))
		return;		/* no edge yet */
	if (s->env.map_real(s->env.arg, &info.assert_timestamp, &e.t_ns,
	    &e.aux_ns) < 0)
		return;
	if (gnss_pair_edge(&g->pair, &e, info.assert_sequence) == 1) {
		g->pps_edges++;
		g->have_edge = true;
		g->last_edge_mono = e.t_ns;
		if (g->pps_only)
			number_edge(s, &e);
	}
}

static void
try_open_pps(struct source *s)
{
	struct gnss *g = s->priv;
	char why[sizeof(g->pps_why)];

	if (open_pps(s, why, sizeof(why)) == 0) {
		g->pps_why[0] = '\0';
		log_info("gnss_pps_open", "%s: PPS from %s, assert edge",
		    s->cfg->name, s->cfg->pps);
		return;
	}
	if (strcmp(why, g->pps_why) != 0)
		source_emit(s, "gnss_pps_failed", "%s: %s; retrying every %d s",
		    s->cfg->name, why, RETRY_S);
	snprintf(g->pps_why, sizeof(g->pps_why), "%s", why);
	g->pps_retry_mono = now_mono() + RETRY_S * NS_PER_S;
}
#else
static void poll_pps(struct source *s) { (void)s; }
static void try_open_pps(struct source *s) { (void)s; }
static void close_pps(struct gnss *g) { (void)g; }
#endif

static void
on_pps_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	poll_pps(arg);
}

/* ------------------------------------------------------------ epochs */

/* Why an epoch is not a fix, in the order nmea.h judges it. */
static void
fix_why(const struct nmea_epoch *e, int min_sats, char *buf, size_t len)
{
	if (!e->has_date)
		snprintf(buf, len, "no date (no RMC or ZDA with one)");
	else if (e->date_conflict)
		snprintf(buf, len, "the epoch's dates disagree");
	else if (!e->has_rmc && e->gga_quality < 0 && !e->has_gns)
		snprintf(buf, len, "no fix report (RMC, GGA or GNS)");
	else if (e->has_rmc && e->rmc_status != 'A')
		snprintf(buf, len, "RMC status %c", e->rmc_status != 0 ?
		    e->rmc_status : '-');
	else if (e->has_rmc && e->rmc_mode != 0 &&
	    strchr("ADPRF", e->rmc_mode) == NULL)
		snprintf(buf, len, "RMC mode %c (not a GNSS fix)", e->rmc_mode);
	else if (e->gga_quality >= 0 && (e->gga_quality < 1 ||
	    e->gga_quality > 5))
		snprintf(buf, len, "GGA quality %d", e->gga_quality);
	else if (e->has_gns && !e->gns_fix)
		snprintf(buf, len, "GNS modes without a fix");
	else if (e->gsa_fix == 1)
		snprintf(buf, len, "GSA fix type 1 (none)");
	else if (min_sats > 0 && e->sats_used < min_sats)
		snprintf(buf, len, "%d satellites used, min_satellites %d",
		    e->sats_used, min_sats);
	else
		snprintf(buf, len, "no fix");
}

static void
no_fix(struct source *s, const struct nmea_epoch *e)
{
	struct gnss *g = s->priv;
	char why[160];

	g->nofix_epochs++;
	fix_why(e, s->cfg->min_satellites, g->nofix_why, sizeof(g->nofix_why));
	snprintf(why, sizeof(why), "epoch dropped: no fix: %s", g->nofix_why);
	drop(s, "gnss_epoch_dropped", why);
	if (++g->nofix_run == NOFIX_RUN) {
		snprintf(why, sizeof(why), "no fix: %s", g->nofix_why);
		source_emit(s, "gnss_no_fix", "%s: %d epochs in a row without "
		    "a fix (%s)", s->cfg->name, NOFIX_RUN, g->nofix_why);
		source_set_health(s, SOURCE_UNUSABLE, why);
	}
}

/*
 * One sample: the declared row (Type B, rectangular half-width half_ns)
 * and a Type A prior for the random part (jitter_ns). The engine weighs
 * samples by the Type A part alone and replaces it with what it measures
 * (scaled up, never down), so the prior is a floor, not a second count.
 */
static void
emit_sample(struct source *s, int64_t mono, int64_t local, int64_t off_ns,
    int64_t half_ns, int64_t hard_ns, const char *row, const char *origin,
    int64_t jitter_ns)
{
	struct gnss *g = s->priv;
	struct sample smp;

	memset(&smp, 0, sizeof(smp));
	smp.mono_ns = mono;
	smp.local_ns = local;
	smp.offset_s = (double)off_ns / 1e9;
	smp.delay_s = -1;
	smp.hard_bound_s = (double)hard_ns / 1e9;
	smp.leap = SAMPLE_LEAP_UNKNOWN;
	budget_init(&smp.budget);
	budget_add(&smp.budget, row, budget_u_rectangular((double)half_ns / 1e9),
	    BUDGET_TYPE_B, origin);
	budget_add(&smp.budget, "jitter", (double)jitter_ns / 1e9, BUDGET_TYPE_A,
	    "prior; measured by the engine");
	g->have_sample = true;
	g->sampled = true;
	g->offset_s = smp.offset_s;
	g->hard_s = smp.hard_bound_s;
	g->budget = smp.budget;
	g->samples++;
	source_set_health(s, SOURCE_OK, NULL);
	s->env.sample(s->env.arg, s->id, &smp);
}

static void
sample_nmea(struct source *s, const struct nmea_epoch *e)
{
	struct gnss *g = s->priv;
	int64_t delay = s->cfg->serial_delay_ns, half = s->cfg->accuracy_ns;
	bool cal = delay > 0;

	if (!cal)
		delay = NMEA_UNCAL_NS;
	if (half <= 0)
		half = cal ? NMEA_ACC_CAL_NS : NMEA_UNCAL_NS;
	g->sample_pps = false;
	emit_sample(s, g->burst_mono, g->burst_local, e->utc_s * NS_PER_S +
	    delay - g->burst_local, half, half, "nmea_timing", cal ?
	    "declared serial timing, rectangular" :
	    "label within its second, rectangular", NMEA_JITTER_NS);
}

static void
sample_pps(struct source *s, const struct nmea_epoch *e,
    const struct gnss_edge *edge)
{
	struct gnss *g = s->priv;
	int64_t half = s->cfg->accuracy_ns > 0 ? s->cfg->accuracy_ns :
	    PPS_ACC_NS;

	g->sample_pps = true;
	g->pairs++;
	emit_sample(s, edge->t_ns, edge->aux_ns, e->utc_s * NS_PER_S +
	    s->cfg->cable_delay_ns - edge->aux_ns, half, half + PPS_TS_BOUND_NS,
	    "receiver", "declared receiver accuracy, rectangular",
	    PPS_JITTER_NS);
}

static void
unnumbered(struct source *s, const char *why)
{
	struct gnss *g = s->priv;
	char what[160];

	g->pps_unnumbered++;
	snprintf(what, sizeof(what), "PPS edge dropped: %s", why);
	drop(s, "gnss_pps_dropped", what);
	source_set_health(s, SOURCE_UNUSABLE, "PPS edges cannot be numbered");
}

/*
 * PPS alone: the second the edge marks (gnss_pps_number()), from what the
 * daemon knows of its clock; then the sample sample_pps() would make.
 */
static void
number_edge(struct source *s, const struct gnss_edge *e)
{
	struct gnss *g = s->priv;
	int64_t half = s->cfg->accuracy_ns > 0 ? s->cfg->accuracy_ns :
	    PPS_ACC_NS;
	int64_t hard = half + PPS_TS_BOUND_NS, label_s, resid;
	double off_s, bound_s;
	char why[128];

	if (s->env.clock_bound == NULL || s->env.clock_bound(s->env.arg, s->id,
	    e->t_ns, &off_s, &bound_s) < 0) {
		unnumbered(s, "no estimate of the clock yet to number it");
		return;
	}
	/* an absurd estimate numbers nothing (nor fits in nanoseconds) */
	if (!(fabs(off_s) < 1e6 && bound_s >= 0 && bound_s < 1.0)) {
		off_s = 0;
		bound_s = 1.0;
	}
	switch (gnss_pps_number(e->aux_ns, (int64_t)llround(off_s * 1e9),
	    (int64_t)llround(bound_s * 1e9), hard, s->cfg->cable_delay_ns,
	    &label_s, &resid)) {
	case GNSS_NUMBER_OK:
		break;
	case GNSS_NUMBER_LOOSE:
		snprintf(why, sizeof(why), "the clock is known to +-%.3g s, "
		    "more than %.3g s to number it", bound_s,
		    (double)(GNSS_NUMBER_MAX_NS - hard) / 1e9);
		unnumbered(s, why);
		return;
	default:
		g->pps_off_bound++;
		snprintf(why, sizeof(why), "PPS edge dropped: %+.6f s from the "
		    "nearest second, beyond the bounds (%.6f s)",
		    (double)resid / 1e9, bound_s + (double)hard / 1e9);
		drop(s, "gnss_pps_dropped", why);
		return;
	}
	g->sample_pps = true;
	g->pairs++;
	emit_sample(s, e->t_ns, e->aux_ns, label_s * NS_PER_S +
	    s->cfg->cable_delay_ns - e->aux_ns, half, hard, "receiver",
	    "declared receiver accuracy, rectangular", PPS_JITTER_NS);
}

/* PPS mode: the pair, and whether the PPS is there at all. */
static int
pair_epoch(struct source *s, const struct nmea_epoch *e, bool timed,
    struct gnss_edge *edge)
{
	struct gnss *g = s->priv;
	enum gnss_pair_result r;
	int64_t now = now_mono();

	poll_pps(s);
	if (!timed)
		return -1;
	r = gnss_pair_label(&g->pair, g->burst_mono, e->has_date ? e->utc_s : 0,
	    edge);
	if (r == GNSS_PAIR_OK) {
		g->latency_s = (double)(g->burst_mono - edge->t_ns) / 1e9;
		g->have_latency = true;
		g->pps_lost = false;
		return 0;
	}
	if (!g->have_edge || now - g->last_edge_mono > PPS_SILENT_S * NS_PER_S) {
		if (!g->pps_lost)
			source_emit(s, "gnss_no_pps", "%s: no PPS edge from %s "
			    "for %d s%s%s", s->cfg->name, s->cfg->pps,
			    PPS_SILENT_S, g->pps_why[0] != '\0' ? ": " : "",
			    g->pps_why);
		g->pps_lost = true;
		source_set_health(s, SOURCE_UNUSABLE, "no PPS");
	}
	return (int)r;
}

static void
handle_epoch(struct source *s, const struct nmea_epoch *e, bool timed)
{
	struct gnss *g = s->priv;
	struct gnss_edge edge;
	char why[96];
	int pr = -1;

	g->epochs++;
	g->have_epoch = true;
	g->epoch = *e;
	if (e->system != NMEA_SYS_NONE)
		g->system = e->system;
	if (g->use_pps)
		pr = pair_epoch(s, e, timed, &edge);
	if (!e->valid) {
		no_fix(s, e);
		return;
	}
	g->nofix_run = 0;
	if (e->has_prev && e->jump) {
		g->jumps++;
		snprintf(why, sizeof(why), "epoch dropped: the label jumped by "
		    "%+.3f s", (double)e->step_ns / 1e9);
		drop(s, "gnss_epoch_dropped", why);
		return;
	}
	if (e->leap_second) {
		g->leap_skipped++;
		return;
	}
	if (!timed) {
		g->untimed++;
		return;
	}
	if (!g->use_pps) {
		sample_nmea(s, e);
		return;
	}
	if (pr != GNSS_PAIR_OK) {
		if (pr > 0)
			g->pair_refused[pr]++;
		snprintf(why, sizeof(why), "epoch dropped: PPS pairing: %s",
		    gnss_pair_result_name((enum gnss_pair_result)pr));
		drop(s, "gnss_epoch_dropped", why);
		return;
	}
	sample_pps(s, e, &edge);
}

/* An epoch closed within the current burst: timed if it is its first. */
static void
epoch_closed(struct source *s, const struct nmea_epoch *e)
{
	struct gnss *g = s->priv;
	bool timed = g->burst_timed && g->burst_epochs == 0;

	g->burst_epochs++;
	handle_epoch(s, e, timed);
}

/* ------------------------------------------------------------ lines */

static void
handle_line(struct source *s, const char *line, size_t len)
{
	struct gnss *g = s->priv;
	struct nmea_sentence sen;
	struct nmea_epoch e;
	char why[64];
	int rc;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	/* The first line after opening may be the tail of one. */
	if (!g->synced) {
		g->synced = true;
		if (len == 0 || line[0] != '$')
			return;
	}
	g->lines++;
	rc = nmea_parse(line, len, &sen);
	switch (rc) {
	case NMEA_OK:
		if (nmea_asm_feed(g->nasm, &sen, &e) == 1)
			epoch_closed(s, &e);
		return;
	case NMEA_EMPTY:
	case NMEA_PROPRIETARY:
	case NMEA_UNKNOWN_TALKER:
	case NMEA_UNKNOWN_SENTENCE:
		g->other_sentences++;
		return;
	default:
		g->bad_sentences++;
		snprintf(why, sizeof(why), "sentence dropped: %s",
		    nmea_result_name(rc));
		drop(s, "gnss_sentence_dropped", why);
		return;
	}
}

static void
feed_bytes(struct source *s, const char *buf, size_t n)
{
	struct gnss *g = s->priv;

	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			if (!g->overflow)
				handle_line(s, g->line, g->len);
			g->overflow = false;
			g->len = 0;
			continue;
		}
		if (g->overflow)
			continue;
		if (g->len == sizeof(g->line)) {
			g->overflow = true;
			g->len = 0;
			if (g->synced) {
				g->bad_sentences++;
				drop(s, "gnss_sentence_dropped",
				    "sentence dropped: too_long");
			}
			g->synced = true;
			continue;
		}
		g->line[g->len++] = buf[i];
	}
}

/* The first bytes after a silence start a burst, timed at wake-up. */
static void
burst_start(struct source *s, const struct timespec *woke)
{
	struct gnss *g = s->priv;

	g->in_burst = true;
	g->burst_epochs = 0;
	g->burst_timed = g->quiet_seen && s->env.map_real(s->env.arg, woke,
	    &g->burst_mono, &g->burst_local) == 0;
	g->quiet_seen = false;
}

static void
on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct source *s = arg;
	struct gnss *g = s->priv;
	struct timespec woke;
	char buf[READ_CHUNK];
	ssize_t r;

	(void)what;
	clock_gettime(CLOCK_REALTIME, &woke);
	do {
		r = read(fd, buf, sizeof(buf));
	} while (r < 0 && errno == EINTR);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (r <= 0) {
		device_lost(s, r == 0 ? "end of file" : strerror(errno));
		return;
	}
	if (!g->in_burst)
		burst_start(s, &woke);
	g->last_rx_mono = now_mono();
	arm_ms(g->quiet, BURST_GAP_MS);
	feed_bytes(s, buf, (size_t)r);
}

/* BURST_GAP_MS of silence: the burst is over, and its epoch with it. */
static void
on_quiet(evutil_socket_t fd, short what, void *arg)
{
	struct source *s = arg;
	struct gnss *g = s->priv;
	struct nmea_epoch e;

	(void)fd;
	(void)what;
	if (g->in_burst && nmea_asm_flush(g->nasm, &e) == 1)
		epoch_closed(s, &e);
	g->in_burst = false;
	g->quiet_seen = true;
}

/* PPS alone: the edges are the source; their silence, its loss. */
static void
pps_only_tick(struct source *s, int64_t now)
{
	struct gnss *g = s->priv;
	int64_t since = g->have_edge ? g->last_edge_mono : g->opened_mono;

	if (now - since <= PPS_SILENT_S * NS_PER_S) {
		g->pps_lost = false;
		return;
	}
	if (!g->pps_lost)
		source_emit(s, "gnss_no_pps", "%s: no PPS edge from %s for %d "
		    "s%s%s", s->cfg->name, s->cfg->pps, PPS_SILENT_S,
		    g->pps_why[0] != '\0' ? ": " : "", g->pps_why);
	g->pps_lost = true;
	source_set_health(s, SOURCE_UNREACHABLE, "no PPS");
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct source *s = arg;
	struct gnss *g = s->priv;
	int64_t now = now_mono();
	char why[64];

	(void)fd;
	(void)what;
	g->reach = (uint8_t)(g->reach << 1 | (g->sampled ? 1 : 0));
	g->sampled = false;
	if (g->pps_only)
		pps_only_tick(s, now);
	else if (g->fd < 0 && now >= g->retry_mono)
		try_open(s);
	else if (g->fd >= 0 && now - g->last_rx_mono > SILENT_S * NS_PER_S &&
	    s->health != SOURCE_UNREACHABLE) {
		snprintf(why, sizeof(why), "no data for %d s", SILENT_S);
		source_emit(s, "gnss_silent", "%s: nothing from %s for %d s",
		    s->cfg->name, s->cfg->device, SILENT_S);
		source_set_health(s, SOURCE_UNREACHABLE, why);
	}
	if (g->use_pps && g->pps_fd < 0 && now >= g->pps_retry_mono)
		try_open_pps(s);
}

/* ------------------------------------------------------------ ops */

static int
gnss_start(struct source *s, char *err, size_t errlen)
{
	struct timeval one = { 1, 0 };
	struct gnss *g;
	speed_t sp;

	if (s->cfg->device != NULL && speed_of(s->cfg->baud, &sp) < 0) {
		snprintf(err, errlen, "%s: baud %d is not a standard serial "
		    "speed", s->cfg->name, s->cfg->baud);
		return -1;
	}
#ifndef HAVE_TIMEPPS
	if (s->cfg->pps != NULL) {
		snprintf(err, errlen, "%s: pps: this tsyncd was built without "
		    "the RFC 2783 PPS API (sys/timepps.h from pps-tools)",
		    s->cfg->name);
		return -1;
	}
#endif
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", s->cfg->name);
		return -1;
	}
	s->priv = g;
	g->fd = g->pps_fd = -1;
	g->use_pps = s->cfg->pps != NULL;
	g->pps_only = s->cfg->device == NULL;
	g->opened_mono = now_mono();
	g->quiet = evtimer_new(s->env.base, on_quiet, s);
	g->tick = event_new(s->env.base, -1, EV_PERSIST, on_tick, s);
	g->pps_timer = event_new(s->env.base, -1, EV_PERSIST, on_pps_timer, s);
	g->nasm = nmea_asm_create(s->cfg->min_satellites);
	if (g->quiet == NULL || g->tick == NULL || g->pps_timer == NULL ||
	    g->nasm == NULL || evtimer_add(g->tick, &one) < 0) {
		snprintf(err, errlen, "%s: out of memory", s->cfg->name);
		s->ops->stop(s);
		return -1;
	}
	if (g->use_pps) {
		struct timeval poll = { 0, PPS_POLL_MS * 1000 };

		evtimer_add(g->pps_timer, &poll);
		try_open_pps(s);
	}
	if (!g->pps_only)
		try_open(s);
	return 0;
}

static void
gnss_stop(struct source *s)
{
	struct gnss *g = s->priv;

	if (g == NULL)
		return;
	close_device(g);
	close_pps(g);
	if (g->quiet != NULL)
		event_free(g->quiet);
	if (g->tick != NULL)
		event_free(g->tick);
	if (g->pps_timer != NULL)
		event_free(g->pps_timer);
	nmea_asm_destroy(g->nasm);
	free(g);
	s->priv = NULL;
}

static json_t *
epoch_json(const struct nmea_epoch *e)
{
	char label[32], status[2] = { e->has_rmc ? e->rmc_status : 0, 0 };

	snprintf(label, sizeof(label), "%02d:%02d:%02d", e->time.hour,
	    e->time.min, e->time.sec);
	if (e->has_date)
		snprintf(label, sizeof(label), "%04d-%02d-%02dT%02d:%02d:%02dZ",
		    e->date.year, e->date.month, e->date.day, e->time.hour,
		    e->time.min, e->time.sec);
	return json_pack("{s:s, s:b, s:s, s:o, s:i, s:i, s:i, s:i}",
	    "label", label, "fix", e->valid, "system",
	    nmea_system_name(e->system), "rmc_status", status[0] != 0 ?
	    json_string(status) : json_null(), "gga_quality", e->gga_quality,
	    "gsa_fix", e->gsa_fix, "sats_used", e->sats_used, "sentences",
	    e->sentences);
}

static void
trace_info(const struct source *s, json_t *o)
{
	const struct gnss *g = s->priv;
	char trace[160];

	json_object_set_new(o, "constellation", g->system != NMEA_SYS_NONE ?
	    json_string(nmea_system_name(g->system)) : json_null());
	json_object_set_new(o, "utc_k", s->cfg->trace != NULL ?
	    json_string(s->cfg->trace) : json_null());
	if (s->cfg->trace != NULL && g->system != NMEA_SYS_NONE) {
		snprintf(trace, sizeof(trace), "%s via %s", s->cfg->trace,
		    nmea_system_name(g->system));
		json_object_set_new(o, "trace", json_string(trace));
	}
}

static json_t *
counters_json(const struct gnss *g)
{
	json_t *refused = json_object();

	for (int r = 1; r < GNSS_PAIR_NRESULTS; r++)
		json_object_set_new(refused, gnss_pair_result_name(
		    (enum gnss_pair_result)r), json_integer(
		    (json_int_t)g->pair_refused[r]));
	return json_pack("{s:I, s:I, s:I, s:I, s:I, "
	    "s:I, s:I, s:I, s:I, s:I, s:o, s:I, s:I, s:I, s:I}",
	    "lines", (json_int_t)g->lines,
	    "bad_sentences", (json_int_t)g->bad_sentences,
	    "other_sentences", (json_int_t)g->other_sentences,
	    "epochs", (json_int_t)g->epochs,
	    "no_fix_epochs", (json_int_t)g->nofix_epochs,
	    "jumps", (json_int_t)g->jumps,
	    "untimed_epochs", (json_int_t)g->untimed,
	    "leap_second_epochs", (json_int_t)g->leap_skipped,
	    "pps_edges", (json_int_t)g->pps_edges,
	    "pairs", (json_int_t)g->pairs,
	    "pairs_refused", refused,
	    "samples", (json_int_t)g->samples,
	    "opens", (json_int_t)g->opens,
	    "pps_unnumbered", (json_int_t)g->pps_unnumbered,
	    "pps_off_bound", (json_int_t)g->pps_off_bound);
}

/* The terms of the last sample's hard bound, which add up to it. */
static json_t *
bound_rows(const struct gnss *g)
{
	if (!g->sample_pps)
		return json_pack("[{s:s, s:f}]", "name", "declared NMEA timing "
		    "half-width", "s", g->hard_s);
	return json_pack("[{s:s, s:f}, {s:s, s:f}]", "name", "declared "
	    "receiver accuracy", "s", g->hard_s - (double)PPS_TS_BOUND_NS / 1e9,
	    "name", "PPS timestamp latency allowance", "s",
	    (double)PPS_TS_BOUND_NS / 1e9);
}

static void
gnss_info(const struct source *s, int64_t now, json_t *o)
{
	const struct gnss *g = s->priv;

	(void)now;
	json_object_set_new(o, "address", json_string(g->pps_only ?
	    s->cfg->pps : s->cfg->device));
	json_object_set_new(o, "device", g->pps_only ? json_null() :
	    json_string(s->cfg->device));
	json_object_set_new(o, "device_open", json_boolean(g->fd >= 0));
	json_object_set_new(o, "device_error", g->down_why[0] != '\0' ?
	    json_string(g->down_why) : json_null());
	json_object_set_new(o, "pps", g->use_pps ? json_string(s->cfg->pps) :
	    json_null());
	json_object_set_new(o, "pps_error", g->pps_why[0] != '\0' ?
	    json_string(g->pps_why) : json_null());
	json_object_set_new(o, "mode", json_string(g->pps_only ? "pps" :
	    g->use_pps ? "nmea+pps" : "nmea"));
	json_object_set_new(o, "refid", json_string(g->use_pps ? "PPS" : "NMEA"));
	json_object_set_new(o, "stratum", json_integer(0));
	json_object_set_new(o, "reach", json_integer(g->reach));
	json_object_set_new(o, "poll_s", json_real(1.0));
	json_object_set_new(o, "timestamping", json_string(g->use_pps ?
	    "kernel" : "user"));
	trace_info(s, o);
	json_object_set_new(o, "epoch", g->have_epoch ? epoch_json(&g->epoch) :
	    json_null());
	json_object_set_new(o, "no_fix_reason", g->nofix_run > 0 ?
	    json_string(g->nofix_why) : json_null());
	json_object_set_new(o, "serial_delay_s",
	    json_real((double)s->cfg->serial_delay_ns / 1e9));
	json_object_set_new(o, "cable_delay_s",
	    json_real((double)s->cfg->cable_delay_ns / 1e9));
	json_object_set_new(o, "label_latency_s", g->have_latency ?
	    json_real(g->latency_s) : json_null());
	json_object_set_new(o, "last_offset_s", g->have_sample ?
	    json_real(g->offset_s) : json_null());
	if (g->have_sample)
		json_object_set_new(o, "last_sample", json_pack("{s:s, s:f, "
		    "s:o, s:o}", "kind", g->sample_pps ? "pps" : "nmea",
		    "hard_bound_s", g->hard_s, "bound_rows", bound_rows(g),
		    "budget", source_budget_json(&g->budget)));
	json_object_set_new(o, "counters", counters_json(g));
}

const struct source_ops source_gnss_ops = {
	.type = "gnss",
	.start = gnss_start,
	.stop = gnss_stop,
	.info = gnss_info,
};

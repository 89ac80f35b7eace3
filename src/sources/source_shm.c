/*
 * source_shm.c - `type: shm`: an NTP shared-memory segment NTP<unit>
 * (System V key 0x4e545030 + unit), as gpsd fills it (ntpshm.h has the
 * layout and the handshakes).
 *
 * The segment belongs to its writer: tsyncd looks it up without
 * IPC_CREAT and retries every RETRY_S while it does not exist (gpsd
 * creates NTP0/NTP1 mode 0600 when it runs as root, NTP2 and up mode
 * 0666 otherwise). Creating it ourselves would only let a writer that
 * is not there yet, or any local user for a world-writable unit, choose
 * our time; a world-writable segment found in place is used, and said.
 * It is attached read-write, because the reader clears `valid`.
 *
 * The segment is read every POLL_MS. A new sample is the writer's
 * reference time against its own CLOCK_REALTIME at that instant:
 * offset = clock - receive, mapped onto the disciplined clock with
 * env->map_real(). Samples whose receive time is older than STALE_S (or
 * in the future) are dropped; leap 3 (the writer's reference is not
 * synchronised) makes the source unusable.
 *
 * Budget and bound: the writer's precision (2^precision, Type B,
 * rectangular) and the declared accuracy (`accuracy`, a half-width,
 * Type B, rectangular), their sum the hard bound. The writer's precision
 * says how finely it stamps, not how right its reference is -- gpsd
 * writes 2^-20 for time taken from NMEA sentences, which is off by the
 * serial latency (up to a second) -- so without `accuracy` the default
 * is DEFAULT_ACC_NS: one second, the most a writer keeping the NMEA
 * convention (the label arrives within its second) can be off. Declare
 * `accuracy` (e.g. 1us) for a PPS segment.
 */
#include "config.h"

#include <sys/ipc.h>
#include <sys/shm.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "log.h"
#include "ntpshm.h"
#include "source_private.h"

#define NS_PER_S	1000000000LL
#define POLL_MS		250
#define RETRY_S		10	/* look the segment up again */
#define SILENT_S	10	/* no new sample this long: unreachable, and
				   look the segment up again */
#define STALE_S		5	/* a receive time older than this is stale */
#define DEFAULT_ACC_NS	NS_PER_S
#define POLLS_PER_S	(1000 / POLL_MS)
#define JITTER_MIN_S	1e-6	/* smallest Type A prior */

struct shm {
	volatile struct ntpshm_seg *seg;
	int		shmid;
	key_t		key;
	bool		world_writable;
	struct event	*timer;
	int64_t		retry_mono, last_new_mono;
	char		why[160];
	bool		have_last;
	int64_t		last_clock_ns, last_recv_ns;
	int		polls;

	bool		have_sample, sampled;
	double		offset_s, hard_s, acc_s, prec_s;
	struct budget	budget;
	int		precision, leap, mode;
	uint8_t		reach;

	unsigned long	samples, empty, busy, bad_mode, bad_time, stale;
	unsigned long	alarms, attaches;
};

static int64_t
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static int64_t
now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static void
drop(struct source *s, const char *what)
{
	s->dropped++;
	log_rl(LL_INFO, "shm_sample_dropped", NULL, "%s: sample dropped: %s",
	    s->cfg->name, what);
}

/* ------------------------------------------------------------ segment */

static int
attach(struct source *s, char *why, size_t len)
{
	struct shm *m = s->priv;
	struct shmid_ds ds;
	void *p;
	int id;

	id = shmget(m->key, sizeof(struct ntpshm_seg), 0);
	if (id < 0) {
		snprintf(why, len, errno == ENOENT ? "segment NTP%d (key 0x%08x) "
		    "does not exist yet (its writer, e.g. gpsd, creates it)" :
		    errno == EINVAL ? "segment NTP%d (key 0x%08x) is smaller "
		    "than the SHM layout" : "segment NTP%d (key 0x%08x): %s",
		    s->cfg->unit, (unsigned)m->key, strerror(errno));
		return -1;
	}
	/* shmget() refused a segment smaller than the layout; the
	 * permissions are only reported (and clknetsim, which stands in for
	 * the segment in simulations, does not answer IPC_STAT). */
	memset(&ds, 0, sizeof(ds));
	(void)shmctl(id, IPC_STAT, &ds);
	if ((p = shmat(id, NULL, 0)) == (void *)-1) {
		snprintf(why, len, "segment NTP%d: cannot attach it read-write "
		    "(the reader clears its valid flag): %s", s->cfg->unit,
		    strerror(errno));
		return -1;
	}
	m->seg = p;
	m->shmid = id;
	m->world_writable = (ds.shm_perm.mode & 0002) != 0;
	m->last_new_mono = now_mono();
	m->attaches++;
	return 0;
}

static void
detach(struct shm *m)
{
	if (m->seg != NULL)
		(void)shmdt((const void *)m->seg);
	m->seg = NULL;
	m->shmid = -1;
}

static void
try_attach(struct source *s)
{
	struct shm *m = s->priv;
	char why[sizeof(m->why)];

	if (attach(s, why, sizeof(why)) == 0) {
		m->why[0] = '\0';
		log_info("shm_attached", "%s: reading NTP%d (key 0x%08x)%s",
		    s->cfg->name, s->cfg->unit, (unsigned)m->key,
		    m->world_writable ? "; it is writable by every local user, "
		    "any of whom can set this source's time" : "");
		return;
	}
	if (strcmp(why, m->why) != 0)
		source_emit(s, "shm_unavailable", "%s: %s; retrying every %d s",
		    s->cfg->name, why, RETRY_S);
	snprintf(m->why, sizeof(m->why), "%s", why);
	m->retry_mono = now_mono() + RETRY_S * NS_PER_S;
}

/* ------------------------------------------------------------ samples */

static enum sample_leap
leap_of(int li)
{
	return li == 1 ? SAMPLE_LEAP_INSERT : li == 2 ? SAMPLE_LEAP_DELETE :
	    SAMPLE_LEAP_NONE;
}

static void
fill_budget(struct source *s, const struct ntpshm_sample *x,
    struct sample *smp)
{
	struct shm *m = s->priv;
	double acc = s->cfg->accuracy_ns > 0 ? (double)s->cfg->accuracy_ns /
	    1e9 : (double)DEFAULT_ACC_NS / 1e9, prec = ldexp(1.0, x->precision);

	budget_init(&smp->budget);
	budget_add(&smp->budget, "receiver", budget_u_rectangular(acc),
	    BUDGET_TYPE_B, s->cfg->accuracy_ns > 0 ? "declared accuracy, "
	    "rectangular" : "undeclared: 1 s, rectangular");
	budget_add(&smp->budget, "precision", budget_u_rectangular(prec),
	    BUDGET_TYPE_B, "writer's precision 2^p, rectangular");
	/* A floor for the engine, which measures the scatter (Type A) and
	 * weighs by it: not counted twice. */
	budget_add(&smp->budget, "jitter", fmax(prec, JITTER_MIN_S),
	    BUDGET_TYPE_A, "prior; measured by the engine");
	smp->hard_bound_s = acc + prec;
	m->acc_s = acc;
	m->prec_s = prec;
}

static void
take(struct source *s, const struct ntpshm_sample *x)
{
	struct shm *m = s->priv;
	struct timespec rts = { (time_t)(x->recv_ns / NS_PER_S),
	    (long)(x->recv_ns % NS_PER_S) };
	int64_t age = now_real() - x->recv_ns;
	struct sample smp;

	if (m->have_last && x->clock_ns == m->last_clock_ns &&
	    x->recv_ns == m->last_recv_ns)
		return;		/* rewritten unchanged */
	m->have_last = true;
	m->last_clock_ns = x->clock_ns;
	m->last_recv_ns = x->recv_ns;
	m->last_new_mono = now_mono();
	m->precision = x->precision;
	m->leap = x->leap;
	m->mode = x->mode;
	if (age > STALE_S * NS_PER_S || age < -NS_PER_S) {
		m->stale++;
		drop(s, "receive time not within the last few seconds");
		return;
	}
	if (x->leap == 3) {
		if (m->alarms++ == 0 || s->health != SOURCE_UNUSABLE)
			source_emit(s, "shm_unsynchronised", "%s: the writer of "
			    "NTP%d says its reference is not synchronised "
			    "(leap 3)", s->cfg->name, s->cfg->unit);
		source_set_health(s, SOURCE_UNUSABLE, "writer unsynchronised");
		return;
	}
	memset(&smp, 0, sizeof(smp));
	if (s->env.map_real(s->env.arg, &rts, &smp.mono_ns, &smp.local_ns) < 0) {
		drop(s, "cannot read the clock");
		return;
	}
	smp.offset_s = (double)(x->clock_ns - smp.local_ns) / 1e9;
	smp.delay_s = -1;
	smp.leap = leap_of(x->leap);
	fill_budget(s, x, &smp);
	m->have_sample = m->sampled = true;
	m->offset_s = smp.offset_s;
	m->hard_s = smp.hard_bound_s;
	m->budget = smp.budget;
	m->samples++;
	source_set_health(s, SOURCE_OK, NULL);
	s->env.sample(s->env.arg, s->id, &smp);
}

static void
poll_segment(struct source *s)
{
	struct shm *m = s->priv;
	struct ntpshm_sample x;
	char why[64];
	int rc = ntpshm_read(m->seg, &x);

	switch (rc) {
	case NTPSHM_OK:
		take(s, &x);
		break;
	case NTPSHM_EMPTY:
		m->empty++;
		break;
	case NTPSHM_BUSY:
		m->busy++;
		break;
	case NTPSHM_BAD_MODE:
		if (m->bad_mode++ == 0)
			source_emit(s, "shm_bad_mode", "%s: NTP%d has mode %d, "
			    "neither 0 nor 1", s->cfg->name, s->cfg->unit,
			    m->seg->mode);
		break;
	default:
		m->bad_time++;
		snprintf(why, sizeof(why), "%s", ntpshm_result_name(rc));
		drop(s, why);
		break;
	}
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct source *s = arg;
	struct shm *m = s->priv;
	int64_t now = now_mono();

	(void)fd;
	(void)what;
	if (++m->polls % POLLS_PER_S == 0) {
		m->reach = (uint8_t)(m->reach << 1 | (m->sampled ? 1 : 0));
		m->sampled = false;
	}
	if (m->seg == NULL) {
		if (now >= m->retry_mono)
			try_attach(s);
		return;
	}
	poll_segment(s);
	/* A silent writer may have gone, and its successor made a new
	 * segment under the same key: look it up again. */
	if (now - m->last_new_mono > SILENT_S * NS_PER_S) {
		snprintf(m->why, sizeof(m->why), "no new sample in NTP%d for "
		    "%d s", s->cfg->unit, SILENT_S);
		if (s->health != SOURCE_UNREACHABLE)
			source_emit(s, "shm_silent", "%s: %s; looking the "
			    "segment up again", s->cfg->name, m->why);
		source_set_health(s, SOURCE_UNREACHABLE, "no new sample");
		detach(m);
		m->retry_mono = now + RETRY_S * NS_PER_S;
	}
}

/* ------------------------------------------------------------ ops */

static int
shm_start(struct source *s, char *err, size_t errlen)
{
	struct timeval tv = { 0, POLL_MS * 1000 };
	struct shm *m = calloc(1, sizeof(*m));

	if (m == NULL) {
		snprintf(err, errlen, "%s: out of memory", s->cfg->name);
		return -1;
	}
	s->priv = m;
	m->shmid = -1;
	m->key = (key_t)(NTPSHM_KEY_BASE + s->cfg->unit);
	m->timer = event_new(s->env.base, -1, EV_PERSIST, on_timer, s);
	if (m->timer == NULL || evtimer_add(m->timer, &tv) < 0) {
		snprintf(err, errlen, "%s: cannot create a timer", s->cfg->name);
		if (m->timer != NULL)
			event_free(m->timer);
		free(m);
		s->priv = NULL;
		return -1;
	}
	try_attach(s);
	return 0;
}

static void
shm_stop(struct source *s)
{
	struct shm *m = s->priv;

	if (m == NULL)
		return;
	detach(m);
	if (m->timer != NULL)
		event_free(m->timer);
	free(m);
	s->priv = NULL;
}

static void
shm_info(const struct source *s, int64_t now, json_t *o)
{
	const struct shm *m = s->priv;
	char addr[48], refid[8];

	(void)now;
	snprintf(addr, sizeof(addr), "NTP%d (key 0x%08x)", s->cfg->unit,
	    (unsigned)m->key);
	snprintf(refid, sizeof(refid), "SHM%d", s->cfg->unit % 10);
	json_object_set_new(o, "address", json_string(addr));
	json_object_set_new(o, "unit", json_integer(s->cfg->unit));
	json_object_set_new(o, "key", json_integer((json_int_t)m->key));
	json_object_set_new(o, "attached", json_boolean(m->seg != NULL));
	json_object_set_new(o, "error", m->why[0] != '\0' ?
	    json_string(m->why) : json_null());
	json_object_set_new(o, "world_writable", m->seg != NULL ?
	    json_boolean(m->world_writable) : json_null());
	json_object_set_new(o, "refid", json_string(refid));
	json_object_set_new(o, "stratum", json_integer(0));
	json_object_set_new(o, "reach", json_integer(m->reach));
	json_object_set_new(o, "poll_s", json_real(POLL_MS / 1000.0));
	json_object_set_new(o, "mode", m->have_last ? json_integer(m->mode) :
	    json_null());
	json_object_set_new(o, "precision", m->have_last ?
	    json_integer(m->precision) : json_null());
	json_object_set_new(o, "leap", m->have_last ? json_integer(m->leap) :
	    json_null());
	json_object_set_new(o, "last_offset_s", m->have_sample ?
	    json_real(m->offset_s) : json_null());
	if (m->have_sample)
		json_object_set_new(o, "last_sample", json_pack("{s:f, "
		    "s:[{s:s, s:f}, {s:s, s:f}], s:o}", "hard_bound_s", m->hard_s,
		    "bound_rows", "name", s->cfg->accuracy_ns > 0 ? "declared "
		    "accuracy" : "undeclared accuracy (default)", "s", m->acc_s,
		    "name", "writer's precision", "s", m->prec_s,
		    "budget", source_budget_json(&m->budget)));
	json_object_set_new(o, "counters", json_pack("{s:I, s:I, s:I, s:I, s:I, "
	    "s:I, s:I, s:I}",
	    "samples", (json_int_t)m->samples,
	    "empty_polls", (json_int_t)m->empty,
	    "busy", (json_int_t)m->busy,
	    "bad_mode", (json_int_t)m->bad_mode,
	    "bad_time", (json_int_t)m->bad_time,
	    "stale", (json_int_t)m->stale,
	    "leap_alarms", (json_int_t)m->alarms,
	    "attaches", (json_int_t)m->attaches));
}

const struct source_ops source_shm_ops = {
	.type = "shm",
	.start = shm_start,
	.stop = shm_stop,
	.info = shm_info,
};

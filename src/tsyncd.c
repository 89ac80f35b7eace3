/*
 * tsyncd.c - main: arguments -> configuration -> clock and control socket
 * -> event loop. Owns the only struct event_base.
 *
 * Signals do not go through libevent: the daemon must also run under
 * clknetsim, which intercepts poll() and timers but not libevent's
 * signal self-pipe. Handlers only set flags; a short monotonic tick makes
 * the loop return so that main() can act on them.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>

#include <event2/event.h>
#include <jansson.h>

#include "audit.h"
#include "cfg.h"
#include "clock.h"
#include "ctl_server.h"
#include "engine.h"
#include "leapfile.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "phcref.h"
#include "privdrop.h"
#include "shmclock.h"
#include "tsclock_page.h"
#include "sandbox.h"
#include "source.h"
#include "srcset.h"
#include "daemon.h"
#include "tsclock.h"
#include "tstime.h"

/* How long a signal may wait before the loop notices it. */
#define TICK_US		100000

/* Exit codes of tsyncd -t, and of tsyncd at start-up. */
#define EXIT_CONFIG_INVALID	2

/* The engine runs selection, the servo and the estimate this often. */
#define UPDATE_INTERVAL_S	1
#define UPDATE_INTERVAL_NS	(UPDATE_INTERVAL_S * INT64_C(1000000000))

static void
notify_state(struct daemon *d)
{
	notify_status("state %s; clock %s, discipline %s",
	    engine_state_name(d->last_state), clock_name(d->clock),
	    clock_disciplined(d->clock) ? "on" : "off");
}

static volatile sig_atomic_t got_term;
static volatile sig_atomic_t got_hup;

/* The loop, for the signal handler to break (see on_signal()). */
static struct event_base *signal_base;

/*
 * Flags only, checked by main() after each turn of the loop. A
 * termination also breaks the loop: libevent's loopbreak sets a flag the
 * loop reads when the wait returns, and under syscall interposers such as
 * clknetsim the 100 ms tick alone did not bring the loop back.
 */
static void
on_signal(int sig)
{
	if (sig == SIGHUP) {
		got_hup = 1;
		return;
	}
	got_term = sig;
	if (signal_base != NULL)
		event_base_loopbreak(signal_base);
}

static int
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1 ||
	    sigaction(SIGHUP, &sa, NULL) == -1)
		return -1;
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

int64_t
daemon_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return tstime_from_timespec(&ts);
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: tsyncd [-dnt] [-f file]\n"
	    "       tsyncd --version | --help\n"
	    "\n"
	    "  -f file    configuration file (default %s)\n"
	    "  -n         stay in the foreground, log to stderr\n"
	    "  -d         log at debug level\n"
	    "  -t         check the configuration and exit (0 valid, 2 invalid)\n"
	    "  --version  print the version and exit\n"
	    "  --help     print this help and exit\n", CFG_DEFAULT_PATH);
}

/* ------------------------------------------------------------ engine */

static enum osc_class
osc_class_of(enum cfg_oscillator o)
{
	switch (o) {
	case CFG_OSC_TCXO: return OSC_TCXO;
	case CFG_OSC_OCXO: return OSC_OCXO;
	case CFG_OSC_RUBIDIUM: return OSC_RUBIDIUM;
	case CFG_OSC_SERVER_XTAL: break;
	}
	return OSC_SERVER_XTAL;
}

static void publish_status(struct daemon *d);

/*
 * The trace-chain record. The engine emits reference_changed from inside
 * engine_update(), before the estimate is re-anchored; the chain is taken
 * from the new reference's source once the update is done (on_update).
 */
static void
audit_trace(struct daemon *d, const char *detail)
{
	snprintf(d->trace_reason, sizeof(d->trace_reason), "%s", detail);
	d->trace_pending = true;
}

static void
on_engine_event(void *arg, const char *event, const char *detail)
{
	struct daemon *d = arg;
	struct engine_status st;
	json_t *f;

	f = json_pack("{s:s}", "detail", detail);
	/* A state change carries its stable reason code (engine.h). */
	if (strcmp(event, "state_changed") == 0 && d->engine != NULL && f != NULL) {
		engine_status(d->engine, daemon_mono_ns(), &st);
		json_object_set_new(f, "reason_code", json_string(st.reason_code));
	}
	log_at(LL_NOTICE, event, json_incref(f), "%s", detail);
	if (d->ctl != NULL)
		ctl_server_publish(d->ctl, event, json_incref(f));
	json_decref(f);
	/* A new reference is a new trace chain: the evidence in full. */
	if (strcmp(event, "reference_changed") == 0)
		audit_trace(d, detail);
}

/* A source's own event (KoD, unreachable, ...): logged and published. */
static void
on_source_event(void *arg, const char *source, const char *event,
    const char *detail)
{
	struct daemon *d = arg;

	log_at(LL_NOTICE, event, json_pack("{s:s, s:s}", "source", source,
	    "detail", detail), "%s", detail);
	if (d->ctl != NULL)
		ctl_server_publish(d->ctl, event, json_pack("{s:s, s:s}",
		    "source", source, "detail", detail));
	/* A new grandmaster behind the reference: a new trace chain. */
	if (strcmp(event, "ptp_gm_changed") == 0)
		audit_trace(d, detail);
}

static int64_t
timespec_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/*
 * A CLOCK_REALTIME instant (a kernel packet timestamp, a moment ago) on
 * CLOCK_MONOTONIC and on the disciplined clock. For the observe and
 * system drivers the disciplined clock is CLOCK_REALTIME itself; the sim
 * clock is read now and taken back by the same lag.
 */
static int
map_real(void *arg, const struct timespec *real, int64_t *mono, int64_t *local)
{
	struct daemon *d = arg;
	struct timespec rn, mn;
	int64_t lag, now_local;

	if (clock_gettime(CLOCK_REALTIME, &rn) < 0 ||
	    clock_gettime(CLOCK_MONOTONIC, &mn) < 0)
		return -1;
	lag = timespec_ns(&rn) - timespec_ns(real);
	*mono = timespec_ns(&mn) - lag;
	if (strcmp(clock_name(d->clock), "sim") != 0) {
		*local = timespec_ns(real);
		return 0;
	}
	if (clock_read(d->clock, &now_local) < 0)
		return -1;
	*local = now_local - lag;
	return 0;
}

/*
 * The sources measure CLOCK_REALTIME. With the phc driver each sample is
 * put onto the PHC (phcref.h): PHC - CLOCK_REALTIME is read now, and TAI -
 * UTC comes from the leap table when the PHC keeps TAI. Other drivers
 * have no such offset (-EOPNOTSUPP) and their samples pass unchanged.
 */
static int
rereference(void *arg, struct sample *s)
{
	struct daemon *d = arg;
	struct phcref r;
	int64_t mono;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = clock_sys_offset(d->clock, &r.phc_minus_sys_ns, &r.window_ns, &mono);
	if (rc == -EOPNOTSUPP)
		return 0;
	if (rc < 0) {
		log_rl(LL_ERR, "phc_read_failed", NULL, "%s: cannot read it "
		    "against CLOCK_REALTIME: %s", clock_label(d->clock),
		    strerror(-rc));
		return -1;
	}
	if (clock_keeps_tai(d->clock)) {
		if (!leap_usable(&d->leap)) {
			log_rl(LL_ERR, "phc_tai_unknown", NULL, "%s keeps TAI "
			    "but there is no usable leap-second table for TAI "
			    "- UTC (leap.file)", clock_label(d->clock));
			return -1;
		}
		r.tai_utc_s = leapfile_tai_offset(&d->leap.t,
		    s->local_ns / NS_PER_S);
	}
	r.lag_ns = mono - s->mono_ns;
	r.max_rate = phcref_max_rate(d->cfg->clock.max_frequency_ppb);
	return phcref_apply(s, &r);
}

static struct srcset *
sources_for(const struct cfg *cfg, struct engine *e, struct daemon *d,
    char *err, size_t errlen)
{
	static char rundir[108];	/* a socket path is shorter */
	/* Only a PHC needs its samples re-referenced (and srcset then keeps
	 * the estimates, which are the PHC's, from numbering PPS edges). */
	struct srcset_hooks h = { .arg = d, .map_real = map_real,
	    .event = on_source_event,
	    .rereference = cfg->clock.driver == CFG_CLOCK_PHC ?
	    rereference : NULL };
	const char *sock = cfg->status.socket, *slash;

	/* Drivers bind their own sockets beside the control socket. */
	if (sock != NULL && (slash = strrchr(sock, '/')) != NULL &&
	    slash != sock && (size_t)(slash - sock) < sizeof(rundir)) {
		memcpy(rundir, sock, (size_t)(slash - sock));
		rundir[slash - sock] = '\0';
		h.rundir = rundir;
	}
	return srcset_create(cfg, e, d->base, &h, err, errlen);
}

static void
engine_params_of(const struct cfg *cfg, struct engine_params *p)
{
	memset(p, 0, sizeof(*p));
	engine_params_default(p);
	p->discipline = cfg->clock.discipline;
	p->step_threshold_s = tstime_to_s(cfg->clock.step_threshold_ns);
	p->max_freq = cfg->clock.max_frequency_ppb * 1e-9;
	p->max_slew = p->max_freq;
	p->oscillator = osc_class_of(cfg->clock.oscillator);
	p->tolerance_s = tstime_to_s(cfg->tolerance.max_error_ns);
}

static struct engine *
engine_for(const struct cfg *cfg, struct daemon *d)
{
	struct engine_params p;

	engine_params_of(cfg, &p);
	return engine_create(&p, on_engine_event, d);
}

/* ------------------------------------------------------------ audit */

/*
 * Append one record when the audit log is enabled. A failure is logged
 * (rate-limited) by the writer or here and otherwise ignored: losing
 * evidence must not also lose the time service.
 */
void
audit_record(struct daemon *d, const char *type, json_t *data)
{
	if (d->audit == NULL) {
		json_decref(data);
		return;
	}
	if (audit_append(d->audit, type, data) == -1 && errno == EBADF)
		log_rl(LL_ERR, "audit_write_failed", NULL, "%s: %s record "
		    "not written: the audit file is closed", d->cfg->audit.file,
		    type);
}

static void
summary_reset(struct summary *s, int64_t now)
{
	memset(s, 0, sizeof(*s));
	s->start_mono_ns = now;
}

static void
summary_sample(struct summary *s, const struct engine_estimate *e)
{
	if (s->samples == 0 || e->offset_s < s->offset_min_s)
		s->offset_min_s = e->offset_s;
	if (s->samples == 0 || e->offset_s > s->offset_max_s)
		s->offset_max_s = e->offset_s;
	if (s->samples == 0 || e->max_error_s > s->max_error_max_s)
		s->max_error_max_s = e->max_error_s;
	s->offset_sum_s += e->offset_s;
	s->samples++;
}

/* A finite number, or null: JSON has no infinity. */
static json_t *
real_or_null(bool have, double v)
{
	return have && isfinite(v) ? json_real(v) : json_null();
}

static json_t *
summary_json(const struct summary *s, int64_t now, enum engine_state state)
{
	bool have = s->samples > 0;

	return json_pack("{s:f, s:o, s:o, s:o, s:o, s:s, s:I}",
	    "interval_s", tstime_to_s(now - s->start_mono_ns),
	    "offset_min_s", real_or_null(have, s->offset_min_s),
	    "offset_max_s", real_or_null(have, s->offset_max_s),
	    "offset_mean_s", real_or_null(have,
	    have ? s->offset_sum_s / (double)s->samples : 0),
	    "max_error_max_s", real_or_null(have, s->max_error_max_s),
	    "state", engine_state_name(state),
	    "samples", (json_int_t)s->samples);
}

/*
 * Sample the published estimate at every update; close the interval
 * half an update early so that 1 s intervals do not slip to 2 s on jitter.
 */
static void
audit_summary(struct daemon *d, int64_t now, const struct engine_status *st)
{
	struct engine_estimate e;

	if (d->audit == NULL)
		return;
	if (engine_estimate(d->engine, now, &e) == 0)
		summary_sample(&d->sum, &e);
	if (now - d->sum.start_mono_ns + UPDATE_INTERVAL_NS / 2 <
	    d->cfg->audit.summary_interval_ns)
		return;
	audit_record(d, "summary", summary_json(&d->sum, now, st->state));
	summary_reset(&d->sum, now);
}

static void
audit_state(struct daemon *d, int64_t now, enum engine_state from,
    const struct engine_status *st)
{
	struct engine_estimate e;
	json_t *j;

	j = json_pack("{s:s, s:s, s:s, s:s, s:i, s:b}",
	    "from", engine_state_name(from), "to", engine_state_name(st->state),
	    "reason", st->reason, "reason_code", st->reason_code,
	    "clock_class", st->clock_class,
	    "traceable", st->traceable);
	if (j != NULL && engine_estimate(d->engine, now, &e) == 0 &&
	    isfinite(e.max_error_s))
		json_object_set_new(j, "max_error_s", json_real(e.max_error_s));
	audit_record(d, "state", j);
}

static void
audit_tolerance(struct daemon *d, int64_t now, const struct engine_status *st)
{
	struct engine_estimate e;
	bool have = engine_estimate(d->engine, now, &e) == 0;
	double tol = tstime_to_s(d->cfg->tolerance.max_error_ns);

	log_at(st->within_tolerance ? LL_NOTICE : LL_WARNING, "tolerance_crossed",
	    json_pack("{s:b, s:f}", "within", st->within_tolerance,
	    "tolerance_s", tol), "max_error %s the tolerance of %g s",
	    st->within_tolerance ? "back within" : "beyond", tol);
	if (d->ctl != NULL)
		ctl_server_publish(d->ctl, "tolerance_crossed", json_pack("{s:b, "
		    "s:o, s:f}", "within", st->within_tolerance, "max_error_s",
		    real_or_null(have, have ? e.max_error_s : 0), "tolerance_s",
		    tol));
	audit_record(d, "tolerance", json_pack("{s:b, s:o, s:f, s:s}",
	    "within", st->within_tolerance,
	    "max_error_s", real_or_null(have, have ? e.max_error_s : 0),
	    "tolerance_s", tstime_to_s(d->cfg->tolerance.max_error_ns),
	    "state", engine_state_name(st->state)));
}

/* ------------------------------------------------------------ shm clock */

/* Readers of the page treat it as stale this long after an update. */
#define SHM_HORIZON_NS	(10 * UPDATE_INTERVAL_NS)

static int
tsclock_state_of(enum engine_state s)
{
	switch (s) {
	case ENGINE_UNSYNCHRONIZED: break;
	case ENGINE_ACQUIRING: return TSCLOCK_ACQUIRING;
	case ENGINE_LOCKED: return TSCLOCK_LOCKED;
	case ENGINE_HOLDOVER: return TSCLOCK_HOLDOVER;
	case ENGINE_FREERUN: return TSCLOCK_FREERUN;
	}
	return TSCLOCK_UNSYNCHRONIZED;
}

/*
 * The rate readers grow max_error with, linearly, until the horizon. The
 * model's growth is not linear (sqrt(t) and t^2 terms), so the slope now
 * alone would understate it: take the steepest secant from now over
 * spans up to the horizon, and never less than the engine's own rate.
 */
static double
shm_rate(struct daemon *d, int64_t now, const struct engine_estimate *e)
{
	static const int64_t span_ns[] = { 1000000, 10000000, 100000000,
	    1000000000, SHM_HORIZON_NS };
	struct engine_estimate h;
	double r = e->max_error_rate;

	for (size_t i = 0; i < sizeof(span_ns) / sizeof(span_ns[0]); i++)
		if (engine_estimate(d->engine, now + span_ns[i], &h) == 0)
			r = fmax(r, (h.max_error_s - e->max_error_s) /
			    tstime_to_s(span_ns[i]));
	return r;
}

static void
shm_leap(struct daemon *d, int64_t real_ns, struct shmclock_figures *f)
{
	int64_t now_s = real_ns / NS_PER_S, when;
	int delta;

	if (!leap_usable(&d->leap))
		return;
	f->have_tai = true;
	f->tai_offset_s = leapfile_tai_offset(&d->leap.t, now_s);
	if (leapfile_next(&d->leap.t, now_s, &when, &delta) != 0) {
		f->have_next_leap = true;
		f->next_leap_unix_s = when;
		f->next_leap_delta_s = delta;
	}
}

/* The page for libtsclock, as of a fresh CLOCK_REALTIME/MONOTONIC pair. */
static void
shm_update(struct daemon *d)
{
	struct shmclock_figures f = { 0 };
	struct engine_status st;
	struct engine_estimate e;
	struct timespec ts;
	int64_t offs, gap = 0;

	if (d->shm == NULL)
		return;
	/*
	 * The as-of pair is one instant: readers carry the bound from it by
	 * CLOCK_MONOTONIC alone (libtsclock), so asof_real - asof_mono must
	 * be the kernel's offset itself, not two reads some time apart. When
	 * the coarse clocks will not give it (ticks kept coming), the gap
	 * between two fine reads goes into max_error instead.
	 */
	f.asof_mono_ns = daemon_mono_ns();
	if (tsclock_real_minus_mono(&offs) == 0)
		f.asof_real_ns = f.asof_mono_ns + offs;
	else {
		clock_gettime(CLOCK_REALTIME, &ts);
		f.asof_real_ns = tstime_from_timespec(&ts);
		gap = daemon_mono_ns() - f.asof_mono_ns;
	}
	f.valid_until_mono_ns = f.asof_mono_ns + SHM_HORIZON_NS;
	engine_status(d->engine, f.asof_mono_ns, &st);
	f.state = tsclock_state_of(st.state);
	f.traceable = st.traceable;
	f.clock_class = st.clock_class;
	/* sim and phc: the estimate is about another clock */
	f.not_realtime = d->cfg->clock.driver == CFG_CLOCK_SIM ||
	    d->cfg->clock.driver == CFG_CLOCK_PHC;
	if (engine_estimate(d->engine, f.asof_mono_ns, &e) == 0) {
		f.offset_s = e.offset_s;
		f.u_s = e.u_s;
		f.U_s = e.U_s;
		f.k = e.k;
		f.max_error_s = e.max_error_s + (double)gap / 1e9;
		f.max_error_rate = shm_rate(d, f.asof_mono_ns, &e);
		f.freq = e.freq;
		f.have_estimate = isfinite(f.offset_s) &&
		    isfinite(f.max_error_s) && isfinite(f.max_error_rate);
	}
	shm_leap(d, f.asof_real_ns, &f);
	shmclock_write(d->shm, &f);
}

/* Apply what the engine asks of the clock, and tell it what happened. */
static void
apply_action(struct daemon *d, int64_t now, const struct engine_action *act)
{
	bool ok = true;
	int rc;

	if (act->step) {
		kernel_expect_step(d, act->step_s);
		rc = clock_step(d->clock, tstime_from_s(act->step_s));
		if (rc < 0) {
			kernel_expect_step(d, -act->step_s);
			log_error("clock_step_failed", "cannot step the clock by "
			    "%.9f s: %s", act->step_s, strerror(-rc));
			ok = false;
		} else
			audit_record(d, "step", json_pack("{s:f}", "step_s",
			    act->step_s));
	}
	if (ok && act->set_freq) {
		rc = clock_adjust_frequency(d->clock, act->freq * 1e9);
		if (rc < 0) {
			log_rl(LL_ERR, "clock_frequency_failed", NULL, "cannot "
			    "set the clock frequency to %.3f ppb: %s",
			    act->freq * 1e9, strerror(-rc));
			ok = false;
		}
	}
	engine_applied(d->engine, now, act, ok);
}

/*
 * Every log.interval, one "statistics" record: the estimate and each
 * source's figures, for log pipelines (tsyncd(8), LOGGING).
 */
static void
log_statistics(struct daemon *d, int64_t now, const struct engine_status *st)
{
	int64_t iv = d->cfg->log.interval_ns;
	struct engine_estimate e;
	json_t *f, *srcs, *src, *all;
	size_t i;
	bool have;

	if (iv <= 0 || now - d->last_stats_ns < iv)
		return;
	d->last_stats_ns = now;
	have = engine_estimate(d->engine, now, &e) == 0;
	srcs = json_array();
	all = srcset_json(d->sources, now);
	json_array_foreach(json_object_get(all, "sources"), i, src)
		json_array_append_new(srcs, json_pack("{s:O, s:O, s:O, s:O, s:O, "
		    "s:O, s:O}", "name", json_object_get(src, "name"),
		    "state", json_object_get(src, "state"),
		    "offset_s", json_object_get(src, "offset_s"),
		    "u_s", json_object_get(src, "u_s"),
		    "max_error_s", json_object_get(src, "max_error_s"),
		    "delay_s", json_object_get(src, "delay_s") != NULL ?
		    json_object_get(src, "delay_s") : json_null(),
		    "reach", json_object_get(src, "reach") != NULL ?
		    json_object_get(src, "reach") : json_null()));
	json_decref(all);
	f = json_pack("{s:s, s:b, s:b, s:i, s:o, s:o, s:o, s:o}",
	    "state", engine_state_name(st->state), "traceable", st->traceable,
	    "within_tolerance", st->within_tolerance,
	    "clock_class", st->clock_class,
	    "offset_s", real_or_null(have, e.offset_s),
	    "u_s", real_or_null(have, e.u_s),
	    "max_error_s", real_or_null(have, e.max_error_s),
	    "sources", srcs);
	if (have)
		log_at(LL_INFO, "statistics", f, "state %s, offset %+.3e s, u "
		    "%.3e s, max_error %.3e s, %d sources",
		    engine_state_name(st->state), e.offset_s, e.u_s,
		    e.max_error_s, srcset_count(d->sources));
	else
		log_at(LL_INFO, "statistics", f, "state %s, no estimate, %d "
		    "sources", engine_state_name(st->state),
		    srcset_count(d->sources));
}

/*
 * At debug level, one "estimate" record per update with the clock's own
 * reading: what a simulation (tests/simulation) compares with the truth,
 * second by second, since it cannot reach the control socket.
 */
static void
log_estimate(struct daemon *d, int64_t now, const struct engine_status *st)
{
	struct engine_estimate e;
	int64_t real;

	if (log_level < LL_DEBUG || engine_estimate(d->engine, now, &e) < 0 ||
	    clock_read(d->clock, &real) < 0)
		return;
	log_at(LL_DEBUG, "estimate", json_pack("{s:I, s:I, s:s, s:f, s:f, s:f, "
	    "s:f}", "real_ns", (json_int_t)real, "mono_ns", (json_int_t)now,
	    "state", engine_state_name(st->state), "offset_s", e.offset_s,
	    "u_s", e.u_s, "max_error_s", e.max_error_s, "max_error_rate",
	    e.max_error_rate), "offset %+.3e s, u %.3e s, max_error %.3e s",
	    e.offset_s, e.u_s, e.max_error_s);
}

static void
on_update(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	struct engine_action act;
	struct engine_status st;
	int64_t now = daemon_mono_ns();

	kernel_watch(d, now);
	if (engine_update(d->engine, now, &act) == 0 &&
	    (act.step || act.set_freq))
		apply_action(d, now, &act);
	kernel_publish(d, now);
	engine_status(d->engine, now, &st);
	if (st.state != d->last_state) {
		audit_state(d, now, d->last_state, &st);
		d->last_state = st.state;
		publish_status(d);
		notify_state(d);
	}
	if (st.within_tolerance != d->last_within) {
		d->last_within = st.within_tolerance;
		audit_tolerance(d, now, &st);
	}
	audit_summary(d, now, &st);
	if (d->trace_pending) {
		json_t *tr = trace_json(d);

		d->trace_pending = false;
		if (tr != NULL)
			json_object_set_new(tr, "reason", json_string(d->trace_reason));
		audit_record(d, "trace", tr);
	}
	log_statistics(d, now, &st);
	log_estimate(d, now, &st);
	leap_tick(d, now);
	shm_update(d);
}

/* ------------------------------------------------------------ status */

static json_t *
clock_json(struct daemon *d)
{
	struct clock_status st;
	json_t *j;

	j = json_pack("{s:s, s:b}", "driver", clock_name(d->clock),
	    "discipline", clock_disciplined(d->clock));
	if (j == NULL)
		return NULL;
	if (strcmp(clock_label(d->clock), clock_name(d->clock)) != 0)
		json_object_set_new(j, "label", json_string(clock_label(d->clock)));
	if (clock_get_status(d->clock, &st) < 0)
		return j;
	if (st.maxerror_ns < 0) {
		/* a PHC: no kernel maxerror, esterror, leap bits or TAI offset */
		json_object_set_new(j, "kernel", json_null());
		json_object_set_new(j, "frequency_ppb", json_real(st.freq_ppb));
	} else {
		json_object_set_new(j, "kernel", json_pack(
		    "{s:f, s:f, s:b, s:s, s:i, s:f}",
		    "maxerror_s", tstime_to_s(st.maxerror_ns),
		    "esterror_s", tstime_to_s(st.esterror_ns),
		    "unsync", st.unsync,
		    "leap", st.leap == CLOCK_LEAP_INSERT ? "insert" :
		    st.leap == CLOCK_LEAP_DELETE ? "delete" : "none",
		    "tai_offset_s", st.tai_offset_s,
		    "frequency_ppb", st.freq_ppb));
	}
	return j;
}

/* The estimate, or null before there is one. JSON has no infinity. */
static json_t *
estimate_json(struct daemon *d, int64_t now)
{
	struct engine_estimate e;
	json_t *budget;

	if (engine_estimate(d->engine, now, &e) == -1)
		return json_null();
	budget = source_budget_json(&e.budget);
	return json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:o}",
	    "offset_s", e.offset_s, "u_s", e.u_s, "U_s", e.U_s, "k", e.k,
	    "max_error_s", e.max_error_s, "frequency_ppb", e.freq * 1e9,
	    "frequency_u_ppb", e.freq_u * 1e9, "budget", budget);
}

static json_t *
time_to_tolerance_json(double t)
{
	return isfinite(t) ? json_real(t) : json_null();
}

static json_t *
status_json(void *arg)
{
	struct daemon *d = arg;
	const struct cfg *cfg = d->cfg;
	struct engine_status st;
	int64_t now = daemon_mono_ns();
	char started[40];
	json_t *tol;

	if (tstime_format_iso8601(d->start_real_ns, 0, started,
	    sizeof(started)) < 0)
		strcpy(started, "");
	engine_status(d->engine, now, &st);
	tol = json_pack("{s:f, s:s?, s:b, s:o}",
	    "max_error_s", tstime_to_s(cfg->tolerance.max_error_ns),
	    "preset", cfg->tolerance.preset,
	    "within", st.within_tolerance,
	    "time_to_cross_s", time_to_tolerance_json(st.time_to_tolerance_s));
	return json_pack("{s:s, s:s, s:s, s:f, s:b, s:i, s:o, s:o, s:f, s:s, "
	    "s:s, s:o, s:o, s:o, s:{s:s, s:i}}",
	    "state", engine_state_name(st.state),
	    "reason", st.reason,
	    "reason_code", st.reason_code,
	    "state_age_s", tstime_to_s(now - (st.since_mono_ns > d->start_mono_ns ?
	    st.since_mono_ns : d->start_mono_ns)),
	    "traceable", st.traceable,
	    "clock_class", st.clock_class,
	    "estimate", estimate_json(d, now),
	    "clock", clock_json(d),
	    "uptime_s", tstime_to_s(now - d->start_mono_ns),
	    "started", started,
	    "config", cfg->path,
	    "tolerance", tol,
	    "leap", leap_json(d),
	    "sources", srcset_summary_json(d->sources, now),
	    "daemon", "version", PACKAGE_VERSION, "pid", (int)getpid());
}

/* Admin "reload": the main loop reloads at its next turn, as for SIGHUP. */
static json_t *
reload_json(void *arg)
{
	(void)arg;
	got_hup = 1;
	return json_pack("{s:b}", "reloading", 1);
}

static json_t *
sources_json(void *arg)
{
	struct daemon *d = arg;

	return srcset_json(d->sources, daemon_mono_ns());
}

static void
publish_status(struct daemon *d)
{
	if (d->ctl != NULL)
		ctl_server_publish(d->ctl, "status", status_json(d));
}

static void
metrics_sources(struct daemon *d, int64_t now, struct metrics_figures *f)
{
	struct engine_source_info si;
	struct metrics_source *ms;
	json_t *drv, *v;

	for (int i = 0; i < engine_nsources(d->engine) &&
	    f->nsources < METRICS_MAX_SOURCES; i++) {
		if (engine_source_info(d->engine, i, now, &si) == -1)
			continue;
		ms = &f->source[f->nsources++];
		ms->reach = -1;
		if ((drv = srcset_source_json(d->sources, i, now)) != NULL) {
			if (json_is_integer(v = json_object_get(drv, "reach")))
				ms->reach = (int)json_integer_value(v);
			if ((ms->have_delay = json_is_number(v =
			    json_object_get(drv, "delay_s"))))
				ms->delay_s = json_number_value(v);
			ms->dropped = (unsigned long)json_integer_value(
			    json_object_get(drv, "dropped"));
			json_decref(drv);
		}
		snprintf(ms->name, sizeof(ms->name), "%s", si.name);
		ms->state = si.state;
		ms->usable = si.usable;
		ms->have_estimate = si.have_estimate;
		ms->offset_s = si.est.offset_s;
		ms->offset_u_s = si.est.offset_se_s;
		ms->jitter_s = si.est.jitter_s;
		ms->max_error_s = si.est.hard_bound_s;
		ms->age_s = si.est.age_s;
		ms->samples = si.samples;
		ms->rejected = si.rejected;
	}
}

/* The metrics endpoint's provider: the figures of status_json(). */
static void
metrics_collect(void *arg, struct metrics_figures *f)
{
	struct daemon *d = arg;
	struct engine_status st;
	struct engine_estimate e;
	int64_t now = daemon_mono_ns();

	engine_status(d->engine, now, &st);
	f->version = PACKAGE_VERSION;
	f->state = st.state;
	f->state_age_s = tstime_to_s(now - (st.since_mono_ns > d->start_mono_ns ?
	    st.since_mono_ns : d->start_mono_ns));
	f->clock_class = st.clock_class;
	f->traceable = st.traceable;
	f->within_tolerance = st.within_tolerance;
	f->tolerance_s = tstime_to_s(d->cfg->tolerance.max_error_ns);
	f->time_to_tolerance_s = st.time_to_tolerance_s;
	if (engine_estimate(d->engine, now, &e) == 0) {
		f->have_estimate = true;
		f->offset_s = e.offset_s;
		f->u_s = e.u_s;
		f->U_s = e.U_s;
		f->max_error_s = e.max_error_s;
		f->freq_ppb = e.freq * 1e9;
	}
	metrics_sources(d, now, f);
	f->uptime_s = tstime_to_s(now - d->start_mono_ns);
	if ((f->have_ctl = d->ctl != NULL)) {
		f->ctl_clients = ctl_server_nclients(d->ctl);
		f->ctl_bad_requests = ctl_server_bad_requests(d->ctl);
		f->ctl_refused = ctl_server_refused(d->ctl);
	}
	if ((f->have_audit = d->audit != NULL))
		f->audit_failures = audit_failures(d->audit);
	if ((f->have_leap_expiry = leap_usable(&d->leap)))
		f->leap_expiry_unix_s = (double)d->leap.t.expires_unix_s;
}

/* ------------------------------------------------------------ setup */

static int
open_log(const struct cfg *cfg, bool foreground, bool debug)
{
	enum log_format fmt;
	enum log_target target;
	int level;

	fmt = cfg->log.format == CFG_LOG_JSON ? LOG_FORMAT_JSON : LOG_FORMAT_TEXT;
	if (cfg->log.file != NULL)
		target = LOG_TARGET_FILE;
	else
		target = foreground ? LOG_TARGET_STDERR : LOG_TARGET_SYSLOG;
	level = debug ? LL_DEBUG : cfg->log.level;
	return log_open(target, fmt, cfg->log.file, level);
}

static struct ctl_limits
ctl_limits_of(const struct cfg *cfg)
{
	struct ctl_limits l = {
		.max_clients = cfg->status.max_clients,
		.idle_timeout_ns = cfg->status.idle_timeout_ns,
		.admin_gid = -1,
	};
	const struct group *g;

	if (cfg->status.admin_group[0] == '\0')
		return l;
	if ((g = getgrnam(cfg->status.admin_group)) != NULL)
		l.admin_gid = (long)g->gr_gid;
	else
		log_warning("admin_group_unknown", "status.admin_group \"%s\" is "
		    "not a group on this host: admin commands are for root only",
		    cfg->status.admin_group);
	return l;
}

/*
 * Create the socket's directory (normally /run/tsyncd) when it is missing,
 * as chronyd does for /run/chrony; under systemd RuntimeDirectory= does it.
 * Only the last component is created: a missing /run is a broken host.
 */
static int
make_parent_dir(const char *path, char *err, size_t errlen)
{
	char dir[256];
	char *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return snprintf(err, errlen, "%s: path too long", path), -1;
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return snprintf(err, errlen, "cannot create %s: %s", dir,
		    strerror(errno)), -1;
	return 0;
}

static int
open_ctl(struct daemon *d, char *err, size_t errlen)
{
	struct ctl_handlers h = { .status = status_json, .leap = leap_json,
	    .sources = sources_json, .trace = trace_json, .reload = reload_json,
	    .arg = d };
	struct ctl_limits limits = ctl_limits_of(d->cfg);

	if (d->cfg->status.socket[0] == '\0') {
		log_notice("ctl_disabled", "control socket disabled (status.socket is empty)");
		return 0;
	}
	if (make_parent_dir(d->cfg->status.socket, err, errlen) == -1)
		return -1;
	d->ctl = ctl_server_create(d->base, d->cfg->status.socket, &limits,
	    &h, err, errlen);
	return d->ctl != NULL ? 0 : -1;
}

/*
 * Before the privilege drop: the file stays open, so appends need no
 * rights on the directory afterwards (rotation does: see the unit's
 * StateDirectory=).
 */
static int
open_audit(struct daemon *d, char *err, size_t errlen)
{
	const struct cfg_audit *ac = &d->cfg->audit;
	char why[CFG_ERR_LEN - 64];	/* room for the prefix in err */

	if (ac->file[0] == '\0') {
		log_notice("audit_disabled", "audit log disabled (audit.file "
		    "is empty)");
		return 0;
	}
	if (make_parent_dir(ac->file, err, errlen) == -1)
		return -1;
	d->audit = audit_open(ac->file, PACKAGE_VERSION, d->cfg->path, why,
	    sizeof(why));
	if (d->audit == NULL)
		return snprintf(err, errlen, "cannot open the audit log %s",
		    why), -1;
	audit_set_keep(d->audit, ac->keep);
	summary_reset(&d->sum, daemon_mono_ns());
	return 0;
}

/* Before the privilege drop: a port below 1024 needs CAP_NET_BIND_SERVICE. */
static int
open_metrics(struct daemon *d, char *err, size_t errlen)
{
	struct metrics_handlers h = { .collect = metrics_collect, .arg = d };

	if (d->cfg->status.metrics[0] == '\0')
		return 0;
	d->metrics = metrics_create(d->base, d->cfg->status.metrics, &h, err,
	    errlen);
	if (d->metrics == NULL)
		return -1;
	log_notice("metrics_listening", "metrics on http://%s/metrics",
	    d->cfg->status.metrics);
	return 0;
}

/*
 * Before the privilege drop: the page is created by root in /run/tsyncd
 * and stays mapped for writing afterwards. After the control socket, so
 * that a second tsyncd that cannot bind never replaces a live page.
 */
static int
open_shm(struct daemon *d, char *err, size_t errlen)
{
	const char *path = d->cfg->status.shm;

	if (path[0] == '\0') {
		log_notice("shm_disabled", "shared-memory clock disabled "
		    "(status.shm is empty)");
		return 0;
	}
	if (make_parent_dir(path, err, errlen) == -1)
		return -1;
	d->shm = shmclock_create(path, err, errlen);
	if (d->shm == NULL)
		return -1;
	shm_update(d);
	return 0;
}

/* Only a disciplined system clock writes CLOCK_REALTIME. */
static bool
needs_sys_time(const struct cfg *cfg)
{
	return cfg->clock.discipline && cfg->clock.driver == CFG_CLOCK_SYSTEM;
}

static int
drop_privileges(struct daemon *d, char *err, size_t errlen)
{
	static const int sys_time[] = { CAP_SYS_TIME };
	const char *user = d->cfg->privileges.user;
	int n = needs_sys_time(d->cfg) ? 1 : 0;
	int rc;

	if (user[0] == '\0')
		return 0;
	rc = privdrop_apply(user, sys_time, n, err, errlen);
	if (rc == -1)
		return -1;
	d->dropped = rc == 0;
	if (d->dropped)
		log_at(LL_NOTICE, "privileges_dropped", json_pack("{s:s, s:s}",
		    "user", user, "capabilities", n ? "cap_sys_time" : ""),
		    "running as %s with %s", user,
		    n ? "CAP_SYS_TIME only" : "no capabilities");
	return 0;
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	/* Nothing to do: waking the loop lets main() look at the flags. */
}

static int
setup(struct daemon *d, char *err, size_t errlen)
{
	struct event_config *ecfg;
	struct timeval tv = { 0, TICK_US };

	ecfg = event_config_new();
	if (ecfg == NULL)
		return snprintf(err, errlen, "out of memory"), -1;
	/* Monotonic timers; no locking: the daemon is single-threaded. */
	event_config_set_flag(ecfg, EVENT_BASE_FLAG_NOLOCK);
	d->base = event_base_new_with_config(ecfg);
	event_config_free(ecfg);
	if (d->base == NULL)
		return snprintf(err, errlen, "cannot create the event loop"), -1;
	signal_base = d->base;
	d->tick = event_new(d->base, -1, EV_PERSIST, on_tick, d);
	if (d->tick == NULL || event_add(d->tick, &tv) == -1)
		return snprintf(err, errlen, "cannot add the loop timer"), -1;
	d->clock = clock_create(&d->cfg->clock, err, errlen);
	if (d->clock == NULL)
		return -1;
	kernel_init(d);
	d->engine = engine_for(d->cfg, d);
	if (d->engine == NULL)
		return snprintf(err, errlen, "cannot create the estimation engine"), -1;
	d->sources = sources_for(d->cfg, d->engine, d, err, errlen);
	if (d->sources == NULL)
		return -1;
	tv.tv_sec = UPDATE_INTERVAL_S;
	tv.tv_usec = 0;
	d->update = event_new(d->base, -1, EV_PERSIST, on_update, d);
	if (d->update == NULL || event_add(d->update, &tv) == -1)
		return snprintf(err, errlen, "cannot add the update timer"), -1;
	if (open_ctl(d, err, errlen) == -1 || open_shm(d, err, errlen) == -1 ||
	    open_audit(d, err, errlen) == -1 ||
	    open_metrics(d, err, errlen) == -1)
		return -1;
	if (drop_privileges(d, err, errlen) < 0)
		return -1;
	if (!d->cfg->privileges.seccomp)
		return 0;
	if (sandbox_apply(err, errlen) < 0)
		return -1;
	d->sandboxed = true;
	log_notice("seccomp_enabled", "system-call allowlist installed (%d "
	    "calls allowed; others fail with EPERM)", sandbox_allowed_count());
	return 0;
}

static void
teardown(struct daemon *d)
{
	if (d->shm != NULL)
		shmclock_destroy(d->shm);	/* readers see "stopped" */
	if (d->metrics != NULL)
		metrics_destroy(d->metrics);
	if (d->ctl != NULL)
		ctl_server_destroy(d->ctl);
	if (d->audit != NULL)
		audit_close(d->audit);
	srcset_destroy(d->sources);
	if (d->engine != NULL)
		engine_destroy(d->engine);
	if (d->clock != NULL)
		clock_destroy(d->clock);
	if (d->update != NULL)
		event_free(d->update);
	if (d->tick != NULL)
		event_free(d->tick);
	signal_base = NULL;
	if (d->base != NULL)
		event_base_free(d->base);
	cfg_free(d->cfg);
}

/* ------------------------------------------------------------ reload */

static bool
clock_cfg_changed(const struct cfg_clock *a, const struct cfg_clock *b)
{
	return a->driver != b->driver || a->discipline != b->discipline ||
	    memcmp(&a->sim, &b->sim, sizeof(a->sim)) != 0 ||
	    a->timescale != b->timescale ||
	    (a->phc == NULL) != (b->phc == NULL) ||
	    (a->phc != NULL && strcmp(a->phc, b->phc) != 0) ||
	    (a->interface == NULL) != (b->interface == NULL) ||
	    (a->interface != NULL && strcmp(a->interface, b->interface) != 0);
}

/* Settings read at start only: the new file's value waits for a restart. */
static void
keep_at_restart(const char *key, char **nval, const char *cur)
{
	char *copy;

	if (strcmp(*nval, cur) == 0)
		return;
	log_warning("config_restart_required", "%s changed to \"%s\": the "
	    "new value takes effect at the next start; still using \"%s\"",
	    key, *nval, cur);
	if ((copy = strdup(cur)) == NULL)
		fatalx("out_of_memory", "out of memory");
	free(*nval);
	*nval = copy;
}

/* After the drop CAP_SYS_TIME cannot come back: refuse, do not limp. */
static bool
reload_needs_restart(const struct daemon *d, const struct cfg *ncfg)
{
	if (!d->dropped || !needs_sys_time(ncfg) || needs_sys_time(d->cfg))
		return false;
	log_error("config_reload_failed", "disciplining the system clock needs "
	    "CAP_SYS_TIME, given up at start (privileges.user %s); restart "
	    "tsyncd to apply; keeping the running configuration",
	    d->cfg->privileges.user);
	return true;
}

static void
reload(struct daemon *d)
{
	char err[CFG_ERR_LEN];
	struct cfg *ncfg;
	struct clock *nclock = NULL;
	struct engine *nengine = NULL;
	struct srcset *nsources = NULL;
	struct engine_params pa, pb;
	struct ctl_limits limits;
	bool keep;

	if (cfg_load(d->cfg_path, &ncfg, err, sizeof(err)) == -1) {
		log_at(LL_ERR, "config_reload_failed",
		    json_pack("{s:s}", "error", err),
		    "%s; keeping the running configuration", err);
		return;
	}
	if (reload_needs_restart(d, ncfg)) {
		cfg_free(ncfg);
		return;
	}
	if (clock_cfg_changed(&d->cfg->clock, &ncfg->clock)) {
		nclock = clock_create(&ncfg->clock, err, sizeof(err));
		if (nclock == NULL) {
			log_error("config_reload_failed", "clock: %s; keeping "
			    "the running configuration", err);
			cfg_free(ncfg);
			return;
		}
	}
	/*
	 * Unchanged clock, engine and sources keep their state and history;
	 * otherwise a new engine and new sources start from unsynchronized.
	 */
	engine_params_of(d->cfg, &pa);
	engine_params_of(ncfg, &pb);
	keep = nclock == NULL && memcmp(&pa, &pb, sizeof(pa)) == 0 &&
	    srcset_cfg_equal(d->cfg, ncfg);
	if (!keep && ((nengine = engine_for(ncfg, d)) == NULL ||
	    (nsources = sources_for(ncfg, nengine, d, err, sizeof(err))) == NULL)) {
		log_error("config_reload_failed", "%s; keeping the running "
		    "configuration", nengine == NULL ? "cannot create the "
		    "estimation engine" : err);
		if (nengine != NULL)
			engine_destroy(nengine);
		if (nclock != NULL)
			clock_destroy(nclock);
		cfg_free(ncfg);
		return;
	}
	keep_at_restart("status.socket", &ncfg->status.socket,
	    d->cfg->status.socket);
	keep_at_restart("audit.file", &ncfg->audit.file, d->cfg->audit.file);
	keep_at_restart("status.metrics", &ncfg->status.metrics,
	    d->cfg->status.metrics);
	keep_at_restart("status.shm", &ncfg->status.shm, d->cfg->status.shm);
	keep_at_restart("privileges.user", &ncfg->privileges.user,
	    d->cfg->privileges.user);
	if (open_log(ncfg, d->foreground, d->debug) == -1)
		log_warning("log_reopen_failed", "cannot open the new log "
		    "target: %s; keeping the old one", strerror(errno));
	if (nclock != NULL) {
		clock_destroy(d->clock);
		d->clock = nclock;
		kernel_init(d);
	}
	if (keep) {
		srcset_rebind(d->sources, ncfg);
	} else {
		srcset_destroy(d->sources);
		d->sources = nsources;
		engine_destroy(d->engine);
		d->engine = nengine;
		d->leap_prof_set = false;	/* the new engine needs it (leap_tick) */
	}
	cfg_free(d->cfg);
	d->cfg = ncfg;
	limits = ctl_limits_of(d->cfg);
	if (d->ctl != NULL)
		ctl_server_set_limits(d->ctl, &limits);
	if (d->audit != NULL)
		audit_set_keep(d->audit, d->cfg->audit.keep);
	log_notice("config_reloaded", "configuration reloaded from %s",
	    d->cfg_path);
	audit_record(d, "config", audit_config_data(d->cfg_path));
	publish_status(d);
}

/* ------------------------------------------------------------ main */

/*
 * Detach. The parent waits on a pipe until the child reports that start-up
 * succeeded (byte 0) or failed (byte 1), so that errors reach the shell.
 */
static int
daemonize(int *notify_fd)
{
	int p[2], fd;
	char c = 1;
	pid_t pid;

	if (pipe(p) == -1)
		return -1;
	pid = fork();
	if (pid == -1)
		return -1;
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			c = 1;
		_exit(c == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
	}
	close(p[0]);
	*notify_fd = p[1];
	if (setsid() == -1 || chdir("/") == -1)
		return -1;
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd == -1)
		return -1;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
	return 0;
}

static void
notify_parent(int *fd, char result)
{
	if (*fd < 0)
		return;
	if (write(*fd, &result, 1) != 1) {
		/* The parent is gone; nothing to tell. */
	}
	close(*fd);
	*fd = -1;
}

static void
watchdog_ping(struct daemon *d)
{
	int64_t now = daemon_mono_ns();

	if (d->watchdog_ns > 0 && now - d->last_watchdog_ns >= d->watchdog_ns) {
		notify_watchdog();
		d->last_watchdog_ns = now;
	}
}

static void
run(struct daemon *d)
{
	while (!got_term) {
		watchdog_ping(d);
		if (event_base_loop(d->base, EVLOOP_ONCE) == -1) {
			log_error("event_loop_failed", "event loop failed: %s",
			    strerror(errno));
			break;
		}
		if (got_hup) {
			got_hup = 0;
			notify_reloading();
			reload(d);
			leap_load(d);
			notify_state(d);
			notify_ready();
		}
	}
	notify_stopping();
	if (got_term)
		log_notice("stopping", "received %s, exiting",
		    got_term == SIGINT ? "SIGINT" : "SIGTERM");
}

static int
check_config(const char *path)
{
	char err[CFG_ERR_LEN];
	struct cfg *cfg;

	if (cfg_load(path, &cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return EXIT_CONFIG_INVALID;
	}
	printf("%s: configuration OK\n", path);
	cfg_free(cfg);
	return EXIT_SUCCESS;
}

static int
parse_args(int argc, char **argv, struct daemon *d, bool *check_only)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "df:nt", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': d->debug = true; break;
		case 'f': d->cfg_path = optarg; break;
		case 'n': d->foreground = true; break;
		case 't': *check_only = true; break;
		case 'h': usage(stdout); exit(EXIT_SUCCESS);
		case 'V': printf("tsyncd %s\n", PACKAGE_VERSION); exit(EXIT_SUCCESS);
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tsyncd: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct daemon d = { .cfg_path = CFG_DEFAULT_PATH };
	struct timespec start;
	char err[CFG_ERR_LEN];
	bool check_only = false;
	int notify_fd = -1;

	if (parse_args(argc, argv, &d, &check_only) == -1)
		return EXIT_CONFIG_INVALID;
	if (check_only)
		return check_config(d.cfg_path);
	if (cfg_load(d.cfg_path, &d.cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "tsyncd: %s\n", err);
		return EXIT_CONFIG_INVALID;
	}
	umask(022);
	if (!d.foreground && daemonize(&notify_fd) == -1) {
		fprintf(stderr, "tsyncd: cannot detach: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	if (open_log(d.cfg, d.foreground, d.debug) == -1) {
		fprintf(stderr, "tsyncd: cannot open the log: %s\n", strerror(errno));
		notify_parent(&notify_fd, 1);
		return EXIT_FAILURE;
	}
	if (install_signals() == -1)
		fatalx("startup_failed", "sigaction: %s", strerror(errno));
	d.start_mono_ns = daemon_mono_ns();
	d.last_state = ENGINE_UNSYNCHRONIZED;
	if (setup(&d, err, sizeof(err)) == -1) {
		log_error("startup_failed", "%s", err);
		notify_parent(&notify_fd, 1);
		teardown(&d);
		return EXIT_FAILURE;
	}
	/* "started" is a UTC date: a TAI PHC's reading is not one. */
	if (clock_keeps_tai(d.clock) &&
	    clock_gettime(CLOCK_REALTIME, &start) == 0)
		d.start_real_ns = tstime_from_timespec(&start);
	else
		clock_read(d.clock, &d.start_real_ns);
	log_at(LL_NOTICE, "started", json_pack("{s:s, s:s, s:s, s:b, s:s}",
	    "version", PACKAGE_VERSION, "config", d.cfg->path,
	    "clock", clock_name(d.clock), "discipline", clock_disciplined(d.clock),
	    "socket", d.cfg->status.socket),
	    "tsyncd %s started: clock %s, discipline %s, config %s",
	    PACKAGE_VERSION, clock_name(d.clock),
	    clock_disciplined(d.clock) ? "on" : "off", d.cfg->path);
	leap_load(&d);
	notify_parent(&notify_fd, 0);
	notify_state(&d);
	notify_ready();
	if (notify_watchdog_interval_ns(&d.watchdog_ns))
		d.last_watchdog_ns = daemon_mono_ns() - d.watchdog_ns;	/* ping at once */
	run(&d);
	teardown(&d);
	log_close();
	return EXIT_SUCCESS;
}

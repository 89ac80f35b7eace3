/*
 * source_ptp.c - `type: ptp`: follow a linuxptp ptp4l over its management
 * socket, as pmc and phc2sys do, and turn its measurements into samples.
 *
 * Transport. A Unix datagram socket bound to <rundir>/ptp-<name>.sock
 * (ptp4l answers to the sender's path; the file is removed on stop)
 * sends to ptp4l's `uds`. sourcePortIdentity is pmc_port_from_pid() with
 * the engine id as portNumber, so two sources on one ptp4l keep their own
 * subscriptions (ptp4l keys them by identity).
 *
 * Polling. Every interval (2^poll_min s, at most 1 s: a ptp4l slave has a
 * new offset at every Sync, once a second by default, and a slower poll
 * would only throw measurements away; `poll: [-2, ...]` suits faster Sync
 * rates) one cycle of GETs goes out, in this order: PARENT_DATA_SET,
 * TIME_PROPERTIES_DATA_SET, CURRENT_DATA_SET, PORT_DATA_SET (every port),
 * TIME_STATUS_NP. ptp4l answers in order, so when TIME_STATUS_NP arrives
 * the cycle is complete; a TIME_STATUS_NP with an ingress_time already
 * seen is the same Sync and makes no sample, nor does the one of a cycle
 * whose time properties changed (ptp_guard_props()). A PARENT_DATA_SET naming
 * ptp4l's own clock (a ptp4l that has no master yet) is shown but is no
 * grandmaster: no GM-change or quality events for it. SET SUBSCRIBE_EVENTS_NP
 * (port state, parent data set) is renewed every SUB_RENEW_S of its
 * SUB_DURATION_S, so port-state changes act at once.
 *
 * ptp4l lost. A send refused (no socket at `uds`) or LOST_CYCLES cycles
 * without an answer make the source unreachable (event ptp_engine_lost);
 * cycles continue with a doubling back-off up to BACKOFF_MAX_S, and the
 * first answer resubscribes (event ptp_engine_back).
 *
 * Usable when the port facing the master is SLAVE (or UNCALIBRATED with
 * `free_running: true`: ptp4l only measures, tsyncd is the servo), a
 * grandmaster is present and UTC is known (ptp_check()). Samples, budget,
 * timescales: ptp_sample.h. Traceable (env->set_traceable) when the
 * configuration names the UTC(k) (`trace:`) and the grandmaster backs it
 * (ptp_gm_traceable()).
 *
 * With `phc:`/`interface:` ptp4l timestamps in hardware: its clock is the
 * PHC, read against CLOCK_REALTIME at every cycle (phc.h); the Sync's PHC
 * instant is mapped onto CLOCK_REALTIME between the last two readings.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "cfg.h"
#include "log.h"
#include "phc.h"
#include "pmc_codec.h"
#include "ptp_sample.h"
#include "source_private.h"

#define LOST_CYCLES	4	/* cycles without an answer: ptp4l is gone */
#define BACKOFF_MAX_S	16.0
#define SUB_DURATION_S	180
#define SUB_RENEW_S	60.0
#define MAX_PORTS	16
#define RUNDIR_DEFAULT	"/run/tsyncd"
/* Declared limit on how much the PHC's rate against CLOCK_REALTIME may
 * change between two readings: ptp4l steers the PHC at every Sync unless
 * it runs free. */
#define PHC_RATE_CHANGE_FREE	1e-7
#define PHC_RATE_CHANGE_STEERED	1e-6

static const uint16_t cycle_ids[] = {
	PMC_ID_PARENT_DATA_SET, PMC_ID_TIME_PROPERTIES_DATA_SET,
	PMC_ID_CURRENT_DATA_SET, PMC_ID_PORT_DATA_SET, PMC_ID_TIME_STATUS_NP,
};

struct port_entry {
	uint16_t	number;
	uint8_t		state;
};

struct ptp {
	int		fd;
	char		path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool		bound;
	struct sockaddr_un peer;
	struct event	*rx, *timer;
	struct pmc_hdr	hdr;		/* our addressing; sequenceId per request */
	uint16_t	seq;
	uint16_t	ts_seq;		/* this cycle's TIME_STATUS_NP request */
	unsigned long	cycle;		/* cycles sent */
	unsigned long	ambiguous_cycle; /* properties changed in this one */
	bool		answered;	/* this cycle's TIME_STATUS_NP came */
	uint8_t		reach;
	unsigned	unanswered;
	bool		lost, ever_answered;
	double		backoff_s;
	bool		subscribed;
	int64_t		sub_due_ns;	/* CLOCK_MONOTONIC */

	struct ptp_view	v;
	struct port_entry ports[MAX_PORTS];
	int		nports;
	struct ptp_guard guard;
	int64_t		last_ingress_ns;
	bool		have_gm, gm_self;
	uint8_t		gm[8];
	bool		traceable, traceable_sent;
	char		why[128];	/* the current reason for not sampling */

	bool		use_phc;
	struct phc	phc;
	bool		have_read;
	struct ptp_phc_reading last_read;

	bool		have_sample;
	struct sample	last;
	struct ptp_terms terms;

	unsigned long	sent, received, samples, errors, reconnects, skipped;
};

static void	schedule(struct source *s, double after_s);

static double
interval_s(const struct source *s)
{
	return ldexp(1.0, s->cfg->poll_min < 0 ? s->cfg->poll_min : 0);
}

static int64_t
mono_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
drop(struct source *s, const char *why)
{
	s->dropped++;
	log_rl(LL_INFO, "ptp_message_dropped", NULL, "%s: message from ptp4l "
	    "dropped: %s", s->cfg->name, why);
}

static const char *
rundir_of(const struct source *s)
{
	const char *d = s->env.rundir;

	if (d == NULL || *d == '\0')
		d = getenv("TSYNCD_RUNDIR");
	return d != NULL && *d != '\0' ? d : RUNDIR_DEFAULT;
}

/* ------------------------------------------------------------ health */

static void
set_traceable(struct source *s)
{
	struct ptp *p = s->priv;
	bool t = s->cfg->trace != NULL && ptp_gm_traceable(&p->v) &&
	    !p->guard.relabelled;

	if (p->traceable_sent && t == p->traceable)
		return;
	p->traceable = t;
	p->traceable_sent = true;
	if (s->env.set_traceable != NULL)
		s->env.set_traceable(s->env.arg, s->id, t);
}

/* Not sampling, and why; an event when the reason changes. */
static void
unusable(struct source *s, const char *why)
{
	struct ptp *p = s->priv;

	if (s->health == SOURCE_UNUSABLE && strcmp(p->why, why) == 0)
		return;
	snprintf(p->why, sizeof(p->why), "%s", why);
	source_set_health(s, SOURCE_UNUSABLE, why);
	source_emit(s, "ptp_unusable", "%s: %s", s->cfg->name, why);
}

static void
engine_lost(struct source *s, const char *why)
{
	struct ptp *p = s->priv;

	if (p->lost)
		return;
	p->lost = true;
	p->subscribed = false;
	p->backoff_s = interval_s(s);
	snprintf(p->why, sizeof(p->why), "ptp4l lost: %s", why);
	source_set_health(s, SOURCE_UNREACHABLE, p->why);
	source_emit(s, "ptp_engine_lost", "%s: ptp4l at %s: %s", s->cfg->name,
	    s->cfg->uds, why);
}

static void
engine_back(struct source *s)
{
	struct ptp *p = s->priv;

	p->unanswered = 0;
	if (!p->lost)
		return;
	p->lost = false;
	p->reconnects++;
	p->why[0] = '\0';
	/* A restarted ptp4l forgot us: subscribe again, relearn the ports. */
	p->subscribed = false;
	p->sub_due_ns = 0;
	p->nports = 0;
	p->v.port_state = 0;
	p->have_read = false;
	source_set_health(s, SOURCE_STARTING, NULL);
	p->backoff_s = interval_s(s);
	schedule(s, interval_s(s));
	source_emit(s, "ptp_engine_back", "%s: ptp4l at %s answers again",
	    s->cfg->name, s->cfg->uds);
}

/* ------------------------------------------------------------ socket */

static void	on_readable(evutil_socket_t fd, short what, void *arg);

static void
close_socket(struct ptp *p)
{
	if (p->rx != NULL)
		event_free(p->rx);
	p->rx = NULL;
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	if (p->bound)
		unlink(p->path);
	p->bound = false;
}

/* A socket file left by a daemon that died is ours to replace. */
static int
clear_stale(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : (snprintf(err, errlen, "%s: %s",
		    path, strerror(errno)), -1);
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", path);
		return -1;
	}
	return unlink(path) < 0 && errno != ENOENT ? (snprintf(err, errlen,
	    "remove %s: %s", path, strerror(errno)), -1) : 0;
}

static int
open_socket(struct source *s, char *err, size_t errlen)
{
	struct ptp *p = s->priv;
	struct sockaddr_un sa;
	int n;

	n = snprintf(p->path, sizeof(p->path), "%s/ptp-%s.sock", rundir_of(s),
	    s->cfg->name);
	if (n < 0 || (size_t)n >= sizeof(p->path)) {
		snprintf(err, errlen, "client socket path under %s too long",
		    rundir_of(s));
		return -1;
	}
	if (clear_stale(p->path, err, errlen) < 0)
		return -1;
	p->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/* Type flags are refused by some syscall interposers (clknetsim). */
	if (p->fd < 0 && errno == EINVAL &&
	    (p->fd = socket(AF_UNIX, SOCK_DGRAM, 0)) >= 0 &&
	    (fcntl(p->fd, F_SETFL, fcntl(p->fd, F_GETFL) | O_NONBLOCK) < 0 ||
	    fcntl(p->fd, F_SETFD, FD_CLOEXEC) < 0)) {
		snprintf(err, errlen, "fcntl: %s", strerror(errno));
		close_socket(p);
		return -1;
	}
	if (p->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, p->path, strlen(p->path) + 1);
	if (bind(p->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen, "bind %s: %s", p->path, strerror(errno));
		close_socket(p);
		return -1;
	}
	p->bound = true;
	p->rx = event_new(s->env.base, p->fd, EV_READ | EV_PERSIST,
	    on_readable, s);
	if (p->rx == NULL || event_add(p->rx, NULL) < 0) {
		snprintf(err, errlen, "cannot watch the client socket");
		close_socket(p);
		return -1;
	}
	return 0;
}

/* 0, or a negative errno. */
static int
send_msg(struct source *s, const uint8_t *buf, int len)
{
	struct ptp *p = s->priv;

	if (len < 0)
		return -EINVAL;
	if (sendto(p->fd, buf, (size_t)len, 0, (struct sockaddr *)&p->peer,
	    sizeof(p->peer)) < 0)
		return -errno;
	p->sent++;
	return 0;
}

static int
send_get(struct source *s, uint16_t id)
{
	struct ptp *p = s->priv;
	uint8_t buf[PMC_MAX_MSG_LEN];

	p->hdr.sequenceId = p->seq++;
	if (id == PMC_ID_TIME_STATUS_NP)
		p->ts_seq = p->hdr.sequenceId;
	return send_msg(s, buf, pmc_encode_get(buf, sizeof(buf), &p->hdr, id,
	    false));
}

static int
send_subscribe(struct source *s)
{
	struct ptp *p = s->priv;
	struct pmc_subscribe_events sub;
	uint8_t buf[PMC_MAX_MSG_LEN];

	memset(&sub, 0, sizeof(sub));
	sub.duration_s = SUB_DURATION_S;
	pmc_subscribe_add(&sub, PMC_NOTIFY_PORT_STATE);
	pmc_subscribe_add(&sub, PMC_NOTIFY_PARENT_DATA_SET);
	p->hdr.sequenceId = p->seq++;
	/* Retried at the next renewal if refused or unanswered. */
	p->sub_due_ns = mono_now_ns() + (int64_t)(SUB_RENEW_S * 1e9);
	return send_msg(s, buf, pmc_encode_subscribe(buf, sizeof(buf), &p->hdr,
	    &sub));
}

/* ------------------------------------------------------------ samples */

static int
phc_sample_time(struct source *s, int64_t ingress, int64_t *sys_ns,
    double *bound_s)
{
	struct ptp *p = s->priv;
	struct ptp_phc_reading r;
	double rc_max = s->cfg->free_running ? PHC_RATE_CHANGE_FREE :
	    PHC_RATE_CHANGE_STEERED;
	char err[160];
	int rc;

	if (p->phc.fd < 0 && phc_open(&p->phc, s->cfg->phc, s->cfg->interface,
	    err, sizeof(err)) < 0) {
		unusable(s, err);
		return -1;
	}
	if ((rc = phc_read(&p->phc, &r)) < 0) {
		snprintf(err, sizeof(err), "%s: read: %s", p->phc.device,
		    strerror(-rc));
		unusable(s, err);
		phc_close(&p->phc);
		p->have_read = false;
		return -1;
	}
	rc = p->have_read ? ptp_phc_to_sys(&p->last_read, &r, ingress, rc_max,
	    sys_ns, bound_s) : -1;
	p->last_read = r;
	p->have_read = true;
	return rc;
}

static void
guard_event(struct source *s, enum ptp_guard_event ev)
{
	struct ptp *p = s->priv;
	int u = p->v.tp.currentUtcOffset;

	switch (ev) {
	case PTP_GUARD_RELABEL:
		source_emit(s, "ptp_timescale_mismatch", "%s: the grandmaster "
		    "set ptpTimescale but its time did not move by "
		    "currentUtcOffset (%d s): it keeps UTC labelled as TAI; "
		    "corrected by %d s, not traceable", s->cfg->name, u, u);
		break;
	case PTP_GUARD_WAS_UTC:
		source_emit(s, "ptp_timescale_mismatch", "%s: the grandmaster "
		    "cleared ptpTimescale and its time moved by currentUtcOffset "
		    "(%d s): it had kept UTC labelled as TAI, and the offsets "
		    "before were %d s off", s->cfg->name, u, u);
		break;
	case PTP_GUARD_CLEARED:
		source_emit(s, "ptp_timescale_mismatch", "%s: the grandmaster "
		    "cleared ptpTimescale: its UTC time is taken as it is again",
		    s->cfg->name);
		break;
	case PTP_GUARD_NONE:
		break;
	}
}

static void
make_sample(struct source *s)
{
	struct ptp *p = s->priv;
	struct ptp_sample_in in;
	struct sample smp;
	struct timespec ts;
	int64_t sys_ns = p->v.ts.ingress_time_ns, mono, local;
	enum ptp_guard_event ev;

	memset(&in, 0, sizeof(in));
	in.phc = p->use_phc;
	in.asymmetry_s = s->cfg->asymmetry_ns >= 0 ?
	    (double)s->cfg->asymmetry_ns * 1e-9 : -1;
	if (p->use_phc && phc_sample_time(s, p->v.ts.ingress_time_ns, &sys_ns,
	    &in.phc_bound_s) < 0)
		return;
	ts.tv_sec = (time_t)(sys_ns / 1000000000);
	ts.tv_nsec = (long)(sys_ns % 1000000000);
	if (s->env.map_real(s->env.arg, &ts, &mono, &local) < 0) {
		drop(s, "cannot read the clock");
		return;
	}
	in.ingress_ns = p->v.ts.ingress_time_ns;
	in.local_ns = local;
	ptp_sample_make(&p->v, &in, &smp, &p->terms);
	ev = ptp_guard_check(&p->guard, smp.offset_s);
	if ((in.relabel_ns = ptp_guard_relabel_ns(&p->guard)) != 0)
		ptp_sample_make(&p->v, &in, &smp, &p->terms);
	guard_event(s, ev);
	if (ev != PTP_GUARD_NONE)
		set_traceable(s);
	ptp_guard_delivered(&p->guard, smp.offset_s);
	smp.mono_ns = mono;
	smp.local_ns = local;
	p->last = smp;
	p->have_sample = true;
	p->samples++;
	p->why[0] = '\0';
	source_set_health(s, SOURCE_OK, NULL);
	s->env.sample(s->env.arg, s->id, &smp);
}

/* The cycle is complete: sample its Sync if it is new and usable. */
static void
evaluate(struct source *s)
{
	struct ptp *p = s->priv;
	enum ptp_verdict r = ptp_check(&p->v, s->cfg->free_running);

	if (r == PTP_NO_DATA && s->health == SOURCE_STARTING)
		return;
	if (r != PTP_OK) {
		unusable(s, ptp_verdict_str(r));
		return;
	}
	if (p->v.ts.ingress_time_ns == p->last_ingress_ns)
		return;
	p->last_ingress_ns = p->v.ts.ingress_time_ns;
	if (p->ambiguous_cycle == p->cycle) {
		p->skipped++;
		return;
	}
	make_sample(s);
}

/* ------------------------------------------------------------ datasets */

static void
on_parent(struct source *s, const struct pmc_parent_ds *pd,
    const uint8_t ptp4l_id[8])
{
	struct ptp *p = s->priv;
	const struct pmc_clock_quality *q = &pd->grandmasterClockQuality;
	const struct pmc_clock_quality *o = &p->v.parent.grandmasterClockQuality;
	char was[PMC_CLOCK_ID_STRLEN], now[PMC_CLOCK_ID_STRLEN];
	bool was_self = p->gm_self;

	p->gm_self = memcmp(pd->grandmasterIdentity, ptp4l_id, 8) == 0;
	if (p->gm_self) {
		p->v.parent = *pd;
		p->v.have_parent = true;
		set_traceable(s);
		return;
	}
	if (p->have_gm && memcmp(p->gm, pd->grandmasterIdentity, 8) != 0) {
		source_emit(s, "ptp_gm_changed", "%s: grandmaster %s -> %s "
		    "(clockClass %u, clockAccuracy 0x%02x)", s->cfg->name,
		    pmc_clock_id_str(p->gm, was),
		    pmc_clock_id_str(pd->grandmasterIdentity, now),
		    q->clockClass, q->clockAccuracy);
		ptp_guard_reset(&p->guard);
		/* The old GM's time says nothing about the new one's. */
		p->guard.have_props = p->v.have_properties;
		p->guard.ptpTimescale = p->v.tp.ptpTimescale;
		p->guard.valid = p->v.tp.currentUtcOffsetValid;
		p->guard.utc_offset = p->v.tp.currentUtcOffset;
	} else if (p->v.have_parent && !was_self && (q->clockClass !=
	    o->clockClass ||
	    q->clockAccuracy != o->clockAccuracy)) {
		source_emit(s, "ptp_gm_quality", "%s: grandmaster %s: clockClass "
		    "%u -> %u, clockAccuracy 0x%02x -> 0x%02x", s->cfg->name,
		    pmc_clock_id_str(pd->grandmasterIdentity, now), o->clockClass,
		    q->clockClass, o->clockAccuracy, q->clockAccuracy);
	}
	memcpy(p->gm, pd->grandmasterIdentity, 8);
	p->have_gm = true;
	p->v.parent = *pd;
	p->v.have_parent = true;
	set_traceable(s);
}

static void
on_properties(struct source *s, const struct pmc_time_properties *tp)
{
	struct ptp *p = s->priv;
	const struct pmc_time_properties *o = &p->v.tp;

	if (p->v.have_properties && !p->gm_self && (o->flags != tp->flags ||
	    o->currentUtcOffset != tp->currentUtcOffset ||
	    o->timeSource != tp->timeSource))
		source_emit(s, "ptp_gm_quality", "%s: time properties: flags "
		    "0x%02x -> 0x%02x, currentUtcOffset %d -> %d, timeSource %s "
		    "-> %s", s->cfg->name, o->flags, tp->flags,
		    o->currentUtcOffset, tp->currentUtcOffset,
		    pmc_time_source_name(o->timeSource),
		    pmc_time_source_name(tp->timeSource));
	if (ptp_guard_props(&p->guard, tp))
		p->ambiguous_cycle = p->cycle;
	p->v.tp = *tp;
	p->v.have_properties = true;
	set_traceable(s);
}

/* The port facing the master: SLAVE, else UNCALIBRATED, else the first. */
static uint8_t
master_port_state(const struct ptp *p)
{
	uint8_t best = 0;

	for (int i = 0; i < p->nports; i++) {
		uint8_t st = p->ports[i].state;

		if (st == PMC_PS_SLAVE)
			return st;
		if (st == PMC_PS_UNCALIBRATED)
			best = st;
		else if (best == 0)
			best = st;
	}
	return best;
}

static void
on_port(struct source *s, const struct pmc_port_ds *pd)
{
	struct ptp *p = s->priv;
	uint8_t was = p->v.port_state;
	int i;

	for (i = 0; i < p->nports; i++)
		if (p->ports[i].number == pd->portIdentity.portNumber)
			break;
	if (i == p->nports) {
		if (p->nports == MAX_PORTS)
			return;
		p->nports++;
		p->ports[i].number = pd->portIdentity.portNumber;
	}
	p->ports[i].state = pd->portState;
	p->v.port_state = master_port_state(p);
	if (was != 0 && was != p->v.port_state)
		source_emit(s, "ptp_port_state", "%s: port state %s -> %s",
		    s->cfg->name, pmc_port_state_name(was),
		    pmc_port_state_name(p->v.port_state));
	/* Leaving SLAVE acts now, not at the next sample. */
	if (s->health == SOURCE_OK && ptp_check(&p->v, s->cfg->free_running) ==
	    PTP_PORT_STATE)
		unusable(s, ptp_verdict_str(PTP_PORT_STATE));
}

static void
on_error(struct source *s, const struct pmc_msg *m)
{
	struct ptp *p = s->priv;

	p->errors++;
	if (m->managementId == PMC_ID_SUBSCRIBE_EVENTS_NP)
		p->subscribed = false;
	log_rl(LL_WARNING, "ptp_management_error", NULL, "%s: ptp4l refused "
	    "%s: %s%s%s", s->cfg->name, pmc_id_name(m->managementId),
	    pmc_mgmt_error_name(m->u.error.managementErrorId),
	    m->u.error.displayData[0] != '\0' ? ": " : "",
	    m->u.error.displayData);
}

static void
handle(struct source *s, const struct pmc_msg *m)
{
	struct ptp *p = s->priv;

	/* Anything addressed to us proves ptp4l is there. */
	engine_back(s);
	if (m->body == PMC_BODY_ERROR) {
		on_error(s, m);
		return;
	}
	if (m->action != PMC_RESPONSE || m->body != PMC_BODY_DATASET) {
		drop(s, "not a response with a dataset");
		return;
	}
	switch (m->managementId) {
	case PMC_ID_TIME_PROPERTIES_DATA_SET:
		on_properties(s, &m->u.time_properties);
		break;
	case PMC_ID_PARENT_DATA_SET:
		on_parent(s, &m->u.parent,
		    m->hdr.sourcePortIdentity.clockIdentity);
		break;
	case PMC_ID_CURRENT_DATA_SET:
		p->v.current = m->u.current;
		p->v.have_current = true;
		break;
	case PMC_ID_PORT_DATA_SET:
		on_port(s, &m->u.port);
		break;
	case PMC_ID_SUBSCRIBE_EVENTS_NP:
		p->subscribed = true;
		break;
	case PMC_ID_TIME_STATUS_NP:
		p->v.ts = m->u.time_status;
		p->v.have_time_status = true;
		if (!pmc_is_reply(m, &p->hdr, PMC_ID_TIME_STATUS_NP) ||
		    m->hdr.sequenceId != p->ts_seq)
			break;
		p->answered = true;
		p->reach |= 1;
		p->ever_answered = true;
		evaluate(s);
		break;
	default:
		drop(s, "unexpected managementId");
		break;
	}
}

static void
on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct source *s = arg;
	struct ptp *p = s->priv;
	uint8_t buf[PMC_MAX_MSG_LEN];
	struct pmc_msg m;
	ssize_t r;
	int rc;

	(void)fd;
	(void)what;
	for (int i = 0; i < 64 && p->fd >= 0; i++) {
		r = recv(p->fd, buf, sizeof(buf), 0);
		if (r < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_rl(LL_INFO, "ptp_recv_failed", NULL, "%s: "
				    "receive: %s", s->cfg->name, strerror(errno));
			break;
		}
		p->received++;
		if ((rc = pmc_decode(buf, (size_t)r, &m)) < 0) {
			drop(s, pmc_rc_name(rc));
			continue;
		}
		if (!pmc_port_equal(&m.hdr.targetPortIdentity,
		    &p->hdr.sourcePortIdentity)) {
			drop(s, "addressed to another client");
			continue;
		}
		handle(s, &m);
	}
}

/* ------------------------------------------------------------ cycles */

/* Called at every cycle: the register holds the previous cycles' answers. */
static void
note_reach(struct source *s)
{
	struct ptp *p = s->priv;
	char why[64];

	if (p->cycle > 0 && !p->answered)
		p->unanswered++;
	p->answered = false;
	if (p->unanswered >= LOST_CYCLES && !p->lost) {
		/* ptp4l ignores requests for another domainNumber */
		snprintf(why, sizeof(why), "no answer to %d polls (domain %d)",
		    LOST_CYCLES, s->cfg->domain);
		engine_lost(s, why);
	}
	p->reach <<= 1;
}

/* Every send of a cycle; a refusal means nobody is at `uds`. */
static int
send_cycle(struct source *s)
{
	struct ptp *p = s->priv;
	char why[160];
	int rc = 0;

	if (mono_now_ns() >= p->sub_due_ns)
		rc = send_subscribe(s);
	for (size_t i = 0; rc == 0 && i < sizeof(cycle_ids) /
	    sizeof(cycle_ids[0]); i++)
		rc = send_get(s, cycle_ids[i]);
	if (rc == 0 || rc == -EAGAIN || rc == -ENOBUFS)
		return 0;
	snprintf(why, sizeof(why), "send: %s", strerror(-rc));
	engine_lost(s, why);
	return -1;
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct source *s = arg;
	struct ptp *p = s->priv;
	char err[200];

	(void)fd;
	(void)what;
	note_reach(s);
	p->cycle++;
	if (p->fd < 0 && open_socket(s, err, sizeof(err)) < 0) {
		log_rl(LL_WARNING, "ptp_socket_failed", NULL, "%s: %s",
		    s->cfg->name, err);
		engine_lost(s, err);
	} else if (send_cycle(s) == 0 && !p->lost) {
		schedule(s, interval_s(s));
		return;
	}
	schedule(s, p->backoff_s);
	p->backoff_s = p->backoff_s * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S :
	    p->backoff_s * 2;
}

static void
schedule(struct source *s, double after_s)
{
	struct ptp *p = s->priv;
	struct timeval tv;

	tv.tv_sec = (time_t)after_s;
	tv.tv_usec = (suseconds_t)((after_s - (double)tv.tv_sec) * 1e6);
	evtimer_add(p->timer, &tv);
}

/* ------------------------------------------------------------ ops */

static int
ptp_start(struct source *s, char *err, size_t errlen)
{
	struct ptp *p = calloc(1, sizeof(*p));

	if (p == NULL) {
		snprintf(err, errlen, "%s: out of memory", s->cfg->name);
		return -1;
	}
	s->priv = p;
	p->fd = -1;
	p->phc.fd = -1;
	p->use_phc = s->cfg->phc != NULL || s->cfg->interface != NULL;
	p->backoff_s = interval_s(s);
	p->peer.sun_family = AF_UNIX;
	snprintf(p->peer.sun_path, sizeof(p->peer.sun_path), "%s", s->cfg->uds);
	p->hdr.domainNumber = (uint8_t)s->cfg->domain;
	p->hdr.sourcePortIdentity = pmc_port_from_pid((uint32_t)getpid());
	p->hdr.sourcePortIdentity.portNumber = (uint16_t)(s->id + 1);
	p->hdr.targetPortIdentity = pmc_port_wildcard();
	p->timer = evtimer_new(s->env.base, on_timer, s);
	if (p->timer == NULL) {
		snprintf(err, errlen, "%s: cannot create a timer", s->cfg->name);
		free(p);
		s->priv = NULL;
		return -1;
	}
	/* No evidence yet: the engine must not count the trace before it. */
	set_traceable(s);
	schedule(s, 0);
	return 0;
}

static void
ptp_stop(struct source *s)
{
	struct ptp *p = s->priv;

	if (p == NULL)
		return;
	close_socket(p);
	phc_close(&p->phc);
	if (p->timer != NULL)
		event_free(p->timer);
	free(p);
	s->priv = NULL;
}

static json_t *
num_or_null(bool have, double v)
{
	return have && isfinite(v) ? json_real(v) : json_null();
}

static json_t *
int_or_null(bool have, long v)
{
	return have ? json_integer(v) : json_null();
}

static json_t *
bool_or_null(bool have, bool v)
{
	return have ? json_boolean(v) : json_null();
}

/* The hard bound's terms, each with the link of the chain it belongs to
 * (2 grandmaster, 3 path, 4 this clock); they add up to hard_bound_s. */
static json_t *
bound_rows(const struct ptp *p)
{
	const struct ptp_terms *t = &p->terms;
	json_t *rows = json_array();

	json_array_append_new(rows, json_pack("{s:s, s:f, s:i}", "name",
	    "grandmaster clockAccuracy", "s", t->gm_s, "link", 2));
	json_array_append_new(rows, json_pack("{s:s, s:f, s:i}", "name",
	    "path asymmetry (mean path delay, or declared)", "s", t->path_s,
	    "link", 3));
	if (t->sw_s > 0)
		json_array_append_new(rows, json_pack("{s:s, s:f, s:i}", "name",
		    "software timestamping allowance (declared)", "s", t->sw_s,
		    "link", 3));
	if (p->use_phc)
		json_array_append_new(rows, json_pack("{s:s, s:f, s:i}", "name",
		    "PHC read window and burst spread", "s", t->phc_s,
		    "link", 4));
	json_array_append_new(rows, json_pack("{s:s, s:f, s:i}", "name",
	    "timestamp resolution", "s", t->resolution_s, "link", 4));
	return rows;
}

/*
 * The last sample's bound terms, as bound_rows for `tsctl trace`, and
 * also under the names NTP sources use (half_delay_s, root_distance_s,
 * precision_s) for readers that know those.
 */
static json_t *
last_sample_json(const struct ptp *p)
{
	const struct ptp_terms *t = &p->terms;

	int64_t utc_ns = (p->v.tp.ptpTimescale ? (int64_t)
	    p->v.tp.currentUtcOffset * 1000000000 : 0) -
	    ptp_guard_relabel_ns(&p->guard);

	return json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:I, "
	    "s:s, s:o, s:o}", "offset_s", p->last.offset_s, "path_bound_s", t->path_s,
	    "gm_accuracy_s", t->gm_s, "phc_read_s", t->phc_s, "resolution_s",
	    t->resolution_s, "half_delay_s", t->path_s, "root_distance_s",
	    t->gm_s, "precision_s", t->phc_s + t->resolution_s + t->sw_s,
	    "hard_bound_s",
	    t->hard_bound_s, "utc_offset_applied_s", (json_int_t)(utc_ns /
	    1000000000), "utc_offset_applied_by", p->use_phc ? "tsyncd" :
	    "ptp4l", "budget", source_budget_json(&p->last.budget),
	    "bound_rows", bound_rows(p));
}

/* The link `tsctl trace` shows for the grandmaster. */
static json_t *
chain_json(const struct ptp *p)
{
	const struct pmc_clock_quality *q = &p->v.parent.grandmasterClockQuality;
	char gm[PMC_CLOCK_ID_STRLEN], parent[PMC_PORT_ID_STRLEN];

	if (!p->v.have_parent || !p->v.have_properties)
		return json_null();
	return json_pack("{s:s, s:s, s:i, s:i, s:s, s:i, s:b, s:b, s:i, s:b, "
	    "s:b}", "grandmaster", pmc_clock_id_str(
	    p->v.parent.grandmasterIdentity, gm), "parent_port",
	    pmc_port_id_str(&p->v.parent.parentPortIdentity, parent),
	    "clockClass", q->clockClass, "clockAccuracy", q->clockAccuracy,
	    "timeSource", pmc_time_source_name(p->v.tp.timeSource),
	    "stepsRemoved", p->v.have_current ? p->v.current.stepsRemoved : 0,
	    "timeTraceable", p->v.tp.timeTraceable, "ptpTimescale",
	    p->v.tp.ptpTimescale, "currentUtcOffset", p->v.tp.currentUtcOffset,
	    "currentUtcOffsetValid", p->v.tp.currentUtcOffsetValid,
	    "gm_traceable", ptp_gm_traceable(&p->v));
}

static void
info_gm(const struct ptp *p, json_t *o)
{
	const struct ptp_view *v = &p->v;
	const struct pmc_clock_quality *q = &v->parent.grandmasterClockQuality;
	bool par = v->have_parent, tp = v->have_properties;
	char gm[PMC_CLOCK_ID_STRLEN];
	double acc = pmc_clock_accuracy_s(q->clockAccuracy);
	enum sample_leap leap = ptp_leap(v);

	json_object_set_new(o, "gm_identity", par ? json_string(
	    pmc_clock_id_str(v->parent.grandmasterIdentity, gm)) : json_null());
	json_object_set_new(o, "gm_present", bool_or_null(v->have_time_status,
	    v->ts.gmPresent != 0));
	json_object_set_new(o, "clock_class", int_or_null(par, q->clockClass));
	json_object_set_new(o, "clock_class_name", par ? json_string(
	    pmc_clock_class_name(q->clockClass)) : json_null());
	json_object_set_new(o, "clock_accuracy", int_or_null(par,
	    q->clockAccuracy));
	json_object_set_new(o, "clock_accuracy_s", num_or_null(par, acc));
	json_object_set_new(o, "offset_scaled_log_variance", int_or_null(par,
	    q->offsetScaledLogVariance));
	json_object_set_new(o, "time_source", tp ? json_string(
	    pmc_time_source_name(v->tp.timeSource)) : json_null());
	json_object_set_new(o, "steps_removed", int_or_null(v->have_current,
	    v->current.stepsRemoved));
	json_object_set_new(o, "time_traceable", bool_or_null(tp,
	    v->tp.timeTraceable));
	json_object_set_new(o, "frequency_traceable", bool_or_null(tp,
	    v->tp.frequencyTraceable));
	json_object_set_new(o, "ptp_timescale", bool_or_null(tp,
	    v->tp.ptpTimescale));
	json_object_set_new(o, "utc_offset", int_or_null(tp,
	    v->tp.currentUtcOffset));
	json_object_set_new(o, "utc_offset_valid", bool_or_null(tp,
	    v->tp.currentUtcOffsetValid));
	json_object_set_new(o, "timescale_relabelled",
	    json_boolean(p->guard.relabelled));
	json_object_set_new(o, "leap", tp && leap != SAMPLE_LEAP_UNKNOWN ?
	    json_integer(leap == SAMPLE_LEAP_INSERT ? 1 : leap ==
	    SAMPLE_LEAP_DELETE ? 2 : 0) : json_null());
	json_object_set_new(o, "gm_traceable", json_boolean(
	    ptp_gm_traceable(v)));
	json_object_set_new(o, "traceable", json_boolean(p->traceable));
}

static void
ptp_info(const struct source *s, int64_t now, json_t *o)
{
	const struct ptp *p = s->priv;
	const struct ptp_view *v = &p->v;
	double mpd = ptp_mean_path_delay_s(v);

	(void)now;
	json_object_set_new(o, "address", json_string(s->cfg->uds));
	json_object_set_new(o, "domain", json_integer(s->cfg->domain));
	json_object_set_new(o, "client_socket", p->bound ?
	    json_string(p->path) : json_null());
	json_object_set_new(o, "ptp4l", json_string(p->lost ? "lost" :
	    p->ever_answered ? "answering" : "starting"));
	json_object_set_new(o, "subscribed", json_boolean(p->subscribed));
	json_object_set_new(o, "reach", json_integer(p->reach));
	json_object_set_new(o, "poll_s", json_real(interval_s(s)));
	json_object_set_new(o, "port_state", v->port_state != 0 ?
	    json_string(pmc_port_state_name(v->port_state)) : json_null());
	json_object_set_new(o, "free_running", json_boolean(
	    s->cfg->free_running));
	info_gm(p, o);
	json_object_set_new(o, "master_offset_s", num_or_null(
	    v->have_time_status && v->ts.gmPresent, (double)
	    v->ts.master_offset_ns * 1e-9));
	json_object_set_new(o, "mean_path_delay_s", num_or_null(
	    v->have_current, mpd));
	json_object_set_new(o, "delay_s", num_or_null(v->have_current,
	    2 * mpd));
	json_object_set_new(o, "phc", p->use_phc ? json_string(
	    p->phc.device[0] != '\0' ? p->phc.device : s->cfg->phc != NULL ?
	    s->cfg->phc : s->cfg->interface) : json_null());
	json_object_set_new(o, "phc_method", p->use_phc && p->phc.fd >= 0 ?
	    json_string(phc_method_name(p->phc.method)) : json_null());
	json_object_set_new(o, "timestamping", json_string(p->use_phc ?
	    "hardware" : "software"));
	json_object_set_new(o, "why", p->why[0] != '\0' ?
	    json_string(p->why) : json_null());
	json_object_set_new(o, "last_offset_s", num_or_null(p->have_sample,
	    p->last.offset_s));
	if (p->have_sample)
		json_object_set_new(o, "last_sample", last_sample_json(p));
	json_object_set_new(o, "chain", chain_json(p));
	json_object_set_new(o, "sent", json_integer((json_int_t)p->sent));
	json_object_set_new(o, "received", json_integer((json_int_t)p->received));
	json_object_set_new(o, "accepted", json_integer((json_int_t)p->samples));
	json_object_set_new(o, "skipped", json_integer((json_int_t)p->skipped));
	json_object_set_new(o, "management_errors",
	    json_integer((json_int_t)p->errors));
	json_object_set_new(o, "reconnects",
	    json_integer((json_int_t)p->reconnects));
}

const struct source_ops source_ptp_ops = {
	.type = "ptp",
	.start = ptp_start,
	.stop = ptp_stop,
	.info = ptp_info,
};

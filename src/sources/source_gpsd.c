/*
 * source_gpsd.c - `type: gpsd`: a client of gpsd's JSON protocol over TCP
 * (`server`, default 127.0.0.1, `port`, default 2947).
 *
 * After connecting it sends ?WATCH={"enable":true,"json":true,"pps":true};
 * and reads one JSON object per line (gpsd_msg.h). A lost or refused
 * connection is retried after 1 s, doubling to RECONNECT_MAX_S.
 *
 * Time comes from two messages, each an instant of the GNSS time scale
 * (real) against the host's CLOCK_REALTIME that gpsd took (clock), mapped
 * onto the disciplined clock with env->map_real():
 *  - PPS: clock is gpsd's timestamp of the PPS edge that starts real.
 *    Budget: the declared receiver accuracy (`accuracy`, default
 *    PPS_ACC_NS, Type B rectangular) and gpsd's stated precision (2^p,
 *    Type B rectangular); the edge's jitter is measured by the engine
 *    (Type A; the sample carries a small prior as a floor, as TOFF
 *    does). Hard bound: accuracy + the larger of 2^p and
 *    PPS_TS_BOUND_NS, an allowance for the interrupt-to-timestamp latency.
 *  - TOFF: clock is when the first data of the reporting cycle arrived on
 *    the serial line, so real was (clock - latency) with the latency in
 *    [0, 1 s) by the NMEA convention (a label arrives within the second
 *    it names). The sample is centred, real + 0.5 s - clock, with a
 *    declared half-width of 0.5 s that holds for any receiver keeping
 *    the convention. TOFF is used only while no PPS message has come for
 *    PPS_GRACE_S, so that the two grades do not interleave.
 * Either is used only while the latest TPV (at most TPV_MAX_AGE_S old,
 * from the same device) reports a 2D or 3D fix; NOFIX_RUN TPVs in a row
 * with mode < 2 make the source unusable. TPV's ept and status are shown;
 * TPV's leapseconds is the GPS-UTC offset, not an announcement, so
 * samples say SAMPLE_LEAP_UNKNOWN.
 *
 * A server given by name is resolved with the daemon's resolver when it
 * has one; otherwise by libevent's blocking getaddrinfo() (a name from
 * /etc/hosts is instant; a DNS name blocks the loop while it resolves).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>

#include "cfg.h"
#include "gpsd_msg.h"
#include "log.h"
#include "source_private.h"

#define NS_PER_S		1000000000LL
#define RECONNECT_MIN_S		1
#define RECONNECT_MAX_S		64
#define LINE_MAX_BYTES		65536	/* longer without LF: drop the link */
#define TPV_MAX_AGE_S		5
#define NOFIX_RUN		3
#define PPS_GRACE_S		3
#define SILENT_S		10	/* connected, no time message: unreachable */
#define TOFF_CENTRE_NS		(NS_PER_S / 2)
#define TOFF_HALF_NS		(NS_PER_S / 2)
#define PPS_ACC_NS		100LL
#define PPS_TS_BOUND_NS		50000LL
#define TOFF_JITTER_S		1e-3	/* Type A priors (floors): the engine */
#define PPS_JITTER_S		1e-6	/* measures the scatter and weighs by it */
#define WATCH_CMD	"?WATCH={\"enable\":true,\"json\":true,\"pps\":true};\n"

struct gpsd {
	struct bufferevent *bev;
	struct event	*tick;
	bool		connected;
	int		backoff_s;
	int64_t		reconnect_mono, connected_mono, last_time_mono;
	char		addr[80];
	char		why[160];

	char		release[GPSD_MSG_TEXT_LEN];
	int		proto_major, proto_minor;
	bool		have_tpv;
	struct gpsd_msg	tpv;
	int64_t		tpv_mono, last_pps_mono;
	bool		have_pps;
	int		nofix_run;

	bool		have_sample, sampled, sample_pps;
	double		offset_s, hard_s, acc_s;	/* acc_s: PPS only */
	struct budget	budget;
	uint8_t		reach;

	unsigned long	lines, bad_lines, tpvs, ppss, toffs, toff_unused;
	unsigned long	nofix, samples, connects;
};

static void	connect_now(struct source *s);

static int64_t
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static void
drop(struct source *s, const char *what)
{
	s->dropped++;
	log_rl(LL_INFO, "gpsd_message_dropped", NULL, "%s: %s", s->cfg->name,
	    what);
}

/* ------------------------------------------------------------ samples */

static void
emit(struct source *s, const struct gpsd_msg *m, int64_t centre_ns,
    struct sample *smp)
{
	struct gpsd *g = s->priv;
	struct timespec cts = { (time_t)(m->clock_ns / NS_PER_S),
	    (long)(m->clock_ns % NS_PER_S) };

	if (s->env.map_real(s->env.arg, &cts, &smp->mono_ns, &smp->local_ns) < 0) {
		drop(s, "cannot read the clock");
		return;
	}
	smp->offset_s = (double)(m->real_ns + centre_ns - smp->local_ns) / 1e9;
	smp->delay_s = -1;
	smp->leap = SAMPLE_LEAP_UNKNOWN;
	g->have_sample = g->sampled = true;
	g->offset_s = smp->offset_s;
	g->hard_s = smp->hard_bound_s;
	g->budget = smp->budget;
	g->samples++;
	g->last_time_mono = now_mono();
	source_set_health(s, SOURCE_OK, NULL);
	s->env.sample(s->env.arg, s->id, smp);
}

/* The latest TPV says 2D/3D, is recent and from the same device. */
static bool
fix_ok(struct source *s, const struct gpsd_msg *m, char *why, size_t len)
{
	struct gpsd *g = s->priv;

	if (!g->have_tpv)
		snprintf(why, len, "no TPV yet");
	else if (now_mono() - g->tpv_mono > TPV_MAX_AGE_S * NS_PER_S)
		snprintf(why, len, "no TPV for %d s", TPV_MAX_AGE_S);
	else if (g->tpv.mode < 2)
		snprintf(why, len, "no fix (TPV mode %d)", g->tpv.mode);
	else if (m->device[0] != '\0' && g->tpv.device[0] != '\0' &&
	    strcmp(m->device, g->tpv.device) != 0)
		snprintf(why, len, "from %s, not the TPV's device", m->device);
	else
		return true;
	return false;
}

static void
on_pps(struct source *s, const struct gpsd_msg *m)
{
	struct gpsd *g = s->priv;
	double acc = s->cfg->accuracy_ns > 0 ? (double)s->cfg->accuracy_ns / 1e9 :
	    (double)PPS_ACC_NS / 1e9, prec = 0;
	struct sample smp;
	char why[128], what[160];

	g->ppss++;
	g->have_pps = true;
	g->last_pps_mono = now_mono();
	if (!fix_ok(s, m, why, sizeof(why))) {
		snprintf(what, sizeof(what), "PPS dropped: %s", why);
		drop(s, what);
		return;
	}
	memset(&smp, 0, sizeof(smp));
	budget_init(&smp.budget);
	budget_add(&smp.budget, "receiver", budget_u_rectangular(acc),
	    BUDGET_TYPE_B, "declared receiver accuracy, rectangular");
	if (m->has_precision) {
		prec = ldexp(1.0, m->precision < -32 ? -32 : m->precision > 0 ?
		    0 : m->precision);
		budget_add(&smp.budget, "precision", budget_u_rectangular(prec),
		    BUDGET_TYPE_B, "gpsd's precision 2^p, rectangular");
	}
	budget_add(&smp.budget, "jitter", fmax(prec, PPS_JITTER_S),
	    BUDGET_TYPE_A, "prior; measured by the engine");
	smp.hard_bound_s = acc + fmax(prec, (double)PPS_TS_BOUND_NS / 1e9);
	g->sample_pps = true;
	g->acc_s = acc;
	emit(s, m, 0, &smp);
}

static void
on_toff(struct source *s, const struct gpsd_msg *m)
{
	struct gpsd *g = s->priv;
	struct sample smp;
	char why[128], what[160];

	g->toffs++;
	if (g->have_pps && now_mono() - g->last_pps_mono <
	    PPS_GRACE_S * NS_PER_S) {
		g->toff_unused++;
		return;
	}
	if (!fix_ok(s, m, why, sizeof(why))) {
		snprintf(what, sizeof(what), "TOFF dropped: %s", why);
		drop(s, what);
		return;
	}
	memset(&smp, 0, sizeof(smp));
	budget_init(&smp.budget);
	budget_add(&smp.budget, "serial_timing", budget_u_rectangular(
	    (double)TOFF_HALF_NS / 1e9), BUDGET_TYPE_B,
	    "label within its second, rectangular");
	budget_add(&smp.budget, "jitter", TOFF_JITTER_S, BUDGET_TYPE_A,
	    "prior; measured by the engine");
	smp.hard_bound_s = (double)TOFF_HALF_NS / 1e9;
	g->sample_pps = false;
	emit(s, m, TOFF_CENTRE_NS, &smp);
}

static void
on_tpv(struct source *s, const struct gpsd_msg *m)
{
	struct gpsd *g = s->priv;
	char why[64];

	g->tpvs++;
	g->have_tpv = true;
	g->tpv = *m;
	g->tpv_mono = now_mono();
	if (m->mode >= 2) {
		g->nofix_run = 0;
		return;
	}
	g->nofix++;
	if (++g->nofix_run == NOFIX_RUN) {
		snprintf(why, sizeof(why), "no fix (TPV mode %d)", m->mode);
		source_emit(s, "gpsd_no_fix", "%s: gpsd reports no fix (mode "
		    "%d) for %d TPVs in a row", s->cfg->name, m->mode, NOFIX_RUN);
		source_set_health(s, SOURCE_UNUSABLE, why);
	}
}

static void
handle_line(struct source *s, const char *line, size_t len)
{
	struct gpsd *g = s->priv;
	struct gpsd_msg m;
	char what[64];
	int rc;

	g->lines++;
	if ((rc = gpsd_msg_parse(line, len, &m)) < 0) {
		g->bad_lines++;
		snprintf(what, sizeof(what), "message dropped: %s",
		    gpsd_msg_result_name(rc));
		drop(s, what);
		return;
	}
	switch (m.cls) {
	case GPSD_VERSION:
		snprintf(g->release, sizeof(g->release), "%s", m.text);
		g->proto_major = m.proto_major;
		g->proto_minor = m.proto_minor;
		break;
	case GPSD_TPV:
		on_tpv(s, &m);
		break;
	case GPSD_PPS:
		on_pps(s, &m);
		break;
	case GPSD_TOFF:
		on_toff(s, &m);
		break;
	case GPSD_ERROR:
		log_rl(LL_WARNING, "gpsd_error", NULL, "%s: gpsd says: %s",
		    s->cfg->name, m.text);
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------ connection */

static void
disconnect(struct source *s, const char *why)
{
	struct gpsd *g = s->priv;

	if (g->bev != NULL)
		bufferevent_free(g->bev);
	g->bev = NULL;
	g->connected = false;
	if (strcmp(why, g->why) != 0)
		source_emit(s, "gpsd_disconnected", "%s: gpsd at %s: %s; "
		    "reconnecting in %d s", s->cfg->name, g->addr, why,
		    g->backoff_s);
	snprintf(g->why, sizeof(g->why), "%s", why);
	source_set_health(s, SOURCE_UNREACHABLE, "gpsd unreachable");
	g->reconnect_mono = now_mono() + g->backoff_s * NS_PER_S;
	g->backoff_s = g->backoff_s * 2 > RECONNECT_MAX_S ? RECONNECT_MAX_S :
	    g->backoff_s * 2;
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct source *s = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n;
	char *line;

	while ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF)) != NULL) {
		handle_line(s, line, n);
		free(line);
	}
	if (evbuffer_get_length(in) > LINE_MAX_BYTES)
		disconnect(s, "a line longer than 64 KiB");
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct source *s = arg;
	struct gpsd *g = s->priv;
	char why[96];

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		g->connected = true;
		g->connects++;
		g->connected_mono = now_mono();
		g->backoff_s = RECONNECT_MIN_S;
		g->why[0] = '\0';
		bufferevent_write(g->bev, WATCH_CMD, strlen(WATCH_CMD));
		log_info("gpsd_connected", "%s: connected to gpsd at %s",
		    s->cfg->name, g->addr);
		return;
	}
	if (what & BEV_EVENT_EOF)
		snprintf(why, sizeof(why), "connection closed");
	else if ((what & BEV_EVENT_ERROR) &&
	    bufferevent_socket_get_dns_error(g->bev) != 0)
		snprintf(why, sizeof(why), "cannot resolve %s: %s",
		    s->cfg->server, evutil_gai_strerror(
		    bufferevent_socket_get_dns_error(g->bev)));
	else
		snprintf(why, sizeof(why), "%s", evutil_socket_error_to_string(
		    EVUTIL_SOCKET_ERROR()));
	disconnect(s, why);
}

static int
literal(const char *host, int port, struct sockaddr_storage *ss, int *len)
{
	struct sockaddr_in *a4 = (void *)ss;
	struct sockaddr_in6 *a6 = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		return 0;
	}
	return -1;
}

static void
connect_now(struct source *s)
{
	struct gpsd *g = s->priv;
	struct sockaddr_storage ss;
	int len, rc;

	g->bev = bufferevent_socket_new(s->env.base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (g->bev == NULL) {
		disconnect(s, "out of memory");
		return;
	}
	bufferevent_setcb(g->bev, on_read, NULL, on_event, s);
	bufferevent_enable(g->bev, EV_READ | EV_WRITE);
	if (literal(s->cfg->server, s->cfg->port, &ss, &len) == 0)
		rc = bufferevent_socket_connect(g->bev, (struct sockaddr *)&ss,
		    len);
	else
		rc = bufferevent_socket_connect_hostname(g->bev, s->env.dns,
		    AF_UNSPEC, s->cfg->server, s->cfg->port);
	/* On failure the event callback may already have run. */
	if (rc < 0 && g->bev != NULL)
		disconnect(s, "cannot connect");
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct source *s = arg;
	struct gpsd *g = s->priv;
	int64_t now = now_mono(), since;

	(void)fd;
	(void)what;
	g->reach = (uint8_t)(g->reach << 1 | (g->sampled ? 1 : 0));
	g->sampled = false;
	if (g->bev == NULL) {
		if (now >= g->reconnect_mono)
			connect_now(s);
		return;
	}
	since = g->last_time_mono > g->connected_mono ? g->last_time_mono :
	    g->connected_mono;
	if (g->connected && now - since > SILENT_S * NS_PER_S &&
	    s->health != SOURCE_UNREACHABLE && s->health != SOURCE_UNUSABLE) {
		snprintf(g->why, sizeof(g->why), "connected, but no usable time "
		    "message for %d s", SILENT_S);
		source_emit(s, "gpsd_silent", "%s: gpsd at %s: %s",
		    s->cfg->name, g->addr, g->why);
		source_set_health(s, SOURCE_UNREACHABLE, "no time from gpsd");
	}
}

/* ------------------------------------------------------------ ops */

static int
gpsd_start(struct source *s, char *err, size_t errlen)
{
	struct timeval one = { 1, 0 };
	struct gpsd *g = calloc(1, sizeof(*g));

	if (g == NULL) {
		snprintf(err, errlen, "%s: out of memory", s->cfg->name);
		return -1;
	}
	s->priv = g;
	g->backoff_s = RECONNECT_MIN_S;
	snprintf(g->addr, sizeof(g->addr), strchr(s->cfg->server, ':') != NULL ?
	    "[%s]:%d" : "%s:%d", s->cfg->server, s->cfg->port);
	g->tick = event_new(s->env.base, -1, EV_PERSIST, on_tick, s);
	if (g->tick == NULL || evtimer_add(g->tick, &one) < 0) {
		snprintf(err, errlen, "%s: cannot create a timer", s->cfg->name);
		if (g->tick != NULL)
			event_free(g->tick);
		free(g);
		s->priv = NULL;
		return -1;
	}
	connect_now(s);
	return 0;
}

static void
gpsd_stop(struct source *s)
{
	struct gpsd *g = s->priv;

	if (g == NULL)
		return;
	if (g->bev != NULL)
		bufferevent_free(g->bev);
	if (g->tick != NULL)
		event_free(g->tick);
	free(g);
	s->priv = NULL;
}

static json_t *
tpv_json(const struct gpsd *g)
{
	json_t *o;

	if (!g->have_tpv)
		return json_null();
	o = json_pack("{s:i, s:s}", "mode", g->tpv.mode, "device",
	    g->tpv.device);
	json_object_set_new(o, "status", g->tpv.status >= 0 ?
	    json_integer(g->tpv.status) : json_null());
	json_object_set_new(o, "ept_s", g->tpv.has_ept ?
	    json_real(g->tpv.ept_s) : json_null());
	json_object_set_new(o, "time_unix_s", g->tpv.has_time ?
	    json_real((double)g->tpv.time_ns / 1e9) : json_null());
	json_object_set_new(o, "leapseconds", g->tpv.has_leapseconds ?
	    json_integer(g->tpv.leapseconds) : json_null());
	return o;
}

/* The terms of the last sample's hard bound, which add up to it. */
static json_t *
bound_rows(const struct gpsd *g)
{
	if (!g->sample_pps)
		return json_pack("[{s:s, s:f}]", "name", "serial label within its "
		    "second (half-width)", "s", g->hard_s);
	return json_pack("[{s:s, s:f}, {s:s, s:f}]", "name", "declared "
	    "receiver accuracy", "s", g->acc_s, "name", "PPS timestamp: "
	    "precision or latency allowance", "s", g->hard_s - g->acc_s);
}

static void
gpsd_info(const struct source *s, int64_t now, json_t *o)
{
	const struct gpsd *g = s->priv;

	(void)now;
	json_object_set_new(o, "address", json_string(g->addr));
	json_object_set_new(o, "server", json_string(s->cfg->server));
	json_object_set_new(o, "connected", json_boolean(g->connected));
	json_object_set_new(o, "error", g->why[0] != '\0' ?
	    json_string(g->why) : json_null());
	json_object_set_new(o, "gpsd_release", g->release[0] != '\0' ?
	    json_string(g->release) : json_null());
	json_object_set_new(o, "refid", json_string(g->have_pps ? "PPS" : "GPSD"));
	json_object_set_new(o, "stratum", json_integer(0));
	json_object_set_new(o, "reach", json_integer(g->reach));
	json_object_set_new(o, "poll_s", json_real(1.0));
	json_object_set_new(o, "tpv", tpv_json(g));
	json_object_set_new(o, "last_offset_s", g->have_sample ?
	    json_real(g->offset_s) : json_null());
	if (g->have_sample)
		json_object_set_new(o, "last_sample", json_pack("{s:s, s:f, s:o, "
		    "s:o}", "kind", g->sample_pps ? "pps" : "toff", "hard_bound_s",
		    g->hard_s, "bound_rows", bound_rows(g), "budget",
		    source_budget_json(&g->budget)));
	json_object_set_new(o, "counters", json_pack("{s:I, s:I, s:I, s:I, s:I, "
	    "s:I, s:I, s:I, s:I}",
	    "lines", (json_int_t)g->lines,
	    "bad_lines", (json_int_t)g->bad_lines,
	    "tpv", (json_int_t)g->tpvs,
	    "pps", (json_int_t)g->ppss,
	    "toff", (json_int_t)g->toffs,
	    "toff_unused", (json_int_t)g->toff_unused,
	    "no_fix_tpv", (json_int_t)g->nofix,
	    "samples", (json_int_t)g->samples,
	    "connects", (json_int_t)g->connects));
}

const struct source_ops source_gpsd_ops = {
	.type = "gpsd",
	.start = gpsd_start,
	.stop = gpsd_stop,
	.info = gpsd_info,
};

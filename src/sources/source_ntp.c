/*
 * source_ntp.c - `type: ntp`: an NTPv4 client of one server.
 *
 * Each poll sends a mode-3 request whose transmit field is a fresh random
 * cookie; a reply counts only if it comes from the server's address and
 * port and carries that cookie as its origin, so stale, duplicated and
 * off-path forged replies are dropped (and counted). The four instants are
 * taken from kernel timestamps where the socket has them (ntp_sock.c) and
 * mapped onto the disciplined clock by the daemon (env->map_real), so the
 * offset is "server - disciplined clock" whatever the clock driver.
 *
 * The hard bound of a sample is what the exchange itself proves: the true
 * offset lies within delay/2 of the measured one if the server's clock was
 * right, and the server vouches for itself to within root delay/2 + root
 * dispersion (RFC 5905 root distance), plus its stated precision. The
 * statistical part is the asymmetry (declared, else delay/2, rectangular)
 * and the server's root distance (rectangular); jitter is measured by the
 * engine's per-source statistics as Type A.
 *
 * Reachability is the classic 8-bit register shifted at every poll; with
 * no reply to the last 8 polls the source is unreachable (and a server
 * given by name is resolved again). Kiss-o'-Death RATE doubles the polling
 * interval; DENY and RSTR stop polling that server for good, and say so.
 */
#include "config.h"

#include <sys/random.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "cfg.h"
#include "log.h"
#include "ntp_packet.h"
#include "ntp_sock.h"
#include "source_private.h"

#define IBURST_COUNT	4	/* quick polls at start */
#define QUICK_S		2.0	/* their spacing, and a burst's */
#define BURST_COUNT	4	/* requests per poll with `burst` */
#define REACH_POLLS	8	/* polls without a reply before "unreachable" */
#define STABLE_POLLS	8	/* good replies in a row before a longer interval */
#define RESOLVE_RETRY_S	60.0
#define PRECISION_MIN	(-32)

struct ntp {
	struct ntp_sock	sk;
	struct sockaddr_storage addr;
	socklen_t	alen;
	bool		have_addr, literal;
	char		addrstr[INET6_ADDRSTRLEN + 8];
	struct event	*timer, *rx;
	struct evdns_getaddrinfo_request *dnsreq;

	uint64_t	cookie;		/* of the outstanding request */
	bool		outstanding;
	struct ntp_stamp tx;		/* its user-space send stamp */
	int		poll;		/* current exponent */
	int		quick_left;	/* iburst/burst requests still to send */
	int		streak;		/* good replies in a row */
	uint8_t		reach;
	unsigned	polls;		/* sends since the last (re)start */
	unsigned	unanswered;	/* polls in a row without a reply */
	bool		stopped;	/* KoD DENY/RSTR */
	char		kod[5];		/* last kiss code, "" none */

	bool		have_reply;
	int		stratum, precision;
	uint32_t	refid;
	enum ntp_leap	leap;
	double		root_delay_s, root_disp_s;
	bool		have_sample;
	double		offset_s, delay_s;
	double		root_s, prec_s;		/* the last sample's bound terms */
	struct budget	budget;			/* and its budget */
	int64_t		sample_mono_ns;
	enum ntp_ts_mode rx_mode, tx_mode;

	unsigned long	sent, received, accepted, kod_count, delay_drops;
};

static void	schedule(struct source *s, double after_s);
static void	resolve(struct source *s);

static double
interval_s(int poll)
{
	return ldexp(1.0, poll);
}

static uint64_t
new_cookie(void)
{
	uint64_t c = 0;

	/* Never blocks after early boot; a weak cookie is better than none. */
	if (getrandom(&c, sizeof(c), GRND_NONBLOCK) != (ssize_t)sizeof(c)) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		c ^= ((uint64_t)ts.tv_nsec << 32) ^ (uint64_t)ts.tv_sec ^
		    (uint64_t)random();
	}
	return c != 0 ? c : 1;
}

static void
format_addr(const struct sockaddr_storage *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const void *)sa;

		inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(a6->sin6_port));
	} else {
		const struct sockaddr_in *a4 = (const void *)sa;

		inet_ntop(AF_INET, &a4->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(a4->sin_port));
	}
}

/* A literal IPv4/IPv6 address never reaches the resolver. */
static bool
parse_literal(const char *host, int port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in *a4 = (void *)ss;
	struct sockaddr_in6 *a6 = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
		return true;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		return true;
	}
	return false;
}

/* ------------------------------------------------------------ replies */

static void
drop(struct source *s, const char *why)
{
	s->dropped++;
	log_rl(LL_INFO, "ntp_reply_dropped", NULL, "%s: reply dropped: %s",
	    s->cfg->name, why);
}

static void
on_kod(struct source *s, const struct ntp_packet *p, const char *kiss)
{
	struct ntp *n = s->priv;
	char why[64];

	n->kod_count++;
	snprintf(n->kod, sizeof(n->kod), "%s", kiss);
	if (strcmp(kiss, "RATE") == 0) {
		int to = n->poll + 1 > p->poll ? n->poll + 1 : p->poll;

		if (to > CFG_POLL_MAX)
			to = CFG_POLL_MAX;
		n->poll = to;
		n->streak = 0;
		source_emit(s, "ntp_kod", "%s: kiss-o'-death RATE from %s: "
		    "polling interval raised to %g s", s->cfg->name, n->addrstr,
		    interval_s(n->poll));
		return;
	}
	if (strcmp(kiss, "DENY") == 0 || strcmp(kiss, "RSTR") == 0) {
		n->stopped = true;
		n->quick_left = 0;
		if (n->timer != NULL)
			evtimer_del(n->timer);
		snprintf(why, sizeof(why), "kiss-o'-death %s", kiss);
		source_set_health(s, SOURCE_UNUSABLE, why);
		source_emit(s, "ntp_kod", "%s: kiss-o'-death %s from %s: the "
		    "server refuses service; polling stopped", s->cfg->name, kiss,
		    n->addrstr);
		return;
	}
	drop(s, "kiss-o'-death with an unknown code");
}

static enum sample_leap
sample_leap_of(enum ntp_leap l)
{
	switch (l) {
	case NTP_LEAP_INSERT:
		return SAMPLE_LEAP_INSERT;
	case NTP_LEAP_DELETE:
		return SAMPLE_LEAP_DELETE;
	case NTP_LEAP_NONE:
		return SAMPLE_LEAP_NONE;
	default:
		return SAMPLE_LEAP_UNKNOWN;
	}
}

static int64_t
ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/*
 * Random error of our own timestamps, by mode: a kernel stamp is taken in
 * the driver's receive path (~100 ns), a user-space one after a wakeup
 * (a few us). The statistics scale these up when the scatter says so.
 */
static double
stamp_noise_s(const struct ntp *n)
{
	enum ntp_ts_mode m = n->rx_mode < n->tx_mode ? n->rx_mode : n->tx_mode;

	return m == NTP_TS_USER ? 5e-6 : m == NTP_TS_KERNEL ? 1e-7 : 1e-8;
}

/* The sample's budget and bound; see the top of the file. */
static void
fill_budget(struct source *s, const struct ntp_packet *p, double delay,
    struct sample *smp)
{
	struct ntp *n = s->priv;
	double half = delay / 2, asym = half, root, prec;

	if (s->cfg->asymmetry_ns >= 0 && s->cfg->asymmetry_ns * 1e-9 < half)
		asym = s->cfg->asymmetry_ns * 1e-9;
	root = p->root_delay_s / 2 + p->root_dispersion_s;
	prec = ldexp(1.0, p->precision < PRECISION_MIN ? PRECISION_MIN :
	    p->precision > 0 ? 0 : p->precision);
	n->root_s = root;
	n->prec_s = prec;
	budget_init(&smp->budget);
	/*
	 * The random part, which averages over samples: the server's
	 * timestamp resolution and ours. Without a Type A row the whole u,
	 * asymmetry included, counted as random: the servo weighed each
	 * sample as if it were ~delay/2 noisy and took hours to converge
	 * (clknetsim LAN, 1 ms delay: 100 us off after 3 h).
	 */
	budget_add(&smp->budget, "resolution", hypot(budget_u_rectangular(prec),
	    stamp_noise_s(n)), BUDGET_TYPE_A, "server precision and our "
	    "timestamps");
	budget_add(&smp->budget, "asymmetry", budget_u_rectangular(asym),
	    BUDGET_TYPE_B, s->cfg->asymmetry_ns >= 0 && asym < half ?
	    "declared bound, rectangular" : "delay/2, rectangular");
	budget_add(&smp->budget, "server", budget_u_rectangular(root),
	    BUDGET_TYPE_B, "root delay/2 + dispersion, rectangular");
	smp->hard_bound_s = half + root + prec;
	n->budget = smp->budget;
}

static void
accept_reply(struct source *s, const struct ntp_packet *p,
    const struct ntp_stamp *rx)
{
	struct ntp *n = s->priv;
	struct ntp_stamp tx = n->tx, txk;
	int64_t t1, t4, t2, t3, mono1, mono4, local1, local4;
	struct sample smp;
	double off, delay;

	if (ntp_sock_tx_stamp(&n->sk, &txk) == 1)
		tx = txk;
	n->tx_mode = tx.mode;
	n->rx_mode = rx->mode;
	t1 = ts_ns(&tx.ts);
	t4 = ts_ns(&rx->ts);
	if (s->env.map_real(s->env.arg, &tx.ts, &mono1, &local1) < 0 ||
	    s->env.map_real(s->env.arg, &rx->ts, &mono4, &local4) < 0) {
		drop(s, "cannot read the clock");
		return;
	}
	t2 = ntp_ts_to_unix_ns(p->rx_ts, t1);
	t3 = ntp_ts_to_unix_ns(p->tx_ts, t1);
	ntp_offset_delay(local1, t2, t3, local4, &off, &delay);
	if (delay < -1e-6 || t4 < t1) {
		drop(s, "negative round-trip delay");
		return;
	}
	if (delay < 0)
		delay = 0;
	if (delay > s->cfg->maxdelay_ns * 1e-9) {
		n->delay_drops++;
		drop(s, "round-trip delay above maxdelay");
		return;
	}
	memset(&smp, 0, sizeof(smp));
	smp.mono_ns = mono1 + (mono4 - mono1) / 2;
	smp.local_ns = local1 + (local4 - local1) / 2;
	smp.offset_s = off;
	smp.delay_s = delay;
	smp.leap = sample_leap_of(p->leap);
	fill_budget(s, p, delay, &smp);
	n->have_sample = true;
	n->offset_s = off;
	n->delay_s = delay;
	n->sample_mono_ns = smp.mono_ns;
	n->accepted++;
	if (++n->streak >= STABLE_POLLS && n->poll < s->cfg->poll_max) {
		n->poll++;
		n->streak = 0;
	}
	source_set_health(s, SOURCE_OK, NULL);
	s->env.sample(s->env.arg, s->id, &smp);
}

static void
handle_reply(struct source *s, const uint8_t *buf, size_t len,
    const struct ntp_stamp *rx)
{
	struct ntp *n = s->priv;
	struct ntp_packet p;
	enum ntp_check c;
	char kiss[5];

	if (ntp_parse(buf, len, &p) < 0) {
		drop(s, "malformed packet");
		return;
	}
	c = ntp_check_reply(&p, n->cookie, kiss);
	if (!n->outstanding || c == NTP_CHECK_BOGUS_ORIGIN) {
		drop(s, "origin does not match the request (stale, duplicate "
		    "or forged)");
		return;
	}
	if (c == NTP_CHECK_BAD_MODE || c == NTP_CHECK_BAD_VERSION ||
	    c == NTP_CHECK_BAD_TIMES) {
		drop(s, ntp_check_name(c));
		return;
	}
	n->outstanding = false;
	n->received++;
	n->reach |= 1;
	n->unanswered = 0;
	/* A kiss says nothing about the server's clock: keep the last. */
	if (c == NTP_CHECK_KOD) {
		on_kod(s, &p, kiss);
		return;
	}
	n->have_reply = true;
	n->stratum = p.stratum;
	n->refid = p.refid;
	n->leap = p.leap;
	n->precision = p.precision;
	n->root_delay_s = p.root_delay_s;
	n->root_disp_s = p.root_dispersion_s;
	if (c == NTP_CHECK_UNSYNC) {
		if (s->health != SOURCE_UNUSABLE)
			source_emit(s, "source_unsynchronised", "%s: server %s "
			    "is not synchronised (leap %d, stratum %d)",
			    s->cfg->name, n->addrstr, (int)p.leap, p.stratum);
		source_set_health(s, SOURCE_UNUSABLE, "server unsynchronised");
		return;
	}
	accept_reply(s, &p, rx);
}

static void
on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct source *s = arg;
	struct ntp *n = s->priv;
	struct ntp_stamp rx, tx;
	uint8_t buf[1100];
	bool from_peer;
	ssize_t r;

	(void)fd;
	(void)what;
	/*
	 * A queued TX timestamp or ICMP error wakes us as readable; drain it
	 * now or the loop spins until the reply comes. ntp_sock keeps the TX
	 * stamp for accept_reply().
	 */
	if (n->sk.fd >= 0)
		(void)ntp_sock_tx_stamp(&n->sk, &tx);
	for (int i = 0; i < 16 && n->sk.fd >= 0; i++) {
		r = ntp_sock_recv(&n->sk, buf, sizeof(buf), &rx, &from_peer);
		if (r == 0)
			break;
		if (r < 0) {
			if (r != -ECONNREFUSED && r != -EAGAIN)
				log_rl(LL_INFO, "ntp_recv_failed", NULL, "%s: "
				    "receive: %s", s->cfg->name, strerror((int)-r));
			if (r == -ECONNREFUSED)
				continue;
			break;
		}
		if (!from_peer) {
			drop(s, "from another address than the server's");
			continue;
		}
		handle_reply(s, buf, (size_t)r, &rx);
	}
}

/* ------------------------------------------------------------ polling */

static int
open_socket(struct source *s)
{
	struct ntp *n = s->priv;
	char err[256];

	if (n->sk.fd >= 0)
		return 0;
	if (ntp_sock_open(&n->sk, (const struct sockaddr *)&n->addr, n->alen,
	    err, sizeof(err)) < 0) {
		log_rl(LL_WARNING, "ntp_socket_failed", NULL, "%s: %s",
		    s->cfg->name, err);
		return -1;
	}
	n->rx = event_new(s->env.base, n->sk.fd, EV_READ | EV_PERSIST,
	    on_readable, s);
	if (n->rx == NULL || event_add(n->rx, NULL) < 0) {
		log_warning("ntp_socket_failed", "%s: cannot watch the socket",
		    s->cfg->name);
		if (n->rx != NULL)
			event_free(n->rx);
		n->rx = NULL;
		ntp_sock_close(&n->sk);
		return -1;
	}
	return 0;
}

static void
close_socket(struct ntp *n)
{
	if (n->rx != NULL)
		event_free(n->rx);
	n->rx = NULL;
	ntp_sock_close(&n->sk);
}

/* Called at every send: the register holds the previous polls' replies. */
static void
note_reach(struct source *s)
{
	struct ntp *n = s->priv;

	if (n->polls > 0 && !(n->reach & 1)) {
		n->unanswered++;
		n->streak = 0;
	}
	if (n->polls >= REACH_POLLS && n->reach == 0 &&
	    s->health != SOURCE_UNREACHABLE && !n->stopped) {
		source_set_health(s, SOURCE_UNREACHABLE, "unreachable");
		source_emit(s, "source_unreachable", "%s: no reply from %s to "
		    "the last %d polls", s->cfg->name, n->addrstr, REACH_POLLS);
	}
	n->reach <<= 1;
}

static void
send_request(struct source *s)
{
	struct ntp *n = s->priv;
	uint8_t pkt[NTP_PACKET_LEN];
	struct ntp_stamp txk;
	int rc;

	note_reach(s);
	n->polls++;
	if (open_socket(s) < 0)
		return;
	n->cookie = new_cookie();
	ntp_encode_request(pkt, n->cookie, n->poll);
	rc = ntp_sock_send(&n->sk, pkt, sizeof(pkt), &n->tx);
	if (rc < 0) {
		n->outstanding = false;
		log_rl(LL_INFO, "ntp_send_failed", NULL, "%s: send to %s: %s",
		    s->cfg->name, n->addrstr, strerror(-rc));
		return;
	}
	n->outstanding = true;
	n->sent++;
	/* Kept by ntp_sock for accept_reply(); under clknetsim the stamp is
	 * only made when the queue is read, so read it now. */
	(void)ntp_sock_tx_stamp(&n->sk, &txk);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct source *s = arg;
	struct ntp *n = s->priv;
	double next;

	(void)fd;
	(void)what;
	if (n->stopped)
		return;
	if (!n->have_addr) {
		resolve(s);
		return;
	}
	/* A name that stopped answering may have moved. */
	if (!n->literal && n->unanswered >= 2 * REACH_POLLS) {
		n->unanswered = 0;
		close_socket(n);
		n->have_addr = false;
		resolve(s);
		return;
	}
	send_request(s);
	next = interval_s(n->poll);
	if (n->quick_left > 0) {
		n->quick_left--;
		if (next > QUICK_S)
			next = QUICK_S;
	} else if (s->cfg->burst) {
		n->quick_left = BURST_COUNT - 1;
		if (next > QUICK_S)
			next = QUICK_S;
	}
	schedule(s, next);
}

static void
schedule(struct source *s, double after_s)
{
	struct ntp *n = s->priv;
	struct timeval tv;

	tv.tv_sec = (time_t)after_s;
	tv.tv_usec = (suseconds_t)((after_s - (double)tv.tv_sec) * 1e6);
	evtimer_add(n->timer, &tv);
}

/* The address is known: poll now, quickly at first with `iburst`. */
static void
start_polling(struct source *s)
{
	struct ntp *n = s->priv;

	format_addr(&n->addr, n->addrstr, sizeof(n->addrstr));
	n->have_addr = true;
	n->polls = 0;
	n->reach = 0;
	n->quick_left = s->cfg->iburst ? IBURST_COUNT - 1 : 0;
	schedule(s, 0);
}

/* ------------------------------------------------------------ resolver */

static void
on_resolved(int result, struct evutil_addrinfo *res, void *arg)
{
	struct source *s = arg;
	struct ntp *n = s->priv;

	n->dnsreq = NULL;
	if (result == EVUTIL_EAI_CANCEL)
		return;
	if (result != 0 || res == NULL) {
		source_emit(s, "ntp_resolve_failed", "%s: cannot resolve %s: "
		    "%s; retrying in %.0f s", s->cfg->name, s->cfg->server,
		    evutil_gai_strerror(result), RESOLVE_RETRY_S);
		if (res != NULL)
			evutil_freeaddrinfo(res);
		schedule(s, RESOLVE_RETRY_S);
		return;
	}
	memcpy(&n->addr, res->ai_addr, res->ai_addrlen);
	n->alen = (socklen_t)res->ai_addrlen;
	evutil_freeaddrinfo(res);
	start_polling(s);
	log_info("ntp_resolved", "%s: %s is %s", s->cfg->name, s->cfg->server,
	    n->addrstr);
}

static void
resolve(struct source *s)
{
	struct ntp *n = s->priv;
	struct evutil_addrinfo hints;
	char port[8];

	if (s->env.dns == NULL) {
		source_emit(s, "ntp_resolve_failed", "%s: no resolver for %s",
		    s->cfg->name, s->cfg->server);
		schedule(s, RESOLVE_RETRY_S);
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_protocol = IPPROTO_UDP;
	snprintf(port, sizeof(port), "%d", s->cfg->port);
	n->dnsreq = evdns_getaddrinfo(s->env.dns, s->cfg->server, port, &hints,
	    on_resolved, s);
}

/* ------------------------------------------------------------ ops */

static int
ntp_start(struct source *s, char *err, size_t errlen)
{
	struct ntp *n = calloc(1, sizeof(*n));

	if (n == NULL) {
		snprintf(err, errlen, "%s: out of memory", s->cfg->name);
		return -1;
	}
	s->priv = n;
	n->sk.fd = -1;
	n->poll = s->cfg->poll_min;
	n->timer = evtimer_new(s->env.base, on_timer, s);
	if (n->timer == NULL) {
		snprintf(err, errlen, "%s: cannot create a timer", s->cfg->name);
		free(n);
		s->priv = NULL;
		return -1;
	}
	n->literal = parse_literal(s->cfg->server, s->cfg->port, &n->addr,
	    &n->alen);
	if (n->literal)
		start_polling(s);
	else
		resolve(s);
	return 0;
}

static void
ntp_stop(struct source *s)
{
	struct ntp *n = s->priv;

	if (n == NULL)
		return;
	if (n->dnsreq != NULL)
		evdns_getaddrinfo_cancel(n->dnsreq);
	close_socket(n);
	if (n->timer != NULL)
		event_free(n->timer);
	free(n);
	s->priv = NULL;
}

static const char *
worse_mode(enum ntp_ts_mode a, enum ntp_ts_mode b)
{
	return ntp_ts_mode_name(a < b ? a : b);
}

static json_t *
num_or_null(bool have, double v)
{
	return have ? json_real(v) : json_null();
}

static void
ntp_info(const struct source *s, int64_t now, json_t *o)
{
	const struct ntp *n = s->priv;
	char refid[64];

	(void)now;
	json_object_set_new(o, "server", json_string(s->cfg->server));
	json_object_set_new(o, "address", n->have_addr ?
	    json_string(n->addrstr) : json_null());
	json_object_set_new(o, "reach", json_integer(n->reach));
	json_object_set_new(o, "poll_s", json_real(interval_s(n->poll)));
	json_object_set_new(o, "polling", json_boolean(!n->stopped));
	json_object_set_new(o, "kod", n->kod[0] != '\0' ?
	    json_string(n->kod) : json_null());
	if (n->have_reply) {
		ntp_refid_str(n->stratum, n->refid, refid, sizeof(refid));
		json_object_set_new(o, "stratum", json_integer(n->stratum));
		json_object_set_new(o, "refid", json_string(refid));
		json_object_set_new(o, "leap", json_integer((int)n->leap));
	} else {
		json_object_set_new(o, "stratum", json_null());
		json_object_set_new(o, "refid", json_null());
		json_object_set_new(o, "leap", json_null());
	}
	json_object_set_new(o, "root_delay_s", num_or_null(n->have_reply,
	    n->root_delay_s));
	json_object_set_new(o, "root_dispersion_s", num_or_null(n->have_reply,
	    n->root_disp_s));
	json_object_set_new(o, "delay_s", num_or_null(n->have_sample,
	    n->delay_s));
	json_object_set_new(o, "last_offset_s", num_or_null(n->have_sample,
	    n->offset_s));
	json_object_set_new(o, "timestamping", n->have_sample ?
	    json_string(worse_mode(n->rx_mode, n->tx_mode)) : json_null());
	json_object_set_new(o, "timestamping_rx", n->have_sample ?
	    json_string(ntp_ts_mode_name(n->rx_mode)) : json_null());
	json_object_set_new(o, "timestamping_tx", n->have_sample ?
	    json_string(ntp_ts_mode_name(n->tx_mode)) : json_null());
	if (n->have_sample) {
		json_t *rows = source_budget_json(&n->budget);

		json_object_set_new(o, "last_sample", json_pack("{s:f, s:f, s:f, "
		    "s:f, s:o}", "half_delay_s", n->delay_s / 2,
		    "root_distance_s", n->root_s, "precision_s", n->prec_s,
		    "hard_bound_s", n->delay_s / 2 + n->root_s + n->prec_s,
		    "budget", rows));
	}
	json_object_set_new(o, "sent", json_integer((json_int_t)n->sent));
	json_object_set_new(o, "received", json_integer((json_int_t)n->received));
	json_object_set_new(o, "kod_count", json_integer((json_int_t)n->kod_count));
	json_object_set_new(o, "delay_drops",
	    json_integer((json_int_t)n->delay_drops));
}

const struct source_ops source_ntp_ops = {
	.type = "ntp",
	.start = ntp_start,
	.stop = ntp_stop,
	.info = ntp_info,
};

/*
 * metrics.c - OpenMetrics / Prometheus exposition over libevent's evhttp.
 *
 * The formatter writes the figures a provider filled; the HTTP side only
 * routes, negotiates the format and bounds what a client may cost us.
 * Listening socket made here (not by evhttp_bind_socket) so that errors
 * name the address and errno, and IPv6 sockets are IPV6_V6ONLY.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "log.h"
#include "metrics.h"
#include "units.h"

#define MAX_HEADERS_BYTES	8192
#define MAX_BODY_BYTES		1024
#define CONN_TIMEOUT_S		10
#define LISTEN_BACKLOG		16
#define MAX_CONNECTIONS		64	/* libevent >= 2.2 only */

#define CT_OPENMETRICS	"application/openmetrics-text; version=1.0.0; charset=utf-8"
#define CT_TEXT		"text/plain; version=0.0.4; charset=utf-8"

struct metrics {
	struct evhttp		*http;
	struct metrics_handlers	h;
	unsigned long		requests;
};

/* ------------------------------------------------------------ format */

struct out {
	FILE			*f;
	enum metrics_format	fmt;
};

enum kind { GAUGE, COUNTER, INFO };

/*
 * TYPE, HELP (and UNIT in OpenMetrics) of a family. `name` is the
 * OpenMetrics family name: a counter's samples add _total, an info's
 * _info; the 0.0.4 format names the family after its samples.
 */
static void
family(struct out *o, const char *name, enum kind k, const char *unit,
    const char *help)
{
	static const char *const om_type[] = { "gauge", "counter", "info" };
	static const char *const suffix[] = { "", "_total", "_info" };
	bool om = o->fmt == METRICS_OPENMETRICS;
	const char *sfx = om ? "" : suffix[k];

	fprintf(o->f, "# TYPE %s%s %s\n", name, sfx,
	    om ? om_type[k] : k == COUNTER ? "counter" : "gauge");
	if (om && unit != NULL)
		fprintf(o->f, "# UNIT %s %s\n", name, unit);
	/* help texts are ours: no backslash, quote or newline to escape */
	fprintf(o->f, "# HELP %s%s %s\n", name, sfx, help);
}

static void
value(FILE *f, double v)
{
	if (isnan(v))
		fputs(" NaN\n", f);
	else if (isinf(v))
		fputs(v > 0 ? " +Inf\n" : " -Inf\n", f);
	else
		fprintf(f, " %.15g\n", v);
}

/* A label value: backslash, double quote and newline escaped. */
static void
label_value(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void
sample(struct out *o, const char *name, double v)
{
	fputs(name, o->f);
	value(o->f, v);
}

/* name{l1="v1"[,l2="v2"]} v */
static void
sample_l(struct out *o, const char *name, const char *l1, const char *v1,
    const char *l2, const char *v2, double v)
{
	fprintf(o->f, "%s{%s=\"", name, l1);
	label_value(o->f, v1);
	if (l2 != NULL) {
		fprintf(o->f, "\",%s=\"", l2);
		label_value(o->f, v2);
	}
	fputs("\"}", o->f);
	value(o->f, v);
}

static void
gauge(struct out *o, const char *name, const char *unit, const char *help,
    double v)
{
	family(o, name, GAUGE, unit, help);
	sample(o, name, v);
}

static void
counter(struct out *o, const char *name, const char *help, unsigned long v)
{
	char total[128];

	snprintf(total, sizeof(total), "%s_total", name);
	family(o, name, COUNTER, NULL, help);
	sample(o, total, (double)v);
}

static void
format_status(struct out *o, const struct metrics_figures *f)
{
	family(o, "tsync_build", INFO, NULL, "tsyncd version.");
	sample_l(o, "tsync_build_info", "version", f->version != NULL ?
	    f->version : "", NULL, NULL, 1);
	family(o, "tsync_state", GAUGE, NULL, "1 for the engine's current "
	    "state, 0 for the others.");
	for (int s = ENGINE_UNSYNCHRONIZED; s <= ENGINE_FREERUN; s++)
		sample_l(o, "tsync_state", "state", engine_state_name(s), NULL,
		    NULL, f->state == (enum engine_state)s);
	gauge(o, "tsync_state_age_seconds", "seconds", "Time since the "
	    "current state was entered.", f->state_age_s);
	gauge(o, "tsync_clock_class", NULL, "PTP clockClass the published "
	    "time deserves (6, 7, 52, 187, 248).", f->clock_class);
	gauge(o, "tsync_traceable", NULL, "1 when the time is traceable to "
	    "UTC within the tolerance.", f->traceable);
	gauge(o, "tsync_within_tolerance", NULL, "1 when max_error is within "
	    "the tolerance.", f->within_tolerance);
	gauge(o, "tsync_tolerance_seconds", "seconds", "Configured tolerance "
	    "(largest allowed error from UTC).", f->tolerance_s);
	if (isfinite(f->time_to_tolerance_s))
		gauge(o, "tsync_time_to_tolerance_seconds", "seconds",
		    "Predicted time until max_error crosses the tolerance "
		    "(0: beyond it).", f->time_to_tolerance_s);
}

static void
format_estimate(struct out *o, const struct metrics_figures *f)
{
	if (!f->have_estimate)
		return;
	gauge(o, "tsync_offset_seconds", "seconds", "Estimated offset "
	    "UTC - clock.", f->offset_s);
	gauge(o, "tsync_uncertainty_seconds", "seconds", "Standard "
	    "uncertainty u of the offset (k = 1).", f->u_s);
	gauge(o, "tsync_expanded_uncertainty_seconds", "seconds", "Expanded "
	    "uncertainty U = k u of the offset.", f->U_s);
	gauge(o, "tsync_max_error_seconds", "seconds", "Hard bound on "
	    "|true offset - estimated offset|.", f->max_error_s);
	gauge(o, "tsync_frequency_ppb", NULL, "Estimated frequency error of "
	    "the clock, ppb.", f->freq_ppb);
}

typedef double (*src_fig_fn)(const struct metrics_source *);

static double src_offset(const struct metrics_source *s) { return s->offset_s; }
static double src_offset_u(const struct metrics_source *s) { return s->offset_u_s; }
static double src_jitter(const struct metrics_source *s) { return s->jitter_s; }
static double src_max_error(const struct metrics_source *s) { return s->max_error_s; }
static double src_age(const struct metrics_source *s) { return s->age_s; }

static const struct {
	const char	*name;
	const char	*help;
	src_fig_fn	get;
} src_figs[] = {
	{ "tsync_source_offset_seconds", "Offset of the source's time from "
	  "the clock.", src_offset },
	{ "tsync_source_offset_uncertainty_seconds", "Standard error of the "
	  "source's offset.", src_offset_u },
	{ "tsync_source_jitter_seconds", "RMS residual of the source's "
	  "samples.", src_jitter },
	{ "tsync_source_max_error_seconds", "Hard bound on the error of the "
	  "source's offset.", src_max_error },
	{ "tsync_source_last_sample_age_seconds", "Time since the source's "
	  "newest sample.", src_age },
};

static void
format_source_states(struct out *o, const struct metrics_figures *f)
{
	family(o, "tsync_source_state", GAUGE, NULL, "1 for the source's "
	    "selection state, 0 for the others.");
	for (int i = 0; i < f->nsources; i++)
		for (int s = SEL_UNUSABLE; s <= SEL_FALSETICKER; s++)
			sample_l(o, "tsync_source_state", "source",
			    f->source[i].name, "state", sel_state_name(s),
			    f->source[i].state == (enum sel_state)s);
	family(o, "tsync_source_usable", GAUGE, NULL, "1 when the source is "
	    "reachable with enough recent samples.");
	for (int i = 0; i < f->nsources; i++)
		sample_l(o, "tsync_source_usable", "source", f->source[i].name,
		    NULL, NULL, f->source[i].usable);
}

static void
format_sources(struct out *o, const struct metrics_figures *f)
{
	int n = 0;

	if (f->nsources <= 0)
		return;
	format_source_states(o, f);
	for (int i = 0; i < f->nsources; i++)
		n += f->source[i].have_estimate;
	for (size_t k = 0; n > 0 && k < sizeof(src_figs) / sizeof(src_figs[0]); k++) {
		family(o, src_figs[k].name, GAUGE, "seconds", src_figs[k].help);
		for (int i = 0; i < f->nsources; i++)
			if (f->source[i].have_estimate)
				sample_l(o, src_figs[k].name, "source",
				    f->source[i].name, NULL, NULL,
				    src_figs[k].get(&f->source[i]));
	}
	family(o, "tsync_source_reach", GAUGE, NULL, "Reachability register: "
	    "one bit per recent poll, 1 = answered (255 = the last 8).");
	for (int i = 0; i < f->nsources; i++)
		if (f->source[i].reach >= 0)
			sample_l(o, "tsync_source_reach", "source",
			    f->source[i].name, NULL, NULL, f->source[i].reach);
	family(o, "tsync_source_delay_seconds", GAUGE, "seconds", "Round-trip "
	    "delay of the source's last sample.");
	for (int i = 0; i < f->nsources; i++)
		if (f->source[i].have_delay)
			sample_l(o, "tsync_source_delay_seconds", "source",
			    f->source[i].name, NULL, NULL, f->source[i].delay_s);
	family(o, "tsync_source_dropped_inputs", COUNTER, NULL, "Malformed, "
	    "stale or forged inputs from the source, counted and dropped.");
	for (int i = 0; i < f->nsources; i++)
		sample_l(o, "tsync_source_dropped_inputs_total", "source",
		    f->source[i].name, NULL, NULL, (double)f->source[i].dropped);
	family(o, "tsync_source_samples", COUNTER, NULL, "Samples accepted "
	    "from the source.");
	for (int i = 0; i < f->nsources; i++)
		sample_l(o, "tsync_source_samples_total", "source",
		    f->source[i].name, NULL, NULL, (double)f->source[i].samples);
	family(o, "tsync_source_rejected_samples", COUNTER, NULL, "Samples "
	    "from the source rejected as outliers.");
	for (int i = 0; i < f->nsources; i++)
		sample_l(o, "tsync_source_rejected_samples_total", "source",
		    f->source[i].name, NULL, NULL, (double)f->source[i].rejected);
}

static void
format_daemon(struct out *o, const struct metrics_figures *f)
{
	gauge(o, "tsync_uptime_seconds", "seconds", "Time since tsyncd "
	    "started.", f->uptime_s);
	if (f->have_ctl) {
		gauge(o, "tsync_ctl_clients", NULL, "Connected control-socket "
		    "clients.", f->ctl_clients);
		counter(o, "tsync_ctl_bad_requests", "Malformed control "
		    "requests answered with an error.", f->ctl_bad_requests);
		counter(o, "tsync_ctl_refused_connections", "Control "
		    "connections refused (too many clients).", f->ctl_refused);
	}
	if (f->have_audit)
		counter(o, "tsync_audit_write_failures", "Audit records that "
		    "could not be written.", f->audit_failures);
	if (f->have_leap_expiry)
		gauge(o, "tsync_leap_table_expiry_timestamp_seconds", "seconds",
		    "When the leap-second table expires (Unix time).",
		    f->leap_expiry_unix_s);
}

char *
metrics_format(const struct metrics_figures *f, enum metrics_format fmt,
    size_t *len)
{
	struct out o = { .fmt = fmt };
	char *buf = NULL;
	size_t n = 0;

	o.f = open_memstream(&buf, &n);
	if (o.f == NULL)
		return NULL;
	format_status(&o, f);
	format_estimate(&o, f);
	format_sources(&o, f);
	format_daemon(&o, f);
	if (fmt == METRICS_OPENMETRICS)
		fputs("# EOF\n", o.f);
	if (ferror(o.f)) {
		fclose(o.f);
		free(buf);
		return NULL;
	}
	if (fclose(o.f) != 0) {
		free(buf);
		return NULL;
	}
	if (len != NULL)
		*len = n;
	return buf;
}

const char *
metrics_content_type(enum metrics_format fmt)
{
	return fmt == METRICS_TEXT ? CT_TEXT : CT_OPENMETRICS;
}

/*
 * OpenMetrics unless the client names text/plain and not OpenMetrics:
 * the q-values are not weighed, as no scraper offers both and prefers
 * the older one.
 */
enum metrics_format
metrics_negotiate(const char *accept)
{
	if (accept == NULL || strstr(accept, "application/openmetrics-text"))
		return METRICS_OPENMETRICS;
	return strstr(accept, "text/plain") ? METRICS_TEXT : METRICS_OPENMETRICS;
}

/* ------------------------------------------------------------ http */

static void
reply_metrics(struct metrics *m, struct evhttp_request *req)
{
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	struct metrics_figures *f;
	enum metrics_format fmt;
	struct evbuffer *body;
	size_t len;
	char *text;

	fmt = metrics_negotiate(evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Accept"));
	f = calloc(1, sizeof(*f));
	if (f != NULL)
		m->h.collect(m->h.arg, f);
	text = f != NULL ? metrics_format(f, fmt, &len) : NULL;
	free(f);
	body = evbuffer_new();
	if (text == NULL || body == NULL || evbuffer_add(body, text, len) == -1) {
		log_rl(LL_ERR, "metrics_failed", NULL, "metrics: out of memory");
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
	} else {
		evhttp_add_header(hdr, "Content-Type", metrics_content_type(fmt));
		evhttp_add_header(hdr, "Cache-Control", "no-store");
		evhttp_send_reply(req, HTTP_OK, "OK", body);
	}
	if (body != NULL)
		evbuffer_free(body);
	free(text);
}

/* Not evhttp_send_error(): it would drop the Allow header. */
static void
method_not_allowed(struct evhttp_request *req)
{
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	struct evbuffer *body = evbuffer_new();

	evhttp_add_header(hdr, "Allow", "GET, HEAD");
	evhttp_add_header(hdr, "Content-Type", "text/plain; charset=utf-8");
	evhttp_add_header(hdr, "Connection", "close");
	if (body != NULL)
		evbuffer_add_printf(body, "405 Method Not Allowed\n");
	evhttp_send_reply(req, 405, "Method Not Allowed", body);
	if (body != NULL)
		evbuffer_free(body);
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct metrics *m = arg;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;

	m->requests++;
	if (path == NULL) {
		evhttp_send_error(req, HTTP_BADREQUEST, NULL);
		return;
	}
	if (strcmp(path, "/metrics") != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, NULL);
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		method_not_allowed(req);
		return;
	}
	reply_metrics(m, req);
}

static int
listen_socket(const char *listen_addr, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	char host[INET6_ADDRSTRLEN];
	const char *why;
	uint16_t port;
	int fd, family, one = 1;
	socklen_t sl;

	if (units_parse_hostport(listen_addr, host, sizeof(host), &port,
	    &family, &why) == -1)
		return snprintf(err, errlen, "metrics %s: %s", listen_addr,
		    why), -1;
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		inet_pton(AF_INET6, host, &sin6->sin6_addr);
		sl = sizeof(*sin6);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		inet_pton(AF_INET, host, &sin->sin_addr);
		sl = sizeof(*sin);
	}
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return snprintf(err, errlen, "metrics %s: socket: %s",
		    listen_addr, strerror(errno)), -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1 ||
	    listen(fd, LISTEN_BACKLOG) == -1) {
		snprintf(err, errlen, "metrics: cannot listen on %s: %s",
		    listen_addr, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

struct metrics *
metrics_create(struct event_base *base, const char *listen_addr,
    const struct metrics_handlers *h, char *err, size_t errlen)
{
	struct metrics *m;
	int fd;

	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return snprintf(err, errlen, "out of memory"), NULL;
	m->h = *h;
	fd = listen_socket(listen_addr, err, errlen);
	if (fd == -1) {
		free(m);
		return NULL;
	}
	m->http = evhttp_new(base);
	if (m->http == NULL || evhttp_accept_socket(m->http, fd) == -1) {
		snprintf(err, errlen, "metrics %s: cannot start the HTTP "
		    "server", listen_addr);
		if (m->http != NULL)
			evhttp_free(m->http);
		close(fd);
		free(m);
		return NULL;
	}
	evhttp_set_max_headers_size(m->http, MAX_HEADERS_BYTES);
	evhttp_set_max_body_size(m->http, MAX_BODY_BYTES);
	evhttp_set_timeout(m->http, CONN_TIMEOUT_S);
#if LIBEVENT_VERSION_NUMBER >= 0x02020000
	evhttp_set_max_connections(m->http, MAX_CONNECTIONS);
#endif
	/* Every method reaches on_request, which answers 405 (not 501). */
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_gencb(m->http, on_request, m);
	return m;
}

void
metrics_destroy(struct metrics *m)
{
	if (m == NULL)
		return;
	evhttp_free(m->http);	/* closes the listener and every connection */
	free(m);
}

unsigned long
metrics_requests(const struct metrics *m)
{
	return m->requests;
}

/*
 * tsctl.c - command-line client of tsyncd's control socket.
 *
 *   tsctl [--socket PATH] [--json] status | sources | trace | leap | version | watch | reload
 *   tsctl [--socket PATH] check [OPTIONS]     (tsctl_check.c)
 *   tsctl report [OPTIONS] [FILE...]          (tsctl_report.c)
 *   tsctl audit verify [FILE...]              (tsctl_audit.c)
 *
 * Exit codes: 0 success; 1 the daemon answered with an error; 2 usage;
 * 3 the daemon could not be reached (or broke the protocol).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl_proto.h"
#include "tsctl_audit.h"
#include "tsctl_check.h"
#include "tsctl_report.h"
#include "tsctl_fmt.h"

#define DEFAULT_SOCKET		CTL_DEFAULT_SOCKET
#define REPLY_TIMEOUT_MS	5000
#define MAX_REPLY		(1 << 20)

#define EXIT_DAEMON_ERROR	1
#define EXIT_USAGE		2
#define EXIT_UNREACHABLE	3

struct tsctl {
	const char	*socket;
	bool		json;
	int		fd;
	char		*buf;		/* received bytes not yet returned */
	char		why[256];	/* the last reason the daemon was unreachable */
	size_t		len, cap;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: tsctl [--socket PATH] [--json] COMMAND\n"
	    "\n"
	    "commands:\n"
	    "  status    the daemon's state, clock and tolerance\n"
	    "  sources   each source: state, reach, offset, delay, u, max_error, trace\n"
	    "  trace     the chain from UTC(k) to this clock, and the budget of u and max_error\n"
	    "  leap      the leap-second table: hash, expiry, TAI-UTC, next leap\n"
	    "  version   the daemon's and the protocol's versions\n"
	    "  watch     print status changes and events as they happen (until interrupted)\n"
	    "  reload    reload the configuration (root or status.admin_group)\n"
	    "  check [--max-error D] [--warning D] [--require-traceable]\n"
	    "        [--require-state LIST]\n"
	    "            monitoring-plugin check: one line, exit 0/1/2/3\n"
	    "  report [--since T] [--until T] [--tolerance PRESET|D]\n"
	    "         [--format text|json|html] [FILE...]\n"
	    "            compliance report from the audit log\n"
	    "  audit verify [FILE...]\n"
	    "            check the audit log's hash chain (oldest file first)\n"
	    "\n"
	    "options:\n"
	    "  -s, --socket PATH  control socket (default %s)\n"
	    "  -j, --json         print the daemon's replies unchanged, one JSON object per line\n"
	    "  -V, --version      print tsctl's version\n"
	    "  -h, --help         print this help\n", DEFAULT_SOCKET);
}

static int
unreachable(struct tsctl *t, const char *what)
{
	snprintf(t->why, sizeof(t->why), "cannot reach tsyncd at %s: %s",
	    t->socket, what);
	fprintf(stderr, "tsctl: %s\n", t->why);
	return -1;
}

static int
ctl_connect(struct tsctl *t)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	if (strlen(t->socket) >= sizeof(sun.sun_path))
		return unreachable(t, "socket path too long");
	strcpy(sun.sun_path, t->socket);
	t->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (t->fd == -1)
		return unreachable(t, strerror(errno));
	if (connect(t->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		return unreachable(t, strerror(errno));
	return 0;
}

static int
send_request(struct tsctl *t, const char *cmd)
{
	char line[64];
	size_t off = 0;
	int n;

	n = snprintf(line, sizeof(line), "{\"cmd\":\"%s\",\"version\":%d}\n",
	    cmd, CTL_PROTO_VERSION);
	while (off < (size_t)n) {
		ssize_t w = send(t->fd, line + off, (size_t)n - off, MSG_NOSIGNAL);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return unreachable(t, strerror(errno));
		off += (size_t)w;
	}
	return 0;
}

/*
 * Read one line into a malloc'd string (without '\n'). timeout_ms < 0
 * waits forever (watch). Returns NULL after printing why.
 */
static char *
read_line(struct tsctl *t, int timeout_ms)
{
	struct pollfd pfd = { .fd = t->fd, .events = POLLIN };
	char *nl, *line;
	ssize_t r;

	while (t->len == 0 || (nl = memchr(t->buf, '\n', t->len)) == NULL) {
		if (t->len >= MAX_REPLY)
			return unreachable(t, "reply too long"), NULL;
		if (t->cap - t->len < 4096) {
			t->cap = t->cap ? t->cap * 2 : 8192;
			if ((t->buf = realloc(t->buf, t->cap)) == NULL)
				return unreachable(t, "out of memory"), NULL;
		}
		r = poll(&pfd, 1, timeout_ms);
		if (r == 0)
			return unreachable(t, "no reply (timed out)"), NULL;
		if (r == -1 && errno == EINTR)
			continue;
		r = r == -1 ? -1 : read(t->fd, t->buf + t->len, t->cap - t->len);
		if (r == 0)
			return unreachable(t, "connection closed by the daemon"), NULL;
		if (r == -1)
			return unreachable(t, strerror(errno)), NULL;
		t->len += (size_t)r;
	}
	line = strndup(t->buf, (size_t)(nl - t->buf));
	t->len -= (size_t)(nl + 1 - t->buf);
	memmove(t->buf, nl + 1, t->len);
	return line;
}

/* ------------------------------------------------------------ printing */

static const char *
jstr(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : dflt;
}

static void
format_uptime(double s, char *buf, size_t len)
{
	long t = (long)s;

	if (t < 60)
		snprintf(buf, len, "%ld s", t);
	else if (t < 3600)
		snprintf(buf, len, "%ldm %02lds", t / 60, t % 60);
	else if (t < 86400)
		snprintf(buf, len, "%ldh %02ldm", t / 3600, t % 3600 / 60);
	else
		snprintf(buf, len, "%ldd %02ldh", t / 86400, t % 86400 / 3600);
}

#define ROW(label, ...)	(printf("%-18s", label ":"), printf(__VA_ARGS__), putchar('\n'))

static void
print_kernel(json_t *k)
{
	char me[32], ee[32];

	if (!json_is_object(k))
		return;
	tsctl_format_seconds(json_number_value(json_object_get(k, "maxerror_s")), me, sizeof(me));
	tsctl_format_seconds(json_number_value(json_object_get(k, "esterror_s")), ee, sizeof(ee));
	ROW("Kernel status", "%s, maxerror %s, esterror %s, freq %+.3f ppm, leap %s, TAI-UTC %d s",
	    json_is_true(json_object_get(k, "unsync")) ? "unsynchronised" : "synchronised",
	    me, ee, json_number_value(json_object_get(k, "frequency_ppb")) / 1e3,
	    jstr(k, "leap", "?"),
	    (int)json_integer_value(json_object_get(k, "tai_offset_s")));
}

static void
print_estimate(json_t *e)
{
	char off[32], u[32], U[32], me[32];

	if (!json_is_object(e)) {
		ROW("Estimate", "none yet");
		return;
	}
	tsctl_format_seconds(json_number_value(json_object_get(e, "offset_s")), off, sizeof(off));
	tsctl_format_seconds(json_number_value(json_object_get(e, "u_s")), u, sizeof(u));
	tsctl_format_seconds(json_number_value(json_object_get(e, "U_s")), U, sizeof(U));
	tsctl_format_seconds(json_number_value(json_object_get(e, "max_error_s")), me, sizeof(me));
	ROW("Offset from UTC", "%s, u %s, U %s (k=%g)", off, u, U,
	    json_number_value(json_object_get(e, "k")));
	ROW("Max error", "%s (hard bound)", me);
	ROW("Frequency", "%+.3f ppb +- %.3f ppb",
	    json_number_value(json_object_get(e, "frequency_ppb")),
	    json_number_value(json_object_get(e, "frequency_u_ppb")));
}

static void
print_tolerance(json_t *tol)
{
	char tbuf[32], cross[48];
	const char *preset = jstr(tol, "preset", NULL);
	json_t *t = json_object_get(tol, "time_to_cross_s");

	tsctl_format_seconds(json_number_value(json_object_get(tol, "max_error_s")),
	    tbuf, sizeof(tbuf));
	if (json_is_number(t) && json_number_value(t) > 0)
		format_uptime(json_number_value(t), cross, sizeof(cross));
	else
		snprintf(cross, sizeof(cross), json_is_number(t) ? "crossed" : "not predicted");
	ROW("Tolerance", "%s%s%s%s, %s (time to cross: %s)", tbuf,
	    preset ? " (preset " : "", preset ? preset : "", preset ? ")" : "",
	    json_is_true(json_object_get(tol, "within")) ? "within" : "NOT within",
	    cross);
}

/* "2029-06-28 (in 943 days)", "2026-06-28 (EXPIRED 152 days ago)" */
static void
format_expiry(json_t *leap, char *buf, size_t len)
{
	const char *validity = jstr(leap, "validity", "?");
	json_t *dj = json_object_get(leap, "days_to_expiry");
	long long days = (long long)json_integer_value(dj);

	if (!json_is_integer(dj))
		snprintf(buf, len, "%s", jstr(leap, "expires", "-"));
	else if (strcmp(validity, "expired") == 0)
		snprintf(buf, len, "%s (EXPIRED %lld days ago)",
		    jstr(leap, "expires", "?"), -days);
	else
		snprintf(buf, len, "%s (%sin %lld days)", jstr(leap, "expires", "?"),
		    strcmp(validity, "expiring") == 0 ? "EXPIRING, " : "", days);
}

/* The sources' announcements and whether they agree with the table. */
static void
print_leap_votes(json_t *leap)
{
	json_t *v;
	size_t i;

	ROW("Sources", "%s", jstr(leap, "agreement", "-"));
	json_array_foreach(json_object_get(leap, "sources"), i, v)
		printf("  %-16s announces %s%s\n", jstr(v, "source", "?"),
		    jstr(v, "announces", "?"), json_is_true(json_object_get(v,
		    "agrees")) ? "" : "  (CONTRADICTS THE TABLE)");
}

/*
 * leap.mode and, while one is set up, the slew or smear:
 *   "Leap smear: clock -0.312000 s from UTC, ends 2027-01-01T12:00:00Z"
 */
static void
print_leap_mode(json_t *leap)
{
	json_t *ramp = json_object_get(leap, "ramp");
	json_t *off = json_object_get(ramp, "clock_minus_utc_s");
	const char *mode = jstr(leap, "mode", NULL);
	char label[24];

	if (mode == NULL)
		return;
	if (strcmp(mode, "smear") == 0)
		ROW("Leap mode", "smear over %lld s", (long long)json_integer_value(
		    json_object_get(leap, "smear_window_s")));
	else
		ROW("Leap mode", "%s", mode);
	if (!json_is_object(ramp))
		return;
	/* ROW's label is a literal; this one names the mode */
	snprintf(label, sizeof(label), "Leap %s:", jstr(ramp, "mode", "?"));
	printf("%-18s", label);
	if (json_is_true(json_object_get(ramp, "active")) && json_is_number(off))
		printf("clock %+.6f s from UTC, ends %s\n", json_number_value(off),
		    jstr(ramp, "end", "?"));
	else
		printf("armed, from %s to %s\n", jstr(ramp, "start", "?"),
		    jstr(ramp, "end", "?"));
}

static void
print_leap(json_t *leap)
{
	json_t *next = json_object_get(leap, "next_leap");
	json_t *tai = json_object_get(leap, "tai_offset_s");
	const char *err = jstr(leap, "error", NULL);
	char exp[96];

	format_expiry(leap, exp, sizeof(exp));
	ROW("File", "%s", jstr(leap, "file", "?"));
	ROW("Table", "%s", jstr(leap, "validity", "?"));
	if (err != NULL)
		ROW("Error", "%s", err);
	ROW("Hash", "%s", json_is_true(json_object_get(leap, "valid")) ?
	    "verified" : json_is_string(json_object_get(leap, "expires")) ?
	    "MISMATCH" : "-");
	ROW("Updated", "%s", jstr(leap, "updated", "-"));
	ROW("Expires", "%s", exp);
	if (json_is_integer(tai))
		ROW("TAI-UTC", "%lld s", (long long)json_integer_value(tai));
	else
		ROW("TAI-UTC", "unknown");
	if (json_is_object(next))
		ROW("Next leap", "%s at %s, TAI-UTC %lld s from then",
		    jstr(next, "type", "?"), jstr(next, "at", "?"),
		    (long long)json_integer_value(json_object_get(next,
		    "tai_offset_s")));
	else
		ROW("Next leap", "%s", json_is_integer(tai) ?
		    "none announced" : "unknown");
	print_leap_mode(leap);
	print_leap_votes(leap);
}

/* A seconds figure for a table cell, "-" when absent. */
static const char *
cell_seconds(json_t *o, const char *key, char *buf, size_t len)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_number(v))
		return "-";
	tsctl_format_seconds(json_number_value(v), buf, len);
	return buf;
}

static void
print_sources(json_t *data)
{
	json_t *arr = json_object_get(data, "sources"), *s, *st, *reach;
	char off[24], del[24], u[24], me[24], age[24], stratum[8], rch[8];
	size_t i;

	if (json_array_size(arr) == 0) {
		printf("no sources configured\n");
		return;
	}
	printf("%-16s %-5s %-12s %4s %6s %10s %10s %10s %10s %3s %-8s %s\n",
	    "NAME", "TYPE", "STATE", "REACH", "AGE", "OFFSET", "DELAY", "U",
	    "MAX_ERROR", "ST", "TS", "ADDRESS / TRACE");
	json_array_foreach(arr, i, s) {
		st = json_object_get(s, "stratum");
		reach = json_object_get(s, "reach");
		snprintf(stratum, sizeof(stratum), "%s", "-");
		if (json_is_integer(st))
			snprintf(stratum, sizeof(stratum), "%lld",
			    (long long)json_integer_value(st));
		snprintf(rch, sizeof(rch), "%s", "-");
		if (json_is_integer(reach))
			snprintf(rch, sizeof(rch), "%03llo",
			    (long long)json_integer_value(reach));
		printf("%-16s %-5s %-12s %5s %6s %10s %10s %10s %10s %3s %-8s "
		    "%s%s%s%s%s\n", jstr(s, "name", "?"), jstr(s, "type", "?"),
		    jstr(s, "state", "?"), rch,
		    cell_seconds(s, "last_sample_age_s", age, sizeof(age)),
		    cell_seconds(s, "offset_s", off, sizeof(off)),
		    cell_seconds(s, "delay_s", del, sizeof(del)),
		    cell_seconds(s, "u_s", u, sizeof(u)),
		    cell_seconds(s, "max_error_s", me, sizeof(me)), stratum,
		    jstr(s, "timestamping", "-"), jstr(s, "address", "-"),
		    json_is_string(json_object_get(s, "trace")) ? " " : "",
		    jstr(s, "trace", ""),
		    json_is_string(json_object_get(s, "kod")) ? " KoD " : "",
		    jstr(s, "kod", ""));
	}
}

static void
print_evidence(json_t *ev)
{
	const char *k;
	json_t *v;
	char *txt;

	json_object_foreach(ev, k, v) {
		txt = json_is_string(v) ? strdup(json_string_value(v)) :
		    json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(6));
		printf("      %-18s %s\n", k, txt != NULL ? txt : "?");
		free(txt);
	}
}

static void
print_trace(json_t *data)
{
	json_t *chain = json_object_get(data, "chain"), *l, *r, *rows;
	json_t *b = json_object_get(data, "budget");
	json_t *m = json_object_get(data, "max_error");
	char v[24], sum[24], big[24];
	double ss = 0, total = 0;
	size_t i, j;

	if (!json_is_string(json_object_get(data, "reference"))) {
		printf("no reference: state %s, nothing to trace\n",
		    jstr(data, "state", "?"));
		return;
	}
	printf("Reference %s (%s), state %s, %s\n\n",
	    jstr(data, "reference", "?"), json_is_true(json_object_get(data,
	    "selected")) ? "selected" : "last selected",
	    jstr(data, "state", "?"), json_is_true(json_object_get(data,
	    "traceable")) ? "traceable" : "NOT traceable");
	printf("Chain, from UTC(k) to this clock:\n");
	json_array_foreach(chain, i, l) {
		printf("  %lld. %-13s %s\n", (long long)json_integer_value(
		    json_object_get(l, "link")), jstr(l, "type", "?"),
		    jstr(l, "identity", "(none)"));
		print_evidence(json_object_get(l, "evidence"));
	}
	printf("\nUncertainty budget (k=1 rows, combined in quadrature):\n");
	printf("  %-4s %-12s %4s %10s  %s\n", "LINK", "ROW", "TYPE", "U",
	    "ORIGIN");
	rows = json_object_get(b, "rows");
	json_array_foreach(rows, j, r) {
		double u = json_number_value(json_object_get(r, "u_s"));

		ss += u * u;
		tsctl_format_seconds(u, v, sizeof(v));
		printf("  %-4lld %-12s %4s %10s  %s\n", (long long)
		    json_integer_value(json_object_get(r, "link")),
		    jstr(r, "name", "?"), jstr(r, "type", "?"), v,
		    jstr(r, "origin", ""));
	}
	tsctl_format_seconds(sqrt(ss), sum, sizeof(sum));
	tsctl_format_seconds(json_number_value(json_object_get(b, "u_s")), v,
	    sizeof(v));
	printf("  combined: %s (published u: %s), U = %s (k=%g)\n", sum, v,
	    cell_seconds(b, "U_s", big, sizeof(big)),
	    json_number_value(json_object_get(b, "k")));
	printf("\nMax error (hard bound; rows add up):\n");
	json_array_foreach(json_object_get(m, "rows"), j, r) {
		double s = json_number_value(json_object_get(r, "s"));

		total += s;
		tsctl_format_seconds(s, v, sizeof(v));
		printf("  %-4lld %10s  %s\n", (long long)json_integer_value(
		    json_object_get(r, "link")), v, jstr(r, "name", "?"));
	}
	tsctl_format_seconds(total, sum, sizeof(sum));
	printf("  sum: %s (published max_error: %s)\n", sum,
	    cell_seconds(m, "max_error_s", v, sizeof(v)));
}

/* One line: "expires 2026-06-28 (EXPIRED)", or why there is no table. */
static void
print_leap_summary(json_t *leap)
{
	const char *validity = jstr(leap, "validity", "?");
	char upper[16];
	size_t i;

	if (!json_is_object(leap))
		return;
	if (strcmp(validity, "unavailable") == 0) {
		ROW("Leap table", "unavailable (%s)", jstr(leap, "error", "?"));
		return;
	}
	for (i = 0; validity[i] != '\0' && i < sizeof(upper) - 1; i++)
		upper[i] = (char)(validity[i] >= 'a' && validity[i] <= 'z' ?
		    validity[i] - 'a' + 'A' : validity[i]);
	upper[i] = '\0';
	ROW("Leap table", "expires %s (%s), TAI-UTC %lld s",
	    jstr(leap, "expires", "?"), upper, (long long)json_integer_value(
	    json_object_get(leap, "tai_offset_s")));
	if (json_is_object(json_object_get(leap, "ramp")))
		print_leap_mode(leap);
}

static void
print_status(json_t *data)
{
	json_t *clock = json_object_get(data, "clock");
	json_t *daemon = json_object_get(data, "daemon");
	json_t *sources = json_object_get(data, "sources");
	char ubuf[32];

	format_uptime(json_number_value(json_object_get(data, "uptime_s")),
	    ubuf, sizeof(ubuf));
	ROW("State", "%s (%s)", jstr(data, "state", "?"), jstr(data, "reason", ""));
	ROW("Traceable", "%s, clockClass %lld",
	    json_is_true(json_object_get(data, "traceable")) ? "yes" : "no",
	    (long long)json_integer_value(json_object_get(data, "clock_class")));
	print_estimate(json_object_get(data, "estimate"));
	print_tolerance(json_object_get(data, "tolerance"));
	ROW("Clock", "%s (discipline %s)", json_is_string(json_object_get(clock,
	    "label")) ? jstr(clock, "label", "?") : jstr(clock, "driver", "?"),
	    json_is_true(json_object_get(clock, "discipline")) ? "on" : "off");
	print_kernel(json_object_get(clock, "kernel"));
	print_leap_summary(json_object_get(data, "leap"));
	ROW("Sources", "%zu", json_array_size(sources));
	ROW("Uptime", "%s (since %s)", ubuf, jstr(data, "started", "?"));
	ROW("Config", "%s", jstr(data, "config", "?"));
	ROW("Daemon", "tsyncd %s, pid %lld", jstr(daemon, "version", "?"),
	    (long long)json_integer_value(json_object_get(daemon, "pid")));
}

static void
print_version(json_t *data)
{
	ROW("tsctl", "%s", PACKAGE_VERSION);
	ROW("tsyncd", "%s", jstr(data, "daemon", "?"));
	ROW("Protocol", "%lld", (long long)json_integer_value(json_object_get(data, "protocol")));
}

/* ------------------------------------------------------------ commands */

/*
 * Read and check one message. Returns it (new reference), or NULL after
 * printing why; *exit_code tells the caller which exit code applies.
 */
static json_t *
receive(struct tsctl *t, int timeout_ms, char **raw, int *exit_code)
{
	struct ctl_error err;
	json_t *msg, *e;
	char *line;

	*exit_code = EXIT_UNREACHABLE;
	if ((line = read_line(t, timeout_ms)) == NULL)
		return NULL;
	msg = ctl_decode_message(line, strlen(line), &err);
	if (msg == NULL) {
		fprintf(stderr, "tsctl: bad reply from tsyncd at %s: %s\n",
		    t->socket, err.message);
		free(line);
		return NULL;
	}
	e = json_object_get(msg, "error");
	if (json_is_false(json_object_get(msg, "ok"))) {
		if (t->json)
			puts(line);
		else
			fprintf(stderr, "tsctl: tsyncd: %s (%s)\n",
			    jstr(e, "message", "?"), jstr(e, "code", "?"));
		*exit_code = EXIT_DAEMON_ERROR;
		json_decref(msg);
		free(line);
		return NULL;
	}
	*raw = line;
	*exit_code = EXIT_SUCCESS;
	return msg;
}

static int
cmd_simple(struct tsctl *t, const char *cmd)
{
	json_t *msg;
	char *raw;
	int rc;

	if (send_request(t, cmd) == -1)
		return EXIT_UNREACHABLE;
	if ((msg = receive(t, REPLY_TIMEOUT_MS, &raw, &rc)) == NULL)
		return rc;
	if (t->json)
		puts(raw);
	else if (strcmp(cmd, "status") == 0)
		print_status(json_object_get(msg, "data"));
	else if (strcmp(cmd, "leap") == 0)
		print_leap(json_object_get(msg, "data"));
	else if (strcmp(cmd, "sources") == 0)
		print_sources(json_object_get(msg, "data"));
	else if (strcmp(cmd, "trace") == 0)
		print_trace(json_object_get(msg, "data"));
	else if (strcmp(cmd, "reload") == 0)
		printf("reload requested\n");
	else
		print_version(json_object_get(msg, "data"));
	free(raw);
	json_decref(msg);
	return EXIT_SUCCESS;
}

static int
cmd_watch(struct tsctl *t)
{
	json_t *msg;
	char *raw;
	int rc;

	/* Each event must reach a pipe (a monitoring script) as it comes. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (send_request(t, "subscribe") == -1)
		return EXIT_UNREACHABLE;
	if ((msg = receive(t, REPLY_TIMEOUT_MS, &raw, &rc)) == NULL)
		return rc;
	if (t->json)
		puts(raw);
	free(raw);
	json_decref(msg);
	for (;;) {
		if ((msg = receive(t, -1, &raw, &rc)) == NULL)
			return rc;
		if (t->json) {
			puts(raw);
		} else {
			json_t *data = json_object_get(msg, "data");
			char *txt;

			if (strcmp(jstr(msg, "event", ""), "status") == 0) {
				printf("--- status event\n");
				print_status(data);
			} else if (json_is_string(json_object_get(data, "detail"))) {
				printf("--- %s: %s\n", jstr(msg, "event", "?"),
				    jstr(data, "detail", ""));
			} else {
				txt = json_dumps(data, JSON_COMPACT);
				printf("--- %s: %s\n", jstr(msg, "event", "?"),
				    txt != NULL ? txt : "");
				free(txt);
			}
		}
		free(raw);
		json_decref(msg);
	}
}

/* tsctl check's view of the daemon: the status data, or why not. */
static json_t *
fetch_status(void *ctx, char *why, size_t whylen)
{
	struct tsctl *t = ctx;
	json_t *msg = NULL, *data = NULL;
	char *raw;
	int rc;

	if (ctl_connect(t) == 0 && send_request(t, "status") == 0 &&
	    (msg = receive(t, REPLY_TIMEOUT_MS, &raw, &rc)) != NULL) {
		data = json_incref(json_object_get(msg, "data"));
		free(raw);
		json_decref(msg);
	}
	if (data == NULL)
		snprintf(why, whylen, "%s", t->why[0] != '\0' ? t->why :
		    msg == NULL ? "tsyncd answered with an error or a bad reply" :
		    "tsyncd's status reply has no data");
	return data;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct tsctl t = { .socket = DEFAULT_SOCKET, .fd = -1 };
	const char *cmd;
	int ch, rc;

	/* "+": options end at the command, whose own arguments stay intact. */
	while ((ch = getopt_long(argc, argv, "+s:jhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': t.socket = optarg; break;
		case 'j': t.json = true; break;
		case 'h': usage(stdout); return EXIT_SUCCESS;
		case 'V': printf("tsctl %s\n", PACKAGE_VERSION); return EXIT_SUCCESS;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc && strcmp(argv[optind], "audit") == 0)
		return tsctl_audit_main(argc - optind, argv + optind);
	if (optind < argc && strcmp(argv[optind], "report") == 0)
		return tsctl_report_main(argc - optind, argv + optind);
	if (optind < argc && strcmp(argv[optind], "check") == 0) {
		rc = tsctl_check_main(argc - optind, argv + optind,
		    fetch_status, &t);
		if (t.fd != -1)
			close(t.fd);
		free(t.buf);
		return rc;
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	/* "tsctl sources --json" as well as "tsctl --json sources". */
	for (int i = optind + 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "-j") == 0)
			t.json = true;
		else {
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (strcmp(cmd, "status") != 0 && strcmp(cmd, "version") != 0 &&
	    strcmp(cmd, "watch") != 0 && strcmp(cmd, "leap") != 0 &&
	    strcmp(cmd, "sources") != 0 && strcmp(cmd, "trace") != 0 &&
	    strcmp(cmd, "reload") != 0) {
		fprintf(stderr, "tsctl: unknown command \"%s\"\n", cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (ctl_connect(&t) == -1)
		return EXIT_UNREACHABLE;
	rc = strcmp(cmd, "watch") == 0 ? cmd_watch(&t) : cmd_simple(&t, cmd);
	close(t.fd);
	free(t.buf);
	return rc;
}

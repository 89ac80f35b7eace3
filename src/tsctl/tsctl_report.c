/*
 * tsctl_report.c - `tsctl report`: what the audit log proves about a
 * period, for an auditor. The chain is verified in the same pass (with
 * the verifier of `tsctl audit verify`); a log that does not verify gets
 * no report at all, only the problems and exit 2: figures drawn from
 * records that may have been edited are worse than none.
 *
 * Time model. Records are in chain order, which is time order. Between
 * two consecutive records the state is the last one named (a "start"
 * record means unsynchronized, a "state" record its "to", a "summary"
 * its "state"). A stretch longer than twice the summary interval is a
 * gap (nothing was written: the daemon was down or stuck) and counts as
 * "no record". Within tolerance counts only the time covered by
 * "summary" records whose max_error_max_s is at most the tolerance; time
 * without an estimate, or in a gap, is not within.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "audit_chain.h"
#include "cfg.h"
#include "tstime.h"
#include "tsctl_audit.h"
#include "tsctl_report.h"
#include "units.h"
#include "tsctl_fmt.h"

#define EXIT_REPORT	0
#define EXIT_IO		1
#define EXIT_REFUSED	2
#define NS		1000000000LL
#define DEFAULT_SUMMARY_S	60.0	/* audit.summary_interval default */
#define DEFAULT_TOLERANCE_S	1e-3	/* tolerance default: rts25 */
#define MAX_GAPS_LISTED	100
#define MAX_PLOT_POINTS	1200

static const char *const state_names[REPORT_NSTATES] = {
	"unsynchronized", "acquiring", "locked", "holdover", "freerun",
	"unknown", "no record",
};

struct point {				/* one summary inside the period */
	int64_t		t_ns;		/* end of its interval */
	int64_t		from_ns;	/* start, clipped */
	bool		have;		/* an estimate during the interval */
	double		off_min, off_max, off_mean, max_error;
};

struct gap {
	int64_t		from_ns, to_ns;
};

struct software {
	int64_t		t_ns;
	char		type[8];	/* "start" or "config" */
	char		*version, *config_path, *config_sha256;
};

struct tsctl_report {
	struct tsctl_report_opts opts;
	struct tsctl_report_figures fig;
	int64_t		lo_ns, hi_ns;	/* clip bounds (INT64_MIN/MAX if open) */
	/* running state */
	bool		have_prev;
	int64_t		prev_ns, first_ns, last_ns, last_summary_ns;
	enum tsctl_report_state state;
	double		log_tolerance_s;
	bool		have_log_tolerance;
	char		*version;	/* of the last start record */
	/* collected */
	struct point	*pts;
	size_t		npts, cappts;
	struct gap	gaps[MAX_GAPS_LISTED];
	struct software	*sw;
	size_t		nsw, capsw;
	json_t		*leap;		/* data of the last leap record <= until */
	int64_t		leap_ns;
	char *const	*files;
	int		nfiles;
	struct audit_verify_result verify;
};

/* ------------------------------------------------------------ time */

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return tstime_from_timespec(&ts);
}

static int
parse_iso(const char *s, int64_t *ns)
{
	struct tm tm = { 0 };
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0, k;
	int64_t frac = 0, scale = NS;
	time_t t;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -1;
	s += n;
	if (*s == 'T' || *s == ' ') {
		if (sscanf(s + 1, "%2d:%2d%n", &h, &mi, &n) != 2 || n != 5)
			return -1;
		s += 1 + n;
		if (*s == ':') {
			if (sscanf(s + 1, "%2d%n", &sec, &n) != 1 || n != 2)
				return -1;
			s += 3;
		}
		if (*s == '.')
			for (k = 0, s++; *s >= '0' && *s <= '9'; s++, k++)
				if (k < 9)
					frac = frac * 10 + (*s - '0'), scale /= 10;
	}
	if (*s == 'Z' || strcmp(s, "+00:00") == 0)
		s += *s == 'Z' ? 1 : 6;
	if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	*ns = (int64_t)t * NS + frac * scale;
	return 0;
}

int
tsctl_report_parse_time(const char *s, int64_t now, int64_t *ns)
{
	const char *why;
	int64_t d;

	if (strcmp(s, "now") == 0) {
		*ns = now;
		return 0;
	}
	if (s[0] == '-') {
		if (units_parse_duration(s, &d, &why) == -1)
			return -1;
		*ns = now + d;
		return 0;
	}
	return parse_iso(s, ns);
}

static void
iso(int64_t ns, char *buf, size_t len)
{
	if (tstime_format_iso8601(ns, 0, buf, len) < 0)
		snprintf(buf, len, "?");
}

/* "1d 02h 03m 04s", "5m 00s", "12.5 s" */
static void
span(double s, char *buf, size_t len)
{
	long t = lround(s);

	if (s < 60)
		snprintf(buf, len, "%.1f s", s);
	else if (t < 3600)
		snprintf(buf, len, "%ldm %02lds", t / 60, t % 60);
	else if (t < 86400)
		snprintf(buf, len, "%ldh %02ldm %02lds", t / 3600, t % 3600 / 60,
		    t % 60);
	else
		snprintf(buf, len, "%ldd %02ldh %02ldm", t / 86400,
		    t % 86400 / 3600, t % 3600 / 60);
}

/* ------------------------------------------------------------ analysis */

static enum tsctl_report_state
state_of(const char *name)
{
	for (int i = 0; name != NULL && i < REPORT_UNKNOWN; i++)
		if (strcmp(name, state_names[i]) == 0)
			return (enum tsctl_report_state)i;
	return REPORT_UNKNOWN;
}

static bool
in_period(const struct tsctl_report *r, int64_t t)
{
	return t >= r->lo_ns && t <= r->hi_ns;
}

/* Length of [a, b] inside the period, in ns. */
static int64_t
clipped(const struct tsctl_report *r, int64_t a, int64_t b, int64_t *from)
{
	if (a < r->lo_ns)
		a = r->lo_ns;
	if (b > r->hi_ns)
		b = r->hi_ns;
	if (from != NULL)
		*from = a;
	return b > a ? b - a : 0;
}

static double
gap_threshold_s(const struct tsctl_report *r)
{
	return 2 * (r->fig.summary_interval_s > 0 ?
	    r->fig.summary_interval_s : DEFAULT_SUMMARY_S);
}

/* Time from a to b in the current state, or a gap if too long. */
static void
segment(struct tsctl_report *r, int64_t a, int64_t b)
{
	int64_t from, len = clipped(r, a, b, &from);

	if (len == 0)
		return;
	if ((double)(b - a) / NS > gap_threshold_s(r)) {
		if (r->fig.gaps < MAX_GAPS_LISTED)
			r->gaps[r->fig.gaps] = (struct gap){ from, from + len };
		r->fig.gaps++;
		r->fig.gap_s += (double)len / NS;
		r->fig.state_s[REPORT_NO_RECORD] += (double)len / NS;
	} else
		r->fig.state_s[r->state] += (double)len / NS;
}

static void
worst(struct tsctl_report *r, int64_t t, json_t *v)
{
	double me = json_number_value(v);

	if (!json_is_number(v) || !in_period(r, t) || !isfinite(me))
		return;
	if (!r->fig.have_worst || me > r->fig.worst_max_error_s) {
		r->fig.have_worst = true;
		r->fig.worst_max_error_s = me;
		r->fig.worst_at_ns = t;
	}
}

static int
grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *nv;

	if (n < *cap)
		return 0;
	*cap = *cap ? *cap * 2 : 64;
	if ((nv = realloc(*v, *cap * size)) == NULL)
		return -1;
	*v = nv;
	return 0;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static void
on_summary(struct tsctl_report *r, int64_t t, json_t *data)
{
	double iv = json_number_value(json_object_get(data, "interval_s"));
	json_t *me = json_object_get(data, "max_error_max_s");
	int64_t a = t - tstime_from_s(iv), from, len;
	struct point *p;

	if (iv > 0)
		r->fig.summary_interval_s = iv;
	if (r->last_summary_ns > a && r->last_summary_ns < t)
		a = r->last_summary_ns;		/* no time counted twice */
	r->last_summary_ns = t;
	r->state = state_of(json_string_value(json_object_get(data, "state")));
	worst(r, t, me);
	if ((len = clipped(r, a, t, &from)) == 0 && !in_period(r, t))
		return;
	r->fig.summaries++;
	if (grow((void **)&r->pts, &r->cappts, r->npts, sizeof(*p)) == -1)
		return;
	p = &r->pts[r->npts++];
	*p = (struct point){ .t_ns = t, .from_ns = from,
	    .have = json_is_number(me) };
	p->off_min = json_number_value(json_object_get(data, "offset_min_s"));
	p->off_max = json_number_value(json_object_get(data, "offset_max_s"));
	p->off_mean = json_number_value(json_object_get(data, "offset_mean_s"));
	p->max_error = json_number_value(me);
	(void)len;
}

static void
on_software(struct tsctl_report *r, int64_t t, const char *type, json_t *data)
{
	struct software *s;

	if (strcmp(type, "start") == 0) {
		free(r->version);
		r->version = dup_or_null(json_string_value(json_object_get(data,
		    "version")));
	}
	/* Keep the last one before the period: it was in use at its start. */
	if (t < r->lo_ns && r->nsw > 0 && r->sw[r->nsw - 1].t_ns < r->lo_ns) {
		s = &r->sw[--r->nsw];
		free(s->version), free(s->config_path), free(s->config_sha256);
	}
	if (t > r->hi_ns ||
	    grow((void **)&r->sw, &r->capsw, r->nsw, sizeof(*s)) == -1)
		return;
	s = &r->sw[r->nsw++];
	s->t_ns = t;
	snprintf(s->type, sizeof(s->type), "%s", type);
	s->version = dup_or_null(r->version);
	s->config_path = dup_or_null(json_string_value(json_object_get(data,
	    "config_path")));
	s->config_sha256 = dup_or_null(json_string_value(json_object_get(data,
	    "config_sha256")));
}

static void
on_record(struct tsctl_report *r, int64_t t, const char *type, json_t *data)
{
	if (r->have_prev)
		segment(r, r->prev_ns, t);
	else
		r->first_ns = t;
	r->have_prev = true;
	r->prev_ns = r->last_ns = t;
	if (in_period(r, t))
		r->fig.records++;
	if (strcmp(type, "start") == 0) {
		r->state = REPORT_UNSYNCHRONIZED;
		r->last_summary_ns = t;
		r->fig.restarts += in_period(r, t);
		on_software(r, t, type, data);
	} else if (strcmp(type, "config") == 0) {
		on_software(r, t, type, data);
	} else if (strcmp(type, "state") == 0) {
		r->state = state_of(json_string_value(json_object_get(data, "to")));
		worst(r, t, json_object_get(data, "max_error_s"));
	} else if (strcmp(type, "summary") == 0) {
		on_summary(r, t, data);
	} else if (strcmp(type, "tolerance") == 0) {
		worst(r, t, json_object_get(data, "max_error_s"));
		if (t <= r->hi_ns && json_is_number(json_object_get(data,
		    "tolerance_s"))) {
			r->have_log_tolerance = true;
			r->log_tolerance_s = json_number_value(json_object_get(
			    data, "tolerance_s"));
		}
		if (in_period(r, t)) {
			r->fig.crossings++;
			if (json_is_true(json_object_get(data, "within")))
				r->fig.crossings_entered++;
			else
				r->fig.crossings_left++;
		}
	} else if (strcmp(type, "step") == 0 && in_period(r, t)) {
		double s = json_number_value(json_object_get(data, "step_s"));

		r->fig.steps++;
		if (fabs(s) > fabs(r->fig.largest_step_s))
			r->fig.largest_step_s = s;
	} else if (strcmp(type, "leap") == 0 && t <= r->hi_ns) {
		json_decref(r->leap);
		r->leap = json_incref(data);
		r->leap_ns = t;
	} else if (strcmp(type, "trace") == 0 && in_period(r, t)) {
		r->fig.trace_changes++;
	}
}

/* The end of the period, and the figures that need all records. */
static void
finish(struct tsctl_report *r)
{
	struct tsctl_report_figures *f = &r->fig;
	int64_t first = r->have_prev ? r->first_ns : 0;

	f->since_ns = r->opts.have_since ? r->opts.since_ns : first;
	f->until_ns = r->opts.have_until ? r->opts.until_ns :
	    r->have_prev ? r->last_ns : 0;
	if (f->until_ns < f->since_ns)
		f->until_ns = f->since_ns;
	/* Before the first record and after the last one: like any stretch. */
	if (r->have_prev && f->since_ns < r->first_ns) {
		r->state = REPORT_NO_RECORD;
		r->prev_ns = f->since_ns;
		segment(r, f->since_ns, r->first_ns);
	}
	if (r->have_prev && r->opts.have_until && f->until_ns > r->last_ns)
		segment(r, r->last_ns, f->until_ns);
	if (!r->have_prev)
		f->state_s[REPORT_NO_RECORD] = (double)(f->until_ns - f->since_ns) / NS;
	f->period_s = (double)(f->until_ns - f->since_ns) / NS;
	if (r->opts.have_tolerance) {
		f->tolerance_s = r->opts.tolerance_s;
		f->tolerance_source = "option";
	} else if (r->have_log_tolerance) {
		f->tolerance_s = r->log_tolerance_s;
		f->tolerance_source = "audit log";
	} else {
		f->tolerance_s = DEFAULT_TOLERANCE_S;
		f->tolerance_source = "daemon default, rts25";
	}
	for (size_t i = 0; i < r->npts; i++)
		if (r->pts[i].have && r->pts[i].max_error <= f->tolerance_s)
			f->within_s += (double)clipped(r, r->pts[i].from_ns,
			    r->pts[i].t_ns, NULL) / NS;
	f->within_share = f->period_s > 0 ? f->within_s / f->period_s : 0;
}

/* ------------------------------------------------------------ reading */

struct problems {
	FILE		*err;
};

static void
print_problem(const struct audit_problem *p, void *ctx)
{
	struct problems *ps = ctx;

	fprintf(ps->err, "%s:%lu: seq %" PRId64 ": %s%s\n", p->file, p->line,
	    p->seq, p->severity == AUDIT_WARNING ? "warning: " : "", p->what);
}

static void
feed_line(struct tsctl_report *r, const char *line, size_t len)
{
	json_t *o = json_loadb(line, len, JSON_ALLOW_NUL, NULL);
	const char *ts = json_string_value(json_object_get(o, "ts"));
	const char *type = json_string_value(json_object_get(o, "type"));
	int64_t t;

	/* The verifier judges the line; only readable records count here. */
	if (ts != NULL && type != NULL && parse_iso(ts, &t) == 0)
		on_record(r, t, type, json_object_get(o, "data"));
	json_decref(o);
}

static void
on_line(void *arg, const char *line, size_t len)
{
	feed_line(arg, line, len);
}


int
tsctl_report_compute(char *const *files, int nfiles,
    const struct tsctl_report_opts *o, struct tsctl_report **out, FILE *err)
{
	struct tsctl_report *r = calloc(1, sizeof(*r));
	struct problems ps = { err };
	struct audit_verify *v;
	int io = 0;

	if (r == NULL || (v = audit_verify_create(print_problem, &ps)) == NULL) {
		free(r);
		return EXIT_IO;
	}
	r->opts = *o;
	r->lo_ns = o->have_since ? o->since_ns : INT64_MIN;
	r->hi_ns = o->have_until ? o->until_ns : INT64_MAX;
	r->state = REPORT_UNKNOWN;
	r->files = files;
	r->nfiles = nfiles;
	for (int i = 0; i < nfiles; i++)
		if (tsctl_audit_read_file(v, files[i], i == nfiles - 1,
		    on_line, r, "tsctl report", err) == -1)
			io = 1;
	audit_verify_finish(v, &r->verify);
	audit_verify_destroy(v);
	if (io || r->verify.errors > 0 || !r->verify.have_records) {
		if (!io)
			fprintf(err, "tsctl report: REFUSED: the audit log %s; "
			    "no report from unverified evidence (see "
			    "`tsctl audit verify`)\n", r->verify.have_records ?
			    "does not verify" : "holds no record");
		tsctl_report_free(r);
		return io ? EXIT_IO : EXIT_REFUSED;
	}
	finish(r);
	*out = r;
	return EXIT_REPORT;
}

const struct tsctl_report_figures *
tsctl_report_figures(const struct tsctl_report *r)
{
	return &r->fig;
}

const char *
tsctl_report_state_name(enum tsctl_report_state s)
{
	return s < REPORT_NSTATES ? state_names[s] : "?";
}

void
tsctl_report_free(struct tsctl_report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nsw; i++)
		free(r->sw[i].version), free(r->sw[i].config_path),
		    free(r->sw[i].config_sha256);
	free(r->sw);
	free(r->pts);
	free(r->version);
	json_decref(r->leap);
	free(r);
}

/* ------------------------------------------------------------ text */

#define LINE(label, ...)	(fprintf(out, "%-22s", label), \
	fprintf(out, __VA_ARGS__), fputc('\n', out))

static void
leap_line(const struct tsctl_report *r, char *buf, size_t len)
{
	const char *validity = json_string_value(json_object_get(r->leap,
	    "validity"));
	const char *expires = json_string_value(json_object_get(r->leap,
	    "expires"));
	json_t *tai = json_object_get(r->leap, "tai_offset_s");
	char at[32];

	if (r->leap == NULL) {
		snprintf(buf, len, "no leap record");
		return;
	}
	iso(r->leap_ns, at, sizeof(at));
	if (json_is_integer(tai))
		snprintf(buf, len, "%s, expires %s, TAI-UTC %lld s (as of %s)",
		    validity ? validity : "?", expires ? expires : "-",
		    (long long)json_integer_value(tai), at);
	else
		snprintf(buf, len, "%s, expires %s, TAI-UTC unknown (as of %s)",
		    validity ? validity : "?", expires ? expires : "-", at);
}

static void
write_text(const struct tsctl_report *r, FILE *out)
{
	const struct tsctl_report_figures *f = &r->fig;
	char a[40], b[40], c[64], d[160];

	fprintf(out, "tsync compliance report\n\n");
	for (int i = 0; i < r->nfiles; i++)
		LINE(i == 0 ? "Audit log" : "", "%s", r->files[i]);
	LINE("Chain", "intact: %lu records, seq %" PRIu64 "..%" PRIu64 "%s",
	    r->verify.records, r->verify.first_seq, r->verify.last_seq,
	    r->verify.from_rotate ? " (begins at a rotation: older files "
	    "not given)" : "");
	iso(f->since_ns, a, sizeof(a));
	iso(f->until_ns, b, sizeof(b));
	span(f->period_s, c, sizeof(c));
	LINE("Period", "%s .. %s (%s)", a, b, c);
	LINE("Records in period", "%lu (%lu summaries)", f->records, f->summaries);
	tsctl_format_seconds(f->tolerance_s, a, sizeof(a));
	LINE("Tolerance", "%s (%s%s%s)", a, f->tolerance_source,
	    r->opts.tolerance_name ? ": " : "",
	    r->opts.tolerance_name ? r->opts.tolerance_name : "");
	span(f->within_s, a, sizeof(a));
	LINE("Within tolerance", "%.3f %% (%s of %s)", 100 * f->within_share, a, c);
	if (f->have_worst) {
		tsctl_format_seconds(f->worst_max_error_s, a, sizeof(a));
		iso(f->worst_at_ns, b, sizeof(b));
		LINE("Worst max_error", "%s at %s%s", a, b,
		    f->worst_max_error_s > f->tolerance_s ? " (ABOVE tolerance)" : "");
	} else
		LINE("Worst max_error", "none published (no estimate)");
	tsctl_format_seconds(f->largest_step_s, a, sizeof(a));
	LINE("Clock steps", "%lu%s%s", f->steps, f->steps ? ", largest " : "",
	    f->steps ? a : "");
	LINE("Tolerance crossings", "%lu (%lu left, %lu re-entered)", f->crossings,
	    f->crossings_left, f->crossings_entered);
	span(f->gap_s, a, sizeof(a));
	LINE("Gaps", "%lu, %s in all (a gap: no record for more than %.0f s)",
	    f->gaps, a, gap_threshold_s(r));
	for (unsigned long i = 0; i < f->gaps && i < MAX_GAPS_LISTED; i++) {
		iso(r->gaps[i].from_ns, a, sizeof(a));
		iso(r->gaps[i].to_ns, b, sizeof(b));
		span((double)(r->gaps[i].to_ns - r->gaps[i].from_ns) / NS, c,
		    sizeof(c));
		LINE("", "%s .. %s (%s)", a, b, c);
	}
	LINE("Restarts", "%lu", f->restarts);
	LINE("Trace-chain changes", "%lu", f->trace_changes);
	leap_line(r, d, sizeof(d));
	LINE("Leap table", "%s", d);
	fprintf(out, "\n%-22s%14s %8s\n", "State", "time", "share");
	for (int i = 0; i < REPORT_NSTATES; i++) {
		if (f->state_s[i] == 0 && i >= REPORT_UNKNOWN)
			continue;
		span(f->state_s[i], a, sizeof(a));
		fprintf(out, "  %-20s%14s %7.3f %%\n", state_names[i], a,
		    f->period_s > 0 ? 100 * f->state_s[i] / f->period_s : 0);
	}
	fprintf(out, "\nSoftware and configuration in use\n");
	for (size_t i = 0; i < r->nsw; i++) {
		const struct software *s = &r->sw[i];

		iso(s->t_ns, a, sizeof(a));
		fprintf(out, "  %s  %-6s tsyncd %s, %s, sha256 %s%s\n", a, s->type,
		    s->version ? s->version : "?",
		    s->config_path ? s->config_path : "?",
		    s->config_sha256 ? s->config_sha256 : "(unreadable)",
		    s->t_ns < f->since_ns ? " (in use at the start)" : "");
	}
	if (r->nsw == 0)
		fprintf(out, "  (no start or config record)\n");
}

/* ------------------------------------------------------------ json */

static json_t *
iso_json(int64_t ns)
{
	char buf[40];

	iso(ns, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
report_json(const struct tsctl_report *r)
{
	const struct tsctl_report_figures *f = &r->fig;
	json_t *o = json_object(), *files = json_array(), *states = json_object();
	json_t *gaps = json_array(), *sw = json_array(), *s;

	for (int i = 0; i < r->nfiles; i++)
		json_array_append_new(files, json_string(r->files[i]));
	for (int i = 0; i < REPORT_NSTATES; i++)
		json_object_set_new(states, state_names[i], json_real(f->state_s[i]));
	for (unsigned long i = 0; i < f->gaps && i < MAX_GAPS_LISTED; i++)
		json_array_append_new(gaps, json_pack("{s:o, s:o, s:f}",
		    "from", iso_json(r->gaps[i].from_ns), "to",
		    iso_json(r->gaps[i].to_ns), "seconds",
		    (double)(r->gaps[i].to_ns - r->gaps[i].from_ns) / NS));
	for (size_t i = 0; i < r->nsw; i++)
		json_array_append_new(sw, json_pack("{s:o, s:s, s:s?, s:s?, s:s?}",
		    "at", iso_json(r->sw[i].t_ns), "type", r->sw[i].type,
		    "version", r->sw[i].version, "config_path",
		    r->sw[i].config_path, "config_sha256", r->sw[i].config_sha256));
	json_object_set_new(o, "files", files);
	json_object_set_new(o, "chain", json_pack("{s:b, s:I, s:I, s:I, s:b}",
	    "intact", 1, "records", (json_int_t)r->verify.records,
	    "first_seq", (json_int_t)r->verify.first_seq,
	    "last_seq", (json_int_t)r->verify.last_seq,
	    "from_rotate", r->verify.from_rotate));
	json_object_set_new(o, "since", iso_json(f->since_ns));
	json_object_set_new(o, "until", iso_json(f->until_ns));
	json_object_set_new(o, "period_s", json_real(f->period_s));
	json_object_set_new(o, "records", json_integer((json_int_t)f->records));
	json_object_set_new(o, "summaries", json_integer((json_int_t)f->summaries));
	json_object_set_new(o, "tolerance", json_pack("{s:f, s:s, s:s?}",
	    "max_error_s", f->tolerance_s, "source", f->tolerance_source,
	    "name", r->opts.tolerance_name));
	json_object_set_new(o, "within_tolerance", json_pack("{s:f, s:f}",
	    "share", f->within_share, "seconds", f->within_s));
	json_object_set_new(o, "worst_max_error", f->have_worst ?
	    json_pack("{s:f, s:o}", "max_error_s", f->worst_max_error_s, "at",
	    iso_json(f->worst_at_ns)) : json_null());
	json_object_set_new(o, "states_s", states);
	json_object_set_new(o, "steps", json_pack("{s:I, s:f}", "count",
	    (json_int_t)f->steps, "largest_s", f->largest_step_s));
	json_object_set_new(o, "tolerance_crossings", json_pack("{s:I, s:I, s:I}",
	    "count", (json_int_t)f->crossings, "left",
	    (json_int_t)f->crossings_left, "entered",
	    (json_int_t)f->crossings_entered));
	json_object_set_new(o, "gaps", json_pack("{s:I, s:f, s:f, s:o}",
	    "count", (json_int_t)f->gaps, "seconds", f->gap_s,
	    "threshold_s", gap_threshold_s(r), "list", gaps));
	json_object_set_new(o, "restarts", json_integer((json_int_t)f->restarts));
	json_object_set_new(o, "trace_changes",
	    json_integer((json_int_t)f->trace_changes));
	s = r->leap ? json_deep_copy(r->leap) : json_null();
	if (r->leap)
		json_object_set_new(s, "as_of", iso_json(r->leap_ns));
	json_object_set_new(o, "leap", s);
	json_object_set_new(o, "software", sw);
	return o;
}

/* ------------------------------------------------------------ html */

static void
html_escape(FILE *out, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
	}
}

#define PLOT_W		900.0
#define PLOT_H		220.0
#define PLOT_L		80.0	/* left margin for the axis labels */
#define PLOT_T		24.0

struct axis {
	int64_t		t0, t1;
	double		y0, y1, top;
};

static double
px(const struct axis *a, int64_t t)
{
	double span_ns = (double)(a->t1 - a->t0);

	return PLOT_L + (span_ns > 0 ? (double)(t - a->t0) / span_ns : 0.5) *
	    (PLOT_W - PLOT_L - 10);
}

static double
py(const struct axis *a, double v)
{
	double h = a->y1 - a->y0;

	return a->top + PLOT_H - (h > 0 ? (v - a->y0) / h : 0.5) * PLOT_H;
}

/* Every n-th point is drawn when there are many (the band keeps extremes). */
static size_t
stride(const struct tsctl_report *r)
{
	return r->npts > MAX_PLOT_POINTS ? (r->npts + MAX_PLOT_POINTS - 1) /
	    MAX_PLOT_POINTS : 1;
}

static void
panel_frame(FILE *out, const struct axis *a, const char *title, double scale,
    const char *unit)
{
	char t0[40], t1[40];

	iso(a->t0, t0, sizeof(t0));
	iso(a->t1, t1, sizeof(t1));
	fprintf(out, "<text x=\"%g\" y=\"%g\" font-weight=\"bold\">%s</text>\n",
	    PLOT_L, a->top - 8, title);
	fprintf(out, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" "
	    "fill=\"none\" stroke=\"#999\"/>\n", PLOT_L, a->top,
	    PLOT_W - PLOT_L - 10, PLOT_H);
	fprintf(out, "<text x=\"%g\" y=\"%g\" text-anchor=\"end\">%.4g %s</text>\n"
	    "<text x=\"%g\" y=\"%g\" text-anchor=\"end\">%.4g %s</text>\n",
	    PLOT_L - 4, a->top + 10, a->y1 * scale, unit, PLOT_L - 4,
	    a->top + PLOT_H, a->y0 * scale, unit);
	fprintf(out, "<text x=\"%g\" y=\"%g\">%s</text>\n"
	    "<text x=\"%g\" y=\"%g\" text-anchor=\"end\">%s</text>\n",
	    PLOT_L, a->top + PLOT_H + 14, t0, PLOT_W - 10, a->top + PLOT_H + 14, t1);
}

/* Offset: min/max band and the mean, broken where there was no estimate. */
static void
offset_panel(FILE *out, const struct tsctl_report *r, struct axis *a)
{
	size_t k = stride(r), i;
	bool open = false;

	a->y0 = INFINITY, a->y1 = -INFINITY;
	for (i = 0; i < r->npts; i++)
		if (r->pts[i].have) {
			a->y0 = fmin(a->y0, r->pts[i].off_min);
			a->y1 = fmax(a->y1, r->pts[i].off_max);
		}
	if (!isfinite(a->y0))
		a->y0 = -1e-6, a->y1 = 1e-6;
	panel_frame(out, a, "Offset from UTC (mean, min..max band)", 1e6, "us");
	for (i = 0; i < r->npts; i += k) {
		const struct point *p = &r->pts[i];

		if (!p->have)
			continue;
		fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		    "stroke=\"#9ecae1\" stroke-width=\"2\"/>\n", px(a, p->t_ns),
		    py(a, p->off_min), px(a, p->t_ns), py(a, p->off_max));
	}
	for (i = 0; i < r->npts; i += k) {
		const struct point *p = &r->pts[i];

		if (!p->have) {
			if (open)
				fputs("\"/>\n", out);
			open = false;
			continue;
		}
		if (!open)
			fputs("<polyline fill=\"none\" stroke=\"#08519c\" "
			    "stroke-width=\"1.5\" points=\"", out);
		open = true;
		fprintf(out, "%.1f,%.1f ", px(a, p->t_ns), py(a, p->off_mean));
	}
	if (open)
		fputs("\"/>\n", out);
}

static void
max_error_panel(FILE *out, const struct tsctl_report *r, struct axis *a)
{
	size_t k = stride(r), i;
	bool open = false;

	a->y0 = 0;
	a->y1 = r->fig.tolerance_s;
	for (i = 0; i < r->npts; i++)
		if (r->pts[i].have && isfinite(r->pts[i].max_error))
			a->y1 = fmax(a->y1, r->pts[i].max_error);
	a->y1 *= 1.1;
	panel_frame(out, a, "Published max_error (largest per summary) and "
	    "tolerance", 1e6, "us");
	fprintf(out, "<line x1=\"%g\" y1=\"%.1f\" x2=\"%g\" y2=\"%.1f\" "
	    "stroke=\"#d62728\" stroke-dasharray=\"6,4\"/>\n", PLOT_L,
	    py(a, r->fig.tolerance_s), PLOT_W - 10, py(a, r->fig.tolerance_s));
	for (i = 0; i < r->npts; i += k) {
		const struct point *p = &r->pts[i];

		if (!p->have) {
			fprintf(out, "%s<rect x=\"%.1f\" y=\"%g\" width=\"2\" "
			    "height=\"%g\" fill=\"#fdd\"/>\n", open ? "\"/>\n" : "",
			    px(a, p->t_ns), a->top, PLOT_H);
			open = false;
			continue;
		}
		if (!open)
			fputs("<polyline fill=\"none\" stroke=\"#ff7f0e\" "
			    "stroke-width=\"1.5\" points=\"", out);
		open = true;
		fprintf(out, "%.1f,%.1f ", px(a, p->t_ns), py(a, p->max_error));
	}
	if (open)
		fputs("\"/>\n", out);
}

static void
write_svg(FILE *out, const struct tsctl_report *r)
{
	struct axis a = { .t0 = r->fig.since_ns, .t1 = r->fig.until_ns };
	double h = 2 * (PLOT_H + PLOT_T + 30) + 10;

	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" "
	    "height=\"%g\" viewBox=\"0 0 %g %g\" font-family=\"sans-serif\" "
	    "font-size=\"11\">\n", PLOT_W, h, PLOT_W, h);
	if (r->npts == 0)
		fprintf(out, "<text x=\"%g\" y=\"40\">No summary record in the "
		    "period: nothing to plot.</text>\n", PLOT_L);
	a.top = PLOT_T;
	offset_panel(out, r, &a);
	a.top = PLOT_T * 2 + PLOT_H + 30;
	max_error_panel(out, r, &a);
	fputs("</svg>\n", out);
}

static void
write_html(const struct tsctl_report *r, FILE *out)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	if (mem == NULL)
		return;
	write_text(r, mem);
	fclose(mem);
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<title>tsync compliance report</title>\n<style>\n"
	    "body{font-family:sans-serif;margin:2em;color:#222}\n"
	    "pre{background:#f6f6f6;padding:1em;border:1px solid #ddd;overflow-x:auto}\n"
	    "table{border-collapse:collapse}td,th{border:1px solid #ccc;"
	    "padding:2px 8px;text-align:left}\n</style>\n</head>\n<body>\n"
	    "<h1>tsync compliance report</h1>\n<table>\n", out);
	{
		const struct tsctl_report_figures *f = &r->fig;
		char a[40], b[40];

		iso(f->since_ns, a, sizeof(a));
		iso(f->until_ns, b, sizeof(b));
		fprintf(out, "<tr><th>Period</th><td>%s .. %s</td></tr>\n", a, b);
		tsctl_format_seconds(f->tolerance_s, a, sizeof(a));
		fprintf(out, "<tr><th>Tolerance</th><td>%s</td></tr>\n", a);
		fprintf(out, "<tr><th>Within tolerance</th><td>%.3f %%</td></tr>\n",
		    100 * f->within_share);
		for (int i = 0; i < REPORT_NSTATES; i++) {
			if (f->state_s[i] == 0 && i >= REPORT_UNKNOWN)
				continue;
			span(f->state_s[i], a, sizeof(a));
			fprintf(out, "<tr><th>Time %s</th><td>%s</td></tr>\n",
			    state_names[i], a);
		}
	}
	fputs("</table>\n<h2>Figures</h2>\n<pre>", out);
	html_escape(out, text);
	fputs("</pre>\n<h2>Offset and max_error over time</h2>\n", out);
	write_svg(out, r);
	fputs("</body>\n</html>\n", out);
	free(text);
}

int
tsctl_report_write(const struct tsctl_report *r, enum tsctl_report_format f,
    FILE *out)
{
	json_t *j;
	int rc = 0;

	switch (f) {
	case REPORT_TEXT:
		write_text(r, out);
		break;
	case REPORT_JSON:
		if ((j = report_json(r)) == NULL)
			return -1;
		rc = json_dumpf(j, out, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
		fputc('\n', out);
		json_decref(j);
		break;
	case REPORT_HTML:
		write_html(r, out);
		break;
	}
	return rc == 0 && !ferror(out) ? 0 : -1;
}

/* ------------------------------------------------------------ command */

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: tsctl report [--since T] [--until T] [--tolerance PRESET|D]\n"
	    "                    [--format text|json|html] [FILE...]\n"
	    "\n"
	    "Compliance report from the audit log (FILEs oldest first; default\n"
	    "%s and its rotated files). T: ISO-8601 UTC\n"
	    "(2026-11-27T00:00:00Z, 2026-11-27), \"now\", or relative (-24h).\n"
	    "The chain is verified first: a log that does not verify gets no\n"
	    "report. Exit: 0 report, 1 a file could not be read, 2 refused\n"
	    "(chain broken or empty) or usage error.\n", AUDIT_DEFAULT_FILE);
}

/* A preset by the daemon's own table (cfg), or a duration. */
static int
parse_tolerance(const char *s, double *out)
{
	char buf[160], err[256];
	struct cfg *cfg;
	const char *why;
	int64_t ns;

	if (units_parse_duration(s, &ns, &why) == 0 && ns > 0) {
		*out = (double)ns / NS;
		return 0;
	}
	if (strlen(s) > 64 || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-")
	    != strlen(s))
		return -1;
	snprintf(buf, sizeof(buf), "tolerance:\n  preset: %s\n", s);
	if (cfg_load_buffer("--tolerance", buf, strlen(buf), &cfg, err,
	    sizeof(err)) == -1)
		return -1;
	*out = (double)cfg->tolerance.max_error_ns / NS;
	cfg_free(cfg);
	return 0;
}

static int
parse_format(const char *s, enum tsctl_report_format *f)
{
	if (strcmp(s, "text") == 0)
		*f = REPORT_TEXT;
	else if (strcmp(s, "json") == 0)
		*f = REPORT_JSON;
	else if (strcmp(s, "html") == 0)
		*f = REPORT_HTML;
	else
		return -1;
	return 0;
}

static int
parse_args(int argc, char **argv, struct tsctl_report_opts *o,
    enum tsctl_report_format *fmt)
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "tolerance", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int64_t now = now_ns();
	int ch;

	optind = 0;	/* glibc: a full re-initialisation after main's scan */
	while ((ch = getopt_long(argc, argv, "s:u:t:f:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
		case 'u':
			if (tsctl_report_parse_time(optarg, now, ch == 's' ?
			    &o->since_ns : &o->until_ns) == -1) {
				fprintf(stderr, "tsctl report: bad time \"%s\"\n",
				    optarg);
				return -1;
			}
			*(ch == 's' ? &o->have_since : &o->have_until) = true;
			break;
		case 't':
			if (parse_tolerance(optarg, &o->tolerance_s) == -1) {
				fprintf(stderr, "tsctl report: --tolerance %s: not "
				    "a preset or a duration\n", optarg);
				return -1;
			}
			o->have_tolerance = true;
			o->tolerance_name = optarg;
			break;
		case 'f':
			if (parse_format(optarg, fmt) == -1) {
				fprintf(stderr, "tsctl report: --format %s: text, "
				    "json or html\n", optarg);
				return -1;
			}
			break;
		case 'h': usage(stdout); return 1;
		default: return -1;
		}
	}
	if (o->have_since && o->have_until && o->until_ns <= o->since_ns) {
		fprintf(stderr, "tsctl report: --until is not after --since\n");
		return -1;
	}
	return 0;
}

int
tsctl_report_main(int argc, char **argv)
{
	struct tsctl_report_opts o = { 0 };
	enum tsctl_report_format fmt = REPORT_TEXT;
	struct tsctl_report *r;
	char **files = NULL;
	int n = 0, rc;

	if ((rc = parse_args(argc, argv, &o, &fmt)) != 0) {
		if (rc < 0)
			usage(stderr);
		return rc > 0 ? EXIT_REPORT : EXIT_REFUSED;
	}
	if (optind < argc)
		rc = tsctl_report_compute(argv + optind, argc - optind, &o, &r,
		    stderr);
	else if ((files = tsctl_audit_default_files(&n)) == NULL)
		rc = EXIT_IO;
	else
		rc = tsctl_report_compute(files, n, &o, &r, stderr);
	if (rc == EXIT_REPORT) {
		if (tsctl_report_write(r, fmt, stdout) == -1 || fflush(stdout)) {
			fprintf(stderr, "tsctl report: cannot write the report\n");
			rc = EXIT_IO;
		}
		tsctl_report_free(r);
	}
	for (int i = 0; i < n; i++)
		free(files[i]);
	free(files);
	return rc;
}

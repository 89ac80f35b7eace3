/*
 * tsctl_check.c - `tsctl check`: one status line with perfdata and the
 * monitoring-plugin exit code (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
 *
 *   TSYNC OK - locked, max_error 1.2us <= 100us, traceable |
 *     max_error=1.2e-06s;5e-05;0.0001;0; offset=3e-07s u=4e-07s clock_class=6
 *
 * Rules (man/tsctl.1): no daemon -> UNKNOWN; no estimate -> CRITICAL;
 * max_error above --max-error (default: the daemon's tolerance) ->
 * CRITICAL, above --warning (default half of it) -> WARNING; not
 * traceable with --require-traceable -> CRITICAL; a state outside
 * --require-state (default locked): holdover and acquiring WARNING, the
 * others CRITICAL; an expired leap table -> WARNING. The worst rule wins;
 * every finding is named in the line.
 */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsctl_check.h"
#include "units.h"
#include "tsctl_fmt.h"

static const char *const state_names[] = {
	"unsynchronized", "acquiring", "locked", "holdover", "freerun",
};
#define NSTATES		(sizeof(state_names) / sizeof(state_names[0]))
#define STATE_LOCKED	(1u << 2)

static const char *const verdict_names[] = {
	"OK", "WARNING", "CRITICAL", "UNKNOWN",
};

struct verdict {
	int	code;
	char	text[512];	/* ", "-separated findings */
	size_t	used;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: tsctl check [--max-error DURATION] [--warning DURATION]\n"
	    "                   [--require-traceable] [--require-state LIST]\n"
	    "\n"
	    "Monitoring-plugin check of the daemon's status: one line with\n"
	    "perfdata; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n"
	    "  --max-error D       CRITICAL above D (default: the daemon's tolerance)\n"
	    "  --warning D         WARNING above D (default: half of --max-error)\n"
	    "  --require-traceable CRITICAL when not traceable to UTC\n"
	    "  --require-state L   acceptable states, comma-separated (default locked)\n");
}

static void
finding(struct verdict *v, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
finding(struct verdict *v, int code, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (code > v->code)
		v->code = code;
	if (v->used >= sizeof(v->text) - 1)
		return;
	if (v->used > 0)
		v->used += (size_t)snprintf(v->text + v->used,
		    sizeof(v->text) - v->used, ", ");
	if (v->used >= sizeof(v->text) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(v->text + v->used, sizeof(v->text) - v->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		v->used += (size_t)n;
	if (v->used > sizeof(v->text) - 1)
		v->used = sizeof(v->text) - 1;
}

static int
state_index(const char *name)
{
	for (size_t i = 0; name != NULL && i < NSTATES; i++)
		if (strcmp(name, state_names[i]) == 0)
			return (int)i;
	return -1;
}

static void
judge_state(const struct tsctl_check_opts *o, json_t *status,
    struct verdict *v)
{
	const char *state = json_string_value(json_object_get(status, "state"));
	const char *reason = json_string_value(json_object_get(status, "reason"));
	int i = state_index(state);
	int code = TSCTL_CHECK_OK;

	if (i < 0)
		code = TSCTL_CHECK_UNKNOWN;
	else if (!(o->states & (1u << i)))
		code = strcmp(state, "holdover") == 0 ||
		    strcmp(state, "acquiring") == 0 ?
		    TSCTL_CHECK_WARNING : TSCTL_CHECK_CRITICAL;
	if (code != TSCTL_CHECK_OK && reason != NULL && reason[0] != '\0')
		finding(v, code, "%s (%s)", state ? state : "state unknown",
		    reason);
	else
		finding(v, code, "%s", state ? state : "state unknown");
}

static void
judge_error(double me, double warn, double crit, struct verdict *v)
{
	char mb[32], tb[32];

	tsctl_format_seconds_compact(me, mb, sizeof(mb));
	if (me > crit) {
		tsctl_format_seconds_compact(crit, tb, sizeof(tb));
		finding(v, TSCTL_CHECK_CRITICAL, "max_error %s > %s", mb, tb);
	} else if (me > warn) {
		tsctl_format_seconds_compact(warn, tb, sizeof(tb));
		finding(v, TSCTL_CHECK_WARNING, "max_error %s > warning %s",
		    mb, tb);
	} else {
		tsctl_format_seconds_compact(crit, tb, sizeof(tb));
		finding(v, TSCTL_CHECK_OK, "max_error %s <= %s", mb, tb);
	}
}

static void
judge_leap(json_t *leap, struct verdict *v)
{
	const char *validity = json_string_value(json_object_get(leap, "validity"));
	const char *expires = json_string_value(json_object_get(leap, "expires"));

	if (validity == NULL)
		return;
	if (strcmp(validity, "expired") == 0)
		finding(v, TSCTL_CHECK_WARNING, "leap table expired %s",
		    expires ? expires : "");
	else if (strcmp(validity, "expiring") == 0)
		finding(v, TSCTL_CHECK_OK, "leap table expiring %s",
		    expires ? expires : "");
	else if (strcmp(validity, "unavailable") == 0)
		finding(v, TSCTL_CHECK_OK, "leap table unavailable");
}

/* 'label'=value[UOM];[warn];[crit];[min];[max] (plugin guidelines). */
static void
perfdata(json_t *status, json_t *est, double warn, double crit,
    char *buf, size_t len)
{
	json_t *cc = json_object_get(status, "clock_class");
	size_t n;

	if (json_is_object(est))
		n = (size_t)snprintf(buf, len,
		    "max_error=%gs;%g;%g;0; offset=%gs u=%gs",
		    json_number_value(json_object_get(est, "max_error_s")),
		    warn, crit,
		    json_number_value(json_object_get(est, "offset_s")),
		    json_number_value(json_object_get(est, "u_s")));
	else
		n = (size_t)snprintf(buf, len,
		    "max_error=U;%g;%g;0; offset=U u=U", warn, crit);
	if (n < len && json_is_integer(cc))
		snprintf(buf + n, len - n, " clock_class=%lld",
		    (long long)json_integer_value(cc));
}

int
tsctl_check_evaluate(const struct tsctl_check_opts *o, json_t *status,
    char *line, size_t len)
{
	json_t *est = json_object_get(status, "estimate");
	json_t *tol = json_object_get(status, "tolerance");
	struct verdict v = { .code = TSCTL_CHECK_OK };
	double crit = o->max_error_s, warn = o->warning_s;
	char perf[256];

	if (crit < 0)
		crit = json_is_number(json_object_get(tol, "max_error_s")) ?
		    json_number_value(json_object_get(tol, "max_error_s")) : 0;
	if (warn < 0)
		warn = crit / 2;
	judge_state(o, status, &v);
	if (!json_is_object(est))
		finding(&v, TSCTL_CHECK_CRITICAL, "no estimate");
	else
		judge_error(json_number_value(json_object_get(est,
		    "max_error_s")), warn, crit, &v);
	if (json_is_true(json_object_get(status, "traceable")))
		finding(&v, TSCTL_CHECK_OK, "traceable");
	else
		finding(&v, o->require_traceable ? TSCTL_CHECK_CRITICAL :
		    TSCTL_CHECK_OK, "not traceable");
	judge_leap(json_object_get(status, "leap"), &v);
	perfdata(status, est, warn, crit, perf, sizeof(perf));
	snprintf(line, len, "TSYNC %s - %s | %s", verdict_names[v.code],
	    v.text, perf);
	return v.code;
}

static int
parse_states(const char *list, unsigned *mask)
{
	char *copy = strdup(list), *save = NULL, *tok;
	int rc = 0;

	*mask = 0;
	if (copy == NULL)
		return -1;
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		int i = state_index(tok);

		if (i < 0) {
			fprintf(stderr, "tsctl check: unknown state \"%s\"\n", tok);
			rc = -1;
			break;
		}
		*mask |= 1u << i;
	}
	free(copy);
	return rc == 0 && *mask != 0 ? 0 : -1;
}

static int
parse_seconds(const char *opt, const char *arg, double *s)
{
	const char *why;
	int64_t ns;

	if (units_parse_duration(arg, &ns, &why) == -1 || ns < 0) {
		fprintf(stderr, "tsctl check: --%s %s: %s\n", opt, arg,
		    ns < 0 ? "negative" : why);
		return -1;
	}
	*s = (double)ns / 1e9;
	return 0;
}

static int
parse_args(int argc, char **argv, struct tsctl_check_opts *o)
{
	static const struct option longopts[] = {
		{ "max-error", required_argument, NULL, 'm' },
		{ "warning", required_argument, NULL, 'w' },
		{ "require-traceable", no_argument, NULL, 't' },
		{ "require-state", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	optind = 0;	/* glibc: a full re-initialisation after main's "+" scan */
	while ((ch = getopt_long(argc, argv, "m:w:tS:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'm':
			if (parse_seconds("max-error", optarg, &o->max_error_s))
				return -1;
			break;
		case 'w':
			if (parse_seconds("warning", optarg, &o->warning_s))
				return -1;
			break;
		case 't': o->require_traceable = true; break;
		case 'S':
			if (parse_states(optarg, &o->states))
				return -1;
			break;
		case 'h': usage(stdout); return 1;
		default: return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tsctl check: unexpected argument \"%s\"\n",
		    argv[optind]);
		return -1;
	}
	return 0;
}

int
tsctl_check_main(int argc, char **argv, tsctl_check_fetch_fn fetch, void *ctx)
{
	struct tsctl_check_opts o = {
		.max_error_s = -1, .warning_s = -1, .states = STATE_LOCKED,
	};
	char line[1024], why[256] = "";
	json_t *status;
	int rc;

	if ((rc = parse_args(argc, argv, &o)) != 0) {
		if (rc > 0)
			return TSCTL_CHECK_OK;
		usage(stderr);
		printf("TSYNC UNKNOWN - usage error\n");
		return TSCTL_CHECK_UNKNOWN;
	}
	if ((status = fetch(ctx, why, sizeof(why))) == NULL) {
		printf("TSYNC UNKNOWN - %s\n", why[0] ? why : "no status");
		return TSCTL_CHECK_UNKNOWN;
	}
	rc = tsctl_check_evaluate(&o, status, line, sizeof(line));
	json_decref(status);
	puts(line);
	return rc;
}

/*
 * check_report.c - `tsctl report`'s figures on synthetic audit logs:
 * exact times per state, share within tolerance, gaps, steps, crossings
 * and clipping to --since/--until; refusal of a log that does not
 * verify; a log written by the real writer across a rotation. Also
 * `tsctl check`'s verdicts on status objects.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit.h"
#include "audit_chain.h"
#include "check_run.h"
#include "tsctl_check.h"
#include "tsctl_report.h"

#define DIR_TEMPLATE	"/tmp/check_report.XXXXXX"
#define T0		"2026-01-01T00:00:00Z"

static char dir[sizeof(DIR_TEMPLATE)];
static char path[sizeof(dir) + 16];
static int64_t t0_ns;

static void
setup(void)
{
	strcpy(dir, DIR_TEMPLATE);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/audit.log", dir);
	ck_assert_int_eq(tsctl_report_parse_time(T0, 0, &t0_ns), 0);
}

static void
teardown(void)
{
	char cmd[sizeof(dir) + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

struct chain {
	FILE		*f;
	uint64_t	seq;
	char		head[AUDIT_HASH_HEX + 1];
};

/* One record at T0 + t_s, with the writer's own encoder. */
static void
put(struct chain *c, int t_s, const char *type, json_t *data)
{
	char ts[AUDIT_TS_LEN + 1];
	size_t len;
	char *line;
	int m = t_s / 60, s = t_s % 60;

	snprintf(ts, sizeof(ts), "2026-01-01T00:%02d:%02d.000000Z", m, s);
	line = audit_chain_encode(c->seq++, ts, type, data, c->head, c->head,
	    &len);
	ck_assert_ptr_nonnull(line);
	ck_assert_uint_eq(fwrite(line, 1, len, c->f), len);
	free(line);
}

static json_t *
summary(double max_error_s, const char *state)
{
	json_t *me = max_error_s > 0 ? json_real(max_error_s) : json_null();

	return json_pack("{s:f, s:f, s:f, s:f, s:o, s:s, s:i}", "interval_s", 60.0,
	    "offset_min_s", -1e-6, "offset_max_s", 2e-6, "offset_mean_s", 5e-7,
	    "max_error_max_s", me, "state", state, "samples", 60);
}

/*
 * 0 start; 60 -> locked; 120, 180 summaries within 100 us; 200 ->
 * holdover; 240 tolerance left; 240, 300 summaries above; nothing until
 * 1000 (a gap); 1000 start; 1010 a step; 1060 a summary without estimate.
 */
static void
write_log(void)
{
	struct chain c = { .f = fopen(path, "w"), .head = AUDIT_ZERO_HASH };

	ck_assert_ptr_nonnull(c.f);
	put(&c, 0, "start", json_pack("{s:s, s:s, s:s, s:i}", "version", "0.1.0",
	    "config_path", "/etc/tsyncd/tsyncd.yaml", "config_sha256", "ab", "pid", 1));
	put(&c, 0, "leap", json_pack("{s:s, s:s, s:i}", "validity", "valid",
	    "expires", "2026-06-28", "tai_offset_s", 37));
	put(&c, 60, "state", json_pack("{s:s, s:s, s:f}", "from", "unsynchronized",
	    "to", "locked", "max_error_s", 2e-5));
	put(&c, 120, "summary", summary(3e-5, "locked"));
	put(&c, 180, "summary", summary(5e-5, "locked"));
	put(&c, 200, "state", json_pack("{s:s, s:s}", "from", "locked",
	    "to", "holdover"));
	put(&c, 240, "summary", summary(2e-4, "holdover"));
	put(&c, 240, "tolerance", json_pack("{s:b, s:f, s:f, s:s}", "within", 0,
	    "max_error_s", 2e-4, "tolerance_s", 1e-4, "state", "holdover"));
	put(&c, 300, "summary", summary(3e-4, "holdover"));
	put(&c, 1000, "start", json_pack("{s:s, s:s, s:s, s:i}", "version", "0.2.0",
	    "config_path", "/etc/tsyncd/tsyncd.yaml", "config_sha256", "cd", "pid", 2));
	put(&c, 1010, "step", json_pack("{s:f}", "step_s", -0.5));
	put(&c, 1060, "summary", summary(0, "unsynchronized"));
	ck_assert_int_eq(fclose(c.f), 0);
}

static const struct tsctl_report_figures *
compute(const struct tsctl_report_opts *o, struct tsctl_report **r)
{
	char *files[] = { path };
	FILE *devnull = fopen("/dev/null", "w");
	int rc = tsctl_report_compute(files, 1, o, r, devnull);

	fclose(devnull);
	ck_assert_int_eq(rc, 0);
	return tsctl_report_figures(*r);
}

#define EQ(a, b)	ck_assert_double_eq_tol((a), (b), 1e-9)

START_TEST(report_whole_log)
{
	struct tsctl_report_opts o = { 0 };
	const struct tsctl_report_figures *f;
	struct tsctl_report *r;

	write_log();
	f = compute(&o, &r);
	EQ(f->period_s, 1060);
	EQ(f->tolerance_s, 1e-4);			/* from the tolerance record */
	EQ(f->within_s, 120);				/* [60,120] and [120,180] */
	EQ(f->within_share, 120.0 / 1060);
	EQ(f->state_s[REPORT_UNSYNCHRONIZED], 60 + 60);
	EQ(f->state_s[REPORT_LOCKED], 140);
	EQ(f->state_s[REPORT_HOLDOVER], 100);
	EQ(f->state_s[REPORT_NO_RECORD], 700);
	EQ(f->gap_s, 700);
	ck_assert_uint_eq(f->gaps, 1);
	ck_assert(f->have_worst);
	EQ(f->worst_max_error_s, 3e-4);
	ck_assert_int_eq(f->worst_at_ns, t0_ns + 300 * 1000000000LL);
	ck_assert_uint_eq(f->steps, 1);
	EQ(f->largest_step_s, -0.5);
	ck_assert_uint_eq(f->crossings, 1);
	ck_assert_uint_eq(f->crossings_left, 1);
	ck_assert_uint_eq(f->restarts, 2);
	ck_assert_uint_eq(f->summaries, 5);
	ck_assert_uint_eq(f->records, 12);
	tsctl_report_free(r);
}
END_TEST

START_TEST(report_clipped_to_period)
{
	struct tsctl_report_opts o = { .have_since = true, .have_until = true,
	    .have_tolerance = true, .tolerance_s = 1e-3 };
	const struct tsctl_report_figures *f;
	struct tsctl_report *r;

	write_log();
	o.since_ns = t0_ns + 150 * 1000000000LL;
	o.until_ns = t0_ns + 1030 * 1000000000LL;
	f = compute(&o, &r);
	EQ(f->period_s, 880);
	EQ(f->tolerance_s, 1e-3);
	/* [150,180] [180,240] [240,300] within 1 ms; the gap is not. */
	EQ(f->within_s, 30 + 60 + 60);
	EQ(f->state_s[REPORT_LOCKED], 50);
	EQ(f->state_s[REPORT_HOLDOVER], 100);
	EQ(f->state_s[REPORT_NO_RECORD], 700);
	EQ(f->state_s[REPORT_UNSYNCHRONIZED], 30);
	ck_assert_uint_eq(f->restarts, 1);
	ck_assert_uint_eq(f->steps, 1);
	tsctl_report_free(r);
}
END_TEST

/* Until after the last record: a stretch like any other, here a gap. */
START_TEST(report_until_after_last_record)
{
	struct tsctl_report_opts o = { .have_until = true };
	const struct tsctl_report_figures *f;
	struct tsctl_report *r;

	write_log();
	o.until_ns = t0_ns + 1360 * 1000000000LL;
	f = compute(&o, &r);
	EQ(f->period_s, 1360);
	EQ(f->state_s[REPORT_NO_RECORD], 700 + 300);
	ck_assert_uint_eq(f->gaps, 2);
	tsctl_report_free(r);
}
END_TEST

START_TEST(report_refuses_broken_chain)
{
	char *files[] = { path };
	struct tsctl_report_opts o = { 0 };
	struct tsctl_report *r = NULL;
	FILE *f, *devnull;
	char buf[8192];
	size_t n;
	char *p;

	write_log();
	f = fopen(path, "r+");
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	p = strstr(buf, "\"holdover\"");		/* the auditor's worst case */
	ck_assert_ptr_nonnull(p);
	memcpy(p + 1, "locked  ", 8);
	rewind(f);
	fwrite(buf, 1, n, f);
	fclose(f);
	devnull = fopen("/dev/null", "w");
	ck_assert_int_eq(tsctl_report_compute(files, 1, &o, &r, devnull), 2);
	fclose(devnull);
	ck_assert_ptr_null(r);
}
END_TEST

/* The real writer, across a rotation: files given oldest first. */
START_TEST(report_reads_writer_output)
{
	char rotated[sizeof(path) + 4], err[256];
	char *files[] = { rotated, path };
	struct tsctl_report_opts o = { 0 };
	const struct tsctl_report_figures *f;
	struct tsctl_report *r;
	struct audit *a;
	FILE *devnull;

	snprintf(rotated, sizeof(rotated), "%s.1", path);
	a = audit_open(path, "9.9.9", NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(audit_append(a, "summary", summary(1e-5, "locked")), 0);
	ck_assert_int_eq(audit_rotate(a), 0);
	ck_assert_int_eq(audit_append(a, "step", json_pack("{s:f}", "step_s",
	    0.25)), 0);
	ck_assert_int_eq(audit_append(a, "summary", summary(1e-5, "locked")), 0);
	audit_close(a);
	devnull = fopen("/dev/null", "w");
	ck_assert_int_eq(tsctl_report_compute(files, 2, &o, &r, devnull), 0);
	fclose(devnull);
	f = tsctl_report_figures(r);
	ck_assert_uint_eq(f->records, 5);	/* start, summary, rotate, ... */
	ck_assert_uint_eq(f->summaries, 2);
	ck_assert_uint_eq(f->restarts, 1);
	ck_assert_uint_eq(f->steps, 1);
	EQ(f->largest_step_s, 0.25);
	tsctl_report_free(r);
}
END_TEST

START_TEST(report_parses_times)
{
	int64_t ns, now = t0_ns;

	ck_assert_int_eq(tsctl_report_parse_time("2026-01-01", now, &ns), 0);
	ck_assert_int_eq(ns, t0_ns);
	ck_assert_int_eq(tsctl_report_parse_time("2026-01-01T00:01:00.5Z", now,
	    &ns), 0);
	ck_assert_int_eq(ns, t0_ns + 60500000000LL);
	ck_assert_int_eq(tsctl_report_parse_time("2026-01-01 01:00", now, &ns), 0);
	ck_assert_int_eq(ns, t0_ns + 3600000000000LL);
	ck_assert_int_eq(tsctl_report_parse_time("-24h", now, &ns), 0);
	ck_assert_int_eq(ns, t0_ns - 86400000000000LL);
	ck_assert_int_eq(tsctl_report_parse_time("now", now, &ns), 0);
	ck_assert_int_eq(ns, now);
	ck_assert_int_eq(tsctl_report_parse_time("2026-13-01", now, &ns), -1);
	ck_assert_int_eq(tsctl_report_parse_time("yesterday", now, &ns), -1);
	ck_assert_int_eq(tsctl_report_parse_time("2026-01-01T00:00:00+02:00",
	    now, &ns), -1);
}
END_TEST

/* ------------------------------------------------------------ check */

static int
verdict(const char *status_json, const struct tsctl_check_opts *o,
    char *line, size_t len)
{
	json_t *s = json_loads(status_json, 0, NULL);
	int rc;

	ck_assert_ptr_nonnull(s);
	rc = tsctl_check_evaluate(o, s, line, len);
	json_decref(s);
	return rc;
}

#define LOCKED(me)	"{\"state\":\"locked\",\"reason\":\"r\",\"traceable\":true," \
	"\"clock_class\":6,\"estimate\":{\"offset_s\":3e-7,\"u_s\":4e-7," \
	"\"max_error_s\":" me "},\"tolerance\":{\"max_error_s\":1e-4}," \
	"\"leap\":{\"validity\":\"valid\"}}"

START_TEST(check_verdicts)
{
	struct tsctl_check_opts o = { -1, -1, false, 1u << 2 };
	char line[1024];

	ck_assert_int_eq(verdict(LOCKED("1.2e-6"), &o, line, sizeof(line)), 0);
	ck_assert_str_eq(line, "TSYNC OK - locked, max_error 1.2us <= 100us, "
	    "traceable | max_error=1.2e-06s;5e-05;0.0001;0; offset=3e-07s "
	    "u=4e-07s clock_class=6");
	ck_assert_int_eq(verdict(LOCKED("6e-5"), &o, line, sizeof(line)), 1);
	ck_assert_int_eq(verdict(LOCKED("2e-4"), &o, line, sizeof(line)), 2);
	o.max_error_s = 1e-3;
	ck_assert_int_eq(verdict(LOCKED("2e-4"), &o, line, sizeof(line)), 0);
	ck_assert_int_eq(verdict("{\"state\":\"holdover\",\"traceable\":true,"
	    "\"estimate\":{\"max_error_s\":1e-6}}", &o, line, sizeof(line)), 1);
	ck_assert_int_eq(verdict("{\"state\":\"freerun\",\"traceable\":true,"
	    "\"estimate\":{\"max_error_s\":1e-6}}", &o, line, sizeof(line)), 2);
	ck_assert_int_eq(verdict("{\"state\":\"locked\",\"traceable\":true,"
	    "\"estimate\":null}", &o, line, sizeof(line)), 2);
	ck_assert_ptr_nonnull(strstr(line, "no estimate"));
	ck_assert_ptr_nonnull(strstr(line, "max_error=U;"));
	ck_assert_int_eq(verdict("{\"state\":\"locked\",\"traceable\":true,"
	    "\"estimate\":{\"max_error_s\":1e-6},\"leap\":{\"validity\":"
	    "\"expired\",\"expires\":\"2026-06-28\"}}", &o, line, sizeof(line)), 1);
	ck_assert_ptr_nonnull(strstr(line, "leap table expired 2026-06-28"));
	o.require_traceable = true;
	ck_assert_int_eq(verdict("{\"state\":\"locked\",\"traceable\":false,"
	    "\"estimate\":{\"max_error_s\":1e-6}}", &o, line, sizeof(line)), 2);
}
END_TEST

static Suite *
report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("report");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, report_whole_log);
	tcase_add_test(tc, report_clipped_to_period);
	tcase_add_test(tc, report_until_after_last_record);
	tcase_add_test(tc, report_refuses_broken_chain);
	tcase_add_test(tc, report_reads_writer_output);
	tcase_add_test(tc, report_parses_times);
	tcase_add_test(tc, check_verdicts);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(report_suite());
}

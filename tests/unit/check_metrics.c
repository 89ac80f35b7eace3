/*
 * check_metrics.c - the exposition formatter: families, types, units,
 * label escaping, optional groups and the two formats' differences.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "metrics.h"

static struct metrics_figures F;

static void
setup(void)
{
	memset(&F, 0, sizeof(F));
	F.version = "1.2.3";
	F.state = ENGINE_LOCKED;
	F.clock_class = 6;
	F.traceable = true;
	F.within_tolerance = true;
	F.tolerance_s = 0.001;
	F.time_to_tolerance_s = INFINITY;
	F.uptime_s = 12.5;
}

static char *
fmt(enum metrics_format f)
{
	size_t len = 0;
	char *s = metrics_format(&F, f, &len);

	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(strlen(s), len);
	return s;
}

static void
has(const char *text, const char *line)
{
	ck_assert_msg(strstr(text, line) != NULL, "missing \"%s\" in:\n%s",
	    line, text);
}

static void
hasnt(const char *text, const char *needle)
{
	ck_assert_msg(strstr(text, needle) == NULL, "unexpected \"%s\" in:\n%s",
	    needle, text);
}

START_TEST(openmetrics_core_families)
{
	char *s = fmt(METRICS_OPENMETRICS);

	has(s, "# TYPE tsync_build info\n# HELP tsync_build ");
	has(s, "\ntsync_build_info{version=\"1.2.3\"} 1\n");
	has(s, "# TYPE tsync_state gauge\n");
	has(s, "\ntsync_state{state=\"locked\"} 1\n");
	has(s, "\ntsync_state{state=\"holdover\"} 0\n");
	has(s, "\ntsync_clock_class 6\n");
	has(s, "\ntsync_traceable 1\n");
	has(s, "\ntsync_within_tolerance 1\n");
	has(s, "# TYPE tsync_tolerance_seconds gauge\n"
	    "# UNIT tsync_tolerance_seconds seconds\n");
	has(s, "\ntsync_tolerance_seconds 0.001\n");
	has(s, "\ntsync_uptime_seconds 12.5\n");
	/* the last line, exactly once */
	ck_assert_str_eq(s + strlen(s) - 6, "# EOF\n");
	ck_assert_ptr_eq(strstr(s, "# EOF"), s + strlen(s) - 6);
	free(s);
}
END_TEST

START_TEST(absent_estimate_and_infinite_time_to_tolerance)
{
	char *s = fmt(METRICS_OPENMETRICS);

	hasnt(s, "tsync_offset_seconds");
	hasnt(s, "tsync_max_error_seconds");
	hasnt(s, "tsync_time_to_tolerance_seconds");
	hasnt(s, "tsync_source_");
	hasnt(s, "tsync_ctl_");
	hasnt(s, "tsync_audit_");
	hasnt(s, "tsync_leap_");
	free(s);
}
END_TEST

START_TEST(estimate_present)
{
	char *s;

	F.have_estimate = true;
	F.offset_s = -2.5e-6;
	F.u_s = 1e-7;
	F.U_s = 2e-7;
	F.max_error_s = 5e-5;
	F.freq_ppb = 12.25;
	F.time_to_tolerance_s = 3600;
	s = fmt(METRICS_OPENMETRICS);
	has(s, "\ntsync_offset_seconds -2.5e-06\n");
	has(s, "\ntsync_uncertainty_seconds 1e-07\n");
	has(s, "\ntsync_expanded_uncertainty_seconds 2e-07\n");
	has(s, "\ntsync_max_error_seconds 5e-05\n");
	has(s, "\ntsync_frequency_ppb 12.25\n");
	has(s, "\ntsync_time_to_tolerance_seconds 3600\n");
	free(s);
}
END_TEST

START_TEST(counters_named_per_format)
{
	char *om, *txt;

	F.have_ctl = true;
	F.ctl_clients = 3;
	F.ctl_bad_requests = 7;
	F.have_audit = true;
	F.audit_failures = 2;
	om = fmt(METRICS_OPENMETRICS);
	txt = fmt(METRICS_TEXT);
	has(om, "# TYPE tsync_ctl_bad_requests counter\n"
	    "# HELP tsync_ctl_bad_requests ");
	has(om, "\ntsync_ctl_bad_requests_total 7\n");
	has(om, "\ntsync_audit_write_failures_total 2\n");
	has(om, "\ntsync_ctl_clients 3\n");
	has(txt, "# TYPE tsync_ctl_bad_requests_total counter\n"
	    "# HELP tsync_ctl_bad_requests_total ");
	has(txt, "\ntsync_ctl_bad_requests_total 7\n");
	/* 0.0.4 has no info type, no UNIT and no EOF */
	has(txt, "# TYPE tsync_build_info gauge\n");
	hasnt(txt, "# UNIT");
	hasnt(txt, "# EOF");
	free(om);
	free(txt);
}
END_TEST

START_TEST(label_values_escaped)
{
	char *s;

	F.version = "a\\b\"c\nd";
	F.nsources = 1;
	snprintf(F.source[0].name, sizeof(F.source[0].name), "x\"y");
	s = fmt(METRICS_OPENMETRICS);
	has(s, "tsync_build_info{version=\"a\\\\b\\\"c\\nd\"} 1\n");
	has(s, "tsync_source_usable{source=\"x\\\"y\"} 0\n");
	free(s);
}
END_TEST

START_TEST(sources)
{
	char *s;

	F.nsources = 2;
	snprintf(F.source[0].name, sizeof(F.source[0].name), "gps");
	F.source[0].state = SEL_SELECTED;
	F.source[0].usable = true;
	F.source[0].have_estimate = true;
	F.source[0].offset_s = 1e-6;
	F.source[0].samples = 10;
	F.source[0].rejected = 1;
	snprintf(F.source[1].name, sizeof(F.source[1].name), "ntp1");
	F.source[1].state = SEL_UNUSABLE;
	F.source[0].reach = -1;		/* a reference clock has no register */
	F.source[1].reach = 0376;
	F.source[1].have_delay = true;
	F.source[1].delay_s = 250e-6;
	F.source[1].dropped = 3;
	s = fmt(METRICS_OPENMETRICS);
	has(s, "tsync_source_state{source=\"gps\",state=\"selected\"} 1\n");
	has(s, "tsync_source_state{source=\"gps\",state=\"falseticker\"} 0\n");
	has(s, "tsync_source_state{source=\"ntp1\",state=\"unusable\"} 1\n");
	has(s, "tsync_source_usable{source=\"gps\"} 1\n");
	has(s, "tsync_source_offset_seconds{source=\"gps\"} 1e-06\n");
	/* no estimate: no offset sample for ntp1 */
	hasnt(s, "tsync_source_offset_seconds{source=\"ntp1\"}");
	has(s, "tsync_source_samples_total{source=\"gps\"} 10\n");
	has(s, "tsync_source_rejected_samples_total{source=\"gps\"} 1\n");
	has(s, "tsync_source_samples_total{source=\"ntp1\"} 0\n");
	has(s, "tsync_source_reach{source=\"ntp1\"} 254\n");
	hasnt(s, "tsync_source_reach{source=\"gps\"}");
	has(s, "tsync_source_delay_seconds{source=\"ntp1\"} 0.00025\n");
	hasnt(s, "tsync_source_delay_seconds{source=\"gps\"}");
	has(s, "tsync_source_dropped_inputs_total{source=\"ntp1\"} 3\n");
	has(s, "tsync_source_dropped_inputs_total{source=\"gps\"} 0\n");
	free(s);
}
END_TEST

START_TEST(leap_expiry)
{
	char *s;

	F.have_leap_expiry = true;
	F.leap_expiry_unix_s = 1782604800;
	s = fmt(METRICS_OPENMETRICS);
	has(s, "# TYPE tsync_leap_table_expiry_timestamp_seconds gauge\n");
	has(s, "\ntsync_leap_table_expiry_timestamp_seconds 1782604800\n");
	free(s);
}
END_TEST

/* Every sample's family was announced (TYPE and HELP) before it. */
START_TEST(every_sample_has_type_and_help)
{
	char *s, *line, *save = NULL;
	char types[8192] = "", helps[8192] = "";

	F.have_estimate = true;
	F.have_ctl = F.have_audit = F.have_leap_expiry = true;
	F.nsources = 1;
	F.source[0].have_estimate = true;
	s = fmt(METRICS_OPENMETRICS);
	for (line = strtok_r(s, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char name[128];

		if (sscanf(line, "# TYPE %127s", name) == 1) {
			strcat(types, " "); strcat(types, name); strcat(types, " ");
		} else if (sscanf(line, "# HELP %127s", name) == 1) {
			strcat(helps, " "); strcat(helps, name); strcat(helps, " ");
		} else if (line[0] != '#') {
			char key[140];
			size_t n = strcspn(line, "{ ");

			ck_assert_uint_lt(n, 100);
			memcpy(name, line, n);
			name[n] = '\0';
			if (n > 6 && strcmp(name + n - 6, "_total") == 0)
				name[n - 6] = '\0';
			else if (n > 5 && strcmp(name + n - 5, "_info") == 0)
				name[n - 5] = '\0';
			snprintf(key, sizeof(key), " %s ", name);
			ck_assert_msg(strstr(types, key) != NULL, "no TYPE for %s", line);
			ck_assert_msg(strstr(helps, key) != NULL, "no HELP for %s", line);
		}
	}
	free(s);
}
END_TEST

START_TEST(negotiation)
{
	ck_assert_int_eq(metrics_negotiate(NULL), METRICS_OPENMETRICS);
	ck_assert_int_eq(metrics_negotiate("*/*"), METRICS_OPENMETRICS);
	ck_assert_int_eq(metrics_negotiate("application/openmetrics-text;"
	    "version=1.0.0,text/plain;version=0.0.4;q=0.5"), METRICS_OPENMETRICS);
	ck_assert_int_eq(metrics_negotiate("text/plain;version=0.0.4"),
	    METRICS_TEXT);
	ck_assert_str_eq(metrics_content_type(METRICS_OPENMETRICS),
	    "application/openmetrics-text; version=1.0.0; charset=utf-8");
	ck_assert_str_eq(metrics_content_type(METRICS_TEXT),
	    "text/plain; version=0.0.4; charset=utf-8");
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("format");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, openmetrics_core_families);
	tcase_add_test(tc, absent_estimate_and_infinite_time_to_tolerance);
	tcase_add_test(tc, estimate_present);
	tcase_add_test(tc, counters_named_per_format);
	tcase_add_test(tc, label_values_escaped);
	tcase_add_test(tc, sources);
	tcase_add_test(tc, leap_expiry);
	tcase_add_test(tc, every_sample_has_type_and_help);
	tcase_add_test(tc, negotiation);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(metrics_suite());
}

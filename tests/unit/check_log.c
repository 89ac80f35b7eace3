/*
 * check_log.c - structured logging: JSON and text records, level
 * filtering before argument evaluation, rate limiting, reopening.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "tstime.h"
#include "check_run.h"

static char dir[64];
static char path_a[128], path_b[128];

static void
setup(void)
{
	strcpy(dir, "/tmp/check_log.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path_a, sizeof(path_a), "%s/a.log", dir);
	snprintf(path_b, sizeof(path_b), "%s/b.log", dir);
}

static void
teardown(void)
{
	char p[160];

	log_close();
	unlink(path_a);
	unlink(path_b);
	snprintf(p, sizeof(p), "%s/a.log.1", dir);
	unlink(p);
	rmdir(dir);
}

/* The whole file, NUL-terminated. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), n);
	fclose(f);
	return buf;
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* Line `idx` (0-based) of the file as a JSON object. */
static json_t *
json_line(const char *path, int idx)
{
	char *buf = slurp(path), *line = buf, *nl;
	json_error_t err;
	json_t *j;

	for (int i = 0; i < idx; i++) {
		line = strchr(line, '\n');
		ck_assert_ptr_nonnull(line);
		line++;
	}
	nl = strchr(line, '\n');
	ck_assert_ptr_nonnull(nl);	/* every record ends its line */
	*nl = '\0';
	j = json_loads(line, 0, &err);
	ck_assert_msg(j != NULL, "not JSON (%s): %s", err.text, line);
	ck_assert(json_is_object(j));
	free(buf);
	return j;
}

static void
now_iso(char *buf, size_t len)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ck_assert_int_gt(tstime_format_iso8601(tstime_from_timespec(&ts), 6,
	    buf, len), 0);
}

static int evaluated;

static int
bump(void)
{
	return ++evaluated;
}

static json_t *
bump_fields(void)
{
	evaluated++;
	return json_pack("{s:i}", "n", evaluated);
}

START_TEST(defaults_before_open)
{
	char *buf;
	int fd, saved;

	ck_assert_int_eq(log_level, LL_INFO);
	/* Default target: text on stderr. */
	fd = open(path_a, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	log_info("early_event", "before %s", "open");
	log_debug("hidden_event", "not at info");
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	buf = slurp(path_a);
	ck_assert_int_eq(count_lines(buf), 1);
	ck_assert_ptr_nonnull(strstr(buf, " info early_event: before open\n"));
	free(buf);
}
END_TEST

START_TEST(json_record_has_all_parts)
{
	char before[40], after[40];
	const char *ts;
	json_t *j;

	ck_assert_int_eq(log_open(LOG_TARGET_FILE, LOG_FORMAT_JSON, path_a,
	    LL_DEBUG), 0);
	now_iso(before, sizeof(before));
	log_at(LL_WARNING, "peer_rejected",
	    json_pack("{s:s, s:i, s:f, s:b}", "peer", "192.0.2.1", "count", 3,
	    "offset_s", 0.25, "auth", 0),
	    "bad packet from %s (%d)", "192.0.2.1", 7);
	now_iso(after, sizeof(after));
	log_close();

	j = json_line(path_a, 0);
	ts = json_string_value(json_object_get(j, "ts"));
	ck_assert_ptr_nonnull(ts);
	ck_assert_int_eq(strlen(ts), 27);
	ck_assert_int_eq(ts[26], 'Z');
	/* Same fixed-width format, so string order is time order. */
	ck_assert_str_le(before, ts);
	ck_assert_str_ge(after, ts);
	ck_assert_str_eq(json_string_value(json_object_get(j, "level")),
	    "warning");
	ck_assert_str_eq(json_string_value(json_object_get(j, "event")),
	    "peer_rejected");
	ck_assert_str_eq(json_string_value(json_object_get(j, "msg")),
	    "bad packet from 192.0.2.1 (7)");
	ck_assert_str_eq(json_string_value(json_object_get(j, "peer")),
	    "192.0.2.1");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "count")), 3);
	ck_assert_double_eq(json_real_value(json_object_get(j, "offset_s")),
	    0.25);
	ck_assert(json_is_false(json_object_get(j, "auth")));
	ck_assert_int_eq(json_object_size(j), 8);
	json_decref(j);
}
END_TEST

START_TEST(json_colliding_fields_are_prefixed)
{
	json_t *j;

	ck_assert_int_eq(log_open(LOG_TARGET_FILE, LOG_FORMAT_JSON, path_a,
	    LL_INFO), 0);
	log_at(LL_ERR, "clash", json_pack("{s:s, s:i, s:s, s:s, s:s}",
	    "msg", "theirs", "level", 9, "ts", "then", "event", "other",
	    "extra", "kept"), "ours");
	log_close();

	j = json_line(path_a, 0);
	ck_assert_str_eq(json_string_value(json_object_get(j, "msg")), "ours");
	ck_assert_str_eq(json_string_value(json_object_get(j, "level")),
	    "error");
	ck_assert_str_eq(json_string_value(json_object_get(j, "event")),
	    "clash");
	ck_assert_str_eq(json_string_value(json_object_get(j, "field_msg")),
	    "theirs");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "field_level")),
	    9);
	ck_assert_str_eq(json_string_value(json_object_get(j, "field_ts")),
	    "then");
	ck_assert_str_eq(json_string_value(json_object_get(j, "field_event")),
	    "other");
	ck_assert_str_eq(json_string_value(json_object_get(j, "extra")), "kept");
	json_decref(j);
}
END_TEST

START_TEST(json_survives_invalid_utf8_and_newlines)
{
	json_t *j;
	const char *msg;

	ck_assert_int_eq(log_open(LOG_TARGET_FILE, LOG_FORMAT_JSON, path_a,
	    LL_INFO), 0);
	log_info("weird_input", "name \xff\xfe end\nsecond line");
	log_close();

	j = json_line(path_a, 0);
	msg = json_string_value(json_object_get(j, "msg"));
	ck_assert_ptr_nonnull(msg);
	ck_assert_str_eq(msg, "name ?? end\nsecond line");
	json_decref(j);
}
END_TEST

START_TEST(filtered_records_evaluate_nothing)
{
	char *buf;

	ck_assert_int_eq(log_open(LOG_TARGET_FILE, LOG_FORMAT_JSON, path_a,
	    LL_NOTICE), 0);
	evaluated = 0;
	log_info("not_shown", "value %d", bump());
	log_debug("not_shown", "value %d", bump());
	log_at(LL_INFO, "not_shown", bump_fields(), "value %d", bump());
	log_rl(LL_DEBUG, "not_shown", bump_fields(), "value %d", bump());
	ck_assert_int_eq(evaluated, 0);

	log_notice("shown", "value %d", bump());
	log_at(LL_WARNING, "shown", bump_fields(), "fields");
	ck_assert_int_eq(evaluated, 2);
	log_close();

	buf = slurp(path_a);
	ck_assert_int_eq(count_lines(buf), 2);
	ck_assert_ptr_null(strstr(buf, "not_shown"));
	free(buf);
}
END_TEST

START_TEST(ratelimit_counts_suppressed)
{
	struct log_ratelimit rl = { 10.0, 3, 0, 0, 0 };
	unsigned long suppressed = 99;
	int passed = 0;

	for (int i = 0; i < 10; i++)
		passed += log_ratelimit_pass(&rl, &suppressed);
	ck_assert_int_eq(passed, 3);
	ck_assert_uint_eq(suppressed, 0);	/* from the passing ones */
	ck_assert_uint_eq(rl.suppressed, 7);

	/* A new window: the next pass reports the 7 and resets. */
	rl.window_start -= 11.0;
	ck_assert(log_ratelimit_pass(&rl, &suppressed));
	ck_assert_uint_eq(suppressed, 7);
	ck_assert_uint_eq(rl.suppressed, 0);
	ck_assert(log_ratelimit_pass(&rl, &suppressed));
	ck_assert_uint_eq(suppressed, 0);
}
END_TEST

START_TEST(ratelimit_record_carries_suppressed)
{
	struct log_ratelimit rl = { 10.0, 2, 0, 0, 0 };
	json_t *j;
	char *buf;

	ck_assert_int_eq(log_open(LOG_TARGET_FILE, LOG_FORMAT_JSON, path_a,
	    LL_INFO), 0);
	for (int i = 0; i < 6; i++)
		log_emit_rl(&rl, LL_WARNING, "flood", NULL, "n=%d", i);
	rl.window_start -= 11.0;
	log_emit_rl(&rl, LL_WARNING, "flood", json_pack("{s:s}", "peer", "x"),
	    "after");
	/* Through the macro: at most 10 per call site per 10 s. */
	for (int i = 0; i < 25; i++)
		log_rl(LL_WARNING, "macro_flood", NULL, "n=%d", i);
	log_close();

	buf = slurp(path_a);
	ck_assert_int_eq(count_lines(buf), 2 + 1 + 10);
	free(buf);
	j = json_line(path_a, 1);
	ck_assert_ptr_null(json_object_get(j, "suppressed"));
	json_decref(j);
	j = json_line(path_a, 2);
	ck_assert_str_eq(json_string_value(json_object_get(j, "msg")), "after");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "suppressed")),
	    4);
	ck_assert_str_eq(json_string_value(json_object_get(j, "peer")), "x");
	json_decref(j);
}
END_TEST

START_TEST(text_format)
{
	char *buf, *rest, *nl;

	ck_assert_int_eq(log_open(LOG_TARGET_FILE, LOG_FORMAT_TEXT, path_a,
	    LL_INFO), 0);
	log_at(LL_WARNING, "event_name", json_pack("{s:s, s:s, s:s, s:i, s:b}",
	    "key", "value", "key2", "quoted string", "q", "say \"hi\"",
	    "n", 5, "ok", 1), "message");
	log_notice("plain", "no fields");
	log_close();

	buf = slurp(path_a);
	ck_assert_int_eq(count_lines(buf), 2);
	/* 2026-11-27T03:23:49.123456Z warning event_name: ... */
	ck_assert_int_eq(buf[4], '-');
	ck_assert_int_eq(buf[10], 'T');
	ck_assert_int_eq(buf[26], 'Z');
	ck_assert_int_eq(buf[27], ' ');
	rest = buf + 28;
	nl = strchr(rest, '\n');
	ck_assert_ptr_nonnull(nl);
	*nl = '\0';
	ck_assert_str_eq(rest, "warning event_name: message key=value "
	    "key2=\"quoted string\" q=\"say \\\"hi\\\"\" n=5 ok=true");
	rest = nl + 1;
	ck_assert_ptr_nonnull(strstr(rest, "Z notice plain: no fields\n"));
	free(buf);
}
END_TEST

START_TEST(reopen_switches_files)
{
	struct stat st;
	char rotated[160], *a, *b;

	umask(022);
	ck_assert_int_eq(log_open(LOG_TARGET_FILE, LOG_FORMAT_TEXT, path_a,
	    LL_INFO), 0);
	ck_assert_int_eq(stat(path_a, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0640);
	log_info("one", "first");

	/* logrotate: rename, then reopen the same path. */
	snprintf(rotated, sizeof(rotated), "%s.1", path_a);
	ck_assert_int_eq(rename(path_a, rotated), 0);
	ck_assert_int_eq(log_open(LOG_TARGET_FILE, LOG_FORMAT_TEXT, path_a,
	    LL_INFO), 0);
	log_info("two", "second");

	/* Another file and format. */
	ck_assert_int_eq(log_open(LOG_TARGET_FILE, LOG_FORMAT_JSON, path_b,
	    LL_DEBUG), 0);
	ck_assert_int_eq(log_level, LL_DEBUG);
	log_debug("three", "third");

	/* A failed open keeps the previous target. */
	ck_assert_int_eq(log_open(LOG_TARGET_FILE, LOG_FORMAT_TEXT,
	    "/nonexistent/dir/x.log", LL_INFO), -1);
	ck_assert_int_eq(log_level, LL_DEBUG);
	log_debug("four", "fourth");
	log_close();

	a = slurp(rotated);
	ck_assert_int_eq(count_lines(a), 1);
	ck_assert_ptr_nonnull(strstr(a, "one: first"));
	free(a);
	a = slurp(path_a);
	ck_assert_int_eq(count_lines(a), 1);
	ck_assert_ptr_nonnull(strstr(a, "two: second"));
	free(a);
	b = slurp(path_b);
	ck_assert_int_eq(count_lines(b), 2);
	ck_assert_ptr_nonnull(strstr(b, "\"event\":\"three\""));
	ck_assert_ptr_nonnull(strstr(b, "\"event\":\"four\""));
	free(b);
}
END_TEST

START_TEST(appends_to_existing_file)
{
	FILE *f = fopen(path_a, "w");
	char *buf;

	ck_assert_ptr_nonnull(f);
	fputs("earlier line\n", f);
	fclose(f);
	ck_assert_int_eq(log_open(LOG_TARGET_FILE, LOG_FORMAT_TEXT, path_a,
	    LL_INFO), 0);
	log_info("appended", "x");
	log_close();
	buf = slurp(path_a);
	ck_assert_int_eq(strncmp(buf, "earlier line\n", 13), 0);
	ck_assert_int_eq(count_lines(buf), 2);
	free(buf);
}
END_TEST

START_TEST(level_names)
{
	ck_assert_int_eq(log_level_parse("error"), LL_ERR);
	ck_assert_int_eq(log_level_parse("warning"), LL_WARNING);
	ck_assert_int_eq(log_level_parse("notice"), LL_NOTICE);
	ck_assert_int_eq(log_level_parse("info"), LL_INFO);
	ck_assert_int_eq(log_level_parse("debug"), LL_DEBUG);
	ck_assert_int_eq(log_level_parse("verbose"), -1);
	ck_assert_int_eq(log_level_parse(""), -1);
	ck_assert_int_eq(log_level_parse(NULL), -1);
	for (int l = LL_ERR; l <= LL_DEBUG; l++)
		ck_assert_int_eq(log_level_parse(log_level_name(l)), l);
	ck_assert_int_eq(log_open(LOG_TARGET_STDERR, LOG_FORMAT_TEXT, NULL, 9),
	    -1);
}
END_TEST

START_TEST(fatalx_record_written)
{
	pid_t pid = fork();
	int status;
	json_t *j;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		log_open(LOG_TARGET_FILE, LOG_FORMAT_JSON, path_a, LL_ERR);
		fatalx("cannot_start", "giving up: %s", "reason");
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 1);
	j = json_line(path_a, 0);
	ck_assert_str_eq(json_string_value(json_object_get(j, "level")),
	    "error");
	ck_assert_str_eq(json_string_value(json_object_get(j, "msg")),
	    "giving up: reason");
	json_decref(j);
}
END_TEST

static Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, defaults_before_open);
	tcase_add_test(tc, json_record_has_all_parts);
	tcase_add_test(tc, json_colliding_fields_are_prefixed);
	tcase_add_test(tc, json_survives_invalid_utf8_and_newlines);
	tcase_add_test(tc, filtered_records_evaluate_nothing);
	tcase_add_test(tc, ratelimit_counts_suppressed);
	tcase_add_test(tc, ratelimit_record_carries_suppressed);
	tcase_add_test(tc, text_format);
	tcase_add_test(tc, reopen_switches_files);
	tcase_add_test(tc, appends_to_existing_file);
	tcase_add_test(tc, level_names);
	tcase_add_test(tc, fatalx_record_written);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(log_suite());
}

/*
 * log.c - leveled, structured logging to stderr, syslog or a file.
 *
 * A record is rendered completely in memory and handed to the target in
 * one write(2) (or one syslog(3) call), so records appended to a shared
 * file by several processes never interleave. The daemon is single
 * threaded; this module keeps no locks.
 *
 * Syslog gets "event: msg key=value ..." (syslog adds its own time stamp)
 * at priority = level, or the full JSON record when the format is JSON.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "tstime.h"

int log_level = LL_INFO;

static enum log_target	target = LOG_TARGET_STDERR;
static enum log_format	format = LOG_FORMAT_TEXT;
static int		fd = STDERR_FILENO;	/* stderr or the file */

static const char *const level_names[] = {
	[LL_ERR] = "error",
	[LL_WARNING] = "warning",
	[LL_NOTICE] = "notice",
	[LL_INFO] = "info",
	[LL_DEBUG] = "debug",
};

static const char *const fixed_keys[] = { "ts", "level", "event", "msg" };

const char *
log_level_name(int level)
{
	if (level < LL_ERR || level > LL_DEBUG)
		return "unknown";
	return level_names[level];
}

int
log_level_parse(const char *name)
{
	if (name == NULL)
		return -1;
	for (int l = LL_ERR; l <= LL_DEBUG; l++)
		if (strcmp(name, level_names[l]) == 0)
			return l;
	return -1;
}

int
log_open(enum log_target new_target, enum log_format new_format,
    const char *path, int level)
{
	int new_fd = STDERR_FILENO;

	if (level < LL_ERR || level > LL_DEBUG ||
	    (new_format != LOG_FORMAT_TEXT && new_format != LOG_FORMAT_JSON)) {
		errno = EINVAL;
		return -1;
	}
	switch (new_target) {
	case LOG_TARGET_STDERR:
		break;
	case LOG_TARGET_FILE:
		if (path == NULL || *path == '\0') {
			errno = EINVAL;
			return -1;
		}
		new_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		    0640);
		if (new_fd == -1)
			return -1;
		break;
	case LOG_TARGET_SYSLOG:
		openlog("tsyncd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
		break;
	default:
		errno = EINVAL;
		return -1;
	}

	/* The new target is open: only now let go of the old one. */
	if (target == LOG_TARGET_FILE && fd != new_fd)
		close(fd);
	if (target == LOG_TARGET_SYSLOG && new_target != LOG_TARGET_SYSLOG)
		closelog();
	target = new_target;
	format = new_format;
	fd = new_fd;
	log_level = level;
	return 0;
}

void
log_close(void)
{
	if (target == LOG_TARGET_FILE)
		close(fd);
	else if (target == LOG_TARGET_SYSLOG)
		closelog();
	target = LOG_TARGET_STDERR;
	format = LOG_FORMAT_TEXT;
	fd = STDERR_FILENO;
}

/* ---------------------------------------------------------------- text */

static void
put_escaped(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

/* A string value is quoted when it would not read back as one token. */
static bool
needs_quotes(const char *s)
{
	if (*s == '\0')
		return true;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= ' ' || c == '"' || c == '\\' || c == '=' || c == 0x7f)
			return true;
	}
	return false;
}

static void
put_value(FILE *f, json_t *v)
{
	char *s;

	if (json_is_string(v)) {
		const char *str = json_string_value(v);

		if (needs_quotes(str)) {
			fputc('"', f);
			put_escaped(f, str);
			fputc('"', f);
		} else
			fputs(str, f);
		return;
	}
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	fputs(s != NULL ? s : "?", f);
	free(s);
}

/* Messages and event names are ours, but may quote peer input. */
static void
put_text(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

static void
render_text(FILE *f, const char *ts, int level, const char *event,
    const char *msg, json_t *fields)
{
	const char *key;
	json_t *v;

	if (ts != NULL)
		fprintf(f, "%s %s ", ts, log_level_name(level));
	put_text(f, event);
	fputs(": ", f);
	put_text(f, msg);
	if (json_is_object(fields)) {
		json_object_foreach(fields, key, v) {
			fputc(' ', f);
			put_text(f, key);
			fputc('=', f);
			put_value(f, v);
		}
	}
}

/* ---------------------------------------------------------------- json */

/* jansson rejects invalid UTF-8; never lose a record over it. */
static json_t *
safe_string(const char *s)
{
	json_t *j = json_string(s);
	char *copy;

	if (j != NULL)
		return j;
	copy = strdup(s);
	if (copy == NULL)
		return NULL;
	for (char *p = copy; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(copy);
	free(copy);
	return j;
}

static bool
is_fixed_key(const char *key)
{
	for (size_t i = 0; i < sizeof(fixed_keys) / sizeof(fixed_keys[0]); i++)
		if (strcmp(key, fixed_keys[i]) == 0)
			return true;
	return false;
}

static void
render_json(FILE *f, const char *ts, int level, const char *event,
    const char *msg, json_t *fields)
{
	json_t *rec = json_object(), *v;
	const char *key;
	char *s;

	if (rec == NULL)
		return;
	json_object_set_new(rec, "ts", json_string(ts));
	json_object_set_new(rec, "level", json_string(log_level_name(level)));
	json_object_set_new(rec, "event", safe_string(event));
	json_object_set_new(rec, "msg", safe_string(msg));
	if (json_is_object(fields)) {
		json_object_foreach(fields, key, v) {
			if (is_fixed_key(key)) {
				char *k = NULL;

				if (asprintf(&k, "field_%s", key) != -1) {
					json_object_set(rec, k, v);
					free(k);
				}
			} else
				json_object_set(rec, key, v);
		}
	}
	s = json_dumps(rec, JSON_COMPACT | JSON_REAL_PRECISION(15));
	if (s != NULL)
		fputs(s, f);
	free(s);
	json_decref(rec);
}

/* ---------------------------------------------------------------- emit */

static void
write_all(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;		/* nowhere left to report it */
		buf += n;
		len -= (size_t)n;
	}
}

static void vemit(int, const char *, json_t *, const char *, va_list)
    __attribute__((format(printf, 4, 0)));

static void
vemit(int level, const char *event, json_t *fields, const char *fmt,
    va_list ap)
{
	char ts[40] = "", *msg = NULL, *line = NULL;
	size_t linelen = 0;
	struct timespec now;
	FILE *f;

	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	if (event == NULL)
		event = "log";
	if (clock_gettime(CLOCK_REALTIME, &now) == 0)
		tstime_format_iso8601(tstime_from_timespec(&now), 6, ts,
		    sizeof(ts));

	f = open_memstream(&line, &linelen);
	if (f == NULL)
		goto out;
	if (format == LOG_FORMAT_JSON)
		render_json(f, ts, level, event, msg ? msg : "?", fields);
	else
		render_text(f, target == LOG_TARGET_SYSLOG ? NULL : ts, level,
		    event, msg ? msg : "?", fields);
	if (target != LOG_TARGET_SYSLOG)
		fputc('\n', f);
	if (fclose(f) != 0 || line == NULL)
		goto out;

	if (target == LOG_TARGET_SYSLOG)
		syslog(level, "%s", line);
	else
		write_all(line, linelen);
out:
	free(line);
	free(msg);
	json_decref(fields);
}

void
log_emit(int level, const char *event, json_t *fields, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level) {
		json_decref(fields);
		return;
	}
	va_start(ap, fmt);
	vemit(level, event, fields, fmt, ap);
	va_end(ap);
}

static double
monotonic_s(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0.0;
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

bool
log_ratelimit_pass(struct log_ratelimit *rl, unsigned long *suppressed)
{
	double now = monotonic_s();

	if (now - rl->window_start >= rl->interval_s ||
	    now < rl->window_start) {
		rl->window_start = now;
		rl->count = 0;
	}
	if (rl->count >= rl->burst) {
		rl->suppressed++;
		return false;
	}
	rl->count++;
	if (suppressed != NULL)
		*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return true;
}

void
log_emit_rl(struct log_ratelimit *rl, int level, const char *event,
    json_t *fields, const char *fmt, ...)
{
	unsigned long suppressed = 0;
	va_list ap;

	if (level > log_level || !log_ratelimit_pass(rl, &suppressed)) {
		json_decref(fields);
		return;
	}
	if (suppressed > 0) {
		if (fields == NULL)
			fields = json_object();
		if (json_is_object(fields))
			json_object_set_new(fields, "suppressed",
			    json_integer((json_int_t)suppressed));
	}
	va_start(ap, fmt);
	vemit(level, event, fields, fmt, ap);
	va_end(ap);
}

void
fatalx(const char *event, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vemit(LL_ERR, event, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

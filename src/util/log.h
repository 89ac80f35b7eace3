/*
 * log.h - leveled, structured logging.
 *
 * Every record has a level, a stable event name (lower_snake, e.g.
 * "config_reloaded"), a human message and optional fields (a jansson
 * object, stolen by the call). Targets: text to stderr (foreground),
 * syslog (daemon), or JSON lines to a file (log.format: json), each
 * JSON record being
 *   {"ts":"2026-11-27T03:23:49.123456Z","level":"info","event":"...",
 *    "msg":"...", <fields...>}
 *
 * The level is checked before any argument is evaluated, so building
 * fields with json_pack() costs nothing when the record is filtered out.
 */
#ifndef TSYNC_LOG_H
#define TSYNC_LOG_H

#include <jansson.h>
#include <stdbool.h>

/* syslog(3) numbering, names prefixed to avoid clashing with <syslog.h>. */
enum log_level {
	LL_ERR = 3,
	LL_WARNING = 4,
	LL_NOTICE = 5,
	LL_INFO = 6,
	LL_DEBUG = 7,
};

enum log_target {
	LOG_TARGET_STDERR,	/* text to stderr */
	LOG_TARGET_SYSLOG,	/* text to syslog, ident "tsyncd" */
	LOG_TARGET_FILE,	/* text lines appended to a file */
};

enum log_format {
	LOG_FORMAT_TEXT,
	LOG_FORMAT_JSON,
};

extern int log_level;

/*
 * Open a target. path is used only by LOG_TARGET_FILE. JSON format with
 * the stderr target writes JSON lines to stderr. May be called again
 * (reload, logrotate): the previous target is closed after the new one
 * is open. Returns 0, or -1 with errno set (the previous target stays).
 */
int	log_open(enum log_target target, enum log_format format,
	    const char *path, int level);
void	log_close(void);
const char *log_level_name(int level);
/* "error", "warning", "notice", "info", "debug" -> level, or -1. */
int	log_level_parse(const char *name);

void	log_emit(int level, const char *event, json_t *fields,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define log_at(lvl, event, fields, ...)					\
	do {								\
		if ((lvl) <= log_level)					\
			log_emit((lvl), (event), (fields), __VA_ARGS__); \
	} while (0)

#define log_error(event, ...)	log_at(LL_ERR, event, NULL, __VA_ARGS__)
#define log_warning(event, ...)	log_at(LL_WARNING, event, NULL, __VA_ARGS__)
#define log_notice(event, ...)	log_at(LL_NOTICE, event, NULL, __VA_ARGS__)
#define log_info(event, ...)	log_at(LL_INFO, event, NULL, __VA_ARGS__)
#define log_debug(event, ...)	log_at(LL_DEBUG, event, NULL, __VA_ARGS__)

/*
 * Rate limiting for per-packet / per-request problems: at most `burst`
 * records per `interval_s` seconds from one call site; the number
 * suppressed is reported in the field "suppressed" of the next record
 * that passes.
 */
struct log_ratelimit {
	double		interval_s;
	int		burst;
	double		window_start;	/* CLOCK_MONOTONIC seconds */
	int		count;
	unsigned long	suppressed;
};

/* Returns true if a record may be emitted; *suppressed gets the count
 * dropped since the last record that passed (and is reset). */
bool	log_ratelimit_pass(struct log_ratelimit *rl, unsigned long *suppressed);
void	log_emit_rl(struct log_ratelimit *rl, int level, const char *event,
	    json_t *fields, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));

#define log_rl(lvl, event, fields, ...)					\
	do {								\
		static struct log_ratelimit rl_ = { 10.0, 10, 0, 0, 0 };\
		if ((lvl) <= log_level)					\
			log_emit_rl(&rl_, (lvl), (event), (fields),	\
			    __VA_ARGS__);				\
	} while (0)

/* Log at LL_ERR and exit(1). Only before the main loop. */
void	fatalx(const char *event, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

#endif

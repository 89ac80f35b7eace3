/*
 * audit.h - the audit log writer: an append-only, hash-chained JSON-lines
 * file (format and hashing rule in src/proto/audit_chain.h).
 *
 * Every record is written with one write(2) followed by fdatasync(2),
 * so a crash loses at most the record being written. Record types used
 * by the daemon: start, config, state, trace, tolerance, step, leap,
 * summary; the writer itself adds rotate and recovered.
 *
 * "summary" data (every audit.summary_interval, default 60 s), over the
 * interval: {"interval_s":60,"offset_min_s":..,"offset_max_s":..,
 * "offset_mean_s":..,"max_error_max_s":<largest published max_error>,
 * "state":"<state at the end>","samples":N}.
 */
#ifndef TSYNC_AUDIT_H
#define TSYNC_AUDIT_H

#include <jansson.h>
#include <stddef.h>

#define AUDIT_KEEP_DEFAULT	10	/* rotated files kept: path.1..path.10 */

struct audit;

/*
 * Open (create, mode 0640) the audit log and write a "start" record with
 * {"version","config_path","config_sha256" (null and "config_error" if
 * the file cannot be read),"pid"}.
 *
 * An existing file continues its chain: its last complete record must
 * pass its own hash check (else NULL: the file was damaged and a human
 * must look), and the new records take seq+1 and prev = its hash.
 * Bytes after the last '\n' (a record torn by a crash) are truncated
 * away and described by a "recovered" record written after "start":
 * {"discarded_bytes":N,"discarded_sha256":"..","after_seq":S}. The torn
 * record was never linked to, so the chain verifies unchanged.
 * If path is missing or empty but path.1 exists (a crash between the
 * rename and the first record of a rotation), the new file begins with
 * a "rotate" record continuing path.1's chain.
 *
 * Returns NULL with a message in err on failure.
 */
struct audit *audit_open(const char *path, const char *version,
	    const char *config_path, char *err, size_t errlen);

/*
 * Append one record; `data` is stolen (NULL for {}). Returns 0, or -1
 * with errno set (the error is logged here, rate-limited). On a failed or short
 * write the file is truncated back, so no torn line remains.
 */
int	audit_append(struct audit *a, const char *type, json_t *data);

/*
 * Rename path.(keep-1) -> path.keep, ..., path -> path.1 (the oldest
 * beyond keep is overwritten), then start a new path whose first record
 * is "rotate" {"previous_file":"<path>.1"} with seq and prev continuing
 * the chain. Returns 0 or -1 (errno set, logged).
 */
int	audit_rotate(struct audit *a);
/* Rotated files to keep, >= 1 (default AUDIT_KEEP_DEFAULT). */
void	audit_set_keep(struct audit *a, int keep);

/*
 * {"config_path","config_sha256"} of a configuration file as it is now
 * (config_sha256 null plus "config_error" when it cannot be read), the
 * data of a "config" record. NULL only when out of memory.
 */
json_t	*audit_config_data(const char *config_path);

/* Records audit_append() failed to write since audit_open(). */
unsigned long audit_failures(const struct audit *a);
/* Next record's seq; the current chain head ("hash" of the last record). */
unsigned long long audit_next_seq(const struct audit *a);
const char *audit_head(const struct audit *a);

void	audit_close(struct audit *a);

#endif

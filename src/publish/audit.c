/*
 * audit.c - the audit log writer (I/O side). Records are built and
 * checked by the pure codec in src/proto/audit_chain.c; this file owns
 * the file descriptor, the clock reading, durability, crash recovery and
 * rotation.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "audit_chain.h"
#include "log.h"
#include "tstime.h"

#define CONFIG_MAX_BYTES	(16 << 20)
/* Room for a torn record and the complete one before it. */
#define TAIL_WINDOW		(2 * ((off_t)AUDIT_MAX_LINE + 1))

struct audit {
	int		fd;
	char		*path;
	off_t		size;		/* bytes known good on disk */
	uint64_t	next_seq;
	char		head[AUDIT_HASH_HEX + 1];
	int		keep;
	unsigned long	failures;	/* records not written */
};

/* What the end of an existing file holds. */
struct tail {
	bool		have;		/* a complete last record */
	uint64_t	seq;
	char		hash[AUDIT_HASH_HEX + 1];
	off_t		good_len;	/* bytes up to the last '\n' */
	size_t		torn_len;	/* bytes after it */
	char		torn_sha[AUDIT_HASH_HEX + 1];
};

static char *
numbered(const char *path, int n)
{
	char *s = NULL;

	if (asprintf(&s, "%s.%d", path, n) < 0)
		return NULL;
	return s;
}

static void
now_ts(char buf[AUDIT_TS_LEN + 1])
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (tstime_format_iso8601(tstime_from_timespec(&ts), 6, buf,
	    AUDIT_TS_LEN + 1) != AUDIT_TS_LEN)
		strcpy(buf, "1970-01-01T00:00:00.000000Z");
}

static ssize_t
pread_all(int fd, char *buf, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, off + (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -1 : (ssize_t)got;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Decode the last complete line, buf[start..end) of the window. */
static int
tail_record(struct tail *t, const char *buf, size_t start, size_t end,
    const char *path, char *err, size_t errlen)
{
	struct audit_record rec;
	char why[160];

	if (audit_chain_decode(buf + start, end - start, &rec, why,
	    sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: last record does not verify (%s); "
		    "refusing to extend a damaged chain", path, why);
		return -1;
	}
	t->have = true;
	t->seq = rec.seq;
	memcpy(t->hash, rec.hash, sizeof(t->hash));
	return 0;
}

static int
scan_tail(int fd, const char *path, struct tail *t, char *err, size_t errlen)
{
	struct stat st;
	off_t off;
	size_t n, last_nl, start;
	char *buf = NULL;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (st.st_size == 0)
		return 0;
	off = st.st_size > TAIL_WINDOW ? st.st_size - TAIL_WINDOW : 0;
	n = (size_t)(st.st_size - off);
	if ((buf = malloc(n)) == NULL || pread_all(fd, buf, n, off) != (ssize_t)n) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		goto out;
	}
	for (last_nl = n; last_nl > 0 && buf[last_nl - 1] != '\n'; last_nl--)
		;
	t->good_len = off + (off_t)last_nl;
	t->torn_len = n - last_nl;
	if (t->torn_len > 0 && audit_chain_sha256_hex(buf + last_nl,
	    t->torn_len, t->torn_sha) != 0)
		goto out;
	if (last_nl == 0) {		/* no complete line in the window */
		rc = off == 0 ? 0 : -1;
		if (rc != 0)
			snprintf(err, errlen, "%s: no complete record in the "
			    "last %lld bytes", path, (long long)n);
		goto out;
	}
	for (start = last_nl - 1; start > 0 && buf[start - 1] != '\n'; start--)
		;
	if (start == 0 && off != 0)
		snprintf(err, errlen, "%s: last record longer than %d bytes",
		    path, AUDIT_MAX_LINE);
	else
		rc = tail_record(t, buf, start, last_nl - 1, path, err, errlen);
out:
	free(buf);
	return rc;
}

static int
write_line(struct audit *a, const char *line, size_t len)
{
	ssize_t n;

	do
		n = write(a->fd, line, len);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)len) {
		int e = n < 0 ? errno : ENOSPC;

		/* Leave no torn line behind for the next record to follow. */
		if (ftruncate(a->fd, a->size) != 0)
			log_error("audit_truncate_failed", "%s: %s", a->path,
			    strerror(errno));
		errno = e;
		return -1;
	}
	a->size += (off_t)len;
	return fdatasync(a->fd);
}

int
audit_append(struct audit *a, const char *type, json_t *data)
{
	char ts[AUDIT_TS_LEN + 1], hash[AUDIT_HASH_HEX + 1];
	off_t before = a->size;
	size_t len;
	char *line;
	int rc, e;

	if (a->fd < 0) {
		json_decref(data);
		a->failures++;
		errno = EBADF;
		return -1;
	}
	now_ts(ts);
	line = audit_chain_encode(a->next_seq, ts, type, data, a->head, hash,
	    &len);
	if (line == NULL) {
		e = errno;
		log_rl(LL_ERR, "audit_encode_failed", NULL, "%s: %s record: %s",
		    a->path, type, strerror(e));
		a->failures++;
		errno = e;
		return -1;
	}
	rc = write_line(a, line, len);
	e = errno;
	free(line);
	if (a->size != before) {
		/* The line is in the file (even if fdatasync failed). */
		a->next_seq++;
		memcpy(a->head, hash, sizeof(a->head));
	}
	if (rc != 0) {
		/* A full disk fails every record: rate-limited. */
		log_rl(LL_ERR, "audit_write_failed", NULL, "%s: %s", a->path,
		    strerror(e));
		a->failures++;
		errno = e;
	}
	return rc;
}

/* SHA-256 of a configuration file; NULL, or why not. */
static const char *
file_sha256(const char *path, char hex[AUDIT_HASH_HEX + 1])
{
	const char *why = NULL;
	char *buf = NULL;
	FILE *f;
	size_t n = 0;

	f = path ? fopen(path, "re") : NULL;
	if (f == NULL)
		why = path ? strerror(errno) : "no configuration file";
	else if ((buf = malloc(CONFIG_MAX_BYTES + 1)) == NULL)
		why = strerror(ENOMEM);
	else if ((n = fread(buf, 1, CONFIG_MAX_BYTES + 1, f)) >
	    CONFIG_MAX_BYTES || ferror(f))
		why = ferror(f) ? "read error" : "file too large";
	else if (audit_chain_sha256_hex(buf, n, hex) != 0)
		why = "SHA-256 failed";
	if (f != NULL)
		fclose(f);
	free(buf);
	return why;
}

/* {"version","config_path","config_sha256","pid"} for a start record. */
static json_t *
start_data(const char *version, const char *config_path)
{
	char hex[AUDIT_HASH_HEX + 1];
	const char *why = file_sha256(config_path, hex);
	json_t *d;

	d = json_pack("{s:s?, s:s?, s:s?, s:I}", "version", version,
	    "config_path", config_path, "config_sha256", why ? NULL : hex,
	    "pid", (json_int_t)getpid());
	if (d != NULL && why != NULL)
		json_object_set_new(d, "config_error", json_string(why));
	return d;
}

json_t *
audit_config_data(const char *config_path)
{
	char hex[AUDIT_HASH_HEX + 1];
	const char *why = file_sha256(config_path, hex);
	json_t *d;

	d = json_pack("{s:s?, s:s?}", "config_path", config_path,
	    "config_sha256", why ? NULL : hex);
	if (d != NULL && why != NULL)
		json_object_set_new(d, "config_error", json_string(why));
	return d;
}

/* Continue the chain of path.1 (crash between rename and first record). */
static int
resume_rotated(struct audit *a, struct tail *t, char *err, size_t errlen)
{
	char *old = numbered(a->path, 1);
	int fd, rc;

	memset(t, 0, sizeof(*t));
	if (old == NULL)
		return -1;
	fd = open(old, O_RDONLY | O_CLOEXEC);
	free(old);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	rc = scan_tail(fd, a->path, t, err, errlen);
	close(fd);
	t->torn_len = 0;	/* the rotated file is not ours to repair */
	return rc;
}

static int
open_tail(struct audit *a, struct tail *t, char *err, size_t errlen)
{
	if (scan_tail(a->fd, a->path, t, err, errlen) != 0)
		return -1;
	if (t->torn_len > 0 && (ftruncate(a->fd, t->good_len) != 0 ||
	    fdatasync(a->fd) != 0)) {
		snprintf(err, errlen, "%s: cannot truncate torn record: %s",
		    a->path, strerror(errno));
		return -1;
	}
	a->size = t->good_len;
	if (t->have) {
		a->next_seq = t->seq + 1;
		memcpy(a->head, t->hash, sizeof(a->head));
	}
	return 0;
}

/* The records every open writes: rotate (if resuming), start, recovered. */
static int
open_records(struct audit *a, const struct tail *t, const char *version,
    const char *config_path, bool resumed)
{
	char *old = numbered(a->path, 1);
	int rc = 0;

	if (resumed)
		rc = audit_append(a, "rotate", json_pack("{s:s?, s:s}",
		    "previous_file", old, "reason", "resumed"));
	free(old);
	if (rc == 0)
		rc = audit_append(a, "start", start_data(version, config_path));
	if (rc == 0 && t->torn_len > 0)
		rc = audit_append(a, "recovered", json_pack("{s:I, s:s, s:o}",
		    "discarded_bytes", (json_int_t)t->torn_len,
		    "discarded_sha256", t->torn_sha, "after_seq",
		    t->have ? json_integer((json_int_t)t->seq) : json_null()));
	return rc;
}

struct audit *
audit_open(const char *path, const char *version, const char *config_path,
    char *err, size_t errlen)
{
	struct audit *a = calloc(1, sizeof(*a));
	struct tail t, old;
	bool resumed = false;

	snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
	if (a == NULL)
		return NULL;
	a->fd = -1;
	if ((a->path = strdup(path)) == NULL)
		goto fail;
	a->keep = AUDIT_KEEP_DEFAULT;
	strcpy(a->head, AUDIT_ZERO_HASH);
	a->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (a->fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (open_tail(a, &t, err, errlen) != 0)
		goto fail;
	if (!t.have) {
		if (resume_rotated(a, &old, err, errlen) != 0)
			goto fail;
		if ((resumed = old.have)) {
			a->next_seq = old.seq + 1;
			memcpy(a->head, old.hash, sizeof(a->head));
		}
	}
	if (open_records(a, &t, version, config_path, resumed) != 0) {
		snprintf(err, errlen, "%s: cannot write: %s", path,
		    strerror(errno));
		goto fail;
	}
	return a;
fail:
	audit_close(a);
	return NULL;
}

static void
sync_dir(const char *path)
{
	char *dir = strdup(path), *slash;
	int fd;

	if (dir == NULL)
		return;
	slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else
		slash[slash == dir] = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

/* path.(keep-1) -> path.keep, ..., path -> path.1 */
static int
shift_files(const struct audit *a)
{
	for (int i = a->keep; i >= 1; i--) {
		char *from = i > 1 ? numbered(a->path, i - 1) : strdup(a->path);
		char *to = numbered(a->path, i);
		int rc = from && to ? rename(from, to) : -1;
		int e = from && to ? errno : ENOMEM;

		free(from);
		free(to);
		if (rc != 0 && (e != ENOENT || i == 1)) {
			errno = e;
			return -1;
		}
	}
	return 0;
}

int
audit_rotate(struct audit *a)
{
	char *old = numbered(a->path, 1);
	int rc = -1, e;

	if (old == NULL || shift_files(a) != 0)
		goto out;
	sync_dir(a->path);
	if (a->fd >= 0)
		close(a->fd);
	a->size = 0;
	a->fd = open(a->path, O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC,
	    0640);
	if (a->fd >= 0)
		rc = audit_append(a, "rotate", json_pack("{s:s}",
		    "previous_file", old));
	sync_dir(a->path);
out:
	e = errno;
	if (rc != 0)
		log_error("audit_rotate_failed", "%s: %s", a->path, strerror(e));
	free(old);
	errno = e;
	return rc;
}

void
audit_set_keep(struct audit *a, int keep)
{
	a->keep = keep < 1 ? 1 : keep;
}

unsigned long
audit_failures(const struct audit *a)
{
	return a->failures;
}

unsigned long long
audit_next_seq(const struct audit *a)
{
	return a->next_seq;
}

const char *
audit_head(const struct audit *a)
{
	return a->head;
}

void
audit_close(struct audit *a)
{
	if (a == NULL)
		return;
	if (a->fd >= 0)
		close(a->fd);
	free(a->path);
	free(a);
}

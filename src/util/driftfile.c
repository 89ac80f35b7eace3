/*
 * driftfile.c - read and atomically write the drift file. The format and
 * parse functions are pure so that they can be unit-tested and fuzzed; the
 * I/O functions only move bytes.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driftfile.h"

#define MAGIC		"tsyncd-drift"
#define FORMAT_VERSION		"1"
#define NFIELDS		5
#define NS_PER_S	INT64_C(1000000000)
#define MAX_SEC_DIGITS	11		/* up to year 5138; no int64 overflow */

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static bool
values_ok(double freq_ppb, double freq_u_ppb)
{
	return isfinite(freq_ppb) && isfinite(freq_u_ppb) &&
	    fabs(freq_ppb) <= DRIFTFILE_MAX_PPB && freq_u_ppb >= 0 &&
	    freq_u_ppb <= DRIFTFILE_MAX_PPB;
}

int
driftfile_format(char *buf, size_t len, double freq_ppb, double freq_u_ppb,
    int64_t realtime_ns)
{
	int n;

	if (!values_ok(freq_ppb, freq_u_ppb) || realtime_ns < 0)
		return -1;
	n = snprintf(buf, len, MAGIC " " FORMAT_VERSION " %.6f %.6f %" PRId64 ".%09" PRId64 "\n",
	    freq_ppb, freq_u_ppb, realtime_ns / NS_PER_S, realtime_ns % NS_PER_S);
	if (n < 0 || (size_t)n >= len)
		return -1;
	return n;
}

/* A plain decimal: sign, digits, point, exponent; no hex, nan or inf. */
static int
parse_ppb(const char *f, const char *name, double lo, double *out, char *err,
    size_t errlen)
{
	char *end;
	double v;

	if (f[strspn(f, "0123456789.eE+-")] != '\0' || strpbrk(f, "0123456789") == NULL)
		return fail(err, errlen, "%s: not a decimal number: \"%s\"", name, f);
	errno = 0;
	v = strtod(f, &end);
	if (*end != '\0' || end == f)
		return fail(err, errlen, "%s: not a decimal number: \"%s\"", name, f);
	if (!isfinite(v) || errno == ERANGE)
		return fail(err, errlen, "%s: out of range: \"%s\"", name, f);
	if (v < lo || v > DRIFTFILE_MAX_PPB)
		return fail(err, errlen, "%s: %s ppb is outside [%g, %g]", name, f,
		    lo, DRIFTFILE_MAX_PPB);
	*out = v;
	return 0;
}

/* <seconds>.<exactly 9 digits>, not negative. */
static int
parse_time(const char *f, int64_t *ns, char *err, size_t errlen)
{
	size_t nsec = strspn(f, "0123456789");
	int64_t s = 0, frac = 0;

	if (nsec == 0 || nsec > MAX_SEC_DIGITS || f[nsec] != '.' ||
	    strspn(f + nsec + 1, "0123456789") != 9 || f[nsec + 10] != '\0')
		return fail(err, errlen,
		    "time: expected <unix seconds>.<9 digits>, got \"%s\"", f);
	for (size_t i = 0; i < nsec; i++)
		s = s * 10 + (f[i] - '0');
	/* int64_t nanoseconds end in 2262 (found by fuzz_driftfile). */
	if (s > INT64_MAX / NS_PER_S - 1)
		return fail(err, errlen, "time: %s is out of range", f);
	for (size_t i = nsec + 1; i < nsec + 10; i++)
		frac = frac * 10 + (f[i] - '0');
	*ns = s * NS_PER_S + frac;
	return 0;
}

/* Split the line (no newline) at single spaces; exactly NFIELDS fields. */
static int
split(char *line, char *field[NFIELDS], char *err, size_t errlen)
{
	int n = 0;
	char *p = line;

	for (;;) {
		char *sp = strchr(p, ' ');

		if (sp == p || *p == '\0')
			return fail(err, errlen,
			    "fields must be separated by single spaces");
		if (n == NFIELDS)
			return fail(err, errlen, "more than %d fields", NFIELDS);
		field[n++] = p;
		if (sp == NULL)
			break;
		*sp = '\0';
		p = sp + 1;
	}
	if (n != NFIELDS)
		return fail(err, errlen, "expected %d fields, got %d", NFIELDS, n);
	return 0;
}

/* The framing: one non-empty line of text ending in '\n'. */
static int
check_line(const char *buf, size_t len, char *err, size_t errlen)
{
	if (len == 0)
		return fail(err, errlen, "empty");
	if (len > DRIFTFILE_MAX_LEN)
		return fail(err, errlen, "longer than %d bytes", DRIFTFILE_MAX_LEN);
	if (memchr(buf, '\0', len) != NULL)
		return fail(err, errlen, "contains a NUL byte");
	if (buf[len - 1] != '\n')
		return fail(err, errlen, "no newline at the end (truncated?)");
	if (memchr(buf, '\n', len - 1) != NULL)
		return fail(err, errlen, "more than one line");
	if (memchr(buf, '\r', len) != NULL || memchr(buf, '\t', len) != NULL)
		return fail(err, errlen, "control character in the line");
	return 0;
}

int
driftfile_parse(const char *buf, size_t len, double *freq_ppb,
    double *freq_u_ppb, int64_t *realtime_ns, char *err, size_t errlen)
{
	char line[DRIFTFILE_MAX_LEN + 1], *f[NFIELDS];
	double fr, fu;
	int64_t t = 0;

	if (check_line(buf, len, err, errlen) < 0)
		return -1;
	memcpy(line, buf, len - 1);
	line[len - 1] = '\0';
	if (split(line, f, err, errlen) < 0)
		return -1;
	if (strcmp(f[0], MAGIC) != 0)
		return fail(err, errlen, "not a tsyncd drift file (no \"" MAGIC "\")");
	if (strcmp(f[1], FORMAT_VERSION) != 0)
		return fail(err, errlen, "unsupported version \"%s\" (expected " FORMAT_VERSION ")",
		    f[1]);
	if (parse_ppb(f[2], "freq_ppb", -DRIFTFILE_MAX_PPB, &fr, err, errlen) < 0 ||
	    parse_ppb(f[3], "freq_u_ppb", 0, &fu, err, errlen) < 0 ||
	    parse_time(f[4], &t, err, errlen) < 0)
		return -1;
	*freq_ppb = fr;
	*freq_u_ppb = fu;
	*realtime_ns = t;
	return 0;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsync the directory holding path, so that the rename is durable. */
static int
sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, rc;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static int
write_tmp(const char *tmp, const char *buf, size_t len)
{
	int fd, saved;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}

int
driftfile_write(const char *path, double freq_ppb, double freq_u_ppb,
    int64_t realtime_ns)
{
	char buf[DRIFTFILE_MAX_LEN + 1], tmp[PATH_MAX];
	int n, saved;

	n = driftfile_format(buf, sizeof(buf), freq_ppb, freq_u_ppb, realtime_ns);
	if (n < 0) {
		errno = EINVAL;
		return -1;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (write_tmp(tmp, buf, (size_t)n) < 0 || rename(tmp, path) < 0) {
		saved = errno;
		unlink(tmp);	/* fails harmlessly when tmp is not a file */
		errno = saved;
		return -1;
	}
	return sync_dir(path);
}

int
driftfile_read(const char *path, double *freq_ppb, double *freq_u_ppb,
    int64_t *realtime_ns, char *err, size_t errlen)
{
	char buf[DRIFTFILE_MAX_LEN + 2], why[160];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		fail(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	/* A short read of a small regular file is the whole file; more than
	 * DRIFTFILE_MAX_LEN bytes is rejected by the parser. */
	if (driftfile_parse(buf, (size_t)n, freq_ppb, freq_u_ppb, realtime_ns,
	    why, sizeof(why)) < 0)
		return fail(err, errlen, "%s: %s", path, why);
	return 0;
}

/*
 * ctl_latency_client - control socket round-trip latency.
 *
 *   ctl_latency_client -s SOCKET [-n REQUESTS] [-c CLIENTS] [-i PERIOD_US]
 *                      [-r REQUEST]
 *
 * CLIENTS processes (fork, so no -pthread is needed) each open their own
 * connection, wait at a common start line, then send REQUESTS/CLIENTS
 * requests one at a time, reading each reply line before the next and
 * timing the round trip with CLOCK_MONOTONIC. Without -i each client
 * sends its next request as soon as the reply is in (saturation). With
 * -i each client sends one request every PERIOD_US, the clients' phases
 * spread evenly over the period (timer slack 1 ns). A request's latency
 * is counted from when it was sent, or from when it was due if the reply
 * to the one before came in after that, so that a daemon that falls
 * behind is charged for the wait it caused (no coordinated omission); the
 * client's own late wakeups are not the daemon's. Every reply is decoded and
 * must be {"ok":true,...}. Prints p50/p90/p99/max in microseconds and the
 * aggregate throughput; exits 1 if any request failed.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl_proto.h"

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
connect_unix(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "socket path too long: %s\n", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A line reader over one connection; replies fit in buf. */
struct reader {
	int	fd;
	char	buf[65536];
	size_t	len;
};

/* Returns the line length (without '\n'), 0 at EOF, -1 on error/overflow. */
static ssize_t
read_line(struct reader *r, char **line)
{
	for (;;) {
		char *nl = memchr(r->buf, '\n', r->len);
		if (nl != NULL) {
			*line = r->buf;
			return nl - r->buf;
		}
		if (r->len == sizeof(r->buf))
			return -1;
		ssize_t n = read(r->fd, r->buf + r->len, sizeof(r->buf) - r->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return n;
		r->len += (size_t)n;
	}
}

static void
consume_line(struct reader *r, size_t linelen)
{
	size_t used = linelen + 1;

	memmove(r->buf, r->buf + used, r->len - used);
	r->len -= used;
}

/* One client: returns the number of failed requests (or count on setup failure). */
static int
run_client(int id, const char *path, const char *req, long count, int go_fd,
    int64_t period_ns, int64_t phase_ns, int64_t *lat_ns)
{
	int64_t due = 0, done = 0;
	static struct reader r;
	struct ctl_error err;
	char go;
	int failed = 0;

	if ((r.fd = connect_unix(path)) == -1) {
		fprintf(stderr, "client %d: connect %s: %s\n", id, path, strerror(errno));
		return (int)count;
	}
	r.len = 0;
	/* The start line: the parent closes the pipe when all are connected. */
	while (read(go_fd, &go, 1) == -1 && errno == EINTR)
		continue;
	if (period_ns > 0) {
		(void)prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
		due = now_ns() + phase_ns;
	}
	for (long i = 0; i < count; i++) {
		int64_t t0;
		char *line;
		ssize_t len;

		if (period_ns > 0) {
			struct timespec ts = { .tv_sec = due / 1000000000,
			    .tv_nsec = due % 1000000000 };

			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
			    &ts, NULL) == EINTR)
				continue;
			t0 = done > due ? due : now_ns();
			due += period_ns;
		} else
			t0 = now_ns();

		if (write_all(r.fd, req, strlen(req)) == -1) {
			fprintf(stderr, "client %d: write: %s\n", id, strerror(errno));
			return failed + (int)(count - i);
		}
		if ((len = read_line(&r, &line)) <= 0) {
			fprintf(stderr, "client %d: %s\n", id, len == 0 ? "connection closed" :
			    "read error or line too long");
			return failed + (int)(count - i);
		}
		done = now_ns();
		lat_ns[i] = done - t0;

		json_t *msg = ctl_decode_message(line, (size_t)len, &err);
		if (msg == NULL || !json_is_true(json_object_get(msg, "ok"))) {
			if (failed++ == 0)
				fprintf(stderr, "client %d: bad reply: %.*s\n", id,
				    (int)(len > 200 ? 200 : len), line);
			lat_ns[i] = -1;
		}
		json_decref(msg);
		consume_line(&r, (size_t)len);
	}
	close(r.fd);
	return failed;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array. */
static double
pct_us(const int64_t *v, size_t n, double p)
{
	size_t k = (size_t)((p / 100.0) * (double)n + 0.999999);

	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return (double)v[k - 1] / 1e3;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: ctl_latency_client -s SOCKET [-n REQUESTS] [-c CLIENTS]"
	    " [-i PERIOD_US] [-r REQUEST_JSON]\n");
}

int
main(int argc, char **argv)
{
	const char *path = NULL;
	const char *cmd = "{\"cmd\":\"status\"}";
	long n = 10000, c = 1, period_us = 0;
	int opt, pipefd[2], failed = 0;

	while ((opt = getopt(argc, argv, "s:n:c:i:r:h")) != -1) {
		switch (opt) {
		case 's': path = optarg; break;
		case 'n': n = strtol(optarg, NULL, 10); break;
		case 'c': c = strtol(optarg, NULL, 10); break;
		case 'i': period_us = strtol(optarg, NULL, 10); break;
		case 'r': cmd = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (path == NULL || n < 1 || c < 1 || c > 4096 || n < c ||
	    period_us < 0 || period_us > 60000000) {
		usage(stderr);
		return 2;
	}

	char *req = malloc(strlen(cmd) + 2);
	if (req == NULL)
		return 1;
	sprintf(req, "%s\n", cmd);

	size_t maplen = (size_t)n * sizeof(int64_t);
	int64_t *lat = mmap(NULL, maplen, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (lat == MAP_FAILED || pipe(pipefd) == -1) {
		perror("ctl_latency_client: setup");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);

	pid_t *pids = calloc((size_t)c, sizeof(*pids));
	long off = 0;
	for (long i = 0; i < c; i++) {
		long count = n / c + (i < n % c);
		pid_t pid = fork();
		if (pid == -1) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			close(pipefd[1]);
			int64_t period = (int64_t)period_us * 1000;
			int f = run_client((int)i, path, req, count, pipefd[0],
			    period, period * i / c, lat + off);
			_exit(f > 255 ? 255 : f);
		}
		pids[i] = pid;
		off += count;
	}
	close(pipefd[0]);
	/* Give every child time to connect before the start line. */
	usleep(200000);
	int64_t t0 = now_ns();
	close(pipefd[1]);
	for (long i = 0; i < c; i++) {
		int st;
		if (waitpid(pids[i], &st, 0) == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed++;
	}
	double wall_s = (double)(now_ns() - t0) / 1e9;

	/* Drop failed entries (-1, and 0 for never-run requests). */
	size_t ok = 0;
	for (long i = 0; i < n; i++)
		if (lat[i] > 0)
			lat[ok++] = lat[i];
	qsort(lat, ok, sizeof(*lat), cmp_i64);
	if (ok == 0) {
		fprintf(stderr, "ctl_latency_client: no successful request\n");
		return 1;
	}
	printf("clients=%ld requests=%ld ok=%zu p50_us=%.1f p90_us=%.1f p99_us=%.1f"
	    " max_us=%.1f wall_s=%.3f throughput_rps=%.0f\n",
	    c, n, ok, pct_us(lat, ok, 50), pct_us(lat, ok, 90), pct_us(lat, ok, 99),
	    (double)lat[ok - 1] / 1e3, wall_s, (double)ok / wall_s);
	free(pids);
	free(req);
	munmap(lat, maplen);
	return failed || ok != (size_t)n ? 1 : 0;
}

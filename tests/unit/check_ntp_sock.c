/*
 * check_ntp_sock.c - the NTP client socket against a plain UDP server on
 * loopback (127.0.0.1, and ::1 when the machine has it): payload and
 * kernel stamps both ways, the TX key, ICMP port unreachable, the source
 * check, the user-space fallback, and open()/close() edge cases.
 *
 * Linux loopback gives software timestamps: both directions are expected
 * in NTP_TS_KERNEL mode. The source-address check cannot be reached on a
 * connected socket, so one test disconnects the client's descriptor
 * (connect AF_UNSPEC) and rebinds it, which lets strangers in.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ntp_sock.h"
#include "check_run.h"

#define NS_PER_S	1000000000LL
#define WAIT_MS		2000

struct family {
	int		af;
	const char	*loop;		/* the loopback address */
	const char	*other;		/* another local address, or NULL */
};

static const struct family families[] = {
	{ AF_INET, "127.0.0.1", "127.0.0.2" },
	{ AF_INET6, "::1", NULL },
};

static struct ntp_sock cl;
static int srv = -1, stranger = -1;
static struct sockaddr_storage srv_addr;
static socklen_t srv_len;
static char err[256];

/* ------------------------------------------------------------ helpers */

static void
setup(void)
{
	memset(&cl, 0, sizeof(cl));
	cl.fd = -1;
	srv = stranger = -1;
	err[0] = '\0';
}

static void
teardown(void)
{
	ntp_sock_close(&cl);
	if (srv >= 0)
		close(srv);
	if (stranger >= 0)
		close(stranger);
}

static int64_t
ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NS_PER_S + ts->tv_nsec;
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts_ns(&ts);
}

static socklen_t
make_addr(int af, const char *host, uint16_t port,
    struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (af == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		ck_assert_int_eq(inet_pton(AF_INET, host, &sin->sin_addr), 1);
		return sizeof(*sin);
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	ck_assert_int_eq(inet_pton(AF_INET6, host, &sin6->sin6_addr), 1);
	return sizeof(*sin6);
}

static uint16_t
port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

/* A UDP socket bound to host:port (0: any); -1 if the address is absent. */
static int
bound_socket(int af, const char *host, uint16_t port,
    struct sockaddr_storage *ss, socklen_t *len)
{
	int fd = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	*len = make_addr(af, host, port, ss);
	if (bind(fd, (struct sockaddr *)ss, *len) < 0 ||
	    getsockname(fd, (struct sockaddr *)ss, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The server for family i; false (and a note) when IPv6 is missing. */
static bool
server_up(int i)
{
	srv = bound_socket(families[i].af, families[i].loop, 0, &srv_addr,
	    &srv_len);
	if (srv < 0 && families[i].af == AF_INET6) {
		fprintf(stderr, "check_ntp_sock: no %s, IPv6 case skipped\n",
		    families[i].loop);
		return false;
	}
	ck_assert_int_ge(srv, 0);
	return true;
}

/*
 * Linux turns receive timestamping on for the first socket that asks
 * through a deferred work item, so a datagram that arrives at once may
 * carry no stamp (seen once under make distcheck). Wait, with a probe
 * socket sending to itself, until stamps flow; the client, opened
 * before, keeps them on for the rest of the test.
 */
static void
stamps_flowing(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), on = 1;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on,
	    sizeof(on)), 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, len), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	for (int i = 0; i < 200; i++) {
		char data[4], cbuf[256];
		struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
		    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };

		ck_assert_int_eq(sendto(fd, "x", 1, 0, (struct sockaddr *)&a,
		    len), 1);
		ck_assert_int_eq(recvmsg(fd, &msg, 0), 1);
		if (CMSG_FIRSTHDR(&msg) != NULL)
			break;
		usleep(10000);
	}
	close(fd);
}

static void
client_up(void)
{
	ck_assert_int_eq(ntp_sock_open(&cl, (struct sockaddr *)&srv_addr,
	    srv_len, err, sizeof(err)), 0);
	ck_assert_int_ge(cl.fd, 0);
	stamps_flowing();
}

static bool
wait_for(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, WAIT_MS) == 1;
}

/* The server reads one datagram and answers its sender with reply. */
static void
server_echo(const char *expect, const char *reply)
{
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	char buf[64];
	ssize_t n;

	ck_assert(wait_for(srv, POLLIN));
	n = recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from,
	    &fromlen);
	ck_assert_int_eq(n, (ssize_t)strlen(expect));
	ck_assert_mem_eq(buf, expect, (size_t)n);
	ck_assert_int_eq(sendto(srv, reply, strlen(reply), 0,
	    (struct sockaddr *)&from, fromlen), (ssize_t)strlen(reply));
}

/* recv() on the client, waiting up to WAIT_MS for something other than 0. */
static ssize_t
client_recv(char *buf, size_t len, struct ntp_stamp *rx, bool *from_peer)
{
	ssize_t n = 0;

	for (int i = 0; i < WAIT_MS / 10 && n == 0; i++) {
		n = ntp_sock_recv(&cl, buf, len, rx, from_peer);
		if (n == 0)
			poll(NULL, 0, 10);
	}
	return n;
}

static int
client_tx_stamp(struct ntp_stamp *tx)
{
	for (int i = 0; i < WAIT_MS / 10; i++) {
		if (ntp_sock_tx_stamp(&cl, tx) == 1)
			return 1;
		poll(NULL, 0, 10);
	}
	return 0;
}

static bool
errqueue_empty(int fd)
{
	char buf[256], cbuf[512];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};

	return recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0 &&
	    errno == EAGAIN;
}

/* -------------------------------------------------------------- tests */

START_TEST(exchange_has_kernel_stamps)
{
	struct ntp_stamp tx, ktx, rx;
	int64_t before, after;
	bool from_peer = false;
	char buf[64];

	if (!server_up(_i))
		return;
	client_up();
	ck_assert(cl.rx_kernel);
	ck_assert(cl.tx_kernel);
	ck_assert(!cl.hw);

	/*
	 * Kernel stamps within a few exchanges: the first datagram after
	 * timestamping is turned on may come without one (seen now and then
	 * under make check; the socket then falls back to a user stamp, as
	 * it should), so up to 5 exchanges are allowed.
	 */
	for (unsigned k = 0; k < 5; k++) {
		before = now_ns();
		ck_assert_int_eq(ntp_sock_send(&cl, "ping", 4, &tx), 0);
		ck_assert_int_eq(tx.mode, NTP_TS_USER);
		ck_assert_int_ge(ts_ns(&tx.ts), before);
		ck_assert_uint_eq(cl.tx_key, k);
		server_echo("ping", "pong!");
		ck_assert_int_eq(client_recv(buf, sizeof(buf), &rx, &from_peer),
		    5);
		after = now_ns();
		ck_assert_mem_eq(buf, "pong!", 5);
		ck_assert(from_peer);
		if (rx.mode == NTP_TS_KERNEL)
			break;
		usleep(20000);
	}
	ck_assert_int_eq(rx.mode, NTP_TS_KERNEL);
	ck_assert_int_le(llabs(after - ts_ns(&rx.ts)), NS_PER_S);
	ck_assert_int_ge(ts_ns(&rx.ts), before);
	ck_assert_int_le(ts_ns(&rx.ts), after);

	ck_assert_int_eq(client_tx_stamp(&ktx), 1);
	ck_assert_int_eq(ktx.mode, NTP_TS_KERNEL);
	ck_assert_int_ge(ts_ns(&ktx.ts), ts_ns(&tx.ts));
	ck_assert_int_le(ts_ns(&ktx.ts), ts_ns(&rx.ts));
	ck_assert_int_eq(cl.last_icmp_errno, 0);
}
END_TEST

START_TEST(tx_stamp_is_the_last_sends)
{
	struct ntp_stamp tx1, tx2, ktx;

	ck_assert(server_up(0));
	client_up();
	ck_assert_int_eq(ntp_sock_send(&cl, "one", 3, &tx1), 0);
	ck_assert_int_eq(ntp_sock_send(&cl, "two", 3, &tx2), 0);
	ck_assert_uint_eq(cl.tx_key, 1);

	/* The first send's stamp was taken before send() returned. */
	ck_assert_int_eq(client_tx_stamp(&ktx), 1);
	ck_assert_int_eq(ktx.mode, NTP_TS_KERNEL);
	ck_assert_int_ge(ts_ns(&ktx.ts), ts_ns(&tx2.ts));
	ck_assert_uint_eq(cl.tx_key, 1);
	ck_assert(errqueue_empty(cl.fd));
}
END_TEST

START_TEST(stamp_kept_until_next_send)
{
	struct ntp_stamp tx, ktx, again;

	ck_assert(server_up(0));
	client_up();
	ck_assert_int_eq(ntp_sock_send(&cl, "one", 3, &tx), 0);
	ck_assert_int_eq(client_tx_stamp(&ktx), 1);
	ck_assert(errqueue_empty(cl.fd));

	/* Drained by an early wakeup, still there when the reply is in. */
	memset(&again, 0, sizeof(again));
	ck_assert_int_eq(ntp_sock_tx_stamp(&cl, &again), 1);
	ck_assert_int_eq(again.mode, ktx.mode);
	ck_assert_int_eq(ts_ns(&again.ts), ts_ns(&ktx.ts));

	/* The next send's stamp is queued at once on loopback ... */
	ck_assert_int_eq(ntp_sock_send(&cl, "two", 3, &tx), 0);
	ck_assert(wait_for(cl.fd, 0));	/* POLLERR: the stamp is queued */
	/* ... but as if a third send were still unstamped, it is stale. */
	cl.tx_key++;
	ck_assert_int_eq(ntp_sock_tx_stamp(&cl, &again), 0);
	ck_assert(errqueue_empty(cl.fd));
	ck_assert_uint_eq(cl.tx_key, 2);
}
END_TEST

START_TEST(tx_key_catches_up_with_the_kernel)
{
	struct ntp_stamp tx, ktx;

	ck_assert(server_up(0));
	client_up();
	ck_assert_int_eq(ntp_sock_send(&cl, "one", 3, &tx), 0);
	ck_assert_int_eq(ntp_sock_send(&cl, "two", 3, &tx), 0);
	cl.tx_key--;			/* as if a failed send used a key */
	ck_assert_int_eq(client_tx_stamp(&ktx), 1);
	ck_assert_uint_eq(cl.tx_key, 1);
	ck_assert_int_ge(ts_ns(&ktx.ts), ts_ns(&tx.ts));
}
END_TEST

START_TEST(closed_port_is_econnrefused)
{
	struct ntp_stamp tx, ktx, rx;
	bool from_peer = true;
	char buf[16];

	/* A port that was free a moment ago: nobody listens there. */
	if (!server_up(_i))
		return;
	close(srv);
	srv = -1;
	client_up();
	ck_assert_int_eq(ntp_sock_send(&cl, "ping", 4, &tx), 0);
	ck_assert_int_eq(client_recv(buf, sizeof(buf), &rx, &from_peer),
	    -ECONNREFUSED);
	ck_assert(!from_peer);

	/* The error queue still holds the stamp and the ICMP error. */
	ck_assert_int_eq(client_tx_stamp(&ktx), 1);
	ck_assert_int_eq(cl.last_icmp_errno, ECONNREFUSED);
	ck_assert(errqueue_empty(cl.fd));
}
END_TEST

START_TEST(icmp_error_recorded_by_tx_stamp)
{
	struct ntp_stamp tx, ktx;

	ck_assert(server_up(0));
	close(srv);
	srv = -1;
	client_up();
	ck_assert_int_eq(ntp_sock_send(&cl, "ping", 4, &tx), 0);
	for (int i = 0; i < WAIT_MS / 10 && cl.last_icmp_errno == 0; i++) {
		(void)ntp_sock_tx_stamp(&cl, &ktx);
		if (cl.last_icmp_errno == 0)
			poll(NULL, 0, 10);
	}
	ck_assert_int_eq(cl.last_icmp_errno, ECONNREFUSED);
	ck_assert(errqueue_empty(cl.fd));
}
END_TEST

START_TEST(nothing_waiting_is_zero)
{
	struct ntp_stamp st;
	bool from_peer = true;
	char buf[16];

	ck_assert(server_up(0));
	client_up();
	ck_assert_int_eq(ntp_sock_recv(&cl, buf, sizeof(buf), &st,
	    &from_peer), 0);
	ck_assert(!from_peer);
	ck_assert_int_eq(ntp_sock_tx_stamp(&cl, &st), 0);
	ck_assert_uint_eq(cl.tx_key, UINT_MAX);
}
END_TEST

START_TEST(source_address_and_port_checked)
{
	const struct family *f = &families[_i];
	struct sockaddr_storage me, other;
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	socklen_t melen, otherlen;
	struct ntp_stamp rx;
	bool from_peer;
	char buf[16];

	if (!server_up(_i))
		return;
	client_up();

	/* Disconnected and rebound, the client hears anyone. */
	ck_assert_int_eq(connect(cl.fd, &unspec, sizeof(unspec)), 0);
	melen = make_addr(f->af, f->loop, 0, &me);
	ck_assert_int_eq(bind(cl.fd, (struct sockaddr *)&me, melen), 0);
	ck_assert_int_eq(getsockname(cl.fd, (struct sockaddr *)&me, &melen),
	    0);

	/* Same address, another port. */
	stranger = bound_socket(f->af, f->loop, 0, &other, &otherlen);
	ck_assert_int_ge(stranger, 0);
	ck_assert_int_eq(sendto(stranger, "x", 1, 0,
	    (struct sockaddr *)&me, melen), 1);
	from_peer = true;
	ck_assert_int_eq(client_recv(buf, sizeof(buf), &rx, &from_peer), 1);
	ck_assert(!from_peer);
	ck_assert_int_eq(rx.mode, NTP_TS_KERNEL);
	close(stranger);
	stranger = -1;

	/* Another address, the server's port. */
	if (f->other != NULL) {
		stranger = bound_socket(f->af, f->other, port_of(&srv_addr),
		    &other, &otherlen);
		ck_assert_int_ge(stranger, 0);
		ck_assert_int_eq(sendto(stranger, "y", 1, 0,
		    (struct sockaddr *)&me, melen), 1);
		from_peer = true;
		ck_assert_int_eq(client_recv(buf, sizeof(buf), &rx,
		    &from_peer), 1);
		ck_assert(!from_peer);
	}

	/* The server itself. */
	ck_assert_int_eq(sendto(srv, "z", 1, 0, (struct sockaddr *)&me,
	    melen), 1);
	from_peer = false;
	ck_assert_int_eq(client_recv(buf, sizeof(buf), &rx, &from_peer), 1);
	ck_assert(from_peer);
	ck_assert_int_eq(buf[0], 'z');
}
END_TEST

START_TEST(user_stamps_without_kernel_timestamping)
{
	struct ntp_stamp tx, rx;
	int64_t before, after;
	bool from_peer;
	char buf[16];
	int off = 0;

	ck_assert(server_up(0));
	client_up();
	/* What open() ends with when the kernel refuses every request. */
	ck_assert_int_eq(setsockopt(cl.fd, SOL_SOCKET, SO_TIMESTAMPING, &off,
	    sizeof(off)), 0);
	cl.rx_kernel = cl.tx_kernel = false;

	ck_assert_int_eq(ntp_sock_send(&cl, "ping", 4, &tx), 0);
	ck_assert_int_eq(tx.mode, NTP_TS_USER);
	server_echo("ping", "pong");
	before = now_ns();
	ck_assert_int_eq(client_recv(buf, sizeof(buf), &rx, &from_peer), 4);
	after = now_ns();
	ck_assert(from_peer);
	ck_assert_int_eq(rx.mode, NTP_TS_USER);
	ck_assert_int_ge(ts_ns(&rx.ts), before);
	ck_assert_int_le(ts_ns(&rx.ts), after);
	ck_assert_int_eq(ntp_sock_tx_stamp(&cl, &tx), 0);
}
END_TEST

START_TEST(timestampns_fallback_is_kernel)
{
	struct ntp_stamp tx, rx;
	bool from_peer;
	char buf[16];
	int off = 0, on = 1;

	ck_assert(server_up(0));
	client_up();
	/*
	 * SO_TIMESTAMPNS on before SO_TIMESTAMPING off, so the socket never
	 * stops needing stamps: otherwise the kernel may turn them off and
	 * back on through its deferred work, and the next datagram may come
	 * without one (see stamps_flowing()).
	 */
	ck_assert_int_eq(setsockopt(cl.fd, SOL_SOCKET, SO_TIMESTAMPNS, &on,
	    sizeof(on)), 0);
	ck_assert_int_eq(setsockopt(cl.fd, SOL_SOCKET, SO_TIMESTAMPING, &off,
	    sizeof(off)), 0);
	ck_assert_int_eq(ntp_sock_send(&cl, "ping", 4, &tx), 0);
	server_echo("ping", "pong");
	ck_assert_int_eq(client_recv(buf, sizeof(buf), &rx, &from_peer), 4);
	ck_assert_int_eq(rx.mode, NTP_TS_KERNEL);
	ck_assert_int_le(llabs(now_ns() - ts_ns(&rx.ts)), NS_PER_S);
}
END_TEST

START_TEST(payload_truncated_to_buffer)
{
	static const char reply[] =
	    "0123456789abcdef0123456789abcdef0123456789abcdef";
	struct ntp_stamp tx, rx;
	bool from_peer;
	char buf[10];

	ck_assert(server_up(0));
	client_up();
	ck_assert_int_eq(ntp_sock_send(&cl, "ping", 4, &tx), 0);
	server_echo("ping", reply);
	ck_assert_int_eq(client_recv(buf, sizeof(buf), &rx, &from_peer),
	    (ssize_t)sizeof(buf));
	ck_assert_mem_eq(buf, reply, sizeof(buf));
	ck_assert(from_peer);
	/* The rest of the datagram is gone with it. */
	ck_assert_int_eq(ntp_sock_recv(&cl, buf, sizeof(buf), &rx,
	    &from_peer), 0);
}
END_TEST

START_TEST(open_rejects_bad_peers)
{
	struct sockaddr_storage ss;
	struct sockaddr unix_sa = { .sa_family = AF_UNIX };
	socklen_t len = make_addr(AF_INET, "127.0.0.1", 123, &ss);

	ck_assert_int_eq(ntp_sock_open(&cl, &unix_sa, sizeof(unix_sa), err,
	    sizeof(err)), -1);
	ck_assert_int_eq(cl.fd, -1);
	ck_assert_ptr_nonnull(strstr(err, "unsupported"));
	err[0] = '\0';
	ck_assert_int_eq(ntp_sock_open(&cl, (struct sockaddr *)&ss, len - 1,
	    err, sizeof(err)), -1);
	ck_assert_int_eq(cl.fd, -1);
	ck_assert_str_ne(err, "");
	ck_assert_int_eq(ntp_sock_open(&cl, NULL, 0, err, sizeof(err)), -1);
	ntp_sock_close(&cl);
}
END_TEST

START_TEST(connect_failure_names_the_address)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(AF_INET, "255.255.255.255", 123, &ss);

	/* Broadcast without SO_BROADCAST: EACCES, or no route at all. */
	ck_assert_int_eq(ntp_sock_open(&cl, (struct sockaddr *)&ss, len, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(cl.fd, -1);
	ck_assert_ptr_nonnull(strstr(err, "connect to 255.255.255.255:123"));
}
END_TEST

START_TEST(close_twice_is_safe)
{
	struct ntp_stamp st;
	bool from_peer;
	char buf[4];

	ck_assert(server_up(0));
	client_up();
	ntp_sock_close(&cl);
	ck_assert_int_eq(cl.fd, -1);
	ntp_sock_close(&cl);
	ck_assert_int_eq(cl.fd, -1);
	ck_assert_int_eq(ntp_sock_send(&cl, "x", 1, &st), -EBADF);
	ck_assert_int_eq(ntp_sock_recv(&cl, buf, sizeof(buf), &st,
	    &from_peer), -EBADF);
	ck_assert_int_eq(ntp_sock_tx_stamp(&cl, &st), 0);
}
END_TEST

START_TEST(mode_names)
{
	ck_assert_str_eq(ntp_ts_mode_name(NTP_TS_USER), "user");
	ck_assert_str_eq(ntp_ts_mode_name(NTP_TS_KERNEL), "kernel");
	ck_assert_str_eq(ntp_ts_mode_name(NTP_TS_HARDWARE), "hardware");
	ck_assert_str_eq(ntp_ts_mode_name((enum ntp_ts_mode)42), "unknown");
}
END_TEST

static Suite *
ntp_sock_suite(void)
{
	Suite *s = suite_create("ntp_sock");
	int nfam = (int)(sizeof(families) / sizeof(families[0]));
	TCase *tc;

	tc = tcase_create("exchange");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, exchange_has_kernel_stamps, 0, nfam);
	tcase_add_test(tc, tx_stamp_is_the_last_sends);
	tcase_add_test(tc, stamp_kept_until_next_send);
	tcase_add_test(tc, tx_key_catches_up_with_the_kernel);
	tcase_add_test(tc, nothing_waiting_is_zero);
	tcase_add_test(tc, payload_truncated_to_buffer);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, closed_port_is_econnrefused, 0, nfam);
	tcase_add_test(tc, icmp_error_recorded_by_tx_stamp);
	tcase_add_loop_test(tc, source_address_and_port_checked, 0, nfam);
	suite_add_tcase(s, tc);

	tc = tcase_create("fallback");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, user_stamps_without_kernel_timestamping);
	tcase_add_test(tc, timestampns_fallback_is_kernel);
	suite_add_tcase(s, tc);

	tc = tcase_create("lifecycle");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, open_rejects_bad_peers);
	tcase_add_test(tc, connect_failure_names_the_address);
	tcase_add_test(tc, close_twice_is_safe);
	tcase_add_test(tc, mode_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(ntp_sock_suite());
}

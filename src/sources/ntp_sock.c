/*
 * ntp_sock.c - the NTP client's UDP socket: connect to the server, ask
 * the kernel for the best timestamps it will give, read them back; see
 * ntp_sock.h.
 *
 * Hardware timestamps are not requested (s->hw stays false). ts[2] is in
 * the NIC's PHC timescale - TAI where ptp4l disciplines it, free-running
 * otherwise - not CLOCK_REALTIME, and this module has no PHC-to-system
 * mapping to convert it. Asking for TX_HARDWARE on a NIC another program
 * has enabled would also take the single TX timestamp slot many parts
 * have (igb/i210) from under ptp4l. The parsing honours ts[2] only when
 * s->hw is set, so enabling it later is a matter of setting flags.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/errqueue.h>
#include <linux/net_tstamp.h>

#include "ntp_sock.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define ERRQ_MAX	32	/* error-queue entries read per call */
#define ERRQ_DATA	256	/* the looped-back packet without OPT_TSONLY */

/* Room for SCM_TIMESTAMPING plus IP(V6)_RECVERR with its offender. */
union cmsg_buf {
	char		buf[512];
	struct cmsghdr	align;
};

/* Tried in order until the kernel accepts one (OPT_TSONLY: 4.0, OPT_ID: 3.19). */
static const int ts_flags[] = {
	SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_TX_SOFTWARE |
	    SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_ID |
	    SOF_TIMESTAMPING_OPT_TSONLY,
	SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_TX_SOFTWARE |
	    SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_ID,
	SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE,
};

/* One error-queue entry: its extended error and its timestamps, if any. */
struct errq_entry {
	struct sock_extended_err	ee;
	struct scm_timestamping		tss;
	bool				have_ee;
	bool				have_tss;
};

static socklen_t
family_len(const struct sockaddr *sa, socklen_t len)
{
	socklen_t need;

	if (sa == NULL)
		return 0;
	switch (sa->sa_family) {
	case AF_INET:
		need = sizeof(struct sockaddr_in);
		break;
	case AF_INET6:
		need = sizeof(struct sockaddr_in6);
		break;
	default:
		return 0;
	}
	return len >= need ? need : 0;
}

static void
addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(sin->sin_port));
	} else {
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(sin6->sin6_port));
	}
}

/*
 * The kernel already filters a connected socket; this is the second lock
 * the header promises, and what keeps a reply from elsewhere out of the
 * samples should the socket ever be disconnected.
 */
static bool
is_peer(const struct ntp_sock *s, const struct sockaddr_storage *from,
    socklen_t fromlen)
{
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)from;
	const struct sockaddr_in *p4 = (const struct sockaddr_in *)&s->peer;
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)from;
	const struct sockaddr_in6 *p6 = (const struct sockaddr_in6 *)&s->peer;

	if (fromlen < sizeof(sa_family_t) ||
	    from->ss_family != s->peer.ss_family)
		return false;
	if (from->ss_family == AF_INET)
		return fromlen >= sizeof(*a4) &&
		    a4->sin_port == p4->sin_port &&
		    a4->sin_addr.s_addr == p4->sin_addr.s_addr;
	return fromlen >= sizeof(*a6) &&
	    a6->sin6_port == p6->sin6_port &&
	    IN6_ARE_ADDR_EQUAL(&a6->sin6_addr, &p6->sin6_addr) &&
	    (p6->sin6_scope_id == 0 ||
	    a6->sin6_scope_id == p6->sin6_scope_id);
}

static void
recverr_enable(int fd, int family)
{
	int on = 1;

	/*
	 * ICMP errors then reach the error queue with their origin. An IPv6
	 * socket gets the IPv4 option too: a v4-mapped peer's errors follow
	 * it. Best effort: without it, hard errors still come from recv().
	 */
	if (family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on,
		    sizeof(on));
	(void)setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on));
}

static void
timestamps_enable(struct ntp_sock *s)
{
	int on = 1;

	for (size_t i = 0; i < NELEM(ts_flags); i++) {
		int flags = ts_flags[i];

		if (setsockopt(s->fd, SOL_SOCKET, SO_TIMESTAMPING, &flags,
		    sizeof(flags)) == 0) {
			s->rx_kernel = true;
			s->tx_kernel =
			    (flags & SOF_TIMESTAMPING_TX_SOFTWARE) != 0;
			return;
		}
	}
	if (setsockopt(s->fd, SOL_SOCKET, SO_TIMESTAMPNS, &on,
	    sizeof(on)) == 0)
		s->rx_kernel = true;
}

int
ntp_sock_open(struct ntp_sock *s, const struct sockaddr *peer,
    socklen_t peerlen, char *err, size_t errlen)
{
	char name[INET6_ADDRSTRLEN + 16];
	socklen_t len = family_len(peer, peerlen);
	int e;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->tx_key = UINT_MAX;	/* OPT_ID numbers the first datagram 0 */
	if (len == 0) {
		snprintf(err, errlen, "unsupported peer address (family %d, "
		    "length %u)", peer != NULL ? peer->sa_family : -1,
		    (unsigned)peerlen);
		return -1;
	}
	memcpy(&s->peer, peer, len);
	s->peerlen = len;
	addr_str(&s->peer, name, sizeof(name));

	s->fd = socket(peer->sa_family,
	    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/* Type flags are refused by some syscall interposers (clknetsim). */
	if (s->fd < 0 && errno == EINVAL &&
	    (s->fd = socket(peer->sa_family, SOCK_DGRAM, 0)) >= 0 &&
	    (fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK) < 0 ||
	    fcntl(s->fd, F_SETFD, FD_CLOEXEC) < 0)) {
		e = errno;
		ntp_sock_close(s);
		errno = e;
	}
	if (s->fd < 0) {
		snprintf(err, errlen, "socket for %s: %s", name,
		    strerror(errno));
		return -1;
	}
	if (connect(s->fd, (const struct sockaddr *)&s->peer, len) < 0) {
		e = errno;
		ntp_sock_close(s);
		snprintf(err, errlen, "connect to %s: %s", name, strerror(e));
		return -1;
	}
	recverr_enable(s->fd, peer->sa_family);
	timestamps_enable(s);
	return 0;
}

void
ntp_sock_close(struct ntp_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->stash_valid = false;
}

int
ntp_sock_send(struct ntp_sock *s, const void *buf, size_t len,
    struct ntp_stamp *tx)
{
	ssize_t n;

	if (s->fd < 0)
		return -EBADF;
	clock_gettime(CLOCK_REALTIME, &tx->ts);
	tx->mode = NTP_TS_USER;
	n = send(s->fd, buf, len, 0);
	if (n < 0)
		return -errno;
	/* The kernel consumes a key only for a datagram it accepted. */
	s->tx_key++;
	s->last_tx_valid = false;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

static bool
ts_set(const struct timespec *ts)
{
	return ts->tv_sec != 0 || ts->tv_nsec != 0;
}

/* ts[0] is software, ts[2] raw hardware; ts[1] is deprecated. */
static bool
tss_stamp(const struct ntp_sock *s, const struct scm_timestamping *tss,
    struct ntp_stamp *st)
{
	if (s->hw && ts_set(&tss->ts[2])) {
		st->ts = tss->ts[2];
		st->mode = NTP_TS_HARDWARE;
		return true;
	}
	if (ts_set(&tss->ts[0])) {
		st->ts = tss->ts[0];
		st->mode = NTP_TS_KERNEL;
		return true;
	}
	return false;
}

static bool
rx_stamp(const struct ntp_sock *s, struct msghdr *msg, struct ntp_stamp *st)
{
	struct scm_timestamping tss;
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_TIMESTAMPING &&
		    c->cmsg_len >= CMSG_LEN(sizeof(tss))) {
			memcpy(&tss, CMSG_DATA(c), sizeof(tss));
			return tss_stamp(s, &tss, st);
		}
		if (c->cmsg_type == SCM_TIMESTAMPNS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(st->ts))) {
			memcpy(&st->ts, CMSG_DATA(c), sizeof(st->ts));
			st->mode = NTP_TS_KERNEL;
			return ts_set(&st->ts);
		}
	}
	return false;
}

/*
 * A datagram of length 0 also returns 0; that is harmless, since an
 * empty datagram is no NTP packet, and it has been consumed.
 */
ssize_t
ntp_sock_recv(struct ntp_sock *s, void *buf, size_t len,
    struct ntp_stamp *rx, bool *from_peer)
{
	struct sockaddr_storage from;
	union cmsg_buf cbuf;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_name = &from,
		.msg_namelen = sizeof(from),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf.buf,
		.msg_controllen = sizeof(cbuf.buf),
	};
	struct timespec now;
	ssize_t n;
	int e;

	*from_peer = false;
	if (s->fd < 0)
		return -EBADF;
	if (s->stash_valid) {
		s->stash_valid = false;
		n = (ssize_t)(s->stash_len < len ? s->stash_len : len);
		memcpy(buf, s->stash, (size_t)n);
		*rx = s->stash_rx;
		*from_peer = s->stash_from_peer;
		return n;
	}
	do
		n = recvmsg(s->fd, &msg, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	e = errno;
	clock_gettime(CLOCK_REALTIME, &now);
	if (n < 0)
		return e == EAGAIN || e == EWOULDBLOCK ? 0 : -e;

	if (!rx_stamp(s, &msg, rx)) {
		rx->ts = now;
		rx->mode = NTP_TS_USER;
	}
	*from_peer = is_peer(s, &from, msg.msg_namelen);
	return n;
}

/*
 * Read one error-queue entry; -1 when the queue is empty (or on error),
 * 1 when the read returned a normal datagram instead (stashed).
 */
static int
errq_read(struct ntp_sock *s, struct errq_entry *e)
{
	char data[ERRQ_DATA];
	union cmsg_buf cbuf;
	struct sockaddr_storage from;
	struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
	struct msghdr msg = {
		.msg_name = &from,
		.msg_namelen = sizeof(from),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf.buf,
		.msg_controllen = sizeof(cbuf.buf),
	};
	struct cmsghdr *c;
	ssize_t n;

	memset(e, 0, sizeof(*e));
	do
		n = recvmsg(s->fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (!(msg.msg_flags & MSG_ERRQUEUE)) {
		if (!rx_stamp(s, &msg, &s->stash_rx)) {
			clock_gettime(CLOCK_REALTIME, &s->stash_rx.ts);
			s->stash_rx.mode = NTP_TS_USER;
		}
		s->stash_len = (size_t)n < sizeof(s->stash) ? (size_t)n :
		    sizeof(s->stash);
		memcpy(s->stash, data, s->stash_len);
		s->stash_from_peer = is_peer(s, &from, msg.msg_namelen);
		s->stash_valid = true;
		return 1;
	}

	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_TIMESTAMPING &&
		    c->cmsg_len >= CMSG_LEN(sizeof(e->tss))) {
			memcpy(&e->tss, CMSG_DATA(c), sizeof(e->tss));
			e->have_tss = true;
		} else if (((c->cmsg_level == IPPROTO_IP &&
		    c->cmsg_type == IP_RECVERR) ||
		    (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_RECVERR)) &&
		    c->cmsg_len >= CMSG_LEN(sizeof(e->ee))) {
			memcpy(&e->ee, CMSG_DATA(c), sizeof(e->ee));
			e->have_ee = true;
		}
	}
	return 0;
}

static void
tx_match(struct ntp_sock *s, const struct errq_entry *e)
{
	struct ntp_stamp st;

	if (!s->tx_kernel || !e->have_tss || e->ee.ee_info != SCM_TSTAMP_SND)
		return;
	/* Behind ours (modulo 2^32): the stamp of an earlier send. */
	if (e->ee.ee_data - s->tx_key > UINT_MAX / 2)
		return;
	if (!tss_stamp(s, &e->tss, &st))
		return;
	/*
	 * A key ahead of ours means a send() failed after the kernel had
	 * consumed its key (ENOBUFS from the qdisc): this is the stamp of
	 * the last send, and the counter catches up instead of never
	 * matching again.
	 */
	s->tx_key = e->ee.ee_data;
	s->last_tx = st;
	s->last_tx_valid = true;
}

int
ntp_sock_tx_stamp(struct ntp_sock *s, struct ntp_stamp *tx)
{
	struct errq_entry e;

	if (s->fd < 0)
		return 0;
	/*
	 * Drain it all, or poll() keeps reporting POLLERR; the stamp is kept
	 * for the caller that asks again once the reply is in.
	 */
	for (int i = 0; i < ERRQ_MAX && !s->stash_valid &&
	    errq_read(s, &e) == 0; i++) {
		if (!e.have_ee)
			continue;
		switch (e.ee.ee_origin) {
		case SO_EE_ORIGIN_TIMESTAMPING:
			tx_match(s, &e);
			break;
		case SO_EE_ORIGIN_ICMP:
		case SO_EE_ORIGIN_ICMP6:
			s->last_icmp_errno = (int)e.ee.ee_errno;
			break;
		default:
			break;
		}
	}
	if (!s->last_tx_valid)
		return 0;
	*tx = s->last_tx;
	return 1;
}

const char *
ntp_ts_mode_name(enum ntp_ts_mode m)
{
	switch (m) {
	case NTP_TS_USER:
		return "user";
	case NTP_TS_KERNEL:
		return "kernel";
	case NTP_TS_HARDWARE:
		return "hardware";
	}
	return "unknown";
}

/*
 * ntp_sock.h - a client UDP socket for NTP with the best timestamps the
 * kernel offers: hardware (SOF_TIMESTAMPING_RX/TX_HARDWARE, when the
 * interface has it and was configured for it), kernel software
 * (SOF_TIMESTAMPING_RX/TX_SOFTWARE; TX from the socket error queue), or a
 * clock_gettime(CLOCK_REALTIME) taken in user space as the last fallback.
 *
 * Every timestamp is CLOCK_REALTIME (struct timespec), with the mode that
 * produced it. No libevent here: the caller polls the descriptor.
 */
#ifndef TSYNC_NTP_SOCK_H
#define TSYNC_NTP_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <time.h>

enum ntp_ts_mode {
	NTP_TS_USER,		/* clock_gettime around send()/recv() */
	NTP_TS_KERNEL,		/* kernel software timestamps */
	NTP_TS_HARDWARE,	/* NIC hardware timestamps */
};

struct ntp_stamp {
	struct timespec		ts;		/* CLOCK_REALTIME */
	enum ntp_ts_mode	mode;
};

struct ntp_sock {
	int			fd;		/* -1 when closed */
	struct sockaddr_storage	peer;		/* the server: replies from elsewhere are refused */
	socklen_t		peerlen;
	bool			rx_kernel;	/* kernel RX stamps enabled (SO_TIMESTAMPING, else SO_TIMESTAMPNS) */
	bool			tx_kernel;	/* TX software timestamps requested */
	bool			hw;		/* hardware timestamps requested */
	unsigned		tx_key;		/* SOF_TIMESTAMPING_OPT_ID counter of the last send, if used */
	int			last_icmp_errno; /* last ICMP error drained from the error queue, 0 if none */
	struct ntp_stamp	last_tx;	/* kernel/hardware stamp of the last send, once read */
	bool			last_tx_valid;	/* last_tx belongs to the last send */
	/*
	 * A normal datagram that an error-queue read returned (clknetsim
	 * does that when the error queue is empty; Linux never does): kept
	 * for the next ntp_sock_recv().
	 */
	bool			stash_valid;
	unsigned char		stash[256];
	size_t			stash_len;
	struct ntp_stamp	stash_rx;
	bool			stash_from_peer;
};

/*
 * Open a non-blocking, close-on-exec UDP socket connected to peer (IPv4
 * or IPv6) and request timestamps. Never fails for lack of timestamping:
 * it only falls back. Returns 0, or -1 with err filled (socket/connect
 * failures, naming the address).
 */
int	ntp_sock_open(struct ntp_sock *s, const struct sockaddr *peer,
	    socklen_t peerlen, char *err, size_t errlen);
void	ntp_sock_close(struct ntp_sock *s);

/*
 * Send one datagram. *tx gets a user-space CLOCK_REALTIME stamp taken just
 * before send() (mode NTP_TS_USER); a better one may come later through
 * ntp_sock_tx_stamp(). Returns 0 or a negative errno.
 */
int	ntp_sock_send(struct ntp_sock *s, const void *buf, size_t len,
	    struct ntp_stamp *tx);

/*
 * Read the transmit timestamp of the last send from the error queue
 * without blocking, draining anything else queued there (ICMP errors are
 * recorded in last_icmp_errno). Returns 1 and fills *tx (kernel or
 * hardware), 0 when none is (yet) available; once read, the stamp stays
 * available until the next send. Call it on every wakeup of the
 * descriptor: the error queue keeps POLLERR (EV_READ in libevent) raised
 * until drained.
 */
int	ntp_sock_tx_stamp(struct ntp_sock *s, struct ntp_stamp *tx);

/*
 * Receive one datagram without blocking. Returns its length (the payload
 * is truncated to len), 0 when nothing was waiting (EAGAIN), or a
 * negative errno (-ECONNREFUSED after an ICMP port unreachable). *rx
 * gets the best receive stamp; *from_peer is false when the datagram's
 * source address/port is not the server's (the caller counts and drops
 * it).
 */
ssize_t	ntp_sock_recv(struct ntp_sock *s, void *buf, size_t len,
	    struct ntp_stamp *rx, bool *from_peer);

const char *ntp_ts_mode_name(enum ntp_ts_mode m);	/* "user", "kernel", "hardware" */

#endif

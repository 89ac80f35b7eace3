/*
 * ntp_packet.h - NTPv4 (RFC 5905) client packets: encode a mode-3
 * request, parse and validate a mode-4 reply. Pure codec over byte
 * buffers: no I/O, no clock reads.
 *
 * The request's transmit timestamp is a random 64-bit cookie, not a time:
 * the server copies it into the reply's origin field, which is how a reply
 * is matched to its request (and how an off-path forger is refused). The
 * client keeps its own send instant (T1) locally.
 */
#ifndef TSYNC_NTP_PACKET_H
#define TSYNC_NTP_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NTP_PACKET_LEN		48	/* header without extension fields or MAC */
#define NTP_PORT		123
#define NTP_UNIX_EPOCH_DELTA	2208988800u	/* 1900-01-01 to 1970-01-01, s */

enum ntp_leap {
	NTP_LEAP_NONE = 0,
	NTP_LEAP_INSERT = 1,	/* last minute of the day has 61 s */
	NTP_LEAP_DELETE = 2,	/* last minute of the day has 59 s */
	NTP_LEAP_UNSYNC = 3,	/* the server's clock is not synchronised */
};

/* A parsed packet; timestamps stay raw 64-bit NTP (32.32 fixed point). */
struct ntp_packet {
	enum ntp_leap	leap;
	int		version;	/* 1..7 as sent */
	int		mode;		/* 4 = server */
	int		stratum;	/* 0 = kiss-o'-death / unspecified */
	int		poll;		/* log2 s, as sent */
	int		precision;	/* log2 s, signed */
	double		root_delay_s;	/* NTP short format, >= 0 */
	double		root_dispersion_s;
	uint32_t	refid;		/* network order bytes as a host integer (first byte in the top 8 bits) */
	uint64_t	ref_ts, org_ts, rx_ts, tx_ts;
};

/*
 * Parse the 48-byte header of buf. Extension fields and a MAC may follow
 * (len 48, or > 48 and a multiple of 4, at most 1024); they are ignored.
 * Returns 0, or -1 when the packet is too short, too long or misaligned.
 * Only syntax is checked here; see ntp_check_reply().
 */
int	ntp_parse(const uint8_t *buf, size_t len, struct ntp_packet *p);

/* Write a 48-byte mode-3, version-4 request with transmit = cookie and
 * poll = poll_log2 (clamped to 0..17). Returns NTP_PACKET_LEN. */
size_t	ntp_encode_request(uint8_t buf[NTP_PACKET_LEN], uint64_t cookie,
	    int poll_log2);

enum ntp_check {
	NTP_CHECK_OK,
	NTP_CHECK_BAD_MODE,	/* not mode 4 */
	NTP_CHECK_BAD_VERSION,	/* not 3 or 4 */
	NTP_CHECK_BOGUS_ORIGIN,	/* origin != our cookie: stale, duplicate or forged */
	NTP_CHECK_KOD,		/* stratum 0 with a kiss code: see kiss */
	NTP_CHECK_UNSYNC,	/* leap 3, or stratum 16 or above */
	NTP_CHECK_BAD_TIMES,	/* zero rx/tx timestamp, tx before rx by more than the server's precision, root delay/dispersion absurd (> 16 s) */
};

/*
 * Validate a parsed reply against the cookie of the outstanding request.
 * For NTP_CHECK_KOD, kiss gets the 4-character code NUL-terminated
 * ("RATE", "DENY", "RSTR", ...; unprintable bytes become '?'); otherwise
 * kiss[0] = '\0'. The order of checks is the order of the enum.
 */
enum ntp_check ntp_check_reply(const struct ntp_packet *p, uint64_t cookie,
	    char kiss[5]);
const char *ntp_check_name(enum ntp_check c);	/* "ok", "bad_mode", ... */

/* The refid for display: stratum 1 -> its ASCII code ("GPS", "PPS");
 * stratum >= 2 -> IPv4 dotted quad (or hash for IPv6 peers); 0 -> kiss. */
void	ntp_refid_str(int stratum, uint32_t refid, char *buf, size_t len);

/*
 * Timestamp conversion. ntp_ts_from_unix_ns() maps a Unix time in ns to
 * NTP 32.32; ntp_ts_to_unix_ns() maps back choosing the NTP era that puts
 * the result within +-68 years of near_unix_ns (RFC 5905 era handling).
 */
uint64_t ntp_ts_from_unix_ns(int64_t unix_ns);
int64_t	ntp_ts_to_unix_ns(uint64_t ts, int64_t near_unix_ns);

/*
 * The on-wire offset and delay from the four instants (Unix ns; t1, t4
 * on the client's clock, t2, t3 on the server's), RFC 5905 section 8:
 * offset = ((t2 - t1) + (t3 - t4)) / 2, delay = (t4 - t1) - (t3 - t2).
 * Differences are taken in int64 before conversion to seconds, so no
 * precision is lost to the epoch.
 */
void	ntp_offset_delay(int64_t t1, int64_t t2, int64_t t3, int64_t t4,
	    double *offset_s, double *delay_s);

#endif

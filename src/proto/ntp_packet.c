/*
 * ntp_packet.c - NTPv4 client packet codec (see ntp_packet.h).
 *
 * Replies come straight off the network, so nothing here trusts a field:
 * lengths are checked before any byte is read, every integer is assembled
 * byte by byte from network order, and the checks on a reply run in a
 * fixed order so that a reply we cannot match to our request is refused
 * before anything it says (a kiss code included) is acted upon.
 *
 * Wire layout of the 48-byte header (RFC 5905 figure 8), offsets in bytes:
 *	0 LI(2) VN(3) Mode(3)	1 stratum	2 poll		3 precision
 *	4 root delay		8 root dispersion	12 reference ID
 *	16 reference ts		24 origin ts	32 receive ts	40 transmit ts
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ntp_packet.h"

#define NTP_MAX_LEN	1024	/* header + extension fields + MAC */
#define NTP_VERSION	4
#define MODE_CLIENT	3
#define MODE_SERVER	4
#define STRATUM_UNSYNC	16
#define POLL_MIN	0
#define POLL_MAX	17
#define MAX_ROOT_S	16.0	/* RFC 5905 MAXDISP */

#define OFF_LI_VN_MODE	0
#define OFF_STRATUM	1
#define OFF_POLL	2
#define OFF_PRECISION	3
#define OFF_ROOT_DELAY	4
#define OFF_ROOT_DISP	8
#define OFF_REFID	12
#define OFF_REF_TS	16
#define OFF_ORG_TS	24
#define OFF_RX_TS	32
#define OFF_TX_TS	40

#define NS_PER_S	1000000000LL
#define ERA_S		(1LL << 32)
#define HALF_ERA_S	(1LL << 31)

static uint32_t
get32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

static uint64_t
get64(const uint8_t *b)
{
	return (uint64_t)get32(b) << 32 | get32(b + 4);
}

static void
put64(uint8_t *b, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)(v & 0xff);
}

/* NTP short format: unsigned 16.16 seconds; exact in a double. */
static double
short_to_s(uint32_t v)
{
	return (double)v / 65536.0;
}

int
ntp_parse(const uint8_t *buf, size_t len, struct ntp_packet *p)
{
	if (buf == NULL || p == NULL)
		return -1;
	if (len < NTP_PACKET_LEN || len > NTP_MAX_LEN || len % 4 != 0)
		return -1;

	p->leap = (enum ntp_leap)(buf[OFF_LI_VN_MODE] >> 6);
	p->version = (buf[OFF_LI_VN_MODE] >> 3) & 0x7;
	p->mode = buf[OFF_LI_VN_MODE] & 0x7;
	p->stratum = buf[OFF_STRATUM];
	p->poll = (int8_t)buf[OFF_POLL];
	p->precision = (int8_t)buf[OFF_PRECISION];
	p->root_delay_s = short_to_s(get32(buf + OFF_ROOT_DELAY));
	p->root_dispersion_s = short_to_s(get32(buf + OFF_ROOT_DISP));
	p->refid = get32(buf + OFF_REFID);
	p->ref_ts = get64(buf + OFF_REF_TS);
	p->org_ts = get64(buf + OFF_ORG_TS);
	p->rx_ts = get64(buf + OFF_RX_TS);
	p->tx_ts = get64(buf + OFF_TX_TS);
	return 0;
}

size_t
ntp_encode_request(uint8_t buf[NTP_PACKET_LEN], uint64_t cookie,
    int poll_log2)
{
	if (poll_log2 < POLL_MIN)
		poll_log2 = POLL_MIN;
	if (poll_log2 > POLL_MAX)
		poll_log2 = POLL_MAX;

	/*
	 * Everything but the first byte, poll and transmit stays zero: a
	 * client has no time to offer, and zero timestamps leak nothing
	 * about our clock (draft-ietf-ntp-data-minimization).
	 */
	memset(buf, 0, NTP_PACKET_LEN);
	buf[OFF_LI_VN_MODE] = (uint8_t)(NTP_LEAP_NONE << 6 |
	    NTP_VERSION << 3 | MODE_CLIENT);
	buf[OFF_POLL] = (uint8_t)poll_log2;
	put64(buf + OFF_TX_TS, cookie);
	return NTP_PACKET_LEN;
}

/* Four bytes of a refid as text: trailing NULs dropped, others '?'. */
static void
refid_ascii(uint32_t refid, char out[5])
{
	int n = 4;

	for (int i = 0; i < 4; i++) {
		unsigned char c = (unsigned char)(refid >> (24 - 8 * i));

		out[i] = c >= 0x20 && c <= 0x7e ? (char)c : '?';
	}
	while (n > 0 && (refid & 0xff) == 0) {
		refid >>= 8;
		n--;
	}
	out[n] = '\0';
}

/*
 * Stratum 0 with a zero refid carries no kiss code: RFC 5905 reads
 * stratum 0 as "unspecified", so it counts as unsynchronised.
 */
enum ntp_check
ntp_check_reply(const struct ntp_packet *p, uint64_t cookie, char kiss[5])
{
	int prec;

	if (kiss != NULL)
		kiss[0] = '\0';
	if (p->mode != MODE_SERVER)
		return NTP_CHECK_BAD_MODE;
	if (p->version != 3 && p->version != 4)
		return NTP_CHECK_BAD_VERSION;
	if (p->org_ts != cookie)
		return NTP_CHECK_BOGUS_ORIGIN;
	if (p->stratum == 0 && p->refid != 0) {
		if (kiss != NULL)
			refid_ascii(p->refid, kiss);
		return NTP_CHECK_KOD;
	}
	if (p->leap == NTP_LEAP_UNSYNC || p->stratum == 0 ||
	    p->stratum >= STRATUM_UNSYNC)
		return NTP_CHECK_UNSYNC;
	/*
	 * Signed difference: tx may sit just past an era rollover. Servers
	 * fill the bits below their precision with noise (chronyd does), so
	 * tx may read up to 2^precision before rx.
	 */
	prec = p->precision < -32 ? -32 : p->precision > 0 ? 0 : p->precision;
	if (p->rx_ts == 0 || p->tx_ts == 0 ||
	    (int64_t)(p->tx_ts - p->rx_ts) < -((int64_t)1 << (32 + prec)))
		return NTP_CHECK_BAD_TIMES;
	if (!(p->root_delay_s <= MAX_ROOT_S) ||
	    !(p->root_dispersion_s <= MAX_ROOT_S))
		return NTP_CHECK_BAD_TIMES;
	return NTP_CHECK_OK;
}

static const char *const check_names[] = {
	[NTP_CHECK_OK] = "ok",
	[NTP_CHECK_BAD_MODE] = "bad_mode",
	[NTP_CHECK_BAD_VERSION] = "bad_version",
	[NTP_CHECK_BOGUS_ORIGIN] = "bogus_origin",
	[NTP_CHECK_KOD] = "kod",
	[NTP_CHECK_UNSYNC] = "unsync",
	[NTP_CHECK_BAD_TIMES] = "bad_times",
};

const char *
ntp_check_name(enum ntp_check c)
{
	if ((size_t)c >= sizeof(check_names) / sizeof(check_names[0]))
		return "?";
	return check_names[c];
}

void
ntp_refid_str(int stratum, uint32_t refid, char *buf, size_t len)
{
	char code[5];

	if (buf == NULL || len == 0)
		return;
	/*
	 * A stratum-1 refid that is not a clean code (chronyd's "local"
	 * reference sends 127.127.1.1) reads best as an address.
	 */
	refid_ascii(refid, code);
	if (stratum == 0 || (stratum == 1 && strchr(code, '?') == NULL)) {
		snprintf(buf, len, "%s", code);
		return;
	}
	snprintf(buf, len, "%u.%u.%u.%u", refid >> 24, (refid >> 16) & 0xff,
	    (refid >> 8) & 0xff, refid & 0xff);
}

/* ------------------------------------------------------------ time */

uint64_t
ntp_ts_from_unix_ns(int64_t unix_ns)
{
	int64_t sec = unix_ns / NS_PER_S, ns = unix_ns % NS_PER_S;
	uint64_t frac;

	if (ns < 0) {
		ns += NS_PER_S;
		sec--;
	}
	/* Rounded; at most 4294967292 for 999999999 ns, so no carry. */
	frac = (((uint64_t)ns << 32) + NS_PER_S / 2) / NS_PER_S;
	/* Only the low 32 bits of the second count go on the wire. */
	return (uint64_t)(uint32_t)((uint64_t)sec + NTP_UNIX_EPOCH_DELTA)
	    << 32 | frac;
}

/*
 * The era is whichever puts the timestamp's second in [near - 2^31,
 * near + 2^31) seconds. Results beyond int64 ns (some 292 years from
 * 1970) saturate; no real clock gets there.
 */
int64_t
ntp_ts_to_unix_ns(uint64_t ts, int64_t near_unix_ns)
{
	int64_t near_s, d, sec, ns, r;
	uint32_t near32;

	near_s = near_unix_ns / NS_PER_S;
	if (near_unix_ns % NS_PER_S < 0)
		near_s--;
	near_s += NTP_UNIX_EPOCH_DELTA;
	near32 = (uint32_t)near_s;
	d = (int64_t)(uint32_t)((uint32_t)(ts >> 32) - near32);
	if (d >= HALF_ERA_S)
		d -= ERA_S;
	sec = near_s + d - NTP_UNIX_EPOCH_DELTA;
	/* Rounded to the nearest ns; may be NS_PER_S, which just carries. */
	ns = (int64_t)(((ts & 0xffffffffu) * NS_PER_S + (1ULL << 31)) >> 32);
	/*
	 * Below zero, borrow a second so that sec * NS_PER_S cannot
	 * overflow where the sum would not (the last second before
	 * INT64_MIN ns).
	 */
	if (sec < 0) {
		sec++;
		ns -= NS_PER_S;
	}
	if (__builtin_mul_overflow(sec, NS_PER_S, &r) ||
	    __builtin_add_overflow(r, ns, &r))
		return sec < 0 ? INT64_MIN : INT64_MAX;
	return r;
}

/* a - b, or false when it does not fit in int64. */
static bool
diff_ns(int64_t a, int64_t b, int64_t *d)
{
	return !__builtin_sub_overflow(a, b, d);
}

void
ntp_offset_delay(int64_t t1, int64_t t2, int64_t t3, int64_t t4,
    double *offset_s, double *delay_s)
{
	int64_t fwd, back, off2, rtt, srv;

	/*
	 * With real instants every step fits in int64 and each result is
	 * one rounding of an exact integer; absurd inputs fall back to
	 * doubles instead of overflowing.
	 */
	if (diff_ns(t2, t1, &fwd) && diff_ns(t3, t4, &back) &&
	    !__builtin_add_overflow(fwd, back, &off2))
		*offset_s = (double)off2 / (2.0 * NS_PER_S);
	else
		*offset_s = (((double)t2 - (double)t1) +
		    ((double)t3 - (double)t4)) / (2.0 * NS_PER_S);
	if (diff_ns(t4, t1, &rtt) && diff_ns(t3, t2, &srv) &&
	    diff_ns(rtt, srv, &rtt))
		*delay_s = (double)rtt / NS_PER_S;
	else
		*delay_s = (((double)t4 - (double)t1) -
		    ((double)t3 - (double)t2)) / NS_PER_S;
}

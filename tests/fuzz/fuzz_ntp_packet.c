/*
 * fuzz_ntp_packet.c - libFuzzer harness for the NTP client codec.
 *
 * Besides memory safety, checks what must hold for any datagram: parse
 * accepts exactly the lengths the header promises and ignores what
 * follows the header; every field lands in its range; the check result
 * is a named one, consistent with the fields it looked at, and the kiss
 * code is short, terminated and printable; the refid text is terminated
 * and printable; timestamps survive a trip through Unix nanoseconds and
 * land in the era nearest the reference instant; a request we encode
 * parses back as sent. The cookie is the packet's own origin, or that
 * with one bit flipped, chosen by the last input byte.
 *
 *   clang -fsanitize=fuzzer,address,undefined ... fuzz_ntp_packet.c \
 *       ntp_packet.c
 *   ./fuzz_ntp_packet -max_len=1100 tests/fuzz/corpus/ntp_packet
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ntp_packet.h"

#define NS		1000000000LL
#define HALF_ERA_NS	(2147483648LL * NS)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t
get64(const uint8_t *b)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static void
check_text(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			abort();
}

static void
check_fields(const struct ntp_packet *p)
{
	if (p->leap < NTP_LEAP_NONE || p->leap > NTP_LEAP_UNSYNC ||
	    p->version < 0 || p->version > 7 || p->mode < 0 || p->mode > 7 ||
	    p->stratum < 0 || p->stratum > 255 ||
	    p->poll < -128 || p->poll > 127 ||
	    p->precision < -128 || p->precision > 127)
		abort();
	if (!isfinite(p->root_delay_s) || !(p->root_delay_s >= 0) ||
	    p->root_delay_s >= 65536.0 ||
	    !isfinite(p->root_dispersion_s) || !(p->root_dispersion_s >= 0) ||
	    p->root_dispersion_s >= 65536.0)
		abort();
}

static void
check_reply(const struct ntp_packet *p, uint64_t cookie)
{
	enum ntp_check c;
	const char *name;
	char kiss[5];
	size_t n;

	memset(kiss, 0x7f, sizeof(kiss));
	c = ntp_check_reply(p, cookie, kiss);
	name = ntp_check_name(c);
	if ((int)c < NTP_CHECK_OK || c > NTP_CHECK_BAD_TIMES || name == NULL ||
	    name[0] == '?' || name[0] == '\0')
		abort();
	check_text(kiss, sizeof(kiss));
	n = strlen(kiss);
	if ((c == NTP_CHECK_KOD) != (n > 0))
		abort();
	/* The checks run in the enum's order. */
	if (c > NTP_CHECK_BAD_MODE && p->mode != 4)
		abort();
	if (c > NTP_CHECK_BAD_VERSION && p->version != 3 && p->version != 4)
		abort();
	if (c > NTP_CHECK_BOGUS_ORIGIN && p->org_ts != cookie)
		abort();
	if (c == NTP_CHECK_KOD && p->stratum != 0)
		abort();
	if (c == NTP_CHECK_OK && (p->leap == NTP_LEAP_UNSYNC ||
	    p->stratum < 1 || p->stratum > 15 || p->rx_ts == 0 ||
	    p->tx_ts == 0 || p->root_delay_s > 16 ||
	    p->root_dispersion_s > 16))
		abort();
}

static void
check_refid(const struct ntp_packet *p, size_t cap)
{
	char buf[24];

	memset(buf, 'x', sizeof(buf));
	ntp_refid_str(p->stratum, p->refid, buf, cap);
	check_text(buf, cap);
	if (buf[cap] != 'x')
		abort();
}

/* ts -> Unix ns near `near` -> ts, and Unix ns -> ts -> Unix ns. */
static void
check_ts(uint64_t ts, int64_t near)
{
	int64_t u = ntp_ts_to_unix_ns(ts, near), back, d;
	uint64_t again;

	if (u == INT64_MAX || u == INT64_MIN)
		return;			/* saturated */
	if (__builtin_sub_overflow(u, near, &d) || d < -HALF_ERA_NS - NS ||
	    d > HALF_ERA_NS + NS)
		abort();
	again = ntp_ts_from_unix_ns(u);
	if ((int64_t)(again - ts) < -2 || (int64_t)(again - ts) > 2)
		abort();
	back = ntp_ts_to_unix_ns(again, u);
	if (back != u)
		abort();
	if (ntp_ts_to_unix_ns(ntp_ts_from_unix_ns(near), near) != near)
		abort();
}

static void
check_request(uint64_t cookie, int poll)
{
	uint8_t buf[NTP_PACKET_LEN];
	struct ntp_packet q;

	if (ntp_encode_request(buf, cookie, poll) != NTP_PACKET_LEN ||
	    ntp_parse(buf, sizeof(buf), &q) != 0)
		abort();
	if (q.mode != 3 || q.version != 4 || q.leap != NTP_LEAP_NONE ||
	    q.tx_ts != cookie || q.poll < 0 || q.poll > 17 ||
	    q.org_ts != 0 || q.rx_ts != 0 || q.ref_ts != 0 || q.refid != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ntp_packet p, h;
	uint64_t cookie;
	int64_t near;
	double off, delay;
	int rc, want;

	rc = ntp_parse(data, size, &p);
	want = size >= NTP_PACKET_LEN && size <= 1024 && size % 4 == 0 ? 0 :
	    -1;
	if (rc != want)
		abort();
	if (rc != 0)
		return 0;

	check_fields(&p);
	/* The first 48 bytes alone give the same header. */
	if (ntp_parse(data, NTP_PACKET_LEN, &h) != 0 || h.leap != p.leap ||
	    h.version != p.version || h.mode != p.mode ||
	    h.stratum != p.stratum || h.poll != p.poll ||
	    h.precision != p.precision || h.refid != p.refid ||
	    h.root_delay_s != p.root_delay_s ||
	    h.root_dispersion_s != p.root_dispersion_s ||
	    h.ref_ts != p.ref_ts || h.org_ts != p.org_ts ||
	    h.rx_ts != p.rx_ts || h.tx_ts != p.tx_ts)
		abort();

	cookie = p.org_ts ^ (data[size - 1] & 1);
	check_reply(&p, cookie);
	check_refid(&p, 24 - 1);
	check_refid(&p, 1 + data[size - 1] % 16);

	near = (int64_t)get64(data + 16);
	check_ts(p.rx_ts, near);
	check_ts(p.tx_ts, near);
	check_ts(p.org_ts, near);

	ntp_offset_delay(near, ntp_ts_to_unix_ns(p.rx_ts, near),
	    ntp_ts_to_unix_ns(p.tx_ts, near), (int64_t)p.org_ts, &off, &delay);
	if (!isfinite(off) || !isfinite(delay))
		abort();

	check_request(get64(data + 24), (int8_t)data[2]);
	return 0;
}

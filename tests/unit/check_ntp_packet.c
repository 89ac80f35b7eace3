/*
 * check_ntp_packet.c - the NTPv4 client codec: request bytes, a reply
 * built byte by byte and parsed back, every outcome of
 * ntp_check_reply() and the order in which they are tested, length
 * rules, timestamp conversion around now and around the 2036 era
 * rollover, offset/delay to the nanosecond, refid display.
 *
 * Expected values are written out by hand (or computed here with plain
 * integer arithmetic), never with the codec's own helpers.
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ntp_packet.h"
#include "check_run.h"

#define NS		1000000000LL
#define COOKIE		0x0123456789abcdefULL

/* Fixed instants (Unix seconds, UTC). */
#define T_NOW_S		1764201600LL	/* 2025-11-27 */
#define NTP_NOW_S	0xecd21300u	/* the same in NTP seconds, era 0 */
#define T_ERA1_S	2085978496LL	/* 2036-02-07 06:28:16: NTP era 1 */
#define YEAR_S		31556952LL	/* mean Gregorian year */

static uint8_t pkt[NTP_PACKET_LEN];

/* ------------------------------------------------------------ helpers */

static void
be32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

static void
be64(uint8_t *b, uint64_t v)
{
	be32(b, (uint32_t)(v >> 32));
	be32(b + 4, (uint32_t)v);
}

static void
set_first(int li, int vn, int mode)
{
	pkt[0] = (uint8_t)(li << 6 | vn << 3 | mode);
}

static void set_stratum(int st)		{ pkt[1] = (uint8_t)st; }
static void set_refid(uint32_t r)	{ be32(pkt + 12, r); }
static void set_root_delay(uint32_t v)	{ be32(pkt + 4, v); }
static void set_root_disp(uint32_t v)	{ be32(pkt + 8, v); }
static void set_org(uint64_t ts)	{ be64(pkt + 24, ts); }
static void set_rx(uint64_t ts)		{ be64(pkt + 32, ts); }
static void set_tx(uint64_t ts)		{ be64(pkt + 40, ts); }

/* A plausible stratum-2 reply to the request carrying COOKIE. */
static void
setup(void)
{
	memset(pkt, 0, sizeof(pkt));
	set_first(NTP_LEAP_NONE, 4, 4);
	set_stratum(2);
	pkt[2] = 6;			/* poll 64 s */
	pkt[3] = 0xe9;			/* precision -23 */
	set_root_delay(0x00000c00);	/* 3/64 s */
	set_root_disp(0x00000080);	/* 1/512 s */
	set_refid(0xc0000201);		/* 192.0.2.1 */
	be64(pkt + 16, (uint64_t)(NTP_NOW_S - 60) << 32);
	set_org(COOKIE);
	set_rx((uint64_t)NTP_NOW_S << 32 | 0x40000000);	/* .25 s */
	set_tx((uint64_t)NTP_NOW_S << 32 | 0x40100000);
}

static struct ntp_packet
parse_ok(const uint8_t *buf, size_t len)
{
	struct ntp_packet p;

	ck_assert_int_eq(ntp_parse(buf, len, &p), 0);
	return p;
}

/* Parse pkt, check it against COOKIE, expect `want`; returns the kiss. */
static const char *
check_is(enum ntp_check want)
{
	static char kiss[5];
	struct ntp_packet p = parse_ok(pkt, sizeof(pkt));
	enum ntp_check got;

	memcpy(kiss, "XXXX", 5);
	got = ntp_check_reply(&p, COOKIE, kiss);
	ck_assert_msg(got == want, "got %s, want %s", ntp_check_name(got),
	    ntp_check_name(want));
	if (want != NTP_CHECK_KOD)
		ck_assert_str_eq(kiss, "");
	return kiss;
}

/* xorshift64: fixed seed, same sequence on every run. */
static uint64_t
rnd(void)
{
	static uint64_t x = 0x9e3779b97f4a7c15ULL;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

static uint32_t
ts_sec(uint64_t ts)
{
	return (uint32_t)(ts >> 32);
}

/* ------------------------------------------------------------ encode */

START_TEST(encode_request_layout)
{
	uint8_t buf[NTP_PACKET_LEN];
	static const uint8_t tx[8] = {
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	};

	memset(buf, 0xaa, sizeof(buf));
	ck_assert_uint_eq(ntp_encode_request(buf, COOKIE, 6), NTP_PACKET_LEN);
	ck_assert_uint_eq(buf[0], 0x23);	/* LI 0, VN 4, mode 3 */
	ck_assert_uint_eq(buf[1], 0);		/* stratum */
	ck_assert_uint_eq(buf[2], 6);		/* poll */
	for (int i = 3; i < 40; i++)
		ck_assert_msg(buf[i] == 0, "byte %d is 0x%02x", i, buf[i]);
	ck_assert_mem_eq(buf + 40, tx, sizeof(tx));
}
END_TEST

START_TEST(encode_poll_clamped)
{
	static const struct {
		int	in, out;
	} cases[] = {
		{ INT_MIN, 0 }, { -5, 0 }, { -1, 0 }, { 0, 0 }, { 4, 4 },
		{ 17, 17 }, { 18, 17 }, { 127, 17 }, { INT_MAX, 17 },
	};
	uint8_t buf[NTP_PACKET_LEN];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ntp_encode_request(buf, 0, cases[i].in);
		ck_assert_msg(buf[2] == cases[i].out, "poll %d -> %u",
		    cases[i].in, buf[2]);
	}
}
END_TEST

START_TEST(encode_parses_back)
{
	uint8_t buf[NTP_PACKET_LEN];
	struct ntp_packet p;

	ntp_encode_request(buf, 0xfedcba9876543210ULL, 10);
	p = parse_ok(buf, sizeof(buf));
	ck_assert_int_eq(p.leap, NTP_LEAP_NONE);
	ck_assert_int_eq(p.version, 4);
	ck_assert_int_eq(p.mode, 3);
	ck_assert_int_eq(p.poll, 10);
	ck_assert_uint_eq(p.tx_ts, 0xfedcba9876543210ULL);
	ck_assert_uint_eq(p.org_ts, 0);
	ck_assert_uint_eq(p.rx_ts, 0);
	/* A request is not a reply. */
	ck_assert_int_eq(ntp_check_reply(&p, 0, NULL), NTP_CHECK_BAD_MODE);
}
END_TEST

/* ------------------------------------------------------------ parse */

START_TEST(parse_hand_built_reply)
{
	struct ntp_packet p;

	set_first(NTP_LEAP_INSERT, 4, 4);
	set_root_delay(0x00018000);	/* 1.5 s */
	set_root_disp(0x00000042);	/* 66/65536 s */
	p = parse_ok(pkt, sizeof(pkt));
	ck_assert_int_eq(p.leap, NTP_LEAP_INSERT);
	ck_assert_int_eq(p.version, 4);
	ck_assert_int_eq(p.mode, 4);
	ck_assert_int_eq(p.stratum, 2);
	ck_assert_int_eq(p.poll, 6);
	ck_assert_int_eq(p.precision, -23);
	ck_assert_double_eq(p.root_delay_s, 1.5);
	ck_assert_double_eq(p.root_dispersion_s, 66.0 / 65536.0);
	ck_assert_uint_eq(p.refid, 0xc0000201);
	ck_assert_uint_eq(p.ref_ts, (uint64_t)(NTP_NOW_S - 60) << 32);
	ck_assert_uint_eq(p.org_ts, COOKIE);
	ck_assert_uint_eq(p.rx_ts, 0xecd2130040000000ULL);
	ck_assert_uint_eq(p.tx_ts, 0xecd2130040100000ULL);
}
END_TEST

START_TEST(parse_every_leap_and_version)
{
	struct ntp_packet p;

	for (int li = 0; li < 4; li++)
		for (int vn = 0; vn < 8; vn++)
			for (int mode = 0; mode < 8; mode++) {
				set_first(li, vn, mode);
				p = parse_ok(pkt, sizeof(pkt));
				ck_assert_int_eq(p.leap, li);
				ck_assert_int_eq(p.version, vn);
				ck_assert_int_eq(p.mode, mode);
			}
}
END_TEST

START_TEST(parse_signed_poll_and_precision)
{
	struct ntp_packet p;

	pkt[2] = 0xfa;
	pkt[3] = 0x80;
	p = parse_ok(pkt, sizeof(pkt));
	ck_assert_int_eq(p.poll, -6);
	ck_assert_int_eq(p.precision, -128);
	pkt[2] = 0x7f;
	pkt[3] = 0x7f;
	p = parse_ok(pkt, sizeof(pkt));
	ck_assert_int_eq(p.poll, 127);
	ck_assert_int_eq(p.precision, 127);
}
END_TEST

/* Unsigned 16.16: the top bit is a large value, never a sign. */
START_TEST(parse_short_format)
{
	struct ntp_packet p;

	set_root_delay(0xffffffff);
	set_root_disp(0x00000001);
	p = parse_ok(pkt, sizeof(pkt));
	ck_assert_double_eq(p.root_delay_s, 65535.0 + 65535.0 / 65536.0);
	ck_assert_double_eq(p.root_dispersion_s, 1.0 / 65536.0);
	set_root_delay(0x80000000);
	set_root_disp(0x00100000);
	p = parse_ok(pkt, sizeof(pkt));
	ck_assert_double_eq(p.root_delay_s, 32768.0);
	ck_assert_double_eq(p.root_dispersion_s, 16.0);
}
END_TEST

static const struct {
	size_t	len;
	int	rc;
} lengths[] = {
	{ 0, -1 }, { 1, -1 }, { 44, -1 }, { 47, -1 },
	{ 48, 0 }, { 49, -1 }, { 50, -1 }, { 51, -1 }, { 52, 0 },
	{ 68, 0 }, { 72, 0 }, { 98, -1 }, { 1020, 0 }, { 1024, 0 },
	{ 1025, -1 }, { 1028, -1 }, { 2048, -1 },
};

START_TEST(parse_lengths)
{
	static uint8_t big[2048];
	struct ntp_packet p;
	size_t len = lengths[_i].len;

	memset(big, 0x5a, sizeof(big));
	memcpy(big, pkt, sizeof(pkt));
	memset(&p, 0, sizeof(p));
	ck_assert_msg(ntp_parse(big, len, &p) == lengths[_i].rc,
	    "length %zu", len);
	if (lengths[_i].rc == 0)
		ck_assert_uint_eq(p.tx_ts, 0xecd2130040100000ULL);
}
END_TEST

/* Extension fields and a MAC change nothing in the header we return. */
START_TEST(parse_ignores_trailer)
{
	uint8_t big[NTP_PACKET_LEN + 40];
	struct ntp_packet a, b;

	memset(big, 0xff, sizeof(big));
	memcpy(big, pkt, sizeof(pkt));
	be32(big + 48, 0x01040024);	/* type 0x0104, length 36 */
	memset(&a, 0, sizeof(a));	/* padding too, for the memcmp */
	memset(&b, 0, sizeof(b));
	ck_assert_int_eq(ntp_parse(pkt, sizeof(pkt), &a), 0);
	ck_assert_int_eq(ntp_parse(big, sizeof(big), &b), 0);
	ck_assert_mem_eq(&a, &b, sizeof(a));
}
END_TEST

START_TEST(parse_null_arguments)
{
	struct ntp_packet p;

	ck_assert_int_eq(ntp_parse(NULL, 48, &p), -1);
	ck_assert_int_eq(ntp_parse(pkt, sizeof(pkt), NULL), -1);
}
END_TEST

/* ------------------------------------------------------------ check */

START_TEST(check_ok)
{
	check_is(NTP_CHECK_OK);
	set_first(NTP_LEAP_DELETE, 3, 4);	/* v3 still accepted */
	set_stratum(1);
	set_refid(0x47505300);			/* "GPS" */
	check_is(NTP_CHECK_OK);
	set_stratum(15);
	check_is(NTP_CHECK_OK);
}
END_TEST

START_TEST(check_bad_mode)
{
	static const int modes[] = { 0, 1, 2, 3, 5, 6, 7 };

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		set_first(NTP_LEAP_NONE, 4, modes[i]);
		check_is(NTP_CHECK_BAD_MODE);
	}
	/* Mode is tested first: a bad version and origin do not win. */
	set_first(NTP_LEAP_UNSYNC, 7, 3);
	set_org(0);
	check_is(NTP_CHECK_BAD_MODE);
}
END_TEST

START_TEST(check_bad_version)
{
	static const int versions[] = { 0, 1, 2, 5, 6, 7 };

	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		set_first(NTP_LEAP_NONE, versions[i], 4);
		check_is(NTP_CHECK_BAD_VERSION);
	}
	set_org(0);
	check_is(NTP_CHECK_BAD_VERSION);
}
END_TEST

START_TEST(check_bogus_origin)
{
	set_org(COOKIE ^ 1);
	check_is(NTP_CHECK_BOGUS_ORIGIN);
	set_org(COOKIE ^ (1ULL << 63));
	check_is(NTP_CHECK_BOGUS_ORIGIN);
	set_org(0);
	check_is(NTP_CHECK_BOGUS_ORIGIN);
	/* A kiss that does not answer our request is not acted upon. */
	set_stratum(0);
	set_refid(0x44454e59);			/* "DENY" */
	check_is(NTP_CHECK_BOGUS_ORIGIN);
}
END_TEST

static const struct {
	uint32_t	 refid;
	const char	*kiss;
} kisses[] = {
	{ 0x52415445, "RATE" },
	{ 0x44454e59, "DENY" },
	{ 0x52535452, "RSTR" },
	{ 0x494e4954, "INIT" },
	{ 0x41010242, "A??B" },		/* unprintables */
	{ 0x7f80ff20, "??? " },
	{ 0x58590000, "XY" },		/* trailing NULs trimmed */
	{ 0x00000041, "???A" },		/* leading ones are not */
};

START_TEST(check_kod)
{
	const char *kiss;

	set_stratum(0);
	set_refid(kisses[_i].refid);
	kiss = check_is(NTP_CHECK_KOD);
	ck_assert_str_eq(kiss, kisses[_i].kiss);
	ck_assert_uint_le(strlen(kiss), 4);
}
END_TEST

/* A kiss comes before the tests on leap, stratum and timestamps. */
START_TEST(check_kod_wins_over_unsync_and_times)
{
	set_first(NTP_LEAP_UNSYNC, 4, 4);
	set_stratum(0);
	set_refid(0x52415445);
	set_rx(0);
	set_tx(0);
	set_root_delay(0xffffffff);
	ck_assert_str_eq(check_is(NTP_CHECK_KOD), "RATE");
}
END_TEST

/* Stratum 0 with nothing in the refid is "unspecified": unsynchronised. */
START_TEST(check_stratum_zero_without_code)
{
	set_stratum(0);
	set_refid(0);
	check_is(NTP_CHECK_UNSYNC);
}
END_TEST

START_TEST(check_unsync)
{
	set_first(NTP_LEAP_UNSYNC, 4, 4);
	check_is(NTP_CHECK_UNSYNC);
	set_first(NTP_LEAP_NONE, 4, 4);
	set_stratum(16);
	check_is(NTP_CHECK_UNSYNC);
	set_stratum(255);
	check_is(NTP_CHECK_UNSYNC);
	/* Before the timestamp checks. */
	set_stratum(16);
	set_rx(0);
	check_is(NTP_CHECK_UNSYNC);
}
END_TEST

START_TEST(check_bad_times)
{
	set_rx(0);
	check_is(NTP_CHECK_BAD_TIMES);
	setup();
	set_tx(0);
	check_is(NTP_CHECK_BAD_TIMES);
	setup();
	/* precision -23: 2^-23 s = 512 units of 2^-32 s of slack */
	set_tx(((uint64_t)NTP_NOW_S << 32 | 0x40000000) - 513);	/* rx - 513 */
	check_is(NTP_CHECK_BAD_TIMES);
	set_tx(((uint64_t)NTP_NOW_S << 32 | 0x40000000) - 512);	/* rx - 2^prec */
	check_is(NTP_CHECK_OK);
	set_tx(((uint64_t)NTP_NOW_S << 32 | 0x40000000) - 1);	/* rx - 1 */
	check_is(NTP_CHECK_OK);
	set_tx((uint64_t)NTP_NOW_S << 32 | 0x40000000);		/* == rx */
	check_is(NTP_CHECK_OK);
}
END_TEST

START_TEST(check_root_limits)
{
	set_root_delay(0x00100000);	/* 16 s: the limit itself is fine */
	set_root_disp(0x00100000);
	check_is(NTP_CHECK_OK);
	set_root_delay(0x00100001);
	check_is(NTP_CHECK_BAD_TIMES);
	set_root_delay(0);
	set_root_disp(0x00100001);
	check_is(NTP_CHECK_BAD_TIMES);
	set_root_disp(0x80000000);	/* a negative value in NTPv3 eyes */
	check_is(NTP_CHECK_BAD_TIMES);
}
END_TEST

/* rx just before the 2036 rollover, tx just after: tx is later. */
START_TEST(check_times_across_era)
{
	set_rx(0xfffffffff0000000ULL);
	set_tx(0x0000000010000000ULL);
	check_is(NTP_CHECK_OK);
	set_rx(0x0000000010000000ULL);
	set_tx(0xfffffffff0000000ULL);
	check_is(NTP_CHECK_BAD_TIMES);
}
END_TEST

START_TEST(check_names)
{
	static const char *const want[] = {
		"ok", "bad_mode", "bad_version", "bogus_origin", "kod",
		"unsync", "bad_times",
	};

	for (int i = NTP_CHECK_OK; i <= NTP_CHECK_BAD_TIMES; i++)
		ck_assert_str_eq(ntp_check_name((enum ntp_check)i), want[i]);
	ck_assert_str_eq(ntp_check_name((enum ntp_check)99), "?");
	ck_assert_str_eq(ntp_check_name((enum ntp_check)-1), "?");
}
END_TEST

/* Request out, reply in, offset out: the codec as the client uses it. */
START_TEST(exchange_end_to_end)
{
	uint8_t req[NTP_PACKET_LEN];
	struct ntp_packet q, p;
	int64_t t1 = T_NOW_S * NS + 250000000;	/* client clock */
	int64_t t4 = t1 + 20000000;		/* 20 ms later */
	int64_t t2, t3;
	double off, delay;

	ntp_encode_request(req, COOKIE, 6);
	q = parse_ok(req, sizeof(req));
	/* The server is 3 ms ahead, one-way 9.5 ms, holds it 1 ms. */
	set_org(q.tx_ts);
	set_rx(ntp_ts_from_unix_ns(t1 + 9500000 + 3000000));
	set_tx(ntp_ts_from_unix_ns(t1 + 10500000 + 3000000));
	p = parse_ok(pkt, sizeof(pkt));
	ck_assert_int_eq(ntp_check_reply(&p, COOKIE, NULL), NTP_CHECK_OK);
	t2 = ntp_ts_to_unix_ns(p.rx_ts, t1);
	t3 = ntp_ts_to_unix_ns(p.tx_ts, t1);
	ck_assert_int_eq(t2, t1 + 12500000);
	ck_assert_int_eq(t3, t1 + 13500000);
	ntp_offset_delay(t1, t2, t3, t4, &off, &delay);
	ck_assert_double_eq(off, 0.003);
	ck_assert_double_eq(delay, 0.019);
}
END_TEST

/* ------------------------------------------------------------ time */

START_TEST(ts_fixed_points)
{
	ck_assert_uint_eq(ntp_ts_from_unix_ns(0), 0x83aa7e8000000000ULL);
	ck_assert_uint_eq(ntp_ts_from_unix_ns(NS / 2), 0x83aa7e8080000000ULL);
	ck_assert_uint_eq(ntp_ts_from_unix_ns(T_NOW_S * NS + NS / 4),
	    0xecd2130040000000ULL);
	/* 1 ns is 4.294967296 units of 2^-32 s: rounded to 4. */
	ck_assert_uint_eq(ntp_ts_from_unix_ns(1), 0x83aa7e8000000004ULL);
	ck_assert_uint_eq(ntp_ts_from_unix_ns(NS - 1), 0x83aa7e80fffffffcULL);
	/* Before 1970: floor, not truncation. */
	ck_assert_uint_eq(ntp_ts_from_unix_ns(-1), 0x83aa7e7ffffffffcULL);
	ck_assert_uint_eq(ntp_ts_from_unix_ns(-NS / 2), 0x83aa7e7f80000000ULL);
	/* The NTP epoch. */
	ck_assert_uint_eq(ntp_ts_from_unix_ns(-2208988800LL * NS), 0);
	ck_assert_int_eq(ntp_ts_to_unix_ns(0, -2208988800LL * NS),
	    -2208988800LL * NS);
	ck_assert_int_eq(ntp_ts_to_unix_ns(0x83aa7e8080000000ULL, 0), NS / 2);
}
END_TEST

START_TEST(ts_fraction_rounding)
{
	uint64_t base = (uint64_t)NTP_NOW_S << 32;
	int64_t t = T_NOW_S * NS;

	ck_assert_int_eq(ntp_ts_to_unix_ns(base | 1, t), t);
	ck_assert_int_eq(ntp_ts_to_unix_ns(base | 2, t), t);	/* 0.47 ns */
	ck_assert_int_eq(ntp_ts_to_unix_ns(base | 3, t), t + 1); /* 0.70 ns */
	ck_assert_int_eq(ntp_ts_to_unix_ns(base | 0x80000000, t), t + NS / 2);
	/* The last unit of a second rounds up into the next one. */
	ck_assert_int_eq(ntp_ts_to_unix_ns(base | 0xffffffff, t), t + NS);
}
END_TEST

START_TEST(ts_round_trip_now)
{
	int64_t t0 = T_NOW_S * NS;

	for (int i = 0; i < 10000; i++) {
		int64_t t = t0 + (int64_t)(rnd() % (2000 * NS)) - 1000 * NS;
		uint64_t ts = ntp_ts_from_unix_ns(t);

		ck_assert_int_eq(ntp_ts_to_unix_ns(ts, t), t);
		ck_assert_int_eq(ntp_ts_to_unix_ns(ts, t0), t);
		/* near may be decades off and still pick this era. */
		ck_assert_int_eq(ntp_ts_to_unix_ns(ts, t0 + 60 * YEAR_S * NS),
		    t);
		ck_assert_int_eq(ntp_ts_to_unix_ns(ts, t0 - 60 * YEAR_S * NS),
		    t);
	}
}
END_TEST

/* 2036-02-07 06:28:16 UTC: the NTP second count wraps to 0. */
START_TEST(ts_round_trip_era_rollover)
{
	int64_t roll = T_ERA1_S * NS;

	ck_assert_uint_eq(ntp_ts_from_unix_ns(roll), 0);
	ck_assert_uint_eq(ntp_ts_from_unix_ns(roll - 1),
	    0xfffffffffffffffcULL);
	ck_assert_uint_eq(ntp_ts_from_unix_ns(roll - NS), 0xffffffffULL << 32);
	ck_assert_uint_eq(ntp_ts_from_unix_ns(roll + 3 * NS), 3ULL << 32);
	for (int64_t t = roll - 5 * NS; t <= roll + 5 * NS; t += NS / 8 + 1) {
		uint64_t ts = ntp_ts_from_unix_ns(t);

		ck_assert_int_eq(ntp_ts_to_unix_ns(ts, t), t);
		ck_assert_int_eq(ntp_ts_to_unix_ns(ts, roll), t);
		/* near on the other side of the rollover */
		ck_assert_int_eq(ntp_ts_to_unix_ns(ts, roll - YEAR_S * NS), t);
		ck_assert_int_eq(ntp_ts_to_unix_ns(ts, roll + YEAR_S * NS), t);
	}
}
END_TEST

/* A small second count is era 1 near 2036, era 0 near 1900. */
START_TEST(ts_era_from_near)
{
	uint64_t ts = 2ULL << 32;

	ck_assert_int_eq(ntp_ts_to_unix_ns(ts, T_NOW_S * NS),
	    (T_ERA1_S + 2) * NS);
	ck_assert_int_eq(ntp_ts_to_unix_ns(ts, (T_ERA1_S - 30 * YEAR_S) * NS),
	    (T_ERA1_S + 2) * NS);
	ck_assert_int_eq(ntp_ts_to_unix_ns(ts, -2208988800LL * NS),
	    (-2208988800LL + 2) * NS);
	/* A large one is era 0 from 2036 on, until 68 years have passed. */
	ts = 0xfffffff0ULL << 32;
	ck_assert_int_eq(ntp_ts_to_unix_ns(ts, (T_ERA1_S + 10) * NS),
	    (T_ERA1_S - 16) * NS);
}
END_TEST

/* The window is [near - 2^31 s, near + 2^31 s). */
START_TEST(ts_window_edges)
{
	int64_t near = T_NOW_S * NS;
	int64_t half = 2147483648LL;
	uint64_t hi = (uint64_t)(uint32_t)(NTP_NOW_S + half - 1) << 32;
	uint64_t at = (uint64_t)(uint32_t)(NTP_NOW_S + half) << 32;
	uint64_t lo = (uint64_t)(uint32_t)(NTP_NOW_S - half) << 32;

	ck_assert_int_eq(ntp_ts_to_unix_ns(hi, near),
	    (T_NOW_S + half - 1) * NS);
	ck_assert_int_eq(ntp_ts_to_unix_ns(at, near), (T_NOW_S - half) * NS);
	ck_assert_int_eq(ntp_ts_to_unix_ns(lo, near), (T_NOW_S - half) * NS);
	/* near's own fraction does not move the window. */
	ck_assert_int_eq(ntp_ts_to_unix_ns(hi, near + NS - 1),
	    (T_NOW_S + half - 1) * NS);
}
END_TEST

/* Beyond int64 nanoseconds the result saturates instead of wrapping. */
START_TEST(ts_saturates)
{
	uint32_t top = ts_sec(ntp_ts_from_unix_ns(INT64_MAX));
	uint32_t bottom = ts_sec(ntp_ts_from_unix_ns(INT64_MIN));

	ck_assert_int_eq(ntp_ts_to_unix_ns((uint64_t)(top + 1000) << 32,
	    INT64_MAX), INT64_MAX);
	ck_assert_int_eq(ntp_ts_to_unix_ns((uint64_t)(bottom - 1000) << 32,
	    INT64_MIN), INT64_MIN);
	ck_assert_int_eq(ntp_ts_to_unix_ns(ntp_ts_from_unix_ns(INT64_MAX - NS),
	    INT64_MAX), INT64_MAX - NS);
	ck_assert_int_eq(ntp_ts_to_unix_ns(ntp_ts_from_unix_ns(INT64_MIN + NS),
	    INT64_MIN), INT64_MIN + NS);
	/* The first representable instants themselves are exact. */
	ck_assert_int_eq(ntp_ts_to_unix_ns(ntp_ts_from_unix_ns(INT64_MIN),
	    INT64_MIN), INT64_MIN);
	ck_assert_int_eq(ntp_ts_to_unix_ns(ntp_ts_from_unix_ns(INT64_MIN + 1),
	    INT64_MIN), INT64_MIN + 1);
	ck_assert_int_eq(ntp_ts_to_unix_ns(ntp_ts_from_unix_ns(INT64_MAX),
	    INT64_MAX), INT64_MAX);
}
END_TEST

/* ------------------------------------------------------------ offset */

START_TEST(offset_delay_known)
{
	int64_t t1 = T_NOW_S * NS;
	double off, delay;

	/* Server 10 ms ahead, 5 ms each way, 1 ms inside the server. */
	ntp_offset_delay(t1, t1 + 15000000, t1 + 16000000, t1 + 11000000,
	    &off, &delay);
	ck_assert_double_eq(off, 0.010);
	ck_assert_double_eq(delay, 0.010);
	/* Server 250 ms behind, asymmetric path 30 ms out, 10 ms back. */
	ntp_offset_delay(t1, t1 - 220000000, t1 - 219000000, t1 + 41000000,
	    &off, &delay);
	ck_assert_double_eq(off, -0.240);	/* asymmetry/2 shows up */
	ck_assert_double_eq(delay, 0.040);
}
END_TEST

/* Epoch-sized instants keep every nanosecond (a double has 256 ns here). */
START_TEST(offset_delay_nanoseconds)
{
	int64_t t = (T_ERA1_S - 7) * NS + 123456789;
	double off, delay;

	ntp_offset_delay(t, t + 1, t + 1, t, &off, &delay);
	ck_assert_double_eq(off, 1e-9);
	ck_assert_double_eq(delay, 0.0);
	ntp_offset_delay(t, t + 1, t + 2, t + 2, &off, &delay);
	ck_assert_double_eq(off, 0.5e-9);
	ck_assert_double_eq(delay, 1e-9);
	ntp_offset_delay(t, t - 3, t - 3, t + 1, &off, &delay);
	ck_assert_double_eq(off, -3.5e-9);
	ck_assert_double_eq(delay, 1e-9);
}
END_TEST

START_TEST(offset_delay_extremes_finite)
{
	double off, delay;

	ntp_offset_delay(INT64_MIN, INT64_MAX, INT64_MAX, INT64_MIN,
	    &off, &delay);
	ck_assert(isfinite(off) && isfinite(delay));
	ck_assert_double_gt(off, 9e9);
	ntp_offset_delay(INT64_MAX, INT64_MIN, INT64_MAX, INT64_MIN,
	    &off, &delay);
	ck_assert(isfinite(off) && isfinite(delay));
	ck_assert_double_lt(delay, -9e9);
}
END_TEST

/* ------------------------------------------------------------ refid */

static const struct {
	int		 stratum;
	uint32_t	 refid;
	const char	*text;
} refids[] = {
	{ 1, 0x47505300, "GPS" },
	{ 1, 0x50505300, "PPS" },
	{ 1, 0x474f4f47, "GOOG" },
	{ 1, 0x00000000, "" },
	{ 1, 0x41004200, "65.0.66.0" },	/* not a clean code: an address */
	{ 1, 0x0a474e53, "10.71.78.83" },
	{ 1, 0x7f7f0101, "127.127.1.1" },	/* chronyd's local reference */
	{ 0, 0x41004200, "A?B" },	/* kiss: inner NUL shown, trailing trimmed */
	{ 0, 0x52415445, "RATE" },
	{ 0, 0x494e4954, "INIT" },
	{ 2, 0xc0000201, "192.0.2.1" },
	{ 2, 0x47505300, "71.80.83.0" },	/* stratum decides */
	{ 15, 0xffffffff, "255.255.255.255" },
	{ 16, 0x00000000, "0.0.0.0" },
};

START_TEST(refid_strings)
{
	char buf[32];

	memset(buf, 'x', sizeof(buf));
	ntp_refid_str(refids[_i].stratum, refids[_i].refid, buf, sizeof(buf));
	ck_assert_str_eq(buf, refids[_i].text);
}
END_TEST

START_TEST(refid_short_buffer)
{
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	ntp_refid_str(2, 0xc0000201, buf, 4);
	ck_assert_str_eq(buf, "192");
	ck_assert_int_eq(buf[4], 'x');
	ntp_refid_str(1, 0x474f4f47, buf, 3);
	ck_assert_str_eq(buf, "GO");
	ntp_refid_str(2, 0xc0000201, buf, 1);
	ck_assert_str_eq(buf, "");
	buf[0] = 'x';
	ntp_refid_str(2, 0xc0000201, buf, 0);
	ck_assert_int_eq(buf[0], 'x');
}
END_TEST

static Suite *
ntp_packet_suite(void)
{
	Suite *s = suite_create("ntp_packet");
	TCase *tc;

	tc = tcase_create("encode");
	tcase_add_test(tc, encode_request_layout);
	tcase_add_test(tc, encode_poll_clamped);
	tcase_add_test(tc, encode_parses_back);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, parse_hand_built_reply);
	tcase_add_test(tc, parse_every_leap_and_version);
	tcase_add_test(tc, parse_signed_poll_and_precision);
	tcase_add_test(tc, parse_short_format);
	tcase_add_loop_test(tc, parse_lengths, 0,
	    sizeof(lengths) / sizeof(lengths[0]));
	tcase_add_test(tc, parse_ignores_trailer);
	tcase_add_test(tc, parse_null_arguments);
	suite_add_tcase(s, tc);

	tc = tcase_create("check");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, check_ok);
	tcase_add_test(tc, check_bad_mode);
	tcase_add_test(tc, check_bad_version);
	tcase_add_test(tc, check_bogus_origin);
	tcase_add_loop_test(tc, check_kod, 0,
	    sizeof(kisses) / sizeof(kisses[0]));
	tcase_add_test(tc, check_kod_wins_over_unsync_and_times);
	tcase_add_test(tc, check_stratum_zero_without_code);
	tcase_add_test(tc, check_unsync);
	tcase_add_test(tc, check_bad_times);
	tcase_add_test(tc, check_root_limits);
	tcase_add_test(tc, check_times_across_era);
	tcase_add_test(tc, check_names);
	tcase_add_test(tc, exchange_end_to_end);
	suite_add_tcase(s, tc);

	tc = tcase_create("time");
	tcase_add_test(tc, ts_fixed_points);
	tcase_add_test(tc, ts_fraction_rounding);
	tcase_add_test(tc, ts_round_trip_now);
	tcase_add_test(tc, ts_round_trip_era_rollover);
	tcase_add_test(tc, ts_era_from_near);
	tcase_add_test(tc, ts_window_edges);
	tcase_add_test(tc, ts_saturates);
	tcase_add_test(tc, offset_delay_known);
	tcase_add_test(tc, offset_delay_nanoseconds);
	tcase_add_test(tc, offset_delay_extremes_finite);
	suite_add_tcase(s, tc);

	tc = tcase_create("refid");
	tcase_add_loop_test(tc, refid_strings, 0,
	    sizeof(refids) / sizeof(refids[0]));
	tcase_add_test(tc, refid_short_buffer);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(ntp_packet_suite());
}

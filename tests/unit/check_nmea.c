/*
 * check_nmea.c - the NMEA 0183 codec: framing and checksum, talkers,
 * each decoded sentence type with full, empty and malformed fields, the
 * date/time conversion, and the epoch assembler.
 *
 * The sentences are made up in the shape receivers send (u-blox style
 * NMEA 4.1 and older 2.x layouts); positions are arbitrary. Most lines get
 * their checksum from cs() below; the REF_* lines carry one computed
 * independently, so the codec's checksum is checked against something
 * other than itself:
 *
 *   python3 -c 'import functools,sys; b=sys.argv[1];
 *     print("$%s*%02X" % (b, functools.reduce(lambda x,y: x^y, b.encode())))' BODY
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nmea.h"
#include "check_run.h"

#define NS_PER_S	1000000000LL
#define T_2026_11_27_032349	1795749829LL
#define T_2017		1483228800LL	/* 2017-01-01, after a leap second */

#define REF_RMC41 "$GPRMC,032349.00,A,5231.01234,N,01324.56789,E,0.012,,271126,,,A,V*07"
#define REF_RMC20 "$GPRMC,032349,A,5231.0123,N,01324.5679,E,000.0,000.0,271126,003.1,E*76"
#define REF_ZDA	  "$GPZDA,032349.00,27,11,2026,00,00*6A"
#define REF_GGA	  "$GPGGA,032349.00,5231.01234,N,01324.56789,E,1,09,0.92,41.3,M,44.6,M,,*61"
#define REF_GSA	  "$GNGSA,A,3,05,13,15,18,20,29,,,,,,,1.62,0.92,1.33,1*0D"
#define REF_GNS	  "$GNGNS,032349.00,5231.01234,N,01324.56789,E,AA,14,0.71,41.3,44.6,,,V*2E"
#define REF_GSV	  "$GPGSV,3,1,11,05,38,296,41,13,22,048,35,15,71,112,44,18,09,322,28,1*61"

static struct nmea_sentence s;
static struct nmea_asm *a;

/* ------------------------------------------------------------ helpers */

/* "$body*HH\r\n", checksum computed here; a few buffers in rotation. */
static const char *
cs(const char *body)
{
	static char bufs[4][512];
	static int next;
	char *b = bufs[next++ % 4];
	unsigned x = 0;

	for (const char *p = body; *p != '\0'; p++)
		x ^= (unsigned char)*p;
	snprintf(b, sizeof(bufs[0]), "$%s*%02X\r\n", body, x);
	return b;
}

static int
parse(const char *line)
{
	return nmea_parse(line, strlen(line), &s);
}

static void
parse_ok(const char *line)
{
	int rc = parse(line);

	ck_assert_msg(rc == NMEA_OK, "%s: %s (field %d)", line,
	    nmea_result_name(rc), s.bad_field);
}

static void
expect(const char *line, int rc)
{
	int got = parse(line);

	ck_assert_msg(got == rc, "%s: got %s, want %s", line,
	    nmea_result_name(got), nmea_result_name(rc));
	if (rc != NMEA_OK)
		ck_assert_int_eq(s.type, NMEA_TYPE_NONE);
}

static void
expect_bad_field(const char *body, int field)
{
	expect(cs(body), NMEA_BAD_FIELD);
	ck_assert_msg(s.bad_field == field, "%s: bad field %d, want %d", body,
	    s.bad_field, field);
}

static void
assert_tod(const struct nmea_tod *t, int h, int m, int sec, int32_t nsec)
{
	ck_assert_int_eq(t->hour, h);
	ck_assert_int_eq(t->min, m);
	ck_assert_int_eq(t->sec, sec);
	ck_assert_int_eq(t->nsec, nsec);
}

static void
assert_date(const struct nmea_date *d, int y, int m, int day)
{
	ck_assert_int_eq(d->year, y);
	ck_assert_int_eq(d->month, m);
	ck_assert_int_eq(d->day, day);
}

static void
setup(void)
{
	memset(&s, 0x5a, sizeof(s));
	a = nmea_asm_create(0);
	ck_assert_ptr_nonnull(a);
}

static void
teardown(void)
{
	nmea_asm_destroy(a);
	a = NULL;
}

/* --------------------------------------------------------- framing */

START_TEST(reference_checksums)
{
	static const char *const refs[] = {
		REF_RMC41, REF_RMC20, REF_ZDA, REF_GGA, REF_GSA, REF_GNS,
		REF_GSV,
	};

	char body[128];

	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		const char *r = refs[i];
		size_t n = strlen(r);
		unsigned want = (unsigned)strtoul(r + n - 2, NULL, 16);

		ck_assert_uint_eq(nmea_checksum(r + 1, n - 4), want);
		parse_ok(r);
		/* ... and cs() agrees, so the other tests' lines are right. */
		memcpy(body, r + 1, n - 4);
		body[n - 4] = '\0';
		ck_assert_int_eq(strncmp(cs(body), r, n), 0);
	}
}
END_TEST

START_TEST(lowercase_checksum_accepted)
{
	parse_ok("$GNGSA,A,3,05,13,15,18,20,29,,,,,,,1.62,0.92,1.33,1*0d");
	ck_assert_int_eq(s.type, NMEA_TYPE_GSA);
	parse_ok("$GNGNS,032349.00,5231.01234,N,01324.56789,E,AA,14,0.71,"
	    "41.3,44.6,,,V*2e\r\n");
}
END_TEST

START_TEST(bad_checksum)
{
	/* Wrong digits, and a flipped data byte under the right digits. */
	expect("$GPZDA,032349.00,27,11,2026,00,00*6B", NMEA_BAD_CHECKSUM);
	expect("$GPZDA,032349.00,27,11,2026,00,00*A6", NMEA_BAD_CHECKSUM);
	expect("$GPZDA,032349.00,28,11,2026,00,00*6A", NMEA_BAD_CHECKSUM);
	/* Not two hex digits, or not at the end. */
	expect("$GPZDA,032349.00,27,11,2026,00,00*6", NMEA_BAD_CHECKSUM);
	expect("$GPZDA,032349.00,27,11,2026,00,00*6A0", NMEA_BAD_CHECKSUM);
	expect("$GPZDA,032349.00,27,11,2026,00,00*G1", NMEA_BAD_CHECKSUM);
	expect("$GPZDA,032349.00,27,11,2026,00,00*6A ", NMEA_BAD_CHECKSUM);
	expect("$GPZDA,032349.00,27,11,2026,00,00*", NMEA_BAD_CHECKSUM);
	expect("$GPZDA,032349.00,27,11,2026*,00,00*6A", NMEA_BAD_CHECKSUM);
}
END_TEST

START_TEST(missing_checksum_is_an_error)
{
	expect("$GPZDA,032349.00,27,11,2026,00,00", NMEA_NO_CHECKSUM);
	expect("$GPZDA,032349.00,27,11,2026,00,00\r\n", NMEA_NO_CHECKSUM);
	expect("$GPRMC,032349,A,5231.0123,N,01324.5679,E,000.0,000.0,271126,"
	    "003.1,E", NMEA_NO_CHECKSUM);
}
END_TEST

START_TEST(line_endings)
{
	static const char *const ends[] = { "", "\r\n", "\n", "\r" };
	char line[128];

	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		snprintf(line, sizeof(line), "%s%s", REF_ZDA, ends[i]);
		parse_ok(line);
		ck_assert_int_eq(s.type, NMEA_TYPE_ZDA);
	}
	snprintf(line, sizeof(line), "%s\n\r", REF_ZDA);
	expect(line, NMEA_BAD_CHAR);
	snprintf(line, sizeof(line), "%s\r\n\r\n", REF_ZDA);
	expect(line, NMEA_BAD_CHAR);
	expect("", NMEA_EMPTY);
	expect("\r\n", NMEA_EMPTY);
	expect("\n", NMEA_EMPTY);
	ck_assert_int_eq(nmea_parse(NULL, 0, &s), NMEA_EMPTY);
}
END_TEST

START_TEST(framing)
{
	expect("GPZDA,032349.00,27,11,2026,00,00*6A", NMEA_BAD_FRAMING);
	expect(" " REF_ZDA, NMEA_BAD_FRAMING);
	expect("!AIVDM,1,1,,A,13aEOK?P00PD2wVMdLDRhgvL289?,0*26",
	    NMEA_BAD_FRAMING);
	expect("\\s:r1,c:1700000000*5E\\" REF_ZDA, NMEA_BAD_FRAMING);
}
END_TEST

START_TEST(length_limits)
{
	char body[NMEA_MAX_LEN + 64], *big;
	size_t n;

	/* A proprietary line of exactly NMEA_MAX_LEN bytes is framed fine. */
	strcpy(body, "PXYZ,");
	n = strlen(body);
	memset(body + n, 'A', NMEA_MAX_LEN - 4 - n);
	body[NMEA_MAX_LEN - 4] = '\0';
	ck_assert_uint_eq(strlen(cs(body)), NMEA_MAX_LEN + 2);
	expect(cs(body), NMEA_PROPRIETARY);
	ck_assert(s.oversize);
	/* One more byte is too long, checksum or not. */
	strcat(body, "A");
	expect(cs(body), NMEA_TOO_LONG);
	big = malloc(100000);
	ck_assert_ptr_nonnull(big);
	memset(big, '$', 100000);
	ck_assert_int_eq(nmea_parse(big, 100000, &s), NMEA_TOO_LONG);
	free(big);
}
END_TEST

START_TEST(oversize_standard_sentence_accepted)
{
	/* Survey receivers print 7 decimals and overflow the 82 bytes. */
	const char *body = "GNRMC,032349.000,A,5231.0123456,N,01324.5678901,E,"
	    "0.0123,123.45,271126,1.23,E,D,S";

	ck_assert_uint_gt(strlen(body) + 6, NMEA_STD_MAX_LEN);
	parse_ok(cs(body));
	ck_assert(s.oversize);
	ck_assert_int_eq(s.rmc.mode, 'D');
	ck_assert_int_eq(s.rmc.nav_status, 'S');
	parse_ok(REF_RMC41);
	ck_assert(!s.oversize);
}
END_TEST

START_TEST(non_ascii_bytes)
{
	/* Each with its checksum computed over the odd byte, so only the
	 * character check can refuse it. */
	expect(cs("GPGGA,032349.00,5231.01234\xb0,N,01324.56789,E,1,09,0.92,"
	    "41.3,M,44.6,M,,"), NMEA_BAD_CHAR);
	expect(cs("GPGGA,032349.00,5231\xc2\xb0" "01234,N,01324.56789,E,1,09,"
	    "0.92,41.3,M,44.6,M,,"), NMEA_BAD_CHAR);
	expect(cs("GPZDA,032349.00,27,11,2026,00,00\t"), NMEA_BAD_CHAR);
	expect(cs("GPZDA,032349.00,27,11,2026,00,\x7f" "00"), NMEA_BAD_CHAR);
	/* Two sentences run together when a line end was lost. */
	expect(cs("GPZDA,032349.00,27,11,2026,00,00$GPZDA,032350.00,27,11,"
	    "2026,00,00"), NMEA_BAD_CHAR);
}
END_TEST

START_TEST(embedded_nul)
{
	char line[64];
	size_t n = strlen(REF_ZDA);

	memcpy(line, REF_ZDA, n);
	line[10] = '\0';
	ck_assert_int_eq(nmea_parse(line, n, &s), NMEA_BAD_CHAR);
}
END_TEST

START_TEST(addresses)
{
	expect(cs(",1,2,3"), NMEA_BAD_ADDRESS);
	expect(cs(""), NMEA_BAD_ADDRESS);
	expect(cs("gpzda,032349.00,27,11,2026,00,00"), NMEA_BAD_ADDRESS);
	expect(cs("GPZDAX,032349.00,27,11,2026,00,00"), NMEA_BAD_ADDRESS);
	expect(cs("GPZD,032349.00,27,11,2026,00,00"), NMEA_BAD_ADDRESS);
	expect(cs("GP-DA,032349.00,27,11,2026,00,00"), NMEA_BAD_ADDRESS);
	expect(cs("P,1"), NMEA_BAD_ADDRESS);
	expect(cs("PABCDEFGHIJKLMNO,1"), NMEA_BAD_ADDRESS);

	expect(cs("PUBX,00,032349.00,5231.01234,N,01324.56789,E,41.3,G3,2.1,"
	    "3.4,0.0,0.0,0.0,,1.0,1.5,1.1,9,0,0"), NMEA_PROPRIETARY);
	ck_assert_str_eq(s.address, "PUBX");
	ck_assert_str_eq(s.talker, "P");
	expect(cs("PQTMVERNO"), NMEA_PROPRIETARY);
	ck_assert_str_eq(s.address, "PQTMVERNO");

	expect(cs("IIZDA,032349.00,27,11,2026,00,00"), NMEA_UNKNOWN_TALKER);
	ck_assert_str_eq(s.talker, "II");
	ck_assert_int_eq(s.system, NMEA_SYS_NONE);

	expect(cs("GPTXT,01,01,02,ANTSTATUS=OK"), NMEA_UNKNOWN_SENTENCE);
	ck_assert_str_eq(s.address, "GPTXT");
	ck_assert_int_eq(s.system, NMEA_SYS_GPS);
	expect(cs("GNVTG,,T,,M,0.012,N,0.022,K,A"), NMEA_UNKNOWN_SENTENCE);
}
END_TEST

START_TEST(too_many_fields)
{
	char body[256] = "GPRMC,032349,A,5231.0123,N,01324.5679,E,000.0,"
	    "000.0,271126,003.1,E";

	int commas = 11;

	/* Up to NMEA_MAX_FIELDS in all is tolerated (newer versions append
	 * fields), one more is not. */
	for (; commas < NMEA_MAX_FIELDS - 1; commas++)
		strcat(body, ",");
	parse_ok(cs(body));
	strcat(body, ",");
	expect_bad_field(body, NMEA_MAX_FIELDS);
}
END_TEST

START_TEST(result_names)
{
	ck_assert_str_eq(nmea_result_name(NMEA_OK), "ok");
	ck_assert_str_eq(nmea_result_name(NMEA_BAD_CHECKSUM), "bad_checksum");
	ck_assert_str_eq(nmea_result_name(NMEA_NO_CHECKSUM), "no_checksum");
	ck_assert_str_eq(nmea_result_name(NMEA_TOO_LONG), "too_long");
	ck_assert_str_eq(nmea_result_name(NMEA_BAD_FIELD), "bad_field");
	ck_assert_str_eq(nmea_result_name(NMEA_UNKNOWN_SENTENCE),
	    "unknown_sentence");
	ck_assert_str_eq(nmea_result_name(1), "?");
	ck_assert_str_eq(nmea_result_name(NMEA_RESULT_MIN - 1), "?");
	for (int i = 0; i >= NMEA_RESULT_MIN; i--) {
		ck_assert_ptr_nonnull(nmea_result_name(i));
		ck_assert_str_ne(nmea_result_name(i), "?");
		for (int j = 0; j > i; j--)
			ck_assert_str_ne(nmea_result_name(i),
			    nmea_result_name(j));
	}
}
END_TEST

/* ---------------------------------------------------------- talkers */

static const struct {
	const char	*talker;
	enum nmea_system sys;
	const char	*name;
} talker_cases[] = {
	{ "GP", NMEA_SYS_GPS, "GPS" },
	{ "GN", NMEA_SYS_MULTI, "multi-GNSS" },
	{ "GL", NMEA_SYS_GLONASS, "GLONASS" },
	{ "GA", NMEA_SYS_GALILEO, "Galileo" },
	{ "GB", NMEA_SYS_BEIDOU, "BeiDou" },
	{ "BD", NMEA_SYS_BEIDOU, "BeiDou" },
	{ "GQ", NMEA_SYS_QZSS, "QZSS" },
	{ "GI", NMEA_SYS_NAVIC, "NavIC" },
};

START_TEST(each_talker)
{
	char body[64];

	snprintf(body, sizeof(body), "%sZDA,032349.00,27,11,2026,00,00",
	    talker_cases[_i].talker);
	parse_ok(cs(body));
	ck_assert_str_eq(s.talker, talker_cases[_i].talker);
	ck_assert_int_eq(s.system, talker_cases[_i].sys);
	ck_assert_str_eq(nmea_system_name(s.system), talker_cases[_i].name);
	ck_assert_int_eq(nmea_talker_system(talker_cases[_i].talker),
	    talker_cases[_i].sys);
}
END_TEST

START_TEST(system_names_and_ids)
{
	ck_assert_str_eq(nmea_system_name(NMEA_SYS_NONE), "none");
	ck_assert_str_eq(nmea_system_name((enum nmea_system)99), "?");
	ck_assert_int_eq(nmea_talker_system("GX"), NMEA_SYS_NONE);
	ck_assert_int_eq(nmea_talker_system("G"), NMEA_SYS_NONE);
	ck_assert_int_eq(nmea_system_from_id(1), NMEA_SYS_GPS);
	ck_assert_int_eq(nmea_system_from_id(2), NMEA_SYS_GLONASS);
	ck_assert_int_eq(nmea_system_from_id(3), NMEA_SYS_GALILEO);
	ck_assert_int_eq(nmea_system_from_id(4), NMEA_SYS_BEIDOU);
	ck_assert_int_eq(nmea_system_from_id(5), NMEA_SYS_QZSS);
	ck_assert_int_eq(nmea_system_from_id(6), NMEA_SYS_NAVIC);
	ck_assert_int_eq(nmea_system_from_id(0), NMEA_SYS_NONE);
	ck_assert_int_eq(nmea_system_from_id(7), NMEA_SYS_NONE);
	ck_assert_int_eq(nmea_system_from_id(-1), NMEA_SYS_NONE);
}
END_TEST

/* -------------------------------------------------------------- RMC */

START_TEST(rmc_nmea41)
{
	parse_ok(REF_RMC41);
	ck_assert_int_eq(s.type, NMEA_TYPE_RMC);
	ck_assert_str_eq(s.address, "GPRMC");
	ck_assert(s.rmc.has_time);
	assert_tod(&s.rmc.time, 3, 23, 49, 0);
	ck_assert_int_eq(s.rmc.time.frac_digits, 2);
	ck_assert_int_eq(s.rmc.status, 'A');
	ck_assert(s.rmc.has_date);
	assert_date(&s.rmc.date, 2026, 11, 27);
	ck_assert_int_eq(s.rmc.mode, 'A');
	ck_assert_int_eq(s.rmc.nav_status, 'V');
	ck_assert_int_eq(s.bad_field, 0);
}
END_TEST

START_TEST(rmc_nmea20_has_no_mode)
{
	parse_ok(REF_RMC20);
	assert_tod(&s.rmc.time, 3, 23, 49, 0);
	ck_assert_int_eq(s.rmc.time.frac_digits, 0);
	ck_assert_int_eq(s.rmc.mode, 0);
	ck_assert_int_eq(s.rmc.nav_status, 0);
	/* The NMEA 2.3 layout: mode, no navigational status. */
	parse_ok(cs("GPRMC,032349.00,A,5231.01234,N,01324.56789,E,0.012,,"
	    "271126,,,D"));
	ck_assert_int_eq(s.rmc.mode, 'D');
	ck_assert_int_eq(s.rmc.nav_status, 0);
}
END_TEST

START_TEST(rmc_status_v)
{
	parse_ok(cs("GPRMC,032350.00,V,,,,,,,271126,,,N,V"));
	ck_assert_int_eq(s.rmc.status, 'V');
	ck_assert_int_eq(s.rmc.mode, 'N');
	ck_assert(s.rmc.has_time);
	ck_assert(s.rmc.has_date);
	assert_tod(&s.rmc.time, 3, 23, 50, 0);
}
END_TEST

START_TEST(rmc_empty_fields)
{
	/* What a receiver prints before it knows the time. */
	parse_ok(cs("GPRMC,,V,,,,,,,,,,N"));
	ck_assert(!s.rmc.has_time);
	ck_assert(!s.rmc.has_date);
	ck_assert_int_eq(s.rmc.status, 'V');
	ck_assert_int_eq(s.rmc.mode, 'N');
	parse_ok(cs("GPRMC,,,,,,,,,,,"));
	ck_assert_int_eq(s.rmc.status, 0);
	ck_assert_int_eq(s.rmc.mode, 0);
}
END_TEST

START_TEST(rmc_fractions)
{
	parse_ok(cs("GPRMC,235959.125,A,,,,,,,271126,,"));
	assert_tod(&s.rmc.time, 23, 59, 59, 125000000);
	ck_assert_int_eq(s.rmc.time.frac_digits, 3);
	parse_ok(cs("GPRMC,000000.123456789,A,,,,,,,271126,,"));
	assert_tod(&s.rmc.time, 0, 0, 0, 123456789);
	ck_assert_int_eq(s.rmc.time.frac_digits, 9);
	parse_ok(cs("GPRMC,120000.,A,,,,,,,271126,,"));
	assert_tod(&s.rmc.time, 12, 0, 0, 0);
	expect_bad_field("GPRMC,000000.1234567890,A,,,,,,,271126,,", 1);
	expect_bad_field("GPRMC,000000.1a,A,,,,,,,271126,,", 1);
	expect_bad_field("GPRMC,000000,5,A,,,,,,,271126,,", 2);
}
END_TEST

START_TEST(rmc_times)
{
	static const char *const bad[] = {
		"240000", "236000", "235961", "125960", "235860", "2359",
		"23595a", "-12345", "1234567", "12:00:00",
	};
	char body[80];

	parse_ok(cs("GPRMC,235960,A,,,,,,,311216,,"));
	assert_tod(&s.rmc.time, 23, 59, 60, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(body, sizeof(body), "GPRMC,%s,A,,,,,,,271126,,",
		    bad[i]);
		expect_bad_field(body, 1);
	}
}
END_TEST

START_TEST(rmc_invalid_dates)
{
	static const char *const bad[] = {
		"300226", "290225", "310426", "001126", "271326", "270026",
		"32012", "2711261", "27112a",
	};
	char body[80];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(body, sizeof(body), "GPRMC,032349,A,,,,,,,%s,,",
		    bad[i]);
		expect_bad_field(body, 9);
	}
	parse_ok(cs("GPRMC,032349,A,,,,,,,290228,,"));
	assert_date(&s.rmc.date, 2028, 2, 29);
	parse_ok(cs("GPRMC,032349,A,,,,,,,311299,,"));
	assert_date(&s.rmc.date, 2099, 12, 31);
	/* Two digits can't tell 1980 from 2080: RMC dates are 20yy. */
	parse_ok(cs("GPRMC,032349,A,,,,,,,010180,,"));
	assert_date(&s.rmc.date, 2080, 1, 1);
}
END_TEST

START_TEST(rmc_bad_status_and_mode)
{
	expect_bad_field("GPRMC,032349,X,,,,,,,271126,,", 2);
	expect_bad_field("GPRMC,032349,AA,,,,,,,271126,,", 2);
	expect_bad_field("GPRMC,032349,a,,,,,,,271126,,", 2);
	expect_bad_field("GPRMC,032349,A,,,,,,,271126,,,Z", 12);
	expect_bad_field("GPRMC,032349,A,,,,,,,271126,,,AD", 12);
	expect_bad_field("GPRMC,032349,A,,,,,,,271126,,,A,X", 13);
}
END_TEST

START_TEST(rmc_too_few_fields)
{
	expect(cs("GPRMC,032349,A,5231.0123,N,01324.5679,E,000.0,000.0,"
	    "271126"), NMEA_TOO_FEW_FIELDS);
	expect(cs("GPRMC,032349,A,5231.0123,N,01324.5679,E,000.0,000.0,"
	    "271126,003.1"), NMEA_TOO_FEW_FIELDS);
	expect(cs("GPRMC"), NMEA_TOO_FEW_FIELDS);
}
END_TEST

/* -------------------------------------------------------------- ZDA */

START_TEST(zda_full)
{
	parse_ok(REF_ZDA);
	ck_assert_int_eq(s.type, NMEA_TYPE_ZDA);
	ck_assert(s.zda.has_time);
	assert_tod(&s.zda.time, 3, 23, 49, 0);
	ck_assert(s.zda.has_date);
	assert_date(&s.zda.date, 2026, 11, 27);
	ck_assert(s.zda.has_zone);
	ck_assert_int_eq(s.zda.zone_min, 0);
}
END_TEST

START_TEST(zda_zones)
{
	parse_ok(cs("GPZDA,032349.00,27,11,2026,-05,30"));
	ck_assert_int_eq(s.zda.zone_min, -330);
	parse_ok(cs("GPZDA,032349.00,27,11,2026,+13,00"));
	ck_assert_int_eq(s.zda.zone_min, 780);
	parse_ok(cs("GPZDA,032349.00,27,11,2026,5,45"));
	ck_assert_int_eq(s.zda.zone_min, 345);
	parse_ok(cs("GPZDA,032349.00,27,11,2026,-00,30"));
	ck_assert_int_eq(s.zda.zone_min, -30);
	parse_ok(cs("GPZDA,032349.00,27,11,2026,,"));
	ck_assert(!s.zda.has_zone);
	expect_bad_field("GPZDA,032349.00,27,11,2026,14,00", 5);
	expect_bad_field("GPZDA,032349.00,27,11,2026,-,00", 5);
	expect_bad_field("GPZDA,032349.00,27,11,2026,,30", 5);
	expect_bad_field("GPZDA,032349.00,27,11,2026,05,60", 6);
	expect_bad_field("GPZDA,032349.00,27,11,2026,05,", 6);
}
END_TEST

START_TEST(zda_empty)
{
	parse_ok(cs("GPZDA,,,,,00,00"));
	ck_assert(!s.zda.has_time);
	ck_assert(!s.zda.has_date);
	ck_assert(s.zda.has_zone);
}
END_TEST

START_TEST(zda_dates)
{
	expect_bad_field("GPZDA,032349.00,30,02,2026,00,00", 2);
	expect_bad_field("GPZDA,032349.00,29,02,2100,00,00", 2);
	expect_bad_field("GPZDA,032349.00,00,11,2026,00,00", 2);
	expect_bad_field("GPZDA,032349.00,27,,2026,00,00", 3);
	expect_bad_field("GPZDA,032349.00,,11,2026,00,00", 2);
	expect_bad_field("GPZDA,032349.00,27,11,,00,00", 4);
	expect_bad_field("GPZDA,032349.00,27,13,2026,00,00", 3);
	expect_bad_field("GPZDA,032349.00,27,11,26,00,00", 4);
	expect_bad_field("GPZDA,032349.00,27,11,1979,00,00", 4);
	expect_bad_field("GPZDA,032349.00,27,11,20266,00,00", 4);
	parse_ok(cs("GPZDA,120000,29,02,2000,00,00"));
	assert_date(&s.zda.date, 2000, 2, 29);
	parse_ok(cs("GPZDA,120000,29,02,2024,00,00"));
	parse_ok(cs("GPZDA,000000,6,1,1980,00,00"));
	assert_date(&s.zda.date, 1980, 1, 6);
	expect(cs("GPZDA,032349.00,27,11,2026"), NMEA_TOO_FEW_FIELDS);
}
END_TEST

/* -------------------------------------------------------------- GGA */

START_TEST(gga_fix)
{
	parse_ok(REF_GGA);
	ck_assert_int_eq(s.type, NMEA_TYPE_GGA);
	assert_tod(&s.gga.time, 3, 23, 49, 0);
	ck_assert_int_eq(s.gga.quality, 1);
	ck_assert_int_eq(s.gga.sats_used, 9);
	ck_assert(s.gga.has_hdop);
	ck_assert_double_eq_tol(s.gga.hdop, 0.92, 1e-12);
}
END_TEST

START_TEST(gga_no_fix_and_empty)
{
	parse_ok(cs("GPGGA,032349.00,,,,,0,00,99.99,,,,,,"));
	ck_assert_int_eq(s.gga.quality, 0);
	ck_assert_int_eq(s.gga.sats_used, 0);
	ck_assert_double_eq_tol(s.gga.hdop, 99.99, 1e-9);
	parse_ok(cs("GPGGA,,,,,,,,,,,,,,"));
	ck_assert(!s.gga.has_time);
	ck_assert_int_eq(s.gga.quality, -1);
	ck_assert_int_eq(s.gga.sats_used, -1);
	ck_assert(!s.gga.has_hdop);
	expect(cs("GPGGA,,,,,,,,,,,,,"), NMEA_TOO_FEW_FIELDS);
}
END_TEST

START_TEST(gga_qualities_and_bad_fields)
{
	char body[96];

	for (int q = 0; q <= 8; q++) {
		snprintf(body, sizeof(body),
		    "GPGGA,032349.00,,,,,%d,12,1.0,,,,,,", q);
		parse_ok(cs(body));
		ck_assert_int_eq(s.gga.quality, q);
	}
	expect_bad_field("GPGGA,032349.00,,,,,9,12,1.0,,,,,,", 6);
	expect_bad_field("GPGGA,032349.00,,,,,11,12,1.0,,,,,,", 6);
	expect_bad_field("GPGGA,032349.00,,,,,1,100,1.0,,,,,,", 7);
	expect_bad_field("GPGGA,032349.00,,,,,1,1a,1.0,,,,,,", 7);
	expect_bad_field("GPGGA,032349.00,,,,,1,12,1.2.3,,,,,,", 8);
	expect_bad_field("GPGGA,032349.00,,,,,1,12,-1.0,,,,,,", 8);
	expect_bad_field("GPGGA,032349.00,,,,,1,12,.,,,,,,", 8);
	expect_bad_field("GPGGA,032349.00,,,,,1,12,1e3,,,,,,", 8);
	parse_ok(cs("GPGGA,032349.00,,,,,1,12,.5,,,,,,"));
	ck_assert_double_eq_tol(s.gga.hdop, 0.5, 1e-12);
}
END_TEST

/* -------------------------------------------------------------- GSA */

START_TEST(gsa_nmea41)
{
	static const int prns[] = { 5, 13, 15, 18, 20, 29 };

	parse_ok(REF_GSA);
	ck_assert_int_eq(s.type, NMEA_TYPE_GSA);
	ck_assert_int_eq(s.system, NMEA_SYS_MULTI);
	ck_assert_int_eq(s.gsa.selection, 'A');
	ck_assert_int_eq(s.gsa.fix, 3);
	ck_assert_int_eq(s.gsa.prn_count, 6);
	ck_assert_mem_eq(s.gsa.prns, prns, sizeof(prns));
	ck_assert_double_eq_tol(s.gsa.pdop, 1.62, 1e-12);
	ck_assert_double_eq_tol(s.gsa.hdop, 0.92, 1e-12);
	ck_assert_double_eq_tol(s.gsa.vdop, 1.33, 1e-12);
	ck_assert_int_eq(s.gsa.system_id, 1);
	ck_assert_int_eq(s.gsa.system, NMEA_SYS_GPS);
}
END_TEST

START_TEST(gsa_older_layouts_and_empty)
{
	parse_ok(cs("GPGSA,A,3,05,13,15,18,20,29,,,,,,,1.62,0.92,1.33"));
	ck_assert_int_eq(s.gsa.prn_count, 6);
	ck_assert_int_eq(s.gsa.system_id, 0);
	ck_assert_int_eq(s.gsa.system, NMEA_SYS_NONE);
	parse_ok(cs("GPGSA,A,1,,,,,,,,,,,,,99.99,99.99,99.99"));
	ck_assert_int_eq(s.gsa.fix, 1);
	ck_assert_int_eq(s.gsa.prn_count, 0);
	parse_ok(cs("GPGSA,,,,,,,,,,,,,,,,,"));
	ck_assert_int_eq(s.gsa.selection, 0);
	ck_assert_int_eq(s.gsa.fix, 0);
	ck_assert(!s.gsa.has_pdop && !s.gsa.has_hdop && !s.gsa.has_vdop);
	parse_ok(cs("GNGSA,M,2,65,66,,,,,,,,,,,2.5,2.3,1.0,2"));
	ck_assert_int_eq(s.gsa.selection, 'M');
	ck_assert_int_eq(s.gsa.fix, 2);
	ck_assert_int_eq(s.gsa.system, NMEA_SYS_GLONASS);
	parse_ok(cs("GNGSA,A,3,,,,,,,,,,,,,1.0,1.0,1.0,7"));
	ck_assert_int_eq(s.gsa.system_id, 7);
	ck_assert_int_eq(s.gsa.system, NMEA_SYS_NONE);
}
END_TEST

START_TEST(gsa_bad_fields)
{
	expect_bad_field("GPGSA,X,3,05,,,,,,,,,,,,1.6,0.9,1.3", 1);
	expect_bad_field("GPGSA,A,4,05,,,,,,,,,,,,1.6,0.9,1.3", 2);
	expect_bad_field("GPGSA,A,0,05,,,,,,,,,,,,1.6,0.9,1.3", 2);
	expect_bad_field("GPGSA,A,3,05,1x,,,,,,,,,,,1.6,0.9,1.3", 4);
	expect_bad_field("GPGSA,A,3,05,00,,,,,,,,,,,1.6,0.9,1.3", 4);
	expect_bad_field("GPGSA,A,3,05,,,,,,,,,,,1000,1.6,0.9,1.3", 14);
	expect_bad_field("GPGSA,A,3,05,,,,,,,,,,,,1.6,x,1.3", 16);
	expect_bad_field("GNGSA,A,3,05,,,,,,,,,,,,1.6,0.9,1.3,G", 18);
	expect_bad_field("GNGSA,A,3,05,,,,,,,,,,,,1.6,0.9,1.3,0", 18);
	expect_bad_field("GNGSA,A,3,05,,,,,,,,,,,,1.6,0.9,1.3,1,", 19);
	expect(cs("GPGSA,A,3,05,,,,,,,,,,,,1.6,0.9"), NMEA_TOO_FEW_FIELDS);
}
END_TEST

/* -------------------------------------------------------------- GNS */

START_TEST(gns_full)
{
	parse_ok(REF_GNS);
	ck_assert_int_eq(s.type, NMEA_TYPE_GNS);
	assert_tod(&s.gns.time, 3, 23, 49, 0);
	ck_assert_str_eq(s.gns.modes, "AA");
	ck_assert_int_eq(s.gns.sats_used, 14);
	ck_assert_double_eq_tol(s.gns.hdop, 0.71, 1e-12);
	ck_assert_int_eq(s.gns.nav_status, 'V');
}
END_TEST

START_TEST(gns_layouts_and_bad_fields)
{
	parse_ok(cs("GNGNS,032349.00,,,,,NN,00,,,,,,V"));
	ck_assert_str_eq(s.gns.modes, "NN");
	ck_assert_int_eq(s.gns.sats_used, 0);
	parse_ok(cs("GPGNS,032349.00,,,,,ANDRFPEM,12,1.0,,,,"));
	ck_assert_str_eq(s.gns.modes, "ANDRFPEM");
	ck_assert_int_eq(s.gns.nav_status, 0);
	parse_ok(cs("GNGNS,,,,,,,,,,,,"));
	ck_assert(!s.gns.has_time);
	ck_assert_str_eq(s.gns.modes, "");
	ck_assert_int_eq(s.gns.sats_used, -1);
	expect_bad_field("GNGNS,032349.00,,,,,AX,14,0.7,,,,,V", 6);
	expect_bad_field("GNGNS,032349.00,,,,,AAAAAAAAA,14,0.7,,,,,V", 6);
	expect_bad_field("GNGNS,032349.00,,,,,AA,1a,0.7,,,,,V", 7);
	expect_bad_field("GNGNS,032349.00,,,,,AA,14,0.7,,,,,Q", 13);
	expect(cs("GNGNS,032349.00,,,,,AA,14,0.7,,,"), NMEA_TOO_FEW_FIELDS);
}
END_TEST

/* -------------------------------------------------------------- GSV */

START_TEST(gsv_full)
{
	parse_ok(REF_GSV);
	ck_assert_int_eq(s.type, NMEA_TYPE_GSV);
	ck_assert_int_eq(s.gsv.total, 3);
	ck_assert_int_eq(s.gsv.number, 1);
	ck_assert_int_eq(s.gsv.sats_in_view, 11);
	ck_assert_int_eq(s.gsv.sats_in_msg, 4);
	ck_assert_int_eq(s.gsv.signal_id, 1);
}
END_TEST

START_TEST(gsv_short_and_padded)
{
	parse_ok(cs("GPGSV,3,3,11,29,55,204,46,30,12,147,"));
	ck_assert_int_eq(s.gsv.sats_in_msg, 2);
	ck_assert_int_eq(s.gsv.signal_id, -1);
	parse_ok(cs("GLGSV,1,1,02,65,38,296,41,66,22,048,35,,,,,,,,"));
	ck_assert_int_eq(s.gsv.sats_in_msg, 2);
	ck_assert_int_eq(s.system, NMEA_SYS_GLONASS);
	parse_ok(cs("GPGSV,1,1,00"));
	ck_assert_int_eq(s.gsv.sats_in_view, 0);
	ck_assert_int_eq(s.gsv.sats_in_msg, 0);
	parse_ok(cs("GAGSV,1,1,00,7"));
	ck_assert_int_eq(s.gsv.signal_id, 7);
	parse_ok(cs("GPGSV,1,1,,"));
	ck_assert_int_eq(s.gsv.sats_in_view, -1);
	ck_assert_int_eq(s.gsv.signal_id, -1);
}
END_TEST

START_TEST(gsv_bad_fields)
{
	expect_bad_field("GPGSV,0,1,11", 1);
	expect_bad_field("GPGSV,,1,11", 1);
	expect_bad_field("GPGSV,10,1,11", 1);
	expect_bad_field("GPGSV,3,4,11", 2);
	expect_bad_field("GPGSV,3,0,11", 2);
	expect_bad_field("GPGSV,3,1,100", 3);
	expect_bad_field("GPGSV,3,1,11,05,38", 5);
	expect_bad_field("GPGSV,3,1,11,05,38,296", 6);
	expect_bad_field("GPGSV,3,1,11,x5,38,296,41", 4);
	expect_bad_field("GPGSV,3,1,11,05,38,296,41,G", 8);
	expect_bad_field("GPGSV,3,1,11,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,"
	    "16,17,18,19,20", 21);
	expect(cs("GPGSV,3,1"), NMEA_TOO_FEW_FIELDS);
}
END_TEST

/* ------------------------------------------------------------- time */

START_TEST(to_unix_fixed_points)
{
	static const struct {
		struct nmea_date d;
		struct nmea_tod t;
		int64_t		unix_s;
	} c[] = {
		{ { 1980, 1, 6 }, { 0, 0, 0, 0, 0 }, 315964800LL },
		{ { 2026, 11, 27 }, { 3, 23, 49, 0, 0 }, T_2026_11_27_032349 },
		{ { 2000, 2, 29 }, { 12, 0, 0, 0, 0 }, 951825600LL },
		{ { 2100, 3, 1 }, { 0, 0, 0, 0, 0 }, 4107542400LL },
		{ { 9999, 12, 31 }, { 23, 59, 59, 999999999, 9 },
		    253402300799LL },
		/* The leap second counts as the next midnight. */
		{ { 2016, 12, 31 }, { 23, 59, 60, 0, 0 }, T_2017 },
		{ { 2017, 1, 1 }, { 0, 0, 0, 0, 0 }, T_2017 },
	};
	int64_t u;

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		u = -1;
		ck_assert_int_eq(nmea_to_unix(&c[i].d, &c[i].t, &u), 0);
		ck_assert_int_eq(u, c[i].unix_s);
	}
}
END_TEST

START_TEST(to_unix_rejects_ranges)
{
	static const struct nmea_date bad_d[] = {
		{ 2026, 2, 30 }, { 2025, 2, 29 }, { 2100, 2, 29 },
		{ 1979, 12, 31 }, { 10000, 1, 1 }, { 2026, 0, 1 },
		{ 2026, 13, 1 }, { 2026, 4, 31 }, { 2026, 1, 0 },
	};
	static const struct nmea_tod bad_t[] = {
		{ 24, 0, 0, 0, 0 }, { 23, 60, 0, 0, 0 }, { 12, 0, 60, 0, 0 },
		{ 23, 59, 61, 0, 0 }, { -1, 0, 0, 0, 0 },
		{ 0, 0, 0, 1000000000, 9 }, { 0, 0, 0, -1, 0 },
	};
	struct nmea_date d = { 2026, 11, 27 };
	struct nmea_tod t = { 3, 23, 49, 0, 0 };
	int64_t u = 42;

	for (size_t i = 0; i < sizeof(bad_d) / sizeof(bad_d[0]); i++) {
		ck_assert(!nmea_date_valid(&bad_d[i]));
		ck_assert_int_eq(nmea_to_unix(&bad_d[i], &t, &u), -1);
	}
	for (size_t i = 0; i < sizeof(bad_t) / sizeof(bad_t[0]); i++) {
		ck_assert(!nmea_tod_valid(&bad_t[i]));
		ck_assert_int_eq(nmea_to_unix(&d, &bad_t[i], &u), -1);
	}
	ck_assert_int_eq(u, 42);
}
END_TEST

START_TEST(to_unix_matches_timegm_every_day)
{
	struct nmea_tod t = { 13, 14, 15, 0, 0 };
	struct nmea_date d;
	struct tm tm;
	int64_t u;
	int days = 0;

	for (d.year = 1980; d.year <= 2200; d.year++)
		for (d.month = 1; d.month <= 12; d.month++)
			for (d.day = 1; d.day <= 31; d.day++) {
				memset(&tm, 0, sizeof(tm));
				tm.tm_year = d.year - 1900;
				tm.tm_mon = d.month - 1;
				tm.tm_mday = d.day;
				tm.tm_hour = 13;
				tm.tm_min = 14;
				tm.tm_sec = 15;
				if (nmea_to_unix(&d, &t, &u) != 0) {
					/* timegm normalises: the 1st of next */
					timegm(&tm);
					ck_assert_int_ne(tm.tm_mday, d.day);
					continue;
				}
				ck_assert_int_eq(u, (int64_t)timegm(&tm));
				days++;
			}
	ck_assert_int_eq(days, 80719);		/* 1980-01-01..2200-12-31 */
}
END_TEST

/* --------------------------------------------------- epoch assembler */

static void
feed(const char *body, int want)
{
	struct nmea_epoch e;

	parse_ok(cs(body));
	ck_assert_int_eq(nmea_asm_feed(a, &s, &e), want);
}

static struct nmea_epoch
flush_one(void)
{
	struct nmea_epoch e;

	memset(&e, 0x5a, sizeof(e));
	ck_assert_int_eq(nmea_asm_flush(a, &e), 1);
	return e;
}

/* One u-blox-like burst for 2026-11-27 03:23:ss, fix and 9 satellites. */
static void
burst(int sec)
{
	char b[128];

	snprintf(b, sizeof(b), "GPRMC,0323%02d.00,A,5231.01234,N,"
	    "01324.56789,E,0.012,,271126,,,A,V", sec);
	feed(b, 0);
	snprintf(b, sizeof(b), "GPGGA,0323%02d.00,5231.01234,N,01324.56789,"
	    "E,1,09,0.92,41.3,M,44.6,M,,", sec);
	feed(b, 0);
	feed("GPGSA,A,3,05,13,15,18,20,29,07,09,30,,,,1.62,0.92,1.33", 0);
	feed("GPGSV,3,1,11,05,38,296,41,13,22,048,35,15,71,112,44,18,09,"
	    "322,28", 0);
	snprintf(b, sizeof(b), "GPZDA,0323%02d.00,27,11,2026,00,00", sec);
	feed(b, 0);
}

START_TEST(epoch_steady_seconds)
{
	struct nmea_epoch e;

	for (int sec = 49; sec < 53; sec++) {
		burst(sec);
		e = flush_one();
		ck_assert(e.valid);
		ck_assert(e.has_date);
		ck_assert_int_eq(e.utc_s, T_2026_11_27_032349 + sec - 49);
		assert_tod(&e.time, 3, 23, sec, 0);
		ck_assert_int_eq(e.system, NMEA_SYS_GPS);
		ck_assert_int_eq(e.sats_used, 9);
		ck_assert_int_eq(e.gga_quality, 1);
		ck_assert_int_eq(e.gsa_fix, 3);
		ck_assert_int_eq(e.rmc_status, 'A');
		ck_assert_int_eq(e.sentences, 5);
		ck_assert(!e.jump);
		ck_assert(!e.leap_second);
		ck_assert(e.has_prev == (sec > 49));
		ck_assert_int_eq(e.step_ns, sec > 49 ? NS_PER_S : 0);
	}
	ck_assert_int_eq(nmea_asm_flush(a, &e), 0);
}
END_TEST

START_TEST(epoch_without_flush_closes_on_next_second)
{
	struct nmea_epoch e;

	burst(49);
	parse_ok(cs("GPRMC,032350.00,A,,,,,,,271126,,,A"));
	ck_assert_int_eq(nmea_asm_feed(a, &s, &e), 1);
	ck_assert_int_eq(e.utc_s, T_2026_11_27_032349);
	ck_assert(e.valid);
	e = flush_one();
	ck_assert_int_eq(e.utc_s, T_2026_11_27_032349 + 1);
	ck_assert_int_eq(e.sentences, 1);
	ck_assert(!e.jump);
}
END_TEST

/* Each makes a good burst's epoch invalid. (A GSA with fix 1 does not:
 * the best GSA counts.) */
static const char *const spoilers[] = {
	"GPRMC,032349.00,V,,,,,,,271126,,,N,V",
	"GPRMC,032349.00,A,,,,,,,271126,,,E",
	"GPRMC,032349.00,A,,,,,,,271126,,,S",
	"GPRMC,032349.00,,,,,,,,271126,,",
	"GPGGA,032349.00,,,,,0,00,99.99,,,,,,",
	"GPGGA,032349.00,,,,,6,09,1.0,,,,,,",
	"GPGGA,032349.00,,,,,8,09,1.0,,,,,,",
	"GPGGA,032349.00,,,,,,09,1.0,,,,,,",
	"GNGNS,032349.00,,,,,NN,00,,,,,,V",
	"GPZDA,032349.00,28,11,2026,00,00",
};

START_TEST(epoch_invalid_reports)
{
	struct nmea_epoch e;

	/* A good epoch turned bad by one more sentence of the same second. */
	burst(49);
	parse_ok(cs(spoilers[_i]));
	ck_assert_int_eq(nmea_asm_feed(a, &s, &e), 0);
	e = flush_one();
	ck_assert_msg(!e.valid, "%s left the epoch valid", spoilers[_i]);
	ck_assert_int_eq(e.utc_s, T_2026_11_27_032349);
}
END_TEST

START_TEST(epoch_spoilers_win_in_either_order)
{
	struct nmea_epoch e;

	feed("GPRMC,032349.00,V,,,,,,,271126,,,N", 0);
	feed("GPRMC,032349.00,A,,,,,,,271126,,,A", 0);
	feed("GPGGA,032349.00,,,,,0,00,,,,,,,", 0);
	feed("GPGGA,032349.00,,,,,1,09,,,,,,,", 0);
	e = flush_one();
	ck_assert(!e.valid);
	ck_assert_int_eq(e.rmc_status, 'V');
	ck_assert_int_eq(e.gga_quality, 0);
}
END_TEST

START_TEST(epoch_good_variants)
{
	struct nmea_epoch e;

	/* RMC alone, NMEA 2.0 (no mode). */
	parse_ok(REF_RMC20);
	ck_assert_int_eq(nmea_asm_feed(a, &s, &e), 0);
	e = flush_one();
	ck_assert(e.valid);
	ck_assert_int_eq(e.sats_used, -1);
	/* ZDA for the date, GNS for the fix (GPS autonomous, GLONASS none). */
	feed("GNZDA,032350.00,27,11,2026,00,00", 0);
	feed("GNGNS,032350.00,,,,,AN,07,1.1,,,,,V", 0);
	e = flush_one();
	ck_assert(e.valid);
	ck_assert_int_eq(e.system, NMEA_SYS_MULTI);
	ck_assert_int_eq(e.sats_used, 7);
	ck_assert(!e.jump);
	/* RTK and DGPS qualities count as a fix. */
	feed("GPRMC,032351.00,A,,,,,,,271126,,,R", 0);
	feed("GPGGA,032351.00,,,,,4,12,0.5,,,,,,", 0);
	e = flush_one();
	ck_assert(e.valid);
}
END_TEST

START_TEST(epoch_needs_date_and_fix_report)
{
	struct nmea_epoch e;

	feed("GPGGA,032349.00,,,,,1,09,1.0,,,,,,", 0);
	e = flush_one();
	ck_assert(!e.has_date);
	ck_assert(!e.valid);
	ck_assert_int_eq(e.utc_s, 0);
	feed("GPZDA,032350.00,27,11,2026,00,00", 0);
	e = flush_one();
	ck_assert(e.has_date);
	ck_assert(!e.valid);		/* ZDA says nothing about a fix */
	ck_assert_int_eq(e.utc_s, T_2026_11_27_032349 + 1);
	/* An RMC without its time gives no date. */
	feed("GPGGA,032351.00,,,,,1,09,1.0,,,,,,", 0);
	feed("GPRMC,,A,,,,,,,271126,,,A", 0);
	e = flush_one();
	ck_assert(!e.has_date);
	ck_assert(!e.valid);
}
END_TEST

START_TEST(epoch_min_satellites)
{
	struct nmea_epoch e;

	nmea_asm_destroy(a);
	a = nmea_asm_create(10);
	ck_assert_ptr_nonnull(a);
	burst(49);
	e = flush_one();
	ck_assert_int_eq(e.sats_used, 9);
	ck_assert(!e.valid);
	/* Per-system GSAs add up; GGA capped at 12 is overruled. */
	feed("GNRMC,032350.00,A,,,,,,,271126,,,A", 0);
	feed("GNGGA,032350.00,,,,,1,08,1.0,,,,,,", 0);
	feed("GNGSA,A,3,05,13,15,18,20,29,,,,,,,1.6,0.9,1.3,1", 0);
	feed("GNGSA,A,3,65,66,67,68,69,,,,,,,,1.6,0.9,1.3,2", 0);
	feed("GNGSA,A,1,,,,,,,,,,,,,1.6,0.9,1.3,3", 0);
	e = flush_one();
	ck_assert_int_eq(e.sats_used, 11);
	ck_assert_int_eq(e.gsa_fix, 3);
	ck_assert(e.valid);
	/* The same system twice is not counted twice. */
	feed("GNRMC,032351.00,A,,,,,,,271126,,,A", 0);
	feed("GNGSA,A,3,05,13,15,18,20,29,,,,,,,1.6,0.9,1.3,1", 0);
	feed("GNGSA,A,3,05,13,15,18,20,29,,,,,,,1.6,0.9,1.3,1", 0);
	e = flush_one();
	ck_assert_int_eq(e.sats_used, 6);
	ck_assert(!e.valid);
}
END_TEST

START_TEST(epoch_jumps)
{
	struct nmea_epoch e;

	burst(49);
	e = flush_one();
	burst(50);
	e = flush_one();
	ck_assert(!e.jump);
	burst(52);		/* a second skipped */
	e = flush_one();
	ck_assert(e.jump);
	ck_assert_int_eq(e.step_ns, 2 * NS_PER_S);
	burst(52);		/* the same label again */
	e = flush_one();
	ck_assert(e.jump);
	ck_assert_int_eq(e.step_ns, 0);
	burst(51);		/* backwards */
	e = flush_one();
	ck_assert(e.jump);
	ck_assert_int_eq(e.step_ns, -NS_PER_S);
	burst(52);
	e = flush_one();
	ck_assert(!e.jump);
	ck_assert(e.valid);	/* a jump is flagged, not judged here */
	/* A wrong date is a jump of a day. */
	feed("GPRMC,032353.00,A,,,,,,,281126,,,A", 0);
	e = flush_one();
	ck_assert(e.jump);
	ck_assert_int_eq(e.step_ns, (86400LL + 1) * NS_PER_S);
}
END_TEST

START_TEST(epoch_leap_second)
{
	static const char *const seq[] = {
		"GPRMC,235959.00,A,,,,,,,311216,,,A",
		"GPRMC,235960.00,A,,,,,,,311216,,,A",
		"GPRMC,000000.00,A,,,,,,,010117,,,A",
		"GPRMC,000001.00,A,,,,,,,010117,,,A",
	};
	static const int64_t utc[] = { T_2017 - 1, T_2017, T_2017, T_2017 + 1 };
	struct nmea_epoch e;

	for (int i = 0; i < 4; i++) {
		feed(seq[i], 0);
		e = flush_one();
		ck_assert_int_eq(e.utc_s, utc[i]);
		ck_assert(e.leap_second == (i == 1));
		ck_assert_msg(!e.jump, "jump at %d", i);
		ck_assert(e.valid);
	}
}
END_TEST

START_TEST(epoch_midnight_without_dates)
{
	static const char *const seq[] = {
		"GPGGA,235959.00,,,,,1,09,1.0,,,,,,",
		"GPGGA,000000.00,,,,,1,09,1.0,,,,,,",
		"GPGGA,000002.00,,,,,1,09,1.0,,,,,,",
	};
	struct nmea_epoch e;

	feed(seq[0], 0);
	e = flush_one();
	feed(seq[1], 0);
	e = flush_one();
	ck_assert(!e.jump);
	ck_assert_int_eq(e.step_ns, NS_PER_S);
	feed(seq[2], 0);
	e = flush_one();
	ck_assert(e.jump);
	ck_assert_int_eq(e.step_ns, 2 * NS_PER_S);
	ck_assert(!e.valid);
}
END_TEST

START_TEST(epoch_untimed_sentences)
{
	struct nmea_epoch e;

	/* A GSA before the RMC of its burst joins that burst's epoch. */
	feed("GPGSA,A,1,,,,,,,,,,,,,99.99,99.99,99.99", 0);
	feed("GPRMC,032349.00,A,,,,,,,271126,,,A", 0);
	e = flush_one();
	ck_assert_int_eq(e.gsa_fix, 1);
	ck_assert(!e.valid);
	/* Untimed leftovers are dropped by a flush that closes nothing. */
	feed("GPGSA,A,1,,,,,,,,,,,,,99.99,99.99,99.99", 0);
	ck_assert_int_eq(nmea_asm_flush(a, &e), 0);
	feed("GPRMC,032350.00,A,,,,,,,271126,,,A", 0);
	e = flush_one();
	ck_assert_int_eq(e.gsa_fix, 0);
	ck_assert_int_eq(e.sentences, 1);
	ck_assert(e.valid);
	/* A sentence that failed to parse is ignored. */
	ck_assert_int_eq(parse("$GPRMC,032351.00,A,,,,,,,271126,,,A*00"),
	    NMEA_BAD_CHECKSUM);
	ck_assert_int_eq(nmea_asm_feed(a, &s, &e), 0);
	ck_assert_int_eq(nmea_asm_flush(a, &e), 0);
}
END_TEST

START_TEST(epoch_fractional_labels)
{
	struct nmea_epoch e;

	feed("GPRMC,032349.50,A,,,,,,,271126,,,A", 0);
	e = flush_one();
	feed("GPRMC,032350.50,A,,,,,,,271126,,,A", 0);
	e = flush_one();
	ck_assert_int_eq(e.time.nsec, 500000000);
	ck_assert(!e.jump);
	/* 5 Hz output: every label is a jump. */
	feed("GPRMC,032350.70,A,,,,,,,271126,,,A", 0);
	e = flush_one();
	ck_assert(e.jump);
	ck_assert_int_eq(e.step_ns, 200000000);
}
END_TEST

/* ------------------------------------------------------------ suite */

static Suite *
nmea_suite(void)
{
	Suite *st = suite_create("nmea");
	TCase *tc;

	tc = tcase_create("framing");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reference_checksums);
	tcase_add_test(tc, lowercase_checksum_accepted);
	tcase_add_test(tc, bad_checksum);
	tcase_add_test(tc, missing_checksum_is_an_error);
	tcase_add_test(tc, line_endings);
	tcase_add_test(tc, framing);
	tcase_add_test(tc, length_limits);
	tcase_add_test(tc, oversize_standard_sentence_accepted);
	tcase_add_test(tc, non_ascii_bytes);
	tcase_add_test(tc, embedded_nul);
	tcase_add_test(tc, addresses);
	tcase_add_test(tc, too_many_fields);
	tcase_add_test(tc, result_names);
	suite_add_tcase(st, tc);

	tc = tcase_create("talkers");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, each_talker, 0,
	    sizeof(talker_cases) / sizeof(talker_cases[0]));
	tcase_add_test(tc, system_names_and_ids);
	suite_add_tcase(st, tc);

	tc = tcase_create("sentences");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rmc_nmea41);
	tcase_add_test(tc, rmc_nmea20_has_no_mode);
	tcase_add_test(tc, rmc_status_v);
	tcase_add_test(tc, rmc_empty_fields);
	tcase_add_test(tc, rmc_fractions);
	tcase_add_test(tc, rmc_times);
	tcase_add_test(tc, rmc_invalid_dates);
	tcase_add_test(tc, rmc_bad_status_and_mode);
	tcase_add_test(tc, rmc_too_few_fields);
	tcase_add_test(tc, zda_full);
	tcase_add_test(tc, zda_zones);
	tcase_add_test(tc, zda_empty);
	tcase_add_test(tc, zda_dates);
	tcase_add_test(tc, gga_fix);
	tcase_add_test(tc, gga_no_fix_and_empty);
	tcase_add_test(tc, gga_qualities_and_bad_fields);
	tcase_add_test(tc, gsa_nmea41);
	tcase_add_test(tc, gsa_older_layouts_and_empty);
	tcase_add_test(tc, gsa_bad_fields);
	tcase_add_test(tc, gns_full);
	tcase_add_test(tc, gns_layouts_and_bad_fields);
	tcase_add_test(tc, gsv_full);
	tcase_add_test(tc, gsv_short_and_padded);
	tcase_add_test(tc, gsv_bad_fields);
	suite_add_tcase(st, tc);

	tc = tcase_create("time");
	tcase_add_test(tc, to_unix_fixed_points);
	tcase_add_test(tc, to_unix_rejects_ranges);
	tcase_add_test(tc, to_unix_matches_timegm_every_day);
	suite_add_tcase(st, tc);

	tc = tcase_create("epoch");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, epoch_steady_seconds);
	tcase_add_test(tc, epoch_without_flush_closes_on_next_second);
	tcase_add_loop_test(tc, epoch_invalid_reports, 0,
	    sizeof(spoilers) / sizeof(spoilers[0]));
	tcase_add_test(tc, epoch_spoilers_win_in_either_order);
	tcase_add_test(tc, epoch_good_variants);
	tcase_add_test(tc, epoch_needs_date_and_fix_report);
	tcase_add_test(tc, epoch_min_satellites);
	tcase_add_test(tc, epoch_jumps);
	tcase_add_test(tc, epoch_leap_second);
	tcase_add_test(tc, epoch_midnight_without_dates);
	tcase_add_test(tc, epoch_untimed_sentences);
	tcase_add_test(tc, epoch_fractional_labels);
	suite_add_tcase(st, tc);
	return st;
}

int
main(void)
{
	return check_run(nmea_suite());
}

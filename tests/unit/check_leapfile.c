/*
 * check_leapfile.c - the leap-seconds.list codec: the real tzdata file,
 * fixtures with a future leap and with a tampered entry, every error
 * class with its line, the queries, and leapfile_load()'s limits.
 *
 * Fixtures (tests/unit/data/):
 *
 *   leap-seconds-badhash.list  /usr/share/zoneinfo/leap-seconds.list
 *	(tzdata 2025b) with the 2017 entry moved one day later:
 *	  sed 's/^3692217600 /3692304000 /' leap-seconds.list
 *
 *   leap-seconds-future.list  the real 1972-2017 entries plus an invented
 *	+1 at 2027-01-01 (4007750400 38) and -1 at 2028-07-01
 *	(4055011200 37); #$ 3999542400 (2026-09-28, picked so that a hash
 *	word has leading zeros), #@ 4086288000 (2029-06-28). Its #h is
 *	  f=leap-seconds-future.list
 *	  ( grep '^#\$' $f | awk '{printf "%s", $2}'
 *	    grep '^#@' $f | awk '{printf "%s", $2}'
 *	    grep -v '^#' $f | awk 'NF {printf "%s%s", $1, $2}' ) | sha1sum
 *	  -> 00707d4014d70970515e4963aaaa9b3a8c805f13
 *	written as "707d40 14d70970 515e4963 aaaa9b3a 8c805f13". The same
 *	pipeline on the real file gives its own #h, 49db2447...39b8e49e.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leapfile.h"

#define SYSTEM_FILE	"/usr/share/zoneinfo/leap-seconds.list"
/*
 * A frozen copy of Debian 12's tzdata 2025b file: the exact figures below
 * (28 entries, hash, expiry 2026-06-28) hold for it whatever tzdata
 * version the machine has.
 */
#define TZDATA_2025B	"leap-seconds-2025b.list"
#define DAY		86400

/* Fixed instants (Unix seconds, UTC). */
#define T_1972		63072000LL	/* 1972-01-01 */
#define T_2016_06_01	1464739200LL
#define T_2017		1483228800LL	/* 2017-01-01, TAI-UTC 36 -> 37 */
#define T_2025_11_27	1764201600LL	/* "now" for the system file */
#define T_EXPIRY_2026	1782604800LL	/* 2026-06-28, tzdata 2025b #@ */
#define T_2026_11_27	1795737600LL
#define T_LEAP_2027	1798761600LL	/* fixture: +1 at the end of 2026 */
#define T_LEAP_2028	1846022400LL	/* fixture: -1 at end of 2028-06-30 */
#define T_EXPIRY_2029	1877299200LL	/* fixture #@ 2029-06-28 */

static struct leap_table tab;
static char err[256];

/* ------------------------------------------------------------ helpers */

static const char *
fixture(const char *name)
{
	static char path[4096];
	static const char *const dirs[] = {
		"tests/unit/data", "../tests/unit/data",
		"../../tests/unit/data", "data",
	};
	const char *top = getenv("TOP_SRCDIR");

	if (top != NULL && *top != '\0') {
		snprintf(path, sizeof(path), "%s/tests/unit/data/%s", top,
		    name);
		return path;
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		if (access(path, R_OK) == 0)
			return path;
	}
	return name;
}

/* Whole file into a malloc'd buffer with room for `extra` more bytes. */
static char *
slurp(const char *path, size_t *len, size_t extra)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(LEAPFILE_MAX_SIZE + extra);

	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_ptr_nonnull(buf);
	*len = fread(buf, 1, LEAPFILE_MAX_SIZE, f);
	fclose(f);
	ck_assert_uint_gt(*len, 0);
	return buf;
}

/* Replace the first `from` in buf[0..*len) by `to`. */
static void
replace(char *buf, size_t *len, const char *from, const char *to)
{
	char *at = memmem(buf, *len, from, strlen(from));
	size_t tail;

	ck_assert_msg(at != NULL, "\"%s\" not in buffer", from);
	tail = *len - (size_t)(at - buf) - strlen(from);
	memmove(at + strlen(to), at + strlen(from), tail);
	memcpy(at, to, strlen(to));
	*len = *len - strlen(from) + strlen(to);
}

static int
system_file_present(void)
{
	if (access(SYSTEM_FILE, R_OK) == 0)
		return 1;
	fprintf(stderr, "SKIP: %s absent (install tzdata)\n", SYSTEM_FILE);
	return 0;
}

static void
load_ok(const char *path)
{
	int rc = leapfile_load(path, &tab, err, sizeof(err));

	ck_assert_msg(rc == 0, "%s (%s)", err, leapfile_error_name(rc));
	ck_assert(tab.hash_ok);
	ck_assert_str_eq(err, "");
}

static void
parse_ok(const char *buf, size_t len)
{
	int rc = leapfile_parse(buf, len, &tab, err, sizeof(err));

	ck_assert_msg(rc == 0, "%s (%s)", err, leapfile_error_name(rc));
	ck_assert(tab.hash_ok);
}

/* The message is "line N: ..." and printable. */
static void
assert_err_line(int line)
{
	char prefix[32];

	snprintf(prefix, sizeof(prefix), "line %d: ", line);
	ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0,
	    "expected \"%s...\", got \"%s\"", prefix, err);
	ck_assert_uint_gt(strlen(err), strlen(prefix));
	for (const char *c = err; *c != '\0'; c++)
		ck_assert_msg(*c >= 0x20 && *c < 0x7f, "unprintable in \"%s\"",
		    err);
}

static void
setup(void)
{
	memset(&tab, 0x5a, sizeof(tab));
	memset(err, 'x', sizeof(err));
}

/* -------------------------------------------------------- system file */

START_TEST(system_file_loads)
{
	/* Whatever tzdata version is installed: it verifies and has 2017. */
	if (!system_file_present())
		return;
	load_ok(SYSTEM_FILE);
	ck_assert_int_ge(tab.n, 28);
	ck_assert_int_eq(leapfile_tai_offset(&tab, T_2025_11_27), 37);
	ck_assert_int_ge(tab.expires_unix_s, T_EXPIRY_2026);
}
END_TEST

START_TEST(system_file_verifies)
{
	static const uint32_t h[5] = {
		0x49db2447, 0x571e5e1b, 0x2f002a53, 0x9c8da8e4, 0x39b8e49e,
	};

	load_ok(fixture(TZDATA_2025B));
	ck_assert_int_eq(tab.n, 28);
	ck_assert_int_eq(tab.e[0].utc_unix_s, T_1972);
	ck_assert_int_eq(tab.e[0].dtai, 10);
	ck_assert_int_eq(tab.e[27].utc_unix_s, T_2017);
	ck_assert_int_eq(tab.e[27].dtai, 37);
	ck_assert_int_eq(tab.updated_unix_s, 3960835200LL - 2208988800LL);
	ck_assert_int_eq(tab.expires_unix_s, T_EXPIRY_2026);
	ck_assert_mem_eq(tab.sha1, h, sizeof(h));
}
END_TEST

START_TEST(system_tai_offsets)
{
	load_ok(fixture(TZDATA_2025B));
	ck_assert_int_eq(leapfile_tai_offset(&tab, T_2025_11_27), 37);
	ck_assert_int_eq(leapfile_tai_offset(&tab, T_1972), 10);
	ck_assert_int_eq(leapfile_tai_offset(&tab, T_1972 - 1), 0);
	ck_assert_int_eq(leapfile_tai_offset(&tab, T_2017 - 1), 36);
	ck_assert_int_eq(leapfile_tai_offset(&tab, T_2017), 37);
	/* 2012-06-30 23:59:59 and 2012-07-01 00:00:00 */
	ck_assert_int_eq(leapfile_tai_offset(&tab, 1341100799), 34);
	ck_assert_int_eq(leapfile_tai_offset(&tab, 1341100800), 35);
}
END_TEST

START_TEST(system_validity)
{
	load_ok(fixture(TZDATA_2025B));
	ck_assert_int_eq(leapfile_validity(&tab, T_2026_11_27),
	    LEAPFILE_EXPIRED);
	ck_assert_int_eq(leapfile_validity(&tab, T_EXPIRY_2026),
	    LEAPFILE_EXPIRED);
	ck_assert_int_eq(leapfile_validity(&tab, T_EXPIRY_2026 - 1),
	    LEAPFILE_EXPIRING);
	ck_assert_int_eq(leapfile_validity(&tab, T_EXPIRY_2026 - 10 * DAY),
	    LEAPFILE_EXPIRING);
	ck_assert_int_eq(leapfile_validity(&tab, T_EXPIRY_2026 - 30 * DAY),
	    LEAPFILE_EXPIRING);
	ck_assert_int_eq(leapfile_validity(&tab, T_EXPIRY_2026 - 30 * DAY - 1),
	    LEAPFILE_VALID);
	ck_assert_int_eq(leapfile_validity(&tab, T_2025_11_27), LEAPFILE_VALID);
}
END_TEST

START_TEST(system_next_leap)
{
	int64_t when;
	int delta;

	load_ok(fixture(TZDATA_2025B));
	ck_assert_int_eq(leapfile_next(&tab, T_2016_06_01, &when, &delta), 1);
	ck_assert_int_eq(when, T_2017);
	ck_assert_int_eq(delta, 1);
	ck_assert_int_eq(leapfile_next(&tab, T_2017 - 1, &when, &delta), 1);
	ck_assert_int_eq(when, T_2017);
	/* The table announces nothing after 2017. */
	ck_assert_int_eq(leapfile_next(&tab, T_2017, &when, &delta), 0);
	ck_assert_int_eq(when, 0);
	ck_assert_int_eq(delta, 0);
	/* The 1972 origin is not a leap second. */
	ck_assert_int_eq(leapfile_next(&tab, 0, &when, &delta), 1);
	ck_assert_int_eq(when, T_1972 + 182 * DAY);	/* 1972-07-01 */
}
END_TEST

/* ----------------------------------------------------------- fixtures */

START_TEST(future_fixture_verifies_with_short_hash_word)
{
	load_ok(fixture("leap-seconds-future.list"));
	ck_assert_uint_eq(tab.sha1[0], 0x00707d40);
	ck_assert_uint_eq(tab.sha1[4], 0x8c805f13);
	ck_assert_int_eq(tab.n, 30);
	ck_assert_int_eq(tab.expires_unix_s, T_EXPIRY_2029);
	ck_assert_int_eq(leapfile_validity(&tab, T_2026_11_27), LEAPFILE_VALID);
}
END_TEST

START_TEST(future_fixture_next_leaps)
{
	int64_t when;
	int delta;

	load_ok(fixture("leap-seconds-future.list"));
	ck_assert_int_eq(leapfile_next(&tab, T_2026_11_27, &when, &delta), 1);
	ck_assert_int_eq(when, T_LEAP_2027);
	ck_assert_int_eq(delta, +1);
	/* The leap day is 2026-12-31, the day before `when`. */
	ck_assert_int_eq((when - DAY) / DAY, 20818);
	ck_assert_int_eq(leapfile_next(&tab, T_LEAP_2027, &when, &delta), 1);
	ck_assert_int_eq(when, T_LEAP_2028);
	ck_assert_int_eq(delta, -1);
	ck_assert_int_eq(leapfile_next(&tab, T_LEAP_2028, &when, &delta), 0);
	ck_assert_int_eq(leapfile_tai_offset(&tab, T_LEAP_2027 - 1), 37);
	ck_assert_int_eq(leapfile_tai_offset(&tab, T_LEAP_2027), 38);
	ck_assert_int_eq(leapfile_tai_offset(&tab, T_LEAP_2028 - 1), 38);
	ck_assert_int_eq(leapfile_tai_offset(&tab, T_LEAP_2028), 37);
}
END_TEST

/* Hash words compare as numbers: any zero padding, either case. */
START_TEST(hash_words_compare_numerically)
{
	static const char *const same[] = {
		"00707d40 ", "0707d40 ", "707D40 ", "00707D40 ",
	};
	size_t len0, len;
	char *orig = slurp(fixture("leap-seconds-future.list"), &len0, 64);
	char *buf = malloc(len0 + 64);

	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		memcpy(buf, orig, len = len0);
		replace(buf, &len, "707d40 ", same[i]);
		parse_ok(buf, len);
		ck_assert_uint_eq(tab.sha1[0], 0x00707d40);
	}
	memcpy(buf, orig, len = len0);
	replace(buf, &len, "707d40 ", "707d41 ");
	ck_assert_int_eq(leapfile_parse(buf, len, &tab, err, sizeof(err)),
	    LEAPFILE_BAD_HASH);
	memcpy(buf, orig, len = len0);
	replace(buf, &len, "707d40 ", "100707d40 ");	/* 9 digits */
	ck_assert_int_eq(leapfile_parse(buf, len, &tab, err, sizeof(err)),
	    LEAPFILE_SYNTAX);
	assert_err_line(45);
	free(buf);
	free(orig);
}
END_TEST

START_TEST(modified_entry_is_bad_hash_with_table)
{
	int rc = leapfile_load(fixture("leap-seconds-badhash.list"), &tab, err,
	    sizeof(err));

	ck_assert_int_eq(rc, LEAPFILE_BAD_HASH);
	ck_assert(!tab.hash_ok);
	ck_assert_ptr_nonnull(strstr(err, ": line 120: SHA-1 mismatch"));
	/* Filled anyway, so that the caller can decide. */
	ck_assert_int_eq(tab.n, 28);
	ck_assert_int_eq(tab.e[27].utc_unix_s, T_2017 + DAY);
	ck_assert_uint_eq(tab.sha1[0], 0x49db2447);
	ck_assert_int_eq(tab.expires_unix_s, T_EXPIRY_2026);
}
END_TEST

/* CRLF, no final newline, bytes after len, no error buffer. */
START_TEST(framing_variants)
{
	size_t len0, len = 0;
	char *orig = slurp(fixture("leap-seconds-future.list"), &len0, 0);
	char *crlf = malloc(2 * len0 + 16);

	for (size_t i = 0; i < len0; i++) {
		if (orig[i] == '\n')
			crlf[len++] = '\r';
		crlf[len++] = orig[i];
	}
	parse_ok(crlf, len);
	parse_ok(orig, len0 - 1);
	memcpy(crlf, orig, len0);
	memcpy(crlf + len0, "garbage", 7);
	parse_ok(crlf, len0);
	ck_assert_int_eq(leapfile_parse(orig, len0, &tab, NULL, 0), 0);
	ck_assert_int_eq(leapfile_parse("x", 1, &tab, NULL, 0),
	    LEAPFILE_SYNTAX);
	free(crlf);
	free(orig);
}
END_TEST

/* A line of exactly LEAPFILE_MAX_LINE bytes (plus CRLF) is accepted. */
START_TEST(longest_line_accepted)
{
	size_t len;
	char *buf = slurp(fixture("leap-seconds-future.list"), &len,
	    LEAPFILE_MAX_LINE + 2);
	char line[LEAPFILE_MAX_LINE + 3];

	memset(line, '#', LEAPFILE_MAX_LINE);
	memcpy(line + LEAPFILE_MAX_LINE, "\r\n", 3);
	memmove(buf + strlen(line), buf, len);
	memcpy(buf, line, strlen(line));
	parse_ok(buf, len + strlen(line));
	memmove(buf + 1, buf, len + strlen(line));
	buf[0] = ' ';
	ck_assert_int_eq(leapfile_parse(buf, len + strlen(line) + 1, &tab, err,
	    sizeof(err)), LEAPFILE_LINE_TOO_LONG);
	assert_err_line(1);
	free(buf);
}
END_TEST

/* --------------------------------------------------------------- errors */

#define HDR	"#$ 3960835200\n#@ 3991593600\n"	/* lines 1-2 */
#define E1	"2272060800 10 # 1 Jan 1972\n"
#define E2	"2287785600\t11\n"
#define HASH	"#h 1 2 3 4 5\n"
#define LONG16	"################"
#define LONG256	LONG16 LONG16 LONG16 LONG16 LONG16 LONG16 LONG16 LONG16 \
		LONG16 LONG16 LONG16 LONG16 LONG16 LONG16 LONG16 LONG16

static const struct bad {
	const char	*what;
	const char	*doc;
	size_t		 len;		/* 0: strlen(doc) */
	int		 rc;
	int		 line;
} bad[] = {
	{ "missing #@", "#$ 3960835200\n" E1 E2 HASH, 0,
	    LEAPFILE_NO_EXPIRY, 4 },
	{ "missing #h", HDR E1 E2 "#\n", 0, LEAPFILE_NO_HASH, 5 },
	{ "missing #$", "#@ 3991593600\n" E1 E2 HASH, 0,
	    LEAPFILE_NO_UPDATED, 4 },
	{ "same instant", HDR E1 E2 "2287785600 12\n" HASH, 0,
	    LEAPFILE_NOT_INCREASING, 5 },
	{ "going back", HDR E1 E2 "2272060800 12\n" HASH, 0,
	    LEAPFILE_NOT_INCREASING, 5 },
	{ "DTAI jump of 2", HDR E1 "2287785600 12\n" HASH, 0,
	    LEAPFILE_BAD_STEP, 4 },
	{ "DTAI step of 0", HDR E1 "#\n" "2287785600 10\n" HASH, 0,
	    LEAPFILE_BAD_STEP, 5 },
	{ "garbage line", HDR E1 "hello world\n" HASH, 0,
	    LEAPFILE_SYNTAX, 4 },
	{ "binary", "\x00\xff\xfe", 3, LEAPFILE_SYNTAX, 1 },
	{ "junk after DTAI", HDR E1 "2287785600 11 x\n", 0,
	    LEAPFILE_SYNTAX, 4 },
	{ "no DTAI", HDR "2272060800\n", 0, LEAPFILE_SYNTAX, 3 },
	{ "no blank", HDR "2272060800,10\n", 0, LEAPFILE_SYNTAX, 3 },
	{ "signed", HDR "-2272060800 10\n", 0, LEAPFILE_SYNTAX, 3 },
	{ "junk after #$", "#$ 3960835200x\n", 0, LEAPFILE_SYNTAX, 1 },
	{ "#$ without value", "#\n#$\t\n", 0, LEAPFILE_SYNTAX, 2 },
	{ "#h four words", HDR E1 "#h 1 2 3 4\n", 0, LEAPFILE_SYNTAX, 4 },
	{ "#h six words", HDR E1 "#h 1 2 3 4 5 6\n", 0, LEAPFILE_SYNTAX, 4 },
	{ "#h not hex", HDR E1 "#h 1 2 3 4 g\n", 0, LEAPFILE_SYNTAX, 4 },
	{ "overlong line", HDR "#" LONG256 "\n" E1, 0,
	    LEAPFILE_LINE_TOO_LONG, 3 },
	{ "empty", "", 0, LEAPFILE_EMPTY, 1 },
	{ "only comments", "#\n# x\n\n#\n", 0, LEAPFILE_EMPTY, 4 },
	{ "headers only", HDR HASH, 0, LEAPFILE_EMPTY, 3 },
	{ "first not 1972", HDR E2, 0, LEAPFILE_BAD_FIRST, 3 },
	{ "first not 10 s", HDR "2272060800 11\n", 0, LEAPFILE_BAD_FIRST, 3 },
	{ "11 digits", HDR E1 "22877856000 11\n", 0, LEAPFILE_RANGE, 4 },
	{ "4-digit DTAI", HDR E1 "2287785600 0011\n", 0, LEAPFILE_RANGE, 4 },
	{ "not midnight", HDR E1 "2287785601 11\n", 0, LEAPFILE_RANGE, 4 },
	{ "before 1972", HDR "2208988800 10\n", 0, LEAPFILE_RANGE, 3 },
	{ "#@ before 1972", "#@ 86400\n", 0, LEAPFILE_RANGE, 1 },
	{ "#@ not after #$", "#$ 3991593600\n#@ 3960835200\n" E1 HASH, 0,
	    LEAPFILE_RANGE, 2 },
	{ "entry after #@", HDR E1 "4007750400 11\n" HASH, 0,
	    LEAPFILE_RANGE, 2 },
	{ "second #$", HDR E1 "#$ 3960835200\n", 0, LEAPFILE_DUPLICATE, 4 },
	{ "second #@", HDR E1 "#@ 3991593600\n", 0, LEAPFILE_DUPLICATE, 4 },
	{ "second #h", HDR E1 HASH HASH, 0, LEAPFILE_DUPLICATE, 5 },
};

START_TEST(error_classes)
{
	const struct bad *b = &bad[_i];
	size_t len = b->len != 0 ? b->len : strlen(b->doc);
	int rc = leapfile_parse(b->doc, len, &tab, err, sizeof(err));

	ck_assert_msg(rc == b->rc, "%s: got %d (%s), want %d: %s", b->what, rc,
	    leapfile_error_name(rc), b->rc, err);
	assert_err_line(b->line);
	ck_assert_int_eq(tab.n, 0);
	ck_assert(!tab.hash_ok);
	ck_assert_int_eq(leapfile_validity(&tab, 0), LEAPFILE_EXPIRED);
	ck_assert_int_eq(leapfile_tai_offset(&tab, T_2017), 0);
}
END_TEST

/* 65 entries, each a day after the last, alternating DTAI 10/11. */
START_TEST(too_many_entries)
{
	char buf[8192];
	size_t len = (size_t)snprintf(buf, sizeof(buf), "%s", HDR);

	for (int i = 0; i <= LEAP_MAX; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
		    "%lld %d\n", 2272060800LL + (long long)i * DAY, 10 + i % 2);
	ck_assert_uint_lt(len, sizeof(buf));
	ck_assert_int_eq(leapfile_parse(buf, len, &tab, err, sizeof(err)),
	    LEAPFILE_TOO_MANY);
	assert_err_line(2 + LEAP_MAX + 1);
}
END_TEST

START_TEST(short_error_buffer)
{
	char small[8];

	memset(small, 'x', sizeof(small));
	ck_assert_int_eq(leapfile_parse("", 0, &tab, small, sizeof(small)),
	    LEAPFILE_EMPTY);
	ck_assert_str_eq(small, "line 1:");
}
END_TEST

START_TEST(error_names_distinct)
{
	for (int a = LEAPFILE_TOO_LARGE; a <= 0; a++) {
		ck_assert_str_ne(leapfile_error_name(a), "?");
		for (int b = LEAPFILE_TOO_LARGE; b < a; b++)
			ck_assert_str_ne(leapfile_error_name(a),
			    leapfile_error_name(b));
	}
	ck_assert_str_eq(leapfile_error_name(1), "?");
	ck_assert_str_eq(leapfile_error_name(LEAPFILE_TOO_LARGE - 1), "?");
	ck_assert_str_eq(leapfile_error_name(LEAPFILE_BAD_HASH), "bad_hash");
}
END_TEST

/* --------------------------------------------------------------- files */

START_TEST(load_missing_file)
{
	ck_assert_int_eq(leapfile_load("/nonexistent/leap-seconds.list", &tab,
	    err, sizeof(err)), LEAPFILE_IO);
	ck_assert_str_eq(err, "/nonexistent/leap-seconds.list: "
	    "No such file or directory");
	ck_assert_int_eq(tab.n, 0);
}
END_TEST

START_TEST(load_directory)
{
	ck_assert_int_eq(leapfile_load("/", &tab, err, sizeof(err)),
	    LEAPFILE_IO);
	ck_assert_str_eq(err, "/: not a regular file");
}
END_TEST

/* The future fixture padded with comments to exactly the size limit. */
static void
write_padded(const char *path, size_t size)
{
	size_t len;
	char *buf = slurp(fixture("leap-seconds-future.list"), &len, 0);
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_lt(len, size);
	for (size_t left = size - len; left > 0;) {
		size_t n = left > 100 ? 100 : left;

		for (size_t i = 0; i + 1 < n; i++)
			fputc('#', f);
		fputc('\n', f);
		left -= n;
	}
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	free(buf);
}

START_TEST(load_size_limit)
{
	char path[] = "/tmp/check_leapfile.XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	write_padded(path, LEAPFILE_MAX_SIZE);
	load_ok(path);
	ck_assert_int_eq(tab.n, 30);
	write_padded(path, LEAPFILE_MAX_SIZE + 1);
	ck_assert_int_eq(leapfile_load(path, &tab, err, sizeof(err)),
	    LEAPFILE_TOO_LARGE);
	ck_assert_ptr_nonnull(strstr(err, ": larger than 65536 bytes"));
	ck_assert_int_eq(tab.n, 0);
	unlink(path);
}
END_TEST

START_TEST(queries_on_empty_table)
{
	int64_t when = 1;
	int delta = 1;

	memset(&tab, 0, sizeof(tab));
	ck_assert_int_eq(leapfile_tai_offset(&tab, T_2017), 0);
	ck_assert_int_eq(leapfile_next(&tab, 0, &when, &delta), 0);
	ck_assert_int_eq(when, 0);
	ck_assert_int_eq(delta, 0);
	ck_assert_int_eq(leapfile_validity(&tab, 0), LEAPFILE_EXPIRED);
}
END_TEST

static Suite *
leapfile_suite(void)
{
	Suite *s = suite_create("leapfile");
	TCase *tc;

	tc = tcase_create("system");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, system_file_loads);
	tcase_add_test(tc, system_file_verifies);
	tcase_add_test(tc, system_tai_offsets);
	tcase_add_test(tc, system_validity);
	tcase_add_test(tc, system_next_leap);
	suite_add_tcase(s, tc);

	tc = tcase_create("fixtures");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, future_fixture_verifies_with_short_hash_word);
	tcase_add_test(tc, future_fixture_next_leaps);
	tcase_add_test(tc, hash_words_compare_numerically);
	tcase_add_test(tc, modified_entry_is_bad_hash_with_table);
	tcase_add_test(tc, framing_variants);
	tcase_add_test(tc, longest_line_accepted);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_loop_test(tc, error_classes, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, too_many_entries);
	tcase_add_test(tc, short_error_buffer);
	tcase_add_test(tc, error_names_distinct);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, load_missing_file);
	tcase_add_test(tc, load_directory);
	tcase_add_test(tc, load_size_limit);
	tcase_add_test(tc, queries_on_empty_table);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(leapfile_suite());
	int failed;

	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

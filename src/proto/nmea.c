/*
 * nmea.c - NMEA 0183 codec and epoch assembler (see nmea.h).
 *
 * Written from the NMEA 0183 field layouts (versions 2.0 to 4.11); strict
 * about what we decode, because these fields become a time label and a
 * validity judgement, and silent about what we do not (position, speed,
 * per-satellite data), so a receiver's quirks there cost nothing. Newer
 * versions only append fields, so extra trailing fields are accepted
 * except in GSA and GSV, whose layouts are positional to the end.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nmea.h"

#define NS_PER_S	1000000000LL
#define DAY_S		86400
#define DECIMAL_MAX	12		/* chars of a DOP or similar */
#define STEP_MAX_S	(1LL << 32)	/* step_ns saturates here */

/* RMC mode / GNS mode characters; those that mean a GNSS fix. */
#define MODES_ALL	"ADEFMNPRS"
#define MODES_FIX	"ADPRF"

struct field {
	const char	*p;
	size_t		 len;
};

/* Per sentence type: the field count from the oldest version, the most
 * the layout allows, and the decoder (0 or the bad field's index). */
struct sentence_type {
	const char	*formatter;
	enum nmea_type	 type;
	int		 min_fields;	/* after the address */
	int		 max_fields;
	int		(*decode)(const struct field *, int, struct nmea_sentence *);
};

static const char *const result_names[] = {
	[-NMEA_OK] = "ok",
	[-NMEA_EMPTY] = "empty",
	[-NMEA_TOO_LONG] = "too_long",
	[-NMEA_BAD_FRAMING] = "bad_framing",
	[-NMEA_BAD_CHAR] = "bad_char",
	[-NMEA_NO_CHECKSUM] = "no_checksum",
	[-NMEA_BAD_CHECKSUM] = "bad_checksum",
	[-NMEA_BAD_ADDRESS] = "bad_address",
	[-NMEA_PROPRIETARY] = "proprietary",
	[-NMEA_UNKNOWN_TALKER] = "unknown_talker",
	[-NMEA_UNKNOWN_SENTENCE] = "unknown_sentence",
	[-NMEA_TOO_FEW_FIELDS] = "too_few_fields",
	[-NMEA_BAD_FIELD] = "bad_field",
};

static const struct {
	char		 talker[3];
	enum nmea_system sys;
} talkers[] = {
	{ "GP", NMEA_SYS_GPS },
	{ "GN", NMEA_SYS_MULTI },
	{ "GL", NMEA_SYS_GLONASS },
	{ "GA", NMEA_SYS_GALILEO },
	{ "GB", NMEA_SYS_BEIDOU },
	{ "BD", NMEA_SYS_BEIDOU },
	{ "GQ", NMEA_SYS_QZSS },
	{ "GI", NMEA_SYS_NAVIC },
};

static const char *const system_names[] = {
	[NMEA_SYS_NONE] = "none",
	[NMEA_SYS_GPS] = "GPS",
	[NMEA_SYS_MULTI] = "multi-GNSS",
	[NMEA_SYS_GLONASS] = "GLONASS",
	[NMEA_SYS_GALILEO] = "Galileo",
	[NMEA_SYS_BEIDOU] = "BeiDou",
	[NMEA_SYS_QZSS] = "QZSS",
	[NMEA_SYS_NAVIC] = "NavIC",
};

/* ------------------------------------------------------------ fields */

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
hex_value(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* 1..maxdig decimal digits. */
static bool
get_uint(const struct field *f, size_t maxdig, int *v)
{
	int n = 0;

	if (f->len == 0 || f->len > maxdig)
		return false;
	for (size_t i = 0; i < f->len; i++) {
		if (!is_digit(f->p[i]))
			return false;
		n = n * 10 + (f->p[i] - '0');
	}
	*v = n;
	return true;
}

/* An empty field gives -1; otherwise 1..maxdig digits up to max. */
static bool
opt_uint(const struct field *f, size_t maxdig, int max, int *v)
{
	if (f->len == 0) {
		*v = -1;
		return true;
	}
	return get_uint(f, maxdig, v) && *v <= max;
}

/* Exactly one character from set; empty gives 0. */
static bool
opt_char(const struct field *f, const char *set, char *c)
{
	*c = 0;
	if (f->len == 0)
		return true;
	if (f->len != 1 || strchr(set, f->p[0]) == NULL)
		return false;
	*c = f->p[0];
	return true;
}

/* One hex digit, lo..15; empty gives -1. */
static bool
opt_hex_digit(const struct field *f, int lo, int *v)
{
	*v = -1;
	if (f->len == 0)
		return true;
	if (f->len != 1 || (*v = hex_value(f->p[0])) < lo)
		return false;
	return true;
}

/* "123", "1.5", "0.", ".5": no sign, no exponent; empty: absent. */
static bool
opt_decimal(const struct field *f, bool *has, double *v)
{
	int64_t mant = 0, scale = 1;
	bool dot = false, digit = false;

	*has = false;
	if (f->len == 0)
		return true;
	if (f->len > DECIMAL_MAX)
		return false;
	for (size_t i = 0; i < f->len; i++) {
		char c = f->p[i];

		if (c == '.' && !dot) {
			dot = true;
		} else if (is_digit(c)) {
			digit = true;
			mant = mant * 10 + (c - '0');
			if (dot)
				scale *= 10;
		} else {
			return false;
		}
	}
	if (!digit)
		return false;
	*v = (double)mant / (double)scale;
	*has = true;
	return true;
}

bool
nmea_tod_valid(const struct nmea_tod *t)
{
	if (t->hour < 0 || t->hour > 23 || t->min < 0 || t->min > 59 ||
	    t->sec < 0 || t->sec > 60 || t->nsec < 0 || t->nsec >= NS_PER_S ||
	    t->frac_digits < 0 || t->frac_digits > 9)
		return false;
	/* A receiver announces 23:59:60 only at the end of a UTC day. */
	return t->sec < 60 || (t->hour == 23 && t->min == 59);
}

/* "hhmmss" with an optional '.' and 0..9 fraction digits. */
static bool
get_tod(const struct field *f, struct nmea_tod *t)
{
	struct field two = { f->p, 2 };
	int32_t scale = 100000000;

	if (f->len < 6 || f->len > 7 + 9 || !get_uint(&two, 2, &t->hour))
		return false;
	two.p += 2;
	if (!get_uint(&two, 2, &t->min))
		return false;
	two.p += 2;
	if (!get_uint(&two, 2, &t->sec))
		return false;
	t->nsec = 0;
	t->frac_digits = 0;
	if (f->len > 6 && f->p[6] != '.')
		return false;
	for (size_t i = 7; i < f->len; i++, scale /= 10) {
		if (!is_digit(f->p[i]))
			return false;
		t->nsec += (f->p[i] - '0') * scale;
		t->frac_digits++;
	}
	return nmea_tod_valid(t);
}

static bool
opt_tod(const struct field *f, bool *has, struct nmea_tod *t)
{
	*has = false;
	if (f->len == 0)
		return true;
	*has = get_tod(f, t);
	return *has;
}

static bool
is_leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
	static const int days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};

	return days[m - 1] + (m == 2 && is_leap_year(y));
}

bool
nmea_date_valid(const struct nmea_date *d)
{
	return d->year >= NMEA_YEAR_MIN && d->year <= NMEA_YEAR_MAX &&
	    d->month >= 1 && d->month <= 12 && d->day >= 1 &&
	    d->day <= days_in_month(d->year, d->month);
}

/* RMC's "ddmmyy"; the century is assumed to be 2000 (see nmea.h). */
static bool
opt_date6(const struct field *f, bool *has, struct nmea_date *d)
{
	struct field two = { f->p, 2 };

	*has = false;
	if (f->len == 0)
		return true;
	if (f->len != 6 || !get_uint(&two, 2, &d->day))
		return false;
	two.p += 2;
	if (!get_uint(&two, 2, &d->month))
		return false;
	two.p += 2;
	if (!get_uint(&two, 2, &d->year))
		return false;
	d->year += 2000;
	*has = nmea_date_valid(d);
	return *has;
}

/* ---------------------------------------------------------- decoders */

static int
decode_rmc(const struct field *f, int n, struct nmea_sentence *s)
{
	struct nmea_rmc *r = &s->rmc;

	if (!opt_tod(&f[1], &r->has_time, &r->time))
		return 1;
	if (!opt_char(&f[2], "AV", &r->status))
		return 2;
	if (!opt_date6(&f[9], &r->has_date, &r->date))
		return 9;
	if (n > 12 && !opt_char(&f[12], MODES_ALL, &r->mode))
		return 12;
	if (n > 13 && !opt_char(&f[13], "SCUV", &r->nav_status))
		return 13;
	return 0;
}

/* ZDA's day, month, year: all empty, or all there and a real date. */
static int
zda_date(const struct field *f, struct nmea_zda *z)
{
	struct nmea_date *d = &z->date;

	if (f[2].len == 0 && f[3].len == 0 && f[4].len == 0)
		return 0;
	if (!get_uint(&f[2], 2, &d->day))
		return 2;
	if (!get_uint(&f[3], 2, &d->month) || d->month < 1 || d->month > 12)
		return 3;
	if (f[4].len != 4 || !get_uint(&f[4], 4, &d->year) ||
	    d->year < NMEA_YEAR_MIN)
		return 4;
	if (!nmea_date_valid(d))
		return 2;
	z->has_date = true;
	return 0;
}

/* Local zone: hours -13..+13 (sign optional), minutes 0..59 of the same
 * sign; both empty or both there. */
static int
zda_zone(const struct field *f, struct nmea_zda *z)
{
	struct field h = f[5];
	int sign = 1, hours, mins;

	if (h.len == 0 && f[6].len == 0)
		return 0;
	if (h.len > 0 && (h.p[0] == '-' || h.p[0] == '+')) {
		sign = h.p[0] == '-' ? -1 : 1;
		h.p++;
		h.len--;
	}
	if (!get_uint(&h, 2, &hours) || hours > 13)
		return 5;
	if (!get_uint(&f[6], 2, &mins) || mins > 59)
		return 6;
	z->zone_min = sign * (hours * 60 + mins);
	z->has_zone = true;
	return 0;
}

static int
decode_zda(const struct field *f, int n, struct nmea_sentence *s)
{
	int bad;

	(void)n;
	if (!opt_tod(&f[1], &s->zda.has_time, &s->zda.time))
		return 1;
	if ((bad = zda_date(f, &s->zda)) != 0)
		return bad;
	return zda_zone(f, &s->zda);
}

static int
decode_gga(const struct field *f, int n, struct nmea_sentence *s)
{
	struct nmea_gga *g = &s->gga;

	(void)n;
	if (!opt_tod(&f[1], &g->has_time, &g->time))
		return 1;
	if (!opt_uint(&f[6], 1, 8, &g->quality))
		return 6;
	if (!opt_uint(&f[7], 2, 99, &g->sats_used))
		return 7;
	if (!opt_decimal(&f[8], &g->has_hdop, &g->hdop))
		return 8;
	return 0;
}

static int
decode_gsa(const struct field *f, int n, struct nmea_sentence *s)
{
	struct nmea_gsa *g = &s->gsa;
	int prn;

	if (!opt_char(&f[1], "MA", &g->selection))
		return 1;
	if (!opt_uint(&f[2], 1, 3, &g->fix) || g->fix == 0)
		return 2;
	if (g->fix < 0)
		g->fix = 0;
	for (int i = 3; i < 3 + NMEA_GSA_PRNS; i++) {
		if (!opt_uint(&f[i], 3, 999, &prn) || prn == 0)
			return i;
		if (prn > 0)
			g->prns[g->prn_count++] = prn;
	}
	if (!opt_decimal(&f[15], &g->has_pdop, &g->pdop))
		return 15;
	if (!opt_decimal(&f[16], &g->has_hdop, &g->hdop))
		return 16;
	if (!opt_decimal(&f[17], &g->has_vdop, &g->vdop))
		return 17;
	if (n > 18 && !opt_hex_digit(&f[18], 1, &g->system_id))
		return 18;
	if (g->system_id < 0)
		g->system_id = 0;
	g->system = nmea_system_from_id(g->system_id);
	return 0;
}

static int
decode_gns(const struct field *f, int n, struct nmea_sentence *s)
{
	struct nmea_gns *g = &s->gns;

	if (!opt_tod(&f[1], &g->has_time, &g->time))
		return 1;
	if (f[6].len > NMEA_GNS_MODES)
		return 6;
	for (size_t i = 0; i < f[6].len; i++) {
		if (strchr(MODES_ALL, f[6].p[i]) == NULL)
			return 6;
		g->modes[i] = f[6].p[i];
	}
	if (!opt_uint(&f[7], 2, 99, &g->sats_used))
		return 7;
	if (!opt_decimal(&f[8], &g->has_hdop, &g->hdop))
		return 8;
	if (n > 13 && !opt_char(&f[13], "SCUV", &g->nav_status))
		return 13;
	return 0;
}

/* Header, then up to four 4-field satellite blocks, then (NMEA 4.1) an
 * optional signal id. The last message may carry fewer blocks. */
static int
decode_gsv(const struct field *f, int n, struct nmea_sentence *s)
{
	struct nmea_gsv *g = &s->gsv;
	int rest = n - 4, prn;

	if (!get_uint(&f[1], 1, &g->total) || g->total < 1)
		return 1;
	if (!get_uint(&f[2], 1, &g->number) || g->number < 1 ||
	    g->number > g->total)
		return 2;
	if (!opt_uint(&f[3], 2, 99, &g->sats_in_view))
		return 3;
	if (rest % 4 > 1)
		return n - 1;
	for (int i = 4; i + 4 <= n; i += 4) {
		if (!opt_uint(&f[i], 3, 999, &prn))
			return i;
		g->sats_in_msg += prn >= 0;
	}
	g->signal_id = -1;
	if (rest % 4 == 1 && !opt_hex_digit(&f[n - 1], 0, &g->signal_id))
		return n - 1;
	return 0;
}

static const struct sentence_type types[] = {
	{ "RMC", NMEA_TYPE_RMC, 11, NMEA_MAX_FIELDS - 1, decode_rmc },
	{ "ZDA", NMEA_TYPE_ZDA, 6, NMEA_MAX_FIELDS - 1, decode_zda },
	{ "GGA", NMEA_TYPE_GGA, 14, NMEA_MAX_FIELDS - 1, decode_gga },
	{ "GSA", NMEA_TYPE_GSA, 17, 18, decode_gsa },
	{ "GNS", NMEA_TYPE_GNS, 12, NMEA_MAX_FIELDS - 1, decode_gns },
	{ "GSV", NMEA_TYPE_GSV, 3, 3 + 4 * 4 + 1, decode_gsv },
};

/* ----------------------------------------------------------- framing */

/*
 * Every byte printable ASCII and no second '$'; the first '*' starts the
 * checksum, which must be the last two bytes. *star gets its index.
 */
static int
check_frame(const char *buf, size_t len, size_t *star)
{
	const char *at;
	int hi, lo;

	for (size_t i = 1; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c < 0x20 || c > 0x7e || c == '$')
			return NMEA_BAD_CHAR;
	}
	if ((at = memchr(buf, '*', len)) == NULL)
		return NMEA_NO_CHECKSUM;
	*star = (size_t)(at - buf);
	if (*star + 3 != len || (hi = hex_value(at[1])) < 0 ||
	    (lo = hex_value(at[2])) < 0)
		return NMEA_BAD_CHECKSUM;
	if (nmea_checksum(buf + 1, *star - 1) != (hi << 4 | lo))
		return NMEA_BAD_CHECKSUM;
	return NMEA_OK;
}

/* The address up to the first ',': talker, system and sentence type. */
static int
parse_address(const char *body, size_t len, struct nmea_sentence *s,
    const struct sentence_type **type)
{
	const char *comma = memchr(body, ',', len);
	size_t alen = comma != NULL ? (size_t)(comma - body) : len;

	if (alen == 0 || alen > NMEA_ADDR_MAX)
		return NMEA_BAD_ADDRESS;
	for (size_t i = 0; i < alen; i++)
		if (!is_digit(body[i]) && (body[i] < 'A' || body[i] > 'Z'))
			return NMEA_BAD_ADDRESS;
	if (body[0] == 'P') {
		if (alen < 2)
			return NMEA_BAD_ADDRESS;
		memcpy(s->address, body, alen);
		s->talker[0] = 'P';
		return NMEA_PROPRIETARY;
	}
	if (alen != 5)
		return NMEA_BAD_ADDRESS;
	memcpy(s->address, body, alen);
	memcpy(s->talker, body, 2);
	if ((s->system = nmea_talker_system(s->talker)) == NMEA_SYS_NONE)
		return NMEA_UNKNOWN_TALKER;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (memcmp(body + 2, types[i].formatter, 3) == 0) {
			*type = &types[i];
			return NMEA_OK;
		}
	}
	return NMEA_UNKNOWN_SENTENCE;
}

/* Split body at ','; f[0] is the address. Returns the count, or -1 when
 * there are more than NMEA_MAX_FIELDS. */
static int
split(const char *body, size_t len, struct field f[NMEA_MAX_FIELDS])
{
	int n = 0;
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && body[i] != ',')
			continue;
		if (n == NMEA_MAX_FIELDS)
			return -1;
		f[n].p = body + start;
		f[n].len = i - start;
		n++;
		start = i + 1;
	}
	return n;
}

int
nmea_parse(const char *buf, size_t len, struct nmea_sentence *s)
{
	const struct sentence_type *type = NULL;
	struct field f[NMEA_MAX_FIELDS];
	size_t star = 0;
	int rc, n;

	memset(s, 0, sizeof(*s));
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len == 0)
		return NMEA_EMPTY;
	if (len > NMEA_MAX_LEN)
		return NMEA_TOO_LONG;
	if (buf[0] != '$')
		return NMEA_BAD_FRAMING;
	if ((rc = check_frame(buf, len, &star)) != NMEA_OK)
		return rc;
	s->oversize = len + 2 > NMEA_STD_MAX_LEN;
	if ((rc = parse_address(buf + 1, star - 1, s, &type)) != NMEA_OK)
		return rc;
	n = split(buf + 1, star - 1, f);
	if (n > 0 && n - 1 < type->min_fields)
		return NMEA_TOO_FEW_FIELDS;
	if (n < 0 || n - 1 > type->max_fields) {
		s->bad_field = type->max_fields + 1;
		return NMEA_BAD_FIELD;
	}
	if ((s->bad_field = type->decode(f, n, s)) != 0) {
		s->type = NMEA_TYPE_NONE;
		return NMEA_BAD_FIELD;
	}
	s->type = type->type;
	return NMEA_OK;
}

const char *
nmea_result_name(int rc)
{
	if (rc > 0 || rc < NMEA_RESULT_MIN)
		return "?";
	return result_names[-rc];
}

uint8_t
nmea_checksum(const char *body, size_t len)
{
	uint8_t x = 0;

	for (size_t i = 0; i < len; i++)
		x ^= (uint8_t)body[i];
	return x;
}

enum nmea_system
nmea_talker_system(const char *talker)
{
	for (size_t i = 0; i < sizeof(talkers) / sizeof(talkers[0]); i++)
		if (strncmp(talker, talkers[i].talker, 2) == 0)
			return talkers[i].sys;
	return NMEA_SYS_NONE;
}

enum nmea_system
nmea_system_from_id(int id)
{
	static const enum nmea_system by_id[] = {
		NMEA_SYS_NONE, NMEA_SYS_GPS, NMEA_SYS_GLONASS,
		NMEA_SYS_GALILEO, NMEA_SYS_BEIDOU, NMEA_SYS_QZSS,
		NMEA_SYS_NAVIC,
	};

	if (id < 0 || (size_t)id >= sizeof(by_id) / sizeof(by_id[0]))
		return NMEA_SYS_NONE;
	return by_id[id];
}

const char *
nmea_system_name(enum nmea_system sys)
{
	if ((unsigned)sys >= sizeof(system_names) / sizeof(system_names[0]))
		return "?";
	return system_names[sys];
}

/* Days from 1970-01-01 to y-m-d, for a valid date (year >= 1970). */
static int64_t
days_since_1970(int y, int m, int d)
{
	static const int before[12] = {
		0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334,
	};
	int p = y - 1;		/* leap days in years 1..p, less 1..1969's */
	int64_t leaps = p / 4 - p / 100 + p / 400 - (492 - 19 + 4);

	return 365 * (int64_t)(y - 1970) + leaps + before[m - 1] + d - 1 +
	    (m > 2 && is_leap_year(y));
}

int
nmea_to_unix(const struct nmea_date *d, const struct nmea_tod *t,
    int64_t *unix_s)
{
	if (!nmea_date_valid(d) || !nmea_tod_valid(t))
		return -1;
	*unix_s = days_since_1970(d->year, d->month, d->day) * DAY_S +
	    t->hour * 3600 + t->min * 60 + t->sec;
	return 0;
}

/* ------------------------------------------------------ epoch assembler */

#define GSA_IDS		16	/* system ids 0 (none) .. 15 */

struct nmea_asm {
	int		 min_sats;
	bool		 open;		/* cur has its label */
	struct nmea_epoch cur;
	int		 gsa_prns[GSA_IDS];	/* most per system id; -1 none */
	bool		 has_prev;
	struct nmea_epoch prev;
};

static void
reset(struct nmea_asm *a)
{
	memset(&a->cur, 0, sizeof(a->cur));
	a->cur.gga_quality = -1;
	a->cur.sats_used = -1;
	for (int i = 0; i < GSA_IDS; i++)
		a->gsa_prns[i] = -1;
	a->open = false;
}

struct nmea_asm *
nmea_asm_create(int min_sats)
{
	struct nmea_asm *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->min_sats = min_sats;
	reset(a);
	return a;
}

void
nmea_asm_destroy(struct nmea_asm *a)
{
	free(a);
}

/* The time of day a sentence labels, or NULL (GSA, GSV, empty time). */
static const struct nmea_tod *
sentence_time(const struct nmea_sentence *s)
{
	switch (s->type) {
	case NMEA_TYPE_RMC:
		return s->rmc.has_time ? &s->rmc.time : NULL;
	case NMEA_TYPE_ZDA:
		return s->zda.has_time ? &s->zda.time : NULL;
	case NMEA_TYPE_GGA:
		return s->gga.has_time ? &s->gga.time : NULL;
	case NMEA_TYPE_GNS:
		return s->gns.has_time ? &s->gns.time : NULL;
	default:
		return NULL;
	}
}

static bool
same_tod(const struct nmea_tod *a, const struct nmea_tod *b)
{
	return a->hour == b->hour && a->min == b->min && a->sec == b->sec &&
	    a->nsec == b->nsec;
}

static bool
rmc_fix(char status, char mode)
{
	return status == 'A' && (mode == 0 || strchr(MODES_FIX, mode) != NULL);
}

static bool
gns_fix(const char *modes)
{
	for (; *modes != '\0'; modes++)
		if (strchr(MODES_FIX, *modes) != NULL)
			return true;
	return false;
}

static void
add_date(struct nmea_epoch *e, const struct nmea_date *d)
{
	if (!e->has_date) {
		e->date = *d;
		e->has_date = true;
	} else if (memcmp(&e->date, d, sizeof(*d)) != 0) {
		e->date_conflict = true;
	}
}

static void
add_sats(struct nmea_epoch *e, int sats)
{
	if (sats > e->sats_used)
		e->sats_used = sats;
}

/* Take what s says into the epoch in progress; dates only from a
 * sentence that also gave the time they belong to. */
static void
absorb(struct nmea_asm *a, const struct nmea_sentence *s, bool timed)
{
	struct nmea_epoch *e = &a->cur;
	int q;

	e->sentences++;
	switch (s->type) {
	case NMEA_TYPE_RMC:
		if (!e->has_rmc || rmc_fix(e->rmc_status, e->rmc_mode)) {
			e->rmc_status = s->rmc.status;
			e->rmc_mode = s->rmc.mode;
		}
		e->has_rmc = true;
		if (timed && s->rmc.has_date)
			add_date(e, &s->rmc.date);
		break;
	case NMEA_TYPE_ZDA:
		if (timed && s->zda.has_date)
			add_date(e, &s->zda.date);
		break;
	case NMEA_TYPE_GGA:
		q = s->gga.quality < 0 ? 0 : s->gga.quality;
		if (e->gga_quality < 0 || (e->gga_quality >= 1 &&
		    e->gga_quality <= 5))
			e->gga_quality = q;
		add_sats(e, s->gga.sats_used);
		break;
	case NMEA_TYPE_GNS:
		e->gns_fix = (!e->has_gns || e->gns_fix) && gns_fix(s->gns.modes);
		e->has_gns = true;
		add_sats(e, s->gns.sats_used);
		break;
	case NMEA_TYPE_GSA:
		if (s->gsa.fix > e->gsa_fix)
			e->gsa_fix = s->gsa.fix;
		if (s->gsa.prn_count > a->gsa_prns[s->gsa.system_id])
			a->gsa_prns[s->gsa.system_id] = s->gsa.prn_count;
		break;
	default:
		break;
	}
}

static bool
judge(const struct nmea_asm *a, const struct nmea_epoch *e)
{
	if (!e->has_date || e->date_conflict)
		return false;
	if (!e->has_rmc && e->gga_quality < 0 && !e->has_gns)
		return false;
	if (e->has_rmc && !rmc_fix(e->rmc_status, e->rmc_mode))
		return false;
	if (e->gga_quality >= 0 && (e->gga_quality < 1 || e->gga_quality > 5))
		return false;
	if ((e->has_gns && !e->gns_fix) || e->gsa_fix == 1)
		return false;
	return a->min_sats <= 0 || e->sats_used >= a->min_sats;
}

static int64_t
tod_s(const struct nmea_tod *t)
{
	return t->hour * 3600 + t->min * 60 + t->sec;
}

/* Label continuity against the previous epoch returned. */
static void
continuity(const struct nmea_asm *a, struct nmea_epoch *e)
{
	const struct nmea_epoch *p = &a->prev;
	int64_t ds;

	if (!a->has_prev)
		return;
	e->has_prev = true;
	if (e->has_date && p->has_date) {
		ds = e->utc_s - p->utc_s;
	} else {
		ds = (tod_s(&e->time) - tod_s(&p->time)) % DAY_S;
		if (ds < 0 || (ds == 0 && e->time.nsec < p->time.nsec))
			ds += DAY_S;
	}
	if (ds > STEP_MAX_S)
		ds = STEP_MAX_S;
	else if (ds < -STEP_MAX_S)
		ds = -STEP_MAX_S;
	e->step_ns = ds * NS_PER_S + (e->time.nsec - p->time.nsec);
	e->jump = e->step_ns != (p->leap_second ? 0 : NS_PER_S);
}

static void
finish(struct nmea_asm *a, struct nmea_epoch *out)
{
	struct nmea_epoch *e = &a->cur;
	int gsa = -1;

	for (int i = 0; i < GSA_IDS; i++)
		if (a->gsa_prns[i] >= 0)
			gsa = (gsa < 0 ? 0 : gsa) + a->gsa_prns[i];
	add_sats(e, gsa);
	if (e->has_date && nmea_to_unix(&e->date, &e->time, &e->utc_s) != 0)
		e->has_date = false;	/* not reached: both were validated */
	e->leap_second = e->time.sec == 60;
	e->valid = judge(a, e);
	continuity(a, e);
	*out = *e;
	a->prev = *e;
	a->has_prev = true;
	reset(a);
}

int
nmea_asm_feed(struct nmea_asm *a, const struct nmea_sentence *s,
    struct nmea_epoch *out)
{
	const struct nmea_tod *t = sentence_time(s);
	int done = 0;

	if (s->type == NMEA_TYPE_NONE)
		return 0;
	if (t != NULL && a->open && !same_tod(&a->cur.time, t)) {
		finish(a, out);
		done = 1;
	}
	if (t != NULL && !a->open) {
		a->open = true;
		a->cur.time = *t;
		a->cur.system = s->system;
	}
	absorb(a, s, t != NULL);
	return done;
}

int
nmea_asm_flush(struct nmea_asm *a, struct nmea_epoch *out)
{
	if (!a->open) {
		reset(a);
		return 0;
	}
	finish(a, out);
	return 1;
}

/*
 * fuzz_nmea.c - libFuzzer harness for the NMEA 0183 codec and the epoch
 * assembler.
 *
 * Besides memory safety, checks what must hold for any input: the whole
 * input parsed as one line gives a known result, and a decoded sentence
 * came from a well-framed line with a matching checksum and has every
 * field in range (hour < 24, min < 60, sec <= 60, real dates, satellites
 * <= 99, ...); parsing is deterministic and blind to a trailing CR/LF.
 * Then the input, split at '\n' (an empty line meaning "flush"), is fed
 * to an assembler whose epochs must be consistent with their labels and
 * with each other.
 *
 *   clang -fsanitize=fuzzer,address,undefined ... fuzz_nmea.c nmea.c
 *   ./fuzz_nmea -max_len=1024 tests/fuzz/corpus/nmea
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nmea.h"

#define NS_PER_S	1000000000LL
#define MIN_SATS	4
#define STEP_MAX_S	(1LL << 32)	/* where nmea.h says step_ns saturates */

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(bool ok)
{
	if (!ok)
		abort();
}

static bool
in_set(char c, const char *set)
{
	return c != '\0' && strchr(set, c) != NULL;
}

static void
check_tod(const struct nmea_tod *t)
{
	check(t->hour >= 0 && t->hour < 24 && t->min >= 0 && t->min < 60 &&
	    t->sec >= 0 && t->sec <= 60 && t->nsec >= 0 &&
	    t->nsec < NS_PER_S && t->frac_digits >= 0 && t->frac_digits <= 9);
	check(nmea_tod_valid(t));
}

/* The date's Unix time agrees with libc's calendar. */
static void
check_date(const struct nmea_date *d)
{
	struct nmea_tod noon = { 12, 0, 0, 0, 0 };
	struct tm tm;
	int64_t u;
	time_t tt;

	check(nmea_date_valid(d) && d->year >= NMEA_YEAR_MIN &&
	    d->year <= NMEA_YEAR_MAX && d->month >= 1 && d->month <= 12 &&
	    d->day >= 1 && d->day <= 31);
	check(nmea_to_unix(d, &noon, &u) == 0);
	tt = (time_t)u;
	check(gmtime_r(&tt, &tm) != NULL && tm.tm_year + 1900 == d->year &&
	    tm.tm_mon + 1 == d->month && tm.tm_mday == d->day &&
	    tm.tm_hour == 12 && tm.tm_min == 0 && tm.tm_sec == 0);
}

static void
check_dop(bool has, double v)
{
	check(!has || (isfinite(v) && v >= 0.0));
}

static void
check_sats(int n)
{
	check(n >= -1 && n <= 99);
}

static void
check_gsa(const struct nmea_gsa *g)
{
	check(g->selection == 0 || in_set(g->selection, "MA"));
	check(g->fix >= 0 && g->fix <= 3);
	check(g->prn_count >= 0 && g->prn_count <= NMEA_GSA_PRNS);
	for (int i = 0; i < g->prn_count; i++)
		check(g->prns[i] >= 1 && g->prns[i] <= 999);
	check_dop(g->has_pdop, g->pdop);
	check_dop(g->has_hdop, g->hdop);
	check_dop(g->has_vdop, g->vdop);
	check(g->system_id >= 0 && g->system_id <= 15);
	check(g->system == nmea_system_from_id(g->system_id));
}

static void
check_gsv(const struct nmea_gsv *g)
{
	check(g->total >= 1 && g->total <= 9);
	check(g->number >= 1 && g->number <= g->total);
	check_sats(g->sats_in_view);
	check(g->sats_in_msg >= 0 && g->sats_in_msg <= 4);
	check(g->signal_id >= -1 && g->signal_id <= 15);
}

static void
check_fields(const struct nmea_sentence *s)
{
	switch (s->type) {
	case NMEA_TYPE_RMC:
		if (s->rmc.has_time)
			check_tod(&s->rmc.time);
		if (s->rmc.has_date)
			check_date(&s->rmc.date);
		check(s->rmc.status == 0 || in_set(s->rmc.status, "AV"));
		check(s->rmc.mode == 0 || in_set(s->rmc.mode, "ADEFMNPRS"));
		check(s->rmc.nav_status == 0 ||
		    in_set(s->rmc.nav_status, "SCUV"));
		break;
	case NMEA_TYPE_ZDA:
		if (s->zda.has_time)
			check_tod(&s->zda.time);
		if (s->zda.has_date)
			check_date(&s->zda.date);
		check(!s->zda.has_zone || abs(s->zda.zone_min) <= 13 * 60 + 59);
		break;
	case NMEA_TYPE_GGA:
		if (s->gga.has_time)
			check_tod(&s->gga.time);
		check(s->gga.quality >= -1 && s->gga.quality <= 8);
		check_sats(s->gga.sats_used);
		check_dop(s->gga.has_hdop, s->gga.hdop);
		break;
	case NMEA_TYPE_GSA:
		check_gsa(&s->gsa);
		break;
	case NMEA_TYPE_GNS:
		if (s->gns.has_time)
			check_tod(&s->gns.time);
		check(strlen(s->gns.modes) <= NMEA_GNS_MODES);
		for (const char *m = s->gns.modes; *m != '\0'; m++)
			check(in_set(*m, "ADEFMNPRS"));
		check_sats(s->gns.sats_used);
		check_dop(s->gns.has_hdop, s->gns.hdop);
		break;
	case NMEA_TYPE_GSV:
		check_gsv(&s->gsv);
		break;
	default:
		abort();
	}
}

/* An accepted line: '$', printable, "*HH" matching, a GNSS address. */
static void
check_framing(const char *buf, size_t len, const struct nmea_sentence *s)
{
	unsigned want;

	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	check(len >= 10 && len <= NMEA_MAX_LEN && buf[0] == '$');
	check(s->oversize == (len + 2 > NMEA_STD_MAX_LEN));
	for (size_t i = 1; i < len; i++)
		check(buf[i] >= 0x20 && buf[i] <= 0x7e && buf[i] != '$');
	check(buf[len - 3] == '*' && memchr(buf, '*', len - 3) == NULL);
	want = (unsigned)strtoul((char[3]){ buf[len - 2], buf[len - 1], 0 },
	    NULL, 16);
	check(nmea_checksum(buf + 1, len - 4) == want);
	check(strlen(s->address) == 5 && memcmp(s->address, buf + 1, 5) == 0 &&
	    buf[6] == ',' && memcmp(s->talker, buf + 1, 2) == 0);
	check(s->system != NMEA_SYS_NONE &&
	    s->system == nmea_talker_system(s->talker) &&
	    strcmp(nmea_system_name(s->system), "?") != 0);
}

static int
parse_checked(const char *buf, size_t len, struct nmea_sentence *s)
{
	int rc = nmea_parse(buf, len, s);

	check(rc <= 0 && rc >= NMEA_RESULT_MIN &&
	    strcmp(nmea_result_name(rc), "?") != 0);
	check((rc == NMEA_OK) == (s->type != NMEA_TYPE_NONE));
	check(rc == NMEA_BAD_FIELD ?
	    s->bad_field >= 1 && s->bad_field <= NMEA_MAX_FIELDS :
	    s->bad_field == 0);
	check(strnlen(s->address, sizeof(s->address)) < sizeof(s->address));
	if (rc == NMEA_OK) {
		check_framing(buf, len, s);
		check_fields(s);
	}
	return rc;
}

/* The same bytes give the same result; a CR/LF added changes nothing. */
static void
check_whole(const uint8_t *data, size_t size)
{
	static struct nmea_sentence s1, s2;
	static char buf[NMEA_MAX_LEN + 8];
	int rc;

	rc = parse_checked((const char *)data, size, &s1);
	check(nmea_parse((const char *)data, size, &s2) == rc);
	check(memcmp(&s1, &s2, sizeof(s1)) == 0);
	if (size == 0 || size > NMEA_MAX_LEN || data[size - 1] == '\n' ||
	    data[size - 1] == '\r')
		return;
	memcpy(buf, data, size);
	memcpy(buf + size, "\r\n", 2);
	check(nmea_parse(buf, size + 2, &s2) == rc);
	check(memcmp(&s1, &s2, sizeof(s1)) == 0);
}

static void
check_epoch(const struct nmea_epoch *e, const struct nmea_epoch *prev,
    bool has_prev)
{
	int64_t u, ds;

	check_tod(&e->time);
	check(e->leap_second == (e->time.sec == 60));
	if (e->has_date) {
		check_date(&e->date);
		check(nmea_to_unix(&e->date, &e->time, &u) == 0 &&
		    u == e->utc_s);
	} else {
		check(e->utc_s == 0);
	}
	check(!e->valid || (e->has_date && !e->date_conflict));
	check(!e->valid || e->has_rmc || e->gga_quality >= 0 || e->has_gns);
	check(!e->valid || MIN_SATS <= e->sats_used);
	check(e->gga_quality >= -1 && e->gga_quality <= 8);
	check(e->gsa_fix >= 0 && e->gsa_fix <= 3);
	check(e->sats_used >= -1 && e->sats_used <= 16 * NMEA_GSA_PRNS + 99);
	check(e->sentences >= 1 && e->system != NMEA_SYS_NONE);
	check(e->has_prev == has_prev);
	if (!has_prev) {
		check(!e->jump && e->step_ns == 0);
		return;
	}
	if (e->has_date && prev->has_date) {
		ds = e->utc_s - prev->utc_s;
		ds = ds > STEP_MAX_S ? STEP_MAX_S :
		    ds < -STEP_MAX_S ? -STEP_MAX_S : ds;
		check(e->step_ns == ds * NS_PER_S +
		    (e->time.nsec - prev->time.nsec));
	} else {
		check(e->step_ns >= 0 && e->step_ns < 86400 * NS_PER_S);
	}
	check(e->jump ==
	    (e->step_ns != (prev->leap_second ? 0 : NS_PER_S)));
}

/* Each '\n'-terminated piece is a line; an empty one flushes. */
static void
check_assembler(const uint8_t *data, size_t size)
{
	struct nmea_asm *a = nmea_asm_create(MIN_SATS);
	struct nmea_sentence s;
	struct nmea_epoch e, prev;
	bool has_prev = false;
	size_t start = 0;
	int got;

	check(a != NULL);
	memset(&prev, 0, sizeof(prev));
	for (size_t i = 0; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		if (i == start && i < size)
			got = nmea_asm_flush(a, &e);
		else if (i < size || i > start)
			got = parse_checked((const char *)data + start,
			    i - start, &s) == NMEA_OK &&
			    nmea_asm_feed(a, &s, &e);
		else
			got = 0;
		if (got) {
			check_epoch(&e, &prev, has_prev);
			prev = e;
			has_prev = true;
		}
		start = i + 1;
	}
	if (nmea_asm_flush(a, &e))
		check_epoch(&e, &prev, has_prev);
	check(nmea_asm_flush(a, &e) == 0);
	nmea_asm_destroy(a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_whole(data, size);
	check_assembler(data, size);
	return 0;
}

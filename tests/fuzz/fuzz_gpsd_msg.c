/*
 * fuzz_gpsd_msg.c - libFuzzer harness for the gpsd JSON message parser
 * (gpsd_msg.h) and its ISO 8601 time reader.
 *
 * Besides memory safety, checks what must hold for any input: the result
 * is one of the four documented codes, with a name; parsing is
 * deterministic and blind to trailing CR/LF; the strings it copies are
 * terminated within their buffers; a message parsed OK has every field
 * it reports within the ranges gpsd_msg.h gives (TPV mode 0..3, status
 * -1 or 0..99, ept finite and >= 0, leapseconds -100..100; PPS/TOFF
 * instants with nanoseconds below a second, precision -64..64) and, for
 * a class we do not use, nothing but its class and device. The input as
 * a C string must also read as an ISO time only if libc's calendar
 * writes the same date and time back.
 *
 *   clang -fsanitize=fuzzer,address,undefined ... fuzz_gpsd_msg.c \
 *       gpsd_msg.c nmea.c -ljansson
 *   ./fuzz_gpsd_msg -max_len=4096 tests/fuzz/corpus/gpsd_msg
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gpsd_msg.h"

#define NS_PER_S	1000000000LL
#define ISO_MAX		64		/* longer is no ISO time of ours */

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(bool ok)
{
	if (!ok)
		abort();
}

static bool
terminated(const char *s, size_t len)
{
	return memchr(s, '\0', len) != NULL;
}

/* Whole seconds and nanoseconds, both >= 0: no sign, no wrap. */
static void
check_instant(int64_t ns)
{
	check(ns >= 0);
}

static void
check_msg(int rc, const struct gpsd_msg *m)
{
	check(strcmp(gpsd_msg_result_name(rc), "?") != 0);
	check(rc == GPSD_MSG_OK || rc == GPSD_MSG_NOT_JSON ||
	    rc == GPSD_MSG_NO_CLASS || rc == GPSD_MSG_BAD_FIELD);
	check(terminated(m->device, sizeof(m->device)));
	check(terminated(m->text, sizeof(m->text)));
	if (rc != GPSD_MSG_OK)
		return;
	switch (m->cls) {
	case GPSD_TPV:
		check(m->mode >= 0 && m->mode <= 3);
		check(m->status == -1 || (m->status >= 0 && m->status <= 99));
		check(!m->has_ept || (isfinite(m->ept_s) && m->ept_s >= 0));
		check(!m->has_leapseconds || (m->leapseconds >= -100 &&
		    m->leapseconds <= 100));
		break;
	case GPSD_PPS:
	case GPSD_TOFF:
		check_instant(m->real_ns);
		check_instant(m->clock_ns);
		check(!m->has_precision || (m->precision >= -64 &&
		    m->precision <= 64));
		break;
	case GPSD_OTHER:
		check(m->mode == 0 && m->status == -1 && !m->has_time &&
		    !m->has_ept && m->real_ns == 0 && m->clock_ns == 0 &&
		    m->text[0] == '\0' && m->ndevices == 0);
		break;
	default:
		check(m->cls == GPSD_VERSION || m->cls == GPSD_DEVICES ||
		    m->cls == GPSD_WATCH || m->cls == GPSD_ERROR);
		break;
	}
}

/* Same input, same answer; a CR/LF more changes nothing. */
static void
check_stable(const uint8_t *data, size_t size, int rc,
    const struct gpsd_msg *m)
{
	struct gpsd_msg again;
	char *buf = malloc(size + 2);

	check(buf != NULL);
	memcpy(buf, data, size);
	check(gpsd_msg_parse(buf, size, &again) == rc);
	check(memcmp(&again, m, sizeof(again)) == 0);
	buf[size] = '\r';
	buf[size + 1] = '\n';
	check(gpsd_msg_parse(buf, size + 2, &again) == rc);
	check(memcmp(&again, m, sizeof(again)) == 0);
	free(buf);
}

/* An ISO time accepted is one libc writes back the same way. */
static void
check_iso(const uint8_t *data, size_t size)
{
	char s[ISO_MAX + 1], back[32];
	struct tm tm;
	int64_t ns;
	time_t sec;

	if (size > ISO_MAX)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	if (gpsd_msg_iso_time(s, &ns) < 0)
		return;
	check(strlen(s) >= 20 && s[strlen(s) - 1] == 'Z');
	sec = (time_t)(ns >= 0 ? ns / NS_PER_S : -((-ns + NS_PER_S - 1) /
	    NS_PER_S));
	check(ns - (int64_t)sec * NS_PER_S < NS_PER_S);
	/* 23:59:60 is the next day's midnight in Unix time */
	if (s[17] == '6')
		return;
	check(gmtime_r(&sec, &tm) != NULL);
	snprintf(back, sizeof(back), "%04d-%02d-%02dT%02d:%02d:%02d",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	check(strncmp(back, s, 19) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gpsd_msg m;
	int rc;

	rc = gpsd_msg_parse((const char *)data, size, &m);
	check_msg(rc, &m);
	check_stable(data, size, rc, &m);
	check_iso(data, size);
	return 0;
}

/*
 * gpsd_msg.c - gpsd JSON messages (see gpsd_msg.h).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "gpsd_msg.h"
#include "nmea.h"

#define NS_PER_S	1000000000LL
/* The last second whose nanoseconds fit int64_t (2262-04-11): beyond, an
 * instant is garbage, and sec * NS_PER_S would overflow. */
#define SEC_MAX		(INT64_MAX / NS_PER_S - 1)

static const struct {
	const char	*name;
	enum gpsd_class	cls;
} classes[] = {
	{ "VERSION", GPSD_VERSION }, { "DEVICES", GPSD_DEVICES },
	{ "WATCH", GPSD_WATCH }, { "TPV", GPSD_TPV }, { "PPS", GPSD_PPS },
	{ "TOFF", GPSD_TOFF }, { "ERROR", GPSD_ERROR },
};

static void
copy_str(json_t *o, const char *key, char *dst, size_t len)
{
	const char *v = json_string_value(json_object_get(o, key));

	snprintf(dst, len, "%s", v != NULL ? v : "");
}

/* An integer field within [lo, hi]; 0 or -1. */
static int
get_int(json_t *o, const char *key, long long lo, long long hi, long long *v)
{
	json_t *j = json_object_get(o, key);

	if (!json_is_integer(j))
		return -1;
	*v = json_integer_value(j);
	return *v >= lo && *v <= hi ? 0 : -1;
}

/* Decimal digits at *p, exactly n of them. */
static int
digits(const char **p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		*v = *v * 10 + (**p - '0');
	}
	return 0;
}

int
gpsd_msg_iso_time(const char *s, int64_t *ns)
{
	struct nmea_date d;
	struct nmea_tod t;
	int64_t sec, frac = 0, scale = NS_PER_S;

	memset(&t, 0, sizeof(t));
	if (digits(&s, 4, &d.year) < 0 || *s++ != '-' ||
	    digits(&s, 2, &d.month) < 0 || *s++ != '-' ||
	    digits(&s, 2, &d.day) < 0 || *s++ != 'T' ||
	    digits(&s, 2, &t.hour) < 0 || *s++ != ':' ||
	    digits(&s, 2, &t.min) < 0 || *s++ != ':' ||
	    digits(&s, 2, &t.sec) < 0)
		return -1;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return -1;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (scale > 1) {
				scale /= 10;
				frac += (*s - '0') * scale;
			}
		}
	}
	if (s[0] != 'Z' || s[1] != '\0')
		return -1;
	if (nmea_to_unix(&d, &t, &sec) < 0 || sec > SEC_MAX)
		return -1;
	*ns = sec * NS_PER_S + frac;
	return 0;
}

static int
parse_tpv(json_t *o, struct gpsd_msg *m)
{
	json_t *ept = json_object_get(o, "ept");
	const char *time = json_string_value(json_object_get(o, "time"));
	long long v;

	if (get_int(o, "mode", 0, 3, &v) < 0)
		return GPSD_MSG_BAD_FIELD;
	m->mode = (int)v;
	m->status = get_int(o, "status", 0, 99, &v) == 0 ? (int)v : -1;
	if (time != NULL && gpsd_msg_iso_time(time, &m->time_ns) < 0)
		return GPSD_MSG_BAD_FIELD;
	m->has_time = time != NULL;
	if (ept != NULL) {
		if (!json_is_number(ept) || !isfinite(json_number_value(ept)) ||
		    json_number_value(ept) < 0)
			return GPSD_MSG_BAD_FIELD;
		m->has_ept = true;
		m->ept_s = json_number_value(ept);
	}
	if (get_int(o, "leapseconds", -100, 100, &v) == 0) {
		m->has_leapseconds = true;
		m->leapseconds = (int)v;
	}
	return GPSD_MSG_OK;
}

/* PPS and TOFF: two instants, each in whole seconds and nanoseconds. */
static int
parse_offset(json_t *o, struct gpsd_msg *m)
{
	long long rs, rn, cs, cn, v;

	if (get_int(o, "real_sec", 0, SEC_MAX, &rs) < 0 ||
	    get_int(o, "real_nsec", 0, NS_PER_S - 1, &rn) < 0 ||
	    get_int(o, "clock_sec", 0, SEC_MAX, &cs) < 0 ||
	    get_int(o, "clock_nsec", 0, NS_PER_S - 1, &cn) < 0)
		return GPSD_MSG_BAD_FIELD;
	m->real_ns = rs * NS_PER_S + rn;
	m->clock_ns = cs * NS_PER_S + cn;
	if (get_int(o, "precision", -64, 64, &v) == 0) {
		m->has_precision = true;
		m->precision = (int)v;
	}
	return GPSD_MSG_OK;
}

static int
parse_class(json_t *o, struct gpsd_msg *m)
{
	long long v;

	switch (m->cls) {
	case GPSD_VERSION:
		copy_str(o, "release", m->text, sizeof(m->text));
		m->proto_major = get_int(o, "proto_major", 0, 999, &v) == 0 ?
		    (int)v : -1;
		m->proto_minor = get_int(o, "proto_minor", 0, 999, &v) == 0 ?
		    (int)v : -1;
		return GPSD_MSG_OK;
	case GPSD_ERROR:
		copy_str(o, "message", m->text, sizeof(m->text));
		return GPSD_MSG_OK;
	case GPSD_DEVICES:
		m->ndevices = (int)json_array_size(json_object_get(o, "devices"));
		return GPSD_MSG_OK;
	case GPSD_TPV:
		return parse_tpv(o, m);
	case GPSD_PPS:
	case GPSD_TOFF:
		return parse_offset(o, m);
	default:
		return GPSD_MSG_OK;
	}
}

int
gpsd_msg_parse(const char *line, size_t len, struct gpsd_msg *m)
{
	json_t *o;
	const char *cls;
	int rc;

	memset(m, 0, sizeof(*m));
	m->status = -1;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	if (o == NULL || !json_is_object(o)) {
		json_decref(o);
		return GPSD_MSG_NOT_JSON;
	}
	if ((cls = json_string_value(json_object_get(o, "class"))) == NULL) {
		json_decref(o);
		return GPSD_MSG_NO_CLASS;
	}
	m->cls = GPSD_OTHER;
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strcmp(cls, classes[i].name) == 0)
			m->cls = classes[i].cls;
	copy_str(o, "device", m->device, sizeof(m->device));
	rc = parse_class(o, m);
	json_decref(o);
	return rc;
}

const char *
gpsd_msg_result_name(int rc)
{
	static const char *const names[] = {
		"ok", "not_json", "no_class", "bad_field",
	};

	if (rc > 0 || -rc >= (int)(sizeof(names) / sizeof(names[0])))
		return "?";
	return names[-rc];
}

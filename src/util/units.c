/*
 * units.c - parse and format durations and frequency offsets.
 *
 * Durations are parsed exactly in decimal (never through a double), so
 * "0.1s" is 100000000 ns and not 99999999 or 100000001.
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

struct unit {
	const char	*name;
	uint64_t	scale;		/* ns per unit, or ppb per unit */
	double		fscale;		/* for frequencies */
};

static const struct unit duration_units[] = {
	{ "ns", 1ULL, 0 },
	{ "us", 1000ULL, 0 },
	{ "\xc2\xb5s", 1000ULL, 0 },	/* U+00B5 MICRO SIGN */
	{ "\xce\xbcs", 1000ULL, 0 },	/* U+03BC GREEK SMALL LETTER MU */
	{ "ms", 1000000ULL, 0 },
	{ "s", 1000000000ULL, 0 },
	{ "min", 60ULL * 1000000000ULL, 0 },
	{ "h", 3600ULL * 1000000000ULL, 0 },
	{ "d", 86400ULL * 1000000000ULL, 0 },
	{ NULL, 0, 0 },
};

static const struct unit frequency_units[] = {
	{ "ppm", 0, 1e3 },
	{ "ppb", 0, 1.0 },
	{ "ppt", 0, 1e-3 },
	{ NULL, 0, 0 },
};

/* The pieces of "[-]digits[.digits]unit", as pointers into the string. */
struct number {
	int		neg;
	const char	*ip, *ie;	/* integer digits [ip, ie) */
	const char	*fp, *fe;	/* fraction digits [fp, fe), maybe empty */
	const char	*unit;		/* the rest */
};

static int
isdig(char c)
{
	return c >= '0' && c <= '9';
}

static int
split_number(const char *s, struct number *n, const char **why)
{
	const char *p = s;

	memset(n, 0, sizeof(*n));
	if (*p == '-') {
		n->neg = 1;
		p++;
	}
	n->ip = p;
	while (isdig(*p))
		p++;
	n->ie = p;
	n->fp = n->fe = p;
	if (*p == '.') {
		n->fp = ++p;
		while (isdig(*p))
			p++;
		n->fe = p;
		if (n->fe == n->fp) {
			*why = "expected digits after the decimal point";
			return -1;
		}
	}
	if (n->ie == n->ip) {
		*why = *s == '\0' ? "empty value" : "expected a number";
		return -1;
	}
	n->unit = p;
	return 0;
}

static const struct unit *
find_unit(const struct unit *tab, const char *name)
{
	for (; tab->name != NULL; tab++)
		if (strcmp(tab->name, name) == 0)
			return tab;
	return NULL;
}

/*
 * The fraction 0.f1f2...fk times scale, rounded half away from zero.
 * Long multiplication from the last digit towards the point: the carry
 * out of the first digit is the whole part, the digit left in the first
 * place decides the rounding. Exact for any number of digits.
 */
static uint64_t
fraction_times(const char *fp, const char *fe, uint64_t scale)
{
	uint64_t carry = 0, t = 0;

	if (fp == fe)
		return 0;
	for (const char *d = fe; d > fp; d--) {
		t = (uint64_t)(d[-1] - '0') * scale + carry;
		carry = t / 10;
	}
	return carry + (t % 10 >= 5);
}

int
units_parse_duration(const char *s, int64_t *ns, const char **why)
{
	struct number n;
	const struct unit *u;
	uint64_t ip = 0, frac, limit, v;

	if (strcmp(s, "0") == 0) {
		*ns = 0;
		return 0;
	}
	if (split_number(s, &n, why) < 0)
		return -1;
	if (*n.unit == '\0') {
		*why = "missing unit (one of ns, us, ms, s, min, h, d)";
		return -1;
	}
	if ((u = find_unit(duration_units, n.unit)) == NULL) {
		*why = "unknown unit (expected one of ns, us, ms, s, min, h, d)";
		return -1;
	}
	limit = n.neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (const char *d = n.ip; d < n.ie; d++) {
		if (ip > (limit - (uint64_t)(*d - '0')) / 10)
			goto range;
		ip = ip * 10 + (uint64_t)(*d - '0');
	}
	if (ip > limit / u->scale)
		goto range;
	v = ip * u->scale;
	frac = fraction_times(n.fp, n.fe, u->scale);
	if (frac > limit - v)
		goto range;
	v += frac;
	/* -(v - 1) - 1 avoids overflow when v is 2^63. */
	*ns = n.neg && v > 0 ? -(int64_t)(v - 1) - 1 : (int64_t)v;
	return 0;
range:
	*why = "out of range (about 292 years at most)";
	return -1;
}

int
units_parse_frequency(const char *s, double *ppb, const char **why)
{
	struct number n;
	const struct unit *u;
	char *end;
	double v;

	if (strcmp(s, "0") == 0) {
		*ppb = 0;
		return 0;
	}
	if (split_number(s, &n, why) < 0)
		return -1;
	if (*n.unit == '\0') {
		*why = "missing unit (one of ppm, ppb, ppt)";
		return -1;
	}
	if ((u = find_unit(frequency_units, n.unit)) == NULL) {
		*why = "unknown unit (expected one of ppm, ppb, ppt)";
		return -1;
	}
	/* split_number admitted only [-]digits[.digits], so strtod stops
	 * exactly at the unit: no hex, exponent, inf or nan gets here.
	 * Underflow to (nearly) zero is harmless; overflow is not. */
	v = strtod(s, &end);
	if (end != n.unit || !isfinite(v * u->fscale)) {
		*why = "out of range";
		return -1;
	}
	*ppb = v * u->fscale;
	if (*ppb == 0)
		*ppb = 0;	/* no "-0" */
	return 0;
}

int
units_format_duration(int64_t ns, char *buf, size_t len)
{
	static const struct unit fmt[] = {
		{ "s", 1000000000ULL, 0 },
		{ "ms", 1000000ULL, 0 },
		{ "us", 1000ULL, 0 },
		{ "ns", 1ULL, 0 },
	};
	const struct unit *u = &fmt[0];
	int r;

	if (ns != 0)
		for (u = fmt; ns % (int64_t)u->scale != 0; u++)
			;
	r = snprintf(buf, len, "%" PRId64 "%s", ns / (int64_t)u->scale,
	    u->name);
	return r < 0 || (size_t)r >= len ? -1 : 0;
}

int
units_parse_hostport(const char *s, char *host, size_t hostlen,
    uint16_t *port, int *family, const char **why)
{
	unsigned char addr[sizeof(struct in6_addr)];
	char buf[INET6_ADDRSTRLEN + 2];
	const char *colon, *p;
	size_t n;
	unsigned long v = 0;

	*family = s[0] == '[' ? AF_INET6 : AF_INET;
	if (*family == AF_INET6) {
		p = strchr(s, ']');
		if (p == NULL)
			return *why = "no ] after the IPv6 address", -1;
		colon = p + 1;
		if (*colon != ':')
			return *why = "no :PORT after the address", -1;
		s++;
		n = (size_t)(p - s);
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return *why = "no :PORT after the address", -1;
		n = (size_t)(colon - s);
	}
	if (n >= sizeof(buf) || n >= hostlen)
		return *why = "address too long", -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(*family, buf, addr) != 1)
		return *why = *family == AF_INET6 ? "not a numeric IPv6 address" :
		    "not a numeric IPv4 address (IPv6 goes in brackets)", -1;
	for (p = colon + 1; *p >= '0' && *p <= '9' && v <= 65535; p++)
		v = v * 10 + (unsigned long)(*p - '0');
	if (p == colon + 1 || *p != '\0' || v < 1 || v > 65535)
		return *why = "the port must be a number from 1 to 65535", -1;
	memcpy(host, buf, n + 1);
	*port = (uint16_t)v;
	return 0;
}

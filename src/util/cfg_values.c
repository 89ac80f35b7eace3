/*
 * cfg_values.c - the value side of the configuration tables (cfg.c):
 * message text for a key and a value, and one setter per kind of value
 * (bool, enum, duration, frequency, integer, path, socket, host, ...).
 * A setter parses the scalar text, checks it against the key's range and
 * stores it in the key's field, or writes why not.
 */
#include "config.h"
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <sys/un.h>

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg.h"
#include "cfg_private.h"
#include "units.h"

/* tolerance.preset: the maximum error from UTC, in ns, that each regime or
 * standard allows. */
static const struct name_val presets[] = {
	{ "rts25-hft", 100000 },	/* MiFID II RTS 25, HFT member */
	{ "rts25", 1000000 },		/* RTS 25, other electronic trading */
	{ "rts25-voice", 1000000000 },	/* RTS 25, voice/RFQ */
	{ "cat-participant", 100000 },	/* CAT NMS Plan, exchanges */
	{ "finra", 50000000 },		/* FINRA 4590, CAT industry members */
	{ "iec61850", 1000 },		/* IEC/IEEE 61850-9-3 */
	{ "g8271-1", 500000000 },	/* ITU-T G.8271 accuracy levels */
	{ "g8271-2", 100000 },
	{ "g8271-3", 5000 },
	{ "g8271-4", 1500 },
	{ "g8271-5", 1000 },
	{ "g8271-6a", 260 },
	{ "g8271-6b", 130 },
	{ "g8271-6c", 65 },
	{ "prtc-a", 100 },		/* ITU-T G.8272 */
	{ "prtc-b", 40 },
	{ NULL, 0 },
};

/* ---------------------------------------------------------------- text */

void *
cfgv_field(void *base, const struct key *k)
{
	return (char *)base + k->off;
}

/* s made safe for a one-line message: escaped, cut short, maybe quoted. */
const char *
cfgv_printable(const char *s, bool quotes, char *buf, size_t len)
{
	size_t o = 0, n = 0;

	if (quotes)
		buf[o++] = '"';
	for (; *s != '\0' && o + 8 < len; s++, n++) {
		unsigned char c = (unsigned char)*s;

		/* Cut between UTF-8 sequences, never inside one. */
		if (n >= 48 && (c & 0xc0) != 0x80) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		else if (quotes && (c == '"' || c == '\\')) {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else
			buf[o++] = (char)c;
	}
	if (quotes)
		buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

const char *
cfgv_quote(const char *s, char *buf, size_t len)
{
	return cfgv_printable(s, true, buf, len);
}

const char *
cfgv_value_name(const struct name_val *nv, int64_t val)
{
	for (; nv->name != NULL; nv++)
		if (nv->val == val)
			return nv->name;
	return "unknown";
}

static const struct name_val *
name_lookup(const struct name_val *nv, const char *name)
{
	for (; nv->name != NULL; nv++)
		if (strcmp(nv->name, name) == 0)
			return nv;
	return NULL;
}

static void
join_names(const struct name_val *nv, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (; nv->name != NULL && o < len; nv++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s",
		    o > 0 ? ", " : "", nv->name);
}

/* What a key's value should look like, for "expected ..." messages. */
const char *
cfgv_expected(const struct key *k, char *buf, size_t len)
{
	static const char prefix[] = "one of ";

	if (k->names == NULL)
		return k->what;
	memcpy(buf, prefix, sizeof(prefix));
	join_names(k->names, buf + sizeof(prefix) - 1,
	    len - (sizeof(prefix) - 1));
	return buf;
}

static int
bad_value(const struct key *k, const char *val, char *why, size_t len)
{
	char what[CFG_ERR_LEN / 2], q[QUOTE_LEN];

	snprintf(why, len, "expected %s, got %s",
	    cfgv_expected(k, what, sizeof(what)), cfgv_quote(val, q, sizeof(q)));
	return -1;
}

/* Bounds read best with the largest exact unit, days included. */
static void
format_ns(int64_t ns, char *buf, size_t len)
{
	static const struct name_val big[] = {
		{ "d", 86400 * NS_S }, { "h", 3600 * NS_S }, { "min", 60 * NS_S },
	};

	for (size_t i = 0; i < ARRAY_LEN(big); i++)
		if (ns != 0 && ns % big[i].val == 0) {
			snprintf(buf, len, "%" PRId64 "%s", ns / big[i].val,
			    big[i].name);
			return;
		}
	units_format_duration(ns, buf, len);
}

static void
format_ppb(int64_t ppb, char *buf, size_t len)
{
	if (ppb % PPB_PPM == 0)
		snprintf(buf, len, "%" PRId64 "ppm", ppb / PPB_PPM);
	else
		snprintf(buf, len, "%" PRId64 "ppb", ppb);
}

static void
format_int(int64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRId64, v);
}

static int
out_of_range(const struct key *k, const char *val,
    void (*fmt)(int64_t, char *, size_t), char *why, size_t len)
{
	char lo[32], hi[32], v[QUOTE_LEN];

	fmt(k->min, lo, sizeof(lo));
	fmt(k->max, hi, sizeof(hi));
	cfgv_printable(val, false, v, sizeof(v));
	if (k->flags & K_MIN_EXCL)
		snprintf(why, len, "%s is out of range (more than %s, "
		    "at most %s)", v, lo, hi);
	else
		snprintf(why, len, "%s is out of range (%s..%s)", v, lo, hi);
	return -1;
}

static bool
in_range(const struct key *k, double v)
{
	if (k->flags & K_MIN_EXCL ? v <= (double)k->min : v < (double)k->min)
		return false;
	return v <= (double)k->max;
}

/* ---------------------------------------------------------------- setters */

int
cfgv_set_bool(const struct key *k, void *base, const char *val, char *why,
    size_t len)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };

	for (size_t i = 0; i < ARRAY_LEN(yes); i++) {
		if (strcasecmp(val, yes[i]) == 0 || strcasecmp(val, no[i]) == 0) {
			*(bool *)cfgv_field(base, k) = strcasecmp(val, yes[i]) == 0;
			return 0;
		}
	}
	return bad_value(k, val, why, len);
}

int
cfgv_set_enum(const struct key *k, void *base, const char *val, char *why,
    size_t len)
{
	const struct name_val *nv = name_lookup(k->names, val);

	if (nv == NULL)
		return bad_value(k, val, why, len);
	*(int *)cfgv_field(base, k) = (int)nv->val;
	return 0;
}

int
cfgv_set_duration(const struct key *k, void *base, const char *val, char *why,
    size_t len)
{
	const char *err;
	int64_t ns;

	if (units_parse_duration(val, &ns, &err) < 0) {
		if (strncmp(err, "out of range", 12) == 0)
			return out_of_range(k, val, format_ns, why, len);
		return bad_value(k, val, why, len);
	}
	if ((k->flags & K_MIN_EXCL ? ns <= k->min : ns < k->min) || ns > k->max)
		return out_of_range(k, val, format_ns, why, len);
	*(int64_t *)cfgv_field(base, k) = ns;
	return 0;
}

int
cfgv_set_frequency(const struct key *k, void *base, const char *val, char *why,
    size_t len)
{
	const char *err;
	double ppb;

	if (units_parse_frequency(val, &ppb, &err) < 0) {
		if (strncmp(err, "out of range", 12) == 0)
			return out_of_range(k, val, format_ppb, why, len);
		return bad_value(k, val, why, len);
	}
	if (!in_range(k, ppb))
		return out_of_range(k, val, format_ppb, why, len);
	*(double *)cfgv_field(base, k) = ppb;
	return 0;
}

/* Plain decimal digits only: no sign, no 0x, no 1_000, no spaces. */
static int
parse_digits(const char *s, uint64_t *v)
{
	uint64_t r = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (r > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -2;
		r = r * 10 + (uint64_t)(*s - '0');
	}
	*v = r;
	return 0;
}

int
cfgv_set_int(const struct key *k, void *base, const char *val, char *why,
    size_t len)
{
	bool neg = val[0] == '-';
	uint64_t u = 0;
	int64_t v;
	int r = parse_digits(val + neg, &u);

	if (r == -1)
		return bad_value(k, val, why, len);
	/* Integer keys have small bounds: anything huge is out of range. */
	if (r == -2 || u > (uint64_t)INT32_MAX)
		return out_of_range(k, val, format_int, why, len);
	v = neg ? -(int64_t)u : (int64_t)u;
	if (!in_range(k, (double)v))
		return out_of_range(k, val, format_int, why, len);
	*(int *)cfgv_field(base, k) = (int)v;
	return 0;
}

int
cfgv_set_u64(const struct key *k, void *base, const char *val, char *why,
    size_t len)
{
	uint64_t u;
	char v[QUOTE_LEN];
	int r = parse_digits(val, &u);

	if (r == -1)
		return bad_value(k, val, why, len);
	if (r == -2) {
		snprintf(why, len, "%s is out of range (0..%" PRIu64 ")",
		    cfgv_printable(val, false, v, sizeof(v)), UINT64_MAX);
		return -1;
	}
	*(uint64_t *)cfgv_field(base, k) = u;
	return 0;
}

static int
set_string(const struct key *k, void *base, const char *val, char *why,
    size_t len)
{
	char **f = cfgv_field(base, k);
	char *s = strdup(val);

	if (s == NULL) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	free(*f);
	*f = s;
	return 0;
}

int
cfgv_set_path(const struct key *k, void *base, const char *val, char *why,
    size_t len)
{
	if (val[0] != '/')
		return bad_value(k, val, why, len);
	if (strlen(val) >= MAX_PATH_BYTES) {
		snprintf(why, len, "path is longer than %d bytes",
		    MAX_PATH_BYTES - 1);
		return -1;
	}
	return set_string(k, base, val, why, len);
}

int
cfgv_set_socket(const struct key *k, void *base, const char *val, char *why,
    size_t len)
{
	if (val[0] != '\0' && val[0] != '/')
		return bad_value(k, val, why, len);
	if (strlen(val) >= SOCKET_PATH_MAX) {
		snprintf(why, len, "path is %zu bytes, a socket path holds at "
		    "most %zu", strlen(val), SOCKET_PATH_MAX - 1);
		return -1;
	}
	return set_string(k, base, val, why, len);
}

int
cfgv_set_path_or_empty(const struct key *k, void *base, const char *val,
    char *why, size_t len)
{
	if (val[0] == '\0')
		return set_string(k, base, val, why, len);
	return cfgv_set_path(k, base, val, why, len);
}

/* Checked here so that tsyncd -t catches what bind would refuse. */
int
cfgv_set_listen(const struct key *k, void *base, const char *val, char *why,
    size_t len)
{
	char host[64], q[QUOTE_LEN];
	const char *err;
	uint16_t port;
	int family;

	if (val[0] != '\0' && units_parse_hostport(val, host, sizeof(host),
	    &port, &family, &err) < 0) {
		snprintf(why, len, "%s: %s; expected HOST:PORT like "
		    "\"127.0.0.1:9469\" or \"[::1]:9469\", or \"\" to disable",
		    cfgv_quote(val, q, sizeof(q)), err);
		return -1;
	}
	return set_string(k, base, val, why, len);
}

/*
 * The portable user-name set (POSIX 3.437) without a leading '-', so a
 * name can never be taken for an option or a number by getpwnam's peers.
 */
static int
set_account(const struct key *k, void *base, const char *val, char *why,
    size_t len, const char *kind)
{
	size_t n = strspn(val, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_.-");
	char q[QUOTE_LEN];

	if (val[n] != '\0' || n > USER_NAME_MAX || val[0] == '-') {
		snprintf(why, len, "invalid %s name %s (1 to %d characters "
		    "from A-Z a-z 0-9 _ . -, not starting with -; \"\" for "
		    "none)", kind, cfgv_quote(val, q, sizeof(q)), USER_NAME_MAX);
		return -1;
	}
	return set_string(k, base, val, why, len);
}

int
cfgv_set_user(const struct key *k, void *base, const char *val, char *why,
    size_t len)
{
	return set_account(k, base, val, why, len, "user");
}

int
cfgv_set_group(const struct key *k, void *base, const char *val, char *why,
    size_t len)
{
	return set_account(k, base, val, why, len, "group");
}

/* A direct max_error replaces the preset it would contradict. */
int
cfgv_set_max_error(const struct key *k, void *base, const char *val, char *why,
    size_t len)
{
	struct cfg_tolerance *t = base;

	if (cfgv_set_duration(k, base, val, why, len) < 0)
		return -1;
	free(t->preset);
	t->preset = NULL;
	return 0;
}

int
cfgv_set_preset(const struct key *k, void *base, const char *val, char *why,
    size_t len)
{
	struct cfg_tolerance *t = base;
	const struct name_val *nv = name_lookup(presets, val);
	char names[CFG_ERR_LEN / 2], q[QUOTE_LEN];

	if (nv == NULL) {
		join_names(presets, names, sizeof(names));
		snprintf(why, len, "unknown preset %s (expected one of: %s)",
		    cfgv_quote(val, q, sizeof(q)), names);
		return -1;
	}
	if (set_string(k, base, val, why, len) < 0)
		return -1;
	t->max_error_ns = nv->val;
	return 0;
}

int
cfgv_set_source_name(const struct key *k, void *base, const char *val,
    char *why, size_t len)
{
	size_t n = strspn(val, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_.-");
	char q[QUOTE_LEN];

	if (n == 0 || n > SOURCE_NAME_MAX || val[n] != '\0') {
		snprintf(why, len, "invalid source name %s (1 to %d characters "
		    "from A-Z a-z 0-9 _ . -)", cfgv_quote(val, q, sizeof(q)),
		    SOURCE_NAME_MAX);
		return -1;
	}
	return set_string(k, base, val, why, len);
}

/*
 * A DNS name (letters, digits, '-', '.', at most 253) or a literal IPv4 or
 * IPv6 address, which inet_pton() must accept as it will at start.
 */
int
cfgv_set_host(const struct key *k, void *base, const char *val, char *why,
    size_t len)
{
	unsigned char a[sizeof(struct in6_addr)];
	size_t n = strlen(val);
	char q[QUOTE_LEN];

	if (strchr(val, ':') != NULL) {
		if (inet_pton(AF_INET6, val, a) == 1)
			return set_string(k, base, val, why, len);
	} else if (n > 0 && n <= 253 && strspn(val, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-.") == n && val[0] != '-' &&
	    val[0] != '.')
		return set_string(k, base, val, why, len);
	snprintf(why, len, "expected %s, got %s", k->what,
	    cfgv_quote(val, q, sizeof(q)));
	return -1;
}

/* A Unix socket path: absolute, and short enough for sun_path. */
int
cfgv_set_uds(const struct key *k, void *base, const char *val, char *why,
    size_t len)
{
	if (val[0] != '/' || strlen(val) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return bad_value(k, val, why, len);
	return set_string(k, base, val, why, len);
}

/* IFNAMSIZ - 1 characters, none of them '/', ':' or white space. */
int
cfgv_set_ifname(const struct key *k, void *base, const char *val, char *why,
    size_t len)
{
	size_t n = strlen(val);

	if (n == 0 || n > 15 || strpbrk(val, "/: \t\n") != NULL ||
	    strcmp(val, ".") == 0 || strcmp(val, "..") == 0)
		return bad_value(k, val, why, len);
	return set_string(k, base, val, why, len);
}

int
cfgv_set_trace(const struct key *k, void *base, const char *val, char *why,
    size_t len)
{
	size_t n = strlen(val);

	for (size_t i = 0; i < n; i++)
		if (val[i] < 0x20 || val[i] > 0x7e)
			return bad_value(k, val, why, len);
	if (n == 0 || n > 64)
		return bad_value(k, val, why, len);
	return set_string(k, base, val, why, len);
}

/*
 * cfg_private.h - shared by cfg.c (the YAML walk and the key tables) and
 * cfg_values.c (message text and the setters the tables name). Not for
 * use outside src/util/cfg*.c.
 */
#ifndef TSYNC_CFG_PRIVATE_H
#define TSYNC_CFG_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))
#define NS_S		INT64_C(1000000000)
#define PPB_PPM		INT64_C(1000)

#define MAX_FILE_BYTES	(1024 * 1024)
#define MAX_KEYS	32	/* rows per section: bits of struct seen */
#define MAX_SOURCES	256
#define MAX_PATH_BYTES	4096
#define SOCKET_PATH_MAX	sizeof(((struct sockaddr_un *)0)->sun_path)
#define SOURCE_NAME_MAX	32
#define USER_NAME_MAX	32	/* useradd's limit */
#define PATH_LEN	256	/* key path in messages */
#define QUOTE_LEN	256	/* 48 characters, each maybe \\xNN, and "..." */

struct parser;
struct key;

typedef int (*set_fn)(const struct key *, void *base, const char *val,
    char *why, size_t len);

struct name_val {
	const char	*name;
	int64_t		val;
};

#define K_MIN_EXCL	0x1	/* the value must be above min */
#define K_REQUIRED	0x2
#define K_STR		0x4	/* the field is a malloc'd char * */

struct section {
	const struct key	*keys;
	size_t			nkeys;
	bool			open;	/* skip unknown keys instead of failing */
};

struct key {
	const char		*name;
	set_fn			set;	/* scalar values */
	const char		*what;	/* "expected ..." when not an enum */
	size_t			off;	/* of the field in the section's struct */
	int64_t			min, max; /* ns, ppb or a plain integer */
	unsigned		flags;
	const struct name_val	*names;	/* enum values */
	const struct section	*sub;	/* nested mapping */
	int			(*parse)(struct parser *, const struct key *,
				    void *base);	/* anything else */
	const char		*def;	/* NULL: zero */
	const char		*excludes; /* a sibling that may not also be set */
	unsigned		types;	/* sources: TYPE_BIT()s it applies to; 0 = all */
	const char		*help;
};

#define TYPE_BIT(t)	(1u << (t))

#define W_BOOL		"true or false"
#define W_DURATION	"a duration like \"100ms\""
#define W_FREQUENCY	"a frequency offset like \"500ppm\""
#define W_INT		"an integer"
#define W_PATH		"an absolute path"

/* cfg_values.c: text for messages */
void	*cfgv_field(void *base, const struct key *k);
const char *cfgv_printable(const char *s, bool quotes, char *buf, size_t len);
const char *cfgv_quote(const char *s, char *buf, size_t len);
const char *cfgv_value_name(const struct name_val *nv, int64_t val);
const char *cfgv_expected(const struct key *k, char *buf, size_t len);

/* cfg_values.c: the setters (set_fn) the tables name */
int	cfgv_set_bool(const struct key *, void *, const char *, char *, size_t);
int	cfgv_set_enum(const struct key *, void *, const char *, char *, size_t);
int	cfgv_set_duration(const struct key *, void *, const char *,
	    char *, size_t);
int	cfgv_set_frequency(const struct key *, void *, const char *,
	    char *, size_t);
int	cfgv_set_int(const struct key *, void *, const char *, char *, size_t);
int	cfgv_set_u64(const struct key *, void *, const char *, char *, size_t);
int	cfgv_set_path(const struct key *, void *, const char *, char *, size_t);
int	cfgv_set_socket(const struct key *, void *, const char *,
	    char *, size_t);
int	cfgv_set_path_or_empty(const struct key *, void *, const char *,
	    char *, size_t);
int	cfgv_set_user(const struct key *, void *, const char *, char *, size_t);
int	cfgv_set_group(const struct key *, void *, const char *,
	    char *, size_t);
int	cfgv_set_listen(const struct key *, void *, const char *,
	    char *, size_t);
int	cfgv_set_max_error(const struct key *, void *, const char *,
	    char *, size_t);
int	cfgv_set_preset(const struct key *, void *, const char *,
	    char *, size_t);
int	cfgv_set_source_name(const struct key *, void *, const char *,
	    char *, size_t);
int	cfgv_set_host(const struct key *, void *, const char *, char *, size_t);
int	cfgv_set_trace(const struct key *, void *, const char *,
	    char *, size_t);
int	cfgv_set_uds(const struct key *, void *, const char *, char *, size_t);
int	cfgv_set_ifname(const struct key *, void *, const char *,
	    char *, size_t);

#endif

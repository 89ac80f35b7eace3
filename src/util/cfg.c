/*
 * cfg.c - load and validate tsyncd.yaml.
 *
 * The YAML is read as a stream of libyaml events (the document API would
 * resolve aliases silently and lose anchors, both of which we reject) and
 * checked against one table of keys per section, in the manner of
 * linuxptp's config_tab: a new key is a new row. Each row names its setter,
 * its field, its range and its default; the default is text parsed by the
 * same setter, so cfg_default() and a file spelling out every default
 * cannot disagree. The setters and the message text are in cfg_values.c.
 */
#include "config.h"
#include <sys/socket.h>

#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "cfg.h"
#include "cfg_private.h"
#include "log.h"

/* Setters store every enum through an int. */
_Static_assert(sizeof(enum cfg_clock_driver) == sizeof(int), "enum size");
_Static_assert(sizeof(enum cfg_oscillator) == sizeof(int), "enum size");
_Static_assert(sizeof(enum cfg_timescale) == sizeof(int), "enum size");
_Static_assert(sizeof(enum cfg_log_format) == sizeof(int), "enum size");
_Static_assert(sizeof(enum cfg_source_type) == sizeof(int), "enum size");

struct parser;

/* Which keys of a mapping were given, and where. */
struct seen {
	uint32_t	bits;
	yaml_mark_t	key[MAX_KEYS];
	yaml_mark_t	val[MAX_KEYS];
	/* open sections: the first unknown key, refused later if need be */
	bool		unknown;
	yaml_mark_t	unknown_mark;
	char		unknown_name[64];
};

struct parser {
	yaml_parser_t	yp;
	yaml_event_t	ev;		/* the current event */
	bool		have_ev;
	const char	*name;
	const char	*buf;
	size_t		len;
	char		*err;
	size_t		errlen;
	char		path[PATH_LEN];	/* key path of the current node */
	size_t		pathlen;
	struct seen	*src_seen;	/* per source: its keys and where */
};

static int	parse_sources(struct parser *, const struct key *, void *);
static int	parse_poll(struct parser *, const struct key *, void *);
static int	apply_defaults(const struct section *, void *);


/* ---------------------------------------------------------------- tables */

static const struct name_val clock_drivers[] = {
	{ "observe", CFG_CLOCK_OBSERVE },
	{ "system", CFG_CLOCK_SYSTEM },
	{ "sim", CFG_CLOCK_SIM },
	{ "phc", CFG_CLOCK_PHC },
	{ NULL, 0 },
};

static const struct name_val timescales[] = {
	{ "tai", CFG_TIMESCALE_TAI },
	{ "utc", CFG_TIMESCALE_UTC },
	{ NULL, 0 },
};

static const struct name_val oscillators[] = {
	{ "server-xtal", CFG_OSC_SERVER_XTAL },
	{ "tcxo", CFG_OSC_TCXO },
	{ "ocxo", CFG_OSC_OCXO },
	{ "rubidium", CFG_OSC_RUBIDIUM },
	{ NULL, 0 },
};

static const struct name_val log_levels[] = {
	{ "error", LL_ERR },
	{ "warning", LL_WARNING },
	{ "notice", LL_NOTICE },
	{ "info", LL_INFO },
	{ "debug", LL_DEBUG },
	{ NULL, 0 },
};

static const struct name_val leap_modes[] = {
	{ "step", CFG_LEAP_STEP },
	{ "slew", CFG_LEAP_SLEW },
	{ "smear", CFG_LEAP_SMEAR },
	{ NULL, 0 },
};

static const struct name_val log_formats[] = {
	{ "text", CFG_LOG_TEXT },
	{ "json", CFG_LOG_JSON },
	{ NULL, 0 },
};

static const struct name_val source_types[] = {
	{ "ntp", CFG_SOURCE_NTP },
	{ "ptp", CFG_SOURCE_PTP },
	{ "gnss", CFG_SOURCE_GNSS },
	{ "shm", CFG_SOURCE_SHM },
	{ "gpsd", CFG_SOURCE_GPSD },
	{ NULL, 0 },
};

static const struct key sim_keys[] = {
	{ .name = "frequency_offset", .set = cfgv_set_frequency, .what = W_FREQUENCY,
	  .off = offsetof(struct cfg_sim, freq_offset_ppb),
	  .min = -1000 * PPB_PPM, .max = 1000 * PPB_PPM, .def = "0",
	  .help = "frequency error of the simulated oscillator" },
	{ .name = "initial_offset", .set = cfgv_set_duration, .what = W_DURATION,
	  .off = offsetof(struct cfg_sim, initial_offset_ns),
	  .min = -1000 * NS_S, .max = 1000 * NS_S, .def = "0",
	  .help = "offset of the simulated clock at start" },
	{ .name = "noise", .set = cfgv_set_duration, .what = W_DURATION,
	  .off = offsetof(struct cfg_sim, noise_ns),
	  .min = 0, .max = NS_S, .def = "0",
	  .help = "white phase noise, 1 sigma" },
	{ .name = "wander", .set = cfgv_set_frequency, .what = W_FREQUENCY,
	  .off = offsetof(struct cfg_sim, wander_ppb),
	  .min = 0, .max = 1000 * PPB_PPM, .def = "0",
	  .help = "random-walk frequency noise per sqrt(s)" },
	{ .name = "seed", .set = cfgv_set_u64, .what = "a non-negative integer",
	  .off = offsetof(struct cfg_sim, seed), .def = "1",
	  .help = "seed of the noise generator" },
};

static const struct section sim_section = { sim_keys, ARRAY_LEN(sim_keys),
	false };

static const struct key clock_keys[] = {
	{ .name = "driver", .set = cfgv_set_enum, .names = clock_drivers,
	  .off = offsetof(struct cfg_clock, driver), .def = "observe",
	  .help = "how the system clock is read and steered" },
	{ .name = "discipline", .set = cfgv_set_bool, .what = W_BOOL,
	  .off = offsetof(struct cfg_clock, discipline), .def = "false",
	  .help = "steer the clock (false: observe and report only)" },
	{ .name = "step_threshold", .set = cfgv_set_duration, .what = W_DURATION,
	  .off = offsetof(struct cfg_clock, step_threshold_ns),
	  .min = 0, .max = 1000 * NS_S, .def = "100ms",
	  .help = "step instead of slewing above this offset; 0: never" },
	{ .name = "max_frequency", .set = cfgv_set_frequency, .what = W_FREQUENCY,
	  .off = offsetof(struct cfg_clock, max_frequency_ppb),
	  .min = 0, .max = 500000 * PPB_PPM, .flags = K_MIN_EXCL,
	  .def = "500ppm", .help = "largest frequency correction applied" },
	{ .name = "oscillator", .set = cfgv_set_enum, .names = oscillators,
	  .off = offsetof(struct cfg_clock, oscillator), .def = "server-xtal",
	  .help = "kind of local oscillator, for holdover estimates" },
	{ .name = "sim", .sub = &sim_section,
	  .off = offsetof(struct cfg_clock, sim),
	  .help = "the simulated clock (driver sim)" },
	{ .name = "phc", .set = cfgv_set_path, .what = W_PATH,
	  .off = offsetof(struct cfg_clock, phc), .flags = K_STR,
	  .excludes = "interface",
	  .help = "driver phc: the PTP hardware clock to steer (/dev/ptpN)" },
	{ .name = "interface", .set = cfgv_set_ifname,
	  .what = "a network interface name (1-15 characters)",
	  .off = offsetof(struct cfg_clock, interface), .flags = K_STR,
	  .excludes = "phc",
	  .help = "driver phc: steer the PHC of this interface" },
	{ .name = "timescale", .set = cfgv_set_enum, .names = timescales,
	  .off = offsetof(struct cfg_clock, timescale), .def = "tai",
	  .help = "driver phc: the timescale the PHC keeps (tai or utc)" },
};

static const struct section clock_section = { clock_keys,
	ARRAY_LEN(clock_keys), false };

static const struct key tolerance_keys[] = {
	{ .name = "max_error", .set = cfgv_set_max_error, .what = W_DURATION,
	  .off = offsetof(struct cfg_tolerance, max_error_ns),
	  .min = 0, .max = 1000 * NS_S, .flags = K_MIN_EXCL,
	  .excludes = "preset", .help = "largest allowed error from UTC" },
	{ .name = "preset", .set = cfgv_set_preset, .what = "a preset name",
	  .off = offsetof(struct cfg_tolerance, preset), .flags = K_STR,
	  .def = "rts25", .excludes = "max_error",
	  .help = "max_error from a regulation or standard" },
};

static const struct section tolerance_section = { tolerance_keys,
	ARRAY_LEN(tolerance_keys), false };

static const struct key status_keys[] = {
	{ .name = "socket", .set = cfgv_set_socket,
	  .what = "an absolute path, or \"\" to disable the socket",
	  .off = offsetof(struct cfg_status, socket), .flags = K_STR,
	  .def = "/run/tsyncd/tsyncd.sock", .help = "control socket" },
	{ .name = "max_clients", .set = cfgv_set_int, .what = W_INT,
	  .off = offsetof(struct cfg_status, max_clients),
	  .min = 1, .max = 4096, .def = "64",
	  .help = "concurrent control connections" },
	{ .name = "idle_timeout", .set = cfgv_set_duration, .what = W_DURATION,
	  .off = offsetof(struct cfg_status, idle_timeout_ns),
	  .min = NS_S, .max = 86400 * NS_S, .def = "60s",
	  .help = "close control connections idle this long" },
	{ .name = "metrics", .set = cfgv_set_listen,
	  .what = "HOST:PORT like \"127.0.0.1:9469\" or \"[::1]:9469\", or "
	  "\"\" to disable the metrics endpoint",
	  .off = offsetof(struct cfg_status, metrics), .flags = K_STR,
	  .def = "", .help = "OpenMetrics/Prometheus HTTP endpoint" },
	{ .name = "shm", .set = cfgv_set_path_or_empty,
	  .what = "an absolute path, or \"\" to disable the shared-memory clock",
	  .off = offsetof(struct cfg_status, shm), .flags = K_STR,
	  .def = "/run/tsyncd/clock",
	  .help = "shared-memory clock page for libtsclock; read at start only" },
	{ .name = "admin_group", .set = cfgv_set_group,
	  .what = "a group name, or \"\" for root only",
	  .off = offsetof(struct cfg_status, admin_group), .flags = K_STR,
	  .def = "", .help = "group allowed admin commands (reload) besides root" },
};

static const struct section status_section = { status_keys,
	ARRAY_LEN(status_keys), false };

static const struct key log_keys[] = {
	{ .name = "level", .set = cfgv_set_enum, .names = log_levels,
	  .off = offsetof(struct cfg_log, level), .def = "info",
	  .help = "least severe level logged" },
	{ .name = "format", .set = cfgv_set_enum, .names = log_formats,
	  .off = offsetof(struct cfg_log, format), .def = "text",
	  .help = "text lines or JSON lines" },
	{ .name = "file", .set = cfgv_set_path, .what = W_PATH,
	  .off = offsetof(struct cfg_log, file), .flags = K_STR,
	  .help = "append records here instead of stderr/syslog" },
	{ .name = "interval", .set = cfgv_set_duration, .what = W_DURATION,
	  .off = offsetof(struct cfg_log, interval_ns), .min = 0,
	  .max = 86400 * NS_S, .def = "60s",
	  .help = "a statistics record this often; 0: none" },
};

static const struct section log_section = { log_keys, ARRAY_LEN(log_keys),
	false };

static const struct key leap_keys[] = {
	{ .name = "file", .set = cfgv_set_path, .what = W_PATH,
	  .off = offsetof(struct cfg_leap, file), .flags = K_STR,
	  .def = "/usr/share/zoneinfo/leap-seconds.list",
	  .help = "IERS/NIST leap-seconds.list" },
	{ .name = "mode", .set = cfgv_set_enum, .names = leap_modes,
	  .off = offsetof(struct cfg_leap, mode), .def = "step",
	  .help = "step (kernel), slew or smear the leap second" },
	{ .name = "smear_window", .set = cfgv_set_duration, .what = W_DURATION,
	  .off = offsetof(struct cfg_leap, smear_window_ns), .min = 3600 * NS_S,
	  .max = 7 * 86400 * NS_S, .def = "24h",
	  .help = "smear length, centred on the leap" },
};

static const struct section leap_section = { leap_keys, ARRAY_LEN(leap_keys),
	false };

static const struct key audit_keys[] = {
	{ .name = "file", .set = cfgv_set_path_or_empty,
	  .what = "an absolute path, or \"\" to disable the audit log",
	  .off = offsetof(struct cfg_audit, file), .flags = K_STR,
	  .def = "/var/lib/tsyncd/audit.log",
	  .help = "hash-chained audit log; read at start only" },
	{ .name = "summary_interval", .set = cfgv_set_duration, .what = W_DURATION,
	  .off = offsetof(struct cfg_audit, summary_interval_ns),
	  .min = NS_S, .max = 86400 * NS_S, .def = "60s",
	  .help = "write a summary record this often" },
	{ .name = "keep", .set = cfgv_set_int, .what = W_INT,
	  .off = offsetof(struct cfg_audit, keep),
	  .min = 1, .max = 1000, .def = "10",
	  .help = "rotated audit files kept (file.1 .. file.N)" },
};

static const struct section audit_section = { audit_keys,
	ARRAY_LEN(audit_keys), false };

static const struct key privileges_keys[] = {
	{ .name = "user", .set = cfgv_set_user,
	  .what = "a user name, or \"\" to stay the user tsyncd started as",
	  .off = offsetof(struct cfg_privileges, user), .flags = K_STR,
	  .def = "", .help = "switch to this user after start-up (as root)" },
	{ .name = "seccomp", .set = cfgv_set_bool, .what = W_BOOL,
	  .off = offsetof(struct cfg_privileges, seccomp), .def = "false",
	  .help = "system-call allowlist after start-up; read at start only" },
};

static const struct section privileges_section = { privileges_keys,
	ARRAY_LEN(privileges_keys), false };

/*
 * One table for every type; .types says which type a key belongs to and
 * check_source_keys() refuses the others where they were written.
 */
#define NTP		TYPE_BIT(CFG_SOURCE_NTP)
#define PTP		TYPE_BIT(CFG_SOURCE_PTP)
#define GNSS		TYPE_BIT(CFG_SOURCE_GNSS)
#define SHM		TYPE_BIT(CFG_SOURCE_SHM)
#define GPSD		TYPE_BIT(CFG_SOURCE_GPSD)
enum {
	SRC_NAME, SRC_TYPE, SRC_PREFER, SRC_REQUIRE, SRC_TRUST, SRC_NOSELECT,
	SRC_TRACE, SRC_SERVER, SRC_PORT, SRC_POLL, SRC_IBURST, SRC_BURST,
	SRC_MAXDELAY, SRC_ASYMMETRY, SRC_UDS, SRC_DOMAIN, SRC_INTERFACE,
	SRC_PHC, SRC_FREE_RUNNING, SRC_DEVICE, SRC_BAUD, SRC_PPS,
	SRC_SERIAL_DELAY, SRC_CABLE_DELAY, SRC_MIN_SATELLITES, SRC_ACCURACY,
	SRC_UNIT,
};
static const struct key source_keys[] = {
	[SRC_NAME] = { .name = "name", .set = cfgv_set_source_name,
	  .what = "a source name",
	  .off = offsetof(struct cfg_source, name), .flags = K_STR | K_REQUIRED,
	  .help = "unique name, 1-32 of A-Z a-z 0-9 _ . -" },
	[SRC_TYPE] = { .name = "type", .set = cfgv_set_enum, .names = source_types,
	  .off = offsetof(struct cfg_source, type), .flags = K_REQUIRED,
	  .help = "kind of source" },
	[SRC_PREFER] = { .name = "prefer", .set = cfgv_set_bool, .what = W_BOOL,
	  .off = offsetof(struct cfg_source, prefer), .def = "false",
	  .help = "the reference whenever it is a truechimer" },
	[SRC_REQUIRE] = { .name = "require", .set = cfgv_set_bool, .what = W_BOOL,
	  .off = offsetof(struct cfg_source, require), .def = "false",
	  .help = "no selection unless this source is a truechimer" },
	[SRC_TRUST] = { .name = "trust", .set = cfgv_set_bool, .what = W_BOOL,
	  .off = offsetof(struct cfg_source, trust), .def = "false",
	  .help = "never marked falseticker; others must agree with it" },
	[SRC_NOSELECT] = { .name = "noselect", .set = cfgv_set_bool, .what = W_BOOL,
	  .off = offsetof(struct cfg_source, noselect), .def = "false",
	  .help = "measured and shown, never selected" },
	[SRC_TRACE] = { .name = "trace", .set = cfgv_set_trace,
	  .what = "a UTC(k) name like \"UTC(PTB)\" (1-64 printable characters)",
	  .off = offsetof(struct cfg_source, trace), .flags = K_STR,
	  .help = "the UTC(k) this source is traceable to; absent: not traceable" },
	[SRC_SERVER] = { .name = "server", .set = cfgv_set_host,
	  .what = "a host name or an IPv4/IPv6 address",
	  .off = offsetof(struct cfg_source, server), .flags = K_STR,
	  .types = NTP | GPSD, .help = "NTP server, or gpsd's host (127.0.0.1)" },
	[SRC_PORT] = { .name = "port", .set = cfgv_set_int, .what = W_INT,
	  .off = offsetof(struct cfg_source, port), .min = 1, .max = 65535,
	  .types = NTP | GPSD, .help = "server's port (ntp 123, gpsd 2947)" },
	[SRC_POLL] = { .name = "poll", .parse = parse_poll,
	  .what = "[min, max] in log2 seconds, each -4 to 17",
	  .off = offsetof(struct cfg_source, poll_min), .min = CFG_POLL_MIN,
	  .max = CFG_POLL_MAX, .types = NTP | PTP,
	  .help = "polling interval range, log2 s (default [6, 10])" },
	[SRC_IBURST] = { .name = "iburst", .set = cfgv_set_bool, .what = W_BOOL,
	  .off = offsetof(struct cfg_source, iburst), .def = "false",
	  .types = NTP, .help = "4 quick polls at start" },
	[SRC_BURST] = { .name = "burst", .set = cfgv_set_bool, .what = W_BOOL,
	  .off = offsetof(struct cfg_source, burst), .def = "false",
	  .types = NTP, .help = "4 quick requests at every poll, the best kept" },
	[SRC_MAXDELAY] = { .name = "maxdelay", .set = cfgv_set_duration,
	  .what = W_DURATION, .off = offsetof(struct cfg_source, maxdelay_ns),
	  .min = 0, .max = 10 * NS_S, .flags = K_MIN_EXCL, .def = "3s",
	  .types = NTP, .help = "drop samples with a longer round trip" },
	[SRC_ASYMMETRY] = { .name = "asymmetry", .set = cfgv_set_duration,
	  .what = W_DURATION, .off = offsetof(struct cfg_source, asymmetry_ns),
	  .min = 0, .max = 10 * NS_S, .types = NTP | PTP,
	  .help = "declared bound of path asymmetry (default: delay/2)" },
	[SRC_UDS] = { .name = "uds", .set = cfgv_set_uds,
	  .what = "an absolute path of at most 107 bytes",
	  .off = offsetof(struct cfg_source, uds), .flags = K_STR,
	  .def = "/var/run/ptp4l", .types = PTP,
	  .help = "ptp4l's management socket" },
	[SRC_DOMAIN] = { .name = "domain", .set = cfgv_set_int, .what = W_INT,
	  .off = offsetof(struct cfg_source, domain), .min = 0, .max = 255,
	  .def = "0", .types = PTP, .help = "PTP domainNumber" },
	[SRC_INTERFACE] = { .name = "interface", .set = cfgv_set_ifname,
	  .what = "a network interface name (1-15 characters)",
	  .off = offsetof(struct cfg_source, interface), .flags = K_STR,
	  .excludes = "phc", .types = PTP,
	  .help = "read the PHC of this interface" },
	[SRC_PHC] = { .name = "phc", .set = cfgv_set_path, .what = W_PATH,
	  .off = offsetof(struct cfg_source, phc), .flags = K_STR,
	  .excludes = "interface", .types = PTP,
	  .help = "read this PHC (/dev/ptpN)" },
	[SRC_FREE_RUNNING] = { .name = "free_running", .set = cfgv_set_bool,
	  .what = W_BOOL, .off = offsetof(struct cfg_source, free_running),
	  .def = "false", .types = PTP,
	  .help = "ptp4l runs free_running 1: UNCALIBRATED is usable" },
	[SRC_DEVICE] = { .name = "device", .set = cfgv_set_path, .what = W_PATH,
	  .off = offsetof(struct cfg_source, device), .flags = K_STR,
	  .types = GNSS, .help = "serial port of the receiver" },
	[SRC_BAUD] = { .name = "baud", .set = cfgv_set_int, .what = W_INT,
	  .off = offsetof(struct cfg_source, baud), .min = 1200,
	  .max = 921600, .def = "9600", .types = GNSS,
	  .help = "serial speed, 8N1" },
	[SRC_PPS] = { .name = "pps", .set = cfgv_set_path, .what = W_PATH,
	  .off = offsetof(struct cfg_source, pps), .flags = K_STR,
	  .types = GNSS, .help = "PPS device (/dev/ppsN), assert edge; alone "
	  "without device (numbered by the clock estimate)" },
	[SRC_SERIAL_DELAY] = { .name = "serial_delay", .set = cfgv_set_duration,
	  .what = W_DURATION, .off = offsetof(struct cfg_source,
	  serial_delay_ns), .min = 0, .max = NS_S, .def = "0",
	  .types = GNSS, .help = "NMEA alone: first byte of the burst after the second; 0 = not calibrated" },
	[SRC_CABLE_DELAY] = { .name = "cable_delay", .set = cfgv_set_duration,
	  .what = W_DURATION, .off = offsetof(struct cfg_source,
	  cable_delay_ns), .min = 0, .max = NS_S / 1000, .def = "0",
	  .types = GNSS, .help = "antenna cable and receiver delay" },
	[SRC_MIN_SATELLITES] = { .name = "min_satellites", .set = cfgv_set_int,
	  .what = W_INT, .off = offsetof(struct cfg_source, min_satellites),
	  .min = 0, .max = 99, .def = "4", .types = GNSS,
	  .help = "fewer satellites used: no fix" },
	[SRC_ACCURACY] = { .name = "accuracy", .set = cfgv_set_duration,
	  .what = W_DURATION, .off = offsetof(struct cfg_source, accuracy_ns),
	  .min = 0, .max = 10 * NS_S, .flags = K_MIN_EXCL,
	  .types = GNSS | SHM | GPSD,
	  .help = "declared receiver accuracy, a half-width" },
	[SRC_UNIT] = { .name = "unit", .set = cfgv_set_int, .what = W_INT,
	  .off = offsetof(struct cfg_source, unit), .min = 0, .max = 255,
	  .def = "0", .types = SHM, .help = "shared-memory segment NTPn" },
};
#undef NTP
#undef PTP
#undef GNSS
#undef SHM
#undef GPSD

/* Open: an unknown key is refused by check_source_keys(), after the type
 * is known (an unimplemented type is reported before any key of it). */
static const struct section source_section = { source_keys,
	ARRAY_LEN(source_keys), true };

static const struct key top_keys[] = {
	{ .name = "clock", .sub = &clock_section,
	  .off = offsetof(struct cfg, clock) },
	{ .name = "tolerance", .sub = &tolerance_section,
	  .off = offsetof(struct cfg, tolerance) },
	{ .name = "status", .sub = &status_section,
	  .off = offsetof(struct cfg, status) },
	{ .name = "log", .sub = &log_section, .off = offsetof(struct cfg, log) },
	{ .name = "leap", .sub = &leap_section,
	  .off = offsetof(struct cfg, leap) },
	{ .name = "audit", .sub = &audit_section,
	  .off = offsetof(struct cfg, audit) },
	{ .name = "privileges", .sub = &privileges_section,
	  .off = offsetof(struct cfg, privileges) },
	{ .name = "sources", .parse = parse_sources,
	  .off = offsetof(struct cfg, sources) },
};

static const struct section top_section = { top_keys, ARRAY_LEN(top_keys),
	false };

_Static_assert(ARRAY_LEN(sim_keys) <= MAX_KEYS, "seen bits");
_Static_assert(ARRAY_LEN(clock_keys) <= MAX_KEYS, "seen bits");
_Static_assert(ARRAY_LEN(tolerance_keys) <= MAX_KEYS, "seen bits");
_Static_assert(ARRAY_LEN(status_keys) <= MAX_KEYS, "seen bits");
_Static_assert(ARRAY_LEN(log_keys) <= MAX_KEYS, "seen bits");
_Static_assert(ARRAY_LEN(leap_keys) <= MAX_KEYS, "seen bits");
_Static_assert(ARRAY_LEN(audit_keys) <= MAX_KEYS, "seen bits");
_Static_assert(ARRAY_LEN(privileges_keys) <= MAX_KEYS, "seen bits");
_Static_assert(ARRAY_LEN(source_keys) <= MAX_KEYS, "seen bits");
_Static_assert(ARRAY_LEN(top_keys) <= MAX_KEYS, "seen bits");


/* ---------------------------------------------------------------- errors */

static int fail(struct parser *, const yaml_mark_t *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* "name:line:col: path: message"; no position for I/O, no path at top. */
static int
fail(struct parser *p, const yaml_mark_t *m, const char *fmt, ...)
{
	char msg[CFG_ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (m == NULL)
		snprintf(p->err, p->errlen, "%s: %s", p->name, msg);
	else if (p->pathlen == 0)
		snprintf(p->err, p->errlen, "%s:%zu:%zu: %s", p->name,
		    m->line + 1, m->column + 1, msg);
	else
		snprintf(p->err, p->errlen, "%s:%zu:%zu: %s: %s", p->name,
		    m->line + 1, m->column + 1, p->path, msg);
	return -1;
}

/* Append ".seg" (or "[i]") to the key path; returns what to pop back to. */
static size_t
push(struct parser *p, const char *seg)
{
	size_t old = p->pathlen, o = old;

	if (o > 0 && seg[0] != '[' && o + 1 < sizeof(p->path))
		p->path[o++] = '.';
	for (; *seg != '\0' && o + 1 < sizeof(p->path); seg++) {
		unsigned char c = (unsigned char)*seg;

		p->path[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	p->path[o] = '\0';
	p->pathlen = o;
	return old;
}

static void
pop(struct parser *p, size_t old)
{
	p->pathlen = old;
	p->path[old] = '\0';
}

/* libyaml's reader reports a byte offset only; find its line and column. */
static yaml_mark_t
mark_at(const struct parser *p, size_t offset)
{
	yaml_mark_t m = { offset, 0, 0 };

	for (size_t i = 0; i < offset && i < p->len; i++) {
		if (p->buf[i] == '\n') {
			m.line++;
			m.column = 0;
		} else if (((unsigned char)p->buf[i] & 0xc0) != 0x80)
			m.column++;
	}
	return m;
}

static int
syntax_error(struct parser *p)
{
	const yaml_parser_t *y = &p->yp;
	yaml_mark_t m;

	pop(p, 0);
	switch (y->error) {
	case YAML_MEMORY_ERROR:
		return fail(p, NULL, "out of memory");
	case YAML_READER_ERROR:
		m = mark_at(p, y->problem_offset);
		return fail(p, &m, "invalid input: %s", y->problem);
	default:
		if (y->problem == NULL)
			return fail(p, &y->problem_mark, "YAML syntax error");
		if (y->context == NULL)
			return fail(p, &y->problem_mark, "YAML syntax error: %s",
			    y->problem);
		if (y->context_mark.index == y->problem_mark.index)
			return fail(p, &y->problem_mark, "YAML syntax error: %s "
			    "(%s)", y->problem, y->context);
		return fail(p, &y->problem_mark, "YAML syntax error: %s (%s "
		    "at %zu:%zu)", y->problem, y->context,
		    y->context_mark.line + 1, y->context_mark.column + 1);
	}
}

/* ---------------------------------------------------------------- events */

static bool
is_null(const yaml_event_t *e)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };

	if (e->type != YAML_SCALAR_EVENT ||
	    e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (size_t i = 0; i < ARRAY_LEN(nulls); i++)
		if (strcmp((const char *)e->data.scalar.value, nulls[i]) == 0)
			return true;
	return false;
}

static const char *
scalar(const struct parser *p)
{
	return (const char *)p->ev.data.scalar.value;
}

/* What was found instead, for "expected X, got Y". */
static const char *
node_desc(const struct parser *p, char *buf, size_t len)
{
	switch (p->ev.type) {
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	case YAML_SEQUENCE_START_EVENT:
		return "a sequence";
	case YAML_SCALAR_EVENT:
		return is_null(&p->ev) ? "nothing" : cfgv_quote(scalar(p), buf, len);
	default:
		return "something else";
	}
}

/*
 * Anchors and aliases would let one node stand in several places, and
 * tags would change what a scalar means; neither has a use in this file.
 */
static int
check_node(struct parser *p)
{
	const yaml_event_t *e = &p->ev;
	const yaml_char_t *anchor = NULL, *tag = NULL;
	char q[QUOTE_LEN];

	if (e->type == YAML_ALIAS_EVENT)
		return fail(p, &e->start_mark, "aliases (*%s) are not supported",
		    cfgv_printable((const char *)e->data.alias.anchor, false, q,
		    sizeof(q)));
	if (e->type == YAML_SCALAR_EVENT) {
		anchor = e->data.scalar.anchor;
		tag = e->data.scalar.tag;
	} else if (e->type == YAML_MAPPING_START_EVENT) {
		anchor = e->data.mapping_start.anchor;
		tag = e->data.mapping_start.tag;
	} else if (e->type == YAML_SEQUENCE_START_EVENT) {
		anchor = e->data.sequence_start.anchor;
		tag = e->data.sequence_start.tag;
	}
	if (anchor != NULL)
		return fail(p, &e->start_mark, "anchors (&%s) are not supported",
		    cfgv_printable((const char *)anchor, false, q, sizeof(q)));
	if (tag != NULL)
		return fail(p, &e->start_mark, "tags (%s) are not supported",
		    cfgv_printable((const char *)tag, false, q, sizeof(q)));
	if (e->type == YAML_SCALAR_EVENT &&
	    strlen(scalar(p)) != e->data.scalar.length)
		return fail(p, &e->start_mark, "NUL characters are not allowed");
	return 0;
}

static int
next(struct parser *p)
{
	if (p->have_ev)
		yaml_event_delete(&p->ev);
	p->have_ev = false;
	if (!yaml_parser_parse(&p->yp, &p->ev))
		return syntax_error(p);
	p->have_ev = true;
	return check_node(p);
}

/* Consume the node just started, whatever it holds. */
static int
skip_node(struct parser *p)
{
	size_t depth = 0;

	do {
		if (p->ev.type == YAML_MAPPING_START_EVENT ||
		    p->ev.type == YAML_SEQUENCE_START_EVENT)
			depth++;
		else if (p->ev.type == YAML_MAPPING_END_EVENT ||
		    p->ev.type == YAML_SEQUENCE_END_EVENT)
			depth--;
		if (depth > 0 && next(p) < 0)
			return -1;
	} while (depth > 0);
	return 0;
}

/* ---------------------------------------------------------------- mappings */

static int	parse_mapping(struct parser *, const struct section *, void *,
		    struct seen *);

static const struct key *
key_lookup(const struct section *sec, const char *name)
{
	for (size_t i = 0; i < sec->nkeys; i++)
		if (strcmp(sec->keys[i].name, name) == 0)
			return &sec->keys[i];
	return NULL;
}

static int
unknown_key(struct parser *p, const struct section *sec, const yaml_mark_t *m)
{
	char names[CFG_ERR_LEN / 2];
	size_t o = 0;

	names[0] = '\0';
	for (size_t i = 0; i < sec->nkeys && o < sizeof(names); i++)
		o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s",
		    i > 0 ? ", " : "", sec->keys[i].name);
	return fail(p, m, "unknown key (expected one of: %s)", names);
}

static int
parse_scalar(struct parser *p, const struct key *k, void *base)
{
	char why[CFG_ERR_LEN], what[CFG_ERR_LEN / 2], got[QUOTE_LEN];

	if (p->ev.type != YAML_SCALAR_EVENT || is_null(&p->ev))
		return fail(p, &p->ev.start_mark, "expected %s, got %s",
		    cfgv_expected(k, what, sizeof(what)),
		    node_desc(p, got, sizeof(got)));
	if (k->set(k, base, scalar(p), why, sizeof(why)) < 0)
		return fail(p, &p->ev.start_mark, "%s", why);
	return 0;
}

static int
parse_value(struct parser *p, const struct key *k, void *base)
{
	struct seen seen;
	char got[QUOTE_LEN];

	if (k->parse != NULL)
		return k->parse(p, k, base);
	if (k->sub == NULL)
		return parse_scalar(p, k, base);
	if (is_null(&p->ev))
		return 0;	/* "clock:" alone: all defaults */
	if (p->ev.type != YAML_MAPPING_START_EVENT)
		return fail(p, &p->ev.start_mark, "expected a mapping, got %s",
		    node_desc(p, got, sizeof(got)));
	return parse_mapping(p, k->sub, cfgv_field(base, k), &seen);
}

/* A key given twice, or together with the key it excludes. */
static int
check_repeat(struct parser *p, const struct section *sec, const struct key *k,
    const struct seen *seen, const yaml_mark_t *m)
{
	size_t i = (size_t)(k - sec->keys);
	const struct key *x;

	if (seen->bits & (1u << i))
		return fail(p, m, "duplicate key (first given at line %zu)",
		    seen->key[i].line + 1);
	if (k->excludes == NULL || (x = key_lookup(sec, k->excludes)) == NULL)
		return 0;
	i = (size_t)(x - sec->keys);
	if (seen->bits & (1u << i))
		return fail(p, m, "cannot be combined with %s (given at line "
		    "%zu); give one or the other", x->name,
		    seen->key[i].line + 1);
	return 0;
}

static int
parse_pair(struct parser *p, const struct section *sec, void *base,
    struct seen *seen)
{
	yaml_mark_t km = p->ev.start_mark;
	const struct key *k;
	char got[QUOTE_LEN];
	size_t old, i;
	int r;

	if (p->ev.type != YAML_SCALAR_EVENT || is_null(&p->ev))
		return fail(p, &km, "expected a key name, got %s",
		    node_desc(p, got, sizeof(got)));
	k = key_lookup(sec, scalar(p));
	old = push(p, scalar(p));
	if (k == NULL && !sec->open)
		return unknown_key(p, sec, &km);
	if (k != NULL && check_repeat(p, sec, k, seen, &km) < 0)
		return -1;
	if (next(p) < 0)
		return -1;
	if (k == NULL) {
		if (!seen->unknown) {
			seen->unknown = true;
			seen->unknown_mark = km;
			snprintf(seen->unknown_name, sizeof(seen->unknown_name),
			    "%s", p->path + old + (old > 0));
		}
		r = skip_node(p);
	}
	else {
		i = (size_t)(k - sec->keys);
		seen->bits |= 1u << i;
		seen->key[i] = km;
		seen->val[i] = p->ev.start_mark;
		r = parse_value(p, k, base);
	}
	pop(p, old);
	return r;
}

/* The current event starts a mapping; read it to its end. */
static int
parse_mapping(struct parser *p, const struct section *sec, void *base,
    struct seen *seen)
{
	yaml_mark_t start = p->ev.start_mark;

	memset(seen, 0, sizeof(*seen));
	for (;;) {
		if (next(p) < 0)
			return -1;
		if (p->ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (parse_pair(p, sec, base, seen) < 0)
			return -1;
	}
	for (size_t i = 0; i < sec->nkeys; i++)
		if ((sec->keys[i].flags & K_REQUIRED) && !(seen->bits & (1u << i)))
			return fail(p, &start, "missing required key \"%s\"",
			    sec->keys[i].name);
	return 0;
}

/* ---------------------------------------------------------------- sources */

/* Source types with a driver in this build. */
static bool
source_type_implemented(enum cfg_source_type t)
{
	switch (t) {
	case CFG_SOURCE_NTP:
		return true;
	case CFG_SOURCE_PTP:
		return true;
	case CFG_SOURCE_GNSS:
		return true;
	case CFG_SOURCE_SHM:
		return true;
	case CFG_SOURCE_GPSD:
		return true;
	}
	return false;
}

/* One poll exponent of "poll: [min, max]" (or "poll: 4" for both). */
static int
poll_value(struct parser *p, const struct key *k, int *v)
{
	char why[CFG_ERR_LEN], got[QUOTE_LEN];
	struct key one = *k;

	if (p->ev.type != YAML_SCALAR_EVENT || is_null(&p->ev))
		return fail(p, &p->ev.start_mark, "expected %s, got %s", k->what,
		    node_desc(p, got, sizeof(got)));
	one.off = 0;
	if (cfgv_set_int(&one, v, scalar(p), why, sizeof(why)) < 0)
		return fail(p, &p->ev.start_mark, "%s", why);
	return 0;
}

static int
parse_poll(struct parser *p, const struct key *k, void *base)
{
	struct cfg_source *s = base;
	yaml_mark_t start = p->ev.start_mark;
	int v[2], n = 0;

	if (p->ev.type == YAML_SCALAR_EVENT) {
		if (poll_value(p, k, &v[0]) < 0)
			return -1;
		s->poll_min = s->poll_max = v[0];
		return 0;
	}
	if (p->ev.type != YAML_SEQUENCE_START_EVENT)
		return fail(p, &start, "expected %s", k->what);
	for (;;) {
		if (next(p) < 0)
			return -1;
		if (p->ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		if (n == 2)
			return fail(p, &p->ev.start_mark, "expected %s: more "
			    "than two values", k->what);
		if (poll_value(p, k, &v[n++]) < 0)
			return -1;
	}
	if (n != 2)
		return fail(p, &start, "expected %s", k->what);
	if (v[0] > v[1])
		return fail(p, &start, "min %d is above max %d", v[0], v[1]);
	s->poll_min = v[0];
	s->poll_max = v[1];
	return 0;
}

/* Keys written for another type, and what a type cannot do without. */
static int
check_source_keys(struct parser *p, struct cfg_source *s,
    const struct seen *seen, const yaml_mark_t *start)
{
	const char *tname = cfg_source_type_name(s->type);
	size_t old;
	int r;

	if (seen->unknown) {
		push(p, seen->unknown_name);
		return unknown_key(p, &source_section, &seen->unknown_mark);
	}

	for (size_t i = 0; i < ARRAY_LEN(source_keys); i++) {
		const struct key *k = &source_keys[i];

		if (!(seen->bits & (1u << i)) || k->types == 0 ||
		    (k->types & TYPE_BIT(s->type)))
			continue;
		old = push(p, k->name);
		r = fail(p, &seen->key[i], "does not apply to a source of type "
		    "%s", tname);
		pop(p, old);
		return r;
	}
	if (s->type == CFG_SOURCE_NTP && !(seen->bits & (1u << SRC_SERVER)))
		return fail(p, start, "missing required key \"server\" (type "
		    "ntp)");
	/* gnss: a serial device, a PPS device, or both (PPS alone) */
	if (s->type == CFG_SOURCE_GNSS && !(seen->bits & (1u << SRC_DEVICE)) &&
	    !(seen->bits & (1u << SRC_PPS)))
		return fail(p, start, "missing required key \"device\" or "
		    "\"pps\" (type gnss)");
	return 0;
}

/* Defaults that depend on the type, for keys not given. */
static int
type_defaults(struct cfg_source *s, const struct seen *seen)
{
	if (!(seen->bits & (1u << SRC_ASYMMETRY)))
		s->asymmetry_ns = -1;
	if (!(seen->bits & (1u << SRC_ACCURACY)))
		s->accuracy_ns = -1;
	if (!(seen->bits & (1u << SRC_PORT)))
		s->port = s->type == CFG_SOURCE_GPSD ? 2947 : 123;
	if (s->type == CFG_SOURCE_GPSD && s->server == NULL &&
	    (s->server = strdup("127.0.0.1")) == NULL)
		return -1;
	return 0;
}

static int
check_unique_name(struct parser *p, const struct cfg *cfg, size_t i,
    const yaml_mark_t *m)
{
	char q[QUOTE_LEN];
	size_t old;

	for (size_t j = 0; j < i; j++) {
		if (strcmp(cfg->sources[j].name, cfg->sources[i].name) != 0)
			continue;
		old = push(p, "name");
		fail(p, m, "duplicate source name %s (also sources[%zu] at "
		    "line %d)", cfgv_quote(cfg->sources[i].name, q, sizeof(q)), j,
		    cfg->sources[j].line);
		pop(p, old);
		return -1;
	}
	return 0;
}

static int
add_source(struct parser *p, struct cfg *cfg)
{
	size_t n = cfg->nsources + 1;
	struct cfg_source *s = realloc(cfg->sources, n * sizeof(*s));
	struct seen *sn;

	if (s != NULL)
		cfg->sources = s;
	sn = realloc(p->src_seen, n * sizeof(*sn));
	if (sn != NULL)
		p->src_seen = sn;
	if (s == NULL || sn == NULL)
		return fail(p, NULL, "out of memory");
	memset(&s[n - 1], 0, sizeof(*s));
	cfg->nsources = n;
	return 0;
}

static int
parse_source(struct parser *p, struct cfg *cfg)
{
	size_t i = cfg->nsources;
	struct cfg_source *s;
	struct seen *seen;
	char got[QUOTE_LEN];

	if (i == MAX_SOURCES)
		return fail(p, &p->ev.start_mark, "too many sources (at most "
		    "%d)", MAX_SOURCES);
	if (p->ev.type != YAML_MAPPING_START_EVENT)
		return fail(p, &p->ev.start_mark, "expected a mapping with "
		    "name and type, got %s", node_desc(p, got, sizeof(got)));
	if (add_source(p, cfg) < 0)
		return -1;
	s = &cfg->sources[i];
	seen = &p->src_seen[i];
	s->line = (int)p->ev.start_mark.line + 1;
	s->column = (int)p->ev.start_mark.column + 1;
	s->poll_min = 6;
	s->poll_max = 10;
	if (apply_defaults(&source_section, s) < 0)
		return fail(p, NULL, "out of memory");
	if (parse_mapping(p, &source_section, s, seen) < 0)
		return -1;
	if (type_defaults(s, seen) < 0)
		return fail(p, NULL, "out of memory");
	return check_unique_name(p, cfg, i, &seen->val[SRC_NAME]);
}

/*
 * The whole list is checked before any entry is refused for lack of a
 * driver, so a mistake in a later entry is not hidden behind that.
 */
static int
parse_sources(struct parser *p, const struct key *k, void *base)
{
	struct cfg *cfg = base;
	char seg[32], got[QUOTE_LEN];
	size_t old;

	(void)k;
	if (is_null(&p->ev))
		return 0;
	if (p->ev.type != YAML_SEQUENCE_START_EVENT)
		return fail(p, &p->ev.start_mark, "expected a sequence of "
		    "sources, got %s", node_desc(p, got, sizeof(got)));
	for (;;) {
		if (next(p) < 0)
			return -1;
		if (p->ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		snprintf(seg, sizeof(seg), "[%zu]", cfg->nsources);
		old = push(p, seg);
		if (parse_source(p, cfg) < 0)
			return -1;
		pop(p, old);
	}
	for (size_t i = 0; i < cfg->nsources; i++) {
		yaml_mark_t start = { .line = (size_t)cfg->sources[i].line - 1,
		    .column = (size_t)cfg->sources[i].column - 1 };

		snprintf(seg, sizeof(seg), "[%zu]", i);
		old = push(p, seg);
		if (source_type_implemented(cfg->sources[i].type)) {
			if (check_source_keys(p, &cfg->sources[i],
			    &p->src_seen[i], &start) < 0)
				return -1;
			pop(p, old);
			continue;
		}
		push(p, "type");
		return fail(p, &p->src_seen[i].val[SRC_TYPE], "source type \"%s\" is not "
		    "implemented in this version of tsyncd",
		    cfg_source_type_name(cfg->sources[i].type));
	}
	return 0;
}

/* ---------------------------------------------------------------- document */

static int
parse_top(struct parser *p, struct cfg *cfg)
{
	struct seen seen;
	char got[QUOTE_LEN];

	if (is_null(&p->ev))
		return 0;	/* "---" alone */
	if (p->ev.type != YAML_MAPPING_START_EVENT)
		return fail(p, &p->ev.start_mark, "the top level must be a "
		    "mapping of sections (clock, tolerance, status, log, leap, "
		    "audit, privileges, sources), got %s",
		    node_desc(p, got, sizeof(got)));
	return parse_mapping(p, &top_section, cfg, &seen);
}

static int
parse_stream(struct parser *p, struct cfg *cfg)
{
	if (next(p) < 0 || next(p) < 0)		/* stream start, document */
		return -1;
	if (p->ev.type == YAML_STREAM_END_EVENT)
		return 0;			/* empty, or only comments */
	if (next(p) < 0 || parse_top(p, cfg) < 0)
		return -1;
	if (next(p) < 0 || next(p) < 0)		/* document end, stream end */
		return -1;
	if (p->ev.type == YAML_DOCUMENT_START_EVENT)
		return fail(p, &p->ev.start_mark, "more than one YAML document "
		    "(a configuration is exactly one)");
	return 0;
}

/* ---------------------------------------------------------------- public */

static int
apply_defaults(const struct section *sec, void *base)
{
	char why[CFG_ERR_LEN];

	for (size_t i = 0; i < sec->nkeys; i++) {
		const struct key *k = &sec->keys[i];

		if (k->sub != NULL && apply_defaults(k->sub, cfgv_field(base, k)) < 0)
			return -1;
		if (k->def != NULL && k->set(k, base, k->def, why,
		    sizeof(why)) < 0)
			return -1;	/* out of memory: defaults are valid */
	}
	return 0;
}

static void
free_strings(const struct section *sec, void *base)
{
	for (size_t i = 0; i < sec->nkeys; i++) {
		const struct key *k = &sec->keys[i];

		if (k->sub != NULL)
			free_strings(k->sub, cfgv_field(base, k));
		if (k->flags & K_STR)
			free(*(char **)cfgv_field(base, k));
	}
}

struct cfg *
cfg_default(void)
{
	struct cfg *cfg = calloc(1, sizeof(*cfg));

	if (cfg == NULL)
		return NULL;
	if ((cfg->path = strdup("<defaults>")) == NULL ||
	    apply_defaults(&top_section, cfg) < 0) {
		cfg_free(cfg);
		return NULL;
	}
	return cfg;
}

void
cfg_free(struct cfg *cfg)
{
	if (cfg == NULL)
		return;
	free_strings(&top_section, cfg);
	for (size_t i = 0; i < cfg->nsources; i++)
		free_strings(&source_section, &cfg->sources[i]);
	free(cfg->sources);
	free(cfg->path);
	free(cfg);
}

int
cfg_load_buffer(const char *name, const char *buf, size_t len,
    struct cfg **out, char *err, size_t errlen)
{
	struct parser p;
	struct cfg *cfg;
	char dummy[1];
	int r = -1;

	memset(&p, 0, sizeof(p));
	p.name = name;
	p.buf = buf != NULL ? buf : "";
	p.len = buf != NULL ? len : 0;
	p.err = err != NULL && errlen > 0 ? err : dummy;
	p.errlen = err != NULL && errlen > 0 ? errlen : sizeof(dummy);
	if ((cfg = cfg_default()) == NULL)
		return fail(&p, NULL, "out of memory");
	free(cfg->path);
	if ((cfg->path = strdup(name)) == NULL ||
	    !yaml_parser_initialize(&p.yp)) {
		cfg_free(cfg);
		return fail(&p, NULL, "out of memory");
	}
	yaml_parser_set_input_string(&p.yp, (const unsigned char *)p.buf, p.len);
	r = parse_stream(&p, cfg);
	if (p.have_ev)
		yaml_event_delete(&p.ev);
	yaml_parser_delete(&p.yp);
	free(p.src_seen);
	if (r < 0) {
		cfg_free(cfg);
		return -1;
	}
	*out = cfg;
	return 0;
}

static int
read_file(FILE *f, char **buf, size_t *len)
{
	size_t n = 0, cap = 0;
	char *b = NULL, *nb;

	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((nb = realloc(b, cap + 1)) == NULL) {
				free(b);
				errno = ENOMEM;
				return -1;
			}
			b = nb;
		}
		n += fread(b + n, 1, cap - n, f);
		if (ferror(f) || n > MAX_FILE_BYTES) {
			free(b);
			errno = ferror(f) ? errno : EFBIG;
			return -1;
		}
		if (feof(f))
			break;
	}
	*buf = b;
	*len = n;
	return 0;
}

int
cfg_load(const char *path, struct cfg **out, char *err, size_t errlen)
{
	FILE *f;
	char *buf;
	size_t len;
	int r;

	if ((f = fopen(path, "re")) == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: cannot open: %s", path,
			    strerror(errno));
		return -1;
	}
	r = read_file(f, &buf, &len);
	if (r < 0 && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: cannot read: %s", path,
		    errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
	fclose(f);
	if (r < 0)
		return -1;
	r = cfg_load_buffer(path, buf, len, out, err, errlen);
	free(buf);
	return r;
}

const char *
cfg_clock_driver_name(enum cfg_clock_driver d)
{
	return cfgv_value_name(clock_drivers, d);
}

const char *
cfg_oscillator_name(enum cfg_oscillator o)
{
	return cfgv_value_name(oscillators, o);
}

const char *
cfg_source_type_name(enum cfg_source_type t)
{
	return cfgv_value_name(source_types, t);
}

/*
 * check_cfg.c - loading tsyncd.yaml: defaults, every key, every error.
 */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "log.h"
#include "check_run.h"

#define MS	1000000LL
#define S	1000000000LL

static struct cfg *cfg;
static char err[CFG_ERR_LEN];

static void
setup(void)
{
	cfg = NULL;
	memset(err, 0, sizeof(err));
}

static void
teardown(void)
{
	cfg_free(cfg);
	cfg = NULL;
}

static int
load(const char *yaml)
{
	return cfg_load_buffer("bad.yaml", yaml, strlen(yaml), &cfg, err,
	    sizeof(err));
}

static void
assert_error(const char *yaml, const char *want)
{
	ck_assert_msg(load(yaml) == -1, "accepted:\n%s", yaml);
	ck_assert_ptr_null(cfg);
	ck_assert_msg(strcmp(err, want) == 0, "for:\n%s\ngot:  %s\nwant: %s",
	    yaml, err, want);
}

static void
assert_str_or_null_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		ck_assert_ptr_eq(a, b);
	else
		ck_assert_str_eq(a, b);
}

/* Every field but path. */
static void
assert_cfg_eq(const struct cfg *a, const struct cfg *b)
{
	ck_assert_int_eq(a->clock.driver, b->clock.driver);
	ck_assert_int_eq(a->clock.discipline, b->clock.discipline);
	ck_assert_int_eq(a->clock.step_threshold_ns, b->clock.step_threshold_ns);
	ck_assert_double_eq(a->clock.max_frequency_ppb,
	    b->clock.max_frequency_ppb);
	ck_assert_int_eq(a->clock.oscillator, b->clock.oscillator);
	ck_assert_double_eq(a->clock.sim.freq_offset_ppb,
	    b->clock.sim.freq_offset_ppb);
	ck_assert_int_eq(a->clock.sim.initial_offset_ns,
	    b->clock.sim.initial_offset_ns);
	ck_assert_int_eq(a->clock.sim.noise_ns, b->clock.sim.noise_ns);
	ck_assert_double_eq(a->clock.sim.wander_ppb, b->clock.sim.wander_ppb);
	ck_assert_uint_eq(a->clock.sim.seed, b->clock.sim.seed);
	ck_assert_int_eq(a->tolerance.max_error_ns, b->tolerance.max_error_ns);
	assert_str_or_null_eq(a->tolerance.preset, b->tolerance.preset);
	assert_str_or_null_eq(a->status.socket, b->status.socket);
	ck_assert_int_eq(a->status.max_clients, b->status.max_clients);
	ck_assert_int_eq(a->status.idle_timeout_ns, b->status.idle_timeout_ns);
	assert_str_or_null_eq(a->status.metrics, b->status.metrics);
	assert_str_or_null_eq(a->status.shm, b->status.shm);
	ck_assert_int_eq(a->log.level, b->log.level);
	ck_assert_int_eq(a->log.format, b->log.format);
	assert_str_or_null_eq(a->log.file, b->log.file);
	assert_str_or_null_eq(a->leap.file, b->leap.file);
	ck_assert_int_eq(a->leap.mode, b->leap.mode);
	ck_assert_int_eq(a->leap.smear_window_ns, b->leap.smear_window_ns);
	assert_str_or_null_eq(a->audit.file, b->audit.file);
	ck_assert_int_eq(a->audit.summary_interval_ns,
	    b->audit.summary_interval_ns);
	ck_assert_int_eq(a->audit.keep, b->audit.keep);
	assert_str_or_null_eq(a->privileges.user, b->privileges.user);
	ck_assert_uint_eq(a->nsources, b->nsources);
}

/* ---------------------------------------------------------------- defaults */

START_TEST(defaults)
{
	cfg = cfg_default();
	ck_assert_ptr_nonnull(cfg);
	ck_assert_str_eq(cfg->path, "<defaults>");
	ck_assert_int_eq(cfg->clock.driver, CFG_CLOCK_OBSERVE);
	ck_assert(!cfg->clock.discipline);
	ck_assert_int_eq(cfg->clock.step_threshold_ns, 100 * MS);
	ck_assert_double_eq(cfg->clock.max_frequency_ppb, 500000.0);
	ck_assert_int_eq(cfg->clock.oscillator, CFG_OSC_SERVER_XTAL);
	ck_assert_double_eq(cfg->clock.sim.freq_offset_ppb, 0.0);
	ck_assert_int_eq(cfg->clock.sim.initial_offset_ns, 0);
	ck_assert_int_eq(cfg->clock.sim.noise_ns, 0);
	ck_assert_double_eq(cfg->clock.sim.wander_ppb, 0.0);
	ck_assert_uint_eq(cfg->clock.sim.seed, 1);
	ck_assert_str_eq(cfg->tolerance.preset, "rts25");
	ck_assert_int_eq(cfg->tolerance.max_error_ns, 1 * MS);
	ck_assert_str_eq(cfg->status.socket, "/run/tsyncd/tsyncd.sock");
	ck_assert_int_eq(cfg->status.max_clients, 64);
	ck_assert_int_eq(cfg->status.idle_timeout_ns, 60 * S);
	ck_assert_str_eq(cfg->status.metrics, "");
	ck_assert_str_eq(cfg->status.shm, "/run/tsyncd/clock");
	ck_assert_int_eq(cfg->log.level, LL_INFO);
	ck_assert_int_eq(cfg->log.format, CFG_LOG_TEXT);
	ck_assert_ptr_null(cfg->log.file);
	ck_assert_str_eq(cfg->leap.file, "/usr/share/zoneinfo/leap-seconds.list");
	ck_assert_str_eq(cfg->audit.file, "/var/lib/tsyncd/audit.log");
	ck_assert_int_eq(cfg->audit.summary_interval_ns, 60 * S);
	ck_assert_int_eq(cfg->audit.keep, 10);
	ck_assert_str_eq(cfg->privileges.user, "");
	ck_assert_ptr_null(cfg->sources);
	ck_assert_uint_eq(cfg->nsources, 0);
}
END_TEST

/* Inputs that say nothing, or say only the defaults. */
static const char *const empty_inputs[] = {
	"",
	"\n\n",
	"# only a comment\n   # and another\n",
	"---\n",
	"---\n...\n",
	"{}",
	"clock:\ntolerance:\nstatus:\nlog:\nleap:\naudit:\nprivileges:\n"
	"sources:\n",
	"clock: {}\ntolerance: {}\nstatus: {}\nlog: {}\nleap: {}\naudit: {}\n"
	"privileges: {}\nsources: []\n",
	"audit: {file: /var/lib/tsyncd/audit.log, summary_interval: 1min, "
	"keep: 10}\nprivileges: {user: \"\"}\n",
	"clock: {sim: ~}\nlog: null\nsources: ~\n",
	"tolerance: {preset: rts25}\nclock: {step_threshold: 0.1s}\n",
	"clock: {max_frequency: 500000ppb, driver: observe}\n",
};

START_TEST(empty_is_default)
{
	struct cfg *def = cfg_default();

	ck_assert_msg(load(empty_inputs[_i]) == 0, "%s", err);
	ck_assert_str_eq(cfg->path, "bad.yaml");
	assert_cfg_eq(cfg, def);
	cfg_free(def);
}
END_TEST

static const char *
shipped_conf(void)
{
	static char path[4096];
	static const char *const rel[] = {
		"conf/tsyncd.yaml", "../conf/tsyncd.yaml",
		"../../conf/tsyncd.yaml",
	};
	const char *top = getenv("TOP_SRCDIR");

	if (top != NULL && *top != '\0') {
		snprintf(path, sizeof(path), "%s/conf/tsyncd.yaml", top);
		return path;
	}
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++)
		if (access(rel[i], R_OK) == 0)
			return rel[i];
	return rel[0];
}

/* leap.mode and leap.smear_window (issue 7); defaults step and 24h. */
START_TEST(leap_mode_keys)
{
	ck_assert_msg(load("leap: {}") == 0, "%s", err);
	ck_assert_int_eq(cfg->leap.mode, CFG_LEAP_STEP);
	ck_assert_int_eq(cfg->leap.smear_window_ns, 24 * 3600 * S);
	cfg_free(cfg);
	ck_assert_msg(load("leap:\n  mode: smear\n  smear_window: 17.4h\n") == 0,
	    "%s", err);
	ck_assert_int_eq(cfg->leap.mode, CFG_LEAP_SMEAR);
	ck_assert_int_eq(cfg->leap.smear_window_ns, 62640 * S);
	cfg_free(cfg);
	ck_assert_msg(load("leap: {mode: slew}") == 0, "%s", err);
	ck_assert_int_eq(cfg->leap.mode, CFG_LEAP_SLEW);
}
END_TEST

START_TEST(shipped_conf_is_default)
{
	const char *path = shipped_conf();
	struct cfg *def = cfg_default();

	ck_assert_msg(cfg_load(path, &cfg, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(cfg->path, path);
	assert_cfg_eq(cfg, def);
	cfg_free(def);
}
END_TEST

/* The shipped examples of sources must stay commented out. */
START_TEST(shipped_conf_has_no_sources)
{
	ck_assert_msg(cfg_load(shipped_conf(), &cfg, err, sizeof(err)) == 0,
	    "%s", err);
	ck_assert_uint_eq(cfg->nsources, 0);
	ck_assert_int_eq(cfg->clock.driver, CFG_CLOCK_OBSERVE);
	ck_assert(!cfg->clock.discipline);
}
END_TEST

/* ---------------------------------------------------------------- values */

static const char full[] =
	"clock:\n"
	"  driver: sim\n"
	"  discipline: true\n"
	"  step_threshold: 0\n"
	"  max_frequency: 100000ppm\n"
	"  oscillator: ocxo\n"
	"  sim:\n"
	"    frequency_offset: -12.5ppm\n"
	"    initial_offset: -1.5ms\n"
	"    noise: 250ns\n"
	"    wander: 20ppb\n"
	"    seed: 18446744073709551615\n"
	"tolerance:\n"
	"  max_error: 100us\n"
	"status:\n"
	"  socket: \"\"\n"
	"  max_clients: 4096\n"
	"  idle_timeout: 1d\n"
	"  shm: /dev/shm/tsyncd-clock\n"
	"log:\n"
	"  level: debug\n"
	"  format: json\n"
	"  file: /var/log/tsyncd/events.jsonl\n"
	"leap:\n"
	"  file: /etc/leap-seconds.list\n"
	"audit:\n"
	"  file: /srv/audit/tsyncd.log\n"
	"  summary_interval: 1d\n"
	"  keep: 1000\n"
	"privileges:\n"
	"  user: _tsync-2.x\n"
	"sources: []\n";

START_TEST(every_key)
{
	ck_assert_msg(load(full) == 0, "%s", err);
	ck_assert_int_eq(cfg->clock.driver, CFG_CLOCK_SIM);
	ck_assert(cfg->clock.discipline);
	ck_assert_int_eq(cfg->clock.step_threshold_ns, 0);
	ck_assert_double_eq(cfg->clock.max_frequency_ppb, 1e8);
	ck_assert_int_eq(cfg->clock.oscillator, CFG_OSC_OCXO);
	ck_assert_double_eq(cfg->clock.sim.freq_offset_ppb, -12500.0);
	ck_assert_int_eq(cfg->clock.sim.initial_offset_ns, -1500000);
	ck_assert_int_eq(cfg->clock.sim.noise_ns, 250);
	ck_assert_double_eq(cfg->clock.sim.wander_ppb, 20.0);
	ck_assert_uint_eq(cfg->clock.sim.seed, UINT64_MAX);
	ck_assert_int_eq(cfg->tolerance.max_error_ns, 100000);
	ck_assert_ptr_null(cfg->tolerance.preset);
	ck_assert_str_eq(cfg->status.socket, "");
	ck_assert_int_eq(cfg->status.max_clients, 4096);
	ck_assert_int_eq(cfg->status.idle_timeout_ns, 86400 * S);
	ck_assert_str_eq(cfg->status.shm, "/dev/shm/tsyncd-clock");
	ck_assert_int_eq(cfg->log.level, LL_DEBUG);
	ck_assert_int_eq(cfg->log.format, CFG_LOG_JSON);
	ck_assert_str_eq(cfg->log.file, "/var/log/tsyncd/events.jsonl");
	ck_assert_str_eq(cfg->leap.file, "/etc/leap-seconds.list");
	ck_assert_str_eq(cfg->audit.file, "/srv/audit/tsyncd.log");
	ck_assert_int_eq(cfg->audit.summary_interval_ns, 86400 * S);
	ck_assert_int_eq(cfg->audit.keep, 1000);
	ck_assert_str_eq(cfg->privileges.user, "_tsync-2.x");
	ck_assert_uint_eq(cfg->nsources, 0);
}
END_TEST

/* Every ntp key, and the defaults of an entry that gives only server. */
START_TEST(ntp_source_keys)
{
	const struct cfg_source *s;

	ck_assert_msg(load("sources:\n"
	    "  - {name: ptb, type: ntp, server: ptbtime1.ptb.de, port: 1123,\n"
	    "     poll: [-4, 17], iburst: yes, burst: true, maxdelay: 10s,\n"
	    "     asymmetry: 0, trace: \"UTC(PTB)\", prefer: true,\n"
	    "     require: true, trust: true, noselect: true}\n"
	    "  - {name: v6, type: ntp, server: \"2001:db8::1\", poll: 4}\n"
	    "  - {name: d, type: ntp, server: 192.0.2.1}\n") == 0, "%s", err);
	ck_assert_uint_eq(cfg->nsources, 3);
	s = &cfg->sources[0];
	ck_assert_str_eq(s->server, "ptbtime1.ptb.de");
	ck_assert_int_eq(s->port, 1123);
	ck_assert_int_eq(s->poll_min, -4);
	ck_assert_int_eq(s->poll_max, 17);
	ck_assert(s->iburst && s->burst);
	ck_assert_int_eq(s->maxdelay_ns, 10 * S);
	ck_assert_int_eq(s->asymmetry_ns, 0);
	ck_assert_str_eq(s->trace, "UTC(PTB)");
	ck_assert(s->prefer && s->require && s->trust && s->noselect);
	s = &cfg->sources[1];
	ck_assert_str_eq(s->server, "2001:db8::1");
	ck_assert_int_eq(s->poll_min, 4);
	ck_assert_int_eq(s->poll_max, 4);
	s = &cfg->sources[2];
	ck_assert_int_eq(s->port, 123);
	ck_assert_int_eq(s->poll_min, 6);
	ck_assert_int_eq(s->poll_max, 10);
	ck_assert(!s->iburst && !s->burst);
	ck_assert_int_eq(s->maxdelay_ns, 3 * S);
	ck_assert_int_eq(s->asymmetry_ns, -1);	/* not declared */
	ck_assert_ptr_null(s->trace);
	ck_assert(!s->prefer && !s->require && !s->trust && !s->noselect);
	ck_assert_int_eq(s->line, 7);
	ck_assert_int_eq(s->column, 5);
}
END_TEST

/* ptp, gnss, shm and gpsd entries with only their required keys. */
START_TEST(other_source_defaults)
{
	const struct cfg_source *s;

	ck_assert_msg(load("sources:\n"
	    "  - {name: gm, type: ptp}\n"
	    "  - {name: gps, type: gnss, device: /dev/ttyS0}\n"
	    "  - {name: shm0, type: shm}\n"
	    "  - {name: gd, type: gpsd}\n") == 0, "%s", err);
	s = &cfg->sources[0];
	ck_assert_str_eq(s->uds, "/var/run/ptp4l");
	ck_assert_int_eq(s->domain, 0);
	ck_assert_ptr_null(s->interface);
	ck_assert_ptr_null(s->phc);
	ck_assert(!s->free_running);
	ck_assert_int_eq(s->asymmetry_ns, -1);
	s = &cfg->sources[1];
	ck_assert_str_eq(s->device, "/dev/ttyS0");
	ck_assert_int_eq(s->baud, 9600);
	ck_assert_ptr_null(s->pps);
	ck_assert_int_eq(s->min_satellites, 4);
	ck_assert_int_eq(s->accuracy_ns, -1);
	s = &cfg->sources[2];
	ck_assert_int_eq(s->unit, 0);
	s = &cfg->sources[3];
	ck_assert_str_eq(s->server, "127.0.0.1");
	ck_assert_int_eq(s->port, 2947);
}
END_TEST

/* "" turns the audit log off; a user name may be 32 bytes. */
START_TEST(audit_and_privileges)
{
	ck_assert_msg(load("audit: {file: \"\", summary_interval: 1s, "
	    "keep: 1}\nprivileges: {user: "
	    "abcdefghijklmnopqrstuvwxyz012345}\n") == 0, "%s", err);
	ck_assert_str_eq(cfg->audit.file, "");
	ck_assert_int_eq(cfg->audit.summary_interval_ns, S);
	ck_assert_int_eq(cfg->audit.keep, 1);
	ck_assert_str_eq(cfg->privileges.user,
	    "abcdefghijklmnopqrstuvwxyz012345");
	cfg_free(cfg);
	ck_assert_msg(load("privileges: {user: tsync}\n") == 0, "%s", err);
	ck_assert_str_eq(cfg->privileges.user, "tsync");
	ck_assert_str_eq(cfg->audit.file, "/var/lib/tsyncd/audit.log");
}
END_TEST

/* "" turns the shared-memory clock off. */
START_TEST(shm_empty_disables)
{
	ck_assert_msg(load("status: {shm: \"\"}\n") == 0, "%s", err);
	ck_assert_str_eq(cfg->status.shm, "");
}
END_TEST

/* Range ends are inclusive unless the message says "more than". */
START_TEST(range_ends)
{
	ck_assert_msg(load("clock: {step_threshold: 1000s, max_frequency: "
	    "500000ppm, sim: {frequency_offset: -1000ppm, initial_offset: "
	    "-1000s, noise: 1s, wander: 1000ppm, seed: 0}}\n"
	    "tolerance: {max_error: 1000s}\n"
	    "status: {max_clients: 1, idle_timeout: 1s, metrics: "
	    "\"[::1]:65535\"}\n") == 0, "%s", err);
	ck_assert_int_eq(cfg->clock.step_threshold_ns, 1000 * S);
	ck_assert_double_eq(cfg->clock.max_frequency_ppb, 5e8);
	ck_assert_double_eq(cfg->clock.sim.freq_offset_ppb, -1e6);
	ck_assert_int_eq(cfg->clock.sim.initial_offset_ns, -1000 * S);
	ck_assert_int_eq(cfg->clock.sim.noise_ns, S);
	ck_assert_double_eq(cfg->clock.sim.wander_ppb, 1e6);
	ck_assert_uint_eq(cfg->clock.sim.seed, 0);
	ck_assert_int_eq(cfg->tolerance.max_error_ns, 1000 * S);
	ck_assert_int_eq(cfg->status.max_clients, 1);
	ck_assert_int_eq(cfg->status.idle_timeout_ns, S);
	ck_assert_str_eq(cfg->status.metrics, "[::1]:65535");
	cfg_free(cfg);
	ck_assert_msg(load("clock: {max_frequency: 1ppt}\n"
	    "tolerance: {max_error: 1ns}\n") == 0, "%s", err);
	ck_assert_double_eq(cfg->clock.max_frequency_ppb, 0.001);
	ck_assert_int_eq(cfg->tolerance.max_error_ns, 1);
}
END_TEST

static const struct {
	const char	*name;
	long long	ns;
} presets[] = {
	{ "rts25-hft", 100000 }, { "rts25", 1000000 },
	{ "rts25-voice", 1000000000 }, { "cat-participant", 100000 },
	{ "finra", 50000000 }, { "iec61850", 1000 }, { "g8271-1", 500000000 },
	{ "g8271-2", 100000 }, { "g8271-3", 5000 }, { "g8271-4", 1500 },
	{ "g8271-5", 1000 }, { "g8271-6a", 260 }, { "g8271-6b", 130 },
	{ "g8271-6c", 65 }, { "prtc-a", 100 }, { "prtc-b", 40 },
};

START_TEST(preset_values)
{
	char yaml[128];

	snprintf(yaml, sizeof(yaml), "tolerance:\n  preset: %s\n",
	    presets[_i].name);
	ck_assert_msg(load(yaml) == 0, "%s", err);
	ck_assert_str_eq(cfg->tolerance.preset, presets[_i].name);
	ck_assert_int_eq(cfg->tolerance.max_error_ns, presets[_i].ns);
}
END_TEST

static const struct {
	const char	*word;
	bool		val;
} bools[] = {
	{ "true", true }, { "True", true }, { "TRUE", true }, { "yes", true },
	{ "Yes", true }, { "on", true }, { "ON", true },
	{ "false", false }, { "False", false }, { "no", false },
	{ "NO", false }, { "off", false }, { "Off", false },
	{ "\"true\"", true },
};

START_TEST(bool_spellings)
{
	char yaml[128];

	snprintf(yaml, sizeof(yaml), "clock:\n  discipline: %s\n",
	    bools[_i].word);
	ck_assert_msg(load(yaml) == 0, "%s", err);
	ck_assert_int_eq(cfg->clock.discipline, bools[_i].val);
}
END_TEST

static const struct {
	const char	*word;
	int		level;
} levels[] = {
	{ "error", LL_ERR }, { "warning", LL_WARNING },
	{ "notice", LL_NOTICE }, { "info", LL_INFO }, { "debug", LL_DEBUG },
};

START_TEST(log_levels)
{
	char yaml[128];

	snprintf(yaml, sizeof(yaml), "log: {level: %s}\n", levels[_i].word);
	ck_assert_msg(load(yaml) == 0, "%s", err);
	ck_assert_int_eq(cfg->log.level, levels[_i].level);
}
END_TEST

START_TEST(enum_names)
{
	ck_assert_str_eq(cfg_clock_driver_name(CFG_CLOCK_OBSERVE), "observe");
	ck_assert_str_eq(cfg_clock_driver_name(CFG_CLOCK_SYSTEM), "system");
	ck_assert_str_eq(cfg_clock_driver_name(CFG_CLOCK_SIM), "sim");
	ck_assert_str_eq(cfg_oscillator_name(CFG_OSC_SERVER_XTAL),
	    "server-xtal");
	ck_assert_str_eq(cfg_oscillator_name(CFG_OSC_TCXO), "tcxo");
	ck_assert_str_eq(cfg_oscillator_name(CFG_OSC_OCXO), "ocxo");
	ck_assert_str_eq(cfg_oscillator_name(CFG_OSC_RUBIDIUM), "rubidium");
	ck_assert_str_eq(cfg_source_type_name(CFG_SOURCE_NTP), "ntp");
	ck_assert_str_eq(cfg_source_type_name(CFG_SOURCE_PTP), "ptp");
	ck_assert_str_eq(cfg_source_type_name(CFG_SOURCE_GNSS), "gnss");
	ck_assert_str_eq(cfg_source_type_name(CFG_SOURCE_SHM), "shm");
	ck_assert_str_eq(cfg_source_type_name(CFG_SOURCE_GPSD), "gpsd");
	ck_assert_str_eq(cfg_clock_driver_name((enum cfg_clock_driver)99),
	    "unknown");
	for (int d = CFG_CLOCK_OBSERVE; d <= CFG_CLOCK_SIM; d++) {
		char yaml[64];

		snprintf(yaml, sizeof(yaml), "clock: {driver: %s}",
		    cfg_clock_driver_name((enum cfg_clock_driver)d));
		ck_assert_int_eq(load(yaml), 0);
		ck_assert_int_eq(cfg->clock.driver, d);
		cfg_free(cfg);
		cfg = NULL;
	}
}
END_TEST

START_TEST(socket_length)
{
	char yaml[256], path[128];

	/* sun_path holds 108 bytes with the NUL: 107 fit, 108 do not */
	memset(path, 'x', sizeof(path));
	path[0] = '/';
	path[107] = '\0';
	snprintf(yaml, sizeof(yaml), "status: {socket: %s}", path);
	ck_assert_msg(load(yaml) == 0, "%s", err);
	ck_assert_str_eq(cfg->status.socket, path);
	cfg_free(cfg);
	cfg = NULL;
	path[107] = 'x';
	path[108] = '\0';
	snprintf(yaml, sizeof(yaml), "status: {socket: %s}", path);
	assert_error(yaml, "bad.yaml:1:18: status.socket: path is 108 bytes, "
	    "a socket path holds at most 107");
}
END_TEST

/* ---------------------------------------------------------------- errors */

static const struct {
	const char	*yaml;
	const char	*err;
} errors[] = {
	/* unknown keys, at the key */
	{ "colour: red\n",
	  "bad.yaml:1:1: colour: unknown key (expected one of: clock, "
	  "tolerance, status, log, leap, audit, privileges, sources)" },
	{ "audit: {interval: 60s}",
	  "bad.yaml:1:9: audit.interval: unknown key (expected one of: file, "
	  "summary_interval, keep)" },
	{ "privileges: {group: tsync}",
	  "bad.yaml:1:14: privileges.group: unknown key (expected one of: "
	  "user, seccomp)" },
	{ "audit: {file: audit.log}",
	  "bad.yaml:1:15: audit.file: expected an absolute path, or \"\" to "
	  "disable the audit log, got \"audit.log\"" },
	{ "audit: {file: ~}",
	  "bad.yaml:1:15: audit.file: expected an absolute path, or \"\" to "
	  "disable the audit log, got nothing" },
	{ "audit: {summary_interval: 0.5s}",
	  "bad.yaml:1:27: audit.summary_interval: 0.5s is out of range "
	  "(1s..1d)" },
	{ "audit: {summary_interval: 25h}",
	  "bad.yaml:1:27: audit.summary_interval: 25h is out of range "
	  "(1s..1d)" },
	{ "audit: {summary_interval: often}",
	  "bad.yaml:1:27: audit.summary_interval: expected a duration like "
	  "\"100ms\", got \"often\"" },
	{ "audit: {keep: 0}",
	  "bad.yaml:1:15: audit.keep: 0 is out of range (1..1000)" },
	{ "audit: {keep: 1001}",
	  "bad.yaml:1:15: audit.keep: 1001 is out of range (1..1000)" },
	{ "audit: {keep: ten}",
	  "bad.yaml:1:15: audit.keep: expected an integer, got \"ten\"" },
	{ "audit: [a]",
	  "bad.yaml:1:8: audit: expected a mapping, got a sequence" },
	{ "privileges: {user: \"ts ync\"}",
	  "bad.yaml:1:20: privileges.user: invalid user name \"ts ync\" (1 to "
	  "32 characters from A-Z a-z 0-9 _ . -, not starting with -; \"\" "
	  "for none)" },
	{ "privileges: {user: -tsync}",
	  "bad.yaml:1:20: privileges.user: invalid user name \"-tsync\" (1 to "
	  "32 characters from A-Z a-z 0-9 _ . -, not starting with -; \"\" "
	  "for none)" },
	{ "privileges: {user: abcdefghijklmnopqrstuvwxyz0123456}",
	  "bad.yaml:1:20: privileges.user: invalid user name "
	  "\"abcdefghijklmnopqrstuvwxyz0123456\" (1 to 32 characters from A-Z "
	  "a-z 0-9 _ . -, not starting with -; \"\" for none)" },
	{ "privileges: {user: 0}\nprivileges: {}\n",
	  "bad.yaml:2:1: privileges: duplicate key (first given at line 1)" },
	{ "# x\nclock:\n  colour: blue\n",
	  "bad.yaml:3:3: clock.colour: unknown key (expected one of: driver, "
	  "discipline, step_threshold, max_frequency, oscillator, sim, phc, "
	  "interface, timescale)" },
	{ "clock:\n  sim:\n    speed: 1\n",
	  "bad.yaml:3:5: clock.sim.speed: unknown key (expected one of: "
	  "frequency_offset, initial_offset, noise, wander, seed)" },
	{ "status: {Socket: /x}",
	  "bad.yaml:1:10: status.Socket: unknown key (expected one of: "
	  "socket, max_clients, idle_timeout, metrics, shm, admin_group)" },
	{ "status: {metrics: localhost:9469}",
	  "bad.yaml:1:19: status.metrics: \"localhost:9469\": not a numeric "
	  "IPv4 address (IPv6 goes in brackets); expected HOST:PORT like "
	  "\"127.0.0.1:9469\" or \"[::1]:9469\", or \"\" to disable" },
	{ "status:\n  metrics: 127.0.0.1:0\n",
	  "bad.yaml:2:12: status.metrics: \"127.0.0.1:0\": the port must be a "
	  "number from 1 to 65535; expected HOST:PORT like \"127.0.0.1:9469\" "
	  "or \"[::1]:9469\", or \"\" to disable" },
	{ "status: {metrics: \"[::1]\"}",
	  "bad.yaml:1:19: status.metrics: \"[::1]\": no :PORT after the "
	  "address; expected HOST:PORT like \"127.0.0.1:9469\" or "
	  "\"[::1]:9469\", or \"\" to disable" },
	{ "status: {metrics: 9469}",
	  "bad.yaml:1:19: status.metrics: \"9469\": no :PORT after the "
	  "address; expected HOST:PORT like \"127.0.0.1:9469\" or "
	  "\"[::1]:9469\", or \"\" to disable" },
	/* wrong type, at the value */
	{ "clock:\n  driver: {a: 1}\n",
	  "bad.yaml:2:11: clock.driver: expected one of observe, system, sim, "
	  "phc, got a mapping" },
	{ "status:\n  max_clients: [1]\n",
	  "bad.yaml:2:16: status.max_clients: expected an integer, got a "
	  "sequence" },
	{ "clock: fast\n",
	  "bad.yaml:1:8: clock: expected a mapping, got \"fast\"" },
	{ "log: [a]\n",
	  "bad.yaml:1:6: log: expected a mapping, got a sequence" },
	{ "log:\n  level:\n",
	  "bad.yaml:2:9: log.level: expected one of error, warning, notice, "
	  "info, debug, got nothing" },
	{ "leap: {file: ~}",
	  "bad.yaml:1:14: leap.file: expected an absolute path, got nothing" },
	{ "leap:\n  mode: bogus\n",
	  "bad.yaml:2:9: leap.mode: expected one of step, slew, smear, got "
	  "\"bogus\"" },
	{ "leap: {smear_window: 3599s}",
	  "bad.yaml:1:22: leap.smear_window: 3599s is out of range (1h..7d)" },
	{ "leap: {smear_window: 8d}",
	  "bad.yaml:1:22: leap.smear_window: 8d is out of range (1h..7d)" },
	/* bad enum and bad format */
	{ "clock:\n  driver: ptp\n",
	  "bad.yaml:2:11: clock.driver: expected one of observe, system, sim, "
	  "phc, got \"ptp\"" },
	{ "clock: {driver: phc, phc: /dev/ptp0, interface: eth0}",
	  "bad.yaml:1:38: clock.interface: cannot be combined with phc (given "
	  "at line 1); give one or the other" },
	{ "clock: {timescale: gps}",
	  "bad.yaml:1:20: clock.timescale: expected one of tai, utc, got "
	  "\"gps\"" },
	{ "clock: {oscillator: cesium}",
	  "bad.yaml:1:21: clock.oscillator: expected one of server-xtal, tcxo, "
	  "ocxo, rubidium, got \"cesium\"" },
	{ "log: {format: xml}",
	  "bad.yaml:1:15: log.format: expected one of text, json, got \"xml\"" },
	{ "log: {level: INFO}",
	  "bad.yaml:1:14: log.level: expected one of error, warning, notice, "
	  "info, debug, got \"INFO\"" },
	{ "clock:\n  step_threshold: fast\n",
	  "bad.yaml:2:19: clock.step_threshold: expected a duration like "
	  "\"100ms\", got \"fast\"" },
	{ "clock:\n  step_threshold: 100 ms\n",
	  "bad.yaml:2:19: clock.step_threshold: expected a duration like "
	  "\"100ms\", got \"100 ms\"" },
	{ "clock: {step_threshold: 1e3s}",
	  "bad.yaml:1:25: clock.step_threshold: expected a duration like "
	  "\"100ms\", got \"1e3s\"" },
	{ "clock: {step_threshold: 5}",
	  "bad.yaml:1:25: clock.step_threshold: expected a duration like "
	  "\"100ms\", got \"5\"" },
	{ "clock: {max_frequency: 5%}",
	  "bad.yaml:1:24: clock.max_frequency: expected a frequency offset "
	  "like \"500ppm\", got \"5%\"" },
	{ "clock: {max_frequency: 1e3ppm}",
	  "bad.yaml:1:24: clock.max_frequency: expected a frequency offset "
	  "like \"500ppm\", got \"1e3ppm\"" },
	{ "clock: {discipline: maybe}",
	  "bad.yaml:1:21: clock.discipline: expected true or false, got "
	  "\"maybe\"" },
	{ "clock: {discipline: 1}",
	  "bad.yaml:1:21: clock.discipline: expected true or false, got \"1\"" },
	{ "status: {max_clients: 0x10}",
	  "bad.yaml:1:23: status.max_clients: expected an integer, got "
	  "\"0x10\"" },
	{ "status: {max_clients: 6.4}",
	  "bad.yaml:1:23: status.max_clients: expected an integer, got "
	  "\"6.4\"" },
	{ "clock: {sim: {seed: -1}}",
	  "bad.yaml:1:21: clock.sim.seed: expected a non-negative integer, "
	  "got \"-1\"" },
	/* out of range */
	{ "# tsyncd\n\nstatus:\n  max_clients: 0\n",
	  "bad.yaml:4:16: status.max_clients: 0 is out of range (1..4096)" },
	{ "status: {max_clients: 4097}",
	  "bad.yaml:1:23: status.max_clients: 4097 is out of range (1..4096)" },
	{ "status: {max_clients: -1}",
	  "bad.yaml:1:23: status.max_clients: -1 is out of range (1..4096)" },
	{ "status: {max_clients: 99999999999999999999999}",
	  "bad.yaml:1:23: status.max_clients: 99999999999999999999999 is out "
	  "of range (1..4096)" },
	{ "clock: {sim: {seed: 18446744073709551616}}",
	  "bad.yaml:1:21: clock.sim.seed: 18446744073709551616 is out of "
	  "range (0..18446744073709551615)" },
	{ "clock: {step_threshold: 1001s}",
	  "bad.yaml:1:25: clock.step_threshold: 1001s is out of range "
	  "(0s..1000s)" },
	{ "clock: {step_threshold: -1ns}",
	  "bad.yaml:1:25: clock.step_threshold: -1ns is out of range "
	  "(0s..1000s)" },
	{ "status: {idle_timeout: 999999999999d}",
	  "bad.yaml:1:24: status.idle_timeout: 999999999999d is out of range "
	  "(1s..1d)" },
	{ "status: {idle_timeout: 0.5s}",
	  "bad.yaml:1:24: status.idle_timeout: 0.5s is out of range (1s..1d)" },
	{ "status: {idle_timeout: 24.001h}",
	  "bad.yaml:1:24: status.idle_timeout: 24.001h is out of range "
	  "(1s..1d)" },
	{ "clock: {max_frequency: 0ppm}",
	  "bad.yaml:1:24: clock.max_frequency: 0ppm is out of range (more "
	  "than 0ppm, at most 500000ppm)" },
	{ "clock: {max_frequency: -5ppm}",
	  "bad.yaml:1:24: clock.max_frequency: -5ppm is out of range (more "
	  "than 0ppm, at most 500000ppm)" },
	{ "clock: {max_frequency: 500000.001ppm}",
	  "bad.yaml:1:24: clock.max_frequency: 500000.001ppm is out of range "
	  "(more than 0ppm, at most 500000ppm)" },
	{ "clock: {sim: {frequency_offset: -1000.001ppm}}",
	  "bad.yaml:1:33: clock.sim.frequency_offset: -1000.001ppm is out of "
	  "range (-1000ppm..1000ppm)" },
	{ "clock: {sim: {initial_offset: 1000.000000001s}}",
	  "bad.yaml:1:31: clock.sim.initial_offset: 1000.000000001s is out of "
	  "range (-1000s..1000s)" },
	{ "clock: {sim: {noise: -1ns}}",
	  "bad.yaml:1:22: clock.sim.noise: -1ns is out of range (0s..1s)" },
	{ "clock: {sim: {wander: 1001ppm}}",
	  "bad.yaml:1:23: clock.sim.wander: 1001ppm is out of range "
	  "(0ppm..1000ppm)" },
	{ "tolerance: {max_error: 0}",
	  "bad.yaml:1:24: tolerance.max_error: 0 is out of range (more than "
	  "0s, at most 1000s)" },
	{ "tolerance: {max_error: 1001s}",
	  "bad.yaml:1:24: tolerance.max_error: 1001s is out of range (more "
	  "than 0s, at most 1000s)" },
	/* paths */
	{ "status: {shm: clock}",
	  "bad.yaml:1:15: status.shm: expected an absolute path, or \"\" to "
	  "disable the shared-memory clock, got \"clock\"" },
	{ "status: {socket: tsyncd.sock}",
	  "bad.yaml:1:18: status.socket: expected an absolute path, or \"\" to "
	  "disable the socket, got \"tsyncd.sock\"" },
	{ "log: {file: events.log}",
	  "bad.yaml:1:13: log.file: expected an absolute path, got "
	  "\"events.log\"" },
	{ "leap: {file: \"\"}",
	  "bad.yaml:1:14: leap.file: expected an absolute path, got \"\"" },
	{ "log: {file: \"a\\nb\\\"\"}",
	  "bad.yaml:1:13: log.file: expected an absolute path, got "
	  "\"a\\x0ab\\\"\"" },
	{ "log: {file: \"/a\\0b\"}",
	  "bad.yaml:1:13: log.file: NUL characters are not allowed" },
	/* duplicates and exclusions, at the second key */
	{ "clock:\n  driver: system\n  driver: sim\n",
	  "bad.yaml:3:3: clock.driver: duplicate key (first given at line 2)" },
	{ "log: {}\nclock: {}\nlog: {}\n",
	  "bad.yaml:3:1: log: duplicate key (first given at line 1)" },
	{ "tolerance:\n  max_error: 1ms\n  preset: rts25\n",
	  "bad.yaml:3:3: tolerance.preset: cannot be combined with max_error "
	  "(given at line 2); give one or the other" },
	{ "tolerance: {preset: rts25, max_error: 1ms}",
	  "bad.yaml:1:28: tolerance.max_error: cannot be combined with preset "
	  "(given at line 1); give one or the other" },
	{ "tolerance:\n  preset: rts99\n",
	  "bad.yaml:2:11: tolerance.preset: unknown preset \"rts99\" (expected "
	  "one of: rts25-hft, rts25, rts25-voice, cat-participant, finra, "
	  "iec61850, g8271-1, g8271-2, g8271-3, g8271-4, g8271-5, g8271-6a, "
	  "g8271-6b, g8271-6c, prtc-a, prtc-b)" },
	/* sources */
	{ "sources: [{name: gm, type: ptp, interface: eth0, phc: /dev/ptp0}]",
	  "bad.yaml:1:50: sources[0].phc: cannot be combined with interface "
	  "(given at line 1); give one or the other" },
	{ "sources: [{name: gm, type: ptp, uds: ptp4l}]",
	  "bad.yaml:1:38: sources[0].uds: expected an absolute path of at most "
	  "107 bytes, got \"ptp4l\"" },
	{ "sources: [{name: gm, type: ptp, interface: abcdefghijklmnop}]",
	  "bad.yaml:1:44: sources[0].interface: expected a network interface "
	  "name (1-15 characters), got \"abcdefghijklmnop\"" },
	{ "sources: [{name: gm, type: ptp, domain: 256}]",
	  "bad.yaml:1:41: sources[0].domain: 256 is out of range (0..255)" },
	{ "sources: [{name: gm, type: ptp, iburst: true}]",
	  "bad.yaml:1:33: sources[0].iburst: does not apply to a source of "
	  "type ptp" },
	{ "sources:\n  - {name: a, type: gnss}\n  - {name: b, type: ntp}\n",
	  "bad.yaml:2:5: sources[0]: missing required key \"device\" or "
	  "\"pps\" (type gnss)" },
	{ "sources: [{name: a, type: shm, colour: {x: [1, 2]}, poll: [4, 6]}]",
	  "bad.yaml:1:32: sources[0].colour: unknown key (expected one of: "
	  "name, type, prefer, require, trust, noselect, trace, server, port, "
	  "poll, iburst, burst, maxdelay, asymmetry, uds, domain, interface, "
	  "phc, free_running, device, baud, pps, serial_delay, cable_delay, "
	  "min_satellites, accuracy, unit)" },
	{ "sources: [{type: gpsd, name: a, uds: /x}]",
	  "bad.yaml:1:33: sources[0].uds: does not apply to a source of type "
	  "gpsd" },
	{ "sources:\n  - {name: \"a b\", type: ntp}\n",
	  "bad.yaml:2:12: sources[0].name: invalid source name \"a b\" (1 to 32 "
	  "characters from A-Z a-z 0-9 _ . -)" },
	{ "sources: [{type: ntp, name: \"\"}]",
	  "bad.yaml:1:29: sources[0].name: invalid source name \"\" (1 to 32 "
	  "characters from A-Z a-z 0-9 _ . -)" },
	{ "sources: [{name: abcdefghijklmnopqrstuvwxyz0123456, type: ntp}]",
	  "bad.yaml:1:18: sources[0].name: invalid source name "
	  "\"abcdefghijklmnopqrstuvwxyz0123456\" (1 to 32 characters from A-Z "
	  "a-z 0-9 _ . -)" },
	{ "sources:\n  - {name: gm, type: ptp}\n  - {name: gm, type: ntp}\n",
	  "bad.yaml:3:12: sources[1].name: duplicate source name \"gm\" (also "
	  "sources[0] at line 2)" },
	{ "sources:\n  - type: ntp\n",
	  "bad.yaml:2:5: sources[0]: missing required key \"name\"" },
	{ "sources: [{name: a}]",
	  "bad.yaml:1:11: sources[0]: missing required key \"type\"" },
	{ "sources: [{name: a, name: b, type: ntp}]",
	  "bad.yaml:1:21: sources[0].name: duplicate key (first given at line "
	  "1)" },
	{ "sources:\n  - {name: a, type: ntp}\n  - {name: b, type: sundial}\n",
	  "bad.yaml:3:21: sources[1].type: expected one of ntp, ptp, gnss, "
	  "shm, gpsd, got \"sundial\"" },
	/* ntp keys */
	{ "sources: [{name: a, type: ntp}]",
	  "bad.yaml:1:11: sources[0]: missing required key \"server\" (type "
	  "ntp)" },
	{ "sources: [{name: a, type: ntp, server: x, uds: /run/ptp4l}]",
	  "bad.yaml:1:43: sources[0].uds: does not apply to a source of type "
	  "ntp" },
	{ "sources: [{name: a, type: ntp, server: x, device: /dev/ttyS0}]",
	  "bad.yaml:1:43: sources[0].device: does not apply to a source of "
	  "type ntp" },
	{ "sources: [{name: a, type: ntp, server: x, colour: red}]",
	  "bad.yaml:1:43: sources[0].colour: unknown key (expected one of: "
	  "name, type, prefer, require, trust, noselect, trace, server, port, "
	  "poll, iburst, burst, maxdelay, asymmetry, uds, domain, interface, "
	  "phc, free_running, device, baud, pps, serial_delay, cable_delay, "
	  "min_satellites, accuracy, unit)" },
	{ "sources: [{name: a, type: ntp, server: \"a b\"}]",
	  "bad.yaml:1:40: sources[0].server: expected a host name or an "
	  "IPv4/IPv6 address, got \"a b\"" },
	{ "sources: [{name: a, type: ntp, server: \"::1::2\"}]",
	  "bad.yaml:1:40: sources[0].server: expected a host name or an "
	  "IPv4/IPv6 address, got \"::1::2\"" },
	{ "sources: [{name: a, type: ntp, server: x, port: 0}]",
	  "bad.yaml:1:49: sources[0].port: 0 is out of range (1..65535)" },
	{ "sources: [{name: a, type: ntp, server: x, poll: [8, 4]}]",
	  "bad.yaml:1:49: sources[0].poll: min 8 is above max 4" },
	{ "sources: [{name: a, type: ntp, server: x, poll: [4]}]",
	  "bad.yaml:1:49: sources[0].poll: expected [min, max] in log2 "
	  "seconds, each -4 to 17" },
	{ "sources: [{name: a, type: ntp, server: x, poll: [4, 5, 6]}]",
	  "bad.yaml:1:56: sources[0].poll: expected [min, max] in log2 "
	  "seconds, each -4 to 17: more than two values" },
	{ "sources: [{name: a, type: ntp, server: x, poll: [4, 18]}]",
	  "bad.yaml:1:53: sources[0].poll: 18 is out of range (-4..17)" },
	{ "sources: [{name: a, type: ntp, server: x, poll: {min: 4}}]",
	  "bad.yaml:1:49: sources[0].poll: expected [min, max] in log2 "
	  "seconds, each -4 to 17" },
	{ "sources: [{name: a, type: ntp, server: x, maxdelay: 0}]",
	  "bad.yaml:1:53: sources[0].maxdelay: 0 is out of range (more than "
	  "0s, at most 10s)" },
	{ "sources: [{name: a, type: ntp, server: x, trace: \"\"}]",
	  "bad.yaml:1:50: sources[0].trace: expected a UTC(k) name like "
	  "\"UTC(PTB)\" (1-64 printable characters), got \"\"" },
	{ "sources:\n  - {name: a, type: ntp, server: x}\n  - {name: b, "
	  "type: ntp}\n",
	  "bad.yaml:3:5: sources[1]: missing required key \"server\" (type "
	  "ntp)" },
	{ "sources:\n  - ntp\n",
	  "bad.yaml:2:5: sources[0]: expected a mapping with name and type, "
	  "got \"ntp\"" },
	{ "sources: ntp",
	  "bad.yaml:1:10: sources: expected a sequence of sources, got \"ntp\"" },
	{ "sources: {name: a}",
	  "bad.yaml:1:10: sources: expected a sequence of sources, got a "
	  "mapping" },
	/* YAML features we refuse */
	{ "clock: &c {driver: sim}\n",
	  "bad.yaml:1:8: clock: anchors (&c) are not supported" },
	{ "clock:\n  driver: &d sim\n",
	  "bad.yaml:2:11: clock.driver: anchors (&d) are not supported" },
	{ "clock: {driver: sim}\nlog: *c\n",
	  "bad.yaml:2:6: log: aliases (*c) are not supported" },
	{ "clock: {driver: !!str sim}",
	  "bad.yaml:1:17: clock.driver: tags (tag:yaml.org,2002:str) are not "
	  "supported" },
	{ "clock: {driver: sim}\n---\nlog: {level: debug}\n",
	  "bad.yaml:2:1: more than one YAML document (a configuration is "
	  "exactly one)" },
	{ "- clock\n",
	  "bad.yaml:1:1: the top level must be a mapping of sections (clock, "
	  "tolerance, status, log, leap, audit, privileges, sources), got a "
	  "sequence" },
	{ "\nhello\n",
	  "bad.yaml:2:1: the top level must be a mapping of sections (clock, "
	  "tolerance, status, log, leap, audit, privileges, sources), got "
	  "\"hello\"" },
	{ "? [a]\n: 1\n",
	  "bad.yaml:1:3: expected a key name, got a sequence" },
	{ "clock:\n  ? {a: 1}\n  : 1\n",
	  "bad.yaml:2:5: clock: expected a key name, got a mapping" },
	/* syntax errors: libyaml's message at libyaml's mark */
	{ "clock:\n\tdriver: system\n",
	  "bad.yaml:2:1: YAML syntax error: found character that cannot start "
	  "any token (while scanning for the next token)" },
	{ "clock:\n  driver: sim\n log: {}\n",
	  "bad.yaml:3:2: YAML syntax error: did not find expected key (while "
	  "parsing a block mapping at 1:1)" },
	{ "log:\n  file: \"/var/log\n",
	  "bad.yaml:3:1: YAML syntax error: found unexpected end of stream "
	  "(while scanning a quoted scalar at 2:9)" },
	{ "clock: {driver: sim\n",
	  "bad.yaml:2:1: YAML syntax error: did not find expected ',' or '}' "
	  "(while parsing a flow mapping at 1:8)" },
	{ "log: {}\nleap:\n  file: /x: y\n",
	  "bad.yaml:3:11: YAML syntax error: mapping values are not allowed "
	  "in this context" },
	{ "clock:\n  driver: sim\n  - a\n",
	  "bad.yaml:3:3: YAML syntax error: did not find expected key (while "
	  "parsing a block mapping at 2:3)" },
	{ "clock: {driver: \xff}",
	  "bad.yaml:1:17: invalid input: invalid leading UTF-8 octet" },
};

START_TEST(error_messages)
{
	assert_error(errors[_i].yaml, errors[_i].err);
	ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

/* The first error wins, even when later ones follow. */
START_TEST(first_error_wins)
{
	assert_error("clock:\n  driver: ptp\n  colour: red\n\tbad\n",
	    "bad.yaml:2:11: clock.driver: expected one of observe, system, "
	    "sim, phc, got \"ptp\"");
}
END_TEST

START_TEST(output_untouched_on_error)
{
	struct cfg *sentinel = (struct cfg *)&err;

	cfg = sentinel;
	ck_assert_int_eq(cfg_load_buffer("x", "clock: 1", 8, &cfg, err,
	    sizeof(err)), -1);
	ck_assert_ptr_eq(cfg, sentinel);
	cfg = NULL;
	/* no room for the message is not a crash either */
	ck_assert_int_eq(cfg_load_buffer("x", "clock: 1", 8, &cfg, NULL, 0),
	    -1);
	ck_assert_int_eq(cfg_load_buffer("x", "clock: 1", 8, &cfg, err, 1),
	    -1);
	ck_assert_str_eq(err, "");
	ck_assert_ptr_null(cfg);
}
END_TEST

/* Only len bytes are read: the buffer need not be NUL-terminated. */
START_TEST(buffer_length)
{
	const char yaml[] = "clock: {driver: sim}\nclock: {}";

	ck_assert_int_eq(cfg_load_buffer("x", yaml, 20, &cfg, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(cfg->clock.driver, CFG_CLOCK_SIM);
	cfg_free(cfg);
	cfg = NULL;
	ck_assert_int_eq(cfg_load_buffer("x", NULL, 0, &cfg, err,
	    sizeof(err)), 0);
}
END_TEST

START_TEST(long_input_in_messages)
{
	char yaml[12000];
	size_t n;

	/* a long unknown key (libyaml allows 1024): one line, cut short */
	memset(yaml, 'k', 1000);
	strcpy(yaml + 1000, ": 1\n");
	ck_assert_int_eq(load(yaml), -1);
	ck_assert_int_eq(strncmp(err, "bad.yaml:1:1: kkkk", 18), 0);
	ck_assert_ptr_null(strchr(err, '\n'));
	n = strlen(err);
	ck_assert_uint_lt(n, sizeof(err));
	/* a huge value is quoted and cut with "..." */
	strcpy(yaml, "clock: {driver: ");
	memset(yaml + 16, 'v', 5000);
	strcpy(yaml + 5016, "}");
	ck_assert_int_eq(load(yaml), -1);
	ck_assert_ptr_nonnull(strstr(err, "vvv...\""));
	ck_assert_uint_lt(strlen(err), 300);
}
END_TEST

START_TEST(too_many_sources)
{
	static char yaml[96 * 300];
	size_t o = 0;

	o += (size_t)snprintf(yaml + o, sizeof(yaml) - o, "sources:\n");
	for (int i = 0; i < 257; i++)
		o += (size_t)snprintf(yaml + o, sizeof(yaml) - o,
		    "  - {name: s%d, type: ntp, server: 192.0.2.1}\n", i);
	assert_error(yaml, "bad.yaml:258:5: sources[256]: too many sources "
	    "(at most 256)");
}
END_TEST

/* ---------------------------------------------------------------- files */

static char tmpdir[64];

static void
file_setup(void)
{
	setup();
	strcpy(tmpdir, "/tmp/check_cfg.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
file_teardown(void)
{
	char path[128];

	teardown();
	snprintf(path, sizeof(path), "%s/t.yaml", tmpdir);
	unlink(path);
	rmdir(tmpdir);
}

static const char *
write_file(const char *content, size_t len)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/t.yaml", tmpdir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(content, 1, len, f), len);
	fclose(f);
	return path;
}

START_TEST(file_missing)
{
	char path[128], want[256];

	snprintf(path, sizeof(path), "%s/nope.yaml", tmpdir);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or "
	    "directory", path);
	ck_assert_int_eq(cfg_load(path, &cfg, err, sizeof(err)), -1);
	ck_assert_str_eq(err, want);
	ck_assert_ptr_null(cfg);
}
END_TEST

START_TEST(file_is_directory)
{
	char want[256];

	snprintf(want, sizeof(want), "%s: cannot read: Is a directory", tmpdir);
	ck_assert_int_eq(cfg_load(tmpdir, &cfg, err, sizeof(err)), -1);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(file_too_large)
{
	size_t len = 1024 * 1024 + 1;
	char *big = malloc(len), want[256];
	const char *path;

	ck_assert_ptr_nonnull(big);
	memset(big, '#', len);
	path = write_file(big, len);
	free(big);
	snprintf(want, sizeof(want), "%s: cannot read: larger than 1 MiB", path);
	ck_assert_int_eq(cfg_load(path, &cfg, err, sizeof(err)), -1);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(file_errors_name_the_file)
{
	const char *path = write_file("log:\n  format: xml\n", 19);
	char want[256];

	snprintf(want, sizeof(want), "%s:2:11: log.format: expected one of "
	    "text, json, got \"xml\"", path);
	ck_assert_int_eq(cfg_load(path, &cfg, err, sizeof(err)), -1);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(file_loads)
{
	const char *path = write_file(full, strlen(full));

	ck_assert_msg(cfg_load(path, &cfg, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(cfg->path, path);
	ck_assert_int_eq(cfg->clock.driver, CFG_CLOCK_SIM);
	ck_assert_str_eq(cfg->log.file, "/var/log/tsyncd/events.jsonl");
}
END_TEST

static Suite *
cfg_suite(void)
{
	Suite *s = suite_create("cfg");
	TCase *tc;

	tc = tcase_create("values");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, defaults);
	tcase_add_loop_test(tc, empty_is_default, 0,
	    sizeof(empty_inputs) / sizeof(empty_inputs[0]));
	tcase_add_test(tc, shipped_conf_is_default);
	tcase_add_test(tc, leap_mode_keys);
	tcase_add_test(tc, shipped_conf_has_no_sources);
	tcase_add_test(tc, every_key);
	tcase_add_test(tc, audit_and_privileges);
	tcase_add_test(tc, shm_empty_disables);
	tcase_add_test(tc, range_ends);
	tcase_add_loop_test(tc, preset_values, 0,
	    sizeof(presets) / sizeof(presets[0]));
	tcase_add_loop_test(tc, bool_spellings, 0,
	    sizeof(bools) / sizeof(bools[0]));
	tcase_add_loop_test(tc, log_levels, 0,
	    sizeof(levels) / sizeof(levels[0]));
	tcase_add_test(tc, enum_names);
	tcase_add_test(tc, socket_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, error_messages, 0,
	    sizeof(errors) / sizeof(errors[0]));
	tcase_add_test(tc, first_error_wins);
	tcase_add_test(tc, output_untouched_on_error);
	tcase_add_test(tc, buffer_length);
	tcase_add_test(tc, long_input_in_messages);
	tcase_add_test(tc, too_many_sources);
	tcase_add_test(tc, ntp_source_keys);
	tcase_add_test(tc, other_source_defaults);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, file_setup, file_teardown);
	tcase_add_test(tc, file_missing);
	tcase_add_test(tc, file_is_directory);
	tcase_add_test(tc, file_too_large);
	tcase_add_test(tc, file_errors_name_the_file);
	tcase_add_test(tc, file_loads);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(cfg_suite());
}

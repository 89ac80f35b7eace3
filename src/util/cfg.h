/*
 * cfg.h - the daemon's configuration, loaded from YAML with libyaml.
 *
 * Every error names file:line:column, the key path and what was expected,
 * e.g.  bad.yaml:7:12: clock.step_threshold: expected a duration like
 * "100ms", got "fast". Unknown keys, wrong types and out-of-range values
 * are errors. Missing keys take the defaults documented in tsyncd.yaml(5).
 */
#ifndef TSYNC_CFG_H
#define TSYNC_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CFG_DEFAULT_PATH	"/etc/tsyncd/tsyncd.yaml"
#define CFG_ERR_LEN		512

enum cfg_clock_driver {
	CFG_CLOCK_OBSERVE,	/* reads CLOCK_REALTIME, never adjusts it */
	CFG_CLOCK_SYSTEM,	/* CLOCK_REALTIME through clock_adjtime() */
	CFG_CLOCK_SIM,		/* simulated oscillator, for tests */
	CFG_CLOCK_PHC,		/* a PTP hardware clock through its /dev/ptpN */
};

enum cfg_timescale {
	CFG_TIMESCALE_TAI,	/* the PHC keeps TAI (PTP's timescale) */
	CFG_TIMESCALE_UTC,
};

enum cfg_oscillator {
	CFG_OSC_SERVER_XTAL,
	CFG_OSC_TCXO,
	CFG_OSC_OCXO,
	CFG_OSC_RUBIDIUM,
};

struct cfg_sim {
	double		freq_offset_ppb;	/* clock.sim.frequency_offset */
	int64_t		initial_offset_ns;	/* clock.sim.initial_offset */
	int64_t		noise_ns;		/* clock.sim.noise: white phase noise, 1 sigma */
	double		wander_ppb;		/* clock.sim.wander: random-walk FM per sqrt(s) */
	uint64_t	seed;			/* clock.sim.seed */
};

struct cfg_clock {
	enum cfg_clock_driver	driver;		/* default observe */
	bool			discipline;	/* default false */
	int64_t			step_threshold_ns; /* default 100ms; 0 = never step */
	double			max_frequency_ppb; /* default 500ppm */
	enum cfg_oscillator	oscillator;	/* default server-xtal */
	struct cfg_sim		sim;
	char			*phc;		/* driver phc: /dev/ptpN, or NULL */
	char			*interface;	/* driver phc: the PHC of this NIC */
	enum cfg_timescale	timescale;	/* driver phc; default tai */
};

struct cfg_tolerance {
	int64_t		max_error_ns;	/* default 1ms (the rts25 preset) */
	char		*preset;	/* NULL when max_error was given directly */
};

struct cfg_status {
	char		*socket;	/* default /run/tsyncd/tsyncd.sock; "" disables */
	int		max_clients;	/* default 64, 1..4096 */
	int64_t		idle_timeout_ns; /* default 60s, 1s..1d */
	char		*metrics;	/* "HOST:PORT" of the HTTP metrics endpoint; default "" (off) */
	char		*shm;		/* shared-memory clock page; default /run/tsyncd/clock; "" disables */
	char		*admin_group;	/* may send admin commands (reload) besides root; "" none */
};

enum cfg_log_format {
	CFG_LOG_TEXT,
	CFG_LOG_JSON,
};

struct cfg_log {
	int			level;	/* enum log_level, default info */
	enum cfg_log_format	format;	/* default text */
	char			*file;	/* NULL: stderr (foreground) or syslog */
	int64_t			interval_ns; /* statistics record this often; 0: none; default 60s */
};

/* leap.mode: how a disciplined clock passes a leap second (leapsmear.h). */
enum cfg_leap_mode {
	CFG_LEAP_STEP,		/* the kernel inserts/deletes it (default) */
	CFG_LEAP_SLEW,		/* not armed; slewed back at the maximum rate */
	CFG_LEAP_SMEAR,		/* linear smear over smear_window, centred on it */
};

struct cfg_leap {
	char		*file;		/* default /usr/share/zoneinfo/leap-seconds.list */
	enum cfg_leap_mode mode;	/* default step */
	int64_t		smear_window_ns; /* default 24h, 1h..7d */
};

struct cfg_audit {
	char		*file;		/* default /var/lib/tsyncd/audit.log; "" disables */
	int64_t		summary_interval_ns; /* default 60s, 1s..1d */
	int		keep;		/* rotated files kept, default 10, 1..1000 */
};

struct cfg_privileges {
	char		*user;		/* default "": stay the user tsyncd started as */
	bool		seccomp;	/* install the system-call allowlist after start-up */
};

enum cfg_source_type {
	CFG_SOURCE_NTP,
	CFG_SOURCE_PTP,
	CFG_SOURCE_GNSS,
	CFG_SOURCE_SHM,
	CFG_SOURCE_GPSD,
};

#define CFG_POLL_MIN	(-4)	/* log2 s: 1/16 s */
#define CFG_POLL_MAX	17	/* log2 s: 36 h */

/*
 * One entry of `sources:`. Keys that do not apply to the entry's type are
 * errors (tsyncd.yaml(5) lists which key belongs to which type).
 */
struct cfg_source {
	char			*name;
	enum cfg_source_type	type;
	int			line, column;	/* where the entry starts */
	/* every type */
	bool			prefer, require, trust, noselect;
	char			*trace;		/* "UTC(PTB)"; NULL: not traceable */
	/* ntp */
	char			*server;	/* host name or literal address */
	int			port;		/* default 123 */
	int			poll_min, poll_max; /* log2 s, default 6, 10 */
	bool			iburst, burst;
	int64_t			maxdelay_ns;	/* default 3s: samples with more round-trip delay are dropped */
	int64_t			asymmetry_ns;	/* declared bound of path asymmetry; -1: not declared (delay/2) */
	/* ptp */
	char			*uds;		/* ptp4l's management socket, default /var/run/ptp4l */
	int			domain;		/* default 0 */
	char			*interface;	/* the PHC of this interface; NULL: none */
	char			*phc;		/* or this PHC device; both NULL: software timestamping */
	bool			free_running;	/* ptp4l is only a measurement engine */
	/* gnss */
	char			*device;	/* serial port */
	int			baud;		/* default 9600 */
	char			*pps;		/* /dev/ppsN; NULL: NMEA alone */
	int64_t			serial_delay_ns; /* NMEA burst start after the second it labels; 0: not calibrated (0.5 s +- 0.5 s) */
	int64_t			cable_delay_ns;	/* antenna cable and receiver, subtracted */
	int			min_satellites;	/* default 4 */
	/* gnss, shm, gpsd */
	int64_t			accuracy_ns;	/* declared receiver accuracy (half-width); -1: type default */
	/* shm */
	int			unit;		/* NTP shared-memory segment NTPn, default 0 */
};

struct cfg {
	char			*path;	/* as given to cfg_load() */
	struct cfg_clock	clock;
	struct cfg_tolerance	tolerance;
	struct cfg_status	status;
	struct cfg_log		log;
	struct cfg_leap		leap;
	struct cfg_audit	audit;
	struct cfg_privileges	privileges;
	struct cfg_source	*sources;
	size_t			nsources;
};

/* A configuration holding only defaults (path "<defaults>"). */
struct cfg *cfg_default(void);

/*
 * Load and validate. On success returns 0 and *out (free with cfg_free).
 * On error returns -1, *out untouched, and err holds one line
 * "file:line:column: key.path: message" (no trailing newline).
 */
int	cfg_load(const char *path, struct cfg **out, char *err, size_t errlen);
/* The same from memory; `name` stands in for the file name in errors. */
int	cfg_load_buffer(const char *name, const char *buf, size_t len,
	    struct cfg **out, char *err, size_t errlen);
void	cfg_free(struct cfg *cfg);

const char *cfg_clock_driver_name(enum cfg_clock_driver d);
const char *cfg_oscillator_name(enum cfg_oscillator o);
const char *cfg_source_type_name(enum cfg_source_type t);

#endif

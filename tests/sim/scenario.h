/*
 * scenario.h - a simulation scenario (tests/sim/scenarios/NAME.yaml): the
 * oscillator, the engine's parameters and the synthetic sources. Loaded
 * with libyaml, strictly: unknown keys, wrong types and out-of-range
 * numbers are errors that name file:line. Expectations are not in the
 * file: the Check tests (tests/unit/check_sim.c) assert them.
 *
 * Units: seconds and fractional frequencies, plain YAML numbers.
 * Sign: initial_offset and false_offset are reference - local, like every
 * offset in the core (sample.h).
 */
#ifndef TSYNC_SCENARIO_H
#define TSYNC_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "leapsmear.h"
#include "oscsim.h"

#define SCN_MAX_SOURCES	8
#define SCN_NAME_LEN	32
#define SCN_ERR_LEN	256

enum scn_src_kind {
	SCN_PACKET,	/* NTP-like exchange: t1..t4, delay, asymmetry, loss */
	SCN_REFCLOCK,	/* PPS/GNSS-like: truncated Gaussian noise */
};

enum scn_jitter {
	SCN_JITTER_EXP,		/* per leg, exponential with mean jitter_s */
	SCN_JITTER_UNIFORM,	/* per leg, uniform on [0, jitter_s] */
};

struct scn_source {
	char		name[SCN_NAME_LEN];
	enum scn_src_kind kind;
	double		interval_s;	/* poll / pulse interval (1 s refclock, 16 s packet) */
	double		start_s;	/* first sample not before (0) */
	double		stop_s;		/* no samples from here (INFINITY) ... */
	double		resume_s;	/* ... until here (INFINITY: never back) */
	double		false_offset_s;	/* falseticker: added to every offset, bound unchanged (0) */
	bool		prefer, trust, noselect;
	/* refclock */
	double		noise_s;	/* 1 sigma of the Gaussian before truncation */
	double		trunc_k;	/* truncated at +-trunc_k sigma: the certain bound (4) */
	/* packet */
	double		delay_s;	/* base round trip, both legs (1e-3) */
	double		asymmetry_s;	/* base up leg - base down leg, |.| <= delay_s */
	double		asym_u_s;	/* declared u of the asymmetry (Type B); < 0: delay/2 rectangular */
	double		jitter_s;	/* per-leg jitter scale */
	enum scn_jitter	jitter_dist;
	double		server_error_s;	/* server's own error, uniform +-; declared as a bound */
	double		loss;		/* probability a poll gets no answer */
	double		proc_s;		/* server processing time t3 - t2 (1e-5) */
};

/*
 * A leap second (leap: in the file): the sources' reference is POSIX UTC,
 * which repeats (inserted) or skips (deleted) a second at true time at_s;
 * the engine is told the mode (engine_set_leap); in step mode the harness
 * plays the kernel and steps the clock by -delta at that instant.
 */
struct scn_leap {
	bool		enabled;
	char		mode_name[8];	/* step | slew | smear */
	enum leapsmear_mode mode;
	double		at_s;		/* the UTC midnight, whole seconds of true time */
	int		delta;		/* +1 inserted, -1 deleted */
	double		window_s;	/* smear: length (86400) */
	double		slew_rate;	/* slew: fractional (4e-4) */
	double		set_at_s;	/* the engine learns the mode then (0: at start) */
};

struct scenario {
	char		path[256];
	char		name[64];	/* file name without .yaml */
	double		duration_s;
	double		step_s;		/* divides 1 s or is a whole number of seconds */
	uint64_t	seed;
	double		warmup_s;	/* metrics (RMS, U coverage) start here; max_error coverage does not wait */
	struct oscsim_params osc;
	double		initial_offset_s; /* reference - local at t = 0 */
	struct engine_params eng;
	int		nsources;
	struct scn_source src[SCN_MAX_SOURCES];
	struct scn_leap leap;
};

/* 0, or -1 with "file:line: message" in err. */
int	scenario_load(const char *path, struct scenario *out, char *err, size_t errlen);

#endif

/*
 * engine.h - the core pipeline, pure: samples from sources -> per-source
 * statistics (sourcestats) -> selection (select) -> servo -> estimate
 * (offset, u, U, max_error with its budget; holdover growth from the
 * oscillator model) -> status (state machine, within_tolerance,
 * clockClass).
 *
 * The same engine runs in the daemon, in unit tests and in the in-process
 * simulation harness (tests/sim). It does no I/O and reads no clock: every
 * call carries the CLOCK_MONOTONIC instant it is about, and the caller
 * applies the clock actions it returns, then confirms them.
 *
 * Signs and units follow sample.h and servo.h: offset = reference - local
 * (seconds); frequencies are fractional (1e-6 = 1 ppm), + = the clock must
 * run / now runs faster.
 */
#ifndef TSYNC_ENGINE_H
#define TSYNC_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "leapsmear.h"
#include "oscmodel.h"
#include "sample.h"
#include "select.h"
#include "sourcestats.h"

#define ENGINE_MAX_SOURCES	32
#define ENGINE_REASON_LEN	96

enum engine_state {
	ENGINE_UNSYNCHRONIZED,	/* never had a usable selection */
	ENGINE_ACQUIRING,	/* a selection exists; servo not yet locked */
	ENGINE_LOCKED,		/* servo locked on a valid selection */
	ENGINE_HOLDOVER,	/* selection lost after lock; bounds grow by the oscillator model */
	ENGINE_FREERUN,		/* holdover's max_error beyond the tolerance, or holdover too long */
};

struct engine_params {
	bool		discipline;	/* false: never steer; estimate the free-running clock */
	double		step_threshold_s;
	int		step_limit;
	double		max_freq;	/* fractional */
	double		max_slew;	/* fractional */
	enum osc_class	oscillator;
	double		initial_freq;	/* from the drift file, fractional */
	double		initial_freq_u;	/* <= 0: unknown */
	double		tolerance_s;	/* tolerance.max_error */
	int		min_sources;
	double		k;		/* coverage factor of U (2) */
	double		source_timeout_s; /* a source with no sample for this long is unusable (default 8 x its interval; here absolute, default 64 s) */
	double		holdover_max_s;	/* holdover -> freerun after this long even within tolerance (default 86400) */
};

struct engine_source_params {
	const char	*name;		/* copied */
	enum sst_kind	kind;
	bool		prefer, require, trust, noselect;
	bool		traceable;	/* the source's trace to UTC(k) is established */
	double		timeout_s;	/* no sample for this long: unusable; 0 = engine default */
};

/* An action the caller must apply to the clock, in this order. */
struct engine_action {
	bool		step;
	double		step_s;		/* step the clock by +step_s */
	bool		set_freq;
	double		freq;		/* total frequency correction to set */
};

struct engine_estimate {
	int64_t		mono_ns;	/* the instant the figures are for */
	double		offset_s;	/* x: UTC (reference) - clock; during a leap
					 * slew or smear, (UTC + leap_offset_s) - clock */
	double		u_s;		/* standard uncertainty of offset_s (k = 1) */
	double		U_s;		/* expanded: k * u_s */
	double		k;
	double		max_error_s;	/* hard bound: |true offset - offset_s| <= max_error_s */
	/* its terms, which add up to max_error_s exactly: */
	double		bound_anchor_s;	/* the selection's bound at the last update */
	double		bound_growth_s;	/* oscillator model since then */
	double		bound_pending_s; /* an action not yet confirmed */
	double		bound_leap_s;	/* max |leap_offset_s| over when now may be */
	double		leap_offset_s;	/* slew/smear: the clock's target - UTC (s(t), leapsmear.h) */
	bool		leap_active;	/* a leap slew or smear is in progress */
	double		freq;		/* the clock's frequency error estimate */
	double		freq_u;
	double		max_error_rate;	/* d(max_error)/dt now (for readers that extrapolate) */
	struct budget	budget;		/* rows combine (quadrature) to u_s */
	int		reference;	/* source id of the selected reference, -1 */
	int		anchor_reference; /* the source the figures come from (also in holdover) */
};

struct engine_status {
	enum engine_state state;
	char		reason[ENGINE_REASON_LEN];	/* why the last transition */
	/*
	 * The same as a stable identifier: start, selected, locked,
	 * servo_lost_lock, estimate_unsteady, selection_lost,
	 * selection_lost_before_lock, tolerance_exceeded, holdover_too_long,
	 * clock_disturbed (tsyncd(8), LOGGING).
	 */
	const char	*reason_code;
	int64_t		since_mono_ns;	/* when the state was entered */
	bool		traceable;	/* reference traceable and state locked/holdover within tolerance */
	bool		within_tolerance; /* max_error <= tolerance */
	int64_t		within_since_mono_ns;
	double		time_to_tolerance_s; /* predicted until max_error crosses the tolerance; INFINITY if it never will (locked and steady), 0 if beyond */
	int		clock_class;	/* 6, 7, 52, 187, 248 (clock_class() in engine.c; docs/architecture.md "Engine") */
	int		n_selectable;	/* truechimers in the last selection */
};

struct engine_source_info {
	char		name[32];
	enum sel_state	state;
	bool		usable;
	bool		have_estimate;
	struct sst_estimate est;	/* valid when have_estimate */
	unsigned long	samples, rejected;
};

/* Events: state change, reference change, falseticker, step, ... */
typedef void (*engine_event_fn)(void *arg, const char *event, const char *detail);

void	engine_params_default(struct engine_params *p);
/* NULL on bad params or allocation failure. on_event may be NULL. */
struct engine *engine_create(const struct engine_params *p, engine_event_fn on_event,
	    void *arg);
void	engine_destroy(struct engine *e);

/* Returns the source id (0..ENGINE_MAX_SOURCES-1) or -1. */
int	engine_add_source(struct engine *e, const struct engine_source_params *sp);

/*
 * The driver's verdict on a source whatever its samples say: unusable
 * (why: "unreachable", "kiss-o'-death DENY", ...) or usable again.
 * Takes effect at the next engine_update(). Returns 0, -1 on a bad id.
 */
int	engine_source_set_usable(struct engine *e, int id, bool usable,
	    const char *why);
/* Change whether the source is traceable (its evidence changed). */
int	engine_source_set_traceable(struct engine *e, int id, bool traceable);

/* 0 accepted, 1 rejected (outlier), -1 invalid. */
int	engine_sample(struct engine *e, int id, const struct sample *s);

/*
 * Run selection and the servo at mono_ns (after new samples, or on a
 * periodic tick). Fills *act with what the caller must apply now (nothing
 * when discipline is off). Returns 0, -1 on bad arguments.
 */
int	engine_update(struct engine *e, int64_t mono_ns, struct engine_action *act);

/*
 * The caller applied *act at mono_ns (or, applied == false, could not):
 * stored samples and the servo are told, so nothing mistakes our own
 * steering for drift.
 */
void	engine_applied(struct engine *e, int64_t mono_ns, const struct engine_action *act,
	    bool applied);

/*
 * Someone else stepped (step_s) or re-tuned the clock: samples are
 * dropped, the servo resets, the state falls back to acquiring.
 */
void	engine_disturbed(struct engine *e, int64_t mono_ns, double step_s,
	    const char *why);

/*
 * leap.mode slew or smear for the leap p describes (copied; NULL or step
 * mode: none, the kernel handles leaps). From now on samples are moved
 * into the target timescale UTC + s (their 1 s jump at the leap is known,
 * not a disturbance), actions carry the ramp's rate as a feed-forward,
 * and the estimate's offset_s is from that timescale with max_error
 * including |s| (bound_leap_s), so it still bounds the error from UTC.
 * Only when disciplining (otherwise ignored). Set it before the ramp
 * starts and clear it after it ends: changing it mid-ramp moves the
 * reference by s. Returns 0, -1 on bad arguments.
 */
int	engine_set_leap(struct engine *e, const struct leapsmear *p);

/* Figures projected to mono_ns (grown by the holdover model since the
 * last update when there is no selection). -1 before any estimate. */
int	engine_estimate(const struct engine *e, int64_t mono_ns, struct engine_estimate *out);
void	engine_status(const struct engine *e, int64_t mono_ns, struct engine_status *out);
int	engine_source_info(const struct engine *e, int id, int64_t mono_ns,
	    struct engine_source_info *out);
int	engine_nsources(const struct engine *e);

const char *engine_state_name(enum engine_state s);

#endif

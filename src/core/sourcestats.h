/*
 * sourcestats.h - per-source statistics: outlier filtering, weighted
 * regression of offset against local (monotonic) time with an adaptive
 * window, and the estimate of offset-now, frequency, their standard errors
 * and a hard bound.
 *
 * Pure: instants and doubles in, numbers out. Conventions are sample.h's:
 * offset = reference - local clock (s); instants are CLOCK_MONOTONIC ns.
 */
#ifndef TSYNC_SOURCESTATS_H
#define TSYNC_SOURCESTATS_H

#include "sample.h"

struct sourcestats;

enum sst_kind {
	SST_PACKET,	/* NTP, PTP offsets: a round-trip delay comes with each sample */
	SST_REFCLOCK,	/* PPS, GNSS: no delay */
};

struct sst_params {
	enum sst_kind	kind;
	int		min_samples;	/* smallest regression window, >= 2 (3) */
	int		max_samples;	/* largest window and history, <= SST_MAX_SAMPLES (64) */
	/*
	 * Packet sources: a sample whose delay exceeds
	 * max(min_delay * delay_factor, min_delay + delay_margin_s) is an
	 * outlier (3.0, 1e-6 s). min_delay is over the last max_samples delays.
	 */
	double		delay_factor;
	double		delay_margin_s;
	/* Reference clocks: an outlier lies more than mad_k robust sigmas
	 * (1.4826 MAD, floored by the sample's own u) from the prediction (5.0). */
	double		mad_k;
	/*
	 * After this many outliers in a row the source has changed rather
	 * than misbehaved: packet sources forget their delay history,
	 * reference clocks their samples, and the sample is accepted (8).
	 * 0: never.
	 */
	int		max_reject_run;
	/* Runs test: a window is accepted unless its residual signs have
	 * fewer runs than expected by more than runs_z sigmas (2.33, ~1 %). */
	double		runs_z;
};

#define SST_MAX_SAMPLES	1024

struct sst_estimate {
	double		offset_s;	/* predicted at now */
	/* standard error of that prediction (Type A), including the growth
	 * from extrapolating with an uncertain frequency */
	double		offset_se_s;
	/* fractional: d(offset)/dt, i.e. how fast the local clock falls
	 * behind the reference; 0 with freq_se 0 when !freq_valid */
	double		freq;
	double		freq_se;
	bool		freq_valid;	/* false with a single sample */
	double		jitter_s;	/* weighted RMS residual */
	/* |true offset at now - offset_s| <= hard_bound_s, given that every
	 * sample's hard bound and the caller's freq_bound hold */
	double		hard_bound_s;
	/* the samples' bounds did not intersect: some bound was wrong;
	 * hard_bound_s then comes from the newest sample alone */
	bool		inconsistent;
	int		n_used;		/* samples in the regression window */
	unsigned long	n_total;	/* samples accepted since create/reset */
	double		span_s;		/* newest - oldest sample in the window */
	int64_t		last_mono_ns;	/* newest sample */
	double		age_s;		/* now - newest sample */
	/* the newest sample's Type B items + "statistics" (Type A) = offset_se_s */
	struct budget	budget;
	unsigned long	rejected;	/* outliers since create */
};

/* Defaults for a kind of source. */
void	sst_params_default(struct sst_params *p, enum sst_kind kind);

/* NULL when p is out of range (or p NULL: defaults of SST_PACKET). */
struct sourcestats *sst_create(const struct sst_params *p);
void	sst_destroy(struct sourcestats *sst);

/* Forget all samples and the delay history; counters are kept. */
void	sst_reset(struct sourcestats *sst);

/*
 * 0 accepted, 1 rejected as an outlier (counted), -1 invalid
 * (!sample_valid, or mono_ns not after the previous sample's).
 */
int	sst_add(struct sourcestats *sst, const struct sample *s);

/*
 * The local clock's frequency was changed by dfreq (fractional, + = it now
 * runs faster) and/or it was stepped by dstep_s (+ = forward) at at_mono_ns.
 * Stored offsets are rewritten as if the clock had always run as it runs
 * now: offset' = offset - dstep_s - dfreq * (t - at).
 */
void	sst_clock_adjusted(struct sourcestats *sst, int64_t at_mono_ns,
	    double dfreq, double dstep_s);

/*
 * The estimate at now_mono_ns. freq_bound (fractional, finite, >= 0)
 * bounds |true frequency - freq| over the window, from the oscillator
 * model. -1 with no sample or a bad argument.
 */
int	sst_get(const struct sourcestats *sst, int64_t now_mono_ns,
	    double freq_bound, struct sst_estimate *out);

/*
 * One accepted sample as the window holds it now: its offset rewritten for
 * every clock adjustment since (sst_clock_adjusted), and its random
 * standard uncertainty: the Type A items (all of u if it declares none),
 * a packet's queueing inflation against the current minimum delay, scaled
 * up (never down) by the window's residual scatter when that exceeds what
 * the samples declare (a Birge ratio). Type B items are not in it.
 */
struct sst_raw {
	int64_t		mono_ns;
	double		offset_s;
	double		u_a_s;
};

/*
 * The window's samples newer than after_ns, oldest first, at most max into
 * out. Returns how many (0 with none, -1 on a bad argument). This is what
 * a filter that treats its inputs as independent may be fed: successive
 * sst_get() outputs share most of their samples.
 */
int	sst_samples_since(const struct sourcestats *sst, int64_t after_ns,
	    struct sst_raw *out, int max);

/* Samples in the window. */
int	sst_count(const struct sourcestats *sst);
unsigned long sst_rejected(const struct sourcestats *sst);

#endif

/*
 * harness.h - the in-process simulation harness: the real engine
 * (src/core/engine.h) against a simulated clock (oscsim.h) and synthetic
 * sources, in discrete time, with ground truth.
 *
 * Deterministic: the same scenario and seed give bit-identical results
 * (each source draws from its own stream, so leaving one out changes
 * nothing for the others). Pure arithmetic: no sleeping, no clock reads
 * except the wall-clock time of the whole run (for the speed figure).
 *
 * Signs: oscsim's x is local - true; the engine's offsets are reference -
 * local. The harness's "true offset" is -x (reference - local), without
 * the white PM of a reading (that is the sources' timestamp noise).
 * With a leap (scenario.h, struct scn_leap) the reference is POSIX UTC,
 * true time less the leap after it, and a slew or smear steers the clock
 * to UTC + s (leapsmear.h): max_error is scored against UTC - local, the
 * other figures (true error, U, convergence) against the target,
 * (UTC + s) - local, as the engine's offset_s and u are.
 */
#ifndef TSYNC_HARNESS_H
#define TSYNC_HARNESS_H

#include <stdbool.h>
#include <stdio.h>

#include "engine.h"
#include "scenario.h"

#define SIM_MAX_TRANSITIONS	64
#define SIM_EPOCH_S	1800000000LL	/* the local clock's reading at t = 0 (2027-01-15) */
#define SIM_CONV_S		10e-6	/* convergence: |true error| below this and stays */

struct sim_opts {
	unsigned	disable_mask;	/* bit i: leave source i out */
	FILE		*log;		/* engine events and transitions; NULL quiet */
};

struct sim_transition {
	double		t_s;
	enum engine_state state;
	char		reason[ENGINE_REASON_LEN];
};

struct sim_source_result {
	char		name[SCN_NAME_LEN];
	long		sent;		/* samples given to the engine */
	long		rejected;	/* engine_sample returned 1 */
	long		points;		/* 1 s points after warm-up */
	long		by_state[SEL_FALSETICKER + 1];
};

/*
 * "True error" is the clock's error (true offset) when disciplining, and
 * the estimate's error (x̂ - true offset) when only observing. Coverage is
 * always of the estimate's error |x̂ - true offset|.
 */
struct sim_result {
	char		name[64];
	bool		discipline;
	double		duration_s, wall_s, speed;	/* speed = duration / wall */
	long		points;		/* 1 s points */
	long		est_points;	/* ... where engine_estimate gave figures */

	/* max_error: every point with an estimate, warm-up included */
	long		me_covered;
	double		me_coverage;	/* share, 0..1 */
	double		me_first_miss_t; /* < 0: none */
	double		me_first_miss_err, me_first_miss_bound;
	double		me_min_ratio;	/* smallest max_error / |x̂ - true| */

	/* U (k = 2): steady state = after warm-up, state locked */
	long		U_points, U_covered;
	double		U_coverage;
	long		U_all_points, U_all_covered;	/* after warm-up, any state */
	double		U_all_coverage;
	double		u_mean_s;	/* mean u over the steady points */
	double		rms_est_err_s;	/* rms |x̂ - true| over the steady points */

	/* true error over the steady points, and over all after warm-up */
	long		err_points;
	double		rms_err_s, max_err_s;
	long		all_points;
	double		rms_all_s, max_all_s;

	double		conv_t_s;	/* < 0: never (within the sourced span) */
	int		steps;
	int		leap_steps;	/* leap: the kernel's (step mode), by leap_step_s */
	double		leap_step_s;

	/* holdover: the first entry into ENGINE_HOLDOVER */
	double		holdover_t_s;	/* < 0: none */
	double		ho1h_ratio;	/* max_error / |x̂ - true| 1 h after entry; NAN: none */
	double		ho1h_err_s, ho1h_bound_s, ho1h_U_s;
	double		ho1h_freq_u;	/* the estimate's freq_u then */
	struct budget	ho1h_budget;	/* and its budget */
	long		ho_points, ho_covered, ho_U_covered;
	double		tol_cross_t_s;	/* first max_error > tolerance after entry; < 0 none */
	double		freerun_t_s;	/* first point in ENGINE_FREERUN; < 0 none */

	int		ntrans;
	struct sim_transition trans[SIM_MAX_TRANSITIONS];
	int		nsources;
	struct sim_source_result src[SCN_MAX_SOURCES];

	/* per 1 s point i (t = i + 1 s); NAN where there was no estimate;
	 * true and estimate errors from the clock's target (UTC + leap_s) */
	long		ntrace;
	double		*true_err_s, *est_err_s, *U_s, *max_error_s;
	int		*state;
	/* leap scenarios: s(t), the clock's target - UTC by the scenario's
	 * own profile (0 without a leap), and the engine's leap_active */
	double		*leap_s;
	int		*leap_active;
};

/* 0, or -1 (bad scenario, engine refused its params, no memory). */
int	sim_run(const struct scenario *sc, const struct sim_opts *opts,
	    struct sim_result *res);
void	sim_result_free(struct sim_result *res);

/* Bit-identical figures and traces (wall time and speed excluded). */
bool	sim_result_same(const struct sim_result *a, const struct sim_result *b);

void	sim_print_header(FILE *fp);
void	sim_print_row(FILE *fp, const struct sim_result *r);
void	sim_print_details(FILE *fp, const struct sim_result *r);

#endif

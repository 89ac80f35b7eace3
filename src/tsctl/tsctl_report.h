/*
 * tsctl_report.h - `tsctl report`: a compliance report computed from the
 * audit log (no daemon involved). The chain is verified first; a log
 * that does not verify gets no report.
 */
#ifndef TSYNC_TSCTL_REPORT_H
#define TSYNC_TSCTL_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Buckets of time: the engine's states, then two of the report's own. */
enum tsctl_report_state {
	REPORT_UNSYNCHRONIZED,
	REPORT_ACQUIRING,
	REPORT_LOCKED,
	REPORT_HOLDOVER,
	REPORT_FREERUN,
	REPORT_UNKNOWN,		/* before any record names the state */
	REPORT_NO_RECORD,	/* gaps: the daemon wrote nothing (down?) */
	REPORT_NSTATES
};

enum tsctl_report_format { REPORT_TEXT, REPORT_JSON, REPORT_HTML };

struct tsctl_report_opts {
	bool		have_since, have_until;
	int64_t		since_ns, until_ns;	/* UTC, ns since the epoch */
	bool		have_tolerance;
	double		tolerance_s;
	const char	*tolerance_name;	/* preset or as typed */
};

/* The figures, all over [since_ns, until_ns]. */
struct tsctl_report_figures {
	int64_t		since_ns, until_ns;
	double		period_s;
	double		tolerance_s;
	const char	*tolerance_source;	/* "option", "audit log", "default" */
	double		within_s, within_share;	/* share in 0..1 */
	bool		have_worst;
	double		worst_max_error_s;
	int64_t		worst_at_ns;
	double		state_s[REPORT_NSTATES];
	unsigned long	steps, crossings, crossings_left, crossings_entered;
	double		largest_step_s;
	unsigned long	gaps, restarts, trace_changes, summaries, records;
	double		gap_s;
	double		summary_interval_s;	/* as seen in the log */
};

struct tsctl_report;

/*
 * Verify and analyse files, oldest first. Returns 0 and *out; 1 when a
 * file cannot be read; 2 when the chain does not verify (the problems
 * are printed to err). Same exit codes as `tsctl report`.
 */
int	tsctl_report_compute(char *const *files, int nfiles,
	    const struct tsctl_report_opts *o, struct tsctl_report **out,
	    FILE *err);
const struct tsctl_report_figures *
	tsctl_report_figures(const struct tsctl_report *r);
const char *tsctl_report_state_name(enum tsctl_report_state s);
int	tsctl_report_write(const struct tsctl_report *r,
	    enum tsctl_report_format f, FILE *out);
void	tsctl_report_free(struct tsctl_report *r);

/*
 * "2026-11-27T03:23:49Z" (fraction, "Z"/"+00:00" optional; a date alone
 * is midnight UTC; a space may replace 'T'), "now", or "-24h" / "-30min"
 * before now_ns. Returns 0 or -1.
 */
int	tsctl_report_parse_time(const char *s, int64_t now_ns, int64_t *ns);

/* argv[0] is "report". Exit 0 report written, 1 unreadable, 2 refused/usage. */
int	tsctl_report_main(int argc, char **argv);

#endif

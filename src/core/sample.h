/*
 * sample.h - one measurement from a source, with its uncertainty budget
 * and its hard bound. Pure types and helpers: no I/O.
 *
 * Conventions, used by every core module:
 *  - offset = reference - local clock, in seconds (double; only
 *    differences are doubles, absolute instants are int64_t ns);
 *  - "local" instants are CLOCK_MONOTONIC nanoseconds (mono_ns), which no
 *    one steps or slews behind our back; the disciplined clock's own reading
 *    is kept beside it (local_ns) for reporting;
 *  - a standard uncertainty u is one standard deviation (k = 1), GUM-style;
 *  - a hard bound is the largest error that can be excluded with certainty:
 *    |true offset - offset| <= hard_bound_s at the sample's instant.
 */
#ifndef TSYNC_SAMPLE_H
#define TSYNC_SAMPLE_H

#include <stdbool.h>
#include <stdint.h>

enum budget_kind {
	BUDGET_TYPE_A,		/* evaluated statistically from the data */
	BUDGET_TYPE_B,		/* declared, calibrated or from a specification */
};

#define BUDGET_MAX_ITEMS	12
#define BUDGET_NAME_LEN		24
#define BUDGET_ORIGIN_LEN	48

struct budget_item {
	char		name[BUDGET_NAME_LEN];	 /* e.g. "asymmetry", "jitter" */
	double		u_s;			 /* standard uncertainty, s */
	enum budget_kind kind;
	char		origin[BUDGET_ORIGIN_LEN]; /* e.g. "delay/2, rectangular" */
};

/* Independent contributions, combined in quadrature. */
struct budget {
	int			n;
	struct budget_item	item[BUDGET_MAX_ITEMS];
};

void	budget_init(struct budget *b);
/* Returns 0, or -1 when full or u_s is negative/not finite. Names and
 * origins longer than their fields are truncated. */
int	budget_add(struct budget *b, const char *name, double u_s,
	    enum budget_kind kind, const char *origin);
/* sqrt(sum u_i^2): the combined standard uncertainty u_c. */
double	budget_combined(const struct budget *b);
/* The item with that name, or NULL. */
const struct budget_item *budget_find(const struct budget *b, const char *name);

/*
 * A rectangular distribution of half-width a has u = a / sqrt(3); a
 * triangular one u = a / sqrt(6) (GUM 4.3.7, 4.3.9).
 */
double	budget_u_rectangular(double half_width_s);
double	budget_u_triangular(double half_width_s);

enum sample_leap {
	SAMPLE_LEAP_NONE,
	SAMPLE_LEAP_INSERT,	/* a leap second will be inserted at the end of the UTC day */
	SAMPLE_LEAP_DELETE,
	SAMPLE_LEAP_UNKNOWN,	/* the source cannot tell */
};

struct sample {
	int64_t		mono_ns;	/* CLOCK_MONOTONIC at the measurement */
	int64_t		local_ns;	/* the disciplined clock at the same instant */
	double		offset_s;	/* reference - local */
	double		delay_s;	/* round-trip delay; < 0 when none (refclocks) */
	double		hard_bound_s;	/* >= 0 */
	struct budget	budget;		/* standard uncertainties of offset_s */
	enum sample_leap leap;
};

/* budget_combined(&s->budget). */
double	sample_u(const struct sample *s);
/* true if every field is finite and in range (hard bound >= 0, ...). */
bool	sample_valid(const struct sample *s);

#endif

/*
 * select.h - source selection: which sources agree, which lie, which one
 * is the reference, and the combined offset with its uncertainty and hard
 * bound. Pure: doubles in, decisions out; no I/O.
 *
 * Conventions as in sample.h: offset = reference - local (s), u is a
 * standard uncertainty (k = 1), a hard bound is certain: a correct source's
 * true offset lies in [offset_s - hard_bound_s, offset_s + hard_bound_s].
 *
 * What "certain" rests on. Without trusted sources, the result's hard bound
 * holds whenever more than half of the voting sources (usable, not
 * noselect) are correct; with trusted sources, whenever every trusted
 * source is correct. It is computed from the region that contains every
 * point consistent with that assumption, not from the most plausible
 * region, which can be narrower and miss the truth (see
 * docs/architecture.md, "Source selection").
 */
#ifndef TSYNC_SELECT_H
#define TSYNC_SELECT_H

#include <stdbool.h>

/* Inputs beyond this magnitude (~31 years) are garbage, not time. */
#define SEL_MAX_S	1e9

struct sel_candidate {
	const char	*name;		/* for reasons; may be NULL */
	double		offset_s;	/* reference - local */
	double		u_s;		/* > 0 */
	double		hard_bound_s;	/* >= 0 */
	bool		usable;		/* reachable, synchronised, enough samples */
	bool		prefer;		/* reference (and only combined one) when a truechimer */
	bool		require;	/* no selection unless this one is a truechimer */
	bool		trust;		/* assumed correct: never a falseticker */
	bool		noselect;	/* reported, never votes, selected or combined */
	int		id;		/* stable across runs, for hysteresis */
};

enum sel_combine {
	/* u = 1 / sqrt(sum 1/u_i^2): errors assumed independent. */
	SEL_COMBINE_INDEPENDENT,
	/* u = sum a_i u_i with a_i the normalised weights: errors assumed
	 * fully correlated (a common upstream), so averaging gains nothing. */
	SEL_COMBINE_CORRELATED,
};

struct sel_params {
	int		min_sources;	   /* truechimers needed; >= 1, default 1 */
	double		hysteresis;	   /* (0, 1], default 0.5; 1 = none */
	double		max_combine_ratio; /* >= 0, default 3; 0 = selected only */
	enum sel_combine combine;	   /* default SEL_COMBINE_INDEPENDENT */
};

enum sel_state {
	SEL_UNUSABLE,		/* not usable, or invalid numbers */
	SEL_NOSELECT,
	SEL_CANDIDATE,		/* truechimer, not combined */
	SEL_COMBINED,
	SEL_SELECTED,		/* the reference; also combined */
	SEL_FALSETICKER,
};

#define SEL_REASON_LEN	96

struct sel_result {
	bool	ok;			/* false: do not steer; reason says why */
	char	reason[SEL_REASON_LEN];	/* "" when ok */
	int	selected;		/* index into the candidates, or -1 */
	double	offset_s;		/* combined; 0 when !ok */
	double	u_s;			/* combined; INFINITY when !ok */
	double	hard_bound_s;		/* certain (see above); INFINITY when !ok */
	double	lo_s, hi_s;		/* region certain to hold the truth */
	double	agree_lo_s, agree_hi_s;	/* region most sources agree on */
	int	n_voting;		/* usable and not noselect */
	int	n_agree;		/* sources agreeing on [agree_lo_s, agree_hi_s] */
	int	n_truechimers, n_falsetickers, n_combined;
};

struct selector;

void		 sel_params_default(struct sel_params *p);
/* p may be NULL for the defaults. NULL if p is out of range or no memory. */
struct selector	*sel_create(const struct sel_params *p);
void		 sel_destroy(struct selector *s);

/*
 * Classify the n candidates (states[i] for c[i]; states may be NULL) and
 * fill *out. Returns 0, also when no selection could be made (out->ok is
 * then false), or -1 on bad arguments or no memory (out->ok false when out
 * is not NULL). The selector remembers the selected id for hysteresis.
 */
int		 sel_run(struct selector *s, const struct sel_candidate *c, int n,
		    enum sel_state *states, struct sel_result *out);

const char	*sel_state_name(enum sel_state st);

#endif

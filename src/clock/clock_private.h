/*
 * clock_private.h - for clock driver implementers only.
 */
#ifndef TSYNC_CLOCK_PRIVATE_H
#define TSYNC_CLOCK_PRIVATE_H

#include "clock.h"

struct clock_ops {
	const char	*name;
	int	(*read)(struct clock *c, int64_t *t_ns);
	int	(*read_with_bounds)(struct clock *c, int64_t *t_ns, int64_t *window_ns);
	int	(*adjust_frequency)(struct clock *c, double freq_ppb);
	int	(*adjust_phase)(struct clock *c, int64_t offset_ns);
	int	(*step)(struct clock *c, int64_t offset_ns);
	int	(*set_status)(struct clock *c, const struct clock_status *st);
	int	(*get_status)(struct clock *c, struct clock_status *st);
	void	(*destroy)(struct clock *c);
};

/* Drivers embed this first and recover themselves with container_of. */
struct clock {
	const struct clock_ops	*ops;
	bool			discipline;
};

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

struct clock *clock_observe_create(const struct cfg_clock *cfg, char *err, size_t errlen);
struct clock *clock_system_create(const struct cfg_clock *cfg, char *err, size_t errlen);
struct clock *clock_sim_create(const struct cfg_clock *cfg, char *err, size_t errlen);

#endif

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
	/* optional (NULL: the clock is CLOCK_REALTIME or simulated) */
	int	(*sys_offset)(struct clock *c, int64_t *offset_ns,
		    int64_t *window_ns, int64_t *mono_ns);
};

/* Drivers embed this first and recover themselves with container_of. */
struct clock {
	const struct clock_ops	*ops;
	bool			discipline;
	double			max_freq_ppb;	/* set by clock_create */
	bool			tai;		/* keeps TAI (set by the driver) */
	char			label[96];	/* "" or set by the driver */
};

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/*
 * Read-only access to CLOCK_REALTIME, shared by the observe and system
 * drivers (defined in clock_observe.c). get_status uses clock_adjtime()
 * with modes = 0 and so never changes the kernel's state.
 */
int	clock_realtime_read(struct clock *c, int64_t *t_ns);
int	clock_realtime_read_with_bounds(struct clock *c, int64_t *t_ns,
	    int64_t *window_ns);
int	clock_realtime_get_status(struct clock *c, struct clock_status *st);

struct clock *clock_observe_create(const struct cfg_clock *cfg, char *err, size_t errlen);
struct clock *clock_system_create(const struct cfg_clock *cfg, char *err, size_t errlen);
struct clock *clock_sim_create(const struct cfg_clock *cfg, char *err, size_t errlen);
struct clock *clock_phc_create(const struct cfg_clock *cfg, char *err, size_t errlen);

/* timex.freq (ppm, 16-bit binary fraction) <-> ppb; clock_phc.c. */
long	clock_phc_ppb_to_scaled_ppm(double freq_ppb);
double	clock_phc_scaled_ppm_to_ppb(long scaled_ppm);

#endif

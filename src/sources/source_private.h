/*
 * source_private.h - for source drivers only: the ops table and the base
 * every driver embeds first.
 */
#ifndef TSYNC_SOURCE_PRIVATE_H
#define TSYNC_SOURCE_PRIVATE_H

#include "source.h"

struct source_ops {
	const char	*type;
	/* fill the driver part of s (already holding cfg, id, env); 0 or -1 */
	int		(*start)(struct source *s, char *err, size_t errlen);
	void		(*stop)(struct source *s);
	void		(*info)(const struct source *s, int64_t now, json_t *obj);
};

struct source {
	const struct source_ops	*ops;
	const struct cfg_source	*cfg;
	int			id;
	struct source_env	env;
	enum source_health	health;
	unsigned long		dropped;
	void			*priv;		/* the driver's state */
};

extern const struct source_ops source_ntp_ops;
extern const struct source_ops source_gnss_ops;
extern const struct source_ops source_shm_ops;
extern const struct source_ops source_gpsd_ops;
extern const struct source_ops source_ptp_ops;

/* Helpers for drivers: report through env with the source's id. */
void	source_emit(struct source *s, const char *event, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	source_set_health(struct source *s, enum source_health h,
	    const char *why);

#endif

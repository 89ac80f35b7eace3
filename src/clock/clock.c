/*
 * clock.c - the public face of the clock drivers.
 *
 * The wrappers here, not the drivers, enforce the rule that a clock
 * created with discipline off is never written: every write operation
 * returns -EPERM before reaching the driver. Arguments are validated here
 * too, so drivers only see values they can apply.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "cfg.h"
#include "clock_private.h"

struct clock *
clock_create(const struct cfg_clock *cfg, char *err, size_t errlen)
{
	struct clock *c;

	if (!isfinite(cfg->max_frequency_ppb) || cfg->max_frequency_ppb < 0) {
		snprintf(err, errlen, "clock.max_frequency must be a finite, "
		    "non-negative frequency");
		return NULL;
	}
	if (cfg->driver != CFG_CLOCK_PHC &&
	    (cfg->phc != NULL || cfg->interface != NULL)) {
		snprintf(err, errlen, "clock.%s is for driver phc only",
		    cfg->phc != NULL ? "phc" : "interface");
		return NULL;
	}
	switch (cfg->driver) {
	case CFG_CLOCK_OBSERVE:
		c = clock_observe_create(cfg, err, errlen);
		break;
	case CFG_CLOCK_SYSTEM:
		c = clock_system_create(cfg, err, errlen);
		break;
	case CFG_CLOCK_SIM:
		c = clock_sim_create(cfg, err, errlen);
		break;
	case CFG_CLOCK_PHC:
		c = clock_phc_create(cfg, err, errlen);
		break;
	default:
		snprintf(err, errlen, "clock.driver: unknown driver %d",
		    (int)cfg->driver);
		return NULL;
	}
	if (c == NULL)
		return NULL;
	c->discipline = cfg->discipline;
	c->max_freq_ppb = cfg->max_frequency_ppb;
	return c;
}

void
clock_destroy(struct clock *c)
{
	if (c != NULL)
		c->ops->destroy(c);
}

const char *
clock_name(const struct clock *c)
{
	return c->ops->name;
}

const char *
clock_label(const struct clock *c)
{
	return c->label[0] != '\0' ? c->label : c->ops->name;
}

bool
clock_disciplined(const struct clock *c)
{
	return c->discipline;
}

bool
clock_keeps_tai(const struct clock *c)
{
	return c->tai;
}

int
clock_sys_offset(struct clock *c, int64_t *offset_ns, int64_t *window_ns,
    int64_t *mono_ns)
{
	if (offset_ns == NULL || window_ns == NULL || mono_ns == NULL)
		return -EINVAL;
	if (c->ops->sys_offset == NULL)
		return -EOPNOTSUPP;
	return c->ops->sys_offset(c, offset_ns, window_ns, mono_ns);
}

int
clock_read(struct clock *c, int64_t *t_ns)
{
	if (t_ns == NULL)
		return -EINVAL;
	return c->ops->read(c, t_ns);
}

int
clock_read_with_bounds(struct clock *c, int64_t *t_ns, int64_t *window_ns)
{
	if (t_ns == NULL || window_ns == NULL)
		return -EINVAL;
	return c->ops->read_with_bounds(c, t_ns, window_ns);
}

int
clock_adjust_frequency(struct clock *c, double freq_ppb)
{
	if (!c->discipline)
		return -EPERM;
	if (isnan(freq_ppb))
		return -EINVAL;
	if (fabs(freq_ppb) > c->max_freq_ppb)
		return -ERANGE;
	return c->ops->adjust_frequency(c, freq_ppb);
}

int
clock_adjust_phase(struct clock *c, int64_t offset_ns)
{
	if (!c->discipline)
		return -EPERM;
	return c->ops->adjust_phase(c, offset_ns);
}

int
clock_step(struct clock *c, int64_t offset_ns)
{
	if (!c->discipline)
		return -EPERM;
	return c->ops->step(c, offset_ns);
}

int
clock_set_status(struct clock *c, const struct clock_status *st)
{
	if (!c->discipline)
		return -EPERM;
	if (st == NULL || st->maxerror_ns < 0 || st->esterror_ns < 0 ||
	    st->tai_offset_s < 0)
		return -EINVAL;
	switch (st->leap) {
	case CLOCK_LEAP_NONE:
	case CLOCK_LEAP_INSERT:
	case CLOCK_LEAP_DELETE:
		break;
	default:
		return -EINVAL;
	}
	return c->ops->set_status(c, st);
}

int
clock_get_status(struct clock *c, struct clock_status *st)
{
	if (st == NULL)
		return -EINVAL;
	return c->ops->get_status(c, st);
}

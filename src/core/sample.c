/*
 * sample.c - uncertainty budgets and sample checks.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sample.h"

void
budget_init(struct budget *b)
{
	memset(b, 0, sizeof(*b));
}

int
budget_add(struct budget *b, const char *name, double u_s,
    enum budget_kind kind, const char *origin)
{
	struct budget_item *it;

	if (b->n >= BUDGET_MAX_ITEMS || !isfinite(u_s) || u_s < 0)
		return -1;
	it = &b->item[b->n++];
	snprintf(it->name, sizeof(it->name), "%s", name);
	snprintf(it->origin, sizeof(it->origin), "%s", origin ? origin : "");
	it->u_s = u_s;
	it->kind = kind;
	return 0;
}

double
budget_combined(const struct budget *b)
{
	double sum = 0;

	for (int i = 0; i < b->n; i++)
		sum += b->item[i].u_s * b->item[i].u_s;
	return sqrt(sum);
}

const struct budget_item *
budget_find(const struct budget *b, const char *name)
{
	for (int i = 0; i < b->n; i++)
		if (strcmp(b->item[i].name, name) == 0)
			return &b->item[i];
	return NULL;
}

double
budget_u_rectangular(double half_width_s)
{
	return half_width_s / sqrt(3.0);
}

double
budget_u_triangular(double half_width_s)
{
	return half_width_s / sqrt(6.0);
}

double
sample_u(const struct sample *s)
{
	return budget_combined(&s->budget);
}

bool
sample_valid(const struct sample *s)
{
	if (!isfinite(s->offset_s) || !isfinite(s->delay_s) ||
	    !isfinite(s->hard_bound_s) || s->hard_bound_s < 0)
		return false;
	if ((unsigned)s->leap > SAMPLE_LEAP_UNKNOWN)
		return false;
	if (s->budget.n < 0 || s->budget.n > BUDGET_MAX_ITEMS)
		return false;
	for (int i = 0; i < s->budget.n; i++)
		if (!isfinite(s->budget.item[i].u_s) || s->budget.item[i].u_s < 0)
			return false;
	return true;
}

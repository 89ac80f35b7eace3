/*
 * daemon_leap.c - tsyncd's leap-second table: loaded from leap.file at
 * start and at SIGHUP, its validity checked every minute, shown by
 * `tsctl leap` and recorded in the audit log; and leap.mode slew/smear:
 * the engine's profile for the next leap (leap_profile()).
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "audit.h"
#include "cfg.h"
#include "clock.h"
#include "ctl_server.h"
#include "daemon.h"
#include "leapfile.h"
#include "log.h"
#include "srcset.h"
#include "tstime.h"

/* ------------------------------------------------------------ leap */

/*
 * The leap-second table from leap.file, read at start and at SIGHUP and
 * checked against the wall clock every minute. The wall clock is the
 * clock driver's read (observe: CLOCK_REALTIME), never a source: the
 * table's expiry is about this host's files, not about what a server says.
 * daemon_kernel.c arms the kernel's leap flag from this table.
 */
#define LEAP_CHECK_INTERVAL_NS	(60 * INT64_C(1000000000))
#define LEAP_WARN_INTERVAL_NS	(86400 * INT64_C(1000000000))

/* Wall-clock seconds, rounded down. -1 when the clock cannot be read. */
static int
leap_now_s(struct daemon *d, int64_t *now_s)
{
	int64_t ns;
	int rc = clock_read(d->clock, &ns);

	if (rc < 0) {
		log_rl(LL_ERR, "clock_read_failed", NULL, "cannot read the clock "
		    "for the leap-second table: %s", strerror(-rc));
		return -1;
	}
	*now_s = ns / NS_PER_S - (ns % NS_PER_S < 0);
	return 0;
}

/* "2026-06-28", or "" when out of the calendar range. */
static void
leap_date(int64_t unix_s, bool with_time, char *buf, size_t len)
{
	int n = -1;

	if (unix_s > -INT64_MAX / NS_PER_S && unix_s < INT64_MAX / NS_PER_S)
		n = tstime_format_iso8601(unix_s * NS_PER_S, 0, buf, len);
	if (n < 10)
		buf[0] = '\0';
	else if (!with_time)
		buf[10] = '\0';
}

bool
leap_usable(const struct leap_state *l)
{
	return l->t.n > 0 && l->t.hash_ok;
}

static const char *
leap_validity_name(int v)
{
	switch (v) {
	case LEAPFILE_VALID: return "valid";
	case LEAPFILE_EXPIRING: return "expiring";
	case LEAPFILE_EXPIRED: return "expired";
	}
	return "unavailable";
}

static json_t *
leap_next_json(const struct leap_table *t, int64_t now_s)
{
	int64_t when;
	int delta;
	char at[40];

	if (leapfile_next(t, now_s, &when, &delta) == 0)
		return json_null();
	leap_date(when, true, at, sizeof(at));
	return json_pack("{s:s, s:s, s:i}", "at", at,
	    "type", delta > 0 ? "insert" : "delete",
	    "tai_offset_s", leapfile_tai_offset(t, when));
}

/* ------------------------------------------------------------ mode */

/*
 * leap.mode slew and smear (leapsmear.h): the engine gets the profile for
 * the next leap from PROFILE_AHEAD_S before its ramp starts until
 * PROFILE_AFTER_S after it ends; step mode leaves the leap to the kernel
 * (daemon_kernel.c). Only a disciplining clock driver is steered.
 * The slew rate is SLEW_SHARE of clock.max_frequency, leaving the servo
 * the rest for the oscillator's own frequency error.
 */
#define PROFILE_AHEAD_S	86400
#define PROFILE_AFTER_S	60
#define SLEW_SHARE	0.8

static enum leapsmear_mode
leap_mode(const struct daemon *d)
{
	switch (d->cfg->leap.mode) {
	case CFG_LEAP_SLEW: return LEAPSMEAR_SLEW;
	case CFG_LEAP_SMEAR: return LEAPSMEAR_SMEAR;
	case CFG_LEAP_STEP: break;
	}
	return LEAPSMEAR_STEP;
}

/* The profile for the leap after now_s, if it is due soon. */
static bool
profile_due(struct daemon *d, int64_t now_s, struct leapsmear *p)
{
	enum leapsmear_mode m = leap_mode(d);
	int64_t when;
	int delta;

	if (m == LEAPSMEAR_STEP || !d->cfg->clock.discipline ||
	    !clock_disciplined(d->clock) || !leap_usable(&d->leap) ||
	    leapfile_next(&d->leap.t, now_s, &when, &delta) != 1 ||
	    leapsmear_init(p, m, when * NS_PER_S, delta,
	    d->cfg->leap.smear_window_ns,
	    SLEW_SHARE * d->cfg->clock.max_frequency_ppb * 1e-9) < 0)
		return false;
	return now_s >= p->start_ns / NS_PER_S - PROFILE_AHEAD_S;
}

/* L of the ramp as UTC for people: a slew starts at the midnight. */
static void
ramp_date(const struct leapsmear *p, int64_t free_ns, char *buf, size_t len)
{
	int64_t utc = free_ns == p->jump_ns ? p->leap_ns :
	    leapsmear_utc_of_free(p, free_ns);

	leap_date(utc / NS_PER_S, true, buf, len);
}

/* Logged, published to subscribers and audited: armed and done. */
static void
profile_note(struct daemon *d, const struct leapsmear *p, bool armed)
{
	const char *ev = armed ? "leap_mode_armed" : "leap_mode_done";
	const char *mode = leapsmear_mode_name(p->mode);
	char from[40], to[40];
	json_t *j;

	ramp_date(p, p->start_ns, from, sizeof(from));
	ramp_date(p, p->end_ns, to, sizeof(to));
	j = json_pack("{s:s, s:i, s:s, s:s}", "mode", mode, "delta_s", p->delta_s,
	    "start", from, "end", to);
	if (armed)
		log_at(LL_NOTICE, ev, json_incref(j), "leap second (%+d s) will be "
		    "%sed from %s to %s; the kernel is not armed", p->delta_s,
		    mode, from, to);
	else
		log_at(LL_INFO, ev, json_incref(j), "leap second %sed (%s to %s)",
		    mode, from, to);
	if (d->ctl != NULL)
		ctl_server_publish(d->ctl, ev, json_incref(j));
	if (j != NULL)
		json_object_set_new(j, "event", json_string(armed ? "ramp_armed" :
		    "ramp_done"));
	audit_record(d, "leap", j);
}

static void
leap_profile(struct daemon *d, int64_t now_s)
{
	struct leapsmear p;

	if (profile_due(d, now_s, &p)) {
		if (d->leap_prof_set && memcmp(&p, &d->leap_prof, sizeof(p)) == 0)
			return;
		if (engine_set_leap(d->engine, &p) < 0)
			return;
		d->leap_prof = p;
		d->leap_prof_set = true;
		profile_note(d, &p, true);
		return;
	}
	/* after the ramp (now_s is the clock's, UTC + s: a minute's margin) */
	if (d->leap_prof_set && (now_s - PROFILE_AFTER_S) * NS_PER_S >
	    d->leap_prof.end_ns) {
		engine_set_leap(d->engine, NULL);
		d->leap_prof_set = false;
		profile_note(d, &d->leap_prof, false);
	}
}

/*
 * The profile in force: its window in UTC and, from the engine, the
 * clock's target offset from UTC now (clock_minus_utc_s) and the part of
 * max_error that covers it (bound_s).
 */
static json_t *
ramp_json(struct daemon *d)
{
	const struct leapsmear *p = &d->leap_prof;
	struct engine_estimate e;
	bool have;
	char from[40], to[40];

	if (!d->leap_prof_set)
		return json_null();
	have = engine_estimate(d->engine, daemon_mono_ns(), &e) == 0;
	ramp_date(p, p->start_ns, from, sizeof(from));
	ramp_date(p, p->end_ns, to, sizeof(to));
	return json_pack("{s:s, s:i, s:s, s:s, s:b, s:o, s:o}",
	    "mode", leapsmear_mode_name(p->mode), "delta_s", p->delta_s,
	    "start", from, "end", to, "active", have && e.leap_active,
	    "clock_minus_utc_s", have ? json_real(e.leap_offset_s) : json_null(),
	    "bound_s", have ? json_real(e.bound_leap_s) : json_null());
}

/* ------------------------------------------------------------ votes */

#define MAX_VOTES	32

static const char *
leap_word(enum sample_leap l)
{
	switch (l) {
	case SAMPLE_LEAP_NONE: return "none";
	case SAMPLE_LEAP_INSERT: return "insert";
	case SAMPLE_LEAP_DELETE: return "delete";
	default: return "unknown";
	}
}

/*
 * What the table says a source should announce now. Servers announce a
 * leap for up to the month before it (NTP LI), some only on the day: an
 * announcement of the leap at the end of this month agrees, and so does
 * silence before its last day; an announcement with no leap due this
 * month, silence on the leap day itself, or the wrong direction do not.
 */
static bool
vote_agrees(const struct leap_table *t, int64_t now_s, enum sample_leap v)
{
	struct tm a, b;
	time_t tn = (time_t)now_s, tl;
	int64_t when;
	int delta;
	bool due, today;

	if (v == SAMPLE_LEAP_UNKNOWN)
		return true;
	if (leapfile_next(t, now_s, &when, &delta) != 1)
		return v == SAMPLE_LEAP_NONE;
	tl = (time_t)(when - 86400);		/* the leap day */
	gmtime_r(&tn, &a);
	gmtime_r(&tl, &b);
	due = a.tm_year == b.tm_year && a.tm_mon == b.tm_mon;
	today = due && a.tm_mday == b.tm_mday;
	if (v == SAMPLE_LEAP_NONE)
		return !today;
	return due && (v == SAMPLE_LEAP_INSERT) == (delta > 0);
}

/* The sources' votes; sets *disagree when one contradicts the table. */
static json_t *
votes_json(struct daemon *d, int64_t now_s, bool use, bool *disagree)
{
	struct srcset_leap_vote v[MAX_VOTES];
	int n = srcset_leap_votes(d->sources, daemon_mono_ns(), v, MAX_VOTES);
	json_t *arr = json_array();

	*disagree = false;
	for (int i = 0; i < n; i++) {
		bool ok = !use || vote_agrees(&d->leap.t, now_s, v[i].leap);

		*disagree |= !ok;
		json_array_append_new(arr, json_pack("{s:s, s:s, s:f, s:b}",
		    "source", v[i].name, "announces", leap_word(v[i].leap),
		    "age_s", v[i].age_s, "agrees", ok));
	}
	return arr;
}

json_t *
leap_json(void *arg)
{
	struct daemon *d = arg;
	const struct leap_state *l = &d->leap;
	int64_t now_s = 0;
	bool use = leap_usable(l) && leap_now_s(d, &now_s) == 0;
	char expires[40], updated[40];

	bool disagree;
	json_t *votes = votes_json(d, now_s, use, &disagree);

	leap_date(l->t.expires_unix_s, false, expires, sizeof(expires));
	leap_date(l->t.updated_unix_s, false, updated, sizeof(updated));
	return json_pack("{s:s, s:b, s:s?, s:s?, s:s, s:o, s:o, s:o, s:s?, s:o, "
	    "s:s, s:s, s:I, s:o}",
	    "file", d->cfg->leap.file,
	    "valid", l->loaded && l->t.hash_ok,
	    "expires", l->loaded && expires[0] ? expires : NULL,
	    "updated", l->loaded && updated[0] ? updated : NULL,
	    "validity", leap_validity_name(use ?
	    (int)leapfile_validity(&l->t, now_s) : LEAP_UNAVAILABLE),
	    "days_to_expiry", use ? json_integer((json_int_t)
	    ((l->t.expires_unix_s - now_s) / 86400)) : json_null(),
	    "tai_offset_s", use ?
	    json_integer(leapfile_tai_offset(&l->t, now_s)) : json_null(),
	    "next_leap", use ? leap_next_json(&l->t, now_s) : json_null(),
	    "error", l->error[0] != '\0' ? l->error : NULL,
	    "sources", votes,
	    "agreement", json_array_size(votes) == 0 ? "no votes" : !use ?
	    "no table" : disagree ? "disagree" : "agree",
	    "mode", leapsmear_mode_name(leap_mode(d)),
	    "smear_window_s", (json_int_t)(d->cfg->leap.smear_window_ns / NS_PER_S),
	    "ramp", ramp_json(d));
}

static void
leap_audit(struct daemon *d, const char *reason)
{
	json_t *j = leap_json(d);

	if (j != NULL)
		json_object_set_new(j, "reason", json_string(reason));
	audit_record(d, "leap", j);
}

/* Expiring: a warning; expired: an error. Both name the date. */
static void
leap_warn(struct daemon *d, int validity, int64_t now_s)
{
	const char *file = d->cfg->leap.file;
	int64_t days = (d->leap.t.expires_unix_s - now_s) / 86400;
	char expires[40];

	leap_date(d->leap.t.expires_unix_s, false, expires, sizeof(expires));
	if (validity == LEAPFILE_EXPIRING)
		log_at(LL_WARNING, "leap_file_expiring", json_pack(
		    "{s:s, s:s, s:I}", "file", file, "expires", expires,
		    "days_left", (json_int_t)days),
		    "%s expires on %s (in %lld days): install a newer "
		    "leap-seconds.list (tzdata)", file, expires, (long long)days);
	else
		log_at(LL_ERR, "leap_file_expired", json_pack(
		    "{s:s, s:s, s:I}", "file", file, "expires", expires,
		    "days_ago", (json_int_t)-days),
		    "%s expired on %s (%lld days ago): leap seconds announced "
		    "since then are unknown to this host; install a newer "
		    "leap-seconds.list (tzdata)", file, expires, (long long)-days);
}

/*
 * Validity now. Expiring and expired are said at once on a change (and
 * at every load), then at most daily; a change is an audit record.
 */
/* Say so when the sources start or stop contradicting the table. */
static void
leap_compare(struct daemon *d, int64_t now_s, bool use)
{
	bool disagree;
	json_t *votes = votes_json(d, now_s, use, &disagree);
	char *txt;

	if (disagree != d->leap.disagree) {
		d->leap.disagree = disagree;
		txt = json_dumps(votes, JSON_COMPACT);
		if (disagree)
			log_warning("leap_disagreement", "sources' leap "
			    "announcements contradict the leap-second table: %s",
			    txt != NULL ? txt : "?");
		else
			log_notice("leap_agreement", "sources' leap announcements "
			    "agree with the leap-second table again");
		if (d->ctl != NULL)
			ctl_server_publish(d->ctl, disagree ? "leap_disagreement" :
			    "leap_agreement", json_pack("{s:O}", "sources", votes));
		leap_audit(d, disagree ? "disagreement" : "agreement");
		free(txt);
	}
	json_decref(votes);
}

static void
leap_check(struct daemon *d, int64_t now_mono, bool loading)
{
	struct leap_state *l = &d->leap;
	int64_t now_s = 0;
	int v = LEAP_UNAVAILABLE;
	bool changed;

	l->checked_mono_ns = now_mono;
	if (leap_usable(l)) {
		if (leap_now_s(d, &now_s) == -1)
			return;
		v = (int)leapfile_validity(&l->t, now_s);
	}
	changed = v != l->validity;
	l->validity = v;
	if ((v == LEAPFILE_EXPIRING || v == LEAPFILE_EXPIRED) && (changed ||
	    now_mono - l->warned_mono_ns >= LEAP_WARN_INTERVAL_NS)) {
		leap_warn(d, v, now_s);
		l->warned_mono_ns = now_mono;
	}
	if (loading || changed)
		leap_audit(d, loading ? "load" : "validity");
}

static void
leap_log_loaded(struct daemon *d)
{
	const struct leap_table *t = &d->leap.t;
	const char *file = d->cfg->leap.file;
	char expires[40], updated[40];

	leap_date(t->expires_unix_s, false, expires, sizeof(expires));
	leap_date(t->updated_unix_s, false, updated, sizeof(updated));
	log_at(LL_NOTICE, "leap_file_loaded", json_pack("{s:s, s:i, s:s, s:s}",
	    "file", file, "entries", t->n, "updated", updated,
	    "expires", expires), "%s: leap-second table loaded (%d entries, "
	    "updated %s, expires %s)", file, t->n, updated, expires);
}

/* (Re)read leap.file. Without a usable table the daemon runs on. */
void
leap_load(struct daemon *d)
{
	struct leap_state *l = &d->leap;
	const char *file = d->cfg->leap.file;
	int64_t now_s;
	int rc;

	memset(l, 0, sizeof(*l));
	l->validity = LEAP_UNKNOWN;
	if (file[0] == '\0') {
		snprintf(l->error, sizeof(l->error), "leap.file is empty");
		log_notice("leap_file_disabled", "no leap-second table "
		    "(leap.file is empty)");
	} else {
		rc = leapfile_load(file, &l->t, l->error, sizeof(l->error));
		l->loaded = rc == LEAPFILE_OK || rc == LEAPFILE_BAD_HASH;
		if (rc == LEAPFILE_OK)
			leap_log_loaded(d);
		else
			log_at(LL_ERR, rc == LEAPFILE_IO ? "leap_file_unavailable" :
			    "leap_file_invalid", json_pack("{s:s, s:s, s:s}",
			    "file", file, "code", leapfile_error_name(rc),
			    "error", l->error), "%s; running without a "
			    "leap-second table", l->error);
	}
	leap_check(d, daemon_mono_ns(), true);
	/* before the first engine update, so that no sample misses it */
	if (leap_now_s(d, &now_s) == 0)
		leap_profile(d, now_s);
}

/*
 * From the update timer: re-check the validity once a minute, and the
 * sources' announcements against the table at every update.
 */
void
leap_tick(struct daemon *d, int64_t now_mono)
{
	int64_t now_s;

	if (now_mono - d->leap.checked_mono_ns >= LEAP_CHECK_INTERVAL_NS)
		leap_check(d, now_mono, false);
	if (leap_now_s(d, &now_s) == 0) {
		leap_compare(d, now_s, leap_usable(&d->leap));
		leap_profile(d, now_s);
	}
}


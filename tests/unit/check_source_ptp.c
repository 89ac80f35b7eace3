/*
 * check_source_ptp.c - the ptp source: its arithmetic (ptp_sample.c:
 * signs, timescales, verdicts, traceability, budget and bound, PHC read
 * selection and mapping, the timescale guard) and the driver itself
 * (source_ptp.c) against a fake ptp4l on a Unix datagram socket in a temp
 * directory, which answers with datasets built by the codec, or with
 * malformed and misaddressed messages, or not at all.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "cfg.h"
#include "check_run.h"
#include "pmc_codec.h"
#include "ptp_sample.h"
#include "source.h"

#define NS	1000000000LL
#define T0_NS	1700000000000000000LL	/* an ingress time */

static const uint8_t GM_A[8] = { 0x00, 0x1b, 0x21, 0xff, 0xfe, 0xab, 0xcd, 0xef };
static const uint8_t GM_B[8] = { 0x00, 0x1b, 0x21, 0xff, 0xfe, 0x12, 0x34, 0x56 };

/* ------------------------------------------------------------ views */

/* A slave of a GNSS grandmaster, class 6, 100 ns, 2 us mean path delay. */
static struct ptp_view
good_view(void)
{
	struct ptp_view v;

	memset(&v, 0, sizeof(v));
	v.have_time_status = v.have_parent = v.have_properties =
	    v.have_current = true;
	v.port_state = PMC_PS_SLAVE;
	v.ts.master_offset_ns = -1234;
	v.ts.ingress_time_ns = T0_NS;
	v.ts.gmPresent = 1;
	memcpy(v.ts.gmIdentity, GM_A, 8);
	memcpy(v.parent.grandmasterIdentity, GM_A, 8);
	v.parent.grandmasterClockQuality.clockClass = 6;
	v.parent.grandmasterClockQuality.clockAccuracy = 0x21;	/* 100 ns */
	v.tp.currentUtcOffset = 37;
	v.tp.currentUtcOffsetValid = true;
	v.tp.timeTraceable = true;
	v.tp.timeSource = PMC_TS_GNSS;
	v.current.stepsRemoved = 1;
	v.current.meanPathDelay = (int64_t)2000 << 16;		/* 2 us */
	return v;
}

static struct ptp_sample_in
sw_in(int64_t local_ns)
{
	struct ptp_sample_in in;

	memset(&in, 0, sizeof(in));
	in.ingress_ns = T0_NS;
	in.local_ns = local_ns;
	in.asymmetry_s = -1;
	return in;
}

/* ------------------------------------------------------------ samples */

START_TEST(software_offset_is_minus_master_offset)
{
	struct ptp_view v = good_view();
	struct ptp_sample_in in = sw_in(T0_NS);
	struct ptp_terms t;
	struct sample s;

	/* master_offset = slave - master = -1234 ns: the master is ahead. */
	ptp_sample_make(&v, &in, &s, &t);
	ck_assert_double_eq_tol(s.offset_s, 1234e-9, 1e-15);
	v.ts.master_offset_ns = 5000;
	ptp_sample_make(&v, &in, &s, &t);
	ck_assert_double_eq_tol(s.offset_s, -5000e-9, 1e-15);
	ck_assert(sample_valid(&s));
}
END_TEST

START_TEST(offset_is_against_the_disciplined_clock)
{
	struct ptp_view v = good_view();
	/* A sim clock 3 us behind CLOCK_REALTIME at the Sync. */
	struct ptp_sample_in in = sw_in(T0_NS - 3000);
	struct ptp_terms t;
	struct sample s;

	ptp_sample_make(&v, &in, &s, &t);
	ck_assert_double_eq_tol(s.offset_s, (3000 + 1234) * 1e-9, 1e-15);
}
END_TEST

START_TEST(software_timescale_left_to_ptp4l)
{
	struct ptp_view v = good_view();
	struct ptp_sample_in in = sw_in(T0_NS);
	struct ptp_terms t;
	struct sample s;

	/* ptp4l -S already moved master_offset onto UTC. */
	v.tp.ptpTimescale = true;
	ptp_sample_make(&v, &in, &s, &t);
	ck_assert_double_eq_tol(s.offset_s, 1234e-9, 1e-15);
	ck_assert_int_eq(t.utc_shift_ns, 0);
}
END_TEST

START_TEST(phc_tai_to_utc)
{
	struct ptp_view v = good_view();
	struct ptp_sample_in in = sw_in(T0_NS - 37 * NS);
	struct ptp_terms t;
	struct sample s;

	/* The PHC keeps TAI: ingress is TAI, the system clock UTC. */
	in.phc = true;
	in.phc_bound_s = 50e-9;
	v.tp.ptpTimescale = true;
	ptp_sample_make(&v, &in, &s, &t);
	ck_assert_int_eq(t.utc_shift_ns, 37 * NS);
	ck_assert_double_eq_tol(s.offset_s, 1234e-9, 1e-12);
	/* On an ARB timescale the PHC's time is taken as it is. */
	v.tp.ptpTimescale = false;
	in.local_ns = T0_NS;
	ptp_sample_make(&v, &in, &s, &t);
	ck_assert_int_eq(t.utc_shift_ns, 0);
	ck_assert_double_eq_tol(s.offset_s, 1234e-9, 1e-12);
	ck_assert_ptr_nonnull(budget_find(&s.budget, "phc_read"));
	ck_assert_double_eq_tol(t.hard_bound_s, 2e-6 + 100e-9 + 50e-9 + 1e-9,
	    1e-15);
}
END_TEST

START_TEST(budget_and_hard_bound)
{
	struct ptp_view v = good_view();
	struct ptp_sample_in in = sw_in(T0_NS);
	const struct budget_item *it;
	struct ptp_terms t;
	struct sample s;

	ptp_sample_make(&v, &in, &s, &t);
	/* path + GM accuracy + resolution + the software-stamp allowance */
	ck_assert_double_eq_tol(s.hard_bound_s, 2e-6 + 100e-9 + 1e-9 + 100e-6,
	    1e-15);
	ck_assert_double_eq_tol(s.delay_s, 4e-6, 1e-15);
	it = budget_find(&s.budget, "server");
	ck_assert_ptr_nonnull(it);
	ck_assert_double_eq_tol(it->u_s, 100e-9 / sqrt(3), 1e-15);
	ck_assert_int_eq(it->kind, BUDGET_TYPE_B);
	it = budget_find(&s.budget, "asymmetry");
	ck_assert_double_eq_tol(it->u_s, 2e-6 / sqrt(3), 1e-15);
	ck_assert_ptr_null(budget_find(&s.budget, "phc_read"));
	/* One Type A row, a jitter prior the engine's statistics replace. */
	for (int i = 0; i < s.budget.n; i++)
		ck_assert_int_eq(s.budget.item[i].kind,
		    strcmp(s.budget.item[i].name, "timestamping") == 0 ?
		    BUDGET_TYPE_A : BUDGET_TYPE_B);
	it = budget_find(&s.budget, "timestamping");
	ck_assert_ptr_nonnull(it);
	ck_assert_double_eq_tol(it->u_s, 1e-6, 1e-15);

	/* A declared asymmetry narrows u, never the proven bound. */
	in.asymmetry_s = 100e-9;
	ptp_sample_make(&v, &in, &s, &t);
	it = budget_find(&s.budget, "asymmetry");
	ck_assert_double_eq_tol(it->u_s, 100e-9 / sqrt(3), 1e-15);
	ck_assert_str_eq(it->origin, "declared bound, rectangular");
	ck_assert_double_eq_tol(s.hard_bound_s, 2e-6 + 100e-9 + 1e-9 + 100e-6,
	    1e-15);

	/* An unstated accuracy (0xFE) has no row and adds nothing. */
	v.parent.grandmasterClockQuality.clockAccuracy = 0xfe;
	ptp_sample_make(&v, &in, &s, &t);
	ck_assert_ptr_null(budget_find(&s.budget, "server"));
	ck_assert_double_eq_tol(s.hard_bound_s, 2e-6 + 1e-9 + 100e-6, 1e-15);
	ck_assert(sample_valid(&s));
}
END_TEST

START_TEST(leap_flags)
{
	struct ptp_view v = good_view();
	struct ptp_sample_in in = sw_in(T0_NS);
	struct ptp_terms t;
	struct sample s;

	ptp_sample_make(&v, &in, &s, &t);
	ck_assert_int_eq(s.leap, SAMPLE_LEAP_NONE);
	v.tp.leap61 = true;
	ptp_sample_make(&v, &in, &s, &t);
	ck_assert_int_eq(s.leap, SAMPLE_LEAP_INSERT);
	v.tp.leap61 = false;
	v.tp.leap59 = true;
	ck_assert_int_eq(ptp_leap(&v), SAMPLE_LEAP_DELETE);
	v.tp.leap61 = true;
	ck_assert_int_eq(ptp_leap(&v), SAMPLE_LEAP_UNKNOWN);
}
END_TEST

/* ------------------------------------------------------------ verdicts */

START_TEST(port_states)
{
	struct ptp_view v = good_view();

	ck_assert_int_eq(ptp_check(&v, false), PTP_OK);
	v.port_state = PMC_PS_UNCALIBRATED;
	ck_assert_int_eq(ptp_check(&v, false), PTP_PORT_STATE);
	ck_assert_int_eq(ptp_check(&v, true), PTP_OK);
	for (uint8_t st = PMC_PS_INITIALIZING; st <= PMC_PS_PASSIVE; st++) {
		v.port_state = st;
		ck_assert_int_eq(ptp_check(&v, true), PTP_PORT_STATE);
	}
	v.port_state = 0;
	ck_assert_int_eq(ptp_check(&v, true), PTP_NO_DATA);
}
END_TEST

START_TEST(other_verdicts)
{
	struct ptp_view v = good_view();

	v.have_current = false;
	ck_assert_int_eq(ptp_check(&v, false), PTP_NO_DATA);
	v = good_view();
	v.ts.gmPresent = 0;
	ck_assert_int_eq(ptp_check(&v, false), PTP_NO_GM);
	v = good_view();
	v.ts.ingress_time_ns = 0;
	ck_assert_int_eq(ptp_check(&v, false), PTP_NO_SYNC);
	v = good_view();
	v.tp.ptpTimescale = true;
	v.tp.currentUtcOffsetValid = false;
	ck_assert_int_eq(ptp_check(&v, false), PTP_UTC_UNKNOWN);
	ck_assert_str_ne(ptp_verdict_str(PTP_UTC_UNKNOWN), "?");
	/* An ARB timescale needs no UTC offset. */
	v.tp.ptpTimescale = false;
	ck_assert_int_eq(ptp_check(&v, false), PTP_OK);
}
END_TEST

START_TEST(traceable_classes)
{
	static const struct { uint8_t cls; bool ok; } cases[] = {
		{ 6, true }, { 7, true }, { 13, true }, { 14, true },
		{ 52, false }, { 58, false }, { 187, false }, { 193, false },
		{ 248, false }, { 255, false }, { 135, false },
	};
	struct ptp_view v = good_view();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v.parent.grandmasterClockQuality.clockClass = cases[i].cls;
		ck_assert_msg(ptp_gm_traceable(&v) == cases[i].ok,
		    "clockClass %u", cases[i].cls);
	}
	v = good_view();
	v.tp.timeTraceable = false;
	ck_assert(!ptp_gm_traceable(&v));
	v = good_view();
	v.parent.grandmasterClockQuality.clockAccuracy = 0xfe;
	ck_assert(!ptp_gm_traceable(&v));
	v = good_view();
	v.have_parent = false;
	ck_assert(!ptp_gm_traceable(&v));
}
END_TEST

/* ------------------------------------------------------------ PHC */

START_TEST(narrowest_reading)
{
	const int64_t trip[4][3] = {
		{ 1000, 5000, 1100 },	/* 100 */
		{ 2000, 6000, 2040 },	/* 40: the one */
		{ 3000, 7000, 2990 },	/* disordered: skipped */
		{ 4000, 8000, 4060 },
	};
	const int64_t bad[1][3] = { { 10, 20, 5 } };
	struct ptp_phc_reading r;

	ck_assert_int_eq(ptp_phc_narrowest(trip, 4, &r), 0);
	ck_assert_int_eq(r.window_ns, 40);
	ck_assert_int_eq(r.sys_ns, 2020);
	ck_assert_int_eq(r.phc_ns, 6000);
	ck_assert_int_eq(ptp_phc_narrowest(bad, 1, &r), -1);
	ck_assert_int_eq(ptp_phc_narrowest(trip, 0, &r), -1);
}
END_TEST

START_TEST(phc_burst_is_averaged)
{
	/* PHC 37 s ahead; offsets 37 s + {-3, +1, +2, 0} us: mean +0 ns. */
	struct ptp_phc_reading r[4] = {
		{ T0_NS, T0_NS + 37 * NS - 3000, 0 },
		{ T0_NS + 10, T0_NS + 10 + 37 * NS + 1000, 0 },
		{ T0_NS + 20, T0_NS + 20 + 37 * NS + 2000, 40 },
		{ T0_NS + 30, T0_NS + 30 + 37 * NS, 0 },
	};
	struct ptp_phc_reading out;

	ck_assert_int_eq(ptp_phc_combine(r, 4, &out), 0);
	ck_assert_int_eq(out.sys_ns, T0_NS + 15);
	ck_assert_int_eq(out.phc_ns - out.sys_ns, 37 * NS);
	/* widest window + twice the 5 us spread: half of it bounds the mean */
	ck_assert_int_eq(out.window_ns, 40 + 2 * 5000);
	/* one reading: itself */
	ck_assert_int_eq(ptp_phc_combine(r, 1, &out), 0);
	ck_assert_int_eq(out.phc_ns - out.sys_ns, 37 * NS - 3000);
	ck_assert_int_eq(out.window_ns, 0);
	ck_assert_int_eq(ptp_phc_combine(r, 0, &out), -1);
}
END_TEST

START_TEST(phc_mapping)
{
	/* PHC 37 s ahead and 10 ppm fast against the system clock. */
	struct ptp_phc_reading a = { T0_NS, T0_NS + 37 * NS, 100 };
	struct ptp_phc_reading b = { T0_NS + NS, T0_NS + 38 * NS + 10000, 60 };
	int64_t sys;
	double bound;

	ck_assert_int_eq(ptp_phc_to_sys(&a, &b, T0_NS + 37 * NS + 500005000LL,
	    1e-7, &sys, &bound), 0);
	ck_assert(llabs(sys - (T0_NS + 500000000LL)) <= 1);
	/* the larger half window + 1e-7 of a quarter span */
	ck_assert_double_eq_tol(bound, 50e-9 + 1e-7 * 0.25000025, 1e-12);
	/* beyond the span: the distance counts */
	ck_assert_int_eq(ptp_phc_to_sys(&a, &b, b.phc_ns + 200000000LL, 1e-7,
	    &sys, &bound), 0);
	ck_assert_double_eq_tol(bound, 50e-9 + 1e-7 * 0.2, 1e-12);
	ck_assert_int_eq(ptp_phc_to_sys(&b, &a, a.phc_ns, 1e-7, &sys, &bound),
	    -1);
	/* a step between the readings */
	b.phc_ns += 5000000;
	ck_assert_int_eq(ptp_phc_to_sys(&a, &b, b.phc_ns, 1e-7, &sys, &bound),
	    -1);
}
END_TEST

/* ------------------------------------------------------------ guard */

static struct pmc_time_properties
props(bool ptp_ts, int16_t utc, bool valid)
{
	struct pmc_time_properties tp;

	memset(&tp, 0, sizeof(tp));
	tp.ptpTimescale = ptp_ts;
	tp.currentUtcOffset = utc;
	tp.currentUtcOffsetValid = valid;
	return tp;
}

/* Deliver one sample through the guard as the driver does. */
static double
deliver(struct ptp_guard *g, double raw, enum ptp_guard_event *ev)
{
	double off;

	*ev = ptp_guard_check(g, raw);
	off = raw + (double)ptp_guard_relabel_ns(g) * 1e-9;
	ptp_guard_delivered(g, off);
	return off;
}

START_TEST(guard_relabelled_grandmaster)
{
	struct ptp_guard g;
	struct pmc_time_properties arb = props(false, 37, true),
	    tai = props(true, 37, true);
	enum ptp_guard_event ev;

	ptp_guard_reset(&g);
	ck_assert(!ptp_guard_props(&g, &arb));
	ck_assert_double_eq_tol(deliver(&g, 1e-6, &ev), 1e-6, 1e-12);
	ck_assert_int_eq(ev, PTP_GUARD_NONE);
	/* Flag set; ptp4l now adds 37 s: the reference seems 37 s back. */
	ck_assert(ptp_guard_props(&g, &tai));
	ck_assert_double_eq_tol(deliver(&g, -37 + 1.2e-6, &ev), 1.2e-6, 1e-9);
	ck_assert_int_eq(ev, PTP_GUARD_RELABEL);
	ck_assert(g.relabelled);
	ck_assert_int_eq(ptp_guard_relabel_ns(&g), 37 * NS);
	/* It stays corrected, and follows a new offset. */
	ck_assert(!ptp_guard_props(&g, &tai));
	ck_assert_double_eq_tol(deliver(&g, -37 + 0.9e-6, &ev), 0.9e-6, 1e-9);
	ck_assert_int_eq(ev, PTP_GUARD_NONE);
	tai.currentUtcOffset = 38;
	ck_assert(ptp_guard_props(&g, &tai));
	ck_assert_double_eq_tol(deliver(&g, -38 + 1e-6, &ev), 1e-6, 1e-9);
	/* Flag cleared: the correction goes. */
	ck_assert(ptp_guard_props(&g, &arb));
	ck_assert_double_eq_tol(deliver(&g, 1.1e-6, &ev), 1.1e-6, 1e-12);
	ck_assert_int_eq(ev, PTP_GUARD_CLEARED);
	ck_assert(!g.relabelled);
}
END_TEST

START_TEST(guard_honest_grandmaster)
{
	struct ptp_guard g;
	struct pmc_time_properties arb = props(false, 37, true),
	    tai = props(true, 37, true);
	enum ptp_guard_event ev;

	ptp_guard_reset(&g);
	ptp_guard_props(&g, &arb);
	deliver(&g, 1e-6, &ev);
	/* An honest switch to TAI moves the wire time too: no jump. */
	ck_assert(ptp_guard_props(&g, &tai));
	ck_assert_double_eq_tol(deliver(&g, 2e-6, &ev), 2e-6, 1e-12);
	ck_assert_int_eq(ev, PTP_GUARD_NONE);
	ck_assert(!g.relabelled);
	/* A jump that is not the UTC offset is the local clock's business. */
	ck_assert(ptp_guard_props(&g, &arb));
	ck_assert(ptp_guard_props(&g, &tai));
	ck_assert_double_eq_tol(deliver(&g, -36.5, &ev), -36.5, 1e-12);
	ck_assert_int_eq(ev, PTP_GUARD_NONE);
	/* Without a property change, no jump is ever relabelled. */
	ck_assert_double_eq_tol(deliver(&g, -73.5, &ev), -73.5, 1e-12);
	ck_assert_int_eq(ev, PTP_GUARD_NONE);
}
END_TEST

START_TEST(guard_mislabelled_from_the_start)
{
	struct ptp_guard g;
	struct pmc_time_properties arb = props(false, 37, true),
	    tai = props(true, 37, true);
	enum ptp_guard_event ev;

	ptp_guard_reset(&g);
	ptp_guard_props(&g, &tai);
	/* Cannot be told from a local clock on TAI: reported as it is. */
	ck_assert_double_eq_tol(deliver(&g, -37, &ev), -37, 1e-12);
	ck_assert_int_eq(ev, PTP_GUARD_NONE);
	/* Clearing the flag without moving the time gives it away. */
	ck_assert(ptp_guard_props(&g, &arb));
	ck_assert_double_eq_tol(deliver(&g, 1e-6, &ev), 1e-6, 1e-12);
	ck_assert_int_eq(ev, PTP_GUARD_WAS_UTC);
	ck_assert(!g.relabelled);
}
END_TEST

/* ------------------------------------------------------------ fake ptp4l */

struct fake {
	int		fd;
	char		dir[64], path[108];
	struct event	*ev;
	bool		mute;		/* answer nothing */
	bool		garbage;	/* a malformed and a misaddressed one first */
	struct ptp_view	v;		/* what it serves */
	int64_t		master_offset_ns;
	int		subscribes, gets;
	struct pmc_port_identity client;
};

struct rec {
	int		samples;
	struct sample	last;
	bool		usable, usable_known, traceable, traceable_known;
	char		why[128];
	char		events[2048];
};

static struct event_base *base;
static struct fake fk;
static struct rec rc;
static struct cfg *cfg;
static struct source *src;

static int64_t
real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static void
fake_reply(const struct sockaddr_un *to, socklen_t tolen,
    const struct pmc_msg *req, uint16_t id, uint16_t port)
{
	struct pmc_msg m;
	uint8_t buf[PMC_MAX_MSG_LEN];
	int len;

	memset(&m, 0, sizeof(m));
	m.hdr.domainNumber = req->hdr.domainNumber;
	memcpy(m.hdr.sourcePortIdentity.clockIdentity,
	    "\x52\x54\x00\xff\xfe\x12\x34\x56", 8);
	m.hdr.sourcePortIdentity.portNumber = port;
	m.hdr.sequenceId = req->hdr.sequenceId;
	m.hdr.targetPortIdentity = req->hdr.sourcePortIdentity;
	m.action = PMC_RESPONSE;
	m.managementId = id;
	m.body = PMC_BODY_DATASET;
	switch (id) {
	case PMC_ID_TIME_STATUS_NP:
		m.u.time_status = fk.v.ts;
		m.u.time_status.master_offset_ns = fk.master_offset_ns;
		m.u.time_status.ingress_time_ns = real_ns();
		break;
	case PMC_ID_PARENT_DATA_SET:
		m.u.parent = fk.v.parent;
		break;
	case PMC_ID_TIME_PROPERTIES_DATA_SET:
		m.u.time_properties = fk.v.tp;
		m.u.time_properties.flags = (uint8_t)(
		    (fk.v.tp.currentUtcOffsetValid ? PMC_FLAG_UTC_OFFSET_VALID : 0) |
		    (fk.v.tp.ptpTimescale ? PMC_FLAG_PTP_TIMESCALE : 0) |
		    (fk.v.tp.timeTraceable ? PMC_FLAG_TIME_TRACEABLE : 0));
		break;
	case PMC_ID_CURRENT_DATA_SET:
		m.u.current = fk.v.current;
		break;
	case PMC_ID_PORT_DATA_SET:
		m.u.port.portIdentity = m.hdr.sourcePortIdentity;
		m.u.port.portState = fk.v.port_state;
		break;
	case PMC_ID_SUBSCRIBE_EVENTS_NP:
		m.u.subscribe = req->u.subscribe;
		break;
	}
	len = pmc_encode(buf, sizeof(buf), &m);
	ck_assert_int_gt(len, 0);
	if (fk.garbage) {
		uint8_t bad[PMC_MAX_MSG_LEN];

		/* truncated */
		(void)sendto(fk.fd, buf, (size_t)len - 3, 0,
		    (const struct sockaddr *)to, tolen);
		/* bytes that are no message */
		memset(bad, 0xa5, sizeof(bad));
		(void)sendto(fk.fd, bad, 80, 0, (const struct sockaddr *)to,
		    tolen);
		/* addressed to another client */
		memcpy(bad, buf, (size_t)len);
		bad[34] ^= 0xff;
		(void)sendto(fk.fd, bad, (size_t)len, 0,
		    (const struct sockaddr *)to, tolen);
	}
	(void)sendto(fk.fd, buf, (size_t)len, 0, (const struct sockaddr *)to,
	    tolen);
}

static void
fake_readable(evutil_socket_t fd, short what, void *arg)
{
	uint8_t buf[PMC_MAX_MSG_LEN];
	struct sockaddr_un from;
	socklen_t flen = sizeof(from);
	struct pmc_msg m;
	ssize_t r;

	(void)what;
	(void)arg;
	r = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
	if (r <= 0 || pmc_decode(buf, (size_t)r, &m) < 0)
		return;
	fk.client = m.hdr.sourcePortIdentity;
	if (m.action == PMC_SET && m.managementId == PMC_ID_SUBSCRIBE_EVENTS_NP)
		fk.subscribes++;
	else
		fk.gets++;
	if (fk.mute)
		return;
	if (m.managementId == PMC_ID_PORT_DATA_SET) {
		fake_reply(&from, flen, &m, m.managementId, 1);
		return;
	}
	fake_reply(&from, flen, &m, m.managementId, 0);
}

static void
fake_open(void)
{
	struct sockaddr_un sa;

	fk.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(fk.fd, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fk.path);
	ck_assert_int_eq(bind(fk.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	fk.ev = event_new(base, fk.fd, EV_READ | EV_PERSIST, fake_readable,
	    NULL);
	event_add(fk.ev, NULL);
}

static void
fake_close(void)
{
	if (fk.ev != NULL)
		event_free(fk.ev);
	fk.ev = NULL;
	if (fk.fd >= 0)
		close(fk.fd);
	fk.fd = -1;
	unlink(fk.path);
}

/* env callbacks */

static int
env_map_real(void *arg, const struct timespec *real, int64_t *mono,
    int64_t *local)
{
	(void)arg;
	*local = (int64_t)real->tv_sec * NS + real->tv_nsec;
	*mono = *local - T0_NS;
	return 0;
}

static void
env_sample(void *arg, int id, const struct sample *s)
{
	(void)arg;
	(void)id;
	rc.samples++;
	rc.last = *s;
}

static void
env_event(void *arg, int id, const char *event, const char *detail)
{
	size_t n = strlen(rc.events);

	(void)arg;
	(void)id;
	(void)detail;
	snprintf(rc.events + n, sizeof(rc.events) - n, "%s ", event);
}

static void
env_usable(void *arg, int id, bool usable, const char *why)
{
	(void)arg;
	(void)id;
	rc.usable = usable;
	rc.usable_known = true;
	snprintf(rc.why, sizeof(rc.why), "%s", why != NULL ? why : "");
}

static void
env_traceable(void *arg, int id, bool traceable)
{
	(void)arg;
	(void)id;
	rc.traceable = traceable;
	rc.traceable_known = true;
}

static void
setup(void)
{
	char yaml[1024], err[CFG_ERR_LEN];

	memset(&fk, 0, sizeof(fk));
	memset(&rc, 0, sizeof(rc));
	fk.fd = -1;
	snprintf(fk.dir, sizeof(fk.dir), "/tmp/check-ptp-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(fk.dir));
	snprintf(fk.path, sizeof(fk.path), "%s/ptp4l", fk.dir);
	fk.v = good_view();
	fk.master_offset_ns = -1234;
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	snprintf(yaml, sizeof(yaml), "sources:\n"
	    "  - {name: p, type: ptp, uds: %s, poll: [-4, -4], "
	    "trace: UTC(lab)}\n", fk.path);
	ck_assert_msg(cfg_load_buffer("t.yaml", yaml, strlen(yaml), &cfg, err,
	    sizeof(err)) == 0, "%s", err);
	fake_open();
	src = NULL;
}

static void
teardown(void)
{
	char p[160];

	source_destroy(src);
	fake_close();
	event_base_free(base);
	cfg_free(cfg);
	snprintf(p, sizeof(p), "%s/ptp-p.sock", fk.dir);
	unlink(p);
	rmdir(fk.dir);
}

static void
start(void)
{
	struct source_env env;
	char err[256];

	memset(&env, 0, sizeof(env));
	env.base = base;
	env.map_real = env_map_real;
	env.sample = env_sample;
	env.event = env_event;
	env.set_usable = env_usable;
	env.set_traceable = env_traceable;
	env.rundir = fk.dir;
	src = source_create(&cfg->sources[0], 3, &env, err, sizeof(err));
	ck_assert_msg(src != NULL, "%s", err);
}

static void
stop_loop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

/* Run the loop until cond() holds, at most timeout_s. */
static bool
run_until(bool (*cond)(void), double timeout_s)
{
	struct timespec t0, t;
	struct timeval tick = { 0, 20000 };
	struct event *ev = event_new(base, -1, EV_PERSIST, stop_loop, base);

	event_add(ev, &tick);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (cond())
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) *
		    1e-9 > timeout_s)
			break;
		event_base_dispatch(base);
	}
	event_free(ev);
	return cond();
}

static bool	has_samples(void) { return rc.samples >= 3; }
static bool	is_unusable(void) { return rc.usable_known && !rc.usable; }
static bool	lost(void) { return strstr(rc.events, "ptp_engine_lost") != NULL; }
static bool	back(void) { return strstr(rc.events, "ptp_engine_back") != NULL; }
static bool	gm_changed(void) { return strstr(rc.events, "ptp_gm_changed") != NULL; }
static bool	untraceable(void) { return rc.traceable_known && !rc.traceable; }
static bool	traceable(void) { return rc.traceable_known && rc.traceable; }

static json_t *
info(void)
{
	return source_info_json(src, 0);
}

START_TEST(driver_samples_and_reports)
{
	char client[160];
	struct stat st;
	json_t *o, *ls;

	start();
	ck_assert(run_until(has_samples, 3));
	ck_assert_double_eq_tol(rc.last.offset_s, 1234e-9, 1e-12);
	ck_assert(rc.usable);
	ck_assert(rc.traceable);
	ck_assert_int_ge(fk.subscribes, 1);
	/* portNumber is the engine id + 1, clockIdentity from the pid */
	ck_assert_int_eq(fk.client.portNumber, 4);
	snprintf(client, sizeof(client), "%s/ptp-p.sock", fk.dir);
	ck_assert_int_eq(stat(client, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));

	o = info();
	ck_assert_str_eq(json_string_value(json_object_get(o, "type")), "ptp");
	ck_assert_str_eq(json_string_value(json_object_get(o, "address")),
	    fk.path);
	ck_assert_str_eq(json_string_value(json_object_get(o, "port_state")),
	    "SLAVE");
	ck_assert_str_eq(json_string_value(json_object_get(o, "gm_identity")),
	    "001b21.fffe.abcdef");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "clock_class")),
	    6);
	ck_assert_str_eq(json_string_value(json_object_get(o, "timestamping")),
	    "software");
	ck_assert(json_is_null(json_object_get(o, "phc")));
	ck_assert(json_integer_value(json_object_get(o, "reach")) != 0);
	ck_assert_double_eq_tol(json_real_value(json_object_get(o,
	    "master_offset_s")), -1234e-9, 1e-15);
	ck_assert_double_eq_tol(json_real_value(json_object_get(o,
	    "mean_path_delay_s")), 2e-6, 1e-15);
	ck_assert(json_is_true(json_object_get(o, "subscribed")));
	ls = json_object_get(o, "last_sample");
	ck_assert(json_is_object(ls));
	ck_assert_double_eq_tol(json_real_value(json_object_get(ls,
	    "hard_bound_s")), 2e-6 + 100e-9 + 1e-9 + 100e-6, 1e-15);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(o,
	    "chain"), "grandmaster")), "001b21.fffe.abcdef");
	json_decref(o);

	/* The client socket goes with the source. */
	source_destroy(src);
	src = NULL;
	ck_assert_int_eq(stat(client, &st), -1);
}
END_TEST

START_TEST(driver_drops_bad_messages)
{
	start();
	fk.garbage = true;
	ck_assert(run_until(has_samples, 3));
	ck_assert_double_eq_tol(rc.last.offset_s, 1234e-9, 1e-12);
	ck_assert_uint_ge(source_dropped(src), 3);
}
END_TEST

START_TEST(driver_port_state_and_gm_change)
{
	start();
	ck_assert(run_until(has_samples, 3));
	fk.v.port_state = PMC_PS_LISTENING;
	ck_assert(run_until(is_unusable, 2));
	ck_assert_str_eq(rc.why, "port not in SLAVE state");
	ck_assert_ptr_nonnull(strstr(rc.events, "ptp_port_state"));
	ck_assert_int_eq(source_health(src), SOURCE_UNUSABLE);

	/* UNCALIBRATED is not enough without free_running */
	fk.v.port_state = PMC_PS_UNCALIBRATED;
	rc.samples = 0;
	run_until(has_samples, 0.5);
	ck_assert_int_eq(rc.samples, 0);

	fk.v.port_state = PMC_PS_SLAVE;
	memcpy(fk.v.parent.grandmasterIdentity, GM_B, 8);
	fk.v.parent.grandmasterClockQuality.clockClass = 248;
	ck_assert(run_until(gm_changed, 2));
	ck_assert(run_until(untraceable, 2));
	rc.samples = 0;
	ck_assert(run_until(has_samples, 3));
	ck_assert(rc.usable);
}
END_TEST

START_TEST(driver_own_clock_is_no_grandmaster)
{
	/* A ptp4l without a master names itself (the fake's identity). */
	memcpy(fk.v.parent.grandmasterIdentity,
	    "\x52\x54\x00\xff\xfe\x12\x34\x56", 8);
	fk.v.parent.grandmasterClockQuality.clockClass = 248;
	fk.v.ts.gmPresent = 0;
	start();
	ck_assert(run_until(is_unusable, 3));
	ck_assert_str_eq(rc.why, "no grandmaster (ptp4l is its own)");
	ck_assert(untraceable());
	/* The first real grandmaster is no change... */
	memcpy(fk.v.parent.grandmasterIdentity, GM_A, 8);
	fk.v.parent.grandmasterClockQuality.clockClass = 6;
	fk.v.ts.gmPresent = 1;
	ck_assert(run_until(has_samples, 3));
	ck_assert(traceable());
	ck_assert_ptr_null(strstr(rc.events, "ptp_gm_changed"));
	ck_assert_ptr_null(strstr(rc.events, "ptp_gm_quality"));
	/* ...the next one is. */
	memcpy(fk.v.parent.grandmasterIdentity, GM_B, 8);
	ck_assert(run_until(gm_changed, 3));
}
END_TEST

START_TEST(driver_utc_unknown)
{
	fk.v.tp.ptpTimescale = true;
	fk.v.tp.currentUtcOffsetValid = false;
	start();
	ck_assert(run_until(is_unusable, 3));
	ck_assert_ptr_nonnull(strstr(rc.why, "currentUtcOffset"));
	ck_assert_int_eq(rc.samples, 0);
	fk.v.tp.currentUtcOffsetValid = true;
	ck_assert(run_until(has_samples, 3));
}
END_TEST

START_TEST(driver_relabel_keeps_offset)
{
	start();
	ck_assert(run_until(has_samples, 3));
	ck_assert(traceable());
	/* What ptp4l -S reports once a software GM flags ptpTimescale. */
	fk.v.tp.ptpTimescale = true;
	fk.master_offset_ns = 37 * NS - 1234;
	rc.samples = 0;
	ck_assert(run_until(has_samples, 3));
	ck_assert_double_eq_tol(rc.last.offset_s, 1234e-9, 1e-9);
	ck_assert_ptr_nonnull(strstr(rc.events, "ptp_timescale_mismatch"));
	ck_assert(untraceable());
}
END_TEST

START_TEST(driver_engine_lost_and_back)
{
	start();
	ck_assert(run_until(has_samples, 3));
	fake_close();
	ck_assert(run_until(lost, 2));
	ck_assert_int_eq(source_health(src), SOURCE_UNREACHABLE);
	ck_assert(is_unusable());
	fk.subscribes = 0;
	fake_open();
	ck_assert(run_until(back, 3));
	rc.samples = 0;
	ck_assert(run_until(has_samples, 3));
	ck_assert_int_ge(fk.subscribes, 1);
	ck_assert_int_eq(source_health(src), SOURCE_OK);
}
END_TEST

START_TEST(driver_silent_ptp4l)
{
	json_t *o;

	fk.mute = true;
	start();
	ck_assert(run_until(lost, 2));
	ck_assert_int_eq(source_health(src), SOURCE_UNREACHABLE);
	ck_assert_int_eq(rc.samples, 0);
	o = info();
	ck_assert_int_eq(json_integer_value(json_object_get(o, "reach")), 0);
	ck_assert_str_eq(json_string_value(json_object_get(o, "ptp4l")),
	    "lost");
	json_decref(o);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("source_ptp");
	TCase *tc = tcase_create("sample");
	TCase *drv = tcase_create("driver");

	tcase_add_test(tc, software_offset_is_minus_master_offset);
	tcase_add_test(tc, offset_is_against_the_disciplined_clock);
	tcase_add_test(tc, software_timescale_left_to_ptp4l);
	tcase_add_test(tc, phc_tai_to_utc);
	tcase_add_test(tc, budget_and_hard_bound);
	tcase_add_test(tc, leap_flags);
	tcase_add_test(tc, port_states);
	tcase_add_test(tc, other_verdicts);
	tcase_add_test(tc, traceable_classes);
	tcase_add_test(tc, narrowest_reading);
	tcase_add_test(tc, phc_burst_is_averaged);
	tcase_add_test(tc, phc_mapping);
	tcase_add_test(tc, guard_relabelled_grandmaster);
	tcase_add_test(tc, guard_honest_grandmaster);
	tcase_add_test(tc, guard_mislabelled_from_the_start);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(drv, setup, teardown);
	tcase_set_timeout(drv, 20);
	tcase_add_test(drv, driver_samples_and_reports);
	tcase_add_test(drv, driver_drops_bad_messages);
	tcase_add_test(drv, driver_port_state_and_gm_change);
	tcase_add_test(drv, driver_own_clock_is_no_grandmaster);
	tcase_add_test(drv, driver_utc_unknown);
	tcase_add_test(drv, driver_relabel_keeps_offset);
	tcase_add_test(drv, driver_engine_lost_and_back);
	tcase_add_test(drv, driver_silent_ptp4l);
	suite_add_tcase(s, drv);
	return s;
}

int
main(void)
{
	return check_run(suite());
}

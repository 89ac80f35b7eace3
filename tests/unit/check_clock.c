/*
 * check_clock.c - the clock wrappers and the observe, system, sim and
 * phc drivers (the phc driver's start-up checks and units: no PHC here).
 *
 * These tests never change this machine's clock. This file defines
 * clock_adjtime() itself, which takes precedence over libc's for every
 * object linked into the test: it forwards read-only calls (modes == 0)
 * to the kernel and only records anything else. So the system driver's
 * writes can be checked field by field, and even a bug in the discipline
 * check could not reach the real clock. Every test that writes first
 * proves the interposition is in effect.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "clock.h"
#include "clock_private.h"
#include "clockwatch.h"
#include "tstime.h"
#include "check_run.h"

static int		adjtime_calls;	/* every call */
static int		adjtime_writes;	/* modes != 0: recorded, never made */
static struct timex	last_write;

int
clock_adjtime(clockid_t id, struct timex *tx)
{
	adjtime_calls++;
	if (tx->modes == 0)
		return (int)syscall(SYS_clock_adjtime, id, tx);
	adjtime_writes++;
	last_write = *tx;
	return TIME_OK;
}

/* The kernel's status word, read for real. */
static int
kernel_status_word(void)
{
	struct timex tx;

	memset(&tx, 0, sizeof(tx));
	ck_assert_int_ge(clock_adjtime(CLOCK_REALTIME, &tx), 0);
	return tx.status;
}

/* Stop before any write unless the driver's calls come to us. */
static void
assert_interposed(struct clock *c)
{
	struct clock_status st;
	int before = adjtime_calls;

	ck_assert_int_eq(clock_get_status(c, &st), 0);
	ck_assert_msg(adjtime_calls == before + 1,
	    "clock_adjtime() is not interposed: refusing to test writes");
}

static struct cfg_clock
make_cfg(enum cfg_clock_driver driver, bool discipline)
{
	struct cfg_clock cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.driver = driver;
	cfg.discipline = discipline;
	cfg.step_threshold_ns = 100 * NS_PER_MS;
	cfg.max_frequency_ppb = 500000.0;
	cfg.oscillator = CFG_OSC_SERVER_XTAL;
	cfg.sim.seed = 1;
	return cfg;
}

static struct clock *
create_ok(const struct cfg_clock *cfg)
{
	char err[256] = "";
	struct clock *c = clock_create(cfg, err, sizeof(err));

	ck_assert_msg(c != NULL, "clock_create: %s", err);
	return c;
}

static int64_t
mono_ns(void)
{
	struct timespec ts;

	ck_assert_int_eq(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return tstime_from_timespec(&ts);
}

static int64_t
real_ns(void)
{
	struct timespec ts;

	ck_assert_int_eq(clock_gettime(CLOCK_REALTIME, &ts), 0);
	return tstime_from_timespec(&ts);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * NS_PER_MS };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* A clock reading bracketed by CLOCK_MONOTONIC, the sim's time base. */
struct bracket {
	int64_t	before, t, after;
};

static struct bracket
bracketed_read(struct clock *c)
{
	struct bracket b;

	b.before = mono_ns();
	ck_assert_int_eq(clock_read(c, &b.t), 0);
	b.after = mono_ns();
	return b;
}

/*
 * Between readings r1 and r2 the clock advanced by t2 - t1 - jump_ns. With
 * a rate between rmin and rmax (ppb) that must lie within the monotonic
 * bracket scaled by the rate, give or take rounding.
 */
static void
assert_advance(struct bracket r1, struct bracket r2, double rmin_ppb,
    double rmax_ppb, int64_t jump_ns)
{
	double d = (double)(r2.t - r1.t - jump_ns);
	double lo = (double)(r2.before - r1.after) * (1.0 + rmin_ppb * 1e-9);
	double hi = (double)(r2.after - r1.before) * (1.0 + rmax_ppb * 1e-9);

	ck_assert_msg(d >= lo - 2.0 && d <= hi + 2.0,
	    "advance %.0f ns outside [%.0f, %.0f]", d, lo, hi);
}

/* ------------------------------------------------ wrappers, fake driver */

static int fake_calls;

static int
fake_read(struct clock *c, int64_t *t_ns)
{
	(void)c;
	*t_ns = 42;
	return 0;
}

static int
fake_read_with_bounds(struct clock *c, int64_t *t_ns, int64_t *window_ns)
{
	*window_ns = 7;
	return fake_read(c, t_ns);
}

static int
fake_frequency(struct clock *c, double freq_ppb)
{
	(void)c;
	(void)freq_ppb;
	fake_calls++;
	return 0;
}

static int
fake_offset(struct clock *c, int64_t offset_ns)
{
	(void)c;
	(void)offset_ns;
	fake_calls++;
	return 0;
}

static int
fake_set_status(struct clock *c, const struct clock_status *st)
{
	(void)c;
	(void)st;
	fake_calls++;
	return 0;
}

static int
fake_get_status(struct clock *c, struct clock_status *st)
{
	(void)c;
	memset(st, 0, sizeof(*st));
	return 0;
}

static void
fake_destroy(struct clock *c)
{
	(void)c;
}

static const struct clock_ops fake_ops = {
	.name = "fake",
	.read = fake_read,
	.read_with_bounds = fake_read_with_bounds,
	.adjust_frequency = fake_frequency,
	.adjust_phase = fake_offset,
	.step = fake_offset,
	.set_status = fake_set_status,
	.get_status = fake_get_status,
	.destroy = fake_destroy,
};

static const struct clock_status good_status = {
	.maxerror_ns = 1000, .esterror_ns = 100, .leap = CLOCK_LEAP_NONE,
	.tai_offset_s = 37, .unsync = false, .freq_ppb = 0,
};

START_TEST(wrappers_do_not_reach_driver_without_discipline)
{
	struct clock fake = { .ops = &fake_ops, .discipline = false,
	    .max_freq_ppb = 500000.0 };
	int64_t t, w;

	fake_calls = 0;
	ck_assert_int_eq(clock_adjust_frequency(&fake, 1.0), -EPERM);
	ck_assert_int_eq(clock_adjust_phase(&fake, 1), -EPERM);
	ck_assert_int_eq(clock_step(&fake, 1), -EPERM);
	ck_assert_int_eq(clock_set_status(&fake, &good_status), -EPERM);
	/* Even invalid arguments get -EPERM first: nothing is attempted. */
	ck_assert_int_eq(clock_adjust_frequency(&fake, 1e12), -EPERM);
	ck_assert_int_eq(fake_calls, 0);
	ck_assert_int_eq(clock_read(&fake, &t), 0);
	ck_assert_int_eq(t, 42);
	ck_assert_int_eq(clock_read_with_bounds(&fake, &t, &w), 0);
	ck_assert_int_eq(w, 7);
	ck_assert(!clock_disciplined(&fake));
	ck_assert_str_eq(clock_name(&fake), "fake");
}
END_TEST

START_TEST(wrappers_validate_arguments)
{
	struct clock fake = { .ops = &fake_ops, .discipline = true,
	    .max_freq_ppb = 500000.0 };
	struct clock_status st = good_status;

	fake_calls = 0;
	ck_assert_int_eq(clock_adjust_frequency(&fake, 500001.0), -ERANGE);
	ck_assert_int_eq(clock_adjust_frequency(&fake, -500001.0), -ERANGE);
	ck_assert_int_eq(clock_adjust_frequency(&fake, INFINITY), -ERANGE);
	ck_assert_int_eq(clock_adjust_frequency(&fake, NAN), -EINVAL);
	st.maxerror_ns = -1;
	ck_assert_int_eq(clock_set_status(&fake, &st), -EINVAL);
	st = good_status;
	st.esterror_ns = -1;
	ck_assert_int_eq(clock_set_status(&fake, &st), -EINVAL);
	st = good_status;
	st.leap = (enum clock_leap)7;
	ck_assert_int_eq(clock_set_status(&fake, &st), -EINVAL);
	st = good_status;
	st.tai_offset_s = -1;
	ck_assert_int_eq(clock_set_status(&fake, &st), -EINVAL);
	ck_assert_int_eq(clock_set_status(&fake, NULL), -EINVAL);
	ck_assert_int_eq(fake_calls, 0);

	ck_assert_int_eq(clock_adjust_frequency(&fake, 500000.0), 0);
	ck_assert_int_eq(clock_adjust_frequency(&fake, -499999.5), 0);
	ck_assert_int_eq(clock_adjust_phase(&fake, -3), 0);
	ck_assert_int_eq(clock_step(&fake, INT64_MIN), 0);
	ck_assert_int_eq(clock_set_status(&fake, &good_status), 0);
	ck_assert_int_eq(fake_calls, 5);
}
END_TEST

START_TEST(create_rejects_bad_config)
{
	struct cfg_clock cfg = make_cfg(CFG_CLOCK_SIM, true);
	char err[256] = "";

	cfg.max_frequency_ppb = NAN;
	ck_assert_ptr_null(clock_create(&cfg, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "max_frequency"));
	cfg = make_cfg(CFG_CLOCK_SIM, true);
	cfg.sim.noise_ns = -1;
	ck_assert_ptr_null(clock_create(&cfg, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "noise"));
	cfg = make_cfg(CFG_CLOCK_SIM, true);
	cfg.sim.wander_ppb = -1;
	ck_assert_ptr_null(clock_create(&cfg, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "wander"));
	cfg = make_cfg((enum cfg_clock_driver)99, false);
	ck_assert_ptr_null(clock_create(&cfg, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "driver"));
}
END_TEST

/* ------------------------------------------------------------ observe */

START_TEST(observe_with_discipline_is_rejected)
{
	struct cfg_clock cfg = make_cfg(CFG_CLOCK_OBSERVE, true);
	char err[256] = "";

	ck_assert_ptr_null(clock_create(&cfg, err, sizeof(err)));
	ck_assert_str_eq(err, "the observe driver never adjusts the clock; "
	    "use driver: system to discipline");
}
END_TEST

START_TEST(observe_refuses_writes)
{
	struct cfg_clock cfg = make_cfg(CFG_CLOCK_OBSERVE, false);
	struct clock *c = create_ok(&cfg);

	ck_assert_str_eq(clock_name(c), "observe");
	ck_assert(!clock_disciplined(c));
	ck_assert_int_eq(clock_adjust_frequency(c, 10.0), -EPERM);
	ck_assert_int_eq(clock_adjust_phase(c, 1000), -EPERM);
	ck_assert_int_eq(clock_step(c, NS_PER_S), -EPERM);
	ck_assert_int_eq(clock_set_status(c, &good_status), -EPERM);

	/* The driver refuses by itself, even if the flag were wrong. */
	c->discipline = true;
	ck_assert_int_eq(clock_adjust_frequency(c, 10.0), -EPERM);
	ck_assert_int_eq(clock_adjust_phase(c, 1000), -EPERM);
	ck_assert_int_eq(clock_step(c, NS_PER_S), -EPERM);
	ck_assert_int_eq(clock_set_status(c, &good_status), -EPERM);
	ck_assert_int_eq(c->ops->adjust_frequency(c, 10.0), -EPERM);
	ck_assert_int_eq(c->ops->step(c, -NS_PER_S), -EPERM);
	clock_destroy(c);
}
END_TEST

static void
assert_reads_realtime(struct clock *c)
{
	int64_t before, t, after, window;

	before = real_ns();
	ck_assert_int_eq(clock_read(c, &t), 0);
	after = real_ns();
	ck_assert_int_le(before, t);
	ck_assert_int_le(t, after);

	before = real_ns();
	ck_assert_int_eq(clock_read_with_bounds(c, &t, &window), 0);
	after = real_ns();
	ck_assert_int_le(before, t);
	ck_assert_int_le(t, after);
	ck_assert_int_ge(window, 0);
	ck_assert_int_lt(window, NS_PER_S);
}

static void
assert_plausible_kernel_status(struct clock *c)
{
	struct clock_status st;

	memset(&st, 0xa5, sizeof(st));
	ck_assert_int_eq(clock_get_status(c, &st), 0);
	/* The kernel keeps these in whole µs, maxerror at most 16 s. */
	ck_assert_int_ge(st.maxerror_ns, 0);
	ck_assert_int_le(st.maxerror_ns, 16 * NS_PER_S);
	ck_assert_int_eq(st.maxerror_ns % NS_PER_US, 0);
	ck_assert_int_ge(st.esterror_ns, 0);
	ck_assert_int_eq(st.esterror_ns % NS_PER_US, 0);
	ck_assert(st.leap == CLOCK_LEAP_NONE || st.leap == CLOCK_LEAP_INSERT ||
	    st.leap == CLOCK_LEAP_DELETE);
	ck_assert_int_ge(st.tai_offset_s, 0);
	ck_assert_int_le(st.tai_offset_s, 100000);
	ck_assert(fabs(st.freq_ppb) <= 500000.0);
	/* Past 16 s the kernel itself marks the clock unsynchronised. */
	if (st.maxerror_ns == 16 * NS_PER_S)
		ck_assert(st.unsync);
}

START_TEST(observe_reads_realtime)
{
	struct cfg_clock cfg = make_cfg(CFG_CLOCK_OBSERVE, false);
	struct clock *c = create_ok(&cfg);

	assert_reads_realtime(c);
	clock_destroy(c);
}
END_TEST

START_TEST(observe_status_is_plausible)
{
	struct cfg_clock cfg = make_cfg(CFG_CLOCK_OBSERVE, false);
	struct clock *c = create_ok(&cfg);

	assert_plausible_kernel_status(c);
	ck_assert_int_eq(clock_get_status(c, NULL), -EINVAL);
	clock_destroy(c);
}
END_TEST

/* ------------------------------------------------------------- system */

START_TEST(system_without_discipline_only_reads)
{
	struct cfg_clock cfg = make_cfg(CFG_CLOCK_SYSTEM, false);
	struct clock *c = create_ok(&cfg);

	ck_assert_str_eq(clock_name(c), "system");
	ck_assert(!clock_disciplined(c));
	/* Never reaches clock_adjtime(): this machine's clock is safe. */
	ck_assert_int_eq(clock_adjust_frequency(c, 10.0), -EPERM);
	ck_assert_int_eq(clock_adjust_phase(c, 1000), -EPERM);
	ck_assert_int_eq(clock_step(c, NS_PER_S), -EPERM);
	ck_assert_int_eq(clock_step(c, -NS_PER_S), -EPERM);
	ck_assert_int_eq(clock_set_status(c, &good_status), -EPERM);
	assert_reads_realtime(c);
	assert_plausible_kernel_status(c);
	clock_destroy(c);
}
END_TEST

START_TEST(system_without_discipline_makes_no_write_call)
{
	struct cfg_clock cfg = make_cfg(CFG_CLOCK_SYSTEM, false);
	struct clock *c = create_ok(&cfg);
	struct clock_status st;

	assert_interposed(c);
	adjtime_writes = 0;
	ck_assert_int_eq(clock_adjust_frequency(c, 10.0), -EPERM);
	ck_assert_int_eq(clock_adjust_phase(c, 1000), -EPERM);
	ck_assert_int_eq(clock_step(c, NS_PER_S), -EPERM);
	ck_assert_int_eq(clock_set_status(c, &good_status), -EPERM);
	ck_assert_int_eq(clock_get_status(c, &st), 0);
	ck_assert_int_eq(adjtime_writes, 0);
	clock_destroy(c);
}
END_TEST

START_TEST(observe_makes_no_write_call)
{
	struct cfg_clock cfg = make_cfg(CFG_CLOCK_OBSERVE, false);
	struct clock *c = create_ok(&cfg);
	struct clock_status st;
	int64_t t, w;

	assert_interposed(c);
	adjtime_writes = 0;
	c->discipline = true;	/* even then */
	clock_adjust_frequency(c, 10.0);
	clock_adjust_phase(c, 1000);
	clock_step(c, NS_PER_S);
	clock_set_status(c, &good_status);
	ck_assert_int_eq(clock_read(c, &t), 0);
	ck_assert_int_eq(clock_read_with_bounds(c, &t, &w), 0);
	ck_assert_int_eq(clock_get_status(c, &st), 0);
	ck_assert_int_eq(adjtime_writes, 0);
	clock_destroy(c);
}
END_TEST

static struct clock *
system_disciplined(void)
{
	struct cfg_clock cfg = make_cfg(CFG_CLOCK_SYSTEM, true);
	struct clock *c = create_ok(&cfg);

	ck_assert(clock_disciplined(c));
	assert_interposed(c);
	adjtime_writes = 0;
	return c;
}

START_TEST(system_frequency_is_scaled_ppm)
{
	struct clock *c = system_disciplined();

	ck_assert_int_eq(clock_adjust_frequency(c, 1000.0), 0);
	ck_assert_int_eq(adjtime_writes, 1);
	ck_assert_int_eq(last_write.modes, ADJ_FREQUENCY);
	ck_assert_int_eq(last_write.freq, 65536);
	ck_assert_int_eq(clock_adjust_frequency(c, -12345.678), 0);
	ck_assert_int_eq(last_write.freq, -809086);	/* -12.345678 * 2^16 */
	ck_assert_int_eq(clock_adjust_frequency(c, 500000.0), 0);
	ck_assert_int_eq(last_write.freq, 500 * 65536);
	ck_assert_int_eq(adjtime_writes, 3);
	clock_destroy(c);
}
END_TEST

START_TEST(system_frequency_beyond_kernel_limit)
{
	struct cfg_clock cfg = make_cfg(CFG_CLOCK_SYSTEM, true);
	struct clock *c;

	/* The configuration allows more than the kernel can do. */
	cfg.max_frequency_ppb = 1e6;
	c = create_ok(&cfg);
	assert_interposed(c);
	adjtime_writes = 0;
	ck_assert_int_eq(clock_adjust_frequency(c, 500001.0), -ERANGE);
	ck_assert_int_eq(clock_adjust_frequency(c, -600000.0), -ERANGE);
	ck_assert_int_eq(adjtime_writes, 0);
	clock_destroy(c);
}
END_TEST

START_TEST(system_phase_uses_kernel_pll)
{
	struct clock *c = system_disciplined();
	int kernel = kernel_status_word();

	ck_assert_int_eq(clock_adjust_phase(c, -250000), 0);
	ck_assert_int_eq(adjtime_writes, 1);
	ck_assert_int_eq(last_write.modes,
	    ADJ_OFFSET | ADJ_NANO | ADJ_STATUS | ADJ_TIMECONST);
	ck_assert_int_eq(last_write.offset, -250000);
	ck_assert_int_eq(last_write.status & (STA_PLL | STA_FREQHOLD),
	    STA_PLL | STA_FREQHOLD);
	/* Bits owned by others survive. */
	ck_assert_int_eq(last_write.status & ~(STA_PLL | STA_FREQHOLD),
	    kernel & ~(STA_PLL | STA_FREQHOLD));
	ck_assert_int_eq(clock_adjust_phase(c, 600 * NS_PER_MS), -ERANGE);
	ck_assert_int_eq(clock_adjust_phase(c, -600 * NS_PER_MS), -ERANGE);
	ck_assert_int_eq(adjtime_writes, 1);
	clock_destroy(c);
}
END_TEST

START_TEST(system_step_normalises_negative_offsets)
{
	struct clock *c = system_disciplined();

	ck_assert_int_eq(clock_step(c, -1500 * NS_PER_MS), 0);
	ck_assert_int_eq(last_write.modes, ADJ_SETOFFSET | ADJ_NANO);
	ck_assert_int_eq(last_write.time.tv_sec, -2);
	ck_assert_int_eq(last_write.time.tv_usec, 500000000);
	ck_assert_int_eq(clock_step(c, -1), 0);
	ck_assert_int_eq(last_write.time.tv_sec, -1);
	ck_assert_int_eq(last_write.time.tv_usec, 999999999);
	ck_assert_int_eq(clock_step(c, 3 * NS_PER_S + 2), 0);
	ck_assert_int_eq(last_write.time.tv_sec, 3);
	ck_assert_int_eq(last_write.time.tv_usec, 2);
	ck_assert_int_eq(adjtime_writes, 3);
	clock_destroy(c);
}
END_TEST

START_TEST(system_status_in_kernel_units)
{
	struct clock *c = system_disciplined();
	int kernel = kernel_status_word();
	struct clock_status st = {
		.maxerror_ns = 1001, .esterror_ns = 1499,
		.leap = CLOCK_LEAP_INSERT, .tai_offset_s = 37, .unsync = false,
	};
	const int mine = STA_INS | STA_DEL | STA_UNSYNC;

	ck_assert_int_eq(clock_set_status(c, &st), 0);
	ck_assert_int_eq(last_write.modes,
	    ADJ_MAXERROR | ADJ_ESTERROR | ADJ_STATUS | ADJ_TAI);
	ck_assert_int_eq(last_write.maxerror, 2);	/* never rounded down */
	ck_assert_int_eq(last_write.esterror, 1);	/* nearest */
	ck_assert_int_eq(last_write.constant, 37);
	ck_assert_int_eq(last_write.status & mine, STA_INS);
	ck_assert_int_eq(last_write.status & ~mine, kernel & ~mine);

	st.maxerror_ns = 20 * NS_PER_S;		/* capped at 16 s ... */
	st.esterror_ns = 1500;
	st.leap = CLOCK_LEAP_DELETE;
	ck_assert_int_eq(clock_set_status(c, &st), 0);
	ck_assert_int_eq(last_write.maxerror, 16000000);
	ck_assert_int_eq(last_write.esterror, 2);
	/* ... and then unsynchronised, as the kernel would say */
	ck_assert_int_eq(last_write.status & mine, STA_DEL | STA_UNSYNC);

	st.maxerror_ns = 0;
	st.leap = CLOCK_LEAP_NONE;
	st.unsync = true;
	ck_assert_int_eq(clock_set_status(c, &st), 0);
	ck_assert_int_eq(last_write.status & mine, STA_UNSYNC);
	ck_assert_int_eq(adjtime_writes, 3);
	clock_destroy(c);
}
END_TEST

/* ---------------------------------------------------------------- sim */

static struct cfg_clock
sim_cfg(bool discipline)
{
	struct cfg_clock cfg = make_cfg(CFG_CLOCK_SIM, discipline);

	cfg.max_frequency_ppb = 1e6;
	return cfg;
}

START_TEST(sim_without_discipline_keeps_state)
{
	struct cfg_clock cfg = sim_cfg(false);
	struct clock *c = create_ok(&cfg);
	struct clock_status st0, st1;
	struct bracket r1, r2;

	ck_assert_int_eq(clock_get_status(c, &st0), 0);
	r1 = bracketed_read(c);
	ck_assert_int_eq(clock_adjust_frequency(c, 100000.0), -EPERM);
	ck_assert_int_eq(clock_adjust_phase(c, NS_PER_S), -EPERM);
	ck_assert_int_eq(clock_step(c, 10 * NS_PER_S), -EPERM);
	ck_assert_int_eq(clock_set_status(c, &good_status), -EPERM);
	sleep_ms(50);
	r2 = bracketed_read(c);
	ck_assert_int_eq(clock_get_status(c, &st1), 0);
	ck_assert_mem_eq(&st0, &st1, sizeof(st0));
	assert_advance(r1, r2, 0, 0, 0);
	clock_destroy(c);
}
END_TEST

START_TEST(sim_starts_at_realtime_plus_offset)
{
	struct cfg_clock cfg = sim_cfg(false);
	struct clock *c;
	int64_t before, t, after, window;

	cfg.sim.initial_offset_ns = -3 * NS_PER_S;
	before = real_ns();
	c = create_ok(&cfg);
	ck_assert_int_eq(clock_read_with_bounds(c, &t, &window), 0);
	after = real_ns();
	ck_assert_int_eq(window, 0);
	ck_assert_int_ge(t, before - 3 * NS_PER_S);
	ck_assert_int_le(t, after - 3 * NS_PER_S);
	clock_destroy(c);
}
END_TEST

START_TEST(sim_frequency_offset_is_observable)
{
	struct cfg_clock cfg = sim_cfg(false);
	const double rate_ppb = 5e6;	/* 5000 ppm: 1 ms over 200 ms */
	struct bracket r1, r2;
	struct clock *c;

	cfg.sim.freq_offset_ppb = rate_ppb;
	c = create_ok(&cfg);
	r1 = bracketed_read(c);
	sleep_ms(200);
	r2 = bracketed_read(c);
	assert_advance(r1, r2, rate_ppb, rate_ppb, 0);
	/* ... and it is not what a clock without the offset would show. */
	ck_assert_int_gt(r2.t - r1.t, r2.after - r1.before);
	clock_destroy(c);
}
END_TEST

/*
 * The rate changed from r_old to r_new (ppb) at some instant in [a, b];
 * check the advance from r1 to r2 across that change.
 */
static void
assert_advance_across_change(struct bracket r1, int64_t a, int64_t b,
    struct bracket r2, double r_old_ppb, double r_new_ppb)
{
	double d = (double)(r2.t - r1.t);
	double lo = (double)(a - r1.after) * (1.0 + r_old_ppb * 1e-9) +
	    (double)(r2.before - b) * (1.0 + r_new_ppb * 1e-9);
	double hi = (double)(b - r1.before) * (1.0 + r_old_ppb * 1e-9) +
	    (double)(r2.after - a) * (1.0 + r_new_ppb * 1e-9);

	ck_assert_msg(d >= lo - 2.0 && d <= hi + 2.0,
	    "advance %.0f ns outside [%.0f, %.0f]", d, lo, hi);
}

START_TEST(sim_frequency_change_is_continuous)
{
	struct cfg_clock cfg = sim_cfg(true);
	const double f = 1e7;		/* 1 %, far beyond any real clock */
	struct bracket r1, r2, r3;
	struct clock_status st;
	struct clock *c;
	int64_t a, b;

	cfg.max_frequency_ppb = f;
	c = create_ok(&cfg);

	/*
	 * No read between r1 and the change: a new rate applied from the
	 * last anchor instead of from the change would add
	 * 100 ms * 1 % = 1 ms.
	 */
	r1 = bracketed_read(c);
	sleep_ms(100);
	a = mono_ns();
	ck_assert_int_eq(clock_adjust_frequency(c, f), 0);
	b = mono_ns();
	r2 = bracketed_read(c);
	assert_advance_across_change(r1, a, b, r2, 0, f);
	ck_assert_int_ge(r2.t, r1.t);

	sleep_ms(100);
	a = mono_ns();
	ck_assert_int_eq(clock_adjust_frequency(c, -f), 0);
	b = mono_ns();
	sleep_ms(100);
	r3 = bracketed_read(c);
	assert_advance_across_change(r2, a, b, r3, f, -f);
	ck_assert_int_ge(r3.t, r2.t);

	ck_assert_int_eq(clock_get_status(c, &st), 0);
	ck_assert_double_eq(st.freq_ppb, -f);
	ck_assert_int_eq(clock_adjust_frequency(c, 1.5 * f), -ERANGE);
	ck_assert_int_eq(clock_get_status(c, &st), 0);
	ck_assert_double_eq(st.freq_ppb, -f);
	clock_destroy(c);
}
END_TEST

START_TEST(sim_phase_and_step_apply_at_once)
{
	struct cfg_clock cfg = sim_cfg(true);
	struct clock *c = create_ok(&cfg);
	struct bracket r1, r2, r3, r4;

	r1 = bracketed_read(c);
	ck_assert_int_eq(clock_adjust_phase(c, NS_PER_S), 0);
	r2 = bracketed_read(c);
	assert_advance(r1, r2, 0, 0, NS_PER_S);
	ck_assert_int_eq(clock_step(c, -5 * NS_PER_S), 0);
	r3 = bracketed_read(c);
	assert_advance(r2, r3, 0, 0, -5 * NS_PER_S);
	ck_assert_int_eq(clock_step(c, 1), 0);
	ck_assert_int_eq(clock_adjust_phase(c, -250), 0);
	r4 = bracketed_read(c);
	assert_advance(r3, r4, 0, 0, -249);
	assert_advance(r1, r4, 0, 0, -4 * NS_PER_S - 249);
	clock_destroy(c);
}
END_TEST

START_TEST(sim_status_is_kept)
{
	struct cfg_clock cfg = sim_cfg(true);
	struct clock *c = create_ok(&cfg);
	struct clock_status st, want = {
		.maxerror_ns = 123456, .esterror_ns = 789,
		.leap = CLOCK_LEAP_INSERT, .tai_offset_s = 37,
		.unsync = false, .freq_ppb = 999.0,
	};

	ck_assert_str_eq(clock_name(c), "sim");
	ck_assert(clock_disciplined(c));
	ck_assert_int_eq(clock_get_status(c, &st), 0);
	ck_assert(st.unsync);
	ck_assert_int_eq(st.maxerror_ns, 16 * NS_PER_S);
	ck_assert_int_eq(clock_set_status(c, &want), 0);
	ck_assert_int_eq(clock_adjust_frequency(c, -12.5), 0);
	ck_assert_int_eq(clock_get_status(c, &st), 0);
	ck_assert_int_eq(st.maxerror_ns, 123456);
	ck_assert_int_eq(st.esterror_ns, 789);
	ck_assert_int_eq(st.leap, CLOCK_LEAP_INSERT);
	ck_assert_int_eq(st.tai_offset_s, 37);
	ck_assert(!st.unsync);
	/* The frequency is what was applied, not what set_status said. */
	ck_assert_double_eq(st.freq_ppb, -12.5);
	clock_destroy(c);
}
END_TEST

/*
 * White phase noise of 1 s dwarfs the microseconds between reading two
 * sims, so their difference is constant exactly when the noise sequences
 * match.
 */
static int64_t
max_noise_difference(uint64_t seed_a, uint64_t seed_b)
{
	struct cfg_clock cfg = sim_cfg(false);
	struct clock *a, *b;
	int64_t ta, tb, d0 = 0, worst = 0;

	cfg.sim.noise_ns = NS_PER_S;
	cfg.sim.seed = seed_a;
	a = create_ok(&cfg);
	cfg.sim.seed = seed_b;
	b = create_ok(&cfg);
	for (int k = 0; k < 16; k++) {
		ck_assert_int_eq(clock_read(a, &ta), 0);
		ck_assert_int_eq(clock_read(b, &tb), 0);
		if (k == 0)
			d0 = ta - tb;
		else if (llabs(ta - tb - d0) > worst)
			worst = llabs(ta - tb - d0);
	}
	clock_destroy(a);
	clock_destroy(b);
	return worst;
}

START_TEST(sim_noise_is_deterministic_per_seed)
{
	ck_assert_int_lt(max_noise_difference(42, 42), 10 * NS_PER_MS);
	ck_assert_int_lt(max_noise_difference(7, 7), 10 * NS_PER_MS);
	ck_assert_int_gt(max_noise_difference(42, 43), 100 * NS_PER_MS);
}
END_TEST

START_TEST(sim_noise_has_configured_size)
{
	struct cfg_clock cfg = sim_cfg(false);
	struct clock *c;
	double sum = 0, sum2 = 0;
	const int n = 2000;
	int64_t t, t0 = 0;

	/* 1 s: scheduling delays between the two reads stay negligible. */
	cfg.sim.noise_ns = NS_PER_S;
	cfg.sim.seed = 12345;
	c = create_ok(&cfg);
	for (int i = 0; i < n; i++) {
		int64_t m = mono_ns();
		double x;

		ck_assert_int_eq(clock_read(c, &t), 0);
		if (i == 0)
			t0 = t - m;
		x = (double)(t - m - t0);
		sum += x;
		sum2 += x * x;
	}
	/* Sample sigma within 10 % of 1 s (its own spread is ~2 %). */
	{
		double mean = sum / n, sd = sqrt(sum2 / n - mean * mean);

		ck_assert_double_gt(sd, 0.9e9);
		ck_assert_double_lt(sd, 1.1e9);
	}
	clock_destroy(c);
}
END_TEST

START_TEST(sim_wander_moves_frequency)
{
	struct cfg_clock cfg = sim_cfg(false);
	struct bracket r1, r2;
	struct clock *c;
	int64_t t, lo, hi, d;

	/* 10 %/sqrt(s): about 5 ms of phase after 200 ms. */
	cfg.sim.wander_ppb = 1e8;
	cfg.sim.seed = 2024;
	c = create_ok(&cfg);
	r1 = bracketed_read(c);
	for (int i = 0; i < 20; i++) {
		sleep_ms(10);
		ck_assert_int_eq(clock_read(c, &t), 0);
	}
	r2 = bracketed_read(c);
	d = r2.t - r1.t;
	lo = r2.before - r1.after;
	hi = r2.after - r1.before;
	ck_assert_msg(d < lo - 50 * NS_PER_US || d > hi + 50 * NS_PER_US,
	    "wander left the rate unchanged: %lld in [%lld, %lld]",
	    (long long)d, (long long)lo, (long long)hi);
	clock_destroy(c);
}
END_TEST

/* ------------------------------------------------------------ clockwatch */

#define WS	INT64_C(1000000000)
#define NOON	(INT64_C(1795000000) / 86400 * 86400 * WS + 43200 * WS)
#define MIDNIGHT (INT64_C(1795000000) / 86400 * 86400 * WS + 86400 * WS)

/* REALTIME - MONOTONIC unchanged, or moved by noise: nothing to say. */
START_TEST(clockwatch_ignores_noise)
{
	struct clockwatch w;
	int64_t step = 0;

	clockwatch_init(&w, 50000);
	ck_assert_int_eq(clockwatch_check(&w, NOON, 1000 * WS, 100, &step),
	    CLOCKWATCH_SAME);
	ck_assert_int_eq(clockwatch_check(&w, NOON + WS + 30000, 1001 * WS, 100,
	    &step), CLOCKWATCH_SAME);
	ck_assert_int_eq(clockwatch_check(&w, NOON + 2 * WS, 1002 * WS, 100,
	    &step), CLOCKWATCH_SAME);
}
END_TEST

/* A step we did not announce is reported with its size, once. */
START_TEST(clockwatch_reports_foreign_step)
{
	struct clockwatch w;
	int64_t step = 0;

	clockwatch_init(&w, 50000);
	clockwatch_check(&w, NOON, 1000 * WS, 100, &step);
	ck_assert_int_eq(clockwatch_check(&w, NOON + WS - 2500000, 1001 * WS,
	    100, &step), CLOCKWATCH_STEPPED);
	ck_assert_int_eq(step, -2500000);
	ck_assert_int_eq(clockwatch_check(&w, NOON + 2 * WS - 2500000,
	    1002 * WS, 100, &step), CLOCKWATCH_SAME);
}
END_TEST

/* Our own steps are expected; a foreign step beside ours still shows. */
START_TEST(clockwatch_expects_own_steps)
{
	struct clockwatch w;
	int64_t step = 0;

	clockwatch_init(&w, 50000);
	clockwatch_check(&w, NOON, 1000 * WS, 100, &step);
	clockwatch_expect(&w, 3 * WS);
	ck_assert_int_eq(clockwatch_check(&w, NOON + 4 * WS, 1001 * WS, 100,
	    &step), CLOCKWATCH_SAME);
	clockwatch_expect(&w, -WS);
	ck_assert_int_eq(clockwatch_check(&w, NOON + 4 * WS + 1000000,
	    1002 * WS, 100, &step), CLOCKWATCH_STEPPED);
	ck_assert_int_eq(step, 1000000);
}
END_TEST

/* -1 s at a UTC midnight is the kernel's leap second; at noon a step. */
START_TEST(clockwatch_tells_leap_from_step)
{
	struct clockwatch w;
	int64_t step = 0;

	clockwatch_init(&w, 50000);
	clockwatch_check(&w, MIDNIGHT - WS, 1000 * WS, 100, &step);
	ck_assert_int_eq(clockwatch_check(&w, MIDNIGHT - WS, 1001 * WS, 100,
	    &step), CLOCKWATCH_LEAP);
	ck_assert_int_eq(step, -WS);
	clockwatch_init(&w, 50000);
	clockwatch_check(&w, NOON, 1000 * WS, 100, &step);
	ck_assert_int_eq(clockwatch_check(&w, NOON, 1001 * WS, 100, &step),
	    CLOCKWATCH_STEPPED);
}
END_TEST

/* A reading that took too long proves nothing and changes nothing. */
START_TEST(clockwatch_distrusts_slow_reads)
{
	struct clockwatch w;
	int64_t step = 0, r, m, win;

	clockwatch_init(&w, 50000);
	clockwatch_check(&w, NOON, 1000 * WS, 100, &step);
	ck_assert_int_eq(clockwatch_check(&w, NOON + 10 * WS, 1001 * WS,
	    5000000, &step), CLOCKWATCH_UNKNOWN);
	ck_assert_int_eq(clockwatch_check(&w, NOON + WS, 1001 * WS, 100, &step),
	    CLOCKWATCH_SAME);
	ck_assert_int_eq(clockwatch_read(&r, &m, &win), 0);
	ck_assert_int_ge(win, 0);
	ck_assert_int_gt(r, m);
}
END_TEST


/* ------------------------------------------------------------ phc */

START_TEST(phc_frequency_units)
{
	/* timex.freq is ppm << 16: 1 ppm is 65536, 1 ppb 65.536 */
	ck_assert_int_eq(clock_phc_ppb_to_scaled_ppm(1000.0), 65536);
	ck_assert_int_eq(clock_phc_ppb_to_scaled_ppm(-20000.0), -1310720);
	ck_assert_int_eq(clock_phc_ppb_to_scaled_ppm(500000.0), 32768000);
	ck_assert_int_eq(clock_phc_ppb_to_scaled_ppm(0.5), 33);
	ck_assert_double_eq_tol(clock_phc_scaled_ppm_to_ppb(65536), 1000.0, 1e-9);
	ck_assert_double_eq_tol(clock_phc_scaled_ppm_to_ppb(-1310720), -20000.0,
	    1e-9);
	/* a round trip loses less than one unit of 1/65.536 ppb */
	for (double f = -499999.7; f < 500000; f += 12345.67)
		ck_assert_double_eq_tol(clock_phc_scaled_ppm_to_ppb(
		    clock_phc_ppb_to_scaled_ppm(f)), f, 0.5 / 65.536 + 1e-9);
}
END_TEST

START_TEST(phc_needs_a_device)
{
	struct cfg_clock cfg = make_cfg(CFG_CLOCK_PHC, false);
	char err[256] = "";
	char path[] = "/dev/ptp-tsync-test-none";

	ck_assert_ptr_null(clock_create(&cfg, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "clock.phc"));
	cfg.phc = path;
	ck_assert_ptr_null(clock_create(&cfg, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, path));
}
END_TEST

START_TEST(phc_refuses_a_file_that_is_not_a_clock)
{
	struct cfg_clock cfg = make_cfg(CFG_CLOCK_PHC, false);
	char path[] = "/tmp/check_clock_phcXXXXXX", err[256] = "";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	cfg.phc = path;
	ck_assert_ptr_null(clock_create(&cfg, err, sizeof(err)));
	unlink(path);
	ck_assert_ptr_nonnull(strstr(err, "not a clock"));
}
END_TEST

START_TEST(phc_keys_need_the_phc_driver)
{
	struct cfg_clock cfg = make_cfg(CFG_CLOCK_OBSERVE, false);
	char path[] = "/dev/ptp0", ifname[] = "eth0", err[256] = "";

	cfg.phc = path;
	ck_assert_ptr_null(clock_create(&cfg, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "driver phc"));
	cfg.phc = NULL;
	cfg.interface = ifname;
	ck_assert_ptr_null(clock_create(&cfg, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "clock.interface"));
}
END_TEST

START_TEST(realtime_drivers_have_no_sys_offset)
{
	struct cfg_clock cfg = make_cfg(CFG_CLOCK_OBSERVE, false);
	struct clock *c = create_ok(&cfg);
	int64_t off = 1, win = 1, mono = 1;

	ck_assert_int_eq(clock_sys_offset(c, &off, &win, &mono), -EOPNOTSUPP);
	ck_assert(!clock_keeps_tai(c));
	ck_assert_str_eq(clock_label(c), "observe");
	clock_destroy(c);
}
END_TEST

static Suite *
clock_suite(void)
{
	Suite *s = suite_create("clock");
	TCase *tc;

	tc = tcase_create("wrappers");
	tcase_add_test(tc, wrappers_do_not_reach_driver_without_discipline);
	tcase_add_test(tc, wrappers_validate_arguments);
	tcase_add_test(tc, create_rejects_bad_config);
	suite_add_tcase(s, tc);

	tc = tcase_create("observe");
	tcase_add_test(tc, observe_with_discipline_is_rejected);
	tcase_add_test(tc, observe_refuses_writes);
	tcase_add_test(tc, observe_reads_realtime);
	tcase_add_test(tc, observe_status_is_plausible);
	tcase_add_test(tc, observe_makes_no_write_call);
	suite_add_tcase(s, tc);

	tc = tcase_create("system");
	tcase_add_test(tc, system_without_discipline_only_reads);
	tcase_add_test(tc, system_without_discipline_makes_no_write_call);
	tcase_add_test(tc, system_frequency_is_scaled_ppm);
	tcase_add_test(tc, system_frequency_beyond_kernel_limit);
	tcase_add_test(tc, system_phase_uses_kernel_pll);
	tcase_add_test(tc, system_step_normalises_negative_offsets);
	tcase_add_test(tc, system_status_in_kernel_units);
	suite_add_tcase(s, tc);

	tc = tcase_create("phc");
	tcase_add_test(tc, phc_frequency_units);
	tcase_add_test(tc, phc_needs_a_device);
	tcase_add_test(tc, phc_refuses_a_file_that_is_not_a_clock);
	tcase_add_test(tc, phc_keys_need_the_phc_driver);
	tcase_add_test(tc, realtime_drivers_have_no_sys_offset);
	suite_add_tcase(s, tc);

	tc = tcase_create("sim");
	tcase_add_test(tc, sim_without_discipline_keeps_state);
	tcase_add_test(tc, sim_starts_at_realtime_plus_offset);
	tcase_add_test(tc, sim_frequency_offset_is_observable);
	tcase_add_test(tc, sim_frequency_change_is_continuous);
	tcase_add_test(tc, sim_phase_and_step_apply_at_once);
	tcase_add_test(tc, sim_status_is_kept);
	tcase_add_test(tc, sim_noise_is_deterministic_per_seed);
	tcase_add_test(tc, sim_noise_has_configured_size);
	tcase_add_test(tc, sim_wander_moves_frequency);
	suite_add_tcase(s, tc);

	tc = tcase_create("clockwatch");
	tcase_add_test(tc, clockwatch_ignores_noise);
	tcase_add_test(tc, clockwatch_reports_foreign_step);
	tcase_add_test(tc, clockwatch_expects_own_steps);
	tcase_add_test(tc, clockwatch_tells_leap_from_step);
	tcase_add_test(tc, clockwatch_distrusts_slow_reads);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(clock_suite());
}

/*
 * check_ntpshm.c - the reader's side of the NTP SHM segment: the layout
 * gpsd and ntpd share (offsets on LP64), both modes, the valid flag, the
 * nanosecond/microsecond fields, and what is refused.
 *
 * A segment here is plain memory filled field by field as a writer would.
 */
#include "config.h"

#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ntpshm.h"
#include "check_run.h"

#define NS		1000000000LL
#define T_S		1795761771LL	/* 2026-11-27T06:42:51Z */

static struct ntpshm_seg seg;
static struct ntpshm_sample x;

/* A writer's sample: reference T_S + 0.25 s received at T_S + 0.75 s. */
static void
setup(void)
{
	memset(&seg, 0, sizeof(seg));
	memset(&x, 0, sizeof(x));
	seg.mode = 1;
	seg.count = 41;
	seg.clock_sec = T_S;
	seg.clock_usec = 250000;
	seg.clock_nsec = 250000123;
	seg.recv_sec = T_S;
	seg.recv_usec = 750000;
	seg.recv_nsec = 750000456;
	seg.leap = 0;
	seg.precision = -20;
	seg.nsamples = 3;
	seg.valid = 1;
}

START_TEST(layout_is_the_shared_abi)
{
	if (sizeof(long) != 8 || sizeof(time_t) != 8)
		return;		/* the offsets below are LP64's */
	ck_assert_uint_eq(offsetof(struct ntpshm_seg, mode), 0);
	ck_assert_uint_eq(offsetof(struct ntpshm_seg, count), 4);
	ck_assert_uint_eq(offsetof(struct ntpshm_seg, clock_sec), 8);
	ck_assert_uint_eq(offsetof(struct ntpshm_seg, clock_usec), 16);
	ck_assert_uint_eq(offsetof(struct ntpshm_seg, recv_sec), 24);
	ck_assert_uint_eq(offsetof(struct ntpshm_seg, recv_usec), 32);
	ck_assert_uint_eq(offsetof(struct ntpshm_seg, leap), 36);
	ck_assert_uint_eq(offsetof(struct ntpshm_seg, precision), 40);
	ck_assert_uint_eq(offsetof(struct ntpshm_seg, nsamples), 44);
	ck_assert_uint_eq(offsetof(struct ntpshm_seg, valid), 48);
	ck_assert_uint_eq(offsetof(struct ntpshm_seg, clock_nsec), 52);
	ck_assert_uint_eq(offsetof(struct ntpshm_seg, recv_nsec), 56);
	ck_assert_uint_eq(offsetof(struct ntpshm_seg, dummy), 60);
	/* gpsd's segments are 96 bytes (ipcs -m) */
	ck_assert_uint_eq(sizeof(struct ntpshm_seg), 96);
	ck_assert_int_eq(NTPSHM_KEY_BASE, 0x4e545030);
}
END_TEST

START_TEST(mode1_sample_with_nanoseconds)
{
	ck_assert_int_eq(ntpshm_read(&seg, &x), NTPSHM_OK);
	ck_assert_int_eq(x.clock_ns, T_S * NS + 250000123);
	ck_assert_int_eq(x.recv_ns, T_S * NS + 750000456);
	ck_assert_int_eq(x.precision, -20);
	ck_assert_int_eq(x.leap, 0);
	ck_assert_int_eq(x.mode, 1);
	ck_assert_int_eq(x.count, 41);
	/* taken: the flag is cleared, and nothing new is there */
	ck_assert_int_eq(seg.valid, 0);
	ck_assert_int_eq(ntpshm_read(&seg, &x), NTPSHM_EMPTY);
}
END_TEST

START_TEST(mode0_sample)
{
	seg.mode = 0;
	ck_assert_int_eq(ntpshm_read(&seg, &x), NTPSHM_OK);
	ck_assert_int_eq(x.mode, 0);
	ck_assert_int_eq(x.clock_ns - x.recv_ns, -500000333);
	ck_assert_int_eq(seg.valid, 0);
}
END_TEST

START_TEST(microseconds_when_nanoseconds_disagree)
{
	/* An older writer fills only the microseconds. */
	seg.clock_nsec = 0;
	seg.recv_nsec = 999999999;
	ck_assert_int_eq(ntpshm_read(&seg, &x), NTPSHM_OK);
	ck_assert_int_eq(x.clock_ns, T_S * NS + 250000000);
	ck_assert_int_eq(x.recv_ns, T_S * NS + 750000000);
}
END_TEST

START_TEST(not_valid_is_empty)
{
	seg.valid = 0;
	ck_assert_int_eq(ntpshm_read(&seg, &x), NTPSHM_EMPTY);
	ck_assert_int_eq(x.clock_ns, 0);
}
END_TEST

START_TEST(bad_mode_is_left_alone)
{
	seg.mode = 2;
	ck_assert_int_eq(ntpshm_read(&seg, &x), NTPSHM_BAD_MODE);
	ck_assert_int_eq(seg.valid, 1);
	seg.mode = -1;
	ck_assert_int_eq(ntpshm_read(&seg, &x), NTPSHM_BAD_MODE);
}
END_TEST

START_TEST(bad_fractions_are_taken_and_refused)
{
	seg.clock_usec = 1000000;
	ck_assert_int_eq(ntpshm_read(&seg, &x), NTPSHM_BAD_TIME);
	ck_assert_int_eq(seg.valid, 0);
	setup();
	seg.recv_usec = -1;
	ck_assert_int_eq(ntpshm_read(&seg, &x), NTPSHM_BAD_TIME);
	setup();
	seg.clock_sec = -5;
	ck_assert_int_eq(ntpshm_read(&seg, &x), NTPSHM_BAD_TIME);
	setup();
	seg.recv_sec = (time_t)1 << 40;
	ck_assert_int_eq(ntpshm_read(&seg, &x), NTPSHM_BAD_TIME);
}
END_TEST

START_TEST(leap_and_precision_are_clamped)
{
	seg.leap = 1;
	seg.precision = 3;
	ck_assert_int_eq(ntpshm_read(&seg, &x), NTPSHM_OK);
	ck_assert_int_eq(x.leap, 1);
	ck_assert_int_eq(x.precision, 0);
	setup();
	seg.leap = 7;
	seg.precision = -100;
	ck_assert_int_eq(ntpshm_read(&seg, &x), NTPSHM_OK);
	ck_assert_int_eq(x.leap, 3);
	ck_assert_int_eq(x.precision, -32);
}
END_TEST

START_TEST(result_names)
{
	ck_assert_str_eq(ntpshm_result_name(NTPSHM_OK), "ok");
	ck_assert_str_eq(ntpshm_result_name(NTPSHM_EMPTY), "empty");
	ck_assert_str_eq(ntpshm_result_name(NTPSHM_BUSY), "busy");
	ck_assert_str_eq(ntpshm_result_name(NTPSHM_BAD_MODE), "bad_mode");
	ck_assert_str_eq(ntpshm_result_name(NTPSHM_BAD_TIME), "bad_time");
	ck_assert_str_eq(ntpshm_result_name(-99), "?");
	ck_assert_str_eq(ntpshm_result_name(1), "?");
}
END_TEST

static Suite *
ntpshm_suite(void)
{
	Suite *s = suite_create("ntpshm");
	TCase *tc = tcase_create("read");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, layout_is_the_shared_abi);
	tcase_add_test(tc, mode1_sample_with_nanoseconds);
	tcase_add_test(tc, mode0_sample);
	tcase_add_test(tc, microseconds_when_nanoseconds_disagree);
	tcase_add_test(tc, not_valid_is_empty);
	tcase_add_test(tc, bad_mode_is_left_alone);
	tcase_add_test(tc, bad_fractions_are_taken_and_refused);
	tcase_add_test(tc, leap_and_precision_are_clamped);
	tcase_add_test(tc, result_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(ntpshm_suite());
}

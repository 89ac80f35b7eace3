/*
 * check_gnss_pair.c - pairing PPS edges with NMEA labels: a steady
 * receiver pairs every second; a missing, extra, skipped or late edge and
 * a label that does not move with the edges are refused, and the pairing
 * recovers one second later.
 *
 * Instants are nanoseconds on an arbitrary timescale starting near 1000 s
 * (as CLOCK_MONOTONIC would); labels are Unix seconds around T0_S.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "gnss_pair.h"
#include "check_run.h"

#define NS		1000000000LL
#define MS		1000000LL
#define T0_S		1795761771LL	/* the label of the first second */
#define MONO0		(1000 * NS)	/* its edge */
#define LATENCY		(120 * MS)	/* edge -> burst start */

static struct gnss_pair p;
static unsigned long seq;

static void
setup(void)
{
	gnss_pair_init(&p);
	seq = 0;
}

/* The edge of second k (k = 0 is T0_S), with its aux value. */
static int
edge(int k)
{
	struct gnss_edge e = { MONO0 + k * NS, 7 * NS + k };

	return gnss_pair_edge(&p, &e, ++seq);
}

static enum gnss_pair_result
label(int k, int64_t label_s, struct gnss_edge *out)
{
	return gnss_pair_label(&p, MONO0 + k * NS + LATENCY, label_s, out);
}

START_TEST(steady_receiver_pairs_every_second)
{
	struct gnss_edge got;

	for (int k = 0; k < 20; k++) {
		ck_assert_int_eq(edge(k), 1);
		memset(&got, 0, sizeof(got));
		ck_assert_int_eq(label(k, T0_S + k, &got), GNSS_PAIR_OK);
		ck_assert_int_eq(got.t_ns, MONO0 + k * NS);
		ck_assert_int_eq(got.aux_ns, 7 * NS + k);
	}
}
END_TEST

START_TEST(same_sequence_is_not_a_new_edge)
{
	struct gnss_edge e = { MONO0, 0 }, got;

	ck_assert_int_eq(gnss_pair_edge(&p, &e, 5), 1);
	ck_assert_int_eq(gnss_pair_edge(&p, &e, 5), 0);
	ck_assert_int_eq(gnss_pair_edge(&p, &e, 5), 0);
	/* One edge, not three: the label pairs. */
	ck_assert_int_eq(gnss_pair_label(&p, MONO0 + LATENCY, T0_S, &got),
	    GNSS_PAIR_OK);
}
END_TEST

START_TEST(no_edge_before_the_burst)
{
	struct gnss_edge got;

	ck_assert_int_eq(label(0, T0_S, &got), GNSS_PAIR_NO_EDGE);
	/* The PPS comes back: the next second pairs. */
	edge(1);
	ck_assert_int_eq(label(1, T0_S + 1, &got), GNSS_PAIR_OK);
}
END_TEST

START_TEST(edge_a_second_before_the_burst_is_not_its_edge)
{
	struct gnss_edge e = { MONO0, 0 }, got;

	gnss_pair_edge(&p, &e, 1);
	/* The first burst after start, 1.0 s after the only edge. */
	ck_assert_int_eq(gnss_pair_label(&p, MONO0 + NS, T0_S + 1, &got),
	    GNSS_PAIR_NO_EDGE);
	/* 0.999 s after it is still within the second. */
	gnss_pair_init(&p);
	gnss_pair_edge(&p, &e, 1);
	ck_assert_int_eq(gnss_pair_label(&p, MONO0 + NS - 1000000, T0_S, &got),
	    GNSS_PAIR_OK);
}
END_TEST

START_TEST(lost_burst_makes_the_next_ambiguous)
{
	struct gnss_edge got;

	edge(0);
	ck_assert_int_eq(label(0, T0_S, &got), GNSS_PAIR_OK);
	edge(1);		/* its burst never arrives */
	edge(2);
	ck_assert_int_eq(label(2, T0_S + 2, &got), GNSS_PAIR_AMBIGUOUS);
	edge(3);
	ck_assert_int_eq(label(3, T0_S + 3, &got), GNSS_PAIR_OK);
	ck_assert_int_eq(got.t_ns, MONO0 + 3 * NS);
}
END_TEST

START_TEST(glitch_edge_makes_the_burst_ambiguous)
{
	struct gnss_edge e = { MONO0 + NS / 2, 0 }, got;

	edge(0);
	ck_assert_int_eq(label(0, T0_S, &got), GNSS_PAIR_OK);
	gnss_pair_edge(&p, &e, ++seq);	/* a spurious edge mid-second */
	edge(1);
	ck_assert_int_eq(label(1, T0_S + 1, &got), GNSS_PAIR_AMBIGUOUS);
}
END_TEST

START_TEST(late_burst_after_the_next_edge_is_ambiguous)
{
	struct gnss_edge got;

	/* Labels 0.99 s after their edge; one arrives 1.01 s late, after
	 * the next edge: its interval holds two edges. */
	edge(0);
	ck_assert_int_eq(gnss_pair_label(&p, MONO0 + 990 * MS, T0_S, &got),
	    GNSS_PAIR_OK);
	edge(1);
	edge(2);
	ck_assert_int_eq(gnss_pair_label(&p, MONO0 + NS + 1010 * MS, T0_S + 1,
	    &got), GNSS_PAIR_AMBIGUOUS);
}
END_TEST

START_TEST(sequence_gap_means_missed_edges)
{
	struct gnss_edge e = { MONO0 + 2 * NS, 0 }, got;

	edge(0);
	ck_assert_int_eq(label(0, T0_S, &got), GNSS_PAIR_OK);
	/* Fetched edge 3 after edge 1: 2 was never seen. */
	seq += 2;
	e.t_ns = MONO0 + NS;
	ck_assert_int_eq(gnss_pair_edge(&p, &e, seq), 1);
	ck_assert_int_eq(label(1, T0_S + 1, &got), GNSS_PAIR_MISSED);
	edge(2);
	ck_assert_int_eq(label(2, T0_S + 2, &got), GNSS_PAIR_OK);
}
END_TEST

START_TEST(sequence_backwards_starts_over)
{
	struct gnss_edge e = { MONO0, 0 }, got;

	ck_assert_int_eq(gnss_pair_edge(&p, &e, 100), 1);
	e.t_ns = MONO0 + NS;
	/* A reopened device counts from 1 again: no "missed", no pair
	 * against the old history. */
	ck_assert_int_eq(gnss_pair_edge(&p, &e, 1), 1);
	ck_assert_int_eq(gnss_pair_label(&p, MONO0 + NS + LATENCY, T0_S + 1,
	    &got), GNSS_PAIR_OK);
	ck_assert_int_eq(got.t_ns, MONO0 + NS);
}
END_TEST

START_TEST(one_wrong_label_costs_two_seconds)
{
	struct gnss_edge got;
	static const int64_t labels[] = { 0, 1, 3, 3, 4, 5 };
	static const enum gnss_pair_result want[] = {
		GNSS_PAIR_OK, GNSS_PAIR_OK, GNSS_PAIR_MISMATCH,
		GNSS_PAIR_MISMATCH, GNSS_PAIR_OK, GNSS_PAIR_OK,
	};

	for (int k = 0; k < 6; k++) {
		edge(k);
		ck_assert_int_eq(label(k, T0_S + labels[k], &got), want[k]);
	}
}
END_TEST

START_TEST(lasting_label_shift_is_followed)
{
	struct gnss_edge got;

	edge(0);
	ck_assert_int_eq(label(0, T0_S, &got), GNSS_PAIR_OK);
	edge(1);
	ck_assert_int_eq(label(1, T0_S + 2, &got), GNSS_PAIR_MISMATCH);
	for (int k = 2; k < 5; k++) {
		edge(k);
		ck_assert_int_eq(label(k, T0_S + k + 1, &got), GNSS_PAIR_OK);
	}
}
END_TEST

START_TEST(long_gap_pairs_on_the_window_alone)
{
	struct gnss_edge got;

	edge(0);
	ck_assert_int_eq(label(0, T0_S, &got), GNSS_PAIR_OK);
	/* 30 s of silence from the NMEA side; the PPS went on. */
	for (int k = 1; k <= 30; k++)
		edge(k);
	ck_assert_int_eq(label(30, T0_S + 30, &got), GNSS_PAIR_OK);
	ck_assert_int_eq(got.t_ns, MONO0 + 30 * NS);
	/* ... but a label off by one after it is still caught. */
	edge(31);
	ck_assert_int_eq(label(31, T0_S + 30, &got), GNSS_PAIR_MISMATCH);
}
END_TEST

START_TEST(mismatch_test_allows_clock_drift)
{
	struct gnss_edge e, got;

	/* A local clock 500 ppm fast over 900 s: 0.45 s of drift. */
	edge(0);
	ck_assert_int_eq(label(0, T0_S, &got), GNSS_PAIR_OK);
	e.t_ns = MONO0 + 900 * NS + 450 * MS;
	e.aux_ns = 0;
	gnss_pair_edge(&p, &e, ++seq);
	ck_assert_int_eq(gnss_pair_label(&p, e.t_ns + LATENCY, T0_S + 900, &got),
	    GNSS_PAIR_OK);
}
END_TEST

START_TEST(edge_after_the_burst_waits_for_the_next)
{
	struct gnss_edge got;

	/* Burst 0's epoch closes late, after the edge of second 1 was
	 * fetched: that edge came after burst 0 started, so it is not
	 * burst 0's, and it stays for burst 1. */
	edge(0);
	edge(1);
	ck_assert_int_eq(label(0, T0_S, &got), GNSS_PAIR_OK);
	ck_assert_int_eq(got.t_ns, MONO0);
	ck_assert_int_eq(label(1, T0_S + 1, &got), GNSS_PAIR_OK);
	ck_assert_int_eq(got.t_ns, MONO0 + NS);
}
END_TEST

START_TEST(ring_keeps_the_newest_edges)
{
	struct gnss_edge got;

	/* More edges than the ring holds, then a burst: the newest is
	 * still there (and, the previous burst long gone, it pairs). */
	for (int k = 0; k < 3 * GNSS_PAIR_EDGES; k++)
		edge(k);
	ck_assert_int_eq(label(3 * GNSS_PAIR_EDGES - 1,
	    T0_S + 3 * GNSS_PAIR_EDGES - 1, &got), GNSS_PAIR_OK);
	ck_assert_int_eq(got.t_ns, MONO0 + (3 * GNSS_PAIR_EDGES - 1) * NS);
}
END_TEST

START_TEST(result_names)
{
	ck_assert_str_eq(gnss_pair_result_name(GNSS_PAIR_OK), "ok");
	ck_assert_str_eq(gnss_pair_result_name(GNSS_PAIR_NO_EDGE), "no_edge");
	ck_assert_str_eq(gnss_pair_result_name(GNSS_PAIR_AMBIGUOUS), "ambiguous");
	ck_assert_str_eq(gnss_pair_result_name(GNSS_PAIR_MISSED), "missed_edges");
	ck_assert_str_eq(gnss_pair_result_name(GNSS_PAIR_MISMATCH), "mismatch");
	ck_assert_str_eq(gnss_pair_result_name((enum gnss_pair_result)99), "?");
}
END_TEST

/* ------------------------------------------------ PPS alone: numbering */

#define US		1000LL
#define HARD		(50 * US + 100)	/* the driver's PPS hard bound */

START_TEST(pps_numbered_by_a_tight_estimate)
{
	int64_t label = 0, resid = 0;

	/* the clock reads 3 ms fast at the edge of T0_S; known to 10 us */
	ck_assert_int_eq(gnss_pps_number(T0_S * NS + 3 * MS, -3 * MS + 2 * US,
	    10 * US, HARD, 0, &label, &resid), GNSS_NUMBER_OK);
	ck_assert_int_eq(label, T0_S);
	ck_assert_int_eq(resid, 2 * US);
	/* 0.4 s slow: still the right second, because the estimate says so */
	ck_assert_int_eq(gnss_pps_number(T0_S * NS - 400 * MS, 400 * MS, 10 * US,
	    HARD, 0, &label, &resid), GNSS_NUMBER_OK);
	ck_assert_int_eq(label, T0_S);
	/* the cable delay moves the edge after the second it marks */
	ck_assert_int_eq(gnss_pps_number(T0_S * NS + 300 * US, 0, 10 * US, HARD,
	    300 * US, &label, &resid), GNSS_NUMBER_OK);
	ck_assert_int_eq(label, T0_S);
	ck_assert_int_eq(resid, 0);
}
END_TEST

START_TEST(pps_loose_estimate_numbers_nothing)
{
	int64_t label = 0, resid = 0;

	/* a bound of 0.2 s or more (with the edge's own) is not certain */
	ck_assert_int_eq(gnss_pps_number(T0_S * NS, 0, GNSS_NUMBER_MAX_NS - HARD,
	    HARD, 0, &label, &resid), GNSS_NUMBER_LOOSE);
	ck_assert_int_eq(gnss_pps_number(T0_S * NS, 0, GNSS_NUMBER_MAX_NS - HARD
	    - 1, HARD, 0, &label, &resid), GNSS_NUMBER_OK);
	ck_assert_int_eq(gnss_pps_number(T0_S * NS, 0, -1, HARD, 0, &label,
	    &resid), GNSS_NUMBER_LOOSE);
	/* an NMEA-grade half-second bound: never guess */
	ck_assert_int_eq(gnss_pps_number(T0_S * NS + 100 * MS, 0, 500 * MS, HARD,
	    0, &label, &resid), GNSS_NUMBER_LOOSE);
}
END_TEST

START_TEST(pps_beyond_both_bounds_is_refused)
{
	int64_t label = 0, resid = 0;

	/* the estimate says the clock is right to 10 us; the edge is 1 ms off */
	ck_assert_int_eq(gnss_pps_number(T0_S * NS + 1 * MS, 0, 10 * US, HARD,
	    0, &label, &resid), GNSS_NUMBER_OFF);
	ck_assert_int_eq(label, T0_S);
	ck_assert_int_eq(resid, 1 * MS);
	/* just inside, on both sides */
	ck_assert_int_eq(gnss_pps_number(T0_S * NS + 10 * US + HARD, 0, 10 * US,
	    HARD, 0, &label, &resid), GNSS_NUMBER_OK);
	ck_assert_int_eq(gnss_pps_number(T0_S * NS - 10 * US - HARD, 0, 10 * US,
	    HARD, 0, &label, &resid), GNSS_NUMBER_OK);
	ck_assert_int_eq(gnss_pps_number(T0_S * NS - 10 * US - HARD - 1, 0,
	    10 * US, HARD, 0, &label, &resid), GNSS_NUMBER_OFF);
	ck_assert_int_eq(label, T0_S);
}
END_TEST

START_TEST(pps_numbering_before_1970)
{
	int64_t label = 0, resid = 0;

	/* floor, not truncation, for a negative start (a clock at 0 - 0.3 s) */
	ck_assert_int_eq(gnss_pps_number(-300 * MS, -700 * MS, 10 * US, HARD, 0,
	    &label, &resid), GNSS_NUMBER_OK);
	ck_assert_int_eq(label, -1);
	ck_assert_int_eq(resid, 0);
}
END_TEST

static Suite *
gnss_pair_suite(void)
{
	Suite *s = suite_create("gnss_pair");
	TCase *tc = tcase_create("pairing");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, steady_receiver_pairs_every_second);
	tcase_add_test(tc, same_sequence_is_not_a_new_edge);
	tcase_add_test(tc, no_edge_before_the_burst);
	tcase_add_test(tc, edge_a_second_before_the_burst_is_not_its_edge);
	tcase_add_test(tc, lost_burst_makes_the_next_ambiguous);
	tcase_add_test(tc, glitch_edge_makes_the_burst_ambiguous);
	tcase_add_test(tc, late_burst_after_the_next_edge_is_ambiguous);
	tcase_add_test(tc, sequence_gap_means_missed_edges);
	tcase_add_test(tc, sequence_backwards_starts_over);
	tcase_add_test(tc, one_wrong_label_costs_two_seconds);
	tcase_add_test(tc, lasting_label_shift_is_followed);
	tcase_add_test(tc, long_gap_pairs_on_the_window_alone);
	tcase_add_test(tc, mismatch_test_allows_clock_drift);
	tcase_add_test(tc, edge_after_the_burst_waits_for_the_next);
	tcase_add_test(tc, ring_keeps_the_newest_edges);
	tcase_add_test(tc, result_names);
	tcase_add_test(tc, pps_numbered_by_a_tight_estimate);
	tcase_add_test(tc, pps_loose_estimate_numbers_nothing);
	tcase_add_test(tc, pps_beyond_both_bounds_is_refused);
	tcase_add_test(tc, pps_numbering_before_1970);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(gnss_pair_suite());
}

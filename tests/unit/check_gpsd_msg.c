/*
 * check_gpsd_msg.c - gpsd JSON lines as gpsd 3.22 sends them (copied from
 * a gpsfake session), the fields the gpsd source uses, what is refused,
 * and gpsd's ISO 8601 time.
 *
 * Expected instants are written out (Unix seconds from calendar.timegm).
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "gpsd_msg.h"
#include "check_run.h"

#define NS		1000000000LL
#define T_S		1795761771LL	/* 2026-11-27T06:42:51Z */

static struct gpsd_msg m;

static int
parse(const char *line)
{
	return gpsd_msg_parse(line, strlen(line), &m);
}

START_TEST(tpv_3d_fix)
{
	ck_assert_int_eq(parse("{\"class\":\"TPV\",\"device\":\"/dev/pts/3\","
	    "\"mode\":3,\"time\":\"2026-11-27T06:42:51.000Z\",\"ept\":0.005,"
	    "\"lat\":48.117300000,\"lon\":11.516666667,\"altHAE\":592.3000,"
	    "\"epv\":27.600,\"track\":0.0000,\"speed\":0.000}\r\n"), GPSD_MSG_OK);
	ck_assert_int_eq(m.cls, GPSD_TPV);
	ck_assert_str_eq(m.device, "/dev/pts/3");
	ck_assert_int_eq(m.mode, 3);
	ck_assert_int_eq(m.status, -1);
	ck_assert(m.has_time);
	ck_assert_int_eq(m.time_ns, T_S * NS);
	ck_assert(m.has_ept);
	ck_assert_double_eq_tol(m.ept_s, 0.005, 1e-12);
	ck_assert(!m.has_leapseconds);
}
END_TEST

START_TEST(tpv_no_fix_without_time)
{
	ck_assert_int_eq(parse("{\"class\":\"TPV\",\"device\":\"tcp://x:1\","
	    "\"mode\":1,\"status\":2,\"leapseconds\":18}"), GPSD_MSG_OK);
	ck_assert_int_eq(m.mode, 1);
	ck_assert_int_eq(m.status, 2);
	ck_assert(!m.has_time);
	ck_assert(!m.has_ept);
	ck_assert(m.has_leapseconds);
	ck_assert_int_eq(m.leapseconds, 18);
}
END_TEST

START_TEST(toff_instants)
{
	ck_assert_int_eq(parse("{\"class\":\"TOFF\",\"device\":\"/dev/pts/3\","
	    "\"real_sec\":1795761772, \"real_nsec\":0,\"clock_sec\":1795761771,"
	    "\"clock_nsec\":879768398}"), GPSD_MSG_OK);
	ck_assert_int_eq(m.cls, GPSD_TOFF);
	ck_assert_int_eq(m.real_ns, (T_S + 1) * NS);
	ck_assert_int_eq(m.clock_ns, T_S * NS + 879768398);
	ck_assert(!m.has_precision);
}
END_TEST

START_TEST(pps_with_precision)
{
	ck_assert_int_eq(parse("{\"class\":\"PPS\",\"device\":\"/dev/ttyS0\","
	    "\"real_sec\":1795761771,\"real_nsec\":0,\"clock_sec\":1795761770,"
	    "\"clock_nsec\":999998765,\"precision\":-20,\"shm\":\"NTP1\","
	    "\"qErr\":-12}"), GPSD_MSG_OK);
	ck_assert_int_eq(m.cls, GPSD_PPS);
	ck_assert_int_eq(m.real_ns - m.clock_ns, 1235);
	ck_assert(m.has_precision);
	ck_assert_int_eq(m.precision, -20);
}
END_TEST

START_TEST(version_devices_watch_error)
{
	ck_assert_int_eq(parse("{\"class\":\"VERSION\",\"release\":\"3.22\","
	    "\"rev\":\"3.22\",\"proto_major\":3,\"proto_minor\":14}"),
	    GPSD_MSG_OK);
	ck_assert_int_eq(m.cls, GPSD_VERSION);
	ck_assert_str_eq(m.text, "3.22");
	ck_assert_int_eq(m.proto_major, 3);
	ck_assert_int_eq(m.proto_minor, 14);
	ck_assert_int_eq(parse("{\"class\":\"DEVICES\",\"devices\":[{\"class\":"
	    "\"DEVICE\",\"path\":\"/dev/pts/3\"},{\"class\":\"DEVICE\"}]}"),
	    GPSD_MSG_OK);
	ck_assert_int_eq(m.cls, GPSD_DEVICES);
	ck_assert_int_eq(m.ndevices, 2);
	ck_assert_int_eq(parse("{\"class\":\"WATCH\",\"enable\":true,"
	    "\"json\":true,\"pps\":true}"), GPSD_MSG_OK);
	ck_assert_int_eq(m.cls, GPSD_WATCH);
	ck_assert_int_eq(parse("{\"class\":\"ERROR\",\"message\":\"Unrecognized "
	    "request 'WATC'\"}"), GPSD_MSG_OK);
	ck_assert_int_eq(m.cls, GPSD_ERROR);
	ck_assert_str_eq(m.text, "Unrecognized request 'WATC'");
}
END_TEST

START_TEST(other_classes_are_ok_and_ignored)
{
	ck_assert_int_eq(parse("{\"class\":\"SKY\",\"device\":\"/dev/pts/3\","
	    "\"satellites\":[]}"), GPSD_MSG_OK);
	ck_assert_int_eq(m.cls, GPSD_OTHER);
	ck_assert_str_eq(m.device, "/dev/pts/3");
}
END_TEST

START_TEST(refused_lines)
{
	ck_assert_int_eq(parse(""), GPSD_MSG_NOT_JSON);
	ck_assert_int_eq(parse("$GPRMC,064234.00,A*5A"), GPSD_MSG_NOT_JSON);
	ck_assert_int_eq(parse("[1,2]"), GPSD_MSG_NOT_JSON);
	ck_assert_int_eq(parse("{\"class\":\"TPV\""), GPSD_MSG_NOT_JSON);
	ck_assert_int_eq(parse("{\"class\":\"TPV\",\"class\":\"PPS\"}"),
	    GPSD_MSG_NOT_JSON);
	ck_assert_int_eq(parse("{\"mode\":3}"), GPSD_MSG_NO_CLASS);
	ck_assert_int_eq(parse("{\"class\":7}"), GPSD_MSG_NO_CLASS);
	ck_assert_int_eq(parse("{\"class\":\"TPV\"}"), GPSD_MSG_BAD_FIELD);
	ck_assert_int_eq(parse("{\"class\":\"TPV\",\"mode\":4}"),
	    GPSD_MSG_BAD_FIELD);
	ck_assert_int_eq(parse("{\"class\":\"TPV\",\"mode\":3,\"time\":"
	    "\"yesterday\"}"), GPSD_MSG_BAD_FIELD);
	ck_assert_int_eq(parse("{\"class\":\"TPV\",\"mode\":3,\"ept\":-1}"),
	    GPSD_MSG_BAD_FIELD);
	ck_assert_int_eq(parse("{\"class\":\"TOFF\",\"real_sec\":1,"
	    "\"real_nsec\":1000000000,\"clock_sec\":1,\"clock_nsec\":0}"),
	    GPSD_MSG_BAD_FIELD);
	ck_assert_int_eq(parse("{\"class\":\"PPS\",\"real_sec\":1,"
	    "\"real_nsec\":0,\"clock_sec\":-1,\"clock_nsec\":0}"),
	    GPSD_MSG_BAD_FIELD);
	ck_assert_int_eq(parse("{\"class\":\"PPS\",\"real_sec\":1.5,"
	    "\"real_nsec\":0,\"clock_sec\":1,\"clock_nsec\":0}"),
	    GPSD_MSG_BAD_FIELD);
	ck_assert_int_eq(parse("{\"class\":\"TOFF\",\"real_sec\":1}"),
	    GPSD_MSG_BAD_FIELD);
	/* found by fuzz_gpsd_msg: seconds whose nanoseconds overflow int64 */
	ck_assert_int_eq(parse("{\"class\":\"PPS\",\"real_sec\":17179869184,"
	    "\"real_nsec\":0,\"clock_sec\":1,\"clock_nsec\":0}"),
	    GPSD_MSG_BAD_FIELD);
	ck_assert_int_eq(parse("{\"class\":\"TPV\",\"mode\":3,\"time\":"
	    "\"9999-12-31T23:59:59Z\"}"), GPSD_MSG_BAD_FIELD);
}
END_TEST

START_TEST(iso_times)
{
	int64_t ns = 0;

	ck_assert_int_eq(gpsd_msg_iso_time("2026-11-27T06:42:51Z", &ns), 0);
	ck_assert_int_eq(ns, T_S * NS);
	ck_assert_int_eq(gpsd_msg_iso_time("2026-11-27T06:42:51.5Z", &ns), 0);
	ck_assert_int_eq(ns, T_S * NS + 500000000);
	/* digits beyond the nanosecond are cut */
	ck_assert_int_eq(gpsd_msg_iso_time("2026-11-27T06:42:51.123456789987Z",
	    &ns), 0);
	ck_assert_int_eq(ns, T_S * NS + 123456789);
	ck_assert_int_eq(gpsd_msg_iso_time("2024-02-29T12:00:00.000Z", &ns), 0);
	ck_assert_int_eq(ns, 1709208000LL * NS);
	/* a leap second: the same Unix second as the next midnight */
	ck_assert_int_eq(gpsd_msg_iso_time("2016-12-31T23:59:60Z", &ns), 0);
	ck_assert_int_eq(ns, 1483228800LL * NS);
	ck_assert_int_eq(gpsd_msg_iso_time("2023-02-29T12:00:00Z", &ns), -1);
	ck_assert_int_eq(gpsd_msg_iso_time("2026-11-27T06:42:51", &ns), -1);
	ck_assert_int_eq(gpsd_msg_iso_time("2026-11-27T06:42:51.Z", &ns), -1);
	ck_assert_int_eq(gpsd_msg_iso_time("2026-11-27 06:42:51Z", &ns), -1);
	ck_assert_int_eq(gpsd_msg_iso_time("2026-11-27T06:42:51Zx", &ns), -1);
	ck_assert_int_eq(gpsd_msg_iso_time("2026-11-27T24:00:00Z", &ns), -1);
	ck_assert_int_eq(gpsd_msg_iso_time("26-11-27T06:42:51Z", &ns), -1);
	/* the last instant whose nanoseconds fit int64_t, and the next */
	ck_assert_int_eq(gpsd_msg_iso_time("2262-04-11T23:47:15Z", &ns), 0);
	ck_assert_int_eq(ns, 9223372035LL * NS);
	ck_assert_int_eq(gpsd_msg_iso_time("2262-04-11T23:47:16Z", &ns), -1);
}
END_TEST

START_TEST(result_names)
{
	ck_assert_str_eq(gpsd_msg_result_name(GPSD_MSG_OK), "ok");
	ck_assert_str_eq(gpsd_msg_result_name(GPSD_MSG_NOT_JSON), "not_json");
	ck_assert_str_eq(gpsd_msg_result_name(GPSD_MSG_NO_CLASS), "no_class");
	ck_assert_str_eq(gpsd_msg_result_name(GPSD_MSG_BAD_FIELD), "bad_field");
	ck_assert_str_eq(gpsd_msg_result_name(-42), "?");
}
END_TEST

static Suite *
gpsd_msg_suite(void)
{
	Suite *s = suite_create("gpsd_msg");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, tpv_3d_fix);
	tcase_add_test(tc, tpv_no_fix_without_time);
	tcase_add_test(tc, toff_instants);
	tcase_add_test(tc, pps_with_precision);
	tcase_add_test(tc, version_devices_watch_error);
	tcase_add_test(tc, other_classes_are_ok_and_ignored);
	tcase_add_test(tc, refused_lines);
	tcase_add_test(tc, iso_times);
	tcase_add_test(tc, result_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(gpsd_msg_suite());
}

/*
 * check_notify.c - the sd_notify wrapper against a datagram socket that
 * stands in for the service manager: exact messages, silence without
 * NOTIFY_SOCKET, and the watchdog interval from WATCHDOG_USEC/WATCHDOG_PID.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "notify.h"
#include "check_run.h"

static char dir[64];
static char sock_path[128];
static int sock_fd = -1;

static int
bind_dgram(const char *path, int abstract)
{
	struct sockaddr_un sun;
	struct timeval tv = { 0, 200000 };
	socklen_t len;
	int fd;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (abstract) {
		/* sun_path[0] = '\0' then the name, as "@name" in the env. */
		snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1, "%s", path);
		len = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(path);
	} else {
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
		len = sizeof(sun);
	}
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, len), 0);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)), 0);
	return fd;
}

static void
setup(void)
{
	strcpy(dir, "/tmp/check_notify.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sock_path, sizeof(sock_path), "%s/notify.sock", dir);
	sock_fd = bind_dgram(sock_path, 0);
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", sock_path, 1), 0);
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

static void
teardown(void)
{
	if (sock_fd >= 0)
		close(sock_fd);
	sock_fd = -1;
	unlink(sock_path);
	rmdir(dir);
	unsetenv("NOTIFY_SOCKET");
}

/* One datagram as a string, or NULL (into buf) if none within 200 ms. */
static const char *
recv_msg(int fd, char *buf, size_t len)
{
	ssize_t n = recv(fd, buf, len - 1, 0);

	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

static void
expect_msg(const char *want)
{
	char buf[1024];
	const char *got = recv_msg(sock_fd, buf, sizeof(buf));

	ck_assert_msg(got != NULL, "no datagram, expected \"%s\"", want);
	ck_assert_str_eq(got, want);
}

static void
expect_nothing(void)
{
	char buf[1024];
	const char *got = recv_msg(sock_fd, buf, sizeof(buf));

	ck_assert_msg(got == NULL, "unexpected datagram \"%s\"", got ? got : "");
}

START_TEST(ready_sends_exactly_ready)
{
	ck_assert_int_eq(notify_ready(), 0);
	expect_msg("READY=1");
	expect_nothing();
}
END_TEST

START_TEST(stopping_and_watchdog_messages)
{
	ck_assert_int_eq(notify_stopping(), 0);
	expect_msg("STOPPING=1");
	ck_assert_int_eq(notify_watchdog(), 0);
	expect_msg("WATCHDOG=1");
	expect_nothing();
}
END_TEST

START_TEST(status_is_formatted)
{
	ck_assert_int_eq(notify_status("state %s, %d sources", "acquiring", 2), 0);
	expect_msg("STATUS=state acquiring, 2 sources");
}
END_TEST

START_TEST(status_newlines_cannot_inject_assignments)
{
	ck_assert_int_eq(notify_status("x\nREADY=1\r"), 0);
	expect_msg("STATUS=x READY=1 ");
}
END_TEST

START_TEST(status_long_text_is_cut_not_dropped)
{
	char big[1000];
	char buf[2048];
	const char *got;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(notify_status("%s", big), 0);
	got = recv_msg(sock_fd, buf, sizeof(buf));
	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(strncmp(got, "STATUS=aaaa", 11), 0);
	ck_assert_uint_eq(strlen(got), strlen("STATUS=") + 256);
}
END_TEST

START_TEST(reloading_carries_monotonic_usec)
{
	char buf[256];
	const char *got;
	struct timespec ts;
	long long usec, now_usec;

	ck_assert_int_eq(notify_reloading(), 0);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_usec = (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	got = recv_msg(sock_fd, buf, sizeof(buf));
	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(sscanf(got, "RELOADING=1\nMONOTONIC_USEC=%lld", &usec), 1);
	ck_assert_int_eq(strncmp(got, "RELOADING=1\nMONOTONIC_USEC=", 27), 0);
	ck_assert_ptr_null(strchr(got + 27, '\n'));
	ck_assert_int_le(usec, now_usec);
	ck_assert_int_gt(usec, now_usec - 1000000);
}
END_TEST

START_TEST(no_socket_is_a_silent_no_op)
{
	unsetenv("NOTIFY_SOCKET");
	ck_assert_int_eq(notify_ready(), 0);
	ck_assert_int_eq(notify_status("state %s", "locked"), 0);
	ck_assert_int_eq(notify_reloading(), 0);
	ck_assert_int_eq(notify_stopping(), 0);
	ck_assert_int_eq(notify_watchdog(), 0);
	expect_nothing();
}
END_TEST

START_TEST(unreachable_socket_is_an_error)
{
	char gone[160];

	snprintf(gone, sizeof(gone), "%s/absent.sock", dir);
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", gone, 1), 0);
	ck_assert_int_lt(notify_ready(), 0);
}
END_TEST

START_TEST(abstract_socket_is_reached)
{
	char name[64], env[70];
	int afd;

	snprintf(name, sizeof(name), "check_notify.%ld", (long)getpid());
	afd = bind_dgram(name, 1);
	snprintf(env, sizeof(env), "@%s", name);
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", env, 1), 0);
	ck_assert_int_eq(notify_ready(), 0);
	{
		char buf[64];
		const char *got = recv_msg(afd, buf, sizeof(buf));

		ck_assert_ptr_nonnull(got);
		ck_assert_str_eq(got, "READY=1");
	}
	close(afd);
}
END_TEST

/* ------------------------------------------------------------ watchdog */

START_TEST(watchdog_off_without_usec)
{
	int64_t ns = -1;

	ck_assert_int_eq(notify_watchdog_interval_ns(&ns), 0);
	ck_assert_int_eq(ns, 0);
}
END_TEST

START_TEST(watchdog_half_of_usec)
{
	int64_t ns = 0;

	ck_assert_int_eq(setenv("WATCHDOG_USEC", "30000000", 1), 0);
	ck_assert_int_eq(notify_watchdog_interval_ns(&ns), 1);
	ck_assert_int_eq(ns, 15000000000LL);
}
END_TEST

START_TEST(watchdog_for_our_pid)
{
	char pid[32];
	int64_t ns = 0;

	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	ck_assert_int_eq(setenv("WATCHDOG_USEC", "1000000", 1), 0);
	ck_assert_int_eq(setenv("WATCHDOG_PID", pid, 1), 0);
	ck_assert_int_eq(notify_watchdog_interval_ns(&ns), 1);
	ck_assert_int_eq(ns, 500000000LL);
}
END_TEST

START_TEST(watchdog_for_another_pid_is_off)
{
	char pid[32];
	int64_t ns = -1;

	/* Our parent (the runner): a watchdog meant for another process. */
	snprintf(pid, sizeof(pid), "%ld", (long)getppid());
	ck_assert_int_eq(setenv("WATCHDOG_USEC", "1000000", 1), 0);
	ck_assert_int_eq(setenv("WATCHDOG_PID", pid, 1), 0);
	ck_assert_int_eq(notify_watchdog_interval_ns(&ns), 0);
	ck_assert_int_eq(ns, 0);
}
END_TEST

START_TEST(watchdog_bad_values_are_off)
{
	static const char *const bad[] = { "", "0", "abc", "-5", "12x" };
	int64_t ns;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ns = -1;
		ck_assert_int_eq(setenv("WATCHDOG_USEC", bad[i], 1), 0);
		ck_assert_msg(notify_watchdog_interval_ns(&ns) == 0,
		    "WATCHDOG_USEC=\"%s\" enabled the watchdog", bad[i]);
		ck_assert_int_eq(ns, 0);
	}
}
END_TEST

START_TEST(watchdog_huge_usec_does_not_overflow)
{
	int64_t ns = 0;

	ck_assert_int_eq(setenv("WATCHDOG_USEC", "18446744073709551614", 1), 0);
	if (notify_watchdog_interval_ns(&ns) == 1)
		ck_assert_int_eq(ns, INT64_MAX);
	else
		ck_assert_int_eq(ns, 0);
}
END_TEST

static Suite *
notify_suite(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("messages");
	TCase *wd = tcase_create("watchdog");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ready_sends_exactly_ready);
	tcase_add_test(tc, stopping_and_watchdog_messages);
	tcase_add_test(tc, status_is_formatted);
	tcase_add_test(tc, status_newlines_cannot_inject_assignments);
	tcase_add_test(tc, status_long_text_is_cut_not_dropped);
	tcase_add_test(tc, reloading_carries_monotonic_usec);
	tcase_add_test(tc, no_socket_is_a_silent_no_op);
	tcase_add_test(tc, unreachable_socket_is_an_error);
	tcase_add_test(tc, abstract_socket_is_reached);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(wd, setup, teardown);
	tcase_add_test(wd, watchdog_off_without_usec);
	tcase_add_test(wd, watchdog_half_of_usec);
	tcase_add_test(wd, watchdog_for_our_pid);
	tcase_add_test(wd, watchdog_for_another_pid_is_off);
	tcase_add_test(wd, watchdog_bad_values_are_off);
	tcase_add_test(wd, watchdog_huge_usec_does_not_overflow);
	suite_add_tcase(s, wd);
	return s;
}

int
main(void)
{
	return check_run(notify_suite());
}

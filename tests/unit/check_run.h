/*
 * check_run.h - the main() every Check suite shares: run in forked mode
 * (a crash fails one test, not the suite) and exit non-zero on failure.
 */
#ifndef TSYNC_CHECK_RUN_H
#define TSYNC_CHECK_RUN_H

#include <check.h>
#include <stdlib.h>

static inline int
check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif

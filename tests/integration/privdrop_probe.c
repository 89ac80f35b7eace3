/*
 * privdrop_probe.c - test helper for test_privdrop.py: calls
 * privdrop_apply() the way tsyncd does, then prints what the kernel says
 * about the process, so the test reads facts, not our own bookkeeping.
 *
 *   privdrop_probe USER [CAP_NAME...]      e.g. privdrop_probe tsync sys_time
 *
 * Output: "rc=N" (0 dropped, 1 not root, -1 error), "err=..." after an
 * error, the Uid/Gid/Groups/Cap* lines of /proc/self/status, and
 * "setuid0=ok" or "setuid0=<errno name>" for an attempt to regain root.
 * Exit status 0 unless privdrop_apply() failed or the arguments are bad.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cap-ng.h>

#include "log.h"
#include "privdrop.h"

#define MAX_CAPS	16

static void
print_status(void)
{
	static const char *const keys[] = { "Uid:", "Gid:", "Groups:",
	    "CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:" };
	char line[512];
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL) {
		perror("/proc/self/status");
		exit(EXIT_FAILURE);
	}
	while (fgets(line, sizeof(line), f) != NULL)
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strncmp(line, keys[i], strlen(keys[i])) == 0)
				fputs(line, stdout);
	fclose(f);
}

int
main(int argc, char **argv)
{
	char err[256] = "";
	int caps[MAX_CAPS];
	int ncaps = 0, rc;

	if (argc < 2 || argc - 2 > MAX_CAPS) {
		fprintf(stderr, "usage: privdrop_probe USER [CAP_NAME...]\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		caps[ncaps] = capng_name_to_capability(argv[i]);
		if (caps[ncaps] < 0) {
			fprintf(stderr, "unknown capability \"%s\"\n", argv[i]);
			return 2;
		}
		ncaps++;
	}
	if (log_open(LOG_TARGET_STDERR, LOG_FORMAT_TEXT, NULL, LL_INFO) == -1)
		return 2;
	rc = privdrop_apply(argv[1], caps, ncaps, err, sizeof(err));
	printf("rc=%d\n", rc);
	if (rc == -1)
		printf("err=%s\n", err);
	print_status();
	if (setuid(0) == 0)
		printf("setuid0=ok\n");
	else
		printf("setuid0=%s\n", errno == EPERM ? "EPERM" : strerror(errno));
	fflush(stdout);
	return rc == -1 ? EXIT_FAILURE : EXIT_SUCCESS;
}

/*
 * audit_writer.c - drives the audit log writer for test_audit.py until
 * the daemon writes audit records itself.
 *
 *   audit_writer [-c CONFIG] [-n COUNT] [-r EVERY] [-k KEEP] PATH
 *
 * Opens PATH (continuing its chain), appends COUNT "state" records
 * (COUNT 0: forever, until killed), rotating after every EVERY records
 * when -r is given. After each append returns - the record is then on
 * disk - prints "seq N" on stdout and flushes, so a test that kills the
 * writer knows which records must have survived. Exit 0, or 1 with a
 * message on stderr.
 */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "audit.h"

static int
run(struct audit *a, long count, long every)
{
	for (long i = 0; count == 0 || i < count; i++) {
		unsigned long long seq = audit_next_seq(a);

		if (audit_append(a, "state", json_pack("{s:I, s:s}", "i",
		    (json_int_t)i, "state", i % 2 ? "tracking" : "holdover")))
			return -1;
		printf("seq %llu\n", seq);
		fflush(stdout);
		if (every > 0 && (i + 1) % every == 0 && audit_rotate(a))
			return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *config = NULL;
	long count = 10, every = 0;
	int keep = AUDIT_KEEP_DEFAULT, opt, rc;
	struct audit *a;
	char err[512];

	while ((opt = getopt(argc, argv, "c:n:r:k:")) != -1) {
		switch (opt) {
		case 'c': config = optarg; break;
		case 'n': count = strtol(optarg, NULL, 10); break;
		case 'r': every = strtol(optarg, NULL, 10); break;
		case 'k': keep = atoi(optarg); break;
		default: return 1;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: audit_writer [-c CONFIG] [-n COUNT] "
		    "[-r EVERY] [-k KEEP] PATH\n");
		return 1;
	}
	a = audit_open(argv[optind], "test-" PACKAGE_VERSION, config, err,
	    sizeof(err));
	if (a == NULL) {
		fprintf(stderr, "audit_writer: %s\n", err);
		return 1;
	}
	audit_set_keep(a, keep);
	rc = run(a, count, every);
	audit_close(a);
	if (rc != 0)
		perror("audit_writer");
	return rc != 0;
}

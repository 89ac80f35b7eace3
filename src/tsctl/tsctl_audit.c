/*
 * tsctl_audit.c - `tsctl audit verify [FILE...]`: check the hash chain
 * of the audit log across its rotated files (oldest first) with the pure
 * verifier of src/proto/audit_chain.c.
 *
 * Output: "OK: N records, seq A..B, chain intact" (exit 0), or one
 * "FILE:LINE: seq N: <what>" line per problem (exit 2). Warnings (a torn
 * last record of the newest file) are printed the same way with
 * "warning: " before <what> and do not fail the check. A file that
 * cannot be read exits 1: the verification is then incomplete.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit_chain.h"
#include "tsctl_audit.h"

#define EXIT_VERIFIED	0
#define EXIT_IO		1
#define EXIT_BROKEN	2	/* also usage, as everywhere in tsctl */
#define MAX_ROTATED	1000

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: tsctl audit verify [FILE...]\n"
	    "\n"
	    "Check the audit log's hash chain. FILEs are given oldest first\n"
	    "(audit.log.2 audit.log.1 audit.log); without FILE, %s\n"
	    "and its rotated files %s.N are read.\n"
	    "Exit: 0 chain intact, 1 a file could not be read, 2 the chain\n"
	    "does not verify (each problem printed as FILE:LINE: seq N: what).\n",
	    AUDIT_DEFAULT_FILE, AUDIT_DEFAULT_FILE);
}

static void
print_problem(const struct audit_problem *p, void *ctx)
{
	(void)ctx;
	if (p->line > 0)
		printf("%s:%lu: seq ", p->file, p->line);
	else
		printf("%s: seq ", p->file);	/* about the whole file */
	if (p->seq >= 0)
		printf("%" PRId64, p->seq);
	else
		printf("?");
	printf(": %s%s\n", p->severity == AUDIT_WARNING ? "warning: " : "",
	    p->what);
}

int
tsctl_audit_read_file(struct audit_verify *v, const char *name, bool newest,
    tsctl_audit_line_fn on_line, void *arg, const char *prog, FILE *err)
{
	FILE *f = fopen(name, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	if (f == NULL) {
		fprintf(err, "%s: %s: %s\n", prog, name, strerror(errno));
		return -1;
	}
	audit_verify_file(v, name, newest);
	while ((n = getline(&line, &cap, f)) > 0) {
		bool nl = line[n - 1] == '\n';

		audit_verify_line(v, line, (size_t)n - nl, nl);
		if (nl && on_line != NULL)
			on_line(arg, line, (size_t)n - 1);
	}
	if (ferror(f)) {
		fprintf(err, "%s: %s: read error\n", prog, name);
		rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}

char **
tsctl_audit_default_files(int *n)
{
	char **v = calloc(MAX_ROTATED + 2, sizeof(*v));
	int k = 0, top = 0;
	char path[sizeof(AUDIT_DEFAULT_FILE) + 8];

	if (v == NULL)
		return NULL;
	/* Rotation keeps path.1..path.keep contiguous: stop at the first gap. */
	for (; top < MAX_ROTATED; top++) {
		snprintf(path, sizeof(path), "%s.%d", AUDIT_DEFAULT_FILE, top + 1);
		if (access(path, F_OK) != 0)
			break;
	}
	for (int i = top; i >= 1; i--) {
		snprintf(path, sizeof(path), "%s.%d", AUDIT_DEFAULT_FILE, i);
		v[k++] = strdup(path);
	}
	v[k++] = strdup(AUDIT_DEFAULT_FILE);
	*n = k;
	return v;
}

static int
verify_files(char **files, int n)
{
	struct audit_verify *v = audit_verify_create(print_problem, NULL);
	struct audit_verify_result r;
	int io = 0;

	if (v == NULL)
		return EXIT_IO;
	for (int i = 0; i < n; i++)
		if (files[i] == NULL || tsctl_audit_read_file(v, files[i],
		    i == n - 1, NULL, NULL, "tsctl", stderr) == -1)
			io = 1;
	audit_verify_finish(v, &r);
	audit_verify_destroy(v);
	if (io)
		return EXIT_IO;
	if (r.errors > 0 || !r.have_records) {
		printf("FAILED: %lu problem(s) in %lu record(s)\n", r.errors +
		    !r.have_records, r.records);
		return EXIT_BROKEN;
	}
	printf("OK: %lu records, seq %" PRIu64 "..%" PRIu64 ", chain intact%s\n",
	    r.records, r.first_seq, r.last_seq, r.from_rotate ?
	    " (begins at a rotation; older files not given)" : "");
	return EXIT_VERIFIED;
}

int
tsctl_audit_main(int argc, char **argv)
{
	char **files;
	int n, rc, first = 2;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return EXIT_VERIFIED;
	}
	if (argc < 2 || strcmp(argv[1], "verify") != 0) {
		usage(stderr);
		return EXIT_BROKEN;
	}
	if (argc > first && strcmp(argv[first], "--") == 0)
		first++;
	else if (argc > first && argv[first][0] == '-' && argv[first][1]) {
		usage(stderr);
		return EXIT_BROKEN;
	}
	if (argc > first)
		return verify_files(argv + first, argc - first);
	if ((files = tsctl_audit_default_files(&n)) == NULL)
		return EXIT_IO;
	rc = verify_files(files, n);
	for (int i = 0; i < n; i++)
		free(files[i]);
	free(files);
	return rc;
}

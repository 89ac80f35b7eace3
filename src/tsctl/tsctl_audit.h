/*
 * tsctl_audit.h - `tsctl audit verify [FILE...]`, reading the audit log
 * directly (no daemon involved).
 */
#ifndef TSYNC_TSCTL_AUDIT_H
#define TSYNC_TSCTL_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct audit_verify;

/*
 * argv[0] is "audit", argv[1] the subcommand. Exit codes: 0 the chain
 * verifies (warnings such as a torn last record allowed); 1 a file could
 * not be read; 2 the chain does not verify, or a usage error.
 */
int	tsctl_audit_main(int argc, char **argv);

/*
 * The default file set, oldest first: AUDIT_DEFAULT_FILE.N ... .1, then
 * AUDIT_DEFAULT_FILE (rotation keeps .1.. contiguous; the list stops at
 * the first gap). A malloc'd array of *n malloc'd strings (an entry is
 * NULL when out of memory), or NULL.
 */
char	**tsctl_audit_default_files(int *n);

/*
 * Feed one audit file to the verifier, line by line, and every complete
 * line (a torn last record is no evidence) to on_line when it is not
 * NULL. I/O problems are printed to err as "PROG: FILE: reason".
 * Returns 0, or -1 on an I/O error.
 */
typedef void (*tsctl_audit_line_fn)(void *arg, const char *line, size_t len);
int	tsctl_audit_read_file(struct audit_verify *v, const char *name, bool newest,
	    tsctl_audit_line_fn on_line, void *arg, const char *prog, FILE *err);

#endif

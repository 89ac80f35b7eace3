/*
 * tsctl_audit.h - `tsctl audit verify [FILE...]`, reading the audit log
 * directly (no daemon involved).
 */
#ifndef TSYNC_TSCTL_AUDIT_H
#define TSYNC_TSCTL_AUDIT_H

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

#endif

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

#endif

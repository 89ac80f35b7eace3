/*
 * sandbox.c - see sandbox.h.
 *
 * The list was drawn up from what the daemon calls after start-up (strace
 * of the integration tests: control socket, NTP sources, metrics, audit,
 * reload, log rotation, shutdown) plus what glibc and libevent may use in
 * the same paths. Everything denied is EPERM, not a kill: a time daemon
 * that dies on an overlooked call in a rare path serves no one, and the
 * failed call is logged where it happens.
 */
#include "config.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

#include "sandbox.h"

static const char *const allowed[] = {
	/* memory, process */
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise",
	"exit", "exit_group", "getpid", "gettid", "getuid", "geteuid",
	"getgid", "getegid", "getgroups", "getppid", "prctl", "futex",
	"set_robust_list", "rseq", "sched_yield", "restart_syscall",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack",
	"kill", "tgkill", "uname", "sysinfo", "getrandom", "umask",
	"getrlimit", "prlimit64", "getcwd", "wait4",
	/* time */
	"clock_gettime", "clock_getres", "gettimeofday", "time",
	"clock_adjtime", "adjtimex", "clock_nanosleep", "nanosleep",
	"timerfd_create", "timerfd_settime", "timerfd_gettime",
	/* event loop */
	"epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait",
	"epoll_pwait", "poll", "ppoll", "select", "pselect6", "eventfd2",
	"pipe", "pipe2",
	/* files: logs, audit, drift, leap table, shm page, config */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "lseek",
	"open", "openat", "close", "fstat", "newfstatat", "stat", "lstat",
	"statx", "access", "faccessat", "faccessat2", "fcntl", "ioctl",
	"fsync", "fdatasync", "ftruncate", "rename", "renameat",
	"renameat2", "unlink", "unlinkat", "mkdir", "mkdirat", "fchmod",
	"chmod", "fchmodat", "fchown", "readlink", "readlinkat",
	"getdents64", "statfs", "fstatfs", "dup", "dup2", "dup3", "flock",
	/* sockets: control, metrics, NTP, DNS, ptp4l, gpsd, journal */
	"socket", "socketpair", "bind", "listen", "accept", "accept4",
	"connect", "shutdown", "getsockname", "getpeername", "setsockopt",
	"getsockopt", "sendto", "recvfrom", "sendmsg", "recvmsg",
	"sendmmsg", "recvmmsg",
	/* SysV shared memory (NTP SHM sources) */
	"shmget", "shmat", "shmdt", "shmctl",
};

int
sandbox_allowed_count(void)
{
	return (int)(sizeof(allowed) / sizeof(allowed[0]));
}

int
sandbox_apply(char *err, size_t errlen)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int rc, nr;

	if (ctx == NULL) {
		snprintf(err, errlen, "seccomp_init failed");
		return -1;
	}
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		/* A name this kernel or architecture does not have is fine. */
		if ((nr = seccomp_syscall_resolve_name(allowed[i])) ==
		    __NR_SCMP_ERROR)
			continue;
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0)) < 0) {
			snprintf(err, errlen, "seccomp: cannot allow %s: %s",
			    allowed[i], strerror(-rc));
			seccomp_release(ctx);
			return -1;
		}
	}
	rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0) {
		snprintf(err, errlen, "seccomp: cannot load the filter: %s",
		    strerror(-rc));
		return -1;
	}
	return 0;
}

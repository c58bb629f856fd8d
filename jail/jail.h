/*
 * The jail: per-thread seccomp allowlists and the jailer (namespaces, an
 * empty root, no capabilities, rlimits, an unprivileged uid). See README.
 */
#ifndef MOTE_JAIL_H
#define MOTE_JAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../monitor/err.h"

/* The kinds of threads in a mote process, each with its own allowlist. */
enum jail_thread {
	JAIL_MAIN,        /* the control thread once VMs are running */
	JAIL_VCPU,        /* fleet workers running vCPUs */
	JAIL_HOUSEKEEPER, /* pool refill and VM teardown */
	JAIL_IO,          /* the io_uring device loop */
	JAIL_SINGLE,      /* one thread that is both control and vCPU */
	JAIL_SERVE,       /* mote serve's thread: HTTP, control, the drain */
	JAIL_NKINDS
};

/* Exit status after the filter stopped a forbidden system call (128+SIGSYS). */
#define JAIL_STATUS_SECCOMP 159

/*
 * Installs the allowlist of `kind` on the calling thread (threads created
 * later inherit it and add their own). Anything else kills the process
 * after one line on stderr naming the thread kind and the system call.
 * Returns 0 or a negative errno with err filled.
 */
int jail_seccomp_thread(enum jail_thread kind, struct mote_err *err);

/* Number of distinct system calls allowed to `kind` (for the README). */
size_t jail_seccomp_count(enum jail_thread kind);

struct jail_config {
	uid_t uid; /* switch to this uid/gid (root only; -1: 65534) */
	gid_t gid;
	bool netns;          /* also a new network namespace */
	const int *keep_fds; /* fds to keep open besides 0, 1, 2 */
	size_t nkeep;
	unsigned max_vms;    /* sizes RLIMIT_NPROC */
	unsigned long max_fds; /* RLIMIT_NOFILE: what the run holds at most */
	/* A file the run writes (a snapshot), which the waiting parent,
	 * outside the jail, removes when the jailed run fails: inside, no
	 * file system is left to remove it from. NULL: none. */
	const char *remove_on_failure;
};

/*
 * Enters the jail: new mount, PID, IPC, UTS (and optionally network)
 * namespaces, a user namespace when not root, an empty root directory,
 * no capabilities, no_new_privs, rlimits, the unprivileged uid/gid, only
 * the named fds and an empty environment. The PID namespace needs a fork:
 * the calling process becomes a parent that only waits and exits with the
 * jailed child's status; jail_enter returns 0 in the child.
 * Returns a negative errno with err saying which step failed.
 */
int jail_enter(const struct jail_config *cfg, struct mote_err *err);

/*
 * Whether jail_enter can work here: root, or unprivileged user namespaces
 * allowed. Sanitizer builds say no: LeakSanitizer needs /proc, ptrace and
 * a thread of its own at exit, all of which the jail takes away.
 */
bool jail_possible(void);

/* Whether this build installs seccomp filters (not in sanitizer builds). */
bool jail_seccomp_enabled(void);

#endif

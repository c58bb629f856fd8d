/*
 * Seccomp allowlist tables (allowlist.c): the data seccomp.c compiles
 * into one filter per thread kind.
 */
#ifndef MOTE_JAIL_ALLOWLIST_H
#define MOTE_JAIL_ALLOWLIST_H

/* One allowed system call; for ioctl, one allowed request number. */
struct jail_allow {
	const char *syscall;
	unsigned long ioctl_request; /* 0: any use of syscall */
	const char *why;
};

/* Each table ends with an entry whose syscall is NULL. */
extern const struct jail_allow jail_allow_vcpu[];
extern const struct jail_allow jail_allow_housekeeper[];
extern const struct jail_allow jail_allow_main[];
extern const struct jail_allow jail_allow_io[];
extern const struct jail_allow jail_allow_single[];
extern const struct jail_allow jail_allow_serve[];

#endif

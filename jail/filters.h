/*
 * The seccomp filters compiled at build time (gen_filters.c writes them
 * from allowlist.c), so mote loads ready BPF instead of building it.
 */
#ifndef MOTE_JAIL_FILTERS_H
#define MOTE_JAIL_FILTERS_H

#include <linux/filter.h>
#include <stddef.h>

#include "jail.h"

#define JAIL_MAX_SYSCALL 512

struct jail_filter {
	const struct sock_filter *prog;
	size_t len;
};

extern const struct jail_filter jail_filters[JAIL_NKINDS];
extern const char *const jail_syscall_names[JAIL_MAX_SYSCALL];

#endif

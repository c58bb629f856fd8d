/*
 * The jail as `mote run` uses it: decide from the options whether to jail,
 * enter it with the fds to keep, and seal it once every thread exists.
 */
#ifndef MOTE_JAIL_CONFINE_H
#define MOTE_JAIL_CONFINE_H

#include <stdbool.h>
#include <stddef.h>

#include "../monitor/err.h"
#include "options.h"
#include "../jail/jail.h"

/*
 * Enters the jail when o asks for it (or by default, when it can be),
 * keeping fds[0..n) open with RLIMIT_NOFILE at max_fds, and makes every
 * thread the monitor creates from now on install its seccomp filter.
 * Returns 0 (jailed or not) or a negative errno with err naming the
 * failed step.
 */
int confine_enter(const struct run_opts *o, const int *fds, size_t n,
		  unsigned long max_fds, struct mote_err *err);

/* Once every thread exists: no new ones, and the calling thread's filter
 * for `kind` (JAIL_MAIN, or JAIL_SINGLE when it also runs the vCPU). */
int confine_seal(enum jail_thread kind, struct mote_err *err);

/* "seccomp+namespaces", "namespaces", or "off": for --stats. */
const char *confine_state(void);

#endif

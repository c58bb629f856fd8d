/*
 * QEMU's microvm machine as a baseline: finds qemu-system-x86_64 and the
 * two tiny PVH guests built with mote, and times whole-process boots.
 */
#ifndef MOTE_BENCH_QEMU_H
#define MOTE_BENCH_QEMU_H

#include <limits.h>
#include <stdint.h>

#include "spawn.h"

struct qemu {
	const char *status; /* NULL: usable; else why not ("not installed") */
	char bin[PATH_MAX];
	char exit_elf[PATH_MAX]; /* says ready, then exits */
	char idle_elf[PATH_MAX]; /* says ready, then halts for good */
};

/* Looks for qemu-system-x86_64 in PATH and for bench/pvh-*.elf in dir. */
void qemu_find(struct qemu *q, const char *dir);

/* The command line, for the reports. */
const char *qemu_cmdline(void);

/*
 * One whole-process boot of the exit guest: ns from spawn to the guest's
 * ready byte and to the process reaped. Returns 0, or -1 with a reason.
 */
int qemu_boot(const struct qemu *q, uint64_t timeout_ns, uint64_t *ready,
	      uint64_t *exit, char *why, size_t len);

/* Starts the idle guest; qemu_ready then waits for its ready byte. */
int qemu_start_idle(const struct qemu *q, struct child *c);
int qemu_ready(struct child *c, uint64_t deadline);

#endif

/*
 * The one vCPU driving path, shared by the single-VM run and the fleet:
 * it ends WAITs, enforces the run's deadline and names the outcomes.
 */
#ifndef MOTE_DRIVE_H
#define MOTE_DRIVE_H

#include <stdint.h>
#include <time.h>

#include "vm.h"

enum drive_stop {
	DRIVE_DONE,  /* the run ended: res is filled (timeouts included) */
	DRIVE_WAIT,  /* the guest waits: until drive_wake_at, or an event */
	DRIVE_YIELD, /* the slice ended; the guest can run on */
};

/*
 * Runs vm's vCPU in the calling thread until the guest ends, waits, or
 * `until` (CLOCK_MONOTONIC ns; the end of a time slice) passes. A WAIT the
 * guest is in is ended first if an event came or its time passed. timer
 * is the calling thread's kick timer (kick.h); NULL is allowed when
 * neither `until` nor the run's deadline is ever reached.
 */
enum drive_stop drive(struct mote_vm *vm, uint64_t until, timer_t *timer,
		      struct mote_result *res);

/* When a VM stopped in DRIVE_WAIT must be driven again at the latest:
 * its WAIT's deadline or the run's. */
uint64_t drive_wake_at(const struct mote_vm *vm);

#endif

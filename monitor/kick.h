/*
 * The kick signal that bounds a KVM_RUN in time (see kick.c). Process-wide
 * set-up once, then per thread: block it, arm a timer that fires it.
 */
#ifndef MOTE_KICK_H
#define MOTE_KICK_H

#include <stdint.h>
#include <time.h>

#include "err.h"

void kick_install(void); /* the signal's no-op handler, once per process */
void kick_block_in_thread(void);
int kick_timer_create(timer_t *t);
/* Fires the kick at absolute CLOCK_MONOTONIC ns (0 disarms). */
int kick_timer_arm(timer_t t, uint64_t at_ns);
/* Consumes a pending kick of the calling thread. */
void kick_drain(void);
/* The vCPU's signal mask inside KVM_RUN: everything but the kick blocked. */
int kick_vcpu_mask(int vcpu_fd, struct mote_err *err);

#endif

/*
 * What the fleet and pool need of a VM beyond vm.h: reuse, warm-up, the
 * waker that device events call, and the run's deadline.
 */
#ifndef MOTE_VM_FLEET_H
#define MOTE_VM_FLEET_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "image.h"
#include "vm.h"

/* Unique in the process: tells reuse apart in stats. */
uint64_t vm_id(const struct mote_vm *vm);

/* Whether a device event is pending (the guest need not wait). */
bool vm_event_pending(struct mote_vm *vm);

/*
 * Sets what a new device event calls (NULL: the default, which wakes a
 * thread sleeping in the single-VM run) and returns only when no call to
 * the previous waker is still running.
 */
void vm_set_waker(struct mote_vm *vm, void (*fn)(void *ctx), void *ctx);

/* The run's end: deadline in host CLOCK_MONOTONIC ns (UINT64_MAX: none),
 * and the timeout it came from, for the message. */
void vm_set_deadline(struct mote_vm *vm, uint64_t deadline,
		     uint64_t timeout_ns);

/*
 * Makes a VM that ran a guest clean for the next one: guest-writable memory
 * back to zero (and the image to its template), x87/SSE/AVX state to reset
 * values, so no byte of the previous guest survives; boot info, the start
 * block and general registers are rewritten by the next load.
 */
int vm_reset(struct mote_vm *vm, struct mote_err *err);

/* Maps img and builds its page tables ahead of a later mote_vm_load. */
int vm_prepare(struct mote_vm *vm, const struct mote_image *img,
	       struct mote_err *err);

/* Runs the fresh vCPU once through a stub, so that KVM's costly first
 * entry happens ahead of the guest that later uses this VM. */
int vm_warm_up(struct mote_vm *vm, struct mote_err *err);

/* Bytes of guest memory resident on the host (shared image pages included). */
uint64_t vm_resident_bytes(const struct mote_vm *vm);

#endif

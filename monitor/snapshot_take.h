/*
 * Taking a snapshot at the guest's MOTE_HC_SNAPSHOT (snapshot.c), for
 * exit dispatch.
 */
#ifndef MOTE_SNAPSHOT_TAKE_H
#define MOTE_SNAPSHOT_TAKE_H

#include <stdint.h>

#include "err.h"
#include "vm_struct.h"

/*
 * Captures vm, stopped at a SNAPSHOT hypercall whose checked argument is
 * at gpa, into vm->snap_out (reserved): writes MOTE_SNAPSHOT_CLONE into the guest's
 * struct, completes the store, saves registers, FPU state, devices and
 * the pages that differ from the image. Returns 0, or a negative errno
 * with one line in err (a device with I/O in flight or a network device
 * refuses it).
 */
int snapshot_take(struct mote_vm *vm, uint64_t gpa, struct mote_err *err);

#endif

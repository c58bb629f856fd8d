/*
 * KVM exit dispatch: what the exit in vm->run means, as an action for the
 * driving loop. Hypercalls are validated and handled here.
 */
#ifndef MOTE_EXITS_H
#define MOTE_EXITS_H

#include <stdint.h>

#include "vm_struct.h"

enum exit_action {
	EXIT_DONE,   /* the run ended; res is filled */
	EXIT_RESUME, /* re-enter the guest */
	EXIT_WAIT,   /* the guest waits until vm->wait_until or an event */
};

/* Handles the exit in vm->run. */
enum exit_action exits_handle(struct mote_vm *vm, struct mote_result *res);

/* Ends a WAIT: writes result (MOTE_WAIT_*) back to the guest's struct. */
void exits_wait_done(struct mote_vm *vm, uint64_t result);

#endif

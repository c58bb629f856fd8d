/*
 * The VM structure, shared by the files that implement the VM lifecycle
 * (vm.c) and exit handling (exits.c). Nothing else includes it.
 */
#ifndef MOTE_VM_INTERNAL_H
#define MOTE_VM_INTERNAL_H

#include <linux/kvm.h>

#include "guest_mem.h"
#include "vm.h"

struct mote_vm {
	int vm_fd, vcpu_fd;
	struct kvm_run *run;
	int run_size;
	uint8_t *mem;
	uint64_t mem_size;
	struct guest_mem gm;
	const struct mote_image *img;
	mote_console_fn console;
	void *console_ctx;
	/* clock correlation taken at load: guest TSC and host clocks */
	uint64_t tsc_hz, tsc_base, mono_base;
};

/*
 * Handles one KVM exit. Returns 1 to resume the guest, 0 when the run ended
 * (res filled).
 */
int exits_handle(struct mote_vm *vm, struct mote_result *res);

/* Fills res as a crash with the guest's rip and a formatted reason. */
void exits_crash(struct mote_vm *vm, struct mote_result *res, const char *fmt,
		 ...) __attribute__((format(printf, 3, 4)));

#endif

/*
 * The VM structure and the internal steps shared by the VM lifecycle
 * (vm.c), exit handling (exits.c), the run loops (run.c) and the fleet.
 */
#ifndef MOTE_VM_INTERNAL_H
#define MOTE_VM_INTERNAL_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "../guest_abi/mote_abi.h"
#include "guest_mem.h"
#include "layout.h"
#include "vm.h"

struct virtio_mmio;

struct mote_vm {
	uint64_t id; /* unique in the process: tells reuse apart in stats */
	int vm_fd, vcpu_fd;
	struct kvm_run *run;
	int run_size;
	uint8_t *mem;
	uint64_t mem_size;
	struct guest_mem gm;
	const struct mote_image *img; /* mapped image; tables built for it */
	bool used;                    /* ran a guest since creation/reset */
	struct mote_stdio io;
	uint64_t out_bytes; /* written to stdout and stderr since the load */
	uint64_t run_deadline; /* host ns the run ends (UINT64_MAX: none) */
	struct guest_layout layout; /* of img in this VM's memory */
	/* the CPU contract (kvm_host) and this start's vectors */
	bool fsgsbase;
	uint64_t hwcap, hwcap2;
	uint64_t start_argv, start_envp, start_auxv;
	/* clock correlation taken at load: guest TSC and host clocks */
	uint64_t tsc_hz, tsc_base, mono_base;
	/* set by a WAIT hypercall: host deadline and where the result goes;
	 * wait_gpa is non-zero only while that WAIT is outstanding */
	uint64_t wait_until, wait_gpa;
	/* devices, window i at MOTE_DEVICE_GPA + i * MOTE_DEVICE_SIZE */
	struct virtio_mmio *dev[MOTE_MAX_DEVICES];
	unsigned ndev;
	/*
	 * A device signalled since the last WAIT (vm_take_event). Whoever
	 * sets it calls the waker, under wake_lock: the fleet's, or by
	 * default a write to wake_fd, which the direct run sleeps on.
	 */
	bool event;
	pthread_mutex_t wake_lock;
	void (*wake)(void *ctx);
	void *wake_ctx;
	int wake_fd; /* eventfd, -1 without devices */
};

enum exit_action {
	EXIT_DONE,   /* the run ended; res is filled */
	EXIT_RESUME, /* re-enter the guest */
	EXIT_WAIT,   /* the guest waits until vm->wait_until or an event */
};

/* Handles the exit in vm->run. */
enum exit_action exits_handle(struct mote_vm *vm, struct mote_result *res);

/* Ends a WAIT: writes result (MOTE_WAIT_*) back to the guest's struct. */
void exits_wait_done(struct mote_vm *vm, uint64_t result);

/*
 * Device events. vm_take_event consumes a pending one; vm_set_waker sets
 * what a new event calls (NULL: vm_default_wake, a write to wake_fd) and
 * returns only when no call to the previous waker is still running.
 */
bool vm_take_event(struct mote_vm *vm);
bool vm_event_pending(struct mote_vm *vm);
void vm_set_waker(struct mote_vm *vm, void (*fn)(void *ctx), void *ctx);

/* True when [gpa, gpa + len) is memory the guest itself may write. */
bool vm_guest_writable(const struct mote_vm *vm, uint64_t gpa, uint64_t len);

/*
 * Makes a VM that ran a guest clean for the next one: guest-writable memory
 * back to zero (and the image to its template), x87/SSE state to reset
 * values, so no byte of the previous guest survives; boot info, argv and
 * general registers are rewritten by the next load.
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

enum step {
	STEP_DONE,   /* the run ended; res is filled (or the monitor failed) */
	STEP_WAIT,   /* the guest waits: vm->wait_until */
	STEP_KICKED, /* KVM_RUN was interrupted by the kick signal */
};

/* Runs the vCPU in the calling thread until done, a wait, or a kick. */
enum step vm_step(struct mote_vm *vm, struct mote_result *res);

#endif

/*
 * The VM structure, for the files that are the VM: its lifecycle (vm.c),
 * exit dispatch (exits.c) and the vCPU driving loop (drive.c). Everyone
 * else reaches a VM through functions (vm.h, vm_fleet.h).
 */
#ifndef MOTE_VM_STRUCT_H
#define MOTE_VM_STRUCT_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "../guest_abi/mote_abi.h"
#include "guest_mem.h"
#include "layout.h"
#include "overlay.h"
#include "vm.h"

struct virtio_mmio;
struct mote_snapshot;

struct mote_vm {
	uint64_t id; /* unique in the process: tells reuse apart in stats */
	int vm_fd, vcpu_fd;
	struct kvm_run *run;
	int run_size;
	uint8_t *mem;
	uint64_t mem_size;
	struct guest_mem gm;
	const struct mote_image *img; /* mapped image (NULL: none) */
	const struct vm_overlay *overlay; /* a snapshot's pages over it */
	bool prepared; /* img and overlay mapped and the tables built */
	bool used;                    /* ran a guest since creation/reset */
	struct mote_stdio io;
	uint64_t out_bytes; /* written to stdout and stderr since the load */
	uint64_t run_deadline; /* host ns the run ends (UINT64_MAX: none) */
	uint64_t run_timeout_ns; /* what the user asked for, for messages */
	struct guest_layout layout; /* of img in this VM's memory */
	/* the CPU contract (kvm_host) and this start's vectors */
	bool fsgsbase;
	uint64_t hwcap, hwcap2;
	uint64_t start_argv, start_envp, start_auxv;
	/* clock correlation taken at load: guest TSC and host clocks */
	uint64_t tsc_hz, tsc_base, mono_base;
	uint64_t mono_offset; /* guest monotonic ns at tsc_base (boot info) */
	struct mote_snapshot *snap_out; /* the run captures a snapshot here */
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

/*
 * Device events. vm_take_event consumes a pending one; vm_event_pending
 * looks without consuming.
 */
bool vm_take_event(struct mote_vm *vm);
bool vm_event_pending(struct mote_vm *vm);

/* Maps img with ov's pages over it (NULL: none) and builds the tables,
 * unless this VM already has exactly that. */
int vm_prepare_overlay(struct mote_vm *vm, const struct mote_image *img,
		       const struct vm_overlay *ov, struct mote_err *err);

/*
 * What every start does: resets a used VM, maps img (and ov), fresh
 * AT_RANDOM bytes, the start block with args, boot info with the guest's
 * monotonic clock at guest_mono_ns. Gives the initial %rsp and the canary
 * the random bytes make; the caller sets registers (and TLS).
 */
int vm_begin_load(struct mote_vm *vm, const struct mote_image *img,
		  const struct vm_overlay *ov, const struct mote_args *args,
		  uint64_t guest_mono_ns, uint64_t *sp, uint64_t *canary,
		  struct mote_err *err);

#endif

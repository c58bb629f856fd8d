/*
 * Snapshots: a guest captured at its snapshot point (MOTE_HC_SNAPSHOT),
 * and clones started from it. Its memory is an overlay on the image: a
 * sealed memfd holding only the pages that differ from the image and
 * from zero, mapped copy-on-write into every clone.
 */
#ifndef MOTE_SNAPSHOT_H
#define MOTE_SNAPSHOT_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

#include "../guest_abi/mote_abi.h"
#include "err.h"
#include "image.h"
#include "overlay.h"
#include "virtio_mmio.h"
#include "vm.h"

struct mote_snapshot {
	bool taken; /* filled at a snapshot point (or from a file) */
	const struct mote_image *img; /* the image under the overlay */
	struct mote_image own_img;    /* img points here when owned */
	bool owns_img;
	uint64_t mem_size;
	struct vm_overlay ov;
	struct kvm_regs regs; /* general registers, past the SNAPSHOT store */
	uint64_t fs_base, gs_base;
	/* x87, SSE and AVX state: struct kvm_xsave's 4 KiB region (the
	 * struct itself ends in a flexible array) */
	uint32_t xsave[1024];
	uint64_t guest_mono_ns; /* the guest's monotonic clock then */
	unsigned ndev;
	struct virtio_mmio_state dev[MOTE_MAX_DEVICES];
};

/*
 * A snapshot to be taken, with its memfd made and sized for mem_size
 * bytes of guest memory: made by the thread that asks for it (the vCPU
 * thread that fills it then needs no system call to make files).
 */
int mote_snapshot_reserve(uint64_t mem_size, struct mote_snapshot **out,
			  struct mote_err *err);

/*
 * Asks vm's next run to capture its guest at the snapshot point into
 * snap (reserved): that run then ends with outcome MOTE_SNAPSHOT_TAKEN and
 * snap->taken set; snap refers to the VM's image (which must outlive it).
 * Without this call SNAPSHOT returns MOTE_SNAPSHOT_NONE at once.
 */
void mote_vm_request_snapshot(struct mote_vm *vm, struct mote_snapshot *snap);

/* Seals a taken snapshot's memfd: nothing can change a clone's source. */
int mote_snapshot_seal(struct mote_snapshot *snap, struct mote_err *err);

/*
 * Starts vm as a clone of snap: maps the image and the snapshot's pages,
 * writes a fresh start block (args), boot info and random bytes, and
 * restores registers, FPU state and devices. vm must have snap's memory
 * size and the same devices. Returns 0 or a negative errno.
 */
int mote_vm_load_snapshot(struct mote_vm *vm, const struct mote_snapshot *snap,
			  const struct mote_args *args, struct mote_err *err);

/* Maps snap's image and pages into vm ahead of a later clone start. */
int snapshot_prepare(struct mote_vm *vm, const struct mote_snapshot *snap,
		     struct mote_err *err);

/* Frees snap (and its image, when it owns one). */
void mote_snapshot_free(struct mote_snapshot *snap);

#endif

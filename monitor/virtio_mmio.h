/*
 * The virtio-mmio transport (register layout version 2): one device window
 * of a VM, its doorbells bound to ioeventfds, its device behind an ops table.
 */
#ifndef MOTE_VIRTIO_MMIO_H
#define MOTE_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"
#include "err.h"
#include "guest_mem.h"

struct virtio_mmio;

/* What the transport needs from its VM. */
struct virtio_mmio_host {
	const struct guest_mem *gm;
	int vm_fd;     /* KVM VM for the ioeventfds; -1: none (tests) */
	uint64_t base; /* guest address of the window */
	/* The device used buffers the guest asked to hear of, or needs a
	 * reset: called from the loop or a vCPU thread, device lock held. */
	void (*event)(void *ctx);
	void *ctx;
};

/*
 * Creates the transport and its device (ops->init with backend), binds
 * each queue's QueueNotify to an ioeventfd (datamatch = queue index) and
 * starts watching it on the device loop. Returns 0 or a negative errno.
 */
int virtio_mmio_create(const struct virtio_mmio_host *host,
		       const struct virtio_dev_ops *ops, void *backend,
		       struct virtio_mmio **out, struct mote_err *err);

/*
 * A guest access to the window: off within MOTE_DEVICE_SIZE, len 1, 2, 4
 * or 8 bytes; data is read or written (little-endian). Returns 0, or
 * -EINVAL with the reason in err for an access the spec forbids (not
 * naturally aligned, or not 32 bits wide outside config space).
 */
int virtio_mmio_access(struct virtio_mmio *t, uint64_t off, void *data,
		       unsigned len, bool is_write, struct mote_err *err);

/* Resets the device as a driver's write of 0 to Status would, and waits
 * until no request is in flight (a VM going back to the pool). */
void virtio_mmio_reset(struct virtio_mmio *t);

/* Resets, stops watching the doorbells and frees it all; only as its VM
 * goes away too (closing the VM drops the doorbells' ioeventfds). */
void virtio_mmio_destroy(struct virtio_mmio *t);

/* A device's transport state at a snapshot point: what the driver set up. */
struct virtio_mmio_state {
	uint32_t device_id;
	uint32_t status;
	uint64_t driver_features;
	struct {
		uint32_t num, ready;
		uint64_t desc, avail, used;
		uint16_t last_avail, used_idx, signalled, pad;
	} q[VIRTIO_DEV_MAX_QUEUES];
};

/*
 * Saves the transport's state for a snapshot. Refused (-EBUSY, one line
 * in err) while a request is in flight or the driver has made chains
 * available that the device has not taken: the snapshot would hold I/O
 * that no clone can complete.
 */
int virtio_mmio_save(struct virtio_mmio *t, struct virtio_mmio_state *s,
		     struct mote_err *err);

/*
 * Gives a fresh or reset transport the state s, as if its driver had set
 * it up: the rings are already in the clone's memory. Returns 0, or a
 * negative errno when s does not fit this device (a hostile snapshot).
 */
int virtio_mmio_restore(struct virtio_mmio *t,
			const struct virtio_mmio_state *s,
			struct mote_err *err);

/* The device as its ops see it (tests drive a device through it). */
struct virtio_dev *virtio_mmio_dev(struct virtio_mmio *t);

/* The device's virtio ID, for the boot-info device table. */
uint32_t virtio_mmio_device_id(const struct virtio_mmio *t);

/* Why the device last set DEVICE_NEEDS_RESET ("" if never): diagnostics. */
const char *virtio_mmio_fault(struct virtio_mmio *t);

#endif

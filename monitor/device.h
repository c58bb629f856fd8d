/*
 * How a virtio device plugs into the transport: one ops table per device
 * type, and the few calls a device makes back. A device knows nothing of KVM.
 */
#ifndef MOTE_DEVICE_H
#define MOTE_DEVICE_H

#include <stdint.h>

#include "err.h"
#include "evloop.h"
#include "virtqueue.h"

struct virtio_dev;

/*
 * A device type. notify, reset and the config callbacks run with the
 * device lock held (the transport's); notify and I/O completions run on
 * the loop thread, config accesses on a vCPU thread.
 */
struct virtio_dev_ops {
	const char *name;     /* for messages, e.g. "virtio-blk" */
	uint32_t device_id;   /* VIRTIO_ID_* */
	uint16_t nqueues;     /* at most VIRTIO_DEV_MAX_QUEUES */
	uint16_t queue_max;   /* QueueNumMax: a power of two */
	uint32_t config_size; /* bytes of config space */
	/* Creates the device's state for one VM from backend (set d->priv
	 * and d->config). */
	int (*init)(struct virtio_dev *d, void *backend, struct mote_err *err);
	/* Frees it: nothing is in flight. */
	void (*destroy)(struct virtio_dev *d);
	/* Device feature bits offered; the transport adds VIRTIO_F_VERSION_1
	 * and VIRTIO_RING_F_EVENT_IDX. */
	uint64_t (*features)(struct virtio_dev *d);
	/* Queue q may have new chains: take them (virtio_dev_pop). */
	void (*notify)(struct virtio_dev *d, unsigned q);
	/* Forget all request state: nothing is in flight. */
	void (*reset)(struct virtio_dev *d);
	/* A driver's write to config space, [off, off + len) within
	 * config_size (NULL: nothing in it is writable). */
	void (*config_write)(struct virtio_dev *d, uint32_t off,
			     const void *buf, uint32_t len);
};

#define VIRTIO_DEV_MAX_QUEUES 8u

/* What the device sees of itself. */
struct virtio_dev {
	const struct virtio_dev_ops *ops;
	void *priv;	     /* the device's state */
	struct evloop *loop; /* where it submits I/O */
	uint64_t features;   /* negotiated, valid from DRIVER_OK */
	/* config_size bytes of config space, which the transport reads on
	 * the driver's behalf; set by init */
	const void *config;
};

/* Serialise with the transport; a device takes the lock in its own I/O
 * completions (everything else is called with it held). */
void virtio_dev_lock(struct virtio_dev *d);
void virtio_dev_unlock(struct virtio_dev *d);

/*
 * Takes the next chain of queue q. Returns 1, or 0 when there is none or
 * the device may not take work now: not running, being reset, or the loop
 * is full (notify is then called again when it has room). A broken ring
 * sets DEVICE_NEEDS_RESET and returns 0.
 */
int virtio_dev_pop(struct virtio_dev *d, unsigned q, struct vq_chain *c);

/*
 * Ends the device's turn on queue q with chains still to take: notify is
 * called again after the loop has submitted what the device prepared and
 * completed what finished. Lets a device hand the guest its first large
 * completions while it still has more to take.
 */
void virtio_dev_defer(struct virtio_dev *d, unsigned q);

/* Returns a chain with len bytes written and signals the guest if it asked
 * for it. During a reset, only forgets the chain. */
void virtio_dev_used(struct virtio_dev *d, unsigned q, uint16_t head,
		     uint32_t len);

/* Gives up a chain without a used entry: for a chain the device cannot
 * answer, just before virtio_dev_fail. */
void virtio_dev_discard(struct virtio_dev *d, unsigned q, uint16_t head);

/* The driver broke the device's protocol in a way no request can report:
 * sets DEVICE_NEEDS_RESET and stops taking chains. why: for diagnostics. */
void virtio_dev_fail(struct virtio_dev *d, const char *why);

#endif

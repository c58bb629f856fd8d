/*
 * Split virtqueues, device side: takes descriptor chains from the available
 * ring as validated buffer lists and returns them through the used ring.
 */
#ifndef MOTE_VIRTQUEUE_H
#define MOTE_VIRTQUEUE_H

#include <linux/virtio_ring.h>
#include <stdbool.h>
#include <stdint.h>

#include "guest_mem.h"

#define VQ_MAX_SIZE 32768u /* virtio 1.x split rings */
/* Buffers a chain may have before it counts as too long: a device's
 * segment limit plus header and status. */
#define VQ_CHAIN_MAX 34u

/* One descriptor: host == NULL when the device may not access the range
 * (outside the guest's memory, or device-writable but read-only to the
 * guest, or empty). */
struct vq_buf {
	void *host;
	uint64_t gpa;
	uint32_t len;
	bool write; /* VRING_DESC_F_WRITE: the device writes it */
};

struct vq_chain {
	uint16_t head;
	uint16_t n;    /* buffers in buf[] */
	bool bad;      /* some buffer has host == NULL */
	bool too_long; /* over VQ_CHAIN_MAX buffers; buf[n - 1] is the last */
	struct vq_buf buf[VQ_CHAIN_MAX];
};

/* Why a queue stopped: the driver broke the ring itself. */
enum vq_fault {
	VQ_OK,
	VQ_AVAIL_JUMP,	   /* avail idx more than a ring ahead */
	VQ_HEAD_RANGE,	   /* head index >= queue size */
	VQ_NEXT_RANGE,	   /* next index >= queue size */
	VQ_LOOP,	   /* a chain longer than the queue: a loop */
	VQ_HEAD_IN_FLIGHT, /* a head offered again before it was used */
	VQ_INDIRECT,	   /* VRING_DESC_F_INDIRECT, never offered */
};

struct virtq {
	const struct guest_mem *gm;
	uint16_t size; /* a power of two */
	bool event_idx;
	/* Host addresses of the three areas, checked once by vq_setup. */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t last_avail; /* next available entry to take */
	uint16_t used_idx;   /* our used idx, published after each entry */
	uint16_t signalled;  /* used_idx at the last vq_need_notify */
	uint16_t inflight;   /* heads taken and not yet returned */
	uint8_t *busy;	     /* [size]: 1 while that head is in flight */
	enum vq_fault fault;
};

/*
 * Sets q up over the areas the driver gave: size a power of two up to
 * VQ_MAX_SIZE; descriptors 16-aligned, available ring 2-aligned, used ring
 * 4-aligned (virtio 1.2, 2.7), all readable by the guest, the used ring
 * also writable. Returns 0, or -EINVAL with a reason in *why, or -ENOMEM.
 */
int vq_setup(struct virtq *q, const struct guest_mem *gm, uint32_t size,
	     uint64_t desc, uint64_t avail, uint64_t used, bool event_idx,
	     const char **why);

/* Frees what vq_setup allocated; q is then unset. */
void vq_teardown(struct virtq *q);

/*
 * Takes the next available chain into c. Returns 1, 0 when there is none
 * (with EVENT_IDX, after asking the driver to notify for the next one), or
 * -EIO when the ring is broken: q->fault says why, and the queue stays
 * stopped until vq_teardown.
 */
int vq_pop(struct virtq *q, struct vq_chain *c);

/* Returns an in-flight chain with len bytes written into it. */
void vq_push(struct virtq *q, uint16_t head, uint32_t len);

/* Forgets an in-flight chain without touching the used ring (reset). */
void vq_drop(struct virtq *q, uint16_t head);

/*
 * Whether the chains used since the last call must be signalled to the
 * driver: it asked with used_event (EVENT_IDX), or did not set
 * VRING_AVAIL_F_NO_INTERRUPT.
 */
bool vq_need_notify(struct virtq *q);

/* One line describing a fault. */
const char *vq_fault_str(enum vq_fault f);

#endif

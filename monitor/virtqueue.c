/*
 * The split-ring walker: every index and descriptor the driver wrote is read
 * once from guest memory, copied, and checked before the device sees it.
 */
#include "virtqueue.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/*
 * What a malformed ring or chain costs the guest. The host file and the
 * monitor are never at risk: every buffer a device touches was checked by
 * guest_mem_dma. The choice depends on whether the device can still report
 * an error on the chain itself.
 *
 *  driver error                                  | result
 *  ----------------------------------------------+----------------------------
 *  ring outside guest memory, misaligned, size   | QueueReady refused (reads
 *    not a power of two (vq_setup)               |  0), DEVICE_NEEDS_RESET
 *  avail idx more than the queue size past ours  | DEVICE_NEEDS_RESET, queues
 *  head index >= queue size                      |  stopped: the ring itself is
 *  next index >= queue size                      |  corrupt, no later entry can
 *  chain longer than the queue size (a loop)     |  be trusted, and there may
 *  head offered again while it is in flight      |  be no chain to report on
 *  VRING_DESC_F_INDIRECT (never offered)         |
 *  buffer outside guest memory, empty, or        | the device's error status on
 *    device-writable where the guest cannot      |  that request (virtio-blk:
 *    write                                       |  VIRTIO_BLK_S_IOERR), if the
 *  more than VQ_CHAIN_MAX buffers                |  chain has a usable status
 *  wrong direction, short header, oversize       |  buffer; otherwise
 *    request, range past the disk (blk/)         |  DEVICE_NEEDS_RESET
 *  request type not offered (blk/)               | VIRTIO_BLK_S_UNSUPP
 *  no device-writable status byte (blk/)         | DEVICE_NEEDS_RESET
 *  virtio-net TX chain with any buffer bad,      | completed unsent (used len
 *    device-writable, over VQ_CHAIN_MAX, or      |  0) and counted: every TX
 *    shorter/longer than header + frame (net/)   |  chain is always returned
 *  virtio-net RX chain with any buffer bad,      | returned empty (used len 0),
 *    device-readable or under 12 + 14 bytes      |  counted; the frame goes to
 *    (net/)                                      |  the next buffer
 *  register access not 32 bits wide, or not      | the VM stops as crashed,
 *    naturally aligned (virtio_mmio.c)           |  like a bad hypercall
 *
 * Only the last stops the VM, as it is not a ring but an instruction the
 * spec forbids; otherwise the guest can reset its device and go on, and a
 * guest that ignores NEEDS_RESET only loses its own device.
 */

#define USED_EVENT(q)  (&(q)->avail->ring[(q)->size])
#define AVAIL_EVENT(q) ((uint16_t *)&(q)->used->ring[(q)->size])

const char *vq_fault_str(enum vq_fault f)
{
	switch (f) {
	case VQ_OK:
		return "no fault";
	case VQ_AVAIL_JUMP:
		return "available index more than a ring ahead";
	case VQ_HEAD_RANGE:
		return "chain head index past the ring";
	case VQ_NEXT_RANGE:
		return "descriptor next index past the ring";
	case VQ_LOOP:
		return "descriptor chain loops";
	case VQ_HEAD_IN_FLIGHT:
		return "chain offered again while in flight";
	case VQ_INDIRECT:
		return "indirect descriptor (not negotiated)";
	}
	return "unknown fault";
}

int vq_setup(struct virtq *q, const struct guest_mem *gm, uint32_t size,
	     uint64_t desc, uint64_t avail, uint64_t used, bool event_idx,
	     const char **why)
{
	memset(q, 0, sizeof(*q));
	if (size == 0 || size > VQ_MAX_SIZE || (size & (size - 1))) {
		*why = "queue size is not a power of two up to 32768";
		return -EINVAL;
	}
	/* Sizes per virtio 1.2, 2.7: the event fields are always there. */
	q->desc = guest_mem_dma(gm, desc, 16ull * size, 16, false);
	q->avail = guest_mem_dma(gm, avail, 6 + 2ull * size, 2, false);
	q->used = guest_mem_dma(gm, used, 6 + 8ull * size, 4, true);
	if (!q->desc || !q->avail || !q->used) {
		*why = !q->desc	   ? "descriptor table outside guest memory or "
				     "not 16-byte aligned"
		       : !q->avail ? "available ring outside guest memory or "
				     "not 2-byte aligned"
				   : "used ring outside guest-writable memory "
				     "or not 4-byte aligned";
		memset(q, 0, sizeof(*q));
		return -EINVAL;
	}
	q->busy = calloc(size, 1);
	if (!q->busy) {
		*why = "out of memory";
		memset(q, 0, sizeof(*q));
		return -ENOMEM;
	}
	q->gm = gm;
	q->size = (uint16_t)size;
	q->event_idx = event_idx;
	return 0;
}

void vq_teardown(struct virtq *q)
{
	free(q->busy);
	memset(q, 0, sizeof(*q));
}

static int broken(struct virtq *q, enum vq_fault f)
{
	q->fault = f;
	return -EIO;
}

/* Checks one descriptor copy's buffer and appends it to the chain. */
static void add_buf(struct virtq *q, struct vq_chain *c,
		    const struct vring_desc *d)
{
	struct vq_buf b = {
		.gpa = d->addr,
		.len = d->len,
		.write = (d->flags & VRING_DESC_F_WRITE) != 0,
	};

	b.host = guest_mem_dma(q->gm, b.gpa, b.len, 1, b.write);
	if (!b.host)
		c->bad = true;
	/* A chain past the limit keeps its last buffer last: the device
	 * still finds the status buffer there to report the error. */
	if (c->n < VQ_CHAIN_MAX) {
		c->buf[c->n++] = b;
	} else {
		c->buf[VQ_CHAIN_MAX - 1] = b;
		c->too_long = true;
	}
}

int vq_pop(struct virtq *q, struct vq_chain *c)
{
	uint16_t avail_idx, head, idx;
	unsigned count = 0;

	if (q->fault)
		return -EIO;
	avail_idx = __atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE);
	if (avail_idx == q->last_avail) {
		if (!q->event_idx)
			return 0;
		/* Ask to be notified of the next chain, then look again: the
		 * driver may have added one before it saw our request. The
		 * fence orders our store before the load (2.7.10). */
		__atomic_store_n(AVAIL_EVENT(q), q->last_avail,
				 __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		avail_idx = __atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE);
		if (avail_idx == q->last_avail)
			return 0;
	}
	if ((uint16_t)(avail_idx - q->last_avail) > q->size)
		return broken(q, VQ_AVAIL_JUMP);
	head = __atomic_load_n(&q->avail->ring[q->last_avail & (q->size - 1)],
			       __ATOMIC_RELAXED);
	if (head >= q->size)
		return broken(q, VQ_HEAD_RANGE);
	if (q->busy[head])
		return broken(q, VQ_HEAD_IN_FLIGHT);
	c->head = head;
	c->n = 0;
	c->bad = c->too_long = false;
	for (idx = head;;) {
		struct vring_desc d;

		/* Each descriptor can appear once in a chain, so a chain
		 * longer than the ring must revisit one. */
		if (++count > q->size)
			return broken(q, VQ_LOOP);
		memcpy(&d, &q->desc[idx], sizeof(d)); /* the copy we check */
		if (d.flags & VRING_DESC_F_INDIRECT)
			return broken(q, VQ_INDIRECT);
		add_buf(q, c, &d);
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		if (d.next >= q->size)
			return broken(q, VQ_NEXT_RANGE);
		idx = d.next;
	}
	q->last_avail++;
	q->busy[head] = 1;
	q->inflight++;
	return 1;
}

static void release(struct virtq *q, uint16_t head)
{
	if (head < q->size && q->busy[head]) {
		q->busy[head] = 0;
		q->inflight--;
	}
}

void vq_push(struct virtq *q, uint16_t head, uint32_t len)
{
	struct vring_used_elem *e = &q->used->ring[q->used_idx & (q->size - 1)];

	__atomic_store_n(&e->id, head, __ATOMIC_RELAXED);
	__atomic_store_n(&e->len, len, __ATOMIC_RELAXED);
	q->used_idx++;
	/* The entry is visible before the index that publishes it. */
	__atomic_store_n(&q->used->idx, q->used_idx, __ATOMIC_RELEASE);
	release(q, head);
}

void vq_drop(struct virtq *q, uint16_t head)
{
	release(q, head);
}

bool vq_need_notify(struct virtq *q)
{
	uint16_t old = q->signalled, now = q->used_idx;

	q->signalled = now;
	if (old == now)
		return false;
	/* Our used idx store must be visible before we read the driver's
	 * request, or both sides could miss the other's update. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (q->event_idx)
		return vring_need_event(
			__atomic_load_n(USED_EVENT(q), __ATOMIC_RELAXED), now,
			old);
	return !(__atomic_load_n(&q->avail->flags, __ATOMIC_RELAXED) &
		 VRING_AVAIL_F_NO_INTERRUPT);
}

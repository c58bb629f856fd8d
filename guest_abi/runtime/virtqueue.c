/*
 * Split virtqueues, driver side: adding chains, notifying the device only
 * when it asked (EVENT_IDX), taking used chains, and waiting for them.
 */
#include <errno.h>

#include "mote.h"
#include "mote_virtio.h"

/* Longest single MOTE_HC_WAIT while waiting for a queue: the device may set
 * NEEDS_RESET without ending the wait, and only a read of Status (an exit)
 * tells, so look at least this often. */
#define WAIT_SLICE_NS 100000000ULL /* 100 ms */

/*
 * Memory ordering. The device runs on another host CPU and reads and
 * writes the rings while we do (2.7.13). Chains are published by a release
 * store of avail->idx and used chains are taken after an acquire load of
 * used->idx. Deciding whether to notify (or to sleep) is a store then a
 * load of the other side's index, which needs a full fence: without it the
 * load could pass the store and both sides could each miss the other's
 * update.
 */

static uint16_t *used_event(struct mote_vq *vq)
{
	return &vq->avail->ring[vq->size];
}

static uint16_t *avail_event(struct mote_vq *vq)
{
	return (uint16_t *)(void *)&vq->used->ring[vq->size];
}

int mote_vq_add(struct mote_vq *vq, const struct mote_vq_seg *seg, unsigned n,
		void *token)
{
	uint16_t head = vq->free_head, i = head;
	bool seen_write = false;

	if (vq->broken)
		return -EIO;
	if (n == 0 || token == NULL)
		return -EINVAL;
	/* 2.7.4.2: device-writable buffers follow device-readable ones. */
	for (unsigned k = 0; k < n; k++) {
		if (seg[k].write)
			seen_write = true;
		else if (seen_write)
			return -EINVAL;
	}
	if (n > vq->num_free)
		return -ENOSPC;
	/* Take n descriptors off the free list. Their links stay in next[],
	 * our private copy, to give the chain back when it is used. */
	for (unsigned k = 0; k < n; k++) {
		struct mote_vring_desc *d = &vq->desc[i];
		bool more = k + 1 < n;

		d->addr = (uint64_t)(uintptr_t)seg[k].addr;
		d->len = seg[k].len;
		d->flags = (uint16_t)((seg[k].write ? MOTE_VRING_DESC_F_WRITE
						    : 0) |
				      (more ? MOTE_VRING_DESC_F_NEXT : 0));
		d->next = more ? vq->next[i] : 0;
		i = vq->next[i];
	}
	vq->free_head = i;
	vq->num_free = (uint16_t)(vq->num_free - n);
	vq->chain_len[head] = (uint16_t)n;
	vq->token[head] = token;
	vq->avail->ring[vq->avail_idx & (vq->size - 1)] = head;
	vq->avail_idx++;
	/* The descriptors and ring entry above become visible first. */
	__atomic_store_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_RELEASE);
	return 0;
}

bool mote_vq_kick(struct mote_vq *vq)
{
	uint16_t old = vq->kicked_idx, now = vq->avail_idx;
	bool need;

	if (old == now)
		return false;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vq->event_idx)
		need = mote_vring_need_event(
			__atomic_load_n(avail_event(vq), __ATOMIC_RELAXED), now,
			old);
	else
		need = !(__atomic_load_n(&vq->used->flags, __ATOMIC_RELAXED) &
			 MOTE_VRING_USED_F_NO_NOTIFY);
	vq->kicked_idx = now;
	if (need) {
		/* 4.2.2: the value written is the queue index. */
		mote_virtio_write32(vq->dev, MOTE_VIRTIO_MMIO_QUEUE_NOTIFY,
				    vq->index);
		vq->notifies++;
	}
	return need;
}

bool mote_vq_pending(const struct mote_vq *vq)
{
	return __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE) !=
	       vq->last_used;
}

int mote_vq_get(struct mote_vq *vq, void **token, uint32_t *len)
{
	uint16_t used_idx, head, last;
	uint32_t id;

	if (vq->broken)
		return -EIO;
	used_idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
	if (used_idx == vq->last_used)
		return 0;
	/* The device is trusted less than our own bookkeeping: an index
	 * more than a ring ahead, or a head we never handed out, means the
	 * queue is corrupt, and taking it would free descriptors twice. */
	id = __atomic_load_n(&vq->used->ring[vq->last_used & (vq->size - 1)].id,
			     __ATOMIC_RELAXED);
	if ((uint16_t)(used_idx - vq->last_used) > vq->size || id >= vq->size ||
	    vq->token[id] == NULL) {
		vq->broken = true;
		return -EIO;
	}
	head = (uint16_t)id;
	*token = vq->token[head];
	*len = __atomic_load_n(
		&vq->used->ring[vq->last_used & (vq->size - 1)].len,
		__ATOMIC_RELAXED);
	last = head;
	for (unsigned k = 1; k < vq->chain_len[head]; k++)
		last = vq->next[last];
	vq->next[last] = vq->free_head;
	vq->free_head = head;
	vq->num_free = (uint16_t)(vq->num_free + vq->chain_len[head]);
	vq->chain_len[head] = 0;
	vq->token[head] = NULL;
	vq->last_used++;
	return 1;
}

bool mote_vq_arm(struct mote_vq *vq)
{
	/* Without EVENT_IDX the device signals every used chain, since
	 * VRING_AVAIL_F_NO_INTERRUPT is never set. */
	if (vq->event_idx)
		__atomic_store_n(used_event(vq), vq->last_used,
				 __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return mote_vq_pending(vq);
}

int mote_vq_wait(struct mote_vq *vq, uint64_t deadline_ns, uint64_t spin_ns)
{
	uint64_t now, until;

	if (vq->broken)
		return -EIO;
	mote_vq_kick(vq);
	if (mote_vq_pending(vq))
		return 1;
	/* A completion often arrives within microseconds, while a wait
	 * costs an exit and a wake-up (tens of microseconds): poll first. */
	now = mote_monotonic_ns();
	until = now < deadline_ns && deadline_ns - now > spin_ns ? now + spin_ns
								 : deadline_ns;
	while (now < until) {
		if (mote_vq_pending(vq))
			return 1;
		__builtin_ia32_pause();
		now = mote_monotonic_ns();
	}
	for (;;) {
		if (mote_vq_arm(vq))
			return 1;
		now = mote_monotonic_ns();
		if (now >= deadline_ns)
			return 0;
		until = deadline_ns - now > WAIT_SLICE_NS ? now + WAIT_SLICE_NS
							  : deadline_ns;
		vq->waits++;
		mote_wait_until(until);
		if (mote_vq_pending(vq))
			return 1;
		/* Woken with nothing to take (another device's event, an
		 * event already consumed by polling, or the slice ran out):
		 * make sure the device is still alive before sleeping on. */
		if (mote_virtio_status(vq->dev) &
		    (MOTE_VIRTIO_STATUS_NEEDS_RESET |
		     MOTE_VIRTIO_STATUS_FAILED))
			return -EIO;
	}
}

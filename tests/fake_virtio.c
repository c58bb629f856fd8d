/*
 * The fake virtio device's transport and queue memory, shared by the host
 * tests of the guest runtime's virtio-blk and virtio-net drivers.
 */
#include "fake_virtio.h"

#include <stdlib.h>
#include <string.h>

void fake_virtio_init(struct mote_virtio *d, uint32_t device_id,
		      uint64_t offered, uint64_t wanted)
{
	memset(d, 0, sizeof(*d));
	d->base = 0x100001000;
	d->device_id = device_id;
	d->features =
		offered & (wanted | MOTE_VIRTIO_BIT(MOTE_VIRTIO_F_VERSION_1) |
			   MOTE_VIRTIO_BIT(MOTE_VIRTIO_F_EVENT_IDX));
}

unsigned fake_vq_size(unsigned max_size, unsigned queue_max)
{
	unsigned size = 1;

	if (max_size > queue_max)
		max_size = queue_max;
	while (size * 2 <= max_size)
		size *= 2;
	return size;
}

void fake_vq_rings(struct mote_virtio *d, struct mote_vq *vq, unsigned index,
		   unsigned size, char *mem, size_t used_off)
{
	memset(vq, 0, sizeof(*vq));
	vq->desc = (void *)mem;
	vq->avail = (void *)(mem + 16 * size);
	vq->used = (void *)(mem + used_off);
	vq->dev = d;
	vq->size = (uint16_t)size;
	vq->index = (uint16_t)index;
	vq->num_free = (uint16_t)size;
	vq->next = malloc(2 * size);
	vq->chain_len = calloc(size, 2);
	vq->token = calloc(size, sizeof(void *));
	for (unsigned i = 0; i < size; i++)
		vq->next[i] = (uint16_t)(i + 1);
	vq->event_idx = d->features & MOTE_VIRTIO_BIT(MOTE_VIRTIO_F_EVENT_IDX);
}

void fake_vq_free(struct mote_vq *vq)
{
	free(vq->desc);
	free(vq->next);
	free(vq->chain_len);
	free(vq->token);
	memset(vq, 0, sizeof(*vq));
}

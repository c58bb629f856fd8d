/*
 * The fake virtio device under the guest runtime's drivers in host tests
 * (test_guest_blk.c, test_guest_net.c): what their stubs do alike.
 */
#ifndef MOTE_TESTS_FAKE_VIRTIO_H
#define MOTE_TESTS_FAKE_VIRTIO_H

#include <stddef.h>
#include <stdint.h>

#include "mote_virtio.h"

/* Transport set up at a fixed base; features are those offered that the
 * driver wants, plus VERSION_1 and EVENT_IDX when offered. */
void fake_virtio_init(struct mote_virtio *d, uint32_t device_id,
		      uint64_t offered, uint64_t wanted);

/* The largest power of two up to max_size and queue_max: the queue size a
 * device with queue_max entries at most gives the driver. */
unsigned fake_vq_size(unsigned max_size, unsigned queue_max);

/* A zeroed queue of size entries over mem, laid out as the real one:
 * descriptors, then the avail ring, then the used ring at used_off. */
void fake_vq_rings(struct mote_virtio *d, struct mote_vq *vq, unsigned index,
		   unsigned size, char *mem, size_t used_off);

/* Frees what fake_vq_rings and its caller's aligned_alloc took. */
void fake_vq_free(struct mote_vq *vq);

#endif

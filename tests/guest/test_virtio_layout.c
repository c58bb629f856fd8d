/*
 * The guest runtime restates the virtio definitions it needs (guests cannot
 * include <linux/...>); this checks each against the kernel's UAPI headers.
 */
#include <criterion/criterion.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <stddef.h>

#include "mote_blk.h"
#include "mote_virtio.h"

#define SAME(a, b)	    _Static_assert((a) == (b), #a " != " #b)
#define SAME_OFF(ms, ks, f) SAME(offsetof(struct ms, f), offsetof(struct ks, f))

SAME(MOTE_VIRTIO_ID_NET, VIRTIO_ID_NET);
SAME(MOTE_VIRTIO_ID_BLOCK, VIRTIO_ID_BLOCK);

SAME(MOTE_VIRTIO_MMIO_MAGIC_VALUE, VIRTIO_MMIO_MAGIC_VALUE);
SAME(MOTE_VIRTIO_MMIO_VERSION, VIRTIO_MMIO_VERSION);
SAME(MOTE_VIRTIO_MMIO_DEVICE_ID, VIRTIO_MMIO_DEVICE_ID);
SAME(MOTE_VIRTIO_MMIO_VENDOR_ID, VIRTIO_MMIO_VENDOR_ID);
SAME(MOTE_VIRTIO_MMIO_DEVICE_FEATURES, VIRTIO_MMIO_DEVICE_FEATURES);
SAME(MOTE_VIRTIO_MMIO_DEVICE_FEATURES_SEL, VIRTIO_MMIO_DEVICE_FEATURES_SEL);
SAME(MOTE_VIRTIO_MMIO_DRIVER_FEATURES, VIRTIO_MMIO_DRIVER_FEATURES);
SAME(MOTE_VIRTIO_MMIO_DRIVER_FEATURES_SEL, VIRTIO_MMIO_DRIVER_FEATURES_SEL);
SAME(MOTE_VIRTIO_MMIO_QUEUE_SEL, VIRTIO_MMIO_QUEUE_SEL);
SAME(MOTE_VIRTIO_MMIO_QUEUE_NUM_MAX, VIRTIO_MMIO_QUEUE_NUM_MAX);
SAME(MOTE_VIRTIO_MMIO_QUEUE_NUM, VIRTIO_MMIO_QUEUE_NUM);
SAME(MOTE_VIRTIO_MMIO_QUEUE_READY, VIRTIO_MMIO_QUEUE_READY);
SAME(MOTE_VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_MMIO_QUEUE_NOTIFY);
SAME(MOTE_VIRTIO_MMIO_INTERRUPT_STATUS, VIRTIO_MMIO_INTERRUPT_STATUS);
SAME(MOTE_VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INTERRUPT_ACK);
SAME(MOTE_VIRTIO_MMIO_STATUS, VIRTIO_MMIO_STATUS);
SAME(MOTE_VIRTIO_MMIO_QUEUE_DESC_LOW, VIRTIO_MMIO_QUEUE_DESC_LOW);
SAME(MOTE_VIRTIO_MMIO_QUEUE_DESC_HIGH, VIRTIO_MMIO_QUEUE_DESC_HIGH);
SAME(MOTE_VIRTIO_MMIO_QUEUE_AVAIL_LOW, VIRTIO_MMIO_QUEUE_AVAIL_LOW);
SAME(MOTE_VIRTIO_MMIO_QUEUE_AVAIL_HIGH, VIRTIO_MMIO_QUEUE_AVAIL_HIGH);
SAME(MOTE_VIRTIO_MMIO_QUEUE_USED_LOW, VIRTIO_MMIO_QUEUE_USED_LOW);
SAME(MOTE_VIRTIO_MMIO_QUEUE_USED_HIGH, VIRTIO_MMIO_QUEUE_USED_HIGH);
SAME(MOTE_VIRTIO_MMIO_CONFIG_GENERATION, VIRTIO_MMIO_CONFIG_GENERATION);
SAME(MOTE_VIRTIO_MMIO_CONFIG, VIRTIO_MMIO_CONFIG);

SAME(MOTE_VIRTIO_STATUS_ACKNOWLEDGE, VIRTIO_CONFIG_S_ACKNOWLEDGE);
SAME(MOTE_VIRTIO_STATUS_DRIVER, VIRTIO_CONFIG_S_DRIVER);
SAME(MOTE_VIRTIO_STATUS_DRIVER_OK, VIRTIO_CONFIG_S_DRIVER_OK);
SAME(MOTE_VIRTIO_STATUS_FEATURES_OK, VIRTIO_CONFIG_S_FEATURES_OK);
SAME(MOTE_VIRTIO_STATUS_NEEDS_RESET, VIRTIO_CONFIG_S_NEEDS_RESET);
SAME(MOTE_VIRTIO_STATUS_FAILED, VIRTIO_CONFIG_S_FAILED);
SAME(MOTE_VIRTIO_F_VERSION_1, VIRTIO_F_VERSION_1);
SAME(MOTE_VIRTIO_F_INDIRECT_DESC, VIRTIO_RING_F_INDIRECT_DESC);
SAME(MOTE_VIRTIO_F_EVENT_IDX, VIRTIO_RING_F_EVENT_IDX);

SAME(MOTE_VRING_DESC_F_NEXT, VRING_DESC_F_NEXT);
SAME(MOTE_VRING_DESC_F_WRITE, VRING_DESC_F_WRITE);
SAME(MOTE_VRING_DESC_F_INDIRECT, VRING_DESC_F_INDIRECT);
SAME(MOTE_VRING_AVAIL_F_NO_INTERRUPT, VRING_AVAIL_F_NO_INTERRUPT);
SAME(MOTE_VRING_USED_F_NO_NOTIFY, VRING_USED_F_NO_NOTIFY);
SAME(MOTE_VRING_DESC_ALIGN, VRING_DESC_ALIGN_SIZE);
SAME(MOTE_VRING_AVAIL_ALIGN, VRING_AVAIL_ALIGN_SIZE);
SAME(MOTE_VRING_USED_ALIGN, VRING_USED_ALIGN_SIZE);

SAME(sizeof(struct mote_vring_desc), sizeof(struct vring_desc));
SAME_OFF(mote_vring_desc, vring_desc, addr);
SAME_OFF(mote_vring_desc, vring_desc, len);
SAME_OFF(mote_vring_desc, vring_desc, flags);
SAME_OFF(mote_vring_desc, vring_desc, next);
SAME(sizeof(struct mote_vring_avail), sizeof(struct vring_avail));
SAME_OFF(mote_vring_avail, vring_avail, flags);
SAME_OFF(mote_vring_avail, vring_avail, idx);
SAME_OFF(mote_vring_avail, vring_avail, ring);
SAME(sizeof(struct mote_vring_used_elem), sizeof(struct vring_used_elem));
SAME_OFF(mote_vring_used_elem, vring_used_elem, id);
SAME_OFF(mote_vring_used_elem, vring_used_elem, len);
SAME(sizeof(struct mote_vring_used), sizeof(struct vring_used));
SAME_OFF(mote_vring_used, vring_used, flags);
SAME_OFF(mote_vring_used, vring_used, idx);
SAME_OFF(mote_vring_used, vring_used, ring);

SAME(MOTE_VIRTIO_BLK_F_SIZE_MAX, VIRTIO_BLK_F_SIZE_MAX);
SAME(MOTE_VIRTIO_BLK_F_SEG_MAX, VIRTIO_BLK_F_SEG_MAX);
SAME(MOTE_VIRTIO_BLK_F_RO, VIRTIO_BLK_F_RO);
SAME(MOTE_VIRTIO_BLK_F_BLK_SIZE, VIRTIO_BLK_F_BLK_SIZE);
SAME(MOTE_VIRTIO_BLK_F_FLUSH, VIRTIO_BLK_F_FLUSH);
SAME(MOTE_VIRTIO_BLK_T_IN, VIRTIO_BLK_T_IN);
SAME(MOTE_VIRTIO_BLK_T_OUT, VIRTIO_BLK_T_OUT);
SAME(MOTE_VIRTIO_BLK_T_FLUSH, VIRTIO_BLK_T_FLUSH);
SAME(MOTE_VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_T_GET_ID);
SAME(MOTE_VIRTIO_BLK_S_OK, VIRTIO_BLK_S_OK);
SAME(MOTE_VIRTIO_BLK_S_IOERR, VIRTIO_BLK_S_IOERR);
SAME(MOTE_VIRTIO_BLK_S_UNSUPP, VIRTIO_BLK_S_UNSUPP);
SAME(MOTE_VIRTIO_BLK_ID_BYTES, VIRTIO_BLK_ID_BYTES);
SAME(sizeof(struct mote_virtio_blk_outhdr), sizeof(struct virtio_blk_outhdr));
SAME_OFF(mote_virtio_blk_outhdr, virtio_blk_outhdr, type);
SAME_OFF(mote_virtio_blk_outhdr, virtio_blk_outhdr, sector);
SAME_OFF(mote_virtio_blk_config, virtio_blk_config, capacity);
SAME_OFF(mote_virtio_blk_config, virtio_blk_config, size_max);
SAME_OFF(mote_virtio_blk_config, virtio_blk_config, seg_max);
SAME_OFF(mote_virtio_blk_config, virtio_blk_config, blk_size);
SAME(offsetof(struct mote_virtio_blk_config, cylinders),
     offsetof(struct virtio_blk_config, geometry.cylinders));
SAME(offsetof(struct mote_virtio_blk_config, heads),
     offsetof(struct virtio_blk_config, geometry.heads));
SAME(offsetof(struct mote_virtio_blk_config, physical_block_exp),
     offsetof(struct virtio_blk_config, physical_block_exp));
SAME(offsetof(struct mote_virtio_blk_config, opt_io_size),
     offsetof(struct virtio_blk_config, opt_io_size));
SAME(offsetof(struct mote_virtio_blk_config, writeback),
     offsetof(struct virtio_blk_config, wce));

/* The constants above are checked when this file compiles; this test is
 * the run-time half: our need-event rule against the kernel's. */
Test(virtio_layout, need_event_matches_the_kernels_for_all_wraps)
{
	static const uint16_t v[] = {0,	     1,	     2,	     100,
				     0x7fff, 0x8000, 0xfffe, 0xffff};

	for (size_t a = 0; a < 8; a++)
		for (size_t b = 0; b < 8; b++)
			for (size_t c = 0; c < 8; c++)
				cr_assert_eq(
					mote_vring_need_event(v[a], v[b], v[c]),
					vring_need_event(v[a], v[b], v[c]) != 0,
					"event %u new %u old %u", v[a], v[b],
					v[c]);
}

/*
 * Lists the virtio-blk disks: size, read-only flag, flush support, queue
 * depth and the device's ID string, one line per disk.
 */
#include "blk_common.h"

int main(void)
{
	unsigned n = mote_blk_count();

	printf("disks=%u\n", n);
	for (unsigned i = 0; i < n; i++) {
		char id[MOTE_VIRTIO_BLK_ID_BYTES + 1];
		struct mote_blk *b = blk_open_or_say("blk-info", i);
		int r;

		if (!b)
			return 1;
		r = mote_blk_get_id(b, id);
		if (r < 0) {
			fprintf(stderr, "blk-info: disk %u: get-id: %s\n", i,
				strerror(-r));
			return 1;
		}
		printf("disk%u sectors=%llu ro=%d flush=%d blk_size=%u "
		       "depth=%u max_transfer=%zu id=%s\n",
		       i, (unsigned long long)mote_blk_sectors(b),
		       mote_blk_read_only(b), mote_blk_has_flush(b),
		       mote_blk_block_size(b), mote_blk_depth(b),
		       mote_blk_max_transfer(b), id);
		mote_blk_close(b);
	}
	return 0;
}

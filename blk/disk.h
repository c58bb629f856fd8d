/*
 * The open image behind virtio-blk devices: its file, its size and its ID,
 * fixed when it is opened and read by every device that uses it.
 */
#ifndef MOTE_BLK_DISK_H
#define MOTE_BLK_DISK_H

#include <linux/virtio_blk.h>
#include <stdbool.h>
#include <stdint.h>

struct blk_disk {
	int fd;
	bool ro, direct;
	uint64_t sectors;
	char id[VIRTIO_BLK_ID_BYTES]; /* NUL-padded, not NUL-terminated */
};

#endif

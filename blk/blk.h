/*
 * virtio-blk on a raw image file or block device: opening and checking the
 * image, and the device type that VMs attach (one device per VM per disk).
 */
#ifndef MOTE_BLK_H
#define MOTE_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "../monitor/device.h"
#include "../monitor/err.h"

/* Ring size offered (QueueNumMax), data segments per request (SEG_MAX)
 * and bytes per segment (SIZE_MAX): a request moves at most 32 MiB, so a
 * reset or teardown never waits long for one. */
#define BLK_QUEUE_MAX 256u
#define BLK_SEG_MAX   (VQ_CHAIN_MAX - 2u)
#define BLK_SIZE_MAX  (1u << 20)
#define BLK_SECTOR    512u

/* An open image, shared by every VM of the process that attaches it. */
struct blk_disk;

/*
 * Opens path, read-only or read-write, with O_DIRECT if direct. Fails with
 * one line if it does not exist, is not a regular file or a block device,
 * its size is not a multiple of 512 bytes, or (direct) its file system
 * cannot do direct I/O at 512-byte alignment.
 */
int blk_disk_open(const char *path, bool ro, bool direct, struct blk_disk **out,
		  struct mote_err *err);

void blk_disk_close(struct blk_disk *disk);

/* The image's fd, for a jail to keep open. */
int blk_disk_fd(const struct blk_disk *disk);

/* Capacity in 512-byte sectors. */
uint64_t blk_disk_sectors(const struct blk_disk *disk);

/* The virtio-blk device type; its backend is a struct blk_disk *. */
extern const struct virtio_dev_ops blk_ops;

#endif

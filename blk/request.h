/*
 * A virtio-blk request as parsed from a descriptor chain: what to do, where,
 * and the status byte to report it in; or the error to report at once.
 */
#ifndef MOTE_BLK_REQUEST_H
#define MOTE_BLK_REQUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "../monitor/virtqueue.h"
#include "blk.h"

/* What a request may ask of this disk. */
struct blk_limits {
	uint64_t sectors;
	bool ro;
	bool direct; /* buffers must be 512-byte aligned, lengths too */
};

struct blk_req {
	uint16_t head;
	uint32_t type;	 /* VIRTIO_BLK_T_* from the header */
	uint8_t *status; /* in guest memory, checked writable */
	uint64_t offset; /* in the image, bytes */
	uint64_t bytes;	 /* data length */
	unsigned niov;
	struct iovec iov[BLK_SEG_MAX]; /* the data buffers, in guest memory */
};

/* blk_parse results besides a VIRTIO_BLK_S_* status to report at once. */
#define BLK_EXEC      (-1) /* valid: carry it out */
#define BLK_NO_STATUS (-2) /* no device-writable status byte: unreportable */

/*
 * Parses chain c into r. Mote takes the framing Linux uses: the 16-byte
 * header alone in the first buffer (device-readable), the data buffers,
 * and the status byte as the first byte of the last buffer
 * (device-writable). Returns BLK_EXEC, BLK_NO_STATUS, or the status to
 * report: VIRTIO_BLK_S_IOERR for a malformed or out-of-range request (and a
 * write to a read-only disk, per virtio 1.2, 5.2.6.2), VIRTIO_BLK_S_UNSUPP
 * for a type not offered.
 */
int blk_parse(const struct vq_chain *c, const struct blk_limits *lim,
	      struct blk_req *r);

#endif

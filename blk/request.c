/*
 * Request parsing: the header is read once from guest memory, and every
 * length, direction and sector range is checked before any I/O is made.
 */
#include "request.h"

#include <linux/virtio_blk.h>
#include <stdint.h>
#include <string.h>

/* Collects the data buffers (all but the header and the status) as iovecs,
 * each in the direction the request needs; file I/O with O_DIRECT also
 * needs them aligned. */
static int gather(const struct vq_chain *c, bool device_writes, bool aligned,
		  struct blk_req *r)
{
	unsigned ndata = c->n - 2u;

	if (ndata == 0 || ndata > BLK_SEG_MAX)
		return VIRTIO_BLK_S_IOERR;
	for (unsigned i = 1; i <= ndata; i++) {
		const struct vq_buf *b = &c->buf[i];

		if (b->write != device_writes || b->len > BLK_SIZE_MAX)
			return VIRTIO_BLK_S_IOERR;
		if (aligned &&
		    ((uintptr_t)b->host % BLK_SECTOR || b->len % BLK_SECTOR))
			return VIRTIO_BLK_S_IOERR;
		r->iov[r->niov].iov_base = b->host;
		r->iov[r->niov].iov_len = b->len;
		r->niov++;
		r->bytes += b->len;
	}
	return BLK_EXEC;
}

static int parse_rw(const struct vq_chain *c, const struct blk_limits *lim,
		    uint64_t sector, struct blk_req *r)
{
	int rc;

	if (r->type == VIRTIO_BLK_T_OUT && lim->ro)
		return VIRTIO_BLK_S_IOERR;
	rc = gather(c, r->type == VIRTIO_BLK_T_IN, lim->direct, r);
	if (rc != BLK_EXEC)
		return rc;
	/* Whole sectors, inside the disk: the image file is never touched
	 * outside [0, sectors * 512). sector <= sectors keeps the product
	 * below 2^64. */
	if (r->bytes % BLK_SECTOR || sector > lim->sectors ||
	    r->bytes / BLK_SECTOR > lim->sectors - sector)
		return VIRTIO_BLK_S_IOERR;
	r->offset = sector * BLK_SECTOR;
	return BLK_EXEC;
}

int blk_parse(const struct vq_chain *c, const struct blk_limits *lim,
	      struct blk_req *r)
{
	const struct vq_buf *hb = &c->buf[0], *sb = &c->buf[c->n - 1];
	struct virtio_blk_outhdr hdr;

	memset(r, 0, offsetof(struct blk_req, iov));
	r->head = c->head;
	/* First, somewhere to report how it went. */
	if (c->n == 0 || !sb->write || !sb->host)
		return BLK_NO_STATUS;
	r->status = sb->host;
	if (c->n < 2 || c->bad || c->too_long || hb->write ||
	    hb->len < sizeof(hdr))
		return VIRTIO_BLK_S_IOERR;
	memcpy(&hdr, hb->host, sizeof(hdr)); /* the one read of the header */
	r->type = hdr.type;
	switch (hdr.type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		return parse_rw(c, lim, hdr.sector, r);
	case VIRTIO_BLK_T_FLUSH:
		/* Offered only for writable disks; any data is ignored. */
		return lim->ro ? VIRTIO_BLK_S_UNSUPP : BLK_EXEC;
	case VIRTIO_BLK_T_GET_ID:
		return gather(c, true, false, r);
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
}

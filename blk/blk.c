/*
 * The virtio-blk device: features and config space, and requests carried
 * out on the device loop (readv, writev, fdatasync) with their completions.
 */
#include "blk.h"

#include <errno.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "disk.h"
#include "request.h"

/* Bytes of reads and writes the device submits per turn (see walk). */
#define TURN_BYTES (256u << 10)

struct blk_dev;

/* One request in flight, at the index of its chain's head (heads are
 * unique while in flight, and below the queue size). */
struct blk_slot {
	struct ev_op op;
	struct blk_dev *b;
	struct blk_req req;
};

struct blk_dev {
	struct virtio_dev *vdev;
	const struct blk_disk *disk;
	struct blk_limits lim;
	struct virtio_blk_config config;
	unsigned writes;       /* writes in flight */
	struct blk_slot *held; /* a flush waiting for those writes */
	struct blk_slot slot[BLK_QUEUE_MAX];
};

static struct blk_dev *dev_of(struct virtio_dev *d)
{
	return d->priv;
}

/* Reports a request's status; len counts the data the device wrote. */
static void finish(struct blk_dev *b, struct blk_slot *s, uint8_t status,
		   uint64_t len)
{
	*s->req.status = status;
	virtio_dev_used(b->vdev, 0, s->req.head, (uint32_t)len + 1);
}

static void io_done(struct ev_op *op, int res, unsigned flags);

static void submit_flush(struct blk_dev *b, struct blk_slot *s)
{
	struct io_uring_sqe *sqe = evloop_sqe(b->vdev->loop, &s->op);

	if (!sqe) {
		finish(b, s, VIRTIO_BLK_S_IOERR, 0);
		return;
	}
	/* The used entry is written when this completes: a guest that sees
	 * its flush done knows fdatasync has returned. */
	io_uring_prep_fsync(sqe, b->disk->fd, IORING_FSYNC_DATASYNC);
}

static void submit_rw(struct blk_dev *b, struct blk_slot *s)
{
	struct io_uring_sqe *sqe = evloop_sqe(b->vdev->loop, &s->op);
	struct blk_req *r = &s->req;

	if (!sqe) {
		finish(b, s, VIRTIO_BLK_S_IOERR, 0);
		return;
	}
	if (r->type == VIRTIO_BLK_T_IN) {
		io_uring_prep_readv(sqe, b->disk->fd, r->iov, r->niov,
				    r->offset);
		return;
	}
	io_uring_prep_writev(sqe, b->disk->fd, r->iov, r->niov, r->offset);
	/* A driver that did not take VIRTIO_BLK_F_FLUSH gets a write-through
	 * disk (virtio 1.2, 5.2.6.2): each write is durable when used. */
	if (!(b->vdev->features & (1ull << VIRTIO_BLK_F_FLUSH)))
		sqe->rw_flags = RWF_DSYNC;
	b->writes++;
}

/* The ID goes into the data buffers, truncated to what they hold. */
static void get_id(struct blk_dev *b, struct blk_slot *s)
{
	size_t done = 0;

	for (unsigned i = 0; i < s->req.niov && done < VIRTIO_BLK_ID_BYTES;
	     i++) {
		size_t n = s->req.iov[i].iov_len;

		if (n > VIRTIO_BLK_ID_BYTES - done)
			n = VIRTIO_BLK_ID_BYTES - done;
		memcpy(s->req.iov[i].iov_base, b->disk->id + done, n);
		done += n;
	}
	finish(b, s, VIRTIO_BLK_S_OK, done);
}

/* Starts one request; returns the bytes it submitted for reading or
 * writing (0 for the rest). */
static uint64_t start(struct blk_dev *b, const struct vq_chain *c)
{
	struct blk_slot *s = &b->slot[c->head];
	int rc = blk_parse(c, &b->lim, &s->req);

	if (rc == BLK_NO_STATUS) {
		/* Nothing to answer in: the driver learns of it from
		 * NEEDS_RESET, and its reset needs no answer either. */
		virtio_dev_discard(b->vdev, 0, c->head);
		virtio_dev_fail(b->vdev, "virtio-blk: request without a "
					 "device-writable status byte");
		return 0;
	}
	if (rc != BLK_EXEC) {
		finish(b, s, (uint8_t)rc, 0);
		return 0;
	}
	switch (s->req.type) {
	case VIRTIO_BLK_T_GET_ID:
		get_id(b, s);
		break;
	case VIRTIO_BLK_T_FLUSH:
		/* A flush covers the writes taken before it: wait for those
		 * in flight, taking nothing new meanwhile. */
		if (b->writes)
			b->held = s;
		else
			submit_flush(b, s);
		break;
	default:
		submit_rw(b, s);
		return s->req.bytes;
	}
	return 0;
}

/*
 * Takes chains while there is room and no flush is held, up to TURN_BYTES
 * of reads and writes per turn. Page-cache reads run inline as the loop
 * submits them, and their completions reach the guest only after the
 * whole batch: with 1 MiB requests, a turn per request lets the guest
 * refill its queue while the device reads on.
 */
static void walk(struct blk_dev *b)
{
	struct vq_chain c;
	uint64_t bytes = 0;

	while (!b->held) {
		if (bytes >= TURN_BYTES) {
			virtio_dev_defer(b->vdev, 0);
			return;
		}
		if (virtio_dev_pop(b->vdev, 0, &c) <= 0)
			return;
		bytes += start(b, &c);
	}
}

static void io_done(struct ev_op *op, int res, unsigned flags)
{
	struct blk_slot *s = (struct blk_slot *)op;
	struct blk_dev *b = s->b;
	bool ok;

	(void)flags;
	virtio_dev_lock(b->vdev);
	if (s->req.type == VIRTIO_BLK_T_FLUSH) {
		ok = res == 0;
	} else {
		/* A short transfer means the image shrank under us. */
		ok = res >= 0 && (uint64_t)res == s->req.bytes;
	}
	if (s->req.type == VIRTIO_BLK_T_OUT)
		b->writes--;
	finish(b, s, ok ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR,
	       ok && s->req.type == VIRTIO_BLK_T_IN ? s->req.bytes : 0);
	if (b->held && b->writes == 0) {
		struct blk_slot *h = b->held;

		b->held = NULL;
		submit_flush(b, h);
		walk(b);
	}
	virtio_dev_unlock(b->vdev);
}

/* --- device ops --- */

static int blk_init(struct virtio_dev *d, void *backend, struct mote_err *err)
{
	const struct blk_disk *disk = backend;
	struct blk_dev *b = calloc(1, sizeof(*b));

	if (!b)
		return err_set(err, ENOMEM, "out of memory");
	b->vdev = d;
	b->disk = disk;
	b->lim.sectors = disk->sectors;
	b->lim.ro = disk->ro;
	b->lim.direct = disk->direct;
	b->config.capacity = disk->sectors;
	b->config.size_max = BLK_SIZE_MAX;
	b->config.seg_max = BLK_SEG_MAX;
	b->config.blk_size = BLK_SECTOR;
	for (unsigned i = 0; i < BLK_QUEUE_MAX; i++) {
		b->slot[i].b = b;
		b->slot[i].op.done = io_done;
		b->slot[i].op.io = true;
	}
	d->priv = b;
	d->config = &b->config;
	return 0;
}

static void blk_destroy(struct virtio_dev *d)
{
	free(dev_of(d));
}

static uint64_t blk_features(struct virtio_dev *d)
{
	const struct blk_dev *b = dev_of(d);

	return 1ull << VIRTIO_BLK_F_SIZE_MAX | 1ull << VIRTIO_BLK_F_SEG_MAX |
	       1ull << VIRTIO_BLK_F_BLK_SIZE |
	       (b->lim.ro ? 1ull << VIRTIO_BLK_F_RO
			  : 1ull << VIRTIO_BLK_F_FLUSH);
}

static void blk_notify(struct virtio_dev *d, unsigned q)
{
	(void)q; /* one queue */
	walk(dev_of(d));
}

static void blk_reset(struct virtio_dev *d)
{
	struct blk_dev *b = dev_of(d);

	b->writes = 0;
	b->held = NULL;
}

const struct virtio_dev_ops blk_ops = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.nqueues = 1,
	.queue_max = BLK_QUEUE_MAX,
	.config_size = sizeof(struct virtio_blk_config),
	.init = blk_init,
	.destroy = blk_destroy,
	.features = blk_features,
	.notify = blk_notify,
	.reset = blk_reset,
	.config_write = NULL, /* nothing in it is writable without WCE */
};

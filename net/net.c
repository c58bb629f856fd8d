/*
 * The virtio-net device: frames move between the guest's buffers and a
 * tap through the device loop, readv into RX buffers and writev from TX.
 */
#include "net.h"

#include <errno.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>

struct net_dev;

/* One TX chain in flight, at the index of its head (unique while in
 * flight, and below the queue size). */
struct net_tx {
	struct ev_op op;
	struct net_dev *n;
	uint16_t head;
	struct iovec iov[VQ_CHAIN_MAX];
};

/* The config space up to mtu: the fields offered. */
#define NET_CONFIG_SIZE (offsetof(struct virtio_net_config, mtu) + 2)

struct net_dev {
	struct virtio_dev *vdev;
	const struct net_tap *tap;
	struct virtio_net_config config;
	/* RX: one read at a time, started when the tap is readable. */
	struct ev_poll readable;
	struct ev_op rx_op;
	bool rx_busy;  /* a read is in flight */
	bool rx_chain; /* ... into the guest's chain rx_head */
	uint16_t rx_head;
	struct iovec rx_iov[VQ_CHAIN_MAX];
	void *rx_hdr; /* the chain's first 12 bytes */
	/* rx_busy is also read by destroy, on another thread. */
	pthread_mutex_t rx_mtx;
	pthread_cond_t rx_idle;
	/* Counters: frames dropped for want of a buffer or being bad. */
	uint64_t rx_drops, rx_frames, tx_drops, tx_frames;
	uint8_t *scratch; /* where frames nobody can take are read */
	struct net_tx tx[NET_QUEUE_MAX];
};

static struct net_dev *dev_of(struct virtio_dev *d)
{
	return d->priv;
}

/* Total bytes of a chain's buffers, if every one has the direction
 * wanted and lies in guest memory; 0 otherwise. */
static uint64_t chain_len(const struct vq_chain *c, bool write)
{
	uint64_t len = 0;

	if (c->bad || c->too_long)
		return 0;
	for (unsigned i = 0; i < c->n; i++) {
		if (c->buf[i].write != write)
			return 0;
		len += c->buf[i].len;
	}
	return len;
}

/* --- RX --- */

static void rx_done(struct ev_op *op, int res, unsigned flags)
{
	struct net_dev *n = (struct net_dev *)((char *)op -
					       offsetof(struct net_dev, rx_op));
	uint32_t max = NET_HDR_LEN + NET_ETH_HLEN + n->config.mtu;
	bool gone = res == -EBADFD;

	(void)flags;
	virtio_dev_lock(n->vdev);
	if (n->rx_chain) {
		/* A frame over the MTU is dropped, not handed over cut. */
		if (res >= (int)(NET_HDR_LEN + NET_ETH_HLEN) &&
		    (uint32_t)res <= max) {
			struct virtio_net_hdr_v1 h;

			/* The tap fills the first 10 bytes; num_buffers is
			 * ours to set (always one buffer). */
			memcpy(&h, n->rx_hdr, sizeof(h));
			h.num_buffers = 1;
			memcpy(n->rx_hdr, &h, sizeof(h));
			n->rx_frames++;
		} else {
			res = 0;
			n->rx_drops++;
		}
		virtio_dev_used(n->vdev, 0, n->rx_head, (uint32_t)res);
	} else if (res > 0) {
		n->rx_drops++;
	}
	n->rx_chain = false;
	/* Poll again rather than read again: a read never waits, so a
	 * taken chain always comes back at once and a reset never waits
	 * for traffic. A tap whose interface is gone (EBADFD) stays
	 * readable for ever: stop there rather than spin. */
	if (!gone)
		evloop_poll_rearm(n->vdev->loop, &n->readable);
	virtio_dev_unlock(n->vdev);
	/* Last: destroy may free n as soon as this is unlocked. */
	pthread_mutex_lock(&n->rx_mtx);
	n->rx_busy = false;
	pthread_cond_broadcast(&n->rx_idle);
	pthread_mutex_unlock(&n->rx_mtx);
}

/* The tap has a frame: into the guest's next RX buffer, or dropped. */
static void rx_start(struct ev_poll *p)
{
	struct net_dev *n =
		(struct net_dev *)((char *)p -
				   offsetof(struct net_dev, readable));
	struct io_uring_sqe *sqe;
	struct vq_chain c;
	unsigned niov = 1;

	virtio_dev_lock(n->vdev);
	if (n->rx_busy)
		goto out;
	while (virtio_dev_pop(n->vdev, 0, &c) > 0) {
		/* A buffer too small for a header, not device-writable or
		 * outside guest memory: given back empty, counted. */
		if (chain_len(&c, true) < NET_HDR_LEN + NET_ETH_HLEN ||
		    c.buf[0].len < NET_HDR_LEN) {
			n->rx_drops++;
			virtio_dev_used(n->vdev, 0, c.head, 0);
			continue;
		}
		for (unsigned i = 0; i < c.n; i++)
			n->rx_iov[i] =
				(struct iovec){c.buf[i].host, c.buf[i].len};
		niov = c.n;
		n->rx_chain = true;
		n->rx_head = c.head;
		n->rx_hdr = c.buf[0].host;
		break;
	}
	if (!n->rx_chain)
		n->rx_iov[0] = (struct iovec){n->scratch, NET_SCRATCH};
	sqe = evloop_sqe(n->vdev->loop, &n->rx_op);
	if (!sqe) {
		/* The submission ring is full: try again when the poll
		 * fires next (the frame is still there). */
		if (n->rx_chain)
			virtio_dev_used(n->vdev, 0, n->rx_head, 0);
		n->rx_chain = false;
		evloop_poll_rearm(n->vdev->loop, &n->readable);
		goto out;
	}
	/* Offset -1: the tap is a stream. */
	io_uring_prep_readv(sqe, n->tap->fd, n->rx_iov, niov, (uint64_t)-1);
	pthread_mutex_lock(&n->rx_mtx);
	n->rx_busy = true;
	pthread_mutex_unlock(&n->rx_mtx);
out:
	virtio_dev_unlock(n->vdev);
}

/* --- TX --- */

static void tx_done(struct ev_op *op, int res, unsigned flags)
{
	struct net_tx *t = (struct net_tx *)op;
	struct net_dev *n = t->n;

	(void)flags;
	virtio_dev_lock(n->vdev);
	if (res < 0)
		n->tx_drops++;
	else
		n->tx_frames++;
	virtio_dev_used(n->vdev, 1, t->head, 0);
	virtio_dev_unlock(n->vdev);
}

/* Every available TX chain goes out in one batch of writes; a bad one is
 * completed unsent (the driver always gets its buffer back). */
static void tx_walk(struct net_dev *n)
{
	uint64_t max = NET_HDR_LEN + NET_ETH_HLEN + n->config.mtu;
	struct vq_chain c;

	while (virtio_dev_pop(n->vdev, 1, &c) > 0) {
		uint64_t len = chain_len(&c, false);
		struct net_tx *t = &n->tx[c.head];
		struct io_uring_sqe *sqe;

		if (len < NET_HDR_LEN + NET_ETH_HLEN || len > max) {
			n->tx_drops++;
			virtio_dev_used(n->vdev, 1, c.head, 0);
			continue;
		}
		sqe = evloop_sqe(n->vdev->loop, &t->op);
		if (!sqe) {
			n->tx_drops++;
			virtio_dev_used(n->vdev, 1, c.head, 0);
			continue;
		}
		t->head = c.head;
		for (unsigned i = 0; i < c.n; i++)
			t->iov[i] = (struct iovec){c.buf[i].host, c.buf[i].len};
		io_uring_prep_writev(sqe, n->tap->fd, t->iov, c.n,
				     (uint64_t)-1);
	}
}

/* --- device ops --- */

static int net_init(struct virtio_dev *d, void *backend, struct mote_err *err)
{
	struct net_tap *tap = backend;
	struct net_dev *n = calloc(1, sizeof(*n));

	if (!n || !(n->scratch = malloc(NET_SCRATCH))) {
		free(n);
		return err_set(err, ENOMEM, "out of memory");
	}
	n->vdev = d;
	n->tap = tap;
	memcpy(n->config.mac, tap->mac, sizeof(n->config.mac));
	n->config.status = VIRTIO_NET_S_LINK_UP;
	n->config.mtu = tap->mtu;
	n->rx_op.done = rx_done;
	n->rx_op.io = true;
	pthread_mutex_init(&n->rx_mtx, NULL);
	pthread_cond_init(&n->rx_idle, NULL);
	for (unsigned i = 0; i < NET_QUEUE_MAX; i++) {
		n->tx[i].n = n;
		n->tx[i].op.done = tx_done;
		n->tx[i].op.io = true;
	}
	d->priv = n;
	d->config = &n->config;
	/* The tap is drained from now on: while no driver runs, frames are
	 * read into scratch and dropped, so none queue up. */
	n->readable.fd = tap->fd;
	n->readable.oneshot = true;
	n->readable.fn = rx_start;
	evloop_poll_start(d->loop, &n->readable);
	return 0;
}

/* Runs with nothing of the guest's in flight, but maybe a read into
 * scratch: waits for it once the poll can no longer start one. */
static void net_destroy(struct virtio_dev *d)
{
	struct net_dev *n = dev_of(d);

	evloop_poll_stop(d->loop, &n->readable);
	pthread_mutex_lock(&n->rx_mtx);
	while (n->rx_busy)
		pthread_cond_wait(&n->rx_idle, &n->rx_mtx);
	pthread_mutex_unlock(&n->rx_mtx);
	pthread_cond_destroy(&n->rx_idle);
	pthread_mutex_destroy(&n->rx_mtx);
	/* Drops are normal for a guest that stops reading, but a user should
	 * see them: one line when there were any. */
	if (n->rx_drops || n->tx_drops) {
		char line[200];
		int len = snprintf(line, sizeof(line),
				   "mote: net %02x:%02x:%02x:%02x:%02x:%02x: "
				   "received %llu, dropped %llu (no guest buffer "
				   "or too big); sent %llu, dropped %llu "
				   "(malformed or too big)\n",
				   n->tap->mac[0], n->tap->mac[1], n->tap->mac[2],
				   n->tap->mac[3], n->tap->mac[4], n->tap->mac[5],
				   (unsigned long long)n->rx_frames,
				   (unsigned long long)n->rx_drops,
				   (unsigned long long)n->tx_frames,
				   (unsigned long long)n->tx_drops);

		if (len > 0 && write(STDERR_FILENO, line, (size_t)len) < 0) {
			/* stderr gone: nothing more to do */
		}
	}
	free(n->scratch);
	free(n);
}

static uint64_t net_features(struct virtio_dev *d)
{
	(void)d;
	return 1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_MTU |
	       1ull << VIRTIO_NET_F_STATUS;
}

static void net_notify(struct virtio_dev *d, unsigned q)
{
	struct net_dev *n = dev_of(d);

	if (q == 1)
		tx_walk(n);
	/* New RX buffers: a frame dropped into scratch while there were none
	 * re-arms the poll itself, so nothing to do for queue 0. */
}

static void net_reset(struct virtio_dev *d)
{
	(void)d; /* no state outlives a chain */
}

const struct virtio_dev_ops net_ops = {
	.name = "virtio-net",
	.device_id = VIRTIO_ID_NET,
	.nqueues = 2,
	.queue_max = NET_QUEUE_MAX,
	.config_size = NET_CONFIG_SIZE,
	.init = net_init,
	.destroy = net_destroy,
	.features = net_features,
	.notify = net_notify,
	.reset = net_reset,
	.config_write = NULL, /* nothing offered is writable */
};

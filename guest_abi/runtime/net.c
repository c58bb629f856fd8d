/*
 * The virtio-net driver: receive buffers posted once and re-posted after
 * use, transmit buffers recycled through a free stack, batched notifies.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mote.h"
#include "mote_net.h"
#include "mote_virtio.h"

#define HDR_LEN sizeof(struct mote_virtio_net_hdr)
/* Receive buffers posted up front: a burst of this many frames can arrive
 * while the guest is busy. Each costs one buffer of pages once touched. */
#define RX_BUFS 64u
/* Transmit buffers: frames queued or in flight at once. */
#define TX_BUFS 128u
/* Queued frames after which the device is told without waiting for a
 * flush, so a long burst keeps it busy rather than idle. */
#define TX_BATCH 32u
/* Re-posted receive buffers after which the device is told, in case it
 * ran dry and asked to be notified. */
#define RX_BATCH	16u
#define DEFAULT_SPIN_NS 20000u
/* A receive buffer also holds a VLAN tag that a host bridge may leave on
 * a frame; the 5.1.6.3.1 minimum is header + 1514 = 1526 bytes. */
#define VLAN_SLACK 4u

struct mote_net {
	struct mote_virtio dev;
	struct mote_vq rx, tx;
	uint8_t mac[MOTE_NET_ALEN];
	bool has_status;
	bool failed; /* the device failed: every call returns -EIO */
	unsigned mtu;
	size_t buf_size; /* one buffer: header + largest frame, 64-aligned */
	unsigned nrx, ntx;
	uint8_t *rx_mem, *tx_mem;
	uint16_t *tx_free; /* stack of free transmit buffer numbers */
	unsigned tx_nfree;
	unsigned tx_unkicked; /* frames queued since the last kick */
	unsigned rx_unkicked; /* buffers re-posted since the last kick */
	uint8_t *held;	      /* receive buffer lent out by rx_next */
	uint64_t spin_ns;
	struct mote_net_stats st;
};

unsigned mote_net_count(void)
{
	unsigned n = 0;

	while (mote_virtio_find(MOTE_VIRTIO_ID_NET, n) >= 0)
		n++;
	return n;
}

/* xorshift64 of the TSC: no entropy source exists, and a made-up MAC only
 * has to differ between guests on one bridge, which start at different
 * TSC values. */
static void random_mac(uint8_t mac[MOTE_NET_ALEN])
{
	uint64_t x = mote_rdtsc() | 1;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	for (unsigned i = 0; i < MOTE_NET_ALEN; i++)
		mac[i] = (uint8_t)(x >> (8 * i));
	/* IEEE 802: unicast (bit 0 clear), locally administered (bit 1). */
	mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);
}

static int read_config(struct mote_net *n)
{
	const struct mote_virtio *d = &n->dev;
	uint64_t f = d->features;

	if (f & MOTE_VIRTIO_BIT(MOTE_VIRTIO_NET_F_MAC)) {
		/* 4.2.2.2: byte fields are read with byte accesses. */
		for (unsigned i = 0; i < MOTE_NET_ALEN; i++)
			n->mac[i] = mote_virtio_config8(
				d,
				__builtin_offsetof(
					struct mote_virtio_net_config, mac[0]) +
					i);
	} else {
		random_mac(n->mac);
	}
	n->mtu = MOTE_NET_MTU_DEFAULT;
	if (f & MOTE_VIRTIO_BIT(MOTE_VIRTIO_NET_F_MTU)) {
		unsigned m = mote_virtio_config16(
			d,
			__builtin_offsetof(struct mote_virtio_net_config, mtu));

		if (m < MOTE_NET_MTU_MIN)
			return -ENOTSUP;
		n->mtu = m < MOTE_NET_MTU_MAX ? m : MOTE_NET_MTU_MAX;
	}
	n->has_status = f & MOTE_VIRTIO_BIT(MOTE_VIRTIO_NET_F_STATUS);
	n->buf_size = (HDR_LEN + MOTE_NET_ETH_HLEN + VLAN_SLACK + n->mtu + 63) &
		      ~(size_t)63;
	return 0;
}

static uint8_t *tx_buf(const struct mote_net *n, unsigned i)
{
	return n->tx_mem + (size_t)i * n->buf_size;
}

static int post_rx(struct mote_net *n, uint8_t *buf)
{
	/* One device-writable buffer: header and frame together, as
	 * VERSION_1 implies any layout (2.6.4). */
	struct mote_vq_seg seg = {buf, (uint32_t)n->buf_size, true};
	int r = mote_vq_add(&n->rx, &seg, 1, buf);

	if (r < 0)
		n->failed = true;
	return r;
}

static int alloc_buffers(struct mote_net *n)
{
	/* Not zeroed: the device writes receive buffers before we read
	 * them, we write transmit ones before the device reads them, and
	 * pages nobody touches cost nothing. */
	n->nrx = n->rx.size < RX_BUFS ? n->rx.size : RX_BUFS;
	n->ntx = n->tx.size < TX_BUFS ? n->tx.size : TX_BUFS;
	n->rx_mem = aligned_alloc(64, n->nrx * n->buf_size);
	n->tx_mem = aligned_alloc(64, n->ntx * n->buf_size);
	n->tx_free = malloc(n->ntx * sizeof(*n->tx_free));
	if (!n->rx_mem || !n->tx_mem || !n->tx_free)
		return -ENOMEM;
	/* Popped from the top: buffer 0 first, so a light load keeps
	 * reusing the same few pages. */
	for (unsigned i = 0; i < n->ntx; i++)
		n->tx_free[i] = (uint16_t)(n->ntx - 1 - i);
	n->tx_nfree = n->ntx;
	for (unsigned i = 0; i < n->nrx; i++)
		if (post_rx(n, n->rx_mem + (size_t)i * n->buf_size) < 0)
			return -EIO;
	return 0;
}

static void free_all(struct mote_net *n)
{
	if (n->rx.desc)
		mote_vq_free(&n->rx);
	if (n->tx.desc)
		mote_vq_free(&n->tx);
	free(n->rx_mem);
	free(n->tx_mem);
	free(n->tx_free);
	free(n);
}

int mote_net_open(unsigned nth, struct mote_net **out)
{
	struct mote_net *n;
	int idx = mote_virtio_find(MOTE_VIRTIO_ID_NET, nth), r;

	*out = NULL;
	if (idx < 0)
		return idx;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	r = mote_virtio_init(&n->dev, (unsigned)idx, MOTE_VIRTIO_ID_NET,
			     MOTE_VIRTIO_BIT(MOTE_VIRTIO_NET_F_MAC) |
				     MOTE_VIRTIO_BIT(MOTE_VIRTIO_NET_F_MTU) |
				     MOTE_VIRTIO_BIT(MOTE_VIRTIO_NET_F_STATUS));
	if (r == 0)
		r = read_config(n);
	if (r == 0)
		r = mote_virtio_queue_setup(&n->dev, &n->rx,
					    MOTE_VIRTIO_NET_RX_QUEUE, RX_BUFS);
	if (r == 0)
		r = mote_virtio_queue_setup(&n->dev, &n->tx,
					    MOTE_VIRTIO_NET_TX_QUEUE, TX_BUFS);
	if (r == 0)
		r = alloc_buffers(n);
	if (r < 0) {
		if (n->dev.base)
			mote_virtio_fail(&n->dev);
		free_all(n);
		return r;
	}
	n->spin_ns = DEFAULT_SPIN_NS;
	/* 3.1.1: buffers are posted before DRIVER_OK, but the device may
	 * only be notified after it. */
	mote_virtio_driver_ok(&n->dev);
	if (mote_vq_kick(&n->rx))
		n->st.rx_notifies++;
	*out = n;
	return 0;
}

void mote_net_close(struct mote_net *n)
{
	if (!n)
		return;
	/* Reset first: the device must stop using the rings and buffers
	 * before they go back to the heap. */
	mote_virtio_reset(&n->dev);
	free_all(n);
}

void mote_net_mac(const struct mote_net *n, uint8_t mac[MOTE_NET_ALEN])
{
	memcpy(mac, n->mac, MOTE_NET_ALEN);
}

unsigned mote_net_mtu(const struct mote_net *n)
{
	return n->mtu;
}

size_t mote_net_frame_max(const struct mote_net *n)
{
	return MOTE_NET_ETH_HLEN + n->mtu;
}

bool mote_net_link_up(const struct mote_net *n)
{
	if (!n->has_status)
		return true;
	return mote_virtio_config16(
		       &n->dev,
		       __builtin_offsetof(struct mote_virtio_net_config,
					  status)) &
	       MOTE_VIRTIO_NET_S_LINK_UP;
}

void mote_net_set_spin(struct mote_net *n, uint64_t spin_ns)
{
	n->spin_ns = spin_ns;
}

void mote_net_stats(const struct mote_net *n, struct mote_net_stats *out)
{
	*out = n->st;
}

/* ---- sending ---- */

static void kick_tx(struct mote_net *n)
{
	n->tx_unkicked = 0;
	if (mote_vq_kick(&n->tx))
		n->st.tx_notifies++;
}

/* Takes back every transmit buffer the device is done with. */
static void reclaim_tx(struct mote_net *n)
{
	void *token;
	uint32_t len;
	int r;

	while ((r = mote_vq_get(&n->tx, &token, &len)) == 1)
		n->tx_free[n->tx_nfree++] =
			(uint16_t)(((uint8_t *)token - n->tx_mem) /
				   n->buf_size);
	if (r < 0)
		n->failed = true;
}

void *mote_net_tx_frame(struct mote_net *n)
{
	if (n->failed)
		return NULL;
	if (n->tx_nfree == 0)
		reclaim_tx(n);
	while (n->tx_nfree == 0 && !n->failed) {
		/* All in flight: the device must hear of them to return
		 * any, then we sleep until it does. */
		kick_tx(n);
		if (mote_vq_wait(&n->tx, UINT64_MAX, n->spin_ns) < 0)
			n->failed = true;
		else
			reclaim_tx(n);
	}
	if (n->failed)
		return NULL;
	return tx_buf(n, n->tx_free[n->tx_nfree - 1]) + HDR_LEN;
}

int mote_net_tx_commit(struct mote_net *n, size_t len)
{
	uint8_t *buf;
	struct mote_vq_seg seg;

	if (n->failed || n->tx_nfree == 0)
		return n->failed ? -EIO : -EINVAL;
	if (len < MOTE_NET_ETH_HLEN || len > mote_net_frame_max(n))
		return -EINVAL;
	buf = tx_buf(n, n->tx_free[n->tx_nfree - 1]);
	memset(buf, 0, HDR_LEN);
	seg = (struct mote_vq_seg){buf, (uint32_t)(HDR_LEN + len), false};
	/* There is a descriptor per transmit buffer, so this only fails on
	 * a broken queue. */
	if (mote_vq_add(&n->tx, &seg, 1, buf) < 0) {
		n->failed = true;
		return -EIO;
	}
	n->tx_nfree--;
	n->st.tx_frames++;
	if (++n->tx_unkicked >= TX_BATCH)
		kick_tx(n);
	return 0;
}

int mote_net_send(struct mote_net *n, const void *frame, size_t len)
{
	void *p;

	if (len < MOTE_NET_ETH_HLEN || len > mote_net_frame_max(n))
		return -EINVAL;
	p = mote_net_tx_frame(n);
	if (!p)
		return -EIO;
	memcpy(p, frame, len);
	return mote_net_tx_commit(n, len);
}

void mote_net_flush(struct mote_net *n)
{
	if (n->failed)
		return;
	kick_tx(n);
	reclaim_tx(n);
}

/* ---- receiving ---- */

static void kick_rx(struct mote_net *n)
{
	n->rx_unkicked = 0;
	if (mote_vq_kick(&n->rx))
		n->st.rx_notifies++;
}

static void repost(struct mote_net *n, uint8_t *buf)
{
	if (post_rx(n, buf) == 0 && ++n->rx_unkicked >= RX_BATCH)
		kick_rx(n);
}

void mote_net_rx_release(struct mote_net *n)
{
	uint8_t *buf = n->held;

	if (!buf)
		return;
	n->held = NULL;
	if (!n->failed)
		repost(n, buf);
}

int mote_net_rx_next(struct mote_net *n, const void **frame)
{
	void *token;
	uint32_t len;
	int r;

	mote_net_rx_release(n);
	while (!n->failed) {
		const struct mote_virtio_net_hdr *h;

		r = mote_vq_get(&n->rx, &token, &len);
		if (r < 0) {
			n->failed = true;
			break;
		}
		if (r == 0) {
			/* Drained: make sure the device knows of every
			 * buffer given back before we go idle. */
			if (n->rx_unkicked)
				kick_rx(n);
			return 0;
		}
		/* The device is trusted less than our own bookkeeping:
		 * never read past the buffer, whatever length it claims.
		 * GSO was not negotiated, so such a frame is a device bug. */
		h = token;
		if (len < HDR_LEN + MOTE_NET_ETH_HLEN || len > n->buf_size ||
		    h->gso_type != MOTE_VIRTIO_NET_HDR_GSO_NONE) {
			n->st.rx_errors++;
			repost(n, token);
			continue;
		}
		n->held = token;
		n->st.rx_frames++;
		*frame = (uint8_t *)token + HDR_LEN;
		return (int)(len - HDR_LEN);
	}
	return -EIO;
}

int mote_net_recv(struct mote_net *n, void *buf, size_t cap)
{
	const void *f;
	int len = mote_net_rx_next(n, &f);

	if (len <= 0)
		return len;
	if ((size_t)len > cap) {
		mote_net_rx_release(n);
		return -EMSGSIZE;
	}
	memcpy(buf, f, (size_t)len);
	mote_net_rx_release(n);
	return len;
}

int mote_net_wait(struct mote_net *n, uint64_t deadline_ns)
{
	int r;

	if (n->failed)
		return -EIO;
	mote_net_flush(n);
	kick_rx(n);
	r = mote_vq_wait(&n->rx, deadline_ns, n->spin_ns);
	if (r < 0)
		n->failed = true;
	return r;
}

int mote_net_recv_wait(struct mote_net *n, void *buf, size_t cap,
		       uint64_t deadline_ns)
{
	for (;;) {
		int r = mote_net_recv(n, buf, cap);

		if (r != 0)
			return r;
		r = mote_net_wait(n, deadline_ns);
		if (r <= 0)
			return r;
	}
}

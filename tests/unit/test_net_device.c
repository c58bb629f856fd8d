/*
 * The virtio-net device driven through the transport as a guest driver
 * would (no KVM), on a SOCK_SEQPACKET pair standing in for the tap.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../guest_abi/mote_abi.h"
#include "../../net/net.h"
#include "guest_mem.h"
#include "../mmio_driver.h"
#include "virtio_mmio.h"

#define MEM	  (1u << 20)
#define QSIZE	  16u
#define DATA	  0x10000u
#define FRAME_MAX (NET_HDR_LEN + NET_ETH_HLEN + NET_MTU_DEFAULT)

/* Ring areas of queue q: descriptors, available and used rings. */
#define DESC(q)	 (0x1000u + (q)*0x3000u)
#define AVAIL(q) (0x2000u + (q)*0x3000u)
#define USED(q)	 (0x3000u + (q)*0x3000u)

static uint8_t *mem;
static struct guest_mem gm;
static struct net_tap tap;
static int peer = -1; /* the host's end of the "tap" */
static struct virtio_mmio *t;
static uint16_t used_seen[2];

static void setup(void)
{
	int sp[2];

	mem = aligned_alloc(4096, MEM);
	cr_assert_not_null(mem);
	memset(mem, 0, MEM);
	gm = (struct guest_mem){.host = mem, .size = MEM, .floor = 0x1000};
	cr_assert_eq(guest_mem_add_range(&gm, 0x1000, MEM, true), 0);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sp),
		     0);
	tap = (struct net_tap){.fd = sp[0],
			       .mac = {0x52, 0x54, 0, 1, 2, 3},
			       .mtu = NET_MTU_DEFAULT};
	peer = sp[1];
	used_seen[0] = used_seen[1] = 0;
	t = NULL;
}

static void teardown(void)
{
	if (t)
		virtio_mmio_destroy(t);
	close(tap.fd);
	close(peer);
	free(mem);
}

TestSuite(net_device, .init = setup, .fini = teardown, .timeout = 20);

static uint32_t rd(uint64_t off, unsigned len)
{
	return mmio_read(t, off, len, 0);
}

static void wr(uint64_t off, uint32_t v)
{
	mmio_write(t, off, v);
}

/* Brings the device up with every offered feature and both queues. */
static void attach(void)
{
	struct virtio_mmio_host host = {
		.gm = &gm, .vm_fd = -1, .base = MOTE_DEVICE_GPA};
	struct mote_err err = {""};
	uint32_t lo, hi;

	cr_assert_eq(virtio_mmio_create(&host, &net_ops, &tap, &t, &err), 0,
		     "%s", err.msg);
	cr_assert_eq(rd(VIRTIO_MMIO_DEVICE_ID, 4), VIRTIO_ID_NET);
	wr(VIRTIO_MMIO_STATUS, 1);
	wr(VIRTIO_MMIO_STATUS, 3);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	lo = rd(VIRTIO_MMIO_DEVICE_FEATURES, 4);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	hi = rd(VIRTIO_MMIO_DEVICE_FEATURES, 4);
	cr_assert_eq(lo, 1u << VIRTIO_NET_F_MAC | 1u << VIRTIO_NET_F_MTU |
				 1u << VIRTIO_NET_F_STATUS |
				 1u << VIRTIO_RING_F_EVENT_IDX);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, lo);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, hi);
	wr(VIRTIO_MMIO_STATUS, 11);
	cr_assert_eq(rd(VIRTIO_MMIO_STATUS, 4), 11);
	for (unsigned q = 0; q < 2; q++) {
		wr(VIRTIO_MMIO_QUEUE_SEL, q);
		cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_NUM_MAX, 4), NET_QUEUE_MAX);
		wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
		wr(VIRTIO_MMIO_QUEUE_DESC_LOW, DESC(q));
		wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, AVAIL(q));
		wr(VIRTIO_MMIO_QUEUE_USED_LOW, USED(q));
		wr(VIRTIO_MMIO_QUEUE_READY, 1);
	}
	wr(VIRTIO_MMIO_STATUS, 15);
	cr_assert_eq(rd(VIRTIO_MMIO_STATUS, 4), 15);
}

static bool needs_reset(void)
{
	return rd(VIRTIO_MMIO_STATUS, 4) & VIRTIO_CONFIG_S_NEEDS_RESET;
}

/* Offers a one-descriptor chain on queue q (no notify). */
static void offer(unsigned q, uint64_t gpa, uint32_t len, bool write)
{
	struct vring_desc *d = (struct vring_desc *)(mem + DESC(q));
	struct vring_avail *a = (struct vring_avail *)(mem + AVAIL(q));
	uint16_t head = a->idx % QSIZE;

	d[head] = (struct vring_desc){gpa, len, write ? VRING_DESC_F_WRITE : 0,
				      0};
	a->ring[head] = head;
	__atomic_store_n(&a->idx, (uint16_t)(a->idx + 1), __ATOMIC_RELEASE);
}

/* Waits for the next used entry of queue q: its length, or -1 if the
 * device failed. */
static int next_used(unsigned q)
{
	struct vring_used *u = (struct vring_used *)(mem + USED(q));
	struct timespec ts = {0, 100000};

	for (int k = 0; k < 50000; k++) {
		if (__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE) != used_seen[q])
			return (int)u->ring[used_seen[q]++ % QSIZE].len;
		if (needs_reset())
			return -1;
		nanosleep(&ts, NULL);
	}
	cr_assert_fail("the device never answered on queue %u", q);
	return -1;
}

/* Sends a TX chain and waits for it to come back. */
static int send_tx(uint64_t gpa, uint32_t len, bool write)
{
	offer(1, gpa, len, write);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	return next_used(1);
}

/* A frame of len bytes after a zero header, with a recognisable body. */
static void fill_frame(uint64_t gpa, uint32_t len, uint8_t seed)
{
	memset(mem + gpa, 0, NET_HDR_LEN);
	for (uint32_t i = 0; i < len; i++)
		mem[gpa + NET_HDR_LEN + i] = (uint8_t)(seed + i);
}

/* What the tap got, within 200 ms: its length, or -1 for nothing. */
static ssize_t tap_got(uint8_t *buf, size_t cap)
{
	struct pollfd p = {peer, POLLIN, 0};

	if (poll(&p, 1, 200) <= 0)
		return -1;
	return recv(peer, buf, cap, 0);
}

Test(net_device, config_space)
{
	attach();
	for (unsigned i = 0; i < 6; i++)
		cr_expect_eq(rd(VIRTIO_MMIO_CONFIG + i, 1), tap.mac[i]);
	cr_expect_eq(rd(VIRTIO_MMIO_CONFIG + 6, 2), VIRTIO_NET_S_LINK_UP);
	cr_expect_eq(rd(VIRTIO_MMIO_CONFIG + 10, 2), NET_MTU_DEFAULT);
}

Test(net_device, tx_frame_goes_out_with_its_header)
{
	static uint8_t buf[4096];

	attach();
	fill_frame(DATA, 60, 7);
	cr_assert_eq(send_tx(DATA, NET_HDR_LEN + 60, false), 0);
	cr_assert_eq(tap_got(buf, sizeof(buf)), NET_HDR_LEN + 60);
	cr_expect_eq(memcmp(buf, mem + DATA, NET_HDR_LEN + 60), 0);
	/* The largest frame the MTU allows still goes. */
	fill_frame(DATA, FRAME_MAX - NET_HDR_LEN, 9);
	cr_assert_eq(send_tx(DATA, FRAME_MAX, false), 0);
	cr_assert_eq(tap_got(buf, sizeof(buf)), FRAME_MAX);
}

/* Each bad TX chain is completed (used len 0) and not sent; the device
 * keeps working and the next good frame goes out. */
Test(net_device, bad_tx_chains_are_dropped)
{
	static uint8_t buf[4096];

	attach();
	/* Outside guest memory. */
	cr_expect_eq(send_tx(MEM - 16, 4096, false), 0);
	/* Device-writable: not a TX buffer. */
	fill_frame(DATA, 60, 1);
	cr_expect_eq(send_tx(DATA, NET_HDR_LEN + 60, true), 0);
	/* Over MTU + Ethernet header + vnet header. */
	fill_frame(DATA, FRAME_MAX + 1 - NET_HDR_LEN, 1);
	cr_expect_eq(send_tx(DATA, FRAME_MAX + 1, false), 0);
	/* Shorter than a header and an Ethernet header. */
	cr_expect_eq(send_tx(DATA, NET_HDR_LEN + 13, false), 0);
	cr_expect_eq(tap_got(buf, sizeof(buf)), -1, "a bad frame went out");
	cr_expect_not(needs_reset());
	fill_frame(DATA, 64, 3);
	cr_assert_eq(send_tx(DATA, NET_HDR_LEN + 64, false), 0);
	cr_assert_eq(tap_got(buf, sizeof(buf)), NET_HDR_LEN + 64);
	cr_expect_eq(memcmp(buf, mem + DATA, NET_HDR_LEN + 64), 0);
}

Test(net_device, rx_frame_lands_in_the_guest_buffer)
{
	uint8_t frame[NET_HDR_LEN + 100] = {0};
	struct virtio_net_hdr_v1 h;

	attach();
	for (unsigned i = NET_HDR_LEN; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 3);
	memset(mem + DATA, 0xee, 2048);
	offer(0, DATA, 1600, true);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_assert_eq(send(peer, frame, sizeof(frame), 0),
		     (ssize_t)sizeof(frame));
	cr_assert_eq(next_used(0), (int)sizeof(frame));
	memcpy(&h, mem + DATA, sizeof(h));
	cr_expect_eq(h.num_buffers, 1);
	cr_expect_eq(h.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	cr_expect_eq(memcmp(mem + DATA + NET_HDR_LEN, frame + NET_HDR_LEN, 100),
		     0);
}

/* A frame over the MTU is not handed over cut: the buffer comes back
 * empty; the next frame uses the next buffer. */
Test(net_device, rx_oversize_frame_is_dropped)
{
	static uint8_t frame[FRAME_MAX + 100];

	attach();
	offer(0, DATA, 4096, true);
	offer(0, DATA + 4096, 4096, true);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_assert_eq(send(peer, frame, FRAME_MAX + 1, 0), FRAME_MAX + 1);
	cr_expect_eq(next_used(0), 0);
	cr_assert_eq(send(peer, frame, FRAME_MAX, 0), FRAME_MAX);
	cr_expect_eq(next_used(0), FRAME_MAX);
}

/* With no RX buffers, frames are read and dropped: the "tap" never backs
 * up (a blocked peer would time the test out), and once a buffer is
 * posted the next frame arrives in it. */
Test(net_device, no_rx_buffers_drains_the_tap)
{
	static uint8_t frame[NET_HDR_LEN + 1000];
	struct pollfd p = {0};
	int flags = fcntl(peer, F_GETFL);

	attach();
	cr_assert_eq(fcntl(peer, F_SETFL, flags & ~O_NONBLOCK), 0);
	for (int i = 0; i < 5000; i++)
		cr_assert_eq(send(peer, frame, sizeof(frame), 0),
			     (ssize_t)sizeof(frame));
	/* Let the drops finish, then the next frame must be the one seen. */
	p.fd = tap.fd;
	p.events = POLLIN;
	for (int k = 0; k < 200 && poll(&p, 1, 0) > 0; k++)
		usleep(5000);
	offer(0, DATA, 2048, true);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	frame[NET_HDR_LEN] = 0x5a;
	cr_assert_eq(send(peer, frame, NET_HDR_LEN + 60, 0), NET_HDR_LEN + 60);
	cr_assert_eq(next_used(0), NET_HDR_LEN + 60);
	cr_expect_eq(mem[DATA + NET_HDR_LEN], 0x5a);
	cr_expect_not(needs_reset());
}

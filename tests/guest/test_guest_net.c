/*
 * The guest's virtio-net driver and virtqueues, compiled for the host and
 * run against a fake device that reads and writes the same rings.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <linux/virtio_net.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Runtime names compiled or stubbed here get this file's own prefix, so
 * no other test that compiles runtime sources can clash with them. */
#define mote_monotonic_ns	gnet_monotonic_ns
#define mote_wait_until		gnet_wait_until
#define mote_virtio_count	gnet_virtio_count
#define mote_virtio_device	gnet_virtio_device
#define mote_virtio_find	gnet_virtio_find
#define mote_virtio_init	gnet_virtio_init
#define mote_virtio_queue_setup gnet_virtio_queue_setup
#define mote_virtio_driver_ok	gnet_virtio_driver_ok
#define mote_virtio_fail	gnet_virtio_fail
#define mote_virtio_reset	gnet_virtio_reset
#define mote_virtio_status	gnet_virtio_status
#define mote_virtio_read32	gnet_virtio_read32
#define mote_virtio_write32	gnet_virtio_write32
#define mote_virtio_config8	gnet_virtio_config8
#define mote_virtio_config16	gnet_virtio_config16
#define mote_virtio_config32	gnet_virtio_config32
#define mote_virtio_config64	gnet_virtio_config64
#define mote_vq_free		gnet_vq_free
#define mote_vq_add		gnet_vq_add
#define mote_vq_kick		gnet_vq_kick
#define mote_vq_get		gnet_vq_get
#define mote_vq_pending		gnet_vq_pending
#define mote_vq_arm		gnet_vq_arm
#define mote_vq_wait		gnet_vq_wait
#define mote_net_count		gnet_net_count
#define mote_net_open		gnet_net_open
#define mote_net_close		gnet_net_close
#define mote_net_mac		gnet_net_mac
#define mote_net_mtu		gnet_net_mtu
#define mote_net_frame_max	gnet_net_frame_max
#define mote_net_link_up	gnet_net_link_up
#define mote_net_set_spin	gnet_net_set_spin
#define mote_net_stats		gnet_net_stats
#define mote_net_send		gnet_net_send
#define mote_net_tx_frame	gnet_net_tx_frame
#define mote_net_tx_commit	gnet_net_tx_commit
#define mote_net_flush		gnet_net_flush
#define mote_net_recv		gnet_net_recv
#define mote_net_rx_next	gnet_net_rx_next
#define mote_net_rx_release	gnet_net_rx_release
#define mote_net_wait		gnet_net_wait
#define mote_net_recv_wait	gnet_net_recv_wait

#include "../../guest_abi/runtime/net.c"
#include "../../guest_abi/runtime/virtqueue.c"
#include "../fake_virtio.h"

/* The restated spec definitions match the kernel's. */
#define SAME(a, b) _Static_assert((a) == (b), #a " != " #b)
SAME(MOTE_VIRTIO_NET_F_MTU, VIRTIO_NET_F_MTU);
SAME(MOTE_VIRTIO_NET_F_MAC, VIRTIO_NET_F_MAC);
SAME(MOTE_VIRTIO_NET_F_STATUS, VIRTIO_NET_F_STATUS);
SAME(MOTE_VIRTIO_NET_S_LINK_UP, VIRTIO_NET_S_LINK_UP);
SAME(MOTE_VIRTIO_NET_HDR_GSO_NONE, VIRTIO_NET_HDR_GSO_NONE);
SAME(sizeof(struct mote_virtio_net_hdr), sizeof(struct virtio_net_hdr_v1));
SAME(offsetof(struct mote_virtio_net_hdr, gso_type),
     offsetof(struct virtio_net_hdr_v1, gso_type));
SAME(offsetof(struct mote_virtio_net_hdr, csum_start),
     offsetof(struct virtio_net_hdr_v1, csum_start));
SAME(offsetof(struct mote_virtio_net_hdr, num_buffers),
     offsetof(struct virtio_net_hdr_v1, num_buffers));
SAME(offsetof(struct mote_virtio_net_config, status),
     offsetof(struct virtio_net_config, status));
SAME(offsetof(struct mote_virtio_net_config, mtu),
     offsetof(struct virtio_net_config, mtu));

#define MAX_WIRE 32u
#define MAX_SENT 512u
#define HDR	 12u

/* The fake device and the fake clock. */
static struct {
	uint64_t offered;
	struct mote_virtio_net_config cfg;
	unsigned ndevs, queue_max;
	uint32_t status;
	bool driver_ok;
	struct mote_vq *q[2];
	uint16_t last_avail[2];
	unsigned notifies[2];
	uint16_t rx_avail_at_driver_ok;
	/* behaviour */
	bool tx_on_notify;  /* consume transmit chains when notified */
	bool lazy;	    /* never ask for another notification */
	bool bogus_id;	    /* return a head that was never posted */
	uint32_t claim_len; /* nonzero: the used length the device claims */
	uint8_t gso;	    /* gso_type written into received headers */
	/* frames waiting on the wire, delivered during a wait */
	uint8_t wire[MAX_WIRE][2048];
	size_t wire_len[MAX_WIRE];
	unsigned nwire;
	/* frames the device took from the transmit queue */
	uint8_t *sent[MAX_SENT];
	size_t sent_len[MAX_SENT];
	unsigned nsent;
	uint64_t clock;
	unsigned waits;
} F;

/* ---- stubs for the parts that touch MMIO or hypercalls ---- */

uint64_t mote_monotonic_ns(void)
{
	return F.clock += 100;
}

static void serve_tx(void);
static bool deliver_all(void);

uint64_t mote_wait_until(uint64_t deadline_ns)
{
	uint16_t before = F.q[0]->used->idx + F.q[1]->used->idx;

	F.waits++;
	serve_tx();
	deliver_all();
	if ((uint16_t)(F.q[0]->used->idx + F.q[1]->used->idx) != before)
		return MOTE_WAIT_EVENT;
	if (F.clock < deadline_ns)
		F.clock = deadline_ns;
	return MOTE_WAIT_TIMEOUT;
}

int mote_virtio_find(uint32_t device_id, unsigned nth)
{
	return device_id == MOTE_VIRTIO_ID_NET && nth < F.ndevs ? (int)nth
								: -ENODEV;
}

int mote_virtio_init(struct mote_virtio *d, unsigned index, uint32_t device_id,
		     uint64_t wanted)
{
	(void)index;
	fake_virtio_init(d, device_id, F.offered, wanted);
	cr_assert_eq(wanted & ~(MOTE_VIRTIO_BIT(MOTE_VIRTIO_NET_F_MAC) |
				MOTE_VIRTIO_BIT(MOTE_VIRTIO_NET_F_MTU) |
				MOTE_VIRTIO_BIT(MOTE_VIRTIO_NET_F_STATUS)),
		     0, "asked for an offload or MRG_RXBUF");
	F.status = MOTE_VIRTIO_STATUS_FEATURES_OK;
	return 0;
}

/* Same layout as the real one: descriptors, avail + used_event, used +
 * avail_event. */
int mote_virtio_queue_setup(struct mote_virtio *d, struct mote_vq *vq,
			    unsigned index, unsigned max_size)
{
	unsigned size;
	size_t used_off, total;
	char *mem;

	cr_assert_lt(index, 2u);
	size = fake_vq_size(max_size, F.queue_max);
	used_off = (16 * size + 4 + 2 * (size + 1) + 63) & ~(size_t)63;
	total = (used_off + 4 + 8 * size + 2 + 63) & ~(size_t)63;
	mem = aligned_alloc(64, total);
	cr_assert_not_null(mem);
	memset(mem, 0, total);
	fake_vq_rings(d, vq, index, size, mem, used_off);
	F.q[index] = vq;
	F.last_avail[index] = 0;
	return 0;
}

void mote_vq_free(struct mote_vq *vq)
{
	fake_vq_free(vq);
}

void mote_virtio_driver_ok(struct mote_virtio *d)
{
	(void)d;
	F.driver_ok = true;
	F.status |= MOTE_VIRTIO_STATUS_DRIVER_OK;
	F.rx_avail_at_driver_ok = F.q[0]->avail->idx;
}

void mote_virtio_fail(struct mote_virtio *d)
{
	(void)d;
	F.status |= MOTE_VIRTIO_STATUS_FAILED;
}

void mote_virtio_reset(struct mote_virtio *d)
{
	(void)d;
	F.status = 0;
	F.driver_ok = false;
}

uint32_t mote_virtio_status(const struct mote_virtio *d)
{
	(void)d;
	return F.status;
}

void mote_virtio_write32(const struct mote_virtio *d, unsigned off, uint32_t v)
{
	(void)d;
	cr_assert_eq(off, MOTE_VIRTIO_MMIO_QUEUE_NOTIFY,
		     "driver wrote register %#x", off);
	cr_assert_lt(v, 2u, "notified queue %u", v);
	cr_assert(F.driver_ok, "notified before DRIVER_OK");
	F.notifies[v]++;
	if (v == 1 && F.tx_on_notify)
		serve_tx();
}

static void config(unsigned off, void *v, size_t n)
{
	cr_assert_leq(off + n, sizeof(F.cfg));
	memcpy(v, (char *)&F.cfg + off, n);
}

uint8_t mote_virtio_config8(const struct mote_virtio *d, unsigned off)
{
	uint8_t v;

	(void)d;
	config(off, &v, 1);
	return v;
}

uint16_t mote_virtio_config16(const struct mote_virtio *d, unsigned off)
{
	uint16_t v;

	(void)d;
	cr_assert_eq(off % 2, 0u);
	config(off, &v, 2);
	return v;
}

/* ---- the fake device ---- */

static void push_used(struct mote_vq *vq, unsigned qi, uint16_t head,
		      uint32_t len)
{
	struct mote_vring_used_elem *e =
		&vq->used->ring[vq->used->idx % vq->size];

	e->id = F.bogus_id ? vq->size + 3u : head;
	e->len = len;
	__atomic_store_n(&vq->used->idx, (uint16_t)(vq->used->idx + 1),
			 __ATOMIC_RELEASE);
	if (vq->event_idx && !F.lazy)
		memcpy(&vq->used->ring[vq->size], &F.last_avail[qi], 2);
}

/* Takes every queued frame, checking it is built as 5.1.6.2 says. */
static void serve_tx(void)
{
	struct mote_vq *vq = F.q[1];
	uint16_t avail = __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE);

	while (F.last_avail[1] != avail) {
		uint16_t head = vq->avail->ring[F.last_avail[1] % vq->size];
		struct mote_vring_desc *d = &vq->desc[head];
		static const uint8_t zero[HDR];
		uint8_t *p = (uint8_t *)(uintptr_t)d->addr;

		cr_assert_eq(d->flags, 0, "one device-readable buffer");
		cr_assert_geq(d->len, HDR + 14);
		cr_assert_arr_eq(p, zero, HDR, "header not all zero");
		cr_assert_lt(F.nsent, MAX_SENT);
		F.sent[F.nsent] = malloc(d->len - HDR);
		memcpy(F.sent[F.nsent], p + HDR, d->len - HDR);
		F.sent_len[F.nsent++] = d->len - HDR;
		F.last_avail[1]++;
		push_used(vq, 1, head, 0);
	}
}

/* Writes one frame into the next posted receive buffer; false if none. */
static bool deliver(const void *frame, size_t len)
{
	struct mote_vq *vq = F.q[0];
	uint16_t avail = __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE);
	uint16_t head;
	struct mote_vring_desc *d;
	struct mote_virtio_net_hdr h = {.gso_type = F.gso, .num_buffers = 1};

	if (F.last_avail[0] == avail)
		return false;
	head = vq->avail->ring[F.last_avail[0] % vq->size];
	d = &vq->desc[head];
	cr_assert_eq(d->flags, MOTE_VRING_DESC_F_WRITE,
		     "one device-writable buffer");
	cr_assert_geq(d->len, HDR + len);
	memcpy((void *)(uintptr_t)d->addr, &h, HDR);
	memcpy((char *)(uintptr_t)d->addr + HDR, frame, len);
	F.last_avail[0]++;
	push_used(vq, 0, head, F.claim_len ? F.claim_len : HDR + len);
	return true;
}

static bool deliver_all(void)
{
	bool any = false;

	while (F.nwire > 0 && deliver(F.wire[0], F.wire_len[0])) {
		any = true;
		F.nwire--;
		memmove(F.wire[0], F.wire[1], F.nwire * sizeof(F.wire[0]));
		memmove(F.wire_len, F.wire_len + 1,
			F.nwire * sizeof(F.wire_len[0]));
	}
	return any;
}

/* Puts a frame on the wire, to arrive at the next wait. */
static void wire(const void *frame, size_t len)
{
	cr_assert_lt(F.nwire, MAX_WIRE);
	memcpy(F.wire[F.nwire], frame, len);
	F.wire_len[F.nwire++] = len;
}

static void setup(void)
{
	memset(&F, 0, sizeof(F));
	F.offered = MOTE_VIRTIO_BIT(MOTE_VIRTIO_F_VERSION_1) |
		    MOTE_VIRTIO_BIT(MOTE_VIRTIO_F_EVENT_IDX) |
		    MOTE_VIRTIO_BIT(MOTE_VIRTIO_NET_F_MAC) |
		    MOTE_VIRTIO_BIT(MOTE_VIRTIO_NET_F_MTU) |
		    MOTE_VIRTIO_BIT(MOTE_VIRTIO_NET_F_STATUS) |
		    MOTE_VIRTIO_BIT(0) /* CSUM: must not be accepted */;
	memcpy(F.cfg.mac, "\x52\x54\x00\xab\xcd\xef", 6);
	F.cfg.status = MOTE_VIRTIO_NET_S_LINK_UP;
	F.cfg.mtu = 1500;
	F.ndevs = 1;
	F.queue_max = 256;
	F.tx_on_notify = true;
}

static void teardown(void)
{
	for (unsigned i = 0; i < F.nsent; i++)
		free(F.sent[i]);
}

TestSuite(guest_net, .init = setup, .fini = teardown, .timeout = 30);

static struct mote_net *open0(void)
{
	struct mote_net *n;

	cr_assert_eq(mote_net_open(0, &n), 0);
	return n;
}

static void frame_of(uint8_t *f, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		f[i] = (uint8_t)(seed + i * 7);
}

Test(guest_net, opens_with_the_devices_mac_mtu_and_link)
{
	struct mote_net *n;
	uint8_t mac[6];

	F.cfg.mtu = 4000;
	n = open0();
	cr_assert_eq(mote_net_count(), 1u);
	mote_net_mac(n, mac);
	cr_assert_arr_eq(mac, F.cfg.mac, 6);
	cr_assert_eq(mote_net_mtu(n), 4000u);
	cr_assert_eq(mote_net_frame_max(n), 4014u);
	cr_assert(mote_net_link_up(n));
	F.cfg.status = 0;
	cr_assert_not(mote_net_link_up(n));
	cr_assert_eq(n->dev.features & MOTE_VIRTIO_BIT(0), 0);
	mote_net_close(n);
	cr_assert_eq(F.status, 0u, "not reset at close");
}

Test(guest_net, makes_up_a_local_unicast_mac_and_assumes_defaults)
{
	struct mote_net *n;
	uint8_t mac[6];

	F.offered = MOTE_VIRTIO_BIT(MOTE_VIRTIO_F_VERSION_1);
	F.cfg.status = 0;
	n = open0();
	mote_net_mac(n, mac);
	cr_assert_eq(mac[0] & 3, 2, "not local unicast: %02x", mac[0]);
	cr_assert_eq(mote_net_mtu(n), 1500u);
	cr_assert(mote_net_link_up(n), "no STATUS: link must count as up");
	mote_net_close(n);
}

Test(guest_net, refuses_an_mtu_below_68_and_caps_a_huge_one)
{
	struct mote_net *n;

	F.cfg.mtu = 67;
	cr_assert_eq(mote_net_open(0, &n), -ENOTSUP);
	cr_assert_null(n);
	cr_assert(F.status & MOTE_VIRTIO_STATUS_FAILED);
	F.cfg.mtu = 65535;
	n = open0();
	cr_assert_eq(mote_net_mtu(n), MOTE_NET_MTU_MAX);
	mote_net_close(n);
}

Test(guest_net, reports_no_device_past_the_last)
{
	struct mote_net *n;

	cr_assert_eq(mote_net_open(1, &n), -ENODEV);
	cr_assert_null(n);
}

Test(guest_net, posts_every_receive_buffer_before_driver_ok)
{
	struct mote_net *n = open0();
	struct mote_vq *rx = F.q[0];

	cr_assert_eq(F.rx_avail_at_driver_ok, 64);
	cr_assert_eq(rx->size, 64);
	for (unsigned i = 0; i < 64; i++) {
		struct mote_vring_desc *d = &rx->desc[rx->avail->ring[i]];

		cr_assert_eq(d->flags, MOTE_VRING_DESC_F_WRITE);
		/* 5.1.6.3.1: at least 1526 bytes without MRG_RXBUF. */
		cr_assert_geq(d->len, 1526u);
		cr_assert_geq(d->len, HDR + 14 + 1500);
	}
	cr_assert_eq(F.notifies[0], 1u, "device not told of its buffers");
	mote_net_close(n);
}

Test(guest_net, receives_frames_and_reposts_their_buffers)
{
	struct mote_net *n = open0();
	uint8_t f[1514], g[100];
	const void *p;
	uint16_t avail;

	frame_of(f, sizeof(f), 1);
	frame_of(g, sizeof(g), 2);
	cr_assert_eq(mote_net_rx_next(n, &p), 0);
	cr_assert(deliver(f, sizeof(f)));
	cr_assert(deliver(g, sizeof(g)));
	avail = F.q[0]->avail->idx;
	cr_assert_eq(mote_net_rx_next(n, &p), 1514);
	cr_assert_arr_eq(p, f, sizeof(f));
	cr_assert_eq(F.q[0]->avail->idx, avail, "reposted while lent out");
	cr_assert_eq(mote_net_rx_next(n, &p), 100);
	cr_assert_arr_eq(p, g, sizeof(g));
	cr_assert_eq(F.q[0]->avail->idx, (uint16_t)(avail + 1));
	mote_net_rx_release(n);
	cr_assert_eq(F.q[0]->avail->idx, (uint16_t)(avail + 2));
	cr_assert_eq(mote_net_rx_next(n, &p), 0);
	/* Many more frames than buffers, in turns. */
	for (unsigned i = 0; i < 1000; i++) {
		cr_assert(deliver(g, 60 + i % 40));
		cr_assert_eq(mote_net_rx_next(n, &p), (int)(60 + i % 40));
	}
	mote_net_close(n);
}

Test(guest_net, drops_buffers_with_impossible_lengths_or_gso)
{
	struct mote_net *n = open0();
	struct mote_net_stats st;
	uint8_t f[60];
	const void *p;

	frame_of(f, sizeof(f), 3);
	F.claim_len = HDR + 13; /* shorter than an Ethernet header */
	deliver(f, sizeof(f));
	F.claim_len = 100000; /* longer than the buffer */
	deliver(f, sizeof(f));
	F.claim_len = 0;
	F.gso = 1; /* GSO_TCPV4, never negotiated */
	deliver(f, sizeof(f));
	F.gso = 0;
	deliver(f, sizeof(f));
	cr_assert_eq(mote_net_rx_next(n, &p), 60);
	mote_net_stats(n, &st);
	cr_assert_eq(st.rx_errors, 3u);
	cr_assert_eq(st.rx_frames, 1u);
	mote_net_rx_release(n);
	/* Every buffer went back to the device. */
	cr_assert_eq((uint16_t)(F.q[0]->avail->idx - F.last_avail[0]), 64);
	mote_net_close(n);
}

Test(guest_net, recv_copies_and_refuses_a_short_buffer)
{
	struct mote_net *n = open0();
	uint8_t f[200], buf[300];

	frame_of(f, sizeof(f), 4);
	deliver(f, sizeof(f));
	deliver(f, sizeof(f));
	cr_assert_eq(mote_net_recv(n, buf, sizeof(buf)), 200);
	cr_assert_arr_eq(buf, f, 200);
	cr_assert_eq(mote_net_recv(n, buf, 199), -EMSGSIZE);
	cr_assert_eq(mote_net_recv(n, buf, sizeof(buf)), 0);
	mote_net_close(n);
}

Test(guest_net, sends_with_a_zero_header_and_one_notify_per_batch)
{
	struct mote_net *n = open0();
	uint8_t f[1514];

	for (unsigned i = 0; i < 10; i++) {
		frame_of(f, 60 + i, (uint8_t)i);
		cr_assert_eq(mote_net_send(n, f, 60 + i), 0);
	}
	cr_assert_eq(F.notifies[1], 0u, "notified before the flush");
	mote_net_flush(n);
	cr_assert_eq(F.notifies[1], 1u);
	cr_assert_eq(F.nsent, 10u);
	for (unsigned i = 0; i < 10; i++) {
		frame_of(f, 60 + i, (uint8_t)i);
		cr_assert_eq(F.sent_len[i], 60 + i);
		cr_assert_arr_eq(F.sent[i], f, 60 + i);
	}
	/* A long burst tells the device every 32 frames on its own. */
	for (unsigned i = 0; i < 70; i++)
		cr_assert_eq(mote_net_send(n, f, 1514), 0);
	cr_assert_eq(F.notifies[1], 3u);
	cr_assert_eq(F.nsent, 10u + 64u);
	mote_net_flush(n);
	cr_assert_eq(F.nsent, 80u);
	mote_net_close(n);
}

Test(guest_net, zero_copy_send_builds_in_place)
{
	struct mote_net *n = open0();
	uint8_t *p = mote_net_tx_frame(n);

	cr_assert_not_null(p);
	cr_assert_eq(mote_net_tx_frame(n), p, "second call, other buffer");
	memset(p, 0x5a, 100);
	cr_assert_eq(mote_net_tx_commit(n, 100), 0);
	mote_net_flush(n);
	cr_assert_eq(F.nsent, 1u);
	cr_assert_eq(F.sent_len[0], 100u);
	cr_assert_eq(F.sent[0][99], 0x5a);
	mote_net_close(n);
}

Test(guest_net, does_not_notify_a_device_that_did_not_ask)
{
	struct mote_net *n;
	uint8_t f[60] = {0};

	/* avail_event stays 0: the device asks to hear of the first frame
	 * only, as one that polls its ring while busy would. */
	F.lazy = true;
	n = open0();
	cr_assert_eq(mote_net_send(n, f, 60), 0);
	mote_net_flush(n);
	cr_assert_eq(F.notifies[1], 1u);
	for (unsigned i = 0; i < 40; i++)
		cr_assert_eq(mote_net_send(n, f, 60), 0);
	mote_net_flush(n);
	cr_assert_eq(F.notifies[1], 1u);
	mote_net_close(n);
}

Test(guest_net, waits_for_a_transmit_buffer_when_all_are_in_flight)
{
	struct mote_net *n = open0();
	uint8_t f[60] = {0};

	F.tx_on_notify = false; /* completes only while the guest waits */
	for (unsigned i = 0; i < 128; i++)
		cr_assert_eq(mote_net_send(n, f, 60), 0);
	cr_assert_eq(F.waits, 0u);
	cr_assert_eq(mote_net_send(n, f, 60), 0);
	cr_assert_geq(F.waits, 1u, "did not sleep for a buffer");
	mote_net_flush(n);
	serve_tx();
	cr_assert_eq(F.nsent, 129u);
	mote_net_close(n);
}

Test(guest_net, refuses_frames_of_impossible_length)
{
	struct mote_net *n = open0();
	static uint8_t f[2000];

	cr_assert_eq(mote_net_send(n, f, 13), -EINVAL);
	cr_assert_eq(mote_net_send(n, f, 1515), -EINVAL);
	cr_assert_eq(mote_net_send(n, f, 1514), 0);
	mote_net_tx_frame(n);
	cr_assert_eq(mote_net_tx_commit(n, 1515), -EINVAL);
	mote_net_close(n);
}

Test(guest_net, wait_sleeps_until_the_deadline_or_a_frame)
{
	struct mote_net *n = open0();
	uint8_t f[64], buf[64];
	uint64_t t0 = F.clock;

	cr_assert_eq(mote_net_wait(n, t0 + 5000000), 0);
	cr_assert_geq(F.clock, t0 + 5000000);
	cr_assert_geq(F.waits, 1u);
	frame_of(f, sizeof(f), 9);
	wire(f, sizeof(f));
	cr_assert_eq(mote_net_recv_wait(n, buf, sizeof(buf), UINT64_MAX), 64);
	cr_assert_arr_eq(buf, f, 64);
	mote_net_close(n);
}

Test(guest_net, wait_flushes_queued_frames_first)
{
	struct mote_net *n = open0();
	uint8_t f[60] = {0};

	F.tx_on_notify = true;
	cr_assert_eq(mote_net_send(n, f, 60), 0);
	mote_net_wait(n, 0);
	cr_assert_eq(F.nsent, 1u);
	mote_net_close(n);
}

Test(guest_net, a_corrupt_used_ring_fails_every_later_call)
{
	struct mote_net *n = open0();
	uint8_t f[60] = {0}, buf[64];
	const void *p;

	F.bogus_id = true;
	deliver(f, sizeof(f));
	cr_assert_eq(mote_net_rx_next(n, &p), -EIO);
	cr_assert_eq(mote_net_recv(n, buf, sizeof(buf)), -EIO);
	cr_assert_eq(mote_net_send(n, f, 60), -EIO);
	cr_assert_null(mote_net_tx_frame(n));
	cr_assert_eq(mote_net_wait(n, UINT64_MAX), -EIO);
	mote_net_close(n);
}

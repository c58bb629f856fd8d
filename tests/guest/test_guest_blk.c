/*
 * The guest's virtqueue and virtio-blk driver, compiled for the host and
 * run against a fake device that reads and writes the same rings.
 */
#include "../guest_names.h"

#include <criterion/criterion.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../guest_abi/runtime/blk.c"
#include "../../guest_abi/runtime/virtqueue.c"
#include "../fake_virtio.h"

#define DISK_SECTORS 4096u /* 2 MiB */
#define NOTIFY_OFF   MOTE_VIRTIO_MMIO_QUEUE_NOTIFY

/* The fake device and the fake clock, shared by the stubs below. */
static struct {
	uint64_t offered;
	struct mote_virtio_blk_config cfg;
	uint8_t *disk;
	unsigned ndisks, queue_max;
	struct mote_vq *vq;
	uint16_t last_avail;
	/* behaviour */
	bool on_notify;	     /* serve requests when notified */
	bool reverse;	     /* complete each batch last-first */
	bool lazy;	     /* never ask for another notification */
	bool silent;	     /* never complete anything */
	bool bogus_id;	     /* return a head that was never posted */
	int force_status;    /* -1, or the status to write */
	uint32_t dev_status; /* the Status register */
	/* observations */
	uint64_t clock;
	unsigned notifies, waits, served, flushes;
	uint32_t last_type;
} F;

/* ---- stubs for the parts that touch MMIO or hypercalls ---- */

uint64_t mote_monotonic_ns(void)
{
	return F.clock += 100; /* every look at the clock takes 100 ns */
}

static void serve(void);

uint64_t mote_wait_until(uint64_t deadline_ns)
{
	uint16_t before = F.vq->used->idx;

	F.waits++;
	serve();
	if (F.vq->used->idx != before)
		return MOTE_WAIT_EVENT;
	if (F.clock < deadline_ns)
		F.clock = deadline_ns;
	return MOTE_WAIT_TIMEOUT;
}

int mote_virtio_find(uint32_t device_id, unsigned nth)
{
	return device_id == MOTE_VIRTIO_ID_BLOCK && nth < F.ndisks ? (int)nth
								   : -ENODEV;
}

int mote_virtio_init(struct mote_virtio *d, unsigned index, uint32_t device_id,
		     uint64_t wanted)
{
	(void)index;
	fake_virtio_init(d, device_id, F.offered, wanted);
	return 0;
}

int mote_virtio_queue_setup(struct mote_virtio *d, struct mote_vq *vq,
			    unsigned index, unsigned max_size)
{
	unsigned size;
	size_t used_off;
	char *mem;

	size = fake_vq_size(max_size, F.queue_max);
	used_off = (16 * size + 6 + 2 * size + 63) & ~(size_t)63;
	mem = aligned_alloc(64, used_off + 4096 + 8 * size);
	cr_assert_not_null(mem);
	memset(mem, 0, used_off + 4096 + 8 * size);
	fake_vq_rings(d, vq, index, size, mem, used_off);
	F.vq = vq;
	F.last_avail = 0;
	return 0;
}

void mote_vq_free(struct mote_vq *vq)
{
	fake_vq_free(vq);
}

void mote_virtio_driver_ok(struct mote_virtio *d)
{
	(void)d;
}

void mote_virtio_fail(struct mote_virtio *d)
{
	(void)d;
	F.dev_status |= MOTE_VIRTIO_STATUS_FAILED;
}

void mote_virtio_reset(struct mote_virtio *d)
{
	(void)d;
	F.dev_status = 0;
}

uint32_t mote_virtio_status(const struct mote_virtio *d)
{
	(void)d;
	return F.dev_status;
}

void mote_virtio_write32(const struct mote_virtio *d, unsigned off, uint32_t v)
{
	(void)d;
	cr_assert_eq(off, NOTIFY_OFF, "driver wrote register %#x", off);
	cr_assert_eq(v, 0, "notified queue %u", v);
	F.notifies++;
	if (F.on_notify)
		serve();
}

uint32_t mote_virtio_config32(const struct mote_virtio *d, unsigned off)
{
	uint32_t v;

	(void)d;
	memcpy(&v, (char *)&F.cfg + off, 4);
	return v;
}

uint64_t mote_virtio_config64(const struct mote_virtio *d, unsigned off)
{
	uint64_t v;

	(void)d;
	memcpy(&v, (char *)&F.cfg + off, 8);
	return v;
}

/* ---- the fake device ---- */

/* Executes one chain as a virtio-blk device would; returns bytes written
 * into the chain. Asserts the driver built it as the spec demands. */
static uint32_t execute(uint16_t head)
{
	struct mote_vring_desc *d[300];
	struct mote_virtio_blk_outhdr h;
	unsigned n = 0;
	uint16_t i = head;
	uint64_t off;
	uint32_t written = 1;
	uint8_t st = MOTE_VIRTIO_BLK_S_OK;

	for (;;) {
		cr_assert_lt(i, F.vq->size);
		cr_assert_lt(n, 300u, "chain too long");
		d[n++] = &F.vq->desc[i];
		if (!(F.vq->desc[i].flags & MOTE_VRING_DESC_F_NEXT))
			break;
		i = F.vq->desc[i].next;
	}
	cr_assert_geq(n, 2u);
	cr_assert_eq(d[0]->len, sizeof(h));
	cr_assert_eq(d[0]->flags & MOTE_VRING_DESC_F_WRITE, 0,
		     "header is device-writable");
	cr_assert_eq(d[n - 1]->len, 1u);
	cr_assert(d[n - 1]->flags & MOTE_VRING_DESC_F_WRITE,
		  "status is device-readable");
	memcpy(&h, (void *)(uintptr_t)d[0]->addr, sizeof(h));
	F.last_type = h.type;
	if (F.cfg.seg_max &&
	    (F.offered & MOTE_VIRTIO_BIT(MOTE_VIRTIO_BLK_F_SEG_MAX)))
		cr_assert_leq(n - 2, F.cfg.seg_max, "too many segments");
	off = h.sector * MOTE_BLK_SECTOR;
	for (unsigned k = 1; k + 1 < n; k++) {
		void *p = (void *)(uintptr_t)d[k]->addr;
		uint32_t len = d[k]->len;

		if (F.offered & MOTE_VIRTIO_BIT(MOTE_VIRTIO_BLK_F_SIZE_MAX))
			cr_assert_leq(len, F.cfg.size_max, "segment too big");
		if (h.type == MOTE_VIRTIO_BLK_T_GET_ID) {
			cr_assert_eq(len, MOTE_VIRTIO_BLK_ID_BYTES);
			memset(p, 0, len);
			memcpy(p, "fake-disk-id", 12);
			written += len;
			continue;
		}
		cr_assert_leq(off + len, (uint64_t)DISK_SECTORS * 512,
			      "past the end of the disk");
		if (h.type == MOTE_VIRTIO_BLK_T_IN) {
			cr_assert(d[k]->flags & MOTE_VRING_DESC_F_WRITE);
			memcpy(p, F.disk + off, len);
			written += len;
		} else {
			cr_assert_eq(h.type, MOTE_VIRTIO_BLK_T_OUT);
			cr_assert_eq(d[k]->flags & MOTE_VRING_DESC_F_WRITE, 0);
			memcpy(F.disk + off, p, len);
		}
		off += len;
	}
	if (h.type == MOTE_VIRTIO_BLK_T_FLUSH)
		F.flushes++;
	if (F.force_status >= 0)
		st = (uint8_t)F.force_status;
	*(uint8_t *)(uintptr_t)d[n - 1]->addr = st;
	return written;
}

/* Takes every available chain, executes it, and returns them used. */
static void serve(void)
{
	struct mote_vq *vq = F.vq;
	uint16_t heads[1024], n = 0;
	uint32_t lens[1024];
	uint16_t avail = __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE);
	uint16_t used = vq->used->idx;

	if (F.silent)
		return;
	while (F.last_avail != avail) {
		heads[n] = vq->avail->ring[F.last_avail % vq->size];
		lens[n] = execute(heads[n]);
		n++;
		F.last_avail++;
		F.served++;
	}
	for (uint16_t k = 0; k < n; k++) {
		uint16_t j = F.reverse ? (uint16_t)(n - 1 - k) : k;
		struct mote_vring_used_elem *e =
			&vq->used->ring[used++ % vq->size];

		e->id = F.bogus_id ? vq->size + 5u : heads[j];
		e->len = lens[j];
	}
	__atomic_store_n(&vq->used->idx, used, __ATOMIC_RELEASE);
	if (vq->event_idx && !F.lazy)
		memcpy(&vq->used->ring[vq->size], &F.last_avail, 2);
}

static void setup(void)
{
	memset(&F, 0, sizeof(F));
	F.offered = MOTE_VIRTIO_BIT(MOTE_VIRTIO_F_VERSION_1) |
		    MOTE_VIRTIO_BIT(MOTE_VIRTIO_F_EVENT_IDX) |
		    MOTE_VIRTIO_BIT(MOTE_VIRTIO_BLK_F_FLUSH) |
		    MOTE_VIRTIO_BIT(MOTE_VIRTIO_BLK_F_SIZE_MAX) |
		    MOTE_VIRTIO_BIT(MOTE_VIRTIO_BLK_F_SEG_MAX);
	F.cfg.capacity = DISK_SECTORS;
	F.cfg.size_max = 64 << 10;
	F.cfg.seg_max = 4;
	F.disk = calloc(DISK_SECTORS, 512);
	F.ndisks = 1;
	F.queue_max = 256;
	F.on_notify = true;
	F.force_status = -1;
	for (unsigned i = 0; i < DISK_SECTORS * 512; i++)
		F.disk[i] = (uint8_t)(i * 31 + i / 512);
}

static void teardown(void)
{
	free(F.disk);
}

TestSuite(guest_blk, .init = setup, .fini = teardown, .timeout = 30);

static struct mote_blk *open0(void)
{
	struct mote_blk *b;

	cr_assert_eq(mote_blk_open(0, &b), 0);
	return b;
}

Test(guest_blk, opens_with_the_devices_geometry)
{
	struct mote_blk *b = open0();

	cr_assert_eq(mote_blk_count(), 1);
	cr_assert_eq(mote_blk_sectors(b), DISK_SECTORS);
	cr_assert_not(mote_blk_read_only(b));
	cr_assert(mote_blk_has_flush(b));
	cr_assert_eq(mote_blk_depth(b), 256 / 3);
	cr_assert_eq(mote_blk_max_transfer(b), 4 * (64 << 10));
	mote_blk_close(b);
}

Test(guest_blk, reports_no_device_past_the_last)
{
	struct mote_blk *b;

	cr_assert_eq(mote_blk_open(1, &b), -ENODEV);
	cr_assert_null(b);
}

Test(guest_blk, blocking_write_then_read_splits_and_round_trips)
{
	struct mote_blk *b = open0();
	size_t len = 1536 << 10; /* 6 requests of 4 x 64 KiB */
	uint8_t *w = malloc(len), *r = malloc(len);

	for (size_t i = 0; i < len; i++)
		w[i] = (uint8_t)(i ^ (i >> 9));
	cr_assert_eq(mote_blk_write(b, 100, w, len), 0);
	cr_assert_eq(F.served, 6);
	cr_assert_arr_eq(F.disk + 100 * 512, w, len);
	cr_assert_eq(mote_blk_read(b, 100, r, len), 0);
	cr_assert_arr_eq(r, w, len);
	/* Every descriptor came back to the free list. */
	cr_assert_eq(F.vq->num_free, F.vq->size);
	free(w);
	free(r);
	mote_blk_close(b);
}

Test(guest_blk, refuses_bad_lengths_and_ranges_without_asking_the_device)
{
	struct mote_blk *b = open0();
	char buf[2048];

	cr_assert_eq(mote_blk_read(b, 0, buf, 0), -EINVAL);
	cr_assert_eq(mote_blk_read(b, 0, buf, 100), -EINVAL);
	cr_assert_eq(mote_blk_read(b, DISK_SECTORS - 1, buf, 1024), -EINVAL);
	cr_assert_eq(mote_blk_read(b, UINT64_MAX, buf, 512), -EINVAL);
	cr_assert_eq(mote_blk_submit(b, MOTE_BLK_READ, 0, buf, 1024 + 512, buf),
		     0);
	cr_assert_eq(mote_blk_submit(b, MOTE_BLK_GET_ID, 0, buf, 19, buf),
		     -EINVAL);
	cr_assert_eq(F.served, 0);
	mote_blk_close(b);
}

Test(guest_blk, read_only_disk_refuses_writes)
{
	struct mote_blk *b;
	char buf[512] = {0};

	F.offered |= MOTE_VIRTIO_BIT(MOTE_VIRTIO_BLK_F_RO);
	b = open0();
	cr_assert(mote_blk_read_only(b));
	cr_assert_eq(mote_blk_write(b, 0, buf, 512), -EROFS);
	cr_assert_eq(mote_blk_submit(b, MOTE_BLK_WRITE, 0, buf, 512, buf),
		     -EROFS);
	cr_assert_eq(F.served, 0);
	cr_assert_eq(mote_blk_read(b, 0, buf, 512), 0);
	mote_blk_close(b);
}

Test(guest_blk, queued_requests_complete_once_each_in_any_order)
{
	struct mote_blk *b = open0();
	unsigned depth = mote_blk_depth(b), seen = 0;
	bool got[128] = {false};
	char *buf = malloc((size_t)depth * 512);
	char one[512];

	F.on_notify = false; /* complete only while the guest waits */
	F.reverse = true;
	for (unsigned i = 0; i < depth; i++)
		cr_assert_eq(mote_blk_submit(b, MOTE_BLK_READ, i, buf + i * 512,
					     512, (void *)(uintptr_t)(i + 1)),
			     0);
	cr_assert_eq(mote_blk_submit(b, MOTE_BLK_READ, 0, one, 512, one),
		     -EAGAIN);
	cr_assert_eq(mote_blk_inflight(b), depth);
	while (seen < depth) {
		struct mote_blk_done d[7];
		int n = mote_blk_wait(b, d, 7, UINT64_MAX);

		cr_assert_gt(n, 0);
		for (int k = 0; k < n; k++) {
			unsigned i = (unsigned)(uintptr_t)d[k].cookie - 1;

			cr_assert_lt(i, depth);
			cr_assert_not(got[i], "request %u completed twice", i);
			cr_assert_eq(d[k].error, 0);
			cr_assert_arr_eq(buf + i * 512, F.disk + i * 512, 512);
			got[i] = true;
			seen++;
		}
	}
	cr_assert_eq(mote_blk_inflight(b), 0);
	cr_assert_eq(mote_blk_wait(b, NULL, 0, UINT64_MAX), 0);
	free(buf);
	mote_blk_close(b);
}

/* With EVENT_IDX the device asks for one notification per batch: a batch
 * of submissions costs one QueueNotify, and none while it is busy. */
Test(guest_blk, notifies_once_per_batch_with_event_idx)
{
	struct mote_blk *b = open0();
	struct mote_blk_done d[16];
	char buf[16 * 512];
	unsigned got = 0;

	F.on_notify = false;
	for (unsigned i = 0; i < 16; i++)
		cr_assert_eq(mote_blk_submit(b, MOTE_BLK_READ, i, buf + i * 512,
					     512, buf + i * 512),
			     0);
	cr_assert_eq(F.notifies, 0, "notified before the kick");
	mote_blk_kick(b);
	cr_assert_eq(F.notifies, 1);
	mote_blk_kick(b);
	cr_assert_eq(F.notifies, 1, "kick with nothing new notified");
	while (got < 16) {
		int n = mote_blk_wait(b, d, 16, UINT64_MAX);

		cr_assert_gt(n, 0);
		got += (unsigned)n;
	}
	/* The device consumed everything and re-armed: next batch, one. */
	cr_assert_eq(mote_blk_submit(b, MOTE_BLK_READ, 0, buf, 512, buf), 0);
	cr_assert_eq(mote_blk_submit(b, MOTE_BLK_READ, 1, buf, 512, buf), 0);
	mote_blk_kick(b);
	cr_assert_eq(F.notifies, 2);
	mote_blk_close(b);
}

Test(guest_blk, does_not_notify_a_device_that_did_not_ask)
{
	struct mote_blk *b;
	char buf[512];

	F.lazy = true; /* avail_event stays 0: only the first one notifies */
	b = open0();
	for (int i = 0; i < 5; i++)
		cr_assert_eq(mote_blk_read(b, 0, buf, 512), 0);
	cr_assert_eq(F.notifies, 1);
	cr_assert_eq(F.served, 5);
	mote_blk_close(b);
}

Test(guest_blk, honours_no_notify_without_event_idx)
{
	struct mote_blk *b;
	char buf[512];

	F.offered &= ~MOTE_VIRTIO_BIT(MOTE_VIRTIO_F_EVENT_IDX);
	b = open0();
	cr_assert_eq(mote_blk_read(b, 0, buf, 512), 0);
	cr_assert_eq(F.notifies, 1);
	F.vq->used->flags = MOTE_VRING_USED_F_NO_NOTIFY;
	cr_assert_eq(mote_blk_read(b, 0, buf, 512), 0);
	cr_assert_eq(F.notifies, 1);
	mote_blk_close(b);
}

Test(guest_blk, arms_used_event_before_sleeping)
{
	struct mote_blk *b = open0();
	char buf[512];

	F.on_notify = false;
	cr_assert_eq(mote_blk_read(b, 0, buf, 512), 0);
	cr_assert_eq(mote_blk_read(b, 1, buf, 512), 0);
	cr_assert_geq(F.waits, 2);
	/* used_event = the used index the driver waits to move past */
	cr_assert_eq(F.vq->avail->ring[F.vq->size], 1);
	mote_blk_close(b);
}

Test(guest_blk, passes_the_devices_error_status_on)
{
	struct mote_blk *b = open0();
	struct mote_blk_done d;
	char buf[512];

	F.force_status = MOTE_VIRTIO_BLK_S_IOERR;
	cr_assert_eq(mote_blk_read(b, 0, buf, 512), -EIO);
	F.force_status = MOTE_VIRTIO_BLK_S_UNSUPP;
	cr_assert_eq(mote_blk_get_id(b, buf), -ENOTSUP);
	F.force_status = 0x77;
	cr_assert_eq(mote_blk_submit(b, MOTE_BLK_READ, 0, buf, 512, buf), 0);
	cr_assert_eq(mote_blk_wait(b, &d, 1, UINT64_MAX), 1);
	cr_assert_eq(d.error, -EIO);
	cr_assert_eq(d.cookie, buf);
	/* An error status is the request's, not the device's: it goes on. */
	F.force_status = -1;
	cr_assert_eq(mote_blk_read(b, 0, buf, 512), 0);
	mote_blk_close(b);
}

Test(guest_blk, a_used_head_never_posted_fails_the_device)
{
	struct mote_blk *b = open0();
	char buf[512];

	F.bogus_id = true;
	cr_assert_eq(mote_blk_read(b, 0, buf, 512), -EIO);
	F.bogus_id = false;
	cr_assert_eq(mote_blk_read(b, 0, buf, 512), -EIO);
	cr_assert_eq(mote_blk_submit(b, MOTE_BLK_READ, 0, buf, 512, buf), -EIO);
	mote_blk_close(b);
}

Test(guest_blk, sleeps_rather_than_spins_until_the_deadline)
{
	struct mote_blk *b = open0();
	struct mote_blk_done d;
	char buf[512];
	uint64_t start;

	F.silent = true;
	cr_assert_eq(mote_blk_submit(b, MOTE_BLK_READ, 0, buf, 512, buf), 0);
	start = F.clock;
	cr_assert_eq(mote_blk_wait(b, &d, 1, start + 1000000000), 0);
	cr_assert_geq(F.clock, start + 1000000000);
	/* 1 s in slices of at most 100 ms, after 20 us of polling. */
	cr_assert_geq(F.waits, 10);
	cr_assert_leq(F.waits, 12);
	mote_blk_close(b);
}

Test(guest_blk, gives_up_when_the_device_needs_a_reset)
{
	struct mote_blk *b = open0();
	char buf[512];

	F.silent = true;
	F.dev_status =
		MOTE_VIRTIO_STATUS_DRIVER_OK | MOTE_VIRTIO_STATUS_NEEDS_RESET;
	cr_assert_eq(mote_blk_read(b, 0, buf, 512), -EIO);
	cr_assert_leq(F.waits, 1);
	mote_blk_close(b);
}

Test(guest_blk, flush_and_get_id)
{
	struct mote_blk *b = open0();
	char id[MOTE_VIRTIO_BLK_ID_BYTES + 1];

	cr_assert_eq(mote_blk_flush(b), 0);
	cr_assert_eq(F.flushes, 1);
	cr_assert_eq(F.last_type, MOTE_VIRTIO_BLK_T_FLUSH);
	cr_assert_eq(mote_blk_get_id(b, id), 0);
	cr_assert_str_eq(id, "fake-disk-id");
	mote_blk_close(b);
}

Test(guest_blk, flush_without_the_feature_is_a_no_op)
{
	struct mote_blk *b;
	char buf[512];

	F.offered &= ~MOTE_VIRTIO_BIT(MOTE_VIRTIO_BLK_F_FLUSH);
	b = open0();
	cr_assert_eq(mote_blk_flush(b), 0);
	cr_assert_eq(F.served, 0);
	cr_assert_eq(mote_blk_submit(b, MOTE_BLK_FLUSH, 0, NULL, 0, buf),
		     -ENOTSUP);
	mote_blk_close(b);
}

/* A blocking call while queued requests are out keeps their completions
 * for mote_blk_poll, and does not return any of its own there. */
Test(guest_blk, blocking_calls_leave_queued_completions_to_poll)
{
	struct mote_blk *b = open0();
	struct mote_blk_done d[4];
	char q[2][512], s[512];

	F.on_notify = false;
	cr_assert_eq(mote_blk_submit(b, MOTE_BLK_READ, 1, q[0], 512, q[0]), 0);
	cr_assert_eq(mote_blk_submit(b, MOTE_BLK_READ, 2, q[1], 512, q[1]), 0);
	cr_assert_eq(mote_blk_read(b, 3, s, 512), 0);
	cr_assert_arr_eq(s, F.disk + 3 * 512, 512);
	cr_assert_eq(mote_blk_poll(b, d, 4), 2);
	cr_assert_eq(d[0].cookie, q[0]);
	cr_assert_eq(d[1].cookie, q[1]);
	cr_assert_eq(mote_blk_poll(b, d, 4), 0);
	mote_blk_close(b);
}

/* When every slot holds a completed-but-unpolled queued request, a blocking
 * call cannot make room by waiting; it says so instead of hanging. */
Test(guest_blk, blocking_call_with_all_slots_unpolled_returns_eagain)
{
	struct mote_blk *b = open0();
	unsigned depth = mote_blk_depth(b);
	char *buf = malloc((size_t)depth * 512), s[512];
	struct mote_blk_done d[128];

	for (unsigned i = 0; i < depth; i++)
		cr_assert_eq(mote_blk_submit(b, MOTE_BLK_READ, i, buf + i * 512,
					     512, buf),
			     0);
	mote_blk_kick(b);
	cr_assert_eq(mote_blk_read(b, 0, s, 512), -EAGAIN);
	cr_assert_eq(mote_blk_poll(b, d, 128), (int)depth);
	cr_assert_eq(mote_blk_read(b, 0, s, 512), 0);
	free(buf);
	mote_blk_close(b);
}

/* The descriptor free list survives many out-of-order completions. */
Test(guest_blk, free_list_survives_out_of_order_completions)
{
	struct mote_blk *b = open0();
	char *buf = malloc(64 << 10);
	struct mote_blk_done d[32];

	F.on_notify = false;
	F.reverse = true;
	for (int round = 0; round < 50; round++) {
		unsigned n = 1 + (unsigned)round % 30, got = 0;

		for (unsigned i = 0; i < n; i++)
			cr_assert_eq(mote_blk_submit(b, MOTE_BLK_READ, i * 4,
						     buf + i * 2048,
						     512 * (1 + i % 4), buf),
				     0);
		while (got < n) {
			int k = mote_blk_wait(b, d, 32, UINT64_MAX);

			cr_assert_gt(k, 0);
			got += (unsigned)k;
		}
		cr_assert_eq(F.vq->num_free, F.vq->size);
	}
	free(buf);
	mote_blk_close(b);
}

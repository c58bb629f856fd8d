/*
 * The virtio-blk driver: request slots over one split virtqueue, a queued
 * API with cookies, and blocking calls built on the same path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mote.h"
#include "mote_blk.h"
#include "mote_virtio.h"

/* Ring size asked for: 256 descriptors (one 4 KiB page of them) carry 85
 * single-segment requests; more would touch more pages for little gain. */
#define QUEUE_SIZE 256u
/* Data segments per request we ever build, whatever SEG_MAX says: bounds
 * the descriptor array on the stack. */
#define MAX_SEGS 64u
/* One request moves at most this much, whatever the device allows. */
#define MAX_TRANSFER	(1u << 30)
/* Polling as long as a MOTE_HC_WAIT round trip costs (~100 us on PVM
 * hosts: QD1 reads took 129 us sleeping, 28 us polling) spends at most
 * twice the CPU of the better choice, whichever it turns out to be. A
 * disk answers within tens of microseconds; the network runtime, whose
 * waits are for remote peers, polls 20 us. With more busy guests than
 * host CPUs the polling is CPU taken from the others (4 guests at QD32
 * on 2 CPUs: 273K IOPS in all with 20 us, 227K with 100 us), so a guest
 * that shares its host that way should set a shorter spin. */
#define DEFAULT_SPIN_NS 100000u
#define STATUS_UNSET	0xffu /* no device status is 0xff: "not written" */

enum slot_kind { SLOT_FREE, SLOT_QUEUED, SLOT_SYNC };

/* A blocking call's requests: how many are still out, the first error. */
struct batch {
	unsigned pending;
	int error;
};

/* One request in flight. The device reads hdr and writes status; the rest
 * is ours. */
struct slot {
	struct mote_virtio_blk_outhdr hdr;
	uint8_t status;
	uint8_t kind;
	int error;
	void *cookie;	     /* SLOT_QUEUED: the caller's */
	struct batch *batch; /* SLOT_SYNC: the blocking call's */
};

struct mote_blk {
	struct mote_virtio dev;
	struct mote_vq vq;
	uint64_t sectors;
	uint32_t seg_bytes; /* longest data segment */
	uint32_t max_segs;  /* most data segments per request */
	uint32_t blk_size;
	bool ro, flush;
	bool failed; /* the device failed: every call returns -EIO */
	uint64_t spin_ns;
	unsigned depth;
	struct slot *slots;
	uint16_t *free; /* stack of free slot numbers */
	unsigned nfree;
	uint16_t *done; /* FIFO of completed queued slots */
	unsigned done_head, ndone;
	unsigned queued; /* queued requests not yet returned to the caller */
};

unsigned mote_blk_count(void)
{
	unsigned n = 0;

	while (mote_virtio_find(MOTE_VIRTIO_ID_BLOCK, n) >= 0)
		n++;
	return n;
}

static int alloc_slots(struct mote_blk *b)
{
	b->slots = calloc(b->depth, sizeof(*b->slots));
	b->free = malloc(b->depth * sizeof(*b->free));
	b->done = malloc(b->depth * sizeof(*b->done));
	if (!b->slots || !b->free || !b->done)
		return -ENOMEM;
	for (unsigned i = 0; i < b->depth; i++)
		b->free[i] = (uint16_t)(b->depth - 1 - i);
	b->nfree = b->depth;
	return 0;
}

static void free_all(struct mote_blk *b)
{
	if (b->vq.desc)
		mote_vq_free(&b->vq);
	free(b->slots);
	free(b->free);
	free(b->done);
	free(b);
}

static void read_config(struct mote_blk *b)
{
	const struct mote_virtio *d = &b->dev;
	uint64_t f = d->features;
	uint32_t v;

	b->sectors = mote_virtio_config64(
		d, __builtin_offsetof(struct mote_virtio_blk_config, capacity));
	b->seg_bytes = MAX_TRANSFER;
	if (f & MOTE_VIRTIO_BIT(MOTE_VIRTIO_BLK_F_SIZE_MAX)) {
		v = mote_virtio_config32(
			d, __builtin_offsetof(struct mote_virtio_blk_config,
					      size_max));
		/* Whole sectors per segment keep every split sector-aligned;
		 * a size_max under one sector would make I/O impossible, so
		 * such a value is taken as one sector. */
		v &= ~(MOTE_BLK_SECTOR - 1);
		if (v < MOTE_BLK_SECTOR)
			v = MOTE_BLK_SECTOR;
		if (v < b->seg_bytes)
			b->seg_bytes = v;
	}
	b->max_segs = MAX_SEGS;
	if (f & MOTE_VIRTIO_BIT(MOTE_VIRTIO_BLK_F_SEG_MAX)) {
		v = mote_virtio_config32(
			d, __builtin_offsetof(struct mote_virtio_blk_config,
					      seg_max));
		if (v >= 1 && v < b->max_segs)
			b->max_segs = v;
	}
	/* Header and status take two descriptors of the chain. */
	if (b->max_segs > b->vq.size - 2u)
		b->max_segs = b->vq.size - 2u;
	b->blk_size = MOTE_BLK_SECTOR;
	if (f & MOTE_VIRTIO_BIT(MOTE_VIRTIO_BLK_F_BLK_SIZE))
		b->blk_size = mote_virtio_config32(
			d, __builtin_offsetof(struct mote_virtio_blk_config,
					      blk_size));
	b->ro = f & MOTE_VIRTIO_BIT(MOTE_VIRTIO_BLK_F_RO);
	b->flush = f & MOTE_VIRTIO_BIT(MOTE_VIRTIO_BLK_F_FLUSH);
}

int mote_blk_open(unsigned nth, struct mote_blk **out)
{
	struct mote_blk *b;
	int idx = mote_virtio_find(MOTE_VIRTIO_ID_BLOCK, nth), r;

	*out = NULL;
	if (idx < 0)
		return idx;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	r = mote_virtio_init(
		&b->dev, (unsigned)idx, MOTE_VIRTIO_ID_BLOCK,
		MOTE_VIRTIO_BIT(MOTE_VIRTIO_BLK_F_SIZE_MAX) |
			MOTE_VIRTIO_BIT(MOTE_VIRTIO_BLK_F_SEG_MAX) |
			MOTE_VIRTIO_BIT(MOTE_VIRTIO_BLK_F_RO) |
			MOTE_VIRTIO_BIT(MOTE_VIRTIO_BLK_F_BLK_SIZE) |
			MOTE_VIRTIO_BIT(MOTE_VIRTIO_BLK_F_FLUSH));
	if (r == 0)
		r = mote_virtio_queue_setup(&b->dev, &b->vq, 0, QUEUE_SIZE);
	/* A request needs at least header, one data segment and status. */
	if (r == 0 && b->vq.size < 4)
		r = -ENOTSUP;
	if (r == 0) {
		read_config(b);
		b->depth = b->vq.size / 3u;
		b->spin_ns = DEFAULT_SPIN_NS;
		r = alloc_slots(b);
	}
	if (r < 0) {
		if (b->dev.base)
			mote_virtio_fail(&b->dev);
		free_all(b);
		return r;
	}
	mote_virtio_driver_ok(&b->dev);
	*out = b;
	return 0;
}

void mote_blk_close(struct mote_blk *b)
{
	if (!b)
		return;
	/* Reset first: the device must stop using the rings before they
	 * go back to the heap. */
	mote_virtio_reset(&b->dev);
	free_all(b);
}

uint64_t mote_blk_sectors(const struct mote_blk *b)
{
	return b->sectors;
}

bool mote_blk_read_only(const struct mote_blk *b)
{
	return b->ro;
}

bool mote_blk_has_flush(const struct mote_blk *b)
{
	return b->flush;
}

uint32_t mote_blk_block_size(const struct mote_blk *b)
{
	return b->blk_size;
}

unsigned mote_blk_depth(const struct mote_blk *b)
{
	return b->depth;
}

size_t mote_blk_max_transfer(const struct mote_blk *b)
{
	uint64_t m = (uint64_t)b->seg_bytes * b->max_segs;

	return m < MAX_TRANSFER ? (size_t)m : MAX_TRANSFER;
}

uint64_t mote_blk_notifies(const struct mote_blk *b)
{
	return b->vq.notifies;
}

uint64_t mote_blk_waits(const struct mote_blk *b)
{
	return b->vq.waits;
}

void mote_blk_set_spin(struct mote_blk *b, uint64_t spin_ns)
{
	b->spin_ns = spin_ns;
}

unsigned mote_blk_inflight(const struct mote_blk *b)
{
	return b->queued;
}

static int check_io(const struct mote_blk *b, enum mote_blk_op op,
		    uint64_t sector, size_t len)
{
	uint64_t end;

	switch (op) {
	case MOTE_BLK_WRITE:
		if (b->ro)
			return -EROFS;
		/* fall through */
	case MOTE_BLK_READ:
		if (len == 0 || len % MOTE_BLK_SECTOR != 0)
			return -EINVAL;
		if (__builtin_add_overflow(sector, len / MOTE_BLK_SECTOR,
					   &end) ||
		    end > b->sectors)
			return -EINVAL;
		return 0;
	case MOTE_BLK_FLUSH:
		return b->flush ? 0 : -ENOTSUP;
	case MOTE_BLK_GET_ID:
		return len == MOTE_VIRTIO_BLK_ID_BYTES ? 0 : -EINVAL;
	}
	return -EINVAL;
}

static const uint32_t req_type[] = {
	[MOTE_BLK_READ] = MOTE_VIRTIO_BLK_T_IN,
	[MOTE_BLK_WRITE] = MOTE_VIRTIO_BLK_T_OUT,
	[MOTE_BLK_FLUSH] = MOTE_VIRTIO_BLK_T_FLUSH,
	[MOTE_BLK_GET_ID] = MOTE_VIRTIO_BLK_T_GET_ID,
};

/* Builds and adds one request chain; len <= mote_blk_max_transfer. */
static int enqueue(struct mote_blk *b, enum mote_blk_op op, uint64_t sector,
		   void *buf, size_t len, enum slot_kind kind, void *owner)
{
	struct mote_vq_seg seg[MAX_SEGS + 2];
	bool dev_writes = op == MOTE_BLK_READ || op == MOTE_BLK_GET_ID;
	unsigned n = 0, nslot;
	struct slot *s;
	int r;

	if (b->failed)
		return -EIO;
	if (b->nfree == 0)
		return -EAGAIN;
	nslot = b->free[b->nfree - 1];
	s = &b->slots[nslot];
	s->hdr.type = req_type[op];
	s->hdr.reserved = 0;
	s->hdr.sector =
		op == MOTE_BLK_READ || op == MOTE_BLK_WRITE ? sector : 0;
	s->status = STATUS_UNSET;
	seg[n++] = (struct mote_vq_seg){&s->hdr, sizeof(s->hdr), false};
	for (size_t off = 0; off < len; off += b->seg_bytes) {
		size_t part =
			len - off < b->seg_bytes ? len - off : b->seg_bytes;

		seg[n++] = (struct mote_vq_seg){(char *)buf + off,
						(uint32_t)part, dev_writes};
	}
	seg[n++] = (struct mote_vq_seg){&s->status, 1, true};
	r = mote_vq_add(&b->vq, seg, n, s);
	if (r == -ENOSPC)
		return -EAGAIN; /* descriptors run out before slots */
	if (r < 0)
		return r;
	b->nfree--;
	s->kind = (uint8_t)kind;
	s->cookie = kind == SLOT_QUEUED ? owner : NULL;
	s->batch = kind == SLOT_SYNC ? owner : NULL;
	if (kind == SLOT_QUEUED)
		b->queued++;
	return 0;
}

static int status_error(uint8_t status)
{
	switch (status) {
	case MOTE_VIRTIO_BLK_S_OK:
		return 0;
	case MOTE_VIRTIO_BLK_S_UNSUPP:
		return -ENOTSUP;
	default: /* IOERR, or a status the device never wrote */
		return -EIO;
	}
}

static void release(struct mote_blk *b, struct slot *s)
{
	s->kind = SLOT_FREE;
	b->free[b->nfree++] = (uint16_t)(s - b->slots);
}

/* Moves every used chain to its owner: a blocking call's batch, or the
 * FIFO that poll drains. */
static int reap(struct mote_blk *b)
{
	void *token;
	uint32_t len;
	int r;

	while ((r = mote_vq_get(&b->vq, &token, &len)) == 1) {
		struct slot *s = token;

		s->error = status_error(
			__atomic_load_n(&s->status, __ATOMIC_RELAXED));
		if (s->kind == SLOT_SYNC) {
			s->batch->pending--;
			if (!s->batch->error)
				s->batch->error = s->error;
			release(b, s);
		} else {
			b->done[(b->done_head + b->ndone) % b->depth] =
				(uint16_t)(s - b->slots);
			b->ndone++;
		}
	}
	if (r < 0)
		b->failed = true;
	return r;
}

/* Waits for the device to use a chain; sets `failed` if it never will. */
static int wait_used(struct mote_blk *b, uint64_t deadline_ns)
{
	int r = mote_vq_wait(&b->vq, deadline_ns, b->spin_ns);

	if (r < 0)
		b->failed = true;
	return r;
}

int mote_blk_submit(struct mote_blk *b, enum mote_blk_op op, uint64_t sector,
		    void *buf, size_t len, void *cookie)
{
	int r = check_io(b, op, sector, len);

	if (r < 0)
		return r;
	if (len > mote_blk_max_transfer(b))
		return -EINVAL;
	return enqueue(b, op, sector, buf, len, SLOT_QUEUED, cookie);
}

void mote_blk_kick(struct mote_blk *b)
{
	if (!b->failed)
		mote_vq_kick(&b->vq);
}

int mote_blk_poll(struct mote_blk *b, struct mote_blk_done *done, unsigned max)
{
	unsigned n = 0;

	if (!b->failed) {
		mote_vq_kick(&b->vq);
		reap(b);
	}
	while (n < max && b->ndone > 0) {
		struct slot *s = &b->slots[b->done[b->done_head]];

		b->done_head = (b->done_head + 1) % b->depth;
		b->ndone--;
		b->queued--;
		done[n++] = (struct mote_blk_done){s->cookie, s->error};
		release(b, s);
	}
	return n == 0 && b->failed ? -EIO : (int)n;
}

int mote_blk_wait(struct mote_blk *b, struct mote_blk_done *done, unsigned max,
		  uint64_t deadline_ns)
{
	for (;;) {
		int n = mote_blk_poll(b, done, max);

		if (n != 0 || b->queued == 0 || max == 0)
			return n;
		n = wait_used(b, deadline_ns);
		if (n < 0)
			return n;
		if (n == 0)
			return 0;
	}
}

/*
 * A blocking transfer: submits pieces of at most max_transfer while slots
 * and descriptors last, waits for some to finish, and goes on until all
 * are done. Returns the first error. It never returns while a piece is in
 * flight (the device would complete it into this stack frame's batch),
 * unless the device failed, after which nothing is ever reaped again.
 */
static int run_sync(struct mote_blk *b, enum mote_blk_op op, uint64_t sector,
		    void *buf, size_t len)
{
	struct batch batch = {0, 0};
	size_t step = op == MOTE_BLK_READ || op == MOTE_BLK_WRITE
			      ? mote_blk_max_transfer(b)
			      : len;
	size_t off = 0;
	bool all = false;
	int r = check_io(b, op, sector, len);

	if (r < 0)
		return r;
	for (;;) {
		while (!all && !batch.error) {
			size_t part = len - off < step ? len - off : step;

			r = enqueue(b, op, sector + off / MOTE_BLK_SECTOR,
				    (char *)buf + off, part, SLOT_SYNC, &batch);
			/* Out of room: wait if something in flight will
			 * give room back. Slots held by completed queued
			 * requests come back only through mote_blk_poll. */
			if (r == -EAGAIN &&
			    (batch.pending > 0 ||
			     (b->nfree > 0 && b->vq.num_free < b->vq.size)))
				break;
			if (r < 0) {
				if (batch.pending == 0)
					return b->failed ? -EIO : r;
				batch.error = r;
				break;
			}
			batch.pending++;
			off += part;
			all = off >= len;
		}
		mote_vq_kick(&b->vq);
		if (reap(b) < 0)
			return -EIO;
		if (batch.pending == 0 && (all || batch.error))
			return batch.error;
		if (!mote_vq_pending(&b->vq) && wait_used(b, UINT64_MAX) < 0)
			return -EIO;
	}
}

int mote_blk_read(struct mote_blk *b, uint64_t sector, void *buf, size_t len)
{
	return run_sync(b, MOTE_BLK_READ, sector, buf, len);
}

int mote_blk_write(struct mote_blk *b, uint64_t sector, const void *buf,
		   size_t len)
{
	/* The device only reads the buffer of a write. */
	return run_sync(b, MOTE_BLK_WRITE, sector, (void *)(uintptr_t)buf, len);
}

int mote_blk_flush(struct mote_blk *b)
{
	if (!b->flush)
		return b->failed ? -EIO : 0;
	return run_sync(b, MOTE_BLK_FLUSH, 0, NULL, 0);
}

int mote_blk_get_id(struct mote_blk *b, char id[MOTE_VIRTIO_BLK_ID_BYTES + 1])
{
	int r;

	memset(id, 0, MOTE_VIRTIO_BLK_ID_BYTES + 1);
	r = run_sync(b, MOTE_BLK_GET_ID, 0, id, MOTE_VIRTIO_BLK_ID_BYTES);
	/* 5.2.6: the ID is NUL-padded, unterminated when all 20 bytes are
	 * used; the 21st byte stays 0. */
	id[MOTE_VIRTIO_BLK_ID_BYTES] = '\0';
	return r;
}

/*
 * libFuzzer target for the split-ring walker and virtio-blk request parsing:
 * the input is a guest's memory and the moves of a driver racing the device.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../../blk/request.h"
#include "guest_mem.h"
#include "virtqueue.h"

#define MEM    0x10000u
#define HEADER 16u /* input bytes that choose the queue's layout */

static _Alignas(4096) uint8_t mem[MEM];

#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x))                                                      \
			__builtin_trap();                                      \
	} while (0)

static uint16_t u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Every buffer the walker hands out lies in guest memory the device may
 * touch that way. */
static void check_chain(const struct guest_mem *gm, const struct vq_chain *c)
{
	CHECK(c->n >= 1 && c->n <= VQ_CHAIN_MAX);
	for (unsigned i = 0; i < c->n; i++) {
		const struct vq_buf *b = &c->buf[i];

		if (!b->host) {
			CHECK(c->bad);
			continue;
		}
		CHECK(b->len > 0);
		CHECK((uint8_t *)b->host >= mem + gm->floor);
		CHECK((uint8_t *)b->host + b->len <= mem + MEM);
		CHECK(guest_mem_dma(gm, b->gpa, b->len, 1, b->write) ==
		      b->host);
	}
}

static void check_request(const struct vq_chain *c, const struct blk_req *r,
			  int rc, const struct blk_limits *lim)
{
	if (rc == BLK_NO_STATUS)
		return;
	CHECK(r->status == c->buf[c->n - 1].host);
	if (rc != BLK_EXEC)
		return;
	CHECK(r->niov <= BLK_SEG_MAX);
	if (r->type == 0 || r->type == 1) { /* IN, OUT: inside the disk */
		CHECK(r->bytes % 512 == 0);
		CHECK(r->offset / 512 <= lim->sectors);
		CHECK(r->bytes / 512 <= lim->sectors - r->offset / 512);
		CHECK(!(r->type == 1 && lim->ro));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_mem gm = {.host = mem, .size = MEM, .floor = 0x1000};
	struct blk_limits lim = {.sectors = 64};
	struct virtq q;
	struct vq_chain c;
	struct blk_req r;
	const char *why;
	uint32_t qsize;
	size_t n;
	uint16_t inflight[256];
	unsigned ninflight = 0;

	if (size < HEADER)
		return 0;
	memset(mem, 0, MEM);
	n = size - HEADER < MEM ? size - HEADER : MEM;
	memcpy(mem, data + HEADER, n);
	/* Layout: queue size, event index, ring addresses (anywhere, so
	 * setup's checks are fuzzed too), a read-only window, disk flags. */
	qsize = 1u << (data[0] % 9);
	lim.ro = data[1] & 1;
	lim.direct = data[1] & 2;
	guest_mem_add_range(&gm, 0x1000, u16(data + 8) & ~0xfffu, true);
	guest_mem_add_range(&gm, u16(data + 8) & ~0xfffu,
			    (u16(data + 8) & ~0xfffu) + 0x1000, false);
	guest_mem_add_range(&gm, (u16(data + 8) & ~0xfffu) + 0x1000, MEM, true);
	if (vq_setup(&q, &gm, data[0] & 0x80 ? u16(data + 10) : qsize,
		     u16(data + 2), u16(data + 4), u16(data + 6), data[1] & 4,
		     &why) < 0)
		return 0;
	/* The driver's moves: each input byte past the header is one step. */
	for (size_t step = HEADER; step < size && step < HEADER + 512; step++) {
		uint8_t op = data[step];
		int rc;

		switch (op & 3) {
		case 0:
		case 1:
			rc = vq_pop(&q, &c);
			CHECK(rc == 1 || rc == 0 || rc == -EIO);
			if (rc == -EIO)
				CHECK(q.fault != VQ_OK);
			if (rc != 1)
				break;
			check_chain(&gm, &c);
			check_request(&c, &r, blk_parse(&c, &lim, &r), &lim);
			CHECK(ninflight < 256);
			inflight[ninflight++] = c.head;
			break;
		case 2:
			/* The device answers one request, or forgets it. */
			if (ninflight) {
				uint16_t head = inflight[--ninflight];

				if (op & 4)
					vq_push(&q, head, op);
				else
					vq_drop(&q, head);
			}
			vq_need_notify(&q);
			break;
		case 3:
			/* The driver moves its avail index meanwhile. */
			__atomic_store_n(&q.avail->idx,
					 (uint16_t)(q.avail->idx + (op >> 2)),
					 __ATOMIC_RELEASE);
			break;
		}
		CHECK(q.inflight == ninflight);
		CHECK(q.inflight <= q.size);
	}
	vq_teardown(&q);
	return 0;
}

/*
 * The split-ring walker on crafted rings in a heap buffer: valid chains,
 * every rejection of the policy table in monitor/virtqueue.c, event indexes.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "guest_mem.h"
#include "virtqueue.h"

#define MEM	 0x10000u
#define RO_START 0x4000u /* [RO_START, RO_END): readable, not writable */
#define RO_END	 0x5000u
#define DESC	 0x1000u
#define AVAIL	 0x2000u
#define USED	 0x3000u
#define BUF	 0x8000u
#define QSIZE	 8u

static uint8_t *mem;
static struct guest_mem gm;
static struct virtq q;
static struct vq_chain c;

static void setup(void)
{
	mem = aligned_alloc(4096, MEM);
	cr_assert_not_null(mem);
	memset(mem, 0, MEM);
	gm = (struct guest_mem){.host = mem, .size = MEM, .floor = 0x1000};
	cr_assert_eq(guest_mem_add_range(&gm, 0x1000, RO_START, true), 0);
	cr_assert_eq(guest_mem_add_range(&gm, RO_START, RO_END, false), 0);
	cr_assert_eq(guest_mem_add_range(&gm, RO_END, MEM, true), 0);
}

static void teardown(void)
{
	vq_teardown(&q);
	free(mem);
}

TestSuite(virtqueue, .init = setup, .fini = teardown);

static struct vring_desc *desc(unsigned i)
{
	return (struct vring_desc *)(mem + DESC) + i;
}

static struct vring_avail *avail(void)
{
	return (struct vring_avail *)(mem + AVAIL);
}

static struct vring_used *used(void)
{
	return (struct vring_used *)(mem + USED);
}

static void open_queue(bool event_idx)
{
	const char *why = "";

	cr_assert_eq(
		vq_setup(&q, &gm, QSIZE, DESC, AVAIL, USED, event_idx, &why), 0,
		"%s", why);
}

static void set_desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	*desc(i) = (struct vring_desc){addr, len, flags, next};
}

/* Puts head in the available ring, as a driver would. */
static void offer(uint16_t head)
{
	avail()->ring[avail()->idx % QSIZE] = head;
	avail()->idx++;
}

static void expect_fault(enum vq_fault f)
{
	cr_assert_eq(vq_pop(&q, &c), -EIO);
	cr_assert_eq(q.fault, f, "fault %d (%s), expected %d", q.fault,
		     vq_fault_str(q.fault), f);
	/* A broken queue stays broken: nothing more is taken. */
	offer(0);
	cr_assert_eq(vq_pop(&q, &c), -EIO);
}

/* --- valid chains --- */

Test(virtqueue, pops_nothing_from_an_empty_ring)
{
	open_queue(false);
	cr_assert_eq(vq_pop(&q, &c), 0);
	cr_assert_eq(q.inflight, 0);
}

Test(virtqueue, pops_a_single_descriptor_chain)
{
	open_queue(false);
	set_desc(3, BUF, 512, VRING_DESC_F_WRITE, 0);
	offer(3);
	cr_assert_eq(vq_pop(&q, &c), 1);
	cr_assert_eq(c.head, 3);
	cr_assert_eq(c.n, 1);
	cr_assert(!c.bad && !c.too_long);
	cr_assert_eq(c.buf[0].host, mem + BUF);
	cr_assert_eq(c.buf[0].len, 512);
	cr_assert(c.buf[0].write);
	cr_assert_eq(q.inflight, 1);
	cr_assert_eq(vq_pop(&q, &c), 0);
}

Test(virtqueue, pops_a_multi_descriptor_chain_in_link_order)
{
	open_queue(false);
	set_desc(0, BUF, 16, VRING_DESC_F_NEXT, 5);
	set_desc(5, BUF + 0x100, 4096, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE,
		 2);
	set_desc(2, BUF + 0x2000, 1, VRING_DESC_F_WRITE, 0);
	offer(0);
	cr_assert_eq(vq_pop(&q, &c), 1);
	cr_assert_eq(c.n, 3);
	cr_assert_eq(c.buf[0].host, mem + BUF);
	cr_assert(!c.buf[0].write);
	cr_assert_eq(c.buf[1].host, mem + BUF + 0x100);
	cr_assert_eq(c.buf[1].len, 4096);
	cr_assert(c.buf[1].write);
	cr_assert_eq(c.buf[2].host, mem + BUF + 0x2000);
	cr_assert(!c.bad);
}

Test(virtqueue, push_publishes_the_used_entry_then_the_index)
{
	open_queue(false);
	set_desc(4, BUF, 8, 0, 0);
	offer(4);
	cr_assert_eq(vq_pop(&q, &c), 1);
	vq_push(&q, 4, 77);
	cr_assert_eq(used()->idx, 1);
	cr_assert_eq(used()->ring[0].id, 4);
	cr_assert_eq(used()->ring[0].len, 77);
	cr_assert_eq(q.inflight, 0);
}

Test(virtqueue, takes_several_chains_in_ring_order)
{
	open_queue(false);
	for (unsigned i = 0; i < 3; i++) {
		set_desc(i, BUF + i * 16, 16, 0, 0);
		offer((uint16_t)(2 - i));
	}
	for (unsigned i = 0; i < 3; i++) {
		cr_assert_eq(vq_pop(&q, &c), 1);
		cr_assert_eq(c.head, 2 - i);
	}
	cr_assert_eq(q.inflight, 3);
	cr_assert_eq(vq_pop(&q, &c), 0);
}

Test(virtqueue, wraps_16_bit_indexes)
{
	open_queue(false);
	/* Both sides well into their index space, just before it wraps. */
	q.last_avail = q.used_idx = q.signalled = 65534;
	avail()->idx = used()->idx = 65534;
	for (unsigned i = 0; i < 4; i++) {
		set_desc(i, BUF + i * 16, 16, 0, 0);
		offer((uint16_t)i);
	}
	cr_assert_eq(avail()->idx, 2);
	for (unsigned i = 0; i < 4; i++) {
		cr_assert_eq(vq_pop(&q, &c), 1, "chain %u", i);
		cr_assert_eq(c.head, i);
		vq_push(&q, c.head, 0);
	}
	cr_assert_eq(vq_pop(&q, &c), 0);
	cr_assert_eq(used()->idx, 2);
	cr_assert_eq(used()->ring[65535 % QSIZE].id, 1);
	cr_assert_eq(used()->ring[0].id, 2);
}

Test(virtqueue, accepts_a_full_ring)
{
	open_queue(false);
	for (unsigned i = 0; i < QSIZE; i++) {
		set_desc(i, BUF, 16, 0, 0);
		offer((uint16_t)i);
	}
	for (unsigned i = 0; i < QSIZE; i++)
		cr_assert_eq(vq_pop(&q, &c), 1);
	cr_assert_eq(q.inflight, QSIZE);
}

Test(virtqueue, a_head_can_come_back_once_it_was_used)
{
	open_queue(false);
	set_desc(1, BUF, 16, 0, 0);
	offer(1);
	cr_assert_eq(vq_pop(&q, &c), 1);
	vq_push(&q, 1, 0);
	offer(1);
	cr_assert_eq(vq_pop(&q, &c), 1);
	cr_assert_eq(c.head, 1);
}

Test(virtqueue, drop_forgets_a_chain_without_a_used_entry)
{
	open_queue(false);
	set_desc(1, BUF, 16, 0, 0);
	offer(1);
	cr_assert_eq(vq_pop(&q, &c), 1);
	vq_drop(&q, 1);
	cr_assert_eq(q.inflight, 0);
	cr_assert_eq(used()->idx, 0);
}

/* --- rejections that break the ring: DEVICE_NEEDS_RESET --- */

Test(virtqueue, rejects_an_avail_index_more_than_a_ring_ahead)
{
	open_queue(false);
	avail()->idx = QSIZE + 1;
	expect_fault(VQ_AVAIL_JUMP);
}

Test(virtqueue, rejects_an_avail_index_that_went_backwards)
{
	open_queue(false);
	set_desc(0, BUF, 16, 0, 0);
	offer(0);
	cr_assert_eq(vq_pop(&q, &c), 1);
	avail()->idx = 0; /* 65535 entries "ahead" of ours */
	expect_fault(VQ_AVAIL_JUMP);
}

Test(virtqueue, rejects_a_head_index_past_the_ring)
{
	open_queue(false);
	offer(QSIZE);
	expect_fault(VQ_HEAD_RANGE);
}

Test(virtqueue, rejects_a_next_index_past_the_ring)
{
	open_queue(false);
	set_desc(0, BUF, 16, VRING_DESC_F_NEXT, QSIZE + 100);
	offer(0);
	expect_fault(VQ_NEXT_RANGE);
}

Test(virtqueue, rejects_a_descriptor_that_links_to_itself)
{
	open_queue(false);
	set_desc(0, BUF, 16, VRING_DESC_F_NEXT, 0);
	offer(0);
	expect_fault(VQ_LOOP);
}

Test(virtqueue, rejects_a_loop_through_several_descriptors)
{
	open_queue(false);
	set_desc(0, BUF, 16, VRING_DESC_F_NEXT, 1);
	set_desc(1, BUF, 16, VRING_DESC_F_NEXT, 2);
	set_desc(2, BUF, 16, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	offer(0);
	expect_fault(VQ_LOOP);
}

Test(virtqueue, accepts_a_chain_of_every_descriptor)
{
	open_queue(false);
	for (unsigned i = 0; i < QSIZE; i++)
		set_desc(i, BUF, 16, i + 1 < QSIZE ? VRING_DESC_F_NEXT : 0,
			 (uint16_t)(i + 1));
	offer(0);
	cr_assert_eq(vq_pop(&q, &c), 1);
	cr_assert_eq(c.n, QSIZE);
}

Test(virtqueue, rejects_a_head_offered_again_while_in_flight)
{
	open_queue(false);
	set_desc(2, BUF, 16, 0, 0);
	offer(2);
	cr_assert_eq(vq_pop(&q, &c), 1);
	offer(2);
	expect_fault(VQ_HEAD_IN_FLIGHT);
}

Test(virtqueue, rejects_indirect_descriptors_which_are_not_offered)
{
	open_queue(false);
	set_desc(0, BUF, 64, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	expect_fault(VQ_INDIRECT);
}

Test(virtqueue, a_rejected_chain_is_not_taken)
{
	open_queue(false);
	set_desc(0, BUF, 16, VRING_DESC_F_NEXT, QSIZE);
	offer(0);
	cr_assert_eq(vq_pop(&q, &c), -EIO);
	cr_assert_eq(q.inflight, 0);
	cr_assert_eq(q.last_avail, 0);
}

/* --- rejections of one buffer: the device reports them --- */

Test(virtqueue, marks_a_buffer_outside_guest_memory)
{
	open_queue(false);
	set_desc(0, BUF, 16, VRING_DESC_F_NEXT, 1);
	set_desc(1, 0x7fff00000000ull, 512, VRING_DESC_F_NEXT, 2);
	set_desc(2, BUF + 16, 1, VRING_DESC_F_WRITE, 0);
	offer(0);
	cr_assert_eq(vq_pop(&q, &c), 1);
	cr_assert(c.bad);
	cr_assert_null(c.buf[1].host);
	cr_assert_eq(c.buf[2].host, mem + BUF + 16);
}

Test(virtqueue, marks_a_buffer_running_past_the_end_of_memory)
{
	open_queue(false);
	set_desc(0, MEM - 512, 4096, VRING_DESC_F_WRITE, 0);
	offer(0);
	cr_assert_eq(vq_pop(&q, &c), 1);
	cr_assert(c.bad);
}

Test(virtqueue, marks_a_buffer_whose_length_overflows)
{
	open_queue(false);
	set_desc(0, UINT64_MAX - 100, 0xffffffffu, 0, 0);
	offer(0);
	cr_assert_eq(vq_pop(&q, &c), 1);
	cr_assert(c.bad);
}

Test(virtqueue, marks_an_empty_buffer)
{
	open_queue(false);
	set_desc(0, BUF, 0, VRING_DESC_F_WRITE, 0);
	offer(0);
	cr_assert_eq(vq_pop(&q, &c), 1);
	cr_assert(c.bad);
}

Test(virtqueue, marks_a_device_writable_buffer_in_memory_the_guest_cannot_write)
{
	open_queue(false);
	set_desc(0, RO_START, 16, VRING_DESC_F_NEXT, 1);
	set_desc(1, RO_START + 16, 16, VRING_DESC_F_WRITE, 0);
	offer(0);
	cr_assert_eq(vq_pop(&q, &c), 1);
	cr_assert_not_null(c.buf[0].host, "reading it is fine");
	cr_assert_null(c.buf[1].host);
	cr_assert(c.bad);
}

Test(virtqueue, marks_a_buffer_below_the_floor)
{
	open_queue(false);
	set_desc(0, 0x10, 16, 0, 0);
	offer(0);
	cr_assert_eq(vq_pop(&q, &c), 1);
	cr_assert(c.bad);
}

Test(virtqueue, keeps_the_last_buffer_of_a_chain_over_the_limit)
{
	static uint8_t big_mem[0x20000];
	struct guest_mem big = {
		.host = big_mem, .size = sizeof(big_mem), .floor = 0x1000};
	const char *why = "";
	struct vring_desc *d = (struct vring_desc *)(big_mem + DESC);
	struct vring_avail *a = (struct vring_avail *)(big_mem + 0x3000);
	unsigned n = VQ_CHAIN_MAX + 5;

	cr_assert_eq(guest_mem_add_range(&big, 0x1000, sizeof(big_mem), true),
		     0);
	cr_assert_eq(vq_setup(&q, &big, 64, DESC, 0x3000, 0x4000, false, &why),
		     0, "%s", why);
	for (unsigned i = 0; i < n; i++)
		d[i] = (struct vring_desc){0x8000 + i, 1,
					   i + 1 < n ? VRING_DESC_F_NEXT : 0,
					   (uint16_t)(i + 1)};
	a->ring[0] = 0;
	a->idx = 1;
	cr_assert_eq(vq_pop(&q, &c), 1);
	cr_assert(c.too_long);
	cr_assert_eq(c.n, VQ_CHAIN_MAX);
	cr_assert_eq(c.buf[VQ_CHAIN_MAX - 1].gpa, 0x8000 + n - 1);
	cr_assert_eq(c.buf[VQ_CHAIN_MAX - 2].gpa, 0x8000 + VQ_CHAIN_MAX - 2);
}

/* --- setup --- */

static void expect_setup_fails(uint32_t size, uint64_t d, uint64_t a,
			       uint64_t u)
{
	const char *why = NULL;

	cr_assert_eq(vq_setup(&q, &gm, size, d, a, u, false, &why), -EINVAL);
	cr_assert_not_null(why);
	cr_assert_null(q.busy);
}

Test(virtqueue, setup_rejects_a_size_that_is_not_a_power_of_two)
{
	expect_setup_fails(0, DESC, AVAIL, USED);
	expect_setup_fails(6, DESC, AVAIL, USED);
	expect_setup_fails(65536, DESC, AVAIL, USED);
}

Test(virtqueue, setup_rejects_misaligned_areas)
{
	expect_setup_fails(QSIZE, DESC + 8, AVAIL, USED);
	expect_setup_fails(QSIZE, DESC, AVAIL + 1, USED);
	expect_setup_fails(QSIZE, DESC, AVAIL, USED + 2);
}

Test(virtqueue, setup_accepts_the_minimum_alignments)
{
	const char *why = "";

	cr_assert_eq(vq_setup(&q, &gm, QSIZE, DESC + 16, AVAIL + 2, USED + 4,
			      false, &why),
		     0, "%s", why);
}

Test(virtqueue, setup_rejects_areas_outside_guest_memory)
{
	expect_setup_fails(QSIZE, MEM - 64, AVAIL, USED);
	expect_setup_fails(QSIZE, DESC, MEM - 8, USED);
	expect_setup_fails(QSIZE, DESC, AVAIL, MEM - 16);
	expect_setup_fails(QSIZE, DESC, AVAIL, 0x7fffffff000ull);
	expect_setup_fails(QSIZE, 0, AVAIL, USED);
}

Test(virtqueue, setup_rejects_a_used_ring_the_guest_cannot_write)
{
	const char *why = "";

	expect_setup_fails(QSIZE, DESC, AVAIL, RO_START);
	/* The driver-written parts may be read-only to the guest. */
	cr_assert_eq(vq_setup(&q, &gm, QSIZE, RO_START, RO_START + 0x200, USED,
			      false, &why),
		     0, "%s", why);
}

/* --- notifications, both ways --- */

Test(virtqueue, without_event_idx_notifies_unless_the_driver_said_not_to)
{
	open_queue(false);
	cr_assert_not(vq_need_notify(&q), "nothing used yet");
	set_desc(0, BUF, 16, 0, 0);
	offer(0);
	cr_assert_eq(vq_pop(&q, &c), 1);
	vq_push(&q, 0, 0);
	cr_assert(vq_need_notify(&q));
	cr_assert_not(vq_need_notify(&q), "nothing new since");
	avail()->flags = VRING_AVAIL_F_NO_INTERRUPT;
	offer(0);
	cr_assert_eq(vq_pop(&q, &c), 1);
	vq_push(&q, 0, 0);
	cr_assert_not(vq_need_notify(&q));
}

Test(virtqueue, with_event_idx_notifies_when_used_passes_used_event)
{
	uint16_t *used_event = &avail()->ring[QSIZE];

	open_queue(true);
	avail()->flags = VRING_AVAIL_F_NO_INTERRUPT; /* ignored here */
	for (unsigned i = 0; i < 4; i++)
		set_desc(i, BUF, 16, 0, 0);
	/* The driver wants to hear once the third chain (index 2) is used. */
	*used_event = 2;
	for (unsigned i = 0; i < 4; i++)
		offer((uint16_t)i);
	for (unsigned i = 0; i < 4; i++)
		cr_assert_eq(vq_pop(&q, &c), 1);
	vq_push(&q, 0, 0);
	cr_assert_not(vq_need_notify(&q));
	vq_push(&q, 1, 0);
	cr_assert_not(vq_need_notify(&q));
	vq_push(&q, 2, 0);
	cr_assert(vq_need_notify(&q));
	vq_push(&q, 3, 0);
	cr_assert_not(vq_need_notify(&q), "used_event already passed");
}

Test(virtqueue, with_event_idx_notifies_a_batch_that_crosses_used_event)
{
	open_queue(true);
	avail()->ring[QSIZE] = 1; /* used_event */
	for (unsigned i = 0; i < 3; i++) {
		set_desc(i, BUF, 16, 0, 0);
		offer((uint16_t)i);
	}
	for (unsigned i = 0; i < 3; i++) {
		cr_assert_eq(vq_pop(&q, &c), 1);
		vq_push(&q, c.head, 0);
	}
	cr_assert(vq_need_notify(&q));
}

Test(virtqueue, with_event_idx_asks_for_a_kick_at_the_next_chain)
{
	uint16_t *avail_event = (uint16_t *)&used()->ring[QSIZE];

	open_queue(true);
	*avail_event = 0xbeef;
	cr_assert_eq(vq_pop(&q, &c), 0);
	cr_assert_eq(*avail_event, 0);
	set_desc(0, BUF, 16, 0, 0);
	set_desc(1, BUF, 16, 0, 0);
	offer(0);
	offer(1);
	cr_assert_eq(vq_pop(&q, &c), 1);
	/* Not dry yet: avail_event is only written when the ring runs dry,
	 * as the walker will look again by itself. */
	cr_assert_eq(*avail_event, 0);
}

Test(virtqueue, with_event_idx_publishes_avail_event_when_the_ring_runs_dry)
{
	uint16_t *avail_event = (uint16_t *)&used()->ring[QSIZE];

	open_queue(true);
	for (unsigned i = 0; i < 3; i++) {
		set_desc(i, BUF, 16, 0, 0);
		offer((uint16_t)i);
	}
	for (unsigned i = 0; i < 3; i++)
		cr_assert_eq(vq_pop(&q, &c), 1);
	cr_assert_eq(vq_pop(&q, &c), 0);
	cr_assert_eq(*avail_event, 3);
}

Test(virtqueue, without_event_idx_leaves_avail_event_alone)
{
	uint16_t *avail_event = (uint16_t *)&used()->ring[QSIZE];

	open_queue(false);
	*avail_event = 0x1234;
	cr_assert_eq(vq_pop(&q, &c), 0);
	cr_assert_eq(*avail_event, 0x1234);
}

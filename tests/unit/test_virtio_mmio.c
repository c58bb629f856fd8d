/*
 * The virtio-mmio transport with a fake device behind its ops table:
 * register semantics, status and features, queue setup, config space, and
 * notify and reset through the device loop. No KVM: accesses are calls.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../guest_abi/mote_abi.h"
#include "device.h"
#include "guest_mem.h"
#include "../mmio_driver.h"
#include "virtio_mmio.h"

#define MEM	     0x10000u
#define DESC	     0x1000u
#define AVAIL	     0x2000u
#define USED	     0x3000u
#define BUF	     0x8000u
#define FAKE_ID	     0x7du
#define FAKE_FEATURE 3 /* a device feature bit it offers */

#define ACK VIRTIO_CONFIG_S_ACKNOWLEDGE
#define DRV VIRTIO_CONFIG_S_DRIVER
#define FOK VIRTIO_CONFIG_S_FEATURES_OK
#define DOK VIRTIO_CONFIG_S_DRIVER_OK

struct fake_config {
	uint32_t a, b;
};

/* What the fake device saw; the loop thread writes some of it. */
static struct {
	struct fake_config cfg;
	unsigned notifies, resets, inits, destroys;
	bool hold; /* keep chains instead of using them */
	uint16_t held[8];
	unsigned nheld;
} fake;
static unsigned events;

static int fake_init(struct virtio_dev *d, void *backend, struct mote_err *e)
{
	(void)e;
	d->priv = backend;
	d->config = &fake.cfg;
	fake.inits++;
	return 0;
}

static void fake_destroy(struct virtio_dev *d)
{
	(void)d;
	fake.destroys++;
}

static uint64_t fake_features(struct virtio_dev *d)
{
	(void)d;
	return 1ull << FAKE_FEATURE;
}

/* Uses every chain at once with its head as length, or holds them. */
static void fake_notify(struct virtio_dev *d, unsigned q)
{
	struct vq_chain c;

	__atomic_add_fetch(&fake.notifies, 1, __ATOMIC_SEQ_CST);
	while (virtio_dev_pop(d, q, &c) > 0) {
		if (fake.hold)
			fake.held[fake.nheld++] = c.head;
		else
			virtio_dev_used(d, q, c.head, c.head);
	}
}

static void fake_reset(struct virtio_dev *d)
{
	(void)d;
	fake.resets++;
	fake.nheld = 0;
}

static void fake_config_write(struct virtio_dev *d, uint32_t off,
			      const void *buf, uint32_t len)
{
	(void)d;
	memcpy((uint8_t *)&fake.cfg + off, buf, len);
}

static const struct virtio_dev_ops fake_ops = {
	.name = "fake",
	.device_id = FAKE_ID,
	.nqueues = 2,
	.queue_max = 16,
	.config_size = sizeof(struct fake_config),
	.init = fake_init,
	.destroy = fake_destroy,
	.features = fake_features,
	.notify = fake_notify,
	.reset = fake_reset,
	.config_write = fake_config_write,
};

static uint8_t *mem;
static struct guest_mem gm;
static struct virtio_mmio *t;

static void on_event(void *ctx)
{
	(void)ctx;
	__atomic_add_fetch(&events, 1, __ATOMIC_SEQ_CST);
}

static void setup(void)
{
	struct virtio_mmio_host host = {
		.gm = &gm,
		.vm_fd = -1,
		.base = MOTE_DEVICE_GPA,
		.event = on_event,
	};
	struct mote_err err = {""};

	memset(&fake, 0, sizeof(fake));
	fake.cfg = (struct fake_config){0x11223344, 0x55667788};
	mem = aligned_alloc(4096, MEM);
	cr_assert_not_null(mem);
	memset(mem, 0, MEM);
	gm = (struct guest_mem){.host = mem, .size = MEM, .floor = 0x1000};
	cr_assert_eq(guest_mem_add_range(&gm, 0x1000, MEM, true), 0);
	cr_assert_eq(virtio_mmio_create(&host, &fake_ops, NULL, &t, &err), 0,
		     "%s", err.msg);
}

static void teardown(void)
{
	virtio_mmio_destroy(t);
	free(mem);
}

TestSuite(virtio_mmio, .init = setup, .fini = teardown, .timeout = 20);

static uint32_t rd(uint64_t off)
{
	return mmio_read(t, off, 4, 0xdeadbeef);
}

static void wr(uint64_t off, uint32_t v)
{
	mmio_write(t, off, v);
}

static uint64_t device_features(void)
{
	return mmio_device_features(t);
}

static void driver_features(uint64_t f)
{
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
}

/* The driver's side of 3.1.1 up to FEATURES_OK. */
static void negotiate(uint64_t f)
{
	wr(VIRTIO_MMIO_STATUS, ACK);
	wr(VIRTIO_MMIO_STATUS, ACK | DRV);
	driver_features(f);
	wr(VIRTIO_MMIO_STATUS, ACK | DRV | FOK);
	cr_assert_eq(rd(VIRTIO_MMIO_STATUS), ACK | DRV | FOK);
}

static void set_queue(unsigned q, uint32_t num, uint64_t d, uint64_t a,
		      uint64_t u)
{
	wr(VIRTIO_MMIO_QUEUE_SEL, q);
	wr(VIRTIO_MMIO_QUEUE_NUM, num);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)d);
	wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(d >> 32));
	wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)a);
	wr(VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(a >> 32));
	wr(VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)u);
	wr(VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(u >> 32));
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
}

/* A running device with queue 0 of 8 entries at DESC/AVAIL/USED. */
static void start(void)
{
	negotiate(1ull << VIRTIO_F_VERSION_1 | 1ull << FAKE_FEATURE);
	set_queue(0, 8, DESC, AVAIL, USED);
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_READY), 1);
	wr(VIRTIO_MMIO_STATUS, ACK | DRV | FOK | DOK);
	cr_assert_eq(rd(VIRTIO_MMIO_STATUS), ACK | DRV | FOK | DOK);
}

static struct vring_avail *avail(void)
{
	return (struct vring_avail *)(mem + AVAIL);
}

static struct vring_used *used(void)
{
	return (struct vring_used *)(mem + USED);
}

static void offer(uint16_t head, uint64_t addr)
{
	((struct vring_desc *)(mem + DESC))[head] =
		(struct vring_desc){addr, 16, 0, 0};
	avail()->ring[avail()->idx % 8] = head;
	__atomic_store_n(&avail()->idx, avail()->idx + 1, __ATOMIC_RELEASE);
}

static void sleep_us(long us)
{
	struct timespec ts = {0, us * 1000};

	nanosleep(&ts, NULL);
}

/* Waits (up to 5 s) until cond() holds. */
#define WAIT_FOR(cond)                                                         \
	do {                                                                   \
		for (int n_ = 0; n_ < 50000 && !(cond); n_++)                  \
			sleep_us(100);                                         \
		cr_assert(cond, "timed out waiting for " #cond);               \
	} while (0)

/* --- identification and features --- */

Test(virtio_mmio, identifies_as_a_version_2_virtio_mmio_device)
{
	cr_assert_eq(rd(VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	cr_assert_eq(rd(VIRTIO_MMIO_VERSION), 2);
	cr_assert_eq(rd(VIRTIO_MMIO_DEVICE_ID), FAKE_ID);
	cr_assert_eq(rd(VIRTIO_MMIO_VENDOR_ID), 0x65746f6d);
	cr_assert_eq(rd(VIRTIO_MMIO_STATUS), 0);
	cr_assert_eq(virtio_mmio_device_id(t), FAKE_ID);
	cr_assert_eq(fake.inits, 1);
}

Test(virtio_mmio, offers_the_devices_features_with_version_1_and_event_idx)
{
	uint64_t f = device_features();

	cr_assert_eq(f,
		     1ull << FAKE_FEATURE | 1ull << VIRTIO_F_VERSION_1 |
			     1ull << VIRTIO_RING_F_EVENT_IDX,
		     "features %#llx", (unsigned long long)f);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	cr_assert_eq(rd(VIRTIO_MMIO_DEVICE_FEATURES), 0);
}

Test(virtio_mmio, accepts_features_it_offered)
{
	negotiate(1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_RING_F_EVENT_IDX);
}

Test(virtio_mmio, refuses_features_ok_without_version_1)
{
	wr(VIRTIO_MMIO_STATUS, ACK);
	wr(VIRTIO_MMIO_STATUS, ACK | DRV);
	driver_features(1ull << FAKE_FEATURE);
	wr(VIRTIO_MMIO_STATUS, ACK | DRV | FOK);
	cr_assert_eq(rd(VIRTIO_MMIO_STATUS), ACK | DRV);
}

Test(virtio_mmio, refuses_features_ok_with_a_feature_not_offered)
{
	wr(VIRTIO_MMIO_STATUS, ACK);
	wr(VIRTIO_MMIO_STATUS, ACK | DRV);
	driver_features(1ull << VIRTIO_F_VERSION_1 |
			1ull << VIRTIO_RING_F_INDIRECT_DESC);
	wr(VIRTIO_MMIO_STATUS, ACK | DRV | FOK);
	cr_assert_eq(rd(VIRTIO_MMIO_STATUS), ACK | DRV);
}

Test(virtio_mmio, ignores_driver_features_once_features_ok)
{
	negotiate(1ull << VIRTIO_F_VERSION_1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1u << FAKE_FEATURE);
	wr(VIRTIO_MMIO_STATUS, ACK | DRV | FOK | DOK);
	cr_assert_eq(virtio_mmio_dev(t)->features, 1ull << VIRTIO_F_VERSION_1);
}

Test(virtio_mmio, ignores_driver_features_before_driver)
{
	wr(VIRTIO_MMIO_STATUS, ACK);
	driver_features(1ull << VIRTIO_F_VERSION_1);
	wr(VIRTIO_MMIO_STATUS, ACK | DRV);
	wr(VIRTIO_MMIO_STATUS, ACK | DRV | FOK);
	cr_assert_eq(rd(VIRTIO_MMIO_STATUS), ACK | DRV,
		     "features written too early were kept");
}

/* --- status --- */

Test(virtio_mmio, status_bits_come_in_order)
{
	wr(VIRTIO_MMIO_STATUS, ACK | DRV);
	cr_assert_eq(rd(VIRTIO_MMIO_STATUS), ACK | DRV);
	wr(VIRTIO_MMIO_STATUS, ACK | DRV | DOK); /* DRIVER_OK before FOK */
	cr_assert_eq(rd(VIRTIO_MMIO_STATUS), ACK | DRV);
	wr(VIRTIO_MMIO_STATUS, DRV); /* DRIVER without ACKNOWLEDGE */
	cr_assert_eq(rd(VIRTIO_MMIO_STATUS), ACK | DRV);
}

Test(virtio_mmio, status_bits_clear_only_by_reset)
{
	negotiate(1ull << VIRTIO_F_VERSION_1);
	wr(VIRTIO_MMIO_STATUS, ACK);
	cr_assert_eq(rd(VIRTIO_MMIO_STATUS), ACK | DRV | FOK);
	wr(VIRTIO_MMIO_STATUS, 0);
	cr_assert_eq(rd(VIRTIO_MMIO_STATUS), 0);
	cr_assert_eq(fake.resets, 1);
}

Test(virtio_mmio, the_driver_cannot_set_needs_reset)
{
	wr(VIRTIO_MMIO_STATUS, ACK | VIRTIO_CONFIG_S_NEEDS_RESET);
	cr_assert_eq(rd(VIRTIO_MMIO_STATUS), ACK);
}

Test(virtio_mmio, failed_stops_the_device)
{
	start();
	wr(VIRTIO_MMIO_STATUS, ACK | DRV | FOK | DOK | VIRTIO_CONFIG_S_FAILED);
	offer(0, BUF);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	sleep_us(20000);
	cr_assert_eq(used()->idx, 0);
}

Test(virtio_mmio, reset_clears_queues_and_features)
{
	start();
	wr(VIRTIO_MMIO_STATUS, 0);
	cr_assert_eq(rd(VIRTIO_MMIO_STATUS), 0);
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	/* And it can be brought up again. */
	start();
}

/* --- queues --- */

Test(virtio_mmio, queue_num_max_is_zero_for_a_queue_it_lacks)
{
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 16);
	wr(VIRTIO_MMIO_QUEUE_SEL, 1);
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 16);
	wr(VIRTIO_MMIO_QUEUE_SEL, 2);
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
}

static void expect_queue_refused(uint32_t num, uint64_t d, uint64_t a,
				 uint64_t u)
{
	negotiate(1ull << VIRTIO_F_VERSION_1);
	set_queue(0, num, d, a, u);
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	cr_assert(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	cr_assert_gt(events, 0, "the guest is told");
	cr_assert_neq(virtio_mmio_fault(t)[0], '\0');
}

Test(virtio_mmio, queue_setup_rejects_a_descriptor_table_outside_memory)
{
	expect_queue_refused(8, 0x100000000ull, AVAIL, USED);
}

Test(virtio_mmio, queue_setup_rejects_a_used_ring_past_the_end)
{
	expect_queue_refused(8, DESC, AVAIL, MEM - 8);
}

Test(virtio_mmio, queue_setup_rejects_a_misaligned_descriptor_table)
{
	expect_queue_refused(8, DESC + 8, AVAIL, USED);
}

Test(virtio_mmio, queue_setup_rejects_a_misaligned_used_ring)
{
	expect_queue_refused(8, DESC, AVAIL, USED + 2);
}

Test(virtio_mmio, queue_setup_rejects_a_size_above_queue_num_max)
{
	expect_queue_refused(32, DESC, AVAIL, USED);
}

Test(virtio_mmio, queue_setup_rejects_a_size_not_a_power_of_two)
{
	expect_queue_refused(6, DESC, AVAIL, USED);
}

Test(virtio_mmio, queue_setup_rejects_a_size_of_zero)
{
	expect_queue_refused(0, DESC, AVAIL, USED);
}

Test(virtio_mmio, queue_setup_is_ignored_before_features_ok)
{
	wr(VIRTIO_MMIO_STATUS, ACK | DRV);
	set_queue(0, 8, DESC, AVAIL, USED);
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	cr_assert_eq(rd(VIRTIO_MMIO_STATUS), ACK | DRV);
}

Test(virtio_mmio, a_ready_queue_keeps_its_rings)
{
	start();
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, 0x7000);
	wr(VIRTIO_MMIO_QUEUE_READY, 0);
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_READY), 1);
	offer(1, BUF);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	WAIT_FOR(__atomic_load_n(&used()->idx, __ATOMIC_ACQUIRE) == 1);
}

/* --- notify, used, events --- */

Test(virtio_mmio, notify_reaches_the_device_and_used_chains_signal_the_guest)
{
	start();
	offer(5, BUF);
	offer(2, BUF + 64);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	WAIT_FOR(__atomic_load_n(&used()->idx, __ATOMIC_ACQUIRE) == 2);
	cr_assert_eq(used()->ring[0].id, 5);
	cr_assert_eq(used()->ring[0].len, 5);
	cr_assert_eq(used()->ring[1].id, 2);
	cr_assert_geq(__atomic_load_n(&events, __ATOMIC_SEQ_CST), 1);
	cr_assert(rd(VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_VRING);
	wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	cr_assert_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
}

Test(virtio_mmio, chains_offered_before_driver_ok_are_taken_at_driver_ok)
{
	negotiate(1ull << VIRTIO_F_VERSION_1);
	set_queue(0, 8, DESC, AVAIL, USED);
	offer(3, BUF);
	wr(VIRTIO_MMIO_STATUS, ACK | DRV | FOK | DOK);
	WAIT_FOR(__atomic_load_n(&used()->idx, __ATOMIC_ACQUIRE) == 1);
}

Test(virtio_mmio, notify_for_a_queue_it_lacks_is_ignored)
{
	start();
	offer(0, BUF);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 7);
	sleep_us(20000);
	cr_assert_eq(__atomic_load_n(&fake.notifies, __ATOMIC_SEQ_CST), 1,
		     "only the kick at DRIVER_OK");
}

Test(virtio_mmio, a_broken_ring_sets_needs_reset_and_tells_the_guest)
{
	start();
	avail()->ring[0] = 100; /* head past the ring */
	__atomic_store_n(&avail()->idx, 1, __ATOMIC_RELEASE);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	WAIT_FOR(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	cr_assert(rd(VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
	cr_assert_geq(__atomic_load_n(&events, __ATOMIC_SEQ_CST), 1);
	cr_assert_str_eq(virtio_mmio_fault(t),
			 "fake queue 0: chain head index past the ring");
	/* Reset recovers the device. */
	wr(VIRTIO_MMIO_STATUS, 0);
	cr_assert_eq(rd(VIRTIO_MMIO_STATUS), 0);
	memset(mem + AVAIL, 0, 0x1000);
	start();
	offer(1, BUF);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	WAIT_FOR(__atomic_load_n(&used()->idx, __ATOMIC_ACQUIRE) == 1);
}

Test(virtio_mmio, reset_completes_only_when_nothing_is_in_flight)
{
	struct virtio_dev *d;

	fake.hold = true;
	start();
	offer(4, BUF);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	WAIT_FOR(__atomic_load_n(&fake.nheld, __ATOMIC_SEQ_CST) == 1);
	wr(VIRTIO_MMIO_STATUS, 0);
	/* Status reads non-zero until the request is done (2.4). */
	cr_assert_neq(rd(VIRTIO_MMIO_STATUS), 0);
	wr(VIRTIO_MMIO_STATUS, ACK); /* ignored while resetting */
	cr_assert_eq(fake.resets, 0);
	/* The device finishes its request as its I/O completion would. */
	d = virtio_mmio_dev(t);
	virtio_dev_lock(d);
	virtio_dev_used(d, 0, 4, 0);
	virtio_dev_unlock(d);
	cr_assert_eq(rd(VIRTIO_MMIO_STATUS), 0);
	cr_assert_eq(fake.resets, 1);
	cr_assert_eq(used()->idx, 0, "no used entry during a reset");
}

/* --- config space and access widths --- */

Test(virtio_mmio, config_space_reads_at_any_width)
{
	struct mote_err err = {""};
	uint8_t b = 0;
	uint16_t h = 0;
	uint64_t q = 0;

	cr_assert_eq(rd(VIRTIO_MMIO_CONFIG), 0x11223344);
	cr_assert_eq(virtio_mmio_access(t, VIRTIO_MMIO_CONFIG + 1, &b, 1, false,
					&err),
		     0);
	cr_assert_eq(b, 0x33);
	cr_assert_eq(virtio_mmio_access(t, VIRTIO_MMIO_CONFIG + 6, &h, 2, false,
					&err),
		     0);
	cr_assert_eq(h, 0x5566);
	cr_assert_eq(
		virtio_mmio_access(t, VIRTIO_MMIO_CONFIG, &q, 8, false, &err),
		0);
	cr_assert_eq(q, 0x5566778811223344ull);
	cr_assert_eq(rd(VIRTIO_MMIO_CONFIG_GENERATION), 0);
}

Test(virtio_mmio, config_space_past_its_end_reads_zero)
{
	cr_assert_eq(rd(VIRTIO_MMIO_CONFIG + 8), 0);
	cr_assert_eq(rd(MOTE_DEVICE_SIZE - 4), 0);
}

Test(virtio_mmio, config_writes_reach_the_device)
{
	wr(VIRTIO_MMIO_CONFIG + 4, 0xcafe);
	cr_assert_eq(fake.cfg.b, 0xcafe);
	wr(VIRTIO_MMIO_CONFIG + 8, 1); /* past the end: dropped */
}

Test(virtio_mmio, registers_take_only_32_bit_accesses)
{
	struct mote_err err = {""};
	uint64_t v = 0;

	cr_assert_eq(
		virtio_mmio_access(t, VIRTIO_MMIO_STATUS, &v, 2, false, &err),
		-EINVAL);
	cr_assert_str_eq(err.msg, "2-byte read of virtio-mmio register 0x70 "
				  "(registers take 32-bit accesses)");
	cr_assert_eq(virtio_mmio_access(t, VIRTIO_MMIO_QUEUE_DESC_LOW, &v, 8,
					true, &err),
		     -EINVAL);
	cr_assert_eq(
		virtio_mmio_access(t, VIRTIO_MMIO_STATUS, &v, 1, true, &err),
		-EINVAL);
}

Test(virtio_mmio, rejects_misaligned_and_odd_sized_accesses)
{
	struct mote_err err = {""};
	uint64_t v = 0;

	cr_assert_eq(virtio_mmio_access(t, VIRTIO_MMIO_CONFIG + 2, &v, 4, false,
					&err),
		     -EINVAL);
	cr_assert_str_eq(err.msg, "4-byte read at offset 0x102 of a "
				  "virtio-mmio window is not naturally "
				  "aligned");
	cr_assert_eq(
		virtio_mmio_access(t, VIRTIO_MMIO_CONFIG, &v, 3, false, &err),
		-EINVAL);
	cr_assert_eq(
		virtio_mmio_access(t, MOTE_DEVICE_SIZE, &v, 4, false, &err),
		-EINVAL);
}

Test(virtio_mmio, unknown_registers_read_zero_and_ignore_writes)
{
	cr_assert_eq(rd(0x0c0), 0);
	wr(0x0c0, 1);
	wr(VIRTIO_MMIO_MAGIC_VALUE, 0);
	cr_assert_eq(rd(VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
}

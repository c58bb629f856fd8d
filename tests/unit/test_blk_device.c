/*
 * The virtio-blk device against a real temporary image, driven through the
 * transport as a guest driver would (no KVM), opening disks, and --disk.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../blk/blk.h"
#include "../../guest_abi/mote_abi.h"
#include "guest_mem.h"
#include "../mmio_driver.h"
#include "../helpers.h"
#include "../../cli/options.h"
#include "virtio_mmio.h"

#define MEM	(1u << 20)
#define DESC	0x1000u
#define AVAIL	0x2000u
#define USED	0x3000u
#define HDR	0x4000u
#define RO_PAGE 0x5000u /* readable, not writable by the guest */
#define STATUS	0x6000u
#define DATA	0x10000u
#define QSIZE	64u
#define SECTORS 64u /* 32 KiB image */

static char dir[64], img[128];
static uint8_t *mem;
static struct guest_mem gm;
static struct blk_disk *disk;
static struct virtio_mmio *t;
static uint16_t used_seen;

/* The image's original bytes: byte i is pattern(i). */
static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + 3);
}

static void make_image(size_t bytes)
{
	uint8_t *buf = malloc(bytes);
	int fd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	cr_assert_not_null(buf);
	cr_assert_geq(fd, 0);
	for (size_t i = 0; i < bytes; i++)
		buf[i] = pattern(i);
	cr_assert_eq(write(fd, buf, bytes), (ssize_t)bytes);
	close(fd);
	free(buf);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/mote-blk-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(img, sizeof(img), "%s/disk.img", dir);
	make_image(SECTORS * 512);
	mem = aligned_alloc(4096, MEM);
	cr_assert_not_null(mem);
	memset(mem, 0, MEM);
	gm = (struct guest_mem){.host = mem, .size = MEM, .floor = 0x1000};
	cr_assert_eq(guest_mem_add_range(&gm, 0x1000, RO_PAGE, true), 0);
	cr_assert_eq(guest_mem_add_range(&gm, RO_PAGE, RO_PAGE + 0x1000, false),
		     0);
	cr_assert_eq(guest_mem_add_range(&gm, RO_PAGE + 0x1000, MEM, true), 0);
	used_seen = 0;
	disk = NULL;
	t = NULL;
}

static void teardown(void)
{
	char path[160];

	if (t)
		virtio_mmio_destroy(t);
	blk_disk_close(disk);
	free(mem);
	unlink(img);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	unlink(path);
	rmdir(dir);
}

TestSuite(blk_device, .init = setup, .fini = teardown, .timeout = 20);
TestSuite(disk_open, .init = setup, .fini = teardown, .timeout = 20);
TestSuite(disk_options, .timeout = 20);

/* --- the driver side --- */

static uint32_t rd(uint64_t off)
{
	return mmio_read(t, off, 4, 0);
}

static void wr(uint64_t off, uint32_t v)
{
	mmio_write(t, off, v);
}

static uint64_t features(void)
{
	return mmio_device_features(t);
}

/* Opens the disk and brings its device up with every offered feature. */
static void attach(bool ro, bool direct)
{
	struct virtio_mmio_host host = {
		.gm = &gm, .vm_fd = -1, .base = MOTE_DEVICE_GPA};
	struct mote_err err = {""};
	uint64_t f;

	cr_assert_eq(blk_disk_open(img, ro, direct, &disk, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(virtio_mmio_create(&host, &blk_ops, disk, &t, &err), 0,
		     "%s", err.msg);
	cr_assert_eq(rd(VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
	wr(VIRTIO_MMIO_STATUS, 1);
	wr(VIRTIO_MMIO_STATUS, 3);
	f = features();
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
	wr(VIRTIO_MMIO_STATUS, 11);
	cr_assert_eq(rd(VIRTIO_MMIO_STATUS), 11);
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), BLK_QUEUE_MAX);
	wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, DESC);
	wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, AVAIL);
	wr(VIRTIO_MMIO_QUEUE_USED_LOW, USED);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_READY), 1);
	wr(VIRTIO_MMIO_STATUS, 15);
	cr_assert_eq(rd(VIRTIO_MMIO_STATUS), 15);
}

struct seg {
	uint64_t gpa;
	uint32_t len;
	bool write;
};

static struct vring_used *used(void)
{
	return (struct vring_used *)(mem + USED);
}

static bool needs_reset(void)
{
	return rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET;
}

/*
 * Posts one chain of n segments (descriptors 0..n-1), notifies, and waits
 * until it is used (returns its used length) or the device needs a reset
 * (returns -1).
 */
static int post(const struct seg *s, unsigned n)
{
	struct vring_desc *d = (struct vring_desc *)(mem + DESC);
	struct vring_avail *a = (struct vring_avail *)(mem + AVAIL);
	struct timespec ts = {0, 100000};

	for (unsigned i = 0; i < n; i++)
		d[i] = (struct vring_desc){
			s[i].gpa, s[i].len,
			(uint16_t)((s[i].write ? VRING_DESC_F_WRITE : 0) |
				   (i + 1 < n ? VRING_DESC_F_NEXT : 0)),
			(uint16_t)(i + 1)};
	a->ring[a->idx % QSIZE] = 0;
	__atomic_store_n(&a->idx, (uint16_t)(a->idx + 1), __ATOMIC_RELEASE);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	for (int k = 0; k < 50000; k++) {
		if (__atomic_load_n(&used()->idx, __ATOMIC_ACQUIRE) !=
		    used_seen) {
			struct vring_used_elem *e =
				&used()->ring[used_seen++ % QSIZE];

			cr_assert_eq(e->id, 0);
			return (int)e->len;
		}
		if (needs_reset())
			return -1;
		nanosleep(&ts, NULL);
	}
	cr_assert_fail("the device never answered");
	return -1;
}

static uint8_t status(void)
{
	return mem[STATUS];
}

/* A request of the usual shape: header, one data buffer, status. */
static int request(uint32_t type, uint64_t sector, uint64_t data, uint32_t len,
		   bool dev_writes)
{
	struct virtio_blk_outhdr h = {.type = type, .sector = sector};
	struct seg s[3] = {
		{HDR, sizeof(h), false},
		{data, len, dev_writes},
		{STATUS, 1, true},
	};

	memcpy(mem + HDR, &h, sizeof(h));
	mem[STATUS] = 0xff;
	if (len == 0) {
		s[1] = s[2];
		return post(s, 2);
	}
	return post(s, 3);
}

static void expect_image_untouched(void)
{
	uint8_t buf[SECTORS * 512 + 1];
	int fd = open(img, O_RDONLY);
	struct stat st;

	cr_assert_geq(fd, 0);
	cr_assert_eq(fstat(fd, &st), 0);
	cr_assert_eq(st.st_size, SECTORS * 512, "image length changed");
	cr_assert_eq(read(fd, buf, sizeof(buf)), SECTORS * 512);
	close(fd);
	for (size_t i = 0; i < SECTORS * 512; i++)
		cr_assert_eq(buf[i], pattern(i), "byte %zu changed", i);
}

static void expect_pattern(const uint8_t *p, size_t from, size_t len)
{
	for (size_t i = 0; i < len; i++)
		cr_assert_eq(p[i], pattern(from + i), "byte %zu", i);
}

/* --- requests --- */

Test(blk_device, reads_sectors_from_the_image)
{
	attach(false, false);
	cr_assert_eq(request(VIRTIO_BLK_T_IN, 2, DATA, 1024, true), 1025);
	cr_assert_eq(status(), VIRTIO_BLK_S_OK);
	expect_pattern(mem + DATA, 1024, 1024);
}

Test(blk_device, reads_into_several_segments)
{
	struct virtio_blk_outhdr h = {.type = VIRTIO_BLK_T_IN, .sector = 1};
	struct seg s[] = {
		{HDR, sizeof(h), false},   {DATA, 512, true},
		{DATA + 8192, 1024, true}, {DATA + 4096, 512, true},
		{STATUS, 1, true},
	};

	attach(false, false);
	memcpy(mem + HDR, &h, sizeof(h));
	cr_assert_eq(post(s, 5), 2049);
	cr_assert_eq(status(), VIRTIO_BLK_S_OK);
	expect_pattern(mem + DATA, 512, 512);
	expect_pattern(mem + DATA + 8192, 1024, 1024);
	expect_pattern(mem + DATA + 4096, 2048, 512);
}

Test(blk_device, writes_sectors_to_the_image_and_nothing_else)
{
	uint8_t buf[SECTORS * 512];
	int fd;

	attach(false, false);
	memset(mem + DATA, 0xa5, 1024);
	cr_assert_eq(request(VIRTIO_BLK_T_OUT, 5, DATA, 1024, false), 1);
	cr_assert_eq(status(), VIRTIO_BLK_S_OK);
	cr_assert_eq(request(VIRTIO_BLK_T_FLUSH, 0, 0, 0, false), 1);
	cr_assert_eq(status(), VIRTIO_BLK_S_OK);
	fd = open(img, O_RDONLY);
	cr_assert_eq(read(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	close(fd);
	for (size_t i = 0; i < sizeof(buf); i++)
		cr_assert_eq(buf[i],
			     i >= 5 * 512 && i < 7 * 512 ? 0xa5 : pattern(i),
			     "byte %zu", i);
}

Test(blk_device, a_write_and_a_flush_posted_together_both_complete)
{
	struct vring_desc *d = (struct vring_desc *)(mem + DESC);
	struct vring_avail *a = (struct vring_avail *)(mem + AVAIL);
	struct virtio_blk_outhdr w = {.type = VIRTIO_BLK_T_OUT, .sector = 0};
	struct virtio_blk_outhdr f = {.type = VIRTIO_BLK_T_FLUSH};
	struct timespec ts = {0, 100000};
	int k;

	attach(false, false);
	memcpy(mem + HDR, &w, sizeof(w));
	memcpy(mem + HDR + 64, &f, sizeof(f));
	memset(mem + DATA, 0x3c, 4096);
	mem[STATUS] = mem[STATUS + 1] = 0xff;
	d[0] = (struct vring_desc){HDR, 16, VRING_DESC_F_NEXT, 1};
	d[1] = (struct vring_desc){DATA, 4096, VRING_DESC_F_NEXT, 2};
	d[2] = (struct vring_desc){STATUS, 1, VRING_DESC_F_WRITE, 0};
	d[3] = (struct vring_desc){HDR + 64, 16, VRING_DESC_F_NEXT, 4};
	d[4] = (struct vring_desc){STATUS + 1, 1, VRING_DESC_F_WRITE, 0};
	a->ring[0] = 0;
	a->ring[1] = 3;
	__atomic_store_n(&a->idx, 2, __ATOMIC_RELEASE);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	for (k = 0;
	     k < 50000 && __atomic_load_n(&used()->idx, __ATOMIC_ACQUIRE) != 2;
	     k++)
		nanosleep(&ts, NULL);
	cr_assert_eq(used()->idx, 2);
	/* The flush waited for the write: it is used after it. */
	cr_assert_eq(used()->ring[0].id, 0);
	cr_assert_eq(used()->ring[1].id, 3);
	cr_assert_eq(mem[STATUS], VIRTIO_BLK_S_OK);
	cr_assert_eq(mem[STATUS + 1], VIRTIO_BLK_S_OK);
}

/* More data than the device takes in one turn (blk.c, TURN_BYTES), posted
 * with one notify: the rest is taken on later turns, with no new notify. */
Test(blk_device, reads_posted_past_one_turn_all_complete)
{
	enum { N = 12, LEN = SECTORS * 512 };
	struct vring_desc *d = (struct vring_desc *)(mem + DESC);
	struct vring_avail *a = (struct vring_avail *)(mem + AVAIL);
	struct virtio_blk_outhdr h = {.type = VIRTIO_BLK_T_IN, .sector = 0};
	struct timespec ts = {0, 100000};
	int k;

	cr_assert_gt(N * LEN, 256 << 10, "the test must span two turns");
	attach(false, false);
	for (unsigned i = 0; i < N; i++) {
		memcpy(mem + HDR + 16 * i, &h, sizeof(h));
		mem[STATUS + i] = 0xff;
		d[3 * i] = (struct vring_desc){HDR + 16 * i, 16,
					       VRING_DESC_F_NEXT,
					       (uint16_t)(3 * i + 1)};
		d[3 * i + 1] = (struct vring_desc){
			DATA + (uint64_t)i * LEN, LEN,
			VRING_DESC_F_WRITE | VRING_DESC_F_NEXT,
			(uint16_t)(3 * i + 2)};
		d[3 * i + 2] = (struct vring_desc){STATUS + i, 1,
						   VRING_DESC_F_WRITE, 0};
		a->ring[i] = (uint16_t)(3 * i);
	}
	cr_assert_leq(DATA + N * LEN, MEM);
	__atomic_store_n(&a->idx, N, __ATOMIC_RELEASE);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	for (k = 0;
	     k < 50000 && __atomic_load_n(&used()->idx, __ATOMIC_ACQUIRE) != N;
	     k++)
		nanosleep(&ts, NULL);
	cr_assert_eq(used()->idx, N, "%u of %d used", used()->idx, N);
	for (unsigned i = 0; i < N; i++) {
		cr_assert_eq(mem[STATUS + i], VIRTIO_BLK_S_OK, "request %u", i);
		expect_pattern(mem + DATA + (size_t)i * LEN, 0, LEN);
	}
	cr_assert_not(needs_reset());
}

Test(blk_device, get_id_returns_the_disks_id)
{
	char id[VIRTIO_BLK_ID_BYTES + 1] = "";

	attach(true, false);
	memset(mem + DATA, 0xee, 64);
	cr_assert_eq(request(VIRTIO_BLK_T_GET_ID, 0, DATA, 64, true), 21);
	cr_assert_eq(status(), VIRTIO_BLK_S_OK);
	memcpy(id, mem + DATA, VIRTIO_BLK_ID_BYTES);
	cr_assert_eq(strncmp(id, "mote-", 5), 0, "id %s", id);
	cr_assert_eq(mem[DATA + VIRTIO_BLK_ID_BYTES], 0xee,
		     "wrote past the ID");
}

Test(blk_device, get_id_into_a_short_buffer_is_cut)
{
	attach(false, false);
	cr_assert_eq(request(VIRTIO_BLK_T_GET_ID, 0, DATA, 8, true), 9);
	cr_assert_eq(status(), VIRTIO_BLK_S_OK);
	cr_assert_eq(memcmp(mem + DATA, "mote-", 5), 0);
}

Test(blk_device, config_space_holds_capacity_and_limits)
{
	attach(false, false);
	cr_assert_eq(rd(VIRTIO_MMIO_CONFIG), SECTORS);
	cr_assert_eq(rd(VIRTIO_MMIO_CONFIG + 4), 0);
	cr_assert_eq(rd(VIRTIO_MMIO_CONFIG +
			offsetof(struct virtio_blk_config, size_max)),
		     BLK_SIZE_MAX);
	cr_assert_eq(rd(VIRTIO_MMIO_CONFIG +
			offsetof(struct virtio_blk_config, seg_max)),
		     BLK_SEG_MAX);
	cr_assert_eq(rd(VIRTIO_MMIO_CONFIG +
			offsetof(struct virtio_blk_config, blk_size)),
		     512);
}

Test(blk_device, a_writable_disk_offers_flush_and_not_ro)
{
	attach(false, false);
	cr_assert(features() & 1ull << VIRTIO_BLK_F_FLUSH);
	cr_assert_not(features() & 1ull << VIRTIO_BLK_F_RO);
	cr_assert(features() & 1ull << VIRTIO_BLK_F_SEG_MAX);
	cr_assert(features() & 1ull << VIRTIO_BLK_F_SIZE_MAX);
}

Test(blk_device, a_read_only_disk_offers_ro_and_not_flush)
{
	attach(true, false);
	cr_assert(features() & 1ull << VIRTIO_BLK_F_RO);
	cr_assert_not(features() & 1ull << VIRTIO_BLK_F_FLUSH);
}

Test(blk_device, a_read_only_disk_refuses_writes_with_ioerr)
{
	attach(true, false);
	memset(mem + DATA, 0x5a, 512);
	cr_assert_eq(request(VIRTIO_BLK_T_OUT, 0, DATA, 512, false), 1);
	cr_assert_eq(status(), VIRTIO_BLK_S_IOERR);
	cr_assert_eq(request(VIRTIO_BLK_T_FLUSH, 0, 0, 0, false), 1);
	cr_assert_eq(status(), VIRTIO_BLK_S_UNSUPP);
	cr_assert_eq(request(VIRTIO_BLK_T_IN, 0, DATA, 512, true), 513);
	cr_assert_eq(status(), VIRTIO_BLK_S_OK);
	expect_image_untouched();
}

Test(blk_device, sectors_past_the_capacity_are_ioerr_and_the_file_unchanged)
{
	attach(false, false);
	memset(mem + DATA, 0x77, 4096);
	cr_assert_eq(request(VIRTIO_BLK_T_OUT, SECTORS, DATA, 512, false), 1);
	cr_assert_eq(status(), VIRTIO_BLK_S_IOERR);
	/* Straddling the end: nothing of it is written. */
	cr_assert_eq(request(VIRTIO_BLK_T_OUT, SECTORS - 1, DATA, 1024, false),
		     1);
	cr_assert_eq(status(), VIRTIO_BLK_S_IOERR);
	/* A sector whose byte offset would overflow. */
	cr_assert_eq(
		request(VIRTIO_BLK_T_OUT, UINT64_MAX / 256, DATA, 512, false),
		1);
	cr_assert_eq(status(), VIRTIO_BLK_S_IOERR);
	cr_assert_eq(request(VIRTIO_BLK_T_IN, SECTORS, DATA, 512, true), 1);
	cr_assert_eq(status(), VIRTIO_BLK_S_IOERR);
	cr_assert_eq(request(VIRTIO_BLK_T_IN, SECTORS - 1, DATA, 512, true),
		     513, "the last sector is in range");
	expect_image_untouched();
}

Test(blk_device, a_length_not_a_multiple_of_512_is_ioerr)
{
	attach(false, false);
	cr_assert_eq(request(VIRTIO_BLK_T_OUT, 0, DATA, 100, false), 1);
	cr_assert_eq(status(), VIRTIO_BLK_S_IOERR);
	expect_image_untouched();
}

Test(blk_device, a_request_without_data_is_ioerr)
{
	attach(false, false);
	cr_assert_eq(request(VIRTIO_BLK_T_IN, 0, 0, 0, true), 1);
	cr_assert_eq(status(), VIRTIO_BLK_S_IOERR);
}

Test(blk_device, an_unknown_type_is_unsupp)
{
	attach(false, false);
	cr_assert_eq(request(VIRTIO_BLK_T_DISCARD, 0, DATA, 512, false), 1);
	cr_assert_eq(status(), VIRTIO_BLK_S_UNSUPP);
	cr_assert_eq(request(0x1234, 0, DATA, 512, false), 1);
	cr_assert_eq(status(), VIRTIO_BLK_S_UNSUPP);
	expect_image_untouched();
}

Test(blk_device, data_the_device_may_not_write_for_a_read_is_ioerr)
{
	attach(false, false);
	cr_assert_eq(request(VIRTIO_BLK_T_IN, 0, DATA, 512, false), 1);
	cr_assert_eq(status(), VIRTIO_BLK_S_IOERR);
}

Test(blk_device, data_the_device_writes_for_a_write_is_ioerr)
{
	attach(false, false);
	cr_assert_eq(request(VIRTIO_BLK_T_OUT, 0, DATA, 512, true), 1);
	cr_assert_eq(status(), VIRTIO_BLK_S_IOERR);
	expect_image_untouched();
}

Test(blk_device, a_device_writable_header_is_ioerr)
{
	struct virtio_blk_outhdr h = {.type = VIRTIO_BLK_T_IN};
	struct seg s[] = {
		{HDR, sizeof(h), true},
		{DATA, 512, true},
		{STATUS, 1, true},
	};

	attach(false, false);
	memcpy(mem + HDR, &h, sizeof(h));
	cr_assert_eq(post(s, 3), 1);
	cr_assert_eq(status(), VIRTIO_BLK_S_IOERR);
}

Test(blk_device, a_short_header_is_ioerr)
{
	struct seg s[] = {
		{HDR, 8, false},
		{DATA, 512, true},
		{STATUS, 1, true},
	};

	attach(false, false);
	cr_assert_eq(post(s, 3), 1);
	cr_assert_eq(status(), VIRTIO_BLK_S_IOERR);
}

Test(blk_device, a_read_into_memory_the_guest_cannot_write_is_ioerr)
{
	attach(false, false);
	memset(mem + RO_PAGE, 0x11, 512);
	cr_assert_eq(request(VIRTIO_BLK_T_IN, 0, RO_PAGE, 512, true), 1);
	cr_assert_eq(status(), VIRTIO_BLK_S_IOERR);
	for (unsigned i = 0; i < 512; i++)
		cr_assert_eq(mem[RO_PAGE + i], 0x11);
	/* Writing the disk from it is fine: the device only reads it. */
	cr_assert_eq(request(VIRTIO_BLK_T_OUT, 0, RO_PAGE, 512, false), 1);
	cr_assert_eq(status(), VIRTIO_BLK_S_OK);
}

Test(blk_device, a_buffer_outside_guest_memory_is_ioerr)
{
	attach(false, false);
	cr_assert_eq(request(VIRTIO_BLK_T_IN, 0, MEM - 512, 4096, true), 1);
	cr_assert_eq(status(), VIRTIO_BLK_S_IOERR);
	cr_assert_eq(
		request(VIRTIO_BLK_T_OUT, 0, 0x7fff00000000ull, 512, false), 1);
	cr_assert_eq(status(), VIRTIO_BLK_S_IOERR);
	expect_image_untouched();
}

Test(blk_device, more_segments_than_seg_max_is_ioerr)
{
	struct virtio_blk_outhdr h = {.type = VIRTIO_BLK_T_IN};
	struct seg s[BLK_SEG_MAX + 3];
	unsigned n = 0;

	attach(false, false);
	memcpy(mem + HDR, &h, sizeof(h));
	s[n++] = (struct seg){HDR, sizeof(h), false};
	for (unsigned i = 0; i < BLK_SEG_MAX + 1; i++)
		s[n++] = (struct seg){DATA + 512 * i, 512, true};
	s[n++] = (struct seg){STATUS, 1, true};
	cr_assert_eq(post(s, n), 1);
	cr_assert_eq(status(), VIRTIO_BLK_S_IOERR);
	/* SEG_MAX segments exactly are fine. */
	s[n - 2] = s[n - 1];
	cr_assert_eq(post(s, n - 1), 1 + 512 * BLK_SEG_MAX);
	cr_assert_eq(status(), VIRTIO_BLK_S_OK);
}

Test(blk_device, a_segment_over_size_max_is_ioerr)
{
	attach(false, false);
	cr_assert_eq(
		request(VIRTIO_BLK_T_IN, 0, DATA, BLK_SIZE_MAX + 512, true), 1);
	cr_assert_eq(status(), VIRTIO_BLK_S_IOERR);
}

Test(blk_device, a_status_the_device_cannot_write_needs_a_reset)
{
	struct virtio_blk_outhdr h = {.type = VIRTIO_BLK_T_IN};
	struct seg s[] = {
		{HDR, sizeof(h), false},
		{DATA, 512, true},
		{STATUS, 1, false},
	};

	attach(false, false);
	memcpy(mem + HDR, &h, sizeof(h));
	cr_assert_eq(post(s, 3), -1);
	cr_assert_eq(used()->idx, 0, "no used entry for it");
	cr_assert_str_eq(virtio_mmio_fault(t),
			 "virtio-blk: request without a device-writable "
			 "status byte");
	/* The device recovers after a reset. */
	wr(VIRTIO_MMIO_STATUS, 0);
	cr_assert_eq(rd(VIRTIO_MMIO_STATUS), 0);
}

Test(blk_device, an_empty_status_buffer_needs_a_reset)
{
	struct virtio_blk_outhdr h = {.type = VIRTIO_BLK_T_IN};
	struct seg s[] = {
		{HDR, sizeof(h), false},
		{DATA, 512, true},
		{STATUS, 0, true},
	};

	attach(false, false);
	memcpy(mem + HDR, &h, sizeof(h));
	cr_assert_eq(post(s, 3), -1);
}

Test(blk_device, a_header_alone_needs_a_reset)
{
	struct virtio_blk_outhdr h = {.type = VIRTIO_BLK_T_FLUSH};
	struct seg s[] = {{HDR, sizeof(h), false}};

	attach(false, false);
	memcpy(mem + HDR, &h, sizeof(h));
	cr_assert_eq(post(s, 1), -1);
}

Test(blk_device, direct_io_needs_aligned_buffers)
{
	attach(false, true);
	cr_assert_eq(request(VIRTIO_BLK_T_IN, 0, DATA + 8, 512, true), 1);
	cr_assert_eq(status(), VIRTIO_BLK_S_IOERR);
	cr_assert_eq(request(VIRTIO_BLK_T_IN, 1, DATA, 512, true), 513);
	cr_assert_eq(status(), VIRTIO_BLK_S_OK);
	expect_pattern(mem + DATA, 512, 512);
	memset(mem + DATA, 0x42, 512);
	cr_assert_eq(request(VIRTIO_BLK_T_OUT, 3, DATA, 512, false), 1);
	cr_assert_eq(status(), VIRTIO_BLK_S_OK);
}

Test(blk_device, reset_with_requests_done_leaves_the_device_usable)
{
	attach(false, false);
	cr_assert_eq(request(VIRTIO_BLK_T_IN, 0, DATA, 512, true), 513);
	virtio_mmio_reset(t);
	cr_assert_eq(rd(VIRTIO_MMIO_STATUS), 0);
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
}

/* --- opening disks --- */

static void expect_open_fails(const char *path, bool ro, const char *want)
{
	struct mote_err err = {""};
	char msg[512];

	cr_assert_lt(blk_disk_open(path, ro, false, &disk, &err), 0);
	cr_assert_null(disk);
	snprintf(msg, sizeof(msg), want, path);
	cr_assert_str_eq(err.msg, msg);
}

Test(disk_open, a_missing_file_is_one_line)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/none.img", dir);
	expect_open_fails(path, true, "disk %s: No such file or directory");
}

Test(disk_open, a_directory_is_refused)
{
	expect_open_fails(dir, true,
			  "disk %s: not a regular file or block device");
}

Test(disk_open, a_fifo_is_refused_without_blocking)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/fifo", dir);
	cr_assert_eq(mkfifo(path, 0600), 0);
	expect_open_fails(path, true,
			  "disk %s: not a regular file or block device");
}

Test(disk_open, a_size_not_a_multiple_of_512_is_refused)
{
	make_image(1000);
	expect_open_fails(img, false,
			  "disk %s: size 1000 is not a multiple of 512 bytes");
}

Test(disk_open, an_empty_file_is_a_disk_of_no_sectors)
{
	struct mote_err err = {""};

	make_image(0);
	cr_assert_eq(blk_disk_open(img, true, false, &disk, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(blk_disk_sectors(disk), 0);
}

Test(disk_open, reports_the_capacity_in_sectors)
{
	struct mote_err err = {""};

	cr_assert_eq(blk_disk_open(img, false, false, &disk, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(blk_disk_sectors(disk), SECTORS);
}

/* --- --disk on the command line --- */

static void parse(struct run_opts *o, int argc, char **argv, int want,
		  const char *msg)
{
	struct mote_err err = {""};

	cr_assert_eq(options_parse_run(argc, argv, o, &err), want, "%s",
		     err.msg);
	if (msg)
		cr_assert_str_eq(err.msg, msg);
}

Test(disk_options, takes_a_path_and_flags)
{
	static struct run_opts o;
	char *argv[] = {"--disk", "a.img",	 "--disk=b.img,ro",
			"--disk", "c,direct,ro", "x.elf"};

	parse(&o, 6, argv, 0, NULL);
	cr_assert_eq(o.ndisks, 3);
	cr_assert_str_eq(o.disks[0].path, "a.img");
	cr_assert(!o.disks[0].ro && !o.disks[0].direct);
	cr_assert_str_eq(o.disks[1].path, "b.img");
	cr_assert(o.disks[1].ro && !o.disks[1].direct);
	cr_assert_str_eq(o.disks[2].path, "c");
	cr_assert(o.disks[2].ro && o.disks[2].direct);
	cr_assert_str_eq(o.image, "x.elf");
}

Test(disk_options, rejects_an_unknown_flag)
{
	static struct run_opts o;
	char *argv[] = {"--disk", "a.img,rw", "x.elf"};

	parse(&o, 3, argv, -EINVAL,
	      "--disk a.img,rw: unknown flag 'rw' (expected ro or direct)");
}

Test(disk_options, rejects_an_empty_flag)
{
	static struct run_opts o;
	char *argv[] = {"--disk", "a.img,,ro", "x.elf"};

	parse(&o, 3, argv, -EINVAL,
	      "--disk a.img,,ro: unknown flag '' (expected ro or direct)");
}

Test(disk_options, rejects_an_empty_path)
{
	static struct run_opts o;
	char *argv[] = {"--disk", ",ro", "x.elf"};

	parse(&o, 3, argv, -EINVAL, "--disk needs a path");
}

Test(disk_options, needs_a_value)
{
	static struct run_opts o;
	char *argv[] = {"--disk"};

	parse(&o, 1, argv, -EINVAL, "option --disk needs a value");
}

Test(disk_options, takes_at_most_16_disks)
{
	static struct run_opts o;
	char *argv[2 * MOTE_MAX_DEVICES + 3];
	int n = 0;

	for (unsigned i = 0; i <= MOTE_MAX_DEVICES; i++) {
		argv[n++] = "--disk";
		argv[n++] = "a.img";
	}
	argv[n++] = "x.elf";
	parse(&o, n, argv, -EINVAL, "--disk: at most 16 disks");
	parse(&o, n - 2, argv + 2, 0, NULL);
	cr_assert_eq(o.ndisks, MOTE_MAX_DEVICES);
}

Test(disk_options, rejects_a_path_longer_than_path_max)
{
	static struct run_opts o;
	static char path[OPTIONS_PATH_MAX + 1];
	char *argv[] = {"--disk", path, "x.elf"};

	memset(path, 'a', OPTIONS_PATH_MAX);
	parse(&o, 3, argv, -EINVAL, "--disk: path longer than 4095 bytes");
}

/* --- the CLI --- */

Test(disk_open, a_guest_that_ignores_its_disk_runs_as_before)
{
	struct run r;

	RUN(&r, "run", "--disk", img, GUEST("hello"));
	expect_status(&r, 0);
	cr_assert_str_eq(r.out, "Hello from mote!\n");
	cr_assert_str_empty(r.err);
	expect_image_untouched();
}

Test(disk_open, a_bad_disk_stops_mote_before_any_vm_with_one_line)
{
	struct run r;
	char want[256];

	make_image(1000);
	RUN(&r, "run", "--disk", img, GUEST("hello"));
	expect_status(&r, MOTE_STATUS_ERROR);
	cr_assert_str_empty(r.out);
	snprintf(want, sizeof(want),
		 "mote: disk %s: size 1000 is not a multiple of 512 bytes\n",
		 img);
	cr_assert_str_eq(r.err, want);
}

Test(disk_open, help_describes_disk)
{
	struct run r;

	RUN(&r, "run", "--help");
	expect_status(&r, 0);
	cr_assert(strstr(r.out, "--disk PATH[,ro][,direct]"), "%s", r.out);
}

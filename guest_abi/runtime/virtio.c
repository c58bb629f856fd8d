/*
 * The virtio-mmio transport, driver side: device discovery through boot
 * info, initialization and feature negotiation, queue setup, config reads.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mote.h"
#include "mote_virtio.h"

/* Plain movs through inline assembly, as the register window has no
 * memory behind it: each access exits to the hypervisor, which must decode
 * the instruction, and a volatile access could be compiled into a
 * read-modify-write or a compare with a memory operand. */
static uint32_t mmio_read32(uintptr_t addr)
{
	uint32_t v;

	__asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static void mmio_write32(uintptr_t addr, uint32_t v)
{
	__asm__ volatile("movl %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

static uint16_t mmio_read16(uintptr_t addr)
{
	uint16_t v;

	__asm__ volatile("movw (%1), %0" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static uint8_t mmio_read8(uintptr_t addr)
{
	uint8_t v;

	__asm__ volatile("movb (%1), %0" : "=q"(v) : "r"(addr) : "memory");
	return v;
}

uint32_t mote_virtio_read32(const struct mote_virtio *d, unsigned off)
{
	return mmio_read32(d->base + off);
}

void mote_virtio_write32(const struct mote_virtio *d, unsigned off, uint32_t v)
{
	mmio_write32(d->base + off, v);
}

unsigned mote_virtio_count(void)
{
	uint32_t n = mote_boot_info()->ndevices;

	/* The table holds at most MOTE_MAX_DEVICES entries; never index
	 * past it on a count the monitor got wrong. */
	return n < MOTE_MAX_DEVICES ? n : MOTE_MAX_DEVICES;
}

const struct mote_device *mote_virtio_device(unsigned i)
{
	const struct mote_device *t =
		(const struct mote_device *)(uintptr_t)mote_boot_info()
			->devices;

	if (i >= mote_virtio_count() || t == NULL)
		return NULL;
	return &t[i];
}

int mote_virtio_find(uint32_t device_id, unsigned nth)
{
	for (unsigned i = 0; i < mote_virtio_count(); i++) {
		const struct mote_device *dev = mote_virtio_device(i);

		if (dev->device_id == device_id && nth-- == 0)
			return (int)i;
	}
	return -ENODEV;
}

static void set_status(const struct mote_virtio *d, uint32_t bits)
{
	mote_virtio_write32(d, MOTE_VIRTIO_MMIO_STATUS,
			    mote_virtio_status(d) | bits);
}

uint32_t mote_virtio_status(const struct mote_virtio *d)
{
	return mote_virtio_read32(d, MOTE_VIRTIO_MMIO_STATUS);
}

void mote_virtio_fail(struct mote_virtio *d)
{
	set_status(d, MOTE_VIRTIO_STATUS_FAILED);
}

void mote_virtio_driver_ok(struct mote_virtio *d)
{
	set_status(d, MOTE_VIRTIO_STATUS_DRIVER_OK);
}

void mote_virtio_reset(struct mote_virtio *d)
{
	mote_virtio_write32(d, MOTE_VIRTIO_MMIO_STATUS, 0);
	/* 4.2.3.1: reset may complete asynchronously; until Status reads 0
	 * the device may still be using the queues. Each read is an exit,
	 * so this loop is not a busy spin on shared memory. */
	while (mote_virtio_status(d) != 0)
		;
}

static uint64_t device_features(const struct mote_virtio *d)
{
	uint64_t f;

	mote_virtio_write32(d, MOTE_VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f = (uint64_t)mote_virtio_read32(d, MOTE_VIRTIO_MMIO_DEVICE_FEATURES)
	    << 32;
	mote_virtio_write32(d, MOTE_VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	return f | mote_virtio_read32(d, MOTE_VIRTIO_MMIO_DEVICE_FEATURES);
}

static void driver_features(const struct mote_virtio *d, uint64_t f)
{
	mote_virtio_write32(d, MOTE_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	mote_virtio_write32(d, MOTE_VIRTIO_MMIO_DRIVER_FEATURES,
			    (uint32_t)(f >> 32));
	mote_virtio_write32(d, MOTE_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	mote_virtio_write32(d, MOTE_VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
}

int mote_virtio_init(struct mote_virtio *d, unsigned index, uint32_t device_id,
		     uint64_t wanted)
{
	const struct mote_device *dev = mote_virtio_device(index);
	uint64_t offered;

	memset(d, 0, sizeof(*d));
	/* Only ever touch addresses in the ABI's device range. */
	if (dev == NULL || dev->device_id != device_id ||
	    dev->base < MOTE_DEVICE_GPA ||
	    dev->base >=
		    MOTE_DEVICE_GPA + MOTE_MAX_DEVICES * MOTE_DEVICE_SIZE ||
	    dev->base % MOTE_DEVICE_SIZE != 0)
		return -ENODEV;
	d->base = (uintptr_t)dev->base;
	d->device_id = device_id;
	if (mote_virtio_read32(d, MOTE_VIRTIO_MMIO_MAGIC_VALUE) !=
		    MOTE_VIRTIO_MMIO_MAGIC ||
	    mote_virtio_read32(d, MOTE_VIRTIO_MMIO_VERSION) !=
		    MOTE_VIRTIO_MMIO_VERSION_2 ||
	    mote_virtio_read32(d, MOTE_VIRTIO_MMIO_DEVICE_ID) != device_id)
		return -ENODEV;

	/* 3.1.1 Driver Requirements: Device Initialization, steps 1-6. */
	mote_virtio_reset(d);
	set_status(d, MOTE_VIRTIO_STATUS_ACKNOWLEDGE);
	set_status(d, MOTE_VIRTIO_STATUS_DRIVER);
	offered = device_features(d);
	d->features =
		offered & (wanted | MOTE_VIRTIO_BIT(MOTE_VIRTIO_F_VERSION_1) |
			   MOTE_VIRTIO_BIT(MOTE_VIRTIO_F_EVENT_IDX));
	/* Without VERSION_1 the device is legacy: other layouts, other
	 * endianness rules. mote only speaks 1.x. */
	if (!(d->features & MOTE_VIRTIO_BIT(MOTE_VIRTIO_F_VERSION_1))) {
		mote_virtio_fail(d);
		return -ENOTSUP;
	}
	driver_features(d, d->features);
	set_status(d, MOTE_VIRTIO_STATUS_FEATURES_OK);
	if (!(mote_virtio_status(d) & MOTE_VIRTIO_STATUS_FEATURES_OK)) {
		mote_virtio_fail(d);
		return -ENOTSUP;
	}
	return 0;
}

/* 2.5.1: a field wider than one access may change between its parts;
 * ConfigGeneration changes with it, so read until it holds still. */
uint64_t mote_virtio_config64(const struct mote_virtio *d, unsigned off)
{
	uint32_t gen, lo, hi;

	do {
		gen = mote_virtio_read32(d, MOTE_VIRTIO_MMIO_CONFIG_GENERATION);
		lo = mote_virtio_read32(d, MOTE_VIRTIO_MMIO_CONFIG + off);
		hi = mote_virtio_read32(d, MOTE_VIRTIO_MMIO_CONFIG + off + 4);
	} while (gen !=
		 mote_virtio_read32(d, MOTE_VIRTIO_MMIO_CONFIG_GENERATION));
	return (uint64_t)hi << 32 | lo;
}

uint32_t mote_virtio_config32(const struct mote_virtio *d, unsigned off)
{
	return mmio_read32(d->base + MOTE_VIRTIO_MMIO_CONFIG + off);
}

uint16_t mote_virtio_config16(const struct mote_virtio *d, unsigned off)
{
	return mmio_read16(d->base + MOTE_VIRTIO_MMIO_CONFIG + off);
}

uint8_t mote_virtio_config8(const struct mote_virtio *d, unsigned off)
{
	return mmio_read8(d->base + MOTE_VIRTIO_MMIO_CONFIG + off);
}

static void write64(const struct mote_virtio *d, unsigned lo, uint64_t v)
{
	mote_virtio_write32(d, lo, (uint32_t)v);
	mote_virtio_write32(d, lo + 4, (uint32_t)(v >> 32));
}

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

int mote_virtio_queue_setup(struct mote_virtio *d, struct mote_vq *vq,
			    unsigned index, unsigned max_size)
{
	uint32_t dev_max;
	unsigned size = 1;
	size_t avail_off, used_off, total;
	char *mem;

	memset(vq, 0, sizeof(*vq));
	/* 4.2.3.2 Virtqueue Configuration. */
	mote_virtio_write32(d, MOTE_VIRTIO_MMIO_QUEUE_SEL, index);
	if (mote_virtio_read32(d, MOTE_VIRTIO_MMIO_QUEUE_READY) != 0)
		return -ENODEV;
	dev_max = mote_virtio_read32(d, MOTE_VIRTIO_MMIO_QUEUE_NUM_MAX);
	if (dev_max == 0)
		return -ENODEV;
	if (max_size > dev_max)
		max_size = dev_max;
	if (max_size > MOTE_VRING_MAX_SIZE)
		max_size = MOTE_VRING_MAX_SIZE;
	/* 2.7: a split queue's size is a power of two. */
	while (size * 2 <= max_size)
		size *= 2;

	/* One zeroed block: descriptors, the available ring with
	 * used_event, then the used ring with avail_event on its own cache
	 * lines, so the device's writes do not bounce the lines that hold
	 * the driver's. */
	avail_off = sizeof(struct mote_vring_desc) * size;
	used_off = align_up(avail_off + sizeof(struct mote_vring_avail) +
				    sizeof(uint16_t) * (size + 1),
			    64);
	total = align_up(used_off + sizeof(struct mote_vring_used) +
				 sizeof(struct mote_vring_used_elem) * size +
				 sizeof(uint16_t),
			 64);
	mem = aligned_alloc(64, total);
	vq->next = malloc(sizeof(uint16_t) * size);
	vq->chain_len = calloc(size, sizeof(uint16_t));
	vq->token = calloc(size, sizeof(void *));
	if (!mem || !vq->next || !vq->chain_len || !vq->token) {
		free(mem);
		free(vq->next);
		free(vq->chain_len);
		free(vq->token);
		memset(vq, 0, sizeof(*vq));
		return -ENOMEM;
	}
	memset(mem, 0, total);
	vq->desc = (struct mote_vring_desc *)mem;
	vq->avail = (struct mote_vring_avail *)(mem + avail_off);
	vq->used = (struct mote_vring_used *)(mem + used_off);
	vq->dev = d;
	vq->size = (uint16_t)size;
	vq->index = (uint16_t)index;
	vq->num_free = (uint16_t)size;
	for (unsigned i = 0; i < size; i++)
		vq->next[i] = (uint16_t)(i + 1);
	vq->event_idx = d->features & MOTE_VIRTIO_BIT(MOTE_VIRTIO_F_EVENT_IDX);

	mote_virtio_write32(d, MOTE_VIRTIO_MMIO_QUEUE_NUM, size);
	write64(d, MOTE_VIRTIO_MMIO_QUEUE_DESC_LOW, (uintptr_t)vq->desc);
	write64(d, MOTE_VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uintptr_t)vq->avail);
	write64(d, MOTE_VIRTIO_MMIO_QUEUE_USED_LOW, (uintptr_t)vq->used);
	mote_virtio_write32(d, MOTE_VIRTIO_MMIO_QUEUE_READY, 1);
	return 0;
}

void mote_vq_free(struct mote_vq *vq)
{
	free(vq->desc);
	free(vq->next);
	free(vq->chain_len);
	free(vq->token);
	memset(vq, 0, sizeof(*vq));
}

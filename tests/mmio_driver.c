/*
 * Register reads and writes as a guest driver makes them, asserting that
 * the transport accepts each one, for the host device tests.
 */
#include "mmio_driver.h"

#include <criterion/criterion.h>

#include <linux/virtio_mmio.h>

uint32_t mmio_read(struct virtio_mmio *t, uint64_t off, unsigned len,
		   uint32_t fill)
{
	struct mote_err err = {""};
	uint32_t v = fill;

	cr_assert_eq(virtio_mmio_access(t, off, &v, len, false, &err), 0, "%s",
		     err.msg);
	return v;
}

void mmio_write(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	struct mote_err err = {""};

	cr_assert_eq(virtio_mmio_access(t, off, &v, 4, true, &err), 0, "%s",
		     err.msg);
}

uint64_t mmio_device_features(struct virtio_mmio *t)
{
	uint64_t hi;

	mmio_write(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	hi = mmio_read(t, VIRTIO_MMIO_DEVICE_FEATURES, 4, 0);
	mmio_write(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	return hi << 32 | mmio_read(t, VIRTIO_MMIO_DEVICE_FEATURES, 4, 0);
}

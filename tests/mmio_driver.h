/*
 * The driver's side of a virtio-mmio transport in the host device tests
 * (test_blk_device.c, test_net_device.c, test_virtio_mmio.c).
 */
#ifndef MOTE_TESTS_MMIO_DRIVER_H
#define MOTE_TESTS_MMIO_DRIVER_H

#include <stdint.h>

#include "virtio_mmio.h"

/* A len-byte read at off, which must succeed. fill is what v holds before
 * it: 0 zero-extends 1- and 2-byte reads, a poison shows bytes left
 * unwritten. */
uint32_t mmio_read(struct virtio_mmio *t, uint64_t off, unsigned len,
		   uint32_t fill);

/* A 4-byte register write at off, which must succeed. */
void mmio_write(struct virtio_mmio *t, uint64_t off, uint32_t v);

/* The 64 DeviceFeatures bits, read through both selector values. */
uint64_t mmio_device_features(struct virtio_mmio *t);

#endif

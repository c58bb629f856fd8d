/*
 * Pages mapped over an image in a VM: a sealed memfd holding guest memory
 * at its guest offsets, and the runs of pages to take from it. A snapshot
 * is an image plus an overlay; the VM maps both copy-on-write.
 */
#ifndef MOTE_OVERLAY_H
#define MOTE_OVERLAY_H

#include <stdint.h>

#define OVERLAY_MAX_EXTENTS 256u

struct overlay_extent {
	uint64_t start, end; /* page-aligned guest range */
};

struct vm_overlay {
	int memfd; /* offset = guest-physical address */
	unsigned n;
	struct overlay_extent ext[OVERLAY_MAX_EXTENTS];
};

#endif

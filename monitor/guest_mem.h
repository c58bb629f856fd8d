/*
 * The one checked path from a guest-supplied address to host memory.
 * Every hypercall argument, buffer and virtqueue address goes through it.
 */
#ifndef MOTE_GUEST_MEM_H
#define MOTE_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Image segments, boot info and arguments, heap and stack. */
#define GUEST_MEM_MAX_RANGES 24

/* Guest memory the guest itself can read, and whether it can write it. */
struct guest_range {
	uint64_t start, end;
	bool writable;
};

struct guest_mem {
	uint8_t *host;  /* host mapping of guest-physical address 0 */
	uint64_t size;  /* bytes of guest memory */
	uint64_t floor; /* lowest address a guest may name (page 0 is never valid) */
	/*
	 * What devices may touch (guest_mem_dma): the memory the guest can
	 * reach through its own page tables, sorted by start and disjoint.
	 * Devices never see the monitor's page tables, and never write where
	 * the guest could not: a pool reset wipes exactly the guest-writable
	 * memory, so no device write outlives its guest.
	 */
	unsigned nranges;
	struct guest_range ranges[GUEST_MEM_MAX_RANGES];
};

/*
 * Returns a host pointer to guest range [gpa, gpa + len) when the range is
 * non-empty, does not overflow, lies in [floor, size) and gpa is a multiple
 * of align (a power of two, 1 for none). Returns NULL otherwise.
 */
void *guest_mem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len,
		    uint64_t align);

/*
 * Copies a guest range into dst (the "read once" copy callers then validate).
 * Returns 0, or -EFAULT when guest_mem_ptr would return NULL.
 */
int guest_mem_read(const struct guest_mem *m, uint64_t gpa, void *dst,
		   uint64_t len, uint64_t align);

/*
 * Like guest_mem_ptr, for a device's access (a virtqueue or a buffer):
 * the range must also be covered by m->ranges, and by writable ones when
 * the device writes it.
 */
void *guest_mem_dma(const struct guest_mem *m, uint64_t gpa, uint64_t len,
		    uint64_t align, bool write);

/* Clears m->ranges. */
void guest_mem_clear_ranges(struct guest_mem *m);

/*
 * Adds [start, end) to m->ranges, keeping them sorted. Empty ranges are
 * skipped. Returns 0, or -EINVAL if it overlaps another or there is no room.
 */
int guest_mem_add_range(struct guest_mem *m, uint64_t start, uint64_t end,
			bool writable);

#endif

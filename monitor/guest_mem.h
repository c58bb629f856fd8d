/*
 * The one checked path from a guest-supplied address to host memory.
 * Every hypercall argument, buffer and (later) virtqueue address goes through it.
 */
#ifndef MOTE_GUEST_MEM_H
#define MOTE_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>

struct guest_mem {
	uint8_t *host;  /* host mapping of guest-physical address 0 */
	uint64_t size;  /* bytes of guest memory */
	uint64_t floor; /* lowest address a guest may name (page 0 is never valid) */
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

#endif

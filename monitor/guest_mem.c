/*
 * Bounds-, overflow- and alignment-checked access to guest memory.
 * Kept tiny so it can be read in one sitting and unit-tested exhaustively.
 */
#include "guest_mem.h"

#include <errno.h>
#include <string.h>

void *guest_mem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len,
		    uint64_t align)
{
	uint64_t end;

	if (len == 0 || align == 0 || (align & (align - 1)) != 0)
		return NULL;
	if (gpa & (align - 1))
		return NULL;
	if (__builtin_add_overflow(gpa, len, &end))
		return NULL;
	if (gpa < m->floor || end > m->size)
		return NULL;
	return m->host + gpa;
}

int guest_mem_read(const struct guest_mem *m, uint64_t gpa, void *dst,
		   uint64_t len, uint64_t align)
{
	const void *src = guest_mem_ptr(m, gpa, len, align);

	if (!src)
		return -EFAULT;
	/* Another vCPU or device could change guest memory at any time: callers
	 * validate this private copy, never the shared original. */
	memcpy(dst, src, len);
	return 0;
}

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

void *guest_mem_dma(const struct guest_mem *m, uint64_t gpa, uint64_t len,
		    uint64_t align, bool write)
{
	void *p = guest_mem_ptr(m, gpa, len, align);
	uint64_t at = gpa, end = gpa + len; /* no overflow: p checked it */

	if (!p)
		return NULL;
	/* Sorted and disjoint: walk the ranges that cover [gpa, end) in
	 * turn; a gap, or a read-only range for a write, rejects. */
	for (unsigned i = 0; i < m->nranges && at < end; i++) {
		const struct guest_range *r = &m->ranges[i];

		if (r->end <= at)
			continue;
		if (r->start > at || (write && !r->writable))
			return NULL;
		at = r->end;
	}
	return at >= end ? p : NULL;
}

void guest_mem_clear_ranges(struct guest_mem *m)
{
	m->nranges = 0;
}

int guest_mem_add_range(struct guest_mem *m, uint64_t start, uint64_t end,
			bool writable)
{
	unsigned i;

	if (start >= end)
		return 0;
	if (m->nranges == GUEST_MEM_MAX_RANGES)
		return -EINVAL;
	for (i = m->nranges; i > 0 && m->ranges[i - 1].start > start; i--)
		;
	if ((i > 0 && m->ranges[i - 1].end > start) ||
	    (i < m->nranges && m->ranges[i].start < end))
		return -EINVAL;
	memmove(&m->ranges[i + 1], &m->ranges[i],
		(m->nranges - i) * sizeof(m->ranges[0]));
	m->ranges[i] = (struct guest_range){ start, end, writable };
	m->nranges++;
	return 0;
}

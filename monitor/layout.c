/*
 * The guest memory layout (layout.h). Variant II TLS, as the x86-64 ELF
 * TLS ABI has it: the block ends at the thread pointer, which is aligned
 * to the segment's alignment, and the TCB starts there.
 */
#include "layout.h"

#include "../guest_abi/mote_abi.h"

#define TWO_MIB (2ULL << 20)
/* The TCB holds the C library's thread struct: keep it on a cache line. */
#define TP_ALIGN_MIN 64u

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

/* Everything below the heap's end except the stack: image, TLS, TCB. */
static void place_tls(const struct mote_image *img, struct guest_layout *l)
{
	uint64_t align = img->tls.align > TP_ALIGN_MIN ? img->tls.align
						      : TP_ALIGN_MIN;
	uint64_t block = align_up(img->tls.memsz, img->tls.align ? img->tls.align
								  : 1);

	l->tp = align_up(img->hi + block, align);
	l->tls_start = l->tp - block;
	l->heap_start = align_up(l->tp + MOTE_TCB_SIZE, MOTE_PAGE_SIZE);
}

bool layout_compute(const struct mote_image *img, uint64_t mem_size,
		    struct guest_layout *l)
{
	place_tls(img, l);
	l->mem_size = mem_size;
	if (mem_size < MOTE_STACK_SIZE + MOTE_GUARD_SIZE)
		return false;
	l->stack_lo = mem_size - MOTE_STACK_SIZE;
	l->heap_end = l->stack_lo - MOTE_GUARD_SIZE;
	/* At least one page of heap: the runtime's allocator needs a start. */
	return l->heap_start + MOTE_PAGE_SIZE <= l->heap_end;
}

uint64_t layout_min_mem(const struct mote_image *img)
{
	struct guest_layout l;

	place_tls(img, &l);
	return align_up(l.heap_start + MOTE_PAGE_SIZE + MOTE_GUARD_SIZE +
				MOTE_STACK_SIZE,
			TWO_MIB);
}

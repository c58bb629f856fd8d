/*
 * Where things go in a guest's memory for a given image and memory size:
 * the TLS block and thread control block, the heap, the guard, the stack.
 * One computation shared by the page tables, the loader and the checks.
 */
#ifndef MOTE_LAYOUT_H
#define MOTE_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "image.h"

struct guest_layout {
	uint64_t tls_start; /* the PT_TLS block: [tls_start, tp) */
	uint64_t tp;        /* thread pointer; the TCB is [tp, tp + TCB) */
	uint64_t heap_start, heap_end;
	uint64_t stack_lo; /* the stack: [stack_lo, mem_size) */
	uint64_t mem_size;
};

/*
 * Lays out img in mem_size bytes. Returns false when it does not fit (the
 * image, TLS, TCB, a page of heap, the guard and the stack).
 */
bool layout_compute(const struct mote_image *img, uint64_t mem_size,
		    struct guest_layout *l);

/* Smallest guest memory (a multiple of 2 MiB) that img fits in. */
uint64_t layout_min_mem(const struct mote_image *img);

#endif

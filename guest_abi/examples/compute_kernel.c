/*
 * The compute benchmark's kernel: a chain of dependent multiply/xor/shift
 * steps. Freestanding, so it builds both as a guest and as a host program.
 */
#include "compute_kernel.h"

uint64_t compute_kernel(uint64_t iters)
{
	/* FNV-1a over the counter's bytes folded with a xorshift: each step
	 * depends on the last, so nothing can be vectorised or skipped. */
	uint64_t h = 0xcbf29ce484222325ULL;

	for (uint64_t i = 0; i < iters; i++) {
		h ^= i & 0xff;
		h *= 0x100000001b3ULL;
		h ^= h >> 29;
	}
	return h;
}

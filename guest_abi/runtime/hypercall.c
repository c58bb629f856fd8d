/*
 * The hypercall primitive and the raw console write built on it. Each call
 * is one exit to the monitor (tens of microseconds), so callers batch.
 */
#include "mote.h"

void mote_hypercall(unsigned nr, void *arg)
{
	/* The doorbell page has no memory behind it, so this store exits.
	 * The "memory" clobber makes the argument struct (and any buffer it
	 * names) visible to the monitor first, and re-read afterwards for
	 * results written back into it. */
	__asm__ volatile("movq %0, (%1)"
			 :
			 : "r"((uint64_t)(uintptr_t)arg),
			   "r"(MOTE_HC_GPA + 8 * (uint64_t)nr)
			 : "memory");
}

void mote_console_write(const char *buf, size_t len)
{
	while (len > 0) {
		size_t n = len < MOTE_CONSOLE_MAX ? len : MOTE_CONSOLE_MAX;
		struct mote_hc_console hc = {
			.buf = (uint64_t)(uintptr_t)buf,
			.len = n,
		};

		mote_hypercall(MOTE_HC_CONSOLE, &hc);
		buf += n;
		len -= n;
	}
}

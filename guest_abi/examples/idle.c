/*
 * Guest that blocks for argv[1] milliseconds (default 0) in MOTE_HC_WAIT and
 * exits 0, silently: density benchmarks start a thousand of them at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mote.h"

/* ~35 years: keeps now + ms * 1e6 ns far from overflowing. */
#define MAX_MS (1ULL << 40)

int main(int argc, char **argv)
{
	unsigned long long ms = 0;
	int verbose = argc > 2 && strcmp(argv[2], "-v") == 0;

	if (argc > 1) {
		char *end;

		ms = strtoull(argv[1], &end, 10);
		/* strtoull would accept "-1" as a huge number. */
		if (end == argv[1] || *end || argv[1][0] == '-' ||
		    ms > MAX_MS) {
			fputs("usage: idle [ms [-v]]\n", stderr);
			return 2;
		}
	}
	uint64_t deadline = mote_monotonic_ns() + ms * 1000000;

	/* Ready before waiting: density benchmarks count ready VMs. */
	mote_ready();

	/* No output on the quiet path: each console write is an exit, and an
	 * idle VM should cost nothing but its wait. An event can end a wait
	 * early, hence the loop on our own clock. */
	while (mote_monotonic_ns() < deadline)
		mote_wait_until(deadline);
	if (verbose)
		printf("idle: waited %llu ms\n", ms);
	return 0;
}

/*
 * Checks the WAIT write-back rule of the ABI: the monitor writes `result`
 * once, as the wait ends, and never again. It waits with a deadline already
 * past (a wait that returns at once), keeps the struct alive with a canary
 * in `result`, computes for argv[1] milliseconds (default 200) so that the
 * monitor time-slices it, then checks the canary. Exit 0 if intact.
 */
#include <stdio.h>
#include <stdlib.h>

#include "mote.h"

#define CANARY 0x5a5a1234cafe5a5aULL

int main(int argc, char **argv)
{
	unsigned long ms = argc > 1 ? strtoul(argv[1], NULL, 10) : 200;
	volatile struct mote_hc_wait hc = { .deadline_ns = 0,
					    .result = CANARY };
	uint64_t until, spins = 0;

	mote_hypercall(MOTE_HC_WAIT, (void *)&hc);
	if (hc.result != MOTE_WAIT_TIMEOUT && hc.result != MOTE_WAIT_EVENT) {
		printf("wait-canary: WAIT gave result %llu\n",
		       (unsigned long long)hc.result);
		return 1;
	}
	hc.result = CANARY;
	until = mote_monotonic_ns() + ms * 1000000ULL;
	while (mote_monotonic_ns() < until)
		spins++;
	if (hc.result != CANARY) {
		printf("wait-canary: WAIT result rewritten to %llu after %llu "
		       "spins\n",
		       (unsigned long long)hc.result,
		       (unsigned long long)spins);
		return 1;
	}
	printf("wait-canary: intact\n");
	return 0;
}

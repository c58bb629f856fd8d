/*
 * The native baseline of the compute guest: the same kernel object code,
 * timed and reported exactly as guest_abi/examples/compute.c does.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../guest_abi/examples/compute_kernel.h"
#include "timeutil.h"

int main(int argc, char **argv)
{
	unsigned long long iters = COMPUTE_DEFAULT_ITERS;
	unsigned long long start, result, elapsed;

	if (argc > 1)
		iters = strtoull(argv[1], NULL, 0);
	/* The guest's CLOCK_MONOTONIC is its TSC scaled to ns; the host's is
	 * mono_ns: both bracket only the kernel call. */
	start = mono_ns();
	result = compute_kernel(iters);
	elapsed = mono_ns() - start;
	printf("result=%llx\nelapsed_ns=%llu\n", result, elapsed);
	return 0;
}

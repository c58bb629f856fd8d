/*
 * CPU-bound guest: runs compute_kernel for argv[1] iterations and reports
 * the result and the time taken by the guest's own monotonic clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "compute_kernel.h"

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL +
	       (unsigned long long)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long long iters = COMPUTE_DEFAULT_ITERS;

	if (argc > 1)
		iters = strtoull(argv[1], NULL, 0);
	unsigned long long start = now_ns();
	unsigned long long result = compute_kernel(iters);
	unsigned long long elapsed = now_ns() - start;

	printf("result=%llx\nelapsed_ns=%llu\n", result, elapsed);
	return 0;
}

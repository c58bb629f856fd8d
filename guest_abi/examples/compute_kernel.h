/*
 * CPU-bound benchmark kernel shared by the compute guest and the native
 * baseline: the same C source is compiled for both.
 */
#ifndef COMPUTE_KERNEL_H
#define COMPUTE_KERNEL_H

#include <stdint.h>

/* Default iteration count: roughly 0.2-0.5 s on a current x86-64 core. */
#define COMPUTE_DEFAULT_ITERS 150000000ULL

uint64_t compute_kernel(uint64_t iters);

#endif

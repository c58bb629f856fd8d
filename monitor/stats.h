/*
 * Order statistics for --stats and the benchmarks: percentiles, min, max
 * and mean of a sample, so every figure is computed the same way.
 */
#ifndef MOTE_STATS_H
#define MOTE_STATS_H

#include <stddef.h>
#include <stdint.h>

struct stats {
	size_t n;
	double min, p50, p90, p99, max, mean; /* same unit as the sample */
};

/* Sorts v[0..n) in place and fills s; n may be 0 (all fields 0). */
void stats_compute(uint64_t *v, size_t n, struct stats *s);

/* Nearest-rank percentile (0 < p <= 100) of a sorted sample. */
uint64_t stats_percentile(const uint64_t *sorted, size_t n, double p);

/* Median of a small unsorted sample of doubles; sorts it in place. */
double stats_median_d(double *v, size_t n);

#endif

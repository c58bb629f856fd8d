/*
 * Order statistics for the benchmarks. Nearest-rank percentiles: every
 * reported figure is a value that was actually measured, never interpolated.
 */
#include "stats.h"

#include <math.h>
#include <stdlib.h>

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

uint64_t stats_percentile(const uint64_t *sorted, size_t n, double p)
{
	size_t rank;

	if (n == 0)
		return 0;
	/* Smallest value with at least p% of the sample at or below it. */
	rank = (size_t)ceil(p / 100.0 * (double)n);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

void stats_compute(uint64_t *v, size_t n, struct stats *s)
{
	double sum = 0;

	*s = (struct stats){.n = n};
	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < n; i++)
		sum += (double)v[i];
	s->min = (double)v[0];
	s->max = (double)v[n - 1];
	s->p50 = (double)stats_percentile(v, n, 50);
	s->p90 = (double)stats_percentile(v, n, 90);
	s->p99 = (double)stats_percentile(v, n, 99);
	s->mean = sum / (double)n;
}

double stats_median_d(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_d);
	/* Even n: mean of the middle two, the usual median for tiny samples. */
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * build/bench/floor: the raw-KVM floor alone, outside mote. Run in the
 * same session as `mote bench boot`, it shows what the harness itself adds
 * to the floor figures it reports.
 */
#include <stdio.h>
#include <stdlib.h>

#include "floor.h"
#include "stats.h"

#define WARMUP 5

int main(int argc, char **argv)
{
	long runs = argc > 1 ? strtol(argv[1], NULL, 10) : 200;
	struct floor_ctx fc;
	struct stats a, b;
	uint64_t *exit_v, *closed_v;
	char err[256];

	if (runs < 1 || runs > 1000000) {
		fputs("usage: floor [RUNS]\n", stderr);
		return 2;
	}
	exit_v = calloc((size_t)runs, sizeof(uint64_t));
	closed_v = calloc((size_t)runs, sizeof(uint64_t));
	if (!exit_v || !closed_v || floor_open(&fc, err, sizeof(err)) < 0) {
		fprintf(stderr, "floor: %s\n", exit_v ? err : "out of memory");
		return 1;
	}
	for (long i = -WARMUP; i < runs; i++) {
		struct floor_sample s;

		if (floor_once(&fc, FLOOR_HLT, &s, err, sizeof(err)) < 0) {
			fprintf(stderr, "floor: %s\n", err);
			return 1;
		}
		if (i >= 0) {
			exit_v[i] = s.t_first_exit - s.t_start;
			closed_v[i] = s.t_closed - s.t_start;
		}
	}
	floor_close(&fc);
	stats_compute(exit_v, (size_t)runs, &a);
	stats_compute(closed_v, (size_t)runs, &b);
	printf("floor, %ld runs (+%d warm-up), us: to first exit p50 %.1f "
	       "p90 %.1f p99 %.1f; to closed p50 %.1f p90 %.1f p99 %.1f\n",
	       runs, WARMUP, a.p50 / 1e3, a.p90 / 1e3, a.p99 / 1e3, b.p50 / 1e3,
	       b.p90 / 1e3, b.p99 / 1e3);
	free(exit_v);
	free(closed_v);
	return 0;
}

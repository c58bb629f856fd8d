/*
 * Host memory as density figures need it: samples of /proc/meminfo and of
 * this process's RSS, and waiting until the host's memory stops moving.
 */
#ifndef MOTE_BENCH_MEMINFO_H
#define MOTE_BENCH_MEMINFO_H

#include <stdbool.h>
#include <stdint.h>

struct memsample {
	uint64_t t, cpu;	    /* mono_ns; this process's CPU time, ns */
	long long avail_kb, rss_kb; /* MemAvailable; VmRSS (-1: unknown) */
};

/* Returns 0 or a negative errno (no /proc/meminfo). */
int mem_sample(struct memsample *m);

/*
 * Samples every 10 ms until, over the last `window` ns, MemAvailable moved
 * by at most 1 MiB and (cpu_share >= 0) this process used at most
 * cpu_share of one CPU; or until deadline. Returns whether it got quiet;
 * *last is the final sample either way.
 */
bool mem_wait_quiet(uint64_t window, double cpu_share, uint64_t deadline,
		    struct memsample *last);

/* KiB per VM by which MemAvailable fell from a to b. */
double mem_avail_drop_kib(const struct memsample *a, const struct memsample *b,
			  unsigned vms);

#endif

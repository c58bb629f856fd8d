/*
 * Host memory as density figures need it: samples of /proc/meminfo and of
 * this process's RSS, and waiting until the host's memory stops moving.
 */
#ifndef MOTE_BENCH_MEMINFO_H
#define MOTE_BENCH_MEMINFO_H

#include <stdbool.h>
#include <stdint.h>

struct memcg;

struct memsample {
	uint64_t t, cpu;	    /* mono_ns; this process's CPU time, ns */
	long long avail_kb, rss_kb; /* MemAvailable; VmRSS (-1: unknown) */
	long long cg_kb; /* the mem_watch cgroup's usage (-1: none) */
};

/* From now on, samples also read this cgroup's usage, and "quiet" means
 * that usage stopped moving (NULL: MemAvailable again). */
void mem_watch(const struct memcg *cg);

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

/*
 * Memory per VM from several samples of one step: the median, the spread
 * and whether every sample is possible (from 0 to limit_kib, the most one
 * VM can use). A step with an impossible sample is not valid.
 */
#define MEM_SAMPLES 3
struct mem_figure {
	unsigned n;
	double kib[MEM_SAMPLES]; /* per VM, in the order taken */
	double limit_kib;
	/* filled by mem_judge */
	double median, min, max;
	double spread; /* (max - min) / median; 0 when median <= 0 */
	bool possible;
	char why[160]; /* when not possible */
};
bool mem_judge(struct mem_figure *f);

#endif

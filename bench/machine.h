/*
 * Benchmark context shared by the benchmark programs: which machine, how
 * busy it was while we ran, and JSON string output.
 */
#ifndef MOTE_BENCH_MACHINE_H
#define MOTE_BENCH_MACHINE_H

#include <stdio.h>

struct machine {
	long nproc;
	unsigned long long mem_kb;
	char kernel[128], cpu[128], timestamp[32];
	/* Share of all CPU time used by other processes while we ran: the
	 * host is shared, and its load is the first suspect for odd figures. */
	double others_cpu;
	double load_start, load_end; /* 1-minute load averages */
};

/* Busy and total jiffies over all CPUs, from the first line of /proc/stat. */
struct cpu_times {
	unsigned long long busy, total;
	double self_s; /* CPU seconds used by us and our waited-for children */
};

/* Above this share of other processes' CPU time, figures are flagged. */
#define MACHINE_BUSY_SHARE 0.10

void machine_info(struct machine *m);
void cpu_times(struct cpu_times *ct);
/* Fills m->others_cpu and m->load_end from two cpu_times samples. */
void host_load(struct machine *m, const struct cpu_times *a,
	       const struct cpu_times *b);

void json_str(FILE *f, const char *s);
const char *verdict(int pass);

#endif

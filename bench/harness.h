/*
 * Internals shared by the `mote bench` commands: options, per-start samples
 * and series, and the results each command hands to the report writers.
 */
#ifndef MOTE_BENCH_HARNESS_H
#define MOTE_BENCH_HARNESS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "json.h"
#include "machine.h"
#include "meminfo.h"
#include "qemu.h"
#include "opt.h"
#include "stats.h"

#define MS_NS		   1000000ull
#define S_NS		   1000000000ull
#define BENCH_MAX_INCLUDES 8
#define BENCH_MAX_ARGS	   64

struct bench_opts {
	const char *cmd;   /* "boot", "density", "rate" or "all" */
	const char *image; /* NULL: the command's default example guest */
	int nargs;	   /* guest arguments after "--" */
	char *args[BENCH_MAX_ARGS];
	unsigned runs;	       /* 0: the command's default */
	const char *json;      /* report file, or NULL */
	const char *plot;      /* PNG, or NULL (boot, density) */
	const char *plot_dir;  /* all: DIR/boot.png, DIR/density.png */
	const char *md;	       /* all: markdown table */
	uint64_t mem;	       /* guest memory, bytes */
	uint64_t timeout_ns;   /* per start */
	double seconds;	       /* rate: seconds per round */
	unsigned max_vms;      /* density: largest step */
	uint64_t max_mem;      /* density: host memory bound, bytes; 0: auto */
	double max_seconds;    /* density: all-ready time bound per step */
	unsigned qemu_max_vms; /* density: largest QEMU step */
	bool no_qemu, no_floor, quiet;
	bool strict; /* exit 1 when a density step is not valid */
	unsigned ninclude; /* all: NAME=FILE.json reports to embed */
	const char *include[BENCH_MAX_INCLUDES];
	/* found at start-up */
	char self[PATH_MAX];	/* this mote binary */
	char exe_dir[PATH_MAX]; /* its directory: guests/ and bench/ are there
				 */
	struct qemu qemu;
	/* for the report: the option table and the command line */
	const struct opt *table;
	size_t ntable;
	int argc;
	char **argv;
};

/* The image a command boots: --image and its "--" arguments, or the
 * command's default example guest with its default arguments. */
struct image_spec {
	char path[PATH_MAX];
	int argc;
	char *argv[BENCH_MAX_ARGS + 2]; /* argv[0] = path; NULL-terminated */
};

/* Where a sample's "ready" came from. */
enum ready_src {
	READY_HC,	  /* the guest's READY hypercall */
	READY_FIRST_INSN, /* no READY: the guest's first instruction */
	READY_NONE,	  /* neither was reported */
};

/* One start; ns from the start to each point, 0 where never reached. */
struct run_sample {
	uint64_t ready, exit, end; /* end: torn down, closed or reaped */
	enum ready_src src;
};

struct series {
	const char *name;   /* JSON key: cold, pooled, process, floor, qemu */
	const char *what;   /* what exactly is timed */
	const char *status; /* NULL: measured; else why not */
	const char *ready_label; /* what "ready" is when not READY */
	struct run_sample *s;
	size_t n, cap;
	unsigned failed, nonzero_exit, from_pool;
	bool warmup;	 /* failures now are not counted */
	char error[200]; /* the first failure */
	/* filled by series_finish */
	struct stats to_ready, to_exit, to_end;
	unsigned ready_missing, ready_none;
};

int series_add(struct series *s, const struct run_sample *r);
void series_fail(struct series *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int series_finish(struct series *s);
void series_free(struct series *s);
/* "READY hypercall", "first instruction (no READY)", or a mix. */
const char *series_ready_label(const struct series *s);
void series_json(struct jw *j, const struct series *s, bool samples);

/* ---- boot ---- */
enum { B_COLD, B_POOLED, B_PROCESS, B_NOJAIL, B_FLOOR, B_QEMU, B_NSERIES };
struct boot_result {
	char image[512]; /* path and arguments */
	struct image_spec is;
	unsigned runs, warmup;
	struct series ser[B_NSERIES];
};
int bench_boot(const struct bench_opts *o, struct boot_result *r,
	       struct mote_err *err);
void boot_json(struct jw *j, const struct boot_result *r);
void boot_print(FILE *f, const struct boot_result *r);
void boot_free(struct boot_result *r);
/* a's p50 over b's p50, to ready or to exit; NAN when either is missing,
 * with the reason in *why. */
double boot_ratio(const struct boot_result *r, int a, int b, bool ready,
		  const char **why);

/* ---- density ---- */
#define DENSITY_MAX_STEPS 24
/* One system (mote, floor or QEMU) holding n VMs at once. */
struct hold {
	const char *status; /* NULL: measured; else why not */
	bool valid; /* every VM ready and still idle at the samples, memory
		       settled, every sample possible */
	bool quiet; /* memory had settled at the sample */
	char note[320];
	double kib_per_vm;	 /* mem.median */
	struct mem_figure mem;	 /* per-VM samples: cgroup, or MemAvailable */
	double avail_kib_per_vm; /* drop in MemAvailable / n: a cross-check */
	double kmem_kib_per_vm;	 /* kernel memory in the cgroup / n; <0: ? */
	double rss_kib_per_vm; /* mote only: the holder's RSS growth / n */
	uint64_t all_ready_ns; /* first start -> last VM ready */
	uint64_t teardown_ns;
	unsigned ready, ready_missing, early, failed;
};
struct density_step {
	unsigned vms;
	struct hold mote, floor, qemu;
};
struct density_result {
	char image[512];
	struct image_spec is;
	uint64_t max_mem;
	double max_seconds;
	unsigned max_vms, qemu_max_vms;
	unsigned nsteps;
	struct density_step step[DENSITY_MAX_STEPS];
	char stop[200]; /* why the ramp ended */
	int cgroup_version; /* 0: MemAvailable was the measure */
	char memory_method[400];
	/* WARM_BATCH idle VMs started at once from a full warm pool: first
	 * start -> last VM ready, and -> the last first guest instruction
	 * (0: not measured; warm_note says why) */
	unsigned warm_n;
	uint64_t warm_all_ready_ns, warm_all_first_ns;
	char warm_note[320];
};
int bench_density(const struct bench_opts *o, struct density_result *r,
		  struct mote_err *err);
void density_json(struct jw *j, const struct density_result *r);
/* One system's figures at one step; never "valid": true for a step with
 * an impossible sample. */
void density_hold_json(struct jw *j, const char *key, const struct hold *h,
		       bool mote);
void density_print(FILE *f, const struct density_result *r);
/* Every measured system at every step valid (and at least one step). */
bool density_all_valid(const struct density_result *r);

/* ---- rate ---- */
#define RATE_MAX_RUNS 16
enum { R_POOLED, R_COLD, R_FLOOR, R_QEMU, R_NLINES };
struct rate_line {
	const char *name, *what, *status;
	unsigned inflight;
	double per_s; /* median over the runs */
	double per_s_run[RATE_MAX_RUNS];
	struct series ser; /* every start of every run: submit -> ready, exit */
};
struct rate_result {
	char image[512];
	struct image_spec is;
	unsigned runs;
	double seconds;
	struct rate_line line[R_NLINES];
};
int bench_rate(const struct bench_opts *o, struct rate_result *r,
	       struct mote_err *err);
void rate_json(struct jw *j, const struct rate_result *r);
void rate_print(FILE *f, const struct rate_result *r);
void rate_free(struct rate_result *r);

/* ---- compute (suite only): a CPU-bound guest against the same code natively
 */
struct compute_result {
	const char *status; /* NULL: measured; else why not */
	unsigned runs;
	double guest_ns, native_ns, ratio; /* medians of self-reported times */
};
int bench_compute(const struct bench_opts *o, struct compute_result *r,
		  struct mote_err *err);
void compute_json(struct jw *j, const struct compute_result *r);

/* ---- the report: whatever ran, on which machine ---- */
struct bench_report {
	const struct bench_opts *o;
	struct machine *m;
	struct boot_result *boot;	/* NULL: not run */
	struct density_result *density; /* NULL: not run */
	struct rate_result *rate;	/* NULL: not run */
	struct compute_result *compute; /* NULL: not run */
	unsigned ninclude;
	const char *inc_name[BENCH_MAX_INCLUDES];
	const char *inc_path[BENCH_MAX_INCLUDES];
	char *inc_text[BENCH_MAX_INCLUDES]; /* NULL: unreadable */
};
int report_json(const char *path, const struct bench_report *r,
		struct mote_err *err);
/* Plain-text report on stdout: the machine, each benchmark. */
void report_print(FILE *f, const struct bench_report *r);

/* ---- shared helpers ---- */

/* Path of an example guest or bench file next to this binary. */
void bench_path(const struct bench_opts *o, const char *rel, char *out,
		size_t len);
void bench_image(const struct bench_opts *o, const char *default_guest,
		 const char *const *default_args, int ndefault,
		 struct image_spec *is);
/* "path arg1 arg2", for the reports. */
void image_label(const struct image_spec *is, char *out, size_t len);
/* "bench: PHASE" on stderr, unless --quiet. */
void bench_phase(const struct bench_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* PREFIX_path, PREFIX_args and PREFIX_sha256 of the image. */
void image_spec_json(struct jw *j, const struct image_spec *is);
/* A struct mote_stdio write that drops the output and counts it into
 * the size_t at ctx. */
ssize_t bench_discard(void *ctx, int fd, const void *buf, size_t len);

#endif

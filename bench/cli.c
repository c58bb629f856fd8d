/*
 * `mote bench COMMAND`: options, the machine, running the benchmarks and
 * writing what was asked for: text on stdout, the JSON report, and from
 * it (bench/report.py) the Markdown table and the plots.
 */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/wait.h>

#include "../guest_abi/mote_abi.h"
#include "bench.h"
#include "harness.h"
#include "opt.h"
#include "spawn.h"

#define TIMEOUT_DEFAULT_NS (10 * S_NS)
#define SECONDS_DEFAULT	   2.0
#define INCLUDE_MAX	   (1u << 20)

static const char usage[] =
	"Usage: mote bench boot|density|rate|all [OPTIONS]\n"
	"                  [--image IMAGE] [-- ARGS...]\n"
	"\n"
	"Measures mote on IMAGE, side by side with the raw-KVM floor (the\n"
	"same work with no monitor) and QEMU microvm on a minimal PVH guest\n"
	"(when qemu-system-x86_64 is installed), and prints a report.\n"
	"\n"
	"  boot     latency of cold, warm-pool and whole-process (`mote run`)\n"
	"           starts to the guest's READY hypercall and to its exit:\n"
	"           min, p50, p90, p99, max. Images that never call READY are\n"
	"           timed to their first instruction, and say so\n"
	"  density  100, 250, 500, 1000, ... concurrent idle VMs until a\n"
	"           memory, time or file-descriptor bound: host memory per VM\n"
	"           by the kernel's accounting (a memory cgroup per system\n"
	"           and step; MemAvailable where there is none), 3 samples,\n"
	"           and the time until all are ready, at each step. The image\n"
	"           should call READY and then wait (the default, idle, does;\n"
	"           without READY the time to ready is not known); each VM\n"
	"           is stopped by a timeout once the step is measured\n"
	"  rate     sustained starts per second, each start run to its exit\n"
	"           and torn down (or reset into the warm pool)\n"
	"  all      boot, density and rate, plus the compute guest against\n"
	"           native code; what `make bench` runs\n"
	"\n"
	"Options:\n"
	"  --image IMAGE      the image to start (default: the example\n"
	"                     guests next to this mote binary: hello, and "
	"idle\n"
	"                     for density); ARGS after -- are its arguments\n"
	"  --runs N           boot: measured starts of each kind (default "
	"200,\n"
	"                     after 5 warm-up rounds); rate: runs per system\n"
	"                     (default 3); not used by density\n"
	"  --json FILE        write the report as JSON\n"
	"  --plot FILE.png    boot: latency CDFs; density: host memory per VM\n"
	"                     against VMs (bench/report.py draws it with\n"
	"                     gnuplot from the JSON report)\n"
	"  --mem SIZE         guest memory (default 16M)\n"
	"  --timeout DURATION stop a start that takes longer (default 10s)\n"
	"  --seconds S        rate: length of each run (default 2)\n"
	"  --max-vms N        density: largest step, at least 100 (default: no\n"
	"                     limit)\n"
	"  --max-mem SIZE     density: stop before a step would use more host\n"
	"                     memory (default: half of MemAvailable)\n"
	"  --max-seconds S    density: stop after a step whose VMs took "
	"longer\n"
	"                     than S to be all ready (default 10)\n"
	"  --qemu-max-vms N   density: largest step QEMU runs (default 100)\n"
	"  --no-floor         skip the raw-KVM floor\n"
	"  --no-qemu          skip QEMU even if it is installed\n"
	"  --strict           exit 1 if any density step is not valid (VMs not\n"
	"                     all ready and idle, memory never settled, or an\n"
	"                     impossible memory sample)\n"
	"  --quiet            no phase names on stderr\n"
	"  -h, --help         show this help\n"
	"all only:\n"
	"  --md FILE          write the markdown tables (the README's)\n"
	"  --plot-dir DIR     write DIR/boot.png and DIR/density.png\n"
	"  --include NAME=FILE  embed another benchmark's JSON report under\n"
	"                     NAME (e.g. blk=bench/results/blk.json)\n"
	"\n"
	"Times are CLOCK_MONOTONIC; percentiles are nearest rank. Exit status:\n"
	"0; 1 with --strict and an invalid step; 2 for a bad command line or\n"
	"bounds that leave nothing to measure; 125 when a benchmark could not\n"
	"run.\n";

#define FIRST_DENSITY_STEP 100

static struct bench_opts o;
static const char *plot_dir, *md;
static struct opt table[] = {
	{"image", OPT_STR, &o.image, 0, 0, true, false},
	{"runs", OPT_COUNT, &o.runs, 1, 1000000, true, false},
	{"mem", OPT_SIZE, &o.mem, 0, 0, true, false},
	{"timeout", OPT_DURATION, &o.timeout_ns, 0, 0, true, false},
	{"seconds", OPT_SECONDS, &o.seconds, 0, 0, true, false},
	{"max-vms", OPT_COUNT, &o.max_vms, 1, 1000000, true, false},
	{"max-mem", OPT_SIZE, &o.max_mem, 0, 0, true, false},
	{"max-seconds", OPT_SECONDS, &o.max_seconds, 0, 0, true, false},
	{"qemu-max-vms", OPT_COUNT, &o.qemu_max_vms, 1, 100000, true, false},
	{"no-floor", OPT_FLAG, &o.no_floor, 0, 0, true, false},
	{"no-qemu", OPT_FLAG, &o.no_qemu, 0, 0, true, false},
	{"json", OPT_STR, &o.json, 0, 0, false, false},
	{"plot", OPT_STR, &o.plot, 0, 0, false, false},
	{"md", OPT_STR, &md, 0, 0, false, false},
	{"plot-dir", OPT_STR, &plot_dir, 0, 0, false, false},
	{"strict", OPT_FLAG, &o.strict, 0, 0, false, false},
	{"quiet", OPT_FLAG, &o.quiet, 0, 0, false, false},
};
#define NTABLE (sizeof(table) / sizeof(table[0]))

static bool is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* --include may be given several times: taken out before the table. */
static int take_includes(int *argc, char **argv, struct mote_err *err)
{
	int out = 1, i;

	for (i = 1; i < *argc && !is(argv[i], "--"); i++) {
		const char *v = NULL;

		if (is(argv[i], "--include") && i + 1 < *argc)
			v = argv[++i];
		else if (strncmp(argv[i], "--include=", 10) == 0)
			v = argv[i] + 10;
		if (!v) {
			argv[out++] = argv[i];
			continue;
		}
		if (o.ninclude == BENCH_MAX_INCLUDES || !strchr(v, '=') ||
		    v[0] == '=')
			return err_set(err, EINVAL,
				       "--include: NAME=FILE, at most %d",
				       BENCH_MAX_INCLUDES);
		o.include[o.ninclude++] = v;
	}
	while (i < *argc)
		argv[out++] = argv[i++];
	*argc = out;
	return 0;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);

	return a >= b && strcmp(s + a - b, tail) == 0;
}

static int parse(int argc, char **argv, bool *help, struct mote_err *err)
{
	bool all = is(o.cmd, "all");
	int rc = opt_parse(table, NTABLE, argc, argv, 1, help, err);

	if (rc < 0 || *help)
		return rc < 0 ? rc : 0;
	if (rc < argc && !is(argv[rc - 1], "--"))
		return err_set(err, EINVAL,
			       "unexpected argument '%s' (image arguments go "
			       "after --)",
			       argv[rc]);
	for (; rc < argc; rc++) {
		if (o.nargs == BENCH_MAX_ARGS)
			return err_set(err, E2BIG, "more than %d image arguments",
				       BENCH_MAX_ARGS);
		o.args[o.nargs++] = argv[rc];
	}
	if (o.mem < MOTE_MEM_MIN || o.mem > MOTE_MEM_MAX ||
	    o.mem % MOTE_MEM_MIN)
		return err_set(err, EINVAL, "--mem: a multiple of 2M from 2M "
			       "to 4G");
	if (!all && (md || plot_dir || o.ninclude))
		return err_set(err, EINVAL,
			       "--md, --plot-dir and --include are for 'all'");
	if (o.plot && (is(o.cmd, "rate") || all))
		return err_set(err, EINVAL, all ? "all: use --plot-dir DIR"
						: "rate draws no plot");
	if (o.plot && !ends_with(o.plot, ".png"))
		return err_set(err, EINVAL,
			       "--plot %s: plots are PNG files, and the name "
			       "must end in .png",
			       o.plot);
	if (o.max_vms && o.max_vms < FIRST_DENSITY_STEP &&
	    (all || is(o.cmd, "density")))
		return err_set(err, ERANGE,
			       "--max-vms %u is below the first density step "
			       "(%u VMs): nothing to measure",
			       o.max_vms, FIRST_DENSITY_STEP);
	if (o.runs > RATE_MAX_RUNS && is(o.cmd, "rate"))
		return err_set(err, ERANGE, "--runs %u: rate keeps at most %d "
			       "runs", o.runs, RATE_MAX_RUNS);
	if (o.timeout_ns == 0)
		o.timeout_ns = TIMEOUT_DEFAULT_NS;
	o.md = md;
	o.plot_dir = plot_dir;
	return 0;
}

static int find_self(struct bench_opts *o, struct mote_err *err)
{
	ssize_t n = readlink("/proc/self/exe", o->self, sizeof(o->self) - 1);

	if (n < 0)
		return err_set(err, errno, "cannot find the mote binary: %s",
			       strerror(errno));
	o->self[n] = '\0';
	snprintf(o->exe_dir, sizeof(o->exe_dir), "%s", o->self);
	dirname(o->exe_dir);
	return 0;
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = f ? malloc(INCLUDE_MAX + 1) : NULL;
	size_t n = 0;

	if (buf) {
		n = fread(buf, 1, INCLUDE_MAX, f);
		buf[n] = '\0';
		/* Only a whole JSON object can be embedded. */
		if (n == 0 || n == INCLUDE_MAX ||
		    buf[strspn(buf, " \n")] != '{') {
			free(buf);
			buf = NULL;
		}
	}
	if (f)
		fclose(f);
	return buf;
}

struct results {
	struct boot_result boot;
	struct density_result density;
	struct rate_result rate;
	struct compute_result compute;
};

/* Runs what cmd names; a benchmark that fails stops the run. */
static int run(const struct bench_opts *o, struct results *res,
	       struct bench_report *r, struct mote_err *err)
{
	bool all = strcmp(o->cmd, "all") == 0;
	int rc = 0;

	if (all || strcmp(o->cmd, "boot") == 0) {
		rc = bench_boot(o, &res->boot, err);
		r->boot = &res->boot;
	}
	if (rc == 0 && (all || strcmp(o->cmd, "density") == 0)) {
		rc = bench_density(o, &res->density, err);
		r->density = &res->density;
	}
	if (rc == 0 && (all || strcmp(o->cmd, "rate") == 0)) {
		rc = bench_rate(o, &res->rate, err);
		r->rate = &res->rate;
	}
	if (rc == 0 && all) {
		rc = bench_compute(o, &res->compute, err);
		r->compute = &res->compute;
	}
	return rc;
}

/* The Markdown table and the plots: bench/report.py (installed next to
 * mote as bench/report.py) reads the JSON report and draws with gnuplot. */
static int outputs(const struct bench_report *r, struct mote_err *err)
{
	char script[PATH_MAX], tmp[] = "/tmp/mote-bench-XXXXXX.json";
	char boot[PATH_MAX], dens[PATH_MAX];
	char *argv[16];
	const char *json = o.json;
	struct child c;
	int n = 0, rc = 0, st;

	if (!json && (o.md || o.plot || o.plot_dir)) {
		int fd = mkstemps(tmp, 5);

		if (fd < 0)
			return err_set(err, errno, "temporary file: %s",
				       strerror(errno));
		close(fd);
		json = tmp;
	}
	if (json && (rc = report_json(json, r, err)) < 0)
		goto out;
	if (!o.md && !o.plot && !o.plot_dir)
		return 0;
	bench_path(&o, "bench/report.py", script, sizeof(script));
	argv[n++] = "/usr/bin/python3";
	argv[n++] = script;
	argv[n++] = (char *)json;
	if (o.md) {
		argv[n++] = "--md";
		argv[n++] = (char *)o.md;
	}
	if (o.plot_dir) {
		snprintf(boot, sizeof(boot), "%s/boot.png", o.plot_dir);
		snprintf(dens, sizeof(dens), "%s/density.png", o.plot_dir);
	}
	if ((o.plot && r->boot) || o.plot_dir) {
		argv[n++] = "--boot-png";
		argv[n++] = o.plot && r->boot ? (char *)o.plot : boot;
	}
	if ((o.plot && r->density) || o.plot_dir) {
		argv[n++] = "--density-png";
		argv[n++] = o.plot && r->density ? (char *)o.plot : dens;
	}
	argv[n] = NULL;
	rc = child_spawn(argv, false, false, &c);
	if (rc < 0) {
		rc = err_set(err, -rc, "cannot run %s: %s", argv[0],
			     strerror(-rc));
		goto out;
	}
	st = child_wait(&c, false);
	if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		rc = err_set(err, EIO, "%s %s failed (status %#x)", argv[0],
			     script, st);
out:
	if (json == tmp)
		unlink(tmp);
	return rc;
}

int bench_main(int argc, char **argv)
{
	struct results *res;
	struct bench_report r = {.o = &o};
	struct machine m;
	struct cpu_times t0, t1;
	struct mote_err err = {""};
	char *cmdline[BENCH_MAX_ARGS + 64];
	int ncmd = 0;
	bool help;
	int rc;

	if (argc < 1 || is(argv[0], "-h") || is(argv[0], "--help")) {
		fputs(usage, argc < 1 ? stderr : stdout);
		return argc < 1 ? MOTE_STATUS_USAGE : 0;
	}
	/* The command line as typed, for the report, before parsing. */
	cmdline[ncmd++] = "mote";
	cmdline[ncmd++] = "bench";
	for (int i = 0; i < argc && ncmd < (int)(sizeof(cmdline) /
						 sizeof(cmdline[0])); i++)
		cmdline[ncmd++] = argv[i];
	o = (struct bench_opts){
		.cmd = argv[0],
		.mem = MOTE_MEM_DEFAULT,
		.timeout_ns = TIMEOUT_DEFAULT_NS,
		.seconds = SECONDS_DEFAULT,
		.table = table,
		.ntable = NTABLE,
		.argc = ncmd,
		.argv = cmdline,
	};
	if (!is(o.cmd, "boot") && !is(o.cmd, "density") && !is(o.cmd, "rate") &&
	    !is(o.cmd, "all")) {
		fprintf(stderr,
			"mote bench: unknown benchmark '%s'\n"
			"Try 'mote bench --help'.\n",
			o.cmd);
		return MOTE_STATUS_USAGE;
	}
	if (take_includes(&argc, argv, &err) < 0 ||
	    parse(argc, argv, &help, &err) < 0) {
		fprintf(stderr, "mote bench: %s\n", err.msg);
		return MOTE_STATUS_USAGE;
	}
	if (help) {
		fputs(usage, stdout);
		return 0;
	}
	if (find_self(&o, &err) < 0) {
		fprintf(stderr, "mote bench: %s\n", err.msg);
		return MOTE_STATUS_ERROR;
	}
	qemu_find(&o.qemu, o.exe_dir);
	res = calloc(1, sizeof(*res));
	if (!res) {
		fprintf(stderr, "mote bench: out of memory\n");
		return MOTE_STATUS_ERROR;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	machine_info(&m);
	r.m = &m;
	cpu_times(&t0);
	rc = run(&o, res, &r, &err);
	cpu_times(&t1);
	host_load(&m, &t0, &t1);
	for (unsigned i = 0; rc == 0 && i < o.ninclude; i++) {
		char *eq = strchr(o.include[i], '=');

		r.inc_name[i] = strndup(o.include[i], eq - o.include[i]);
		r.inc_path[i] = eq + 1;
		r.inc_text[i] = read_text(eq + 1);
		r.ninclude++;
		if (!r.inc_text[i])
			fprintf(stderr,
				"mote bench: %s: not a readable JSON "
				"report; noted as not available\n",
				eq + 1);
	}
	if (rc == 0) {
		report_print(stdout, &r);
		rc = outputs(&r, &err);
	}
	if (rc < 0)
		fprintf(stderr, "mote bench %s: %s\n", o.cmd, err.msg);
	if (rc == 0 && o.strict && r.density &&
	    !density_all_valid(r.density)) {
		fprintf(stderr, "mote bench %s: --strict: a density step is "
			"not valid (see the report)\n", o.cmd);
		rc = 1;
	}
	for (unsigned i = 0; i < r.ninclude; i++) {
		free((char *)r.inc_name[i]);
		free(r.inc_text[i]);
	}
	if (r.boot)
		boot_free(r.boot);
	if (r.rate)
		rate_free(r.rate);
	free(res);
	if (rc == -ERANGE)
		return MOTE_STATUS_USAGE; /* bounds that measured nothing */
	return rc < 0 ? MOTE_STATUS_ERROR : rc;
}

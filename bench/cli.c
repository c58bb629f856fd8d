/*
 * `mote bench COMMAND`: options, the machine, running the benchmarks and
 * writing what was asked for (text on stdout, JSON, markdown, plots).
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../guest_abi/mote_abi.h"
#include "bench.h"
#include "harness.h"
#include "options.h"

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
	"                     against VMs (draws with gnuplot)\n"
	"  --mem SIZE         guest memory (default 16M)\n"
	"  --timeout DURATION stop a start that takes longer (default 10s)\n"
	"  --seconds S        rate: length of each run (default 2)\n"
	"  --max-vms N        density: largest step (default: no limit)\n"
	"  --max-mem SIZE     density: stop before a step would use more host\n"
	"                     memory (default: half of MemAvailable)\n"
	"  --max-seconds S    density: stop after a step whose VMs took "
	"longer\n"
	"                     than S to be all ready (default 10)\n"
	"  --qemu-max-vms N   density: largest step QEMU runs (default 100)\n"
	"  --no-floor         skip the raw-KVM floor\n"
	"  --no-qemu          skip QEMU even if it is installed\n"
	"  --quiet            no progress or phase names on stderr\n"
	"  -h, --help         show this help\n"
	"all only:\n"
	"  --md FILE          write the markdown tables (the README's)\n"
	"  --plot-dir DIR     write DIR/boot.png and DIR/density.png\n"
	"  --include NAME=FILE  embed another benchmark's JSON report under\n"
	"                     NAME (e.g. blk=bench/results/blk.json)\n"
	"\n"
	"On a terminal, progress is shown on stderr. Times are "
	"CLOCK_MONOTONIC;\n"
	"percentiles are nearest rank. Exit status: 0, 2 for a bad command\n"
	"line, 125 when a benchmark could not run.\n";

enum {
	O_IMAGE = 256,
	O_RUNS,
	O_JSON,
	O_PLOT,
	O_MEM,
	O_TIMEOUT,
	O_SECONDS,
	O_MAX_VMS,
	O_MAX_MEM,
	O_MAX_SECONDS,
	O_QEMU_MAX,
	O_NO_FLOOR,
	O_NO_QEMU,
	O_QUIET,
	O_MD,
	O_PLOT_DIR,
	O_INCLUDE,
};

static int parse_seconds(const char *name, const char *s, double *out,
			 struct mote_err *err)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 3600)
		return err_set(err, EINVAL,
			       "%s: expected seconds from 0 to 3600, got '%s'",
			       name, s);
	*out = v;
	return 0;
}

static int parse(int argc, char **argv, struct bench_opts *o, bool *help,
		 struct mote_err *err)
{
	static const struct option lo[] = {
		{"image", required_argument, NULL, O_IMAGE},
		{"runs", required_argument, NULL, O_RUNS},
		{"json", required_argument, NULL, O_JSON},
		{"plot", required_argument, NULL, O_PLOT},
		{"mem", required_argument, NULL, O_MEM},
		{"timeout", required_argument, NULL, O_TIMEOUT},
		{"seconds", required_argument, NULL, O_SECONDS},
		{"max-vms", required_argument, NULL, O_MAX_VMS},
		{"max-mem", required_argument, NULL, O_MAX_MEM},
		{"max-seconds", required_argument, NULL, O_MAX_SECONDS},
		{"qemu-max-vms", required_argument, NULL, O_QEMU_MAX},
		{"no-floor", no_argument, NULL, O_NO_FLOOR},
		{"no-qemu", no_argument, NULL, O_NO_QEMU},
		{"quiet", no_argument, NULL, O_QUIET},
		{"md", required_argument, NULL, O_MD},
		{"plot-dir", required_argument, NULL, O_PLOT_DIR},
		{"include", required_argument, NULL, O_INCLUDE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c, rc = 0;

	*help = false;
	optind = 0; /* restart getopt: glibc's full reinitialisation */
	opterr = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
		switch (c) {
		case O_IMAGE:
			o->image = optarg;
			break;
		case O_RUNS:
			rc = options_parse_count("--runs", optarg, 1, 1000000,
						 &o->runs, err);
			break;
		case O_JSON:
			o->json = optarg;
			break;
		case O_PLOT:
			o->plot = optarg;
			break;
		case O_MEM:
			rc = options_parse_size(optarg, &o->mem, err);
			if (rc == 0 &&
			    (o->mem < MOTE_MEM_MIN || o->mem > MOTE_MEM_MAX ||
			     o->mem % MOTE_MEM_MIN))
				rc = err_set(err, EINVAL,
					     "--mem: a multiple of 2M from 2M "
					     "to 4G");
			break;
		case O_TIMEOUT:
			rc = options_parse_duration(optarg, &o->timeout_ns,
						    err);
			if (rc == 0 && o->timeout_ns == 0)
				o->timeout_ns = TIMEOUT_DEFAULT_NS;
			break;
		case O_SECONDS:
			rc = parse_seconds("--seconds", optarg, &o->seconds,
					   err);
			break;
		case O_MAX_VMS:
			rc = options_parse_count("--max-vms", optarg, 1,
						 1000000, &o->max_vms, err);
			break;
		case O_MAX_MEM:
			rc = options_parse_size(optarg, &o->max_mem, err);
			break;
		case O_MAX_SECONDS:
			rc = parse_seconds("--max-seconds", optarg,
					   &o->max_seconds, err);
			break;
		case O_QEMU_MAX:
			rc = options_parse_count("--qemu-max-vms", optarg, 1,
						 100000, &o->qemu_max_vms, err);
			break;
		case O_NO_FLOOR:
			o->no_floor = true;
			break;
		case O_NO_QEMU:
			o->no_qemu = true;
			break;
		case O_QUIET:
			o->quiet = true;
			break;
		case O_MD:
			o->md = optarg;
			break;
		case O_PLOT_DIR:
			o->plot_dir = optarg;
			break;
		case O_INCLUDE:
			if (o->ninclude == BENCH_MAX_INCLUDES ||
			    !strchr(optarg, '=') || optarg[0] == '=')
				rc = err_set(err, EINVAL,
					     "--include: NAME=FILE, at most %d",
					     BENCH_MAX_INCLUDES);
			else
				o->include[o->ninclude++] = optarg;
			break;
		case 'h':
			*help = true;
			return 0;
		default:
			return err_set(err, EINVAL,
				       "unknown or incomplete "
				       "option '%s'",
				       argv[optind - 1]);
		}
	}
	if (rc < 0)
		return rc;
	if (optind < argc && strcmp(argv[optind - 1], "--") != 0)
		return err_set(err, EINVAL,
			       "unexpected argument '%s' (image "
			       "arguments go after --)",
			       argv[optind]);
	for (; optind < argc; optind++) {
		if (o->nargs == BENCH_MAX_ARGS)
			return err_set(err, E2BIG,
				       "more than %d image "
				       "arguments",
				       BENCH_MAX_ARGS);
		o->args[o->nargs++] = argv[optind];
	}
	if (strcmp(o->cmd, "all") != 0 && (o->md || o->plot_dir || o->ninclude))
		return err_set(err, EINVAL,
			       "--md, --plot-dir and --include "
			       "are for 'all'");
	if (strcmp(o->cmd, "rate") == 0 && o->plot)
		return err_set(err, EINVAL, "rate draws no plot");
	if (strcmp(o->cmd, "all") == 0 && o->plot)
		return err_set(err, EINVAL, "all: use --plot-dir DIR");
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

static int outputs(const struct bench_opts *o, struct bench_report *r,
		   struct mote_err *err)
{
	char png[PATH_MAX];
	FILE *f;
	int rc = 0;

	if (o->json && (rc = report_json(o->json, r, err)) < 0)
		return rc;
	if (o->md) {
		f = fopen(o->md, "w");
		if (!f)
			return err_set(err, errno, "cannot write %s: %s", o->md,
				       strerror(errno));
		report_md(f, r);
		if (fclose(f) != 0)
			return err_set(err, EIO, "writing %s failed", o->md);
	}
	if (o->plot && r->boot)
		rc = boot_plot(r->boot, o->plot, err);
	if (rc == 0 && o->plot && r->density)
		rc = density_plot(r->density, o->plot, err);
	if (rc == 0 && o->plot_dir && r->boot) {
		snprintf(png, sizeof(png), "%s/boot.png", o->plot_dir);
		rc = boot_plot(r->boot, png, err);
	}
	if (rc == 0 && o->plot_dir && r->density) {
		snprintf(png, sizeof(png), "%s/density.png", o->plot_dir);
		rc = density_plot(r->density, png, err);
	}
	return rc;
}

int bench_main(int argc, char **argv)
{
	static struct bench_opts o;
	struct results *res;
	struct bench_report r = {.o = &o};
	struct machine m;
	struct cpu_times t0, t1;
	struct mote_err err = {""};
	bool help;
	int rc;

	if (argc < 1 || strcmp(argv[0], "-h") == 0 ||
	    strcmp(argv[0], "--help") == 0) {
		fputs(usage, argc < 1 ? stderr : stdout);
		return argc < 1 ? MOTE_STATUS_USAGE : 0;
	}
	o = (struct bench_opts){
		.cmd = argv[0],
		.mem = MOTE_MEM_DEFAULT,
		.timeout_ns = TIMEOUT_DEFAULT_NS,
		.seconds = SECONDS_DEFAULT,
	};
	if (strcmp(o.cmd, "boot") != 0 && strcmp(o.cmd, "density") != 0 &&
	    strcmp(o.cmd, "rate") != 0 && strcmp(o.cmd, "all") != 0) {
		fprintf(stderr,
			"mote bench: unknown benchmark '%s'\n"
			"Try 'mote bench --help'.\n",
			o.cmd);
		return MOTE_STATUS_USAGE;
	}
	if (parse(argc, argv, &o, &help, &err) < 0) {
		fprintf(stderr, "mote bench: %s\nTry 'mote bench --help'.\n",
			err.msg);
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
		rc = outputs(&o, &r, &err);
	}
	if (rc < 0)
		fprintf(stderr, "mote bench %s: %s\n", o.cmd, err.msg);
	for (unsigned i = 0; i < r.ninclude; i++) {
		free((char *)r.inc_name[i]);
		free(r.inc_text[i]);
	}
	if (r.boot)
		boot_free(r.boot);
	if (r.rate)
		rate_free(r.rate);
	free(res);
	return rc < 0 ? MOTE_STATUS_ERROR : 0;
}

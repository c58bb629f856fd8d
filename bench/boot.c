/*
 * `mote bench boot`: latency of cold, pooled and whole-process starts of an
 * image to its READY and to its exit, interleaved run by run with the
 * raw-KVM floor and QEMU microvm, so that all of them meet the same host.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../guest_abi/mote_abi.h"
#include "fleet.h"
#include "floor.h"
#include "harness.h"
#include "image.h"
#include "spawn.h"
#include "timeutil.h"
#include "vm.h"

#define BOOT_RUNS 200
/* Rounds run first and discarded: they absorb first-use costs (page
 * faults in the monitor, KVM's caches, the page cache of the image). */
#define BOOT_WARMUP 5
#define STATS_MAX   2048
#define POOL_SIZE   2

struct boot_ctx {
	const struct bench_opts *o;
	struct image_spec is;
	struct mote_image img;
	struct mote_fleet *fleet;
	struct floor_ctx fc;
	struct boot_result *r;
	size_t out_bytes; /* console output, dropped */
	struct mote_stdio discard; /* counts into out_bytes */
};

/* The ready point of a run that started at t0: READY, else the first
 * instruction, clearly marked as such. */
static void ready_of(const struct mote_result *res, uint64_t t0,
		     struct run_sample *s)
{
	if (res->t_ready) {
		s->src = READY_HC;
		s->ready = res->t_ready - t0;
	} else if (res->t_first_insn) {
		s->src = READY_FIRST_INSN;
		s->ready = res->t_first_insn > t0 ? res->t_first_insn - t0 : 0;
	} else {
		s->src = READY_NONE;
		s->ready = 0;
	}
}

static const char *outcome_name(enum mote_outcome o)
{
	static const char *const n[] = {"exited", "crashed", "timed out",
					"failed"};

	return n[o];
}

/* Keeps a finished in-process run, or counts it as failed. */
static int keep(struct series *s, const struct mote_result *res, uint64_t t0,
		uint64_t t_end, bool measured)
{
	struct run_sample rs = {0};

	if (res->outcome != MOTE_EXITED) {
		series_fail(s, "%s: %s", outcome_name(res->outcome),
			    res->reason);
		return 0;
	}
	if (!measured)
		return 0;
	if (res->status != 0)
		s->nonzero_exit++;
	ready_of(res, t0, &rs);
	rs.exit = res->t_exit - t0;
	rs.end = t_end - t0;
	return series_add(s, &rs);
}

/* Create, load, run, destroy in this thread: what `mote run` does. */
static int cold_once(struct boot_ctx *c, bool measured)
{
	struct series *s = &c->r->ser[B_COLD];
	struct mote_err err = {""};
	struct mote_result res;
	struct mote_vm *vm;
	uint64_t t0 = mono_ns();

	if (mote_vm_create(c->o->mem, &vm, &err) < 0) {
		series_fail(s, "%s", err.msg);
		return 0;
	}
	mote_vm_set_stdio(vm, &c->discard);
	if (mote_vm_load(vm, &c->img,
			 &(struct mote_args){ c->is.argc, c->is.argv, NULL },
			 &err) < 0) {
		series_fail(s, "%s", err.msg);
		mote_vm_destroy(vm);
		return 0;
	}
	mote_vm_run(vm, c->o->timeout_ns, &res);
	mote_vm_destroy(vm);
	return keep(s, &res, t0, mono_ns(), measured);
}

/* A start from a full warm pool, timed from mote_fleet_start. */
static int pooled_once(struct boot_ctx *c, bool measured)
{
	struct series *s = &c->r->ser[B_POOLED];
	struct mote_start st = {
		.img = &c->img,
		.args = { c->is.argc, c->is.argv, NULL },
		.timeout_ns = c->o->timeout_ns,
		.stdio = &c->discard,
	};
	struct mote_err err = {""};
	struct mote_instance *inst;
	struct mote_instance_stats is;
	struct mote_result res;

	mote_fleet_pool_wait_full(c->fleet);
	if (mote_fleet_start(c->fleet, &st, &inst, &err) < 0) {
		series_fail(s, "%s", err.msg);
		return 0;
	}
	mote_instance_wait(inst, &res, &is);
	if (measured && res.outcome == MOTE_EXITED)
		s->from_pool += is.from_pool;
	/* end: the VM reset and back in the pool */
	return keep(s, &res, is.t_submit, is.t_freed, measured);
}

/* The value of "key": in a --stats line; false if absent or null. */
static bool stat_num(const char *line, const char *key, double *v)
{
	char pat[64];
	const char *p;
	char *end;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(line, pat);
	if (!p)
		return false;
	p += strlen(pat);
	*v = strtod(p, &end);
	return end != p;
}

/*
 * `mote run --stats IMAGE`, timed from spawn to reaped. Its --stats line
 * gives the CLOCK_MONOTONIC time mote started and the phases since, which
 * place the guest's READY on this process's clock.
 */
static int process_once(struct boot_ctx *c, bool measured, bool jail)
{
	struct series *s = &c->r->ser[jail ? B_PROCESS : B_NOJAIL];
	char *argv[BENCH_MAX_ARGS + 12];
	char mem[32], *buf = malloc(STATS_MAX);
	const char *line;
	struct run_sample rs = {0};
	struct child ch;
	double start, load, create, setup, ready, first;
	uint64_t t0, t1;
	int n = 0, rc, st;
	long len;

	if (!buf)
		return -ENOMEM;
	argv[n++] = (char *)c->o->self;
	argv[n++] = "run";
	argv[n++] = "--stats";
	/* The jail's cost: the same run, jailed (the default) and not. */
	if (!jail)
		argv[n++] = "--no-jail";
	/* Only what differs from the defaults: the command users type. */
	if (c->o->mem != MOTE_MEM_DEFAULT) {
		snprintf(mem, sizeof(mem), "%lluK",
			 (unsigned long long)(c->o->mem >> 10));
		argv[n++] = "--mem";
		argv[n++] = mem;
	}
	argv[n++] = c->is.path;
	argv[n++] = "--";
	for (int i = 1; i < c->is.argc; i++)
		argv[n++] = c->is.argv[i];
	argv[n] = NULL;
	t0 = mono_ns();
	rc = child_spawn(argv, false, true, &ch);
	if (rc < 0) {
		series_fail(s, "cannot run %s: %s", argv[0], strerror(-rc));
		free(buf);
		return 0;
	}
	len = child_read(ch.err, buf, STATS_MAX, -1, t0 + c->o->timeout_ns);
	st = child_wait(&ch, len < 0);
	t1 = mono_ns();
	line = strstr(buf, "{\"image_load_us\"");
	if (len < 0 || !line || !stat_num(line, "start_mono_ns", &start) ||
	    !stat_num(line, "image_load_us", &load) ||
	    !stat_num(line, "vm_create_us", &create) ||
	    !stat_num(line, "boot_setup_us", &setup) ||
	    !strstr(line, "\"outcome\":\"exited\"")) {
		buf[strcspn(buf, "\n")] = '\0';
		series_fail(s, "mote run %s (wait status 0x%x): %s",
			    len < 0 ? "timed out" : "failed", st,
			    buf[0] ? buf : "no output");
		free(buf);
		return 0;
	}
	if (!measured) {
		free(buf);
		return 0;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		s->nonzero_exit++;
	/* µs since mote's own start, where its guest began to run */
	start += (load + create + setup) * 1e3;
	if (stat_num(line, "ready_us", &ready)) {
		rs.src = READY_HC;
	} else if (stat_num(line, "first_instruction_us", &first)) {
		rs.src = READY_FIRST_INSN;
		ready = first;
	} else {
		rs.src = READY_NONE;
	}
	if (rs.src != READY_NONE && start + ready * 1e3 > (double)t0)
		rs.ready = (uint64_t)(start + ready * 1e3) - t0;
	rs.exit = rs.end = t1 - t0;
	free(buf);
	return series_add(s, &rs);
}

static int floor_once_(struct boot_ctx *c, bool measured)
{
	struct series *s = &c->r->ser[B_FLOOR];
	struct floor_sample f;
	struct run_sample rs = {.src = READY_HC};
	char why[256];

	if (floor_once(&c->fc, FLOOR_HLT, &f, why, sizeof(why)) < 0) {
		series_fail(s, "%s", why);
		return 0;
	}
	if (!measured)
		return 0;
	/* Its one exit is both its ready and its end of work. */
	rs.ready = rs.exit = f.t_first_exit - f.t_start;
	rs.end = f.t_closed - f.t_start;
	return series_add(s, &rs);
}

static int qemu_once(struct boot_ctx *c, bool measured)
{
	struct series *s = &c->r->ser[B_QEMU];
	struct run_sample rs = {.src = READY_HC};
	char why[256];

	if (qemu_boot(&c->o->qemu, c->o->timeout_ns, &rs.ready, &rs.exit, why,
		      sizeof(why)) < 0) {
		series_fail(s, "%s", why);
		return 0;
	}
	if (!measured)
		return 0;
	rs.end = rs.exit;
	return series_add(s, &rs);
}

static void describe(struct boot_result *r, const struct bench_opts *o)
{
	static const char *const names[B_NSERIES] = {
		"cold", "pooled", "process", "nojail", "floor", "qemu"};
	static const char *const what[B_NSERIES] = {
		"in-process: create VM -> load -> run -> destroy, one thread; "
		"timed from before the create",
		"in-process from a warm pool (image mapped, page tables "
		"built, one warm-up run): timed from mote_fleet_start; end = "
		"VM reset and back in the pool",
		"whole process `mote run --stats IMAGE`: timed from spawn; "
		"exit "
		"= process reaped",
		"the same with --no-jail: the difference is the jail's cost",
		"raw KVM, no monitor: KVM_CREATE_VM, 2 MiB memslot, vCPU, one "
		"real-mode hlt run to its exit, close; ready = exit = that "
		"exit",
		"whole process QEMU microvm on a PVH guest that writes 'R' to "
		"debugcon (ready) and then to isa-debug-exit: timed from "
		"spawn; exit = process reaped",
	};

	for (int k = 0; k < B_NSERIES; k++) {
		r->ser[k].name = names[k];
		r->ser[k].what = what[k];
	}
	r->ser[B_FLOOR].ready_label = "its only exit (hlt)";
	r->ser[B_QEMU].ready_label = "'R' read from its debugcon";
	if (o->no_floor)
		r->ser[B_FLOOR].status = "skipped (--no-floor)";
	if (o->no_qemu)
		r->ser[B_QEMU].status = "skipped (--no-qemu)";
	else if (o->qemu.status)
		r->ser[B_QEMU].status = o->qemu.status;
}

static int setup(struct boot_ctx *c, struct mote_err *err)
{
	struct mote_fleet_config cfg = {
		.workers = 1, /* one start at a time */
		.pool = POOL_SIZE,
		.mem_size = c->o->mem,
		.pool_image = &c->img,
	};
	char why[256];
	int rc;

	rc = image_open(c->is.path, c->o->mem, &c->img, err);
	if (rc < 0)
		return rc;
	rc = mote_fleet_create(&cfg, &c->fleet, err);
	if (rc < 0) {
		image_close(&c->img);
		return rc;
	}
	c->fc.kvm_fd = -1;
	if (!c->o->no_floor && floor_open(&c->fc, why, sizeof(why)) < 0) {
		series_fail(&c->r->ser[B_FLOOR], "%s", why);
		c->r->ser[B_FLOOR].status = "failed: cannot open /dev/kvm";
	}
	return 0;
}

int bench_boot(const struct bench_opts *o, struct boot_result *r,
	       struct mote_err *err)
{
	struct boot_ctx c = {.o = o, .r = r,
				   .discard = {.write = bench_discard}};
	c.discard.ctx = &c.out_bytes;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	bench_image(o, "hello", NULL, 0, &c.is);
	image_label(&c.is, r->image, sizeof(r->image));
	r->is = c.is;
	r->runs = o->runs ? o->runs : BOOT_RUNS;
	r->warmup = BOOT_WARMUP;
	describe(r, o);
	rc = setup(&c, err);
	if (rc < 0)
		return rc;
	bench_phase(o, "boot: %s, %u runs of cold/pooled/process/nojail/"
		    "floor/qemu", c.is.path, r->runs);
	for (unsigned i = 0; i < r->runs + r->warmup && rc == 0; i++) {
		bool m = i >= r->warmup;

		for (int k = 0; k < B_NSERIES; k++)
			r->ser[k].warmup = !m;
		rc = cold_once(&c, m);
		if (!rc && !r->ser[B_FLOOR].status)
			rc = floor_once_(&c, m);
		if (!rc)
			rc = pooled_once(&c, m);
		if (!rc)
			rc = process_once(&c, m, true);
		if (!rc)
			rc = process_once(&c, m, false);
		if (!rc && !r->ser[B_QEMU].status)
			rc = qemu_once(&c, m);
	}
	mote_fleet_destroy(c.fleet);
	floor_close(&c.fc);
	image_close(&c.img);
	if (rc < 0)
		return err_set(err, -rc, "boot: %s", strerror(-rc));
	for (int k = 0; k < B_NSERIES && rc == 0; k++)
		rc = series_finish(&r->ser[k]);
	if (rc < 0)
		return err_set(err, -rc, "boot: %s", strerror(-rc));
	if (!r->ser[B_COLD].n)
		return err_set(err, EIO, "boot: no run of %s succeeded: %s",
			       c.is.path, r->ser[B_COLD].error);
	return 0;
}

void boot_free(struct boot_result *r)
{
	for (int k = 0; k < B_NSERIES; k++)
		series_free(&r->ser[k]);
}

double boot_ratio(const struct boot_result *r, int a, int b, bool ready,
		  const char **why)
{
	const struct series *x = &r->ser[a], *y = &r->ser[b];
	const struct stats *sx = ready ? &x->to_ready : &x->to_exit;
	const struct stats *sy = ready ? &y->to_ready : &y->to_exit;
	const char *w = NULL;

	if (x->status || y->status)
		w = x->status ? x->status : y->status;
	else if (!sx->n || !sy->n || sy->p50 <= 0)
		w = "no successful run";
	if (why)
		*why = w;
	return w ? NAN : sx->p50 / sy->p50;
}

/* A ratio, or null and KEY_missing saying why. */
static void ratio_json(struct jw *j, const char *key, double v, int decimals,
		       const char *why)
{
	char k[96];

	jw_num(j, key, v, decimals); /* NAN is written as null */
	if (!isfinite(v)) {
		snprintf(k, sizeof(k), "%s_missing", key);
		jw_str(j, k, why ? why : "not measured");
	}
}

void boot_json(struct jw *j, const struct boot_result *r)
{
	const struct series *s = r->ser;
	const char *why;
	double v;

	jw_obj(j, "boot");
	jw_str(j, "image", r->image);
	image_spec_json(j, &r->is);
	jw_int(j, "runs", r->runs);
	jw_int(j, "warmup_runs", r->warmup);
	jw_str(j, "order",
	       "interleaved: each run does cold, floor, pooled, process, "
	       "process --no-jail, qemu");
	jw_str(j, "qemu_command", qemu_cmdline());
	jw_obj(j, "series");
	for (int k = 0; k < B_NSERIES; k++)
		series_json(j, &r->ser[k], true);
	jw_obj_end(j);
	jw_obj(j, "ratios");
	v = boot_ratio(r, B_COLD, B_FLOOR, 0, &why);
	ratio_json(j, "cold_over_floor_exit_p50", v, 3, why);
	v = s[B_FLOOR].to_end.p50 > 0 && !s[B_FLOOR].status
		    ? s[B_COLD].to_end.p50 / s[B_FLOOR].to_end.p50
		    : NAN;
	ratio_json(j, "cold_over_floor_end_p50", v, 3,
		   s[B_FLOOR].status ? s[B_FLOOR].status : "no successful run");
	v = s[B_PROCESS].to_exit.n && s[B_NOJAIL].to_exit.n
		    ? (s[B_PROCESS].to_exit.p50 - s[B_NOJAIL].to_exit.p50) / 1e3
		    : NAN;
	ratio_json(j, "jail_cost_exit_p50_us", v, 1, "no successful run");
	v = boot_ratio(r, B_PROCESS, B_QEMU, 1, &why);
	ratio_json(j, "process_over_qemu_ready_p50", v, 4, why);
	v = boot_ratio(r, B_PROCESS, B_QEMU, 0, &why);
	ratio_json(j, "process_over_qemu_exit_p50", v, 4, why);
	jw_obj_end(j);
	jw_obj_end(j);
}

static void row(FILE *f, const struct series *s)
{
	if (s->status) {
		fprintf(f, "  %-8s %s\n", s->name, s->status);
		return;
	}
	fprintf(f,
		"  %-8s %5zu %9.1f %9.1f %9.1f %9.1f | %9.1f %9.1f %9.1f "
		"%9.1f",
		s->name, s->n, s->to_ready.p50 / 1e3, s->to_ready.p90 / 1e3,
		s->to_ready.p99 / 1e3, s->to_ready.max / 1e3,
		s->to_exit.p50 / 1e3, s->to_exit.p90 / 1e3,
		s->to_exit.p99 / 1e3, s->to_exit.max / 1e3);
	if (s->failed)
		fprintf(f, "  %u failed: %s", s->failed, s->error);
	fputc('\n', f);
}

/* "x.xx" or "—" with the reason. */
static const char *ratio_text(char *buf, size_t len, double v, const char *why)
{
	if (isfinite(v))
		snprintf(buf, len, "%.3fx", v);
	else
		snprintf(buf, len, "none (%s)", why);
	return buf;
}

void boot_print(FILE *f, const struct boot_result *r)
{
	const char *why1, *why2, *why3;
	double a = boot_ratio(r, B_COLD, B_FLOOR, 0, &why1);
	double b = boot_ratio(r, B_PROCESS, B_QEMU, 1, &why2);
	double c = boot_ratio(r, B_PROCESS, B_QEMU, 0, &why3);
	char x[96], y[96], z[96];

	fprintf(f,
		"boot: %s, %u runs (+%u warm-up) of each, interleaved; "
		"microseconds\n",
		r->image, r->runs, r->warmup);
	fprintf(f, "  %-8s %5s %9s %9s %9s %9s | %9s %9s %9s %9s\n", "", "n",
		"ready p50", "p90", "p99", "max", "exit p50", "p90", "p99",
		"max");
	for (int k = 0; k < B_NSERIES; k++)
		row(f, &r->ser[k]);
	if (r->runs < 100)
		fprintf(f, "  n=%u: p99 is the maximum%s\n", r->runs,
			r->runs < 10 ? ", and so is p90" : "");
	fprintf(f, "  ready = ");
	for (int k = 0; k < B_NSERIES; k++)
		if (!r->ser[k].status)
			fprintf(f, "%s%s: %s", k ? "; " : "", r->ser[k].name,
				series_ready_label(&r->ser[k]));
	fputc('\n', f);
	if (r->ser[B_COLD].ready_missing)
		fprintf(f,
			"  ready missing in %u of %zu cold runs: timed to the "
			"first instruction instead\n",
			r->ser[B_COLD].ready_missing, r->ser[B_COLD].n);
	fprintf(f,
		"  cold / floor to exit (p50): %s;  process / QEMU: to ready "
		"%s, to exit %s\n",
		ratio_text(x, sizeof(x), a, why1),
		ratio_text(y, sizeof(y), b, why2),
		ratio_text(z, sizeof(z), c, why3));
	fprintf(f, "  the jail's cost, whole process to exit (p50): %+.0f us\n",
		(r->ser[B_PROCESS].to_exit.p50 - r->ser[B_NOJAIL].to_exit.p50) /
			1e3);
}

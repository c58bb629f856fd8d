/*
 * Unit tests of what `mote bench` reports, without booting a guest: the
 * judgement of memory samples, the JSON of an invalid density step and of
 * missing baselines, the identity of a report, and the memory cgroup code
 * against this machine's cgroups (skipped where none can be made).
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/cgroup.h"
#include "bench/harness.h"
#include "bench/ident.h"
#include "bench/meminfo.h"
#include "bench/opt.h"
#include "../jsonv.h"

TestSuite(bench_report);

/* ---- memory samples ---- */

static struct mem_figure fig(double a, double b, double c, double limit)
{
	struct mem_figure f = {.n = 3, .kib = {a, b, c}, .limit_kib = limit};

	mem_judge(&f);
	return f;
}

Test(bench_report, possible_samples_give_median_and_spread)
{
	struct mem_figure f = fig(500, 520, 480, 16384);

	cr_assert(f.possible, "%s", f.why);
	cr_assert_eq(f.median, 500);
	cr_assert_eq(f.min, 480);
	cr_assert_eq(f.max, 520);
	cr_assert(fabs(f.spread - 40.0 / 500) < 1e-9, "%f", f.spread);
	/* the samples stay in the order taken */
	cr_assert(f.kib[0] == 500 && f.kib[1] == 520 && f.kib[2] == 480);
}

Test(bench_report, a_negative_sample_is_impossible)
{
	struct mem_figure f = fig(29, -8.5, 207, 2048);

	cr_assert_not(f.possible);
	cr_assert(strstr(f.why, "negative"), "%s", f.why);
	cr_assert(strstr(f.why, "sample 2"), "%s", f.why);
}

Test(bench_report, a_sample_above_the_vms_memory_is_impossible)
{
	struct mem_figure f = fig(500, 17000, 510, 16384);

	cr_assert_not(f.possible);
	cr_assert(strstr(f.why, "more than a VM can use"), "%s", f.why);
	f = fig(0, 0, 0, 16384); /* zero is possible: nothing charged */
	cr_assert(f.possible);
	f = (struct mem_figure){.n = 0, .limit_kib = 1};
	cr_assert_not(mem_judge(&f), "no sample, no figure");
}

/* ---- JSON ---- */

static struct jv *emit(void (*fn)(struct jw *, const void *), const void *arg)
{
	char *buf = NULL, err[128];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct jw j;
	struct jv *v;

	jw_init(&j, f);
	jw_obj(&j, NULL);
	fn(&j, arg);
	jw_obj_end(&j);
	fclose(f);
	v = jv_parse(buf, err, sizeof(err));
	cr_assert_not_null(v, "%s in:\n%s", err, buf);
	free(buf);
	return v;
}

static void hold_fn(struct jw *j, const void *arg)
{
	density_hold_json(j, "floor", arg, false);
}

Test(bench_report, an_impossible_step_is_never_valid_in_the_json)
{
	struct hold h = {.valid = true, .quiet = true, .ready = 100};
	struct jv *v;

	h.mem = fig(29, -8.5, 207, 2048);
	h.kib_per_vm = h.mem.median;
	v = emit(hold_fn, &h);
	cr_assert_eq(jv_path(v, "floor.valid")->type, JV_BOOL);
	cr_assert_not(jv_path(v, "floor.valid")->b,
		      "valid: true for an impossible sample");
	cr_assert_eq(jv_path(v, "floor.host_kib_per_vm")->type, JV_NULL);
	cr_assert(strstr(jv_path(v, "floor.invalid_reason")->str, "negative"));
	cr_assert_eq(jv_path(v, "floor.samples_kib_per_vm")->n, 3);
	jv_free(v);

	h.mem = fig(600, 590, 610, 2048);
	h.kib_per_vm = h.mem.median;
	v = emit(hold_fn, &h);
	cr_assert(jv_path(v, "floor.valid")->b);
	cr_assert_eq(jv_path(v, "floor.host_kib_per_vm")->num, 600);
	cr_assert_null(jv_path(v, "floor.invalid_reason"));
	jv_free(v);
}

static void boot_fn(struct jw *j, const void *arg)
{
	boot_json(j, arg);
}

Test(bench_report, missing_baselines_are_null_with_a_reason)
{
	static struct boot_result r;
	uint64_t ns[] = {900000, 1000000, 1100000};
	struct jv *v;

	memset(&r, 0, sizeof(r));
	r.runs = 3;
	for (int k = 0; k < B_NSERIES; k++) {
		r.ser[k].name = (const char *[]){"cold", "pooled", "process",
						 "nojail", "floor", "qemu"}[k];
		r.ser[k].what = "x";
		for (int i = 0; i < 3; i++)
			series_add(&r.ser[k], &(struct run_sample){
						      ns[i], ns[i], ns[i],
						      READY_HC});
		series_finish(&r.ser[k]);
	}
	r.ser[B_QEMU].status = "skipped (--no-qemu)";
	v = emit(boot_fn, &r);
	cr_assert_eq(jv_path(v, "boot.ratios.process_over_qemu_ready_p50")->type,
		     JV_NULL, "a missing baseline is not a ratio of 0");
	cr_assert_str_eq(
		jv_path(v, "boot.ratios.process_over_qemu_ready_p50_missing")
			->str,
		"skipped (--no-qemu)");
	cr_assert_eq(jv_path(v, "boot.ratios.process_over_qemu_exit_p50")->type,
		     JV_NULL);
	cr_assert_eq(jv_path(v, "boot.ratios.cold_over_floor_exit_p50")->num,
		     1.0);
	cr_assert_null(
		jv_path(v, "boot.ratios.cold_over_floor_exit_p50_missing"));
	/* three runs: the percentiles say they are the maximum */
	cr_assert_str_eq(
		jv_path(v, "boot.series.cold.to_exit_us.small_sample")->str,
		"n=3: p99 is the maximum, and so is p90");
	jv_free(v);
	boot_free(&r);
}

struct ident_arg {
	struct machine m;
	struct opt *t;
	size_t n;
};

static void ident_fn(struct jw *j, const void *arg)
{
	const struct ident_arg *a = arg;
	char *argv[] = {"mote", "bench", "boot", "--runs", "20"};

	ident_json(j, 5, argv, &a->m);
	opt_json(j, "options", a->t, a->n);
	machine_json(j, &a->m);
	image_json(j, "image", "/proc/self/exe", 2, (char *[]){"a", "b c"});
}

Test(bench_report, a_report_says_what_made_it)
{
	static const char *const keys[] = {
		"mote_version", "git_commit", "compiler", "timestamp",
		"machine.cores", "machine.mem_total_kib", "machine.kernel",
		"machine.kvm.flavour", "image_path", "image_sha256"};
	unsigned runs = 20, max = 0;
	bool flag = false;
	const char *ignored = "x";
	struct opt t[] = {
		{"runs", OPT_COUNT, &runs, 1, 100, true, true},
		{"max-vms", OPT_COUNT, &max, 1, 100, true, false},
		{"no-qemu", OPT_FLAG, &flag, 0, 0, true, false},
		{"json", OPT_STR, &ignored, 0, 0, false, false},
	};
	struct ident_arg a = {.t = t, .n = 4};
	struct jv *v;

	machine_info(&a.m);
	v = emit(ident_fn, &a);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		cr_assert_not_null(jv_path(v, keys[i]), "no %s", keys[i]);
	cr_assert_eq(strlen(jv_path(v, "image_sha256")->str), 64);
	cr_assert_str_eq(jv_path(v, "image_args")->items[1]->str, "b c");
	cr_assert_eq(jv_path(v, "command_line")->n, 5);
	cr_assert_eq(jv_path(v, "options.runs")->num, 20);
	cr_assert_eq(jv_path(v, "options.max-vms")->type, JV_NULL,
		     "not given, no default");
	cr_assert_not(jv_path(v, "options.no-qemu")->b);
	cr_assert_null(jv_path(v, "options.json"), "not a result option");
	jv_free(v);
}

/* ---- the one option parser ---- */

Test(bench_report, options_parse_and_reject_in_one_line)
{
	unsigned runs = 0;
	double secs = 0;
	bool help, flag = false;
	struct mote_err err = {""};
	struct opt t[] = {
		{"runs", OPT_COUNT, &runs, 1, 100, true, false},
		{"seconds", OPT_SECONDS, &secs, 0, 0, true, false},
		{"strict", OPT_FLAG, &flag, 0, 0, false, false},
	};
	char *ok[] = {"x", "--runs", "7", "--strict", "--seconds=0.5", "--",
		      "arg", NULL};
	char *bad[] = {"x", "--runs", "700", NULL};
	char *unknown[] = {"x", "--nope", NULL};

	cr_assert_eq(opt_parse(t, 3, 7, ok, 1, &help, &err), 6, "%s", err.msg);
	cr_assert(runs == 7 && flag && secs == 0.5 && !help);
	cr_assert(t[0].seen && t[1].seen);
	cr_assert_lt(opt_parse(t, 3, 3, bad, 1, &help, &err), 0);
	cr_assert(strstr(err.msg, "--runs") && !strchr(err.msg, '\n'), "%s",
		  err.msg);
	cr_assert_lt(opt_parse(t, 3, 2, unknown, 1, &help, &err), 0);
	cr_assert(strstr(err.msg, "--nope"), "%s", err.msg);
}

/* ---- a real memory cgroup ---- */

Test(bench_report, a_memory_cgroup_counts_what_a_child_allocates)
{
	struct memcg cg;
	struct memcg_usage u0, u1;
	int up[2], down[2];
	char c, name[64];
	pid_t pid;

	snprintf(name, sizeof(name), "mote-test-%d", (int)getpid());
	if (memcg_create(&cg, name) < 0)
		cr_skip_test("no memory cgroup here: %s", cg.why);
	cr_assert(pipe(up) == 0 && pipe(down) == 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		size_t len = 32 << 20;
		char *m;

		if (read(down[0], &c, 1) != 1)
			_exit(1);
		m = malloc(len);
		memset(m, 1, len);
		__asm__ volatile("" ::"r"(m) : "memory");
		if (write(up[1], "S", 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	cr_assert_eq(memcg_join(&cg, pid), 0);
	cr_assert_eq(memcg_read(&cg, &u0), 0);
	cr_assert_eq(write(down[1], "g", 1), 1);
	cr_assert_eq(read(up[0], &c, 1), 1);
	cr_assert_eq(memcg_read(&cg, &u1), 0);
	cr_assert_eq(write(down[1], "d", 1), 1);
	waitpid(pid, NULL, 0);
	cr_assert_geq(u1.kib - u0.kib, 32 << 10, "v%d: %lld -> %lld KiB",
		      cg.version, u0.kib, u1.kib);
	cr_assert_lt(u1.kib - u0.kib, 40 << 10, "%lld -> %lld KiB", u0.kib,
		     u1.kib);
	cr_assert(u1.kmem_kib < 0 || u1.kmem_kib <= u1.kib,
		  "kernel memory is part of the usage");
	cr_assert_eq(memcg_remove(&cg), 0);
	cr_assert_neq(access(cg.dir, F_OK), 0, "%s still there", cg.dir);
}

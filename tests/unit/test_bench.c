/*
 * Tests of `mote bench` itself: its percentile maths, its KVM-flavour
 * rule, its JSON writer, and short real runs whose reports must be
 * complete and self-consistent.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/json.h"
#include "bench/machine.h"
#include "../helpers.h"
#include "../jsonv.h"
#include "stats.h"

TestSuite(bench_math);
/* Hang guards: 20 boots of each kind take minutes in the sanitized
 * build under tools/kvmbox. */
TestSuite(bench_run, .timeout = 300);

/* ---- percentiles: nearest rank ---- */

Test(bench_math, percentile_of_nothing_is_zero)
{
	struct stats s;

	cr_assert_eq(stats_percentile(NULL, 0, 50), 0);
	stats_compute(NULL, 0, &s);
	cr_assert_eq(s.n, 0);
	cr_assert(s.min == 0 && s.p50 == 0 && s.p99 == 0 && s.max == 0);
}

Test(bench_math, percentile_of_one_is_that_one)
{
	uint64_t v[] = {42};
	double ps[] = {1, 50, 90, 99, 100};

	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
		cr_assert_eq(stats_percentile(v, 1, ps[i]), 42, "p%.0f", ps[i]);
}

Test(bench_math, percentile_of_two)
{
	uint64_t v[] = {10, 20};

	/* rank = ceil(p/100 * n): p50 -> 1st, p51..p100 -> 2nd */
	cr_assert_eq(stats_percentile(v, 2, 50), 10);
	cr_assert_eq(stats_percentile(v, 2, 51), 20);
	cr_assert_eq(stats_percentile(v, 2, 99), 20);
	cr_assert_eq(stats_percentile(v, 2, 100), 20);
}

Test(bench_math, percentile_of_a_hundred)
{
	uint64_t v[100];

	for (int i = 0; i < 100; i++)
		v[i] = (uint64_t)i + 1;
	cr_assert_eq(stats_percentile(v, 100, 50), 50);
	cr_assert_eq(stats_percentile(v, 100, 90), 90);
	cr_assert_eq(stats_percentile(v, 100, 99), 99);
	cr_assert_eq(stats_percentile(v, 100, 100), 100);
}

Test(bench_math, stats_are_measured_values_in_order)
{
	uint64_t v[] = {7, 3, 9, 1, 5};
	struct stats s;

	stats_compute(v, 5, &s);
	cr_assert_eq(s.n, 5);
	cr_assert(s.min == 1 && s.max == 9);
	/* nearest rank: p50 of 5 is the 3rd value, p90 and p99 the 5th */
	cr_assert(s.p50 == 5 && s.p90 == 9 && s.p99 == 9, "%f %f %f", s.p50,
		  s.p90, s.p99);
	cr_assert(fabs(s.mean - 5.0) < 1e-9);
}

/* ---- the KVM flavour rule ---- */

static const char *flavour(bool pvm, bool intel, bool amd, bool vmx, bool svm)
{
	static struct kvm_flavour k;

	k = (struct kvm_flavour){.mod_kvm = true,
				 .mod_pvm = pvm,
				 .mod_intel = intel,
				 .mod_amd = amd,
				 .flag_vmx = vmx,
				 .flag_svm = svm};
	kvm_flavour_decide(&k);
	cr_assert(k.why[0], "every verdict says why");
	return k.name;
}

Test(bench_math, kvm_flavour_follows_the_vendor_module)
{
	cr_assert_str_eq(flavour(true, false, false, false, false), "pvm");
	/* a PVM host may show vmx to its guests: the module decides */
	cr_assert_str_eq(flavour(true, false, false, true, false), "pvm");
	cr_assert_str_eq(flavour(false, true, false, true, false), "vmx");
	cr_assert_str_eq(flavour(false, false, true, false, true), "svm");
	cr_assert_str_eq(flavour(false, false, false, true, false), "unknown");
	cr_assert_str_eq(flavour(true, true, false, true, false), "unknown");
}

/* ---- the JSON writer ---- */

Test(bench_math, json_writer_output_parses)
{
	char *buf = NULL, err[128];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct stats s = {.n = 2,
			  .min = 1000,
			  .p50 = 1000,
			  .p90 = 2000,
			  .p99 = 2000,
			  .max = 2000,
			  .mean = 1500};
	struct jw j;
	struct jv *v;

	jw_init(&j, f);
	jw_obj(&j, NULL);
	jw_str(&j, "s", "quote \" backslash \\ tab \t");
	jw_arr(&j, "nums");
	jw_num(&j, NULL, 1.5, 1);
	jw_null(&j, NULL);
	jw_num(&j, NULL, NAN, 1); /* not JSON: written as null */
	jw_arr_end(&j);
	jw_list(&j, "objs");
	jw_obj(&j, NULL);
	jw_bool(&j, "b", true);
	jw_obj_end(&j);
	jw_arr_end(&j);
	jw_stats_us(&j, "d", &s);
	jw_raw(&j, "raw", "{\"x\": [1, 2]}\n");
	jw_obj_end(&j);
	fclose(f);
	v = jv_parse(buf, err, sizeof(err));
	cr_assert_not_null(v, "%s in:\n%s", err, buf);
	cr_assert_str_eq(jv_path(v, "s")->str, "quote \" backslash \\ tab \t");
	cr_assert_eq(jv_path(v, "nums")->n, 3);
	cr_assert_eq(jv_path(v, "nums")->items[2]->type, JV_NULL);
	cr_assert(jv_path(v, "objs")->items[0]->items[0]->b);
	cr_assert_eq(jv_path(v, "d.p90")->num, 2.0);
	cr_assert_eq(jv_path(v, "raw.x")->n, 2);
	jv_free(v);
	free(buf);
}

/* ---- real runs ---- */

static struct jv *load(const char *path)
{
	char err[128], *text;
	FILE *f = fopen(path, "r");
	long n;
	struct jv *v;

	cr_assert_not_null(f, "no report at %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	cr_assert_eq(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	v = jv_parse(text, err, sizeof(err));
	cr_assert_not_null(v, "%s is not JSON: %s", path, err);
	free(text);
	return v;
}

static double num(const struct jv *v, const char *path)
{
	const struct jv *x = jv_path(v, path);

	cr_assert(x && x->type == JV_NUM, "no number at %s", path);
	return x->num;
}

static const char *str(const struct jv *v, const char *path)
{
	const struct jv *x = jv_path(v, path);

	cr_assert(x && x->type == JV_STR, "no string at %s", path);
	return x->str;
}

/* Every distribution anywhere in the report: min <= p50 <= ... <= max. */
static int check_distributions(const struct jv *v, const char *where)
{
	int found = 0;

	if (v->type == JV_OBJ && jv_path(v, "p50")) {
		double mn = num(v, "min"), p50 = num(v, "p50"),
		       p90 = num(v, "p90"), p99 = num(v, "p99"),
		       mx = num(v, "max");

		num(v, "n");
		cr_assert(mn <= p50 && p50 <= p90 && p90 <= p99 && p99 <= mx,
			  "%s: %g %g %g %g %g out of order", where, mn, p50,
			  p90, p99, mx);
		return 1;
	}
	for (size_t i = 0; (v->type == JV_OBJ || v->type == JV_ARR) && i < v->n;
	     i++)
		found += check_distributions(v->items[i],
					     v->keys ? v->keys[i] : where);
	return found;
}

static void check_machine(const struct jv *v)
{
	const char *fl = str(v, "machine.kvm.flavour");

	cr_assert_geq(num(v, "machine.cores"), 1);
	cr_assert_gt(num(v, "machine.mem_total_kib"), 0);
	cr_assert(str(v, "machine.kernel")[0]);
	cr_assert(strcmp(fl, "pvm") == 0 || strcmp(fl, "vmx") == 0 ||
			  strcmp(fl, "svm") == 0 || strcmp(fl, "unknown") == 0,
		  "%s", fl);
	cr_assert(str(v, "machine.kvm.decided_by")[0]);
	str(v, "timestamp");
	str(v, "timer");
}

static void check_series(const struct jv *v, const char *name, int runs)
{
	char path[128];
	const struct jv *s, *ready, *exit;
	double ok;

	snprintf(path, sizeof(path), "boot.series.%s", name);
	s = jv_path(v, path);
	cr_assert_not_null(s, "no %s", path);
	cr_assert(str(s, "what")[0]);
	if (strcmp(str(s, "status"), "measured") != 0) {
		/* only the baselines may be missing, and they say why */
		cr_assert(strcmp(name, "qemu") == 0 ||
				  strcmp(name, "floor") == 0,
			  "%s: %s", name, str(s, "status"));
		return;
	}
	ok = num(s, "ok");
	cr_assert_eq(num(s, "runs"), runs, "%s", name);
	cr_assert_eq(ok, runs, "%s: %g of %d ok (%s)", name, ok, runs,
		     jv_path(s, "first_error") ? str(s, "first_error") : "");
	cr_assert_eq(num(s, "failed"), 0, "%s", name);
	cr_assert_eq(num(s, "to_exit_us.n"), ok, "%s", name);
	/* hello calls READY: ready is never missing */
	cr_assert_eq(num(s, "ready_missing"), 0, "%s", name);
	cr_assert_eq(num(s, "to_ready_us.n"), ok, "%s", name);
	cr_assert_leq(num(s, "to_ready_us.p50"), num(s, "to_ready_us.p99"));
	cr_assert_leq(num(s, "to_exit_us.p50"), num(s, "to_exit_us.p99"));
	ready = jv_path(s, "ready_us");
	exit = jv_path(s, "exit_us");
	cr_assert(ready && exit && ready->n == (size_t)ok &&
			  exit->n == (size_t)ok,
		  "%s: samples", name);
	for (size_t i = 0; i < exit->n; i++) {
		cr_assert_eq(ready->items[i]->type, JV_NUM);
		cr_assert_gt(exit->items[i]->num, 0, "%s[%zu]", name, i);
		cr_assert_leq(ready->items[i]->num, exit->items[i]->num,
			      "%s run %zu: ready %g after exit %g", name, i,
			      ready->items[i]->num, exit->items[i]->num);
	}
}

Test(bench_run, boot_report_is_complete_and_consistent)
{
	char path[] = "/tmp/mote-test-bench-XXXXXX";
	char json[sizeof(path) + 16];
	static const char *const series[] = {"cold", "pooled", "process",
					     "floor", "qemu"};
	struct run r;
	struct jv *v;

	cr_assert_not_null(mkdtemp(path));
	snprintf(json, sizeof(json), "%s/boot.json", path);
	/* QEMU (~60 ms a boot) would double the test's time; CI has none. */
	RUN(&r, "bench", "boot", "--runs", "20", "--no-qemu", "--quiet",
	    "--json", json);
	expect_status(&r, 0);
	cr_assert(strstr(r.out, "boot: "), "no text report: %s", r.out);
	v = load(json);
	cr_assert_eq(num(v, "schema"), 1);
	cr_assert_str_eq(str(v, "command"), "boot");
	check_machine(v);
	/* what made it */
	str(v, "mote_version");
	str(v, "git_commit");
	str(v, "compiler");
	cr_assert_geq(jv_path(v, "command_line")->n, 4);
	cr_assert_eq(num(v, "options.runs"), 20);
	cr_assert(jv_path(v, "options.no-qemu")->b);
	cr_assert_eq(strlen(str(v, "boot.image_sha256")), 64);
	str(v, "boot.image_path");
	cr_assert_not_null(jv_path(v, "boot.image_args"));
	/* the skipped baseline: null with its reason, never 0 */
	cr_assert_eq(jv_path(v, "boot.ratios.process_over_qemu_exit_p50")->type,
		     JV_NULL);
	cr_assert_str_eq(
		str(v, "boot.ratios.process_over_qemu_exit_p50_missing"),
		"skipped (--no-qemu)");
	cr_assert_str_eq(str(v, "boot.series.cold.to_exit_us.small_sample"),
			 "n=20: p99 is the maximum");
	cr_assert_eq(num(v, "boot.runs"), 20);
	for (size_t i = 0; i < 5; i++)
		check_series(v, series[i], 20);
	cr_assert_str_eq(str(v, "boot.series.qemu.status"),
			 "skipped (--no-qemu)");
	cr_assert_geq(check_distributions(v, "report"), 6);
	cr_assert_not_null(jv_path(v, "boot.ratios.cold_over_floor_exit_p50"));
	jv_free(v);
	unlink(json);
	rmdir(path);
}

Test(bench_run, rate_report_has_every_system)
{
	char path[] = "/tmp/mote-test-bench-XXXXXX";
	char json[sizeof(path) + 16];
	static const char *const sys[] = {"pooled", "cold", "floor", "qemu"};
	struct run r;
	struct jv *v;

	cr_assert_not_null(mkdtemp(path));
	snprintf(json, sizeof(json), "%s/rate.json", path);
	RUN(&r, "bench", "rate", "--runs", "1", "--seconds", "0.3", "--no-qemu",
	    "--quiet", "--json", json);
	expect_status(&r, 0);
	v = load(json);
	check_machine(v);
	for (size_t i = 0; i < 4; i++) {
		char p[64];
		const struct jv *s;

		snprintf(p, sizeof(p), "rate.systems.%s", sys[i]);
		s = jv_path(v, p);
		cr_assert_not_null(s, "no %s", p);
		if (i == 3) {
			cr_assert_str_eq(str(s, "status"),
					 "skipped (--no-qemu)");
			continue;
		}
		cr_assert_str_eq(str(s, "status"), "measured");
		cr_assert_gt(num(s, "per_second"), 0, "%s", sys[i]);
		cr_assert_eq(num(s, "to_exit_us.n"), num(s, "starts"));
	}
	check_distributions(v, "report");
	jv_free(v);
	unlink(json);
	rmdir(path);
}

Test(bench_run, bad_command_lines_are_usage_errors)
{
	struct run r;

	RUN(&r, "bench", "nosuch");
	expect_status(&r, 2);
	RUN(&r, "bench", "boot", "--runs", "0");
	expect_status(&r, 2);
	RUN(&r, "bench", "boot", "stray");
	expect_status(&r, 2);
	/* one line each, and nothing run */
	RUN(&r, "bench", "density", "--max-vms", "10");
	expect_status(&r, 2);
	cr_assert(strstr(r.err, "below the first density step"), "%s", r.err);
	cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "%s",
		     r.err);
	RUN(&r, "bench", "all", "--max-vms", "99");
	expect_status(&r, 2);
	RUN(&r, "bench", "boot", "--plot", "x.txt");
	expect_status(&r, 2);
	cr_assert(strstr(r.err, "must end in .png"), "%s", r.err);
	RUN(&r, "bench", "rate", "--runs", "17");
	expect_status(&r, 2);
	RUN(&r, "bench", "--help");
	expect_status(&r, 0);
	cr_assert_null(strstr(r.out, "target"), "%s", r.out);
	cr_assert(strstr(r.out, "boot|density|rate"), "%s", r.out);
	RUN(&r, "--help");
	cr_assert(strstr(r.out, "  bench "), "%s", r.out);
}

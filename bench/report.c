/*
 * The report of a `mote bench` run: one JSON document (how it was made,
 * the machine, every benchmark that ran, reports of other benchmarks
 * embedded verbatim), and the same as text on stdout. The Markdown table
 * and the plots are drawn from the JSON by bench/report.py.
 */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "ident.h"

#define REPORT_SCHEMA 1

int report_json(const char *path, const struct bench_report *r,
		struct mote_err *err)
{
	FILE *f = fopen(path, "w");
	struct jw j;

	if (!f)
		return err_set(err, errno, "cannot write %s: %s", path,
			       strerror(errno));
	jw_init(&j, f);
	jw_obj(&j, NULL);
	jw_int(&j, "schema", REPORT_SCHEMA);
	jw_str(&j, "command", r->o->cmd);
	ident_json(&j, r->o->argc, r->o->argv, r->m);
	opt_json(&j, "options", r->o->table, r->o->ntable);
	jw_int(&j, "guest_mem_bytes", (long long)r->o->mem);
	machine_json(&j, r->m);
	jw_str(&j, "timer", "CLOCK_MONOTONIC");
	jw_str(&j, "percentiles", "nearest rank: every figure was measured");
	jw_str(&j, "units", "*_us: microseconds, *_ms: milliseconds");
	if (r->boot)
		boot_json(&j, r->boot);
	if (r->density)
		density_json(&j, r->density);
	if (r->rate)
		rate_json(&j, r->rate);
	if (r->compute)
		compute_json(&j, r->compute);
	for (unsigned i = 0; i < r->ninclude; i++) {
		if (r->inc_text[i])
			jw_raw(&j, r->inc_name[i], r->inc_text[i]);
		else
			jw_str(&j, r->inc_name[i], "not available");
	}
	jw_obj_end(&j);
	if (ferror(f) | (fclose(f) != 0))
		return err_set(err, EIO, "writing %s failed", path);
	return 0;
}

void report_print(FILE *f, const struct bench_report *r)
{
	const struct machine *m = r->m;

	fprintf(f,
		"mote bench %s  %s  %ld cores, %.1f GiB, Linux %s, KVM %s "
		"(%s)\n"
		"other processes used %.0f%% of the host's CPU time (load "
		"%.2f -> %.2f)%s\n\n",
		r->o->cmd, m->timestamp, m->nproc,
		(double)m->mem_kb / (1 << 20), m->kernel, m->kvm.name,
		m->kvm.why, m->others_cpu * 100, m->load_start, m->load_end,
		m->others_cpu > MACHINE_BUSY_SHARE
			? "  WARNING: busy host, figures are noisy"
			: "");
	if (r->boot) {
		boot_print(f, r->boot);
		fputc('\n', f);
	}
	if (r->density) {
		density_print(f, r->density);
		fputc('\n', f);
	}
	if (r->rate) {
		rate_print(f, r->rate);
		fputc('\n', f);
	}
	if (r->compute && !r->compute->status)
		fprintf(f,
			"compute: guest %.1f ms, native %.1f ms: %.3fx "
			"(medians of %u)\n",
			r->compute->guest_ns / 1e6, r->compute->native_ns / 1e6,
			r->compute->ratio, r->compute->runs);
}

/*
 * The report of a `mote bench` run: one JSON document (the machine, every
 * benchmark that ran, reports of other benchmarks embedded verbatim) and
 * the markdown tables the README shows.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define REPORT_SCHEMA 1

void machine_json(struct jw *j, const struct machine *m)
{
	const struct kvm_flavour *k = &m->kvm;

	jw_obj(j, "machine");
	jw_int(j, "cores", m->nproc);
	jw_int(j, "mem_total_kib", (long long)m->mem_kb);
	jw_str(j, "kernel", m->kernel);
	jw_str(j, "cpu", m->cpu);
	jw_obj(j, "kvm");
	jw_str(j, "flavour", k->name);
	jw_str(j, "decided_by", k->why);
	jw_str(j, "rule",
	       "the loaded KVM vendor module decides (kvm_pvm -> pvm, "
	       "kvm_intel -> vmx, kvm_amd -> svm); /proc/cpuinfo vmx/svm flags "
	       "are recorded as supporting evidence");
	jw_obj(j, "evidence");
	jw_bool(j, "cpu_flag_vmx", k->flag_vmx);
	jw_bool(j, "cpu_flag_svm", k->flag_svm);
	jw_bool(j, "cpu_flag_hypervisor", k->flag_hypervisor);
	jw_bool(j, "module_kvm", k->mod_kvm);
	jw_bool(j, "module_kvm_pvm", k->mod_pvm);
	jw_bool(j, "module_kvm_intel", k->mod_intel);
	jw_bool(j, "module_kvm_amd", k->mod_amd);
	jw_obj_end(j);
	jw_obj_end(j);
	jw_num(j, "others_cpu_share", m->others_cpu, 3);
	jw_bool(j, "busy", m->others_cpu > MACHINE_BUSY_SHARE);
	jw_num(j, "loadavg1_start", m->load_start, 2);
	jw_num(j, "loadavg1_end", m->load_end, 2);
	jw_obj_end(j);
}

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
	jw_str(&j, "timestamp", r->m->timestamp);
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

/* µs below a millisecond, else ms: short cells that keep 3 digits. */
static const char *t(char *buf, double ns)
{
	if (ns <= 0)
		snprintf(buf, 24, "—");
	else if (ns < 1e6)
		snprintf(buf, 24, "%.0f µs", ns / 1e3);
	else if (ns < 1e8)
		snprintf(buf, 24, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, 24, "%.0f ms", ns / 1e6);
	return buf;
}

static const char *ratio(char *buf, double x)
{
	if (x > 0)
		snprintf(buf, 24, x < 0.1 ? "%.3f×" : "%.2f×", x);
	else
		snprintf(buf, 24, "—");
	return buf;
}

static const char *cell_status(const struct series *s)
{
	return s->status ? s->status : NULL;
}

/* One boot row: p50 (p99) for each system that has the series. */
static void boot_row(FILE *f, const struct boot_result *b, const char *what,
		     int mote, int floor, int qemu, bool ready)
{
	char x[3][24], y[3][24], r1[24], r2[24];
	int k[3] = {mote, floor, qemu};

	fprintf(f, "| %s |", what);
	for (int i = 0; i < 3; i++) {
		const struct series *s = k[i] >= 0 ? &b->ser[k[i]] : NULL;
		const struct stats *st =
			s ? (ready ? &s->to_ready : &s->to_exit) : NULL;

		if (!s)
			fprintf(f, " — |");
		else if (cell_status(s))
			fprintf(f, " %s |", s->status);
		else if (!st->n)
			fprintf(f, " failed: %u of %u |", s->failed, s->failed);
		else
			fprintf(f, " %s (%s) |", t(x[i], st->p50),
				t(y[i], st->p99));
	}
	fprintf(f, " %s | %s |\n",
		floor >= 0 ? ratio(r1, boot_ratio(b, mote, floor, ready)) : "—",
		qemu >= 0 ? ratio(r2, boot_ratio(b, mote, qemu, ready)) : "—");
}

/* The largest step where mote's figure is valid. */
static const struct density_step *top_step(const struct density_result *d)
{
	const struct density_step *best = NULL;

	for (unsigned k = 0; k < d->nsteps; k++)
		if (d->step[k].mote.valid)
			best = &d->step[k];
	return best;
}

/* The largest step where QEMU was measured (validly). */
static const struct density_step *qemu_step(const struct density_result *d)
{
	const struct density_step *best = NULL;

	for (unsigned k = 0; k < d->nsteps; k++)
		if (!d->step[k].qemu.status && d->step[k].qemu.valid &&
		    d->step[k].mote.valid)
			best = &d->step[k];
	return best;
}

static void density_rows(FILE *f, const struct density_result *d)
{
	const struct density_step *s = top_step(d), *q = qemu_step(d);
	char a[24], b[24], c[24], r1[24], r2[24];
	const char *qs = NULL;

	if (!s) {
		fprintf(f, "| host memory per idle VM | no valid step | | | | "
			   "|\n");
		return;
	}
	for (unsigned k = 0; k < d->nsteps && !q; k++)
		if (d->step[k].qemu.status)
			qs = d->step[k].qemu.status;
	fprintf(f, "| host memory per idle VM, %u VMs%s |", s->vms,
		q && q != s ? " (QEMU: at its largest step)" : "");
	fprintf(f, " %.3f MiB |", s->mote.kib_per_vm / 1024);
	if (s->floor.status)
		fprintf(f, " %s |", s->floor.status);
	else
		fprintf(f, " %.3f MiB |", s->floor.kib_per_vm / 1024);
	if (q)
		fprintf(f, " %.1f MiB at %u |", q->qemu.kib_per_vm / 1024,
			q->vms);
	else
		fprintf(f, " %s |", qs ? qs : "—");
	fprintf(f, " %s | %s |\n",
		ratio(r1, !s->floor.status && s->floor.kib_per_vm > 0
				  ? s->mote.kib_per_vm / s->floor.kib_per_vm
				  : 0),
		ratio(r2, q ? q->mote.kib_per_vm / q->qemu.kib_per_vm : 0));
	fprintf(f, "| time until all %u VMs are ready |", s->vms);
	fprintf(f, " %s |", t(a, (double)s->mote.all_ready_ns));
	if (s->floor.status)
		fprintf(f, " %s |", s->floor.status);
	else
		fprintf(f, " %s (one by one) |",
			t(b, (double)s->floor.all_ready_ns));
	if (q)
		fprintf(f, " %s at %u |", t(c, (double)q->qemu.all_ready_ns),
			q->vms);
	else
		fprintf(f, " %s |", qs ? qs : "—");
	fprintf(f, " %s | %s |\n",
		ratio(r1, !s->floor.status && s->floor.all_ready_ns
				  ? (double)s->mote.all_ready_ns /
					    (double)s->floor.all_ready_ns
				  : 0),
		ratio(r2, q ? (double)q->mote.all_ready_ns /
					  (double)q->qemu.all_ready_ns
			    : 0));
}

static void rate_rows(FILE *f, const struct rate_result *r)
{
	const struct rate_line *fl = &r->line[R_FLOOR], *q = &r->line[R_QEMU];
	char r1[24], r2[24];

	for (int k = R_POOLED; k <= R_COLD; k++) {
		const struct rate_line *l = &r->line[k];

		fprintf(f, "| sustained starts/s, %s, start → exit |",
			k == R_POOLED ? "warm pool" : "cold (create, destroy)");
		fprintf(f, " %.0f/s |", l->per_s);
		if (fl->status)
			fprintf(f, " %s |", fl->status);
		else
			fprintf(f, " %.0f/s |", fl->per_s);
		if (q->status)
			fprintf(f, " %s |", q->status);
		else
			fprintf(f, " %.1f/s |", q->per_s);
		fprintf(f, " %s | %s |\n",
			ratio(r1, !fl->status && fl->per_s > 0
					  ? l->per_s / fl->per_s
					  : 0),
			ratio(r2, !q->status && q->per_s > 0
					  ? l->per_s / q->per_s
					  : 0));
	}
}

/* Rows of an embedded report that compares a guest with the host: any
 * object holding "guest_median", "host_median" and "ratio" (and "unit"). */
static void include_rows(FILE *f, const char *name, const char *text)
{
	const char *p = text;

	while ((p = strstr(p, "\"guest_median\":"))) {
		const char *q = p, *end, *unit, *h, *rt;
		char u[32] = "";

		/* back to the object's key: `"key": {` before this member */
		while (q > text && *q != '{')
			q--;
		while (q > text && *q != ':')
			q--;
		while (q > text && *q != '"')
			q--;
		end = q;
		while (q > text && q[-1] != '"')
			q--;
		unit = strstr(q, "\"unit\": \"");
		if (unit && unit < p)
			sscanf(unit + 9, "%31[^\"]", u);
		h = strstr(p, "\"host_median\":");
		rt = strstr(p, "\"ratio\":");
		if (h && rt && end > q)
			fprintf(f,
				"| %s %.*s%s%s%s, median | %.1f | %.1f (host) "
				"| "
				"%.3f× |\n",
				name, (int)(end - q), q, u[0] ? " (" : "", u,
				u[0] ? ")" : "", strtod(p + 15, NULL),
				strtod(h + 14, NULL), strtod(rt + 8, NULL));
		p += 15;
	}
}

void report_md(FILE *f, const struct bench_report *r)
{
	const struct machine *m = r->m;
	char a[24], b[24];

	fprintf(f,
		"Measured %s on %ld cores, %.1f GiB, Linux %s, KVM flavour "
		"**%s** (%s)%s.\n\n",
		m->timestamp, m->nproc, (double)m->mem_kb / (1 << 20),
		m->kernel, m->kvm.name, m->kvm.why,
		m->others_cpu > MACHINE_BUSY_SHARE
			? "; the host was busy (other processes used more "
			  "than 10% of its CPU), so figures are noisy"
			: "");
	fprintf(f, "| measure | mote | raw-KVM floor | QEMU microvm | mote / "
		   "floor | mote / QEMU |\n|---|---|---|---|---|---|\n");
	if (r->boot) {
		const struct boot_result *b = r->boot;

		boot_row(f, b, "boot to ready, cold, p50 (p99)", B_COLD,
			 B_FLOOR, -1, true);
		boot_row(f, b, "boot to exit, cold, p50 (p99)", B_COLD, B_FLOOR,
			 -1, false);
		boot_row(f, b, "boot to ready, warm pool, p50 (p99)", B_POOLED,
			 -1, -1, true);
		boot_row(f, b, "whole process to ready, p50 (p99)", B_PROCESS,
			 -1, B_QEMU, true);
		boot_row(f, b, "whole process to exit, p50 (p99)", B_PROCESS,
			 -1, B_QEMU, false);
		boot_row(f, b, "whole process to exit without the jail "
			 "(`--no-jail`), p50 (p99)", B_NOJAIL, -1, -1, false);
	}
	if (r->density)
		density_rows(f, r->density);
	if (r->density && r->density->warm_all_ready_ns) {
		fprintf(f,
			"| time until %u VMs from a full warm pool have run "
			"their first instruction | %s | — | — | — | — |\n",
			r->density->warm_n,
			t(a, (double)r->density->warm_all_first_ns));
		fprintf(f,
			"| time until %u VMs from a full warm pool are ready "
			"| %s | — | — | — | — |\n",
			r->density->warm_n,
			t(a, (double)r->density->warm_all_ready_ns));
	}
	if (r->rate)
		rate_rows(f, r->rate);
	fprintf(f, "\n");
	if ((r->compute && !r->compute->status) || r->ninclude) {
		fprintf(f, "| measure | mote guest | host | guest / host |\n"
			   "|---|---|---|---|\n");
		if (r->compute && !r->compute->status)
			fprintf(f,
				"| compute kernel, median of %u | %s | %s "
				"(native) | %.3f× |\n",
				r->compute->runs, t(a, r->compute->guest_ns),
				t(b, r->compute->native_ns), r->compute->ratio);
		for (unsigned i = 0; i < r->ninclude; i++)
			if (r->inc_text[i])
				include_rows(f, r->inc_name[i], r->inc_text[i]);
		fprintf(f, "\n");
	}
	if (r->boot)
		fprintf(f,
			"Boot: %u runs of each, interleaved; ready = the "
			"guest's READY hypercall (floor: its only exit; QEMU: "
			"a byte on debugcon).",
			r->boot->runs);
	if (r->boot && r->boot->ser[B_COLD].ready_missing)
		fprintf(f,
			" Ready was missing in %u cold runs: timed to the "
			"first instruction instead.",
			r->boot->ser[B_COLD].ready_missing);
	if (r->density)
		fprintf(f, " Density: steps up to %u VMs; stopped: %s.",
			r->density->nsteps
				? r->density->step[r->density->nsteps - 1].vms
				: 0,
			r->density->stop);
	if (r->rate)
		fprintf(f, " Rate: %u runs of %.1f s per system.",
			r->rate->runs, r->rate->seconds);
	fprintf(f, "\n");
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
			"(medians of %u)\n\n",
			r->compute->guest_ns / 1e6, r->compute->native_ns / 1e6,
			r->compute->ratio, r->compute->runs);
	report_md(f, r);
}

/*
 * Benchmark context shared by the benchmark programs: which machine (and
 * which kind of KVM), and how busy it was while we ran.
 */
#ifndef MOTE_BENCH_MACHINE_H
#define MOTE_BENCH_MACHINE_H

#include <stdbool.h>
#include <stdio.h>

/*
 * Which KVM serves /dev/kvm: PVM (pagetable-based, nested, no VMX/SVM: CPL0
 * guest code is emulated) or hardware VMX/SVM. The figures differ by
 * orders of magnitude between them, so every report says which it was.
 */
enum kvm_kind { KVM_KIND_UNKNOWN, KVM_KIND_PVM, KVM_KIND_VMX, KVM_KIND_SVM };

struct kvm_flavour {
	/* the evidence: CPU flags in /proc/cpuinfo, modules in /sys/module */
	bool flag_vmx, flag_svm, flag_hypervisor;
	bool mod_kvm, mod_pvm, mod_intel, mod_amd;
	/* the verdict and why */
	enum kvm_kind kind;
	const char *name; /* "pvm", "vmx", "svm", "unknown" */
	char why[200];
};

/* Reads the evidence from the host, then kvm_flavour_decide. */
void kvm_flavour_probe(struct kvm_flavour *k);
/* Fills kind, name and why from the evidence fields alone. */
void kvm_flavour_decide(struct kvm_flavour *k);

struct machine {
	long nproc;
	unsigned long long mem_kb;
	char kernel[128], cpu[128], timestamp[32];
	/* Share of all CPU time used by other processes while we ran: the
	 * host is shared, and its load is the first suspect for odd figures. */
	double others_cpu;
	double load_start, load_end; /* 1-minute load averages */
	struct kvm_flavour kvm;
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

#endif

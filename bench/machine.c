/*
 * Benchmark context: machine description and KVM flavour, CPU time used by
 * others while a benchmark ran (from /proc/stat and getrusage), JSON strings.
 */
#include "machine.h"

#include <string.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

void cpu_times(struct cpu_times *ct)
{
	unsigned long long v[8] = {0};
	struct rusage self, kids;
	FILE *f = fopen("/proc/stat", "r");

	memset(ct, 0, sizeof(*ct));
	if (f) {
		if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7]) == 8) {
			/* user nice system idle iowait irq softirq steal */
			ct->busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
			ct->total = ct->busy + v[3] + v[4];
		}
		fclose(f);
	}
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	ct->self_s =
		(double)self.ru_utime.tv_sec + self.ru_utime.tv_usec / 1e6 +
		(double)self.ru_stime.tv_sec + self.ru_stime.tv_usec / 1e6 +
		(double)kids.ru_utime.tv_sec + kids.ru_utime.tv_usec / 1e6 +
		(double)kids.ru_stime.tv_sec + kids.ru_stime.tv_usec / 1e6;
}

static double loadavg1(void)
{
	double l = 0;
	FILE *f = fopen("/proc/loadavg", "r");

	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = 0;
		fclose(f);
	}
	return l;
}

void host_load(struct machine *m, const struct cpu_times *a,
	       const struct cpu_times *b)
{
	double hz = (double)sysconf(_SC_CLK_TCK);
	double total = (double)(b->total - a->total) / hz;
	double others =
		(double)(b->busy - a->busy) / hz - (b->self_s - a->self_s);

	m->others_cpu = total > 0 && others > 0 ? others / total : 0;
	m->load_end = loadavg1();
}

void machine_info(struct machine *m)
{
	struct utsname u;
	char line[256];
	FILE *f;
	time_t now = time(NULL);

	memset(m, 0, sizeof(*m));
	m->nproc = sysconf(_SC_NPROCESSORS_ONLN);
	if (uname(&u) == 0)
		snprintf(m->kernel, sizeof(m->kernel), "%s", u.release);
	strftime(m->timestamp, sizeof(m->timestamp), "%Y-%m-%dT%H:%M:%SZ",
		 gmtime(&now));
	f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &m->mem_kb) == 1)
			break;
	if (f)
		fclose(f);
	m->load_start = loadavg1();
	f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) == 0 && colon) {
			snprintf(m->cpu, sizeof(m->cpu), "%s", colon + 2);
			m->cpu[strcspn(m->cpu, "\n")] = '\0';
			break;
		}
	}
	if (f)
		fclose(f);
	kvm_flavour_probe(&m->kvm);
}

static bool has_flag(const char *flags, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = flags; (p = strstr(p, name)); p += n)
		if ((p == flags || p[-1] == ' ' || p[-1] == '\t') &&
		    (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

static bool module_loaded(const char *name)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return stat(path, &st) == 0;
}

void kvm_flavour_probe(struct kvm_flavour *k)
{
	static char line[8192]; /* flags lines are long; one thread probes */
	FILE *f = fopen("/proc/cpuinfo", "r");

	memset(k, 0, sizeof(*k));
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "flags", 5) == 0 && colon) {
			k->flag_vmx = has_flag(colon + 1, "vmx");
			k->flag_svm = has_flag(colon + 1, "svm");
			k->flag_hypervisor = has_flag(colon + 1, "hypervisor");
			break;
		}
	}
	if (f)
		fclose(f);
	k->mod_kvm = module_loaded("kvm");
	k->mod_pvm = module_loaded("kvm_pvm");
	k->mod_intel = module_loaded("kvm_intel");
	k->mod_amd = module_loaded("kvm_amd");
	kvm_flavour_decide(k);
}

/*
 * The vendor module that is loaded decides: KVM has exactly one backend
 * serving /dev/kvm, and kvm_pvm, kvm_intel or kvm_amd is it. The CPU flags
 * only back that up (kvm_intel cannot load without vmx); they cannot decide
 * alone, since a PVM host may still show vmx/svm to its own guests.
 */
static const char *const kvm_names[] = {"unknown", "pvm", "vmx", "svm"};

void kvm_flavour_decide(struct kvm_flavour *k)
{
	int vendors = k->mod_pvm + k->mod_intel + k->mod_amd;

	k->kind = KVM_KIND_UNKNOWN;
	if (vendors > 1) {
		snprintf(k->why, sizeof(k->why),
			 "ambiguous: more than one KVM vendor module loaded "
			 "(kvm_pvm %d, kvm_intel %d, kvm_amd %d)",
			 k->mod_pvm, k->mod_intel, k->mod_amd);
	} else if (k->mod_pvm) {
		k->kind = KVM_KIND_PVM;
		snprintf(k->why, sizeof(k->why),
			 "/sys/module/kvm_pvm present and no kvm_intel/kvm_amd"
			 "%s",
			 k->flag_vmx || k->flag_svm
				 ? ""
				 : "; CPU has neither vmx nor svm");
	} else if (k->mod_intel) {
		k->kind = KVM_KIND_VMX;
		snprintf(k->why, sizeof(k->why),
			 "/sys/module/kvm_intel present%s",
			 k->flag_vmx ? " and CPU flag vmx"
				     : " (but no vmx flag seen)");
	} else if (k->mod_amd) {
		k->kind = KVM_KIND_SVM;
		snprintf(k->why, sizeof(k->why),
			 "/sys/module/kvm_amd present%s",
			 k->flag_svm ? " and CPU flag svm"
				     : " (but no svm flag seen)");
	} else {
		snprintf(
			k->why, sizeof(k->why),
			"no KVM vendor module (kvm_pvm, kvm_intel, kvm_amd) in "
			"/sys/module; CPU flags: vmx %d, svm %d",
			k->flag_vmx, k->flag_svm);
	}
	k->name = kvm_names[k->kind];
}

/*
 * Benchmark context: machine description, CPU time used by others while a
 * benchmark ran (from /proc/stat and getrusage), JSON strings.
 */
#include "machine.h"

#include <string.h>
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
}

/* The only strings we print are paths and CPU names; escape them anyway. */
void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

const char *verdict(int pass)
{
	return pass ? "PASS" : "MISS";
}

/*
 * Host memory sampling for density: MemAvailable is what the host can
 * still give, so its drop counts guest pages, KVM's kernel structures and
 * the monitor alike; "quiet" means everything that was going to be
 * allocated has been.
 */
#include "meminfo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup.h"
#include "stats.h"
#include "timeutil.h"

#define POLL_NS	     10000000ull
#define QUIET_TOL_KB 1024
#define RING	     256

static long long field_kb(const char *path, const char *name)
{
	char line[256];
	size_t n = strlen(name);
	long long v = -1;
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, name, n) == 0 && line[n] == ':') {
			v = strtoll(line + n + 1, NULL, 10);
			break;
		}
	if (f)
		fclose(f);
	return v;
}

static const struct memcg *watched;

void mem_watch(const struct memcg *cg)
{
	watched = cg && cg->version ? cg : NULL;
}

int mem_sample(struct memsample *m)
{
	struct memcg_usage u;

	struct timespec ts;

	m->t = mono_ns();
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	m->cpu = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	m->avail_kb = field_kb("/proc/meminfo", "MemAvailable");
	m->rss_kb = field_kb("/proc/self/status", "VmRSS");
	m->cg_kb = watched && memcg_read(watched, &u) == 0 ? u.kib : -1;
	return m->avail_kb < 0 ? -ENOENT : 0;
}

bool mem_wait_quiet(uint64_t window, double cpu_share, uint64_t deadline,
		    struct memsample *last)
{
	static struct memsample ring[RING]; /* one caller at a time */
	size_t n = 0;

	for (;;) {
		struct memsample *now = &ring[n % RING];
		long long lo, hi;
		size_t k;

		mem_sample(now);
		n++;
		*last = *now;
		lo = hi = watched ? now->cg_kb : now->avail_kb;
		/* Walk back to the first sample at least a window old. */
		for (k = 1; k < n && k < RING; k++) {
			const struct memsample *s = &ring[(n - 1 - k) % RING];

			long long v = watched ? s->cg_kb : s->avail_kb;

			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
			if (now->t - s->t >= window)
				break;
		}
		if (k < n && k < RING) {
			const struct memsample *s = &ring[(n - 1 - k) % RING];
			double share = (double)(now->cpu - s->cpu) /
				       (double)(now->t - s->t);

			if (hi - lo <= QUIET_TOL_KB &&
			    (cpu_share < 0 || share <= cpu_share))
				return true;
		}
		if (now->t >= deadline)
			return false;
		nanosleep(&(struct timespec){0, POLL_NS}, NULL);
	}
}

double mem_avail_drop_kib(const struct memsample *a, const struct memsample *b,
			  unsigned vms)
{
	return vms ? (double)(a->avail_kb - b->avail_kb) / vms : 0;
}

bool mem_judge(struct mem_figure *f)
{
	double v[MEM_SAMPLES];
	unsigned n = f->n < MEM_SAMPLES ? f->n : MEM_SAMPLES;

	f->median = f->min = f->max = f->spread = 0;
	f->possible = false;
	f->why[0] = '\0';
	if (!n) {
		snprintf(f->why, sizeof(f->why), "no memory sample");
		return false;
	}
	f->min = f->max = f->kib[0];
	for (unsigned i = 0; i < n; i++) {
		v[i] = f->kib[i];
		f->min = v[i] < f->min ? v[i] : f->min;
		f->max = v[i] > f->max ? v[i] : f->max;
	}
	f->median = stats_median_d(v, n);
	f->spread = f->median > 0 ? (f->max - f->min) / f->median : 0;
	for (unsigned i = 0; i < n; i++) {
		if (!(f->kib[i] >= 0)) {
			snprintf(f->why, sizeof(f->why),
				 "impossible sample %u: %.1f KiB per VM is "
				 "negative",
				 i + 1, f->kib[i]);
			return false;
		}
		if (f->kib[i] > f->limit_kib) {
			snprintf(f->why, sizeof(f->why),
				 "impossible sample %u: %.1f KiB per VM is more "
				 "than a VM can use (%.0f KiB)",
				 i + 1, f->kib[i], f->limit_kib);
			return false;
		}
	}
	f->possible = true;
	return true;
}

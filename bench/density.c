/*
 * The density benchmark: host memory per idle VM, start latency of many VMs
 * (warm pool and cold) and the sustained start rate, against the KVM floor.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../guest_abi/mote_abi.h"
#include "fleet.h"
#include "floor.h"
#include "image.h"
#include "machine.h"
#include "stats.h"
#include "timeutil.h"

#define MS 1000000ull
#define S  1000000000ull

/* Start latency: the guests wait this long, so that they park (holding no
 * worker) while the others start, and then exit by themselves. */
#define SHORT_IDLE_MS 50
/* Generous: only a hung instance hits it. */
#define INSTANCE_TIMEOUT_NS (60 * S)

/* "Quiet" for the memory figures: MemAvailable moves by at most this much
 * over the window (0.2% of 1000 VMs at the target) and, where asked, this
 * process used at most this share of one CPU (all workers asleep, so every
 * instance is parked in its WAIT). */
#define QUIET_WINDOW_NS	   (200 * MS)
#define QUIET_TOL_KB	   1024
#define QUIET_CPU_SHARE	   0.05
#define POLL_NS		   (10 * MS)
#define BASELINE_WINDOW_NS (500 * MS)
#define BASELINE_MAX_NS	   (15 * S)
/* After a teardown we only check how far the host came back. */
#define AFTER_MAX_NS (3 * S)
/* The memory sample must come this long before the first guest's wait
 * ends, or some would already be exiting. */
#define SAMPLE_MARGIN_NS (500 * MS)

#define HELLO_OUTPUT   "Hello from mote!\n"
#define RATE_WARMUP_NS (300 * MS)

/* Targets (the project brief). */
#define TARGET_MEM_MIB	   0.5
#define TARGET_WARM100_MS  10.0
#define TARGET_COLD100_MS  150.0
#define TARGET_COLD1000_MS 1500.0
#define TARGET_RATE	   1000.0

/* Measured earlier on this kind of machine by others; printed for scale. */
#define REF_KVMTOOL_MIB	     0.65
#define REF_SOLO5_MIB	     0.6
#define REF_QEMU_MICROVM_MIB 14.0
#define REF_SOLO5_1000_S     9.5

struct opts {
	const char *idle, *hello, *out;
	int vms, small, rounds, idle_ms, rate_pool;
	double rate_s;
	uint64_t mem;
};

static void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("density: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		die("out of memory");
	return p;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / S), (long)(ns % S)};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static uint64_t self_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * S + (uint64_t)ts.tv_nsec;
}

/* ---- host and process memory ---- */

/* The /proc/meminfo fields that tell where a VM's memory went. */
enum {
	MI_AVAIL,
	MI_FREE,
	MI_ANON,
	MI_SHMEM,
	MI_SLAB,
	MI_SUNRECL,
	MI_KSTACK,
	MI_PTABLES,
	MI_SECPT,
	MI_VMALLOC,
	MI_PERCPU,
	MI_N
};
static const char *const mi_name[MI_N] = {
	"MemAvailable",	 "MemFree",	"AnonPages",   "Shmem",
	"Slab",		 "SUnreclaim",	"KernelStack", "PageTables",
	"SecPageTables", "VmallocUsed", "Percpu",
};

/* Process memory from /proc/self/status. */
enum { PS_RSS, PS_ANON, PS_FILE, PS_SHMEM, PS_N };
static const char *const ps_name[PS_N] = {"VmRSS", "RssAnon", "RssFile",
					  "RssShmem"};

struct memsample {
	uint64_t t, cpu;	      /* mono_ns, this process's CPU time */
	long long mi[MI_N], ps[PS_N]; /* kB; -1 when the kernel lacks it */
};

static void read_kb_fields(const char *path, const char *const *names, int n,
			   long long *out)
{
	char line[256];
	FILE *f = fopen(path, "r");

	for (int k = 0; k < n; k++)
		out[k] = -1;
	if (!f)
		die("cannot read %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		*colon = '\0';
		for (int k = 0; k < n; k++)
			if (strcmp(line, names[k]) == 0)
				out[k] = strtoll(colon + 1, NULL, 10);
	}
	fclose(f);
	if (out[0] < 0)
		die("%s has no %s", path, names[0]);
}

static void mem_sample(struct memsample *m)
{
	m->t = mono_ns();
	m->cpu = self_cpu_ns();
	read_kb_fields("/proc/meminfo", mi_name, MI_N, m->mi);
	read_kb_fields("/proc/self/status", ps_name, PS_N, m->ps);
}

#define RING 256

/*
 * Samples every POLL_NS until, over the last window, MemAvailable stayed
 * within QUIET_TOL_KB and (cpu_share >= 0) this process used at most
 * cpu_share of one CPU; or until deadline. Returns whether it got quiet;
 * *last is the final sample either way.
 */
static bool wait_quiet(uint64_t window, double cpu_share, uint64_t deadline,
		       struct memsample *last)
{
	static struct memsample ring[RING];
	size_t n = 0;

	for (;;) {
		struct memsample *now = &ring[n % RING];
		long long lo, hi;
		size_t k;

		mem_sample(now);
		n++;
		*last = *now;
		lo = hi = now->mi[MI_AVAIL];
		/* Walk back to the first sample at least a window old. */
		for (k = 1; k < n && k < RING; k++) {
			const struct memsample *s = &ring[(n - 1 - k) % RING];

			lo = s->mi[MI_AVAIL] < lo ? s->mi[MI_AVAIL] : lo;
			hi = s->mi[MI_AVAIL] > hi ? s->mi[MI_AVAIL] : hi;
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
		sleep_ns(POLL_NS);
	}
}

/* A baseline for a memory figure: the host's memory is steady (what the
 * previous phase freed has come back) before we compare against it. */
static void baseline(const char *what, uint64_t max_ns, struct memsample *b)
{
	uint64_t t0 = mono_ns();

	if (!wait_quiet(BASELINE_WINDOW_NS, -1, t0 + max_ns, b))
		fprintf(stderr,
			"density: %s: MemAvailable still moving after %.0f s; "
			"using the last value\n",
			what, (double)max_ns / S);
}

/* Per-VM difference, KiB, of field k between two samples (0 if absent). */
static double mi_per_vm(const struct memsample *a, const struct memsample *b,
			int k, int vms)
{
	if (a->mi[k] < 0 || b->mi[k] < 0)
		return 0;
	/* MemAvailable and MemFree fall as memory is used; others rise. */
	if (k == MI_AVAIL || k == MI_FREE)
		return (double)(a->mi[k] - b->mi[k]) / vms;
	return (double)(b->mi[k] - a->mi[k]) / vms;
}

static double ps_per_vm(const struct memsample *a, const struct memsample *b,
			int k, int vms)
{
	if (a->ps[k] < 0 || b->ps[k] < 0)
		return 0;
	return (double)(b->ps[k] - a->ps[k]) / vms;
}

/* ---- guests and their results ---- */

/* idle prints nothing; anything it prints is counted as a failure. */
static void discard_console(void *ctx, const char *buf, size_t len)
{
	(void)buf;
	__atomic_add_fetch((size_t *)ctx, len, __ATOMIC_RELAXED);
}

static const char *outcome_name(enum mote_outcome o)
{
	switch (o) {
	case MOTE_EXITED:
		return "exited";
	case MOTE_CRASHED:
		return "crashed";
	case MOTE_TIMED_OUT:
		return "timed out";
	default:
		return "failed";
	}
}

/* A figure for a guest that did not run correctly would be meaningless. */
static void check_exit0(const char *what, int i, const struct mote_result *r)
{
	if (r->outcome != MOTE_EXITED || r->status != 0)
		die("%s: instance %d %s (status %d)%s%s", what, i,
		    outcome_name(r->outcome), r->status,
		    r->reason[0] ? ": " : "", r->reason);
}

struct inst {
	struct mote_instance *h;
	struct mote_result res;
	struct mote_instance_stats st;
};

/* Starts n instances of `idle ms` on f; t0 is taken before the first. */
static uint64_t start_idle(struct mote_fleet *f, const struct mote_image *img,
			   const char *path, int ms, struct inst *v, int n,
			   size_t *printed)
{
	char arg[24];
	char *argv[] = {(char *)path, arg, NULL};
	struct mote_start s = {
		.img = img,
		.argc = 2,
		.argv = argv,
		.timeout_ns = (uint64_t)ms * MS + INSTANCE_TIMEOUT_NS,
		.console = discard_console,
		.console_ctx = printed,
	};
	struct mote_err err = {""};
	uint64_t t0;

	snprintf(arg, sizeof(arg), "%d", ms);
	t0 = mono_ns();
	for (int i = 0; i < n; i++)
		if (mote_fleet_start(f, &s, &v[i].h, &err) < 0)
			die("mote_fleet_start: %s", err.msg);
	return t0;
}

static void wait_all(const char *what, struct inst *v, int n, size_t *printed)
{
	for (int i = 0; i < n; i++) {
		mote_instance_wait(v[i].h, &v[i].res, &v[i].st);
		check_exit0(what, i, &v[i].res);
	}
	if (*printed)
		die("%s: idle guests printed %zu bytes; they must be silent",
		    what, *printed);
}

/* Start latency of one batch, all times ns. */
struct batch {
	int n, missing, from_pool;
	/* first-instruction stamps before the load finished: the monitor's
	 * guest-TSC to host-clock conversion erred by up to `early` ns */
	int early_n;
	uint64_t early;
	uint64_t total;	 /* first start -> last guest's first instruction */
	uint64_t exited; /* first start -> last exit */
};

/* Per-instance figures, pooled over the rounds of a scenario. */
struct series {
	uint64_t *to_first, *queue_vm, *load, *first;
	size_t n;
};

static void series_init(struct series *s, size_t cap)
{
	s->to_first = xcalloc(cap, sizeof(uint64_t));
	s->queue_vm = xcalloc(cap, sizeof(uint64_t));
	s->load = xcalloc(cap, sizeof(uint64_t));
	s->first = xcalloc(cap, sizeof(uint64_t));
	s->n = 0;
}

static void series_free(struct series *s)
{
	free(s->to_first);
	free(s->queue_vm);
	free(s->load);
	free(s->first);
}

static void batch_eval(const struct inst *v, int n, uint64_t t0,
		       struct batch *b, struct series *s)
{
	uint64_t last = 0, exited = 0;

	memset(b, 0, sizeof(*b));
	b->n = n;
	for (int i = 0; i < n; i++) {
		const struct inst *x = &v[i];

		b->from_pool += x->st.from_pool;
		exited = x->res.t_exit > exited ? x->res.t_exit : exited;
		if (!x->res.t_first_insn) {
			b->missing++;
			continue;
		}
		last = x->res.t_first_insn > last ? x->res.t_first_insn : last;
		if (x->res.t_first_insn < x->res.t_start) {
			uint64_t e = x->res.t_start - x->res.t_first_insn;

			b->early_n++;
			b->early = e > b->early ? e : b->early;
			/* Counted as 0 in the loaded -> first insn phase. */
		}
		if (s) {
			s->to_first[s->n] =
				x->res.t_first_insn - x->st.t_submit;
			s->queue_vm[s->n] = x->st.t_vm - x->st.t_submit;
			s->load[s->n] = x->st.t_loaded - x->st.t_vm;
			s->first[s->n] =
				x->res.t_first_insn > x->res.t_start
					? x->res.t_first_insn - x->res.t_start
					: 0;
			s->n++;
		}
	}
	b->total = last ? last - t0 : 0;
	b->exited = exited - t0;
}

/* ---- (1) memory of idle VMs ---- */

struct mem_results {
	int vms, idle_ms;
	bool quiet;	      /* got quiet before the deadline */
	int parked_at_sample; /* first insn before the sample, exit after */
	int missing;	      /* no first-instruction stamp */
	uint64_t settle_ns;   /* all submitted -> sample */
	struct memsample base, at, after; /* after: torn down, settled */
	double resident_kib_mean;
	struct batch start; /* the same 1000 as a start-latency figure */
	uint64_t teardown_ns;
};

static struct mote_fleet *fleet_new(const struct opts *o, unsigned pool,
				    const struct mote_image *pool_image)
{
	struct mote_fleet_config cfg = {
		.workers = 0, /* the default: two per CPU */
		.pool = pool,
		.mem_size = o->mem,
		.pool_image = pool_image,
	};
	struct mote_err err = {""};
	struct mote_fleet *f;

	if (mote_fleet_create(&cfg, &f, &err) < 0)
		die("mote_fleet_create: %s", err.msg);
	return f;
}

static void bench_memory(const struct opts *o, struct mem_results *r)
{
	struct mote_err err = {""};
	struct mote_image img;
	struct mote_fleet *f;
	struct inst *v = xcalloc((size_t)o->vms, sizeof(*v));
	size_t printed = 0;
	uint64_t t0, t_sub, deadline, resident = 0, td;

	memset(r, 0, sizeof(*r));
	r->vms = o->vms;
	r->idle_ms = o->idle_ms;
	if (image_open(o->idle, o->mem, &img, &err) < 0)
		die("%s", err.msg);
	baseline("memory", BASELINE_MAX_NS, &r->base);
	f = fleet_new(o, 0, NULL);
	t0 = start_idle(f, &img, o->idle, o->idle_ms, v, o->vms, &printed);
	t_sub = mono_ns();
	/* Every instance parked in its WAIT = no worker has anything to run:
	 * the process goes quiet and its memory stops changing. */
	deadline = t0 + (uint64_t)o->idle_ms * MS - SAMPLE_MARGIN_NS;
	r->quiet =
		wait_quiet(QUIET_WINDOW_NS, QUIET_CPU_SHARE, deadline, &r->at);
	r->settle_ns = r->at.t - t_sub;
	wait_all("memory", v, o->vms, &printed);
	batch_eval(v, o->vms, t0, &r->start, NULL);
	for (int i = 0; i < o->vms; i++) {
		const struct inst *x = &v[i];

		resident += x->st.resident_bytes;
		/* Checked after the fact: the sample is valid only if every
		 * guest had started before it and was still waiting. */
		if (!x->res.t_first_insn)
			r->missing++;
		else if (x->res.t_first_insn < r->at.t &&
			 x->res.t_exit > r->at.t)
			r->parked_at_sample++;
	}
	r->resident_kib_mean = (double)resident / 1024.0 / o->vms;
	td = mono_ns();
	mote_fleet_destroy(f);
	r->teardown_ns = mono_ns() - td;
	/* Before image_close: the baseline had the image open. */
	baseline("memory after teardown", AFTER_MAX_NS, &r->after);
	image_close(&img);
	free(v);
}

/* ---- (1) and (2): the raw-KVM floor ---- */

struct floor_results {
	int vms;
	bool quiet;
	struct memsample base, at, after;
	uint64_t total;	     /* all created and run to first exit */
	struct stats per_vm; /* create -> first exit, each */
	uint64_t release_ns;
};

/* Creates n floor VMs one after the other and holds them all open. */
static void floor_batch(const struct floor_ctx *fc, int n, bool measure_mem,
			struct floor_results *r)
{
	struct floor_vm *v = xcalloc((size_t)n, sizeof(*v));
	uint64_t *per = xcalloc((size_t)n, sizeof(uint64_t));
	char ferr[256];
	uint64_t t0, t1;

	memset(r, 0, sizeof(*r));
	r->vms = n;
	if (measure_mem)
		baseline("floor memory", BASELINE_MAX_NS, &r->base);
	t0 = mono_ns();
	for (int i = 0; i < n; i++) {
		struct floor_sample s;

		if (floor_hold(fc, FLOOR_HLT, &v[i], &s, ferr, sizeof(ferr)) <
		    0)
			die("floor VM %d of %d: %s", i + 1, n, ferr);
		per[i] = s.t_first_exit - s.t_start;
	}
	r->total = mono_ns() - t0;
	if (measure_mem)
		r->quiet = wait_quiet(QUIET_WINDOW_NS, QUIET_CPU_SHARE,
				      mono_ns() + 5 * S, &r->at);
	t1 = mono_ns();
	for (int i = 0; i < n; i++)
		floor_release(&v[i]);
	r->release_ns = mono_ns() - t1;
	if (measure_mem)
		baseline("floor memory after release", AFTER_MAX_NS, &r->after);
	stats_compute(per, (size_t)n, &r->per_vm);
	free(per);
	free(v);
}

/* ---- (2) start latency ---- */

struct start_results {
	const char *name, *json;
	int n, rounds;
	unsigned pool;
	struct batch b[16];
	uint64_t total_median, early;
	int missing, from_pool, early_n;
	struct stats to_first, queue_vm, load, first;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* rounds batches of n `idle 50`, each on a fresh fleet (so that no earlier
 * round's teardown or refill runs during it); pool: 0 or n. */
static void bench_start(const struct opts *o, const struct mote_image *img,
			int n, int rounds, bool warm, struct start_results *r)
{
	struct inst *v = xcalloc((size_t)n, sizeof(*v));
	struct series s;
	uint64_t totals[16];
	size_t printed = 0;

	r->n = n;
	r->rounds = rounds;
	r->pool = warm ? (unsigned)n : 0;
	series_init(&s, (size_t)n * (size_t)rounds);
	for (int k = 0; k < rounds; k++) {
		struct mote_fleet *f = fleet_new(o, r->pool, warm ? img : NULL);
		uint64_t t0;

		if (warm) {
			mote_fleet_pool_wait_full(f);
			if (mote_fleet_pool_ready(f) < r->pool)
				die("warm pool: only %u of %u VMs could be "
				    "created",
				    mote_fleet_pool_ready(f), r->pool);
		}
		t0 = start_idle(f, img, o->idle, SHORT_IDLE_MS, v, n, &printed);
		wait_all(r->name, v, n, &printed);
		batch_eval(v, n, t0, &r->b[k], &s);
		mote_fleet_destroy(f);
		totals[k] = r->b[k].total;
		r->missing += r->b[k].missing;
		r->from_pool += r->b[k].from_pool;
		r->early_n += r->b[k].early_n;
		if (r->b[k].early > r->early)
			r->early = r->b[k].early;
	}
	qsort(totals, (size_t)rounds, sizeof(totals[0]), cmp_u64);
	/* Nearest-rank median: a round that actually happened. */
	r->total_median = totals[(rounds - 1) / 2];
	stats_compute(s.to_first, s.n, &r->to_first);
	stats_compute(s.queue_vm, s.n, &r->queue_vm);
	stats_compute(s.load, s.n, &r->load);
	stats_compute(s.first, s.n, &r->first);
	series_free(&s);
	free(v);
}

/* ---- (3) sustained start -> exit -> reset ---- */

struct slot {
	struct mote_instance *h;
	size_t len;
	char buf[64];
};

static void capture_console(void *ctx, const char *buf, size_t len)
{
	struct slot *s = ctx;
	size_t room =
		s->len < sizeof(s->buf) - 1 ? sizeof(s->buf) - 1 - s->len : 0;

	/* More than fits is wrong output anyway: keep the length honest. */
	memcpy(s->buf + s->len, buf, len < room ? len : room);
	s->len += len;
	s->buf[s->len < sizeof(s->buf) ? s->len : sizeof(s->buf) - 1] = '\0';
}

struct rate_results {
	unsigned workers, pool, inflight;
	long done, from_pool;
	uint64_t elapsed;
	double per_s;
	struct stats latency; /* submit -> exit */
};

static void slot_start(struct mote_fleet *f, const struct mote_image *img,
		       const char *path, struct slot *sl)
{
	char *argv[] = {(char *)path, NULL};
	struct mote_start s = {
		.img = img,
		.argc = 1,
		.argv = argv,
		.timeout_ns = INSTANCE_TIMEOUT_NS,
		.console = capture_console,
		.console_ctx = sl,
	};
	struct mote_err err = {""};

	sl->len = 0;
	sl->buf[0] = '\0';
	if (mote_fleet_start(f, &s, &sl->h, &err) < 0)
		die("mote_fleet_start: %s", err.msg);
}

/* Keeps k hellos in flight for `ns`, then drains them; returns how many
 * completed. With lat, records each one's submit -> exit. */
static long rate_loop(struct mote_fleet *f, const struct mote_image *img,
		      const char *path, struct slot *slots, unsigned k,
		      uint64_t ns, uint64_t **lat, size_t *nlat, size_t *cap,
		      long *from_pool, uint64_t *elapsed)
{
	uint64_t t0 = mono_ns(), end = t0 + ns;
	unsigned live = k;
	long done = 0;

	for (unsigned i = 0; i < k; i++)
		slot_start(f, img, path, &slots[i]);
	/* Oldest first: hello is short and all alike, so they finish in about
	 * the order they started. */
	for (unsigned i = 0; live; i = (i + 1) % k) {
		struct mote_result res;
		struct mote_instance_stats st;
		struct slot *sl = &slots[i];

		if (!sl->h)
			continue;
		mote_instance_wait(sl->h, &res, &st);
		sl->h = NULL;
		check_exit0("rate", (int)done, &res);
		if (sl->len != strlen(HELLO_OUTPUT) ||
		    strcmp(sl->buf, HELLO_OUTPUT) != 0)
			die("rate: hello printed \"%.*s\" (%zu bytes)", 60,
			    sl->buf, sl->len);
		done++;
		*from_pool += st.from_pool;
		if (lat) {
			if (*nlat == *cap) {
				*cap = *cap ? *cap * 2 : 4096;
				*lat = realloc(*lat, *cap * sizeof(**lat));
				if (!*lat)
					die("out of memory");
			}
			(*lat)[(*nlat)++] = res.t_exit - st.t_submit;
		}
		if (mono_ns() < end)
			slot_start(f, img, path, sl);
		else
			live--;
	}
	*elapsed = mono_ns() - t0;
	return done;
}

static void bench_rate(const struct opts *o, struct rate_results *r)
{
	struct mote_err err = {""};
	struct mote_image img;
	struct mote_fleet *f;
	struct slot *slots;
	uint64_t *lat = NULL, elapsed;
	size_t nlat = 0, cap = 0;
	long ignored = 0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	memset(r, 0, sizeof(*r));
	/* The fleet's own default, spelled out so we know K. */
	r->workers = (unsigned)(ncpu > 0 ? 2 * ncpu : 2);
	r->pool = (unsigned)o->rate_pool;
	r->inflight = 2 * r->workers;
	if (image_open(o->hello, o->mem, &img, &err) < 0)
		die("%s", err.msg);
	{
		struct mote_fleet_config cfg = {
			.workers = r->workers,
			.pool = r->pool,
			.mem_size = o->mem,
			.pool_image = &img,
		};

		if (mote_fleet_create(&cfg, &f, &err) < 0)
			die("mote_fleet_create: %s", err.msg);
	}
	mote_fleet_pool_wait_full(f);
	slots = xcalloc(r->inflight, sizeof(*slots));
	/* Warm-up, not counted: the pool reaches its steady cycle. */
	rate_loop(f, &img, o->hello, slots, r->inflight, RATE_WARMUP_NS, NULL,
		  NULL, NULL, &ignored, &elapsed);
	r->done = rate_loop(f, &img, o->hello, slots, r->inflight,
			    (uint64_t)(o->rate_s * S), &lat, &nlat, &cap,
			    &r->from_pool, &r->elapsed);
	r->per_s = (double)r->done / ((double)r->elapsed / S);
	stats_compute(lat, nlat, &r->latency);
	mote_fleet_destroy(f);
	image_close(&img);
	free(lat);
	free(slots);
}

/* ---- report ---- */

struct all {
	struct machine m;
	struct rlimit nofile;
	struct mem_results mem;
	struct floor_results fmem, f100;
	struct start_results warm, cold, cold_big;
	struct rate_results rate;
	double mem_mib, fmem_mib;
	bool pass_mem, pass_warm, pass_cold, pass_cold_big, pass_rate;
};

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static void json_stats_us(FILE *f, const struct stats *s)
{
	fprintf(f,
		"{\"n\": %zu, \"p50\": %.1f, \"p90\": %.1f, \"p99\": %.1f, "
		"\"min\": %.1f, \"max\": %.1f, \"mean\": %.1f}",
		s->n, s->p50 / 1e3, s->p90 / 1e3, s->p99 / 1e3, s->min / 1e3,
		s->max / 1e3, s->mean / 1e3);
}

static void json_breakdown(FILE *f, const struct memsample *a,
			   const struct memsample *b, int vms)
{
	fprintf(f, "{");
	for (int k = 0; k < MI_N; k++)
		fprintf(f, "%s\"%s\": %.1f", k ? ", " : "", mi_name[k],
			mi_per_vm(a, b, k, vms));
	for (int k = 0; k < PS_N; k++)
		fprintf(f, ", \"self_%s\": %.1f", ps_name[k],
			ps_per_vm(a, b, k, vms));
	fprintf(f, "}");
}

static void json_start(FILE *f, const struct start_results *r, bool last)
{
	fprintf(f,
		"    \"%s_%d\": {\"vms\": %d, \"pool\": %u, \"rounds\": %d, "
		"\"total_ms_median\": %.3f, \"total_ms_rounds\": [",
		r->json, r->n, r->n, r->pool, r->rounds, ms(r->total_median));
	for (int k = 0; k < r->rounds; k++)
		fprintf(f, "%s%.3f", k ? ", " : "", ms(r->b[k].total));
	fprintf(f,
		"], \"first_insn_missing\": %d, \"from_pool\": %d,\n"
		"      \"first_insn_before_loaded\": {\"n\": %d, \"max_us\": "
		"%.1f},\n      \"start_to_first_insn_us\": ",
		r->missing, r->from_pool, r->early_n, r->early / 1e3);
	json_stats_us(f, &r->to_first);
	fprintf(f, ",\n      \"queue_vm_us\": ");
	json_stats_us(f, &r->queue_vm);
	fprintf(f, ",\n      \"load_us\": ");
	json_stats_us(f, &r->load);
	fprintf(f, ",\n      \"loaded_to_first_insn_us\": ");
	json_stats_us(f, &r->first);
	fprintf(f, "}%s\n", last ? "" : ",");
}

static void json_target(FILE *f, const char *name, double value,
			const char *cmp, double limit, bool pass, bool last)
{
	fprintf(f,
		"    {\"name\": \"%s\", \"value\": %.3f, \"%s\": %.3f, "
		"\"pass\": %s}%s\n",
		name, value, cmp, limit, pass ? "true" : "false",
		last ? "" : ",");
}

static void write_json(const struct opts *o, const struct all *a)
{
	const struct machine *m = &a->m;
	const struct mem_results *mr = &a->mem;
	const struct floor_results *fm = &a->fmem;
	FILE *f = fopen(o->out, "w");

	if (!f)
		die("cannot write %s: %s", o->out, strerror(errno));
	fprintf(f, "{\n  \"benchmark\": \"density\",\n  \"timestamp\": ");
	json_str(f, m->timestamp);
	fprintf(f,
		",\n  \"machine\": {\"nproc\": %ld, \"mem_total_kb\": %llu, "
		"\"kernel\": ",
		m->nproc, m->mem_kb);
	json_str(f, m->kernel);
	fprintf(f, ", \"cpu\": ");
	json_str(f, m->cpu);
	fprintf(f,
		", \"others_cpu_share\": %.3f, \"busy\": %s, "
		"\"loadavg1_start\": %.2f, \"loadavg1_end\": %.2f},\n",
		m->others_cpu,
		m->others_cpu > MACHINE_BUSY_SHARE ? "true" : "false",
		m->load_start, m->load_end);
	fprintf(f,
		"  \"timer\": \"CLOCK_MONOTONIC (mono_ns)\",\n"
		"  \"percentiles\": \"nearest rank\",\n"
		"  \"rlimit_nofile\": {\"soft\": %llu, \"hard\": %llu},\n"
		"  \"guest_mem_bytes\": %llu,\n  \"workers\": %u,\n",
		(unsigned long long)a->nofile.rlim_cur,
		(unsigned long long)a->nofile.rlim_max,
		(unsigned long long)o->mem, a->rate.workers);

	fprintf(f, "  \"memory\": {\n    \"image\": ");
	json_str(f, o->idle);
	fprintf(f,
		",\n    \"vms\": %d, \"idle_ms\": %d,\n"
		"    \"method\": \"MemAvailable before the fleet exists (image "
		"open, host steady for %.0f ms) minus MemAvailable once all "
		"starts are submitted and, for %.0f ms, MemAvailable moved by "
		"<= %d KiB and the process used <= %.0f%% of a CPU (all "
		"instances parked in WAIT); checked afterwards against each "
		"instance's first-instruction and exit times\",\n",
		mr->vms, mr->idle_ms, BASELINE_WINDOW_NS / 1e6,
		QUIET_WINDOW_NS / 1e6, QUIET_TOL_KB, QUIET_CPU_SHARE * 100);
	fprintf(f,
		"    \"quiet\": %s, \"submitted_to_sample_ms\": %.1f, "
		"\"parked_at_sample\": %d, \"first_insn_missing\": %d,\n"
		"    \"mem_available_drop_kib_per_vm\": %.1f,\n"
		"    \"not_back_after_teardown_kib_per_vm\": %.1f,\n"
		"    \"rss_delta_kib_per_vm\": %.1f,\n"
		"    \"guest_resident_kib_mean_at_exit\": %.1f,\n"
		"    \"delta_kib_per_vm\": ",
		mr->quiet ? "true" : "false", ms(mr->settle_ns),
		mr->parked_at_sample, mr->missing,
		mi_per_vm(&mr->base, &mr->at, MI_AVAIL, mr->vms),
		mi_per_vm(&mr->base, &mr->after, MI_AVAIL, mr->vms),
		ps_per_vm(&mr->base, &mr->at, PS_RSS, mr->vms),
		mr->resident_kib_mean);
	json_breakdown(f, &mr->base, &mr->at, mr->vms);
	fprintf(f,
		",\n    \"first_start_to_last_first_insn_ms\": %.1f, "
		"\"teardown_ms\": %.1f,\n"
		"    \"first_insn_before_loaded\": {\"n\": %d, \"max_us\": "
		"%.1f},\n"
		"    \"reference_not_measured_mib_per_vm\": {\"kvmtool\": "
		"%.2f, \"solo5_hvt\": %.2f, \"qemu_microvm\": %.1f}\n  },\n",
		ms(mr->start.total), ms(mr->teardown_ns), mr->start.early_n,
		mr->start.early / 1e3, REF_KVMTOOL_MIB, REF_SOLO5_MIB,
		REF_QEMU_MICROVM_MIB);

	fprintf(f,
		"  \"memory_floor\": {\n    \"vms\": %d, \"guest\": \"1 vCPU, "
		"2 MiB memslot, one page touched, ",
		fm->vms);
	fprintf(f, "run to its first exit: %s\",\n",
		floor_guest_name(FLOOR_HLT));
	fprintf(f,
		"    \"quiet\": %s, \"mem_available_drop_kib_per_vm\": %.1f,\n"
		"    \"not_back_after_release_kib_per_vm\": %.1f,\n"
		"    \"delta_kib_per_vm\": ",
		fm->quiet ? "true" : "false",
		mi_per_vm(&fm->base, &fm->at, MI_AVAIL, fm->vms),
		mi_per_vm(&fm->base, &fm->after, MI_AVAIL, fm->vms));
	json_breakdown(f, &fm->base, &fm->at, fm->vms);
	fprintf(f,
		",\n    \"sequential_create_ms\": %.1f, \"release_ms\": %.1f"
		",\n    \"create_to_first_exit_us\": ",
		ms(fm->total), ms(fm->release_ns));
	json_stats_us(f, &fm->per_vm);
	fprintf(f, "\n  },\n");

	fprintf(f,
		"  \"start\": {\n    \"guest\": \"idle %d\",\n"
		"    \"total\": \"first mote_fleet_start -> the last "
		"instance's first guest instruction; median over rounds\",\n",
		SHORT_IDLE_MS);
	json_start(f, &a->warm, false);
	json_start(f, &a->cold, false);
	json_start(f, &a->cold_big, false);
	fprintf(f,
		"    \"floor\": {\"vms\": %d, \"sequential_create_to_first_"
		"exit_total_ms\": %.3f, \"per_vm_us\": ",
		a->f100.vms, ms(a->f100.total));
	json_stats_us(f, &a->f100.per_vm);
	fprintf(f,
		"},\n    \"reference_not_measured\": {\"solo5_hvt_1000_"
		"processes_s\": %.1f}\n  },\n",
		REF_SOLO5_1000_S);

	fprintf(f, "  \"rate\": {\n    \"image\": ");
	json_str(f, o->hello);
	fprintf(f,
		",\n    \"pool\": %u, \"workers\": %u, \"in_flight\": %u, "
		"\"completed\": %ld, \"from_pool\": %ld, \"seconds\": %.3f, "
		"\"per_second\": %.1f,\n    \"submit_to_exit_us\": ",
		a->rate.pool, a->rate.workers, a->rate.inflight, a->rate.done,
		a->rate.from_pool, (double)a->rate.elapsed / S, a->rate.per_s);
	json_stats_us(f, &a->rate.latency);
	fprintf(f, "\n  },\n  \"targets\": [\n");
	json_target(f, "idle_vm_host_mib", a->mem_mib, "max", TARGET_MEM_MIB,
		    a->pass_mem, false);
	json_target(f, "warm_pool_100_ms", ms(a->warm.total_median), "max",
		    TARGET_WARM100_MS, a->pass_warm, false);
	json_target(f, "cold_100_ms", ms(a->cold.total_median), "max",
		    TARGET_COLD100_MS, a->pass_cold, false);
	json_target(f, "cold_1000_ms", ms(a->cold_big.total_median), "max",
		    TARGET_COLD1000_MS, a->pass_cold_big, false);
	json_target(f, "rate_per_s", a->rate.per_s, "min", TARGET_RATE,
		    a->pass_rate, true);
	fprintf(f, "  ]\n}\n");
	if (fclose(f) != 0)
		die("writing %s: %s", o->out, strerror(errno));
}

static void print_breakdown(const struct memsample *a,
			    const struct memsample *b, int vms)
{
	double anon =
		mi_per_vm(a, b, MI_ANON, vms) + mi_per_vm(a, b, MI_SHMEM, vms);
	double pt = mi_per_vm(a, b, MI_PTABLES, vms) +
		    mi_per_vm(a, b, MI_SECPT, vms);
	double slab = mi_per_vm(a, b, MI_SLAB, vms);
	double vmalloc = mi_per_vm(a, b, MI_VMALLOC, vms);
	double other = mi_per_vm(a, b, MI_AVAIL, vms) - anon - pt - slab -
		       vmalloc - mi_per_vm(a, b, MI_KSTACK, vms) -
		       mi_per_vm(a, b, MI_PERCPU, vms);

	printf("    = anon+shmem %.0f, page tables %.0f, slab %.0f, vmalloc "
	       "%.0f, kernel stacks %.0f, percpu %.0f, other %.0f (KiB/VM)\n",
	       anon, pt, slab, vmalloc, mi_per_vm(a, b, MI_KSTACK, vms),
	       mi_per_vm(a, b, MI_PERCPU, vms), other);
}

static void print_start(const struct start_results *r)
{
	char name[40];

	snprintf(name, sizeof(name), "%s %d", r->name, r->n);
	printf("  %-16s %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f  %d/%d\n", name,
	       ms(r->total_median), r->to_first.p50 / 1e6,
	       r->to_first.p99 / 1e6, r->queue_vm.p50 / 1e6, r->load.p50 / 1e6,
	       r->first.p50 / 1e6, r->missing, r->n * r->rounds);
	if (r->rounds > 1) {
		printf("  %-16s rounds:", "");
		for (int k = 0; k < r->rounds; k++)
			printf(" %.2f", ms(r->b[k].total));
		printf(" ms\n");
	}
}

static void print_table(const struct opts *o, const struct all *a)
{
	const struct machine *m = &a->m;
	const struct mem_results *mr = &a->mem;
	const struct floor_results *fm = &a->fmem;
	unsigned long long need = 2ull * (unsigned long long)o->vms + 64;

	printf("mote density benchmark  %s  %ld CPUs, %.1f GiB, Linux %s\n",
	       m->timestamp, m->nproc, (double)m->mem_kb / (1 << 20),
	       m->kernel);
	printf("timer CLOCK_MONOTONIC; percentiles nearest-rank; guest memory "
	       "%llu MiB%s; %u workers\n",
	       (unsigned long long)(o->mem >> 20),
	       o->mem == MOTE_MEM_DEFAULT ? " (the default)" : "",
	       a->rate.workers);
	printf("RLIMIT_NOFILE hard %llu: %s for %d VMs (~%llu fds)\n",
	       (unsigned long long)a->nofile.rlim_max,
	       a->nofile.rlim_max >= need ? "enough" : "NOT enough", o->vms,
	       need);
	printf("other processes used %.0f%% of the host's CPU time during the "
	       "run (load %.2f -> %.2f)%s\n\n",
	       m->others_cpu * 100, m->load_start, m->load_end,
	       m->others_cpu > MACHINE_BUSY_SHARE
		       ? "  WARNING: busy host, figures are noisy"
		       : "");

	printf("(1) memory: %d idle VMs (`idle %d`) parked in WAIT at once\n",
	       mr->vms, mr->idle_ms);
	printf("  sampled %.0f ms after the last start was submitted (%s); "
	       "parked at the sample: %d/%d%s\n",
	       ms(mr->settle_ns), mr->quiet ? "quiet" : "NOT quiet",
	       mr->parked_at_sample, mr->vms,
	       mr->missing ? " (some without a first-instruction stamp)" : "");
	printf("  host MemAvailable drop   %7.1f KiB/VM  (%.3f MiB; %.0f MiB "
	       "total)\n",
	       mi_per_vm(&mr->base, &mr->at, MI_AVAIL, mr->vms), a->mem_mib,
	       mi_per_vm(&mr->base, &mr->at, MI_AVAIL, mr->vms) * mr->vms /
		       1024);
	print_breakdown(&mr->base, &mr->at, mr->vms);
	printf("    after teardown MemAvailable was %.1f KiB/VM short of the "
	       "baseline (noise/leak check)\n",
	       mi_per_vm(&mr->base, &mr->after, MI_AVAIL, mr->vms));
	printf("  process RSS delta        %7.1f KiB/VM  (anon %.1f, file "
	       "%.1f, shmem %.1f; shared image pages count once per VM)\n",
	       ps_per_vm(&mr->base, &mr->at, PS_RSS, mr->vms),
	       ps_per_vm(&mr->base, &mr->at, PS_ANON, mr->vms),
	       ps_per_vm(&mr->base, &mr->at, PS_FILE, mr->vms),
	       ps_per_vm(&mr->base, &mr->at, PS_SHMEM, mr->vms));
	printf("  guest resident at exit   %7.1f KiB/VM  (mean, mincore)\n",
	       mr->resident_kib_mean);
	printf("  these %d started (first start -> last first insn) in %.0f "
	       "ms; fleet teardown %.0f ms\n",
	       mr->vms, ms(mr->start.total), ms(mr->teardown_ns));
	printf("  raw-KVM floor, %d VMs (1 vCPU, 2 MiB slot, run to 1st "
	       "exit): %.1f KiB/VM (%.3f MiB)%s\n",
	       fm->vms, mi_per_vm(&fm->base, &fm->at, MI_AVAIL, fm->vms),
	       a->fmem_mib, fm->quiet ? "" : " NOT quiet");
	print_breakdown(&fm->base, &fm->at, fm->vms);
	printf("    created one after the other in %.0f ms (p50 %.2f ms "
	       "each), closed in %.0f ms; then %.1f KiB/VM short\n",
	       ms(fm->total), fm->per_vm.p50 / 1e6, ms(fm->release_ns),
	       mi_per_vm(&fm->base, &fm->after, MI_AVAIL, fm->vms));
	printf("  reference, not measured in this run: kvmtool ~%.2f MiB, "
	       "Solo5 hvt ~%.1f MiB, QEMU microvm ~%.0f MiB per VM\n\n",
	       REF_KVMTOOL_MIB, REF_SOLO5_MIB, REF_QEMU_MICROVM_MIB);

	printf("(2) start to first guest instruction, `idle %d`, median of "
	       "rounds; per-VM ms pooled\n",
	       SHORT_IDLE_MS);
	printf("  %-16s %9s %9s %9s %9s %9s %9s  %s\n", "ms", "total", "p50",
	       "p99", "queue_vm", "load", "1st insn", "missing");
	print_start(&a->warm);
	print_start(&a->cold);
	print_start(&a->cold_big);
	printf("  (total: first start -> last first insn; p50/p99: each "
	       "start -> its first insn;\n   phase p50s: queue_vm = submit "
	       "-> VM, load, 1st insn = loaded -> first insn)\n");
	{
		int en = a->warm.early_n + a->cold.early_n +
			 a->cold_big.early_n + mr->start.early_n;
		uint64_t e = a->warm.early;

		e = a->cold.early > e ? a->cold.early : e;
		e = a->cold_big.early > e ? a->cold_big.early : e;
		e = mr->start.early > e ? mr->start.early : e;
		if (en)
			printf("  note: %d first-instruction stamps fell "
			       "before "
			       "their load ended, by up to %.0f us\n"
			       "  (the monitor's guest-TSC -> host clock "
			       "conversion); counted as 0 in 1st insn\n",
			       en, e / 1e3);
	}
	printf("  raw-KVM floor, %d sequential create + run to 1st exit: "
	       "%.2f ms total, p50 %.3f ms per VM\n",
	       a->f100.vms, ms(a->f100.total), a->f100.per_vm.p50 / 1e6);
	printf("  reference, not measured in this run: 1000 Solo5 hvt "
	       "processes took %.1f s\n\n",
	       REF_SOLO5_1000_S);

	printf("(3) sustained hello start -> exit -> reset: pool %u, %u "
	       "workers, %u in flight, %.1f s\n",
	       a->rate.pool, a->rate.workers, a->rate.inflight,
	       (double)a->rate.elapsed / S);
	printf("  %ld completions, output checked: %.0f VMs/s; from the pool "
	       "%.0f%%; submit -> exit p50 %.2f ms, p99 %.2f ms\n\n",
	       a->rate.done, a->rate.per_s,
	       a->rate.done ? 100.0 * a->rate.from_pool / a->rate.done : 0,
	       a->rate.latency.p50 / 1e6, a->rate.latency.p99 / 1e6);

	printf("targets\n");
	printf("  host memory per idle VM <= %.1f MiB   %8.3f MiB  %s\n",
	       TARGET_MEM_MIB, a->mem_mib, verdict(a->pass_mem));
	printf("  %d from the warm pool <= %.0f ms     %8.2f ms   %s\n",
	       a->warm.n, TARGET_WARM100_MS, ms(a->warm.total_median),
	       verdict(a->pass_warm));
	printf("  %d cold <= %.0f ms                  %8.2f ms   %s\n",
	       a->cold.n, TARGET_COLD100_MS, ms(a->cold.total_median),
	       verdict(a->pass_cold));
	printf("  %d cold <= %.1f s                  %8.2f ms   %s\n",
	       a->cold_big.n, TARGET_COLD1000_MS / 1e3,
	       ms(a->cold_big.total_median), verdict(a->pass_cold_big));
	printf("  start->exit rate >= %.0f /s            %8.0f /s   %s\n",
	       TARGET_RATE, a->rate.per_s, verdict(a->pass_rate));
	printf("\nwrote %s\n", o->out);
}

/* ---- options and main ---- */

static int parse_int(const char *s, const char *flag, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < lo || v > hi)
		die("%s: expected a number from %ld to %ld, got '%s'", flag, lo,
		    hi, s);
	return (int)v;
}

static void usage(FILE *f)
{
	fputs("Usage: density [--vms N] [--small M] [--rounds R]\n"
	      "               [--idle-ms MS] [--rate-seconds S] "
	      "[--rate-pool P]\n"
	      "               [--mem-mib MIB] [--idle ELF] [--hello ELF] "
	      "[--out JSON]\n"
	      "Measures host memory per idle mote VM (N at once), the time\n"
	      "to start M VMs from a warm pool, M and N cold, and the\n"
	      "sustained start->exit rate of hello, with the raw-KVM floor;\n"
	      "prints a table and writes JSON. Defaults: N=1000, M=100, R=3,\n"
	      "MS=6000 (the memory phase's wait), S=2, P=16, MIB=16,\n"
	      "paths under build/ and bench/results/density.json. The\n"
	      "targets are set for the default N and M.\n",
	      f);
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"vms", required_argument, NULL, 'n'},
		{"small", required_argument, NULL, 'm'},
		{"rounds", required_argument, NULL, 'r'},
		{"idle-ms", required_argument, NULL, 'w'},
		{"rate-seconds", required_argument, NULL, 's'},
		{"rate-pool", required_argument, NULL, 'p'},
		{"mem-mib", required_argument, NULL, 'M'},
		{"idle", required_argument, NULL, 'I'},
		{"hello", required_argument, NULL, 'H'},
		{"out", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	*o = (struct opts){
		.idle = "build/guests/idle.elf",
		.hello = "build/guests/hello.elf",
		.out = "bench/results/density.json",
		.vms = 1000,
		.small = 100,
		.rounds = 3,
		.idle_ms = 6000,
		.rate_s = 2.0,
		.rate_pool = 16,
		.mem = MOTE_MEM_DEFAULT,
	};
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'n':
			o->vms = parse_int(optarg, "--vms", 1, 100000);
			break;
		case 'm':
			o->small = parse_int(optarg, "--small", 1, 100000);
			break;
		case 'r':
			o->rounds = parse_int(optarg, "--rounds", 1, 16);
			break;
		case 'w':
			o->idle_ms =
				parse_int(optarg, "--idle-ms", 1000, 600000);
			break;
		case 's':
			o->rate_s = parse_int(optarg, "--rate-seconds", 1, 600);
			break;
		case 'p':
			o->rate_pool =
				parse_int(optarg, "--rate-pool", 1, 100000);
			break;
		case 'M':
			o->mem = (uint64_t)parse_int(optarg, "--mem-mib", 2,
						     4096)
				 << 20;
			if (o->mem % MOTE_MEM_MIN)
				die("--mem-mib: a multiple of 2");
			break;
		case 'I':
			o->idle = optarg;
			break;
		case 'H':
			o->hello = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc) {
		usage(stderr);
		exit(2);
	}
}

/* Each VM holds two fds (VM and vCPU); the floor phase needs them before
 * any fleet raises the soft limit, so raise it here, or say why not. */
static void fd_limit(int vms, struct rlimit *rl)
{
	unsigned long long need = 2ull * (unsigned long long)vms + 64;

	if (getrlimit(RLIMIT_NOFILE, rl) < 0)
		die("getrlimit: %s", strerror(errno));
	if (rl->rlim_max != RLIM_INFINITY && rl->rlim_max < need)
		die("RLIMIT_NOFILE hard limit %llu is too low for %d VMs "
		    "(~%llu fds): raise it (ulimit -Hn, as root) or use "
		    "--vms",
		    (unsigned long long)rl->rlim_max, vms, need);
	if (rl->rlim_cur < need) {
		struct rlimit want = {rl->rlim_max, rl->rlim_max};

		if (setrlimit(RLIMIT_NOFILE, &want) < 0)
			die("raising RLIMIT_NOFILE to %llu: %s",
			    (unsigned long long)rl->rlim_max, strerror(errno));
	}
}

int main(int argc, char **argv)
{
	struct opts o;
	struct all *a = xcalloc(1, sizeof(*a));
	struct cpu_times ct0, ct1;
	struct floor_ctx fc;
	struct mote_image idle;
	struct mote_err err = {""};
	char ferr[256];
	uint64_t t_begin = mono_ns();

	parse_opts(argc, argv, &o);
	if ((uint64_t)o.idle_ms * MS < 2 * SAMPLE_MARGIN_NS)
		die("--idle-ms too short to sample memory");
	setvbuf(stdout, NULL, _IOLBF, 0);
	machine_info(&a->m);
	fd_limit(o.vms > o.small ? o.vms : o.small, &a->nofile);
	cpu_times(&ct0);
	if (floor_open(&fc, ferr, sizeof(ferr)) < 0)
		die("%s", ferr);

	fprintf(stderr, "density: (1) floor: %d raw-KVM VMs held open...\n",
		o.vms);
	floor_batch(&fc, o.vms, true, &a->fmem);
	fprintf(stderr, "density: (1) %d idle mote VMs held parked...\n",
		o.vms);
	bench_memory(&o, &a->mem);

	fprintf(stderr,
		"density: (2) starts: floor %d, %d x warm %d, %d x cold %d, "
		"cold %d...\n",
		o.small, o.rounds, o.small, o.rounds, o.small, o.vms);
	floor_batch(&fc, o.small, false, &a->f100);
	floor_close(&fc);
	if (image_open(o.idle, o.mem, &idle, &err) < 0)
		die("%s", err.msg);
	a->warm.name = "warm pool";
	a->warm.json = "warm_pool";
	bench_start(&o, &idle, o.small, o.rounds, true, &a->warm);
	a->cold.name = "cold";
	a->cold.json = "cold";
	bench_start(&o, &idle, o.small, o.rounds, false, &a->cold);
	a->cold_big.name = "cold";
	a->cold_big.json = "cold";
	bench_start(&o, &idle, o.vms, 1, false, &a->cold_big);
	image_close(&idle);

	fprintf(stderr, "density: (3) hello start->exit rate for %.0f s...\n",
		o.rate_s);
	bench_rate(&o, &a->rate);

	a->mem_mib =
		mi_per_vm(&a->mem.base, &a->mem.at, MI_AVAIL, o.vms) / 1024;
	a->fmem_mib =
		mi_per_vm(&a->fmem.base, &a->fmem.at, MI_AVAIL, o.vms) / 1024;
	a->pass_mem = a->mem_mib <= TARGET_MEM_MIB;
	a->pass_warm = ms(a->warm.total_median) <= TARGET_WARM100_MS;
	a->pass_cold = ms(a->cold.total_median) <= TARGET_COLD100_MS;
	a->pass_cold_big = ms(a->cold_big.total_median) <= TARGET_COLD1000_MS;
	a->pass_rate = a->rate.per_s >= TARGET_RATE;
	cpu_times(&ct1);
	host_load(&a->m, &ct0, &ct1);
	write_json(&o, a);
	print_table(&o, a);
	fprintf(stderr, "density: done in %.1f s\n",
		(double)(mono_ns() - t_begin) / S);
	/* A sample taken while guests were not all parked is not a figure. */
	if (a->mem.parked_at_sample != o.vms)
		fprintf(stderr,
			"density: warning: only %d of %d VMs were parked when "
			"memory was sampled; the memory figure is not valid\n",
			a->mem.parked_at_sample, o.vms);
	free(a);
	/* A missed target is a finding, not a failure; errors died above. */
	return 0;
}

/*
 * The boot benchmark: in-process and whole-process boot latency of `hello`,
 * the raw-KVM floor, and `compute` in a guest vs natively; table + JSON.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../guest_abi/examples/compute_kernel.h"
#include "../guest_abi/mote_abi.h"
#include "floor.h"
#include "image.h"
#include "stats.h"
#include "timeutil.h"
#include "vm.h"

extern char **environ;

/* Warm-up iterations run before each measured series and are discarded:
 * they absorb first-use costs (page faults in the monitor, KVM module
 * caches, the image's page cache) that a long-running monitor pays once. */
#define WARMUP_BOOT    10
#define WARMUP_PROC    5
#define WARMUP_COMPUTE 1
#define FLOOR_PROBE    30 /* iterations per candidate when choosing the floor */

#define HELLO_OUTPUT	   "Hello from mote!\n"
#define HELLO_TIMEOUT_NS   10000000000ull  /* 10 s: hello takes ~ms */
#define COMPUTE_TIMEOUT_NS 120000000000ull /* 2 min */
#define CAPTURE_MAX	   (64u << 10)

/* Targets (DESIGN.md / the project brief). */
#define TARGET_PROC_P50_MS   5.0
#define TARGET_FLOOR_RATIO   1.5
#define TARGET_COMPUTE_RATIO 1.2

struct opts {
	const char *hello, *compute, *mote, *native, *out;
	const char *compute_arg; /* argv[1] for compute and compute-native */
	int runs, proc_runs, compute_runs;
};

/* Console sink: keeps what the guest wrote so it can be checked. */
struct capture {
	size_t len;
	int truncated;
	char buf[CAPTURE_MAX + 1];
};

/* One in-process boot (a): mono_ns stamps of each phase boundary. */
struct boot_sample {
	uint64_t t0, created, loaded, run_start, first_insn, exited, ran,
		destroyed;
};

static void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		die("out of memory");
	return p;
}

static void capture_fn(void *ctx, const char *buf, size_t len)
{
	struct capture *c = ctx;
	size_t room = CAPTURE_MAX - c->len;

	if (len > room) {
		len = room;
		c->truncated = 1;
	}
	memcpy(c->buf + c->len, buf, len);
	c->len += len;
	c->buf[c->len] = '\0';
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

/*
 * create + load + run + destroy of one guest, each phase stamped. Dies on
 * any error or a guest that does not exit 0: a figure for a boot that did
 * not happen would be meaningless.
 */
static void boot_once(const struct mote_image *img, int argc, char *argv[],
		      uint64_t timeout_ns, struct capture *cap,
		      struct boot_sample *s)
{
	struct mote_err err = {""};
	struct mote_result res;
	struct mote_vm *vm;

	cap->len = 0;
	cap->truncated = 0;
	cap->buf[0] = '\0';
	s->t0 = mono_ns();
	if (mote_vm_create(MOTE_MEM_DEFAULT, &vm, &err) < 0)
		die("mote_vm_create: %s", err.msg);
	s->created = mono_ns();
	mote_vm_set_console(vm, capture_fn, cap);
	if (mote_vm_load(vm, img, argc, argv, &err) < 0)
		die("mote_vm_load %s: %s", argv[0], err.msg);
	s->loaded = mono_ns();
	mote_vm_run(vm, timeout_ns, &res);
	s->ran = mono_ns();
	mote_vm_destroy(vm);
	s->destroyed = mono_ns();
	if (res.outcome != MOTE_EXITED || res.status != 0)
		die("%s: guest %s (status %d)%s%s", argv[0],
		    outcome_name(res.outcome), res.status,
		    res.reason[0] ? ": " : "", res.reason);
	s->run_start = res.t_start;
	s->first_insn = res.t_first_insn;
	s->exited = res.t_exit;
}

/* ---- (a) + (c): in-process boots interleaved with the raw-KVM floor ---- */

struct phase {
	const char *name, *json;
	struct stats st;
};

struct boot_results {
	int runs;
	struct stats to_exit, to_destroyed;
	/* means: create, load, first insn, guest after first insn, run,
	 * destroy */
	struct phase ph[6];
	int first_insn_reported;
	/* the floor */
	enum floor_guest guest;
	double probe_p50[FLOOR_NGUESTS]; /* create -> first exit, ns */
	struct stats floor_to_exit, floor_to_closed;
	/* floor phases: create, set registers, run to first exit, close */
	struct phase fph[4];
};

/* Picks the floor guest that reaches its first exit soonest here. */
static enum floor_guest choose_floor(const struct floor_ctx *fc,
				     struct boot_results *r)
{
	uint64_t *v[FLOOR_NGUESTS];
	struct floor_sample s;
	char err[256];
	enum floor_guest best = FLOOR_HLT;

	for (int g = 0; g < FLOOR_NGUESTS; g++)
		v[g] = xcalloc(FLOOR_PROBE, sizeof(uint64_t));
	/* Alternate the candidates so drift in the host hits both alike. */
	for (int i = -WARMUP_BOOT / 2; i < FLOOR_PROBE; i++)
		for (int g = 0; g < FLOOR_NGUESTS; g++) {
			if (floor_once(fc, (enum floor_guest)g, &s, err,
				       sizeof(err)) < 0)
				die("%s", err);
			if (i >= 0)
				v[g][i] = s.t_first_exit - s.t_start;
		}
	for (int g = 0; g < FLOOR_NGUESTS; g++) {
		struct stats st;

		stats_compute(v[g], FLOOR_PROBE, &st);
		r->probe_p50[g] = st.p50;
		if (st.p50 < r->probe_p50[best])
			best = (enum floor_guest)g;
		free(v[g]);
	}
	return best;
}

static void check_hello(const struct capture *cap, int iter)
{
	if (strcmp(cap->buf, HELLO_OUTPUT) != 0)
		die("boot %d: hello printed \"%.*s\" (%zu bytes), expected "
		    "\"Hello from mote!\\n\"",
		    iter, (int)(cap->len > 80 ? 80 : cap->len), cap->buf,
		    cap->len);
}

static void bench_boot_and_floor(const struct opts *o, struct boot_results *r)
{
	struct mote_err err = {""};
	struct mote_image img;
	struct floor_ctx fc;
	struct capture *cap = xcalloc(1, sizeof(*cap));
	char *argv[] = {(char *)o->hello, NULL};
	size_t n = (size_t)o->runs;
	uint64_t *exit_v = xcalloc(n, sizeof(uint64_t));
	uint64_t *dest_v = xcalloc(n, sizeof(uint64_t));
	uint64_t *fexit_v = xcalloc(n, sizeof(uint64_t));
	uint64_t *fclosed_v = xcalloc(n, sizeof(uint64_t));
	uint64_t *ph_v[6], *fph_v[4];
	size_t nfirst = 0;
	char ferr[256];

	for (int k = 0; k < 6; k++)
		ph_v[k] = xcalloc(n, sizeof(uint64_t));
	for (int k = 0; k < 4; k++)
		fph_v[k] = xcalloc(n, sizeof(uint64_t));
	/* Both sides open their KVM handle and image before timing starts. */
	if (floor_open(&fc, ferr, sizeof(ferr)) < 0)
		die("%s", ferr);
	r->guest = choose_floor(&fc, r);
	if (image_open(o->hello, MOTE_MEM_DEFAULT, &img, &err) < 0)
		die("%s", err.msg);

	/*
	 * Interleave one mote boot and one floor iteration, so that whatever
	 * else the host does during the run weighs on both series equally and
	 * their ratio is a same-conditions comparison.
	 */
	for (int i = -WARMUP_BOOT; i < o->runs; i++) {
		struct boot_sample s;
		struct floor_sample f;

		boot_once(&img, 1, argv, HELLO_TIMEOUT_NS, cap, &s);
		check_hello(cap, i + WARMUP_BOOT);
		if (floor_once(&fc, r->guest, &f, ferr, sizeof(ferr)) < 0)
			die("%s", ferr);
		if (i < 0)
			continue;
		exit_v[i] = s.exited - s.t0;
		dest_v[i] = s.destroyed - s.t0;
		fexit_v[i] = f.t_first_exit - f.t_start;
		fclosed_v[i] = f.t_closed - f.t_start;
		fph_v[0][i] = f.t_created - f.t_start;
		fph_v[1][i] = f.t_ready - f.t_created;
		fph_v[2][i] = f.t_first_exit - f.t_ready;
		fph_v[3][i] = f.t_closed - f.t_first_exit;
		ph_v[0][i] = s.created - s.t0;
		ph_v[1][i] = s.loaded - s.created;
		ph_v[4][i] = s.ran - s.loaded;
		ph_v[5][i] = s.destroyed - s.ran;
		/* The split of run at the first instruction exists only when
		 * the guest reported its entry TSC. */
		if (s.first_insn) {
			ph_v[2][nfirst] = s.first_insn - s.run_start;
			ph_v[3][nfirst] = s.exited - s.first_insn;
			nfirst++;
		}
	}
	image_close(&img);
	floor_close(&fc);

	r->runs = o->runs;
	stats_compute(exit_v, n, &r->to_exit);
	stats_compute(dest_v, n, &r->to_destroyed);
	stats_compute(fexit_v, n, &r->floor_to_exit);
	stats_compute(fclosed_v, n, &r->floor_to_closed);
	r->ph[0] = (struct phase){"create", "create", {0}};
	r->ph[1] = (struct phase){"load", "load", {0}};
	r->ph[2] = (struct phase){"to 1st insn", "run_to_first_insn", {0}};
	r->ph[3] = (struct phase){"1st insn->exit", "first_insn_to_exit", {0}};
	r->ph[4] = (struct phase){"run", "run", {0}};
	r->ph[5] = (struct phase){"destroy", "destroy", {0}};
	for (int k = 0; k < 6; k++)
		stats_compute(ph_v[k], (k == 2 || k == 3) ? nfirst : n,
			      &r->ph[k].st);
	r->fph[0] = (struct phase){"create", "create", {0}};
	r->fph[1] = (struct phase){"set regs", "set_regs", {0}};
	r->fph[2] = (struct phase){"run", "run_to_first_exit", {0}};
	r->fph[3] = (struct phase){"close", "close", {0}};
	for (int k = 0; k < 4; k++) {
		stats_compute(fph_v[k], n, &r->fph[k].st);
		free(fph_v[k]);
	}
	r->first_insn_reported = (int)nfirst;
	for (int k = 0; k < 6; k++)
		free(ph_v[k]);
	free(exit_v);
	free(dest_v);
	free(fexit_v);
	free(fclosed_v);
	free(cap);
}

/* ---- (b): whole-process `mote run hello` ---- */

struct proc_results {
	int runs, exit0;
	struct stats wall;
};

/*
 * Spawns argv with stdout to a pipe (out != NULL) or /dev/null, waits, and
 * returns its wait status. posix_spawn is fork+exec without copying the
 * benchmark's page tables, so the harness adds as little as it can.
 */
static int spawn_wait(char *const argv[], struct capture *out)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	int pfd[2] = {-1, -1}, status, rc;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	/* The monitor library blocks its kick signal in this thread; give
	 * the child the clean mask a shell would. */
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	if (out) {
		if (pipe2(pfd, O_CLOEXEC) < 0)
			die("pipe: %s", strerror(errno));
		posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
	} else {
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO,
						 "/dev/null", O_WRONLY, 0);
	}
	rc = posix_spawn(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc != 0)
		die("cannot run %s: %s", argv[0], strerror(rc));
	if (out) {
		ssize_t k;

		close(pfd[1]);
		out->len = 0;
		out->truncated = 0;
		while ((k = read(pfd[0], out->buf + out->len,
				 CAPTURE_MAX - out->len)) != 0) {
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				die("reading %s: %s", argv[0], strerror(errno));
			out->len += (size_t)k;
			if (out->len == CAPTURE_MAX)
				break;
		}
		out->buf[out->len] = '\0';
		close(pfd[0]);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	return status;
}

static void bench_process(const struct opts *o, struct proc_results *r)
{
	char *argv[] = {(char *)o->mote, "run", (char *)o->hello, NULL};
	uint64_t *v = xcalloc((size_t)o->proc_runs, sizeof(uint64_t));

	r->runs = o->proc_runs;
	r->exit0 = 0;
	for (int i = -WARMUP_PROC; i < o->proc_runs; i++) {
		uint64_t t0 = mono_ns(), t1;
		int st = spawn_wait(argv, NULL);

		t1 = mono_ns();
		if (i < 0) {
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
				die("%s run %s failed in warm-up (status 0x%x)",
				    o->mote, o->hello, st);
			continue;
		}
		v[i] = t1 - t0;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			r->exit0++;
	}
	stats_compute(v, (size_t)o->proc_runs, &r->wall);
	free(v);
}

/* ---- (d): compute in a guest vs natively ---- */

struct compute_results {
	int runs;
	double guest_ns, native_ns; /* medians of the self-reported times */
	double guest_boot_ms;	    /* median create -> destroyed, for scale */
	/* median first instruction -> exit seen by the host: the guest's own
	 * elapsed_ns must fit inside it, or its clock is off */
	double guest_host_ns;
	char guest_line[160], native_line[160]; /* first output line, shown */
};

/* The value of the first "elapsed_ns=N" in text; dies if absent. */
static double parse_elapsed(const char *text, const char *who)
{
	const char *p = strstr(text, "elapsed_ns=");
	char *end;
	unsigned long long v;

	if (!p)
		die("%s printed no elapsed_ns= line; output: \"%.200s\"", who,
		    text);
	errno = 0;
	v = strtoull(p + strlen("elapsed_ns="), &end, 10);
	if (errno || end == p + strlen("elapsed_ns=") || v == 0)
		die("%s: unparsable elapsed_ns= line", who);
	return (double)v;
}

/* text without its elapsed_ns= line: what must match between the two. */
static void strip_elapsed(const char *text, char *out, size_t outlen)
{
	size_t o = 0;

	while (*text && o + 1 < outlen) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) + 1 : strlen(text);

		if (strncmp(text, "elapsed_ns=", 11) != 0 &&
		    !strstr(text, " elapsed_ns=")) {
			if (len > outlen - 1 - o)
				len = outlen - 1 - o;
			memcpy(out + o, text, len);
			o += len;
		}
		text += nl ? (size_t)(nl - text) + 1 : strlen(text);
	}
	out[o] = '\0';
}

static void first_line(const char *text, char *out, size_t outlen)
{
	size_t len = strcspn(text, "\n");

	if (len >= outlen)
		len = outlen - 1;
	memcpy(out, text, len);
	out[len] = '\0';
}

static void bench_compute(const struct opts *o, struct compute_results *r)
{
	struct mote_err err = {""};
	struct mote_image img;
	struct capture *gcap = xcalloc(1, sizeof(*gcap));
	struct capture *ncap = xcalloc(1, sizeof(*ncap));
	char *gargv[] = {(char *)o->compute, (char *)o->compute_arg, NULL};
	char *nargv[] = {(char *)o->native, (char *)o->compute_arg, NULL};
	int argc = o->compute_arg ? 2 : 1;
	double *gv = xcalloc((size_t)o->compute_runs, sizeof(double));
	double *nv = xcalloc((size_t)o->compute_runs, sizeof(double));
	double *bv = xcalloc((size_t)o->compute_runs, sizeof(double));
	double *hv = xcalloc((size_t)o->compute_runs, sizeof(double));
	char gtext[512], ntext[512];

	if (image_open(o->compute, MOTE_MEM_DEFAULT, &img, &err) < 0)
		die("%s", err.msg);
	/* Alternate guest and native runs, as for (a) and (c). */
	for (int i = -WARMUP_COMPUTE; i < o->compute_runs; i++) {
		struct boot_sample s;
		int st;

		boot_once(&img, argc, gargv, COMPUTE_TIMEOUT_NS, gcap, &s);
		st = spawn_wait(nargv, ncap);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			die("%s failed (status 0x%x)", o->native, st);
		if (gcap->truncated)
			die("compute guest wrote more than %u bytes",
			    CAPTURE_MAX);
		/* Same code, same argument: same results, or the comparison
		 * compares different work. */
		strip_elapsed(gcap->buf, gtext, sizeof(gtext));
		strip_elapsed(ncap->buf, ntext, sizeof(ntext));
		if (strcmp(gtext, ntext) != 0)
			die("compute guest and native disagree:\nguest:  %s\n"
			    "native: %s",
			    gtext, ntext);
		if (i < 0)
			continue;
		gv[i] = parse_elapsed(gcap->buf, "compute guest");
		nv[i] = parse_elapsed(ncap->buf, "compute-native");
		bv[i] = (double)(s.destroyed - s.t0) / 1e6;
		if (!s.first_insn)
			die("compute guest did not report its first "
			    "instruction");
		hv[i] = (double)(s.exited - s.first_insn);
		if (gv[i] > hv[i])
			die("compute guest reports %.0f ns, more than the %.0f "
			    "ns "
			    "the host saw from its first instruction to its "
			    "exit",
			    gv[i], hv[i]);
	}
	image_close(&img);
	first_line(gcap->buf, r->guest_line, sizeof(r->guest_line));
	first_line(ncap->buf, r->native_line, sizeof(r->native_line));
	r->runs = o->compute_runs;
	r->guest_ns = stats_median_d(gv, (size_t)o->compute_runs);
	r->native_ns = stats_median_d(nv, (size_t)o->compute_runs);
	r->guest_boot_ms = stats_median_d(bv, (size_t)o->compute_runs);
	r->guest_host_ns = stats_median_d(hv, (size_t)o->compute_runs);
	free(hv);
	free(gv);
	free(nv);
	free(bv);
	free(gcap);
	free(ncap);
}

/* ---- report ---- */

struct machine {
	long nproc;
	unsigned long long mem_kb;
	char kernel[128], cpu[128], timestamp[32];
	/* Share of all CPU time used by other processes while we ran: the
	 * host is shared, and its load is the first suspect for odd figures. */
	double others_cpu;
	double load_start, load_end; /* 1-minute load averages */
};

/* Busy and total jiffies over all CPUs, from the first line of /proc/stat. */
struct cpu_times {
	unsigned long long busy, total;
	double self_s; /* CPU seconds used by us and our waited-for children */
};

static void cpu_times(struct cpu_times *ct)
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

static void host_load(struct machine *m, const struct cpu_times *a,
		      const struct cpu_times *b)
{
	double hz = (double)sysconf(_SC_CLK_TCK);
	double total = (double)(b->total - a->total) / hz;
	double others =
		(double)(b->busy - a->busy) / hz - (b->self_s - a->self_s);

	m->others_cpu = total > 0 && others > 0 ? others / total : 0;
	m->load_end = loadavg1();
}

static void machine_info(struct machine *m)
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

/* JSON string body: the only strings we print are paths and CPU names, but
 * escape them properly anyway. */
static void json_str(FILE *f, const char *s)
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

static void json_stats_us(FILE *f, const struct stats *s)
{
	fprintf(f,
		"{\"n\": %zu, \"p50\": %.1f, \"p90\": %.1f, \"p99\": %.1f, "
		"\"min\": %.1f, \"max\": %.1f, \"mean\": %.1f}",
		s->n, s->p50 / 1e3, s->p90 / 1e3, s->p99 / 1e3, s->min / 1e3,
		s->max / 1e3, s->mean / 1e3);
}

static const char *verdict(int pass)
{
	return pass ? "PASS" : "MISS";
}

struct targets {
	double proc_p50_ms, floor_ratio, floor_ratio_exit, compute_ratio;
	int proc_pass, floor_pass, compute_pass;
};

static void write_json(const char *path, const struct opts *o,
		       const struct machine *m, const struct boot_results *b,
		       const struct proc_results *p,
		       const struct compute_results *c, const struct targets *t)
{
	FILE *f = fopen(path, "w");

	if (!f)
		die("cannot write %s: %s", path, strerror(errno));
	fprintf(f, "{\n  \"benchmark\": \"boot\",\n  \"timestamp\": ");
	json_str(f, m->timestamp);
	fprintf(f,
		",\n  \"machine\": {\"nproc\": %ld, \"mem_total_kb\": %llu, "
		"\"kernel\": ",
		m->nproc, m->mem_kb);
	json_str(f, m->kernel);
	fprintf(f, ", \"cpu\": ");
	json_str(f, m->cpu);
	fprintf(f,
		", \"others_cpu_share\": %.3f, \"loadavg1_start\": %.2f, "
		"\"loadavg1_end\": %.2f",
		m->others_cpu, m->load_start, m->load_end);
	fprintf(f, "},\n  \"timer\": \"CLOCK_MONOTONIC (mono_ns)\",\n"
		   "  \"percentiles\": \"nearest rank\",\n");
	fprintf(f,
		"  \"iterations\": {\"in_process\": %d, \"in_process_warmup\": "
		"%d, \"floor\": %d, \"floor_warmup\": %d, \"floor_probe\": %d, "
		"\"whole_process\": %d, \"whole_process_warmup\": %d, "
		"\"compute\": %d, \"compute_warmup\": %d, \"compute_arg\": ",
		b->runs, WARMUP_BOOT, b->runs, WARMUP_BOOT, FLOOR_PROBE,
		p->runs, WARMUP_PROC, c->runs, WARMUP_COMPUTE);
	json_str(f, o->compute_arg ? o->compute_arg : "");
	fprintf(f, "},\n  \"guest_mem_bytes\": %llu,\n",
		(unsigned long long)MOTE_MEM_DEFAULT);

	fprintf(f, "  \"in_process\": {\n    \"image\": ");
	json_str(f, o->hello);
	fprintf(f, ",\n    \"create_to_exit_us\": ");
	json_stats_us(f, &b->to_exit);
	fprintf(f, ",\n    \"create_to_destroyed_us\": ");
	json_stats_us(f, &b->to_destroyed);
	fprintf(f, ",\n    \"first_insn_reported\": %d,\n    \"phases_us\": {",
		b->first_insn_reported);
	for (int k = 0; k < 6; k++)
		fprintf(f, "%s\n      \"%s\": {\"mean\": %.1f, \"p50\": %.1f}",
			k ? "," : "", b->ph[k].json, b->ph[k].st.mean / 1e3,
			b->ph[k].st.p50 / 1e3);
	fprintf(f, "\n    }\n  },\n");

	fprintf(f, "  \"whole_process\": {\n    \"command\": ");
	json_str(f, o->mote);
	fprintf(f, ",\n    \"wall_us\": ");
	json_stats_us(f, &p->wall);
	fprintf(f, ",\n    \"exit_zero\": %d, \"runs\": %d\n  },\n", p->exit0,
		p->runs);

	fprintf(f, "  \"floor\": {\n    \"guest\": ");
	json_str(f, floor_guest_name(b->guest));
	fprintf(f,
		",\n    \"chosen_because\": \"lowest p50 create->first "
		"exit of the candidates in a %d-iteration interleaved probe\","
		"\n    \"probe_p50_us\": {",
		FLOOR_PROBE);
	for (int g = 0; g < FLOOR_NGUESTS; g++) {
		fprintf(f, "%s", g ? ", " : "");
		json_str(f, floor_guest_name((enum floor_guest)g));
		fprintf(f, ": %.1f", b->probe_p50[g] / 1e3);
	}
	fprintf(f, "},\n    \"create_to_first_exit_us\": ");
	json_stats_us(f, &b->floor_to_exit);
	fprintf(f, ",\n    \"create_to_closed_us\": ");
	json_stats_us(f, &b->floor_to_closed);
	fprintf(f, ",\n    \"phases_us\": {");
	for (int k = 0; k < 4; k++)
		fprintf(f, "%s\n      \"%s\": {\"mean\": %.1f, \"p50\": %.1f}",
			k ? "," : "", b->fph[k].json, b->fph[k].st.mean / 1e3,
			b->fph[k].st.p50 / 1e3);
	fprintf(f, "\n    }\n  },\n");

	fprintf(f, "  \"compute\": {\n    \"image\": ");
	json_str(f, o->compute);
	fprintf(f, ",\n    \"native\": ");
	json_str(f, o->native);
	fprintf(f,
		",\n    \"guest_elapsed_ns_median\": %.0f,\n"
		"    \"native_elapsed_ns_median\": %.0f,\n"
		"    \"guest_boot_to_destroyed_ms_median\": %.3f,\n"
		"    \"guest_first_insn_to_exit_ns_median\": %.0f,\n"
		"    \"ratio\": %.4f\n  },\n",
		c->guest_ns, c->native_ns, c->guest_boot_ms, c->guest_host_ns,
		t->compute_ratio);

	fprintf(f,
		"  \"targets\": [\n"
		"    {\"name\": \"whole_process_p50_ms\", \"value\": %.3f, "
		"\"limit\": %.1f, \"pass\": %s},\n"
		"    {\"name\": \"in_process_p50_over_floor_p50\", \"value\": "
		"%.3f, \"limit\": %.1f, \"pass\": %s, \"note\": "
		"\"create->destroyed over create->closed\"},\n"
		"    {\"name\": \"compute_guest_over_native\", \"value\": "
		"%.3f, "
		"\"limit\": %.1f, \"pass\": %s}\n  ],\n",
		t->proc_p50_ms, TARGET_PROC_P50_MS,
		t->proc_pass ? "true" : "false", t->floor_ratio,
		TARGET_FLOOR_RATIO, t->floor_pass ? "true" : "false",
		t->compute_ratio, TARGET_COMPUTE_RATIO,
		t->compute_pass ? "true" : "false");
	fprintf(f, "  \"in_process_exit_over_floor_first_exit\": %.3f\n}\n",
		t->floor_ratio_exit);
	if (fclose(f) != 0)
		die("writing %s: %s", path, strerror(errno));
}

static void print_row(const char *name, const struct stats *s)
{
	printf("  %-24s %9.1f %9.1f %9.1f %9.1f %9.1f\n", name, s->p50 / 1e3,
	       s->p90 / 1e3, s->p99 / 1e3, s->min / 1e3, s->max / 1e3);
}

static void print_table(const struct opts *o, const struct machine *m,
			const struct boot_results *b,
			const struct proc_results *p,
			const struct compute_results *c,
			const struct targets *t)
{
	printf("mote boot benchmark  %s  %ld CPUs, %.1f GiB, Linux %s\n",
	       m->timestamp, m->nproc, (double)m->mem_kb / (1 << 20),
	       m->kernel);
	printf("timer CLOCK_MONOTONIC; percentiles nearest-rank; "
	       "warm-up iterations excluded\n");
	printf("other processes used %.0f%% of the host's CPU time during the "
	       "run (load %.2f -> %.2f)%s\n\n",
	       m->others_cpu * 100, m->load_start, m->load_end,
	       m->others_cpu > 0.10 ? "  WARNING: busy host, figures are noisy"
				    : "");
	printf("(a) in-process hello, %d boots (+%d warm-up), 16 MiB guest, "
	       "interleaved with (c)\n",
	       b->runs, WARMUP_BOOT);
	printf("  %-24s %9s %9s %9s %9s %9s\n", "us", "p50", "p90", "p99",
	       "min", "max");
	print_row("create -> guest exit", &b->to_exit);
	print_row("create -> destroyed", &b->to_destroyed);
	printf("  phase means (us):");
	for (int k = 0; k < 6; k++)
		printf(" %s %.0f%s", b->ph[k].name, b->ph[k].st.mean / 1e3,
		       k == 5 ? "\n" : ",");
	printf("  (run = to 1st insn + 1st insn->exit; first instruction "
	       "reported by %d/%d boots)\n\n",
	       b->first_insn_reported, b->runs);
	printf("(c) raw-KVM floor, %d iterations (+%d warm-up): %s\n", b->runs,
	       WARMUP_BOOT, floor_guest_name(b->guest));
	printf("  probe p50 create->first exit:");
	for (int g = 0; g < FLOOR_NGUESTS; g++)
		printf(" %s %.0f us%s", g == FLOOR_HLT ? "hlt" : "out",
		       b->probe_p50[g] / 1e3,
		       g == FLOOR_NGUESTS - 1 ? "" : ",");
	printf("  (lowest chosen)\n");
	print_row("create -> first exit", &b->floor_to_exit);
	print_row("create -> closed", &b->floor_to_closed);
	printf("  phase means (us):");
	for (int k = 0; k < 4; k++)
		printf(" %s %.0f%s", b->fph[k].name, b->fph[k].st.mean / 1e3,
		       k == 3 ? "\n" : ",");
	printf("\n(b) whole process `mote run hello`, %d runs (+%d warm-up): "
	       "p50 %.2f ms, p99 %.2f ms, exit 0: %d/%d\n\n",
	       p->runs, WARMUP_PROC, p->wall.p50 / 1e6, p->wall.p99 / 1e6,
	       p->exit0, p->runs);
	printf("(d) compute %s, %d runs each (+%d warm-up), medians of "
	       "elapsed_ns:\n",
	       o->compute_arg ? o->compute_arg : "(default)", c->runs,
	       WARMUP_COMPUTE);
	printf("  guest %.3f ms (host saw 1st insn->exit %.3f ms, whole boot "
	       "%.3f ms), native %.3f ms\n",
	       c->guest_ns / 1e6, c->guest_host_ns / 1e6, c->guest_boot_ms,
	       c->native_ns / 1e6);
	printf("  guest says:  %s\n  native says: %s\n\n", c->guest_line,
	       c->native_line);
	printf("targets\n");
	printf("  whole-process p50 <= %.0f ms          %8.2f ms   %s\n",
	       TARGET_PROC_P50_MS, t->proc_p50_ms, verdict(t->proc_pass));
	printf("  in-process p50 <= %.1f x floor p50   %8.2f x    %s  "
	       "(create->destroyed / create->closed; to exit: %.2f x)\n",
	       TARGET_FLOOR_RATIO, t->floor_ratio, verdict(t->floor_pass),
	       t->floor_ratio_exit);
	printf("  compute <= %.1f x native            %8.3f x    %s\n",
	       TARGET_COMPUTE_RATIO, t->compute_ratio,
	       verdict(t->compute_pass));
	printf("\nwrote %s\n", o->out);
}

static int parse_count(const char *s, const char *flag)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > 1000000)
		die("%s: expected a count from 1 to 1000000, got '%s'", flag,
		    s);
	return (int)v;
}

static void usage(FILE *f)
{
	fputs("Usage: boot [--runs N] [--proc-runs M] [--compute-runs K]\n"
	      "            [--compute-arg ARG] [--hello ELF] [--compute ELF]\n"
	      "            [--mote BIN] [--native BIN] [--out JSON]\n"
	      "Measures mote boot latency against the raw-KVM floor and the\n"
	      "compute guest against the same code run natively; prints a\n"
	      "table and writes JSON. Defaults: N=300, M=100, K=5, paths\n"
	      "under build/ and bench/results/boot.json.\n",
	      f);
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"runs", required_argument, NULL, 'n'},
		{"proc-runs", required_argument, NULL, 'm'},
		{"compute-runs", required_argument, NULL, 'k'},
		{"compute-arg", required_argument, NULL, 'a'},
		{"hello", required_argument, NULL, 'H'},
		{"compute", required_argument, NULL, 'C'},
		{"mote", required_argument, NULL, 'M'},
		{"native", required_argument, NULL, 'N'},
		{"out", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static char default_iters[24];
	int c;

	/* Passed explicitly so guest and native surely do the same work. */
	snprintf(default_iters, sizeof(default_iters), "%llu",
		 (unsigned long long)COMPUTE_DEFAULT_ITERS);
	*o = (struct opts){
		.hello = "build/guests/hello.elf",
		.compute = "build/guests/compute.elf",
		.mote = "build/mote",
		.native = "build/bench/compute-native",
		.out = "bench/results/boot.json",
		.runs = 300,
		.proc_runs = 100,
		.compute_runs = 5,
		.compute_arg = default_iters,
	};
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'n':
			o->runs = parse_count(optarg, "--runs");
			break;
		case 'm':
			o->proc_runs = parse_count(optarg, "--proc-runs");
			break;
		case 'k':
			o->compute_runs = parse_count(optarg, "--compute-runs");
			break;
		case 'a':
			o->compute_arg = optarg;
			break;
		case 'H':
			o->hello = optarg;
			break;
		case 'C':
			o->compute = optarg;
			break;
		case 'M':
			o->mote = optarg;
			break;
		case 'N':
			o->native = optarg;
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

int main(int argc, char **argv)
{
	struct opts o;
	struct machine m;
	struct boot_results *b = xcalloc(1, sizeof(*b));
	struct proc_results p;
	struct compute_results c;
	struct targets t;
	struct cpu_times ct0, ct1;

	parse_opts(argc, argv, &o);
	machine_info(&m);
	cpu_times(&ct0);
	fprintf(stderr,
		"bench: (a)+(c) %d in-process boots and floor "
		"iterations...\n",
		o.runs);
	bench_boot_and_floor(&o, b);
	fprintf(stderr, "bench: (b) %d runs of %s run %s...\n", o.proc_runs,
		o.mote, o.hello);
	bench_process(&o, &p);
	fprintf(stderr, "bench: (d) %d runs of compute, guest and native...\n",
		o.compute_runs);
	bench_compute(&o, &c);

	t.proc_p50_ms = p.wall.p50 / 1e6;
	t.proc_pass = t.proc_p50_ms <= TARGET_PROC_P50_MS;
	t.floor_ratio = b->to_destroyed.p50 / b->floor_to_closed.p50;
	t.floor_ratio_exit = b->to_exit.p50 / b->floor_to_exit.p50;
	t.floor_pass = t.floor_ratio <= TARGET_FLOOR_RATIO;
	t.compute_ratio = c.guest_ns / c.native_ns;
	t.compute_pass = t.compute_ratio <= TARGET_COMPUTE_RATIO;
	cpu_times(&ct1);
	host_load(&m, &ct0, &ct1);
	write_json(o.out, &o, &m, b, &p, &c, &t);
	print_table(&o, &m, b, &p, &c, &t);
	free(b);
	/* A missed target is a finding, not a failure; errors died above. */
	if (p.exit0 != p.runs) {
		fprintf(stderr,
			"bench: %d of %d `mote run` processes did not "
			"exit 0\n",
			p.runs - p.exit0, p.runs);
		return 1;
	}
	return 0;
}

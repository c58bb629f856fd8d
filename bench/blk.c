/*
 * The disk benchmark: 4 KiB random and 1 MiB sequential reads by the
 * blk-bench guest against fio (io_uring) on the same file, in the same run.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ident.h"
#include "machine.h"
#include "stats.h"
#include "tool.h"

extern char **environ;

#define OUT_MAX	 (64u << 10)
#define MAX_RUNS 50

struct opts {
	const char *mote, *guest, *file, *out, *fio;
	unsigned size_mib, secs, runs, qd, seq_qd;
	const char *guest_mem;
};

/* One figure from each side of one comparison, per run. */
struct series {
	double guest[MAX_RUNS], host[MAX_RUNS];
	double guest_med, host_med, ratio;
	char guest_line[200]; /* the guest's summary line, for the record */
};

/* Runs argv with stdout captured into out; returns the wait status. */
static int capture(char *const argv[], char *out, size_t size)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	int p[2], status, rc;
	size_t len = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	rc = posix_spawn(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc != 0)
		die("cannot run %s: %s", argv[0], strerror(rc));
	close(p[1]);
	for (;;) {
		ssize_t k = read(p[0], out + len, size - 1 - len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		len += (size_t)k;
		if (len == size - 1)
			break;
	}
	out[len] = '\0';
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	return status;
}

/* The number after `key` in text (the first occurrence), or die. */
static double number_after(const char *text, const char *key, const char *who)
{
	const char *p = strstr(text, key);
	char *end;
	double v;

	if (!p)
		die("%s printed no %s; output:\n%.2000s", who, key, text);
	p += strlen(key);
	while (*p == ' ' || *p == ':')
		p++;
	v = strtod(p, &end);
	if (end == p)
		die("%s: %s is not a number", who, key);
	return v;
}

/* Creates the test file once, with incompressible non-zero bytes (holes
 * or zero pages could make reads artificially cheap), then reads it all so
 * that both sides start with it in the page cache. */
static void prepare_file(const struct opts *o)
{
	size_t chunk = 1u << 20;
	uint64_t want = (uint64_t)o->size_mib << 20, x = 0x243f6a8885a308d3;
	char *buf = malloc(chunk);
	struct stat st;
	int fd;

	if (!buf)
		die("out of memory");
	if (stat(o->file, &st) != 0 || (uint64_t)st.st_size != want) {
		printf("creating %s (%u MiB)\n", o->file, o->size_mib);
		fd = open(o->file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			  0644);
		if (fd < 0)
			die("%s: %s", o->file, strerror(errno));
		for (uint64_t off = 0; off < want; off += chunk) {
			for (size_t i = 0; i < chunk; i += 8) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				memcpy(buf + i, &x, 8);
			}
			if (write(fd, buf, chunk) != (ssize_t)chunk)
				die("writing %s: %s", o->file, strerror(errno));
		}
		if (fsync(fd) != 0 || close(fd) != 0)
			die("writing %s: %s", o->file, strerror(errno));
	}
	fd = open(o->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("%s: %s", o->file, strerror(errno));
	while (read(fd, buf, chunk) > 0)
		;
	close(fd);
	free(buf);
}

/* One guest run: blk-bench MODE ... on the file, read-only, buffered. */
static void run_guest(const struct opts *o, bool rand, double *iops,
		      double *mib_s, char *line, size_t line_size)
{
	char disk[512], ms[32], qd[16], *out = malloc(OUT_MAX);
	char *argv[16];
	int n = 0, st;

	if (!out)
		die("out of memory");
	snprintf(disk, sizeof(disk), "%s,ro", o->file);
	snprintf(ms, sizeof(ms), "%u", o->secs * 1000);
	snprintf(qd, sizeof(qd), "%u", rand ? o->qd : o->seq_qd);
	argv[n++] = (char *)o->mote;
	argv[n++] = "run";
	argv[n++] = "--mem";
	argv[n++] = (char *)o->guest_mem;
	argv[n++] = "--disk";
	argv[n++] = disk;
	argv[n++] = (char *)o->guest;
	argv[n++] = "--";
	if (rand) {
		argv[n++] = "rand";
		argv[n++] = qd;
		argv[n++] = ms;
	} else {
		argv[n++] = "seq";
		argv[n++] = ms;
		argv[n++] = qd;
	}
	argv[n] = NULL;
	st = capture(argv, out, OUT_MAX);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die("%s run ... blk-bench %s failed (status %#x):\n%s", o->mote,
		    rand ? "rand" : "seq", st, out);
	*iops = number_after(out, "iops=", "blk-bench");
	*mib_s = number_after(out, "bw_mib_s=", "blk-bench");
	snprintf(line, line_size, "%.*s", (int)strcspn(out, "\n"), out);
	free(out);
}

/* One fio run with the same pattern, depth, file and cache mode. */
static void run_fio(const struct opts *o, bool rand, double *iops,
		    double *mib_s)
{
	char file[512], runtime[32], depth[32], *out = malloc(OUT_MAX);
	const char *read_obj;
	char *argv[24];
	int n = 0, st;

	if (!out)
		die("out of memory");
	snprintf(file, sizeof(file), "--filename=%s", o->file);
	snprintf(runtime, sizeof(runtime), "--runtime=%u", o->secs);
	snprintf(depth, sizeof(depth), "--iodepth=%u",
		 rand ? o->qd : o->seq_qd);
	argv[n++] = (char *)o->fio;
	argv[n++] = rand ? "--name=rand4k" : "--name=seq1m";
	argv[n++] = file;
	argv[n++] = "--readonly";
	argv[n++] = rand ? "--rw=randread" : "--rw=read";
	argv[n++] = rand ? "--bs=4k" : "--bs=1M";
	argv[n++] = depth;
	argv[n++] = "--ioengine=io_uring";
	argv[n++] = "--direct=0";
	/* fio drops the file's page cache before a job by default; the
	 * comparison is cached reads on both sides. */
	argv[n++] = "--invalidate=0";
	argv[n++] = "--numjobs=1";
	/* Page-aligned buffers, as the guest's are: fio's default buffers
	 * are not, and a misaligned copy out of the page cache runs at a
	 * quarter of the speed here (1.5 vs 7 GB/s for 1 MiB reads). */
	argv[n++] = "--iomem_align=4096";
	argv[n++] = "--time_based";
	argv[n++] = runtime;
	argv[n++] = "--norandommap";
	argv[n++] = "--randrepeat=0";
	argv[n++] = "--output-format=json";
	argv[n] = NULL;
	st = capture(argv, out, OUT_MAX);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die("fio failed (status %#x):\n%.2000s", st, out);
	read_obj = strstr(out, "\"read\"");
	if (!read_obj)
		die("fio printed no read results:\n%.2000s", out);
	*iops = number_after(read_obj, "\"iops\"", "fio");
	*mib_s = number_after(read_obj, "\"bw_bytes\"", "fio") / (1 << 20);
	free(out);
}

static void finish(struct series *s, unsigned runs)
{
	s->guest_med = stats_median_d(s->guest, runs);
	s->host_med = stats_median_d(s->host, runs);
	s->ratio = s->host_med > 0 ? s->guest_med / s->host_med : NAN;
}

static const char *find_fio(void)
{
	static const char *const where[] = {"/usr/bin/fio",
					    "/usr/local/bin/fio"};

	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++)
		if (access(where[i], X_OK) == 0)
			return where[i];
	die("fio is not installed; `make deps` installs it (Debian: fio)");
}

static void usage(FILE *f)
{
	fputs("Usage: blk [--mote BIN] [--guest ELF] [--file PATH]\n"
	      "           [--size MIB] [--secs N] [--runs N] [--qd N]\n"
	      "           [--seq-qd N] [--out JSON]\n"
	      "Compares guest disk reads (blk-bench) with fio on the host:\n"
	      "random 4 KiB at queue depth N (default 32) and sequential\n"
	      "1 MiB (default depth 4), buffered I/O from the page cache on\n"
	      "both sides. Defaults: 256 MiB file, 5 s per run, 3 runs.\n",
	      f);
}

static void json_series(struct jw *j, const char *name, const char *unit,
			const struct series *s, unsigned runs)
{
	jw_obj(j, name);
	jw_str(j, "unit", unit);
	jw_arr(j, "guest");
	for (unsigned i = 0; i < runs; i++)
		jw_num(j, NULL, s->guest[i], 1);
	jw_arr_end(j);
	jw_arr(j, "host_fio");
	for (unsigned i = 0; i < runs; i++)
		jw_num(j, NULL, s->host[i], 1);
	jw_arr_end(j);
	/* Each run's own ratio too: guest and fio ran back to back, so on a
	 * busy host these vary less than the two series do. */
	jw_arr(j, "ratio_per_run");
	for (unsigned i = 0; i < runs; i++)
		jw_num(j, NULL, s->host[i] > 0 ? s->guest[i] / s->host[i] : NAN,
		       3);
	jw_arr_end(j);
	jw_num(j, "guest_median", s->guest_med, 1);
	jw_num(j, "host_median", s->host_med, 1);
	jw_num(j, "ratio", s->ratio, 3);
	if (!isfinite(s->ratio))
		jw_str(j, "ratio_missing", "fio measured nothing");
	jw_str(j, "guest_says", s->guest_line);
	jw_obj_end(j);
}

static void write_json(const struct opts *o, const struct machine *m,
		       const struct series *rnd, const struct series *seq,
		       const struct opt *t, size_t nt, int argc, char **argv)
{
	FILE *f = fopen(o->out, "w");
	char *gargs[] = {"rand|seq", "QD", "MS"};
	struct jw j;

	if (!f)
		die("cannot write %s: %s", o->out, strerror(errno));
	jw_init(&j, f);
	jw_obj(&j, NULL);
	jw_str(&j, "benchmark", "blk");
	ident_json(&j, argc, argv, m);
	opt_json(&j, "options", t, nt);
	machine_json(&j, m);
	image_json(&j, "guest_image", o->guest, 3, gargs);
	jw_str(&j, "guest_mem", o->guest_mem);
	jw_str(&j, "file", o->file);
	jw_int(&j, "file_mib", o->size_mib);
	jw_str(&j, "cache_mode",
	       "buffered on both sides; the file is read once beforehand so "
	       "both read from the page cache (fio --direct=0 --invalidate=0, "
	       "mote --disk PATH,ro)");
	jw_str(&j, "guest",
	       "blk-bench in mote, its own clock, boot excluded, buffers "
	       "page-aligned");
	jw_str(&j, "host",
	       "fio --ioengine=io_uring --numjobs=1 --iomem_align=4096 "
	       "--time_based");
	jw_int(&j, "seconds_per_run", o->secs);
	jw_int(&j, "runs", o->runs);
	jw_str(&j, "order", "alternating guest, fio within each run");
	jw_str(&j, "medians", "of the runs");
	jw_obj(&j, "results");
	json_series(&j, "rand_4k", "IOPS", rnd, o->runs);
	json_series(&j, "seq_1m", "MiB/s", seq, o->runs);
	jw_obj_end(&j);
	jw_int(&j, "rand_qd", o->qd);
	jw_int(&j, "seq_qd", o->seq_qd);
	jw_obj_end(&j);
	if (fclose(f) != 0)
		die("writing %s: %s", o->out, strerror(errno));
}

int main(int argc, char **argv)
{
	struct opts o;
	struct machine m;
	struct cpu_times t0, t1;
	struct series rnd = {0}, seq = {0};
	double unused;
	struct opt t[] = {
		{"mote", OPT_STR, &o.mote, 0, 0, false, false},
		{"guest", OPT_STR, &o.guest, 0, 0, true, false},
		{"file", OPT_STR, &o.file, 0, 0, true, false},
		{"size", OPT_COUNT, &o.size_mib, 8, 65536, true, false},
		{"secs", OPT_COUNT, &o.secs, 1, 600, true, false},
		{"runs", OPT_COUNT, &o.runs, 1, MAX_RUNS, true, false},
		{"qd", OPT_COUNT, &o.qd, 1, 64, true, false},
		{"seq-qd", OPT_COUNT, &o.seq_qd, 1, 16, true, false},
		{"out", OPT_STR, &o.out, 0, 0, false, false},
	};

	tool_init("bench blk");
	o = (struct opts){"build/mote",
			  "build/guests/blk-bench.elf",
			  "build/bench/blk-test.img",
			  "bench/results/blk.json",
			  NULL,
			  256,
			  5,
			  3,
			  32,
			  4,
			  "64M"};
	tool_options(t, sizeof(t) / sizeof(t[0]), argc, argv, usage);
	o.fio = find_fio();
	if (access(o.mote, X_OK) != 0 || access(o.guest, R_OK) != 0)
		die("need %s and %s: run make first", o.mote, o.guest);
	setvbuf(stdout, NULL, _IOLBF, 0);
	machine_info(&m);
	prepare_file(&o);
	cpu_times(&t0);
	/* Alternate the two sides so that drift in the host's state weighs
	 * on both alike. */
	for (unsigned i = 0; i < o.runs; i++) {
		run_guest(&o, true, &rnd.guest[i], &unused, rnd.guest_line,
			  sizeof(rnd.guest_line));
		run_fio(&o, true, &rnd.host[i], &unused);
		run_guest(&o, false, &unused, &seq.guest[i], seq.guest_line,
			  sizeof(seq.guest_line));
		run_fio(&o, false, &unused, &seq.host[i]);
		printf("run %u/%u: rand guest %.0f fio %.0f IOPS; seq guest "
		       "%.0f fio %.0f MiB/s\n",
		       i + 1, o.runs, rnd.guest[i], rnd.host[i], seq.guest[i],
		       seq.host[i]);
	}
	cpu_times(&t1);
	host_load(&m, &t0, &t1);
	{
		/* medians sort in place: keep the per-run order for JSON */
		struct series r2 = rnd, s2 = seq;

		finish(&r2, o.runs);
		finish(&s2, o.runs);
		rnd.guest_med = r2.guest_med, rnd.host_med = r2.host_med;
		rnd.ratio = r2.ratio;
		seq.guest_med = s2.guest_med, seq.host_med = s2.host_med;
		seq.ratio = s2.ratio;
	}
	write_json(&o, &m, &rnd, &seq, t, sizeof(t) / sizeof(t[0]), argc,
		   argv);

	printf("\nmote blk benchmark  %s  %ld CPUs, %.1f GiB, Linux %s\n",
	       m.timestamp, m.nproc, (double)m.mem_kb / (1 << 20), m.kernel);
	printf("file %s, %u MiB; buffered reads from the page cache on both "
	       "sides\n",
	       o.file, o.size_mib);
	printf("%u runs of %u s per side, guest and fio alternating; "
	       "medians\n",
	       o.runs, o.secs);
	printf("other processes used %.0f%% of the host's CPU time during the "
	       "run (load %.2f -> %.2f)%s\n\n",
	       m.others_cpu * 100, m.load_start, m.load_end,
	       m.others_cpu > MACHINE_BUSY_SHARE
		       ? "  WARNING: busy host, figures are noisy"
		       : "");
	printf("  %-22s %12s %12s %8s\n", "", "guest", "fio (host)",
	       "ratio");
	printf("  rand 4K QD%-2u IOPS     %12.0f %12.0f %8.2f\n", o.qd,
	       rnd.guest_med, rnd.host_med, rnd.ratio);
	printf("  seq 1M QD%-2u MiB/s     %12.1f %12.1f %8.2f\n", o.seq_qd,
	       seq.guest_med, seq.host_med, seq.ratio);
	printf("  guest: %s\n         %s\n", rnd.guest_line, seq.guest_line);
	printf("\nwrote %s\n", o.out);
	return 0;
}

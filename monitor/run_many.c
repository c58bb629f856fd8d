/*
 * Many instances from the command line: output per instance (a file each,
 * or stdout lines prefixed with the index), outcome lines on stderr, and
 * --stats as one JSON line with per-instance phases and p50/p99.
 */
#include "run_many.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../guest_abi/mote_abi.h"
#include "fleet.h"
#include "stats.h"
#include "timeutil.h"

/* Console of one instance; a VM runs on one worker at a time, so its
 * callbacks never overlap and need no lock. */
struct sink {
	unsigned index;
	int fd;      /* a file of its own, or stdout */
	bool prefix; /* stdout: each line as "[index] line" */
	size_t len;
	char line[1024];
};

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* output gone: lose it, not the instance */
		p += w;
		n -= (size_t)w;
	}
}

/* One write per line keeps lines of different instances whole. */
static void sink_flush_line(struct sink *s)
{
	char buf[sizeof(s->line) + 32];
	int n = snprintf(buf, sizeof(buf), "[%u] ", s->index);

	memcpy(buf + n, s->line, s->len);
	n += (int)s->len;
	if (s->len == 0 || s->line[s->len - 1] != '\n')
		buf[n++] = '\n';
	write_all(s->fd, buf, (size_t)n);
	s->len = 0;
}

static void sink_write(void *ctx, const char *buf, size_t len)
{
	struct sink *s = ctx;

	if (!s->prefix) {
		write_all(s->fd, buf, len);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		s->line[s->len++] = buf[i];
		if (buf[i] == '\n' || s->len == sizeof(s->line))
			sink_flush_line(s);
	}
}

static int open_sinks(const struct run_opts *o, struct sink *sinks)
{
	char path[4096];

	if (o->output && mkdir(o->output, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "mote: --output %s: %s\n", o->output,
			strerror(errno));
		return -1;
	}
	for (unsigned n = 0; n < o->count; n++) {
		sinks[n].index = n;
		sinks[n].fd = STDOUT_FILENO;
		sinks[n].prefix = !o->output;
		if (!o->output)
			continue;
		snprintf(path, sizeof(path), "%s/%u.out", o->output, n);
		sinks[n].fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
				   0644);
		if (sinks[n].fd < 0) {
			fprintf(stderr, "mote: %s: %s\n", path, strerror(errno));
			while (n--)
				close(sinks[n].fd);
			return -1;
		}
	}
	return 0;
}

static void close_sinks(const struct run_opts *o, struct sink *sinks)
{
	for (unsigned n = 0; n < o->count; n++) {
		if (sinks[n].prefix && sinks[n].len)
			sink_flush_line(&sinks[n]);
		if (o->output)
			close(sinks[n].fd);
	}
}

static const char *outcome_name(enum mote_outcome o)
{
	static const char *const names[] = { "exited", "crashed", "timeout",
					     "failed" };
	return names[o];
}

/* The status an instance contributes to the process's exit status. */
static int instance_status(const struct mote_result *r)
{
	switch (r->outcome) {
	case MOTE_EXITED:
		return r->status ? 1 : 0;
	case MOTE_TIMED_OUT:
		return MOTE_STATUS_TIMEOUT;
	case MOTE_CRASHED:
		return MOTE_STATUS_CRASH;
	default:
		return MOTE_STATUS_ERROR;
	}
}

/* Worst wins: mote failure, then crash, then timeout, then exit != 0. */
static int severity(int status)
{
	switch (status) {
	case 0:
		return 0;
	case MOTE_STATUS_TIMEOUT:
		return 2;
	case MOTE_STATUS_CRASH:
		return 3;
	case MOTE_STATUS_ERROR:
		return 4;
	default:
		return 1;
	}
}

static double us(uint64_t from, uint64_t to)
{
	return from && to >= from ? (double)(to - from) / 1e3 : 0.0;
}

/* Prints "name":{p50,p99,...} of v, each divided by unit. */
static void print_agg(const char *name, uint64_t *v, size_t n, double unit,
		      bool last)
{
	struct stats s;

	stats_compute(v, n, &s);
	fprintf(stderr, "\"%s\":{\"n\":%zu,\"p50\":%.1f,\"p99\":%.1f,"
			"\"min\":%.1f,\"max\":%.1f}%s",
		name, s.n, s.p50 / unit, s.p99 / unit, s.min / unit,
		s.max / unit, last ? "" : ",");
}

static void print_stats(const struct run_opts *o, const struct mote_result *r,
			const struct mote_instance_stats *st, uint64_t t0,
			uint64_t t_end)
{
	uint64_t *first = calloc(o->count, sizeof(uint64_t));
	uint64_t *done = calloc(o->count, sizeof(uint64_t));
	uint64_t *mem = calloc(o->count, sizeof(uint64_t));
	size_t nf = 0, nd = 0;

	fprintf(stderr, "{\"count\":%u,\"pool\":%u,\"wall_us\":%.1f,"
			"\"instances\":[",
		o->count, o->pool, us(t0, t_end));
	for (unsigned n = 0; n < o->count; n++) {
		fprintf(stderr,
			"%s{\"index\":%u,\"outcome\":\"%s\",\"status\":%d,"
			"\"from_pool\":%s,\"vm_id\":%llu,\"queue_vm_us\":%.1f,"
			"\"load_us\":%.1f,\"first_instruction_us\":%.1f,"
			"\"guest_run_us\":%.1f,\"release_us\":%.1f,"
			"\"start_to_first_instruction_us\":%.1f,"
			"\"start_to_exit_us\":%.1f,\"resident_kib\":%llu}",
			n ? "," : "", n, outcome_name(r[n].outcome),
			r[n].status, st[n].from_pool ? "true" : "false",
			(unsigned long long)st[n].vm_id,
			us(st[n].t_submit, st[n].t_vm),
			us(st[n].t_vm, st[n].t_loaded),
			us(r[n].t_start, r[n].t_first_insn),
			us(r[n].t_first_insn, r[n].t_exit),
			us(r[n].t_exit, st[n].t_freed),
			us(st[n].t_submit, r[n].t_first_insn),
			us(st[n].t_submit, r[n].t_exit),
			(unsigned long long)(st[n].resident_bytes >> 10));
		if (first && r[n].t_first_insn)
			first[nf++] = r[n].t_first_insn - st[n].t_submit;
		if (done && r[n].t_exit)
			done[nd++] = r[n].t_exit - st[n].t_submit;
		if (mem)
			mem[n] = st[n].resident_bytes;
	}
	fprintf(stderr, "],\"aggregate\":{");
	if (first && done && mem) {
		print_agg("start_to_first_instruction_us", first, nf, 1e3,
			  false);
		print_agg("start_to_exit_us", done, nd, 1e3, false);
		print_agg("resident_kib", mem, o->count, 1024.0, true);
	}
	fprintf(stderr, "}}\n");
	free(first);
	free(done);
	free(mem);
}

int run_many(const struct run_opts *o, const struct mote_image *img,
	     const struct mote_devspec *devs, unsigned ndevs,
	     const struct run_hooks *hooks)
{
	struct mote_fleet_config cfg = {
		.workers = o->workers,
		.pool = o->pool,
		.mem_size = o->mem,
		.pool_image = img,
		.devices = devs,
		.ndevices = ndevs,
	};
	struct mote_instance **inst = calloc(o->count, sizeof(*inst));
	struct mote_result *res = calloc(o->count, sizeof(*res));
	struct mote_instance_stats *st = calloc(o->count, sizeof(*st));
	struct sink *sinks = calloc(o->count, sizeof(*sinks));
	struct mote_fleet *fleet = NULL;
	struct mote_err err = { "" };
	int status = 0;
	uint64_t t0;

	if (!inst || !res || !st || !sinks) {
		fprintf(stderr, "mote: out of memory for %u instances\n",
			o->count);
		status = MOTE_STATUS_ERROR;
		goto out;
	}
	if (open_sinks(o, sinks) < 0) {
		status = MOTE_STATUS_ERROR;
		goto out;
	}
	if (hooks->confine) {
		/* Per-instance output files are all the confined run keeps. */
		int *fds = calloc(o->count, sizeof(int));
		size_t n = 0;

		for (unsigned i = 0; fds && o->output && i < o->count; i++)
			fds[n++] = sinks[i].fd;
		if (!fds)
			err_set(&err, ENOMEM, "out of memory");
		if (!fds || hooks->confine(fds, n, &err) < 0) {
			fprintf(stderr, "mote: %s\n", err.msg);
			free(fds);
			status = MOTE_STATUS_ERROR;
			goto close;
		}
		free(fds);
	}
	if (mote_fleet_create(&cfg, &fleet, &err) < 0) {
		fprintf(stderr, "mote: %s\n", err.msg);
		status = MOTE_STATUS_ERROR;
		goto close;
	}
	if (hooks->seal && hooks->seal(&err) < 0) {
		fprintf(stderr, "mote: %s\n", err.msg);
		mote_fleet_destroy(fleet);
		status = MOTE_STATUS_ERROR;
		goto close;
	}
	/* A warm pool is only warm once it is full. */
	if (o->pool)
		mote_fleet_pool_wait_full(fleet);
	t0 = mono_ns();
	for (unsigned n = 0; n < o->count; n++) {
		struct mote_start s = {
			.img = img,
			.argc = o->guest_argc,
			.argv = o->guest_argv,
			.timeout_ns = o->timeout_ns,
			.console = sink_write,
			.console_ctx = &sinks[n],
		};

		if (mote_fleet_start(fleet, &s, &inst[n], &err) < 0) {
			inst[n] = NULL;
			res[n].outcome = MOTE_FAILED;
			snprintf(res[n].reason, sizeof(res[n].reason), "%s",
				 err.msg);
		}
	}
	for (unsigned n = 0; n < o->count; n++) {
		if (inst[n])
			mote_instance_wait(inst[n], &res[n], &st[n]);
		if (res[n].outcome != MOTE_EXITED)
			fprintf(stderr, "mote: instance %u: %s%s\n", n,
				res[n].outcome == MOTE_TIMED_OUT ? "guest " : "",
				res[n].reason);
		if (severity(instance_status(&res[n])) > severity(status))
			status = instance_status(&res[n]);
	}
	if (o->stats)
		print_stats(o, res, st, t0, mono_ns());
	mote_fleet_destroy(fleet);
close:
	close_sinks(o, sinks);
out:
	free(inst);
	free(res);
	free(st);
	free(sinks);
	return status;
}

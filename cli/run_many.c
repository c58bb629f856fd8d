/*
 * Many instances from the command line: output per instance (a file each,
 * or stdout lines prefixed with the index), outcome lines on stderr, and
 * --stats as one JSON line with per-instance phases and p50/p99.
 */
#include "run_many.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../guest_abi/mote_abi.h"
#include "fdio.h"
#include "fleet.h"
#include "snapshot.h"
#include "stats.h"
#include "timeutil.h"

/* One output stream of one instance: a file of its own, or mote's
 * stdout or stderr with each line as "[index] line". */
struct stream {
	unsigned index;
	int fd;
	bool prefix;
	size_t len;
	char line[1024];
};

/* An instance's stdout and stderr. A VM runs on one worker at a time, so
 * its callbacks never overlap and need no lock. */
struct sink {
	struct stream out, err;
};

/* One write per line keeps lines of different instances whole. */
static ssize_t flush_line(struct stream *s)
{
	char buf[sizeof(s->line) + 32];
	int n = snprintf(buf, sizeof(buf), "[%u] ", s->index);

	memcpy(buf + n, s->line, s->len);
	n += (int)s->len;
	if (s->len == 0 || s->line[s->len - 1] != '\n')
		buf[n++] = '\n';
	s->len = 0;
	return write_all(s->fd, buf, (size_t)n);
}

static ssize_t stream_write(struct stream *s, const char *buf, size_t len)
{
	if (!s->prefix)
		return write_all(s->fd, buf, len);
	for (size_t i = 0; i < len; i++) {
		s->line[s->len++] = buf[i];
		if (buf[i] == '\n' || s->len == sizeof(s->line)) {
			ssize_t r = flush_line(s);

			if (r < 0)
				return r;
		}
	}
	return (ssize_t)len;
}

static ssize_t sink_write(void *ctx, int fd, const void *buf, size_t len)
{
	struct sink *k = ctx;

	return stream_write(fd == 2 ? &k->err : &k->out, buf, len);
}

ssize_t cli_stdin_read(void *ctx, void *buf, size_t len, uint64_t deadline_ns)
{
	(void)ctx;
	for (;;) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		uint64_t now = mono_ns();
		struct timespec ts, *tp = NULL;
		int r;
		ssize_t n;

		if (deadline_ns != UINT64_MAX) {
			if (now >= deadline_ns)
				return -ETIMEDOUT;
			ts.tv_sec = (time_t)((deadline_ns - now) / 1000000000ull);
			ts.tv_nsec = (long)((deadline_ns - now) % 1000000000ull);
			tp = &ts;
		}
		r = ppoll(&p, 1, tp, NULL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			continue; /* the deadline check above ends it */
		n = read(STDIN_FILENO, buf, len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		return n < 0 ? -errno : n;
	}
}

uint32_t cli_tty_flags(void)
{
	/* Asked once, before the jail: isatty is an ioctl, which a jailed
	 * thread may not make on anything but KVM. */
	static int flags = -1;

	if (flags < 0)
		flags = (isatty(STDOUT_FILENO) ? MOTE_BOOT_STDOUT_TTY : 0) |
			(isatty(STDERR_FILENO) ? MOTE_BOOT_STDERR_TTY : 0) |
			(isatty(STDIN_FILENO) ? MOTE_BOOT_STDIN_TTY : 0);
	return (uint32_t)flags;
}

static int open_stream(struct stream *s, const char *dir, unsigned n,
		       const char *ext, int fallback)
{
	char path[4096];

	s->index = n;
	s->fd = fallback;
	s->prefix = !dir;
	if (!dir)
		return 0;
	snprintf(path, sizeof(path), "%s/%u.%s", dir, n, ext);
	s->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (s->fd < 0) {
		struct mote_err e;

		err_set(&e, errno, "%s: %s", path, strerror(errno));
		fprintf(stderr, "mote: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static int open_sinks(const struct run_opts *o, struct sink *sinks)
{
	if (o->output && mkdir(o->output, 0755) < 0 && errno != EEXIST) {
		struct mote_err e;

		err_set(&e, errno, "--output %s: %s", o->output,
			strerror(errno));
		fprintf(stderr, "mote: %s\n", e.msg);
		return -1;
	}
	for (unsigned n = 0; n < o->count; n++) {
		if (open_stream(&sinks[n].out, o->output, n, "out",
				STDOUT_FILENO) < 0 ||
		    open_stream(&sinks[n].err, o->output, n, "err",
				STDERR_FILENO) < 0) {
			if (o->output && sinks[n].out.fd >= 0 &&
			    sinks[n].out.fd != STDOUT_FILENO)
				close(sinks[n].out.fd);
			while (n--) {
				close(sinks[n].out.fd);
				close(sinks[n].err.fd);
			}
			return -1;
		}
	}
	return 0;
}

static void close_sinks(const struct run_opts *o, struct sink *sinks)
{
	for (unsigned n = 0; n < o->count; n++) {
		struct stream *s[2] = { &sinks[n].out, &sinks[n].err };

		for (int k = 0; k < 2; k++) {
			if (s[k]->prefix && s[k]->len)
				flush_line(s[k]);
			if (o->output)
				close(s[k]->fd);
		}
	}
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
	case MOTE_OUTPUT_LIMIT:
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
	uint64_t *ready = calloc(o->count, sizeof(uint64_t));
	size_t nf = 0, nd = 0, nr = 0;

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
			"\"start_to_ready_us\":%.1f,"
			"\"start_to_exit_us\":%.1f,\"resident_kib\":%llu}",
			n ? "," : "", n, mote_outcome_name(r[n].outcome),
			r[n].status, st[n].from_pool ? "true" : "false",
			(unsigned long long)st[n].vm_id,
			us(st[n].t_submit, st[n].t_vm),
			us(st[n].t_vm, st[n].t_loaded),
			us(r[n].t_start, r[n].t_first_insn),
			us(r[n].t_first_insn, r[n].t_exit),
			us(r[n].t_exit, st[n].t_freed),
			us(st[n].t_submit, r[n].t_first_insn),
			us(st[n].t_submit, r[n].t_ready),
			us(st[n].t_submit, r[n].t_exit),
			(unsigned long long)(st[n].resident_bytes >> 10));
		if (first && r[n].t_first_insn)
			first[nf++] = r[n].t_first_insn - st[n].t_submit;
		if (done && r[n].t_exit)
			done[nd++] = r[n].t_exit - st[n].t_submit;
		if (ready && r[n].t_ready)
			ready[nr++] = r[n].t_ready - st[n].t_submit;
		if (mem)
			mem[n] = st[n].resident_bytes;
	}
	fprintf(stderr, "],\"aggregate\":{");
	if (first && done && mem && ready) {
		print_agg("start_to_first_instruction_us", first, nf, 1e3,
			  false);
		print_agg("start_to_ready_us", ready, nr, 1e3, false);
		print_agg("start_to_exit_us", done, nd, 1e3, false);
		print_agg("resident_kib", mem, o->count, 1024.0, true);
	}
	fprintf(stderr, "}}\n");
	free(first);
	free(done);
	free(mem);
	free(ready);
}

/*
 * The first start, to the guest's snapshot point: its output is mote's,
 * its stdin empty. Returns 0 with *snap set, or the status to stop with.
 */
static int take_snapshot(const struct run_opts *o, struct mote_fleet *fleet,
			 const struct mote_image *img,
			 struct mote_snapshot *snap)
{
	struct mote_stdio io = { .max_output = o->max_output,
				 .boot_flags = cli_tty_flags() };
	struct mote_start s = {
		.img = img,
		.args = { o->guest_argc, o->guest_argv, o->env },
		.timeout_ns = o->timeout_ns,
		.stdio = &io,
		.take_snapshot = snap,
	};
	struct mote_instance *inst;
	struct mote_result res;
	struct mote_err err = { "" };

	if (mote_fleet_start(fleet, &s, &inst, &err) < 0) {
		fprintf(stderr, "mote: %s\n", err.msg);
		return MOTE_STATUS_ERROR;
	}
	mote_instance_wait(inst, &res, NULL);
	if (res.outcome == MOTE_SNAPSHOT_TAKEN && snap->taken) {
		if (mote_snapshot_seal(snap, &err) == 0)
			return 0;
		fprintf(stderr, "mote: %s\n", err.msg);
		return MOTE_STATUS_ERROR;
	}
	if (res.outcome == MOTE_EXITED) {
		fprintf(stderr,
			"mote: the guest exited with status %d before its "
			"snapshot point\n",
			res.status);
		return MOTE_STATUS_ERROR;
	}
	fprintf(stderr, "mote: %s%s\n",
		res.outcome == MOTE_TIMED_OUT ? "guest " : "", res.reason);
	return instance_status(&res);
}

int run_many(const struct run_opts *o, const struct mote_image *img,
	     const struct mote_snapshot *snap, bool take,
	     const struct mote_devspec *devs, unsigned ndevs,
	     const struct run_hooks *hooks)
{
	struct mote_snapshot *taken = NULL;
	struct mote_fleet_config cfg = {
		.workers = o->workers,
		.pool = o->pool,
		.mem_size = o->mem,
		.pool_image = snap ? NULL : img,
		.pool_snapshot = snap,
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
	/* A snapshot to take gets its memory file before the jail. */
	if (take && mote_snapshot_reserve(o->mem, &taken, &err) < 0) {
		fprintf(stderr, "mote: %s\n", err.msg);
		status = MOTE_STATUS_ERROR;
		goto close;
	}
	if (hooks->confine) {
		/* Per-instance output files, and a snapshot's memory file,
		 * are all the confined run keeps besides the caller's. */
		int *fds = calloc(2 * (size_t)o->count + 1, sizeof(int));
		size_t n = 0;

		if (fds && taken)
			fds[n++] = taken->ov.memfd;

		for (unsigned i = 0; fds && o->output && i < o->count; i++) {
			fds[n++] = sinks[i].out.fd;
			fds[n++] = sinks[i].err.fd;
		}
		if (!fds)
			err_set(&err, ENOMEM, "out of memory");
		if (!fds || hooks->confine(hooks->ctx, fds, n, &err) < 0) {
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
	if (hooks->seal && hooks->seal(hooks->ctx, &err) < 0) {
		fprintf(stderr, "mote: %s\n", err.msg);
		mote_fleet_destroy(fleet);
		status = MOTE_STATUS_ERROR;
		goto close;
	}
	if (take) {
		status = take_snapshot(o, fleet, img, taken);
		if (status) {
			mote_fleet_destroy(fleet);
			goto close;
		}
		snap = taken;
	}
	/* A warm pool is only warm once it is full. */
	if (o->pool)
		mote_fleet_pool_wait_full(fleet);
	t0 = mono_ns();
	for (unsigned n = 0; n < o->count; n++) {
		/* Guests of a fleet (--count, --pool, --output) have an
		 * empty stdin: mote's own is for a lone guest, whose thread
		 * may wait on it (a fleet worker may not). */
		struct mote_stdio io = {
			.write = sink_write,
			.read = NULL,
			.ctx = &sinks[n],
			.max_output = o->max_output,
			.boot_flags = cli_tty_flags(),
		};
		struct mote_start s = {
			.img = img,
			.args = { o->guest_argc, o->guest_argv, o->env },
			.timeout_ns = o->timeout_ns,
			.stdio = &io,
			.snapshot = snap,
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
	mote_snapshot_free(taken);
close:
	close_sinks(o, sinks);
out:
	free(inst);
	free(res);
	free(st);
	free(sinks);
	return status;
}

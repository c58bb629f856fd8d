/*
 * `mote bench rate`: sustained starts per second, each start run to its
 * exit and torn down (or reset into the pool), with a fixed number in
 * flight; the same for the raw-KVM floor and QEMU microvm.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../guest_abi/mote_abi.h"
#include "fleet.h"
#include "floor.h"
#include "harness.h"
#include "image.h"
#include "timeutil.h"

#define RATE_RUNS    3
#define RATE_SECONDS 2.0
#define RATE_POOL    16
/* Not counted: the pool reaches its steady cycle, caches warm up. */
#define RATE_WARMUP_NS (300 * MS_NS)

struct rctx {
	const struct bench_opts *o;
	struct image_spec is;
	struct mote_image img;
	struct floor_ctx fc;
	size_t out_bytes;
	struct mote_stdio discard; /* counts into out_bytes */
	unsigned workers;
};

static int start_one(struct rctx *c, struct mote_fleet *f,
		     struct mote_instance **h, struct mote_err *err)
{
	struct mote_start s = {
		.img = &c->img,
		.args = { c->is.argc, c->is.argv, NULL },
		.timeout_ns = c->o->timeout_ns,
		.stdio = &c->discard,
	};

	return mote_fleet_start(f, &s, h, err);
}

/* Keeps k starts in flight until `ns` passed, then drains them; counts
 * completions into l when measured. Returns the completions. */
static long mote_loop(struct rctx *c, struct mote_fleet *f, unsigned k,
		      uint64_t ns, struct rate_line *l, bool measured,
		      uint64_t *elapsed, struct mote_err *err)
{
	struct mote_instance **h = calloc(k, sizeof(*h));
	uint64_t t0 = mono_ns(), end = t0 + ns;
	unsigned live = 0;
	long done = 0;

	if (!h)
		return err_set(err, ENOMEM, "out of memory");
	for (unsigned i = 0; i < k; i++)
		if (start_one(c, f, &h[i], err) == 0)
			live++;
	/* Oldest first: the starts are alike, so they end in about the
	 * order they began. */
	for (unsigned i = 0; live; i = (i + 1) % k) {
		struct mote_result res;
		struct mote_instance_stats st;
		struct run_sample rs = {0};

		if (!h[i])
			continue;
		mote_instance_wait(h[i], &res, &st);
		h[i] = NULL;
		live--;
		if (res.outcome != MOTE_EXITED) {
			if (measured)
				series_fail(&l->ser, "%s", res.reason);
		} else {
			done++;
		}
		if (measured && res.outcome == MOTE_EXITED) {
			rs.src = res.t_ready	    ? READY_HC
				 : res.t_first_insn ? READY_FIRST_INSN
						    : READY_NONE;
			rs.ready = rs.src == READY_HC ? res.t_ready
				   : rs.src == READY_FIRST_INSN
					   ? res.t_first_insn
					   : st.t_submit;
			rs.ready = rs.ready > st.t_submit
					   ? rs.ready - st.t_submit
					   : 0;
			rs.exit = res.t_exit - st.t_submit;
			l->ser.from_pool += st.from_pool;
			if (res.status != 0)
				l->ser.nonzero_exit++;
			series_add(&l->ser, &rs);
		}
		if (mono_ns() < end && start_one(c, f, &h[i], err) == 0)
			live++;
	}
	*elapsed = mono_ns() - t0;
	free(h);
	return done;
}

/* One run of mote: a fresh fleet (pooled or not), warm-up, measured. */
static int mote_run(struct rctx *c, bool pooled, unsigned run,
		    struct rate_line *l, struct mote_err *err)
{
	struct mote_fleet_config cfg = {
		.workers = c->workers,
		.pool = pooled ? RATE_POOL : 0,
		.mem_size = c->o->mem,
		.pool_image = pooled ? &c->img : NULL,
	};
	struct mote_fleet *f;
	uint64_t elapsed;
	long done;
	int rc;

	rc = mote_fleet_create(&cfg, &f, err);
	if (rc < 0)
		return rc;
	if (pooled)
		mote_fleet_pool_wait_full(f);
	l->inflight = 2 * c->workers;
	mote_loop(c, f, l->inflight, RATE_WARMUP_NS, l, false, &elapsed, err);
	done = mote_loop(c, f, l->inflight, (uint64_t)(c->o->seconds * 1e9), l,
			 true, &elapsed, err);
	mote_fleet_destroy(f);
	l->per_s_run[run] = done / (elapsed / 1e9);
	return 0;
}

/* ---- floor and QEMU: threads that each start one after another ---- */

struct loop_thread {
	struct rctx *c;
	bool qemu;
	uint64_t end;
	struct series ser;
	long done;
};

static void *loop_main(void *arg)
{
	struct loop_thread *t = arg;
	char why[256];

	while (mono_ns() < t->end) {
		struct run_sample rs = {.src = READY_HC};
		struct floor_sample f;
		int rc;

		if (t->qemu) {
			rc = qemu_boot(&t->c->o->qemu, t->c->o->timeout_ns,
				       &rs.ready, &rs.exit, why, sizeof(why));
		} else {
			rc = floor_once(&t->c->fc, FLOOR_HLT, &f, why,
					sizeof(why));
			rs.ready = rs.exit = f.t_first_exit - f.t_start;
			rs.end = f.t_closed - f.t_start;
		}
		if (rc < 0) {
			series_fail(&t->ser, "%s", why);
			continue;
		}
		t->done++;
		series_add(&t->ser, &rs);
	}
	return NULL;
}

static int threads_run(struct rctx *c, bool qemu, unsigned n, unsigned run,
		       struct rate_line *l, struct mote_err *err)
{
	struct loop_thread t[64];
	pthread_t id[64];
	uint64_t t0 = mono_ns();
	long done = 0;

	n = n > 64 ? 64 : n;
	l->inflight = n;
	for (unsigned i = 0; i < n; i++) {
		t[i] = (struct loop_thread){.c = c, .qemu = qemu};
		t[i].end = t0 + (uint64_t)(c->o->seconds * 1e9);
		if (pthread_create(&id[i], NULL, loop_main, &t[i]) != 0) {
			n = i;
			break;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		pthread_join(id[i], NULL);
		done += t[i].done;
		for (size_t k = 0; k < t[i].ser.n; k++)
			series_add(&l->ser, &t[i].ser.s[k]);
		if (t[i].ser.failed)
			series_fail(&l->ser, "%s", t[i].ser.error);
		series_free(&t[i].ser);
	}
	if (!n)
		return err_set(err, EAGAIN, "rate: cannot create threads");
	l->per_s_run[run] = done / ((mono_ns() - t0) / 1e9);
	return 0;
}

static void describe(struct rate_result *r, const struct bench_opts *o)
{
	static const char *const names[R_NLINES] = {"pooled", "cold", "floor",
						    "qemu"};
	static const char *const what[R_NLINES] = {
		"mote, warm pool of 16: start -> exit -> VM reset into the "
		"pool; 2 starts in flight per worker",
		"mote, no pool: create -> run -> exit -> destroy (on the "
		"housekeeper thread); 2 starts in flight per worker",
		"raw KVM: one thread per CPU, each create -> run to first exit "
		"-> close, back to back",
		"QEMU microvm processes: one per CPU at a time, each spawn -> "
		"ready -> exit -> reaped, back to back",
	};

	for (int k = 0; k < R_NLINES; k++) {
		r->line[k].name = names[k];
		r->line[k].what = what[k];
	}
	r->line[R_FLOOR].ser.ready_label = "its only exit (hlt)";
	r->line[R_QEMU].ser.ready_label = "'R' read from its debugcon";
	if (o->no_floor)
		r->line[R_FLOOR].status = "skipped (--no-floor)";
	if (o->no_qemu)
		r->line[R_QEMU].status = "skipped (--no-qemu)";
	else if (o->qemu.status)
		r->line[R_QEMU].status = o->qemu.status;
}

int bench_rate(const struct bench_opts *o, struct rate_result *r,
	       struct mote_err *err)
{
	struct rctx c = {.o = o,
				   .discard = {.write = bench_discard}};
	c.discard.ctx = &c.out_bytes;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	char why[256];
	int rc = 0;

	memset(r, 0, sizeof(*r));
	bench_image(o, "hello", NULL, 0, &c.is);
	image_label(&c.is, r->image, sizeof(r->image));
	r->is = c.is;
	r->runs = o->runs ? o->runs : RATE_RUNS;
	r->runs = r->runs > RATE_MAX_RUNS ? RATE_MAX_RUNS : r->runs;
	r->seconds = o->seconds;
	/* The fleet's default, spelled out so that "in flight" is known. */
	c.workers = (unsigned)(ncpu > 0 ? 2 * ncpu : 2);
	describe(r, o);
	rc = image_open(c.is.path, o->mem, &c.img, err);
	if (rc < 0)
		return rc;
	c.fc.kvm_fd = -1;
	if (!r->line[R_FLOOR].status && floor_open(&c.fc, why, sizeof(why)) < 0)
		r->line[R_FLOOR].status = "failed: cannot open /dev/kvm";
	bench_phase(o, "rate: %s, %u runs of %.1f s per system", c.is.path,
		    r->runs, r->seconds);
	/* Runs alternate the systems, so drift in the host hits all. */
	for (unsigned run = 0; run < r->runs && rc == 0; run++) {
		rc = mote_run(&c, true, run, &r->line[R_POOLED], err);
		if (!rc)
			rc = mote_run(&c, false, run, &r->line[R_COLD], err);
		if (!rc && !r->line[R_FLOOR].status)
			rc = threads_run(&c, false, (unsigned)ncpu, run,
					 &r->line[R_FLOOR], err);
		if (!rc && !r->line[R_QEMU].status)
			rc = threads_run(&c, true, (unsigned)ncpu, run,
					 &r->line[R_QEMU], err);
	}
	floor_close(&c.fc);
	image_close(&c.img);
	if (rc < 0)
		return rc;
	for (int k = 0; k < R_NLINES; k++) {
		struct rate_line *l = &r->line[k];

		if (l->status)
			continue;
		double v[RATE_MAX_RUNS];

		/* the median sorts: the report keeps the runs in order */
		memcpy(v, l->per_s_run, sizeof(v));
		l->per_s = stats_median_d(v, r->runs);
		if (series_finish(&l->ser) < 0)
			return err_set(err, ENOMEM, "out of memory");
	}
	if (!r->line[R_POOLED].ser.n)
		return err_set(err, EIO, "rate: no start of %s succeeded: %s",
			       c.is.path, r->line[R_POOLED].ser.error);
	return 0;
}

void rate_free(struct rate_result *r)
{
	for (int k = 0; k < R_NLINES; k++)
		series_free(&r->line[k].ser);
}

void rate_json(struct jw *j, const struct rate_result *r)
{
	jw_obj(j, "rate");
	jw_str(j, "image", r->image);
	image_spec_json(j, &r->is);
	jw_int(j, "runs", r->runs);
	jw_num(j, "seconds_per_run", r->seconds, 2);
	jw_str(j, "per_second", "completed starts / elapsed, median of runs");
	jw_obj(j, "systems");
	for (int k = 0; k < R_NLINES; k++) {
		const struct rate_line *l = &r->line[k];

		jw_obj(j, l->name);
		jw_str(j, "what", l->what);
		jw_str(j, "status", l->status ? l->status : "measured");
		if (!l->status) {
			jw_int(j, "in_flight", l->inflight);
			jw_num(j, "per_second", l->per_s, 1);
			jw_arr(j, "per_second_runs");
			for (unsigned i = 0; i < r->runs; i++)
				jw_num(j, NULL, l->per_s_run[i], 1);
			jw_arr_end(j);
			jw_int(j, "starts", (long long)l->ser.n);
			jw_int(j, "failed", l->ser.failed);
			if (l->ser.error[0])
				jw_str(j, "first_error", l->ser.error);
			jw_int(j, "from_pool", l->ser.from_pool);
			jw_str(j, "ready_source", series_ready_label(&l->ser));
			jw_int(j, "ready_missing", l->ser.ready_missing);
			jw_stats_us(j, "to_ready_us", &l->ser.to_ready);
			jw_stats_us(j, "to_exit_us", &l->ser.to_exit);
		}
		jw_obj_end(j);
	}
	jw_obj_end(j);
	jw_obj_end(j);
}

void rate_print(FILE *f, const struct rate_result *r)
{
	fprintf(f,
		"rate: %s, %u runs of %.1f s per system; starts/s (median), "
		"latency per start in microseconds\n",
		r->image, r->runs, r->seconds);
	fprintf(f, "  %-8s %9s %9s %11s %11s %11s\n", "", "starts/s",
		"in flight", "ready p50", "exit p50", "exit p99");
	for (int k = 0; k < R_NLINES; k++) {
		const struct rate_line *l = &r->line[k];

		if (l->status) {
			fprintf(f, "  %-8s %s\n", l->name, l->status);
			continue;
		}
		fprintf(f, "  %-8s %9.1f %9u %11.1f %11.1f %11.1f", l->name,
			l->per_s, l->inflight, l->ser.to_ready.p50 / 1e3,
			l->ser.to_exit.p50 / 1e3, l->ser.to_exit.p99 / 1e3);
		if (l->ser.failed)
			fprintf(f, "  %u failed: %s", l->ser.failed,
				l->ser.error);
		fputc('\n', f);
	}
}

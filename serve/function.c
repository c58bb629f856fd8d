/*
 * Function runtimes (function.h): images and disks opened before the
 * jail, a fleet per function, and invocations started on them with the
 * request's body, environment and output buffers as the guest's streams.
 */
#include "function.h"

#include "../monitor/snapshot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../blk/blk.h"
#include "../monitor/device.h"
#include "../monitor/fleet.h"
#include "../monitor/image.h"

struct fn_rt {
	const struct serve_function_cfg *cfg;
	struct mote_image img;
	bool have_img;
	struct blk_disk *disks[MOTE_MAX_DEVICES];
	struct mote_devspec devs[MOTE_MAX_DEVICES];
	struct mote_fleet *fleet;
	/* snapshot=on: reserved before the jail, taken at start-up */
	struct mote_snapshot *snap;
	char *argv[SERVE_MAX_ARGS + 2];
	int argc;
};

struct serve_functions {
	const struct serve_config *cfg;
	struct fn_rt *fns;
	unsigned n;
};

int serve_functions_open(const struct serve_config *c,
			 struct serve_functions **out, struct mote_err *err)
{
	struct serve_functions *s = calloc(1, sizeof(*s));

	if (!s || !(s->fns = calloc(c->nfns, sizeof(*s->fns)))) {
		free(s);
		return err_set(err, ENOMEM, "out of memory");
	}
	s->cfg = c;
	for (unsigned i = 0; i < c->nfns; i++) {
		const struct serve_function_cfg *f = &c->fns[i];
		struct fn_rt *rt = &s->fns[i];
		struct mote_err e;

		rt->cfg = f;
		s->n = i + 1; /* closed on failure from here on */
		if (image_open(f->image, f->mem, &rt->img, &e) < 0) {
			serve_functions_close(s);
			return err_set(err, EINVAL, "function '%s': %s", f->name,
				       e.msg);
		}
		rt->have_img = true;
		/* Its memory file is made now: in the jail it cannot be. */
		if (f->snapshot &&
		    mote_snapshot_reserve(f->mem, &rt->snap, &e) < 0) {
			serve_functions_close(s);
			return err_set(err, EINVAL, "function '%s': %s", f->name,
				       e.msg);
		}
		for (unsigned k = 0; k < f->ndisks; k++) {
			const struct disk_opt *d = &f->disks[k];

			if (blk_disk_open(d->path, true, d->direct,
					  &rt->disks[k], &e) < 0) {
				serve_functions_close(s);
				return err_set(err, EINVAL, "function '%s': %s",
					       f->name, e.msg);
			}
			rt->devs[k].ops = &blk_ops;
			rt->devs[k].backend = rt->disks[k];
		}
		/* argv[0] is the function's name, as a CGI script's is its
		 * own; the configured arguments follow. */
		rt->argv[rt->argc++] = (char *)f->name;
		for (unsigned k = 0; k < f->nargs; k++)
			rt->argv[rt->argc++] = f->args[k];
		rt->argv[rt->argc] = NULL;
	}
	*out = s;
	return 0;
}

size_t serve_functions_fds(const struct serve_functions *s, int *fds,
			   size_t cap)
{
	size_t n = 0;

	for (unsigned i = 0; i < s->n; i++) {
		const struct fn_rt *rt = &s->fns[i];

		if (rt->have_img && n < cap)
			fds[n++] = rt->img.memfd;
		if (rt->snap && n < cap)
			fds[n++] = rt->snap->ov.memfd;
		for (unsigned k = 0; k < rt->cfg->ndisks && n < cap; k++)
			fds[n++] = blk_disk_fd(rt->disks[k]);
	}
	return n;
}

unsigned long serve_functions_fd_need(const struct serve_functions *s,
				      unsigned *max_vms)
{
	unsigned long need = 0;

	*max_vms = 0;
	for (unsigned i = 0; i < s->n; i++) {
		const struct fn_rt *rt = &s->fns[i];
		/* per VM: the VM and vCPU fds, a wake-up eventfd with
		 * devices, and an ioeventfd per queue (as in mote run) */
		unsigned long per_vm = 2, vms;

		for (unsigned k = 0; k < rt->cfg->ndisks; k++)
			per_vm += rt->devs[k].ops->nqueues;
		if (rt->cfg->ndisks)
			per_vm++;
		vms = (unsigned long)rt->cfg->concurrency + rt->cfg->pool;
		need += per_vm * vms;
		*max_vms += (unsigned)vms;
	}
	return need;
}

/*
 * snapshot=on: one run of the function, with its arguments and an empty
 * environment and stdin, to its snapshot point; requests then start from
 * there, and the pool holds VMs with the snapshot mapped.
 */
static int take_snapshot(struct fn_rt *rt, struct mote_err *err)
{
	struct mote_start st = {
		.img = &rt->img,
		.args = { rt->argc, rt->argv, NULL },
		.timeout_ns = rt->cfg->timeout_ns,
		.take_snapshot = rt->snap,
	};
	struct mote_instance *inst;
	struct mote_result res;
	struct mote_err e;

	if (mote_fleet_start(rt->fleet, &st, &inst, &e) < 0)
		return err_set(err, EINVAL, "function '%s': %s", rt->cfg->name,
			       e.msg);
	mote_instance_wait(inst, &res, NULL);
	if (res.outcome != MOTE_SNAPSHOT_TAKEN || !rt->snap->taken) {
		if (res.outcome == MOTE_EXITED)
			return err_set(err, EINVAL,
				       "function '%s': the guest exited with "
				       "status %d before its snapshot point",
				       rt->cfg->name, res.status);
		return err_set(err, EINVAL, "function '%s': snapshot: %s",
			       rt->cfg->name, res.reason);
	}
	if (mote_snapshot_seal(rt->snap, &e) < 0)
		return err_set(err, EINVAL, "function '%s': %s", rt->cfg->name,
			       e.msg);
	mote_fleet_pool_snapshot(rt->fleet, rt->snap);
	return 0;
}

int serve_functions_start(struct serve_functions *s, struct mote_err *err)
{
	for (unsigned i = 0; i < s->n; i++) {
		struct fn_rt *rt = &s->fns[i];
		struct mote_fleet_config fc = {
			.workers = s->cfg->workers,
			.pool = rt->cfg->pool,
			.mem_size = rt->cfg->mem,
			.pool_image = &rt->img,
			.devices = rt->devs,
			.ndevices = rt->cfg->ndisks,
		};
		struct mote_err e;

		if (mote_fleet_create(&fc, &rt->fleet, &e) < 0) {
			rt->fleet = NULL;
			return err_set(err, EINVAL, "function '%s': %s",
				       rt->cfg->name, e.msg);
		}
		if (rt->snap && take_snapshot(rt, err) < 0)
			return -EINVAL;
	}
	return 0;
}

static void on_done(void *ctx)
{
	struct serve_invocation *inv = ctx;

	inv->done(inv);
}

static int fn_start(void *ctx, unsigned fn, struct serve_invocation *inv,
		    struct mote_err *err)
{
	struct serve_functions *s = ctx;
	struct fn_rt *rt = &s->fns[fn];
	struct mote_stdio io = serve_invocation_stdio;
	struct mote_start st = {
		.img = &rt->img,
		.args = { rt->argc, rt->argv, inv->envp },
		.timeout_ns = rt->cfg->timeout_ns,
		.stdio = &io,
		.snapshot = rt->snap,
		.on_done = on_done,
		.done_ctx = inv,
	};

	io.ctx = inv;
	/* The fleet stops a guest whose stdout and stderr together pass
	 * this; stdout alone is held to max_response by the callback. */
	io.max_output = inv->max_response + SERVE_STDERR_MAX;
	return mote_fleet_start(rt->fleet, &st,
				(struct mote_instance **)&inv->handle, err);
}

static void fn_collect(void *ctx, unsigned fn, struct serve_invocation *inv)
{
	(void)ctx;
	(void)fn;
	mote_instance_wait(inv->handle, &inv->res, &inv->st);
	inv->handle = NULL;
}

static unsigned fn_pooled(void *ctx, unsigned fn, unsigned *target)
{
	struct serve_functions *s = ctx;

	*target = s->fns[fn].cfg->pool;
	return s->fns[fn].fleet ? mote_fleet_pool_ready(s->fns[fn].fleet) : 0;
}

void serve_functions_backend(struct serve_functions *s,
			     struct serve_backend *b)
{
	b->start = fn_start;
	b->collect = fn_collect;
	b->pooled = fn_pooled;
	b->ctx = s;
}

void serve_functions_close(struct serve_functions *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->n; i++) {
		struct fn_rt *rt = &s->fns[i];

		mote_fleet_destroy(rt->fleet);
		mote_snapshot_free(rt->snap);
		for (unsigned k = 0; k < MOTE_MAX_DEVICES; k++)
			if (rt->disks[k])
				blk_disk_close(rt->disks[k]);
		if (rt->have_img)
			image_close(&rt->img);
	}
	free(s->fns);
	free(s);
}

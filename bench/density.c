/*
 * `mote bench density`: ramps the number of concurrent idle VMs (100, 250,
 * 500, 1000, ...) until a memory, time or file-descriptor bound, and at
 * each step reports host memory per VM and the time until all are ready,
 * for mote, the raw-KVM floor and (at small steps) QEMU microvm.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../guest_abi/mote_abi.h"
#include "cgroup.h"
#include "fleet.h"
#include "floor.h"
#include "harness.h"
#include "image.h"
#include "meminfo.h"
#include "timeutil.h"

static const unsigned default_steps[] = {100,  250,   500,   1000,  2500,
					 5000, 10000, 25000, 50000, 100000};
#define NDEFAULT (sizeof(default_steps) / sizeof(default_steps[0]))

/* "Quiet": over this window MemAvailable moved by at most 1 MiB and, for
 * mote, this process used at most this share of a CPU (every worker
 * asleep, so every guest is parked in its wait). */
#define QUIET_WINDOW_NS	   (200 * MS_NS)
#define QUIET_CPU_SHARE	   0.05
#define BASELINE_WINDOW_NS (500 * MS_NS)
#define BASELINE_MAX_NS	   (15 * S_NS)
/* How long every VM of a step lives: enough to all start, settle and be
 * sampled. The first step guesses the start cost; later ones use the
 * previous step's. */
#define HOLD_MIN_NS	 (2 * S_NS)
#define GUESS_NS_PER_VM	 (3 * MS_NS)
#define SAMPLE_MARGIN_NS (300 * MS_NS)
/* fds per VM: the VM, its vCPU, its wake-up eventfd. */
#define FDS_PER_VM	      3
#define FDS_SPARE	      64
#define QEMU_MAX_DEFAULT      100
#define QEMU_READY_TIMEOUT_NS (60 * S_NS)
#define MAX_SECONDS_DEFAULT   10.0
/* Between the memory samples of one step. */
#define SAMPLE_GAP_NS (100 * MS_NS)
/* The most one VM can use: its guest memory (mote: --mem; the floor: its
 * 2 MiB memslot; QEMU: -m 16M plus this much for the QEMU process). */
#define FLOOR_VM_KIB	(2 * 1024)
#define QEMU_VM_KIB	(16 * 1024)
#define QEMU_PROCESS_KIB (64 * 1024)

struct dctx {
	const struct bench_opts *o;
	struct image_spec is;
	struct mote_image img;
	struct floor_ctx fc;
	size_t out_bytes;
	struct mote_stdio discard; /* counts into out_bytes */
	uint64_t ns_per_vm; /* mote's last all-ready time per VM */
	unsigned last_n;    /* ... at this many VMs */
	bool use_cgroup;    /* else MemAvailable is the measure */
	unsigned seq;	    /* cgroups made so far */
};

/*
 * Each system holds its VMs in a child process of its own, in a memory
 * cgroup of its own, so that the kernel's accounting of the group is what
 * those VMs cost. The child says when every VM is up and idle; the
 * parent then samples and answers when it is done.
 */
struct holder {
	int to_parent, from_parent;
	struct memsample base; /* in the child, before the first VM */
	uint64_t t_sample;     /* when the child asked for the samples */
	uint64_t t_sampled;    /* when the parent said it had them */
};

/* In the child: lets the parent sample; false if it is gone. */
static bool holder_sample(struct holder *hd)
{
	char c = 'S';

	hd->t_sample = mono_ns();
	if (write(hd->to_parent, &c, 1) != 1 || read(hd->from_parent, &c, 1) != 1)
		return false;
	hd->t_sampled = mono_ns();
	return true;
}

/* Waits until the host's memory is steady: what a previous step freed has
 * come back, so the next step is compared against a settled baseline. */
static void baseline(struct memsample *b)
{
	mem_wait_quiet(BASELINE_WINDOW_NS, -1, mono_ns() + BASELINE_MAX_NS, b);
}

struct inst {
	struct mote_instance *h;
	struct mote_result res;
	struct mote_instance_stats st;
};

/* n instances of the image, each stopped by its timeout after `hold`. */
static void mote_hold(struct dctx *c, unsigned n, struct hold *h,
		      struct holder *hd)
{
	struct inst *v = calloc(n, sizeof(*v));
	struct mote_fleet_config cfg = {.mem_size = c->o->mem};
	struct mote_start s = {
		.img = &c->img,
		.args = { c->is.argc, c->is.argv, NULL },
		.stdio = &c->discard,
	};
	struct mote_err err = {""};
	struct mote_fleet *f;
	struct memsample at;
	uint64_t t0, hold, last = 0, td;
	unsigned started = 0, late = 0, unknown = 0;
	double per_vm;

	if (!v) {
		h->status = "out of memory";
		return;
	}
	/* The cost per VM grows with the number of VMs (measured: about in
	 * proportion): assume it does, and give the step twice that. */
	per_vm = (double)c->ns_per_vm *
		 (c->last_n && n > c->last_n ? (double)n / c->last_n : 1.0);
	hold = (uint64_t)(2 * per_vm * n) + 2 * S_NS;
	hold = hold < HOLD_MIN_NS ? HOLD_MIN_NS : hold;
	s.timeout_ns = hold;
	if (mote_fleet_create(&cfg, &f, &err) < 0) {
		snprintf(h->note, sizeof(h->note), "%s", err.msg);
		h->status = "failed";
		free(v);
		return;
	}
	t0 = mono_ns();
	for (; started < n; started++)
		if (mote_fleet_start(f, &s, &v[started].h, &err) < 0) {
			snprintf(h->note, sizeof(h->note), "start %u: %s",
				 started, err.msg);
			break;
		}
	/* All parked in their waits: the process and its memory go still. */
	h->quiet = mem_wait_quiet(QUIET_WINDOW_NS, QUIET_CPU_SHARE,
				  t0 + hold - SAMPLE_MARGIN_NS, &at);
	if (!holder_sample(hd))
		hd->t_sampled = hd->t_sample = at.t;
	for (unsigned i = 0; i < started; i++) {
		struct inst *x = &v[i];
		uint64_t ready;

		mote_instance_wait(x->h, &x->res, &x->st);
		if (x->res.outcome != MOTE_EXITED &&
		    x->res.outcome != MOTE_TIMED_OUT) {
			if (!h->failed++ && !h->note[0])
				snprintf(h->note, sizeof(h->note), "%s",
					 x->res.reason);
			continue;
		}
		/* Without READY, the first instruction; a guest stopped by
		 * its timeout never reported that either: ready unknown. */
		ready = x->res.t_ready;
		if (!ready) {
			h->ready_missing++;
			ready = x->res.t_first_insn;
		}
		last = ready > last ? ready : last;
		/* Valid only if ready before the samples and alive after. */
		if (x->res.t_exit <= hd->t_sampled)
			h->early++;
		else if (!ready)
			unknown++;
		else if (ready > hd->t_sample)
			late++;
		else
			h->ready++;
	}
	/* An image that never says READY, alive at the sample, is taken as
	 * idle; where the image does say it, one that did not was late. */
	if (h->ready_missing == started)
		h->ready += unknown;
	else
		late += unknown;
	td = mono_ns();
	mote_fleet_destroy(f);
	h->teardown_ns = mono_ns() - td;
	h->all_ready_ns = last > t0 ? last - t0 : 0;
	if (hd->base.rss_kb >= 0 && at.rss_kb >= 0)
		h->rss_kib_per_vm = (double)(at.rss_kb - hd->base.rss_kb) / n;
	h->valid = h->ready == n && h->quiet;
	if (!h->note[0] && !h->valid)
		snprintf(h->note, sizeof(h->note),
			 "at the sample %u of %u were ready and idle (%u not "
			 "yet ready, %u already ended)%s",
			 h->ready, n, late, h->early,
			 h->quiet ? "" : "; memory never settled");
	free(v);
}

/*
 * The same start, from a warm pool: n VMs created, image-mapped and
 * warmed up ahead of time (filled before the clock starts), then n
 * starts at once; first start -> last READY.
 */
#define WARM_BATCH 100
static void warm_batch(struct dctx *c, struct density_result *r)
{
	static char *const args[] = {"idle", "50"}; /* ready, then park */
	struct inst *v = calloc(WARM_BATCH, sizeof(*v));
	struct mote_fleet_config cfg = {
		.mem_size = c->o->mem,
		.pool = WARM_BATCH,
		.pool_image = &c->img,
	};
	struct mote_start s = {
		.img = &c->img,
		.args = { 2, args, NULL },
		.timeout_ns = 10 * S_NS,
		.stdio = &c->discard,
	};
	struct mote_err err = {""};
	struct mote_fleet *f;
	uint64_t t0, last = 0, last_first = 0;
	unsigned started = 0;

	r->warm_n = WARM_BATCH;
	if (!v || mote_fleet_create(&cfg, &f, &err) < 0) {
		snprintf(r->warm_note, sizeof(r->warm_note), "%s",
			 v ? err.msg : "out of memory");
		free(v);
		return;
	}
	mote_fleet_pool_wait_full(f);
	t0 = mono_ns();
	for (; started < WARM_BATCH; started++)
		if (mote_fleet_start(f, &s, &v[started].h, &err) < 0)
			break;
	for (unsigned i = 0; i < started; i++) {
		struct inst *x = &v[i];
		uint64_t ready;

		mote_instance_wait(x->h, &x->res, &x->st);
		ready = x->res.t_ready ? x->res.t_ready : x->res.t_first_insn;
		if (x->res.outcome != MOTE_EXITED || !ready) {
			snprintf(r->warm_note, sizeof(r->warm_note),
				 "instance %u: %s", i,
				 x->res.reason[0] ? x->res.reason : "no ready");
			last = 0;
			break;
		}
		last = ready > last ? ready : last;
		/* From the TSC the guest read at its first instruction. */
		if (x->res.t_first_insn > last_first)
			last_first = x->res.t_first_insn;
	}
	if (started < WARM_BATCH && !r->warm_note[0])
		snprintf(r->warm_note, sizeof(r->warm_note), "start %u: %s",
			 started, err.msg);
	r->warm_all_ready_ns = last > t0 && !r->warm_note[0] ? last - t0 : 0;
	r->warm_all_first_ns = r->warm_all_ready_ns && last_first > t0
				       ? last_first - t0
				       : 0;
	mote_fleet_destroy(f);
	free(v);
}

/* n raw-KVM VMs created one after the other, each run to its first exit,
 * all held open at once. */
static void floor_step(struct dctx *c, unsigned n, struct hold *h,
		       struct holder *hd)
{
	struct floor_vm *v = calloc(n, sizeof(*v));
	struct memsample at;
	struct floor_sample s;
	char why[256];
	uint64_t t0, td;
	unsigned made = 0;

	if (!v) {
		h->status = "out of memory";
		return;
	}
	t0 = mono_ns();
	for (; made < n; made++)
		if (floor_hold(&c->fc, FLOOR_HLT, &v[made], &s, why,
			       sizeof(why)) < 0) {
			snprintf(h->note, sizeof(h->note), "VM %u: %s",
				 made + 1, why);
			break;
		}
	h->all_ready_ns = mono_ns() - t0;
	h->quiet = mem_wait_quiet(QUIET_WINDOW_NS, QUIET_CPU_SHARE,
				  mono_ns() + 5 * S_NS, &at);
	holder_sample(hd);
	td = mono_ns();
	for (unsigned i = 0; i < made; i++)
		floor_release(&v[i]);
	h->teardown_ns = mono_ns() - td;
	h->ready = made;
	h->valid = made == n && h->quiet;
	free(v);
}

/* n QEMU processes on the idle PVH guest, all started at once. */
static void qemu_step(struct dctx *c, unsigned n, struct hold *h,
		      struct holder *hd)
{
	struct child *v = calloc(n, sizeof(*v));
	struct memsample at;
	uint64_t t0, deadline, td;
	unsigned started = 0;

	if (!v) {
		h->status = "out of memory";
		return;
	}
	t0 = mono_ns();
	for (; started < n; started++) {
		int rc = qemu_start_idle(&c->o->qemu, &v[started]);

		if (rc < 0) {
			snprintf(h->note, sizeof(h->note), "QEMU %u: %s",
				 started + 1, strerror(-rc));
			break;
		}
	}
	deadline = mono_ns() + QEMU_READY_TIMEOUT_NS;
	for (unsigned i = 0; i < started; i++)
		if (qemu_ready(&v[i], deadline) == 0)
			h->ready++;
	h->all_ready_ns = mono_ns() - t0;
	/* Other processes: our own CPU share says nothing about them. */
	h->quiet =
		mem_wait_quiet(QUIET_WINDOW_NS, -1, mono_ns() + 5 * S_NS, &at);
	holder_sample(hd);
	td = mono_ns();
	for (unsigned i = 0; i < started; i++)
		child_wait(&v[i], true);
	h->teardown_ns = mono_ns() - td;
	h->valid = h->ready == n && h->quiet;
	if (!h->valid && !h->note[0])
		snprintf(h->note, sizeof(h->note), "%u of %u said ready%s",
			 h->ready, n, h->quiet ? "" : "; memory never settled");
	free(v);
}

enum sys { SYS_MOTE, SYS_FLOOR, SYS_QEMU };

/* In the child: into the cgroup, then hold n VMs of the system. */
static _Noreturn void hold_child(struct dctx *c, enum sys which, unsigned n,
				 const struct memcg *cg, struct hold *h,
				 struct holder *hd)
{
	if (cg->version && memcg_join(cg, getpid()) < 0) {
		h->status = "failed";
		snprintf(h->note, sizeof(h->note), "cannot join %.280s",
			 cg->dir);
		_exit(1);
	}
	mem_watch(cg);
	mem_sample(&hd->base);
	if (which == SYS_MOTE)
		mote_hold(c, n, h, hd);
	else if (which == SYS_FLOOR)
		floor_step(c, n, h, hd);
	else
		qemu_step(c, n, h, hd);
	_exit(0);
}

/* The parent's samples: usage of the cgroup over its value at the child's
 * start (or the drop in MemAvailable), per VM, SAMPLE_GAP_NS apart. */
static void take_samples(const struct memcg *cg, const struct memsample *base,
			 long long cg_base, unsigned n, struct hold *h)
{
	double avail[MEM_SAMPLES], kmem = -1;

	for (unsigned i = 0; i < MEM_SAMPLES; i++) {
		struct memcg_usage u;
		struct memsample m;

		if (i)
			nanosleep(&(struct timespec){0, SAMPLE_GAP_NS}, NULL);
		mem_sample(&m);
		avail[i] = mem_avail_drop_kib(base, &m, n);
		if (cg->version && memcg_read(cg, &u) == 0) {
			h->mem.kib[h->mem.n++] = (double)(u.kib - cg_base) / n;
			kmem = u.kmem_kib >= 0 ? (double)u.kmem_kib / n : -1;
		} else if (!cg->version) {
			h->mem.kib[h->mem.n++] = avail[i];
		}
	}
	h->avail_kib_per_vm = stats_median_d(avail, MEM_SAMPLES);
	h->kmem_kib_per_vm = kmem;
}

/* One system at one step: a child in a fresh cgroup holds n VMs. */
static void hold_step(struct dctx *c, enum sys which, unsigned n,
		      double limit_kib, struct hold *h)
{
	struct hold *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct holder hd = {0};
	struct memcg cg = {0};
	struct memsample base;
	int up[2] = {-1, -1}, down[2] = {-1, -1}, st = 0;
	char name[64], ch;
	pid_t pid = -1;

	if (sh == MAP_FAILED) {
		h->status = "out of memory";
		return;
	}
	memset(sh, 0, sizeof(*sh));
	baseline(&base);
	snprintf(name, sizeof(name), "mote-bench-%d-%u", (int)getpid(),
		 c->seq++);
	if (c->use_cgroup && memcg_create(&cg, name) < 0) {
		h->status = "failed";
		snprintf(h->note, sizeof(h->note), "%s", cg.why);
		goto out;
	}
	if (pipe2(up, O_CLOEXEC) < 0 || pipe2(down, O_CLOEXEC) < 0 ||
	    (pid = fork()) < 0) {
		h->status = "failed";
		snprintf(h->note, sizeof(h->note), "cannot fork: %s",
			 strerror(errno));
		goto out;
	}
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		hd.to_parent = up[1];
		hd.from_parent = down[0];
		hold_child(c, which, n, &cg, sh, &hd);
	}
	close(up[1]);
	close(down[0]);
	up[1] = down[0] = -1;
	/* The child's group is empty until it joins: usage starts at 0. */
	if (read(up[0], &ch, 1) == 1) {
		take_samples(&cg, &base, 0, n, sh);
		if (write(down[1], "D", 1) != 1)
			kill(pid, SIGKILL);
	}
	close(down[1]);
	down[1] = -1;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	*h = *sh;
	if (!h->status && (!WIFEXITED(st) || WEXITSTATUS(st) != 0)) {
		h->status = "failed";
		if (!h->note[0])
			snprintf(h->note, sizeof(h->note),
				 "the holding process ended with status %#x",
				 st);
	}
	h->mem.limit_kib = limit_kib;
	if (!h->status) {
		if (!mem_judge(&h->mem)) {
			h->valid = false;
			snprintf(h->note, sizeof(h->note), "%s", h->mem.why);
		}
		h->kib_per_vm = h->mem.median;
	}
out:
	for (int i = 0; i < 2; i++) {
		if (up[i] >= 0)
			close(up[i]);
		if (down[i] >= 0)
			close(down[i]);
	}
	memcg_remove(&cg);
	munmap(sh, sizeof(*sh));
}

/* Raises the soft fd limit to the hard one; returns how many VMs fit. */
static unsigned fd_bound(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 10000000)
		return 1000000;
	return rl.rlim_cur > FDS_SPARE
		       ? (unsigned)((rl.rlim_cur - FDS_SPARE) / FDS_PER_VM)
		       : 0;
}

static double worst_kib(const struct density_step *d)
{
	double k = d->mote.kib_per_vm;

	return d->floor.kib_per_vm > k ? d->floor.kib_per_vm : k;
}

/* The kernel's accounting where we can make a memory cgroup; else the
 * drop in MemAvailable, and the report says why. */
static void density_method(struct dctx *c, struct density_result *r)
{
	struct memcg cg;
	char name[64];

	snprintf(name, sizeof(name), "mote-bench-%d-probe", (int)getpid());
	c->use_cgroup = memcg_create(&cg, name) == 0;
	r->cgroup_version = cg.version;
	if (c->use_cgroup)
		snprintf(r->memory_method, sizeof(r->memory_method),
			 "memory cgroup v%d per system and step: the group's "
			 "usage (%s, kernel memory included) over its value "
			 "when the holding process joined, divided by the "
			 "number of VMs; %d samples %.0f ms apart once usage "
			 "stopped moving (1 MiB over 200 ms): median, min, max",
			 cg.version,
			 cg.version == 2 ? "memory.current"
					 : "memory.usage_in_bytes",
			 MEM_SAMPLES, SAMPLE_GAP_NS / 1e6);
	else
		snprintf(r->memory_method, sizeof(r->memory_method),
			 "drop in MemAvailable from a settled baseline, "
			 "divided by the number of VMs (%d samples): no memory "
			 "cgroup (%s), so other processes on the host move "
			 "this figure",
			 MEM_SAMPLES, cg.why);
	memcg_remove(&cg);
}

int bench_density(const struct bench_opts *o, struct density_result *r,
		  struct mote_err *err)
{
	static const char *const idle_args[] = {"86400000"}; /* a day */
	struct dctx c = {.o = o, .ns_per_vm = GUESS_NS_PER_VM,
				   .discard = {.write = bench_discard}};
	c.discard.ctx = &c.out_bytes;
	struct memsample now;
	unsigned fds = fd_bound();
	char why[256];
	int rc;

	memset(r, 0, sizeof(*r));
	bench_image(o, "idle", idle_args, 1, &c.is);
	image_label(&c.is, r->image, sizeof(r->image));
	r->is = c.is;
	if (mem_sample(&now) < 0)
		return err_set(err, ENOENT,
			       "density: cannot read "
			       "/proc/meminfo");
	/* Default bounds: half the memory available now, 10 s to ready. */
	r->max_mem =
		o->max_mem ? o->max_mem : (uint64_t)now.avail_kb * 1024 / 2;
	r->max_seconds =
		o->max_seconds > 0 ? o->max_seconds : MAX_SECONDS_DEFAULT;
	r->max_vms = o->max_vms;
	r->qemu_max_vms = o->qemu_max_vms ? o->qemu_max_vms : QEMU_MAX_DEFAULT;
	density_method(&c, r);
	rc = image_open(c.is.path, o->mem, &c.img, err);
	if (rc < 0)
		return rc;
	warm_batch(&c, r);
	c.fc.kvm_fd = -1;
	if (!o->no_floor && floor_open(&c.fc, why, sizeof(why)) < 0) {
		image_close(&c.img);
		return err_set(err, EIO, "density: %s", why);
	}
	for (unsigned k = 0; k < NDEFAULT && r->nsteps < DENSITY_MAX_STEPS;
	     k++) {
		unsigned n = default_steps[k];
		struct density_step *d = &r->step[r->nsteps];

		if (r->max_vms && n > r->max_vms) {
			snprintf(r->stop, sizeof(r->stop),
				 "--max-vms %u reached", r->max_vms);
			break;
		}
		if (n > fds) {
			snprintf(r->stop, sizeof(r->stop),
				 "file descriptor limit: %u VMs would need "
				 "more than RLIMIT_NOFILE allows (%u VMs)",
				 n, fds);
			break;
		}
		if (r->nsteps && worst_kib(&r->step[r->nsteps - 1]) * 1024 * n >
					 (double)r->max_mem) {
			snprintf(r->stop, sizeof(r->stop),
				 "memory bound: %u VMs would need about %.0f "
				 "MiB, over %.0f MiB",
				 n,
				 worst_kib(&r->step[r->nsteps - 1]) * n / 1024,
				 (double)r->max_mem / (1 << 20));
			break;
		}
		d->vms = n;
		r->nsteps++;
		bench_phase(o, "density: %u VMs", n);
		if (o->no_floor)
			d->floor.status = "skipped (--no-floor)";
		else
			hold_step(&c, SYS_FLOOR, n, FLOOR_VM_KIB, &d->floor);
		hold_step(&c, SYS_MOTE, n, (double)(o->mem >> 10), &d->mote);
		if (d->mote.all_ready_ns && d->mote.ready) {
			c.ns_per_vm = d->mote.all_ready_ns / n;
			c.last_n = n;
		}
		if (o->no_qemu)
			d->qemu.status = "skipped (--no-qemu)";
		else if (o->qemu.status)
			d->qemu.status = o->qemu.status;
		else if (n > r->qemu_max_vms)
			d->qemu.status = "above --qemu-max-vms";
		else if (r->nsteps > 1 &&
			 r->step[r->nsteps - 2].qemu.kib_per_vm * 1024 * n >
				 (double)r->max_mem)
			d->qemu.status = "over the memory bound";
		else
			hold_step(&c, SYS_QEMU, n, QEMU_VM_KIB + QEMU_PROCESS_KIB,
				  &d->qemu);
		if (!d->mote.valid) {
			snprintf(r->stop, sizeof(r->stop), "mote at %u VMs: %s",
				 n, d->mote.note[0] ? d->mote.note : "failed");
			break;
		}
		if (d->mote.all_ready_ns > r->max_seconds * 1e9) {
			snprintf(r->stop, sizeof(r->stop),
				 "time bound: %u VMs took %.1f s to be ready, "
				 "over %.1f s",
				 n, d->mote.all_ready_ns / 1e9, r->max_seconds);
			break;
		}
	}
	if (!r->stop[0])
		snprintf(r->stop, sizeof(r->stop), "largest step done");
	floor_close(&c.fc);
	image_close(&c.img);
	if (!r->nsteps)
		return err_set(err, ERANGE, "density: no step measured: %s",
			       r->stop);
	return 0;
}

bool density_all_valid(const struct density_result *r)
{
	for (unsigned k = 0; k < r->nsteps; k++) {
		const struct hold *h[] = {&r->step[k].mote, &r->step[k].floor,
					  &r->step[k].qemu};

		for (int i = 0; i < 3; i++)
			if (!h[i]->status && !h[i]->valid)
				return false;
	}
	return r->nsteps > 0;
}

void density_hold_json(struct jw *j, const char *key, const struct hold *h,
		       bool mote)
{
	const struct mem_figure *m = &h->mem;
	bool valid = h->valid && m->possible;

	jw_obj(j, key);
	jw_str(j, "status", h->status ? h->status : "measured");
	if (!h->status) {
		jw_bool(j, "valid", valid);
		jw_bool(j, "quiet", h->quiet);
		if (h->note[0])
			jw_str(j, "note", h->note);
		if (!valid)
			jw_str(j, "invalid_reason",
			       !m->possible ? m->why
			       : h->note[0] ? h->note
					    : "not every VM was ready and idle");
		/* An impossible figure is no figure: null, samples kept. */
		if (m->possible) {
			jw_num(j, "host_kib_per_vm", m->median, 1);
			jw_num(j, "host_mib_per_vm", m->median / 1024, 3);
		} else {
			jw_null(j, "host_kib_per_vm");
			jw_null(j, "host_mib_per_vm");
		}
		jw_arr(j, "samples_kib_per_vm");
		for (unsigned i = 0; i < m->n; i++)
			jw_num(j, NULL, m->kib[i], 1);
		jw_arr_end(j);
		jw_num(j, "min_kib_per_vm", m->min, 1);
		jw_num(j, "max_kib_per_vm", m->max, 1);
		jw_num(j, "spread", m->spread, 3);
		jw_num(j, "limit_kib_per_vm", m->limit_kib, 0);
		if (h->kmem_kib_per_vm >= 0)
			jw_num(j, "kernel_kib_per_vm", h->kmem_kib_per_vm, 1);
		else
			jw_null(j, "kernel_kib_per_vm");
		jw_num(j, "memavailable_kib_per_vm", h->avail_kib_per_vm, 1);
		if (mote)
			jw_num(j, "rss_kib_per_vm", h->rss_kib_per_vm, 1);
		jw_num(j, "all_ready_ms", h->all_ready_ns / 1e6, 1);
		jw_int(j, "ready", h->ready);
		if (mote) {
			jw_int(j, "ready_missing", h->ready_missing);
			jw_int(j, "ended_early", h->early);
			jw_int(j, "failed", h->failed);
		}
		jw_num(j, "teardown_ms", h->teardown_ns / 1e6, 1);
	}
	jw_obj_end(j);
}

void density_json(struct jw *j, const struct density_result *r)
{
	jw_obj(j, "density");
	jw_str(j, "image", r->image);
	image_spec_json(j, &r->is);
	jw_int(j, "warm_pool_vms", r->warm_n);
	jw_num(j, "warm_pool_all_ready_ms", r->warm_all_ready_ns / 1e6, 2);
	jw_num(j, "warm_pool_all_first_insn_ms", r->warm_all_first_ns / 1e6,
	       2);
	if (r->warm_note[0])
		jw_str(j, "warm_pool_note", r->warm_note);
	jw_str(j, "memory_method", r->memory_method);
	jw_int(j, "cgroup_version", r->cgroup_version);
	jw_int(j, "samples_per_step", MEM_SAMPLES);
	jw_str(j, "ready",
	       "mote: READY hypercall (else the first instruction if the "
	       "guest reported it, counted in ready_missing); floor: all "
	       "created and run to their first "
	       "exit, one after the other; qemu: 'R' read from each "
	       "debugcon");
	jw_num(j, "max_mem_mib", r->max_mem / 1048576.0, 0);
	jw_num(j, "max_seconds", r->max_seconds, 1);
	jw_int(j, "max_vms", r->max_vms);
	jw_int(j, "qemu_max_vms", r->qemu_max_vms);
	jw_str(j, "stopped_because", r->stop);
	jw_list(j, "steps");
	for (unsigned k = 0; k < r->nsteps; k++) {
		const struct density_step *d = &r->step[k];

		jw_obj(j, NULL);
		jw_int(j, "vms", d->vms);
		density_hold_json(j, "mote", &d->mote, true);
		density_hold_json(j, "floor", &d->floor, false);
		density_hold_json(j, "qemu", &d->qemu, false);
		jw_obj_end(j);
	}
	jw_arr_end(j);
	jw_obj_end(j);
}

static void cell(FILE *f, const struct hold *h)
{
	if (h->status)
		fprintf(f, " %27s", h->status);
	else if (!h->mem.possible)
		fprintf(f, " %27s", "(!) impossible sample");
	else
		fprintf(f, " %7.0f ±%4.1f%% %8.1f %4s", h->kib_per_vm,
			100 * h->mem.spread, h->all_ready_ns / 1e6,
			h->valid ? "" : "(!)");
}

void density_print(FILE *f, const struct density_result *r)
{
	fprintf(f,
		"density: %s; bounds: %.0f MiB, %.1f s to ready; KiB of host "
		"memory per VM (median of %d samples, spread), ms until all "
		"ready\n  memory: %s\n",
		r->image, (double)r->max_mem / 1048576, r->max_seconds,
		MEM_SAMPLES, r->cgroup_version ? "memory cgroup" : "MemAvailable");
	fprintf(f, "  %6s | %-27s | %-27s | %-27s\n", "VMs", "mote KiB  ms",
		"floor KiB  ms", "QEMU KiB  ms");
	for (unsigned k = 0; k < r->nsteps; k++) {
		const struct density_step *d = &r->step[k];
		const struct hold *h[] = {&d->mote, &d->floor, &d->qemu};
		static const char *const names[] = {"mote", "floor", "QEMU"};

		fprintf(f, "  %6u |", d->vms);
		for (int i = 0; i < 3; i++) {
			cell(f, h[i]);
			fputs(i < 2 ? " |" : "\n", f);
		}
		if (d->mote.ready_missing)
			fprintf(f,
				"         no READY from %u VMs: timed to their "
				"first instruction where known\n",
				d->mote.ready_missing);
		for (int i = 0; i < 3; i++)
			if (!h[i]->status && !h[i]->valid && h[i]->note[0])
				fprintf(f, "         (!) %s: %s\n", names[i],
					h[i]->note);
	}
	fprintf(f, "  stopped: %s\n", r->stop);
	if (r->warm_all_ready_ns)
		fprintf(f,
			"  %u VMs from a full warm pool, after the first start: "
			"all at their first instruction %.2f ms, all ready "
			"%.2f ms\n",
			r->warm_n, r->warm_all_first_ns / 1e6,
			r->warm_all_ready_ns / 1e6);
	else
		fprintf(f, "  %u VMs from a warm pool: not measured: %s\n",
			r->warm_n, r->warm_note);
}

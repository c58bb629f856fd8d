/*
 * The mote command line: `mote run` boots one image and exits with the
 * guest's status; every failure is one line on stderr with a documented code.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../bench/bench.h"
#include "../blk/blk.h"
#include "../guest_abi/mote_abi.h"
#include "confine.h"
#include "../net/net.h"
#include "../serve/serve.h"
#include "evloop.h"
#include "fdio.h"
#include "image.h"
#include "kvm.h"
#include "options.h"
#include "run_many.h"
#include "snapfile.h"
#include "snapshot.h"
#include "timeutil.h"
#include "version.h"
#include "vm.h"


static const char usage_main[] =
	"Usage: mote COMMAND [OPTIONS]\n"
	"\n"
	"mote starts minimal KVM microVMs running unikernels built against the\n"
	"mote guest ABI (guest_abi/README.md).\n"
	"\n"
	"Commands:\n"
	"  run       boot an image (or a snapshot file) and wait for it to exit\n"
	"  snapshot  run an image to its snapshot point and save a snapshot file\n"
	"  serve     serve functions over HTTP, each request in a fresh microVM\n"
	"  bench     measure boot latency, density and start rate\n"
	"\n"
	"Options:\n"
	"  -h, --help     show this help\n"
	"  -V, --version  show the version and guest ABI version\n"
	"\n"
	"Run 'mote COMMAND --help' for a command's options.\n";

#define USAGE_RUN_OPTIONS                                                      \
	"Options:\n"                                                            \
	"  --mem SIZE          guest memory, a multiple of 2 MiB from 2M to 4G\n" \
	"                      (suffixes K, M, G; default 16M)\n"                \
	"  --timeout DURATION  stop the guest after DURATION (e.g. 500ms, 2s,\n" \
	"                      1m; at most a year; default: no limit)\n"         \
	"  --env NAME=VALUE    add to the guest's environment (repeatable; the\n" \
	"                      environment is otherwise empty)\n"                \
	"  --max-output SIZE   stop a guest that writes more than SIZE to its\n"  \
	"                      stdout and stderr together (default: no limit)\n" \
	"  --stats             print phase timings as one JSON line on stderr\n"  \
	"                      (with --count: per instance, and p50/p99)\n"      \
	"  --disk PATH[,ro][,direct]\n"                                         \
	"                      attach PATH (a raw image file whose size is a\n"   \
	"                      multiple of 512, or a block device) as a\n"        \
	"                      virtio-blk disk; repeatable, up to 16. ro: read-\n" \
	"                      only; direct: O_DIRECT, guest buffers must then\n" \
	"                      be 512-byte aligned. With --count each instance\n" \
	"                      gets its own device on the same file: writes of\n" \
	"                      instances sharing a writable disk race\n"         \
	"  --jail              confine mote before any guest runs: namespaces,\n" \
	"                      an empty root, no capabilities, seccomp filters\n" \
	"                      per thread (default: on when possible)\n"         \
	"  --no-jail           do not confine mote\n"                            \
	"  --jail-netns        also a new, empty network namespace\n"            \
	"  --uid N, --gid N    jailed ids when run as root (default 65534)\n"    \
	"  --jail-allow-root   allow --uid 0 or --gid 0 (root inside the jail)\n"

static const char usage_run[] =
	"Usage: mote run [--mem SIZE] [--timeout DURATION] [--env NAME=VALUE]...\n"
	"                [--max-output SIZE] [--stats] [--snapshot]\n"
	"                [--count N] [--pool N] [--workers N] [--output DIR]\n"
	"                [--disk PATH[,ro][,direct]]... [--net tap:NAME|fd:N]...\n"
	"                [--jail|--no-jail] [--jail-netns] [--uid N] [--gid N]\n"
	"                [--jail-allow-root] IMAGE|SNAPSHOT-FILE [--] [ARGS...]\n"
	"\n"
	"Boots IMAGE (a static x86-64 ELF built for the mote guest ABI, e.g. by\n"
	"mote-cc) in a new microVM and exits with its status. The guest's stdout\n"
	"and stderr are mote's; its stdin is mote's (with --count above 1, every\n"
	"guest's stdin is empty). ARGS are its argv[1..]; argv[0] is IMAGE. A\n"
	"file written by 'mote snapshot' starts from its snapshot point instead.\n"
	"\n"
	USAGE_RUN_OPTIONS
	"  --snapshot          run IMAGE to its snapshot point (mote_snapshot())\n"
	"                      first, then start every instance from there\n"
	"  --count N           start N instances of IMAGE concurrently in this\n"
	"                      process (default 1)\n"
	"  --pool N            keep N VMs created and ready (warm pool); the\n"
	"                      pool is filled before the first start\n"
	"  --workers N         threads that run vCPUs (default: 2 per CPU)\n"
	"  --net tap:NAME[,mac=MAC] | --net fd:N[,mac=MAC]\n"
	"                      attach tap NAME, or an inherited tap fd (opened\n"
	"                      with IFF_TAP|IFF_NO_PI|IFF_VNET_HDR), as a\n"
	"                      virtio-net device; repeatable. MAC default:\n"
	"                      52:54:00:xx:xx:xx. Not with --count > 1 or --pool\n"
	"  --output DIR        write instance i's stdout to DIR/i.out and its\n"
	"                      stderr to DIR/i.err (default with --count: mote's,\n"
	"                      each line prefixed \"[i] \")\n"
	"  -h, --help          show this help\n"
	"\n"
	"Exit status (with --count, the worst over all instances: 125, 126,\n"
	"124, then 1 if any guest exited non-zero, else 0):\n"
	"  0-255  the guest's exit status\n"
	"  2      bad command line\n"
	"  124    the guest timed out and was stopped\n"
	"  125    mote failed (invalid image, KVM unavailable, ...)\n"
	"  126    the guest crashed (fault, triple fault, bad hypercall) or wrote\n"
	"         more than --max-output\n"
	"  129, 130, 143\n"
	"         mote was stopped by SIGHUP, SIGINT or SIGTERM (128 + the\n"
	"         signal), jailed or not; its guests were stopped with it\n"
	"  159    the jail stopped a forbidden system call in mote itself\n";

static const char usage_snapshot[] =
	"Usage: mote snapshot [--mem SIZE] [--timeout DURATION] [--env NAME=VALUE]...\n"
	"                     [--disk PATH,ro]... [jail options] -o FILE\n"
	"                     IMAGE [--] [ARGS...]\n"
	"\n"
	"Runs IMAGE to its snapshot point (the guest's mote_snapshot() call)\n"
	"and saves the guest as it is there to FILE, with the image. 'mote run\n"
	"FILE' then starts from that point, with its own arguments, environment\n"
	"and stdin. The guest's output up to the point is mote's; its stdin is\n"
	"empty. A guest with a network device cannot be snapshotted; disks are\n"
	"attached again to every run of FILE (give the same --disk options).\n"
	"\n"
	USAGE_RUN_OPTIONS
	"  -o FILE             the snapshot file to write (required)\n"
	"  -h, --help          show this help\n"
	"\n"
	"Exit status: 0 when FILE was written; 2 bad command line; 125 mote\n"
	"failed, or the guest exited before its snapshot point; 124 and 126 as\n"
	"for 'mote run'.\n";

struct phases {
	uint64_t start, loaded, created, booted, ran, destroyed;
};

static void print_stats(const struct phases *p, const struct mote_result *r)
{
	char first[32] = "null", run[32] = "null", ready[32] = "null";

	/* The guest reports its first instruction's time when it exits;
	 * a guest that crashed or timed out never did. */
	if (r->t_first_insn) {
		/* signed: the TSC correlation may put it a hair before */
		snprintf(first, sizeof(first), "%.1f",
			 ((double)r->t_first_insn - (double)r->t_start) / 1e3);
		snprintf(run, sizeof(run), "%.1f",
			 (r->t_exit - r->t_first_insn) / 1e3);
	}
	/* Only guests that make the READY hypercall have a ready time. */
	if (r->t_ready)
		snprintf(ready, sizeof(ready), "%.1f",
			 (r->t_ready - r->t_start) / 1e3);
	/* start_mono_ns lets a parent (mote bench) put these phases on its
	 * own CLOCK_MONOTONIC timeline. */
	fprintf(stderr,
		"{\"image_load_us\":%.1f,\"vm_create_us\":%.1f,"
		"\"boot_setup_us\":%.1f,\"first_instruction_us\":%s,"
		"\"guest_run_us\":%s,\"run_us\":%.1f,\"teardown_us\":%.1f,"
		"\"total_us\":%.1f,\"outcome\":\"%s\",\"status\":%d,"
		"\"jail\":\"%s\",\"ready_us\":%s,\"start_mono_ns\":%llu}\n",
		(p->loaded - p->start) / 1e3, (p->created - p->loaded) / 1e3,
		(r->t_start - p->created) / 1e3, first, run,
		(r->t_exit - r->t_start) / 1e3, (p->destroyed - p->ran) / 1e3,
		(p->destroyed - p->start) / 1e3, mote_outcome_name(r->outcome), r->status,
		confine_state(), ready, (unsigned long long)p->start);
}

static int outcome_status(const struct mote_result *r)
{
	switch (r->outcome) {
	case MOTE_EXITED:
		return r->status;
	case MOTE_CRASHED:
	case MOTE_OUTPUT_LIMIT:
		fprintf(stderr, "mote: %s\n", r->reason);
		return MOTE_STATUS_CRASH;
	case MOTE_TIMED_OUT:
		fprintf(stderr, "mote: guest %s\n", r->reason);
		return MOTE_STATUS_TIMEOUT;
	default:
		fprintf(stderr, "mote: %s\n", r->reason);
		return MOTE_STATUS_ERROR;
	}
}

/* fds every run keeps in the jail: /dev/kvm, the image's memfd, a
 * snapshot's memfd or output file, and the disks' and taps' files. */
static int base_fds[4 + 2 * MOTE_MAX_DEVICES];
static size_t nbase;
/* --disk images, open before the jail, and the device each VM gets. */
static struct blk_disk *disks[MOTE_MAX_DEVICES];
static struct mote_devspec devspecs[MOTE_MAX_DEVICES];
/* --net taps, open before the jail too; their devices follow the disks. */
static struct net_tap *taps[MOTE_MAX_DEVICES];

/* RLIMIT_NOFILE the run needs, from what each VM and output holds. */
static unsigned long fd_need;

/* What the jail hooks of a many-instance run need. */
struct confine_ctx {
	const struct run_opts *o;
	const int *base_fds; /* besides the instances' output files */
	size_t nbase;
	unsigned long fd_need;
};

static int confine_many(void *ctx, const int *fds, size_t n,
			struct mote_err *err)
{
	const struct confine_ctx *c = ctx;
	int *keep = malloc((n + c->nbase) * sizeof(int));
	int rc;

	if (!keep)
		return err_set(err, ENOMEM, "out of memory");
	memcpy(keep, c->base_fds, c->nbase * sizeof(int));
	if (n)
		memcpy(keep + c->nbase, fds, n * sizeof(int));
	rc = confine_enter(c->o, keep, n + c->nbase, c->fd_need, err);
	free(keep);
	return rc;
}

static int seal_many(void *ctx, struct mote_err *err)
{
	(void)ctx;
	return confine_seal(JAIL_MAIN, err);
}

/*
 * Where a run's guests start: img's entry, or a snapshot (from a file, or
 * taken first when take is set: the guest runs to its snapshot point, and
 * then the instances start from there). save_fd >= 0: `mote snapshot`,
 * which writes the snapshot (with elf, the image file's bytes) and stops.
 */
struct run_source {
	const struct mote_image *img;
	struct mote_snapshot *snap;
	bool take;
	int save_fd;
	const void *elf;
	size_t elf_size;
};

/*
 * The run up to the snapshot point, in vm: its output is mote's, its
 * stdin empty (what comes after the point is the instances'). Returns 0
 * with src->snap set, or the exit status to stop with.
 */
static int take_snapshot(const struct run_opts *o, struct mote_vm *vm,
			 struct run_source *src)
{
	struct mote_stdio io = { .max_output = o->max_output,
				 .boot_flags = cli_tty_flags() };
	struct mote_args args = { o->guest_argc, o->guest_argv,
				  (char *const *)o->env };
	const struct kvm_host *kh;
	struct mote_err err = { "" };
	struct mote_result res;

	mote_vm_set_stdio(vm, &io);
	mote_vm_request_snapshot(vm, src->snap);
	if (mote_vm_load(vm, src->img, &args, &err) < 0) {
		fprintf(stderr, "mote: %s\n", err.msg);
		return MOTE_STATUS_ERROR;
	}
	mote_vm_run(vm, o->timeout_ns, &res);
	if (res.outcome != MOTE_SNAPSHOT_TAKEN) {
		if (res.outcome == MOTE_EXITED)
			fprintf(stderr,
				"mote: the guest exited with status %d before "
				"its snapshot point\n",
				res.status);
		return res.outcome == MOTE_EXITED ? MOTE_STATUS_ERROR
						  : outcome_status(&res);
	}
	if (mote_snapshot_seal(src->snap, &err) < 0) {
		fprintf(stderr, "mote: %s\n", err.msg);
		return MOTE_STATUS_ERROR;
	}
	if (src->save_fd < 0)
		return 0;
	if (kvm_host_get(&kh, &err) < 0 ||
	    snapfile_write(src->snap, src->elf, src->elf_size, &kh->cpu,
			   src->save_fd, &err) < 0) {
		fprintf(stderr, "mote: %s\n", err.msg);
		return MOTE_STATUS_ERROR;
	}
	return -1; /* saved: nothing more to run */
}

/* One VM in this thread, which is control and vCPU thread at once. */
static int run_one(const struct run_opts *o, struct run_source *src,
		   struct phases *p)
{
	struct mote_err err = { "" };
	struct mote_vm *vm = NULL;
	struct evloop *loop = NULL;
	struct mote_result res;
	int status = MOTE_STATUS_ERROR;

	/* The device loop's thread starts inside the jail's namespaces
	 * (entering them needs one thread) and before the seal (after it,
	 * no thread starts). */
	/* A snapshot to take gets its memory file now: in the jail this
	 * thread cannot make one. */
	if (src->take) {
		if (mote_snapshot_reserve(o->mem, &src->snap, &err) < 0)
			goto fail;
		base_fds[nbase++] = src->snap->ov.memfd;
	}
	if (confine_enter(o, base_fds, nbase, fd_need, &err) < 0 ||
	    (o->ndisks + o->nnets && evloop_get(&loop, &err) < 0) ||
	    confine_seal(JAIL_SINGLE, &err) < 0)
		goto fail;
	if (mote_vm_create(src->snap ? src->snap->mem_size : o->mem, &vm,
			   &err) < 0)
		goto fail;
	for (unsigned i = 0; i < o->ndisks + o->nnets; i++)
		if (mote_vm_add_device(vm, &devspecs[i], &err) < 0)
			goto fail;
	p->created = mono_ns();
	if (src->take) {
		status = take_snapshot(o, vm, src);
		if (status) {
			mote_vm_destroy(vm);
			status = status < 0 ? 0 : status;
			goto out;
		}
	}
	{
		struct mote_stdio io = {
			.read = cli_stdin_read,
			.max_output = o->max_output,
			.boot_flags = cli_tty_flags(),
		};
		struct mote_args args = { o->guest_argc, o->guest_argv,
					  (char *const *)o->env };

		mote_vm_set_stdio(vm, &io);
		if ((src->snap ? mote_vm_load_snapshot(vm, src->snap, &args, &err)
			       : mote_vm_load(vm, src->img, &args, &err)) < 0)
			goto fail;
	}
	mote_vm_run(vm, o->timeout_ns, &res);
	p->ran = mono_ns();
	mote_vm_destroy(vm);
	p->destroyed = mono_ns();
	status = outcome_status(&res);
	if (o->stats)
		print_stats(p, &res);
	goto out;
fail:
	fprintf(stderr, "mote: %s\n", err.msg);
	mote_vm_destroy(vm);
out:
	if (loop)
		evloop_put(loop);
	return status;
}

static void close_disks(const struct run_opts *o)
{
	for (unsigned i = 0; i < o->ndisks; i++) {
		blk_disk_close(disks[i]);
		disks[i] = NULL;
	}
}

/* Every --disk is checked and opened before any VM exists: a bad one is
 * one line and exit status 125. Instances share the open file. */
static int open_disks(const struct run_opts *o, struct mote_err *err)
{
	for (unsigned i = 0; i < o->ndisks; i++) {
		const struct disk_opt *d = &o->disks[i];
		int rc = blk_disk_open(d->path, d->ro, d->direct, &disks[i],
				       err);

		if (rc < 0) {
			while (i--)
				blk_disk_close(disks[i]);
			return rc;
		}
		devspecs[i].ops = &blk_ops;
		devspecs[i].backend = disks[i];
		base_fds[nbase++] = blk_disk_fd(disks[i]);
	}
	return 0;
}

static void close_nets(const struct run_opts *o)
{
	for (unsigned i = 0; i < o->nnets; i++) {
		net_tap_close(taps[i]);
		taps[i] = NULL;
	}
}

/* Every --net tap is attached before any VM exists, like the disks. The
 * default MAC is locally administered (52:54:00 is QEMU's habit, which
 * tools recognise) and differs by process and by device. */
static int open_nets(const struct run_opts *o, struct mote_err *err)
{
	unsigned pid = (unsigned)getpid();

	for (unsigned i = 0; i < o->nnets; i++) {
		const struct net_opt *n = &o->nets[i];
		uint8_t mac[6] = { 0x52, 0x54, 0x00, (uint8_t)(pid >> 8),
				   (uint8_t)pid, (uint8_t)i };
		int rc = net_tap_open(n->tap[0] ? n->tap : NULL, n->fd,
				      n->has_mac ? n->mac : mac, &taps[i],
				      err);

		if (rc < 0) {
			while (i--)
				net_tap_close(taps[i]);
			return rc;
		}
		devspecs[o->ndisks + i].ops = &net_ops;
		devspecs[o->ndisks + i].backend = taps[i];
		base_fds[nbase++] = taps[i]->fd;
	}
	return 0;
}

/*
 * The descriptors a run holds at most: each VM its VM and vCPU fds, a
 * wake-up eventfd and one eventfd per device queue; each instance its
 * output files; the process its standard streams, /dev/kvm, the image,
 * disks, taps and the device loop. Stops the run (one line) when the hard
 * limit cannot be raised to it, saying how many VMs would fit.
 */
static int check_fd_budget(const struct run_opts *o, struct mote_err *err)
{
	unsigned long per_vm = 2, base = 32 + nbase, outputs, vms;
	struct rlimit rl;

	for (unsigned i = 0; i < o->ndisks + o->nnets; i++)
		per_vm += devspecs[i].ops->nqueues;
	if (o->ndisks + o->nnets)
		per_vm++;
	outputs = o->output ? 2ul * o->count : 0;
	vms = (unsigned long)o->count + o->pool;
	fd_need = base + outputs + per_vm * vms;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return err_set(err, errno, "RLIMIT_NOFILE: %s", strerror(errno));
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < fd_need) {
		struct rlimit want = { fd_need, fd_need };

		if (setrlimit(RLIMIT_NOFILE, &want) < 0) {
			unsigned long room = rl.rlim_max > base ? rl.rlim_max - base : 0;
			unsigned long fit = room / (per_vm + (o->output ? 2 : 0));

			return err_set(err, EMFILE,
				       "%u VMs need %lu file descriptors, but "
				       "RLIMIT_NOFILE's hard limit is %llu: "
				       "at most %lu VMs fit",
				       o->count + o->pool, fd_need,
				       (unsigned long long)rl.rlim_max,
				       fit > o->pool ? fit : 0);
		}
		return 0;
	}
	if (rl.rlim_cur < fd_need) {
		rl.rlim_cur = fd_need;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			return err_set(err, errno, "RLIMIT_NOFILE: %s",
				       strerror(errno));
	}
	return 0;
}

/* The whole file at path (an image, for a snapshot file to embed),
 * opened without blocking and read once into memory. */
static void *read_whole(const char *path, size_t *size, struct mote_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;
	void *buf = NULL;

	if (fd < 0) {
		err_set(err, errno, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > MOTE_MEM_MAX)
		err_set(err, EINVAL, "%s: not a regular, non-empty file of at "
			"most 4 GiB", path);
	else if (!(buf = read_all(fd, (size_t)st.st_size)))
		err_set(err, errno, "%s: read: %s", path, strerror(errno));
	else
		*size = (size_t)st.st_size;
	close(fd);
	return buf;
}

/* Checks options that belong to one command only; 0 or a usage line. */
static int check_command(const struct run_opts *o, bool snapshot_cmd,
			 struct mote_err *err)
{
	if (!snapshot_cmd)
		return o->snapshot_out ? err_set(err, EINVAL,
						 "-o FILE is for 'mote "
						 "snapshot'")
				       : 0;
	if (!o->snapshot_out)
		return err_set(err, EINVAL, "-o FILE is required");
	if (o->count > 1 || o->pool || o->output || o->snapshot)
		return err_set(err, EINVAL,
			       "mote snapshot runs one guest: no --count, "
			       "--pool, --output or --snapshot");
	if (o->nnets)
		return err_set(err, EINVAL,
			       "--net: networked guests cannot be snapshotted");
	return 0;
}

/* `mote run` and `mote snapshot`: one path, as they differ only in where
 * the guests start and what happens at the snapshot point. */
static int cmd_run(int argc, char **argv, bool snapshot_cmd)
{
	const char *cmd = snapshot_cmd ? "snapshot" : "run";
	struct phases p = { .start = mono_ns() };
	struct run_source src = { .save_fd = -1 };
	struct run_opts o;
	struct mote_err err = { "" };
	struct mote_image img = { .memfd = -1 };
	const struct kvm_host *kh;
	void *elf = NULL;
	int status;

	if (options_parse_run(argc, argv, &o, &err) < 0 ||
	    (!o.help && check_command(&o, snapshot_cmd, &err) < 0)) {
		fprintf(stderr, "mote %s: %s\nTry 'mote %s --help'.\n", cmd,
			err.msg, cmd);
		return MOTE_STATUS_USAGE;
	}
	if (o.help) {
		fputs(snapshot_cmd ? usage_snapshot : usage_run, stdout);
		return 0;
	}
	cli_tty_flags(); /* asked now: the jail forbids the ioctl */
	nbase = 2; /* the image's memfd and /dev/kvm, below */
	/* Validate the image (or snapshot) before anything else exists. */
	if (!snapshot_cmd && snapfile_is_snapshot(o.image)) {
		if (kvm_host_get(&kh, &err) < 0 ||
		    snapfile_open(o.image, &kh->cpu, &src.snap, &err) < 0) {
			fprintf(stderr, "mote: %s\n", err.msg);
			return MOTE_STATUS_ERROR;
		}
		src.img = src.snap->img;
		o.mem = src.snap->mem_size;
		base_fds[nbase++] = src.snap->ov.memfd;
	} else if (snapshot_cmd) {
		/* The bytes that run are the bytes the file embeds: read
		 * once, checked, loaded and saved from that one copy. */
		elf = read_whole(o.image, &src.elf_size, &err);
		src.elf = elf;
		if (!elf || image_load_bytes(elf, src.elf_size, o.mem, &img,
					     &err) < 0) {
			if (elf) {
				char why[sizeof(err.msg)];

				snprintf(why, sizeof(why), "%s", err.msg);
				err_set(&err, EINVAL, "%s: %s", o.image, why);
			}
			goto fail_image;
		}
		src.img = &img;
		src.take = true;
		src.save_fd = open(o.snapshot_out,
				   O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
					   O_NOCTTY,
				   0644);
		if (src.save_fd < 0) {
			err_set(&err, errno, "-o %s: %s", o.snapshot_out,
				strerror(errno));
			goto fail_image;
		}
		base_fds[nbase++] = src.save_fd;
	} else if (image_open(o.image, o.mem, &img, &err) < 0) {
		fprintf(stderr, "mote: %s\n", err.msg);
		return MOTE_STATUS_ERROR;
	} else {
		src.img = &img;
		src.take = o.snapshot;
	}
	base_fds[0] = src.img->memfd;
	p.loaded = mono_ns();
	/* Everything the run needs from the host is opened before the jail;
	 * what cannot fit is refused before /dev/kvm is even opened. */
	if (open_disks(&o, &err) < 0)
		goto fail_image;
	if (open_nets(&o, &err) < 0)
		goto fail_disks;
	if (check_fd_budget(&o, &err) < 0 || kvm_host_get(&kh, &err) < 0)
		goto fail_nets;
	base_fds[1] = kh->fd;
	if (o.count > 1 || o.pool || o.output) {
		struct confine_ctx cc = { &o, base_fds, nbase, fd_need };
		struct run_hooks hooks = { confine_many, seal_many, &cc };

		status = run_many(&o, src.img, src.snap, src.take, devspecs,
				  o.ndisks + o.nnets, &hooks);
	} else {
		status = run_one(&o, &src, &p);
	}
	close_nets(&o);
	close_disks(&o);
	goto out;
fail_nets:
	close_nets(&o);
fail_disks:
	close_disks(&o);
fail_image:
	fprintf(stderr, "mote: %s\n", err.msg);
	status = MOTE_STATUS_ERROR;
out:
	if (src.save_fd >= 0) {
		/* No half-written snapshot: emptied (a jailed mote has no
		 * file system to unlink it from), and removed when we can. */
		if (status != 0 && ftruncate(src.save_fd, 0) == 0 &&
		    strcmp(confine_state(), "off") == 0)
			unlink(o.snapshot_out);
		close(src.save_fd);
	}
	free(elf);
	mote_snapshot_free(src.snap);
	image_close(&img);
	return status;
}

/*
 * SIGTERM, SIGINT and SIGHUP stop mote and its guests at once with
 * status 128 + the signal, jailed or not: the jail's waiting parent
 * passes the signal on, and this handler (inherited by the jailed child,
 * which as its namespace's PID 1 gets only signals it handles) ends the
 * process. Guests hold nothing that needs an orderly stop.
 */
static void on_stop_signal(int sig)
{
	_exit(128 + sig);
}

static void set_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A closed stdout is an error the guest sees (-EPIPE from its
	 * write), the same jailed or not, never a signal that kills mote. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

int main(int argc, char **argv)
{
	/* One malloc arena for every thread. With per-thread arenas, glibc
	 * shrinking one (as a thread's tcache is freed when it exits, say)
	 * opens /proc/sys/vm/overcommit_memory the first time, and seccomp
	 * stops a jailed thread that opens anything. Threads allocate little
	 * after start-up, so the shared arena costs no measurable time. */
	mallopt(M_ARENA_MAX, 1);
	/* And every allocation from that heap, never a mapping of its own:
	 * growing a mapped block (realloc of a fleet's list past 128 KiB)
	 * would call mremap, which no jailed vCPU thread may. */
	mallopt(M_MMAP_MAX, 0);
	set_signals();
	if (argc < 2) {
		fputs(usage_main, stderr);
		return MOTE_STATUS_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(usage_main, stdout);
		return 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("mote %s (guest ABI %u)\n", MOTE_VERSION,
		       MOTE_ABI_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 2, argv + 2, false);
	if (strcmp(argv[1], "snapshot") == 0)
		return cmd_run(argc - 2, argv + 2, true);
	/* serve installs its own SIGTERM/SIGINT handling (a drain). */
	if (strcmp(argv[1], "serve") == 0)
		return serve_main(argc - 2, argv + 2);
	if (strcmp(argv[1], "bench") == 0)
		return bench_main(argc - 2, argv + 2);
	fprintf(stderr, "mote: unknown command '%s'\nTry 'mote --help'.\n",
		argv[1]);
	return MOTE_STATUS_USAGE;
}

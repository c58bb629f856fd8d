/*
 * The mote command line: `mote run` boots one image and exits with the
 * guest's status; every failure is one line on stderr with a documented code.
 */
#include <stdio.h>
#include <string.h>

#include "../guest_abi/mote_abi.h"
#include "image.h"
#include "options.h"
#include "run_many.h"
#include "timeutil.h"
#include "vm.h"

#ifndef MOTE_VERSION
#define MOTE_VERSION "0.1.0"
#endif

static const char usage_main[] =
	"Usage: mote COMMAND [OPTIONS]\n"
	"\n"
	"mote starts minimal KVM microVMs running unikernels built against the\n"
	"mote guest ABI (guest_abi/README.md).\n"
	"\n"
	"Commands:\n"
	"  run       boot an image and wait for it to exit\n"
	"\n"
	"Options:\n"
	"  -h, --help     show this help\n"
	"  -V, --version  show the version and guest ABI version\n"
	"\n"
	"Run 'mote run --help' for the options of run.\n";

static const char usage_run[] =
	"Usage: mote run [--mem SIZE] [--timeout DURATION] [--stats]\n"
	"                [--count N] [--pool N] [--workers N] [--output DIR]\n"
	"                IMAGE [--] [ARGS...]\n"
	"\n"
	"Boots IMAGE (a static x86-64 ELF built for the mote guest ABI) in a new\n"
	"microVM, streams its console to stdout and exits with its status.\n"
	"ARGS are passed to the guest as argv[1..]; argv[0] is IMAGE.\n"
	"\n"
	"Options:\n"
	"  --mem SIZE          guest memory, a multiple of 2 MiB from 2M to 4G\n"
	"                      (suffixes K, M, G; default 16M)\n"
	"  --timeout DURATION  stop the guest after DURATION (e.g. 500ms, 2s,\n"
	"                      1m; default: none)\n"
	"  --stats             print phase timings as one JSON line on stderr\n"
	"                      (with --count: per instance, and p50/p99)\n"
	"  --count N           start N instances of IMAGE concurrently in this\n"
	"                      process (default 1)\n"
	"  --pool N            keep N VMs created and ready (warm pool); the\n"
	"                      pool is filled before the first start\n"
	"  --workers N         threads that run vCPUs (default: 2 per CPU)\n"
	"  --output DIR        write instance i's console to DIR/i.out (default\n"
	"                      with --count: stdout, lines prefixed \"[i] \")\n"
	"  -h, --help          show this help\n"
	"\n"
	"Exit status (with --count, the worst over all instances: 125, 126,\n"
	"124, then 1 if any guest exited non-zero, else 0):\n"
	"  0-255  the guest's exit status\n"
	"  2      bad command line\n"
	"  124    the guest timed out and was stopped\n"
	"  125    mote failed (invalid image, KVM unavailable, ...)\n"
	"  126    the guest crashed (fault, triple fault, bad hypercall)\n";

struct phases {
	uint64_t start, loaded, created, booted, ran, destroyed;
};

static void print_stats(const struct phases *p, const struct mote_result *r)
{
	static const char *const names[] = { "exited", "crashed", "timeout",
					     "failed" };
	char first[32] = "null", run[32] = "null";

	/* The guest reports its first instruction's time when it exits;
	 * a guest that crashed or timed out never did. */
	if (r->t_first_insn) {
		snprintf(first, sizeof(first), "%.1f",
			 (r->t_first_insn - r->t_start) / 1e3);
		snprintf(run, sizeof(run), "%.1f",
			 (r->t_exit - r->t_first_insn) / 1e3);
	}
	fprintf(stderr,
		"{\"image_load_us\":%.1f,\"vm_create_us\":%.1f,"
		"\"boot_setup_us\":%.1f,\"first_instruction_us\":%s,"
		"\"guest_run_us\":%s,\"run_us\":%.1f,\"teardown_us\":%.1f,"
		"\"total_us\":%.1f,\"outcome\":\"%s\",\"status\":%d}\n",
		(p->loaded - p->start) / 1e3, (p->created - p->loaded) / 1e3,
		(r->t_start - p->created) / 1e3, first, run,
		(r->t_exit - r->t_start) / 1e3, (p->destroyed - p->ran) / 1e3,
		(p->destroyed - p->start) / 1e3, names[r->outcome], r->status);
}

static int outcome_status(const struct mote_result *r)
{
	switch (r->outcome) {
	case MOTE_EXITED:
		return r->status;
	case MOTE_CRASHED:
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

static int cmd_run(int argc, char **argv)
{
	struct phases p = { .start = mono_ns() };
	struct run_opts o;
	struct mote_err err = { "" };
	struct mote_image img;
	struct mote_vm *vm = NULL;
	struct mote_result res;
	int status;

	if (options_parse_run(argc, argv, &o, &err) < 0) {
		fprintf(stderr, "mote run: %s\nTry 'mote run --help'.\n",
			err.msg);
		return MOTE_STATUS_USAGE;
	}
	if (o.help) {
		fputs(usage_run, stdout);
		return 0;
	}
	/* Validate the image before anything else exists. */
	if (image_open(o.image, o.mem, &img, &err) < 0) {
		fprintf(stderr, "mote: %s\n", err.msg);
		return MOTE_STATUS_ERROR;
	}
	p.loaded = mono_ns();
	if (o.count > 1 || o.pool || o.output) {
		status = run_many(&o, &img);
		image_close(&img);
		return status;
	}
	if (mote_vm_create(o.mem, &vm, &err) < 0) {
		fprintf(stderr, "mote: %s\n", err.msg);
		image_close(&img);
		return MOTE_STATUS_ERROR;
	}
	p.created = mono_ns();
	if (mote_vm_load(vm, &img, o.guest_argc, o.guest_argv, &err) < 0) {
		fprintf(stderr, "mote: %s\n", err.msg);
		mote_vm_destroy(vm);
		image_close(&img);
		return MOTE_STATUS_ERROR;
	}
	mote_vm_run(vm, o.timeout_ns, &res);
	p.ran = mono_ns();
	mote_vm_destroy(vm);
	image_close(&img);
	p.destroyed = mono_ns();
	status = outcome_status(&res);
	if (o.stats)
		print_stats(&p, &res);
	return status;
}

int main(int argc, char **argv)
{
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
		return cmd_run(argc - 2, argv + 2);
	fprintf(stderr, "mote: unknown command '%s'\nTry 'mote --help'.\n",
		argv[1]);
	return MOTE_STATUS_USAGE;
}

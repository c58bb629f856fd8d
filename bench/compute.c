/*
 * The suite's CPU check: the compute guest against the same kernel object
 * code run as a host process (build/bench/compute-native), both timing
 * only the kernel with their own clocks. Guest code runs at CPL3, which
 * is native speed even on PVM: the ratio says whether that still holds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../guest_abi/examples/compute_kernel.h"
#include "../guest_abi/mote_abi.h"
#include "harness.h"
#include "image.h"
#include "spawn.h"
#include "timeutil.h"
#include "vm.h"

#define COMPUTE_RUNS	   3
#define OUT_MAX		   512
#define COMPUTE_TIMEOUT_NS (120 * S_NS)

struct capture {
	size_t len;
	char buf[OUT_MAX];
};

static ssize_t capture(void *ctx, int fd, const void *buf, size_t len)
{
	size_t asked = len;

	struct capture *c = ctx;
	size_t room = sizeof(c->buf) - 1 - c->len;

	len = len < room ? len : room;
	memcpy(c->buf + c->len, buf, len);
	c->len += len;
	c->buf[c->len] = '\0';
	(void)fd;
	return (ssize_t)asked;
}

/* "elapsed_ns=N" and the "result=..." line that must match. */
static int parse(const char *out, double *ns, char *result, size_t len)
{
	const char *e = strstr(out, "elapsed_ns="), *r = strstr(out, "result=");

	if (!e || !r)
		return -1;
	*ns = strtod(e + strlen("elapsed_ns="), NULL);
	snprintf(result, len, "%.*s", (int)strcspn(r, "\n"), r);
	return *ns > 0 ? 0 : -1;
}

static int guest_once(const struct mote_image *img, char **argv, double *ns,
		      char *result, struct mote_err *err)
{
	struct capture cap = {0};
	struct mote_result res;
	struct mote_vm *vm;
	int rc;

	rc = mote_vm_create(MOTE_MEM_DEFAULT, &vm, err);
	if (rc < 0)
		return rc;
	mote_vm_set_stdio(vm, &(struct mote_stdio){ .write = capture,
						    .ctx = &cap });
	rc = mote_vm_load(vm, img, &(struct mote_args){ 2, argv, NULL }, err);
	if (rc == 0)
		mote_vm_run(vm, COMPUTE_TIMEOUT_NS, &res);
	mote_vm_destroy(vm);
	if (rc < 0)
		return rc;
	if (res.outcome != MOTE_EXITED || res.status != 0 ||
	    parse(cap.buf, ns, result, 128) < 0)
		return err_set(err, EIO, "compute guest failed: %s",
			       res.reason[0] ? res.reason : cap.buf);
	return 0;
}

static int native_once(char **argv, double *ns, char *result,
		       struct mote_err *err)
{
	char out[OUT_MAX];
	struct child c;
	long n;
	int rc = child_spawn(argv, true, false, &c), st;

	if (rc < 0)
		return err_set(err, -rc, "cannot run %s: %s", argv[0],
			       strerror(-rc));
	n = child_read(c.out, out, sizeof(out), -1,
		       mono_ns() + COMPUTE_TIMEOUT_NS);
	st = child_wait(&c, n < 0);
	if (n < 0 || st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0 ||
	    parse(out, ns, result, 128) < 0)
		return err_set(err, EIO, "%s failed (status 0x%x)", argv[0],
			       st);
	return 0;
}

int bench_compute(const struct bench_opts *o, struct compute_result *r,
		  struct mote_err *err)
{
	char guest[PATH_MAX], native[PATH_MAX], iters[32];
	char gres[128], nres[128];
	char *gargv[] = {guest, iters, NULL}, *nargv[] = {native, iters, NULL};
	double g[COMPUTE_RUNS], n[COMPUTE_RUNS];
	struct mote_image img;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	bench_path(o, "guests/compute.elf", guest, sizeof(guest));
	bench_path(o, "bench/compute-native", native, sizeof(native));
	/* Passed to both, so that they surely do the same work. */
	snprintf(iters, sizeof(iters), "%llu",
		 (unsigned long long)COMPUTE_DEFAULT_ITERS);
	if (access(guest, R_OK) != 0 || access(native, X_OK) != 0) {
		r->status = "not built (make bench builds it)";
		return 0;
	}
	rc = image_open(guest, MOTE_MEM_DEFAULT, &img, err);
	if (rc < 0)
		return rc;
	r->runs = COMPUTE_RUNS;
	bench_phase(o, "compute: guest and native, alternating");
	/* Run -1 is a warm-up; guest and native alternate. */
	for (int i = -1; i < COMPUTE_RUNS && rc == 0; i++) {
		double gv, nv;

		rc = guest_once(&img, gargv, &gv, gres, err);
		if (!rc)
			rc = native_once(nargv, &nv, nres, err);
		if (!rc && strcmp(gres, nres) != 0)
			rc = err_set(err, EIO,
				     "compute guest and native disagree: %s "
				     "vs %s",
				     gres, nres);
		if (!rc && i >= 0) {
			g[i] = gv;
			n[i] = nv;
		}
	}
	image_close(&img);
	if (rc < 0)
		return rc;
	r->guest_ns = stats_median_d(g, COMPUTE_RUNS);
	r->native_ns = stats_median_d(n, COMPUTE_RUNS);
	r->ratio = r->guest_ns / r->native_ns;
	return 0;
}

void compute_json(struct jw *j, const struct compute_result *r)
{
	jw_obj(j, "compute");
	jw_str(j, "what",
	       "compute guest vs the same kernel object code as a host "
	       "process; medians of each side's own elapsed_ns");
	jw_str(j, "status", r->status ? r->status : "measured");
	if (!r->status) {
		jw_int(j, "runs", r->runs);
		jw_num(j, "guest_ms", r->guest_ns / 1e6, 3);
		jw_num(j, "native_ms", r->native_ns / 1e6, 3);
		jw_num(j, "guest_over_native", r->ratio, 4);
	}
	jw_obj_end(j);
}

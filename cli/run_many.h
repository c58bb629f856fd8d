/*
 * `mote run --count N`: N instances of one image in this process, through
 * the fleet, with per-instance output and aggregate statistics.
 */
#ifndef MOTE_RUN_MANY_H
#define MOTE_RUN_MANY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "image.h"
#include "options.h"
#include "vm.h"

/*
 * Steps the caller runs at fixed points, with its ctx: confine() once
 * every fd is open (it gets the output fds to keep), seal() once every
 * thread exists and before the first guest starts. Either may be NULL; a
 * non-zero return stops the run with exit status 125 after printing err.
 */
struct run_hooks {
	int (*confine)(void *ctx, const int *fds, size_t nfds,
		       struct mote_err *err);
	int (*seal)(void *ctx, struct mote_err *err);
	void *ctx;
};

struct mote_snapshot;

/*
 * Runs o->count instances of img, each VM with its own instance of each
 * of devs[0..ndevs); returns the process exit status. They start from
 * snap when given; with take, the first start runs to the guest's
 * snapshot point and the instances start from there.
 */
int run_many(const struct run_opts *o, const struct mote_image *img,
	     const struct mote_snapshot *snap, bool take,
	     const struct mote_devspec *devs, unsigned ndevs,
	     const struct run_hooks *hooks);

/* A struct mote_stdio read callback on mote's own stdin (ctx unused). */
ssize_t cli_stdin_read(void *ctx, void *buf, size_t len, uint64_t deadline_ns);

/* MOTE_BOOT_*_TTY for mote's own stdin, stdout and stderr; the first
 * call (before the jail) asks, later ones repeat its answer. */
uint32_t cli_tty_flags(void);

#endif

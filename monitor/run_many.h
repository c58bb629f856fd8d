/*
 * `mote run --count N`: N instances of one image in this process, through
 * the fleet, with per-instance output and aggregate statistics.
 */
#ifndef MOTE_RUN_MANY_H
#define MOTE_RUN_MANY_H

#include "image.h"
#include "options.h"
#include "vm.h"

/*
 * Steps the caller runs at fixed points: confine() once every fd is open
 * (it gets the output fds to keep), seal() once every thread exists and
 * before the first guest starts. Either may be NULL; a non-zero return
 * stops the run with exit status 125 after printing err.
 */
struct run_hooks {
	int (*confine)(const int *fds, size_t nfds, struct mote_err *err);
	int (*seal)(struct mote_err *err);
};

/* Runs o->count instances of img, each VM with its own instance of each
 * of devs[0..ndevs); returns the process exit status. */
int run_many(const struct run_opts *o, const struct mote_image *img,
	     const struct mote_devspec *devs, unsigned ndevs,
	     const struct run_hooks *hooks);

#endif

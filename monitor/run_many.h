/*
 * `mote run --count N`: N instances of one image in this process, through
 * the fleet, with per-instance output and aggregate statistics.
 */
#ifndef MOTE_RUN_MANY_H
#define MOTE_RUN_MANY_H

#include "image.h"
#include "options.h"

/* Runs o->count instances of img; returns the process exit status. */
int run_many(const struct run_opts *o, const struct mote_image *img);

#endif

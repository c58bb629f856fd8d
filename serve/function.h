/*
 * The functions as they run: each one's image, read-only disks and fleet
 * (one fleet per function, as a fleet has one memory size and one pool
 * image), behind the serve_backend interface the front end calls.
 */
#ifndef MOTE_SERVE_FUNCTION_H
#define MOTE_SERVE_FUNCTION_H

#include <stddef.h>

#include "../monitor/err.h"
#include "config.h"
#include "invoke.h"

struct serve_functions;

/* Checks and opens every image and disk (before the jail). */
int serve_functions_open(const struct serve_config *c,
			 struct serve_functions **out, struct mote_err *err);

/* The descriptors the functions hold (images, disks), into fds[0..cap). */
size_t serve_functions_fds(const struct serve_functions *s, int *fds,
			   size_t cap);

/* The descriptors the functions' VMs can hold at most, and their number. */
unsigned long serve_functions_fd_need(const struct serve_functions *s,
				      unsigned *max_vms);

/* Creates the fleets (their threads install the jail's filters). */
int serve_functions_start(struct serve_functions *s, struct mote_err *err);

/* The backend over the fleets; ctx is s. */
void serve_functions_backend(struct serve_functions *s,
			     struct serve_backend *b);

/* Destroys the fleets (every invocation must have ended) and closes all. */
void serve_functions_close(struct serve_functions *s);

#endif

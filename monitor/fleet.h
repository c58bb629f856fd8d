/*
 * Many VMs in one process: worker threads that time-slice vCPUs, a warm
 * pool of pre-created VMs, and instances that are started and waited for.
 */
#ifndef MOTE_FLEET_H
#define MOTE_FLEET_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "image.h"
#include "vm.h"

struct mote_fleet;
struct mote_instance;

struct mote_fleet_config {
	unsigned workers; /* vCPU worker threads; 0: two per online CPU */
	unsigned pool;    /* VMs kept created and ready; 0: no pool */
	uint64_t mem_size; /* guest memory of every VM */
	/* Optional: pooled VMs get this image mapped and their page tables
	 * built ahead of time, so a start only writes argv and registers. */
	const struct mote_image *pool_image;
	/* Optional, instead: pooled VMs hold this snapshot's pages mapped
	 * (over its image), for starts from it. */
	const struct mote_snapshot *pool_snapshot;
	/* Devices every VM gets, each VM its own instance of each. */
	const struct mote_devspec *devices;
	unsigned ndevices;
};

struct mote_start {
	const struct mote_image *img; /* must outlive the instance */
	struct mote_args args;        /* copied by mote_fleet_start */
	uint64_t timeout_ns;          /* 0: none */
	const struct mote_stdio *stdio; /* copied; NULL: mote's stdout/stderr */
	/* Optional: start as a clone of this snapshot (snapshot.h) instead
	 * of at img's entry; it must outlive the instance. */
	const struct mote_snapshot *snapshot;
	/* Optional: capture the guest at its snapshot point into this
	 * (mote_snapshot_reserve); the instance then ends with outcome
	 * MOTE_SNAPSHOT_TAKEN. */
	struct mote_snapshot *take_snapshot;
	/* Optional: called once when the instance has ended, on a fleet
	 * thread and without the fleet's locks; mote_instance_wait then
	 * returns at once. It must not block. */
	void (*on_done)(void *ctx);
	void *done_ctx;
};

/* Per-instance timings, CLOCK_MONOTONIC ns (0 when the phase never came). */
struct mote_instance_stats {
	uint64_t t_submit; /* mote_fleet_start called */
	uint64_t t_vm;     /* VM created or taken from the pool */
	uint64_t t_loaded; /* image, argv and registers in place */
	uint64_t t_freed;  /* VM reset into the pool or handed for teardown */
	bool from_pool;
	uint64_t vm_id; /* the VM that ran it: equal ids mean a reused VM */
	uint64_t resident_bytes; /* guest memory resident at the end */
};

/* Creates the fleet's threads and starts filling the pool. */
int mote_fleet_create(const struct mote_fleet_config *cfg,
		      struct mote_fleet **out, struct mote_err *err);

/*
 * Queues a new instance and returns at once; a worker takes a VM from the
 * pool (or creates one), loads the image and runs it. Errors that affect
 * only this instance (EMFILE, ENOMEM, KVM limits) are reported by
 * mote_instance_wait as MOTE_FAILED with the reason.
 */
int mote_fleet_start(struct mote_fleet *f, const struct mote_start *s,
		     struct mote_instance **out, struct mote_err *err);

/* Blocks until the instance ended, fills res (and st), frees the instance. */
void mote_instance_wait(struct mote_instance *inst, struct mote_result *res,
			struct mote_instance_stats *st);

/*
 * From now on the pool holds VMs prepared for snap (which must outlive
 * the fleet): the VMs it holds are torn down and the pool is refilled.
 */
void mote_fleet_pool_snapshot(struct mote_fleet *f,
			      const struct mote_snapshot *snap);

/* Number of VMs ready in the pool right now. */
unsigned mote_fleet_pool_ready(struct mote_fleet *f);

/* Waits until the pool holds its target number of VMs (or refilling fails). */
void mote_fleet_pool_wait_full(struct mote_fleet *f);

/* Stops the threads and destroys pooled VMs; every instance must be waited. */
void mote_fleet_destroy(struct mote_fleet *f);

#endif

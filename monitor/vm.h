/*
 * The VM lifecycle API: create a VM, load an image into it, run it to its
 * end, destroy it. Used by the CLI, the tests and the benchmarks.
 */
#ifndef MOTE_VM_H
#define MOTE_VM_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "image.h"

struct mote_vm;

enum mote_outcome {
	MOTE_EXITED,    /* the guest called exit; status is valid */
	MOTE_CRASHED,   /* fault, triple fault, bad hypercall, odd exit */
	MOTE_TIMED_OUT, /* the run's timeout expired */
	MOTE_FAILED,    /* the monitor failed (KVM error) */
};

struct mote_result {
	enum mote_outcome outcome;
	int status;       /* guest exit status & 0xff when EXITED */
	uint64_t rip;     /* guest rip when CRASHED */
	char reason[256]; /* one line when not EXITED */
	/* CLOCK_MONOTONIC ns: run start, guest's first instruction (0 if the
	 * guest did not report it), guest exit. */
	uint64_t t_start, t_first_insn, t_exit;
	/* CLOCK_MONOTONIC ns of the guest's first READY hypercall; 0: none. */
	uint64_t t_ready;
};

/* Console sink; buf points into guest memory and is valid only during the call. */
typedef void (*mote_console_fn)(void *ctx, const char *buf, size_t len);

/* Creates a VM with one vCPU and mem_size bytes of (lazily allocated) RAM. */
int mote_vm_create(uint64_t mem_size, struct mote_vm **out,
		   struct mote_err *err);

/*
 * Maps img copy-on-write, writes page tables and boot info with argv, and
 * sets the entry registers. img must outlive the run.
 */
int mote_vm_load(struct mote_vm *vm, const struct mote_image *img, int argc,
		 char *const argv[], struct mote_err *err);

/* A device to attach: its type and its backend (e.g. an open disk). */
struct virtio_dev_ops;
struct mote_devspec {
	const struct virtio_dev_ops *ops;
	void *backend;
};

/*
 * Attaches a virtio device in the VM's next device window (at most
 * MOTE_MAX_DEVICES). Only before the first mote_vm_load: the page tables
 * map exactly the windows the VM has. Returns 0 or a negative errno.
 */
int mote_vm_add_device(struct mote_vm *vm, const struct mote_devspec *spec,
		       struct mote_err *err);

/* Console output goes to fn (default: written to stdout). */
void mote_vm_set_console(struct mote_vm *vm, mote_console_fn fn, void *ctx);

/*
 * Runs the loaded guest in the calling thread until it exits, crashes or
 * timeout_ns (0: none) passes. Always fills res; returns 0 unless the monitor
 * itself failed (then res->outcome is MOTE_FAILED).
 */
int mote_vm_run(struct mote_vm *vm, uint64_t timeout_ns,
		struct mote_result *res);

void mote_vm_destroy(struct mote_vm *vm);

#endif

/*
 * The VM lifecycle API: create a VM, load an image into it, run it to its
 * end, destroy it. Used by the CLI, the tests and the benchmarks.
 */
#ifndef MOTE_VM_H
#define MOTE_VM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "image.h"

struct mote_vm;

enum mote_outcome {
	MOTE_EXITED,    /* the guest called exit; status is valid */
	MOTE_CRASHED,   /* fault, triple fault, bad hypercall, odd exit */
	MOTE_TIMED_OUT, /* the run's timeout expired */
	MOTE_FAILED,    /* the monitor failed (KVM error) */
	MOTE_OUTPUT_LIMIT, /* the guest wrote more than its output limit */
	MOTE_SNAPSHOT_TAKEN, /* a run asked for a snapshot reached its point */
	MOTE_NOUTCOMES
};

/* "exited", "crashed", "timeout", "failed", "output_limit", "snapshot". */
const char *mote_outcome_name(enum mote_outcome o);

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

/*
 * A guest's standard streams. write gets fd 1 or 2 and returns len or a
 * negative errno (-EPIPE: the reader is gone); buf points into guest
 * memory and is valid only during the call. read fills up to len bytes
 * of stdin and returns the count, 0 at its end, or a negative errno; it
 * may block until deadline_ns (CLOCK_MONOTONIC, UINT64_MAX: none) and
 * returns -ETIMEDOUT then. A VM's calls never overlap.
 */
struct mote_stdio {
	ssize_t (*write)(void *ctx, int fd, const void *buf, size_t len);
	ssize_t (*read)(void *ctx, void *buf, size_t len, uint64_t deadline_ns);
	void *ctx;
	uint64_t max_output; /* bytes on stdout and stderr; 0: no limit */
	uint32_t boot_flags; /* MOTE_BOOT_STDOUT_TTY, MOTE_BOOT_STDERR_TTY */
};

/* A guest's command line and environment. */
struct mote_args {
	int argc;
	char *const *argv; /* argv[0]: the program's name */
	char *const *envp; /* NULL-terminated; NULL: empty environment */
};

/* Creates a VM with one vCPU and mem_size bytes of (lazily allocated) RAM. */
int mote_vm_create(uint64_t mem_size, struct mote_vm **out,
		   struct mote_err *err);

/*
 * Maps img copy-on-write, writes page tables, boot info, the initial stack
 * (argv, envp, auxv) and the TLS block, and sets the entry registers. img
 * must outlive the run; args are copied.
 */
int mote_vm_load(struct mote_vm *vm, const struct mote_image *img,
		 const struct mote_args *args, struct mote_err *err);

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

/*
 * The guest's streams from the next load on (NULL: stdout and stderr are
 * mote's, stdin is empty, no output limit). io is copied.
 */
void mote_vm_set_stdio(struct mote_vm *vm, const struct mote_stdio *io);

/*
 * Runs the loaded guest in the calling thread until it exits, crashes or
 * timeout_ns (0: none) passes. Always fills res; returns 0 unless the monitor
 * itself failed (then res->outcome is MOTE_FAILED).
 */
int mote_vm_run(struct mote_vm *vm, uint64_t timeout_ns,
		struct mote_result *res);

void mote_vm_destroy(struct mote_vm *vm);

#endif

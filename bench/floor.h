/*
 * The raw-KVM floor: the least work any monitor must do to create a VM, run
 * guest code to its first exit and tear it all down, timed like mote's boot.
 */
#ifndef MOTE_BENCH_FLOOR_H
#define MOTE_BENCH_FLOOR_H

#include <stddef.h>
#include <stdint.h>

/* Candidate minimal guests: one instruction at CS base 0 in real mode. */
enum floor_guest {
	FLOOR_HLT, /* f4: hlt -> KVM_EXIT_HLT */
	FLOOR_OUT, /* e6 10: out %al, $0x10 -> KVM_EXIT_IO */
	FLOOR_NGUESTS
};

struct floor_ctx {
	int kvm_fd;
	int run_size;
};

/* One iteration's timestamps (mono_ns), at the same phase boundaries as
 * mote's create / load / run / destroy so the two can be compared. */
struct floor_sample {
	uint64_t t_start;      /* before KVM_CREATE_VM */
	uint64_t t_created;    /* VM, memslot, vCPU and kvm_run mapped */
	uint64_t t_ready;      /* registers set */
	uint64_t t_first_exit; /* KVM_RUN returned */
	uint64_t t_closed;     /* everything closed and unmapped */
};

/* A floor VM kept open after its first exit (floor_hold). */
struct floor_vm {
	int vm_fd, vcpu_fd, run_size;
	void *run; /* struct kvm_run */
	uint8_t *mem;
};

const char *floor_guest_name(enum floor_guest g);

/* Opens /dev/kvm once; the open is not part of any iteration. */
int floor_open(struct floor_ctx *fc, char *err, size_t errlen);
void floor_close(struct floor_ctx *fc);

/*
 * Creates a VM with a 2 MiB memslot and one vCPU, runs guest g to its first
 * exit, checks that the exit is the expected one, and closes everything.
 * Returns 0, or -1 with a one-line reason in err.
 */
int floor_once(const struct floor_ctx *fc, enum floor_guest g,
	       struct floor_sample *s, char *err, size_t errlen);

/*
 * floor_once without the teardown: the VM stays open until floor_release,
 * so density can hold many at once. Fills s except t_closed. On error
 * everything is closed and v needs no release.
 */
int floor_hold(const struct floor_ctx *fc, enum floor_guest g,
	       struct floor_vm *v, struct floor_sample *s, char *err,
	       size_t errlen);
void floor_release(struct floor_vm *v);

#endif

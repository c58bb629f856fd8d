/*
 * The raw-KVM floor: create VM + memslot + vCPU, run one real-mode
 * instruction to its first exit, then close everything or hold it open.
 */
#include "floor.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "timeutil.h"

#define FLOOR_MEM  (2u << 20)
#define FLOOR_PORT 0x10

const char *floor_guest_name(enum floor_guest g)
{
	return g == FLOOR_HLT ? "real-mode hlt (KVM_EXIT_HLT)"
			      : "real-mode out (KVM_EXIT_IO)";
}

int floor_open(struct floor_ctx *fc, char *err, size_t errlen)
{
	fc->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fc->kvm_fd < 0) {
		snprintf(err, errlen, "cannot open /dev/kvm: %s",
			 strerror(errno));
		return -1;
	}
	fc->run_size = ioctl(fc->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (fc->run_size < (int)sizeof(struct kvm_run)) {
		snprintf(err, errlen, "KVM_GET_VCPU_MMAP_SIZE: %s",
			 strerror(errno));
		close(fc->kvm_fd);
		fc->kvm_fd = -1;
		return -1;
	}
	return 0;
}

void floor_close(struct floor_ctx *fc)
{
	if (fc->kvm_fd >= 0)
		close(fc->kvm_fd);
	fc->kvm_fd = -1;
}

/* Reset state is real mode at CS 0xf000 base 0xffff0000; move CS to 0. */
static int set_regs(int vcpu_fd)
{
	struct kvm_sregs sr;
	struct kvm_regs r;

	if (ioctl(vcpu_fd, KVM_GET_SREGS, &sr) < 0)
		return -1;
	sr.cs.base = 0;
	sr.cs.selector = 0;
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &sr) < 0)
		return -1;
	memset(&r, 0, sizeof(r));
	r.rflags = 2; /* bit 1 is reserved-one */
	r.rip = 0;
	return ioctl(vcpu_fd, KVM_SET_REGS, &r);
}

static int check_exit(const struct kvm_run *run, enum floor_guest g, char *err,
		      size_t errlen)
{
	if (g == FLOOR_HLT && run->exit_reason == KVM_EXIT_HLT)
		return 0;
	if (g == FLOOR_OUT && run->exit_reason == KVM_EXIT_IO &&
	    run->io.direction == KVM_EXIT_IO_OUT && run->io.port == FLOOR_PORT)
		return 0;
	snprintf(err, errlen, "floor guest %s: unexpected exit reason %u",
		 floor_guest_name(g), run->exit_reason);
	return -1;
}

int floor_hold(const struct floor_ctx *fc, enum floor_guest g,
	       struct floor_vm *v, struct floor_sample *s, char *err,
	       size_t errlen)
{
	struct kvm_userspace_memory_region slot;
	const char *what = "";
	int rc = -1;

	*v = (struct floor_vm){-1, -1, fc->run_size, MAP_FAILED, MAP_FAILED};
	s->t_start = mono_ns();
	v->vm_fd = ioctl(fc->kvm_fd, KVM_CREATE_VM, 0);
	if (v->vm_fd < 0) {
		what = "KVM_CREATE_VM";
		goto out;
	}
	/* Like mote: reserved anonymous memory, backed only where touched. */
	v->mem = mmap(NULL, FLOOR_MEM, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (v->mem == MAP_FAILED) {
		what = "mmap guest memory";
		goto out;
	}
	if (g == FLOOR_HLT) {
		v->mem[0] = 0xf4;
	} else {
		v->mem[0] = 0xe6; /* out %al, $FLOOR_PORT */
		v->mem[1] = FLOOR_PORT;
	}
	memset(&slot, 0, sizeof(slot));
	slot.memory_size = FLOOR_MEM;
	slot.userspace_addr = (uintptr_t)v->mem;
	if (ioctl(v->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0) {
		what = "KVM_SET_USER_MEMORY_REGION";
		goto out;
	}
	v->vcpu_fd = ioctl(v->vm_fd, KVM_CREATE_VCPU, 0);
	if (v->vcpu_fd < 0) {
		what = "KVM_CREATE_VCPU";
		goto out;
	}
	v->run = mmap(NULL, (size_t)fc->run_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED, v->vcpu_fd, 0);
	if (v->run == MAP_FAILED) {
		what = "mmap kvm_run";
		goto out;
	}
	s->t_created = mono_ns();
	if (set_regs(v->vcpu_fd) < 0) {
		what = "setting registers";
		goto out;
	}
	s->t_ready = mono_ns();
	if (ioctl(v->vcpu_fd, KVM_RUN, 0) < 0) {
		what = "KVM_RUN";
		goto out;
	}
	s->t_first_exit = mono_ns();
	rc = check_exit(v->run, g, err, errlen);
out:
	if (rc && *what)
		snprintf(err, errlen, "floor: %s: %s", what, strerror(errno));
	if (rc)
		floor_release(v);
	return rc;
}

void floor_release(struct floor_vm *v)
{
	if (v->run != MAP_FAILED)
		munmap(v->run, (size_t)v->run_size);
	if (v->vcpu_fd >= 0)
		close(v->vcpu_fd);
	if (v->vm_fd >= 0)
		close(v->vm_fd);
	if (v->mem != MAP_FAILED)
		munmap(v->mem, FLOOR_MEM);
	*v = (struct floor_vm){-1, -1, 0, MAP_FAILED, MAP_FAILED};
}

int floor_once(const struct floor_ctx *fc, enum floor_guest g,
	       struct floor_sample *s, char *err, size_t errlen)
{
	struct floor_vm v;
	int rc = floor_hold(fc, g, &v, s, err, errlen);

	/* floor_hold closed everything itself if it failed. */
	if (rc == 0)
		floor_release(&v);
	s->t_closed = mono_ns();
	return rc;
}

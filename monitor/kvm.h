/*
 * Process-wide KVM state: /dev/kvm, the vCPU mmap size, supported CPUID.
 * Opened once and shared by every VM of the process.
 */
#ifndef MOTE_KVM_H
#define MOTE_KVM_H

#include <linux/kvm.h>

#include "cpuid.h"
#include "err.h"

struct kvm_host {
	int fd;
	int run_size;
	struct kvm_cpuid2 *cpuid; /* filtered to the CPU contract */
	struct cpu_contract cpu;
};

/* Opens /dev/kvm and checks what mote needs; idempotent and thread-safe. */
int kvm_host_get(const struct kvm_host **out, struct mote_err *err);

#endif

/*
 * The CPU contract (mote_abi.h): the host's CPUID filtered to what a guest
 * may use, and the XCR0 and auxv bits that say the same.
 */
#ifndef MOTE_CPUID_H
#define MOTE_CPUID_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

struct cpu_contract {
	uint64_t xcr0;   /* x87|SSE, plus AVX where the host has it */
	bool fsgsbase;   /* CR4.FSGSBASE is set for guests */
	uint64_t hwcap;  /* AT_HWCAP: CPUID.1:EDX */
	uint64_t hwcap2; /* AT_HWCAP2: bit 1 when FSGSBASE is usable */
	/* The feature words a guest may rely on (leaf 1 ECX/EDX, leaf 7.0
	 * EBX/ECX/EDX, 0x80000001 ECX/EDX): equal words, same contract. */
	uint32_t words[7];
};

/*
 * Filters c (from KVM_GET_SUPPORTED_CPUID) in place to the contract and
 * fills out. Unknown leaves keep what KVM reports, but every feature bit
 * of the leaves that enable instruction sets is on an allowlist.
 */
void cpuid_filter(struct kvm_cpuid2 *c, struct cpu_contract *out);

#endif

/*
 * CPUID filtering for the CPU contract. An instruction set a guest may use
 * is advertised only if it also works, on PVM and hardware KVM alike: AVX
 * state only with XCR0 enabling it, no AVX-512 or AMX (their state is not
 * in XCR0, so the instructions fault), no SYSCALL (EFER.SCE is clear).
 */
#include "cpuid.h"

#include <string.h>

#define BIT(n) (1u << (n))

/* CPUID.1:ECX, without and with AVX. */
#define L1_ECX_BASE                                                          \
	(BIT(0) /* SSE3 */ | BIT(1) /* PCLMULQDQ */ | BIT(9) /* SSSE3 */ |   \
	 BIT(13) /* CMPXCHG16B */ | BIT(19) /* SSE4.1 */ |                  \
	 BIT(20) /* SSE4.2 */ | BIT(22) /* MOVBE */ | BIT(23) /* POPCNT */ | \
	 BIT(25) /* AES */ | BIT(26) /* XSAVE */ | BIT(27) /* OSXSAVE */ |   \
	 BIT(30) /* RDRAND */ | BIT(31) /* hypervisor */)
#define L1_ECX_AVX (BIT(12) /* FMA */ | BIT(28) /* AVX */ | BIT(29) /* F16C */)
/* CPUID.7.0:EBX */
#define L7_EBX_BASE                                                          \
	(BIT(0) /* FSGSBASE */ | BIT(3) /* BMI1 */ | BIT(8) /* BMI2 */ |    \
	 BIT(9) /* ERMS */ | BIT(18) /* RDSEED */ | BIT(19) /* ADX */ |     \
	 BIT(23) /* CLFLUSHOPT */ | BIT(29) /* SHA */)
#define L7_EBX_AVX BIT(5) /* AVX2 */
#define L7_ECX_AVX (BIT(9) /* VAES */ | BIT(10) /* VPCLMULQDQ */)
#define L7_EDX_BASE BIT(4) /* FSRM */
/* CPUID.0xD.1:EAX: XSAVEOPT, XSAVEC, XGETBV with ECX=1; not XSAVES. */
#define LD1_EAX (BIT(0) | BIT(1) | BIT(2))
/* CPUID.0x80000001 */
#define LX1_ECX (BIT(0) /* LAHF */ | BIT(5) /* LZCNT */ | BIT(8) /* PREFETCHW */)
#define LX1_EDX_CLEAR BIT(11) /* SYSCALL */

#define XCR0_X87 1u
#define XCR0_SSE 2u
#define XCR0_AVX 4u
/* XSAVE area sizes: legacy region and header, then the AVX state. */
#define XSAVE_SIZE_SSE 576u
#define XSAVE_SIZE_AVX 832u

static struct kvm_cpuid_entry2 *find(struct kvm_cpuid2 *c, uint32_t fn,
				     uint32_t idx)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn && c->entries[i].index == idx)
			return &c->entries[i];
	return NULL;
}

/* Leaves of features mote never offers: tracing, SGX, AMX, AVX10, PMU. */
static bool dropped_leaf(uint32_t fn)
{
	return fn == 0xa || fn == 0x12 || fn == 0x14 || fn == 0x19 ||
	       fn == 0x1d || fn == 0x1e || fn == 0x24;
}

void cpuid_filter(struct kvm_cpuid2 *c, struct cpu_contract *out)
{
	struct kvm_cpuid_entry2 *l1 = find(c, 1, 0), *l7 = find(c, 7, 0);
	struct kvm_cpuid_entry2 *d0 = find(c, 0xd, 0);
	bool avx = l1 && (l1->ecx & BIT(28)) && d0 && (d0->eax & XCR0_AVX);

	memset(out, 0, sizeof(*out));
	out->xcr0 = XCR0_X87 | XCR0_SSE | (avx ? XCR0_AVX : 0);
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (dropped_leaf(e->function) ||
		    (e->function == 7 && e->index > 0) ||
		    (e->function == 0xd && e->index > (avx ? 2u : 1u)))
			e->eax = e->ebx = e->ecx = e->edx = 0;
	}
	if (l1) {
		l1->ecx &= L1_ECX_BASE | (avx ? L1_ECX_AVX : 0);
		out->hwcap = l1->edx;
	}
	if (l7) {
		l7->ebx &= L7_EBX_BASE | (avx ? L7_EBX_AVX : 0);
		l7->ecx &= avx ? L7_ECX_AVX : 0;
		l7->edx &= L7_EDX_BASE;
		l7->eax = 0; /* no further subleaves */
		out->fsgsbase = l7->ebx & BIT(0);
	}
	if (d0) {
		d0->eax = (uint32_t)out->xcr0;
		d0->edx = 0;
		d0->ecx = avx ? XSAVE_SIZE_AVX : XSAVE_SIZE_SSE;
	}
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 0xd && e->index == 1) {
			e->eax &= LD1_EAX;
			e->ecx = e->edx = 0; /* no supervisor state (XSS) */
		}
		if (e->function == 0x80000001) {
			e->ecx &= LX1_ECX;
			e->edx &= ~LX1_EDX_CLEAR;
		}
	}
	out->hwcap2 = out->fsgsbase ? BIT(1) : 0; /* HWCAP2_FSGSBASE */
	if (l1) {
		out->words[0] = l1->ecx & ~BIT(27); /* OSXSAVE: per vCPU */
		out->words[1] = l1->edx;
	}
	if (l7) {
		out->words[2] = l7->ebx;
		out->words[3] = l7->ecx;
		out->words[4] = l7->edx;
	}
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == 0x80000001) {
			out->words[5] = c->entries[i].ecx;
			out->words[6] = c->entries[i].edx;
		}
}

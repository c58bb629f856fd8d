/*
 * Warm-pool leak test: `plant <hex64>` leaves a secret in registers and all
 * kinds of memory; `check <hex64>` on a later instance reports what survived.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include <cpuid.h>

#include "mote.h"

/* secret_entry.S: the state this instance started with, as secret_entry
 * saved it before _start ran. */
struct captured {
	unsigned char fx[512]; /* fxsave64 image */
	uint64_t gpr[14];      /* in gpr_names order */
	uint64_t fs_base;      /* rdfsbase, else the TCB's self pointer */
	uint64_t gs_base;      /* rdgsbase, with CAP_HAVE_FSGS */
	uint64_t flags;	       /* CAP_HAVE_* */
	uint64_t pad;
	unsigned char ymm_hi[16][16]; /* with CAP_HAVE_YMM */
} __attribute__((aligned(16)));
#define CAP_HAVE_FSGS 1u
#define CAP_HAVE_YMM  2u
extern struct captured secret_captured;
_Static_assert(offsetof(struct captured, fs_base) == 512 + 14 * 8 &&
		       offsetof(struct captured, ymm_hi) == 512 + 14 * 8 + 32 &&
		       sizeof(struct captured) == 512 + 14 * 8 + 32 + 256,
	       "secret_entry.S");
_Noreturn void secret_exit(uint64_t secret, const struct mote_hc_exit *hc,
			   uint64_t doorbell, uint64_t flags);

static const char *const gpr_names[] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rbp", "r8",
	"r9",  "r10", "r11", "r12", "r13", "r14", "r15",
};
_Static_assert(sizeof(gpr_names) / sizeof(gpr_names[0]) ==
		       sizeof(secret_captured.gpr) /
			       sizeof(secret_captured.gpr[0]),
	       "secret_entry.S");

/* The writable segment's bounds, from mote.ld. */
extern char __data_start[], __bss_start[];

/*
 * check must not put the secret in memory itself, or it would find its own
 * copy: it only ever holds secret ^ MASK, parsed nibble by nibble.
 */
#define MASK 0xa55a3cc3f00f9669ULL

/* Plant targets: one word in .data (nonzero, so not in .bss) and a page
 * in .bss. */
static uint64_t planted_data = 1;
static uint64_t planted_bss[512];

#define KIB 1024u
#define MIB (1024u * KIB)

/* Fills n bytes at p with v, and makes the compiler believe the memory
 * is read afterwards: otherwise these dead stores could be dropped. */
static void fill(void *p, size_t n, uint64_t v)
{
	uint64_t *w = p;

	for (size_t i = 0; i < n / 8; i++)
		w[i] = v;
	__asm__ volatile("" : : "r"(p) : "memory");
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 1-16 hex digits, optional 0x, nonzero (zeros are everywhere); stores
 * value ^ MASK. Each nibble is masked as it is parsed, so the whole value
 * never exists, not even in a register. */
static int parse_masked(const char *s, uint64_t *out)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	size_t n = strlen(s);
	uint64_t m = n < 16 ? MASK & (~0ULL << (4 * n)) : 0;

	if (n == 0 || n > 16)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int d = hex_digit(s[i]);
		unsigned shift = 4 * (unsigned)(n - 1 - i);

		if (d < 0)
			return -1;
		m |= ((uint64_t)d ^ ((MASK >> shift) & 0xf)) << shift;
	}
	if (m == MASK)
		return -1;
	*out = m;
	return 0;
}

/* What plant may touch beyond SSE: the ymm upper halves when AVX is
 * usable (CPUID and XCR0 say so), GS base when AT_HWCAP2 bit 1 says
 * wrgsbase is. */
static uint64_t plant_flags(void)
{
	unsigned a, b, c, d;
	uint64_t flags = 0;

	if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_OSXSAVE) &&
	    (c & bit_AVX)) {
		uint32_t lo, hi;

		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		if ((lo & 6) == 6)
			flags |= CAP_HAVE_YMM;
	}
	if (getauxval(AT_HWCAP2) & 2)
		flags |= CAP_HAVE_FSGS;
	return flags;
}

/* ---- plant ---- */

/* A 64 KiB array in a frame of its own, reaching about 64 KiB below the
 * stack pointer main was called with. */
static __attribute__((noinline)) void plant_stack(uint64_t secret)
{
	uint64_t deep[64 * KIB / 8];

	fill(deep, sizeof(deep), secret);
}

static void plant_memory(uint64_t secret)
{
	const struct mote_boot_info *bi = mote_boot_info();

	fill(&planted_data, sizeof(planted_data), secret);
	fill(planted_bss, sizeof(planted_bss), secret);

	/* Heap: a small and a page-sized block, the latter freed (free only
	 * relinks its first words); a 1 MiB block, every page of it; and
	 * the last page of the largest block that still fits, so the far
	 * end of the heap is dirty too. None is freed back to the runtime
	 * before exit: the monitor must clean up regardless. */
	void *small = malloc(48), *page = malloc(4000);
	void *big = malloc(MIB), *far = NULL;
	size_t far_size = bi->heap_end - bi->heap_start;

	if (!small || !page || !big) {
		fputs("secret: out of memory\n", stderr);
		exit(1);
	}
	fill(small, 48, secret);
	fill(page, 4000, secret);
	fill(big, MIB, secret);
	free(page);
	while (far_size > 64 * KIB && !(far = malloc(far_size)))
		far_size -= 64 * KIB;
	if (far)
		fill((char *)far + far_size - 4 * KIB, 4 * KIB, secret);

	plant_stack(secret);
}

static _Noreturn void plant(uint64_t secret, int status)
{
	struct mote_hc_exit hc = {
		.status = status,
		.entry_tsc = mote_entry_tsc(),
	};

	plant_memory(secret);
	printf("planted\n");
	fflush(NULL);
	secret_exit(secret, &hc, MOTE_HC_GPA + 8 * MOTE_HC_EXIT, plant_flags());
}

/* ---- check ---- */

struct hits {
	size_t count;
	uintptr_t first;
};

/*
 * Counts the aligned words in [lo, hi) equal to the secret. A leaf, and
 * the mask is laundered every iteration, so the compiler cannot hoist
 * masked ^ MASK (the secret itself) into a register that a later call
 * might save on the stack. Volatile reads: this looks at memory no C
 * object owns.
 */
static __attribute__((noinline)) struct hits scan(uintptr_t lo, uintptr_t hi,
						  uint64_t masked)
{
	struct hits h = {0, 0};

	lo = (lo + 7) & ~(uintptr_t)7;
	for (uintptr_t a = lo; a + 8 <= hi; a += 8) {
		uint64_t m = MASK;

		__asm__("" : "+r"(m));
		if ((*(const volatile uint64_t *)a ^ m) == masked) {
			if (h.count++ == 0)
				h.first = a;
		}
	}
	return h;
}

static int leaks;

static void report(const char *where, struct hits h)
{
	if (h.count == 0)
		return;
	printf("LEAK: %s: %zu word%s from %#lx\n", where, h.count,
	       h.count == 1 ? "" : "s", (unsigned long)h.first);
	leaks++;
}

static int matches(uint64_t w, uint64_t masked)
{
	uint64_t m = MASK;

	__asm__("" : "+r"(m));
	return (w ^ m) == masked;
}

static void check_registers(uint64_t masked)
{
	const struct captured *c = &secret_captured;

	for (size_t i = 0; i < sizeof(c->gpr) / sizeof(c->gpr[0]); i++)
		if (matches(c->gpr[i], masked)) {
			printf("LEAK: register %s\n", gpr_names[i]);
			leaks++;
		}
	/* Every 8-byte chunk of the fxsave image, in 16-byte slots: x87
	 * registers from offset 32, xmm from 160; one line per slot. */
	for (unsigned off = 0; off < sizeof(c->fx); off += 16) {
		uint64_t lo, hi;

		memcpy(&lo, c->fx + off, 8);
		memcpy(&hi, c->fx + off + 8, 8);
		if (!matches(lo, masked) && !matches(hi, masked))
			continue;
		if (off >= 32 && off < 160)
			printf("LEAK: x87 st(%u)\n", (off - 32) / 16);
		else if (off >= 160 && off < 416)
			printf("LEAK: xmm%u\n", (off - 160) / 16);
		else
			printf("LEAK: fxsave area +%u\n", off);
		leaks++;
	}

	/* ymm upper halves, when AVX was usable at entry. */
	for (unsigned i = 0; (c->flags & CAP_HAVE_YMM) && i < 16; i++) {
		uint64_t lo, hi;

		memcpy(&lo, c->ymm_hi[i], 8);
		memcpy(&hi, c->ymm_hi[i] + 8, 8);
		if (matches(lo, masked) || matches(hi, masked)) {
			printf("LEAK: ymm%u upper half\n", i);
			leaks++;
		}
	}
	/* FS base is the boot info's thread pointer; GS base is 0. */
	if (c->fs_base != mote_boot_info()->tp) {
		printf("LEAK: FS base %#lx at entry, not tp %#lx\n",
		       (unsigned long)c->fs_base,
		       (unsigned long)mote_boot_info()->tp);
		leaks++;
	}
	if ((c->flags & CAP_HAVE_FSGS) && c->gs_base != 0) {
		printf("LEAK: GS base %s at entry\n",
		       matches(c->gs_base, masked) ? "holds the secret"
						   : "not 0");
		leaks++;
	}

	/* The x87/SSE control words must be at their reset values (FINIT
	 * and MXCSR 0x1f80, as the ABI's entry state says), or the previous
	 * instance's settings survived. */
	uint16_t fcw, fsw;
	uint8_t ftw;
	uint32_t mxcsr;

	memcpy(&fcw, c->fx + 0, 2);
	memcpy(&fsw, c->fx + 2, 2);
	memcpy(&ftw, c->fx + 4, 1);
	memcpy(&mxcsr, c->fx + 24, 4);
	if (fcw != 0x37f || fsw != 0 || ftw != 0 || mxcsr != 0x1f80) {
		printf("LEAK: x87/SSE state not at reset: fcw=%#x fsw=%#x "
		       "ftw=%#x mxcsr=%#x\n",
		       fcw, fsw, ftw, mxcsr);
		leaks++;
	}
}

/* .data, .bss (minus the entry capture, checked above) and the heap. */
static void check_memory(uint64_t masked)
{
	const struct mote_boot_info *bi = mote_boot_info();
	uintptr_t cap = (uintptr_t)&secret_captured;
	uintptr_t bss = (uintptr_t)__bss_start;

	report(".data", scan((uintptr_t)__data_start, bss, masked));
	if (cap >= bss && cap < bi->heap_start) {
		struct hits a = scan(bss, cap, masked);
		struct hits b = scan(cap + sizeof(secret_captured),
				     bi->heap_start, masked);

		if (a.count == 0)
			a.first = b.first;
		a.count += b.count;
		report(".bss", a);
	} else {
		report(".bss", scan(bss, bi->heap_start, masked));
	}
	report("heap", scan(bi->heap_start, bi->heap_end, masked));
}

/* The stack below this frame: whatever earlier frames left there. The
 * 256 bytes spare scan's own frame (called right below us). */
static void check_stack(uint64_t masked)
{
	const struct mote_boot_info *bi = mote_boot_info();
	uintptr_t sp;

	__asm__ volatile("movq %%rsp, %0" : "=r"(sp));
	report("stack",
	       scan(bi->mem_size - MOTE_STACK_SIZE, sp - 256, masked));
}

/* Everything check mode looks at; stack last, to cover every frame used
 * before it. Returns the exit status. */
static int check(uint64_t masked)
{
	check_registers(masked);
	check_memory(masked);
	check_stack(masked);
	if (leaks == 0)
		printf("clean\n");
	return leaks ? 1 : 0;
}

static int usage(void)
{
	fputs("usage: secret plant|check|cycle|selftest <hex64>\n"
	      "  plant: leave the value in registers and memory, exit 0\n"
	      "  check: exit 0 if none of it is left, else 1 (LEAK: lines)\n"
	      "  cycle: check, then plant; exit as check did\n"
	      "  selftest: plant memory, then check: it must find all of it\n",
	      stderr);
	return 2;
}

/* The 16 AT_RANDOM bytes this start got: they must differ every time. */
static int print_random(void)
{
	const unsigned char *r = (const unsigned char *)getauxval(AT_RANDOM);

	if (!r)
		return 1;
	printf("random=");
	for (int i = 0; i < 16; i++)
		printf("%02x", r[i]);
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t masked;

	if (argc == 2 && strcmp(argv[1], "random") == 0)
		return print_random();
	if (argc != 3 || parse_masked(argv[2], &masked) < 0)
		return usage();
	if (strcmp(argv[1], "plant") == 0)
		plant(masked ^ MASK, 0);
	if (strcmp(argv[1], "check") == 0)
		return check(masked);
	/* For `mote run --count N --pool M`, where every instance gets the
	 * same arguments: each one checks what its predecessor in the same
	 * VM left, then leaves its own. */
	if (strcmp(argv[1], "cycle") == 0)
		plant(masked ^ MASK, check(masked));
	if (strcmp(argv[1], "selftest") == 0) {
		/* Proves check can see each kind of memory it scans: every
		 * region must report a leak here. */
		plant_memory(masked ^ MASK);
		check_memory(masked);
		check_stack(masked);
		if (leaks != 4) {
			printf("selftest: FAILED (%d of 4 regions found)\n",
			       leaks);
			return 1;
		}
		printf("selftest: ok\n");
		return 0;
	}
	return usage();
}

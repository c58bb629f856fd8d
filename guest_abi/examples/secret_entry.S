/*
 * The machine-state edges of the secret guest: secret_entry records the
 * registers an instance starts with; secret_exit leaves the secret in them.
 */

/* struct captured in secret.c, after the fxsave image and 14 registers. */
#define CAP_FS (512 + 14 * 8)
#define CAP_GS (CAP_FS + 8)
#define CAP_FLAGS (CAP_FS + 16)
#define CAP_YMM (CAP_FS + 32)
#define CAP_SIZE (CAP_YMM + 16 * 16)
#define CAP_HAVE_FSGS 1
#define CAP_HAVE_YMM 2

	/* Entry point (linked with -e secret_entry): saves the general
	 * registers and the x87/SSE state before _start and the C runtime
	 * overwrite them, then continues at _start with %rdi (boot info) and
	 * %rsp untouched. RIP-relative stores need no scratch register. */
	.section .text.secret_entry, "ax", @progbits
	.globl secret_entry
	.type secret_entry, @function
secret_entry:
	fxsave64 secret_captured(%rip)
	/* Same order as gpr_names in secret.c. */
	movq %rax, secret_captured + 512 + 0 * 8(%rip)
	movq %rbx, secret_captured + 512 + 1 * 8(%rip)
	movq %rcx, secret_captured + 512 + 2 * 8(%rip)
	movq %rdx, secret_captured + 512 + 3 * 8(%rip)
	movq %rsi, secret_captured + 512 + 4 * 8(%rip)
	movq %rbp, secret_captured + 512 + 5 * 8(%rip)
	movq %r8, secret_captured + 512 + 6 * 8(%rip)
	movq %r9, secret_captured + 512 + 7 * 8(%rip)
	movq %r10, secret_captured + 512 + 8 * 8(%rip)
	movq %r11, secret_captured + 512 + 9 * 8(%rip)
	movq %r12, secret_captured + 512 + 10 * 8(%rip)
	movq %r13, secret_captured + 512 + 11 * 8(%rip)
	movq %r14, secret_captured + 512 + 12 * 8(%rip)
	movq %r15, secret_captured + 512 + 13 * 8(%rip)

	/* FS and GS base, and the upper halves of ymm0-15, the general
	 * registers being saved: cpuid and xgetbv may clobber them. %rdi
	 * (boot info) and %rsp stay as they came. %r8 collects the flags. */
	xorl %r8d, %r8d
	movl $7, %eax
	xorl %ecx, %ecx
	cpuid
	testl $1, %ebx /* FSGSBASE: CR4.FSGSBASE is then set (mote_abi.h) */
	jz 1f
	rdfsbase %rax
	movq %rax, secret_captured + CAP_FS(%rip)
	rdgsbase %rax
	movq %rax, secret_captured + CAP_GS(%rip)
	orl $CAP_HAVE_FSGS, %r8d
	jmp 2f
1:	/* No rdfsbase: the TCB's self pointer is tp when FS base is. */
	movq %fs:0, %rax
	movq %rax, secret_captured + CAP_FS(%rip)
2:	movl $1, %eax
	cpuid
	andl $0x18000000, %ecx /* OSXSAVE and AVX */
	cmpl $0x18000000, %ecx
	jne 3f
	xorl %ecx, %ecx
	xgetbv
	andl $6, %eax /* XCR0: SSE and AVX state enabled */
	cmpl $6, %eax
	jne 3f
	orl $CAP_HAVE_YMM, %r8d
	vextractf128 $1, %ymm0, secret_captured + CAP_YMM + 0 * 16(%rip)
	vextractf128 $1, %ymm1, secret_captured + CAP_YMM + 1 * 16(%rip)
	vextractf128 $1, %ymm2, secret_captured + CAP_YMM + 2 * 16(%rip)
	vextractf128 $1, %ymm3, secret_captured + CAP_YMM + 3 * 16(%rip)
	vextractf128 $1, %ymm4, secret_captured + CAP_YMM + 4 * 16(%rip)
	vextractf128 $1, %ymm5, secret_captured + CAP_YMM + 5 * 16(%rip)
	vextractf128 $1, %ymm6, secret_captured + CAP_YMM + 6 * 16(%rip)
	vextractf128 $1, %ymm7, secret_captured + CAP_YMM + 7 * 16(%rip)
	vextractf128 $1, %ymm8, secret_captured + CAP_YMM + 8 * 16(%rip)
	vextractf128 $1, %ymm9, secret_captured + CAP_YMM + 9 * 16(%rip)
	vextractf128 $1, %ymm10, secret_captured + CAP_YMM + 10 * 16(%rip)
	vextractf128 $1, %ymm11, secret_captured + CAP_YMM + 11 * 16(%rip)
	vextractf128 $1, %ymm12, secret_captured + CAP_YMM + 12 * 16(%rip)
	vextractf128 $1, %ymm13, secret_captured + CAP_YMM + 13 * 16(%rip)
	vextractf128 $1, %ymm14, secret_captured + CAP_YMM + 14 * 16(%rip)
	vextractf128 $1, %ymm15, secret_captured + CAP_YMM + 15 * 16(%rip)
3:	movq %r8, secret_captured + CAP_FLAGS(%rip)
	jmp _start
	.size secret_entry, . - secret_entry

	/*
	 * _Noreturn void secret_exit(uint64_t secret, const struct
	 *	mote_hc_exit *hc, uint64_t doorbell, uint64_t flags): fills
	 * every register the exit store does not need with the secret (the
	 * ymm upper halves too with CAP_HAVE_YMM in flags, and GS base with
	 * CAP_HAVE_FSGS), knocks the x87/SSE
	 * control words off their reset values, then makes the EXIT
	 * hypercall itself, so no C code runs after the registers are set.
	 */
	.section .text.secret_exit, "ax", @progbits
	.globl secret_exit
	.type secret_exit, @function
secret_exit:
	/* x87: an 80-bit value whose 64-bit significand is the secret,
	 * loaded unconverted (fldt raises nothing for any bit pattern), 8
	 * times to fill the whole register stack. */
	subq $16, %rsp
	movq %rdi, (%rsp)
	movq $0x3fff, 8(%rsp)
	fldt (%rsp)
	fldt (%rsp)
	fldt (%rsp)
	fldt (%rsp)
	fldt (%rsp)
	fldt (%rsp)
	fldt (%rsp)
	fldt (%rsp)
	/* Round toward zero in both units (reset: to nearest): a later
	 * instance inheriting it would silently compute different results. */
	movw $0x0f7f, (%rsp)
	fldcw (%rsp)
	movl $0x7f80, (%rsp)
	ldmxcsr (%rsp)

	movq %rdi, %xmm0
	punpcklqdq %xmm0, %xmm0
	movdqa %xmm0, %xmm1
	movdqa %xmm0, %xmm2
	movdqa %xmm0, %xmm3
	movdqa %xmm0, %xmm4
	movdqa %xmm0, %xmm5
	movdqa %xmm0, %xmm6
	movdqa %xmm0, %xmm7
	movdqa %xmm0, %xmm8
	movdqa %xmm0, %xmm9
	movdqa %xmm0, %xmm10
	movdqa %xmm0, %xmm11
	movdqa %xmm0, %xmm12
	movdqa %xmm0, %xmm13
	movdqa %xmm0, %xmm14
	movdqa %xmm0, %xmm15

	testl $CAP_HAVE_YMM, %ecx
	jz 1f
	vinsertf128 $1, %xmm0, %ymm0, %ymm0
	vmovdqa %ymm0, %ymm1
	vmovdqa %ymm0, %ymm2
	vmovdqa %ymm0, %ymm3
	vmovdqa %ymm0, %ymm4
	vmovdqa %ymm0, %ymm5
	vmovdqa %ymm0, %ymm6
	vmovdqa %ymm0, %ymm7
	vmovdqa %ymm0, %ymm8
	vmovdqa %ymm0, %ymm9
	vmovdqa %ymm0, %ymm10
	vmovdqa %ymm0, %ymm11
	vmovdqa %ymm0, %ymm12
	vmovdqa %ymm0, %ymm13
	vmovdqa %ymm0, %ymm14
	vmovdqa %ymm0, %ymm15
1:	testl $CAP_HAVE_FSGS, %ecx
	jz 2f
	wrgsbase %rdi
2:

	/* %rax = the argument, %rdx = the doorbell; all else the secret. */
	movq %rsi, %rax
	movq %rdi, %rbx
	movq %rdi, %rcx
	movq %rdi, %rsi
	movq %rdi, %rbp
	movq %rdi, %r8
	movq %rdi, %r9
	movq %rdi, %r10
	movq %rdi, %r11
	movq %rdi, %r12
	movq %rdi, %r13
	movq %rdi, %r14
	movq %rdi, %r15
	movq %rax, (%rdx)
	/* The monitor never resumes an exited guest. */
	ud2
	.size secret_exit, . - secret_exit

	/* fxsave area (512 bytes, 16-byte aligned), the 14 registers, FS
	 * and GS base, flags, ymm upper halves: struct captured in secret.c. */
	.section .bss.secret_captured, "aw", @nobits
	.balign 16
	.globl secret_captured
	.type secret_captured, @object
secret_captured:
	.zero CAP_SIZE
	.size secret_captured, . - secret_captured

	.section .note.GNU-stack, "", @progbits

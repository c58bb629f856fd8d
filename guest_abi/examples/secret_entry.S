/*
 * The machine-state edges of the secret guest: secret_entry records the
 * registers an instance starts with; secret_exit leaves the secret in them.
 */

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
	jmp _start
	.size secret_entry, . - secret_entry

	/*
	 * _Noreturn void secret_exit(uint64_t secret, const struct
	 *	mote_hc_exit *hc, uint64_t doorbell): fills every register the
	 * exit store does not need with the secret, knocks the x87/SSE
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

	/* fxsave area (512 bytes, 16-byte aligned) then the 14 registers:
	 * struct captured in secret.c. */
	.section .bss.secret_captured, "aw", @nobits
	.balign 16
	.globl secret_captured
	.type secret_captured, @object
secret_captured:
	.zero 512 + 14 * 8
	.size secret_captured, . - secret_captured

	.section .note.GNU-stack, "", @progbits

/*
 * Guest entry point: records the entry TSC, hands the boot info to the C
 * runtime, then runs main(argc, argv) and exit()s with its result.
 */

/* Offsets in struct mote_boot_info; init.c checks them at compile time. */
#define BOOT_ARGC 12
#define BOOT_ARGV 16

	.section .text._start, "ax", @progbits
	.globl _start
	.type _start, @function
_start:
	/* First instruction, so the monitor can measure its own boot cost. */
	rdtsc
	shlq $32, %rdx
	orq %rdx, %rax
	movq %rax, __mote_entry_tsc_value(%rip)

	xorl %ebp, %ebp /* end of frame-pointer chains */
	movq %rdi, %rbx /* boot info, callee-saved across the calls below */
	call __mote_init

	movl BOOT_ARGC(%rbx), %edi
	movq BOOT_ARGV(%rbx), %rsi
	call main

	movl %eax, %edi
	call exit
	ud2
	.size _start, . - _start

	.section .note.GNU-stack, "", @progbits

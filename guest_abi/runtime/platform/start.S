/*
 * Guest entry point: records the entry TSC, then hands the System V
 * initial stack (argc at %rsp) and the boot info (%rdi) to __mote_start.
 */
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
	movq %rdi, %rsi /* boot info */
	movq %rsp, %rdi /* argc, argv..., NULL, envp..., NULL, auxv */
	andq $-16, %rsp /* the ABI says it is aligned; do not depend on it */
	call __mote_start
	ud2
	.size _start, . - _start

	.section .note.GNU-stack, "", @progbits

/*
 * The QEMU baseline's guest: the least a PVH kernel can do. QEMU enters it
 * in 32-bit protected mode through the XEN_ELFNOTE_PHYS32_ENTRY note; it
 * writes 'R' to the debugcon port (ready), then either exits through
 * isa-debug-exit (pvh-exit.elf) or halts for good (pvh-idle.elf, -DIDLE).
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define DEBUGCON_PORT 0xe9
#define DEBUG_EXIT_PORT 0x501

	.section .note.pvh, "a"
	.p2align 2
	.long 4			/* namesz: "Xen\0" */
	.long 4			/* descsz: a 32-bit entry address */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.long pvh_start

	.text
	.code32
	.globl pvh_start
pvh_start:
	movb $'R', %al
	outb %al, $DEBUGCON_PORT
#ifndef IDLE
	movw $DEBUG_EXIT_PORT, %dx
	xorb %al, %al
	outb %al, %dx
#endif
	/* Interrupts are off: hlt parks the vCPU in the kernel for good. */
1:	hlt
	jmp 1b
	.section .note.GNU-stack, "", @progbits

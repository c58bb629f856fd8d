/*
 * The mote ABI note (mote_abi.h): name "mote", type MOTE_NOTE_ABI (1),
 * a 4-byte descriptor holding MOTE_ABI_VERSION (2). mote.ld keeps it in
 * a PT_NOTE segment; the monitor refuses images without it.
 */
	.section .note.mote, "a", @note
	.balign 4
	.long 5         /* namesz: "mote" and its NUL */
	.long 4         /* descsz */
	.long 1         /* MOTE_NOTE_ABI */
	.asciz "mote"
	.balign 4
	.long 2         /* MOTE_ABI_VERSION */
	.balign 4

	.section .note.GNU-stack, "", @progbits

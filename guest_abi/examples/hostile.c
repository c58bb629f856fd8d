/*
 * Guest that makes one malformed hypercall (or a raw system call), chosen
 * by argv[1]. The monitor must stop it with MOTE_STATUS_CRASH; if the call
 * returns it exits 3.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mote.h"

/* Valid in every field, for the modes that break something else. */
static struct mote_hc_io valid_write(void)
{
	static const char msg[] = "hostile: this should not print\n";

	return (struct mote_hc_io){1, (uintptr_t)msg, sizeof(msg) - 1, 0};
}

static void *doorbell(unsigned nr)
{
	return (void *)(uintptr_t)(MOTE_HC_GPA + 8 * (uint64_t)nr);
}

/* A raw Linux system call (getpid): there is no kernel to take it. The
 * build's no-syscall check allows it in this function only. */
static __attribute__((noinline)) long hostile_raw_syscall(void)
{
	long ret = 39;

	__asm__ volatile("syscall" : "+a"(ret) : : "rcx", "r11", "memory");
	return ret;
}

static void run(const char *mode)
{
	/* Aligned 32 so that +1 below is certainly misaligned while the
	 * shifted copy stays inside this object. */
	_Alignas(32) struct mote_hc_io hc[2];
	const struct mote_boot_info *bi = mote_boot_info();
	uint64_t mem_size = bi->mem_size;

	hc[0] = valid_write();
	if (strcmp(mode, "badptr") == 0) {
		hc[0].buf = 0xdead000000000ULL;
		mote_hypercall(MOTE_HC_WRITE, &hc[0]);
	} else if (strcmp(mode, "overflow") == 0) {
		hc[0].len = UINT64_MAX - 8; /* buf + len wraps around */
		mote_hypercall(MOTE_HC_WRITE, &hc[0]);
	} else if (strcmp(mode, "hugelen") == 0) {
		/* A real, mapped buffer: only the length is wrong. */
		char *big = malloc(MOTE_IO_MAX + 1);

		if (!big)
			return;
		memset(big, 'x', MOTE_IO_MAX + 1);
		hc[0].buf = (uintptr_t)big;
		hc[0].len = MOTE_IO_MAX + 1;
		mote_hypercall(MOTE_HC_WRITE, &hc[0]);
	} else if (strcmp(mode, "unaligned") == 0) {
		memmove((char *)hc + 1, &hc[0], sizeof(hc[0]));
		mote_hypercall(MOTE_HC_WRITE, (char *)hc + 1);
	} else if (strcmp(mode, "argoutside") == 0) {
		/* The first byte past guest memory. */
		mote_hypercall(MOTE_HC_WRITE, (void *)(uintptr_t)mem_size);
	} else if (strcmp(mode, "argstraddle") == 0) {
		/* Starts in memory (8-aligned) but ends past it. */
		mote_hypercall(MOTE_HC_WRITE,
			       (void *)(uintptr_t)(mem_size - 8));
	} else if (strcmp(mode, "unknown") == 0) {
		mote_hypercall(MOTE_HC_COUNT + 5, &hc[0]);
	} else if (strcmp(mode, "nullarg") == 0) {
		mote_hypercall(MOTE_HC_WRITE, NULL);
	} else if (strcmp(mode, "fault") == 0) {
		/* As an exception stub would for #GP: the value is a vector. */
		mote_hypercall(MOTE_HC_FAULT, (void *)(uintptr_t)13);
	} else if (strcmp(mode, "wrongsize") == 0) {
		/* A 32-bit store of a valid argument address. */
		__asm__ volatile("movl %0, (%1)"
				 :
				 : "r"((uint32_t)(uintptr_t)&hc[0]),
				   "r"(doorbell(MOTE_HC_WRITE))
				 : "memory");
	} else if (strcmp(mode, "load") == 0) {
		uint64_t v;

		__asm__ volatile("movq (%1), %0"
				 : "=r"(v)
				 : "r"(doorbell(MOTE_HC_WRITE))
				 : "memory");
		printf("hostile: load returned %#llx\n", (unsigned long long)v);
	} else if (strcmp(mode, "write-pagetables") == 0) {
		/* The page tables: mapped for the monitor, never the guest. */
		hc[0].buf = MOTE_PT_GPA;
		mote_hypercall(MOTE_HC_WRITE, &hc[0]);
	} else if (strcmp(mode, "write-guard") == 0) {
		/* The unmapped stack guard starts at heap_end. */
		hc[0].buf = bi->heap_end;
		mote_hypercall(MOTE_HC_WRITE, &hc[0]);
	} else if (strcmp(mode, "exit-pagetables") == 0) {
		/* The argument struct itself in the page tables. */
		mote_hypercall(MOTE_HC_EXIT, (void *)(uintptr_t)MOTE_PT_GPA);
	} else if (strcmp(mode, "sse-doorbell") == 0) {
		/* A 16-byte store of a valid argument address (and zeros). */
		uint64_t v[2] = {(uintptr_t)&hc[0], 0};

		__asm__ volatile("movdqu (%0), %%xmm0\n\tmovdqu %%xmm0, (%1)"
				 :
				 : "r"(v), "r"(doorbell(MOTE_HC_WRITE))
				 : "xmm0", "memory");
	} else if (strcmp(mode, "read-readonly") == 0) {
		/* READ's buffer must be guest-writable: this is code. */
		hc[0].fd = 0;
		hc[0].buf = (uintptr_t)&run;
		hc[0].len = 16;
		mote_hypercall(MOTE_HC_READ, &hc[0]);
	} else if (strcmp(mode, "retired-console") == 0) {
		/* Version 1's CONSOLE number: not a hypercall any more. */
		mote_hypercall(MOTE_HC_RETIRED0, &hc[0]);
	} else if (strcmp(mode, "syscall") == 0) {
		printf("hostile: syscall returned %ld\n",
		       hostile_raw_syscall());
	}
}

static const char *const modes[] = {
	"badptr",
	"overflow",
	"hugelen",
	"unaligned",
	"argoutside",
	"argstraddle",
	"unknown",
	"nullarg",
	"fault",
	"wrongsize",
	"load",
	"write-pagetables",
	"write-guard",
	"exit-pagetables",
	"sse-doorbell",
	"read-readonly",
	"retired-console",
	"syscall",
};
#define NMODES (sizeof(modes) / sizeof(modes[0]))

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	size_t i = 0;

	/* Line-buffered, as the runtime's stdout was before ABI 2: this
	 * guest is stopped by the monitor, so exit never flushes its output. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (i < NMODES && strcmp(mode, modes[i]) != 0)
		i++;
	if (i == NMODES) {
		fputs("usage: hostile MODE, MODE one of:", stderr);
		for (i = 0; i < NMODES; i++)
			fprintf(stderr, " %s", modes[i]);
		fputs("\n", stderr);
		return 2;
	}
	printf("hostile: %s\n", mode);
	run(mode);
	fputs("survived\n", stdout);
	return 3;
}

/*
 * Guest that makes one malformed hypercall, chosen by argv[1]. The monitor
 * must stop it with MOTE_STATUS_CRASH; if the call returns it exits 3.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mote.h"

static char big[MOTE_CONSOLE_MAX * 2];

/* Valid in every field, for the modes that break something else. */
static struct mote_hc_console valid_console(void)
{
	static const char msg[] = "hostile: this should not print\n";

	return (struct mote_hc_console){ (uintptr_t)msg, sizeof(msg) - 1 };
}

static void *doorbell(unsigned nr)
{
	return (void *)(uintptr_t)(MOTE_HC_GPA + 8 * (uint64_t)nr);
}

static void run(const char *mode)
{
	/* Aligned 16 so that +1 below is certainly misaligned while the
	 * shifted copy stays inside this object. */
	_Alignas(16) struct mote_hc_console hc[2];
	uint64_t mem_size = mote_boot_info()->mem_size;

	hc[0] = valid_console();
	if (strcmp(mode, "badptr") == 0) {
		hc[0].buf = 0xdead000000000ULL;
		mote_hypercall(MOTE_HC_CONSOLE, &hc[0]);
	} else if (strcmp(mode, "overflow") == 0) {
		hc[0].len = UINT64_MAX - 8; /* buf + len wraps around */
		mote_hypercall(MOTE_HC_CONSOLE, &hc[0]);
	} else if (strcmp(mode, "hugelen") == 0) {
		/* A real, mapped buffer: only the length is wrong. */
		memset(big, 'x', sizeof(big));
		hc[0].buf = (uintptr_t)big;
		hc[0].len = MOTE_CONSOLE_MAX + 1;
		mote_hypercall(MOTE_HC_CONSOLE, &hc[0]);
	} else if (strcmp(mode, "unaligned") == 0) {
		memmove((char *)hc + 1, &hc[0], sizeof(hc[0]));
		mote_hypercall(MOTE_HC_CONSOLE, (char *)hc + 1);
	} else if (strcmp(mode, "argoutside") == 0) {
		/* The first byte past guest memory (0xfffff000 would be the
		 * stack with --mem 4G). */
		mote_hypercall(MOTE_HC_CONSOLE, (void *)(uintptr_t)mem_size);
	} else if (strcmp(mode, "argstraddle") == 0) {
		/* Starts in memory (8-aligned) but ends past it. */
		mote_hypercall(MOTE_HC_CONSOLE,
			       (void *)(uintptr_t)(mem_size - 8));
	} else if (strcmp(mode, "unknown") == 0) {
		mote_hypercall(MOTE_HC_COUNT + 5, &hc[0]);
	} else if (strcmp(mode, "nullarg") == 0) {
		mote_hypercall(MOTE_HC_CONSOLE, NULL);
	} else if (strcmp(mode, "fault") == 0) {
		/* As an exception stub would for #GP: the value is a vector. */
		mote_hypercall(MOTE_HC_FAULT, (void *)(uintptr_t)13);
	} else if (strcmp(mode, "wrongsize") == 0) {
		/* A 32-bit store of a valid argument address. */
		__asm__ volatile("movl %0, (%1)"
				 :
				 : "r"((uint32_t)(uintptr_t)&hc[0]),
				   "r"(doorbell(MOTE_HC_CONSOLE))
				 : "memory");
	} else if (strcmp(mode, "load") == 0) {
		uint64_t v;

		__asm__ volatile("movq (%1), %0"
				 : "=r"(v)
				 : "r"(doorbell(MOTE_HC_CONSOLE))
				 : "memory");
		printf("hostile: load returned %#llx\n", (unsigned long long)v);
	}
}

static const char *const modes[] = {
	"badptr", "overflow", "hugelen", "unaligned", "argoutside",
	"argstraddle", "unknown", "nullarg", "fault", "wrongsize", "load",
};
#define NMODES (sizeof(modes) / sizeof(modes[0]))

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	size_t i = 0;

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

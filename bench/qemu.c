/*
 * QEMU microvm baseline. The guests (pvh.S) have a PVH entry note, so QEMU
 * loads them with -kernel and no firmware boot protocol; they write 'R' to
 * the debugcon port when ready, and the exit guest then writes to
 * isa-debug-exit, which ends QEMU with status (0 << 1) | 1 = 1.
 */
#include "qemu.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "timeutil.h"

#define READY_BYTE  'R'
#define EXIT_STATUS 1

/* QEMU's best case for this guest: microvm without the devices the guest
 * never uses (legacy timers, PIC, serial, RTC, option ROMs), 16 MiB like
 * mote's default; -arch-capabilities because PVM hosts reject it. */
static const char *const qemu_args[] = {
	"-M",
	("microvm,x-option-roms=off,pit=off,pic=off,isa-serial=off,"
	 "rtc=off"),
	"-cpu",
	"host,-arch-capabilities",
	"-enable-kvm",
	"-m",
	"16M",
	"-nodefaults",
	"-no-user-config",
	"-display",
	"none",
	"-device",
	"isa-debug-exit",
	"-chardev",
	"file,id=ready,path=/dev/stdout",
	"-device",
	"isa-debugcon,iobase=0xe9,chardev=ready",
	"-kernel",
};
#define NARGS (sizeof(qemu_args) / sizeof(qemu_args[0]))

const char *qemu_cmdline(void)
{
	static char line[512];

	if (!line[0]) {
		size_t o = snprintf(line, sizeof(line), "qemu-system-x86_64");

		for (size_t i = 0; i < NARGS && o < sizeof(line); i++)
			o += snprintf(line + o, sizeof(line) - o, " %s",
				      qemu_args[i]);
		if (o < sizeof(line))
			snprintf(line + o, sizeof(line) - o, " pvh-exit.elf");
	}
	return line;
}

void qemu_find(struct qemu *q, const char *dir)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL;

	memset(q, 0, sizeof(*q));
	q->status = "not installed";
	copy = strdup(path ? path : "/usr/bin:/bin");
	for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(q->bin, sizeof(q->bin), "%s/qemu-system-x86_64", d);
		if (access(q->bin, X_OK) == 0) {
			q->status = NULL;
			break;
		}
	}
	free(copy);
	if (q->status)
		return;
	snprintf(q->exit_elf, sizeof(q->exit_elf), "%s/bench/pvh-exit.elf",
		 dir);
	snprintf(q->idle_elf, sizeof(q->idle_elf), "%s/bench/pvh-idle.elf",
		 dir);
	if (access(q->exit_elf, R_OK) != 0 || access(q->idle_elf, R_OK) != 0)
		q->status = "PVH guests not built (make bench builds them)";
}

static int start(const struct qemu *q, const char *elf, struct child *c)
{
	char *argv[NARGS + 3];

	argv[0] = (char *)q->bin;
	for (size_t i = 0; i < NARGS; i++)
		argv[i + 1] = (char *)qemu_args[i];
	argv[NARGS + 1] = (char *)elf;
	argv[NARGS + 2] = NULL;
	return child_spawn(argv, true, false, c);
}

int qemu_boot(const struct qemu *q, uint64_t timeout_ns, uint64_t *ready,
	      uint64_t *exit, char *why, size_t len)
{
	struct child c;
	char buf[64];
	uint64_t t0 = mono_ns(), deadline = t0 + timeout_ns;
	long n;
	int rc, st;

	*ready = *exit = 0;
	rc = start(q, q->exit_elf, &c);
	if (rc < 0) {
		snprintf(why, len, "cannot run %s: %s", q->bin, strerror(-rc));
		return -1;
	}
	n = child_read(c.out, buf, sizeof(buf), READY_BYTE, deadline);
	if (n > 0 && buf[n - 1] == READY_BYTE) {
		*ready = mono_ns() - t0;
		/* Then EOF: QEMU exits and its stdout closes. */
		n = child_read(c.out, buf, sizeof(buf), -1, deadline);
	}
	st = child_wait(&c, n < 0);
	*exit = mono_ns() - t0;
	if (n == -ETIMEDOUT) {
		snprintf(why, len, "QEMU did not finish in %llu ms",
			 (unsigned long long)(timeout_ns / 1000000));
		return -1;
	}
	if (!*ready || st < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != EXIT_STATUS) {
		snprintf(why, len,
			 "QEMU %s (wait status 0x%x, expected exit %d)",
			 *ready ? "ended oddly" : "never said ready", st,
			 EXIT_STATUS);
		return -1;
	}
	return 0;
}

int qemu_start_idle(const struct qemu *q, struct child *c)
{
	return start(q, q->idle_elf, c);
}

int qemu_ready(struct child *c, uint64_t deadline)
{
	char buf[8];
	long n = child_read(c->out, buf, sizeof(buf), READY_BYTE, deadline);

	if (n < 0)
		return (int)n;
	return n > 0 && buf[n - 1] == READY_BYTE ? 0 : -EPIPE;
}

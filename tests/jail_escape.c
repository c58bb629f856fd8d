/*
 * Test-only escape attempts, linked into build/tests/mote-jailtest (never
 * into mote): while a guest runs, try what a compromised monitor would.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../monitor/test_seams.h"

/* Read before the jail clears the environment. */
static char what[32];
static long target_pid;
static int check_fd = -1;
bool mote_test_no_seccomp; /* read by jail/confine.c built with MOTE_TEST_SEAMS */

__attribute__((constructor)) static void read_env(void)
{
	const char *w = getenv("MOTE_TEST_ESCAPE");
	const char *t = getenv("MOTE_TEST_PTRACE_PID");

	if (w)
		snprintf(what, sizeof(what), "%s", w);
	if (t)
		target_pid = atol(t);
	if (getenv("MOTE_TEST_CHECK_FD"))
		check_fd = atoi(getenv("MOTE_TEST_CHECK_FD"));
	mote_test_no_seccomp = getenv("MOTE_TEST_NO_SECCOMP") != NULL;
}

static void report(const char *name, long rc)
{
	char line[160];
	int n;

	if (rc < 0)
		n = snprintf(line, sizeof(line), "escape %s: refused (%s)\n",
			     name, strerror(errno));
	else
		n = snprintf(line, sizeof(line), "escape %s: ALLOWED\n", name);
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* the test sees the missing line */
	}
}

/* What the jailed process looks like from inside. */
static void report_state(void)
{
	extern char **environ;
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct caps[2];
	struct rlimit core, nproc;
	char line[256];
	int env = 0, n;

	memset(caps, 0, sizeof(caps));
	syscall(SYS_capget, &hdr, caps);
	getrlimit(RLIMIT_CORE, &core);
	getrlimit(RLIMIT_NPROC, &nproc);
	while (environ && environ[env])
		env++;
	n = snprintf(line, sizeof(line),
		     "uid=%d gid=%d caps=%x core=%ld nproc=%ld fd%d=%s "
		     "env=%d pid=%d nnp=%d\n",
		     (int)getuid(), (int)getgid(),
		     caps[0].effective | caps[0].permitted | caps[1].effective |
			     caps[1].permitted,
		     (long)core.rlim_cur, (long)nproc.rlim_cur, check_fd,
		     fcntl(check_fd, F_GETFD) < 0 ? "closed" : "open", env,
		     (int)getpid(), prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* the test sees the missing line */
	}
}

/*
 * Not an escape: ordinary malloc use that makes glibc trim this thread's
 * heap, which must stay inside the allowlist. Blocks under the mmap
 * threshold come from the heap; freeing them leaves a top chunk far over
 * the trim threshold.
 */
static void trim_heap(void)
{
	enum { NBLOCKS = 32, BLOCK = 100 << 10 };
	char *p[NBLOCKS];
	const char *line = "escape heap: trimmed\n";

	for (int i = 0; i < NBLOCKS; i++) {
		p[i] = malloc(BLOCK);
		if (p[i])
			memset(p[i], i, BLOCK);
	}
	for (int i = NBLOCKS - 1; i >= 0; i--)
		free(p[i]);
	if (write(STDERR_FILENO, line, strlen(line)) < 0) {
		/* the test sees the missing line */
	}
}

/* Called by the monitor on each console hypercall (a vCPU thread). */
void mote_test_console_hook(void)
{
	static bool done;
	char *const argv[] = { "/bin/sh", "-c", "echo escaped", NULL };

	if (done || !what[0])
		return;
	done = true;
	if (strcmp(what, "execve") == 0) {
		report("execve", execve("/bin/sh", argv, NULL));
	} else if (strcmp(what, "open") == 0) {
		report("open", open("/etc/passwd", O_RDONLY | O_CLOEXEC));
	} else if (strcmp(what, "socket") == 0) {
		report("socket", socket(AF_INET, SOCK_STREAM, 0));
	} else if (strcmp(what, "ptrace") == 0) {
		report("ptrace", ptrace(PTRACE_ATTACH, (pid_t)target_pid, 0, 0));
	} else if (strcmp(what, "mount") == 0) {
		report("mount", mount("none", "/", "tmpfs", 0, NULL));
	} else if (strcmp(what, "state") == 0) {
		report_state();
	} else if (strcmp(what, "heap") == 0) {
		trim_heap();
	}
}

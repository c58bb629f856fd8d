/*
 * Process-level calls with a fixed answer in a guest (musl's getpid.o,
 * getppid.o, getuid.o, geteuid.o, getgid.o, getegid.o, system.o,
 * sysconf.o, uname.o, sched_yield.o, getrandom.o, sigsetjmp_tail.o):
 * one process, pid 1, uid 0, no shell, one CPU. getrandom is
 * MOTE_HC_ENTROPY; musl's getentropy calls it.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "mote.h"
#include "platform.h"

pid_t getpid(void)
{
	return 1;
}

pid_t getppid(void)
{
	return 0;
}

uid_t getuid(void)
{
	return 0;
}

uid_t geteuid(void)
{
	return 0;
}

gid_t getgid(void)
{
	return 0;
}

gid_t getegid(void)
{
	return 0;
}

/* No shell: system(NULL) says so, and no command can run. */
int system(const char *cmd)
{
	if (!cmd)
		return 0;
	errno = ENOSYS;
	return -1;
}

int sched_yield(void)
{
	return 0;
}

int uname(struct utsname *u)
{
	memset(u, 0, sizeof(*u));
	strcpy(u->sysname, "mote");
	strcpy(u->nodename, "mote");
	strcpy(u->release, "2");
	strcpy(u->version, "mote guest ABI 2");
	strcpy(u->machine, "x86_64");
	return 0;
}

ssize_t getrandom(void *buf, size_t len, unsigned flags)
{
	(void)flags;
	if (len > MOTE_ENTROPY_MAX)
		len = MOTE_ENTROPY_MAX; /* short reads are allowed */
	int r = mote_entropy(buf, len);

	if (r < 0) {
		errno = -r;
		return -1;
	}
	return (ssize_t)len;
}

/* sigsetjmp's second half restores the signal mask; there is none. */
int __sigsetjmp_tail(sigjmp_buf jb, int ret)
{
	(void)jb;
	return ret;
}

long sysconf(int name)
{
	const struct mote_boot_info *bi = __mote_boot;

	switch (name) {
	case _SC_PAGESIZE:
		return (long)MOTE_PAGE_SIZE;
	case _SC_CLK_TCK:
		return 100;
	case _SC_NPROCESSORS_CONF:
	case _SC_NPROCESSORS_ONLN:
		return 1;
	case _SC_PHYS_PAGES:
		return (long)(bi->mem_size / MOTE_PAGE_SIZE);
	case _SC_AVPHYS_PAGES:
		return (long)((bi->heap_end - bi->heap_start) / MOTE_PAGE_SIZE);
	case _SC_ARG_MAX:
		return (long)MOTE_START_MAX;
	case _SC_OPEN_MAX:
		return 3;
	case _SC_IOV_MAX:
		return IOV_MAX;
	case _SC_LINE_MAX:
		return LINE_MAX;
	case _SC_HOST_NAME_MAX:
		return HOST_NAME_MAX;
	case _SC_LOGIN_NAME_MAX:
		return LOGIN_NAME_MAX;
	case _SC_TTY_NAME_MAX:
		return TTY_NAME_MAX;
	case _SC_NGROUPS_MAX:
		return NGROUPS_MAX;
	case _SC_RE_DUP_MAX:
		return RE_DUP_MAX;
	case _SC_SYMLOOP_MAX:
		return SYMLOOP_MAX;
	case _SC_THREAD_KEYS_MAX:
		return PTHREAD_KEYS_MAX;
	case _SC_VERSION:
		return 200809L;
	default:
		errno = EINVAL;
		return -1;
	}
}

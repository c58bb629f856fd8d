/*
 * Loads the per-thread seccomp filters (compiled at build time from the
 * allowlists) and reports a violation in one line before the process dies.
 */
#include <errno.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "allowlist.h"
#include "filters.h"
#include "jail.h"

static const char *const kind_names[JAIL_NKINDS] = {
	[JAIL_MAIN] = "main",	[JAIL_VCPU] = "vcpu",
	[JAIL_HOUSEKEEPER] = "housekeeper", [JAIL_IO] = "io",
	[JAIL_SINGLE] = "main/vcpu", [JAIL_SERVE] = "serve",
};

static const struct jail_allow *const tables[JAIL_NKINDS] = {
	[JAIL_MAIN] = jail_allow_main,
	[JAIL_VCPU] = jail_allow_vcpu,
	[JAIL_HOUSEKEEPER] = jail_allow_housekeeper,
	[JAIL_IO] = jail_allow_io,
	[JAIL_SINGLE] = jail_allow_single,
	[JAIL_SERVE] = jail_allow_serve,
};

static __thread const char *thread_kind = "unjailed";
static pthread_once_t handler_once = PTHREAD_ONCE_INIT;

static size_t append(char *buf, size_t at, size_t cap, const char *s)
{
	while (*s && at + 1 < cap)
		buf[at++] = *s++;
	return at;
}

static size_t append_num(char *buf, size_t at, size_t cap, long v)
{
	char tmp[24];
	size_t n = 0;

	if (v < 0) {
		at = append(buf, at, cap, "-");
		v = -v;
	}
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < sizeof(tmp));
	while (n && at + 1 < cap)
		buf[at++] = tmp[--n];
	return at;
}

/* Async-signal-safe: only write and exit_group, both on every allowlist. */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char line[160];
	size_t n = 0;
	int nr = si->si_syscall;

	(void)sig;
	(void)uc;
	n = append(line, n, sizeof(line), "mote: jail: ");
	n = append(line, n, sizeof(line), thread_kind);
	n = append(line, n, sizeof(line), " thread attempted forbidden "
					   "system call ");
	if (nr >= 0 && nr < JAIL_MAX_SYSCALL && jail_syscall_names[nr])
		n = append(line, n, sizeof(line), jail_syscall_names[nr]);
	else
		n = append(line, n, sizeof(line), "?");
	n = append(line, n, sizeof(line), " (");
	n = append_num(line, n, sizeof(line), nr);
	n = append(line, n, sizeof(line), "); stopping\n");
	if (write(STDERR_FILENO, line, n) < 0) {
		/* nothing else can be done */
	}
	syscall(SYS_exit_group, JAIL_STATUS_SECCOMP);
}

static void install_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSYS, &sa, NULL);
}

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif

bool jail_seccomp_enabled(void)
{
#ifdef SANITIZED
	return false;
#else
	return true;
#endif
}

size_t jail_seccomp_count(enum jail_thread kind)
{
	const struct jail_allow *t = tables[kind];
	size_t n = 0;

	for (size_t i = 0; t[i].syscall; i++) {
		size_t j;

		for (j = 0; j < i && strcmp(t[j].syscall, t[i].syscall); j++)
			;
		n += j == i;
	}
	return n;
}

int jail_seccomp_thread(enum jail_thread kind, struct mote_err *err)
{
	struct sock_fprog prog = {
		.len = (unsigned short)jail_filters[kind].len,
		.filter = (struct sock_filter *)jail_filters[kind].prog,
	};
	sigset_t sys;

	if (!jail_seccomp_enabled())
		return 0; /* see jail_possible() */
	pthread_once(&handler_once, install_handler);
	/* The report needs SIGSYS deliverable in this thread. */
	sigemptyset(&sys);
	sigaddset(&sys, SIGSYS);
	pthread_sigmask(SIG_UNBLOCK, &sys, NULL);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		return err_set(err, errno, "jail: seccomp filter for %s threads: %s",
			       kind_names[kind], strerror(errno));
	thread_kind = kind_names[kind];
	return 0;
}

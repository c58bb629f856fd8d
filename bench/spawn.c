/*
 * posix_spawn without copying the caller's page tables (the harness may
 * hold thousands of VMs), with a clean signal mask, and deadline reads.
 */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "timeutil.h"

extern char **environ;

int child_spawn(char *const argv[], bool pipe_out, bool pipe_err,
		struct child *c)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	int po[2] = {-1, -1}, pe[2] = {-1, -1}, rc;

	c->pid = -1;
	c->out = c->err = -1;
	if ((pipe_out && pipe2(po, O_CLOEXEC) < 0) ||
	    (pipe_err && pipe2(pe, O_CLOEXEC) < 0)) {
		rc = -errno;
		goto fail;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	/* The monitor blocks its kick signal in the threads that run vCPUs;
	 * give the child the clean mask a shell would. */
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
					 O_RDONLY, 0);
	if (pipe_out)
		posix_spawn_file_actions_adddup2(&fa, po[1], STDOUT_FILENO);
	else
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO,
						 "/dev/null", O_WRONLY, 0);
	if (pipe_err)
		posix_spawn_file_actions_adddup2(&fa, pe[1], STDERR_FILENO);
	else
		posix_spawn_file_actions_addopen(&fa, STDERR_FILENO,
						 "/dev/null", O_WRONLY, 0);
	rc = -posix_spawn(&c->pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc < 0) {
		c->pid = -1;
		goto fail;
	}
	if (pipe_out)
		close(po[1]);
	if (pipe_err)
		close(pe[1]);
	c->out = po[0];
	c->err = pe[0];
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	return rc;
}

long child_read(int fd, char *buf, size_t cap, int until, uint64_t deadline)
{
	size_t len = 0;

	buf[0] = '\0';
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		uint64_t now = mono_ns();
		char tmp[512];
		ssize_t k;
		int rc;

		if (now >= deadline)
			return -ETIMEDOUT;
		rc = poll(&p, 1, (int)((deadline - now) / 1000000 + 1));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0)
			continue;
		/* Byte by byte up to the marker, so nothing after it is eaten.
		 */
		k = read(fd, tmp, until >= 0 ? 1 : sizeof(tmp));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return (long)len;
		for (ssize_t i = 0; i < k; i++) {
			if (len + 1 < cap) {
				buf[len] = tmp[i];
				buf[len + 1] = '\0';
			}
			len++;
			if (until >= 0 && (unsigned char)tmp[i] == until)
				return (long)len;
		}
	}
}

int child_wait(struct child *c, bool kill_first)
{
	int status = 0;

	if (c->pid > 0 && kill_first)
		kill(c->pid, SIGKILL);
	if (c->out >= 0)
		close(c->out);
	if (c->err >= 0)
		close(c->err);
	c->out = c->err = -1;
	if (c->pid <= 0)
		return -ECHILD;
	while (waitpid(c->pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	c->pid = -1;
	return status;
}

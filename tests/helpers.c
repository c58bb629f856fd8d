/*
 * The helpers of helpers.h, shared by the test files: spawning mote,
 * capturing its output, and matching what it printed.
 */
#include "helpers.h"

#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

unsigned time_scale(void)
{
	const char *s = getenv("MOTE_TEST_TIME_SCALE");
	char *end;
	unsigned long v;

	if (!s || !*s)
		return 1;
	errno = 0;
	v = strtoul(s, &end, 10);
	cr_assert(errno == 0 && *end == '\0' && v >= 1 && v <= 100,
		  "MOTE_TEST_TIME_SCALE=%s: want a whole number from 1 to 100",
		  s);
	return (unsigned)v;
}

double child_deadline_s(void)
{
	return 20.0 * time_scale();
}

static void drain(int *fd, char *buf, size_t *len)
{
	char tmp[4096];
	ssize_t n = read(*fd, tmp, sizeof(tmp));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return;
	}
	if ((size_t)n > OUT_MAX - 1 - *len)
		n = (ssize_t)(OUT_MAX - 1 - *len); /* keep what fits */
	memcpy(buf + *len, tmp, (size_t)n);
	*len += (size_t)n;
	buf[*len] = '\0';
}

void run_mote_argv(struct run *r, char *const args[])
{
	run_bin_argv(r, MOTE_BIN, args);
}

void run_bin_argv(struct run *r, const char *bin, char *const args[])
{
	char *argv[32];
	int out[2], err[2], n = 0;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	pid_t pid;
	double start, deadline;
	bool killed = false;
	int ws;

	argv[n++] = (char *)bin;
	for (int i = 0; args[i]; i++) {
		cr_assert_lt(n, 31);
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	memset(r, 0, sizeof(*r));
	cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(err, O_CLOEXEC), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO);
	/* The child must not inherit a mask or handlers from the harness. */
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	start = now_s();
	cr_assert_eq(posix_spawn(&pid, bin, &fa, &attr, argv, environ), 0,
		     "cannot run %s", bin);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(out[1]);
	close(err[1]);
	deadline = start + child_deadline_s();
	while (out[0] >= 0 || err[0] >= 0) {
		struct pollfd p[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
		double left = deadline - now_s();

		if (left <= 0) {
			kill(pid, SIGKILL);
			killed = true;
			break;
		}
		if (poll(p, 2, (int)(left * 1000) + 1) < 0 && errno != EINTR)
			cr_assert_fail("poll: %s", strerror(errno));
		if (out[0] >= 0 && p[0].revents)
			drain(&out[0], r->out, &r->out_len);
		if (err[0] >= 0 && p[1].revents)
			drain(&err[0], r->err, &r->err_len);
	}
	/* Reap it; a child that closed its pipes but hangs is killed too. */
	for (;;) {
		pid_t w = waitpid(pid, &ws, killed ? 0 : WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			cr_assert_fail("waitpid: %s", strerror(errno));
		if (now_s() >= deadline && !killed) {
			kill(pid, SIGKILL);
			killed = true;
		} else if (w == 0) {
			usleep(1000);
		}
	}
	r->secs = now_s() - start;
	if (out[0] >= 0)
		close(out[0]);
	if (err[0] >= 0)
		close(err[0]);
	r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	cr_assert_not(killed, "mote %s still running after %.0f s; killed",
		      args[0] ? args[0] : "", child_deadline_s());
}

void expect_status(const struct run *r, int status)
{
	cr_assert_eq(r->status, status,
		     "exit status %d, expected %d\nstdout: %s\nstderr: %s",
		     r->status, status, r->out, r->err);
}

bool match(const char *s, const char *pat, uint64_t *vals, int nvals)
{
	int k = 0;

	while (*pat) {
		if (pat[0] == '%' && pat[1] == 'x') {
			uint64_t v = 0;
			const char *d = s;

			while ((*s >= '0' && *s <= '9') ||
			       (*s >= 'a' && *s <= 'f'))
				v = v * 16 +
				    (uint64_t)(*s <= '9' ? *s - '0'
							 : *s - 'a' + 10),
				s++;
			if (s == d || s - d > 16)
				return false;
			if (k < nvals)
				vals[k] = v;
			k++;
			pat += 2;
		} else if (*pat++ != *s++) {
			return false;
		}
	}
	return *s == '\0';
}

double json_number(const char *json, const char *key)
{
	char k[64];
	const char *p;
	char *end;
	double v;

	snprintf(k, sizeof(k), "\"%s\":", key);
	p = strstr(json, k);
	cr_assert_not_null(p, "no %s in %s", k, json);
	v = strtod(p + strlen(k), &end);
	cr_assert(end > p + strlen(k) && (*end == ',' || *end == '}'),
		  "%s is not a number in %s", key, json);
	return v;
}

ssize_t capture_console(void *ctx, int fd, const void *buf, size_t len)
{
	struct capture *c = ctx;
	size_t asked = len;

	(void)fd;
	if (len > sizeof(c->buf) - 1 - c->len)
		len = sizeof(c->buf) - 1 - c->len;
	memcpy(c->buf + c->len, buf, len);
	c->len += len;
	c->buf[c->len] = '\0';
	return (ssize_t)asked;
}

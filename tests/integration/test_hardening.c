/*
 * The paths around the guests, tried as a hostile or careless user would:
 * odd files, odd options, limits, signals and closed pipes, jailed and not.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../guest_abi/mote_abi.h"
#include "../helpers.h"

/* The jail cannot run under sanitizers: jailed runs use the plain build. */
#define PLAIN_MOTE PLAIN_BUILD "/mote"
#define PLAIN_GUEST(name) PLAIN_BUILD "/guests/" name ".elf"

extern char **environ;

Test(hardening, a_fifo_as_the_image_is_refused_at_once)
{
	char dir[] = "/tmp/mote-fifo.XXXXXX", path[64];
	struct run r;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/image", dir);
	cr_assert_eq(mkfifo(path, 0600), 0, "%s", strerror(errno));
	RUN(&r, "run", path);
	expect_status(&r, MOTE_STATUS_ERROR);
	cr_assert_lt(r.secs, 5.0 * time_scale(), "waited %.1f s on the FIFO",
		     r.secs);
	cr_assert(strstr(r.err, ": not a regular file\n"), "%s", r.err);
	unlink(path);
	rmdir(dir);
}

Test(hardening, a_zero_timeout_is_a_usage_error)
{
	struct run r;

	RUN(&r, "run", "--timeout", "0", GUEST("hello"));
	expect_status(&r, MOTE_STATUS_USAGE);
	cr_assert_str_eq(r.err, "mote run: duration '0' is zero (leave the "
				"option out for no limit)\nTry 'mote run "
				"--help'.\n");
}

Test(hardening, a_timeout_that_would_overflow_is_a_usage_error)
{
	struct run r;

	RUN(&r, "run", "--timeout", "18446744073s", GUEST("hello"));
	expect_status(&r, MOTE_STATUS_USAGE);
	cr_assert(strstr(r.err, "is longer than a year"), "%s", r.err);
}

Test(hardening, a_newline_in_a_path_stays_on_one_line)
{
	struct run r;

	RUN(&r, "run", "/nonexistent/a\nmote: forged line");
	expect_status(&r, MOTE_STATUS_ERROR);
	cr_assert_str_eq(r.err, "mote: /nonexistent/a\\nmote: forged line: No "
				"such file or directory\n");
}

Test(hardening, root_ids_in_the_jail_need_an_explicit_option)
{
	struct run r;

	RUN(&r, "run", "--uid", "0", "--gid", "0", GUEST("hello"));
	expect_status(&r, MOTE_STATUS_USAGE);
	cr_assert(strstr(r.err, "would leave the jailed mote running as root"),
		  "%s", r.err);
}

/*
 * A hard descriptor limit too low for the VMs asked for: one line naming
 * the limit and what fits, before any VM (or /dev/kvm) is touched. Run
 * as nobody, which cannot raise its hard limit.
 */
Test(hardening, count_beyond_the_descriptor_limit_is_refused_up_front)
{
	struct run r;

	run_bin_argv(&r, "/usr/bin/prlimit",
		     (char *const[]){ "--nofile=64:64",
				      "/usr/bin/setpriv", "--reuid=65534",
				      "--regid=65534", "--clear-groups",
				      MOTE_BIN, "run", "--no-jail", "--count",
				      "50", GUEST("hello"), NULL });
	expect_status(&r, MOTE_STATUS_ERROR);
	cr_assert(match(r.err,
			"mote: 50 VMs need %x file descriptors, but "
			"RLIMIT_NOFILE's hard limit is 64: at most %x VMs fit\n",
			NULL, 0),
		  "%s", r.err);
	cr_assert_str_empty(r.out);
}

/* ---- these boot guests: they need /dev/kvm ---- */

/* Starts mote with args, stdout to out_fd (-1: /dev/null). */
static pid_t spawn_mote(char *const args[], int out_fd)
{
	posix_spawn_file_actions_t fa;
	char *argv[32];
	int n = 0;
	pid_t pid;

	argv[n++] = PLAIN_MOTE;
	for (int i = 0; args[i] && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	if (out_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
	else
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
						 O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null",
					 O_WRONLY, 0);
	cr_assert_eq(posix_spawn(&pid, argv[0], &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	return pid;
}

/* The exit status as a shell reports it (128 + signal when killed). */
static int shell_status(pid_t pid)
{
	int st;

	cr_assert_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static int status_after_signal(const char *jail, int sig)
{
	pid_t pid = spawn_mote((char *const[]){ "run", (char *)jail,
						"--timeout", "20s",
						PLAIN_GUEST("spin"), NULL },
			       -1);

	sleep_ms(500); /* the guest is spinning by now */
	kill(pid, sig);
	return shell_status(pid);
}

Test(hardening, stop_signals_mean_the_same_jailed_or_not, .timeout = 60)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		int unjailed = status_after_signal("--no-jail", sigs[i]);
		int jailed = status_after_signal("--jail", sigs[i]);

		cr_assert_eq(unjailed, 128 + sigs[i], "signal %d unjailed: %d",
			     sigs[i], unjailed);
		cr_assert_eq(jailed, 128 + sigs[i], "signal %d jailed: %d",
			     sigs[i], jailed);
	}
}

/* A guest writing into a pipe nobody reads: mote ignores SIGPIPE and the
 * guest sees EPIPE, jailed or not; hello still exits 0. */
Test(hardening, a_closed_stdout_means_the_same_jailed_or_not, .timeout = 60)
{
	const char *modes[] = { "--no-jail", "--jail" };

	for (int m = 0; m < 2; m++) {
		int p[2];
		pid_t pid;

		cr_assert_eq(pipe(p), 0);
		close(p[0]);
		pid = spawn_mote((char *const[]){ "run", (char *)modes[m],
						  PLAIN_GUEST("hello"), NULL },
				 p[1]);
		close(p[1]);
		cr_assert_eq(shell_status(pid), 0, "%s", modes[m]);
	}
}

/* Pooled VMs with a device are destroyed by the main thread at the end:
 * inside its allowlist, so the guest's status comes through. */
Test(hardening, jailed_pool_with_a_disk_exits_with_the_guest_status)
{
	char disk[] = "/tmp/mote-pooldisk.XXXXXX", spec[64];
	int fd = mkstemp(disk);
	struct run r;

	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, 1 << 20), 0);
	close(fd);
	snprintf(spec, sizeof(spec), "%s,ro", disk);
	run_bin_argv(&r, PLAIN_MOTE,
		     (char *const[]){ "run", "--jail", "--count",
				      "1", "--pool", "2", "--disk", spec,
				      PLAIN_GUEST("hello"), NULL });
	unlink(disk);
	expect_status(&r, 0);
	cr_assert_str_eq(r.out, "[0] Hello from mote!\n");
	cr_assert_str_empty(r.err);
}

/* Eight read-only disks on fifty VMs: the limit comes from what they
 * hold, so none fails for want of a descriptor. */
Test(hardening, fifty_vms_with_eight_disks_each_all_run, .timeout = 120)
{
	char disk[] = "/tmp/mote-8disks.XXXXXX", spec[64];
	char *args[64];
	int fd = mkstemp(disk), n = 0;
	struct run r;

	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, 1 << 20), 0);
	close(fd);
	snprintf(spec, sizeof(spec), "%s,ro", disk);
	args[n++] = "run";
	args[n++] = "--jail";
	args[n++] = "--count";
	args[n++] = "50";
	for (int i = 0; i < 8; i++) {
		args[n++] = "--disk";
		args[n++] = spec;
	}
	args[n++] = PLAIN_GUEST("exitcode");
	args[n++] = "0";
	args[n] = NULL;
	run_bin_argv(&r, PLAIN_MOTE, args);
	unlink(disk);
	expect_status(&r, 0);
	cr_assert_null(strstr(r.err, "Too many open files"), "%s", r.err);
}

/*
 * The jail under real /dev/kvm: guests run jailed by default, each escape
 * a compromised monitor might try is stopped by seccomp, and the namespace
 * layer refuses them on its own when seccomp is left out.
 */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../guest_abi/mote_abi.h"
#include "../../jail/jail.h"
#include "../helpers.h"

TestSuite(jail, .timeout = 30);

/* The jail is tested on the plain build: sanitizers cannot run jailed
 * (see jail_possible), and the test-only monitor is never sanitized. */
#define JAIL_MOTE PLAIN_BUILD "/mote"
#define JAIL_TEST PLAIN_BUILD "/tests/mote-jailtest"
#define PLAIN_GUEST(name) PLAIN_BUILD "/guests/" name ".elf"

#define RUN_JAIL(r, ...) \
	run_bin_argv((r), JAIL_MOTE, (char *const[]){__VA_ARGS__, NULL})
#define RUN_ESCAPE(r, ...) \
	run_bin_argv((r), JAIL_TEST, (char *const[]){__VA_ARGS__, NULL})

Test(jail, vcpu_thread_allowlist_has_at_most_20_system_calls)
{
	cr_assert_leq(jail_seccomp_count(JAIL_VCPU), 20, "vcpu allows %zu",
		      jail_seccomp_count(JAIL_VCPU));
	cr_assert_gt(jail_seccomp_count(JAIL_VCPU), 0);
	cr_assert_gt(jail_seccomp_count(JAIL_MAIN), 0);
}

Test(jail, guests_run_jailed_by_default)
{
	struct run r;

	RUN_JAIL(&r, "run", "--stats", PLAIN_GUEST("hello"));
	expect_status(&r, 0);
	cr_assert_str_eq(r.out, "Hello from mote!\n");
	cr_assert_not_null(strstr(r.err, "\"jail\":\"seccomp+namespaces\""),
			   "%s", r.err);
}

Test(jail, no_jail_runs_unconfined)
{
	struct run r;

	RUN_JAIL(&r, "run", "--no-jail", "--stats", PLAIN_GUEST("hello"));
	expect_status(&r, 0);
	cr_assert_not_null(strstr(r.err, "\"jail\":\"off\""), "%s", r.err);
}

Test(jail, uid_without_the_jail_is_a_usage_error)
{
	struct run r;

	RUN_JAIL(&r, "run", "--no-jail", "--uid", "1000", PLAIN_GUEST("hello"));
	expect_status(&r, MOTE_STATUS_USAGE);
	cr_assert(strstr(r.err, "--uid, --gid, --jail-netns and --jail-allow-root need the jail"),
		  "%s", r.err);
}

Test(jail, a_crashing_guest_is_reported_as_before)
{
	struct run r;

	RUN_JAIL(&r, "run", "--jail", PLAIN_GUEST("crash"));
	expect_status(&r, MOTE_STATUS_CRASH);
	cr_assert(strncmp(r.err, "mote: guest crashed: page fault", 31) == 0,
		  "%s", r.err);
}

Test(jail, many_guests_run_jailed)
{
	struct run r;

	RUN_JAIL(&r, "run", "--jail", "--count", "4", "--pool", "2",
		 PLAIN_GUEST("hello"));
	expect_status(&r, 0);
	cr_assert_eq(strlen(r.out), 4 * strlen("[0] Hello from mote!\n"), "%s",
		     r.out);
}

/* Percentiles of many instances sort in the jailed main thread. */
Test(jail, stats_of_many_instances_work_jailed)
{
	struct run r;

	RUN_JAIL(&r, "run", "--jail", "--count", "150", "--stats",
		 PLAIN_GUEST("exitcode"));
	expect_status(&r, 0);
	cr_assert_null(strstr(r.err, "mote: jail"), "%s", r.err);
	cr_assert(r.err_len > 3 && strcmp(r.err + r.err_len - 3, "}}\n") == 0,
		  "stats line cut short: %s", r.err + (r.err_len > 200
							 ? r.err_len - 200
							 : 0));
}

/* With seccomp, each attempt kills mote with one line naming it. */
static void expect_killed(const char *what, const char *syscall,
			  const char *thread, bool many)
{
	char line[128];
	struct run r;

	setenv("MOTE_TEST_ESCAPE", what, 1);
	if (many)
		RUN_ESCAPE(&r, "run", "--jail", "--count", "2",
			   PLAIN_GUEST("hello"));
	else
		RUN_ESCAPE(&r, "run", "--jail", PLAIN_GUEST("hello"));
	expect_status(&r, JAIL_STATUS_SECCOMP);
	snprintf(line, sizeof(line),
		 "mote: jail: %s thread attempted forbidden system call %s (",
		 thread, syscall);
	cr_assert_not_null(strstr(r.err, line), "expected '%s' in: %s", line,
			   r.err);
	cr_assert_null(strstr(r.err, "ALLOWED"), "%s", r.err);
}

Test(jail, seccomp_stops_execve)
{
	expect_killed("execve", "execve", "main/vcpu", false);
}

Test(jail, seccomp_stops_opening_a_host_file)
{
	expect_killed("open", "openat", "main/vcpu", false);
}

Test(jail, seccomp_stops_socket)
{
	expect_killed("socket", "socket", "main/vcpu", false);
}

Test(jail, seccomp_stops_ptrace)
{
	expect_killed("ptrace", "ptrace", "main/vcpu", false);
}

Test(jail, seccomp_stops_mount)
{
	expect_killed("mount", "mount", "main/vcpu", false);
}

Test(jail, seccomp_stops_execve_in_a_fleet_vcpu_thread)
{
	expect_killed("execve", "execve", "vcpu", true);
}

Test(jail, seccomp_stops_opening_a_host_file_in_a_fleet_vcpu_thread)
{
	expect_killed("open", "openat", "vcpu", true);
}

/* glibc trimming a thread's own malloc heap opens /proc/sys/vm/
 * overcommit_memory the first time; mote keeps one arena so that this
 * never happens in a jailed thread (see main). */
Test(jail, malloc_trimming_in_a_fleet_vcpu_thread_stays_in_the_allowlist)
{
	struct run r;

	setenv("MOTE_TEST_ESCAPE", "heap", 1);
	RUN_ESCAPE(&r, "run", "--jail", "--count", "2", PLAIN_GUEST("hello"));
	expect_status(&r, 0);
	cr_assert_str_eq(r.err, "escape heap: trimmed\n");
	cr_assert_not_null(strstr(r.out, "[1] Hello from mote!\n"), "%s",
			   r.out);
}

/* Without seccomp, the namespaces and dropped privileges refuse alone,
 * and the guest finishes normally. */
static void expect_refused(const char *what, const char *why)
{
	char line[128];
	struct run r;

	setenv("MOTE_TEST_ESCAPE", what, 1);
	setenv("MOTE_TEST_NO_SECCOMP", "1", 1);
	RUN_ESCAPE(&r, "run", "--jail", PLAIN_GUEST("hello"));
	expect_status(&r, 0);
	cr_assert_str_eq(r.out, "Hello from mote!\n");
	snprintf(line, sizeof(line), "escape %s: refused (%s)\n", what, why);
	cr_assert_str_eq(r.err, line);
}

Test(jail, the_empty_root_hides_host_files)
{
	expect_refused("open", "No such file or directory");
}

Test(jail, the_empty_root_has_nothing_to_execute)
{
	expect_refused("execve", "No such file or directory");
}

Test(jail, no_capability_is_left_to_mount)
{
	expect_refused("mount", "Operation not permitted");
}

Test(jail, host_processes_are_invisible_in_the_pid_namespace)
{
	char pid[16];

	/* This test process: outside the jail, so unknown inside it. */
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("MOTE_TEST_PTRACE_PID", pid, 1);
	expect_refused("ptrace", "No such process");
}

Test(jail, ids_limits_fds_and_environment_are_jailed)
{
	struct run r;
	int extra = open("/dev/null", O_RDONLY); /* inherited, not kept */
	char fd[16], closed[32];

	cr_assert_geq(extra, 3);
	snprintf(fd, sizeof(fd), "%d", extra);
	snprintf(closed, sizeof(closed), " fd%d=closed ", extra);
	setenv("MOTE_TEST_CHECK_FD", fd, 1);
	setenv("MOTE_TEST_ESCAPE", "state", 1);
	setenv("MOTE_TEST_NO_SECCOMP", "1", 1);
	setenv("MOTE_SOME_SECRET", "x", 1);
	RUN_ESCAPE(&r, "run", "--jail", PLAIN_GUEST("hello"));
	close(extra);
	expect_status(&r, 0);
	/* root switches to nobody; no capability; core dumps and new
	 * processes impossible; inherited fds closed; no environment. */
	cr_assert(strstr(r.err, "uid=65534 gid=65534 "), "%s", r.err);
	cr_assert(strstr(r.err, " caps=0 "), "%s", r.err);
	cr_assert(strstr(r.err, " core=0 nproc=4100 "), "%s", r.err);
	cr_assert(strstr(r.err, closed), "%s", r.err);
	cr_assert(strstr(r.err, " env=0 "), "%s", r.err);
	cr_assert(strstr(r.err, " pid=1 "), "%s", r.err);
	cr_assert(strstr(r.err, " nnp=1\n"), "%s", r.err);
}

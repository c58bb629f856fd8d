/*
 * The guest platform (guest ABI 2): Debian's musl and static libraries as
 * guests, the process environment they get, their three streams, the CPU
 * contract, and an out-of-tree guest built with an installed mote-cc.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../guest_abi/mote_abi.h"
#include "../helpers.h"

extern char **environ;

/*
 * Runs argv (argv[0] a path) with stdin from in_path (NULL: /dev/null),
 * stdout and stderr to files; returns the exit status as a shell shows
 * it and fills out/err (NUL-terminated, at most cap - 1 bytes).
 */
static int run_with_files(char *const argv[], const char *in_path, char *out,
			  size_t out_cap, char *err, size_t err_cap)
{
	char opath[] = "/tmp/mote-plat-out.XXXXXX";
	char epath[] = "/tmp/mote-plat-err.XXXXXX";
	int ofd = mkstemp(opath), efd = mkstemp(epath), st;
	posix_spawn_file_actions_t fa;
	pid_t pid;
	ssize_t n;

	cr_assert(ofd >= 0 && efd >= 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO,
					 in_path ? in_path : "/dev/null",
					 O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, ofd, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, efd, STDERR_FILENO);
	cr_assert_eq(posix_spawn(&pid, argv[0], &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	n = pread(ofd, out, out_cap - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	n = pread(efd, err, err_cap - 1, 0);
	err[n > 0 ? n : 0] = '\0';
	close(ofd);
	close(efd);
	unlink(opath);
	unlink(epath);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char out_a[256 * 1024], out_b[256 * 1024], err_a[16384], err_b[16384];

/* One Lua script under mote and under Debian's lua5.4: same bytes out. */
static void same_as_native_lua(const char *script)
{
	char path[256];
	int a, b;

	snprintf(path, sizeof(path), "tests/lua/%s", script);
	a = run_with_files((char *const[]){ MOTE_BIN, "run", "--no-jail",
					    GUEST("lua"), "-", NULL },
			   path, out_a, sizeof(out_a), err_a, sizeof(err_a));
	b = run_with_files((char *const[]){ "/usr/bin/lua5.4", "-", NULL },
			   path, out_b, sizeof(out_b), err_b, sizeof(err_b));
	cr_assert_eq(a, b, "%s: status %d under mote, %d native; stderr: %s",
		     script, a, b, err_a);
	cr_assert_str_eq(out_a, out_b, "%s differs from native Lua", script);
	cr_assert_str_eq(err_a, err_b, "%s: stderr differs", script);
}

Test(platform, lua_string_patterns_match_native_lua)
{
	same_as_native_lua("patterns.lua");
}

Test(platform, lua_closures_and_metatables_match_native_lua)
{
	same_as_native_lua("closures.lua");
}

Test(platform, lua_coroutines_match_native_lua)
{
	same_as_native_lua("coroutines.lua");
}

Test(platform, lua_pcall_and_errors_match_native_lua)
{
	same_as_native_lua("errors.lua");
}

Test(platform, lua_integer_float_maths_and_format_match_native_lua)
{
	same_as_native_lua("mathfmt.lua");
}

/* The sandbox answers with Lua errors, never a crash. */
Test(platform, lua_files_processes_and_c_modules_are_lua_errors)
{
	struct run r;

	RUN(&r, "run", GUEST("lua"), "-e",
	    "print(io.open('/etc/passwd'))"
	    " print(pcall(os.execute, 'true'))"
	    " print(pcall(io.popen, 'ls'))"
	    " print((pcall(require, 'socket')))"
	    " print(os.getenv('HOME'), os.getenv('GREETING'))"
	    " print(type(os.time()), os.clock() >= 0, #os.date('%Y') == 4)");
	expect_status(&r, 0);
	cr_assert(strstr(r.out, "nil\t/etc/passwd: Function not implemented"),
		  "%s", r.out);
	cr_assert(strstr(r.out, "false\n"), "%s", r.out);
	cr_assert(strstr(r.out, "nil\tnil\n"), "the host's HOME leaked: %s",
		  r.out);
	cr_assert(strstr(r.out, "number\ttrue\ttrue\n"), "%s", r.out);
}

Test(platform, the_environment_is_only_what_env_gives)
{
	struct run r;

	RUN(&r, "run", "--env", "GREETING=hi there", "--env", "EMPTY=",
	    GUEST("lua"), "-e",
	    "print(os.getenv('GREETING'), os.getenv('EMPTY'),"
	    " os.getenv('PATH'))");
	expect_status(&r, 0);
	cr_assert_str_eq(r.out, "hi there\t\tnil\n");
}

Test(platform, stdout_and_stderr_are_two_streams)
{
	struct run r;

	RUN(&r, "run", GUEST("lua"), "-e",
	    "io.stdout:write('to out\\n') io.stderr:write('to err\\n')"
	    " io.stdout:write('more out\\n')");
	expect_status(&r, 0);
	cr_assert_str_eq(r.out, "to out\nmore out\n");
	cr_assert_str_eq(r.err, "to err\n");
}

Test(platform, stdin_reaches_the_guest_and_ends_with_eof)
{
	char in[] = "/tmp/mote-plat-in.XXXXXX";
	int fd = mkstemp(in), st;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "line one\nline two\n", 18), 18);
	close(fd);
	st = run_with_files((char *const[]){ MOTE_BIN, "run", GUEST("lua"),
					     "-e",
					     "local n = 0 for l in io.lines() do"
					     " n = n + 1 print(n, l) end"
					     " print(io.read('a') == '')",
					     NULL },
			    in, out_a, sizeof(out_a), err_a, sizeof(err_a));
	unlink(in);
	cr_assert_eq(st, 0, "%s", err_a);
	cr_assert_str_eq(out_a, "1\tline one\n2\tline two\ntrue\n");
}

/* gzip in the guest, gunzip on the host: a few MiB, byte for byte. */
Test(platform, gzip_round_trips_with_the_hosts_gzip, .timeout = 120)
{
	char in[] = "/tmp/mote-gz-in.XXXXXX", gz[] = "/tmp/mote-gz-out.XXXXXX";
	char cmd[512];
	int fd = mkstemp(in), gfd = mkstemp(gz);
	char *buf = malloc(3 << 20);

	cr_assert(fd >= 0 && gfd >= 0 && buf);
	for (size_t i = 0; i < (3u << 20); i++) /* compressible, not trivial */
		buf[i] = (char)("mote gzip test "[i % 15] ^ (i >> 13));
	cr_assert_eq(write(fd, buf, 3 << 20), 3 << 20);
	close(fd);
	close(gfd);
	snprintf(cmd, sizeof(cmd),
		 "%s run --mem 64M %s < %s > %s && gzip -dc %s | cmp - %s && "
		 "gzip -c %s | %s run --mem 64M %s -d | cmp - %s",
		 MOTE_BIN, GUEST("gzip"), in, gz, gz, in, in, MOTE_BIN,
		 GUEST("gzip"), in);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	unlink(in);
	unlink(gz);
	free(buf);
}

Test(platform, a_raw_syscall_is_named_with_its_number_and_address)
{
	struct run r;
	uint64_t v[2];

	RUN(&r, "run", GUEST("hostile"), "syscall");
	expect_status(&r, MOTE_STATUS_CRASH);
	cr_assert(match(r.err,
			"mote: guest crashed: system call 39 (syscall "
			"instruction at 0x%x); guests have no system calls "
			"(rip 0x%x)\n",
			v, 2),
		  "%s", r.err);
	cr_assert_eq(v[0], v[1]);
}

Test(platform, two_starts_get_different_at_random_bytes)
{
	struct run a, b;

	RUN(&a, "run", GUEST("secret"), "random");
	RUN(&b, "run", GUEST("secret"), "random");
	expect_status(&a, 0);
	expect_status(&b, 0);
	cr_assert(strncmp(a.out, "random=", 7) == 0, "%s", a.out);
	cr_assert_str_neq(a.out, b.out, "the same AT_RANDOM twice: %s", a.out);
}

/* An installed SDK builds a guest out of the tree, which then runs. */
Test(platform, an_out_of_tree_guest_builds_with_an_installed_mote_cc,
     .timeout = 120)
{
	char dir[] = "/tmp/mote-sdk.XXXXXX", cmd[1024];
	struct run r;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
		 "make -s install DESTDIR=%s/dest PREFIX=/opt/mote "
		 "BUILD=%s >%s/install.log 2>&1",
		 dir, PLAIN_BUILD, dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	snprintf(cmd, sizeof(cmd), "%s/prog.c", dir);
	f = fopen(cmd, "w");
	cr_assert_not_null(f);
	fputs("#include <stdio.h>\n#include <stdlib.h>\n#include <math.h>\n"
	      "int main(int argc, char **argv)\n{\n"
	      "\tprintf(\"%s %.3f %s\\n\", argc > 1 ? argv[1] : \"-\","
	      " sqrt(2.0), getenv(\"WHO\"));\n\treturn 7;\n}\n",
	      f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && %s/dest/opt/mote/bin/mote-cc -O2 prog.c -o prog.elf "
		 "-lm >build.log 2>&1",
		 dir, dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	snprintf(cmd, sizeof(cmd), "%s/prog.elf", dir);
	RUN(&r, "run", "--env", "WHO=sdk", cmd, "out-of-tree");
	expect_status(&r, 7);
	cr_assert_str_eq(r.out, "out-of-tree 1.414 sdk\n");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

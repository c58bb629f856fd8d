/*
 * Integration tests under real /dev/kvm: the mote binary run as a child on
 * the example guests, and the VM library API booting guests in-process.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../guest_abi/mote_abi.h"
#include "../helpers.h"
#include "image.h"
#include "vm.h"
#include "vm_struct.h"

#define MIB (1ULL << 20)

/* Every test also has Criterion's own timeout, above the child deadline. */
TestSuite(boot, .timeout = 30);
TestSuite(cli, .timeout = 30);
TestSuite(in_process, .timeout = 30);

static void expect_stderr_matches(const struct run *r, const char *pat,
				  uint64_t *vals, int nvals)
{
	cr_assert(match(r->err, pat, vals, nvals),
		  "stderr does not match\n  got:  %s  want: %s", r->err, pat);
}

Test(boot, dev_kvm_is_usable)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	cr_assert_geq(fd, 0,
		      "cannot open /dev/kvm (%s): the integration tests need "
		      "KVM and fail without it",
		      strerror(errno));
	cr_assert_eq(ioctl(fd, KVM_GET_API_VERSION, 0), KVM_API_VERSION,
		     "/dev/kvm has an unexpected KVM API version");
	close(fd);
}

Test(boot, hello_prints_one_line_and_exits_0)
{
	struct run r;

	RUN(&r, "run", GUEST("hello"));
	expect_status(&r, 0);
	cr_assert_str_eq(r.out, "Hello from mote!\n");
	cr_assert_str_empty(r.err);
}

Test(boot, hello_fits_in_the_smallest_guest_memory)
{
	struct run r;

	RUN(&r, "run", "--mem", "2M", GUEST("hello"));
	expect_status(&r, 0);
	cr_assert_str_eq(r.out, "Hello from mote!\n");
	cr_assert_str_empty(r.err);
}

Test(boot, exit_status_is_the_guests)
{
	static const char *const args[] = {"0", "7", "255", "1"};
	static const int want[] = {0, 7, 255, 1};
	struct run r;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		RUN(&r, "run", GUEST("exitcode"), (char *)args[i]);
		expect_status(&r, want[i]);
		cr_assert_str_empty(r.out);
		cr_assert_str_empty(r.err);
	}
}

Test(boot, exit_status_keeps_only_the_low_8_bits)
{
	struct run r;

	RUN(&r, "run", GUEST("exitcode"), "256");
	expect_status(&r, 0);
	RUN(&r, "run", GUEST("exitcode"), "300");
	expect_status(&r, 44);
	RUN(&r, "run", GUEST("exitcode"), "-1");
	expect_status(&r, 255);
	cr_assert_str_empty(r.err);
}

Test(boot, passes_arguments_after_the_separator)
{
	struct run r;

	RUN(&r, "run", GUEST("exitcode"), "--", "9");
	expect_status(&r, 9);
	RUN(&r, "run", "--mem=4M", GUEST("exitcode"), "--", "12");
	expect_status(&r, 12);
	RUN(&r, "run", "--timeout", "10s", GUEST("exitcode"), "42");
	expect_status(&r, 42);
}

Test(boot, hello_boots_with_the_largest_guest_memory)
{
	struct run r;

	RUN(&r, "run", "--mem", "4G", GUEST("hello"));
	expect_status(&r, 0);
	cr_assert_str_eq(r.out, "Hello from mote!\n");
}

/* The start block (vectors, auxv, strings) fills at most MOTE_START_MAX. */
Test(boot, accepts_arguments_that_exactly_fill_the_start_block)
{
	static char arg[MOTE_START_MAX];
	const char *path = GUEST("exitcode");
	size_t len = MOTE_START_MAX - 8 * (2 + 3) - 16 * MOTE_AUXV_COUNT -
		     (strlen(path) + 1) - 1;
	struct run r;
	char want[160];

	/* "000...07": atoi gives 7 only if the whole string arrived */
	memset(arg, '0', len);
	arg[len - 1] = '7';
	arg[len] = '\0';
	RUN(&r, "run", (char *)path, arg);
	expect_status(&r, 7);

	arg[len] = '0';
	arg[len + 1] = '\0';
	RUN(&r, "run", (char *)path, arg);
	expect_status(&r, MOTE_STATUS_ERROR);
	snprintf(want, sizeof(want),
		 "mote: guest arguments and environment too long: %llu bytes "
		 "with their pointers, at most %llu\n",
		 MOTE_START_MAX + 1, MOTE_START_MAX);
	cr_assert_str_eq(r.err, want);
	cr_assert_str_empty(r.out);
}

/* The number after "name=" at the start of a line, or -1. */
static long long line_value(const char *out, const char *name, int base)
{
	size_t n = strlen(name);
	const char *p = out;

	while (p && *p) {
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			char *end;
			long long v = strtoll(p + n + 1, &end, base);

			return end > p + n + 1 && *end == '\n' ? v : -1;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

Test(boot, compute_reports_a_result_and_positive_elapsed_time)
{
	struct run r;

	RUN(&r, "run", GUEST("compute"));
	expect_status(&r, 0);
	cr_assert_str_empty(r.err);
	cr_assert_geq(line_value(r.out, "result", 16), 0, "stdout: %s", r.out);
	cr_assert_gt(line_value(r.out, "elapsed_ns", 10), 0, "stdout: %s",
		     r.out);
}

Test(boot, crash_reports_the_page_fault_and_exits_126)
{
	struct run r;
	uint64_t rip = 0;

	RUN(&r, "run", GUEST("crash"));
	expect_status(&r, MOTE_STATUS_CRASH);
	cr_assert_str_eq(r.out, "about to crash\n");
	expect_stderr_matches(&r,
			      "mote: guest crashed: page fault (#PF) writing "
			      "address 0x0 (rip 0x%x)\n",
			      &rip, 1);
	cr_assert_geq(rip, MOTE_IMAGE_MIN, "rip 0x%llx is not in the image",
		      (unsigned long long)rip);
}

Test(boot, spin_is_stopped_by_the_timeout)
{
	struct run r;
	unsigned ms = 300 * time_scale();
	char timeout[32], want[64];

	/* scaled: spin must have booted and printed before it is stopped */
	snprintf(timeout, sizeof(timeout), "%ums", ms);
	snprintf(want, sizeof(want), "mote: guest timed out after %u ms\n", ms);
	RUN(&r, "run", "--timeout", timeout, GUEST("spin"));
	expect_status(&r, MOTE_STATUS_TIMEOUT);
	cr_assert_str_eq(r.err, want);
	cr_assert_str_eq(r.out, "spinning\n");
	cr_assert_geq(r.secs, ms / 1000.0, "stopped after %.3f s", r.secs);
	cr_assert_lt(r.secs, ms / 1000.0 + 5.0 * time_scale(),
		     "took %.3f s to stop", r.secs);
}

/* One malformed hypercall per mode, and what the monitor must say. */
static const struct {
	const char *mode;
	const char *pat; /* stderr, with %x for hex digits */
} hostile_cases[] = {
	{"badptr", "mote: bad hypercall: WRITE buffer 0xdead000000000+31 is "
		   "not guest-readable memory (rip 0x%x)\n"},
	/* buf + (2^64 - 9) wraps; the length limit catches it first */
	{"overflow", "mote: bad hypercall: WRITE length 18446744073709551607 "
		     "exceeds 1048576 (rip 0x%x)\n"},
	{"hugelen", "mote: bad hypercall: WRITE length 1048577 exceeds 1048576 "
		    "(rip 0x%x)\n"},
	{"unaligned", "mote: bad hypercall: WRITE argument at 0x%x is not "
		      "8-byte aligned guest-writable memory (rip 0x%x)\n"},
	/* the first byte past the default 16 MiB of guest memory */
	{"argoutside", "mote: bad hypercall: WRITE argument at 0x1000000 is "
		       "not 8-byte aligned guest-writable memory (rip 0x%x)\n"},
	{"argstraddle", "mote: bad hypercall: WRITE argument at 0xfffff8 is "
			"not 8-byte aligned guest-writable memory (rip "
			"0x%x)\n"},
	/* NULL: MOTE_HC_COUNT + 5, as hostile.c calls it; see below */
	{"unknown", NULL},
	{"nullarg", "mote: bad hypercall: WRITE argument at 0x0 is not 8-byte "
		    "aligned guest-writable memory (rip 0x%x)\n"},
	{"fault", "mote: bad hypercall: FAULT is reserved for exception stubs "
		  "(rip 0x%x)\n"},
	/* a 32-bit store, and a load, of the WRITE doorbell */
	{"wrongsize", "mote: bad hypercall: slot 5 needs one aligned 64-bit "
		      "store (rip 0x%x)\n"},
	{"load", "mote: bad hypercall: slot 5 needs one aligned 64-bit store "
		 "(rip 0x%x)\n"},
	/* one notion of guest memory: what the guest's page tables map */
	{"write-pagetables", "mote: bad hypercall: WRITE buffer 0x6000+31 is "
			     "not guest-readable memory (rip 0x%x)\n"},
	{"write-guard", "mote: bad hypercall: WRITE buffer 0x%x+31 is not "
			"guest-readable memory (rip 0x%x)\n"},
	{"exit-pagetables", "mote: bad hypercall: EXIT argument at 0x6000 is "
			    "not 8-byte aligned guest-readable memory (rip "
			    "0x%x)\n"},
	/* KVM splits a 16-byte store into two 8-byte exits */
	{"sse-doorbell", "mote: bad hypercall: slot 5 needs one 64-bit mov "
			 "store from a general register (rip 0x%x)\n"},
	{"read-readonly", "mote: bad hypercall: READ buffer 0x%x+16 is not "
			  "guest-writable memory (rip 0x%x)\n"},
	{"retired-console", "mote: bad hypercall: 0 was guest ABI 1's CONSOLE; "
			    "use WRITE (rip 0x%x)\n"},
	{"syscall", "mote: guest crashed: system call 39 (syscall instruction "
		    "at 0x%x); guests have no system calls (rip 0x%x)\n"},
};

static void expect_hostile_stopped(size_t i)
{
	struct run r;
	char line[64], unknown[96];
	uint64_t vals[2] = {0, 0};
	const char *pat = hostile_cases[i].pat;

	if (!pat) {
		snprintf(unknown, sizeof(unknown),
			 "mote: bad hypercall: unknown number %u (rip 0x%%x)\n",
			 MOTE_HC_COUNT + 5);
		pat = unknown;
	}
	RUN(&r, "run", GUEST("hostile"), (char *)hostile_cases[i].mode);
	expect_status(&r, MOTE_STATUS_CRASH);
	snprintf(line, sizeof(line), "hostile: %s\n", hostile_cases[i].mode);
	cr_assert_not_null(strstr(r.out, line), "mode %s: stdout: %s",
			   hostile_cases[i].mode, r.out);
	cr_assert_null(strstr(r.out, "survived"), "mode %s survived",
		       hostile_cases[i].mode);
	cr_assert_null(strstr(r.out, "should not print"),
		       "mode %s: the bad console call printed",
		       hostile_cases[i].mode);
	expect_stderr_matches(&r, pat, vals, 2);
	if (strcmp(hostile_cases[i].mode, "unaligned") == 0)
		cr_assert_eq(vals[0] & 7, 1, "argument 0x%llx is aligned",
			     (unsigned long long)vals[0]);
}

#define HOSTILE_TEST(i, name, m)                                               \
	Test(boot, hostile_##name##_is_stopped_with_status_126)                \
	{                                                                      \
		cr_assert_str_eq(hostile_cases[i].mode, m);                    \
		expect_hostile_stopped(i);                                     \
	}
HOSTILE_TEST(0, badptr, "badptr")
HOSTILE_TEST(1, overflow, "overflow")
HOSTILE_TEST(2, hugelen, "hugelen")
HOSTILE_TEST(3, unaligned, "unaligned")
HOSTILE_TEST(4, argoutside, "argoutside")
HOSTILE_TEST(5, argstraddle, "argstraddle")
HOSTILE_TEST(6, unknown, "unknown")
HOSTILE_TEST(7, nullarg, "nullarg")
HOSTILE_TEST(8, fault, "fault")
HOSTILE_TEST(9, wrongsize, "wrongsize")
HOSTILE_TEST(10, load, "load")
HOSTILE_TEST(11, write_pagetables, "write-pagetables")
HOSTILE_TEST(12, write_guard, "write-guard")
HOSTILE_TEST(13, exit_pagetables, "exit-pagetables")
HOSTILE_TEST(14, sse_doorbell, "sse-doorbell")
HOSTILE_TEST(15, read_readonly, "read-readonly")
HOSTILE_TEST(16, retired_console, "retired-console")
HOSTILE_TEST(17, syscall, "syscall")

Test(boot, stats_prints_one_json_line_of_phase_timings)
{
	static const char *const phases[] = {
		"image_load_us",	"vm_create_us", "boot_setup_us",
		"first_instruction_us", "guest_run_us", "teardown_us",
	};
	struct run r;
	double total;

	RUN(&r, "run", "--stats", GUEST("hello"));
	expect_status(&r, 0);
	cr_assert_str_eq(r.out, "Hello from mote!\n");
	cr_assert_eq(r.err[0], '{', "stderr: %s", r.err);
	cr_assert_eq(strchr(r.err, '\n'), r.err + r.err_len - 1,
		     "not one line: %s", r.err);
	cr_assert_eq(r.err[r.err_len - 2], '}', "stderr: %s", r.err);
	cr_assert_not_null(strstr(r.err, "\"outcome\":\"exited\""), "%s",
			   r.err);
	cr_assert_not_null(strstr(r.err, "\"status\":0,"), "%s", r.err);
	total = json_number(r.err, "total_us");
	cr_assert_gt(total, 0, "%s", r.err);
	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
		double v = json_number(r.err, phases[i]);

		/* The first instruction's time is the guest's TSC put on the
		 * host's clock, which may place it a hair before the run
		 * began (cli/main.c); an emulated TSC, by more. */
		double least = strcmp(phases[i], "first_instruction_us") == 0
				       ? -1000.0 * time_scale()
				       : 0;

		cr_assert_geq(v, least, "%s < %.0f: %s", phases[i], least,
			      r.err);
		cr_assert_leq(v, total, "%s > total_us: %s", phases[i], r.err);
	}
}

Test(boot, stats_reports_a_crash_after_the_crash_line)
{
	struct run r;
	const char *nl;

	RUN(&r, "run", "--stats", GUEST("crash"));
	expect_status(&r, MOTE_STATUS_CRASH);
	nl = strchr(r.err, '\n');
	cr_assert_not_null(nl, "stderr: %s", r.err);
	cr_assert(strncmp(r.err, "mote: guest crashed: ", 21) == 0, "%s",
		  r.err);
	cr_assert_eq(nl[1], '{', "stderr: %s", r.err);
	cr_assert_not_null(
		strstr(nl, "\"outcome\":\"crashed\",\"status\":0,"),
		"stderr: %s", r.err);
}

/* Command-line errors and help. */

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mote-test-cli.XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir), "mkdtemp: %s", strerror(errno));
}

static void remove_tmpdir(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	char path[512];

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", tmpdir,
				 e->d_name);
			unlink(path);
		}
	closedir(d);
	rmdir(tmpdir);
}

TestSuite(cli_files, .init = make_tmpdir, .fini = remove_tmpdir, .timeout = 30);

static void write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(data, 1, size, f), size);
	cr_assert_eq(fclose(f), 0);
}

/* Reads a whole file into a malloc'd buffer. */
static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	cr_assert_gt(n, 0);
	rewind(f);
	buf = malloc((size_t)n);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return buf;
}

static void expect_usage(const struct run *r, const char *msg)
{
	char want[256];

	expect_status(r, MOTE_STATUS_USAGE);
	snprintf(want, sizeof(want), "mote run: %s\nTry 'mote run --help'.\n",
		 msg);
	cr_assert_str_eq(r->err, want);
	cr_assert_str_empty(r->out);
}

Test(cli, without_arguments_prints_usage_and_exits_2)
{
	struct run r;

	run_mote_argv(&r, (char *const[]){NULL});
	expect_status(&r, MOTE_STATUS_USAGE);
	cr_assert(strncmp(r.err, "Usage: mote COMMAND", 19) == 0, "%s", r.err);
	cr_assert_str_empty(r.out);
}

Test(cli, rejects_an_unknown_command)
{
	struct run r;

	RUN(&r, "boot", GUEST("hello"));
	expect_status(&r, MOTE_STATUS_USAGE);
	cr_assert_str_eq(r.err, "mote: unknown command 'boot'\n"
				"Try 'mote --help'.\n");
	cr_assert_str_empty(r.out);
}

Test(cli, run_without_an_image_exits_2)
{
	struct run r;

	RUN(&r, "run");
	expect_usage(&r, "missing IMAGE");
	RUN(&r, "run", "--", GUEST("hello"));
	expect_usage(&r, "missing IMAGE before '--'");
}

Test(cli, rejects_an_unknown_option)
{
	struct run r;

	RUN(&r, "run", "--bogus", GUEST("hello"));
	expect_usage(&r, "unknown option '--bogus'");
}

Test(cli, rejects_bad_option_values)
{
	struct run r;

	RUN(&r, "run", "--mem", "3M", GUEST("hello"));
	expect_usage(&r, "--mem 3M: must be a multiple of 2 MiB from 2M to 4G");
	RUN(&r, "run", "--timeout", "forever", GUEST("hello"));
	expect_usage(&r, "invalid duration 'forever' (expected e.g. 500ms, 2s, "
			 "1m)");
	RUN(&r, "run", GUEST("hello"), "--mem");
	expect_status(&r, 0); /* after the image it is the guest's */
	RUN(&r, "run", "--mem");
	expect_usage(&r, "option --mem needs a value");
}

Test(cli, help_and_version_exit_0)
{
	static const char *const run_options[] = {"--mem", "--timeout",
						  "--stats", "--help"};
	struct run r;

	RUN(&r, "--help");
	expect_status(&r, 0);
	cr_assert(strncmp(r.out, "Usage: mote COMMAND", 19) == 0, "%s", r.out);
	cr_assert_not_null(strstr(r.out, "  run "), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "--version"), "%s", r.out);
	cr_assert_str_empty(r.err);

	RUN(&r, "-h");
	expect_status(&r, 0);
	cr_assert(strncmp(r.out, "Usage: mote COMMAND", 19) == 0, "%s", r.out);

	RUN(&r, "--version");
	expect_status(&r, 0);
	cr_assert(strncmp(r.out, "mote ", 5) == 0, "%s", r.out);
	cr_assert_not_null(strstr(r.out, "guest ABI 2"), "%s", r.out);
	cr_assert_str_empty(r.err);
	RUN(&r, "-V");
	expect_status(&r, 0);
	cr_assert_not_null(strstr(r.out, "guest ABI 2"), "%s", r.out);

	RUN(&r, "run", "--help");
	expect_status(&r, 0);
	cr_assert(strncmp(r.out, "Usage: mote run ", 16) == 0, "%s", r.out);
	for (size_t i = 0; i < sizeof(run_options) / sizeof(run_options[0]);
	     i++)
		cr_assert_not_null(strstr(r.out, run_options[i]),
				   "run --help does not mention %s",
				   run_options[i]);
	cr_assert_str_empty(r.err);
	RUN(&r, "run", "--mem", "32M", "--help", "/nonexistent");
	expect_status(&r, 0);
	cr_assert(strncmp(r.out, "Usage: mote run ", 16) == 0, "%s", r.out);
}

static void expect_image_error(const struct run *r, const char *path,
			       const char *msg)
{
	char want[512];

	expect_status(r, MOTE_STATUS_ERROR);
	snprintf(want, sizeof(want), "mote: %s: %s\n", path, msg);
	cr_assert_str_eq(r->err, want);
	cr_assert_str_empty(r->out);
}

Test(cli_files, a_missing_image_exits_125)
{
	struct run r;
	char path[128];

	snprintf(path, sizeof(path), "%s/missing.elf", tmpdir);
	RUN(&r, "run", path);
	expect_image_error(&r, path, "No such file or directory");
}

Test(cli_files, a_directory_is_not_an_image)
{
	struct run r;

	RUN(&r, "run", tmpdir);
	expect_image_error(&r, tmpdir, "not a regular file");
}

Test(cli_files, a_truncated_image_exits_125)
{
	struct run r;
	char path[128];
	size_t size;
	uint8_t *elf = read_file(GUEST("hello"), &size);

	snprintf(path, sizeof(path), "%s/truncated.elf", tmpdir);
	write_file(path, elf, 100);
	free(elf);
	RUN(&r, "run", path);
	expect_image_error(&r, path,
			   "truncated file: program headers extend past end of "
			   "file (100 bytes)");
}

Test(cli_files, a_text_file_is_not_an_elf)
{
	static const char text[] =
		"#!/bin/sh\n# not an ELF file, but long enough for a header\n"
		"echo hello\n";
	struct run r;
	char path[128];

	snprintf(path, sizeof(path), "%s/script.sh", tmpdir);
	write_file(path, text, sizeof(text) - 1);
	RUN(&r, "run", path);
	expect_image_error(&r, path, "not an ELF file (bad magic)");
}

Test(cli_files, a_32_bit_elf_exits_125)
{
	struct run r;
	char path[128];
	size_t size;
	uint8_t *elf = read_file(GUEST("hello"), &size);

	elf[EI_CLASS] = ELFCLASS32;
	snprintf(path, sizeof(path), "%s/elf32.elf", tmpdir);
	write_file(path, elf, size);
	free(elf);
	RUN(&r, "run", path);
	expect_image_error(&r, path, "not ELF64 (ELF class 1)");
}

Test(cli_files, an_image_larger_than_guest_memory_exits_125)
{
	struct run r;
	char path[128], msg[128];
	size_t size;
	uint8_t *elf = read_file(GUEST("hello"), &size);
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	size_t top_off = 0;
	uint64_t top_end = 0, hi, need;

	/* Grow the bss of the highest segment by 32 MiB. */
	memcpy(&eh, elf, sizeof(eh));
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		size_t off = eh.e_phoff + i * sizeof(ph);

		memcpy(&ph, elf + off, sizeof(ph));
		if (ph.p_type == PT_LOAD && ph.p_vaddr + ph.p_memsz > top_end) {
			top_end = ph.p_vaddr + ph.p_memsz;
			top_off = off;
		}
	}
	cr_assert_gt(top_end, 0, "hello.elf has no PT_LOAD");
	memcpy(&ph, elf + top_off, sizeof(ph));
	ph.p_memsz += 32 * MIB;
	memcpy(elf + top_off, &ph, sizeof(ph));
	snprintf(path, sizeof(path), "%s/bigbss.elf", tmpdir);
	write_file(path, elf, size);
	free(elf);

	{
		/* what the loader says it needs (layout.c): image, TLS and
		 * TCB, a page of heap, guard, stack */
		struct mote_image img;
		struct mote_err err = {""};

		cr_assert_eq(image_open(path, 4096 * MIB, &img, &err), 0, "%s",
			     err.msg);
		need = image_min_mem(&img);
		image_close(&img);
		hi = (top_end + 32 * MIB + 0xfff) & ~0xfffULL;
		cr_assert_gt(need, hi + MOTE_STACK_SIZE + MOTE_GUARD_SIZE);
	}
	RUN(&r, "run", path);
	snprintf(msg, sizeof(msg),
		 "image too large for --mem 16 MiB: needs at least %llu MiB",
		 (unsigned long long)(need >> 20));
	expect_image_error(&r, path, msg);
	/* and it runs when there is room for it */
	snprintf(msg, sizeof(msg), "%lluM", (unsigned long long)(need >> 20));
	RUN(&r, "run", "--mem", msg, path);
	expect_status(&r, 0);
	cr_assert_str_eq(r.out, "Hello from mote!\n");
}

/* The library API, booting guests one after another in this process. */

/* Boots GUEST_DIR/<name>.elf with argv {path, arg} in a fresh VM. */
static void boot(const char *name, const char *arg, uint64_t timeout_ns,
		 struct capture *out, struct mote_result *res)
{
	struct mote_image img;
	struct mote_vm *vm = NULL;
	struct mote_err err = {""};
	char path[512];
	char *argv[] = {path, (char *)arg, NULL};

	snprintf(path, sizeof(path), "%s/%s.elf", GUEST_DIR, name);
	memset(out, 0, sizeof(*out));
	cr_assert_eq(image_open(path, 16 * MIB, &img, &err), 0, "%s", err.msg);
	cr_assert_eq(mote_vm_create(16 * MIB, &vm, &err), 0,
		     "mote_vm_create: %s (the integration tests need /dev/kvm)",
		     err.msg);
	mote_vm_set_stdio(vm, &(struct mote_stdio){ .write = capture_console,
						    .ctx = out });
	cr_assert_eq(mote_vm_load(vm, &img,
				  &(struct mote_args){ arg ? 2 : 1, argv, NULL },
				  &err),
		     0, "%s", err.msg);
	cr_assert_eq(mote_vm_run(vm, timeout_ns, res), 0, "mote_vm_run: %s",
		     res->reason);
	mote_vm_destroy(vm);
	image_close(&img);
}

static void expect_hello(void)
{
	struct capture out;
	struct mote_result res;

	boot("hello", NULL, 0, &out, &res);
	cr_assert_eq(res.outcome, MOTE_EXITED, "outcome %d: %s", res.outcome,
		     res.reason);
	cr_assert_eq(res.status, 0);
	cr_assert_str_eq(out.buf, "Hello from mote!\n");
	cr_assert_geq(res.t_exit, res.t_start);
}

Test(in_process, boots_hello_and_captures_its_console)
{
	expect_hello();
	expect_hello();
}

/* How many anonymous mappings overlap [lo, hi) in /proc/self/smaps, and
 * how many of them carry the no-huge-pages flag ("nh" in VmFlags). */
static void anon_nohuge(uintptr_t lo, uintptr_t hi, unsigned *anon,
			unsigned *nohuge)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool in = false;

	cr_assert_not_null(f, "/proc/self/smaps: %s", strerror(errno));
	*anon = *nohuge = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end, inode;
		char path[256] = "";

		if (sscanf(line, "%lx-%lx %*s %*s %*s %lu %255s", &start, &end,
			   &inode, path) >= 3) {
			in = start < hi && end > lo && inode == 0 && !path[0];
			*anon += in;
		} else if (in && strncmp(line, "VmFlags:", 8) == 0) {
			*nohuge += strstr(line, " nh") != NULL;
		}
	}
	fclose(f);
}

/* Where transparent huge pages are "always" (Debian's default), a guest's
 * few touched pages would be backed by 2 MiB pages; guest memory is
 * advised against them, and so is the part mapped again when a VM drops
 * its image for another. */
Test(in_process, guest_memory_is_never_in_huge_pages)
{
	struct mote_image hello, crash;
	struct mote_vm *vm = NULL;
	struct mote_err err = {""};
	struct mote_result res;
	struct capture out = {0};
	char *argv[] = {GUEST("hello"), NULL};
	unsigned anon, nohuge;

	cr_assert_eq(image_open(GUEST("hello"), 16 * MIB, &hello, &err), 0,
		     "%s", err.msg);
	cr_assert_eq(image_open(GUEST("crash"), 16 * MIB, &crash, &err), 0,
		     "%s", err.msg);
	cr_assert_eq(mote_vm_create(16 * MIB, &vm, &err), 0, "%s", err.msg);
	mote_vm_set_stdio(vm, &(struct mote_stdio){ .write = capture_console,
						    .ctx = &out });
	cr_assert_eq(mote_vm_load(vm, &hello, &(struct mote_args){1, argv, NULL},
				  &err),
		     0, "%s", err.msg);
	cr_assert_eq(mote_vm_run(vm, 0, &res), 0, "%s", res.reason);
	cr_assert_str_eq(out.buf, "Hello from mote!\n");
	anon_nohuge((uintptr_t)vm->mem, (uintptr_t)vm->mem + vm->mem_size,
		    &anon, &nohuge);
	cr_assert_gt(anon, 0, "no anonymous mapping in guest memory");
	cr_assert_eq(nohuge, anon, "%u of %u anonymous guest mappings may "
		     "use huge pages", anon - nohuge, anon);
	argv[0] = GUEST("crash");
	cr_assert_eq(mote_vm_load(vm, &crash, &(struct mote_args){1, argv, NULL},
				  &err),
		     0, "%s", err.msg);
	anon_nohuge((uintptr_t)vm->mem, (uintptr_t)vm->mem + vm->mem_size,
		    &anon, &nohuge);
	cr_assert_gt(anon, 0, "no anonymous mapping in guest memory");
	cr_assert_eq(nohuge, anon, "after a second image: %u of %u anonymous "
		     "guest mappings may use huge pages", anon - nohuge, anon);
	mote_vm_destroy(vm);
	image_close(&hello);
	image_close(&crash);
}

Test(in_process, survives_a_hostile_guest_and_boots_the_next)
{
	struct capture out;
	struct mote_result res;

	boot("hostile", "badptr", 0, &out, &res);
	cr_assert_eq(res.outcome, MOTE_CRASHED, "outcome %d: %s", res.outcome,
		     res.reason);
	cr_assert(match(res.reason,
			"bad hypercall: WRITE buffer 0xdead000000000+31 is "
			"not guest-readable memory (rip 0x%x)",
			NULL, 0),
		  "reason: %s", res.reason);
	cr_assert_str_eq(out.buf, "hostile: badptr\n");
	expect_hello();
}

Test(in_process, survives_a_crash_and_boots_the_next)
{
	struct capture out;
	struct mote_result res;
	uint64_t rip = 0;

	boot("crash", NULL, 0, &out, &res);
	cr_assert_eq(res.outcome, MOTE_CRASHED, "outcome %d: %s", res.outcome,
		     res.reason);
	cr_assert(match(res.reason,
			"guest crashed: page fault (#PF) writing address 0x0 "
			"(rip 0x%x)",
			&rip, 1),
		  "reason: %s", res.reason);
	cr_assert_eq(res.rip, rip);
	cr_assert_str_eq(out.buf, "about to crash\n");
	expect_hello();
}

Test(in_process, survives_a_timeout_and_boots_the_next)
{
	struct capture out;
	struct mote_result res;
	double start = now_s();

	unsigned ms = 100 * time_scale();
	char want[64];

	snprintf(want, sizeof(want), "timed out after %u ms", ms);
	boot("spin", NULL, ms * 1000000ULL, &out, &res);
	cr_assert_eq(res.outcome, MOTE_TIMED_OUT, "outcome %d: %s", res.outcome,
		     res.reason);
	cr_assert_str_eq(res.reason, want);
	cr_assert_str_eq(out.buf, "spinning\n");
	cr_assert_geq(res.t_exit - res.t_start, ms * 1000000ULL);
	cr_assert_lt(now_s() - start, 5.0 * time_scale());
	expect_hello();
	/* a timeout that does not expire leaves the next run alone */
	boot("exitcode", "5", 10 * 1000000000ULL, &out, &res);
	cr_assert_eq(res.outcome, MOTE_EXITED, "%s", res.reason);
	cr_assert_eq(res.status, 5);
}

Test(in_process, every_hostile_mode_crashes_and_the_monitor_goes_on)
{
	struct capture out;
	struct mote_result res;

	for (size_t i = 0; i < sizeof(hostile_cases) / sizeof(*hostile_cases);
	     i++) {
		char want[64];

		boot("hostile", hostile_cases[i].mode, 0, &out, &res);
		cr_assert_eq(res.outcome, MOTE_CRASHED, "mode %s: %d %s",
			     hostile_cases[i].mode, res.outcome, res.reason);
		snprintf(want, sizeof(want), "hostile: %s\n",
			 hostile_cases[i].mode);
		cr_assert_str_eq(out.buf, want);
	}
	expect_hello();
}

/*
 * Command-line parsing of `mote run`: sizes, durations and options, with the
 * exact one-line message for every rejected form.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <string.h>

#include "../../guest_abi/mote_abi.h"
#include "../../cli/options.h"

#define KIB (1ULL << 10)
#define MIB (1ULL << 20)
#define GIB (1ULL << 30)
#define MS  1000000ULL
#define SEC 1000000000ULL

static void expect_size(const char *s, uint64_t want)
{
	struct mote_err err = {""};
	uint64_t v = 12345;

	cr_assert_eq(options_parse_size(s, &v, &err), 0, "'%s': %s", s,
		     err.msg);
	cr_assert_eq(v, want, "'%s' parsed as %llu", s, (unsigned long long)v);
}

static void expect_bad_size(const char *s)
{
	struct mote_err err = {""};
	uint64_t v = 12345;
	char want[256];

	cr_assert_eq(options_parse_size(s, &v, &err), -EINVAL, "'%s'", s);
	snprintf(want, sizeof(want),
		 "invalid size '%s' (expected e.g. 16M, 512MiB, 1G)", s);
	cr_assert_str_eq(err.msg, want);
}

static void expect_duration(const char *s, uint64_t want)
{
	struct mote_err err = {""};
	uint64_t v = 12345;

	cr_assert_eq(options_parse_duration(s, &v, &err), 0, "'%s': %s", s,
		     err.msg);
	cr_assert_eq(v, want, "'%s' parsed as %llu", s, (unsigned long long)v);
}

static void expect_bad_duration(const char *s)
{
	struct mote_err err = {""};
	uint64_t v = 12345;
	char want[256];

	cr_assert_eq(options_parse_duration(s, &v, &err), -EINVAL, "'%s'", s);
	snprintf(want, sizeof(want),
		 "invalid duration '%s' (expected e.g. 500ms, 2s, 1m)", s);
	cr_assert_str_eq(err.msg, want);
}

Test(options, parses_sizes_with_and_without_suffixes)
{
	expect_size("16M", 16 * MIB);
	expect_size("64MiB", 64 * MIB);
	expect_size("1G", GIB);
	expect_size("4GiB", 4 * GIB);
	expect_size("2097152", 2 * MIB);
	expect_size("512K", 512 * KIB);
	expect_size("8KiB", 8 * KIB);
	expect_size("16m", 16 * MIB);
	expect_size("0", 0);
	expect_size("17179869183G", 17179869183ULL * GIB);
}

Test(options, rejects_malformed_sizes)
{
	expect_bad_size("");
	expect_bad_size("abc");
	expect_bad_size("12Q");
	expect_bad_size("-5");
	expect_bad_size("+5");
	expect_bad_size(" 16M");
	expect_bad_size("16 M");
	expect_bad_size("16MB");
	expect_bad_size("M");
	expect_bad_size("1.5G");
	expect_bad_size("0x100000");
}

Test(options, rejects_sizes_that_overflow)
{
	expect_bad_size("99999999999999999999G");
	expect_bad_size("99999999999999999999");
	expect_bad_size("18446744073709551616");
	expect_bad_size("17179869184G");
	expect_bad_size("18014398509481984K");
}

Test(options, parses_durations)
{
	expect_duration("500ms", 500 * MS);
	expect_duration("2s", 2 * SEC);
	expect_duration("1m", 60 * SEC);
	expect_duration("3", 3 * SEC);
	expect_duration("10us", 10000);
	expect_duration("300ms", 300 * MS);
}

Test(options, rejects_malformed_durations)
{
	expect_bad_duration("");
	expect_bad_duration("abc");
	expect_bad_duration("12Q");
	expect_bad_duration("-5");
	expect_bad_duration("5h");
	expect_bad_duration("ms");
	expect_bad_duration("1.5s");
	expect_bad_duration("5 s");
}

static void expect_duration_error(const char *s, int rc, const char *why)
{
	struct mote_err err = {""};
	uint64_t v = 12345;
	char want[256];

	cr_assert_eq(options_parse_duration(s, &v, &err), rc, "'%s'", s);
	snprintf(want, sizeof(want), "duration '%s' %s", s, why);
	cr_assert_str_eq(err.msg, want);
}

Test(options, rejects_durations_that_overflow)
{
	expect_bad_duration("99999999999999999999");
	expect_bad_duration("99999999999999999999ms");
	expect_duration_error("18446744074s", -ERANGE, "is longer than a year");
	expect_duration_error("307445735m", -ERANGE, "is longer than a year");
	/* past a year, the deadline arithmetic would be near its limits */
	expect_duration_error("31536001s", -ERANGE, "is longer than a year");
	expect_duration("31536000s", 31536000 * SEC);
}

Test(options, rejects_a_zero_duration_rather_than_reading_it_as_none)
{
	expect_duration_error("0", -EINVAL,
			      "is zero (leave the option out for no limit)");
	expect_duration_error("0ms", -EINVAL,
			      "is zero (leave the option out for no limit)");
}

/*
 * options_parse_run works on a mutable argv, as main passes it. guest_argv
 * points into that array: tests that read it call PARSE at function scope,
 * not inside an assertion, so the array outlives the call.
 */
#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)))
#define PARSE(o, err, ...)                                                     \
	options_parse_run(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (o), (err))

static void expect_usage_error(int rc, const struct mote_err *err,
			       const char *msg)
{
	cr_assert_eq(rc, -EINVAL, "rc %d (%s)", rc, err->msg);
	cr_assert_str_eq(err->msg, msg);
}

Test(options, uses_defaults_with_only_an_image)
{
	struct run_opts o;
	struct mote_err err = {""};
	int rc;

	rc = PARSE(&o, &err, "hello.elf");
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_str_eq(o.image, "hello.elf");
	cr_assert_eq(o.mem, MOTE_MEM_DEFAULT);
	cr_assert_eq(o.timeout_ns, 0);
	cr_assert_not(o.stats);
	cr_assert_not(o.help);
	cr_assert_eq(o.guest_argc, 1);
	cr_assert_str_eq(o.guest_argv[0], "hello.elf");
	cr_assert_null(o.guest_argv[1]);
}

Test(options, parses_every_option)
{
	struct run_opts o;
	struct mote_err err = {""};

	cr_assert_eq(PARSE(&o, &err, "--mem", "32M", "--timeout", "300ms",
			   "--stats", "img"),
		     0, "%s", err.msg);
	cr_assert_eq(o.mem, 32 * MIB);
	cr_assert_eq(o.timeout_ns, 300 * MS);
	cr_assert(o.stats);
	cr_assert_str_eq(o.image, "img");
}

Test(options, accepts_option_equals_value)
{
	struct run_opts o;
	struct mote_err err = {""};

	cr_assert_eq(PARSE(&o, &err, "--mem=32M", "--timeout=2s", "img"), 0,
		     "%s", err.msg);
	cr_assert_eq(o.mem, 32 * MIB);
	cr_assert_eq(o.timeout_ns, 2 * SEC);
}

Test(options, accepts_the_memory_limits)
{
	struct run_opts o;
	struct mote_err err = {""};

	cr_assert_eq(PARSE(&o, &err, "--mem", "2M", "img"), 0, "%s", err.msg);
	cr_assert_eq(o.mem, 2 * MIB);
	cr_assert_eq(PARSE(&o, &err, "--mem", "4G", "img"), 0, "%s", err.msg);
	cr_assert_eq(o.mem, 4 * GIB);
}

Test(options, rejects_memory_not_a_multiple_of_2_mib)
{
	struct run_opts o;
	struct mote_err err = {""};

	expect_usage_error(
		PARSE(&o, &err, "--mem", "3M", "img"), &err,
		"--mem 3M: must be a multiple of 2 MiB from 2M to 4G");
	expect_usage_error(PARSE(&o, &err, "--mem=2097153", "img"), &err,
			   "--mem 2097153: must be a multiple of 2 MiB from 2M "
			   "to 4G");
}

Test(options, rejects_memory_too_small_or_too_big)
{
	struct run_opts o;
	struct mote_err err = {""};

	expect_usage_error(
		PARSE(&o, &err, "--mem", "0", "img"), &err,
		"--mem 0: must be a multiple of 2 MiB from 2M to 4G");
	expect_usage_error(
		PARSE(&o, &err, "--mem", "1M", "img"), &err,
		"--mem 1M: must be a multiple of 2 MiB from 2M to 4G");
	expect_usage_error(PARSE(&o, &err, "--mem", "4098M", "img"), &err,
			   "--mem 4098M: must be a multiple of 2 MiB from 2M "
			   "to 4G");
	expect_usage_error(
		PARSE(&o, &err, "--mem", "8G", "img"), &err,
		"--mem 8G: must be a multiple of 2 MiB from 2M to 4G");
}

Test(options, rejects_an_invalid_memory_size)
{
	struct run_opts o;
	struct mote_err err = {""};

	expect_usage_error(
		PARSE(&o, &err, "--mem", "lots", "img"), &err,
		"invalid size 'lots' (expected e.g. 16M, 512MiB, 1G)");
	expect_usage_error(PARSE(&o, &err, "--mem=", "img"), &err,
			   "invalid size '' (expected e.g. 16M, 512MiB, 1G)");
}

Test(options, rejects_an_invalid_timeout)
{
	struct run_opts o;
	struct mote_err err = {""};

	expect_usage_error(PARSE(&o, &err, "--timeout", "soon", "img"), &err,
			   "invalid duration 'soon' (expected e.g. 500ms, 2s, "
			   "1m)");
}

Test(options, rejects_an_unknown_option)
{
	struct run_opts o;
	struct mote_err err = {""};

	expect_usage_error(PARSE(&o, &err, "--frobnicate", "img"), &err,
			   "unknown option '--frobnicate'");
	expect_usage_error(PARSE(&o, &err, "--memory=16M", "img"), &err,
			   "unknown option '--memory=16M'");
	expect_usage_error(PARSE(&o, &err, "--stats=yes", "img"), &err,
			   "unknown option '--stats=yes'");
	expect_usage_error(PARSE(&o, &err, "-x", "img"), &err,
			   "unknown option '-x'");
}

Test(options, rejects_an_option_without_its_value)
{
	struct run_opts o;
	struct mote_err err = {""};

	expect_usage_error(PARSE(&o, &err, "--mem"), &err,
			   "option --mem needs a value");
	expect_usage_error(PARSE(&o, &err, "--stats", "--timeout"), &err,
			   "option --timeout needs a value");
}

Test(options, rejects_a_missing_image)
{
	struct run_opts o;
	struct mote_err err = {""};

	expect_usage_error(options_parse_run(0, ARGV(NULL), &o, &err), &err,
			   "missing IMAGE");
	expect_usage_error(PARSE(&o, &err, "--stats"), &err, "missing IMAGE");
	expect_usage_error(PARSE(&o, &err, "--mem", "32M"), &err,
			   "missing IMAGE");
}

Test(options, rejects_a_separator_without_an_image)
{
	struct run_opts o;
	struct mote_err err = {""};

	expect_usage_error(PARSE(&o, &err, "--"), &err,
			   "missing IMAGE before '--'");
	expect_usage_error(PARSE(&o, &err, "--stats", "--", "img"), &err,
			   "missing IMAGE before '--'");
}

Test(options, passes_arguments_after_the_image_to_the_guest)
{
	struct run_opts o;
	struct mote_err err = {""};
	int rc;

	rc = PARSE(&o, &err, "--stats", "img", "a", "--mem", "-b");
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_str_eq(o.image, "img");
	cr_assert_eq(o.mem, MOTE_MEM_DEFAULT);
	cr_assert_eq(o.guest_argc, 4);
	cr_assert_str_eq(o.guest_argv[0], "img");
	cr_assert_str_eq(o.guest_argv[1], "a");
	cr_assert_str_eq(o.guest_argv[2], "--mem");
	cr_assert_str_eq(o.guest_argv[3], "-b");
	cr_assert_null(o.guest_argv[4]);
}

Test(options, drops_the_separator_between_image_and_arguments)
{
	struct run_opts o;
	struct mote_err err = {""};
	int rc;

	rc = PARSE(&o, &err, "img", "--", "9", "--", "x");
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_str_eq(o.image, "img");
	cr_assert_eq(o.guest_argc, 4);
	cr_assert_str_eq(o.guest_argv[0], "img");
	cr_assert_str_eq(o.guest_argv[1], "9");
	cr_assert_str_eq(o.guest_argv[2], "--");
	cr_assert_str_eq(o.guest_argv[3], "x");
	cr_assert_null(o.guest_argv[4]);
}

Test(options, passes_no_arguments_after_a_trailing_separator)
{
	struct run_opts o;
	struct mote_err err = {""};
	int rc;

	rc = PARSE(&o, &err, "--mem=4M", "img", "--");
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(o.guest_argc, 1);
	cr_assert_str_eq(o.guest_argv[0], "img");
	cr_assert_null(o.guest_argv[1]);
}

Test(options, treats_a_lone_dash_as_the_image)
{
	struct run_opts o;
	struct mote_err err = {""};
	int rc;

	rc = PARSE(&o, &err, "-", "x");
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_str_eq(o.image, "-");
	cr_assert_eq(o.guest_argc, 2);
}

Test(options, honours_help_anywhere_before_the_image)
{
	struct run_opts o;
	struct mote_err err = {""};

	cr_assert_eq(PARSE(&o, &err, "--help"), 0, "%s", err.msg);
	cr_assert(o.help);
	cr_assert_eq(PARSE(&o, &err, "-h", "img"), 0, "%s", err.msg);
	cr_assert(o.help);
	cr_assert_eq(
		PARSE(&o, &err, "--mem", "32M", "--stats", "--help", "img"), 0,
		"%s", err.msg);
	cr_assert(o.help);
	cr_assert_eq(PARSE(&o, &err, "--help", "--bogus"), 0, "%s", err.msg);
	cr_assert(o.help);
}

Test(options, passes_help_after_the_image_to_the_guest)
{
	struct run_opts o;
	struct mote_err err = {""};
	int rc;

	rc = PARSE(&o, &err, "img", "--help");
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_not(o.help);
	cr_assert_eq(o.guest_argc, 2);
	cr_assert_str_eq(o.guest_argv[1], "--help");
}

/* Options for many instances: --count, --pool, --workers, --output. */

Test(options, defaults_to_one_instance_without_pool_or_output)
{
	struct run_opts o;
	struct mote_err err = {""};

	cr_assert_eq(PARSE(&o, &err, "img"), 0, "%s", err.msg);
	cr_assert_eq(o.count, 1);
	cr_assert_eq(o.pool, 0);
	cr_assert_eq(o.workers, 0);
	cr_assert_null(o.output);
}

Test(options, parses_count_pool_workers_and_output)
{
	struct run_opts o;
	struct mote_err err = {""};
	int rc;

	rc = PARSE(&o, &err, "--count", "5", "--pool", "3", "--workers", "2",
		   "--output", "out", "--stats", "img", "--count", "9");
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(o.count, 5);
	cr_assert_eq(o.pool, 3);
	cr_assert_eq(o.workers, 2);
	cr_assert_str_eq(o.output, "out");
	cr_assert(o.stats);
	cr_assert_str_eq(o.image, "img");
	/* after the image they are the guest's */
	cr_assert_eq(o.guest_argc, 3);
	cr_assert_str_eq(o.guest_argv[1], "--count");
}

Test(options, accepts_count_pool_workers_and_output_with_equals)
{
	struct run_opts o;
	struct mote_err err = {""};
	int rc;

	rc = PARSE(&o, &err, "--count=7", "--pool=0", "--workers=1024",
		   "--output=dir/x", "img");
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(o.count, 7);
	cr_assert_eq(o.pool, 0);
	cr_assert_eq(o.workers, 1024);
	cr_assert_str_eq(o.output, "dir/x");
}

Test(options, accepts_the_count_and_pool_limits)
{
	struct run_opts o;
	struct mote_err err = {""};

	cr_assert_eq(PARSE(&o, &err, "--count", "1", "img"), 0, "%s", err.msg);
	cr_assert_eq(o.count, 1);
	cr_assert_eq(
		PARSE(&o, &err, "--count", "100000", "--pool", "100000", "img"),
		0, "%s", err.msg);
	cr_assert_eq(o.count, OPTIONS_MAX_COUNT);
	cr_assert_eq(o.pool, OPTIONS_MAX_COUNT);
}

Test(options, rejects_a_count_of_0)
{
	struct run_opts o;
	struct mote_err err = {""};

	expect_usage_error(PARSE(&o, &err, "--count", "0", "img"), &err,
			   "--count 0: expected a number from 1 to 100000");
	expect_usage_error(PARSE(&o, &err, "--count=0", "img"), &err,
			   "--count 0: expected a number from 1 to 100000");
	expect_usage_error(PARSE(&o, &err, "--workers", "0", "img"), &err,
			   "--workers 0: expected a number from 1 to 1024");
}

Test(options, rejects_counts_that_are_not_numbers)
{
	struct run_opts o;
	struct mote_err err = {""};

	expect_usage_error(PARSE(&o, &err, "--count", "many", "img"), &err,
			   "--count many: expected a number from 1 to 100000");
	expect_usage_error(PARSE(&o, &err, "--count", "-1", "img"), &err,
			   "--count -1: expected a number from 1 to 100000");
	expect_usage_error(PARSE(&o, &err, "--count", "5x", "img"), &err,
			   "--count 5x: expected a number from 1 to 100000");
	expect_usage_error(PARSE(&o, &err, "--count", " 5", "img"), &err,
			   "--count  5: expected a number from 1 to 100000");
	expect_usage_error(PARSE(&o, &err, "--count=", "img"), &err,
			   "--count : expected a number from 1 to 100000");
	expect_usage_error(PARSE(&o, &err, "--pool", "1.5", "img"), &err,
			   "--pool 1.5: expected a number from 0 to 100000");
	expect_usage_error(PARSE(&o, &err, "--pool", "-0", "img"), &err,
			   "--pool -0: expected a number from 0 to 100000");
	expect_usage_error(PARSE(&o, &err, "--workers", "two", "img"), &err,
			   "--workers two: expected a number from 1 to 1024");
}

Test(options, rejects_counts_that_are_too_big)
{
	struct run_opts o;
	struct mote_err err = {""};

	expect_usage_error(
		PARSE(&o, &err, "--count", "100001", "img"), &err,
		"--count 100001: expected a number from 1 to 100000");
	/* beyond unsigned and beyond uint64_t: no wrap-around */
	expect_usage_error(PARSE(&o, &err, "--count", "4294967297", "img"),
			   &err,
			   "--count 4294967297: expected a number from 1 to "
			   "100000");
	expect_usage_error(
		PARSE(&o, &err, "--count", "99999999999999999999", "img"), &err,
		"--count 99999999999999999999: expected a number "
		"from 1 to 100000");
	expect_usage_error(PARSE(&o, &err, "--pool", "100001", "img"), &err,
			   "--pool 100001: expected a number from 0 to 100000");
	expect_usage_error(PARSE(&o, &err, "--workers", "1025", "img"), &err,
			   "--workers 1025: expected a number from 1 to 1024");
}

Test(options, rejects_an_empty_output_directory)
{
	struct run_opts o;
	struct mote_err err = {""};

	expect_usage_error(PARSE(&o, &err, "--output=", "img"), &err,
			   "--output needs a directory");
	expect_usage_error(PARSE(&o, &err, "--output", "", "img"), &err,
			   "--output needs a directory");
}

Test(options, rejects_many_instance_options_without_their_value)
{
	struct run_opts o;
	struct mote_err err = {""};

	expect_usage_error(PARSE(&o, &err, "--count"), &err,
			   "option --count needs a value");
	expect_usage_error(PARSE(&o, &err, "--pool"), &err,
			   "option --pool needs a value");
	expect_usage_error(PARSE(&o, &err, "--workers"), &err,
			   "option --workers needs a value");
	expect_usage_error(PARSE(&o, &err, "--output"), &err,
			   "option --output needs a value");
}

Test(options, parses_net_taps_fds_and_macs)
{
	struct run_opts o;
	struct mote_err err = {""};

	cr_assert_eq(PARSE(&o, &err, "--net", "tap:mote0", "--net",
			   "fd:7,mac=52:54:00:AB:cd:0f", "--net=tap:x", "img"),
		     0, "%s", err.msg);
	cr_assert_eq(o.nnets, 3);
	cr_assert_str_eq(o.nets[0].tap, "mote0");
	cr_assert_eq(o.nets[0].fd, -1);
	cr_assert_not(o.nets[0].has_mac);
	cr_assert_str_eq(o.nets[1].tap, "");
	cr_assert_eq(o.nets[1].fd, 7);
	cr_assert(o.nets[1].has_mac);
	cr_assert_eq(memcmp(o.nets[1].mac,
			    (uint8_t[]){0x52, 0x54, 0, 0xab, 0xcd, 0x0f}, 6),
		     0);
	cr_assert_str_eq(o.nets[2].tap, "x");
}

Test(options, rejects_more_devices_than_windows)
{
	struct run_opts o;
	struct mote_err err = {""};
	char *argv[4 * MOTE_MAX_DEVICES + 4];
	int n = 0;

	for (unsigned i = 0; i < MOTE_MAX_DEVICES / 2 + 1; i++) {
		argv[n++] = "--disk";
		argv[n++] = "d.img";
		argv[n++] = "--net";
		argv[n++] = "tap:t";
	}
	argv[n++] = "img";
	argv[n] = NULL;
	expect_usage_error(options_parse_run(n, argv, &o, &err), &err,
			   "--disk and --net: at most 16 devices in all");
}

Test(options, collects_environment_variables_in_order)
{
	struct run_opts o;
	struct mote_err err = {""};
	int rc;

	rc = PARSE(&o, &err, "--env", "A=1", "--env=B=two words", "--env",
		   "EMPTY=", "img");
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(o.nenv, 3);
	cr_assert_str_eq(o.env[0], "A=1");
	cr_assert_str_eq(o.env[1], "B=two words");
	cr_assert_str_eq(o.env[2], "EMPTY=");
	cr_assert_null(o.env[3]);
}

Test(options, rejects_an_environment_entry_without_a_name)
{
	struct run_opts o;
	struct mote_err err = {""};

	expect_usage_error(PARSE(&o, &err, "--env", "NOEQUALS", "img"), &err,
			   "--env NOEQUALS: expected NAME=VALUE");
	expect_usage_error(PARSE(&o, &err, "--env", "=x", "img"), &err,
			   "--env =x: expected NAME=VALUE");
}

Test(options, parses_max_output_and_refuses_zero)
{
	struct run_opts o;
	struct mote_err err = {""};

	cr_assert_eq(PARSE(&o, &err, "--max-output", "64K", "img"), 0, "%s",
		     err.msg);
	cr_assert_eq(o.max_output, 64 * 1024);
	expect_usage_error(PARSE(&o, &err, "--max-output", "0", "img"), &err,
			   "--max-output 0: must be more than 0 (leave it out "
			   "for no limit)");
}

Test(options, refuses_root_ids_in_the_jail_unless_asked)
{
	struct run_opts o;
	struct mote_err err = {""};
	const char *msg = "--uid 0 or --gid 0 would leave the jailed mote "
			  "running as root; add --jail-allow-root if that is "
			  "meant";

	expect_usage_error(PARSE(&o, &err, "--uid", "0", "--gid", "0", "img"),
			   &err, msg);
	expect_usage_error(PARSE(&o, &err, "--gid", "0", "img"), &err, msg);
	cr_assert_eq(PARSE(&o, &err, "--uid", "0", "--gid", "0",
			   "--jail-allow-root", "img"),
		     0, "%s", err.msg);
	cr_assert(o.allow_root);
	cr_assert_eq(PARSE(&o, &err, "--uid", "1000", "img"), 0, "%s", err.msg);
	expect_usage_error(PARSE(&o, &err, "--no-jail", "--jail-allow-root",
				 "img"),
			   &err,
			   "--uid, --gid, --jail-netns and --jail-allow-root "
			   "need the jail");
}

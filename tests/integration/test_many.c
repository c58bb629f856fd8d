/*
 * `mote run --count N` under real /dev/kvm: per-instance output on stdout or
 * in files, outcome lines and the worst exit status, and the --stats JSON.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../guest_abi/mote_abi.h"
#include "../helpers.h"

TestSuite(many, .timeout = 30);

/*
 * Asserts that out is exactly n lines "[i] text", one for each i in
 * 0..n-1, in any order: instances run concurrently.
 */
static void expect_prefixed_lines(const char *out, unsigned n, const char *text)
{
	bool seen[64] = {false};
	const char *p = out;
	unsigned lines = 0;

	cr_assert_leq(n, 64);
	while (*p) {
		const char *nl = strchr(p, '\n');
		char *end;
		unsigned long i;

		cr_assert_not_null(nl, "unterminated last line in:\n%s", out);
		cr_assert_eq(p[0], '[', "line without a prefix in:\n%s", out);
		i = strtoul(p + 1, &end, 10);
		cr_assert(end > p + 1 && end[0] == ']' && end[1] == ' ',
			  "bad prefix in:\n%s", out);
		cr_assert_lt(i, n, "instance %lu of %u in:\n%s", i, n, out);
		cr_assert_not(seen[i], "two lines of instance %lu in:\n%s", i,
			      out);
		seen[i] = true;
		cr_assert((size_t)(nl - (end + 2)) == strlen(text) &&
				  strncmp(end + 2, text, strlen(text)) == 0,
			  "instance %lu printed something else than '%s' "
			  "in:\n%s",
			  i, text, out);
		lines++;
		p = nl + 1;
	}
	cr_assert_eq(lines, n, "%u lines, expected %u:\n%s", lines, n, out);
}

Test(many, count_5_prints_each_instances_line_with_its_index)
{
	struct run r;

	RUN(&r, "run", "--count", "5", GUEST("hello"));
	expect_status(&r, 0);
	expect_prefixed_lines(r.out, 5, "Hello from mote!");
	cr_assert_str_empty(r.err);
}

static char outdir[64];

static void make_outdir(void)
{
	snprintf(outdir, sizeof(outdir), "/tmp/mote-test-many.XXXXXX");
	cr_assert_not_null(mkdtemp(outdir), "mkdtemp: %s", strerror(errno));
}

/* Removes dir and everything in it. */
static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			if (e->d_type == DT_DIR)
				remove_dir(path);
			else
				unlink(path);
		}
	closedir(d);
	rmdir(dir);
}

static void remove_outdir(void)
{
	remove_dir(outdir);
}

TestSuite(many_files, .init = make_outdir, .fini = remove_outdir,
	  .timeout = 30);

/* Asserts that path holds exactly want. */
static void expect_file(const char *path, const char *want)
{
	char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	cr_assert_str_eq(buf, want, "%s", path);
}

/* Number of entries in dir besides . and .. */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d, "%s: %s", dir, strerror(errno));
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

Test(many_files, output_writes_each_instances_console_to_its_own_file)
{
	struct run r;
	char path[128], sub[96];

	RUN(&r, "run", "--count", "3", "--output", outdir, GUEST("hello"));
	expect_status(&r, 0);
	cr_assert_str_empty(r.out);
	cr_assert_str_empty(r.err);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%d.out", outdir, i);
		expect_file(path, "Hello from mote!\n");
		snprintf(path, sizeof(path), "%s/%d.err", outdir, i);
		expect_file(path, ""); /* its stderr, apart */
	}
	cr_assert_eq(count_entries(outdir), 6, "files besides 0-2.out/.err");

	/* a directory that does not exist yet is created */
	snprintf(sub, sizeof(sub), "%s/new", outdir);
	RUN(&r, "run", "--count=2", "--output", sub, GUEST("exitcode"), "--",
	    "0");
	expect_status(&r, 0);
	cr_assert_str_empty(r.out);
	cr_assert_str_empty(r.err);
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%d.out", sub, i);
		expect_file(path, "");
	}
	cr_assert_eq(count_entries(sub), 4); /* i.out and i.err */
}

Test(many, guests_exiting_non_zero_make_status_1_without_messages)
{
	struct run r;

	RUN(&r, "run", "--count", "4", GUEST("exitcode"), "--", "3");
	expect_status(&r, 1);
	cr_assert_str_empty(r.out);
	cr_assert_str_empty(r.err);
}

Test(many, crashed_guests_make_status_126_with_one_line_each)
{
	struct run r;
	char pat[512];
	size_t len = 0;

	RUN(&r, "run", "--count", "4", GUEST("crash"));
	expect_status(&r, MOTE_STATUS_CRASH);
	expect_prefixed_lines(r.out, 4, "about to crash");
	/* one line per instance, in index order, with its own rip */
	for (int i = 0; i < 4; i++)
		len += (size_t)snprintf(
			pat + len, sizeof(pat) - len,
			"mote: instance %d: guest crashed: page "
			"fault (#PF) writing address 0x0 (rip "
			"0x%%x)\n",
			i);
	cr_assert(match(r.err, pat, NULL, 0),
		  "stderr does not match\n  got:\n%s  want:\n%s", r.err, pat);
}

Test(many, timed_out_guests_make_status_124)
{
	struct run r;
	unsigned ms = 200 * time_scale();
	char timeout[32], want[128];

	/* scaled: both must have booted and printed before they stop */
	snprintf(timeout, sizeof(timeout), "%ums", ms);
	snprintf(want, sizeof(want),
		 "mote: instance 0: guest timed out after %u ms\n"
		 "mote: instance 1: guest timed out after %u ms\n",
		 ms, ms);
	RUN(&r, "run", "--timeout", timeout, "--count", "2", GUEST("spin"));
	expect_status(&r, MOTE_STATUS_TIMEOUT);
	expect_prefixed_lines(r.out, 2, "spinning");
	cr_assert_str_eq(r.err, want);
	cr_assert_geq(r.secs, ms / 1000.0, "stopped after %.3f s", r.secs);
	cr_assert_lt(r.secs, ms / 1000.0 + 5.0 * time_scale(),
		     "took %.3f s to stop", r.secs);
}

/* Copies the flat JSON object that starts at p (up to its '}') to buf. */
static void object_at(const char *p, char *buf, size_t size)
{
	const char *end = strchr(p, '}');

	cr_assert_not_null(end, "unterminated object: %s", p);
	cr_assert_lt((size_t)(end - p) + 1, size, "object too long: %s", p);
	memcpy(buf, p, (size_t)(end - p) + 1);
	buf[end - p + 1] = '\0';
}

/* Checks the one JSON line of --stats for count hello instances; returns
 * how many of them came from the pool. */
static unsigned expect_stats(const char *err, unsigned count)
{
	static const char *const instance_keys[] = {
		"index",
		"status",
		"vm_id",
		"queue_vm_us",
		"load_us",
		"first_instruction_us",
		"guest_run_us",
		"release_us",
		"start_to_first_instruction_us",
		"start_to_exit_us",
		"resident_kib",
	};
	bool seen[16] = {false};
	char head[32], obj[1024];
	const char *p, *end;
	unsigned n = 0, pooled = 0;
	double first, exit_us;

	snprintf(head, sizeof(head), "{\"count\":%u,", count);
	cr_assert(strncmp(err, head, strlen(head)) == 0, "stderr: %s", err);
	cr_assert_eq(strchr(err, '\n'), err + strlen(err) - 1,
		     "not one line: %s", err);
	cr_assert_eq(err[strlen(err) - 2], '}', "stderr: %s", err);

	p = strstr(err, "\"instances\":[");
	end = strstr(err, "],\"aggregate\":{");
	cr_assert(p && end && p < end, "no instances array: %s", err);
	while ((p = strstr(p, "{\"index\":")) && p < end) {
		object_at(p, obj, sizeof(obj));
		for (size_t k = 0;
		     k < sizeof(instance_keys) / sizeof(instance_keys[0]); k++)
			cr_assert_geq(json_number(obj, instance_keys[k]), 0,
				      "%s < 0 in %s", instance_keys[k], obj);
		cr_assert_not_null(strstr(obj, "\"outcome\":\"exited\""), "%s",
				   obj);
		cr_assert_eq(json_number(obj, "status"), 0, "%s", obj);
		cr_assert_gt(json_number(obj, "vm_id"), 0, "%s", obj);
		if (strstr(obj, "\"from_pool\":true,"))
			pooled++;
		else
			cr_assert_not_null(strstr(obj, "\"from_pool\":false,"),
					   "%s", obj);
		first = json_number(obj, "start_to_first_instruction_us");
		exit_us = json_number(obj, "start_to_exit_us");
		cr_assert_gt(first, 0, "%s", obj);
		cr_assert_leq(first, exit_us, "%s", obj);
		n++;
		cr_assert_leq(n, count, "more than %u instances: %s", count,
			      err);
		cr_assert_lt(json_number(obj, "index"), count, "%s", obj);
		cr_assert_not(seen[(int)json_number(obj, "index")],
			      "index twice: %s", err);
		seen[(int)json_number(obj, "index")] = true;
		p++;
	}
	cr_assert_eq(n, count, "%u instances, expected %u: %s", n, count, err);

	p = strstr(end, "\"aggregate\":{\"start_to_first_instruction_us\":{");
	cr_assert_not_null(p, "no aggregate start_to_first_instruction_us: %s",
			   err);
	object_at(strchr(p + 14, '{'), obj, sizeof(obj));
	cr_assert_eq(json_number(obj, "n"), count, "%s", obj);
	cr_assert_gt(json_number(obj, "min"), 0, "%s", obj);
	cr_assert_leq(json_number(obj, "min"), json_number(obj, "p50"), "%s",
		      obj);
	cr_assert_leq(json_number(obj, "p50"), json_number(obj, "p99"), "%s",
		      obj);
	cr_assert_leq(json_number(obj, "p99"), json_number(obj, "max"), "%s",
		      obj);
	return pooled;
}

Test(many, stats_prints_every_instance_and_percentiles_as_one_json_line)
{
	struct run r;

	RUN(&r, "run", "--count", "3", "--stats", GUEST("hello"));
	expect_status(&r, 0);
	expect_prefixed_lines(r.out, 3, "Hello from mote!");
	cr_assert_eq(expect_stats(r.err, 3), 0,
		     "from_pool true without a pool: %s", r.err);
}

Test(many, a_pool_as_large_as_the_count_serves_every_instance)
{
	struct run r;

	RUN(&r, "run", "--count", "4", "--pool", "4", "--stats",
	    GUEST("hello"));
	expect_status(&r, 0);
	expect_prefixed_lines(r.out, 4, "Hello from mote!");
	cr_assert_eq(expect_stats(r.err, 4), 4, "not all from the pool: %s",
		     r.err);
}

Test(many, twenty_idle_guests_wait_together_and_exit_0)
{
	struct run r;
	unsigned ms = 100 * time_scale();
	char arg[16];

	snprintf(arg, sizeof(arg), "%u", ms);
	RUN(&r, "run", "--count", "20", GUEST("idle"), "--", arg);
	expect_status(&r, 0);
	cr_assert_str_empty(r.out);
	cr_assert_str_empty(r.err);
	cr_assert_geq(r.secs, ms / 1000.0, "done after %.3f s", r.secs);
	/* one after another they would take 20 waits; together, one wait
	 * and 20 starts */
	cr_assert_lt(r.secs, 15 * ms / 1000.0, "took %.3f s", r.secs);
}

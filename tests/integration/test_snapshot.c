/*
 * Snapshots with real guests: what the initialisation made is in every
 * clone, what one clone writes is in none other, each clone gets its own
 * randomness, clocks, arguments and environment, and what cannot be
 * captured is refused with one line.
 */
#include <criterion/criterion.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../guest_abi/mote_abi.h"
#include "../helpers.h"

/* The value after "key=" in a clone's output, copied to v (or ""). */
static void value_of(const char *out, const char *key, char *v, size_t n)
{
	char pat[64];
	const char *p;
	size_t len = 0;

	snprintf(pat, sizeof(pat), "%s=", key);
	p = strstr(out, pat);
	v[0] = '\0';
	if (!p)
		return;
	p += strlen(pat);
	while (p[len] && p[len] != '\n' && len + 1 < n) {
		v[len] = p[len];
		len++;
	}
	v[len] = '\0';
}

static char snap_path[64];

static void take_probe_snapshot(void)
{
	struct run r;
	int fd;

	snprintf(snap_path, sizeof(snap_path), "/tmp/mote-probe.XXXXXX");
	fd = mkstemp(snap_path);
	cr_assert_geq(fd, 0);
	close(fd);
	RUN(&r, "snapshot", "--mem", "32M", "-o", snap_path,
	    GUEST("snap-probe"));
	expect_status(&r, 0);
	cr_assert_str_empty(r.err);
}

TestSuite(snapshot, .init = take_probe_snapshot);

Test(snapshot, a_clone_has_what_the_initialisation_made)
{
	struct run plain, clone;
	char a[128], b[128];

	RUN(&plain, "run", "--mem", "32M", GUEST("snap-probe"));
	expect_status(&plain, 0);
	RUN(&clone, "run", snap_path);
	expect_status(&clone, 0);
	value_of(plain.out, "init", a, sizeof(a));
	value_of(clone.out, "init", b, sizeof(b));
	cr_assert_str_neq(a, "");
	cr_assert_str_eq(a, b, "initialised state differs in the clone");
	value_of(plain.out, "clone", a, sizeof(a));
	value_of(clone.out, "clone", b, sizeof(b));
	cr_assert_str_eq(a, "0");
	cr_assert_str_eq(b, "1");
	unlink(snap_path);
}

Test(snapshot, clones_get_their_own_arguments_and_environment)
{
	struct run r;
	char v[256];

	RUN(&r, "run", "--env", "PROBE=second", snap_path, "two", "args");
	expect_status(&r, 0);
	value_of(r.out, "argv", v, sizeof(v));
	cr_assert_str_eq(v, "two args");
	value_of(r.out, "env", v, sizeof(v));
	cr_assert_str_eq(v, "second");
	unlink(snap_path);
}

Test(snapshot, two_clones_read_different_random_bytes_and_entropy)
{
	struct run a, b;
	char ra[64], rb[64], ea[64], eb[64];

	RUN(&a, "run", snap_path);
	RUN(&b, "run", snap_path);
	expect_status(&a, 0);
	expect_status(&b, 0);
	value_of(a.out, "random", ra, sizeof(ra));
	value_of(b.out, "random", rb, sizeof(rb));
	value_of(a.out, "entropy", ea, sizeof(ea));
	value_of(b.out, "entropy", eb, sizeof(eb));
	cr_assert_eq(strlen(ra), 32);
	cr_assert_str_neq(ra, rb, "AT_RANDOM repeated across clones");
	cr_assert_eq(strlen(ea), 32);
	cr_assert_str_neq(ea, eb, "mote_entropy repeated across clones");
	unlink(snap_path);
}

Test(snapshot, clocks_go_on_and_wall_time_is_current)
{
	struct run r;
	struct timespec now;
	char v[64];
	unsigned long long before, after, wall, host;

	RUN(&r, "run", snap_path);
	clock_gettime(CLOCK_REALTIME, &now);
	expect_status(&r, 0);
	value_of(r.out, "mono_ns", v, sizeof(v));
	cr_assert_eq(sscanf(v, "%llu,%llu", &before, &after), 2, "%s", r.out);
	cr_assert_geq(after, before, "monotonic went back: %llu then %llu",
		      before, after);
	value_of(r.out, "wall_ns", v, sizeof(v));
	wall = strtoull(v, NULL, 10);
	host = (unsigned long long)now.tv_sec * 1000000000ull +
	       (unsigned long long)now.tv_nsec;
	cr_assert_leq(wall, host, "wall time ahead of the host's");
	cr_assert_lt(host - wall, 5000000000ull,
		     "wall time %llu ns behind the host's", host - wall);
	unlink(snap_path);
}

/* 100 clones through a pool of 2: each dirties memory the next must not
 * see, and reports whether it saw an earlier one's. */
Test(snapshot, no_clone_sees_what_another_wrote, .timeout = 300)
{
	struct run r;
	const char *p;
	int clones = 0;

	RUN(&r, "run", "--count", "100", "--pool", "2", "--workers", "2",
	    "--output", "/tmp/mote-snap-clones", snap_path);
	expect_status(&r, 0);
	for (int i = 0; i < 100; i++) {
		char path[64], buf[4096] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/tmp/mote-snap-clones/%d.out", i);
		f = fopen(path, "r");
		cr_assert_not_null(f, "%s", path);
		buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
		fclose(f);
		p = strstr(buf, "leak=");
		cr_assert_not_null(p, "instance %d: %s", i, buf);
		cr_assert_eq(p[5], '0', "instance %d saw an earlier clone", i);
		clones += strstr(buf, "clone=1") != NULL;
	}
	cr_assert_eq(clones, 100);
	cr_assert_eq(system("rm -rf /tmp/mote-snap-clones"), 0);
	unlink(snap_path);
}

Test(snapshot, in_process_snapshot_then_clones)
{
	struct run r;

	RUN(&r, "run", "--snapshot", "--count", "3", GUEST("lua"), "-e",
	    "big = {} for i = 1, 100000 do big[i] = i * 2 end", "--snapshot",
	    "-e", "print(#big, big[100000])");
	expect_status(&r, 0);
	cr_assert(strstr(r.out, "[0] 100000\t200000\n") &&
			  strstr(r.out, "[1] 100000\t200000\n") &&
			  strstr(r.out, "[2] 100000\t200000\n"),
		  "%s", r.out);
	unlink(snap_path);
}

Test(snapshot, io_in_flight_is_refused)
{
	char disk[] = "/tmp/mote-snapdisk.XXXXXX", spec[64], out[64];
	int fd = mkstemp(disk);
	struct run r;

	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, 1 << 20), 0);
	close(fd);
	snprintf(spec, sizeof(spec), "%s,ro", disk);
	snprintf(out, sizeof(out), "%s.snap", disk);
	RUN(&r, "snapshot", "--mem", "32M", "--disk", spec, "-o", out,
	    GUEST("snap-probe"), "inflight");
	expect_status(&r, MOTE_STATUS_ERROR);
	cr_assert(strstr(r.err, "snapshot refused: virtio-blk queue 0 has I/O "
				"in flight"),
		  "%s", r.err);
	unlink(disk);
	unlink(out);
	unlink(snap_path);
}

Test(snapshot, a_networked_guest_cannot_be_snapshotted)
{
	struct run r;

	RUN(&r, "snapshot", "--net", "fd:0", "-o", "/tmp/x.snap",
	    GUEST("snap-probe"));
	expect_status(&r, MOTE_STATUS_USAGE);
	cr_assert(strstr(r.err, "networked guests cannot be snapshotted"),
		  "%s", r.err);
	unlink(snap_path);
}

Test(snapshot, a_guest_that_exits_first_writes_no_snapshot)
{
	struct run r;

	RUN(&r, "snapshot", "-o", "/tmp/mote-nosnap.snap", GUEST("hello"));
	expect_status(&r, MOTE_STATUS_ERROR);
	cr_assert_str_eq(r.err, "mote: the guest exited with status 0 before "
				"its snapshot point\n");
	cr_assert_neq(access("/tmp/mote-nosnap.snap", F_OK), 0,
		      "a snapshot file was left");
	unlink(snap_path);
}

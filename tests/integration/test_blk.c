/*
 * Integration tests of virtio-blk under real /dev/kvm: the blk-* example
 * guests run by build/mote on real files in a fresh temporary directory.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../blk/blk.h"
#include "../../guest_abi/mote_abi.h"
#include "../helpers.h"
#include "image.h"
#include "vm.h"

#define MIB (1u << 20)

extern char **environ;

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/mote-blk-XXXXXX");
	cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
}

static void remove_dir(void)
{
	char cmd[128];

	/* The directory name came from mkdtemp: no quoting issues. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

TestSuite(blk, .init = make_dir, .fini = remove_dir, .timeout = 60);

static char *path_in(const char *name)
{
	static char paths[8][128];
	static int next;
	char *p = paths[next++ % 8];

	snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
	return p;
}

/* Reproducible pseudo-random bytes (xorshift64*), different per seed. */
static void fill_random(uint8_t *buf, size_t len, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		buf[i] = (uint8_t)((x * 0x2545f4914f6cdd1dULL) >> 56);
	}
}

static void write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, buf, len), (ssize_t)len);
	cr_assert_eq(close(fd), 0);
}

/* Creates a file of len random bytes and returns its contents (malloc). */
static uint8_t *random_file(const char *path, size_t len, uint64_t seed)
{
	uint8_t *buf = malloc(len);

	cr_assert_not_null(buf);
	fill_random(buf, len, seed);
	write_file(path, buf, len);
	return buf;
}

/* The file's whole contents, opened afresh, and its size. */
static uint8_t *read_file(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	cr_assert_eq(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static void expect_file(const char *path, const uint8_t *want, size_t len)
{
	size_t got_len;
	uint8_t *got = read_file(path, &got_len);

	cr_assert_eq(got_len, len, "%s: size %zu, expected %zu", path, got_len,
		     len);
	for (size_t i = 0; i < len; i++)
		if (got[i] != want[i])
			cr_assert_fail("%s: byte %zu is %#x, expected %#x",
				       path, i, got[i], want[i]);
	free(got);
}

/* sha256sum(1): an implementation independent of the guest's. */
static void host_sha256(const char *path, char hex[65])
{
	char cmd[256], line[256];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "sha256sum '%s'", path);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	cr_assert_not_null(fgets(line, sizeof(line), p));
	cr_assert_eq(pclose(p), 0);
	cr_assert_gt(strlen(line), 64u);
	memcpy(hex, line, 64);
	hex[64] = '\0';
}

static char *disk_arg(const char *path, const char *opts)
{
	static char args[4][160];
	static int next;
	char *a = args[next++ % 4];

	snprintf(a, sizeof(args[0]), "%s%s", path, opts);
	return a;
}

Test(blk, sum_of_a_random_disk_matches_the_hosts_sha256)
{
	const char *img = path_in("disk.img");
	char hex[65], want[160];
	struct run r;

	free(random_file(img, 4 * MIB, 1));
	host_sha256(img, hex);
	RUN(&r, "run", "--disk", (char *)img, GUEST("blk-sum"));
	expect_status(&r, 0);
	snprintf(want, sizeof(want), "sha256=%s\nbytes=%u\n", hex, 4 * MIB);
	cr_assert_str_eq(r.out, want);
	cr_assert_str_empty(r.err);
}

Test(blk, write_fills_the_first_sectors_and_keeps_the_file_size)
{
	const char *img = path_in("disk.img");
	uint8_t *want = random_file(img, MIB, 2);
	struct run r;

	RUN(&r, "run", "--disk", (char *)img, GUEST("blk-write"), "a5", "300");
	expect_status(&r, 0);
	cr_assert_str_eq(r.out, "flushed\n");
	cr_assert_str_empty(r.err);
	memset(want, 0xa5, 300 * 512);
	expect_file(img, want, MIB);
	free(want);
}

Test(blk, write_without_a_count_fills_the_whole_disk)
{
	const char *img = path_in("disk.img");
	uint8_t *want = random_file(img, 3 * MIB, 3);
	struct run r;

	RUN(&r, "run", "--disk", (char *)img, GUEST("blk-write"), "5c");
	expect_status(&r, 0);
	cr_assert_str_eq(r.out, "flushed\n");
	memset(want, 0x5c, 3 * MIB);
	expect_file(img, want, 3 * MIB);
	free(want);
}

Test(blk, write_through_o_direct_reaches_the_file)
{
	const char *img = path_in("disk.img");
	uint8_t *want = random_file(img, MIB, 4);
	struct run r;

	RUN(&r, "run", "--disk", disk_arg(img, ",direct"), GUEST("blk-write"),
	    "e7", "1000");
	expect_status(&r, 0);
	cr_assert_str_eq(r.out, "flushed\n");
	memset(want, 0xe7, 1000 * 512);
	expect_file(img, want, MIB);
	free(want);
}

Test(blk, read_only_disk_refuses_writes_and_is_left_untouched)
{
	const char *img = path_in("disk.img");
	uint8_t *want = random_file(img, MIB, 5);
	struct run r;

	RUN(&r, "run", "--disk", disk_arg(img, ",ro"), GUEST("blk-write"),
	    "00");
	expect_status(&r, 1);
	cr_assert_str_eq(r.err, "blk-write: disk 0 is read-only\n");
	expect_file(img, want, MIB);
	free(want);
}

/* The device itself refuses: the guest bypasses its driver's RO check. */
Test(blk, read_only_device_fails_a_raw_write_request)
{
	const char *img = path_in("disk.img");
	uint8_t *want = random_file(img, MIB, 6);
	struct run r;

	RUN(&r, "run", "--disk", disk_arg(img, ",ro"), GUEST("blk-hostile"),
	    "rowrite");
	expect_status(&r, 0);
	cr_assert(strstr(r.out, "result=used") &&
			  strstr(r.out, "status=IOERR\n"),
		  "stdout: %s", r.out);
	cr_assert(strstr(r.out, "after=read_ok\n"), "stdout: %s", r.out);
	expect_file(img, want, MIB);
	free(want);
}

Test(blk, two_disks_are_separate_devices)
{
	const char *a = path_in("a.img"), *b = path_in("b.img");
	uint8_t *wa = random_file(a, MIB, 7), *wb = random_file(b, 2 * MIB, 8);
	char ha[65], hb[65], want[160];
	struct run r;

	host_sha256(a, ha);
	host_sha256(b, hb);
	RUN(&r, "run", "--disk", (char *)a, "--disk", (char *)b,
	    GUEST("blk-sum"), "-d", "1");
	expect_status(&r, 0);
	snprintf(want, sizeof(want), "sha256=%s\nbytes=%u\n", hb, 2 * MIB);
	cr_assert_str_eq(r.out, want);
	RUN(&r, "run", "--disk", (char *)a, "--disk", (char *)b,
	    GUEST("blk-sum"), "-d", "0");
	expect_status(&r, 0);
	snprintf(want, sizeof(want), "sha256=%s\nbytes=%u\n", ha, MIB);
	cr_assert_str_eq(r.out, want);

	RUN(&r, "run", "--disk", (char *)a, "--disk", (char *)b,
	    GUEST("blk-write"), "11", "8", "-d", "1");
	expect_status(&r, 0);
	memset(wb, 0x11, 8 * 512);
	expect_file(a, wa, MIB);
	expect_file(b, wb, 2 * MIB);
	free(wa);
	free(wb);
}

Test(blk, count_4_on_one_shared_read_only_image_print_the_same_hash)
{
	const char *img = path_in("shared.img");
	char hex[65], line[160];
	struct run r;

	free(random_file(img, 2 * MIB, 9));
	host_sha256(img, hex);
	RUN(&r, "run", "--count", "4", "--disk", disk_arg(img, ",ro"),
	    GUEST("blk-sum"));
	expect_status(&r, 0);
	for (int i = 0; i < 4; i++) {
		snprintf(line, sizeof(line), "[%d] sha256=%s\n", i, hex);
		cr_assert(strstr(r.out, line), "no \"%s\" in\n%s", line, r.out);
		snprintf(line, sizeof(line), "[%d] bytes=%u\n", i, 2 * MIB);
		cr_assert(strstr(r.out, line), "no \"%s\" in\n%s", line, r.out);
	}
}

Test(blk, guest_sees_size_flags_and_id_of_each_disk)
{
	const char *a = path_in("a.img"), *b = path_in("b.img");
	struct run r;
	char *l0, *l1;

	free(random_file(a, MIB, 10));
	free(random_file(b, 512 * 1024, 11));
	RUN(&r, "run", "--disk", (char *)a, "--disk", disk_arg(b, ",ro"),
	    GUEST("blk-info"));
	expect_status(&r, 0);
	cr_assert_eq(strncmp(r.out, "disks=2\n", 8), 0, "stdout: %s", r.out);
	l0 = strstr(r.out, "disk0 ");
	l1 = strstr(r.out, "disk1 ");
	cr_assert(l0 && l1, "stdout: %s", r.out);
	cr_assert(strstr(l0, "sectors=2048 ro=0 flush=1 ") == l0 + 6,
		  "stdout: %s", r.out);
	cr_assert(strstr(l1, "sectors=1024 ro=1 ") == l1 + 6, "stdout: %s",
		  r.out);
	/* GET_ID: "mote-<st_dev>-<st_ino>" in hex, cut to 20 bytes, so a
	 * file always shows the same ID and two files differ. */
	for (int i = 0; i < 2; i++) {
		struct stat st;
		char id[64], want[96];

		cr_assert_eq(stat(i ? b : a, &st), 0);
		snprintf(id, sizeof(id), "mote-%llx-%llx",
			 (unsigned long long)st.st_dev,
			 (unsigned long long)st.st_ino);
		id[20] = '\0';
		snprintf(want, sizeof(want), " id=%s\n", id);
		cr_assert(strstr(i ? l1 : l0, want), "no \"%s\" in\n%s", want,
			  r.out);
	}
}

Test(blk, guest_without_disks_sees_none)
{
	struct run r;

	RUN(&r, "run", GUEST("blk-info"));
	expect_status(&r, 0);
	cr_assert_str_eq(r.out, "disks=0\n");
	RUN(&r, "run", GUEST("blk-sum"));
	expect_status(&r, 1);
	cr_assert_str_eq(r.err, "blk-sum: cannot open disk 0: no such disk\n");
}

Test(blk, disk_not_a_whole_number_of_sectors_is_refused)
{
	const char *img = path_in("odd.img");
	struct run r;

	free(random_file(img, 1000, 19));
	RUN(&r, "run", "--disk", (char *)img, GUEST("blk-sum"));
	expect_status(&r, MOTE_STATUS_ERROR);
	cr_assert_str_empty(r.out);
	cr_assert(strstr(r.err, "not a multiple of 512") &&
			  strchr(r.err, '\n') == r.err + r.err_len - 1,
		  "stderr: %s", r.err);
}

Test(blk, missing_disk_file_is_one_line_and_exit_125)
{
	const char *img = path_in("does-not-exist.img");
	struct run r;

	RUN(&r, "run", "--disk", (char *)img, GUEST("blk-sum"));
	expect_status(&r, MOTE_STATUS_ERROR);
	cr_assert_str_empty(r.out);
	cr_assert(strncmp(r.err, "mote: ", 6) == 0, "stderr: %s", r.err);
	cr_assert(strstr(r.err, img), "stderr does not name the file: %s",
		  r.err);
	cr_assert(strchr(r.err, '\n') == r.err + r.err_len - 1,
		  "stderr is not one line: %s", r.err);
}

Test(blk, bench_guest_reports_iops_and_bandwidth)
{
	const char *img = path_in("disk.img");
	struct run r;

	free(random_file(img, 8 * MIB, 12));
	RUN(&r, "run", "--disk", disk_arg(img, ",ro"), GUEST("blk-bench"),
	    "rand", "8", "200");
	expect_status(&r, 0);
	cr_assert(strstr(r.out, "\niops=") && strstr(r.out, "\nbw_mib_s="),
		  "stdout: %s", r.out);
	RUN(&r, "run", "--disk", disk_arg(img, ",ro"), GUEST("blk-bench"),
	    "seq", "200");
	expect_status(&r, 0);
	cr_assert(strstr(r.out, "req_bytes=1048576 ") &&
			  strstr(r.out, "\niops="),
		  "stdout: %s", r.out);
}

/* ---- data safety: what the guest saw flushed is in the file ---- */

/*
 * Starts mote with stdout on a pipe; returns its pid and the pipe's read
 * end. stderr goes to a file in the test directory.
 */
static pid_t spawn_mote(char *const args[], int *out_fd)
{
	char *argv[32];
	int p[2], n = 0;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	pid_t pid;

	argv[n++] = (char *)MOTE_BIN;
	for (int i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO,
					 path_in("stderr.txt"),
					 O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	cr_assert_eq(posix_spawn(&pid, MOTE_BIN, &fa, &attr, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(p[1]);
	*out_fd = p[0];
	return pid;
}

/* Reads fd until `want` has appeared in it; fails at EOF or after
 * child_deadline_s(). */
static void read_until(int fd, const char *want, char *buf, size_t size)
{
	size_t len = 0;
	double deadline = now_s() + child_deadline_s();

	buf[0] = '\0';
	while (!strstr(buf, want)) {
		struct timeval tv = {1, 0};
		fd_set set;
		ssize_t k;

		cr_assert_lt(now_s(), deadline, "no \"%s\" after %.0f s: %s",
			     want, child_deadline_s(), buf);
		FD_ZERO(&set);
		FD_SET(fd, &set);
		if (select(fd + 1, &set, NULL, NULL, &tv) <= 0)
			continue;
		k = read(fd, buf + len, size - 1 - len);
		cr_assert_gt(k, 0, "mote closed stdout before \"%s\": %s", want,
			     buf);
		len += (size_t)k;
		buf[len] = '\0';
	}
}

/* A process other than this one that has `path` open, or 0. */
static pid_t holder_of(const char *path)
{
	DIR *proc = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	cr_assert_not_null(proc);
	while (!found && (e = readdir(proc))) {
		char fds[64], link[320], target[PATH_MAX];
		pid_t pid = (pid_t)atoi(e->d_name);
		struct dirent *f;
		DIR *d;

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(fds, sizeof(fds), "/proc/%d/fd", pid);
		d = opendir(fds); /* gone, or not ours to see: skip */
		while (d && !found && (f = readdir(d))) {
			ssize_t n;

			snprintf(link, sizeof(link), "%s/%s", fds, f->d_name);
			n = readlink(link, target, sizeof(target) - 1);
			if (n > 0) {
				target[n] = '\0';
				if (strcmp(target, path) == 0)
					found = pid;
			}
		}
		if (d)
			closedir(d);
	}
	closedir(proc);
	return found;
}

static void kill_after_flushed(const char *img, const char *opts)
{
	int fd, status;
	char out[256], real[PATH_MAX];
	pid_t holder = 0,
	      pid = spawn_mote((char *const[]){"run", "--disk",
					       disk_arg(img, opts),
					       GUEST("blk-write"), "3c", "-w",
					       "15000", NULL},
			       &fd);

	read_until(fd, "flushed\n", out, sizeof(out));
	/* At once, while the guest lingers: nothing orderly happens after
	 * this, so only writes that completed before the flush returned can
	 * be in the file. */
	cr_assert_eq(kill(pid, SIGKILL), 0);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		  "mote ended on its own (status %#x) before the kill", status);
	close(fd);
	/* And nothing of mote lives on (a helper process, say) that could
	 * still write to the disk after the kill. */
	cr_assert_not_null(realpath(img, real));
	for (int i = 0; i < 100; i++) {
		holder = holder_of(real);
		if (!holder)
			break;
		usleep(20000);
	}
	cr_assert_eq(holder, 0,
		     "process %d still has %s open 2 s after mote was killed",
		     (int)holder, img);
}

Test(blk, flushed_data_is_in_the_file_after_sigkill)
{
	const char *img = path_in("disk.img");
	uint8_t *want = random_file(img, 4 * MIB, 13);

	kill_after_flushed(img, "");
	memset(want, 0x3c, 4 * MIB);
	expect_file(img, want, 4 * MIB);
	free(want);
}

Test(blk, flushed_data_is_in_the_file_after_sigkill_with_o_direct)
{
	const char *img = path_in("disk.img");
	uint8_t *want = random_file(img, 4 * MIB, 14);

	kill_after_flushed(img, ",direct");
	memset(want, 0x3c, 4 * MIB);
	expect_file(img, want, 4 * MIB);
	free(want);
}

/* ---- hostile drivers (policy: monitor/virtqueue.c) ---- */

struct hostile_case {
	const char *mode, *result, *after;
};

/*
 * A malformed request that the device can still answer gets
 * VIRTIO_BLK_S_IOERR, and the queue goes on; a broken ring (or a chain
 * without a usable status byte) sets DEVICE_NEEDS_RESET, and the guest
 * resets the device and goes on. No case stops the VM.
 */
static const struct hostile_case hostile_cases[] = {
	{"badaddr", "status=IOERR", "after=read_ok"},
	{"straddle", "status=IOERR", "after=read_ok"},
	{"oversize", "status=IOERR", "after=read_ok"},
	{"toomany", "status=IOERR", "after=read_ok"},
	{"hdrwrite", "status=IOERR", "after=read_ok"},
	{"unaligned", "status=IOERR", "after=read_ok"},
	{"beyond", "status=IOERR", "after=read_ok"},
	{"rodata", "status=IOERR", "after=read_ok"},
	{"loop", "result=needs_reset", "after=reset_read_ok"},
	{"badnext", "result=needs_reset", "after=reset_read_ok"},
	{"badhead", "result=needs_reset", "after=reset_read_ok"},
	{"availjump", "result=needs_reset", "after=reset_read_ok"},
	{"statusro", "result=needs_reset", "after=reset_read_ok"},
	{"nostatus", "result=needs_reset", "after=reset_read_ok"},
};

Test(blk, hostile_requests_fail_only_the_request_or_the_device)
{
	const char *img = path_in("disk.img");
	uint8_t *want = random_file(img, MIB, 15);
	char line[64];
	struct run r;

	for (size_t i = 0; i < sizeof(hostile_cases) / sizeof(hostile_cases[0]);
	     i++) {
		const struct hostile_case *c = &hostile_cases[i];

		RUN(&r, "run", "--disk", (char *)img, GUEST("blk-hostile"),
		    (char *)c->mode);
		cr_assert_eq(r.status, 0,
			     "%s: exit status %d\nstdout: %s\n"
			     "stderr: %s",
			     c->mode, r.status, r.out, r.err);
		snprintf(line, sizeof(line), "blk-hostile: %s\n", c->mode);
		cr_assert(strncmp(r.out, line, strlen(line)) == 0,
			  "%s: stdout: %s", c->mode, r.out);
		cr_assert(strstr(r.out, c->result), "%s: no %s in\n%s", c->mode,
			  c->result, r.out);
		snprintf(line, sizeof(line), "\n%s\n", c->after);
		cr_assert(strstr(r.out, line), "%s: no %s in\n%s", c->mode,
			  c->after, r.out);
		expect_file(img, want, MIB);
	}
	free(want);
}

/* The device wrote nothing into memory the guest may only read. */
Test(blk, device_never_writes_read_only_guest_memory)
{
	const char *img = path_in("disk.img");
	struct run r;
	uint8_t *want = random_file(img, MIB, 16);

	RUN(&r, "run", "--disk", (char *)img, GUEST("blk-hostile"), "rodata");
	expect_status(&r, 0);
	cr_assert(strstr(r.out, "rodata_before=mote rodata original\n") &&
			  strstr(r.out, "rodata_after=mote rodata original\n"),
		  "stdout: %s", r.out);
	expect_file(img, want, MIB);
	free(want);
}

/* Several VMs of one process break their own devices at once: each gets
 * its NEEDS_RESET, recovers, and the process ends with status 0. */
Test(blk, hostile_guests_in_one_process_each_recover)
{
	const char *img = path_in("disk.img");
	uint8_t *want = random_file(img, MIB, 17);
	char line[64];
	struct run r;

	RUN(&r, "run", "--count", "3", "--disk", (char *)img,
	    GUEST("blk-hostile"), "loop");
	expect_status(&r, 0);
	for (int i = 0; i < 3; i++) {
		snprintf(line, sizeof(line), "[%d] after=reset_read_ok\n", i);
		cr_assert(strstr(r.out, line), "no \"%s\" in\n%s", line, r.out);
	}
	expect_file(img, want, MIB);
	free(want);
}

/* ---- one process, two VMs: a hostile one beside a well-behaved one ---- */

struct vm_job {
	const char *guest, *arg;
	struct blk_disk *disk;
	char out[4096];
	size_t len;
	struct mote_result res;
	char failed[300]; /* why the VM could not even start */
};

static ssize_t job_console(void *ctx, int fd, const void *buf, size_t len)
{
	struct vm_job *j = ctx;
	size_t asked = len;

	(void)fd;
	if (len > sizeof(j->out) - 1 - j->len)
		len = sizeof(j->out) - 1 - j->len;
	memcpy(j->out + j->len, buf, len);
	j->len += len;
	j->out[j->len] = '\0';
	return (ssize_t)asked;
}

/* Boots one guest with one disk in this process; no asserts, as it runs
 * off the test's thread. */
static void run_job(struct vm_job *j)
{
	struct mote_err err = {""};
	struct mote_devspec dev = {&blk_ops, j->disk};
	struct mote_image img;
	struct mote_vm *vm = NULL;
	char path[512];
	char *argv[] = {path, (char *)j->arg, NULL};

	snprintf(path, sizeof(path), "%s/%s.elf", GUEST_DIR, j->guest);
	j->len = 0;
	j->out[0] = j->failed[0] = '\0';
	memset(&j->res, 0, sizeof(j->res));
	if (image_open(path, 16 * MIB, &img, &err) < 0) {
		snprintf(j->failed, sizeof(j->failed), "%s", err.msg);
		return;
	}
	if (mote_vm_create(16 * MIB, &vm, &err) < 0 ||
	    mote_vm_add_device(vm, &dev, &err) < 0) {
		snprintf(j->failed, sizeof(j->failed), "%s", err.msg);
	} else {
		mote_vm_set_stdio(vm, &(struct mote_stdio){ .write = job_console,
							    .ctx = j });
		if (mote_vm_load(vm, &img,
				 &(struct mote_args){ j->arg ? 2 : 1, argv,
						      NULL },
				 &err) < 0)
			snprintf(j->failed, sizeof(j->failed), "%s", err.msg);
		else
			mote_vm_run(vm, 20000000000ull, &j->res);
	}
	if (vm)
		mote_vm_destroy(vm);
	image_close(&img);
}

struct hostile_loop {
	struct blk_disk *disk;
	char failed[1024];
};

/* Every hostile mode in turn, each in a new VM on the same disk. */
static void *hostile_thread(void *arg)
{
	struct hostile_loop *h = arg;
	static struct vm_job j;

	for (size_t i = 0; i < sizeof(hostile_cases) / sizeof(hostile_cases[0]);
	     i++) {
		j = (struct vm_job){.guest = "blk-hostile",
				    .arg = hostile_cases[i].mode,
				    .disk = h->disk};
		run_job(&j);
		if (j.failed[0] || j.res.outcome != MOTE_EXITED ||
		    j.res.status != 0 ||
		    !strstr(j.out, hostile_cases[i].after)) {
			snprintf(h->failed, sizeof(h->failed),
				 "%s: %s outcome %d status %d: %.300s",
				 hostile_cases[i].mode, j.failed,
				 (int)j.res.outcome, j.res.status, j.out);
			break;
		}
	}
	return NULL;
}

Test(blk, hostile_vm_does_not_disturb_a_well_behaved_vm_in_the_process)
{
	const char *a = path_in("hostile.img"), *b = path_in("good.img");
	uint8_t *wa = random_file(a, MIB, 20);
	struct mote_err err = {""};
	struct hostile_loop h = {0};
	struct vm_job good = {.guest = "blk-sum"};
	char hex[65], want[160];
	pthread_t t;

	free(random_file(b, 2 * MIB, 21));
	host_sha256(b, hex);
	snprintf(want, sizeof(want), "sha256=%s\nbytes=%u\n", hex, 2 * MIB);
	cr_assert_eq(blk_disk_open(a, false, false, &h.disk, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(blk_disk_open(b, true, false, &good.disk, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(pthread_create(&t, NULL, hostile_thread, &h), 0);
	/* The well-behaved VM reads its whole disk over and over while the
	 * hostile ones break their devices on the same event loop. */
	for (int i = 0; i < 6; i++) {
		run_job(&good);
		cr_assert_str_empty(good.failed, "%s", good.failed);
		cr_assert_eq(good.res.outcome, MOTE_EXITED, "run %d: %s", i,
			     good.res.reason);
		cr_assert_eq(good.res.status, 0, "run %d: %s", i, good.out);
		cr_assert_str_eq(good.out, want, "run %d", i);
	}
	cr_assert_eq(pthread_join(t, NULL), 0);
	cr_assert_str_empty(h.failed, "%s", h.failed);
	blk_disk_close(h.disk);
	blk_disk_close(good.disk);
	expect_file(a, wa, MIB);
	free(wa);
}

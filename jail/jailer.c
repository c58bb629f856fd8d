/*
 * The jailer: after mote has opened everything it needs (/dev/kvm, images,
 * disks, taps, output files), it leaves the host behind, one step at a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jail.h"

#define NOBODY 65534

static pid_t child_pid;

/*
 * The parent only waits; a signal meant for mote goes to the jailed child
 * as the same signal. As PID 1 of its namespace the child receives only
 * signals it handles: mote's handlers for SIGTERM, SIGINT and SIGHUP (set
 * before the jail) stop it with the status it would have unjailed. Any
 * other signal, which mote does not handle, ends the child for certain.
 */
static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig == SIGTERM || sig == SIGINT || sig == SIGHUP
					? sig
					: SIGKILL);
}

/* Closes every fd from 3 up except a and b. */
static void close_all_but(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	if (lo > 3)
		close_range(3, (unsigned)lo - 1, 0);
	if (hi > lo + 1)
		close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
	close_range((unsigned)hi + 1, ~0U, 0);
}

/*
 * The waiting parent shares the child's mount namespace, so the child's
 * pivot_root takes the host's tree from it too: a file to remove on
 * failure is named by a directory fd opened before the fork.
 */
static void wait_for_child(pid_t pid, int alive, int remove_dir,
			   const char *remove_name)
{
	struct sigaction sa;
	int status;

	child_pid = pid;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* The parent holds nothing of the child's, only its end of the pipe
	 * that tells the child it is alive (and the directory of a file to
	 * remove if the run fails). */
	close_all_but(alive, remove_dir >= 0 ? remove_dir : alive);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			_exit(125);
	if (remove_dir >= 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		unlinkat(remove_dir, remove_name, 0);
	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	signal(WTERMSIG(status), SIG_DFL);
	raise(WTERMSIG(status));
	_exit(128 + WTERMSIG(status));
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

/* Map ourselves to root inside a new user namespace (when not root). */
static int map_user(uid_t uid, gid_t gid, struct mote_err *err)
{
	char map[64];
	int rc;

	rc = write_file("/proc/self/setgroups", "deny");
	if (!rc) {
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
		rc = write_file("/proc/self/uid_map", map);
	}
	if (!rc) {
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
		rc = write_file("/proc/self/gid_map", map);
	}
	return rc ? err_set(err, -rc, "jail: user namespace id maps: %s",
			    strerror(-rc))
		  : 0;
}

/* An empty, read-only tmpfs becomes /; the host's tree is detached. */
static int empty_root(struct mote_err *err)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return err_set(err, errno, "jail: making mounts private: %s",
			       strerror(errno));
	if (mount("mote-root", "/tmp", "tmpfs",
		  MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,nr_inodes=2,mode=0555") < 0)
		return err_set(err, errno, "jail: mounting the empty root: %s",
			       strerror(errno));
	if (chdir("/tmp") < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
		return err_set(err, errno, "jail: pivot_root: %s",
			       strerror(errno));
	if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return err_set(err, errno, "jail: detaching the host root: %s",
			       strerror(errno));
	if (mount(NULL, "/", NULL,
		  MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV |
			  MS_NOEXEC,
		  NULL) < 0)
		return err_set(err, errno, "jail: read-only root: %s",
			       strerror(errno));
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Closes every fd except 0-2 and the named ones. */
static int close_others(const int *keep, size_t n, struct mote_err *err)
{
	int *sorted = malloc((n ? n : 1) * sizeof(int));
	unsigned next = 3;
	int rc = 0;

	if (!sorted)
		return err_set(err, ENOMEM, "jail: out of memory");
	memcpy(sorted, keep, n * sizeof(int));
	qsort(sorted, n, sizeof(int), cmp_int);
	for (size_t i = 0; i < n && !rc; i++) {
		if (sorted[i] < (int)next)
			continue;
		if ((unsigned)sorted[i] > next)
			rc = close_range(next, (unsigned)sorted[i] - 1, 0);
		next = (unsigned)sorted[i] + 1;
	}
	if (!rc)
		rc = close_range(next, ~0U, 0);
	free(sorted);
	if (rc)
		return err_set(err, errno, "jail: closing inherited fds: %s",
			       strerror(errno));
	return 0;
}

static int set_limits(const struct jail_config *cfg, struct mote_err *err)
{
	/* What the caller computed its VMs, devices and outputs hold. */
	rlim_t files = cfg->max_fds;
	/* RLIMIT_NPROC counts every task of the uid, system-wide: other
	 * jailed motes share uid 65534 by default, and KVM starts one kernel
	 * worker per VM at its first KVM_RUN (NPROC 0 makes KVM_RUN fail
	 * with EAGAIN). So the bound is generous; seccomp is what stops mote
	 * itself from making a process or thread (no clone on any list). */
	rlim_t procs = 4096 + 4 * (rlim_t)cfg->max_vms;
	struct rlimit nofile = { files, files }, core = { 0, 0 };
	struct rlimit nproc = { procs, procs };

	struct rlimit have;

	/* Raising a hard limit needs privilege mote may not have: say which
	 * limit and what it would take, rather than a bare EPERM. */
	if (getrlimit(RLIMIT_NOFILE, &have) == 0 && have.rlim_max < files &&
	    setrlimit(RLIMIT_NOFILE, &nofile) < 0)
		return err_set(err, errno,
			       "jail: RLIMIT_NOFILE: needs %llu descriptors, "
			       "the hard limit is %llu: %s",
			       (unsigned long long)files,
			       (unsigned long long)have.rlim_max,
			       strerror(errno));
	if (setrlimit(RLIMIT_NOFILE, &nofile) < 0)
		return err_set(err, errno, "jail: RLIMIT_NOFILE %llu: %s",
			       (unsigned long long)files, strerror(errno));
	if (getrlimit(RLIMIT_NPROC, &have) == 0 && have.rlim_max < procs)
		nproc.rlim_cur = nproc.rlim_max = have.rlim_max;
	if (setrlimit(RLIMIT_NPROC, &nproc) < 0)
		return err_set(err, errno, "jail: RLIMIT_NPROC %llu: %s",
			       (unsigned long long)nproc.rlim_max,
			       strerror(errno));
	if (setrlimit(RLIMIT_CORE, &core) < 0)
		return err_set(err, errno, "jail: RLIMIT_CORE: %s",
			       strerror(errno));
	return 0;
}

static int drop_privileges(bool root, uid_t uid, gid_t gid,
			   struct mote_err *err)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	/* The bounding set only matters across execve, which the empty
	 * root, no_new_privs and seccomp all rule out; it is dropped all
	 * the same, so no layer relies on another. */
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return err_set(err, errno,
				       "jail: capability bounding set: %s",
				       strerror(errno));
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return err_set(err, errno, "jail: ambient capabilities: %s",
			       strerror(errno));
	if (root && (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
		     setresuid(uid, uid, uid) < 0))
		return err_set(err, errno, "jail: switching to uid %u gid %u: %s",
			       (unsigned)uid, (unsigned)gid, strerror(errno));
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) < 0)
		return err_set(err, errno, "jail: clearing capabilities: %s",
			       strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_set(err, errno, "jail: no_new_privs: %s",
			       strerror(errno));
	/* No core dumps and no ptrace by other processes of the same uid. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return err_set(err, errno, "jail: dumpable: %s", strerror(errno));
	return 0;
}

/*
 * After the uid switch (which clears the parent-death signal), ask to die
 * with the waiting parent, then make sure it has not died already: its end
 * of the pipe closes when it does.
 */
static int tie_to_parent(int parent_alive, struct mote_err *err)
{
	struct pollfd p = { .fd = parent_alive, .events = POLLIN };

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return err_set(err, errno, "jail: parent-death signal: %s",
			       strerror(errno));
	if (poll(&p, 1, 0) != 0)
		return err_set(err, ECHILD, "jail: the parent is gone");
	return 0;
}

int jail_enter(const struct jail_config *cfg, struct mote_err *err)
{
	bool root = geteuid() == 0;
	uid_t uid = root ? (cfg->uid == (uid_t)-1 ? NOBODY : cfg->uid) : 0;
	gid_t gid = root ? (cfg->gid == (gid_t)-1 ? NOBODY : cfg->gid) : 0;
	int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;
	uid_t real_uid = getuid();
	gid_t real_gid = getgid();
	int alive[2], remove_dir = -1;
	const char *remove_name = NULL;
	pid_t pid;
	int rc;

	if (!root && (cfg->uid != (uid_t)-1 || cfg->gid != (gid_t)-1))
		return err_set(err, EPERM,
			       "jail: --uid and --gid need mote to run as root");
	if (cfg->netns)
		flags |= CLONE_NEWNET;
	if (!root)
		flags |= CLONE_NEWUSER;
	if (unshare(flags) < 0)
		return err_set(err, errno, "jail: new namespaces: %s",
			       strerror(errno));
	if (!root) {
		rc = map_user(real_uid, real_gid, err);
		if (rc)
			return rc;
	}
	if (pipe2(alive, O_CLOEXEC) < 0)
		return err_set(err, errno, "jail: pipe: %s", strerror(errno));
	if (cfg->remove_on_failure) {
		char dir[4096];
		const char *slash = strrchr(cfg->remove_on_failure, '/');

		snprintf(dir, sizeof(dir), "%.*s",
			 slash ? (int)(slash - cfg->remove_on_failure) + 1 : 1,
			 slash ? cfg->remove_on_failure : ".");
		remove_name = slash ? slash + 1 : cfg->remove_on_failure;
		remove_dir = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	/* The new PID namespace starts with our first child. */
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return err_set(err, errno, "jail: fork into the PID namespace: %s",
			       strerror(errno));
	if (pid > 0) {
		close(alive[0]);
		wait_for_child(pid, alive[1], remove_dir, remove_name);
		/* never returns */
	}
	close(alive[1]);
	rc = empty_root(err);
	if (!rc && sethostname("mote", 4) < 0)
		rc = err_set(err, errno, "jail: hostname: %s", strerror(errno));
	if (!rc)
		rc = set_limits(cfg, err);
	if (!rc)
		rc = drop_privileges(root, uid, gid, err);
	if (!rc)
		rc = tie_to_parent(alive[0], err);
	/* alive[0] is not kept: closed with every other fd not named. */
	if (!rc)
		rc = close_others(cfg->keep_fds, cfg->nkeep, err);
	if (!rc)
		clearenv();
	return rc;
}

static bool read_flag(const char *path, bool missing)
{
	char buf[16] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return missing;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && atol(buf) > 0;
}

bool jail_possible(void)
{
	if (!jail_seccomp_enabled())
		return false;
	if (geteuid() == 0)
		return true;
	return read_flag("/proc/sys/user/max_user_namespaces", false) &&
	       read_flag("/proc/sys/kernel/unprivileged_userns_clone", true);
}

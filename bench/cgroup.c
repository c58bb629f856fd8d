/*
 * Memory cgroups for density. Both versions count kernel memory charged to
 * the group in their usage figure (v2 memory.current; v1 charges kmem to
 * memory.usage_in_bytes as well as to memory.kmem.usage_in_bytes, so the
 * kmem figure is a part of the usage, never added to it).
 */
#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The first line of path, or "" ; returns bytes read or -errno. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return (int)strlen(buf);
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		rc = -errno;
	close(fd);
	return rc;
}

static bool has_word(const char *list, const char *word, const char *seps)
{
	char copy[512], *save = NULL;

	snprintf(copy, sizeof(copy), "%s", list);
	for (char *w = strtok_r(copy, seps, &save); w;
	     w = strtok_r(NULL, seps, &save))
		if (strcmp(w, word) == 0)
			return true;
	return false;
}

/* Mount points of cgroup2 (v2) and of the v1 hierarchy with "memory". */
static void find_mounts(char *v2, char *v1, size_t len)
{
	char line[1024];
	FILE *f = fopen("/proc/self/mountinfo", "r");

	v2[0] = v1[0] = '\0';
	while (f && fgets(line, sizeof(line), f)) {
		char mnt[512], type[64], opts[512];
		const char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1 ||
		    sscanf(dash + 3, "%63s %*s %511s", type, opts) != 2)
			continue;
		if (strcmp(type, "cgroup2") == 0 && !v2[0])
			snprintf(v2, len, "%s", mnt);
		else if (strcmp(type, "cgroup") == 0 && !v1[0] &&
			 has_word(opts, "memory", ","))
			snprintf(v1, len, "%s", mnt);
	}
	if (f)
		fclose(f);
}

/* This process's group in the v1 memory hierarchy ("/" if unknown). */
static void own_v1_group(char *out, size_t len)
{
	char line[1024];
	FILE *f = fopen("/proc/self/cgroup", "r");

	snprintf(out, len, "/");
	while (f && fgets(line, sizeof(line), f)) {
		char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;

		if (!b)
			continue;
		*b = '\0';
		if (has_word(a + 1, "memory", ",")) {
			snprintf(out, len, "%s", b + 1);
			out[strcspn(out, "\n")] = '\0';
			break;
		}
	}
	if (f)
		fclose(f);
}

int memcg_create(struct memcg *cg, const char *name)
{
	char v2[512], v1[512], path[PATH_MAX + 64], buf[512];
	int rc;

	memset(cg, 0, sizeof(*cg));
	find_mounts(v2, v1, sizeof(v2));
	snprintf(path, sizeof(path), "%s/cgroup.controllers", v2);
	if (v2[0] && read_line(path, buf, sizeof(buf)) >= 0 &&
	    has_word(buf, "memory", " ")) {
		/* Only the root may hold processes and hand the controller
		 * down at once; enabling it there is a no-op if it is on. */
		snprintf(path, sizeof(path), "%s/cgroup.subtree_control", v2);
		if (read_line(path, buf, sizeof(buf)) < 0 ||
		    !has_word(buf, "memory", " "))
			write_str(path, "+memory");
		cg->version = 2;
		snprintf(cg->dir, sizeof(cg->dir), "%s/%s", v2, name);
	} else if (v1[0]) {
		own_v1_group(buf, sizeof(buf));
		cg->version = 1;
		snprintf(cg->dir, sizeof(cg->dir), "%s%s/%s", v1,
			 strcmp(buf, "/") ? buf : "", name);
	} else {
		snprintf(cg->why, sizeof(cg->why),
			 "no memory cgroup controller mounted");
		return -ENOENT;
	}
	if (mkdir(cg->dir, 0755) < 0) {
		rc = -errno;
		snprintf(cg->why, sizeof(cg->why), "cannot create %.120s: %s",
			 cg->dir, strerror(errno));
		cg->version = 0;
		return rc;
	}
	return 0;
}

int memcg_join(const struct memcg *cg, pid_t pid)
{
	char path[PATH_MAX + 32], s[24];

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg->dir);
	snprintf(s, sizeof(s), "%d", (int)pid);
	return write_str(path, s);
}

/* "kernel N" in v2's memory.stat (kernels from 5.18 on), in bytes. */
static long long v2_kernel_bytes(const char *dir)
{
	char path[PATH_MAX + 32], line[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/memory.stat", dir);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "kernel %lld", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

static long long bytes_of(const char *dir, const char *file)
{
	char path[PATH_MAX + 64], buf[64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (read_line(path, buf, sizeof(buf)) <= 0)
		return -1;
	return strtoll(buf, NULL, 10);
}

int memcg_read(const struct memcg *cg, struct memcg_usage *u)
{
	long long total, kmem;

	if (cg->version == 2) {
		total = bytes_of(cg->dir, "memory.current");
		kmem = v2_kernel_bytes(cg->dir);
	} else if (cg->version == 1) {
		total = bytes_of(cg->dir, "memory.usage_in_bytes");
		kmem = bytes_of(cg->dir, "memory.kmem.usage_in_bytes");
	} else {
		return -ENOENT;
	}
	if (total < 0)
		return -EIO;
	u->kib = total / 1024;
	u->kmem_kib = kmem < 0 ? -1 : kmem / 1024;
	return 0;
}

int memcg_remove(struct memcg *cg)
{
	int rc = 0;

	if (!cg->version)
		return 0;
	/* A process that just exited may still be leaving the group. */
	for (int i = 0; i < 100; i++) {
		if (rmdir(cg->dir) == 0 || errno == ENOENT) {
			cg->version = 0;
			return 0;
		}
		rc = -errno;
		if (errno != EBUSY)
			break;
		nanosleep(&(struct timespec){0, 10000000}, NULL);
	}
	return rc;
}

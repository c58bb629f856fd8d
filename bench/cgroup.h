/*
 * A memory cgroup of our own, for density: the kernel's accounting of what
 * a set of processes uses, kernel memory included. cgroup v2 where the
 * memory controller is there, v1's memory hierarchy otherwise.
 */
#ifndef MOTE_BENCH_CGROUP_H
#define MOTE_BENCH_CGROUP_H

#include <limits.h>
#include <sys/types.h>

struct memcg {
	int version;	    /* 1 or 2; 0: none (why says why) */
	char dir[PATH_MAX]; /* the group memcg_create made */
	char why[200];
};

struct memcg_usage {
	long long kib;	    /* v2 memory.current, v1 memory.usage_in_bytes */
	long long kmem_kib; /* of which kernel memory; -1: not known */
};

/* Finds the memory controller and makes a new empty group NAME in it
 * (v2: under the root; v1: under this process's own group). Returns 0, or
 * a negative errno with cg->version 0 and the reason in cg->why. */
int memcg_create(struct memcg *cg, const char *name);
/* Moves process pid into the group. */
int memcg_join(const struct memcg *cg, pid_t pid);
int memcg_read(const struct memcg *cg, struct memcg_usage *u);
/* Removes the group once its processes are gone (retries for a second). */
int memcg_remove(struct memcg *cg);

#endif

/*
 * Command-line parsing for `mote run`, kept apart from main so that every
 * rejection can be unit-tested.
 */
#ifndef MOTE_OPTIONS_H
#define MOTE_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "../guest_abi/mote_abi.h"
#include "err.h"

#define OPTIONS_MAX_COUNT 100000
#define OPTIONS_PATH_MAX 4096
#define OPTIONS_MAX_ENV 1024

/* One --disk PATH[,ro][,direct]. */
struct disk_opt {
	char path[OPTIONS_PATH_MAX];
	bool ro;     /* attach read-only (VIRTIO_BLK_F_RO) */
	bool direct; /* open with O_DIRECT */
};

/* One --net tap:NAME[,mac=MAC] or --net fd:N[,mac=MAC]. */
struct net_opt {
	char tap[16]; /* interface name (IFNAMSIZ), "" for fd */
	int fd;	      /* inherited tap fd, -1 for a name */
	bool has_mac;
	uint8_t mac[6];
};

struct run_opts {
	uint64_t mem;        /* bytes */
	uint64_t timeout_ns; /* 0: none */
	bool stats;
	bool help;
	unsigned count;     /* instances to start (--count, default 1) */
	unsigned pool;      /* warm pool size (--pool, default 0) */
	unsigned workers;   /* vCPU worker threads (--workers, 0: default) */
	const char *output; /* per-instance output directory, or NULL */
	struct disk_opt disks[MOTE_MAX_DEVICES]; /* --disk, in order */
	unsigned ndisks;
	struct net_opt nets[MOTE_MAX_DEVICES]; /* --net, in order */
	unsigned nnets;
	int jail;           /* 1: --jail, 0: --no-jail, -1: when it can be */
	bool jail_netns;    /* --jail-netns: also a new network namespace */
	long uid, gid;      /* --uid/--gid, -1: default */
	bool allow_root;    /* --jail-allow-root: --uid 0 / --gid 0 meant */
	char *env[OPTIONS_MAX_ENV + 1]; /* --env NAME=VALUE (into argv), NULL */
	unsigned nenv;
	uint64_t max_output; /* --max-output bytes, 0: no limit */
	bool snapshot;       /* --snapshot: start instances from the guest's
			      * snapshot point */
	const char *snapshot_out; /* -o FILE (mote snapshot only) */
	const char *image;
	int guest_argc; /* guest argv: the image path, then its arguments */
	char **guest_argv;
};

/* "16M", "64MiB", "1G", "2097152": bytes. Returns 0 or -EINVAL. */
int options_parse_size(const char *s, uint64_t *out, struct mote_err *err);

/* A decimal count in [min, max], for the option called name. */
int options_parse_count(const char *name, const char *s, unsigned min,
			unsigned max, unsigned *out, struct mote_err *err);

/* Longest accepted duration: a year, so deadlines never overflow. */
#define OPTIONS_MAX_DURATION_NS (365ull * 24 * 3600 * 1000000000ull)

/* "500ms", "2s", "1m", "3" (seconds), more than 0 and at most a year. */
int options_parse_duration(const char *s, uint64_t *ns, struct mote_err *err);

/* "PATH[,ro][,direct]": the path runs to the first comma. */
int options_parse_disk(const char *s, struct disk_opt *d, struct mote_err *err);

/* "tap:NAME[,mac=MAC]" or "fd:N[,mac=MAC]"; MAC is aa:bb:cc:dd:ee:ff. */
int options_parse_net(const char *s, struct net_opt *n, struct mote_err *err);

/*
 * Parses the arguments after "run". guest_argv points into argv (argv[i-1]
 * is overwritten to hold the image path when "--" separates the arguments).
 * Returns 0 or -EINVAL with the reason in err.
 */
int options_parse_run(int argc, char **argv, struct run_opts *o,
		      struct mote_err *err);

#endif

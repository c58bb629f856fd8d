/*
 * `mote serve` configuration: the command line and the optional libconfig
 * file, merged into one validated struct, with one-line errors.
 */
#ifndef MOTE_SERVE_CONFIG_H
#define MOTE_SERVE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "../monitor/err.h"
#include "../cli/options.h"

#define SERVE_MAX_FUNCTIONS 64
#define SERVE_MAX_LISTEN 8
#define SERVE_MAX_ARGS 64
#define SERVE_MAX_ENV 64
#define SERVE_NAME_MAX 64
#define SERVE_DEFAULT_PORT 8080
/* Lambda's synchronous payload limit, for requests and responses alike. */
#define SERVE_DEFAULT_MAX_BODY (6ull << 20)
#define SERVE_DEFAULT_TIMEOUT_NS (30ull * 1000000000ull)
#define SERVE_DEFAULT_DRAIN_NS (10ull * 1000000000ull)

/* One function: an image and how requests to it run. */
struct serve_function_cfg {
	char name[SERVE_NAME_MAX];
	char *image;          /* path to the ELF */
	uint64_t mem;         /* guest memory; 0: the global --mem */
	uint64_t timeout_ns;  /* per request; 0: the global --timeout */
	char *args[SERVE_MAX_ARGS]; /* guest argv[1..] */
	unsigned nargs;
	char *env[SERVE_MAX_ENV]; /* NAME=VALUE */
	unsigned nenv;
	struct disk_opt *disks; /* read-only, MOTE_MAX_DEVICES of them */
	unsigned ndisks;
	unsigned pool;        /* warm VMs kept ready */
	unsigned concurrency; /* invocations running at once */
	unsigned queue;       /* requests waiting for a slot */
	uint64_t max_request, max_response;
	bool cgi;
	bool snapshot; /* start every request from the guest's snapshot point */
	int line; /* line in the config file, 0: the command line */
};

struct serve_config {
	char *listen[SERVE_MAX_LISTEN]; /* "ADDR:PORT" or "unix:PATH" */
	unsigned nlisten;
	struct serve_function_cfg fns[SERVE_MAX_FUNCTIONS];
	unsigned nfns;
	uint64_t mem;        /* default guest memory */
	uint64_t timeout_ns; /* default per-request timeout */
	uint64_t drain_ns;   /* --drain-timeout */
	uint64_t idle_ns;    /* --idle-timeout: a connection with no traffic */
	unsigned max_connections;
	uint64_t max_header;  /* bytes of request line and headers */
	unsigned max_headers; /* number of request headers */
	unsigned workers;     /* vCPU threads per function's fleet; 0: default */
	int jail;             /* 1, 0, -1 (when possible), as for run */
	bool jail_netns;
	long uid, gid;
	bool help;
	const char *config_path;
};

/*
 * Parses the arguments after "serve" (and the --config file they name)
 * into c, applies defaults ($PORT: env_port, may be NULL) and validates
 * the result. Returns 0 or -EINVAL with one line in err. c must be freed
 * with serve_config_free even on failure.
 */
int serve_config_parse(int argc, char **argv, const char *env_port,
		       struct serve_config *c, struct mote_err *err);

/*
 * One "NAME=IMAGE[,OPTION=VALUE]..." (the argument of --function) added
 * to c. Exposed for the tests.
 */
int serve_config_add_function(struct serve_config *c, const char *spec,
			      struct mote_err *err);

/* Sets one per-function option, by its command-line name. */
int serve_function_set(struct serve_function_cfg *f, const char *key,
		       const char *value, struct mote_err *err);

/* Reads a libconfig file into c (before the command line's options). */
int serve_config_load(struct serve_config *c, const char *path,
		      struct mote_err *err);

void serve_config_free(struct serve_config *c);

#endif

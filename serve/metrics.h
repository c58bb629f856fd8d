/*
 * Server metrics and their Prometheus text exposition (format 0.0.4):
 * requests by function and outcome, a latency histogram per function,
 * pool misses; queue depth and VM counts are read when rendered.
 */
#ifndef MOTE_SERVE_METRICS_H
#define MOTE_SERVE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "outcome.h"

#define SERVE_LATENCY_BUCKETS 14

/* Upper bounds of the latency buckets, seconds (+Inf is implied). */
extern const double serve_latency_bounds[SERVE_LATENCY_BUCKETS];

struct serve_fn_metrics {
	uint64_t requests[SERVE_NOUTCOMES];
	uint64_t buckets[SERVE_LATENCY_BUCKETS]; /* not cumulative */
	uint64_t count;
	double sum; /* seconds */
	uint64_t pool_misses;
	/* gauges, filled by the caller before rendering */
	unsigned queued, running, pooled;
};

/* Counts one finished request of latency ns (outcome o). */
void serve_metrics_observe(struct serve_fn_metrics *m, enum serve_outcome o,
			   uint64_t ns);

/*
 * Renders the metrics of n functions (names[i], fns[i]) plus the server's
 * connection count and draining flag. Returns a malloc'd NUL-terminated
 * text (length in *len) or NULL when out of memory.
 */
char *serve_metrics_render(const char *const *names,
			   const struct serve_fn_metrics *fns, unsigned n,
			   unsigned connections, int draining, size_t *len);

#endif

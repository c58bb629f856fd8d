/*
 * Prometheus text rendering of the server's counters (metrics.h). Label
 * values are escaped as the format requires, although function names
 * (letters, digits, '.', '_', '-') never need it.
 */
#include "metrics.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const double serve_latency_bounds[SERVE_LATENCY_BUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1,	0.25,  0.5,    1,     2.5,  5,     10,
};

void serve_metrics_observe(struct serve_fn_metrics *m, enum serve_outcome o,
			   uint64_t ns)
{
	double s = (double)ns / 1e9;

	if (o < SERVE_NOUTCOMES)
		m->requests[o]++;
	for (int i = 0; i < SERVE_LATENCY_BUCKETS; i++)
		if (s <= serve_latency_bounds[i]) {
			m->buckets[i]++;
			break;
		}
	m->count++;
	m->sum += s;
}

struct text {
	char *p;
	size_t len, cap;
	bool oom;
};

__attribute__((format(printf, 2, 3))) static void emit(struct text *t,
						       const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		{
			size_t cap = t->cap * 2 + (size_t)(n > 0 ? n : 0);
			char *p = realloc(t->p, cap);

			if (!p) {
				t->oom = true;
				return;
			}
			t->p = p;
			t->cap = cap;
		}
	}
}

/* A label value with \, " and newline escaped. */
static void label(const char *v, char *dst, size_t n)
{
	size_t k = 0;

	for (; *v && k + 3 < n; v++) {
		if (*v == '\\' || *v == '"') {
			dst[k++] = '\\';
			dst[k++] = *v;
		} else if (*v == '\n') {
			dst[k++] = '\\';
			dst[k++] = 'n';
		} else {
			dst[k++] = *v;
		}
	}
	dst[k] = '\0';
}

static void family(struct text *t, const char *name, const char *type,
		   const char *help)
{
	emit(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

char *serve_metrics_render(const char *const *names,
			   const struct serve_fn_metrics *fns, unsigned n,
			   unsigned connections, int draining, size_t *len)
{
	struct text t = { .cap = 4096 };
	char fn[2 * 64 + 4];

	t.p = malloc(t.cap);
	if (!t.p)
		return NULL;
	t.p[0] = '\0';
	family(&t, "mote_serve_requests_total", "counter",
	       "Requests to functions, by function and outcome.");
	for (unsigned i = 0; i < n; i++) {
		label(names[i], fn, sizeof(fn));
		for (int o = 0; o < SERVE_NOUTCOMES; o++)
			emit(&t,
			     "mote_serve_requests_total{function=\"%s\","
			     "outcome=\"%s\"} %llu\n",
			     fn, serve_outcome_name((enum serve_outcome)o),
			     (unsigned long long)fns[i].requests[o]);
	}
	family(&t, "mote_serve_request_duration_seconds", "histogram",
	       "Time from a complete request to its response, by function.");
	for (unsigned i = 0; i < n; i++) {
		uint64_t cum = 0;

		label(names[i], fn, sizeof(fn));
		for (int b = 0; b < SERVE_LATENCY_BUCKETS; b++) {
			cum += fns[i].buckets[b];
			emit(&t,
			     "mote_serve_request_duration_seconds_bucket{"
			     "function=\"%s\",le=\"%g\"} %llu\n",
			     fn, serve_latency_bounds[b],
			     (unsigned long long)cum);
		}
		emit(&t,
		     "mote_serve_request_duration_seconds_bucket{function=\"%s\","
		     "le=\"+Inf\"} %llu\n"
		     "mote_serve_request_duration_seconds_sum{function=\"%s\"} "
		     "%.9g\n"
		     "mote_serve_request_duration_seconds_count{function=\"%s\"} "
		     "%llu\n",
		     fn, (unsigned long long)fns[i].count, fn, fns[i].sum, fn,
		     (unsigned long long)fns[i].count);
	}
	family(&t, "mote_serve_queue_depth", "gauge",
	       "Requests waiting for a free slot, by function.");
	for (unsigned i = 0; i < n; i++) {
		label(names[i], fn, sizeof(fn));
		emit(&t, "mote_serve_queue_depth{function=\"%s\"} %u\n", fn,
		     fns[i].queued);
	}
	family(&t, "mote_serve_vms_running", "gauge",
	       "Invocations running in a VM, by function.");
	for (unsigned i = 0; i < n; i++) {
		label(names[i], fn, sizeof(fn));
		emit(&t, "mote_serve_vms_running{function=\"%s\"} %u\n", fn,
		     fns[i].running);
	}
	family(&t, "mote_serve_vms_pooled", "gauge",
	       "VMs created, reset and ready in the warm pool, by function.");
	for (unsigned i = 0; i < n; i++) {
		label(names[i], fn, sizeof(fn));
		emit(&t, "mote_serve_vms_pooled{function=\"%s\"} %u\n", fn,
		     fns[i].pooled);
	}
	family(&t, "mote_serve_pool_misses_total", "counter",
	       "Invocations that found the warm pool empty and created a VM.");
	for (unsigned i = 0; i < n; i++) {
		label(names[i], fn, sizeof(fn));
		emit(&t, "mote_serve_pool_misses_total{function=\"%s\"} %llu\n",
		     fn, (unsigned long long)fns[i].pool_misses);
	}
	family(&t, "mote_serve_connections", "gauge",
	       "Open HTTP connections.");
	emit(&t, "mote_serve_connections %u\n", connections);
	family(&t, "mote_serve_draining", "gauge",
	       "1 once SIGTERM or SIGINT started the drain.");
	emit(&t, "mote_serve_draining %d\n", draining ? 1 : 0);
	if (t.oom) {
		free(t.p);
		return NULL;
	}
	*len = t.len;
	return t.p;
}

/*
 * A series of starts of one system (mote cold, pooled, whole process, the
 * floor, QEMU): samples kept in run order for the report, summarised with
 * nearest-rank statistics.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

int series_add(struct series *s, const struct run_sample *r)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct run_sample *v = realloc(s->s, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->s = v;
		s->cap = cap;
	}
	s->s[s->n++] = *r;
	return 0;
}

void series_fail(struct series *s, const char *fmt, ...)
{
	va_list ap;

	if (s->warmup)
		return;
	s->failed++;
	if (s->error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
}

/* Statistics sort their input: they get a copy, the report keeps order. */
int series_finish(struct series *s)
{
	uint64_t *ready = calloc(s->n + 1, sizeof(uint64_t));
	uint64_t *exit = calloc(s->n + 1, sizeof(uint64_t));
	uint64_t *end = calloc(s->n + 1, sizeof(uint64_t));
	size_t nr = 0, ne = 0;

	if (!ready || !exit || !end) {
		free(ready);
		free(exit);
		free(end);
		return -ENOMEM;
	}
	s->ready_missing = s->ready_none = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct run_sample *r = &s->s[i];

		if (r->src != READY_HC)
			s->ready_missing++;
		if (r->src == READY_NONE)
			s->ready_none++;
		else
			ready[nr++] = r->ready;
		exit[i] = r->exit;
		if (r->end)
			end[ne++] = r->end;
	}
	stats_compute(ready, nr, &s->to_ready);
	stats_compute(exit, s->n, &s->to_exit);
	stats_compute(end, ne, &s->to_end);
	free(ready);
	free(exit);
	free(end);
	return 0;
}

void series_free(struct series *s)
{
	free(s->s);
	s->s = NULL;
	s->n = s->cap = 0;
}

const char *series_ready_label(const struct series *s)
{
	if (s->n == 0 || s->ready_missing == 0)
		return s->ready_label ? s->ready_label : "READY hypercall";
	if (s->ready_missing == s->n)
		return s->ready_none == s->n
			       ? "missing (neither READY nor first instruction "
				 "reported)"
			       : "first instruction (the image never called "
				 "READY)";
	return "mixed: READY hypercall where made, else first instruction";
}

void series_json(struct jw *j, const struct series *s, bool samples)
{
	jw_obj(j, s->name);
	jw_str(j, "what", s->what);
	jw_str(j, "status", s->status ? s->status : "measured");
	if (s->status) {
		jw_obj_end(j);
		return;
	}
	jw_int(j, "runs", (long long)s->n + s->failed);
	jw_int(j, "ok", (long long)s->n);
	jw_int(j, "failed", s->failed);
	if (s->error[0])
		jw_str(j, "first_error", s->error);
	jw_int(j, "nonzero_exit", s->nonzero_exit);
	jw_int(j, "from_pool", s->from_pool);
	jw_str(j, "ready_source", series_ready_label(s));
	jw_int(j, "ready_missing", s->ready_missing);
	jw_stats_us(j, "to_ready_us", &s->to_ready);
	jw_stats_us(j, "to_exit_us", &s->to_exit);
	if (s->to_end.n)
		jw_stats_us(j, "to_end_us", &s->to_end);
	if (samples) {
		/* Paired by index: run i's ready and exit. */
		jw_arr(j, "ready_us");
		for (size_t i = 0; i < s->n; i++) {
			if (s->s[i].src == READY_NONE)
				jw_null(j, NULL);
			else
				jw_num(j, NULL, s->s[i].ready / 1e3, 1);
		}
		jw_arr_end(j);
		jw_arr(j, "exit_us");
		for (size_t i = 0; i < s->n; i++)
			jw_num(j, NULL, s->s[i].exit / 1e3, 1);
		jw_arr_end(j);
	}
	jw_obj_end(j);
}

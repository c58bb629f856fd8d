/*
 * A streaming JSON writer for the benchmark reports: it places the commas
 * and indentation, so the report code only says what goes where.
 */
#ifndef MOTE_BENCH_JSON_H
#define MOTE_BENCH_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "stats.h"

#define JW_MAX_DEPTH 16

struct jw {
	FILE *f;
	int depth;
	bool has_items[JW_MAX_DEPTH]; /* a comma is due before the next */
	bool inline_[JW_MAX_DEPTH];   /* one line: arrays of numbers */
};

void jw_init(struct jw *j, FILE *f);
/* s as a JSON string, quotes and escapes included. */
void json_str(FILE *f, const char *s);

/* key is NULL inside an array (and for the top-level value). */
void jw_obj(struct jw *j, const char *key);
void jw_obj_end(struct jw *j);
/* Arrays of numbers print on one line; jw_list puts one item per line. */
void jw_arr(struct jw *j, const char *key);
void jw_list(struct jw *j, const char *key);
void jw_arr_end(struct jw *j);

void jw_str(struct jw *j, const char *key, const char *s);
void jw_num(struct jw *j, const char *key, double v, int decimals);
void jw_int(struct jw *j, const char *key, long long v);
void jw_bool(struct jw *j, const char *key, bool v);
void jw_null(struct jw *j, const char *key);
/* A JSON text written by someone else, inserted as the value of key. */
void jw_raw(struct jw *j, const char *key, const char *text);

/* "small_sample": "n=50: p99 is the maximum" when n is below 100. */
void small_sample_note(struct jw *j, size_t n);
/* {"n", "min", "p50", "p90", "p99", "max", "mean"} of ns values, in µs,
 * and the small-sample note. */
void jw_stats_us(struct jw *j, const char *key, const struct stats *s);

#endif

/*
 * Streaming JSON output with automatic commas and two-space indentation;
 * numbers are never NaN or infinite in the output (they become null).
 */
#include "json.h"

#include <math.h>

void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void jw_init(struct jw *j, FILE *f)
{
	*j = (struct jw){.f = f, .depth = 0};
}

/* Comma, newline and indentation before an item, then its key. */
static void item(struct jw *j, const char *key)
{
	if (j->depth > 0) {
		bool had = j->has_items[j->depth - 1];

		if (had)
			fputc(',', j->f);
		j->has_items[j->depth - 1] = true;
		if (j->inline_[j->depth - 1]) {
			if (had)
				fputc(' ', j->f);
		} else {
			fprintf(j->f, "\n%*s", 2 * j->depth, "");
		}
	}
	if (key) {
		json_str(j->f, key);
		fputs(": ", j->f);
	}
}

static void open_(struct jw *j, const char *key, char c, bool in_line)
{
	item(j, key);
	fputc(c, j->f);
	if (j->depth < JW_MAX_DEPTH) {
		j->has_items[j->depth] = false;
		j->inline_[j->depth] = in_line;
	}
	j->depth++;
}

static void close_(struct jw *j, char c)
{
	j->depth--;
	if (j->depth < JW_MAX_DEPTH && j->has_items[j->depth] &&
	    !j->inline_[j->depth])
		fprintf(j->f, "\n%*s", 2 * j->depth, "");
	fputc(c, j->f);
	if (j->depth == 0)
		fputc('\n', j->f);
}

void jw_obj(struct jw *j, const char *key)
{
	open_(j, key, '{', false);
}

void jw_obj_end(struct jw *j)
{
	close_(j, '}');
}

void jw_arr(struct jw *j, const char *key)
{
	open_(j, key, '[', true);
}

void jw_list(struct jw *j, const char *key)
{
	open_(j, key, '[', false);
}

void jw_arr_end(struct jw *j)
{
	close_(j, ']');
}

void jw_str(struct jw *j, const char *key, const char *s)
{
	item(j, key);
	if (s)
		json_str(j->f, s);
	else
		fputs("null", j->f);
}

void jw_num(struct jw *j, const char *key, double v, int decimals)
{
	item(j, key);
	if (isfinite(v))
		fprintf(j->f, "%.*f", decimals, v);
	else
		fputs("null", j->f);
}

void jw_int(struct jw *j, const char *key, long long v)
{
	item(j, key);
	fprintf(j->f, "%lld", v);
}

void jw_bool(struct jw *j, const char *key, bool v)
{
	item(j, key);
	fputs(v ? "true" : "false", j->f);
}

void jw_null(struct jw *j, const char *key)
{
	item(j, key);
	fputs("null", j->f);
}

void jw_raw(struct jw *j, const char *key, const char *text)
{
	item(j, key);
	/* Keep the nesting readable: indent the inserted text's lines. */
	for (const char *p = text; *p; p++) {
		if (*p == '\n' && p[1] == '\0')
			break;
		fputc(*p, j->f);
		if (*p == '\n')
			fprintf(j->f, "%*s", 2 * j->depth, "");
	}
}

void small_sample_note(struct jw *j, size_t n)
{
	char note[80];

	/* Nearest rank: p is the maximum while p/100 * n > n - 1. */
	if (n == 0 || n >= 100)
		return;
	snprintf(note, sizeof(note), "n=%zu: p99 is the maximum%s", n,
		 n < 10 ? ", and so is p90" : "");
	jw_str(j, "small_sample", note);
}

void jw_stats_us(struct jw *j, const char *key, const struct stats *s)
{
	jw_obj(j, key);
	jw_int(j, "n", (long long)s->n);
	jw_num(j, "min", s->min / 1e3, 1);
	jw_num(j, "p50", s->p50 / 1e3, 1);
	jw_num(j, "p90", s->p90 / 1e3, 1);
	jw_num(j, "p99", s->p99 / 1e3, 1);
	jw_num(j, "max", s->max / 1e3, 1);
	jw_num(j, "mean", s->mean / 1e3, 1);
	small_sample_note(j, s->n);
	jw_obj_end(j);
}

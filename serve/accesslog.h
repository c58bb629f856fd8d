/*
 * The access log: one JSON object per request on one line (stderr), and
 * the lines that carry a guest's stderr, tagged with the request id.
 */
#ifndef MOTE_SERVE_ACCESSLOG_H
#define MOTE_SERVE_ACCESSLOG_H

#include <stddef.h>
#include <stdint.h>

struct serve_log_entry {
	uint64_t time_ms; /* wall clock, ms since the epoch */
	const char *id, *function; /* function: NULL when none matched */
	const char *method, *path;
	unsigned status;
	const char *outcome;
	int exit_status; /* -1: the guest did not exit by itself */
	uint64_t bytes_in, bytes_out;
	uint64_t queue_us, start_us, run_us, total_us;
	int from_pool; /* 1, 0, or -1 when no VM ran */
};

/*
 * Formats e as one JSON line ending in '\n' into buf; returns its length
 * (truncated lines still end in "}\n" only if they fit: callers give
 * SERVE_LOG_LINE_MAX bytes).
 */
#define SERVE_LOG_LINE_MAX 2048
size_t serve_accesslog_format(const struct serve_log_entry *e, char *buf,
			      size_t n);

/* {"time":...,"id":...,"function":...,"stderr":"...","dropped":N}\n */
size_t serve_accesslog_stderr(uint64_t time_ms, const char *id,
			      const char *function, const char *text,
			      size_t len, uint64_t dropped, char *buf,
			      size_t n);

/* s[0..len) as the inside of a JSON string into dst (at most n-1 bytes,
 * whole escapes only); returns the bytes written. */
size_t serve_json_escape(const char *s, size_t len, char *dst, size_t n);

#endif

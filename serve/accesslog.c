/*
 * Access-log lines as JSON (accesslog.h). Strings from the request (the
 * path, the method) and from the guest (its stderr) are escaped, so a
 * line is always one valid JSON object.
 */
#include "accesslog.h"

#include <stdio.h>
#include <string.h>

size_t serve_json_escape(const char *s, size_t len, char *dst, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t k = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7];
		size_t m;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			m = 2;
		} else if (c == '\n') {
			memcpy(esc, "\\n", 2);
			m = 2;
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			m = 6;
		} else if (c >= 0x80) {
			/* Guest bytes need not be UTF-8: keep JSON valid. */
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			m = 6;
		} else {
			esc[0] = (char)c;
			m = 1;
		}
		if (k + m + 1 > n)
			break;
		memcpy(dst + k, esc, m);
		k += m;
	}
	if (n)
		dst[k] = '\0';
	return k;
}

/*
 * "2026-12-06T08:06:01.123Z", computed here: gmtime_r would open
 * /etc/localtime on its first call, which the jail has not got and the
 * server thread's allowlist does not allow. (Civil date from days since
 * the epoch: H. Hinnant's algorithm.)
 */
static void iso_time(uint64_t ms, char *dst, size_t n)
{
	uint64_t secs = ms / 1000, days = secs / 86400, rem = secs % 86400;
	int64_t z = (int64_t)days + 719468, era = z / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = (int64_t)yoe + era * 400 + (m <= 2);

	snprintf(dst, n, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
		 (unsigned)y % 10000, m % 100, d % 100,
		 (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60),
		 (unsigned)(rem % 60), (unsigned)(ms % 1000));
}

static const char *str_or_null(const char *s, char *buf, size_t n)
{
	char esc[512];

	if (!s)
		return "null";
	serve_json_escape(s, strlen(s), esc, sizeof(esc));
	snprintf(buf, n, "\"%s\"", esc);
	return buf;
}

size_t serve_accesslog_format(const struct serve_log_entry *e, char *buf,
			      size_t n)
{
	char t[40], fn[600], method[600], path[600], exit_s[16];
	int len;

	iso_time(e->time_ms, t, sizeof(t));
	snprintf(exit_s, sizeof(exit_s), "%d", e->exit_status);
	len = snprintf(
		buf, n,
		"{\"time\":\"%s\",\"id\":\"%s\",\"function\":%s,"
		"\"method\":%s,\"path\":%s,\"status\":%u,\"outcome\":\"%s\","
		"\"exit_status\":%s,\"bytes_in\":%llu,\"bytes_out\":%llu,"
		"\"queue_us\":%llu,\"start_us\":%llu,\"run_us\":%llu,"
		"\"total_us\":%llu,\"pool\":%s}\n",
		t, e->id, str_or_null(e->function, fn, sizeof(fn)),
		str_or_null(e->method, method, sizeof(method)),
		str_or_null(e->path, path, sizeof(path)), e->status, e->outcome,
		e->exit_status < 0 ? "null" : exit_s,
		(unsigned long long)e->bytes_in,
		(unsigned long long)e->bytes_out,
		(unsigned long long)e->queue_us,
		(unsigned long long)e->start_us,
		(unsigned long long)e->run_us,
		(unsigned long long)e->total_us,
		e->from_pool < 0 ? "null" : e->from_pool ? "\"hit\"" : "\"miss\"");
	if (len < 0)
		return 0;
	return (size_t)len < n ? (size_t)len : n - 1;
}

size_t serve_accesslog_stderr(uint64_t time_ms, const char *id,
			      const char *function, const char *text,
			      size_t len, uint64_t dropped, char *buf, size_t n)
{
	char t[40], fn[600];
	int head, tail;
	size_t k;

	iso_time(time_ms, t, sizeof(t));
	head = snprintf(buf, n, "{\"time\":\"%s\",\"id\":\"%s\",\"function\":%s,"
				"\"stderr\":\"",
			t, id, str_or_null(function, fn, sizeof(fn)));
	if (head < 0 || (size_t)head + 64 > n)
		return 0;
	/* Leave room for the closing fields. */
	k = (size_t)head + serve_json_escape(text, len, buf + head,
					    n - (size_t)head - 48);
	tail = snprintf(buf + k, n - k, "\",\"dropped\":%llu}\n",
			(unsigned long long)dropped);
	return tail < 0 ? 0 : k + (size_t)tail;
}

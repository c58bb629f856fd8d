/*
 * /metrics: counters and histograms as Prometheus text, checked by
 * promtool (Debian package prometheus), and the values they carry.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../../serve/metrics.h"

static char *render(struct serve_fn_metrics *m, size_t *len)
{
	static const char *const names[] = { "echo", "lua.v2-x_y" };
	char *text = serve_metrics_render(names, m, 2, 3, 0, len);

	cr_assert_not_null(text);
	cr_assert_eq(strlen(text), *len);
	return text;
}

/* promtool's verdict on text: its exit status, its complaints in out. */
static int promtool(const char *text, char *out, size_t n)
{
	char path[] = "/tmp/mote-metrics-XXXXXX", cmd[256];
	FILE *f, *p;
	size_t got;
	int fd = mkstemp(path), st;

	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1", path);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	got = fread(out, 1, n - 1, p);
	out[got] = '\0';
	st = pclose(p);
	unlink(path);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(serve_metrics, promtool_accepts_the_exposition)
{
	struct serve_fn_metrics m[2];
	char out[4096];
	size_t len;
	char *text;

	memset(m, 0, sizeof(m));
	serve_metrics_observe(&m[0], SERVE_OK, 300000);          /* 0.3 ms */
	serve_metrics_observe(&m[0], SERVE_OK, 2000000);         /* 2 ms */
	serve_metrics_observe(&m[0], SERVE_CRASHED, 20000000000); /* 20 s */
	m[0].pool_misses = 4;
	m[0].queued = 1;
	m[0].running = 2;
	m[0].pooled = 3;
	text = render(m, &len);
	cr_assert_eq(promtool(text, out, sizeof(out)), 0, "promtool:\n%s\n%s",
		     out, text);
	free(text);
}

Test(serve_metrics, values)
{
	struct serve_fn_metrics m[2];
	size_t len;
	char *text;

	memset(m, 0, sizeof(m));
	serve_metrics_observe(&m[0], SERVE_OK, 300000);
	serve_metrics_observe(&m[0], SERVE_OK, 2000000);
	serve_metrics_observe(&m[0], SERVE_TIMEOUT, 20000000000);
	m[1].pooled = 7;
	text = render(m, &len);
	cr_assert_not_null(strstr(text, "mote_serve_requests_total{function=\"echo\","
					"outcome=\"ok\"} 2\n"));
	cr_assert_not_null(strstr(text, "mote_serve_requests_total{function=\"echo\","
					"outcome=\"timeout\"} 1\n"));
	cr_assert_not_null(strstr(text, "mote_serve_request_duration_seconds_bucket{"
					"function=\"echo\",le=\"0.0005\"} 1\n"));
	cr_assert_not_null(strstr(text, "mote_serve_request_duration_seconds_bucket{"
					"function=\"echo\",le=\"0.0025\"} 2\n"),
			   "buckets are cumulative");
	cr_assert_not_null(strstr(text, "mote_serve_request_duration_seconds_bucket{"
					"function=\"echo\",le=\"10\"} 2\n"));
	cr_assert_not_null(strstr(text, "mote_serve_request_duration_seconds_bucket{"
					"function=\"echo\",le=\"+Inf\"} 3\n"));
	cr_assert_not_null(strstr(text, "mote_serve_request_duration_seconds_count{"
					"function=\"echo\"} 3\n"));
	cr_assert_not_null(strstr(text, "mote_serve_vms_pooled{function=\"lua.v2-x_y\"} 7\n"));
	cr_assert_not_null(strstr(text, "mote_serve_connections 3\n"));
	cr_assert_not_null(strstr(text, "# TYPE mote_serve_pool_misses_total counter\n"));
	cr_assert_not_null(strstr(text, "# TYPE mote_serve_queue_depth gauge\n"));
	free(text);
}

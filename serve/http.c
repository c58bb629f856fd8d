/*
 * The HTTP front end of `mote serve` (http.h): routing, per-function
 * concurrency and queue bounds, suspend/resume around invocations, the
 * responses of the function contract, the operational endpoints, the
 * access log and the drain. Everything here runs on one thread; only
 * invocation_done is called from fleet threads.
 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../monitor/timeutil.h"
#include "accesslog.h"
#include "cgi.h"
#include "env.h"
#include "metrics.h"
#include "outcome.h"

/* The guest's start block holds argv, envp and auxv in 64 KiB. */
#define ENV_MAX_BYTES (48u << 10)
#define RESPONSE_BLOCK (64u << 10)

struct serve_http;

enum req_state {
	R_BODY,    /* collecting the body */
	R_WAITING, /* suspended: queued or running */
	R_READY,   /* response prepared, connection resumed */
	R_SENT,    /* response queued with MHD */
};

struct request {
	struct serve_http *h;
	struct MHD_Connection *conn;
	const struct listener *l;
	int fn; /* -1: not a function request */
	enum req_state state;
	char id[17];
	char *method, *path, *raw_uri;
	uint64_t t_arrive, t_body, t_start, t_done;
	bool has_body;
	int refs; /* MHD's request, and a response reading inv.out */
	struct MHD_Response *resp;
	unsigned status;
	enum serve_outcome outcome;
	bool started, close;
	struct serve_invocation inv;
	uint64_t body_offset, bytes_out;
	struct serve_buf_cursor out_cur;
	struct request *next; /* function queue, or completion list */
};

/* One listening socket and its daemon. */
struct listener {
	struct serve_http *h;
	struct MHD_Daemon *d;
	int fd;
	char addr[INET6_ADDRSTRLEN + 8], port[8];
};

/* Per connection: the raw request target, which MHD decodes in place. */
struct conn_ctx {
	char *uri;
};

struct fn_state {
	const struct serve_function_cfg *cfg;
	unsigned running, queued;
	struct request *qhead, *qtail;
	struct serve_fn_metrics m;
	bool warm; /* the pool has been full once */
};

struct serve_http {
	struct serve_http_config hc;
	struct listener ls[SERVE_MAX_LISTEN];
	unsigned nls;
	int epfd, evfd;
	pthread_mutex_t lock;
	struct request *done; /* finished invocations, under lock */
	atomic_bool stop;
	bool draining;
	uint64_t drain_deadline;
	unsigned live;        /* requests not yet completed by MHD */
	unsigned connections;
	struct fn_state *fns;
	unsigned nfns;
	uint32_t id_prefix, id_next;
};

/* ---- logging ---- */

static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void log_line(struct serve_http *h, const char *line, size_t len)
{
	/* One write per line keeps lines whole among other writers. */
	if (write(h->hc.log_fd, line, len) < 0) {
		/* a log that cannot be written is not a reason to fail */
	}
}

static void log_text(struct serve_http *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void log_text(struct serve_http *h, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n = snprintf(line, sizeof(line), "mote serve: ");

	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	log_line(h, line, (size_t)n);
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
	struct serve_http *h = cls;
	char msg[400];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_text(h, "http: %s", msg);
}

static uint64_t us_between(uint64_t from, uint64_t to)
{
	return from && to > from ? (to - from) / 1000 : 0;
}

static void access_log(struct serve_http *h, struct request *r)
{
	char line[SERVE_LOG_LINE_MAX];
	struct serve_invocation *inv = &r->inv;
	bool ran = r->started && inv->st.t_submit;
	struct serve_log_entry e = {
		.time_ms = wall_ms(),
		.id = r->id,
		.function = r->fn >= 0 ? h->fns[r->fn].cfg->name : NULL,
		.method = r->method,
		.path = r->path,
		.status = r->status,
		.outcome = r->fn >= 0 ? serve_outcome_name(r->outcome) : "none",
		.exit_status = ran && inv->res.outcome == MOTE_EXITED
				       ? inv->res.status
				       : -1,
		.bytes_in = inv->body.len,
		.bytes_out = r->bytes_out,
		.queue_us = us_between(r->t_body, r->t_start),
		.start_us = ran ? us_between(inv->st.t_submit, inv->st.t_loaded)
				: 0,
		.run_us = ran ? us_between(inv->res.t_start, inv->res.t_exit) : 0,
		.total_us = us_between(r->t_arrive, mono_ns()),
		.from_pool = ran && inv->st.t_vm ? inv->st.from_pool : -1,
	};

	log_line(h, line, serve_accesslog_format(&e, line, sizeof(line)));
}

static void stderr_log(struct serve_http *h, struct request *r)
{
	size_t cap = 6 * SERVE_STDERR_MAX + 512, n;
	char *line;

	if (!r->inv.err_len && !r->inv.err_dropped)
		return;
	line = malloc(cap);
	if (!line)
		return;
	n = serve_accesslog_stderr(wall_ms(), r->id, h->fns[r->fn].cfg->name,
				   r->inv.err, r->inv.err_len,
				   r->inv.err_dropped, line, cap);
	log_line(h, line, n);
	free(line);
}

/* ---- requests ---- */

static void request_unref(struct request *r)
{
	if (--r->refs > 0)
		return;
	serve_buf_free(&r->inv.body);
	serve_buf_free(&r->inv.out);
	free(r->inv.envp);
	free(r->method);
	free(r->path);
	free(r->raw_uri);
	free(r);
}

static void add_common_headers(struct request *r, struct MHD_Response *resp)
{
	struct serve_invocation *inv = &r->inv;
	char timing[160];
	bool ran = r->started && inv->st.t_submit;

	snprintf(timing, sizeof(timing),
		 "queue;dur=%.3f, start;dur=%.3f, run;dur=%.3f",
		 us_between(r->t_body, r->t_start) / 1e3,
		 ran ? us_between(inv->st.t_submit, inv->st.t_loaded) / 1e3 : 0.0,
		 ran ? us_between(inv->res.t_start, inv->res.t_exit) / 1e3 : 0.0);
	MHD_add_response_header(resp, "X-Mote-Request-Id", r->id);
	MHD_add_response_header(resp, "Server-Timing", timing);
	if (r->fn >= 0)
		MHD_add_response_header(resp, "X-Mote-Outcome",
					serve_outcome_name(r->outcome));
	if (serve_outcome_retryable(r->outcome) && r->fn >= 0)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
	if (r->close || r->h->draining)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION,
					"close");
}

/* Queues a small text response now (also before the body was read). */
static enum MHD_Result respond_text(struct request *r, unsigned status,
				    const char *text, const char *allow)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	r->status = status;
	r->bytes_out = strlen(text);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; charset=utf-8");
	if (allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	add_common_headers(r, resp);
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	r->state = R_SENT;
	return ret;
}

/* Answers a function request without running it: counted and logged. */
static enum MHD_Result reject(struct request *r, enum serve_outcome o,
			      const char *text)
{
	struct serve_http *h = r->h;

	r->outcome = o;
	serve_metrics_observe(&h->fns[r->fn].m, o, mono_ns() - r->t_arrive);
	if (o == SERVE_TOO_LARGE || o == SERVE_BAD_REQUEST)
		r->close = true; /* the rest of the body is not read */
	return respond_text(r, serve_outcome_status(o), text, NULL);
}

static ssize_t read_output(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct request *r = cls;

	if (r->out_cur.pos != r->body_offset + pos)
		serve_buf_seek(&r->inv.out, &r->out_cur, r->body_offset + pos);
	return (ssize_t)serve_buf_read(&r->inv.out, &r->out_cur, buf, max);
}

static void output_done(void *cls)
{
	request_unref(cls);
}

/* The response body: the guest's output from offset on. */
static struct MHD_Response *output_response(struct request *r, uint64_t offset)
{
	uint64_t len = r->inv.out.len - offset;
	size_t first_len;
	const char *first = serve_buf_first(&r->inv.out, &first_len);

	r->bytes_out = len;
	if (offset + len <= first_len)
		return MHD_create_response_from_buffer(
			(size_t)len, (void *)(first + offset),
			MHD_RESPMEM_MUST_COPY);
	r->body_offset = offset;
	r->refs++;
	{
		struct MHD_Response *resp = MHD_create_response_from_callback(
			len, RESPONSE_BLOCK, read_output, r, output_done);

		if (!resp)
			r->refs--;
		return resp;
	}
}

static const char *failure_text(enum serve_outcome o)
{
	switch (o) {
	case SERVE_CRASHED:
		return "function crashed\n";
	case SERVE_TIMEOUT:
		return "function timed out\n";
	case SERVE_OUTPUT_LIMIT:
		return "function output exceeded its limit\n";
	case SERVE_BAD_CGI:
		return "function wrote a malformed CGI header block\n";
	default:
		return "function could not be run; try again\n";
	}
}

/* Builds the response of a finished invocation (state R_READY). */
static void build_response(struct serve_http *h, struct request *r)
{
	struct serve_invocation *inv = &r->inv;
	const struct serve_function_cfg *cfg = h->fns[r->fn].cfg;
	struct MHD_Response *resp = NULL;
	struct cgi_response cgi;
	char why[160], num[16];

	r->outcome = inv->out_oom ? SERVE_FAILED
				  : serve_outcome_of(&inv->res, inv->out_overflow);
	r->status = serve_outcome_status(r->outcome);
	if (r->outcome == SERVE_OK && cfg->cgi) {
		size_t first_len;
		const char *first = serve_buf_first(&inv->out, &first_len);

		if (cgi_parse(first ? first : "", first_len, &cgi, why,
			      sizeof(why)) < 0) {
			log_text(h, "request %s: function %s: %s", r->id,
				 cfg->name, why);
			r->outcome = SERVE_BAD_CGI;
			r->status = serve_outcome_status(r->outcome);
		} else {
			resp = output_response(r, cgi.body);
			r->status = cgi.status;
			for (unsigned i = 0; resp && i < cgi.nheaders; i++) {
				char name[256], *value;

				snprintf(name, sizeof(name), "%.*s",
					 (int)cgi.headers[i].name_len,
					 cgi.headers[i].name);
				value = strndup(cgi.headers[i].value,
						cgi.headers[i].value_len);
				if (value)
					MHD_add_response_header(resp, name,
								value);
				free(value);
			}
			if (resp && !cgi.has_content_type)
				MHD_add_response_header(
					resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					"application/octet-stream");
		}
	} else if (r->outcome == SERVE_OK || r->outcome == SERVE_EXIT_ERROR) {
		resp = output_response(r, 0);
		if (resp)
			MHD_add_response_header(resp,
						MHD_HTTP_HEADER_CONTENT_TYPE,
						"application/octet-stream");
		if (resp && r->outcome == SERVE_EXIT_ERROR) {
			snprintf(num, sizeof(num), "%d", inv->res.status);
			MHD_add_response_header(resp, "X-Mote-Exit-Status", num);
		}
	}
	if (r->outcome != SERVE_OK && r->outcome != SERVE_EXIT_ERROR &&
	    inv->res.reason[0])
		log_text(h, "request %s: function %s: %s", r->id, cfg->name,
			 inv->res.reason);
	if (!resp) {
		const char *text = failure_text(r->outcome);

		if (r->outcome == SERVE_OK || r->outcome == SERVE_EXIT_ERROR) {
			r->outcome = SERVE_FAILED; /* out of memory above */
			r->status = serve_outcome_status(r->outcome);
			text = failure_text(r->outcome);
		}
		resp = MHD_create_response_from_buffer(
			strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
		r->bytes_out = strlen(text);
		if (resp)
			MHD_add_response_header(resp,
						MHD_HTTP_HEADER_CONTENT_TYPE,
						"text/plain; charset=utf-8");
	}
	if (resp)
		add_common_headers(r, resp);
	r->resp = resp;
}

/* ---- invocations ---- */

static void invocation_done(struct serve_invocation *inv)
{
	struct request *r =
		(struct request *)((char *)inv - offsetof(struct request, inv));
	struct serve_http *h = r->h;
	uint64_t one = 1;

	pthread_mutex_lock(&h->lock);
	r->next = h->done;
	h->done = r;
	pthread_mutex_unlock(&h->lock);
	if (write(h->evfd, &one, sizeof(one)) < 0) {
		/* the counter cannot overflow in practice */
	}
}

static void finish(struct serve_http *h, struct request *r);

static void start(struct serve_http *h, struct request *r)
{
	struct fn_state *f = &h->fns[r->fn];
	struct mote_err err = { "" };

	f->running++;
	r->started = true;
	r->t_start = mono_ns();
	if (h->hc.backend->start(h->hc.backend->ctx, (unsigned)r->fn, &r->inv,
				 &err) < 0) {
		r->started = false;
		r->inv.res.outcome = MOTE_FAILED;
		snprintf(r->inv.res.reason, sizeof(r->inv.res.reason), "%s",
			 err.msg);
		finish(h, r);
	}
}

/* Starts queued requests while the function has free slots. */
static void start_queued(struct serve_http *h, struct fn_state *f)
{
	while (f->qhead && f->running < f->cfg->concurrency) {
		struct request *r = f->qhead;

		f->qhead = r->next;
		if (!f->qhead)
			f->qtail = NULL;
		f->queued--;
		start(h, r);
	}
}

/* An invocation ended (or could not start): answer, count, log. */
static void finish(struct serve_http *h, struct request *r)
{
	struct fn_state *f = &h->fns[r->fn];

	if (r->started)
		h->hc.backend->collect(h->hc.backend->ctx, (unsigned)r->fn,
				       &r->inv);
	f->running--;
	r->t_done = mono_ns();
	build_response(h, r);
	serve_metrics_observe(&f->m, r->outcome, r->t_done - r->t_body);
	if (r->started && r->inv.st.t_vm && !r->inv.st.from_pool)
		f->m.pool_misses++;
	if (r->started)
		stderr_log(h, r);
	r->state = R_READY;
	MHD_resume_connection(r->conn);
}

static void take_completions(struct serve_http *h)
{
	struct request *list, *r;
	uint64_t v;

	if (read(h->evfd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing new */
	}
	pthread_mutex_lock(&h->lock);
	list = h->done;
	h->done = NULL;
	pthread_mutex_unlock(&h->lock);
	while ((r = list)) {
		list = r->next;
		finish(h, r);
		start_queued(h, &h->fns[r->fn]);
	}
}

/* ---- the request handler ---- */

struct header_list {
	struct serve_header *v;
	unsigned n, cap;
};

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind,
				      const char *key, const char *value)
{
	struct header_list *l = cls;

	(void)kind;
	if (l->n < l->cap)
		l->v[l->n++] = (struct serve_header){ key, value ? value : "" };
	return MHD_YES;
}

static void client_address(struct MHD_Connection *c, char *addr, size_t an,
			   char *port, size_t pn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(addr, an, "unix:");
	port[0] = '\0';
	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, addr, (socklen_t)an);
		snprintf(port, pn, "%u", ntohs(in->sin_port));
	} else if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, addr, (socklen_t)an);
		snprintf(port, pn, "%u", ntohs(in6->sin6_port));
	}
}

/* The body is complete: environment, then run, queue or refuse. */
static enum MHD_Result dispatch(struct request *r, const char *version)
{
	struct serve_http *h = r->h;
	struct fn_state *f = &h->fns[r->fn];
	struct serve_header hdrs[1000];
	struct header_list hl = { hdrs, 0, 1000 };
	char addr[INET6_ADDRSTRLEN + 8], port[8];
	const char *rest = r->path + 4 + strlen(f->cfg->name);
	const char *q = r->raw_uri ? strchr(r->raw_uri, '?') : NULL;
	struct serve_request_meta m;
	int rc;

	r->t_body = mono_ns();
	if (h->draining)
		return reject(r, SERVE_DRAINING, "server is shutting down\n");
	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, collect_header, &hl);
	client_address(r->conn, addr, sizeof(addr), port, sizeof(port));
	m = (struct serve_request_meta){
		.method = r->method,
		.path_info = rest,
		.query = q ? q + 1 : "",
		.request_uri = r->raw_uri ? r->raw_uri : r->path,
		.protocol = version,
		.function = f->cfg->name,
		.request_id = r->id,
		.remote_addr = addr,
		.remote_port = port[0] ? port : NULL,
		.server_addr = r->l->addr,
		.server_port = r->l->port,
		.headers = hdrs,
		.nheaders = hl.n,
		.has_body = r->has_body || r->inv.body.len,
		.content_length = r->inv.body.len,
		.extra = f->cfg->env,
		.nextra = f->cfg->nenv,
	};
	rc = serve_env_build(&m, ENV_MAX_BYTES, &r->inv.envp);
	if (rc == -E2BIG)
		return reject(r, SERVE_BAD_REQUEST,
			      "request headers too large for the function's "
			      "environment\n");
	if (rc < 0)
		return reject(r, SERVE_FAILED, failure_text(SERVE_FAILED));
	r->inv.max_response = f->cfg->max_response;
	r->inv.done = invocation_done;
	if (f->running < f->cfg->concurrency) {
		/* Suspended first: a start that fails resumes at once. */
		r->state = R_WAITING;
		MHD_suspend_connection(r->conn);
		start(h, r);
		return MHD_YES;
	}
	if (f->queued >= f->cfg->queue)
		return reject(r, SERVE_QUEUE_FULL,
			      "function is at its concurrency and queue "
			      "limits; retry later\n");
	r->next = NULL;
	if (f->qtail)
		f->qtail->next = r;
	else
		f->qhead = r;
	f->qtail = r;
	f->queued++;
	r->state = R_WAITING;
	MHD_suspend_connection(r->conn);
	return MHD_YES;
}

static bool method_ok(const char *m)
{
	static const char *const ok[] = { "GET",    "HEAD",  "POST",   "PUT",
					  "PATCH",  "DELETE", "OPTIONS" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(m, ok[i]) == 0)
			return true;
	return false;
}

static int find_function(struct serve_http *h, const char *url)
{
	const char *name = url + 4; /* after "/fn/" */
	size_t n = strcspn(name, "/");

	for (unsigned i = 0; i < h->nfns; i++)
		if (strlen(h->fns[i].cfg->name) == n &&
		    strncmp(h->fns[i].cfg->name, name, n) == 0)
			return (int)i;
	return -1;
}

static enum MHD_Result readyz(struct request *r)
{
	struct serve_http *h = r->h;
	char text[2048];
	size_t n = 0;
	bool ready = !h->draining;

	text[0] = '\0';
	for (unsigned i = 0; i < h->nfns; i++) {
		struct fn_state *f = &h->fns[i];
		unsigned target = 0,
			 have = h->hc.backend->pooled(h->hc.backend->ctx, i,
						      &target);

		/* Warm once: under load pooled VMs are in use, which is
		 * no reason to take the node out of service. */
		if (have >= target)
			f->warm = true;
		ready = ready && f->warm;
		if (n < sizeof(text) - 128)
			n += (size_t)snprintf(text + n, sizeof(text) - n,
					      "%s: pool %u/%u%s\n",
					      f->cfg->name, have, target,
					      f->warm ? " (warmed)" : "");
	}
	snprintf(text + n, sizeof(text) - n, "%s\n",
		 h->draining ? "draining" : ready ? "ready" : "warming up");
	return respond_text(r, ready ? 200 : 503, text, NULL);
}

static enum MHD_Result metrics(struct request *r)
{
	struct serve_http *h = r->h;
	const char *names[SERVE_MAX_FUNCTIONS];
	struct serve_fn_metrics *m = calloc(h->nfns, sizeof(*m));
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t len;
	char *text;

	if (!m)
		return MHD_NO;
	for (unsigned i = 0; i < h->nfns; i++) {
		unsigned target;

		names[i] = h->fns[i].cfg->name;
		m[i] = h->fns[i].m;
		m[i].queued = h->fns[i].queued;
		m[i].running = h->fns[i].running;
		m[i].pooled = h->hc.backend->pooled(h->hc.backend->ctx, i,
						    &target);
	}
	text = serve_metrics_render(names, m, h->nfns, h->connections,
				    h->draining, &len);
	free(m);
	if (!text)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	r->status = 200;
	r->bytes_out = len;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; version=0.0.4; charset=utf-8");
	add_common_headers(r, resp);
	ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	r->state = R_SENT;
	return ret;
}

/* The first call for a request: route it, or answer at once. */
static enum MHD_Result route(struct request *r, const char *url,
			     const char *method)
{
	struct serve_http *h = r->h;
	const struct serve_function_cfg *cfg;
	const char *cl;

	if (strncmp(url, "/fn/", 4) != 0) {
		bool get = strcmp(method, "GET") == 0 ||
			   strcmp(method, "HEAD") == 0;

		if (strcmp(url, "/healthz") == 0)
			return get ? respond_text(r, 200, "ok\n", NULL)
				   : respond_text(r, 405, "use GET\n",
						  "GET, HEAD");
		if (strcmp(url, "/readyz") == 0)
			return get ? readyz(r)
				   : respond_text(r, 405, "use GET\n",
						  "GET, HEAD");
		if (strcmp(url, "/metrics") == 0)
			return get ? metrics(r)
				   : respond_text(r, 405, "use GET\n",
						  "GET, HEAD");
		return respond_text(r, 404, "no such path; functions are at "
					    "/fn/NAME\n",
				    NULL);
	}
	r->fn = find_function(h, url);
	if (r->fn < 0)
		return respond_text(r, 404, "no such function\n", NULL);
	cfg = h->fns[r->fn].cfg;
	if (!method_ok(method)) {
		r->fn = -1; /* not counted against the function */
		return respond_text(r, 405, "method not allowed\n",
				    "GET, HEAD, POST, PUT, PATCH, DELETE, "
				    "OPTIONS");
	}
	if ((unsigned)MHD_get_connection_values(r->conn, MHD_HEADER_KIND, NULL,
						NULL) > h->hc.cfg->max_headers)
		return reject(r, SERVE_BAD_REQUEST, "too many request headers\n");
	cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
					 MHD_HTTP_HEADER_CONTENT_LENGTH);
	r->has_body = cl || MHD_lookup_connection_value(
				    r->conn, MHD_HEADER_KIND,
				    MHD_HTTP_HEADER_TRANSFER_ENCODING);
	/* MHD has checked Content-Length is a number. */
	if (cl && strtoull(cl, NULL, 10) > cfg->max_request)
		return reject(r, SERVE_TOO_LARGE, "request body too large\n");
	if (h->draining) {
		r->t_body = mono_ns();
		return reject(r, SERVE_DRAINING, "server is shutting down\n");
	}
	r->state = R_BODY;
	return MHD_YES;
}

static struct request *new_request(struct listener *l,
				   struct MHD_Connection *c, const char *url,
				   const char *method)
{
	struct serve_http *h = l->h;
	struct request *r = calloc(1, sizeof(*r));
	const union MHD_ConnectionInfo *ci;

	if (!r)
		return NULL;
	r->h = h;
	r->l = l;
	r->conn = c;
	r->fn = -1;
	r->refs = 1;
	r->t_arrive = mono_ns();
	snprintf(r->id, sizeof(r->id), "%08" PRIx32 "%08" PRIx32, h->id_prefix,
		 h->id_next++);
	r->method = strdup(method);
	r->path = strdup(url);
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci && ci->socket_context) {
		struct conn_ctx *cc = ci->socket_context;

		r->raw_uri = cc->uri;
		cc->uri = NULL;
	}
	if (!r->method || !r->path) {
		request_unref(r);
		return NULL;
	}
	h->live++;
	return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct listener *l = cls;
	struct request *r = *con_cls;

	if (!r) {
		r = new_request(l, c, url, method);
		if (!r)
			return MHD_NO;
		*con_cls = r;
		return route(r, url, method);
	}
	switch (r->state) {
	case R_BODY:
		if (*upload_size) {
			const struct serve_function_cfg *cfg =
				r->h->fns[r->fn].cfg;

			if (r->inv.body.len + *upload_size > cfg->max_request)
				return reject(r, SERVE_TOO_LARGE,
					      "request body too large\n");
			if (serve_buf_append(&r->inv.body, upload,
					     *upload_size) < 0)
				return MHD_NO;
			*upload_size = 0;
			return MHD_YES;
		}
		return dispatch(r, version);
	case R_READY: {
		enum MHD_Result ret;

		if (!r->resp)
			return MHD_NO;
		ret = MHD_queue_response(c, r->status, r->resp);
		MHD_destroy_response(r->resp);
		r->resp = NULL;
		r->state = R_SENT;
		return ret;
	}
	case R_SENT:
		/* a response is queued: MHD discards the rest of the body */
		*upload_size = 0;
		return MHD_YES;
	case R_WAITING:
		return MHD_YES;
	}
	return MHD_NO;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct request *r = *con_cls;
	struct listener *l = cls;

	(void)c;
	if (!r)
		return;
	if (r->fn >= 0 && r->state == R_BODY) {
		/* The body never came whole: no response was sent. */
		r->outcome = SERVE_BAD_REQUEST;
		serve_metrics_observe(&l->h->fns[r->fn].m, r->outcome,
				      mono_ns() - r->t_arrive);
	}
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && r->state == R_SENT)
		log_text(l->h, "request %s: connection ended before the "
			       "response was sent (%d)",
			 r->id, (int)toe);
	/* One line per request, except the probes' and scrapes' successes. */
	if (!(r->fn < 0 && r->status == 200))
		access_log(l->h, r);
	l->h->live--;
	if (r->resp)
		MHD_destroy_response(r->resp);
	r->resp = NULL;
	*con_cls = NULL;
	request_unref(r);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	(void)cls;
	if (ci && ci->socket_context) {
		struct conn_ctx *cc = ci->socket_context;

		free(cc->uri);
		cc->uri = strdup(uri);
	}
	return NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c,
			  void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct listener *l = cls;

	(void)c;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		*socket_context = calloc(1, sizeof(struct conn_ctx));
		l->h->connections++;
		return;
	}
	if (*socket_context) {
		struct conn_ctx *cc = *socket_context;

		free(cc->uri);
		free(cc);
		*socket_context = NULL;
	}
	l->h->connections--;
}

/* ---- the daemons and the loop ---- */

static void listener_names(struct listener *l, const struct serve_addr *a)
{
	if (a->ss.ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&a->ss)->sin_addr,
			  l->addr, sizeof(l->addr));
	} else if (a->ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)&a->ss)->sin6_addr,
			  l->addr, sizeof(l->addr));
	} else {
		snprintf(l->addr, sizeof(l->addr), "localhost");
	}
	snprintf(l->port, sizeof(l->port), "%u", a->port);
}

static int watch(int epfd, int fd, void *tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int serve_http_create(const struct serve_http_config *hc,
		      struct serve_http **out, struct mote_err *err)
{
	const struct serve_config *cfg = hc->cfg;
	struct serve_http *h = calloc(1, sizeof(*h));

	if (!h)
		return err_set(err, ENOMEM, "out of memory");
	h->hc = *hc;
	h->epfd = h->evfd = -1;
	pthread_mutex_init(&h->lock, NULL);
	h->fns = calloc(cfg->nfns, sizeof(*h->fns));
	if (!h->fns) {
		serve_http_destroy(h);
		return err_set(err, ENOMEM, "out of memory");
	}
	h->nfns = cfg->nfns;
	for (unsigned i = 0; i < cfg->nfns; i++)
		h->fns[i].cfg = &cfg->fns[i];
	if (getrandom(&h->id_prefix, sizeof(h->id_prefix), 0) !=
	    sizeof(h->id_prefix))
		h->id_prefix = (uint32_t)getpid();
	/* libmicrohttpd's Date header calls gmtime_r, whose first call
	 * reads the time zone file: read it now, before the filter. */
	tzset();
	h->epfd = epoll_create1(EPOLL_CLOEXEC);
	h->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (h->epfd < 0 || h->evfd < 0 || watch(h->epfd, h->evfd, &h->evfd) < 0 ||
	    (hc->signal_fd >= 0 &&
	     watch(h->epfd, hc->signal_fd, &h->hc.signal_fd) < 0)) {
		int e = errno;

		serve_http_destroy(h);
		return err_set(err, e, "serve: epoll: %s", strerror(e));
	}
	for (unsigned i = 0; i < hc->nlisten; i++) {
		struct listener *l = &h->ls[i];
		const union MHD_DaemonInfo *di;

		l->h = h;
		l->fd = hc->listen_fds[i];
		listener_names(l, &hc->addrs[i]);
		l->d = MHD_start_daemon(
			MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
				MHD_USE_ERROR_LOG | MHD_USE_TURBO,
			0, NULL, NULL, on_request, l, MHD_OPTION_LISTEN_SOCKET,
			l->fd, MHD_OPTION_CONNECTION_LIMIT,
			cfg->max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
			(unsigned)(cfg->idle_ns / 1000000000ull),
			MHD_OPTION_CONNECTION_MEMORY_LIMIT,
			(size_t)(2 * cfg->max_header),
			MHD_OPTION_NOTIFY_COMPLETED, on_completed, l,
			MHD_OPTION_NOTIFY_CONNECTION, on_connection, l,
			MHD_OPTION_URI_LOG_CALLBACK, on_uri, l,
			MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, h,
			MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_END);
		if (!l->d) {
			serve_http_destroy(h);
			return err_set(err, EIO, "serve: libmicrohttpd could not "
						 "start on --listen %s",
				       cfg->listen[i]);
		}
		h->nls++;
		di = MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_EPOLL_FD);
		if (!di || watch(h->epfd, di->epoll_fd, l) < 0) {
			serve_http_destroy(h);
			return err_set(err, EIO, "serve: epoll of --listen %s",
				       cfg->listen[i]);
		}
	}
	*out = h;
	return 0;
}

void serve_http_stop(struct serve_http *h)
{
	uint64_t one = 1;

	atomic_store(&h->stop, true);
	if (write(h->evfd, &one, sizeof(one)) < 0) {
		/* cannot fail on a counter this small */
	}
}

static void start_drain(struct serve_http *h, const char *why)
{
	if (h->draining)
		return;
	h->draining = true;
	h->drain_deadline = mono_ns() + h->hc.cfg->drain_ns;
	log_text(h, "%s: draining %u requests in flight (at most %llu ms)", why,
		 h->live, (unsigned long long)(h->hc.cfg->drain_ns / 1000000));
	/* No new connections; the listening sockets are closed. */
	for (unsigned i = 0; i < h->nls; i++) {
		MHD_socket s = MHD_quiesce_daemon(h->ls[i].d);

		if (s != MHD_INVALID_SOCKET)
			close(s);
	}
}

/* Milliseconds epoll_wait may sleep: MHD's own timers and the drain's. */
static int wait_ms(struct serve_http *h)
{
	uint64_t ms = UINT64_MAX;

	for (unsigned i = 0; i < h->nls; i++) {
		MHD_UNSIGNED_LONG_LONG t;

		if (MHD_get_timeout(h->ls[i].d, &t) == MHD_YES && t < ms)
			ms = t;
	}
	if (h->draining) {
		uint64_t now = mono_ns(),
			 left = h->drain_deadline > now
					? (h->drain_deadline - now) / 1000000 + 1
					: 0;

		if (left < ms)
			ms = left;
	}
	return ms > 60000 ? 60000 : (int)ms;
}

int serve_http_run(struct serve_http *h)
{
	for (;;) {
		struct epoll_event ev[16];
		int n = epoll_wait(h->epfd, ev, 16, wait_ms(h));

		for (int i = 0; i < n; i++) {
			if (ev[i].data.ptr == &h->evfd) {
				take_completions(h);
			} else if (ev[i].data.ptr == &h->hc.signal_fd) {
				struct signalfd_siginfo si;

				if (read(h->hc.signal_fd, &si, sizeof(si)) ==
				    sizeof(si))
					start_drain(h, si.ssi_signo == SIGINT
							       ? "SIGINT"
						       : si.ssi_signo == SIGHUP
							       ? "SIGHUP"
							       : "SIGTERM");
			}
		}
		if (atomic_load(&h->stop))
			start_drain(h, "stop");
		for (unsigned i = 0; i < h->nls; i++)
			MHD_run(h->ls[i].d);
		if (h->draining && h->live == 0) {
			log_text(h, "drained; stopping");
			return 0;
		}
		if (h->draining && mono_ns() >= h->drain_deadline) {
			log_text(h, "drain timeout: %u requests still in "
				    "flight; stopping without them",
				 h->live);
			return 1;
		}
	}
}

void serve_http_destroy(struct serve_http *h)
{
	if (!h)
		return;
	for (unsigned i = 0; i < h->nls; i++)
		MHD_stop_daemon(h->ls[i].d);
	if (h->epfd >= 0)
		close(h->epfd);
	if (h->evfd >= 0)
		close(h->evfd);
	pthread_mutex_destroy(&h->lock);
	free(h->fns);
	free(h);
}

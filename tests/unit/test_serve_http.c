/*
 * The HTTP front end of `mote serve` against a fake backend (no KVM): curl
 * and raw sockets for routing, the function contract's statuses and
 * headers, limits, keep-alive and the drain, with the server thread under
 * its own seccomp allowlist as in production.
 */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <strings.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../jail/jail.h"
#include "../../monitor/timeutil.h"
#include "../../serve/config.h"
#include "../../serve/http.h"
#include "../../serve/invoke.h"
#include "../helpers.h"
#include "../http_client.h"

/* ---- a fake backend: each function name is a behaviour ---- */

static const struct serve_config *fake_cfg;

static void put(struct serve_invocation *inv, const char *s)
{
	serve_invocation_stdio.write(inv, 1, s, strlen(s));
}

/* Slow invocations begun: a test waits on it to know one is in flight. */
static unsigned slow_started;

static void run_fake(struct serve_invocation *inv, const char *name)
{
	char buf[4096];
	ssize_t n;

	inv->res.outcome = MOTE_EXITED;
	inv->res.status = 0;
	if (strcmp(name, "echo") == 0) {
		while ((n = serve_invocation_stdio.read(inv, buf, sizeof(buf),
							UINT64_MAX)) > 0)
			serve_invocation_stdio.write(inv, 1, buf, (size_t)n);
	} else if (strcmp(name, "env") == 0) {
		for (char **e = inv->envp; *e; e++) {
			put(inv, *e);
			put(inv, "\n");
		}
	} else if (strcmp(name, "cgi") == 0) {
		put(inv, "Status: 201 Created\r\nX-Example: yes\r\n"
			 "Content-Type: text/plain\r\n\r\ncreated\n");
	} else if (strcmp(name, "badcgi") == 0) {
		put(inv, "this is not a header\n\nbody");
	} else if (strcmp(name, "fail") == 0) {
		put(inv, "went wrong\n");
		serve_invocation_stdio.write(inv, 2, "oops\n", 5);
		inv->res.status = 3;
	} else if (strcmp(name, "crash") == 0) {
		inv->res.outcome = MOTE_CRASHED;
		snprintf(inv->res.reason, sizeof(inv->res.reason),
			 "guest crashed: page fault");
	} else if (strcmp(name, "spin") == 0) {
		inv->res.outcome = MOTE_TIMED_OUT;
		snprintf(inv->res.reason, sizeof(inv->res.reason),
			 "timed out after 100 ms");
	} else if (strcmp(name, "flood") == 0) {
		memset(buf, 'x', sizeof(buf));
		while (serve_invocation_stdio.write(inv, 1, buf, sizeof(buf)) > 0)
			;
	} else if (strcmp(name, "slow") == 0) {
		__atomic_add_fetch(&slow_started, 1, __ATOMIC_SEQ_CST);
		usleep(300 * 1000 * time_scale());
		put(inv, "slow\n");
	}
}

struct job {
	struct serve_invocation *inv;
	unsigned fn;
	struct job *next;
};

/* Workers created before the server thread's filter, as the fleets' are:
 * the server thread itself never creates a thread. */
#define FAKE_WORKERS 8
static pthread_mutex_t fake_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fake_cond = PTHREAD_COND_INITIALIZER;
static struct job *fake_head;

static void *fake_worker(void *arg)
{
	(void)arg;
	for (;;) {
		struct job *j;
		struct serve_invocation *inv;

		pthread_mutex_lock(&fake_lock);
		while (!fake_head)
			pthread_cond_wait(&fake_cond, &fake_lock);
		j = fake_head;
		fake_head = j->next;
		pthread_mutex_unlock(&fake_lock);
		inv = j->inv;
		inv->st.t_submit = mono_ns();
		inv->st.t_vm = inv->st.t_loaded = mono_ns();
		inv->res.t_start = mono_ns();
		run_fake(inv, fake_cfg->fns[j->fn].name);
		inv->res.t_exit = mono_ns();
		inv->st.from_pool = true;
		free(j);
		inv->done(inv);
	}
	return NULL;
}

static int fake_start(void *ctx, unsigned fn, struct serve_invocation *inv,
		      struct mote_err *err)
{
	struct job *j = malloc(sizeof(*j)), **tail;

	(void)ctx;
	(void)err;
	cr_assert_not_null(j);
	j->inv = inv;
	j->fn = fn;
	j->next = NULL;
	pthread_mutex_lock(&fake_lock);
	for (tail = &fake_head; *tail; tail = &(*tail)->next)
		;
	*tail = j;
	pthread_cond_signal(&fake_cond);
	pthread_mutex_unlock(&fake_lock);
	return 0;
}

static void fake_collect(void *ctx, unsigned fn, struct serve_invocation *inv)
{
	(void)ctx;
	(void)fn;
	(void)inv; /* the job thread filled res and st */
}

static unsigned fake_pooled(void *ctx, unsigned fn, unsigned *target)
{
	(void)ctx;
	*target = fake_cfg->fns[fn].pool;
	return *target;
}

static const struct serve_backend fake_backend = {
	fake_start, fake_collect, fake_pooled, NULL,
};

/* ---- the server under test, on a thread of its own ---- */

static struct serve_config cfg;
static struct serve_http *server;
static pthread_t server_thread;
static int server_rc = -1;
static unsigned port;
static char base[64];
static int log_pipe[2];

static void *serve_thread(void *arg)
{
	struct mote_err err = { "" };

	(void)arg;
	/* The production thread's allowlist: a call outside it kills the
	 * test process with one line naming it. */
	cr_assert_eq(jail_seccomp_thread(JAIL_SERVE, &err), 0, "%s", err.msg);
	server_rc = serve_http_run(server);
	return NULL;
}

static void start_server(const char *const *extra)
{
	const char *argv[64] = {
		"--listen", "127.0.0.1:1", "--drain-timeout", "5s",
		"--max-headers", "50",
		"--function", "echo=x,max-request=64K,max-response=64K",
		"--function", "env=x,env=GREETING=hi",
		"--function", "cgi=x,cgi=on",
		"--function", "badcgi=x,cgi=on",
		"--function", "fail=x",
		"--function", "crash=x",
		"--function", "spin=x",
		"--function", "flood=x,max-response=10K",
		"--function", "slow=x,concurrency=1,queue=1",
		"--function", "big=x",
	};
	int argc = 0, fd, one = 1;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	struct serve_addr addr;
	struct mote_err err = { "" };

	while (argv[argc])
		argc++;
	for (int i = 0; extra && extra[i]; i++)
		argv[argc++] = extra[i];
	cr_assert_eq(serve_config_parse(argc, (char **)argv, NULL, &cfg, &err), 0,
		     "%s", err.msg);
	fake_cfg = &cfg;
	/* An ephemeral port, bound here as serve.c binds its sockets. */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(fd, 512), 0);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	port = ntohs(sa.sin_port);
	snprintf(base, sizeof(base), "http://127.0.0.1:%u", port);
	cr_assert_eq(serve_listen_parse("127.0.0.1:1", &addr, &err), 0);
	addr.port = port;
	cr_assert_eq(pipe(log_pipe), 0);
	{
		struct serve_http_config hc = {
			.cfg = &cfg,
			.listen_fds = &fd,
			.addrs = &addr,
			.nlisten = 1,
			.backend = &fake_backend,
			.signal_fd = -1,
			.log_fd = log_pipe[1],
		};

		cr_assert_eq(serve_http_create(&hc, &server, &err), 0, "%s",
			     err.msg);
	}
	/* The log is drained by nobody: keep it from filling up. */
	fcntl(log_pipe[1], F_SETPIPE_SZ, 1 << 20);
	for (int i = 0; i < FAKE_WORKERS; i++) {
		pthread_t t;

		cr_assert_eq(pthread_create(&t, NULL, fake_worker, NULL), 0);
		pthread_detach(t);
	}
	cr_assert_eq(pthread_create(&server_thread, NULL, serve_thread, NULL), 0);
}

static void setup(void)
{
	start_server(NULL);
}

static void teardown(void)
{
	if (!server)
		return;
	serve_http_stop(server);
	pthread_join(server_thread, NULL);
	serve_http_destroy(server);
	server = NULL;
	serve_config_free(&cfg);
}

/* ---- clients ---- */

static void expect_common(const struct http_reply *r)
{
	cr_assert_not_null(http_header(r, "X-Mote-Request-Id"), "%s", r->head);
	cr_assert_eq(strlen(http_header(r, "X-Mote-Request-Id")), 16);
	cr_assert_not_null(http_header(r, "Server-Timing"), "%s", r->head);
	cr_assert_not_null(strstr(http_header(r, "Server-Timing"), "queue;dur="));
	cr_assert_not_null(strstr(http_header(r, "Server-Timing"), "start;dur="));
	cr_assert_not_null(strstr(http_header(r, "Server-Timing"), "run;dur="));
}

/* ---- the tests ---- */

/* A hang guard: slow takes 300 ms times MOTE_TEST_TIME_SCALE. */
TestSuite(serve_http, .init = setup, .fini = teardown, .timeout = 180);

Test(serve_http, healthz_readyz_and_unknown_paths)
{
	struct http_reply r;

	http_curl(&r, "%s/healthz", base);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(r.body, "ok\n");
	expect_common(&r);
	http_curl(&r, "%s/readyz", base);
	cr_assert_eq(r.status, 200, "%s", r.body);
	http_curl(&r, "%s/nothing", base);
	cr_assert_eq(r.status, 404);
	expect_common(&r);
	http_curl(&r, "%s/fn/nosuch", base);
	cr_assert_eq(r.status, 404);
	http_curl(&r, "-X POST %s/healthz", base);
	cr_assert_eq(r.status, 405);
	http_curl(&r, "-X TRACE %s/fn/echo", base);
	cr_assert_eq(r.status, 405);
	cr_assert_not_null(http_header(&r, "Allow"));
}

Test(serve_http, echo_bodies_small_empty_and_large)
{
	struct http_reply r;
	char path[] = "/tmp/mote-body-XXXXXX";
	int fd = mkstemp(path);
	static char body[60000];

	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (char)('a' + i % 26);
	cr_assert_eq(write(fd, body, sizeof(body)), (ssize_t)sizeof(body));
	close(fd);
	http_curl(&r, "--data-binary @%s %s/fn/echo", path, base);
	cr_assert_eq(r.status, 200, "%s", r.head);
	cr_assert_eq(r.body_len, sizeof(body));
	cr_assert(memcmp(r.body, body, sizeof(body)) == 0);
	expect_common(&r);
	cr_assert_str_eq(http_header(&r, "X-Mote-Outcome"), "ok");
	/* chunked upload */
	http_curl(&r, "-H 'Transfer-Encoding: chunked' --data-binary @%s %s/fn/echo",
	     path, base);
	cr_assert_eq(r.status, 200, "%s", r.head);
	cr_assert_eq(r.body_len, sizeof(body));
	unlink(path);
	http_curl(&r, "-X POST --data-binary '' %s/fn/echo", base);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(r.body_len, 0);
	http_curl(&r, "%s/fn/echo", base);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(r.body_len, 0);
}

Test(serve_http, environment_as_the_function_sees_it)
{
	struct http_reply r;

	http_curl(&r, "-H 'X-Test-Header: one' -H 'X-Test-Header: two' "
		 "-H 'Content-Type: text/x-test' --data-binary 'abc' "
		 "'%s/fn/env/some/path?a=1&b=%%20'",
	     base);
	cr_assert_eq(r.status, 200);
	cr_assert_not_null(strstr(r.body, "\nREQUEST_METHOD=POST\n"), "%s", r.body);
	cr_assert_not_null(strstr(r.body, "\nPATH_INFO=/some/path\n"), "%s", r.body);
	cr_assert_not_null(strstr(r.body, "\nQUERY_STRING=a=1&b=%20\n"), "%s",
			   r.body);
	cr_assert_not_null(strstr(r.body, "\nSCRIPT_NAME=/fn/env\n"));
	cr_assert_not_null(strstr(r.body, "\nCONTENT_LENGTH=3\n"));
	cr_assert_not_null(strstr(r.body, "\nCONTENT_TYPE=text/x-test\n"));
	cr_assert_not_null(strstr(r.body, "\nREMOTE_ADDR=127.0.0.1\n"));
	cr_assert_not_null(strstr(r.body, "\nSERVER_PROTOCOL=HTTP/1.1\n"));
	cr_assert_not_null(strstr(r.body, "\nSERVER_NAME=127.0.0.1\n"));
	cr_assert(strstr(r.body, "\nGATEWAY_INTERFACE=CGI/1.1\n") ||
		  strncmp(r.body, "GATEWAY_INTERFACE=CGI/1.1\n", 26) == 0);
	cr_assert_not_null(strstr(r.body, "\nHTTP_X_TEST_HEADER=one, two\n"),
			   "%s", r.body);
	cr_assert_not_null(strstr(r.body, "\nMOTE_FUNCTION=env\n"));
	cr_assert_not_null(strstr(r.body, "\nGREETING=hi\n"));
	cr_assert_null(strstr(r.body, "HTTP_CONTENT_TYPE"));
	{
		char want[64];

		snprintf(want, sizeof(want), "\nMOTE_REQUEST_ID=%s\n",
			 http_header(&r, "X-Mote-Request-Id"));
		cr_assert_not_null(strstr(r.body, want), "%s", r.body);
	}
}

Test(serve_http, outcomes_and_their_statuses)
{
	struct http_reply r;

	http_curl(&r, "%s/fn/cgi", base);
	cr_assert_eq(r.status, 201, "%s", r.head);
	cr_assert_str_eq(http_header(&r, "X-Example"), "yes");
	cr_assert_str_eq(http_header(&r, "Content-Type"), "text/plain");
	cr_assert_str_eq(r.body, "created\n");
	expect_common(&r);
	http_curl(&r, "%s/fn/badcgi", base);
	cr_assert_eq(r.status, 502);
	cr_assert_str_eq(http_header(&r, "X-Mote-Outcome"), "bad_cgi");
	http_curl(&r, "%s/fn/fail", base);
	cr_assert_eq(r.status, 500);
	cr_assert_str_eq(http_header(&r, "X-Mote-Exit-Status"), "3");
	cr_assert_str_eq(r.body, "went wrong\n");
	http_curl(&r, "%s/fn/crash", base);
	cr_assert_eq(r.status, 502);
	cr_assert_str_eq(http_header(&r, "X-Mote-Outcome"), "crashed");
	http_curl(&r, "%s/fn/spin", base);
	cr_assert_eq(r.status, 504);
	http_curl(&r, "%s/fn/flood", base);
	cr_assert_eq(r.status, 502);
	cr_assert_str_eq(http_header(&r, "X-Mote-Outcome"), "output_limit");
	expect_common(&r);
}

Test(serve_http, request_body_limits)
{
	struct http_reply r;
	char cmd[256];

	/* Content-Length past max-request: 413 before the body is read */
	http_curl(&r, "-H 'Content-Length: 70000' -H 'Expect:' --data-binary @/dev/null "
		 "%s/fn/echo", base);
	cr_assert_eq(r.status, 413, "%s", r.head);
	snprintf(cmd, sizeof(cmd),
		 "head -c 70000 /dev/zero | curl -s -o /dev/null -w '%%{http_code}' "
		 "-H 'Transfer-Encoding: chunked' --data-binary @- %s/fn/echo",
		 base);
	{
		FILE *p = popen(cmd, "r");
		char code[16] = "";

		cr_assert_not_null(p);
		cr_assert_not_null(fgets(code, sizeof(code), p));
		pclose(p);
		/* a chunked body past the limit: 413, or the connection
		 * closed (000) when the response cannot be sent mid-body */
		cr_assert(strcmp(code, "413") == 0 || strcmp(code, "000") == 0,
			  "%s", code);
	}
	http_curl(&r, "%s/healthz", base);
	cr_assert_eq(r.status, 200, "the server carries on");
}

Test(serve_http, queue_full_is_503_with_retry_after)
{
	/* slow: concurrency 1, queue 1: of three at once, one is refused */
	char cmd[512];
	FILE *p;
	char out[256] = "";
	size_t n;

	snprintf(cmd, sizeof(cmd),
		 "for i in 1 2 3; do curl -s -o /dev/null -w '%%{http_code} ' "
		 "%s/fn/slow & done; wait",
		 base);
	p = popen(cmd, "r");
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	pclose(p);
	cr_assert_not_null(strstr(out, "503"), "%s", out);
	cr_assert_not_null(strstr(out, "200"), "%s", out);
	{
		struct http_reply r;

		/* and the header, on a request while two are in */
		/* both in within a third of slow's time, scaled with it */
		snprintf(cmd, sizeof(cmd),
			 "curl -s -o /dev/null %s/fn/slow & curl -s -o /dev/null "
			 "%s/fn/slow & sleep %u.%u",
			 base, base, time_scale() / 10, time_scale() % 10);
		cr_assert_eq(system(cmd), 0);
		http_curl(&r, "%s/fn/slow", base);
		cr_assert_eq(r.status, 503);
		cr_assert_str_eq(http_header(&r, "Retry-After"), "1");
		cr_assert_str_eq(http_header(&r, "X-Mote-Outcome"), "queue_full");
		usleep(800 * 1000 * time_scale());
	}
}

Test(serve_http, keep_alive)
{
	char cmd[512], out[8192] = "";
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd),
		 "curl -sv -o /dev/null -o /dev/null -d x %s/fn/echo "
		 "%s/fn/echo 2>&1",
		 base, base);
	p = popen(cmd, "r");
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	pclose(p);
	cr_assert_not_null(strstr(out, "Re-using existing connection"), "%s",
			   out);
}

Test(serve_http, metrics_pass_promtool)
{
	struct http_reply r;
	char cmd[256];

	http_curl(&r, "-d x %s/fn/echo", base);
	http_curl(&r, "%s/fn/crash", base);
	snprintf(cmd, sizeof(cmd),
		 "curl -s %s/metrics | promtool check metrics", base);
	cr_assert_eq(system(cmd), 0);
	http_curl(&r, "%s/metrics", base);
	cr_assert_not_null(strstr(r.body, "mote_serve_requests_total{function="
					  "\"echo\",outcome=\"ok\"} 1\n"),
			   "%s", r.body);
	cr_assert_not_null(strstr(r.body, "mote_serve_requests_total{function="
					  "\"crash\",outcome=\"crashed\"} 1\n"));
}

Test(serve_http, malformed_requests_and_the_server_carries_on)
{
	char out[4096];
	static char big[40000];
	struct http_reply r;

	HTTP_RAW_LIT(port, "garbage\r\n\r\n", out, sizeof(out), 2000);
	cr_assert(out[0] == '\0' || strncmp(out, "HTTP/1.1 400", 12) == 0 ||
			  strncmp(out, "HTTP/1.0 400", 12) == 0,
		  "%s", out);
	/* headers past the memory limit */
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /fn/echo HTTP/1.1\r\nX: ", 27);
	memcpy(big + sizeof(big) - 4, "\r\n\r\n", 4);
	http_raw(port, big, sizeof(big), out, sizeof(out), 2000);
	cr_assert(out[0] == '\0' || strstr(out, " 431 ") || strstr(out, " 400 ") ||
			  strstr(out, " 413 "),
		  "%.200s", out);
	/* too many headers */
	{
		char req[8192];
		size_t n = (size_t)snprintf(req, sizeof(req),
					    "GET /fn/echo HTTP/1.1\r\nHost: x\r\n");

		for (int i = 0; i < 60; i++)
			n += (size_t)snprintf(req + n, sizeof(req) - n,
					      "X-%d: 1\r\n", i);
		n += (size_t)snprintf(req + n, sizeof(req) - n, "\r\n");
		http_raw(port, req, n, out, sizeof(out), 2000);
		cr_assert_not_null(strstr(out, "HTTP/1.1 431"), "%.200s", out);
	}
	/* a Content-Length that lies: the body never comes whole */
	HTTP_RAW_LIT(port, "POST /fn/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
		"short",
		out, sizeof(out), 500);
	cr_assert_eq(out[0], '\0', "no answer to a body still coming: %s", out);
	/* HTTP/1.1 without Host */
	HTTP_RAW_LIT(port, "GET /healthz HTTP/1.1\r\n\r\n", out, sizeof(out), 2000);
	cr_assert_not_null(strstr(out, " 400 "), "%.200s", out);
	http_curl(&r, "-d hello %s/fn/echo", base);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(r.body, "hello");
}

Test(serve_http, drain_answers_requests_in_flight)
{
	char cmd[256];
	FILE *p;
	char code[16] = "";

	snprintf(cmd, sizeof(cmd),
		 "curl -s -o /dev/null -w '%%{http_code}' %s/fn/slow", base);
	p = popen(cmd, "r");
	/* Stop once the request is in flight (a busy host may take longer
	 * to start curl than the fake takes to answer). */
	for (unsigned i = 0;
	     i < 500 * time_scale() &&
	     !__atomic_load_n(&slow_started, __ATOMIC_SEQ_CST);
	     i++)
		usleep(10 * 1000);
	cr_assert(__atomic_load_n(&slow_started, __ATOMIC_SEQ_CST),
		  "the slow request never reached the function");
	serve_http_stop(server);
	cr_assert_not_null(fgets(code, sizeof(code), p));
	pclose(p);
	cr_assert_str_eq(code, "200");
	pthread_join(server_thread, NULL);
	cr_assert_eq(server_rc, 0);
	serve_http_destroy(server);
	server = NULL;
	serve_config_free(&cfg);
}

/*
 * `mote serve`: opens everything (images, disks, listening sockets,
 * /dev/kvm), enters the jail, starts a fleet per function and serves HTTP
 * on this thread until SIGTERM or SIGINT, then drains.
 */
#include "serve.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "../guest_abi/mote_abi.h"
#include "../cli/confine.h"
#include "../monitor/kvm.h"
#include "config.h"
#include "function.h"
#include "http.h"
#include "listen.h"

static const char usage_serve[] =
	"Usage: mote serve [--listen ADDR:PORT | --listen unix:PATH]...\n"
	"                  [--config FILE] --function NAME=IMAGE[,OPTION=VALUE]...\n"
	"                  [--mem SIZE] [--timeout DURATION] [--workers N]\n"
	"                  [--drain-timeout DURATION] [--idle-timeout DURATION]\n"
	"                  [--max-connections N] [--max-header-size SIZE]\n"
	"                  [--max-headers N]\n"
	"                  [--jail|--no-jail] [--jail-netns] [--uid N] [--gid N]\n"
	"\n"
	"Serves functions over HTTP/1.1: a request to /fn/NAME or\n"
	"/fn/NAME/more/path runs function NAME in a fresh microVM. The request\n"
	"body is the guest's stdin, the CGI/1.1 variables (RFC 3875) and the\n"
	"request's headers (HTTP_*) its environment, with MOTE_FUNCTION and\n"
	"MOTE_REQUEST_ID; its stdout is the response body. guest_abi/README.md\n"
	"(\"Functions\") is the contract.\n"
	"\n"
	"Options:\n"
	"  --listen ADDR:PORT | [ADDR6]:PORT | unix:PATH\n"
	"                      where to listen; repeatable, up to 8. Default\n"
	"                      127.0.0.1:8080, or 0.0.0.0:$PORT when PORT is set\n"
	"  --function NAME=IMAGE[,OPTION=VALUE]...\n"
	"                      a function: NAME (letters, digits, . _ -) runs\n"
	"                      IMAGE (a static ELF for the mote guest ABI).\n"
	"                      Repeatable. OPTIONs (values run to the next\n"
	"                      comma; use --config for values with commas):\n"
	"      mem=SIZE            guest memory (default: --mem)\n"
	"      timeout=DURATION    per request, then 504 (default: --timeout)\n"
	"      args=WORDS          guest arguments, split at spaces\n"
	"      env=NAME=VALUE      an environment variable; repeatable\n"
	"      disk=PATH           a read-only virtio-blk disk; repeatable\n"
	"                          (\"PATH,direct\" for O_DIRECT in --config)\n"
	"      pool=N              VMs kept warm (default 2)\n"
	"      concurrency=N       requests running at once (default 32)\n"
	"      queue=N             requests waiting beyond those (default\n"
	"                          256); past it: 503 with Retry-After\n"
	"      max-request=SIZE    request body limit, then 413 (default 6M)\n"
	"      max-response=SIZE   stdout limit, then 502 (default 6M)\n"
	"      cgi=on|off          output starts with a CGI header block\n"

	"                          (Status:, Content-Type:, ..., blank line)\n"
	"      snapshot=on|off     run the guest to its snapshot point\n"
	"                          (mote_snapshot()) once at start-up; every\n"
	"                          request then starts from there (default\n"
	"                          off)\n"
	"  --config FILE       settings in libconfig syntax (see below); the\n"
	"                      command line overrides them and adds functions\n"
	"  --mem SIZE          default guest memory, a multiple of 2 MiB from\n"
	"                      2M to 4G (default 16M)\n"
	"  --timeout DURATION  default per-request timeout (default 30s)\n"
	"  --workers N         vCPU threads per function (default: 2 per CPU)\n"
	"  --drain-timeout DURATION\n"
	"                      on SIGTERM or SIGINT: stop accepting, answer\n"
	"                      the requests in flight for at most this long,\n"
	"                      exit 0 (default 10s; 1 if some did not end)\n"
	"  --idle-timeout DURATION\n"
	"                      close a connection without traffic for this\n"
	"                      long, slow clients included (default 30s)\n"
	"  --max-connections N connections per listening address (default 1024)\n"
	"  --max-header-size SIZE\n"
	"                      request line and headers, then 431 (4K-64K,\n"
	"                      default 16K)\n"
	"  --max-headers N     request headers, then 431 (default 100)\n"
	"  --jail, --no-jail, --jail-netns, --uid N, --gid N\n"
	"                      as for mote run; the HTTP thread has a seccomp\n"
	"                      allowlist of its own\n"
	"  -h, --help          show this help\n"
	"\n"
	"Responses: exit 0: 200 (or the CGI Status); exit N: 500 with the\n"
	"output and X-Mote-Exit-Status: N; crash: 502; timeout: 504; output\n"
	"over max-response: 502; queue full: 503 + Retry-After; unknown\n"
	"function: 404; body too large: 413. Every response carries\n"
	"X-Mote-Request-Id and Server-Timing (queue, start, run in ms).\n"
	"The guest's stderr is logged (8 KiB per request) with the request id.\n"
	"\n"
	"Also: GET /healthz (200 ok), GET /readyz (200 once every function's\n"
	"pool has been filled, 503 before and while draining), GET /metrics\n"
	"(Prometheus text format). One JSON access-log line per request on\n"
	"stderr.\n"
	"\n"
	"Config file example (libconfig):\n"
	"  listen = [ \"127.0.0.1:8080\", \"unix:/run/mote.sock\" ];\n"
	"  drain-timeout = \"20s\";\n"
	"  functions = (\n"
	"    { name = \"echo\"; image = \"build/guests/echo.elf\"; pool = 4; },\n"
	"    { name = \"hello\"; image = \"build/guests/lua.elf\"; mem = \"32M\";\n"
	"      args = [ \"-e\", \"print(os.getenv('QUERY_STRING'))\" ];\n"
	"      env = [ \"GREETING=hi, there\" ]; timeout = \"2s\"; }\n"
	"  );\n"
	"Global settings are the long options without dashes (listen, mem,\n"
	"timeout, workers, drain-timeout, idle-timeout, max-connections,\n"
	"max-header-size, max-headers, jail, jail-netns, uid, gid); function\n"
	"settings are the OPTIONs above with name and image, args, env and\n"
	"disk being lists of strings.\n"
	"\n"
	"Examples:\n"
	"  mote serve --function echo=build/guests/echo.elf\n"
	"  mote serve --function 'hello=build/guests/lua.elf,args=-e print(\"hi\")'\n"
	"  curl --data-binary @file http://127.0.0.1:8080/fn/echo\n"
	"\n"
	"Exit status: 0 drained and stopped; 1 drain timeout; 2 bad command\n"
	"line; 125 could not start (image, disk, address, KVM).\n";

static void on_stop(int sig)
{
	(void)sig; /* read from the signalfd; the handler only has to exist */
}

/*
 * SIGTERM, SIGINT and SIGHUP go to a signalfd that the server loop
 * watches. They are blocked in every thread (fleet threads inherit the
 * mask) and also get a handler: as PID 1 of the jail's namespace, mote
 * receives only signals it handles.
 */
static int stop_signals(struct mote_err *err)
{
	struct sigaction sa;
	sigset_t set;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "signalfd: %s", strerror(errno));
	return fd;
}

/* RLIMIT_NOFILE up to need, or one line saying what does not fit. */
static int raise_nofile(unsigned long need, struct mote_err *err)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return err_set(err, errno, "RLIMIT_NOFILE: %s", strerror(errno));
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
		struct rlimit want = { need, need };

		if (setrlimit(RLIMIT_NOFILE, &want) < 0)
			return err_set(err, EMFILE,
				       "serving needs %lu file descriptors "
				       "(connections and VMs), but "
				       "RLIMIT_NOFILE's hard limit is %llu: "
				       "lower --max-connections or the "
				       "functions' concurrency and pool",
				       need, (unsigned long long)rl.rlim_max);
		return 0;
	}
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return err_set(err, errno, "RLIMIT_NOFILE: %s", strerror(errno));
	return 0;
}

struct server {
	struct serve_config cfg;
	struct serve_functions *fns;
	struct serve_addr addrs[SERVE_MAX_LISTEN];
	int lfds[SERVE_MAX_LISTEN];
	unsigned nl;
	int sigfd;
};

static void close_listeners(struct server *s)
{
	for (unsigned i = 0; i < s->nl; i++)
		if (s->lfds[i] >= 0)
			close(s->lfds[i]);
	s->nl = 0;
}

/* Everything before the jail: images, disks, sockets, /dev/kvm. */
static int open_all(struct server *s, int *keep, size_t *nkeep,
		    unsigned long *fd_need, unsigned *max_vms,
		    struct mote_err *err)
{
	const struct kvm_host *kh;
	size_t n;

	if (serve_functions_open(&s->cfg, &s->fns, err) < 0)
		return -1;
	for (unsigned i = 0; i < s->cfg.nlisten; i++) {
		int fd;

		if (serve_listen_parse(s->cfg.listen[i], &s->addrs[i], err) < 0)
			return -1;
		fd = serve_listen_open(s->cfg.listen[i], &s->addrs[i], err);
		if (fd < 0)
			return -1;
		s->lfds[s->nl++] = fd;
	}
	*fd_need = 64 + serve_functions_fd_need(s->fns, max_vms) +
		   (unsigned long)s->cfg.max_connections * s->cfg.nlisten;
	if (raise_nofile(*fd_need, err) < 0 || kvm_host_get(&kh, err) < 0)
		return -1;
	n = serve_functions_fds(s->fns, keep, 2 * SERVE_MAX_FUNCTIONS *
						     (MOTE_MAX_DEVICES + 1));
	for (unsigned i = 0; i < s->nl; i++)
		keep[n++] = s->lfds[i];
	keep[n++] = kh->fd;
	*nkeep = n;
	return 0;
}

static void print_start(const struct server *s)
{
	fprintf(stderr, "mote serve: %u function%s on", s->cfg.nfns,
		s->cfg.nfns == 1 ? "" : "s");
	for (unsigned i = 0; i < s->cfg.nlisten; i++)
		fprintf(stderr, " %s", s->cfg.listen[i]);
	fprintf(stderr, " (jail: %s)\n", confine_state());
}

int serve_main(int argc, char **argv)
{
	static int keep[2 * SERVE_MAX_FUNCTIONS * (MOTE_MAX_DEVICES + 1) +
			SERVE_MAX_LISTEN + 1];
	struct server s = { .sigfd = -1 };
	struct mote_err err = { "" };
	struct serve_http *h = NULL;
	struct serve_backend backend;
	unsigned long fd_need;
	unsigned max_vms;
	size_t nkeep;
	int rc;

	if (serve_config_parse(argc, argv, getenv("PORT"), &s.cfg, &err) < 0) {
		fprintf(stderr, "mote serve: %s\nTry 'mote serve --help'.\n",
			err.msg);
		serve_config_free(&s.cfg);
		return MOTE_STATUS_USAGE;
	}
	if (s.cfg.help) {
		fputs(usage_serve, stdout);
		serve_config_free(&s.cfg);
		return 0;
	}
	if (open_all(&s, keep, &nkeep, &fd_need, &max_vms, &err) < 0)
		goto fail;
	{
		struct run_opts o;

		memset(&o, 0, sizeof(o));
		o.jail = s.cfg.jail;
		o.jail_netns = s.cfg.jail_netns;
		o.uid = s.cfg.uid;
		o.gid = s.cfg.gid;
		o.count = max_vms;
		if (confine_enter(&o, keep, nkeep, fd_need, &err) < 0)
			goto fail;
	}
	/* Before any thread: every thread inherits the blocked mask. */
	s.sigfd = stop_signals(&err);
	if (s.sigfd < 0 || serve_functions_start(s.fns, &err) < 0)
		goto fail;
	serve_functions_backend(s.fns, &backend);
	{
		struct serve_http_config hc = {
			.cfg = &s.cfg,
			.listen_fds = s.lfds,
			.addrs = s.addrs,
			.nlisten = s.nl,
			.backend = &backend,
			.signal_fd = s.sigfd,
			.log_fd = STDERR_FILENO,
		};

		if (serve_http_create(&hc, &h, &err) < 0)
			goto fail;
	}
	/* Every thread exists: the server thread's own allowlist. */
	if (confine_seal(JAIL_SERVE, &err) < 0)
		goto fail;
	print_start(&s);
	rc = serve_http_run(h);
	if (rc != 0)
		return 1; /* guests still run: exit without waiting for them */
	serve_http_destroy(h);
	serve_functions_close(s.fns);
	close(s.sigfd);
	serve_config_free(&s.cfg);
	return 0;
fail:
	fprintf(stderr, "mote serve: %s\n", err.msg);
	if (h)
		serve_http_destroy(h);
	else
		close_listeners(&s);
	serve_functions_close(s.fns);
	serve_config_free(&s.cfg);
	return MOTE_STATUS_ERROR;
}

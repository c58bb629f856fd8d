/*
 * The network benchmark, in one run and in a network namespace of its own
 * (10.199.0.0/24 only, removed at the end, also on failure):
 *  1. ping round trip host -> guest: net-echo on tap nb0 (guest .2, host
 *     side .1), N ICMP echo requests one at a time from a raw socket in a
 *     child that has joined the namespace;
 *  2. guest -> host UDP, 64- and 1400-byte Ethernet frames: net-bench in
 *     the guest against a host process writing the same frames to the same
 *     tap through io_uring; both counted by one UDP socket on the host side.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <math.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ident.h"
#include "json.h"
#include "machine.h"
#include "stats.h"
#include "tool.h"

#define TAP	 "nb0"
#define HOST_IP	 "10.199.0.1"
#define GUEST_IP "10.199.0.2"
#define GUEST_SRC_MAC                                                          \
	{                                                                      \
		0x52, 0x54, 0x00, 0xc7, 0x00, 0x02                             \
	}
#define UDP_PORT     9000
#define VNET_HDR     12		   /* virtio_net_hdr_v1, as mote sets the tap */
#define HDRS	     (14 + 20 + 8) /* Ethernet + IPv4 + UDP */
#define MAX_PINGS    100000
#define WARMUP	     20
#define PING_WAIT_MS 1000 /* a reply later than this is a loss */
#define OUT_MAX	     (16u << 10)
#define BATCH	     32 /* io_uring writes per submit */

static const unsigned frame_sizes[2] = {64, 1400};

struct opts {
	const char *mote, *echo, *bench, *out;
	unsigned pings, secs;
};

/* What the children in the namespace hand back. */
struct shared {
	uint64_t rtt_ns[MAX_PINGS];
	unsigned answered, sent;
	/* UDP phase */
	uint64_t received, written, write_errors;
	uint64_t first_ns, last_ns; /* received packets' first and last */
	double write_secs;
	int err; /* errno of a setup failure in a child, 0 if none */
	char what[120];
};

static struct shared *sh;
static char ns[32];
static bool have_ns;
static pid_t parent_pid, vm_pid, helper_pid; /* helper: in the netns */

/* Kills a running mote, removes the namespace (and its tap with it). */
static void cleanup(void)
{
	if (getpid() != parent_pid)
		return;
	if (vm_pid > 0) {
		kill(vm_pid, SIGKILL);
		waitpid(vm_pid, NULL, 0);
		vm_pid = 0;
	}
	if (helper_pid > 0) {
		kill(helper_pid, SIGKILL);
		waitpid(helper_pid, NULL, 0);
		helper_pid = 0;
	}
	if (have_ns) {
		char cmd[96];

		snprintf(cmd, sizeof(cmd), "ip netns del %s", ns);
		if (system(cmd) != 0)
			fprintf(stderr,
				"bench net: could not remove netns %s\n", ns);
		have_ns = false;
	}
}

static void on_signal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Runs a shell command (names and addresses built here from numbers:
 * nothing to quote), its output discarded; true if it exited 0. */
static bool run_sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strncat(cmd, " >/dev/null 2>&1", sizeof(cmd) - strlen(cmd) - 1);
	st = system(cmd);
	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* In a child: joins the namespace, or reports why not and exits. */
static void enter_ns(void)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		sh->err = errno;
		snprintf(sh->what, sizeof(sh->what), "setns %s", path);
		_exit(1);
	}
	close(fd);
}

static void child_fail(const char *what)
{
	sh->err = errno ? errno : EIO;
	snprintf(sh->what, sizeof(sh->what), "%s", what);
	_exit(1);
}

/* Waits for a child in the namespace; dies with its reason if it failed. */
static void reap(pid_t pid, const char *what)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	helper_pid = 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die("%s failed: %s: %s", what, sh->what[0] ? sh->what : "?",
		    sh->err ? strerror(sh->err) : "killed");
}

/* ---- mote in the namespace ---- */

/* Starts `ip netns exec NS mote run --timeout T --net tap:nb0 ELF -- ARGS`
 * with its stdout on *out. */
static pid_t start_mote(const struct opts *o, const char *elf,
			char *const args[], unsigned timeout_s, int *out)
{
	char *argv[24], tmo[16];
	int n = 0, p[2];
	pid_t pid;

	snprintf(tmo, sizeof(tmo), "%us", timeout_s);
	argv[n++] = "ip";
	argv[n++] = "netns";
	argv[n++] = "exec";
	argv[n++] = ns;
	argv[n++] = (char *)o->mote;
	argv[n++] = "run";
	argv[n++] = "--timeout";
	argv[n++] = tmo;
	argv[n++] = "--net";
	argv[n++] = "tap:" TAP;
	argv[n++] = (char *)elf;
	argv[n++] = "--";
	while (*args)
		argv[n++] = *args++;
	argv[n] = NULL;
	if (pipe2(p, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		execvp("ip", argv);
		_exit(127);
	}
	close(p[1]);
	vm_pid = pid;
	*out = p[0];
	return pid;
}

/* Reads from fd until EOF, a line starting with `until` (if given) or the
 * deadline; returns what it read (NUL-terminated) and whether it got it. */
static bool read_out(int fd, char *buf, size_t size, const char *until,
		     uint64_t deadline)
{
	size_t len = 0;

	buf[0] = '\0';
	while (len < size - 1) {
		uint64_t t = now_ns();
		struct pollfd pf = {fd, POLLIN, 0};
		ssize_t r;

		if (t >= deadline)
			return false;
		if (poll(&pf, 1, (int)((deadline - t) / 1000000 + 1)) <= 0)
			continue;
		r = read(fd, buf + len, until ? 1 : size - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return !until;
		len += (size_t)r;
		buf[len] = '\0';
		if (until && buf[len - 1] == '\n') {
			char *line = buf + len - 1;

			while (line > buf && line[-1] != '\n')
				line--;
			if (strncmp(line, until, strlen(until)) == 0)
				return true;
		}
	}
	return !until;
}

static int wait_mote(pid_t pid, int out)
{
	int st;

	close(out);
	waitpid(pid, &st, 0);
	vm_pid = 0;
	return st;
}

/* ---- 1. ping ---- */

static uint16_t csum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* One echo request; its round trip in ns, or 0 if no reply came. */
static uint64_t ping_once(int s, const struct sockaddr_in *dst, uint16_t id,
			  uint16_t seq)
{
	uint8_t req[64] = {8, 0}, rep[256];
	uint64_t t0, deadline;
	uint16_t c;

	req[4] = (uint8_t)(id >> 8), req[5] = (uint8_t)id;
	req[6] = (uint8_t)(seq >> 8), req[7] = (uint8_t)seq;
	for (size_t i = 8; i < sizeof(req); i++)
		req[i] = (uint8_t)i;
	c = csum(req, sizeof(req), 0);
	req[2] = (uint8_t)(c >> 8), req[3] = (uint8_t)c;
	t0 = now_ns();
	deadline = t0 + PING_WAIT_MS * 1000000ULL;
	if (sendto(s, req, sizeof(req), 0, (const struct sockaddr *)dst,
		   sizeof(*dst)) != (ssize_t)sizeof(req))
		child_fail("sendto (ping)");
	for (;;) {
		uint64_t t = now_ns();
		struct pollfd pf = {s, POLLIN, 0};
		ssize_t r;
		size_t ihl;

		if (t >= deadline)
			return 0;
		if (poll(&pf, 1, (int)((deadline - t) / 1000000 + 1)) <= 0)
			continue;
		r = recv(s, rep, sizeof(rep), MSG_DONTWAIT);
		t = now_ns();
		if (r < 20)
			continue;
		ihl = (size_t)(rep[0] & 15) * 4;
		if ((size_t)r < ihl + 8)
			continue;
		/* an echo reply to us, this sequence number */
		if (rep[ihl] == 0 && rep[ihl + 4] == req[4] &&
		    rep[ihl + 5] == req[5] && rep[ihl + 6] == req[6] &&
		    rep[ihl + 7] == req[7])
			return t - t0 ? t - t0 : 1;
	}
}

static void pinger(unsigned n)
{
	struct sockaddr_in dst = {.sin_family = AF_INET};
	uint16_t id = (uint16_t)getpid();
	uint64_t end;
	int s;

	enter_ns();
	inet_pton(AF_INET, GUEST_IP, &dst.sin_addr);
	s = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (s < 0)
		child_fail("socket(SOCK_RAW, IPPROTO_ICMP)");
	/* Warm-up, not counted: ARP resolution and cold caches. */
	for (unsigned i = 0; i < WARMUP; i++)
		ping_once(s, &dst, id, (uint16_t)(0x8000 + i));
	/* Bounded: every ping waits at most PING_WAIT_MS, and all of them
	 * together at most 20 s (the rest count as lost). */
	end = now_ns() + 20000000000ULL;
	for (unsigned i = 0; i < n && now_ns() < end; i++) {
		uint64_t rtt = ping_once(s, &dst, id, (uint16_t)i);

		sh->sent++;
		if (rtt)
			sh->rtt_ns[sh->answered++] = rtt;
	}
	_exit(0);
}

/* ---- 2. UDP ---- */

static atomic_bool stop_rx;

/* Counts datagrams on the socket until told to stop and the socket is
 * drained, or a hard deadline. */
static void *receiver(void *arg)
{
	int s = *(int *)arg;
	static uint8_t bufs[64][2048];
	struct mmsghdr msgs[64];
	struct iovec iov[64];
	uint64_t deadline = now_ns() + 60000000000ULL;

	for (int i = 0; i < 64; i++) {
		iov[i] = (struct iovec){bufs[i], sizeof(bufs[i])};
		msgs[i] = (struct mmsghdr){
			.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
	}
	while (now_ns() < deadline) {
		int r = recvmmsg(s, msgs, 64, MSG_DONTWAIT, NULL);

		if (r > 0) {
			uint64_t t = now_ns();

			if (!sh->received)
				sh->first_ns = t;
			sh->last_ns = t;
			sh->received += (uint64_t)r;
			continue;
		}
		if (r < 0 && errno != EAGAIN && errno != EINTR)
			break;
		if (atomic_load(&stop_rx))
			break;
		poll(&(struct pollfd){s, POLLIN, 0}, 1, 20);
	}
	return NULL;
}

/* Ethernet + IPv4 + UDP of `frame` bytes (no FCS) from the guest's
 * address to the host side, behind a zero vnet header. */
static size_t build_frame(uint8_t *b, unsigned frame, const uint8_t *dmac)
{
	static const uint8_t smac[6] = GUEST_SRC_MAC;
	uint8_t *eth = b + VNET_HDR, *ip = eth + 14, *udp = ip + 20;
	unsigned iplen = frame - 14, udplen = iplen - 20;
	struct in_addr a;
	uint16_t c;

	memset(b, 0, VNET_HDR + frame);
	memcpy(eth, dmac, 6);
	memcpy(eth + 6, smac, 6);
	eth[12] = 0x08, eth[13] = 0x00;
	ip[0] = 0x45;
	ip[2] = (uint8_t)(iplen >> 8), ip[3] = (uint8_t)iplen;
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = 17;
	inet_pton(AF_INET, GUEST_IP, &a);
	memcpy(ip + 12, &a, 4);
	inet_pton(AF_INET, HOST_IP, &a);
	memcpy(ip + 16, &a, 4);
	c = csum(ip, 20, 0);
	ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
	udp[0] = 0xc3, udp[1] = 0x50; /* source port 50000 */
	udp[2] = UDP_PORT >> 8, udp[3] = UDP_PORT & 0xff;
	udp[4] = (uint8_t)(udplen >> 8), udp[5] = (uint8_t)udplen;
	/* checksum 0: none, as allowed for UDP over IPv4 */
	for (unsigned i = 8; i < udplen; i++)
		udp[i] = (uint8_t)(i - 8);
	return VNET_HDR + frame;
}

/* The host baseline's writer: the frame to tap nb0 through io_uring, in
 * batches of BATCH writes, for secs seconds. */
static void tap_writer(unsigned frame, unsigned secs)
{
	static uint8_t buf[VNET_HDR + 2048];
	struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR};
	struct io_uring ring;
	int fd, sz = VNET_HDR, s, r;
	uint64_t t0, end, t;
	size_t len;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", TAP);
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0 ||
	    ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0 ||
	    ioctl(fd, TUNSETOFFLOAD, 0) < 0)
		child_fail("open tap " TAP);
	/* the tap's own (host-side) address is the destination */
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", TAP);
	if (s < 0 || ioctl(s, SIOCGIFHWADDR, &ifr) < 0)
		child_fail("SIOCGIFHWADDR " TAP);
	close(s);
	len = build_frame(buf, frame, (const uint8_t *)ifr.ifr_hwaddr.sa_data);
	r = io_uring_queue_init(BATCH * 2, &ring, 0);
	if (r < 0) {
		errno = -r;
		child_fail("io_uring_queue_init");
	}
	t0 = now_ns();
	end = t0 + secs * 1000000000ULL;
	for (t = t0; t < end; t = now_ns()) {
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;

		for (int i = 0; i < BATCH; i++)
			io_uring_prep_write(io_uring_get_sqe(&ring), fd, buf,
					    (unsigned)len, 0);
		r = io_uring_submit_and_wait(&ring, BATCH);
		if (r < 0 && r != -EINTR) {
			errno = -r;
			child_fail("io_uring_submit_and_wait");
		}
		while (seen < BATCH) {
			io_uring_for_each_cqe(&ring, head, cqe)
			{
				if (cqe->res == (int)len)
					sh->written++;
				else
					sh->write_errors++;
				seen++;
			}
			io_uring_cq_advance(&ring, seen);
			if (seen < BATCH && io_uring_wait_cqe(&ring, &cqe) < 0)
				break;
		}
	}
	sh->write_secs = (double)(t - t0) / 1e9;
	io_uring_queue_exit(&ring);
	close(fd);
}

/* The host side of one UDP phase: the socket, then (baseline) the writer,
 * or (guest) waiting for the parent's go on ctl to stop. */
static void udp_host(bool baseline, unsigned frame, unsigned secs, int ready,
		     int ctl)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(UDP_PORT)};
	int s, big = 16 << 20;
	pthread_t th;
	char c = 'r';

	enter_ns();
	inet_pton(AF_INET, HOST_IP, &sa.sin_addr);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		child_fail("socket (udp)");
	setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		child_fail("bind " HOST_IP);
	errno = 0;
	if (pthread_create(&th, NULL, receiver, &s) != 0)
		child_fail("pthread_create");
	if (write(ready, &c, 1) != 1)
		child_fail("write (ready)");
	if (baseline) {
		tap_writer(frame, secs);
	} else {
		struct pollfd pf = {ctl, POLLIN, 0};

		/* the parent says when the guest is done; bounded anyway */
		poll(&pf, 1, (int)(secs + 30) * 1000);
	}
	usleep(200000); /* what is in flight lands in the socket */
	atomic_store(&stop_rx, true);
	pthread_join(th, NULL);
	_exit(0);
}

/* A mote that was just stopped may hold the tap a moment longer (its
 * jailed inner process closes it): waits, at most 5 s, until the tap can
 * be attached, as a tap has one reader. */
static void wait_tap_free(void)
{
	pid_t pid;

	memset(sh, 0, sizeof(*sh));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	helper_pid = pid;
	if (pid == 0) {
		enter_ns();
		for (int i = 0; i < 100; i++) {
			struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI |
							 IFF_VNET_HDR};
			int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

			snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", TAP);
			if (fd >= 0 && ioctl(fd, TUNSETIFF, &ifr) == 0) {
				close(fd);
				_exit(0);
			}
			if (fd >= 0)
				close(fd);
			usleep(50000);
		}
		child_fail("tap " TAP " still busy after 5 s");
	}
	reap(pid, "waiting for the tap");
}

struct udp_result {
	unsigned frame;
	double guest_sent_pps, guest_rx_pps; /* net-bench; host socket */
	uint64_t guest_sent, guest_rx;
	double host_written_pps, host_rx_pps; /* io_uring writer; socket */
	uint64_t host_written, host_rx, host_write_errors;
	double ratio;
	char guest_line[160];
};

/* One phase: a forked host side in the namespace, plus mote for the
 * guest's. */
static void udp_phase(const struct opts *o, bool baseline, struct udp_result *u)
{
	int ready[2], ctl[2];
	char c;
	pid_t pid;

	wait_tap_free();
	memset(sh, 0, sizeof(*sh));
	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(ctl, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	helper_pid = pid;
	if (pid == 0) {
		close(ready[0]);
		close(ctl[1]);
		udp_host(baseline, u->frame, o->secs, ready[1], ctl[0]);
	}
	close(ready[1]);
	close(ctl[0]);
	if (read(ready[0], &c, 1) != 1) {
		close(ctl[1]);
		reap(pid, "UDP receiver");
	}
	if (!baseline) {
		char secs[16], size[16], port[16], *out = malloc(OUT_MAX);
		char *args[] = {HOST_IP, port,		 secs,
				size,	 GUEST_IP "/24", NULL};
		int fd, st;
		pid_t vm;
		const char *p;

		if (!out)
			die("out of memory");
		snprintf(secs, sizeof(secs), "%u", o->secs);
		snprintf(size, sizeof(size), "%u", u->frame - HDRS);
		snprintf(port, sizeof(port), "%u", UDP_PORT);
		vm = start_mote(o, o->bench, args, o->secs + 20, &fd);
		read_out(fd, out, OUT_MAX, NULL,
			 now_ns() + (o->secs + 25) * 1000000000ULL);
		st = wait_mote(vm, fd);
		close(ctl[1]); /* the guest is done: stop the receiver */
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 ||
		    !(p = strstr(out, "pps="))) {
			die("net-bench %u failed (status %#x):\n%.2000s",
			    u->frame - HDRS, st, out);
		}
		u->guest_sent_pps = strtod(p + 4, NULL);
		p = strstr(out, "sent=");
		u->guest_sent = p ? strtoull(p + 5, NULL, 10) : 0;
		snprintf(u->guest_line, sizeof(u->guest_line), "%.*s",
			 (int)strcspn(out, "\n"), out);
		free(out);
	}
	reap(pid, baseline ? "host tap writer" : "UDP receiver");
	close(ready[0]);
	if (baseline)
		close(ctl[1]);
	if (baseline) {
		u->host_written = sh->written;
		u->host_write_errors = sh->write_errors;
		u->host_written_pps =
			sh->write_secs > 0 ? sh->written / sh->write_secs : 0;
		u->host_rx = sh->received;
		u->host_rx_pps =
			sh->write_secs > 0 ? sh->received / sh->write_secs : 0;
	} else {
		double secs = o->secs;

		/* the guest's own sending time, by its own clock */
		if (u->guest_sent && u->guest_sent_pps > 0)
			secs = (double)u->guest_sent / u->guest_sent_pps;
		u->guest_rx = sh->received;
		u->guest_rx_pps = (double)sh->received / secs;
	}
}

/* ---- report ---- */

static void write_json(const struct opts *o, const struct machine *m,
		       const char *skipped, const struct stats *ping,
		       unsigned sent, unsigned answered,
		       const struct udp_result *u, size_t nu,
		       const struct opt *t, size_t nt, int argc, char **argv)
{
	FILE *f = fopen(o->out, "w");
	char *echo_args[] = {GUEST_IP "/24", "40"};
	char *bench_args[] = {HOST_IP, "PORT", "SECS", "PAYLOAD",
			      GUEST_IP "/24"};
	struct jw j;

	if (!f)
		die("cannot write %s: %s", o->out, strerror(errno));
	jw_init(&j, f);
	jw_obj(&j, NULL);
	jw_str(&j, "benchmark", "net");
	ident_json(&j, argc, argv, m);
	opt_json(&j, "options", t, nt);
	machine_json(&j, m);
	image_json(&j, "echo_image", o->echo, 2, echo_args);
	image_json(&j, "bench_image", o->bench, 5, bench_args);
	if (skipped) {
		jw_bool(&j, "skipped", true);
		jw_str(&j, "reason", skipped);
		jw_obj_end(&j);
		fputc('\n', f);
		fclose(f);
		return;
	}
	jw_bool(&j, "skipped", false);
	jw_str(&j, "setup",
	       "own network namespace, tap " TAP ", host side " HOST_IP
	       "/24, guest " GUEST_IP "/24 (mote --net tap:" TAP ")");
	jw_obj(&j, "ping");
	jw_str(&j, "method",
	       "ICMP echo, 64 bytes, host -> guest (net-echo), one at a "
	       "time, raw socket in the namespace, CLOCK_MONOTONIC; warm-up "
	       "pings not counted");
	jw_int(&j, "warmup", WARMUP);
	jw_int(&j, "sent", sent);
	jw_int(&j, "answered", answered);
	jw_num(&j, "loss", sent ? 1.0 - (double)answered / sent : 0, 4);
	jw_stats_us(&j, "rtt_us", ping);
	jw_str(&j, "reference",
	       "Solo5 hvt ~610 pings/s at 1.59 ms (not measured here)");
	jw_obj_end(&j);
	jw_obj(&j, "udp");
	jw_str(&j, "method",
	       "guest: net-bench in mote sending UDP to " HOST_IP
	       " as fast as the device takes them; host baseline: one "
	       "process writing the same frames (12-byte zero vnet header + "
	       "Ethernet + IPv4 + UDP) to the same tap through io_uring, "
	       "batches of 32 writes. Both counted by one UDP socket bound "
	       "in the namespace (recvmmsg). Frame size = Ethernet frame "
	       "without FCS; ratio = guest's received pps / host's "
	       "received pps");
	jw_int(&j, "seconds", o->secs);
	for (size_t i = 0; i < nu; i++) {
		char key[32];

		snprintf(key, sizeof(key), "udp_%u", u[i].frame);
		jw_obj(&j, key);
		jw_str(&j, "unit", "pps");
		jw_int(&j, "frame_bytes", u[i].frame);
		jw_int(&j, "payload_bytes", u[i].frame - HDRS);
		jw_num(&j, "guest_sent_pps", u[i].guest_sent_pps, 0);
		jw_int(&j, "guest_sent", (long long)u[i].guest_sent);
		jw_int(&j, "guest_received", (long long)u[i].guest_rx);
		jw_num(&j, "host_written_pps", u[i].host_written_pps, 0);
		jw_int(&j, "host_written", (long long)u[i].host_written);
		jw_int(&j, "host_write_errors",
		       (long long)u[i].host_write_errors);
		jw_int(&j, "host_received", (long long)u[i].host_rx);
		jw_num(&j, "guest_median", u[i].guest_rx_pps, 0);
		jw_num(&j, "host_median", u[i].host_rx_pps, 0);
		jw_num(&j, "ratio", u[i].ratio, 3);
		if (!isfinite(u[i].ratio))
			jw_str(&j, "ratio_missing",
			       "the host baseline received nothing");
		jw_str(&j, "guest_says", u[i].guest_line);
		jw_obj_end(&j);
	}
	jw_obj_end(&j);
	jw_obj_end(&j);
	fputc('\n', f);
	if (fclose(f) != 0)
		die("writing %s: %s", o->out, strerror(errno));
}

static void usage(FILE *f)
{
	fputs("Usage: net [--mote BIN] [--echo ELF] [--bench ELF] "
	      "[--pings N]\n"
	      "           [--secs N] [--out JSON]\n"
	      "In a network namespace of its own (10.199.0.0/24): ping round\n"
	      "trips host -> guest (net-echo), and guest -> host UDP rates\n"
	      "(net-bench) against a host io_uring tap writer, 64- and\n"
	      "1400-byte frames. Defaults: 1000 pings, 3 s per UDP run.\n"
	      "Needs root; without it, says why and exits 0.\n",
	      f);
}

/* Why this host cannot run the benchmark, or NULL. */
static const char *cannot_run(void)
{
	if (geteuid() != 0)
		return "not root: network namespaces and taps need root";
	if (access("/dev/kvm", R_OK | W_OK) != 0)
		return "no usable /dev/kvm";
	if (access("/dev/net/tun", R_OK | W_OK) != 0)
		return "no usable /dev/net/tun";
	if (!run_sh("ip -V"))
		return "iproute2 (ip) is not installed";
	return NULL;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct machine m;
	struct cpu_times t0, t1;
	struct stats ping = {0};
	struct udp_result u[2] = {{.frame = frame_sizes[0]},
				  {.frame = frame_sizes[1]}};
	unsigned sent, answered;
	const char *why;
	char line[512];
	int fd;
	pid_t pid;
	struct opt t[] = {
		{"mote", OPT_STR, &o.mote, 0, 0, false, false},
		{"echo", OPT_STR, &o.echo, 0, 0, true, false},
		{"bench", OPT_STR, &o.bench, 0, 0, true, false},
		{"pings", OPT_COUNT, &o.pings, 1, MAX_PINGS, true, false},
		{"secs", OPT_COUNT, &o.secs, 1, 10, true, false},
		{"out", OPT_STR, &o.out, 0, 0, false, false},
	};
	size_t nt = sizeof(t) / sizeof(t[0]);

	tool_init("bench net");
	o = (struct opts){"build/mote",
			  "build/guests/net-echo.elf",
			  "build/guests/net-bench.elf",
			  "bench/results/net.json",
			  1000,
			  3};
	tool_options(t, nt, argc, argv, usage);
	setvbuf(stdout, NULL, _IOLBF, 0);
	parent_pid = getpid();
	if (access(o.mote, X_OK) != 0 || access(o.echo, R_OK) != 0 ||
	    access(o.bench, R_OK) != 0)
		die("need %s, %s and %s: run make first", o.mote, o.echo,
		    o.bench);
	machine_info(&m);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGPIPE, SIG_IGN);

	why = cannot_run();
	snprintf(ns, sizeof(ns), "mote-nb-%d", (int)getpid());
	if (!why && !run_sh("ip netns add %s", ns))
		why = "cannot create a network namespace (ip netns add)";
	if (why) {
		printf("bench net: skipped: %s\n", why);
		write_json(&o, &m, why, NULL, 0, 0, NULL, 0, t, nt, argc, argv);
		return 0;
	}
	have_ns = true;
	if (!run_sh("ip netns exec %s ip link set lo up", ns) ||
	    !run_sh("ip netns exec %s ip tuntap add dev %s mode tap", ns,
		    TAP) ||
	    !run_sh("ip netns exec %s ip addr add %s/24 dev %s", ns, HOST_IP,
		    TAP) ||
	    !run_sh("ip netns exec %s ip link set %s up", ns, TAP))
		die("cannot set up tap %s in netns %s", TAP, ns);
	cpu_times(&t0);

	/* 1. ping: net-echo for at most 40 s */
	{
		char *args[] = {GUEST_IP "/24", "40", NULL};

		pid = start_mote(&o, o.echo, args, 45, &fd);
		if (!read_out(fd, line, sizeof(line), "net-echo: up",
			      now_ns() + 15000000000ULL))
			die("net-echo did not come up; it said: %s", line);
		memset(sh, 0, sizeof(*sh));
		{
			pid_t c = fork();

			if (c < 0)
				die("fork: %s", strerror(errno));
			helper_pid = c;
			if (c == 0)
				pinger(o.pings);
			reap(c, "pinger");
		}
		kill(pid, SIGTERM);
		wait_mote(pid, fd);
		sent = sh->sent;
		answered = sh->answered;
		stats_compute(sh->rtt_ns, answered, &ping);
		printf("ping: %u/%u answered, p50 %.1f us\n", answered, sent,
		       ping.p50 / 1000);
	}

	/* 2. UDP, guest then host baseline for each size */
	for (int i = 0; i < 2; i++) {
		udp_phase(&o, false, &u[i]);
		udp_phase(&o, true, &u[i]);
		u[i].ratio = u[i].host_rx_pps > 0
				     ? u[i].guest_rx_pps / u[i].host_rx_pps
				     : NAN;
		printf("udp %u-byte frames: guest sent %.0f, host got %.0f "
		       "pps; host writer wrote %.0f, host got %.0f pps\n",
		       u[i].frame, u[i].guest_sent_pps, u[i].guest_rx_pps,
		       u[i].host_written_pps, u[i].host_rx_pps);
	}
	cpu_times(&t1);
	host_load(&m, &t0, &t1);
	cleanup();
	write_json(&o, &m, NULL, &ping, sent, answered, u, 2, t, nt, argc,
		   argv);

	printf("\nmote net benchmark  %s  %ld CPUs, %.1f GiB, Linux %s, KVM "
	       "%s\n",
	       m.timestamp, m.nproc, (double)m.mem_kb / (1 << 20), m.kernel,
	       m.kvm.name);
	printf("own netns, tap %s: host %s, guest %s; UDP %u s per run\n", TAP,
	       HOST_IP, GUEST_IP, o.secs);
	printf("other processes used %.0f%% of the host's CPU time during the "
	       "run (load %.2f -> %.2f)%s\n\n",
	       m.others_cpu * 100, m.load_start, m.load_end,
	       m.others_cpu > MACHINE_BUSY_SHARE
		       ? "  WARNING: busy host, figures are noisy"
		       : "");
	printf("  ping host->guest, %u pings: p50 %.1f  p99 %.1f  min %.1f  "
	       "max %.1f us, loss %.2f%%\n",
	       sent, ping.p50 / 1000, ping.p99 / 1000, ping.min / 1000,
	       ping.max / 1000, sent ? 100.0 * (sent - answered) / sent : 0.0);
	printf("    (reference, not measured: Solo5 hvt ~610 pings/s at "
	       "1.59 ms)\n\n");
	printf("  %-16s %11s %11s %11s %11s %7s\n", "UDP guest->host",
	       "guest sent", "host rcvd", "io_uring", "host rcvd", "ratio");
	printf("  %-16s %11s %11s %11s %11s\n", "pps", "(net-bench)", "(guest)",
	       "wrote", "(baseline)");
	for (int i = 0; i < 2; i++)
		printf("  %4u-byte frames %11.0f %11.0f %11.0f %11.0f %7.2f\n",
		       u[i].frame, u[i].guest_sent_pps, u[i].guest_rx_pps,
		       u[i].host_written_pps, u[i].host_rx_pps, u[i].ratio);
	printf("  ratio = host-received pps, guest path / io_uring baseline\n");
	printf("\nwrote %s\n", o.out);
	return 0;
}

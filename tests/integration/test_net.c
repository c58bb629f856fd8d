/*
 * Integration tests of virtio-net on real taps: each test makes its own
 * network namespace (10.199.x.x only) with taps in it, and removes it.
 */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../helpers.h"

#define MAX_VMS 20

static char ns[32];
static bool have_ns;
/* Every mote started and not yet reaped: a failed test leaves none. */
static pid_t children[2 * MAX_VMS];
static int nchildren;

static void forget_child(pid_t pid)
{
	for (int i = 0; i < nchildren; i++)
		if (children[i] == pid)
			children[i] = 0;
}

/* Runs a shell command line; true if it exited 0. Names and addresses
 * are built here from numbers: nothing to quote. */
static bool sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd) == 0;
}

static void make_ns(void)
{
	snprintf(ns, sizeof(ns), "mote-t-%d", (int)getpid());
	cr_assert(sh("ip netns add %s", ns), "ip netns add %s", ns);
	have_ns = true;
	cr_assert(sh("ip netns exec %s ip link set lo up", ns));
}

/* The namespace takes its taps with it. */
static void remove_ns(void)
{
	for (int i = 0; i < nchildren; i++)
		if (children[i] > 0) {
			kill(children[i], SIGKILL);
			waitpid(children[i], NULL, 0);
		}
	nchildren = 0;
	if (have_ns && !sh("ip netns del %s", ns))
		fprintf(stderr, "could not remove netns %s\n", ns);
	have_ns = false;
}

TestSuite(net, .init = make_ns, .fini = remove_ns, .timeout = 120);

/* Tap mtI with host side 10.199.(I+1).1/24; its guest is .2. */
static void add_tap(int i)
{
	cr_assert(sh("ip netns exec %s ip tuntap add dev mt%d mode tap && "
		     "ip netns exec %s ip addr add 10.199.%d.1/24 dev mt%d && "
		     "ip netns exec %s ip link set mt%d up",
		     ns, i, ns, i + 1, i, ns, i),
		  "tap mt%d", i);
}

/* A mote running net-echo (or another guest) in the background. */
struct vm {
	pid_t pid;
	int out; /* its stdout */
};

/* The child side of start_vm: with tap_fd set, joins the namespace and
 * opens tap mt0 itself, as a caller of --net fd:N would. */
static void exec_child(int out, char *const argv[], bool tap_fd)
{
	dup2(out, STDOUT_FILENO);
	if (tap_fd) {
		char path[64];
		struct ifreq ifr = {.ifr_flags =
					    IFF_TAP | IFF_NO_PI | IFF_VNET_HDR};
		int nsfd, fd;

		snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
		nsfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) < 0)
			_exit(127);
		strcpy(ifr.ifr_name, "mt0");
		fd = open("/dev/net/tun", O_RDWR);
		if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0 ||
		    dup2(fd, 42) < 0)
			_exit(127);
		execv(MOTE_BIN, argv);
		_exit(127);
	}
	execvp("ip", argv);
	_exit(127);
}

static void start_vm_fd(struct vm *v, char *const argv[], const char *expect,
			bool tap_fd);

static void start_vm(struct vm *v, char *const argv[], const char *expect)
{
	start_vm_fd(v, argv, expect, false);
}

/* Starts mote in the namespace with extra (NULL-terminated) options,
 * guest and guest args, and waits for its first line (or its end). */
static void start_vm_fd(struct vm *v, char *const argv[], const char *expect,
			bool tap_fd)
{
	int p[2];
	char line[256];
	size_t n = 0;
	double end = now_s() + 15;

	cr_assert(pipe2(p, O_CLOEXEC) == 0);
	v->pid = fork();
	cr_assert(v->pid >= 0);
	if (v->pid > 0 &&
	    nchildren < (int)(sizeof(children) / sizeof(*children)))
		children[nchildren++] = v->pid;
	if (v->pid == 0)
		exec_child(p[1], argv, tap_fd);
	close(p[1]);
	v->out = p[0];
	while (n < sizeof(line) - 1 && now_s() < end) {
		struct pollfd pf = {v->out, POLLIN, 0};
		ssize_t r;

		if (poll(&pf, 1, 500) <= 0)
			continue;
		r = read(v->out, line + n, 1);
		if (r <= 0)
			break;
		if (line[n++] == '\n')
			break;
	}
	line[n] = '\0';
	cr_assert(strncmp(line, expect, strlen(expect)) == 0,
		  "expected '%s...', got '%s'", expect, line);
}

/* Stops it: the jail's outer process passes SIGTERM's death on. */
static int stop_vm(struct vm *v)
{
	int st;

	kill(v->pid, SIGTERM);
	waitpid(v->pid, &st, 0);
	forget_child(v->pid);
	close(v->out);
	return st;
}

/* Waits for it to exit by itself; its exit status. */
/* Reads what v still prints, until it closes its output (ends). */
static void read_rest(struct vm *v, char *buf, size_t size)
{
	size_t n = 0;
	ssize_t r;

	while (n < size - 1 &&
	       (r = read(v->out, buf + n, size - 1 - n)) != 0) {
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0)
			n += (size_t)r;
	}
	buf[n] = '\0';
}

static int wait_vm(struct vm *v)
{
	int st;

	waitpid(v->pid, &st, 0);
	forget_child(v->pid);
	close(v->out);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The jail tests use the plain build's mote: a sanitizer build does not
 * jail (LeakSanitizer needs /proc and ptrace). */
#define JAIL_MOTE PLAIN_BUILD "/mote"

/* net-echo on tap mtI as guest 10.199.(I+1).2, run by bin with up to two
 * extra options (NULL: none). */
static void start_echo_with(struct vm *v, int i, const char *bin,
			    const char *opt1, const char *opt2)
{
	char tap[32], addr[32];
	char *argv[20];
	int n = 0;

	snprintf(tap, sizeof(tap), "tap:mt%d", i);
	snprintf(addr, sizeof(addr), "10.199.%d.2/24", i + 1);
	argv[n++] = "ip";
	argv[n++] = "netns";
	argv[n++] = "exec";
	argv[n++] = ns;
	argv[n++] = (char *)bin;
	argv[n++] = "run";
	if (opt1)
		argv[n++] = (char *)opt1;
	if (opt2)
		argv[n++] = (char *)opt2;
	argv[n++] = "--timeout";
	argv[n++] = "100s";
	argv[n++] = "--net";
	argv[n++] = tap;
	argv[n++] = GUEST("net-echo");
	argv[n++] = "--";
	argv[n++] = addr;
	argv[n] = NULL;
	start_vm(v, argv, "net-echo: up");
}

static void start_echo(struct vm *v, int i)
{
	start_echo_with(v, i, MOTE_BIN, NULL, NULL);
}

/*
 * Sends n datagrams of varied sizes and contents to guest i's echo port
 * from inside the namespace (a forked child that joins it), and checks
 * that each comes back unchanged. Returns the number that did.
 */
static int udp_round_trips(int i, int n)
{
	char path[64];
	pid_t pid;
	int st;

	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		struct sockaddr_in sa = {.sin_family = AF_INET,
					 .sin_port = htons(7)};
		struct timeval tv = {1, 0};
		static uint8_t tx[1472], rx[2048];
		char ip[32];
		int fd = open(path, O_RDONLY | O_CLOEXEC), s, ok = 0;

		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
			_exit(255);
		snprintf(ip, sizeof(ip), "10.199.%d.2", i + 1);
		inet_pton(AF_INET, ip, &sa.sin_addr);
		s = socket(AF_INET, SOCK_DGRAM, 0);
		if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) ||
		    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
			_exit(255);
		for (int k = 0; k < n; k++) {
			size_t len = 1 + (size_t)(k * 97) % sizeof(tx);
			ssize_t r;

			for (size_t j = 0; j < len; j++)
				tx[j] = (uint8_t)(k * 31 + j * 7);
			if (send(s, tx, len, 0) != (ssize_t)len)
				continue;
			r = recv(s, rx, sizeof(rx), 0);
			if (r == (ssize_t)len && memcmp(rx, tx, len) == 0)
				ok++;
		}
		_exit(ok > 254 ? 254 : ok);
	}
	waitpid(pid, &st, 0);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) != 255,
		  "UDP client could not start");
	return WEXITSTATUS(st);
}

/* Pings guest i count times; the number of replies. */
static int ping(int i, int count, const char *interval)
{
	char cmd[256];
	FILE *f;
	int tx = -1, rx = -1;
	char line[256];

	snprintf(cmd, sizeof(cmd),
		 "ip netns exec %s ping -c %d -i %s -W 1 10.199.%d.2 2>&1", ns,
		 count, interval, i + 1);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%d packets transmitted, %d received", &tx,
			   &rx) == 2)
			break;
	while (fgets(line, sizeof(line), f))
		;
	pclose(f);
	return rx;
}

static void require_ping(void)
{
	cr_assert(sh("command -v ping >/dev/null"),
		  "ping is missing: apt-get install iputils-ping");
}

static void echo_test(const char *bin, const char *opt1, const char *opt2)
{
	struct vm v;

	require_ping();
	add_tap(0);
	start_echo_with(&v, 0, bin, opt1, opt2);
	cr_expect_eq(ping(0, 100, "0.01"), 100, "ping lost replies");
	cr_expect_eq(udp_round_trips(0, 200), 200, "UDP echoes lost");
	stop_vm(&v);
}

Test(net, ping_and_udp_echo)
{
	echo_test(MOTE_BIN, NULL, NULL);
}

/* The tap is opened before the jail and kept through it. */
Test(net, ping_and_udp_echo_jailed)
{
	echo_test(JAIL_MOTE, "--jail", NULL);
}

/* The tap is opened before the jail: a new, empty network namespace
 * around mote does not cut it off. */
Test(net, jail_netns_keeps_the_tap)
{
	echo_test(JAIL_MOTE, "--jail", "--jail-netns");
}

/* A tap opened by the caller and inherited as fd 42 works the same, and
 * mac= sets the guest's address. */
Test(net, inherited_tap_fd_and_mac)
{
	struct vm v;

	require_ping();
	add_tap(0);
	start_vm_fd(&v,
		    (char *const[]){MOTE_BIN, "run", "--timeout", "100s",
				    "--net", "fd:42,mac=52:54:00:aa:bb:cc",
				    GUEST("net-echo"), "--", "10.199.1.2/24",
				    NULL},
		    "net-echo: up 10.199.1.2 mac 52:54:00:aa:bb:cc", true);
	cr_expect_eq(ping(0, 20, "0.01"), 20, "ping lost replies");
	cr_expect_eq(udp_round_trips(0, 50), 50, "UDP echoes lost");
	stop_vm(&v);
}

/* One mote process per tap (a tap has one reader), all answering. */
Test(net, twenty_vms_each_on_its_tap)
{
	struct vm v[MAX_VMS];

	require_ping();
	for (int i = 0; i < MAX_VMS; i++)
		add_tap(i);
	for (int i = 0; i < MAX_VMS; i++)
		start_echo(&v[i], i);
	for (int i = 0; i < MAX_VMS; i++) {
		cr_expect_eq(ping(i, 5, "0.01"), 5, "VM %d: ping", i);
		cr_expect_eq(udp_round_trips(i, 10), 10, "VM %d: UDP", i);
	}
	for (int i = 0; i < MAX_VMS; i++)
		stop_vm(&v[i]);
}

/* A guest that never posts RX buffers: frames to it are read and dropped
 * (the tap does not back up), it finishes normally, and a neighbour on
 * another tap keeps answering meanwhile. */
Test(net, guest_without_rx_buffers)
{
	struct vm idle, echo;
	char rest[1024], idle_cmd[512];
	const char *drop_line;

	require_ping();
	add_tap(0);
	add_tap(1);
	start_vm(&idle,
		 (char *const[]){"ip", "netns", "exec", ns, MOTE_BIN, "run",
				 "--timeout", "30s", "--net", "tap:mt0",
				 GUEST("hello"), NULL},
		 "Hello from mote!");
	cr_expect_eq(wait_vm(&idle), 0);
	/* The silent guest must outlast the 50 pings. */
	snprintf(idle_cmd, sizeof(idle_cmd),
		 "echo started; exec %s run --timeout %us --net tap:mt0 "
		 "%s/idle.elf %u 2>&1",
		 MOTE_BIN, 30 * time_scale(), GUEST_DIR, 1500 * time_scale());
	start_vm(&idle,
		 (char *const[]){"ip", "netns", "exec", ns, "sh", "-c",
				 idle_cmd, NULL},
		 "started");
	start_echo(&echo, 1);
	/* Static ARP for the silent guest: the frames go out regardless. */
	cr_assert(sh("ip netns exec %s ip neigh replace 10.199.1.2 lladdr "
		     "52:54:00:00:00:01 dev mt0",
		     ns));
	cr_expect_eq(ping(0, 50, "0.01"), 0, "a guest without RX answered");
	cr_expect_eq(ping(1, 20, "0.01"), 20, "the neighbour stopped");
	/* It says so as it stops: one line with the count of drops. */
	read_rest(&idle, rest, sizeof(rest));
	cr_expect_eq(wait_vm(&idle), 0, "the silent guest did not finish");
	drop_line = strstr(rest, "mote: net 52:54:00:");
	cr_assert_not_null(drop_line, "no drop report in: %s", rest);
	drop_line = strstr(drop_line, ": received 0, dropped ");
	cr_assert_not_null(drop_line, "no drop count in: %s", rest);
	cr_expect_geq(strtoul(drop_line + strlen(": received 0, dropped "),
			      NULL, 10),
		      50, "fewer drops than pings: %s", rest);
	cr_expect_eq(udp_round_trips(1, 20), 20);
	stop_vm(&echo);
}

/* A tap that cannot be attached stops mote before any VM: one line, 125. */
Test(net, unusable_tap_is_one_line)
{
	struct run r;

	RUN(&r, "run", "--net", "tap:lo", GUEST("hello"));
	expect_status(&r, 125);
	cr_expect_str_eq(r.err, "mote: --net tap:lo: cannot attach: Invalid "
				"argument\n");
	RUN(&r, "run", "--net", "fd:99", GUEST("hello"));
	expect_status(&r, 125);
	cr_expect_str_eq(r.err, "mote: --net fd:99: not an open fd\n");
	RUN(&r, "run", "--net", "fd:2", GUEST("hello"));
	expect_status(&r, 125);
	cr_expect_str_eq(r.err, "mote: --net fd:2: not a tap device\n");
}

/* Every malformed --net is one exact line and exit status 2. */
Test(net, bad_options)
{
	static const struct {
		const char *arg, *msg;
	} cases[] = {
		{"eth0", "--net eth0: expected tap:NAME or fd:N"},
		{"tap:", "--net tap:: expected tap:NAME or fd:N"},
		{"fd:x", "--net fd:x: expected fd:N with N a file descriptor "
			 "number"},
		{"tap:abcdefghijklmnop",
		 "--net tap:abcdefghijklmnop: interface name longer than 15 "
		 "bytes"},
		{"tap:a,mac=01:00:00:00:00:01",
		 "--net tap:a,mac=01:00:00:00:00:01: bad MAC "
		 "'01:00:00:00:00:01' (expected a unicast aa:bb:cc:dd:ee:ff)"},
		{"tap:a,mac=52:54:00:00:00", "--net tap:a,mac=52:54:00:00:00: "
					     "bad MAC '52:54:00:00:00' "
					     "(expected a unicast "
					     "aa:bb:cc:dd:ee:ff)"},
		{"tap:a,up", "--net tap:a,up: unknown flag 'up' (expected "
			     "mac=MAC)"},
	};
	char want[512];
	struct run r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		RUN(&r, "run", "--net", (char *)cases[i].arg, GUEST("hello"));
		expect_status(&r, 2);
		snprintf(want, sizeof(want),
			 "mote run: %s\nTry 'mote run --help'.\n",
			 cases[i].msg);
		cr_expect_str_eq(r.err, want);
	}
	RUN(&r, "run", "--count", "2", "--net", "tap:a", GUEST("hello"));
	expect_status(&r, 2);
	cr_expect_str_eq(r.err, "mote run: --net: a tap belongs to one VM; "
				"not with --count above 1 or --pool\n"
				"Try 'mote run --help'.\n");
}

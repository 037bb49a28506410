/*
 * stopwatch - time commands, and what a neighbour on the wire sees of them
 *
 *   stopwatch [-N NETNS] [-l LOG] [-T TIMEOUT_MS]
 *             [-w IFACE -m MAC (-a ADDR | -f FILE)... [-g GRACE_MS] [-S MAC]]
 *             (-- CMD [ARG...] [:: CMD [ARG...]]... | -F FIFO -E LINE)
 *
 * With -S MAC (and -w), the line also gives trigger_us: the receive time of
 * the first VRRP advertisement from MAC with priority 0, the one a stopping
 * keepalived master sends, on which its backup takes over.
 *
 * With -F, no command runs: LINE and a newline are written to FIFO, which
 * a resident reader holds open (lvsdr events), in one write(2), and the
 * times count from just before it. The FIFO is opened before that moment,
 * so the figure holds the write and what the reader does, nothing else.
 *
 * Runs the commands one after the other, each forked and exec'd directly
 * (no shell), in the network namespace /run/netns/NETNS when -N is given
 * (setns only: no `ip netns exec` cost lands in the figure), with stdout
 * and stderr to LOG (default /dev/null). It stops at the first command
 * that fails.
 *
 * With -w it watches IFACE in stopwatch's own namespace, from before the
 * first command starts, for each watched address (-a, or one per line of
 * -f): the first announcement from MAC (an ARP frame with sender MAC and
 * sender address, or a neighbour advertisement for it carrying MAC), and
 * the moment the neighbour entry of IFACE moves to MAC (rtnetlink
 * RTM_NEWNEIGH). After the commands end it waits at most GRACE_MS
 * (default 1000) for what is still missing.
 *
 * Prints one line on stdout, times in microseconds from the moment just
 * before the first fork, -1 for what never happened:
 *
 *   status=N wall_us=N maxrss_kb=N
 *   ... frames=N announced=N first_frame_us=N all_frames_us=N
 *       moved=N first_move_us=N all_moved_us=N drops=N overrun=0|1
 *
 * status is the exit status of the last command run, 128+SIGNAL when a
 * signal ended it, 124 on timeout (the process group is then killed).
 * Frame times are the kernel's receive stamps (SO_TIMESTAMPNS); move times
 * are taken when the event is read. Exit status: 0, or 2 on a usage or
 * system error (message on stderr).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_packet.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/if_ether.h>
#include <netinet/ip6.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TOOL_NAME "stopwatch"
#include "../tests/helpers/tool.h"
/* Frames are read as lvsdr reads them (bench/run links src/nic.c). */
#include "nic.h"

#define SOCKET_BUFFER (16 << 20)

struct watched {
	uint8_t key[17]; /* family byte, then the address, zero-padded */
	int64_t framed_ns, moved_ns;
};

struct watch {
	int packet_fd, netlink_fd, ifindex;
	uint8_t mac[ETH_ALEN];
	struct watched *addrs;
	size_t n, cap, announced, moved;
	long frames;
	int64_t first_frame_ns, first_move_ns, all_frames_ns, all_moved_ns;
	bool trigger_set;
	uint8_t trigger_mac[ETH_ALEN];
	int64_t trigger_ns; /* -S: the first VRRP priority 0 from trigger_mac */
	bool overrun;
};

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void key_make(uint8_t key[17], int family, const void *addr)
{
	memset(key, 0, 17);
	key[0] = (uint8_t)family;
	memcpy(key + 1, addr, family == AF_INET ? 4 : 16);
}

static int key_compare(const void *a, const void *b)
{
	return memcmp(a, b, 17);
}

static void watch_add(struct watch *w, const char *text)
{
	uint8_t addr[16];
	int family = strchr(text, ':') ? AF_INET6 : AF_INET;

	if (inet_pton(family, text, addr) != 1)
		die("not an address: '%s'", text);
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 64;
		w->addrs = realloc(w->addrs, w->cap * sizeof(*w->addrs));
		if (!w->addrs)
			die("out of memory");
	}
	key_make(w->addrs[w->n].key, family, addr);
	w->addrs[w->n].framed_ns = w->addrs[w->n].moved_ns = -1;
	w->n++;
}

static void watch_add_file(struct watch *w, const char *path)
{
	char line[128];
	FILE *f = fopen(path, "r");

	if (!f)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, " \t\r\n")] = '\0';
		if (line[0])
			watch_add(w, line);
	}
	fclose(f);
}

static struct watched *watch_find(struct watch *w, int family, const void *addr)
{
	uint8_t key[17];

	key_make(key, family, addr);
	return bsearch(key, w->addrs, w->n, sizeof(*w->addrs), key_compare);
}

static void watch_open(struct watch *w, const char *ifname)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_NEIGH };
	int one = 1, size = SOCKET_BUFFER;

	qsort(w->addrs, w->n, sizeof(*w->addrs), key_compare);
	for (size_t i = 1; i < w->n; i++)
		if (!key_compare(&w->addrs[i - 1], &w->addrs[i]))
			die("an address is listed twice");
	w->ifindex = (int)if_nametoindex(ifname);
	if (!w->ifindex)
		die("no interface '%s': %s", ifname, strerror(errno));
	/* Protocol 0 until bound: ETH_P_ALL at socket() would queue frames
	 * of every interface. */
	w->packet_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (w->packet_fd < 0)
		die("packet socket: %s", strerror(errno));
	setsockopt(w->packet_fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	if (setsockopt(w->packet_fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0)
		die("SO_TIMESTAMPNS: %s", strerror(errno));
	sll.sll_ifindex = w->ifindex;
	if (bind(w->packet_fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		die("bind to %s: %s", ifname, strerror(errno));

	w->netlink_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (w->netlink_fd < 0)
		die("netlink socket: %s", strerror(errno));
	setsockopt(w->netlink_fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	if (bind(w->netlink_fd, (struct sockaddr *)&snl, sizeof(snl)) < 0)
		die("netlink bind: %s", strerror(errno));
	w->first_frame_ns = w->first_move_ns = w->all_frames_ns = w->all_moved_ns = w->trigger_ns = -1;
}

static bool watch_done(const struct watch *w)
{
	return w->announced == w->n && w->moved == w->n;
}

static void seen_frame(struct watch *w, struct watched *a, int64_t t)
{
	w->frames++;
	if (w->first_frame_ns < 0)
		w->first_frame_ns = t;
	if (a->framed_ns < 0) {
		a->framed_ns = t;
		if (++w->announced == w->n)
			w->all_frames_ns = t;
	}
}

/* An announcement of a watched address from the watched MAC: ARP with it
 * as sender (request or reply), or an NA for it with the MAC as target
 * link-layer address. */
static void frame_check(struct watch *w, const uint8_t *buf, size_t len, int64_t t)
{
	const struct ether_header *eth = (const void *)buf;
	struct watched *a;

	if (len < sizeof(*eth))
		return;
	/* VRRP (IP protocol 112): its priority is the third byte. */
	if (w->trigger_set && w->trigger_ns < 0 && ntohs(eth->ether_type) == ETHERTYPE_IP &&
	    !memcmp(eth->ether_shost, w->trigger_mac, ETH_ALEN) && len >= sizeof(*eth) + 20 + 3) {
		const uint8_t *ip = (const uint8_t *)(eth + 1);
		size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
		if (ip[9] == 112 && len >= sizeof(*eth) + ihl + 3 && ip[ihl + 2] == 0)
			w->trigger_ns = t;
		return;
	}
	if (ntohs(eth->ether_type) == ETHERTYPE_ARP) {
		const struct ether_arp *arp = (const void *)(eth + 1);
		if (len < sizeof(*eth) + sizeof(*arp) || arp->arp_hln != ETH_ALEN || arp->arp_pln != 4 ||
		    memcmp(arp->arp_sha, w->mac, ETH_ALEN))
			return;
		if ((a = watch_find(w, AF_INET, arp->arp_spa)))
			seen_frame(w, a, t);
	} else if (ntohs(eth->ether_type) == ETHERTYPE_IPV6) {
		const struct ip6_hdr *ip6 = (const void *)(eth + 1);
		const struct nd_neighbor_advert *na = (const void *)(ip6 + 1);
		const uint8_t *opt, *end;
		size_t plen;

		if (len < sizeof(*eth) + sizeof(*ip6) + sizeof(*na))
			return;
		plen = ntohs(ip6->ip6_plen);
		if (ip6->ip6_nxt != IPPROTO_ICMPV6 || na->nd_na_type != ND_NEIGHBOR_ADVERT ||
		    sizeof(*eth) + sizeof(*ip6) + plen > len || plen < sizeof(*na))
			return;
		end = (const uint8_t *)(ip6 + 1) + plen;
		for (opt = (const uint8_t *)(na + 1); opt + 8 <= end && opt[1]; opt += opt[1] * 8) {
			if (opt[0] == ND_OPT_TARGET_LINKADDR && opt[1] == 1 && !memcmp(opt + 2, w->mac, ETH_ALEN)) {
				if ((a = watch_find(w, AF_INET6, &na->nd_na_target)))
					seen_frame(w, a, t);
				return;
			}
		}
	}
}

static void packet_read(struct watch *w)
{
	for (;;) {
		uint8_t buf[2048];
		struct timespec when;
		bool outgoing;
		ssize_t n = packet_socket_take(w->packet_fd, buf, sizeof(buf), &outgoing, &when);

		if (n == -EAGAIN || n == -EINTR)
			return;
		if (n < 0)
			die("packet recv: %s", strerror((int)-n));
		if (outgoing)
			continue;
		frame_check(w, buf, (size_t)n, (int64_t)when.tv_sec * 1000000000 + when.tv_nsec);
	}
}

static void neigh_check(struct watch *w, const struct nlmsghdr *h, int64_t t)
{
	const struct ndmsg *nd = NLMSG_DATA(h);
	const void *dst = NULL, *lladdr = NULL;
	size_t dst_len = 0, ll_len = 0;
	struct watched *a;
	int len;

	if (h->nlmsg_type != RTM_NEWNEIGH || h->nlmsg_len < NLMSG_LENGTH(sizeof(*nd)) ||
	    nd->ndm_ifindex != w->ifindex || (nd->ndm_family != AF_INET && nd->ndm_family != AF_INET6))
		return;
	len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*nd)));
	for (const struct rtattr *rta = (const void *)((const char *)nd + NLMSG_ALIGN(sizeof(*nd))); RTA_OK(rta, len);
	     rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == NDA_DST) {
			dst = RTA_DATA(rta);
			dst_len = RTA_PAYLOAD(rta);
		} else if (rta->rta_type == NDA_LLADDR) {
			lladdr = RTA_DATA(rta);
			ll_len = RTA_PAYLOAD(rta);
		}
	}
	if (!dst || dst_len != (nd->ndm_family == AF_INET ? 4u : 16u) || !lladdr || ll_len != ETH_ALEN ||
	    memcmp(lladdr, w->mac, ETH_ALEN))
		return;
	if (!(a = watch_find(w, nd->ndm_family, dst)) || a->moved_ns >= 0)
		return;
	a->moved_ns = t;
	if (w->first_move_ns < 0)
		w->first_move_ns = t;
	if (++w->moved == w->n)
		w->all_moved_ns = t;
}

static void netlink_read(struct watch *w)
{
	for (;;) {
		char buf[65536] __attribute__((aligned(NLMSG_ALIGNTO)));
		ssize_t n = recv(w->netlink_fd, buf, sizeof(buf), MSG_DONTWAIT);
		int64_t t = clock_ns(CLOCK_REALTIME);

		if (n < 0) {
			if (errno == ENOBUFS) {
				w->overrun = true;
				continue;
			}
			if (errno == EAGAIN || errno == EINTR)
				return;
			die("netlink recv: %s", strerror(errno));
		}
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n))
			neigh_check(w, h, t);
	}
}

static pid_t spawn(char **argv, int netns_fd, int log_fd)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid > 0)
		return pid;
	/* Its own process group, so a timeout ends whatever it started. */
	setpgid(0, 0);
	if (netns_fd >= 0 && setns(netns_fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "stopwatch: setns: %s\n", strerror(errno));
		_exit(126);
	}
	dup2(log_fd, STDOUT_FILENO);
	dup2(log_fd, STDERR_FILENO);
	execvp(argv[0], argv);
	fprintf(stderr, "stopwatch: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static void usage(void)
{
	fputs("usage: stopwatch [-N NETNS] [-l LOG] [-T TIMEOUT_MS] [-w IFACE -m MAC (-a ADDR | -f FILE)... "
	      "[-g GRACE_MS] [-S MAC]] (-- CMD [ARG...] [:: CMD [ARG...]]... | -F FIFO -E LINE)\n",
	      stderr);
	exit(2);
}

static long us_since(int64_t t, int64_t t0)
{
	return t < 0 ? -1 : (long)((t - t0) / 1000);
}

int main(int argc, char **argv)
{
	struct watch w = { .packet_fd = -1, .netlink_fd = -1 };
	const char *netns = NULL, *log = "/dev/null", *ifname = NULL, *mac = NULL;
	long timeout_ms = 120000, grace_ms = 1000, maxrss = 0;
	int opt, netns_fd = -1, log_fd, status = 0;
	char **cmd;
	int64_t t0_real, t0, deadline, end = -1;
	bool running = false, timed_out = false;
	pid_t pid = -1;
	int pidfd = -1, fifo_fd = -1;
	const char *fifo = NULL, *event = NULL;

	while ((opt = getopt(argc, argv, "+N:l:T:w:m:a:f:g:F:E:S:")) != -1) {
		switch (opt) {
		case 'N':
			netns = optarg;
			break;
		case 'l':
			log = optarg;
			break;
		case 'T':
			timeout_ms = parse_number(optarg, 1, 3600000, "TIMEOUT_MS");
			break;
		case 'w':
			ifname = optarg;
			break;
		case 'm':
			mac = optarg;
			break;
		case 'a':
			watch_add(&w, optarg);
			break;
		case 'f':
			watch_add_file(&w, optarg);
			break;
		case 'g':
			grace_ms = parse_number(optarg, 0, 600000, "GRACE_MS");
			break;
		case 'F':
			fifo = optarg;
			break;
		case 'S':
			if (sscanf(optarg, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &w.trigger_mac[0], &w.trigger_mac[1],
				   &w.trigger_mac[2], &w.trigger_mac[3], &w.trigger_mac[4], &w.trigger_mac[5]) != 6)
				die("not a MAC address: '%s'", optarg);
			w.trigger_set = true;
			break;
		case 'E':
			event = optarg;
			break;
		default:
			usage();
		}
	}
	if ((optind >= argc) == !fifo || !fifo != !event || (ifname && (!mac || !w.n)) || (!ifname && (mac || w.n)))
		usage();
	cmd = argv + optind;
	if (ifname) {
		if (sscanf(mac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &w.mac[0], &w.mac[1], &w.mac[2], &w.mac[3], &w.mac[4],
			   &w.mac[5]) != 6)
			die("not a MAC address: '%s'", mac);
		watch_open(&w, ifname);
	}
	if (netns) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "/run/netns/%s", netns);
		if ((netns_fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			die("%s: %s", path, strerror(errno));
	}
	if ((log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0)
		die("%s: %s", log, strerror(errno));
	/* O_NONBLOCK: with no reader there, fail at once rather than wait. */
	if (fifo && (fifo_fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
		die("%s: %s", fifo, strerror(errno));

	t0_real = clock_ns(CLOCK_REALTIME);
	t0 = clock_ns(CLOCK_MONOTONIC);
	deadline = t0 + timeout_ms * 1000000;
	if (fifo) {
		char line[4096];
		int len = snprintf(line, sizeof(line), "%s\n", event);
		if (len >= (int)sizeof(line) || write(fifo_fd, line, (size_t)len) != len)
			die("%s: cannot write the line: %s", fifo, strerror(errno));
		end = clock_ns(CLOCK_MONOTONIC);
		close(fifo_fd);
	}
	for (;;) {
		struct pollfd pfd[3];
		int nfds = 0, wait_ms;
		int64_t now = clock_ns(CLOCK_MONOTONIC), until;

		if (!running && end < 0) {
			/* start the next command: argv up to the next "::" */
			char **next = cmd;
			while (*next && strcmp(*next, "::"))
				next++;
			bool more = *next != NULL;
			*next = NULL;
			pid = spawn(cmd, netns_fd, log_fd);
			/* woken the moment the command ends; without it, polled */
			pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
			running = true;
			cmd = more ? next + 1 : NULL;
		}
		if (!running && (!ifname || watch_done(&w) || now >= end + grace_ms * 1000000))
			break;
		if (running && now >= deadline) {
			kill(-pid, SIGKILL);
			timed_out = true;
		}
		if (ifname) {
			pfd[nfds++] = (struct pollfd){ .fd = w.packet_fd, .events = POLLIN };
			pfd[nfds++] = (struct pollfd){ .fd = w.netlink_fd, .events = POLLIN };
		}
		if (running && pidfd >= 0)
			pfd[nfds++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		until = running ? deadline : end + grace_ms * 1000000;
		wait_ms = until > now ? (int)((until - now) / 1000000) + 1 : 0;
		if (running && pidfd < 0 && wait_ms > 1)
			wait_ms = 1;
		if (poll(pfd, (nfds_t)nfds, wait_ms) < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (ifname) {
			packet_read(&w);
			netlink_read(&w);
		}
		if (running) {
			struct rusage ru;
			int ws;
			pid_t r = wait4(pid, &ws, WNOHANG, &ru);
			if (r == pid) {
				running = false;
				if (pidfd >= 0)
					close(pidfd);
				pidfd = -1;
				if (ru.ru_maxrss > maxrss)
					maxrss = ru.ru_maxrss;
				status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
				if (timed_out)
					status = 124;
				if (status || !cmd)
					end = clock_ns(CLOCK_MONOTONIC);
			}
		}
	}
	/* Anything the kernel still holds was received before we stopped. */
	if (ifname) {
		packet_read(&w);
		netlink_read(&w);
	}
	printf("status=%d wall_us=%ld maxrss_kb=%ld", status, (long)((end - t0) / 1000), maxrss);
	if (ifname) {
		struct tpacket_stats st = { 0 };
		socklen_t sl = sizeof(st);
		getsockopt(w.packet_fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl);
		printf(" frames=%ld announced=%zu first_frame_us=%ld all_frames_us=%ld moved=%zu first_move_us=%ld "
		       "all_moved_us=%ld drops=%u overrun=%d",
		       w.frames, w.announced, us_since(w.first_frame_ns, t0_real), us_since(w.all_frames_ns, t0_real),
		       w.moved, us_since(w.first_move_ns, t0_real), us_since(w.all_moved_ns, t0_real), st.tp_drops,
		       w.overrun);
		if (w.trigger_set)
			printf(" trigger_us=%ld", us_since(w.trigger_ns, t0_real));
	}
	putchar('\n');
	return 0;
}

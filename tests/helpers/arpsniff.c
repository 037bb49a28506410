/*
 * arpsniff - print the ARP and IPv6 neighbour discovery frames an interface receives
 *
 *   arpsniff [-d DURATION_MS] [-n MAXFRAMES] IFACE
 *
 * Prints "ready" on stderr once the socket is bound (a test waits for it
 * before it triggers anything), then one line per frame on stdout, flushed
 * at once, with the kernel's receive time in CLOCK_REALTIME nanoseconds:
 *
 *   t=NS arp op=request|reply|OP eth_src=MAC eth_dst=MAC sha=MAC spa=IP tha=MAC tpa=IP
 *   t=NS ns eth_src=MAC eth_dst=MAC src=IP6 dst=IP6 target=IP6 slla=MAC|-
 *   t=NS na eth_src=MAC eth_dst=MAC src=IP6 dst=IP6 target=IP6 flags=[R][S][O]|- tlla=MAC|-
 *
 * Frames the interface sends itself are not printed. Ends after DURATION_MS
 * (default 2000) or MAXFRAMES printed lines (default 0: no limit).
 * Exit status: 0, or 2 on error (message on stderr).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/if_ether.h>
#include <netinet/in.h>
#include <netinet/ip6.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TOOL_NAME "arpsniff"
#include "tool.h"

#define MAC_STR_LEN 18

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *mac_str(const uint8_t *m, char *buf)
{
	snprintf(buf, MAC_STR_LEN, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

/* Each printer returns 1 when it printed a line, 0 for a frame it does not want. */
static int arp_print(int64_t t, const uint8_t *buf, size_t len)
{
	const struct ether_header *eth = (const void *)buf;
	const struct ether_arp *arp = (const void *)(eth + 1);
	char es[MAC_STR_LEN], ed[MAC_STR_LEN], sha[MAC_STR_LEN], tha[MAC_STR_LEN];
	char spa[INET_ADDRSTRLEN], tpa[INET_ADDRSTRLEN], opbuf[8];
	const char *op;

	if (len < sizeof(*eth) + sizeof(*arp))
		return 0;
	if (ntohs(arp->arp_hrd) != ARPHRD_ETHER || ntohs(arp->arp_pro) != ETHERTYPE_IP ||
	    arp->arp_hln != ETH_ALEN || arp->arp_pln != 4)
		return 0;
	switch (ntohs(arp->arp_op)) {
	case ARPOP_REQUEST:
		op = "request";
		break;
	case ARPOP_REPLY:
		op = "reply";
		break;
	default:
		snprintf(opbuf, sizeof(opbuf), "%u", ntohs(arp->arp_op));
		op = opbuf;
	}
	inet_ntop(AF_INET, arp->arp_spa, spa, sizeof(spa));
	inet_ntop(AF_INET, arp->arp_tpa, tpa, sizeof(tpa));
	printf("t=%lld arp op=%s eth_src=%s eth_dst=%s sha=%s spa=%s tha=%s tpa=%s\n", (long long)t, op,
	       mac_str(eth->ether_shost, es), mac_str(eth->ether_dhost, ed), mac_str(arp->arp_sha, sha), spa,
	       mac_str(arp->arp_tha, tha), tpa);
	return 1;
}

/* Neighbour solicitations and advertisements; every other IPv6 frame is skipped. */
static int ndisc_print(int64_t t, const uint8_t *buf, size_t len)
{
	const struct ether_header *eth = (const void *)buf;
	const struct ip6_hdr *ip6 = (const void *)(eth + 1);
	const struct icmp6_hdr *icmp = (const void *)(ip6 + 1);
	/* NS and NA share the layout: 4 bytes of header, 4 of flags/reserved, the target */
	const struct in6_addr *target = (const void *)((const uint8_t *)icmp + 8);
	const uint8_t *opt, *end, *lladdr = NULL;
	char es[MAC_STR_LEN], ed[MAC_STR_LEN], ll[MAC_STR_LEN];
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], tgt[INET6_ADDRSTRLEN];
	size_t plen;
	int want_opt;

	if (len < sizeof(*eth) + sizeof(*ip6) + 24)
		return 0;
	plen = ntohs(ip6->ip6_plen);
	if ((ip6->ip6_vfc >> 4) != 6 || ip6->ip6_nxt != IPPROTO_ICMPV6 || plen < 24 ||
	    sizeof(*eth) + sizeof(*ip6) + plen > len)
		return 0;
	if (icmp->icmp6_type != ND_NEIGHBOR_SOLICIT && icmp->icmp6_type != ND_NEIGHBOR_ADVERT)
		return 0;
	want_opt = icmp->icmp6_type == ND_NEIGHBOR_SOLICIT ? ND_OPT_SOURCE_LINKADDR : ND_OPT_TARGET_LINKADDR;
	end = (const uint8_t *)ip6 + sizeof(*ip6) + plen;
	for (opt = (const uint8_t *)icmp + 24; opt + 2 <= end; opt += opt[1] * 8) {
		if (opt[1] == 0 || opt + opt[1] * 8 > end)
			break; /* malformed options: print what the fixed part says */
		if (opt[0] == want_opt && opt[1] == 1)
			lladdr = opt + 2;
	}
	inet_ntop(AF_INET6, &ip6->ip6_src, src, sizeof(src));
	inet_ntop(AF_INET6, &ip6->ip6_dst, dst, sizeof(dst));
	inet_ntop(AF_INET6, target, tgt, sizeof(tgt));
	mac_str(eth->ether_shost, es);
	mac_str(eth->ether_dhost, ed);
	if (icmp->icmp6_type == ND_NEIGHBOR_SOLICIT) {
		printf("t=%lld ns eth_src=%s eth_dst=%s src=%s dst=%s target=%s slla=%s\n", (long long)t, es, ed,
		       src, dst, tgt, lladdr ? mac_str(lladdr, ll) : "-");
	} else {
		uint32_t f = ((const struct nd_neighbor_advert *)(const void *)icmp)->nd_na_flags_reserved;
		char flags[4], *p = flags;

		if (f & ND_NA_FLAG_ROUTER)
			*p++ = 'R';
		if (f & ND_NA_FLAG_SOLICITED)
			*p++ = 'S';
		if (f & ND_NA_FLAG_OVERRIDE)
			*p++ = 'O';
		if (p == flags)
			*p++ = '-';
		*p = '\0';
		printf("t=%lld na eth_src=%s eth_dst=%s src=%s dst=%s target=%s flags=%s tlla=%s\n", (long long)t,
		       es, ed, src, dst, tgt, flags, lladdr ? mac_str(lladdr, ll) : "-");
	}
	return 1;
}

/* The kernel's receive time; the time of reading if the control message is missing. */
static int64_t rx_time_ns(struct msghdr *msg)
{
	struct cmsghdr *c;
	struct timespec ts;

	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		}
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void usage(void)
{
	fputs("usage: arpsniff [-d DURATION_MS] [-n MAXFRAMES] IFACE\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	long duration_ms = 2000, max_frames = 0, printed = 0;
	struct sockaddr_ll sll;
	int fd, opt, one = 1;
	unsigned int ifindex;
	int64_t deadline, left;

	while ((opt = getopt(argc, argv, "d:n:")) != -1) {
		switch (opt) {
		case 'd':
			duration_ms = parse_number(optarg, 1, 3600000, "DURATION_MS");
			break;
		case 'n':
			max_frames = parse_number(optarg, 0, 1000000, "MAXFRAMES");
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	ifindex = if_nametoindex(argv[optind]);
	if (!ifindex)
		die("no interface '%s': %s", argv[optind], strerror(errno));

	/*
	 * Protocol 0 at socket() and ETH_P_ALL at bind(): a socket opened with
	 * ETH_P_ALL would queue frames from every interface until bind().
	 */
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		die("packet socket: %s (needs CAP_NET_RAW)", strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0)
		die("SO_TIMESTAMPNS: %s", strerror(errno));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		die("bind to %s: %s", argv[optind], strerror(errno));
	deadline = now_ms() + duration_ms;
	fputs("ready\n", stderr);
	fflush(stderr);

	while ((left = deadline - now_ms()) > 0 && (!max_frames || printed < max_frames)) {
		/* Two bytes in: the IP header after Ethernet is 4-byte aligned. */
		union {
			uint32_t align;
			uint8_t raw[2 + 2048];
		} frame;
		uint8_t *buf = frame.raw + 2;
		union {
			char buf[CMSG_SPACE(sizeof(struct timespec))];
			struct cmsghdr align;
		} control;
		struct sockaddr_ll from;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(frame.raw) - 2 };
		struct msghdr msg = {
			.msg_name = &from,
			.msg_namelen = sizeof(from),
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = control.buf,
			.msg_controllen = sizeof(control.buf),
		};
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		const struct ether_header *eth = (const void *)buf;
		int r = poll(&pfd, 1, (int)(left > INT_MAX ? INT_MAX : left));
		ssize_t n;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("poll: %s", strerror(errno));
		if (r == 0)
			break;
		n = recvmsg(fd, &msg, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			die("recv: %s", strerror(errno));
		}
		if (from.sll_pkttype == PACKET_OUTGOING || (size_t)n < sizeof(*eth))
			continue;
		switch (ntohs(eth->ether_type)) {
		case ETHERTYPE_ARP:
			printed += arp_print(rx_time_ns(&msg), buf, (size_t)n);
			break;
		case ETHERTYPE_IPV6:
			printed += ndisc_print(rx_time_ns(&msg), buf, (size_t)n);
			break;
		}
		/* a test reads the lines while we run: never leave one in the buffer */
		if (fflush(stdout) == EOF)
			die("stdout: %s", strerror(errno));
	}
	close(fd);
	return 0;
}

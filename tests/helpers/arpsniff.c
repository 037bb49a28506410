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
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TOOL_NAME "arpsniff"
#include "tool.h"

/* The socket and the MAC text are lvsdr's own (nic.h): the frames are
 * parsed here, apart from the product's parser they judge. */
#include "nic.h"
#include "util.h"

static int64_t now_ms(void)
{
	return (int64_t)(monotonic_ns() / 1000000);
}

/* Each printer returns 1 when it printed a line, 0 for a frame it does not want. */
static int arp_print(int64_t t, const uint8_t *buf, size_t len)
{
	const struct ether_header *eth = (const void *)buf;
	const struct ether_arp *arp = (const void *)(eth + 1);
	char es[MAC_TEXT_LEN], ed[MAC_TEXT_LEN], sha[MAC_TEXT_LEN], tha[MAC_TEXT_LEN];
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
	       mac_format(eth->ether_shost, es), mac_format(eth->ether_dhost, ed), mac_format(arp->arp_sha, sha), spa,
	       mac_format(arp->arp_tha, tha), tpa);
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
	char es[MAC_TEXT_LEN], ed[MAC_TEXT_LEN], ll[MAC_TEXT_LEN];
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
	mac_format(eth->ether_shost, es);
	mac_format(eth->ether_dhost, ed);
	if (icmp->icmp6_type == ND_NEIGHBOR_SOLICIT) {
		printf("t=%lld ns eth_src=%s eth_dst=%s src=%s dst=%s target=%s slla=%s\n", (long long)t, es, ed,
		       src, dst, tgt, lladdr ? mac_format(lladdr, ll) : "-");
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
		       es, ed, src, dst, tgt, flags, lladdr ? mac_format(lladdr, ll) : "-");
	}
	return 1;
}

static void usage(void)
{
	fputs("usage: arpsniff [-d DURATION_MS] [-n MAXFRAMES] IFACE\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	long duration_ms = 2000, max_frames = 0, printed = 0;
	const struct packet_socket_options receive_stamped = { .timestamps = true };
	char err[256];
	int fd, opt;
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

	fd = packet_socket_open((int)ifindex, argv[optind], &receive_stamped, err, sizeof(err));
	if (fd < 0)
		die("%s", err);
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
		struct timespec when;
		bool outgoing;
		int64_t t;
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
		n = packet_socket_take(fd, buf, sizeof(frame.raw) - 2, &outgoing, &when);
		if (n == -EAGAIN || n == -EINTR)
			continue;
		if (n < 0)
			die("recv: %s", strerror((int)-n));
		if (outgoing || (size_t)n < sizeof(*eth))
			continue;
		t = (int64_t)when.tv_sec * 1000000000 + when.tv_nsec;
		switch (ntohs(eth->ether_type)) {
		case ETHERTYPE_ARP:
			printed += arp_print(t, buf, (size_t)n);
			break;
		case ETHERTYPE_IPV6:
			printed += ndisc_print(t, buf, (size_t)n);
			break;
		}
		/* a test reads the lines while we run: never leave one in the buffer */
		if (fflush(stdout) == EOF)
			die("stdout: %s", strerror(errno));
	}
	close(fd);
	return 0;
}

/*
 * arpwho - who answers for this address on this link?
 *
 *   arpwho [-t TIMEOUT_MS] [-c COUNT] IFACE ADDRESS
 *
 * IPv4: sends COUNT broadcast ARP requests for ADDRESS (sender = IFACE's MAC
 * and first IPv4 address) and collects every ARP reply whose sender IP is
 * ADDRESS. IPv6: sends COUNT neighbour solicitations to ADDRESS's
 * solicited-node group (hop limit 255, source link-layer option, source =
 * IFACE's global address) and collects the advertisements for ADDRESS.
 * Collection stops TIMEOUT_MS after the last request, so a run always ends.
 *
 * Prints each distinct responder MAC on its own line, lowercase, sorted.
 * Exit status: 0 someone answered, 1 nobody answered, 2 error.
 *
 * Raw frames on an AF_PACKET socket rather than the kernel's neighbour code:
 * the kernel keeps one entry per address and would hide the second answer,
 * which is exactly the leak the tests look for.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
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
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TOOL_NAME "arpwho"
#include "tool.h"

#define ARPWHO_MAX_MACS 64
/* Gap between two requests: long enough to spread them, short enough to keep tests fast. */
#define ARPWHO_INTERVAL_MS 50

struct arpwho {
	int family; /* AF_INET or AF_INET6 */
	int fd;
	int ifindex;
	uint8_t mac[ETH_ALEN]; /* ours */
	struct in_addr src4, target4;
	struct in6_addr src6, target6;
	uint8_t seen[ARPWHO_MAX_MACS][ETH_ALEN];
	int nseen;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The interface's own addresses: MAC, first IPv4, and an IPv6 global (else link-local). */
static void iface_lookup(struct arpwho *w, const char *ifname)
{
	struct ifaddrs *ifa, *i;
	struct ifreq ifr;
	bool have4 = false, have6 = false, have6_global = false;

	w->ifindex = (int)if_nametoindex(ifname);
	if (!w->ifindex)
		die("no interface '%s': %s", ifname, strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	if (strlen(ifname) >= sizeof(ifr.ifr_name))
		die("interface name '%s' too long", ifname);
	strcpy(ifr.ifr_name, ifname);
	if (ioctl(w->fd, SIOCGIFHWADDR, &ifr) < 0)
		die("cannot read the MAC of %s: %s", ifname, strerror(errno));
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		die("%s is not an Ethernet interface", ifname);
	memcpy(w->mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);

	if (getifaddrs(&ifa) < 0)
		die("getifaddrs: %s", strerror(errno));
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || strcmp(i->ifa_name, ifname))
			continue;
		if (i->ifa_addr->sa_family == AF_INET && !have4) {
			w->src4 = ((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr;
			have4 = true;
		} else if (i->ifa_addr->sa_family == AF_INET6 && !have6_global) {
			const struct in6_addr *a = &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr;

			if (IN6_IS_ADDR_LINKLOCAL(a) && have6)
				continue;
			w->src6 = *a;
			have6 = true;
			have6_global = !IN6_IS_ADDR_LINKLOCAL(a);
		}
	}
	freeifaddrs(ifa);
	if (w->family == AF_INET && !have4)
		die("%s has no IPv4 address to send from", ifname);
	if (w->family == AF_INET6 && !have6)
		die("%s has no IPv6 address to send from", ifname);
}

static void send_frame(struct arpwho *w, const void *frame, size_t len)
{
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_ifindex = w->ifindex,
		.sll_halen = ETH_ALEN,
	};

	memcpy(to.sll_addr, frame, ETH_ALEN); /* the frame's own destination */
	if (sendto(w->fd, frame, len, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)len)
		die("send: %s", strerror(errno));
}

static void arp_request_send(struct arpwho *w)
{
	struct {
		struct ether_header eth;
		struct ether_arp arp;
	} __attribute__((packed)) f;

	memset(&f, 0, sizeof(f));
	memset(f.eth.ether_dhost, 0xff, ETH_ALEN);
	memcpy(f.eth.ether_shost, w->mac, ETH_ALEN);
	f.eth.ether_type = htons(ETHERTYPE_ARP);
	f.arp.arp_hrd = htons(ARPHRD_ETHER);
	f.arp.arp_pro = htons(ETHERTYPE_IP);
	f.arp.arp_hln = ETH_ALEN;
	f.arp.arp_pln = 4;
	f.arp.arp_op = htons(ARPOP_REQUEST);
	memcpy(f.arp.arp_sha, w->mac, ETH_ALEN);
	memcpy(f.arp.arp_spa, &w->src4, 4);
	/* arp_tha stays 00:00:00:00:00:00, as the kernel's own requests have it */
	memcpy(f.arp.arp_tpa, &w->target4, 4);
	send_frame(w, &f, sizeof(f));
}

/* addrs: the IPv6 source then destination, 32 bytes; payload: the ICMPv6 message. */
static uint16_t icmp6_checksum(const uint8_t *addrs, const uint8_t *payload, size_t len)
{
	const uint8_t *p = addrs;
	uint32_t sum = 0;
	size_t i;

	/* pseudo-header: source, destination, upper-layer length, next header */
	for (i = 0; i < 32; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	sum += (uint32_t)len;
	sum += IPPROTO_ICMPV6;
	p = payload;
	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static void ndisc_solicit_send(struct arpwho *w)
{
	struct {
		struct ether_header eth;
		struct ip6_hdr ip6;
		struct nd_neighbor_solicit ns;
		struct nd_opt_hdr opt;
		uint8_t opt_mac[ETH_ALEN];
	} __attribute__((packed)) f;
	const uint8_t *t = w->target6.s6_addr;
	size_t icmp_len = sizeof(f.ns) + sizeof(f.opt) + sizeof(f.opt_mac);

	memset(&f, 0, sizeof(f));
	/* solicited-node group ff02::1:ffXX:XXXX and its MAC 33:33:ff:XX:XX:XX (RFC 4291, 2464) */
	f.eth.ether_dhost[0] = 0x33;
	f.eth.ether_dhost[1] = 0x33;
	f.eth.ether_dhost[2] = 0xff;
	memcpy(&f.eth.ether_dhost[3], &t[13], 3);
	memcpy(f.eth.ether_shost, w->mac, ETH_ALEN);
	f.eth.ether_type = htons(ETHERTYPE_IPV6);
	f.ip6.ip6_flow = htonl(6u << 28);
	f.ip6.ip6_plen = htons((uint16_t)icmp_len);
	f.ip6.ip6_nxt = IPPROTO_ICMPV6;
	f.ip6.ip6_hlim = 255; /* receivers drop ND with any other hop limit (RFC 4861 7.1.1) */
	f.ip6.ip6_src = w->src6;
	f.ip6.ip6_dst.s6_addr[0] = 0xff;
	f.ip6.ip6_dst.s6_addr[1] = 0x02;
	f.ip6.ip6_dst.s6_addr[11] = 0x01;
	f.ip6.ip6_dst.s6_addr[12] = 0xff;
	memcpy(&f.ip6.ip6_dst.s6_addr[13], &t[13], 3);
	f.ns.nd_ns_type = ND_NEIGHBOR_SOLICIT;
	f.ns.nd_ns_target = w->target6;
	f.opt.nd_opt_type = ND_OPT_SOURCE_LINKADDR;
	f.opt.nd_opt_len = 1; /* in units of 8 bytes */
	memcpy(f.opt_mac, w->mac, ETH_ALEN);
	/* byte offsets into the packed frame: no unaligned pointers to its members */
	f.ns.nd_ns_cksum = icmp6_checksum((const uint8_t *)&f + sizeof(f.eth) + offsetof(struct ip6_hdr, ip6_src),
					  (const uint8_t *)&f + sizeof(f.eth) + sizeof(f.ip6), icmp_len);
	send_frame(w, &f, sizeof(f));
}

static void seen_add(struct arpwho *w, const uint8_t *mac)
{
	int i;

	for (i = 0; i < w->nseen; i++)
		if (!memcmp(w->seen[i], mac, ETH_ALEN))
			return;
	if (w->nseen == ARPWHO_MAX_MACS)
		die("more than %d different MACs answered", ARPWHO_MAX_MACS);
	memcpy(w->seen[w->nseen++], mac, ETH_ALEN);
}

/* An ARP reply whose sender is the address we asked about: the answer is its sender MAC. */
static void arp_reply_parse(struct arpwho *w, const uint8_t *buf, size_t len)
{
	const struct ether_arp *arp = (const void *)(buf + sizeof(struct ether_header));

	if (len < sizeof(struct ether_header) + sizeof(*arp))
		return;
	if (ntohs(arp->arp_hrd) != ARPHRD_ETHER || ntohs(arp->arp_pro) != ETHERTYPE_IP ||
	    arp->arp_hln != ETH_ALEN || arp->arp_pln != 4 || ntohs(arp->arp_op) != ARPOP_REPLY)
		return;
	if (memcmp(arp->arp_spa, &w->target4, 4))
		return;
	seen_add(w, arp->arp_sha);
}

/*
 * A neighbour advertisement for our target. The answer is the MAC the node
 * advertises in its target link-layer option; a solicited NA to a unicast
 * address may omit the option (RFC 4861 7.2.4), then the frame's source is
 * all we have.
 */
static void ndisc_advert_parse(struct arpwho *w, const uint8_t *buf, size_t len)
{
	const struct ether_header *eth = (const void *)buf;
	const struct ip6_hdr *ip6 = (const void *)(buf + sizeof(*eth));
	const struct nd_neighbor_advert *na = (const void *)(ip6 + 1);
	const uint8_t *opt, *end, *mac = eth->ether_shost;
	size_t plen;

	if (len < sizeof(*eth) + sizeof(*ip6) + sizeof(*na))
		return;
	plen = ntohs(ip6->ip6_plen);
	if ((ip6->ip6_vfc >> 4) != 6 || ip6->ip6_nxt != IPPROTO_ICMPV6 || ip6->ip6_hlim != 255 ||
	    plen < sizeof(*na) || sizeof(*eth) + sizeof(*ip6) + plen > len)
		return;
	if (na->nd_na_type != ND_NEIGHBOR_ADVERT || na->nd_na_code != 0 ||
	    memcmp(&na->nd_na_target, &w->target6, sizeof(w->target6)))
		return;
	end = (const uint8_t *)ip6 + sizeof(*ip6) + plen;
	for (opt = (const uint8_t *)(na + 1); opt + 2 <= end; opt += opt[1] * 8) {
		if (opt[1] == 0 || opt + opt[1] * 8 > end)
			return; /* malformed: a receiver must drop it */
		if (opt[0] == ND_OPT_TARGET_LINKADDR && opt[1] == 1)
			mac = opt + 2;
	}
	seen_add(w, mac);
}

/* Read until deadline (monotonic ms); a frame that is not an answer is skipped. */
static void answers_collect(struct arpwho *w, int64_t deadline)
{
	/* Two bytes in, so the IP header after the 14-byte Ethernet header
	 * is 4-byte aligned for the struct pointers below. */
	union {
		uint32_t align;
		uint8_t raw[2 + 2048];
	} frame;
	uint8_t *buf = frame.raw + 2;
	struct pollfd pfd = { .fd = w->fd, .events = POLLIN };
	struct sockaddr_ll from;
	socklen_t fromlen;
	int64_t left;
	ssize_t n;

	while ((left = deadline - now_ms()) > 0) {
		int r = poll(&pfd, 1, (int)(left > INT_MAX ? INT_MAX : left));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("poll: %s", strerror(errno));
		if (r == 0)
			break;
		fromlen = sizeof(from);
		n = recvfrom(w->fd, buf, sizeof(frame.raw) - 2, MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			die("recv: %s", strerror(errno));
		}
		if (from.sll_pkttype == PACKET_OUTGOING) /* our own requests */
			continue;
		if (w->family == AF_INET)
			arp_reply_parse(w, buf, (size_t)n);
		else
			ndisc_advert_parse(w, buf, (size_t)n);
	}
}

static int mac_cmp(const void *a, const void *b)
{
	return memcmp(a, b, ETH_ALEN);
}

static void usage(void)
{
	fputs("usage: arpwho [-t TIMEOUT_MS] [-c COUNT] IFACE ADDRESS\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	struct arpwho w;
	struct sockaddr_ll sll;
	long timeout_ms = 500, count = 3, i;
	int opt;

	memset(&w, 0, sizeof(w));
	while ((opt = getopt(argc, argv, "t:c:")) != -1) {
		switch (opt) {
		case 't':
			timeout_ms = parse_number(optarg, 1, 60000, "TIMEOUT_MS");
			break;
		case 'c':
			count = parse_number(optarg, 1, 100, "COUNT");
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	if (inet_pton(AF_INET, argv[optind + 1], &w.target4) == 1)
		w.family = AF_INET;
	else if (inet_pton(AF_INET6, argv[optind + 1], &w.target6) == 1)
		w.family = AF_INET6;
	else
		die("'%s' is not an IPv4 or IPv6 address", argv[optind + 1]);

	/* Bound to one ethertype and one interface: we only read what can be an answer. */
	w.fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (w.fd < 0)
		die("packet socket: %s (needs CAP_NET_RAW)", strerror(errno));
	iface_lookup(&w, argv[optind]);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(w.family == AF_INET ? ETH_P_ARP : ETH_P_IPV6);
	sll.sll_ifindex = w.ifindex;
	if (bind(w.fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		die("bind to %s: %s", argv[optind], strerror(errno));

	for (i = 0; i < count; i++) {
		if (w.family == AF_INET)
			arp_request_send(&w);
		else
			ndisc_solicit_send(&w);
		answers_collect(&w, now_ms() + (i + 1 < count ? ARPWHO_INTERVAL_MS : timeout_ms));
	}
	close(w.fd);

	qsort(w.seen, (size_t)w.nseen, ETH_ALEN, mac_cmp);
	for (i = 0; i < w.nseen; i++) {
		const uint8_t *m = w.seen[i];

		printf("%02x:%02x:%02x:%02x:%02x:%02x\n", m[0], m[1], m[2], m[3], m[4], m[5]);
	}
	return w.nseen ? 0 : 1;
}

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
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/if_ether.h>
#include <netinet/in.h>
#include <netinet/ip6.h>
#include <linux/if_packet.h>
#include <stdarg.h>
#include <stdbool.h>
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

/* The requests are built, and the socket opened and read, by lvsdr's own
 * code (frames.h, nic.h); the answers are judged here, apart from the
 * product's parser. */
#include "frames.h"
#include "nic.h"
#include "util.h"

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

/* The interface's own addresses: MAC, first IPv4, and an IPv6 global (else link-local). */
static void iface_lookup(struct arpwho *w, const char *ifname)
{
	struct ifaddrs *ifa, *i;
	struct ifreq ifr;
	bool have4 = false, have6 = false, have6_global = false;

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

static void request_send(struct arpwho *w)
{
	uint8_t f[FRAME_BUILT_MAX];

	if (w->family == AF_INET)
		send_frame(w, f, frame_arp(f, ARPOP_REQUEST, w->mac, (const uint8_t *)&w->src4, NULL, (const uint8_t *)&w->target4));
	else
		send_frame(w, f, frame_ns(f, w->mac, w->target6.s6_addr, w->src6.s6_addr));
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

/* Read until deadline (monotonic ns); a frame that is not an answer is skipped. */
static void answers_collect(struct arpwho *w, uint64_t deadline)
{
	/* Two bytes in, so the IP header after the 14-byte Ethernet header
	 * is 4-byte aligned for the struct pointers below. */
	union {
		uint32_t align;
		uint8_t raw[2 + 2048];
	} frame;
	uint8_t *buf = frame.raw + 2;
	ssize_t n;

	/* packet_socket_recv() passes over our own requests */
	while ((n = packet_socket_recv(w->fd, buf, sizeof(frame.raw) - 2, deadline)) > 0) {
		if (w->family == AF_INET)
			arp_reply_parse(w, buf, (size_t)n);
		else
			ndisc_advert_parse(w, buf, (size_t)n);
	}
	if (n < 0)
		die("recv: %s", strerror((int)-n));
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
	const struct packet_socket_options answers_only = { .filter = frame_claim_filter,
							    .nfilter = FRAME_CLAIM_FILTER_LEN };
	struct arpwho w;
	char err[256], mac[MAC_TEXT_LEN];
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

	/* Filtered on one interface: we only read what can be an answer
	 * (ARP and neighbour advertisements). */
	w.ifindex = (int)if_nametoindex(argv[optind]);
	if (!w.ifindex)
		die("no interface '%s': %s", argv[optind], strerror(errno));
	w.fd = packet_socket_open(w.ifindex, argv[optind], &answers_only, err, sizeof(err));
	if (w.fd < 0)
		die("%s", err);
	iface_lookup(&w, argv[optind]);

	for (i = 0; i < count; i++) {
		request_send(&w);
		answers_collect(&w, monotonic_ns() + (uint64_t)(i + 1 < count ? ARPWHO_INTERVAL_MS : timeout_ms) * 1000000);
	}
	close(w.fd);

	qsort(w.seen, (size_t)w.nseen, ETH_ALEN, mac_cmp);
	for (i = 0; i < w.nseen; i++)
		puts(mac_format(w.seen[i], mac));
	return w.nseen ? 0 : 1;
}

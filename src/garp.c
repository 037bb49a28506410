#include "garp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/if_ether.h>
#include <netinet/ip6.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* Frames sent back to back before yielding the CPU for a moment: a burst
 * of thousands would overrun a NIC's transmit queue. */
#define PACE_FRAMES 128
#define PACE_PAUSE_US 500
/* Retries of a frame the kernel refused for lack of buffer space. */
#define CONGESTION_RETRIES 200

struct garp_sender {
	int fd;
	int ifindex;
	uint8_t mac[ETH_ALEN];
	bool have_link_local;
	struct in6_addr link_local; /* source of our advertisements */
	unsigned since_pause;
};

static const uint8_t broadcast_mac[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t all_nodes_mac[ETH_ALEN] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };

int garp_open(struct garp_sender **out, const char *ifname, char *err, size_t errlen)
{
	struct garp_sender *g = xcalloc(1, sizeof(*g));
	struct ifaddrs *ifa_list, *ifa;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	bool have_mac = false;

	*out = NULL;
	g->ifindex = (int)if_nametoindex(ifname);
	if (!g->ifindex) {
		snprintf(err, errlen, "no interface %s", ifname);
		free(g);
		return -ENODEV;
	}
	if (getifaddrs(&ifa_list) < 0) {
		snprintf(err, errlen, "cannot list interfaces: %s", strerror(errno));
		free(g);
		return -errno;
	}
	for (ifa = ifa_list; ifa; ifa = ifa->ifa_next) {
		if (!ifa->ifa_addr || strcmp(ifa->ifa_name, ifname))
			continue;
		if (ifa->ifa_addr->sa_family == AF_PACKET) {
			const struct sockaddr_ll *l = (const struct sockaddr_ll *)ifa->ifa_addr;
			if (l->sll_halen == ETH_ALEN) {
				memcpy(g->mac, l->sll_addr, ETH_ALEN);
				have_mac = true;
			}
		} else if (ifa->ifa_addr->sa_family == AF_INET6) {
			const struct in6_addr *a = &((const struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr;
			if (IN6_IS_ADDR_LINKLOCAL(a) && !g->have_link_local) {
				g->link_local = *a;
				g->have_link_local = true;
			}
		}
	}
	freeifaddrs(ifa_list);
	if (!have_mac) {
		snprintf(err, errlen, "%s has no Ethernet address to announce from", ifname);
		free(g);
		return -EINVAL;
	}
	/* Protocol 0: this socket only sends, so the kernel queues nothing
	 * to it. */
	g->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (g->fd < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot open a packet socket%s: %s",
			 e == EPERM ? " (needs CAP_NET_RAW)" : "", strerror(e));
		free(g);
		return -e;
	}
	sll.sll_ifindex = g->ifindex;
	if (bind(g->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot bind a packet socket to %s: %s", ifname, strerror(e));
		close(g->fd);
		free(g);
		return -e;
	}
	*out = g;
	return 0;
}

void garp_close(struct garp_sender *g)
{
	if (!g)
		return;
	close(g->fd);
	free(g);
}

static void pause_us(unsigned us)
{
	struct timespec ts = { 0, (long)us * 1000 };
	nanosleep(&ts, NULL);
}

static int send_frame(struct garp_sender *g, const void *frame, size_t len)
{
	for (int tries = 0;; tries++) {
		ssize_t n = send(g->fd, frame, len, 0);
		if (n == (ssize_t)len)
			break;
		if (n >= 0)
			return -EIO;
		if ((errno == ENOBUFS || errno == EAGAIN || errno == EINTR) && tries < CONGESTION_RETRIES) {
			pause_us(PACE_PAUSE_US);
			continue;
		}
		return -errno;
	}
	if (++g->since_pause >= PACE_FRAMES) {
		g->since_pause = 0;
		pause_us(PACE_PAUSE_US);
	}
	return 0;
}

struct arp_frame {
	struct ether_header eth;
	struct ether_arp arp;
} __attribute__((packed));

/* A broadcast ARP frame from us; tha NULL leaves it zero, as the kernel's
 * requests have it. */
static int send_arp_frame(struct garp_sender *g, uint16_t op, const uint8_t spa[4], const uint8_t *tha,
			  const uint8_t tpa[4])
{
	struct arp_frame f;

	memset(&f, 0, sizeof(f));
	memcpy(f.eth.ether_dhost, broadcast_mac, ETH_ALEN);
	memcpy(f.eth.ether_shost, g->mac, ETH_ALEN);
	f.eth.ether_type = htons(ETHERTYPE_ARP);
	f.arp.arp_hrd = htons(ARPHRD_ETHER);
	f.arp.arp_pro = htons(ETHERTYPE_IP);
	f.arp.arp_hln = ETH_ALEN;
	f.arp.arp_pln = 4;
	f.arp.arp_op = htons(op);
	memcpy(f.arp.arp_sha, g->mac, ETH_ALEN);
	memcpy(f.arp.arp_spa, spa, 4);
	if (tha)
		memcpy(f.arp.arp_tha, tha, ETH_ALEN);
	memcpy(f.arp.arp_tpa, tpa, 4);
	return send_frame(g, &f, sizeof(f));
}

/* Request: sender IP = target IP, as arping -U and RFC 5227 announcements.
 * Reply: target MAC = sender MAC, the only reply Linux takes as gratuitous
 * once an entry changed less than locktime ago. */
static int send_arp(struct garp_sender *g, const uint8_t ip[4], bool reply)
{
	return send_arp_frame(g, reply ? ARPOP_REPLY : ARPOP_REQUEST, ip, reply ? g->mac : NULL, ip);
}

struct na_frame {
	struct ether_header eth;
	struct ip6_hdr ip6;
	struct nd_neighbor_advert na;
	struct nd_opt_hdr opt;
	uint8_t opt_mac[ETH_ALEN];
} __attribute__((packed));

/* Sum of big-endian 16-bit words, read byte by byte: the frame is packed. */
static uint32_t sum_words(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | (i + 1 < len ? p[i + 1] : 0));
	return sum;
}

/* RFC 4443 2.3: over the IPv6 pseudo-header and the ICMPv6 message. */
static uint16_t icmp6_checksum(const uint8_t src[16], const uint8_t dst[16], const uint8_t *msg, size_t len)
{
	uint32_t sum = sum_words(src, 16, 0);
	sum = sum_words(dst, 16, sum);
	sum += (uint32_t)len + IPPROTO_ICMPV6;
	sum = sum_words(msg, len, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* Unsolicited NA to all nodes, override set, solicited clear (RFC 4861
 * 7.2.6), with our MAC as target link-layer address. */
static int send_na(struct garp_sender *g, const uint8_t ip[16])
{
	struct na_frame f;
	size_t icmp_len = sizeof(f.na) + sizeof(f.opt) + sizeof(f.opt_mac);

	memset(&f, 0, sizeof(f));
	memcpy(f.eth.ether_dhost, all_nodes_mac, ETH_ALEN);
	memcpy(f.eth.ether_shost, g->mac, ETH_ALEN);
	f.eth.ether_type = htons(ETHERTYPE_IPV6);
	f.ip6.ip6_flow = htonl(6u << 28);
	f.ip6.ip6_plen = htons((uint16_t)icmp_len);
	f.ip6.ip6_nxt = IPPROTO_ICMPV6;
	f.ip6.ip6_hlim = 255; /* receivers drop neighbour discovery with less */
	if (g->have_link_local)
		f.ip6.ip6_src = g->link_local;
	else
		memcpy(&f.ip6.ip6_src, ip, 16);
	inet_pton(AF_INET6, "ff02::1", &f.ip6.ip6_dst);
	f.na.nd_na_type = ND_NEIGHBOR_ADVERT;
	f.na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;
	memcpy(&f.na.nd_na_target, ip, 16);
	f.opt.nd_opt_type = ND_OPT_TARGET_LINKADDR;
	f.opt.nd_opt_len = 1; /* in units of 8 octets */
	memcpy(f.opt_mac, g->mac, ETH_ALEN);
	uint8_t icmp[sizeof(f.na) + sizeof(f.opt) + sizeof(f.opt_mac)], src[16], dst[16];
	memcpy(icmp, &f.na, sizeof(icmp));
	memcpy(src, &f.ip6.ip6_src, 16);
	memcpy(dst, &f.ip6.ip6_dst, 16);
	uint16_t sum = icmp6_checksum(src, dst, icmp, icmp_len);
	memcpy((uint8_t *)&f.na + offsetof(struct nd_neighbor_advert, nd_na_cksum), &sum, sizeof(sum));
	return send_frame(g, &f, sizeof(f));
}

struct ns_frame {
	struct ether_header eth;
	struct ip6_hdr ip6;
	struct nd_neighbor_solicit ns;
	struct nd_opt_hdr opt;
	uint8_t opt_mac[ETH_ALEN];
} __attribute__((packed));

/* A neighbour solicitation to the target's solicited-node group
 * ff02::1:ffXX:XXXX (RFC 4291 2.7.1). From the unspecified address it is
 * duplicate address detection (RFC 4862 5.4.2): no source link-layer
 * option, and the owner answers to all nodes. */
static int send_ns(struct garp_sender *g, const uint8_t target[16], const uint8_t *source)
{
	struct ns_frame f;
	size_t icmp_len = sizeof(f.ns) + (source ? sizeof(f.opt) + sizeof(f.opt_mac) : 0);
	uint8_t icmp[sizeof(f.ns) + sizeof(f.opt) + sizeof(f.opt_mac)], src[16] = { 0 }, dst[16] = { 0xff, 0x02 };

	memset(&f, 0, sizeof(f));
	dst[11] = 0x01;
	dst[12] = 0xff;
	memcpy(dst + 13, target + 13, 3);
	if (source)
		memcpy(src, source, 16);
	f.eth.ether_dhost[0] = f.eth.ether_dhost[1] = 0x33;
	memcpy(f.eth.ether_dhost + 2, dst + 12, 4);
	memcpy(f.eth.ether_shost, g->mac, ETH_ALEN);
	f.eth.ether_type = htons(ETHERTYPE_IPV6);
	f.ip6.ip6_flow = htonl(6u << 28);
	f.ip6.ip6_plen = htons((uint16_t)icmp_len);
	f.ip6.ip6_nxt = IPPROTO_ICMPV6;
	f.ip6.ip6_hlim = 255;
	memcpy(&f.ip6.ip6_src, src, 16);
	memcpy(&f.ip6.ip6_dst, dst, 16);
	f.ns.nd_ns_type = ND_NEIGHBOR_SOLICIT;
	memcpy(&f.ns.nd_ns_target, target, 16);
	f.opt.nd_opt_type = ND_OPT_SOURCE_LINKADDR;
	f.opt.nd_opt_len = 1;
	memcpy(f.opt_mac, g->mac, ETH_ALEN);
	memcpy(icmp, &f.ns, sizeof(icmp));
	uint16_t sum = icmp6_checksum(src, dst, icmp, icmp_len);
	memcpy((uint8_t *)&f.ns + offsetof(struct nd_neighbor_solicit, nd_ns_cksum), &sum, sizeof(sum));
	return send_frame(g, &f, sizeof(f.eth) + sizeof(f.ip6) + icmp_len);
}

int garp_probe(struct garp_sender *g, int family, const uint8_t addr[16], const uint8_t *source)
{
	static const uint8_t unspecified[4];

	if (family == AF_INET6)
		return send_ns(g, addr, source);
	return send_arp_frame(g, ARPOP_REQUEST, source ? source : unspecified, NULL, addr);
}

int garp_round(struct garp_sender *g, const struct vip *vips, size_t n, enum garp_mode mode)
{
	int frames = 0, ret;

	for (size_t i = 0; i < n; i++) {
		if (vips[i].family == AF_INET6) {
			if ((ret = send_na(g, vips[i].addr)) < 0)
				return ret;
			frames++;
			continue;
		}
		if (mode != GARP_REPLY) {
			if ((ret = send_arp(g, vips[i].addr, false)) < 0)
				return ret;
			frames++;
		}
		if (mode != GARP_REQUEST) {
			if ((ret = send_arp(g, vips[i].addr, true)) < 0)
				return ret;
			frames++;
		}
	}
	return frames;
}

#include "frames.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/if_ether.h>
#include <netinet/ip6.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "checksum.h"

static bool arp_claim(const uint8_t *p, size_t len, struct claim *c)
{
	struct ether_arp arp;
	static const uint8_t unspecified[4];

	if (len < sizeof(arp))
		return false;
	memcpy(&arp, p, sizeof(arp));
	/* arp_process() on an Ethernet device takes hardware type 6 (IEEE
	 * 802, RFC 2625) as well as 1: a claim in either moves the entry. */
	if ((ntohs(arp.arp_hrd) != ARPHRD_ETHER && ntohs(arp.arp_hrd) != ARPHRD_IEEE802) ||
	    ntohs(arp.arp_pro) != ETHERTYPE_IP || arp.arp_hln != ETH_ALEN || arp.arp_pln != 4)
		return false;
	if (ntohs(arp.arp_op) == ARPOP_REQUEST)
		c->kind = CLAIM_ARP_REQUEST;
	else if (ntohs(arp.arp_op) == ARPOP_REPLY)
		c->kind = CLAIM_ARP_REPLY;
	else
		return false;
	/* A probe (RFC 5227) asks and claims nothing. */
	if (!memcmp(arp.arp_spa, unspecified, 4) || !mac_usable(arp.arp_sha))
		return false;
	c->ip.family = AF_INET;
	memcpy(c->ip.bytes, arp.arp_spa, 4);
	memcpy(c->mac, arp.arp_sha, MAC_LEN);
	c->gratuitous = !memcmp(arp.arp_spa, arp.arp_tpa, 4);
	return true;
}

/* The options of a hop-by-hop or destination options header, as
 * ip6_parse_tlv() judges them: an unknown option whose type says "discard"
 * (its two high bits not 00) drops the packet, so do more than
 * LVSDR_EXT_MAX_OPTS options or a run of more than 7 bytes of padding
 * (the kernel's max_{hbh,dst}_opts_number default). */
#define LVSDR_EXT_MAX_OPTS 8
static bool ext_options_pass(const uint8_t *p, size_t len)
{
	size_t off = 2, pad = 0;
	unsigned count = 0;

	while (off < len) {
		size_t optlen = p[off] == 0 ? 1 : off + 1 < len ? (size_t)p[off + 1] + 2
								: len + 1;
		if (off + optlen > len)
			return false;
		if (p[off] == 0 || p[off] == 1) {
			if ((pad += optlen) > 7)
				return false;
		} else {
			pad = 0;
			/* Router alert (5) is the one a neighbour message may carry. */
			if ((p[off] >> 6) != 0 || ++count > LVSDR_EXT_MAX_OPTS)
				return false;
		}
		off += optlen;
	}
	return true;
}

/* Past the extension headers the kernel walks before ICMPv6: hop-by-hop
 * (only first), destination options, a routing header with no segment
 * left. A fragment is refused: Linux drops fragmented neighbour discovery
 * (suppress_frag_ndisc). false when the kernel would drop the packet. */
static bool ipv6_skip_extensions(const uint8_t *p, size_t end, uint8_t *next, size_t *off)
{
	for (bool first = true; *next != IPPROTO_ICMPV6; first = false) {
		if (*next == IPPROTO_FRAGMENT || end - *off < 8)
			return false;
		size_t hlen = ((size_t)p[*off + 1] + 1) * 8;
		if (end - *off < hlen)
			return false;
		if (*next == IPPROTO_HOPOPTS || *next == IPPROTO_DSTOPTS) {
			if ((*next == IPPROTO_HOPOPTS && !first) || !ext_options_pass(p + *off, hlen))
				return false;
		} else if (*next != IPPROTO_ROUTING || p[*off + 3] != 0) {
			return false;
		}
		*next = p[*off];
		*off += hlen;
	}
	return true;
}

/* RFC 4861 7.1.2, as Linux applies it: hop limit 255, a valid checksum,
 * code 0, options whole and none of length 0. The claimed MAC is the
 * first target link-layer option (ndisc_parse_options() keeps the first;
 * one of the wrong length makes ndisc_recv_na() drop the packet), or the
 * frame's source when a solicited answer leaves it out. */
static bool na_claim(const uint8_t *p, size_t len, struct claim *c)
{
	struct ip6_hdr ip6;
	struct nd_neighbor_advert na;
	bool have_option = false;
	size_t off = sizeof(ip6);

	if (len < sizeof(ip6) + sizeof(na))
		return false;
	memcpy(&ip6, p, sizeof(ip6));
	size_t end = sizeof(ip6) + ntohs(ip6.ip6_plen);
	uint8_t next = ip6.ip6_nxt;
	if ((ip6.ip6_vfc >> 4) != 6 || ip6.ip6_hlim != 255 || end > len || !ipv6_skip_extensions(p, end, &next, &off) ||
	    end - off < sizeof(na))
		return false;
	uint32_t sum = checksum_pseudo(AF_INET6, (const uint8_t *)&ip6.ip6_src, (const uint8_t *)&ip6.ip6_dst,
				       IPPROTO_ICMPV6, end - off);
	if (checksum_finish(checksum_add(sum, p + off, end - off)) != 0)
		return false;
	memcpy(&na, p + off, sizeof(na));
	if (na.nd_na_type != ND_NEIGHBOR_ADVERT || na.nd_na_code != 0 || IN6_IS_ADDR_MULTICAST(&na.nd_na_target))
		return false;
	for (const uint8_t *opt = p + off + sizeof(na); opt < p + end; opt += opt[1] * 8) {
		if (p + end - opt < 2 || opt[1] == 0 || (size_t)(p + end - opt) < (size_t)opt[1] * 8)
			return false;
		if (opt[0] == ND_OPT_TARGET_LINKADDR && !have_option) {
			if (opt[1] != 1)
				return false;
			memcpy(c->mac, opt + 2, MAC_LEN);
			have_option = true;
		}
	}
	if (!have_option)
		memcpy(c->mac, c->eth_src, MAC_LEN);
	if (!mac_usable(c->mac))
		return false;
	c->kind = CLAIM_NA;
	c->ip.family = AF_INET6;
	memcpy(c->ip.bytes, &na.nd_na_target, 16);
	c->gratuitous = !(na.nd_na_flags_reserved & ND_NA_FLAG_SOLICITED);
	return true;
}

bool frame_claim(const uint8_t *frame, size_t len, struct claim *out)
{
	struct ether_header eth;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(eth))
		return false;
	memcpy(&eth, frame, sizeof(eth));
	memcpy(out->eth_src, eth.ether_shost, MAC_LEN);
	switch (ntohs(eth.ether_type)) {
	case ETHERTYPE_ARP:
		return arp_claim(frame + sizeof(eth), len - sizeof(eth), out);
	case ETHERTYPE_IPV6:
		return na_claim(frame + sizeof(eth), len - sizeof(eth), out);
	}
	return false;
}

static const uint8_t broadcast_mac[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t all_nodes_mac[ETH_ALEN] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };

struct arp_frame {
	struct ether_header eth;
	struct ether_arp arp;
} __attribute__((packed));

size_t frame_arp(uint8_t *buf, uint16_t op, const uint8_t mac[MAC_LEN], const uint8_t spa[4], const uint8_t *tha,
		 const uint8_t tpa[4])
{
	struct arp_frame f;

	memset(&f, 0, sizeof(f));
	memcpy(f.eth.ether_dhost, broadcast_mac, ETH_ALEN);
	memcpy(f.eth.ether_shost, mac, ETH_ALEN);
	f.eth.ether_type = htons(ETHERTYPE_ARP);
	f.arp.arp_hrd = htons(ARPHRD_ETHER);
	f.arp.arp_pro = htons(ETHERTYPE_IP);
	f.arp.arp_hln = ETH_ALEN;
	f.arp.arp_pln = 4;
	f.arp.arp_op = htons(op);
	memcpy(f.arp.arp_sha, mac, ETH_ALEN);
	memcpy(f.arp.arp_spa, spa, 4);
	if (tha)
		memcpy(f.arp.arp_tha, tha, ETH_ALEN);
	memcpy(f.arp.arp_tpa, tpa, 4);
	memcpy(buf, &f, sizeof(f));
	return sizeof(f);
}

/* Neighbour solicitations and advertisements share a layout: a 24-byte
 * ICMPv6 message (type, code, checksum, flags, target) and one link-layer
 * address option. */
struct nd_frame {
	struct ether_header eth;
	struct ip6_hdr ip6;
	struct nd_neighbor_advert nd;
	struct nd_opt_hdr opt;
	uint8_t opt_mac[ETH_ALEN];
} __attribute__((packed));

/* The headers around an ICMPv6 message of icmp_len bytes, hop limit 255
 * (receivers drop neighbour discovery with less), and its checksum (RFC
 * 4443 2.3). Returns the frame's length. */
static size_t nd_finish(struct nd_frame *f, const uint8_t eth_dst[ETH_ALEN], const uint8_t mac[MAC_LEN],
			const uint8_t src[16], const uint8_t dst[16], size_t icmp_len, uint8_t *buf)
{
	memcpy(f->eth.ether_dhost, eth_dst, ETH_ALEN);
	memcpy(f->eth.ether_shost, mac, ETH_ALEN);
	f->eth.ether_type = htons(ETHERTYPE_IPV6);
	f->ip6.ip6_flow = htonl(6u << 28);
	f->ip6.ip6_plen = htons((uint16_t)icmp_len);
	f->ip6.ip6_nxt = IPPROTO_ICMPV6;
	f->ip6.ip6_hlim = 255;
	memcpy(&f->ip6.ip6_src, src, 16);
	memcpy(&f->ip6.ip6_dst, dst, 16);
	uint8_t *icmp = (uint8_t *)&f->nd;
	uint32_t sum = checksum_pseudo(AF_INET6, src, dst, IPPROTO_ICMPV6, icmp_len);
	checksum_store(icmp + offsetof(struct nd_neighbor_advert, nd_na_cksum),
		       checksum_finish(checksum_add(sum, icmp, icmp_len)));
	memcpy(buf, f, sizeof(f->eth) + sizeof(f->ip6) + icmp_len);
	return sizeof(f->eth) + sizeof(f->ip6) + icmp_len;
}

size_t frame_ns(uint8_t *buf, const uint8_t mac[MAC_LEN], const uint8_t target[16], const uint8_t *source)
{
	struct nd_frame f;
	uint8_t src[16] = { 0 }, dst[16] = { 0xff, 0x02 }, eth_dst[ETH_ALEN] = { 0x33, 0x33 };

	memset(&f, 0, sizeof(f));
	dst[11] = 0x01;
	dst[12] = 0xff;
	memcpy(dst + 13, target + 13, 3);
	memcpy(eth_dst + 2, dst + 12, 4);
	if (source)
		memcpy(src, source, 16);
	f.nd.nd_na_type = ND_NEIGHBOR_SOLICIT;
	memcpy(&f.nd.nd_na_target, target, 16);
	f.opt.nd_opt_type = ND_OPT_SOURCE_LINKADDR;
	f.opt.nd_opt_len = 1; /* in units of 8 octets */
	memcpy(f.opt_mac, mac, ETH_ALEN);
	return nd_finish(&f, eth_dst, mac, src, dst, sizeof(f.nd) + (source ? sizeof(f.opt) + sizeof(f.opt_mac) : 0),
			 buf);
}

size_t frame_na(uint8_t *buf, const uint8_t mac[MAC_LEN], const uint8_t target[16], const uint8_t source[16])
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
	struct nd_frame f;

	memset(&f, 0, sizeof(f));
	f.nd.nd_na_type = ND_NEIGHBOR_ADVERT;
	f.nd.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;
	memcpy(&f.nd.nd_na_target, target, 16);
	f.opt.nd_opt_type = ND_OPT_TARGET_LINKADDR;
	f.opt.nd_opt_len = 1;
	memcpy(f.opt_mac, mac, ETH_ALEN);
	return nd_finish(&f, all_nodes_mac, mac, source, all_nodes, sizeof(f.nd) + sizeof(f.opt) + sizeof(f.opt_mac),
			 buf);
}

/* ARP, or IPv6 whose next header is ICMPv6 (offset 14 + 6) and whose
 * ICMPv6 type is a neighbour advertisement (offset 14 + 40), or whose
 * next header is one the kernel walks past to reach ICMPv6 (hop-by-hop,
 * routing, destination options: rare, so parsed in user space). */
const struct sock_filter frame_claim_filter[FRAME_CLAIM_FILTER_LEN] = {
	BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETHERTYPE_ARP, 8, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETHERTYPE_IPV6, 0, 8),
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 20),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_ICMPV6, 0, 2),
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 54),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ND_NEIGHBOR_ADVERT, 3, 4),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_HOPOPTS, 2, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_ROUTING, 1, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_DSTOPTS, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, 0xffff),
	BPF_STMT(BPF_RET | BPF_K, 0),
};

int frames_open(const char *ifname, char *err, size_t errlen)
{
	/* Room for the answers to thousands of probes sent before the first
	 * is read. */
	const struct packet_socket_options opt = {
		.filter = frame_claim_filter,
		.nfilter = FRAME_CLAIM_FILTER_LEN,
		.rcvbuf = 4 << 20,
		.timestamps = true,
	};
	int ifindex = (int)if_nametoindex(ifname);

	if (!ifindex) {
		snprintf(err, errlen, "no interface %s", ifname);
		return -ENODEV;
	}
	return packet_socket_open(ifindex, ifname, &opt, err, errlen);
}

int frames_read(int fd, int timeout_ms, const void *sigmask, struct frame_in *in)
{
	uint8_t buf[2048];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000 };
	int r = ppoll(&pfd, 1, timeout_ms < 0 ? NULL : &ts, sigmask);
	ssize_t n;

	if (r < 0)
		return -errno;
	if (r == 0)
		return -EAGAIN;
	n = packet_socket_take(fd, buf, sizeof(buf), &in->outgoing, &in->when);
	if (n < 0)
		return (int)n;
	return frame_claim(buf, (size_t)n, &in->claim) ? 1 : 0;
}

#include "frames.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/if_ether.h>
#include <netinet/ip6.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

bool mac_parse(const char *text, uint8_t mac[MAC_LEN])
{
	for (int i = 0; i < MAC_LEN; i++) {
		const char *p = text + 3 * i;
		unsigned v = 0;
		for (int j = 0; j < 2; j++) {
			if (!isxdigit((unsigned char)p[j]))
				return false;
			v = v * 16 + (unsigned)(isdigit((unsigned char)p[j]) ? p[j] - '0'
									: tolower((unsigned char)p[j]) - 'a' + 10);
		}
		if (p[2] != (i == MAC_LEN - 1 ? '\0' : ':'))
			return false;
		mac[i] = (uint8_t)v;
	}
	return true;
}

const char *mac_format(const uint8_t mac[MAC_LEN], char buf[MAC_TEXT_LEN])
{
	snprintf(buf, MAC_TEXT_LEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

bool mac_usable(const uint8_t mac[MAC_LEN])
{
	static const uint8_t zero[MAC_LEN];

	return memcmp(mac, zero, MAC_LEN) && !(mac[0] & 1);
}

static bool arp_claim(const uint8_t *p, size_t len, struct claim *c)
{
	struct ether_arp arp;
	static const uint8_t unspecified[4];

	if (len < sizeof(arp))
		return false;
	memcpy(&arp, p, sizeof(arp));
	if (ntohs(arp.arp_hrd) != ARPHRD_ETHER || ntohs(arp.arp_pro) != ETHERTYPE_IP || arp.arp_hln != ETH_ALEN ||
	    arp.arp_pln != 4)
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
	c->family = AF_INET;
	memcpy(c->addr, arp.arp_spa, 4);
	memcpy(c->mac, arp.arp_sha, MAC_LEN);
	c->gratuitous = !memcmp(arp.arp_spa, arp.arp_tpa, 4);
	return true;
}

/* RFC 4861 7.1.2, as Linux applies it: hop limit 255, code 0, options
 * whole and none of length 0. The claimed MAC is the target link-layer
 * option, or the frame's source when a solicited answer leaves it out. */
static bool na_claim(const uint8_t *p, size_t len, struct claim *c)
{
	struct ip6_hdr ip6;
	struct nd_neighbor_advert na;
	bool have_option = false;

	if (len < sizeof(ip6) + sizeof(na))
		return false;
	memcpy(&ip6, p, sizeof(ip6));
	size_t plen = ntohs(ip6.ip6_plen);
	if ((ip6.ip6_vfc >> 4) != 6 || ip6.ip6_nxt != IPPROTO_ICMPV6 || ip6.ip6_hlim != 255 || plen < sizeof(na) ||
	    sizeof(ip6) + plen > len)
		return false;
	memcpy(&na, p + sizeof(ip6), sizeof(na));
	if (na.nd_na_type != ND_NEIGHBOR_ADVERT || na.nd_na_code != 0 || IN6_IS_ADDR_MULTICAST(&na.nd_na_target))
		return false;
	const uint8_t *opt = p + sizeof(ip6) + sizeof(na), *end = p + sizeof(ip6) + plen;
	while (opt < end) {
		if (end - opt < 2 || opt[1] == 0 || (size_t)(end - opt) < (size_t)opt[1] * 8)
			return false;
		if (opt[0] == ND_OPT_TARGET_LINKADDR && opt[1] == 1) {
			memcpy(c->mac, opt + 2, MAC_LEN);
			have_option = true;
		}
		opt += opt[1] * 8;
	}
	if (!have_option)
		memcpy(c->mac, c->eth_src, MAC_LEN);
	if (!mac_usable(c->mac))
		return false;
	c->kind = CLAIM_NA;
	c->family = AF_INET6;
	memcpy(c->addr, &na.nd_na_target, 16);
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

int frames_open(const char *ifname, char *err, size_t errlen)
{
	/* ARP, or IPv6 whose next header is ICMPv6 (offset 14 + 6) and whose
	 * ICMPv6 type is a neighbour advertisement (offset 14 + 40). */
	static struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETHERTYPE_ARP, 5, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETHERTYPE_IPV6, 0, 5),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 20),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_ICMPV6, 0, 3),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 54),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ND_NEIGHBOR_ADVERT, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int fd, one = 1, rcvbuf = 4 << 20, e;

	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (!sll.sll_ifindex) {
		snprintf(err, errlen, "no interface %s", ifname);
		return -ENODEV;
	}
	/* Protocol 0 until bind, filter first: nothing unfiltered, and
	 * nothing from another interface, is ever queued. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "cannot open a packet socket%s: %s", e == EPERM ? " (needs CAP_NET_RAW)" : "",
			 strerror(e));
		return -e;
	}
	/* Room for the answers to thousands of probes sent before the first
	 * is read; the kernel caps it at net.core.rmem_max, which is fine. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0) {
		e = errno;
		snprintf(err, errlen, "cannot set up a packet socket: %s", strerror(e));
		close(fd);
		return -e;
	}
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		e = errno;
		snprintf(err, errlen, "cannot bind a packet socket to %s: %s", ifname, strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

int frames_read(int fd, int timeout_ms, const void *sigmask, struct frame_in *in)
{
	uint8_t buf[2048];
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} control;
	struct sockaddr_ll from;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = {
		.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
	};
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000 };
	int r = ppoll(&pfd, 1, timeout_ms < 0 ? NULL : &ts, sigmask);
	ssize_t n;

	if (r < 0)
		return -errno;
	if (r == 0)
		return -EAGAIN;
	n = recvmsg(fd, &msg, MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	if (!frame_claim(buf, (size_t)n, &in->claim))
		return 0;
	in->outgoing = from.sll_pkttype == PACKET_OUTGOING;
	clock_gettime(CLOCK_REALTIME, &in->when);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS)
			memcpy(&in->when, CMSG_DATA(c), sizeof(in->when));
	return 1;
}

/* ARP and neighbour discovery, just enough to learn the MAC of a host that
 * answers for its own address. Frames are built and read byte by byte. */
#include "neighbour.h"

#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "checksum.h"
#include "packet_socket.h"
#include "util.h"

#define ETH_HLEN_ 14
#define ARP_LEN 28
#define IPV6_HLEN 40
#define NS_LEN 32          /* solicitation with a source link-layer option */
#define MIN_FRAME 60
#define ND_SOLICIT 135
#define ND_ADVERT 136

struct neighbour_resolver {
	int fd;
	uint8_t mac[6];
};

/* ARP replies and neighbour advertisements (ICMPv6 right after the fixed
 * header, as every NA is); nothing else reaches the socket. */
static const struct sock_filter answer_filter[] = {
	BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0806, 0, 2),
	BPF_STMT(BPF_LD | BPF_H | BPF_ABS, ETH_HLEN_ + 6),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 2, 5, 6),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x86dd, 0, 5),
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, ETH_HLEN_ + 6),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_ICMPV6, 0, 3),
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, ETH_HLEN_ + IPV6_HLEN),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ND_ADVERT, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, 0x40000),
	BPF_STMT(BPF_RET | BPF_K, 0),
};

int neighbour_open(struct neighbour_resolver **out, int ifindex, const uint8_t mac[6], char *err, size_t errlen)
{
	int fd = packet_socket_open(ifindex, answer_filter, sizeof(answer_filter) / sizeof(answer_filter[0]), err,
				    errlen);

	*out = NULL;
	if (fd < 0)
		return fd;
	*out = xcalloc(1, sizeof(**out));
	(*out)->fd = fd;
	memcpy((*out)->mac, mac, 6);
	return 0;
}

void neighbour_close(struct neighbour_resolver *r)
{
	if (!r)
		return;
	close(r->fd);
	free(r);
}

size_t neighbour_request_frame(const struct neighbour_query *q, const uint8_t mac[6], uint8_t *buf, size_t cap)
{
	if (cap < MIN_FRAME || (q->family == AF_INET6 && cap < ETH_HLEN_ + IPV6_HLEN + NS_LEN))
		return 0;
	memset(buf, 0, MIN_FRAME);
	memcpy(buf + 6, mac, 6);
	if (q->family == AF_INET) {
		uint8_t *arp = buf + ETH_HLEN_;
		memset(buf, 0xff, 6);
		buf[12] = 0x08, buf[13] = 0x06;
		arp[1] = 1;                     /* Ethernet */
		arp[2] = 0x08;                  /* IPv4 */
		arp[4] = 6, arp[5] = 4;
		arp[7] = 1;                     /* request */
		memcpy(arp + 8, mac, 6);
		memcpy(arp + 14, q->source, 4);
		/* target MAC stays zero, as in the kernel's own requests */
		memcpy(arp + 24, q->addr, 4);
		return MIN_FRAME;
	}
	/* To the solicited-node group ff02::1:ffXX:XXXX (RFC 4291 2.7.1) and
	 * its MAC 33:33:ff:XX:XX:XX, hop limit 255 (RFC 4861 7.1.1). */
	uint8_t *ip = buf + ETH_HLEN_, *ns = ip + IPV6_HLEN;
	memset(buf + MIN_FRAME, 0, ETH_HLEN_ + IPV6_HLEN + NS_LEN - MIN_FRAME);
	buf[0] = buf[1] = 0x33;
	buf[2] = 0xff;
	memcpy(buf + 3, q->addr + 13, 3);
	buf[12] = 0x86, buf[13] = 0xdd;
	ip[0] = 0x60;
	ip[5] = NS_LEN;
	ip[6] = IPPROTO_ICMPV6;
	ip[7] = 255;
	memcpy(ip + 8, q->source, 16);
	ip[24] = 0xff, ip[25] = 0x02, ip[35] = 0x01, ip[36] = 0xff;
	memcpy(ip + 37, q->addr + 13, 3);
	ns[0] = ND_SOLICIT;
	memcpy(ns + 8, q->addr, 16);
	ns[24] = 1;                             /* source link-layer address */
	ns[25] = 1;                             /* in units of 8 bytes */
	memcpy(ns + 26, mac, 6);
	uint32_t sum = checksum_pseudo(AF_INET6, ip + 8, ip + 24, IPPROTO_ICMPV6, NS_LEN);
	checksum_store(ns + 2, checksum_finish(checksum_add(sum, ns, NS_LEN)));
	return ETH_HLEN_ + IPV6_HLEN + NS_LEN;
}

bool neighbour_answer_parse(const uint8_t *frame, size_t len, int *family, uint8_t addr[16], uint8_t mac[6])
{
	static const uint8_t arp_head[8] = { 0, 1, 0x08, 0, 6, 4, 0, 2 }; /* Ethernet, IPv4, reply */

	if (len < ETH_HLEN_)
		return false;
	memset(addr, 0, 16);
	if (frame[12] == 0x08 && frame[13] == 0x06) {
		const uint8_t *arp = frame + ETH_HLEN_;
		if (len < ETH_HLEN_ + ARP_LEN || memcmp(arp, arp_head, sizeof(arp_head)))
			return false;
		*family = AF_INET;
		memcpy(mac, arp + 8, 6);
		memcpy(addr, arp + 14, 4);
		return true;
	}
	if (frame[12] != 0x86 || frame[13] != 0xdd || len < ETH_HLEN_ + IPV6_HLEN + 24)
		return false;
	const uint8_t *ip = frame + ETH_HLEN_, *na = ip + IPV6_HLEN;
	size_t plen = (size_t)(ip[4] << 8 | ip[5]);
	if (ip[0] >> 4 != 6 || ip[6] != IPPROTO_ICMPV6 || ip[7] != 255 || plen < 24 ||
	    ETH_HLEN_ + IPV6_HLEN + plen > len || na[0] != ND_ADVERT || na[1] != 0)
		return false;
	*family = AF_INET6;
	memcpy(addr, na + 8, 16);
	/* A solicited advertisement may leave out the target link-layer
	 * option (RFC 4861 7.2.4): then the frame's sender is the answer. */
	memcpy(mac, frame + 6, 6);
	for (size_t off = 24; off + 2 <= plen; off += (size_t)na[off + 1] * 8) {
		if (!na[off + 1] || off + (size_t)na[off + 1] * 8 > plen)
			return false; /* malformed: RFC 4861 says drop it */
		if (na[off] == 2 && na[off + 1] == 1)
			memcpy(mac, na + off + 2, 6);
	}
	return true;
}

static size_t addr_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

int neighbour_resolve(struct neighbour_resolver *r, struct neighbour_query *q, size_t n, const unsigned *send_at_ms,
		      unsigned nsends, unsigned timeout_ms, char *err, size_t errlen)
{
	uint8_t frame[2048];
	uint64_t start = monotonic_ns(), end = start + (uint64_t)timeout_ms * 1000000;
	unsigned next = 0;
	size_t left = n;

	for (size_t i = 0; i < n; i++)
		q[i].found = false, q[i].requests = 0;
	while (left) {
		uint64_t now = monotonic_ns(), wake = end;
		if (next < nsends && now >= start + (uint64_t)send_at_ms[next] * 1000000) {
			for (size_t i = 0; i < n; i++) {
				size_t len;
				int ret;
				if (q[i].found)
					continue;
				len = neighbour_request_frame(&q[i], r->mac, frame, sizeof(frame));
				if ((ret = packet_socket_send(r->fd, frame, len)) < 0) {
					snprintf(err, errlen, "cannot send %s: %s",
						 q[i].family == AF_INET6 ? "a neighbour solicitation" : "an ARP request",
						 strerror(-ret));
					return ret;
				}
				q[i].requests++;
			}
			next++;
			continue;
		}
		if (next < nsends && start + (uint64_t)send_at_ms[next] * 1000000 < wake)
			wake = start + (uint64_t)send_at_ms[next] * 1000000;
		if (now >= end)
			break;
		ssize_t got = packet_socket_recv(r->fd, frame, sizeof(frame), wake);
		if (got < 0) {
			snprintf(err, errlen, "cannot receive from the packet socket: %s", strerror((int)-got));
			return (int)got;
		}
		int family;
		uint8_t addr[16], mac[6];
		if (!got || !neighbour_answer_parse(frame, (size_t)got, &family, addr, mac))
			continue;
		for (size_t i = 0; i < n; i++)
			if (!q[i].found && q[i].family == family && !memcmp(q[i].addr, addr, addr_len(family))) {
				q[i].found = true;
				memcpy(q[i].mac, mac, 6);
				left--;
			}
	}
	return 0;
}

/* Frames of the DR path check, built and read byte by byte: nothing here
 * casts a struct onto a buffer, so alignment and the sanitizers never
 * object, and a short or hostile frame is rejected, never overread. */
#include "pathcheck.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "checksum.h"
#include "util.h"

#define ETH_HLEN_ 14
#define ETH_MIN_FRAME 60 /* without the FCS: shorter frames are padded */
#define ETHERTYPE_IPV4_ 0x0800
#define ETHERTYPE_IPV6_ 0x86dd
#define IPV4_HLEN 20
#define IPV6_HLEN 40
#define TCP_HLEN_SYN 24 /* header and one MSS option */
#define TCP_HLEN 20
#define UDP_HLEN 8
#define TCP_WINDOW 64240
/* An MSS a client on plain Ethernet would offer: 1500 minus the headers. */
#define MSS_IPV4 1460
#define MSS_IPV6 1440

const char *const pathcheck_verdict_names[PATHCHECK_VERDICT_COUNT] = {
	[PATHCHECK_OPEN] = "open",
	[PATHCHECK_CLOSED] = "closed",
	[PATHCHECK_NOT_ACCEPTED] = "vip-not-accepted",
	[PATHCHECK_UNREACHABLE] = "unreachable",
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* Ethernet and IP headers for an upper-layer message of l4_len bytes;
 * returns the offset of that message, or 0 when it does not fit. */
static size_t ip_headers(int family, const uint8_t src_mac[6], const uint8_t dst_mac[6], const uint8_t *src,
			 const uint8_t *dst, uint8_t proto, size_t l4_len, uint16_t ip_id, uint8_t *buf, size_t cap)
{
	size_t l3 = family == AF_INET6 ? IPV6_HLEN : IPV4_HLEN, total = ETH_HLEN_ + l3 + l4_len;

	if (total > cap || (total < ETH_MIN_FRAME && cap < ETH_MIN_FRAME))
		return 0;
	memset(buf, 0, total < ETH_MIN_FRAME ? ETH_MIN_FRAME : total);
	memcpy(buf, dst_mac, 6);
	memcpy(buf + 6, src_mac, 6);
	put16(buf + 12, family == AF_INET6 ? ETHERTYPE_IPV6_ : ETHERTYPE_IPV4_);
	uint8_t *ip = buf + ETH_HLEN_;
	if (family == AF_INET6) {
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)l4_len);
		ip[6] = proto;
		ip[7] = 64; /* hop limit */
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
	} else {
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(IPV4_HLEN + l4_len));
		put16(ip + 4, ip_id);
		put16(ip + 6, 0x4000); /* don't fragment, as a TCP stack sends */
		ip[8] = 64;
		ip[9] = proto;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		checksum_store(ip + 10, checksum_finish(checksum_add(0, ip, IPV4_HLEN)));
	}
	return ETH_HLEN_ + l3;
}

static size_t frame_length(size_t len)
{
	return len < ETH_MIN_FRAME ? ETH_MIN_FRAME : len;
}

size_t tcp_frame(int family, const uint8_t src_mac[6], const uint8_t dst_mac[6], const uint8_t *src,
		 const uint8_t *dst, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
		 uint16_t ip_id, uint8_t *buf, size_t cap)
{
	/* A SYN carries an MSS option, as every real client's does. */
	size_t hlen = flags & TCP_FLAG_SYN ? TCP_HLEN_SYN : TCP_HLEN;
	size_t off = ip_headers(family, src_mac, dst_mac, src, dst, IPPROTO_TCP, hlen, ip_id, buf, cap);

	if (!off)
		return 0;
	uint8_t *tcp = buf + off;
	put16(tcp, sport);
	put16(tcp + 2, dport);
	put32(tcp + 4, seq);
	put32(tcp + 8, ack);
	tcp[12] = (uint8_t)(hlen / 4 << 4);
	tcp[13] = flags;
	put16(tcp + 14, flags & TCP_FLAG_RST ? 0 : TCP_WINDOW);
	if (flags & TCP_FLAG_SYN) {
		tcp[20] = 2; /* MSS, RFC 793 */
		tcp[21] = 4;
		put16(tcp + 22, family == AF_INET6 ? MSS_IPV6 : MSS_IPV4);
	}
	uint32_t sum = checksum_pseudo(family, src, dst, IPPROTO_TCP, hlen);
	checksum_store(tcp + 16, checksum_finish(checksum_add(sum, tcp, hlen)));
	return frame_length(off + hlen);
}

size_t udp_frame(int family, const uint8_t src_mac[6], const uint8_t dst_mac[6], const uint8_t *src,
		 const uint8_t *dst, uint16_t sport, uint16_t dport, const uint8_t *payload, size_t len,
		 uint16_t ip_id, uint8_t *buf, size_t cap)
{
	size_t ulen = UDP_HLEN + len;
	size_t off = ip_headers(family, src_mac, dst_mac, src, dst, IPPROTO_UDP, ulen, ip_id, buf, cap);

	if (!off)
		return 0;
	uint8_t *udp = buf + off;
	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, (uint16_t)ulen);
	memcpy(udp + UDP_HLEN, payload, len);
	uint16_t sum = checksum_finish(checksum_add(checksum_pseudo(family, src, dst, IPPROTO_UDP, ulen), udp, ulen));
	/* 0 means "no checksum" in UDP over IPv4 and is forbidden over IPv6:
	 * a computed 0 goes out as its other form (RFC 768, RFC 8200 8.1). */
	checksum_store(udp + 6, sum ? sum : 0xffff);
	return frame_length(off + ulen);
}

#define ICMP_ECHO_LEN 16 /* header and 8 bytes of payload */
#define ICMP_ECHO_REQUEST(family) ((family) == AF_INET6 ? 128 : 8)
#define ICMP_ECHO_REPLY(family) ((family) == AF_INET6 ? 129 : 0)

size_t echo_frame(int family, const uint8_t src_mac[6], const uint8_t dst_mac[6], const uint8_t *src,
		  const uint8_t *dst, uint16_t id, uint16_t seq, uint16_t ip_id, uint8_t *buf, size_t cap)
{
	uint8_t proto = family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	size_t off = ip_headers(family, src_mac, dst_mac, src, dst, proto, ICMP_ECHO_LEN, ip_id, buf, cap);

	if (!off)
		return 0;
	uint8_t *icmp = buf + off;
	icmp[0] = ICMP_ECHO_REQUEST(family);
	put16(icmp + 4, id);
	put16(icmp + 6, seq);
	memcpy(icmp + 8, "lvsdr-pc", 8);
	/* ICMPv6 sums a pseudo-header too (RFC 4443 2.3); ICMP does not. */
	uint32_t sum = family == AF_INET6 ? checksum_pseudo(family, src, dst, proto, ICMP_ECHO_LEN) : 0;
	checksum_store(icmp + 2, checksum_finish(checksum_add(sum, icmp, ICMP_ECHO_LEN)));
	return frame_length(off + ICMP_ECHO_LEN);
}

bool echo_reply_matches(const struct packet *pkt, const struct ip_addr *from, const struct ip_addr *to, uint16_t id)
{
	int family = from->family;

	return pkt->proto == (family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP) &&
	       pkt->icmp_type == ICMP_ECHO_REPLY(family) && pkt->echo_id == id && ipaddr_equal(&pkt->src, from) &&
	       ipaddr_equal(&pkt->dst, to);
}

size_t probe_frame(const struct probe *p, uint16_t ip_id, uint8_t *buf, size_t cap)
{
	if (p->proto == IPPROTO_TCP)
		return tcp_frame(p->src.family, p->src_mac, p->dst_mac, p->src.bytes, p->dst.bytes, p->sport, p->dport, p->isn, 0,
				 TCP_FLAG_SYN, ip_id, buf, cap);
	return udp_frame(p->src.family, p->src_mac, p->dst_mac, p->src.bytes, p->dst.bytes, p->sport, p->dport, p->payload,
			 sizeof(p->payload), ip_id, buf, cap);
}

size_t probe_reset_frame(const struct probe *p, const struct packet *synack, uint16_t ip_id, uint8_t *buf,
			 size_t cap)
{
	return tcp_frame(p->src.family, p->src_mac, synack->eth_src, p->src.bytes, synack->src.bytes, p->sport, synack->sport,
			 synack->ack, 0, TCP_FLAG_RST, ip_id, buf, cap);
}

/* The ports of a TCP or UDP header at p, if len holds them. */
static bool ports_parse(const uint8_t *p, size_t len, uint16_t *sport, uint16_t *dport)
{
	if (len < 4)
		return false;
	*sport = get16(p);
	*dport = get16(p + 2);
	return true;
}

/* An IP header at ip of at most len bytes: addresses (with the family),
 * protocol,
 * and where its payload starts and ends. IPv6 extension headers are not
 * followed: no answer we wait for carries any. */
static bool ip_parse(const uint8_t *ip, size_t len, struct ip_addr *src, struct ip_addr *dst, uint8_t *proto,
		     size_t *payload_off, size_t *payload_len, bool inner)
{
	if (len < 1)
		return false;
	if (ip[0] >> 4 == 4) {
		size_t ihl = (size_t)(ip[0] & 0x0f) * 4, total;
		if (ihl < IPV4_HLEN || len < ihl)
			return false;
		total = get16(ip + 2);
		/* The copy inside an ICMP error is cut short: its length field
		 * speaks of the original packet. */
		if (!inner && (total < ihl || total > len))
			return false;
		if (inner || total > len)
			total = len;
		/* A fragment other than the first has no transport header. */
		if (get16(ip + 6) & 0x1fff)
			return false;
		*src = (struct ip_addr){ .family = AF_INET, .prefix = 32 };
		*dst = *src;
		memcpy(src->bytes, ip + 12, 4);
		memcpy(dst->bytes, ip + 16, 4);
		*proto = ip[9];
		*payload_off = ihl;
		*payload_len = total - ihl;
		return true;
	}
	if (ip[0] >> 4 == 6) {
		size_t plen;
		if (len < IPV6_HLEN)
			return false;
		plen = get16(ip + 4);
		if (!inner && IPV6_HLEN + plen > len)
			return false;
		if (inner || IPV6_HLEN + plen > len)
			plen = len - IPV6_HLEN;
		*src = (struct ip_addr){ .family = AF_INET6, .prefix = 128 };
		*dst = *src;
		memcpy(src->bytes, ip + 8, 16);
		memcpy(dst->bytes, ip + 24, 16);
		*proto = ip[6];
		*payload_off = IPV6_HLEN;
		*payload_len = plen;
		return true;
	}
	return false;
}

static bool icmp_is_error(int family, uint8_t type)
{
	if (family == AF_INET6)
		return type == 1 || type == 3; /* destination unreachable, time exceeded */
	return type == 3 || type == 11;
}

bool packet_parse(const uint8_t *frame, size_t len, struct packet *pkt)
{
	size_t off, plen;
	uint16_t type;

	memset(pkt, 0, sizeof(*pkt));
	if (len < ETH_HLEN_)
		return false;
	type = get16(frame + 12);
	if (type != ETHERTYPE_IPV4_ && type != ETHERTYPE_IPV6_)
		return false;
	memcpy(pkt->eth_src, frame + 6, 6);
	if (!ip_parse(frame + ETH_HLEN_, len - ETH_HLEN_, &pkt->src, &pkt->dst, &pkt->proto, &off, &plen, false))
		return false;
	if ((pkt->src.family == AF_INET6) != (type == ETHERTYPE_IPV6_))
		return false;
	const uint8_t *l4 = frame + ETH_HLEN_ + off;
	switch (pkt->proto) {
	case IPPROTO_TCP:
		if (plen < TCP_HLEN)
			return false;
		ports_parse(l4, plen, &pkt->sport, &pkt->dport);
		pkt->seq = get32(l4 + 4);
		pkt->ack = get32(l4 + 8);
		pkt->tcp_flags = l4[13];
		return true;
	case IPPROTO_UDP:
		return plen >= UDP_HLEN && ports_parse(l4, plen, &pkt->sport, &pkt->dport);
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if ((pkt->proto == IPPROTO_ICMPV6) != (pkt->src.family == AF_INET6) || plen < 8)
			return false;
		pkt->icmp_type = l4[0];
		pkt->icmp_code = l4[1];
		if (pkt->icmp_type == ICMP_ECHO_REPLY(pkt->src.family))
			pkt->echo_id = get16(l4 + 4);
		if (icmp_is_error(pkt->src.family, pkt->icmp_type)) {
			size_t ioff, ilen;
			/* The invoking packet follows the 8-byte ICMP header. */
			if (ip_parse(l4 + 8, plen - 8, &pkt->inner_src, &pkt->inner_dst, &pkt->inner_proto, &ioff, &ilen,
				     true) &&
			    pkt->inner_src.family == pkt->src.family &&
			    ports_parse(l4 + 8 + ioff, ilen, &pkt->inner_sport, &pkt->inner_dport))
				pkt->has_inner = true;
		}
		return true;
	default:
		return false;
	}
}

enum probe_answer probe_match(const struct probe *p, const struct packet *pkt, bool *from_vip)
{
	*from_vip = false;
	if (pkt->src.family != p->src.family)
		return ANSWER_NONE;
	if (pkt->proto == IPPROTO_ICMP || pkt->proto == IPPROTO_ICMPV6) {
		/* About our probe: the copy inside is the probe itself. */
		if (!pkt->has_inner || !ipaddr_equal(&pkt->dst, &p->src) || !ipaddr_equal(&pkt->inner_src, &p->src) ||
		    !ipaddr_equal(&pkt->inner_dst, &p->dst) || pkt->inner_proto != p->proto ||
		    pkt->inner_sport != p->sport || pkt->inner_dport != p->dport)
			return ANSWER_NONE;
		*from_vip = ipaddr_equal(&pkt->src, &p->dst);
		if ((p->src.family == AF_INET6 && pkt->icmp_type == 1) || (p->src.family == AF_INET && pkt->icmp_type == 3))
			return ANSWER_UNREACH;
		return ANSWER_TIME_EXCEEDED;
	}
	/* An answer goes to our address and port, from the service port; its
	 * source address is what we judge, so it is not matched on. */
	if (pkt->proto != p->proto || !ipaddr_equal(&pkt->dst, &p->src) || pkt->dport != p->sport ||
	    pkt->sport != p->dport)
		return ANSWER_NONE;
	*from_vip = ipaddr_equal(&pkt->src, &p->dst);
	if (p->proto == IPPROTO_UDP)
		return ANSWER_DATAGRAM;
	/* Only a segment acknowledging our SYN answers it; anything else on
	 * this port pair is someone else's. */
	if (!(pkt->tcp_flags & TCP_FLAG_ACK) || pkt->ack != p->isn + 1)
		return ANSWER_NONE;
	if (pkt->tcp_flags & TCP_FLAG_RST)
		return ANSWER_RESET;
	if ((pkt->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_FIN)) == TCP_FLAG_SYN)
		return ANSWER_SYNACK;
	return ANSWER_NONE;
}

enum pathcheck_verdict probe_verdict(enum probe_answer a, bool from_vip)
{
	/* A client drops an answer from any other address than the one it
	 * asked: for it the real server is as silent as one that drops. */
	if (a == ANSWER_NONE || !from_vip || a == ANSWER_TIME_EXCEEDED)
		return PATHCHECK_NOT_ACCEPTED;
	if (a == ANSWER_SYNACK || a == ANSWER_DATAGRAM)
		return PATHCHECK_OPEN;
	return PATHCHECK_CLOSED;
}

const char *icmp_describe(int family, uint8_t type, uint8_t code)
{
	if (family == AF_INET6) {
		static const char *const unreach6[] = {
			"no route",
			"administratively prohibited",
			"beyond the scope of the source address",
			"address unreachable",
			"port unreachable",
			"source address failed policy",
			"reject route",
		};
		if (type == 1 && code < sizeof(unreach6) / sizeof(unreach6[0]))
			return unreach6[code];
		if (type == 1)
			return "destination unreachable";
		return type == 3 ? "hop limit exceeded" : "ICMPv6 error";
	}
	if (type == 11)
		return "time to live exceeded";
	switch (code) {
	case 0:
		return "network unreachable";
	case 1:
		return "host unreachable";
	case 2:
		return "protocol unreachable";
	case 3:
		return "port unreachable";
	case 9:
	case 10:
	case 13:
		return "administratively prohibited";
	default:
		return "destination unreachable";
	}
}

unsigned probe_send_offset_ms(unsigned timeout_ms, unsigned retries, unsigned n)
{
	/* Gaps g, 2g, 4g, ... and a last wait of 2^retries g fill timeout:
	 * g (2^(retries+1) - 1) = timeout. */
	uint64_t units = ((uint64_t)1 << (retries + 1)) - 1;

	if (n > retries)
		return timeout_ms;
	return (unsigned)((uint64_t)timeout_ms * (((uint64_t)1 << n) - 1) / units);
}

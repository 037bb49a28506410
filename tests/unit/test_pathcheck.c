/* The path check without a network: checksums against vectors computed
 * independently (RFC 1071's example, and frames checksummed by a separate
 * Python implementation), the layout of every frame we send, the reading
 * of every answer we may get (and of broken frames), which answer gives
 * which verdict, the retry schedule, the port syntax, ARP and neighbour
 * discovery frames, and the [pathcheck] section of a profile. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "checksum.h"
#include "frames.h"
#include "harness.h"
#include "neighbour.h"
#include "nic.h"
#include "pathcheck.h"
#include "profile.h"
#include "util.h"

static const uint8_t mac_dir[6] = { 2, 0, 0, 0, 0, 2 }, mac_rs[6] = { 2, 0, 0, 0, 0, 0x11 };

static void addr(const char *text, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, text, out) != 1)
		inet_pton(AF_INET6, text, out);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static struct probe probe_make(int family, uint8_t proto)
{
	struct probe p = { .src.family = family, .dst.family = family, .proto = proto, .sport = 40000, .dport = proto == IPPROTO_TCP ? 80 : 53, .isn = 0x01020304 };

	memcpy(p.src_mac, mac_dir, 6);
	memcpy(p.dst_mac, mac_rs, 6);
	addr(family == AF_INET ? "192.0.2.2" : "2001:db8::2", p.src.bytes);
	addr(family == AF_INET ? "192.0.2.100" : "2001:db8::100", p.dst.bytes);
	for (int i = 0; i < PATHCHECK_PAYLOAD_LEN; i++)
		p.payload[i] = (uint8_t)i;
	return p;
}

/* The transport checksum of a built frame verifies: summing it with the
 * checksum in place gives 0 after the complement. */
static bool l4_checksum_ok(const uint8_t *f, int family, uint8_t proto)
{
	const uint8_t *ip = f + 14, *l4 = ip + (family == AF_INET ? 20 : 40);
	size_t len = family == AF_INET ? get16(ip + 2) - 20u : get16(ip + 4);
	const uint8_t *src = ip + (family == AF_INET ? 12 : 8), *dst = ip + (family == AF_INET ? 16 : 24);

	return checksum_finish(checksum_add(checksum_pseudo(family, src, dst, proto, len), l4, len)) == 0;
}

static void test_checksums(void)
{
	static const uint8_t rfc1071[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	static const uint8_t odd[] = { 0x01, 0x02, 0x03 };
	uint8_t f[PATHCHECK_FRAME_MAX];
	struct probe p;
	size_t n;

	CHECK(checksum_finish(checksum_add(0, rfc1071, sizeof(rfc1071))) == 0x220d,
	      "checksum: RFC 1071 section 3 example sums to ddf2, checksum 220d");
	CHECK(checksum_finish(checksum_add(0, odd, sizeof(odd))) == (uint16_t)~0x0402,
	      "checksum: an odd last byte counts as its high half");
	uint8_t ff[4096];
	memset(ff, 0xff, sizeof(ff));
	CHECK(checksum_finish(checksum_add(0, ff, sizeof(ff))) == 0, "checksum: 4 KiB of 0xff does not overflow");
	uint8_t zero_sum[2] = { 0 };
	checksum_store(zero_sum, 0xb861);
	CHECK(zero_sum[0] == 0xb8 && zero_sum[1] == 0x61, "checksum: stored big-endian");

	p = probe_make(AF_INET, IPPROTO_TCP);
	n = probe_frame(&p, 0x1234, f, sizeof(f));
	CHECK(n == 60 && get16(f + 14 + 10) == 0xa431 && get16(f + 34 + 16) == 0x7838,
	      "checksum: IPv4 SYN has header checksum a431 and TCP checksum 7838, as computed independently");
	CHECK(checksum_finish(checksum_add(0, f + 14, 20)) == 0 && l4_checksum_ok(f, AF_INET, IPPROTO_TCP),
	      "checksum: IPv4 SYN verifies as a receiver checks it");
	p = probe_make(AF_INET6, IPPROTO_UDP);
	n = probe_frame(&p, 0, f, sizeof(f));
	CHECK(n == 14 + 40 + 8 + 16 && get16(f + 54 + 6) == 0xce94 && l4_checksum_ok(f, AF_INET6, IPPROTO_UDP),
	      "checksum: IPv6 UDP probe has checksum ce94, as computed independently, and verifies");
	p = probe_make(AF_INET6, IPPROTO_TCP);
	probe_frame(&p, 0, f, sizeof(f));
	CHECK(l4_checksum_ok(f, AF_INET6, IPPROTO_TCP), "checksum: IPv6 SYN verifies");
	p = probe_make(AF_INET, IPPROTO_UDP);
	probe_frame(&p, 0, f, sizeof(f));
	CHECK(l4_checksum_ok(f, AF_INET, IPPROTO_UDP), "checksum: IPv4 UDP probe verifies");

	/* A UDP checksum that computes to 0 goes out as ffff: find a payload
	 * that makes it 0 by adjusting two bytes. */
	p = probe_make(AF_INET, IPPROTO_UDP);
	memset(p.payload, 0, sizeof(p.payload));
	probe_frame(&p, 0, f, sizeof(f));
	uint16_t sum = get16(f + 34 + 6);
	p.payload[0] = (uint8_t)(sum >> 8), p.payload[1] = (uint8_t)sum; /* adds ~sum's complement */
	probe_frame(&p, 0, f, sizeof(f));
	CHECK(get16(f + 34 + 6) == 0xffff && l4_checksum_ok(f, AF_INET, IPPROTO_UDP),
	      "checksum: a UDP checksum of 0 is sent as ffff (0 means none) and still verifies");
}

static void test_frames(void)
{
	uint8_t f[PATHCHECK_FRAME_MAX], small[40];
	struct probe p = probe_make(AF_INET, IPPROTO_TCP);
	size_t n = probe_frame(&p, 7, f, sizeof(f));
	uint8_t vip[16];

	addr("192.0.2.100", vip);
	CHECK(!memcmp(f, mac_rs, 6) && !memcmp(f + 6, mac_dir, 6) && get16(f + 12) == 0x0800,
	      "frame: to the real server's MAC, from ours, IPv4: what the director's MAC rewrite sends");
	CHECK(!memcmp(f + 14 + 16, vip, 4) && f[14 + 8] == 64 && f[14 + 9] == IPPROTO_TCP && get16(f + 14 + 6) == 0x4000 &&
		      get16(f + 14 + 4) == 7 && get16(f + 14 + 2) == 44,
	      "frame: IPv4 to the VIP, TTL 64, TCP, don't fragment, the given id, 44 bytes");
	CHECK(get16(f + 34) == 40000 && get16(f + 36) == 80 && f[34 + 13] == 0x02 && f[34 + 12] >> 4 == 6 &&
		      f[34 + 20] == 2 && get16(f + 34 + 22) == 1460 && n == 60 && f[58] == 0 && f[59] == 0,
	      "frame: a SYN alone, with an MSS option of 1460, padded with zeros to 60 bytes");
	p = probe_make(AF_INET6, IPPROTO_UDP);
	n = probe_frame(&p, 7, f, sizeof(f));
	addr("2001:db8::100", vip);
	CHECK(get16(f + 12) == 0x86dd && f[14] >> 4 == 6 && get16(f + 18) == 24 && f[20] == IPPROTO_UDP && f[21] == 64 &&
		      !memcmp(f + 38, vip, 16) && get16(f + 54 + 4) == 24 && !memcmp(f + 62, p.payload, 16) && n == 78,
	      "frame: IPv6 UDP to the VIP with the 16-byte payload and matching lengths");
	CHECK(probe_frame(&p, 0, small, sizeof(small)) == 0, "frame: a buffer too small gets nothing written");

	/* The RST answering a SYN-ACK: to its sender, sequence = its ack. */
	struct packet synack;
	p = probe_make(AF_INET, IPPROTO_TCP);
	n = tcp_frame(AF_INET, mac_rs, mac_dir, p.dst.bytes, p.src.bytes, 80, 40000, 999, p.isn + 1, TCP_FLAG_SYN | TCP_FLAG_ACK, 1, f,
		      sizeof(f));
	CHECK(packet_parse(f, n, &synack), "frame: a SYN-ACK built the other way round parses");
	n = probe_reset_frame(&p, &synack, 9, f, sizeof(f));
	CHECK(n == 60 && !memcmp(f, mac_rs, 6) && f[34 + 13] == TCP_FLAG_RST && get16(f + 34 + 4) == 0x0102 &&
		      get16(f + 34 + 6) == 0x0305 && get16(f + 34 + 14) == 0 && get16(f + 34) == 40000 && get16(f + 36) == 80 &&
		      l4_checksum_ok(f, AF_INET, IPPROTO_TCP),
	      "frame: the RST goes back to the SYN-ACK's sender with sequence isn+1, no ACK, window 0");
}

/* An ICMP error about the probe p, from from, as the kernel builds it:
 * the probe's IP header and the first 8 bytes after it. */
static size_t icmp_about(const struct probe *p, const char *from, uint8_t type, uint8_t code, uint8_t *f, size_t cap)
{
	uint8_t probe[PATHCHECK_FRAME_MAX], src[16];
	size_t l3 = p->src.family == AF_INET ? 20 : 40, quoted = l3 + 8;

	probe_frame(p, 0, probe, sizeof(probe));
	addr(from, src);
	if (cap < 14 + l3 + 8 + quoted)
		return 0;
	memset(f, 0, 14 + l3 + 8 + quoted);
	memcpy(f, mac_dir, 6);
	memcpy(f + 6, mac_rs, 6);
	uint8_t *ip = f + 14, *icmp = ip + l3;
	if (p->src.family == AF_INET) {
		f[12] = 0x08;
		ip[0] = 0x45;
		ip[2] = 0, ip[3] = (uint8_t)(20 + 8 + quoted);
		ip[8] = 64;
		ip[9] = IPPROTO_ICMP;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, p->src.bytes, 4);
	} else {
		f[12] = 0x86, f[13] = 0xdd;
		ip[0] = 0x60;
		ip[5] = (uint8_t)(8 + quoted);
		ip[6] = IPPROTO_ICMPV6;
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, p->src.bytes, 16);
	}
	icmp[0] = type;
	icmp[1] = code;
	memcpy(icmp + 8, probe + 14, quoted);
	return 14 + l3 + 8 + quoted;
}

static enum probe_answer match_frame(const struct probe *p, const uint8_t *f, size_t n, bool *from_vip)
{
	struct packet pkt;

	*from_vip = false;
	if (!packet_parse(f, n, &pkt))
		return (enum probe_answer) - 1;
	return probe_match(p, &pkt, from_vip);
}

static void test_answers(void)
{
	uint8_t f[256], rs_addr[16], other[16];
	struct probe tcp = probe_make(AF_INET, IPPROTO_TCP), udp = probe_make(AF_INET, IPPROTO_UDP);
	struct probe udp6 = probe_make(AF_INET6, IPPROTO_UDP), tcp6 = probe_make(AF_INET6, IPPROTO_TCP);
	bool v;
	size_t n;
	enum probe_answer a;

	addr("192.0.2.11", rs_addr);
	addr("192.0.2.12", other);
	n = tcp_frame(AF_INET, mac_rs, mac_dir, tcp.dst.bytes, tcp.src.bytes, 80, 40000, 5, tcp.isn + 1, TCP_FLAG_SYN | TCP_FLAG_ACK,
		      0, f, sizeof(f));
	a = match_frame(&tcp, f, n, &v);
	CHECK(a == ANSWER_SYNACK && v && probe_verdict(a, v) == PATHCHECK_OPEN, "answer: SYN-ACK from the VIP is open");
	n = tcp_frame(AF_INET, mac_rs, mac_dir, tcp.dst.bytes, tcp.src.bytes, 80, 40000, 5, tcp.isn + 2, TCP_FLAG_SYN | TCP_FLAG_ACK,
		      0, f, sizeof(f));
	CHECK(match_frame(&tcp, f, n, &v) == ANSWER_NONE, "answer: a SYN-ACK acknowledging another SYN is not ours");
	n = tcp_frame(AF_INET, mac_rs, mac_dir, tcp.dst.bytes, tcp.src.bytes, 80, 40001, 5, tcp.isn + 1, TCP_FLAG_SYN | TCP_FLAG_ACK,
		      0, f, sizeof(f));
	CHECK(match_frame(&tcp, f, n, &v) == ANSWER_NONE, "answer: a SYN-ACK to another port is not ours");
	n = tcp_frame(AF_INET, mac_rs, mac_dir, tcp.dst.bytes, tcp.src.bytes, 443, 40000, 5, tcp.isn + 1, TCP_FLAG_SYN | TCP_FLAG_ACK,
		      0, f, sizeof(f));
	CHECK(match_frame(&tcp, f, n, &v) == ANSWER_NONE, "answer: a SYN-ACK from another service port is not ours");
	n = tcp_frame(AF_INET, mac_rs, mac_dir, tcp.dst.bytes, tcp.src.bytes, 80, 40000, 0, tcp.isn + 1, TCP_FLAG_RST | TCP_FLAG_ACK, 0,
		      f, sizeof(f));
	a = match_frame(&tcp, f, n, &v);
	CHECK(a == ANSWER_RESET && v && probe_verdict(a, v) == PATHCHECK_CLOSED, "answer: RST-ACK from the VIP is closed");
	n = tcp_frame(AF_INET, mac_rs, mac_dir, tcp.dst.bytes, tcp.src.bytes, 80, 40000, 0, 0, TCP_FLAG_RST, 0, f, sizeof(f));
	CHECK(match_frame(&tcp, f, n, &v) == ANSWER_NONE, "answer: a RST acknowledging nothing is not an answer to a SYN");
	n = tcp_frame(AF_INET, mac_rs, mac_dir, rs_addr, tcp.src.bytes, 80, 40000, 5, tcp.isn + 1, TCP_FLAG_SYN | TCP_FLAG_ACK, 0,
		      f, sizeof(f));
	a = match_frame(&tcp, f, n, &v);
	CHECK(a == ANSWER_SYNACK && !v && probe_verdict(a, v) == PATHCHECK_NOT_ACCEPTED,
	      "answer: SYN-ACK from the real server's own address is vip-not-accepted");
	n = tcp_frame(AF_INET, mac_rs, mac_dir, tcp.dst.bytes, tcp.src.bytes, 80, 40000, 5, tcp.isn + 1, TCP_FLAG_ACK, 0, f, sizeof(f));
	CHECK(match_frame(&tcp, f, n, &v) == ANSWER_NONE, "answer: a bare ACK is not an answer to a SYN");

	n = udp_frame(AF_INET, mac_rs, mac_dir, udp.dst.bytes, udp.src.bytes, 53, 40000, (const uint8_t *)"x", 1, 0, f, sizeof(f));
	a = match_frame(&udp, f, n, &v);
	CHECK(a == ANSWER_DATAGRAM && v && probe_verdict(a, v) == PATHCHECK_OPEN, "answer: a UDP reply from the VIP is open");
	n = udp_frame(AF_INET, mac_rs, mac_dir, rs_addr, udp.src.bytes, 53, 40000, (const uint8_t *)"x", 1, 0, f, sizeof(f));
	a = match_frame(&udp, f, n, &v);
	CHECK(a == ANSWER_DATAGRAM && !v && probe_verdict(a, v) == PATHCHECK_NOT_ACCEPTED,
	      "answer: a UDP reply from the real server's own address is vip-not-accepted");
	CHECK(match_frame(&tcp, f, n, &v) == ANSWER_NONE, "answer: a UDP reply does not answer a TCP probe");
	n = udp_frame(AF_INET, mac_rs, mac_dir, udp.dst.bytes, other, 53, 40000, (const uint8_t *)"x", 1, 0, f, sizeof(f));
	CHECK(match_frame(&udp, f, n, &v) == ANSWER_NONE, "answer: a reply to another address of ours is not ours");

	n = icmp_about(&udp, "192.0.2.100", 3, 3, f, sizeof(f));
	a = match_frame(&udp, f, n, &v);
	CHECK(a == ANSWER_UNREACH && v && probe_verdict(a, v) == PATHCHECK_CLOSED,
	      "answer: ICMP port unreachable from the VIP quoting the probe is closed");
	n = icmp_about(&tcp, "192.0.2.100", 3, 13, f, sizeof(f));
	a = match_frame(&tcp, f, n, &v);
	CHECK(a == ANSWER_UNREACH && probe_verdict(a, v) == PATHCHECK_CLOSED &&
		      !strcmp(icmp_describe(AF_INET, 3, 13), "administratively prohibited"),
	      "answer: ICMP administratively prohibited from the VIP is closed");
	n = icmp_about(&udp, "192.0.2.1", 3, 1, f, sizeof(f));
	a = match_frame(&udp, f, n, &v);
	CHECK(a == ANSWER_UNREACH && !v && probe_verdict(a, v) == PATHCHECK_NOT_ACCEPTED,
	      "answer: ICMP host unreachable from a router is vip-not-accepted");
	n = icmp_about(&udp, "192.0.2.11", 11, 0, f, sizeof(f));
	a = match_frame(&udp, f, n, &v);
	CHECK(a == ANSWER_TIME_EXCEEDED && probe_verdict(a, v) == PATHCHECK_NOT_ACCEPTED,
	      "answer: ICMP time exceeded (the probe was routed on) is vip-not-accepted");
	struct probe moved = udp;
	moved.sport = 40001;
	n = icmp_about(&moved, "192.0.2.100", 3, 3, f, sizeof(f));
	CHECK(match_frame(&udp, f, n, &v) == ANSWER_NONE, "answer: ICMP quoting another probe is not ours");
	n = icmp_about(&udp, "192.0.2.100", 0, 0, f, sizeof(f));
	CHECK(match_frame(&udp, f, n, &v) == ANSWER_NONE, "answer: an ICMP echo reply is no answer");

	n = icmp_about(&udp6, "2001:db8::100", 1, 4, f, sizeof(f));
	a = match_frame(&udp6, f, n, &v);
	CHECK(a == ANSWER_UNREACH && v && probe_verdict(a, v) == PATHCHECK_CLOSED &&
		      !strcmp(icmp_describe(AF_INET6, 1, 4), "port unreachable"),
	      "answer: ICMPv6 port unreachable from the VIP is closed");
	CHECK(match_frame(&udp, f, n, &v) == ANSWER_NONE, "answer: an IPv6 answer never matches an IPv4 probe");
	n = tcp_frame(AF_INET6, mac_rs, mac_dir, tcp6.dst.bytes, tcp6.src.bytes, 80, 40000, 5, tcp6.isn + 1,
		      TCP_FLAG_SYN | TCP_FLAG_ACK, 0, f, sizeof(f));
	a = match_frame(&tcp6, f, n, &v);
	CHECK(a == ANSWER_SYNACK && v, "answer: IPv6 SYN-ACK from the VIP is open");
	CHECK(probe_verdict(ANSWER_NONE, false) == PATHCHECK_NOT_ACCEPTED, "answer: silence is vip-not-accepted");
	CHECK(!strcmp(pathcheck_verdict_names[PATHCHECK_NOT_ACCEPTED], "vip-not-accepted") &&
		      !strcmp(pathcheck_verdict_names[PATHCHECK_UNREACHABLE], "unreachable"),
	      "answer: verdict names");
}

static void test_parse_robust(void)
{
	uint8_t f[256], *copy;
	struct probe tcp = probe_make(AF_INET, IPPROTO_TCP), udp6 = probe_make(AF_INET6, IPPROTO_UDP);
	struct packet pkt;
	size_t n, bad = 0;

	/* Every cut of a valid answer: parsed or refused, never overread
	 * (each copy is exactly as long as the cut, for the sanitizers). */
	n = icmp_about(&udp6, "2001:db8::100", 1, 4, f, sizeof(f));
	for (size_t len = 0; len < n; len++) {
		copy = xmalloc(len ? len : 1);
		memcpy(copy, f, len);
		if (packet_parse(copy, len, &pkt) && pkt.has_inner && len < 14 + 40 + 8 + 40 + 4)
			bad++;
		free(copy);
	}
	CHECK(bad == 0, "parse: no cut of an ICMPv6 error reads a quoted header it does not hold");
	n = tcp_frame(AF_INET, mac_rs, mac_dir, tcp.dst.bytes, tcp.src.bytes, 80, 40000, 5, 6, TCP_FLAG_SYN | TCP_FLAG_ACK, 0, f,
		      sizeof(f));
	bad = 0;
	for (size_t len = 0; len < 14 + 20 + 20; len++) {
		copy = xmalloc(len ? len : 1);
		memcpy(copy, f, len);
		bad += packet_parse(copy, len, &pkt);
		free(copy);
	}
	CHECK(bad == 0, "parse: a TCP segment cut anywhere before its header ends is refused");
	CHECK(packet_parse(f, n, &pkt) && pkt.sport == 80 && pkt.dport == 40000 && pkt.seq == 5 && pkt.ack == 6 &&
		      pkt.tcp_flags == (TCP_FLAG_SYN | TCP_FLAG_ACK) && !memcmp(pkt.eth_src, mac_rs, 6),
	      "parse: a whole SYN-ACK gives ports, sequence numbers, flags and the sender's MAC");
	f[12] = 0x86, f[13] = 0xdd;
	CHECK(!packet_parse(f, n, &pkt), "parse: IPv4 under the IPv6 ethertype is refused");
	f[12] = 0x08, f[13] = 0x06;
	CHECK(!packet_parse(f, n, &pkt), "parse: an ARP ethertype is not an answer");
	f[12] = 0x08, f[13] = 0x00;
	f[14 + 6] = 0x20, f[14 + 7] = 0x10; /* fragment offset 16 */
	CHECK(!packet_parse(f, n, &pkt), "parse: a later fragment (no transport header) is refused");
	f[14 + 6] = 0x40, f[14 + 7] = 0;
	f[14 + 2] = 0x01; /* total length 256 + 40, beyond the frame */
	CHECK(!packet_parse(f, n, &pkt), "parse: an IPv4 total length beyond the frame is refused");
	f[14 + 2] = 0;
	f[14] = 0x44; /* header length 16 */
	CHECK(!packet_parse(f, n, &pkt), "parse: an IPv4 header length under 20 is refused");
}

static void test_schedule(void)
{
	bool rising = true;
	unsigned prev = 0;

	CHECK(probe_send_offset_ms(2000, 3, 0) == 0 && probe_send_offset_ms(2000, 3, 1) == 133 &&
		      probe_send_offset_ms(2000, 3, 2) == 400 && probe_send_offset_ms(2000, 3, 3) == 933 &&
		      probe_send_offset_ms(2000, 3, 4) == 2000,
	      "schedule: 2 s and 3 retries send at 0, 133, 400 and 933 ms (gaps doubling), last wait to 2000");
	CHECK(probe_send_offset_ms(2000, 0, 0) == 0 && probe_send_offset_ms(2000, 0, 1) == 2000,
	      "schedule: no retries sends once and waits the whole timeout");
	for (unsigned i = 1; i <= PATHCHECK_RETRIES_MAX + 1; i++) {
		unsigned at = probe_send_offset_ms(PATHCHECK_TIMEOUT_MAX_MS, PATHCHECK_RETRIES_MAX, i);
		rising = rising && at > prev;
		prev = at;
	}
	CHECK(rising && prev == PATHCHECK_TIMEOUT_MAX_MS, "schedule: 10 retries over 60 s rise strictly, no overflow");
}

static void test_ports(void)
{
	/* sctp for [service NAME]; pathcheck's own callers refuse it. */
	static const char *const good[] = { "tcp/80", "udp/53", "tcp/65535", "udp/1", "sctp/5060" };
	static const char *const bad[] = { "TCP/80", "tcp/0", "tcp/65536", "tcp/080", "tcp/", "tcp80", "sctp/0",
					   "SCTP/80", "sctp/", "sctp80", "tcp/8 0", "tcp/-1", "tcp/123456", "tcp/80/", "", "/80", "tcp/+80" };
	struct service_port sp;
	char text[16];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		bool ok = service_port_parse(good[i], &sp);
		service_port_format(&sp, text, sizeof(text));
		CHECK(ok && !strcmp(text, good[i]), "port: %s parses and prints back", good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(!service_port_parse(bad[i], &sp), "port: \"%s\" is refused", bad[i]);
}

static void test_neighbour_frames(void)
{
	struct neighbour_query q = { .ip.family = AF_INET };
	uint8_t f[128];
	struct claim c;
	size_t n;

	addr("192.0.2.11", q.ip.bytes);
	q.source.family = AF_INET;
	addr("192.0.2.2", q.source.bytes);
	n = neighbour_request_frame(&q, mac_dir, f, sizeof(f));
	CHECK(n == 60 && !memcmp(f, "\xff\xff\xff\xff\xff\xff", 6) && get16(f + 12) == 0x0806 && get16(f + 20) == 1 &&
		      !memcmp(f + 22, mac_dir, 6) && !memcmp(f + 28, q.source.bytes, 4) && !memcmp(f + 38, q.ip.bytes, 4),
	      "neighbour: broadcast ARP request for the real server, from our address in its subnet");
	/* The reply, as the real server sends it. */
	memcpy(f, mac_dir, 6);
	memcpy(f + 6, mac_rs, 6);
	f[21] = 2;
	memcpy(f + 22, mac_rs, 6);
	memcpy(f + 28, q.ip.bytes, 4);
	CHECK(frame_claim(f, 42, &c) && c.kind == CLAIM_ARP_REPLY && c.ip.family == AF_INET &&
		      !memcmp(c.ip.bytes, q.ip.bytes, 4) && !memcmp(c.mac, mac_rs, 6),
	      "neighbour: an ARP reply gives the sender's address and MAC");
	f[21] = 1;
	CHECK(frame_claim(f, 42, &c) && c.kind == CLAIM_ARP_REQUEST,
	      "neighbour: an ARP request is no answer");

	q.ip.family = AF_INET6;
	addr("2001:db8::11", q.ip.bytes);
	q.source.family = AF_INET6;
	addr("2001:db8::2", q.source.bytes);
	n = neighbour_request_frame(&q, mac_dir, f, sizeof(f));
	CHECK(n == 86 && f[0] == 0x33 && f[1] == 0x33 && f[2] == 0xff && f[5] == 0x11 && f[21] == 255 && f[54] == 135 &&
		      !memcmp(f + 62, q.ip.bytes, 16) && f[78] == 1 && !memcmp(f + 80, mac_dir, 6) &&
		      checksum_finish(checksum_add(checksum_pseudo(AF_INET6, f + 22, f + 38, IPPROTO_ICMPV6, 32), f + 54, 32)) == 0,
	      "neighbour: solicitation to the solicited-node group, hop limit 255, our MAC, valid checksum");
	/* Turn it into the advertisement the real server sends back. */
	f[54] = 136;
	f[78] = 2;
	memcpy(f + 80, mac_rs, 6);
	f[56] = f[57] = 0;
	checksum_store(f + 56, checksum_finish(checksum_add(checksum_pseudo(AF_INET6, f + 22, f + 38, IPPROTO_ICMPV6, 32),
							    f + 54, 32)));
	CHECK(frame_claim(f, n, &c) && c.kind == CLAIM_NA && c.ip.family == AF_INET6 && !memcmp(c.ip.bytes, q.ip.bytes, 16) &&
		      !memcmp(c.mac, mac_rs, 6),
	      "neighbour: an advertisement gives its target and target link-layer address");
	f[79] = 0;
	CHECK(!frame_claim(f, n, &c), "neighbour: an option of length 0 is refused, as RFC 4861 says");
	f[79] = 1;
	f[21] = 64;
	CHECK(!frame_claim(f, n, &c), "neighbour: an advertisement with hop limit below 255 is refused");
}

/* Just the classic BPF the destination and claim filters use: absolute
 * loads, jumps on equality, returns. Anything else fails the run. */
unsigned bpf_run(const struct sock_filter *f, unsigned short n, const uint8_t *pkt, size_t len)
{
	uint32_t a = 0;

	for (unsigned pc = 0; pc < n; pc++) {
		const struct sock_filter *i = &f[pc];
		switch (i->code) {
		case BPF_LD | BPF_B | BPF_ABS:
			if (i->k + 1 > len)
				return 0;
			a = pkt[i->k];
			break;
		case BPF_LD | BPF_H | BPF_ABS:
			if (i->k + 2 > len)
				return 0;
			a = get16(pkt + i->k);
			break;
		case BPF_LD | BPF_W | BPF_ABS:
			if (i->k + 4 > len)
				return 0;
			a = (uint32_t)get16(pkt + i->k) << 16 | get16(pkt + i->k + 2);
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == i->k ? i->jt : i->jf;
			break;
		case BPF_RET | BPF_K:
			return i->k;
		default:
			return 0xdead;
		}
	}
	return 0xdead; /* fell off the end */
}

static void test_filter(void)
{
	struct packet_dest d[4] = { { .ip.family = AF_INET }, { .ip.family = AF_INET6 }, { .ip.family = AF_INET }, { .ip.family = AF_INET } };
	struct sock_filter f[PACKET_FILTER_MAX];
	uint8_t frame[PATHCHECK_FRAME_MAX], other[16], rs[16];
	unsigned short n;
	size_t len;

	addr("192.0.2.2", d[0].ip.bytes);
	addr("2001:db8::2", d[1].ip.bytes);
	addr("198.51.100.2", d[2].ip.bytes);
	addr("192.0.2.2", d[3].ip.bytes); /* a repeat */
	addr("192.0.2.100", rs);
	n = packet_filter_destinations(d, 4, f, PACKET_FILTER_MAX);
	CHECK(n == 3 + 8, "filter: two IPv4 and one IPv6 destination, the repeat counted once: 11 instructions");
	len = udp_frame(AF_INET, mac_rs, mac_dir, rs, d[0].ip.bytes, 53, 40000, (const uint8_t *)"x", 1, 0, frame, sizeof(frame));
	CHECK(bpf_run(f, n, frame, len) == 0x40000, "filter: IPv4 to our first source passes");
	len = udp_frame(AF_INET, mac_rs, mac_dir, rs, d[2].ip.bytes, 53, 40000, (const uint8_t *)"x", 1, 0, frame, sizeof(frame));
	CHECK(bpf_run(f, n, frame, len) == 0x40000, "filter: IPv4 to our second source passes");
	addr("192.0.2.3", other);
	len = udp_frame(AF_INET, mac_rs, mac_dir, rs, other, 53, 40000, (const uint8_t *)"x", 1, 0, frame, sizeof(frame));
	CHECK(bpf_run(f, n, frame, len) == 0, "filter: IPv4 to another address is dropped");
	addr("2001:db8::100", rs);
	len = tcp_frame(AF_INET6, mac_rs, mac_dir, rs, d[1].ip.bytes, 80, 40000, 1, 2, TCP_FLAG_RST, 0, frame, sizeof(frame));
	CHECK(bpf_run(f, n, frame, len) == 0x40000, "filter: IPv6 to our source passes");
	addr("2001:db8::3", other);
	len = tcp_frame(AF_INET6, mac_rs, mac_dir, rs, other, 80, 40000, 1, 2, TCP_FLAG_RST, 0, frame, sizeof(frame));
	CHECK(bpf_run(f, n, frame, len) == 0, "filter: IPv6 to another address is dropped");
	memset(frame, 0, 60);
	frame[12] = 0x08, frame[13] = 0x06;
	CHECK(bpf_run(f, n, frame, 60) == 0, "filter: ARP is dropped");
	n = packet_filter_destinations(d, 1, f, PACKET_FILTER_MAX);
	len = tcp_frame(AF_INET6, mac_rs, mac_dir, rs, d[1].ip.bytes, 80, 40000, 1, 2, TCP_FLAG_RST, 0, frame, sizeof(frame));
	CHECK(n == 9 && bpf_run(f, n, frame, len) == 0, "filter: IPv4 only: every IPv6 frame is dropped");
	CHECK(packet_filter_destinations(d, 4, f, 9) == 0, "filter: too small a buffer gives no filter, not a short one");
}

static int parse_profile(const char *text, struct host *h, struct diag *d)
{
	memset(d, 0, sizeof(*d));
	d->file = "t.ini";
	return profile_parse(text, strlen(text), h, d);
}

static bool has(struct diag *d, unsigned line, const char *text)
{
	for (size_t i = 0; i < d->count; i++)
		if (d->entries[i].line == line && strstr(d->entries[i].text, text))
			return true;
	return false;
}

#define DIR_PROFILE "[host]\nrole = director\ninterface = eth0\n[vip]\naddress = 192.0.2.100\naddress = 2001:db8::100\n"

static void test_profile_section(void)
{
	struct host h;
	struct diag d;
	int ret;

	ret = parse_profile(DIR_PROFILE "[pathcheck]\nrealserver = 192.0.2.11\nrealserver = 2001:db8::12\n"
					"port = tcp/80\nport = udp/53\ntimeout = 500ms\nretries = 0\n",
			    &h, &d);
	CHECK(ret == 0 && h.pathcheck.nrealservers == 2 && h.pathcheck.realservers[1].ip.family == AF_INET6 &&
		      h.pathcheck.realservers[0].line == 8 && h.pathcheck.nports == 2 &&
		      h.pathcheck.ports[0].proto == IPPROTO_TCP && h.pathcheck.ports[1].port == 53 &&
		      h.pathcheck.timeout_ms == 500 && h.pathcheck.retries == 0,
	      "profile: [pathcheck] fills real servers, ports, timeout and retries");
	host_free(&h);
	diag_free(&d);
	ret = parse_profile(DIR_PROFILE, &h, &d);
	CHECK(ret == 0 && h.pathcheck.nrealservers == 0 && h.pathcheck.timeout_ms == PATHCHECK_TIMEOUT_MS &&
		      h.pathcheck.retries == PATHCHECK_RETRIES,
	      "profile: without [pathcheck], the defaults 2s and 3");
	host_free(&h);
	diag_free(&d);
	ret = parse_profile(DIR_PROFILE "[pathcheck]\nrealserver = 192.0.2.11\nport = tcp/80\nrealserver = 192.0.2.11\n"
					"port = tcp/80\nrealserver = 192.0.2.100\nrealserver = 2001:db8::100\nport = udp/80\n",
			    &h, &d);
	CHECK(ret == 4 && has(&d, 10, "realserver 192.0.2.11 is listed again (first at line 8)") &&
		      has(&d, 11, "port tcp/80 is listed again (first at line 9)") && has(&d, 12, "192.0.2.100: a VIP (line 5)") &&
		      has(&d, 13, "2001:db8::100: a VIP (line 6)"),
	      "profile: duplicates and VIPs as real servers are errors on their lines; udp/80 beside tcp/80 is fine");
	host_free(&h);
	diag_free(&d);
	ret = parse_profile("[host]\nrole = director\ninterface = eth0\n[vip]\naddress = 192.0.2.100\n"
			    "[pathcheck]\nrealserver = 2001:db8::11\nport = tcp/80\n",
			    &h, &d);
	CHECK(ret == 1 && has(&d, 7, "no IPv6 VIP in [vip] to check it through"),
	      "profile: a real server of a family no VIP has is an error");
	host_free(&h);
	diag_free(&d);
	ret = parse_profile(DIR_PROFILE "[pathcheck]\nrealserver = 192.0.2.11\n", &h, &d);
	CHECK(ret == 1 && has(&d, 0, "[pathcheck] port is missing"), "profile: real servers without ports are an error");
	host_free(&h);
	diag_free(&d);
	ret = parse_profile(DIR_PROFILE "[pathcheck]\nport = tcp/80\n", &h, &d);
	CHECK(ret == 1 && has(&d, 0, "[pathcheck] realserver is missing"), "profile: ports without real servers are an error");
	host_free(&h);
	diag_free(&d);
	ret = parse_profile("[host]\nrole = realserver\ninterface = eth0\n[vip]\naddress = 192.0.2.100\n"
			    "[pathcheck]\nrealserver = 192.0.2.11\n",
			    &h, &d);
	CHECK(ret == 1 && has(&d, 7, "[pathcheck] realserver: only a director sends to real servers (role = realserver at line 2)"),
	      "profile: [pathcheck] on a real server is an error, and only that");
	host_free(&h);
	diag_free(&d);
	ret = parse_profile(DIR_PROFILE "[pathcheck]\nrealserver = 192.0.2.11/32\nrealserver = 224.0.0.1\n"
					"realserver = 192.0.2.11, 192.0.2.12\nport = tcp/80,tcp/443\ntimeout = 9ms\nretries = 11\n",
			    &h, &d);
	CHECK(ret == 6 && has(&d, 8, "without a prefix") && has(&d, 9, "multicast (224.0.0.0/4), not a real server's") &&
		      has(&d, 10, "one address per line") && has(&d, 11, "one port per line") &&
		      has(&d, 12, "from 10ms to 60s") && has(&d, 13, "0-10") && !has(&d, 0, "is missing"),
	      "profile: each bad value names its line, and a key given with a bad value is not also missing");
	host_free(&h);
	diag_free(&d);
}

/* The ping of a silent real server: a valid echo request, and only the
 * reply from that real server to us with our identifier matches. */
static void test_echo(void)
{
	for (int family = AF_INET; family; family = family == AF_INET ? AF_INET6 : 0) {
		uint8_t f[PATHCHECK_FRAME_MAX], tmp[16];
		struct ip_addr us = { .family = family }, rs = { .family = family };
		uint8_t proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		size_t l3 = family == AF_INET ? 20 : 40, aoff = family == AF_INET ? 12 : 8, alen = addr_len(family);
		struct packet pkt;

		addr(family == AF_INET ? "192.0.2.2" : "2001:db8::2", us.bytes);
		addr(family == AF_INET ? "192.0.2.12" : "2001:db8::12", rs.bytes);
		size_t n = echo_frame(family, mac_dir, mac_rs, us.bytes, rs.bytes, 0x1234, 2, 7, f, sizeof(f));
		const uint8_t *icmp = f + 14 + l3;
		bool sum_ok = family == AF_INET ? checksum_finish(checksum_add(0, icmp, 16)) == 0
						: l4_checksum_ok(f, family, proto);
		CHECK(n == (family == AF_INET ? 60 : 14 + 40 + 16) && icmp[0] == (family == AF_INET ? 8 : 128) &&
			      get16(icmp + 4) == 0x1234 && get16(icmp + 6) == 2 && sum_ok && !memcmp(f, mac_rs, 6),
		      "echo: a %s echo request to the real server's MAC, identifier and sequence set, checksum verifies",
		      family == AF_INET ? "ICMP" : "ICMPv6");
		/* The reply: addresses swapped, type echo reply. */
		memcpy(tmp, f + 14 + aoff, alen);
		memcpy(f + 14 + aoff, f + 14 + aoff + alen, alen);
		memcpy(f + 14 + aoff + alen, tmp, alen);
		f[14 + l3] = family == AF_INET ? 0 : 129;
		CHECK(packet_parse(f, n, &pkt) && echo_reply_matches(&pkt, &rs, &us, 0x1234) &&
			      !echo_reply_matches(&pkt, &rs, &us, 0x1235) && !echo_reply_matches(&pkt, &us, &us, 0x1234),
		      "echo: the reply matches its real server and identifier, and nothing else");
		f[14 + l3] = family == AF_INET ? 8 : 128;
		CHECK(packet_parse(f, n, &pkt) && !echo_reply_matches(&pkt, &rs, &us, 0x1234),
		      "echo: a request is no reply");
	}
}

void test_pathcheck(void)
{
	test_echo();
	test_checksums();
	test_frames();
	test_answers();
	test_parse_robust();
	test_schedule();
	test_ports();
	test_neighbour_frames();
	test_filter();
	test_profile_section();
}

/* The DR path check's frames and verdicts, without any I/O: what a probe
 * looks like on the wire (exactly what a director's MAC rewrite forwards:
 * the real server's MAC, the VIP as IP destination), how an answer is read,
 * and what it means. pathcheck_run.c does the sending and receiving. */
#ifndef LVSDR_PATHCHECK_H
#define LVSDR_PATHCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host.h"
#include "ipaddr.h"

#define PATHCHECK_PAYLOAD_LEN 16     /* random bytes in a UDP probe */
#define PATHCHECK_FRAME_MAX 128	     /* every frame we build fits */
#define PATHCHECK_MAX_CHECKS 100000u /* VIPs x real servers x ports in one run */

enum pathcheck_verdict {
	PATHCHECK_OPEN,		/* SYN-ACK or UDP reply from the VIP */
	PATHCHECK_CLOSED,	/* RST or ICMP unreachable from the VIP */
	PATHCHECK_NOT_ACCEPTED, /* silence, or an answer from another address */
	PATHCHECK_UNREACHABLE,	/* no ARP/NDP answer for the real server */
	PATHCHECK_VERDICT_COUNT
};
extern const char *const pathcheck_verdict_names[PATHCHECK_VERDICT_COUNT];

/* One probe: one VIP, one real server, one port. */
struct probe {
	uint8_t src_mac[6], dst_mac[6]; /* ours; the real server's */
	struct ip_addr src, dst;	/* our address; the VIP: one family */
	uint8_t proto;			/* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t sport, dport;
	uint32_t isn;				/* TCP: our initial sequence number */
	uint8_t payload[PATHCHECK_PAYLOAD_LEN]; /* UDP */
};

/* What a received frame says, as far as the check cares. */
struct packet {
	uint8_t eth_src[6];
	struct ip_addr src, dst; /* one family: the IP header's */
	uint8_t proto;		 /* IPPROTO_TCP, _UDP, _ICMP or _ICMPV6 */
	uint16_t sport, dport;	 /* TCP, UDP */
	uint8_t tcp_flags;
	uint32_t seq, ack;
	uint8_t icmp_type, icmp_code;
	uint16_t echo_id; /* an echo reply: its identifier */
	/* An ICMP error: the start of the packet that caused it. */
	bool has_inner;
	struct ip_addr inner_src, inner_dst; /* of the family of src */
	uint8_t inner_proto;
	uint16_t inner_sport, inner_dport;
};

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10

enum probe_answer {
	ANSWER_NONE,	      /* not about this probe */
	ANSWER_SYNACK,	      /* the service accepts connections */
	ANSWER_RESET,	      /* nothing listens */
	ANSWER_DATAGRAM,      /* the UDP service answered */
	ANSWER_UNREACH,	      /* ICMP destination unreachable */
	ANSWER_TIME_EXCEEDED, /* the probe was routed on, not taken */
};

/* The frames, padded to the Ethernet minimum of 60 bytes. Each returns the
 * length written, or 0 when cap is too small. */
size_t probe_frame(const struct probe *p, uint16_t ip_id, uint8_t *buf, size_t cap);
/* A RST for the SYN-ACK in reply, so the real server drops the half-open
 * connection: from our address and port to the SYN-ACK's sender, sequence
 * number the SYN-ACK's acknowledgement (RFC 793, "Reset Generation"). */
size_t probe_reset_frame(const struct probe *p, const struct packet *synack, uint16_t ip_id, uint8_t *buf,
			 size_t cap);
/* Any TCP segment, for probe_frame, probe_reset_frame and the unit tests. */
size_t tcp_frame(int family, const uint8_t src_mac[6], const uint8_t dst_mac[6], const uint8_t *src,
		 const uint8_t *dst, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
		 uint16_t ip_id, uint8_t *buf, size_t cap);
size_t udp_frame(int family, const uint8_t src_mac[6], const uint8_t dst_mac[6], const uint8_t *src,
		 const uint8_t *dst, uint16_t sport, uint16_t dport, const uint8_t *payload, size_t len,
		 uint16_t ip_id, uint8_t *buf, size_t cap);

/* An ICMP (ICMPv6) echo request with identifier id: asks a real server
 * that takes no probe whether anything it sends us reaches us. */
size_t echo_frame(int family, const uint8_t src_mac[6], const uint8_t dst_mac[6], const uint8_t *src,
		  const uint8_t *dst, uint16_t id, uint16_t seq, uint16_t ip_id, uint8_t *buf, size_t cap);
/* Whether pkt is the echo reply of from to our address to, identifier id. */
bool echo_reply_matches(const struct packet *pkt, const struct ip_addr *from, const struct ip_addr *to, uint16_t id);

/* Read an Ethernet frame carrying IPv4 or IPv6 with TCP, UDP, ICMP or
 * ICMPv6. false for anything else, truncated or malformed. Checksums are
 * not verified: a frame captured on the receiving host may carry a partial
 * one the NIC was to finish. */
bool packet_parse(const uint8_t *frame, size_t len, struct packet *pkt);

/* Whether pkt answers p, and how. *from_vip tells whether the answer came
 * from the VIP, the only address a client would accept it from. */
enum probe_answer probe_match(const struct probe *p, const struct packet *pkt, bool *from_vip);
/* The verdict an answer gives; ANSWER_NONE means silence. */
enum pathcheck_verdict probe_verdict(enum probe_answer a, bool from_vip);
/* "ICMP port unreachable" and the like, for messages. */
const char *icmp_describe(int family, uint8_t type, uint8_t code);

/* When try n (0-based) of 1 + retries leaves, in ms after the first: the
 * gaps double and the last answer is awaited until timeout_ms. */
unsigned probe_send_offset_ms(unsigned timeout_ms, unsigned retries, unsigned n);

#endif

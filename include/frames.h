/* ARP and IPv6 neighbour discovery frames, our own: the announcements and
 * probes lvsdr sends (built here; garp.c and neighbour.c send them), and
 * what hosts on the segment say about addresses, read as claims ("this
 * address is at this MAC") by probe, watch, the conflict check of takeover
 * and pathcheck's MAC resolution. */
#ifndef LVSDR_FRAMES_H
#define LVSDR_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "nic.h"

enum claim_kind { CLAIM_ARP_REQUEST,
		  CLAIM_ARP_REPLY,
		  CLAIM_NA };

/* One frame that says an address is at a MAC: an ARP request or reply with
 * that address as sender (a probe from 0.0.0.0 claims nothing), or a
 * neighbour advertisement with it as target. */
struct claim {
	enum claim_kind kind;
	struct ip_addr ip;    /* the address claimed; prefix unused */
	uint8_t mac[MAC_LEN]; /* where it is said to be: ARP sha, NA target option or frame source */
	uint8_t eth_src[MAC_LEN];
	bool gratuitous; /* ARP: target address = sender address; NA: not solicited */
};

/* Parse one Ethernet frame. true when it is a well-formed claim; false for
 * anything else, including what a Linux receiver would drop (a neighbour
 * advertisement with a hop limit other than 255 or broken options). */
bool frame_claim(const uint8_t *frame, size_t len, struct claim *out);

/* The longest frame built here: neighbour discovery with a link-layer
 * option. Each builder returns the length it wrote into buf. */
#define FRAME_BUILT_MAX 86

/* A broadcast ARP frame from mac, also its sender hardware address; tha
 * NULL leaves the target hardware address zero, as the kernel's requests
 * have it. */
size_t frame_arp(uint8_t *buf, uint16_t op, const uint8_t mac[MAC_LEN], const uint8_t spa[4], const uint8_t *tha,
		 const uint8_t tpa[4]);
/* A neighbour solicitation for target to its solicited-node group
 * ff02::1:ffXX:XXXX (RFC 4291 2.7.1), from source with mac as source
 * link-layer option. source NULL: from the unspecified address, which is
 * duplicate address detection (RFC 4862 5.4.2): no option, and the owner
 * answers to all nodes. */
size_t frame_ns(uint8_t *buf, const uint8_t mac[MAC_LEN], const uint8_t target[16], const uint8_t *source);
/* An unsolicited neighbour advertisement of target from source to all
 * nodes, override set, solicited clear (RFC 4861 7.2.6), with mac as
 * target link-layer address. */
size_t frame_na(uint8_t *buf, const uint8_t mac[MAC_LEN], const uint8_t target[16], const uint8_t source[16]);

/* A classic BPF filter that keeps ARP frames, neighbour advertisements and
 * IPv6 packets with extension headers (which may hide one): every frame a
 * claim can come in. */
#define FRAME_CLAIM_FILTER_LEN 12
extern const struct sock_filter frame_claim_filter[FRAME_CLAIM_FILTER_LEN];

/* A packet socket on ifname that receives only ARP frames and neighbour
 * advertisements (a kernel filter, so a busy link costs nothing), with
 * receive timestamps. Returns the descriptor, or -errno with err filled;
 * needs CAP_NET_RAW. */
int frames_open(const char *ifname, char *err, size_t errlen);

struct frame_in {
	struct claim claim;
	struct timespec when; /* CLOCK_REALTIME, the kernel's receive time */
	bool outgoing;	      /* sent by this host */
};

/* Wait up to timeout_ms (-1: no limit, 0: only what is queued) for one
 * frame. 1 with *in filled when the frame is a claim, 0 for a frame that
 * claims nothing, -EAGAIN when none came in time, -EINTR when a signal
 * came, other -errno on failure. sigmask, when not NULL, is the signal
 * mask to wait with (ppoll). */
int frames_read(int fd, int timeout_ms, const void *sigmask, struct frame_in *in);

#endif

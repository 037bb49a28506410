/* Receiving what hosts on the segment say about addresses: ARP frames and
 * IPv6 neighbour advertisements read from an AF_PACKET socket, and the
 * claim each one makes ("this address is at this MAC"). Shared by probe
 * and watch; sending is src/garp.c's. */
#ifndef LVSDR_FRAMES_H
#define LVSDR_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define MAC_LEN 6
#define MAC_TEXT_LEN 18 /* "02:00:00:00:00:01" and NUL */

/* Strictly six colon-separated pairs of hex digits; either case. */
bool mac_parse(const char *text, uint8_t mac[MAC_LEN]);
/* Lower case, as ip(8) prints it. Returns buf. */
const char *mac_format(const uint8_t mac[MAC_LEN], char buf[MAC_TEXT_LEN]);
bool mac_usable(const uint8_t mac[MAC_LEN]); /* not zero, broadcast or multicast */

enum claim_kind { CLAIM_ARP_REQUEST, CLAIM_ARP_REPLY, CLAIM_NA };

/* One frame that says an address is at a MAC: an ARP request or reply with
 * that address as sender (a probe from 0.0.0.0 claims nothing), or a
 * neighbour advertisement with it as target. */
struct claim {
	enum claim_kind kind;
	int family;                 /* AF_INET or AF_INET6 */
	uint8_t addr[16];           /* the address claimed; IPv4 in the first 4 bytes */
	uint8_t mac[MAC_LEN];       /* where it is said to be: ARP sha, NA target option or frame source */
	uint8_t eth_src[MAC_LEN];
	bool gratuitous;            /* ARP: target address = sender address; NA: not solicited */
};

/* Parse one Ethernet frame. true when it is a well-formed claim; false for
 * anything else, including what a Linux receiver would drop (a neighbour
 * advertisement with a hop limit other than 255 or broken options). */
bool frame_claim(const uint8_t *frame, size_t len, struct claim *out);

/* A packet socket on ifname that receives only ARP frames and neighbour
 * advertisements (a kernel filter, so a busy link costs nothing), with
 * receive timestamps. Returns the descriptor, or -errno with err filled;
 * needs CAP_NET_RAW. */
int frames_open(const char *ifname, char *err, size_t errlen);

struct frame_in {
	struct claim claim;
	struct timespec when;       /* CLOCK_REALTIME, the kernel's receive time */
	bool outgoing;              /* sent by this host */
};

/* Wait up to timeout_ms (-1: no limit, 0: only what is queued) for one
 * frame. 1 with *in filled when the frame is a claim, 0 for a frame that
 * claims nothing, -EAGAIN when none came in time, -EINTR when a signal
 * came, other -errno on failure. sigmask, when not NULL, is the signal
 * mask to wait with (ppoll). */
int frames_read(int fd, int timeout_ms, const void *sigmask, struct frame_in *in);

#endif

/* Announcing VIPs: gratuitous ARP for IPv4, unsolicited neighbour
 * advertisements for IPv6 (frames from src/frames.c), sent paced on an
 * AF_PACKET socket; and the probes of lvsdr probe and the conflict check. */
#ifndef LVSDR_GARP_H
#define LVSDR_GARP_H

#include <stddef.h>

#include "host.h"

struct garp_sender;

/* Opened before the VIPs are bound so the first frame leaves right after
 * the bind. 0, or -errno with err filled. Needs CAP_NET_RAW. */
int garp_open(struct garp_sender **out, const char *ifname, char *err, size_t errlen);
/* The same for the NIC of a live state just read (state_read()): its MAC
 * and link-local address are known, nothing is asked of the kernel again. */
int garp_open_live(struct garp_sender **out, const struct host *live, char *err, size_t errlen);
void garp_close(struct garp_sender *g);
/* Whether g still sends from the NIC of a live state just read: the same
 * interface index and MAC (a NIC re-created or given a new MAC is not). */
bool garp_sends_for(const struct garp_sender *g, const struct host *live);

/* One round: for every VIP, the frames its mode asks for. Returns the
 * number of frames sent, or -errno on a failure that is not congestion. */
int garp_round(struct garp_sender *g, const struct vip *vips, size_t n, enum garp_mode mode);

/* One probe for addr, to ask who holds it (lvsdr probe, the conflict check
 * of takeover): a broadcast ARP request (IPv4) or a neighbour solicitation
 * to the solicited-node group (IPv6). source is the sender address, of
 * addr's family, or NULL for the unspecified address, the RFC 5227 / RFC 4862 way
 * that writes nothing into any neighbour's cache. 0, or -errno. */
int garp_probe(struct garp_sender *g, const struct ip_addr *addr, const struct ip_addr *source);

#endif

/* Who has this address on the link: MAC addresses resolved with our own
 * ARP requests and neighbour solicitations on an AF_PACKET socket, many at
 * once, without the kernel's neighbour table (which would keep one answer
 * and need no privilege to fill, but also no proof it was asked now). */
#ifndef LVSDR_NEIGHBOUR_H
#define LVSDR_NEIGHBOUR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nic.h"

struct neighbour_query {
	struct ip_addr ip;     /* whose MAC; prefix unused */
	struct ip_addr source; /* our address to ask from, of ip's family:
				  the owner may answer only a sender in its
				  subnet; prefix unused */
	bool found;
	uint8_t mac[MAC_LEN];
	unsigned requests; /* sent */
};

struct neighbour_resolver;

/* Needs CAP_NET_RAW. 0, or -errno with err filled. */
int neighbour_open(struct neighbour_resolver **out, const struct nic *nic, char *err, size_t errlen);
void neighbour_close(struct neighbour_resolver *r);

/* The packet socket the answers arrive on, for the caller's poll: the
 * resolution is driven by its caller's clock (src/pathcheck_machine.c). */
int neighbour_fd(const struct neighbour_resolver *r);
/* One request for every query not yet answered. 0, or -errno with err
 * filled. */
int neighbour_send(struct neighbour_resolver *r, struct neighbour_query *q, size_t n, char *err, size_t errlen);
/* A frame read from neighbour_fd(): the queries it answers are found.
 * Returns how many it answered. */
size_t neighbour_receive(struct neighbour_query *q, size_t n, const uint8_t *frame, size_t len);

/* The frame neighbour_send() sends for q, from mac: an ARP request
 * padded to the Ethernet minimum, or a neighbour solicitation. Returns the
 * length, 0 when cap is too small. */
size_t neighbour_request_frame(const struct neighbour_query *q, const uint8_t mac[MAC_LEN], uint8_t *buf, size_t cap);

#endif

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
	int family;              /* AF_INET or AF_INET6 */
	uint8_t addr[16];        /* whose MAC */
	uint8_t source[16];      /* our address to ask from: the owner may
				    answer only a sender in its subnet */
	bool found;
	uint8_t mac[MAC_LEN];
	unsigned requests;       /* sent */
};

struct neighbour_resolver;

/* Needs CAP_NET_RAW. 0, or -errno with err filled. */
int neighbour_open(struct neighbour_resolver **out, const struct nic *nic, char *err, size_t errlen);
void neighbour_close(struct neighbour_resolver *r);

/* Ask for every query at each of the nsends offsets (ms after the start,
 * ascending), skipping those answered, and wait for answers until
 * timeout_ms. 0 (some may be unanswered), or -errno with err filled. */
int neighbour_resolve(struct neighbour_resolver *r, struct neighbour_query *q, size_t n, const unsigned *send_at_ms,
		      unsigned nsends, unsigned timeout_ms, char *err, size_t errlen);

/* The frame neighbour_resolve() sends for q, from mac: an ARP request
 * padded to the Ethernet minimum, or a neighbour solicitation. Returns the
 * length, 0 when cap is too small. */
size_t neighbour_request_frame(const struct neighbour_query *q, const uint8_t mac[MAC_LEN], uint8_t *buf, size_t cap);

#endif

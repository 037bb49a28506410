/* ARP and neighbour discovery, just enough to learn the MAC of a host that
 * answers for its own address. The frames are src/frames.c's. */
#include "neighbour.h"

#include <errno.h>
#include <netinet/if_ether.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frames.h"
#include "ipaddr.h"
#include "util.h"

/* Requests go out padded to the Ethernet minimum, as on the wire. */
#define MIN_FRAME 60
/* Room for a burst of answers from many real servers at once. */
#define RECEIVE_BUFFER (1 << 20)
/* An ARP request or a neighbour solicitation, padded. */
#define REQUEST_FRAME_MAX 128

struct neighbour_resolver {
	int fd;
	uint8_t mac[MAC_LEN];
};

int neighbour_open(struct neighbour_resolver **out, const struct nic *nic, char *err, size_t errlen)
{
	const struct packet_socket_options opt = {
		.filter = frame_claim_filter,
		.nfilter = FRAME_CLAIM_FILTER_LEN,
		.rcvbuf = RECEIVE_BUFFER,
		.ignore_outgoing = true,
	};
	int fd = packet_socket_open(nic->ifindex, nic->name, &opt, err, errlen);

	*out = NULL;
	if (fd < 0)
		return fd;
	*out = xcalloc(1, sizeof(**out));
	(*out)->fd = fd;
	memcpy((*out)->mac, nic->mac, MAC_LEN);
	return 0;
}

void neighbour_close(struct neighbour_resolver *r)
{
	if (!r)
		return;
	close(r->fd);
	free(r);
}

size_t neighbour_request_frame(const struct neighbour_query *q, const uint8_t mac[MAC_LEN], uint8_t *buf, size_t cap)
{
	uint8_t f[FRAME_BUILT_MAX];
	size_t len;

	if (q->ip.family == AF_INET6)
		len = frame_ns(f, mac, q->ip.bytes, q->source.bytes);
	else
		len = frame_arp(f, ARPOP_REQUEST, mac, q->source.bytes, NULL, q->ip.bytes);
	if (cap < len || cap < MIN_FRAME)
		return 0;
	memcpy(buf, f, len);
	for (; len < MIN_FRAME; len++)
		buf[len] = 0;
	return len;
}

int neighbour_fd(const struct neighbour_resolver *r)
{
	return r->fd;
}

int neighbour_send(struct neighbour_resolver *r, struct neighbour_query *q, size_t n, char *err, size_t errlen)
{
	uint8_t frame[REQUEST_FRAME_MAX];

	for (size_t i = 0; i < n; i++) {
		size_t len;
		int ret;
		if (q[i].found)
			continue;
		len = neighbour_request_frame(&q[i], r->mac, frame, sizeof(frame));
		if ((ret = packet_socket_send(r->fd, frame, len)) < 0) {
			snprintf(err, errlen, "cannot send %s: %s",
				 q[i].ip.family == AF_INET6 ? "a neighbour solicitation" : "an ARP request", strerror(-ret));
			return ret;
		}
		q[i].requests++;
	}
	return 0;
}

size_t neighbour_receive(struct neighbour_query *q, size_t n, const uint8_t *frame, size_t len)
{
	struct claim c;
	size_t found = 0;

	/* An answer: an ARP reply or a neighbour advertisement. */
	if (!frame_claim(frame, len, &c) || c.kind == CLAIM_ARP_REQUEST)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!q[i].found && ipaddr_equal(&q[i].ip, &c.ip)) {
			q[i].found = true;
			memcpy(q[i].mac, c.mac, MAC_LEN);
			found++;
		}
	return found;
}

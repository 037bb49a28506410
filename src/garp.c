#include "garp.h"

#include <errno.h>
#include <netinet/if_ether.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "frames.h"
#include "nic.h"
#include "rtnetlink.h"
#include "util.h"

/* Frames sent back to back before yielding the CPU for a moment: a burst
 * of thousands would overrun a NIC's transmit queue. */
#define PACE_FRAMES 128
#define PACE_PAUSE_US 500

struct garp_sender {
	int fd, ifindex;
	uint8_t mac[MAC_LEN];
	struct ip_addr link_local; /* source of our advertisements; family 0: none */
	unsigned since_pause;
};

static int garp_open_with(struct garp_sender **out, const char *ifname, int ifindex, const uint8_t *mac,
			  const struct ip_addr *link_local, char *err, size_t errlen)
{
	/* This socket only sends: bound to no protocol, it queues nothing. */
	const struct packet_socket_options opt = { .send_only = true };
	struct garp_sender *g;
	int ret;

	*out = NULL;
	if (!mac) {
		snprintf(err, errlen, "%s has no Ethernet address to announce from", ifname);
		return -EINVAL;
	}
	g = xcalloc(1, sizeof(*g));
	g->ifindex = ifindex;
	memcpy(g->mac, mac, MAC_LEN);
	g->link_local = *link_local;
	g->fd = packet_socket_open(ifindex, ifname, &opt, err, errlen);
	if (g->fd < 0) {
		ret = g->fd;
		free(g);
		return ret;
	}
	*out = g;
	return 0;
}

int garp_open(struct garp_sender **out, const char *ifname, char *err, size_t errlen)
{
	struct nic nic;
	int ret;

	*out = NULL;
	if ((ret = nic_lookup(ifname, &nic, err, errlen)) < 0)
		return ret;
	ret = garp_open_with(out, ifname, nic.ifindex, nic.have_mac ? nic.mac : NULL,
			     &nic.link_local, err, errlen);
	nic_free(&nic);
	return ret;
}

int garp_open_live(struct garp_sender **out, const struct host *live, char *err, size_t errlen)
{
	return garp_open_with(out, live->ifname, live->ifindex, live->have_mac ? live->mac : NULL,
			      &live->link_local, err, errlen);
}

bool garp_sends_for(const struct garp_sender *g, const struct host *live)
{
	return g && live->ifindex == g->ifindex && live->have_mac && !memcmp(live->mac, g->mac, MAC_LEN);
}

void garp_close(struct garp_sender *g)
{
	if (!g)
		return;
	close(g->fd);
	free(g);
}

static int send_frame(struct garp_sender *g, const void *frame, size_t len)
{
	int ret = packet_socket_send(g->fd, frame, len);

	if (!ret && ++g->since_pause >= PACE_FRAMES) {
		struct timespec ts = { 0, PACE_PAUSE_US * 1000L };
		g->since_pause = 0;
		nanosleep(&ts, NULL);
	}
	return ret;
}

/* Request: sender IP = target IP, as arping -U and RFC 5227 announcements.
 * Reply: target MAC = sender MAC, the only reply Linux takes as gratuitous
 * once an entry changed less than locktime ago. */
static int send_arp(struct garp_sender *g, const uint8_t ip[4], bool reply)
{
	uint8_t f[FRAME_BUILT_MAX];
	size_t len = frame_arp(f, reply ? ARPOP_REPLY : ARPOP_REQUEST, g->mac, ip, reply ? g->mac : NULL, ip);

	return send_frame(g, f, len);
}

/* From our link-local address, the source RFC 4861 asks for; from the VIP
 * itself when the interface has none. */
static int send_na(struct garp_sender *g, const uint8_t ip[16])
{
	uint8_t f[FRAME_BUILT_MAX];

	return send_frame(g, f, frame_na(f, g->mac, ip, g->link_local.family ? g->link_local.bytes : ip));
}

int garp_probe(struct garp_sender *g, const struct ip_addr *addr, const struct ip_addr *source)
{
	static const uint8_t unspecified[4];
	uint8_t f[FRAME_BUILT_MAX];

	if (addr->family == AF_INET6)
		return send_frame(g, f, frame_ns(f, g->mac, addr->bytes, source ? source->bytes : NULL));
	return send_frame(g, f, frame_arp(f, ARPOP_REQUEST, g->mac, source ? source->bytes : unspecified, NULL, addr->bytes));
}

int garp_round(struct garp_sender *g, const struct vip *vips, size_t n, enum garp_mode mode)
{
	int frames = 0, ret;

	for (size_t i = 0; i < n; i++) {
		if (vips[i].ip.family == AF_INET6) {
			if ((ret = send_na(g, vips[i].ip.bytes)) < 0)
				return ret;
			frames++;
			continue;
		}
		if (mode != GARP_REPLY) {
			if ((ret = send_arp(g, vips[i].ip.bytes, false)) < 0)
				return ret;
			frames++;
		}
		if (mode != GARP_REQUEST) {
			if ((ret = send_arp(g, vips[i].ip.bytes, true)) < 0)
				return ret;
			frames++;
		}
	}
	return frames;
}

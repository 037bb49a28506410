/* One interface at the link layer, for the commands that send and read
 * frames of their own (takeover and apply's announcements, probe, watch,
 * pathcheck): its MAC, index and addresses as this host holds them, and
 * the AF_PACKET sockets on it. Sockets are opened filtered, so that a busy
 * director's traffic never queues up behind the few frames we wait for. */
#ifndef LVSDR_NIC_H
#define LVSDR_NIC_H

#include <linux/filter.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "ipaddr.h"

#define MAC_LEN 6
#define MAC_TEXT_LEN 18 /* "02:00:00:00:00:01" and NUL */

/* Strictly six colon-separated pairs of hex digits; either case. */
bool mac_parse(const char *text, uint8_t mac[MAC_LEN]);
/* Lower case, as ip(8) prints it. Returns buf. */
const char *mac_format(const uint8_t mac[MAC_LEN], char buf[MAC_TEXT_LEN]);
bool mac_usable(const uint8_t mac[MAC_LEN]); /* not zero, broadcast or multicast */

struct nic_addr {
	struct ip_addr ip;
	bool labelled; /* IPv4 under a label of the interface ("eth0:lvsdr") */
};

struct nic {
	char name[IF_NAMESIZE];
	int ifindex;
	bool have_mac; /* a 6-byte hardware address */
	bool ethernet; /* and the interface is Ethernet (ARPHRD_ETHER) */
	uint8_t mac[MAC_LEN];
	struct nic_addr *addrs; /* every address bound on it, labelled or not */
	size_t naddrs;
	/* The first IPv6 link-local address; family 0 when there is none. */
	struct ip_addr link_local;
};

/* Filled by nic_lookup() (rtnetlink.h). */
bool nic_holds(const struct nic *nic, const struct ip_addr *a);
void nic_free(struct nic *nic);

struct packet_socket_options {
	const struct sock_filter *filter; /* NULL: every frame */
	unsigned short nfilter;
	int rcvbuf;	      /* bytes; 0 leaves the kernel's default */
	bool send_only;	      /* bound to no protocol: the kernel queues nothing to it */
	bool ignore_outgoing; /* leave out what this host sends (best effort) */
	bool timestamps;      /* SO_TIMESTAMPNS on every frame read */
};

/* A packet socket on interface ifindex, named ifname in messages. Needs
 * CAP_NET_RAW. The filter is copied by the kernel. Returns the socket, or
 * -errno with err filled. */
int packet_socket_open(int ifindex, const char *ifname, const struct packet_socket_options *opt, char *err,
		       size_t errlen);

/* Longest filter packet_filter_destinations() builds. */
#define PACKET_FILTER_MAX 128

struct packet_dest {
	struct ip_addr ip; /* a host address: prefix unused */
};

/* A filter that keeps IPv4 frames to one of the IPv4 addresses and IPv6
 * frames whose destination ends with the last 32 bits of one of the IPv6
 * addresses (the reader compares the rest). Repeats count once. Returns
 * its length, or 0 when the distinct addresses do not fit in cap: then
 * use no filter. */
unsigned short packet_filter_destinations(const struct packet_dest *d, size_t n, struct sock_filter *out,
					  size_t cap);
/* Send one whole frame, retrying while the transmit queue is full.
 * 0, or -errno. */
int packet_socket_send(int fd, const void *frame, size_t len);
/* The next frame that arrived from the wire (not one this host sent),
 * waiting until deadline_ns on the monotonic clock at the latest. Returns
 * its length, 0 at the deadline, or -errno. Frames are read byte by byte,
 * so buf needs no alignment. */
ssize_t packet_socket_recv(int fd, uint8_t *buf, size_t cap, uint64_t deadline_ns);
/* One frame already queued on fd, without waiting: its length, or -errno
 * (-EAGAIN when none is queued). *outgoing: this host sent it. *when: the
 * kernel's receive time (CLOCK_REALTIME) on a socket opened with
 * timestamps, else the time of reading. */
ssize_t packet_socket_take(int fd, uint8_t *buf, size_t cap, bool *outgoing, struct timespec *when);

#endif

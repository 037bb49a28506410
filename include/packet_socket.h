/* An AF_PACKET socket on one interface, for the commands that send frames
 * of their own and read the answers: opened with a classic BPF filter so
 * that a busy director's traffic never queues up behind the few frames we
 * wait for. */
#ifndef LVSDR_PACKET_SOCKET_H
#define LVSDR_PACKET_SOCKET_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Needs CAP_NET_RAW. The filter is copied by the kernel; NULL takes every
 * frame. Returns the socket, or -errno with err filled. */
int packet_socket_open(int ifindex, const struct sock_filter *filter, unsigned short nfilter, char *err,
		       size_t errlen);
/* Longest filter packet_filter_destinations() builds. */
#define PACKET_FILTER_MAX 128

struct packet_dest {
	int family;          /* AF_INET or AF_INET6 */
	uint8_t addr[16];
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

#endif

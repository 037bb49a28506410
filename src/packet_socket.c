#include "packet_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* Retries of a frame the kernel refused for lack of buffer space. */
#define CONGESTION_RETRIES 200
#define CONGESTION_PAUSE_US 500
/* Room for a burst of answers from many real servers at once. */
#define RECEIVE_BUFFER (1 << 20)

int packet_socket_open(int ifindex, const struct sock_filter *filter, unsigned short nfilter, char *err,
		       size_t errlen)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = ifindex };
	int fd, one = 1, size = RECEIVE_BUFFER;

	/* Protocol 0 until bound and filtered: nothing queues before the
	 * filter is in place. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot open a packet socket%s: %s", e == EPERM ? " (needs CAP_NET_RAW)" : "",
			 strerror(e));
		return -e;
	}
	if (filter) {
		struct sock_fprog prog = { .len = nfilter, .filter = (struct sock_filter *)filter };
		if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0) {
			int e = errno;
			snprintf(err, errlen, "cannot filter a packet socket: %s", strerror(e));
			close(fd);
			return -e;
		}
	}
	/* Best effort: older kernels lack the option, and receive checks the
	 * packet type anyway. */
#ifdef PACKET_IGNORE_OUTGOING
	(void)setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
#else
	(void)one;
#endif
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot bind a packet socket: %s", strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

unsigned short packet_filter_destinations(const struct packet_dest *d, size_t n, struct sock_filter *f, size_t cap)
{
	uint32_t v4[PACKET_FILTER_MAX], v6[PACKET_FILTER_MAX];
	size_t n4 = 0, n6 = 0, k = 0;

	for (size_t i = 0; i < n; i++) {
		const uint8_t *a = d[i].addr + (d[i].family == AF_INET6 ? 12 : 0);
		uint32_t word = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
		uint32_t *list = d[i].family == AF_INET6 ? v6 : v4;
		size_t *count = d[i].family == AF_INET6 ? &n6 : &n4, j;
		for (j = 0; j < *count && list[j] != word; j++)
			;
		if (j == *count)
			list[(*count)++] = word;
		/* 8 fixed instructions; a jump reaches at most 255 ahead. */
		if (n4 + n6 + 8 > cap || n4 + n6 + 8 > 255)
			return 0;
	}
	/* accept is the last instruction, the IPv6 drop the one before it */
	size_t accept = n4 + n6 + 7;
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12);
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, (uint8_t)(n4 + 2));
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ETH_HLEN + 16);
	for (size_t i = 0; i < n4; i++, k++)
		f[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, v4[i], (uint8_t)(accept - k - 1), 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	f[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, 0, (uint8_t)(accept - 1 - k - 1));
	k++;
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ETH_HLEN + 24 + 12);
	for (size_t i = 0; i < n6; i++, k++)
		f[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, v6[i], (uint8_t)(accept - k - 1), 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0x40000);
	return (unsigned short)k;
}

int packet_socket_send(int fd, const void *frame, size_t len)
{
	for (int tries = 0;; tries++) {
		ssize_t n = send(fd, frame, len, 0);
		if (n == (ssize_t)len)
			return 0;
		if (n >= 0)
			return -EIO;
		if ((errno == ENOBUFS || errno == EAGAIN || errno == EINTR) && tries < CONGESTION_RETRIES) {
			struct timespec ts = { 0, CONGESTION_PAUSE_US * 1000L };
			nanosleep(&ts, NULL);
			continue;
		}
		return -errno;
	}
}

ssize_t packet_socket_recv(int fd, uint8_t *buf, size_t cap, uint64_t deadline_ns)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	for (;;) {
		struct sockaddr_ll from;
		socklen_t fromlen = sizeof(from);
		uint64_t now = monotonic_ns();
		ssize_t n = recvfrom(fd, buf, cap, MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);

		if (n >= 0) {
			if (from.sll_pkttype == PACKET_OUTGOING)
				continue;
			return n;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		if (now >= deadline_ns)
			return 0;
		/* Round up, so a wait never ends just before its deadline. */
		int ms = (int)((deadline_ns - now + 999999) / 1000000);
		if (poll(&pfd, 1, ms) < 0 && errno != EINTR)
			return -errno;
	}
}

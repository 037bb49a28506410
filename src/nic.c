#include "nic.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ipaddr.h"
#include "util.h"

/* Retries of a frame the kernel refused for lack of buffer space. */
#define CONGESTION_RETRIES 200
#define CONGESTION_PAUSE_US 500

bool mac_parse(const char *text, uint8_t mac[MAC_LEN])
{
	for (int i = 0; i < MAC_LEN; i++) {
		const char *p = text + 3 * i;
		unsigned v = 0;
		for (int j = 0; j < 2; j++) {
			if (!isxdigit((unsigned char)p[j]))
				return false;
			v = v * 16 + (unsigned)(isdigit((unsigned char)p[j]) ? p[j] - '0'
									     : tolower((unsigned char)p[j]) - 'a' + 10);
		}
		if (p[2] != (i == MAC_LEN - 1 ? '\0' : ':'))
			return false;
		mac[i] = (uint8_t)v;
	}
	return true;
}

const char *mac_format(const uint8_t mac[MAC_LEN], char buf[MAC_TEXT_LEN])
{
	snprintf(buf, MAC_TEXT_LEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

bool mac_usable(const uint8_t mac[MAC_LEN])
{
	static const uint8_t zero[MAC_LEN];

	return memcmp(mac, zero, MAC_LEN) && !(mac[0] & 1);
}

bool nic_holds(const struct nic *nic, const struct ip_addr *a)
{
	for (size_t i = 0; i < nic->naddrs; i++)
		if (ipaddr_equal(&nic->addrs[i].ip, a))
			return true;
	return false;
}

void nic_free(struct nic *nic)
{
	free(nic->addrs);
	nic->addrs = NULL;
	nic->naddrs = 0;
}

int packet_socket_open(int ifindex, const char *ifname, const struct packet_socket_options *opt, char *err,
		       size_t errlen)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = ifindex, .sll_protocol = opt->send_only ? 0 : htons(ETH_P_ALL) };
	struct sock_fprog prog = { .len = opt->nfilter, .filter = (struct sock_filter *)opt->filter };
	int fd, e, one = 1;

	/* Protocol 0 until bound and filtered: nothing unfiltered, and
	 * nothing from another interface, is ever queued. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "cannot open a packet socket%s: %s", e == EPERM ? " (needs CAP_NET_RAW)" : "",
			 strerror(e));
		return -e;
	}
	/* The kernel caps it at net.core.rmem_max, which is fine. */
	if (opt->rcvbuf)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &opt->rcvbuf, sizeof(opt->rcvbuf));
		/* Best effort: older kernels lack the option, and packet_socket_recv()
	 * checks the packet type anyway. */
#ifdef PACKET_IGNORE_OUTGOING
	if (opt->ignore_outgoing)
		(void)setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
#endif
	if ((opt->filter && setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0) ||
	    (opt->timestamps && setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0)) {
		e = errno;
		snprintf(err, errlen, "cannot set up a packet socket: %s", strerror(e));
		close(fd);
		return -e;
	}
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		e = errno;
		snprintf(err, errlen, "cannot bind a packet socket to %s: %s", ifname, strerror(e));
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
		const uint8_t *a = d[i].ip.bytes + (d[i].ip.family == AF_INET6 ? 12 : 0);
		uint32_t word = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
		uint32_t *list = d[i].ip.family == AF_INET6 ? v6 : v4;
		size_t *count = d[i].ip.family == AF_INET6 ? &n6 : &n4, j;
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
		if (poll(&pfd, 1, ms_until(deadline_ns, now)) < 0 && errno != EINTR)
			return -errno;
	}
}

ssize_t packet_socket_take(int fd, uint8_t *buf, size_t cap, bool *outgoing, struct timespec *when)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} control;
	struct sockaddr_ll from;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr msg = {
		.msg_name = &from,
		.msg_namelen = sizeof(from),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);

	if (n < 0)
		return -errno;
	*outgoing = from.sll_pkttype == PACKET_OUTGOING;
	clock_gettime(CLOCK_REALTIME, when);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS)
			memcpy(when, CMSG_DATA(c), sizeof(*when));
	return n;
}

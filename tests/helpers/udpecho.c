/*
 * udpecho - a UDP echo service for the path check tests
 *
 *   udpecho [-d DROP] [-w] [-b ADDRESS] PORT
 *
 * Listens on PORT on 0.0.0.0 and [::] (or on ADDRESS alone with -b) and
 * sends every datagram back to its sender, from the address it was sent to
 * (IP_PKTINFO / IPV6_PKTINFO), as a UDP service on a real server must for
 * its answers to come from the VIP.
 *
 *   -d DROP   ignore the first DROP datagrams: a lossy path, made exact
 *   -w        answer from whatever source the kernel picks (the route's,
 *             the real server's own address): the classic bug of a UDP
 *             service bound to 0.0.0.0 behind an LVS-DR director
 *   -b ADDR   listen on ADDR only
 *
 * Prints "ready" on stderr once listening, then one line per datagram on
 * stdout: "drop N from ADDR to ADDR" or "echo N from ADDR to ADDR".
 * Runs until killed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TOOL_NAME "udpecho"
#include "tool.h"

struct service {
	int fd[2];
	int nfd;
	long drop;
	bool wildcard_reply;
	long count;
};

static int listen_on(int family, const void *addr, long port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = socket(family, SOCK_DGRAM, 0), one = 1;

	if (fd < 0)
		die("socket: %s", strerror(errno));
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		if (addr)
			memcpy(&sin->sin_addr, addr, 4);
		len = sizeof(*sin);
		if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0)
			die("IP_PKTINFO: %s", strerror(errno));
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		if (addr)
			memcpy(&sin6->sin6_addr, addr, 16);
		len = sizeof(*sin6);
		/* IPv4 has its own socket: keep this one to IPv6. */
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0)
			die("IPV6 socket options: %s", strerror(errno));
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("bind to port %ld: %s", port, strerror(errno));
	return fd;
}

static void text_of(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, buf, (socklen_t)len);
}

static void serve_one(struct service *s, int fd)
{
	union {
		struct cmsghdr align;
		uint8_t buf[256];
	} control;
	uint8_t data[65536];
	struct sockaddr_storage from;
	struct iovec iov = { data, sizeof(data) };
	struct msghdr msg = {
		.msg_name = &from,
		.msg_namelen = sizeof(from),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	char src[INET6_ADDRSTRLEN] = "?", dst[INET6_ADDRSTRLEN] = "?";
	ssize_t n = recvmsg(fd, &msg, 0);

	if (n < 0) {
		if (errno == EINTR)
			return;
		die("recvmsg: %s", strerror(errno));
	}
	text_of(&from, src, sizeof(src));
	/* The answer carries back the address the datagram came to, which
	 * also names it in the log line. */
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo *pi = (struct in_pktinfo *)CMSG_DATA(c);
			inet_ntop(AF_INET, &pi->ipi_addr, dst, sizeof(dst));
			pi->ipi_spec_dst = pi->ipi_addr;
			pi->ipi_ifindex = 0;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo *pi = (struct in6_pktinfo *)CMSG_DATA(c);
			inet_ntop(AF_INET6, &pi->ipi6_addr, dst, sizeof(dst));
			pi->ipi6_ifindex = 0;
		}
	}
	s->count++;
	if (s->count <= s->drop) {
		printf("drop %ld from %s to %s\n", s->count, src, dst);
		return;
	}
	iov.iov_len = (size_t)n;
	if (s->wildcard_reply) {
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
	}
	msg.msg_flags = 0;
	if (sendmsg(fd, &msg, 0) < 0)
		die("sendmsg to %s: %s", src, strerror(errno));
	printf("echo %ld from %s to %s\n", s->count, src, dst);
}

int main(int argc, char **argv)
{
	struct service s = { .nfd = 0 };
	const char *bind_to = NULL;
	uint8_t addr[16];
	struct pollfd pfd[2];
	long port;
	int opt;

	while ((opt = getopt(argc, argv, "d:wb:")) != -1) {
		switch (opt) {
		case 'd':
			s.drop = parse_number(optarg, 0, 1000000, "DROP");
			break;
		case 'w':
			s.wildcard_reply = true;
			break;
		case 'b':
			bind_to = optarg;
			break;
		default:
			fputs("usage: udpecho [-d DROP] [-w] [-b ADDRESS] PORT\n", stderr);
			return 2;
		}
	}
	if (argc - optind != 1) {
		fputs("usage: udpecho [-d DROP] [-w] [-b ADDRESS] PORT\n", stderr);
		return 2;
	}
	port = parse_number(argv[optind], 1, 65535, "PORT");
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!bind_to) {
		s.fd[s.nfd++] = listen_on(AF_INET, NULL, port);
		s.fd[s.nfd++] = listen_on(AF_INET6, NULL, port);
	} else if (inet_pton(AF_INET, bind_to, addr) == 1) {
		s.fd[s.nfd++] = listen_on(AF_INET, addr, port);
	} else if (inet_pton(AF_INET6, bind_to, addr) == 1) {
		s.fd[s.nfd++] = listen_on(AF_INET6, addr, port);
	} else {
		die("'%s' is not an IPv4 or IPv6 address", bind_to);
	}
	fputs("ready\n", stderr);
	for (int i = 0; i < s.nfd; i++)
		pfd[i] = (struct pollfd){ .fd = s.fd[i], .events = POLLIN };
	for (;;) {
		if (poll(pfd, (nfds_t)s.nfd, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		for (int i = 0; i < s.nfd; i++)
			if (pfd[i].revents & POLLIN)
				serve_one(&s, s.fd[i]);
	}
}

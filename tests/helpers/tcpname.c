/*
 * tcpname - a TCP server that answers every connection with a name
 *
 *   tcpname NAME PORT ADDRESS...
 *
 * Listens on PORT of each ADDRESS (IPv4 or IPv6), and on every connection
 * writes "NAME\n" and closes it. One process, no fork per connection:
 * socat's fork costs about 100 ms in the user-mode Linux guest, and a
 * client opening 20 connections a second would spend the guest's CPU on
 * the real servers' forks instead of the failover being measured.
 *
 * Prints "ready" on stderr once listening; runs until killed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TOOL_NAME "tcpname"
#include "tool.h"

#define TCPNAME_MAX 8

static int listen_on(const char *addr, long port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		len = sizeof(*sin6);
	} else {
		die("'%s' is not an IPv4 or IPv6 address", addr);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		die("SO_REUSEADDR: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 128) < 0)
		die("listen on %s port %ld: %s", addr, port, strerror(errno));
	return fd;
}

int main(int argc, char **argv)
{
	struct pollfd pfd[TCPNAME_MAX];
	char line[256];
	int n, len;
	long port;

	if (argc < 4 || argc - 3 > TCPNAME_MAX)
		die("usage: tcpname NAME PORT ADDRESS... (at most %d addresses)", TCPNAME_MAX);
	len = snprintf(line, sizeof(line), "%s\n", argv[1]);
	if (len < 0 || (size_t)len >= sizeof(line))
		die("NAME is too long");
	port = parse_number(argv[2], 1, 65535, "PORT");
	n = argc - 3;
	for (int i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ .fd = listen_on(argv[i + 3], port), .events = POLLIN };
	fputs("ready\n", stderr);
	for (;;) {
		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		for (int i = 0; i < n; i++) {
			int c;

			if (!(pfd[i].revents & POLLIN))
				continue;
			c = accept4(pfd[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (c < 0)
				continue; /* the client gave up: not our failure */
			/* One short line always fits the socket's buffer; a
			 * client that reset the connection just loses it. */
			if (write(c, line, (size_t)len) != len) {
			}
			close(c);
		}
	}
}

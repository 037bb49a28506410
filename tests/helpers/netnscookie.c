/* netnscookie: print the cookie of the network namespace it runs in, the
 * key of lvsdr's ownership record (SO_NETNS_COOKIE, Linux 5.14+). Exit 1
 * when the kernel gives none. */
#define TOOL_NAME "netnscookie"
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tool.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

int main(void)
{
	uint64_t cookie;
	socklen_t len = sizeof(cookie);
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) < 0) {
		fprintf(stderr, TOOL_NAME ": SO_NETNS_COOKIE: %s\n", strerror(errno));
		return 1;
	}
	printf("%llu\n", (unsigned long long)cookie);
	close(fd);
	return 0;
}

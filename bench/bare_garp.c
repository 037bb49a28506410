/*
 * bare_garp - the floor under a takeover's first frame
 *
 *   bare_garp IFACE ADDRESS
 *   bare_garp -F FIFO IFACE ADDRESS/PREFIX
 *
 * The first form sends one gratuitous ARP request for the IPv4 ADDRESS
 * from IFACE's MAC and exits: no profile, no lock, no netlink, no bind,
 * nothing checked. No command that announces an address can put its first
 * frame on the wire sooner than this program does, so bench/run measures
 * lvsdr's first frame against it as well as against what operators run
 * today (takeover-1).
 *
 * The second form is the floor under a resident reader (events-1): it
 * reads keepalived's event lines from FIFO, as `lvsdr events` does; for a
 * line with " MASTER " it binds ADDRESS on IFACE (one RTM_NEWADDR, its
 * acknowledgement awaited) and sends the frame, for any other line it
 * removes the address, and after each line it prints "done N". No lock,
 * ownership record, state read, check, rollback or log before the frame:
 * no reader that binds before it announces can be faster.
 *
 * bench/run links it statically, like lvsdr built with STATIC=1. Exit
 * status 0, or 2 with a message.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

struct garp {
	struct ether_header eth;
	struct arphdr arp;
	unsigned char sha[ETH_ALEN], spa[4], tha[ETH_ALEN], tpa[4];
} __attribute__((packed));

static int fail(const char *what)
{
	perror(what);
	return 2;
}

/* The packet socket, IFACE's index into to, and the frame for frame->spa;
 * -1 with a message. */
static int garp_prepare(const char *iface, struct garp *frame, struct sockaddr_ll *to)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_PACKET, SOCK_RAW, 0);

	strcpy(ifr.ifr_name, iface);
	if (fd < 0 || ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
		perror(fd < 0 ? "socket" : iface);
		return -1;
	}
	*to = (struct sockaddr_ll){ .sll_family = AF_PACKET, .sll_halen = ETH_ALEN, .sll_ifindex = ifr.ifr_ifindex };
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		perror(iface);
		return -1;
	}
	memset(frame->eth.ether_dhost, 0xff, ETH_ALEN);
	memcpy(frame->eth.ether_shost, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	frame->eth.ether_type = htons(ETHERTYPE_ARP);
	frame->arp = (struct arphdr){ htons(ARPHRD_ETHER), htons(ETHERTYPE_IP), ETH_ALEN, 4, htons(ARPOP_REQUEST) };
	memcpy(frame->sha, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	memset(frame->tha, 0, ETH_ALEN);
	memcpy(frame->tpa, frame->spa, 4);
	memset(to->sll_addr, 0xff, ETH_ALEN);
	return fd;
}

static int garp_send(int fd, const struct garp *frame, const struct sockaddr_ll *to)
{
	return sendto(fd, frame, sizeof(*frame), 0, (const struct sockaddr *)to, sizeof(*to)) ==
			       (ssize_t)sizeof(*frame)
		       ? 0
		       : fail("sendto");
}

/* One RTM_NEWADDR or RTM_DELADDR for addr/prefix on ifindex; 0 once the
 * kernel acknowledged it, else the kernel's error (negative). */
static int address_change(int nl, int type, int ifindex, const unsigned char addr[4], int prefix)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
		struct rtattr local;
		unsigned char local_addr[4];
		struct rtattr address;
		unsigned char address_addr[4];
	} req = {
		.nh = { .nlmsg_len = sizeof(req),
			.nlmsg_type = (unsigned short)type,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0) },
		.ifa = { .ifa_family = AF_INET, .ifa_prefixlen = (unsigned char)prefix, .ifa_index = (unsigned)ifindex },
		.local = { .rta_len = RTA_LENGTH(4), .rta_type = IFA_LOCAL },
		.address = { .rta_len = RTA_LENGTH(4), .rta_type = IFA_ADDRESS },
	};
	char buf[1024];

	memcpy(req.local_addr, addr, 4);
	memcpy(req.address_addr, addr, 4);
	if (send(nl, &req, sizeof(req), 0) != (ssize_t)sizeof(req) ||
	    recv(nl, buf, sizeof(buf), 0) < (ssize_t)(NLMSG_HDRLEN + sizeof(struct nlmsgerr)))
		return -1;
	return ((struct nlmsgerr *)NLMSG_DATA((struct nlmsghdr *)buf))->error;
}

/* The -F form: each line of fifo acted on, as described above. */
static int reader(const char *fifo_path, int fd, struct garp *frame, const struct sockaddr_ll *to, int prefix)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	unsigned long events = 0;
	char line[512], *end;
	size_t len = 0;
	int nl, fifo, ret;

	if ((nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) < 0 ||
	    connect(nl, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return fail("netlink");
	/* Read and write: the reader never sees an end of file between writers. */
	if ((fifo = open(fifo_path, O_RDWR | O_CLOEXEC)) < 0)
		return fail(fifo_path);
	for (;;) {
		ssize_t n = read(fifo, line + len, sizeof(line) - 1 - len);
		if (n <= 0)
			return fail("read");
		line[len += (size_t)n] = 0;
		while ((end = strchr(line, '\n'))) {
			*end = 0;
			if (!strstr(line, " MASTER "))
				ret = address_change(nl, RTM_DELADDR, to->sll_ifindex, frame->spa, prefix);
			else if (!(ret = address_change(nl, RTM_NEWADDR, to->sll_ifindex, frame->spa, prefix)) &&
				 garp_send(fd, frame, to))
				return 2;
			if (ret < 0)
				fprintf(stderr, "%s: %s\n", line, strerror(-ret));
			printf("done %lu\n", ++events);
			fflush(stdout);
			len -= (size_t)(end + 1 - line);
			memmove(line, end + 1, len + 1);
		}
		if (len == sizeof(line) - 1)
			len = 0; /* a line too long: dropped */
	}
}

int main(int argc, char **argv)
{
	struct garp frame;
	struct sockaddr_ll to;
	bool fifo = argc == 5 && !strcmp(argv[1], "-F");
	char **arg = argv + (fifo ? 3 : 1), *slash = fifo ? strchr(arg[1], '/') : NULL;
	int fd, prefix = 32;

	if (fifo && slash) {
		prefix = atoi(slash + 1);
		*slash = 0;
	}
	if ((argc != 3 && !fifo) || (fifo && (!slash || prefix < 1 || prefix > 32)) || strlen(arg[0]) >= IFNAMSIZ ||
	    inet_pton(AF_INET, arg[1], frame.spa) != 1) {
		fputs("usage: bare_garp IFACE IPV4-ADDRESS\n"
		      "       bare_garp -F FIFO IFACE IPV4-ADDRESS/PREFIX\n",
		      stderr);
		return 2;
	}
	if ((fd = garp_prepare(arg[0], &frame, &to)) < 0)
		return 2;
	return fifo ? reader(argv[2], fd, &frame, &to, prefix) : garp_send(fd, &frame, &to);
}

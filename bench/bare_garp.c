/*
 * bare_garp - the floor under a takeover's first frame
 *
 *   bare_garp IFACE ADDRESS
 *
 * Sends one gratuitous ARP request for the IPv4 ADDRESS from IFACE's MAC
 * and exits: no profile, no lock, no netlink, no bind, nothing checked. No
 * command that announces an address can put its first frame on the wire
 * sooner than this program does, so bench/run measures lvsdr's first frame
 * against it as well as against what operators run today. bench/run links
 * it statically, like lvsdr built with STATIC=1. Exit status 0, or 2 with a
 * message.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(const char *what)
{
	perror(what);
	return 2;
}

int main(int argc, char **argv)
{
	struct {
		struct ether_header eth;
		struct arphdr arp;
		unsigned char sha[ETH_ALEN], spa[4], tha[ETH_ALEN], tpa[4];
	} __attribute__((packed)) frame;
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_halen = ETH_ALEN };
	struct ifreq ifr = { 0 };
	int fd;

	if (argc != 3 || strlen(argv[1]) >= IFNAMSIZ || inet_pton(AF_INET, argv[2], frame.spa) != 1) {
		fputs("usage: bare_garp IFACE IPV4-ADDRESS\n", stderr);
		return 2;
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		return fail("socket");
	strcpy(ifr.ifr_name, argv[1]);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0)
		return fail(argv[1]);
	to.sll_ifindex = ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		return fail(argv[1]);

	memset(frame.eth.ether_dhost, 0xff, ETH_ALEN);
	memcpy(frame.eth.ether_shost, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	frame.eth.ether_type = htons(ETHERTYPE_ARP);
	frame.arp = (struct arphdr){ htons(ARPHRD_ETHER), htons(ETHERTYPE_IP), ETH_ALEN, 4, htons(ARPOP_REQUEST) };
	memcpy(frame.sha, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	memset(frame.tha, 0, ETH_ALEN);
	memcpy(frame.tpa, frame.spa, 4);
	memset(to.sll_addr, 0xff, ETH_ALEN);
	if (sendto(fd, &frame, sizeof(frame), 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)sizeof(frame))
		return fail("sendto");
	return 0;
}

/* Between the rtnetlink facade's files (src/rtnetlink.c: requests and
 * dumps; src/rtnetlink_view.c: the view lvsdr events keeps current from
 * the kernel's notifications). Nothing else includes it. */
#ifndef LVSDR_RTNETLINK_INTERNAL_H
#define LVSDR_RTNETLINK_INTERNAL_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "host.h"

struct nl_sock;
struct nlmsghdr;
struct netlink_view;

/* Interface names by index, as met while reading addresses: an address
 * dump of 10,000 VIPs on lo names one interface, asked once. */
#define NAME_MEMO 16

struct netlink {
	struct nl_sock *sock;
	struct {
		int ifindex;
		char name[IF_NAMESIZE];
	} names[NAME_MEMO];
	size_t nnames;
	struct netlink_view *view; /* NULL: every fact asked of the kernel */
	/* The view was synced by netlink_links_refresh() and nothing was sent
	 * since: the state read's addresses come from that same instant, one
	 * read of the socket, not two, per event. */
	bool view_synced;
};

/* What lvsdr reads of a link. */
struct link_fact {
	int ifindex;
	char name[IF_NAMESIZE];
	unsigned short arptype;
	bool have_mac; /* a 6-byte hardware address */
	uint8_t mac[6];
	int master; /* IFLA_MASTER, 0 for none */
	char kind[16];
};

/* One dump of kind (RTM_GETLINK, RTM_GETADDR, ...) on nl's request
 * socket, every message to each(). 0, or a negative libnl code;
 * -NLE_DUMP_INTR when the table changed while it was sent. */
int netlink_dump_kind(struct netlink *nl, int kind, void (*each)(struct nlmsghdr *h, void *arg), void *arg);
/* An RTM_NEWADDR or RTM_DELADDR message into a (ifname left empty). */
bool netlink_addr_parse(struct nlmsghdr *h, struct live_addr *a);

/* The view: nl->view made and filled (subscribed first, dumped next).
 * 0, or a negative libnl code with err filled. */
int view_open(struct netlink *nl, char *err, size_t errlen);
void view_free(struct netlink_view *v);
int view_fd(const struct netlink_view *v);
/* Every notification waiting applied (a full dump again after an
 * overrun). false when the view cannot be trusted any more: it is then
 * dropped (nl->view NULL) and the facade asks the kernel as before. */
bool view_sync(struct netlink *nl);
/* An IPv6 address the kernel acknowledged binding: into the view now.
 * Its RTM_NEWADDR comes later, from the kernel's DAD work queue (even
 * with IFA_F_NODAD), while a dump shows it at once: without this, the
 * next event could judge the view before the notification and miss it. */
void view_note_added(struct netlink_view *v, const struct live_addr *a);
/* The link of ifindex, or of name when ifindex is 0; NULL when none. */
const struct link_fact *view_link(const struct netlink_view *v, int ifindex, const char *name);
/* The master of link ifindex, as netlink_link_master() gives it. */
int view_link_master(const struct netlink_view *v, int ifindex, char master[IF_NAMESIZE], char kind[16]);
/* A copy of every address, after the notifications waiting, in no
 * particular order (the caller sorts), into *addrs (the caller frees it):
 * false when there is no view. */
bool view_addresses(struct netlink *nl, struct live_addr **addrs, size_t *n);

#endif

/* The kernel's links, addresses, routes and neighbours through libnl-route-3: every link and
 * address fact lvsdr reads. This header is the whole facade: only src/rtnetlink.c includes
 * <netlink/route/...>. */
#ifndef LVSDR_RTNETLINK_H
#define LVSDR_RTNETLINK_H

#include <stdbool.h>
#include <stddef.h>

#include "host.h"
#include "nic.h"

struct netlink;

/* 0, or a negative libnl code; err gets a sentence. */
int netlink_open(struct netlink **out, char *err, size_t errlen);
void netlink_close(struct netlink *nl);

/* Forget the interface names met so far: an interface may vanish, appear
 * or be renamed between two reads of the state. */
void netlink_links_refresh(struct netlink *nl);

/* lvsdr events: keep the links and addresses current from the kernel's
 * notifications on a second socket (src/rtnetlink_view.c), so that a
 * state read asks the kernel for neither. netlink_links_refresh() and
 * address_list() first apply every notification waiting; a view that
 * cannot be kept (the socket failing) is dropped, and every read asks the
 * kernel again. 0, or a negative libnl code with err filled (no view). */
int netlink_watch(struct netlink *nl, char *err, size_t errlen);
/* Its descriptor for poll(), -1 when there is no view. */
int netlink_watch_fd(const struct netlink *nl);
/* Apply the notifications waiting (between events, so none piles up):
 * false when there is no view, or it was dropped now. */
bool netlink_watch_drain(struct netlink *nl);

/* Interface index for a name, 0 when there is no such interface. */
int netlink_ifindex(struct netlink *nl, const char *name);
/* The 6-byte hardware address of interface ifindex; false if it has none. */
bool netlink_link_mac(struct netlink *nl, int ifindex, uint8_t mac[6]);

/* One interface as the frame senders and readers need it: its index, MAC
 * and type, and every address bound on it, with a socket of its own. 0,
 * or -ENODEV with err "no interface IFNAME", or another -errno with err
 * filled. Whether the interface has a MAC is the caller's to judge, each
 * with its own words. nic is always safe to nic_free(). */
int nic_lookup(const char *ifname, struct nic *nic, char *err, size_t errlen);

/* The 6-byte hardware address of every interface of this host, into
 * *macs (the caller frees it). 0, or -1 with err filled. */
int netlink_local_macs(uint8_t (**macs)[6], size_t *n, char *err, size_t errlen);

/* The device interface ifindex is enslaved to (IFLA_MASTER): its index,
 * with its name and kind ("bridge", "bond", "vrf"...); 0 when none. */
int netlink_link_master(struct netlink *nl, int ifindex, char master[IF_NAMESIZE], char kind[16]);

/* Append to live->addrs every address for which keep() says yes. */
int address_list(struct netlink *nl, struct host *live, bool (*keep)(void *ctx, struct live_addr *a), void *ctx,
		 char *err, size_t errlen);

/* The local routes on lo that no address made (route = true) into
 * live->routes; with lint also the gateways of routes through the NIC and
 * the NIC's neighbours into live->gateways and live->neighbours. Needs
 * live->ifindex and live->lo_ifindex. 0, or a negative libnl code. */
int route_list(struct netlink *nl, struct host *live, bool lint, char *err, size_t errlen);

/* A change of an address, or of a range's local route (a.route). */
struct addr_change {
	bool add;	    /* add, or delete */
	struct live_addr a; /* ifindex, family, addr, prefix, label */
	int error;	    /* result: 0, or -errno from the kernel */
	bool done;	    /* the kernel answered */
};

/* Send every change, pipelined (the kernel processes them in order), and
 * collect one answer each. Returns the number that failed. */
size_t address_apply(struct netlink *nl, struct addr_change *changes, size_t n);

#endif

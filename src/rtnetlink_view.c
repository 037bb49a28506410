/* The links and addresses lvsdr events needs, kept current from the
 * kernel's rtnetlink notifications (RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
 * RTNLGRP_IPV6_IFADDR) on a socket of their own, so that an event's state
 * read costs no link requests and no address dump.
 *
 * Why this is as true as a dump: the socket is subscribed before the
 * first dump, so every change the dump may have missed is queued behind
 * it; the kernel queues the notifications of one namespace in the order
 * it made the changes, each carrying the object's whole state, so
 * applying them in order (a NEW replaces, a DEL removes: applying one the
 * dump already showed changes nothing) leaves the view equal to the
 * kernel's tables as of the last one read. view_sync() reads every one
 * waiting, so after it the view is the kernel's as of that instant; a
 * change after it races the state read as it would race a dump sent at
 * that instant. A change made through this process is queued here
 * before the kernel acknowledges it, but for an IPv6 address added: its
 * RTM_NEWADDR comes from the DAD work queue, after the acknowledgement
 * (measured: under load, the next event's sync came before it), so
 * address_apply() puts it in the view itself (view_note_added()); one
 * added by another process is seen once the kernel has announced it, a
 * few microseconds later, as if it had been added that much later. When
 * the socket overran (ENOBUFS: notifications were lost) the view is
 * dumped again, the queue still read after it. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rtnetlink.h"
#include "rtnetlink_internal.h"
#include "util.h"

/* Larger than any one notification the kernel sends (NLMSG_GOODSIZE). */
#define VIEW_BUF_SIZE (64 * 1024)
/* A dump interrupted this many times in a row: the view is given up. */
#define VIEW_DUMP_TRIES 100

struct netlink_view {
	struct nl_sock *sock; /* the subscribed one, read only here */
	struct link_fact *links;
	size_t nlinks, caplinks;
	/* Addresses, dense, and an open-addressing index into them (slot:
	 * position + 1, 0 empty): a takeover of 10,000 VIPs brings 10,000
	 * notifications, each found in constant time. */
	struct live_addr *addrs;
	size_t naddrs, capaddrs;
	uint32_t *slots;
	size_t nslots; /* a power of two, at least twice naddrs */
	unsigned char *buf;
};

/* --- addresses --------------------------------------------------------------------- */

/* An address's identity in the kernel: IPv4 keys on the prefix too
 * (one address may be bound with two masks), IPv6 on the address. */
static bool addr_same(const struct live_addr *x, const struct live_addr *y)
{
	return ipaddr_equal(&x->ip, &y->ip) && x->ifindex == y->ifindex &&
	       (x->ip.family == AF_INET6 || x->ip.prefix == y->ip.prefix);
}

static size_t addr_hash(const struct live_addr *a)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	const uint8_t *p = a->ip.bytes;

	for (size_t i = 0; i < sizeof(a->ip.bytes); i++)
		h = (h ^ p[i]) * 16777619u;
	h = (h ^ (uint32_t)a->ifindex) * 16777619u;
	h = (h ^ (uint32_t)a->ip.family) * 16777619u;
	if (a->ip.family == AF_INET)
		h = (h ^ a->ip.prefix) * 16777619u;
	return h;
}

/* The slot holding a, or the empty one where it would go. */
static size_t slot_find(const struct netlink_view *v, const struct live_addr *a)
{
	size_t mask = v->nslots - 1, i = addr_hash(a) & mask;

	while (v->slots[i] && !addr_same(&v->addrs[v->slots[i] - 1], a))
		i = (i + 1) & mask;
	return i;
}

static void slots_rebuild(struct netlink_view *v, size_t nslots)
{
	free(v->slots);
	v->nslots = nslots;
	v->slots = xcalloc(nslots, sizeof(*v->slots));
	for (size_t k = 0; k < v->naddrs; k++)
		v->slots[slot_find(v, &v->addrs[k])] = (uint32_t)(k + 1);
}

static void addr_put(struct netlink_view *v, const struct live_addr *a)
{
	size_t i;

	if ((v->naddrs + 1) * 2 > v->nslots)
		slots_rebuild(v, v->nslots ? v->nslots * 2 : 64);
	i = slot_find(v, a);
	if (v->slots[i]) {
		v->addrs[v->slots[i] - 1] = *a;
		return;
	}
	if (v->naddrs == v->capaddrs) {
		v->capaddrs = v->capaddrs ? v->capaddrs * 2 : 64;
		v->addrs = xreallocarray(v->addrs, v->capaddrs, sizeof(*v->addrs));
	}
	v->addrs[v->naddrs++] = *a;
	v->slots[i] = (uint32_t)v->naddrs;
}

/* Empty slot i, moving back the entries after it that probed past it
 * (linear probing's deletion without tombstones). */
static void slot_clear(struct netlink_view *v, size_t i)
{
	size_t mask = v->nslots - 1, j = i;

	v->slots[i] = 0;
	for (;;) {
		j = (j + 1) & mask;
		if (!v->slots[j])
			return;
		size_t home = addr_hash(&v->addrs[v->slots[j] - 1]) & mask;
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			v->slots[i] = v->slots[j];
			v->slots[j] = 0;
			i = j;
		}
	}
}

/* Remove the address at position k; the last one takes its place. */
static void addr_remove_at(struct netlink_view *v, size_t k)
{
	size_t last = v->naddrs - 1;

	slot_clear(v, slot_find(v, &v->addrs[k]));
	if (k != last) {
		v->addrs[k] = v->addrs[last];
		v->slots[slot_find(v, &v->addrs[k])] = (uint32_t)(k + 1);
	}
	v->naddrs--;
}

static void addr_drop(struct netlink_view *v, const struct live_addr *a)
{
	size_t i;

	if (!v->nslots)
		return;
	i = slot_find(v, a);
	if (v->slots[i])
		addr_remove_at(v, v->slots[i] - 1);
}

/* --- links --------------------------------------------------------------------------- */

/* Only AF_UNSPEC messages describe a link: a bridge sends AF_BRIDGE ones
 * about its ports on the same group, without the link's kind, and an
 * AF_BRIDGE RTM_DELLINK when a port leaves it, the link still there. */
static bool link_parse(struct nlmsghdr *h, struct link_fact *l)
{
	struct ifinfomsg *ifi = nlmsg_data(h);
	struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1];

	if (nlmsg_datalen(h) < (int)sizeof(*ifi) || ifi->ifi_family != AF_UNSPEC ||
	    nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0)
		return false;
	memset(l, 0, sizeof(*l));
	l->ifindex = ifi->ifi_index;
	l->arptype = ifi->ifi_type;
	if (tb[IFLA_IFNAME])
		nla_strlcpy(l->name, tb[IFLA_IFNAME], sizeof(l->name));
	if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) == 6) {
		l->have_mac = true;
		memcpy(l->mac, nla_data(tb[IFLA_ADDRESS]), 6);
	}
	if (tb[IFLA_MASTER] && nla_len(tb[IFLA_MASTER]) >= 4)
		l->master = (int)nla_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_LINKINFO] && nla_parse_nested(info, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) >= 0 &&
	    info[IFLA_INFO_KIND])
		nla_strlcpy(l->kind, info[IFLA_INFO_KIND], sizeof(l->kind));
	return l->ifindex > 0;
}

static struct link_fact *link_find(const struct netlink_view *v, int ifindex)
{
	for (size_t i = 0; i < v->nlinks; i++)
		if (v->links[i].ifindex == ifindex)
			return &v->links[i];
	return NULL;
}

static void link_put(struct netlink_view *v, const struct link_fact *l)
{
	struct link_fact *old = link_find(v, l->ifindex);

	if (old) {
		*old = *l;
		return;
	}
	if (v->nlinks == v->caplinks) {
		v->caplinks = v->caplinks ? v->caplinks * 2 : 16;
		v->links = xreallocarray(v->links, v->caplinks, sizeof(*v->links));
	}
	v->links[v->nlinks++] = *l;
}

/* A link gone takes its addresses with it (the kernel says so too, one
 * by one, before). */
static void link_drop(struct netlink_view *v, int ifindex)
{
	struct link_fact *l = link_find(v, ifindex);

	if (l)
		*l = v->links[--v->nlinks];
	for (size_t k = 0; k < v->naddrs;)
		if (v->addrs[k].ifindex == ifindex)
			addr_remove_at(v, k);
		else
			k++;
}

/* One message, from a dump or a notification, into the view. */
static void view_apply(struct nlmsghdr *h, void *arg)
{
	struct netlink_view *v = arg;
	struct link_fact l;
	struct live_addr a;

	switch (h->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		if (!link_parse(h, &l))
			return;
		if (h->nlmsg_type == RTM_NEWLINK)
			link_put(v, &l);
		else
			link_drop(v, l.ifindex);
		return;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		if (!netlink_addr_parse(h, &a))
			return;
		if (h->nlmsg_type == RTM_NEWADDR)
			addr_put(v, &a);
		else
			addr_drop(v, &a);
		return;
	default:
		return;
	}
}

static void view_clear_addrs(struct netlink_view *v)
{
	v->naddrs = 0;
	if (v->nslots)
		memset(v->slots, 0, v->nslots * sizeof(*v->slots));
}

/* One table (RTM_GETLINK or RTM_GETADDR) dumped anew into the view,
 * asked again while interrupted. 0, or a negative libnl code. */
static int view_dump_kind(struct netlink *nl, int kind)
{
	struct netlink_view *v = nl->view;
	int ret, tries = 0;

	do {
		if (kind == RTM_GETLINK)
			v->nlinks = 0;
		else
			view_clear_addrs(v);
		ret = netlink_dump_kind(nl, kind, view_apply, v);
	} while (ret == -NLE_DUMP_INTR && ++tries < VIEW_DUMP_TRIES);
	return ret;
}

/* Every link and address anew. 0, or a negative libnl code (the view is
 * then empty). */
static int view_dump(struct netlink *nl)
{
	int ret = view_dump_kind(nl, RTM_GETLINK);

	if (ret >= 0)
		ret = view_dump_kind(nl, RTM_GETADDR);
	if (ret < 0) {
		nl->view->nlinks = 0;
		view_clear_addrs(nl->view);
	}
	return ret;
}

int view_open(struct netlink *nl, char *err, size_t errlen)
{
	struct netlink_view *v = xcalloc(1, sizeof(*v));
	int ret;

	nl->view = v;
	v->buf = xcalloc(1, VIEW_BUF_SIZE);
	if (!(v->sock = nl_socket_alloc())) {
		ret = -NLE_NOMEM;
		goto fail;
	}
	nl_socket_disable_seq_check(v->sock);
	/* Subscribed before the dump: what the dump misses is queued. */
	if ((ret = nl_connect(v->sock, NETLINK_ROUTE)) < 0 ||
	    (ret = nl_socket_add_memberships(v->sock, RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, 0)) < 0 ||
	    (ret = nl_socket_set_buffer_size(v->sock, 1 << 20, 0)) < 0 || (ret = nl_socket_set_nonblocking(v->sock)) < 0)
		goto fail;
	if ((ret = view_dump(nl)) < 0 || !view_sync(nl)) {
		ret = ret < 0 ? ret : -NLE_FAILURE;
		goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "cannot follow the kernel's link and address notifications: %s", nl_geterror(ret));
	view_free(nl->view);
	nl->view = NULL;
	return ret;
}

void view_free(struct netlink_view *v)
{
	if (!v)
		return;
	if (v->sock)
		nl_socket_free(v->sock);
	free(v->links);
	free(v->addrs);
	free(v->slots);
	free(v->buf);
	free(v);
}

int view_fd(const struct netlink_view *v)
{
	return nl_socket_get_fd(v->sock);
}

/* The messages of one datagram, into the view. */
static void view_datagram(struct netlink_view *v, size_t len)
{
	struct nlmsghdr *h = (struct nlmsghdr *)v->buf;
	int left = (int)len;

	for (; nlmsg_ok(h, left); h = nlmsg_next(h, &left))
		view_apply(h, v);
}

bool view_sync(struct netlink *nl)
{
	struct netlink_view *v = nl->view;
	int fd = v ? view_fd(v) : -1;

	while (v) {
		struct sockaddr_nl from;
		socklen_t fromlen = sizeof(from);
		ssize_t n = recvfrom(fd, v->buf, VIEW_BUF_SIZE, MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&from,
				     &fromlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		/* Lost notifications (ENOBUFS) or a datagram cut short: dump
		 * again, and go on reading what came after. */
		if ((n < 0 && errno == ENOBUFS) || n > VIEW_BUF_SIZE) {
			if (view_dump(nl) < 0)
				break;
			continue;
		}
		if (n < 0)
			break;
		/* Any local process may send to our port: the kernel's only. */
		if (fromlen == sizeof(from) && from.nl_pid == 0)
			view_datagram(v, (size_t)n);
	}
	view_free(nl->view);
	nl->view = NULL;
	return false;
}

const struct link_fact *view_link(const struct netlink_view *v, int ifindex, const char *name)
{
	for (size_t i = 0; i < v->nlinks; i++)
		if (ifindex ? v->links[i].ifindex == ifindex : !strcmp(v->links[i].name, name))
			return &v->links[i];
	return NULL;
}

void view_note_added(struct netlink_view *v, const struct live_addr *a)
{
	/* As the kernel's message would give it: no name, no label. */
	struct live_addr copy = { .ip = a->ip, .ifindex = a->ifindex };

	addr_put(v, &copy);
}

int view_link_master(const struct netlink_view *v, int ifindex, char master[IF_NAMESIZE], char kind[16])
{
	const struct link_fact *l = view_link(v, ifindex, NULL);
	const struct link_fact *m = l && l->master > 0 ? view_link(v, l->master, NULL) : NULL;

	if (!m || !m->name[0])
		return 0;
	snprintf(master, IF_NAMESIZE, "%s", m->name);
	snprintf(kind, 16, "%s", m->kind);
	return m->ifindex;
}

bool view_addresses(struct netlink *nl, struct live_addr **addrs, size_t *n)
{
	struct netlink_view *v = nl->view;

	if (!v || (!nl->view_synced && !view_sync(nl)))
		return false;
	nl->view_synced = false;
	v = nl->view;
	*n = v->naddrs;
	*addrs = xcalloc(v->naddrs ? v->naddrs : 1, sizeof(**addrs));
	memcpy(*addrs, v->addrs, v->naddrs * sizeof(**addrs));
	return true;
}

int netlink_watch(struct netlink *nl, char *err, size_t errlen)
{
	return nl->view ? 0 : view_open(nl, err, errlen);
}

int netlink_watch_fd(const struct netlink *nl)
{
	return nl->view ? view_fd(nl->view) : -1;
}

bool netlink_watch_drain(struct netlink *nl)
{
	return nl->view && view_sync(nl);
}

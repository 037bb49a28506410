/* The kernel's links, addresses, routes and neighbours over rtnetlink: the
 * one reader of link and address facts, and the only user of libnl-route.
 * Links are asked one by one (RTM_GETLINK by index or name), never as a
 * link cache: the dump and its parsing cost a takeover 170 us before its
 * first frame, for the two or three interfaces it needs. With a view
 * (netlink_watch(), src/rtnetlink_view.c) links and addresses are read
 * from it instead, the kernel's notifications keeping it current. */
#include "rtnetlink.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netlink/addr.h>
#include <netlink/attr.h>
#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nl_seq.h"
#include "rtnetlink_internal.h"
#include "util.h"

int netlink_open(struct netlink **out, char *err, size_t errlen)
{
	struct netlink *nl = xcalloc(1, sizeof(*nl));
	int ret;

	*out = NULL;
	nl->sock = nl_socket_alloc();
	if (!nl->sock) {
		snprintf(err, errlen, "cannot allocate a netlink socket");
		free(nl);
		return -NLE_NOMEM;
	}
	ret = nl_connect(nl->sock, NETLINK_ROUTE);
	if (ret >= 0)
		ret = nl_socket_set_buffer_size(nl->sock, 1 << 20, 1 << 20);
	if (ret < 0) {
		snprintf(err, errlen, "cannot talk to the kernel over rtnetlink: %s", nl_geterror(ret));
		netlink_close(nl);
		return ret;
	}
	*out = nl;
	return 0;
}

void netlink_close(struct netlink *nl)
{
	if (!nl)
		return;
	view_free(nl->view);
	nl_socket_free(nl->sock);
	free(nl);
}

void netlink_links_refresh(struct netlink *nl)
{
	nl->nnames = 0;
	/* The start of a state read: the view becomes the kernel's as of now. */
	nl->view_synced = nl->view && view_sync(nl);
}

/* The link of ifindex, or of name when ifindex is 0: NULL when there is
 * none. The caller puts it. */
static struct rtnl_link *link_get(struct netlink *nl, int ifindex, const char *name)
{
	struct rtnl_link *link = NULL;

	if (name && strlen(name) >= IF_NAMESIZE)
		return NULL;
	return rtnl_link_get_kernel(nl->sock, ifindex, name, &link) < 0 ? NULL : link;
}

int netlink_ifindex(struct netlink *nl, const char *name)
{
	struct rtnl_link *link;
	int ifindex;

	if (nl->view) {
		const struct link_fact *l = view_link(nl->view, 0, name);

		return l ? l->ifindex : 0;
	}
	if (!(link = link_get(nl, 0, name)))
		return 0;
	ifindex = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return ifindex;
}

/* The name of interface ifindex into buf, or false if it has none now.
 * Never while a dump is being read on the socket. */
static bool interface_name(struct netlink *nl, int ifindex, char buf[IF_NAMESIZE])
{
	struct rtnl_link *link;
	const struct link_fact *l;
	const char *name;

	if (nl->view) {
		l = view_link(nl->view, ifindex, NULL);
		snprintf(buf, IF_NAMESIZE, "%s", l ? l->name : "");
		return buf[0] != '\0';
	}
	for (size_t i = 0; i < nl->nnames; i++)
		if (nl->names[i].ifindex == ifindex) {
			memcpy(buf, nl->names[i].name, IF_NAMESIZE);
			return true;
		}
	if (!(link = link_get(nl, ifindex, NULL)))
		return false;
	name = rtnl_link_get_name(link);
	snprintf(buf, IF_NAMESIZE, "%s", name ? name : "");
	rtnl_link_put(link);
	if (!buf[0])
		return false;
	if (nl->nnames < NAME_MEMO) {
		nl->names[nl->nnames].ifindex = ifindex;
		memcpy(nl->names[nl->nnames++].name, buf, IF_NAMESIZE);
	}
	return true;
}

/* The 6-byte hardware address of link into mac; false if it has none. */
static bool link_mac(struct rtnl_link *link, uint8_t mac[6])
{
	struct nl_addr *a = rtnl_link_get_addr(link);

	if (!a || nl_addr_get_len(a) != 6)
		return false;
	memcpy(mac, nl_addr_get_binary_addr(a), 6);
	return true;
}

bool netlink_link_mac(struct netlink *nl, int ifindex, uint8_t mac[6])
{
	struct rtnl_link *link;
	bool ok;

	if (nl->view) {
		const struct link_fact *l = view_link(nl->view, ifindex, NULL);

		ok = l && l->arptype == ARPHRD_ETHER && l->have_mac;
		if (ok)
			memcpy(mac, l->mac, 6);
		return ok;
	}
	link = link_get(nl, ifindex, NULL);
	ok = link && rtnl_link_get_arptype(link) == ARPHRD_ETHER && link_mac(link, mac);

	if (link)
		rtnl_link_put(link);
	return ok;
}

int netlink_link_master(struct netlink *nl, int ifindex, char master[IF_NAMESIZE], char kind[16])
{
	struct rtnl_link *link = NULL;
	int index = 0;
	const char *type;

	master[0] = kind[0] = '\0';
	if (nl->view)
		return view_link_master(nl->view, ifindex, master, kind);
	if (rtnl_link_get_kernel(nl->sock, ifindex, NULL, &link) < 0)
		return 0;
	index = rtnl_link_get_master(link);
	rtnl_link_put(link);
	link = NULL;
	if (index <= 0 || !interface_name(nl, index, master))
		return 0;
	if (rtnl_link_get_kernel(nl->sock, index, NULL, &link) >= 0) {
		type = rtnl_link_get_type(link);
		snprintf(kind, 16, "%s", type ? type : "");
		rtnl_link_put(link);
	}
	return index;
}

/* The local address of an RTM_NEWADDR message into a, as libnl's own
 * parser reads it (IFA_LOCAL, else IFA_ADDRESS), without building an
 * object per address: a dump of 10,000 VIPs built and freed 10,000 of them. */
bool netlink_addr_parse(struct nlmsghdr *h, struct live_addr *a)
{
	struct ifaddrmsg *ifa = nlmsg_data(h);
	struct nlattr *tb[IFA_MAX + 1], *local;
	unsigned len;

	if ((h->nlmsg_type != RTM_NEWADDR && h->nlmsg_type != RTM_DELADDR) ||
	    nlmsg_parse(h, sizeof(*ifa), tb, IFA_MAX, NULL) < 0)
		return false;
	local = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!local)
		return false;
	memset(a, 0, sizeof(*a));
	a->ip.family = ifa->ifa_family;
	len = (unsigned)nla_len(local);
	if ((a->ip.family != AF_INET || len != 4) && (a->ip.family != AF_INET6 || len != 16))
		return false;
	memcpy(a->ip.bytes, nla_data(local), len);
	a->ip.prefix = ifa->ifa_prefixlen;
	/* IFA_FLAGS holds all 32 bits; ifa_flags the low 8, IFA_F_SECONDARY among them. */
	uint32_t flags = tb[IFA_FLAGS] && nla_len(tb[IFA_FLAGS]) >= 4 ? nla_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	a->secondary = a->ip.family == AF_INET && (flags & IFA_F_SECONDARY);
	a->ifindex = (int)ifa->ifa_index;
	if (tb[IFA_LABEL])
		nla_strlcpy(a->label, tb[IFA_LABEL], sizeof(a->label));
	return true;
}

struct dump {
	struct live_addr *addrs;
	size_t n, cap;
};

static void on_dumped_address(struct nlmsghdr *h, void *arg)
{
	struct dump *d = arg;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->addrs = xreallocarray(d->addrs, d->cap, sizeof(*d->addrs));
	}
	if (h->nlmsg_type == RTM_NEWADDR && netlink_addr_parse(h, &d->addrs[d->n]))
		d->n++;
}

/* A dump is incoherent when interrupted and must be asked again. */
int netlink_dump_kind(struct netlink *nl, int kind, void (*each)(struct nlmsghdr *h, void *arg), void *arg)
{
	struct rtgenmsg gen = { .rtgen_family = AF_UNSPEC };
	struct nl_msg *msg = nlmsg_alloc_simple(kind, NLM_F_DUMP);
	int ret = msg ? nlmsg_append(msg, &gen, sizeof(gen), NLMSG_ALIGNTO) : -NLE_NOMEM;
	int kernel_error;

	if (ret >= 0)
		ret = nl_dump_run(nl->sock, msg, each, arg, &kernel_error);
	if (ret == -NLE_FAILURE)
		ret = -nl_syserr2nlerr(-kernel_error);
	nlmsg_free(msg);
	return ret;
}

/* The kernel marks a dump interrupted whenever an address changed while
 * it was being sent, and right after a bulk add of IPv6 addresses it
 * keeps changing them for a while (each one's DAD completes in a work
 * queue): ten attempts in a row were seen interrupted after 5,000 adds.
 * Ask again until a dump comes through whole; only addresses rewritten
 * without pause for this long are an error, named as such. */
#define DUMP_PATIENCE_MS 5000

/* Every address, in one dump that came through whole (asked again while
 * interrupted, DUMP_PATIENCE_MS at most). 0, or a negative libnl code. */
static int dump_addresses(struct netlink *nl, struct dump *d)
{
	uint64_t give_up = monotonic_ns() + DUMP_PATIENCE_MS * 1000000ULL;
	int ret;

	do {
		d->n = 0;
		ret = netlink_dump_kind(nl, RTM_GETADDR, on_dumped_address, d);
	} while (ret == -NLE_DUMP_INTR && monotonic_ns() < give_up);
	return ret;
}

int address_list(struct netlink *nl, struct host *live, bool (*keep)(void *ctx, struct live_addr *a), void *ctx,
		 char *err, size_t errlen)
{
	struct dump d = { 0 };
	size_t cap = live->naddrs;
	int ret = view_addresses(nl, &d.addrs, &d.n) ? 0 : dump_addresses(nl, &d);

	if (ret == -NLE_DUMP_INTR) {
		snprintf(err, errlen, "cannot list addresses: they kept changing while the kernel listed them, "
				      "for %d ms",
			 DUMP_PATIENCE_MS);
		free(d.addrs);
		return ret;
	}
	if (ret < 0) {
		snprintf(err, errlen, "cannot list addresses: %s", nl_geterror(ret));
		free(d.addrs);
		return ret;
	}
	/* keep() only now, on a dump that came through whole: it records
	 * things as it goes (the link-local address, foreign secondaries), and
	 * an interrupted attempt must leave no trace of them. */
	for (size_t i = 0; i < d.n; i++) {
		/* Named only now: no request may go out while a dump is read. */
		if (!interface_name(nl, d.addrs[i].ifindex, d.addrs[i].ifname))
			snprintf(d.addrs[i].ifname, sizeof(d.addrs[i].ifname), "if%d", d.addrs[i].ifindex);
		if (!keep(ctx, &d.addrs[i]))
			continue;
		if (live->naddrs == cap) {
			cap = cap ? cap * 2 : 16;
			live->addrs = xreallocarray(live->addrs, cap, sizeof(*live->addrs));
		}
		live->addrs[live->naddrs++] = d.addrs[i];
	}
	free(d.addrs);
	return 0;
}

/* An address of the interface into nic->addrs. */
static void nic_add(struct nic *nic, size_t *cap, const struct live_addr *a)
{
	struct nic_addr *n;

	if (nic->naddrs == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		nic->addrs = xreallocarray(nic->addrs, *cap, sizeof(*nic->addrs));
	}
	n = &nic->addrs[nic->naddrs++];
	n->ip = a->ip;
	/* An IPv4 address under a label ("eth0:lvsdr") has a label that is
	 * more than the interface's name; IPv6 addresses have none. */
	n->labelled = a->ip.family == AF_INET && a->label[0] && strcmp(a->label, nic->name);
	if (a->ip.family == AF_INET6 && a->ip.bytes[0] == 0xfe && (a->ip.bytes[1] & 0xc0) == 0x80 && !nic->link_local.family)
		nic->link_local = a->ip;
}

int nic_lookup(const char *ifname, struct nic *nic, char *err, size_t errlen)
{
	struct dump d = { 0 };
	struct rtnl_link *link;
	struct netlink *nl;
	size_t cap = 0;
	int ret;

	memset(nic, 0, sizeof(*nic));
	snprintf(nic->name, sizeof(nic->name), "%s", ifname);
	if (netlink_open(&nl, err, errlen) < 0)
		return -EIO;
	if (!(link = link_get(nl, 0, ifname))) {
		netlink_close(nl);
		snprintf(err, errlen, "no interface %s", ifname);
		return -ENODEV;
	}
	nic->ifindex = rtnl_link_get_ifindex(link);
	nic->have_mac = link_mac(link, nic->mac);
	nic->ethernet = nic->have_mac && rtnl_link_get_arptype(link) == ARPHRD_ETHER;
	rtnl_link_put(link);
	ret = dump_addresses(nl, &d);
	netlink_close(nl);
	if (ret < 0) {
		snprintf(err, errlen, "cannot list the addresses of %s: %s", ifname, nl_geterror(ret));
		free(d.addrs);
		return -EIO;
	}
	for (size_t i = 0; i < d.n; i++)
		if (d.addrs[i].ifindex == nic->ifindex)
			nic_add(nic, &cap, &d.addrs[i]);
	free(d.addrs);
	return 0;
}

int netlink_local_macs(uint8_t (**macs)[6], size_t *n, char *err, size_t errlen)
{
	struct nl_cache *cache = NULL;
	struct netlink *nl;
	size_t cap = 0;
	int ret;

	*macs = NULL;
	*n = 0;
	if (netlink_open(&nl, err, errlen) < 0)
		return -1;
	/* A dump of every link, once per verify or apply of a director. */
	if ((ret = rtnl_link_alloc_cache(nl->sock, AF_UNSPEC, &cache)) < 0) {
		snprintf(err, errlen, "cannot list this host's interfaces: %s", nl_geterror(ret));
		netlink_close(nl);
		return -1;
	}
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*macs = xreallocarray(*macs, cap, sizeof(**macs));
		}
		*n += link_mac((struct rtnl_link *)o, (*macs)[*n]);
	}
	nl_cache_free(cache);
	netlink_close(nl);
	return 0;
}

/* A range: one local route on lo, what `ip route add local PREFIX dev lo`
 * makes (table local, type local, scope host), proto static so that the
 * delete matches only a route added the same way. */
static int build_route_request(const struct addr_change *c, struct nl_msg **msg)
{
	struct rtnl_route *route = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = nl_addr_build(c->a.ip.family, c->a.ip.bytes, addr_len(c->a.ip.family));
	int ret = route && nh && dst ? 0 : -NLE_NOMEM;

	if (ret == 0) {
		nl_addr_set_prefixlen(dst, c->a.ip.prefix);
		rtnl_route_set_family(route, (uint8_t)c->a.ip.family);
		rtnl_route_set_table(route, RT_TABLE_LOCAL);
		rtnl_route_set_scope(route, RT_SCOPE_HOST);
		rtnl_route_set_protocol(route, RTPROT_STATIC);
		ret = rtnl_route_set_type(route, RTN_LOCAL);
	}
	if (ret >= 0)
		ret = rtnl_route_set_dst(route, dst);
	if (ret >= 0) {
		rtnl_route_nh_set_ifindex(nh, c->a.ifindex);
		rtnl_route_add_nexthop(route, nh);
		nh = NULL; /* the route holds it now */
		ret = c->add ? rtnl_route_build_add_request(route, NLM_F_CREATE | NLM_F_EXCL, msg)
			     : rtnl_route_build_del_request(route, 0, msg);
	}
	if (nh)
		rtnl_route_nh_free(nh);
	if (dst)
		nl_addr_put(dst);
	if (route)
		rtnl_route_put(route);
	return ret;
}

static int build_request(const struct addr_change *c, struct nl_msg **msg)
{
	struct rtnl_addr *obj;
	struct nl_addr *local;
	int ret;

	if (c->a.route)
		return build_route_request(c, msg);
	obj = rtnl_addr_alloc();
	if (!obj)
		return -NLE_NOMEM;
	local = nl_addr_build(c->a.ip.family, c->a.ip.bytes, c->a.ip.family == AF_INET ? 4 : 16);
	if (!local) {
		rtnl_addr_put(obj);
		return -NLE_NOMEM;
	}
	nl_addr_set_prefixlen(local, c->a.ip.prefix);
	rtnl_addr_set_ifindex(obj, c->a.ifindex);
	rtnl_addr_set_family(obj, c->a.ip.family);
	ret = rtnl_addr_set_local(obj, local);
	rtnl_addr_set_prefixlen(obj, c->a.ip.prefix);
	if (ret >= 0 && c->a.ip.family == AF_INET && c->a.label[0])
		ret = rtnl_addr_set_label(obj, c->a.label);
	/* A VIP must answer at once: no duplicate address detection wait. */
	if (c->a.ip.family == AF_INET6 && c->add)
		rtnl_addr_set_flags(obj, IFA_F_NODAD);
	if (ret >= 0)
		ret = c->add ? rtnl_addr_build_add_request(obj, NLM_F_CREATE | NLM_F_EXCL, msg)
			     : rtnl_addr_build_delete_request(obj, 0, msg);
	nl_addr_put(local);
	rtnl_addr_put(obj);
	return ret;
}

static int build_nth(void *ctx, size_t i, struct nl_msg **msg)
{
	return build_request(&((struct addr_change *)ctx)[i], msg);
}

static void answer_nth(void *ctx, size_t i, int error)
{
	struct addr_change *c = &((struct addr_change *)ctx)[i];

	c->done = true;
	c->error = error;
}

size_t address_apply(struct netlink *nl, struct addr_change *changes, size_t n)
{
	size_t failed = 0;

	nl->view_synced = false;
	/* Those never sent, after one that could not be: */
	for (size_t i = 0; i < n; i++)
		changes[i].done = false, changes[i].error = -ECANCELED;
	/* An acknowledgement fits libnl's 16 KiB buffer: read at once, not
	 * peeked at first, one system call fewer between a takeover's bind
	 * and its first frame. Dumps, of any size, peek again after. */
	nl_socket_disable_msg_peek(nl->sock);
	nl_pipeline_run(nl->sock, n, build_nth, answer_nth, changes);
	nl_socket_enable_msg_peek(nl->sock);
	for (size_t i = 0; i < n; i++)
		if (!changes[i].done || changes[i].error)
			failed++;
		else if (nl->view && changes[i].add && !changes[i].a.route && changes[i].a.ip.family == AF_INET6)
			view_note_added(nl->view, &changes[i].a);
	return failed;
}

/* What a profile with ranges needs from the routing tables and the
 * neighbour table, filled as the dumps go. */
struct route_dump {
	struct host *live;
	bool lint; /* also the NIC's gateways and neighbours */
	struct live_addr *routes, *gateways, *neighbours;
	size_t nroutes, ngateways, nneighbours;
};

static void route_push(struct live_addr **v, size_t *n, const struct live_addr *a)
{
	/* Few: local routes on lo, a NIC's gateways and neighbours. */
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = *a;
}

/* Copy an address attribute of family into a; false when it is none. */
static bool attr_address(const struct nlattr *attr, int family, struct live_addr *a)
{
	if (!attr || (family != AF_INET && family != AF_INET6) || (size_t)nla_len(attr) != addr_len(family))
		return false;
	a->ip.family = family;
	memcpy(a->ip.bytes, nla_data(attr), addr_len(family));
	return true;
}

static void on_dumped_route(struct nlmsghdr *h, void *arg)
{
	struct route_dump *d = arg;
	struct rtmsg *rtm = nlmsg_data(h);
	struct nlattr *tb[RTA_MAX + 1];
	struct live_addr a = { 0 };

	if (h->nlmsg_type != RTM_NEWROUTE || nlmsg_parse(h, sizeof(*rtm), tb, RTA_MAX, NULL) < 0)
		return;
	uint32_t table = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	int oif = tb[RTA_OIF] ? (int)nla_get_u32(tb[RTA_OIF]) : 0;
	/* The kernel's own local routes (one per address, proto kernel) are
	 * the addresses' business; a range is any other local route on lo. */
	if (rtm->rtm_type == RTN_LOCAL && table == RT_TABLE_LOCAL && oif == d->live->lo_ifindex &&
	    rtm->rtm_protocol != RTPROT_KERNEL) {
		a.ip.family = rtm->rtm_family;
		if (tb[RTA_DST] && !attr_address(tb[RTA_DST], rtm->rtm_family, &a))
			return;
		if (a.ip.family != AF_INET && a.ip.family != AF_INET6)
			return;
		a.route = true;
		a.ip.prefix = rtm->rtm_dst_len;
		a.ifindex = oif;
		snprintf(a.ifname, sizeof(a.ifname), "lo");
		route_push(&d->routes, &d->nroutes, &a);
	} else if (d->lint && table != RT_TABLE_LOCAL && oif == d->live->ifindex &&
		   attr_address(tb[RTA_GATEWAY], rtm->rtm_family, &a)) {
		a.ifindex = oif;
		route_push(&d->gateways, &d->ngateways, &a);
	}
}

static void on_dumped_neighbour(struct nlmsghdr *h, void *arg)
{
	struct route_dump *d = arg;
	struct ndmsg *ndm = nlmsg_data(h);
	struct nlattr *tb[NDA_MAX + 1];
	struct live_addr a = { 0 };

	if (h->nlmsg_type != RTM_NEWNEIGH || nlmsg_parse(h, sizeof(*ndm), tb, NDA_MAX, NULL) < 0 ||
	    ndm->ndm_ifindex != d->live->ifindex || (ndm->ndm_state & (NUD_FAILED | NUD_INCOMPLETE | NUD_NOARP)))
		return;
	if (attr_address(tb[NDA_DST], ndm->ndm_family, &a)) {
		a.ifindex = ndm->ndm_ifindex;
		route_push(&d->neighbours, &d->nneighbours, &a);
	}
}

int route_list(struct netlink *nl, struct host *live, bool lint, char *err, size_t errlen)
{
	uint64_t give_up = monotonic_ns() + DUMP_PATIENCE_MS * 1000000ULL;
	struct route_dump d;
	int ret;

	do {
		memset(&d, 0, sizeof(d));
		d.live = live;
		d.lint = lint;
		ret = netlink_dump_kind(nl, RTM_GETROUTE, on_dumped_route, &d);
		if (ret >= 0 && lint)
			ret = netlink_dump_kind(nl, RTM_GETNEIGH, on_dumped_neighbour, &d);
		if (ret < 0) {
			free(d.routes);
			free(d.gateways);
			free(d.neighbours);
		}
	} while (ret == -NLE_DUMP_INTR && monotonic_ns() < give_up);
	if (ret < 0) {
		snprintf(err, errlen, "cannot list routes and neighbours: %s", nl_geterror(ret));
		return ret;
	}
	live->routes = d.routes;
	live->nroutes = d.nroutes;
	live->gateways = d.gateways;
	live->ngateways = d.ngateways;
	live->neighbours = d.neighbours;
	live->nneighbours = d.nneighbours;
	return 0;
}

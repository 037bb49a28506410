#include "address.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nl_seq.h"
#include "util.h"

/* Interface names by index, as met while reading addresses: an address
 * dump of 10,000 VIPs on lo names one interface, asked once. */
#define NAME_MEMO 16

struct netlink {
	struct nl_sock *sock;
	/* Interfaces are looked up one by one (SIOCGIFINDEX, SIOCGIFNAME,
	 * SIOCGIFHWADDR on this socket) rather than through a libnl link
	 * cache: the dump and its parsing cost a takeover 170 us before its
	 * first frame, for the two or three interfaces it needs. */
	int ioctl_fd;
	struct {
		int ifindex;
		char name[IF_NAMESIZE];
	} names[NAME_MEMO];
	size_t nnames;
};

int netlink_open(struct netlink **out, char *err, size_t errlen)
{
	struct netlink *nl = xcalloc(1, sizeof(*nl));
	int ret;

	*out = NULL;
	nl->ioctl_fd = -1;
	nl->sock = nl_socket_alloc();
	if (!nl->sock) {
		snprintf(err, errlen, "cannot allocate a netlink socket");
		free(nl);
		return -NLE_NOMEM;
	}
	nl->ioctl_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ret = nl->ioctl_fd < 0 ? -NLE_FAILURE : nl_connect(nl->sock, NETLINK_ROUTE);
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
	if (nl->ioctl_fd >= 0)
		close(nl->ioctl_fd);
	nl_socket_free(nl->sock);
	free(nl);
}

void netlink_links_refresh(struct netlink *nl)
{
	nl->nnames = 0;
}

int netlink_ifindex(struct netlink *nl, const char *name)
{
	struct ifreq ifr = { 0 };

	if (strlen(name) >= sizeof(ifr.ifr_name))
		return 0;
	memcpy(ifr.ifr_name, name, strlen(name));
	return ioctl(nl->ioctl_fd, SIOCGIFINDEX, &ifr) < 0 ? 0 : ifr.ifr_ifindex;
}

/* The name of interface ifindex into buf, or false if it has none now. */
static bool interface_name(struct netlink *nl, int ifindex, char buf[IF_NAMESIZE])
{
	struct ifreq ifr = { .ifr_ifindex = ifindex };

	for (size_t i = 0; i < nl->nnames; i++)
		if (nl->names[i].ifindex == ifindex) {
			memcpy(buf, nl->names[i].name, IF_NAMESIZE);
			return true;
		}
	if (ioctl(nl->ioctl_fd, SIOCGIFNAME, &ifr) < 0)
		return false;
	snprintf(buf, IF_NAMESIZE, "%.*s", IF_NAMESIZE - 1, ifr.ifr_name);
	if (nl->nnames < NAME_MEMO) {
		nl->names[nl->nnames].ifindex = ifindex;
		memcpy(nl->names[nl->nnames++].name, buf, IF_NAMESIZE);
	}
	return true;
}

bool netlink_link_mac(struct netlink *nl, int ifindex, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };

	if (!interface_name(nl, ifindex, ifr.ifr_name) || ioctl(nl->ioctl_fd, SIOCGIFHWADDR, &ifr) < 0 ||
	    ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		return false;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return true;
}

int netlink_link_master(struct netlink *nl, int ifindex, char master[IF_NAMESIZE], char kind[16])
{
	struct rtnl_link *link = NULL;
	int index = 0;
	const char *type;

	master[0] = kind[0] = '\0';
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
static bool addr_from_message(struct netlink *nl, struct nlmsghdr *h, struct live_addr *a)
{
	struct ifaddrmsg *ifa = nlmsg_data(h);
	struct nlattr *tb[IFA_MAX + 1], *local;
	unsigned len;

	if (h->nlmsg_type != RTM_NEWADDR || nlmsg_parse(h, sizeof(*ifa), tb, IFA_MAX, NULL) < 0)
		return false;
	local = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!local)
		return false;
	memset(a, 0, sizeof(*a));
	a->family = ifa->ifa_family;
	len = (unsigned)nla_len(local);
	if ((a->family != AF_INET || len != 4) && (a->family != AF_INET6 || len != 16))
		return false;
	memcpy(a->addr, nla_data(local), len);
	a->prefix = ifa->ifa_prefixlen;
	/* IFA_FLAGS holds all 32 bits; ifa_flags the low 8, IFA_F_SECONDARY among them. */
	uint32_t flags = tb[IFA_FLAGS] && nla_len(tb[IFA_FLAGS]) >= 4 ? nla_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	a->secondary = a->family == AF_INET && (flags & IFA_F_SECONDARY);
	a->ifindex = (int)ifa->ifa_index;
	if (!interface_name(nl, a->ifindex, a->ifname))
		snprintf(a->ifname, sizeof(a->ifname), "if%d", a->ifindex);
	if (tb[IFA_LABEL])
		nla_strlcpy(a->label, tb[IFA_LABEL], sizeof(a->label));
	return true;
}

struct dump {
	struct netlink *nl;
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
	if (addr_from_message(d->nl, h, &d->addrs[d->n]))
		d->n++;
}

/* One RTM_GETADDR dump of every address into d. 0, or a negative libnl
 * code; -NLE_DUMP_INTR when the addresses changed while the kernel was
 * sending them (the dump is then incoherent and must be asked again). */
static int dump_addresses(struct netlink *nl, struct dump *d)
{
	struct rtgenmsg gen = { .rtgen_family = AF_UNSPEC };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETADDR, NLM_F_DUMP);
	int ret = msg ? nlmsg_append(msg, &gen, sizeof(gen), NLMSG_ALIGNTO) : -NLE_NOMEM;
	int kernel_error;

	d->n = 0;
	if (ret >= 0)
		ret = nl_dump_run(nl->sock, msg, on_dumped_address, d, &kernel_error);
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

int address_list(struct netlink *nl, struct host *live, bool (*keep)(void *ctx, struct live_addr *a), void *ctx,
		 char *err, size_t errlen)
{
	struct dump d = { .nl = nl };
	size_t cap = live->naddrs;
	uint64_t give_up = monotonic_ns() + DUMP_PATIENCE_MS * 1000000ULL;
	int ret;

	while ((ret = dump_addresses(nl, &d)) == -NLE_DUMP_INTR && monotonic_ns() < give_up)
		;
	if (ret == -NLE_DUMP_INTR) {
		snprintf(err, errlen, "cannot list addresses: they kept changing while the kernel listed them, "
			 "for %d ms", DUMP_PATIENCE_MS);
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

static int build_request(const struct addr_change *c, struct nl_msg **msg)
{
	struct rtnl_addr *obj = rtnl_addr_alloc();
	struct nl_addr *local;
	int ret;

	if (!obj)
		return -NLE_NOMEM;
	local = nl_addr_build(c->a.family, c->a.addr, c->a.family == AF_INET ? 4 : 16);
	if (!local) {
		rtnl_addr_put(obj);
		return -NLE_NOMEM;
	}
	nl_addr_set_prefixlen(local, c->a.prefix);
	rtnl_addr_set_ifindex(obj, c->a.ifindex);
	rtnl_addr_set_family(obj, c->a.family);
	ret = rtnl_addr_set_local(obj, local);
	rtnl_addr_set_prefixlen(obj, c->a.prefix);
	if (ret >= 0 && c->a.family == AF_INET && c->a.label[0])
		ret = rtnl_addr_set_label(obj, c->a.label);
	/* A VIP must answer at once: no duplicate address detection wait. */
	if (c->a.family == AF_INET6 && c->add)
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

	/* Those never sent, after one that could not be: */
	for (size_t i = 0; i < n; i++)
		changes[i].done = false, changes[i].error = -ECANCELED;
	nl_pipeline_run(nl->sock, n, build_nth, answer_nth, changes);
	for (size_t i = 0; i < n; i++)
		if (!changes[i].done || changes[i].error)
			failed++;
	return failed;
}

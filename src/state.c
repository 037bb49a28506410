#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysctl.h"
#include "util.h"

struct keep_ctx {
	const struct vip *sorted; /* the profile's VIPs, sorted for bsearch */
	size_t n;
	struct owned_set *owned;
	struct host *live; /* gets the NIC's link-local address on the way */
	bool nic_nets;	   /* and every address of the NIC, into live->nic_nets */
};

/* A label that renaming the interface made of ours: the bare name, or
 * any name followed by our suffix, whole or shortened as owned_label()
 * shortens it. */
static bool label_from_rename(const struct live_addr *a)
{
	const char *colon = strchr(a->label, ':');

	if (!colon)
		return !strcmp(a->label, a->ifname);
	return colon[1] && !strncmp(colon + 1, "lvsdr", strlen(colon + 1));
}

/* Keep an address if it is one of the profile's VIPs (on any interface:
 * a VIP in the wrong place is drift) or lvsdr bound it, for this profile
 * or another (lvsdr(8), OWNERSHIP). */
static bool keep_address(void *arg, struct live_addr *a)
{
	struct keep_ctx *ctx = arg;
	struct vip key = { 0 };
	char label[IF_NAMESIZE];
	const struct live_addr *entry;
	bool listed;

	/* A director with IPVS services needs the NIC's subnets: its DR real
	 * servers must be on one of them. */
	if (ctx->nic_nets && a->ifindex == ctx->live->ifindex) {
		struct host *live = ctx->live;
		live->nic_nets = xreallocarray(live->nic_nets, live->nnic_nets + 1, sizeof(*live->nic_nets));
		live->nic_nets[live->nnic_nets++] = *a;
	}
	if (a->ip.family == AF_INET6 && a->ifindex == ctx->live->ifindex && a->ip.bytes[0] == 0xfe &&
	    (a->ip.bytes[1] & 0xc0) == 0x80 && !ctx->live->link_local.family)
		ctx->live->link_local = a->ip;
	/* IPv4: our label decides, so an address someone re-added under a
	 * label of their own is theirs even if the record still names it.
	 * IPv6 has no labels (nor IPv4 on a name too long for one): the
	 * record decides. Renaming the interface rewrites the labels
	 * (inetdev_changename(): the first address gets the bare name, a
	 * long name cuts ours short) and leaves the record's old name: the
	 * record then decides for an address with no label of another's. */
	owned_seen(ctx->owned, a);
	entry = owned_lookup(ctx->owned, a);
	if (a->ip.family == AF_INET)
		owned_label(a->ifname, label);
	if (a->ip.family == AF_INET && label[0])
		a->lvsdr = !strcmp(a->label, label);
	else
		a->lvsdr = entry != NULL;
	a->owner = a->lvsdr && entry ? entry->owner : NULL;
	if (!a->lvsdr && (a->ip.family == AF_INET6 || !label[0] || label_from_rename(a)) &&
	    owned_contains_renamed(ctx->owned, a)) {
		entry = owned_lookup(ctx->owned, a);
		a->lvsdr = entry != NULL;
		a->owner = entry ? entry->owner : NULL;
	}
	key.ip = a->ip;
	listed = ctx->n && bsearch(&key, ctx->sorted, ctx->n, sizeof(*ctx->sorted), vip_compare);
	/* Whose it is: the profile the record names. When it names none (an
	 * older lvsdr's record, a label alone) the profile that lists the
	 * address takes it; one that does not leaves it alone. */
	a->owned = a->lvsdr && (a->owner ? owned_by_self(ctx->owned, entry) : listed);
	if (a->lvsdr || listed)
		return true;
	if (a->secondary) {
		struct host *live = ctx->live;
		live->secondaries = xreallocarray(live->secondaries, live->nsecondaries + 1, sizeof(*live->secondaries));
		live->secondaries[live->nsecondaries++] = *a;
	}
	return false;
}

/* The local routes on lo, each judged as keep_address() judges an
 * address without a label: the record says whether lvsdr added it, and
 * for which profile. Read only when the profile has ranges or the record
 * names a route, so a takeover without ranges asks nothing more. */
static int routes_read(const struct host *want, struct netlink *nl, struct owned_set *owned, struct host *live,
		       char *err, size_t errlen)
{
	bool any = want->nranges > 0;

	for (size_t i = 0; i < owned->n && !any; i++)
		any = owned->entries[i].route;
	if (!any)
		return 0;
	if (route_list(nl, live, want->nranges && want->expect != EXPECT_ABSENT && live->ifindex, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < live->nroutes; i++) {
		struct live_addr *r = &live->routes[i];
		const struct live_addr *entry;
		bool listed = false;
		owned_seen(owned, r);
		entry = owned_lookup(owned, r);
		for (size_t j = 0; j < want->nranges && !listed; j++)
			listed = ipaddr_equal(&want->ranges[j].ip, &r->ip) && want->ranges[j].ip.prefix == r->ip.prefix;
		r->lvsdr = entry != NULL;
		r->owner = entry ? entry->owner : NULL;
		r->owned = r->lvsdr && (r->owner ? owned_by_self(owned, entry) : listed);
	}
	return 0;
}

/* promote_secondaries of dir, combined with conf/all as the kernel does
 * (IN_DEV_ORCONF): read only when an IPv4 secondary lives on ifindex. */
static bool promotes(const struct host *live, int ifindex, const char *dir)
{
	bool any = false;
	int all = 0, dev = 0;

	for (size_t i = 0; i < live->naddrs && !any; i++)
		any = live->addrs[i].secondary && live->addrs[i].ifindex == ifindex;
	for (size_t i = 0; i < live->nsecondaries && !any; i++)
		any = live->secondaries[i].ifindex == ifindex;
	if (!any)
		return false;
	if (sysctl_read("all", "promote_secondaries", &all) < 0)
		all = 0;
	if (sysctl_read(dir, "promote_secondaries", &dev) < 0)
		dev = 0;
	return all || dev;
}

static int live_compare(const void *x, const void *y)
{
	const struct live_addr *a = x, *b = y;
	int c = ipaddr_compare(&a->ip, &b->ip);

	return c ? c : a->ifindex - b->ifindex;
}

int state_read(const struct host *want, struct netlink *nl, struct owned_set *owned, struct host *live,
	       char *err, size_t errlen)
{
	/* The NIC's subnets: a director's DR real servers must be on one, and
	 * no range may cover one. */
	struct keep_ctx ctx = { .n = want->nvips, .owned = owned, .live = live, .nic_nets = want->nservices > 0 || want->nranges > 0 };
	int ret;

	memset(live, 0, sizeof(*live));
	live->role = want->role;
	memcpy(live->ifname, want->ifname, sizeof(live->ifname));
	netlink_links_refresh(nl);
	live->ifindex = netlink_ifindex(nl, want->ifname);
	live->lo_ifindex = netlink_ifindex(nl, "lo");
	/* A real server's VIPs live on lo: releasing them needs no NIC, so a
	 * node whose NIC is gone can still be cleaned up (a cluster manager's
	 * stop). Everything else judges the NIC and needs it. */
	if (!live->ifindex && !(want->role == ROLE_REALSERVER && want->expect == EXPECT_ABSENT)) {
		snprintf(err, errlen, "no interface %s in this network namespace", want->ifname);
		return -1;
	}
	if (!live->lo_ifindex) {
		snprintf(err, errlen, "no loopback interface in this network namespace");
		return -1;
	}
	live->have_mac = live->ifindex && netlink_link_mac(nl, live->ifindex, live->mac);
	/* An L3 master (VRF) keeps the NIC's own IP stack: only L2 ones matter. */
	if (live->ifindex && netlink_link_master(nl, live->ifindex, live->master, live->master_kind) &&
	    !strcmp(live->master_kind, "vrf"))
		live->master[0] = '\0';
	if (sysctl_read_host(live, want->managed_knobs_only ? want : NULL, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < want->nvips; i++)
		if (want->vips[i].ip.family == AF_INET6) {
			live->ipv6_off_nic = live->ifindex && sysctl_ipv6_disabled(live->ifname);
			live->ipv6_off_lo = sysctl_ipv6_disabled("lo");
			break;
		}

	struct vip *copy;
	ctx.sorted = host_vips_sorted(want, &copy);
	owned_seen_reset(owned);
	ret = address_list(nl, live, keep_address, &ctx, err, errlen);
	free(copy);
	if (ret < 0 || routes_read(want, nl, owned, live, err, errlen) < 0)
		return -1;
	live->promote_nic = live->ifindex && promotes(live, live->ifindex, live->ifname);
	live->promote_lo = promotes(live, live->lo_ifindex, "lo");
	/* Sorted by address so the plan finds every place a VIP lives. */
	if (live->naddrs)
		sort_array(live->addrs, live->naddrs, sizeof(*live->addrs), live_compare);
	return 0;
}

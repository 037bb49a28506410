/* The ranges' part of the plan: each [vip] range is one local route on lo,
 * judged the way plan.c judges a VIP (ours, someone else's, missing,
 * no longer listed), and changed by the same address steps with
 * addr.route set, so apply, rollback, the record and the fault hook treat
 * a route as they treat an address. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "plan.h"
#include "util.h"

static void route_step(struct plan *p, enum step_kind kind, const struct live_addr *a)
{
	struct step *st = plan_step_push(p, kind);

	st->addr = *a;
	st->addr.route = true;
	st->addr.label[0] = '\0';
	if (kind == STEP_ADDR_ADD)
		st->addr.owned = st->addr.lvsdr = true;
}

static bool same_route(const struct live_addr *a, const struct vip *r)
{
	return ipaddr_equal(&a->ip, &r->ip) && a->ip.prefix == r->ip.prefix;
}

/* A director holds a range while it holds an address of it: a range whose
 * every announced VIP another director holds (or this run leaves out) is
 * the peer's, as those VIPs are. A real server always holds its ranges. */
static bool range_held_by_peer(const struct plan *p, const struct vip *r)
{
	bool any = false;

	if (p->want->role != ROLE_DIRECTOR)
		return false;
	for (size_t i = 0; i < p->nvips; i++) {
		const struct vip *v = p->vips[i].vip;
		if (v->ip.family != r->ip.family || !prefix_contains(r->ip.bytes, r->ip.prefix, v->ip.bytes))
			continue;
		any = true;
		if (!v->excluded && strcmp(p->vips[i].state, "held-by-peer"))
			return false;
	}
	return any;
}

/* The route is there: in order, someone else's kept, another profile's
 * (a conflict), or one to remove (release). */
static void range_present(struct plan *p, struct vip_report *r, const struct live_addr *a, char *detail, size_t len)
{
	char text[64];

	ipaddr_format_prefix(&r->vip->ip, text, sizeof(text));
	if (p->want->expect == EXPECT_ABSENT) {
		r->state = "bound";
		if (a->owned) {
			r->verdict = VERDICT_DRIFT;
			snprintf(detail, len, "local route on lo, want it absent (backup or released)");
			route_step(p, STEP_ADDR_DEL, a);
		} else {
			r->verdict = VERDICT_WARN;
			snprintf(detail, len, "local route on lo, not added by lvsdr for this profile, so lvsdr leaves it: "
					      "ip route del local %s dev lo table local",
				 text);
		}
	} else if (!a->owned && a->lvsdr && a->owner) {
		r->verdict = VERDICT_BLOCKED;
		r->state = "conflict";
		snprintf(detail, len, "local route on lo added by lvsdr for another profile, %s: two profiles must not "
				      "share a range in one network namespace; remove it from one of them",
			 a->owner);
	} else if (!a->owned) {
		snprintf(detail, len, "local route on lo added by someone else (not in lvsdr's record): kept, and never "
				      "removed by lvsdr");
	}
}

static void plan_range(struct plan *p, size_t i)
{
	const struct vip *want = &p->want->ranges[i];
	struct vip_report *r = &p->ranges[i];
	const struct live_addr *found = NULL;
	char detail[400] = "";

	r->vip = want;
	r->target_ifindex = p->live->lo_ifindex;
	r->verdict = VERDICT_OK;
	r->state = "bound";
	for (size_t j = 0; j < p->live->nroutes && !found; j++)
		if (same_route(&p->live->routes[j], want))
			found = &p->live->routes[j];
	if (found) {
		range_present(p, r, found, detail, sizeof(detail));
	} else if (p->want->expect != EXPECT_BOUND) {
		r->state = "absent";
	} else if (range_held_by_peer(p, want)) {
		r->state = "held-by-peer";
		snprintf(detail, sizeof(detail), "its announced VIPs are held by another host: the expected state of a "
						 "backup; a takeover adds it with them");
	} else if (want->ip.family == AF_INET6 && p->live->ipv6_off_lo) {
		r->verdict = VERDICT_BLOCKED;
		r->state = "missing";
		snprintf(detail, sizeof(detail), "IPv6 is disabled on lo (net.ipv6.conf.lo.disable_ipv6 = 1), so it "
						 "cannot hold an IPv6 range");
	} else {
		struct live_addr a = { .ip = want->ip, .ifindex = p->live->lo_ifindex };
		snprintf(a.ifname, sizeof(a.ifname), "lo");
		r->verdict = VERDICT_DRIFT;
		r->state = "missing";
		snprintf(detail, sizeof(detail), "no local route on lo");
		route_step(p, STEP_ADDR_ADD, &a);
	}
	r->detail = detail[0] ? xstrdup(detail) : NULL;
	plan_count_verdict(p, r->verdict);
}

/* A local route on lo that no range of the profile is: lvsdr's for this
 * profile (no longer listed: removed), lvsdr's for another (left to it),
 * or someone else's that covers addresses of a range (named: the host
 * accepts them whatever the profile says). */
static void plan_route_other(struct plan *p, const struct live_addr *a)
{
	const struct vip *overlap = NULL;
	struct extra_finding *e;
	char text[64], rtext[64];

	snprintf(text, sizeof(text), "route ");
	ipaddr_format(&a->ip, text + 6, sizeof(text) - 6);
	snprintf(text + strlen(text), sizeof(text) - strlen(text), "/%u", a->ip.prefix);
	if (a->owned) {
		e = plan_add_finding(p, VERDICT_DRIFT, text);
		snprintf(e->detail, sizeof(e->detail), "local route on lo added by lvsdr, no longer in the profile");
		route_step(p, STEP_ADDR_DEL, a);
		return;
	}
	if (a->lvsdr) {
		e = plan_add_finding(p, a->owner ? VERDICT_OK : VERDICT_WARN, text);
		snprintf(e->detail, sizeof(e->detail), "local route on lo added by lvsdr for %s: left to it",
			 a->owner ? a->owner : "a profile no record names");
		return;
	}
	for (size_t i = 0; i < p->want->nranges && !overlap; i++) {
		struct vip route = { .ip = a->ip };
		if (range_overlaps(&p->want->ranges[i], &route))
			overlap = &p->want->ranges[i];
	}
	if (!overlap)
		return;
	ipaddr_format_prefix(&overlap->ip, rtext, sizeof(rtext));
	e = plan_add_finding(p, VERDICT_WARN, text);
	snprintf(e->detail, sizeof(e->detail), "foreign: a local route on lo not added by lvsdr, overlapping range %s "
					       "(line %u); lvsdr leaves it: ip route del local %s dev lo table local",
		 rtext, overlap->line,
		 text + 6);
}

void plan_ranges(struct plan *p)
{
	p->nranges = p->want->nranges;
	p->ranges = xcalloc(p->nranges ? p->nranges : 1, sizeof(*p->ranges));
	for (size_t i = 0; i < p->nranges; i++)
		plan_range(p, i);
	for (size_t j = 0; j < p->live->nroutes; j++) {
		bool listed = false;
		for (size_t i = 0; i < p->want->nranges && !listed; i++)
			listed = same_route(&p->live->routes[j], &p->want->ranges[i]);
		if (!listed)
			plan_route_other(p, &p->live->routes[j]);
	}
}

/* The first of addrs that r covers, or NULL. */
static const struct live_addr *covered(const struct vip *r, const struct live_addr *addrs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (addrs[i].ip.family == r->ip.family && prefix_contains(r->ip.bytes, r->ip.prefix, addrs[i].ip.bytes))
			return &addrs[i];
	return NULL;
}

/* Why range r would cut the host off its segment, as a /24 on lo does:
 * it contains the NIC's subnet, or covers its own address, a gateway or
 * a neighbour, whose traffic the host would then keep for itself. */
static bool range_cuts_off(const struct host *live, const struct vip *r, char *why, size_t len)
{
	const struct live_addr *a;
	char text[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < live->nnic_nets; i++) {
		a = &live->nic_nets[i];
		if (a->ip.family == r->ip.family && r->ip.prefix <= a->ip.prefix && prefix_contains(r->ip.bytes, r->ip.prefix, a->ip.bytes)) {
			struct vip net = { .ip = a->ip };
			for (unsigned b = a->ip.prefix; b < addr_len(a->ip.family) * 8; b++)
				net.ip.bytes[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
			ipaddr_format_prefix(&net.ip, text, sizeof(text));
			snprintf(why, len, "contains %s's subnet %s", live->ifname, text);
			return true;
		}
	}
	if ((a = covered(r, live->nic_nets, live->nnic_nets)))
		snprintf(why, len, "covers %s's own address %s", live->ifname,
			 (ipaddr_format(&a->ip, text, sizeof(text)), text));
	else if ((a = covered(r, live->gateways, live->ngateways)))
		snprintf(why, len, "covers %s, the gateway of a route through %s",
			 (ipaddr_format(&a->ip, text, sizeof(text)), text), live->ifname);
	else if ((a = covered(r, live->neighbours, live->nneighbours)))
		snprintf(why, len, "covers %s, a neighbour on %s (in its neighbour table)",
			 (ipaddr_format(&a->ip, text, sizeof(text)), text), live->ifname);
	return a != NULL;
}

size_t ranges_lint(const struct host *want, const struct host *live, const char *profile, FILE *out)
{
	size_t errors = 0;
	char text[64], why[200];

	for (size_t i = 0; i < want->nranges && live->ifindex && want->expect != EXPECT_ABSENT; i++) {
		if (!range_cuts_off(live, &want->ranges[i], why, sizeof(why)))
			continue;
		ipaddr_format_prefix(&want->ranges[i].ip, text, sizeof(text));
		fprintf(out, "%s:%u: [vip] range = %s: %s; the host would keep that traffic for itself and lose its "
			     "neighbours, as a /24 VIP on lo does: pick a range off the segment's addresses\n",
			profile,
			want->ranges[i].line, text, why);
		errors++;
	}
	return errors;
}

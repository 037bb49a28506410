#include "plan.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nic.h"
#include "owned.h"
#include "util.h"

/* Room for n more steps at once: a takeover of 10,000 VIPs plans about one
 * step each, and growing by doubling would copy (and fault in) the
 * 100-byte steps a dozen times over before the first one is bound. */
static void plan_steps_reserve(struct plan *p, size_t n)
{
	if (p->steps_cap - p->nsteps >= n)
		return;
	p->steps_cap = p->nsteps + n;
	p->steps = xreallocarray(p->steps, p->steps_cap, sizeof(*p->steps));
}

struct step *plan_step_push(struct plan *p, enum step_kind kind)
{
	if (p->nsteps == p->steps_cap)
		plan_steps_reserve(p, p->steps_cap ? p->steps_cap : 16);
	struct step *s = &p->steps[p->nsteps++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	return s;
}

struct extra_finding *plan_finding_push(struct plan *p, enum verdict verdict, const char *subject)
{
	if (p->nextras == p->extras_cap) {
		p->extras_cap = p->extras_cap ? p->extras_cap * 2 : 8;
		p->extras = xreallocarray(p->extras, p->extras_cap, sizeof(*p->extras));
	}
	struct extra_finding *e = &p->extras[p->nextras++];
	e->verdict = verdict;
	snprintf(e->subject, sizeof(e->subject), "%s", subject);
	e->detail[0] = '\0';
	return e;
}

void plan_count_verdict(struct plan *p, enum verdict v)
{
	if (v == VERDICT_DRIFT)
		p->drift++;
	else if (v == VERDICT_BLOCKED)
		p->blocked++;
	else if (v == VERDICT_WARN)
		p->warned++;
}

static void address_step(struct plan *p, enum step_kind kind, const struct live_addr *a)
{
	struct step *st = plan_step_push(p, kind);
	st->addr = *a;
	if (kind == STEP_ADDR_ADD) {
		st->addr.owned = st->addr.lvsdr = true;
		if (a->ip.family == AF_INET)
			owned_label(a->ifname, st->addr.label);
	}
}

/* First live address equal to (family, addr); live->addrs is sorted. */
static size_t live_lower_bound(const struct host *live, const struct vip *v)
{
	size_t lo = 0, hi = live->naddrs;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct live_addr *a = &live->addrs[mid];
		int c = ipaddr_compare(&a->ip, &v->ip);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool same_address(const struct live_addr *a, const struct vip *v)
{
	return ipaddr_equal(&a->ip, &v->ip);
}

/* A director's VIP that another host answers for (live->holders): not
 * bound here, that is the expected state of a backup, and apply leaves it
 * to the peer; bound here too, two hosts answer for it. true when it
 * decided the report. */
static bool peer_judged(struct plan *p, size_t i, bool bound, char *detail, size_t len)
{
	const struct vip_holder *h = p->live->holders ? &p->live->holders[i] : NULL;
	struct vip_report *r = &p->vips[i];
	char mac[MAC_TEXT_LEN];

	if (!h || !h->held || r->verdict != VERDICT_OK || p->want->expect != EXPECT_BOUND)
		return false;
	mac_format(h->mac, mac);
	if (bound) {
		r->verdict = VERDICT_BLOCKED;
		r->state = "conflict";
		snprintf(detail, len, "bound on %s and answered by %s%s too: two hosts hold it (a peer director, "
				      "or a real server that leaks); release it on the one that must not hold it",
			 p->want->ifname,
			 mac, h->macs > 1 ? " and others" : "");
	} else {
		r->state = "held-by-peer";
		snprintf(detail, len, "held by %s%s: the expected state of a backup; lvsdr takeover (or notify "
				      "MASTER) takes it over",
			 mac, h->macs > 1 ? " and others" : "");
	}
	return true;
}

/* A VIP of this profile that lvsdr bound, in place, for another profile
 * (a VIP of this profile with no recorded owner is this profile's, see
 * state.c): two profiles must not share one in a network namespace, for
 * each one's release would take it from the other. Blocked, naming both. */
static bool shared_with_profile(struct vip_report *r, const struct live_addr *a, char *detail, size_t len)
{
	if (a->owned || !a->lvsdr || !a->owner)
		return false;
	r->verdict = VERDICT_BLOCKED;
	r->state = "conflict";
	snprintf(detail, len, "bound on %s by lvsdr for another profile, %s: two profiles must not share a VIP in "
			      "one network namespace (the release of each would take it from the other); remove it from one of "
			      "them",
		 a->ifname, a->owner);
	return true;
}

/* A copy of VIP v not as wanted: on another interface, with another
 * prefix, or there when it should be absent. Ours is removed; another's
 * is reported with what to do about it, since lvsdr removes only what it
 * bound. Returns its verdict, its state in *state and its words in note. */
static enum verdict vip_unwanted_copy(struct plan *p, const struct vip *v, const struct live_addr *a,
				      const char **state, char *note, size_t len)
{
	bool realserver = p->want->role == ROLE_REALSERVER;
	const char *target_name = host_vip_ifname(p->want);
	int target = realserver ? p->live->lo_ifindex : p->live->ifindex;
	enum vip_expect expect = p->want->expect;
	char text[INET6_ADDRSTRLEN];

	if (a->ifindex == target && a->ip.prefix == v->ip.prefix) {
		*state = "bound";
		snprintf(note, len, "bound on %s, want it absent (backup or released)", target_name);
	} else if (a->ifindex == target) {
		*state = "wrong-prefix";
		snprintf(note, len, "bound on %s as /%u, want /%u%s", target_name, a->ip.prefix, v->ip.prefix,
			 realserver ? ": a wider prefix on lo makes the whole subnet local" : "");
	} else {
		*state = "elsewhere";
		snprintf(note, len, "also bound on %s%s", a->ifname,
			 realserver ? ": the host answers ARP (or neighbour solicitations) for it there, "
				      "whatever the knobs say"
				    : "");
	}
	if (a->owned) {
		address_step(p, STEP_ADDR_DEL, a);
		return VERDICT_DRIFT;
	}
	/* Not ours: apply refuses; a release only reports it, since
	 * it removes what is ours and nothing else. */
	size_t n = strlen(note);
	/* Formatted here only: the common case never needs the text. */
	ipaddr_format(&v->ip, text, sizeof(text));
	if (a->lvsdr)
		snprintf(note + n, len - n, "; bound by lvsdr for %s, so this run leaves it",
			 a->owner ? a->owner : "a profile no record names");
	else
		snprintf(note + n, len - n, "; not bound by lvsdr, so lvsdr leaves it: "
					    "ip addr del %s/%u dev %s",
			 text, a->ip.prefix, a->ifname);
	return expect == EXPECT_ABSENT ? VERDICT_WARN : VERDICT_BLOCKED;
}

/* VIP i, wanted bound, is bound nowhere as wanted: a step to bind it,
 * unless something already blocks it or IPv6 is off where it would go. */
static void vip_missing(struct plan *p, size_t i, char *detail, size_t len)
{
	const struct vip *v = &p->want->vips[i];
	struct vip_report *r = &p->vips[i];
	bool realserver = p->want->role == ROLE_REALSERVER;
	const char *target_name = host_vip_ifname(p->want);
	struct live_addr a = { .ip = v->ip, .ifindex = r->target_ifindex };
	string_copy(a.ifname, sizeof(a.ifname), target_name);
	bool ipv6_off = v->ip.family == AF_INET6 && (realserver ? p->live->ipv6_off_lo : p->live->ipv6_off_nic);
	if (r->verdict == VERDICT_OK && ipv6_off) {
		/* The kernel would refuse with a bare "Permission denied". */
		r->verdict = VERDICT_BLOCKED;
		r->state = "missing";
		snprintf(detail, len, "IPv6 is disabled on %s (net.ipv6.conf.%s.disable_ipv6 = 1, or "
				      "ipv6.disable=1 at boot), so it cannot hold an IPv6 VIP",
			 target_name, target_name);
	} else if (r->verdict == VERDICT_OK) {
		r->verdict = VERDICT_DRIFT;
		r->state = "missing";
		/* Every VIP of a takeover: no snprintf (string_copy()). */
		memcpy(detail, "not bound on ", 13);
		string_copy(detail + 13, len - 13, target_name);
	}
	if (r->verdict != VERDICT_BLOCKED)
		address_step(p, STEP_ADDR_ADD, &a);
}

/* VIP i against every live copy of it: the copy where it belongs is
 * judged here, any other by vip_unwanted_copy(), a missing one by
 * vip_missing(); the report gets the worst verdict and every note. */
static void plan_vip(struct plan *p, size_t i)
{
	const struct vip *v = &p->want->vips[i];
	const struct host *live = p->live;
	struct vip_report *r = &p->vips[i];
	int target = p->want->role == ROLE_REALSERVER ? live->lo_ifindex : live->ifindex;
	const char *target_name = host_vip_ifname(p->want);
	bool bound = false;
	char detail[512];
	size_t used = 0, first_step = p->nsteps;

	r->vip = v;
	r->target_ifindex = target;
	r->verdict = VERDICT_OK;
	r->state = "bound";
	detail[0] = '\0';

	enum vip_expect expect = p->want->expect;

	for (size_t j = live_lower_bound(live, v); j < live->naddrs && same_address(&live->addrs[j], v); j++) {
		const struct live_addr *a = &live->addrs[j];
		const char *state;
		char note[200];

		if (a->ifindex == target && a->ip.prefix == v->ip.prefix && expect != EXPECT_ABSENT) {
			bound = true;
			if (shared_with_profile(r, a, detail, sizeof(detail))) {
				used = strlen(detail);
				continue;
			}
			/* In place as wanted, so not drift; but say whose it is, since
			 * a later release or profile change will leave it. */
			if (!a->owned && !detail[0])
				snprintf(detail, sizeof(detail), "bound on %s by someone else (no %s:lvsdr label, "
								 "not in lvsdr's record): kept, and never removed by lvsdr",
					 target_name, target_name);
			continue;
		}
		enum verdict verdict = vip_unwanted_copy(p, v, a, &state, note, sizeof(note));
		if (verdict > r->verdict)
			r->verdict = verdict;
		r->state = state;
		if (used < sizeof(detail))
			used += (size_t)snprintf(detail + used, sizeof(detail) - used, "%s%s", used ? "; " : "",
						 note);
	}
	if (peer_judged(p, i, bound, detail, sizeof(detail)))
		; /* held by another host: a backup's, or a conflict */
	else if (!bound && expect != EXPECT_BOUND) {
		if (r->verdict == VERDICT_OK)
			r->state = "absent";
	} else if (!bound)
		vip_missing(p, i, detail, sizeof(detail));
	r->detail = detail[0] ? xstrdup(detail) : NULL;
	plan_count_verdict(p, r->verdict);
	/* Left out: not one step for it, not even removing a copy of ours. */
	if (v->excluded) {
		p->nsteps = first_step;
		p->excluded += r->verdict == VERDICT_BLOCKED;
	}
}

/* An address lvsdr bound for another profile, or for a profile no record
 * names, that this profile does not list: left alone, and said so. */
static void others_finding(struct plan *p, const struct live_addr *a, const char *text)
{
	struct extra_finding *e;

	if (a->owner) {
		e = plan_finding_push(p, VERDICT_OK, text);
		snprintf(e->detail, sizeof(e->detail), "bound on %s by lvsdr for another profile, %s: left to it",
			 a->ifname, a->owner);
		return;
	}
	e = plan_add_finding(p, VERDICT_WARN, text);
	snprintf(e->detail, sizeof(e->detail), "bound on %s by lvsdr, and no ownership record says for which "
					       "profile (an older lvsdr's record, or none): left alone; the profile that lists it takes it, or "
					       "ip addr del %s/%u dev %s",
		 a->ifname, text, a->ip.prefix, a->ifname);
}

/* Addresses lvsdr bound for this profile that it no longer lists. */
static void plan_stale(struct plan *p)
{
	const struct host *live = p->live;
	struct vip *copy;
	const struct vip *sorted = host_vips_sorted(p->want, &copy);

	for (size_t j = 0; j < live->naddrs; j++) {
		const struct live_addr *a = &live->addrs[j];
		struct vip key = { .ip = a->ip };
		char text[INET6_ADDRSTRLEN];

		if (!a->lvsdr)
			continue;
		if (p->want->nvips && bsearch(&key, sorted, p->want->nvips, sizeof(*sorted), vip_compare))
			continue;
		ipaddr_format(&a->ip, text, sizeof(text));
		if (!a->owned) {
			others_finding(p, a, text);
			continue;
		}
		struct extra_finding *e = plan_finding_push(p, VERDICT_DRIFT, text);
		snprintf(e->detail, sizeof(e->detail), "bound on %s by lvsdr, no longer in the profile", a->ifname);
		plan_count_verdict(p, VERDICT_DRIFT);
		address_step(p, STEP_ADDR_DEL, a);
	}
	free(copy);
}

static bool removed_by_plan(const struct plan *p, const struct live_addr *a)
{
	for (size_t i = 0; i < p->nsteps; i++) {
		const struct live_addr *r = &p->steps[i].addr;
		if (p->steps[i].kind == STEP_ADDR_DEL && !r->route && r->ifindex == a->ifindex &&
		    !ipaddr_compare(&r->ip, &a->ip))
			return true;
	}
	return false;
}

/* One secondary that removing primary would delete along with it. */
static void collateral_finding(struct plan *p, const struct live_addr *primary, const struct live_addr *s)
{
	bool release = p->want->expect == EXPECT_ABSENT;
	char text[INET6_ADDRSTRLEN], ptext[INET6_ADDRSTRLEN];

	ipaddr_format(&s->ip, text, sizeof(text));
	ipaddr_format(&primary->ip, ptext, sizeof(ptext));
	struct extra_finding *e = plan_add_finding(p, release ? VERDICT_WARN : VERDICT_BLOCKED, text);
	snprintf(e->detail, sizeof(e->detail),
		 "removing %s/%u from %s deletes this secondary too (net.ipv4.conf.%s.promote_secondaries is 0)%s",
		 ptext, primary->ip.prefix, primary->ifname, primary->ifname,
		 release ? "; the release goes on, a backup director must not keep its VIPs"
			 : ": set it to 1, or remove this address first");
}

/* The kernel deletes an IPv4 primary's secondaries (same subnet, same
 * prefix) along with it unless the interface promotes one of them. A
 * removal that would take an address along which the plan keeps (a VIP,
 * someone else's address) is refused; a release says so and goes on. */
static void plan_collateral(struct plan *p)
{
	const struct host *live = p->live;
	size_t n = p->nsteps, ncand = 0;
	const struct live_addr **cand;

	/* The secondaries first: none at all is the common case, and a release
	 * of 10,000 VIPs on lo must not compare each with every other. */
	cand = xmalloc((live->naddrs + live->nsecondaries + 1) * sizeof(*cand));
	for (size_t j = 0; j < live->naddrs + live->nsecondaries; j++) {
		const struct live_addr *s = j < live->naddrs ? &live->addrs[j] : &live->secondaries[j - live->naddrs];
		if (s->ip.family == AF_INET && s->secondary)
			cand[ncand++] = s;
	}
	for (size_t i = 0; i < n && ncand; i++) {
		const struct live_addr *pr = &p->steps[i].addr;
		bool promote = pr->ifindex == live->lo_ifindex ? live->promote_lo
			       : pr->ifindex == live->ifindex  ? live->promote_nic
							       : false;
		if (p->steps[i].kind != STEP_ADDR_DEL || pr->route || pr->ip.family != AF_INET || pr->secondary || promote)
			continue;
		for (size_t j = 0; j < ncand; j++) {
			const struct live_addr *s = cand[j];
			if (s->ifindex == pr->ifindex && s->ip.prefix == pr->ip.prefix &&
			    prefix_contains(pr->ip.bytes, pr->ip.prefix, s->ip.bytes) && !removed_by_plan(p, s))
				collateral_finding(p, pr, s);
		}
	}
	free(cand);
}

/* A director's NIC without IPv4 (no conf/<nic>: IPv4 disabled, or an MTU
 * below 68) cannot hold an IPv4 VIP; the kernel would only say "No buffer
 * space available". A real server's VIPs go on lo, and its knobs on
 * conf/<nic> are reported missing by plan_knob(). */
static void plan_no_ipv4(struct plan *p)
{
	const struct host *live = p->live;

	if (p->want->role != ROLE_DIRECTOR || live->knobs[KNOB_IGNORE].present[SCOPE_DEV])
		return;
	for (size_t i = 0; i < p->want->nvips; i++)
		if (p->want->vips[i].ip.family == AF_INET) {
			struct extra_finding *e = plan_add_finding(p, VERDICT_BLOCKED, p->want->ifname);
			snprintf(e->detail, sizeof(e->detail), "%s has no IPv4 (no conf/%s: IPv4 disabled, or an MTU "
							       "below 68), so it cannot hold an IPv4 VIP",
				 p->want->ifname, p->want->ifname);
			return;
		}
}

/* A NIC that is a port of a bridge or a bond never sees its frames: the
 * master device gets them and answers ARP with its own knobs, so the
 * NIC's knobs and VIPs mean nothing, and "in sync" would be a lie. */
static void plan_enslaved(struct plan *p)
{
	const struct host *live = p->live;

	if (!live->master[0])
		return;
	struct extra_finding *e = plan_add_finding(p, VERDICT_BLOCKED, p->want->ifname);
	snprintf(e->detail, sizeof(e->detail), "%s is a port of %s%s%s: the frames for it reach %s, which answers ARP "
					       "with its own knobs and addresses; name %s as the interface",
		 p->want->ifname,
		 live->master_kind[0] ? live->master_kind : "", live->master_kind[0] ? " " : "", live->master,
		 live->master, live->master);
}

/* A step's place in the plan: removals (IPv4 secondaries before the
 * primaries that would take them along, so a rollback, adding back in
 * reverse, rebuilds the same primaries), sysctls, additions, IPVS. */
static int step_rank(const struct step *st)
{
	if (st->kind == STEP_ADDR_DEL)
		return st->addr.secondary ? 0 : 1;
	return (int)st->kind + 1;
}

/* Stable partition of the steps by rank. The steps are pushed in that
 * order already but for a few cases (a stale address found after the
 * VIPs): a plan in order, a takeover's always, is left as it is rather
 * than copied step by step into a new array. */
static void plan_order(struct plan *plan)
{
	size_t i = 1, n = 0;

	while (i < plan->nsteps && step_rank(&plan->steps[i - 1]) <= step_rank(&plan->steps[i]))
		i++;
	if (i >= plan->nsteps)
		return;
	struct step *ordered = xmalloc(plan->nsteps * sizeof(*ordered));
	for (int rank = 0; rank <= STEP_IPVS + 1; rank++)
		for (i = 0; i < plan->nsteps; i++)
			if (step_rank(&plan->steps[i]) == rank)
				ordered[n++] = plan->steps[i];
	free(plan->steps);
	plan->steps = ordered;
	plan->steps_cap = plan->nsteps;
}

void plan_compute(const struct host *want, const struct host *live, struct plan *plan)
{
	memset(plan, 0, sizeof(*plan));
	plan->want = want;
	plan->live = live;
	for (int k = 0; k < KNOB_COUNT; k++)
		plan_knob(plan, (enum arp_knob)k);
	plan->nvips = want->nvips;
	plan->vips = xcalloc(want->nvips, sizeof(*plan->vips));
	/* One step a VIP at most, mostly: sized once from the profile. */
	plan_steps_reserve(plan, want->nvips);
	for (size_t i = 0; i < want->nvips; i++)
		plan_vip(plan, i);
	plan_ranges(plan);
	plan_no_ipv4(plan);
	plan_enslaved(plan);
	plan_stale(plan);
	plan_collateral(plan);
	plan_ipvs(plan);
	plan_order(plan);
}

struct extra_finding *plan_add_finding(struct plan *plan, enum verdict verdict, const char *subject)
{
	plan_count_verdict(plan, verdict);
	return plan_finding_push(plan, verdict, subject);
}

bool plan_in_sync(const struct plan *plan)
{
	return plan->drift == 0 && plan->blocked == 0 && plan->warned == 0;
}

size_t plan_exclude_blocked(const struct plan *plan, struct host *want)
{
	size_t n = 0;

	for (size_t i = 0; i < plan->nvips; i++)
		if (plan->vips[i].verdict == VERDICT_BLOCKED && !want->vips[i].excluded) {
			want->vips[i].excluded = true;
			n++;
		}
	return n;
}

void plan_free(struct plan *plan)
{
	for (size_t i = 0; i < plan->nvips; i++)
		free(plan->vips[i].detail);
	for (size_t i = 0; i < plan->nranges; i++)
		free(plan->ranges[i].detail);
	free(plan->vips);
	free(plan->ranges);
	free(plan->extras);
	free(plan->steps);
	free(plan->ipvs);
	memset(plan, 0, sizeof(*plan));
}

/* The IPVS part of the plan: the profile's services against the kernel's
 * table. Only services lvsdr owns are changed (edits in place, never a
 * flush); a real server leaving the profile drains at weight 0 before it
 * is deleted, so its established connections finish. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "plan.h"
#include "util.h"

#define DETAIL_MAX 256

static const char *yes_no(bool b)
{
	return b ? "on" : "off";
}

static uint64_t now_s(void)
{
	return (uint64_t)time(NULL);
}

static struct ipvs_step *ipvs_push(struct plan *p, enum ipvs_op op, const struct ipvs_service *svc,
				   const struct ipvs_dest *dest)
{
	struct step *st = plan_step_push(p, STEP_IPVS);

	if (p->nipvs == p->ipvs_cap) {
		p->ipvs_cap = p->ipvs_cap ? p->ipvs_cap * 2 : 16;
		p->ipvs = xreallocarray(p->ipvs, p->ipvs_cap, sizeof(*p->ipvs));
	}
	st->ipvs = p->nipvs;
	struct ipvs_step *is = &p->ipvs[p->nipvs++];
	memset(is, 0, sizeof(*is));
	is->change.op = op;
	is->change.svc = *svc;
	is->change.svc.dests = NULL;
	is->change.svc.ndests = 0;
	if (dest)
		is->change.dest = *dest;
	is->undo = is->change;
	return is;
}

static void finding(struct plan *p, enum verdict v, const struct ipvs_service *svc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void finding(struct plan *p, enum verdict v, const struct ipvs_service *svc, const char *fmt, ...)
{
	char subject[64];
	va_list ap;

	ipvs_service_format(svc, subject, sizeof(subject));
	struct extra_finding *e = plan_add_finding(p, v, subject);
	va_start(ap, fmt);
	vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
	va_end(ap);
}

static void append(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 2 >= len)
		return;
	if (used)
		used += (size_t)snprintf(buf + used, len - used, "; ");
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static void persistence_text(const struct ipvs_service *s, char *buf, size_t len)
{
	if (s->flags & LVSDR_SVC_PERSISTENT)
		snprintf(buf, len, "%us", (unsigned)s->timeout);
	else
		snprintf(buf, len, "none");
}

/* What differs between the profile's service and the live one, as words;
 * empty when the service itself is as it should be. */
static void service_differences(const struct ipvs_service *want, const struct ipvs_service *live, char *buf,
				size_t len)
{
	char a[32], b[32];
	uint32_t wf = want->flags & LVSDR_SVC_FLAGS_MODEL, lf = live->flags & LVSDR_SVC_FLAGS_MODEL;

	buf[0] = '\0';
	if (strcmp(want->scheduler, live->scheduler))
		append(buf, len, "scheduler %s instead of %s", live->scheduler, want->scheduler);
	persistence_text(want, a, sizeof(a));
	persistence_text(live, b, sizeof(b));
	if (strcmp(a, b))
		append(buf, len, "persistence %s instead of %s", b, a);
	else if ((wf & LVSDR_SVC_PERSISTENT) && want->persist_prefix != live->persist_prefix)
		append(buf, len, "persistence prefix /%u instead of /%u", live->persist_prefix, want->persist_prefix);
	if ((wf ^ lf) & LVSDR_SVC_ONEPACKET)
		append(buf, len, "one-packet %s instead of %s", yes_no(lf & LVSDR_SVC_ONEPACKET),
		       yes_no(wf & LVSDR_SVC_ONEPACKET));
	if ((wf ^ lf) & (LVSDR_SVC_SCHED1 | LVSDR_SVC_SCHED2 | LVSDR_SVC_SCHED3))
		append(buf, len, "scheduler flags 0x%x instead of 0x%x",
		       (unsigned)(lf & (LVSDR_SVC_SCHED1 | LVSDR_SVC_SCHED2 | LVSDR_SVC_SCHED3)),
		       (unsigned)(wf & (LVSDR_SVC_SCHED1 | LVSDR_SVC_SCHED2 | LVSDR_SVC_SCHED3)));
}

static void dest_differences(const struct ipvs_dest *want, uint32_t weight, const struct ipvs_dest *live, char *buf,
			     size_t len)
{
	buf[0] = '\0';
	if (live->weight != weight)
		append(buf, len, "weight %u instead of %u", (unsigned)live->weight, (unsigned)weight);
	if (live->method != want->method)
		append(buf, len, "forwarding %s instead of %s", ipvs_method_name(live->method),
		       ipvs_method_name(want->method));
	if (live->uthreshold != want->uthreshold)
		append(buf, len, "upper threshold %u instead of %u", (unsigned)live->uthreshold,
		       (unsigned)want->uthreshold);
	if (live->lthreshold != want->lthreshold)
		append(buf, len, "lower threshold %u instead of %u", (unsigned)live->lthreshold,
		       (unsigned)want->lthreshold);
}

/* A DR or tunnel real server must be on one of the NIC's subnets: IPVS
 * sends it the client's frame by MAC, never through a router. */
static bool reachable_directly(const struct host *live, const struct ipvs_dest *d)
{
	for (size_t i = 0; i < live->nnic_nets; i++) {
		const struct live_addr *n = &live->nic_nets[i];
		if (n->ip.family == d->ip.family && n->ip.prefix < host_prefix(n->ip.family) &&
		    prefix_contains(n->ip.bytes, n->ip.prefix, d->ip.bytes))
			return true;
	}
	return false;
}

/* A live destination the profile no longer lists: weight 0 first, deleted
 * once it has no active connection or its drain time is over. Returns
 * whether this plan deletes it. */
static bool plan_dest_leaving(struct plan *p, const struct ipvs_service *live, const struct ipvs_dest *ld,
			      unsigned drain_ms)
{
	char text[64];
	uint64_t now = now_s(), since = ld->drain_since;
	unsigned drain_s = (drain_ms + 999) / 1000;

	ipvs_dest_format(ld, text, sizeof(text));
	if (ld->weight > 0 || !since) {
		struct ipvs_dest zero = *ld;
		zero.weight = 0;
		struct ipvs_step *is = ipvs_push(p, IPVS_DEST_EDIT, live, &zero);
		is->undo.dest = *ld;
		is->mark = MARK_DRAIN_START;
		if (ld->active == 0 && ld->weight > 0) {
			/* Nothing to wait for: gone in the same run. */
			is = ipvs_push(p, IPVS_DEST_DEL, live, &zero);
			is->undo.op = IPVS_DEST_ADD;
			is->mark = MARK_DRAIN_END;
			finding(p, VERDICT_DRIFT, live, "real server %s is not in the profile: deleted (no active "
							"connection)",
				text);
			return true;
		}
		finding(p, VERDICT_DRIFT, live, "real server %s is not in the profile: weight %u -> 0, deleted once "
						"its %u active connection%s end or after %us",
			text, (unsigned)ld->weight, (unsigned)ld->active,
			ld->active == 1 ? "" : "s", drain_s);
		return false;
	}
	if (ld->active == 0 || now >= since + drain_s) {
		struct ipvs_step *is = ipvs_push(p, IPVS_DEST_DEL, live, ld);
		is->undo.op = IPVS_DEST_ADD;
		is->mark = MARK_DRAIN_END;
		finding(p, VERDICT_DRIFT, live, "real server %s drained (%s): deleted", text,
			ld->active ? "drain time over" : "no active connection");
		return true;
	}
	finding(p, VERDICT_WARN, live, "real server %s is draining: weight 0, %u active connection%s, deleted by "
				       "an apply once they end or after %llus more",
		text, (unsigned)ld->active, ld->active == 1 ? "" : "s",
		(unsigned long long)(since + drain_s - now));
	return false;
}

static void plan_service_add(struct plan *p, const struct ipvs_service *want)
{
	ipvs_push(p, IPVS_SVC_ADD, want, NULL)->undo.op = IPVS_SVC_DEL;
	for (size_t i = 0; i < want->ndests; i++) {
		if (want->dests[i].hold == IPVS_HOLD_REMOVED)
			continue;
		struct ipvs_step *is = ipvs_push(p, IPVS_DEST_ADD, want, &want->dests[i]);
		if (want->dests[i].drained || want->dests[i].hold)
			is->change.dest.weight = 0;
		is->undo.op = IPVS_DEST_DEL;
	}
	if (want->sorry_in)
		ipvs_push(p, IPVS_DEST_ADD, want, &want->sorry)->undo.op = IPVS_DEST_DEL;
	finding(p, VERDICT_DRIFT, want, "missing: apply adds it (scheduler %s, %zu real server%s)", want->scheduler,
		want->ndests, want->ndests == 1 ? "" : "s");
}

/* lvsdr events' sorry server, while every real server is held out: in
 * the table at its weight (back from a drain if it was leaving). */
static void plan_sorry(struct plan *p, const struct ipvs_service *want, const struct ipvs_service *live)
{
	const struct ipvs_dest *ld = ipvs_dest_find(live, &want->sorry);
	char text[64];

	ipvs_dest_format(&want->sorry, text, sizeof(text));
	if (p->live->nnic_nets && !reachable_directly(p->live, &want->sorry)) {
		finding(p, VERDICT_BLOCKED, want, "sorry server %s is on no subnet of %s: IPVS sends dr traffic by MAC",
			text, p->live->ifname);
	} else if (!ld) {
		ipvs_push(p, IPVS_DEST_ADD, live, &want->sorry)->undo.op = IPVS_DEST_DEL;
		finding(p, VERDICT_DRIFT, want, "sorry server %s missing (every real server failing its health "
						"check): added",
			text);
	} else if (ld->weight != want->sorry.weight || ld->drain_since) {
		struct ipvs_step *is = ipvs_push(p, IPVS_DEST_EDIT, live, &want->sorry);
		is->undo.dest = *ld;
		is->mark = ld->drain_since ? MARK_DRAIN_END : MARK_NONE;
		finding(p, VERDICT_DRIFT, want, "sorry server %s: weight %u -> %u", text, (unsigned)ld->weight,
			(unsigned)want->sorry.weight);
	}
}

static void plan_dests(struct plan *p, const struct ipvs_service *want, const struct ipvs_service *live)
{
	char diff[DETAIL_MAX], text[64];

	if (want->sorry_in)
		plan_sorry(p, want, live);

	for (size_t i = 0; i < want->ndests; i++) {
		const struct ipvs_dest *wd = &want->dests[i];
		const struct ipvs_dest *ld = ipvs_dest_find(live, wd);
		uint32_t weight = wd->drained || wd->hold ? 0 : wd->weight;
		/* lvsdr events' health check holds it out: it leaves as a real
		 * server the profile dropped would, and comes back when it passes. */
		if (wd->hold == IPVS_HOLD_REMOVED) {
			if (ld)
				plan_dest_leaving(p, live, ld, want->drain_ms);
			continue;
		}
		ipvs_dest_format(wd, text, sizeof(text));
		if (!ld) {
			struct ipvs_step *is = ipvs_push(p, IPVS_DEST_ADD, live, wd);
			is->change.dest.weight = weight;
			is->undo.op = IPVS_DEST_DEL;
			finding(p, VERDICT_DRIFT, want, "real server %s missing: apply adds it", text);
			continue;
		}
		dest_differences(wd, weight, ld, diff, sizeof(diff));
		if (diff[0]) {
			struct ipvs_step *is = ipvs_push(p, IPVS_DEST_EDIT, live, wd);
			is->change.dest.weight = weight;
			is->undo.dest = *ld;
			is->mark = ld->drain_since ? MARK_DRAIN_END : MARK_NONE;
			finding(p, VERDICT_DRIFT, want, "real server %s: %s", text, diff);
		} else if (ld->drain_since) {
			/* Back in the profile while draining at weight 0 already
			 * by its own wish: only the record changes. */
			ipvs_push(p, IPVS_DEST_EDIT, live, ld)->mark = MARK_DRAIN_END;
		} else if (wd->drained || wd->hold) {
			finding(p, VERDICT_OK, want, "real server %s %s: weight 0, %u active connection%s", text,
				wd->drained ? "drained (lvsdr drain)" : "failing its health check (lvsdr events)",
				(unsigned)ld->active, ld->active == 1 ? "" : "s");
		}
	}
	for (size_t i = 0; i < live->ndests; i++)
		if (!ipvs_dest_find(want, &live->dests[i]) &&
		    !(want->sorry_in && !ipvs_dest_compare(&want->sorry, &live->dests[i])))
			plan_dest_leaving(p, live, &live->dests[i], want->drain_ms);
}

static bool scheduler_missing(const struct host *live, const char *name)
{
	for (size_t i = 0; i < live->nsched_missing; i++)
		if (!strcmp(live->sched_missing[i], name))
			return true;
	return false;
}

static void plan_service(struct plan *p, const struct ipvs_service *want)
{
	const struct host *live = p->live;
	char diff[DETAIL_MAX], text[64];
	struct ipvs_service *ls = ipvs_service_find(live->services, live->nservices, want);

	for (size_t i = 0; i < want->ndests; i++)
		if (live->nnic_nets && !reachable_directly(live, &want->dests[i])) {
			ipvs_dest_format(&want->dests[i], text, sizeof(text));
			finding(p, VERDICT_BLOCKED, want, "real server %s (line %u) is on no subnet of %s: IPVS sends "
							  "%s traffic by MAC and cannot reach it through a router",
				text, want->dests[i].line,
				live->ifname, ipvs_method_name(want->dests[i].method));
			return;
		}
	if (scheduler_missing(live, want->scheduler)) {
		finding(p, VERDICT_BLOCKED, want, "scheduler %s (line %u) is not available in this kernel (no module "
						  "ip_vs_%s)",
			want->scheduler, want->line, want->scheduler);
		return;
	}
	if (!ls) {
		plan_service_add(p, want);
		return;
	}
	if (!ls->owned) {
		finding(p, VERDICT_BLOCKED, want, "a service on this key exists that lvsdr did not create: left "
						  "alone (apply --adopt takes it over)");
		return;
	}
	service_differences(want, ls, diff, sizeof(diff));
	if (diff[0]) {
		struct ipvs_step *is = ipvs_push(p, IPVS_SVC_EDIT, want, NULL);
		is->undo.svc = *ls;
		is->undo.svc.dests = NULL;
		is->undo.svc.ndests = 0;
		finding(p, VERDICT_DRIFT, want, "%s", diff);
	}
	plan_dests(p, want, ls);
}

/* A service lvsdr owns that the profile no longer lists: its real servers
 * drain as any removed one does, and the service goes with the last. */
static void plan_service_leaving(struct plan *p, const struct ipvs_service *ls)
{
	size_t deleted = 0;

	for (size_t i = 0; i < ls->ndests; i++)
		deleted += plan_dest_leaving(p, ls, &ls->dests[i], LVSDR_DRAIN_MS_DEFAULT);
	if (deleted == ls->ndests) {
		ipvs_push(p, IPVS_SVC_DEL, ls, NULL)->undo.op = IPVS_SVC_ADD;
		finding(p, VERDICT_DRIFT, ls, "not in the profile: apply deletes it");
	}
}

/* A service lvsdr did not make, on a VIP of this profile: reported, since
 * it takes traffic meant for the cluster, and never touched. */
static bool on_profile_vip(const struct host *want, const struct ipvs_service *s)
{
	if (s->fwmark)
		return false;
	for (size_t i = 0; i < want->nvips; i++)
		if (ipaddr_equal(&want->vips[i].ip, &s->ip))
			return true;
	return false;
}

void plan_ipvs(struct plan *p)
{
	const struct host *want = p->want, *live = p->live;

	/* Neither read nor found missing: this command does not judge the
	 * table (takeover, release, notify leave it to apply). */
	if (!live->ipvs_read && !live->ipvs_error[0])
		return;
	if (!live->ipvs_read) {
		struct extra_finding *e = plan_add_finding(p, VERDICT_BLOCKED, "ipvs");
		snprintf(e->detail, sizeof(e->detail), "%s", live->ipvs_error[0] ? live->ipvs_error : "the IPVS table was not read");
		return;
	}
	for (size_t i = 0; i < want->nservices; i++)
		plan_service(p, &want->services[i]);
	for (size_t i = 0; i < live->nservices; i++) {
		const struct ipvs_service *ls = &live->services[i];
		if (ipvs_service_find(want->services, want->nservices, ls))
			continue;
		if (ls->owned)
			plan_service_leaving(p, ls);
		else if (on_profile_vip(want, ls))
			finding(p, VERDICT_WARN, ls, "a service lvsdr did not create, on a VIP of this profile: left "
						     "alone");
	}
}

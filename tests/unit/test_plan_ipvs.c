/* plan_ipvs() on hand-built tables: what the plan adds, edits, drains and
 * deletes, and what it leaves alone, without a kernel. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "harness.h"
#include "plan.h"
#include "util.h"

static struct ipvs_service svc(const char *vip, uint16_t port, const char *sched)
{
	struct ipvs_service s = { .proto = IPPROTO_TCP, .port = port, .drain_ms = 300000 };
	bool has;

	ipaddr_parse(vip, &s.ip, &has);
	snprintf(s.scheduler, sizeof(s.scheduler), "%s", sched);
	s.persist_prefix = (uint8_t)host_prefix(s.ip.family);
	return s;
}

static void add_dest(struct ipvs_service *s, const char *addr, uint32_t weight, uint32_t active)
{
	struct ipvs_dest *d;
	bool has;

	s->dests = xreallocarray(s->dests, s->ndests + 1, sizeof(*s->dests));
	d = &s->dests[s->ndests++];
	memset(d, 0, sizeof(*d));
	ipaddr_parse(addr, &d->ip, &has);
	d->port = s->port;
	d->weight = weight;
	d->method = METHOD_DR;
	d->active = active;
	sort_array(s->dests, s->ndests, sizeof(*s->dests), ipvs_dest_compare);
}

static void add_service(struct host *h, struct ipvs_service s)
{
	h->services = xreallocarray(h->services, h->nservices + 1, sizeof(*h->services));
	h->services[h->nservices++] = s;
	sort_array(h->services, h->nservices, sizeof(*h->services), ipvs_service_compare);
}

/* A director holding 192.0.2.100 on eth0 (192.0.2.1/24), IPVS read. */
static void hosts(struct host *want, struct host *live)
{
	bool has;

	memset(want, 0, sizeof(*want));
	memset(live, 0, sizeof(*live));
	want->role = live->role = ROLE_DIRECTOR;
	want->expect = EXPECT_ANY; /* the VIPs are keepalived's here: only the table is planned */
	for (int k = 0; k < KNOB_COUNT; k++)
		for (int sc = 0; sc < SCOPE_COUNT; sc++)
			live->knobs[k].present[sc] = true;
	strcpy(want->ifname, "eth0");
	strcpy(live->ifname, "eth0");
	live->ifindex = 2;
	want->vips = xcalloc(1, sizeof(*want->vips));
	want->nvips = 1;
	ipaddr_parse("192.0.2.100", &want->vips[0].ip, &has);
	live->ipvs_read = true;
	live->nic_nets = xcalloc(1, sizeof(*live->nic_nets));
	live->nnic_nets = 1;
	ipaddr_parse("192.0.2.1/24", &live->nic_nets[0].ip, &has);
	live->nic_nets[0].ifindex = 2;
}

static size_t count_op(const struct plan *p, enum ipvs_op op)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nsteps; i++)
		n += p->steps[i].kind == STEP_IPVS && p->ipvs[p->steps[i].ipvs].change.op == op;
	return n;
}

static bool has_finding(const struct plan *p, enum verdict v, const char *text)
{
	for (size_t i = 0; i < p->nextras; i++)
		if (p->extras[i].verdict == v && strstr(p->extras[i].detail, text))
			return true;
	return false;
}

static void test_missing_service(void)
{
	struct host want, live;
	struct plan p;
	struct ipvs_service s = svc("192.0.2.100", 80, "rr");

	hosts(&want, &live);
	add_dest(&s, "192.0.2.11", 1, 0);
	add_dest(&s, "192.0.2.12", 1, 0);
	add_service(&want, s);
	plan_compute(&want, &live, &p);
	CHECK(p.nsteps == 3 && count_op(&p, IPVS_SVC_ADD) == 1 && count_op(&p, IPVS_DEST_ADD) == 2,
	      "ipvs plan: a missing service is one add and one add per real server (%zu steps)", p.nsteps);
	CHECK(p.ipvs[p.steps[0].ipvs].change.op == IPVS_SVC_ADD && p.ipvs[p.steps[0].ipvs].undo.op == IPVS_SVC_DEL,
	      "ipvs plan: the service comes first and its undo deletes it");
	CHECK(has_finding(&p, VERDICT_DRIFT, "missing: apply adds it (scheduler rr, 2 real servers)"),
	      "ipvs plan: the missing service is named with its scheduler and real servers");
	char buf[200];
	step_describe(&p, &p.steps[1], buf, sizeof(buf));
	CHECK(!strcmp(buf, "add real server 192.0.2.11:80 to tcp/192.0.2.100:80 (weight 1, dr)"),
	      "ipvs plan: step text \"%s\"", buf);
	plan_free(&p);
	host_free(&want);
	host_free(&live);
}

static void test_edits_in_place(void)
{
	struct host want, live;
	struct plan p;
	struct ipvs_service w = svc("192.0.2.100", 80, "rr"), l = svc("192.0.2.100", 80, "wlc");

	hosts(&want, &live);
	add_dest(&w, "192.0.2.11", 5, 0);
	add_dest(&l, "192.0.2.11", 3, 7);
	l.dests[0].method = METHOD_NAT;
	l.owned = true;
	add_service(&want, w);
	add_service(&live, l);
	plan_compute(&want, &live, &p);
	CHECK(p.nsteps == 2 && count_op(&p, IPVS_SVC_EDIT) == 1 && count_op(&p, IPVS_DEST_EDIT) == 1,
	      "ipvs plan: a changed scheduler and weight are two edits in place, no delete (%zu steps)", p.nsteps);
	CHECK(has_finding(&p, VERDICT_DRIFT, "scheduler wlc instead of rr"), "ipvs plan: scheduler finding");
	CHECK(has_finding(&p, VERDICT_DRIFT, "real server 192.0.2.11:80: weight 3 instead of 5; forwarding nat "
					     "instead of dr"),
	      "ipvs plan: weight and forwarding finding");
	const struct ipvs_step *e = &p.ipvs[p.steps[1].ipvs];
	CHECK(e->change.dest.weight == 5 && e->undo.dest.weight == 3 && e->undo.dest.method == METHOD_NAT,
	      "ipvs plan: the edit's undo restores weight 3 and NAT");
	plan_free(&p);
	host_free(&want);
	host_free(&live);
}

static void test_foreign(void)
{
	struct host want, live;
	struct plan p;
	struct ipvs_service w = svc("192.0.2.100", 80, "rr"), l = svc("192.0.2.100", 80, "wlc"),
			    other = svc("192.0.2.100", 443, "rr"), elsewhere = svc("203.0.113.5", 80, "rr");

	hosts(&want, &live);
	add_dest(&w, "192.0.2.11", 1, 0);
	add_dest(&l, "192.0.2.99", 1, 0);
	add_dest(&other, "192.0.2.99", 1, 0);
	add_service(&want, w);
	add_service(&live, l);
	add_service(&live, other);
	add_service(&live, elsewhere);
	plan_compute(&want, &live, &p);
	CHECK(p.nsteps == 0, "ipvs plan: services lvsdr did not create are never changed (%zu steps)", p.nsteps);
	CHECK(p.blocked == 1 && has_finding(&p, VERDICT_BLOCKED, "exists that lvsdr did not create"),
	      "ipvs plan: a foreign service on the profile's key is blocked");
	CHECK(has_finding(&p, VERDICT_WARN, "a service lvsdr did not create, on a VIP of this profile"),
	      "ipvs plan: a foreign service on a profile VIP is a warning");
	CHECK(p.nextras == 2, "ipvs plan: a foreign service on another address is not mentioned (%zu findings)",
	      p.nextras);
	plan_free(&p);
	host_free(&want);
	host_free(&live);
}

static void test_drain(void)
{
	struct host want, live;
	struct plan p;
	struct ipvs_service w = svc("192.0.2.100", 80, "rr"), l = svc("192.0.2.100", 80, "rr");
	uint64_t now = (uint64_t)time(NULL);

	hosts(&want, &live);
	add_dest(&w, "192.0.2.11", 1, 0);
	add_dest(&l, "192.0.2.11", 1, 0);
	add_dest(&l, "192.0.2.12", 5, 3); /* left the profile, 3 connections */
	add_dest(&l, "192.0.2.13", 0, 2); /* draining for 10 s */
	add_dest(&l, "192.0.2.14", 0, 2); /* draining for 400 s: over */
	add_dest(&l, "192.0.2.15", 4, 0); /* left the profile, idle */
	l.dests[2].drain_since = now - 10;
	l.dests[3].drain_since = now - 400;
	l.owned = true;
	add_service(&want, w);
	add_service(&live, l);
	plan_compute(&want, &live, &p);
	CHECK(count_op(&p, IPVS_DEST_EDIT) == 2 && count_op(&p, IPVS_DEST_DEL) == 2 && p.nsteps == 4,
	      "ipvs plan: removed real servers drain first: 2 to weight 0, 2 deleted (%zu steps)", p.nsteps);
	CHECK(has_finding(&p, VERDICT_DRIFT, "192.0.2.12:80 is not in the profile: weight 5 -> 0, deleted once its 3 "
					     "active connections end or after 300s"),
	      "ipvs plan: the drain is named");
	CHECK(has_finding(&p, VERDICT_WARN, "192.0.2.13:80 is draining: weight 0, 2 active connections"),
	      "ipvs plan: a draining real server is reported as draining");
	CHECK(has_finding(&p, VERDICT_DRIFT, "192.0.2.14:80 drained (drain time over): deleted"),
	      "ipvs plan: the drain time over, it is deleted");
	CHECK(has_finding(&p, VERDICT_DRIFT, "192.0.2.15:80 is not in the profile: deleted (no active connection)"),
	      "ipvs plan: an idle removed real server goes at once");
	bool marks = false;
	for (size_t i = 0; i < p.nsteps; i++) {
		const struct ipvs_step *is = &p.ipvs[p.steps[i].ipvs];
		if (is->change.op == IPVS_DEST_EDIT && is->change.dest.ip.bytes[3] == 12)
			marks = is->mark == MARK_DRAIN_START && is->change.dest.weight == 0 && is->undo.dest.weight == 5;
	}
	CHECK(marks, "ipvs plan: the drain start is marked for the record, and its undo gives weight 5 back");
	plan_free(&p);
	host_free(&want);
	host_free(&live);
}

static void test_drained_and_removed_service(void)
{
	struct host want, live;
	struct plan p;
	struct ipvs_service w = svc("192.0.2.100", 80, "rr"), l = svc("192.0.2.100", 80, "rr"),
			    gone = svc("192.0.2.100", 8080, "rr");

	hosts(&want, &live);
	add_dest(&w, "192.0.2.11", 4, 0);
	add_dest(&w, "192.0.2.12", 4, 0);
	w.dests[0].drained = true;
	w.dests[1].drained = true;
	add_dest(&l, "192.0.2.11", 4, 1);
	add_dest(&l, "192.0.2.12", 0, 1);
	l.owned = gone.owned = true;
	add_service(&want, w);
	add_service(&live, l);
	add_service(&live, gone);
	plan_compute(&want, &live, &p);
	CHECK(count_op(&p, IPVS_DEST_EDIT) == 1 && p.ipvs[p.steps[0].ipvs].change.dest.weight == 0,
	      "ipvs plan: a drained real server is held at weight 0");
	CHECK(has_finding(&p, VERDICT_OK, "192.0.2.12:80 drained (lvsdr drain): weight 0, 1 active connection"),
	      "ipvs plan: verify says drained, not drift");
	CHECK(count_op(&p, IPVS_SVC_DEL) == 1 && has_finding(&p, VERDICT_DRIFT, "not in the profile: apply deletes it"),
	      "ipvs plan: an owned service without real servers that left the profile is deleted");
	plan_free(&p);
	host_free(&want);
	host_free(&live);
}

/* lvsdr events' health check: a held real server at weight 0, one held
 * out by removal leaving as a dropped one does, neither added while held. */
static void test_health_hold(void)
{
	struct host want, live;
	struct plan p;
	struct ipvs_service w = svc("192.0.2.100", 80, "rr"), l = svc("192.0.2.100", 80, "rr"),
			    w2 = svc("192.0.2.100", 81, "rr");

	hosts(&want, &live);
	add_dest(&w, "192.0.2.11", 4, 0);
	add_dest(&w, "192.0.2.12", 4, 0);
	add_dest(&w, "192.0.2.13", 4, 0);
	w.dests[0].hold = IPVS_HOLD_WEIGHT0;
	w.dests[1].hold = IPVS_HOLD_REMOVED;
	add_dest(&l, "192.0.2.11", 4, 2);
	add_dest(&l, "192.0.2.12", 4, 1);
	add_dest(&l, "192.0.2.13", 4, 0);
	l.owned = true;
	add_dest(&w2, "192.0.2.11", 4, 0);
	add_dest(&w2, "192.0.2.12", 4, 0);
	w2.dests[1].hold = IPVS_HOLD_REMOVED;
	add_service(&want, w);
	add_service(&want, w2);
	add_service(&live, l);
	plan_compute(&want, &live, &p);
	bool weight0 = false, removing = false;
	for (size_t i = 0; i < p.nsteps; i++) {
		const struct ipvs_change *c = &p.ipvs[p.steps[i].ipvs].change;
		weight0 |= c->op == IPVS_DEST_EDIT && c->dest.ip.bytes[3] == 11 && c->dest.weight == 0;
		removing |= c->op == IPVS_DEST_EDIT && c->dest.ip.bytes[3] == 12 && c->dest.weight == 0 &&
			    p.ipvs[p.steps[i].ipvs].mark == MARK_DRAIN_START;
	}
	CHECK(weight0 && removing && count_op(&p, IPVS_DEST_EDIT) == 2 && count_op(&p, IPVS_DEST_DEL) == 0,
	      "ipvs plan: held at weight 0, and held out by removal drains first (%zu steps)", p.nsteps);
	CHECK(count_op(&p, IPVS_SVC_ADD) == 1 && count_op(&p, IPVS_DEST_ADD) == 1,
	      "ipvs plan: a new service gets its passing real server, not the one held out by removal");
	plan_free(&p);
	host_free(&want);
	host_free(&live);
}

/* [health] sorry: in while every real server is out, left alone in the
 * table then, and leaving as a removed real server does once not in. */
static void test_sorry(void)
{
	struct host want, live;
	struct plan p;
	struct ipvs_service w = svc("192.0.2.100", 80, "rr"), l = svc("192.0.2.100", 80, "rr");

	hosts(&want, &live);
	add_dest(&w, "192.0.2.11", 1, 0);
	w.dests[0].hold = IPVS_HOLD_WEIGHT0;
	add_dest(&l, "192.0.2.11", 0, 0);
	l.owned = true;
	w.sorry_in = true;
	w.sorry = (struct ipvs_dest){ .ip.family = AF_INET, .port = 80, .weight = 1, .method = METHOD_DR };
	inet_pton(AF_INET, "192.0.2.13", w.sorry.ip.bytes);
	add_service(&want, w);
	add_service(&live, l);
	plan_compute(&want, &live, &p);
	CHECK(p.nsteps == 1 && p.ipvs[p.steps[0].ipvs].change.op == IPVS_DEST_ADD &&
		      p.ipvs[p.steps[0].ipvs].change.dest.ip.bytes[3] == 13 && p.ipvs[p.steps[0].ipvs].change.dest.weight == 1,
	      "ipvs plan: the sorry server is added while every real server is held out (%zu steps)", p.nsteps);
	plan_free(&p);
	add_dest(&live.services[0], "192.0.2.13", 1, 0);
	plan_compute(&want, &live, &p);
	CHECK(p.nsteps == 0, "ipvs plan: a sorry server in the table is left there while it is in (%zu steps)", p.nsteps);
	plan_free(&p);
	want.services[0].sorry_in = false;
	want.services[0].dests[0].hold = IPVS_HOLD_NONE;
	plan_compute(&want, &live, &p);
	CHECK(count_op(&p, IPVS_DEST_DEL) == 1 && count_op(&p, IPVS_DEST_EDIT) == 2 &&
		      has_finding(&p, VERDICT_DRIFT, "192.0.2.13:80 is not in the profile: deleted (no active connection)"),
	      "ipvs plan: once a real server is back (weight 1 again), the sorry server leaves, as a removed one does");
	plan_free(&p);
	host_free(&want);
	host_free(&live);
}

static void test_blocked(void)
{
	struct host want, live;
	struct plan p;
	struct ipvs_service w = svc("192.0.2.100", 80, "mh"), w2 = svc("192.0.2.100", 81, "rr");

	hosts(&want, &live);
	add_dest(&w, "192.0.2.11", 1, 0);
	add_dest(&w2, "198.51.100.11", 1, 0);
	add_service(&want, w);
	add_service(&want, w2);
	live.sched_missing = xcalloc(1, sizeof(*live.sched_missing));
	strcpy(live.sched_missing[0], "mh");
	live.nsched_missing = 1;
	plan_compute(&want, &live, &p);
	CHECK(p.nsteps == 0 && p.blocked == 2, "ipvs plan: a missing scheduler and an unreachable real server block");
	CHECK(has_finding(&p, VERDICT_BLOCKED, "scheduler mh (line 0) is not available in this kernel (no module "
					       "ip_vs_mh)"),
	      "ipvs plan: the missing scheduler is named");
	CHECK(has_finding(&p, VERDICT_BLOCKED, "real server 198.51.100.11:81 (line 0) is on no subnet of eth0"),
	      "ipvs plan: a real server behind a router is named");
	plan_free(&p);
	live.ipvs_read = false;
	strcpy(live.ipvs_error, "the kernel has no IPVS");
	plan_compute(&want, &live, &p);
	CHECK(p.blocked == 1 && has_finding(&p, VERDICT_BLOCKED, "the kernel has no IPVS"),
	      "ipvs plan: a kernel without IPVS blocks a profile with services");
	plan_free(&p);
	host_free(&want);
	host_free(&live);
}

void test_plan_ipvs(void)
{
	test_missing_service();
	test_edits_in_place();
	test_foreign();
	test_drain();
	test_health_hold();
	test_sorry();
	test_drained_and_removed_service();
	test_blocked();
}

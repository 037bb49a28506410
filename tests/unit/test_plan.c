/* plan_compute() on hand-built live states: the verdicts and the order of
 * the steps, without a kernel. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "harness.h"
#include "plan.h"
#include "profile.h"
#include "util.h"

#define LO 1
#define ETH0 2

static void want_realserver(struct host *want, struct diag *d, const char *extra)
{
	char text[512];
	snprintf(text, sizeof(text), "[host]\nrole = realserver\ninterface = eth0\n[vip]\naddress = 192.0.2.100\n%s",
		 extra);
	d->file = "unit.ini";
	profile_parse(text, strlen(text), want, d);
}

/* A live host where every knob reads 0 in every scope and nothing is bound. */
static void live_blank(struct host *live)
{
	memset(live, 0, sizeof(*live));
	live->role = ROLE_REALSERVER;
	strcpy(live->ifname, "eth0");
	live->ifindex = ETH0;
	live->lo_ifindex = LO;
	for (int k = 0; k < KNOB_COUNT; k++)
		for (int s = 0; s < SCOPE_COUNT; s++)
			live->knobs[k].present[s] = true;
}

static void live_set(struct host *live, enum arp_knob k, int all, int dev, int lo)
{
	live->knobs[k].value[SCOPE_ALL] = all;
	live->knobs[k].value[SCOPE_DEV] = dev;
	live->knobs[k].value[SCOPE_LO] = lo;
}

static void live_bind(struct host *live, const char *text, int ifindex, bool owned)
{
	struct live_addr *a;
	bool has;

	live->addrs = xreallocarray(live->addrs, live->naddrs + 1, sizeof(*live->addrs));
	a = &live->addrs[live->naddrs++];
	memset(a, 0, sizeof(*a));
	ipaddr_parse(text, &a->ip, &has);
	a->ifindex = ifindex;
	strcpy(a->ifname, ifindex == LO ? "lo" : "eth0");
	a->owned = a->lvsdr = owned;
}

static void in_sync_live(struct host *live)
{
	live_blank(live);
	live_set(live, KNOB_IGNORE, 1, 1, 0);
	live_set(live, KNOB_ANNOUNCE, 2, 2, 0);
	live_bind(live, "192.0.2.100/32", LO, true);
}

void test_plan(void)
{
	struct host want, live;
	struct diag d = { 0 };
	struct plan p;

	want_realserver(&want, &d, "");
	CHECK(d.errors == 0, "plan: unit profile is valid");

	/* Kernel defaults: everything to do, in the safe order. */
	live_blank(&live);
	plan_compute(&want, &live, &p);
	CHECK(p.knobs[KNOB_IGNORE].verdict == VERDICT_DRIFT, "plan: default arp_ignore is drift");
	CHECK(p.vips[0].verdict == VERDICT_DRIFT && !strcmp(p.vips[0].state, "missing"), "plan: unbound VIP is missing");
	CHECK(p.nsteps == 5, "plan: 4 sysctl writes and 1 bind (got %zu)", p.nsteps);
	bool ordered = p.nsteps == 5 && p.steps[4].kind == STEP_ADDR_ADD;
	for (size_t i = 0; i + 1 < p.nsteps; i++)
		ordered = ordered && p.steps[i].kind == STEP_SYSCTL;
	CHECK(ordered, "plan: every sysctl comes before the VIP is bound");
	CHECK(!strcmp(p.steps[4].addr.label, "lo:lvsdr"), "plan: IPv4 VIP gets the lo:lvsdr label");
	for (size_t i = 0; i < p.nsteps; i++)
		CHECK(p.steps[i].kind != STEP_SYSCTL || p.steps[i].scope != SCOPE_DEFAULT,
		      "plan: step %zu never writes conf/default", i + 1);
	plan_free(&p);
	host_free(&live);

	/* In sync: nothing to do. */
	in_sync_live(&live);
	plan_compute(&want, &live, &p);
	CHECK(plan_in_sync(&p) && p.nsteps == 0, "plan: in sync gives no steps");
	plan_free(&p);
	host_free(&live);

	/* The effective value is max(all, dev): 0/1 and 1/0 are both right,
	 * but every place the scope writes must hold the profile's value. */
	in_sync_live(&live);
	live_set(&live, KNOB_IGNORE, 0, 1, 0);
	plan_compute(&want, &live, &p);
	CHECK(p.knobs[KNOB_IGNORE].verdict == VERDICT_DRIFT && p.knobs[KNOB_IGNORE].effective == 1 &&
		      !strcmp(p.knobs[KNOB_IGNORE].detail, "conf/all/arp_ignore = 0, lvsdr writes 1: the host answers ARP "
							   "for the VIPs on any NIC created or re-created later"),
	      "plan: all=0 eth0=1 is effective 1, yet drift naming conf/all: %s", p.knobs[KNOB_IGNORE].detail);
	CHECK(p.nsteps == 1 && p.steps[0].scope == SCOPE_ALL && p.steps[0].from == 0 && p.steps[0].to == 1,
	      "plan: only conf/all is rewritten");
	plan_free(&p);
	live_set(&live, KNOB_IGNORE, 1, 0, 0);
	plan_compute(&want, &live, &p);
	CHECK(p.knobs[KNOB_IGNORE].verdict == VERDICT_DRIFT &&
		      !strcmp(p.knobs[KNOB_IGNORE].detail, "conf/eth0/arp_ignore = 0, lvsdr writes 1: the host answers "
							   "ARP for the VIPs on eth0 once conf/all is lowered") &&
		      p.nsteps == 1 && p.steps[0].scope == SCOPE_DEV,
	      "plan: all=1 eth0=0 is drift naming conf/eth0, which alone is rewritten: %s", p.knobs[KNOB_IGNORE].detail);
	plan_free(&p);
	live_set(&live, KNOB_IGNORE, 2, 1, 0);
	plan_compute(&want, &live, &p);
	CHECK(p.knobs[KNOB_IGNORE].verdict == VERDICT_DRIFT && p.knobs[KNOB_IGNORE].effective == 2,
	      "plan: all=2 eth0=1 is effective 2, drift");
	CHECK(strstr(p.knobs[KNOB_IGNORE].detail, "conf/all/arp_ignore = 2 makes it 2") != NULL,
	      "plan: the drift names conf/all as the cause: %s", p.knobs[KNOB_IGNORE].detail);
	CHECK(p.nsteps == 1 && p.steps[0].scope == SCOPE_ALL && p.steps[0].from == 2 && p.steps[0].to == 1,
	      "plan: only conf/all is rewritten");
	plan_free(&p);

	/* Knobs on lo only: drift, and the message says lo does nothing. */
	live_set(&live, KNOB_IGNORE, 0, 0, 1);
	plan_compute(&want, &live, &p);
	CHECK(p.knobs[KNOB_IGNORE].verdict == VERDICT_DRIFT && strstr(p.knobs[KNOB_IGNORE].detail, "lo never receives"),
	      "plan: knobs on lo only are drift, explained: %s", p.knobs[KNOB_IGNORE].detail);
	plan_free(&p);

	/* Out-of-range live values. */
	live_set(&live, KNOB_IGNORE, 1, 1, 0);
	live.knobs[KNOB_IGNORE].value[SCOPE_DEFAULT] = 9;
	plan_compute(&want, &live, &p);
	CHECK(p.warned == 1 && p.nsteps == 0, "plan: conf/default/arp_ignore = 9 is flagged, never written");
	plan_free(&p);
	live.knobs[KNOB_IGNORE].value[SCOPE_DEFAULT] = 0;
	live_set(&live, KNOB_IGNORE, -1, 1, 0);
	plan_compute(&want, &live, &p);
	CHECK(p.knobs[KNOB_IGNORE].effective == 1 && p.drift == 1 && p.nsteps == 1 && p.steps[0].to == 1,
	      "plan: conf/all/arp_ignore = -1 is drift and rewritten although max() hides it");
	plan_free(&p);
	host_free(&live);

	/* VIP in the wrong places. */
	in_sync_live(&live);
	live_bind(&live, "192.0.2.100/32", ETH0, false);
	plan_compute(&want, &live, &p);
	CHECK(p.vips[0].verdict == VERDICT_BLOCKED && !strcmp(p.vips[0].state, "elsewhere"),
	      "plan: a foreign copy of the VIP on the NIC blocks apply");
	plan_free(&p);
	host_free(&live);

	live_blank(&live);
	live_set(&live, KNOB_IGNORE, 1, 1, 0);
	live_set(&live, KNOB_ANNOUNCE, 2, 2, 0);
	live_bind(&live, "192.0.2.100/24", LO, true);
	plan_compute(&want, &live, &p);
	CHECK(p.vips[0].verdict == VERDICT_DRIFT && !strcmp(p.vips[0].state, "wrong-prefix"),
	      "plan: our own VIP with /24 on lo is drift");
	CHECK(p.nsteps == 2 && p.steps[0].kind == STEP_ADDR_DEL && p.steps[0].addr.ip.prefix == 24 &&
		      p.steps[1].kind == STEP_ADDR_ADD && p.steps[1].addr.ip.prefix == 32,
	      "plan: /24 is removed before /32 is bound");
	plan_free(&p);
	host_free(&live);

	live_blank(&live);
	live_bind(&live, "192.0.2.100/24", LO, false);
	plan_compute(&want, &live, &p);
	CHECK(p.vips[0].verdict == VERDICT_BLOCKED, "plan: a foreign /24 on lo blocks apply");
	plan_free(&p);
	host_free(&live);

	/* Stale VIP of ours goes first, before any knob changes. */
	live_blank(&live);
	live_bind(&live, "192.0.2.99/32", LO, true);
	plan_compute(&want, &live, &p);
	CHECK(p.nsteps == 6 && p.steps[0].kind == STEP_ADDR_DEL, "plan: a stale VIP of ours is removed first");
	plan_free(&p);
	host_free(&live);

	/* Bound by lvsdr for another profile (the record names it): never a
	 * step of this profile's plan. Not listed here: said, left alone. */
	live_blank(&live);
	live_set(&live, KNOB_IGNORE, 1, 1, 0);
	live_set(&live, KNOB_ANNOUNCE, 2, 2, 0);
	live_bind(&live, "192.0.2.99/32", LO, false); /* sorted by address, as state_read() leaves them */
	live_bind(&live, "192.0.2.100/32", LO, false);
	live.addrs[0].lvsdr = true;
	live.addrs[0].owner = "/etc/lvsdr/b.ini";
	plan_compute(&want, &live, &p);
	CHECK(p.nsteps == 0 && p.nextras == 1 && p.extras[0].verdict == VERDICT_OK &&
		      !strcmp(p.extras[0].detail, "bound on lo by lvsdr for another profile, /etc/lvsdr/b.ini: left to it"),
	      "plan: another profile's address is named and left alone (%zu steps)", p.nsteps);
	plan_free(&p);
	live.addrs[0].owner = NULL;
	plan_compute(&want, &live, &p);
	CHECK(p.nsteps == 0 && p.warned == 1 && strstr(p.extras[0].detail, "no ownership record says for which profile"),
	      "plan: an address of lvsdr's whose owner no record names is a warning, never removed");
	plan_free(&p);
	/* The profile's own VIP, bound by lvsdr for another profile: blocked. */
	live.addrs[0].owner = "/etc/lvsdr/b.ini";
	live.addrs[1].lvsdr = true;
	live.addrs[1].owner = "/etc/lvsdr/b.ini";
	plan_compute(&want, &live, &p);
	CHECK(p.vips[0].verdict == VERDICT_BLOCKED && !strcmp(p.vips[0].state, "conflict") &&
		      strstr(p.vips[0].detail, "for another profile, /etc/lvsdr/b.ini: two profiles must not share"),
	      "plan: a VIP another profile bound is blocked, naming it (%s)", p.vips[0].detail);
	plan_free(&p);
	host_free(&live);

	/* A stale VIP of ours is the primary of a subnet whose secondary the
	 * profile keeps (the VIP 192.0.2.100/24, bound by hand here on lo):
	 * the kernel would delete it with the primary, so apply is blocked;
	 * with promote_secondaries it goes through. */
	live_blank(&live);
	live_set(&live, KNOB_IGNORE, 1, 1, 0);
	live_set(&live, KNOB_ANNOUNCE, 2, 2, 0);
	live_bind(&live, "192.0.2.99/24", LO, true);
	live_bind(&live, "192.0.2.7/24", LO, false);
	live.addrs[1].secondary = true;
	live.secondaries = live.addrs + 1; /* not a VIP, not ours: kept aside */
	live.nsecondaries = 1;
	live.naddrs = 1;
	plan_compute(&want, &live, &p);
	CHECK(p.blocked == 1 && p.nextras >= 2 && strstr(p.extras[p.nextras - 1].detail, "deletes this secondary too"),
	      "plan: removing a primary that would take a kept secondary along is blocked");
	plan_free(&p);
	live.promote_lo = true;
	plan_compute(&want, &live, &p);
	CHECK(p.blocked == 0, "plan: with promote_secondaries the same removal goes through");
	plan_free(&p);
	live.secondaries = NULL;
	live.nsecondaries = 0;
	live.naddrs = 2;
	host_free(&live);

	/* Two stale VIPs of one subnet: the kernel's secondary goes before
	 * its primary, which would take it along (and a rollback, adding
	 * back in reverse, rebuilds the same primary). */
	live_blank(&live);
	live_bind(&live, "192.0.2.98/24", LO, true);
	live_bind(&live, "192.0.2.99/24", LO, true);
	live.addrs[1].secondary = true;
	plan_compute(&want, &live, &p);
	CHECK(p.nsteps == 7 && p.steps[0].kind == STEP_ADDR_DEL && p.steps[0].addr.secondary &&
		      p.steps[1].kind == STEP_ADDR_DEL && !p.steps[1].addr.secondary,
	      "plan: an IPv4 secondary is removed before its primary");
	plan_free(&p);
	host_free(&live);
	host_free(&want);
	diag_free(&d);

	/* scope = interface with conf/all too high cannot be fixed. */
	want_realserver(&want, &d, "[arp]\nscope = interface\n");
	live_blank(&live);
	live_set(&live, KNOB_IGNORE, 2, 0, 0);
	live_set(&live, KNOB_ANNOUNCE, 2, 2, 0);
	live_bind(&live, "192.0.2.100/32", LO, true);
	plan_compute(&want, &live, &p);
	CHECK(p.knobs[KNOB_IGNORE].verdict == VERDICT_BLOCKED, "plan: scope = interface cannot lower conf/all");
	for (size_t i = 0; i < p.nsteps; i++)
		CHECK(p.steps[i].scope != SCOPE_ALL, "plan: scope = interface never writes conf/all");
	plan_free(&p);
	host_free(&live);
	host_free(&want);
	diag_free(&d);
}

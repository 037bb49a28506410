/* Sysctl files that do not exist: what no test kernel can produce on
 * demand. An older kernel lacks a knob in every scope; an interface without
 * IPv4 (MTU below 68, or no in_device yet) lacks its whole conf/<nic>
 * directory. state_read() records both as present[scope] = false, and the
 * plan must give each a defined verdict, never a write to a missing file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "plan.h"
#include "profile.h"
#include "util.h"

/* A profile, the live host it is compared with, and their plan. */
struct scene {
	struct host want, live;
	struct plan plan;
};

/* want from role and an optional [arp] section; live already provisioned
 * for it (every knob file present, at want's value or 0, the VIP bound by
 * lvsdr where the role puts it; lo is ifindex 1, eth0 2). Each case then
 * takes files away and calls scene_plan(). */
static void scene_open(struct scene *sc, const char *role, const char *arp)
{
	struct diag d = { .file = "robust.ini" };
	char *text = xasprintf("[host]\nrole = %s\ninterface = eth0\n[vip]\naddress = 192.0.2.100\n%s", role, arp);
	struct host *live = &sc->live;
	bool realserver = !strcmp(role, "realserver");

	memset(sc, 0, sizeof(*sc));
	profile_parse(text, strlen(text), &sc->want, &d);
	CHECK(d.errors == 0, "robust: the %s profile%s is valid", role, arp[0] ? " with its [arp] section" : "");
	diag_free(&d);
	free(text);

	live->role = sc->want.role;
	strcpy(live->ifname, "eth0");
	live->lo_ifindex = 1;
	live->ifindex = 2;
	for (int k = 0; k < KNOB_COUNT; k++) {
		const struct knob_values *want = &sc->want.knobs[k];
		struct knob_values *kv = &live->knobs[k];
		kv->value[SCOPE_ALL] = kv->value[SCOPE_DEV] = want->present[SCOPE_DEV] ? want->value[SCOPE_DEV] : 0;
		for (int s = 0; s < SCOPE_COUNT; s++)
			kv->present[s] = true;
	}
	live->naddrs = 1;
	live->addrs = xcalloc(1, sizeof(*live->addrs));
	live->addrs[0] = (struct live_addr){ .ip = sc->want.vips[0].ip, .ifindex = realserver ? 1 : 2, .owned = true, .lvsdr = true };
	strcpy(live->addrs[0].ifname, realserver ? "lo" : "eth0");
}

static void scene_plan(struct scene *sc)
{
	plan_free(&sc->plan);
	plan_compute(&sc->want, &sc->live, &sc->plan);
}

static void scene_close(struct scene *sc)
{
	plan_free(&sc->plan);
	host_free(&sc->live);
	host_free(&sc->want);
}

/* The file of knob k in scope s does not exist. Its value slot keeps
 * whatever it held: nothing may read it. */
static void file_missing(struct scene *sc, enum arp_knob k, enum scope s)
{
	sc->live.knobs[k].present[s] = false;
}

static void knob_missing_everywhere(struct scene *sc, enum arp_knob k)
{
	for (int s = 0; s < SCOPE_COUNT; s++)
		file_missing(sc, k, (enum scope)s);
}

static void scope_missing(struct scene *sc, enum scope s)
{
	for (int k = 0; k < KNOB_COUNT; k++)
		file_missing(sc, (enum arp_knob)k, s);
}

/* Does any step write knob k (any scope)? */
static bool writes_knob(const struct plan *p, enum arp_knob k)
{
	for (size_t i = 0; i < p->nsteps; i++)
		if (p->steps[i].kind == STEP_SYSCTL && p->steps[i].knob == k)
			return true;
	return false;
}

/* What verify prints: text, text with -v, or JSON. */
enum print_as { AS_TEXT,
		AS_VERBOSE,
		AS_JSON };
static char *printed(const struct plan *p, enum print_as as)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (as == AS_JSON)
		plan_print_json(p, "robust.ini", NULL, f);
	else
		plan_print_text(p, "robust.ini", as == AS_VERBOSE, f);
	fclose(f);
	return buf;
}

/* An older kernel without arp_accept at all, and a profile that sets it:
 * blocked, named by its file, never written; apply refuses the whole run. */
static void test_knob_missing_everywhere(void)
{
	struct scene sc;
	char *out;

	scene_open(&sc, "realserver", "[arp]\naccept = 2\n");
	knob_missing_everywhere(&sc, KNOB_ACCEPT);
	/* Something else to do too: the refusal must cover it. */
	sc.live.knobs[KNOB_IGNORE].value[SCOPE_ALL] = sc.live.knobs[KNOB_IGNORE].value[SCOPE_DEV] = 0;
	scene_plan(&sc);

	const struct plan *p = &sc.plan;
	const struct knob_report *r = &p->knobs[KNOB_ACCEPT];
	CHECK(r->managed && !r->readable && r->verdict == VERDICT_BLOCKED,
	      "robust: a managed knob the kernel lacks is blocked (verdict %d)", r->verdict);
	CHECK(!strcmp(r->detail, "the kernel has no conf/all/arp_accept"),
	      "robust: the finding names the missing file: \"%s\"", r->detail);
	CHECK(!writes_knob(p, KNOB_ACCEPT), "robust: the plan never writes a knob whose file is missing");
	CHECK(p->knobs[KNOB_IGNORE].verdict == VERDICT_DRIFT && writes_knob(p, KNOB_IGNORE),
	      "robust: the other knobs are still judged and planned (arp_ignore drift)");
	CHECK(p->blocked == 1 && !plan_in_sync(p),
	      "robust: one blocked finding, not in sync, so apply refuses and changes nothing (blocked %zu)", p->blocked);

	out = printed(p, AS_TEXT);
	CHECK(strstr(out, "  arp_accept") && strstr(out, "blocked  the kernel has no conf/all/arp_accept\n"),
	      "robust: verify prints 'arp_accept blocked the kernel has no conf/all/arp_accept'");
	CHECK(strstr(out, "1 blocked, so apply refuses until fixed by hand") != NULL,
	      "robust: verify's summary says apply refuses");
	free(out);
	out = printed(p, AS_JSON);
	CHECK(strstr(out, "{\"name\":\"arp_accept\",\"managed\":true,\"want\":2,\"effective\":null,\"all\":null,"
			  "\"interface\":null,\"lo\":null,\"default\":null,\"status\":\"blocked\"") != NULL,
	      "robust: verify --json gives null for every missing file and the effective value");
	free(out);
	scene_close(&sc);
}

/* The same kernel, a profile that leaves the knob alone: nothing to say. */
static void test_unmanaged_knob_missing(void)
{
	struct scene sc;
	char *out;

	scene_open(&sc, "realserver", "");
	knob_missing_everywhere(&sc, KNOB_NOTIFY);
	scene_plan(&sc);
	CHECK(sc.plan.knobs[KNOB_NOTIFY].verdict == VERDICT_OK && !sc.plan.knobs[KNOB_NOTIFY].managed,
	      "robust: a missing knob the profile does not set is not a finding");
	CHECK(plan_in_sync(&sc.plan) && sc.plan.nsteps == 0, "robust: ... and the host is in sync, nothing to do");
	out = printed(&sc.plan, AS_VERBOSE);
	CHECK(!strstr(out, "arp_notify"), "robust: verify -v prints no line for a knob that neither exists nor matters");
	free(out);
	scene_close(&sc);
}

/* The NIC has no IPv4 configuration (no conf/eth0/ at all): every managed
 * knob is blocked on that file; conf/all is not written either, since the
 * run as a whole is refused. */
static void test_interface_without_ipv4(void)
{
	struct scene sc;

	scene_open(&sc, "realserver", "");
	scope_missing(&sc, SCOPE_DEV);
	sc.live.knobs[KNOB_IGNORE].value[SCOPE_ALL] = 0;
	scene_plan(&sc);
	const struct plan *p = &sc.plan;
	CHECK(p->knobs[KNOB_IGNORE].verdict == VERDICT_BLOCKED && p->knobs[KNOB_ANNOUNCE].verdict == VERDICT_BLOCKED,
	      "robust: no conf/eth0/: both real-server knobs are blocked");
	CHECK(!strcmp(p->knobs[KNOB_IGNORE].detail, "the kernel has no conf/eth0/arp_ignore"),
	      "robust: the finding names conf/eth0, not conf/all: \"%s\"", p->knobs[KNOB_IGNORE].detail);
	CHECK(!writes_knob(p, KNOB_IGNORE) && !writes_knob(p, KNOB_ANNOUNCE),
	      "robust: no write to conf/all or conf/eth0 is planned for a knob it cannot judge");
	CHECK(p->knobs[KNOB_FILTER].verdict == VERDICT_OK,
	      "robust: unmanaged knobs stay quiet although their conf/eth0 file is missing");
	CHECK(p->blocked == 2 && p->vips[0].verdict == VERDICT_OK, "robust: 2 blocked findings; the VIP on lo is fine");
	scene_close(&sc);

	/* A director manages no knob by default, but its NIC holds the IPv4
	 * VIP: without conf/eth0/ the NIC has no IPv4, and the plan says so
	 * instead of letting the kernel answer "No buffer space available". */
	scene_open(&sc, "director", "");
	scope_missing(&sc, SCOPE_DEV);
	scene_plan(&sc);
	CHECK(sc.plan.blocked == 1 && sc.plan.nextras == 1 && strstr(sc.plan.extras[0].detail, "eth0 has no IPv4"),
	      "robust: a director whose NIC has no conf/eth0/ is blocked: %s",
	      sc.plan.nextras ? sc.plan.extras[0].detail : "(no finding)");
	scene_close(&sc);
}

/* conf/lo and conf/default are read for reporting only: their absence
 * changes no verdict and adds no step. */
static void test_report_only_scopes_missing(void)
{
	struct scene sc;

	scene_open(&sc, "realserver", "");
	scope_missing(&sc, SCOPE_LO);
	scope_missing(&sc, SCOPE_DEFAULT);
	scene_plan(&sc);
	CHECK(plan_in_sync(&sc.plan) && sc.plan.nsteps == 0, "robust: conf/lo and conf/default missing: still in sync");

	sc.live.knobs[KNOB_IGNORE].value[SCOPE_ALL] = sc.live.knobs[KNOB_IGNORE].value[SCOPE_DEV] = 0;
	/* The slot of the missing conf/lo file holds the wanted value: the
	 * "lo never receives" note would quote it if anything read it. */
	sc.live.knobs[KNOB_IGNORE].value[SCOPE_LO] = 1;
	scene_plan(&sc);
	CHECK(sc.plan.knobs[KNOB_IGNORE].verdict == VERDICT_DRIFT && sc.plan.nsteps == 2,
	      "robust: ... and drift elsewhere is planned as usual (%zu steps)", sc.plan.nsteps);
	CHECK(!strstr(sc.plan.knobs[KNOB_IGNORE].detail, "conf/lo"),
	      "robust: the drift does not quote a conf/lo value that was never read: \"%s\"",
	      sc.plan.knobs[KNOB_IGNORE].detail);
	scene_close(&sc);
}

void test_robust(void)
{
	test_knob_missing_everywhere();
	test_unmanaged_knob_missing();
	test_interface_without_ipv4();
	test_report_only_scopes_missing();
}

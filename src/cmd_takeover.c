/* lvsdr takeover: bind every VIP of a director profile and announce every
 * one of them, bound before or not, so each neighbour re-points now.
 * A takeover is an emergency: a VIP that cannot be bound (a copy lvsdr did
 * not make, in the way) is left out and named, and the others still move;
 * what is left goes through the plan as one transaction, as apply does. */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "frames.h"
#include "garp.h"
#include "lvsdr.h"
#include "privilege.h"
#include "probe.h"
#include "util.h"

static const char takeover_usage[] =
	"Usage: lvsdr takeover [-q] PROFILE\n"
	"Bind every VIP of a director PROFILE on its interface and announce all of them\n"
	"with gratuitous ARP (IPv6: unsolicited neighbour advertisements). A VIP that\n"
	"cannot be bound is named and left out; the others still move.\n"
	"  -q, --quiet   print only errors\n"
	"Exit status: 0 done, 1 some VIPs left out (named) or announcing failed, 2 error\n"
	"or refused (nothing changed), 3 rollback failed.\n";

/* Leave out every blocked VIP and plan again, until no VIP is newly
 * blocked (a replan reads the kernel afresh). 0, or an exit status. */
static int takeover_exclude(struct session *s)
{
	for (size_t round = 0; round <= s->want.nvips; round++) {
		if (!plan_exclude_blocked(&s->plan, &s->want))
			return LVSDR_EXIT_OK;
		int status = session_replan(s);
		if (status != LVSDR_EXIT_OK)
			return status;
	}
	return LVSDR_EXIT_OK;
}

/* Each VIP left out, and why, before anything changes. */
static void takeover_report_excluded(const struct session *s)
{
	char text[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < s->plan.nvips; i++) {
		const struct vip_report *r = &s->plan.vips[i];
		if (!r->vip->excluded)
			continue;
		ipaddr_format(&r->vip->ip, text, sizeof(text));
		lvsdr_warnx("%s: %s/%u not taken over: %s", s->profile, text, r->vip->ip.prefix,
			    r->detail ? r->detail : r->state);
	}
}

/* 0 when the takeover may go on: only blocked VIPs, and not all of them. */
static int takeover_judge(struct session *s)
{
	size_t others = s->plan.blocked - s->plan.excluded, excluded = 0;

	for (size_t i = 0; i < s->want.nvips; i++)
		excluded += s->want.vips[i].excluded;
	if (others) {
		plan_print_text(&s->plan, s->profile, false, stderr);
		lvsdr_warnx("%s: refusing to take over: %zu finding%s need a hand; nothing changed",
			    s->profile, others, others == 1 ? "" : "s");
		return LVSDR_EXIT_ERROR;
	}
	takeover_report_excluded(s);
	if (excluded && excluded == s->want.nvips) {
		lvsdr_warnx("%s: refusing to take over: no VIP can be bound on %s; nothing changed",
			    s->profile, s->want.ifname);
		return LVSDR_EXIT_ERROR;
	}
	return LVSDR_EXIT_OK;
}

/* The announcing socket: the caller's when it still sends from the NIC
 * (lvsdr events opened it before the first event), else a new one, handed
 * back to a caller that keeps it. 0, or -1 with err. */
static int takeover_sender(struct session *s, struct director_call *call, struct garp_sender **g, char *err,
			   size_t errlen)
{
	if (call->garp && garp_sends_for(*call->garp, &s->live)) {
		*g = *call->garp;
		return 0;
	}
	if (garp_open_live(g, &s->live, err, errlen) < 0)
		return -1;
	if (call->garp) {
		garp_close(*call->garp);
		*call->garp = *g;
	}
	return 0;
}

/* The conflict check of takeover, before anything is bound: probe every
 * VIP of want not yet bound on its interface, from the unspecified
 * address, for LVSDR_CONFLICT_WAIT_MS. Prints each VIP another host holds,
 * with its MACs. Returns 0 to go on (nobody answered, or conflict = warn),
 * 2 to stop (conflict = refuse and a VIP is held, or the probe failed). */
static int conflict_check(struct garp_sender *g, int rx, const struct host *want, const char *profile)
{
	const struct probe_timing timing = { LVSDR_CONFLICT_COUNT, LVSDR_CONFLICT_WAIT_MS };
	bool refuse = want->garp.conflict == CONFLICT_REFUSE;
	struct probe_target *targets = xcalloc(want->nvips, sizeof(*targets));
	char err[256], addr[INET6_ADDRSTRLEN], mac[MAC_TEXT_LEN];
	size_t n = 0, held = 0;
	struct nic nic;
	int ret;

	if (probe_nic_lookup(want->ifname, &nic, err, sizeof(err)) < 0) {
		lvsdr_warnx("%s: %s; nothing changed", profile, err);
		free(targets);
		return LVSDR_EXIT_ERROR;
	}
	/* Only what this run will bind: a VIP held here already is ours, and
	 * one left out of the takeover is not bound at all. */
	for (size_t i = 0; i < want->nvips; i++)
		if (!want->vips[i].excluded && !nic_holds(&nic, &want->vips[i].ip))
			probe_target_init(&targets[n++], &want->vips[i].ip);
	ret = n ? probe_run(g, rx, &nic, targets, n, &timing, true, err, sizeof(err)) : 0;
	if (ret < 0)
		lvsdr_warnx("%s: conflict check: %s; nothing changed", profile, err);
	for (size_t i = 0; i < n && ret >= 0; i++) {
		if (!targets[i].nresponders)
			continue;
		held++;
		ipaddr_format(&targets[i].ip, addr, sizeof(addr));
		/* One line, one write: ", 02:00:00:00:00:01" a responder. */
		size_t len = targets[i].nresponders * (MAC_TEXT_LEN + 2) + 1, at = 0;
		char *macs = xcalloc(len, 1);
		for (size_t j = 0; j < targets[i].nresponders; j++)
			at += (size_t)snprintf(macs + at, len - at, "%s %s", j ? "," : "",
					       mac_format(targets[i].responders[j].mac, mac));
		lvsdr_warnx("%s: %s: %s is held by%s%s", profile, refuse ? "conflict" : "warning", addr, macs,
			    refuse ? "" : "; taking it over anyway ([garp] conflict = warn)");
		free(macs);
	}
	if (held && refuse)
		lvsdr_warnx("%s: refusing to take over: %zu VIP%s already answer%s on %s ([garp] conflict = "
			    "refuse); nothing changed",
			    profile, held, held == 1 ? "" : "s",
			    held == 1 ? "s" : "", want->ifname);
	probe_targets_free(targets, n);
	nic_free(&nic);
	if (ret < 0)
		return LVSDR_EXIT_ERROR;
	return held && refuse ? LVSDR_EXIT_ERROR : LVSDR_EXIT_OK;
}

/* Open the announcing socket and, with [garp] conflict, check the
 * segment; CAP_NET_RAW is given up after, but by a resident caller, which
 * opens the socket again when the NIC changes. 0, or an exit status. */
static int takeover_prepare(struct session *s, struct director_call *call, struct garp_sender **g)
{
	int conflict_rx = -1, status = LVSDR_EXIT_OK;
	char err[256];

	/* The socket is ready before the bind, so the first frame follows it
	 * at once. */
	if (takeover_sender(s, call, g, err, sizeof(err)) < 0) {
		lvsdr_warnx("%s: %s; nothing changed", s->profile, err);
		return LVSDR_EXIT_ERROR;
	}
	/* [garp] conflict: the listening socket needs CAP_NET_RAW too; with
	 * conflict = off nothing is opened and nothing waits. */
	if (s->want.garp.conflict != CONFLICT_OFF &&
	    (conflict_rx = frames_open(s->want.ifname, err, sizeof(err))) < 0) {
		lvsdr_warnx("%s: %s; nothing changed", s->profile, err);
		return LVSDR_EXIT_ERROR;
	}
	if (!call->resident)
		privilege_drop_net_raw();
	if (conflict_rx >= 0) {
		status = conflict_check(*g, conflict_rx, &s->want, s->profile);
		close(conflict_rx);
	}
	return status;
}

/* plan_execute()'s hook: round one for the VIPs of a batch just bound,
 * before the next batch goes to the kernel. */
static void takeover_bound(void *arg, const struct step *steps, size_t n)
{
	struct vip batch[32];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		/* A range's local route is no address to announce: the addresses
		 * a director lists for it are VIPs, announced as they are bound. */
		if (steps[i].addr.route)
			continue;
		batch[k] = (struct vip){ .ip = steps[i].addr.ip };
		if (++k == sizeof(batch) / sizeof(batch[0])) {
			session_announce_first(arg, batch, k);
			k = 0;
		}
	}
	if (k)
		session_announce_first(arg, batch, k);
}

/* The VIPs of held that no bind of the plan announced (bound before this
 * run): round one for them now, after the binds. Sorted, so 10,000 VIPs
 * cost no 10,000 x 10,000 comparisons. */
static void takeover_announce_prebound(const struct session *s, struct announce_first *a, const struct vip *held,
				       size_t nheld)
{
	struct vip *bound = xcalloc(s->plan.nsteps + 1, sizeof(*bound)), *rest = xcalloc(nheld + 1, sizeof(*rest));
	size_t nbound = 0, nrest = 0;

	for (size_t i = 0; i < s->plan.nsteps; i++)
		if (s->plan.steps[i].kind == STEP_ADDR_ADD)
			bound[nbound++].ip = s->plan.steps[i].addr.ip;
	sort_array(bound, nbound, sizeof(*bound), vip_compare);
	for (size_t i = 0; i < nheld; i++)
		if (!bsearch(&held[i], bound, nbound, sizeof(*bound), vip_compare))
			rest[nrest++] = held[i];
	session_announce_first(a, rest, nrest);
	free(bound);
	free(rest);
}

/* What is bound after the plan: every VIP but those left out. */
static struct vip *takeover_held(const struct session *s, size_t *nheld)
{
	struct vip *held = xcalloc(s->want.nvips ? s->want.nvips : 1, sizeof(*held));

	*nheld = 0;
	for (size_t i = 0; i < s->want.nvips; i++)
		if (!s->want.vips[i].excluded)
			held[(*nheld)++] = s->want.vips[i];
	return held;
}

/* Nothing is removed unnamed; the bindings, 10,000s of them, are counted
 * only, so the first announcement is not kept waiting. */
static void takeover_print(const struct session *s, size_t nheld)
{
	printf("%s: took over %zu VIP%s on %s (%zu change%s)\n", s->profile, nheld, nheld == 1 ? "" : "s",
	       s->want.ifname, s->plan.nsteps, s->plan.nsteps == 1 ? "" : "s");
	for (size_t i = 0; i < s->plan.nsteps; i++) {
		char what[320];
		if (s->plan.steps[i].kind != STEP_ADDR_DEL)
			continue;
		step_describe(&s->plan, &s->plan.steps[i], what, sizeof(what));
		printf("  %zu. %s\n", i + 1, what);
	}
}

int takeover_run(const char *profile, struct director_call *call)
{
	/* Knobs the profile does not set cannot stop a takeover (their findings
	 * are warnings verify shows), so they are not read. */
	struct session_options opt = { .lock = true, .expect = EXPECT_BOUND, .managed_knobs_only = true, .order = call->order, .loaded = call->loaded, .nl = call->nl, .resident = call->resident, .keep = call->keep, .canonical = call->canonical };
	struct garp_sender *g = NULL;
	struct execute_result res;
	struct announce_first first;
	struct session s;
	struct vip *held = NULL;
	size_t nheld = 0;
	int status = session_open(&s, profile, &opt);

	if (status != LVSDR_EXIT_OK || s.superseded)
		goto out;
	if (s.want.role != ROLE_DIRECTOR) {
		lvsdr_warnx("%s: takeover is for role = director; a real server never announces its VIPs",
			    profile);
		status = LVSDR_EXIT_ERROR;
		goto out;
	}
	if ((status = takeover_exclude(&s)) != LVSDR_EXIT_OK || (status = takeover_judge(&s)) != LVSDR_EXIT_OK ||
	    (status = privilege_require(true)) != LVSDR_EXIT_OK ||
	    (status = takeover_prepare(&s, call, &g)) != LVSDR_EXIT_OK)
		goto out;
	first = (struct announce_first){ .g = g, .mode = s.want.garp.mode };
	s.on_bound = takeover_bound;
	s.on_bound_arg = &first;
	if (s.plan.nsteps && (status = plan_execute(&s, true, &res)) != LVSDR_EXIT_OK) {
		if (first.vips)
			lvsdr_warnx("%s: %zu VIP%s had been announced before the failure, and frames "
				    "cannot be "
				    "unsent: neighbours may send to this host for them until the old holder announces them "
				    "again or their entries expire",
				    profile, first.vips,
				    first.vips == 1 ? "" : "s");
		goto out;
	}
	held = takeover_held(&s, &nheld);
	takeover_announce_prebound(&s, &first, held, nheld);
	if (!call->quiet)
		takeover_print(&s, nheld);
	/* The VIPs are bound now and stay bound: a failed announcement is 1. */
	if (session_announce(&s, g, held, nheld, call->quiet, &first, call->resident ? 1 : 0) != LVSDR_EXIT_OK) {
		lvsdr_warnx("%s: the VIPs are bound, but neighbours may keep the old MAC until their "
			    "entries expire; run takeover again once %s can send",
			    profile, s.want.ifname);
		status = LVSDR_EXIT_DRIFT;
	}
	if (nheld < s.want.nvips) {
		lvsdr_warnx("%s: took over %zu of %zu VIPs; %zu left out (named above): this host does not "
			    "hold them",
			    profile, nheld, s.want.nvips, s.want.nvips - nheld);
		status = LVSDR_EXIT_DRIFT;
	}
	call->held = held;
	call->nheld = nheld;
	held = NULL;
out:
	free(held);
	if (!call->garp || *call->garp != g)
		garp_close(g);
	session_close(&s);
	return status;
}

int takeover_main(int argc, char **argv)
{
	bool quiet;
	int status = command_line_simple(argc, argv, takeover_usage, &quiet);

	struct director_call call = { .quiet = quiet };

	if (status >= 0)
		return status;
	status = takeover_run(argv[optind], &call);
	free(call.held);
	return status;
}

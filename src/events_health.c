/* lvsdr events' health checks: every [health] interval, the DR check of
 * each tcp and udp service's real servers, through pathcheck's own
 * exchange (a frame to the real server's MAC for VIP:port, as IPVS
 * forwards it); rise and fall counted per service and real server; each
 * change carried into the IPVS table by the engine's plan, as lvsdr drain
 * does, never by a second path. The exchange never blocks the service: a
 * round is a machine (src/pathcheck_run.c) whose socket and deadline join
 * the events loop's poll, so a FIFO event is acted on at once while a round
 * is in flight. [health] quorum: the least live weight of a checked
 * service, judged after each round; the caller's VIPs follow it. */
#include "events_health.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "lvsdr.h"
#include "pathcheck_run.h"
#include "syslog_mirror.h"
#include "util.h"

/* Probes sent again within the timeout: a lost frame is not a failure. */
#define LVSDR_HEALTH_RETRIES 2

static void target_hold(const struct health_target *t, struct host *want)
{
	want->services[t->svc].dests[t->dest].hold = !t->st.down			    ? IPVS_HOLD_NONE
						     : want->health.action == HEALTH_REMOVE ? IPVS_HOLD_REMOVED
											    : IPVS_HOLD_WEIGHT0;
}

static const struct health_state *state_before(const struct events_health *old, const struct health_target *t)
{
	for (size_t i = 0; i < old->n; i++)
		if (!strcmp(old->t[i].service, t->service) && ipaddr_equal(&old->t[i].ip, &t->ip))
			return &old->t[i].st;
	return NULL;
}

/* The round in flight, dropped: its job points into the profile. */
static void round_drop(struct events_health *eh)
{
	pathcheck_free(eh->m);
	eh->m = NULL;
	pathcheck_services_free(&eh->ps);
}

enum quorum_change events_health_init(struct events_health *eh, struct host *want)
{
	struct events_health old;

	round_drop(eh);
	old = *eh;
	memset(eh, 0, sizeof(*eh));
	eh->rounds = old.rounds;
	/* The VIPs stay as the quorum left them until the next round judges. */
	eh->quorum_set = want->health.enabled && want->health.quorum_line;
	eh->quorum_lost = old.quorum_lost && eh->quorum_set;
	snprintf(eh->quorum_why, sizeof(eh->quorum_why), "%s", old.quorum_why);
	/* The order of pathcheck_services_collect(): its targets are ours. */
	for (size_t s = 0; want->health.enabled && s < want->nservices; s++) {
		const struct ipvs_service *svc = &want->services[s];
		if (pathcheck_service_skipped(svc) || !svc->ndests)
			continue;
		eh->t = xreallocarray(eh->t, eh->n + svc->ndests, sizeof(*eh->t));
		for (size_t i = 0; i < svc->ndests; i++) {
			struct health_target *t = &eh->t[eh->n++];
			const struct health_state *before;
			*t = (struct health_target){ .svc = s, .dest = i, .ip = svc->dests[i].ip, .weight = svc->dests[i].weight };
			snprintf(t->service, sizeof(t->service), "%s", svc->name);
			if ((before = state_before(&old, t)))
				t->st = *before;
			t->pending = true;
			target_hold(t, want);
		}
	}
	eh->next_ns = monotonic_ns();
	free(old.t);
	if (!old.quorum_lost || eh->quorum_lost)
		return QUORUM_SAME;
	snprintf(eh->quorum_why, sizeof(eh->quorum_why), "no quorum in the profile read again");
	return QUORUM_MET;
}

void events_health_free(struct events_health *eh)
{
	round_drop(eh);
	free(eh->t);
	memset(eh, 0, sizeof(*eh));
}

int events_health_wait_ms(const struct events_health *eh)
{
	if (eh->m)
		return ms_until(pathcheck_wake_ns(eh->m), monotonic_ns());
	return eh->n ? ms_until(eh->next_ns, monotonic_ns()) : -1;
}

int events_health_fd(const struct events_health *eh)
{
	return eh->m ? pathcheck_fd(eh->m) : -1;
}

/* Whether step st changes a real server whose state the table has yet to
 * take, or one held out (an apply by hand may have put it back). */
static bool step_health(const struct events_health *eh, const struct host *want, const struct plan *p,
			const struct step *st)
{
	const struct ipvs_change *c = st->kind == STEP_IPVS ? &p->ipvs[st->ipvs].change : NULL;

	if (!c || (c->op != IPVS_DEST_ADD && c->op != IPVS_DEST_EDIT && c->op != IPVS_DEST_DEL))
		return false;
	/* The sorry server, coming or going (a checked service's only). */
	if (want->health.sorry_line && !c->svc.fwmark && (c->svc.proto == IPPROTO_TCP || c->svc.proto == IPPROTO_UDP) &&
	    ipaddr_equal(&c->dest.ip, &want->health.sorry))
		return true;
	for (size_t i = 0; i < eh->n; i++) {
		const struct health_target *t = &eh->t[i];
		if ((t->pending || t->st.down) && ipaddr_equal(&c->dest.ip, &t->ip) &&
		    !ipvs_service_compare(&c->svc, &want->services[t->svc]))
			return true;
	}
	return false;
}

/* The engine's plan for the table, kept to the health changes: the rest of
 * the host's drift is apply's to mend. 0, or -1 (said). */
static int health_apply(struct events_health *eh, const char *profile, const struct host *want, struct netlink *nl)
{
	struct session_options opt = { .lock = true, .expect = EXPECT_ANY, .ipvs = true, .loaded = want, .nl = nl, .resident = true };
	struct execute_result res;
	struct session s;
	size_t kept = 0;
	int status = session_open(&s, profile, &opt);

	if (status == LVSDR_EXIT_OK && !s.ipvs) {
		/* Said once, not every round, until it changes or is over. */
		if (strcmp(eh->table_why, s.ipvs_why))
			syslog_note("health: the IPVS table was not changed: %s", s.ipvs_why);
		snprintf(eh->table_why, sizeof(eh->table_why), "%s", s.ipvs_why);
		status = LVSDR_EXIT_ERROR;
	}
	if (status == LVSDR_EXIT_OK) {
		for (size_t i = 0; i < s.plan.nsteps; i++)
			if (step_health(eh, want, &s.plan, &s.plan.steps[i]))
				s.plan.steps[kept++] = s.plan.steps[i];
		s.plan.nsteps = kept;
		if (kept)
			status = plan_execute(&s, true, &res);
		if (kept && status == LVSDR_EXIT_OK)
			syslog_note("health: IPVS table: %zu change%s made", kept, kept == 1 ? "" : "s");
		else if (kept)
			syslog_note("health: IPVS table: step %zu of %zu failed: %s (undone; tried again next round)",
				    res.failed_step, kept, res.error);
	}
	session_close(&s);
	if (status != LVSDR_EXIT_OK)
		return -1;
	eh->table_why[0] = '\0';
	for (size_t i = 0; i < eh->n; i++)
		eh->t[i].pending = false;
	return 0;
}

/* [health] sorry: in a service of its family while every real server of
 * it is held out, gone (drained as a removed real server is) once one is
 * back. Returns whether any service changed. */
static bool sorry_update(const struct events_health *eh, struct host *want)
{
	const struct health_policy *hp = &want->health;
	bool changed = false;

	for (size_t s = 0; hp->sorry_line && s < want->nservices; s++) {
		struct ipvs_service *svc = &want->services[s];
		size_t checked = 0, down = 0;
		char text[64], vip[64];
		for (size_t i = 0; i < eh->n; i++)
			if (eh->t[i].svc == s) {
				checked++;
				down += eh->t[i].st.down;
			}
		bool all_down = checked && down == checked;
		if (!checked || svc->ip.family != hp->sorry.family || all_down == svc->sorry_in)
			continue;
		svc->sorry_in = all_down;
		svc->sorry = (struct ipvs_dest){ .ip = hp->sorry, .port = svc->port, .weight = 1, .method = METHOD_DR, .line = hp->sorry_line };
		ipaddr_format(&hp->sorry, text, sizeof(text));
		ipvs_service_format(svc, vip, sizeof(vip));
		syslog_note("health: service %s (%s): sorry server %s %s", svc->name, vip, text,
			    all_down ? "in (every real server is out)" : "leaves (a real server is back)");
		changed = true;
	}
	return changed;
}

/* Count one result; log a change with its reason. */
static bool target_record(struct health_target *t, const struct pathcheck_result *r,
			  struct host *want)
{
	const struct health_policy *hp = &want->health;
	const struct ipvs_service *svc = &want->services[t->svc];
	char rs[64], vip[64];

	snprintf(t->why, sizeof(t->why), "%s%s%s", pathcheck_verdict_names[r->verdict], r->detail[0] ? ": " : "",
		 r->detail);
	if (!health_record(&t->st, r->verdict == PATHCHECK_OPEN, hp->rise, hp->fall))
		return false;
	t->pending = true;
	target_hold(t, want);
	ipaddr_format(&t->ip, rs, sizeof(rs));
	ipvs_service_format(svc, vip, sizeof(vip));
	if (t->st.down)
		syslog_note("health: real server %s of service %s (%s) down after %u failed check%s: %s; %s", rs,
			    t->service, vip, hp->fall, hp->fall == 1 ? "" : "s", t->why,
			    hp->action == HEALTH_REMOVE ? "removed (once its connections end)"
							: "weight 0 (its connections finish)");
	else
		syslog_note("health: real server %s of service %s (%s) up after %u passed check%s: weight %u again", rs,
			    t->service, vip, hp->rise, hp->rise == 1 ? "" : "s", (unsigned)t->weight);
	return true;
}

/* [health] quorum judged on the round's results: said, and returned. */
static enum quorum_change quorum_judge(struct events_health *eh, const struct host *want)
{
	const struct health_policy *hp = &want->health;
	size_t svc = 0;
	uint64_t live = quorum_live_weight(eh->t, eh->n, &svc);
	char vip[64];

	if (!hp->quorum_line || live == UINT64_MAX || !quorum_record(&eh->quorum_lost, live, hp->quorum, hp->hysteresis))
		return QUORUM_SAME;
	ipvs_service_format(&want->services[svc], vip, sizeof(vip));
	if (eh->quorum_lost)
		snprintf(eh->quorum_why, sizeof(eh->quorum_why), "service %s (%s): live real servers weigh %llu, under "
								 "quorum %u - hysteresis %u",
			 want->services[svc].name, vip, (unsigned long long)live, hp->quorum,
			 hp->hysteresis);
	else
		snprintf(eh->quorum_why, sizeof(eh->quorum_why), "every checked service's live real servers weigh at "
								 "least quorum %u + hysteresis %u (least: %llu, service %s)",
			 hp->quorum, hp->hysteresis,
			 (unsigned long long)live, want->services[svc].name);
	return eh->quorum_lost ? QUORUM_LOST : QUORUM_MET;
}

/* The round's machine, begun; said when it cannot be (not counted). */
static void round_start(struct events_health *eh, struct host *want)
{
	struct pathcheck_job job = { .timeout_ms = want->health.timeout_ms, .retries = LVSDR_HEALTH_RETRIES, .keep_net_raw = true, .vips = want->vips, .nvips = want->nvips };
	char err[512];

	eh->next_ns = monotonic_ns() + (uint64_t)want->health.interval_ms * 1000000ull;
	pathcheck_services_collect(want, NULL, 0, &eh->ps);
	snprintf(job.ifname, sizeof(job.ifname), "%s", want->ifname);
	job.realservers = eh->ps.realservers;
	job.nrealservers = eh->ps.nrealservers;
	job.ports = eh->ps.ports;
	job.nports = eh->ps.nports;
	job.targets = eh->ps.targets;
	job.ntargets = eh->ps.ntargets;
	if (eh->ps.ntargets != eh->n)
		syslog_note("health: %zu checks for %zu real servers: not run (internal error)", eh->ps.ntargets, eh->n);
	else if (pathcheck_start(&job, &eh->m, err, sizeof(err)) < 0)
		/* Our own failure says nothing of the real servers: not counted. */
		syslog_note("health: round %lu not run: %s", eh->rounds + 1, err);
	if (!eh->m)
		pathcheck_services_free(&eh->ps);
}

/* The round done (res NULL: it failed, said): count, mend the table. */
static enum quorum_change round_finish(struct events_health *eh, const char *profile, struct host *want,
				       struct netlink *nl, const struct pathcheck_result *res, size_t n)
{
	enum quorum_change qc = QUORUM_SAME;
	bool apply = false;

	if (res) {
		eh->rounds++;
		for (size_t i = 0; i < n && i < eh->n; i++)
			target_record(&eh->t[i], &res[i], want);
		apply = sorry_update(eh, want);
		qc = quorum_judge(eh, want);
	}
	for (size_t i = 0; i < eh->n; i++)
		apply |= eh->t[i].pending || eh->t[i].st.down;
	if (apply)
		health_apply(eh, profile, want, nl);
	return qc;
}

enum quorum_change events_health_run(struct events_health *eh, const char *profile, struct host *want,
				     struct netlink *nl)
{
	struct pathcheck_result *res = NULL;
	enum quorum_change qc;
	size_t n = 0;
	char err[512];
	int ret;

	if (!eh->m && eh->n && monotonic_ns() >= eh->next_ns) {
		round_start(eh, want);
		if (!eh->m)
			return round_finish(eh, profile, want, nl, NULL, 0);
	}
	if (!eh->m || (ret = pathcheck_step(eh->m, err, sizeof(err))) == 0)
		return QUORUM_SAME;
	if (ret < 0)
		syslog_note("health: round %lu not run: %s", eh->rounds + 1, err);
	else
		res = pathcheck_results(eh->m, &n);
	round_drop(eh);
	qc = round_finish(eh, profile, want, nl, res, n);
	free(res);
	return qc;
}

#include "engine.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "garp.h"
#include "privilege.h"
#include "probe.h"

#include "exit_status.h"
#include "progname.h"
#include "profile.h"
#include "state.h"
#include "syslog_mirror.h"
#include "util.h"

void session_mark_drained(struct session *s)
{
	for (size_t i = 0; i < s->want.nservices; i++)
		for (size_t j = 0; j < s->want.services[i].ndests; j++) {
			struct ipvs_dest *d = &s->want.services[i].dests[j];
			d->drained = drained_has(&s->drained, &d->ip);
		}
}

/* The IPVS side of a session: the record of what lvsdr owns there, the
 * drained list, and the generic netlink socket. A director whose profile
 * has no service and that owns none never opens the socket, so a kernel
 * without IPVS is no concern of its. -1 with a message printed. */
static int session_open_ipvs(struct session *s, const struct session_options *opt)
{
	char err[512];
	int ret;

	s->adopt = opt->adopt;
	if (owned_ipvs_load(&s->owned_ipvs, &s->owned, err, sizeof(err)) < 0 ||
	    drained_load(&s->drained, err, sizeof(err)) < 0) {
		snprintf(s->error, sizeof(s->error), "%s", err);
		lvsdr_warnx("%s", s->error);
		return -1;
	}
	session_mark_drained(s);
	if (!s->want.nservices && !s->owned_ipvs.nservices)
		return 0;
	s->ipvs_wanted = true;
	ret = ipvs_netlink_open(&s->ipvs, err, sizeof(err));
	if (ret == -ENOENT) {
		snprintf(s->ipvs_why, sizeof(s->ipvs_why), "%s", err);
		return 0;
	}
	if (ret < 0) {
		snprintf(s->error, sizeof(s->error), "%s", err);
		lvsdr_warnx("%s", s->error);
		return -1;
	}
	return 0;
}

/* Print why the session cannot go on, and keep it in s->error. */
static int session_fail(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int session_fail(struct session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
	lvsdr_warnx("%s", s->error);
	return LVSDR_EXIT_ERROR;
}

/* A record entry whose address is gone: named, then dropped. */
static void prune_note(const struct live_addr *e, void *arg)
{
	const struct session *s = arg;
	char text[INET6_ADDRSTRLEN];

	ipaddr_format(&e->ip, text, sizeof(text));
	lvsdr_warnx("note: %s: dropped %s%s %s/%u%s%s%s from the ownership record: the kernel does not "
		    "hold it "
		    "(a run killed before binding it, or removed by hand)",
		    s->owned.path,
		    e->route ? "the local route on " : "", e->ifname, text, e->ip.prefix, e->owner ? " (bound for " : "", e->owner ? e->owner : "", e->owner ? ")" : "");
}

/* Under the lock, once: the record forgets the addresses the kernel does
 * not hold, and names this profile as the owner of the addresses lvsdr
 * bound that it lists while no record said whose they were. Written at
 * once, so a run with nothing else to do leaves the record tidy too. */
static int session_tidy_record(struct session *s)
{
	char err[512];

	owned_prune(&s->owned, prune_note, s);
	for (size_t i = 0; i < s->live.naddrs; i++)
		if (s->live.addrs[i].owned && !s->live.addrs[i].owner)
			owned_add(&s->owned, &s->live.addrs[i]);
	if (owned_save(&s->owned, err, sizeof(err)) < 0) {
		lvsdr_warnx("%s; nothing changed", err);
		return LVSDR_EXIT_ERROR;
	}
	return LVSDR_EXIT_OK;
}

/* The profile's canonical path, the name its entries carry in the record. */
static int session_owner(struct session *s)
{
	char err[PATH_MAX + 128], *real = s->canonical ? xstrdup(s->canonical) : realpath(s->profile, NULL);
	int ret;

	if (!real) {
		lvsdr_warnx("%s: cannot resolve the path: %s", s->profile, strerror(errno));
		return LVSDR_EXIT_ERROR;
	}
	ret = owned_set_profile(&s->owned, real, err, sizeof(err));
	free(real);
	if (ret < 0) {
		lvsdr_warnx("%s", err);
		return LVSDR_EXIT_ERROR;
	}
	return LVSDR_EXIT_OK;
}

/* The lock, the caller's kept file or one of the run's own. 0, or -1
 * with the reason printed. */
static int session_lock(struct session *s, const struct session_options *opt)
{
	char err[512];

	s->lock_kept = opt->keep != NULL;
	s->lock_fd = s->lock_kept ? owned_lock_kept(&s->owned, opt->keep, LVSDR_LOCK_TIMEOUT_MS, err, sizeof(err))
				  : owned_lock(&s->owned, LVSDR_LOCK_TIMEOUT_MS, err, sizeof(err));
	if (s->lock_fd < 0) {
		s->lock_fd = -1;
		session_fail(s, "%s; nothing changed", err);
		return -1;
	}
	mark_note("lock");
	return 0;
}

int session_open(struct session *s, const char *profile, const struct session_options *opt)
{
	char err[512];
	int status;

	memset(s, 0, sizeof(*s));
	s->profile = profile;
	s->lock_fd = -1;
	s->resident = opt->resident;
	s->canonical = opt->canonical;
	if (opt->loaded) {
		/* Judged when it was read; only the VIPs' flags change per run. */
		s->want = *opt->loaded;
		s->want.vips = xcalloc(s->want.nvips ? s->want.nvips : 1, sizeof(*s->want.vips));
		memcpy(s->want.vips, opt->loaded->vips, s->want.nvips * sizeof(*s->want.vips));
		s->want_borrowed = true;
	} else if (profile_load_report(profile, &s->want, s->error, sizeof(s->error)) != 0) {
		return LVSDR_EXIT_ERROR;
	} else if (opt->lock && geteuid() == 0 && profile_trusted(profile, &s->want.source, err, sizeof(err)) < 0) {
		return session_fail(s, "%s; nothing changed", err);
	}
	s->want.managed_knobs_only = opt->managed_knobs_only;
	if (opt->expect >= 0)
		s->want.expect = (enum vip_expect)opt->expect;
	if (opt->boot && s->want.role == ROLE_DIRECTOR) {
		/* At boot the VIPs of a director belong to its HA manager: bound
		 * on both directors they would be a duplicate address. */
		s->knobs_only = true;
		s->want.nvips = 0; /* the array stays for host_free() */
	}
	if (opt->release) {
		s->want.expect = EXPECT_ABSENT;
		for (int k = 0; k < KNOB_COUNT; k++)
			memset(s->want.knobs[k].present, 0, sizeof(s->want.knobs[k].present));
	}
	if (opt->nl) {
		s->nl = opt->nl;
		s->nl_borrowed = true;
	} else if (netlink_open(&s->nl, err, sizeof(err)) < 0) {
		return session_fail(s, "%s", err);
	}
	/* Without CAP_NET_ADMIN a run can change nothing: it takes no lock
	 * (the lock file is root's), finds whether there is work to do, and
	 * privilege_require() stops it there, naming the capability. */
	owned_init(&s->owned);
	if (opt->lock && privilege_net_admin()) {
		if (session_lock(s, opt) < 0)
			return LVSDR_EXIT_ERROR;
		/* Whoever waited for the lock, an older event gives way to a newer. */
		if (opt->order && opt->order->superseded(opt->order->arg)) {
			s->superseded = true;
			return LVSDR_EXIT_OK;
		}
	}
	/* Read under the lock (the run before us may have changed the record),
	 * and once: a record of 10,000 VIPs costs a no-op apply 2 ms a read. */
	if (owned_load(&s->owned, err, sizeof(err)) < 0)
		return session_fail(s, "%s", err);
	mark_note("record read");
	if (opt->ipvs && s->want.role == ROLE_DIRECTOR && session_open_ipvs(s, opt) < 0)
		return LVSDR_EXIT_ERROR;
	if (s->owned.warning[0])
		lvsdr_warnx("warning: %s", s->owned.warning);
	if ((status = session_owner(s)) != LVSDR_EXIT_OK)
		return status;
	mark_note("owner");
	/* A director going by its role binds only the VIPs no other host
	 * answers for: a backup must never grab them (takeover, notify and
	 * --state ask for a state, and get it). */
	s->probe_peers = s->want.role == ROLE_DIRECTOR && opt->expect < 0 && !opt->release && !s->knobs_only &&
			 s->want.nvips;
	/* A run that will refuse (blocked findings) changes nothing, not even
	 * the record: the next run that goes ahead tidies it. */
	if ((status = session_replan(s)) != LVSDR_EXIT_OK || s->lock_fd < 0 || s->plan.blocked)
		return status;
	status = session_tidy_record(s);
	mark_note("tidy");
	return status;
}

static void session_probe_peers(struct session *s)
{
	s->holders = xcalloc(s->want.nvips, sizeof(*s->holders));
	if (probe_vip_holders(&s->want, &s->live, s->holders, s->probe_error, sizeof(s->probe_error)) < 0) {
		free(s->holders);
		s->holders = NULL;
		if (!s->probe_error[0])
			snprintf(s->probe_error, sizeof(s->probe_error), "the probe failed");
	}
}

static bool plan_has_missing(const struct plan *p)
{
	for (size_t i = 0; i < p->nvips; i++)
		if (!strcmp(p->vips[i].state, "missing"))
			return true;
	return false;
}

int session_replan(struct session *s)
{
	char err[512];

	if (s->planned) {
		plan_free(&s->plan);
		host_free(&s->live);
		s->planned = false;
	}
	if (state_read(&s->want, s->nl, &s->owned, &s->live, err, sizeof(err)) < 0)
		return session_fail(s, "%s: %s", s->profile, err);
	mark_note("state");
	if (ranges_lint(&s->want, &s->live, s->profile, stderr))
		return session_fail(s, "%s: a range covers the segment's addresses; nothing changed", s->profile);
	if (s->knobs_only)
		s->live.naddrs = 0; /* host_free() still frees them */
	if (s->ipvs_wanted && state_read_ipvs(&s->want, s->ipvs, s->ipvs_why, &s->owned_ipvs, s->adopt, &s->live, err,
					      sizeof(err)) < 0) {
		lvsdr_warnx("%s: %s", s->profile, err);
		return LVSDR_EXIT_ERROR;
	}
	if (s->probe_peers && !s->holders && !s->probe_error[0])
		session_probe_peers(s);
	s->live.holders = s->holders;
	plan_compute(&s->want, &s->live, &s->plan);
	s->planned = true;
	mark_note("plan");
	if (s->probe_error[0] && !s->probe_warned && plan_has_missing(&s->plan)) {
		lvsdr_warnx("warning: %s: cannot tell whether another director holds the VIPs: %s",
			    s->profile, s->probe_error);
		s->probe_warned = true;
	}
	return LVSDR_EXIT_OK;
}

/* The lock given up: a kept file stays open for the next run. */
static void session_unlock(struct session *s)
{
	if (s->lock_fd >= 0 && s->lock_kept)
		owned_unlock_kept(s->lock_fd);
	else if (s->lock_fd >= 0)
		close(s->lock_fd);
	s->lock_fd = -1;
}

void session_close(struct session *s)
{
	if (s->planned)
		plan_free(&s->plan);
	if (s->want_borrowed)
		free(s->want.vips);
	else
		host_free(&s->want);
	host_free(&s->live);
	owned_free(&s->owned);
	owned_ipvs_free(&s->owned_ipvs);
	drained_free(&s->drained);
	if (s->ipvs) {
		/* A test hook (make bench): how many IPVS requests this run cost,
		 * so a one-weight change can be shown to cost one. */
		const char *stats = getenv("LVSDR_STATS");
		if (stats && strcmp(stats, "1") == 0)
			fprintf(stderr, "ipvs: %lu requests (%lu changes)\n", ipvs_netlink_requests(s->ipvs),
				ipvs_netlink_changes(s->ipvs));
		ipvs_netlink_close(s->ipvs);
	}
	free(s->holders);
	if (!s->nl_borrowed)
		netlink_close(s->nl);
	session_unlock(s);
	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
}

static void sleep_until(uint64_t deadline_ns)
{
	for (uint64_t now; (now = monotonic_ns()) < deadline_ns;) {
		struct timespec ts = { (time_t)((deadline_ns - now) / 1000000000ull),
				       (long)((deadline_ns - now) % 1000000000ull) };
		nanosleep(&ts, NULL);
	}
}

/* Keep the VIPs that are still bound on the NIC: a release may have run
 * between two rounds, and announcing an address we gave up would pull its
 * traffic to a host that drops it. */
size_t session_still_bound(const struct host *live, const struct vip *vips, size_t n, struct vip *out)
{
	size_t kept = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < live->naddrs; j++) {
			const struct live_addr *a = &live->addrs[j];
			if (ipaddr_equal(&a->ip, &vips[i].ip) &&
			    a->ifindex == live->ifindex) {
				out[kept++] = vips[i];
				break;
			}
		}
	return kept;
}

/* Each VIP announced, for the log: its first frames leave right after, or
 * (a takeover) left as it was bound. */
static void announce_log(const struct session *s, const struct vip *vips, size_t n)
{
	char text[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < n && syslog_mirror_active(); i++) {
		ipaddr_format(&vips[i].ip, text, sizeof(text));
		syslog_note("%s: announcing %s on %s", s->profile, text, s->want.ifname);
	}
}

void session_announce_first(struct announce_first *a, const struct vip *vips, size_t n)
{
	int ret;

	if (a->error || !n)
		return;
	a->last_ns = monotonic_ns();
	if ((ret = garp_round(a->g, vips, n, a->mode)) < 0) {
		a->error = ret;
		return;
	}
	mark_note("frame");
	a->frames += ret;
	a->vips += n;
}

unsigned announce_rounds(const struct garp_policy *policy)
{
	return (policy->refresh_ms ? 2 : 1) * policy->count;
}

uint64_t announce_round_at(const struct garp_policy *policy, unsigned r)
{
	return (uint64_t)(r / policy->count) * policy->refresh_ms * 1000000ull +
	       (uint64_t)(r % policy->count) * policy->interval_ms * 1000000ull;
}

/* Round one goes at once (or went, batch by batch, as the VIPs were bound),
 * under the lock this run already holds. Later rounds (interval, then the
 * refresh burst) may come seconds or minutes later: between rounds the
 * lock is free, so a release (keepalived going BACKUP) never waits on our
 * announcements; each later round takes the lock, re-reads the kernel and
 * announces only what is still bound. */
int session_announce(struct session *s, struct garp_sender *g, const struct vip *vips, size_t n, bool quiet,
		     const struct announce_first *sent, unsigned rounds)
{
	const struct garp_policy *policy = &s->want.garp;
	static const char *const modes[] = { "request", "reply", "both" };
	unsigned planned = announce_rounds(policy), r = 0;
	size_t first = n;
	uint64_t start = sent ? sent->last_ns : monotonic_ns();
	struct vip *current;
	long frames = sent ? sent->frames : 0;
	int ret = sent ? sent->error : 0;
	char err[512];

	if (!n)
		return LVSDR_EXIT_OK;
	if (!rounds || rounds > planned)
		rounds = planned;
	current = xcalloc(n, sizeof(*current));
	memcpy(current, vips, n * sizeof(*current));
	announce_log(s, vips, n);
	for (; r < rounds && n && ret >= 0; r++) {
		if (!r && sent)
			continue; /* round one left as the VIPs were bound */
		if (r) {
			session_unlock(s);
			sleep_until(start + announce_round_at(policy, r));
			s->lock_kept = false; /* a file of its own from here */
			s->lock_fd = owned_lock(&s->owned, LVSDR_LOCK_TIMEOUT_MS, err, sizeof(err));
			if (s->lock_fd < 0 || session_replan(s) != LVSDR_EXIT_OK) {
				lvsdr_warnx("%s: announcements stopped after %u round%s: %s",
					    s->profile, r, r == 1 ? "" : "s", s->lock_fd < 0 ? err : "cannot read the state again");
				break;
			}
			n = session_still_bound(&s->live, current, n, current);
			if (!n)
				break;
		}
		if ((ret = garp_round(g, current, n, policy->mode)) < 0)
			break;
		frames += ret;
	}
	free(current);
	if (ret < 0) {
		lvsdr_warnx("%s: announcing on %s: %s", s->profile, s->want.ifname,
			    strerror(-ret));
		return LVSDR_EXIT_ERROR;
	}
	if (!quiet && rounds < planned)
		printf("announced %zu VIP%s on %s: %ld frames (round 1 of %u, %s; the others follow)\n", first,
		       first == 1 ? "" : "s", s->want.ifname, frames, planned, modes[policy->mode]);
	else if (!quiet)
		printf("announced %zu VIP%s on %s: %ld frames (%u round%s of %s, %u ms apart%s)\n", first,
		       first == 1 ? "" : "s", s->want.ifname, frames, policy->count, policy->count == 1 ? "" : "s",
		       modes[policy->mode], policy->interval_ms,
		       policy->refresh_ms ? ", then again after the refresh delay" : "");
	if (!quiet && r < rounds && s->lock_fd >= 0)
		printf("stopped after %u of %u rounds: no VIP of this run is bound any more (released meanwhile)\n",
		       r, planned);
	return LVSDR_EXIT_OK;
}

/* One code path for verify, apply and the director commands: load the
 * profile, read the live state, compute the plan; apply then executes it. */
#ifndef LVSDR_ENGINE_H
#define LVSDR_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "rtnetlink.h"
#include "host.h"
#include "ipvs_netlink.h"
#include "owned.h"
#include "owned_ipvs.h"
#include "plan.h"

/* notify: whether a newer event for the profile has arrived since this
 * run started. Asked once the lock is held, before the state is read;
 * true ends the session there, nothing changed (session.superseded). */
struct session_order {
	bool (*superseded)(void *arg);
	void *arg;
};

struct session_options {
	bool lock;			   /* commands that change state serialise */
	const struct session_order *order; /* NULL: no order to keep */
	bool release;			   /* VIPs absent, knobs left alone */
	int expect;			   /* enum vip_expect, or -1 for the role's own */
	bool boot;			   /* apply --boot: a director's plan holds its knobs only */
	bool ipvs;			   /* judge and change the IPVS table (apply, verify) */
	bool adopt;			   /* apply --adopt: services on the profile's keys become lvsdr's */
	/* takeover: read only the knobs the profile sets (host.managed_knobs_only):
	 * a director that sets none reads 1 file of /proc/sys, not 20. */
	bool managed_knobs_only;
	/* lvsdr events: the profile as read and checked at start (or SIGHUP),
	 * not read again; the session works on its own copy of the VIPs. */
	const struct host *loaded;
	/* lvsdr events: its rtnetlink socket, kept open across runs (NULL:
	 * the session opens its own and closes it). */
	struct netlink *nl;
	/* lvsdr events: SIGTERM, SIGINT and SIGHUP are the caller's, answered
	 * once the run is over; they never abort a plan half-way. */
	bool resident;
	/* lvsdr events: the lock file kept open between runs and locked per
	 * run, and the record's next file made ahead (struct owned_keep);
	 * NULL: the session opens and makes its own. */
	struct owned_keep *keep;
	/* lvsdr events: the profile's canonical path, resolved when it was
	 * read; NULL: realpath() of profile now. */
	const char *canonical;
};

#define LVSDR_LOCK_TIMEOUT_MS 30000

struct session {
	const char *profile;
	int lock_fd;
	struct host want, live;
	struct netlink *nl;
	struct owned_set owned;
	struct plan plan;
	bool planned;
	bool knobs_only; /* VIPs neither judged nor touched */
	/* The IPVS table, for the commands that judge it */
	bool ipvs_wanted, adopt;
	struct ipvs_netlink *ipvs; /* NULL: not read (see ipvs_why) */
	char ipvs_why[512];
	struct owned_ipvs owned_ipvs;
	struct drained_set drained;
	bool superseded;       /* session_order said so: nothing read, nothing to do */
	bool want_borrowed;    /* want is session_options.loaded's, but for its vips */
	bool nl_borrowed;      /* nl is session_options.nl */
	bool resident;	       /* session_options.resident */
	bool lock_kept;	       /* lock_fd is session_options.keep's: unlocked, not closed */
	const char *canonical; /* session_options.canonical */
	/* A director planning by its role (apply, verify without --state):
	 * who else answers for each VIP, probed once per session. */
	bool probe_peers;
	struct vip_holder *holders;
	char probe_error[256]; /* why the probe failed; "" when it ran */
	bool probe_warned;
	/* Why session_open() or session_replan() failed, as printed on
	 * stderr: a report of one line (a plugin's) says it too. */
	char error[512];
	/* Called by plan_execute() after each batch of binds the kernel took,
	 * before the next batch goes (a takeover announces them at once);
	 * NULL: the binds go in as few batches as possible. */
	void (*on_bound)(void *arg, const struct step *steps, size_t n);
	void *on_bound_arg;
};

/* Mark the profile's real servers that `lvsdr drain` holds at weight 0. */
void session_mark_drained(struct session *s);

/* Load, read and plan. Prints what went wrong; returns an lvsdr exit code
 * (0 when the session is ready). */
int session_open(struct session *s, const char *profile, const struct session_options *opt);
/* Re-read the live state and plan again (after changes). */
int session_replan(struct session *s);
void session_close(struct session *s);

struct execute_result {
	size_t done;	    /* steps carried out */
	size_t failed_step; /* 1-based; 0 when all succeeded */
	char error[256];
	size_t rollback_failures;
	size_t vanished; /* changes that went away with a deleted interface */
};

/* Carry out s->plan.steps in order; on failure undo every step already
 * done, in reverse. Returns an lvsdr exit code and prints progress. */
int plan_execute(struct session *s, bool quiet, struct execute_result *result);

struct garp_sender;

/* Round one of the announcements, sent batch by batch as the VIPs are
 * bound (a takeover's first frame leaves after one bind, not after all). */
struct announce_first {
	struct garp_sender *g;
	enum garp_mode mode;
	long frames;
	size_t vips;	  /* VIPs announced so far */
	int error;	  /* the first send that failed (-errno): nothing more is sent */
	uint64_t last_ns; /* when the last batch's round began: later rounds count from it */
};
/* Round one for vips now; a failure is kept in a->error, not returned. */
void session_announce_first(struct announce_first *a, const struct vip *vips, size_t n);

/* Announce vips now, with the profile's GARP policy; prints a line. With
 * first, round one was sent already (session_announce_first()) and the
 * later rounds keep their schedule from first->last_ns. rounds: how many
 * of the policy's rounds to send in all (0: every one, sleeping between
 * them); lvsdr events sends the first only and the rest from its poll
 * loop, so that no event waits on them. */
int session_announce(struct session *s, struct garp_sender *g, const struct vip *vips, size_t n, bool quiet,
		     const struct announce_first *first, unsigned rounds);
/* The policy's rounds in all, and when round r (0-based) is due, in
 * nanoseconds after the first. */
unsigned announce_rounds(const struct garp_policy *policy);
uint64_t announce_round_at(const struct garp_policy *policy, unsigned r);
/* Keep those of vips still bound on the NIC of live, in out (which may be
 * vips); returns how many. */
size_t session_still_bound(const struct host *live, const struct vip *vips, size_t n, struct vip *out);

#endif

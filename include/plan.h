/* Desired state (profile) against live state (kernel) gives a plan: a
 * verdict for every knob and VIP, and the ordered changes that would make
 * the live state match. verify prints it, apply carries it out. */
#ifndef LVSDR_PLAN_H
#define LVSDR_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "host.h"
#include "ipvs_netlink.h"

/* Ordered by severity: a VIP's verdict is the worst of its findings. */
enum verdict {
	VERDICT_OK,
	VERDICT_WARN,	 /* differs; nothing lvsdr writes, so the operator must (e.g. conf/default) */
	VERDICT_DRIFT,	 /* differs; apply fixes it */
	VERDICT_BLOCKED, /* differs; apply will not fix it (not ours, or outside its scope) */
};

struct knob_report {
	bool managed; /* the profile sets this knob */
	int want;
	bool readable; /* all and dev could be read */
	int effective; /* max(all, dev), or all || dev for filter */
	enum verdict verdict;
	char detail[256]; /* why, naming the sysctl that causes it */
};

struct vip_report {
	const struct vip *vip;
	int target_ifindex;
	enum verdict verdict;
	const char *state; /* "bound", "missing", "wrong-prefix", "elsewhere", "absent",
				"held-by-peer" (ok: a backup's), "conflict" (bound here and there) */
	char *detail;	   /* NULL when there is nothing to say: one per VIP, 10,000s of them */
};

/* Findings that are about neither one knob nor one VIP. */
struct extra_finding {
	enum verdict verdict;
	char subject[64];
	char detail[256];
};

/* Steps run in this order: removals, then sysctls, then additions, so a
 * VIP is never bound while the knobs still let the host answer ARP for it,
 * and never left bound while they are being relaxed. */
enum step_kind { STEP_ADDR_DEL,
		 STEP_SYSCTL,
		 STEP_ADDR_ADD,
		 STEP_IPVS };

/* What an IPVS step changes in lvsdr's own record once it is done. */
enum ipvs_mark { MARK_NONE,
		 MARK_DRAIN_START,
		 MARK_DRAIN_END };

struct step {
	enum step_kind kind;
	enum arp_knob knob; /* STEP_SYSCTL */
	enum scope scope;
	int from, to;
	struct live_addr addr; /* STEP_ADDR_*: ifindex, ifname, family, addr, prefix, label */
	size_t ipvs;	       /* STEP_IPVS: index into plan.ipvs */
};

/* An IPVS step's payload, kept apart so that the 10,000 address steps of a
 * large apply stay small: the change, the one that undoes it, and what the
 * record learns once it is done. */
struct ipvs_step {
	struct ipvs_change change, undo;
	enum ipvs_mark mark;
};

struct plan {
	const struct host *want, *live;
	struct knob_report knobs[KNOB_COUNT];
	struct vip_report *vips;
	size_t nvips;
	struct vip_report *ranges; /* one per [vip] range: its local route on lo */
	size_t nranges;
	struct extra_finding *extras;
	size_t nextras, extras_cap;
	struct step *steps;
	size_t nsteps, steps_cap;
	struct ipvs_step *ipvs;
	size_t nipvs, ipvs_cap;
	size_t drift, blocked, warned; /* counts of findings by verdict */
	size_t excluded;	       /* blocked VIPs left out of the run (vip.excluded) */
};

void plan_compute(const struct host *want, const struct host *live, struct plan *plan);
void plan_free(struct plan *plan);
bool plan_in_sync(const struct plan *plan);
/* Takeover: leave every blocked VIP out of the plan (the caller replans);
 * returns how many were newly left out. */
size_t plan_exclude_blocked(const struct plan *plan, struct host *want);
/* A finding from outside the plan (verify's boot configuration check),
 * counted like the plan's own; the caller fills in its detail. */
struct extra_finding *plan_add_finding(struct plan *plan, enum verdict verdict, const char *subject);
/* The same, uncounted: for a finding whose verdict the caller counts itself
 * (plan_count_verdict), as the knobs' do. */
struct extra_finding *plan_finding_push(struct plan *p, enum verdict verdict, const char *subject);
/* A new step at the end of the plan (plan_compute orders them by kind). */
struct step *plan_step_push(struct plan *plan, enum step_kind kind);
/* Count a finding's verdict in drift, blocked or warned. */
void plan_count_verdict(struct plan *plan, enum verdict v);
/* One ARP knob's steps and findings, src/plan_knobs.c: before the VIPs. */
void plan_knob(struct plan *plan, enum arp_knob k);
/* The ranges' local routes, src/plan_range.c: after the VIPs. */
void plan_ranges(struct plan *plan);
/* Ranges that would cut the host off its segment (its subnet, own
 * address, a gateway or a neighbour), each printed as profile:line;
 * returns how many. Not for a release, which only removes. */
size_t ranges_lint(const struct host *want, const struct host *live, const char *profile, FILE *out);
/* The IPVS part of the plan, src/plan_ipvs.c. */
void plan_ipvs(struct plan *plan);
#define LVSDR_DRAIN_MS_DEFAULT 300000u

/* Printing, src/plan_print.c. */
#define VERDICT_COUNT (VERDICT_BLOCKED + 1)
extern const char *const verdict_words[VERDICT_COUNT]; /* "ok", "warn", "drift", "blocked" */
/* s as a JSON string, quoted and escaped. */
void json_string(FILE *out, const char *s);
/* The start of the JSON object of probe and pathcheck, left open:
 * {"schema":1,"profile":PROFILE or null,"interface":IFNAME */
void json_open(FILE *out, const char *profile, const char *ifname);
void step_describe(const struct plan *plan, const struct step *step, char *buf, size_t len);
void plan_print_text(const struct plan *plan, const char *profile, bool verbose, FILE *out);
/* result: NULL for verify; apply's outcome otherwise. */
void plan_print_json(const struct plan *plan, const char *profile, const char *result, FILE *out);

#endif

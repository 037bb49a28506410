/* The plan for the five ARP knobs: each scope's value against the
 * profile's, the effective value the kernel derives (max or OR of all and
 * the NIC), and the findings that explain a misplaced one. From plan.c,
 * whose plan_compute() calls plan_knob() for each knob first. */
#include "plan.h"

#include <stdio.h>
#include <string.h>

#include "nic.h"
#include "util.h"

static const char *scope_label(enum scope s, const char *ifname)
{
	return s == SCOPE_DEV ? ifname : scope_names[s];
}

/* Explain an effective value by the sysctl that produces it. */
static void explain_effective(enum arp_knob k, const struct knob_values *kv, const char *ifname, char *buf,
			      size_t len)
{
	const char *name = knob_table[k].sysctl;
	int all = kv->value[SCOPE_ALL], dev = kv->value[SCOPE_DEV];

	switch (knob_effective_source(k, all, dev)) {
	case SCOPE_ALL:
		snprintf(buf, len, "conf/all/%s = %d makes it %d (conf/%s/%s = %d)", name, all,
			 knob_effective(k, all, dev), ifname, name, dev);
		break;
	case SCOPE_DEV:
		snprintf(buf, len, "conf/%s/%s = %d makes it %d (conf/all/%s = %d)", ifname, name, dev,
			 knob_effective(k, all, dev), name, all);
		break;
	default:
		snprintf(buf, len, "conf/all/%s and conf/%s/%s are both %d", name, ifname, name, all);
		break;
	}
}

/* What a knob below the profile's value in one place lets happen, once
 * that place decides the effective value. */
static const char *const knob_consequence[KNOB_COUNT] = {
	[KNOB_IGNORE] = "the host answers ARP for the VIPs",
	[KNOB_ANNOUNCE] = "the host may send ARP with a VIP as sender and pull the VIP's traffic to itself",
	[KNOB_FILTER] = "arp_filter no longer applies",
	[KNOB_ACCEPT] = "gratuitous ARP no longer creates neighbour entries",
	[KNOB_NOTIFY] = "link changes are no longer announced",
};

/* The effective value is right, but not every place the scope writes
 * holds the profile's value: right only while the other place stays as it
 * is. conf/all is what protects a NIC created or re-created later (its own
 * knobs start from conf/default); the NIC's own value is what protects it
 * once conf/all is lowered. */
static void knob_misplaced(struct plan *p, enum arp_knob k)
{
	const struct knob_values *want = &p->want->knobs[k], *live = &p->live->knobs[k];
	struct knob_report *r = &p->knobs[k];
	const char *ifname = p->want->ifname, *name = knob_table[k].sysctl;
	size_t used = 0;

	for (int s = SCOPE_ALL; s <= SCOPE_DEV && used < sizeof(r->detail); s++) {
		/* A value outside the meaningful range has its finding already. */
		if (!want->present[s] || live->value[s] == r->want || !knob_value_meaningful(k, live->value[s]))
			continue;
		r->verdict = VERDICT_DRIFT;
		used += (size_t)snprintf(r->detail + used, sizeof(r->detail) - used, "%sconf/%s/%s = %d, lvsdr writes "
										     "%d: %s on %s",
					 used ? "; " : "", scope_label((enum scope)s, ifname), name,
					 live->value[s], r->want, knob_consequence[k],
					 s == SCOPE_ALL ? "any NIC created or re-created later" : ifname);
		if (s == SCOPE_DEV && used < sizeof(r->detail))
			used += (size_t)snprintf(r->detail + used, sizeof(r->detail) - used, " once conf/all is lowered");
	}
}

/* conf/default decides every interface created from now on, and every
 * existing one whose own knob was never written: a value other than the
 * kernel's default (0 for every ARP knob) is reported, though lvsdr never
 * writes it. Values out of range are reported with the other scopes. */
static void plan_knob_default(struct plan *p, enum arp_knob k)
{
	const struct knob_values *live = &p->live->knobs[k];
	int value = live->value[SCOPE_DEFAULT];

	if (!live->present[SCOPE_DEFAULT] || value == 0 || !knob_value_meaningful(k, value))
		return;
	struct extra_finding *e = plan_finding_push(p, VERDICT_WARN, knob_table[k].sysctl);
	snprintf(e->detail, sizeof(e->detail), "conf/default/%s = %d, not the kernel's 0: every interface created "
					       "from now on starts with it (%s); lvsdr never writes conf/default",
		 knob_table[k].sysctl, value,
		 knob_value_meaning(k, value));
	plan_count_verdict(p, e->verdict);
}

void plan_knob(struct plan *p, enum arp_knob k)
{
	const struct knob_values *want = &p->want->knobs[k], *live = &p->live->knobs[k];
	struct knob_report *r = &p->knobs[k];
	const char *ifname = p->want->ifname, *name = knob_table[k].sysctl;
	char why[200];

	r->managed = want->present[SCOPE_ALL] || want->present[SCOPE_DEV];
	r->want = want->value[SCOPE_DEV];
	r->readable = live->present[SCOPE_ALL] && live->present[SCOPE_DEV];
	r->verdict = VERDICT_OK;
	r->detail[0] = '\0';

	/* Values the kernel stored but gives no meaning to, wherever they are. */
	for (int s = 0; s < SCOPE_COUNT; s++) {
		if (!live->present[s] || knob_value_meaningful(k, live->value[s]))
			continue;
		bool fixed_by_apply = want->present[s];
		struct extra_finding *e = plan_finding_push(p, fixed_by_apply ? VERDICT_DRIFT : VERDICT_WARN, name);
		snprintf(e->detail, sizeof(e->detail), "conf/%s/%s = %d is outside its meaningful range%s%s",
			 scope_label((enum scope)s, ifname), name, live->value[s],
			 fixed_by_apply ? "; apply rewrites it" : "; lvsdr does not write this scope, set it by hand",
			 s == SCOPE_DEFAULT ? " (interfaces created later inherit it)" : "");
		plan_count_verdict(p, e->verdict);
	}

	plan_knob_default(p, k);

	if (!r->readable) {
		r->effective = 0;
		if (r->managed) {
			r->verdict = VERDICT_BLOCKED;
			snprintf(r->detail, sizeof(r->detail), "the kernel has no conf/%s/%s",
				 live->present[SCOPE_ALL] ? ifname : "all", name);
			plan_count_verdict(p, r->verdict);
		}
		return;
	}
	r->effective = knob_effective(k, live->value[SCOPE_ALL], live->value[SCOPE_DEV]);
	if (!r->managed)
		return;

	/* What the effective value would be once apply wrote its scopes. */
	int after_all = want->present[SCOPE_ALL] ? r->want : live->value[SCOPE_ALL];
	int after_dev = want->present[SCOPE_DEV] ? r->want : live->value[SCOPE_DEV];
	bool effective_wrong = r->effective != r->want;

	if (effective_wrong) {
		explain_effective(k, live, ifname, why, sizeof(why));
		r->verdict = VERDICT_DRIFT;
		int n = snprintf(r->detail, sizeof(r->detail), "effective %d, want %d: %s", r->effective, r->want, why);
		if (live->present[SCOPE_LO] && live->value[SCOPE_LO] == r->want && r->want != r->effective && n > 0 &&
		    (size_t)n < sizeof(r->detail))
			snprintf(r->detail + n, sizeof(r->detail) - (size_t)n,
				 "; conf/lo/%s = %d does nothing: lo never receives ARP for %s", name, r->want, ifname);
		if (knob_effective(k, after_all, after_dev) != r->want) {
			r->verdict = VERDICT_BLOCKED;
			n = (int)strlen(r->detail);
			snprintf(r->detail + n, sizeof(r->detail) - (size_t)n,
				 "; scope = interface leaves conf/all alone, so lower conf/all/%s or use "
				 "scope = all+interface",
				 name);
		}
	}
	if (!effective_wrong)
		knob_misplaced(p, k);
	plan_count_verdict(p, r->verdict);
	if (r->verdict == VERDICT_BLOCKED)
		return;
	/* Every place the scope writes holds the profile's value. */
	for (int s = SCOPE_ALL; s <= SCOPE_DEV; s++) {
		if (!want->present[s] || live->value[s] == r->want)
			continue;
		struct step *st = plan_step_push(p, STEP_SYSCTL);
		st->knob = k;
		st->scope = (enum scope)s;
		st->from = live->value[s];
		st->to = r->want;
	}
}

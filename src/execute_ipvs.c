/* Carrying out the IPVS steps of a plan (include/execute_ipvs.h). */
#include "execute_ipvs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "progname.h"
#include "util.h"

static const struct ipvs_step *payload(const struct session *s, const struct step *st)
{
	return &s->plan.ipvs[st->ipvs];
}

int ipvs_record_before(struct session *s, char *err, size_t errlen)
{
	bool any = false;

	for (size_t k = 0; k < s->plan.nsteps; k++) {
		const struct step *st = &s->plan.steps[k];
		if (st->kind == STEP_IPVS && payload(s, st)->change.op == IPVS_SVC_ADD) {
			owned_ipvs_add(&s->owned_ipvs, &payload(s, st)->change.svc);
			any = true;
		}
	}
	return any ? owned_ipvs_save(&s->owned_ipvs, err, errlen) : 0;
}

size_t ipvs_run(struct session *s, size_t i, size_t j, bool *done, char *err, size_t errlen)
{
	struct ipvs_change *changes = xcalloc(j - i, sizeof(*changes));
	size_t failed = 0;

	for (size_t k = i; k < j; k++)
		changes[k - i] = payload(s, &s->plan.steps[k])->change;
	ipvs_netlink_apply(s->ipvs, changes, j - i);
	for (size_t k = i; k < j; k++) {
		if (changes[k - i].done && !changes[k - i].error) {
			done[k] = true;
		} else if (!failed) {
			failed = k + 1;
			snprintf(err, errlen, "%s",
				 changes[k - i].error ? strerror(-changes[k - i].error) : "no answer from the kernel");
		}
	}
	free(changes);
	return failed;
}

int ipvs_undo(struct session *s, const struct step *st)
{
	struct ipvs_change c = payload(s, st)->undo;

	c.error = 0;
	c.done = false;
	ipvs_netlink_apply(s->ipvs, &c, 1);
	return c.done ? c.error : -EIO;
}

void ipvs_record_after(struct session *s, const bool *done, bool ok)
{
	char err[512];
	uint64_t now = (uint64_t)time(NULL);

	if (!s->ipvs_wanted)
		return;
	for (size_t k = 0; k < s->plan.nsteps; k++) {
		const struct step *st = &s->plan.steps[k];
		if (st->kind != STEP_IPVS)
			continue;
		const struct ipvs_step *is = payload(s, st);
		const struct ipvs_change *c = &is->change;
		if (c->op == IPVS_SVC_ADD && !done[k])
			owned_ipvs_remove(&s->owned_ipvs, &c->svc);
		if (!done[k])
			continue;
		if (c->op == IPVS_SVC_DEL)
			owned_ipvs_remove(&s->owned_ipvs, &c->svc);
		else if (is->mark == MARK_DRAIN_START)
			owned_ipvs_drain_set(&s->owned_ipvs, &c->svc, &c->dest, now);
		else if (is->mark == MARK_DRAIN_END)
			owned_ipvs_drain_clear(&s->owned_ipvs, &c->svc, &c->dest);
	}
	/* Services taken over with --adopt become lvsdr's once the run holds. */
	for (size_t i = 0; ok && i < s->live.nservices; i++)
		if (s->live.services[i].owned)
			owned_ipvs_add(&s->owned_ipvs, &s->live.services[i]);
	if (owned_ipvs_save(&s->owned_ipvs, err, sizeof(err)) < 0)
		lvsdr_warnx("warning: %s", err);
}

static bool dest_same(const struct ipvs_dest *a, const struct ipvs_dest *b)
{
	return !ipvs_dest_compare(a, b) && a->weight == b->weight && a->method == b->method &&
	       a->uthreshold == b->uthreshold && a->lthreshold == b->lthreshold;
}

static bool service_same(const struct ipvs_service *a, const struct ipvs_service *b)
{
	if (ipvs_service_compare(a, b) || strcmp(a->scheduler, b->scheduler) ||
	    (a->flags & LVSDR_SVC_FLAGS_MODEL) != (b->flags & LVSDR_SVC_FLAGS_MODEL) || a->timeout != b->timeout ||
	    a->persist_prefix != b->persist_prefix || a->ndests != b->ndests)
		return false;
	for (size_t i = 0; i < a->ndests; i++)
		if (!dest_same(&a->dests[i], &b->dests[i]))
			return false;
	return true;
}

bool ipvs_rollback_confirmed(struct session *s)
{
	struct ipvs_service *now = NULL;
	size_t n = 0;
	char err[512];
	bool same;

	if (!s->ipvs || !s->live.ipvs_read)
		return true;
	if (ipvs_netlink_list(s->ipvs, &now, &n, err, sizeof(err)) < 0) {
		lvsdr_warnx("rollback: cannot read the IPVS table again: %s", err);
		return false;
	}
	same = n == s->live.nservices;
	for (size_t i = 0; same && i < n; i++)
		same = service_same(&now[i], &s->live.services[i]);
	if (!same)
		lvsdr_warnx("rollback: the IPVS table differs from what it was before this run");
	ipvs_services_free(now, n);
	return same;
}

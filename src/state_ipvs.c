/* The live IPVS table, read into the same structs the profile fills. */
#include <stdio.h>
#include <string.h>

#include "state.h"
#include "util.h"

int state_read_ipvs(const struct host *want, struct ipvs_netlink *ipvs, const char *why_not,
		    const struct owned_ipvs *owned, bool adopt, struct host *live, char *err, size_t errlen)
{
	if (!ipvs) {
		live->ipvs_read = false;
		snprintf(live->ipvs_error, sizeof(live->ipvs_error), "%.199s", why_not ? why_not : "");
		return 0;
	}
	if (ipvs_netlink_list(ipvs, &live->services, &live->nservices, err, errlen) < 0)
		return -1;
	live->ipvs_read = true;
	/* Shown by verify --json, never planned: unreadable is no error. */
	if (want->sync.enabled)
		live->sync_read = ipvs_netlink_daemons(ipvs, live->sync_daemons, &live->nsync_daemons, err, errlen) == 0;
	for (size_t i = 0; i < want->nservices; i++) {
		const char *name = want->services[i].scheduler;
		bool known = false;
		for (size_t k = 0; k < live->nsched_missing && !known; k++)
			known = !strcmp(live->sched_missing[k], name);
		if (known || ipvs_scheduler_available(name))
			continue;
		live->sched_missing = xreallocarray(live->sched_missing, live->nsched_missing + 1,
						    sizeof(*live->sched_missing));
		snprintf(live->sched_missing[live->nsched_missing++], LVSDR_SCHED_MAX, "%s", name);
	}
	for (size_t i = 0; i < live->nservices; i++) {
		struct ipvs_service *s = &live->services[i];
		s->owned = owned_ipvs_has(owned, s) ||
			   (adopt && ipvs_service_find(want->services, want->nservices, s));
		for (size_t j = 0; j < s->ndests && s->owned; j++)
			s->dests[j].drain_since = owned_ipvs_drain_since(owned, s, &s->dests[j]);
	}
	return 0;
}

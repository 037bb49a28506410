/* lvsdr events' connection sync ([sync] in lvsdr.ini(5)): the kernel's
 * IPVS sync daemon as master while the last event was MASTER and as
 * backup after the others, as keepalived's lvs_sync_daemon does for an
 * instance. Only daemons lvsdr started, or found running as the profile
 * describes them, are ever stopped: the kernel keys a daemon by its state
 * alone, so a daemon of another syncid or interface is someone else's. */
#ifndef LVSDR_EVENTS_SYNC_H
#define LVSDR_EVENTS_SYNC_H

#include <stdbool.h>
#include <stddef.h>

#include "host.h"
#include "ipvs.h"

struct ipvs_netlink;

struct events_sync {
	bool enabled;		   /* the profile has [sync] */
	struct ipvs_daemon want;   /* as the profile says; state set per switch */
	struct ipvs_netlink *ipvs; /* open while enabled */
	bool ours[3];		   /* by enum ipvs_sync_state: runs, and is this profile's */
	unsigned long switches, failed;
};

/* At start: open IPVS and take over the running daemons that match
 * want's [sync] (logged), warning about the others. Without [sync],
 * nothing. 0, or -1 with err (the kernel has no IPVS, or cannot be read). */
int events_sync_init(struct events_sync *es, const struct host *want, char *err, size_t errlen);
/* SIGHUP: the profile read again. A daemon of ours that no longer matches
 * is started again as the new profile says; without [sync] any more, ours
 * are stopped. 0, or -1 with err (the old state is kept). */
int events_sync_reload(struct events_sync *es, const struct host *want, char *err, size_t errlen);
/* After each event's takeover or release: master or backup, every step
 * logged. */
void events_sync_switch(struct events_sync *es, bool master);
void events_sync_free(struct events_sync *es);

#endif

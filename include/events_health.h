/* lvsdr events' health checks ([health] in lvsdr.ini(5)): the rounds of DR
 * checks, their rise and fall, and the IPVS changes they make. */
#ifndef LVSDR_EVENTS_HEALTH_H
#define LVSDR_EVENTS_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "health.h"
#include "host.h"

struct netlink;

struct events_health {
	struct health_target *t; /* every real server of every checked service */
	size_t n;
	uint64_t next_ns;        /* when the next round is due */
	unsigned long rounds;
	char table_why[512];     /* why the table could not be changed, as last said */
};

/* The targets of want's checked services, each held as the profile asks
 * when it is down; a real server of the same service kept from a profile
 * read before (SIGHUP) keeps its state. The first round is due at once.
 * Without [health], no target and no round. */
void events_health_init(struct events_health *eh, struct host *want);
void events_health_free(struct events_health *eh);
/* Milliseconds until the next round, -1 for none. */
int events_health_wait_ms(const struct events_health *eh);
/* One round: check, count, and carry each change into the table through
 * the engine (want's dests are the ones held). Logs every change. */
void events_health_round(struct events_health *eh, const char *profile, struct host *want, struct netlink *nl);

#endif

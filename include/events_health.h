/* lvsdr events' health checks ([health] in lvsdr.ini(5)): the rounds of DR
 * checks, their rise and fall, and the IPVS changes they make. */
#ifndef LVSDR_EVENTS_HEALTH_H
#define LVSDR_EVENTS_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "health.h"
#include "host.h"

#include "pathcheck_run.h"

struct netlink;

struct events_health {
	struct health_target *t; /* every real server of every checked service */
	size_t n;
	uint64_t next_ns; /* when the next round is due */
	unsigned long rounds;
	char table_why[512]; /* why the table could not be changed, as last said */
	/* The round in flight: its checks and the machine that runs them,
	 * polled by the caller's loop (events_health_fd()). */
	struct pathcheck_machine *m;
	struct pathcheck_services ps;
	/* [health] quorum: set in the profile; lost, and why (or why met
	 * again), as last judged. */
	bool quorum_set, quorum_lost;
	char quorum_why[256];
};

/* What a round, or a profile read again, did to the quorum: the caller's
 * VIPs follow it. */
enum quorum_change { QUORUM_SAME,
		     QUORUM_LOST,
		     QUORUM_MET };

/* The targets of want's checked services, each held as the profile asks
 * when it is down; a real server of the same service kept from a profile
 * read before (SIGHUP) keeps its state, and a quorum lost stays lost until
 * the next round judges it. The first round is due at once. Without
 * [health], no target and no round. QUORUM_MET when a quorum lost is no
 * longer in the profile. */
enum quorum_change events_health_init(struct events_health *eh, struct host *want);
void events_health_free(struct events_health *eh);
/* Milliseconds until events_health_run() has something to do without a
 * frame (the next round, or the round in flight's next deadline), -1 for
 * never. */
int events_health_wait_ms(const struct events_health *eh);
/* The socket of the round in flight, to poll for reading; -1 for none. */
int events_health_fd(const struct events_health *eh);
/* After the caller's poll: a round begun when due, the round in flight
 * driven on, and once it is done every result counted and each change
 * carried into the table through the engine (want's dests are the ones
 * held). Never waits. Logs every change; returns what the round did to
 * the quorum (eh->quorum_why says why). */
enum quorum_change events_health_run(struct events_health *eh, const char *profile, struct host *want,
				     struct netlink *nl);

#endif

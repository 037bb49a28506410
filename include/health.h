/* A real server's health as lvsdr events judges it from its DR checks:
 * fall failures in a row take it out, rise successes in a row bring it
 * back (keepalived's and haproxy's rise/fall). No I/O: src/events_health.c
 * runs the checks and changes the table. */
#ifndef LVSDR_HEALTH_H
#define LVSDR_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipvs.h"

struct health_state {
	bool down;	 /* held out of the table */
	unsigned streak; /* results in a row against the state held */
	unsigned long checks, failed;
};

/* Count one check's result; true when it changes the state (the caller
 * then changes the table and says why). A real server starts up, as
 * keepalived's do: one failing at start is out after fall checks. */
bool health_record(struct health_state *st, bool passed, unsigned rise, unsigned fall);

/* [health] quorum, as keepalived's virtual_server quorum: live is the
 * sum of the weights of the real servers up, in the checked service that
 * has the least. Lost below quorum - hysteresis, met again at quorum +
 * hysteresis, so a weight going and coming at the edge does not flap the
 * VIPs. true when *lost changes. */
bool quorum_record(bool *lost, uint64_t live, unsigned quorum, unsigned hysteresis);

/* One real server of one service, checked through the service's VIP and
 * port: the profile's want->services[svc].dests[dest]. */
struct health_target {
	size_t svc, dest;
	char service[LVSDR_SERVICE_NAME_MAX];
	struct ip_addr ip; /* the real server's */
	uint32_t weight;   /* the profile's */
	struct health_state st;
	bool pending;  /* changed; the table has yet to take it */
	char why[400]; /* the last check's verdict and detail */
};

/* The live weight quorum_record() judges: the sum of the weights of the
 * real servers up, in the checked service (t[].svc) where it is least;
 * *svc is that service's index. 0 targets: UINT64_MAX. */
uint64_t quorum_live_weight(const struct health_target *t, size_t n, size_t *svc);

#endif

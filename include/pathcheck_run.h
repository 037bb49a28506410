/* The DR path check on the wire: resolve each real server's MAC, send every
 * probe, read the answers, reset what a SYN-ACK opened, and give a verdict
 * per VIP, real server and port (lvsdr(8), pathcheck). */
#ifndef LVSDR_PATHCHECK_RUN_H
#define LVSDR_PATHCHECK_RUN_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host.h"
#include "pathcheck.h"

/* One check named outright: a service's VIP, one of its real servers and
 * its port. */
struct pathcheck_target {
	struct ip_addr vip, realserver; /* one family; prefixes unused */
	struct service_port port;
};

struct pathcheck_job {
	char ifname[IF_NAMESIZE];
	const struct vip *vips; /* addresses; prefixes ignored */
	size_t nvips;
	const struct realserver *realservers; /* each once: their MACs are resolved */
	size_t nrealservers;
	const struct service_port *ports;
	size_t nports;
	/* NULL: every VIP x real server of its family x port. Otherwise these
	 * checks alone, each real server among realservers. */
	const struct pathcheck_target *targets;
	size_t ntargets;
	unsigned timeout_ms, retries;
	/* lvsdr events: the check runs every round, each opening its sockets
	 * again, so CAP_NET_RAW is kept (pathcheck gives it up once open). */
	bool keep_net_raw;
};

/* What a director's [service NAME] sections give pathcheck: each tcp or
 * udp service's real servers on its port, through its VIP (src/pathcheck_services.c). */
struct pathcheck_services {
	struct pathcheck_target *targets;
	size_t ntargets;
	struct realserver *realservers; /* each once, sorted */
	size_t nrealservers;
	struct service_port *ports; /* each once */
	size_t nports;
	size_t nservices; /* the services that gave targets */
};

/* The checks of h's services whose VIP is one of only (every service when
 * nonly is 0). fwmark and sctp services give none: see
 * pathcheck_service_skipped(). */
void pathcheck_services_collect(const struct host *h, const struct vip *only, size_t nonly,
				struct pathcheck_services *out);
void pathcheck_services_free(struct pathcheck_services *ps);
/* Why svc cannot be probed ("a fwmark service has no port to probe"), or NULL. */
const char *pathcheck_service_skipped(const struct ipvs_service *svc);

struct pathcheck_result {
	/* One family; prefixes unused. source is our address on the real
	 * server's subnet, the probes' source. */
	struct ip_addr vip, realserver, source;
	bool have_mac;
	uint8_t mac[6];
	struct service_port port;
	enum pathcheck_verdict verdict;
	unsigned tries; /* probes (or, unreachable, requests) sent */
	bool answered;
	struct ip_addr answer_from; /* the answer's source address */
	unsigned answer_try;	    /* probes sent when it came */
	uint64_t rtt_us;	    /* since the last of them */
	char detail[384];
};

/* The check as a machine its caller drives, so a loop with other duties
 * (lvsdr events) never waits on it: start opens the sockets (needs
 * CAP_NET_RAW, given up once open unless keep_net_raw), then the caller
 * polls pathcheck_fd() for reading until pathcheck_wake_ns() and calls
 * pathcheck_step() after either, until it returns 1 (done) or -1 (err
 * filled; nothing judged). The fd changes from one phase to the next: ask
 * again after each step. job is copied, but its arrays must outlive the
 * machine. */
struct pathcheck_machine;
int pathcheck_start(const struct pathcheck_job *job, struct pathcheck_machine **m, char *err, size_t errlen);
int pathcheck_step(struct pathcheck_machine *m, char *err, size_t errlen);
int pathcheck_fd(const struct pathcheck_machine *m);
uint64_t pathcheck_wake_ns(const struct pathcheck_machine *m);
/* The results of a machine done, handed over (the caller frees them). */
struct pathcheck_result *pathcheck_results(struct pathcheck_machine *m, size_t *n);
void pathcheck_free(struct pathcheck_machine *m);

/* Results in order: VIP, then real server, then port, as listed; only the
 * pairs of one family. The machine above, driven by a poll loop of its
 * own. Returns 0, or -1 with err filled (nothing was judged). */
int pathcheck_run(const struct pathcheck_job *job, struct pathcheck_result **results, size_t *n, char *err,
		  size_t errlen);

#endif

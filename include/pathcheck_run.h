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

struct pathcheck_job {
	char ifname[IF_NAMESIZE];
	const struct vip *vips;                 /* addresses; prefixes ignored */
	size_t nvips;
	const struct realserver *realservers;
	size_t nrealservers;
	const struct service_port *ports;
	size_t nports;
	unsigned timeout_ms, retries;
};

struct pathcheck_result {
	int family;
	uint8_t vip[16], realserver[16], source[16];
	bool have_mac;
	uint8_t mac[6];
	struct service_port port;
	enum pathcheck_verdict verdict;
	unsigned tries;          /* probes (or, unreachable, requests) sent */
	bool answered;
	uint8_t answer_from[16]; /* the answer's source address */
	unsigned answer_try;     /* probes sent when it came */
	uint64_t rtt_us;         /* since the last of them */
	char detail[384];
};

/* Results in order: VIP, then real server, then port, as listed; only the
 * pairs of one family. Needs CAP_NET_RAW, which it gives up once its
 * sockets are open. Returns 0, or -1 with err filled (nothing was judged). */
int pathcheck_run(const struct pathcheck_job *job, struct pathcheck_result **results, size_t *n, char *err,
		  size_t errlen);

#endif

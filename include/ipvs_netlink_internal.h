/* Between the IPVS facade's files (src/ipvs_netlink.c: the table;
 * src/ipvs_daemon.c: the sync daemons). Nothing else includes it. */
#ifndef LVSDR_IPVS_NETLINK_INTERNAL_H
#define LVSDR_IPVS_NETLINK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

struct nl_sock;
struct nl_msg;

struct ipvs_netlink {
	struct nl_sock *sock;
	int family;		/* the generic netlink id of "IPVS" */
	unsigned long requests; /* IPVS requests sent (the family lookup is not one) */
	unsigned long changes;	/* of which changes to the table, the rest being dumps */
};

/* A request of cmd with no attributes yet; dump sets NLM_F_DUMP. NULL
 * when out of memory. */
struct nl_msg *ipvs_request_new(const struct ipvs_netlink *ipvs, uint8_t cmd, bool dump);
/* A libnl error as -errno, for callers that print strerror(). */
int ipvs_nl_to_errno(int nlerr);

#endif

/* Live state: the kernel's knobs and the addresses that matter to a
 * profile, read into the same struct host the profile fills. */
#ifndef LVSDR_STATE_H
#define LVSDR_STATE_H

#include <stddef.h>

#include "rtnetlink.h"
#include "host.h"
#include "ipvs_netlink.h"
#include "owned.h"
#include "owned_ipvs.h"

/* 0, or -1 with err filled (no such interface, netlink failure). */
int state_read(const struct host *want, struct netlink *nl, struct owned_set *owned, struct host *live,
	       char *err, size_t errlen);

/* The IPVS table into live->services, each service marked owned as the
 * record says (or, with adopt, when the profile has its key), each
 * destination with the time it started draining. ipvs NULL: the table is
 * not read and live->ipvs_error says why (why_not). 0, or -1 with err. */
int state_read_ipvs(const struct host *want, struct ipvs_netlink *ipvs, const char *why_not,
		    const struct owned_ipvs *owned, bool adopt, struct host *live, char *err, size_t errlen);

#endif

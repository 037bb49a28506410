/* Live state: the kernel's knobs and the addresses that matter to a
 * profile, read into the same struct host the profile fills. */
#ifndef LVSDR_STATE_H
#define LVSDR_STATE_H

#include <stddef.h>

#include "address.h"
#include "host.h"
#include "owned.h"

/* 0, or -1 with err filled (no such interface, netlink failure). */
int state_read(const struct host *want, struct netlink *nl, struct owned_set *owned, struct host *live,
	       char *err, size_t errlen);

#endif

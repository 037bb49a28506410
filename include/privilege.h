/* Capabilities: CAP_NET_ADMIN to change the network configuration,
 * CAP_NET_RAW for the packet sockets, given up once they are open. */
#ifndef LVSDR_PRIVILEGE_H
#define LVSDR_PRIVILEGE_H

#include <stdbool.h>

/* Before touching anything: 0, or 2 with a message naming what is missing. */
int privilege_require(bool net_raw);
/* Whether this run holds CAP_NET_ADMIN, without a word. */
bool privilege_net_admin(void);
/* After the packet socket is open: give up CAP_NET_RAW. */
void privilege_drop_net_raw(void);

#endif

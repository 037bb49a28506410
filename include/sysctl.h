/* The ARP knobs under /proc/sys/net/ipv4/conf/<scope>/. /proc/sys/net
 * resolves in the network namespace of the process that opens it. */
#ifndef LVSDR_SYSCTL_H
#define LVSDR_SYSCTL_H

#include "host.h"

/* Directory name of a scope: "all", the interface, "lo", "default". */
const char *sysctl_scope_dir(enum scope scope, const char *ifname);

/* 0, or -errno (-ENOENT: the kernel has no such knob, -EINVAL: unreadable). */
int sysctl_read(const char *dir, const char *knob, int *value);
int sysctl_write(const char *dir, const char *knob, int value);

/* Fill live->knobs from every scope of every knob for live->ifname. */
void sysctl_read_host(struct host *live);

#endif

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

/* Whether dev holds no IPv6 address: net.ipv6.conf.<dev>.disable_ipv6
 * set, or no IPv6 in the kernel at all (ipv6.disable=1). */
bool sysctl_ipv6_disabled(const char *dev);

/* Fill live->knobs from every scope of every knob for live->ifname. A
 * missing knob is absent; any other failure (EMFILE) is -errno with err
 * naming the file: the state could not be read. With only (a takeover's
 * profile), just the knobs it sets, in every scope, and conf/<nic>/
 * arp_ignore, which tells whether the NIC has IPv4; the others stay
 * absent (unjudged). */
int sysctl_read_host(struct host *live, const struct host *only, char *err, size_t errlen);
/* A resident caller's knob directories kept open between runs (on), or
 * closed (off). */
void sysctl_keep_dirs(bool on);

#endif

/* Which addresses lvsdr bound, so it removes only those. IPv4 addresses
 * also carry a visible label ("lo:lvsdr"), IPv6 addresses have no labels,
 * so the record under /run/lvsdr/ is what counts for both. One record per
 * network namespace: /run/lvsdr/net-<inode of /proc/self/ns/net>/owned. */
#ifndef LVSDR_OWNED_H
#define LVSDR_OWNED_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "host.h"

struct owned_set {
	struct live_addr *entries; /* family, addr, prefix, ifname */
	size_t n, cap;
	bool sorted, dirty;
	char path[PATH_MAX];
};

/* A missing record is an empty set. 0, or -errno with err filled. */
int owned_load(struct owned_set *set, char *err, size_t errlen);
/* An empty set that knows where its record lives: enough to take the lock
 * before the record is read. */
void owned_init(struct owned_set *set);
bool owned_contains(struct owned_set *set, const struct live_addr *a);
void owned_add(struct owned_set *set, const struct live_addr *a);
void owned_remove(struct owned_set *set, const struct live_addr *a);
/* Written atomically (temporary file, rename). */
int owned_save(struct owned_set *set, char *err, size_t errlen);
void owned_free(struct owned_set *set);

/* Serialise every run that changes this namespace (keepalived starts
 * notify scripts concurrently). flock() dies with its holder, so a killed
 * run leaves no stale lock. Returns a descriptor to close, or -errno with
 * err filled after timeout_ms. */
int owned_lock(const struct owned_set *set, unsigned timeout_ms, char *err, size_t errlen);

/* The label lvsdr gives IPv4 addresses on ifname: "<ifname>:lvsdr", the
 * suffix shortened to fit IFNAMSIZ; "" when the name leaves no room. */
void owned_label(const char *ifname, char label[IF_NAMESIZE]);

#endif

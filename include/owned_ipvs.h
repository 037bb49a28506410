/* What lvsdr owns in the IPVS table, so it changes only that: the services
 * it created (or was told to adopt), and since when each real server it is
 * removing has been draining. Kept beside the address record, in the same
 * per-namespace directory (/run/lvsdr/...): the table does not survive a
 * reboot and neither does the record.
 * Real servers drained by `lvsdr drain` must stay drained across reboots,
 * so that list lives under /var/lib/lvsdr (LVSDR_STATEDIR in tests). */
#ifndef LVSDR_OWNED_IPVS_H
#define LVSDR_OWNED_IPVS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipvs.h"
#include "owned.h"

struct drain_mark {
	struct ipvs_service svc; /* key fields only */
	struct ipvs_dest dest;	 /* key fields only */
	uint64_t since;		 /* CLOCK_REALTIME seconds: when its weight went to 0 */
};

struct owned_ipvs {
	struct ipvs_service *services; /* key fields only */
	size_t nservices;
	struct drain_mark *drains;
	size_t ndrains;
	bool dirty;
	char path[PATH_MAX + 16]; /* "" where no record can be kept */
};

/* The record beside addrs' (same directory). A missing record is empty;
 * a damaged one is refused whole: 0, or -errno with err filled. */
int owned_ipvs_load(struct owned_ipvs *o, const struct owned_set *addrs, char *err, size_t errlen);
bool owned_ipvs_has(const struct owned_ipvs *o, const struct ipvs_service *svc);
void owned_ipvs_add(struct owned_ipvs *o, const struct ipvs_service *svc);
void owned_ipvs_remove(struct owned_ipvs *o, const struct ipvs_service *svc);
/* When dest of svc started draining, 0 when it is not. */
uint64_t owned_ipvs_drain_since(const struct owned_ipvs *o, const struct ipvs_service *svc,
				const struct ipvs_dest *dest);
void owned_ipvs_drain_set(struct owned_ipvs *o, const struct ipvs_service *svc, const struct ipvs_dest *dest,
			  uint64_t since);
void owned_ipvs_drain_clear(struct owned_ipvs *o, const struct ipvs_service *svc, const struct ipvs_dest *dest);
/* Written atomically when changed. */
int owned_ipvs_save(struct owned_ipvs *o, char *err, size_t errlen);
void owned_ipvs_free(struct owned_ipvs *o);

/* The real servers `lvsdr drain` holds at weight 0, by address. */
struct drained_set {
	struct ipvs_dest *dests; /* family and addr only */
	size_t n;
	bool dirty;
	char path[PATH_MAX];
};
int drained_load(struct drained_set *d, char *err, size_t errlen);
bool drained_has(const struct drained_set *d, const struct ip_addr *a);
void drained_set_one(struct drained_set *d, const struct ip_addr *a, bool drained);
int drained_save(struct drained_set *d, char *err, size_t errlen);
void drained_free(struct drained_set *d);

#endif

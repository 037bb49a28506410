/* The kernel's IPVS table through libnl-genl-3 (generic netlink family
 * "IPVS", <linux/ip_vs.h>). This header is the whole facade: only
 * src/ipvs_netlink.c includes <netlink/...> for IPVS. Never ipvsadm. */
#ifndef LVSDR_IPVS_NETLINK_H
#define LVSDR_IPVS_NETLINK_H

#include <stdbool.h>
#include <stddef.h>

#include "ipvs.h"

struct ipvs_netlink;

/* 0; -ENOENT when the kernel has no IPVS (err says so: module ip_vs not
 * loaded or not built); another negative errno with err filled. */
int ipvs_netlink_open(struct ipvs_netlink **out, char *err, size_t errlen);
void ipvs_netlink_close(struct ipvs_netlink *ipvs);

/* Every service of the table with its destinations and counters, sorted
 * by ipvs_service_compare (destinations by ipvs_dest_compare); *services
 * is the caller's to ipvs_services_free(). 0, or -errno with err filled. */
int ipvs_netlink_list(struct ipvs_netlink *ipvs, struct ipvs_service **services, size_t *n, char *err,
		      size_t errlen);

enum ipvs_op { IPVS_SVC_ADD,
	       IPVS_SVC_EDIT,
	       IPVS_SVC_DEL,
	       IPVS_DEST_ADD,
	       IPVS_DEST_EDIT,
	       IPVS_DEST_DEL };

struct ipvs_change {
	enum ipvs_op op;
	struct ipvs_service svc; /* the key; for SVC_ADD/EDIT every attribute (dests ignored) */
	struct ipvs_dest dest;	 /* DEST_*: the key; for ADD/EDIT every attribute */
	int error;		 /* result: 0, or -errno from the kernel */
	bool done;		 /* the kernel answered */
};

/* Send every change, pipelined (the kernel takes them in order), and
 * collect one answer each. Returns the number that failed. */
size_t ipvs_netlink_apply(struct ipvs_netlink *ipvs, struct ipvs_change *changes, size_t n);

/* IPVS requests sent on this handle since it was opened (make bench prints
 * it: one changed weight must cost one request). A list costs one service
 * dump and one destination dump per service; the family lookup of
 * ipvs_netlink_open() is not counted. */
unsigned long ipvs_netlink_requests(const struct ipvs_netlink *ipvs);
/* Of those, the changes (ipvs_netlink_apply); the rest are dumps. */
unsigned long ipvs_netlink_changes(const struct ipvs_netlink *ipvs);

/* The kernel's connection-sync daemons (src/ipvs_daemon.c), master first:
 * *n is 0, 1 or 2. 0, or -errno with err filled. */
int ipvs_netlink_daemons(struct ipvs_netlink *ipvs, struct ipvs_daemon out[2], size_t *n, char *err,
			 size_t errlen);
/* Start d. 0, or -errno with err filled: -EEXIST when a daemon of that
 * state runs already, -ENODEV for an interface the kernel does not know. */
int ipvs_netlink_daemon_start(struct ipvs_netlink *ipvs, const struct ipvs_daemon *d, char *err, size_t errlen);
/* Stop the daemon of state, whoever started it: the kernel keys a daemon
 * by its state alone. 0, or -errno with err filled (-ESRCH: none ran). */
int ipvs_netlink_daemon_stop(struct ipvs_netlink *ipvs, enum ipvs_sync_state state, char *err, size_t errlen);

/* Whether the running kernel offers scheduler name: built in, loaded, or
 * a module it can load (ip_vs_NAME.ko under /lib/modules/$(uname -r)).
 * Read from the files (src/ipvs_sched.c), never by trying a service. */
bool ipvs_scheduler_available(const char *name);

#endif

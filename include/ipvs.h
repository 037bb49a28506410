/* The director's IPVS table in the one model: the profile's [service]
 * sections and the kernel's table (read over generic netlink by
 * src/ipvs_netlink.c) fill the same structs, and the plan compares them. */
#ifndef LVSDR_IPVS_H
#define LVSDR_IPVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipaddr.h"

#define LVSDR_SCHED_MAX 16	  /* IP_VS_SCHEDNAME_MAXLEN, with its NUL */
#define LVSDR_SERVICE_NAME_MAX 32 /* [service NAME], with its NUL */

/* Forwarding methods, numbered as the kernel numbers them
 * (IP_VS_CONN_F_MASQ ... IP_VS_CONN_F_BYPASS), so a live destination that
 * someone set to NAT is reported as NAT. The profile offers DR and tunnel:
 * the two that leave the packet's addresses and ports alone. */
enum ipvs_method { METHOD_NAT = 0,
		   METHOD_LOCAL = 1,
		   METHOD_TUNNEL = 2,
		   METHOD_DR = 3,
		   METHOD_BYPASS = 4 };

/* Service flags the model carries, with the kernel's values (IP_VS_SVC_F_*).
 * HASHED is the kernel's own bookkeeping and never part of the model. */
#define LVSDR_SVC_PERSISTENT 0x0001u
#define LVSDR_SVC_ONEPACKET 0x0004u
#define LVSDR_SVC_SCHED1 0x0008u /* sh-fallback, mh-fallback */
#define LVSDR_SVC_SCHED2 0x0010u /* sh-port, mh-port */
#define LVSDR_SVC_SCHED3 0x0020u
#define LVSDR_SVC_FLAGS_MODEL \
	(LVSDR_SVC_PERSISTENT | LVSDR_SVC_ONEPACKET | LVSDR_SVC_SCHED1 | LVSDR_SVC_SCHED2 | LVSDR_SVC_SCHED3)

/* The counters of a service or a destination, as the kernel folds them in
 * (IPVS_STATS_ATTR_*; they lag up to 2 s behind the traffic). */
struct ipvs_stats {
	uint64_t conns, inpkts, outpkts, inbytes, outbytes;
};

/* A real server of one service (an IPVS destination). */
struct ipvs_dest {
	struct ip_addr ip; /* a host address: prefix unused */
	uint16_t port;	   /* host order; DR and tunnel: the service's port, 0 for a fwmark service */
	uint32_t weight;
	enum ipvs_method method;
	uint32_t uthreshold; /* upper connection threshold, 0 = none */
	uint32_t lthreshold; /* lower connection threshold, 0 = none */
	unsigned line;	     /* profile line; 0 on the live side */
	/* live side only */
	uint32_t active, inactive, persistent; /* connections */
	struct ipvs_stats stats;
	uint64_t drain_since; /* live: lvsdr is removing it, at weight 0 since (CLOCK_REALTIME s) */
	bool drained;	      /* profile: held at weight 0 by `lvsdr drain` */
	/* profile: held out by lvsdr events' health check ([health] action):
	 * 0 not, 1 at weight 0, 2 removed (enum ipvs_hold) */
	uint8_t hold;
};

enum ipvs_hold { IPVS_HOLD_NONE,
		 IPVS_HOLD_WEIGHT0,
		 IPVS_HOLD_REMOVED };

/* A virtual service: VIP, protocol and port, or a firewall mark. */
struct ipvs_service {
	char name[LVSDR_SERVICE_NAME_MAX]; /* profile: [service NAME]; live: "" */
	struct ip_addr ip;		   /* the VIP, its family; zero bytes for a fwmark service; prefix unused */
	uint8_t proto;			   /* IPPROTO_TCP, _UDP or _SCTP; 0 for a fwmark service */
	uint16_t port;			   /* host order; 0 for a fwmark service */
	uint32_t fwmark;		   /* nonzero: a firewall-mark service */
	char scheduler[LVSDR_SCHED_MAX];
	uint32_t flags;		/* LVSDR_SVC_* */
	uint32_t timeout;	/* persistence in seconds, with LVSDR_SVC_PERSISTENT */
	uint8_t persist_prefix; /* persistence granularity: 32 or 128 = one client address */
	unsigned drain_ms;	/* profile: how long a removed real server drains before deletion */
	unsigned line;		/* profile line of the section header; 0 on the live side */
	/* profile: lvsdr events' [health] sorry server, in the table while
	 * every real server is held out (sorry_in) */
	bool sorry_in;
	struct ipvs_dest sorry;
	struct ipvs_dest *dests;
	size_t ndests; /* kept in ipvs_dest_compare order */
	/* live side only */
	struct ipvs_stats stats;
	bool owned; /* lvsdr created it (or adopted it): the record says so */
};

/* Order and identity: a service by (family, fwmark) or (family, proto,
 * addr, port), as the kernel keys it; a destination by (family, addr, port). */
int ipvs_service_compare(const void *a, const void *b);
int ipvs_dest_compare(const void *a, const void *b);
/* "tcp/192.0.2.100:80", "udp/[2001:db8::100]:53", "fwmark 1 (IPv4)". */
int ipvs_service_format(const struct ipvs_service *svc, char *buf, size_t len);
/* "198.51.100.11:80", "[2001:db8::11]:80", "198.51.100.11" for port 0. */
int ipvs_dest_format(const struct ipvs_dest *d, char *buf, size_t len);
/* "dr", "tunnel", "nat", "local", "bypass". */
const char *ipvs_method_name(enum ipvs_method m);
/* The destination of svc with d's key, or NULL. */
struct ipvs_dest *ipvs_dest_find(const struct ipvs_service *svc, const struct ipvs_dest *d);
/* The service of a sorted array with s's key, or NULL. */
struct ipvs_service *ipvs_service_find(struct ipvs_service *services, size_t n, const struct ipvs_service *s);
void ipvs_services_free(struct ipvs_service *services, size_t n);

/* A connection-sync daemon of the kernel (ipvsadm --start-daemon): the
 * master sends the director's connections to a multicast group, the backup
 * receives them into its own table. Zero in maxlen, group.family, port or
 * ttl means the kernel's default (its device MTU, 224.0.0.81, 8848, 1). */
enum ipvs_sync_state { IPVS_SYNC_MASTER = 1,
		       IPVS_SYNC_BACKUP = 2 }; /* IP_VS_STATE_* */
#define LVSDR_SYNC_IFNAME_MAX 16	       /* IP_VS_IFNAME_MAXLEN, with its NUL */

struct ipvs_daemon {
	enum ipvs_sync_state state;
	char ifname[LVSDR_SYNC_IFNAME_MAX];
	unsigned syncid;      /* 0-255 */
	unsigned maxlen;      /* UDP payload size, 0 = the kernel's */
	struct ip_addr group; /* family 0 = the kernel's; prefix unused */
	unsigned port;	      /* host order, 0 = the kernel's */
	unsigned ttl;	      /* 0 = the kernel's */
};

/* "master" or "backup". */
const char *ipvs_sync_state_name(enum ipvs_sync_state state);
/* Whether a running daemon is the one want describes: the same interface
 * and syncid, and the same group, port, maxlen and ttl where want sets
 * them (0 in want takes whatever the kernel chose). */
bool ipvs_daemon_matches(const struct ipvs_daemon *live, const struct ipvs_daemon *want);
/* "master on eth0, syncid 7, group 224.0.0.81:8848". */
int ipvs_daemon_format(const struct ipvs_daemon *d, char *buf, size_t len);

#endif

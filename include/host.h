/* The one in-memory model of a host: the profile fills it with what should
 * be, state_read() fills the same struct with what is, plan_compute() walks
 * the two. */
#ifndef LVSDR_HOST_H
#define LVSDR_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <sys/stat.h>

#include "ipaddr.h"
#include "ipvs.h"

enum role { ROLE_NONE,
	    ROLE_REALSERVER,
	    ROLE_DIRECTOR };

enum arp_knob { KNOB_IGNORE,
		KNOB_ANNOUNCE,
		KNOB_FILTER,
		KNOB_ACCEPT,
		KNOB_NOTIFY,
		KNOB_COUNT };

/* The places a knob lives under /proc/sys/net/ipv4/conf/. DEFAULT is read
 * for reporting only: writing it changes every interface whose own knob was
 * never written, so lvsdr never does. */
enum scope { SCOPE_ALL,
	     SCOPE_DEV,
	     SCOPE_LO,
	     SCOPE_DEFAULT,
	     SCOPE_COUNT };

/* Which scopes the profile writes. */
enum scope_policy { POLICY_ALL_AND_DEV,
		    POLICY_DEV_ONLY };

struct knob_values {
	int value[SCOPE_COUNT];
	bool present[SCOPE_COUNT]; /* live: file exists; desired: lvsdr writes it */
	unsigned line;		   /* desired: profile line that set it, 0 = role default */
};

struct vip {
	struct ip_addr ip;
	unsigned line; /* profile line */
	/* takeover: blocked, so this run leaves it alone (no step touches it)
	 * while the other VIPs go ahead; verify and apply never set it. */
	bool excluded;
	/* Listed by [vip] announce (a director's address of a range). */
	bool announced;
};

/* An address as the kernel holds it. */
struct live_addr {
	struct ip_addr ip;
	int ifindex;
	char ifname[IF_NAMESIZE];
	char label[IF_NAMESIZE];
	/* Bound by lvsdr: its label (IPv4) or the ownership record says so. */
	bool lvsdr;
	/* Bound by lvsdr for this run's profile, so this run may remove it:
	 * the record names the profile, or names none (an older lvsdr's
	 * entry, a label without one) and the profile lists the address. */
	bool owned;
	/* The profile the record names as having bound it (its canonical
	 * path, held by the owned_set); NULL when no record names one. */
	const char *owner;
	/* IPv4: a secondary of its subnet (IFA_F_SECONDARY). Removing the
	 * primary takes every secondary of the subnet with it (unless
	 * promote_secondaries), so secondaries are removed first. */
	bool secondary;
	/* Not an address: a local route for addr/prefix on ifname (table
	 * local, type local, scope host), a VIP range ([vip] range). */
	bool route;
};

enum garp_mode { GARP_REQUEST,
		 GARP_REPLY,
		 GARP_BOTH };

/* What takeover does when a VIP it is about to bind already answers on
 * the segment (src/cmd_takeover.c). */
enum conflict_mode { CONFLICT_OFF,
		     CONFLICT_WARN,
		     CONFLICT_REFUSE };

struct garp_policy {
	unsigned count;	      /* frames per address per burst */
	unsigned interval_ms; /* between frames of one address */
	unsigned refresh_ms;  /* second burst after this delay, 0 = none */
	enum garp_mode mode;
	enum conflict_mode conflict;
};

/* [pathcheck]: the real servers and service ports lvsdr pathcheck probes
 * through each VIP (lvsdr(8)). */
struct realserver {
	struct ip_addr ip; /* a host address: prefix unused */
	unsigned line;	   /* profile line, 0 = command line */
};

struct service_port {
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t port;
	unsigned line;
};

/* "tcp/80", "udp/53", "sctp/5060": strict, lower case, port 1-65535
 * without leading zeros. Probes go out over tcp and udp only: the callers
 * that probe refuse sctp. */
bool service_port_parse(const char *s, struct service_port *out);
int service_port_format(const struct service_port *sp, char *buf, size_t len);

#define PATHCHECK_TIMEOUT_MS 2000 /* [pathcheck]: defaults and limits */
#define PATHCHECK_RETRIES 3
#define PATHCHECK_TIMEOUT_MIN_MS 10
#define PATHCHECK_TIMEOUT_MAX_MS 60000
#define PATHCHECK_RETRIES_MAX 10

struct pathcheck_policy {
	struct realserver *realservers;
	size_t nrealservers;
	struct service_port *ports;
	size_t nports;
	unsigned timeout_ms; /* wait for each answer, retries included */
	unsigned retries;    /* probes sent again after the first */
};

/* [health]: lvsdr events checks every tcp and udp service's real servers
 * the DR way (pathcheck's probe) and holds a failing one out of the table. */
enum health_action { HEALTH_WEIGHT0,
		     HEALTH_REMOVE };

struct health_policy {
	bool enabled;	      /* the profile has a [health] section */
	unsigned interval_ms; /* from the start of one round to the next */
	unsigned timeout_ms;  /* the wait for each answer, retries included */
	unsigned rise, fall;  /* successes to come back, failures to go */
	enum health_action action;
	unsigned line; /* of the [health] header */
	/* sorry: put in a service of its family whose real servers are all
	 * held out; sorry_line 0 when none. */
	struct ip_addr sorry; /* a host address: prefix unused */
	unsigned sorry_line;
	/* quorum: the VIPs are released while a checked service's live real
	 * servers weigh less than quorum - hysteresis, taken back at quorum +
	 * hysteresis (keepalived's); quorum_line 0 when none. */
	unsigned quorum, hysteresis;
	unsigned quorum_line, hysteresis_line;
};

/* [sync]: the kernel's connection-sync daemon that lvsdr events runs as
 * master on the director holding the VIPs and as backup on the others, so
 * an established connection survives a failover. daemon.state is unset:
 * the events choose it. */
enum sync_key { SYNC_KEY_INTERFACE,
		SYNC_KEY_SYNCID,
		SYNC_KEY_GROUP,
		SYNC_KEY_PORT,
		SYNC_KEY_TTL,
		SYNC_KEY_MAXLEN,
		SYNC_KEY_COUNT };

struct sync_policy {
	bool enabled;  /* the profile has a [sync] section */
	unsigned line; /* of the [sync] header */
	unsigned key_line[SYNC_KEY_COUNT];
	struct ipvs_daemon daemon;
};

/* Another host answering for a VIP on a director's segment (probed by the
 * engine before it plans). */
struct vip_holder {
	bool held;	/* some MAC other than this host's answered */
	uint8_t mac[6]; /* the lowest of them */
	unsigned macs;	/* how many answered, this host not counted */
};

/* Whether the VIPs should be bound: a backup director holds none, and
 * release makes them absent. */
enum vip_expect { EXPECT_BOUND,
		  EXPECT_ABSENT,
		  EXPECT_ANY };

struct host {
	enum role role;
	enum vip_expect expect;
	char ifname[IF_NAMESIZE];
	enum scope_policy policy;
	struct knob_values knobs[KNOB_COUNT];
	struct vip *vips;
	size_t nvips;
	/* The same nvips VIPs in vip_compare order, kept by profile_parse()
	 * (which sorts them to find duplicates) so that reading the state and
	 * planning do not sort them again; NULL for a host built otherwise. */
	struct vip *vips_sorted;
	/* [vip] range: prefixes made local by one route on lo each, in
	 * profile order (want side). */
	struct vip *ranges;
	size_t nranges;
	struct garp_policy garp;
	struct pathcheck_policy pathcheck;
	struct health_policy health;
	struct sync_policy sync;
	/* want side: the profile as profile_load() opened it (fstat of the
	 * descriptor it read), which profile_trusted() judges. */
	struct stat source;
	/* want side, a takeover's session: state_read() reads the knobs the
	 * profile sets and conf/<nic>/arp_ignore only (sysctl_read_host()). */
	bool managed_knobs_only;
	unsigned ifname_line; /* want side: the profile line of interface */
	/* live side only */
	int ifindex, lo_ifindex;
	/* The NIC's link layer, read with the rest of the live state so that
	 * a takeover opens its packet socket without asking the kernel again. */
	bool have_mac; /* a 6-byte hardware address */
	uint8_t mac[6];
	/* The NIC's first IPv6 link-local address; family 0 when none. */
	struct ip_addr link_local;
	struct live_addr *addrs;
	size_t naddrs;
	/* IPv4 secondaries that are neither VIPs nor ours, and whether the
	 * interfaces promote a secondary when its primary goes (conf/all or
	 * conf/<dev> promote_secondaries; read only where a secondary lives):
	 * without that the kernel deletes them with their primary. */
	struct live_addr *secondaries;
	size_t nsecondaries;
	bool promote_nic, promote_lo;
	/* The director's IPVS table (include/ipvs.h): the profile's services;
	 * on the live side the whole table, when it was read. */
	struct ipvs_service *services;
	size_t nservices;
	bool ipvs_read;	      /* live: the table was read */
	char ipvs_error[200]; /* live: why it was not ("the kernel has no IPVS") */
	/* live, with [sync] in the profile: the kernel's sync daemons (read
	 * only: they follow keepalived's events, not the plan) */
	bool sync_read;
	struct ipvs_daemon sync_daemons[2];
	size_t nsync_daemons;
	/* live: the profile's schedulers this kernel does not offer */
	char (*sched_missing)[LVSDR_SCHED_MAX];
	size_t nsched_missing;
	/* live: the NIC's own addresses with their prefixes, the subnets a DR
	 * real server must be on (IPVS reaches it by MAC, never via a router) */
	struct live_addr *nic_nets;
	size_t nnic_nets;
	/* live: the local routes on lo that no address made (route = true),
	 * and, for a profile with ranges, the NIC's gateways and neighbours,
	 * which no range may cover (src/route.c). */
	struct live_addr *routes, *gateways, *neighbours;
	size_t nroutes, ngateways, nneighbours;
	/* IPv6 off where the VIPs go (conf/<dev>/disable_ipv6, or a kernel
	 * without IPv6): read only when the profile has an IPv6 VIP. */
	bool ipv6_off_nic, ipv6_off_lo;
	/* The device the NIC is a port of (a bridge, a bond), and its kind:
	 * frames for the NIC then reach that device, which answers ARP with
	 * its own knobs and addresses. "" when none (a VRF does not count). */
	char master[IF_NAMESIZE], master_kind[16];
	/* A director's: who else answers for want->vips[i], in that order;
	 * owned by the session, NULL when nobody probed. A VIP another host
	 * holds is a backup's to leave alone, one held here too a conflict. */
	const struct vip_holder *holders;
};

void host_free(struct host *host);
/* The VIPs of h in vip_compare order: h->vips_sorted, or a sorted copy
 * left in *copy for the caller to free (NULL when none was made). */
const struct vip *host_vips_sorted(const struct host *h, struct vip **copy);
/* Where the role binds its VIPs: lo on a real server, the NIC on a
 * director. Messages about the VIPs name this, not the NIC. */
const char *host_vip_ifname(const struct host *h);

/* Knob metadata: name, meaningful range, how the kernel combines all/dev. */
struct knob_info {
	const char *key;    /* profile key: "ignore" */
	const char *sysctl; /* file name: "arp_ignore" */
	int min, max;
	bool combine_or; /* arp_filter: all || dev; the others max(all, dev) */
};
extern const struct knob_info knob_table[KNOB_COUNT];
extern const char *const scope_names[SCOPE_COUNT];

bool knob_value_meaningful(enum arp_knob knob, int value);
const char *knob_value_meaning(enum arp_knob knob, int value);
int knob_effective(enum arp_knob knob, int all, int dev);
/* Which scope makes the effective value what it is (SCOPE_ALL or SCOPE_DEV;
 * SCOPE_COUNT when both agree). */
enum scope knob_effective_source(enum arp_knob knob, int all, int dev);

/* Address helpers shared by profile, state and plan. */
int vip_compare(const void *a, const void *b); /* family, addr */
/* Two prefixes (VIP ranges) share an address. */
bool range_overlaps(const struct vip *a, const struct vip *b);
/* The addresses of range r that probe and watch check, as host VIPs: its
 * first, its middle and its last (fewer when r holds fewer); returns how
 * many were written to out. */
size_t range_samples(const struct vip *r, struct vip out[3]);
/* The addresses probe and watch check for a profile: its VIPs, then the
 * samples of each range that are not VIPs already. An array to free();
 * *n gets its length. */
struct vip *host_checked_addresses(const struct host *h, size_t *n);
/* Why addr can serve no cluster, as the range it is in ("multicast
 * (224.0.0.0/4)"), or NULL; *hint gets advice to append, or "". */
const char *address_unusable(const struct ip_addr *ip, const char **hint);
/* Why a director cannot hold v on its NIC: it is its subnet's network or
 * broadcast address (IPv6: the subnet-router anycast), which the kernel
 * treats as the subnet's, not a host's; NULL when it can. */
const char *vip_subnet_edge(const struct vip *v);

#endif

/* Between the profile reader (src/profile.c: lines, sections, the fixed
 * sections' keys) and the [service NAME] sections (src/profile_service.c).
 * Not for the rest of lvsdr: it reads the struct host profile_parse fills. */
#ifndef LVSDR_PROFILE_INTERNAL_H
#define LVSDR_PROFILE_INTERNAL_H

#include <stdbool.h>

#include "diag.h"
#include "host.h"

enum svc_key {
	SVC_ADDRESS,
	SVC_PORT,
	SVC_FWMARK,
	SVC_FAMILY,
	SVC_SCHEDULER,
	SVC_SH_FALLBACK,
	SVC_SH_PORT,
	SVC_MH_FALLBACK,
	SVC_MH_PORT,
	SVC_PERSISTENCE,
	SVC_PERSISTENCE_PREFIX,
	SVC_ONE_PACKET,
	SVC_DRAIN,
	SVC_REALSERVER,
	SVC_MAX
};

/* One [service NAME] section as read, before the whole-file checks. */
struct service_draft {
	struct ipvs_service svc;    /* dests: ports as given, 0 = none */
	unsigned key_line[SVC_MAX]; /* first line of each key, 0 = not given */
	int family_key;		    /* family = : AF_INET, AF_INET6, 0 when not given */
	unsigned prefix;	    /* persistence-prefix as given, 0 = not given */
	size_t dest_cap;
};

struct services_reader;

struct services_reader *services_reader_new(struct diag *d);
void services_reader_free(struct services_reader *r);

/* A "[service NAME]" header; text is NAME (empty for "[service]"). Returns
 * false when the header is refused: the keys under it are then skipped. */
bool services_section(struct services_reader *r, unsigned line, const char *text);
/* "service web", for the messages of the shared checks. */
const char *services_label(const struct services_reader *r);
void services_key(struct services_reader *r, unsigned line, const char *name, const char *value);
/* Whether name is a key of [service NAME], for the fixed sections' hints. */
bool services_key_known(const char *name);
/* How many sections were read, valid or not. */
size_t services_count(const struct services_reader *r);

/* The rules that need the whole file (the VIPs, the role); then the
 * services move to h->services in ipvs_service_compare order. role_line
 * is the line of role = realserver, for the message. */
void services_finish(struct services_reader *r, struct host *h, unsigned role_line);

/* src/profile_service_check.c. One "realserver = ADDRESS [OPTION=VALUE]..."
 * value into *out; false (with the error recorded) when it is refused. */
bool realserver_parse(struct diag *d, unsigned line, const char *service, const char *value,
		      struct ipvs_dest *out);
/* The rules of one section that need the rest of the file; vips in
 * vip_compare order. Fills what the profile left to defaults, and sorts
 * the real servers. */
void service_check(struct diag *d, struct service_draft *s, const struct vip *vips, size_t nvips);

/* src/profile_range.c: [vip] range and announce. range_parse() appends
 * to h->ranges, announce_parse() one VIP per address to h->vips (each
 * marked announced, false when refused); cap is the array's capacity. */
void range_parse(struct diag *d, unsigned line, const char *value, struct host *h, size_t *cap);
bool announce_parse(struct diag *d, unsigned line, const char *value, struct host *h, size_t *cap);
/* The rules that need the whole file: width (wide_line: the line of
 * wide = yes, 0 when not given), overlaps, addresses inside ranges; a
 * range with nothing announced is not named after an announce = line
 * was refused (that line is the error). */
void ranges_check(struct diag *d, struct host *h, unsigned wide_line, bool announce_failed);

/* src/profile_health.c: [health]. health_key() reads one key into hp;
 * health_check() the rules that need the whole file (timeout_line: the
 * line of timeout =, 0 when not given). */
enum health_key { HEALTH_KEY_INTERVAL,
		  HEALTH_KEY_TIMEOUT,
		  HEALTH_KEY_RISE,
		  HEALTH_KEY_FALL,
		  HEALTH_KEY_ACTION,
		  HEALTH_KEY_SORRY,
		  HEALTH_KEY_QUORUM,
		  HEALTH_KEY_HYSTERESIS };
void health_defaults(struct health_policy *hp);
void health_key(struct diag *d, unsigned line, enum health_key key, const char *value, struct health_policy *hp);
void health_check(struct diag *d, const struct host *h, unsigned timeout_line);

/* src/profile_sync.c: [sync]. sync_key() reads one key (value NULL: the
 * key is there, its value already refused); sync_check() the rules that
 * need the whole file, and the defaults that come from it. */
bool sync_key_known(const char *name);
void sync_key(struct diag *d, unsigned line, const char *name, const char *value, struct sync_policy *sp);
void sync_check(struct diag *d, struct host *h, unsigned role_line);

#endif

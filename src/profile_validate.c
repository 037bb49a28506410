/* The rules of a profile that need the whole file: required keys,
 * role-specific keys and defaults, prefixes, duplicates, [pathcheck] as a
 * whole; then the services, [health] and the ranges. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "profile_internal.h"
#include "profile_reader.h"
#include "util.h"

static int realserver_compare(const void *a, const void *b)
{
	const struct realserver *x = a, *y = b;
	int c = ipaddr_compare(&x->ip, &y->ip);

	if (c)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int port_compare(const void *a, const void *b)
{
	const struct service_port *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* [pathcheck] as a whole: both lists or neither, each entry once, and
 * every real server reachable through a VIP of its family that is not
 * itself. Sorted copies keep a long list n log n. */
static void validate_pathcheck(struct parser *p)
{
	const struct pathcheck_policy *pc = &p->host->pathcheck;
	struct vip *vips = NULL;
	bool has_family[2] = { false, false };
	char text[INET6_ADDRSTRLEN];

	/* One source of truth: with services, pathcheck probes theirs. */
	if (services_count(p->services)) {
		for (int k = KEY_REALSERVER; k <= KEY_PORT; k++)
			if (p->key_line[k])
				diag_error(p->d, p->key_line[k], "[pathcheck] %s: pathcheck probes the real servers and ports "
								 "of the [service NAME] sections; delete [pathcheck] realserver and port",
					   key_table[k].name);
		return;
	}
	if (p->key_line[KEY_REALSERVER] && !p->key_line[KEY_PORT])
		diag_error(p->d, 0, "[pathcheck] port is missing: list the service ports to check, such as port = tcp/80");
	if (p->key_line[KEY_PORT] && !p->key_line[KEY_REALSERVER])
		diag_error(p->d, 0, "[pathcheck] realserver is missing: list the real servers to check by their own "
				    "addresses");
	if ((p->key_line[KEY_TIMEOUT] || p->key_line[KEY_RETRIES]) && !p->key_line[KEY_REALSERVER] &&
	    !p->key_line[KEY_PORT])
		diag_error(p->d, 0, "[pathcheck] has no realserver and no port: timeout and retries alone check nothing");
	if (pc->nrealservers > 1) {
		struct realserver *sorted = xmalloc(pc->nrealservers * sizeof(*sorted));
		memcpy(sorted, pc->realservers, pc->nrealservers * sizeof(*sorted));
		sort_array(sorted, pc->nrealservers, sizeof(*sorted), realserver_compare);
		for (size_t i = 1; i < pc->nrealservers; i++)
			if (ipaddr_equal(&sorted[i - 1].ip, &sorted[i].ip)) {
				ipaddr_format(&sorted[i].ip, text, sizeof(text));
				diag_error(p->d, sorted[i].line, "[pathcheck] realserver %s is listed again (first at line %u)",
					   text, sorted[i - 1].line);
				sorted[i].line = sorted[i - 1].line;
			}
		free(sorted);
	}
	if (pc->nports > 1) {
		struct service_port *sorted = xmalloc(pc->nports * sizeof(*sorted));
		memcpy(sorted, pc->ports, pc->nports * sizeof(*sorted));
		sort_array(sorted, pc->nports, sizeof(*sorted), port_compare);
		for (size_t i = 1; i < pc->nports; i++)
			if (sorted[i - 1].proto == sorted[i].proto && sorted[i - 1].port == sorted[i].port) {
				service_port_format(&sorted[i], text, sizeof(text));
				diag_error(p->d, sorted[i].line, "[pathcheck] port %s is listed again (first at line %u)", text,
					   sorted[i - 1].line);
				sorted[i].line = sorted[i - 1].line;
			}
		free(sorted);
	}
	if (!pc->nrealservers)
		return;
	vips = xmalloc((p->host->nvips ? p->host->nvips : 1) * sizeof(*vips));
	memcpy(vips, p->host->vips, p->host->nvips * sizeof(*vips));
	sort_array(vips, p->host->nvips, sizeof(*vips), vip_compare);
	for (size_t i = 0; i < p->host->nvips; i++)
		has_family[vips[i].ip.family == AF_INET6] = true;
	for (size_t i = 0; i < pc->nrealservers; i++) {
		const struct realserver *rs = &pc->realservers[i];
		struct vip key = { .ip = rs->ip };
		const struct vip *same;
		ipaddr_format(&rs->ip, text, sizeof(text));
		same = p->host->nvips ? bsearch(&key, vips, p->host->nvips, sizeof(*vips), vip_compare) : NULL;
		if (same)
			diag_error(p->d, rs->line, "[pathcheck] realserver = %s: a VIP (line %u); list each real server by "
						   "its own address",
				   text, same->line);
		else if (!has_family[rs->ip.family == AF_INET6] && p->host->nvips)
			diag_error(p->d, rs->line, "[pathcheck] realserver = %s: no %s VIP in [vip] to check it through",
				   text, rs->ip.family == AF_INET6 ? "IPv6" : "IPv4");
	}
	free(vips);
}

/* What a director-only key's section does, for the message refusing it on
 * a real server. */
static const char *director_duty(enum section section)
{
	if (section == SEC_PATHCHECK)
		return "sends to real servers";
	return section == SEC_HEALTH ? "checks real servers" : "announces VIPs";
}

/* Duplicate VIPs: sort a copy, so 10,000 VIPs cost n log n. The copy is
 * kept: reading the state and planning look VIPs up in it. */
static void validate_duplicates(struct parser *p)
{
	struct host *h = p->host;
	struct vip *sorted = xmalloc(h->nvips * sizeof(*sorted));

	memcpy(sorted, h->vips, h->nvips * sizeof(*sorted));
	sort_array(sorted, h->nvips, sizeof(*sorted), vip_compare);
	for (size_t i = 1; i < h->nvips; i++)
		if (!vip_compare(&sorted[i - 1], &sorted[i])) {
			char text[INET6_ADDRSTRLEN];
			unsigned a = sorted[i - 1].line, b = sorted[i].line;
			ipaddr_format(&sorted[i].ip, text, sizeof(text));
			diag_error(p->d, a > b ? a : b, "[vip] address %s is listed again (first at line %u)", text,
				   a < b ? a : b);
			sorted[i].line = a < b ? a : b;
		}
	free(h->vips_sorted);
	h->vips_sorted = sorted;
}

/* A real server: no director-only key, and the knobs that stop the leak. */
static void validate_realserver(struct parser *p)
{
	struct host *h = p->host;

	for (int k = 0; k < KEY_MAX; k++)
		if (key_table[k].director_only && p->key_line[k])
			diag_error(p->d, p->key_line[k], "[%s] %s: only a director %s (role = realserver at line %u)",
				   section_names[key_table[k].section], key_table[k].name,
				   director_duty(key_table[k].section), p->role_line);
	/* The defaults that stop the leak; weaker values are refused
	 * because they leak (see lvsdr.ini(5)). */
	struct knob_values *ign = &h->knobs[KNOB_IGNORE], *ann = &h->knobs[KNOB_ANNOUNCE];
	if (!ign->line) {
		ign->value[SCOPE_ALL] = ign->value[SCOPE_DEV] = 1;
		ign->present[SCOPE_ALL] = ign->present[SCOPE_DEV] = true;
	} else if (ign->value[SCOPE_DEV] != 1 && ign->value[SCOPE_DEV] != 2) {
		diag_error(p->d, ign->line, "[arp] ignore = %d: a real server needs 1 or 2, otherwise it %s",
			   ign->value[SCOPE_DEV], ign->value[SCOPE_DEV] == 8 ? "never answers ARP, even for its own address" : "answers ARP for the VIP on lo");
	}
	if (!ann->line) {
		ann->value[SCOPE_ALL] = ann->value[SCOPE_DEV] = 2;
		ann->present[SCOPE_ALL] = ann->present[SCOPE_DEV] = true;
	} else if (ann->value[SCOPE_DEV] != 2) {
		diag_error(p->d, ann->line, "[arp] announce = %d: a real server needs 2, otherwise its replies "
					    "from the VIP send ARP requests with the VIP as sender and re-point clients",
			   ann->value[SCOPE_DEV]);
	}
}

/* Each VIP's prefix: /32 (/128) on a real server's lo; on a director, not
 * an address no host can hold for clients. */
static void validate_prefixes(struct parser *p)
{
	struct host *h = p->host;

	for (size_t i = 0; i < h->nvips; i++) {
		struct vip *v = &h->vips[i];
		unsigned max = host_prefix(v->ip.family);
		if (h->role == ROLE_REALSERVER && v->ip.prefix != max) {
			char text[64];
			ipaddr_format_prefix(&v->ip, text, sizeof(text));
			diag_error(p->d, v->line, "[vip] address = %s: a real server binds VIPs on lo as /%u; a wider prefix "
						  "makes the whole subnet local and cuts the host off from its neighbours",
				   text, max);
		}
		const char *edge = h->role == ROLE_DIRECTOR ? vip_subnet_edge(v) : NULL;
		if (edge) {
			char text[64];
			ipaddr_format_prefix(&v->ip, text, sizeof(text));
			diag_error(p->d, v->line, "[vip] address = %s: is %s; no host can hold it for clients (pick "
						  "another address or prefix)",
				   text, edge);
		}
	}
}

/* Rules that need the whole file: required keys, role-specific keys,
 * prefixes, duplicate VIPs. */
void profile_validate(struct parser *p)
{
	struct host *h = p->host;

	if (!p->key_line[KEY_ROLE])
		diag_error(p->d, 0, "[host] role is missing: set role = realserver or role = director");
	if (!p->key_line[KEY_INTERFACE])
		diag_error(p->d, 0, "[host] interface is missing: name the NIC on the segment shared by director and real servers");
	if (!p->key_line[KEY_ADDRESS] && !p->key_line[KEY_RANGE])
		diag_error(p->d, 0, "[vip] address is missing: list at least one VIP");
	if (h->role != ROLE_REALSERVER)
		validate_pathcheck(p);
	if (h->nvips > 1)
		validate_duplicates(p);
	services_finish(p->services, h, p->role_line);
	h->health.line = p->section_line[SEC_HEALTH];
	h->health.enabled = h->health.line != 0;
	health_check(p->d, h, p->key_line[KEY_H_TIMEOUT]);
	h->sync.line = p->section_line[SEC_SYNC];
	h->sync.enabled = h->sync.line != 0;
	sync_check(p->d, h, p->role_line);
	if (h->role == ROLE_NONE)
		return;
	ranges_check(p->d, h, p->wide_line, p->announce_failed);
	if (h->role == ROLE_REALSERVER)
		validate_realserver(p);
	if (h->policy == POLICY_DEV_ONLY)
		for (int k = 0; k < KNOB_COUNT; k++)
			h->knobs[k].present[SCOPE_ALL] = false;
	validate_prefixes(p);
}

/* The IPVS model's helpers (include/ipvs.h). */
#include "ipvs.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "host.h"
#include "util.h"

static int cmp_u(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

int ipvs_service_compare(const void *pa, const void *pb)
{
	const struct ipvs_service *a = pa, *b = pb;
	int c;

	if ((c = cmp_u(a->ip.family, b->ip.family)))
		return c;
	/* Address services first, then firewall marks, as ipvsadm lists them. */
	if ((c = cmp_u(a->fwmark != 0, b->fwmark != 0)))
		return c;
	if (a->fwmark || b->fwmark)
		return cmp_u(a->fwmark, b->fwmark);
	if ((c = cmp_u(a->proto, b->proto)))
		return c;
	if ((c = memcmp(a->ip.bytes, b->ip.bytes, 16)))
		return c < 0 ? -1 : 1;
	return cmp_u(a->port, b->port);
}

int ipvs_dest_compare(const void *pa, const void *pb)
{
	const struct ipvs_dest *a = pa, *b = pb;
	int c;

	if ((c = ipaddr_compare(&a->ip, &b->ip)))
		return c;
	return cmp_u(a->port, b->port);
}

static const char *proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp"
				      : proto == IPPROTO_SCTP	   ? "sctp"
								   : "ip";
}

static int endpoint_format(const struct ip_addr *a, uint16_t port, char *buf, size_t len)
{
	char text[64];

	ipaddr_format(a, text, sizeof(text));
	if (!port)
		return snprintf(buf, len, "%s", text);
	return snprintf(buf, len, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u", text, (unsigned)port);
}

int ipvs_service_format(const struct ipvs_service *svc, char *buf, size_t len)
{
	char ep[64];

	if (svc->fwmark)
		return snprintf(buf, len, "fwmark %u (%s)", (unsigned)svc->fwmark,
				svc->ip.family == AF_INET6 ? "IPv6" : "IPv4");
	endpoint_format(&svc->ip, svc->port, ep, sizeof(ep));
	return snprintf(buf, len, "%s/%s", proto_name(svc->proto), ep);
}

int ipvs_dest_format(const struct ipvs_dest *d, char *buf, size_t len)
{
	return endpoint_format(&d->ip, d->port, buf, len);
}

const char *ipvs_method_name(enum ipvs_method m)
{
	switch (m) {
	case METHOD_NAT:
		return "nat";
	case METHOD_LOCAL:
		return "local";
	case METHOD_TUNNEL:
		return "tunnel";
	case METHOD_DR:
		return "dr";
	case METHOD_BYPASS:
		return "bypass";
	}
	return "unknown";
}

struct ipvs_dest *ipvs_dest_find(const struct ipvs_service *svc, const struct ipvs_dest *d)
{
	if (!svc || !svc->ndests)
		return NULL;
	return bsearch(d, svc->dests, svc->ndests, sizeof(*svc->dests), ipvs_dest_compare);
}

struct ipvs_service *ipvs_service_find(struct ipvs_service *services, size_t n, const struct ipvs_service *s)
{
	if (!n)
		return NULL;
	return bsearch(s, services, n, sizeof(*services), ipvs_service_compare);
}

void ipvs_services_free(struct ipvs_service *services, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(services[i].dests);
	free(services);
}

const char *ipvs_sync_state_name(enum ipvs_sync_state state)
{
	return state == IPVS_SYNC_MASTER ? "master" : state == IPVS_SYNC_BACKUP ? "backup"
										: "none";
}

bool ipvs_daemon_matches(const struct ipvs_daemon *live, const struct ipvs_daemon *want)
{
	if (live->state != want->state || live->syncid != want->syncid || strcmp(live->ifname, want->ifname))
		return false;
	if (want->group.family && !ipaddr_equal(&live->group, &want->group))
		return false;
	return (!want->port || live->port == want->port) && (!want->maxlen || live->maxlen == want->maxlen) &&
	       (!want->ttl || live->ttl == want->ttl);
}

int ipvs_daemon_format(const struct ipvs_daemon *d, char *buf, size_t len)
{
	char group[72] = "the default group", ep[64];

	if (d->group.family) {
		endpoint_format(&d->group, (uint16_t)d->port, ep, sizeof(ep));
		snprintf(group, sizeof(group), "group %s", ep);
	} else if (d->port) {
		snprintf(group, sizeof(group), "port %u", d->port);
	}
	return snprintf(buf, len, "%s on %s, syncid %u, %s", ipvs_sync_state_name(d->state), d->ifname, d->syncid,
			group);
}

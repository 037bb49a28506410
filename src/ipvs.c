/* The helpers of include/ipvs.h: order, identity and text of services and
 * real servers. Temporary on the svcprof branch so the profile side links;
 * the lead keeps one implementation when the engine's lands. */
#include "ipvs.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "host.h"

static int order(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

int ipvs_service_compare(const void *pa, const void *pb)
{
	const struct ipvs_service *a = pa, *b = pb;
	int c;

	if ((c = order((uint64_t)a->family, (uint64_t)b->family)))
		return c;
	/* Address services before fwmark services: any fixed order will do. */
	if ((c = order(a->fwmark != 0, b->fwmark != 0)))
		return c;
	if (a->fwmark)
		return order(a->fwmark, b->fwmark);
	if ((c = order(a->proto, b->proto)))
		return c;
	if ((c = addr_compare(a->family, a->addr, b->family, b->addr)))
		return c;
	return order(a->port, b->port);
}

int ipvs_dest_compare(const void *pa, const void *pb)
{
	const struct ipvs_dest *a = pa, *b = pb;
	int c = addr_compare(a->family, a->addr, b->family, b->addr);

	return c ? c : order(a->port, b->port);
}

static const char *proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_SCTP:
		return "sctp";
	}
	return "ip";
}

/* "192.0.2.1:80", "[2001:db8::1]:80", or the bare address for port 0. */
static int endpoint_format(int family, const uint8_t *addr, uint16_t port, char *buf, size_t len)
{
	char text[64];

	addr_format(family, addr, text, sizeof(text));
	if (!port)
		return snprintf(buf, len, "%s", text);
	return snprintf(buf, len, family == AF_INET6 ? "[%s]:%u" : "%s:%u", text, (unsigned)port);
}

int ipvs_service_format(const struct ipvs_service *svc, char *buf, size_t len)
{
	char ep[64];

	if (svc->fwmark)
		return snprintf(buf, len, "fwmark %u (%s)", (unsigned)svc->fwmark,
				svc->family == AF_INET6 ? "IPv6" : "IPv4");
	endpoint_format(svc->family, svc->addr, svc->port, ep, sizeof(ep));
	return snprintf(buf, len, "%s/%s", proto_name(svc->proto), ep);
}

int ipvs_dest_format(const struct ipvs_dest *d, char *buf, size_t len)
{
	return endpoint_format(d->family, d->addr, d->port, buf, len);
}

const char *ipvs_method_name(enum ipvs_method m)
{
	static const char *const names[] = { "nat", "local", "tunnel", "dr", "bypass" };

	return (unsigned)m < sizeof(names) / sizeof(names[0]) ? names[m] : "unknown";
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

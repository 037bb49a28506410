/* One source of truth for pathcheck: a director whose profile lists its
 * IPVS services is checked on exactly those VIPs, real servers and ports,
 * with no second list in [pathcheck] to drift apart from them. */
#include "pathcheck_run.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const char *pathcheck_service_skipped(const struct ipvs_service *svc)
{
	if (svc->fwmark)
		return "a fwmark service has no port to probe";
	if (svc->proto != IPPROTO_TCP && svc->proto != IPPROTO_UDP)
		return "pathcheck probes tcp and udp only";
	return NULL;
}

static bool vip_listed(const struct vip *only, size_t nonly, const struct ipvs_service *svc)
{
	if (!nonly)
		return true;
	for (size_t i = 0; i < nonly; i++)
		if (ipaddr_equal(&only[i].ip, &svc->ip))
			return true;
	return false;
}

static int realserver_order(const void *a, const void *b)
{
	const struct realserver *x = a, *y = b;

	return ipaddr_compare(&x->ip, &y->ip);
}

/* Each real server once, sorted: n log n for a table of thousands. */
static void realservers_unique(struct pathcheck_services *out)
{
	size_t n = 0;

	if (!out->nrealservers)
		return;
	sort_array(out->realservers, out->nrealservers, sizeof(*out->realservers), realserver_order);
	for (size_t i = 1; i < out->nrealservers; i++)
		if (realserver_order(&out->realservers[n], &out->realservers[i]))
			out->realservers[++n] = out->realservers[i];
	out->nrealservers = n + 1;
}

static void port_add(struct pathcheck_services *out, const struct service_port *sp)
{
	for (size_t i = 0; i < out->nports; i++)
		if (out->ports[i].proto == sp->proto && out->ports[i].port == sp->port)
			return;
	out->ports = xreallocarray(out->ports, out->nports + 1, sizeof(*out->ports));
	out->ports[out->nports++] = *sp;
}

void pathcheck_services_collect(const struct host *h, const struct vip *only, size_t nonly,
				struct pathcheck_services *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t s = 0; s < h->nservices; s++) {
		const struct ipvs_service *svc = &h->services[s];
		struct service_port sp = { .proto = svc->proto, .port = svc->port, .line = svc->line };
		if (pathcheck_service_skipped(svc) || !vip_listed(only, nonly, svc) || !svc->ndests)
			continue;
		port_add(out, &sp);
		out->nservices++;
		out->targets = xreallocarray(out->targets, out->ntargets + svc->ndests, sizeof(*out->targets));
		out->realservers = xreallocarray(out->realservers, out->nrealservers + svc->ndests,
						 sizeof(*out->realservers));
		for (size_t i = 0; i < svc->ndests; i++) {
			struct pathcheck_target *t = &out->targets[out->ntargets++];
			/* A real server of a service is of its VIP's family
			 * (profile_service_check.c). */
			t->vip = svc->ip;
			t->realserver = svc->dests[i].ip;
			t->port = sp;
			out->realservers[out->nrealservers++] = (struct realserver){ .ip = svc->dests[i].ip };
		}
	}
	realservers_unique(out);
}

void pathcheck_services_free(struct pathcheck_services *ps)
{
	free(ps->targets);
	free(ps->realservers);
	free(ps->ports);
	memset(ps, 0, sizeof(*ps));
}

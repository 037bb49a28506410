/* The IPVS table in verify --prom: per real server its weight, connections
 * and counters, with the labels node_exporter's ipvs collector uses
 * (local_address, local_port, local_mark, proto, remote_address,
 * remote_port), under lvsdr_ names so that both can run on one host. */
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>

#include "monitor.h"

static void counter_family(FILE *out, const char *name, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
}

struct backend_labels {
	char local_address[64], local_port[8], local_mark[12], proto[8], remote_address[64], remote_port[8];
};

static void labels(const struct ipvs_service *s, const struct ipvs_dest *d, struct backend_labels *l)
{
	l->local_address[0] = l->local_port[0] = l->local_mark[0] = '\0';
	if (s->fwmark) {
		snprintf(l->local_mark, sizeof(l->local_mark), "%u", (unsigned)s->fwmark);
		snprintf(l->proto, sizeof(l->proto), "FWM");
	} else {
		ipaddr_format(&s->ip, l->local_address, sizeof(l->local_address));
		snprintf(l->local_port, sizeof(l->local_port), "%u", (unsigned)s->port);
		snprintf(l->proto, sizeof(l->proto), "%s",
			 s->proto == IPPROTO_TCP ? "TCP" : s->proto == IPPROTO_UDP ? "UDP"
										   : "SCTP");
	}
	ipaddr_format(&d->ip, l->remote_address, sizeof(l->remote_address));
	snprintf(l->remote_port, sizeof(l->remote_port), "%u", (unsigned)d->port);
}

/* Which number of a destination a metric shows. */
enum backend_value { B_WEIGHT,
		     B_ACTIVE,
		     B_INACTIVE,
		     B_CONNS,
		     B_INPKTS,
		     B_OUTPKTS,
		     B_INBYTES,
		     B_OUTBYTES };

static const struct {
	const char *name, *help;
	bool counter;
} backend_metrics[] = {
	[B_WEIGHT] = { "lvsdr_ipvs_backend_weight", "Weight of the real server in the service.", false },
	[B_ACTIVE] = { "lvsdr_ipvs_backend_connections_active", "Active connections to the real server.", false },
	[B_INACTIVE] = { "lvsdr_ipvs_backend_connections_inactive", "Inactive connections to the real server.", false },
	[B_CONNS] = { "lvsdr_ipvs_backend_connections_total", "Connections scheduled to the real server.", true },
	[B_INPKTS] = { "lvsdr_ipvs_backend_incoming_packets_total", "Packets forwarded to the real server.", true },
	[B_OUTPKTS] = { "lvsdr_ipvs_backend_outgoing_packets_total", "Packets from the real server through the "
								     "director (0 in direct routing: replies go straight to the client).",
			true },
	[B_INBYTES] = { "lvsdr_ipvs_backend_incoming_bytes_total", "Bytes forwarded to the real server.", true },
	[B_OUTBYTES] = { "lvsdr_ipvs_backend_outgoing_bytes_total", "Bytes from the real server through the "
								    "director.",
			 true },
};

static long long backend_value(const struct ipvs_dest *d, enum backend_value v)
{
	switch (v) {
	case B_WEIGHT:
		return d->weight;
	case B_ACTIVE:
		return d->active;
	case B_INACTIVE:
		return d->inactive;
	case B_CONNS:
		return (long long)d->stats.conns;
	case B_INPKTS:
		return (long long)d->stats.inpkts;
	case B_OUTPKTS:
		return (long long)d->stats.outpkts;
	case B_INBYTES:
		return (long long)d->stats.inbytes;
	case B_OUTBYTES:
		return (long long)d->stats.outbytes;
	}
	return 0;
}

void monitor_ipvs_prom(FILE *out, const struct plan *p, const char *profile)
{
	const struct host *live = p->live;
	struct backend_labels l;

	if (!live->ipvs_read)
		return;
	prom_family(out, "lvsdr_ipvs_service_owned", "1 for a service of the IPVS table that lvsdr owns, 0 for another.");
	for (size_t i = 0; i < live->nservices; i++) {
		const struct ipvs_service *s = &live->services[i];
		struct ipvs_dest none = { .ip.family = s->ip.family };
		labels(s, &none, &l);
		prom_sample(out, "lvsdr_ipvs_service_owned", s->owned, "profile", profile, "local_address",
			    l.local_address, "local_port", l.local_port, "local_mark", l.local_mark, "proto", l.proto,
			    NULL);
	}
	for (size_t m = 0; m < sizeof(backend_metrics) / sizeof(backend_metrics[0]); m++) {
		if (backend_metrics[m].counter)
			counter_family(out, backend_metrics[m].name, backend_metrics[m].help);
		else
			prom_family(out, backend_metrics[m].name, backend_metrics[m].help);
		for (size_t i = 0; i < live->nservices; i++)
			for (size_t j = 0; j < live->services[i].ndests; j++) {
				const struct ipvs_dest *d = &live->services[i].dests[j];
				labels(&live->services[i], d, &l);
				prom_sample(out, backend_metrics[m].name, backend_value(d, (enum backend_value)m),
					    "profile", profile, "local_address", l.local_address, "local_port",
					    l.local_port, "local_mark", l.local_mark, "proto", l.proto, "remote_address",
					    l.remote_address, "remote_port", l.remote_port, NULL);
			}
	}
}

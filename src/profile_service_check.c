/* [service NAME], the parts that need more than one key: a real server's
 * "ADDRESS OPTION=VALUE..." value, and the rules that hold a section to the
 * rest of the profile (lvsdr.ini(5)). Every rule here is one that ipvsadm
 * and keepalived let through and the kernel then gets wrong silently. */
#include "profile_internal.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "profile.h"
#include "util.h"

enum rs_option { OPT_WEIGHT,
		 OPT_METHOD,
		 OPT_UTHRESHOLD,
		 OPT_LTHRESHOLD,
		 OPT_COUNT };
static const char *const rs_options[OPT_COUNT] = { "weight", "method", "uthreshold", "lthreshold" };

/* "198.51.100.11", "198.51.100.11:80", "2001:db8::11", "[2001:db8::11]:80".
 * NULL, or why not. */
static const char *endpoint_parse(const char *w, struct ipvs_dest *out)
{
	const char *colon = strchr(w, ':'), *port_text = NULL;
	char text[INET6_ADDRSTRLEN + 8];
	bool bracket = w[0] == '[', has_prefix;
	size_t start = bracket, alen;
	uint64_t port;

	if (bracket) {
		const char *close = strchr(w, ']');
		if (!close || (close[1] && close[1] != ':'))
			return "not an address such as [2001:db8::11]:80: ']' must end the address, then :PORT";
		alen = (size_t)(close - w) - 1;
		port_text = close[1] ? close + 2 : NULL;
	} else if (colon && colon == strrchr(w, ':')) {
		alen = (size_t)(colon - w); /* one ':' is IPv4 and a port */
		port_text = colon + 1;
	} else {
		alen = strlen(w);
	}
	if (alen >= sizeof(text))
		return "not an IPv4 or IPv6 address";
	memcpy(text, w + start, alen);
	text[alen] = '\0';
	if (!ipaddr_parse(text, &out->ip, &has_prefix) || (bracket && out->ip.family != AF_INET6))
		return "not an IPv4 or IPv6 address with an optional port, such as 198.51.100.11, 198.51.100.11:80 or "
		       "[2001:db8::11]:80";
	if (has_prefix)
		return "a real server is one address; write it without a prefix";
	if (port_text && (!parse_uint(port_text, 65535, &port) || port < 1))
		return "the port after ':' must be a number from 1 to 65535 without leading zeros";
	out->port = port_text ? (uint16_t)port : 0;
	return NULL;
}

/* One OPTION=VALUE word into out. NULL, or why not (in why_buf). */
static const char *option_parse(char *word, bool seen[OPT_COUNT], struct ipvs_dest *out, char *why_buf, size_t len)
{
	char *eq = strchr(word, '=');
	const char *value;
	uint64_t v;
	int opt = -1;

	if (!eq) {
		snprintf(why_buf, len, "\"%s\" is not an option: write weight=N, method=dr|tunnel, uthreshold=N or "
				       "lthreshold=N",
			 word);
		return why_buf;
	}
	*eq = '\0';
	value = eq + 1;
	for (int o = 0; o < OPT_COUNT; o++)
		if (!strcmp(word, rs_options[o]))
			opt = o;
	if (opt < 0) {
		const char *best = closest_word(word, rs_options, OPT_COUNT, sizeof(rs_options[0]));
		if (best)
			snprintf(why_buf, len, "unknown option %s; did you mean %s?", word, best);
		else
			snprintf(why_buf, len, "unknown option %s; the options are weight, method, uthreshold and "
					       "lthreshold",
				 word);
		return why_buf;
	}
	if (seen[opt]) {
		snprintf(why_buf, len, "%s is given twice", word);
		return why_buf;
	}
	seen[opt] = true;
	switch (opt) {
	case OPT_WEIGHT:
		if (!parse_uint(value, LVSDR_SERVICE_WEIGHT_MAX, &v))
			return snprintf(why_buf, len, "weight=%s: must be a whole number, 0-%u", value,
					LVSDR_SERVICE_WEIGHT_MAX),
			       why_buf;
		out->weight = (uint32_t)v;
		break;
	case OPT_METHOD:
		if (!strcmp(value, "dr"))
			out->method = METHOD_DR;
		else if (!strcmp(value, "tunnel"))
			out->method = METHOD_TUNNEL;
		else
			return snprintf(why_buf, len, "method=%s: must be dr or tunnel, the methods that leave addresses "
						      "and ports alone",
					value),
			       why_buf;
		break;
	default:
		if (!parse_uint(value, LVSDR_SERVICE_THRESHOLD_MAX, &v))
			return snprintf(why_buf, len, "%s=%s: must be a whole number, 0-%u (0: no threshold)", word, value,
					LVSDR_SERVICE_THRESHOLD_MAX),
			       why_buf;
		*(opt == OPT_UTHRESHOLD ? &out->uthreshold : &out->lthreshold) = (uint32_t)v;
		break;
	}
	return NULL;
}

bool realserver_parse(struct diag *d, unsigned line, const char *service, const char *value, struct ipvs_dest *out)
{
	char *buf = xstrdup(value), *save = NULL, *word = strtok_r(buf, " \t", &save), why_buf[160];
	bool seen[OPT_COUNT] = { false };
	const char *why, *hint = "";

	memset(out, 0, sizeof(*out));
	out->weight = LVSDR_SERVICE_WEIGHT;
	out->method = METHOD_DR;
	out->line = line;
	why = endpoint_parse(word, out);
	if (!why && (why = address_unusable(&out->ip, &hint))) {
		snprintf(why_buf, sizeof(why_buf), "%s, not a real server's address%s", why, hint);
		why = why_buf;
	}
	while (!why && (word = strtok_r(NULL, " \t", &save)))
		why = option_parse(word, seen, out, why_buf, sizeof(why_buf));
	if (!why && out->lthreshold && !out->uthreshold)
		why = "lthreshold without uthreshold: the lower threshold only ends an overload the upper one starts";
	else if (!why && out->lthreshold > out->uthreshold)
		why = "lthreshold is above uthreshold: an overload would end as soon as it began";
	if (why)
		diag_error(d, line, "[service %s] realserver = %s: %s", service, value, why);
	free(buf);
	return !why;
}

/* "the IPv4 VIPs are 192.0.2.100 and 192.0.2.101", for a service address
 * that is none of them. */
static void vip_choices(int family, const struct vip *vips, size_t nvips, char *buf, size_t len)
{
	const char *fam = family == AF_INET6 ? "IPv6" : "IPv4";
	size_t n = 0, shown = 0, used;
	char text[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < nvips; i++)
		n += vips[i].ip.family == family;
	if (!n) {
		snprintf(buf, len, "the profile has no %s VIP", fam);
		return;
	}
	used = (size_t)snprintf(buf, len, "the %s VIP%s %s ", fam, n == 1 ? "" : "s", n == 1 ? "is" : "are");
	for (size_t i = 0; i < nvips && shown < 3 && used < len; i++) {
		if (vips[i].ip.family != family)
			continue;
		ipaddr_format(&vips[i].ip, text, sizeof(text));
		shown++;
		used += (size_t)snprintf(buf + used, len - used, "%s%s", shown == 1 ? "" : shown == n ? " and "
												      : ", ",
					 text);
	}
	if (n > shown && used < len)
		snprintf(buf + used, len - used, " and %zu more", n - shown);
}

static const struct vip *vip_find(const struct vip *vips, size_t nvips, const struct ip_addr *a)
{
	const struct vip key = { .ip = *a };

	return nvips ? bsearch(&key, vips, nvips, sizeof(*vips), vip_compare) : NULL;
}

/* Which of address + port and fwmark the section uses; the family. */
static void check_form(struct diag *d, struct service_draft *s, const struct vip *vips, size_t nvips)
{
	struct ipvs_service *svc = &s->svc;
	const unsigned *kl = s->key_line;
	char text[INET6_ADDRSTRLEN], choices[200];

	if (kl[SVC_FWMARK]) {
		if (kl[SVC_ADDRESS])
			diag_error(d, kl[SVC_ADDRESS], "[service %s] address: a service is an address and a port, or a "
						       "fwmark (line %u), not both",
				   svc->name, kl[SVC_FWMARK]);
		if (kl[SVC_PORT])
			diag_error(d, kl[SVC_PORT], "[service %s] port: a fwmark service (line %u) takes whatever ports "
						    "the mark matches; remove port",
				   svc->name, kl[SVC_FWMARK]);
		svc->ip.family = s->family_key ? s->family_key : AF_INET;
		memset(svc->ip.bytes, 0, sizeof(svc->ip.bytes));
		svc->proto = 0;
		svc->port = 0;
		return;
	}
	if (kl[SVC_FAMILY])
		diag_error(d, kl[SVC_FAMILY], "[service %s] family: only for a fwmark service; a service's address "
					      "sets its family",
			   svc->name);
	if (!kl[SVC_ADDRESS] && !kl[SVC_PORT])
		diag_error(d, svc->line, "[service %s] has no address and port, and no fwmark: write address = VIP and "
					 "port = tcp/80, or fwmark = N",
			   svc->name);
	else if (!kl[SVC_ADDRESS])
		diag_error(d, svc->line, "[service %s] has a port but no address: add address = VIP", svc->name);
	else if (!kl[SVC_PORT])
		diag_error(d, svc->line, "[service %s] has an address but no port: add port = tcp/N, udp/N or sctp/N",
			   svc->name);
	if (svc->ip.family && !vip_find(vips, nvips, &svc->ip)) {
		ipaddr_format(&svc->ip, text, sizeof(text));
		vip_choices(svc->ip.family, vips, nvips, choices, sizeof(choices));
		diag_error(d, kl[SVC_ADDRESS], "[service %s] address = %s: not a VIP of this profile; %s", svc->name,
			   text, choices);
	}
}

/* Scheduler flags, persistence and one-packet against the rest. */
static void check_options(struct diag *d, struct service_draft *s)
{
	static const struct {
		enum svc_key key;
		const char *sched;
	} sched_flags[] = {
		{ SVC_SH_FALLBACK, "sh" },
		{ SVC_SH_PORT, "sh" },
		{ SVC_MH_FALLBACK, "mh" },
		{ SVC_MH_PORT, "mh" },
	};
	struct ipvs_service *svc = &s->svc;
	const unsigned *kl = s->key_line;

	for (size_t i = 0; i < sizeof(sched_flags) / sizeof(sched_flags[0]); i++)
		if (kl[sched_flags[i].key] && strcmp(svc->scheduler, sched_flags[i].sched))
			diag_error(d, kl[sched_flags[i].key], "[service %s] %s: a flag of the %s scheduler, and this "
							      "service's scheduler is %s",
				   svc->name, sched_flags[i].key == SVC_SH_FALLBACK ? "sh-fallback" : sched_flags[i].key == SVC_SH_PORT ? "sh-port"
											      : sched_flags[i].key == SVC_MH_FALLBACK	? "mh-fallback"
																	: "mh-port",
				   sched_flags[i].sched, svc->scheduler);
	if (svc->timeout)
		svc->flags |= LVSDR_SVC_PERSISTENT;
	if (svc->ip.family)
		svc->persist_prefix = (uint8_t)host_prefix(svc->ip.family);
	if (kl[SVC_PERSISTENCE_PREFIX] && !kl[SVC_PERSISTENCE])
		diag_error(d, kl[SVC_PERSISTENCE_PREFIX], "[service %s] persistence-prefix: only with persistence, "
							  "whose client networks it sets",
			   svc->name);
	else if (s->prefix && svc->ip.family && s->prefix > host_prefix(svc->ip.family))
		diag_error(d, kl[SVC_PERSISTENCE_PREFIX], "[service %s] persistence-prefix = %u: an %s service takes "
							  "1-%u",
			   svc->name, s->prefix, svc->ip.family == AF_INET6 ? "IPv6" : "IPv4",
			   host_prefix(svc->ip.family));
	else if (s->prefix)
		svc->persist_prefix = (uint8_t)s->prefix;
	if (kl[SVC_ONE_PACKET] && !kl[SVC_FWMARK] && svc->proto && svc->proto != IPPROTO_UDP)
		diag_error(d, kl[SVC_ONE_PACKET], "[service %s] one-packet: only for udp and fwmark services; a %s "
						  "connection's packets must all reach the same real server",
			   svc->name,
			   svc->proto == IPPROTO_TCP ? "tcp" : "sctp");
}

/* One real server against its service and the VIPs; its port set. */
static void check_dest(struct diag *d, const struct ipvs_service *svc, struct ipvs_dest *dest,
		       const struct vip *vips, size_t nvips)
{
	const struct vip *vip;
	char text[INET6_ADDRSTRLEN];

	ipaddr_format(&dest->ip, text, sizeof(text));
	if (svc->ip.family && dest->ip.family != svc->ip.family)
		diag_error(d, dest->line, "[service %s] realserver %s: an %s real server for an %s service", svc->name,
			   text, dest->ip.family == AF_INET6 ? "IPv6" : "IPv4", svc->ip.family == AF_INET6 ? "IPv6" : "IPv4");
	if ((vip = vip_find(vips, nvips, &dest->ip)))
		diag_error(d, dest->line, "[service %s] realserver %s: a VIP of this profile (line %u); name each real "
					  "server by its own address",
			   svc->name, text, vip->line);
	if (svc->fwmark && dest->port)
		diag_error(d, dest->line, "[service %s] realserver %s: a fwmark service sends each packet on to the "
					  "port it was sent to; write the real server without :%u",
			   svc->name, text, dest->port);
	else if (svc->port && dest->port && dest->port != svc->port)
		diag_error(d, dest->line, "[service %s] realserver %s: IPVS %s cannot rewrite the port: traffic for "
					  "%s/%u would reach %s on port %u, not %u (ipvsadm accepts it silently); give no port or "
					  ":%u",
			   svc->name, text, dest->method == METHOD_TUNNEL ? "tunnelling" : "DR",
			   svc->proto == IPPROTO_TCP ? "tcp" : svc->proto == IPPROTO_UDP ? "udp"
											 : "sctp",
			   svc->port,
			   text, svc->port, dest->port, svc->port);
	dest->port = svc->fwmark ? 0 : svc->port;
}

/* ipvs_dest_compare, then the line: a stable order for the messages. */
static int dest_line_compare(const void *a, const void *b)
{
	const struct ipvs_dest *x = a, *y = b;
	int c = ipvs_dest_compare(a, b);

	return c ? c : x->line < y->line ? -1
					 : x->line > y->line;
}

void service_check(struct diag *d, struct service_draft *s, const struct vip *vips, size_t nvips)
{
	struct ipvs_service *svc = &s->svc;
	char text[INET6_ADDRSTRLEN];

	check_form(d, s, vips, nvips);
	check_options(d, s);
	for (size_t i = 0; i < svc->ndests; i++)
		check_dest(d, svc, &svc->dests[i], vips, nvips);
	if (svc->ndests > 1)
		sort_array(svc->dests, svc->ndests, sizeof(*svc->dests), dest_line_compare);
	for (size_t i = 1; i < svc->ndests; i++) {
		struct ipvs_dest *a = &svc->dests[i - 1], *b = &svc->dests[i];
		if (!ipaddr_equal(&a->ip, &b->ip))
			continue;
		ipaddr_format(&b->ip, text, sizeof(text));
		diag_error(d, b->line, "[service %s] realserver %s is listed again (first at line %u)", svc->name, text,
			   a->line);
		b->line = a->line;
	}
}

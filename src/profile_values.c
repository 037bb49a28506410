/* The values of the fixed sections that need more than a word: [arp]
 * knobs, [vip] address and the [pathcheck] lists, each refused with a
 * message that says what is wrong and what is right. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "profile_reader.h"
#include "util.h"

void parse_knob(struct parser *p, enum arp_knob knob, const char *value)
{
	struct knob_values *k = &p->host->knobs[knob];
	char range[32];
	int v;

	if (knob == KNOB_IGNORE)
		snprintf(range, sizeof(range), "0-3 or 8 (4-7 are reserved)");
	else
		snprintf(range, sizeof(range), "%d-%d", knob_table[knob].min, knob_table[knob].max);
	if (!parse_int(value, &v)) {
		diag_error(p->d, p->lineno, "[arp] %s = %s: must be a whole number, %s", knob_table[knob].key, value,
			   range);
		return;
	}
	if (!knob_value_meaningful(knob, v)) {
		diag_error(p->d, p->lineno, "[arp] %s = %s: must be %s", knob_table[knob].key, value, range);
		return;
	}
	k->value[SCOPE_ALL] = k->value[SCOPE_DEV] = v;
	k->present[SCOPE_ALL] = k->present[SCOPE_DEV] = true;
	k->line = p->lineno;
}

static bool vip_address_sane(struct parser *p, const struct ip_addr *a, const char *value)
{
	const char *hint = "", *why = address_unusable(a, &hint);

	if (why)
		diag_error(p->d, p->lineno, "[vip] address = %s: %s, not usable as a VIP%s", value, why, hint);
	return !why;
}

/* ipaddr_parse() said no: tell which part is wrong and what is right. */
static void address_error(struct parser *p, const char *value)
{
	const char *slash = strchr(value, '/');
	char text[256];
	struct ip_addr addr;
	bool has_prefix;

	if (strpbrk(value, ", \t")) {
		diag_error(p->d, p->lineno, "[vip] address = %s: one address per line; repeat address = for each VIP",
			   value);
		return;
	}
	snprintf(text, sizeof(text), "%.*s", slash ? (int)(slash - value) : (int)sizeof(text) - 1, value);
	if (slash && ipaddr_parse(text, &addr, &has_prefix)) {
		diag_error(p->d, p->lineno, "[vip] address = %s: the prefix after '/' must be a number from 1 to %u",
			   value, host_prefix(addr.family));
		return;
	}
	if (strchr(text, ':'))
		diag_error(p->d, p->lineno, "[vip] address = %s: not an IPv6 address such as 2001:db8::10", value);
	else
		diag_error(p->d, p->lineno, "[vip] address = %s: not an IPv4 address: write four numbers 0-255 "
					    "without leading zeros, such as 192.0.2.10",
			   value);
}

void parse_address_key(struct parser *p, const char *value)
{
	struct vip vip = { .line = p->lineno };
	bool has_prefix;

	if (!ipaddr_parse(value, &vip.ip, &has_prefix)) {
		address_error(p, value);
		return;
	}
	if (!vip_address_sane(p, &vip.ip, value))
		return;
	if (has_prefix && vip.ip.prefix == 0) {
		diag_error(p->d, p->lineno, "[vip] address = %s: /0 would make every address local", value);
		return;
	}
	if (p->host->nvips == p->vip_cap) {
		p->vip_cap = p->vip_cap ? p->vip_cap * 2 : 8;
		p->host->vips = xreallocarray(p->host->vips, p->vip_cap, sizeof(*p->host->vips));
	}
	p->host->vips[p->host->nvips++] = vip;
}

void parse_realserver(struct parser *p, const char *value)
{
	struct realserver rs = { .line = p->lineno };
	const char *why, *hint;
	bool has_prefix;

	if (strpbrk(value, ", \t")) {
		diag_error(p->d, p->lineno, "[pathcheck] realserver = %s: one address per line; repeat realserver = for "
					    "each real server",
			   value);
		return;
	}
	if (!ipaddr_parse(value, &rs.ip, &has_prefix)) {
		diag_error(p->d, p->lineno, "[pathcheck] realserver = %s: not an IPv4 or IPv6 address such as 192.0.2.11",
			   value);
		return;
	}
	if (has_prefix) {
		diag_error(p->d, p->lineno, "[pathcheck] realserver = %s: a real server is one address; write it "
					    "without a prefix",
			   value);
		return;
	}
	if ((why = address_unusable(&rs.ip, &hint))) {
		diag_error(p->d, p->lineno, "[pathcheck] realserver = %s: %s, not a real server's address%s", value, why,
			   hint);
		return;
	}
	struct pathcheck_policy *pc = &p->host->pathcheck;
	if (pc->nrealservers == p->realserver_cap) {
		p->realserver_cap = p->realserver_cap ? p->realserver_cap * 2 : 8;
		pc->realservers = xreallocarray(pc->realservers, p->realserver_cap, sizeof(*pc->realservers));
	}
	pc->realservers[pc->nrealservers++] = rs;
}

void parse_port(struct parser *p, const char *value)
{
	struct service_port sp = { .line = p->lineno };
	struct pathcheck_policy *pc = &p->host->pathcheck;

	if (strpbrk(value, ", \t")) {
		diag_error(p->d, p->lineno, "[pathcheck] port = %s: one port per line; repeat port = for each", value);
		return;
	}
	if (!service_port_parse(value, &sp) || sp.proto == IPPROTO_SCTP) {
		diag_error(p->d, p->lineno, "[pathcheck] port = %s: must be tcp/N or udp/N, N from 1 to 65535 without "
					    "leading zeros, such as tcp/80",
			   value);
		return;
	}
	if (pc->nports == p->port_cap) {
		p->port_cap = p->port_cap ? p->port_cap * 2 : 8;
		pc->ports = xreallocarray(pc->ports, p->port_cap, sizeof(*pc->ports));
	}
	pc->ports[pc->nports++] = sp;
}

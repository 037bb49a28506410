#include "host.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <endian.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

/* Ranges are the values the kernel gives a meaning to (Documentation/
 * networking/ip-sysctl.rst); the kernel itself stores any integer. */
const struct knob_info knob_table[KNOB_COUNT] = {
	[KNOB_IGNORE] = { "ignore", "arp_ignore", 0, 8, false },
	[KNOB_ANNOUNCE] = { "announce", "arp_announce", 0, 2, false },
	[KNOB_FILTER] = { "filter", "arp_filter", 0, 1, true },
	[KNOB_ACCEPT] = { "accept", "arp_accept", 0, 2, false },
	[KNOB_NOTIFY] = { "notify", "arp_notify", 0, 1, false },
};

const char *const scope_names[SCOPE_COUNT] = {
	[SCOPE_ALL] = "all",
	[SCOPE_DEV] = "dev",
	[SCOPE_LO] = "lo",
	[SCOPE_DEFAULT] = "default",
};

bool knob_value_meaningful(enum arp_knob knob, int value)
{
	/* arp_ignore 4-7 are reserved: the kernel treats them as "reply". */
	if (knob == KNOB_IGNORE && value >= 4 && value <= 7)
		return false;
	return value >= knob_table[knob].min && value <= knob_table[knob].max;
}

const char *knob_value_meaning(enum arp_knob knob, int value)
{
	static const char *const ignore[] = {
		"reply for any local address",
		"reply only if the target address is on the receiving interface",
		"as 1, and the sender must be in the target's subnet",
		"do not reply for scope-host addresses",
	};
	static const char *const announce[] = {
		"any local address as ARP source",
		"prefer a source in the target's subnet",
		"always the best local address for the target",
	};
	if (!knob_value_meaningful(knob, value))
		return "not a meaningful value";
	switch (knob) {
	case KNOB_IGNORE:
		return value == 8 ? "never reply" : ignore[value];
	case KNOB_ANNOUNCE:
		return announce[value];
	case KNOB_FILTER:
		return value ? "reply only where the route back leaves" : "off";
	case KNOB_ACCEPT:
		return value == 0   ? "do not create entries from gratuitous ARP"
		       : value == 1 ? "create entries from gratuitous ARP"
				    : "create entries for senders in the subnet";
	case KNOB_NOTIFY:
		return value ? "announce on link-up" : "off";
	default:
		return "";
	}
}

/* include/linux/inetdevice.h: IN_DEV_ARPFILTER is IN_DEV_ORCONF, the
 * other four are IN_DEV_MAXCONF. */
int knob_effective(enum arp_knob knob, int all, int dev)
{
	if (knob_table[knob].combine_or)
		return all || dev;
	return all > dev ? all : dev;
}

enum scope knob_effective_source(enum arp_knob knob, int all, int dev)
{
	if (knob_table[knob].combine_or) {
		if ((all != 0) == (dev != 0))
			return SCOPE_COUNT;
		return all ? SCOPE_ALL : SCOPE_DEV;
	}
	if (all == dev)
		return SCOPE_COUNT;
	return all > dev ? SCOPE_ALL : SCOPE_DEV;
}

int vip_compare(const void *a, const void *b)
{
	const struct vip *x = a, *y = b;
	return ipaddr_compare(&x->ip, &y->ip);
}

size_t range_samples(const struct vip *r, struct vip out[3])
{
	unsigned bits = host_prefix(r->ip.family), n = 0;
	struct vip first = { .ip.family = r->ip.family, .ip.prefix = (uint8_t)bits, .line = r->line };

	/* Host bits cleared: first; all set: last; the top one set: middle. */
	for (unsigned b = 0; b < bits; b++)
		if (b < r->ip.prefix && (r->ip.bytes[b / 8] & (0x80u >> (b % 8))))
			first.ip.bytes[b / 8] |= (uint8_t)(0x80u >> (b % 8));
	out[n++] = first;
	if (r->ip.prefix >= bits)
		return n;
	if ((unsigned)r->ip.prefix + 1 < bits) {
		out[n] = first;
		out[n++].ip.bytes[r->ip.prefix / 8] |= (uint8_t)(0x80u >> (r->ip.prefix % 8));
	}
	out[n] = first;
	for (unsigned b = r->ip.prefix; b < bits; b++)
		out[n].ip.bytes[b / 8] |= (uint8_t)(0x80u >> (b % 8));
	return n + 1;
}

struct vip *host_checked_addresses(const struct host *h, size_t *n)
{
	struct vip *out = xcalloc(h->nvips + 3 * h->nranges + 1, sizeof(*out));

	if (h->nvips) /* vips is NULL in a profile of ranges only */
		memcpy(out, h->vips, h->nvips * sizeof(*out));
	*n = h->nvips;
	for (size_t r = 0; r < h->nranges; r++) {
		struct vip samples[3];
		size_t k = range_samples(&h->ranges[r], samples);
		for (size_t i = 0; i < k; i++) {
			size_t j = 0;
			while (j < *n && vip_compare(&out[j], &samples[i]))
				j++;
			if (j == *n)
				out[(*n)++] = samples[i];
		}
	}
	return out;
}

const char *address_unusable(const struct ip_addr *ip, const char **hint)
{
	const uint8_t *a = ip->bytes;
	static const uint8_t zero[16], v4mapped[12] = { [10] = 0xff, [11] = 0xff };

	*hint = "";
	/* Each names the range, so the operator sees why a neighbour fails too. */
	if (ip->family == AF_INET) {
		if (a[0] == 0)
			return "\"this network\" (0.0.0.0/8)";
		if (a[0] == 127)
			return "loopback (127.0.0.0/8)";
		if (a[0] >= 224 && a[0] <= 239)
			return "multicast (224.0.0.0/4)";
		if (!memcmp(a, "\xff\xff\xff\xff", 4))
			return "the broadcast address";
		if (a[0] >= 240)
			return "reserved (240.0.0.0/4)";
		if (a[0] == 169 && a[1] == 254)
			return "link-local (169.254.0.0/16)";
		return NULL;
	}
	if (!memcmp(a, zero, 15) && (a[15] == 0 || a[15] == 1))
		return a[15] ? "the loopback address" : "the unspecified address";
	if (a[0] == 0xff)
		return "multicast (ff00::/8)";
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return "link-local (fe80::/10)";
	if (!memcmp(a, v4mapped, 12)) {
		*hint = "; write the IPv4 address";
		return "IPv4-mapped (::ffff:0:0/96)";
	}
	return NULL;
}

const char *host_vip_ifname(const struct host *h)
{
	return h->role == ROLE_REALSERVER ? "lo" : h->ifname;
}

const char *vip_subnet_edge(const struct vip *v)
{
	unsigned bits = host_prefix(v->ip.family) - v->ip.prefix;
	bool zeros = true, ones = true;

	/* A /31 or /32 (RFC 3021), a /127 or /128 (RFC 6164) has no edge. */
	if (bits < 2)
		return NULL;
	for (unsigned i = v->ip.prefix; i < host_prefix(v->ip.family); i++) {
		bool bit = v->ip.bytes[i / 8] & (0x80 >> (i % 8));
		zeros = zeros && !bit;
		ones = ones && bit;
	}
	if (zeros)
		return v->ip.family == AF_INET ? "the network address of its subnet"
					       : "the subnet-router anycast address of its subnet (RFC 4291 2.6.1)";
	/* IPv6 has no broadcast: an all-ones interface ID is an address. */
	if (ones && v->ip.family == AF_INET)
		return "the broadcast address of its subnet";
	return NULL;
}

const struct vip *host_vips_sorted(const struct host *h, struct vip **copy)
{
	*copy = NULL;
	if (h->vips_sorted || !h->nvips)
		return h->vips_sorted;
	*copy = xmalloc(h->nvips * sizeof(**copy));
	memcpy(*copy, h->vips, h->nvips * sizeof(**copy));
	sort_array(*copy, h->nvips, sizeof(**copy), vip_compare);
	return *copy;
}

void host_free(struct host *host)
{
	free(host->vips);
	free(host->vips_sorted);
	host->vips_sorted = NULL;
	free(host->addrs);
	free(host->secondaries);
	host->secondaries = NULL;
	host->nsecondaries = 0;
	ipvs_services_free(host->services, host->nservices);
	host->services = NULL;
	host->nservices = 0;
	free(host->sched_missing);
	host->sched_missing = NULL;
	host->nsched_missing = 0;
	free(host->nic_nets);
	host->nic_nets = NULL;
	host->nnic_nets = 0;
	free(host->ranges);
	free(host->routes);
	free(host->gateways);
	free(host->neighbours);
	host->ranges = NULL;
	host->routes = NULL;
	host->gateways = host->neighbours = NULL;
	host->nranges = host->nroutes = host->ngateways = host->nneighbours = 0;
	free(host->pathcheck.realservers);
	free(host->pathcheck.ports);
	host->vips = NULL;
	host->addrs = NULL;
	host->nvips = host->naddrs = 0;
	host->pathcheck.realservers = NULL;
	host->pathcheck.ports = NULL;
	host->pathcheck.nrealservers = host->pathcheck.nports = 0;
}

bool range_overlaps(const struct vip *a, const struct vip *b)
{
	if (a->ip.family != b->ip.family)
		return false;
	return a->ip.prefix <= b->ip.prefix ? prefix_contains(a->ip.bytes, a->ip.prefix, b->ip.bytes)
					    : prefix_contains(b->ip.bytes, b->ip.prefix, a->ip.bytes);
}

bool service_port_parse(const char *s, struct service_port *out)
{
	const char *num;
	unsigned long v = 0;

	if (!strncmp(s, "tcp/", 4))
		out->proto = IPPROTO_TCP;
	else if (!strncmp(s, "udp/", 4))
		out->proto = IPPROTO_UDP;
	else if (!strncmp(s, "sctp/", 5))
		out->proto = IPPROTO_SCTP;
	else
		return false;
	num = strchr(s, '/') + 1;
	if (!isdigit((unsigned char)*num) || (num[0] == '0' && num[1]) || strlen(num) > 5)
		return false;
	for (const char *c = num; *c; c++) {
		if (!isdigit((unsigned char)*c))
			return false;
		v = v * 10 + (unsigned long)(*c - '0');
	}
	if (v < 1 || v > 65535)
		return false;
	out->port = (uint16_t)v;
	return true;
}

int service_port_format(const struct service_port *sp, char *buf, size_t len)
{
	return snprintf(buf, len, "%s/%u", sp->proto == IPPROTO_TCP ? "tcp" : sp->proto == IPPROTO_UDP ? "udp"
												       : "sctp",
			sp->port);
}

/* [vip] range, wide and announce: a prefix of VIPs made local by one route
 * on lo, and on a director the addresses of it that a takeover announces.
 * Format and limits in lvsdr.ini(5). */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "profile.h"
#include "profile_internal.h"
#include "util.h"

/* Reserved blocks no range may touch: the kernel treats their addresses
 * specially, so making them local breaks the host (loopback) or means
 * nothing (multicast). Named by address_unusable(). */
static const struct ip_addr reserved[] = {
	{ AF_INET, { 0 }, 8 },
	{ AF_INET, { 127 }, 8 },
	{ AF_INET, { 169, 254 }, 16 },
	{ AF_INET, { 224 }, 4 },
	{ AF_INET, { 240 }, 4 },
	{ AF_INET6, { 0 }, 127 },
	{ AF_INET6, { 0xfe, 0x80 }, 10 },
	{ AF_INET6, { 0xff }, 8 },
	{ AF_INET6, { [10] = 0xff, [11] = 0xff }, 96 },
};

void range_parse(struct diag *d, unsigned line, const char *value, struct host *h, size_t *cap)
{
	struct vip r = { .line = line };
	bool has_prefix;
	const char *hint;

	if (strpbrk(value, ", \t")) {
		diag_error(d, line, "[vip] range = %s: one prefix per line; repeat range = for each", value);
		return;
	}
	if (!ipaddr_parse(value, &r.ip, &has_prefix) || !has_prefix || r.ip.prefix == 0) {
		diag_error(d, line, "[vip] range = %s: not a prefix such as 198.51.100.0/24 or 2001:db8:1::/64 "
				    "(the prefix after '/' from 1 to 32, or 128)",
			   value);
		return;
	}
	struct vip net = r;
	for (unsigned b = r.ip.prefix; b < addr_len(r.ip.family) * 8; b++)
		net.ip.bytes[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
	if (memcmp(net.ip.bytes, r.ip.bytes, 16)) {
		char text[64];
		ipaddr_format_prefix(&net.ip, text, sizeof(text));
		diag_error(d, line, "[vip] range = %s: has bits set after the prefix; write the prefix as %s", value,
			   text);
		return;
	}
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		struct vip block = { .ip = reserved[i] };
		if (!range_overlaps(&r, &block))
			continue;
		/* Name the block by its first address: that one is always in it. */
		const char *why = address_unusable(&block.ip, &hint);
		diag_error(d, line, "[vip] range = %s: covers %s, which no host can hold for clients", value,
			   why ? why : "a reserved block");
		return;
	}
	if (h->nranges == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		h->ranges = xreallocarray(h->ranges, *cap, sizeof(*h->ranges));
	}
	h->ranges[h->nranges++] = r;
}

/* b - a for two addresses of one family that differ only in the last four
 * bytes; false when they differ earlier (more than any limit). */
static bool span(const struct ip_addr *a, const struct ip_addr *b, uint64_t *out)
{
	size_t len = addr_len(a->family);
	uint32_t x, y;

	if (memcmp(a->bytes, b->bytes, len - 4))
		return false;
	memcpy(&x, a->bytes + len - 4, 4);
	memcpy(&y, b->bytes + len - 4, 4);
	x = ntohl(x);
	y = ntohl(y);
	*out = (uint64_t)(y - x); /* the caller saw x <= y */
	return true;
}

bool announce_parse(struct diag *d, unsigned line, const char *value, struct host *h, size_t *cap)
{
	char first[INET6_ADDRSTRLEN + 1];
	const char *dash = strchr(value, '-'), *last = dash ? dash + 1 : value;
	size_t first_len = dash ? (size_t)(dash - value) : strlen(value);
	struct vip a = { .line = line, .announced = true }, b = { 0 };
	bool has_prefix, good = first_len < sizeof(first);
	uint64_t n = 0;

	if (good) {
		memcpy(first, value, first_len);
		first[first_len] = '\0';
		good = ipaddr_parse(first, &a.ip, &has_prefix) && !has_prefix &&
		       ipaddr_parse(last, &b.ip, &has_prefix) && !has_prefix &&
		       a.ip.family == b.ip.family;
	}
	if (!good) {
		diag_error(d, line, "[vip] announce = %s: not an address, or FIRST-LAST of one family, without a "
				    "prefix, such as 198.51.100.1-198.51.100.20",
			   value);
		return false;
	}
	if (ipaddr_compare(&a.ip, &b.ip) > 0) {
		diag_error(d, line, "[vip] announce = %s: the last address comes before the first", value);
		return false;
	}
	if (!span(&a.ip, &b.ip, &n) || n >= LVSDR_ANNOUNCE_MAX) {
		diag_error(d, line, "[vip] announce = %s: one line may announce at most %u addresses", value,
			   LVSDR_ANNOUNCE_MAX);
		return false;
	}
	for (uint64_t i = 0; i <= n; i++) {
		if (h->nvips == *cap) {
			*cap = *cap ? *cap * 2 : 8;
			h->vips = xreallocarray(h->vips, *cap, sizeof(*h->vips));
		}
		h->vips[h->nvips++] = a;
		/* The next address: carry through the last four bytes. */
		for (size_t k = addr_len(a.ip.family); k-- > 0 && ++a.ip.bytes[k] == 0;)
			;
	}
	return true;
}

/* The range of h that holds v, or NULL. Ranges are few: a walk is fine. */
static const struct vip *range_of(const struct host *h, const struct vip *v)
{
	for (size_t i = 0; i < h->nranges; i++) {
		const struct vip *r = &h->ranges[i];
		if (r->ip.family == v->ip.family && prefix_contains(r->ip.bytes, r->ip.prefix, v->ip.bytes))
			return r;
	}
	return NULL;
}

void ranges_check(struct diag *d, struct host *h, unsigned wide_line, bool announce_failed)
{
	char text[64], rtext[64];
	bool *listed = xcalloc(h->nranges + 1, sizeof(*listed));

	for (size_t i = 0; i < h->nranges; i++) {
		const struct vip *r = &h->ranges[i];
		unsigned limit = r->ip.family == AF_INET ? LVSDR_RANGE_WIDE4 : LVSDR_RANGE_WIDE6;
		ipaddr_format_prefix(&r->ip, text, sizeof(text));
		if (r->ip.prefix < limit && !wide_line)
			diag_error(d, r->line, "[vip] range = %s: wider than /%u; set wide = yes in [vip] if this host "
					       "is to accept that many addresses",
				   text, limit);
		for (size_t j = 0; j < i; j++)
			if (range_overlaps(&h->ranges[j], r)) {
				ipaddr_format_prefix(&h->ranges[j].ip, rtext, sizeof(rtext));
				diag_error(d, r->line, "[vip] range = %s: overlaps range = %s (line %u); list each address "
						       "in one range",
					   text, rtext, h->ranges[j].line);
			}
	}
	for (size_t i = 0; i < h->nvips; i++) {
		const struct vip *v = &h->vips[i], *r = range_of(h, v);
		if (r)
			listed[r - h->ranges] = true;
		if (h->role == ROLE_REALSERVER && r && !v->announced) {
			ipaddr_format_prefix(&r->ip, rtext, sizeof(rtext));
			ipaddr_format(&v->ip, text, sizeof(text));
			diag_error(d, v->line, "[vip] address = %s: inside range = %s (line %u), which makes it local "
					       "already; list it once",
				   text, rtext, r->line);
		} else if (h->role == ROLE_DIRECTOR && v->announced && !r) {
			ipaddr_format(&v->ip, text, sizeof(text));
			diag_error(d, v->line, "[vip] announce: %s is in no range = of this profile; a director announces "
					       "addresses of its ranges (list others with address =)",
				   text);
			/* One message a line: the rest of it would say the same. */
			while (i + 1 < h->nvips && h->vips[i + 1].line == v->line)
				i++;
		}
	}
	for (size_t i = 0; i < h->nranges && h->role == ROLE_DIRECTOR && !announce_failed; i++)
		if (!listed[i]) {
			ipaddr_format_prefix(&h->ranges[i].ip, text, sizeof(text));
			diag_error(d, h->ranges[i].line, "[vip] range = %s: no address of it to announce; a takeover "
							 "announces only the addresses listed (announce = FIRST-LAST), and clients keep the old "
							 "director's MAC for the others",
				   text);
		}
	free(listed);
}

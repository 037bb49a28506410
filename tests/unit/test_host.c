/* The knob table and the kernel's rules for combining conf/all with
 * conf/<nic> (include/linux/inetdevice.h: IN_DEV_ARPFILTER is
 * IN_DEV_ORCONF; IN_DEV_ARP_IGNORE, _ANNOUNCE, _NOTIFY and, since Linux 6.0,
 * _ACCEPT are IN_DEV_MAXCONF), and the address helpers. */
#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "harness.h"
#include "host.h"
#include "util.h"

static const char *const knob_names[KNOB_COUNT] = { "ignore", "announce", "filter", "accept", "notify" };

static struct vip vip_of(const char *text)
{
	struct vip v = { 0 };
	bool has;

	ipaddr_parse(text, &v.ip, &has);
	return v;
}

static bool vip_text_is(const char *in, const char *want)
{
	struct vip v = vip_of(in);
	char buf[64];
	int n = ipaddr_format_prefix(&v.ip, buf, sizeof(buf));
	return n == (int)strlen(want) && !strcmp(buf, want);
}

/* The printer and the order of struct ip_addr over raw bytes, as the
 * checks below feed them (they were addr_format() and addr_compare()). */
static int bytes_format(int family, const uint8_t *bytes, char *buf, size_t len)
{
	struct ip_addr a = { .family = family };

	memcpy(a.bytes, bytes, 16);
	return ipaddr_format(&a, buf, len);
}

static int bytes_compare(const uint8_t *a, const uint8_t *b)
{
	struct ip_addr x = { .family = AF_INET6 }, y = { .family = AF_INET6 };

	memcpy(x.bytes, a, 16);
	memcpy(y.bytes, b, 16);
	return ipaddr_compare(&x, &y);
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static void test_knob_table(void)
{
	static const struct {
		const char *key, *sysctl;
		int min, max;
		bool or_;
	} want[KNOB_COUNT] = {
		[KNOB_IGNORE] = { "ignore", "arp_ignore", 0, 8, false },
		[KNOB_ANNOUNCE] = { "announce", "arp_announce", 0, 2, false },
		[KNOB_FILTER] = { "filter", "arp_filter", 0, 1, true },
		[KNOB_ACCEPT] = { "accept", "arp_accept", 0, 2, false },
		[KNOB_NOTIFY] = { "notify", "arp_notify", 0, 1, false },
	};

	for (int k = 0; k < KNOB_COUNT; k++) {
		const struct knob_info *t = &knob_table[k];
		CHECK(t->key && !strcmp(t->key, want[k].key) && t->sysctl && !strcmp(t->sysctl, want[k].sysctl),
		      "knob_table: knob %d is %s / %s", k, want[k].key, want[k].sysctl);
		CHECK(t->min == want[k].min && t->max == want[k].max, "knob_table: %s range is %d-%d", want[k].sysctl,
		      want[k].min, want[k].max);
		CHECK(t->combine_or == want[k].or_, "knob_table: %s combines all/dev with %s", want[k].sysctl,
		      want[k].or_ ? "OR (IN_DEV_ORCONF)" : "max (IN_DEV_MAXCONF)");
	}
	CHECK(!strcmp(scope_names[SCOPE_ALL], "all") && !strcmp(scope_names[SCOPE_DEV], "dev") &&
		      !strcmp(scope_names[SCOPE_LO], "lo") && !strcmp(scope_names[SCOPE_DEFAULT], "default"),
	      "scope_names: all, dev, lo, default");
}

static void test_knob_ranges(void)
{
	/* Every value from -2 to 10 against the documented meaning. */
	static const char *const valid[KNOB_COUNT] = {
		/* -2 -1  0  1  2  3  4  5  6  7  8  9 10 */
		[KNOB_IGNORE] = "..yyyy....y..",
		[KNOB_ANNOUNCE] = "..yyy........",
		[KNOB_FILTER] = "..yy.........",
		[KNOB_ACCEPT] = "..yyy........",
		[KNOB_NOTIFY] = "..yy.........",
	};

	for (int k = 0; k < KNOB_COUNT; k++)
		for (int v = -2; v <= 10; v++) {
			bool want = valid[k][v + 2] == 'y';
			bool got = knob_value_meaningful((enum arp_knob)k, v);
			const char *meaning = knob_value_meaning((enum arp_knob)k, v);
			CHECK(got == want, "knob_value_meaningful: %s = %d is %s", knob_names[k], v,
			      want ? "meaningful" : "not meaningful");
			CHECK(meaning && *meaning && (!strcmp(meaning, "not a meaningful value") == !want),
			      "knob_value_meaning: %s = %d reads \"%s\"", knob_names[k], v, meaning ? meaning : "(null)");
		}
	for (int k = 0; k < KNOB_COUNT; k++) {
		CHECK(!knob_value_meaningful((enum arp_knob)k, INT_MIN), "knob_value_meaningful: %s = INT_MIN is not meaningful",
		      knob_names[k]);
		CHECK(!knob_value_meaningful((enum arp_knob)k, INT_MAX), "knob_value_meaningful: %s = INT_MAX is not meaningful",
		      knob_names[k]);
	}
	CHECK(!strcmp(knob_value_meaning(KNOB_IGNORE, 8), "never reply"), "knob_value_meaning: arp_ignore 8 is \"never reply\"");
	CHECK(strstr(knob_value_meaning(KNOB_IGNORE, 1), "receiving interface") != NULL,
	      "knob_value_meaning: arp_ignore 1 names the receiving interface");
	CHECK(strstr(knob_value_meaning(KNOB_ANNOUNCE, 2), "best local address") != NULL,
	      "knob_value_meaning: arp_announce 2 is the best local address");
	CHECK(!strcmp(knob_value_meaning(KNOB_FILTER, 0), "off") && !strcmp(knob_value_meaning(KNOB_NOTIFY, 0), "off"),
	      "knob_value_meaning: filter 0 and notify 0 read \"off\"");
	CHECK(strstr(knob_value_meaning(KNOB_ACCEPT, 2), "subnet") != NULL, "knob_value_meaning: arp_accept 2 names the subnet");
	/* Distinct meanings within one knob: a copy-paste slip would repeat one. */
	for (int k = 0; k < KNOB_COUNT; k++)
		for (int a = 0; a <= 8; a++)
			for (int b = a + 1; b <= 8; b++)
				if (knob_value_meaningful((enum arp_knob)k, a) && knob_value_meaningful((enum arp_knob)k, b))
					CHECK(strcmp(knob_value_meaning((enum arp_knob)k, a), knob_value_meaning((enum arp_knob)k, b)),
					      "knob_value_meaning: %s %d and %d read differently", knob_names[k], a, b);
}

static void test_knob_effective(void)
{
	static const int vals[] = { -1, 0, 1, 2, 3, 8, 9 };
	const size_t n = sizeof(vals) / sizeof(vals[0]);

	/* MAXCONF knobs: the larger of the two, sign and all, as the kernel's max(). */
	static const enum arp_knob maxknobs[] = { KNOB_IGNORE, KNOB_ANNOUNCE, KNOB_ACCEPT, KNOB_NOTIFY };
	for (size_t i = 0; i < sizeof(maxknobs) / sizeof(maxknobs[0]); i++) {
		enum arp_knob k = maxknobs[i];
		bool eff_ok = true, src_ok = true;
		for (size_t a = 0; a < n; a++)
			for (size_t d = 0; d < n; d++) {
				int all = vals[a], dev = vals[d];
				int want = all > dev ? all : dev;
				enum scope want_src = all == dev ? SCOPE_COUNT : all > dev ? SCOPE_ALL
											   : SCOPE_DEV;
				if (knob_effective(k, all, dev) != want) {
					eff_ok = false;
					printf("# %s all=%d dev=%d: effective %d, want %d\n", knob_names[k], all, dev,
					       knob_effective(k, all, dev), want);
				}
				if (knob_effective_source(k, all, dev) != want_src) {
					src_ok = false;
					printf("# %s all=%d dev=%d: source %d, want %d\n", knob_names[k], all, dev,
					       knob_effective_source(k, all, dev), want_src);
				}
			}
		CHECK(eff_ok, "knob_effective: arp_%s is max(all, dev) for every pair of -1..9", knob_names[k]);
		CHECK(src_ok, "knob_effective_source: arp_%s names the larger scope, SCOPE_COUNT on a tie", knob_names[k]);
	}
	CHECK(knob_effective(KNOB_IGNORE, 0, 1) == 1 && knob_effective(KNOB_IGNORE, 1, 0) == 1,
	      "knob_effective: arp_ignore all=0 dev=1 and all=1 dev=0 are both 1 (measured: KERNEL-FACTS.md)");
	CHECK(knob_effective(KNOB_IGNORE, 2, 1) == 2, "knob_effective: arp_ignore all=2 dev=1 is 2: all raises dev");
	CHECK(knob_effective(KNOB_IGNORE, -1, 1) == 1, "knob_effective: arp_ignore all=-1 dev=1 is 1 (max hides -1)");
	CHECK(knob_effective(KNOB_IGNORE, -5, -1) == -1, "knob_effective: two negatives give the larger, -1");
	/* Since Linux 6.0 arp_accept is MAXCONF (it was ORCONF): all=0 dev=2
	 * is 2, where the old OR would have made it 1. */
	CHECK(knob_effective(KNOB_ACCEPT, 0, 2) == 2, "knob_effective: arp_accept all=0 dev=2 is 2 (MAXCONF, Linux >= 6.0)");
	CHECK(knob_effective(KNOB_ACCEPT, 2, 1) == 2, "knob_effective: arp_accept all=2 dev=1 is 2");
	CHECK(knob_effective(KNOB_NOTIFY, 1, 0) == 1 && knob_effective(KNOB_NOTIFY, 0, 1) == 1,
	      "knob_effective: arp_notify is 1 when either scope is 1");
	CHECK(knob_effective(KNOB_ANNOUNCE, 2, 0) == 2 && knob_effective(KNOB_ANNOUNCE, 0, 2) == 2 &&
		      knob_effective(KNOB_ANNOUNCE, 1, 2) == 2,
	      "knob_effective: arp_announce 2 in either scope wins");

	/* ORCONF: a boolean, 1 when either side is non-zero (negative too). */
	bool or_ok = true, or_src_ok = true;
	for (size_t a = 0; a < n; a++)
		for (size_t d = 0; d < n; d++) {
			int all = vals[a], dev = vals[d];
			int want = all || dev;
			enum scope want_src = (all != 0) == (dev != 0) ? SCOPE_COUNT : all ? SCOPE_ALL
											   : SCOPE_DEV;
			if (knob_effective(KNOB_FILTER, all, dev) != want) {
				or_ok = false;
				printf("# filter all=%d dev=%d: effective %d, want %d\n", all, dev,
				       knob_effective(KNOB_FILTER, all, dev), want);
			}
			if (knob_effective_source(KNOB_FILTER, all, dev) != want_src) {
				or_src_ok = false;
				printf("# filter all=%d dev=%d: source %d, want %d\n", all, dev,
				       knob_effective_source(KNOB_FILTER, all, dev), want_src);
			}
		}
	CHECK(or_ok, "knob_effective: arp_filter is (all || dev) for every pair of -1..9");
	CHECK(or_src_ok, "knob_effective_source: arp_filter names the only non-zero scope, SCOPE_COUNT otherwise");
	CHECK(knob_effective(KNOB_FILTER, 0, 0) == 0, "knob_effective: arp_filter 0/0 is 0");
	CHECK(knob_effective(KNOB_FILTER, 1, 0) == 1 && knob_effective(KNOB_FILTER, 0, 1) == 1,
	      "knob_effective: arp_filter 1 in either scope is 1");
	CHECK(knob_effective(KNOB_FILTER, 0, 5) == 1, "knob_effective: arp_filter dev=5 is 1, not 5 (OR, not max)");
	CHECK(knob_effective(KNOB_FILTER, -1, 0) == 1, "knob_effective: arp_filter all=-1 is 1 (non-zero is true, unlike max)");
	CHECK(knob_effective_source(KNOB_FILTER, 2, 1) == SCOPE_COUNT,
	      "knob_effective_source: arp_filter all=2 dev=1 is a tie: both make it 1");
	CHECK(knob_effective_source(KNOB_FILTER, 1, 0) == SCOPE_ALL, "knob_effective_source: arp_filter all=1 dev=0 is conf/all");
	CHECK(knob_effective_source(KNOB_FILTER, 0, 1) == SCOPE_DEV, "knob_effective_source: arp_filter all=0 dev=1 is the NIC");
	CHECK(knob_effective_source(KNOB_FILTER, 0, 0) == SCOPE_COUNT, "knob_effective_source: arp_filter 0/0 is a tie");
	CHECK(knob_effective_source(KNOB_IGNORE, 2, 1) == SCOPE_ALL, "knob_effective_source: arp_ignore all=2 dev=1 is conf/all");
	CHECK(knob_effective_source(KNOB_IGNORE, 1, 2) == SCOPE_DEV, "knob_effective_source: arp_ignore all=1 dev=2 is the NIC");
	CHECK(knob_effective_source(KNOB_IGNORE, 1, 1) == SCOPE_COUNT, "knob_effective_source: arp_ignore 1/1 is a tie");
	CHECK(knob_effective_source(KNOB_IGNORE, -1, 0) == SCOPE_DEV,
	      "knob_effective_source: arp_ignore all=-1 dev=0 is the NIC (0 > -1)");
}

/* addr_format() prints IPv6 by hand: exactly inet_ntop()'s text for the
 * special forms and for addresses with zero groups anywhere. */
static void test_format_ipv6_as_inet_ntop(void)
{
	static const char *const special[] = { "::", "::1", "::2", "1::", "::ffff:192.0.2.1", "::192.0.2.1",
					       "::ffff:0:192.0.2.1", "1:0:0:2::3", "1::2:0:0:3", "2001:db8:0:1:0:0:0:1",
					       "fe80::1:0:0:0", "0:0:1::", "::0.0.1.0", "::ffff:0.0.0.0" };
	uint8_t a[16];
	char mine[INET6_ADDRSTRLEN], libc[INET6_ADDRSTRLEN];
	unsigned differ = 0, seed = 20;
	const char *first = NULL;

	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		inet_pton(AF_INET6, special[i], a);
		bytes_format(AF_INET6, a, mine, sizeof(mine));
		inet_ntop(AF_INET6, a, libc, sizeof(libc));
		CHECK(!strcmp(mine, libc), "addr_format: %s prints as inet_ntop() has it (%s, %s)", special[i], mine, libc);
	}
	/* Random groups, each zero with probability 1/2 or a random value: every
	 * placement and length of zero runs, ties included. */
	for (unsigned k = 0; k < 20000; k++) {
		for (int g = 0; g < 8; g++) {
			seed = seed * 1103515245u + 12345u;
			unsigned v = (seed >> 16) & 1 ? 0 : (seed >> 8) & 0xffff;
			if (((seed >> 4) & 7) == 0)
				v &= 0xf;
			a[2 * g] = (uint8_t)(v >> 8);
			a[2 * g + 1] = (uint8_t)v;
		}
		bytes_format(AF_INET6, a, mine, sizeof(mine));
		inet_ntop(AF_INET6, a, libc, sizeof(libc));
		if (strcmp(mine, libc) && !differ++)
			first = strcpy(malloc(strlen(libc) + 1), libc);
	}
	CHECK(!differ, "addr_format: 20,000 random IPv6 addresses print as inet_ntop() has them (%u differ, first %s)",
	      differ, first ? first : "none");
	free((void *)first);
}

static void test_format(void)
{
	uint8_t a4[16] = { 192, 0, 2, 10 }, a6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	char buf[INET6_ADDRSTRLEN], small[8];

	a6[15] = 0x10;
	CHECK(bytes_format(AF_INET, a4, buf, sizeof(buf)) == 0 && !strcmp(buf, "192.0.2.10"), "addr_format: IPv4");
	CHECK(bytes_format(AF_INET6, a6, buf, sizeof(buf)) == 0 && !strcmp(buf, "2001:db8::10"),
	      "addr_format: IPv6 compressed, lower case");
	CHECK(bytes_format(AF_INET6, a6, small, sizeof(small)) == -1 && !strcmp(small, "?"),
	      "addr_format: a buffer too small gives -1 and \"?\", never a cut address");
	CHECK(bytes_format(AF_INET, a4, small, sizeof(small)) == -1 && !strcmp(small, "?"),
	      "addr_format: 192.0.2.10 does not fit 8 bytes: -1 and \"?\"");
	CHECK(bytes_format(12345, a4, buf, sizeof(buf)) == -1 && !strcmp(buf, "?"), "addr_format: unknown family gives \"?\"");
	test_format_ipv6_as_inet_ntop();

	CHECK(vip_text_is("192.0.2.10", "192.0.2.10/32"), "ipaddr_format_prefix: IPv4 default prefix prints /32");
	CHECK(vip_text_is("192.0.2.10/24", "192.0.2.10/24"), "ipaddr_format_prefix: IPv4 /24");
	CHECK(vip_text_is("2001:db8::10", "2001:db8::10/128"), "ipaddr_format_prefix: IPv6 default prefix prints /128");
	CHECK(vip_text_is("2001:DB8:0:0::0010/64", "2001:db8::10/64"), "ipaddr_format_prefix: IPv6 is printed in canonical form");
	CHECK(vip_text_is("2001:db8::192.0.2.3", "2001:db8::c000:203/128"), "ipaddr_format_prefix: an IPv4 tail is printed as hex groups");
	CHECK(vip_text_is("2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1/128"), "ipaddr_format_prefix: '::' replaces the longest zero run");
	CHECK(vip_text_is("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1/128"), "ipaddr_format_prefix: the first of two equal zero runs is compressed");
	CHECK(vip_text_is("2001:db8:1:1:1:1:0:1", "2001:db8:1:1:1:1:0:1/128"), "ipaddr_format_prefix: a single zero group is not compressed");
	{
		struct vip v = vip_of("2001:db8::10/64");
		char tiny[6];
		int n = ipaddr_format_prefix(&v.ip, tiny, sizeof(tiny));
		CHECK(n == (int)strlen("2001:db8::10/64") && !strcmp(tiny, "2001:"),
		      "ipaddr_format_prefix: returns the full length and cuts safely, as snprintf");
	}

	/* Round trip: parse, format, parse gives the same bytes and prefix. */
	static const char *const texts[] = {
		"192.0.2.1",
		"198.51.100.255/24",
		"1.0.0.0/8",
		"223.255.255.255",
		"2001:db8::",
		"2001:db8::1/64",
		"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
		"2001:DB8::A:B:C:D:E",
		"::ffff:192.0.2.1",
		"64:ff9b::c000:201/96",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct vip v = vip_of(texts[i]), w = { 0 };
		char text[64];
		bool has = false;
		ipaddr_format_prefix(&v.ip, text, sizeof(text));
		bool ok = ipaddr_parse(text, &w.ip, &has) && has && ipaddr_equal(&w.ip, &v.ip) && w.ip.prefix == v.ip.prefix;
		CHECK(ok, "ipaddr_format_prefix/ipaddr_parse: %s -> %s round-trips", texts[i], text);
		char again[64];
		ipaddr_format_prefix(&w.ip, again, sizeof(again));
		CHECK(!strcmp(text, again), "ipaddr_format_prefix: %s is a fixed point", text);
	}
	CHECK(host_prefix(AF_INET) == 32 && host_prefix(AF_INET6) == 128, "host_prefix: 32 for IPv4, 128 for IPv6");
}

static void test_vip_compare(void)
{
	struct vip a = vip_of("192.0.2.9"), b = vip_of("192.0.2.10"), c = vip_of("192.0.2.10/24");
	struct vip d = vip_of("2001:db8::1"), e = vip_of("2001:db8::1/64"), f = vip_of("2001:DB8:0::1");
	struct vip g = vip_of("10.0.0.1"), h = vip_of("::ffff:192.0.2.9");

	c.line = 99;
	CHECK(vip_compare(&a, &b) < 0 && vip_compare(&b, &a) > 0, "vip_compare: 192.0.2.9 < 192.0.2.10 numerically, not as text");
	CHECK(vip_compare(&b, &c) == 0, "vip_compare: the prefix and line are ignored (/32 == /24)");
	CHECK(vip_compare(&d, &e) == 0 && vip_compare(&d, &f) == 0, "vip_compare: IPv6 spellings and prefixes compare equal");
	CHECK(vip_compare(&g, &b) < 0, "vip_compare: 10.0.0.1 < 192.0.2.10");
	CHECK(vip_compare(&b, &d) < 0 && vip_compare(&d, &b) > 0, "vip_compare: every IPv4 sorts before every IPv6");
	CHECK(vip_compare(&a, &h) != 0, "vip_compare: 192.0.2.9 and ::ffff:192.0.2.9 are different VIPs");
	CHECK(vip_compare(&a, &a) == 0, "vip_compare: reflexive");

	struct vip all[] = { d, b, g, h, a, vip_of("2001:db8::"), vip_of("198.51.100.1") };
	const size_t n = sizeof(all) / sizeof(all[0]);
	bool anti = true;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			anti = anti && sign(vip_compare(&all[i], &all[j])) == -sign(vip_compare(&all[j], &all[i]));
	CHECK(anti, "vip_compare: antisymmetric over a mixed set");
	qsort(all, n, sizeof(all[0]), vip_compare);
	static const char *const order[] = {
		"10.0.0.1/32",
		"192.0.2.9/32",
		"192.0.2.10/32",
		"198.51.100.1/32",
		"::ffff:192.0.2.9/128",
		"2001:db8::/128",
		"2001:db8::1/128",
	};
	bool sorted = true;
	for (size_t i = 0; i < n; i++) {
		char text[64];
		ipaddr_format_prefix(&all[i].ip, text, sizeof(text));
		if (strcmp(text, order[i])) {
			sorted = false;
			printf("# position %zu: %s, want %s\n", i, text, order[i]);
		}
	}
	CHECK(sorted, "vip_compare: qsort gives IPv4 then IPv6, each in numeric order");
}

/* addr_compare compares as words, not bytes: it must agree with memcmp on
 * every pair, above all pairs that differ in one byte of either half. */
static void test_addr_compare_bytes(void)
{
	unsigned seed = 1, disagree = 0, pairs = 0;

	for (int i = 0; i < 20000; i++) {
		uint8_t a[16], b[16];
		for (int k = 0; k < 16; k++) {
			seed = seed * 1103515245u + 12345u;
			a[k] = b[k] = (uint8_t)(seed >> 16);
		}
		seed = seed * 1103515245u + 12345u;
		b[(seed >> 16) % 16] ^= (uint8_t)(1u << ((seed >> 8) % 8)); /* one bit apart */
		if (i % 3 == 0)
			memcpy(b, a, 16);
		int m = memcmp(a, b, 16), c = bytes_compare(a, b);
		pairs++;
		disagree += (m < 0) != (c < 0) || (m == 0) != (c == 0) || (m > 0) != (c > 0);
	}
	CHECK(!disagree, "addr_compare: the order of memcmp on %u pairs one bit apart or equal (%u differ)", pairs,
	      disagree);
}

static void test_host_free(void)
{
	struct host h;

	memset(&h, 0, sizeof(h));
	h.vips = xcalloc(3, sizeof(*h.vips));
	h.nvips = 3;
	h.addrs = xcalloc(2, sizeof(*h.addrs));
	h.naddrs = 2;
	host_free(&h);
	CHECK(!h.vips && !h.addrs && !h.nvips && !h.naddrs, "host_free: clears the arrays and counts");
	host_free(&h);
	CHECK(!h.vips, "host_free: a second call is harmless");
}

/* addr_format() prints IPv4 by hand: the same text as inet_ntop() for
 * every octet value in every position, and "?" when the buffer is short. */
static void test_addr_format_ipv4(void)
{
	uint8_t a[16] = { 0 };
	char got[INET6_ADDRSTRLEN], want[INET6_ADDRSTRLEN], small[15];
	unsigned bad = 0;

	for (int pos = 0; pos < 4; pos++)
		for (unsigned v = 0; v < 256; v++) {
			memset(a, 0, sizeof(a));
			a[pos] = (uint8_t)v;
			a[(pos + 1) % 4] = (uint8_t)(255 - v);
			bytes_format(AF_INET, a, got, sizeof(got));
			inet_ntop(AF_INET, a, want, sizeof(want));
			bad += strcmp(got, want) != 0;
		}
	CHECK(bad == 0, "addr_format: IPv4 reads as inet_ntop's for every octet value (%u differ)", bad);
	memset(a, 255, 4);
	CHECK(bytes_format(AF_INET, a, small, sizeof(small)) == -1 && !strcmp(small, "?"),
	      "addr_format: 255.255.255.255 in 15 bytes is \"?\" and -1 (got %s)", small);
	CHECK(bytes_format(AF_INET, a, got, 16) == 0 && !strcmp(got, "255.255.255.255"),
	      "addr_format: 255.255.255.255 fits 16 bytes (got %s)", got);
}

/* range_samples(): "first middle last" of r, as addr_format prints them. */
static bool samples_are(const char *range, const char *want)
{
	struct vip r = vip_of(range), out[3];
	size_t n = range_samples(&r, out);
	char got[200] = "", text[64];

	for (size_t i = 0; i < n; i++) {
		ipaddr_format(&out[i].ip, text, sizeof(text));
		if (out[i].ip.prefix != host_prefix(r.ip.family))
			return false;
		strcat(got, i ? " " : "");
		strcat(got, text);
	}
	if (strcmp(got, want))
		printf("# %s: got [%s]\n", range, got);
	return !strcmp(got, want);
}

static void test_range_samples(void)
{
	CHECK(samples_are("198.51.100.0/24", "198.51.100.0 198.51.100.128 198.51.100.255"),
	      "range_samples: a /24's first, middle and last address");
	CHECK(samples_are("2001:db8:1::/64", "2001:db8:1:: 2001:db8:1:0:8000:: 2001:db8:1:0:ffff:ffff:ffff:ffff"),
	      "range_samples: a /64's first, middle and last address");
	CHECK(samples_are("198.18.0.0/15", "198.18.0.0 198.19.0.0 198.19.255.255"),
	      "range_samples: the middle of a /15 is in its second /16");
	CHECK(samples_are("192.0.2.6/31", "192.0.2.6 192.0.2.7"), "range_samples: a /31 has no middle of its own");
	CHECK(samples_are("192.0.2.6/32", "192.0.2.6"), "range_samples: a /32 is one address");
	CHECK(samples_are("2001:db8::1/128", "2001:db8::1"), "range_samples: a /128 is one address");
}

void test_host(void)
{
	test_range_samples();
	test_addr_format_ipv4();
	test_knob_table();
	test_knob_ranges();
	test_knob_effective();
	test_format();
	test_vip_compare();
	test_addr_compare_bytes();
	test_host_free();
}

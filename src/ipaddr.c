/* Addresses: parsing, formatting and ordering (include/ipaddr.h). The
 * formatters and the compare are by hand, for speed: see each. */
#include "ipaddr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <endian.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

unsigned host_prefix(int family)
{
	return family == AF_INET6 ? 128 : 32;
}

/* Dotted quad by hand: glibc's inet_ntop() prints IPv4 with sprintf(),
 * some 1,700 instructions an address, and a verify of 10,000 real servers
 * formats each twice (profile check and plan labels): an eighth of it. */
static int ipv4_format(const uint8_t *addr, char *buf, size_t len)
{
	char text[16], *p = text;

	for (int i = 0; i < 4; i++) {
		unsigned v = addr[i];
		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		*p++ = i < 3 ? '.' : '\0';
	}
	if ((size_t)(p - text) > len)
		return -1;
	memcpy(buf, text, (size_t)(p - text));
	return 0;
}

/* The first longest run of two or more zero groups of an IPv6 address:
 * *start, and the length (0 for none). */
static int ipv6_zero_run(const unsigned w[8], int *start)
{
	int best = 0;

	*start = -1;
	for (int i = 0, j; i < 8; i = j + 1) {
		for (j = i; j < 8 && !w[j]; j++)
			;
		if (j - i > best && j - i >= 2) {
			best = j - i;
			*start = i;
		}
	}
	return best;
}

/* IPv6 by hand, character for character what glibc's inet_ntop() prints
 * (the unit tests compare them): inet_ntop() formats each group with
 * sprintf(), 3,000 instructions an address, and a takeover records its
 * 1,000 VIPs before its first bind. Compressed as RFC 5952 says; ::a.b.c.d
 * and ::ffff:a.b.c.d end in a dotted quad, as inet_ntop() has them. */
static int ipv6_format(const uint8_t *a, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char text[INET6_ADDRSTRLEN], *p = text;
	unsigned w[8];
	int run, n;

	for (int i = 0; i < 8; i++)
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	n = ipv6_zero_run(w, &run);
	for (int i = 0; i < 8; i++) {
		if (run >= 0 && i >= run && i < run + n) {
			if (i == run)
				*p++ = ':';
			continue;
		}
		if (i)
			*p++ = ':';
		if (i == 6 && run == 0 && (n == 6 || (n == 5 && w[5] == 0xffff))) {
			ipv4_format(a + 12, p, sizeof(text) - (size_t)(p - text));
			p += strlen(p);
			break;
		}
		for (int shift = 12; shift >= 0; shift -= 4)
			if (w[i] >> shift || !shift)
				*p++ = hex[w[i] >> shift & 0xf];
	}
	if (run >= 0 && run + n == 8)
		*p++ = ':';
	*p++ = '\0';
	if ((size_t)(p - text) > len)
		return -1;
	memcpy(buf, text, (size_t)(p - text));
	return 0;
}

static int addr_format(int family, const uint8_t *addr, char *buf, size_t len)
{
	if (family == AF_INET ? ipv4_format(addr, buf, len) < 0 : family != AF_INET6 || ipv6_format(addr, buf, len) < 0) {
		snprintf(buf, len, "?");
		return -1;
	}
	return 0;
}

int ipaddr_compare(const struct ip_addr *ia, const struct ip_addr *ib)
{
	const uint8_t *a = ia->bytes, *b = ib->bytes;

	if (ia->family != ib->family)
		return ia->family < ib->family ? -1 : 1;
	/* memcmp's order, as two big-endian 64-bit words: the sorts and
	 * searches of 10,000 VIPs spent a tenth of a verify in memcmp calls. */
	for (int half = 0; half < 16; half += 8) {
		uint64_t x, y;
		memcpy(&x, a + half, 8);
		memcpy(&y, b + half, 8);
		if (x != y)
			return be64toh(x) < be64toh(y) ? -1 : 1;
	}
	return 0;
}

int ipaddr_format(const struct ip_addr *a, char *buf, size_t len)
{
	return addr_format(a->family, a->bytes, buf, len);
}

int ipaddr_format_prefix(const struct ip_addr *a, char *buf, size_t len)
{
	char text[INET6_ADDRSTRLEN];
	addr_format(a->family, a->bytes, text, sizeof(text));
	return snprintf(buf, len, "%s/%u", text, a->prefix);
}

bool ipaddr_equal(const struct ip_addr *a, const struct ip_addr *b)
{
	return !ipaddr_compare(a, b);
}

bool ipaddr_parse(const char *s, struct ip_addr *out, bool *has_prefix)
{
	char text[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	unsigned max;

	if (len == 0 || len >= INET6_ADDRSTRLEN)
		return false;
	memcpy(text, s, len);
	text[len] = '\0';
	memset(out, 0, sizeof(*out));
	if (strchr(text, ':')) {
		if (inet_pton(AF_INET6, text, out->bytes) != 1)
			return false;
		out->family = AF_INET6;
		max = 128;
	} else {
		if (inet_pton(AF_INET, text, out->bytes) != 1)
			return false;
		out->family = AF_INET;
		max = 32;
	}
	*has_prefix = slash != NULL;
	out->prefix = (uint8_t)max;
	if (slash) {
		int p;
		/* "/", "/-1", "/+3" and "/032" are not prefixes anyone means. */
		if (!isdigit((unsigned char)slash[1]) || (slash[1] == '0' && slash[2]) ||
		    !parse_int(slash + 1, &p) || p < 0 || (unsigned)p > max)
			return false;
		out->prefix = (uint8_t)p;
	}
	return true;
}

size_t addr_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

bool prefix_contains(const uint8_t *net, unsigned prefix, const uint8_t *addr)
{
	unsigned whole = prefix / 8, rest = prefix % 8;

	if (memcmp(net, addr, whole))
		return false;
	return !rest || !((net[whole] ^ addr[whole]) & (0xff << (8 - rest)));
}

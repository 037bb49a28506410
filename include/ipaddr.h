/* One IP address, with the prefix it is bound or routed with: what the
 * profile reader and the kernel readers both fill, so that the desired and
 * the live side compare and print the same way. */
#ifndef LVSDR_IPADDR_H
#define LVSDR_IPADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ip_addr {
	int family;	   /* AF_INET or AF_INET6 */
	uint8_t bytes[16]; /* IPv4 in the first 4 bytes, the rest zero */
	/* Bits of the network: a VIP's, a range's, a bound address's. A host
	 * address (a real server, a neighbour) has no prefix of its own; what
	 * holds one ignores this field and prints it without. */
	uint8_t prefix;
};

/* Room for the longest text ipaddr_format_prefix() writes: an IPv6
 * address in its longest form, "/128" and the terminating NUL. */
#define IPADDR_TEXT_MAX (INET6_ADDRSTRLEN + 4)

/* Strict dotted-quad IPv4 or RFC 4291 IPv6 text with an optional /prefix;
 * without one, the prefix is the host prefix. has_prefix tells whether
 * "/N" was given. *out is left undefined when false is returned. */
bool ipaddr_parse(const char *s, struct ip_addr *out, bool *has_prefix);
/* The address without its prefix ("192.0.2.10"), as inet_ntop() prints
 * it; "?" and -1 when it does not fit or the family is neither. */
int ipaddr_format(const struct ip_addr *a, char *buf, size_t len);
/* The address with its prefix ("192.0.2.10/32"): snprintf's return. */
int ipaddr_format_prefix(const struct ip_addr *a, char *buf, size_t len);
/* Identity and order of an address: by family, then by the 16 bytes
 * (memcmp's order); the prefix takes no part, so a VIP and the same
 * address bound with another prefix are one address. */
int ipaddr_compare(const struct ip_addr *a, const struct ip_addr *b);
bool ipaddr_equal(const struct ip_addr *a, const struct ip_addr *b);

/* Bits of a host address of family: 128 for AF_INET6, else 32. */
unsigned host_prefix(int family);
/* Bytes of an address of family: 16 for AF_INET6, else 4. */
size_t addr_len(int family);
/* addr lies in net/prefix: the first prefix bits are the same. */
bool prefix_contains(const uint8_t *net, unsigned prefix, const uint8_t *addr);

#endif

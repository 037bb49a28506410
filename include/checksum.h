/* The Internet checksum (RFC 1071) of the frames lvsdr builds itself: IPv4
 * headers, and TCP, UDP, ICMP and ICMPv6 over their pseudo-headers. */
#ifndef LVSDR_CHECKSUM_H
#define LVSDR_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* Add len bytes as big-endian 16-bit words to a running sum. Only the last
 * piece of a message may have an odd length. */
uint32_t checksum_add(uint32_t sum, const void *data, size_t len);
/* The RFC 2460 / RFC 793 pseudo-header: addresses (4 or 16 bytes each by
 * family), upper-layer length and protocol. */
uint32_t checksum_pseudo(int family, const uint8_t *src, const uint8_t *dst, uint8_t proto, size_t len);
/* Fold and complement: the value to store, in host order. */
uint16_t checksum_finish(uint32_t sum);
/* Store a finished checksum at p, big-endian, wherever p points. */
void checksum_store(uint8_t *p, uint16_t value);

#endif

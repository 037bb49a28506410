#include "checksum.h"

#include <sys/socket.h>

/* Byte by byte: the frames are packed and the words need not be aligned. */
uint32_t checksum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	/* Fold now and then, so a long message cannot overflow the sum. */
	return (sum & 0xffff) + (sum >> 16);
}

uint32_t checksum_pseudo(int family, const uint8_t *src, const uint8_t *dst, uint8_t proto, size_t len)
{
	size_t alen = family == AF_INET6 ? 16 : 4;
	uint32_t sum = checksum_add(0, src, alen);

	sum = checksum_add(sum, dst, alen);
	sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff);
	return sum + proto;
}

uint16_t checksum_finish(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void checksum_store(uint8_t *p, uint16_t value)
{
	p[0] = (uint8_t)(value >> 8);
	p[1] = (uint8_t)value;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Internet checksum (RFC 1071) over a contiguous buffer, 8 bytes a step.
 * DPDK 22.11's __rte_raw_cksum adds 2 bytes a step and, at -O2, was the
 * hottest loop of the worker. Summing 32-bit words into 64 bits and folding
 * gives the same one's complement sum: a 32-bit word lo + 2^16 hi is
 * congruent to lo + hi modulo 2^16 - 1.
 */
#ifndef SL_CKSUM_H
#define SL_CKSUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/**
 * One's complement sum of @p len bytes at @p buf in host byte order,
 * reduced to 16 bits: the value of
 * __rte_raw_cksum_reduce(__rte_raw_cksum(buf, len, 0)).
 */
static inline uint32_t
sl_cksum16(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t s = 0, v;
	uint32_t w32;
	uint16_t w16;

	while (len >= 8) {
		memcpy(&v, p, 8);
		s += (v & 0xffffffffu) + (v >> 32);
		p += 8;
		len -= 8;
	}
	if (len >= 4) {
		memcpy(&w32, p, 4);
		s += w32;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&w16, p, 2);
		s += w16;
		p += 2;
		len -= 2;
	}
	if (len) {
		w16 = 0;
		memcpy(&w16, p, 1);   /* the odd byte, as the first of a pair */
		s += w16;
	}
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

#endif /* SL_CKSUM_H */

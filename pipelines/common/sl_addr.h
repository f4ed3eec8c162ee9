/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IP addresses as sluice stores them: always 16 bytes, IPv4 as an
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d), so one type serves both families.
 */
#ifndef SL_ADDR_H
#define SL_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/** An IPv4 or IPv6 address (IPv4 mapped into ::ffff:0:0/96). */
struct sl_ip {
	uint8_t b[16];
};

/** An address with a prefix length (as given to --listen). */
struct sl_prefix {
	struct sl_ip ip;
	uint8_t len;       /**< prefix length in the address's own family (0-32 or 0-128) */
	uint8_t is_v4;
};

/** Longest text form, with NUL: an IPv6 address. */
#define SL_IP_STRLEN 46

/** True when @p ip is IPv4-mapped. */
static inline bool
sl_ip_is_v4(const struct sl_ip *ip)
{
	static const uint8_t pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(ip->b, pfx, 12) == 0;
}

/** Make a mapped address from an IPv4 address in network byte order. */
static inline void
sl_ip_from_v4(struct sl_ip *ip, uint32_t be_addr)
{
	memset(ip->b, 0, 10);
	ip->b[10] = 0xff;
	ip->b[11] = 0xff;
	memcpy(&ip->b[12], &be_addr, 4);
}

/** The IPv4 address (network byte order) of a mapped address. */
static inline uint32_t
sl_ip_v4(const struct sl_ip *ip)
{
	uint32_t a;

	memcpy(&a, &ip->b[12], 4);
	return a;
}

/**
 * Parse "a.b.c.d" or an IPv6 address.
 * @return 0, or -EINVAL.
 */
int sl_ip_parse(struct sl_ip *ip, const char *s);

/**
 * Parse "ADDR/LEN" or "ADDR" (full length).
 * @return 0, or -EINVAL with a reason in @p err (if not NULL, errlen bytes).
 */
int sl_prefix_parse(struct sl_prefix *p, const char *s, char *err, size_t errlen);

/** Format an address (IPv4 in dotted form). @return @p buf. */
const char *sl_ip_format(const struct sl_ip *ip, char *buf, size_t len);

/** True when @p ip is inside @p p. */
bool sl_prefix_contains(const struct sl_prefix *p, const struct sl_ip *ip);

#endif /* SL_ADDR_H */

/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "sl_addr.h"

int
sl_ip_parse(struct sl_ip *ip, const char *s)
{
	struct in_addr a4;

	if (inet_pton(AF_INET, s, &a4) == 1) {
		sl_ip_from_v4(ip, a4.s_addr);
		return 0;
	}
	if (inet_pton(AF_INET6, s, ip->b) == 1)
		return 0;
	return -EINVAL;
}

int
sl_prefix_parse(struct sl_prefix *p, const char *s, char *err, size_t errlen)
{
	char buf[64];
	char *slash, *end;
	unsigned long len;
	unsigned int max;

	if (strlen(s) >= sizeof(buf)) {
		if (err)
			snprintf(err, errlen, "'%s' is too long for an address", s);
		return -EINVAL;
	}
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (sl_ip_parse(&p->ip, buf) != 0) {
		if (err)
			snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address", buf);
		return -EINVAL;
	}
	p->is_v4 = sl_ip_is_v4(&p->ip);
	max = p->is_v4 ? 32 : 128;
	if (!slash) {
		p->len = max;
		return 0;
	}
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end != '\0' || len > max) {
		if (err)
			snprintf(err, errlen, "prefix length '%s' must be 0-%u",
				 slash + 1, max);
		return -EINVAL;
	}
	p->len = len;
	return 0;
}

const char *
sl_ip_format(const struct sl_ip *ip, char *buf, size_t len)
{
	if (sl_ip_is_v4(ip))
		inet_ntop(AF_INET, &ip->b[12], buf, len);
	else
		inet_ntop(AF_INET6, ip->b, buf, len);
	return buf;
}

bool
sl_prefix_contains(const struct sl_prefix *p, const struct sl_ip *ip)
{
	unsigned int bits = p->len + (p->is_v4 ? 96 : 0);
	unsigned int full = bits / 8, rest = bits % 8;

	if (sl_ip_is_v4(ip) != (bool)p->is_v4)
		return false;
	if (memcmp(p->ip.b, ip->b, full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		return (p->ip.b[full] & mask) == (ip->b[full] & mask);
	}
	return true;
}

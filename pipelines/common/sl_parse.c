/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sl_parse.h"

int
sl_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end != '\0')
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int
sl_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	switch (toupper((unsigned char)*end)) {
	case '\0':
		break;
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	case 'T':
		shift = 40;
		break;
	default:
		return -EINVAL;
	}
	if (*end != '\0') {
		end++;
		if (toupper((unsigned char)*end) == 'B' || toupper((unsigned char)*end) == 'I')
			end += (toupper((unsigned char)end[0]) == 'I' &&
				 toupper((unsigned char)end[1]) == 'B') ? 2 : 1;
		if (*end != '\0')
			return -EINVAL;
	}
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

int
sl_parse_ports(const char *s, uint8_t map[8192])
{
	char buf[1024];
	char *tok, *save = NULL;
	int n = 0;

	if (s == NULL || strlen(s) >= sizeof(buf) || *s == '\0')
		return -EINVAL;
	memset(map, 0, 8192);
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-');
		uint64_t lo, hi, p;

		if (dash)
			*dash = '\0';
		if (sl_parse_u64(tok, 1, 65535, &lo) != 0)
			return -EINVAL;
		hi = lo;
		if (dash && sl_parse_u64(dash + 1, lo, 65535, &hi) != 0)
			return -EINVAL;
		for (p = lo; p <= hi; p++) {
			if (!(map[p >> 3] & (1u << (p & 7))))
				n++;
			map[p >> 3] |= 1u << (p & 7);
		}
	}
	return n > 0 ? n : -EINVAL;
}

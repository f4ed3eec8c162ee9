/* SPDX-License-Identifier: BSD-3-Clause */
/* Command-line value parsing and addresses (pipelines/common). */
#include <errno.h>

#include <rte_ip.h>

#include "sl_addr.h"
#include "sl_cksum.h"
#include "sl_common.h"
#include "sl_parse.h"
#include "sl_test.h"

static int
test_sizes_take_binary_suffixes(void)
{
	uint64_t v;

	SL_ASSERT_EQ(sl_parse_size("4096", &v), 0);
	SL_ASSERT_EQ(v, 4096);
	SL_ASSERT_EQ(sl_parse_size("64K", &v), 0);
	SL_ASSERT_EQ(v, 65536);
	SL_ASSERT_EQ(sl_parse_size("1m", &v), 0);
	SL_ASSERT_EQ(v, 1 << 20);
	SL_ASSERT_EQ(sl_parse_size("2G", &v), 0);
	SL_ASSERT_EQ(v, 2ull << 30);
	SL_ASSERT_EQ(sl_parse_size("3GiB", &v), 0);
	SL_ASSERT_EQ(v, 3ull << 30);
	return 0;
}

static int
test_bad_sizes_are_rejected(void)
{
	uint64_t v;

	SL_ASSERT_EQ(sl_parse_size("", &v), -EINVAL);
	SL_ASSERT_EQ(sl_parse_size("-1", &v), -EINVAL);
	SL_ASSERT_EQ(sl_parse_size("12Q", &v), -EINVAL);
	SL_ASSERT_EQ(sl_parse_size("1KX", &v), -EINVAL);
	SL_ASSERT_EQ(sl_parse_size("K", &v), -EINVAL);
	SL_ASSERT_EQ(sl_parse_size("99999999999999999999", &v), -ERANGE);
	SL_ASSERT_EQ(sl_parse_size("17179869184G", &v), -ERANGE);
	return 0;
}

static int
test_numbers_check_range(void)
{
	uint64_t v;

	SL_ASSERT_EQ(sl_parse_u64("7", 1, 10, &v), 0);
	SL_ASSERT_EQ(v, 7);
	SL_ASSERT_EQ(sl_parse_u64("0", 1, 10, &v), -ERANGE);
	SL_ASSERT_EQ(sl_parse_u64("11", 1, 10, &v), -ERANGE);
	SL_ASSERT_EQ(sl_parse_u64("7x", 1, 10, &v), -EINVAL);
	SL_ASSERT_EQ(sl_parse_u64(" 7", 1, 10, &v), -EINVAL);
	return 0;
}

static int
test_port_lists_and_ranges(void)
{
	uint8_t map[8192];

	SL_ASSERT_EQ(sl_parse_ports("514,601", map), 2);
	SL_ASSERT(map[514 >> 3] & (1 << (514 & 7)));
	SL_ASSERT(map[601 >> 3] & (1 << (601 & 7)));
	SL_ASSERT(!(map[515 >> 3] & (1 << (515 & 7))));
	SL_ASSERT_EQ(sl_parse_ports("5140-5149,5145", map), 10);
	SL_ASSERT_EQ(sl_parse_ports("65535", map), 1);
	SL_ASSERT_EQ(sl_parse_ports("0", map), -EINVAL);
	SL_ASSERT_EQ(sl_parse_ports("65536", map), -EINVAL);
	SL_ASSERT_EQ(sl_parse_ports("10-5", map), -EINVAL);
	SL_ASSERT_EQ(sl_parse_ports("514,,x", map), -EINVAL);
	SL_ASSERT_EQ(sl_parse_ports("", map), -EINVAL);
	return 0;
}

static int
test_prefixes_parse_and_match(void)
{
	struct sl_prefix p;
	struct sl_ip ip;
	char err[128], buf[SL_IP_STRLEN];

	SL_ASSERT_EQ(sl_prefix_parse(&p, "10.99.0.1/24", err, sizeof(err)), 0);
	SL_ASSERT(p.is_v4);
	SL_ASSERT_EQ(p.len, 24);
	SL_ASSERT_EQ(sl_ip_parse(&ip, "10.99.0.200"), 0);
	SL_ASSERT(sl_prefix_contains(&p, &ip));
	SL_ASSERT_EQ(sl_ip_parse(&ip, "10.99.1.1"), 0);
	SL_ASSERT(!sl_prefix_contains(&p, &ip));
	SL_ASSERT_EQ(sl_ip_parse(&ip, "::ffff:10.99.0.7"), 0);
	SL_ASSERT(sl_prefix_contains(&p, &ip));
	SL_ASSERT_EQ(strcmp(sl_ip_format(&ip, buf, sizeof(buf)), "10.99.0.7"), 0);

	SL_ASSERT_EQ(sl_prefix_parse(&p, "fd99::1/64", err, sizeof(err)), 0);
	SL_ASSERT(!p.is_v4);
	SL_ASSERT_EQ(sl_ip_parse(&ip, "fd99::abcd"), 0);
	SL_ASSERT(sl_prefix_contains(&p, &ip));
	SL_ASSERT_EQ(sl_ip_parse(&ip, "fd98::1"), 0);
	SL_ASSERT(!sl_prefix_contains(&p, &ip));
	SL_ASSERT_EQ(strcmp(sl_ip_format(&ip, buf, sizeof(buf)), "fd98::1"), 0);

	SL_ASSERT_EQ(sl_prefix_parse(&p, "10.0.0.1", err, sizeof(err)), 0);
	SL_ASSERT_EQ(p.len, 32);
	SL_ASSERT_EQ(sl_prefix_parse(&p, "10.0.0.1/33", err, sizeof(err)), -EINVAL);
	SL_ASSERT(strstr(err, "0-32") != NULL);
	SL_ASSERT_EQ(sl_prefix_parse(&p, "fd99::1/129", err, sizeof(err)), -EINVAL);
	SL_ASSERT_EQ(sl_prefix_parse(&p, "not-an-ip", err, sizeof(err)), -EINVAL);
	SL_ASSERT(strstr(err, "not-an-ip") != NULL);
	return 0;
}

static int
test_checksum_matches_dpdk_at_every_length_and_alignment(void)
{
	static uint8_t buf[4096 + 8];
	unsigned int i, len, align;
	uint32_t x = 12345;

	for (i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	for (align = 0; align < 8; align++)
		for (len = 0; len <= 300; len++)
			SL_ASSERT_EQ(sl_cksum16(buf + align, len),
				     __rte_raw_cksum_reduce(__rte_raw_cksum(buf + align, len, 0)));
	SL_ASSERT_EQ(sl_cksum16(buf, 4096), __rte_raw_cksum_reduce(__rte_raw_cksum(buf, 4096, 0)));
	/* Carries: all ones, and sums that wrap many times. */
	memset(buf, 0xff, sizeof(buf));
	for (len = 0; len <= 4096; len += 509)
		SL_ASSERT_EQ(sl_cksum16(buf, len), __rte_raw_cksum_reduce(__rte_raw_cksum(buf, len, 0)));
	memset(buf, 0, sizeof(buf));
	SL_ASSERT_EQ(sl_cksum16(buf, 100), 0);
	return 0;
}

static const struct sl_test_case cases[] = {
	SL_TEST(test_checksum_matches_dpdk_at_every_length_and_alignment),
	SL_TEST(test_sizes_take_binary_suffixes),
	SL_TEST(test_bad_sizes_are_rejected),
	SL_TEST(test_numbers_check_range),
	SL_TEST(test_port_lists_and_ranges),
	SL_TEST(test_prefixes_parse_and_match),
};

int
main(int argc, char **argv)
{
	return sl_test_main(argc, argv, cases, SL_DIM(cases), false);
}

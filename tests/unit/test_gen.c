/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-gen's pieces that tests rely on: the expect file's message
 * encoding (must match sluice-cat's json format), checksums, and the
 * packets of a fragmented datagram. The generator is a program, not a
 * library, so its two files are compiled into this suite.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "sl_common.h"
#include "sl_test.h"
#include "../../app/sluice-gen/gen_out.c"
#include "../../app/sluice-gen/gen_pkt.c"

static int
json_is(const char *in, size_t n, const char *want)
{
	uint8_t out[256];
	size_t len = sl_json_msg(out, (const uint8_t *)in, n);

	if (len != strlen(want) || memcmp(out, want, len) != 0) {
		fprintf(stderr, "# got %.*s, want %s\n", (int)len, out, want);
		return 0;
	}
	return 1;
}

static int
test_json_escapes_quote_backslash_and_controls(void)
{
	SL_ASSERT(json_is("a\"b\\c\x01\t\x1b[0m", 11,
			  "\"msg\":\"a\\\"b\\\\c\\u0001\\u0009\\u001b[0m\""));
	SL_ASSERT(json_is("\x7f", 1, "\"msg\":\"\x7f\""));
	return 0;
}

static int
test_json_keeps_valid_utf8_as_is(void)
{
	SL_ASSERT(json_is("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x93\xa6", 14,
			  "\"msg\":\"caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x93\xa6\""));
	return 0;
}

static int
test_json_invalid_utf8_is_base64_with_padding(void)
{
	SL_ASSERT(json_is("caf\xe9", 4, "\"msg_b64\":\"Y2Fm6Q==\""));
	SL_ASSERT(json_is("\xff", 1, "\"msg_b64\":\"/w==\""));
	SL_ASSERT(json_is("\xff" "a", 2, "\"msg_b64\":\"/2E=\""));
	SL_ASSERT(json_is("\xff" "ab", 3, "\"msg_b64\":\"/2Fi\""));
	return 0;
}

static int
test_utf8_rejects_overlong_surrogate_range_and_truncated(void)
{
	SL_ASSERT(!sl_utf8_valid((const uint8_t *)"\xc0\x80", 2));
	SL_ASSERT(!sl_utf8_valid((const uint8_t *)"\xe0\x80\x80", 3));
	SL_ASSERT(!sl_utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));
	SL_ASSERT(!sl_utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4));
	SL_ASSERT(!sl_utf8_valid((const uint8_t *)"\xe2\x9c", 2));
	SL_ASSERT(!sl_utf8_valid((const uint8_t *)"\x80", 1));
	SL_ASSERT(sl_utf8_valid((const uint8_t *)"\xef\xbb\xbf", 3));
	SL_ASSERT(sl_utf8_valid((const uint8_t *)"\xf4\x8f\xbf\xbf", 4));
	return 0;
}

static int
test_ipv4_header_checksum_matches_known_vector(void)
{
	/* a classic example header: checksum 0xb861 */
	uint8_t h[20] = { 0x45, 0, 0, 0x73, 0, 0, 0x40, 0, 0x40, 0x11, 0, 0,
		0xc0, 0xa8, 0, 1, 0xc0, 0xa8, 0, 0xc7 };
	uint16_t ck = gen_csum_fold(gen_csum_add(0, h, 20));

	memcpy(h + 10, &ck, 2);
	SL_ASSERT_EQ(h[10], 0xb8);
	SL_ASSERT_EQ(h[11], 0x61);
	SL_ASSERT_EQ(gen_csum_fold(gen_csum_add(0, h, 20)), 0);
	return 0;
}

/* Send one datagram of @p paylen bytes on a one-flow network and read
 * the pcap back into @p pkts (frames without record headers). */
static int
send_one(bool v6, uint32_t paylen, uint8_t pkts[][1600], uint32_t *lens,
	 unsigned int *npkts, struct gen_flow *fl)
{
	static uint8_t dgram[GEN_UDP_HLEN + 70000];
	char path[] = "/tmp/sl-test-gen-XXXXXX";
	struct gen_flow_params fp = { .nflows = 1, .ipv6_pct = v6 ? 100 : 0 };
	uint16_t dport = 514;
	struct gen_net net = { .mtu = 1500, .ip4_id = 7, .ip6_id = 9, .gap_ns = 1000 };
	struct gen_file f;
	struct gen_rand r;
	char err[128];
	uint8_t *buf;
	long sz, off;
	uint32_t i;
	int fd = mkstemp(path);
	FILE *in;

	if (fd < 0)
		return -1;
	close(fd);
	sl_prefix_parse(&fp.src4, "192.0.2.0/24", NULL, 0);
	sl_prefix_parse(&fp.src6, "2001:db8::/64", NULL, 0);
	sl_ip_parse(&fp.dst4, "198.51.100.1");
	sl_ip_parse(&fp.dst6, "2001:db8:1::1");
	fp.dports = &dport;
	fp.ndports = 1;
	gen_rand_seed(&r, 3);
	if (gen_flows_make(fl, &fp, &r, err, sizeof(err)) != 0)
		return -1;
	for (i = 0; i < paylen; i++)
		dgram[GEN_UDP_HLEN + i] = (uint8_t)('a' + i % 26);
	if (gen_file_open(&f, path, 1 << 16) != 0)
		return -1;
	gen_pcap_header(&f, true, 65535);
	gen_send(&net, &f, fl, dgram, paylen);
	if (gen_file_close(&f) != 0)
		return -1;
	in = fopen(path, "rb");
	fseek(in, 0, SEEK_END);
	sz = ftell(in);
	rewind(in);
	buf = malloc((size_t)sz);
	if (fread(buf, 1, (size_t)sz, in) != (size_t)sz)
		sz = 0;
	fclose(in);
	unlink(path);
	*npkts = 0;
	for (off = 24; off + 16 <= sz && *npkts < 64; ) {
		uint32_t incl;

		memcpy(&incl, buf + off + 8, 4);
		if (incl > 1600)
			break;
		memcpy(pkts[*npkts], buf + off + 16, incl);
		lens[(*npkts)++] = incl;
		off += 16 + incl;
	}
	free(buf);
	return 0;
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int
test_ipv4_datagram_over_mtu_is_fragmented_with_valid_checksums(void)
{
	static uint8_t pkts[64][1600], whole[8000];
	uint32_t lens[64], got = 0;
	unsigned int n, i;
	struct gen_flow fl;
	uint64_t sum;

	SL_ASSERT_EQ(send_one(false, 4000, pkts, lens, &n, &fl), 0);
	SL_ASSERT_EQ(n, 3); /* 4008 bytes of UDP in 1480-byte pieces */
	for (i = 0; i < n; i++) {
		const uint8_t *ip = pkts[i] + 14;
		uint16_t fo = rd16(ip + 6), tot = rd16(ip + 2);

		SL_ASSERT_EQ(rd16(pkts[i] + 12), 0x0800);
		SL_ASSERT_EQ(gen_csum_fold(gen_csum_add(0, ip, 20)), 0);
		SL_ASSERT_EQ(rd16(ip + 4), 7);                  /* one id per datagram */
		SL_ASSERT_EQ((fo & 0x1fff) * 8, i * 1480);
		SL_ASSERT_EQ(!!(fo & 0x2000), i < n - 1);       /* MF but on the last */
		SL_ASSERT(tot <= 1500);
		memcpy(whole + got, ip + 20, tot - 20u);
		got += tot - 20u;
	}
	SL_ASSERT_EQ(got, 4008);
	SL_ASSERT_EQ(rd16(whole + 4), 4008);
	sum = gen_csum_add(0, &fl.src.b[12], 4);
	sum = gen_csum_add(sum, &fl.dst.b[12], 4);
	sum = gen_csum_add(sum, "\0\x11\x0f\xa8", 4);  /* proto 17, length 4008 */
	SL_ASSERT_EQ(gen_csum_fold(gen_csum_add(sum, whole, got)), 0);
	return 0;
}

static int
test_ipv6_datagram_over_mtu_gets_fragment_headers(void)
{
	static uint8_t pkts[64][1600], whole[8000];
	uint32_t lens[64], got = 0;
	unsigned int n, i;
	struct gen_flow fl;
	uint64_t sum;

	SL_ASSERT_EQ(send_one(true, 3000, pkts, lens, &n, &fl), 0);
	SL_ASSERT_EQ(n, 3); /* 3008 bytes in 1448-byte pieces */
	for (i = 0; i < n; i++) {
		const uint8_t *ip = pkts[i] + 14, *fh = ip + 40;
		uint16_t plen = rd16(ip + 4), fo = rd16(fh + 2);

		SL_ASSERT_EQ(rd16(pkts[i] + 12), 0x86dd);
		SL_ASSERT_EQ(ip[6], 44);
		SL_ASSERT_EQ(fh[0], 17);
		SL_ASSERT_EQ(fh[7], 9);                          /* identification */
		SL_ASSERT_EQ(fo & 0xfff8, i * 1448);
		SL_ASSERT_EQ(fo & 1, i < n - 1);
		SL_ASSERT(40u + plen <= 1500);
		memcpy(whole + got, fh + 8, plen - 8u);
		got += plen - 8u;
	}
	SL_ASSERT_EQ(got, 3008);
	sum = gen_csum_add(0, fl.src.b, 16);
	sum = gen_csum_add(sum, fl.dst.b, 16);
	sum = gen_csum_add(sum, "\0\x11\x0b\xc0", 4);  /* next header 17, length 3008 */
	SL_ASSERT_EQ(gen_csum_fold(gen_csum_add(sum, whole, got)), 0);
	return 0;
}

static int
test_short_datagram_is_one_padded_frame_with_df(void)
{
	static uint8_t pkts[64][1600];
	uint32_t lens[64];
	unsigned int n;
	struct gen_flow fl;

	SL_ASSERT_EQ(send_one(false, 5, pkts, lens, &n, &fl), 0);
	SL_ASSERT_EQ(n, 1);
	SL_ASSERT_EQ(lens[0], 60);                     /* padded like on the wire */
	SL_ASSERT_EQ(rd16(pkts[0] + 14 + 2), 20 + 8 + 5); /* IP length excludes padding */
	SL_ASSERT_EQ(rd16(pkts[0] + 14 + 6), 0x4000);   /* DF, no fragment */
	return 0;
}

static const struct sl_test_case cases[] = {
	SL_TEST(test_json_escapes_quote_backslash_and_controls),
	SL_TEST(test_json_keeps_valid_utf8_as_is),
	SL_TEST(test_json_invalid_utf8_is_base64_with_padding),
	SL_TEST(test_utf8_rejects_overlong_surrogate_range_and_truncated),
	SL_TEST(test_ipv4_header_checksum_matches_known_vector),
	SL_TEST(test_ipv4_datagram_over_mtu_is_fragmented_with_valid_checksums),
	SL_TEST(test_ipv6_datagram_over_mtu_gets_fragment_headers),
	SL_TEST(test_short_datagram_is_one_padded_frame_with_df),
};

int
main(int argc, char **argv)
{
	return sl_test_main(argc, argv, cases, SL_DIM(cases), false);
}

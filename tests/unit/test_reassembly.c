/* SPDX-License-Identifier: BSD-3-Clause */
/* Fragment reassembly in the decode stage: orders, sizes, duplicates,
 * overlaps, timeout, table full; every mbuf accounted for. */
#include <rte_cycles.h>
#include <rte_udp.h>

#include "sl_common.h"
#include "sl_record.h"
#include "sl_test.h"
#include "decode_test_util.h"

#define MAXF 128

static uint8_t payload[65536];
static uint8_t dgram[65536 + 8];
static uint8_t readback[65536];

/* A UDP datagram of @p plen payload bytes to T_DST4:514 (or T_DST6). */
static uint32_t
make_dgram(uint32_t plen, uint32_t seed, bool v6)
{
	uint8_t s[16], d[16];

	t_fill(payload, plen, seed);
	if (v6) {
		t_ip6(s, T_SRC6);
		t_ip6(d, T_DST6);
		return t_udp_dgram(dgram, s, d, 16, 3333, 514, payload, plen);
	}
	*(uint32_t *)s = t_ip4(T_SRC4);
	*(uint32_t *)d = t_ip4(T_DST4);
	return t_udp_dgram(dgram, s, d, 4, 3333, 514, payload, plen);
}

/* The delivered datagram carries exactly payload[0..plen), walking the chain. */
static int
check_whole(const struct sl_dgram *dg, uint32_t plen, bool v6)
{
	SL_ASSERT_EQ(dg->len, plen);
	SL_ASSERT_EQ(dg->m->pkt_len, dg->off + plen);
	SL_ASSERT_EQ(dg->off, 14 + (v6 ? 40 : 20) + 8);
	SL_ASSERT_EQ(dg->flags, SL_REC_F_REASSEMBLED | (v6 ? SL_REC_F_IPV6 : 0));
	SL_ASSERT_EQ(dg->sport, 3333);
	SL_ASSERT_EQ(dg->dport, 514);
	SL_ASSERT_EQ(t_chain_read(dg->m, dg->off, plen, readback), 0);
	SL_ASSERT_MEM_EQ(readback, payload, plen);
	return 0;
}

static void
shuffle(struct rte_mbuf **m, unsigned int n, uint32_t seed)
{
	unsigned int i;

	for (i = n - 1; i > 0; i--) {
		unsigned int j;
		struct rte_mbuf *t;

		seed = seed * 1103515245u + 12345u;
		j = (seed >> 8) % (i + 1);
		t = m[i];
		m[i] = m[j];
		m[j] = t;
	}
}

static int
one_datagram(bool v6, uint32_t plen, uint32_t fsz, int order, unsigned int expect_n)
{
	struct sl_decode_params p = t_params();
	struct rte_mbuf *m[MAXF];
	struct t_run r;
	unsigned int n, i;
	uint32_t len;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	len = make_dgram(plen, plen + (uint32_t)order, v6);
	n = v6 ? t_frag6(m, MAXF, dgram, len, fsz, 77, T_SRC6, T_DST6) :
		 t_frag4(m, MAXF, dgram, len, fsz, 77, T_SRC4, T_DST4);
	SL_ASSERT_EQ(n, expect_n);
	if (order == 1) {
		for (i = 0; i < n / 2; i++) {
			struct rte_mbuf *t = m[i];

			m[i] = m[n - 1 - i];
			m[n - 1 - i] = t;
		}
	} else if (order == 2) {
		shuffle(m, n, 12345);
	}
	t_run_feed(&r, m, n);
	SL_ASSERT_EQ(r.n_out, 1);
	SL_ASSERT_EQ(check_whole(&r.out[0], plen, v6), 0);
	SL_ASSERT_EQ(T_CTR(r.d, frags_in), n);
	SL_ASSERT_EQ(T_CTR(r.d, reassembled), 1);
	SL_ASSERT_EQ(T_CTR(r.d, udp_dgrams), 1);
	SL_ASSERT_EQ(sl_decode_frag_in_use(r.d), 0);
	SL_ASSERT_EQ(rte_mempool_in_use_count(t_pool), n);
	return t_run_close(&r);
}

static int
test_ipv4_fragments_in_order_are_reassembled(void)
{
	return one_datagram(false, 8192, 1480, 0, 6);
}

static int
test_ipv4_fragments_in_reverse_order_are_reassembled(void)
{
	return one_datagram(false, 8192, 1480, 1, 6);
}

static int
test_ipv4_fragments_in_random_order_are_reassembled(void)
{
	return one_datagram(false, 20000, 1480, 2, 14);
}

static int
test_ipv4_60k_datagram_in_45_fragments_is_reassembled(void)
{
	return one_datagram(false, 60 * 1024, 1376, 2, 45);
}

static int
test_ipv4_largest_datagram_is_reassembled(void)
{
	/* 65535 - 20 (IP) - 8 (UDP) */
	return one_datagram(false, 65507, 1480, 0, 45);
}

static int
test_ipv6_32k_datagram_is_reassembled(void)
{
	return one_datagram(true, 32 * 1024, 1448, 0, 23);
}

static int
test_ipv6_fragments_in_random_order_are_reassembled(void)
{
	return one_datagram(true, 60 * 1024, 1448, 2, 43);
}

static int
test_interleaved_datagrams_are_kept_apart(void)
{
	struct sl_decode_params p = t_params();
	struct rte_mbuf *m[MAXF];
	struct t_run r;
	unsigned int n = 0, k;
	uint32_t len;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	/* Same payload, 4 ids, IPv4 and IPv6: 8 datagrams of 5 fragments. */
	for (k = 0; k < 4; k++) {
		len = make_dgram(7000, 9, false);
		n += t_frag4(m + n, MAXF - n, dgram, len, 1480, (uint16_t)(100 + k),
			     T_SRC4, T_DST4);
		len = make_dgram(7000, 9, true);
		n += t_frag6(m + n, MAXF - n, dgram, len, 1448, 100 + k, T_SRC6, T_DST6);
	}
	SL_ASSERT_EQ(n, 40);
	shuffle(m, n, 99);
	t_run_feed(&r, m, n);
	SL_ASSERT_EQ(r.n_out, 8);
	for (k = 0; k < 8; k++)
		SL_ASSERT_EQ(check_whole(&r.out[k], 7000,
					 (r.out[k].flags & SL_REC_F_IPV6) != 0), 0);
	return t_run_close(&r);
}

static int
test_ipv6_unfragmentable_header_is_kept_and_vlan_reported(void)
{
	struct sl_decode_params p = t_params();
	struct rte_mbuf *m[MAXF];
	struct t_frame f;
	struct t_run r;
	unsigned int n = 0;
	uint32_t len, off;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	len = make_dgram(4000, 5, true);
	for (off = 0; off < len; off += 1400) {
		uint32_t fl = RTE_MIN(1400u, len - off);
		uint16_t fo = (uint16_t)off | (off + fl < len ? 1 : 0);
		uint8_t *fh;

		t_eth(&f, RTE_ETHER_TYPE_IPV6, 1, RTE_ETHER_TYPE_VLAN);
		t_ipv6(&f, T_SRC6, T_DST6, 0, 8 + 8 + fl);
		t_ext8(&f, 44);             /* hop-by-hop, then fragment */
		fh = f.b + f.len;
		fh[0] = IPPROTO_UDP;
		fh[1] = 0;
		fh[2] = fo >> 8;
		fh[3] = fo & 0xff;
		memset(fh + 4, 0, 3);
		fh[7] = 5;
		f.len += 8;
		memcpy(f.b + f.len, dgram + off, fl);
		f.len += fl;
		m[n++] = t_frame_mbuf(&f);
	}
	shuffle(m, n, 3);
	t_run_feed(&r, m, n);
	SL_ASSERT_EQ(r.n_out, 1);
	SL_ASSERT_EQ(r.out[0].off, 18 + 40 + 8 + 8);
	SL_ASSERT_EQ(r.out[0].vlan, 100);
	SL_ASSERT_EQ(r.out[0].flags,
		     SL_REC_F_REASSEMBLED | SL_REC_F_IPV6 | SL_REC_F_VLAN);
	SL_ASSERT_EQ(t_chain_read(r.out[0].m, r.out[0].off, 4000, readback), 0);
	SL_ASSERT_MEM_EQ(readback, payload, 4000);
	return t_run_close(&r);
}

static int
test_exact_duplicate_fragment_is_dropped_alone(void)
{
	struct sl_decode_params p = t_params();
	struct rte_mbuf *m[MAXF];
	struct t_run r;
	unsigned int n;
	uint32_t len;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	len = make_dgram(5000, 1, false);
	n = t_frag4(m, MAXF, dgram, len, 1480, 5, T_SRC4, T_DST4);
	SL_ASSERT_EQ(n, 4);
	m[4] = m[3];
	m[3] = rte_pktmbuf_copy(m[1], t_pool, 0, UINT32_MAX);
	SL_ASSERT(m[3] != NULL);
	t_run_feed(&r, m, 5);
	SL_ASSERT_EQ(r.n_out, 1);
	SL_ASSERT_EQ(check_whole(&r.out[0], 5000, false), 0);
	SL_ASSERT_EQ(T_CTR(r.d, drop_frag_dup), 1);
	SL_ASSERT_EQ(rte_mempool_in_use_count(t_pool), 4);
	return t_run_close(&r);
}

static int
test_overlapping_fragment_drops_the_datagram(void)
{
	struct sl_decode_params p = t_params();
	struct rte_mbuf *m[MAXF], *o;
	struct t_run r;
	unsigned int n;
	uint32_t len;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	len = make_dgram(5000, 1, false);
	n = t_frag4(m, MAXF, dgram, len, 1480, 6, T_SRC4, T_DST4);
	SL_ASSERT_EQ(n, 4);
	/* 800 bytes at offset 1000: overlaps fragments 0 and 1. */
	o = t_frag4_mbuf(T_SRC4, T_DST4, IPPROTO_UDP, dgram + 1000, 800, 6,
			 (uint16_t)(1000 / 8) | RTE_IPV4_HDR_MF_FLAG);
	t_run_feed(&r, m, 2);
	t_run_feed(&r, &o, 1);
	SL_ASSERT_EQ(T_CTR(r.d, drop_frag_bad), 3);
	SL_ASSERT_EQ(sl_decode_frag_in_use(r.d), 0);
	SL_ASSERT_EQ(rte_mempool_in_use_count(t_pool), 2);
	/* The rest starts a new datagram that never completes. */
	t_run_feed(&r, m + 2, 2);
	SL_ASSERT_EQ(r.n_out, 0);
	SL_ASSERT_EQ(sl_decode_frag_in_use(r.d), 1);
	return t_run_close(&r);
}

static int
test_inconsistent_and_oversized_fragments_are_bad(void)
{
	struct sl_decode_params p = t_params();
	struct rte_mbuf *m[4];
	struct t_run r;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	memset(dgram, 0x55, 2000);
	/* Beyond 65535 bytes in all. */
	m[0] = t_frag4_mbuf(T_SRC4, T_DST4, IPPROTO_UDP, dgram, 1000, 9, 8100);
	/* Not the last, length not a multiple of 8. */
	m[1] = t_frag4_mbuf(T_SRC4, T_DST4, IPPROTO_UDP, dgram, 1001, 9, RTE_IPV4_HDR_MF_FLAG);
	/* Two different last fragments of one datagram. */
	m[2] = t_frag4_mbuf(T_SRC4, T_DST4, IPPROTO_UDP, dgram, 16, 10, 100);
	m[3] = t_frag4_mbuf(T_SRC4, T_DST4, IPPROTO_UDP, dgram, 16, 10, 200);
	t_run_feed(&r, m, 4);
	SL_ASSERT_EQ(T_CTR(r.d, drop_frag_bad), 4);
	SL_ASSERT_EQ(sl_decode_frag_in_use(r.d), 0);
	SL_ASSERT_EQ(rte_mempool_in_use_count(t_pool), 0);
	return t_run_close(&r);
}

static int
test_reassembled_datagram_with_bad_checksum_is_dropped(void)
{
	struct sl_decode_params p = t_params();
	struct rte_mbuf *m[MAXF];
	struct t_run r;
	unsigned int n;
	uint32_t len;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	len = make_dgram(3000, 2, false);
	dgram[2500] ^= 0xff;
	n = t_frag4(m, MAXF, dgram, len, 1480, 11, T_SRC4, T_DST4);
	t_run_feed(&r, m, n);
	SL_ASSERT_EQ(r.n_out, 0);
	SL_ASSERT_EQ(T_CTR(r.d, reassembled), 1);
	SL_ASSERT_EQ(T_CTR(r.d, drop_bad_l4_cksum), 1);
	SL_ASSERT_EQ(rte_mempool_in_use_count(t_pool), 0);
	return t_run_close(&r);
}

static int
test_fragments_not_for_us_are_not_held(void)
{
	struct sl_decode_params p = t_params();
	struct rte_mbuf *m[MAXF];
	struct t_run r;
	unsigned int n;
	uint32_t len;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	len = make_dgram(3000, 2, false);
	n = t_frag4(m, MAXF, dgram, len, 1480, 12, T_SRC4, "10.0.0.9");
	t_run_feed(&r, m, n);
	SL_ASSERT_EQ(T_CTR(r.d, ignored_not_local), n);
	SL_ASSERT_EQ(sl_decode_frag_in_use(r.d), 0);
	return t_run_close(&r);
}

static int
test_fragments_of_other_protocols_are_not_held(void)
{
	static const uint8_t zeros[64];
	struct sl_decode_params p = t_params();
	struct rte_mbuf *m[2];
	struct t_run r;
	unsigned int i;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	for (i = 0; i < 2; i++)
		m[i] = t_frag4_mbuf(T_SRC4, T_DST4, i ? IPPROTO_TCP : IPPROTO_ICMP, zeros,
				    sizeof(zeros), 20, RTE_IPV4_HDR_MF_FLAG);
	t_run_feed(&r, m, 2);
	SL_ASSERT_EQ(T_CTR(r.d, ignored_proto), 2);
	SL_ASSERT_EQ(sl_decode_frag_in_use(r.d), 0);
	return t_run_close(&r);
}

static int
test_unfinished_datagram_times_out_and_is_counted(void)
{
	struct sl_decode_params p = t_params();
	struct rte_mbuf *m[MAXF];
	struct t_run r;
	unsigned int n;
	uint32_t len;
	uint64_t t0, hz = rte_get_tsc_hz();

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	len = make_dgram(6000, 3, true);
	n = t_frag6(m, MAXF, dgram, len, 1448, 13, T_SRC6, T_DST6);
	SL_ASSERT_EQ(n, 5);
	t0 = r.now;
	t_run_feed(&r, m, 3);            /* 2 of 5 missing */
	rte_pktmbuf_free(m[3]);
	rte_pktmbuf_free(m[4]);
	SL_ASSERT_EQ(sl_decode_frag_in_use(r.d), 1);
	r.now = t0 + hz * p.frag_timeout_ms / 1000 - 1;
	t_run_feed(&r, NULL, 0);
	SL_ASSERT_EQ(T_CTR(r.d, drop_frag_timeout), 0);
	SL_ASSERT_EQ(rte_mempool_in_use_count(t_pool), 3);
	r.now = t0 + hz * p.frag_timeout_ms / 1000;
	t_run_feed(&r, NULL, 0);
	SL_ASSERT_EQ(T_CTR(r.d, drop_frag_timeout), 3);
	SL_ASSERT_EQ(sl_decode_frag_in_use(r.d), 0);
	SL_ASSERT_EQ(rte_mempool_in_use_count(t_pool), 0);
	return t_run_close(&r);
}

static int
test_expired_entry_is_replaced_by_new_fragment(void)
{
	struct sl_decode_params p = t_params();
	struct rte_mbuf *m[MAXF];
	struct t_run r;
	unsigned int n, i;
	uint32_t len;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	len = make_dgram(4000, 3, false);
	n = t_frag4(m, MAXF, dgram, len, 1480, 14, T_SRC4, T_DST4);
	t_run_feed(&r, m, 1);
	for (i = 1; i < n; i++)
		rte_pktmbuf_free(m[i]);
	/* Much later the whole datagram comes again: the stale first copy
	 * is discarded (timeout) and the new one completes. */
	r.now += rte_get_tsc_hz() * 5;
	n = t_frag4(m, MAXF, dgram, len, 1480, 14, T_SRC4, T_DST4);
	t_run_feed(&r, m, n);
	SL_ASSERT_EQ(r.n_out, 1);
	SL_ASSERT_EQ(T_CTR(r.d, drop_frag_timeout), 1);
	return t_run_close(&r);
}

static int
test_table_full_evicts_the_oldest_so_new_datagrams_complete(void)
{
	struct sl_decode_params p = t_params();
	struct rte_mbuf *m[MAXF];
	struct t_run r;
	unsigned int k, n, total = 0;
	uint32_t len;

	p.frag_max_flows = 16;
	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	len = make_dgram(3000, 4, false);
	/* 100 datagrams, first two fragments of each: a flood of partials.
	 * The table keeps the newest 16; older ones are evicted, counted. */
	for (k = 0; k < 100; k++) {
		n = t_frag4(m, 2, dgram, len, 1480, (uint16_t)(1000 + k), T_SRC4, T_DST4);
		t_run_feed(&r, m, n);
		total += n;
	}
	SL_ASSERT_EQ(sl_decode_frag_in_use(r.d), 16);
	SL_ASSERT_EQ(T_CTR(r.d, drop_frag_evicted), total - 32);
	SL_ASSERT_EQ(T_CTR(r.d, drop_frag_table_full), 0);
	SL_ASSERT_EQ(rte_mempool_in_use_count(t_pool), 32);
	/* A held datagram can still complete. */
	n = t_frag4(m, MAXF, dgram, len, 1480, 1099, T_SRC4, T_DST4);
	t_run_feed(&r, m + 2, n - 2);
	rte_pktmbuf_free(m[0]);
	rte_pktmbuf_free(m[1]);
	SL_ASSERT_EQ(r.n_out, 1);
	SL_ASSERT_EQ(check_whole(&r.out[0], 3000, false), 0);
	SL_ASSERT_EQ(sl_decode_frag_in_use(r.d), 15);
	/* A new datagram sent whole after the flood completes too. */
	n = t_frag4(m, MAXF, dgram, len, 1480, 5000, T_SRC4, T_DST4);
	t_run_feed(&r, m, n);
	SL_ASSERT_EQ(r.n_out, 2);
	SL_ASSERT_EQ(check_whole(&r.out[1], 3000, false), 0);
	/* Stop: what is left is counted, then nothing is held. */
	sl_decode_flush(r.d);
	SL_ASSERT_EQ(T_CTR(r.d, drop_frag_unfinished), 30);
	SL_ASSERT_EQ(sl_decode_frag_in_use(r.d), 0);
	return t_run_close(&r);
}

static int
test_mbuf_cap_evicts_the_oldest_datagram(void)
{
	struct sl_decode_params p = t_params();
	struct rte_mbuf *m[MAXF];
	struct t_run r;
	unsigned int k, n;
	uint32_t len;

	p.frag_max_flows = 64;
	p.frag_max_mbufs = 10;
	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	len = make_dgram(3000, 4, false);
	/* Six partial datagrams of two fragments: only ten mbufs may be
	 * held, so the oldest goes. */
	for (k = 0; k < 6; k++) {
		n = t_frag4(m, 2, dgram, len, 1480, (uint16_t)(2000 + k), T_SRC4, T_DST4);
		t_run_feed(&r, m, n);
	}
	SL_ASSERT_EQ(sl_decode_frag_in_use(r.d), 5);
	SL_ASSERT_EQ(T_CTR(r.d, drop_frag_evicted), 2);
	SL_ASSERT_EQ(rte_mempool_in_use_count(t_pool), 10);
	return t_run_close(&r);
}

static int
test_too_many_fragments_drop_the_datagram(void)
{
	struct sl_decode_params p = t_params();
	struct rte_mbuf *m[MAXF];
	struct t_run r;
	unsigned int n;
	uint32_t len;

	p.frag_max_per_flow = 8;
	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	len = make_dgram(4000, 4, false);
	n = t_frag4(m, MAXF, dgram, len, 400, 15, T_SRC4, T_DST4);
	SL_ASSERT_EQ(n, 11);
	t_run_feed(&r, m, n);
	SL_ASSERT_EQ(r.n_out, 0);
	SL_ASSERT_EQ(T_CTR(r.d, drop_frag_bad), 9);
	SL_ASSERT_EQ(sl_decode_frag_in_use(r.d), 1);   /* the last two, anew */
	return t_run_close(&r);
}

static const struct sl_test_case cases[] = {
	SL_TEST(test_ipv4_fragments_in_order_are_reassembled),
	SL_TEST(test_ipv4_fragments_in_reverse_order_are_reassembled),
	SL_TEST(test_ipv4_fragments_in_random_order_are_reassembled),
	SL_TEST(test_ipv4_60k_datagram_in_45_fragments_is_reassembled),
	SL_TEST(test_ipv4_largest_datagram_is_reassembled),
	SL_TEST(test_ipv6_32k_datagram_is_reassembled),
	SL_TEST(test_ipv6_fragments_in_random_order_are_reassembled),
	SL_TEST(test_interleaved_datagrams_are_kept_apart),
	SL_TEST(test_ipv6_unfragmentable_header_is_kept_and_vlan_reported),
	SL_TEST(test_exact_duplicate_fragment_is_dropped_alone),
	SL_TEST(test_overlapping_fragment_drops_the_datagram),
	SL_TEST(test_inconsistent_and_oversized_fragments_are_bad),
	SL_TEST(test_reassembled_datagram_with_bad_checksum_is_dropped),
	SL_TEST(test_fragments_not_for_us_are_not_held),
	SL_TEST(test_fragments_of_other_protocols_are_not_held),
	SL_TEST(test_unfinished_datagram_times_out_and_is_counted),
	SL_TEST(test_expired_entry_is_replaced_by_new_fragment),
	SL_TEST(test_table_full_evicts_the_oldest_so_new_datagrams_complete),
	SL_TEST(test_mbuf_cap_evicts_the_oldest_datagram),
	SL_TEST(test_too_many_fragments_drop_the_datagram),
};

int
main(int argc, char **argv)
{
	return sl_test_main(argc, argv, cases, SL_DIM(cases), true);
}

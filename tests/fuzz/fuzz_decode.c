/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the decode stage (and its reassembly).
 *
 * Input: byte 0 picks the handle (bit 0: listening on 10.0.0.1 and fd00::1
 * with NIC checksum flags trusted; else no --listen, software checksums).
 * Then up to SL_BURST records: [len_hi][len_lo][flags][len bytes]; flags
 * set mbuf offload bits (IP/L4 checksum good/bad, VLAN stripped) and bit 7
 * splits the frame into a two-segment chain. Input that does not parse as
 * records is decoded as a single frame.
 *
 * After the burst every datagram is read end to end and every mbuf freed;
 * reassembly state is expired at the end of each input and the mempool must
 * be back to empty, so a leaked or double-freed mbuf aborts the run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "sl_common.h"
#include "sl_decode.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rte_mempool *pool;
static struct sl_decode *dec[2];
static uint8_t ports[8192];
static struct sl_prefix listen_addr[2];
static uint64_t now;
static uint8_t sink[65536];

/* SL_FUZZ_COUNTERS=1: print both handles' counters at exit (seed check). */
static void
print_counters(void)
{
	int i;

	for (i = 0; i < 2; i++) {
		struct sl_ctr_set s = sl_decode_counters(dec[i]);

		s.instance = i ? "listen" : "any";
		sl_ctr_print(stderr, &s, 0);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char prefix[64];
	char *args[] = { (*argv)[0], "--no-pci", "--no-huge", "-m", "512",
		"--file-prefix", prefix, "-l", "0", "--log-level", "*:error", NULL };
	struct sl_decode_params p;
	int i;

	(void)argc;
	snprintf(prefix, sizeof(prefix), "sl-fuzz-decode-%d", (int)getpid());
	if (rte_eal_init((int)SL_DIM(args) - 1, args) < 0)
		abort();
	pool = rte_pktmbuf_pool_create("fuzz_pool", 4096, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL)
		abort();
	ports[514 >> 3] |= 1u << (514 & 7);
	ports[5140 >> 3] |= 1u << (5140 & 7);
	sl_prefix_parse(&listen_addr[0], "10.0.0.1/24", NULL, 0);
	sl_prefix_parse(&listen_addr[1], "fd00::1/64", NULL, 0);
	for (i = 0; i < 2; i++) {
		memset(&p, 0, sizeof(p));
		p.listen = listen_addr;
		p.n_listen = i ? 2 : 0;
		p.udp_ports = ports;
		p.mac.addr_bytes[0] = 2;
		p.mac.addr_bytes[5] = 1;
		p.frag_max_flows = 8;
		p.frag_max_per_flow = 16;
		p.frag_timeout_ms = 100;
		p.rx_cksum_offload = i == 1;
		p.socket_id = SOCKET_ID_ANY;
		dec[i] = sl_decode_create(&p);
		if (dec[i] == NULL)
			abort();
	}
	now = rte_get_tsc_hz();
	if (getenv("SL_FUZZ_COUNTERS") != NULL)
		atexit(print_counters);
	return 0;
}

static struct rte_mbuf *
make_mbuf(const uint8_t *b, size_t len, uint8_t flags)
{
	struct rte_mbuf *m, *m2;
	size_t first = len;

	if (len > 2 * 1900)
		len = 2 * 1900;
	if ((flags & 0x80) && len >= 2)
		first = len / 2;
	if (first > 1900)
		first = 1900;
	m = rte_pktmbuf_alloc(pool);
	if (m == NULL)
		abort();
	memcpy(rte_pktmbuf_append(m, (uint16_t)first), b, first);
	if (first < len) {
		m2 = rte_pktmbuf_alloc(pool);
		if (m2 == NULL)
			abort();
		memcpy(rte_pktmbuf_append(m2, (uint16_t)(len - first)), b + first,
		       len - first);
		if (rte_pktmbuf_chain(m, m2) != 0)
			abort();
	}
	if (flags & 0x01)
		m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	if (flags & 0x02)
		m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
	if (flags & 0x04)
		m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	if (flags & 0x08)
		m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_BAD;
	if (flags & 0x10) {
		m->ol_flags |= RTE_MBUF_F_RX_VLAN_STRIPPED;
		m->vlan_tci = 42;
	}
	return m;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *pkts[SL_BURST], *tx[SL_BURST];
	struct sl_dgram out[SL_BURST];
	struct sl_decode *d;
	uint16_t n = 0, nout, ntx = 0, i;
	size_t pos = 1;

	if (size < 1)
		return 0;
	d = dec[data[0] & 1];
	while (n < SL_BURST && pos + 3 <= size) {
		size_t len = (size_t)data[pos] << 8 | data[pos + 1];

		if (pos + 3 + len > size)
			break;
		pkts[n++] = make_mbuf(data + pos + 3, len, data[pos + 2]);
		pos += 3 + len;
	}
	if (n == 0 || pos != size) {
		for (i = 0; i < n; i++)
			rte_pktmbuf_free(pkts[i]);
		pkts[0] = make_mbuf(data + 1, size - 1, 0);
		n = 1;
	}

	now += 1000;
	nout = sl_decode_burst(d, pkts, n, now, out, tx, &ntx);
	if (nout > n || ntx > n)
		abort();
	for (i = 0; i < nout; i++) {
		const struct rte_mbuf *m = out[i].m;
		const void *p;

		if ((uint64_t)out[i].off + out[i].len > m->pkt_len || out[i].len > 65535)
			abort();
		p = rte_pktmbuf_read(m, out[i].off, out[i].len, sink);
		if (p == NULL)
			abort();
		if (out[i].len > 0)
			sink[0] ^= ((const uint8_t *)p)[out[i].len - 1];
		rte_pktmbuf_free(out[i].m);
	}
	for (i = 0; i < ntx; i++) {
		if (rte_pktmbuf_pkt_len(tx[i]) < 14 || rte_pktmbuf_pkt_len(tx[i]) > 9000)
			abort();
		rte_pktmbuf_free(tx[i]);
	}

	/* Expire everything the input left in reassembly. */
	now += 100 * rte_get_tsc_hz();
	while (sl_decode_frag_in_use(d) > 0)
		sl_decode_burst(d, NULL, 0, now, out, tx, &ntx);
	if (rte_mempool_in_use_count(pool) != 0)
		abort();
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP stage micro-benchmark, in process (no NIC): E established
 * connections (1, 16, 256) receive in-order segments carrying k LF-framed
 * messages of ~140 bytes each (k = 1 and 8), in bursts of 32 through
 * sl_tcp_input(), with a sink that copies each message into a record-sized
 * buffer. The burst's mbufs are refilled from the pool every round
 * (rte_pktmbuf_alloc_bulk + memcpy of a prebuilt frame, sequence number
 * patched); the stage frees them, and its ACKs are freed by the tx function.
 *
 * Prints, per (E, k): ns per message and per segment spent in
 * sl_tcp_input() alone, messages per second on one core at that rate, and
 * ns per message for the whole loop (refill + input + poll). Best of 3 runs.
 *
 * usage: bench_tcp [MESSAGES]   (default 2,000,000 per run)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "sl_common.h"
#include "sl_tcp.h"
#include "tcp_test_util.h"

#define MSG_LEN 140          /* each line, LF included */
#define MAX_CONNS 256
#define MAX_K 8

static bool capture;          /* handshakes: the peer reads our SYN-ACKs */
static uint64_t sink_msgs, acks;
static uint8_t record[64 + 2048];

static int
bench_sink(void *arg, const struct sl_tcp_msg *m)
{
	(void)arg;
	/* A record: a small header, then the bytes (as the shard chunk would). */
	memcpy(record, &m->hash, 4);
	memcpy(record + 4, m->src, 16);
	memcpy(record + 20, &m->len, 4);
	memcpy(record + 64, m->p, m->len);
	sink_msgs++;
	return 0;
}

static uint16_t
bench_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	if (capture)
		return tt_tx_fn(arg, pkts, n);
	rte_pktmbuf_free_bulk(pkts, n);
	acks += n;
	return n;
}

/* One connection: its peer, the frame of its next segment. */
struct bconn {
	struct tt_peer pr;
	struct sl_dgram tmpl;     /* dgram fields of the template (m unused) */
	uint8_t frame[2048];
	uint32_t frame_len;
	uint32_t seq_at;          /* offset of the sequence number in the frame */
	uint32_t next;            /* stream offset of the next segment */
	uint32_t seg_len;
};

static struct bconn conns[MAX_CONNS];

/* k lines of exactly MSG_LEN bytes (LF included). */
static void
make_payload(uint8_t *p, unsigned int k, unsigned int conn)
{
	unsigned int i, j;

	for (i = 0; i < k; i++) {
		uint8_t *l = p + i * MSG_LEN;
		int n = snprintf((char *)l, MSG_LEN,
				 "<13>Nov 23 04:43:08 web%03u app[%u]: request handled in 13 ms "
				 "for user 123456 from 10.1.2.3 ", conn, 1000 + i);

		for (j = (unsigned int)n; j < MSG_LEN - 1; j++)
			l[j] = (uint8_t)('a' + j % 26);
		l[MSG_LEN - 1] = '\n';
	}
}

/* Establish the connections and prebuild each one's segment. */
static int
setup(struct tt_ctx *c, unsigned int e, unsigned int k)
{
	uint8_t pay[MAX_K * MSG_LEN];
	unsigned int i;

	capture = true;
	for (i = 0; i < e; i++) {
		struct bconn *b = &conns[i];
		struct sl_dgram dg;

		tt_peer_init(&b->pr, c, false, (uint16_t)(20000 + i), TT_PORT, TT_OFFER_ALL);
		c->now = rte_rdtsc();
		if (tt_handshake(&b->pr) != 0)
			return -1;
		b->seg_len = k * MSG_LEN;
		make_payload(pay, k, i);
		if (tt_mk_data(&b->pr, &dg, pay, 0, b->seg_len, 0) != 0)
			return -1;
		b->tmpl = dg;
		b->frame_len = rte_pktmbuf_pkt_len(dg.m);
		memcpy(b->frame, rte_pktmbuf_mtod(dg.m, void *), b->frame_len);
		rte_pktmbuf_free(dg.m);
		b->seq_at = dg.off + 4;
		b->next = 0;
	}
	tt_discard_all();
	tt_cap.n = 0;
	capture = false;
	return 0;
}

/* One run: @p nseg segments round robin over @p e connections. */
static void
run(struct tt_ctx *c, unsigned int e, uint64_t nseg, uint64_t *t_input, uint64_t *t_all)
{
	struct rte_mbuf *m[SL_BURST];
	struct sl_dgram dg[SL_BURST];
	uint64_t done = 0, ti = 0, t0 = rte_rdtsc();
	unsigned int rr = 0, i;

	while (done < nseg) {
		uint16_t n = (uint16_t)RTE_MIN((uint64_t)SL_BURST, nseg - done);
		uint64_t a, z;

		if (rte_pktmbuf_alloc_bulk(tt_pool(), m, n) != 0) {
			fprintf(stderr, "out of mbufs\n");
			exit(1);
		}
		for (i = 0; i < n; i++) {
			struct bconn *b = &conns[rr];
			uint32_t seq = htonl(tt_seq(&b->pr, b->next));

			memcpy(rte_pktmbuf_append(m[i], (uint16_t)b->frame_len), b->frame,
			       b->frame_len);
			/* The checksum is not fixed: decode verified it already. */
			memcpy(rte_pktmbuf_mtod_offset(m[i], uint8_t *, b->seq_at), &seq, 4);
			dg[i] = b->tmpl;
			dg[i].m = m[i];
			b->next += b->seg_len;
			rr = rr + 1 == e ? 0 : rr + 1;
		}
		a = rte_rdtsc();
		sl_tcp_input(c->t, dg, n, a);
		z = rte_rdtsc();
		ti += z - a;
		sl_tcp_poll(c->t, z);
		done += n;
	}
	*t_input = ti;
	*t_all = rte_rdtsc() - t0;
}

int
main(int argc, char **argv)
{
	static const unsigned int es[] = { 1, 16, 256 }, ks[] = { 1, 8 };
	char prefix[64];
	char *args[] = { argv[0], "--no-pci", "--no-huge", "-m", "512", "--file-prefix", prefix,
		"-l", "0", "--log-level", "*:error", NULL };
	uint64_t msgs = argc > 1 ? strtoull(argv[1], NULL, 10) : 2000000;
	double hz;
	unsigned int ie, ik, r;

	snprintf(prefix, sizeof(prefix), "sl-bench-tcp-%d", (int)getpid());
	if (rte_eal_init((int)SL_DIM(args) - 1, args) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	if (tt_pool() == NULL) {
		fprintf(stderr, "no mbuf pool\n");
		return 1;
	}
	hz = (double)rte_get_tsc_hz();
	printf("%-6s %-9s %10s %10s %12s %12s\n", "conns", "msgs/seg", "ns/msg", "ns/seg",
	       "Mmsg/s", "loop ns/msg");
	for (ie = 0; ie < SL_DIM(es); ie++) {
		for (ik = 0; ik < SL_DIM(ks); ik++) {
			struct sl_tcp_params p = tt_params();
			uint64_t nseg = msgs / ks[ik], best_in = UINT64_MAX, best_all = UINT64_MAX;
			struct tt_ctx c;

			p.tsc_hz = rte_get_tsc_hz();
			p.max_conns = MAX_CONNS * 2;
			p.max_halfopen = MAX_CONNS * 2;
			p.framing.max_msg = 2048;
			p.sink = bench_sink;
			p.tx = bench_tx;
			p.tx_arg = &tt_cap;
			if (tt_open(&c, &p) != 0 || setup(&c, es[ie], ks[ik]) != 0) {
				fprintf(stderr, "setup failed (%u connections)\n", es[ie]);
				return 1;
			}
			for (r = 0; r < 3; r++) {
				uint64_t ti, ta;

				sink_msgs = 0;
				run(&c, es[ie], nseg, &ti, &ta);
				if (sink_msgs != nseg * ks[ik]) {
					fprintf(stderr, "delivered %" PRIu64 " of %" PRIu64 " messages\n",
						sink_msgs, nseg * ks[ik]);
					return 1;
				}
				best_in = RTE_MIN(best_in, ti);
				best_all = RTE_MIN(best_all, ta);
			}
			{
				double n_msg = (double)(nseg * ks[ik]);
				double ns_in = (double)best_in * 1e9 / hz;
				double ns_all = (double)best_all * 1e9 / hz;

				printf("%-6u %-9u %10.1f %10.1f %12.2f %12.1f\n", es[ie], ks[ik],
				       ns_in / n_msg, ns_in / (double)nseg, n_msg / ns_in * 1e3,
				       ns_all / n_msg);
			}
			tt_release(&c);
			if (rte_mempool_in_use_count(tt_pool()) != c.inuse0) {
				fprintf(stderr, "mbufs leaked: %u in use\n",
					rte_mempool_in_use_count(tt_pool()));
				return 1;
			}
		}
	}
	rte_eal_cleanup();
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP stage, against the contract of sl_tcp.h: handshake and options,
 * closed ports, malformed segments, a full tx ring, the connection limit,
 * SYN cookies, half-open entries, parameters. The receive path is in
 * test_tcp_recv.c, closing in test_tcp_close.c.
 * A peer (tcp_test_util.h) builds the segments and checks every packet the
 * stage sends; every case ends with every mbuf back in the pool.
 */
#include <errno.h>

#include "sl_common.h"
#include "sl_record.h"
#include "sl_test.h"
#include "tcp_test_util.h"
#include "tcp_test_steps.h"

static uint8_t stream[1u << 20];

/* ------------------------------------------------------------------ */
/* Handshake                                                            */
/* ------------------------------------------------------------------ */

static int
handshake_all_options(bool v6)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	struct tt_opts o;
	struct tt_msg *m;
	struct sl_tcp_gauges g;
	static const char line[] = "<13>Nov 23 04:43:08 host app: hello tcp\n";

	TT_OK(tt_open(&c, &p));
	tt_peer_init(&pr, &c, v6, 40000, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_send_syn(&pr));
	SL_ASSERT_EQ(TT_CTR(&c, syn_in), 1);
	SL_ASSERT_EQ(tt_next(&pr, &k), 1);
	SL_ASSERT_EQ(k.flags, TT_SYN | TT_ACK);
	SL_ASSERT_EQ(k.ack, pr.isn + 1);
	SL_ASSERT_EQ(k.mss, v6 ? 1440 : 1460);
	SL_ASSERT(k.ws >= 0 && k.ws <= 14);
	SL_ASSERT(k.sackok);
	SL_ASSERT(k.ts);
	SL_ASSERT_EQ(k.tsecr, pr.tsval0);
	SL_ASSERT_EQ(k.nsack, 0);
	SL_ASSERT(k.win > 0);
	/* Scaled, the window covers the receive buffer (that is what WS is for). */
	SL_ASSERT((65535ull << k.ws) >= c.rcvbuf);
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	g = tt_gauges(&c);
	SL_ASSERT_EQ(g.conns, 1);
	SL_ASSERT_EQ(g.halfopen, 1);
	SL_ASSERT_EQ(TT_CTR(&c, conn_opened), 0);

	o = tt_seg_opts(&pr);
	TT_OK(tt_send(&pr, TT_ACK, tt_seq(&pr, 0), tt_ackno(&pr), &o, NULL, 0));
	SL_ASSERT_EQ(TT_CTR(&c, conn_opened), 1);
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	g = tt_gauges(&c);
	SL_ASSERT_EQ(g.conns, 1);
	SL_ASSERT_EQ(g.halfopen, 0);

	/* Data flows. */
	TT_OK(send_str(&pr, 0, line, 0));
	SL_ASSERT_EQ(tt_sink.n, 1);
	m = &tt_sink.msg[0];
	SL_ASSERT(tt_msg_is(m, "<13>Nov 23 04:43:08 host app: hello tcp"));
	SL_ASSERT_EQ(m->orig_len, m->len);
	SL_ASSERT_EQ(m->flags, v6 ? SL_REC_F_IPV6 : 0);
	SL_ASSERT_EQ(m->sport, 40000);
	SL_ASSERT_EQ(m->dport, TT_PORT);
	SL_ASSERT_MEM_EQ(m->src.b, pr.a.src.b, 16);
	SL_ASSERT_MEM_EQ(m->dst.b, pr.a.dst.b, 16);
	SL_ASSERT_EQ(m->hash, tt_flow_hash(&pr.a.src, &pr.a.dst, 40000, TT_PORT));
	SL_ASSERT_EQ(TT_CTR(&c, msgs), 1);
	SL_ASSERT_EQ(TT_CTR(&c, bytes_in), sizeof(line) - 1);
	SL_ASSERT_EQ(TT_CTR(&c, segs_in), 3);
	/* The delayed ACK covers it, with a scaled window near the buffer. */
	TT_OK(tt_wait_pkt(&pr, TT_US(100), TT_MS(10)));
	TT_OK(expect_one_ack(&pr, sizeof(line) - 1, &k));
	SL_ASSERT(k.ts);
	SL_ASSERT(tt_win(&pr, &k) >= c.rcvbuf / 2);
	SL_ASSERT_EQ(TT_CTR(&c, acks_delayed), 1);
	return tt_close(&c);
}

static int
test_handshake_v4_answers_mss_ws_sack_ts_and_data_flows(void)
{
	return handshake_all_options(false);
}

static int
test_handshake_v6_answers_mss_ws_sack_ts_and_data_flows(void)
{
	return handshake_all_options(true);
}

static int
test_handshake_without_options_gets_none_and_an_unscaled_window(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };

	TT_OK(tt_open(&c, &p));
	tt_peer_init(&pr, &c, false, 40001, TT_PORT, TT_OFFER_MSS);
	TT_OK(tt_send_syn(&pr));
	SL_ASSERT_EQ(tt_next(&pr, &k), 1);
	SL_ASSERT_EQ(k.flags, TT_SYN | TT_ACK);
	SL_ASSERT_EQ(k.ack, pr.isn + 1);
	SL_ASSERT_EQ(k.ws, -1);
	SL_ASSERT(!k.sackok);
	SL_ASSERT(!k.ts);
	/* The buffer is 256 KiB: unscaled, the window is the field's maximum. */
	SL_ASSERT(k.win >= 32768);
	TT_OK(send_ack(&pr, 0));
	SL_ASSERT_EQ(TT_CTR(&c, conn_opened), 1);
	TT_OK(send_str(&pr, 0, "<13>no options\n", 0));
	TT_OK(tt_wait_pkt(&pr, TT_US(100), TT_MS(10)));
	TT_OK(expect_one_ack(&pr, 15, &k));
	SL_ASSERT(!k.ts);
	SL_ASSERT_EQ(k.nsack, 0);
	SL_ASSERT(k.win >= 32768);   /* not shifted by a scale the peer never agreed to */
	SL_ASSERT_EQ(tt_sink.n, 1);
	SL_ASSERT(tt_msg_is(&tt_sink.msg[0], "<13>no options"));
	return tt_close(&c);
}

static int
test_vlan_tagged_connection_is_answered_on_its_vlan(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;

	TT_OK(tt_open(&c, &p));
	tt_peer_init(&pr, &c, false, 40002, TT_PORT, TT_OFFER_ALL);
	pr.a.vlan = 100;
	TT_OK(tt_handshake(&pr));      /* tt_learn checks the VLAN of every reply */
	TT_OK(send_str(&pr, 0, "<13>tagged\n", 0));
	SL_ASSERT_EQ(tt_sink.n, 1);
	SL_ASSERT_EQ(tt_sink.msg[0].flags, SL_REC_F_VLAN);
	TT_OK(tt_wait_pkt(&pr, TT_US(100), TT_MS(10)));
	SL_ASSERT_EQ(tt_take_all(&pr, NULL), 1);
	return tt_close(&c);
}

/* ------------------------------------------------------------------ */
/* Closed ports, no connection                                          */
/* ------------------------------------------------------------------ */

static int
test_syn_to_closed_port_gets_rst_ack_of_seq_plus_one(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };

	TT_OK(tt_open(&c, &p));
	tt_peer_init(&pr, &c, false, 40003, TT_CLOSED, TT_OFFER_ALL);
	TT_OK(tt_send_syn(&pr));
	SL_ASSERT_EQ(tt_next(&pr, &k), 1);
	SL_ASSERT_EQ(k.flags, TT_RST | TT_ACK);
	SL_ASSERT_EQ(k.seq, 0);
	SL_ASSERT_EQ(k.ack, pr.isn + 1);
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	SL_ASSERT_EQ(TT_CTR(&c, rst_closed_port), 1);
	SL_ASSERT_EQ(TT_CTR(&c, rst_sent), 1);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 0);
	/* v6 the same. */
	tt_peer_init(&pr, &c, true, 40003, TT_CLOSED, TT_OFFER_MSS);
	TT_OK(tt_send_syn(&pr));
	SL_ASSERT_EQ(tt_next(&pr, &k), 1);
	SL_ASSERT_EQ(k.flags, TT_RST | TT_ACK);
	SL_ASSERT_EQ(k.ack, pr.isn + 1);
	return tt_close(&c);
}

static int
test_segment_to_closed_port_gets_rst_with_seq_of_its_ack(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	struct tt_opts o = tt_no_opts();

	TT_OK(tt_open(&c, &p));
	tt_peer_init(&pr, &c, false, 40004, TT_CLOSED, TT_OFFER_MSS);
	TT_OK(tt_send(&pr, TT_ACK | TT_PSH, 1000, 0xdeadbeef, &o, "<13>x\n", 6));
	SL_ASSERT_EQ(tt_next(&pr, &k), 1);
	SL_ASSERT_EQ(k.flags, TT_RST);
	SL_ASSERT_EQ(k.seq, 0xdeadbeef);
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	/* Without ACK (a bare FIN): RST|ACK of seq + len + FIN. */
	TT_OK(tt_send(&pr, TT_FIN, 5000, 0, &o, "ab", 2));
	SL_ASSERT_EQ(tt_next(&pr, &k), 1);
	SL_ASSERT_EQ(k.flags, TT_RST | TT_ACK);
	SL_ASSERT_EQ(k.seq, 0);
	SL_ASSERT_EQ(k.ack, 5003);
	SL_ASSERT_EQ(TT_CTR(&c, rst_closed_port), 2);
	SL_ASSERT_EQ(tt_sink.n, 0);
	return tt_close(&c);
}

static int
test_rst_is_never_answered(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer closed, open;
	struct tt_opts o = tt_no_opts();

	TT_OK(tt_open(&c, &p));
	tt_peer_init(&closed, &c, false, 40005, TT_CLOSED, TT_OFFER_MSS);
	tt_peer_init(&open, &c, false, 40006, TT_PORT, TT_OFFER_MSS);
	TT_OK(tt_send(&closed, TT_RST, 1000, 0, &o, NULL, 0));
	TT_OK(tt_send(&closed, TT_RST | TT_ACK, 1000, 77, &o, NULL, 0));
	TT_OK(tt_send(&open, TT_RST, 1000, 0, &o, NULL, 0));
	TT_OK(tt_send(&open, TT_RST | TT_ACK, 1000, 77, &o, NULL, 0));
	SL_ASSERT_EQ(tt_pending_all(), 0);
	SL_ASSERT_EQ(TT_CTR(&c, rst_sent), 0);
	SL_ASSERT(TT_CTR(&c, drop_no_conn) >= 2);
	SL_ASSERT_EQ(TT_CTR(&c, drop_no_conn) + TT_CTR(&c, rst_closed_port), 4);
	SL_ASSERT_EQ(TT_CTR(&c, segs_in), 4);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 0);
	return tt_close(&c);
}

static int
test_segment_without_ack_to_listening_port_gets_rst(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	struct tt_opts o = tt_no_opts();

	TT_OK(tt_open(&c, &p));
	tt_peer_init(&pr, &c, false, 40007, TT_PORT, TT_OFFER_MSS);
	TT_OK(tt_send(&pr, TT_PSH, 7000, 0, &o, "<13>x\n", 6));
	SL_ASSERT_EQ(tt_next(&pr, &k), 1);
	SL_ASSERT_EQ(k.flags, TT_RST | TT_ACK);
	SL_ASSERT_EQ(k.seq, 0);
	SL_ASSERT_EQ(k.ack, 7006);
	SL_ASSERT_EQ(TT_CTR(&c, drop_no_conn), 1);
	SL_ASSERT_EQ(TT_CTR(&c, rst_sent), 1);
	SL_ASSERT_EQ(tt_sink.n, 0);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 0);
	return tt_close(&c);
}

static int
test_duplicate_syn_in_syn_rcvd_resends_the_same_isn(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	uint32_t iss;

	TT_OK(tt_open(&c, &p));
	tt_peer_init(&pr, &c, false, 40008, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_send_syn(&pr));
	SL_ASSERT_EQ(tt_next(&pr, &k), 1);
	iss = k.seq;
	c.now += TT_MS(300);
	TT_OK(tt_send_syn(&pr));
	SL_ASSERT_EQ(tt_next(&pr, &k), 1);
	SL_ASSERT_EQ(k.flags, TT_SYN | TT_ACK);
	SL_ASSERT_EQ(k.seq, iss);
	SL_ASSERT_EQ(k.ack, pr.isn + 1);
	SL_ASSERT(k.ts);
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	SL_ASSERT_EQ(TT_CTR(&c, syn_dup), 1);
	SL_ASSERT_EQ(TT_CTR(&c, syn_in), 2);
	SL_ASSERT_EQ(tt_gauges(&c).halfopen, 1);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 1);
	TT_OK(send_ack(&pr, 0));
	SL_ASSERT_EQ(TT_CTR(&c, conn_opened), 1);
	SL_ASSERT_EQ(tt_gauges(&c).halfopen, 0);
	return tt_close(&c);
}

static int
test_malformed_segments_are_dropped_as_bad(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_opts o = tt_no_opts();
	struct sl_dgram dg;
	static const uint8_t bad_mss[] = { 2, 0, 0, 0 };  /* option length 0 */
	static const uint8_t overrun[] = { 8, 30 };        /* past the header */
	uint64_t bad = 0;

	TT_OK(tt_open(&c, &p));
	tt_peer_init(&pr, &c, false, 40009, TT_PORT, TT_OFFER_MSS);
	/* Illegal flag mixes. */
	TT_OK(tt_send(&pr, TT_SYN | TT_FIN, pr.isn, 0, &o, NULL, 0));
	SL_ASSERT_EQ(TT_CTR(&c, drop_bad_seg), ++bad);
	TT_OK(tt_send(&pr, TT_SYN | TT_RST, pr.isn, 0, &o, NULL, 0));
	SL_ASSERT_EQ(TT_CTR(&c, drop_bad_seg), ++bad);
	/* Data offset below 5 words. */
	TT_OK(tt_mk(&pr, &dg, TT_SYN, pr.isn, 0, &o, NULL, 0));
	rte_pktmbuf_mtod_offset(dg.m, struct rte_tcp_hdr *, dg.off)->data_off = 4 << 4;
	tt_input(&c, &dg, 1);
	SL_ASSERT_EQ(TT_CTR(&c, drop_bad_seg), ++bad);
	/* Data offset past the segment. */
	TT_OK(tt_mk(&pr, &dg, TT_SYN, pr.isn, 0, &o, NULL, 0));
	rte_pktmbuf_mtod_offset(dg.m, struct rte_tcp_hdr *, dg.off)->data_off = 15 << 4;
	tt_input(&c, &dg, 1);
	SL_ASSERT_EQ(TT_CTR(&c, drop_bad_seg), ++bad);
	/* Shorter than a TCP header. */
	TT_OK(tt_mk(&pr, &dg, TT_SYN, pr.isn, 0, &o, NULL, 0));
	dg.len = 12;
	tt_input(&c, &dg, 1);
	SL_ASSERT_EQ(TT_CTR(&c, drop_bad_seg), ++bad);
	/* SYN whose options are malformed. */
	o.raw = bad_mss;
	o.rawlen = sizeof(bad_mss);
	TT_OK(tt_send(&pr, TT_SYN, pr.isn, 0, &o, NULL, 0));
	SL_ASSERT_EQ(TT_CTR(&c, drop_bad_seg), ++bad);
	o.raw = overrun;
	o.rawlen = sizeof(overrun);
	TT_OK(tt_send(&pr, TT_SYN, pr.isn, 0, &o, NULL, 0));
	SL_ASSERT_EQ(TT_CTR(&c, drop_bad_seg), ++bad);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 0);
	SL_ASSERT_EQ(TT_CTR(&c, conn_opened), 0);
	/* The stage still works. */
	tt_peer_init(&pr, &c, false, 40010, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	return tt_close(&c);
}

static int
test_tx_full_is_counted_and_frees_the_reply(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };

	TT_OK(tt_open(&c, &p));
	tt_peer_init(&pr, &c, false, 40011, TT_PORT, TT_OFFER_ALL);
	tt_cap.tx_limit = 0;
	TT_OK(tt_send_syn(&pr));
	SL_ASSERT_EQ(tt_cap.refused, 1);
	SL_ASSERT_EQ(TT_CTR(&c, drop_tx_full), 1);
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	/* The SYN is sent again: the half-open entry answers it. */
	tt_cap.tx_limit = UINT32_MAX;
	TT_OK(tt_send_syn(&pr));
	SL_ASSERT_EQ(tt_next(&pr, &k), 1);
	SL_ASSERT_EQ(k.flags, TT_SYN | TT_ACK);
	TT_OK(send_ack(&pr, 0));
	SL_ASSERT_EQ(TT_CTR(&c, conn_opened), 1);
	/* A closed port's RST refused too. */
	tt_cap.tx_limit = 0;
	tt_peer_init(&pr, &c, false, 40012, TT_CLOSED, TT_OFFER_ALL);
	TT_OK(tt_send_syn(&pr));
	SL_ASSERT_EQ(TT_CTR(&c, drop_tx_full), 2);
	return tt_close(&c);
}

/* ------------------------------------------------------------------ */
/* Limits, SYN cookies, half-open entries                               */
/* ------------------------------------------------------------------ */

static int
test_connection_limit_refuses_with_rst(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr[5];
	struct tt_pkt k = { 0 };
	unsigned int i;

	p.max_conns = 4;
	p.max_halfopen = 4;
	TT_OK(tt_open(&c, &p));
	for (i = 0; i < 4; i++) {
		tt_peer_init(&pr[i], &c, false, (uint16_t)(40090 + i), TT_PORT, TT_OFFER_ALL);
		TT_OK(tt_handshake(&pr[i]));
	}
	SL_ASSERT_EQ(tt_gauges(&c).conns, 4);
	tt_peer_init(&pr[4], &c, false, 40094, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_send_syn(&pr[4]));
	SL_ASSERT_EQ(tt_next(&pr[4], &k), 1);
	if (k.flags == (TT_SYN | TT_ACK)) {
		/* Answered with a cookie: refused when the ACK comes. */
		fprintf(stderr, "# 5th SYN got a SYN-ACK (cookie %u); completing it\n",
			TT_CTR(&c, syncookies_sent) ? 1 : 0);
		TT_OK(send_ack(&pr[4], 0));
		SL_ASSERT_EQ(tt_next(&pr[4], &k), 1);
		SL_ASSERT_EQ(k.flags, TT_RST);
		SL_ASSERT_EQ(k.seq, pr[4].iss + 1);
	} else {
		SL_ASSERT_EQ(k.flags, TT_RST | TT_ACK);
		SL_ASSERT_EQ(k.ack, pr[4].isn + 1);
	}
	SL_ASSERT_EQ(tt_pending(&pr[4]), 0);
	SL_ASSERT_EQ(TT_CTR(&c, conn_refused), 1);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 4);
	SL_ASSERT_EQ(TT_CTR(&c, conn_opened), 4);
	/* One closes: room for a new one. */
	TT_OK(send_str(&pr[0], 0, "<13>x\n", TT_FIN));
	TT_OK(expect_ack_of_fin_and_our_fin(&c, &pr[0], 6, &k));
	TT_OK(send_ack(&pr[0], 7));
	SL_ASSERT_EQ(tt_gauges(&c).conns, 3);
	tt_peer_init(&pr[4], &c, false, 40095, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr[4]));
	SL_ASSERT_EQ(tt_gauges(&c).conns, 4);
	return tt_close(&c);
}

static int
test_syn_cookies_when_halfopen_table_is_full(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer h[2], ts, nots;
	struct tt_pkt k = { 0 };
	struct sl_tcp_gauges g;
	unsigned int i;

	p.max_halfopen = 2;
	TT_OK(tt_open(&c, &p));
	for (i = 0; i < 2; i++) {
		tt_peer_init(&h[i], &c, false, (uint16_t)(40100 + i), TT_PORT, TT_OFFER_ALL);
		TT_OK(tt_send_syn(&h[i]));
		SL_ASSERT_EQ(tt_next(&h[i], &k), 1);
		SL_ASSERT_EQ(k.flags, TT_SYN | TT_ACK);
	}
	SL_ASSERT_EQ(TT_CTR(&c, syncookies_sent), 0);
	SL_ASSERT_EQ(tt_gauges(&c).halfopen, 2);
	/* Third and fourth: cookies, no state. */
	tt_peer_init(&ts, &c, false, 40102, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_send_syn(&ts));
	SL_ASSERT_EQ(tt_next(&ts, &k), 1);
	SL_ASSERT_EQ(k.flags, TT_SYN | TT_ACK);
	SL_ASSERT_EQ(k.ack, ts.isn + 1);
	SL_ASSERT_EQ(k.mss, 1460);
	SL_ASSERT(k.ts);
	tt_peer_init(&nots, &c, true, 40103, TT_PORT2, TT_OFFER_MSS);
	TT_OK(tt_send_syn(&nots));
	SL_ASSERT_EQ(tt_next(&nots, &k), 1);
	SL_ASSERT_EQ(k.flags, TT_SYN | TT_ACK);
	SL_ASSERT(k.mss > 0);
	SL_ASSERT_EQ(TT_CTR(&c, syncookies_sent), 2);
	g = tt_gauges(&c);
	SL_ASSERT_EQ(g.halfopen, 2);
	SL_ASSERT_EQ(g.conns, 2);
	/* The right ACK, an RTT later, establishes; options offered with
	 * timestamps survive. */
	c.now += TT_MS(1);
	TT_OK(send_ack(&ts, 0));
	SL_ASSERT_EQ(TT_CTR(&c, syncookies_ok), 1);
	SL_ASSERT_EQ(TT_CTR(&c, conn_opened), 1);
	SL_ASSERT_EQ(tt_pending(&ts), 0);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 3);
	tt_stream(stream, 3000, 16);
	TT_OK(tt_send_data(&ts, stream, 2000, 1000, 0));
	TT_OK(expect_one_ack(&ts, 0, &k));
	SL_ASSERT(k.ts);                          /* timestamps kept */
	SL_ASSERT_EQ(k.nsack, 1);                 /* SACK kept */
	SL_ASSERT(has_sack(&ts, &k, 2000, 3000));
	SL_ASSERT(tt_win(&ts, &k) > 65535);       /* scale kept (the invariant checks the bound) */
	TT_OK(tt_send_data(&ts, stream, 0, 1000, 0));
	TT_OK(tt_send_data(&ts, stream, 1000, 1000, 0));
	TT_OK(tt_check_delivered(&ts, stream, 3000));
	/* Without timestamps, data on the completing ACK. */
	TT_OK(send_str(&nots, 0, "<13>cookie v6\n", 0));
	SL_ASSERT_EQ(TT_CTR(&c, syncookies_ok), 2);
	SL_ASSERT_EQ(tt_msgs_of(&nots), 1);
	SL_ASSERT(tt_msg_is(tt_msg_of(&nots, 0), "<13>cookie v6"));
	SL_ASSERT_EQ(tt_msg_of(&nots, 0)->dport, TT_PORT2);
	/* The half-open ones complete normally. */
	for (i = 0; i < 2; i++)
		TT_OK(send_ack(&h[i], 0));
	SL_ASSERT_EQ(TT_CTR(&c, conn_opened), 4);
	SL_ASSERT_EQ(tt_gauges(&c).halfopen, 0);
	SL_ASSERT_EQ(TT_CTR(&c, syncookies_bad), 0);
	return tt_close(&c);
}

static int
test_wrong_syn_cookie_gets_rst(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer h, bad, stray;
	struct tt_pkt k = { 0 };
	struct tt_opts o;

	p.max_halfopen = 1;
	TT_OK(tt_open(&c, &p));
	tt_peer_init(&h, &c, false, 40110, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_send_syn(&h));
	SL_ASSERT_EQ(tt_next(&h, &k), 1);
	tt_peer_init(&bad, &c, false, 40111, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_send_syn(&bad));
	SL_ASSERT_EQ(tt_next(&bad, &k), 1);
	SL_ASSERT_EQ(TT_CTR(&c, syncookies_sent), 1);
	/* ACK of a different number, an RTT later. */
	c.now += TT_MS(1);
	o = tt_seg_opts(&bad);
	TT_OK(tt_send(&bad, TT_ACK, tt_seq(&bad, 0), bad.iss + 1 + 12345, &o, NULL, 0));
	SL_ASSERT_EQ(tt_next(&bad, &k), 1);
	SL_ASSERT_EQ(k.flags, TT_RST);
	SL_ASSERT_EQ(k.seq, bad.iss + 1 + 12345);
	SL_ASSERT_EQ(TT_CTR(&c, syncookies_bad), 1);
	SL_ASSERT_EQ(TT_CTR(&c, syncookies_ok), 0);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 1);
	/* An ACK from a peer that never sent a SYN. */
	tt_peer_init(&stray, &c, false, 40112, TT_PORT, TT_OFFER_MSS);
	o = tt_no_opts();
	TT_OK(tt_send(&stray, TT_ACK, 77777, 88888, &o, NULL, 0));
	SL_ASSERT_EQ(tt_next(&stray, &k), 1);
	SL_ASSERT_EQ(k.flags, TT_RST);
	SL_ASSERT_EQ(k.seq, 88888);
	SL_ASSERT_EQ(TT_CTR(&c, syncookies_bad), 2);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 1);
	SL_ASSERT_EQ(TT_CTR(&c, conn_opened), 0);
	return tt_close(&c);
}

static int
test_halfopen_entries_expire(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr[2];
	struct tt_pkt k = { 0 };
	struct sl_tcp_gauges g;
	unsigned int i;

	p.halfopen_ms = 1000;
	TT_OK(tt_open(&c, &p));
	for (i = 0; i < 2; i++) {
		tt_peer_init(&pr[i], &c, i == 1, (uint16_t)(40120 + i), TT_PORT, TT_OFFER_ALL);
		TT_OK(tt_send_syn(&pr[i]));
		SL_ASSERT_EQ(tt_next(&pr[i], &k), 1);
	}
	tt_poll(&c, TT_MS(500));
	SL_ASSERT_EQ(tt_gauges(&c).halfopen, 2);
	SL_ASSERT_EQ(TT_CTR(&c, halfopen_expired), 0);
	tt_poll(&c, TT_MS(2000));
	g = tt_gauges(&c);
	SL_ASSERT_EQ(g.halfopen, 0);
	SL_ASSERT_EQ(g.conns, 0);
	SL_ASSERT_EQ(TT_CTR(&c, halfopen_expired), 2);
	SL_ASSERT_EQ(TT_CTR(&c, conn_opened), 0);
	tt_discard_all();
	return tt_close(&c);
}

/*
 * The handshake's ACK is lost; the peer, established, sends data. A late
 * duplicate of its SYN (old timestamp) still gets the same SYN-ACK; the
 * data comes reordered, the first segment to arrive not at rcv_nxt and with
 * a newer timestamp than the one behind it: the first acceptable ACK ends
 * the handshake (RFC 9293 3.10.7.4), PAWS drops nothing (both are newer
 * than the SYN's), everything is delivered and the entry does not expire.
 */
static int
test_lost_handshake_ack_reordered_data_completes_the_handshake(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	struct sl_dgram a, b;
	struct tt_opts o;
	uint32_t iss, syn_ts;

	TT_OK(tt_open(&c, &p));
	tt_stream(stream, 2000, 17);
	tt_peer_init(&pr, &c, false, 40130, TT_PORT, TT_OFFER_ALL);
	syn_ts = pr.tsval;
	TT_OK(tt_send_syn(&pr));
	SL_ASSERT_EQ(tt_next(&pr, &k), 1);
	iss = k.seq;
	(void)tt_seg_opts(&pr); /* the handshake's ACK: lost */
	c.now += TT_MS(5);
	/* A duplicate of the SYN, its original timestamp. */
	o = tt_syn_opts(&pr);
	o.tsval = syn_ts;
	TT_OK(tt_send(&pr, TT_SYN, pr.isn, 0, &o, NULL, 0));
	SL_ASSERT_EQ(tt_next(&pr, &k), 1);
	SL_ASSERT_EQ(k.flags, TT_SYN | TT_ACK);
	SL_ASSERT_EQ(k.seq, iss);
	SL_ASSERT_EQ(TT_CTR(&c, syn_dup), 1);
	SL_ASSERT_EQ(tt_gauges(&c).halfopen, 1);
	/* Data [0, 1000) then [1000, 2000) sent, the second arrives first. */
	TT_OK(tt_mk_data(&pr, &a, stream, 0, tt_stream_cut(stream, 1000), 0));
	TT_OK(tt_mk_data(&pr, &b, stream, tt_stream_cut(stream, 1000),
			 2000 - tt_stream_cut(stream, 1000), 0));
	c.now += TT_MS(400);
	tt_input(&c, &b, 1);
	SL_ASSERT_EQ(TT_CTR(&c, conn_opened), 1);
	SL_ASSERT_EQ(tt_gauges(&c).halfopen, 0);
	tt_take_all(&pr, NULL); /* the SACK */
	tt_input(&c, &a, 1);
	SL_ASSERT_EQ(TT_CTR(&c, drop_paws), 0);
	TT_OK(tt_check_delivered(&pr, stream, 2000));
	/* Past the half-open timeout: still there, nothing reset. */
	tt_poll(&c, TT_MS(12000));
	SL_ASSERT_EQ(TT_CTR(&c, halfopen_expired), 0);
	SL_ASSERT_EQ(TT_CTR(&c, rst_sent), 0);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 1);
	tt_take_all(&pr, NULL);
	TT_OK(send_str(&pr, 2000, "<13>late line\n", 0));
	SL_ASSERT_EQ(TT_CTR(&c, drop_no_conn), 0);
	tt_discard_all();
	return tt_close(&c);
}

/*
 * The handshake's ACK and the peer's data are lost for 9.9 s (its RTO
 * backs off); the retransmission, a much newer timestamp, still completes
 * the handshake before the 10 s half-open timeout, and the connection
 * outlives the timeout. The same data 100 ms later is a duplicate.
 */
static int
test_data_late_in_syn_rcvd_completes_before_the_timeout(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	uint32_t len;

	p.halfopen_ms = 10000;
	TT_OK(tt_open(&c, &p));
	tt_stream(stream, 1000, 19);
	len = tt_stream_cut(stream, 1000);
	tt_peer_init(&pr, &c, true, 40131, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_send_syn(&pr));
	SL_ASSERT_EQ(tt_next(&pr, &k), 1);
	tt_poll(&c, TT_MS(9900));
	SL_ASSERT_EQ(tt_gauges(&c).halfopen, 1);
	pr.tsval += 9900; /* the peer's millisecond clock */
	TT_OK(tt_send_data(&pr, stream, 0, len, 0));
	SL_ASSERT_EQ(TT_CTR(&c, conn_opened), 1);
	SL_ASSERT_EQ(TT_CTR(&c, drop_paws), 0);
	TT_OK(tt_check_delivered(&pr, stream, len));
	tt_poll(&c, TT_MS(100));
	tt_take_all(&pr, NULL);
	TT_OK(tt_send_data(&pr, stream, 0, len, 0));
	SL_ASSERT_EQ(TT_CTR(&c, retrans_segs), 1);
	tt_poll(&c, TT_MS(1000));
	SL_ASSERT_EQ(TT_CTR(&c, halfopen_expired), 0);
	SL_ASSERT_EQ(TT_CTR(&c, rst_sent), 0);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 1);
	tt_discard_all();
	return tt_close(&c);
}

/* ------------------------------------------------------------------ */
/* Parameters                                                           */
/* ------------------------------------------------------------------ */

static int
test_create_rejects_bad_params_and_free_null_is_a_noop(void)
{
	struct sl_tcp_params p = tt_params();
	struct sl_tcp *t;

	sl_tcp_free(NULL);
	p.pool = NULL;
	t = sl_tcp_create(&p);
	SL_ASSERT(t == NULL);
	SL_ASSERT_EQ(rte_errno, EINVAL);
	p = tt_params();
	p.sink = NULL;
	t = sl_tcp_create(&p);
	SL_ASSERT(t == NULL);
	SL_ASSERT_EQ(rte_errno, EINVAL);
	p = tt_params();
	p.tx = NULL;
	t = sl_tcp_create(&p);
	SL_ASSERT(t == NULL);
	SL_ASSERT_EQ(rte_errno, EINVAL);
	p = tt_params();
	p.ports = NULL;
	t = sl_tcp_create(&p);
	SL_ASSERT(t == NULL);
	SL_ASSERT_EQ(rte_errno, EINVAL);
	p = tt_params();
	p.framing.max_msg = 0;
	t = sl_tcp_create(&p);
	SL_ASSERT(t == NULL);
	SL_ASSERT_EQ(rte_errno, EINVAL);
	return 0;
}

static const struct sl_test_case cases[] = {
	SL_TEST(test_create_rejects_bad_params_and_free_null_is_a_noop),
	SL_TEST(test_handshake_v4_answers_mss_ws_sack_ts_and_data_flows),
	SL_TEST(test_handshake_v6_answers_mss_ws_sack_ts_and_data_flows),
	SL_TEST(test_handshake_without_options_gets_none_and_an_unscaled_window),
	SL_TEST(test_vlan_tagged_connection_is_answered_on_its_vlan),
	SL_TEST(test_syn_to_closed_port_gets_rst_ack_of_seq_plus_one),
	SL_TEST(test_segment_to_closed_port_gets_rst_with_seq_of_its_ack),
	SL_TEST(test_rst_is_never_answered),
	SL_TEST(test_segment_without_ack_to_listening_port_gets_rst),
	SL_TEST(test_duplicate_syn_in_syn_rcvd_resends_the_same_isn),
	SL_TEST(test_malformed_segments_are_dropped_as_bad),
	SL_TEST(test_tx_full_is_counted_and_frees_the_reply),
	SL_TEST(test_connection_limit_refuses_with_rst),
	SL_TEST(test_syn_cookies_when_halfopen_table_is_full),
	SL_TEST(test_wrong_syn_cookie_gets_rst),
	SL_TEST(test_halfopen_entries_expire),
	SL_TEST(test_lost_handshake_ack_reordered_data_completes_the_handshake),
	SL_TEST(test_data_late_in_syn_rcvd_completes_before_the_timeout),
};


int
main(int argc, char **argv)
{
	return sl_test_main(argc, argv, cases, SL_DIM(cases), true);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP stage, against the contract of sl_tcp.h: handshake and options,
 * closed ports, in-order and out-of-order data, SACK, wraparound, PAWS,
 * the window under backpressure, FIN, RST (RFC 5961), idle, limits, SYN
 * cookies, memory caps, drain. A peer (tcp_test_util.h) builds the
 * segments and checks every packet the stage sends; every case ends with
 * every mbuf back in the pool.
 */
#include <errno.h>

#include "sl_common.h"
#include "sl_record.h"
#include "sl_test.h"
#include "tcp_test_util.h"

static uint8_t stream[1u << 20];

/* Pure ACK from the peer at stream offset @p off. */
static int
send_ack(struct tt_peer *pr, uint32_t off)
{
	struct tt_opts o = tt_seg_opts(pr);

	return tt_send(pr, TT_ACK, tt_seq(pr, off), tt_ackno(pr), &o, NULL, 0);
}

/* Send @p len bytes as data at stream offset @p off (flags ACK|PSH | @p extra). */
static int
send_bytes(struct tt_peer *pr, uint32_t off, const void *b, uint32_t len, uint8_t extra)
{
	struct tt_opts o = tt_seg_opts(pr);

	return tt_send(pr, (uint8_t)(TT_ACK | TT_PSH | extra), tt_seq(pr, off), tt_ackno(pr),
		       &o, b, len);
}

/* Send a C string as data at stream offset @p off. */
static int
send_str(struct tt_peer *pr, uint32_t off, const char *s, uint8_t extra)
{
	return send_bytes(pr, off, s, (uint32_t)strlen(s), extra);
}

/* Is [l, r) (stream offsets) one of the SACK blocks of @p k? */
static bool
has_sack(const struct tt_peer *pr, const struct tt_pkt *k, uint32_t l, uint32_t r)
{
	unsigned int i;

	for (i = 0; i < k->nsack; i++)
		if (k->sack[i][0] == tt_seq(pr, l) && k->sack[i][1] == tt_seq(pr, r))
			return true;
	return false;
}

static void
print_sack(const struct tt_peer *pr, const struct tt_pkt *k)
{
	unsigned int i;

	fprintf(stderr, "# ack %u, %u SACK blocks:", tt_off(pr, k->ack), k->nsack);
	for (i = 0; i < k->nsack; i++)
		fprintf(stderr, " [%u,%u)", tt_off(pr, k->sack[i][0]), tt_off(pr, k->sack[i][1]));
	fputc('\n', stderr);
}

/* Run the delayed-ACK timer; take every packet for the peer; *k = the last. */
static unsigned int
settle(struct tt_peer *pr, struct tt_pkt *k)
{
	tt_poll(pr->c, TT_US(2 * pr->c->p.delack_us));
	return tt_take_all(pr, k);
}

/* Exactly one packet for the peer: an ACK of @p ack_off; *k filled. */
static int
expect_one_ack(struct tt_peer *pr, uint32_t ack_off, struct tt_pkt *k)
{
	unsigned int n = tt_pending(pr);

	if (n != 1)
		SL_FAIL("peer %u: %u packets pending, expected one ACK of %u", pr->a.sport, n, ack_off);
	SL_ASSERT_EQ(tt_next(pr, k), 1);
	SL_ASSERT_EQ(k->flags, TT_ACK);
	if (tt_off(pr, k->ack) != ack_off) {
		print_sack(pr, k);
		SL_FAIL("ACK of %u, expected %u", tt_off(pr, k->ack), ack_off);
	}
	return 0;
}

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
/* In-order data and ACKs                                               */
/* ------------------------------------------------------------------ */

static int
test_lf_and_octet_counted_messages_split_across_segments(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	char buf[256];
	uint32_t off = 0;
	int n;

	TT_OK(tt_open(&c, &p));
	tt_peer_init(&pr, &c, false, 40020, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	/* Two LF messages and the start of a third in one segment. */
	strcpy(buf, "<13>one\n<13>two\r\n<13>thr");
	TT_OK(send_str(&pr, off, buf, 0));
	off += (uint32_t)strlen(buf);
	SL_ASSERT_EQ(tt_sink.n, 2);
	SL_ASSERT(tt_msg_is(&tt_sink.msg[0], "<13>one"));
	SL_ASSERT(tt_msg_is(&tt_sink.msg[1], "<13>two"));
	/* Its end, then an octet-counted message split over three segments. */
	n = snprintf(buf, sizeof(buf), "ee\n%zu %s", strlen("<14>counted\nwith LF"),
		     "<14>coun");
	TT_OK(send_str(&pr, off, buf, 0));
	off += (uint32_t)n;
	SL_ASSERT_EQ(tt_sink.n, 3);
	SL_ASSERT(tt_msg_is(&tt_sink.msg[2], "<13>three"));
	TT_OK(send_str(&pr, off, "ted\nwi", 0));
	off += 6;
	SL_ASSERT_EQ(tt_sink.n, 3);
	TT_OK(send_str(&pr, off, "th LF", 0));
	off += 5;
	SL_ASSERT_EQ(tt_sink.n, 4);
	SL_ASSERT(tt_msg_is(&tt_sink.msg[3], "<14>counted\nwith LF"));
	/* Octet counting and LF mixed in one segment, NUL terminator too. */
	strcpy(buf, "5 <15>x<16>nul");
	buf[strlen(buf) + 1] = '\0';
	memcpy(buf + strlen(buf) + 1, "<17>lf\n", 8);
	TT_OK(send_bytes(&pr, off, buf, 14 + 1 + 7, 0));
	off += 22;
	SL_ASSERT_EQ(tt_sink.n, 7);
	SL_ASSERT(tt_msg_is(&tt_sink.msg[4], "<15>x"));
	SL_ASSERT(tt_msg_is(&tt_sink.msg[5], "<16>nul"));
	SL_ASSERT(tt_msg_is(&tt_sink.msg[6], "<17>lf"));
	SL_ASSERT_EQ(TT_CTR(&c, msgs), 7);
	SL_ASSERT_EQ(TT_CTR(&c, bytes_in), off);
	SL_ASSERT_EQ(sl_tcp_framing_counters(c.t).val[SL_FRAMING_frames_octet], 2);
	SL_ASSERT_EQ(sl_tcp_framing_counters(c.t).val[SL_FRAMING_frames_lf], 4);
	SL_ASSERT_EQ(sl_tcp_framing_counters(c.t).val[SL_FRAMING_frames_nul], 1);
	return tt_close(&c);
}

static int
test_ack_after_two_full_segments_else_delayed(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	uint64_t delack = TT_US(p.delack_us);

	TT_OK(tt_open(&c, &p));
	tt_stream(stream, 4 * 1460 + 100, 1);
	tt_peer_init(&pr, &c, false, 40021, TT_PORT, TT_OFFER_NO_TS);
	TT_OK(tt_handshake(&pr));
	/* One full segment: no ACK yet. */
	TT_OK(tt_send_data(&pr, stream, 0, 1460, 0));
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	/* The second: ACK of both at once. */
	c.now += TT_US(10);
	TT_OK(tt_send_data(&pr, stream, 1460, 1460, 0));
	TT_OK(expect_one_ack(&pr, 2920, &k));
	SL_ASSERT_EQ(TT_CTR(&c, acks_sent), 1);
	SL_ASSERT_EQ(TT_CTR(&c, acks_delayed), 0);
	/* A small segment: ACKed only when the delayed-ACK timer expires. */
	TT_OK(tt_send_data(&pr, stream, 2920, 100, 0));
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	tt_poll(&c, delack / 2);
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	tt_poll(&c, delack * 2);
	TT_OK(expect_one_ack(&pr, 3020, &k));
	SL_ASSERT_EQ(TT_CTR(&c, acks_delayed), 1);
	SL_ASSERT_EQ(TT_CTR(&c, acks_sent), 2);
	/* Nothing more is due. */
	tt_poll(&c, delack * 10);
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	return tt_close(&c);
}

static int
test_one_ack_per_connection_per_burst(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	struct sl_dgram dg[6];
	unsigned int i;

	TT_OK(tt_open(&c, &p));
	tt_stream(stream, 12 * 1460, 2);
	tt_peer_init(&pr, &c, false, 40022, TT_PORT, TT_OFFER_NO_TS);
	TT_OK(tt_handshake(&pr));
	for (i = 0; i < 6; i++)
		TT_OK(tt_mk_data(&pr, &dg[i], stream, i * 1460, 1460, 0));
	tt_input(&c, dg, 6);
	TT_OK(expect_one_ack(&pr, 6 * 1460, &k));
	TT_OK(tt_check_delivered(&pr, stream, tt_stream_cut(stream, 6 * 1460)));
	/* Out of order, several segments in one burst: one ACK with SACK. */
	for (i = 0; i < 4; i++)
		TT_OK(tt_mk_data(&pr, &dg[i], stream, (7 + i) * 1460, 1460, 0));
	tt_input(&c, dg, 4);
	TT_OK(expect_one_ack(&pr, 6 * 1460, &k));
	SL_ASSERT_EQ(k.nsack, 1);
	SL_ASSERT(has_sack(&pr, &k, 7 * 1460, 11 * 1460));
	return tt_close(&c);
}

static int
test_small_segments_are_copied_into_the_tail_mbuf(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct sl_tcp_gauges g;
	uint32_t i;

	TT_OK(tt_open(&c, &p));
	tt_stream(stream, 1000, 3);
	tt_peer_init(&pr, &c, false, 40023, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	tt_sink.refuse = true;
	for (i = 0; i < 1000; i += 10)
		TT_OK(tt_send_data(&pr, stream, i, 10, 0));
	g = tt_gauges(&c);
	/* 100 segments of 10 bytes fit in the room of one or two mbufs. */
	if (g.held_mbufs > 2)
		SL_FAIL("100 x 10-byte segments held in %u mbufs (%" PRIu64 " bytes)",
			g.held_mbufs, g.held_bytes);
	SL_ASSERT(g.held_bytes <= 2 * (uint64_t)RTE_MBUF_DEFAULT_BUF_SIZE);
	SL_ASSERT_EQ(g.blocked, 1);
	tt_sink.refuse = false;
	tt_poll(&c, TT_MS(1));
	TT_OK(tt_check_delivered(&pr, stream, 1000));
	g = tt_gauges(&c);
	SL_ASSERT_EQ(g.blocked, 0);
	SL_ASSERT_EQ(g.held_mbufs, 0);
	SL_ASSERT_EQ(g.held_bytes, 0);
	return tt_close(&c);
}

static int
test_segment_in_a_chained_mbuf_is_delivered(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct sl_dgram dg;
	struct tt_opts o;

	TT_OK(tt_open(&c, &p));
	tt_stream(stream, 1400, 4);
	tt_peer_init(&pr, &c, true, 40024, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	o = tt_seg_opts(&pr);
	/* Split 300 bytes into the payload (scatter RX). */
	TT_OK(tt_build(&dg, tt_pool(), &pr.a, TT_ACK | TT_PSH, tt_seq(&pr, 0), tt_ackno(&pr),
		       65535, &o, stream, 1400, 14 + 40 + 32 + 300));
	SL_ASSERT_EQ(dg.m->nb_segs, 2);
	tt_input(&c, &dg, 1);
	TT_OK(tt_check_delivered(&pr, stream, 1400));
	return tt_close(&c);
}

/* ------------------------------------------------------------------ */
/* Out of order                                                         */
/* ------------------------------------------------------------------ */

static int
test_out_of_order_is_sacked_then_the_hole_fill_delivers_all(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	const uint32_t s = 1000;

	TT_OK(tt_open(&c, &p));
	tt_stream(stream, 8 * s, 5);
	tt_peer_init(&pr, &c, false, 40030, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	TT_OK(tt_send_data(&pr, stream, 0, s, 0));
	tt_take_all(&pr, NULL);
	/* Hole [1s, 2s); [2s, 3s) arrives: immediate ACK of s with one block. */
	TT_OK(tt_send_data(&pr, stream, 2 * s, s, 0));
	TT_OK(expect_one_ack(&pr, s, &k));
	SL_ASSERT_EQ(k.nsack, 1);
	SL_ASSERT(has_sack(&pr, &k, 2 * s, 3 * s));
	SL_ASSERT_EQ(TT_CTR(&c, acks_sack), 1);
	/* [4s, 5s): second hole; the newest block comes first. */
	TT_OK(tt_send_data(&pr, stream, 4 * s, s, 0));
	TT_OK(expect_one_ack(&pr, s, &k));
	SL_ASSERT_EQ(k.nsack, 2);
	SL_ASSERT(k.sack[0][0] == tt_seq(&pr, 4 * s) && k.sack[0][1] == tt_seq(&pr, 5 * s));
	SL_ASSERT(has_sack(&pr, &k, 2 * s, 3 * s));
	/* [6s, 7s): three blocks (the most with timestamps). */
	TT_OK(tt_send_data(&pr, stream, 6 * s, s, 0));
	TT_OK(expect_one_ack(&pr, s, &k));
	SL_ASSERT_EQ(k.nsack, 3);
	SL_ASSERT(k.sack[0][0] == tt_seq(&pr, 6 * s) && k.sack[0][1] == tt_seq(&pr, 7 * s));
	SL_ASSERT(has_sack(&pr, &k, 4 * s, 5 * s));
	SL_ASSERT(has_sack(&pr, &k, 2 * s, 3 * s));
	/* [3s, 4s) joins two blocks: [2s, 5s). */
	TT_OK(tt_send_data(&pr, stream, 3 * s, s, 0));
	TT_OK(expect_one_ack(&pr, s, &k));
	SL_ASSERT_EQ(k.nsack, 2);
	SL_ASSERT(k.sack[0][0] == tt_seq(&pr, 2 * s) && k.sack[0][1] == tt_seq(&pr, 5 * s));
	SL_ASSERT(has_sack(&pr, &k, 6 * s, 7 * s));
	SL_ASSERT_EQ(TT_CTR(&c, ooo_segs), 4);
	SL_ASSERT_EQ(TT_CTR(&c, ooo_bytes), 4 * s);
	/* Nothing past the first hole was delivered. */
	TT_OK(tt_check_delivered(&pr, stream, tt_stream_cut(stream, s)));
	/* Fill [1s, 2s): everything to 5s delivered, ACK at once or by the timer. */
	TT_OK(tt_send_data(&pr, stream, s, s, 0));
	SL_ASSERT_EQ(settle(&pr, &k), 1);
	SL_ASSERT_EQ(tt_off(&pr, k.ack), 5 * s);
	SL_ASSERT_EQ(k.nsack, 1);
	SL_ASSERT(has_sack(&pr, &k, 6 * s, 7 * s));
	TT_OK(tt_check_delivered(&pr, stream, tt_stream_cut(stream, 5 * s)));
	/* The rest. */
	TT_OK(tt_send_data(&pr, stream, 5 * s, s, 0));
	TT_OK(tt_send_data(&pr, stream, 7 * s, s, 0));
	settle(&pr, &k);
	SL_ASSERT_EQ(tt_off(&pr, k.ack), 8 * s);
	SL_ASSERT_EQ(k.nsack, 0);
	TT_OK(tt_check_delivered(&pr, stream, 8 * s));
	SL_ASSERT_EQ(TT_CTR(&c, retrans_bytes), 0);
	SL_ASSERT_EQ(TT_CTR(&c, bytes_in), 8 * s);
	SL_ASSERT_EQ(tt_gauges(&c).held_mbufs, 0);
	return tt_close(&c);
}

static int
test_sack_is_not_sent_when_not_permitted(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };

	TT_OK(tt_open(&c, &p));
	tt_stream(stream, 3000, 6);
	tt_peer_init(&pr, &c, false, 40031, TT_PORT, TT_OFFER_MSS);
	TT_OK(tt_handshake(&pr));
	TT_OK(tt_send_data(&pr, stream, 2000, 1000, 0));
	TT_OK(expect_one_ack(&pr, 0, &k));   /* immediate duplicate ACK */
	SL_ASSERT_EQ(k.nsack, 0);
	SL_ASSERT_EQ(TT_CTR(&c, acks_sack), 0);
	TT_OK(tt_send_data(&pr, stream, 0, 1000, 0));
	TT_OK(tt_send_data(&pr, stream, 1000, 1000, 0));
	settle(&pr, &k);
	SL_ASSERT_EQ(tt_off(&pr, k.ack), 3000);
	TT_OK(tt_check_delivered(&pr, stream, 3000));
	return tt_close(&c);
}

/*
 * Overlaps with kept out-of-order data: the stream must come out exactly
 * once, and the trimmed bytes are counted as received again.
 */
static int
test_overlaps_left_right_both_and_contained_are_trimmed(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	uint64_t dup = 0, nonew = 0;

	TT_OK(tt_open(&c, &p));
	tt_stream(stream, 6000, 7);
	tt_peer_init(&pr, &c, false, 40032, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	/* Hole at 0. Kept: [2000, 2600). */
	TT_OK(tt_send_data(&pr, stream, 2000, 600, 0));
	/* Over its left edge: [1800, 2200) -> [1800, 2000) new. */
	TT_OK(tt_send_data(&pr, stream, 1800, 400, 0));
	dup += 200;
	/* Over its right edge: [2500, 2900) -> [2600, 2900) new. Kept [1800, 2900). */
	TT_OK(tt_send_data(&pr, stream, 2500, 400, 0));
	dup += 100;
	/* Contained: [2100, 2300), then [2000, 2600): nothing new. */
	TT_OK(tt_send_data(&pr, stream, 2100, 200, 0));
	TT_OK(tt_send_data(&pr, stream, 2000, 600, 0));
	dup += 200 + 600;
	nonew += 2;
	/* An island [4000, 4500) and its exact duplicate. */
	TT_OK(tt_send_data(&pr, stream, 4000, 500, 0));
	TT_OK(tt_send_data(&pr, stream, 4000, 500, 0));
	dup += 500;
	nonew++;
	/* Over both edges: [1700, 3000) over [1800, 2900). */
	TT_OK(tt_send_data(&pr, stream, 1700, 1300, 0));
	dup += 1100;
	/* Joining two kept ranges: [2950, 4100) -> [3000, 4000) new. */
	TT_OK(tt_send_data(&pr, stream, 2950, 1150, 0));
	dup += 50 + 100;
	/* An island [5000, 5400), then [4400, 5500) over it and the gap. */
	TT_OK(tt_send_data(&pr, stream, 5000, 400, 0));
	TT_OK(tt_send_data(&pr, stream, 4400, 1100, 0));
	dup += 100 + 400;
	tt_take_all(&pr, &k);
	SL_ASSERT_EQ(tt_off(&pr, k.ack), 0);
	if (k.nsack != 1 || !has_sack(&pr, &k, 1700, 5500)) {
		print_sack(&pr, &k);
		SL_FAIL("expected one SACK block [1700, 5500)");
	}
	SL_ASSERT_EQ(TT_CTR(&c, retrans_bytes), dup);
	SL_ASSERT_EQ(TT_CTR(&c, retrans_segs), nonew);
	SL_ASSERT_EQ(tt_sink.n, 0);
	/* Fill the hole, the last segment overlapping delivered and kept data. */
	TT_OK(tt_send_data(&pr, stream, 0, 1000, 0));
	TT_OK(tt_send_data(&pr, stream, 900, 900, 0));
	dup += 100 + 100;
	TT_OK(tt_send_data(&pr, stream, 5500, 500, 0));
	settle(&pr, &k);
	SL_ASSERT_EQ(tt_off(&pr, k.ack), 6000);
	SL_ASSERT_EQ(k.nsack, 0);
	TT_OK(tt_check_delivered(&pr, stream, 6000));
	SL_ASSERT_EQ(TT_CTR(&c, retrans_bytes), dup);
	SL_ASSERT_EQ(TT_CTR(&c, bytes_in), 6000);
	SL_ASSERT_EQ(tt_gauges(&c).held_mbufs, 0);
	return tt_close(&c);
}

static int
test_exact_duplicate_is_counted_and_acked_at_once(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };

	TT_OK(tt_open(&c, &p));
	tt_stream(stream, 2000, 8);
	tt_peer_init(&pr, &c, false, 40033, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	TT_OK(tt_send_data(&pr, stream, 0, 1000, 0));
	tt_poll(&c, TT_US(2 * p.delack_us));
	tt_take_all(&pr, NULL);
	/* The same segment again (our ACK was lost): immediate ACK, nothing delivered twice. */
	TT_OK(tt_send_data(&pr, stream, 0, 1000, 0));
	TT_OK(expect_one_ack(&pr, 1000, &k));
	SL_ASSERT_EQ(TT_CTR(&c, retrans_bytes), 1000);
	SL_ASSERT_EQ(TT_CTR(&c, retrans_segs), 1);
	TT_OK(tt_send_data(&pr, stream, 1000, 1000, 0));
	TT_OK(tt_check_delivered(&pr, stream, 2000));
	SL_ASSERT_EQ(TT_CTR(&c, bytes_in), 2000);
	return tt_close(&c);
}

static int
test_segment_overlapping_delivered_data_is_trimmed(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;

	TT_OK(tt_open(&c, &p));
	tt_stream(stream, 3000, 9);
	tt_peer_init(&pr, &c, true, 40034, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	TT_OK(tt_send_data(&pr, stream, 0, 1000, 0));
	/* [600, 2000): 400 bytes already delivered, 1000 new. */
	TT_OK(tt_send_data(&pr, stream, 600, 1400, 0));
	SL_ASSERT_EQ(TT_CTR(&c, retrans_bytes), 400);
	SL_ASSERT_EQ(TT_CTR(&c, retrans_segs), 0);
	/* [1600, 3000): 400 old, 1000 new. */
	TT_OK(tt_send_data(&pr, stream, 1600, 1400, 0));
	SL_ASSERT_EQ(TT_CTR(&c, retrans_bytes), 800);
	TT_OK(tt_check_delivered(&pr, stream, 3000));
	SL_ASSERT_EQ(TT_CTR(&c, bytes_in), 3000);
	return tt_close(&c);
}

static int
test_sequence_wraparound_in_and_out_of_order(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	const uint32_t s = 1024, len = 10 * 1024;
	int i;

	TT_OK(tt_open(&c, &p));
	tt_stream(stream, len, 10);
	tt_peer_init(&pr, &c, false, 40035, TT_PORT, TT_OFFER_ALL);
	pr.isn = 0xffffffffu - 100;   /* stream byte 0 at 2^32 - 100 */
	TT_OK(tt_handshake(&pr));
	/* In order across the wrap (byte 100 is sequence 0). */
	TT_OK(tt_send_data(&pr, stream, 0, s, 0));
	/* Then the rest backwards: segments 9..2 out of order, 1 fills. */
	for (i = 9; i >= 2; i--) {
		TT_OK(tt_send_data(&pr, stream, (uint32_t)i * s, s, 0));
		TT_OK(expect_one_ack(&pr, s, &k));
		SL_ASSERT_EQ(k.nsack, 1);
		if (!has_sack(&pr, &k, (uint32_t)i * s, len)) {
			print_sack(&pr, &k);
			SL_FAIL("expected SACK [%u, %u)", i * s, len);
		}
	}
	TT_OK(tt_check_delivered(&pr, stream, tt_stream_cut(stream, s)));
	TT_OK(tt_send_data(&pr, stream, s, s, 0));
	settle(&pr, &k);
	SL_ASSERT_EQ(k.ack, (uint32_t)(pr.isn + 1 + len));
	SL_ASSERT_EQ(k.nsack, 0);
	TT_OK(tt_check_delivered(&pr, stream, len));
	SL_ASSERT_EQ(TT_CTR(&c, bytes_in), len);
	return tt_close(&c);
}

/* ------------------------------------------------------------------ */
/* PAWS                                                                 */
/* ------------------------------------------------------------------ */

static int
test_paws_drops_an_old_timestamp_and_acks(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	struct tt_opts o;

	TT_OK(tt_open(&c, &p));
	tt_stream(stream, 2000, 11);
	tt_peer_init(&pr, &c, false, 40040, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	TT_OK(tt_send_data(&pr, stream, 0, 1000, 0));
	tt_poll(&c, TT_US(2 * p.delack_us));
	tt_take_all(&pr, NULL);
	/* New data with a TSval older than the last one seen. */
	o = tt_seg_opts(&pr);
	o.tsval -= 1000;
	TT_OK(tt_send(&pr, TT_ACK | TT_PSH, tt_seq(&pr, 1000), tt_ackno(&pr), &o,
		      stream + 1000, 1000));
	SL_ASSERT_EQ(TT_CTR(&c, drop_paws), 1);
	TT_OK(expect_one_ack(&pr, 1000, &k));
	TT_OK(tt_check_delivered(&pr, stream, tt_stream_cut(stream, 1000)));
	SL_ASSERT_EQ(TT_CTR(&c, bytes_in), 1000);
	/* With a current TSval it is taken. */
	TT_OK(tt_send_data(&pr, stream, 1000, 1000, 0));
	TT_OK(tt_check_delivered(&pr, stream, 2000));
	SL_ASSERT_EQ(TT_CTR(&c, drop_paws), 1);
	return tt_close(&c);
}

/* ------------------------------------------------------------------ */
/* Window and backpressure                                              */
/* ------------------------------------------------------------------ */

static int
test_window_closes_under_backpressure_and_reopens(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	struct sl_tcp_gauges g;
	const uint32_t len = 200 * 1024, seg = 1448;
	uint32_t off = 0, edge, acked;
	unsigned int rounds;

	p.rcvbuf = 64 * 1024;
	p.framing.max_msg = 512;
	TT_OK(tt_open(&c, &p));
	SL_ASSERT_EQ(c.rcvbuf, 512 + 65536);
	tt_stream(stream, len, 12);
	tt_peer_init(&pr, &c, false, 40050, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	tt_sink.refuse = true;
	/* Data wholly beyond the window (the stage may take more than it
	 * advertised, never more than its buffer): dropped, ACKed at once. */
	edge = tt_edge_off(&pr);
	TT_OK(tt_send_data(&pr, stream, edge + c.rcvbuf, 100, 0));
	SL_ASSERT_EQ(TT_CTR(&c, drop_window), 1);
	TT_OK(expect_one_ack(&pr, 0, &k));
	/* Fill the window while the sink refuses. */
	for (rounds = 0; rounds < 200; rounds++) {
		uint32_t e0;

		edge = tt_edge_off(&pr);
		while (TT_SEQ_LT(off, edge)) {
			uint32_t n = RTE_MIN(seg, edge - off);

			TT_OK(tt_send_data(&pr, stream, off, n, 0));
			off += n;
			tt_take_all(&pr, NULL);
		}
		e0 = pr.edge;
		tt_poll(&c, TT_US(2 * p.delack_us));
		tt_take_all(&pr, NULL);
		if (pr.edge == e0 && tt_ack_off(&pr) == off)
			break;
	}
	SL_ASSERT_EQ(tt_ack_off(&pr), off);
	SL_ASSERT_EQ(pr.last_win, 0);
	SL_ASSERT(off >= 32768);
	SL_ASSERT(off <= c.rcvbuf);
	SL_ASSERT_EQ(TT_CTR(&c, zero_window), 1);
	SL_ASSERT_EQ(TT_CTR(&c, drop_window), 1);
	SL_ASSERT(TT_CTR(&c, blocked) >= 1);
	g = tt_gauges(&c);
	SL_ASSERT_EQ(g.zero_window, 1);
	SL_ASSERT_EQ(g.blocked, 1);
	SL_ASSERT_EQ(tt_sink.n, 0);
	/* A 1-byte window probe: answered at once with window 0, byte not taken. */
	TT_OK(tt_send_data(&pr, stream, off, 1, 0));
	TT_OK(expect_one_ack(&pr, off, &k));
	SL_ASSERT_EQ(k.win, 0);
	SL_ASSERT_EQ(TT_CTR(&c, probes), 1);
	/* Room again: a window update, then everything exactly once. */
	tt_sink.refuse = false;
	tt_poll(&c, TT_US(100));
	SL_ASSERT_EQ(tt_take_all(&pr, &k), 1);
	SL_ASSERT_EQ(tt_off(&pr, k.ack), off);
	SL_ASSERT(tt_win(&pr, &k) > 0);
	SL_ASSERT_EQ(TT_CTR(&c, window_updates), 1);
	TT_OK(tt_check_delivered(&pr, stream, tt_stream_cut(stream, off)));
	g = tt_gauges(&c);
	SL_ASSERT_EQ(g.zero_window, 0);
	SL_ASSERT_EQ(g.blocked, 0);
	acked = off;
	TT_OK(tt_transfer(&pr, stream, acked, len, seg, 500));
	TT_OK(tt_check_delivered(&pr, stream, len));
	SL_ASSERT_EQ(TT_CTR(&c, zero_window), 1);
	SL_ASSERT_EQ(TT_CTR(&c, bytes_in), len);
	return tt_close(&c);
}

static int
test_worker_memory_cap_drops_unacked_then_retransmission_delivers(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct sl_tcp_gauges g;
	const uint32_t len = 120 * 1024, seg = 1448;
	uint32_t off = 0;
	unsigned int i;

	p.mem_cap = 20 * RTE_MBUF_DEFAULT_BUF_SIZE;
	p.framing.max_msg = 512;
	TT_OK(tt_open(&c, &p));
	tt_stream(stream, len, 13);
	tt_peer_init(&pr, &c, false, 40051, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	tt_sink.refuse = true;
	/* 40 full segments in the window: about 20 fit under the cap. */
	for (i = 0; i < 40 && TT_SEQ_LT(off + seg, tt_edge_off(&pr)); i++) {
		TT_OK(tt_send_data(&pr, stream, off, seg, 0));
		off += seg;
		tt_take_all(&pr, NULL);
	}
	tt_poll(&c, TT_US(2 * p.delack_us));
	tt_take_all(&pr, NULL);
	SL_ASSERT(TT_CTR(&c, drop_mem) >= 1);
	g = tt_gauges(&c);
	SL_ASSERT(g.held_bytes <= p.mem_cap);
	/* What was ACKed is what is held: the ACK stops where the drops began. */
	SL_ASSERT(tt_ack_off(&pr) < off);
	SL_ASSERT(tt_ack_off(&pr) >= 10 * seg);
	tt_sink.refuse = false;
	TT_OK(tt_transfer(&pr, stream, tt_ack_off(&pr), len, seg, 500));
	TT_OK(tt_check_delivered(&pr, stream, len));
	SL_ASSERT_EQ(TT_CTR(&c, bytes_in), len);
	return tt_close(&c);
}

static int
test_ooo_cap_drops_then_retransmission_delivers_once(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	const uint32_t s = 1448;
	unsigned int i;

	p.ooo_max = 2;
	TT_OK(tt_open(&c, &p));
	tt_stream(stream, 9 * s, 14);
	tt_peer_init(&pr, &c, false, 40052, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	/* Hole at 0; islands at 1s, 3s, 5s, 7s: two kept, two dropped. */
	for (i = 1; i <= 7; i += 2) {
		TT_OK(tt_send_data(&pr, stream, i * s, s, 0));
		tt_take_all(&pr, &k);
	}
	SL_ASSERT_EQ(TT_CTR(&c, ooo_segs), 2);
	SL_ASSERT_EQ(TT_CTR(&c, drop_ooo_full), 2);
	SL_ASSERT_EQ(tt_off(&pr, k.ack), 0);
	SL_ASSERT_EQ(k.nsack, 2);
	SL_ASSERT(has_sack(&pr, &k, s, 2 * s));
	SL_ASSERT(has_sack(&pr, &k, 3 * s, 4 * s));
	SL_ASSERT_EQ(tt_gauges(&c).held_mbufs, 2);
	/* The sender retransmits everything in order. */
	TT_OK(tt_transfer(&pr, stream, 0, 9 * s, s, 100));
	TT_OK(tt_check_delivered(&pr, stream, 9 * s));
	SL_ASSERT_EQ(TT_CTR(&c, bytes_in), 9 * s);
	return tt_close(&c);
}

/* ------------------------------------------------------------------ */
/* FIN                                                                  */
/* ------------------------------------------------------------------ */

/*
 * After the peer's FIN at stream offset @p fin_off: take the stage's
 * answer (an ACK of the FIN and our FIN, or one FIN|ACK), running the
 * timers once if needed. @return 0 with *fin the FIN.
 */
static int
expect_ack_of_fin_and_our_fin(struct tt_ctx *c, struct tt_peer *pr, uint32_t fin_off,
			      struct tt_pkt *fin)
{
	struct tt_pkt k = { 0 };
	bool got = false;

	if (tt_pending(pr) == 0 || tt_pending(pr) == 1)
		tt_poll(c, TT_US(2 * c->p.delack_us));
	while (tt_next(pr, &k)) {
		if (got)
			SL_FAIL("packet after our FIN: flags %#x", k.flags);
		SL_ASSERT_EQ(tt_off(pr, k.ack), fin_off + 1);
		if (k.flags & TT_FIN) {
			SL_ASSERT_EQ(k.flags, TT_FIN | TT_ACK);
			SL_ASSERT_EQ(k.seq, pr->iss + 1);
			*fin = k;
			got = true;
		} else {
			SL_ASSERT_EQ(k.flags, TT_ACK);
		}
	}
	if (!got)
		SL_FAIL("no FIN from the stage");
	return 0;
}

static int
test_fin_delivers_last_message_truncated_and_closes(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	static const char data[] = "<13>full\n<13>partial";
	const uint32_t n = sizeof(data) - 1;

	TT_OK(tt_open(&c, &p));
	tt_peer_init(&pr, &c, false, 40060, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	TT_OK(send_str(&pr, 0, data, TT_FIN));
	SL_ASSERT_EQ(tt_sink.n, 2);
	SL_ASSERT(tt_msg_is(&tt_sink.msg[0], "<13>full"));
	SL_ASSERT_EQ(tt_sink.msg[0].flags, 0);
	SL_ASSERT(tt_msg_is(&tt_sink.msg[1], "<13>partial"));
	SL_ASSERT_EQ(tt_sink.msg[1].flags, SL_REC_F_TRUNCATED);
	SL_ASSERT_EQ(sl_tcp_framing_counters(c.t).val[SL_FRAMING_frames_close], 1);
	TT_OK(expect_ack_of_fin_and_our_fin(&c, &pr, n, &k));
	SL_ASSERT_EQ(tt_gauges(&c).conns, 1);
	/* The peer ACKs our FIN: gone. */
	TT_OK(send_ack(&pr, n + 1));
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 0);
	SL_ASSERT_EQ(TT_CTR(&c, conn_closed), 1);
	SL_ASSERT_EQ(TT_CTR(&c, conn_reset), 0);
	SL_ASSERT_EQ(TT_CTR(&c, conn_aborted), 0);
	/* Nothing left: no timer fires for it. */
	tt_poll(&c, TT_MS(p.idle_ms) * 2);
	SL_ASSERT_EQ(tt_pending_all(), 0);
	return tt_close(&c);
}

static int
test_bare_fin_after_complete_messages_stores_nothing_more(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	struct tt_opts o;

	TT_OK(tt_open(&c, &p));
	tt_peer_init(&pr, &c, true, 40061, TT_PORT, TT_OFFER_NO_TS);
	TT_OK(tt_handshake(&pr));
	TT_OK(send_str(&pr, 0, "<13>a\n", 0));
	o = tt_seg_opts(&pr);
	TT_OK(tt_send(&pr, TT_FIN | TT_ACK, tt_seq(&pr, 6), tt_ackno(&pr), &o, NULL, 0));
	TT_OK(expect_ack_of_fin_and_our_fin(&c, &pr, 6, &k));
	SL_ASSERT_EQ(tt_sink.n, 1);
	SL_ASSERT_EQ(tt_sink.msg[0].flags, SL_REC_F_IPV6);
	TT_OK(send_ack(&pr, 7));
	SL_ASSERT_EQ(tt_gauges(&c).conns, 0);
	SL_ASSERT_EQ(TT_CTR(&c, conn_closed), 1);
	return tt_close(&c);
}

static int
test_fin_is_acked_only_once_every_byte_is_delivered(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	static const char data[] = "<13>one\n<13>two\n";
	const uint32_t n = sizeof(data) - 1;

	TT_OK(tt_open(&c, &p));
	tt_peer_init(&pr, &c, false, 40062, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	tt_sink.refuse = true;
	TT_OK(send_str(&pr, 0, data, TT_FIN));
	tt_poll(&c, TT_US(2 * p.delack_us));
	while (tt_next(&pr, &k)) {
		SL_ASSERT(!(k.flags & TT_FIN));
		SL_ASSERT(TT_SEQ_LE(k.ack, tt_seq(&pr, n)));
	}
	SL_ASSERT_EQ(tt_sink.n, 0);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 1);
	tt_sink.refuse = false;
	tt_poll(&c, TT_MS(1));
	SL_ASSERT_EQ(tt_sink.n, 2);
	TT_OK(expect_ack_of_fin_and_our_fin(&c, &pr, n, &k));
	TT_OK(send_ack(&pr, n + 1));
	SL_ASSERT_EQ(tt_gauges(&c).conns, 0);
	SL_ASSERT_EQ(TT_CTR(&c, conn_closed), 1);
	return tt_close(&c);
}

static int
test_fin_out_of_order_waits_for_the_hole(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	const uint32_t len = 3000;

	TT_OK(tt_open(&c, &p));
	tt_stream(stream, len, 15);
	tt_peer_init(&pr, &c, false, 40063, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	TT_OK(tt_send_data(&pr, stream, 0, 1000, 0));
	/* [2000, 3000) + FIN before [1000, 2000). */
	TT_OK(tt_send_data(&pr, stream, 2000, 1000, TT_FIN));
	TT_OK(expect_one_ack(&pr, 1000, &k));
	SL_ASSERT(has_sack(&pr, &k, 2000, 3000));
	tt_poll(&c, TT_US(2 * p.delack_us));
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	SL_ASSERT_EQ(TT_CTR(&c, conn_closed), 0);
	TT_OK(tt_check_delivered(&pr, stream, tt_stream_cut(stream, 1000)));
	/* The hole fills: all delivered, FIN ACKed, our FIN. */
	TT_OK(tt_send_data(&pr, stream, 1000, 1000, 0));
	TT_OK(tt_check_delivered(&pr, stream, len));
	TT_OK(expect_ack_of_fin_and_our_fin(&c, &pr, len, &k));
	TT_OK(send_ack(&pr, len + 1));
	SL_ASSERT_EQ(tt_gauges(&c).conns, 0);
	SL_ASSERT_EQ(TT_CTR(&c, conn_closed), 1);
	return tt_close(&c);
}

static int
test_our_fin_is_retransmitted_then_given_up(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	unsigned int fins = 1, rsts = 0, steps;
	uint64_t t0;

	p.idle_ms = 3600 * 1000;
	TT_OK(tt_open(&c, &p));
	tt_peer_init(&pr, &c, false, 40064, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	TT_OK(send_str(&pr, 0, "<13>bye\n", TT_FIN));
	TT_OK(expect_ack_of_fin_and_our_fin(&c, &pr, 8, &k));
	t0 = c.now;
	/* Never ACK it; 30 minutes in 10 ms steps. */
	for (steps = 0; steps < 180000 && tt_gauges(&c).conns != 0; steps++) {
		tt_poll(&c, TT_MS(10));
		while (tt_next(&pr, &k)) {
			if (k.flags & TT_RST) {
				SL_ASSERT(k.seq == pr.iss + 1 || k.seq == pr.iss + 2);
				rsts++;
			} else {
				SL_ASSERT_EQ(k.flags, TT_FIN | TT_ACK);
				SL_ASSERT_EQ(k.seq, pr.iss + 1);
				SL_ASSERT_EQ(tt_off(&pr, k.ack), 9);
				SL_ASSERT_EQ(rsts, 0);
				fins++;
			}
		}
	}
	fprintf(stderr, "# %u FINs, given up after %.1f s\n", fins,
		(double)(c.now - t0) / TT_HZ);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 0);
	SL_ASSERT(fins >= 2);
	SL_ASSERT_EQ(TT_CTR(&c, fin_retrans), fins - 1);
	/* Counted closed at its FIN, not aborted: only the last ACK is missing. */
	SL_ASSERT_EQ(TT_CTR(&c, conn_closed), 1);
	SL_ASSERT_EQ(TT_CTR(&c, conn_aborted), 0);
	SL_ASSERT_EQ(TT_CTR(&c, conn_idle), 0);
	SL_ASSERT(rsts <= 1);
	return tt_close(&c);
}

/* ------------------------------------------------------------------ */
/* RST (RFC 5961)                                                       */
/* ------------------------------------------------------------------ */

static int
test_rst_in_syn_rcvd(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	struct tt_opts o = tt_no_opts();

	TT_OK(tt_open(&c, &p));
	tt_peer_init(&pr, &c, false, 40070, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_send_syn(&pr));
	SL_ASSERT_EQ(tt_next(&pr, &k), 1);
	/* Out of window: ignored. */
	TT_OK(tt_send(&pr, TT_RST, tt_seq(&pr, 10000000), 0, &o, NULL, 0));
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 1);
	/* In window, not exact: challenge ACK, still there. */
	TT_OK(tt_send(&pr, TT_RST, tt_seq(&pr, 100), 0, &o, NULL, 0));
	SL_ASSERT_EQ(TT_CTR(&c, drop_challenge), 1);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 1);
	SL_ASSERT_EQ(tt_next(&pr, &k), 1);
	SL_ASSERT(k.flags & TT_ACK);
	SL_ASSERT(!(k.flags & TT_RST));
	SL_ASSERT_EQ(k.ack, pr.isn + 1);
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	/* Exact: gone. */
	TT_OK(tt_send(&pr, TT_RST, tt_seq(&pr, 0), 0, &o, NULL, 0));
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 0);
	SL_ASSERT_EQ(tt_gauges(&c).halfopen, 0);
	SL_ASSERT_EQ(TT_CTR(&c, conn_reset), 1);
	return tt_close(&c);
}

static int
test_rst_in_established_exact_challenge_and_outside(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	struct tt_opts o;

	TT_OK(tt_open(&c, &p));
	tt_peer_init(&pr, &c, false, 40071, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	TT_OK(send_str(&pr, 0, "<13>before reset\n", 0));    /* 17 bytes */
	tt_poll(&c, TT_US(2 * p.delack_us));
	tt_take_all(&pr, NULL);
	/* Out of window: ignored, no answer. */
	o = tt_seg_opts(&pr);
	TT_OK(tt_send(&pr, TT_RST | TT_ACK, tt_seq(&pr, 17 + 50000000), tt_ackno(&pr), &o,
		      NULL, 0));
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 1);
	SL_ASSERT_EQ(TT_CTR(&c, drop_challenge), 0);
	/* In window, not at rcv_nxt: challenge ACK of rcv_nxt. */
	o = tt_seg_opts(&pr);
	TT_OK(tt_send(&pr, TT_RST, tt_seq(&pr, 17 + 1000), 0, &o, NULL, 0));
	SL_ASSERT_EQ(TT_CTR(&c, drop_challenge), 1);
	TT_OK(expect_one_ack(&pr, 17, &k));
	SL_ASSERT_EQ(tt_gauges(&c).conns, 1);
	/* Below rcv_nxt (already delivered data): not exact either. */
	o = tt_seg_opts(&pr);
	TT_OK(tt_send(&pr, TT_RST, tt_seq(&pr, 5), 0, &o, NULL, 0));
	SL_ASSERT_EQ(tt_gauges(&c).conns, 1);
	tt_take_all(&pr, NULL);
	/* The connection still works. */
	TT_OK(send_str(&pr, 17, "<13>still here\n", 0));
	SL_ASSERT_EQ(tt_sink.n, 2);
	/* Exact: gone at once, no answer. */
	o = tt_seg_opts(&pr);
	TT_OK(tt_send(&pr, TT_RST | TT_ACK, tt_seq(&pr, 17 + 15), tt_ackno(&pr), &o, NULL, 0));
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 0);
	SL_ASSERT_EQ(TT_CTR(&c, conn_reset), 1);
	/* A later segment of it: no connection, RST. */
	TT_OK(send_str(&pr, 32, "<13>late\n", 0));
	SL_ASSERT_EQ(tt_next(&pr, &k), 1);
	SL_ASSERT(k.flags & TT_RST);
	SL_ASSERT_EQ(tt_sink.n, 2);
	return tt_close(&c);
}

static int
test_rst_in_last_ack(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	struct tt_opts o;

	TT_OK(tt_open(&c, &p));
	tt_peer_init(&pr, &c, false, 40072, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	TT_OK(send_str(&pr, 0, "<13>x\n", TT_FIN));
	TT_OK(expect_ack_of_fin_and_our_fin(&c, &pr, 6, &k));
	/* Not exact (after the FIN nothing is in the window): at most a
	 * challenge ACK, the connection stays. */
	o = tt_seg_opts(&pr);
	TT_OK(tt_send(&pr, TT_RST, tt_seq(&pr, 500), 0, &o, NULL, 0));
	while (tt_next(&pr, &k)) {
		SL_ASSERT_EQ(k.flags, TT_ACK);
		SL_ASSERT_EQ(tt_off(&pr, k.ack), 7);
	}
	SL_ASSERT_EQ(tt_gauges(&c).conns, 1);
	/* Exact (after the FIN): gone. */
	o = tt_seg_opts(&pr);
	TT_OK(tt_send(&pr, TT_RST, tt_seq(&pr, 7), 0, &o, NULL, 0));
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 0);
	SL_ASSERT_EQ(TT_CTR(&c, conn_reset), 1);
	return tt_close(&c);
}

static int
test_syn_on_established_connection_gets_challenge_ack(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	struct tt_opts o;

	TT_OK(tt_open(&c, &p));
	tt_peer_init(&pr, &c, false, 40073, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	TT_OK(send_str(&pr, 0, "<13>x\n", 0));
	o = tt_syn_opts(&pr);
	o.tsval = ++pr.tsval;
	TT_OK(tt_send(&pr, TT_SYN, tt_seq(&pr, 300), 0, &o, NULL, 0));
	SL_ASSERT_EQ(TT_CTR(&c, drop_challenge), 1);
	TT_OK(expect_one_ack(&pr, 6, &k));
	SL_ASSERT_EQ(tt_gauges(&c).conns, 1);
	SL_ASSERT_EQ(TT_CTR(&c, conn_opened), 1);
	TT_OK(send_str(&pr, 6, "<13>y\n", 0));
	SL_ASSERT_EQ(tt_sink.n, 2);
	return tt_close(&c);
}

/* ------------------------------------------------------------------ */
/* Timers and limits                                                    */
/* ------------------------------------------------------------------ */

static int
test_idle_connection_is_reset(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };

	p.idle_ms = 1000;
	TT_OK(tt_open(&c, &p));
	tt_peer_init(&pr, &c, false, 40080, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	tt_poll(&c, TT_MS(800));
	TT_OK(send_str(&pr, 0, "<13>alive\n", 0));
	tt_poll(&c, TT_MS(700));     /* 1.5 s since the handshake, 0.7 s since data */
	tt_take_all(&pr, NULL);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 1);
	SL_ASSERT_EQ(TT_CTR(&c, conn_idle), 0);
	tt_poll(&c, TT_MS(1500));
	SL_ASSERT_EQ(tt_next(&pr, &k), 1);
	SL_ASSERT_EQ(k.flags & (TT_RST | TT_SYN | TT_FIN), TT_RST);
	SL_ASSERT_EQ(k.seq, pr.iss + 1);
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	SL_ASSERT_EQ(TT_CTR(&c, conn_idle), 1);
	SL_ASSERT_EQ(TT_CTR(&c, rst_sent), 1);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 0);
	SL_ASSERT_EQ(tt_sink.n, 1);
	return tt_close(&c);
}

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

/* ------------------------------------------------------------------ */
/* Shutdown                                                             */
/* ------------------------------------------------------------------ */

static int
test_drain_delivers_held_data_and_resets(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer a, b;
	struct tt_pkt k = { 0 };
	static const char partial[] = "<13>b one\n<13>b unfinished";
	const uint32_t len = 5000;
	unsigned int left, rounds;

	TT_OK(tt_open(&c, &p));
	tt_stream(stream, len, 17);
	tt_peer_init(&a, &c, false, 40130, TT_PORT, TT_OFFER_ALL);
	tt_peer_init(&b, &c, true, 40131, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&a));
	TT_OK(tt_handshake(&b));
	tt_sink.refuse = true;
	/* a: in-order data and an out-of-order island; b: a partial message. */
	TT_OK(tt_send_data(&a, stream, 0, 1000, 0));
	TT_OK(tt_send_data(&a, stream, 1000, 1000, 0));
	TT_OK(tt_send_data(&a, stream, 2000, 1000, 0));
	TT_OK(tt_send_data(&a, stream, 4000, 1000, 0));
	TT_OK(send_str(&b, 0, partial, 0));
	left = sl_tcp_drain(c.t, c.now);
	SL_ASSERT_EQ(left, 2);
	SL_ASSERT_EQ(tt_sink.n, 0);
	tt_sink.refuse = false;
	for (rounds = 0; rounds < 10 && (left = sl_tcp_drain(c.t, c.now)) != 0; rounds++)
		c.now += TT_MS(1);
	SL_ASSERT_EQ(left, 0);
	/* a: its complete lines, then the line cut at 3000, truncated. */
	{
		uint32_t cut = tt_stream_cut(stream, 3000);
		const struct tt_msg *m;
		unsigned int n = tt_msgs_of(&a);

		SL_ASSERT(n >= 2);
		m = tt_msg_of(&a, n - 1);
		SL_ASSERT_EQ(m->len, 3000 - cut);
		SL_ASSERT_MEM_EQ(tt_sink.buf + m->at, stream + cut, m->len);
		SL_ASSERT_EQ(m->flags, SL_REC_F_TRUNCATED);
		tt_sink.msg[m - tt_sink.msg].sport = 0;  /* checked: hide it from the next check */
		TT_OK(tt_check_delivered(&a, stream, cut));
	}
	SL_ASSERT_EQ(tt_msgs_of(&b), 2);
	SL_ASSERT(tt_msg_is(tt_msg_of(&b, 0), "<13>b one"));
	SL_ASSERT(tt_msg_is(tt_msg_of(&b, 1), "<13>b unfinished"));
	SL_ASSERT_EQ(tt_msg_of(&b, 1)->flags, SL_REC_F_IPV6 | SL_REC_F_TRUNCATED);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 0);
	SL_ASSERT_EQ(tt_gauges(&c).held_mbufs, 0);
	SL_ASSERT_EQ(TT_CTR(&c, conn_aborted), 2);
	/* Each peer was reset. */
	while (tt_next(&a, &k) && !(k.flags & TT_RST))
		;
	SL_ASSERT(k.flags & TT_RST);
	SL_ASSERT_EQ(k.seq, a.iss + 1);
	while (tt_next(&b, &k) && !(k.flags & TT_RST))
		;
	SL_ASSERT(k.flags & TT_RST);
	SL_ASSERT_EQ(k.seq, b.iss + 1);
	return tt_close(&c);
}

static int
test_free_releases_every_held_mbuf(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr[4], h;
	unsigned int i, j;

	TT_OK(tt_open(&c, &p));
	tt_stream(stream, 20000, 18);
	tt_sink.refuse = true;
	for (i = 0; i < 4; i++) {
		tt_peer_init(&pr[i], &c, i & 1, (uint16_t)(40140 + i), TT_PORT, TT_OFFER_ALL);
		TT_OK(tt_handshake(&pr[i]));
		for (j = 0; j < 8; j++)
			TT_OK(tt_send_data(&pr[i], stream, j * 1000, 1000, 0));
		TT_OK(tt_send_data(&pr[i], stream, 10000, 1400, 0));
		TT_OK(tt_send_data(&pr[i], stream, 15000, 1400, 0));
	}
	/* And one half-open. */
	tt_peer_init(&h, &c, false, 40150, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_send_syn(&h));
	SL_ASSERT(tt_gauges(&c).held_mbufs >= 12);
	SL_ASSERT(rte_mempool_in_use_count(tt_pool()) > c.inuse0);
	tt_discard_all();
	return tt_close(&c);   /* sl_tcp_free, then the pool is checked */
}

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
	SL_TEST(test_lf_and_octet_counted_messages_split_across_segments),
	SL_TEST(test_ack_after_two_full_segments_else_delayed),
	SL_TEST(test_one_ack_per_connection_per_burst),
	SL_TEST(test_small_segments_are_copied_into_the_tail_mbuf),
	SL_TEST(test_segment_in_a_chained_mbuf_is_delivered),
	SL_TEST(test_out_of_order_is_sacked_then_the_hole_fill_delivers_all),
	SL_TEST(test_sack_is_not_sent_when_not_permitted),
	SL_TEST(test_overlaps_left_right_both_and_contained_are_trimmed),
	SL_TEST(test_exact_duplicate_is_counted_and_acked_at_once),
	SL_TEST(test_segment_overlapping_delivered_data_is_trimmed),
	SL_TEST(test_sequence_wraparound_in_and_out_of_order),
	SL_TEST(test_paws_drops_an_old_timestamp_and_acks),
	SL_TEST(test_window_closes_under_backpressure_and_reopens),
	SL_TEST(test_worker_memory_cap_drops_unacked_then_retransmission_delivers),
	SL_TEST(test_ooo_cap_drops_then_retransmission_delivers_once),
	SL_TEST(test_fin_delivers_last_message_truncated_and_closes),
	SL_TEST(test_bare_fin_after_complete_messages_stores_nothing_more),
	SL_TEST(test_fin_is_acked_only_once_every_byte_is_delivered),
	SL_TEST(test_fin_out_of_order_waits_for_the_hole),
	SL_TEST(test_our_fin_is_retransmitted_then_given_up),
	SL_TEST(test_rst_in_syn_rcvd),
	SL_TEST(test_rst_in_established_exact_challenge_and_outside),
	SL_TEST(test_rst_in_last_ack),
	SL_TEST(test_syn_on_established_connection_gets_challenge_ack),
	SL_TEST(test_idle_connection_is_reset),
	SL_TEST(test_connection_limit_refuses_with_rst),
	SL_TEST(test_syn_cookies_when_halfopen_table_is_full),
	SL_TEST(test_wrong_syn_cookie_gets_rst),
	SL_TEST(test_halfopen_entries_expire),
	SL_TEST(test_drain_delivers_held_data_and_resets),
	SL_TEST(test_free_releases_every_held_mbuf),
};

int
main(int argc, char **argv)
{
	return sl_test_main(argc, argv, cases, SL_DIM(cases), true);
}

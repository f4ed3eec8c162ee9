/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP stage, against the contract of sl_tcp.h: closing. FIN (ours and the
 * peer's), RST in each state (RFC 5961), idle connections, drain, free.
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
/* FIN                                                                  */
/* ------------------------------------------------------------------ */

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
/* Idle                                                                 */
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

static const struct sl_test_case cases[] = {
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
	SL_TEST(test_drain_delivers_held_data_and_resets),
	SL_TEST(test_free_releases_every_held_mbuf),
};


int
main(int argc, char **argv)
{
	return sl_test_main(argc, argv, cases, SL_DIM(cases), true);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP stage, edge cases a review found (one case per fix, numbered as in
 * the review): probes and keepalives, idle, RST while delivery waits,
 * blind ACKs, out-of-order memory, our FIN without an mbuf, the window
 * edge held back, out-of-order FIN, the in-order queue's size. Same peer
 * and harness as test_tcp.c; every case ends with every mbuf back.
 *
 * Not here: a TCP message longer than 64 KiB through the worker's store
 * path (pipelines/worker.c), which needs the worker, not the stage.
 */
#include <errno.h>

#include "sl_common.h"
#include "sl_record.h"
#include "sl_test.h"
#include "tcp_test_util.h"
#include "../../pipelines/tcp/tcp_private.h"   /* span_max only */

static uint8_t stream[1u << 20];

/* A pure ACK at stream offset @p off (ACK number @p ackno). */
static int
send_ack_no(struct tt_peer *pr, uint32_t off, uint32_t ackno)
{
	struct tt_opts o = tt_seg_opts(pr);

	return tt_send(pr, TT_ACK, tt_seq(pr, off), ackno, &o, NULL, 0);
}
#define send_ack(pr, off) send_ack_no(pr, off, tt_ackno(pr))

static int
send_bytes(struct tt_peer *pr, uint32_t off, const void *b, uint32_t len, uint8_t extra)
{
	struct tt_opts o = tt_seg_opts(pr);

	return tt_send(pr, (uint8_t)(TT_ACK | (len ? TT_PSH : 0) | extra), tt_seq(pr, off),
		       tt_ackno(pr), &o, b, len);
}

static int
send_str(struct tt_peer *pr, uint32_t off, const char *s, uint8_t extra)
{
	return send_bytes(pr, off, s, (uint32_t)strlen(s), extra);
}

static bool
has_sack(const struct tt_peer *pr, const struct tt_pkt *k, uint32_t l, uint32_t r)
{
	unsigned int i;

	for (i = 0; i < k->nsack; i++)
		if (k->sack[i][0] == tt_seq(pr, l) && k->sack[i][1] == tt_seq(pr, r))
			return true;
	return false;
}

/* Run the delayed-ACK timer; take every packet for the peer. */
static unsigned int
settle(struct tt_peer *pr, struct tt_pkt *k)
{
	tt_poll(pr->c, TT_US(2 * pr->c->p.delack_us));
	return tt_take_all(pr, k);
}

/* Exactly one packet pending for the peer: a pure ACK of @p ack_off. */
static int
expect_one_ack(struct tt_peer *pr, uint32_t ack_off, struct tt_pkt *k)
{
	unsigned int n = tt_pending(pr);

	if (n != 1)
		SL_FAIL("peer %u: %u packets pending, expected one ACK of %u", pr->a.sport, n, ack_off);
	SL_ASSERT_EQ(tt_next(pr, k), 1);
	SL_ASSERT_EQ(k->flags, TT_ACK);
	if (tt_off(pr, k->ack) != ack_off)
		SL_FAIL("ACK of %u, expected %u", tt_off(pr, k->ack), ack_off);
	return 0;
}

/* The ACK of the peer's FIN at @p fin_off and our FIN (seq iss + 1). */
static int
expect_our_fin(struct tt_ctx *c, struct tt_peer *pr, uint32_t fin_off)
{
	struct tt_pkt k = { 0 };
	bool got = false;

	if (tt_pending(pr) < 2)
		tt_poll(c, TT_US(2 * c->p.delack_us));
	while (tt_next(pr, &k)) {
		SL_ASSERT(!got);
		SL_ASSERT_EQ(tt_off(pr, k.ack), fin_off + 1);
		if (k.flags & TT_FIN) {
			SL_ASSERT_EQ(k.flags, TT_FIN | TT_ACK);
			SL_ASSERT_EQ(k.seq, pr->iss + 1);
			got = true;
		} else {
			SL_ASSERT_EQ(k.flags, TT_ACK);
		}
	}
	if (!got)
		SL_FAIL("no FIN from the stage");
	return 0;
}

/*
 * With the sink refusing (@p consumed bytes delivered before): send like a
 * sender obeying the window until the stage advertises zero, then the last
 * bytes its buffer has (the scaled window rounds them away): the buffer is
 * exactly full, at consumed + rcvbuf. @return 0.
 */
static int
fill_buffer(struct tt_ctx *c, struct tt_peer *pr, uint32_t consumed)
{
	uint32_t off = tt_ack_off(pr), full = consumed + c->rcvbuf;
	unsigned int rounds;

	for (rounds = 0; rounds < 200; rounds++) {
		uint32_t e0, edge = tt_edge_off(pr);

		while (TT_SEQ_LT(off, edge)) {
			uint32_t n = RTE_MIN(1448u, edge - off);

			TT_OK(tt_send_data(pr, stream, off, n, 0));
			off += n;
			tt_take_all(pr, NULL);
		}
		e0 = pr->edge;
		settle(pr, NULL);
		if (pr->edge == e0 && tt_ack_off(pr) == off)
			break;
	}
	SL_ASSERT_EQ(pr->last_win, 0);
	SL_ASSERT_EQ(tt_ack_off(pr), off);
	/* Within one scale unit of the buffer's end, either side: the edge
	 * is rounded to the scale (up while that stays within a unit of
	 * the buffer, else down). */
	if ((off <= full ? full - off : off - full) >= (1u << pr->ws))
		SL_FAIL("window closed at %u, the buffer ends at %u (ws %d)", off, full, pr->ws);
	if (off < full) {
		TT_OK(tt_send_data(pr, stream, off, full - off, 0));
		settle(pr, NULL);
	}
	SL_ASSERT_EQ(tt_ack_off(pr), off > full ? off : full);
	SL_ASSERT_EQ(pr->last_win, 0);
	return 0;
}

/* ---- 1. Every unacceptable segment but an RST is ACKed ---- */
static int
test_keepalive_and_zero_window_probes_are_acked(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	const uint32_t len = 200000;
	uint32_t full;
	unsigned int n0;
	uint64_t acks;

	p.rcvbuf = 64 * 1024;
	p.framing.max_msg = 512;
	TT_OK(tt_open(&c, &p));
	tt_stream(stream, len, 21);
	tt_peer_init(&pr, &c, false, 41000, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	SL_ASSERT_EQ(pr.ws, 1);
	/* Open window: a Linux keepalive (empty, seq = rcv_nxt - 1), then a
	 * BSD one (one old byte): each answered at once, no probe counted. */
	TT_OK(tt_send_data(&pr, stream, 0, 100, 0));
	settle(&pr, NULL);
	SL_ASSERT_EQ(tt_ack_off(&pr), 100);
	acks = TT_CTR(&c, acks_sent);
	TT_OK(send_ack(&pr, 99));
	TT_OK(expect_one_ack(&pr, 100, &k));
	SL_ASSERT(tt_win(&pr, &k) > 0);
	TT_OK(tt_send_data(&pr, stream, 99, 1, 0));
	TT_OK(expect_one_ack(&pr, 100, &k));
	SL_ASSERT_EQ(TT_CTR(&c, acks_sent), acks + 2);
	SL_ASSERT_EQ(TT_CTR(&c, probes), 0);
	SL_ASSERT_EQ(TT_CTR(&c, retrans_segs), 1);
	SL_ASSERT_EQ(TT_CTR(&c, bytes_in), 100);
	/* Writers behind: the buffer fills, the window is zero. */
	n0 = tt_sink.n;
	tt_sink.refuse = true;
	full = tt_stream_cut(stream, 100) + c.rcvbuf;
	TT_OK(fill_buffer(&c, &pr, tt_stream_cut(stream, 100)));
	SL_ASSERT_EQ(tt_gauges(&c).zero_window, 1);
	SL_ASSERT_EQ(TT_CTR(&c, bytes_in), full);
	acks = TT_CTR(&c, acks_sent);
	/* Linux's probe: empty, seq = rcv_nxt - 1. */
	TT_OK(send_ack(&pr, full - 1));
	TT_OK(expect_one_ack(&pr, full, &k));
	SL_ASSERT_EQ(k.win, 0);
	SL_ASSERT_EQ(TT_CTR(&c, probes), 1);
	/* BSD's probe: one new byte at rcv_nxt, not taken. */
	TT_OK(tt_send_data(&pr, stream, full, 1, 0));
	TT_OK(expect_one_ack(&pr, full, &k));
	SL_ASSERT_EQ(k.win, 0);
	SL_ASSERT_EQ(TT_CTR(&c, probes), 2);
	SL_ASSERT_EQ(TT_CTR(&c, acks_sent), acks + 2);
	SL_ASSERT_EQ(TT_CTR(&c, bytes_in), full);
	SL_ASSERT_EQ(tt_sink.n, n0);
	/* Room again: everything, exactly once. */
	tt_sink.refuse = false;
	tt_poll(&c, TT_US(100));
	SL_ASSERT_EQ(tt_take_all(&pr, &k), 1);
	SL_ASSERT(tt_win(&pr, &k) > 0);
	TT_OK(tt_transfer(&pr, stream, full, len, 1448, 500));
	TT_OK(tt_check_delivered(&pr, stream, len));
	SL_ASSERT_EQ(TT_CTR(&c, bytes_in), len);
	SL_ASSERT_EQ(TT_CTR(&c, probes), 2);
	return tt_close(&c);
}

/* ---- 3. Idle with an unfinished message; waiting for the sink is not idle ---- */
static int
test_idle_stores_the_unfinished_message_truncated_then_resets(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	struct sl_tcp_gauges g;

	p.idle_ms = 1000;
	TT_OK(tt_open(&c, &p));
	tt_peer_init(&pr, &c, false, 41010, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	TT_OK(send_str(&pr, 0, "<13>partial", 0));
	SL_ASSERT_EQ(settle(&pr, &k), 1);
	SL_ASSERT_EQ(tt_off(&pr, k.ack), 11);
	SL_ASSERT_EQ(tt_sink.n, 0);
	SL_ASSERT_EQ(tt_gauges(&c).held_mbufs, 1);
	tt_poll(&c, TT_MS(1500));
	SL_ASSERT_EQ(TT_CTR(&c, conn_idle), 1);
	SL_ASSERT_EQ(tt_sink.n, 1);
	SL_ASSERT(tt_msg_is(&tt_sink.msg[0], "<13>partial"));
	SL_ASSERT_EQ(tt_sink.msg[0].flags, SL_REC_F_TRUNCATED);
	SL_ASSERT_EQ(sl_tcp_framing_counters(c.t).val[SL_FRAMING_frames_close], 1);
	SL_ASSERT_EQ(tt_next(&pr, &k), 1);
	SL_ASSERT_EQ(k.flags, TT_RST | TT_ACK);
	SL_ASSERT_EQ(k.seq, pr.iss + 1);
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	SL_ASSERT_EQ(TT_CTR(&c, rst_sent), 1);
	SL_ASSERT_EQ(TT_CTR(&c, msgs), 1);
	g = tt_gauges(&c);
	SL_ASSERT(g.conns == 0 && g.held_mbufs == 0 && g.held_bytes == 0);
	return tt_close(&c);
}

static int
test_idle_does_not_fire_while_blocked_nor_right_after(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };

	p.idle_ms = 1000;
	TT_OK(tt_open(&c, &p));
	tt_peer_init(&pr, &c, false, 41011, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	tt_sink.refuse = true;
	TT_OK(send_str(&pr, 0, "<13>a\n<13>b\n", 0));
	/* Five idle periods while the writers hold it back: no idle. */
	tt_poll(&c, TT_MS(5000));
	while (tt_next(&pr, &k))
		SL_ASSERT_EQ(k.flags, TT_ACK);
	SL_ASSERT_EQ(TT_CTR(&c, conn_idle), 0);
	SL_ASSERT_EQ(TT_CTR(&c, rst_sent), 0);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 1);
	SL_ASSERT_EQ(tt_gauges(&c).blocked, 1);
	SL_ASSERT_EQ(tt_sink.n, 0);
	/* The sink takes them: delivered; the connection stays (it waited,
	 * it was not idle). */
	tt_sink.refuse = false;
	tt_poll(&c, TT_US(100));
	SL_ASSERT_EQ(tt_sink.n, 2);
	SL_ASSERT(tt_msg_is(&tt_sink.msg[0], "<13>a"));
	SL_ASSERT(tt_msg_is(&tt_sink.msg[1], "<13>b"));
	SL_ASSERT_EQ(tt_gauges(&c).blocked, 0);
	tt_poll(&c, TT_MS(500));
	SL_ASSERT_EQ(TT_CTR(&c, conn_idle), 0);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 1);
	while (tt_next(&pr, &k))
		SL_ASSERT(!(k.flags & TT_RST));
	/* Silent for a whole idle period after that: reset as usual. */
	tt_poll(&c, TT_MS(1000));
	SL_ASSERT_EQ(TT_CTR(&c, conn_idle), 1);
	SL_ASSERT_EQ(tt_next(&pr, &k), 1);
	SL_ASSERT_EQ(k.flags, TT_RST | TT_ACK);
	SL_ASSERT_EQ(k.seq, pr.iss + 1);
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	SL_ASSERT_EQ(tt_sink.n, 2);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 0);
	SL_ASSERT_EQ(tt_gauges(&c).held_mbufs, 0);
	return tt_close(&c);
}

/* ---- 4. RST with acknowledged, undelivered data ---- */
static int
test_rst_delivers_what_was_acked_before_the_connection_goes(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	struct tt_opts o;
	uint64_t segs;

	TT_OK(tt_open(&c, &p));
	tt_peer_init(&pr, &c, false, 41020, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	tt_sink.refuse = true;
	TT_OK(send_str(&pr, 0, "<13>one\n<13>two\n", 0));
	SL_ASSERT_EQ(settle(&pr, &k), 1);
	SL_ASSERT_EQ(tt_off(&pr, k.ack), 16);      /* ACKed, not delivered */
	SL_ASSERT_EQ(tt_sink.n, 0);
	/* Exact RST: counted; the connection stays until it has delivered. */
	o = tt_seg_opts(&pr);
	TT_OK(tt_send(&pr, TT_RST | TT_ACK, tt_seq(&pr, 16), tt_ackno(&pr), &o, NULL, 0));
	SL_ASSERT_EQ(TT_CTR(&c, conn_reset), 1);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 1);
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	/* Nothing more is taken from it, nothing answered. */
	segs = TT_CTR(&c, segs_in);
	TT_OK(send_str(&pr, 16, "<13>three\n", 0));
	TT_OK(send_ack(&pr, 16));
	TT_OK(send_str(&pr, 26, "", TT_FIN));
	o = tt_seg_opts(&pr);
	TT_OK(tt_send(&pr, TT_RST, tt_seq(&pr, 5000), 0, &o, NULL, 0));
	SL_ASSERT_EQ(TT_CTR(&c, segs_in), segs + 4);
	SL_ASSERT_EQ(TT_CTR(&c, bytes_in), 16);
	SL_ASSERT_EQ(TT_CTR(&c, drop_challenge), 0);
	tt_poll(&c, TT_MS(5));
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 1);
	/* One message at a time: still there after the first. */
	tt_sink.refuse = false;
	tt_sink.budget = 1;
	tt_poll(&c, TT_US(20));
	SL_ASSERT_EQ(tt_sink.n, 1);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 1);
	tt_sink.budget = UINT32_MAX;
	tt_poll(&c, TT_US(20));
	SL_ASSERT_EQ(tt_sink.n, 2);
	SL_ASSERT(tt_msg_is(&tt_sink.msg[0], "<13>one"));
	SL_ASSERT(tt_msg_is(&tt_sink.msg[1], "<13>two"));
	SL_ASSERT_EQ(tt_sink.msg[1].flags, 0);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 0);
	SL_ASSERT_EQ(tt_gauges(&c).blocked, 0);
	SL_ASSERT_EQ(tt_gauges(&c).held_mbufs, 0);
	SL_ASSERT_EQ(tt_pending_all(), 0);         /* no RST, no FIN of ours */
	SL_ASSERT_EQ(TT_CTR(&c, rst_sent), 0);
	SL_ASSERT_EQ(TT_CTR(&c, conn_reset), 1);
	SL_ASSERT_EQ(TT_CTR(&c, msgs), 2);
	return tt_close(&c);
}

/* ---- 5. Blind injection: an ACK older than our ISN ---- */
static int
test_data_with_an_impossible_ack_is_challenged_not_delivered(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	struct tt_opts o;
	static const char m[] = "<13>forged line\n";
	const uint32_t bad[] = { 0x40000000u, 1, (uint32_t)-1 }; /* snd_nxt - x */
	unsigned int i;

	TT_OK(tt_open(&c, &p));
	tt_peer_init(&pr, &c, false, 41030, TT_PORT, TT_OFFER_MSS);
	TT_OK(tt_handshake(&pr));
	/* snd_nxt - 2^30, iss (just below iss + 1), iss + 2 (never sent). */
	for (i = 0; i < 3; i++) {
		o = tt_seg_opts(&pr);
		TT_OK(tt_send(&pr, TT_ACK | TT_PSH, tt_seq(&pr, 0), tt_ackno(&pr) - bad[i], &o, m,
			      sizeof(m) - 1));
		SL_ASSERT_EQ(TT_CTR(&c, drop_challenge), i + 1);
		TT_OK(expect_one_ack(&pr, 0, &k));
		SL_ASSERT_EQ(k.seq, pr.iss + 1);
	}
	tt_poll(&c, TT_MS(5));
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	SL_ASSERT_EQ(tt_sink.n, 0);
	SL_ASSERT_EQ(TT_CTR(&c, bytes_in), 0);
	SL_ASSERT_EQ(tt_gauges(&c).held_mbufs, 0);
	/* The real sender's segment is taken. */
	TT_OK(send_str(&pr, 0, m, 0));
	SL_ASSERT_EQ(tt_sink.n, 1);
	SL_ASSERT(tt_msg_is(&tt_sink.msg[0], "<13>forged line"));
	SL_ASSERT_EQ(TT_CTR(&c, drop_challenge), 3);
	return tt_close(&c);
}

/* ---- 6. Out-of-order memory ---- */
static int
test_contiguous_out_of_order_bytes_share_a_buffer(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	static const char m[] = "<13>0123456789abcdefghijklmnopqrstuvwxyz\n";  /* 41 bytes */
	uint32_t i;

	TT_OK(tt_open(&c, &p));
	tt_peer_init(&pr, &c, false, 41040, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	/* Hole [0, 11); bytes 11..40 one per segment. */
	for (i = 11; i < 41; i++) {
		TT_OK(send_bytes(&pr, i, m + i, 1, 0));
		TT_OK(expect_one_ack(&pr, 0, &k));
		SL_ASSERT_EQ(k.nsack, 1);
		SL_ASSERT(has_sack(&pr, &k, 11, i + 1));
	}
	SL_ASSERT_EQ(TT_CTR(&c, ooo_segs), 30);
	SL_ASSERT_EQ(TT_CTR(&c, ooo_bytes), 30);
	SL_ASSERT_EQ(tt_gauges(&c).held_mbufs, 1);
	SL_ASSERT_EQ(tt_gauges(&c).held_bytes, RTE_MBUF_DEFAULT_BUF_SIZE);
	/* The hole fills: one message, an ACK at once, nothing held. */
	TT_OK(send_bytes(&pr, 0, m, 11, 0));
	SL_ASSERT_EQ(tt_sink.n, 1);
	SL_ASSERT(tt_msg_is(&tt_sink.msg[0], "<13>0123456789abcdefghijklmnopqrstuvwxyz"));
	TT_OK(expect_one_ack(&pr, 41, &k));
	SL_ASSERT_EQ(k.nsack, 0);
	SL_ASSERT_EQ(TT_CTR(&c, bytes_in), 41);
	SL_ASSERT_EQ(tt_gauges(&c).held_mbufs, 0);
	return tt_close(&c);
}

static int
test_out_of_order_memory_is_capped_at_half_the_buffer(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	struct sl_tcp_gauges g;
	const uint32_t s = 1448, bl = RTE_MBUF_DEFAULT_BUF_SIZE;
	uint32_t i, fit;

	p.rcvbuf = 64 * 1024;              /* 67584 with max_msg 2048 */
	TT_OK(tt_open(&c, &p));
	fit = c.rcvbuf / 2 / bl;           /* 15 buffers */
	SL_ASSERT(fit < 20);
	tt_stream(stream, 21 * s, 22);
	tt_peer_init(&pr, &c, false, 41041, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	/* Hole [0, s); islands 1..20 (in the window, well under ooo_max). */
	for (i = 1; i <= 20; i++) {
		TT_OK(tt_send_data(&pr, stream, i * s, s, 0));
		TT_OK(expect_one_ack(&pr, 0, &k));
	}
	SL_ASSERT_EQ(TT_CTR(&c, ooo_segs), fit);
	SL_ASSERT_EQ(TT_CTR(&c, drop_ooo_full), 20 - fit);
	SL_ASSERT_EQ(k.nsack, 1);
	SL_ASSERT(has_sack(&pr, &k, s, (fit + 1) * s));
	g = tt_gauges(&c);
	SL_ASSERT_EQ(g.held_mbufs, fit);
	SL_ASSERT_EQ(g.held_bytes, (uint64_t)fit * bl);
	SL_ASSERT(g.held_bytes <= c.rcvbuf / 2);
	/* The sender retransmits in order: all of it, once. */
	TT_OK(tt_transfer(&pr, stream, 0, 21 * s, s, 100));
	TT_OK(tt_check_delivered(&pr, stream, 21 * s));
	SL_ASSERT_EQ(TT_CTR(&c, bytes_in), 21 * s);
	SL_ASSERT_EQ(tt_gauges(&c).held_mbufs, 0);
	return tt_close(&c);
}

/* ---- 7. Our FIN when no mbuf can be had ---- */
static int
test_fin_not_built_is_resent_with_its_own_sequence_number(void)
{
	struct sl_tcp_params p = tt_params();
	struct rte_mempool *small;
	struct rte_mbuf *hog[64];
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	struct tt_opts o;
	unsigned int nh = 0, i;

	small = rte_pktmbuf_pool_create("tte_tx63", 63, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					SOCKET_ID_ANY);
	SL_ASSERT(small != NULL);
	p.pool = small;
	p.idle_ms = 3600 * 1000;
	TT_OK(tt_open(&c, &p));
	tt_peer_init(&pr, &c, false, 41050, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	TT_OK(send_str(&pr, 0, "<13>x\n", 0));
	SL_ASSERT_EQ(settle(&pr, &k), 1);
	SL_ASSERT_EQ(tt_off(&pr, k.ack), 6);
	/* No mbuf for what the stage sends. */
	while (nh < 64 && (hog[nh] = rte_pktmbuf_alloc(small)) != NULL)
		nh++;
	SL_ASSERT_EQ(rte_mempool_avail_count(small), 0);
	TT_OK(send_str(&pr, 6, "", TT_FIN));
	SL_ASSERT_EQ(TT_CTR(&c, conn_closed), 1);
	SL_ASSERT_EQ(TT_CTR(&c, drop_tx_full), 1);     /* our FIN */
	tt_poll(&c, TT_MS(5));
	SL_ASSERT_EQ(TT_CTR(&c, drop_tx_full), 2);     /* the delayed ACK of the peer's FIN */
	SL_ASSERT_EQ(tt_pending_all(), 0);
	for (i = 0; i < nh; i++)
		rte_pktmbuf_free(hog[i]);
	tt_poll(&c, TT_MS(5));
	SL_ASSERT_EQ(tt_pending_all(), 0);
	/* The peer sends its FIN again (ACK iss + 1): our FIN goes, at iss + 1. */
	o = tt_seg_opts(&pr);
	TT_OK(tt_send(&pr, TT_FIN | TT_ACK, tt_seq(&pr, 6), pr.iss + 1, &o, NULL, 0));
	SL_ASSERT_EQ(tt_next(&pr, &k), 1);
	SL_ASSERT_EQ(k.flags, TT_FIN | TT_ACK);
	SL_ASSERT_EQ(k.seq, pr.iss + 1);
	SL_ASSERT_EQ(tt_off(&pr, k.ack), 7);
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	SL_ASSERT_EQ(TT_CTR(&c, fin_retrans), 1);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 1);
	/* An ACK of iss + 1 does not ACK our FIN. */
	TT_OK(send_ack_no(&pr, 7, pr.iss + 1));
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 1);
	/* The retransmit timer: the same FIN, iss + 1 again. */
	tt_poll(&c, TT_MS(250));
	SL_ASSERT_EQ(tt_next(&pr, &k), 1);
	SL_ASSERT_EQ(k.flags, TT_FIN | TT_ACK);
	SL_ASSERT_EQ(k.seq, pr.iss + 1);
	SL_ASSERT_EQ(tt_off(&pr, k.ack), 7);
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	SL_ASSERT_EQ(TT_CTR(&c, fin_retrans), 2);
	TT_OK(send_ack_no(&pr, 7, pr.iss + 1));
	SL_ASSERT_EQ(tt_gauges(&c).conns, 1);
	/* The ACK of iss + 2: gone, nothing sent. */
	TT_OK(send_ack_no(&pr, 7, pr.iss + 2));
	SL_ASSERT_EQ(tt_gauges(&c).conns, 0);
	SL_ASSERT_EQ(tt_pending_all(), 0);
	SL_ASSERT_EQ(TT_CTR(&c, rst_sent), 0);
	SL_ASSERT_EQ(TT_CTR(&c, drop_challenge), 0);
	SL_ASSERT_EQ(TT_CTR(&c, drop_tx_full), 2);
	SL_ASSERT_EQ(tt_sink.n, 1);
	TT_OK(tt_close(&c));
	SL_ASSERT_EQ(rte_mempool_in_use_count(small), 0);
	rte_mempool_free(small);
	return 0;
}

/* ---- 8. The window edge does not creep while held back ---- */
static int
test_window_edge_does_not_creep_while_held_back(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	static const uint32_t odd[] = { 1447, 999, 301, 77, 13, 5, 3, 1 };
	const uint32_t len = 300000;
	uint32_t off = 0, bound, max_ack = 0;
	unsigned int rounds, j = 0;

	p.rcvbuf = 64 * 1024;
	p.framing.max_msg = 512;
	TT_OK(tt_open(&c, &p));
	SL_ASSERT_EQ(c.rcvbuf, 66048);
	tt_stream(stream, len, 23);
	tt_peer_init(&pr, &c, false, 41060, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	SL_ASSERT_EQ(pr.ws, 1);
	bound = c.rcvbuf + (1u << pr.ws);  /* nothing is consumed: the sink refuses */
	tt_sink.refuse = true;
	for (rounds = 0; rounds < 300; rounds++) {
		uint32_t edge = tt_edge_off(&pr);

		/* Odd-sized segments up to the edge, then a 1-byte probe past it. */
		while (TT_SEQ_LT(off, edge)) {
			uint32_t n = RTE_MIN(odd[j++ % SL_DIM(odd)], edge - off);

			TT_OK(tt_send_data(&pr, stream, off, n, 0));
			off += n;
			tt_take_all(&pr, NULL);
		}
		TT_OK(tt_send_data(&pr, stream, off, 1, 0));
		settle(&pr, NULL);
		off = tt_ack_off(&pr);
		max_ack = RTE_MAX(max_ack, tt_ack_off(&pr));
		if (max_ack > bound)
			SL_FAIL("round %u: acked %u, bound %u", rounds, max_ack, bound);
	}
	SL_ASSERT(max_ack >= c.rcvbuf);
	SL_ASSERT_EQ(TT_CTR(&c, bytes_in), tt_ack_off(&pr));
	SL_ASSERT(TT_CTR(&c, probes) >= 200);
	SL_ASSERT_EQ(tt_sink.n, 0);
	/* Room again: all of it, once. */
	tt_sink.refuse = false;
	tt_poll(&c, TT_US(100));
	tt_take_all(&pr, NULL);
	TT_OK(tt_transfer(&pr, stream, tt_ack_off(&pr), len, 1448, 500));
	TT_OK(tt_check_delivered(&pr, stream, len));
	SL_ASSERT_EQ(TT_CTR(&c, bytes_in), len);
	return tt_close(&c);
}

/* The other half of 8: rounding to the scale pulls the edge back by less
 * than one unit at most (held back, one byte at a time: ACKs at 1000,
 * 1001, 1002, ...), and the window still closes to zero once the buffer is
 * full (sl_tcp.h). */
static int
test_window_edge_never_moves_back_and_still_closes(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	uint32_t off, edge;

	p.rcvbuf = 64 * 1024;
	p.framing.max_msg = 512;
	TT_OK(tt_open(&c, &p));
	tt_stream(stream, 100000, 27);
	tt_peer_init(&pr, &c, false, 41061, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	tt_sink.refuse = true;
	TT_OK(tt_send_data(&pr, stream, 0, 1000, 0));
	SL_ASSERT_EQ(settle(&pr, &k), 1);
	SL_ASSERT_EQ(tt_ack_off(&pr), 1000);
	SL_ASSERT_EQ(tt_edge_off(&pr), c.rcvbuf);
	edge = c.rcvbuf;
	for (off = 1000; off < 1010; off++) {
		TT_OK(tt_send_data(&pr, stream, off, 1, 0));
		SL_ASSERT_EQ(settle(&pr, &k), 1);
		SL_ASSERT_EQ(tt_ack_off(&pr), off + 1);
		if (TT_SEQ_LT(tt_edge_off(&pr) + (1u << pr.ws) - 1, edge))
			SL_FAIL("ACK of %u: edge %u, was %u", off + 1, tt_edge_off(&pr), edge);
		edge = tt_edge_off(&pr);
	}
	TT_OK(fill_buffer(&c, &pr, 0));
	tt_sink.refuse = false;
	tt_poll(&c, TT_US(100));
	tt_take_all(&pr, NULL);
	TT_OK(tt_transfer(&pr, stream, tt_ack_off(&pr), 100000, 1448, 500));
	TT_OK(tt_check_delivered(&pr, stream, 100000));
	return tt_close(&c);
}

/* ---- 9. RST after the peer's FIN, while delivery waits ---- */
static int
test_rst_one_past_an_unacked_fin_is_exact(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	struct tt_opts o;

	TT_OK(tt_open(&c, &p));
	tt_peer_init(&pr, &c, false, 41070, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	tt_sink.refuse = true;
	TT_OK(send_str(&pr, 0, "<13>one\n<13>two\n", TT_FIN));   /* FIN at 16 */
	SL_ASSERT_EQ(TT_CTR(&c, conn_closed), 1);
	SL_ASSERT_EQ(settle(&pr, &k), 1);
	SL_ASSERT_EQ(k.flags, TT_ACK);
	SL_ASSERT_EQ(tt_off(&pr, k.ack), 16);     /* the FIN not yet */
	/* The peer gives up: its RST follows its FIN (seq fin + 1). */
	o = tt_seg_opts(&pr);
	TT_OK(tt_send(&pr, TT_RST, tt_seq(&pr, 17), 0, &o, NULL, 0));
	SL_ASSERT_EQ(TT_CTR(&c, conn_reset), 1);
	SL_ASSERT_EQ(TT_CTR(&c, drop_challenge), 0);
	SL_ASSERT_EQ(tt_pending(&pr), 0);
	SL_ASSERT_EQ(tt_gauges(&c).conns, 1);
	SL_ASSERT_EQ(tt_sink.n, 0);
	tt_sink.refuse = false;
	tt_poll(&c, TT_US(100));
	SL_ASSERT_EQ(tt_sink.n, 2);
	SL_ASSERT(tt_msg_is(&tt_sink.msg[0], "<13>one"));
	SL_ASSERT(tt_msg_is(&tt_sink.msg[1], "<13>two"));
	SL_ASSERT_EQ(tt_gauges(&c).conns, 0);
	SL_ASSERT_EQ(tt_gauges(&c).held_mbufs, 0);
	SL_ASSERT_EQ(tt_pending_all(), 0);        /* no FIN, no RST of ours */
	SL_ASSERT_EQ(TT_CTR(&c, rst_sent), 0);
	SL_ASSERT_EQ(TT_CTR(&c, conn_reset), 1);
	return tt_close(&c);
}

/* ---- 10./11. Out-of-order FIN; data beyond it; the in-order queue's size ---- */
static int
test_out_of_order_pure_fin_is_acked_and_nothing_follows_it(void)
{
	struct sl_tcp_params p = tt_params();
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };

	TT_OK(tt_open(&c, &p));
	tt_stream(stream, 2000, 24);
	tt_stream(stream + 2000, 500, 25);        /* what a bad peer sends after its FIN */
	tt_peer_init(&pr, &c, false, 41080, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	TT_OK(tt_send_data(&pr, stream, 0, 1000, 0));
	SL_ASSERT_EQ(tt_pending(&pr), 0);          /* delayed */
	/* A pure FIN at 2000, beyond the hole [1000, 2000): ACKed at once. */
	TT_OK(send_str(&pr, 2000, "", TT_FIN));
	TT_OK(expect_one_ack(&pr, 1000, &k));
	SL_ASSERT_EQ(k.nsack, 0);
	SL_ASSERT_EQ(TT_CTR(&c, conn_closed), 0);
	/* Data after the FIN: not taken, ACKed. */
	TT_OK(tt_send_data(&pr, stream, 2000, 100, 0));
	TT_OK(expect_one_ack(&pr, 1000, &k));
	SL_ASSERT_EQ(TT_CTR(&c, drop_window), 1);
	SL_ASSERT_EQ(tt_gauges(&c).held_mbufs, 1); /* the in-order [0, 1000) tail */
	/* The hole filled by a segment running past the FIN: cut at the FIN,
	 * which is now in order. */
	TT_OK(tt_send_data(&pr, stream, 1000, 1500, 0));
	SL_ASSERT_EQ(TT_CTR(&c, bytes_in), 2000);
	SL_ASSERT_EQ(TT_CTR(&c, conn_closed), 1);
	TT_OK(tt_check_delivered(&pr, stream, 2000));
	TT_OK(expect_our_fin(&c, &pr, 2000));
	TT_OK(send_ack(&pr, 2001));
	SL_ASSERT_EQ(tt_gauges(&c).conns, 0);
	SL_ASSERT_EQ(tt_pending_all(), 0);
	SL_ASSERT_EQ(TT_CTR(&c, rst_sent), 0);
	return tt_close(&c);
}

/* Send stream [off, off + len) built in buffers of pool @p mp. */
static int
send_in(struct tt_peer *pr, struct rte_mempool *mp, uint32_t off, uint32_t len)
{
	struct tt_opts o = tt_seg_opts(pr);
	struct sl_dgram dg;

	if (tt_build(&dg, mp, &pr->a, TT_ACK | TT_PSH, tt_seq(pr, off), tt_ackno(pr), 65535, &o,
		     stream + off, len, 0) != 0)
		return -ENOMEM;
	tt_input(pr->c, &dg, 1);
	return 0;
}

static int
test_in_order_queue_stays_within_the_spans_framing_sees(void)
{
	struct sl_tcp_params p = tt_params();
	struct rte_mempool *mp;
	struct tt_ctx c;
	struct tt_peer pr;
	struct tt_pkt k = { 0 };
	const uint32_t s = 1448, nseg = 26, len = nseg * s;
	uint32_t i, span_max, per;
	uint64_t drops;

	/* 192-byte buffers: a 1448-byte segment is a chain of 8, none with
	 * room for the next: the queue holds many buffers for few bytes. */
	mp = rte_pktmbuf_pool_create("tte_p192", 2047, 0, 0, RTE_PKTMBUF_HEADROOM + 192,
				     SOCKET_ID_ANY);
	SL_ASSERT(mp != NULL);
	p.rcvbuf = 64 * 1024;
	p.framing.max_msg = 512;
	p.ooo_max = 64;
	TT_OK(tt_open(&c, &p));
	span_max = c.t->span_max;
	tt_stream(stream, len, 26);
	tt_peer_init(&pr, &c, false, 41090, TT_PORT, TT_OFFER_ALL);
	TT_OK(tt_handshake(&pr));
	tt_sink.refuse = true;
	/* In order [0, 16 s): 128 buffers held. */
	for (i = 0; i < 16; i++) {
		TT_OK(send_in(&pr, mp, i * s, s));
		tt_take_all(&pr, NULL);
	}
	per = tt_gauges(&c).held_mbufs / 16;
	SL_ASSERT_EQ(per, 8);
	SL_ASSERT_EQ(tt_gauges(&c).held_mbufs, 16 * per);
	/* Hole [16 s, 17 s); islands 17.. until ooo_max is full. */
	for (i = 17; i < nseg; i++) {
		TT_OK(send_in(&pr, mp, i * s, s));
		tt_take_all(&pr, NULL);
		SL_ASSERT(tt_gauges(&c).held_mbufs <= span_max);
	}
	/* ooo_max reached: the last island is not kept. */
	SL_ASSERT_EQ(TT_CTR(&c, ooo_segs), p.ooo_max / per);
	SL_ASSERT_EQ(TT_CTR(&c, drop_ooo_full) + TT_CTR(&c, drop_mem), 1);
	SL_ASSERT_EQ(tt_gauges(&c).held_mbufs, 16 * per + p.ooo_max);
	SL_ASSERT(16 * per + p.ooo_max + per > span_max);
	SL_ASSERT(16 * per + per <= span_max);
	/* The hole's segment would put more buffers in order than framing
	 * sees at once: not taken now (the sender retransmits). */
	drops = TT_CTR(&c, drop_mem);
	TT_OK(send_in(&pr, mp, 16 * s, s));
	SL_ASSERT_EQ(TT_CTR(&c, drop_mem), drops + 1);
	TT_OK(expect_one_ack(&pr, 16 * s, &k));
	SL_ASSERT(has_sack(&pr, &k, 17 * s, (17 + p.ooo_max / per) * s));
	SL_ASSERT(tt_gauges(&c).held_mbufs <= span_max);
	/* The writers catch up; the sender retransmits: everything, once. */
	tt_sink.refuse = false;
	tt_poll(&c, TT_US(100));
	tt_take_all(&pr, NULL);
	SL_ASSERT(tt_gauges(&c).held_mbufs <= span_max);
	TT_OK(tt_transfer(&pr, stream, tt_ack_off(&pr), len, s, 200));
	TT_OK(tt_check_delivered(&pr, stream, len));
	SL_ASSERT_EQ(TT_CTR(&c, bytes_in), len);
	TT_OK(send_str(&pr, len, "", TT_FIN));
	TT_OK(expect_our_fin(&c, &pr, len));
	TT_OK(send_ack(&pr, len + 1));
	SL_ASSERT_EQ(tt_gauges(&c).conns, 0);
	SL_ASSERT_EQ(tt_gauges(&c).held_mbufs, 0);
	TT_OK(tt_close(&c));
	SL_ASSERT_EQ(rte_mempool_in_use_count(mp), 0);
	rte_mempool_free(mp);
	return 0;
}

static const struct sl_test_case cases[] = {
	SL_TEST(test_keepalive_and_zero_window_probes_are_acked),
	SL_TEST(test_idle_stores_the_unfinished_message_truncated_then_resets),
	SL_TEST(test_idle_does_not_fire_while_blocked_nor_right_after),
	SL_TEST(test_rst_delivers_what_was_acked_before_the_connection_goes),
	SL_TEST(test_data_with_an_impossible_ack_is_challenged_not_delivered),
	SL_TEST(test_contiguous_out_of_order_bytes_share_a_buffer),
	SL_TEST(test_out_of_order_memory_is_capped_at_half_the_buffer),
	SL_TEST(test_fin_not_built_is_resent_with_its_own_sequence_number),
	SL_TEST(test_window_edge_does_not_creep_while_held_back),
	SL_TEST(test_window_edge_never_moves_back_and_still_closes),
	SL_TEST(test_rst_one_past_an_unacked_fin_is_exact),
	SL_TEST(test_out_of_order_pure_fin_is_acked_and_nothing_follows_it),
	SL_TEST(test_in_order_queue_stays_within_the_spans_framing_sees),
};

int
main(int argc, char **argv)
{
	return sl_test_main(argc, argv, cases, SL_DIM(cases), true);
}

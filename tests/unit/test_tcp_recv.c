/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP stage, against the contract of sl_tcp.h: the receive path. In-order
 * data and ACK timing, out of order and SACK, overlaps, sequence
 * wraparound, PAWS, the window under backpressure, memory caps.
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

/* Run the delayed-ACK timer; take every packet for the peer; *k = the last. */
static unsigned int
settle(struct tt_peer *pr, struct tt_pkt *k)
{
	tt_poll(pr->c, TT_US(2 * pr->c->p.delack_us));
	return tt_take_all(pr, k);
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

static const struct sl_test_case cases[] = {
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
};


int
main(int argc, char **argv)
{
	return sl_test_main(argc, argv, cases, SL_DIM(cases), true);
}

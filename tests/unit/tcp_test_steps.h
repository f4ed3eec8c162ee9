/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Steps the TCP stage's suites (test_tcp.c, test_tcp_recv.c,
 * test_tcp_close.c) share, on top of the peer of tcp_test_util.h: send a
 * pure ACK or data at a stream offset, look for a SACK block, expect one
 * ACK, expect the answer to the peer's FIN. test_tcp_edge.c has its own
 * variants of some of them under the same names, so they are not in
 * tcp_test_util.h.
 */
#ifndef TCP_TEST_STEPS_H
#define TCP_TEST_STEPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sl_test.h"
#include "tcp_test_util.h"

/* Pure ACK from the peer at stream offset @p off. */
static inline int
send_ack(struct tt_peer *pr, uint32_t off)
{
	struct tt_opts o = tt_seg_opts(pr);

	return tt_send(pr, TT_ACK, tt_seq(pr, off), tt_ackno(pr), &o, NULL, 0);
}

/* Send @p len bytes as data at stream offset @p off (flags ACK|PSH | @p extra). */
static inline int
send_bytes(struct tt_peer *pr, uint32_t off, const void *b, uint32_t len, uint8_t extra)
{
	struct tt_opts o = tt_seg_opts(pr);

	return tt_send(pr, (uint8_t)(TT_ACK | TT_PSH | extra), tt_seq(pr, off), tt_ackno(pr),
		       &o, b, len);
}

/* Send a C string as data at stream offset @p off. */
static inline int
send_str(struct tt_peer *pr, uint32_t off, const char *s, uint8_t extra)
{
	return send_bytes(pr, off, s, (uint32_t)strlen(s), extra);
}

/* Is [l, r) (stream offsets) one of the SACK blocks of @p k? */
static inline bool
has_sack(const struct tt_peer *pr, const struct tt_pkt *k, uint32_t l, uint32_t r)
{
	unsigned int i;

	for (i = 0; i < k->nsack; i++)
		if (k->sack[i][0] == tt_seq(pr, l) && k->sack[i][1] == tt_seq(pr, r))
			return true;
	return false;
}

static inline void
print_sack(const struct tt_peer *pr, const struct tt_pkt *k)
{
	unsigned int i;

	fprintf(stderr, "# ack %u, %u SACK blocks:", tt_off(pr, k->ack), k->nsack);
	for (i = 0; i < k->nsack; i++)
		fprintf(stderr, " [%u,%u)", tt_off(pr, k->sack[i][0]), tt_off(pr, k->sack[i][1]));
	fputc('\n', stderr);
}

/* Exactly one packet for the peer: an ACK of @p ack_off; *k filled. */
static inline int
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

/*
 * After the peer's FIN at stream offset @p fin_off: take the stage's
 * answer (an ACK of the FIN and our FIN, or one FIN|ACK), running the
 * timers once if needed. @return 0 with *fin the FIN.
 */
static inline int
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

#endif /* TCP_TEST_STEPS_H */

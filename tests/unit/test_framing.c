/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Framing stage (RFC 6587): exact frames and counters for octet counting,
 * LF/CRLF/NUL lines, bytes between messages, bad prefixes, truncation of
 * both framings with the skip spanning calls, close() in every state, the
 * "same frame again" contract, a one-byte-at-a-time feed, and a
 * randomized differential run against generated streams. Every span lives
 * in its own exactly-sized heap buffer so ASan sees any read past it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sl_test.h"
#include "sl_common.h"
#include "sl_framing.h"
#include "sl_record.h"

#define TR SL_REC_F_TRUNCATED
#define FE SL_REC_F_FRAMING_ERR

#define FRAME_EQ(f, o, l, ol, c, fl, hm) do { \
	SL_ASSERT_EQ((f).off, (o)); \
	SL_ASSERT_EQ((f).len, (l)); \
	SL_ASSERT_EQ((f).orig_len, (ol)); \
	SL_ASSERT_EQ((f).consume, (c)); \
	SL_ASSERT_EQ((f).flags, (fl)); \
	SL_ASSERT_EQ((f).has_msg, (hm)); \
} while (0)

#define CTR_EQ(ctr, name, v) SL_ASSERT_EQ((ctr)[SL_FRAMING_ ## name], (v))

static const struct sl_framing_cfg cfg_big = { .max_msg = 65536, .max_frame = 0 };

/* ---- one contiguous stream, fed by hand ---- */

/* A stream in an exactly-sized heap buffer, consumed from the front. */
struct one {
	struct sl_framer st;
	struct sl_framing_cfg cfg;
	uint64_t ctr[SL_FRAMING_NB_CTR];
	uint8_t *buf;
	uint32_t len, pos;
	struct sl_frame f;
};

static void
one_init(struct one *o, const struct sl_framing_cfg *cfg, const void *s, uint32_t n)
{
	memset(o, 0, sizeof(*o));
	o->cfg = *cfg;
	o->buf = malloc(n ? n : 1);
	if (o->buf == NULL)
		abort();
	memcpy(o->buf, s, n);
	o->len = n;
}

static void
one_free(struct one *o)
{
	free(o->buf);
	o->buf = NULL;
}

/* next() on the unconsumed bytes, up to @upto bytes of them (all: ~0u). */
static enum sl_frame_result
one_next_upto(struct one *o, uint32_t upto)
{
	struct sl_iov sp = { o->buf + o->pos, o->len - o->pos };

	if (sp.len > upto)
		sp.len = upto;
	return sl_framer_next(&o->st, &o->cfg, &sp, 1, &o->f);
}

static enum sl_frame_result
one_next(struct one *o)
{
	return one_next_upto(o, ~0u);
}

static enum sl_frame_result
one_close(struct one *o)
{
	struct sl_iov sp = { o->buf + o->pos, o->len - o->pos };

	return sl_framer_close(&o->st, &o->cfg, &sp, 1, &o->f);
}

static void
one_commit(struct one *o)
{
	sl_framer_commit(&o->st, &o->f, o->ctr);
	o->pos += o->f.consume;
}

static int
one_msg_is(const struct one *o, const char *want)
{
	return o->f.len == strlen(want) &&
		memcmp(o->buf + o->pos + o->f.off, want, o->f.len) == 0;
}

#define MSG_EQ(o, want) do { \
	if (!one_msg_is((o), (want))) \
		SL_FAIL("message is \"%.*s\", expected \"%s\"", (int)(o)->f.len, \
			(const char *)(o)->buf + (o)->pos + (o)->f.off, (want)); \
} while (0)

static int
test_lf_line_is_framed_without_its_terminator(void)
{
	struct one o;

	one_init(&o, &cfg_big, "hello world\n", 12);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 11, 11, 12, 0, 1);
	MSG_EQ(&o, "hello world");
	one_commit(&o);
	CTR_EQ(o.ctr, frames_lf, 1);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_MORE);
	SL_ASSERT_EQ(one_close(&o), SL_FRAME_MORE);
	one_free(&o);
	return 0;
}

static int
test_crlf_drops_exactly_one_cr(void)
{
	struct one o;

	one_init(&o, &cfg_big, "ab\r\nx\r\r\n", 8);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 2, 2, 4, 0, 1);
	MSG_EQ(&o, "ab");
	one_commit(&o);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 2, 2, 4, 0, 1);
	MSG_EQ(&o, "x\r");
	one_commit(&o);
	CTR_EQ(o.ctr, frames_lf, 2);
	SL_ASSERT_EQ(o.pos, 8);
	one_free(&o);
	return 0;
}

static int
test_nul_terminates_and_keeps_a_cr_before_it(void)
{
	struct one o;

	one_init(&o, &cfg_big, "abc\0de\r\0", 8);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 3, 3, 4, 0, 1);
	one_commit(&o);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 3, 3, 4, 0, 1);
	MSG_EQ(&o, "de\r");
	one_commit(&o);
	CTR_EQ(o.ctr, frames_nul, 2);
	CTR_EQ(o.ctr, frames_lf, 0);
	one_free(&o);
	return 0;
}

static int
test_octet_counted_body_is_stored_exactly(void)
{
	static const char s[] = "10 <13>a\nb\0\r\n" "1 <";
	struct one o;

	one_init(&o, &cfg_big, s, sizeof(s) - 1);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 3, 10, 10, 13, 0, 1);
	SL_ASSERT_MEM_EQ(o.buf + o.f.off, "<13>a\nb\0\r\n", 10);
	one_commit(&o);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 2, 1, 1, 3, 0, 1);
	MSG_EQ(&o, "<");
	one_commit(&o);
	CTR_EQ(o.ctr, frames_octet, 2);
	CTR_EQ(o.ctr, frames_lf, 0);
	CTR_EQ(o.ctr, empty_bytes, 0);
	one_free(&o);
	return 0;
}

static int
test_octet_prefix_needs_digits_space_and_lt(void)
{
	static const char s[] = "10 <13>hellox";
	struct one o;
	uint32_t k;

	one_init(&o, &cfg_big, s, 13);
	for (k = 0; k < 13; k++)
		SL_ASSERT_EQ(one_next_upto(&o, k), SL_FRAME_MORE);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 3, 10, 10, 13, 0, 1);
	MSG_EQ(&o, "<13>hellox");
	one_free(&o);
	return 0;
}

static int
test_digits_not_followed_by_lt_are_a_line(void)
{
	static const char s[] = "12 apples\n" "0 <13>zero\n" "007 <1>x\n"
		"123456789012345678901 <21 digits\n" "1700000000 epoch\n" "42\n";
	static const char *const want[] = { "12 apples", "0 <13>zero", "007 <1>x",
		"123456789012345678901 <21 digits", "1700000000 epoch", "42" };
	struct one o;
	unsigned i;

	one_init(&o, &cfg_big, s, sizeof(s) - 1);
	for (i = 0; i < SL_DIM(want); i++) {
		SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
		FRAME_EQ(o.f, 0, strlen(want[i]), strlen(want[i]), strlen(want[i]) + 1, 0, 1);
		MSG_EQ(&o, want[i]);
		one_commit(&o);
	}
	CTR_EQ(o.ctr, frames_lf, SL_DIM(want));
	CTR_EQ(o.ctr, bad_prefix, 0);
	SL_ASSERT_EQ(o.pos, sizeof(s) - 1);
	one_free(&o);
	return 0;
}

static int
test_bad_prefix_ten_digits_is_stored_flagged_and_resyncs(void)
{
	static const char s[] = "1234567890 <13>too long\n" "12345678901234567890 <x\0"
		"6 <13>hi";
	struct one o;

	one_init(&o, &cfg_big, s, sizeof(s) - 1);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 23, 23, 24, FE, 1);
	MSG_EQ(&o, "1234567890 <13>too long");
	one_commit(&o);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 23, 23, 24, FE, 1);
	MSG_EQ(&o, "12345678901234567890 <x");
	one_commit(&o);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 2, 6, 6, 8, 0, 1);
	one_commit(&o);
	CTR_EQ(o.ctr, bad_prefix, 2);
	CTR_EQ(o.ctr, frames_lf, 1);
	CTR_EQ(o.ctr, frames_nul, 1);
	CTR_EQ(o.ctr, frames_octet, 1);
	one_free(&o);
	return 0;
}

static int
test_bad_prefix_over_max_frame(void)
{
	static const struct sl_framing_cfg small = { .max_msg = 65536, .max_frame = 100 };
	static const char s[] = "101 <13>x\r\n" "16777217 <y\n";
	struct one o;

	one_init(&o, &small, s, sizeof(s) - 1);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 9, 9, 11, FE, 1);
	MSG_EQ(&o, "101 <13>x");
	one_commit(&o);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 11, 11, 12, FE, 1);
	one_commit(&o);
	CTR_EQ(o.ctr, bad_prefix, 2);
	one_free(&o);

	/* Default max_frame is 16 MiB: 16777216 is a count, 16777217 is not. */
	one_init(&o, &cfg_big, s + 11, sizeof(s) - 12);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 11, 11, 12, FE, 1);
	one_free(&o);
	one_init(&o, &cfg_big, "16777216 <y\n", 12);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_MORE);
	o.cfg.max_msg = 2;
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 9, 2, 16777216, 11, TR, 1);
	MSG_EQ(&o, "<y");
	one_free(&o);

	/* With max_frame 4 GiB - 1, 9 digits are a count, 10 never are. */
	one_init(&o, &(struct sl_framing_cfg){ .max_msg = 4, .max_frame = UINT32_MAX },
		 "999999999 <abcd1000000000 <x\n", 30);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 10, 4, 999999999, 14, TR, 1);
	one_free(&o);
	one_init(&o, &(struct sl_framing_cfg){ .max_msg = 40, .max_frame = UINT32_MAX },
		 "1000000000 <x\n", 14);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 13, 13, 14, FE, 1);
	one_free(&o);
	return 0;
}

static int
test_bytes_between_messages_are_empty_frames(void)
{
	static const char s[] = "\r\n\0\nabc\n\n\n6 <13>hi\r\n";
	struct one o;

	one_init(&o, &cfg_big, s, sizeof(s) - 1);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 0, 0, 4, 0, 0);
	one_commit(&o);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 3, 3, 4, 0, 1);
	one_commit(&o);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 0, 0, 2, 0, 0);
	one_commit(&o);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 2, 6, 6, 8, 0, 1);
	one_commit(&o);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 0, 0, 2, 0, 0);
	one_commit(&o);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_MORE);
	CTR_EQ(o.ctr, empty_bytes, 8);
	CTR_EQ(o.ctr, frames_lf, 1);
	CTR_EQ(o.ctr, frames_octet, 1);
	SL_ASSERT_EQ(o.pos, sizeof(s) - 1);
	one_free(&o);
	return 0;
}

static int
test_truncated_octet_frame_skips_rest_over_several_calls(void)
{
	static const struct sl_framing_cfg c5 = { .max_msg = 5 };
	static const char s[] = "20 <13>abcdefghijklmnop" "6 <13>hi";
	struct one o;

	one_init(&o, &c5, s, sizeof(s) - 1);
	SL_ASSERT_EQ(one_next_upto(&o, 7), SL_FRAME_MORE);
	SL_ASSERT_EQ(one_next_upto(&o, 8), SL_FRAME_READY);
	FRAME_EQ(o.f, 3, 5, 20, 8, TR, 1);
	MSG_EQ(&o, "<13>a");
	one_commit(&o);
	CTR_EQ(o.ctr, truncated, 1);
	CTR_EQ(o.ctr, frames_octet, 1);
	/* 15 bytes to skip, arriving 4 at a time. */
	SL_ASSERT_EQ(one_next_upto(&o, 0), SL_FRAME_MORE);
	SL_ASSERT_EQ(one_next_upto(&o, 4), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 0, 0, 4, 0, 0);
	one_commit(&o);
	SL_ASSERT_EQ(one_next_upto(&o, 4), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 0, 0, 4, 0, 0);
	one_commit(&o);
	SL_ASSERT_EQ(one_next_upto(&o, 4), SL_FRAME_READY);
	one_commit(&o);
	CTR_EQ(o.ctr, skipped_bytes, 12);
	/* The last 3 skipped bytes and the next frame are all there. */
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 0, 0, 3, 0, 0);
	one_commit(&o);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 2, 5, 6, 7, TR, 1);
	MSG_EQ(&o, "<13>h");
	one_commit(&o);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 0, 0, 1, 0, 0);
	one_commit(&o);
	CTR_EQ(o.ctr, skipped_bytes, 16);
	CTR_EQ(o.ctr, truncated, 2);
	CTR_EQ(o.ctr, frames_octet, 2);
	SL_ASSERT_EQ(o.pos, sizeof(s) - 1);
	one_free(&o);
	return 0;
}

static int
test_truncated_line_skips_through_terminator_over_several_calls(void)
{
	static const struct sl_framing_cfg c4 = { .max_msg = 4 };
	static const char s[] = "abcdefgh\0xy\n";
	struct one o;

	one_init(&o, &c4, s, sizeof(s) - 1);
	SL_ASSERT_EQ(one_next_upto(&o, 4), SL_FRAME_MORE);
	SL_ASSERT_EQ(one_next_upto(&o, 5), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 4, 4, 4, TR, 1);
	MSG_EQ(&o, "abcd");
	one_commit(&o);
	SL_ASSERT_EQ(one_next_upto(&o, 2), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 0, 0, 2, 0, 0);
	one_commit(&o);
	SL_ASSERT_EQ(one_next_upto(&o, 2), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 0, 0, 2, 0, 0);
	one_commit(&o);
	/* "\0xy\n": the skip ends at the NUL, included. */
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 0, 0, 1, 0, 0);
	one_commit(&o);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 2, 2, 3, 0, 1);
	one_commit(&o);
	CTR_EQ(o.ctr, skipped_bytes, 5);
	CTR_EQ(o.ctr, truncated, 1);
	CTR_EQ(o.ctr, frames_lf, 2);
	CTR_EQ(o.ctr, frames_nul, 0);
	one_free(&o);
	return 0;
}

static int
test_line_of_exactly_max_msg_is_not_truncated(void)
{
	static const struct sl_framing_cfg c4 = { .max_msg = 4 };
	static const char s[] = "abcd\n" "efgh\r\n" "ijkl\0" "mnop\rq\n";
	struct one o;

	one_init(&o, &c4, s, sizeof(s) - 1);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 4, 4, 5, 0, 1);
	one_commit(&o);
	/* "efgh\r": the CR may be a CRLF's, wait for the next byte. */
	SL_ASSERT_EQ(one_next_upto(&o, 5), SL_FRAME_MORE);
	SL_ASSERT_EQ(one_next_upto(&o, 6), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 4, 4, 6, 0, 1);
	MSG_EQ(&o, "efgh");
	one_commit(&o);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 4, 4, 5, 0, 1);
	one_commit(&o);
	/* "mnop\rq": a CR not before LF is data, so the line is cut. */
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 4, 4, 4, TR, 1);
	one_commit(&o);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 0, 0, 3, 0, 0);
	one_commit(&o);
	CTR_EQ(o.ctr, truncated, 1);
	CTR_EQ(o.ctr, skipped_bytes, 3);
	CTR_EQ(o.ctr, frames_lf, 3);
	CTR_EQ(o.ctr, frames_nul, 1);
	SL_ASSERT_EQ(o.pos, sizeof(s) - 1);
	one_free(&o);
	return 0;
}

static int
test_bad_prefix_line_longer_than_max_msg(void)
{
	static const struct sl_framing_cfg c8 = { .max_msg = 8 };
	static const char s[] = "1234567890 <x\nok\n";
	struct one o;

	one_init(&o, &c8, s, sizeof(s) - 1);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 8, 8, 8, TR | FE, 1);
	one_commit(&o);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 0, 0, 6, 0, 0);
	one_commit(&o);
	SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 0, 2, 2, 3, 0, 1);
	one_commit(&o);
	CTR_EQ(o.ctr, bad_prefix, 1);
	CTR_EQ(o.ctr, truncated, 1);
	CTR_EQ(o.ctr, frames_lf, 2);
	CTR_EQ(o.ctr, skipped_bytes, 6);
	one_free(&o);
	return 0;
}

/* close() after next() said MORE on @s: expect one frame (or none). */
static int
close_case(const struct sl_framing_cfg *cfg, const char *s, int ready, uint32_t off,
	   uint32_t len, uint32_t orig, uint16_t flags, const char *msg,
	   uint64_t want_close, uint64_t want_trunc, uint64_t want_skip, uint64_t want_bad)
{
	struct one o;

	one_init(&o, cfg, s, (uint32_t)strlen(s));
	while (one_next(&o) == SL_FRAME_READY)
		one_commit(&o);
	memset(o.ctr, 0, sizeof(o.ctr));
	SL_ASSERT_EQ(one_close(&o), ready ? SL_FRAME_READY : SL_FRAME_MORE);
	if (ready) {
		FRAME_EQ(o.f, off, len, orig, o.len - o.pos, flags, 1);
		MSG_EQ(&o, msg);
		one_commit(&o);
	}
	SL_ASSERT_EQ(o.pos, o.len);
	CTR_EQ(o.ctr, frames_close, want_close);
	CTR_EQ(o.ctr, truncated, want_trunc);
	CTR_EQ(o.ctr, skipped_bytes, want_skip);
	CTR_EQ(o.ctr, bad_prefix, want_bad);
	CTR_EQ(o.ctr, empty_bytes, 0);
	one_free(&o);
	return 0;
}

static int
test_close_in_each_state(void)
{
	static const struct sl_framing_cfg c3 = { .max_msg = 3 };
	static const struct sl_framing_cfg c5 = { .max_msg = 5 };

	/* Nothing, or only empty bytes (already consumed by next()). */
	SL_ASSERT_EQ(close_case(&cfg_big, "", 0, 0, 0, 0, 0, NULL, 0, 0, 0, 0), 0);
	SL_ASSERT_EQ(close_case(&cfg_big, "ab\n\r\n\0", 0, 0, 0, 0, 0, NULL, 0, 0, 0, 0), 0);
	/* An unterminated line. */
	SL_ASSERT_EQ(close_case(&cfg_big, "x\nabc", 1, 0, 3, 3, TR, "abc", 1, 0, 0, 0), 0);
	/* A length prefix not finished: the bytes as a line. */
	SL_ASSERT_EQ(close_case(&cfg_big, "12", 1, 0, 2, 2, TR, "12", 1, 0, 0, 0), 0);
	SL_ASSERT_EQ(close_case(&cfg_big, "12 ", 1, 0, 3, 3, TR, "12 ", 1, 0, 0, 0), 0);
	/* A counted frame short of its LEN: the body, orig_len = LEN. */
	SL_ASSERT_EQ(close_case(&cfg_big, "10 <13>ab", 1, 3, 6, 10, TR, "<13>ab", 1, 0, 0, 0), 0);
	/* A bad prefix without its terminator. */
	SL_ASSERT_EQ(close_case(&cfg_big, "1234567890 <x", 1, 0, 13, 13, TR | FE,
				"1234567890 <x", 1, 0, 0, 1), 0);
	/* Skipping the rest of a cut counted frame / cut line: nothing. */
	SL_ASSERT_EQ(close_case(&c5, "20 <13>abcdefgh", 0, 0, 0, 0, 0, NULL, 0, 0, 0, 0), 0);
	SL_ASSERT_EQ(close_case(&c3, "abcdefgh", 0, 0, 0, 0, 0, NULL, 0, 0, 0, 0), 0);
	/* "abc\r" with max_msg 3: next() waits for an LF; close cuts the CR. */
	SL_ASSERT_EQ(close_case(&c3, "abc\r", 1, 0, 3, 4, TR, "abc", 1, 1, 1, 0), 0);
	return 0;
}

static int
test_close_counts_leading_empty_bytes_when_next_was_skipped(void)
{
	struct one o;

	one_init(&o, &cfg_big, "\n\r12 <ab", 8);
	SL_ASSERT_EQ(one_close(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 5, 3, 12, 8, TR, 1);
	one_commit(&o);
	CTR_EQ(o.ctr, empty_bytes, 2);
	CTR_EQ(o.ctr, frames_close, 1);
	one_free(&o);
	one_init(&o, &cfg_big, "\0\0ab", 4);
	SL_ASSERT_EQ(one_close(&o), SL_FRAME_READY);
	FRAME_EQ(o.f, 2, 2, 2, 4, TR, 1);
	one_commit(&o);
	CTR_EQ(o.ctr, empty_bytes, 2);
	one_free(&o);
	return 0;
}

static int
frame_same(const struct sl_frame *a, const struct sl_frame *b)
{
	return a->off == b->off && a->len == b->len && a->orig_len == b->orig_len &&
		a->consume == b->consume && a->flags == b->flags && a->kind == b->kind &&
		a->has_msg == b->has_msg;
}

static int
test_next_again_without_commit_gives_the_same_frame(void)
{
	static const struct sl_framing_cfg c6 = { .max_msg = 6 };
	static const char s[] = "hello\r\n" "7 <13>abc" "1234567890 <bad\n" "abcdefghij\n"
		"30 <13>abcdefghijklmnopqrstuvwxyz" "tail";
	struct one o;
	struct sl_frame f1;
	uint32_t k;

	one_init(&o, &c6, s, sizeof(s) - 1);
	while (o.pos < o.len) {
		/* With the stream grown one byte at a time, every READY frame
		 * with a message must stay the same until committed. */
		for (k = 1; o.pos + k <= o.len; k++)
			if (one_next_upto(&o, k) == SL_FRAME_READY)
				break;
		if (o.pos + k > o.len)
			break;
		f1 = o.f;
		if (f1.has_msg) {
			SL_ASSERT_EQ(one_next_upto(&o, k), SL_FRAME_READY);
			SL_ASSERT(frame_same(&f1, &o.f));
			SL_ASSERT_EQ(one_next(&o), SL_FRAME_READY);
			SL_ASSERT(frame_same(&f1, &o.f));
		}
		one_commit(&o);
	}
	SL_ASSERT_EQ(one_close(&o), SL_FRAME_READY);
	MSG_EQ(&o, "tail");
	one_commit(&o);
	SL_ASSERT_EQ(o.pos, o.len);
	CTR_EQ(o.ctr, frames_lf, 3);
	CTR_EQ(o.ctr, frames_octet, 2);
	CTR_EQ(o.ctr, bad_prefix, 1);
	CTR_EQ(o.ctr, truncated, 4);
	CTR_EQ(o.ctr, frames_close, 1);
	/* "c", "567890 <bad\n", "ghij\n", 24 of the counted body */
	CTR_EQ(o.ctr, skipped_bytes, 1 + 10 + 5 + 24);
	one_free(&o);
	return 0;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A long line arriving one byte per call is searched once: scanned grows
 * with the stream, and 4 MiB (quadratic: ~8e12 byte compares) is quick. */
static int
test_one_byte_feed_of_long_line_scans_each_byte_once(void)
{
	const struct sl_framing_cfg cfg = { .max_msg = 8u << 20 };
	const uint32_t n = 4u << 20;
	struct sl_framer st = { 0 };
	struct sl_frame f;
	struct sl_iov sp;
	uint8_t *s = malloc(n + 1);
	double t0 = now_s();
	uint32_t k;

	SL_ASSERT(s != NULL);
	memset(s, 'x', n);
	s[n] = '\n';
	sp.p = s;
	for (k = 1; k <= n; k++) {
		sp.len = k;
		if (sl_framer_next(&st, &cfg, &sp, 1, &f) != SL_FRAME_MORE)
			SL_FAIL("READY at %u", k);
		if (st.scanned != k)
			SL_FAIL("scanned %u after %u bytes", st.scanned, k);
	}
	sp.len = n + 1;
	SL_ASSERT_EQ(sl_framer_next(&st, &cfg, &sp, 1, &f), SL_FRAME_READY);
	FRAME_EQ(f, 0, n, n, n + 1, 0, 1);
	SL_ASSERT(now_s() - t0 < 20.0);
	free(s);
	return 0;
}

/* 60 KB counted frame and 60 KB line, one byte per call, in 2 spans:
 * everything before and the newest byte. */
static int
test_one_byte_feed_in_two_spans(void)
{
	const uint32_t body = 60000;
	uint8_t *s = malloc(body + 16);
	uint8_t *last = malloc(1);
	struct sl_framer st = { 0 };
	struct sl_frame f;
	struct sl_iov sp[2];
	uint64_t ctr[SL_FRAMING_NB_CTR] = { 0 };
	uint32_t pfx, n, k;
	int round;

	SL_ASSERT(s != NULL && last != NULL);
	for (round = 0; round < 2; round++) {
		if (round == 0) {
			pfx = (uint32_t)sprintf((char *)s, "%u ", body);
			s[pfx] = '<';
			memset(s + pfx + 1, 'b', body - 1);
			n = pfx + body;
		} else {
			pfx = 0;
			memset(s, 'l', body);
			s[body] = '\n';
			n = body + 1;
		}
		for (k = 1; k <= n; k++) {
			sp[0].p = s;
			sp[0].len = k - 1;
			last[0] = s[k - 1];
			sp[1].p = last;
			sp[1].len = 1;
			if (sl_framer_next(&st, &cfg_big, sp, 2, &f) == SL_FRAME_READY)
				break;
		}
		SL_ASSERT_EQ(k, n);
		FRAME_EQ(f, pfx, body, body, n, 0, 1);
		sl_framer_commit(&st, &f, ctr);
	}
	CTR_EQ(ctr, frames_octet, 1);
	CTR_EQ(ctr, frames_lf, 1);
	free(s);
	free(last);
	return 0;
}

static int
test_span_copy_across_spans(void)
{
	static const uint8_t a[] = "abc", c[] = "defgh", d[] = "ij";
	const struct sl_iov sp[] = { { a, 3 }, { NULL, 0 }, { c, 5 }, { d, 2 } };
	uint8_t out[16];
	uint32_t off, len;
	static const char all[] = "abcdefghij";

	for (off = 0; off <= 10; off++)
		for (len = 0; off + len <= 10; len++) {
			memset(out, '?', sizeof(out));
			sl_span_copy(out, sp, 4, off, len);
			SL_ASSERT_MEM_EQ(out, all + off, len);
			SL_ASSERT_EQ(out[len], '?');
		}
	return 0;
}

/* ---- the caller's loop over a stream cut into spans ---- */

#define MAX_MSGS 8192
#define OUT_CAP (8u << 20)

/* What a run stored. */
struct got {
	uint32_t n;
	uint32_t at[MAX_MSGS];      /* offset in buf */
	uint32_t len[MAX_MSGS], orig[MAX_MSGS];
	uint16_t flags[MAX_MSGS];
	uint8_t *buf;
	uint32_t used;
	uint64_t ctr[SL_FRAMING_NB_CTR];
};

#define OPT_EMPTY_SPANS 1   /* an empty span before every span and at the end */
#define OPT_RECALL      2   /* call next() twice, extended, before committing */

struct cut {
	uint32_t n;
	uint32_t at[64];            /* span boundaries, increasing, in (0, len) */
};

static struct got got_a;

static void
got_reset(struct got *g)
{
	uint8_t *b = g->buf;

	memset(g, 0, sizeof(*g));
	g->buf = b != NULL ? b : malloc(OUT_CAP);
	if (g->buf == NULL)
		abort();
}

/* The unconsumed part of [0, avail), as spans of the cut's pieces. */
static unsigned
build_spans(struct sl_iov *sp, uint8_t *const *piece, const uint32_t *pbeg,
	    unsigned npiece, uint32_t consumed, uint32_t avail, int opt)
{
	unsigned i, k = 0;

	for (i = 0; i < npiece; i++) {
		uint32_t lo = pbeg[i], hi = pbeg[i + 1];

		if (lo < consumed)
			lo = consumed;
		if (hi > avail)
			hi = avail;
		if (lo >= hi)
			continue;
		if (opt & OPT_EMPTY_SPANS)
			sp[k++] = (struct sl_iov){ piece[i], 0 };
		sp[k++] = (struct sl_iov){ piece[i] + (lo - pbeg[i]), hi - lo };
	}
	if (opt & OPT_EMPTY_SPANS)
		sp[k++] = (struct sl_iov){ NULL, 0 };
	return k;
}

static int
keep(struct got *g, const struct sl_frame *f, const struct sl_iov *sp, unsigned nsp)
{
	SL_ASSERT(g->n < MAX_MSGS);
	SL_ASSERT(g->used + f->len <= OUT_CAP);
	sl_span_copy(g->buf + g->used, sp, nsp, f->off, f->len);
	g->at[g->n] = g->used;
	g->len[g->n] = f->len;
	g->orig[g->n] = f->orig_len;
	g->flags[g->n] = f->flags;
	g->used += f->len;
	g->n++;
	return 0;
}

/*
 * Feed @s (len bytes) cut into spans at @c, arriving at the points @arr
 * (then all of it), run the caller's loop after each arrival, then close.
 * Each piece lives in its own heap buffer.
 */
static int
run(const struct sl_framing_cfg *cfg, const uint8_t *s, uint32_t len,
    const struct cut *c, const uint32_t *arr, unsigned narr, int opt, struct got *g)
{
	uint8_t *piece[66];
	uint32_t pbeg[67];
	struct sl_iov sp[140];
	struct sl_framer st = { 0 }, st2;
	struct sl_frame f, f2;
	uint32_t consumed = 0, avail;
	unsigned npiece = 0, nsp, a, i;
	int rc = 0;

	got_reset(g);
	pbeg[0] = 0;
	for (i = 0; i <= c->n; i++) {
		uint32_t e = i < c->n ? c->at[i] : len;

		if (e <= pbeg[npiece] && i < c->n)
			continue;
		piece[npiece] = malloc(e - pbeg[npiece] + 1);
		if (piece[npiece] == NULL)
			abort();
		memcpy(piece[npiece], s + pbeg[npiece], e - pbeg[npiece]);
		npiece++;
		pbeg[npiece] = e;
	}
	for (a = 0; a <= narr && rc == 0; a++) {
		avail = a < narr ? arr[a] : len;
		for (;;) {
			nsp = build_spans(sp, piece, pbeg, npiece, consumed, avail, opt);
			if (sl_framer_next(&st, cfg, sp, nsp, &f) != SL_FRAME_READY)
				break;
			if (f.consume == 0 || f.consume > avail - consumed ||
			    (f.has_msg && (f.off + f.len > avail - consumed ||
					   f.len > cfg->max_msg || f.orig_len < f.len))) {
				fprintf(stderr, "# bad frame at %u: off %u len %u consume %u\n",
					consumed, f.off, f.len, f.consume);
				rc = -1;
				break;
			}
			if ((opt & OPT_RECALL) && f.has_msg) {
				/* Same spans, then all the stream: the same frame. */
				st2 = st;
				if (sl_framer_next(&st2, cfg, sp, nsp, &f2) != SL_FRAME_READY ||
				    !frame_same(&f, &f2))
					rc = -1;
				nsp = build_spans(sp, piece, pbeg, npiece, consumed, len, opt);
				if (sl_framer_next(&st, cfg, sp, nsp, &f2) != SL_FRAME_READY ||
				    !frame_same(&f, &f2))
					rc = -1;
				if (rc != 0) {
					fprintf(stderr, "# frame changed on a second call at %u\n",
						consumed);
					break;
				}
			}
			if (f.has_msg && keep(g, &f, sp, nsp) != 0) {
				rc = -1;
				break;
			}
			sl_framer_commit(&st, &f, g->ctr);
			consumed += f.consume;
		}
	}
	if (rc == 0) {
		nsp = build_spans(sp, piece, pbeg, npiece, consumed, len, opt);
		if (sl_framer_close(&st, cfg, sp, nsp, &f) == SL_FRAME_READY) {
			if (!f.has_msg || f.consume != len - consumed ||
			    f.off + f.len > len - consumed || f.len > cfg->max_msg ||
			    keep(g, &f, sp, nsp) != 0)
				rc = -1;
			sl_framer_commit(&st, &f, g->ctr);
			consumed += f.consume;
		}
		if (consumed != len) {
			fprintf(stderr, "# consumed %u of %u\n", consumed, len);
			rc = -1;
		}
	}
	for (i = 0; i < npiece; i++)
		free(piece[i]);
	return rc;
}

/* What a run must store: built by the generator, or by hand. */
struct want {
	uint32_t n;
	const uint8_t *msg[MAX_MSGS];
	uint32_t len[MAX_MSGS], orig[MAX_MSGS];
	uint16_t flags[MAX_MSGS];
	uint64_t ctr[SL_FRAMING_NB_CTR];
};

static int
got_is(const struct got *g, const struct want *w)
{
	uint32_t i;

	SL_ASSERT_EQ(g->n, w->n);
	for (i = 0; i < w->n; i++) {
		if (g->len[i] != w->len[i] || g->orig[i] != w->orig[i] ||
		    g->flags[i] != w->flags[i] ||
		    memcmp(g->buf + g->at[i], w->msg[i], w->len[i]) != 0)
			SL_FAIL("message %u: len %u orig %u flags %#x \"%.*s\", expected len %u "
				"orig %u flags %#x \"%.*s\"", i, g->len[i], g->orig[i], g->flags[i],
				(int)(g->len[i] < 60 ? g->len[i] : 60),
				(const char *)g->buf + g->at[i], w->len[i], w->orig[i], w->flags[i],
				(int)(w->len[i] < 60 ? w->len[i] : 60), (const char *)w->msg[i]);
	}
	for (i = 0; i < SL_FRAMING_NB_CTR; i++)
		if (g->ctr[i] != w->ctr[i])
			SL_FAIL("counter %s is %" PRIu64 ", expected %" PRIu64,
				sl_framing_ctr_desc[i].name, g->ctr[i], w->ctr[i]);
	return 0;
}

static void
want_add(struct want *w, const char *m, uint32_t len, uint32_t orig, uint16_t flags)
{
	w->msg[w->n] = (const uint8_t *)m;
	w->len[w->n] = len;
	w->orig[w->n] = orig;
	w->flags[w->n] = flags;
	w->n++;
}

/* A stream mixing every framing, with bytes between messages, a bad
 * prefix and a truncated message of each kind (max_msg 12), ending in an
 * unfinished line. */
static const char mixed[] =
	"\r\n" "<13>lf line\n" "15 <14>counted\nmsg" "<15>crlf\r\n" "\0" "<16>nul\0"
	"12 apples\n" "1234567890 <bad\n" "19 <13>123456789012345" "0\n"
	"<13>a long line\r\n" "5 <1>\0\n" "unfinished";
static const struct sl_framing_cfg cfg_mixed = { .max_msg = 12 };

static void
mixed_want(struct want *w)
{
	memset(w, 0, sizeof(*w));
	want_add(w, "<13>lf line", 11, 11, 0);
	want_add(w, "<14>counted\nmsg", 12, 15, TR);
	want_add(w, "<15>crlf", 8, 8, 0);
	want_add(w, "<16>nul", 7, 7, 0);
	want_add(w, "12 apples", 9, 9, 0);
	want_add(w, "1234567890 <bad", 12, 12, TR | FE);
	want_add(w, "<13>12345678", 12, 19, TR);
	want_add(w, "0", 1, 1, 0);
	want_add(w, "<13>a long l", 12, 12, TR);
	want_add(w, "<1>\0\n", 5, 5, 0);
	want_add(w, "unfinished", 10, 10, TR);
	w->ctr[SL_FRAMING_frames_octet] = 3;
	w->ctr[SL_FRAMING_frames_lf] = 6;
	w->ctr[SL_FRAMING_frames_nul] = 1;
	w->ctr[SL_FRAMING_frames_close] = 1;
	w->ctr[SL_FRAMING_truncated] = 4;
	w->ctr[SL_FRAMING_bad_prefix] = 1;
	/* "msg", "bad\n", "9012345", "ine\r\n" */
	w->ctr[SL_FRAMING_skipped_bytes] = 3 + 4 + 7 + 5;
	/* "\r\n", "\0" */
	w->ctr[SL_FRAMING_empty_bytes] = 2 + 1;
}

static struct want want_a;

static int
test_mixed_framings_in_one_stream(void)
{
	struct cut c = { 0 };

	mixed_want(&want_a);
	SL_ASSERT_EQ(run(&cfg_mixed, (const uint8_t *)mixed, sizeof(mixed) - 1, &c, NULL, 0,
			 OPT_RECALL, &got_a), 0);
	return got_is(&got_a, &want_a);
}

/* Every split point: 2 spans present at once, and the second arriving
 * later (the loop runs in between). */
static int
test_split_at_every_point_across_two_spans(void)
{
	const uint32_t len = sizeof(mixed) - 1;
	struct cut c = { .n = 1 };
	uint32_t i, arr;

	mixed_want(&want_a);
	for (i = 0; i <= len; i++) {
		c.at[0] = i;
		arr = i;
		SL_ASSERT_EQ(run(&cfg_mixed, (const uint8_t *)mixed, len, &c, NULL, 0, 0, &got_a), 0);
		if (got_is(&got_a, &want_a) != 0)
			SL_FAIL("split at %u", i);
		SL_ASSERT_EQ(run(&cfg_mixed, (const uint8_t *)mixed, len, &c, &arr, 1, OPT_RECALL,
				 &got_a), 0);
		if (got_is(&got_a, &want_a) != 0)
			SL_FAIL("split at %u, arriving in 2", i);
	}
	return 0;
}

static int
test_split_at_every_pair_of_points_across_three_spans(void)
{
	const uint32_t len = sizeof(mixed) - 1;
	struct cut c = { .n = 2 };
	uint32_t i, j, arr[2];

	mixed_want(&want_a);
	for (i = 0; i <= len; i++)
		for (j = i; j <= len; j++) {
			c.at[0] = i;
			c.at[1] = j;
			arr[0] = i;
			arr[1] = j;
			SL_ASSERT_EQ(run(&cfg_mixed, (const uint8_t *)mixed, len, &c, arr, 2,
					 (i + j) % 2 ? OPT_EMPTY_SPANS : 0, &got_a), 0);
			if (got_is(&got_a, &want_a) != 0)
				SL_FAIL("splits at %u, %u", i, j);
		}
	return 0;
}

static int
test_empty_spans_and_one_byte_spans(void)
{
	const uint32_t len = sizeof(mixed) - 1;
	struct cut c = { 0 };
	uint32_t arr[64], i, narr = 0;

	mixed_want(&want_a);
	/* The first 64 bytes one per span and arriving one by one, empty
	 * spans between all. */
	for (i = 1; i < len && c.n < 64; i++) {
		c.at[c.n++] = i;
		arr[narr++] = i;
	}
	SL_ASSERT_EQ(run(&cfg_mixed, (const uint8_t *)mixed, len, &c, arr, narr,
			 OPT_EMPTY_SPANS | OPT_RECALL, &got_a), 0);
	return got_is(&got_a, &want_a);
}

/* ---- randomized differential ---- */

static uint64_t rng_state;

static uint32_t
rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return n ? (uint32_t)(rng_state % n) : 0;
}

#define GEN_CAP (1u << 20)

/* Append @k random bytes for a line's content: no LF/NUL, no leading
 * LF/CR/NUL or digit, no trailing CR. */
static uint32_t
gen_text(uint8_t *p, uint32_t k)
{
	static const char alpha[] = "abcxyz<>[] =:.\r\t0123456789\xc3\xa9";
	uint32_t i;

	for (i = 0; i < k; i++)
		p[i] = (uint8_t)alpha[rnd(sizeof(alpha) - 1)];
	p[0] = (uint8_t)"abc<"[rnd(4)];
	if (p[k - 1] == '\r')
		p[k - 1] = 'z';
	return k;
}

/* Generate a stream into @s and what framing must give into @w. */
static uint32_t
gen_stream(uint8_t *s, const struct sl_framing_cfg *cfg, struct want *w)
{
	uint32_t mm = cfg->max_msg, maxf = cfg->max_frame ? cfg->max_frame : (16u << 20);
	uint32_t L = 0, items = 1 + rnd(30), it, k, body, pfx, lim;
	uint64_t *ctr = w->ctr;

	memset(w, 0, sizeof(*w));
	for (it = 0; it < items && L < GEN_CAP - 2048; it++) {
		uint32_t kind = rnd(10), start = L;
		uint16_t err = 0;

		if (rnd(4) == 0) {
			k = 1 + rnd(3);
			while (k--)
				s[L++] = (uint8_t)"\n\r\0"[rnd(3)];
			ctr[SL_FRAMING_empty_bytes] += L - start;
			start = L;
		}
		if (kind < 4) {
			/* Counted: body starts with '<', any bytes after. */
			lim = maxf < 400 ? maxf : 400;
			body = 1 + rnd(lim);
			pfx = (uint32_t)sprintf((char *)s + L, "%u ", body);
			L += pfx;
			s[L] = '<';
			for (k = 1; k < body; k++)
				s[L + k] = (uint8_t)rnd(256);
			w->msg[w->n] = s + L;
			if (it + 1 == items && body > 1 && rnd(3) == 0) {
				/* Unfinished at the end: close, or cut then skipped. */
				k = 1 + rnd(body - 1);
				L += k;
				w->orig[w->n] = body;
				w->flags[w->n] = TR;
				if (body > mm && k >= mm) {
					w->len[w->n] = mm;
					ctr[SL_FRAMING_frames_octet]++;
					ctr[SL_FRAMING_truncated]++;
					ctr[SL_FRAMING_skipped_bytes] += k - mm;
				} else {
					w->len[w->n] = k;
					ctr[SL_FRAMING_frames_close]++;
				}
				w->n++;
				break;
			}
			w->orig[w->n] = body;
			w->len[w->n] = body <= mm ? body : mm;
			w->flags[w->n] = body <= mm ? 0 : TR;
			L += body;
			ctr[SL_FRAMING_frames_octet]++;
			if (body > mm) {
				ctr[SL_FRAMING_truncated]++;
				ctr[SL_FRAMING_skipped_bytes] += body - mm;
			}
			w->n++;
			continue;
		}
		if (kind == 4 && it + 1 == items && rnd(3) == 0) {
			/* An unfinished length prefix at the end: a line at close. */
			L += (uint32_t)sprintf((char *)s + L, "%u%s", 1 + rnd(99999),
					       rnd(2) ? " " : "");
			k = L - start;
			w->msg[w->n] = s + start;
			w->orig[w->n] = k;
			w->len[w->n] = k <= mm ? k : mm;
			w->flags[w->n] = TR;
			ctr[SL_FRAMING_frames_close]++;
			if (k > mm) {
				ctr[SL_FRAMING_truncated]++;
				ctr[SL_FRAMING_skipped_bytes] += k - mm;
			}
			w->n++;
			break;
		}
		if (kind == 4) {
			/* Bad prefix: 10-20 digits, or a count over max_frame. */
			if (maxf < 999999999u && rnd(2))
				L += (uint32_t)sprintf((char *)s + L, "%u <",
						       maxf + 1 + rnd(999999999u - maxf));
			else {
				k = 10 + rnd(11);
				s[L++] = (uint8_t)('1' + rnd(9));
				while (--k)
					s[L++] = (uint8_t)('0' + rnd(10));
				s[L++] = ' ';
				s[L++] = '<';
			}
			err = FE;
			ctr[SL_FRAMING_bad_prefix]++;
		} else if (kind == 5) {
			/* Digits that are not a prefix. */
			L += (uint32_t)sprintf((char *)s + L, "%u%s", rnd(100000),
					       rnd(2) ? " apples" : "x <");
		}
		k = rnd(4) ? 1 + rnd(80) : 1 + rnd(600);
		L += gen_text(s + L, k);
		body = L - start;
		w->msg[w->n] = s + start;
		w->flags[w->n] = err;
		if (it + 1 == items && rnd(3) == 0) {
			/* Unfinished at the end: close, or cut then skipped. */
			if (body <= mm) {
				w->len[w->n] = w->orig[w->n] = body;
				w->flags[w->n] |= TR;
				ctr[SL_FRAMING_frames_close]++;
			} else {
				w->len[w->n] = w->orig[w->n] = mm;
				w->flags[w->n] |= TR;
				ctr[SL_FRAMING_frames_lf]++;
				ctr[SL_FRAMING_truncated]++;
				ctr[SL_FRAMING_skipped_bytes] += body - mm;
			}
			w->n++;
			break;
		}
		k = rnd(3);
		if (k == 0)
			s[L++] = '\n';
		else if (k == 1) {
			s[L++] = '\r';
			s[L++] = '\n';
		} else
			s[L++] = '\0';
		if (body <= mm) {
			w->len[w->n] = w->orig[w->n] = body;
			ctr[k == 2 ? SL_FRAMING_frames_nul : SL_FRAMING_frames_lf]++;
		} else {
			w->len[w->n] = w->orig[w->n] = mm;
			w->flags[w->n] |= TR;
			ctr[SL_FRAMING_frames_lf]++;
			ctr[SL_FRAMING_truncated]++;
			ctr[SL_FRAMING_skipped_bytes] += L - start - mm;
		}
		w->n++;
	}
	return L;
}

static int
test_random_streams_match_what_was_generated(void)
{
	uint8_t *s = malloc(GEN_CAP);
	struct sl_framing_cfg cfg;
	struct cut c;
	uint32_t arr[64], narr, L, i, iter;
	int opt;

	SL_ASSERT(s != NULL);
	rng_state = 0x9e3779b97f4a7c15ULL;
	for (iter = 0; iter < 4000; iter++) {
		cfg.max_msg = rnd(2) ? 100000 : 1 + rnd(64);
		cfg.max_frame = rnd(4) ? 0 : 1 + rnd(300);
		L = gen_stream(s, &cfg, &want_a);
		c.n = rnd(2) ? rnd(8) : rnd(64);
		for (i = 0; i < c.n; i++)
			c.at[i] = L ? rnd(L) : 0;
		/* Sort the cuts (repeats give empty pieces, skipped by run()). */
		for (i = 1; i < c.n; i++) {
			uint32_t v = c.at[i], j = i;

			for (; j > 0 && c.at[j - 1] > v; j--)
				c.at[j] = c.at[j - 1];
			c.at[j] = v;
		}
		narr = rnd(16);
		for (i = 0; i < narr; i++)
			arr[i] = (L ? rnd(L) : 0);
		for (i = 1; i < narr; i++) {
			uint32_t v = arr[i], j = i;

			for (; j > 0 && arr[j - 1] > v; j--)
				arr[j] = arr[j - 1];
			arr[j] = v;
		}
		opt = (int)rnd(4);
		if (run(&cfg, s, L, &c, arr, narr, opt, &got_a) != 0 ||
		    got_is(&got_a, &want_a) != 0)
			SL_FAIL("iteration %u (max_msg %u max_frame %u, %u bytes)", iter,
				cfg.max_msg, cfg.max_frame, L);
	}
	free(s);
	return 0;
}

static const struct sl_test_case cases[] = {
	SL_TEST(test_lf_line_is_framed_without_its_terminator),
	SL_TEST(test_crlf_drops_exactly_one_cr),
	SL_TEST(test_nul_terminates_and_keeps_a_cr_before_it),
	SL_TEST(test_octet_counted_body_is_stored_exactly),
	SL_TEST(test_octet_prefix_needs_digits_space_and_lt),
	SL_TEST(test_digits_not_followed_by_lt_are_a_line),
	SL_TEST(test_bad_prefix_ten_digits_is_stored_flagged_and_resyncs),
	SL_TEST(test_bad_prefix_over_max_frame),
	SL_TEST(test_bytes_between_messages_are_empty_frames),
	SL_TEST(test_truncated_octet_frame_skips_rest_over_several_calls),
	SL_TEST(test_truncated_line_skips_through_terminator_over_several_calls),
	SL_TEST(test_line_of_exactly_max_msg_is_not_truncated),
	SL_TEST(test_bad_prefix_line_longer_than_max_msg),
	SL_TEST(test_close_in_each_state),
	SL_TEST(test_close_counts_leading_empty_bytes_when_next_was_skipped),
	SL_TEST(test_next_again_without_commit_gives_the_same_frame),
	SL_TEST(test_one_byte_feed_of_long_line_scans_each_byte_once),
	SL_TEST(test_one_byte_feed_in_two_spans),
	SL_TEST(test_span_copy_across_spans),
	SL_TEST(test_mixed_framings_in_one_stream),
	SL_TEST(test_split_at_every_point_across_two_spans),
	SL_TEST(test_split_at_every_pair_of_points_across_three_spans),
	SL_TEST(test_empty_spans_and_one_byte_spans),
	SL_TEST(test_random_streams_match_what_was_generated),
};

int
main(int argc, char **argv)
{
	int r = sl_test_main(argc, argv, cases, SL_DIM(cases), false);

	free(got_a.buf);
	return r;
}

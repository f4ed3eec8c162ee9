/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the framing stage (RFC 6587).
 *
 * Input: 8 control bytes, then the stream.
 *   c[0]  max_msg: bit 7 set: 65536, else 1 + (c[0] & 63)
 *   c[1]  max_frame: bit 7 set: 0 (16 MiB), else 1 + 3 * c[1]
 *   c[2]  bits 0-1: span cuts used (0-3), bits 2-3: arrivals (0-2),
 *         bit 4: empty spans between spans, bit 5: call next() twice
 *   c[3..5] cut points, c[6..7] arrival points (x * len / 256)
 * The stream is cut into spans, each in its own exactly-sized heap buffer
 * (ASan sees a read past a span), and arrives in stages; after each the
 * caller's loop runs (next, store, commit, consume) until MORE, then
 * close(). Checked, abort() on violation: a READY frame consumes > 0 bytes
 * and no more than there are; a message lies in the stream, len <=
 * max_msg, orig_len >= len; only known flags; a second next() gives the
 * same frame, and a message frame stays the same given the whole stream; every byte is consumed after close(); the counters agree with
 * the messages; and the messages and counters are the same as when the
 * whole stream is given at once in one span.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sl_framing.h"
#include "sl_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NCTRL 8

struct result {
	uint64_t ctr[SL_FRAMING_NB_CTR];
	uint64_t digest;   /* FNV-1a over every message and its header */
	uint64_t msgs, msg_bytes, n_trunc, n_err;
};

static void
fnv(uint64_t *h, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		*h ^= b[i];
		*h *= 0x100000001b3ULL;
	}
}

static uint8_t msgbuf[65536 + 16];

static void
check_frame(const struct sl_frame *f, uint32_t left, uint32_t max_msg)
{
	if (f->consume == 0 || f->consume > left)
		abort();
	if (f->flags & ~(SL_REC_F_TRUNCATED | SL_REC_F_FRAMING_ERR))
		abort();
	if (!f->has_msg) {
		if (f->len != 0 || f->flags != 0)
			abort();
		return;
	}
	if (f->off > left || f->len > left - f->off || f->off + f->len > f->consume ||
	    f->len > max_msg || f->orig_len < f->len)
		abort();
}

static int
same(const struct sl_frame *a, const struct sl_frame *b)
{
	return a->off == b->off && a->len == b->len && a->orig_len == b->orig_len &&
		a->consume == b->consume && a->flags == b->flags && a->has_msg == b->has_msg &&
		a->kind == b->kind;
}

static void
keep(struct result *r, const struct sl_frame *f, const struct sl_iov *sp, unsigned int n)
{
	sl_span_copy(msgbuf, sp, n, f->off, f->len);
	fnv(&r->digest, msgbuf, f->len);
	fnv(&r->digest, &f->len, sizeof(f->len));
	fnv(&r->digest, &f->orig_len, sizeof(f->orig_len));
	fnv(&r->digest, &f->flags, sizeof(f->flags));
	r->msgs++;
	r->msg_bytes += f->len;
	r->n_trunc += (f->flags & SL_REC_F_TRUNCATED) != 0;
	r->n_err += (f->flags & SL_REC_F_FRAMING_ERR) != 0;
}

/* The unconsumed part of [0, avail) of the pieces, as spans. */
static unsigned int
spans(struct sl_iov *sp, uint8_t *const *piece, const uint32_t *beg, unsigned int np,
      uint32_t consumed, uint32_t avail, int empties)
{
	unsigned int i, k = 0;

	for (i = 0; i < np; i++) {
		uint32_t lo = beg[i] > consumed ? beg[i] : consumed;
		uint32_t hi = beg[i + 1] < avail ? beg[i + 1] : avail;

		if (empties)
			sp[k++] = (struct sl_iov){ piece[i], 0 };
		if (lo < hi)
			sp[k++] = (struct sl_iov){ piece[i] + (lo - beg[i]), hi - lo };
	}
	return k;
}

static void
run(const struct sl_framing_cfg *cfg, const uint8_t *s, uint32_t len,
    const uint32_t *cut, unsigned int ncut, const uint32_t *arr, unsigned int narr,
    int empties, int twice, struct result *r)
{
	uint8_t *piece[4];
	uint32_t beg[5];
	struct sl_iov sp[8], sp2[8];
	struct sl_framer st = { 0 }, st2;
	struct sl_frame f, f2;
	uint32_t consumed = 0, avail;
	unsigned int np = 0, nsp, a, i;

	memset(r, 0, sizeof(*r));
	r->digest = 0xcbf29ce484222325ULL;
	beg[0] = 0;
	for (i = 0; i <= ncut; i++) {
		uint32_t e = i < ncut ? cut[i] : len;

		piece[np] = malloc(e - beg[np] ? e - beg[np] : 1);
		if (piece[np] == NULL)
			abort();
		memcpy(piece[np], s + beg[np], e - beg[np]);
		np++;
		beg[np] = e;
	}
	for (a = 0; a <= narr; a++) {
		avail = a < narr ? arr[a] : len;
		if (avail < consumed)
			avail = consumed;
		for (;;) {
			nsp = spans(sp, piece, beg, np, consumed, avail, empties);
			if (sl_framer_next(&st, cfg, sp, nsp, &f) != SL_FRAME_READY)
				break;
			check_frame(&f, avail - consumed, cfg->max_msg);
			if (twice) {
				st2 = st;
				if (sl_framer_next(&st2, cfg, sp, nsp, &f2) != SL_FRAME_READY ||
				    !same(&f, &f2))
					abort();
				i = spans(sp2, piece, beg, np, consumed, len, empties);
				if (f.has_msg && (sl_framer_next(&st2, cfg, sp2, i, &f2) !=
						  SL_FRAME_READY || !same(&f, &f2)))
					abort();
			}
			if (f.has_msg)
				keep(r, &f, sp, nsp);
			sl_framer_commit(&st, &f, r->ctr);
			consumed += f.consume;
			if (consumed > len)
				abort();
		}
	}
	nsp = spans(sp, piece, beg, np, consumed, len, empties);
	if (sl_framer_close(&st, cfg, sp, nsp, &f) == SL_FRAME_READY) {
		check_frame(&f, len - consumed, cfg->max_msg);
		if (!f.has_msg || f.consume != len - consumed ||
		    !(f.flags & SL_REC_F_TRUNCATED))
			abort();
		keep(r, &f, sp, nsp);
		sl_framer_commit(&st, &f, r->ctr);
		consumed += f.consume;
	}
	/* Every byte is consumed: stored, framing, or counted. */
	if (consumed != len)
		abort();
	if (r->ctr[SL_FRAMING_frames_octet] + r->ctr[SL_FRAMING_frames_lf] +
	    r->ctr[SL_FRAMING_frames_nul] + r->ctr[SL_FRAMING_frames_close] != r->msgs ||
	    r->ctr[SL_FRAMING_bad_prefix] != r->n_err ||
	    r->ctr[SL_FRAMING_truncated] > r->n_trunc ||
	    r->msg_bytes + r->ctr[SL_FRAMING_skipped_bytes] +
	    r->ctr[SL_FRAMING_empty_bytes] > len)
		abort();
	for (i = 0; i < np; i++)
		free(piece[i]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_framing_cfg cfg;
	struct result whole, split;
	uint32_t cut[3], arr[2], len, i, j, v;
	unsigned int ncut, narr;
	const uint8_t *s;

	if (size < NCTRL || size > NCTRL + 65536)
		return 0;
	s = data + NCTRL;
	len = (uint32_t)(size - NCTRL);
	cfg.max_msg = data[0] & 0x80 ? 65536 : 1 + (data[0] & 63);
	cfg.max_frame = data[1] & 0x80 ? 0 : 1 + 3u * data[1];
	ncut = data[2] & 3;
	narr = (data[2] >> 2) & 3;
	if (narr > 2)
		narr = 2;
	for (i = 0; i < ncut; i++)
		cut[i] = (uint32_t)((uint64_t)data[3 + i] * len / 256);
	for (i = 0; i < narr; i++)
		arr[i] = (uint32_t)((uint64_t)data[6 + i] * len / 256);
	/* Sorted, as offsets into the stream must be. */
	for (i = 1; i < ncut; i++)
		for (j = i; j > 0 && cut[j - 1] > cut[j]; j--) {
			v = cut[j];
			cut[j] = cut[j - 1];
			cut[j - 1] = v;
		}
	if (narr == 2 && arr[0] > arr[1]) {
		v = arr[0];
		arr[0] = arr[1];
		arr[1] = v;
	}

	run(&cfg, s, len, NULL, 0, NULL, 0, 0, 0, &whole);
	run(&cfg, s, len, cut, ncut, arr, narr, (data[2] >> 4) & 1, (data[2] >> 5) & 1, &split);
	if (whole.digest != split.digest || whole.msgs != split.msgs ||
	    memcmp(whole.ctr, split.ctr, sizeof(whole.ctr)) != 0)
		abort();
	return 0;
}

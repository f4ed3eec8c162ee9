/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Framing stage: RFC 6587 octet counting and LF/NUL-terminated lines over
 * a stream given as spans.
 *
 * A frame is decided from the bytes at the front of the stream only:
 *   - LF, CR, NUL: a run of them is a has_msg = 0 frame (empty_bytes);
 *   - [1-9] digits SP '<': octet counting (or a bad prefix, see classify());
 *   - anything else: a line, ended by the first LF or NUL.
 * The body of a counted frame is never read. A line is searched for its
 * terminator once: st->scanned remembers how far the search got, so a line
 * arriving in small pieces costs one pass in total.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "sl_framing.h"
#include "sl_record.h"

/* st->mode */
enum {
	M_START = 0,    /* at a frame's first byte, nothing known */
	M_LINE,         /* a line; [0, scanned) holds no LF/NUL */
	M_BAD,          /* a bad-prefix line; [0, scanned) holds no LF/NUL */
	M_SKIP,         /* skip st->skip bytes (rest of a cut counted frame) */
	M_SKIP_LINE,    /* skip through the next LF/NUL (rest of a cut line) */
};

/* f->kind: what commit counts and which state follows. */
enum {
	K_EMPTY = 1,    /* LF/CR/NUL between messages */
	K_SKIP,         /* skipped bytes, more may follow */
	K_SKIP_END,     /* skipped bytes through the terminator of a cut line */
	K_OCTET,        /* counted frame (cut when flagged truncated) */
	K_LF,           /* line ended by LF */
	K_NUL,          /* line ended by NUL */
	K_LINE_CUT,     /* line cut at max_msg, its rest is skipped */
	K_CLOSE_LINE,   /* unfinished line at close */
	K_CLOSE_OCTET,  /* unfinished counted frame at close */
};

#define DEFAULT_MAX_FRAME (16u << 20)
/* A digit run longer than this is text, not a (bad) length prefix. */
#define BAD_DIGITS_MAX 20
/* Bytes needed to classify a frame start: BAD_DIGITS_MAX digits, SP, '<'. */
#define PEEK_MAX (BAD_DIGITS_MAX + 2)
/* Stream offsets are uint32: look at most this far into the spans. */
#define AVAIL_MAX (UINT32_MAX - 16)
/* Largest usable max_msg: max_msg + 2 must not wrap. */
#define MAX_MSG_MAX (AVAIL_MAX - 2)

#define NOT_FOUND UINT32_MAX

static inline int
is_empty_byte(uint8_t c)
{
	return c == '\n' || c == '\r' || c == '\0';
}

static inline int
is_digit(uint8_t c)
{
	return (uint8_t)(c - '0') < 10;
}

static inline uint32_t
max_msg_of(const struct sl_framing_cfg *cfg)
{
	uint32_t m = cfg->max_msg;

	if (m == 0)
		return 1;
	return m < MAX_MSG_MAX ? m : MAX_MSG_MAX;
}

static inline uint32_t
stream_len(const struct sl_iov *sp, unsigned int n)
{
	uint64_t t = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		t += sp[i].len;
	return t < AVAIL_MAX ? (uint32_t)t : AVAIL_MAX;
}

/* The byte at stream offset @off (< the stream's length). */
static uint8_t
byte_at(const struct sl_iov *sp, unsigned int n, uint32_t off)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (off < sp[i].len)
			return sp[i].p[off];
		off -= sp[i].len;
	}
	return 0; /* not reached when off < stream length */
}

/*
 * The first @want bytes of the stream (want <= its length), contiguous:
 * in place when the first non-empty span holds them, else copied to @buf.
 */
static const uint8_t *
peek(const struct sl_iov *sp, unsigned int n, uint32_t want, uint8_t *buf)
{
	uint32_t got = 0, k;
	unsigned int i = 0;

	while (i < n && sp[i].len == 0)
		i++;
	if (i < n && sp[i].len >= want)
		return sp[i].p;
	for (; i < n && got < want; i++) {
		k = sp[i].len < want - got ? sp[i].len : want - got;
		if (k != 0)
			memcpy(buf + got, sp[i].p, k);
		got += k;
	}
	return buf;
}

/* Lowest byte of @w that is LF or NUL, as a mask with its bit 7 set (exact
 * for the lowest such byte: the borrow only runs towards higher bytes). */
static inline uint64_t
lf_nul_mask(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t x = w ^ (ones * '\n');

	return (((w - ones) & ~w) | ((x - ones) & ~x)) & highs;
}

/* First LF or NUL in [p, end), or NULL. */
static inline const uint8_t *
find_lf_nul(const uint8_t *p, const uint8_t *end)
{
#if defined(__SSE2__)
	const __m128i lf = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();

	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned int m = (unsigned int)_mm_movemask_epi8(
			_mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, zero)));

		if (m != 0)
			return p + __builtin_ctz(m);
		p += 16;
	}
#endif
	while (end - p >= 8) {
		uint64_t w, m;

		memcpy(&w, p, 8);
		m = lf_nul_mask(w);
		if (m != 0) /* little-endian (sl_record.h checks): lowest byte first */
			return p + (__builtin_ctzll(m) >> 3);
		p += 8;
	}
	for (; p < end; p++)
		if (*p == '\n' || *p == '\0')
			return p;
	return NULL;
}

/* Stream offset of the first LF/NUL in [from, to), *term set to it; or
 * NOT_FOUND. */
static uint32_t
find_term(const struct sl_iov *sp, unsigned int n, uint32_t from, uint32_t to,
	  uint8_t *term)
{
	uint64_t base = 0, end;
	unsigned int i;

	for (i = 0; i < n && base < to; i++, base = end) {
		const uint8_t *q;
		uint32_t lo, hi;

		end = base + sp[i].len;
		if (end <= from || sp[i].len == 0) /* an empty span's p may be NULL */
			continue;
		lo = from > base ? (uint32_t)(from - base) : 0;
		hi = (uint32_t)((to < end ? to : end) - base);
		q = find_lf_nul(sp[i].p + lo, sp[i].p + hi);
		if (q != NULL) {
			*term = *q;
			return (uint32_t)(base + (uint64_t)(q - sp[i].p));
		}
	}
	return NOT_FOUND;
}

/* What the bytes at a frame start say. */
enum cls { C_MORE, C_LINE, C_BAD, C_OCTET };

/*
 * Classify a frame start from its first @nb bytes (b[0] not LF/CR/NUL,
 * nb = min(stream length, PEEK_MAX)). "[1-9][0-9]* SP <" is a length
 * prefix: valid (C_OCTET, *len and *pfx set) with at most
 * SL_FRAMING_MAX_DIGITS digits and a value <= max_frame, else C_BAD. A
 * leading '0', digits followed by anything but "SP <", or more than
 * BAD_DIGITS_MAX digits make a line. C_MORE: the bytes so far do not tell.
 */
static enum cls
classify(const uint8_t *b, uint32_t nb, uint32_t max_frame, uint32_t *len, uint32_t *pfx)
{
	uint64_t v;
	uint32_t i;

	if ((uint8_t)(b[0] - '1') >= 9)
		return C_LINE;
	v = b[0] - '0';
	for (i = 1; i < nb && is_digit(b[i]); i++)
		if (i < SL_FRAMING_MAX_DIGITS)
			v = v * 10 + (uint64_t)(b[i] - '0');
	if (i > BAD_DIGITS_MAX)
		return C_LINE;
	if (i == nb)
		return C_MORE;
	if (b[i] != ' ')
		return C_LINE;
	if (i + 1 == nb)
		return C_MORE;
	if (b[i + 1] != '<')
		return C_LINE;
	if (i > SL_FRAMING_MAX_DIGITS || v > max_frame)
		return C_BAD;
	*len = (uint32_t)v;
	*pfx = i + 1;
	return C_OCTET;
}

static inline enum sl_frame_result
frame(struct sl_frame *f, uint32_t off, uint32_t len, uint32_t orig_len, uint32_t consume,
      uint16_t flags, uint8_t kind, uint8_t has_msg)
{
	f->off = off;
	f->len = len;
	f->orig_len = orig_len;
	f->consume = consume;
	f->flags = flags;
	f->kind = kind;
	f->has_msg = has_msg;
	return SL_FRAME_READY;
}

/* A line (or bad-prefix line, @flags = SL_REC_F_FRAMING_ERR) at offset 0. */
static enum sl_frame_result
next_line(struct sl_framer *st, uint32_t mm, const struct sl_iov *sp, unsigned int n,
	  uint32_t avail, uint16_t flags, struct sl_frame *f)
{
	/* A terminator at mm at the latest keeps the line within max_msg. */
	uint32_t lim = avail <= mm ? avail : mm + 1;
	uint32_t t = NOT_FOUND, len;
	uint8_t term = 0;

	if (st->scanned < lim)
		t = find_term(sp, n, st->scanned, lim, &term);
	if (t != NOT_FOUND) {
		len = t;
		if (term == '\n' && byte_at(sp, n, t - 1) == '\r') /* t >= 1 */
			len--;
		return frame(f, 0, len, len, t + 1, flags, term == '\n' ? K_LF : K_NUL, 1);
	}
	if (st->scanned < lim)
		st->scanned = lim;
	st->mode = flags ? M_BAD : M_LINE;
	if (avail <= mm)
		return SL_FRAME_MORE;
	/* mm + 1 bytes without a terminator: the line is longer than max_msg,
	 * unless byte mm is the CR of a CRLF right after max_msg bytes. */
	if (byte_at(sp, n, mm) == '\r') {
		if (avail < mm + 2)
			return SL_FRAME_MORE;
		if (byte_at(sp, n, mm + 1) == '\n')
			return frame(f, 0, mm, mm, mm + 2, flags, K_LF, 1);
	}
	return frame(f, 0, mm, mm, mm, flags | SL_REC_F_TRUNCATED, K_LINE_CUT, 1);
}

enum sl_frame_result
sl_framer_next(struct sl_framer *st, const struct sl_framing_cfg *cfg,
	       const struct sl_iov *sp, unsigned int n, struct sl_frame *f)
{
	uint8_t buf[PEEK_MAX];
	const uint8_t *b;
	uint32_t avail = stream_len(sp, n), mm = max_msg_of(cfg);
	uint32_t nb, len = 0, pfx = 0, t, k;
	uint8_t term = 0;

	if (avail == 0)
		return SL_FRAME_MORE;
	switch (st->mode) {
	case M_SKIP:
		k = st->skip < avail ? st->skip : avail;
		return frame(f, 0, 0, 0, k, 0, K_SKIP, 0);
	case M_SKIP_LINE:
		t = find_term(sp, n, 0, avail, &term);
		if (t == NOT_FOUND)
			return frame(f, 0, 0, 0, avail, 0, K_SKIP, 0);
		return frame(f, 0, 0, 0, t + 1, 0, K_SKIP_END, 0);
	case M_LINE:
		return next_line(st, mm, sp, n, avail, 0, f);
	case M_BAD:
		return next_line(st, mm, sp, n, avail, SL_REC_F_FRAMING_ERR, f);
	default:
		break;
	}

	nb = avail < PEEK_MAX ? avail : PEEK_MAX;
	b = peek(sp, n, nb, buf);
	if (is_empty_byte(b[0])) {
		/* The run may go on past the peeked bytes and spans. */
		uint32_t run = 0;
		unsigned int i;

		for (i = 0; i < n; i++) {
			const uint8_t *p = sp[i].p, *e;

			if (sp[i].len == 0)
				continue;
			e = p + sp[i].len;
			while (p < e && is_empty_byte(*p))
				p++;
			run += (uint32_t)(p - sp[i].p);
			if (p < e || run >= avail)
				break;
		}
		if (run > avail)
			run = avail;
		return frame(f, 0, 0, 0, run, 0, K_EMPTY, 0);
	}

	switch (classify(b, nb, cfg->max_frame ? cfg->max_frame : DEFAULT_MAX_FRAME, &len, &pfx)) {
	case C_MORE:
		return SL_FRAME_MORE;
	case C_LINE:
		return next_line(st, mm, sp, n, avail, 0, f);
	case C_BAD:
		return next_line(st, mm, sp, n, avail, SL_REC_F_FRAMING_ERR, f);
	case C_OCTET:
		break;
	}
	if (len <= mm) {
		if (avail - pfx < len)
			return SL_FRAME_MORE;
		return frame(f, pfx, len, len, pfx + len, 0, K_OCTET, 1);
	}
	if (avail - pfx < mm)
		return SL_FRAME_MORE;
	return frame(f, pfx, mm, len, pfx + mm, SL_REC_F_TRUNCATED, K_OCTET, 1);
}

/* Digits of a length prefix "LEN SP" of a valid count, SP included. */
static inline uint32_t
prefix_len(uint32_t len)
{
	uint32_t d = 1;

	while (len >= 10) {
		len /= 10;
		d++;
	}
	return d + 1;
}

void
sl_framer_commit(struct sl_framer *st, const struct sl_frame *f, uint64_t *ctr)
{
	uint32_t cut;

	st->scanned = 0;
	switch (f->kind) {
	case K_EMPTY:
		ctr[SL_FRAMING_empty_bytes] += f->consume;
		return;
	case K_SKIP:
		ctr[SL_FRAMING_skipped_bytes] += f->consume;
		if (st->mode == M_SKIP) {
			st->skip -= f->consume < st->skip ? f->consume : st->skip;
			if (st->skip == 0)
				st->mode = M_START;
		}
		return;
	case K_SKIP_END:
		ctr[SL_FRAMING_skipped_bytes] += f->consume;
		st->mode = M_START;
		return;
	case K_OCTET:
		ctr[SL_FRAMING_frames_octet]++;
		st->mode = M_START;
		if (f->orig_len > f->len) {
			ctr[SL_FRAMING_truncated]++;
			st->skip = f->orig_len - f->len;
			st->mode = M_SKIP;
		}
		return;
	case K_LF:
	case K_NUL:
	case K_LINE_CUT:
		ctr[f->kind == K_NUL ? SL_FRAMING_frames_nul : SL_FRAMING_frames_lf]++;
		if (f->flags & SL_REC_F_FRAMING_ERR)
			ctr[SL_FRAMING_bad_prefix]++;
		st->mode = M_START;
		if (f->kind == K_LINE_CUT) {
			ctr[SL_FRAMING_truncated]++;
			st->mode = M_SKIP_LINE;
		}
		return;
	case K_CLOSE_LINE:
	case K_CLOSE_OCTET:
		ctr[SL_FRAMING_frames_close]++;
		if (f->flags & SL_REC_F_FRAMING_ERR)
			ctr[SL_FRAMING_bad_prefix]++;
		/* LF/CR/NUL before the message (only if next() was not asked). */
		ctr[SL_FRAMING_empty_bytes] += f->off -
			(f->kind == K_CLOSE_OCTET ? prefix_len(f->orig_len) : 0);
		cut = f->consume - f->off - f->len;
		if (cut != 0) {
			ctr[SL_FRAMING_truncated]++;
			ctr[SL_FRAMING_skipped_bytes] += cut;
		}
		st->mode = M_START;
		st->skip = 0;
		return;
	default:
		return;
	}
}

enum sl_frame_result
sl_framer_close(struct sl_framer *st, const struct sl_framing_cfg *cfg,
		const struct sl_iov *sp, unsigned int n, struct sl_frame *f)
{
	uint8_t buf[PEEK_MAX];
	const uint8_t *b;
	uint32_t avail = stream_len(sp, n), mm = max_msg_of(cfg);
	uint32_t s, nb, len = 0, pfx = 0, body, k;
	enum cls c;

	if (avail == 0 || st->mode == M_SKIP || st->mode == M_SKIP_LINE)
		return SL_FRAME_MORE;
	/* Not a message: LF/CR/NUL in front (none after next() said MORE). */
	for (s = 0; s < avail && is_empty_byte(byte_at(sp, n, s)); s++)
		;
	if (s == avail)
		return SL_FRAME_MORE;
	nb = avail - s < PEEK_MAX ? avail - s : PEEK_MAX;
	for (k = 0; k < nb; k++)
		buf[k] = byte_at(sp, n, s + k);
	b = buf;
	c = classify(b, nb, cfg->max_frame ? cfg->max_frame : DEFAULT_MAX_FRAME, &len, &pfx);
	if (c == C_OCTET) {
		/* The body's first bytes; the prefix is framing. */
		body = avail - s - pfx;
		if (body > len)
			body = len;
		return frame(f, s + pfx, body < mm ? body : mm, len, avail,
			     SL_REC_F_TRUNCATED, K_CLOSE_OCTET, 1);
	}
	/* A line, or a prefix that never completed: the bytes as they are. */
	body = avail - s;
	return frame(f, s, body < mm ? body : mm, body, avail,
		     SL_REC_F_TRUNCATED | (c == C_BAD ? SL_REC_F_FRAMING_ERR : 0),
		     K_CLOSE_LINE, 1);
}

void
sl_span_copy(uint8_t *dst, const struct sl_iov *sp, unsigned int n,
	     uint32_t off, uint32_t len)
{
	unsigned int i;
	uint32_t k;

	for (i = 0; i < n && len > 0; i++) {
		if (off >= sp[i].len) { /* empty spans too: their p may be NULL */
			off -= sp[i].len;
			continue;
		}
		k = sp[i].len - off < len ? sp[i].len - off : len;
		memcpy(dst, sp[i].p + off, k);
		dst += k;
		len -= k;
		off = 0;
	}
}

const struct sl_ctr_desc sl_framing_ctr_desc[] = {
	SL_FRAMING_COUNTERS(SL_CTR_DESC)
};

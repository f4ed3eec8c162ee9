/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A bounded append buffer and the few formatters message synthesis needs
 * (strings, decimals, zero/space padding, hex). Much faster than snprintf
 * per field, and never writes past the end: a full buffer silently stops
 * growing (the caller truncates to its target size anyway).
 */
#ifndef GEN_BUF_H
#define GEN_BUF_H

#include <stdint.h>
#include <string.h>

/** An append buffer over caller memory. */
struct gen_buf {
	uint8_t *p;
	uint32_t len;
	uint32_t cap;
};

static inline void
gb_init(struct gen_buf *b, uint8_t *mem, uint32_t cap)
{
	b->p = mem;
	b->len = 0;
	b->cap = cap;
}

static inline void
gb_mem(struct gen_buf *b, const void *s, uint32_t n)
{
	if (n > b->cap - b->len)
		n = b->cap - b->len;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static inline void
gb_str(struct gen_buf *b, const char *s)
{
	gb_mem(b, s, (uint32_t)strlen(s));
}

static inline void
gb_ch(struct gen_buf *b, char c)
{
	if (b->len < b->cap)
		b->p[b->len++] = (uint8_t)c;
}

/** Decimal, at least @p width digits, padded with @p fill ('0' or ' '). */
static inline void
gb_uw(struct gen_buf *b, uint64_t v, int width, char fill)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < width)
		tmp[n++] = fill;
	while (n)
		gb_ch(b, tmp[--n]);
}

static inline void
gb_u(struct gen_buf *b, uint64_t v)
{
	gb_uw(b, v, 0, '0');
}

/** @p n lowercase hex digits of @p v. */
static inline void
gb_hex(struct gen_buf *b, uint64_t v, int n)
{
	static const char hx[] = "0123456789abcdef";

	while (n--)
		gb_ch(b, hx[(v >> (4 * n)) & 15]);
}

#endif /* GEN_BUF_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the parse stage (RFC 5424, RFC 3164, raw).
 *
 * The input is copied into a heap buffer of exactly its size, so ASan
 * catches any read past the end, and parsed with and without a year hint.
 * Then the invariants the rest of sluice relies on are checked (abort on
 * violation): every span lies inside the message, the kind is one of the
 * three, a raw result is the whole line with no header fields, severity and
 * facility are in range or NONE, and the SD helpers walk the SD span
 * without leaving it (every value unescaped into a small buffer).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sl_parse_msg.h"
#include "sl_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_span(struct sl_span s, uint32_t n)
{
	if (s.off > n || s.len > n - s.off)
		abort();
}

static void
check(const uint8_t *p, uint32_t n, const struct sl_parsed *o, int kind)
{
	struct sl_sd_iter it;
	struct sl_span id, name, value;
	char buf[16];
	unsigned elems = 0;

	if (kind != o->kind || kind > SL_PARSE_3164)
		abort();
	check_span(o->host, n);
	check_span(o->app, n);
	check_span(o->procid, n);
	check_span(o->msgid, n);
	check_span(o->sd, n);
	check_span(o->msg, n);
	if ((o->severity > 7 && o->severity != SL_SEV_NONE) ||
	    (o->facility > 23 && o->facility != SL_FAC_NONE) ||
	    ((o->severity == SL_SEV_NONE) != (o->facility == SL_FAC_NONE)))
		abort();
	if (kind == SL_PARSE_RAW &&
	    (o->msg.off != 0 || o->msg.len != n || o->host.len || o->app.len ||
	     o->sd.len || o->ts_ns != INT64_MIN || (o->flags & SL_PARSE_F_ERR)))
		abort();
	if (kind != SL_PARSE_5424 && (o->sd.len || o->msgid.len || o->version))
		abort();
	sl_parse_sd_begin(o, &it);
	while (sl_parse_sd_next(p, &it, &id)) {
		check_span(id, n);
		if (id.off < o->sd.off || id.off + id.len > o->sd.off + o->sd.len || id.len == 0)
			abort();
		while (sl_parse_sd_param(p, &it, &name, &value)) {
			int r = sl_parse_unescape(p, value, buf, sizeof(buf));

			check_span(name, n);
			check_span(value, n);
			if (value.off + value.len > o->sd.off + o->sd.len || name.len == 0)
				abort();
			if (r > (int)sizeof(buf) || (r < 0 && value.len <= sizeof(buf)))
				abort();
		}
		elems++;
	}
	/* A non-empty SD span holds at least one element. */
	if (o->sd.len && elems == 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_parsed o;
	uint8_t *p;
	uint32_t n;
	int kind;

	if (size > 65536)
		return 0;
	n = (uint32_t)size;
	p = malloc(n ? n : 1);
	if (p == NULL)
		return 0;
	memcpy(p, data, n);
	kind = sl_parse_msg(p, n, 2026, &o);
	check(p, n, &o, kind);
	kind = sl_parse_msg(p, n, 0, &o);
	check(p, n, &o, kind);
	free(p);
	return 0;
}

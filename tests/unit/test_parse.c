/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parse stage: RFC 5424 (the RFC's own examples, every field, NILVALUEs,
 * SD and escapes, BOM, length limits, timestamps), RFC 3164 as sent in the
 * wild (logger, rsyslog, Cisco), raw lines, and every prefix of valid
 * messages in exactly-sized heap buffers so ASan sees any over-read.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_test.h"
#include "sl_common.h"
#include "sl_parse_msg.h"
#include "sl_record.h"

#define NS 1000000000LL

/* The message lives in an exactly-sized heap copy while it is parsed. */
static uint8_t *cur;
static uint32_t cur_len;

static int
parse_n(const void *s, uint32_t n, int32_t year, struct sl_parsed *o)
{
	free(cur);
	cur = malloc(n ? n : 1);
	if (cur == NULL)
		abort();
	memcpy(cur, s, n);
	cur_len = n;
	return sl_parse_msg(cur, n, year, o);
}

static int
parse(const char *s, struct sl_parsed *o)
{
	return parse_n(s, (uint32_t)strlen(s), 2026, o);
}

/* Does the span hold exactly @want (NULL: absent)? */
static int
span_is(struct sl_span sp, const char *want)
{
	if (want == NULL)
		return sp.len == 0;
	if (sp.off > cur_len || sp.len > cur_len - sp.off)
		return 0;
	return sp.len == strlen(want) && memcmp(cur + sp.off, want, sp.len) == 0;
}

#define SPAN_EQ(sp, want) do { \
	if (!span_is((sp), (want))) \
		SL_FAIL("%s is \"%.*s\", expected \"%s\"", #sp, \
			(int)((sp).off <= cur_len && (sp).len <= cur_len - (sp).off ? (sp).len : 0), \
			(const char *)cur + ((sp).off <= cur_len ? (sp).off : 0), \
			(want) ? (want) : "(absent)"); \
} while (0)

#define NOFLAG(o, f) SL_ASSERT(((o).flags & (f)) == 0)
#define FLAG(o, f) SL_ASSERT(((o).flags & (f)) == (f))

/* ---- RFC 5424 section 6.5 ---- */

static int
test_5424_example1_bom_nil_procid_and_sd(void)
{
	struct sl_parsed o;
	static const char m[] = "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - "
		"\xef\xbb\xbf'su root' failed for lonvick on /dev/pts/8";

	SL_ASSERT_EQ(parse(m, &o), SL_PARSE_5424);
	SL_ASSERT_EQ(o.facility, 4);
	SL_ASSERT_EQ(o.severity, 2);
	SL_ASSERT_EQ(o.version, 1);
	SL_ASSERT_EQ(o.ts_ns, 1065910455LL * NS + 3000000);
	SPAN_EQ(o.host, "mymachine.example.com");
	SPAN_EQ(o.app, "su");
	SPAN_EQ(o.procid, NULL);
	SPAN_EQ(o.msgid, "ID47");
	SPAN_EQ(o.sd, NULL);
	SPAN_EQ(o.msg, "'su root' failed for lonvick on /dev/pts/8");
	SL_ASSERT_EQ(o.flags, SL_PARSE_F_BOM);
	return 0;
}

static int
test_5424_example2_offset_microseconds_no_bom(void)
{
	struct sl_parsed o;

	SL_ASSERT_EQ(parse("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - "
			   "%% It's time to make the do-nuts.", &o), SL_PARSE_5424);
	SL_ASSERT_EQ(o.facility, 20);
	SL_ASSERT_EQ(o.severity, 5);
	SL_ASSERT_EQ(o.ts_ns, 1061727255LL * NS + 3000);
	SPAN_EQ(o.host, "192.0.2.1");
	SPAN_EQ(o.app, "myproc");
	SPAN_EQ(o.procid, "8710");
	SPAN_EQ(o.msgid, NULL);
	SPAN_EQ(o.sd, NULL);
	SPAN_EQ(o.msg, "%% It's time to make the do-nuts.");
	SL_ASSERT_EQ(o.flags, 0);
	return 0;
}

static int
test_5424_example3_sd_and_bom_msg(void)
{
	struct sl_parsed o;
	struct sl_sd_iter it;
	struct sl_span id, n, v;

	SL_ASSERT_EQ(parse("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
			   "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] "
			   "\xef\xbb\xbf" "An application event log entry...", &o), SL_PARSE_5424);
	SPAN_EQ(o.app, "evntslog");
	SPAN_EQ(o.sd, "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]");
	SPAN_EQ(o.msg, "An application event log entry...");
	SL_ASSERT_EQ(o.flags, SL_PARSE_F_BOM);
	sl_parse_sd_begin(&o, &it);
	SL_ASSERT(sl_parse_sd_next(cur, &it, &id));
	SPAN_EQ(id, "exampleSDID@32473");
	SL_ASSERT(sl_parse_sd_param(cur, &it, &n, &v));
	SPAN_EQ(n, "iut");
	SPAN_EQ(v, "3");
	SL_ASSERT(sl_parse_sd_param(cur, &it, &n, &v));
	SPAN_EQ(n, "eventSource");
	SPAN_EQ(v, "Application");
	SL_ASSERT(sl_parse_sd_param(cur, &it, &n, &v));
	SPAN_EQ(n, "eventID");
	SPAN_EQ(v, "1011");
	SL_ASSERT(!sl_parse_sd_param(cur, &it, &n, &v));
	SL_ASSERT(!sl_parse_sd_next(cur, &it, &id));
	return 0;
}

static int
test_5424_example4_two_sd_elements_no_msg(void)
{
	struct sl_parsed o;
	struct sl_sd_iter it;
	struct sl_span id, n, v;
	int params = 0;

	SL_ASSERT_EQ(parse("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
			   "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]"
			   "[examplePriority@32473 class=\"high\"]", &o), SL_PARSE_5424);
	SL_ASSERT_EQ(o.flags, 0);
	SPAN_EQ(o.msg, NULL);
	sl_parse_sd_begin(&o, &it);
	SL_ASSERT(sl_parse_sd_next(cur, &it, &id));
	while (sl_parse_sd_param(cur, &it, &n, &v))
		params++;
	SL_ASSERT_EQ(params, 3);
	SL_ASSERT(sl_parse_sd_next(cur, &it, &id));
	SPAN_EQ(id, "examplePriority@32473");
	SL_ASSERT(sl_parse_sd_param(cur, &it, &n, &v));
	SPAN_EQ(n, "class");
	SPAN_EQ(v, "high");
	SL_ASSERT(!sl_parse_sd_param(cur, &it, &n, &v));
	SL_ASSERT(!sl_parse_sd_next(cur, &it, &id));
	return 0;
}

static int
test_5424_all_nilvalues(void)
{
	struct sl_parsed o;

	SL_ASSERT_EQ(parse("<14>1 - - - - - -", &o), SL_PARSE_5424);
	SL_ASSERT_EQ(o.flags, 0);
	SL_ASSERT_EQ(o.ts_ns, INT64_MIN);
	SPAN_EQ(o.host, NULL);
	SPAN_EQ(o.app, NULL);
	SPAN_EQ(o.procid, NULL);
	SPAN_EQ(o.msgid, NULL);
	SPAN_EQ(o.sd, NULL);
	SPAN_EQ(o.msg, NULL);
	SL_ASSERT_EQ(parse("<14>1 - - - - - - hello", &o), SL_PARSE_5424);
	SL_ASSERT_EQ(o.flags, 0);
	SPAN_EQ(o.msg, "hello");
	/* A lone '-' as MSG is MSG, not NILVALUE. */
	SL_ASSERT_EQ(parse("<14>1 - - - - - - -", &o), SL_PARSE_5424);
	SPAN_EQ(o.msg, "-");
	return 0;
}

static int
test_5424_sd_escapes_unescape_into_buffer(void)
{
	struct sl_parsed o;
	struct sl_sd_iter it;
	struct sl_span id, n, v;
	char buf[64];
	int r;

	SL_ASSERT_EQ(parse("<13>1 - h a p m [x@1 a=\"q\\\"uo\\\\te\\]d\" b=\"\\n]\"][y z=\"\"] m", &o),
		     SL_PARSE_5424);
	SL_ASSERT_EQ(o.flags, 0);
	SPAN_EQ(o.msg, "m");
	sl_parse_sd_begin(&o, &it);
	SL_ASSERT(sl_parse_sd_next(cur, &it, &id));
	SPAN_EQ(id, "x@1");
	SL_ASSERT(sl_parse_sd_param(cur, &it, &n, &v));
	SPAN_EQ(n, "a");
	SPAN_EQ(v, "q\\\"uo\\\\te\\]d");
	r = sl_parse_unescape(cur, v, buf, sizeof(buf));
	SL_ASSERT_EQ(r, 9);
	SL_ASSERT_MEM_EQ(buf, "q\"uo\\te]d", 9);
	SL_ASSERT_EQ(sl_parse_unescape(cur, v, buf, 3), -ENOSPC);
	/* Any other escape keeps its backslash; ']' unescaped in a value is
	 * tolerated. */
	SL_ASSERT(sl_parse_sd_param(cur, &it, &n, &v));
	SPAN_EQ(n, "b");
	r = sl_parse_unescape(cur, v, buf, sizeof(buf));
	SL_ASSERT_EQ(r, 3);
	SL_ASSERT_MEM_EQ(buf, "\\n]", 3);
	SL_ASSERT(!sl_parse_sd_param(cur, &it, &n, &v));
	SL_ASSERT(sl_parse_sd_next(cur, &it, &id));
	SPAN_EQ(id, "y");
	SL_ASSERT(sl_parse_sd_param(cur, &it, &n, &v));
	SPAN_EQ(n, "z");
	SL_ASSERT_EQ(v.len, 0);
	SL_ASSERT(!sl_parse_sd_next(cur, &it, &id));
	/* An element without params. */
	SL_ASSERT_EQ(parse("<13>1 - h a p m [origin] m", &o), SL_PARSE_5424);
	SL_ASSERT_EQ(o.flags, 0);
	SPAN_EQ(o.sd, "[origin]");
	return 0;
}

static int
test_5424_bad_sd_flagged_with_partial_result(void)
{
	struct sl_parsed o;
	static const char *bad[] = {
		"<13>1 - h a p m [x@1 a=\"unterminated",
		"<13>1 - h a p m [x@1 a=\"v\"",
		"<13>1 - h a p m [x@1 a=v] m",
		"<13>1 - h a p m [] m",
		"<13>1 - h a p m [x@1  a=\"v\"] m",
		"<13>1 - h a p m [x@1 a=\"v\\",
		"<13>1 - h a p m [abcdefghijabcdefghijabcdefghijabc] m",
	};
	unsigned k;

	for (k = 0; k < SL_DIM(bad); k++) {
		SL_ASSERT_EQ(parse(bad[k], &o), SL_PARSE_5424);
		FLAG(o, SL_PARSE_F_ERR | SL_PARSE_F_BAD_SD);
		SPAN_EQ(o.host, "h");
		SPAN_EQ(o.msgid, "m");
	}
	/* The valid elements before a bad one are kept. */
	SL_ASSERT_EQ(parse("<13>1 - h a p m [ok a=\"1\"][bad", &o), SL_PARSE_5424);
	FLAG(o, SL_PARSE_F_BAD_SD);
	SPAN_EQ(o.sd, "[ok a=\"1\"]");
	/* No SD at all: the rest is kept as MSG. */
	SL_ASSERT_EQ(parse("<13>1 - h a p m hello world", &o), SL_PARSE_5424);
	FLAG(o, SL_PARSE_F_BAD_SD | SL_PARSE_F_ERR);
	SPAN_EQ(o.msg, "hello world");
	/* SD not followed by SP. */
	SL_ASSERT_EQ(parse("<13>1 - h a p m [a]x", &o), SL_PARSE_5424);
	FLAG(o, SL_PARSE_F_BAD_SD);
	SPAN_EQ(o.sd, "[a]");
	SPAN_EQ(o.msg, "x");
	return 0;
}

static int
test_5424_length_limits_flagged(void)
{
	struct sl_parsed o;
	char m[1024], f[300];

	/* At the limit: fine. */
	memset(f, 'a', sizeof(f));
	snprintf(m, sizeof(m), "<13>1 - %.255s %.48s %.128s %.32s - x", f, f, f, f);
	SL_ASSERT_EQ(parse(m, &o), SL_PARSE_5424);
	SL_ASSERT_EQ(o.flags, 0);
	SL_ASSERT_EQ(o.host.len, 255);
	SL_ASSERT_EQ(o.app.len, 48);
	SL_ASSERT_EQ(o.procid.len, 128);
	SL_ASSERT_EQ(o.msgid.len, 32);
	/* One over, each field in turn: flagged, still parsed. */
	snprintf(m, sizeof(m), "<13>1 - %.256s a p m - x", f);
	SL_ASSERT_EQ(parse(m, &o), SL_PARSE_5424);
	FLAG(o, SL_PARSE_F_LONG | SL_PARSE_F_ERR);
	SL_ASSERT_EQ(o.host.len, 256);
	SPAN_EQ(o.msg, "x");
	snprintf(m, sizeof(m), "<13>1 - h %.49s p m - x", f);
	SL_ASSERT_EQ(parse(m, &o), SL_PARSE_5424);
	FLAG(o, SL_PARSE_F_LONG);
	snprintf(m, sizeof(m), "<13>1 - h a %.129s m - x", f);
	SL_ASSERT_EQ(parse(m, &o), SL_PARSE_5424);
	FLAG(o, SL_PARSE_F_LONG);
	snprintf(m, sizeof(m), "<13>1 - h a p %.33s - x", f);
	SL_ASSERT_EQ(parse(m, &o), SL_PARSE_5424);
	FLAG(o, SL_PARSE_F_LONG);
	SPAN_EQ(o.msg, "x");
	/* Empty field (two spaces) and non-printable bytes. */
	SL_ASSERT_EQ(parse("<13>1 - h  p m - x", &o), SL_PARSE_5424);
	FLAG(o, SL_PARSE_F_ERR);
	SL_ASSERT_EQ(parse("<13>1 - h\x01 a p m - x", &o), SL_PARSE_5424);
	FLAG(o, SL_PARSE_F_ERR);
	return 0;
}

static int
test_5424_timestamps(void)
{
	struct sl_parsed o;

	SL_ASSERT_EQ(parse("<13>1 1985-04-12T23:20:50.52Z h a p m - x", &o), SL_PARSE_5424);
	SL_ASSERT_EQ(o.flags, 0);
	SL_ASSERT_EQ(o.ts_ns, 482196050LL * NS + 520000000);
	SL_ASSERT_EQ(parse("<13>1 1985-04-12T19:20:50.52-04:00 h a p m - x", &o), SL_PARSE_5424);
	SL_ASSERT_EQ(o.ts_ns, 482196050LL * NS + 520000000);
	SL_ASSERT_EQ(parse("<13>1 1985-04-13T05:20:50+06:00 h a p m - x", &o), SL_PARSE_5424);
	SL_ASSERT_EQ(o.ts_ns, 482196050LL * NS);
	SL_ASSERT_EQ(parse("<13>1 2024-02-29T00:00:00.123456Z h a p m - x", &o), SL_PARSE_5424);
	SL_ASSERT_EQ(o.flags, 0);
	SL_ASSERT_EQ(o.ts_ns, 1709164800LL * NS + 123456000);
	/* Leap second: accepted, flagged, counted as the next second. */
	SL_ASSERT_EQ(parse("<13>1 2016-12-31T23:59:60Z h a p m - x", &o), SL_PARSE_5424);
	SL_ASSERT_EQ(o.flags, SL_PARSE_F_LEAP);
	SL_ASSERT_EQ(o.ts_ns, (1483228799LL + 1) * NS);
	return 0;
}

static int
test_5424_bad_timestamps_flagged_rest_parsed(void)
{
	static const char *bad[] = {
		"2023-02-29T00:00:00Z",        /* not a leap year */
		"2024-13-01T00:00:00Z",
		"2024-04-31T00:00:00Z",
		"2024-01-00T00:00:00Z",
		"2024-01-01T24:00:00Z",
		"2024-01-01T00:60:00Z",
		"2024-01-01T00:00:61Z",
		"2024-01-01T00:00:00.1234567Z", /* 7 fraction digits */
		"2024-01-01T00:00:00.Z",
		"2024-01-01T00:00:00",          /* no zone */
		"2024-01-01T00:00:00+24:00",
		"2024-01-01T00:00:00+01",
		"2024-01-01t00:00:00z",
		"2024-1-01T00:00:00Z",
		"yesterday",
		"2024-01-01T00:00:00Zjunk",
	};
	struct sl_parsed o;
	char m[256];
	unsigned k;

	for (k = 0; k < SL_DIM(bad); k++) {
		snprintf(m, sizeof(m), "<13>1 %s host app 1 id - msg", bad[k]);
		SL_ASSERT_EQ(parse(m, &o), SL_PARSE_5424);
		if ((o.flags & (SL_PARSE_F_BAD_TS | SL_PARSE_F_ERR)) !=
		    (SL_PARSE_F_BAD_TS | SL_PARSE_F_ERR))
			SL_FAIL("timestamp \"%s\" not flagged", bad[k]);
		SL_ASSERT_EQ(o.ts_ns, INT64_MIN);
		SPAN_EQ(o.host, "host");
		SPAN_EQ(o.msg, "msg");
	}
	/* A space inside: flagged (the fields after it shift). */
	SL_ASSERT_EQ(parse("<13>1 2024-01-01 00:00:00Z h a p m - x", &o), SL_PARSE_5424);
	FLAG(o, SL_PARSE_F_BAD_TS | SL_PARSE_F_ERR);
	/* Valid but beyond int64 ns: no error, no timestamp. */
	SL_ASSERT_EQ(parse("<13>1 9999-12-31T23:59:59Z h a p m - x", &o), SL_PARSE_5424);
	SL_ASSERT_EQ(o.flags, 0);
	SL_ASSERT_EQ(o.ts_ns, INT64_MIN);
	return 0;
}

static int
test_5424_pri_and_version_edges(void)
{
	struct sl_parsed o;

	SL_ASSERT_EQ(parse("<0>1 - - - - - -", &o), SL_PARSE_5424);
	SL_ASSERT_EQ(o.facility, 0);
	SL_ASSERT_EQ(o.severity, 0);
	SL_ASSERT_EQ(o.flags, 0);
	SL_ASSERT_EQ(parse("<191>1 - - - - - -", &o), SL_PARSE_5424);
	SL_ASSERT_EQ(o.facility, 23);
	SL_ASSERT_EQ(o.severity, 7);
	SL_ASSERT_EQ(parse("<192>1 - h - - - -", &o), SL_PARSE_5424);
	FLAG(o, SL_PARSE_F_BAD_PRI | SL_PARSE_F_ERR);
	SL_ASSERT_EQ(o.facility, SL_FAC_NONE);
	SL_ASSERT_EQ(o.severity, SL_SEV_NONE);
	SPAN_EQ(o.host, "h");
	SL_ASSERT_EQ(parse("<013>1 - - - - - -", &o), SL_PARSE_5424);
	FLAG(o, SL_PARSE_F_BAD_PRI);
	SL_ASSERT_EQ(parse("<1000>1 - - - - - -", &o), SL_PARSE_5424);
	FLAG(o, SL_PARSE_F_BAD_PRI);
	SL_ASSERT_EQ(parse("<13>2 - - - - - -", &o), SL_PARSE_5424);
	SL_ASSERT_EQ(o.version, 2);
	FLAG(o, SL_PARSE_F_ERR);
	return 0;
}

static int
test_5424_bom_with_invalid_utf8_flagged(void)
{
	struct sl_parsed o;

	SL_ASSERT_EQ(parse("<13>1 - h a p m - \xef\xbb\xbf" "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", &o),
		     SL_PARSE_5424);
	SL_ASSERT_EQ(o.flags, SL_PARSE_F_BOM);
	SL_ASSERT_EQ(parse("<13>1 - h a p m - \xef\xbb\xbf" "bad \xc3", &o), SL_PARSE_5424);
	FLAG(o, SL_PARSE_F_BOM | SL_PARSE_F_BAD_UTF8 | SL_PARSE_F_ERR);
	SPAN_EQ(o.msg, "bad \xc3");
	SL_ASSERT_EQ(parse("<13>1 - h a p m - \xef\xbb\xbf" "\xc0\xaf", &o), SL_PARSE_5424);
	FLAG(o, SL_PARSE_F_BAD_UTF8);
	SL_ASSERT_EQ(parse("<13>1 - h a p m - \xef\xbb\xbf" "\xed\xa0\x80", &o), SL_PARSE_5424);
	FLAG(o, SL_PARSE_F_BAD_UTF8);
	/* Without a BOM, MSG is MSG-ANY: no check. */
	SL_ASSERT_EQ(parse("<13>1 - h a p m - bad \xc3", &o), SL_PARSE_5424);
	SL_ASSERT_EQ(o.flags, 0);
	return 0;
}

static int
test_5424_truncated_header_flagged(void)
{
	struct sl_parsed o;

	SL_ASSERT_EQ(parse("<13>1 2003-10-11T22:14:15.003Z host app", &o), SL_PARSE_5424);
	FLAG(o, SL_PARSE_F_TRUNC | SL_PARSE_F_ERR);
	SL_ASSERT_EQ(o.ts_ns, 1065910455LL * NS + 3000000);
	SPAN_EQ(o.host, "host");
	SPAN_EQ(o.app, "app");
	SPAN_EQ(o.msg, NULL);
	SL_ASSERT_EQ(parse("<13>1 ", &o), SL_PARSE_5424);
	FLAG(o, SL_PARSE_F_TRUNC);
	return 0;
}

/* ---- RFC 3164 ---- */

static int
test_3164_logger_rfc3164_output(void)
{
	struct sl_parsed o;

	SL_ASSERT_EQ(parse("<13>Nov 23 05:10:59 vm tag: msg", &o), SL_PARSE_3164);
	SL_ASSERT_EQ(o.facility, 1);
	SL_ASSERT_EQ(o.severity, 5);
	SL_ASSERT_EQ(o.version, 0);
	SL_ASSERT_EQ(o.flags, 0);
	SL_ASSERT_EQ(o.ts_ns, 1795410659LL * NS);
	SPAN_EQ(o.host, "vm");
	SPAN_EQ(o.app, "tag");
	SPAN_EQ(o.procid, NULL);
	SPAN_EQ(o.msgid, NULL);
	SPAN_EQ(o.sd, NULL);
	SPAN_EQ(o.msg, "msg");
	/* No year hint: parsed, no timestamp. */
	SL_ASSERT_EQ(parse_n("<13>Nov 23 05:10:59 vm tag: msg", 31, 0, &o), SL_PARSE_3164);
	SL_ASSERT_EQ(o.ts_ns, INT64_MIN);
	SL_ASSERT_EQ(o.flags, 0);
	SPAN_EQ(o.msg, "msg");
	return 0;
}

static int
test_3164_rfc_examples(void)
{
	struct sl_parsed o;

	SL_ASSERT_EQ(parse("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
			   &o), SL_PARSE_3164);
	SL_ASSERT_EQ(o.facility, 4);
	SL_ASSERT_EQ(o.severity, 2);
	SPAN_EQ(o.host, "mymachine");
	SPAN_EQ(o.app, "su");
	SPAN_EQ(o.msg, "'su root' failed for lonvick on /dev/pts/8");
	/* No tag: everything after the host is MSG. */
	SL_ASSERT_EQ(parse("<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!", &o), SL_PARSE_3164);
	SPAN_EQ(o.host, "10.0.0.99");
	SPAN_EQ(o.app, NULL);
	SPAN_EQ(o.msg, "Use the BFG!");
	SL_ASSERT_EQ(o.flags, 0);
	/* No PRI, no timestamp: raw. */
	SL_ASSERT_EQ(parse("Use the BFG!", &o), SL_PARSE_RAW);
	/* PRI but a header that is not one: 3164 without timestamp. */
	SL_ASSERT_EQ(parse("<0>1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: "
			   "That's All Folks!", &o), SL_PARSE_3164);
	SL_ASSERT_EQ(o.severity, 0);
	FLAG(o, SL_PARSE_F_NO_TS);
	NOFLAG(o, SL_PARSE_F_ERR);
	SPAN_EQ(o.msg, "1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: "
		"That's All Folks!");
	return 0;
}

static int
test_3164_rsyslog_forms_pid_single_digit_day_missing_host(void)
{
	struct sl_parsed o;

	SL_ASSERT_EQ(parse("<86>Mar  1 09:05:07 web01 sshd[4242]: Accepted publickey for root", &o),
		     SL_PARSE_3164);
	SL_ASSERT_EQ(o.ts_ns, (1772323200LL + 9 * 3600 + 5 * 60 + 7) * NS);
	SPAN_EQ(o.host, "web01");
	SPAN_EQ(o.app, "sshd");
	SPAN_EQ(o.procid, "4242");
	SPAN_EQ(o.msg, "Accepted publickey for root");
	SL_ASSERT_EQ(o.flags, 0);
	/* Single-digit day without padding. */
	SL_ASSERT_EQ(parse("<86>Mar 1 09:05:07 web01 sshd[4242]: x", &o), SL_PARSE_3164);
	SL_ASSERT_EQ(o.ts_ns, (1772323200LL + 9 * 3600 + 5 * 60 + 7) * NS);
	SPAN_EQ(o.host, "web01");
	/* Missing host: the first word is the tag. */
	SL_ASSERT_EQ(parse("<86>Mar  1 09:05:07 sshd[4242]: x", &o), SL_PARSE_3164);
	SPAN_EQ(o.host, NULL);
	SPAN_EQ(o.app, "sshd");
	SPAN_EQ(o.procid, "4242");
	SPAN_EQ(o.msg, "x");
	SL_ASSERT_EQ(parse("<86>Mar  1 09:05:07 kernel: [ 1.0] x", &o), SL_PARSE_3164);
	SPAN_EQ(o.host, NULL);
	SPAN_EQ(o.app, "kernel");
	SPAN_EQ(o.msg, "[ 1.0] x");
	/* Tags with '/', '-', '.' and a pid without a colon. */
	SL_ASSERT_EQ(parse("<22>Mar  1 09:05:07 mx postfix/smtpd[77]: connect", &o), SL_PARSE_3164);
	SPAN_EQ(o.app, "postfix/smtpd");
	SPAN_EQ(o.procid, "77");
	SL_ASSERT_EQ(parse("<22>Mar  1 09:05:07 mx app-x.y[77] connect", &o), SL_PARSE_3164);
	SPAN_EQ(o.app, "app-x.y");
	SPAN_EQ(o.msg, "connect");
	/* Missing PRI, otherwise fine. */
	SL_ASSERT_EQ(parse("Mar  1 09:05:07 web01 cron[1]: job", &o), SL_PARSE_3164);
	SL_ASSERT_EQ(o.flags, SL_PARSE_F_NO_PRI);
	SL_ASSERT_EQ(o.severity, SL_SEV_NONE);
	SL_ASSERT_EQ(o.facility, SL_FAC_NONE);
	SPAN_EQ(o.host, "web01");
	SPAN_EQ(o.app, "cron");
	SPAN_EQ(o.msg, "job");
	return 0;
}

static int
test_3164_iso_timestamp_in_place_of_bsd(void)
{
	struct sl_parsed o;

	SL_ASSERT_EQ(parse("<30>2024-01-02T03:04:05.123456+00:00 node1 systemd[1]: Started", &o),
		     SL_PARSE_3164);
	SL_ASSERT_EQ(o.ts_ns, 1704164645LL * NS + 123456000);
	SPAN_EQ(o.host, "node1");
	SPAN_EQ(o.app, "systemd");
	SPAN_EQ(o.procid, "1");
	SPAN_EQ(o.msg, "Started");
	SL_ASSERT_EQ(o.flags, 0);
	/* Without a zone it is taken as UTC. */
	SL_ASSERT_EQ(parse("<30>2024-01-02T03:04:05 node1 app: m", &o), SL_PARSE_3164);
	SL_ASSERT_EQ(o.ts_ns, 1704164645LL * NS);
	return 0;
}

static int
test_3164_cisco_sequence_host_and_seq_prefixes(void)
{
	struct sl_parsed o;
	int64_t mar1 = (1772323200LL) * NS + 123000000;

	SL_ASSERT_EQ(parse("<189>123: *Mar  1 00:00:00.123: %SYS-5-CONFIG_I: Configured from console",
			   &o), SL_PARSE_3164);
	SL_ASSERT_EQ(o.facility, 23);
	SL_ASSERT_EQ(o.severity, 5);
	SL_ASSERT_EQ(o.flags, SL_PARSE_F_CISCO);
	SL_ASSERT_EQ(o.ts_ns, mar1);
	SPAN_EQ(o.host, NULL);
	SPAN_EQ(o.app, "%SYS-5-CONFIG_I");
	SPAN_EQ(o.msg, "Configured from console");
	SL_ASSERT_EQ(parse("<189>123: router1: *Mar  1 00:00:00.123: %SYS-5-CONFIG_I: x", &o),
		     SL_PARSE_3164);
	SPAN_EQ(o.host, "router1");
	SPAN_EQ(o.app, "%SYS-5-CONFIG_I");
	SL_ASSERT_EQ(o.ts_ns, mar1);
	SL_ASSERT_EQ(parse("<189>seq: 000123: .Mar  1 00:00:00.123 UTC: %LINK-3-UPDOWN: down", &o),
		     SL_PARSE_3164);
	SL_ASSERT_EQ(o.ts_ns, mar1);
	SPAN_EQ(o.app, "%LINK-3-UPDOWN");
	SPAN_EQ(o.msg, "down");
	/* With a year, no sequence. */
	SL_ASSERT_EQ(parse("<189>Mar  1 2026 00:00:00.123: %SYS-5-CONFIG_I: x", &o), SL_PARSE_3164);
	SL_ASSERT_EQ(o.ts_ns, mar1);
	SPAN_EQ(o.host, NULL);
	/* Without service timestamps. */
	SL_ASSERT_EQ(parse("<189>45: %SYS-5-CONFIG_I: x", &o), SL_PARSE_3164);
	FLAG(o, SL_PARSE_F_CISCO | SL_PARSE_F_NO_TS);
	SPAN_EQ(o.app, "%SYS-5-CONFIG_I");
	SPAN_EQ(o.msg, "x");
	return 0;
}

static int
test_3164_pri_edges(void)
{
	struct sl_parsed o;

	SL_ASSERT_EQ(parse("<0>Nov 23 05:10:59 vm tag: msg", &o), SL_PARSE_3164);
	SL_ASSERT_EQ(o.severity, 0);
	SL_ASSERT_EQ(o.facility, 0);
	SL_ASSERT_EQ(o.flags, 0);
	SL_ASSERT_EQ(parse("<192>Nov 23 05:10:59 vm tag: msg", &o), SL_PARSE_3164);
	FLAG(o, SL_PARSE_F_BAD_PRI | SL_PARSE_F_ERR);
	SL_ASSERT_EQ(o.severity, SL_SEV_NONE);
	SPAN_EQ(o.host, "vm");
	SPAN_EQ(o.msg, "msg");
	SL_ASSERT_EQ(parse("<999>Nov 23 05:10:59 vm tag: msg", &o), SL_PARSE_3164);
	FLAG(o, SL_PARSE_F_BAD_PRI);
	/* Not a PRI at all. */
	SL_ASSERT_EQ(parse("<ab>Nov 23 05:10:59 vm tag: msg", &o), SL_PARSE_RAW);
	SL_ASSERT_EQ(parse("<>x", &o), SL_PARSE_RAW);
	SL_ASSERT_EQ(parse("<13", &o), SL_PARSE_RAW);
	/* PRI and a tag, no timestamp: 3164, not an error. */
	SL_ASSERT_EQ(parse("<13>tag: hello", &o), SL_PARSE_3164);
	SL_ASSERT_EQ(o.flags, SL_PARSE_F_NO_TS);
	SPAN_EQ(o.app, "tag");
	SPAN_EQ(o.msg, "hello");
	return 0;
}

static int
test_3164_bad_dates_flagged(void)
{
	struct sl_parsed o;

	SL_ASSERT_EQ(parse("<13>Feb 30 05:10:59 vm tag: msg", &o), SL_PARSE_3164);
	FLAG(o, SL_PARSE_F_BAD_TS | SL_PARSE_F_ERR);
	SL_ASSERT_EQ(o.ts_ns, INT64_MIN);
	SPAN_EQ(o.host, "vm");
	SPAN_EQ(o.msg, "msg");
	SL_ASSERT_EQ(parse("<13>Nov 23 25:10:59 vm tag: msg", &o), SL_PARSE_3164);
	FLAG(o, SL_PARSE_F_BAD_TS);
	/* Feb 29 without a year is accepted; in a non-leap hint year it is not. */
	SL_ASSERT_EQ(parse_n("<13>Feb 29 05:10:59 vm tag: msg", 31, 0, &o), SL_PARSE_3164);
	NOFLAG(o, SL_PARSE_F_ERR);
	SL_ASSERT_EQ(parse_n("<13>Feb 29 05:10:59 vm tag: msg", 31, 2024, &o), SL_PARSE_3164);
	NOFLAG(o, SL_PARSE_F_ERR);
	SL_ASSERT_EQ(parse_n("<13>Feb 29 05:10:59 vm tag: msg", 31, 2023, &o), SL_PARSE_3164);
	FLAG(o, SL_PARSE_F_BAD_TS);
	return 0;
}

/* ---- raw ---- */

static int
test_raw_lines(void)
{
	static const char *raw[] = {
		"", "x", "hello world", "GET /healthz HTTP/1.1 200",
		"{\"level\":\"info\",\"msg\":\"json line\"}", "Nov", "Nov 23",
		"2024-01-02", "<", "<1", "<1>",
	};
	struct sl_parsed o;
	unsigned k;

	for (k = 0; k < SL_DIM(raw); k++) {
		int kind = parse(raw[k], &o);

		if (k == SL_DIM(raw) - 1) {
			/* "<1>" is a PRI with nothing after it. */
			SL_ASSERT_EQ(kind, SL_PARSE_3164);
			SL_ASSERT_EQ(o.severity, 1);
			SPAN_EQ(o.msg, NULL);
			continue;
		}
		if (kind != SL_PARSE_RAW)
			SL_FAIL("\"%s\" is kind %d, expected raw", raw[k], kind);
		SL_ASSERT_EQ(o.msg.off, 0);
		SL_ASSERT_EQ(o.msg.len, strlen(raw[k]));
		SL_ASSERT_EQ(o.severity, SL_SEV_NONE);
		SL_ASSERT_EQ(o.ts_ns, INT64_MIN);
		SL_ASSERT_EQ(o.host.len + o.app.len + o.procid.len + o.msgid.len + o.sd.len, 0);
		NOFLAG(o, SL_PARSE_F_ERR);
	}
	return 0;
}

/* ---- every prefix ---- */

static int
spans_inside(const struct sl_parsed *o, uint32_t n)
{
	const struct sl_span *s[] = { &o->host, &o->app, &o->procid, &o->msgid, &o->sd, &o->msg };
	unsigned k;

	for (k = 0; k < SL_DIM(s); k++)
		if (s[k]->off > n || s[k]->len > n - s[k]->off)
			return 0;
	return 1;
}

static int
test_every_prefix_parses_within_bounds(void)
{
	static const char *msgs[] = {
		"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
		"[exampleSDID@32473 iut=\"3\" eventSource=\"App\\\"x\\]\" eventID=\"1011\"]"
		"[examplePriority@32473 class=\"high\"] \xef\xbb\xbf" "caf\xc3\xa9",
		"<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% do-nuts",
		"<13>Nov 23 05:10:59 vm tag: msg",
		"<86>Mar  1 09:05:07 web01 sshd[4242]: Accepted",
		"<189>123: router1: *Mar  1 2026 00:00:00.123 UTC: %SYS-5-CONFIG_I: x",
		"<30>2024-01-02T03:04:05.123456+00:00 node1 systemd[1]: Started",
		"Mar 1 09:05:07 web01 cron[1]: job",
	};
	struct sl_parsed o, full;
	unsigned k;

	for (k = 0; k < SL_DIM(msgs); k++) {
		uint32_t n, len = (uint32_t)strlen(msgs[k]);
		int kind = parse_n(msgs[k], len, 2026, &full);

		SL_ASSERT(kind != SL_PARSE_RAW);
		SL_ASSERT((full.flags & SL_PARSE_F_ERR) == 0);
		for (n = 0; n <= len; n++) {
			int kd = parse_n(msgs[k], n, 2026, &o);
			struct sl_sd_iter it;
			struct sl_span id, nm, v;
			char buf[64];

			if (!spans_inside(&o, n))
				SL_FAIL("message %u prefix %u: a span is out of bounds", k, n);
			if (kd != o.kind || (kd == SL_PARSE_RAW && (o.msg.off != 0 || o.msg.len != n)))
				SL_FAIL("message %u prefix %u: raw result not the whole line", k, n);
			/* The SD helpers stay inside the SD span. */
			sl_parse_sd_begin(&o, &it);
			while (sl_parse_sd_next(cur, &it, &id))
				while (sl_parse_sd_param(cur, &it, &nm, &v))
					(void)sl_parse_unescape(cur, v, buf, sizeof(buf));
		}
		/* Once the header is complete the PRI-derived fields stay. */
		parse_n(msgs[k], len - 1, 2026, &o);
		SL_ASSERT_EQ(o.kind, full.kind);
		SL_ASSERT_EQ(o.severity, full.severity);
	}
	return 0;
}

static int
test_embedded_nul_and_high_bytes_are_data(void)
{
	static const uint8_t m[] = "<13>Nov 23 05:10:59 vm tag: a\0b\xff";
	struct sl_parsed o;

	SL_ASSERT_EQ(parse_n(m, sizeof(m) - 1, 2026, &o), SL_PARSE_3164);
	SL_ASSERT_EQ(o.msg.len, 4);
	SL_ASSERT_MEM_EQ(cur + o.msg.off, "a\0b\xff", 4);
	return 0;
}

static const struct sl_test_case cases[] = {
	SL_TEST(test_5424_example1_bom_nil_procid_and_sd),
	SL_TEST(test_5424_example2_offset_microseconds_no_bom),
	SL_TEST(test_5424_example3_sd_and_bom_msg),
	SL_TEST(test_5424_example4_two_sd_elements_no_msg),
	SL_TEST(test_5424_all_nilvalues),
	SL_TEST(test_5424_sd_escapes_unescape_into_buffer),
	SL_TEST(test_5424_bad_sd_flagged_with_partial_result),
	SL_TEST(test_5424_length_limits_flagged),
	SL_TEST(test_5424_timestamps),
	SL_TEST(test_5424_bad_timestamps_flagged_rest_parsed),
	SL_TEST(test_5424_pri_and_version_edges),
	SL_TEST(test_5424_bom_with_invalid_utf8_flagged),
	SL_TEST(test_5424_truncated_header_flagged),
	SL_TEST(test_3164_logger_rfc3164_output),
	SL_TEST(test_3164_rfc_examples),
	SL_TEST(test_3164_rsyslog_forms_pid_single_digit_day_missing_host),
	SL_TEST(test_3164_iso_timestamp_in_place_of_bsd),
	SL_TEST(test_3164_cisco_sequence_host_and_seq_prefixes),
	SL_TEST(test_3164_pri_edges),
	SL_TEST(test_3164_bad_dates_flagged),
	SL_TEST(test_raw_lines),
	SL_TEST(test_every_prefix_parses_within_bounds),
	SL_TEST(test_embedded_nul_and_high_bytes_are_data),
};

int
main(int argc, char **argv)
{
	int r = sl_test_main(argc, argv, cases, SL_DIM(cases), false);

	free(cur);
	return r;
}

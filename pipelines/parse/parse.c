/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Syslog parser: RFC 5424, RFC 3164 and its dialects, raw lines.
 *
 * One forward pass, byte by byte, every index checked against the end
 * before it is read: the message is not terminated and is often the tail
 * of an mbuf. No locale (<ctype.h> is not used), no allocation, no copy.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sl_parse_msg.h"
#include "sl_record.h"

_Static_assert(SL_SEV_NONE == 0xff && SL_FAC_NONE == 0xff,
	       "sl_parse_msg.h documents 0xff as 'none'");

#define NS_PER_S 1000000000LL

static inline int
is_digit(uint8_t c)
{
	return (uint8_t)(c - '0') < 10;
}

static inline int
is_upper(uint8_t c)
{
	return (uint8_t)(c - 'A') < 26;
}

/* PRINTUSASCII: %d33-126 */
static inline int
is_print(uint8_t c)
{
	return c >= 33 && c <= 126;
}

/* SD-NAME: PRINTUSASCII except '=', SP, ']', '"' */
static inline int
is_sdname(uint8_t c)
{
	return is_print(c) && c != '=' && c != ']' && c != '"';
}

static inline unsigned
dig2(const uint8_t *p)
{
	return (unsigned)(p[0] - '0') * 10 + (unsigned)(p[1] - '0');
}

static inline int
all_digits(const uint8_t *p, unsigned n)
{
	unsigned k;

	for (k = 0; k < n; k++)
		if (!is_digit(p[k]))
			return 0;
	return 1;
}

static inline int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
days_in_month(int y, unsigned m)
{
	static const uint8_t dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t
days_from_civil(int y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Broken-down time as parsed; values checked by tm_to_ns(). */
struct tm_parts {
	int year;         /* <= 0: unknown (3164 without a year hint) */
	unsigned mon, day, hour, min, sec;
	uint32_t ns;
	int32_t off_s;    /* zone offset east of UTC, seconds */
};

/*
 * Check the fields and convert. Returns 0 (ts set; INT64_MIN when the year
 * is unknown or outside what int64 ns can hold), or -1 if a field is out of
 * range. Second 60 (a leap second) is accepted and sets *leap.
 */
static int
tm_to_ns(const struct tm_parts *t, int64_t *ts, int *leap)
{
	int64_t s;
	int y = t->year > 0 ? t->year : 2000; /* unknown year: Feb 29 is fine */

	*ts = INT64_MIN;
	if (t->mon < 1 || t->mon > 12 || t->day < 1 ||
	    t->day > days_in_month(y, t->mon) || t->hour > 23 || t->min > 59 ||
	    t->sec > 60)
		return -1;
	if (t->sec == 60)
		*leap = 1;
	if (t->year < 1678 || t->year > 2261)
		return 0;
	s = days_from_civil(t->year, t->mon, t->day) * 86400 +
		(int64_t)t->hour * 3600 + t->min * 60 + t->sec - t->off_s;
	*ts = s * NS_PER_S + t->ns;
	return 0;
}

/* Fraction digits after a '.' at p[i]: up to 9 kept as ns, *nd = count. */
static uint32_t
frac(const uint8_t *p, uint32_t *i, uint32_t end, unsigned *nd)
{
	uint32_t ns = 0, j = *i;
	unsigned n = 0;

	while (j < end && is_digit(p[j])) {
		if (n < 9)
			ns = ns * 10 + (uint32_t)(p[j] - '0');
		n++;
		j++;
	}
	*nd = n;
	*i = j;
	for (; n < 9; n++)
		ns *= 10;
	return ns;
}

/*
 * RFC 3339 date-time at p[i..end): YYYY-MM-DDThh:mm:ss[.frac](Z|+hh:mm|-hh:mm).
 * Returns the index after it, or -1 if the bytes do not have that shape
 * (more than @max_frac fraction digits, or no zone when @tz_required).
 * *valid is 0 when the shape is right but a value is out of range.
 */
static int64_t
iso_ts(const uint8_t *p, uint32_t i, uint32_t end, unsigned max_frac,
       int tz_required, int64_t *ts, int *valid, int *leap)
{
	struct tm_parts t = { 0 };
	unsigned nd;

	if (end - i < 19 || !all_digits(p + i, 4) || p[i + 4] != '-' ||
	    !all_digits(p + i + 5, 2) || p[i + 7] != '-' ||
	    !all_digits(p + i + 8, 2) || p[i + 10] != 'T' ||
	    !all_digits(p + i + 11, 2) || p[i + 13] != ':' ||
	    !all_digits(p + i + 14, 2) || p[i + 16] != ':' ||
	    !all_digits(p + i + 17, 2))
		return -1;
	t.year = (int)(dig2(p + i) * 100 + dig2(p + i + 2));
	t.mon = dig2(p + i + 5);
	t.day = dig2(p + i + 8);
	t.hour = dig2(p + i + 11);
	t.min = dig2(p + i + 14);
	t.sec = dig2(p + i + 17);
	i += 19;
	if (i < end && p[i] == '.') {
		i++;
		t.ns = frac(p, &i, end, &nd);
		if (nd == 0 || nd > max_frac)
			return -1;
	}
	*valid = 1;
	if (i < end && p[i] == 'Z') {
		i++;
	} else if (i < end && (p[i] == '+' || p[i] == '-')) {
		unsigned oh, om;

		if (end - i < 6 || !all_digits(p + i + 1, 2) || p[i + 3] != ':' ||
		    !all_digits(p + i + 4, 2))
			return -1;
		oh = dig2(p + i + 1);
		om = dig2(p + i + 4);
		if (oh > 23 || om > 59)
			*valid = 0;
		t.off_s = (int32_t)(oh * 3600 + om * 60);
		if (p[i] == '-')
			t.off_s = -t.off_s;
		i += 6;
	} else if (tz_required) {
		return -1;
	}
	if (tm_to_ns(&t, ts, leap) < 0 || !*valid) {
		*valid = 0;
		*ts = INT64_MIN;
	}
	return i;
}

static unsigned
month_of(const uint8_t *p)
{
	uint32_t k = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];

#define M(a, b, c) ((uint32_t)(a) << 16 | (uint32_t)(b) << 8 | (c))
	switch (k) {
	case M('J', 'a', 'n'): return 1;
	case M('F', 'e', 'b'): return 2;
	case M('M', 'a', 'r'): return 3;
	case M('A', 'p', 'r'): return 4;
	case M('M', 'a', 'y'): return 5;
	case M('J', 'u', 'n'): return 6;
	case M('J', 'u', 'l'): return 7;
	case M('A', 'u', 'g'): return 8;
	case M('S', 'e', 'p'): return 9;
	case M('O', 'c', 't'): return 10;
	case M('N', 'o', 'v'): return 11;
	case M('D', 'e', 'c'): return 12;
	default: return 0;
	}
#undef M
}

/*
 * BSD timestamp at p[i..end): "Mmm dd hh:mm:ss", the day also as " d" or
 * "d"; Cisco additions: a year after the day ("Mar  1 2024 00:00:00"),
 * milliseconds, a zone name ("00:00:00.123 UTC"; ignored, the time is
 * taken as UTC like every BSD timestamp). Returns the index after it or -1.
 */
static int64_t
bsd_ts(const uint8_t *p, uint32_t i, uint32_t end, int32_t year_hint,
       int64_t *ts, int *valid, int *leap)
{
	struct tm_parts t = { 0 };
	unsigned nd;

	if (end - i < 14 || p[i + 3] != ' ')
		return -1;
	t.mon = month_of(p + i);
	if (t.mon == 0)
		return -1;
	i += 4;
	/* end - i >= 10 here */
	if (p[i] == ' ' && is_digit(p[i + 1])) {
		t.day = (unsigned)(p[i + 1] - '0');
		i += 2;
	} else if (is_digit(p[i]) && is_digit(p[i + 1])) {
		t.day = dig2(p + i);
		i += 2;
	} else if (is_digit(p[i]) && p[i + 1] == ' ') {
		t.day = (unsigned)(p[i] - '0');
		i += 1;
	} else {
		return -1;
	}
	if (p[i] != ' ')
		return -1;
	i++;
	t.year = year_hint;
	if (end - i >= 5 && all_digits(p + i, 4) && p[i + 4] == ' ') {
		t.year = (int)(dig2(p + i) * 100 + dig2(p + i + 2));
		i += 5;
	}
	if (end - i < 8 || !all_digits(p + i, 2) || p[i + 2] != ':' ||
	    !all_digits(p + i + 3, 2) || p[i + 5] != ':' || !all_digits(p + i + 6, 2))
		return -1;
	t.hour = dig2(p + i);
	t.min = dig2(p + i + 3);
	t.sec = dig2(p + i + 6);
	i += 8;
	if (end - i >= 2 && p[i] == '.' && is_digit(p[i + 1])) {
		i++;
		t.ns = frac(p, &i, end, &nd);
	}
	if (end - i >= 5 && p[i] == ' ' && is_upper(p[i + 1])) {
		uint32_t k = i + 1;

		while (k < end && k - i <= 6 && is_upper(p[k]))
			k++;
		if (k < end && p[k] == ':' && k - i > 3)
			i = k;
	}
	*valid = tm_to_ns(&t, ts, leap) == 0;
	return i;
}

/* A timestamp of either kind, with Cisco's '*' (not synchronised) or '.'
 * (lost sync) in front of a BSD one. */
static int64_t
any_ts(const uint8_t *p, uint32_t i, uint32_t end, int32_t year_hint,
       int64_t *ts, int *valid, int *leap)
{
	if (i >= end)
		return -1;
	if (is_digit(p[i]))
		return iso_ts(p, i, end, 9, 0, ts, valid, leap);
	if (p[i] == '*' || p[i] == '.')
		i++;
	return bsd_ts(p, i, end, year_hint, ts, valid, leap);
}

/*
 * RFC 3164 after the PRI (at i). Returns SL_PARSE_3164, or SL_PARSE_RAW
 * when there is neither a PRI nor a timestamp to go on.
 */
static int
parse_3164(const uint8_t *p, uint32_t i, uint32_t end, int32_t year_hint,
	   int have_pri, struct sl_parsed *o)
{
	int64_t ts = INT64_MIN, r;
	int valid = 0, leap = 0, cisco = 0, host_set = 0, k;
	uint32_t j, tag;

	o->msg.off = end;
	o->msg.len = 0;

	/* Cisco prefixes "SEQ: ", "seq: SEQ: " and "HOST: " (logging
	 * origin-id) before the timestamp; a host only if a timestamp
	 * follows it, so "tag: msg" stays a tag. */
	for (k = 0; k < 3; k++) {
		uint32_t a = i;
		int digits = 1;

		for (j = i; j < end && p[j] != ':' && p[j] != ' ' && j - a < 64; j++)
			digits &= is_digit(p[j]);
		if (j == a || end - j < 2 || p[j] != ':' || p[j + 1] != ' ')
			break;
		if (digits || (j - a == 3 && memcmp(p + a, "seq", 3) == 0)) {
			cisco = 1;
			i = j + 2;
			continue;
		}
		if (!host_set && any_ts(p, j + 2, end, year_hint, &ts, &valid, &leap) >= 0) {
			cisco = 1;
			host_set = 1;
			o->host.off = a;
			o->host.len = j - a;
			i = j + 2;
		}
		break;
	}
	if (cisco)
		o->flags |= SL_PARSE_F_CISCO;

	r = any_ts(p, i, end, year_hint, &ts, &valid, &leap);
	if (r < 0) {
		if (!have_pri && !cisco)
			return SL_PARSE_RAW;
		o->flags |= SL_PARSE_F_NO_TS;
	} else {
		if (valid)
			o->ts_ns = ts;
		else
			o->flags |= SL_PARSE_F_BAD_TS | SL_PARSE_F_ERR;
		if (leap)
			o->flags |= SL_PARSE_F_LEAP;
		i = (uint32_t)r;
		if (i < end && p[i] == ':') /* Cisco: "00:00:00.123: %SYS..." */
			i++;
		if (i >= end) {
			o->flags |= SL_PARSE_F_TRUNC | SL_PARSE_F_ERR;
			o->msg.off = end;
			return SL_PARSE_3164;
		}
		if (p[i] != ' ') /* "Nov 23 05:10:59x": not a timestamp after all */
			o->flags |= SL_PARSE_F_BAD_TS | SL_PARSE_F_ERR;
		else
			i++;
		/* HOSTNAME, unless the first word is already the tag
		 * ("tag:", "tag[pid]", Cisco "%FAC-SEV-MNEMONIC:"). */
		if (!host_set && i < end && p[i] != '%') {
			int tagish = 0;

			for (j = i; j < end && p[j] != ' '; j++)
				if (p[j] == '[')
					tagish = 1;
			if (j > i && p[j - 1] != ':' && !tagish) {
				o->host.off = i;
				o->host.len = j - i;
				i = j < end ? j + 1 : end;
			}
		}
	}

	/* TAG[PID]: or TAG: (no pid). Anything else: no tag, all is MSG. */
	for (j = i; j < end && j - i < 128 && is_print(p[j]) && p[j] != ':' &&
	     p[j] != '[' && p[j] != ']'; j++)
		;
	tag = j;
	if (tag > i && j < end && p[j] == '[') {
		uint32_t a = j + 1;

		for (j = a; j < end && j - a < 128 && p[j] != ']' && p[j] != ' '; j++)
			;
		if (j < end && p[j] == ']') {
			o->procid.off = a;
			o->procid.len = j - a;
			j++;
			if (j < end && p[j] == ':')
				j++;
			goto tagged;
		}
	} else if (tag > i && j < end && p[j] == ':' && (j + 1 == end || p[j + 1] == ' ')) {
		j++;
		goto tagged;
	}
	o->msg.off = i;
	o->msg.len = end - i;
	return SL_PARSE_3164;

tagged:
	o->app.off = i;
	o->app.len = tag - i;
	if (j < end && p[j] == ' ')
		j++;
	o->msg.off = j;
	o->msg.len = end - j;
	return SL_PARSE_3164;
}

/*
 * One SD-ELEMENT at p[i] == '['. Returns the index after its ']', or -1
 * (unterminated, bad SD-NAME, over 32 characters, missing quote).
 */
static int64_t
sd_elem(const uint8_t *p, uint32_t i, uint32_t end)
{
	uint32_t a;

	i++;
	for (a = i; i < end && is_sdname(p[i]); i++)
		;
	if (i == a || i - a > SL_PARSE_SDNAME_MAX)
		return -1;
	for (;;) {
		if (i >= end)
			return -1;
		if (p[i] == ']')
			return i + 1;
		if (p[i] != ' ')
			return -1;
		i++;
		for (a = i; i < end && is_sdname(p[i]); i++)
			;
		if (i == a || i - a > SL_PARSE_SDNAME_MAX || end - i < 2 ||
		    p[i] != '=' || p[i + 1] != '"')
			return -1;
		/* PARAM-VALUE: a backslash takes the next byte with it, so
		 * \" does not end the value. */
		for (i += 2; i < end && p[i] != '"'; i++)
			if (p[i] == '\\' && ++i >= end)
				return -1;
		if (i >= end)
			return -1;
		i++;
	}
}

/* A space-terminated 5424 header field. Returns the index after the space,
 * or end (F_TRUNC set) if the header stops inside the field. */
static uint32_t
field(const uint8_t *p, uint32_t i, uint32_t end, uint32_t max,
      struct sl_span *s, struct sl_parsed *o)
{
	uint32_t a = i;
	int bad = 0;

	for (; i < end && p[i] != ' '; i++)
		bad |= !is_print(p[i]);
	if (i - a == 1 && p[a] == '-') {
		s->off = a; /* NILVALUE */
	} else {
		s->off = a;
		s->len = i - a;
		if (i == a || bad)
			o->flags |= SL_PARSE_F_ERR;
		if (i - a > max)
			o->flags |= SL_PARSE_F_LONG | SL_PARSE_F_ERR;
	}
	if (i >= end) {
		o->flags |= SL_PARSE_F_TRUNC | SL_PARSE_F_ERR;
		return end;
	}
	return i + 1;
}

/* Strict UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF). */
static int
utf8_ok(const uint8_t *p, uint32_t n)
{
	uint32_t i = 0;

	while (i < n) {
		uint8_t c = p[i];
		uint32_t need, k;
		uint8_t lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else {
			return 0;
		}
		if (n - i - 1 < need)
			return 0;
		if (p[i + 1] < lo || p[i + 1] > hi)
			return 0;
		for (k = 2; k <= need; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
		i += need + 1;
	}
	return 1;
}

/* RFC 5424 after "VERSION SP" (at i). */
static int
parse_5424(const uint8_t *p, uint32_t i, uint32_t end, struct sl_parsed *o)
{
	uint32_t a = i;
	int64_t r, ts = INT64_MIN;
	int valid = 0, leap = 0;

	o->msg.off = end; /* until MSG is reached */
	o->msg.len = 0;
	/* TIMESTAMP */
	if (i >= end)
		goto trunc;
	if (p[i] == '-' && (end - i == 1 || p[i + 1] == ' ')) {
		i++;
	} else {
		r = iso_ts(p, i, end, 6, 1, &ts, &valid, &leap);
		if (r >= 0 && ((uint32_t)r == end || p[r] == ' ') && valid) {
			o->ts_ns = ts;
			if (leap)
				o->flags |= SL_PARSE_F_LEAP;
			i = (uint32_t)r;
		} else {
			o->flags |= SL_PARSE_F_BAD_TS | SL_PARSE_F_ERR;
			while (i < end && p[i] != ' ')
				i++;
		}
	}
	if (i >= end)
		goto trunc;
	i++;
	if (i >= end)
		goto trunc;
	i = field(p, i, end, SL_PARSE_HOST_MAX, &o->host, o);
	if (i >= end)
		goto trunc;
	i = field(p, i, end, SL_PARSE_APP_MAX, &o->app, o);
	if (i >= end)
		goto trunc;
	i = field(p, i, end, SL_PARSE_PROCID_MAX, &o->procid, o);
	if (i >= end)
		goto trunc;
	i = field(p, i, end, SL_PARSE_MSGID_MAX, &o->msgid, o);
	if (i >= end)
		goto trunc;

	/* STRUCTURED-DATA */
	a = i;
	if (p[i] == '-') {
		i++;
	} else if (p[i] == '[') {
		while (i < end && p[i] == '[') {
			r = sd_elem(p, i, end);
			if (r < 0) {
				o->flags |= SL_PARSE_F_BAD_SD | SL_PARSE_F_ERR;
				o->sd.off = a;
				o->sd.len = i - a;
				o->msg.off = end;
				return SL_PARSE_5424;
			}
			i = (uint32_t)r;
		}
		o->sd.off = a;
		o->sd.len = i - a;
	} else {
		/* No SD at all ("... msgid hello"): keep the rest as MSG. */
		o->flags |= SL_PARSE_F_BAD_SD | SL_PARSE_F_ERR;
		goto msg;
	}
	if (i >= end) {
		o->msg.off = end;
		return SL_PARSE_5424;
	}
	if (p[i] != ' ')
		o->flags |= SL_PARSE_F_BAD_SD | SL_PARSE_F_ERR;
	else
		i++;
msg:
	if (end - i >= 3 && p[i] == 0xef && p[i + 1] == 0xbb && p[i + 2] == 0xbf) {
		i += 3;
		o->flags |= SL_PARSE_F_BOM;
		if (!utf8_ok(p + i, end - i))
			o->flags |= SL_PARSE_F_BAD_UTF8 | SL_PARSE_F_ERR;
	}
	o->msg.off = i;
	o->msg.len = end - i;
	return SL_PARSE_5424;

trunc:
	o->flags |= SL_PARSE_F_TRUNC | SL_PARSE_F_ERR;
	o->msg.off = end;
	return SL_PARSE_5424;
}

int
sl_parse_msg(const uint8_t *p, uint32_t len, int32_t year_hint, struct sl_parsed *o)
{
	uint32_t i = 0, j;
	int have_pri = 0;

	memset(o, 0, sizeof(*o));
	o->severity = SL_SEV_NONE;
	o->facility = SL_FAC_NONE;
	o->ts_ns = INT64_MIN;
	o->msg.len = len;

	/* PRI: "<" 1*3DIGIT ">", 0-191, no leading zero (except "<0>"). A
	 * 4-digit or out-of-range value is still taken as a PRI, flagged. */
	if (len >= 3 && p[0] == '<') {
		unsigned v = 0;

		for (j = 1; j < len && j < 5 && is_digit(p[j]); j++)
			v = v * 10 + (unsigned)(p[j] - '0');
		if (j > 1 && j < len && p[j] == '>') {
			if (j - 1 > 3 || v > 191 || (j - 1 > 1 && p[1] == '0')) {
				o->flags |= SL_PARSE_F_BAD_PRI | SL_PARSE_F_ERR;
			} else {
				o->severity = (uint8_t)(v & 7);
				o->facility = (uint8_t)(v >> 3);
			}
			have_pri = 1;
			i = j + 1;
		}
	}
	if (!have_pri)
		o->flags |= SL_PARSE_F_NO_PRI;

	/* VERSION SP: RFC 5424 (only version 1 is defined). */
	if (have_pri && i < len && p[i] >= '1' && p[i] <= '9') {
		unsigned v = 0;

		for (j = i; j < len && j - i < 3 && is_digit(p[j]); j++)
			v = v * 10 + (unsigned)(p[j] - '0');
		if (j < len && p[j] == ' ') {
			o->kind = SL_PARSE_5424;
			o->version = (uint8_t)(v > 255 ? 255 : v);
			if (v != 1)
				o->flags |= SL_PARSE_F_ERR;
			return parse_5424(p, j + 1, len, o);
		}
	}

	o->kind = (uint8_t)parse_3164(p, i, len, year_hint, have_pri, o);
	if (o->kind == SL_PARSE_RAW) {
		/* Undo whatever the attempt left behind. */
		uint16_t f = o->flags & (SL_PARSE_F_NO_PRI);

		memset(o, 0, sizeof(*o));
		o->severity = SL_SEV_NONE;
		o->facility = SL_FAC_NONE;
		o->ts_ns = INT64_MIN;
		o->flags = f;
		o->msg.len = len;
	}
	return o->kind;
}

void
sl_parse_sd_begin(const struct sl_parsed *m, struct sl_sd_iter *it)
{
	it->pos = m->sd.off;
	it->end = m->sd.off + m->sd.len;
	it->ppos = 0;
	it->pend = 0;
}

bool
sl_parse_sd_next(const uint8_t *p, struct sl_sd_iter *it, struct sl_span *id)
{
	int64_t r;
	uint32_t i;

	if (it->pos >= it->end || p[it->pos] != '[')
		return false;
	r = sd_elem(p, it->pos, it->end);
	if (r < 0) {
		it->pos = it->end;
		return false;
	}
	for (i = it->pos + 1; is_sdname(p[i]); i++) /* sd_elem saw the ']' */
		;
	id->off = it->pos + 1;
	id->len = i - (it->pos + 1);
	it->ppos = i;
	it->pend = (uint32_t)r - 1;
	it->pos = (uint32_t)r;
	return true;
}

bool
sl_parse_sd_param(const uint8_t *p, struct sl_sd_iter *it,
		  struct sl_span *name, struct sl_span *value)
{
	uint32_t i = it->ppos, a;

	/* The element was checked by sd_elem(): SP NAME="VALUE" up to pend. */
	if (i >= it->pend || p[i] != ' ')
		return false;
	i++;
	for (a = i; i < it->pend && is_sdname(p[i]); i++)
		;
	name->off = a;
	name->len = i - a;
	i += 2; /* =" */
	for (a = i; i < it->pend && p[i] != '"'; i++)
		if (p[i] == '\\')
			i++;
	if (i >= it->pend) {
		it->ppos = it->pend;
		return false;
	}
	value->off = a;
	value->len = i - a;
	it->ppos = i + 1;
	return true;
}

int
sl_parse_unescape(const uint8_t *p, struct sl_span value, char *buf, uint32_t cap)
{
	uint32_t i = value.off, end = value.off + value.len, n = 0;

	while (i < end) {
		uint8_t c = p[i++];

		if (c == '\\' && i < end && (p[i] == '"' || p[i] == '\\' || p[i] == ']'))
			c = p[i++];
		if (n >= cap)
			return -ENOSPC;
		buf[n++] = (char)c;
	}
	return (int)n;
}

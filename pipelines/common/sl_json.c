/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "sl_json.h"

bool
sl_utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		uint32_t cp;
		size_t k, need;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i - 1 < need)
			return false;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += need + 1;
	}
	return true;
}

static size_t
base64(uint8_t *out, const uint8_t *s, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];

		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = tab[(v >> 6) & 63];
		out[o++] = tab[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0);

		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	return o;
}

size_t
sl_json_string(uint8_t *out, const uint8_t *s, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	size_t i, o = 0;

	out[o++] = '"';
	for (i = 0; i < n; i++) {
		uint8_t c = s[i];

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = c;
		} else if (c < 0x20) {
			memcpy(out + o, "\\u00", 4);
			out[o + 4] = hx[c >> 4];
			out[o + 5] = hx[c & 15];
			o += 6;
		} else {
			out[o++] = c;
		}
	}
	out[o++] = '"';
	return o;
}

size_t
sl_json_base64(uint8_t *out, const uint8_t *s, size_t n)
{
	size_t o;

	out[0] = '"';
	o = 1 + base64(out + 1, s, n);
	out[o++] = '"';
	return o;
}

size_t
sl_json_member(uint8_t *out, const char *name, const uint8_t *s, size_t n)
{
	size_t nl = strlen(name), o = 0;
	bool valid = sl_utf8_valid(s, n);

	out[o++] = '"';
	memcpy(out + o, name, nl);
	o += nl;
	if (!valid) {
		memcpy(out + o, "_b64", 4);
		o += 4;
	}
	out[o++] = '"';
	out[o++] = ':';
	return o + (valid ? sl_json_string(out + o, s, n) : sl_json_base64(out + o, s, n));
}

size_t
sl_json_msg(uint8_t *out, const uint8_t *s, size_t n)
{
	return sl_json_member(out, "msg", s, n);
}

/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen_out.h"

static void
file_flush(struct gen_file *f, const uint8_t *p, size_t n)
{
	while (n > 0 && f->err == 0) {
		ssize_t w = write(f->fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			f->err = errno;
			break;
		}
		p += w;
		n -= (size_t)w;
	}
}

int
gen_file_open(struct gen_file *f, const char *path, size_t cap)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->buf = malloc(cap);
	if (f->buf == NULL)
		return -ENOMEM;
	f->cap = cap;
	f->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (f->fd < 0) {
		int e = errno;

		free(f->buf);
		f->buf = NULL;
		return -e;
	}
	return 0;
}

void
gen_file_put(struct gen_file *f, const void *p, size_t n)
{
	f->total += n;
	if (n > f->cap - f->len) {
		file_flush(f, f->buf, f->len);
		f->len = 0;
		if (n > f->cap) {
			file_flush(f, p, n);
			return;
		}
	}
	memcpy(f->buf + f->len, p, n);
	f->len += n;
}

int
gen_file_close(struct gen_file *f)
{
	int err;

	if (f->fd < 0)
		return -EBADF;
	file_flush(f, f->buf, f->len);
	f->len = 0;
	if (close(f->fd) != 0 && f->err == 0)
		f->err = errno;
	f->fd = -1;
	free(f->buf);
	f->buf = NULL;
	err = f->err;
	return -err;
}

/* Little-endian stores: the pcap is written in the host's order, and the
 * magic number tells readers which one that is. */
static void
le32_put(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

void
gen_pcap_header(struct gen_file *f, bool nsec, uint32_t snaplen)
{
	uint8_t h[24];

	le32_put(h, nsec ? 0xa1b23c4du : 0xa1b2c3d4u);
	h[4] = 2; /* version 2.4 */
	h[5] = 0;
	h[6] = 4;
	h[7] = 0;
	le32_put(h + 8, 0);  /* thiszone */
	le32_put(h + 12, 0); /* sigfigs */
	le32_put(h + 16, snaplen);
	le32_put(h + 20, GEN_LINKTYPE_ETHERNET);
	gen_file_put(f, h, sizeof(h));
}

void
gen_pcap_packet(struct gen_file *f, bool nsec, uint64_t ts_ns,
		const void *hdr, uint32_t hlen, const void *data, uint32_t dlen)
{
	uint8_t r[16];
	uint32_t sub = (uint32_t)(ts_ns % 1000000000u);

	le32_put(r, (uint32_t)(ts_ns / 1000000000u));
	le32_put(r + 4, nsec ? sub : sub / 1000);
	le32_put(r + 8, hlen + dlen);
	le32_put(r + 12, hlen + dlen);
	gen_file_put(f, r, sizeof(r));
	gen_file_put(f, hdr, hlen);
	if (dlen)
		gen_file_put(f, data, dlen);
}

bool
gen_utf8_valid(const uint8_t *s, size_t n)
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
gen_json_msg(uint8_t *out, const uint8_t *s, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	size_t i, o;

	if (!gen_utf8_valid(s, n)) {
		memcpy(out, "\"msg_b64\":\"", 11);
		o = 11 + base64(out + 11, s, n);
		out[o++] = '"';
		return o;
	}
	memcpy(out, "\"msg\":\"", 7);
	o = 7;
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

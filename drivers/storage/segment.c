/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment format helpers shared by the writer (store.c) and the reader
 * (reader.c). Everything here takes untrusted bytes and must never read out
 * of bounds: the reader feeds it whatever is on disk.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sl_segment.h"

static uint32_t crc_table[8][256];
static int crc_ready;

static void
crc_init(void)
{
	uint32_t i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
		crc_table[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (j = 1; j < 8; j++)
			crc_table[j][i] = (crc_table[j - 1][i] >> 8) ^
				crc_table[0][crc_table[j - 1][i] & 0xff];
	__atomic_store_n(&crc_ready, 1, __ATOMIC_RELEASE);
}

uint32_t
sl_crc32c(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t c = 0xffffffffu;

	/* Tables are built on first use; racing builders write the same values. */
	if (!__atomic_load_n(&crc_ready, __ATOMIC_ACQUIRE))
		crc_init();
	while (len >= 8) {
		uint32_t lo = c ^ sl_le32(p), hi = sl_le32(p + 4);

		c = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
			crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
			crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff] ^
			crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		c = (c >> 8) ^ crc_table[0][(c ^ *p++) & 0xff];
	return ~c;
}

void
sl_seg_pad(uint8_t *p, uint32_t len)
{
	if (len < SL_SKIP_HDR_LEN)
		return;
	sl_put_le32(p, SL_SEG_PAD_MAGIC);
	sl_put_le32(p + 4, len - SL_SKIP_HDR_LEN);
	memset(p + SL_SKIP_HDR_LEN, 0, len - SL_SKIP_HDR_LEN);
}

enum sl_zframe_kind
sl_zframe_extent(const uint8_t *p, size_t n, uint64_t *size, int *cks)
{
	static const uint8_t did_len[4] = { 0, 1, 2, 4 };
	uint32_t magic;
	uint8_t fhd;
	uint64_t pos;
	unsigned int fcs_len, ss;

	*cks = 0;
	if (n < 4) {
		*size = 4;
		return SL_ZF_NEED;
	}
	magic = sl_le32(p);
	if ((magic & SL_ZSTD_SKIP_MASK) == SL_ZSTD_SKIP_START) {
		if (n < SL_SKIP_HDR_LEN) {
			*size = SL_SKIP_HDR_LEN;
			return SL_ZF_NEED;
		}
		*size = SL_SKIP_HDR_LEN + (uint64_t)sl_le32(p + 4);
		return SL_ZF_SKIP;
	}
	if (magic != SL_ZSTD_MAGIC)
		return SL_ZF_BAD;
	if (n < 5) {
		*size = 5;
		return SL_ZF_NEED;
	}
	fhd = p[4];
	if (fhd & 0x08)                 /* reserved bit must be zero */
		return SL_ZF_BAD;
	ss = (fhd >> 5) & 1;
	switch (fhd >> 6) {
	case 0: fcs_len = ss ? 1 : 0; break;
	case 1: fcs_len = 2; break;
	case 2: fcs_len = 4; break;
	default: fcs_len = 8; break;
	}
	*cks = (fhd >> 2) & 1;
	pos = 5 + (ss ? 0 : 1) + did_len[fhd & 3] + fcs_len;
	for (;;) {
		uint32_t bh, bsize, type;

		if (pos + 3 > n) {
			*size = pos + 3;
			return SL_ZF_NEED;
		}
		bh = (uint32_t)p[pos] | (uint32_t)p[pos + 1] << 8 |
			(uint32_t)p[pos + 2] << 16;
		type = (bh >> 1) & 3;
		bsize = bh >> 3;
		if (type == 3 || bsize > (128u << 10))
			return SL_ZF_BAD;
		pos += 3 + (type == 1 ? 1 : bsize);
		if (pos > SL_SEG_MAX_FRAME)
			return SL_ZF_BAD;
		if (bh & 1)
			break;
	}
	if (*cks)
		pos += 4;
	if (pos > n) {
		*size = pos;
		return SL_ZF_NEED;
	}
	*size = pos;
	return SL_ZF_DATA;
}

int
sl_seg_file_seq(const char *name, uint64_t *seq)
{
	if (strlen(name) != 24 || strspn(name, "0123456789") != 20 ||
	    strcmp(name + 20, ".zst") != 0)
		return 0;
	*seq = strtoull(name, NULL, 10);
	return 1;
}

int
sl_seg_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > SL_SEG_NAME_MAX || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int
sl_seg_hdr_init(struct sl_seg_hdr *h, uint16_t shard, uint64_t first_seq,
		uint64_t created_ns, const char *tenant, const char *stream)
{
	if (!sl_seg_name_ok(tenant) || !sl_seg_name_ok(stream))
		return -EINVAL;
	memset(h, 0, sizeof(*h));
	h->magic = SL_SEG_HDR_MAGIC;
	h->version = SL_FORMAT_VERSION;
	h->hdr_len = sizeof(*h);
	h->shard = shard;
	h->created_ns = created_ns;
	h->first_seq = first_seq;
	memcpy(h->tenant, tenant, strlen(tenant));
	memcpy(h->stream, stream, strlen(stream));
	h->crc = sl_crc32c(h, offsetof(struct sl_seg_hdr, crc));
	return 0;
}

int
sl_seg_hdr_check(const struct sl_seg_hdr *h)
{
	return h->magic == SL_SEG_HDR_MAGIC && h->version == SL_FORMAT_VERSION &&
		h->hdr_len == sizeof(*h) &&
		h->crc == sl_crc32c(h, offsetof(struct sl_seg_hdr, crc));
}

int
sl_seg_trailer_check(const struct sl_seg_trailer *t)
{
	return t->magic == SL_SEG_TRL_MAGIC && t->version == SL_FORMAT_VERSION &&
		t->trl_len == sizeof(*t) &&
		t->crc == sl_crc32c(t, offsetof(struct sl_seg_trailer, crc));
}

const char *
sl_batch_check(const uint8_t *buf, size_t len)
{
	struct sl_batch_hdr b;
	size_t pos;
	uint32_t n = 0;

	if (len < sizeof(b))
		return "batch shorter than its header";
	memcpy(&b, buf, sizeof(b));
	if (b.magic != SL_BATCH_MAGIC)
		return "bad batch magic";
	if (b.version != SL_FORMAT_VERSION)
		return "unknown batch version";
	if (b.hdr_len != sizeof(b))
		return "bad batch header length";
	if (b.raw_len != len)
		return "batch raw_len differs from the frame content size";
	if (b.min_ns > b.max_ns && b.nrec > 0)
		return "batch min_ns > max_ns";
	pos = sizeof(b);
	while (pos < len) {
		struct sl_rec r;

		if (len - pos < sizeof(r))
			return "record header crosses the batch end";
		memcpy(&r, buf + pos, sizeof(r));
		if (r.len > len - pos - sizeof(r))
			return "record bytes cross the batch end";
		if (r.rx_ns < b.min_ns || r.rx_ns > b.max_ns)
			return "record time outside the batch's min/max";
		pos += sizeof(r) + r.len;
		n++;
	}
	if (n != b.nrec)
		return "record count differs from nrec";
	return NULL;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The frame scanner shared by the reader and by start-up recovery. Input is
 * untrusted: every length comes from the file and is checked against what was
 * actually read and against the format's limits before it is used.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "sl_segment.h"

#define SCAN_READAHEAD (256u << 10)

int
sl_seg_pread(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int
sl_seg_scan_init(struct sl_seg_scan *sc, int fd, uint64_t size)
{
	memset(sc, 0, sizeof(*sc));
	sc->fd = fd;
	sc->size = size;
	sc->dctx = ZSTD_createDCtx();
	return sc->dctx ? 0 : -ENOMEM;
}

void
sl_seg_scan_fini(struct sl_seg_scan *sc)
{
	ZSTD_freeDCtx(sc->dctx);
	free(sc->in);
	free(sc->out);
	memset(sc, 0, sizeof(*sc));
	sc->fd = -1;
}

static int
grow(uint8_t **buf, size_t *cap, size_t want)
{
	size_t n = *cap ? *cap : 4096;
	uint8_t *p;

	if (want <= *cap)
		return 0;
	while (n < want)
		n *= 2;
	p = realloc(*buf, n);
	if (p == NULL)
		return -ENOMEM;
	*buf = p;
	*cap = n;
	return 0;
}

/* Make [off, off + want) available in sc->in, reading ahead up to limit. */
static int
fill(struct sl_seg_scan *sc, uint64_t off, uint64_t want, uint64_t limit)
{
	uint64_t ra;
	int rc;

	if (off >= sc->in_off && off + want <= sc->in_off + sc->in_len)
		return 0;
	ra = want > SCAN_READAHEAD ? want : SCAN_READAHEAD;
	if (ra > limit - off)
		ra = limit - off;
	if (ra < want)
		return -EIO;
	rc = grow(&sc->in, &sc->in_cap, ra);
	if (rc)
		return rc;
	sc->in_len = 0;
	rc = sl_seg_pread(sc->fd, sc->in, ra, off);
	if (rc)
		return rc;
	sc->in_off = off;
	sc->in_len = ra;
	return 0;
}

/*
 * Most bytes the data frame at @p p (@p size bytes, its extent already
 * checked by sl_zframe_extent()) can decode to: raw and RLE blocks say their
 * size, a compressed block makes at most 128 KiB. A content size above this
 * is a lie, and must not cost an allocation of that size.
 */
static uint64_t
content_bound(const uint8_t *p, uint64_t size)
{
	static const uint8_t did_len[4] = { 0, 1, 2, 4 };
	static const uint8_t fcs_len[4] = { 0, 2, 4, 8 };
	uint8_t fhd = p[4];
	unsigned int ss = (fhd >> 5) & 1;
	uint64_t pos, bound = 0;

	pos = 5 + (ss ? 0 : 1) + did_len[fhd & 3] +
		(fhd >> 6 == 0 && ss ? 1 : fcs_len[fhd >> 6]);
	while (pos + 3 <= size) {
		uint32_t bh = (uint32_t)p[pos] | (uint32_t)p[pos + 1] << 8 |
			(uint32_t)p[pos + 2] << 16;
		uint32_t type = (bh >> 1) & 3, bsize = bh >> 3;

		bound += type == 2 ? (128u << 10) : bsize;
		pos += 3 + (type == 1 ? 1 : bsize);
		if (bh & 1)
			break;
	}
	return bound;
}

enum sl_scan_res
sl_seg_scan_frame(struct sl_seg_scan *sc, uint64_t off, uint64_t limit,
		  struct sl_scan_frame *f)
{
	uint64_t avail, need, size = 0;
	unsigned long long csz;
	const uint8_t *p;
	size_t r;
	int cks = 0, rc;

	memset(f, 0, sizeof(*f));
	f->off = off;
	if (limit > sc->size)
		limit = sc->size;
	if (off >= limit)
		return SL_SCAN_END;
	avail = limit - off;
	need = avail < 32 ? avail : 32;
	for (;;) {
		enum sl_zframe_kind k;

		rc = fill(sc, off, need, limit);
		if (rc) {
			f->err = rc;
			return SL_SCAN_IO;
		}
		p = sc->in + (off - sc->in_off);
		k = sl_zframe_extent(p, sc->in_len - (off - sc->in_off), &size, &cks);
		if (k == SL_ZF_BAD) {
			f->why = "no zstd frame here (bad magic or block structure)";
			return SL_SCAN_BAD_STRUCT;
		}
		if (k == SL_ZF_NEED) {
			if (size > avail) {
				f->size = avail;
				return SL_SCAN_TORN;
			}
			if (size > SL_SEG_MAX_FRAME) {
				f->why = "frame larger than the format allows";
				return SL_SCAN_BAD_STRUCT;
			}
			need = size > 2 * need ? size : 2 * need;
			if (need > avail)
				need = avail;
			continue;
		}
		if (size > avail) {
			f->size = avail;
			return SL_SCAN_TORN;
		}
		f->size = size;
		if (k == SL_ZF_SKIP) {
			f->skip_magic = sl_le32(p);
			return SL_SCAN_SKIP;
		}
		break;
	}
	/* A data frame, wholly in sc->in at p. */
	if (!cks) {
		f->why = "data frame without a content checksum";
		return SL_SCAN_BAD_FRAME;
	}
	csz = ZSTD_getFrameContentSize(p, size);
	if (csz == ZSTD_CONTENTSIZE_UNKNOWN || csz == ZSTD_CONTENTSIZE_ERROR) {
		f->why = "data frame without a content size";
		return SL_SCAN_BAD_FRAME;
	}
	if (csz < sizeof(struct sl_batch_hdr) || csz > SL_SEG_MAX_RAW) {
		f->why = "frame content size out of range";
		return SL_SCAN_BAD_FRAME;
	}
	if (csz > content_bound(p, size)) {
		f->why = "frame content size larger than its blocks can hold";
		return SL_SCAN_BAD_FRAME;
	}
	if (grow(&sc->out, &sc->out_cap, csz)) {
		f->err = -ENOMEM;
		return SL_SCAN_IO;
	}
	r = ZSTD_decompressDCtx(sc->dctx, sc->out, csz, p, size);
	if (ZSTD_isError(r)) {
		f->why = ZSTD_getErrorName(r);
		return SL_SCAN_BAD_FRAME;
	}
	if (r != csz) {
		f->why = "frame decodes to fewer bytes than its content size";
		return SL_SCAN_BAD_FRAME;
	}
	f->why = sl_batch_check(sc->out, r);
	if (f->why)
		return SL_SCAN_BAD_FRAME;
	memcpy(&f->b, sc->out, sizeof(f->b));
	f->raw = sc->out;
	f->raw_len = (uint32_t)r;
	return SL_SCAN_DATA;
}

uint64_t
sl_seg_scan_resync(struct sl_seg_scan *sc, uint64_t off, uint64_t limit)
{
	static const uint8_t magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

	if (limit > sc->size)
		limit = sc->size;
	while (off + 4 <= limit) {
		uint64_t n = limit - off;
		const uint8_t *p, *hit;

		if (n > SCAN_READAHEAD)
			n = SCAN_READAHEAD;
		if (fill(sc, off, n, limit))
			return limit;
		p = sc->in + (off - sc->in_off);
		hit = memmem(p, n, magic, 4);
		if (hit)
			return off + (uint64_t)(hit - p);
		if (off + n >= limit)
			break;
		off += n - 3;
	}
	return limit;
}

int
sl_seg_read_trailer(int fd, uint64_t size, struct sl_seg_trailer *t)
{
	uint8_t buf[SL_SEG_TRL_FRAME_LEN];
	int rc;

	if (size < SL_SEG_HDR_FRAME_LEN + SL_SKIP_HDR_LEN + SL_SEG_TRL_FRAME_LEN)
		return 0;
	rc = sl_seg_pread(fd, buf, sizeof(buf), size - sizeof(buf));
	if (rc)
		return rc;
	if (sl_le32(buf) != SL_SEG_SKIP_MAGIC ||
	    sl_le32(buf + 4) != sizeof(*t))
		return 0;
	memcpy(t, buf + SL_SKIP_HDR_LEN, sizeof(*t));
	if (!sl_seg_trailer_check(t))
		return 0;
	if (t->index_off < SL_SEG_HDR_FRAME_LEN || t->index_off >= size ||
	    t->index_off + SL_SKIP_HDR_LEN + (uint64_t)t->index_len !=
	    size - SL_SEG_TRL_FRAME_LEN)
		return 0;
	return 1;
}

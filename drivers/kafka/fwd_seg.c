/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading a source's segments for the forwarder, in sequence order, from
 * the frame holding `next` on:
 *
 * - the store's open segment (SEG_LIVE): up to the end its store published
 *   (sl_store_pub): whole frames whose write completed, never a frame
 *   being written;
 * - a segment the store closed this run (SEG_DONE): up to the end it had
 *   when it was closed;
 * - a sealed segment (SEG_INDEX): through its index (offset, size, seq,
 *   records and times of every frame: nothing is decompressed);
 * - otherwise (a seal that failed): frames checked whole (SEG_SCAN).
 *
 * Without an index a frame's batch header (seq, records, times) comes from
 * decompressing its first 64 bytes only. Reads use pread (a segment cut or
 * deleted under the reader must not hurt it).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fwd_private.h"

#define READ_CHUNK (256u << 10)

void
fwd_seg_close(struct fwd_src *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->mode = SEG_NONE;
	s->nidx = 0;
	s->ii = 0;
}

uint64_t
fwd_seg_find(const char *dir, uint64_t seq)
{
	uint64_t below = UINT64_MAX, above = UINT64_MAX, v;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL)
		return UINT64_MAX;
	while ((de = readdir(d)) != NULL) {
		if (!sl_seg_file_seq(de->d_name, &v))
			continue;
		if (v <= seq && (below == UINT64_MAX || v > below))
			below = v;
		else if (v > seq && v < above)
			above = v;
	}
	closedir(d);
	return below != UINT64_MAX ? below : above;
}

/* Load the index of a sealed segment. @return 1 sealed, 0 not, -errno. */
static int
load_index(struct fwd_src *s, uint64_t size)
{
	struct sl_seg_trailer t;
	struct sl_seg_idx_hdr ih;
	size_t len;
	int rc;

	rc = sl_seg_read_trailer(s->fd, size, &t);
	if (rc != 1)
		return rc;
	if (t.index_len < sizeof(ih) || t.index_len > SL_SEG_MAX_INDEX)
		return 0;
	rc = sl_seg_pread(s->fd, &ih, sizeof(ih), t.index_off + SL_SKIP_HDR_LEN);
	if (rc != 0)
		return rc;
	if (ih.magic != SL_SEG_IDX_MAGIC || ih.ent_len != sizeof(struct sl_seg_idx_ent) ||
	    ih.hdr_len != sizeof(ih) ||
	    (uint64_t)ih.nent * sizeof(struct sl_seg_idx_ent) + sizeof(ih) > t.index_len)
		return 0;
	if (ih.nent > s->idx_cap) {
		struct sl_seg_idx_ent *n = realloc(s->idx, (size_t)ih.nent * sizeof(*n));

		if (n == NULL)
			return -ENOMEM;
		s->idx = n;
		s->idx_cap = ih.nent;
	}
	len = (size_t)ih.nent * sizeof(struct sl_seg_idx_ent);
	rc = len ? sl_seg_pread(s->fd, s->idx, len, t.index_off + SL_SKIP_HDR_LEN + sizeof(ih)) : 0;
	if (rc != 0)
		return rc;
	s->nidx = ih.nent;
	s->limit = t.index_off;
	return 1;
}

/* A gap in the sequence: records [s->next, to) are not on the disk. */
static void
gap(struct fwd_src *s, uint64_t to, int ctr)
{
	uint64_t del;

	if (to <= s->next)
		return;
	/* What retention deleted (and counted, logged) goes under its own
	 * reason; only the rest is news. */
	pthread_mutex_lock(&s->gate.mu);
	del = s->gate.deleted;
	pthread_mutex_unlock(&s->gate.mu);
	if (del > s->next) {
		uint64_t d = del < to ? del : to;

		s->ctr[SL_FWD_drop_deleted] += d - s->next;
		s->next = d;
	}
	if (to > s->next) {
		FWD_LOG(ERR, "%s: records %" PRIu64 "..%" PRIu64 " are not on the disk (%s): they are not forwarded\n",
			s->dir, s->next, to - 1, ctr == SL_FWD_drop_damaged ? "damaged" : "missing");
		s->ctr[ctr] += to - s->next;
		s->next = to;
	}
	sl_fwd_gate_skip(&s->gate, to);
}

/* Open the segment holding s->next. @return 1 open, 0 nothing yet, -errno. */
static int
open_segment(struct fwd_src *s, const struct sl_store_pub *pub)
{
	char path[PATH_MAX + 32];
	struct stat st;
	uint64_t first;
	int rc;

	first = fwd_seg_find(s->dir, s->next);
	if (first == UINT64_MAX) {
		/* Nothing on disk although the store has records beyond next:
		 * deleted (retention's gate says so) or lost. */
		if (pub->next_seq > s->next && pub->seg == UINT64_MAX)
			gap(s, pub->next_seq, SL_FWD_drop_missing);
		return 0;
	}
	if (first > s->next)
		gap(s, first, SL_FWD_drop_missing);
	snprintf(path, sizeof(path), "%s/%020" PRIu64 ".zst", s->dir, first);
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0)
		return errno == ENOENT ? 0 : -errno;  /* deleted meanwhile: list again */
	if (fstat(s->fd, &st) != 0) {
		rc = -errno;
		fwd_seg_close(s);
		return rc;
	}
	s->seg = first;
	s->off = 0;
	s->ii = 0;
	if (pub->seg == first) {
		s->mode = SEG_LIVE;
		s->limit = pub->end;
	} else if (pub->prev_seg == first) {
		s->mode = SEG_DONE;
		s->limit = pub->prev_end;
	} else {
		rc = load_index(s, (uint64_t)st.st_size);
		if (rc < 0) {
			fwd_seg_close(s);
			return rc;
		}
		if (rc == 1) {
			s->mode = SEG_INDEX;
		} else {
			s->mode = SEG_SCAN;
			s->limit = (uint64_t)st.st_size;
			FWD_LOG(WARNING, "%s: not sealed: its frames are checked whole\n", path);
		}
	}
	if (s->mode != SEG_INDEX && s->hint_seg == first && s->hint_off < s->limit)
		s->off = s->hint_off;
	s->hint_seg = UINT64_MAX;
	return 1;
}

/* Read @p len bytes at @p off into a fresh buffer. */
static uint8_t *
read_bytes(int fd, uint64_t off, uint32_t len, int *err)
{
	uint8_t *b = malloc(len ? len : 1);

	if (b == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = sl_seg_pread(fd, b, len, off);
	if (*err != 0) {
		free(b);
		return NULL;
	}
	return b;
}

/* The batch header of a frame, decompressing its first bytes only. */
static int
peek_batch(struct sl_fwd *f, const uint8_t *frame, uint32_t size, struct sl_batch_hdr *b)
{
	ZSTD_inBuffer in = { frame, size, 0 };
	ZSTD_outBuffer out = { b, sizeof(*b), 0 };
	unsigned long long csz = ZSTD_getFrameContentSize(frame, size);

	ZSTD_DCtx_reset(f->dctx, ZSTD_reset_session_only);
	while (out.pos < out.size) {
		size_t r = ZSTD_decompressStream(f->dctx, &out, &in);

		if (ZSTD_isError(r) || (r == 0 && out.pos < out.size) ||
		    (in.pos == in.size && out.pos < out.size))
			return -EBADMSG;
	}
	if (b->magic != SL_BATCH_MAGIC || b->version != SL_FORMAT_VERSION ||
	    b->hdr_len != sizeof(*b) || b->nrec == 0 || csz != b->raw_len)
		return -EBADMSG;
	return 0;
}

/*
 * The next data frame of an index-less segment at s->off, below s->limit:
 * padding skipped, the index frame ends it. @return 1 frame, 0 end, -errno.
 */
static int
scan_frame(struct sl_fwd *f, struct fwd_src *s, struct fwd_frame *fr)
{
	for (;;) {
		uint64_t avail = s->limit > s->off ? s->limit - s->off : 0, size = 0;
		size_t n = avail < f->buf_cap ? (size_t)avail : f->buf_cap;
		enum sl_zframe_kind k;
		int cks, rc;

		if (avail < SL_SKIP_HDR_LEN)
			return 0;
		rc = sl_seg_pread(s->fd, f->buf_read, n, s->off);
		if (rc != 0)
			return rc;
		k = sl_zframe_extent((const uint8_t *)f->buf_read, n, &size, &cks);
		while (k == SL_ZF_NEED && size <= avail && size <= SL_SEG_MAX_FRAME) {
			char *nb = realloc(f->buf_read, size);

			if (nb == NULL)
				return -ENOMEM;
			f->buf_read = nb;
			f->buf_cap = size;
			n = size;
			rc = sl_seg_pread(s->fd, f->buf_read, n, s->off);
			if (rc != 0)
				return rc;
			k = sl_zframe_extent((const uint8_t *)f->buf_read, n, &size, &cks);
		}
		if (k == SL_ZF_NEED)
			return 0;                 /* torn tail: the end */
		if (k == SL_ZF_BAD)
			return -EBADMSG;
		if (k == SL_ZF_SKIP) {
			if (sl_le32((const uint8_t *)f->buf_read) == SL_SEG_SKIP_MAGIC && size >= 12 &&
			    sl_le32((const uint8_t *)f->buf_read + 8) == SL_SEG_IDX_MAGIC)
				return 0;         /* the index: frames are over */
			s->off += size;
			continue;
		}
		if (size > UINT32_MAX)
			return -EBADMSG;
		fr->size = (uint32_t)size;
		fr->off = s->off;
		fr->off_next = s->off + size;
		fr->buf = malloc(size);
		if (fr->buf == NULL)
			return -ENOMEM;
		memcpy(fr->buf, f->buf_read, size);
		rc = peek_batch(f, fr->buf, fr->size, &fr->b);
		if (rc == 0 && s->mode == SEG_SCAN) {
			/* Not sealed, not from this run: check it whole. */
			size_t raw = fr->b.raw_len;
			uint8_t *tmp = malloc(raw);

			if (tmp == NULL ||
			    ZSTD_decompressDCtx(f->dctx, tmp, raw, fr->buf, fr->size) != raw ||
			    sl_batch_check(tmp, raw) != NULL)
				rc = -EBADMSG;
			free(tmp);
		}
		if (rc != 0) {
			FWD_LOG(ERR, "%s/%020" PRIu64 ".zst offset %" PRIu64 ": damaged frame skipped\n",
				s->dir, s->seg, s->off);
			free(fr->buf);
			fr->buf = NULL;
			s->off += size;
			continue;              /* the gap is counted at the next frame */
		}
		return 1;
	}
}

/* One frame of the open segment, by index or scan. @return 1, 0 end, -errno. */
static int
segment_frame(struct sl_fwd *f, struct fwd_src *s, struct fwd_frame *fr)
{
	const struct sl_seg_idx_ent *e;
	int rc;

	if (s->mode != SEG_INDEX)
		return scan_frame(f, s, fr);
	while (s->ii < s->nidx && s->idx[s->ii].first_seq + s->idx[s->ii].nrec <= s->next)
		s->ii++;
	if (s->ii >= s->nidx)
		return 0;
	e = &s->idx[s->ii];
	if (e->csize == 0 || e->csize > SL_SEG_MAX_FRAME || e->offset + e->csize > s->limit)
		return -EBADMSG;
	fr->buf = read_bytes(s->fd, e->offset, e->csize, &rc);
	if (fr->buf == NULL)
		return rc;
	fr->size = e->csize;
	fr->off = e->offset;
	fr->off_next = e->offset + e->csize;
	memset(&fr->b, 0, sizeof(fr->b));
	fr->b.magic = SL_BATCH_MAGIC;
	fr->b.version = SL_FORMAT_VERSION;
	fr->b.hdr_len = sizeof(fr->b);
	fr->b.nrec = e->nrec;
	fr->b.raw_len = e->raw_len;
	fr->b.first_seq = e->first_seq;
	fr->b.min_ns = e->min_ns;
	fr->b.max_ns = e->max_ns;
	fr->b.shard = s->shard;
	s->ii++;
	return 1;
}

int
fwd_seg_next(struct sl_fwd *f, struct fwd_src *s, struct fwd_frame *fr)
{
	struct sl_store_pub pub;
	int rc, tries;

	for (tries = 0; tries < 64; tries++) {
		sl_store_pub_read(s->pub, &pub);
		if (s->mode == SEG_NONE) {
			if (s->next >= pub.next_seq)
				return 0;          /* caught up */
			rc = open_segment(s, &pub);
			if (rc <= 0)
				return rc;
		}
		if (s->mode == SEG_LIVE) {
			if (pub.seg == s->seg) {
				s->limit = pub.end;
			} else if (pub.prev_seg == s->seg) {
				s->mode = SEG_DONE;
				s->limit = pub.prev_end;
			} else {
				/* Closed and another one since: sealed by now,
				 * or its seal failed. Read it again from the
				 * disk, where we are. */
				uint64_t off = s->off;

				fwd_seg_close(s);
				s->hint_seg = s->seg;
				s->hint_off = off;
				continue;
			}
		}
		rc = segment_frame(f, s, fr);
		if (rc < 0) {
			s->ctr[SL_FWD_read_errors]++;
			FWD_LOG(ERR, "%s/%020" PRIu64 ".zst: %s; retried\n", s->dir, s->seg,
				strerror(-rc));
			fwd_seg_close(s);
			return rc;
		}
		if (rc == 0) {
			if (s->mode == SEG_LIVE)
				return 0;          /* more when the store writes */
			fwd_seg_close(s);          /* done: the next segment */
			if (s->next >= pub.next_seq)
				return 0;
			continue;
		}
		fr->seg = s->seg;
		if (fr->b.first_seq + fr->b.nrec <= s->next) {
			free(fr->buf);             /* sent already */
			fr->buf = NULL;
			if (s->mode != SEG_INDEX)
				s->off = fr->off_next;
			continue;
		}
		if (fr->b.first_seq > s->next)
			gap(s, fr->b.first_seq, SL_FWD_drop_damaged);
		if (s->mode != SEG_INDEX)
			s->off = fr->off_next;
		return 1;
	}
	return 0;
}

void
fwd_seg_backlog(struct fwd_src *s)
{
	struct dirent *de;
	DIR *d = opendir(s->dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX + 32];
		struct stat st;
		uint64_t first;
		uint32_t i;

		if (!sl_seg_file_seq(de->d_name, &first))
			continue;
		snprintf(path, sizeof(path), "%s/%020" PRIu64 ".zst", s->dir, first);
		s->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (s->fd < 0)
			continue;
		if (fstat(s->fd, &st) == 0 && load_index(s, (uint64_t)st.st_size) == 1) {
			for (i = 0; i < s->nidx; i++)
				if (s->idx[i].first_seq + s->idx[i].nrec > s->next) {
					s->base_frames++;
					s->base_bytes += s->idx[i].csize;
				}
		}
		fwd_seg_close(s);
	}
	closedir(d);
}

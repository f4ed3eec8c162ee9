/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shard store: batches -> zstd frames -> segment files (format in
 * sl_segment.h and docs/FORMAT.md). This file: batches, compression in
 * slices, the public API. Segment files: store_segment.c; repair at
 * start-up: store_recover.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_errno.h>

#include "store_private.h"

RTE_LOG_REGISTER(sl_store_logtype, sluice.store, NOTICE);

static const struct sl_ctr_desc store_ctr_desc[] = {
	SL_STORE_COUNTERS(SL_CTR_DESC)
};

static void
batch_reset(struct sl_store *s)
{
	s->blen = sizeof(struct sl_batch_hdr);
	s->bnrec = 0;
	s->bmin = UINT64_MAX;
	s->bmax = 0;
}

/* Seal the filling batch: header, swap buffers, start its zstd frame.
 * Only when no other batch is being compressed (seq numbers stay dense). */
static int
batch_seal(struct sl_store *s)
{
	struct sl_batch_hdr *b = &s->chdr;
	uint8_t *t;
	size_t rc;

	memset(b, 0, sizeof(*b));
	b->magic = SL_BATCH_MAGIC;
	b->version = SL_FORMAT_VERSION;
	b->hdr_len = sizeof(*b);
	b->nrec = s->bnrec;
	b->raw_len = (uint32_t)s->blen;
	b->first_seq = s->next_seq;
	b->min_ns = s->bmin;
	b->max_ns = s->bmax;
	b->shard = s->shard;
	memcpy(s->buf, b, sizeof(*b));

	t = s->cbuf;
	s->cbuf = s->buf;
	s->buf = t;
	s->clen = s->blen;
	s->cpos = 0;
	s->copos = 0;
	batch_reset(s);

	/* The frame header carries the content size, as ZSTD_compress2's did. */
	rc = ZSTD_CCtx_reset(s->cctx, ZSTD_reset_session_only);
	if (!ZSTD_isError(rc))
		rc = ZSTD_CCtx_setPledgedSrcSize(s->cctx, s->clen);
	if (ZSTD_isError(rc)) {
		STORE_LOG(ERR, "shard %u: zstd: %s\n", s->shard, ZSTD_getErrorName(rc));
		s->ctr[SL_STORE_drop_compress_error] += b->nrec;
		return -EIO;
	}
	s->cbusy = 1;
	return 0;
}

/* The sealed batch's frame is complete: append it to the segment. */
static int
frame_commit(struct sl_store *s)
{
	const struct sl_batch_hdr *b = &s->chdr;
	struct sl_seg_idx_ent *e;
	uint64_t off;
	int rc;

	s->cbusy = 0;
	rc = store_idx_reserve(s);
	if (rc == 0 && s->fd < 0)
		rc = store_segment_open(s);
	off = s->seg_off;
	if (rc == 0)
		rc = store_write(s, s->out, s->copos);
	if (rc) {
		store_count_drop(s, rc, b->nrec);
		return rc;
	}
	e = &s->idx[s->nidx++];
	memset(e, 0, sizeof(*e));
	e->offset = off;
	e->csize = (uint32_t)s->copos;
	e->raw_len = b->raw_len;
	e->nrec = b->nrec;
	e->first_seq = b->first_seq;
	e->min_ns = b->min_ns;
	e->max_ns = b->max_ns;
	s->ctr[SL_STORE_records] += b->nrec;
	s->ctr[SL_STORE_bytes_in] += b->raw_len - sizeof(*b);
	s->ctr[SL_STORE_frames]++;
	s->next_seq += b->nrec;
	if (s->seg_off >= s->segment_size)
		return store_segment_seal(s);
	return 0;
}

int
sl_store_work(struct sl_store *s, size_t budget)
{
	ZSTD_outBuffer out;
	ZSTD_inBuffer in;
	size_t rc, n;

	if (!s->cbusy)
		return 0;
	n = RTE_MIN(budget, s->clen - s->cpos);
	in.src = s->cbuf + s->cpos;
	in.size = n;
	in.pos = 0;
	out.dst = s->out;
	out.size = s->out_cap;
	out.pos = s->copos;
	do {
		/* out_cap is the bound of a whole batch: zstd never waits
		 * for room, and ends the frame in one call. */
		rc = ZSTD_compressStream2(s->cctx, &out, &in,
					  s->cpos + n == s->clen ? ZSTD_e_end : ZSTD_e_continue);
		if (ZSTD_isError(rc)) {
			STORE_LOG(ERR, "shard %u: zstd: %s\n", s->shard,
				  ZSTD_getErrorName(rc));
			s->ctr[SL_STORE_drop_compress_error] += s->chdr.nrec;
			s->cbusy = 0;
			return -EIO;
		}
	} while (in.pos < in.size || (s->cpos + n == s->clen && rc != 0));
	s->cpos += n;
	s->copos = out.pos;
	if (s->cpos < s->clen)
		return 1;
	rc = frame_commit(s);
	return rc ? (int)rc : 0;
}

/* Finish the sealed batch at once. */
static int
work_finish(struct sl_store *s)
{
	int rc = 0;

	while (s->cbusy) {
		rc = sl_store_work(s, SIZE_MAX);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
sl_store_flush(struct sl_store *s)
{
	int rc = work_finish(s), rc2 = 0;

	if (s->bnrec == 0)
		return rc;
	rc2 = batch_seal(s);
	if (rc2 == 0)
		rc2 = work_finish(s);
	return rc ? rc : rc2;
}

int
sl_store_seal_batch(struct sl_store *s)
{
	if (s->bnrec == 0 || s->cbusy)
		return 0;
	return batch_seal(s);
}

bool
sl_store_can_take(const struct sl_store *s, uint32_t len)
{
	return !s->cbusy ||
	       s->blen + len <= sizeof(struct sl_batch_hdr) + s->batch_size;
}

bool
sl_store_busy(const struct sl_store *s)
{
	return s->cbusy;
}

int
sl_store_append(struct sl_store *s, const void *recs, uint32_t len,
		uint32_t nrec, uint64_t min_ns, uint64_t max_ns)
{
	const uint8_t *p = recs;
	const size_t limit = sizeof(struct sl_batch_hdr) + s->batch_size;
	uint32_t left = len;
	int ret = 0, rc;

	/*
	 * Fast path: whole chunks, as the writer hands them over, copied in
	 * one go; the caller's count and time range are exact (the shard
	 * stage keeps them per chunk). Walking every record header here cost
	 * 16% of a writer lcore in cache misses on lines another core wrote.
	 */
	if (nrec > 0 && min_ns <= max_ns &&
	    len <= s->batch_size && len <= s->buf_cap - sizeof(struct sl_batch_hdr)) {
		if (s->blen + len > limit && s->blen > sizeof(struct sl_batch_hdr)) {
			/* The batch is full: seal it for sl_store_work(); if
			 * the one before is still being compressed (nobody
			 * called work), finish that first. */
			rc = work_finish(s);
			if (rc == 0)
				rc = batch_seal(s);
			if (rc)
				ret = rc;
		}
		memcpy(s->buf + s->blen, p, len);
		s->blen += len;
		s->bnrec += nrec;
		if (min_ns < s->bmin)
			s->bmin = min_ns;
		if (max_ns > s->bmax)
			s->bmax = max_ns;
		return ret;
	}
	/* Slow path: a run bigger than a batch is split at record boundaries;
	 * the time range is taken from the records themselves. */
	while (left > 0) {
		size_t run = 0;
		uint32_t rn = 0;
		uint64_t rmin = UINT64_MAX, rmax = 0;

		while (run < left) {
			struct sl_rec r;
			size_t rs;

			if (left - run < sizeof(r)) {
				rs = left - run;
				goto malformed;
			}
			memcpy(&r, p + run, sizeof(r));
			rs = sl_rec_size(r.len);
			if (r.len > left - run - sizeof(r)) {
				rs = left - run;
				goto malformed;
			}
			if (rs > s->buf_cap - sizeof(struct sl_batch_hdr)) {
				if (run > 0)
					break;
				s->ctr[SL_STORE_drop_too_big]++;
				ret = -EMSGSIZE;
				p += rs;
				left -= (uint32_t)rs;
				continue;
			}
			if (s->blen + run + rs > limit &&
			    s->blen + run > sizeof(struct sl_batch_hdr))
				break;
			run += rs;
			rn++;
			if (r.rx_ns < rmin)
				rmin = r.rx_ns;
			if (r.rx_ns > rmax)
				rmax = r.rx_ns;
			continue;
malformed:
			/* The caller must pass whole records: never store a torn one. */
			STORE_LOG(ERR, "shard %u: append of malformed records\n", s->shard);
			s->ctr[SL_STORE_drop_write_error]++;
			left -= (uint32_t)rs;
			ret = -EINVAL;
			break;
		}
		if (run > 0) {
			memcpy(s->buf + s->blen, p, run);
			s->blen += run;
			s->bnrec += rn;
			if (rmin < s->bmin)
				s->bmin = rmin;
			if (rmax > s->bmax)
				s->bmax = rmax;
			p += run;
			left -= (uint32_t)run;
		}
		if (left > 0 && ret != -EINVAL) {
			rc = sl_store_flush(s);
			if (rc)
				ret = rc;
		}
		if (ret == -EINVAL)
			break;
	}
	return ret;
}

uint32_t
sl_store_pending(const struct sl_store *s)
{
	return s->bnrec ? (uint32_t)(s->blen - sizeof(struct sl_batch_hdr)) : 0;
}

int
sl_store_tick(struct sl_store *s, uint64_t now_ms)
{
	int rc;

	if (s->fsyncs_inflight)
		store_fsync_reap(s, false);
	if (s->fsync != SL_FSYNC_INTERVAL)
		return 0;
	if (s->last_fsync_ms == 0 || now_ms < s->last_fsync_ms)
		s->last_fsync_ms = now_ms;
	if (s->fd < 0 || !s->dirty ||
	    now_ms - s->last_fsync_ms < s->fsync_interval_ms)
		return 0;
	s->last_fsync_ms = now_ms;
	s->dirty = 0;
	rc = store_fsync_submit(s, s->fd, false);
	return rc;
}

struct sl_ctr_set
sl_store_counters(const struct sl_store *s)
{
	struct sl_ctr_set set = {
		.module = "store",
		.instance = s->instance,
		.n = SL_STORE_NB_CTR,
		.desc = store_ctr_desc,
		.val = s->ctr,
	};

	return set;
}

struct sl_store *
sl_store_create(const struct sl_store_params *p)
{
	struct sl_store *s = NULL;
	void *mem;
	size_t rc_sz;
	int rc;

	if (p == NULL || p->root == NULL || p->tenant == NULL || p->stream == NULL ||
	    !sl_seg_name_ok(p->tenant) || !sl_seg_name_ok(p->stream) ||
	    p->batch_size == 0 || p->batch_size > SL_SEG_MAX_RAW / 2 ||
	    p->segment_size == 0 ||
	    p->zstd_level < ZSTD_minCLevel() || p->zstd_level > ZSTD_maxCLevel() ||
	    (p->fsync == SL_FSYNC_INTERVAL && p->fsync_interval_ms == 0)) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (posix_memalign(&mem, 64, sizeof(*s)) != 0) {
		rte_errno = ENOMEM;
		return NULL;
	}
	s = mem;
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->dirfd = -1;
	s->shard = p->shard;
	s->batch_size = p->batch_size;
	s->segment_size = p->segment_size;
	s->fsync = p->fsync;
	s->fsync_interval_ms = p->fsync_interval_ms;
	snprintf(s->instance, sizeof(s->instance), "shard %u", p->shard);
	strcpy(s->tenant, p->tenant);
	strcpy(s->stream, p->stream);
	if (snprintf(s->dir, sizeof(s->dir), "%s/%s/%s/shard-%02u", p->root,
		     p->tenant, p->stream, p->shard) >= (int)sizeof(s->dir) - 32) {
		rc = -ENAMETOOLONG;
		goto fail;
	}
	rc = store_mkdir_p(s->dir);
	if (rc)
		goto fail;
	s->dirfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0) {
		rc = -errno;
		goto fail;
	}
	/* One writer per shard directory, also across processes. */
	if (flock(s->dirfd, LOCK_EX | LOCK_NB) != 0) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		goto fail;
	}

	s->cctx = ZSTD_createCCtx();
	if (s->cctx == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	rc_sz = ZSTD_CCtx_setParameter(s->cctx, ZSTD_c_compressionLevel, p->zstd_level);
	if (!ZSTD_isError(rc_sz))
		rc_sz = ZSTD_CCtx_setParameter(s->cctx, ZSTD_c_checksumFlag, 1);
	if (!ZSTD_isError(rc_sz))
		rc_sz = ZSTD_CCtx_setParameter(s->cctx, ZSTD_c_contentSizeFlag, 1);
	if (ZSTD_isError(rc_sz)) {
		rc = -EINVAL;
		goto fail;
	}
	s->buf_cap = sizeof(struct sl_batch_hdr) +
		RTE_MAX((size_t)p->batch_size, STORE_MAX_REC);
	s->out_cap = ZSTD_compressBound(s->buf_cap);
	/* 4 KiB aligned: the O_DIRECT path writes from these buffers. */
	if (posix_memalign((void **)&s->buf, 4096, s->buf_cap) != 0 ||
	    posix_memalign((void **)&s->cbuf, 4096, s->buf_cap) != 0 ||
	    posix_memalign((void **)&s->out, 4096, s->out_cap) != 0) {
		rc = -ENOMEM;
		goto fail;
	}
	batch_reset(s);
	if (io_uring_queue_init(16, &s->ring, 0) == 0)
		s->ring_ok = 1;
	else
		STORE_LOG(NOTICE, "shard %u: io_uring unavailable: fsync runs on the writer lcore\n",
			  s->shard);

	rc = store_recover_dir(s);
	if (rc)
		goto fail;
	return s;
fail:
	STORE_LOG(ERR, "shard %u: cannot open store in %s: %s\n", p->shard,
		  s->dir, strerror(-rc));
	sl_store_free(s);
	rte_errno = -rc;
	return NULL;
}

int
sl_store_seal(struct sl_store *s)
{
	int rc = sl_store_flush(s);
	int rc2 = store_segment_seal(s);

	return rc ? rc : rc2;
}

void
sl_store_free(struct sl_store *s)
{
	if (s == NULL)
		return;
	if (s->buf && s->out && s->cctx)
		sl_store_flush(s);
	store_segment_seal(s);
	if (s->ring_ok) {
		/* Durable before we go: wait for every fsync in flight. */
		store_fsync_reap(s, true);
		io_uring_queue_exit(&s->ring);
	}
	if (s->dirfd >= 0)
		close(s->dirfd);
	ZSTD_freeCCtx(s->cctx);
	free(s->buf);
	free(s->cbuf);
	free(s->out);
	free(s->idx);
	free(s);
}

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

/* Start the zstd frame of the sealed batch (cbuf, chdr) from its beginning. */
static int
frame_start(struct sl_store *s)
{
	size_t rc;

	memcpy(s->cbuf, &s->chdr, sizeof(s->chdr));
	s->cpos = 0;
	s->copos = 0;
	/* The frame header carries the content size, as ZSTD_compress2's did. */
	rc = ZSTD_CCtx_reset(s->cctx, ZSTD_reset_session_only);
	if (!ZSTD_isError(rc))
		rc = ZSTD_CCtx_setPledgedSrcSize(s->cctx, s->clen);
	if (ZSTD_isError(rc)) {
		STORE_LOG(ERR, "shard %u: zstd: %s\n", s->shard, ZSTD_getErrorName(rc));
		return -EIO;
	}
	return 0;
}

/* The batch being compressed is lost: its records never get a number. */
static void
frame_abort(struct sl_store *s)
{
	s->ctr[SL_STORE_drop_compress_error] += s->chdr.nrec;
	s->seal_seq = s->chdr.first_seq;
	s->slot[s->cslot].state = SLOT_FREE;
	s->cslot = -1;
	s->cbusy = 0;
}

/* Queued frames were dropped and the sequence goes back to seal_seq: the
 * batch being compressed takes its numbers from there. */
void
store_batch_renumber(struct sl_store *s)
{
	if (!s->cbusy)
		return;
	s->chdr.first_seq = s->seal_seq;
	s->seal_seq += s->chdr.nrec;
	if (frame_start(s) != 0)
		frame_abort(s);
}

/* Seal the filling batch: header, swap buffers, start its zstd frame into
 * a free output slot. Only when no other batch is being compressed (seq
 * numbers are given in order) and a slot is free (-EAGAIN otherwise). */
static int
batch_seal(struct sl_store *s)
{
	struct sl_batch_hdr *b = &s->chdr;
	int k = store_free_slot(s);
	uint8_t *t;

	if (k < 0 || s->cbusy)
		return -EAGAIN;
	memset(b, 0, sizeof(*b));
	b->magic = SL_BATCH_MAGIC;
	b->version = SL_FORMAT_VERSION;
	b->hdr_len = sizeof(*b);
	b->nrec = s->bnrec;
	b->raw_len = (uint32_t)s->blen;
	b->first_seq = s->seal_seq;
	b->min_ns = s->bmin;
	b->max_ns = s->bmax;
	b->shard = s->shard;
	s->seal_seq += s->bnrec;

	t = s->cbuf;
	s->cbuf = s->buf;
	s->buf = t;
	s->clen = s->blen;
	batch_reset(s);
	s->cslot = k;
	s->slot[k].state = SLOT_FILL;
	s->cbusy = 1;
	if (frame_start(s) != 0) {
		frame_abort(s);
		return -EIO;
	}
	return 0;
}

int
sl_store_work(struct sl_store *s, size_t budget)
{
	ZSTD_outBuffer out;
	ZSTD_inBuffer in;
	size_t rc, n;
	int ret;

	if (!s->cbusy) {
		ret = store_progress(s, false);
		if (ret < 0 && ret != -ENOSPC && ret != -EDQUOT)
			return ret;
		return sl_store_busy(s) ? 1 : 0;
	}
	n = RTE_MIN(budget, s->clen - s->cpos);
	in.src = s->cbuf + s->cpos;
	in.size = n;
	in.pos = 0;
	out.dst = s->slot[s->cslot].buf + STORE_ALIGN;
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
			frame_abort(s);
			return -EIO;
		}
	} while (in.pos < in.size || (s->cpos + n == s->clen && rc != 0));
	s->cpos += n;
	s->copos = out.pos;
	if (s->cpos < s->clen)
		return 1;
	store_queue_frame(s);
	ret = store_progress(s, false);
	if (ret < 0 && ret != -ENOSPC && ret != -EDQUOT)
		return ret;
	return sl_store_busy(s) ? 1 : 0;
}

/* Finish the sealed batch at once (its frame is queued, not waited for). */
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

/*
 * Seal the open batch, waiting for a free output slot when writes are in
 * flight. Disk full with every slot kept: -ENOSPC, the batch stays open.
 */
static int
seal_waiting(struct sl_store *s)
{
	int rc = work_finish(s);

	while (store_free_slot(s) < 0 && !s->dfull)
		store_progress(s, true);
	if (store_free_slot(s) < 0)
		return -ENOSPC;
	if (s->bnrec == 0)
		return rc;
	return batch_seal(s) ?: rc;
}

int
sl_store_flush(struct sl_store *s)
{
	int rc = work_finish(s), rc2 = 0;

	store_retry(s, true);
	if (s->bnrec > 0) {
		rc2 = seal_waiting(s);
		if (rc2 == 0)
			rc2 = work_finish(s);
	}
	if (rc == 0)
		rc = rc2;
	rc2 = store_drain(s);
	return rc ? rc : rc2;
}

int
sl_store_seal_batch(struct sl_store *s)
{
	if (s->bnrec == 0 || s->cbusy || store_free_slot(s) < 0)
		return 0;
	return batch_seal(s);
}

bool
sl_store_can_take(const struct sl_store *s, uint32_t len)
{
	if (s->blen + len <= sizeof(struct sl_batch_hdr) + s->batch_size)
		return true;
	if (s->cbusy)
		return false;
	/* A free slot to seal the open batch into; disk full: take, and
	 * drop what the bound cannot hold. */
	return store_free_slot(s) >= 0 || s->dfull;
}

bool
sl_store_busy(const struct sl_store *s)
{
	return s->cbusy || s->winflight > 0 || s->seal_fd >= 0 ||
		(s->nsub < s->qlen && !s->dfull) || s->failed;
}

/* Records in [p, p + len) (whole records; a torn tail counts as one). */
static uint32_t
count_recs(const uint8_t *p, uint32_t len)
{
	uint32_t n = 0, pos = 0;

	while (pos < len) {
		struct sl_rec r;

		if (len - pos < sizeof(r))
			return n + 1;
		memcpy(&r, p + pos, sizeof(r));
		pos += RTE_MIN((uint32_t)sl_rec_size(r.len), len - pos);
		n++;
	}
	return n;
}

int
sl_store_append(struct sl_store *s, const void *recs, uint32_t len,
		uint32_t nrec, uint64_t min_ns, uint64_t max_ns)
{
	const uint8_t *p = recs;
	const size_t limit = sizeof(struct sl_batch_hdr) + s->batch_size;
	uint32_t left = len;
	int ret = 0, rc;

	/* Completions, without waiting. */
	if (s->winflight || s->seal_fd >= 0 || s->failed)
		store_progress(s, false);
	/*
	 * Fast path: whole chunks, as the writer hands them over, copied in
	 * one go; the caller's count and time range are exact (the shard
	 * stage keeps them per chunk). Walking every record header here cost
	 * 16% of a writer lcore in cache misses on lines another core wrote.
	 */
	if (nrec > 0 && min_ns <= max_ns &&
	    len <= s->max_append && len <= s->buf_cap - sizeof(struct sl_batch_hdr)) {
		if (s->blen + len > limit && s->blen > sizeof(struct sl_batch_hdr)) {
			/* The batch is full: seal it for sl_store_work(); if
			 * the one before is still being compressed (nobody
			 * called work), finish that first. */
			rc = seal_waiting(s);
			if (rc == -ENOSPC) {
				/* Disk full and the bound is reached. */
				s->ctr[SL_STORE_drop_disk_full] += nrec;
				return rc;
			}
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
			if (rc == -ENOSPC && s->bnrec > 0) {
				/* Disk full and the bound is reached. */
				s->ctr[SL_STORE_drop_disk_full] += count_recs(p, left);
				break;
			}
		}
		if (ret == -EINVAL)
			break;
	}
	return ret;
}

int
sl_store_skip_to(struct sl_store *s, uint64_t seq)
{
	if (seq <= s->next_seq)
		return 0;
	if (s->bnrec != 0 || s->cbusy || s->qlen != 0 || s->fd >= 0 || s->seal_seq != s->next_seq)
		return -EBUSY;
	STORE_LOG(WARNING, "shard %u: %s: records %" PRIu64 "..%" PRIu64 " are not on the disk "
		  "(lost with the host) but in Kafka: numbering goes on at %" PRIu64 "\n",
		  s->shard, s->dir, s->next_seq, seq - 1, seq);
	s->next_seq = seq;
	s->seal_seq = seq;
	batch_reset(s);
	store_publish(s);
	return 0;
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

	s->now_ms = now_ms;
	rc = store_progress(s, false);
	if (s->dfull)
		rc = store_retry(s, false);
	if (s->segment_age_ms && s->fd >= 0 && !s->rotate) {
		if (s->seg_open_ms == 0 || now_ms < s->seg_open_ms) {
			s->seg_open_ms = now_ms;
		} else if (now_ms - s->seg_open_ms >= s->segment_age_ms && !s->dfull) {
			/* Sealed once its writes in flight are back. */
			s->rotate = 1;
			s->ctr[SL_STORE_segments_aged]++;
			store_progress(s, false);
		}
	}
	if (s->fsync != SL_FSYNC_INTERVAL)
		return rc;
	if (s->last_fsync_ms == 0 || now_ms < s->last_fsync_ms)
		s->last_fsync_ms = now_ms;
	if (s->fd < 0 || !s->dirty ||
	    now_ms - s->last_fsync_ms < s->fsync_interval_ms)
		return rc;
	s->last_fsync_ms = now_ms;
	s->dirty = 0;
	rc = store_fsync_submit(s, s->fd, false);
	if (rc == 0 && !s->seg_dir_synced) {
		/* A new segment's name must be durable too, or a power cut
		 * loses the whole open segment, not just the interval. */
		s->seg_dir_synced = 1;
		rc = store_fsync_submit(s, s->dirfd, false);
	}
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

void
sl_store_state(const struct sl_store *s, struct sl_store_state *st)
{
	const volatile struct sl_store *v = s;

	st->disk_full = v->dfull != 0;
	st->segment_open = v->fd >= 0;
	st->frames_kept = v->qlen;
}

struct sl_store *
sl_store_create(const struct sl_store_params *p)
{
	struct sl_store *s = NULL;
	void *mem;
	size_t rc_sz;
	int rc, i;

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
	s->seal_fd = -1;
	s->cslot = -1;
	s->pub_seg = UINT64_MAX;
	s->pub_prev = UINT64_MAX;
	s->shard = p->shard;
	s->batch_size = p->batch_size;
	s->segment_size = p->segment_size;
	s->segment_age_ms = p->segment_age_ms;
	s->fault = p->write_fault;
	s->fault_arg = p->write_fault_arg;
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
	s->max_append = RTE_MAX(p->batch_size, p->max_append);
	s->buf_cap = sizeof(struct sl_batch_hdr) + RTE_MAX((size_t)s->max_append, STORE_MAX_REC);
	s->out_cap = ZSTD_compressBound(s->buf_cap);
	if (posix_memalign((void **)&s->buf, 64, s->buf_cap) != 0 ||
	    posix_memalign((void **)&s->cbuf, 64, s->buf_cap) != 0) {
		rc = -ENOMEM;
		goto fail;
	}
	/* Output slots, 4 KiB aligned: O_DIRECT writes from them. Room for
	 * the header block before the frame and the padding after it. */
	for (i = 0; i < STORE_NSLOT; i++)
		if (posix_memalign((void **)&s->slot[i].buf, STORE_ALIGN,
				   store_round_up(s->out_cap + 2 * STORE_ALIGN + SL_SKIP_HDR_LEN,
						  STORE_ALIGN)) != 0) {
			rc = -ENOMEM;
			goto fail;
		}
	batch_reset(s);
	if (io_uring_queue_init(32, &s->ring, 0) == 0)
		s->ring_ok = 1;
	else
		STORE_LOG(NOTICE, "shard %u: io_uring unavailable: writes and fsync run on the writer lcore\n",
			  s->shard);
	store_probe_direct(s, p->root, p->buffered);

	rc = store_recover_dir(s);
	if (rc)
		goto fail;
	s->seal_seq = s->next_seq;
	s->pub = p->pub;
	store_publish(s);
	return s;
fail:
	STORE_LOG(ERR, "shard %u: cannot open store in %s: %s\n", p->shard,
		  s->dir, strerror(-rc));
	sl_store_free(s);
	rte_errno = -rc;
	return NULL;
}

/* Shutdown with the disk still full: what is kept in memory is lost. */
static void
drop_kept(struct sl_store *s)
{
	uint64_t n = s->bnrec + (s->cbusy ? s->chdr.nrec : 0);
	unsigned int i;

	for (i = 0; i < s->qlen; i++)
		n += s->slot[s->q[(s->qhead + i) % STORE_NSLOT]].b.nrec;
	if (n == 0)
		return;
	s->ctr[SL_STORE_drop_disk_full] += n;
	STORE_LOG(ERR, "shard %u: %s: disk still full at shutdown: %" PRIu64 " records lost\n",
		  s->shard, s->dir, n);
	for (i = 0; i < STORE_NSLOT; i++)
		s->slot[i].state = SLOT_FREE;
	s->qlen = 0;
	s->nsub = 0;
	s->cbusy = 0;
	s->cslot = -1;
	s->bnrec = 0;
	s->dfull = 0;
	batch_reset(s);
}

int
sl_store_seal(struct sl_store *s)
{
	int rc = sl_store_flush(s);
	int rc2;

	/* Shutdown seals before the final counters: what a full disk still
	 * keeps in memory is counted lost here, not after they are printed. */
	if (s->dfull)
		drop_kept(s);
	rc2 = store_segment_seal_wait(s);
	return rc ? rc : rc2;
}


void
sl_store_free(struct sl_store *s)
{
	int i;

	if (s == NULL)
		return;
	if (s->buf && s->slot[STORE_NSLOT - 1].buf && s->cctx) {
		sl_store_flush(s);
		if (s->dfull)
			drop_kept(s);
		store_segment_seal_wait(s);
	}
	if (s->fd >= 0)
		close(s->fd);
	if (s->ring_ok) {
		/* Durable before we go: wait for every fsync in flight. */
		store_io_wait_all(s);
		io_uring_queue_exit(&s->ring);
	}
	if (s->dirfd >= 0)
		close(s->dirfd);
	ZSTD_freeCCtx(s->cctx);
	free(s->buf);
	free(s->cbuf);
	for (i = 0; i < STORE_NSLOT; i++)
		free(s->slot[i].buf);
	free(s->seal_buf);
	free(s->idx);
	free(s);
}

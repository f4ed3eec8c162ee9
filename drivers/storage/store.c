/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shard store: batches -> zstd frames -> segment files (format in
 * sl_segment.h and docs/FORMAT.md).
 *
 * All file output goes through store_write() (one pwrite at the segment's
 * tracked end, truncating back on failure) so that the io_uring O_DIRECT path
 * of the storage issue replaces one function.
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

#include <liburing.h>
#include <zstd.h>
#include <rte_errno.h>

#include "sl_common.h"
#include "sl_segment.h"
#include "sl_store.h"

RTE_LOG_REGISTER(sl_store_logtype, sluice.store, NOTICE);
#define STORE_LOG(level, ...) SL_LOG(sl_store_logtype, level, "store", __VA_ARGS__)

/* A single record is stored even when larger than batch_size, up to this. */
#define STORE_MAX_REC (sizeof(struct sl_rec) + 65536u)

static const struct sl_ctr_desc store_ctr_desc[] = {
	SL_STORE_COUNTERS(SL_CTR_DESC)
};

struct sl_store {
	uint64_t ctr[SL_STORE_NB_CTR];
	char instance[32];
	char dir[PATH_MAX];
	char tenant[SL_SEG_NAME_MAX + 1];
	char stream[SL_SEG_NAME_MAX + 1];
	uint16_t shard;
	uint32_t batch_size;
	uint64_t segment_size;
	enum sl_fsync_mode fsync;
	uint32_t fsync_interval_ms;
	int dirfd;

	ZSTD_CCtx *cctx;
	uint8_t *buf;           /* batch: sl_batch_hdr + records */
	size_t buf_cap;
	size_t blen;            /* bytes in buf, header included */
	uint32_t bnrec;
	uint64_t bmin, bmax;
	uint8_t *out;           /* compressed frame */
	size_t out_cap;

	/* The sealed batch being compressed, a slice per sl_store_work() call,
	 * while new records fill buf: a writer beside a worker never stops
	 * the worker's RX for a whole batch. */
	uint8_t *cbuf;          /* sealed batch (buffers swap at seal) */
	size_t clen;            /* its bytes, header included */
	size_t cpos;            /* bytes handed to zstd so far */
	size_t copos;           /* compressed bytes produced so far */
	struct sl_batch_hdr chdr;
	int cbusy;              /* a sealed batch is being compressed */

	uint64_t next_seq;      /* seq of the next record stored */

	/* The open segment (fd < 0: none). */
	int fd;
	uint64_t seg_off;       /* end of the last whole frame */
	uint64_t seg_first_seq;
	char seg_path[PATH_MAX + 64];
	struct sl_seg_idx_ent *idx;
	uint32_t nidx, idx_cap;
	int dirty;              /* written since the last fsync */
	uint64_t last_fsync_ms;

	/* fsyncs run through io_uring: the writer lcore (which may carry a
	 * worker) never waits for the disk. A sealed segment's fd is closed
	 * when its fsync completes. Without io_uring, they run inline. */
	struct io_uring ring;
	int ring_ok;
	unsigned int fsyncs_inflight;
};

/* io_uring user_data: the fd, and whether to close it when done. */
#define FSYNC_CLOSE (1ull << 32)

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int
mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	size_t i, n = strlen(path);

	if (n == 0 || n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return -errno;
		tmp[i] = i < n ? '/' : '\0';
	}
	return 0;
}

/*
 * The only write path: append @p len bytes at the segment end. On failure the
 * file is cut back to the last whole frame, so a reader never sees half a
 * frame that was not a crash.
 */
static int
store_write(struct sl_store *s, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t off = s->seg_off, t0 = now_ns(), us;
	size_t left = len;

	while (left > 0) {
		ssize_t n = pwrite(s->fd, p, left, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? errno : EIO;

			if (ftruncate(s->fd, (off_t)s->seg_off) != 0)
				STORE_LOG(ERR, "%s: cannot cut back to %" PRIu64 ": %s\n",
					  s->seg_path, s->seg_off, strerror(errno));
			return -err;
		}
		p += n;
		left -= (size_t)n;
		off += (uint64_t)n;
	}
	s->seg_off = off;
	s->dirty = 1;
	s->ctr[SL_STORE_bytes_out] += len;
	us = (now_ns() - t0) / 1000;
	if (us > s->ctr[SL_STORE_max_write_us])
		s->ctr[SL_STORE_max_write_us] = us;
	return 0;
}

static void
count_drop(struct sl_store *s, int err, uint64_t nrec)
{
	if (err == -ENOSPC || err == -EDQUOT)
		s->ctr[SL_STORE_drop_disk_full] += nrec;
	else
		s->ctr[SL_STORE_drop_write_error] += nrec;
}

static int
do_fsync(struct sl_store *s, int fd)
{
	s->ctr[SL_STORE_fsyncs]++;
	return fsync(fd) == 0 ? 0 : -errno;
}

/* Take finished fsyncs; with @p wait, until none is in flight. */
static void
fsync_reap(struct sl_store *s, bool wait)
{
	struct io_uring_cqe *cqe;

	while (s->fsyncs_inflight > 0) {
		int rc = wait ? io_uring_wait_cqe(&s->ring, &cqe) :
				io_uring_peek_cqe(&s->ring, &cqe);
		uint64_t ud;

		if (rc == -EINTR)
			continue;
		if (rc != 0)
			return;
		ud = io_uring_cqe_get_data64(cqe);
		if (cqe->res < 0) {
			s->ctr[SL_STORE_fsync_errors]++;
			STORE_LOG(ERR, "shard %u: fsync: %s\n", s->shard, strerror(-cqe->res));
		}
		io_uring_cqe_seen(&s->ring, cqe);
		if (ud & FSYNC_CLOSE)
			close((int)(ud & 0xffffffffu));
		s->fsyncs_inflight--;
	}
}

/*
 * fsync @p fd without waiting (io_uring), closing it afterwards when
 * @p close_after; inline when io_uring is not available.
 */
static int
fsync_submit(struct sl_store *s, int fd, bool close_after)
{
	struct io_uring_sqe *sqe;

	if (!s->ring_ok) {
		int rc = do_fsync(s, fd);

		if (close_after)
			close(fd);
		return rc;
	}
	sqe = io_uring_get_sqe(&s->ring);
	if (sqe == NULL) {
		fsync_reap(s, true);
		sqe = io_uring_get_sqe(&s->ring);
	}
	if (sqe == NULL)
		return -EBUSY;
	io_uring_prep_fsync(sqe, fd, 0);
	io_uring_sqe_set_data64(sqe, (uint64_t)(uint32_t)fd |
				(close_after ? FSYNC_CLOSE : 0));
	if (io_uring_submit(&s->ring) != 1) {
		int rc = do_fsync(s, fd);

		if (close_after)
			close(fd);
		return rc;
	}
	s->ctr[SL_STORE_fsyncs]++;
	s->fsyncs_inflight++;
	return 0;
}

static int
segment_open(struct sl_store *s)
{
	uint8_t frame[SL_SEG_HDR_FRAME_LEN];
	struct sl_seg_hdr h;
	int rc;

	snprintf(s->seg_path, sizeof(s->seg_path), "%s/%020" PRIu64 ".zst",
		 s->dir, s->next_seq);
	s->fd = open(s->seg_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (s->fd < 0) {
		rc = -errno;
		STORE_LOG(ERR, "%s: %s\n", s->seg_path, strerror(errno));
		return rc;
	}
	sl_seg_hdr_init(&h, s->shard, s->next_seq, now_ns(), s->tenant, s->stream);
	sl_put_le32(frame, SL_SEG_SKIP_MAGIC);
	sl_put_le32(frame + 4, sizeof(h));
	memcpy(frame + SL_SKIP_HDR_LEN, &h, sizeof(h));
	s->seg_off = 0;
	s->seg_first_seq = s->next_seq;
	s->nidx = 0;
	rc = store_write(s, frame, sizeof(frame));
	if (rc) {
		close(s->fd);
		unlink(s->seg_path);
		s->fd = -1;
		return rc;
	}
	s->ctr[SL_STORE_segments_opened]++;
	return 0;
}

/* Write index + trailer at seg_off, fsync per policy, close. */
static int
segment_seal(struct sl_store *s)
{
	struct sl_seg_idx_hdr ih;
	struct sl_seg_trailer t;
	uint8_t *buf;
	size_t ilen, len;
	uint32_t i;
	int rc = 0;

	if (s->fd < 0)
		return 0;
	if (s->nidx == 0) {
		/* Nothing stored: an empty segment would take the next one's name. */
		close(s->fd);
		unlink(s->seg_path);
		s->fd = -1;
		return 0;
	}
	ilen = sizeof(ih) + (size_t)s->nidx * sizeof(struct sl_seg_idx_ent);
	len = SL_SKIP_HDR_LEN + ilen + SL_SEG_TRL_FRAME_LEN;
	buf = malloc(len);
	if (buf == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	memset(&ih, 0, sizeof(ih));
	ih.magic = SL_SEG_IDX_MAGIC;
	ih.version = SL_FORMAT_VERSION;
	ih.hdr_len = sizeof(ih);
	ih.ent_len = sizeof(struct sl_seg_idx_ent);
	ih.nent = s->nidx;
	ih.first_seq = s->seg_first_seq;
	sl_put_le32(buf, SL_SEG_SKIP_MAGIC);
	sl_put_le32(buf + 4, (uint32_t)ilen);
	memcpy(buf + SL_SKIP_HDR_LEN, &ih, sizeof(ih));
	memcpy(buf + SL_SKIP_HDR_LEN + sizeof(ih), s->idx,
	       (size_t)s->nidx * sizeof(struct sl_seg_idx_ent));

	memset(&t, 0, sizeof(t));
	t.magic = SL_SEG_TRL_MAGIC;
	t.version = SL_FORMAT_VERSION;
	t.trl_len = sizeof(t);
	t.index_off = s->seg_off;
	t.index_len = (uint32_t)ilen;
	t.index_crc = sl_crc32c(buf + SL_SKIP_HDR_LEN, ilen);
	t.nframes = s->nidx;
	t.first_seq = s->seg_first_seq;
	t.min_ns = UINT64_MAX;
	for (i = 0; i < s->nidx; i++) {
		t.nrec += s->idx[i].nrec;
		t.raw_bytes += s->idx[i].raw_len;
		if (s->idx[i].min_ns < t.min_ns)
			t.min_ns = s->idx[i].min_ns;
		if (s->idx[i].max_ns > t.max_ns)
			t.max_ns = s->idx[i].max_ns;
	}
	t.crc = sl_crc32c(&t, offsetof(struct sl_seg_trailer, crc));
	sl_put_le32(buf + SL_SKIP_HDR_LEN + ilen, SL_SEG_SKIP_MAGIC);
	sl_put_le32(buf + SL_SKIP_HDR_LEN + ilen + 4, sizeof(t));
	memcpy(buf + 2 * SL_SKIP_HDR_LEN + ilen, &t, sizeof(t));

	rc = store_write(s, buf, len);
	free(buf);
out:
	if (rc)
		STORE_LOG(WARNING, "%s: not sealed (%s); the next start repairs it\n",
			  s->seg_path, strerror(-rc));
	else
		s->ctr[SL_STORE_segments_sealed]++;
	if (rc == 0 && s->fsync != SL_FSYNC_NONE) {
		/* The segment, then its name in the directory. */
		fsync_submit(s, s->fd, true);
		fsync_submit(s, s->dirfd, false);
	} else {
		close(s->fd);
	}
	s->fd = -1;
	s->dirty = 0;
	return rc;
}

static int
idx_reserve(struct sl_store *s)
{
	struct sl_seg_idx_ent *n;
	uint32_t cap;

	if (s->nidx < s->idx_cap)
		return 0;
	cap = s->idx_cap ? s->idx_cap * 2 : 256;
	n = realloc(s->idx, (size_t)cap * sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	s->idx = n;
	s->idx_cap = cap;
	return 0;
}

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
	rc = idx_reserve(s);
	if (rc == 0 && s->fd < 0)
		rc = segment_open(s);
	off = s->seg_off;
	if (rc == 0)
		rc = store_write(s, s->out, s->copos);
	if (rc) {
		count_drop(s, rc, b->nrec);
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
		return segment_seal(s);
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
		fsync_reap(s, false);
	if (s->fsync != SL_FSYNC_INTERVAL)
		return 0;
	if (s->last_fsync_ms == 0 || now_ms < s->last_fsync_ms)
		s->last_fsync_ms = now_ms;
	if (s->fd < 0 || !s->dirty ||
	    now_ms - s->last_fsync_ms < s->fsync_interval_ms)
		return 0;
	s->last_fsync_ms = now_ms;
	s->dirty = 0;
	rc = fsync_submit(s, s->fd, false);
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

/*
 * Start-up check of one segment. Sealed: just read where its sequence ends.
 * Unsealed (a crash): keep every whole frame that verifies, cut the rest,
 * seal. Cost: one small read for a sealed segment, a scan for an open one.
 */
static int
segment_recover(struct sl_store *s, const char *name, uint64_t name_seq,
		uint64_t *end_seq)
{
	struct sl_seg_scan sc;
	struct sl_seg_trailer t;
	struct sl_seg_hdr h;
	uint8_t hf[SL_SEG_HDR_FRAME_LEN];
	struct stat st;
	uint64_t off, expect;
	int fd, rc;

	snprintf(s->seg_path, sizeof(s->seg_path), "%s/%s", s->dir, name);
	fd = open(s->seg_path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = -errno;
		STORE_LOG(ERR, "%s: %s\n", s->seg_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	rc = sl_seg_read_trailer(fd, (uint64_t)st.st_size, &t);
	if (rc == 1) {
		*end_seq = t.first_seq + t.nrec;
		close(fd);
		return 0;
	}
	s->ctr[SL_STORE_recovered_segments]++;
	if ((uint64_t)st.st_size < SL_SEG_HDR_FRAME_LEN ||
	    sl_seg_pread(fd, hf, sizeof(hf), 0) != 0 ||
	    sl_le32(hf) != SL_SEG_SKIP_MAGIC ||
	    (memcpy(&h, hf + SL_SKIP_HDR_LEN, sizeof(h)), !sl_seg_hdr_check(&h)) ||
	    h.first_seq != name_seq) {
		/* Died while creating it, or not ours: nothing whole to keep. */
		STORE_LOG(WARNING, "%s: no valid segment header, removed\n", s->seg_path);
		s->ctr[SL_STORE_recovered_bytes_cut] += (uint64_t)st.st_size;
		close(fd);
		unlink(s->seg_path);
		*end_seq = name_seq;
		return 0;
	}
	rc = sl_seg_scan_init(&sc, fd, (uint64_t)st.st_size);
	if (rc) {
		close(fd);
		return rc;
	}
	s->fd = fd;
	s->seg_first_seq = h.first_seq;
	s->nidx = 0;
	expect = h.first_seq;
	off = SL_SEG_HDR_FRAME_LEN;
	for (;;) {
		struct sl_scan_frame f;
		enum sl_scan_res res = sl_seg_scan_frame(&sc, off, sc.size, &f);
		struct sl_seg_idx_ent *e;

		if (res == SL_SCAN_SKIP && f.skip_magic != SL_SEG_SKIP_MAGIC) {
			off += f.size;          /* padding */
			continue;
		}
		if (res != SL_SCAN_DATA || f.b.first_seq != expect ||
		    f.b.shard != s->shard)
			break;                  /* the tail starts here */
		rc = idx_reserve(s);
		if (rc)
			break;
		e = &s->idx[s->nidx++];
		memset(e, 0, sizeof(*e));
		e->offset = off;
		e->csize = (uint32_t)f.size;
		e->raw_len = f.raw_len;
		e->nrec = f.b.nrec;
		e->first_seq = f.b.first_seq;
		e->min_ns = f.b.min_ns;
		e->max_ns = f.b.max_ns;
		expect += f.b.nrec;
		off += f.size;
	}
	sl_seg_scan_fini(&sc);
	if (rc) {
		close(fd);
		s->fd = -1;
		return rc;
	}
	s->ctr[SL_STORE_recovered_bytes_cut] += (uint64_t)st.st_size - off;
	STORE_LOG(NOTICE, "%s: unsealed; kept %u frames, cut %" PRIu64 " bytes, sealing\n",
		  s->seg_path, s->nidx, (uint64_t)st.st_size - off);
	if (ftruncate(fd, (off_t)off) != 0) {
		rc = -errno;
		close(fd);
		s->fd = -1;
		return rc;
	}
	s->seg_off = off;
	*end_seq = expect;
	/* A seal that fails (disk full) leaves a clean open segment that the
	 * next start seals; it must not keep the shard from starting. */
	segment_seal(s);
	s->nidx = 0;
	return 0;
}

static int
name_seq(const char *name, uint64_t *seq)
{
	uint64_t v = 0;
	int i;

	if (strlen(name) != 24 || strcmp(name + 20, ".zst") != 0)
		return 0;
	for (i = 0; i < 20; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(name[i] - '0');
	}
	*seq = v;
	return 1;
}

static int
recover_dir(struct sl_store *s)
{
	struct dirent **list = NULL;
	int i, n, rc = 0;

	n = scandirat(s->dirfd, ".", &list, NULL, alphasort);
	if (n < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		uint64_t seq, end;

		if (rc == 0 && name_seq(list[i]->d_name, &seq)) {
			rc = segment_recover(s, list[i]->d_name, seq, &end);
			if (rc == 0 && end > s->next_seq)
				s->next_seq = end;
		}
		free(list[i]);
	}
	free(list);
	return rc;
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
	rc = mkdir_p(s->dir);
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

	rc = recover_dir(s);
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
	int rc2 = segment_seal(s);

	return rc ? rc : rc2;
}

void
sl_store_free(struct sl_store *s)
{
	if (s == NULL)
		return;
	if (s->buf && s->out && s->cctx)
		sl_store_flush(s);
	segment_seal(s);
	if (s->ring_ok) {
		/* Durable before we go: wait for every fsync in flight. */
		fsync_reap(s, true);
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

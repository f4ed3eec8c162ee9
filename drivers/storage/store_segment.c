/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment files of a shard store: the write queue (whole frames, in file
 * order, several in flight through io_uring, O_DIRECT where the filesystem
 * takes it), segment open with preallocation, the seal (index + trailer),
 * fsync, cut back on failure, and the disk-full state with its retry.
 *
 * Queue: q[] holds the slots of whole frames in file order. A prefix of
 * nsub entries was submitted; the rest wait. Completions may come in any
 * order; a frame counts as written (index entry, counters, next_seq) only
 * when every frame before it is. After a failure nothing more is submitted;
 * once the writes in flight are back, the file is cut to the end of the
 * written prefix (seg_off), so it never holds a gap or half a frame, and
 *  - ENOSPC/EDQUOT (or a short write): the frames stay queued (disk full)
 *    and the oldest is retried every STORE_RETRY_MS from sl_store_tick();
 *  - anything else: the queued frames are dropped (counted) and the
 *    sequence resumes at their first record, so it has no gap.
 */
#include <dirent.h>
#include <linux/falloc.h>
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

#include "store_private.h"

uint64_t
store_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int
store_mkdir_p(const char *path)
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

void
store_count_drop(struct sl_store *s, int err, uint64_t nrec)
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

static bool
io_pending(const struct sl_store *s)
{
	return s->winflight > 0 || s->seal_fd >= 0 || s->fsyncs_inflight > 0 ||
		s->falloc_inflight;
}

static void
write_done(struct sl_store *s, struct store_slot *sl, int res)
{
	uint64_t us = (store_now_ns() - sl->t0) / 1000;

	/* A short write is a full disk (the device took what it had room for). */
	if (res >= 0 && (uint32_t)res != sl->hlen + sl->len)
		res = -ENOSPC;
	sl->res = res < 0 ? res : 0;
	sl->state = SLOT_DONE;
	if (res < 0 && s->failed == 0)
		s->failed = res;
	s->winflight--;
	s->ctr[SL_STORE_writes_inflight] = s->winflight;
	if (us > s->ctr[SL_STORE_max_write_lat_us])
		s->ctr[SL_STORE_max_write_lat_us] = us;
}

/* Take every completion there is; with @p wait, block for one first when
 * anything is in flight. Only records results: store_progress() acts. */
static void
reap(struct sl_store *s, bool wait)
{
	struct io_uring_cqe *cqe;
	bool waited = !wait;

	if (!s->ring_ok)
		return;
	if (io_uring_sq_ready(&s->ring))
		io_uring_submit(&s->ring);
	for (;;) {
		int rc, res;
		uint64_t ud;

		if (!waited && io_pending(s)) {
			rc = io_uring_wait_cqe(&s->ring, &cqe);
			waited = true;
		} else {
			rc = io_uring_peek_cqe(&s->ring, &cqe);
		}
		if (rc == -EINTR)
			continue;
		if (rc != 0)
			return;
		ud = io_uring_cqe_get_data64(cqe);
		res = cqe->res;
		io_uring_cqe_seen(&s->ring, cqe);
		if (ud & UD_NOP) {
			continue;
		} else if (ud & UD_FALLOC) {
			s->falloc_inflight = 0;
			if (res < 0)
				s->prealloc_off = 1;
		} else if (ud & UD_WRITE) {
			write_done(s, &s->slot[ud & 0xff], res);
		} else if (ud & UD_SEAL) {
			s->seal_res = res;
			s->seal_state = SLOT_DONE;
		} else {
			if (res < 0) {
				s->ctr[SL_STORE_fsync_errors]++;
				STORE_LOG(ERR, "shard %u: fsync: %s\n", s->shard, strerror(-res));
			}
			if (ud & FSYNC_CLOSE)
				close((int)(ud & 0xffffffffu));
			s->fsyncs_inflight--;
		}
	}
}

/*
 * fsync @p fd without waiting (io_uring), closing it afterwards when
 * @p close_after; inline when io_uring is not available.
 */
int
store_fsync_submit(struct sl_store *s, int fd, bool close_after)
{
	struct io_uring_sqe *sqe = NULL;

	if (s->ring_ok) {
		sqe = io_uring_get_sqe(&s->ring);
		if (sqe == NULL) {
			io_uring_submit(&s->ring);
			reap(s, true);
			sqe = io_uring_get_sqe(&s->ring);
		}
	}
	if (sqe == NULL) {
		int rc = do_fsync(s, fd);

		if (close_after)
			close(fd);
		return rc;
	}
	io_uring_prep_fsync(sqe, fd, 0);
	io_uring_sqe_set_data64(sqe, (uint64_t)(uint32_t)fd |
				(close_after ? FSYNC_CLOSE : 0));
	/* The fd is closed when this one completes: let everything submitted
	 * before it (an interval fsync or a fallocate on the same fd, which
	 * io_uring's workers look up late) finish first (rare: once a seal). */
	io_uring_sqe_set_flags(sqe, IOSQE_ASYNC | (close_after ? IOSQE_IO_DRAIN : 0));
	io_uring_submit(&s->ring);
	s->ctr[SL_STORE_fsyncs]++;
	s->fsyncs_inflight++;
	return 0;
}

int
store_free_slot(const struct sl_store *s)
{
	int i;

	for (i = 0; i < STORE_NSLOT; i++)
		if (s->slot[i].state == SLOT_FREE)
			return i;
	return -1;
}

static struct store_slot *
q_at(struct sl_store *s, unsigned int i)
{
	return &s->slot[s->q[(s->qhead + i) % STORE_NSLOT]];
}

/* The compressor finished slot[cslot]: pad it and queue its write. */
void
store_queue_frame(struct sl_store *s)
{
	struct store_slot *sl = &s->slot[s->cslot];
	uint32_t pad = sl_seg_pad_len(s->copos, s->align);

	sl->csize = (uint32_t)s->copos;
	sl_seg_pad(sl->buf + STORE_ALIGN + sl->csize, pad);
	sl->len = sl->csize + pad;
	sl->b = s->chdr;
	sl->state = SLOT_READY;
	s->q[(s->qhead + s->qlen) % STORE_NSLOT] = (uint8_t)s->cslot;
	s->qlen++;
	s->cslot = -1;
	s->cbusy = 0;
}

/* Tell the reader (sl_store_pub) where the written frames end now. */
void
store_publish(struct sl_store *s)
{
	struct sl_store_pub *p = s->pub;
	uint32_t g;

	if (p == NULL)
		return;
	g = p->gen;
	__atomic_store_n(&p->gen, g + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&p->seg, s->pub_seg, __ATOMIC_RELAXED);
	__atomic_store_n(&p->end, s->pub_end, __ATOMIC_RELAXED);
	__atomic_store_n(&p->prev_seg, s->pub_prev, __ATOMIC_RELAXED);
	__atomic_store_n(&p->prev_end, s->pub_prev_end, __ATOMIC_RELAXED);
	__atomic_store_n(&p->next_seq, s->next_seq, __ATOMIC_RELAXED);
	__atomic_store_n(&p->frames, s->pub_frames, __ATOMIC_RELAXED);
	__atomic_store_n(&p->bytes, s->pub_bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&p->gen, g + 2, __ATOMIC_RELEASE);
}

/* The open segment gets no more frames (sealed, removed or given up). */
void
store_publish_close(struct sl_store *s)
{
	if (s->pub_seg == UINT64_MAX)
		return;
	s->pub_prev = s->pub_seg;
	s->pub_prev_end = s->pub_end;
	s->pub_seg = UINT64_MAX;
	s->pub_end = 0;
	store_publish(s);
}

/* Frames whose write is done, and every one before: they are stored. */
static void
commit_done(struct sl_store *s)
{
	uint64_t frames = s->pub_frames;

	while (s->nsub > 0) {
		struct store_slot *sl = q_at(s, 0);
		struct sl_seg_idx_ent *e;

		if (sl->state != SLOT_DONE || sl->res != 0)
			break;
		e = &s->idx[s->nidx++];
		memset(e, 0, sizeof(*e));
		e->offset = sl->off + sl->hlen;
		e->csize = sl->csize;
		e->raw_len = sl->b.raw_len;
		e->nrec = sl->b.nrec;
		e->first_seq = sl->b.first_seq;
		e->min_ns = sl->b.min_ns;
		e->max_ns = sl->b.max_ns;
		s->seg_off = sl->off + sl->hlen + sl->len;
		s->pub_end = s->seg_off;
		s->pub_frames++;
		s->pub_bytes += sl->csize;
		s->dirty = 1;
		s->next_seq += sl->b.nrec;
		s->ctr[SL_STORE_records] += sl->b.nrec;
		s->ctr[SL_STORE_bytes_in] += sl->b.raw_len - sizeof(sl->b);
		s->ctr[SL_STORE_frames]++;
		s->ctr[SL_STORE_bytes_out] += sl->hlen + sl->len;
		s->ctr[SL_STORE_pad_bytes] += sl->len - sl->csize +
			(sl->hlen ? sl->hlen - SL_SEG_HDR_FRAME_LEN : 0);
		sl->state = SLOT_FREE;
		s->qhead = (s->qhead + 1) % STORE_NSLOT;
		s->qlen--;
		s->nsub--;
		if (s->dfull) {
			s->dfull = 0;
			s->probe = 0;
			STORE_LOG(NOTICE, "shard %u: %s: space is back, writing resumes\n",
				  s->shard, s->dir);
		}
	}
	if (s->pub_frames != frames)
		store_publish(s);
}

/* Drop every queued frame (records counted under @p err); the sequence
 * goes on from the first of them, and the batch being compressed is
 * renumbered. */
static void
drop_queue(struct sl_store *s, int err)
{
	unsigned int i;

	if (s->qlen == 0)
		return;
	s->seal_seq = q_at(s, 0)->b.first_seq;
	for (i = 0; i < s->qlen; i++) {
		struct store_slot *sl = q_at(s, i);

		store_count_drop(s, err, sl->b.nrec);
		sl->state = SLOT_FREE;
	}
	s->qlen = 0;
	s->nsub = 0;
	store_batch_renumber(s);
}

/* A write or a segment open failed with @p err; nothing is in flight. */
static void
fail(struct sl_store *s, int err)
{
	unsigned int i;

	for (i = 0; i < s->nsub; i++)
		q_at(s, i)->state = SLOT_READY;
	s->nsub = 0;
	s->probe = 0;
	if (err == -ENOSPC || err == -EDQUOT) {
		if (!s->dfull) {
			/* retries count from here (later, from each retry) */
			s->retry_ms = s->now_ms;
			s->ctr[SL_STORE_disk_full_events]++;
			STORE_LOG(WARNING, "shard %u: %s: disk full: writing stops, up to %u frames are kept and retried every %u ms, records beyond are dropped (drop_disk_full)\n",
				  s->shard, s->dir, STORE_NSLOT, STORE_RETRY_MS);
		}
		s->dfull = 1;
		return;
	}
	STORE_LOG(ERR, "shard %u: %s: write: %s; %u queued frames dropped\n",
		  s->shard, s->seg_path, strerror(-err), s->qlen);
	drop_queue(s, err);
	s->dfull = 0;
}

/* Submitted writes failed and are all back: cut the file to the written
 * prefix, then keep or drop the frames. */
static void
handle_failure(struct sl_store *s)
{
	int err = s->failed;

	s->failed = 0;
	if (s->fd >= 0) {
		if (ftruncate(s->fd, (off_t)s->seg_off) != 0)
			STORE_LOG(ERR, "%s: cannot cut back to %" PRIu64 ": %s\n",
				  s->seg_path, s->seg_off, strerror(errno));
		s->sub_off = s->seg_off;
		s->prealloc_end = s->seg_off;
	}
	fail(s, err);
	if (s->fd >= 0 && s->seg_off == 0 && !s->dfull) {
		/* Not even its header: the next open takes the same name. */
		close(s->fd);
		unlink(s->seg_path);
		s->fd = -1;
		store_publish_close(s);
	}
}

/*
 * Preallocate ahead of @p end (KEEP_SIZE: the size stays the written end,
 * which recovery relies on), a growing step at a time, through
 * io_uring: ext4 can take tens of ms to allocate 64 MiB, and the writer
 * must not wait. Best effort: a failure stops it for this segment; a full
 * disk shows up in the writes.
 */
static void
prealloc(struct sl_store *s, uint64_t end)
{
	struct io_uring_sqe *sqe;
	uint64_t want, lim, step;

	/* The step grows with the segment (1 MiB, then as much as is
	 * written, up to STORE_PREALLOC_STEP): a quiet stream's open segment
	 * does not hold 64 MiB of disk that retention would count. */
	step = end > STORE_PREALLOC_MIN ? end : STORE_PREALLOC_MIN;
	if (step > STORE_PREALLOC_STEP)
		step = STORE_PREALLOC_STEP;
	if (s->prealloc_off || s->falloc_inflight || !s->ring_ok ||
	    end + step / 2 <= s->prealloc_end)
		return;
	lim = store_round_up(s->segment_size + s->out_cap, STORE_ALIGN) + STORE_ALIGN;
	want = RTE_MAX(end, s->prealloc_end) + step;
	if (want > lim)
		want = RTE_MAX(lim, end);
	if (want <= s->prealloc_end || (sqe = io_uring_get_sqe(&s->ring)) == NULL)
		return;
	io_uring_prep_fallocate(sqe, s->fd, FALLOC_FL_KEEP_SIZE, s->prealloc_end,
				want - s->prealloc_end);
	io_uring_sqe_set_data64(sqe, UD_FALLOC);
	io_uring_sqe_set_flags(sqe, IOSQE_ASYNC); /* never inline: ms on ext4 */
	s->falloc_inflight = 1;
	s->prealloc_end = want;
}

static int
segment_open(struct sl_store *s, uint64_t first_seq)
{
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, rc;

	snprintf(s->seg_path, sizeof(s->seg_path), "%s/%020" PRIu64 ".zst",
		 s->dir, first_seq);
	s->fd = open(s->seg_path, flags | (s->direct ? O_DIRECT : 0), 0644);
	if (s->fd < 0 && errno == EINVAL && s->direct) {
		/* The probe at start said yes, this file system says no. */
		unlink(s->seg_path);
		store_direct_off(s, s->dir);
		s->fd = open(s->seg_path, flags, 0644);
	}
	if (s->fd < 0) {
		rc = -errno;
		if (rc != -ENOSPC && rc != -EDQUOT)
			STORE_LOG(ERR, "%s: %s\n", s->seg_path, strerror(errno));
		return rc;
	}
	s->seg_off = 0;
	s->sub_off = 0;
	s->prealloc_end = 0;
	s->prealloc_off = 0;
	s->seg_first_seq = first_seq;
	s->nidx = 0;
	s->seg_dir_synced = 0;
	s->rotate = 0;
	s->seg_open_ms = s->now_ms;
	s->ctr[SL_STORE_segments_opened]++;
	store_publish_close(s);
	s->pub_seg = first_seq;
	s->pub_end = 0;
	store_publish(s);
	return 0;
}

/* The segment header frame, padded to the alignment, ending at @p end. */
static uint32_t
header_block(struct sl_store *s, uint8_t *end)
{
	uint32_t len = SL_SEG_HDR_FRAME_LEN +
		sl_seg_pad_len(SL_SEG_HDR_FRAME_LEN, s->align);
	uint8_t *p = end - len;
	struct sl_seg_hdr h;

	sl_seg_hdr_init(&h, s->shard, s->seg_first_seq, store_now_ns(), s->tenant,
			s->stream);
	sl_put_le32(p, SL_SEG_SKIP_MAGIC);
	sl_put_le32(p + 4, sizeof(h));
	memcpy(p + SL_SKIP_HDR_LEN, &h, sizeof(h));
	sl_seg_pad(p + SL_SEG_HDR_FRAME_LEN, len - SL_SEG_HDR_FRAME_LEN);
	return len;
}

/* Submit the next queued frame. @return 0, or -EBUSY (no SQE: later). */
static int
submit_one(struct sl_store *s)
{
	unsigned int k = s->q[(s->qhead + s->nsub) % STORE_NSLOT];
	struct store_slot *sl = &s->slot[k];
	struct io_uring_sqe *sqe = NULL;
	uint64_t t1;
	uint8_t *p;
	uint32_t wlen;
	int rc;

	if (s->ring_ok) {
		if (io_uring_sq_space_left(&s->ring) < 2)
			return -EBUSY;
		/* Submitted with the write, in the same system call. */
		prealloc(s, s->sub_off + sl->len + STORE_ALIGN);
		sqe = io_uring_get_sqe(&s->ring);
	}
	sl->hlen = s->sub_off == 0 ? header_block(s, sl->buf + STORE_ALIGN) : 0;
	p = sl->buf + STORE_ALIGN - sl->hlen;
	wlen = sl->hlen + sl->len;
	sl->off = s->sub_off;
	sl->t0 = store_now_ns();
	s->sub_off += wlen;
	s->nsub++;
	s->winflight++;
	s->ctr[SL_STORE_writes_inflight] = s->winflight;
	if (s->winflight > s->ctr[SL_STORE_max_writes_inflight])
		s->ctr[SL_STORE_max_writes_inflight] = s->winflight;
	if (s->probe)
		s->ctr[SL_STORE_disk_full_retries]++;
	rc = s->fault ? s->fault(s->fault_arg, sl->off, wlen) : 0;
	if (rc < 0 || sqe == NULL) {
		if (sqe != NULL) {
			io_uring_prep_nop(sqe);   /* the SQE is taken: spend it */
			io_uring_sqe_set_data64(sqe, UD_NOP);
		}
		if (rc == 0) {
			ssize_t n = pwrite(s->fd, p, wlen, (off_t)sl->off);

			rc = n < 0 ? -errno : (int)n;
		}
		write_done(s, sl, rc);
		return 0;
	}
	io_uring_prep_write(sqe, s->fd, p, wlen, sl->off);
	io_uring_sqe_set_data64(sqe, UD_WRITE | k);
	/* Straight to io_uring's workers: an O_DIRECT write issued inline
	 * can block the submitting lcore for milliseconds (ext4 extending
	 * the file), and that lcore may carry a worker. */
	io_uring_sqe_set_flags(sqe, IOSQE_ASYNC);
	io_uring_submit(&s->ring);
	t1 = (store_now_ns() - sl->t0) / 1000;
	if (t1 > s->ctr[SL_STORE_max_write_us])
		s->ctr[SL_STORE_max_write_us] = t1;
	return 0;
}

/* The seal write: [pad][index frame][trailer frame] at @p off, its end
 * aligned, into seal_buf. @return its length, or -ENOMEM. */
long
store_seal_build(struct sl_store *s, uint64_t off)
{
	struct sl_seg_idx_hdr ih;
	struct sl_seg_trailer t;
	size_t ilen, len, pad;
	uint8_t *b;
	uint32_t i;

	ilen = sizeof(ih) + (size_t)s->nidx * sizeof(struct sl_seg_idx_ent);
	pad = sl_seg_pad_len(off + SL_SKIP_HDR_LEN + ilen + SL_SEG_TRL_FRAME_LEN,
			     s->align);
	len = pad + SL_SKIP_HDR_LEN + ilen + SL_SEG_TRL_FRAME_LEN;
	if (len > s->seal_cap) {
		void *n;
		size_t cap = store_round_up(len * 2, STORE_ALIGN);

		if (posix_memalign(&n, STORE_ALIGN, cap) != 0)
			return -ENOMEM;
		free(s->seal_buf);
		s->seal_buf = n;
		s->seal_cap = cap;
	}
	b = s->seal_buf;
	sl_seg_pad(b, (uint32_t)pad);
	b += pad;
	memset(&ih, 0, sizeof(ih));
	ih.magic = SL_SEG_IDX_MAGIC;
	ih.version = SL_FORMAT_VERSION;
	ih.hdr_len = sizeof(ih);
	ih.ent_len = sizeof(struct sl_seg_idx_ent);
	ih.nent = s->nidx;
	ih.first_seq = s->seg_first_seq;
	sl_put_le32(b, SL_SEG_SKIP_MAGIC);
	sl_put_le32(b + 4, (uint32_t)ilen);
	memcpy(b + SL_SKIP_HDR_LEN, &ih, sizeof(ih));
	memcpy(b + SL_SKIP_HDR_LEN + sizeof(ih), s->idx,
	       (size_t)s->nidx * sizeof(struct sl_seg_idx_ent));

	memset(&t, 0, sizeof(t));
	t.magic = SL_SEG_TRL_MAGIC;
	t.version = SL_FORMAT_VERSION;
	t.trl_len = sizeof(t);
	t.index_off = off + pad;
	t.index_len = (uint32_t)ilen;
	t.index_crc = sl_crc32c(b + SL_SKIP_HDR_LEN, ilen);
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
	sl_put_le32(b + SL_SKIP_HDR_LEN + ilen, SL_SEG_SKIP_MAGIC);
	sl_put_le32(b + SL_SKIP_HDR_LEN + ilen + 4, sizeof(t));
	memcpy(b + 2 * SL_SKIP_HDR_LEN + ilen, &t, sizeof(t));
	s->seal_pad = (uint32_t)pad;
	return (long)len;
}

/* Close a segment that is done with: under any --fsync but none, fsync it
 * and then its name in the directory first (its records are counted
 * stored, sealed or not). */
static void
close_durable(struct sl_store *s, int fd)
{
	if (s->fsync != SL_FSYNC_NONE) {
		store_fsync_submit(s, fd, true);
		store_fsync_submit(s, s->dirfd, false);
	} else {
		close(fd);
	}
}

/* The seal write is back: release the preallocation, fsync per policy,
 * close. A failed seal leaves a valid open segment the next start seals. */
static void
seal_finish(struct sl_store *s)
{
	int fd = s->seal_fd;

	s->seal_state = SLOT_FREE;
	s->seal_fd = -1;
	if (s->seal_res != (int)s->seal_len) {
		STORE_LOG(WARNING, "%s: not sealed (%s); the next start repairs it\n",
			  s->seal_path, s->seal_res < 0 ? strerror(-s->seal_res) : "short write");
		if (ftruncate(fd, (off_t)s->seal_off) != 0)
			STORE_LOG(ERR, "%s: cannot cut back: %s\n", s->seal_path, strerror(errno));
		close_durable(s, fd);
		return;
	}
	/* KEEP_SIZE blocks past the end go back to the file system. */
	if (ftruncate(fd, (off_t)(s->seal_off + s->seal_len)) != 0)
		STORE_LOG(WARNING, "%s: cannot release the preallocation: %s\n",
			  s->seal_path, strerror(errno));
	s->ctr[SL_STORE_segments_sealed]++;
	s->ctr[SL_STORE_bytes_out] += s->seal_len;
	s->ctr[SL_STORE_pad_bytes] += s->seal_pad;
	close_durable(s, fd);
}

/* Seal the open segment (every frame of it written): one write of index
 * and trailer through io_uring; the next frame opens a new segment. */
static void
seal_submit(struct sl_store *s)
{
	struct io_uring_sqe *sqe = NULL;
	long len;

	if (s->nidx == 0) {
		/* Nothing stored: an empty segment would take the next one's name. */
		close(s->fd);
		unlink(s->seg_path);
		s->fd = -1;
		store_publish_close(s);
		return;
	}
	if (s->ring_ok && (sqe = io_uring_get_sqe(&s->ring)) == NULL)
		return;                         /* later */
	len = store_seal_build(s, s->seg_off);
	if (len < 0) {
		if (sqe != NULL) {
			io_uring_prep_nop(sqe);
			io_uring_sqe_set_data64(sqe, UD_NOP);
		}
		STORE_LOG(WARNING, "%s: not sealed (no memory); the next start repairs it\n",
			  s->seg_path);
		close_durable(s, s->fd);
		s->fd = -1;
		store_publish_close(s);
		return;
	}
	s->seal_fd = s->fd;
	s->seal_off = s->seg_off;
	s->seal_len = (uint32_t)len;
	memcpy(s->seal_path, s->seg_path, sizeof(s->seal_path));
	s->fd = -1;
	store_publish_close(s);
	s->rotate = 0;
	s->dirty = 0;
	if (sqe == NULL) {
		ssize_t n = pwrite(s->seal_fd, s->seal_buf, len, (off_t)s->seal_off);

		s->seal_res = n < 0 ? -errno : (int)n;
		seal_finish(s);
		return;
	}
	s->seal_state = SLOT_INFLIGHT;
	io_uring_prep_write(sqe, s->seal_fd, s->seal_buf, (unsigned int)len, s->seal_off);
	io_uring_sqe_set_data64(sqe, UD_SEAL);
	io_uring_sqe_set_flags(sqe, IOSQE_ASYNC);
	io_uring_submit(&s->ring);
}

/* Submit what can go: seal a full or aged segment once its writes are
 * back, open the next one, hand queued frames to the kernel. */
static int
submit(struct sl_store *s)
{
	int rc;

	for (;;) {
		bool full = s->fd >= 0 && (s->rotate || s->sub_off >= s->segment_size);

		/* Also no fallocate in flight: one landing after the seal's
		 * truncate would hold blocks past the end. */
		if (full && s->nsub == 0 && !s->dfull && !s->falloc_inflight) {
			if (s->seal_fd >= 0)
				return 0;       /* one seal at a time */
			seal_submit(s);
			if (s->fd >= 0)
				return 0;
			full = false;
		}
		if (s->nsub == s->qlen || s->failed)
			return 0;
		if (s->dfull) {
			/* Only the retry, where the frame was to go (a segment
			 * past its size takes it: sealing waits for space). */
			if (!(s->probe && s->nsub == 0))
				return 0;
		} else if (full) {
			return 0;
		}
		if (s->fd < 0) {
			rc = segment_open(s, q_at(s, s->nsub)->b.first_seq);
			if (rc) {
				fail(s, rc);
				return rc;
			}
		}
		rc = store_idx_reserve(s, s->nidx + s->nsub + 1);
		if (rc) {
			/* fail() wants nothing in flight: with writes out,
			 * handle_failure() does it once they are back. */
			if (s->nsub > 0) {
				s->failed = rc;
				return 0;
			}
			fail(s, rc);
			return rc;
		}
		if (submit_one(s) != 0)
			return 0;
	}
}

/*
 * Move everything along without waiting (unless @p wait: then for one
 * completion when anything is in flight): take completions, commit the
 * written frames, finish a seal, handle a failure, submit.
 * @return 0, or -errno when records were lost (counted) or the disk is full.
 */
int
store_progress(struct sl_store *s, bool wait)
{
	int rc = 0;

	reap(s, wait);
	commit_done(s);
	if (s->seal_state == SLOT_DONE)
		seal_finish(s);
	if (s->failed && s->winflight == 0) {
		rc = s->failed;
		handle_failure(s);
	}
	if (!s->failed) {
		int rc2 = submit(s);

		if (rc == 0)
			rc = rc2;
	}
	return rc;
}

/* Disk full: retry the oldest kept frame (every STORE_RETRY_MS, or @p now). */
int
store_retry(struct sl_store *s, bool now)
{
	if (!s->dfull)
		return 0;
	if (s->qlen == 0) {
		s->dfull = 0;
		return 0;
	}
	if (!now && s->now_ms - s->retry_ms < STORE_RETRY_MS)
		return -ENOSPC;
	s->retry_ms = s->now_ms;
	s->probe = 1;
	store_progress(s, false);
	while (now && s->probe && s->dfull && io_pending(s))
		store_progress(s, true);
	return s->dfull ? -ENOSPC : 0;
}

/* Write every queued frame and wait for it (shutdown, flush). */
int
store_drain(struct sl_store *s)
{
	int ret = 0, rc;

	store_retry(s, true);
	while ((s->qlen > 0 || s->winflight > 0 || s->seal_fd >= 0 ||
		s->falloc_inflight) && !s->dfull) {
		rc = store_progress(s, true);
		if (rc < 0 && ret == 0)
			ret = rc;
	}
	return s->dfull ? -ENOSPC : ret;
}

/* Wait for everything in flight: writes, the seal, fsyncs. */
void
store_io_wait_all(struct sl_store *s)
{
	while (io_pending(s) || s->seal_state == SLOT_DONE)
		store_progress(s, true);
}

/* Drain, then seal the open segment and wait for it (shutdown). */
int
store_segment_seal_wait(struct sl_store *s)
{
	int rc = store_drain(s);

	if (s->fd >= 0 && !s->dfull) {
		s->rotate = 1;
		while (s->fd >= 0 && s->rotate && !s->dfull)
			store_progress(s, true);
	}
	while (s->seal_fd >= 0)
		store_progress(s, true);
	return rc;
}

/* Room for @p need index entries. */
int
store_idx_reserve(struct sl_store *s, uint32_t need)
{
	struct sl_seg_idx_ent *n;
	uint32_t cap = s->idx_cap ? s->idx_cap : 256;

	if (need <= s->idx_cap)
		return 0;
	while (cap < need)
		cap *= 2;
	n = realloc(s->idx, (size_t)cap * sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	s->idx = n;
	s->idx_cap = cap;
	return 0;
}

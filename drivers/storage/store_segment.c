/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment files of a shard store: open, write (all output goes through
 * store_write(), one pwrite at the tracked end, cut back on failure, so the
 * io_uring O_DIRECT path of the storage issue replaces one function), the
 * index, seal, and fsync through io_uring.
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

/*
 * The only write path: append @p len bytes at the segment end. On failure the
 * file is cut back to the last whole frame, so a reader never sees half a
 * frame that was not a crash.
 */
int
store_write(struct sl_store *s, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t off = s->seg_off, t0 = store_now_ns(), us;
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
	us = (store_now_ns() - t0) / 1000;
	if (us > s->ctr[SL_STORE_max_write_us])
		s->ctr[SL_STORE_max_write_us] = us;
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

/* Take finished fsyncs; with @p wait, until none is in flight. */
void
store_fsync_reap(struct sl_store *s, bool wait)
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
int
store_fsync_submit(struct sl_store *s, int fd, bool close_after)
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
		store_fsync_reap(s, true);
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

int
store_segment_open(struct sl_store *s)
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
	sl_seg_hdr_init(&h, s->shard, s->next_seq, store_now_ns(), s->tenant, s->stream);
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
int
store_segment_seal(struct sl_store *s)
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
		store_fsync_submit(s, s->fd, true);
		store_fsync_submit(s, s->dirfd, false);
	} else {
		close(s->fd);
	}
	s->fd = -1;
	s->dirty = 0;
	return rc;
}

int
store_idx_reserve(struct sl_store *s)
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

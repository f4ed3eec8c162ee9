/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Start-up: repair of a shard directory (sealed segments cost one small
 * read; the unsealed one a crash left keeps every whole frame that
 * verifies, is cut after it and sealed in place), and whether the file
 * system takes O_DIRECT.
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

/* Start-up repair: seal the segment open on @p fd at @p off, in place. */
int
store_seal_sync(struct sl_store *s, int fd, uint64_t off)
{
	long len;
	ssize_t n;

	if (s->nidx == 0) {
		unlink(s->seg_path);
		return 0;
	}
	len = store_seal_build(s, off);
	if (len < 0)
		return (int)len;
	n = pwrite(fd, s->seal_buf, len, (off_t)off);
	if (n != len) {
		int rc = n < 0 ? -errno : -ENOSPC;

		STORE_LOG(WARNING, "%s: not sealed (%s); the next start repairs it\n",
			  s->seg_path, strerror(-rc));
		if (ftruncate(fd, (off_t)off) != 0)
			STORE_LOG(ERR, "%s: cannot cut back: %s\n", s->seg_path, strerror(errno));
		return rc;
	}
	s->ctr[SL_STORE_segments_sealed]++;
	if (s->fsync != SL_FSYNC_NONE && (fsync(fd) != 0 || fsync(s->dirfd) != 0))
		STORE_LOG(ERR, "%s: fsync: %s\n", s->seg_path, strerror(errno));
	return 0;
}

/* Writes go buffered from now on (the file system refuses O_DIRECT). */
void
store_direct_off(struct sl_store *s, const char *where)
{
	static int logged;

	s->direct = 0;
	s->align = 1;
	s->ctr[SL_STORE_direct_io] = 0;
	if (!__atomic_exchange_n(&logged, 1, __ATOMIC_RELAXED))
		STORE_LOG(NOTICE, "%s: the file system refuses O_DIRECT: segments are written buffered\n",
			  where);
}

/*
 * O_DIRECT unless @p buffered, when the file system takes it: an unnamed
 * file in the shard directory tells at start-up (else the first segment's
 * open does).
 */
void
store_probe_direct(struct sl_store *s, const char *root, bool buffered)
{
	int fd;

	s->direct = 1;
	s->align = STORE_ALIGN;
	s->ctr[SL_STORE_direct_io] = 1;
	if (buffered) {
		s->direct = 0;
		s->align = 1;
		s->ctr[SL_STORE_direct_io] = 0;
		return;
	}
	fd = openat(s->dirfd, ".", O_TMPFILE | O_WRONLY | O_DIRECT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		close(fd);
		return;
	}
	if (errno != EINVAL)
		return;
	fd = openat(s->dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd >= 0) {
		close(fd);
		store_direct_off(s, root);
	}
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
		rc = store_idx_reserve(s, s->nidx + 1);
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
	*end_seq = expect;
	/* A seal that fails (disk full) leaves a clean open segment that the
	 * next start seals; it must not keep the shard from starting. */
	store_seal_sync(s, fd, off);
	close(fd);
	s->fd = -1;
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

int
store_recover_dir(struct sl_store *s)
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

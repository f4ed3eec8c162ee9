/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment reader. Two ways through a segment:
 *  - by index (sealed segment with a good index, not verifying): only the
 *    frames whose time range meets the filter are read;
 *  - sequentially (open or torn segments, a bad index, or --verify): frame
 *    after frame from the header to the index (or the end of the file),
 *    cross-checking the index when verifying.
 * Damage is reported and skipped; only I/O errors and files that are not
 * segments at all end a segment early with an error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sl_reader.h"
#include "sl_segment.h"

struct sl_reader {
	struct sl_reader_params p;
	char **paths;
	unsigned int npaths, paths_cap, next_path;
	struct sl_reader_stats st;
	char err[512];
	char dmsg[256];

	/* Current segment. */
	int seg_open;
	const char *path;
	int fd;
	struct sl_seg_scan sc;
	int hdr_ok;
	struct sl_seg_hdr hdr;
	int sealed;                  /* trailer and index good */
	struct sl_seg_trailer t;
	struct sl_seg_idx_ent *idx;
	uint32_t nidx, idx_pos, vpos;
	int use_idx;
	uint64_t off, limit;
	uint64_t expect;
	int have_expect;

	/* Current frame. */
	int in_frame;
	struct sl_batch_hdr b;
	const uint8_t *raw;
	uint32_t raw_len, pos, ri;
	uint64_t frame_off;
};

static void
damage(struct sl_reader *r, uint64_t off, const char *fmt, ...)
{
	struct sl_reader_damage d;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->dmsg, sizeof(r->dmsg), fmt, ap);
	va_end(ap);
	r->st.damaged++;
	if (r->p.on_damage) {
		d.segment = r->path;
		d.offset = off;
		d.what = r->dmsg;
		r->p.on_damage(r->p.arg, &d);
	}
}

static int
add_path(struct sl_reader *r, const char *path)
{
	if (r->npaths == r->paths_cap) {
		unsigned int cap = r->paths_cap ? 2 * r->paths_cap : 16;
		char **n = realloc(r->paths, cap * sizeof(*n));

		if (n == NULL)
			return -ENOMEM;
		r->paths = n;
		r->paths_cap = cap;
	}
	r->paths[r->npaths] = strdup(path);
	if (r->paths[r->npaths] == NULL)
		return -ENOMEM;
	r->npaths++;
	return 0;
}

static int
is_zst(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && strcmp(name + n - 4, ".zst") == 0;
}

/* Walk a directory in name order; symlinked directories are not followed. */
static int
add_dir(struct sl_reader *r, const char *dir, int depth)
{
	struct dirent **list = NULL;
	int i, n, rc = 0;

	if (depth > 16)
		return 0;
	n = scandir(dir, &list, NULL, alphasort);
	if (n < 0) {
		rc = -errno;
		snprintf(r->err, sizeof(r->err), "%s: %s", dir, strerror(errno));
		return rc;
	}
	for (i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		char path[4096];
		struct stat st;

		if (rc || name[0] == '.')
			goto next;
		if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
			goto next;
		if (lstat(path, &st) != 0)
			goto next;
		if (S_ISDIR(st.st_mode))
			rc = add_dir(r, path, depth + 1);
		else if (is_zst(name) && (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)))
			rc = add_path(r, path);
next:
		free(list[i]);
	}
	free(list);
	return rc;
}

struct sl_reader *
sl_reader_open(const char *const *paths, unsigned int n,
	       const struct sl_reader_params *p, char *err, size_t errlen)
{
	struct sl_reader *r = calloc(1, sizeof(*r));
	unsigned int i;
	int rc = 0;

	if (r == NULL) {
		errno = ENOMEM;
		if (err)
			snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->fd = -1;
	if (p)
		r->p = *p;
	for (i = 0; i < n && rc == 0; i++) {
		struct stat st;

		if (stat(paths[i], &st) != 0) {
			rc = -errno;
			snprintf(r->err, sizeof(r->err), "%s: %s", paths[i],
				 strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			rc = add_dir(r, paths[i], 0);
		} else {
			rc = add_path(r, paths[i]);
		}
	}
	if (rc) {
		if (err)
			snprintf(err, errlen, "%s", r->err[0] ? r->err : strerror(-rc));
		sl_reader_free(r);
		errno = -rc;
		return NULL;
	}
	return r;
}

static void
seg_close(struct sl_reader *r)
{
	if (!r->seg_open)
		return;
	sl_seg_scan_fini(&r->sc);
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	free(r->idx);
	r->idx = NULL;
	r->nidx = 0;
	r->in_frame = 0;
	r->seg_open = 0;
}

static int
seg_error(struct sl_reader *r, int rc, const char *what)
{
	snprintf(r->err, sizeof(r->err), "%s: %s", r->path, what);
	seg_close(r);
	return rc;
}

/* Load and check the index the trailer points to. @return NULL or a reason. */
static const char *
load_index(struct sl_reader *r)
{
	const struct sl_seg_trailer *t = &r->t;
	struct sl_seg_idx_hdr ih;
	uint64_t prev_end = SL_SEG_HDR_FRAME_LEN, nrec = 0, raw = 0;
	uint64_t mn = UINT64_MAX, mx = 0;
	uint8_t *buf;
	const char *why = NULL;
	uint32_t i;

	if (t->index_len < sizeof(ih) || t->index_len > SL_SEG_MAX_INDEX)
		return "index length out of range";
	buf = malloc(SL_SKIP_HDR_LEN + (size_t)t->index_len);
	if (buf == NULL)
		return "no memory for the index";
	if (sl_seg_pread(r->fd, buf, SL_SKIP_HDR_LEN + (size_t)t->index_len,
			 t->index_off) != 0) {
		why = "cannot read the index";
		goto out;
	}
	if (sl_le32(buf) != SL_SEG_SKIP_MAGIC || sl_le32(buf + 4) != t->index_len) {
		why = "no index frame where the trailer points";
		goto out;
	}
	if (sl_crc32c(buf + SL_SKIP_HDR_LEN, t->index_len) != t->index_crc) {
		why = "index CRC mismatch";
		goto out;
	}
	memcpy(&ih, buf + SL_SKIP_HDR_LEN, sizeof(ih));
	if (ih.magic != SL_SEG_IDX_MAGIC || ih.version != SL_FORMAT_VERSION ||
	    ih.hdr_len < sizeof(ih) || ih.ent_len < sizeof(struct sl_seg_idx_ent) ||
	    ih.hdr_len > t->index_len || ih.nent != t->nframes ||
	    (uint64_t)ih.nent * ih.ent_len > t->index_len - ih.hdr_len) {
		why = "bad index header";
		goto out;
	}
	r->idx = malloc(((size_t)ih.nent + 1) * sizeof(*r->idx));
	if (r->idx == NULL) {
		why = "no memory for the index";
		goto out;
	}
	for (i = 0; i < ih.nent; i++) {
		struct sl_seg_idx_ent *e = &r->idx[i];

		memcpy(e, buf + SL_SKIP_HDR_LEN + ih.hdr_len + (size_t)i * ih.ent_len,
		       sizeof(*e));
		if (e->offset < prev_end || e->csize == 0 || e->offset > t->index_off ||
		    e->csize > t->index_off - e->offset) {
			why = "index entry out of place";
			goto out;
		}
		prev_end = e->offset + e->csize;
		nrec += e->nrec;
		raw += e->raw_len;
		if (e->min_ns < mn)
			mn = e->min_ns;
		if (e->max_ns > mx)
			mx = e->max_ns;
	}
	r->nidx = ih.nent;
	if (nrec != t->nrec || raw != t->raw_bytes ||
	    (ih.nent && (mn != t->min_ns || mx != t->max_ns)) ||
	    (r->hdr_ok && t->first_seq != r->hdr.first_seq))
		damage(r, r->t.index_off + SL_SKIP_HDR_LEN, "trailer totals differ from the index");
out:
	if (why) {
		free(r->idx);
		r->idx = NULL;
		r->nidx = 0;
	}
	free(buf);
	return why;
}

static int
seg_open(struct sl_reader *r)
{
	uint8_t hf[SL_SEG_HDR_FRAME_LEN];
	struct stat st;
	int rc;

	r->path = r->paths[r->next_path++];
	r->seg_open = 1;
	r->fd = open(r->path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0 || fstat(r->fd, &st) != 0)
		return seg_error(r, -errno, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return seg_error(r, -EINVAL, "not a regular file");
	rc = sl_seg_scan_init(&r->sc, r->fd, (uint64_t)st.st_size);
	if (rc)
		return seg_error(r, rc, strerror(-rc));
	r->st.segments++;
	if ((uint64_t)st.st_size < SL_SEG_HDR_FRAME_LEN ||
	    sl_seg_pread(r->fd, hf, sizeof(hf), 0) != 0 ||
	    sl_le32(hf) != SL_SEG_SKIP_MAGIC ||
	    sl_le32(hf + 4) != sizeof(struct sl_seg_hdr) ||
	    sl_le32(hf + SL_SKIP_HDR_LEN) != SL_SEG_HDR_MAGIC)
		return seg_error(r, -EINVAL, "not a sluice segment (no segment header)");
	memcpy(&r->hdr, hf + SL_SKIP_HDR_LEN, sizeof(r->hdr));
	r->hdr_ok = sl_seg_hdr_check(&r->hdr);
	if (!r->hdr_ok)
		damage(r, SL_SKIP_HDR_LEN, "segment header damaged (version or CRC)");
	r->expect = r->hdr.first_seq;
	r->have_expect = r->hdr_ok;
	r->off = SL_SEG_HDR_FRAME_LEN;
	r->limit = (uint64_t)st.st_size;
	r->sealed = 0;
	r->use_idx = 0;
	r->idx_pos = 0;
	r->vpos = 0;
	rc = sl_seg_read_trailer(r->fd, (uint64_t)st.st_size, &r->t);
	if (rc < 0)
		return seg_error(r, rc, strerror(-rc));
	if (rc == 1) {
		const char *why = load_index(r);

		r->limit = r->t.index_off;
		if (why) {
			damage(r, r->t.index_off, "%s", why);
		} else {
			r->sealed = 1;
			r->st.sealed++;
			r->use_idx = !r->p.verify;
		}
	} else if (st.st_size >= (off_t)SL_SEG_TRL_FRAME_LEN) {
		uint8_t tb[SL_SKIP_HDR_LEN + 4];
		uint64_t toff = (uint64_t)st.st_size - SL_SEG_TRL_FRAME_LEN;

		/* Something that looks like a trailer but does not check out. */
		if (sl_seg_pread(r->fd, tb, sizeof(tb), toff) == 0 &&
		    sl_le32(tb) == SL_SEG_SKIP_MAGIC &&
		    sl_le32(tb + SL_SKIP_HDR_LEN) == SL_SEG_TRL_MAGIC)
			damage(r, toff, "trailer damaged; reading without the index");
	}
	return 0;
}

static void
set_frame(struct sl_reader *r, const struct sl_scan_frame *f)
{
	r->in_frame = 1;
	r->b = f->b;
	r->raw = f->raw;
	r->raw_len = f->raw_len;
	r->pos = sizeof(struct sl_batch_hdr);
	r->ri = 0;
	r->frame_off = f->off;
	r->st.frames++;
	r->st.bytes += f->size;
}

/* Verify: line frames up with index entries (f NULL: a damaged frame). */
static void
vmatch(struct sl_reader *r, uint64_t off, const struct sl_scan_frame *f)
{
	const struct sl_seg_idx_ent *e;

	if (!r->sealed)
		return;
	while (r->vpos < r->nidx && r->idx[r->vpos].offset < off) {
		damage(r, r->idx[r->vpos].offset, "index lists a frame that is not there");
		r->vpos++;
	}
	if (r->vpos < r->nidx && r->idx[r->vpos].offset == off) {
		e = &r->idx[r->vpos++];
		if (f && (e->csize != f->size || e->raw_len != f->raw_len ||
			  e->nrec != f->b.nrec || e->first_seq != f->b.first_seq ||
			  e->min_ns != f->b.min_ns || e->max_ns != f->b.max_ns))
			damage(r, off, "index entry differs from the frame");
	} else if (f) {
		damage(r, off, "frame missing from the index");
	}
}

static void
check_frame(struct sl_reader *r, const struct sl_scan_frame *f)
{
	if (r->hdr_ok && f->b.shard != r->hdr.shard)
		damage(r, f->off, "batch of shard %u in a segment of shard %u",
		       f->b.shard, r->hdr.shard);
	if (r->have_expect && f->b.first_seq != r->expect)
		damage(r, f->off, "sequence gap: expected %" PRIu64 ", frame starts at %" PRIu64,
		       r->expect, f->b.first_seq);
	r->expect = f->b.first_seq + f->b.nrec;
	r->have_expect = 1;
}

/* @return 1 frame ready, 0 segment done, -errno. */
static int
next_frame_idx(struct sl_reader *r)
{
	while (r->idx_pos < r->nidx) {
		const struct sl_seg_idx_ent *e = &r->idx[r->idx_pos++];
		struct sl_scan_frame f;
		enum sl_scan_res res;

		if (e->max_ns < r->p.since_ns ||
		    (r->p.until_ns && e->min_ns >= r->p.until_ns)) {
			r->st.frames_skipped++;
			r->have_expect = 0;
			continue;
		}
		res = sl_seg_scan_frame(&r->sc, e->offset, r->limit, &f);
		if (res == SL_SCAN_IO)
			return seg_error(r, f.err, strerror(-f.err));
		if (res != SL_SCAN_DATA) {
			damage(r, e->offset, "%s", f.why ? f.why : "index points at no data frame");
			r->have_expect = 0;
			continue;
		}
		if (f.size != e->csize || f.b.first_seq != e->first_seq ||
		    f.b.nrec != e->nrec)
			damage(r, e->offset, "index entry differs from the frame");
		check_frame(r, &f);
		set_frame(r, &f);
		return 1;
	}
	return 0;
}

static int
next_frame_seq(struct sl_reader *r)
{
	for (;;) {
		struct sl_scan_frame f;
		enum sl_scan_res res = sl_seg_scan_frame(&r->sc, r->off, r->limit, &f);
		uint64_t nxt;

		switch (res) {
		case SL_SCAN_DATA:
			vmatch(r, r->off, &f);
			check_frame(r, &f);
			set_frame(r, &f);
			r->off += f.size;
			return 1;
		case SL_SCAN_SKIP:
			r->off += f.size;
			continue;
		case SL_SCAN_END:
			vmatch(r, UINT64_MAX, NULL);
			return 0;
		case SL_SCAN_TORN:
			r->st.torn++;
			damage(r, r->off, "torn tail: %" PRIu64 " bytes are not a whole frame%s",
			       f.size, r->sealed ? "" : " (unsealed segment)");
			vmatch(r, UINT64_MAX, NULL);
			return 0;
		case SL_SCAN_BAD_FRAME:
			damage(r, r->off, "damaged frame (%" PRIu64 " bytes): %s", f.size, f.why);
			vmatch(r, r->off, NULL);
			r->have_expect = 0;
			r->off += f.size;
			continue;
		case SL_SCAN_BAD_STRUCT:
			if (r->sealed) {
				uint32_t i;

				nxt = r->limit;
				for (i = 0; i < r->nidx; i++)
					if (r->idx[i].offset > r->off) {
						nxt = r->idx[i].offset;
						break;
					}
			} else {
				nxt = sl_seg_scan_resync(&r->sc, r->off + 1, r->limit);
			}
			if (nxt >= r->limit && !r->sealed) {
				r->st.torn++;
				damage(r, r->off, "torn tail: %" PRIu64 " bytes are not a frame (unsealed segment)",
				       r->limit - r->off);
				return 0;
			}
			damage(r, r->off, "%s; skipped %" PRIu64 " bytes", f.why, nxt - r->off);
			vmatch(r, r->off, NULL);
			r->have_expect = 0;
			r->off = nxt;
			continue;
		case SL_SCAN_IO:
		default:
			return seg_error(r, f.err, strerror(-f.err));
		}
	}
}

int
sl_reader_next(struct sl_reader *r, struct sl_reader_rec *out)
{
	int rc;

	for (;;) {
		while (r->in_frame && r->pos < r->raw_len) {
			const struct sl_rec *rec = (const void *)(r->raw + r->pos);
			uint64_t seq = r->b.first_seq + r->ri;

			/* sl_batch_check() proved every record fits. */
			r->pos += sl_rec_size(rec->len);
			r->ri++;
			if (rec->rx_ns < r->p.since_ns ||
			    (r->p.until_ns && rec->rx_ns >= r->p.until_ns))
				continue;
			out->rec = rec;
			out->msg = (const uint8_t *)(rec + 1);
			out->shard = r->b.shard;
			out->seq = seq;
			out->segment = r->path;
			out->frame_off = r->frame_off;
			r->st.records++;
			return 1;
		}
		r->in_frame = 0;
		if (!r->seg_open) {
			if (r->next_path >= r->npaths)
				return 0;
			rc = seg_open(r);
			if (rc < 0)
				return rc;
		}
		rc = r->use_idx ? next_frame_idx(r) : next_frame_seq(r);
		if (rc < 0)
			return rc;
		if (rc == 0)
			seg_close(r);
	}
}

const char *
sl_reader_error(const struct sl_reader *r)
{
	return r->err;
}

void
sl_reader_stats(const struct sl_reader *r, struct sl_reader_stats *st)
{
	*st = r->st;
}

void
sl_reader_free(struct sl_reader *r)
{
	unsigned int i;

	if (r == NULL)
		return;
	seg_close(r);
	for (i = 0; i < r->npaths; i++)
		free(r->paths[i]);
	free(r->paths);
	free(r);
}

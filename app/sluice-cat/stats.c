/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-cat --stats: records, record bytes, file bytes and compression
 * ratio per stream (tenant/stream), and a total. A sealed segment costs two
 * small reads (header and trailer: nothing is decompressed); an unsealed one
 * is scanned frame by frame (decompressed: the batch header that holds the
 * record count is inside the frame).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cat.h"
#include "sl_segment.h"

/* One line of the output. */
struct group {
	char name[2 * SL_SEG_NAME_MAX + 2];     /* tenant/stream */
	uint64_t segments, sealed, records, bytes_in, bytes_disk;
};

struct walk {
	char **paths;
	size_t n, cap;
	int err;
};

static struct walk W;

static int
add(const char *path)
{
	if (W.n == W.cap) {
		size_t cap = W.cap ? 2 * W.cap : 64;
		char **p = realloc(W.paths, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		W.paths = p;
		W.cap = cap;
	}
	W.paths[W.n] = strdup(path);
	if (W.paths[W.n] == NULL)
		return -1;
	W.n++;
	return 0;
}

static int
walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t n = strlen(path);
	const char *base = path + ftw->base;

	if (base[0] == '.' && ftw->level > 0)
		return type == FTW_D ? FTW_SKIP_SUBTREE : 0;
	if (type == FTW_F && n > 4 && strcmp(path + n - 4, ".zst") == 0)
		return add(path) ? FTW_STOP : 0;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static struct group *
group_of(struct group **g, size_t *n, const char *tenant, const char *stream)
{
	char name[sizeof((*g)->name)];
	struct group *p;
	size_t i;

	snprintf(name, sizeof(name), "%s/%s", tenant, stream);
	for (i = 0; i < *n; i++)
		if (strcmp((*g)[i].name, name) == 0)
			return &(*g)[i];
	p = realloc(*g, (*n + 1) * sizeof(*p));
	if (p == NULL)
		return NULL;
	*g = p;
	p = &p[(*n)++];
	memset(p, 0, sizeof(*p));
	memcpy(p->name, name, sizeof(name));
	return p;
}

/* Unsealed: count the frames' records. @return 0 or -errno. */
static int
scan_open(int fd, uint64_t size, struct group *g, struct sl_reader_stats *rs)
{
	struct sl_seg_scan sc;
	struct sl_scan_frame f;
	uint64_t off = SL_SEG_HDR_FRAME_LEN;
	int rc = sl_seg_scan_init(&sc, fd, size);

	while (rc == 0) {
		switch (sl_seg_scan_frame(&sc, off, size, &f)) {
		case SL_SCAN_DATA:
			g->records += f.b.nrec;
			g->bytes_in += f.raw_len - sizeof(struct sl_batch_hdr);
			rs->frames++;
			rs->bytes += f.size;
			/* fall through */
		case SL_SCAN_SKIP:
		case SL_SCAN_BAD_FRAME:
			off += f.size;
			continue;
		case SL_SCAN_BAD_STRUCT:
			off = sl_seg_scan_resync(&sc, off + 1, size);
			continue;
		case SL_SCAN_IO:
			rc = f.err;
			break;
		default:        /* the end, or a torn tail */
			sl_seg_scan_fini(&sc);
			return 0;
		}
	}
	sl_seg_scan_fini(&sc);
	return rc;
}

/* One segment into its group. @return 0, or -errno with @p why set. */
static int
one(const char *path, struct group **g, size_t *ng, struct sl_reader_stats *rs,
    const char **why)
{
	uint8_t hf[SL_SEG_HDR_FRAME_LEN];
	char tenant[SL_SEG_NAME_MAX + 1], stream[SL_SEG_NAME_MAX + 1];
	struct sl_seg_trailer t;
	struct sl_seg_hdr h;
	struct group *gr;
	struct stat st;
	int fd, rc;

	*why = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		return rc;
	}
	if (sl_seg_pread(fd, hf, sizeof(hf), 0) != 0 || sl_le32(hf) != SL_SEG_SKIP_MAGIC ||
	    (memcpy(&h, hf + SL_SKIP_HDR_LEN, sizeof(h)), !sl_seg_hdr_check(&h))) {
		close(fd);
		*why = "not a sluice segment, or its header is damaged";
		return -EINVAL;
	}
	snprintf(tenant, sizeof(tenant), "%.*s", SL_SEG_NAME_MAX, h.tenant);
	snprintf(stream, sizeof(stream), "%.*s", SL_SEG_NAME_MAX, h.stream);
	gr = group_of(g, ng, tenant, stream);
	if (gr == NULL) {
		close(fd);
		return -ENOMEM;
	}
	rs->segments++;
	gr->segments++;
	gr->bytes_disk += (uint64_t)st.st_size;
	rc = sl_seg_read_trailer(fd, (uint64_t)st.st_size, &t);
	if (rc == 1) {
		gr->sealed++;
		rs->sealed++;
		rs->frames_skipped += t.nframes;
		gr->records += t.nrec;
		gr->bytes_in += t.raw_bytes - (uint64_t)t.nframes * sizeof(struct sl_batch_hdr);
		rc = 0;
	} else if (rc == 0) {
		rc = scan_open(fd, (uint64_t)st.st_size, gr, rs);
	}
	close(fd);
	return rc;
}

static void
put_line(const char *name, const struct group *g)
{
	printf("%s: segments=%" PRIu64 " sealed=%" PRIu64 " records=%" PRIu64
	       " bytes_in=%" PRIu64 " bytes_on_disk=%" PRIu64 " ratio=%.2f\n",
	       name, g->segments, g->sealed, g->records, g->bytes_in, g->bytes_disk,
	       g->bytes_disk ? (double)g->bytes_in / (double)g->bytes_disk : 0.0);
}

static int
cmp_group(const void *a, const void *b)
{
	return strcmp(((const struct group *)a)->name, ((const struct group *)b)->name);
}

int
cat_stats(char *const *paths, int n, struct sl_reader_stats *rs)
{
	struct group *g = NULL, total;
	size_t ng = 0, i;
	int k, errors = 0;

	memset(rs, 0, sizeof(*rs));
	for (k = 0; k < n; k++) {
		struct stat st;

		if (stat(paths[k], &st) != 0) {
			fprintf(stderr, "sluice-cat: %s: %s\n", paths[k], strerror(errno));
			errors++;
		} else if (S_ISDIR(st.st_mode)) {
			size_t from = W.n;

			if (nftw(paths[k], walk_one, 16, FTW_PHYS | FTW_ACTIONRETVAL) != 0) {
				fprintf(stderr, "sluice-cat: %s: cannot list it\n", paths[k]);
				errors++;
			}
			if (W.n - from > 1) /* qsort(NULL, 0) is undefined */
				qsort(W.paths + from, W.n - from, sizeof(*W.paths), cmp_str);
		} else if (add(paths[k]) != 0) {
			errors++;
		}
	}
	for (i = 0; i < W.n; i++) {
		const char *why;
		int rc = one(W.paths[i], &g, &ng, rs, &why);

		if (rc) {
			fprintf(stderr, "sluice-cat: %s: %s\n", W.paths[i], why ? why : strerror(-rc));
			errors++;
		}
		free(W.paths[i]);
	}
	free(W.paths);
	memset(&W, 0, sizeof(W));
	if (ng > 1)
		qsort(g, ng, sizeof(*g), cmp_group);
	memset(&total, 0, sizeof(total));
	for (i = 0; i < ng; i++) {
		put_line(g[i].name, &g[i]);
		total.segments += g[i].segments;
		total.sealed += g[i].sealed;
		total.records += g[i].records;
		total.bytes_in += g[i].bytes_in;
		total.bytes_disk += g[i].bytes_disk;
	}
	put_line("total", &total);
	free(g);
	return errors;
}

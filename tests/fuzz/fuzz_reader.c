/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the segment reader (reader.c, scan.c, segment.c):
 * whatever bytes are on disk, a torn or corrupted segment, must be read
 * without a crash, a leak or undefined behaviour.
 *
 * Input: the segment file itself, written to one temp file per process
 * (/dev/shm, unlinked) and read twice: with verify (every frame, index cross-checks)
 * and without verify, through a since/until filter taken from the records
 * the first pass returned (so sealed segments go through the index path).
 * Every returned record is read end to end. SL_FUZZ_VERBOSE=1 prints what
 * each pass found (seed check).
 *
 * Zstd content checksums and CRC32Cs stop a mutator at the first frame, so
 * input starting with "SLFZ" is instead a recipe the target turns into a
 * segment with good checksums (see build_segment()). The seeds in
 * corpus/reader are real segments, whole and truncated, plus a few recipes.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "fuzz_batch.h"
#include "fuzz_util.h"
#include "sl_reader.h"
#include "sl_segment.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RECIPE_MAGIC "SLFZ"
#define MAX_FILE (1u << 20)
#define MAX_FRAMES 64
#define MAX_TIMES 64

static char path[64];
static int tmp_fd;
static uint8_t file[MAX_FILE];
static uint8_t raw[65536 + sizeof(struct sl_batch_hdr)];
static uint8_t zbuf[ZSTD_COMPRESSBOUND(sizeof(raw))];
static ZSTD_CCtx *cctx;
static volatile uint64_t sink;
static int verbose;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char name[64];

	(void)argc;
	(void)argv;
	/* Unlinked at once, read back through /proc: nothing is left behind,
	 * not even by a crash. */
	snprintf(name, sizeof(name), "/dev/shm/sl-fuzz-reader-%d.zst", (int)getpid());
	tmp_fd = open(name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (tmp_fd < 0 || unlink(name) != 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", tmp_fd);
	cctx = ZSTD_createCCtx();
	if (cctx == NULL)
		abort();
	verbose = getenv("SL_FUZZ_VERBOSE") != NULL;
	return 0;
}

/* ---- recipes ---------------------------------------------------------- */

struct recipe {
	size_t len;                              /* bytes in file[] */
	uint16_t shard;
	uint64_t seq;                            /* next batch first_seq */
	uint32_t nf;
	struct sl_seg_idx_ent ent[MAX_FRAMES];   /* data frames written */
};

static void
put(struct recipe *rc, const void *p, size_t n)
{
	if (n > MAX_FILE - rc->len)
		n = MAX_FILE - rc->len;
	memcpy(file + rc->len, p, n);
	rc->len += n;
}

static void
put_skip(struct recipe *rc, uint32_t magic, const void *p, uint32_t n)
{
	uint8_t h[SL_SKIP_HDR_LEN];

	sl_put_le32(h, magic);
	sl_put_le32(h + 4, n);
	put(rc, h, sizeof(h));
	put(rc, p, n);
}


/* The recipe's first_seq and shard into the batch at raw[]. */
static void
set_ids(const struct recipe *rc)
{
	struct sl_batch_hdr b;

	memcpy(&b, raw, sizeof(b));
	b.first_seq = rc->seq;
	b.shard = rc->shard;
	memcpy(raw, &b, sizeof(b));
}

static void
put_data(struct recipe *rc, uint8_t op, const uint8_t *p, size_t n)
{
	struct sl_batch_hdr b;
	size_t z;

	memcpy(raw, p, n);
	if (op & 0x04) {
		n = fuzz_fix_batch(raw, n);
		set_ids(rc);
	}
	if ((op & 0x20) && n > 0)          /* one content bit wrong */
		raw[raw[n - 1] % n] ^= 1u << (raw[0] & 7);
	ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, op & 0x10 ? 3 : 1);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
	z = ZSTD_compress2(cctx, zbuf, sizeof(zbuf), raw, n);
	if (ZSTD_isError(z))
		return;
	if ((op & 0x08) && n > 0)          /* one compressed bit wrong */
		zbuf[raw[0] % z] ^= 1u << (raw[n - 1] & 7);
	if (n >= sizeof(b) && rc->nf < MAX_FRAMES && rc->len + z <= MAX_FILE) {
		struct sl_seg_idx_ent *e = &rc->ent[rc->nf++];

		memcpy(&b, raw, sizeof(b));
		memset(e, 0, sizeof(*e));
		e->offset = rc->len;
		e->csize = (uint32_t)z;
		e->raw_len = b.raw_len;
		e->nrec = b.nrec;
		e->first_seq = b.first_seq;
		e->min_ns = b.min_ns;
		e->max_ns = b.max_ns;
		rc->seq = b.first_seq + b.nrec;
	}
	put(rc, zbuf, z);
}

/* A skippable frame of @p n zero bytes (padding; large ones cross the
 * scanner's read-ahead). */
static void
put_zeros(struct recipe *rc, uint32_t magic, uint32_t n)
{
	uint8_t h[SL_SKIP_HDR_LEN];

	sl_put_le32(h, magic);
	sl_put_le32(h + 4, n);
	put(rc, h, sizeof(h));
	if (n > MAX_FILE - rc->len)
		n = (uint32_t)(MAX_FILE - rc->len);
	memset(file + rc->len, 0, n);
	rc->len += n;
}

/* Index and trailer for the frames so far; @p x is XORed over them first. */
static void
put_seal(struct recipe *rc, uint8_t op, const uint8_t *x, size_t nx)
{
	static uint8_t idx[sizeof(struct sl_seg_idx_hdr) +
			   MAX_FRAMES * sizeof(struct sl_seg_idx_ent)];
	struct sl_seg_idx_hdr ih = {
		.magic = SL_SEG_IDX_MAGIC, .version = SL_FORMAT_VERSION,
		.hdr_len = sizeof(ih), .ent_len = sizeof(struct sl_seg_idx_ent),
		.nent = rc->nf,
	};
	struct sl_seg_trailer t = {
		.magic = SL_SEG_TRL_MAGIC, .version = SL_FORMAT_VERSION,
		.trl_len = sizeof(t), .nframes = rc->nf, .min_ns = UINT64_MAX,
	};
	uint8_t *tp = (uint8_t *)&t;
	size_t ilen = sizeof(ih) + rc->nf * sizeof(rc->ent[0]), i;

	if (rc->nf)
		ih.first_seq = rc->ent[0].first_seq;
	for (i = 0; i < rc->nf; i++) {
		t.nrec += rc->ent[i].nrec;
		t.raw_bytes += rc->ent[i].raw_len;
		if (rc->ent[i].min_ns < t.min_ns)
			t.min_ns = rc->ent[i].min_ns;
		if (rc->ent[i].max_ns > t.max_ns)
			t.max_ns = rc->ent[i].max_ns;
	}
	t.first_seq = ih.first_seq;
	memcpy(idx, &ih, sizeof(ih));
	memcpy(idx + sizeof(ih), rc->ent, rc->nf * sizeof(rc->ent[0]));
	t.index_off = rc->len;
	t.index_len = (uint32_t)ilen;
	for (i = 0; i < nx; i++) {
		if (i < ilen)
			idx[i] ^= x[i];
		else if (i - ilen < offsetof(struct sl_seg_trailer, crc))
			tp[i - ilen] ^= x[i];
	}
	if (!(op & 0x04))
		t.index_crc = sl_crc32c(idx, ilen);
	t.crc = sl_crc32c(&t, offsetof(struct sl_seg_trailer, crc));
	put_skip(rc, SL_SEG_SKIP_MAGIC, idx, (uint32_t)ilen);
	put_skip(rc, SL_SEG_SKIP_MAGIC, &t, sizeof(t));
}

/*
 * Recipe after "SLFZ": [flags] then ops [op][len lo][len hi][len bytes]
 * (the last op takes what is left). flags bit 0: start with a good segment
 * header of shard flags >> 4 whose first_seq is the next byte. op & 3:
 *   0 raw bytes;
 *   1 a data frame of these content bytes (bit 2: made a consistent batch;
 *     bit 3: one compressed bit flipped; bit 4: zstd level 3, else 1;
 *     bit 5: one content bit flipped after bit 2);
 *   2 a skippable frame, magic 0x184D2A50 | (op >> 4), these payload bytes
 *     (bit 2: instead len * 256 zero bytes, taking no input);
 *   3 index and trailer of the data frames so far, these bytes XORed over
 *     index payload and trailer (bit 2: index CRC left 0).
 */
static size_t
build_segment(const uint8_t *d, size_t n)
{
	struct recipe rc;
	uint8_t flags;

	memset(&rc, 0, sizeof(rc));
	if (n < 2)
		return 0;
	flags = d[0];
	rc.shard = flags >> 4;
	d++;
	n--;
	if (flags & 1) {
		struct sl_seg_hdr h;

		rc.seq = d[0];
		sl_seg_hdr_init(&h, rc.shard, rc.seq, 1, "default", "default");
		put_skip(&rc, SL_SEG_SKIP_MAGIC, &h, sizeof(h));
		d++;
		n--;
	}
	while (n > 0) {
		uint8_t op = d[0];
		uint32_t want = n >= 3 ? (uint32_t)d[1] | (uint32_t)d[2] << 8 : 0;
		size_t len = want;

		d += n >= 3 ? 3 : n;
		n -= n >= 3 ? 3 : n;
		if (len > n)
			len = n;
		if (len > sizeof(raw) - sizeof(struct sl_batch_hdr))
			len = sizeof(raw) - sizeof(struct sl_batch_hdr);
		switch (op & 3) {
		case 0:
			put(&rc, d, len);
			break;
		case 1:
			put_data(&rc, op, d, len);
			break;
		case 2:
			if (op & 0x04) {
				put_zeros(&rc, SL_ZSTD_SKIP_START | (op >> 4), want << 8);
				len = 0;
			} else {
				put_skip(&rc, SL_ZSTD_SKIP_START | (op >> 4), d,
					 (uint32_t)len);
			}
			break;
		default:
			put_seal(&rc, op, d, len);
			break;
		}
		d += len;
		n -= len;
	}
	return rc.len;
}

/* ---- reading ---------------------------------------------------------- */

static void
on_damage(void *arg, const struct sl_reader_damage *dmg)
{
	(void)arg;
	sink += dmg->offset + strlen(dmg->what) + strlen(dmg->segment);
	if (verbose)
		fprintf(stderr, "  damage @%llu: %s\n",
			(unsigned long long)dmg->offset, dmg->what);
}

/* Read everything; keep up to MAX_TIMES rx_ns in @p times. @return records. */
static uint64_t
read_all(const struct sl_reader_params *p, uint64_t *times)
{
	const char *paths[1] = { path };
	struct sl_reader_stats st;
	struct sl_reader_rec out;
	struct sl_reader *r;
	uint64_t n = 0, sum = 0;
	char err[256];
	int rc;

	r = sl_reader_open(paths, 1, p, err, sizeof(err));
	if (r == NULL)
		abort();
	while ((rc = sl_reader_next(r, &out)) == 1) {
		const uint8_t *h = (const uint8_t *)out.rec;
		uint32_t i;

		for (i = 0; i < sizeof(*out.rec); i++)
			sum += h[i];
		for (i = 0; i < out.rec->len; i++)
			sum += out.msg[i];
		if (out.rec->rx_ns < p->since_ns ||
		    (p->until_ns && out.rec->rx_ns >= p->until_ns))
			abort();
		if (times && n < MAX_TIMES)
			times[n] = out.rec->rx_ns;
		n++;
	}
	if (rc < 0) {
		sum += strlen(sl_reader_error(r));
		/* One path: after its error there is nothing left. */
		if (sl_reader_next(r, &out) != 0)
			abort();
	}
	sl_reader_stats(r, &st);
	if (st.records != n || st.segments > 1 || st.sealed > st.segments ||
	    st.torn > st.damaged)
		abort();
	if (verbose)
		fprintf(stderr, "  %s [%llu, %llu): %llu records, %llu frames, "
			"%llu skipped, sealed %llu, rc %d %s\n",
			p->verify ? "verify" : "filter",
			(unsigned long long)p->since_ns, (unsigned long long)p->until_ns,
			(unsigned long long)n, (unsigned long long)st.frames,
			(unsigned long long)st.frames_skipped,
			(unsigned long long)st.sealed, rc, rc < 0 ? sl_reader_error(r) : "");
	sl_reader_free(r);
	sink += sum;
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_reader_params p;
	uint64_t times[MAX_TIMES], n;
	const uint8_t *bytes = data;
	size_t len = size;

	if (size >= 4 && memcmp(data, RECIPE_MAGIC, 4) == 0) {
		len = build_segment(data + 4, size - 4);
		bytes = file;
	}
	if (ftruncate(tmp_fd, 0) != 0 ||
	    (len > 0 && pwrite(tmp_fd, bytes, len, 0) != (ssize_t)len))
		abort();

	memset(&p, 0, sizeof(p));
	p.verify = 1;
	p.on_damage = on_damage;
	n = read_all(&p, times);

	/* A window over the middle of what was there, or an arbitrary one. */
	memset(&p, 0, sizeof(p));
	if (n > 0) {
		uint64_t k = n < MAX_TIMES ? n : MAX_TIMES;

		p.since_ns = times[k / 3];
		p.until_ns = times[(2 * k) / 3] + (size & 1);
	} else if (size >= 2) {
		p.since_ns = data[size - 1];
		p.until_ns = data[size - 2];
	}
	read_all(&p, NULL);
	return 0;
}

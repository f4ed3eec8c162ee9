/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The store's write path: io_uring O_DIRECT appends (every write offset and
 * length on a 4 KiB boundary, padding frames between), padding skipped by
 * the reader, recovery and plain zstd, several writes in flight, the
 * buffered fallback, preallocation, rotation by age, and the disk-full
 * state (bound, exact drop count, retry, resume without a sequence gap).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "sl_reader.h"
#include "sl_segment.h"
#include "sl_test.h"
#define STORE_TEST_DIRECT
#include "store_test_util.h"

/* Write fault hook: fail writes with fault_err while it is set; the
 * fault_at-th write (1-based, 0: none) fails with fault_err once. */
static int fault_err;
static int fault_sticky;
static unsigned int fault_at, fault_calls;
static int check_align = 1;

static int
fault_hook(void *arg, uint64_t off, uint32_t len)
{
	RTE_SET_USED(arg);
	fault_calls++;
	if (check_align && (off % 4096 != 0 || len % 4096 != 0))
		abort();                /* O_DIRECT writes must be aligned */
	if (fault_sticky || (fault_at && fault_calls == fault_at))
		return fault_err;
	return 0;
}

static struct sl_store *
open_store_p(const char *dir, uint32_t batch, uint64_t segsz, uint64_t age_ms)
{
	struct sl_store_params p = {
		.root = dir, .tenant = "default", .stream = "default", .shard = 3,
		.zstd_level = 1, .batch_size = batch, .segment_size = segsz,
		.segment_age_ms = age_ms, .fsync = SL_FSYNC_NONE,
		.write_fault = fault_hook,
	};

	fault_err = 0;
	fault_sticky = 0;
	fault_at = 0;
	fault_calls = 0;
	return sl_store_create(&p);
}

/* mkroot(), @p n records of 0-299 bytes, a store with the fault hook;
 * with @p written, they are appended and flushed (NULL if that fails). */
static struct sl_store *
start(struct recs *r, uint32_t n, bool written, uint32_t batch, uint64_t segsz,
      uint64_t age_ms)
{
	struct sl_store *s;
	uint32_t i;

	mkroot();
	for (i = 0; i < n; i++)
		recs_add(r, (uint32_t)(rnd() % 300), 10 + i);
	s = open_store_p(root, batch, segsz, age_ms);
	if (s && written && (append_range(s, r, 0, n) != 0 || sl_store_flush(s) != 0)) {
		sl_store_free(s);
		return NULL;
	}
	return s;
}

/* Close @p s, read all of r back, clean up. */
static int
finish(struct sl_store *s, struct recs *r)
{
	int rc;

	sl_store_free(s);
	rc = store_read_expect(root, r, NULL, r->n);
	recs_free(r);
	rmroot();
	return rc;
}

static void
seg_path(char *buf, size_t len, const char *dir, uint64_t first)
{
	snprintf(buf, len, "%s" SHARD_DIR "/%020" PRIu64 ".zst", dir, first);
}

/* Walk every frame of @p path: each data frame starts on a 4 KiB boundary,
 * skippable frames fill the gaps. @return data frames, or -1. */
static int
walk_aligned(const char *path, uint64_t *pads)
{
	struct stat st;
	uint8_t *buf;
	uint64_t off = 0, size;
	int fd = open(path, O_RDONLY), frames = 0, cks;

	if (fd < 0 || fstat(fd, &st) != 0)
		return -1;
	buf = malloc(st.st_size);
	if (pread(fd, buf, st.st_size, 0) != st.st_size)
		abort();
	close(fd);
	*pads = 0;
	if (st.st_size % 4096 != 0) {
		free(buf);
		return -1;
	}
	while (off < (uint64_t)st.st_size) {
		enum sl_zframe_kind k = sl_zframe_extent(buf + off, st.st_size - off, &size, &cks);

		if (k == SL_ZF_DATA) {
			if (off % 4096 != 0) {
				fprintf(stderr, "# data frame at %" PRIu64 "\n", off);
				frames = -1;
				break;
			}
			frames++;
		} else if (k == SL_ZF_SKIP) {
			if (sl_le32(buf + off) == SL_SEG_PAD_MAGIC)
				(*pads)++;
		} else {
			frames = -1;
			break;
		}
		off += size;
	}
	free(buf);
	return frames;
}

static int
test_every_write_is_block_aligned_and_padding_is_skipped(void)
{
	char path[400], cmd[1200];
	struct sl_seg_trailer t;
	struct recs r = { 0 };
	struct sl_store *s = start(&r, 3000, true, 8 << 10, 1ull << 30, 0);
	struct stat st;
	uint64_t pads, raw = 0;
	int fd, frames;
	FILE *f;

	SL_ASSERT(s != NULL);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_direct_io), 1);
	SL_ASSERT(store_ctr(s, SL_STORE_pad_bytes) > 0);
	SL_ASSERT(fault_calls > 10);            /* the hook checked each write */
	sl_store_free(s);
	seg_path(path, sizeof(path), root, 0);
	frames = walk_aligned(path, &pads);
	SL_ASSERT(frames > 10);
	SL_ASSERT(pads >= (uint64_t)frames);
	/* Sealed: the trailer is the last 88 bytes, the index right before. */
	fd = open(path, O_RDONLY);
	SL_ASSERT(fd >= 0 && fstat(fd, &st) == 0);
	SL_ASSERT_EQ(sl_seg_read_trailer(fd, st.st_size, &t), 1);
	close(fd);
	SL_ASSERT_EQ(t.nframes, frames);
	SL_ASSERT_EQ(t.nrec, r.n);
	SL_ASSERT_EQ(store_read_expect(root, &r, NULL, r.n), 0);
	/* Plain zstd ignores the padding: the batches come out whole. */
	if (access("/usr/bin/zstd", X_OK) == 0) {
		unsigned long long n = 0;

		snprintf(cmd, sizeof(cmd), "/usr/bin/zstd -q -d -c '%s' | wc -c", path);
		f = popen(cmd, "r");
		SL_ASSERT(f != NULL);
		SL_ASSERT_EQ(fscanf(f, "%llu", &n), 1);
		SL_ASSERT_EQ(pclose(f), 0);
		raw = t.raw_bytes;
		SL_ASSERT_EQ(n, raw);
	} else {
		printf("# zstd CLI not installed: plain decode not checked\n");
	}
	recs_free(&r);
	rmroot();
	return 0;
}

static int
test_recovery_keeps_padded_frames_and_cuts_a_torn_pad(void)
{
	char seg[400], cdir[400], cseg[500], cmd[900];
	struct recs r = { 0 };
	struct sl_store *s = start(&r, 1000, true, 8 << 10, 1ull << 30, 0), *c;
	struct stat st;

	SL_ASSERT(s != NULL);
	seg_path(seg, sizeof(seg), root, 0);
	SL_ASSERT(stat(seg, &st) == 0);
	SL_ASSERT_EQ(st.st_size % 4096, 0);
	/* The open segment as a crash leaves it, its last padding torn
	 * (2 bytes of it kept: not even a skippable frame header). */
	snprintf(cdir, sizeof(cdir), "%s/crash" SHARD_DIR, root);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", cdir);
	SL_ASSERT_EQ(system(cmd), 0);
	snprintf(cseg, sizeof(cseg), "%s/%020d.zst", cdir, 0);
	SL_ASSERT_EQ(copy_file(seg, cseg, -1), 0);
	{
		/* find the end of the last data frame */
		int fd = open(cseg, O_RDONLY), cks;
		uint8_t *b = malloc(st.st_size);
		uint64_t off = 0, size, last_end = 0;

		SL_ASSERT(pread(fd, b, st.st_size, 0) == st.st_size);
		close(fd);
		while (off < (uint64_t)st.st_size &&
		       sl_zframe_extent(b + off, st.st_size - off, &size, &cks) != SL_ZF_BAD) {
			if (sl_le32(b + off) == SL_ZSTD_MAGIC)
				last_end = off + size;
			off += size;
		}
		free(b);
		SL_ASSERT(last_end > 0 && last_end + 2 < (uint64_t)st.st_size);
		SL_ASSERT_EQ(truncate(cseg, (off_t)last_end + 2), 0);
	}
	snprintf(cdir, sizeof(cdir), "%s/crash", root);
	c = open_store_p(cdir, 8 << 10, 1ull << 30, 0);
	SL_ASSERT(c != NULL);
	SL_ASSERT_EQ(store_ctr(c, SL_STORE_recovered_segments), 1);
	SL_ASSERT_EQ(store_ctr(c, SL_STORE_recovered_bytes_cut), 2);
	/* It goes on after the last record, in a new aligned segment. */
	sl_store_free(c);
	SL_ASSERT_EQ(store_read_expect(cdir, &r, NULL, r.n), 0);
	/* The whole open segment, untouched: nothing is cut. */
	snprintf(cdir, sizeof(cdir), "%s/whole" SHARD_DIR, root);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", cdir);
	SL_ASSERT_EQ(system(cmd), 0);
	snprintf(cseg, sizeof(cseg), "%s/%020d.zst", cdir, 0);
	SL_ASSERT_EQ(copy_file(seg, cseg, -1), 0);
	snprintf(cdir, sizeof(cdir), "%s/whole", root);
	c = open_store_p(cdir, 8 << 10, 1ull << 30, 0);
	SL_ASSERT(c != NULL);
	SL_ASSERT_EQ(store_ctr(c, SL_STORE_recovered_bytes_cut), 0);
	sl_store_free(c);
	SL_ASSERT_EQ(store_read_expect(cdir, &r, NULL, r.n), 0);
	sl_store_free(s);               /* root holds the copies too */
	recs_free(&r);
	rmroot();
	return 0;
}

static int
test_a_burst_keeps_several_writes_in_flight(void)
{
	struct recs r = { 0 };
	struct sl_store *s;
	uint32_t i, from = 0;

	mkroot();
	/* Random bytes: zstd stores them raw, so compressing is fast and
	 * the writes are what takes time. */
	for (i = 0; i < 6000; i++)
		recs_add(&r, 1000, 10 + i);
	/* 8 KiB batches: ~800 frames, the index grows past 256 entries
	 * with writes in flight. */
	s = open_store_p(root, 8 << 10, 1ull << 30, 0);
	SL_ASSERT(s != NULL);
	while (from < r.n && store_ctr(s, SL_STORE_max_writes_inflight) < 2) {
		/* As the writer does: take what fits, else work. */
		if (sl_store_can_take(s, (uint32_t)rec_size_at(&r, from))) {
			append_range(s, &r, from, from + 1);
			from++;
		} else {
			SL_ASSERT(sl_store_work(s, SIZE_MAX) >= 0);
		}
	}
	SL_ASSERT(store_ctr(s, SL_STORE_max_writes_inflight) >= 2);
	SL_ASSERT(store_ctr(s, SL_STORE_max_writes_inflight) <= 4);
	append_range(s, &r, from, r.n);
	SL_ASSERT_EQ(sl_store_flush(s), 0);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_writes_inflight), 0);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_records), r.n);
	SL_ASSERT(store_ctr(s, SL_STORE_frames) > 256);
	sl_store_free(s);
	SL_ASSERT_EQ(store_read_expect(root, &r, NULL, r.n), 0);
	recs_free(&r);
	rmroot();
	return 0;
}

static int
test_buffered_fallback_where_o_direct_is_refused(void)
{
	char mnt[64] = "/tmp/sl-ramfs-XXXXXX", cmd[200];
	struct recs r = { 0 };
	struct sl_store *s;
	uint32_t i;
	int rc = 0;

	if (mkdtemp(mnt) == NULL)
		return -1;
	/* ramfs refuses O_DIRECT with EINVAL (tmpfs takes it since 6.6). */
	if (mount("ramfs", mnt, "ramfs", 0, NULL) != 0) {
		int e = errno;

		rmdir(mnt);
		SL_TEST_SKIP("cannot mount a ramfs (not root?): %s", strerror(e));
	}
	for (i = 0; i < 500; i++)
		recs_add(&r, (uint32_t)(rnd() % 300), 10 + i);
	check_align = 0;
	s = open_store_p(mnt, 8 << 10, 1ull << 30, 0);
	if (s == NULL) {
		rc = -1;
	} else {
		if (store_ctr(s, SL_STORE_direct_io) != 0)
			rc = -1;
		if (append_range(s, &r, 0, r.n) != 0 || sl_store_flush(s) != 0)
			rc = -1;
		if (store_ctr(s, SL_STORE_pad_bytes) != 0 || store_ctr(s, SL_STORE_records) != r.n)
			rc = -1;
		sl_store_free(s);
		if (rc == 0)
			rc = store_read_expect(mnt, &r, NULL, r.n);
	}
	check_align = 1;
	umount2(mnt, MNT_DETACH);
	snprintf(cmd, sizeof(cmd), "rmdir '%s'", mnt);
	if (system(cmd) != 0)
		rc = -1;
	recs_free(&r);
	return rc;
}

static int
test_segments_are_preallocated_and_released_at_seal(void)
{
	char path[400];
	struct recs r = { 0 };
	struct sl_store *s = start(&r, 500, true, 8 << 10, 16 << 20, 0);
	struct stat st;

	SL_ASSERT(s != NULL);
	seg_path(path, sizeof(path), root, 0);
	SL_ASSERT(stat(path, &st) == 0);
	/* KEEP_SIZE: the size is what was written, the blocks are more (the
	 * first step is 1 MiB: it grows with the segment). */
	SL_ASSERT(st.st_size < (1 << 20));
	SL_ASSERT((uint64_t)st.st_blocks * 512 >= (1u << 20));
	SL_ASSERT((uint64_t)st.st_blocks * 512 > (uint64_t)st.st_size + 4096);
	SL_ASSERT_EQ(sl_store_seal(s), 0);
	SL_ASSERT(stat(path, &st) == 0);
	SL_ASSERT((uint64_t)st.st_blocks * 512 <= (uint64_t)st.st_size + 4096);
	return finish(s, &r);
}

static int
test_segment_age_rotates_in_tick(void)
{
	struct recs r = { 0 };
	struct sl_store *s = start(&r, 300, false, 8 << 10, 1ull << 30, 1000);

	SL_ASSERT(s != NULL);
	SL_ASSERT_EQ(sl_store_tick(s, 5000), 0);
	SL_ASSERT_EQ(append_range(s, &r, 0, 100), 0);
	SL_ASSERT_EQ(sl_store_flush(s), 0);
	SL_ASSERT_EQ(sl_store_tick(s, 5500), 0);
	SL_ASSERT_EQ(sl_store_tick(s, 5999), 0);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_segments_aged), 0);
	SL_ASSERT_EQ(sl_store_tick(s, 6000), 0);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_segments_aged), 1);
	SL_ASSERT_EQ(sl_store_flush(s), 0);     /* waits for the seal write */
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_segments_sealed), 1);
	/* The next records open a new segment; an idle store seals nothing. */
	SL_ASSERT_EQ(append_range(s, &r, 100, 300), 0);
	SL_ASSERT_EQ(sl_store_flush(s), 0);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_segments_opened), 2);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_segments_aged), 1);
	return finish(s, &r);
}

/* The disk-full scenario on segments of @p segsz bytes. */
static int
disk_full_case(uint64_t segsz)
{
	struct recs r = { 0 };
	struct sl_store *s;
	uint32_t *kept, nkept = 0, i, dropped = 0, per_batch;
	uint64_t retries, now = 10000;

	mkroot();
	for (i = 0; i < 3000; i++)
		recs_add(&r, 100 + (uint32_t)(rnd() % 100), 10 + i);
	kept = malloc(r.n * sizeof(*kept));
	s = open_store_p(root, 8 << 10, segsz, 0);
	SL_ASSERT(s != NULL);
	SL_ASSERT_EQ(sl_store_tick(s, now), 0);
	for (i = 0; i < 500; i++)
		kept[nkept++] = i;
	SL_ASSERT_EQ(append_range(s, &r, 0, 500), 0);
	SL_ASSERT_EQ(sl_store_flush(s), 0);
	/* The disk fills up: one record at a time, as the writer would
	 * (never waiting: the store always takes). */
	fault_err = -ENOSPC;
	fault_sticky = 1;
	for (i = 500; i < 2500; i++) {
		const struct sl_rec *h = (const void *)(r.buf + r.off[i]);
		int rc;

		SL_ASSERT(sl_store_can_take(s, (uint32_t)rec_size_at(&r, i)) ||
			  sl_store_busy(s));
		while (!sl_store_can_take(s, (uint32_t)rec_size_at(&r, i)))
			SL_ASSERT(sl_store_work(s, 4096) >= 0);
		rc = sl_store_append(s, r.buf + r.off[i], (uint32_t)rec_size_at(&r, i), 1,
				     h->rx_ns, h->rx_ns);
		if (rc == -ENOSPC)
			dropped++;
		else if (rc == 0)
			kept[nkept++] = i;
		else
			SL_FAIL("append: %d", rc);
		while (sl_store_busy(s) && store_ctr(s, SL_STORE_disk_full_events) == 0)
			sl_store_work(s, SIZE_MAX);
	}
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_disk_full_events), 1);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_drop_disk_full), dropped);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_records), 500);
	/* The bound: 4 compressed batches and the open one are kept. */
	per_batch = (8 << 10) / (64 + 200);
	SL_ASSERT(nkept - 500 >= 4 * per_batch);
	SL_ASSERT(nkept - 500 <= 6 * ((8 << 10) / 164));
	SL_ASSERT(dropped > 0);
	/* Retries come from tick, no more often than every 200 ms. */
	retries = store_ctr(s, SL_STORE_disk_full_retries);
	SL_ASSERT_EQ(sl_store_tick(s, now + 100), -ENOSPC);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_disk_full_retries), retries);
	SL_ASSERT_EQ(sl_store_tick(s, now + 250), -ENOSPC);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_disk_full_retries), retries + 1);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_records), 500);
	/* Space returns: the next retry writes the oldest kept frame, then
	 * the rest follow, in order. */
	fault_sticky = 0;
	SL_ASSERT_EQ(sl_store_tick(s, now + 400), -ENOSPC);   /* too early */
	sl_store_tick(s, now + 500);            /* the retry is in flight */
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_disk_full_retries), retries + 2);
	while (sl_store_busy(s))
		SL_ASSERT(sl_store_work(s, SIZE_MAX) >= 0);
	SL_ASSERT(store_ctr(s, SL_STORE_records) > 500);
	for (i = 2500; i < r.n; i++)
		kept[nkept++] = i;
	SL_ASSERT_EQ(append_range(s, &r, 2500, r.n), 0);
	SL_ASSERT_EQ(sl_store_flush(s), 0);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_records), nkept);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_records) + store_ctr(s, SL_STORE_drop_disk_full), r.n);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_drop_write_error), 0);
	sl_store_free(s);
	SL_ASSERT_EQ(store_read_expect(root, &r, kept, nkept), 0);
	free(kept);
	recs_free(&r);
	rmroot();
	return 0;
}

static int
test_disk_full_keeps_the_bound_counts_drops_and_resumes_without_gap(void)
{
	return disk_full_case(1ull << 30);
}

/* Small segments: the disk fills up while a segment waits to be sealed. */
static int
test_disk_full_across_segment_rotation(void)
{
	return disk_full_case(40 << 10);
}

static int
test_write_error_in_flight_drops_the_queue_and_keeps_seq_dense(void)
{
	struct recs r = { 0 };
	struct sl_store *s;
	uint64_t stored, lost;

	mkroot();
	while (r.n < 3000)
		recs_add(&r, 1000, 10 + r.n);
	s = open_store_p(root, 32 << 10, 1ull << 30, 0);
	SL_ASSERT(s != NULL);
	fault_err = -EIO;
	fault_at = 20;
	append_range(s, &r, 0, r.n);
	sl_store_flush(s);
	stored = store_ctr(s, SL_STORE_records);
	lost = store_ctr(s, SL_STORE_drop_write_error);
	SL_ASSERT(lost > 0);
	SL_ASSERT_EQ(stored + lost, r.n);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_disk_full_events), 0);
	sl_store_free(s);
	/* The records before the failed frame, then those after what was
	 * dropped, all under one dense sequence. */
	{
		uint32_t *which = malloc(r.n * sizeof(*which)), n = 0, i;
		struct sl_reader_params p = { .verify = 1, .on_damage = store_on_damage };
		const char *paths[] = { root };
		struct sl_reader_rec rec;
		struct sl_reader *rd = sl_reader_open(paths, 1, &p, NULL, 0);

		SL_ASSERT(rd != NULL);
		store_damage_count = 0;
		i = 0;
		while (sl_reader_next(rd, &rec) == 1) {
			SL_ASSERT_EQ(rec.seq, n);
			/* the stored records are r's in order, with one gap */
			while (i < r.n && memcmp(rec.rec, r.buf + r.off[i], rec_size_at(&r, i)) != 0)
				i++;
			SL_ASSERT(i < r.n);
			which[n++] = i++;
		}
		sl_reader_free(rd);
		SL_ASSERT_EQ(store_damage_count, 0);
		SL_ASSERT_EQ(n, stored);
		free(which);
	}
	recs_free(&r);
	rmroot();
	return 0;
}

static int
test_padding_is_never_shorter_than_a_skippable_header(void)
{
	uint8_t b[4200];
	uint64_t size;
	int cks;

	SL_ASSERT_EQ(sl_seg_pad_len(8192, 4096), 0);
	SL_ASSERT_EQ(sl_seg_pad_len(8192 - 8, 4096), 8);
	SL_ASSERT_EQ(sl_seg_pad_len(8192 - 7, 4096), 7 + 4096);
	SL_ASSERT_EQ(sl_seg_pad_len(8192 - 1, 4096), 1 + 4096);
	SL_ASSERT_EQ(sl_seg_pad_len(168, 4096), 4096 - 168);
	SL_ASSERT_EQ(sl_seg_pad_len(12345, 1), 0);     /* buffered: none */
	sl_seg_pad(b, 4097);
	SL_ASSERT_EQ(sl_zframe_extent(b, sizeof(b), &size, &cks), SL_ZF_SKIP);
	SL_ASSERT_EQ(size, 4097);
	SL_ASSERT_EQ(sl_le32(b), SL_SEG_PAD_MAGIC);
	return 0;
}

static const struct sl_test_case cases[] = {
	SL_TEST(test_padding_is_never_shorter_than_a_skippable_header),
	SL_TEST(test_every_write_is_block_aligned_and_padding_is_skipped),
	SL_TEST(test_recovery_keeps_padded_frames_and_cuts_a_torn_pad),
	SL_TEST(test_a_burst_keeps_several_writes_in_flight),
	SL_TEST(test_buffered_fallback_where_o_direct_is_refused),
	SL_TEST(test_segments_are_preallocated_and_released_at_seal),
	SL_TEST(test_segment_age_rotates_in_tick),
	SL_TEST(test_disk_full_keeps_the_bound_counts_drops_and_resumes_without_gap),
	SL_TEST(test_disk_full_across_segment_rotation),
	SL_TEST(test_write_error_in_flight_drops_the_queue_and_keeps_seq_dense),
};

int
main(int argc, char **argv)
{
	rte_log_set_global_level(RTE_LOG_ERR);
	return sl_test_main(argc, argv, cases, SL_DIM(cases), false);
}

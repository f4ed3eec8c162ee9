/* SPDX-License-Identifier: BSD-3-Clause */
/* The shard store: round trip through the reader, rotation, reopen,
 * crash recovery, write errors, plain zstd compatibility, time filter. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <rte_errno.h>

#include "sl_common.h"
#include "sl_reader.h"
#include "sl_segment.h"
#include "sl_store.h"
#include "sl_test.h"
#define STORE_TEST_DIRECT
#include "store_test_util.h"

static int damage_count;
static uint64_t damage_off;

static void
on_damage(void *arg, const struct sl_reader_damage *d)
{
	damage_count++;
	damage_off = d->offset;
	if (arg)
		fprintf(stderr, "# damage %s @%" PRIu64 ": %s\n", d->segment, d->offset, d->what);
}

/* Records under @p path with no damage, or -1. */
static long
read_count_clean(const char *path)
{
	struct sl_reader_params p = { .verify = 1, .on_damage = on_damage };
	const char *paths[] = { path };
	struct sl_reader_rec rec;
	struct sl_reader *rd;
	long n = 0;

	damage_count = 0;
	rd = sl_reader_open(paths, 1, &p, NULL, 0);
	if (rd == NULL)
		return -1;
	while (sl_reader_next(rd, &rec) == 1)
		n++;
	sl_reader_free(rd);
	return damage_count ? -1 : n;
}

/* Names of the segments in the shard directory, sorted. */
static int
list_segments(const char *dir, char names[][256], int max)
{
	struct dirent **l;
	int i, n, k = 0;

	n = scandir(dir, &l, NULL, alphasort);
	for (i = 0; i < n; i++) {
		if (strstr(l[i]->d_name, ".zst") && k < max)
			snprintf(names[k++], 256, "%s", l[i]->d_name);
		free(l[i]);
	}
	if (n >= 0)
		free(l);
	return k;
}

/*
 * Close @p s, check that the shard under root holds exactly records [0, @p n)
 * of @p r, and clean up.
 */
static int
close_and_compare(struct sl_store *s, struct recs *r, uint32_t n)
{
	int rc;

	sl_store_free(s);
	rc = store_read_expect(root, r, NULL, n);
	rmroot();
	recs_free(r);
	return rc;
}

/*
 * Copy segment @p seg, cut to @p len bytes, as the only segment of shard 3
 * under @p croot: what a restart after a crash finds. The copy's path goes
 * to @p cseg.
 */
static int
copy_as_only_segment(const char *croot, const char *seg, off_t len, char *cseg,
		     size_t cseg_len)
{
	char cdir[400], cmd[500];

	snprintf(cdir, sizeof(cdir), "%s" SHARD_DIR, croot);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", cdir);
	if (system(cmd) != 0)
		return -1;
	snprintf(cseg, cseg_len, "%s/%020d.zst", cdir, 0);
	return copy_file(seg, cseg, len);
}

static int
test_round_trip_keeps_headers_bytes_order_and_seq(void)
{
	struct recs r = { 0 };
	struct sl_store *s;
	uint32_t i;

	mkroot();
	recs_add(&r, 0, 1000);
	recs_add(&r, 65507, 1001);
	for (i = 0; i < 4000; i++) {
		uint32_t len = rnd() % 50 == 0 ? rnd() % 65508 : rnd() % 300;

		recs_add(&r, len, 2000 + rnd() % 100000);
	}
	recs_add(&r, 65507, 5);
	recs_add(&r, 0, 6);
	s = open_store(root, 64 << 10, 1ull << 30, 1);
	SL_ASSERT(s != NULL);
	SL_ASSERT_EQ(append_range(s, &r, 0, 1000), 0);
	SL_ASSERT_EQ(sl_store_flush(s), 0);
	SL_ASSERT_EQ(sl_store_pending(s), 0);
	SL_ASSERT_EQ(append_range(s, &r, 1000, r.n), 0);
	SL_ASSERT(sl_store_pending(s) > 0);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_drop_too_big), 0);
	return close_and_compare(s, &r, r.n);
}

static int
test_record_bigger_than_batch_size_gets_its_own_frame(void)
{
	struct recs r = { 0 };
	struct sl_store *s;

	mkroot();
	recs_add(&r, 100, 1);
	recs_add(&r, 60000, 2);
	recs_add(&r, 100, 3);
	s = open_store(root, 4096, 1ull << 30, 3);
	SL_ASSERT(s != NULL);
	SL_ASSERT_EQ(sl_store_append(s, r.buf, r.len, r.n, 1, 3), 0);
	SL_ASSERT_EQ(sl_store_flush(s), 0);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_frames), 3);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_records), 3);
	return close_and_compare(s, &r, r.n);
}

static int
test_rotation_makes_sealed_segments_named_by_first_seq(void)
{
	char names[64][256], dir[300], path[700];
	struct recs r = { 0 };
	struct sl_store *s;
	uint64_t next = 0;
	int i, n, rc = 0;

	mkroot();
	for (i = 0; i < 3000; i++)
		recs_add(&r, 80 + rnd() % 120, 1000 + i);
	s = open_store(root, 8 << 10, 64 << 10, -1);
	SL_ASSERT(s != NULL);
	SL_ASSERT_EQ(append_range(s, &r, 0, r.n), 0);
	sl_store_free(s);
	snprintf(dir, sizeof(dir), "%s" SHARD_DIR, root);
	n = list_segments(dir, names, 64);
	if (n < 3)
		SL_FAIL("only %d segments", n);
	for (i = 0; i < n && rc == 0; i++) {
		struct sl_seg_trailer t;
		struct stat st;
		int fd;

		snprintf(path, sizeof(path), "%.300s/%.255s", dir, names[i]);
		fd = open(path, O_RDONLY);
		SL_ASSERT(fd >= 0 && fstat(fd, &st) == 0);
		SL_ASSERT_EQ(sl_seg_read_trailer(fd, st.st_size, &t), 1);
		close(fd);
		SL_ASSERT_EQ(strtoull(names[i], NULL, 10), next);
		SL_ASSERT_EQ(t.first_seq, next);
		/* each one readable on its own */
		rc = store_read_from(path, &r, NULL, next, t.nrec);
		next += t.nrec;
	}
	SL_ASSERT_EQ(next, r.n);
	rmroot();
	recs_free(&r);
	return rc;
}

static int
test_reopen_continues_the_sequence(void)
{
	struct recs r = { 0 };
	struct sl_store *s;
	int i;

	mkroot();
	for (i = 0; i < 300; i++)
		recs_add(&r, rnd() % 200, 50 + i);
	s = open_store(root, 16 << 10, 1 << 20, 1);
	SL_ASSERT(s != NULL);
	SL_ASSERT_EQ(append_range(s, &r, 0, 100), 0);
	sl_store_free(s);
	s = open_store(root, 16 << 10, 1 << 20, 1);
	SL_ASSERT(s != NULL);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_recovered_segments), 0);
	/* a second writer on the same shard is refused */
	SL_ASSERT(open_store(root, 16 << 10, 1 << 20, 1) == NULL);
	SL_ASSERT_EQ(rte_errno, EBUSY);
	SL_ASSERT_EQ(append_range(s, &r, 100, 300), 0);
	return close_and_compare(s, &r, 300);
}

/* Size of the zstd frame at @p off of @p path (its padding not included). */
static off_t
frame_size_at(const char *path, off_t off)
{
	uint8_t buf[1 << 17];
	uint64_t size = 0;
	int fd = open(path, O_RDONLY), cks;
	ssize_t n = fd >= 0 ? pread(fd, buf, sizeof(buf), off) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0 || sl_zframe_extent(buf, (size_t)n, &size, &cks) != SL_ZF_DATA)
		abort();
	return (off_t)size;
}

static int
test_crash_recovery_cuts_the_torn_tail_and_seals(void)
{
	char dir[300], seg[400], croot[300], cseg[500];
	off_t ends[64];
	uint32_t nrec_at[64];
	struct recs r = { 0 };
	struct sl_store *s, *c;
	struct stat st;
	int i, nf = 0, round;

	mkroot();
	for (i = 0; i < 2100; i++)
		recs_add(&r, rnd() % 400, 10 + i);
	s = open_store(root, 64 << 10, 1ull << 30, 1);
	SL_ASSERT(s != NULL);
	/* Write frame by frame, remembering where each ends. */
	snprintf(dir, sizeof(dir), "%s" SHARD_DIR, root);
	snprintf(seg, sizeof(seg), "%s/%020d.zst", dir, 0);
	for (i = 0; i < 2000; i += 100) {
		SL_ASSERT_EQ(append_range(s, &r, i, i + 100), 0);
		SL_ASSERT_EQ(sl_store_flush(s), 0);
		SL_ASSERT(stat(seg, &st) == 0);
		ends[nf] = st.st_size;
		nrec_at[nf++] = i + 100;
	}
	/* The store is still open: seg is an unsealed segment, as after a crash. */
	for (round = 0; round < 25; round++) {
		int k = 1 + rnd() % (nf - 1);      /* cut inside data frame k */
		off_t cut = ends[k - 1] + 1 + rnd() % (frame_size_at(seg, ends[k - 1]) - 1);
		uint32_t keep = nrec_at[k - 1];

		if (round == 0) {                   /* whole file, no tail */
			k = nf;
			cut = ends[nf - 1];
			keep = nrec_at[nf - 1];
		}
		snprintf(croot, sizeof(croot), "%s/crash%d", root, round);
		SL_ASSERT_EQ(copy_as_only_segment(croot, seg, cut, cseg, sizeof(cseg)), 0);
		c = open_store(croot, 64 << 10, 1ull << 30, 1);
		SL_ASSERT(c != NULL);
		SL_ASSERT_EQ(store_ctr(c, SL_STORE_recovered_segments), 1);
		SL_ASSERT_EQ(store_ctr(c, SL_STORE_recovered_bytes_cut),
			     cut - (round == 0 ? cut : ends[k - 1]));
		SL_ASSERT_EQ(store_ctr(c, SL_STORE_segments_sealed), 1);
		/* New records continue the sequence after the last kept one. */
		SL_ASSERT_EQ(append_range(c, &r, keep, keep + 50), 0);
		sl_store_free(c);
		if (store_read_from(croot, &r, NULL, 0, keep + 50) != 0)
			SL_FAIL("round %d, cut at %lld in frame %d", round, (long long)cut, k);
	}
	/* Garbage (zeros, as after preallocation) behind whole frames. */
	snprintf(croot, sizeof(croot), "%s/zeros", root);
	SL_ASSERT_EQ(copy_as_only_segment(croot, seg, ends[nf - 1] + 4096, cseg,
					  sizeof(cseg)), 0);
	c = open_store(croot, 64 << 10, 1ull << 30, 1);
	SL_ASSERT(c != NULL);
	SL_ASSERT_EQ(store_ctr(c, SL_STORE_recovered_bytes_cut), 4096);
	sl_store_free(c);
	SL_ASSERT_EQ(store_read_from(croot, &r, NULL, 0, 2000), 0);
	/* A segment torn inside its own header is removed. */
	snprintf(croot, sizeof(croot), "%s/hdr", root);
	SL_ASSERT_EQ(copy_as_only_segment(croot, seg, 100, cseg, sizeof(cseg)), 0);
	c = open_store(croot, 64 << 10, 1ull << 30, 1);
	SL_ASSERT(c != NULL);
	SL_ASSERT_EQ(append_range(c, &r, 0, 10), 0);
	sl_store_free(c);
	SL_ASSERT_EQ(store_read_from(croot, &r, NULL, 0, 10), 0);

	sl_store_free(s);
	SL_ASSERT_EQ(store_read_from(dir, &r, NULL, 0, 2000), 0);
	rmroot();
	recs_free(&r);
	return 0;
}

static int
test_recovery_of_random_damage_always_leaves_a_clean_segment(void)
{
	char seg[400], croot[300], cseg[500];
	struct recs r = { 0 };
	struct sl_store *s, *c;
	struct stat st;
	int i, round;

	mkroot();
	for (i = 0; i < 1000; i++)
		recs_add(&r, rnd() % 300, 10 + i);
	s = open_store(root, 4 << 10, 1ull << 30, 1);
	SL_ASSERT(s != NULL);
	SL_ASSERT_EQ(append_range(s, &r, 0, 1000), 0);
	SL_ASSERT_EQ(sl_store_flush(s), 0);
	snprintf(seg, sizeof(seg), "%s" SHARD_DIR "/%020d.zst", root, 0);
	SL_ASSERT(stat(seg, &st) == 0);
	for (round = 0; round < 60; round++) {
		int fd, k, nflip = 1 + rnd() % 3;
		off_t cut;
		long n;

		snprintf(croot, sizeof(croot), "%s/r%d", root, round);
		cut = rnd() % 2 ? st.st_size : (off_t)(rnd() % st.st_size);
		SL_ASSERT_EQ(copy_as_only_segment(croot, seg, cut, cseg, sizeof(cseg)), 0);
		fd = open(cseg, O_RDWR);
		for (k = 0; k < nflip; k++) {
			uint8_t b = rnd();
			off_t at = rnd() % st.st_size;

			if (pwrite(fd, &b, 1, at) != 1)
				return -1;
		}
		close(fd);
		c = open_store(croot, 4 << 10, 1ull << 30, 1);
		SL_ASSERT(c != NULL);
		sl_store_free(c);
		n = read_count_clean(croot);
		if (n < 0)
			SL_FAIL("round %d: damage left after recovery", round);
	}
	sl_store_free(s);
	rmroot();
	recs_free(&r);
	return 0;
}

static int
test_write_error_cuts_back_and_counts_drops(void)
{
	struct rlimit old, lim;
	struct recs r = { 0 };
	struct sl_store *s;
	uint64_t dropped, stored;
	int i, rc;

	mkroot();
	for (i = 0; i < 4000; i++)
		recs_add(&r, 100 + rnd() % 100, 10 + i);
	s = open_store(root, 4 << 10, 1ull << 30, 1);
	SL_ASSERT(s != NULL);
	SL_ASSERT_EQ(append_range(s, &r, 0, 1000), 0);
	SL_ASSERT_EQ(sl_store_flush(s), 0);
	/* Files may not grow past 100 KB: writes fail with EFBIG. */
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 100000;
	setrlimit(RLIMIT_FSIZE, &lim);
	rc = append_range(s, &r, 1000, 4000);
	SL_ASSERT(rc != 0);
	rc = sl_store_flush(s);
	setrlimit(RLIMIT_FSIZE, &old);
	dropped = store_ctr(s, SL_STORE_drop_write_error);
	stored = store_ctr(s, SL_STORE_records);
	SL_ASSERT(dropped > 0);
	SL_ASSERT_EQ(stored + dropped, 4000);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_drop_disk_full), 0);
	/* Every stored record reads back, in sequence, without damage. */
	return close_and_compare(s, &r, stored);
}

/* A real full file system (tmpfs of 1 MiB, root only): writes stop, what
 * the bound cannot keep is counted, writing resumes when space returns. */
static int
test_full_disk_counts_drop_disk_full_and_resumes(void)
{
	char mnt[64] = "/tmp/sl-full-XXXXXX", big[128];
	struct recs r = { 0 };
	struct sl_store *s;
	int i, fd, rc = 0;
	uint64_t stored;

	if (mkdtemp(mnt) == NULL)
		return -1;
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=1m") != 0) {
		int e = errno;

		rmdir(mnt);
		SL_TEST_SKIP("cannot mount a tmpfs: %s", strerror(e));
	}
	for (i = 0; i < 20200; i++)
		recs_add(&r, 100, 10 + i);
	/* Fill most of the disk first. */
	snprintf(big, sizeof(big), "%s/filler", mnt);
	fd = open(big, O_WRONLY | O_CREAT, 0644);
	for (i = 0; i < 240 && fd >= 0; i++) {
		static char z[4096];

		if (write(fd, z, sizeof(z)) != sizeof(z))
			break;
	}
	close(fd);
	s = open_store(mnt, 16 << 10, 1ull << 30, -5);
	if (s == NULL)
		rc = -1;
	if (s) {
		append_range(s, &r, 0, 20000);
		if (sl_store_flush(s) != -ENOSPC)
			rc = -1;
		if (store_ctr(s, SL_STORE_drop_disk_full) == 0 ||
		    store_ctr(s, SL_STORE_disk_full_events) != 1)
			rc = -1;
		unlink(big);                       /* space returns */
		append_range(s, &r, 20000, 20100);
		if (sl_store_flush(s) != 0)
			rc = -1;
		/* Every record was either written or counted, in order. */
		if (store_ctr(s, SL_STORE_records) + store_ctr(s, SL_STORE_drop_disk_full) != 20100)
			rc = -1;
		stored = store_ctr(s, SL_STORE_records);
		if (append_range(s, &r, 20100, 20200) != 0 || sl_store_flush(s) != 0)
			rc = -1;
		if (store_ctr(s, SL_STORE_records) != stored + 100)
			rc = -1;
		stored = store_ctr(s, SL_STORE_records);
		sl_store_free(s);
		if (read_count_clean(mnt) != (long)stored) {
			fprintf(stderr, "# read back %ld, stored %" PRIu64 "\n",
				read_count_clean(mnt), stored);
			rc = -1;
		}
	}
	umount2(mnt, MNT_DETACH);
	rmdir(mnt);
	recs_free(&r);
	return rc;
}

static int
test_plain_zstd_decodes_a_sealed_segment(void)
{
	char cmd[1200], out[300];
	struct recs r = { 0 };
	struct sl_store *s;
	uint8_t *buf;
	long len, pos = 0;
	uint32_t got = 0;
	FILE *f;
	int i;

	if (access("/usr/bin/zstd", X_OK) != 0)
		SL_TEST_SKIP("/usr/bin/zstd not installed");
	mkroot();
	for (i = 0; i < 3000; i++)
		recs_add(&r, rnd() % 300, 10 + i);
	s = open_store(root, 8 << 10, 1ull << 30, 1);
	SL_ASSERT(s != NULL);
	SL_ASSERT_EQ(append_range(s, &r, 0, r.n), 0);
	sl_store_free(s);
	snprintf(out, sizeof(out), "%s/out.raw", root);
	snprintf(cmd, sizeof(cmd), "/usr/bin/zstd -q -d -c < '%s" SHARD_DIR "/%020d.zst' > '%s'",
		 root, 0, out);
	SL_ASSERT_EQ(system(cmd), 0);
	f = fopen(out, "rb");
	SL_ASSERT(f != NULL);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc(len);
	SL_ASSERT(fread(buf, 1, len, f) == (size_t)len);
	fclose(f);
	/* The output is the batches back to back: walk and compare. */
	while (pos < len) {
		struct sl_batch_hdr b;
		size_t p;

		SL_ASSERT(len - pos >= 64);
		memcpy(&b, buf + pos, sizeof(b));
		SL_ASSERT(b.raw_len <= len - pos);
		SL_ASSERT(sl_batch_check(buf + pos, b.raw_len) == NULL);
		SL_ASSERT_EQ(b.first_seq, got);
		for (p = 64; p < b.raw_len; got++) {
			size_t rs = rec_size_at(&r, got);

			SL_ASSERT_MEM_EQ(buf + pos + p, r.buf + r.off[got], rs);
			p += rs;
		}
		pos += b.raw_len;
	}
	SL_ASSERT_EQ(got, r.n);
	free(buf);
	rmroot();
	recs_free(&r);
	return 0;
}

static int
count_range(const char *path, uint64_t since, uint64_t until, uint64_t *skipped,
	    uint64_t *lo, uint64_t *hi)
{
	struct sl_reader_params p = { .since_ns = since, .until_ns = until };
	const char *paths[] = { path };
	struct sl_reader_stats st;
	struct sl_reader_rec rec;
	struct sl_reader *rd = sl_reader_open(paths, 1, &p, NULL, 0);
	int n = 0;

	if (rd == NULL)
		return -1;
	*lo = UINT64_MAX;
	*hi = 0;
	while (sl_reader_next(rd, &rec) == 1) {
		n++;
		if (rec.rec->rx_ns < *lo)
			*lo = rec.rec->rx_ns;
		if (rec.rec->rx_ns > *hi)
			*hi = rec.rec->rx_ns;
	}
	sl_reader_stats(rd, &st);
	*skipped = st.frames_skipped;
	sl_reader_free(rd);
	return n;
}

static int
test_time_filter_returns_exactly_the_range_and_skips_frames(void)
{
	char seg[400], copy[500];
	struct recs r = { 0 };
	struct sl_store *s;
	uint64_t skipped, lo, hi;
	int i;

	mkroot();
	for (i = 0; i < 5000; i++)
		recs_add(&r, 50 + rnd() % 100, 1000000ull + 1000ull * i);
	s = open_store(root, 8 << 10, 1ull << 30, 1);
	SL_ASSERT(s != NULL);
	SL_ASSERT_EQ(append_range(s, &r, 0, 2500), 0);
	SL_ASSERT_EQ(sl_store_flush(s), 0);
	/* unsealed copy: filter without an index */
	snprintf(seg, sizeof(seg), "%s" SHARD_DIR "/%020d.zst", root, 0);
	snprintf(copy, sizeof(copy), "%s/open.zst", root);
	SL_ASSERT_EQ(copy_file(seg, copy, -1), 0);
	SL_ASSERT_EQ(append_range(s, &r, 2500, 5000), 0);
	sl_store_free(s);

	/* [rec 1000, rec 3000) */
	SL_ASSERT_EQ(count_range(seg, 1000000ull + 1000000ull, 1000000ull + 3000000ull,
				 &skipped, &lo, &hi), 2000);
	SL_ASSERT_EQ(lo, 1000000ull + 1000000ull);
	SL_ASSERT_EQ(hi, 1000000ull + 2999000ull);
	SL_ASSERT(skipped > 0);
	SL_ASSERT_EQ(count_range(seg, 0, 0, &skipped, &lo, &hi), 5000);
	SL_ASSERT_EQ(skipped, 0);
	SL_ASSERT_EQ(count_range(seg, 1000000ull + 4999001ull, 0, &skipped, &lo, &hi), 0);
	SL_ASSERT_EQ(count_range(copy, 1000000ull + 1000000ull, 1000000ull + 3000000ull,
				 &skipped, &lo, &hi), 1500);
	SL_ASSERT_EQ(skipped, 0);
	rmroot();
	recs_free(&r);
	return 0;
}

static int
test_fsync_policy_is_followed(void)
{
	struct sl_store_params p = {
		.tenant = "default", .stream = "default", .shard = 3, .zstd_level = 1,
		.batch_size = 4096, .segment_size = 1 << 20,
	};
	struct recs r = { 0 };
	struct sl_store *s;
	int i;

	mkroot();
	p.root = root;
	for (i = 0; i < 10; i++)
		recs_add(&r, 100, i);
	/* interval: only when data was written and the interval passed, and at seal */
	p.fsync = SL_FSYNC_INTERVAL;
	p.fsync_interval_ms = 10;
	s = sl_store_create(&p);
	SL_ASSERT(s != NULL);
	SL_ASSERT_EQ(sl_store_tick(s, 1000), 0);
	SL_ASSERT_EQ(append_range(s, &r, 0, 5), 0);
	SL_ASSERT_EQ(sl_store_flush(s), 0);
	SL_ASSERT_EQ(sl_store_tick(s, 1005), 0);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_fsyncs), 0);
	SL_ASSERT_EQ(sl_store_tick(s, 1011), 0);
	/* the segment, and (first time for this segment) its directory entry */
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_fsyncs), 2);
	SL_ASSERT_EQ(sl_store_tick(s, 1030), 0);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_fsyncs), 2);
	sl_store_free(s);
	/* seal: file and directory once per sealed segment, nothing before */
	p.fsync = SL_FSYNC_SEAL;
	p.segment_size = 1;             /* every frame seals its segment */
	s = sl_store_create(&p);
	SL_ASSERT(s != NULL);
	SL_ASSERT_EQ(append_range(s, &r, 0, 10), 0);
	SL_ASSERT_EQ(sl_store_tick(s, 5000), 0);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_fsyncs), 0);
	SL_ASSERT_EQ(sl_store_flush(s), 0);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_segments_sealed), 1);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_fsyncs), 2);
	sl_store_free(s);
	/* none */
	p.fsync = SL_FSYNC_NONE;
	s = sl_store_create(&p);
	SL_ASSERT(s != NULL);
	SL_ASSERT_EQ(append_range(s, &r, 0, 10), 0);
	SL_ASSERT_EQ(sl_store_flush(s), 0);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_segments_sealed), 1);
	SL_ASSERT_EQ(store_ctr(s, SL_STORE_fsyncs), 0);
	sl_store_free(s);
	rmroot();
	recs_free(&r);
	return 0;
}

static int
test_create_rejects_bad_params(void)
{
	struct sl_store_params p = {
		.root = "/tmp", .tenant = "../x", .stream = "default",
		.zstd_level = 1, .batch_size = 4096, .segment_size = 1 << 20,
	};

	SL_ASSERT(sl_store_create(&p) == NULL);
	p.tenant = "default";
	p.zstd_level = 99;
	SL_ASSERT(sl_store_create(&p) == NULL);
	p.zstd_level = 1;
	p.batch_size = 0;
	SL_ASSERT(sl_store_create(&p) == NULL);
	p.batch_size = 4096;
	p.root = "/proc/no/such/dir";
	SL_ASSERT(sl_store_create(&p) == NULL);
	sl_store_free(NULL);
	return 0;
}

static const struct sl_test_case cases[] = {
	SL_TEST(test_round_trip_keeps_headers_bytes_order_and_seq),
	SL_TEST(test_record_bigger_than_batch_size_gets_its_own_frame),
	SL_TEST(test_rotation_makes_sealed_segments_named_by_first_seq),
	SL_TEST(test_reopen_continues_the_sequence),
	SL_TEST(test_crash_recovery_cuts_the_torn_tail_and_seals),
	SL_TEST(test_recovery_of_random_damage_always_leaves_a_clean_segment),
	SL_TEST(test_write_error_cuts_back_and_counts_drops),
	SL_TEST(test_full_disk_counts_drop_disk_full_and_resumes),
	SL_TEST(test_plain_zstd_decodes_a_sealed_segment),
	SL_TEST(test_time_filter_returns_exactly_the_range_and_skips_frames),
	SL_TEST(test_fsync_policy_is_followed),
	SL_TEST(test_create_rejects_bad_params),
};

int
main(int argc, char **argv)
{
	rte_log_set_global_level(RTE_LOG_ERR);
	return sl_test_main(argc, argv, cases, SL_DIM(cases), false);
}

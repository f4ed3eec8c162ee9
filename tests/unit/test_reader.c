/* SPDX-License-Identifier: BSD-3-Clause */
/* The reader on damaged input: flipped bytes, torn tails, bad indexes,
 * files that are not segments, and random garbage (must never crash). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "sl_common.h"
#include "sl_reader.h"
#include "sl_segment.h"
#include "sl_store.h"
#include "sl_test.h"
#include "store_test_util.h"

/* Write records [0, n) to one segment with small frames; return its path. */
static struct recs R;
static char seg[400];
static off_t frame_end[512];
static uint32_t frame_rec[512];
static int nframes;

static int
make_segment(int seal, struct sl_store **open_out)
{
	struct sl_store *s;
	struct stat st;
	uint32_t i;

	recs_free(&R);
	for (i = 0; i < 1000; i++)
		recs_add(&R, 20 + rnd() % 200, 1000 + i);
	mkroot();
	s = open_store(root, 1 << 20, 1ull << 30, 1);
	if (s == NULL)
		return -1;
	snprintf(seg, sizeof(seg), "%s" SHARD_DIR "/%020d.zst", root, 0);
	nframes = 0;
	for (i = 0; i < R.n; i += 50) {
		append_range(s, &R, i, i + 50);
		sl_store_flush(s);
		stat(seg, &st);
		frame_end[nframes] = st.st_size;
		frame_rec[nframes++] = i + 50;
	}
	if (seal)
		sl_store_free(s);
	else
		*open_out = s;
	return 0;
}

struct result {
	long recs;
	int damage;
	uint64_t first_damage_off;
	char first_damage_seg[400];
	int err;
	struct sl_reader_stats st;
};

static void
on_damage2(void *arg, const struct sl_reader_damage *d)
{
	struct result *res = arg;

	if (res->damage++ == 0) {
		res->first_damage_off = d->offset;
		snprintf(res->first_damage_seg, sizeof(res->first_damage_seg), "%s", d->segment);
	}
}

static volatile uint8_t touch;

static struct result
read_all(const char *path, int verify)
{
	struct result res;
	struct sl_reader_params p = { .verify = verify, .on_damage = on_damage2, .arg = &res };
	const char *paths[] = { path };
	struct sl_reader_rec rec;
	struct sl_reader *rd;
	int rc;

	memset(&res, 0, sizeof(res));
	rd = sl_reader_open(paths, 1, &p, NULL, 0);
	if (rd == NULL) {
		res.err = -errno;
		return res;
	}
	while ((rc = sl_reader_next(rd, &rec)) != 0) {
		if (rc < 0) {
			res.err = rc;
			continue;
		}
		/* touch the last byte so ASan sees any bad pointer */
		if (rec.rec->len)
			touch ^= rec.msg[rec.rec->len - 1];
		res.recs++;
	}
	sl_reader_stats(rd, &res.st);
	sl_reader_free(rd);
	return res;
}

static void
flip(const char *path, off_t off)
{
	int fd = open(path, O_RDWR);
	uint8_t b;

	if (pread(fd, &b, 1, off) == 1) {
		b ^= 0x5a;
		if (pwrite(fd, &b, 1, off) != 1)
			abort();
	}
	close(fd);
}

static int
test_verify_reports_a_flipped_byte_and_reads_the_other_frames(void)
{
	struct result res;
	int k = 7, verify;
	off_t at;

	SL_ASSERT_EQ(make_segment(1, NULL), 0);
	at = frame_end[k - 1] + (frame_end[k] - frame_end[k - 1]) / 2;
	flip(seg, at);
	for (verify = 0; verify <= 1; verify++) {
		res = read_all(seg, verify);
		SL_ASSERT_EQ(res.err, 0);
		SL_ASSERT_EQ(res.damage, 1);
		SL_ASSERT_EQ(res.first_damage_off, frame_end[k - 1]);
		SL_ASSERT(strcmp(res.first_damage_seg, seg) == 0);
		SL_ASSERT_EQ(res.recs, 1000 - 50);
	}
	rmroot();
	return 0;
}

static int
test_flipped_byte_in_an_unsealed_segment_is_skipped_too(void)
{
	struct sl_store *s = NULL;
	struct result res;
	char copy[500];
	int k = 3;

	SL_ASSERT_EQ(make_segment(0, &s), 0);
	snprintf(copy, sizeof(copy), "%s/copy.zst", root);
	SL_ASSERT_EQ(copy_file(seg, copy, -1), 0);
	flip(copy, frame_end[k - 1] + 20);
	res = read_all(copy, 1);
	SL_ASSERT_EQ(res.damage, 1);
	SL_ASSERT_EQ(res.first_damage_off, frame_end[k - 1]);
	SL_ASSERT_EQ(res.recs, 1000 - 50);
	/* The magic itself: the frame cannot be found, the reader resyncs. */
	SL_ASSERT_EQ(copy_file(seg, copy, -1), 0);
	flip(copy, frame_end[k - 1]);
	res = read_all(copy, 1);
	SL_ASSERT(res.damage >= 1);
	SL_ASSERT_EQ(res.first_damage_off, frame_end[k - 1]);
	SL_ASSERT_EQ(res.recs, 1000 - 50);
	sl_store_free(s);
	rmroot();
	return 0;
}

static int
test_torn_tail_stops_cleanly_after_the_whole_frames(void)
{
	struct sl_store *s = NULL;
	struct result res;
	char copy[500];
	int k;

	SL_ASSERT_EQ(make_segment(0, &s), 0);
	snprintf(copy, sizeof(copy), "%s/copy.zst", root);
	for (k = 1; k < nframes; k += 3) {
		off_t cut = frame_end[k - 1] + 1 + rnd() % (frame_end[k] - frame_end[k - 1] - 1);

		SL_ASSERT_EQ(copy_file(seg, copy, cut), 0);
		res = read_all(copy, 0);
		SL_ASSERT_EQ(res.err, 0);
		SL_ASSERT_EQ(res.recs, frame_rec[k - 1]);
		SL_ASSERT_EQ(res.st.torn, 1);
		SL_ASSERT_EQ(res.first_damage_off, frame_end[k - 1]);
	}
	/* the open segment itself, no tail: no damage */
	res = read_all(seg, 1);
	SL_ASSERT_EQ(res.damage, 0);
	SL_ASSERT_EQ(res.recs, 1000);
	sl_store_free(s);
	rmroot();
	return 0;
}

static int
test_damaged_index_is_reported_and_all_records_still_read(void)
{
	struct sl_seg_trailer t;
	struct result res;
	struct stat st;
	int fd;

	SL_ASSERT_EQ(make_segment(1, NULL), 0);
	fd = open(seg, O_RDONLY);
	fstat(fd, &st);
	SL_ASSERT_EQ(sl_seg_read_trailer(fd, st.st_size, &t), 1);
	close(fd);
	flip(seg, t.index_off + 8 + 32 + 48 * 3 + 9);
	res = read_all(seg, 0);
	SL_ASSERT_EQ(res.damage, 1);
	SL_ASSERT_EQ(res.first_damage_off, t.index_off);
	SL_ASSERT_EQ(res.recs, 1000);
	SL_ASSERT_EQ(res.st.sealed, 0);
	/* a damaged trailer */
	flip(seg, st.st_size - 10);
	res = read_all(seg, 1);
	SL_ASSERT(res.damage >= 1);
	SL_ASSERT_EQ(res.recs, 1000);
	rmroot();
	return 0;
}

static int
test_not_a_segment_and_missing_files_are_errors(void)
{
	const char *missing[] = { "/nonexistent/sluice.zst" };
	const char *paths[1];
	struct sl_reader_rec rec;
	struct sl_reader *rd;
	char path[300], err[256];
	FILE *f;

	SL_ASSERT(sl_reader_open(missing, 1, NULL, err, sizeof(err)) == NULL);
	SL_ASSERT_EQ(errno, ENOENT);
	SL_ASSERT(strstr(err, "/nonexistent") != NULL);
	mkroot();
	snprintf(path, sizeof(path), "%s/x.zst", root);
	f = fopen(path, "w");
	fputs("hello, this is not a segment at all, just some text\n", f);
	fclose(f);
	paths[0] = path;
	rd = sl_reader_open(paths, 1, NULL, err, sizeof(err));
	SL_ASSERT(rd != NULL);
	SL_ASSERT_EQ(sl_reader_next(rd, &rec), -EINVAL);
	SL_ASSERT(strstr(sl_reader_error(rd), "not a sluice segment") != NULL);
	SL_ASSERT_EQ(sl_reader_next(rd, &rec), 0);
	sl_reader_free(rd);
	rmroot();
	return 0;
}

static int
test_directories_are_read_in_path_order(void)
{
	struct sl_store_params p = {
		.tenant = "default", .stream = "default", .zstd_level = 1,
		.batch_size = 4096, .segment_size = 8192,
	};
	const char *paths[1];
	struct sl_reader_rec rec;
	struct sl_reader *rd;
	struct sl_store *s;
	uint64_t expect = 0;
	int shard, n = 0;

	mkroot();
	p.root = root;
	recs_free(&R);
	for (n = 0; n < 400; n++)
		recs_add(&R, 100, n);
	for (shard = 1; shard >= 0; shard--) {
		p.shard = shard;
		s = sl_store_create(&p);
		SL_ASSERT(s != NULL);
		append_range(s, &R, 0, 400);
		sl_store_free(s);
	}
	paths[0] = root;
	rd = sl_reader_open(paths, 1, NULL, NULL, 0);
	SL_ASSERT(rd != NULL);
	n = 0;
	while (sl_reader_next(rd, &rec) == 1) {
		SL_ASSERT_EQ(rec.shard, n < 400 ? 0 : 1);
		if (n == 400)
			expect = 0;
		SL_ASSERT_EQ(rec.seq, expect);
		expect++;
		n++;
	}
	sl_reader_free(rd);
	SL_ASSERT_EQ(n, 800);
	rmroot();
	return 0;
}

static int
test_garbage_never_crashes_the_reader(void)
{
	char copy[500];
	uint8_t *orig;
	struct stat st;
	int fd, i, round;

	SL_ASSERT_EQ(make_segment(1, NULL), 0);
	fd = open(seg, O_RDONLY);
	fstat(fd, &st);
	orig = malloc(st.st_size);
	SL_ASSERT(read(fd, orig, st.st_size) == st.st_size);
	close(fd);
	snprintf(copy, sizeof(copy), "%s/fuzz.zst", root);
	for (round = 0; round < 600; round++) {
		off_t len = st.st_size;
		int nflip = 1 + rnd() % 8;
		uint8_t *m = malloc(len);

		memcpy(m, orig, len);
		for (i = 0; i < nflip; i++) {
			/* bias towards the structures: header, frame starts, index, trailer */
			off_t at = rnd() % 4 == 0 ? (off_t)(rnd() % 200) :
				rnd() % 4 == 0 ? len - 1 - (off_t)(rnd() % 600) :
				(off_t)(rnd() % len);
			m[at] = rnd() % 3 == 0 ? 0xff : (uint8_t)rnd();
		}
		if (round % 5 == 0)
			len = rnd() % len;
		if (round % 50 == 0)
			for (i = 0; i < len; i++)
				m[i] = rnd();
		fd = open(copy, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		SL_ASSERT(write(fd, m, len) == len);
		close(fd);
		free(m);
		read_all(copy, round & 1);
	}
	free(orig);
	rmroot();
	return 0;
}

/* The index of a sealed segment: @return entries (malloc'd), *n set. */
static struct sl_seg_idx_ent *
read_index(const char *path, uint32_t *n, struct sl_seg_trailer *t)
{
	struct sl_seg_idx_ent *e;
	struct stat st;
	int fd = open(path, O_RDONLY);
	uint32_t i;

	*n = 0;
	if (fd < 0 || fstat(fd, &st) != 0 || sl_seg_read_trailer(fd, st.st_size, t) != 1) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	e = calloc(t->nframes + 1, sizeof(*e));
	for (i = 0; i < t->nframes; i++)
		if (sl_seg_pread(fd, &e[i], sizeof(*e), t->index_off + 8 + 32 + 48ull * i) != 0)
			break;
	close(fd);
	*n = i;
	return e;
}

static const char *argv0;

/* Run a shell command, capture stdout into @p out. @return exit status. */
static int
run(const char *cmd, char *out, size_t len)
{
	FILE *f = popen(cmd, "r");
	size_t n;
	int st;

	if (f == NULL)
		return -1;
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int
test_sluice_cat_formats_counts_and_exit_codes(void)
{
	static const char *msgs[] = { "q\"b\\s\x01\x7f", "caf\xc3\xa9", "\xff\xfe", "" };
	struct sl_store_params p = {
		.tenant = "default", .stream = "default", .shard = 5, .zstd_level = 1,
		.batch_size = 1 << 16, .segment_size = 1 << 20,
		.buffered = true,       /* no padding: the first frame is at 168 */
	};
	char cat[600], cmd[1500], out[8192], segp[400], want[64];
	struct sl_seg_idx_ent *e;
	struct sl_seg_trailer t;
	struct sl_store *s;
	uint32_t ne;
	unsigned int i;
	char *slash;

	snprintf(cat, sizeof(cat), "%s", argv0);
	slash = strrchr(cat, '/');
	snprintf(slash ? slash + 1 : cat, sizeof(cat) - (slash ? slash + 1 - cat : 0),
		 "../../app/sluice-cat/sluice-cat");
	if (access(cat, X_OK) != 0)
		SL_TEST_SKIP("%s not built", cat);
	mkroot();
	p.root = root;
	s = sl_store_create(&p);
	SL_ASSERT(s != NULL);
	for (i = 0; i < 4; i++) {
		uint8_t buf[128];
		struct sl_rec h;

		memset(&h, 0, sizeof(h));
		h.len = strlen(msgs[i]);
		h.orig_len = h.len + (i == 1 ? 10 : 0);
		h.rx_ns = 1795000000123456789ull + i * 1000000000ull;
		h.src[10] = h.src[11] = 0xff;
		h.src[12] = 10; h.src[15] = 1;
		h.dst[10] = h.dst[11] = 0xff;
		h.dst[12] = 10; h.dst[15] = 2;
		if (i == 2) {
			memset(h.src, 0, 16);
			h.src[0] = 0x20; h.src[1] = 0x01; h.src[15] = 9;
			h.flags = SL_REC_F_IPV6;
		}
		h.sport = 40000 + i;
		h.dport = 514;
		h.tenant = 1; h.stream = 2; h.rule = 3; h.tags = 5;
		h.flags |= i == 1 ? SL_REC_F_TRUNCATED | SL_REC_F_REASSEMBLED : 0;
		h.severity = i == 3 ? SL_SEV_NONE : 6;
		h.facility = i == 3 ? SL_FAC_NONE : 1;
		h.transport = i == 2 ? SL_TRANSPORT_TCP : SL_TRANSPORT_UDP;
		memcpy(buf, &h, 64);
		memcpy(buf + 64, msgs[i], h.len);
		SL_ASSERT_EQ(sl_store_append(s, buf, 64 + h.len, 1, h.rx_ns, h.rx_ns), 0);
	}
	sl_store_free(s);

	snprintf(cmd, sizeof(cmd), "'%s' --format json '%s'", cat, root);
	SL_ASSERT_EQ(run(cmd, out, sizeof(out)), 0);
	if (strcmp(out,
	    "{\"rx_ns\":1795000000123456789,\"time\":\"2026-11-18T11:06:40.123456789Z\",\"src\":\"10.0.0.1\",\"sport\":40000,\"dst\":\"10.0.0.2\",\"dport\":514,\"transport\":\"udp\",\"tenant\":1,\"stream\":2,\"rule\":3,\"tags\":5,\"severity\":6,\"facility\":1,\"flags\":[],\"len\":7,\"orig_len\":7,\"shard\":5,\"seq\":0,\"msg\":\"q\\\"b\\\\s\\u0001\x7f\"}\n"
	    "{\"rx_ns\":1795000001123456789,\"time\":\"2026-11-18T11:06:41.123456789Z\",\"src\":\"10.0.0.1\",\"sport\":40001,\"dst\":\"10.0.0.2\",\"dport\":514,\"transport\":\"udp\",\"tenant\":1,\"stream\":2,\"rule\":3,\"tags\":5,\"severity\":6,\"facility\":1,\"flags\":[\"truncated\",\"reassembled\"],\"len\":5,\"orig_len\":15,\"shard\":5,\"seq\":1,\"msg\":\"caf\xc3\xa9\"}\n"
	    "{\"rx_ns\":1795000002123456789,\"time\":\"2026-11-18T11:06:42.123456789Z\",\"src\":\"2001::9\",\"sport\":40002,\"dst\":\"10.0.0.2\",\"dport\":514,\"transport\":\"tcp\",\"tenant\":1,\"stream\":2,\"rule\":3,\"tags\":5,\"severity\":6,\"facility\":1,\"flags\":[\"ipv6\"],\"len\":2,\"orig_len\":2,\"shard\":5,\"seq\":2,\"msg_b64\":\"//4=\"}\n"
	    "{\"rx_ns\":1795000003123456789,\"time\":\"2026-11-18T11:06:43.123456789Z\",\"src\":\"10.0.0.1\",\"sport\":40003,\"dst\":\"10.0.0.2\",\"dport\":514,\"transport\":\"udp\",\"tenant\":1,\"stream\":2,\"rule\":3,\"tags\":5,\"severity\":null,\"facility\":null,\"flags\":[],\"len\":0,\"orig_len\":0,\"shard\":5,\"seq\":3,\"msg\":\"\"}\n") != 0)
		SL_FAIL("json output:\n%s", out);
	snprintf(cmd, sizeof(cmd), "'%s' --format text '%s'", cat, root);
	SL_ASSERT_EQ(run(cmd, out, sizeof(out)), 0);
	if (strcmp(out,
	    "2026-11-18T11:06:40.123456789Z 10.0.0.1:40000 -> 10.0.0.2:514 udp q\"b\\x5cs\\x01\\x7f\n"
	    "2026-11-18T11:06:41.123456789Z 10.0.0.1:40001 -> 10.0.0.2:514 udp caf\\xc3\\xa9\n"
	    "2026-11-18T11:06:42.123456789Z [2001::9]:40002 -> 10.0.0.2:514 tcp \\xff\\xfe\n"
	    "2026-11-18T11:06:43.123456789Z 10.0.0.1:40003 -> 10.0.0.2:514 udp \n") != 0)
		SL_FAIL("text output:\n%s", out);
	snprintf(cmd, sizeof(cmd), "'%s' --format raw '%s' | od -An -tx1 | tr -d ' \\n'", cat, root);
	SL_ASSERT_EQ(run(cmd, out, sizeof(out)), 0);
	SL_ASSERT(strcmp(out, "712262" "5c73017f0a" "636166c3a90a" "fffe0a" "0a") == 0);
	snprintf(cmd, sizeof(cmd), "'%s' --count '%s'", cat, root);
	SL_ASSERT_EQ(run(cmd, out, sizeof(out)), 0);
	SL_ASSERT(strcmp(out, "4\n") == 0);
	snprintf(cmd, sizeof(cmd), "'%s' --count --since 2026-11-18T11:06:41.123456789Z "
		 "--until 1795000003123456789 '%s'", cat, root);
	SL_ASSERT_EQ(run(cmd, out, sizeof(out)), 0);
	SL_ASSERT(strcmp(out, "2\n") == 0);
	snprintf(cmd, sizeof(cmd), "'%s' --count --since 2026-11-18T12:06:41+01:00 '%s'", cat, root);
	SL_ASSERT_EQ(run(cmd, out, sizeof(out)), 0);
	SL_ASSERT(strcmp(out, "3\n") == 0);
	snprintf(cmd, sizeof(cmd), "'%s' --verify '%s' 2>&1", cat, root);
	SL_ASSERT_EQ(run(cmd, out, sizeof(out)), 0);
	SL_ASSERT(strstr(out, "0 damaged") != NULL);
	snprintf(segp, sizeof(segp), "%s/default/default/shard-05/%020d.zst", root, 0);
	/* A byte inside the first data frame (wherever padding put it). */
	e = read_index(segp, &ne, &t);
	SL_ASSERT(e != NULL && ne == 1);
	flip(segp, e[0].offset + 32);
	snprintf(want, sizeof(want), "offset %" PRIu64 ":", e[0].offset);
	free(e);
	snprintf(cmd, sizeof(cmd), "'%s' --verify '%s' 2>&1", cat, root);
	SL_ASSERT_EQ(run(cmd, out, sizeof(out)), 1);
	SL_ASSERT(strstr(out, want) != NULL && strstr(out, segp) != NULL);
	snprintf(cmd, sizeof(cmd), "'%s' '%s/nonexistent' 2>&1", cat, root);
	SL_ASSERT_EQ(run(cmd, out, sizeof(out)), 2);
	SL_ASSERT(strstr(out, "No such file") != NULL);
	snprintf(cmd, sizeof(cmd), "'%s' --since yesterday '%s' 2>&1", cat, root);
	SL_ASSERT_EQ(run(cmd, out, sizeof(out)), 2);
	rmroot();
	return 0;
}

static int
cat_path(char *cat, size_t len)
{
	char *slash;

	snprintf(cat, len, "%s", argv0);
	slash = strrchr(cat, '/');
	snprintf(slash ? slash + 1 : cat, len - (slash ? slash + 1 - cat : 0),
		 "../../app/sluice-cat/sluice-cat");
	return access(cat, X_OK);
}

/* --verbose counts exactly the frames the index selects for --since/--until. */
static int
test_sluice_cat_verbose_counts_the_frames_the_index_selects(void)
{
	static const struct { uint64_t since, until; const char *count; int first, last; } q[] = {
		{ 1100, 1200, "100\n", 2, 3 },       /* frames 2 and 3 exactly */
		{ 1100, 1150, "50\n", 2, 2 },        /* until is exclusive */
		{ 1149, 1151, "2\n", 2, 3 },         /* one record of each */
		{ 1000, 0, "1000\n", 0, 19 },        /* everything */
		{ 5000, 0, "0\n", 1, 0 },            /* nothing */
	};
	struct sl_seg_idx_ent *e;
	struct sl_seg_trailer t;
	char cat[600], cmd[1500], out[512], want[256], until[64];
	uint32_t n, k;
	unsigned int i;

	if (cat_path(cat, sizeof(cat)) != 0)
		SL_TEST_SKIP("%s not built", cat);
	SL_ASSERT_EQ(make_segment(1, NULL), 0);
	e = read_index(seg, &n, &t);
	SL_ASSERT(e != NULL);
	SL_ASSERT_EQ(n, 20);
	for (i = 0; i < SL_DIM(q); i++) {
		uint64_t bytes = 0;
		int frames = 0;

		for (k = 0; k < n; k++)
			if ((int)k >= q[i].first && (int)k <= q[i].last) {
				bytes += e[k].csize;
				frames++;
			}
		snprintf(until, sizeof(until), q[i].until ? "--until %" PRIu64 : "", q[i].until);
		snprintf(cmd, sizeof(cmd), "'%s' --count --verbose --since %" PRIu64 " %s '%s' 2>&1",
			 cat, q[i].since, until, seg);
		SL_ASSERT_EQ(run(cmd, out, sizeof(out)), 0);
		snprintf(want, sizeof(want), "read: segments=1 frames=%d frames_skipped_by_index=%d"
			 " bytes=%" PRIu64 "\n%s", frames, 20 - frames, bytes, q[i].count);
		if (strcmp(out, want) != 0)
			SL_FAIL("since %" PRIu64 " until %" PRIu64 ":\n%swanted:\n%s",
				q[i].since, q[i].until, out, want);
	}
	/* Without --verbose, nothing on stderr. */
	snprintf(cmd, sizeof(cmd), "'%s' --count '%s' 2>&1", cat, seg);
	SL_ASSERT_EQ(run(cmd, out, sizeof(out)), 0);
	SL_ASSERT(strcmp(out, "1000\n") == 0);
	free(e);
	rmroot();
	return 0;
}

static void
stats_line(char *buf, size_t len, const char *name, uint64_t segs, uint64_t sealed,
	   uint64_t recs, uint64_t in, uint64_t disk)
{
	snprintf(buf, len, "%s: segments=%" PRIu64 " sealed=%" PRIu64 " records=%" PRIu64
		 " bytes_in=%" PRIu64 " bytes_on_disk=%" PRIu64 " ratio=%.2f\n",
		 name, segs, sealed, recs, in, disk, (double)in / (double)disk);
}

/* --stats: per stream and total, sealed from the trailer, unsealed scanned. */
static int
test_sluice_cat_stats_sums_each_stream_exactly(void)
{
	struct sl_store_params p = {
		.tenant = "default", .stream = "sec", .shard = 0, .zstd_level = 3,
		.batch_size = 1 << 16, .segment_size = 1 << 20,
	};
	char cat[600], cmd[1500], out[2048], want[1024], copy[500], sec[500];
	struct sl_seg_idx_ent *e;
	struct sl_seg_trailer t;
	struct recs r2 = { 0 };
	uint64_t csum = 0, disk1, disk2, disk3;
	struct sl_store *s;
	struct stat st;
	uint32_t n, k;
	size_t w;

	if (cat_path(cat, sizeof(cat)) != 0)
		SL_TEST_SKIP("%s not built", cat);
	SL_ASSERT_EQ(make_segment(1, NULL), 0);         /* default/default, 1000 records */
	e = read_index(seg, &n, &t);
	SL_ASSERT(e != NULL && n == 20);
	for (k = 0; k < n; k++)
		csum += e[k].csize;
	free(e);
	/* The same frames without index and trailer: an unsealed segment. */
	snprintf(copy, sizeof(copy), "%s" SHARD_DIR "/%020d.zst", root, 5000);
	SL_ASSERT_EQ(copy_file(seg, copy, (off_t)t.index_off), 0);
	/* Stream "sec": 3 records in one sealed segment. */
	p.root = root;
	s = sl_store_create(&p);
	SL_ASSERT(s != NULL);
	for (k = 0; k < 3; k++)
		recs_add(&r2, 100 + k, 7000 + k);
	append_range(s, &r2, 0, 3);
	sl_store_free(s);
	snprintf(sec, sizeof(sec), "%s/default/sec/shard-00/%020d.zst", root, 0);
	SL_ASSERT_EQ(stat(seg, &st), 0);
	disk1 = st.st_size;
	SL_ASSERT_EQ(stat(copy, &st), 0);
	disk2 = st.st_size;
	SL_ASSERT_EQ(disk2, t.index_off);
	SL_ASSERT_EQ(stat(sec, &st), 0);
	disk3 = st.st_size;

	snprintf(cmd, sizeof(cmd), "'%s' --stats --verbose '%s' 2>&1", cat, root);
	SL_ASSERT_EQ(run(cmd, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "read: segments=3 frames=20 frames_skipped_by_index=21"
		 " bytes=%" PRIu64 "\n", csum);
	w = strlen(want);
	stats_line(want + w, sizeof(want) - w, "default/default", 2, 1, 2000, 2 * R.len,
		   disk1 + disk2);
	w = strlen(want);
	stats_line(want + w, sizeof(want) - w, "default/sec", 1, 1, 3, r2.len, disk3);
	w = strlen(want);
	stats_line(want + w, sizeof(want) - w, "total", 3, 2, 2003, 2 * R.len + r2.len,
		   disk1 + disk2 + disk3);
	if (strcmp(out, want) != 0)
		SL_FAIL("--stats:\n%swanted:\n%s", out, want);
	/* A file by name; a non-segment is an error (exit 2), the rest still counted. */
	snprintf(cmd, sizeof(cmd), "'%s' --stats '%s' 2>/dev/null", cat, sec);
	SL_ASSERT_EQ(run(cmd, out, sizeof(out)), 0);
	SL_ASSERT(strstr(out, "default/sec: segments=1 sealed=1 records=3 ") == out);
	snprintf(copy, sizeof(copy), "%s/junk.zst", root);
	SL_ASSERT_EQ(copy_file(argv0, copy, 4000), 0);
	snprintf(cmd, sizeof(cmd), "'%s' --stats '%s' 2>&1", cat, root);
	SL_ASSERT_EQ(run(cmd, out, sizeof(out)), 2);
	SL_ASSERT(strstr(out, "junk.zst: not a sluice segment") != NULL);
	SL_ASSERT(strstr(out, "total: segments=3 sealed=2 records=2003 ") != NULL);
	snprintf(cmd, sizeof(cmd), "'%s' --stats --count '%s' 2>&1", cat, root);
	SL_ASSERT_EQ(run(cmd, out, sizeof(out)), 2);
	recs_free(&r2);
	rmroot();
	return 0;
}

static const struct sl_test_case cases[] = {
	SL_TEST(test_verify_reports_a_flipped_byte_and_reads_the_other_frames),
	SL_TEST(test_flipped_byte_in_an_unsealed_segment_is_skipped_too),
	SL_TEST(test_torn_tail_stops_cleanly_after_the_whole_frames),
	SL_TEST(test_damaged_index_is_reported_and_all_records_still_read),
	SL_TEST(test_not_a_segment_and_missing_files_are_errors),
	SL_TEST(test_directories_are_read_in_path_order),
	SL_TEST(test_garbage_never_crashes_the_reader),
	SL_TEST(test_sluice_cat_formats_counts_and_exit_codes),
	SL_TEST(test_sluice_cat_verbose_counts_the_frames_the_index_selects),
	SL_TEST(test_sluice_cat_stats_sums_each_stream_exactly),
};

int
main(int argc, char **argv)
{
	int rc;

	rte_log_set_global_level(RTE_LOG_ERR);
	argv0 = argv[0];
	rc = sl_test_main(argc, argv, cases, SL_DIM(cases), false);
	recs_free(&R);
	return rc;
}

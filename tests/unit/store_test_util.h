/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Shared by the store and reader suites: generated records laid out as the
 * writer passes them, a scratch root directory, a store on shard 3 of
 * default/default, appends in random chunk sizes, and a file copy that can
 * cut the copy short (to fake a torn tail).
 */
#ifndef STORE_TEST_UTIL_H
#define STORE_TEST_UTIL_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>

#include "sl_common.h"
#include "sl_reader.h"
#include "sl_store.h"
#include "sl_test.h"

#define SHARD_DIR "/default/default/shard-03"

/* A set of generated records, concatenated as the writer would pass them. */
struct recs {
	uint8_t *buf;
	size_t len, cap;
	uint32_t n;
	size_t *off;            /* offset of record i */
};

static uint64_t rng = 88172645463325252ull;

static inline uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Append a record of @p len random bytes and random header fields. */
static inline void
recs_add(struct recs *r, uint32_t len, uint64_t rx_ns)
{
	struct sl_rec h;
	uint32_t i;

	memset(&h, 0, sizeof(h));
	h.len = len;
	h.orig_len = len + (rnd() % 4 == 0 ? 7 : 0);
	h.rx_ns = rx_ns;
	for (i = 0; i < 16; i++) {
		h.src[i] = rnd();
		h.dst[i] = rnd();
	}
	h.sport = rnd();
	h.dport = 514;
	h.tenant = rnd() % 3;
	h.stream = rnd() % 5;
	h.rule = rnd() % 9;
	h.flags = rnd() & 0x3f;
	h.severity = rnd() % 8;
	h.facility = rnd() % 24;
	h.transport = SL_TRANSPORT_UDP;
	if (r->len + sizeof(h) + len > r->cap) {
		r->cap = (r->cap + sizeof(h) + len) * 2;
		r->buf = realloc(r->buf, r->cap);
	}
	r->off = realloc(r->off, (r->n + 1) * sizeof(*r->off));
	r->off[r->n++] = r->len;
	memcpy(r->buf + r->len, &h, sizeof(h));
	for (i = 0; i < len; i++)
		r->buf[r->len + sizeof(h) + i] = (uint8_t)rnd();
	r->len += sizeof(h) + len;
}

static inline void
recs_free(struct recs *r)
{
	free(r->buf);
	free(r->off);
	memset(r, 0, sizeof(*r));
}

/* Size of record @p i, header included. */
static inline size_t
rec_size_at(const struct recs *r, uint32_t i)
{
	return (i + 1 < r->n ? r->off[i + 1] : r->len) - r->off[i];
}

/* The scratch directory of the current case: mkroot() makes it, rmroot() removes it. */
static char root[256];

static inline void
mkroot(void)
{
	strcpy(root, "/tmp/sl-store-XXXXXX");
	if (mkdtemp(root) == NULL)
		abort();
}

static inline void
rmroot(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "# cannot remove %s\n", root);
}

/*
 * Stores are buffered (frames back to back, no padding: the reader suite
 * counts on that layout) unless the suite defines STORE_TEST_DIRECT before
 * including this file: then O_DIRECT, frames padded to 4 KiB.
 */
#ifdef STORE_TEST_DIRECT
#define STORE_TEST_BUFFERED false
#else
#define STORE_TEST_BUFFERED true
#endif

/* A store on shard 3 of default/default under @p dir, no fsync. */
static inline struct sl_store *
open_store(const char *dir, uint32_t batch, uint64_t segsz, int level)
{
	struct sl_store_params p = {
		.root = dir, .tenant = "default", .stream = "default", .shard = 3,
		.zstd_level = level, .batch_size = batch, .segment_size = segsz,
		.fsync = SL_FSYNC_NONE, .socket_id = 0, .buffered = STORE_TEST_BUFFERED,
	};

	return sl_store_create(&p);
}

/* Append records [from, to) in chunks of 1-40 records. */
static inline int
append_range(struct sl_store *s, const struct recs *r, uint32_t from, uint32_t to)
{
	int ret = 0;

	while (from < to) {
		uint32_t n = 1 + rnd() % 40, i;
		size_t len = 0;

		if (n > to - from)
			n = to - from;
		uint64_t lo = UINT64_MAX, hi = 0;

		for (i = 0; i < n; i++) {
			const struct sl_rec *h = (const void *)(r->buf + r->off[from + i]);

			len += rec_size_at(r, from + i);
			lo = RTE_MIN(lo, h->rx_ns);
			hi = RTE_MAX(hi, h->rx_ns);
		}
		if (sl_store_append(s, r->buf + r->off[from], len, n, lo, hi) != 0)
			ret = -1;       /* keep going: errors are counted */
		from += n;
	}
	return ret;
}

/* Copy @p from to @p to; with @p len >= 0 cut (or extend) the copy to @p len. */
static inline int
copy_file(const char *from, const char *to, off_t len)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int ret = -1;
	ssize_t n;

	if (in < 0 || out < 0)
		goto out;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			goto out;
	if (n < 0 || (len >= 0 && ftruncate(out, len) != 0))
		goto out;
	ret = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return ret;
}

/* Counter @p c of store @p s. */
static inline uint64_t
store_ctr(const struct sl_store *s, enum sl_store_counter c)
{
	return sl_store_counters(s).val[c];
}

static int store_damage_count;

static inline void
store_on_damage(void *arg, const struct sl_reader_damage *d)
{
	RTE_SET_USED(arg);
	store_damage_count++;
	fprintf(stderr, "# damage %s @%" PRIu64 ": %s\n", d->segment, d->offset, d->what);
}

/*
 * Read @p path with verify: the records must be r's records listed in
 * @p which (NULL: first..first+n-1), in order, of shard 3, seq
 * first..first+n-1, and nothing damaged.
 */
static inline int
store_read_from(const char *path, const struct recs *r, const uint32_t *which,
		uint32_t first, uint32_t n)
{
	struct sl_reader_params p = { .verify = 1, .on_damage = store_on_damage };
	const char *paths[] = { path };
	struct sl_reader_rec rec;
	struct sl_reader *rd;
	uint32_t got = 0;
	char err[256];
	int rc;

	store_damage_count = 0;
	rd = sl_reader_open(paths, 1, &p, err, sizeof(err));
	if (rd == NULL)
		SL_FAIL("reader: %s", err);
	while ((rc = sl_reader_next(rd, &rec)) == 1) {
		uint32_t i = which ? which[got] : first + got;

		if (got >= n || rec.seq != first + got || rec.shard != 3 ||
		    memcmp(rec.rec, r->buf + r->off[i], rec_size_at(r, i)) != 0) {
			sl_reader_free(rd);
			SL_FAIL("record %u differs or is extra (seq %" PRIu64 ")", got, rec.seq);
		}
		got++;
	}
	sl_reader_free(rd);
	SL_ASSERT_EQ(rc, 0);
	SL_ASSERT_EQ(got, n);
	SL_ASSERT_EQ(store_damage_count, 0);
	return 0;
}

/* store_read_from() from record 0. */
static inline int
store_read_expect(const char *path, const struct recs *r, const uint32_t *which,
		  uint32_t n)
{
	return store_read_from(path, r, which, 0, n);
}

#endif /* STORE_TEST_UTIL_H */

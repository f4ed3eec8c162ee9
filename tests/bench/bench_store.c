/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Store micro-benchmark: syslog-like records of ~140 bytes through
 * sl_store_append (batch -> zstd frame -> segment file), per zstd level.
 * Prints raw MB/s (record bytes in), msg/s, ratio, and the pure
 * ZSTD_compress2 speed on one batch. Then the write path: O_DIRECT vs
 * buffered, driven as the writer lcore does (can_take / append / work),
 * --fsync seal, until everything is on disk: MB/s of compressed output
 * (wall clock), CPU-seconds per MB out of the calling thread (the writer
 * lcore) and of the whole process (io_uring workers included).
 *
 *   bench_store [DIR [SECONDS]]     (DIR default /tmp; files are removed
 *                                    unless SL_BENCH_KEEP is set)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>

#include "sl_record.h"
#include "sl_store.h"

/* 48 distinct 64 KiB chunks: no 1 MiB batch repeats itself. */
#define NCHUNK 48

static double
clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU time of this thread: the machine may be shared while measuring. */
static double
now(void)
{
	return clock_s(CLOCK_THREAD_CPUTIME_ID);
}

static const char *hosts[] = { "web01", "web02", "db-primary", "lb-edge-3", "auth" };
static const char *apps[] = { "nginx", "sshd", "postgres", "haproxy", "kernel", "CRON" };
static const char *words[] = { "connection", "accepted", "from", "user", "request",
	"GET", "/api/v1/items", "status=200", "latency_ms=12", "session", "closed",
	"timeout", "retry", "upstream", "10.2.3.4", "port", "51234", "ok", "failed" };

/* One chunk of records, ~140 bytes of message on average. */
static size_t
make_chunk(uint8_t *buf, size_t cap, uint32_t *nrec, uint64_t *t)
{
	size_t len = 0;

	*nrec = 0;
	while (len + 64 + 300 < cap) {
		struct sl_rec h;
		char msg[300];
		int n, w;

		n = snprintf(msg, sizeof(msg), "<%d>Nov 23 04:41:%02d %s %s[%d]:",
			     8 + rand() % 160, rand() % 60, hosts[rand() % 5],
			     apps[rand() % 6], 100 + rand() % 30000);
		for (w = 0; n < 118 + rand() % 60; w++)
			n += snprintf(msg + n, sizeof(msg) - n, " %s",
				      words[rand() % (sizeof(words) / sizeof(words[0]))]);
		memset(&h, 0, sizeof(h));
		h.len = h.orig_len = n;
		h.rx_ns = (*t += 300 + rand() % 200);
		h.src[10] = h.src[11] = 0xff;
		h.src[12] = 10; h.src[15] = rand() % 8;
		h.dst[10] = h.dst[11] = 0xff;
		h.dst[12] = 10; h.dst[15] = 1;
		h.sport = 514; h.dport = 514;
		h.transport = SL_TRANSPORT_UDP;
		h.severity = rand() % 8; h.facility = rand() % 24;
		memcpy(buf + len, &h, sizeof(h));
		memcpy(buf + len + sizeof(h), msg, n);
		len += sizeof(h) + n;
		(*nrec)++;
	}
	return len;
}

int
main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	double secs = argc > 2 ? atof(argv[2]) : 1.0;
	static uint8_t chunk[NCHUNK][64 << 10];
	size_t clen[NCHUNK];
	uint32_t cn[NCHUNK];
	uint64_t cmin[NCHUNK], cmax[NCHUNK];
	uint64_t t = 1795000000000000000ull;
	int levels[] = { 1, -1, 3 };
	unsigned int li, i;

	srand(1);
	for (i = 0; i < NCHUNK; i++) {
		cmin[i] = t + 1;
		clen[i] = make_chunk(chunk[i], sizeof(chunk[i]), &cn[i], &t);
		cmax[i] = t;
	}
	printf("message ~%zu bytes + 64-byte header, batch 1 MiB; MB/s per CPU-second\n",
	       clen[0] / cn[0] - 64);
	for (li = 0; li < sizeof(levels) / sizeof(levels[0]); li++) {
		char root[512], cmd[600];
		struct sl_store_params p = {
			.root = root, .tenant = "default", .stream = "default",
			.zstd_level = levels[li], .batch_size = 1 << 20,
			.segment_size = 256ull << 20, .fsync = SL_FSYNC_NONE,
		};
		struct sl_store *s;
		struct sl_ctr_set cs;
		double t0, t1;
		uint64_t recs, in, out;

		snprintf(root, sizeof(root), "%s/sl-bench-%d-%d", dir, (int)getpid(), levels[li]);
		s = sl_store_create(&p);
		if (s == NULL) {
			fprintf(stderr, "cannot create store in %s\n", root);
			return 1;
		}
		t0 = now();
		do {
			for (i = 0; i < 64; i++)
				sl_store_append(s, chunk[i % NCHUNK], clen[i % NCHUNK], cn[i % NCHUNK],
						cmin[i % NCHUNK], cmax[i % NCHUNK]);
			t1 = now();
		} while (t1 - t0 < secs);
		sl_store_flush(s);
		t1 = now();
		cs = sl_store_counters(s);
		recs = cs.val[SL_STORE_records];
		in = cs.val[SL_STORE_bytes_in];
		out = cs.val[SL_STORE_bytes_out];
		sl_store_free(s);
		printf("store level %2d: %8.1f MB/s in, %6.2f Mmsg/s, ratio %.2f, %.1f ns/msg\n",
		       levels[li], in / (t1 - t0) / 1e6, recs / (t1 - t0) / 1e6,
		       (double)in / out, (t1 - t0) * 1e9 / recs);

		if (!getenv("SL_BENCH_KEEP")) {
			snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
			if (system(cmd) != 0)
				return 1;
		}
	}
	/* The write path: O_DIRECT vs buffered, as the writer drives it. */
	printf("write path, batch 1 MiB, segments 256 MiB, --fsync seal, %s:\n", dir);
	for (li = 0; li < 4; li++) {
		char root[512], cmd[600];
		struct sl_store_params p = {
			.root = root, .tenant = "default", .stream = "default",
			/* level -100: little compression work, the writes show */
			.zstd_level = li < 2 ? 1 : -100, .batch_size = 1 << 20,
			.segment_size = 256ull << 20, .fsync = SL_FSYNC_SEAL,
			.buffered = li % 2 == 1,
		};
		double w0, c0, p0, w1, c1, p1, mb;
		struct sl_ctr_set cs;
		struct sl_store *s;
		uint64_t k = 0, direct, inflight, maxus;

		snprintf(root, sizeof(root), "%s/sl-bench-%d-io%u", dir, (int)getpid(), li);
		s = sl_store_create(&p);
		if (s == NULL) {
			fprintf(stderr, "cannot create store in %s\n", root);
			return 1;
		}
		w0 = clock_s(CLOCK_MONOTONIC);
		c0 = now();
		p0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
		do {
			i = k % NCHUNK;
			if (sl_store_can_take(s, clen[i])) {
				sl_store_append(s, chunk[i], clen[i], cn[i], cmin[i], cmax[i]);
				k++;
			} else {
				sl_store_work(s, 64 << 10);
			}
			if (sl_store_busy(s))
				sl_store_work(s, 64 << 10);
		} while (clock_s(CLOCK_MONOTONIC) - w0 < secs);
		sl_store_seal(s);
		cs = sl_store_counters(s);
		mb = cs.val[SL_STORE_bytes_out] / 1e6;
		direct = cs.val[SL_STORE_direct_io];
		inflight = cs.val[SL_STORE_max_writes_inflight];
		maxus = cs.val[SL_STORE_max_write_us];
		sl_store_free(s);               /* waits for the fsyncs */
		w1 = clock_s(CLOCK_MONOTONIC);
		c1 = now();
		p1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
		printf("level %4d %-9s: %7.1f MB/s out, %.4f CPU-s/MB writer thread, %.4f CPU-s/MB process, "
		       "max in flight %" PRIu64 ", longest submit %" PRIu64 " us\n",
		       p.zstd_level, direct ? "O_DIRECT" : "buffered", mb / (w1 - w0), (c1 - c0) / mb,
		       (p1 - p0) / mb, inflight, maxus);
		if (!getenv("SL_BENCH_KEEP")) {
			snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
			if (system(cmd) != 0)
				return 1;
		}
	}
	/* The compressor alone, one 1 MiB batch, context reused. */
	for (li = 0; li < sizeof(levels) / sizeof(levels[0]); li++) {
		static uint8_t batch[1 << 20], outb[ZSTD_COMPRESSBOUND(1 << 20)];
		ZSTD_CCtx *cc = ZSTD_createCCtx();
		size_t blen = 0, r = 0;
		int iters = 0;
		double t0, t1;

		for (i = 0; blen + sizeof(chunk[0]) <= sizeof(batch); i++) {
			memcpy(batch + blen, chunk[i % NCHUNK], clen[i % NCHUNK]);
			blen += clen[i % NCHUNK];
		}
		ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, levels[li]);
		ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
		t0 = now();
		do {
			r = ZSTD_compress2(cc, outb, sizeof(outb), batch, blen);
			iters++;
			t1 = now();
		} while (t1 - t0 < secs);
		printf("zstd_compress2 level %2d: %8.1f MB/s, ratio %.2f\n", levels[li],
		       (double)blen * iters / (t1 - t0) / 1e6, (double)blen / r);
		ZSTD_freeCCtx(cc);
	}
	return 0;
}

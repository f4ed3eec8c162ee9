/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The shard store's insides, shared by store.c (batches, compression, the
 * public API), store_segment.c (segment files, writes, fsync, the index)
 * and store_recover.c (repair at start-up). Not a public header.
 */
#ifndef SL_STORE_PRIVATE_H
#define SL_STORE_PRIVATE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <liburing.h>
#include <zstd.h>

#include "sl_common.h"
#include "sl_segment.h"
#include "sl_store.h"

extern int sl_store_logtype;
#define STORE_LOG(level, ...) SL_LOG(sl_store_logtype, level, "store", __VA_ARGS__)

/* A single record is stored even when larger than batch_size, up to this. */
#define STORE_MAX_REC (sizeof(struct sl_rec) + 65536u)

struct sl_store {
	uint64_t ctr[SL_STORE_NB_CTR];
	char instance[32];
	char dir[PATH_MAX];
	char tenant[SL_SEG_NAME_MAX + 1];
	char stream[SL_SEG_NAME_MAX + 1];
	uint16_t shard;
	uint32_t batch_size;
	uint64_t segment_size;
	enum sl_fsync_mode fsync;
	uint32_t fsync_interval_ms;
	int dirfd;

	ZSTD_CCtx *cctx;
	uint8_t *buf;           /* batch: sl_batch_hdr + records */
	size_t buf_cap;
	size_t blen;            /* bytes in buf, header included */
	uint32_t bnrec;
	uint64_t bmin, bmax;
	uint8_t *out;           /* compressed frame */
	size_t out_cap;

	/* The sealed batch being compressed, a slice per sl_store_work() call,
	 * while new records fill buf: a writer beside a worker never stops
	 * the worker's RX for a whole batch. */
	uint8_t *cbuf;          /* sealed batch (buffers swap at seal) */
	size_t clen;            /* its bytes, header included */
	size_t cpos;            /* bytes handed to zstd so far */
	size_t copos;           /* compressed bytes produced so far */
	struct sl_batch_hdr chdr;
	int cbusy;              /* a sealed batch is being compressed */

	uint64_t next_seq;      /* seq of the next record stored */

	/* The open segment (fd < 0: none). */
	int fd;
	uint64_t seg_off;       /* end of the last whole frame */
	uint64_t seg_first_seq;
	char seg_path[PATH_MAX + 64];
	struct sl_seg_idx_ent *idx;
	uint32_t nidx, idx_cap;
	int dirty;              /* written since the last fsync */
	uint64_t last_fsync_ms;

	/* fsyncs run through io_uring: the writer lcore (which may carry a
	 * worker) never waits for the disk. A sealed segment's fd is closed
	 * when its fsync completes. Without io_uring, they run inline. */
	struct io_uring ring;
	int ring_ok;
	unsigned int fsyncs_inflight;
};

/* io_uring user_data: the fd, and whether to close it when done. */
#define FSYNC_CLOSE (1ull << 32)

/* store_segment.c */
uint64_t store_now_ns(void);
int store_mkdir_p(const char *path);
int store_write(struct sl_store *s, const void *buf, size_t len);
void store_count_drop(struct sl_store *s, int err, uint64_t nrec);
void store_fsync_reap(struct sl_store *s, bool wait);
int store_fsync_submit(struct sl_store *s, int fd, bool close_after);
int store_segment_open(struct sl_store *s);
int store_segment_seal(struct sl_store *s);
int store_idx_reserve(struct sl_store *s);

/* store_recover.c */
int store_recover_dir(struct sl_store *s);

#endif /* SL_STORE_PRIVATE_H */

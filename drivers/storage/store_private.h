/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The shard store's insides, shared by store.c (batches, compression, the
 * public API), store_segment.c (segment files, writes, fsync, the index)
 * and store_recover.c (repair at start-up, the O_DIRECT probe). Not a
 * public header.
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

/* Writes are aligned to this in O_DIRECT mode (offset, length, memory). */
#define STORE_ALIGN 4096u

/*
 * Output buffers per store: the compressor fills one while the frames before
 * it are in flight (io_uring), or kept while the disk is full. They are also
 * the disk-full bound: STORE_NSLOT compressed frames plus the open batch.
 */
#define STORE_NSLOT 4

/* While the disk is full, the oldest kept frame is retried this often. */
#define STORE_RETRY_MS 200

/* Segments are preallocated (fallocate, KEEP_SIZE) this much ahead. */
#define STORE_PREALLOC_STEP (64ull << 20)
#define STORE_PREALLOC_MIN (1ull << 20)

enum store_slot_state {
	SLOT_FREE,
	SLOT_FILL,      /* the compressor writes into it */
	SLOT_READY,     /* a whole frame queued, not submitted (or kept) */
	SLOT_INFLIGHT,  /* its write is in the kernel */
	SLOT_DONE,      /* its write completed (res) */
};

/* One output buffer: [STORE_ALIGN headroom][frame][padding]. The headroom
 * takes the segment header block when the frame starts a segment, so the
 * header goes out with the first frame, in the same write. */
struct store_slot {
	uint8_t *buf;
	uint32_t csize;         /* frame bytes at buf + STORE_ALIGN */
	uint32_t len;           /* frame + padding */
	uint32_t hlen;          /* header block bytes written before the frame */
	int state;
	int res;                /* DONE: 0 or -errno */
	uint64_t off;           /* file offset of the write (header block included) */
	uint64_t t0;            /* ns, when submitted */
	struct sl_batch_hdr b;
};

struct sl_store {
	uint64_t ctr[SL_STORE_NB_CTR];
	char instance[32];
	char dir[PATH_MAX];
	char tenant[SL_SEG_NAME_MAX + 1];
	char stream[SL_SEG_NAME_MAX + 1];
	uint16_t shard;
	uint32_t batch_size;
	uint32_t max_append;    /* largest run appended in one go (a chunk) */
	uint64_t segment_size;
	uint64_t segment_age_ms;
	enum sl_fsync_mode fsync;
	uint32_t fsync_interval_ms;
	int dirfd;
	int direct;             /* segments opened with O_DIRECT */
	uint32_t align;         /* STORE_ALIGN when direct, else 1 (no padding) */
	int (*fault)(void *arg, uint64_t off, uint32_t len);
	void *fault_arg;

	ZSTD_CCtx *cctx;
	uint8_t *buf;           /* batch: sl_batch_hdr + records */
	size_t buf_cap;
	size_t blen;            /* bytes in buf, header included */
	uint32_t bnrec;
	uint64_t bmin, bmax;
	size_t out_cap;         /* compressed frame bound */

	/* The sealed batch being compressed, a slice per sl_store_work() call,
	 * while new records fill buf: a writer beside a worker never stops
	 * the worker's RX for a whole batch. Its frame goes to slot[cslot]. */
	uint8_t *cbuf;          /* sealed batch (buffers swap at seal) */
	size_t clen;            /* its bytes, header included */
	size_t cpos;            /* bytes handed to zstd so far */
	size_t copos;           /* compressed bytes produced so far */
	struct sl_batch_hdr chdr;
	int cbusy;              /* a sealed batch is being compressed */
	int cslot;

	/* Whole frames in file order: q[(qhead + i) % STORE_NSLOT], i < qlen.
	 * The first nsub were submitted (in flight or done), the rest wait. */
	struct store_slot slot[STORE_NSLOT];
	uint8_t q[STORE_NSLOT];
	unsigned int qhead, qlen, nsub;
	unsigned int winflight; /* data writes in the kernel */
	int failed;             /* first error among submitted writes */
	int dfull;              /* disk full: kept frames wait for a retry */
	int probe;              /* disk full: one retry write allowed */
	uint64_t retry_ms;

	uint64_t next_seq;      /* seq of the next record written */
	uint64_t seal_seq;      /* seq of the next batch sealed */

	/* The open segment (fd < 0: none). */
	int fd;
	uint64_t seg_off;       /* end of the written frames (no gap before it) */
	uint64_t sub_off;       /* end of the submitted writes */
	uint64_t prealloc_end;
	int prealloc_off;       /* fallocate failed: not again for this segment */
	int falloc_inflight;    /* a fallocate is in the kernel */
	uint64_t seg_first_seq;
	char seg_path[PATH_MAX + 64];
	struct sl_seg_idx_ent *idx;
	uint32_t nidx, idx_cap;
	int dirty;              /* written since the last fsync */
	int seg_dir_synced;     /* the open segment's directory entry is fsynced */
	int rotate;             /* seal once the writes in flight are done */
	uint64_t last_fsync_ms;
	uint64_t now_ms;        /* last sl_store_tick() time */
	uint64_t seg_open_ms;   /* tick time the segment was opened (0: unknown yet) */

	/* The seal write (index + trailer) of the previous segment, in flight. */
	uint8_t *seal_buf;
	size_t seal_cap;
	int seal_fd;            /* < 0: none in flight */
	int seal_state;         /* SLOT_INFLIGHT, SLOT_DONE (seal_res) or SLOT_FREE */
	int seal_res;
	uint32_t seal_len, seal_pad;
	uint64_t seal_off;      /* where the seal write starts (cut back there) */
	char seal_path[PATH_MAX + 64];

	/* Writes and fsyncs run through io_uring: the writer lcore (which may
	 * carry a worker) never waits for the disk. A sealed segment's fd is
	 * closed when its fsync completes. Without io_uring, they run inline. */
	struct io_uring ring;
	int ring_ok;
	unsigned int fsyncs_inflight;

	/* Published for the forwarder (NULL: nobody reads); see sl_store_pub.
	 * pub_seg/pub_end: the open segment as published, UINT64_MAX: none. */
	struct sl_store_pub *pub;
	uint64_t pub_seg, pub_end, pub_prev, pub_prev_end;
	uint64_t pub_frames, pub_bytes;
};

/* io_uring user_data: an fsync (the fd, and whether to close it when done),
 * a frame write (the slot), the seal write, or a no-op (an SQE taken for a
 * write that did not go: the test fault hook, no memory). */
#define FSYNC_CLOSE (1ull << 32)
#define UD_WRITE    (1ull << 62)
#define UD_SEAL     (1ull << 61)
#define UD_NOP      (1ull << 60)
#define UD_FALLOC   (1ull << 59)

static inline uint64_t
store_round_up(uint64_t v, uint32_t a)
{
	return (v + a - 1) / a * a;
}

/* store_segment.c */
uint64_t store_now_ns(void);
void store_publish(struct sl_store *s);
void store_publish_close(struct sl_store *s);
int store_mkdir_p(const char *path);
void store_count_drop(struct sl_store *s, int err, uint64_t nrec);
int store_fsync_submit(struct sl_store *s, int fd, bool close_after);
int store_idx_reserve(struct sl_store *s, uint32_t need);
void store_queue_frame(struct sl_store *s);
int store_progress(struct sl_store *s, bool wait);
int store_drain(struct sl_store *s);
int store_retry(struct sl_store *s, bool now);
int store_segment_seal_wait(struct sl_store *s);
void store_io_wait_all(struct sl_store *s);
int store_free_slot(const struct sl_store *s);
long store_seal_build(struct sl_store *s, uint64_t off);

/* store_recover.c */
int store_seal_sync(struct sl_store *s, int fd, uint64_t off);
void store_probe_direct(struct sl_store *s, const char *root, bool buffered);
void store_direct_off(struct sl_store *s, const char *where);
int store_recover_dir(struct sl_store *s);

/* store.c */
void store_batch_renumber(struct sl_store *s);

#endif /* SL_STORE_PRIVATE_H */

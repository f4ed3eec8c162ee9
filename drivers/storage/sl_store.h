/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Shard store: the writer side of one shard. Records are gathered into a
 * batch; a batch becomes one zstd frame (with content checksum) appended to
 * the shard's open segment through io_uring (O_DIRECT where the filesystem
 * takes it: frames padded to 4 KiB with skippable frames; buffered
 * otherwise), several writes in flight; segments are preallocated, rotate
 * at --segment-size or --segment-age and are sealed with an index.
 * docs/FORMAT.md holds the bytes.
 *
 * Disk full (ENOSPC, EDQUOT): appends stop, up to STORE_NSLOT (4) compressed
 * frames and the open batch are kept in memory, records beyond that are
 * dropped and counted (drop_disk_full); sl_store_tick() retries the oldest
 * kept frame every 200 ms and writing resumes, in order, without a gap in
 * the sequence numbers.
 *
 * One handle per shard, used by exactly one writer lcore. Nothing here is
 * called per message: the writer hands over whole chunks of records.
 */
#ifndef SL_STORE_H
#define SL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sl_counters.h"
#include "sl_record.h"

struct sl_store;

/**
 * What a store tells a reader in another thread (the Kafka forwarder) about
 * the frames it has written, without either side waiting: a sequence lock
 * (one writer: the store's writer lcore). Read it with sl_store_pub_read().
 * A frame counts once its write completed (it survives a crash of sluice;
 * the --fsync policy decides when it survives a crash of the host).
 */
struct sl_store_pub {
	uint32_t gen;        /**< odd while the writer updates the rest */
	uint64_t seg;        /**< first seq (file name) of the open segment;
				  UINT64_MAX: none open */
	uint64_t end;        /**< bytes of it that hold whole written frames
				  (padding included): read up to here */
	uint64_t prev_seg;   /**< the segment closed last (UINT64_MAX: none) */
	uint64_t prev_end;   /**< its frames end here (seal follows) */
	uint64_t next_seq;   /**< seq of the next record to be stored */
	uint64_t frames;     /**< frames written by this run */
	uint64_t bytes;      /**< their compressed bytes (the frames alone) */
} __attribute__((aligned(64)));

/** Take a consistent copy of @p p (retries while the writer updates it). */
static inline void
sl_store_pub_read(const struct sl_store_pub *p, struct sl_store_pub *out)
{
	uint32_t g1, g2;

	do {
		g1 = __atomic_load_n(&p->gen, __ATOMIC_ACQUIRE);
		out->seg = __atomic_load_n(&p->seg, __ATOMIC_RELAXED);
		out->end = __atomic_load_n(&p->end, __ATOMIC_RELAXED);
		out->prev_seg = __atomic_load_n(&p->prev_seg, __ATOMIC_RELAXED);
		out->prev_end = __atomic_load_n(&p->prev_end, __ATOMIC_RELAXED);
		out->next_seq = __atomic_load_n(&p->next_seq, __ATOMIC_RELAXED);
		out->frames = __atomic_load_n(&p->frames, __ATOMIC_RELAXED);
		out->bytes = __atomic_load_n(&p->bytes, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		g2 = __atomic_load_n(&p->gen, __ATOMIC_RELAXED);
	} while ((g1 & 1) || g1 != g2);
	out->gen = g1;
}

/** fsync policy (--fsync). */
enum sl_fsync_mode {
	SL_FSYNC_NONE,      /**< never: the kernel writes back when it likes */
	SL_FSYNC_SEAL,      /**< when a segment is sealed */
	SL_FSYNC_INTERVAL,  /**< every fsync_interval_ms (and at seal) */
};

#define SL_STORE_COUNTERS(X) \
	X(records,          "records stored") \
	X(bytes_in,         "record bytes stored (uncompressed, headers included)") \
	X(frames,           "zstd frames (batches) written") \
	X(bytes_out,        "bytes written to segments") \
	X(segments_opened,  "segments created") \
	X(segments_sealed,  "segments sealed") \
	X(fsyncs,           "fsyncs started (through io_uring: the writer does not wait)") \
	X(fsync_errors,     "fsyncs that failed (data may not be durable; see the log)") \
	X(max_write_us,     "longest hand-over of one write to the kernel, us (a gauge: the writer lcore waits that long)") \
	X(max_write_lat_us, "longest time from submitting a write to its completion, us (the writer does not wait)") \
	X(writes_inflight,  "frame writes in the kernel now (a gauge)") \
	X(max_writes_inflight, "most frame writes in the kernel at once (a gauge)") \
	X(direct_io,        "1: segments written with O_DIRECT, 0: buffered (a gauge)") \
	X(pad_bytes,        "padding bytes written to keep writes block-aligned (O_DIRECT)") \
	X(segments_aged,    "segments sealed because they reached --segment-age") \
	X(disk_full_events, "times the disk was found full (writes stop, frames are kept, retried every 200 ms)") \
	X(disk_full_retries, "writes retried while the disk was full") \
	X(recovered_segments, "unsealed segments repaired at start-up") \
	X(recovered_bytes_cut, "torn tail bytes cut at start-up") \
	X(drop_write_error, "records lost to write errors other than a full disk") \
	X(drop_disk_full,   "records lost because the disk was full") \
	X(drop_compress_error, "records lost to compression errors") \
	X(drop_too_big,     "records larger than the batch buffer (max(batch_size, 64 KiB) + header)")

/** Counter index: SL_STORE_<name>. */
#define SL_STORE_CTR_ENUM(name, help) SL_STORE_ ## name,
enum sl_store_counter {
	SL_STORE_COUNTERS(SL_STORE_CTR_ENUM)
	SL_STORE_NB_CTR
};

/** Creation parameters. */
struct sl_store_params {
	const char *root;          /**< --out directory */
	const char *tenant;        /**< "default" until tenants exist */
	const char *stream;        /**< "default" until streams exist */
	uint16_t shard;            /**< shard number: directory shard-NN */
	int zstd_level;            /**< --zstd-level */
	uint32_t batch_size;       /**< --batch-size: raw bytes per frame (target) */
	uint64_t segment_size;     /**< --segment-size: rotate after this many bytes */
	uint64_t segment_age_ms;   /**< --segment-age: rotate a segment this old (0: never) */
	uint32_t max_append;       /**< largest run one append brings (a chunk); the batch
	                            *   buffer holds it whole even above batch_size, so an
	                            *   append never waits for a write (0: batch_size) */
	enum sl_fsync_mode fsync;  /**< --fsync */
	uint32_t fsync_interval_ms;/**< for SL_FSYNC_INTERVAL */
	int socket_id;             /**< memory placement */
	bool buffered;             /**< never use O_DIRECT (benchmarks, tests) */
	/**
	 * Test hook, NULL in sluice: called before each frame write; a
	 * negative return fails that write with that -errno instead of
	 * writing it (e.g. -ENOSPC to fake a full disk).
	 */
	int (*write_fault)(void *arg, uint64_t off, uint32_t len);
	void *write_fault_arg;     /**< for write_fault */
	/** Where to publish the written frames for a reader (the Kafka
	 * forwarder); NULL: nowhere. Must outlive the store. */
	struct sl_store_pub *pub;
};

/**
 * Open a shard store: create its directory, repair an unsealed segment left
 * by a crash (cut the torn tail, seal it), continue the shard's sequence
 * numbers after the last stored record.
 * @return handle, or NULL with rte_errno set (EINVAL, ENOMEM, EACCES, ...).
 */
struct sl_store *sl_store_create(const struct sl_store_params *p);

/** Flush, seal the open segment, close and free. NULL is a no-op. */
void sl_store_free(struct sl_store *s);

/**
 * Append whole records (contiguous, struct sl_rec + bytes each). When the
 * open batch would pass batch_size it is compressed and written first.
 * @param recs    first record
 * @param len     bytes of all records
 * @param nrec    number of records (exact: it goes into the index)
 * @param min_ns  smallest rx_ns among them (exact)
 * @param max_ns  largest rx_ns among them (exact); runs larger than a
 *                batch are split and their range taken from the records
 * @return 0, or -errno when records were lost (counted under their reason).
 */
int sl_store_append(struct sl_store *s, const void *recs, uint32_t len,
		    uint32_t nrec, uint64_t min_ns, uint64_t max_ns);

/**
 * Compress and write everything: a sealed batch still being compressed,
 * then the open batch if it holds any record (shutdown). Compresses a whole
 * batch at once: loops that share an lcore with RX use
 * sl_store_seal_batch() and sl_store_work() instead.
 * @return 0 or -errno.
 */
int sl_store_flush(struct sl_store *s);

/*
 * Compression in slices. A full batch is sealed (its header written) and
 * compressed by sl_store_work() a slice at a time while new records fill a
 * second buffer; a writer that shares its lcore with a worker gives each
 * call a small budget so RX is polled between slices. If nobody calls
 * sl_store_work(), the next seal (or a flush) finishes the batch at once,
 * so simple callers need not care.
 */

/**
 * Compress up to @p budget more bytes of the sealed batch; when its frame is
 * complete, queue its write. Also takes finished writes and submits queued
 * ones, never waiting for the disk.
 * @return 1 when work remains (compression, or writes in flight), 0 when
 *         idle, -errno when records were lost (counted).
 */
int sl_store_work(struct sl_store *s, size_t budget);

/**
 * Seal the open batch for sl_store_work() (the --flush-ms path), unless
 * it is empty or another batch is still being compressed (then call again
 * later). @return 0 or -errno.
 */
int sl_store_seal_batch(struct sl_store *s);

/**
 * True when appending @p len bytes now cannot make the caller wait for a
 * compression in progress or for a write in flight. While the disk is full
 * it is true: what does not fit the bound is dropped and counted.
 */
bool sl_store_can_take(const struct sl_store *s, uint32_t len);

/**
 * True while a sealed batch is being compressed or frame writes are in
 * flight: the caller should call sl_store_work(), which also reaps
 * completions without waiting.
 */
bool sl_store_busy(const struct sl_store *s);

/**
 * Flush the open batch and seal the open segment now (shutdown, before the
 * final counters). The next append opens a new segment. With the disk
 * still full, what the store keeps in memory is counted lost
 * (drop_disk_full) here.
 * @return 0 or -errno.
 */
int sl_store_seal(struct sl_store *s);

/**
 * Periodic duties: reap completions, fsync interval, rotation at
 * segment_age_ms, the disk-full retry. @p now_ms is a monotonic clock in ms.
 * @return 0 or -errno.
 */
int sl_store_tick(struct sl_store *s, uint64_t now_ms);

/**
 * Number the next record @p seq, above the store's own next seq: after a
 * host crash the segments may end before records the Kafka forwarder had
 * already shipped (their write completed, their fsync had not); their
 * numbers stay taken so that a batch id never names two batches. Only
 * before anything is appended. Logged at WARNING.
 * @return 0 (also when @p seq is not above), -EBUSY after an append.
 */
int sl_store_skip_to(struct sl_store *s, uint64_t seq);

/** Bytes in the open batch not yet written. */
uint32_t sl_store_pending(const struct sl_store *s);

/** The counters of this shard (SL_STORE_NB_CTR values). */
struct sl_ctr_set sl_store_counters(const struct sl_store *s);

/** What the control plane may ask of a store while its writer runs (plain
 * reads of ints the writer sets: a moment stale at worst). */
struct sl_store_state {
	bool disk_full;     /**< appends stopped: the disk is full */
	bool segment_open;  /**< a segment is open */
	uint32_t frames_kept; /**< compressed frames waiting (in flight or kept) */
};

/** The state of @p s now. */
void sl_store_state(const struct sl_store *s, struct sl_store_state *st);

#endif /* SL_STORE_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Shard stage, worker side. A flow hash picks a shard; the record is
 * written straight into the worker's open chunk for that shard; a full or
 * aged chunk goes to the (worker, shard) ring, single-producer and
 * single-consumer. A flow is pinned to one worker (RSS) and one shard (its
 * hash), and a shard to one writer, so a flow's records stay in order.
 *
 * When a ring is full the chunk waits in a short per-shard backlog; when the
 * backlog is full too, new records for that shard are dropped and counted
 * (drop_ring_full). RX never waits for a writer.
 */
#ifndef SL_SHARD_H
#define SL_SHARD_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>
#include <rte_ring.h>

#include "sl_counters.h"
#include "sl_record.h"

/* Chunks a shard may keep when its ring is full. Small: it absorbs a
 * writer's hiccup, not a writer that cannot keep up. It holds more than
 * one RX burst can fill, so a worker that pauses RX while anything waits
 * here (rx backpressure) never drops. */
#define SL_SHARD_BACKLOG 40

/* A sender that can wait (TCP) is held back once a shard's backlog is this
 * long, so the rest of the backlog stays for those that cannot (UDP). */
#define SL_SHARD_HOLD_AT (SL_SHARD_BACKLOG / 2)

/** Destinations (tenant x stream) a worker keeps chunks open for, per
 * shard: each is a store of its own on the writer side. */
#define SL_SHARD_MAX_STREAMS 256
#define SL_SHARD_MASK_WORDS (SL_SHARD_MAX_STREAMS / 64)

/** A chunk of records on its way from a worker to a writer. */
struct sl_chunk {
	uint32_t used;       /**< bytes of records in data[] */
	uint32_t nrec;       /**< records in data[] */
	uint64_t min_ns;     /**< smallest rx_ns */
	uint64_t max_ns;     /**< largest rx_ns */
	uint64_t opened;     /**< TSC when the first record went in */
	uint16_t shard;      /**< destination shard */
	uint16_t worker;     /**< producing worker index */
	uint32_t cap;        /**< capacity of data[] */
	uint16_t stream;     /**< destination (tenant x stream) of every record in it */
	uint16_t tenant;     /**< tenant of every record in it */
	/** With fair sharing: the (worker, shard, tenant) count of bytes of
	 * chunks taken; the writer adds used when it takes the chunk
	 * (sl_shard_chunk_done()). NULL without. */
	uint32_t *done;
	uint8_t data[] __rte_cache_aligned;
};

#define SL_SHARD_COUNTERS(X) \
	X(records,        "records written into chunks") \
	X(bytes,          "message bytes written into chunks") \
	X(truncated,      "messages cut to --max-msg (stored, flagged)") \
	X(chunks_sent,    "chunks handed to writers") \
	X(ring_full,      "times a shard ring was full (chunk kept in backlog)") \
	X(drop_ring_full, "messages dropped: shard ring and backlog full (writers behind)") \
	X(drop_no_chunk,  "messages dropped: chunk pool empty") \
	X(held_back,      "TCP messages told to wait: shard backlog half full, chunk pool empty or tenant over its fair share (not lost)") \
	X(drop_fair_share, "messages dropped: shard congested and the tenant over its weighted share of it")

/** Counter index: SL_SHARD_<name>. */
#define SL_SHARD_CTR_ENUM(name, help) SL_SHARD_ ## name,
enum sl_shard_counter {
	SL_SHARD_COUNTERS(SL_SHARD_CTR_ENUM)
	SL_SHARD_NB_CTR
};

struct sl_shard_tx;

/** Worker-side parameters. */
struct sl_shard_params {
	uint16_t worker;              /**< worker index (for chunk headers) */
	uint16_t n_shards;            /**< number of shards */
	uint16_t n_streams;           /**< destinations (0 taken as 1, at most SL_SHARD_MAX_STREAMS):
	                               *   one open chunk per (shard, destination) */
	/** Tenants: destination d belongs to tenant d / streams_per_tenant.
	 * 0: a single tenant (0). */
	uint16_t streams_per_tenant;
	/** Fair sharing under congestion: the weight of each tenant
	 * (n_streams / streams_per_tenant of them), or NULL for none. */
	const uint32_t *weights;
	/** With weights: chunks a (worker, shard) queue holds (ring size +
	 * SL_SHARD_BACKLOG), and the writers' done counters,
	 * [shard][tenant] for this worker (sl_shard_done_size()). */
	uint32_t fair_cap;
	uint32_t *done;
	struct rte_ring *const *rings;/**< n_shards rings: this worker -> shard s */
	struct rte_mempool *pool;     /**< chunk pool (sl_shard_pool_create) */
	uint32_t max_msg;             /**< longest message kept (--max-msg) */
	uint64_t age_tsc;             /**< a chunk older than this is sent */
	int socket_id;
};

/**
 * Create the chunk pool shared by all workers and writers.
 * @param name     pool name
 * @param n        number of chunks
 * @param cap      data bytes per chunk (>= sizeof(struct sl_rec) + max_msg)
 * @param socket_id NUMA socket
 * @return pool, or NULL with rte_errno set.
 */
struct rte_mempool *sl_shard_pool_create(const char *name, unsigned int n,
					 uint32_t cap, int socket_id);

/**
 * Create a worker's shard stage.
 * @return handle, or NULL with rte_errno = EINVAL or ENOMEM.
 */
struct sl_shard_tx *sl_shard_tx_create(const struct sl_shard_params *p);

/** Free the handle; chunks it still holds go back to the pool (their
 * records are counted as drop_ring_full). NULL is a no-op. */
void sl_shard_tx_free(struct sl_shard_tx *tx);

/**
 * The shard of a flow hash: multiply-shift, stable across runs and
 * platforms for a given (hash, n).
 */
static inline uint16_t
sl_shard_of(uint32_t hash, uint16_t n)
{
	return (uint16_t)(((uint64_t)hash * n) >> 32);
}

/**
 * Reserve room for one record of @p len message bytes in the open chunk of
 * the flow's shard for @p stream. Chunks hold one stream each; a shard's
 * chunks of every stream share its ring, in order. The caller fills the returned header (all fields but
 * len/orig_len, which are set here) and copies min(len, max_msg) bytes to
 * (rec + 1), as given in *@p copy.
 *
 * @param tx     handle
 * @param hash   flow hash
 * @param stream stream id (< n_streams)
 * @param len    message length as received
 * @param rx_ns  receive time (for the chunk's time range)
 * @param now    TSC now (chunk age)
 * @param copy   bytes to copy after the header (<= len)
 * @return the record, or NULL when the message is dropped (counted).
 */
struct sl_rec *sl_shard_reserve(struct sl_shard_tx *tx, uint32_t hash,
				uint16_t stream, uint32_t len, uint64_t rx_ns, uint64_t now,
				uint32_t *copy);

/**
 * As sl_shard_reserve(), for a sender that can wait (TCP): instead of
 * dropping, or when the shard's backlog reaches SL_SHARD_HOLD_AT, return
 * NULL without losing anything (counted held_back); the caller offers the
 * message again later.
 */
struct sl_rec *sl_shard_reserve_hold(struct sl_shard_tx *tx, uint32_t hash,
				     uint16_t stream, uint32_t len, uint64_t rx_ns,
				     uint64_t now, uint32_t *copy);

/** Would sl_shard_reserve_hold() for this flow get past the backlog check?
 * A no is counted held_back. */
bool sl_shard_can_take(struct sl_shard_tx *tx, uint32_t hash);

/**
 * Send aged chunks and retry the backlog. Cheap; call every few
 * microseconds from the worker loop.
 */
void sl_shard_tx_poll(struct sl_shard_tx *tx, uint64_t now);

/**
 * Send every open chunk and as much of the backlog as the rings take.
 * @return number of chunks still waiting (call again later), 0 when all
 *         records are with the writers.
 */
unsigned int sl_shard_tx_flush(struct sl_shard_tx *tx);

/** Chunks waiting in backlogs because their rings were full. */
unsigned int sl_shard_tx_backlog(const struct sl_shard_tx *tx);

/** Why the last sl_shard_reserve*() returned NULL. */
enum sl_shard_why {
	SL_SHARD_WHY_FULL = 0,   /**< ring and backlog full, or backlog half full (hold) */
	SL_SHARD_WHY_NO_CHUNK,   /**< chunk pool empty */
	SL_SHARD_WHY_FAIR,       /**< shard congested, tenant over its share */
};
enum sl_shard_why sl_shard_why(const struct sl_shard_tx *tx);

/** uint32_t counters a worker's done array needs (n_shards x tenants). */
static inline size_t
sl_shard_done_size(uint16_t n_shards, uint32_t n_tenants)
{
	return (size_t)n_shards * n_tenants;
}

/** Writer side: @p c was taken from its ring (fair sharing accounting).
 * Only the writer of the chunk's shard calls it. */
static inline void
sl_shard_chunk_done(const struct sl_chunk *c)
{
	if (c->done != NULL)
		__atomic_store_n(c->done, *c->done + c->used, __ATOMIC_RELEASE);
}

/** The counters of this handle. */
struct sl_ctr_set sl_shard_counters(const struct sl_shard_tx *tx);

#endif /* SL_SHARD_H */

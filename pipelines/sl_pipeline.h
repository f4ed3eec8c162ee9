/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The loops that compose the stages. A worker owns one RX/TX queue pair,
 * a decode stage and a shard stage; a writer owns a set of shards (their
 * rings from every worker and their stores). An lcore runs any mix of
 * workers and writers, plus the control plane on the main lcore, so `-l 0`
 * and `-l 0,1` work as well as large lcore sets.
 *
 * Shutdown: the control plane sets stop_rx; each worker stops RX, sends its
 * open chunks (retrying while rings are full, never blocking the lcore) and
 * marks itself done; each writer, once every worker is done and its rings
 * are empty, flushes its stores and marks itself done; every lcore returns
 * when all its roles are done.
 */
#ifndef SL_PIPELINE_H
#define SL_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ring.h>

#include "sl_classify.h"
#include "sl_common.h"
#include "sl_counters.h"
#include "sl_decode.h"
#include "sl_shard.h"
#include "sl_store.h"
#include "sl_tcp.h"
#include "sl_tenant.h"

#define SL_WORKER_COUNTERS(X) \
	X(rx_bursts,    "non-empty RX bursts") \
	X(rx_pkts,      "packets received from the queue") \
	X(msgs,         "datagrams handed to the shard stage") \
	X(tx_pkts,      "replies transmitted (ARP, ND, ICMP, TCP)") \
	X(tx_failed,    "TCP segments the TX queue did not take (freed; ACKs are sent again)") \
	X(rx_paused,    "polls skipped: writers behind and RX backpressure on") \
	X(busy_cycles,  "TSC cycles spent on non-empty bursts") \
	X(max_gap_us,   "longest time between two RX polls, us (a gauge: stalls of this lcore)") \
	X(drop_no_tenant, "messages dropped: no tenant matched and the tenant file says 'default reject'") \
	X(bad_token,    "messages whose [sluice@32473 key=...] token no tenant has (resolved without it)")

#define SL_WORKER_CTR_ENUM(name, help) SL_WORKER_ ## name,
enum sl_worker_counter {
	SL_WORKER_COUNTERS(SL_WORKER_CTR_ENUM)
	SL_WORKER_NB_CTR
};

/* Per tenant, per worker (summed over workers in stats). received =
 * stored + the drop_* below + rule drops (filtered). */
#define SL_TENANT_COUNTERS(X) \
	X(msgs,            "messages of the tenant decided (stored or dropped)") \
	X(bytes,           "their bytes") \
	X(stored,          "messages stored") \
	X(stored_bytes,    "bytes stored (after --max-msg)") \
	X(filtered,        "messages dropped by a rule (on purpose)") \
	X(drop_rate_msgs,  "UDP messages dropped: over the tenant's message rate") \
	X(drop_rate_bytes, "UDP messages dropped: over the tenant's byte rate") \
	X(drop_fair_share, "UDP messages dropped: writers behind and the tenant over its weighted share") \
	X(drop_quota,      "messages dropped: over the disk quota (drop-newest)") \
	X(drop_ring_full,  "UDP messages dropped: writers behind, shard queue full") \
	X(held_rate,       "TCP messages told to wait: over a rate (not lost; counted per try)") \
	X(held_share,      "TCP messages told to wait: writers behind (not lost; counted per try)")

#define SL_TENANT_CTR_ENUM(name, help) SL_TCTR_ ## name,
enum sl_tenant_counter {
	SL_TENANT_COUNTERS(SL_TENANT_CTR_ENUM)
	SL_TCTR_NB
};

#define SL_WRITER_COUNTERS(X) \
	X(chunks,       "chunks taken from shard rings") \
	X(held,         "times a chunk waited: its store was still compressing") \
	X(records,      "records handed to stores") \
	X(flushes,      "batches flushed by age (--flush-ms)") \
	X(store_errors, "store calls that lost records (see store counters)") \
	X(busy_cycles,  "TSC cycles spent on non-empty polls")

#define SL_WRITER_CTR_ENUM(name, help) SL_WRITER_ ## name,
enum sl_writer_counter {
	SL_WRITER_COUNTERS(SL_WRITER_CTR_ENUM)
	SL_WRITER_NB_CTR
};

/** State shared by every loop of one run (read-mostly). */
struct sl_run {
	volatile int stop_rx;           /**< set by the control plane */
	volatile uint32_t workers_done; /**< workers that finished draining */
	uint32_t n_workers;             /**< workers in the run */
	uint64_t tsc_hz;                /**< rte_get_tsc_hz() */
	uint64_t batch_age_tsc;         /**< writer flushes a batch this old */
	uint64_t poll_tsc;              /**< interval of housekeeping polls */
};

/** Room to make a chained datagram contiguous for parse and rules (a UDP
 * payload is at most 65,507 bytes). */
#define SL_WORKER_LIN_MAX 65536

/** TCP segments a worker batches for one transmit. */
#define SL_WORKER_TXB 64

/** One worker. */
struct sl_worker {
	uint64_t ctr[SL_WORKER_NB_CTR];
	volatile uint64_t last_rx_tsc;  /**< for --idle-exit */
	uint16_t index;
	uint16_t port_id;
	uint16_t queue;
	volatile int done;
	int flushed;                    /**< reassembly emptied at stop */
	bool backpressure;              /**< pause RX instead of dropping when writers are behind */
	bool parse;                     /**< parse messages (severity, facility, parse-error) */
	struct sl_decode *decode;
	struct sl_classify_worker *cls; /**< rules, or NULL: everything kept in stream 0 */
	const struct sl_tenant_table *tenants; /**< --tenants, or NULL: all tenant 0 */
	struct sl_tenant_meter *meter;  /**< with tenants: this worker's leases */
	uint64_t (*tctr)[SL_TCTR_NB];   /**< with tenants: counters per tenant */
	const volatile uint8_t *over_quota; /**< with tenants: 1 = drop-newest quota reached */
	uint16_t n_streams;             /**< streams per tenant (destination = tenant x this + stream) */
	uint32_t *tdone;                /**< with tenants: writers' done counters (sl_shard_params.done) */
	struct sl_shard_tx *shard;
	struct sl_tcp *tcp;             /**< TCP stage, or NULL (no --listen or --tcp none) */
	int tcp_drained;                /**< TCP connections emptied and reset at stop */
	uint64_t rx_ns;                 /**< receive time for TCP messages being delivered */
	uint64_t now;                   /**< TSC of the current burst or poll */
	uint16_t n_txb;                 /**< TCP segments waiting in txb */
	struct rte_mbuf *txb[SL_WORKER_TXB]; /**< TCP segments to transmit at the next poll */
	uint8_t *lin;                   /**< SL_WORKER_LIN_MAX bytes: a chained datagram made contiguous */
	int32_t year;                   /**< UTC year of year_lo..year_hi (RFC 3164 timestamps) */
	uint64_t year_lo, year_hi;      /**< rx_ns range of that year */
	uint64_t next_poll;
	uint64_t last_poll;             /**< TSC of the previous RX poll */
	uint64_t max_gap;               /**< longest gap between polls, TSC */
} __rte_cache_aligned;

/** One store (a stream of a shard) as a writer sees it. */
struct sl_writer_store {
	struct sl_store *store;
	uint64_t pending_since;         /**< TSC when the open batch got its first record, 0 if empty */
};

/** One shard as a writer sees it: its rings, a store per stream. */
struct sl_writer_shard {
	struct sl_writer_store *st;     /**< n_streams: stream id -> store */
	struct rte_ring **rings;        /**< n_workers rings: worker w -> this shard */
	struct sl_chunk *held;          /**< taken from a ring, waiting for its store to take it */
	uint16_t shard;
	uint16_t n_streams;
};

/** One writer. */
struct sl_writer {
	uint64_t ctr[SL_WRITER_NB_CTR];
	uint16_t index;
	uint16_t n_shards;
	volatile int done;
	uint32_t slice;                 /**< bytes compressed per poll; 0: a whole batch */
	uint32_t pause_us;              /**< testing: after a chunk, take nothing for this long per 64 KiB of it (--writer-pause-us) */
	uint64_t resume_at;             /**< with pause_us: TSC when the pause ends */
	uint64_t pause_bytes;           /**< with pause_us: bytes of the chunk just taken */
	uint32_t next_work;             /**< round robin over stores for compression */
	uint16_t next_shard;            /**< round robin: the shard taken from first */
	uint64_t next_poll;
	uint64_t next_tick;
	struct sl_writer_shard *shards; /**< n_shards */
	struct sl_store **stores;       /**< n_stores: every store of every shard, for round robins */
	uint32_t n_stores;
} __rte_cache_aligned;

/** Control-plane hook run on the main lcore about every millisecond. */
typedef void (*sl_control_fn)(void *arg);

/** What one lcore runs. */
struct sl_lcore {
	struct sl_run *run;
	struct sl_worker **workers;
	unsigned int n_workers;
	struct sl_writer **writers;
	unsigned int n_writers;
	sl_control_fn control;          /**< main lcore only, else NULL */
	void *control_arg;
};

/**
 * Run an lcore's roles until they are all done (see the shutdown note).
 * Signature fits rte_eal_remote_launch.
 * @param arg  struct sl_lcore *
 * @return 0
 */
int sl_lcore_loop(void *arg);

/** One tenant's counters of a worker (SL_TCTR_NB values). */
struct sl_ctr_set sl_worker_tenant_counters(const struct sl_worker *w, uint16_t tenant);

/** Counters of a worker / writer. */
struct sl_ctr_set sl_worker_counters(const struct sl_worker *w);
struct sl_ctr_set sl_writer_counters(const struct sl_writer *w);

/** Worker steps, exposed for tests: one RX burst; drain. */
unsigned int sl_worker_rx(struct sl_worker *w, const struct sl_run *run);
/** Fill the sink and tx of TCP stage parameters for worker @p w. */
void sl_worker_tcp_params(struct sl_worker *w, struct sl_tcp_params *p);
/** @return 1 when the worker finished draining. */
int sl_worker_drain(struct sl_worker *w);
/** Writer step: take chunks, flush aged batches. @return chunks taken. */
unsigned int sl_writer_poll(struct sl_writer *w, const struct sl_run *run, uint64_t now);
/** @return 1 when the writer finished (all workers done, rings empty). */
int sl_writer_finish(struct sl_writer *w, const struct sl_run *run);

#endif /* SL_PIPELINE_H */

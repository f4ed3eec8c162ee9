/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The Kafka forwarder (--kafka): ships every stored batch, the zstd frame
 * exactly as written in its segment, to Kafka through librdkafka, off the
 * data path. docs/FORMAT.md ("Kafka messages") holds the message layout.
 *
 * - Sources: one per shard store (tenant/stream/shard-NN directory). A
 *   source reads its segments in sequence order: sealed ones through their
 *   index, the open one up to what its store published (sl_store_pub);
 *   nothing is decompressed but the 64-byte batch header of frames read
 *   without an index.
 * - At least once: an idempotent producer (no duplicates from retries) and
 *   a per-source checkpoint, the next seq Kafka has not acknowledged, made
 *   durable (fdatasync) before the source sends further. At most
 *   `inflight` batches per source are unacknowledged, so a crash re-sends
 *   at most that many per source (counted at the next start: resent).
 * - Kafka down or slow: batches stay on disk; the lag gauges grow; the
 *   producer retries without a deadline; workers and writers never wait.
 * - Retention: sl_fwd_gate() gives retention the per-source gate
 *   (sl_fwd_gate.h): unforwarded segments go last, and only counted.
 *
 * Threads: sl_fwd_run() is the forwarder's thread (the caller creates it,
 * e.g. a DPDK control thread); librdkafka adds its own. Everything else is
 * called from the control plane.
 */
#ifndef SL_FORWARD_H
#define SL_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sl_counters.h"
#include "sl_fwd_gate.h"
#include "sl_store.h"

struct sl_fwd;

/** Per source (shard store) counters. */
#define SL_FWD_COUNTERS(X) \
	X(batches,         "batches Kafka acknowledged") \
	X(records,         "records in them") \
	X(bytes,           "their bytes (the zstd frames as stored)") \
	X(produced,        "batches handed to the producer (sent again included)") \
	X(resent,          "batches sent again: after a delivery error, a restart of the producer, or a crash before their checkpoint (possible duplicates in Kafka)") \
	X(delivery_errors, "deliveries that failed (logged); the batch is sent again") \
	X(read_errors,     "segment reads that failed (logged); retried") \
	X(drop_deleted,    "records retention deleted before they were forwarded: never in Kafka") \
	X(drop_missing,    "records missing from the segments when the forwarder came to them (deleted in an earlier run, or by hand)") \
	X(drop_damaged,    "records in frames that could not be read (logged); skipped") \
	X(lag_records,     "records stored, not yet acknowledged by Kafka (a gauge)") \
	X(lag_batches,     "batches stored, not yet acknowledged by Kafka (a gauge)") \
	X(lag_bytes,       "their bytes (a gauge)") \
	X(lag_us,          "age of the oldest record not yet in Kafka, us (a gauge; 0 when caught up)") \
	X(inflight,        "batches sent, not yet acknowledged (a gauge)")

#define SL_FWD_CTR_ENUM(name, help) SL_FWD_ ## name,
enum sl_fwd_counter {
	SL_FWD_COUNTERS(SL_FWD_CTR_ENUM)
	SL_FWD_NB_CTR
};

/** Forwarder-wide counters. */
#define SL_FWDK_COUNTERS(X) \
	X(checkpoints,       "checkpoint writes (each made durable with fdatasync)") \
	X(checkpoint_errors, "checkpoint writes that failed (logged); sending waits until one succeeds") \
	X(producer_restarts, "producers re-created after a fatal error (logged)") \
	X(kafka_errors,      "errors librdkafka reported (logged, at most one line a second)") \
	X(brokers_down,      "1 from librdkafka reporting every broker down until a batch is delivered again (a gauge)") \
	X(inflight_bytes,    "bytes sent, not yet acknowledged (a gauge)")

#define SL_FWDK_CTR_ENUM(name, help) SL_FWDK_ ## name,
enum sl_fwdk_counter {
	SL_FWDK_COUNTERS(SL_FWDK_CTR_ENUM)
	SL_FWDK_NB_CTR
};

/** One source: a shard store's directory and what its store publishes. */
struct sl_fwd_src_params {
	const char *tenant;
	const char *stream;
	uint16_t shard;
	const struct sl_store_pub *pub;  /**< its store's publication */
};

/** Creation parameters. */
struct sl_fwd_params {
	const char *root;             /**< --out */
	const char *bootstrap;        /**< --kafka BOOTSTRAP */
	const char *topic;            /**< --kafka-topic TEMPLATE: {tenant},
					   {stream}, {shard}, {node} */
	const char *const *opts;      /**< --kafka-opt KEY=VALUE, applied last */
	unsigned int n_opts;
	const char *node;             /**< --node-id */
	unsigned int inflight;        /**< unacknowledged batches per source (>= 1) */
	uint64_t max_inflight_bytes;  /**< all sources (at least one batch goes) */
	uint32_t max_frame;           /**< largest frame the stores write */
	const struct sl_fwd_src_params *src;
	unsigned int n_src;
};

/** Largest --kafka-inflight. */
#define SL_FWD_MAX_INFLIGHT 64

/**
 * Expand a topic template for one source.
 * @return length, or -EINVAL (unknown {name}, or a character Kafka does
 *   not take in a topic name), -ENAMETOOLONG (over 249 characters).
 */
int sl_fwd_topic(const char *tmpl, const char *node, const char *tenant,
		 const char *stream, unsigned int shard, char *out, size_t len);

/**
 * Check a template with sample names (for --check and option parsing).
 * @return 0 or -EINVAL with the reason in @p err.
 */
int sl_fwd_topic_check(const char *tmpl, char *err, size_t errlen);

/**
 * Read the checkpoint (ROOT/.kafka-checkpoint), measure each source's
 * backlog on disk, configure the producer (every --kafka-opt is checked
 * here). Sends nothing until sl_fwd_run() runs.
 * @return the forwarder, or NULL with the reason in @p err.
 */
struct sl_fwd *sl_fwd_create(const struct sl_fwd_params *p, char *err, size_t errlen);

/** The gate of a source, for retention (sl_retain_params.fwd_gate); NULL: unknown. */
struct sl_fwd_gate *sl_fwd_gate(void *fwd, const char *tenant, const char *stream,
				unsigned int shard);

/** The forwarder's thread body (@p arg: the struct sl_fwd). Returns after sl_fwd_stop(). */
void *sl_fwd_run(void *arg);

/**
 * Ask the thread to stop. With @p drain_ms > 0 it first forwards what the
 * stores hold (call after they are sealed) for up to that long; then it
 * waits for the batches in flight, writes the last checkpoint and returns.
 * Join the thread after this.
 */
void sl_fwd_stop(struct sl_fwd *f, uint64_t drain_ms);

/**
 * The seq source @p i resumes at (its checkpoint). Above its store's next
 * seq when the host lost records Kafka has: the caller then numbers the
 * store on from it (sl_store_skip_to) before anything is appended.
 */
uint64_t sl_fwd_resume_seq(const struct sl_fwd *f, unsigned int i);

/** Number of sources. */
unsigned int sl_fwd_nb_src(const struct sl_fwd *f);

/** Counters of source @p i and its names. */
struct sl_ctr_set sl_fwd_src_counters(const struct sl_fwd *f, unsigned int i,
				      const char **tenant, const char **stream,
				      unsigned int *shard);

/** Forwarder-wide counters. */
struct sl_ctr_set sl_fwd_counters(const struct sl_fwd *f);

/** Destroy (after the thread returned). NULL is a no-op. */
void sl_fwd_free(struct sl_fwd *f);

#endif /* SL_FORWARD_H */

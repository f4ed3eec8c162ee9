/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Retention (--retain BYTES): keeps the segments under the --out directory
 * below a byte budget by deleting the oldest sealed segments first, across
 * every tenant, stream and shard.
 *
 * - Oldest: by the largest receive time of the segment's records, from its
 *   trailer (no decompression); the file's mtime when the trailer has no
 *   time range.
 * - Never deleted: a segment whose trailer does not verify (open, or left
 *   unsealed by a failed seal), and the newest segment (highest first-seq)
 *   of each shard directory, sealed or not: it may be the open one, and the
 *   shard's sequence numbers continue from it after a restart. While that
 *   newest segment is missing (the store removes a segment it could write
 *   nothing into), nothing of its directory is deleted.
 * - Size of a segment: st_blocks * 512, what the file really takes on the
 *   disk (block padding and preallocation included, holes excluded).
 *
 * Runs on the control plane (main lcore), never on a writer lcore. Cost:
 * create() lists every segment directory and reads one 88-byte trailer per
 * segment (the same as the stores' start-up). Each poll then stats every
 * directory of the tree (1 + tenants + streams + shard directories), stats
 * the newest segment of each shard directory, re-reads the listing of a
 * directory only when its mtime changed (or changed less than 2 s before
 * the last listing: coarse timestamps), and stats/reads the trailer of the
 * new names only (those above the highest first-seq known in that
 * directory). Picking and deleting the oldest is O(log n) per segment (a
 * heap); a poll stops deleting after max_work_us (2 ms) and the next poll
 * goes on at once. Nothing per poll grows with the number of old segments
 * except the listing of a shard directory that just got a new segment.
 *
 * Segments that appear with a first-seq below the newest known one of their
 * directory (copied in by hand) and deletions done by others are seen at
 * the next start.
 */
#ifndef SL_RETAIN_H
#define SL_RETAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "sl_counters.h"
#include "sl_fwd_gate.h"

struct sl_retain;

#define SL_RETAIN_COUNTERS(X) \
	X(usage_bytes,      "bytes of segments under --out, st_blocks * 512 (a gauge)") \
	X(budget_bytes,     "the --retain budget (a gauge)") \
	X(segments,         "segments under --out (a gauge)") \
	X(segments_deleted, "segments deleted to stay under the budget") \
	X(bytes_deleted,    "bytes those segments took") \
	X(delete_errors,    "segments that could not be deleted (see the log; they stay counted in usage)") \
	X(over_budget,      "polls that ended above the budget: only open or undeletable segments left") \
	X(dir_listings,     "directory listings read after a change (the polls' main cost)") \
	X(unforwarded_kept, "segments over the budget kept because Kafka does not have them yet (a gauge)") \
	X(unforwarded_deleted, "segments deleted before they were forwarded to Kafka: the budget forced it (logged at ERR)") \
	X(unforwarded_records, "records of those segments the forwarder had not read: they never reach Kafka")

/** Counter index: SL_RETAIN_<name>. */
#define SL_RETAIN_CTR_ENUM(name, help) SL_RETAIN_ ## name,
enum sl_retain_counter {
	SL_RETAIN_COUNTERS(SL_RETAIN_CTR_ENUM)
	SL_RETAIN_NB_CTR
};

/** Creation parameters. */
struct sl_retain_params {
	const char *root;          /**< --out: ROOT/<tenant>/<stream>/shard-NN/ */
	uint64_t budget_bytes;     /**< --retain BYTES (> 0) */
	uint64_t interval_ms;      /**< least time between two polls' work; 0: 1000 */
	uint64_t max_work_us;      /**< a poll stops deleting after this long
				        (the main lcore may carry a writer);
				        0: 2000. When more deletions are due,
				        the next poll does not wait for
				        interval_ms. */
	unsigned int max_deletes;  /**< deletions per poll at most; 0: no limit
				        but max_work_us (tests) */
	const char *tenant;        /**< only ROOT/<tenant>/ (a tenant's quota);
				        NULL: every tenant */
	/**
	 * --kafka: the forwarding gate of shard directory
	 * ROOT/@p tenant/@p stream/shard-NN, asked once per directory; NULL
	 * (or no function): not forwarded, its segments go freely. A segment
	 * Kafka does not have yet is deleted only when nothing else is left
	 * to delete and the usage is still above the budget (sl_fwd_gate.h).
	 */
	struct sl_fwd_gate *(*fwd_gate)(void *arg, const char *tenant,
					const char *stream, unsigned int shard);
	void *fwd_arg;
	int measure_only;          /**< never delete: keep usage_bytes up to date
				        for sl_retain_over() (drop-newest quotas);
				        a shard directory that changed is taken
				        whole again, so deletions by others count */
};

/**
 * Scan the tree under @p p->root once (every segment: one stat and one
 * 88-byte read). Call after the stores are created, so that the segments
 * they repaired count. Deletes nothing: the first poll does.
 * @return handle, or NULL with rte_errno set: EINVAL (no root, budget 0),
 *   ENOMEM, or the errno of the root directory (ENOENT, EACCES, ...).
 */
struct sl_retain *sl_retain_create(const struct sl_retain_params *p);

/**
 * Pick up new segments and delete the oldest sealed ones while the usage is
 * above the budget. Does nothing until interval_ms after the previous work
 * (unless deletions were left over).
 * @param now_ms  a monotonic clock in ms
 * Deletions go through io_uring (the lcore does not wait for the disk);
 * their results are counted and logged at the next poll (or
 * sl_retain_wait()). Without io_uring they run inline.
 * @return deletions started by this call (0 when it had nothing to do).
 */
int sl_retain_poll(struct sl_retain *r, uint64_t now_ms);

/**
 * Wait for the deletions in flight and count them (tests; sl_retain_free()
 * does it too).
 */
void sl_retain_wait(struct sl_retain *r);

/** True when the last poll found more bytes than the budget. */
bool sl_retain_over(const struct sl_retain *r);

/** The counters (SL_RETAIN_NB_CTR values). */
struct sl_ctr_set sl_retain_counters(const struct sl_retain *r);

/** Free. NULL is a no-op. */
void sl_retain_free(struct sl_retain *r);

#endif /* SL_RETAIN_H */

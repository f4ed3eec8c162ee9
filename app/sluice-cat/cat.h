/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * sluice-cat's parts beside main.c.
 */
#ifndef SL_CAT_H
#define SL_CAT_H

#include <stdint.h>
#include <stdio.h>

#include "sl_reader.h"

/** Record output formats (--format). */
enum cat_fmt {
	CAT_FMT_RAW,    /**< message bytes + LF */
	CAT_FMT_TEXT,   /**< time, addresses, transport, escaped message */
	CAT_FMT_JSON,   /**< one object per record */
};

/**
 * Print one record (main.c). The one printer of every path (segments,
 * Kafka), so the same record prints the same bytes whatever it came from.
 * @param f    output
 * @param fmt  --format
 * @param r    the record; only rec, msg, shard and seq are used
 */
void cat_put_rec(FILE *f, enum cat_fmt fmt, const struct sl_reader_rec *r);

/**
 * --stats: print one line per stream (tenant/stream) and a total: segments,
 * sealed, records, bytes_in (record bytes, uncompressed), bytes_on_disk
 * (file sizes) and ratio (bytes_in / bytes_on_disk). Sealed segments are
 * read from their trailer, unsealed ones scanned.
 * @param paths  files and directories (walked recursively, *.zst)
 * @param n      number of paths
 * @param rs     out: segments, sealed, frames (decompressed: unsealed
 *               segments), frames_skipped (frames of sealed segments, not
 *               read), bytes (compressed bytes decompressed)
 * @return number of paths or segments that could not be read (reported on
 *   stderr).
 */
int cat_stats(char *const *paths, int n, struct sl_reader_stats *rs);

/** What --kafka reads and how (main.c fills it from the flags). */
struct cat_kafka_params {
	const char *bootstrap;     /**< --kafka: HOST:PORT[,...] */
	const char **topics;       /**< --topic, at least one */
	unsigned int ntopics;
	const char **opts;         /**< --kafka-opt: "KEY=VALUE" */
	unsigned int nopts;
	int timeout_ms;            /**< --kafka-timeout: metadata, snapshot progress */
	int from_beginning;        /**< start at the first offset, else at the end */
	int follow;                /**< read until SIGINT/SIGTERM even with from_beginning */
	enum cat_fmt fmt;
	int count;                 /**< print the number of records only */
	int verify;                /**< check values and headers, print a summary */
	int headers;               /**< one line per message instead of records */
	int verbose;               /**< totals on stderr at exit */
	uint64_t since_ns;         /**< records with rx_ns >= since_ns */
	uint64_t until_ns;         /**< records with rx_ns < until_ns; 0 = no bound */
};

/**
 * --kafka: read the batches forwarded to Kafka (one message per batch: the
 * zstd frame as in the segment, key "<node>/<shard>", sluice.* headers) from
 * every partition of the topics, without a consumer group, and print their
 * records like the segment path does. Each message whose value is not one
 * good batch, or (--verify) whose headers disagree with its batch, is
 * reported on stderr as "sluice-cat: DAMAGE kafka TOPIC/PARTITION@OFFSET:
 * WHAT" and its records are not printed.
 * Runs until every partition has reached its end (from_beginning without
 * follow) or until SIGINT/SIGTERM.
 * @param p  options (flag combinations already checked)
 * @return the exit status: 0 ok, 1 damage found, 2 a setup error (bad
 *   property, metadata not fetched in time, missing topic), consumer errors
 *   on messages, or a write error.
 */
int cat_kafka(const struct cat_kafka_params *p);

#endif /* SL_CAT_H */

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

/** One header of a Kafka message. */
struct cat_kafka_hdr {
	const char *name;          /**< NUL-terminated */
	const void *value;         /**< NULL: a header without a value */
	size_t len;                /**< bytes of value */
};

/**
 * One consumed Kafka message in plain types: kafka.c fills it from
 * librdkafka's, a test or a fuzz target from anything. Every pointer is
 * read only within its length.
 */
struct cat_kafka_msg {
	const char *topic;         /**< for --headers lines and DAMAGE reports */
	int32_t partition;
	int64_t offset;
	const void *value;         /**< NULL (or len 0): an empty value */
	size_t len;
	const void *key;           /**< NULL: no key */
	size_t key_len;
	int64_t timestamp_ms;
	int create_time;           /**< timestamp_ms is the producer's CreateTime
	                                (checked by --verify); else not checked */
	const struct cat_kafka_hdr *hdrs;   /**< in the order received */
	size_t nhdrs;
};

/** Decodes one consumer's messages: a zstd context and a batch buffer. */
struct cat_kmsg;

/**
 * A message decoder.
 * @param p    the options used per message: fmt, count, verify, headers,
 *             since_ns, until_ns (read at each cat_kmsg_process(), so it
 *             must outlive the decoder)
 * @param out  records and --headers lines
 * @param err  DAMAGE lines
 * @return the decoder, or NULL: out of memory.
 */
struct cat_kmsg *cat_kmsg_create(const struct cat_kafka_params *p, FILE *out, FILE *err);

/** Free a decoder; NULL is a no-op. */
void cat_kmsg_free(struct cat_kmsg *k);

/**
 * What sluice-cat --kafka does with one message: with p->headers its
 * --headers line; the value decoded as one batch (one zstd data frame with
 * a content checksum and a content size of at most SL_SEG_MAX_RAW, then
 * sl_batch_check()); with p->verify its headers, key and timestamp checked
 * against that batch; the batch's records within since/until counted, and
 * printed in p->fmt unless p->count, p->verify or p->headers. Each problem
 * is one line "sluice-cat: DAMAGE kafka TOPIC/PARTITION@OFFSET: WHAT" on
 * the decoder's err.
 * @param k     decoder
 * @param m     the message
 * @param nrec  out: its records counted (0 when the value is not a good
 *              batch)
 * @return 0, or 1: the message is damaged. A value that is not a good
 *   batch has none of its records counted or printed; headers that
 *   disagree with a good batch (p->verify) leave its records counted.
 */
int cat_kmsg_process(struct cat_kmsg *k, const struct cat_kafka_msg *m, uint64_t *nrec);

#endif /* SL_CAT_H */

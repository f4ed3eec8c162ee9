/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Segment reader: iterates the records of segment files in storage order.
 * Works on sealed and unsealed (open, torn) segments, skips damaged frames
 * and reports each damage with its segment and offset. Any bytes on disk are
 * safe input: nothing is trusted before it is checked. No EAL needed.
 */
#ifndef SL_READER_H
#define SL_READER_H

#include <stddef.h>
#include <stdint.h>

#include "sl_record.h"

struct sl_reader;

/** One damage found while reading. */
struct sl_reader_damage {
	const char *segment;   /**< path of the segment file */
	uint64_t offset;       /**< file offset of the damaged frame or field */
	const char *what;      /**< description */
};

/** Reader options; zero-initialised means: everything, no verify. */
struct sl_reader_params {
	uint64_t since_ns;     /**< only records with rx_ns >= since_ns */
	uint64_t until_ns;     /**< only records with rx_ns < until_ns; 0 = no bound */
	int verify;            /**< also check index, trailer and sequence
				    against the frames (reads every frame) */
	/** Called for each damage (may be NULL). */
	void (*on_damage)(void *arg, const struct sl_reader_damage *d);
	void *arg;
};

/** One record, valid until the next sl_reader_next() call. */
struct sl_reader_rec {
	const struct sl_rec *rec;  /**< header (packed, in the reader's buffer) */
	const uint8_t *msg;        /**< rec->len message bytes */
	uint16_t shard;
	uint64_t seq;              /**< batch first_seq + index in the batch */
	const char *segment;       /**< path of the segment file */
	uint64_t frame_off;        /**< file offset of the record's frame */
};

/** Totals so far. */
struct sl_reader_stats {
	uint64_t segments;         /**< segments opened */
	uint64_t sealed;           /**< of which sealed with a good index */
	uint64_t frames;           /**< data frames decoded (decompressed) */
	uint64_t frames_skipped;   /**< frames of sealed segments not read at all:
				        their index time range is outside
				        since/until */
	uint64_t bytes;            /**< compressed bytes of the frames decoded */
	uint64_t records;          /**< records returned */
	uint64_t damaged;          /**< damages reported */
	uint64_t torn;             /**< of which torn tails of unsealed segments */
};

/**
 * Open a reader over files and directories. Directories are walked
 * recursively; their *.zst files are read in path order (which is sequence
 * order within a shard). Files named explicitly are read whatever their name.
 * @param paths   files or directories
 * @param n       number of paths
 * @param p       options (NULL: defaults)
 * @param err     out: reason on failure (may be NULL)
 * @param errlen  size of err
 * @return reader, or NULL with errno set (ENOENT, ENOMEM, ...) and err filled.
 */
struct sl_reader *sl_reader_open(const char *const *paths, unsigned int n,
				 const struct sl_reader_params *p,
				 char *err, size_t errlen);

/**
 * Next record.
 * @return 1 with @p out filled, 0 at the end, or -errno when a segment
 *   cannot be read at all (-EINVAL: not a sluice segment, -EIO, ...); the
 *   reason is in sl_reader_error(). Calling again continues with the next
 *   segment.
 */
int sl_reader_next(struct sl_reader *r, struct sl_reader_rec *out);

/** Reason of the last negative sl_reader_next() return. */
const char *sl_reader_error(const struct sl_reader *r);

/** Totals so far. */
void sl_reader_stats(const struct sl_reader *r, struct sl_reader_stats *st);

/** Close and free. NULL is a no-op. */
void sl_reader_free(struct sl_reader *r);

#endif /* SL_READER_H */

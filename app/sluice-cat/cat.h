/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * sluice-cat's parts beside main.c.
 */
#ifndef SL_CAT_H
#define SL_CAT_H

#include "sl_reader.h"

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

#endif /* SL_CAT_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Parsing helpers for command-line values.
 */
#ifndef SL_PARSE_H
#define SL_PARSE_H

#include <stdint.h>
#include <stddef.h>

/**
 * Parse a size with an optional K, M, G or T suffix (powers of 1024),
 * e.g. "64K", "1G", "4096".
 * @return 0, or -EINVAL (not a number, bad suffix), -ERANGE (overflow).
 */
int sl_parse_size(const char *s, uint64_t *out);

/**
 * Parse an unsigned integer in [min, max].
 * @return 0, -EINVAL or -ERANGE.
 */
int sl_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/**
 * Parse a comma-separated list of ports ("514,601", "5140-5149") into a
 * 65536-bit map (8192 bytes).
 * @return number of ports set, or -EINVAL / -ERANGE.
 */
int sl_parse_ports(const char *s, uint8_t map[8192]);

#endif /* SL_PARSE_H */

/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SL_FILE_H
#define SL_FILE_H

#include <stddef.h>
#include <stdint.h>

/**
 * Read a whole file into a malloc'd buffer: a regular file, or anything
 * read to its end (--rules /dev/stdin, a pipe). Directories are EISDIR.
 * @param out  set to the buffer (free() it)
 * @param len  set to its length
 * @return 0, or -errno.
 */
int sl_read_file(const char *path, uint8_t **out, size_t *len);

#endif /* SL_FILE_H */

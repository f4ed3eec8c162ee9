/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The little HTTP/1.x the management plane speaks: parse a request head,
 * nothing more. Pure (no I/O, no allocation), so it is unit-tested and
 * fuzzed on its own.
 */
#ifndef SL_HTTP_H
#define SL_HTTP_H

#include <stdbool.h>
#include <stddef.h>

/** Longest request head taken (request line and headers). */
#define SL_HTTP_HEAD_MAX 8192
/** Longest path (query string excluded). */
#define SL_HTTP_PATH_MAX 256

/** A parsed request. */
struct sl_http_req {
	bool head;                      /**< HEAD: headers only */
	bool http10;                    /**< HTTP/1.0 */
	char path[SL_HTTP_PATH_MAX];    /**< "/metrics": the query string cut off */
	char query[SL_HTTP_PATH_MAX];   /**< after '?', or "" */
};

/**
 * Parse the request head in @p buf[0..len).
 * @return the head's length (through its empty line) when complete; 0 when
 *   more bytes are needed; or minus the HTTP status to answer: -400
 *   (malformed), -405 (not GET or HEAD), -414 (path too long), -431 (head
 *   over SL_HTTP_HEAD_MAX), -505 (not HTTP/1.0 or 1.1).
 */
int sl_http_parse(const char *buf, size_t len, struct sl_http_req *req);

/** The reason phrase of @p status ("OK", "Not Found"...). */
const char *sl_http_reason(int status);

#endif /* SL_HTTP_H */

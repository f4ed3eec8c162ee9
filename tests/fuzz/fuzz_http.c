/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the management plane's request-head parser
 * (app/sluice/http.c): the input is the bytes received, whole. Checked
 * (abort on violation):
 * - the result is 0, one of -400 -405 -414 -431 -505, or a head length
 *   1..min(len, SL_HTTP_HEAD_MAX);
 * - -431 only once len reaches SL_HTTP_HEAD_MAX; bytes past the limit
 *   change nothing (the first SL_HTTP_HEAD_MAX alone give the same);
 * - a head: its path starts with '/', is NUL-terminated within path[] and
 *   holds no space, '?' or line break; the query is NUL-terminated within
 *   query[]; the head ends in an empty line ("\n\n" or "\n\r\n");
 *   re-parsing its bytes alone gives the same result and request, and
 *   one byte fewer is incomplete (0).
 * Every parse reads an exactly-sized copy, so ASan sees a read past len.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parse a copy of @p data[0..len) that has no byte after it. */
static int
parse_copy(const uint8_t *data, size_t len, struct sl_http_req *req)
{
	char *c = malloc(len ? len : 1);
	int rc;

	if (c == NULL)
		abort();
	memcpy(c, data, len);
	/* Garbage in: the parser must set every field it returns. */
	memset(req, 0xa5, sizeof(*req));
	rc = sl_http_parse(c, len, req);
	free(c);
	return rc;
}

static void
check_req(const struct sl_http_req *req)
{
	size_t n = strnlen(req->path, sizeof(req->path)), i;

	if (n == 0 || n >= sizeof(req->path) || req->path[0] != '/')
		abort();
	for (i = 0; i < n; i++)
		if (req->path[i] == ' ' || req->path[i] == '?' || req->path[i] == '\n')
			abort();
	n = strnlen(req->query, sizeof(req->query));
	if (n >= sizeof(req->query))
		abort();
	for (i = 0; i < n; i++)
		if (req->query[i] == ' ' || req->query[i] == '\n')
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_http_req req, req2;
	size_t lim = size < SL_HTTP_HEAD_MAX ? size : SL_HTTP_HEAD_MAX;
	int rc, rc2;

	if (size > 4 * SL_HTTP_HEAD_MAX)
		return 0;
	rc = parse_copy(data, size, &req);
	if (rc < 0) {
		if (rc != -400 && rc != -405 && rc != -414 && rc != -431 && rc != -505)
			abort();
		if (rc == -431 && size < SL_HTTP_HEAD_MAX)
			abort();
	} else if (rc > 0) {
		if ((size_t)rc > lim || rc < 2)
			abort();
		if (data[rc - 1] != '\n' ||
		    !(data[rc - 2] == '\n' || (rc >= 3 && data[rc - 2] == '\r' && data[rc - 3] == '\n')))
			abort();
		check_req(&req);
	}
	/* Only the first SL_HTTP_HEAD_MAX bytes count. */
	if (size > SL_HTTP_HEAD_MAX) {
		rc2 = parse_copy(data, SL_HTTP_HEAD_MAX, &req2);
		if (rc2 != rc || (rc > 0 && memcmp(&req, &req2, sizeof(req)) != 0))
			abort();
	}
	if (rc <= 0)
		return 0;
	/* The head alone is the same head; one byte short, incomplete. */
	rc2 = parse_copy(data, (size_t)rc, &req2);
	if (rc2 != rc || memcmp(&req, &req2, sizeof(req)) != 0)
		abort();
	if (parse_copy(data, (size_t)rc - 1, &req2) != 0)
		abort();
	return 0;
}

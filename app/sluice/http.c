/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <string.h>

#include "http.h"

/* The end of the head: the first empty line (CRLF CRLF, or bare LFs). */
static const char *
head_end(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n')
			return buf + i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return buf + i + 3;
	}
	return NULL;
}

/* Bytes other than visible ASCII, space, tab, CR and LF make a head bad;
 * so does a CR not followed by LF (RFC 9112 2.2). */
static bool
clean(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c >= 0x7f)
			return false;
		if (c == '\r' && (i + 1 == n || p[i + 1] != '\n'))
			return false;
	}
	return true;
}

int
sl_http_parse(const char *buf, size_t len, struct sl_http_req *req)
{
	const char *end, *eol, *sp1, *sp2, *target, *q;
	size_t line, tlen, plen;

	memset(req, 0, sizeof(*req));
	end = head_end(buf, len < SL_HTTP_HEAD_MAX ? len : SL_HTTP_HEAD_MAX);
	if (end == NULL)
		return len >= SL_HTTP_HEAD_MAX ? -431 : 0;
	if (!clean(buf, (size_t)(end - buf)))
		return -400;
	eol = memchr(buf, '\n', (size_t)(end - buf));
	line = (size_t)(eol - buf);
	if (line > 0 && buf[line - 1] == '\r')
		line--;
	sp1 = memchr(buf, ' ', line);
	if (sp1 == NULL || sp1 == buf)
		return -400;
	target = sp1 + 1;
	sp2 = memchr(target, ' ', line - (size_t)(target - buf));
	if (sp2 == NULL || sp2 == target)
		return -400;
	tlen = (size_t)(sp2 - target);
	/* "HTTP/" DIGIT "." DIGIT and the end of the line, nothing else
	 * (RFC 9112 2.3): well formed but not 1.0 or 1.1 is 505. */
	if (line - (size_t)(sp2 + 1 - buf) != 8 || memcmp(sp2 + 1, "HTTP/", 5) != 0 ||
	    !isdigit((unsigned char)sp2[6]) || sp2[7] != '.' || !isdigit((unsigned char)sp2[8]))
		return -400;
	if (sp2[6] != '1' || (sp2[8] != '0' && sp2[8] != '1'))
		return -505;
	req->http10 = sp2[8] == '0';
	if ((size_t)(sp1 - buf) == 3 && memcmp(buf, "GET", 3) == 0)
		req->head = false;
	else if ((size_t)(sp1 - buf) == 4 && memcmp(buf, "HEAD", 4) == 0)
		req->head = true;
	else
		return -405;
	if (target[0] != '/')
		return -400;
	q = memchr(target, '?', tlen);
	plen = q ? (size_t)(q - target) : tlen;
	if (plen >= sizeof(req->path) || (q && tlen - plen - 1 >= sizeof(req->query)))
		return -414;
	memcpy(req->path, target, plen);
	if (q)
		memcpy(req->query, q + 1, tlen - plen - 1);
	return (int)(end - buf);
}

const char *
sl_http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

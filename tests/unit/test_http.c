/* SPDX-License-Identifier: BSD-3-Clause */
/* The management plane's HTTP/1.x request-head parser (app/sluice/http.c):
 * complete heads and their length, incomplete ones at every prefix, the
 * head limit, and each status it answers (400, 405, 414, 431, 505). */
#include "http.h"
#include "sl_common.h"
#include "sl_test.h"

static struct sl_http_req r;

/* Parse a C string (no NUL inside). */
#define P(s) sl_http_parse((s), strlen(s), &r)
/* Parse a literal that may hold NULs: all its bytes but the final NUL. */
#define PL(lit) sl_http_parse((lit), sizeof(lit) - 1, &r)

static char big[3 * SL_HTTP_HEAD_MAX];

/*
 * Write into big a head of exactly @p total bytes: a GET request line, one
 * header "X: aaa..." padded to fit, and the empty line; with @p crlf the
 * lines end in CRLF, else in bare LF. Bytes after it (up to sizeof(big))
 * are 'z', so that a longer len holds more than the head.
 */
static void
make_head(size_t total, bool crlf)
{
	const char *line = crlf ? "GET /metrics HTTP/1.1\r\nX: " : "GET /metrics HTTP/1.1\nX: ";
	const char *end = crlf ? "\r\n\r\n" : "\n\n";
	size_t a = strlen(line), b = strlen(end);

	memset(big, 'z', sizeof(big));
	memcpy(big, line, a);
	memset(big + a, 'a', total - a - b);
	memcpy(big + total - b, end, b);
}

static int
test_get_metrics_crlf(void)
{
	const char *s = "GET /metrics HTTP/1.1\r\nHost: localhost:9100\r\n"
		"User-Agent: Prometheus/2.45.0\r\nAccept: text/plain\r\n\r\n";

	SL_ASSERT_EQ(P(s), strlen(s));
	SL_ASSERT_EQ(strcmp(r.path, "/metrics"), 0);
	SL_ASSERT_EQ(strcmp(r.query, ""), 0);
	SL_ASSERT(!r.head);
	SL_ASSERT(!r.http10);
	return 0;
}

static int
test_get_metrics_bare_lf(void)
{
	const char *s = "GET /metrics HTTP/1.1\nHost: localhost\nAccept: */*\n\n";

	SL_ASSERT_EQ(P(s), strlen(s));
	SL_ASSERT_EQ(strcmp(r.path, "/metrics"), 0);
	SL_ASSERT(!r.head);
	SL_ASSERT(!r.http10);
	/* No headers at all. */
	SL_ASSERT_EQ(P("GET /metrics HTTP/1.1\n\n"), 23);
	SL_ASSERT_EQ(strcmp(r.path, "/metrics"), 0);
	return 0;
}

static int
test_get_without_headers(void)
{
	SL_ASSERT_EQ(P("GET /healthz HTTP/1.1\r\n\r\n"), 25);
	SL_ASSERT_EQ(strcmp(r.path, "/healthz"), 0);
	SL_ASSERT_EQ(P("GET / HTTP/1.1\r\n\r\n"), 18);
	SL_ASSERT_EQ(strcmp(r.path, "/"), 0);
	SL_ASSERT_EQ(strcmp(r.query, ""), 0);
	return 0;
}

static int
test_head_sets_the_flag(void)
{
	SL_ASSERT_EQ(P("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n"), 35);
	SL_ASSERT(r.head);
	SL_ASSERT(!r.http10);
	SL_ASSERT_EQ(strcmp(r.path, "/healthz"), 0);
	return 0;
}

static int
test_http10_sets_the_flag(void)
{
	SL_ASSERT_EQ(P("GET /metrics HTTP/1.0\r\n\r\n"), 25);
	SL_ASSERT(r.http10);
	SL_ASSERT(!r.head);
	SL_ASSERT_EQ(P("HEAD / HTTP/1.0\n\n"), 17);
	SL_ASSERT(r.http10);
	SL_ASSERT(r.head);
	/* And a 1.1 parse after it clears it (the request is reset). */
	SL_ASSERT_EQ(P("GET / HTTP/1.1\n\n"), 16);
	SL_ASSERT(!r.http10);
	SL_ASSERT(!r.head);
	return 0;
}

static int
test_query_string_is_split_off(void)
{
	SL_ASSERT_EQ(P("GET /metrics?name[]=up&x=1 HTTP/1.1\r\n\r\n"), 39);
	SL_ASSERT_EQ(strcmp(r.path, "/metrics"), 0);
	SL_ASSERT_EQ(strcmp(r.query, "name[]=up&x=1"), 0);
	/* An empty query. */
	SL_ASSERT_EQ(P("GET /metrics? HTTP/1.1\r\n\r\n"), 26);
	SL_ASSERT_EQ(strcmp(r.path, "/metrics"), 0);
	SL_ASSERT_EQ(strcmp(r.query, ""), 0);
	/* Only the first '?' splits. */
	SL_ASSERT_EQ(P("GET /?a?b HTTP/1.1\n\n"), 20);
	SL_ASSERT_EQ(strcmp(r.path, "/"), 0);
	SL_ASSERT_EQ(strcmp(r.query, "a?b"), 0);
	return 0;
}

static int
test_headers_are_skipped_and_length_is_past_the_empty_line(void)
{
	const char *head = "GET /metrics HTTP/1.1\r\nHost: a\r\nX-Tab:\tv\r\nAccept: */*\r\n\r\n";
	char s[256];
	size_t n = strlen(head);

	/* A body and a pipelined request after the head are not part of it. */
	snprintf(s, sizeof(s), "%sBODY\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n", head);
	SL_ASSERT_EQ(P(s), n);
	SL_ASSERT_EQ(strcmp(r.path, "/metrics"), 0);
	SL_ASSERT_EQ(sl_http_parse(s + n, strlen(s + n), &r), -400);
	SL_ASSERT_EQ(sl_http_parse(s + n + 8, strlen(s + n + 8), &r), 25);
	SL_ASSERT_EQ(strcmp(r.path, "/healthz"), 0);
	/* Mixed endings: the empty line is "\n\n" or "\n\r\n" wherever it is. */
	SL_ASSERT_EQ(P("GET / HTTP/1.1\r\nA: b\n\r\nrest"), 23);
	SL_ASSERT_EQ(P("GET / HTTP/1.1\r\nA: b\r\n\nrest"), 23);
	SL_ASSERT_EQ(P("GET / HTTP/1.1\nA: b\n\nrest"), 21);
	return 0;
}

static int
test_every_prefix_of_a_head_is_incomplete(void)
{
	static const char *const heads[] = {
		"GET /metrics?x=1 HTTP/1.1\r\nHost: localhost:9100\r\nAccept: */*\r\n\r\n",
		"HEAD /healthz HTTP/1.0\nHost: h\n\n",
		"GET / HTTP/1.1\r\n\r\n",
	};
	unsigned int i;
	size_t k, n;

	for (i = 0; i < SL_DIM(heads); i++) {
		n = strlen(heads[i]);
		for (k = 0; k < n; k++) {
			/* An exactly-sized copy: a read past k is seen by ASan. */
			char *c = malloc(k ? k : 1);
			int rc;

			SL_ASSERT(c != NULL);
			memcpy(c, heads[i], k);
			rc = sl_http_parse(c, k, &r);
			free(c);
			if (rc != 0)
				SL_FAIL("head %u, prefix %zu: %d, expected 0", i, k, rc);
		}
		SL_ASSERT_EQ(sl_http_parse(heads[i], n, &r), n);
	}
	/* A bad request line is not judged before the head is whole. */
	SL_ASSERT_EQ(P("POST / HTTP/1.1\r\n"), 0);
	SL_ASSERT_EQ(P("GET / HTTP/9.9\r\nHost: x\r\n"), 0);
	SL_ASSERT_EQ(P("\r\n"), 0);
	return 0;
}

static int
test_head_at_the_limit_is_taken(void)
{
	make_head(SL_HTTP_HEAD_MAX, true);
	SL_ASSERT_EQ(sl_http_parse(big, SL_HTTP_HEAD_MAX, &r), SL_HTTP_HEAD_MAX);
	SL_ASSERT_EQ(strcmp(r.path, "/metrics"), 0);
	/* More bytes after it change nothing. */
	SL_ASSERT_EQ(sl_http_parse(big, sizeof(big), &r), SL_HTTP_HEAD_MAX);
	/* Bare LF, same. */
	make_head(SL_HTTP_HEAD_MAX, false);
	SL_ASSERT_EQ(sl_http_parse(big, SL_HTTP_HEAD_MAX, &r), SL_HTTP_HEAD_MAX);
	SL_ASSERT_EQ(sl_http_parse(big, SL_HTTP_HEAD_MAX + 1, &r), SL_HTTP_HEAD_MAX);
	/* Its prefixes are incomplete. */
	make_head(SL_HTTP_HEAD_MAX, true);
	SL_ASSERT_EQ(sl_http_parse(big, SL_HTTP_HEAD_MAX - 1, &r), 0);
	SL_ASSERT_EQ(sl_http_parse(big, SL_HTTP_HEAD_MAX - 3, &r), 0);
	return 0;
}

static int
test_head_over_the_limit_is_431(void)
{
	make_head(SL_HTTP_HEAD_MAX + 1, true);
	SL_ASSERT_EQ(sl_http_parse(big, SL_HTTP_HEAD_MAX + 1, &r), -431);
	SL_ASSERT_EQ(sl_http_parse(big, sizeof(big), &r), -431);
	/* Known as soon as the limit is reached without an end... */
	SL_ASSERT_EQ(sl_http_parse(big, SL_HTTP_HEAD_MAX, &r), -431);
	/* ...and not before. */
	SL_ASSERT_EQ(sl_http_parse(big, SL_HTTP_HEAD_MAX - 1, &r), 0);
	make_head(SL_HTTP_HEAD_MAX + 1, false);
	SL_ASSERT_EQ(sl_http_parse(big, SL_HTTP_HEAD_MAX + 1, &r), -431);
	/* Far over. */
	make_head(2 * SL_HTTP_HEAD_MAX, true);
	SL_ASSERT_EQ(sl_http_parse(big, 2 * SL_HTTP_HEAD_MAX, &r), -431);
	/* No line break at all. */
	memset(big, 'a', sizeof(big));
	SL_ASSERT_EQ(sl_http_parse(big, SL_HTTP_HEAD_MAX - 1, &r), 0);
	SL_ASSERT_EQ(sl_http_parse(big, SL_HTTP_HEAD_MAX, &r), -431);
	SL_ASSERT_EQ(sl_http_parse(big, sizeof(big), &r), -431);
	return 0;
}

static int
test_small_head_in_a_big_buffer_is_not_431(void)
{
	const char *h = "GET /healthz HTTP/1.1\r\n\r\n";

	memset(big, 'z', sizeof(big));
	memcpy(big, h, strlen(h));
	SL_ASSERT_EQ(sl_http_parse(big, sizeof(big), &r), 25);
	SL_ASSERT_EQ(strcmp(r.path, "/healthz"), 0);
	/* An error in a head found within the limit is that error, not 431. */
	memcpy(big, "PUT", 3);
	SL_ASSERT_EQ(sl_http_parse(big, sizeof(big), &r), -405);
	return 0;
}

static int
test_other_methods_are_405(void)
{
	SL_ASSERT_EQ(P("POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n"), -405);
	SL_ASSERT_EQ(P("PUT /metrics HTTP/1.1\r\n\r\n"), -405);
	SL_ASSERT_EQ(P("DELETE / HTTP/1.1\r\n\r\n"), -405);
	SL_ASSERT_EQ(P("OPTIONS / HTTP/1.1\r\n\r\n"), -405);
	/* Methods are case-sensitive. */
	SL_ASSERT_EQ(P("get /metrics HTTP/1.1\r\n\r\n"), -405);
	SL_ASSERT_EQ(P("Head /metrics HTTP/1.1\r\n\r\n"), -405);
	/* Neither a prefix nor an extension of GET or HEAD. */
	SL_ASSERT_EQ(P("GE / HTTP/1.1\r\n\r\n"), -405);
	SL_ASSERT_EQ(P("GETS / HTTP/1.1\r\n\r\n"), -405);
	SL_ASSERT_EQ(P("HEADS / HTTP/1.1\r\n\r\n"), -405);
	return 0;
}

static int
test_malformed_request_lines_are_400(void)
{
	/* Missing target. */
	SL_ASSERT_EQ(P("GET\r\n\r\n"), -400);
	SL_ASSERT_EQ(P("GET \r\n\r\n"), -400);
	SL_ASSERT_EQ(P("GET HTTP/1.1\r\n\r\n"), -400);
	SL_ASSERT_EQ(P("GET  HTTP/1.1\r\n\r\n"), -400);
	/* No version (HTTP/0.9 style). */
	SL_ASSERT_EQ(P("GET /metrics\r\n\r\n"), -400);
	SL_ASSERT_EQ(P("GET /metrics \r\n\r\n"), -400);
	/* Target not starting with '/'. */
	SL_ASSERT_EQ(P("GET metrics HTTP/1.1\r\n\r\n"), -400);
	SL_ASSERT_EQ(P("GET * HTTP/1.1\r\n\r\n"), -400);
	SL_ASSERT_EQ(P("GET http://h/metrics HTTP/1.1\r\n\r\n"), -400);
	SL_ASSERT_EQ(P("GET ?x HTTP/1.1\r\n\r\n"), -400);
	/* Double spaces. */
	SL_ASSERT_EQ(P("GET  /metrics HTTP/1.1\r\n\r\n"), -400);
	SL_ASSERT_EQ(P("GET /metrics  HTTP/1.1\r\n\r\n"), -400);
	/* Empty method, empty line, empty request line. */
	SL_ASSERT_EQ(P(" /metrics HTTP/1.1\r\n\r\n"), -400);
	SL_ASSERT_EQ(P("\r\n\r\n"), -400);
	SL_ASSERT_EQ(P("\n\n"), -400);
	SL_ASSERT_EQ(P("\r\n\r\nGET / HTTP/1.1\r\n\r\n"), -400);
	/* A lone word. */
	SL_ASSERT_EQ(P("hello\n\n"), -400);
	return 0;
}

static int
test_other_versions_are_505(void)
{
	SL_ASSERT_EQ(P("GET /metrics HTTP/2.0\r\n\r\n"), -505);
	SL_ASSERT_EQ(P("GET /metrics HTTP/1.2\r\n\r\n"), -505);
	SL_ASSERT_EQ(P("GET /metrics HTTP/1.9\r\n\r\n"), -505);
	SL_ASSERT_EQ(P("GET /metrics HTTP/0.9\r\n\r\n"), -505);
	SL_ASSERT_EQ(P("HEAD / HTTP/2.0\n\n"), -505);
	return 0;
}

static int
test_garbage_versions_are_400(void)
{
	SL_ASSERT_EQ(P("GET /metrics FOO/1.1\r\n\r\n"), -400);
	SL_ASSERT_EQ(P("GET /metrics http/1.1\r\n\r\n"), -400);
	SL_ASSERT_EQ(P("GET /metrics HTTP\r\n\r\n"), -400);
	/* RFC 9112 2.3: HTTP "/" DIGIT "." DIGIT, then the end of the line. */
	SL_ASSERT_EQ(P("GET /metrics HTTP/3\r\n\r\n"), -400);
	SL_ASSERT_EQ(P("GET / HTTP/1.1 \r\n\r\n"), -400);
	SL_ASSERT_EQ(P("GET / HTTP/1.x\r\n\r\n"), -400);
	SL_ASSERT_EQ(P("GET / HTTP/1.1\r\r\n\r\n"), -400);
	/* A CR not followed by LF (RFC 9112 2.2). */
	SL_ASSERT_EQ(P("GET /a\rb HTTP/1.1\r\n\r\n"), -400);
	SL_ASSERT_EQ(P("GET /metrics HTTX/1.1\r\n\r\n"), -400);
	SL_ASSERT_EQ(P("GET /metrics 1.1\r\n\r\n"), -400);
	return 0;
}

static int
test_path_length_limit_is_414(void)
{
	char s[3 * SL_HTTP_PATH_MAX + 64], p[2 * SL_HTTP_PATH_MAX], q[2 * SL_HTTP_PATH_MAX];

	/* A path of SL_HTTP_PATH_MAX - 1 characters fits with its NUL. */
	memset(p, 'a', sizeof(p));
	p[0] = '/';
	p[SL_HTTP_PATH_MAX - 1] = '\0';
	snprintf(s, sizeof(s), "GET %s HTTP/1.1\r\n\r\n", p);
	SL_ASSERT_EQ(P(s), strlen(s));
	SL_ASSERT_EQ(strlen(r.path), SL_HTTP_PATH_MAX - 1);
	SL_ASSERT_EQ(strcmp(r.path, p), 0);
	/* With a query after it. */
	snprintf(s, sizeof(s), "GET %s?a=b HTTP/1.1\r\n\r\n", p);
	SL_ASSERT_EQ(P(s), strlen(s));
	SL_ASSERT_EQ(strcmp(r.path, p), 0);
	SL_ASSERT_EQ(strcmp(r.query, "a=b"), 0);
	/* One more is too long, query or not. */
	p[SL_HTTP_PATH_MAX - 1] = 'a';
	p[SL_HTTP_PATH_MAX] = '\0';
	snprintf(s, sizeof(s), "GET %s HTTP/1.1\r\n\r\n", p);
	SL_ASSERT_EQ(P(s), -414);
	snprintf(s, sizeof(s), "HEAD %s?a HTTP/1.0\n\n", p);
	SL_ASSERT_EQ(P(s), -414);
	/* The query has the same limit. */
	memset(q, 'q', sizeof(q));
	q[SL_HTTP_PATH_MAX - 1] = '\0';
	snprintf(s, sizeof(s), "GET /m?%s HTTP/1.1\r\n\r\n", q);
	SL_ASSERT_EQ(P(s), strlen(s));
	SL_ASSERT_EQ(strcmp(r.path, "/m"), 0);
	SL_ASSERT_EQ(strcmp(r.query, q), 0);
	q[SL_HTTP_PATH_MAX - 1] = 'q';
	q[SL_HTTP_PATH_MAX] = '\0';
	snprintf(s, sizeof(s), "GET /m?%s HTTP/1.1\r\n\r\n", q);
	SL_ASSERT_EQ(P(s), -414);
	return 0;
}

static int
test_control_bytes_are_400(void)
{
	/* NUL in the target, a header name, a header value. */
	SL_ASSERT_EQ(PL("GET /met\0rics HTTP/1.1\r\n\r\n"), -400);
	SL_ASSERT_EQ(PL("GET /metrics HTTP/1.1\r\nHo\0st: x\r\n\r\n"), -400);
	SL_ASSERT_EQ(PL("GET /metrics HTTP/1.1\r\nHost: x\0\r\n\r\n"), -400);
	SL_ASSERT_EQ(PL("\0GET /metrics HTTP/1.1\r\n\r\n"), -400);
	/* DEL and 0x01. */
	SL_ASSERT_EQ(PL("GET /met\x7frics HTTP/1.1\r\n\r\n"), -400);
	SL_ASSERT_EQ(PL("GET /metrics HTTP/1.1\r\nHost: \x7f\r\n\r\n"), -400);
	SL_ASSERT_EQ(PL("GET /met\x01rics HTTP/1.1\r\n\r\n"), -400);
	SL_ASSERT_EQ(PL("GET /metrics HTTP/1.1\r\nX: \x01\r\n\r\n"), -400);
	SL_ASSERT_EQ(PL("GET /metrics HTTP/1.1\x1b\r\n\r\n"), -400);
	/* Bytes over 0x7f. */
	SL_ASSERT_EQ(PL("GET /m\xc3\xa9trics HTTP/1.1\r\n\r\n"), -400);
	SL_ASSERT_EQ(PL("GET /metrics HTTP/1.1\r\nX: \xff\r\n\r\n"), -400);
	/* A control byte after the head is not the head's. */
	SL_ASSERT_EQ(PL("GET /metrics HTTP/1.1\r\n\r\n\0\x01\x7f"), 25);
	/* A tab in a header value is fine. */
	SL_ASSERT_EQ(PL("GET /metrics HTTP/1.1\r\nX:\tv\r\n\r\n"), 31);
	return 0;
}

static int
test_request_is_reset_on_every_parse(void)
{
	memset(&r, 'x', sizeof(r));
	SL_ASSERT_EQ(P("GET /a?b HTTP/1.1\n\n"), 19);
	SL_ASSERT_EQ(strcmp(r.path, "/a"), 0);
	SL_ASSERT_EQ(strcmp(r.query, "b"), 0);
	memset(&r, 'x', sizeof(r));
	SL_ASSERT_EQ(P("GET /a HTTP/1.1\n\n"), 17);
	SL_ASSERT_EQ(strcmp(r.query, ""), 0);
	return 0;
}

static int
test_reason_phrases(void)
{
	SL_ASSERT_EQ(strcmp(sl_http_reason(200), "OK"), 0);
	SL_ASSERT_EQ(strcmp(sl_http_reason(400), "Bad Request"), 0);
	SL_ASSERT_EQ(strcmp(sl_http_reason(404), "Not Found"), 0);
	SL_ASSERT_EQ(strcmp(sl_http_reason(405), "Method Not Allowed"), 0);
	SL_ASSERT_EQ(strcmp(sl_http_reason(408), "Request Timeout"), 0);
	SL_ASSERT_EQ(strcmp(sl_http_reason(414), "URI Too Long"), 0);
	SL_ASSERT_EQ(strcmp(sl_http_reason(431), "Request Header Fields Too Large"), 0);
	SL_ASSERT_EQ(strcmp(sl_http_reason(500), "Internal Server Error"), 0);
	SL_ASSERT_EQ(strcmp(sl_http_reason(503), "Service Unavailable"), 0);
	SL_ASSERT_EQ(strcmp(sl_http_reason(505), "HTTP Version Not Supported"), 0);
	/* Every status the parser returns has its own phrase. */
	SL_ASSERT(strcmp(sl_http_reason(-P("GET\n\n")), "Bad Request") == 0);
	/* Unknown ones get a generic phrase, never NULL. */
	SL_ASSERT(sl_http_reason(0) != NULL);
	SL_ASSERT_EQ(strcmp(sl_http_reason(0), "Error"), 0);
	SL_ASSERT_EQ(strcmp(sl_http_reason(418), "Error"), 0);
	SL_ASSERT_EQ(strcmp(sl_http_reason(-400), "Error"), 0);
	return 0;
}

static const struct sl_test_case cases[] = {
	SL_TEST(test_get_metrics_crlf),
	SL_TEST(test_get_metrics_bare_lf),
	SL_TEST(test_get_without_headers),
	SL_TEST(test_head_sets_the_flag),
	SL_TEST(test_http10_sets_the_flag),
	SL_TEST(test_query_string_is_split_off),
	SL_TEST(test_headers_are_skipped_and_length_is_past_the_empty_line),
	SL_TEST(test_every_prefix_of_a_head_is_incomplete),
	SL_TEST(test_head_at_the_limit_is_taken),
	SL_TEST(test_head_over_the_limit_is_431),
	SL_TEST(test_small_head_in_a_big_buffer_is_not_431),
	SL_TEST(test_other_methods_are_405),
	SL_TEST(test_malformed_request_lines_are_400),
	SL_TEST(test_other_versions_are_505),
	SL_TEST(test_garbage_versions_are_400),
	SL_TEST(test_path_length_limit_is_414),
	SL_TEST(test_control_bytes_are_400),
	SL_TEST(test_request_is_reset_on_every_parse),
	SL_TEST(test_reason_phrases),
};

int
main(int argc, char **argv)
{
	return sl_test_main(argc, argv, cases, SL_DIM(cases), false);
}

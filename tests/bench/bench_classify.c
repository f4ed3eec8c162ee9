/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classify micro-benchmark: ns per message for sl_parse_msg() alone (the
 * baseline) and sl_parse_msg() + sl_classify_one() on ~140-byte mixed syslog
 * messages (RFC 3164, RFC 5424, raw; each in its own exactly-sized buffer)
 * with three rule sets:
 *   rules20   tests/bench/rules20.rules: 20 realistic rules, several fields,
 *             every action, a few conditions
 *   regex1k   1,000 generated regexes (words, classes, .*, alternations)
 *   lit25k    25,000 generated literals (a quarter caseless)
 * and for each set its compile time, cache load time and database size.
 * Last, the literal question: the 25,000 literals compiled through
 * hs_compile_multi() vs hs_compile_lit_multi(), compile time and scan
 * ns/msg (raw field), to decide whether a separate literal database pays.
 * CPU time of this thread, best of 5 runs.
 *
 * usage: bench_classify [ITERATIONS [RULES20_FILE]]   (default 1,000,000)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hs/hs.h>
#include <rte_eal.h>
#include <rte_memory.h>

#include "bench_util.h"
#include "sl_classify.h"
#include "sl_record.h"

#ifndef SL_BENCH_RULES20
#define SL_BENCH_RULES20 "tests/bench/rules20.rules"
#endif

static const char *const lines[] = {
	"<86>Nov 23 05:10:59 web01 sshd[4242]: Accepted publickey for deploy from 10.1.2.3 port 52144 ssh2: ED25519 SHA256:abc",
	"<85>Nov 23 05:11:02 web01 sshd[4250]: Failed password for invalid user admin from 203.0.113.9 port 40022 ssh2",
	"<78>Nov 23 05:12:01 vm01 CRON[12345]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)",
	"<86>Nov 23 05:12:07 vm01 sudo: deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/systemctl",
	"<4>Nov 23 05:12:09 node7 kernel: [12345.678901] eth0: link up, 10000 Mbps, full duplex, flow control rx/tx",
	"<3>Nov 23 05:12:10 node7 kernel: Out of memory: Killed process 4242 (java) total-vm:8123456kB, anon-rss:4000000kB",
	"<190>1 2026-11-23T05:10:59.123Z web02 nginx 999 access - 10.1.2.3 - - \"GET /api/v1/items?id=42 HTTP/1.1\" 200 512",
	"<190>1 2026-11-23T05:10:59.124Z web02 nginx 999 access - 10.1.2.4 - - \"GET /healthz HTTP/1.1\" 200 2 \"-\" \"kube-probe\"",
	"<187>1 2026-11-23T05:10:59.125Z web03 nginx 999 access - 10.1.2.5 - - \"POST /api/v1/orders HTTP/1.1\" 503 0 \"-\"",
	"<190>1 2026-11-23T05:10:59.126Z web03 nginx 999 access - 10.1.2.6 - - \"GET /missing HTTP/1.1\" 404 153 \"-\" \"curl\"",
	"<165>1 2026-11-23T05:10:59.127Z app1.example.net billing 77 ID47 [origin@32473 ip=\"10.0.0.1\"] invoice 42 created",
	"<134>1 2026-11-23T05:10:59.128Z test-app2 svc 88 - - DEBUG cache miss for key user:123456 after 3 probes, refreshing",
	"{\"ts\":\"2026-11-23T05:10:59Z\",\"level\":\"error\",\"msg\":\"upstream timeout\",\"ms\":3000,\"user\":123456,\"ip\":\"10.1.2.3\"}",
	"{\"ts\":\"2026-11-23T05:10:59Z\",\"level\":\"info\",\"msg\":\"request handled\",\"ms\":13,\"user\":123456,\"ip\":\"10.1.2.3\"}",
	"2026-11-23 05:10:59,123 ERROR [main] Exception in thread \"main\" java.lang.NullPointerException at com.example.Svc.run(",
	"10.1.2.3 - - [23/Nov/2026:05:10:59 +0000] \"GET /metrics HTTP/1.1\" 200 5120 \"-\" \"Prometheus/2.45.0\" 0.002 ok",
};

#define NMSG 64
#define MSG_LEN 140

static uint8_t *buf[NMSG];
static uint32_t len[NMSG];

static void
fill(void)
{
	unsigned int k;

	for (k = 0; k < NMSG; k++) {
		const char *m = lines[k % (sizeof(lines) / sizeof(lines[0]))];
		size_t n = strlen(m);

		len[k] = MSG_LEN;
		buf[k] = malloc(MSG_LEN);
		if (buf[k] == NULL)
			exit(1);
		memset(buf[k], ' ', MSG_LEN);
		memcpy(buf[k], m, n < MSG_LEN ? n : MSG_LEN);
	}
}

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint32_t
rnd(void)
{
	return (uint32_t)(bench_xorshift(&rng) >> 11);
}

static double
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Best of 5: parse (and classify, when @p w) @p iters messages. */
static double
run(struct sl_classify_worker *w, uint64_t iters, uint64_t *kept)
{
	double best = 1e18;
	unsigned int rep;

	for (rep = 0; rep < 5; rep++) {
		double t0 = bench_cpu_ns(), t;
		uint64_t i, sink = 0;

		for (i = 0; i < iters; i++) {
			unsigned int j = (unsigned int)(i % NMSG);
			struct sl_parsed o;
			struct sl_verdict v = { .keep = 1 };
			struct sl_classify_msg m = {
				.p = buf[j], .len = len[j], .parsed = &o,
				.transport = j % 4 == 0 ? SL_TRANSPORT_TCP : SL_TRANSPORT_UDP,
				.dport = j % 4 == 0 ? 6514 : 514,
			};

			sl_parse_msg(buf[j], len[j], 2026, &o);
			if (w != NULL)
				sl_classify_one(w, &m, &v);
			sink += v.keep + o.msg.off;
		}
		t = (bench_cpu_ns() - t0) / (double)iters;
		if (t < best)
			best = t;
		*kept = sink;
	}
	return best;
}

static const char *const words[] = {
	"error", "failed", "timeout", "refused", "denied", "session", "user", "conn",
	"request", "upstream", "disk", "quota", "token", "cert", "expired", "invalid",
};

/* 1,000 regexes shaped like operators' ones, mostly not matching. */
static void
gen_regexes(FILE *f)
{
	static const char *const shapes[] = {
		"%s_%c%c [0-9]+ms", "(%s|%s)-%c%c=[a-z]+", "^%s %c%c.*%s", "%s%c%c\\b",
		"%s=[\"']?%c%c[a-f0-9]{8}", "code [45][0-9]{2} %s%c%c", "%s.*%c%c(%s)?$",
		"[A-Z]{2,4}-%s-%c%c",
	};
	unsigned int i;

	for (i = 0; i < 1000; i++) {
		const char *a = words[rnd() % 16], *b = words[rnd() % 16];
		char x = (char)('a' + rnd() % 26), y = (char)('a' + rnd() % 26);
		char pat[128];

		/* Shapes 1, 2 and 6 take a second word. */
		if (i % 8 == 1)
			snprintf(pat, sizeof(pat), shapes[1], a, b, x, y);
		else if (i % 8 == 2 || i % 8 == 6)
			snprintf(pat, sizeof(pat), shapes[i % 8], a, x, y, b);
		else
			snprintf(pat, sizeof(pat), shapes[i % 8], a, x, y);
		fprintf(f, "re%u %s /%s/%s %s\n", i, i % 5 == 0 ? "raw" : "msg", pat,
			i % 7 == 0 ? "i" : "", i % 3 == 0 ? "drop" : "route r");
	}
}

static char lit[25000][21];

/* 25,000 literals of 8-20 characters (indicators, hostnames, tokens). */
static void
gen_literals(FILE *f)
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned int i, k;

	for (i = 0; i < 25000; i++) {
		unsigned int n = 8 + rnd() % 13;

		for (k = 0; k < n; k++)
			lit[i][k] = alpha[rnd() % (sizeof(alpha) - 1)];
		lit[i][n] = '\0';
		fprintf(f, "lit%u raw /%s/%s drop\n", i, lit[i], i % 4 == 0 ? "i" : "");
	}
}

/* Write a generated rules file DIR/NAME.rules; its path into @p path. */
static int
gen_set(char *path, size_t cap, const char *dir, const char *name, void (*gen)(FILE *))
{
	FILE *f;

	snprintf(path, cap, "%s/%s.rules", dir, name);
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	gen(f);
	return fclose(f);
}

/* Compile (cache empty), load from the cache, measure ns/msg. */
static void
bench_set(const char *name, const char *path, const char *cache, uint64_t iters, double base)
{
	struct sl_classify_params p = { .path = path, .cache_dir = cache, .socket_id = SOCKET_ID_ANY };
	struct sl_classify *c;
	struct sl_classify_worker *w;
	static char err[4096];
	double compile_ms, load_ms, t0, t;
	uint64_t kept;

	t0 = wall_ms();
	c = sl_classify_create(&p, err, sizeof(err));
	if (c == NULL) {
		fprintf(stderr, "%s: %s", name, err);
		exit(1);
	}
	sl_classify_from_cache(c, &compile_ms);
	printf("%-8s %6u rules: compile %8.1f ms (create %.1f ms), %zu KB of databases\n", name,
	       sl_classify_n_rules(c), compile_ms, wall_ms() - t0, sl_classify_db_size(c) >> 10);
	sl_classify_free(c);
	t0 = wall_ms();
	c = sl_classify_create(&p, err, sizeof(err));
	if (c == NULL || !sl_classify_from_cache(c, &load_ms)) {
		fprintf(stderr, "%s: not loaded from the cache\n", name);
		exit(1);
	}
	printf("%-8s %6s        cache load %5.1f ms (create, rules file parse included: %.1f ms)\n",
	       name, "", load_ms, wall_ms() - t0);
	w = sl_classify_worker_create(c, SOCKET_ID_ANY);
	if (w == NULL)
		exit(1);
	t = run(w, iters, &kept);
	printf("%-8s parse+classify %6.1f ns/msg, classify alone %6.1f ns/msg\n",
	       name, t, t - base);
	sl_classify_worker_free(w);
	sl_classify_free(c);
}

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to,
	 unsigned int flags, void *ctx)
{
	(*(uint64_t *)ctx)++;
	return 0;
}

/* The 25,000 literals through the regex and the literal compile API. */
static void
literal_api(uint64_t iters)
{
	const char **expr = malloc(25000 * sizeof(*expr));
	unsigned int *flags = malloc(25000 * sizeof(*flags)), *ids = malloc(25000 * sizeof(*ids));
	size_t *lens = malloc(25000 * sizeof(*lens));
	hs_database_t *db[2] = { NULL, NULL };
	hs_scratch_t *s = NULL;
	hs_compile_error_t *ce;
	unsigned int i, k;

	if (!expr || !flags || !ids || !lens)
		exit(1);
	for (i = 0; i < 25000; i++) {
		expr[i] = lit[i];
		lens[i] = strlen(lit[i]);
		ids[i] = i;
		flags[i] = HS_FLAG_SINGLEMATCH | (i % 4 == 0 ? HS_FLAG_CASELESS : 0);
	}
	for (k = 0; k < 2; k++) {
		double t0 = wall_ms();
		int rc = k == 0 ?
			hs_compile_multi(expr, flags, ids, 25000, HS_MODE_BLOCK, NULL, &db[k], &ce) :
			hs_compile_lit_multi(expr, flags, ids, lens, 25000, HS_MODE_BLOCK, NULL,
					     &db[k], &ce);
		size_t size = 0;

		if (rc != HS_SUCCESS || hs_alloc_scratch(db[k], &s) != HS_SUCCESS)
			exit(1);
		hs_database_size(db[k], &size);
		printf("lit25k   %s: compile %6.1f ms, %zu KB\n",
		       k == 0 ? "hs_compile_multi    " : "hs_compile_lit_multi", wall_ms() - t0,
		       size >> 10);
	}
	for (k = 0; k < 2; k++) {
		double best = 1e18;
		unsigned int rep;
		uint64_t n = 0;

		for (rep = 0; rep < 5; rep++) {
			double t0 = bench_cpu_ns(), t;
			uint64_t j;

			for (j = 0; j < iters; j++)
				hs_scan(db[k], (const char *)buf[j % NMSG], len[j % NMSG], 0, s,
					on_match, &n);
			t = (bench_cpu_ns() - t0) / (double)iters;
			if (t < best)
				best = t;
		}
		printf("lit25k   %s: scan %6.1f ns/msg (%" PRIu64 " matches)\n",
		       k == 0 ? "hs_compile_multi    " : "hs_compile_lit_multi", best, n);
	}
	hs_free_scratch(s);
	hs_free_database(db[0]);
	hs_free_database(db[1]);
	free(expr);
	free(flags);
	free(ids);
	free(lens);
}

int
main(int argc, char **argv)
{
	char prefix[64], dir[] = "/tmp/sl-bench-classify-XXXXXX", path[128], cache[128], cmd[256];
	char *eal[] = { argv[0], "--no-pci", "--no-huge", "-m", "256", "--file-prefix", prefix,
			"-l", "0", "--log-level", "lib.*:error", NULL };
	uint64_t iters = argc > 1 ? strtoull(argv[1], NULL, 0) : 1000000, kept;
	const char *rules20 = argc > 2 ? argv[2] : SL_BENCH_RULES20;
	double base;

	snprintf(prefix, sizeof(prefix), "sl-bench-classify-%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0 || mkdtemp(dir) == NULL)
		return 1;
	snprintf(cache, sizeof(cache), "%s/cache", dir);
	fill();
	base = run(NULL, iters, &kept);
	printf("parse    alone          %6.1f ns/msg  (%d-byte messages, best of 5 x %" PRIu64 ")\n",
	       base, MSG_LEN, iters);
	bench_set("rules20", rules20, cache, iters, base);
	if (gen_set(path, sizeof(path), dir, "regex1k", gen_regexes) < 0)
		return 1;
	bench_set("regex1k", path, cache, iters, base);
	if (gen_set(path, sizeof(path), dir, "lit25k", gen_literals) < 0)
		return 1;
	bench_set("lit25k", path, cache, iters, base);
	literal_api(iters);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	rte_eal_cleanup();
	return 0;
}

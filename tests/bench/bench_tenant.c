/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tenant micro-benchmark: ns per message of sl_tenant_resolve() alone and
 * of resolve + sl_tenant_admit(), with 10 and 10,000 tenants, each tenant
 * with an IPv4 /24, an IPv6 /48, a destination port and a token, and
 * limits high enough (10M msg/s, 10 GB/s each) that nearly everything is
 * admitted, so the meters' leases run as they would under load. Messages
 * (4096 distinct, tenants drawn at random) are resolved by:
 *   prefix4  source in a tenant's IPv4 /24 (rte_lpm)
 *   prefix6  source in a tenant's IPv6 /48 (rte_lpm6)
 *   port     source in no prefix, destination port of a tenant
 *   token    RFC 5424 with [sluice@32473 key="..."] (SD already located by
 *            the parse stage, as in the worker)
 *   mix      a third each of prefix4, port and token
 * The TSC is read once per 32 messages, as the worker does per burst.
 * For the token table's design, an rte_hash of 64-byte keys (the longest
 * token, zero-padded) is timed on the same tokens. CPU time of this
 * thread, best of 5 runs.
 *
 * usage: bench_tenant [ITERATIONS]   (default 4,000,000 messages per run)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_memory.h>

#include "bench_util.h"
#include "sl_parse_msg.h"
#include "sl_tenant.h"

#define NMSG 4096
#define PORT_BASE 20000

enum kind { K_PREFIX4, K_PREFIX6, K_PORT, K_TOKEN, K_MIX, K_NB };
static const char *const kind_name[K_NB] = { "prefix4", "prefix6", "port", "token", "mix" };

struct ent {
	struct sl_ip src;
	uint16_t dport;
	uint16_t want;      /* tenant it must resolve to */
	uint32_t len;
	uint32_t sd_off, sd_len;
	const uint8_t *msg; /* NULL: no SD */
};

static struct ent ents[NMSG];
static char texts[NMSG][160];
static uint64_t rng = 0x243f6a8885a308d3ull;

static uint32_t
rnd(void)
{
	return (uint32_t)(bench_xorshift(&rng) >> 16);
}

static void
token_of(uint32_t i, char *buf, size_t len)
{
	snprintf(buf, len, "tok-%05u-8f3a2c", i);
}

/* The file: tenant i has 10.X.Y.0/24, 2001:db8:i::/48, port PORT_BASE+i, a token. */
static char *
make_file(uint32_t n)
{
	size_t cap = (size_t)n * 200 + 64, len = 0;
	char *s = malloc(cap), tok[32];
	uint32_t i;

	if (s == NULL)
		exit(1);
	for (i = 1; i <= n; i++) {
		token_of(i, tok, sizeof(tok));
		len += (size_t)snprintf(s + len, cap - len,
					"tenant t%u prefix=10.%u.%u.0/24,2001:db8:%x::/48 port=%u "
					"token=%s msgs=10M/s bytes=10G/s\n",
					i, i >> 8, i & 255, i, PORT_BASE + i, tok);
	}
	return s;
}

static void
fill(enum kind k, uint32_t n)
{
	unsigned int j;

	for (j = 0; j < NMSG; j++) {
		struct ent *e = &ents[j];
		uint32_t i = 1 + rnd() % n;
		enum kind kk = k == K_MIX ? (enum kind)(j % 3 == 0 ? K_PREFIX4 :
							j % 3 == 1 ? K_PORT : K_TOKEN) : k;
		char addr[64], tok[32];
		struct sl_parsed pm;
		int len;

		memset(e, 0, sizeof(*e));
		e->want = (uint16_t)i;
		e->dport = 514;
		e->len = 140;
		switch (kk) {
		case K_PREFIX4:
			snprintf(addr, sizeof(addr), "10.%u.%u.%u", i >> 8, i & 255, 1 + rnd() % 254);
			break;
		case K_PREFIX6:
			snprintf(addr, sizeof(addr), "2001:db8:%x:%x::%x", i, rnd() & 0xffff,
				 rnd() & 0xffff);
			break;
		case K_PORT:
			snprintf(addr, sizeof(addr), "192.168.%u.%u", rnd() % 256, 1 + rnd() % 254);
			e->dport = (uint16_t)(PORT_BASE + i);
			break;
		default:
			snprintf(addr, sizeof(addr), "192.168.%u.%u", rnd() % 256, 1 + rnd() % 254);
			token_of(i, tok, sizeof(tok));
			len = snprintf(texts[j], sizeof(texts[j]), "<165>1 2026-11-23T05:10:59.123Z "
				       "web01 app 42 ID47 [sluice@32473 key=\"%s\"] request handled "
				       "in 13 ms", tok);
			sl_parse_msg((const uint8_t *)texts[j], (uint32_t)len, 2026, &pm);
			e->msg = (const uint8_t *)texts[j];
			e->sd_off = pm.sd.off;
			e->sd_len = pm.sd.len;
			e->len = (uint32_t)len;
			break;
		}
		if (sl_ip_parse(&e->src, addr) != 0)
			exit(1);
	}
}

/* One run of @p iters messages; @return ns per message. */
static double
run(const struct sl_tenant_table *t, struct sl_tenant_meter *m, uint64_t iters, bool admit,
    uint64_t *ok, uint64_t *wrong)
{
	uint64_t i, now = rte_rdtsc(), sink = 0;
	double t0 = bench_cpu_ns();

	*ok = 0;
	*wrong = 0;
	for (i = 0; i < iters; i++) {
		const struct ent *e = &ents[i & (NMSG - 1)];
		uint16_t id;

		if ((i & 31) == 0)
			now = rte_rdtsc();
		id = sl_tenant_resolve(t, &e->src, e->dport, e->msg, e->sd_off, e->sd_len, NULL);
		sink += id;
		*wrong += id != e->want;
		if (admit)
			*ok += sl_tenant_admit(m, id, e->len, now) == SL_TENANT_OK;
	}
	if (sink == 42)
		putchar(' ');
	return (bench_cpu_ns() - t0) / (double)iters;
}

static double
best(const struct sl_tenant_table *t, struct sl_tenant_meter *m, uint64_t iters, bool admit,
     uint64_t *ok, uint64_t *wrong)
{
	double b = 1e18;
	int r;

	for (r = 0; r < 5; r++) {
		double x = run(t, m, iters, admit, ok, wrong);

		if (x < b)
			b = x;
	}
	return b;
}

/* rte_hash with 64-byte zero-padded keys, looked up with the tokens the
 * token messages carry (already unescaped: the lookup alone). */
static void
bench_rte_hash(uint32_t n, uint64_t iters)
{
	struct rte_hash_parameters hp = {
		.name = "bench_tok", .entries = n * 2 < 1024 ? 1024 : n * 2,
		.key_len = SL_TENANT_TOKEN_MAX, .hash_func = rte_hash_crc,
		.socket_id = SOCKET_ID_ANY,
	};
	static char keys[NMSG][SL_TENANT_TOKEN_MAX];
	struct rte_hash *h = rte_hash_create(&hp);
	double b = 1e18;
	uint64_t i, found = 0;
	uint32_t k;
	int r;

	if (h == NULL)
		return;
	for (k = 1; k <= n; k++) {
		char key[SL_TENANT_TOKEN_MAX] = { 0 };

		token_of(k, key, sizeof(key));
		rte_hash_add_key_data(h, key, (void *)(uintptr_t)k);
	}
	for (k = 0; k < NMSG; k++) {
		memset(keys[k], 0, sizeof(keys[k]));
		token_of(ents[k].want, keys[k], sizeof(keys[k]));
	}
	for (r = 0; r < 5; r++) {
		double t0 = bench_cpu_ns(), x;

		for (i = 0; i < iters; i++) {
			char key[SL_TENANT_TOKEN_MAX];
			void *d;

			/* The copy a resolver would make: pad the token to the key size. */
			memcpy(key, keys[i & (NMSG - 1)], sizeof(key));
			found += rte_hash_lookup_data(h, key, &d) >= 0;
		}
		x = (bench_cpu_ns() - t0) / (double)iters;
		if (x < b)
			b = x;
	}
	printf("tenants %-6u token    rte_hash lookup alone (64-byte keys) %6.1f ns/msg "
	       "(found %.1f%%, for comparison)\n", n, b, 100.0 * (double)found / (double)(5 * iters));
	rte_hash_free(h);
}

int
main(int argc, char **argv)
{
	static const uint32_t sizes[] = { 10, 10000 };
	char prefix[64];
	char *eal[] = { argv[0], "--no-pci", "--no-huge", "-m", "1024", "--file-prefix", prefix,
			"-l", "0", "--log-level", "lib.*:error", NULL };
	uint64_t iters = argc > 1 ? strtoull(argv[1], NULL, 0) : 4000000;
	static char err[4096];
	unsigned int s;

	snprintf(prefix, sizeof(prefix), "sl-bench-tenant-%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return 1;
	for (s = 0; s < 2; s++) {
		struct sl_tenant_params p = {
			.max_msg = 2048, .n_workers = 1, .tsc_hz = rte_get_tsc_hz(),
			.socket_id = SOCKET_ID_ANY,
		};
		char *text = make_file(sizes[s]);
		struct sl_tenant_table *t;
		struct sl_tenant_meter *m;
		double t0 = bench_cpu_ns();
		int k;

		t = sl_tenant_parse(text, strlen(text), "bench", &p, err, sizeof(err));
		free(text);
		if (t == NULL) {
			fprintf(stderr, "bench_tenant: %s", err);
			return 1;
		}
		printf("tenants %-6u loaded in %.1f ms\n", sizes[s], (bench_cpu_ns() - t0) / 1e6);
		m = sl_tenant_meter_create(t, 0, SOCKET_ID_ANY);
		if (m == NULL)
			return 1;
		for (k = 0; k < K_NB; k++) {
			uint64_t ok, wrong;
			double r, ra;

			fill((enum kind)k, sizes[s]);
			r = best(t, m, iters, false, &ok, &wrong);
			ra = best(t, m, iters, true, &ok, &wrong);
			printf("tenants %-6u %-8s resolve %6.1f ns/msg  resolve+admit %6.1f ns/msg  "
			       "(admitted %.2f%%, %s)\n", sizes[s], kind_name[k], r, ra,
			       100.0 * (double)ok / (double)iters,
			       wrong ? "WRONG TENANTS" : "all resolved right");
			if (k == K_TOKEN)
				bench_rte_hash(sizes[s], iters);
		}
		sl_tenant_meter_free(m);
		sl_tenant_table_free(t);
	}
	printf("(best of 5 x %" PRIu64 " messages, CPU time of this thread)\n", iters);
	rte_eal_cleanup();
	return 0;
}

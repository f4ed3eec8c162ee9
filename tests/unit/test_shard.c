/* SPDX-License-Identifier: BSD-3-Clause */
/* Shard stage: flow -> shard, chunks, rings, backlog, drops counted. */
#include <rte_cycles.h>
#include <rte_ring.h>

#include "sl_common.h"
#include "sl_shard.h"
#include "sl_test.h"

#define NSH 4

static struct rte_mempool *pool;
static struct rte_ring *rings[NSH];
static int seq;

static int
setup(unsigned int ring_size, unsigned int n_chunks, uint32_t cap)
{
	char name[32];
	unsigned int s;

	snprintf(name, sizeof(name), "tp%d", seq);
	pool = sl_shard_pool_create(name, n_chunks, cap, SOCKET_ID_ANY);
	if (pool == NULL)
		return -1;
	for (s = 0; s < NSH; s++) {
		snprintf(name, sizeof(name), "tr%d_%u", seq, s);
		rings[s] = rte_ring_create(name, ring_size, SOCKET_ID_ANY,
					   RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
		if (rings[s] == NULL)
			return -1;
	}
	seq++;
	return 0;
}

static void
teardown(void)
{
	unsigned int s;

	for (s = 0; s < NSH; s++)
		rte_ring_free(rings[s]);
	rte_mempool_free(pool);
}

static struct sl_shard_tx *
make_tx(uint32_t max_msg, uint64_t age)
{
	struct sl_shard_params p = {
		.worker = 3, .n_shards = NSH, .rings = rings, .pool = pool,
		.max_msg = max_msg, .age_tsc = age, .socket_id = SOCKET_ID_ANY,
	};
	return sl_shard_tx_create(&p);
}

static int
put(struct sl_shard_tx *tx, uint32_t hash, const char *msg, uint64_t ns, uint64_t now)
{
	uint32_t len = (uint32_t)strlen(msg), copy;
	struct sl_rec *r = sl_shard_reserve(tx, hash, 0, len, ns, now, &copy);

	if (r == NULL)
		return -1;
	memset(&r->rx_ns, 0, sizeof(*r) - 8);
	r->rx_ns = ns;
	r->sport = (uint16_t)hash;
	memcpy(r + 1, msg, copy);
	return 0;
}

/* Walk the records of a chunk. */
static unsigned int
chunk_count(const struct sl_chunk *c, const char **first, uint32_t *first_len)
{
	const uint8_t *p = c->data, *end = c->data + c->used;
	unsigned int n = 0;

	while (p < end) {
		const struct sl_rec *r = (const void *)p;

		if (n == 0 && first) {
			*first = (const char *)(r + 1);
			*first_len = r->len;
		}
		p += sl_rec_size(r->len);
		n++;
	}
	return p == end ? n : (unsigned int)-1;
}

static int
test_shard_of_is_stable_and_in_range(void)
{
	uint32_t h;
	unsigned int hits[7] = { 0 };

	/* Pinned values: a change here moves flows between shards on upgrade. */
	SL_ASSERT_EQ(sl_shard_of(0, 8), 0);
	SL_ASSERT_EQ(sl_shard_of(UINT32_MAX, 8), 7);
	SL_ASSERT_EQ(sl_shard_of(0x80000000u, 8), 4);
	SL_ASSERT_EQ(sl_shard_of(0x12345678u, 5), 0);
	SL_ASSERT_EQ(sl_shard_of(0x9abcdef0u, 5), 3);
	for (h = 0; h < 700000; h++) {
		uint32_t x = h * 2654435761u;
		uint16_t s = sl_shard_of(x, 7);

		SL_ASSERT(s < 7);
		SL_ASSERT_EQ(s, sl_shard_of(x, 7));
		hits[s]++;
	}
	for (h = 0; h < 7; h++)
		SL_ASSERT(hits[h] > 90000 && hits[h] < 110000);
	return 0;
}

static int
test_records_of_a_flow_keep_their_order(void)
{
	struct sl_shard_tx *tx;
	struct sl_chunk *c;
	unsigned int i, got = 0;
	char msg[64];
	uint32_t hash = 0x40000000u; /* shard 1 of 4 */

	SL_ASSERT_EQ(setup(64, 256, 4096), 0);
	tx = make_tx(1000, UINT64_MAX);
	SL_ASSERT(tx != NULL);
	for (i = 0; i < 1000; i++) {
		snprintf(msg, sizeof(msg), "message %04u", i);
		SL_ASSERT_EQ(put(tx, hash, msg, 1000 + i, 0), 0);
	}
	SL_ASSERT_EQ(sl_shard_tx_flush(tx), 0);
	SL_ASSERT_EQ(rte_ring_count(rings[0]) + rte_ring_count(rings[2]) +
		     rte_ring_count(rings[3]), 0);
	while (rte_ring_dequeue(rings[1], (void **)&c) == 0) {
		const uint8_t *p = c->data;

		SL_ASSERT_EQ(c->shard, 1);
		SL_ASSERT_EQ(c->worker, 3);
		SL_ASSERT(c->min_ns <= c->max_ns);
		while (p < c->data + c->used) {
			const struct sl_rec *r = (const void *)p;

			snprintf(msg, sizeof(msg), "message %04u", got);
			SL_ASSERT_EQ(r->len, strlen(msg));
			SL_ASSERT_EQ(r->orig_len, r->len);
			SL_ASSERT_MEM_EQ(r + 1, msg, r->len);
			SL_ASSERT_EQ(r->rx_ns, 1000 + got);
			p += sl_rec_size(r->len);
			got++;
		}
		rte_mempool_put(pool, c);
	}
	SL_ASSERT_EQ(got, 1000);
	SL_ASSERT_EQ(sl_shard_counters(tx).val[SL_SHARD_records], 1000);
	sl_shard_tx_free(tx);
	SL_ASSERT_EQ(rte_mempool_in_use_count(pool), 0);
	teardown();
	return 0;
}

static int
test_long_messages_are_truncated_and_counted(void)
{
	struct sl_shard_tx *tx;
	struct sl_chunk *c;
	const char *first;
	uint32_t first_len, copy;
	struct sl_rec *r;

	SL_ASSERT_EQ(setup(64, 64, 4096), 0);
	tx = make_tx(10, UINT64_MAX);
	r = sl_shard_reserve(tx, 0, 0, 25, 1, 0, &copy);
	SL_ASSERT(r != NULL);
	SL_ASSERT_EQ(copy, 10);
	SL_ASSERT_EQ(r->len, 10);
	SL_ASSERT_EQ(r->orig_len, 25);
	memcpy(r + 1, "0123456789", copy);
	SL_ASSERT_EQ(sl_shard_counters(tx).val[SL_SHARD_truncated], 1);
	SL_ASSERT_EQ(sl_shard_tx_flush(tx), 0);
	SL_ASSERT_EQ(rte_ring_dequeue(rings[0], (void **)&c), 0);
	SL_ASSERT_EQ(chunk_count(c, &first, &first_len), 1);
	SL_ASSERT_EQ(first_len, 10);
	SL_ASSERT_MEM_EQ(first, "0123456789", 10);
	rte_mempool_put(pool, c);
	sl_shard_tx_free(tx);
	teardown();
	return 0;
}

static int
test_full_chunk_goes_to_the_ring(void)
{
	struct sl_shard_tx *tx;
	struct sl_chunk *c;
	unsigned int i;
	char msg[200];

	/* 64 + 136 = 200 bytes per record, 1024-byte chunks: 5 per chunk. */
	memset(msg, 'x', 136);
	msg[136] = '\0';
	SL_ASSERT_EQ(setup(64, 64, 1024), 0);
	tx = make_tx(1000, UINT64_MAX);
	for (i = 0; i < 5; i++)
		SL_ASSERT_EQ(put(tx, 0, msg, 1, 0), 0);
	SL_ASSERT_EQ(rte_ring_count(rings[0]), 0);
	SL_ASSERT_EQ(put(tx, 0, msg, 1, 0), 0); /* sixth: first chunk sent */
	SL_ASSERT_EQ(rte_ring_count(rings[0]), 1);
	SL_ASSERT_EQ(rte_ring_dequeue(rings[0], (void **)&c), 0);
	SL_ASSERT_EQ(c->nrec, 5);
	SL_ASSERT_EQ(c->used, 1000);
	SL_ASSERT_EQ(chunk_count(c, NULL, NULL), 5);
	rte_mempool_put(pool, c);
	/* The sixth record is in the new open chunk: flush sends it. */
	SL_ASSERT_EQ(sl_shard_tx_flush(tx), 0);
	SL_ASSERT_EQ(rte_ring_dequeue(rings[0], (void **)&c), 0);
	SL_ASSERT_EQ(c->nrec, 1);
	rte_mempool_put(pool, c);
	sl_shard_tx_free(tx);
	SL_ASSERT_EQ(rte_mempool_in_use_count(pool), 0);
	teardown();
	return 0;
}

static int
test_aged_chunks_are_sent_by_poll(void)
{
	struct sl_shard_tx *tx;
	struct sl_chunk *c;

	SL_ASSERT_EQ(setup(64, 64, 4096), 0);
	tx = make_tx(1000, 1000);
	SL_ASSERT_EQ(put(tx, 0, "hello", 1, 5000), 0);
	sl_shard_tx_poll(tx, 5999);
	SL_ASSERT_EQ(rte_ring_count(rings[0]), 0);
	sl_shard_tx_poll(tx, 6000);
	SL_ASSERT_EQ(rte_ring_count(rings[0]), 1);
	SL_ASSERT_EQ(rte_ring_dequeue(rings[0], (void **)&c), 0);
	SL_ASSERT_EQ(c->nrec, 1);
	rte_mempool_put(pool, c);
	sl_shard_tx_free(tx);
	teardown();
	return 0;
}

static int
test_full_ring_uses_backlog_then_counts_drops(void)
{
	struct sl_shard_tx *tx;
	struct sl_chunk *c;
	unsigned int i, stored = 0, dropped, sent_ok = 0;
	char msg[137];
	struct sl_ctr_set cs;

	memset(msg, 'y', 136);
	msg[136] = '\0';
	/* Ring of 4 chunks, 5 records per chunk, then the backlog. */
	SL_ASSERT_EQ(setup(4, 128, 1024), 0);
	tx = make_tx(1000, UINT64_MAX);
	for (i = 0; i < 400; i++)
		sent_ok += put(tx, 0, msg, 1, 0) == 0;
	cs = sl_shard_counters(tx);
	dropped = (unsigned int)cs.val[SL_SHARD_drop_ring_full];
	/* 4 in the ring + the backlog + 1 open chunk, 5 records each. */
	SL_ASSERT_EQ(sent_ok, (4 + SL_SHARD_BACKLOG + 1) * 5);
	SL_ASSERT_EQ(dropped, 400 - sent_ok);
	SL_ASSERT_EQ(sl_shard_tx_backlog(tx), SL_SHARD_BACKLOG);
	SL_ASSERT(cs.val[SL_SHARD_ring_full] > 0);
	/* The writer catches up: everything kept arrives, in order. */
	while (sl_shard_tx_flush(tx) != 0 || rte_ring_count(rings[0])) {
		while (rte_ring_dequeue(rings[0], (void **)&c) == 0) {
			stored += c->nrec;
			rte_mempool_put(pool, c);
		}
	}
	SL_ASSERT_EQ(stored, sent_ok);
	SL_ASSERT_EQ(cs.val[SL_SHARD_records], sent_ok);
	SL_ASSERT_EQ(sl_shard_tx_backlog(tx), 0);
	sl_shard_tx_free(tx);
	SL_ASSERT_EQ(rte_mempool_in_use_count(pool), 0);
	teardown();
	return 0;
}

static int
test_empty_pool_counts_drops(void)
{
	struct sl_shard_tx *tx;
	unsigned int i, ok = 0;

	SL_ASSERT_EQ(setup(64, 2, 4096), 0);
	tx = make_tx(1000, UINT64_MAX);
	for (i = 0; i < NSH; i++)
		ok += put(tx, (uint32_t)i << 30, "m", 1, 0) == 0;
	SL_ASSERT_EQ(ok, 2);
	SL_ASSERT_EQ(sl_shard_counters(tx).val[SL_SHARD_drop_no_chunk], 2);
	sl_shard_tx_free(tx);
	/* Freed with open chunks: their records are counted as dropped. */
	SL_ASSERT_EQ(rte_mempool_in_use_count(pool), 0);
	teardown();
	return 0;
}

/* Each stream of a shard fills its own chunks; they share the shard's
 * ring in the order they were sent, and each chunk says its stream. */
static int
test_streams_get_their_own_chunks_on_the_shard_ring(void)
{
	struct sl_shard_params p = {
		.worker = 1, .n_shards = NSH, .n_streams = 3, .max_msg = 100,
		.age_tsc = UINT64_MAX, .socket_id = SOCKET_ID_ANY,
	};
	unsigned int seen[3] = { 0 }, i, k;
	struct sl_shard_tx *tx;
	struct sl_chunk *c;
	uint32_t copy;

	SL_ASSERT_EQ(setup(64, 64, 4096), 0);
	p.rings = rings;
	p.pool = pool;
	tx = sl_shard_tx_create(&p);
	SL_ASSERT(tx != NULL);
	/* One flow (hash 7 -> shard 0), streams 0,1,2,0,1,2...: record i
	 * carries i in sport. */
	for (i = 0; i < 30; i++) {
		struct sl_rec *r = sl_shard_reserve(tx, 7, (uint16_t)(i % 3), 4, i, 0, &copy);

		SL_ASSERT(r != NULL);
		memset(&r->rx_ns, 0, sizeof(*r) - 8);
		r->sport = (uint16_t)i;
		r->stream = (uint16_t)(i % 3);
		memcpy(r + 1, "abcd", copy);
	}
	SL_ASSERT_EQ(sl_shard_tx_flush(tx), 0);
	for (k = 0; k < 3; k++) {
		const uint8_t *q;
		uint32_t last = 0;

		SL_ASSERT_EQ(rte_ring_dequeue(rings[sl_shard_of(7, NSH)], (void **)&c), 0);
		SL_ASSERT_EQ(c->nrec, 10);
		SL_ASSERT(c->stream < 3);
		SL_ASSERT_EQ(seen[c->stream], 0);
		seen[c->stream] = 1;
		/* Every record of the chunk is of its stream, in order. */
		for (q = c->data, i = 0; q < c->data + c->used; i++) {
			const struct sl_rec *r = (const void *)q;

			SL_ASSERT_EQ(r->stream, c->stream);
			SL_ASSERT_EQ(r->sport % 3, c->stream);
			SL_ASSERT(i == 0 || r->sport > last);
			last = r->sport;
			q += sl_rec_size(r->len);
		}
		SL_ASSERT_EQ(c->min_ns, c->stream);
		SL_ASSERT_EQ(c->max_ns, 27 + c->stream);
		rte_mempool_put(pool, c);
	}
	SL_ASSERT(rte_ring_empty(rings[sl_shard_of(7, NSH)]));
	sl_shard_tx_free(tx);
	SL_ASSERT_EQ(rte_mempool_in_use_count(pool), 0);
	teardown();
	return 0;
}

/* Poll sends the aged chunks of every destination that has one open (and
 * only those), in every word of the mask; more destinations than the mask
 * holds are refused. */
static int
test_poll_sends_aged_chunks_of_each_open_stream(void)
{
	struct sl_shard_params p = {
		.worker = 0, .n_shards = NSH, .n_streams = 64, .max_msg = 100,
		.age_tsc = 1000, .socket_id = SOCKET_ID_ANY,
	};
	struct sl_shard_tx *tx;
	struct sl_chunk *c;
	unsigned int ring = sl_shard_of(7, NSH), got = 0;
	uint64_t seen[SL_SHARD_MASK_WORDS] = { 0 };
	uint32_t copy;
	uint16_t st[] = { 0, 5, 63, 64, 200, SL_SHARD_MAX_STREAMS - 1 };
	unsigned int i;

	SL_ASSERT_EQ(setup(64, 64, 4096), 0);
	p.rings = rings;
	p.pool = pool;
	p.n_streams = SL_SHARD_MAX_STREAMS + 1;
	SL_ASSERT(sl_shard_tx_create(&p) == NULL);
	p.n_streams = SL_SHARD_MAX_STREAMS;
	tx = sl_shard_tx_create(&p);
	SL_ASSERT(tx != NULL);
	for (i = 0; i < SL_DIM(st); i++) {
		struct sl_rec *r = sl_shard_reserve(tx, 7, st[i], 3, 1, 100, &copy);

		SL_ASSERT(r != NULL);
		memset(&r->rx_ns, 0, sizeof(*r) - 8);
		memcpy(r + 1, "abc", copy);
	}
	sl_shard_tx_poll(tx, 500);      /* not aged yet */
	SL_ASSERT(rte_ring_empty(rings[ring]));
	sl_shard_tx_poll(tx, 1100);     /* aged: all six go */
	while (rte_ring_dequeue(rings[ring], (void **)&c) == 0) {
		SL_ASSERT_EQ(c->nrec, 1);
		SL_ASSERT_EQ(seen[c->stream / 64] & (1ull << (c->stream % 64)), 0);
		seen[c->stream / 64] |= 1ull << (c->stream % 64);
		got++;
		rte_mempool_put(pool, c);
	}
	SL_ASSERT_EQ(got, SL_DIM(st));
	for (i = 0; i < SL_DIM(st); i++)
		SL_ASSERT(seen[st[i] / 64] & (1ull << (st[i] % 64)));
	sl_shard_tx_poll(tx, 5000);     /* nothing open: nothing sent */
	SL_ASSERT(rte_ring_empty(rings[ring]));
	SL_ASSERT_EQ(sl_shard_tx_flush(tx), 0);
	sl_shard_tx_free(tx);
	SL_ASSERT_EQ(rte_mempool_in_use_count(pool), 0);
	teardown();
	return 0;
}

/* Fair sharing between two tenants (weights 1 and 1, destination =
 * tenant): a "writer" drains two chunks per round. */
#define FAIR_RING 4
#define FAIR_MSG 1800                 /* two records per 4 KiB chunk */
/* The shard's room in bytes: the queue less one chunk kept for a
 * newcomer, at the least fill of a full chunk (4 KiB less a largest
 * record). */
#define FAIR_ROOM ((FAIR_RING + SL_SHARD_BACKLOG - 1) * (4096 - sl_rec_size(FAIR_MSG)))

static uint32_t fair_done[NSH * 2];
static const uint32_t fair_w[2] = { 1, 1 };

static struct sl_shard_tx *
make_fair_tx(void)
{
	struct sl_shard_params p = {
		.worker = 0, .n_shards = NSH, .n_streams = 2, .streams_per_tenant = 1,
		.weights = fair_w, .fair_cap = FAIR_RING + SL_SHARD_BACKLOG, .done = fair_done,
		.rings = rings, .pool = pool, .max_msg = FAIR_MSG, .age_tsc = 1000,
		.socket_id = SOCKET_ID_ANY,
	};

	memset(fair_done, 0, sizeof(fair_done));
	return sl_shard_tx_create(&p);
}

static struct sl_rec *
fair_put(struct sl_shard_tx *tx, uint16_t tenant, uint64_t now, bool hold)
{
	static uint8_t body[FAIR_MSG];
	struct sl_rec *r;
	uint32_t copy;

	r = hold ? sl_shard_reserve_hold(tx, 7, tenant, FAIR_MSG, now, now, &copy) :
		sl_shard_reserve(tx, 7, tenant, FAIR_MSG, now, now, &copy);
	if (r != NULL) {
		memset(&r->rx_ns, 0, sizeof(*r) - 8);
		r->tenant = tenant;
		memcpy(r + 1, body, copy);
	}
	return r;
}

/* Take up to @p n chunks as the writer does; count them per tenant. */
static void
fair_drain(unsigned int ring, unsigned int n, unsigned int got[2])
{
	struct sl_chunk *c;

	while (n-- > 0 && rte_ring_dequeue(rings[ring], (void **)&c) == 0) {
		got[c->tenant] += c->nrec;
		sl_shard_chunk_done(c);
		rte_mempool_put(pool, c);
	}
}

/* Tenant 0 floods, tenant 1 sends an eighth of what the writer drains
 * (in full chunks here; tests/netns/test_tenants_veth.sh d has half-empty
 * aged ones):
 * tenant 1 never loses a message, even though tenant 0 filled the queue
 * alone before tenant 1 started; tenant 0 is held to its share and its
 * refusals are counted drop_fair_share. */
static int
test_fair_share_protects_a_modest_tenant_from_a_flood(void)
{
	unsigned int ring = sl_shard_of(7, NSH), got[2] = { 0 }, sent[2] = { 0 };
	unsigned int round, k, max_inflight0 = 0;
	struct sl_shard_tx *tx;
	uint64_t now = 1;
	struct sl_ctr_set cs;

	SL_ASSERT_EQ(setup(FAIR_RING, 256, 4096), 0);
	tx = make_fair_tx();
	SL_ASSERT(tx != NULL);
	/* Tenant 0 alone fills the queue, but for the room kept for
	 * newcomers. */
	for (k = 0; k < 200; k++)
		sent[0] += fair_put(tx, 0, now, false) != NULL;
	SL_ASSERT(sent[0] < 2 * (FAIR_RING + SL_SHARD_BACKLOG));
	SL_ASSERT_EQ(sl_shard_why(tx), SL_SHARD_WHY_FAIR);
	for (round = 0; round < 400; round++) {
		now += 100;
		for (k = 0; k < 20; k++)
			sent[0] += fair_put(tx, 0, now, false) != NULL;
		if (round % 4 == 0) {
			SL_ASSERT(fair_put(tx, 1, now, false) != NULL);
			sent[1]++;
		}
		sl_shard_tx_poll(tx, now);
		/* Bytes of tenant 0 sent or open, less those the writer took. */
		k = sent[0] * sl_rec_size(FAIR_MSG) - fair_done[ring * 2 + 0];
		if (k > max_inflight0 && round > 50)
			max_inflight0 = k;
		fair_drain(ring, 2, got);
	}
	for (k = 0; k < 100 && sl_shard_tx_flush(tx) != 0; k++)
		fair_drain(ring, 1000, got);
	SL_ASSERT_EQ(sl_shard_tx_flush(tx), 0);
	fair_drain(ring, 1000, got);
	cs = sl_shard_counters(tx);
	SL_ASSERT_EQ(got[1], sent[1]);              /* tenant 1: nothing lost */
	SL_ASSERT_EQ(got[0], sent[0]);
	SL_ASSERT(cs.val[SL_SHARD_drop_fair_share] > 0);
	SL_ASSERT_EQ(cs.val[SL_SHARD_drop_ring_full], 0);
	SL_ASSERT_EQ(cs.val[SL_SHARD_records], sent[0] + sent[1]);
	/* Once both are active, tenant 0 keeps about half the queue's bytes
	 * (its share, plus the chunk it fills, plus the one it sent last). */
	SL_ASSERT(max_inflight0 <= FAIR_ROOM / 2 + 2 * 4096);
	SL_ASSERT(max_inflight0 >= FAIR_ROOM / 2 - 2 * 4096);
	/* The writer's throughput went to tenant 0 beyond tenant 1's needs. */
	SL_ASSERT(got[0] > 10 * got[1]);
	sl_shard_tx_free(tx);
	SL_ASSERT_EQ(rte_mempool_in_use_count(pool), 0);
	teardown();
	return 0;
}

/* As above, but tenant 1's chunks leave by age with one small record
 * each, while tenant 0's are full: shares are of bytes, so tenant 1's many
 * nearly empty chunks do not count against it (the end-to-end case is
 * tests/netns/test_tenants_veth.sh d-small). */
static int
test_fair_share_counts_bytes_not_half_empty_chunks(void)
{
	unsigned int ring = sl_shard_of(7, NSH), got[2] = { 0 }, sent[2] = { 0 };
	unsigned int round, k;
	struct sl_shard_tx *tx;
	uint64_t now = 1;
	struct sl_ctr_set cs;

	SL_ASSERT_EQ(setup(FAIR_RING, 256, 4096), 0);
	tx = make_fair_tx();
	SL_ASSERT(tx != NULL);
	for (round = 0; round < 400; round++) {
		uint32_t copy;
		struct sl_rec *r;

		now += 1100;                    /* a chunk ages in one round */
		for (k = 0; k < 20; k++)
			sent[0] += fair_put(tx, 0, now, false) != NULL;
		r = sl_shard_reserve(tx, 7, 1, 100, now, now, &copy);
		SL_ASSERT(r != NULL);
		memset(&r->rx_ns, 0, sizeof(*r) - 8);
		r->tenant = 1;
		sent[1]++;
		sl_shard_tx_poll(tx, now);
		fair_drain(ring, 2, got);
	}
	for (k = 0; k < 100 && sl_shard_tx_flush(tx) != 0; k++)
		fair_drain(ring, 1000, got);
	SL_ASSERT_EQ(sl_shard_tx_flush(tx), 0);
	fair_drain(ring, 1000, got);
	cs = sl_shard_counters(tx);
	SL_ASSERT_EQ(got[1], sent[1]);
	SL_ASSERT_EQ(got[0], sent[0]);
	SL_ASSERT(cs.val[SL_SHARD_drop_fair_share] > 0);
	SL_ASSERT_EQ(cs.val[SL_SHARD_drop_ring_full], 0);
	sl_shard_tx_free(tx);
	SL_ASSERT_EQ(rte_mempool_in_use_count(pool), 0);
	teardown();
	return 0;
}

/* A TCP tenant over its share is held (held_back), never dropped; a
 * queue below a quarter full refuses no one. */
static int
test_fair_share_holds_tcp_and_spares_an_idle_queue(void)
{
	unsigned int ring = sl_shard_of(7, NSH), got[2] = { 0 }, n = 0, k;
	struct sl_shard_tx *tx;
	struct sl_ctr_set cs;

	SL_ASSERT_EQ(setup(FAIR_RING, 256, 4096), 0);
	tx = make_fair_tx();
	SL_ASSERT(tx != NULL);
	/* Below a quarter of the queue: no check applies. */
	while (n < 2 * ((FAIR_RING + SL_SHARD_BACKLOG) / 4) && fair_put(tx, 0, 1, true) != NULL)
		n++;
	SL_ASSERT_EQ(n, 2 * ((FAIR_RING + SL_SHARD_BACKLOG) / 4));
	cs = sl_shard_counters(tx);
	SL_ASSERT_EQ(cs.val[SL_SHARD_held_back], 0);
	/* Tenant 1 becomes active; then tenant 0 is held at its share. */
	SL_ASSERT(fair_put(tx, 1, 2, true) != NULL);
	sl_shard_tx_poll(tx, 2);
	while (n < 1000 && fair_put(tx, 0, 3, true) != NULL)
		n++;
	SL_ASSERT(n < 1000);
	cs = sl_shard_counters(tx);
	SL_ASSERT(cs.val[SL_SHARD_held_back] > 0);
	SL_ASSERT_EQ(cs.val[SL_SHARD_drop_fair_share], 0);
	SL_ASSERT_EQ(sl_shard_why(tx), SL_SHARD_WHY_FAIR);
	/* Tenant 1 still gets in. */
	SL_ASSERT(fair_put(tx, 1, 3, true) != NULL);
	for (k = 0; k < 100 && sl_shard_tx_flush(tx) != 0; k++)
		fair_drain(ring, 1000, got);
	SL_ASSERT_EQ(sl_shard_tx_flush(tx), 0);
	fair_drain(ring, 1000, got);
	SL_ASSERT_EQ(got[0], n);
	SL_ASSERT_EQ(got[1], 2);
	sl_shard_tx_free(tx);
	SL_ASSERT_EQ(rte_mempool_in_use_count(pool), 0);
	teardown();
	return 0;
}

static const struct sl_test_case cases[] = {
	SL_TEST(test_fair_share_protects_a_modest_tenant_from_a_flood),
	SL_TEST(test_fair_share_holds_tcp_and_spares_an_idle_queue),
	SL_TEST(test_fair_share_counts_bytes_not_half_empty_chunks),
	SL_TEST(test_poll_sends_aged_chunks_of_each_open_stream),
	SL_TEST(test_streams_get_their_own_chunks_on_the_shard_ring),
	SL_TEST(test_shard_of_is_stable_and_in_range),
	SL_TEST(test_records_of_a_flow_keep_their_order),
	SL_TEST(test_long_messages_are_truncated_and_counted),
	SL_TEST(test_full_chunk_goes_to_the_ring),
	SL_TEST(test_aged_chunks_are_sent_by_poll),
	SL_TEST(test_full_ring_uses_backlog_then_counts_drops),
	SL_TEST(test_empty_pool_counts_drops),
};

int
main(int argc, char **argv)
{
	return sl_test_main(argc, argv, cases, SL_DIM(cases), true);
}

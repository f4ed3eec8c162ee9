/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "sl_common.h"
#include "sl_shard.h"

/* A tenant that opened a chunk within this many chunk ages (--flush-ms / 2
 * each) counts as active for fair sharing, even with nothing in flight. */
#define SHARD_ACTIVE_AGES 16
/* A small chunk in a congested queue stays open up to this many ages. */
#define SHARD_CONGESTED_AGES 8

static const struct sl_ctr_desc shard_ctr_desc[] = {
	SL_SHARD_COUNTERS(SL_CTR_DESC)
};

struct shard_q {
	struct sl_chunk **open;                /* n_streams chunks being filled (or NULL) */
	uint64_t open_mask[SL_SHARD_MASK_WORDS]; /* bit k: open[k] != NULL */
	struct rte_ring *ring;                 /* to the shard's writer */
	uint32_t *sent;                        /* fair sharing: bytes of chunks sent, per tenant */
	uint32_t *done;                        /* ... and taken by the writer (its writes) */
	uint64_t *last_open;                   /* fair sharing: TSC of its last chunk opened, per tenant */
	uint32_t active_w;                     /* weights of the active tenants (at the last poll) */
	struct sl_chunk *backlog[SL_SHARD_BACKLOG];
	uint8_t bl_head;                       /* oldest waiting chunk */
	uint8_t bl_n;                          /* chunks waiting */
};

struct sl_shard_tx {
	uint64_t ctr[SL_SHARD_NB_CTR];
	struct rte_mempool *pool;
	uint64_t age_tsc;
	uint32_t max_msg;
	uint16_t worker;
	uint16_t n_shards;
	uint16_t n_streams;
	uint32_t n_backlog;                    /* sum of bl_n: poll fast path */
	uint16_t spt;                          /* destinations per tenant */
	uint16_t n_tenants;
	uint8_t why;                           /* enum sl_shard_why of the last NULL */
	const uint32_t *weights;               /* fair sharing, or NULL */
	uint32_t fair_cap;
	uint64_t fair_room;                    /* bytes: fair_cap chunks less those kept for newcomers */
	uint64_t active_tsc;                   /* a tenant that opened a chunk this recently is active */
	uint32_t *sent;                        /* [shard * n_tenants + tenant] */
	uint64_t *last_open;                   /* [shard * n_tenants + tenant] */
	struct sl_chunk **open;                /* [shard * n_streams + stream] */
	struct shard_q q[];
} __rte_cache_aligned;

static void
chunk_obj_init(struct rte_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct sl_chunk *c = obj;
	uint32_t cap = (uint32_t)(uintptr_t)arg;

	memset(c, 0, sizeof(*c));
	c->cap = cap;
}

struct rte_mempool *
sl_shard_pool_create(const char *name, unsigned int n, uint32_t cap, int socket_id)
{
	if (cap < sizeof(struct sl_rec)) {
		rte_errno = EINVAL;
		return NULL;
	}
	return rte_mempool_create(name, n, sizeof(struct sl_chunk) + cap,
				  n >= 64 ? 8 : 0, 0, NULL, NULL, chunk_obj_init,
				  (void *)(uintptr_t)cap, socket_id, 0);
}

struct sl_shard_tx *
sl_shard_tx_create(const struct sl_shard_params *p)
{
	struct sl_shard_tx *tx;
	uint16_t n_streams;
	unsigned int s;

	if (p == NULL || p->n_shards == 0 || p->rings == NULL || p->pool == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	n_streams = p->n_streams ? p->n_streams : 1;
	if (n_streams > SL_SHARD_MAX_STREAMS ||
	    (p->streams_per_tenant && n_streams % p->streams_per_tenant) ||
	    (p->weights && (p->done == NULL || p->fair_cap == 0))) {
		rte_errno = EINVAL;
		return NULL;
	}
	tx = rte_zmalloc_socket("sl_shard_tx", sizeof(*tx) +
				p->n_shards * sizeof(tx->q[0]),
				RTE_CACHE_LINE_SIZE, p->socket_id);
	if (tx != NULL)
		tx->open = rte_zmalloc_socket("sl_shard_open", (size_t)p->n_shards *
					      n_streams * sizeof(*tx->open),
					      RTE_CACHE_LINE_SIZE, p->socket_id);
	if (tx != NULL) {
		tx->spt = p->streams_per_tenant ? p->streams_per_tenant : n_streams;
		tx->n_tenants = n_streams / tx->spt;
	}
	if (tx != NULL && tx->open != NULL && p->weights != NULL) {
		size_t n = sl_shard_done_size(p->n_shards, tx->n_tenants);

		tx->sent = rte_zmalloc_socket("sl_shard_sent", n * sizeof(*tx->sent),
					      RTE_CACHE_LINE_SIZE, p->socket_id);
		tx->last_open = rte_zmalloc_socket("sl_shard_last", n * sizeof(*tx->last_open),
						   RTE_CACHE_LINE_SIZE, p->socket_id);
	}
	if (tx == NULL || tx->open == NULL ||
	    (p->weights != NULL && (tx->sent == NULL || tx->last_open == NULL))) {
		if (tx) {
			rte_free(tx->sent);
			rte_free(tx->last_open);
			rte_free(tx->open);
			rte_free(tx);
		}
		rte_errno = ENOMEM;
		return NULL;
	}
	tx->weights = p->weights;
	tx->fair_cap = p->fair_cap;
	/* Room kept for tenants that are not sending yet: one chunk each, at
	 * most a quarter of the queue. */
	{
		/* In bytes: a chunk leaves full when the next record does not
		 * fit, so it holds at least cap - (largest record); this many
		 * bytes of full chunks never take more slots than there are. */
		uint32_t cap = p->pool->elt_size - sizeof(struct sl_chunk);
		uint32_t big = sl_rec_size(p->max_msg);
		uint32_t fill = cap > big ? cap - big : 0;

		if (fill < cap / 8)
			fill = cap / 8;
		tx->fair_room = (uint64_t)(p->fair_cap - RTE_MIN((uint32_t)tx->n_tenants - 1,
								 p->fair_cap / 4)) * fill;
	}
	tx->active_tsc = SHARD_ACTIVE_AGES * p->age_tsc;
	tx->n_streams = n_streams;
	tx->pool = p->pool;
	tx->age_tsc = p->age_tsc;
	tx->max_msg = p->max_msg;
	tx->worker = p->worker;
	tx->n_shards = p->n_shards;
	for (s = 0; s < p->n_shards; s++) {
		if (p->rings[s] == NULL) {
			rte_free(tx->sent);
			rte_free(tx->last_open);
			rte_free(tx->open);
			rte_free(tx);
			rte_errno = EINVAL;
			return NULL;
		}
		tx->q[s].ring = p->rings[s];
		tx->q[s].open = &tx->open[s * n_streams];
		if (tx->weights != NULL) {
			tx->q[s].sent = &tx->sent[s * tx->n_tenants];
			tx->q[s].done = &p->done[s * tx->n_tenants];
			tx->q[s].last_open = &tx->last_open[s * tx->n_tenants];
		}
	}
	return tx;
}

static void
chunk_drop(struct sl_shard_tx *tx, struct sl_chunk *c)
{
	tx->ctr[SL_SHARD_drop_ring_full] += c->nrec;
	rte_mempool_put(tx->pool, c);
}

void
sl_shard_tx_free(struct sl_shard_tx *tx)
{
	unsigned int s, k;

	if (tx == NULL)
		return;
	for (s = 0; s < tx->n_shards; s++) {
		struct shard_q *q = &tx->q[s];

		while (q->bl_n) {
			chunk_drop(tx, q->backlog[q->bl_head]);
			q->bl_head = (q->bl_head + 1) % SL_SHARD_BACKLOG;
			q->bl_n--;
		}
		for (k = 0; k < tx->n_streams; k++)
			if (q->open[k])
				chunk_drop(tx, q->open[k]);
	}
	rte_free(tx->sent);
	rte_free(tx->last_open);
	rte_free(tx->open);
	rte_free(tx);
}

/* An open chunk left for the ring or the backlog: no longer open, and in
 * flight for its tenant. */
static inline void
chunk_gone(struct shard_q *q, const struct sl_chunk *c, uint16_t stream)
{
	q->open[stream] = NULL;
	q->open_mask[stream / 64] &= ~(1ull << (stream % 64));
	if (q->sent != NULL)
		q->sent[c->tenant] += c->used;
}

/* Push the backlog, oldest first, while the ring takes it. */
static void
backlog_push(struct sl_shard_tx *tx, struct shard_q *q)
{
	while (q->bl_n) {
		struct sl_chunk *c = q->backlog[q->bl_head];

		if (rte_ring_sp_enqueue(q->ring, c) != 0)
			return;
		tx->ctr[SL_SHARD_chunks_sent]++;
		q->backlog[q->bl_head] = NULL;
		q->bl_head = (q->bl_head + 1) % SL_SHARD_BACKLOG;
		q->bl_n--;
		tx->n_backlog--;
	}
}

/*
 * Hand an open chunk on: straight to the ring when nothing waits before it
 * (order), else to the backlog. @return 0, or -ENOBUFS when the backlog is
 * full and the chunk is still open.
 */
static int
chunk_send(struct sl_shard_tx *tx, struct shard_q *q, uint16_t stream)
{
	struct sl_chunk *c = q->open[stream];

	if (q->bl_n)
		backlog_push(tx, q);
	if (q->bl_n == 0 && rte_ring_sp_enqueue(q->ring, c) == 0) {
		tx->ctr[SL_SHARD_chunks_sent]++;
		chunk_gone(q, c, stream);
		return 0;
	}
	tx->ctr[SL_SHARD_ring_full]++;
	if (q->bl_n == SL_SHARD_BACKLOG)
		return -ENOBUFS;
	q->backlog[(q->bl_head + q->bl_n) % SL_SHARD_BACKLOG] = c;
	q->bl_n++;
	tx->n_backlog++;
	chunk_gone(q, c, stream);
	return 0;
}

/* Bytes of @p tenant's chunks sent from this queue and not yet taken by
 * the writer (modulo 2^32). */
static inline uint32_t
in_flight(const struct shard_q *q, uint16_t tenant)
{
	return q->sent[tenant] - __atomic_load_n(&q->done[tenant], __ATOMIC_ACQUIRE);
}

/*
 * Fair sharing: once a queue (ring and backlog) is a quarter full, a tenant
 * may have at most its weighted share of the queue's bytes in flight
 * (counted in bytes, not chunks: a slow tenant's chunks leave half empty
 * when they age, and must not count as much as a flood's full ones),
 * among the active tenants: those with chunks in flight or that opened one
 * recently (max-min fair: what an idle tenant does not use goes to the
 * others). A few chunks are kept for tenants not sending yet, so a tenant
 * that starts while another fills the queue alone is not refused. A tenant
 * that sends no faster than its share of what the writer drains keeps
 * fewer chunks than its share in the queue, so it is never refused,
 * whatever the others send.
 */
static inline bool
over_share(struct sl_shard_tx *tx, struct shard_q *q, uint16_t tenant, uint64_t now)
{
	uint32_t busy = q->bl_n + rte_ring_count(q->ring);
	uint32_t w, active, mine;
	uint64_t share;

	if (likely(busy < tx->fair_cap / 4))
		return false;
	w = tx->weights[tenant];
	active = q->active_w;
	mine = in_flight(q, tenant);
	if (mine == 0 && now - q->last_open[tenant] >= tx->active_tsc)
		active += w; /* joining: it was not counted at the last poll */
	share = tx->fair_room * w / (active ? active : 1);
	return mine >= share;
}

/*
 * An aged chunk that is less than a quarter full stays open while its
 * queue is congested (a quarter full or more), up to SHARD_CONGESTED_AGES
 * ages: a slow destination then sends a few fuller chunks instead of one
 * nearly empty chunk every age. Those would wait behind the full chunks of
 * the busy ones and, many and small, fill the queue's slots (seen with a
 * slow tenant beside a flood: ring-full drops for both). Its messages wait
 * longer, but only where they would have waited in the queue anyway.
 */
static inline bool
keep_open(const struct sl_shard_tx *tx, const struct shard_q *q, const struct sl_chunk *c,
	  uint64_t now)
{
	return c->used < c->cap / 4 && now - c->opened < SHARD_CONGESTED_AGES * tx->age_tsc &&
	       q->bl_n + rte_ring_count(q->ring) >= (rte_ring_get_capacity(q->ring) +
						     SL_SHARD_BACKLOG) / 4;
}

/* The weights of the active tenants of @p q (at each poll). */
static void
active_weights(struct sl_shard_tx *tx, struct shard_q *q, uint64_t now)
{
	uint32_t t, a = 0;

	for (t = 0; t < tx->n_tenants; t++)
		if (in_flight(q, (uint16_t)t) || now - q->last_open[t] < tx->active_tsc)
			a += tx->weights[t];
	q->active_w = a;
}

static inline struct sl_rec *
reserve(struct sl_shard_tx *tx, uint32_t hash, uint16_t stream,
	uint32_t len, uint64_t rx_ns, uint64_t now, uint32_t *copy, bool hold)
{
	struct shard_q *q = &tx->q[sl_shard_of(hash, tx->n_shards)];
	uint32_t keep = len <= tx->max_msg ? len : tx->max_msg;
	uint32_t need = sl_rec_size(keep);
	struct sl_chunk *c;
	struct sl_rec *r;
	uint16_t tenant;

	if (unlikely(stream >= tx->n_streams))
		stream = 0; /* never made by classify; as the writer does */
	tenant = stream / tx->spt;
	c = q->open[stream];

	if (c != NULL && c->used + need > c->cap) {
		tx->why = SL_SHARD_WHY_FULL;
		if (hold && q->bl_n >= SL_SHARD_HOLD_AT) {
			tx->ctr[SL_SHARD_held_back]++;
			return NULL;
		}
		if (tx->weights != NULL && over_share(tx, q, tenant, now)) {
			tx->why = SL_SHARD_WHY_FAIR;
			tx->ctr[hold ? SL_SHARD_held_back : SL_SHARD_drop_fair_share]++;
			return NULL;
		}
		if (chunk_send(tx, q, stream) != 0) {
			tx->ctr[SL_SHARD_drop_ring_full]++;
			return NULL;
		}
		c = NULL;
	}
	if (c == NULL) {
		void *obj;

		if (tx->weights != NULL && over_share(tx, q, tenant, now)) {
			tx->why = SL_SHARD_WHY_FAIR;
			tx->ctr[hold ? SL_SHARD_held_back : SL_SHARD_drop_fair_share]++;
			return NULL;
		}
		if (unlikely(rte_mempool_get(tx->pool, &obj) != 0)) {
			tx->why = SL_SHARD_WHY_NO_CHUNK;
			if (hold)
				tx->ctr[SL_SHARD_held_back]++;
			else
				tx->ctr[SL_SHARD_drop_no_chunk]++;
			return NULL;
		}
		c = obj;
		c->used = 0;
		c->nrec = 0;
		c->min_ns = UINT64_MAX;
		c->max_ns = 0;
		c->opened = now;
		c->shard = (uint16_t)(q - tx->q);
		c->worker = tx->worker;
		c->stream = stream;
		c->tenant = tenant;
		c->done = q->done != NULL ? &q->done[tenant] : NULL;
		if (q->last_open != NULL)
			q->last_open[tenant] = now;
		q->open[stream] = c;
		q->open_mask[stream / 64] |= 1ull << (stream % 64);
	}
	r = (struct sl_rec *)(c->data + c->used);
	c->used += need;
	c->nrec++;
	if (rx_ns < c->min_ns)
		c->min_ns = rx_ns;
	if (rx_ns > c->max_ns)
		c->max_ns = rx_ns;
	r->len = keep;
	r->orig_len = len;
	tx->ctr[SL_SHARD_records]++;
	tx->ctr[SL_SHARD_bytes] += keep;
	if (keep < len)
		tx->ctr[SL_SHARD_truncated]++;
	*copy = keep;
	return r;
}

struct sl_rec *
sl_shard_reserve(struct sl_shard_tx *tx, uint32_t hash, uint16_t stream,
		 uint32_t len, uint64_t rx_ns, uint64_t now, uint32_t *copy)
{
	return reserve(tx, hash, stream, len, rx_ns, now, copy, false);
}

struct sl_rec *
sl_shard_reserve_hold(struct sl_shard_tx *tx, uint32_t hash, uint16_t stream,
		      uint32_t len, uint64_t rx_ns, uint64_t now, uint32_t *copy)
{
	return reserve(tx, hash, stream, len, rx_ns, now, copy, true);
}

bool
sl_shard_can_take(struct sl_shard_tx *tx, uint32_t hash)
{
	if (likely(tx->q[sl_shard_of(hash, tx->n_shards)].bl_n < SL_SHARD_HOLD_AT))
		return true;
	tx->ctr[SL_SHARD_held_back]++;
	return false;
}

void
sl_shard_tx_poll(struct sl_shard_tx *tx, uint64_t now)
{
	unsigned int s;
	uint16_t k;

	for (s = 0; s < tx->n_shards; s++) {
		struct shard_q *q = &tx->q[s];
		unsigned int wd;

		if (q->bl_n)
			backlog_push(tx, q);
		if (tx->weights != NULL)
			active_weights(tx, q, now);
		/* Only the destinations with an open chunk: a poll costs about
		 * the same with 1 or 256. */
		for (wd = 0; wd < SL_SHARD_MASK_WORDS; wd++) {
			uint64_t m = q->open_mask[wd];

			while (m) {
				k = (uint16_t)(wd * 64 + (unsigned int)__builtin_ctzll(m));
				m &= m - 1;
				/* An aged chunk of a tenant over its share stays
				 * open too: sent by age, a flood passed its share
				 * once per age (with a short --flush-ms that
				 * overflowed the queue's slots). */
				if (now - q->open[k]->opened >= tx->age_tsc &&
				    !keep_open(tx, q, q->open[k], now) &&
				    !(tx->weights != NULL &&
				      over_share(tx, q, q->open[k]->tenant, now)))
					chunk_send(tx, q, k); /* stays open if the backlog is full */
			}
		}
	}
}

unsigned int
sl_shard_tx_flush(struct sl_shard_tx *tx)
{
	unsigned int s, waiting = 0;
	uint16_t k;

	for (s = 0; s < tx->n_shards; s++) {
		struct shard_q *q = &tx->q[s];

		for (k = 0; k < tx->n_streams; k++) {
			if (q->open[k] != NULL && q->open[k]->nrec == 0) {
				rte_mempool_put(tx->pool, q->open[k]);
				q->open[k] = NULL;
				q->open_mask[k / 64] &= ~(1ull << (k % 64));
			}
			if (q->open[k] != NULL)
				chunk_send(tx, q, k);
			waiting += q->open[k] != NULL;
		}
		if (q->bl_n)
			backlog_push(tx, q);
		waiting += q->bl_n;
	}
	return waiting;
}

unsigned int
sl_shard_tx_backlog(const struct sl_shard_tx *tx)
{
	return tx->n_backlog;
}

enum sl_shard_why
sl_shard_why(const struct sl_shard_tx *tx)
{
	return (enum sl_shard_why)tx->why;
}

struct sl_ctr_set
sl_shard_counters(const struct sl_shard_tx *tx)
{
	struct sl_ctr_set set = {
		.module = "shard",
		.n = SL_SHARD_NB_CTR,
		.desc = shard_ctr_desc,
		.val = tx->ctr,
	};
	return set;
}

/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "sl_common.h"
#include "sl_shard.h"

static const struct sl_ctr_desc shard_ctr_desc[] = {
	SL_SHARD_COUNTERS(SL_CTR_DESC)
};

struct shard_q {
	struct sl_chunk **open;                /* n_streams chunks being filled (or NULL) */
	uint64_t open_mask;                    /* bit k: open[k] != NULL (streams <= 64) */
	struct rte_ring *ring;                 /* to the shard's writer */
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
	if (n_streams > SL_SHARD_MAX_STREAMS) {
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
	if (tx == NULL || tx->open == NULL) {
		if (tx)
			rte_free(tx);
		rte_errno = ENOMEM;
		return NULL;
	}
	tx->n_streams = n_streams;
	tx->pool = p->pool;
	tx->age_tsc = p->age_tsc;
	tx->max_msg = p->max_msg;
	tx->worker = p->worker;
	tx->n_shards = p->n_shards;
	for (s = 0; s < p->n_shards; s++) {
		if (p->rings[s] == NULL) {
			rte_free(tx->open);
			rte_free(tx);
			rte_errno = EINVAL;
			return NULL;
		}
		tx->q[s].ring = p->rings[s];
		tx->q[s].open = &tx->open[s * n_streams];
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
	rte_free(tx->open);
	rte_free(tx);
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
		q->open[stream] = NULL;
		q->open_mask &= ~(1ull << stream);
		return 0;
	}
	tx->ctr[SL_SHARD_ring_full]++;
	if (q->bl_n == SL_SHARD_BACKLOG)
		return -ENOBUFS;
	q->backlog[(q->bl_head + q->bl_n) % SL_SHARD_BACKLOG] = c;
	q->bl_n++;
	tx->n_backlog++;
	q->open[stream] = NULL;
	q->open_mask &= ~(1ull << stream);
	return 0;
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

	if (unlikely(stream >= tx->n_streams))
		stream = 0; /* never made by classify; as the writer does */
	c = q->open[stream];

	if (c != NULL && c->used + need > c->cap) {
		if (hold && q->bl_n >= SL_SHARD_HOLD_AT) {
			tx->ctr[SL_SHARD_held_back]++;
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

		if (unlikely(rte_mempool_get(tx->pool, &obj) != 0)) {
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
		q->open[stream] = c;
		q->open_mask |= 1ull << stream;
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
		uint64_t m = q->open_mask;

		if (q->bl_n)
			backlog_push(tx, q);
		/* Only the streams with an open chunk: a poll costs the same
		 * with 1 stream or 64. */
		while (m) {
			k = (uint16_t)__builtin_ctzll(m);
			m &= m - 1;
			if (now - q->open[k]->opened >= tx->age_tsc)
				chunk_send(tx, q, k); /* stays open if the backlog is full */
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
				q->open_mask &= ~(1ull << k);
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

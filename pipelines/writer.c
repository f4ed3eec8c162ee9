/* SPDX-License-Identifier: BSD-3-Clause */
#include <rte_cycles.h>
#include <rte_mempool.h>

#include "sl_pipeline.h"

/* Chunks taken from one ring per poll: bounds the time one shard holds the
 * writer. */
#define WRITER_BURST 16

/* Store periodic duties (fsync interval) run this often. */
#define WRITER_TICK_MS 10

static const struct sl_ctr_desc writer_ctr_desc[] = {
	SL_WRITER_COUNTERS(SL_CTR_DESC)
};

struct sl_ctr_set
sl_writer_counters(const struct sl_writer *w)
{
	struct sl_ctr_set set = {
		.module = "writer",
		.n = SL_WRITER_NB_CTR,
		.desc = writer_ctr_desc,
		.val = w->ctr,
	};
	return set;
}

/* The store of a chunk's stream (a stream id out of range, which the
 * worker never makes, goes to the default stream). */
static inline struct sl_writer_store *
chunk_dest(struct sl_writer_shard *ws, const struct sl_chunk *c)
{
	return &ws->st[likely(c->stream < ws->n_streams) ? c->stream : 0];
}

/* Hand one chunk to its store and give it back to the pool. */
static void
chunk_store(struct sl_writer *w, struct sl_writer_shard *ws, struct sl_chunk *c,
	    uint64_t now)
{
	struct sl_writer_store *st = chunk_dest(ws, c);
	uint32_t before = sl_store_pending(st->store);
	int rc = sl_store_append(st->store, c->data, c->used, c->nrec,
				 c->min_ns, c->max_ns);
	uint32_t after = sl_store_pending(st->store);

	if (rc != 0)
		w->ctr[SL_WRITER_store_errors]++;
	w->ctr[SL_WRITER_records] += c->nrec;
	w->ctr[SL_WRITER_chunks]++;
	/* The open batch started, or was sealed and restarted: its age
	 * counts from now. */
	if (st->pending_since == 0 || after != before + c->used)
		st->pending_since = after ? now : 0;
	if (unlikely(w->pause_us))
		w->pause_bytes += c->used;
	sl_shard_chunk_done(c);
	rte_mempool_put(rte_mempool_from_obj(c), c);
}

/* --writer-pause-us (tests): after each chunk, take nothing more for that
 * long per 64 KiB it held, like storage that is slow (a bandwidth, so small
 * chunks cost little). The writer keeps polling meanwhile and never sleeps:
 * a writer beside a worker must not stop the worker's RX. */
static inline bool
writer_paused(const struct sl_writer *w, uint64_t now)
{
	return unlikely(w->pause_us != 0) && now < w->resume_at;
}

/*
 * Take chunks for one shard, oldest first from each worker's ring. A chunk
 * the store cannot take without waiting for a compression in progress is
 * held (it is the next of its ring, so order is kept) and the shard is
 * left alone until the compression has moved on.
 */
static unsigned int
shard_take(struct sl_writer *w, struct sl_writer_shard *ws,
	   const struct sl_run *run, uint64_t now)
{
	unsigned int taken = 0, k, r;
	struct sl_chunk *c;

	if (ws->held != NULL) {
		if (!sl_store_can_take(chunk_dest(ws, ws->held)->store, ws->held->used))
			return 0;
		c = ws->held;
		ws->held = NULL;
		chunk_store(w, ws, c, now);
		taken++;
	}
	for (r = 0; r < run->n_workers; r++) {
		for (k = 0; k < WRITER_BURST; k++) {
			if (w->pause_us && taken)
				return taken; /* one chunk per pause */
			if (rte_ring_sc_dequeue(ws->rings[r], (void **)&c) != 0)
				break;
			if (!sl_store_can_take(chunk_dest(ws, c)->store, c->used)) {
				ws->held = c;
				w->ctr[SL_WRITER_held]++;
				return taken;
			}
			chunk_store(w, ws, c, now);
			taken++;
		}
	}
	return taken;
}

/* Compress one slice (or everything, without a slice) of the sealed
 * batches, round robin over the stores (all streams of all shards). */
static unsigned int
writer_work(struct sl_writer *w)
{
	unsigned int i, worked = 0;
	size_t budget = w->slice ? w->slice : SIZE_MAX;

	for (i = 0; i < w->n_stores; i++) {
		unsigned int k = (w->next_work + i) % w->n_stores;
		struct sl_store *st = w->stores[k];
		int rc;

		if (!sl_store_busy(st))
			continue;
		rc = sl_store_work(st, budget);
		if (rc < 0)
			w->ctr[SL_WRITER_store_errors]++;
		worked++;
		if (w->slice) {
			w->next_work = (k + 1) % w->n_stores;
			break;
		}
	}
	return worked;
}

unsigned int
sl_writer_poll(struct sl_writer *w, const struct sl_run *run, uint64_t now)
{
	unsigned int s, k, taken = 0, worked;

	if (!writer_paused(w, now)) {
		/* Start from a different shard each poll, so one pause-limited
		 * chunk at a time still serves every shard. */
		for (k = 0; k < w->n_shards && !(w->pause_us && taken); k++)
			taken += shard_take(w, &w->shards[(w->next_shard + k) % w->n_shards],
					    run, now);
		w->next_shard = (uint16_t)((w->next_shard + 1) % (w->n_shards ? w->n_shards : 1));
		if (unlikely(w->pause_us) && taken) {
			w->resume_at = now + (uint64_t)w->pause_us * (run->tsc_hz / 1000000) *
					     w->pause_bytes / 65536;
			w->pause_bytes = 0;
		}
	}
	worked = writer_work(w);
	if (now >= w->next_poll) {
		w->next_poll = now + run->poll_tsc;
		for (s = 0; s < w->n_shards; s++) {
			struct sl_writer_shard *ws = &w->shards[s];

			for (k = 0; k < ws->n_streams; k++) {
				struct sl_writer_store *st = &ws->st[k];

				/* Aged: seal it; sl_store_work() compresses it.
				 * The store refuses while the batch before is
				 * still compressing or every output buffer is in
				 * flight: then try again at the next poll. */
				if (st->pending_since &&
				    now - st->pending_since >= run->batch_age_tsc) {
					if (sl_store_seal_batch(st->store) != 0)
						w->ctr[SL_WRITER_store_errors]++;
					if (sl_store_pending(st->store) == 0) {
						st->pending_since = 0;
						w->ctr[SL_WRITER_flushes]++;
					}
				}
			}
		}
		if (now >= w->next_tick) {
			uint64_t ms = now / (run->tsc_hz / 1000);

			w->next_tick = now + run->tsc_hz / 1000 * WRITER_TICK_MS;
			for (k = 0; k < w->n_stores; k++)
				sl_store_tick(w->stores[k], ms);
		}
	}
	if (taken || worked)
		w->ctr[SL_WRITER_busy_cycles] += rte_rdtsc() - now;
	return taken + worked;
}

int
sl_writer_finish(struct sl_writer *w, const struct sl_run *run)
{
	unsigned int s, r;

	if (w->done)
		return 1;
	if (run->workers_done < run->n_workers)
		return 0;
	for (s = 0; s < w->n_shards; s++) {
		if (w->shards[s].held != NULL)
			return 0;
		for (r = 0; r < run->n_workers; r++)
			if (!rte_ring_empty(w->shards[s].rings[r]))
				return 0;
	}
	for (s = 0; s < w->n_shards; s++)
		for (r = 0; r < w->shards[s].n_streams; r++) {
			if (sl_store_flush(w->shards[s].st[r].store) != 0)
				w->ctr[SL_WRITER_store_errors]++;
			w->shards[s].st[r].pending_since = 0;
		}
	w->done = 1;
	return 1;
}

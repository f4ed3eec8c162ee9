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

static unsigned int
shard_take(struct sl_writer *w, struct sl_writer_shard *ws,
	   const struct sl_run *run, uint64_t now)
{
	struct sl_chunk *chunks[WRITER_BURST];
	unsigned int taken = 0, n, i, r;

	for (r = 0; r < run->n_workers; r++) {
		n = rte_ring_sc_dequeue_burst(ws->rings[r], (void **)chunks,
					      WRITER_BURST, NULL);
		if (n == 0)
			continue;
		for (i = 0; i < n; i++) {
			struct sl_chunk *c = chunks[i];
			uint32_t before = sl_store_pending(ws->store);
			int rc = sl_store_append(ws->store, c->data, c->used,
						 c->nrec, c->min_ns, c->max_ns);
			uint32_t after = sl_store_pending(ws->store);

			if (rc != 0)
				w->ctr[SL_WRITER_store_errors]++;
			w->ctr[SL_WRITER_records] += c->nrec;
			/* The open batch started, or was written out and
			 * restarted: its age counts from now. */
			if (ws->pending_since == 0 || after != before + c->used)
				ws->pending_since = after ? now : 0;
		}
		rte_mempool_put_bulk(rte_mempool_from_obj(chunks[0]),
				     (void **)chunks, n);
		w->ctr[SL_WRITER_chunks] += n;
		taken += n;
	}
	return taken;
}

unsigned int
sl_writer_poll(struct sl_writer *w, const struct sl_run *run, uint64_t now)
{
	unsigned int s, taken = 0;

	for (s = 0; s < w->n_shards; s++)
		taken += shard_take(w, &w->shards[s], run, now);
	if (now >= w->next_poll) {
		w->next_poll = now + run->poll_tsc;
		for (s = 0; s < w->n_shards; s++) {
			struct sl_writer_shard *ws = &w->shards[s];

			if (ws->pending_since &&
			    now - ws->pending_since >= run->batch_age_tsc) {
				if (sl_store_flush(ws->store) != 0)
					w->ctr[SL_WRITER_store_errors]++;
				ws->pending_since = 0;
				w->ctr[SL_WRITER_flushes]++;
			}
		}
		if (now >= w->next_tick) {
			uint64_t ms = now / (run->tsc_hz / 1000);

			w->next_tick = now + run->tsc_hz / 1000 * WRITER_TICK_MS;
			for (s = 0; s < w->n_shards; s++)
				sl_store_tick(w->shards[s].store, ms);
		}
	}
	if (taken)
		w->ctr[SL_WRITER_busy_cycles] += rte_rdtsc() - now;
	return taken;
}

int
sl_writer_finish(struct sl_writer *w, const struct sl_run *run)
{
	unsigned int s, r;

	if (w->done)
		return 1;
	if (run->workers_done < run->n_workers)
		return 0;
	for (s = 0; s < w->n_shards; s++)
		for (r = 0; r < run->n_workers; r++)
			if (!rte_ring_empty(w->shards[s].rings[r]))
				return 0;
	for (s = 0; s < w->n_shards; s++) {
		if (sl_store_flush(w->shards[s].store) != 0)
			w->ctr[SL_WRITER_store_errors]++;
		w->shards[s].pending_since = 0;
	}
	w->done = 1;
	return 1;
}

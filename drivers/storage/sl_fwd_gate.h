/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Where the Kafka forwarder and retention meet, per shard directory
 * (tenant/stream/shard-NN): how far the forwarder got, and what retention
 * deleted before the forwarder read it. Both sides count a forced deletion
 * the same way, to the record:
 *
 * - retention may delete a segment [first, end) freely once
 *   end <= acked (Kafka has every record of it, durably checkpointed);
 * - when the budget forces it to delete one earlier, it calls
 *   sl_fwd_gate_drop(), which returns the records the forwarder had not
 *   read yet: those never reach Kafka;
 * - the forwarder calls sl_fwd_gate_claim() before it reads a frame: it
 *   skips what retention dropped (the same records) and claims the rest.
 *
 * The mutex is taken per frame by the forwarder and per forced deletion by
 * retention: control-plane threads only, never the data path.
 */
#ifndef SL_FWD_GATE_H
#define SL_FWD_GATE_H

#include <pthread.h>
#include <stdint.h>

struct sl_fwd_gate {
	pthread_mutex_t mu;
	uint64_t acked;     /**< records below this seq are in Kafka (atomic) */
	uint64_t read;      /**< under mu: the forwarder has read below this */
	uint64_t deleted;   /**< under mu: retention deleted below this */
};

/** Initialise with the checkpoint @p seq (next record to forward). */
static inline void
sl_fwd_gate_init(struct sl_fwd_gate *g, uint64_t seq)
{
	pthread_mutex_init(&g->mu, NULL);
	g->acked = seq;
	g->read = seq;
	g->deleted = 0;
}

/** Records below the returned seq are in Kafka. */
static inline uint64_t
sl_fwd_gate_acked(const struct sl_fwd_gate *g)
{
	return __atomic_load_n(&g->acked, __ATOMIC_ACQUIRE);
}

/** The forwarder: Kafka acknowledged (and the checkpoint holds) up to @p seq. */
static inline void
sl_fwd_gate_set_acked(struct sl_fwd_gate *g, uint64_t seq)
{
	__atomic_store_n(&g->acked, seq, __ATOMIC_RELEASE);
}

/**
 * Retention deletes a segment holding [@p first, @p end) before it was
 * forwarded. @return the records of it the forwarder will never read.
 */
static inline uint64_t
sl_fwd_gate_drop(struct sl_fwd_gate *g, uint64_t first, uint64_t end)
{
	uint64_t from, lost = 0;

	pthread_mutex_lock(&g->mu);
	from = g->read > first ? g->read : first;
	if (g->deleted > from)
		from = g->deleted;
	if (end > from)
		lost = end - from;
	if (end > g->deleted)
		g->deleted = end;
	pthread_mutex_unlock(&g->mu);
	return lost;
}

/**
 * The forwarder is about to read the frame holding [@p seq, @p end).
 * @return 0: claimed (read moves to @p end); or the seq it must skip to
 *   (> seq): retention deleted the records below it.
 */
static inline uint64_t
sl_fwd_gate_claim(struct sl_fwd_gate *g, uint64_t seq, uint64_t end)
{
	uint64_t skip = 0;

	pthread_mutex_lock(&g->mu);
	if (g->deleted > seq)
		skip = g->deleted;
	else if (end > g->read)
		g->read = end;
	pthread_mutex_unlock(&g->mu);
	return skip;
}

/** The forwarder moved its read position to @p seq (a gap it skipped). */
static inline void
sl_fwd_gate_skip(struct sl_fwd_gate *g, uint64_t seq)
{
	pthread_mutex_lock(&g->mu);
	if (seq > g->read)
		g->read = seq;
	pthread_mutex_unlock(&g->mu);
}

#endif /* SL_FWD_GATE_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP stage: create and free, the connection table, timers, counters. The
 * state machine is in tcp_input.c, the receive queues and delivery to
 * framing and the sink in tcp_queue.c, what we send in tcp_out.c. See
 * sl_tcp.h for the behaviour.
 *
 * Timers. Delayed ACKs have a constant delay, so a FIFO keeps them in
 * deadline order (O(1) arm, no per-segment timer reset); an entry whose
 * connection was ACKed meanwhile is skipped by its generation. Half-open
 * expiry, FIN retransmit and idle are checked by a sweep that visits a slice
 * of the table every millisecond and the whole table every ~128 ms. No
 * rte_timer: resetting one per segment costs more than the timeouts need.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "sl_record.h"
#include "tcp_private.h"

/* Our FIN: first retransmit after this, doubling, at most this many sends. */
#define FIN_RTO_MS 200
#define FIN_TRIES  6

static const struct sl_ctr_desc tcp_ctr_desc[] = {
	SL_TCP_COUNTERS(SL_CTR_DESC)
};

/* ------------------------------------------------------------------ */
/* create / free                                                        */

struct sl_tcp *
sl_tcp_create(const struct sl_tcp_params *p)
{
	struct rte_hash_parameters hp = { 0 };
	char name[RTE_HASH_NAMESIZE];
	struct sl_tcp *t;
	uint32_t slots, need;
	int32_t maxid;

	if (p == NULL || p->ports == NULL || p->pool == NULL || p->sink == NULL ||
	    p->tx == NULL || p->tsc_hz < 1000 || p->framing.max_msg == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc_socket("sl_tcp", sizeof(*t), RTE_CACHE_LINE_SIZE, p->socket_id);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	t->p = *p;
	if (t->p.max_conns == 0)
		t->p.max_conns = 16384;
	if (t->p.max_halfopen == 0)
		t->p.max_halfopen = RTE_MAX(t->p.max_conns / 8, 1u);
	if (t->p.max_halfopen > t->p.max_conns)
		t->p.max_halfopen = t->p.max_conns;
	if (t->p.rcvbuf == 0)
		t->p.rcvbuf = 256 * 1024;
	need = t->p.framing.max_msg + 64 * 1024;
	if (t->p.rcvbuf < need)
		t->p.rcvbuf = need;
	if (t->p.rcvbuf > (1u << 30))
		t->p.rcvbuf = 1u << 30;
	t->rcvbuf = t->p.rcvbuf;
	while (t->rcv_wscale < 14 && (t->rcvbuf >> t->rcv_wscale) > 65535)
		t->rcv_wscale++;
	if (t->p.mem_cap == 0)
		t->p.mem_cap = 64ull << 20;
	if (t->p.ooo_max == 0)
		t->p.ooo_max = 256;
	if (t->p.mss4 == 0)
		t->p.mss4 = 1460;
	if (t->p.mss6 == 0)
		t->p.mss6 = 1440;
	if (t->p.idle_ms == 0)
		t->p.idle_ms = 300000;
	if (t->p.delack_us == 0)
		t->p.delack_us = 2000;
	if (t->p.halfopen_ms == 0)
		t->p.halfopen_ms = 10000;
	t->tsc_ms = p->tsc_hz / 1000;
	t->delack_tsc = p->tsc_hz / 1000000 * t->p.delack_us;
	if (t->delack_tsc == 0)
		t->delack_tsc = 1;
	t->idle_tsc = t->tsc_ms * t->p.idle_ms;
	t->halfopen_tsc = t->tsc_ms * t->p.halfopen_ms;
	t->fin_rto_tsc = t->tsc_ms * FIN_RTO_MS;
	t->blocked_tsc = p->tsc_hz / 50000; /* retry refused deliveries every 20 us */

	/* Room for max_conns in a cuckoo table: 25% slack, so inserts do not
	 * fail on bucket collisions before the limit we enforce. */
	slots = t->p.max_conns + t->p.max_conns / 4 + 64;
	snprintf(name, sizeof(name), "sl_tcp_%u_%p", p->worker, (void *)t);
	hp.name = name;
	hp.entries = slots;
	hp.key_len = sizeof(struct tcp_key);
	hp.hash_func = NULL; /* we always pass the flow hash */
	hp.socket_id = p->socket_id;
	hp.extra_flag = 0;
	t->h = rte_hash_create(&hp);
	if (t->h == NULL)
		goto nomem;
	maxid = rte_hash_max_key_id(t->h);
	if (maxid < 0)
		goto nomem;
	t->n_slots = (uint32_t)maxid + 1;
	t->conns = rte_zmalloc_socket("sl_tcp_conns", (size_t)t->n_slots * sizeof(*t->conns),
				      RTE_CACHE_LINE_SIZE, p->socket_id);
	t->dq_cap = 2 * t->p.max_conns + TCP_TOUCH_MAX;
	t->dq = rte_malloc_socket("sl_tcp_dq", (size_t)t->dq_cap * sizeof(*t->dq), 0,
				  p->socket_id);
	t->bl = rte_malloc_socket("sl_tcp_bl", (size_t)t->n_slots * sizeof(*t->bl), 0,
				  p->socket_id);
	t->lin = rte_malloc_socket("sl_tcp_lin", t->p.framing.max_msg + 64, 0, p->socket_id);
	/* A queue of the window's bytes in buffers at least half full (small
	 * segments are copied into the tail's room; a 2 KiB buffer keeps at
	 * least ~900 bytes), with a margin. */
	t->span_max = t->rcvbuf / 512 + 64;
	t->spans = rte_malloc_socket("sl_tcp_spans", (size_t)t->span_max * sizeof(*t->spans),
				     0, p->socket_id);
	if (t->conns == NULL || t->dq == NULL || t->bl == NULL || t->lin == NULL ||
	    t->spans == NULL)
		goto nomem;
	/* Sweep the whole table about every 128 ms, one slice per ms. */
	t->sweep_step = t->n_slots / 128 + 1;
	return t;
nomem:
	sl_tcp_free(t);
	rte_errno = ENOMEM;
	return NULL;
}

static void
free_list(struct sl_tcp *t, struct tcp_conn *c, struct rte_mbuf *s)
{
	while (s != NULL) {
		struct rte_mbuf *n = s->next;

		s->next = NULL;
		tcp_unhold(t, c, s);
		rte_pktmbuf_free_seg(s);
		s = n;
	}
}

void
tcp_conn_free(struct sl_tcp *t, struct tcp_conn *c)
{
	uint32_t gen = c->delack_gen;

	free_list(t, c, c->q_head);
	free_list(t, c, c->ooo);
	if (c->state == ST_SYN_RCVD)
		t->n_halfopen--;
	if (c->flags & CF_ZWIN)
		t->n_zwin--;
	if (c->flags & CF_BLOCKED) {
		uint32_t i, idx = (uint32_t)(c - t->conns);

		t->n_blocked--;
		for (i = 0; i < t->bl_n; i++)
			if (t->bl[i] == idx) {
				memmove(&t->bl[i], &t->bl[i + 1], (t->bl_n - i - 1) * sizeof(*t->bl));
				t->bl_n--;
				break;
			}
	}
	rte_hash_del_key_with_hash(t->h, &c->key, c->hash);
	t->n_conns--;
	memset(c, 0, sizeof(*c));
	c->delack_gen = gen + 1; /* stale delayed-ACK entries never match */
}

void
sl_tcp_free(struct sl_tcp *t)
{
	uint32_t i;

	if (t == NULL)
		return;
	if (t->conns != NULL)
		for (i = 0; i < t->n_slots; i++)
			if (t->conns[i].state != ST_FREE)
				tcp_conn_free(t, &t->conns[i]);
	if (t->n_txq)
		rte_pktmbuf_free_bulk(t->txq, t->n_txq);
	rte_hash_free(t->h);
	rte_free(t->conns);
	rte_free(t->dq);
	rte_free(t->bl);
	rte_free(t->lin);
	rte_free(t->spans);
	rte_free(t);
}


/* ------------------------------------------------------------------ */
/* timers                                                               */

static void
run_delacks(struct sl_tcp *t, uint64_t now)
{
	while (t->dq_n) {
		struct tcp_delack *e = &t->dq[t->dq_head];
		struct tcp_conn *c = &t->conns[e->idx];

		if (c->state != ST_FREE && (c->flags & CF_DELACK) && c->delack_gen == e->gen) {
			if (now < c->delack_at)
				break;
			tcp_send(t, c, 0, now);
			t->ctr[SL_TCP_acks_sent]++;
			t->ctr[SL_TCP_acks_delayed]++;
		}
		t->dq_head = (t->dq_head + 1) % t->dq_cap;
		t->dq_n--;
	}
}

static void
run_blocked(struct sl_tcp *t, uint64_t now)
{
	uint32_t i, kept = 0, n = t->bl_n;

	for (i = 0; i < n; i++) {
		struct tcp_conn *c = &t->conns[t->bl[i]];

		if (c->state == ST_FREE || !(c->flags & CF_BLOCKED))
			continue;
		c->flags &= ~CF_BLOCKED;
		c->last_rx = now; /* waiting for the writers is not idling */
		t->n_blocked--;
		if (tcp_deliver(t, c, now) != 0) {
			/* tcp_deliver() put it back at the end; keep the order. */
			t->bl_n--;
			c->flags |= CF_BLOCKED;
			t->bl[kept++] = t->bl[i];
			t->ctr[SL_TCP_blocked]--; /* the same wait, not a new one */
			continue;
		}
		if (c->flags & CF_ABORT)
			tcp_abort_done(t, c, now);
		else
			tcp_window_update(t, c, now);
	}
	/* Entries appended during this pass (none: deliver's re-blocks were
	 * taken back above) follow the kept ones. */
	memmove(&t->bl[kept], &t->bl[n], (t->bl_n - n) * sizeof(*t->bl));
	t->bl_n = kept + (t->bl_n - n);
}


static void
sweep(struct sl_tcp *t, uint64_t now)
{
	uint32_t i, k = t->sweep_pos;

	for (i = 0; i < t->sweep_step; i++, k = (k + 1) % t->n_slots) {
		struct tcp_conn *c = &t->conns[k];

		switch (c->state) {
		case ST_FREE:
			break;
		case ST_SYN_RCVD:
			if (now >= c->timer) {
				t->ctr[SL_TCP_halfopen_expired]++;
				tcp_conn_free(t, c);
			}
			break;
		case ST_LAST_ACK:
			if (now < c->timer)
				break;
			if (c->fin_tries >= FIN_TRIES) {
				/* Closed (counted at its FIN); only our FIN's ACK
				 * never came: fin_retrans tells. */
				tcp_reset_conn(t, c, now);
				break;
			}
			c->snd_nxt--; /* the same FIN again */
			tcp_send(t, c, TCP_F_FIN, now);
			t->ctr[SL_TCP_fin_retrans]++;
			c->timer = now + (t->fin_rto_tsc << c->fin_tries);
			c->fin_tries++;
			break;
		default:
			/* Silent too long, even halfway through a message (a
			 * sender that lost power): that message is stored
			 * flagged truncated, then an RST. Not while the
			 * writers hold it back: waiting is not idling. */
			if (!(c->flags & (CF_BLOCKED | CF_ABORT)) &&
			    now - c->last_rx >= t->idle_tsc) {
				t->ctr[SL_TCP_conn_idle]++;
				tcp_abort(t, c, now, true);
			}
			break;
		}
	}
	t->sweep_pos = k;
}

void
sl_tcp_poll(struct sl_tcp *t, uint64_t now)
{
	if (t->dq_n)
		run_delacks(t, now);
	if (t->bl_n && now >= t->next_blocked) {
		run_blocked(t, now);
		t->next_blocked = now + t->blocked_tsc;
	}
	if (now >= t->next_sweep) {
		if (t->n_conns)
			sweep(t, now);
		t->next_sweep = now + t->tsc_ms;
	}
	tcp_tx_flush(t);
}

unsigned int
sl_tcp_drain(struct sl_tcp *t, uint64_t now)
{
	unsigned int left = 0;
	uint32_t i;

	t->draining = true;
	if (t->bl_n)
		run_blocked(t, now);
	for (i = 0; i < t->n_slots; i++) {
		struct tcp_conn *c = &t->conns[i];

		if (c->state == ST_FREE)
			continue;
		if (c->flags & CF_BLOCKED) {
			left++;
			continue;
		}
		if (c->state == ST_ESTAB || c->state == ST_CLOSE_WAIT) {
			/* The unfinished last message is stored, as at a FIN
			 * (t->draining: no FIN of ours, an RST follows). */
			c->flags |= CF_FIN_IN;
			if (tcp_deliver(t, c, now) != 0) {
				left++;
				continue;
			}
		}
		if (c->state == ST_ESTAB)
			t->ctr[SL_TCP_conn_aborted]++;
		else if (c->state == ST_SYN_RCVD)
			t->ctr[SL_TCP_halfopen_expired]++;
		tcp_reset_conn(t, c, now);
	}
	tcp_tx_flush(t);
	return left;
}

/* ------------------------------------------------------------------ */
/* counters                                                             */

struct sl_ctr_set
sl_tcp_counters(const struct sl_tcp *t)
{
	struct sl_ctr_set set = {
		.module = "tcp",
		.n = SL_TCP_NB_CTR,
		.desc = tcp_ctr_desc,
		.val = t->ctr,
	};
	return set;
}

struct sl_ctr_set
sl_tcp_framing_counters(const struct sl_tcp *t)
{
	struct sl_ctr_set set = {
		.module = "framing",
		.n = SL_FRAMING_NB_CTR,
		.desc = sl_framing_ctr_desc,
		.val = t->fctr,
	};
	return set;
}

void
sl_tcp_gauges(const struct sl_tcp *t, struct sl_tcp_gauges *g)
{
	g->conns = t->n_conns;
	g->halfopen = t->n_halfopen;
	g->blocked = t->n_blocked;
	g->zero_window = t->n_zwin;
	g->held_bytes = t->mem_used;
	g->held_mbufs = t->held_mbufs;
}


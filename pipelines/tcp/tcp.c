/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP stage: connection table, state machine, receive queues, delivery to
 * framing and the sink, timers. See sl_tcp.h for the behaviour.
 *
 * Queues. A connection's in-order bytes are a list of mbufs linked through
 * next, each trimmed to payload (a received chain is split into its
 * buffers); small segments are copied into the tail buffer's room instead
 * of being queued, so a stream of small writes costs buffers by the byte,
 * not by the segment. Out-of-order buffers are a second list sorted by
 * sequence number (kept in hash.usr), trimmed so they never overlap.
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

static const struct sl_ctr_desc tcp_ctr_desc[] = {
	SL_TCP_COUNTERS(SL_CTR_DESC)
};

#define OPT_EOL       0
#define OPT_NOP       1
#define OPT_MSS       2
#define OPT_WS        3
#define OPT_SACK_PERM 4
#define OPT_TS        8

/* Our FIN: first retransmit after this, doubling, at most this many sends. */
#define FIN_RTO_MS 200
#define FIN_TRIES  6

/* SYN cookies: a 64-second clock, 5 bits of it in the cookie; a cookie is
 * good for the period it was made in and the one after. */
#define COOKIE_PERIOD_S 64
static const uint16_t cookie_mss[8] = { 536, 1220, 1300, 1360, 1400, 1440, 1452, 1460 };

/* A parsed segment. */
struct seg {
	const struct sl_dgram *d;
	uint32_t seq, ack, len;   /* len: payload bytes */
	uint32_t pay_off;         /* payload offset in the mbuf chain */
	uint16_t win;
	uint8_t flags;
	struct tcp_syn_opts o;
	uint8_t has_ts;
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
		c->held -= s->buf_len;
		t->mem_used -= s->buf_len;
		t->held_mbufs--;
		rte_pktmbuf_free_seg(s);
		s = n;
	}
}

static void
conn_free(struct sl_tcp *t, struct tcp_conn *c)
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
				conn_free(t, &t->conns[i]);
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
/* segment parsing                                                      */

static int
parse_seg(struct sl_tcp *t, const struct sl_dgram *d, struct seg *sg)
{
	uint8_t hbuf[60];
	const struct rte_tcp_hdr *th;
	const uint8_t *o, *end;
	uint32_t doff;

	if (d->len < sizeof(*th))
		return -1;
	th = rte_pktmbuf_read(d->m, d->off, sizeof(*th), hbuf);
	if (th == NULL)
		return -1;
	doff = (uint32_t)(th->data_off >> 4) * 4;
	if (doff < sizeof(*th) || doff > d->len)
		return -1;
	th = rte_pktmbuf_read(d->m, d->off, doff, hbuf);
	if (th == NULL)
		return -1;
	sg->d = d;
	sg->seq = rte_be_to_cpu_32(th->sent_seq);
	sg->ack = rte_be_to_cpu_32(th->recv_ack);
	sg->win = rte_be_to_cpu_16(th->rx_win);
	sg->flags = th->tcp_flags & 0x3f;
	sg->pay_off = d->off + doff;
	sg->len = d->len - doff;
	sg->o.mss = 536;
	sg->o.ws = 0xff;
	sg->o.sack_ok = 0;
	sg->o.ts_ok = 0;
	sg->has_ts = 0;
	if ((sg->flags & TCP_F_SYN) && (sg->flags & (TCP_F_RST | TCP_F_FIN)))
		return -1;
	o = (const uint8_t *)(th + 1);
	end = (const uint8_t *)th + doff;
	while (o < end) {
		uint8_t kind = o[0], l;

		if (kind == OPT_EOL)
			break;
		if (kind == OPT_NOP) {
			o++;
			continue;
		}
		if (o + 1 >= end || (l = o[1]) < 2 || o + l > end)
			return -1; /* malformed options: no real stack sends them */
		switch (kind) {
		case OPT_MSS:
			if (l == 4 && (sg->flags & TCP_F_SYN)) {
				sg->o.mss = (uint16_t)(o[2] << 8 | o[3]);
				if (sg->o.mss < 88)
					sg->o.mss = 88;
			}
			break;
		case OPT_WS:
			if (l == 3 && (sg->flags & TCP_F_SYN))
				sg->o.ws = RTE_MIN(o[2], 14);
			break;
		case OPT_SACK_PERM:
			if (l == 2 && (sg->flags & TCP_F_SYN))
				sg->o.sack_ok = 1;
			break;
		case OPT_TS:
			if (l == 10) {
				sg->has_ts = 1;
				sg->o.ts_ok = 1;
				sg->o.tsval = (uint32_t)o[2] << 24 | (uint32_t)o[3] << 16 |
					      (uint32_t)o[4] << 8 | o[5];
				sg->o.tsecr = (uint32_t)o[6] << 24 | (uint32_t)o[7] << 16 |
					      (uint32_t)o[8] << 8 | o[9];
			}
			break;
		default:
			break;
		}
		o += l;
	}
	(void)t;
	return 0;
}

static void
seg_key(const struct sl_dgram *d, struct tcp_key *k)
{
	memcpy(k->src, d->src.b, 16);
	memcpy(k->dst, d->dst.b, 16);
	k->sport = d->sport;
	k->dport = d->dport;
}

/* ------------------------------------------------------------------ */
/* queues                                                               */

/*
 * Cut the chain @p m to its bytes [off, off + len) and split it into
 * single buffers linked by next (the rest freed). @return the first buffer
 * (NULL when len is 0), *last the last one.
 */
static struct rte_mbuf *
chain_cut(struct rte_mbuf *m, uint32_t off, uint32_t len, struct rte_mbuf **last)
{
	struct rte_mbuf *head = NULL, *tail = NULL;

	while (m != NULL) {
		struct rte_mbuf *n = m->next;

		m->next = NULL;
		m->nb_segs = 1;
		if (len == 0 || off >= m->data_len) {
			off -= RTE_MIN(off, (uint32_t)m->data_len);
			rte_pktmbuf_free_seg(m);
		} else {
			uint32_t take = RTE_MIN((uint32_t)m->data_len - off, len);

			m->data_off += off;
			m->data_len = take;
			m->pkt_len = take;
			off = 0;
			len -= take;
			if (tail)
				tail->next = m;
			else
				head = m;
			tail = m;
		}
		m = n;
	}
	*last = tail;
	return head;
}

static inline uint32_t
tailroom(const struct rte_mbuf *m)
{
	return (uint32_t)m->buf_len - m->data_off - m->data_len;
}

static inline void
hold(struct sl_tcp *t, struct tcp_conn *c, struct rte_mbuf *s)
{
	c->held += s->buf_len;
	t->mem_used += s->buf_len;
	t->held_mbufs++;
}

/* Append buffers (already cut) to the in-order queue; small ones are
 * copied into the tail's room. */
static void
q_append(struct sl_tcp *t, struct tcp_conn *c, struct rte_mbuf *s)
{
	while (s != NULL) {
		struct rte_mbuf *n = s->next;
		struct rte_mbuf *q = c->q_tail;

		s->next = NULL;
		c->q_bytes += s->data_len;
		if (q != NULL && s->data_len <= tailroom(q) && RTE_MBUF_DIRECT(q) &&
		    rte_mbuf_refcnt_read(q) == 1) {
			memcpy(rte_pktmbuf_mtod_offset(q, uint8_t *, q->data_len),
			       rte_pktmbuf_mtod(s, uint8_t *), s->data_len);
			q->data_len += s->data_len;
			rte_pktmbuf_free_seg(s);
		} else {
			hold(t, c, s);
			if (q)
				q->next = s;
			else
				c->q_head = s;
			c->q_tail = s;
			c->q_segs++;
		}
		s = n;
	}
}

/* Drop @p n bytes from the front of the in-order queue. */
static void
q_consume(struct sl_tcp *t, struct tcp_conn *c, uint32_t n)
{
	c->q_bytes -= n;
	while (n) {
		struct rte_mbuf *s = c->q_head;

		if (n < s->data_len) {
			s->data_off += n;
			s->data_len -= n;
			return;
		}
		n -= s->data_len;
		c->q_head = s->next;
		if (c->q_head == NULL)
			c->q_tail = NULL;
		s->next = NULL;
		c->q_segs--;
		c->held -= s->buf_len;
		t->mem_used -= s->buf_len;
		t->held_mbufs--;
		rte_pktmbuf_free_seg(s);
	}
}

/* Move what the out-of-order list holds at rcv_nxt into the in-order queue. */
static void
ooo_pull(struct sl_tcp *t, struct tcp_conn *c)
{
	while (c->ooo != NULL && SEQ_LEQ(c->ooo->hash.usr, c->rcv_nxt)) {
		struct rte_mbuf *s = c->ooo;
		uint32_t skip = c->rcv_nxt - s->hash.usr;

		c->ooo = s->next;
		s->next = NULL;
		c->ooo_n--;
		c->ooo_held -= s->buf_len;
		c->held -= s->buf_len;
		t->mem_used -= s->buf_len;
		t->held_mbufs--;
		t->ctr[SL_TCP_retrans_bytes] += RTE_MIN(skip, (uint32_t)s->data_len);
		if (skip >= s->data_len) {
			rte_pktmbuf_free_seg(s);
			continue;
		}
		s->data_off += skip;
		s->data_len -= skip;
		c->rcv_nxt += s->data_len;
		q_append(t, c, s);
	}
}

/*
 * Insert one buffer [seq, seq + data_len) into the out-of-order list,
 * trimming it against its neighbours. @return bytes that were new.
 */
static uint32_t
ooo_insert(struct sl_tcp *t, struct tcp_conn *c, struct rte_mbuf *s, uint32_t seq)
{
	struct rte_mbuf **pp = &c->ooo, *prev = NULL;
	uint32_t end = seq + s->data_len;

	while (*pp != NULL && SEQ_LEQ((*pp)->hash.usr, seq)) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (prev != NULL) {
		uint32_t pend = prev->hash.usr + prev->data_len;

		if (SEQ_GEQ(pend, end)) { /* all of it already held */
			rte_pktmbuf_free_seg(s);
			return 0;
		}
		if (SEQ_GT(pend, seq)) { /* overlaps our left edge */
			s->data_off += pend - seq;
			s->data_len -= pend - seq;
			seq = pend;
		}
	}
	/* Successors wholly covered go; one overlapping our right edge trims us. */
	while (*pp != NULL) {
		struct rte_mbuf *n = *pp;
		uint32_t ns = n->hash.usr, ne = ns + n->data_len;

		if (SEQ_GEQ(ns, end))
			break;
		if (SEQ_LEQ(ne, end)) {
			*pp = n->next;
			n->next = NULL;
			c->ooo_n--;
			c->ooo_held -= n->buf_len;
			c->held -= n->buf_len;
			t->mem_used -= n->buf_len;
			t->held_mbufs--;
			t->ctr[SL_TCP_retrans_bytes] += n->data_len;
			rte_pktmbuf_free_seg(n);
			continue;
		}
		s->data_len -= end - ns;
		end = ns;
		break;
	}
	if (s->data_len == 0) {
		rte_pktmbuf_free_seg(s);
		return 0;
	}
	c->sack_last = seq;
	/* Right after its predecessor and small enough: into its room, so
	 * many small pieces do not pin a buffer each. */
	if (prev != NULL && prev->hash.usr + prev->data_len == seq &&
	    s->data_len <= tailroom(prev) && RTE_MBUF_DIRECT(prev) &&
	    rte_mbuf_refcnt_read(prev) == 1) {
		uint32_t l = s->data_len;

		memcpy(rte_pktmbuf_mtod_offset(prev, uint8_t *, prev->data_len),
		       rte_pktmbuf_mtod(s, uint8_t *), l);
		prev->data_len += l;
		rte_pktmbuf_free_seg(s);
		return l;
	}
	s->hash.usr = seq;
	s->next = *pp;
	*pp = s;
	c->ooo_n++;
	c->ooo_held += s->buf_len;
	hold(t, c, s);
	return s->data_len;
}

/* ------------------------------------------------------------------ */
/* delivery                                                             */

static void
block(struct sl_tcp *t, struct tcp_conn *c)
{
	if (c->flags & CF_BLOCKED)
		return;
	c->flags |= CF_BLOCKED;
	t->bl[t->bl_n++] = (uint32_t)(c - t->conns);
	t->n_blocked++;
	t->ctr[SL_TCP_blocked]++;
}

static int
sink_frame(struct sl_tcp *t, struct tcp_conn *c, const struct sl_iov *sp,
	   unsigned int n, const struct sl_frame *f)
{
	struct sl_tcp_msg m;
	uint32_t off = f->off;
	unsigned int i = 0;

	while (i < n && off >= sp[i].len) {
		off -= sp[i].len;
		i++;
	}
	if (i < n && off + f->len <= sp[i].len) {
		m.p = sp[i].p + off;
	} else {
		sl_span_copy(t->lin, sp, n, f->off, f->len);
		m.p = t->lin;
	}
	m.len = f->len;
	m.orig_len = f->orig_len;
	m.flags = f->flags | ((c->flags & CF_V6) ? SL_REC_F_IPV6 : 0) |
		  ((c->flags & CF_VLAN) ? SL_REC_F_VLAN : 0);
	m.sport = c->key.sport;
	m.dport = c->key.dport;
	m.hash = c->hash;
	m.src = (const struct sl_ip *)c->key.src;
	m.dst = (const struct sl_ip *)c->key.dst;
	return t->p.sink(t->p.sink_arg, &m);
}

static void send_fin(struct sl_tcp *t, struct tcp_conn *c, uint64_t now);
static int deliver(struct sl_tcp *t, struct tcp_conn *c, uint64_t now);

static void
reset_conn(struct sl_tcp *t, struct tcp_conn *c, uint64_t now)
{
	tcp_send(t, c, TCP_F_RST, now);
	t->ctr[SL_TCP_rst_sent]++;
	conn_free(t, c);
}

/* An aborting connection delivered everything: it goes (with an RST of
 * ours unless the peer reset it). */
static void
abort_done(struct sl_tcp *t, struct tcp_conn *c, uint64_t now)
{
	if (c->flags & CF_RST_OUT)
		reset_conn(t, c, now);
	else
		conn_free(t, c);
}

/*
 * End a connection without our FIN (the peer's RST, idle): what it holds is
 * delivered first, the unfinished last message flagged truncated, as at a
 * FIN; if the sink refuses, the blocked list finishes the job.
 */
static void
tcp_abort(struct sl_tcp *t, struct tcp_conn *c, uint64_t now, bool send_rst)
{
	c->flags |= CF_ABORT | CF_FIN_IN | (send_rst ? CF_RST_OUT : 0);
	if (c->state == ST_SYN_RCVD) {
		abort_done(t, c, now);
		return;
	}
	if (c->flags & CF_BLOCKED)
		return;
	if (deliver(t, c, now) == 0)
		abort_done(t, c, now);
}

/*
 * Frame and hand on what the in-order queue holds, until framing needs
 * more bytes or the sink refuses. At the end of a stream (the peer's FIN in
 * order), the unfinished last message goes too, then our FIN.
 * @return 0, or -EAGAIN when the sink refused (connection blocked).
 */
static int
deliver(struct sl_tcp *t, struct tcp_conn *c, uint64_t now)
{
	const struct sl_framing_cfg *cfg = &t->p.framing;
	struct sl_iov *sp = t->spans;
	struct sl_frame f;

	while (c->q_bytes) {
		unsigned int n = 0, first = 0;
		uint32_t done = 0;
		struct rte_mbuf *s;
		bool more_segs;

		for (s = c->q_head; s != NULL && n < t->span_max; s = s->next) {
			sp[n].p = rte_pktmbuf_mtod(s, const uint8_t *);
			sp[n].len = s->data_len;
			n++;
		}
		more_segs = s != NULL;
		for (;;) {
			if (sl_framer_next(&c->fr, cfg, &sp[first], n - first, &f) != SL_FRAME_READY)
				break;
			if (f.has_msg) {
				if (sink_frame(t, c, &sp[first], n - first, &f) != 0) {
					q_consume(t, c, done);
					block(t, c);
					return -EAGAIN;
				}
				t->ctr[SL_TCP_msgs]++;
			}
			sl_framer_commit(&c->fr, &f, t->fctr);
			done += f.consume;
			/* Advance the spans past the frame. */
			{
				uint32_t k = f.consume;

				while (k && first < n) {
					if (k >= sp[first].len) {
						k -= sp[first].len;
						first++;
					} else {
						sp[first].p += k;
						sp[first].len -= k;
						k = 0;
					}
				}
			}
		}
		q_consume(t, c, done);
		if (!more_segs || done == 0)
			break;
	}
	if ((c->flags & CF_FIN_IN) && !(c->flags & CF_CLOSED)) {
		unsigned int n = 0;
		struct rte_mbuf *s;

		for (s = c->q_head; s != NULL && n < t->span_max; s = s->next) {
			sp[n].p = rte_pktmbuf_mtod(s, const uint8_t *);
			sp[n].len = s->data_len;
			n++;
		}
		if (sl_framer_close(&c->fr, cfg, sp, n, &f) == SL_FRAME_READY) {
			if (f.has_msg) {
				if (sink_frame(t, c, sp, n, &f) != 0) {
					block(t, c);
					return -EAGAIN;
				}
				t->ctr[SL_TCP_msgs]++;
			}
			sl_framer_commit(&c->fr, &f, t->fctr);
		}
		/* Whatever is left is framing's to count (skipped); free it. */
		if (c->q_bytes)
			q_consume(t, c, c->q_bytes);
		c->flags |= CF_CLOSED;
		c->rcv_nxt++; /* the FIN: acknowledged from now on */
		if (c->state == ST_CLOSE_WAIT && !t->draining && !(c->flags & CF_ABORT))
			send_fin(t, c, now);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* ACKs                                                                 */

static void
touch(struct sl_tcp *t, struct tcp_conn *c)
{
	if (c->flags & CF_TOUCHED)
		return;
	c->flags |= CF_TOUCHED;
	t->touched[t->n_touched++] = (uint32_t)(c - t->conns);
}

static void
arm_delack(struct sl_tcp *t, struct tcp_conn *c, uint64_t now)
{
	struct tcp_delack *e;

	if (c->flags & CF_DELACK)
		return;
	if (t->dq_n == t->dq_cap) { /* cannot wait: ACK at once */
		tcp_send(t, c, 0, now);
		t->ctr[SL_TCP_acks_sent]++;
		return;
	}
	c->flags |= CF_DELACK;
	c->delack_gen++;
	c->delack_at = now + t->delack_tsc;
	e = &t->dq[(t->dq_head + t->dq_n) % t->dq_cap];
	e->idx = (uint32_t)(c - t->conns);
	e->gen = c->delack_gen;
	t->dq_n++;
}

/* The ACK decision for a connection at the end of a burst. */
static void
ack_decide(struct sl_tcp *t, struct tcp_conn *c, uint64_t now)
{
	uint32_t unacked = c->rcv_nxt - c->last_ack;

	c->flags &= ~CF_TOUCHED;
	if (c->state == ST_FREE)
		return;
	if (c->state == ST_SYN_RCVD) {
		/* Only a challenge ACK (RFC 5961) is sent before the handshake ends. */
		if (c->flags & CF_ACK_NOW) {
			tcp_send(t, c, 0, now);
			t->ctr[SL_TCP_acks_sent]++;
		}
		return;
	}
	if (c->flags & CF_ACK_NOW) {
		tcp_send(t, c, 0, now);
		t->ctr[SL_TCP_acks_sent]++;
		return;
	}
	if (unacked == 0)
		return;
	if (unacked >= 2u * c->mss) {
		tcp_send(t, c, 0, now);
		t->ctr[SL_TCP_acks_sent]++;
		return;
	}
	arm_delack(t, c, now);
}

/* Room came back after a small or zero window: tell the peer. */
static void
maybe_window_update(struct sl_tcp *t, struct tcp_conn *c, uint64_t now)
{
	uint32_t adv, room;

	if (c->state != ST_ESTAB)
		return;
	adv = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	room = t->rcvbuf - c->q_bytes;
	if (room >= adv + RTE_MAX(2u * c->mss, t->rcvbuf / 2) ||
	    ((c->flags & CF_ZWIN) && room >= c->mss)) {
		tcp_send(t, c, 0, now);
		t->ctr[SL_TCP_window_updates]++;
	}
}

/* ------------------------------------------------------------------ */
/* connection set-up                                                    */

static uint32_t
make_isn(const struct sl_tcp *t, const struct tcp_key *k, uint64_t now)
{
	/* RFC 6528: a keyed hash of the connection plus a 4-us clock. */
	return (uint32_t)tcp_siphash(t->p.secret, k, 0, 0) +
	       (uint32_t)(now / (t->p.tsc_hz / 250000 + 1));
}

static uint32_t
cookie_count(const struct sl_tcp *t, uint64_t now)
{
	return (uint32_t)(now / (t->p.tsc_hz * COOKIE_PERIOD_S));
}

/* Cookie: 24 bits of MAC | 5 bits of the period | 3 bits of MSS index. */
static uint32_t
cookie_make(const struct sl_tcp *t, const struct tcp_key *k, uint32_t peer_isn,
	    uint32_t count, unsigned int mss_idx)
{
	uint32_t mac = (uint32_t)tcp_siphash(t->p.secret, k, peer_isn, count | 0x80000000u);

	return (mac & 0xffffff00u) | (count & 0x1f) << 3 | (mss_idx & 7);
}

static unsigned int
cookie_mss_idx(uint16_t mss)
{
	unsigned int i = 7;

	while (i > 0 && cookie_mss[i] > mss)
		i--;
	return i;
}

/* Fill a new connection from the peer's SYN. */
static void
conn_init(struct sl_tcp *t, struct tcp_conn *c, const struct tcp_key *k,
	  const struct seg *sg, uint64_t now)
{
	const struct sl_dgram *d = sg->d;
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(d->m, const struct rte_ether_hdr *);
	uint8_t l2_len = d->l2_len;

	c->key = *k;
	c->hash = d->hash;
	c->irs = sg->seq;
	c->rcv_nxt = sg->seq + 1;
	c->last_ack = c->rcv_nxt;
	c->mss = sg->o.mss;
	c->flags = 0;
	if (d->flags & SL_REC_F_IPV6)
		c->flags |= CF_V6;
	if (d->flags & SL_REC_F_VLAN)
		c->flags |= CF_VLAN;
	if (sg->o.ts_ok) {
		c->flags |= CF_TS;
		c->ts_recent = sg->o.tsval;
	}
	if (sg->o.sack_ok)
		c->flags |= CF_SACK;
	c->rcv_wscale = 0;
	if (sg->o.ws != 0xff) {
		c->flags |= CF_WS;
		c->rcv_wscale = t->rcv_wscale;
	}
	c->ts_off = (uint32_t)(tcp_siphash(t->p.secret, k, 1, 1) >> 32);
	if (l2_len > sizeof(c->l2) || l2_len < sizeof(*eh))
		l2_len = sizeof(*eh);
	memcpy(c->l2, eh, l2_len);
	memcpy(c->l2, &eh->src_addr, RTE_ETHER_ADDR_LEN);
	memcpy(c->l2 + RTE_ETHER_ADDR_LEN, &t->p.mac, RTE_ETHER_ADDR_LEN);
	c->l2_len = l2_len;
	c->last_rx = now;
	memset(&c->fr, 0, sizeof(c->fr));
}

static struct tcp_conn *
conn_add(struct sl_tcp *t, const struct tcp_key *k, uint32_t hash)
{
	int32_t pos;
	struct tcp_conn *c;

	if (t->n_conns >= t->p.max_conns)
		return NULL;
	pos = rte_hash_add_key_with_hash(t->h, k, hash);
	if (pos < 0 || (uint32_t)pos >= t->n_slots)
		return NULL;
	c = &t->conns[pos];
	t->n_conns++;
	return c;
}

static void
on_syn(struct sl_tcp *t, const struct tcp_key *k, const struct seg *sg, uint64_t now)
{
	struct tcp_conn *c;

	if (t->n_halfopen >= t->p.max_halfopen && t->n_conns < t->p.max_conns) {
		/* Half-open table full: answer with a cookie, keep nothing. */
		uint32_t count = cookie_count(t, now);
		unsigned int mi = cookie_mss_idx(sg->o.mss);
		uint32_t cookie = cookie_make(t, k, sg->seq, count, mi);
		uint32_t tsval = 0;

		if (sg->o.ts_ok) {
			/* Window scale (4 bits, 15 = none) and SACK in the low
			 * bits of our TSval; the peer echoes them. */
			uint32_t ws = sg->o.ws == 0xff ? 15 : sg->o.ws;

			/* Below the connection's clock, so its later TSvals
			 * never go back. */
			tsval = ((tcp_ts_now(t, now) + (uint32_t)(tcp_siphash(t->p.secret, k, 1, 1) >> 32) -
				  32) & ~0x1fu) | ws << 1 | sg->o.sack_ok;
		}
		tcp_send_cookie(t, sg->d, sg->seq, cookie, &sg->o, tsval);
		t->ctr[SL_TCP_syncookies_sent]++;
		t->last_cookie = now;
		t->cookies_sent = true;
		return;
	}
	c = conn_add(t, k, sg->d->hash);
	if (c == NULL) {
		t->ctr[SL_TCP_conn_refused]++;
		tcp_send_rst_for(t, sg->d, sg->seq, sg->ack, sg->flags, sg->len);
		return;
	}
	conn_init(t, c, k, sg, now);
	c->state = ST_SYN_RCVD;
	c->iss = make_isn(t, k, now);
	c->snd_nxt = c->iss + 1;
	c->timer = now + t->halfopen_tsc;
	t->n_halfopen++;
	tcp_send_synack(t, c, now);
}

/* Were SYN cookies sent in the last two periods (a cookie's lifetime)? */
static inline bool
cookies_in_use(const struct sl_tcp *t, uint64_t now)
{
	return t->cookies_sent &&
	       (int64_t)(now - t->last_cookie) <= (int64_t)(2 * COOKIE_PERIOD_S * t->p.tsc_hz);
}

/* An ACK to a listening port with no entry: a SYN cookie? */
static void
on_cookie_ack(struct sl_tcp *t, const struct tcp_key *k, const struct seg *sg, uint64_t now)
{
	uint32_t cookie = sg->ack - 1, count = cookie_count(t, now);
	uint32_t c5 = (cookie >> 3) & 0x1f, made;
	struct tcp_conn *c;
	struct seg syn;

	if ((count & 0x1f) == c5)
		made = count;
	else if (((count - 1) & 0x1f) == c5)
		made = count - 1;
	else
		goto bad;
	if (cookie_make(t, k, sg->seq - 1, made, cookie & 7) != cookie)
		goto bad;
	if (!cookies_in_use(t, now))
		goto bad; /* no cookie sent lately: not one of ours */
	/* Rebuild the SYN's options from the cookie (and the TSecr). */
	syn = *sg;
	syn.seq = sg->seq - 1;
	syn.o.mss = cookie_mss[cookie & 7];
	syn.o.ws = 0xff;
	syn.o.sack_ok = 0;
	syn.o.ts_ok = 0;
	if (sg->has_ts) {
		uint32_t ws = (sg->o.tsecr >> 1) & 0xf;

		syn.o.ts_ok = 1;
		syn.o.ws = ws == 15 ? 0xff : (uint8_t)ws;
		syn.o.sack_ok = sg->o.tsecr & 1;
		syn.o.tsval = sg->o.tsval;
	}
	c = conn_add(t, k, sg->d->hash);
	if (c == NULL) {
		t->ctr[SL_TCP_conn_refused]++;
		tcp_send_rst_for(t, sg->d, sg->seq, sg->ack, sg->flags, sg->len);
		return;
	}
	conn_init(t, c, k, &syn, now);
	c->state = ST_ESTAB;
	c->flags |= CF_COOKIE;
	c->iss = cookie;
	c->snd_nxt = cookie + 1;
	c->rcv_adv = c->rcv_nxt + RTE_MIN(t->rcvbuf, 65535u);
	t->ctr[SL_TCP_syncookies_ok]++;
	t->ctr[SL_TCP_conn_opened]++;
	return;
bad:
	/* Only a cookie when cookies were being sent: otherwise an ACK
	 * for a connection that is gone (a late duplicate after close). */
	if (cookies_in_use(t, now))
		t->ctr[SL_TCP_syncookies_bad]++;
	else
		t->ctr[SL_TCP_drop_no_conn]++;
	tcp_send_rst_for(t, sg->d, sg->seq, sg->ack, sg->flags, sg->len);
}

/* ------------------------------------------------------------------ */
/* established states                                                   */

static void
send_fin(struct sl_tcp *t, struct tcp_conn *c, uint64_t now)
{
	c->state = ST_LAST_ACK;
	c->fin_tries = 1;
	c->timer = now + t->fin_rto_tsc;
	tcp_send(t, c, TCP_F_FIN, now);
}

/* The peer's FIN is now in order: no byte follows. It is acknowledged
 * (rcv_nxt moves past it) only when every byte before it is delivered,
 * together with our FIN (deliver()). */
static void
fin_in(struct sl_tcp *t, struct tcp_conn *c)
{
	c->flags |= CF_FIN_IN;
	c->state = ST_CLOSE_WAIT;
	t->ctr[SL_TCP_conn_closed]++;
}

/* Payload of an acceptable segment: trim to the window, queue in order or
 * out of order. */
static void
take_data(struct sl_tcp *t, struct tcp_conn *c, struct seg *sg, uint32_t right)
{
	struct rte_mbuf *m = sg->d->m, *s, *last;
	uint32_t seq = sg->seq, len = sg->len, off = sg->pay_off;

	/* Already have the front: trim it. */
	if (SEQ_LT(seq, c->rcv_nxt)) {
		uint32_t k = c->rcv_nxt - seq;

		if (k >= len) {
			t->ctr[SL_TCP_retrans_bytes] += len;
			t->ctr[SL_TCP_retrans_segs]++;
			rte_pktmbuf_free(m);
			return;
		}
		t->ctr[SL_TCP_retrans_bytes] += k;
		seq += k;
		off += k;
		len -= k;
	}
	/* Beyond the window: trim the tail (it comes again). */
	if (SEQ_GT(seq + len, right)) {
		uint32_t k = seq + len - right;

		if (k >= len) {
			rte_pktmbuf_free(m);
			t->ctr[SL_TCP_drop_window]++;
			return;
		}
		len -= k;
		sg->flags &= ~TCP_F_FIN; /* a FIN after the cut is not received */
	}
	if (t->mem_used + m->buf_len * m->nb_segs > t->p.mem_cap ||
	    c->q_segs + c->ooo_n + m->nb_segs > t->span_max) {
		rte_pktmbuf_free(m);
		t->ctr[SL_TCP_drop_mem]++;
		c->flags |= CF_ACK_NOW;
		sg->flags &= ~TCP_F_FIN;
		return;
	}
	if (seq == c->rcv_nxt) {
		s = chain_cut(m, off, len, &last);
		c->rcv_nxt += len;
		t->ctr[SL_TCP_bytes_in] += len;
		q_append(t, c, s);
		if (c->ooo != NULL) {
			uint32_t before = c->rcv_nxt;

			ooo_pull(t, c);
			t->ctr[SL_TCP_bytes_in] += c->rcv_nxt - before;
			c->flags |= CF_ACK_NOW; /* a hole filled: tell the sender now */
		}
		return;
	}
	/* Out of order: at most ooo_max buffers and rcvbuf / 2 of memory per
	 * connection, and none while the worker's memory is half gone, so
	 * holes cannot pin what in-order data needs. */
	if (c->ooo_n + m->nb_segs > t->p.ooo_max ||
	    c->ooo_held + m->buf_len * m->nb_segs > t->rcvbuf / 2 ||
	    t->mem_used + m->buf_len * m->nb_segs > t->p.mem_cap / 2) {
		rte_pktmbuf_free(m);
		t->ctr[SL_TCP_drop_ooo_full]++;
		c->flags |= CF_ACK_NOW;
		return;
	}
	s = chain_cut(m, off, len, &last);
	{
		uint32_t got = 0, sq = seq;

		while (s != NULL) {
			struct rte_mbuf *n = s->next;
			uint32_t l = s->data_len;

			s->next = NULL;
			got += ooo_insert(t, c, s, sq);
			sq += l;
			s = n;
		}
		if (got) {
			t->ctr[SL_TCP_ooo_segs]++;
			t->ctr[SL_TCP_ooo_bytes] += got;
		}
		if (got < len)
			t->ctr[SL_TCP_retrans_bytes] += len - got;
		if (got == 0)
			t->ctr[SL_TCP_retrans_segs]++;
		c->sack_last = seq;
	}
	c->flags |= CF_ACK_NOW; /* out of order: ACK at once, with SACK */
}

static void
on_segment(struct sl_tcp *t, struct tcp_conn *c, struct seg *sg, uint64_t now)
{
	uint32_t right, seg_end;
	bool acceptable;
	uint8_t fl = sg->flags;

	if (unlikely(c->flags & CF_ABORT)) {
		/* Reset or timed out: delivering what it held, then gone. */
		rte_pktmbuf_free(sg->d->m);
		return;
	}
	touch(t, c);
	/* PAWS (RFC 7323 5.3): an older timestamp is a stale duplicate. */
	if ((c->flags & CF_TS) && sg->has_ts && !(fl & TCP_F_RST) &&
	    (int32_t)(sg->o.tsval - c->ts_recent) < 0) {
		t->ctr[SL_TCP_drop_paws]++;
		c->flags |= CF_ACK_NOW;
		rte_pktmbuf_free(sg->d->m);
		return;
	}
	/* The window is the buffer: bytes consumed + rcvbuf, and never less
	 * than what we advertised. */
	right = c->rcv_nxt - c->q_bytes + t->rcvbuf;
	if (SEQ_LT(right, c->rcv_adv))
		right = c->rcv_adv;
	if (c->flags & CF_FIN_IN)
		right = c->rcv_nxt;
	else if ((c->flags & CF_FIN_SEEN) && SEQ_GT(right, c->fin_seq))
		right = c->fin_seq; /* nothing follows the peer's FIN */
	seg_end = sg->seq + sg->len;
	if (sg->len == 0)
		acceptable = SEQ_GEQ(sg->seq, c->rcv_nxt) &&
			     (SEQ_LT(sg->seq, right) || sg->seq == c->rcv_nxt);
	else
		acceptable = SEQ_LT(sg->seq, right) && SEQ_GT(seg_end, c->rcv_nxt);

	if (fl & TCP_F_RST) {
		/* RFC 5961 3: exactly at rcv_nxt resets; elsewhere in the
		 * window earns a challenge ACK; outside, nothing. */
		/* With the peer's FIN in but not yet acknowledged (delivery
		 * waits), its RST comes one past rcv_nxt. */
		if (sg->seq == c->rcv_nxt ||
		    ((c->flags & (CF_FIN_IN | CF_CLOSED)) == CF_FIN_IN &&
		     sg->seq == c->rcv_nxt + 1)) {
			t->ctr[SL_TCP_conn_reset]++;
			rte_pktmbuf_free(sg->d->m);
			/* What we acknowledged is delivered before it goes. */
			tcp_abort(t, c, now, false);
			return;
		}
		if (SEQ_GEQ(sg->seq, c->rcv_nxt) && SEQ_LT(sg->seq, right)) {
			t->ctr[SL_TCP_drop_challenge]++;
			c->flags |= CF_ACK_NOW;
		}
		rte_pktmbuf_free(sg->d->m);
		return;
	}
	if (fl & TCP_F_SYN) {
		if (c->state == ST_SYN_RCVD && sg->seq == c->irs) {
			t->ctr[SL_TCP_syn_dup]++;
			tcp_send_synack(t, c, now);
			rte_pktmbuf_free(sg->d->m);
			return;
		}
		/* RFC 5961 4: a SYN on a synchronized connection. */
		t->ctr[SL_TCP_drop_challenge]++;
		c->flags |= CF_ACK_NOW;
		rte_pktmbuf_free(sg->d->m);
		return;
	}
	if (!(fl & TCP_F_ACK)) {
		t->ctr[SL_TCP_drop_bad_seg]++;
		rte_pktmbuf_free(sg->d->m);
		return;
	}
	if (c->state == ST_SYN_RCVD) {
		if (sg->ack != c->iss + 1) {
			tcp_send_rst_for(t, sg->d, sg->seq, sg->ack, fl, sg->len);
			rte_pktmbuf_free(sg->d->m);
			return;
		}
		c->state = ST_ESTAB;
		t->n_halfopen--;
		t->ctr[SL_TCP_conn_opened]++;
	} else if (SEQ_GT(sg->ack, c->snd_nxt) || SEQ_LT(sg->ack, c->iss + 1)) {
		/* Acknowledges what we never sent, or is older than our SYN
		 * (RFC 5961 5: we send no data, so only iss+1 and, after
		 * our FIN, iss+2 are acceptable): a blind injection. */
		t->ctr[SL_TCP_drop_challenge]++;
		c->flags |= CF_ACK_NOW;
		rte_pktmbuf_free(sg->d->m);
		return;
	}
	c->last_rx = now;
	if (c->state == ST_LAST_ACK && sg->ack == c->snd_nxt) {
		rte_pktmbuf_free(sg->d->m);
		conn_free(t, c);
		return;
	}
	if (!acceptable) {
		if ((fl & TCP_F_FIN) && (c->flags & CF_FIN_IN) &&
		    SEQ_LEQ(seg_end + 1, c->rcv_nxt)) {
			/* The peer sends its FIN again: our ACK (or FIN) was lost. */
			t->ctr[SL_TCP_retrans_segs]++;
			rte_pktmbuf_free(sg->d->m);
			/* Our FIN went out less than a ms ago (the peer's
			 * retransmit crossed it): it is on its way. */
			if (c->state == ST_LAST_ACK &&
			    now >= c->timer - (t->fin_rto_tsc << (c->fin_tries - 1)) + t->tsc_ms) {
				c->snd_nxt--;
				tcp_send(t, c, TCP_F_FIN, now);
				t->ctr[SL_TCP_fin_retrans]++;
			} else {
				c->flags |= CF_ACK_NOW;
			}
			return;
		}
		if (right == c->rcv_nxt && !(c->flags & CF_FIN_IN) &&
		    (sg->seq == c->rcv_nxt || sg->seq == c->rcv_nxt - 1)) {
			/* A zero-window probe: BSD sends a byte at rcv_nxt,
			 * Linux an empty segment at rcv_nxt - 1. */
			t->ctr[SL_TCP_probes]++;
		} else if (sg->len && SEQ_LEQ(seg_end, c->rcv_nxt)) {
			t->ctr[SL_TCP_retrans_segs]++;
			t->ctr[SL_TCP_retrans_bytes] += sg->len;
		} else if (sg->len || (fl & TCP_F_FIN)) {
			t->ctr[SL_TCP_drop_window]++;
		}
		/* Every unacceptable segment but an RST gets an ACK (RFC 9293
		 * 3.10.7.4): keepalives and Linux's window probes are empty. */
		c->flags |= CF_ACK_NOW;
		rte_pktmbuf_free(sg->d->m);
		return;
	}
	/* Timestamp to echo: the segment covers the last ACK point. */
	if ((c->flags & CF_TS) && sg->has_ts && SEQ_LEQ(sg->seq, c->last_ack))
		c->ts_recent = sg->o.tsval;
	if (sg->len && !(c->flags & CF_FIN_IN)) {
		take_data(t, c, sg, right); /* clears the FIN if it cut it off */
	} else {
		if (sg->len)
			t->ctr[SL_TCP_drop_window]++;
		rte_pktmbuf_free(sg->d->m);
	}
	if ((sg->flags & TCP_F_FIN) && !(c->flags & CF_FIN_SEEN)) {
		c->flags |= CF_FIN_SEEN;
		c->fin_seq = seg_end;
		if (c->rcv_nxt != c->fin_seq)
			c->flags |= CF_ACK_NOW; /* a FIN beyond a hole: a duplicate ACK now */
	}
	if ((c->flags & CF_FIN_SEEN) && !(c->flags & CF_FIN_IN) && c->rcv_nxt == c->fin_seq)
		fin_in(t, c);
	else if ((fl & TCP_F_FIN) && (c->flags & CF_FIN_IN))
		c->flags |= CF_ACK_NOW; /* a repeated FIN: ACK it again */
	if (c->q_bytes || (c->flags & CF_FIN_IN)) {
		if (!(c->flags & CF_BLOCKED))
			deliver(t, c, now);
	}
}

static void
input_one(struct sl_tcp *t, const struct sl_dgram *d, uint64_t now)
{
	struct seg sg;
	struct tcp_key k;
	int32_t pos;

	t->ctr[SL_TCP_segs_in]++;
	if (parse_seg(t, d, &sg) != 0) {
		t->ctr[SL_TCP_drop_bad_seg]++;
		rte_pktmbuf_free(d->m);
		return;
	}
	if ((sg.flags & (TCP_F_SYN | TCP_F_ACK)) == TCP_F_SYN)
		t->ctr[SL_TCP_syn_in]++;
	if (!(t->p.ports[d->dport >> 3] & (1u << (d->dport & 7)))) {
		t->ctr[SL_TCP_rst_closed_port]++;
		if (!(sg.flags & TCP_F_RST))
			tcp_send_rst_for(t, d, sg.seq, sg.ack, sg.flags, sg.len);
		rte_pktmbuf_free(d->m);
		return;
	}
	seg_key(d, &k);
	pos = rte_hash_lookup_with_hash(t->h, &k, d->hash);
	if (pos >= 0) {
		struct tcp_conn *c = &t->conns[pos];

		/* A new SYN for a connection we are closing: the peer reuses the
		 * port; the old one is done. */
		if ((sg.flags & TCP_F_SYN) && !(sg.flags & TCP_F_ACK) &&
		    c->state == ST_LAST_ACK) {
			conn_free(t, c);
		} else {
			on_segment(t, c, &sg, now);
			return;
		}
	}
	if (sg.flags & TCP_F_RST) {
		t->ctr[SL_TCP_drop_no_conn]++;
	} else if ((sg.flags & (TCP_F_SYN | TCP_F_ACK)) == TCP_F_SYN) {
		on_syn(t, &k, &sg, now);
	} else if ((sg.flags & (TCP_F_SYN | TCP_F_ACK)) == TCP_F_ACK) {
		on_cookie_ack(t, &k, &sg, now);
		pos = rte_hash_lookup_with_hash(t->h, &k, d->hash);
		if (pos >= 0) {
			/* Established from a cookie: the ACK may carry data. */
			on_segment(t, &t->conns[pos], &sg, now);
			return;
		}
	} else {
		t->ctr[SL_TCP_drop_no_conn]++;
		tcp_send_rst_for(t, d, sg.seq, sg.ack, sg.flags, sg.len);
	}
	rte_pktmbuf_free(d->m);
}

static void
end_of_burst(struct sl_tcp *t, uint64_t now)
{
	uint32_t i;

	for (i = 0; i < t->n_touched; i++)
		ack_decide(t, &t->conns[t->touched[i]], now);
	t->n_touched = 0;
}

void
sl_tcp_input(struct sl_tcp *t, const struct sl_dgram *segs, uint16_t n, uint64_t now)
{
	uint16_t i;

	for (i = 0; i < n; i++) {
		if (t->n_touched == TCP_TOUCH_MAX)
			end_of_burst(t, now);
		input_one(t, &segs[i], now);
	}
	end_of_burst(t, now);
	tcp_tx_flush(t);
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
		t->n_blocked--;
		if (deliver(t, c, now) != 0) {
			/* deliver() put it back at the end; keep the order. */
			t->bl_n--;
			c->flags |= CF_BLOCKED;
			t->bl[kept++] = t->bl[i];
			t->ctr[SL_TCP_blocked]--; /* the same wait, not a new one */
			continue;
		}
		if (c->flags & CF_ABORT)
			abort_done(t, c, now);
		else
			maybe_window_update(t, c, now);
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
				conn_free(t, c);
			}
			break;
		case ST_LAST_ACK:
			if (now < c->timer)
				break;
			if (c->fin_tries >= FIN_TRIES) {
				/* Closed (counted at its FIN); only our FIN's ACK
				 * never came: fin_retrans tells. */
				reset_conn(t, c, now);
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
			if (deliver(t, c, now) != 0) {
				left++;
				continue;
			}
		}
		if (c->state == ST_ESTAB)
			t->ctr[SL_TCP_conn_aborted]++;
		else if (c->state == ST_SYN_RCVD)
			t->ctr[SL_TCP_halfopen_expired]++;
		reset_conn(t, c, now);
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

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP receive queues and delivery.
 *
 * A connection's in-order bytes are a list of mbufs linked through next,
 * each trimmed to payload (a received chain is split into its buffers);
 * small segments are copied into the tail buffer's room instead of being
 * queued, so a stream of small writes costs buffers by the byte, not by the
 * segment. Out-of-order buffers are a second list sorted by sequence number
 * (kept in hash.usr), trimmed so they never overlap, small neighbours
 * coalesced the same way. tcp_deliver() hands the in-order bytes to framing and
 * each message to the sink, and ends a stream at the peer's FIN.
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

/* ------------------------------------------------------------------ */
/* queues                                                               */

/*
 * Cut the chain @p m to its bytes [off, off + len) and split it into
 * single buffers linked by next (the rest freed). @return the first buffer
 * (NULL when len is 0), *last the last one.
 */
struct rte_mbuf *
tcp_chain_cut(struct rte_mbuf *m, uint32_t off, uint32_t len, struct rte_mbuf **last)
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

/* Append buffers (already cut) to the in-order queue; small ones are
 * copied into the tail's room. */
void
tcp_q_append(struct sl_tcp *t, struct tcp_conn *c, struct rte_mbuf *s)
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
			tcp_hold(t, c, s);
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
		tcp_unhold(t, c, s);
		rte_pktmbuf_free_seg(s);
	}
}

/* Move what the out-of-order list holds at rcv_nxt into the in-order queue. */
void
tcp_ooo_pull(struct sl_tcp *t, struct tcp_conn *c)
{
	while (c->ooo != NULL && SEQ_LEQ(c->ooo->hash.usr, c->rcv_nxt)) {
		struct rte_mbuf *s = c->ooo;
		uint32_t skip = c->rcv_nxt - s->hash.usr;

		c->ooo = s->next;
		s->next = NULL;
		c->ooo_n--;
		c->ooo_held -= s->buf_len;
		tcp_unhold(t, c, s);
		t->ctr[SL_TCP_retrans_bytes] += RTE_MIN(skip, (uint32_t)s->data_len);
		if (skip >= s->data_len) {
			rte_pktmbuf_free_seg(s);
			continue;
		}
		s->data_off += skip;
		s->data_len -= skip;
		c->rcv_nxt += s->data_len;
		tcp_q_append(t, c, s);
	}
}

/*
 * Insert one buffer [seq, seq + data_len) into the out-of-order list,
 * trimming it against its neighbours. @return bytes that were new.
 */
uint32_t
tcp_ooo_insert(struct sl_tcp *t, struct tcp_conn *c, struct rte_mbuf *s, uint32_t seq)
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
			tcp_unhold(t, c, n);
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
	tcp_hold(t, c, s);
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


void
tcp_reset_conn(struct sl_tcp *t, struct tcp_conn *c, uint64_t now)
{
	tcp_send(t, c, TCP_F_RST, now);
	t->ctr[SL_TCP_rst_sent]++;
	tcp_conn_free(t, c);
}

/* An aborting connection delivered everything: it goes (with an RST of
 * ours unless the peer reset it). */
void
tcp_abort_done(struct sl_tcp *t, struct tcp_conn *c, uint64_t now)
{
	if (c->flags & CF_RST_OUT)
		tcp_reset_conn(t, c, now);
	else
		tcp_conn_free(t, c);
}

/*
 * End a connection without our FIN (the peer's RST, idle): what it holds is
 * delivered first, the unfinished last message flagged truncated, as at a
 * FIN; if the sink refuses, the blocked list finishes the job.
 */
void
tcp_abort(struct sl_tcp *t, struct tcp_conn *c, uint64_t now, bool send_rst)
{
	c->flags |= CF_ABORT | CF_FIN_IN | (send_rst ? CF_RST_OUT : 0);
	if (c->state == ST_SYN_RCVD) {
		tcp_abort_done(t, c, now);
		return;
	}
	if (c->flags & CF_BLOCKED)
		return;
	if (tcp_deliver(t, c, now) == 0)
		tcp_abort_done(t, c, now);
}

/*
 * Frame and hand on what the in-order queue holds, until framing needs
 * more bytes or the sink refuses. At the end of a stream (the peer's FIN in
 * order), the unfinished last message goes too, then our FIN.
 * @return 0, or -EAGAIN when the sink refused (connection blocked).
 */
int
tcp_deliver(struct sl_tcp *t, struct tcp_conn *c, uint64_t now)
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
		/* The FIN, acknowledged from now on (not when the end is
		 * ours: idle, the peer's RST, shutdown). */
		if (c->flags & CF_FIN_SEEN)
			c->rcv_nxt++;
		if (c->state == ST_CLOSE_WAIT && !t->draining && !(c->flags & CF_ABORT))
			tcp_send_fin(t, c, now);
	}
	return 0;
}


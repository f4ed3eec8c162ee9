/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP input: segment parsing, the handshake (with SYN cookies), the
 * established states, ACK decisions. One burst at a time, per worker.
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
void
tcp_window_update(struct sl_tcp *t, struct tcp_conn *c, uint64_t now)
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

/* Cookie: 23 bits of MAC | 1 bit "our SYN-ACK announced a window scale" |
 * 5 bits of the period | 3 bits of MSS index. The MAC covers the bit. */
static uint32_t
cookie_make(const struct sl_tcp *t, const struct tcp_key *k, uint32_t peer_isn,
	    uint32_t count, unsigned int mss_idx, unsigned int ws)
{
	uint32_t mac = (uint32_t)tcp_siphash(t->p.secret, k, peer_isn,
					     count | 0x80000000u | (uint32_t)ws << 30);

	return (mac & 0xfffffe00u) | (uint32_t)(ws & 1) << 8 | (count & 0x1f) << 3 |
	       (mss_idx & 7);
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
	c->l2_len = tcp_reply_l2(t, d->m, d->l2_len, c->l2);
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
		/* tcp_send_cookie() announces our scale when the peer offered
		 * its own and timestamps (the peer's scale rides in them). */
		uint32_t cookie = cookie_make(t, k, sg->seq, count, mi,
					      sg->o.ws != 0xff && sg->o.ts_ok);
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
	if (cookie_make(t, k, sg->seq - 1, made, cookie & 7, (cookie >> 8) & 1) != cookie)
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
	/* Our SYN-ACK announced a scale (the cookie says so): the peer
	 * applies it, even if this ACK dropped its timestamps. */
	if ((cookie >> 8) & 1) {
		c->flags |= CF_WS;
		c->rcv_wscale = t->rcv_wscale;
	}
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

void
tcp_send_fin(struct sl_tcp *t, struct tcp_conn *c, uint64_t now)
{
	c->state = ST_LAST_ACK;
	c->fin_tries = 1;
	c->timer = now + t->fin_rto_tsc;
	tcp_send(t, c, TCP_F_FIN, now);
}

/* The peer's FIN is now in order: no byte follows. It is acknowledged
 * (rcv_nxt moves past it) only when every byte before it is delivered,
 * together with our FIN (tcp_deliver()). */
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
		s = tcp_chain_cut(m, off, len, &last);
		c->rcv_nxt += len;
		t->ctr[SL_TCP_bytes_in] += len;
		tcp_q_append(t, c, s);
		if (c->ooo != NULL) {
			uint32_t before = c->rcv_nxt;

			tcp_ooo_pull(t, c);
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
	s = tcp_chain_cut(m, off, len, &last);
	{
		uint32_t got = 0, sq = seq;

		while (s != NULL) {
			struct rte_mbuf *n = s->next;
			uint32_t l = s->data_len;

			s->next = NULL;
			got += tcp_ooo_insert(t, c, s, sq);
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
	if (SEQ_LT(right, c->rcv_adv)) {
		/* What we promised, up to the rounding of the window scale. */
		uint32_t cap = right + (1u << c->rcv_wscale) - 1;

		right = SEQ_LT(c->rcv_adv, cap) ? c->rcv_adv : cap;
	}
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
		tcp_conn_free(t, c);
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
	/* (Past it only if a misbehaving peer sent data beyond its FIN that
	 * was already held out of order.) */
	if ((c->flags & CF_FIN_SEEN) && !(c->flags & CF_FIN_IN) && SEQ_GEQ(c->rcv_nxt, c->fin_seq))
		fin_in(t, c);
	else if ((fl & TCP_F_FIN) && (c->flags & CF_FIN_IN))
		c->flags |= CF_ACK_NOW; /* a repeated FIN: ACK it again */
	if (c->q_bytes || (c->flags & CF_FIN_IN)) {
		if (!(c->flags & CF_BLOCKED))
			tcp_deliver(t, c, now);
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
	/* Segments of one connection come in runs: the last hit first. */
	pos = (int32_t)t->last_pos;
	if (t->conns[pos].state == ST_FREE || t->conns[pos].hash != d->hash ||
	    memcmp(&t->conns[pos].key, &k, sizeof(k)) != 0) {
		pos = rte_hash_lookup_with_hash(t->h, &k, d->hash);
		if (pos >= 0)
			t->last_pos = (uint32_t)pos;
	}
	if (pos >= 0) {
		struct tcp_conn *c = &t->conns[pos];

		/* A new SYN for a connection we are closing: the peer reuses the
		 * port; the old one is done. */
		if ((sg.flags & TCP_F_SYN) && !(sg.flags & TCP_F_ACK) &&
		    c->state == ST_LAST_ACK) {
			tcp_conn_free(t, c);
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


/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the TCP stage sends: ACKs (with timestamps and SACK blocks), SYN-ACKs
 * (with or without state: SYN cookies), our FIN, RSTs. Every segment is built
 * in a fresh mbuf from the stage's pool, checksummed in software (they are
 * small), and queued for the tx function, which runs at the end of each
 * input or poll call, or when the queue is full.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "sl_record.h"
#include "tcp_private.h"


/* SipHash-2-4 (Aumasson, Bernstein), over the flow key and two words. */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do { \
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
} while (0)

uint64_t
tcp_siphash(const uint64_t key[2], const struct tcp_key *k, uint32_t w1, uint32_t w2)
{
	uint64_t v0 = 0x736f6d6570736575ull ^ key[0];
	uint64_t v1 = 0x646f72616e646f6dull ^ key[1];
	uint64_t v2 = 0x6c7967656e657261ull ^ key[0];
	uint64_t v3 = 0x7465646279746573ull ^ key[1];
	uint64_t m[6];
	unsigned int i;

	memcpy(&m[0], k->src, 16);
	memcpy(&m[2], k->dst, 16);
	m[4] = (uint64_t)k->sport | (uint64_t)k->dport << 16 | (uint64_t)w1 << 32;
	m[5] = (uint64_t)w2 | (uint64_t)48 << 56; /* 48 bytes, as SipHash pads */
	for (i = 0; i < 6; i++) {
		v3 ^= m[i];
		SIPROUND;
		SIPROUND;
		v0 ^= m[i];
	}
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

void
tcp_tx_flush(struct sl_tcp *t)
{
	uint16_t sent;

	if (t->n_txq == 0)
		return;
	sent = t->p.tx(t->p.tx_arg, t->txq, t->n_txq);
	if (unlikely(sent < t->n_txq)) {
		t->ctr[SL_TCP_drop_tx_full] += t->n_txq - sent;
		rte_pktmbuf_free_bulk(&t->txq[sent], t->n_txq - sent);
	}
	t->n_txq = 0;
}

uint32_t
tcp_ts_now(const struct sl_tcp *t, uint64_t now)
{
	return (uint32_t)(now / t->tsc_ms);
}

uint16_t
tcp_window(struct sl_tcp *t, struct tcp_conn *c)
{
	uint32_t consumed = c->rcv_nxt - c->q_bytes;
	uint32_t room = t->rcvbuf > c->q_bytes ? t->rcvbuf - c->q_bytes : 0;
	uint32_t floor = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint64_t mem_free = t->p.mem_cap > t->mem_used ? t->p.mem_cap - t->mem_used : 0;
	uint32_t win, field, s = c->rcv_wscale;

	(void)consumed;
	/* Memory short: offer at most half of what is left, so the window
	 * promised is one the worker can back. Never below what was already
	 * promised: the right edge does not move back (RFC 7323 2.4). */
	if (room > mem_free / 2)
		room = (uint32_t)(mem_free / 2);
	/* A FIN in order closes the window: nothing follows it. */
	if (c->flags & CF_FIN_IN)
		room = 0;
	/* Receiver-side silly-window avoidance (RFC 1122 4.2.3.3): less
	 * room than a segment is offered as none, so a held-back sender
	 * stops and probes instead of trickling tiny segments. */
	if (room < RTE_MIN(t->rcvbuf / 2, (uint32_t)c->mss))
		room = 0;
	win = room > floor ? room : floor;
	field = win >> s;
	/* Keep the promised edge: round up, unless that would promise more
	 * than the buffer plus one scale unit (a sender of segments smaller
	 * than 2^s would otherwise make the edge creep forever); then round
	 * down, moving the edge back by less than one unit (RFC 7323
	 * appendix F). So the window still closes to zero, and what we
	 * promise is always what on_segment() accepts. */
	if ((field << s) < floor) {
		uint32_t up = (floor + (1u << s) - 1) >> s;

		uint32_t buf = t->rcvbuf > c->q_bytes ? t->rcvbuf - c->q_bytes : 0;

		if ((up << s) < buf + (1u << s))
			field = up;
	}
	if (field > 65535)
		field = 65535;
	/* The edge the peer now sees. Rounding up to keep it from moving
	 * back can creep forward at each ACK while the buffer is full;
	 * on_segment() accepts at most 2^s beyond the buffer, so a sender
	 * of odd-sized segments cannot make the buffer grow. */
	if (SEQ_GT(c->rcv_nxt + (field << s), c->rcv_adv) || (field << s) < floor)
		c->rcv_adv = c->rcv_nxt + (field << s);
	if (field == 0) {
		if (!(c->flags & CF_ZWIN)) {
			c->flags |= CF_ZWIN;
			t->n_zwin++;
			if (!(c->flags & CF_FIN_IN))
				t->ctr[SL_TCP_zero_window]++;
		}
	} else if (c->flags & CF_ZWIN) {
		c->flags &= ~CF_ZWIN;
		t->n_zwin--;
	}
	return (uint16_t)field;
}

/* Fill Ethernet and IP headers for a segment of @p tcp_len bytes (header
 * and options). @return the TCP header. */
static struct rte_tcp_hdr *
build_l2l3(struct rte_mbuf *m, const uint8_t *l2, uint8_t l2_len, bool v6,
	   const uint8_t *src16, const uint8_t *dst16, uint16_t tcp_len,
	   void **l3)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint16_t l3_len = v6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr);

	memcpy(p, l2, l2_len);
	p += l2_len;
	*l3 = p;
	if (v6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)p;

		ip6->vtc_flow = rte_cpu_to_be_32(0x60000000);
		ip6->payload_len = rte_cpu_to_be_16(tcp_len);
		ip6->proto = IPPROTO_TCP;
		ip6->hop_limits = 64;
		memcpy(ip6->src_addr, src16, 16);
		memcpy(ip6->dst_addr, dst16, 16);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

		ip->version_ihl = 0x45;
		ip->type_of_service = 0;
		ip->total_length = rte_cpu_to_be_16(l3_len + tcp_len);
		ip->packet_id = 0;
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		ip->hdr_checksum = 0;
		memcpy(&ip->src_addr, src16 + 12, 4);
		memcpy(&ip->dst_addr, dst16 + 12, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	m->data_len = m->pkt_len = l2_len + l3_len + tcp_len;
	m->l2_len = l2_len;
	m->l3_len = l3_len;
	return (struct rte_tcp_hdr *)(p + l3_len);
}

static void
finish_tcp(struct rte_tcp_hdr *th, const void *l3, bool v6)
{
	th->cksum = 0;
	th->cksum = v6 ? rte_ipv6_udptcp_cksum(l3, th) : rte_ipv4_udptcp_cksum(l3, th);
}

static void
queue_tx(struct sl_tcp *t, struct rte_mbuf *m)
{
	t->txq[t->n_txq++] = m;
	if (t->n_txq == TCP_TXQ)
		tcp_tx_flush(t);
}

static struct rte_mbuf *
alloc_tx(struct sl_tcp *t)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(t->p.pool);

	if (unlikely(m == NULL))
		t->ctr[SL_TCP_drop_tx_full]++;
	return m;
}

/* Timestamp option, NOP-padded to 12 bytes. */
static inline uint8_t *
put_ts(uint8_t *o, uint32_t tsval, uint32_t tsecr)
{
	uint32_t v = rte_cpu_to_be_32(tsval), e = rte_cpu_to_be_32(tsecr);

	o[0] = OPT_NOP;
	o[1] = OPT_NOP;
	o[2] = OPT_TS;
	o[3] = 10;
	memcpy(o + 4, &v, 4);
	memcpy(o + 8, &e, 4);
	return o + 12;
}

/* SACK blocks from the out-of-order list: the block holding the latest
 * segment first (RFC 2018 4), then the others in sequence order. */
static uint8_t *
put_sack(struct sl_tcp *t, const struct tcp_conn *c, uint8_t *o, unsigned int max)
{
	uint32_t bs[8], be[8];
	unsigned int nb = 0, i, first = 0, out = 0;
	const struct rte_mbuf *s;

	for (s = c->ooo; s != NULL; s = s->next) {
		uint32_t a = s->hash.usr, b = a + s->data_len;

		if (nb && be[nb - 1] == a) {
			be[nb - 1] = b;
			continue;
		}
		if (nb == 8)
			break;
		bs[nb] = a;
		be[nb] = b;
		nb++;
	}
	if (nb == 0)
		return o;
	for (i = 0; i < nb; i++)
		if (SEQ_GEQ(c->sack_last, bs[i]) && SEQ_LT(c->sack_last, be[i]))
			first = i;
	if (max > nb)
		max = nb;
	o[0] = OPT_NOP;
	o[1] = OPT_NOP;
	o[2] = OPT_SACK;
	o[3] = (uint8_t)(2 + 8 * max);
	o += 4;
	for (i = 0; out < max; i++) {
		unsigned int j = out == 0 ? first : i - 1;
		uint32_t a, b;

		if (out > 0 && j == first)
			continue;
		a = rte_cpu_to_be_32(bs[j]);
		b = rte_cpu_to_be_32(be[j]);
		memcpy(o, &a, 4);
		memcpy(o + 4, &b, 4);
		o += 8;
		out++;
	}
	t->ctr[SL_TCP_acks_sack]++;
	return o;
}

void
tcp_send(struct sl_tcp *t, struct tcp_conn *c, uint8_t flags, uint64_t now)
{
	struct rte_mbuf *m = alloc_tx(t);
	struct rte_tcp_hdr *th;
	uint8_t opt[40], *o = opt;
	uint16_t olen, win;
	void *l3;
	bool v6 = c->flags & CF_V6;

	if (m == NULL) {
		if (flags & TCP_F_FIN)
			c->snd_nxt++; /* counted as sent: the retransmit resends it */
		c->flags &= ~CF_DELACK; /* so a later one can be armed */
		return;
	}
	win = tcp_window(t, c);
	if (c->flags & CF_TS)
		o = put_ts(o, tcp_ts_now(t, now) + c->ts_off, c->ts_recent);
	if ((c->flags & CF_SACK) && c->ooo != NULL && !(flags & TCP_F_RST))
		o = put_sack(t, c, o, (c->flags & CF_TS) ? 3 : 4);
	olen = (uint16_t)(o - opt);
	th = build_l2l3(m, c->l2, c->l2_len, v6, c->key.dst, c->key.src,
			(uint16_t)(sizeof(*th) + olen), &l3);
	th->src_port = rte_cpu_to_be_16(c->key.dport);
	th->dst_port = rte_cpu_to_be_16(c->key.sport);
	th->sent_seq = rte_cpu_to_be_32(c->snd_nxt);
	th->recv_ack = rte_cpu_to_be_32(c->rcv_nxt);
	th->data_off = (uint8_t)(((sizeof(*th) + olen) / 4) << 4);
	th->tcp_flags = flags | TCP_F_ACK;
	th->rx_win = rte_cpu_to_be_16(win);
	th->tcp_urp = 0;
	memcpy(th + 1, opt, olen);
	finish_tcp(th, l3, v6);
	c->last_ack = c->rcv_nxt;
	if (c->flags & CF_DELACK)
		c->flags &= ~CF_DELACK;
	c->flags &= ~CF_ACK_NOW;
	if (flags & TCP_F_FIN)
		c->snd_nxt++;
	queue_tx(t, m);
}

/* SYN-ACK options in the usual order: MSS, SACK-permitted + TS (or NOPs),
 * NOP + window scale. */
static uint16_t
put_syn_opts(uint8_t *o0, uint16_t mss, bool sack, bool ts, uint32_t tsval,
	     uint32_t tsecr, int ws)
{
	uint8_t *o = o0;
	uint16_t m = rte_cpu_to_be_16(mss);

	o[0] = OPT_MSS;
	o[1] = 4;
	memcpy(o + 2, &m, 2);
	o += 4;
	if (ts) {
		uint32_t v = rte_cpu_to_be_32(tsval), e = rte_cpu_to_be_32(tsecr);

		if (sack) {
			o[0] = OPT_SACK_PERM;
			o[1] = 2;
		} else {
			o[0] = OPT_NOP;
			o[1] = OPT_NOP;
		}
		o[2] = OPT_TS;
		o[3] = 10;
		memcpy(o + 4, &v, 4);
		memcpy(o + 8, &e, 4);
		o += 12;
	} else if (sack) {
		o[0] = OPT_NOP;
		o[1] = OPT_NOP;
		o[2] = OPT_SACK_PERM;
		o[3] = 2;
		o += 4;
	}
	if (ws >= 0) {
		o[0] = OPT_NOP;
		o[1] = OPT_WS;
		o[2] = 3;
		o[3] = (uint8_t)ws;
		o += 4;
	}
	return (uint16_t)(o - o0);
}

static void
send_synack_raw(struct sl_tcp *t, const uint8_t *l2, uint8_t l2_len, bool v6,
		const struct tcp_key *k, uint32_t seq, uint32_t ack, uint16_t mss,
		bool sack, bool ts, uint32_t tsval, uint32_t tsecr, int ws)
{
	struct rte_mbuf *m = alloc_tx(t);
	struct rte_tcp_hdr *th;
	uint8_t opt[40];
	uint16_t olen;
	void *l3;

	if (m == NULL)
		return;
	olen = put_syn_opts(opt, mss, sack, ts, tsval, tsecr, ws);
	th = build_l2l3(m, l2, l2_len, v6, k->dst, k->src,
			(uint16_t)(sizeof(*th) + olen), &l3);
	th->src_port = rte_cpu_to_be_16(k->dport);
	th->dst_port = rte_cpu_to_be_16(k->sport);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)(((sizeof(*th) + olen) / 4) << 4);
	th->tcp_flags = TCP_F_SYN | TCP_F_ACK;
	/* The window of a SYN is never scaled (RFC 7323 2.2). */
	th->rx_win = rte_cpu_to_be_16((uint16_t)RTE_MIN(t->rcvbuf, 65535u));
	th->tcp_urp = 0;
	memcpy(th + 1, opt, olen);
	finish_tcp(th, l3, v6);
	queue_tx(t, m);
}

void
tcp_send_synack(struct sl_tcp *t, struct tcp_conn *c, uint64_t now)
{
	bool v6 = c->flags & CF_V6;

	send_synack_raw(t, c->l2, c->l2_len, v6, &c->key, c->iss, c->rcv_nxt,
			v6 ? t->p.mss6 : t->p.mss4, c->flags & CF_SACK, c->flags & CF_TS,
			tcp_ts_now(t, now) + c->ts_off, c->ts_recent,
			(c->flags & CF_WS) ? c->rcv_wscale : -1);
	c->rcv_adv = c->rcv_nxt + RTE_MIN(t->rcvbuf, 65535u);
	c->last_ack = c->rcv_nxt;
}

uint8_t
tcp_reply_l2(const struct sl_tcp *t, const struct rte_mbuf *m, uint8_t l2_len, uint8_t *l2)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	if (l2_len > sizeof(((struct tcp_conn *)0)->l2) || l2_len < sizeof(*eh))
		l2_len = sizeof(*eh);
	memcpy(l2, eh, l2_len);
	memcpy(l2, &eh->src_addr, RTE_ETHER_ADDR_LEN);
	memcpy(l2 + RTE_ETHER_ADDR_LEN, &t->p.mac, RTE_ETHER_ADDR_LEN);
	return l2_len;
}

void
tcp_send_cookie(struct sl_tcp *t, const struct sl_dgram *d, uint32_t seq,
		uint32_t cookie, const struct tcp_syn_opts *o, uint32_t tsval)
{
	struct tcp_key k;
	uint8_t l2[22], l2_len = tcp_reply_l2(t, d->m, d->l2_len, l2);
	bool v6 = d->flags & SL_REC_F_IPV6;
	uint16_t mss = v6 ? t->p.mss6 : t->p.mss4;

	memcpy(k.src, d->src.b, 16);
	memcpy(k.dst, d->dst.b, 16);
	k.sport = d->sport;
	k.dport = d->dport;
	send_synack_raw(t, l2, l2_len, v6, &k, cookie, seq + 1, mss, o->sack_ok && o->ts_ok,
			o->ts_ok, tsval, o->tsval, (o->ws != 0xff && o->ts_ok) ? t->rcv_wscale : -1);
}

void
tcp_send_rst_for(struct sl_tcp *t, const struct sl_dgram *d, uint32_t seq,
		 uint32_t ack, uint8_t flags, uint32_t seg_len)
{
	struct rte_mbuf *m = alloc_tx(t);
	struct rte_tcp_hdr *th;
	uint8_t l2[22], l2_len;
	bool v6 = d->flags & SL_REC_F_IPV6;
	struct tcp_key k;
	void *l3;

	if (m == NULL)
		return;
	l2_len = tcp_reply_l2(t, d->m, d->l2_len, l2);
	memcpy(k.src, d->src.b, 16);
	memcpy(k.dst, d->dst.b, 16);
	th = build_l2l3(m, l2, l2_len, v6, k.dst, k.src, sizeof(*th), &l3);
	th->src_port = rte_cpu_to_be_16(d->dport);
	th->dst_port = rte_cpu_to_be_16(d->sport);
	if (flags & TCP_F_ACK) {
		/* It carried an ACK: our RST takes that sequence number. */
		th->sent_seq = rte_cpu_to_be_32(ack);
		th->recv_ack = 0;
		th->tcp_flags = TCP_F_RST;
	} else {
		th->sent_seq = 0;
		th->recv_ack = rte_cpu_to_be_32(seq + seg_len + !!(flags & TCP_F_SYN) +
						!!(flags & TCP_F_FIN));
		th->tcp_flags = TCP_F_RST | TCP_F_ACK;
	}
	th->data_off = (sizeof(*th) / 4) << 4;
	th->rx_win = 0;
	th->tcp_urp = 0;
	finish_tcp(th, l3, v6);
	t->ctr[SL_TCP_rst_sent]++;
	queue_tx(t, m);
}

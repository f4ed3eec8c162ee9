/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A TCP peer for the TCP stage's suite (also used by its fuzz target and
 * bench): builds Ethernet (+802.1Q) + IPv4/IPv6 + TCP segments with correct
 * checksums and turns them into struct sl_dgram exactly as decode does;
 * captures what the stage sends (every packet parsed and checked: MACs,
 * addresses and ports swapped, IP and TCP checksums, options) and what it
 * delivers (a sink that can refuse, -EAGAIN, to simulate writers behind).
 *
 * Time is the TSC value passed in: TT_HZ ticks per second (1 tick = 1 ns),
 * driven explicitly, never slept.
 *
 * Per-peer invariants checked on every packet the stage sends to a peer
 * (a violation is printed and counted in tt_cap.bad, which tt_close()
 * asserts is zero): the ACK number never goes back; the right edge of the
 * window (ack + window, scaled by the shift we announced) never moves left;
 * the window never exceeds the receive buffer; timestamps are present
 * exactly when negotiated and our TSval never goes back; we never send
 * payload.
 */
#ifndef TCP_TEST_UTIL_H
#define TCP_TEST_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include "sl_addr.h"
#include "sl_common.h"
#include "sl_record.h"
#include "sl_tcp.h"
#include "sl_test.h"

#define TT_HZ 1000000000ull                      /* TSC ticks per second */
#define TT_MS(x) ((uint64_t)(x) * 1000000ull)
#define TT_US(x) ((uint64_t)(x) * 1000ull)

#define TT_OURS4 "10.0.0.1"
#define TT_OURS6 "fd00::1"
#define TT_PEER4 "192.0.2.7"
#define TT_PEER6 "2001:db8::7"
#define TT_PORT 514          /* in the ports bitmap */
#define TT_PORT2 6514        /* in the ports bitmap */
#define TT_CLOSED 515        /* not in it */

#define TT_FIN RTE_TCP_FIN_FLAG
#define TT_SYN RTE_TCP_SYN_FLAG
#define TT_RST RTE_TCP_RST_FLAG
#define TT_PSH RTE_TCP_PSH_FLAG
#define TT_ACK RTE_TCP_ACK_FLAG

/** Sequence arithmetic modulo 2^32. */
#define TT_SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define TT_SEQ_LE(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)

#define TT_FLOW_HASH_SEED 0x736c7563u  /* decode_input.c SL_FLOW_HASH_SEED */

static const struct rte_ether_addr tt_our_mac = { { 0x02, 0, 0, 0, 0, 0x01 } };
static const struct rte_ether_addr tt_peer_mac = { { 0x02, 0, 0, 0, 0, 0x99 } };

/* ------------------------------------------------------------------ */
/* Segment building                                                     */
/* ------------------------------------------------------------------ */

/** One side of a flow as the peer sees it: it sends from src:sport to dst:dport. */
struct tt_addr {
	bool v6;
	uint16_t vlan;        /**< 802.1Q VLAN id, 0: untagged */
	struct sl_ip src, dst;
	uint16_t sport, dport;
};

/** TCP options to put in a segment. */
struct tt_opts {
	int mss;              /**< -1: none */
	int ws;               /**< -1: none */
	bool sackok;
	bool ts;
	uint32_t tsval, tsecr;
	uint8_t nsack;
	uint32_t sack[4][2];  /**< left, right (sequence numbers) */
	const uint8_t *raw;   /**< raw option bytes appended (then padded) */
	uint8_t rawlen;
};

static inline struct tt_opts
tt_no_opts(void)
{
	struct tt_opts o;

	memset(&o, 0, sizeof(o));
	o.mss = -1;
	o.ws = -1;
	return o;
}

/** Encode @p o (Linux order: MSS, SACK-perm/NOP+NOP, TS, NOP+WS, SACK), padded to 4. */
static inline uint8_t
tt_opts_encode(const struct tt_opts *o, uint8_t *b)
{
	uint8_t n = 0;
	unsigned int i;

	if (o->mss >= 0) {
		b[n++] = 2;
		b[n++] = 4;
		b[n++] = (uint8_t)(o->mss >> 8);
		b[n++] = (uint8_t)o->mss;
	}
	if (o->sackok && o->ts) {
		b[n++] = 4;
		b[n++] = 2;
	} else if (o->sackok) {
		b[n++] = 1;
		b[n++] = 1;
		b[n++] = 4;
		b[n++] = 2;
	}
	if (o->ts) {
		uint32_t v = htonl(o->tsval), e = htonl(o->tsecr);

		if (!o->sackok) {
			b[n++] = 1;
			b[n++] = 1;
		}
		b[n++] = 8;
		b[n++] = 10;
		memcpy(b + n, &v, 4);
		memcpy(b + n + 4, &e, 4);
		n += 8;
	}
	if (o->ws >= 0) {
		b[n++] = 1;
		b[n++] = 3;
		b[n++] = 3;
		b[n++] = (uint8_t)o->ws;
	}
	if (o->nsack) {
		b[n++] = 1;
		b[n++] = 1;
		b[n++] = 5;
		b[n++] = (uint8_t)(2 + 8 * o->nsack);
		for (i = 0; i < o->nsack; i++) {
			uint32_t l = htonl(o->sack[i][0]), r = htonl(o->sack[i][1]);

			memcpy(b + n, &l, 4);
			memcpy(b + n + 4, &r, 4);
			n += 8;
		}
	}
	if (o->rawlen) {
		uint8_t k = (uint8_t)RTE_MIN((unsigned int)o->rawlen, 40u - n);

		memcpy(b + n, o->raw, k);
		n += k;
	}
	while (n & 3)
		b[n++] = 0;   /* EOL */
	return n;
}

/** One's complement sum over the pseudo-header and @p l4 (@p len bytes); 0 when valid. */
static inline uint16_t
tt_l4_cksum(const uint8_t *src, const uint8_t *dst, size_t alen, const uint8_t *l4,
	    uint32_t len)
{
	uint32_t tail[2] = { htonl(len), htonl(IPPROTO_TCP) };
	uint32_t s = 0;

	s = __rte_raw_cksum(src, alen, s);
	s = __rte_raw_cksum(dst, alen, s);
	s = __rte_raw_cksum(tail, 8, s);
	s = __rte_raw_cksum(l4, len, s);
	return (uint16_t)~__rte_raw_cksum_reduce(s);
}

/** The flow hash decode computes (CRC32C, decode_input.c flow_hash, proto 6). */
static inline uint32_t
tt_flow_hash(const struct sl_ip *src, const struct sl_ip *dst, uint16_t sport, uint16_t dport)
{
	uint32_t h = TT_FLOW_HASH_SEED;
	uint64_t w[4];

	memcpy(&w[0], src->b, 16);
	memcpy(&w[2], dst->b, 16);
	h = rte_hash_crc_8byte(w[0], h);
	h = rte_hash_crc_8byte(w[1], h);
	h = rte_hash_crc_8byte(w[2], h);
	h = rte_hash_crc_8byte(w[3], h);
	h = rte_hash_crc_4byte((uint32_t)sport | (uint32_t)dport << 16, h);
	return rte_hash_crc_4byte(IPPROTO_TCP, h);
}

/** Largest frame the builder makes. */
#define TT_FRAME_MAX 9216

/**
 * Build one segment as decode would hand it over: the whole frame in an
 * mbuf from @p mp (split into a chain after @p chain_at bytes when
 * non-zero, and wherever a segment's room is full), padded to 60 bytes like
 * a real Ethernet frame (so pkt_len > off + len for small segments).
 * @return 0, or -ENOMEM (@p dg->m is then NULL).
 */
static inline int
tt_build(struct sl_dgram *dg, struct rte_mempool *mp, const struct tt_addr *a,
	 uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
	 const struct tt_opts *o, const void *payload, uint32_t plen, uint32_t chain_at)
{
	static uint8_t f[TT_FRAME_MAX];
	struct rte_tcp_hdr *th;
	struct rte_mbuf *head = NULL, *last = NULL;
	uint32_t len, l3, l4, hl, pos;
	uint8_t optb[40], optlen = o ? tt_opts_encode(o, optb) : 0;
	uint16_t ck;

	memset(dg, 0, sizeof(*dg));
	hl = 20u + optlen;
	memcpy(f, tt_our_mac.addr_bytes, 6);
	memcpy(f + 6, tt_peer_mac.addr_bytes, 6);
	len = 12;
	if (a->vlan) {
		f[len++] = RTE_ETHER_TYPE_VLAN >> 8;
		f[len++] = RTE_ETHER_TYPE_VLAN & 0xff;
		f[len++] = (uint8_t)(a->vlan >> 8);
		f[len++] = (uint8_t)a->vlan;
	}
	f[len++] = a->v6 ? 0x86 : 0x08;
	f[len++] = a->v6 ? 0xdd : 0x00;
	l3 = len;
	if (plen > TT_FRAME_MAX - 200)
		plen = TT_FRAME_MAX - 200;
	if (a->v6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(f + l3);

		memset(ip6, 0, sizeof(*ip6));
		ip6->vtc_flow = htonl(6u << 28);
		ip6->payload_len = htons((uint16_t)(hl + plen));
		ip6->proto = IPPROTO_TCP;
		ip6->hop_limits = 64;
		memcpy(ip6->src_addr, a->src.b, 16);
		memcpy(ip6->dst_addr, a->dst.b, 16);
		l4 = l3 + 40;
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + l3);

		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = 0x45;
		ip->total_length = htons((uint16_t)(20 + hl + plen));
		ip->packet_id = htons((uint16_t)seq);
		ip->fragment_offset = htons(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		memcpy(&ip->src_addr, &a->src.b[12], 4);
		memcpy(&ip->dst_addr, &a->dst.b[12], 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		l4 = l3 + 20;
	}
	th = (struct rte_tcp_hdr *)(f + l4);
	th->src_port = htons(a->sport);
	th->dst_port = htons(a->dport);
	th->sent_seq = htonl(seq);
	th->recv_ack = htonl(ack);
	th->data_off = (uint8_t)((hl / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = htons(win);
	th->cksum = 0;
	th->tcp_urp = 0;
	memcpy(f + l4 + 20, optb, optlen);
	if (plen)
		memcpy(f + l4 + hl, payload, plen);
	if (a->v6)
		ck = tt_l4_cksum(a->src.b, a->dst.b, 16, f + l4, hl + plen);
	else
		ck = tt_l4_cksum(&a->src.b[12], &a->dst.b[12], 4, f + l4, hl + plen);
	th->cksum = ck;
	len = l4 + hl + plen;
	while (len < 60)
		f[len++] = 0;

	/* Into mbufs. */
	for (pos = 0; pos < len;) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint32_t room, k;

		if (m == NULL) {
			rte_pktmbuf_free(head);
			dg->m = NULL;
			return -ENOMEM;
		}
		room = rte_pktmbuf_tailroom(m);
		k = RTE_MIN(room, len - pos);
		if (chain_at && pos < chain_at)
			k = RTE_MIN(k, chain_at - pos);
		memcpy(rte_pktmbuf_append(m, (uint16_t)k), f + pos, k);
		pos += k;
		if (head == NULL) {
			head = m;
		} else {
			last->next = m;
			head->nb_segs++;
			head->pkt_len += k;
		}
		last = m;
	}
	dg->m = head;
	dg->off = l4;
	dg->len = hl + plen;
	dg->proto = IPPROTO_TCP;
	dg->l2_len = (uint8_t)l3;
	dg->src = a->src;
	dg->dst = a->dst;
	dg->sport = a->sport;
	dg->dport = a->dport;
	dg->vlan = a->vlan;
	dg->flags = (uint16_t)((a->v6 ? SL_REC_F_IPV6 : 0) | (a->vlan ? SL_REC_F_VLAN : 0));
	dg->hash = tt_flow_hash(&a->src, &a->dst, a->sport, a->dport);
	return 0;
}

/* ------------------------------------------------------------------ */
/* What the stage sends                                                 */
/* ------------------------------------------------------------------ */

/** A packet the stage sent, parsed. */
struct tt_pkt {
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t win;         /**< raw window field */
	uint16_t sport, dport;
	bool v6;
	uint16_t vlan;
	struct sl_ip src, dst;
	uint32_t plen;        /**< payload bytes (must be 0) */
	int mss, ws;          /**< -1: absent */
	bool sackok, ts;
	uint32_t tsval, tsecr;
	uint8_t nsack;
	uint32_t sack[4][2];
};

/**
 * Parse and check one packet we sent: Ethernet from our MAC to the peer's,
 * IPv4 (version, length, header checksum) or IPv6, TCP checksum, options
 * well formed. @return 0, or -1 with the reason in @p why.
 */
static inline int
tt_parse(const struct rte_mbuf *m, const struct rte_ether_addr *ours, struct tt_pkt *p,
	 char *why, size_t whylen)
{
	static uint8_t b[TT_FRAME_MAX];
	uint32_t len = rte_pktmbuf_pkt_len(m), off = 14, l4, tl, hl, i;
	uint16_t et;
	const struct rte_tcp_hdr *th;
	const void *d;

	memset(p, 0, sizeof(*p));
	p->mss = -1;
	p->ws = -1;
#define TT_BAD(...) do { snprintf(why, whylen, __VA_ARGS__); return -1; } while (0)

	if (len > sizeof(b) || len < 14 || (d = rte_pktmbuf_read(m, 0, len, b)) == NULL)
		TT_BAD("bad mbuf length %u", len);
	if (d != b)
		memcpy(b, d, len);
	if (memcmp(b, tt_peer_mac.addr_bytes, 6) != 0)
		TT_BAD("destination MAC is not the peer's");
	if (memcmp(b + 6, ours->addr_bytes, 6) != 0)
		TT_BAD("source MAC is not ours");
	et = (uint16_t)(b[12] << 8 | b[13]);
	if (et == RTE_ETHER_TYPE_VLAN) {
		if (len < 18)
			TT_BAD("truncated VLAN tag");
		p->vlan = (uint16_t)((b[14] << 8 | b[15]) & 0xfff);
		et = (uint16_t)(b[16] << 8 | b[17]);
		off = 18;
	}
	if (et == RTE_ETHER_TYPE_IPV4) {
		const struct rte_ipv4_hdr *ip = (const void *)(b + off);

		if (len < off + 20 || ip->version_ihl != 0x45)
			TT_BAD("IPv4 header: version_ihl %#x", len < off + 20 ? 0 : ip->version_ihl);
		tl = ntohs(ip->total_length);
		if (tl < 40 || off + tl > len)
			TT_BAD("IPv4 total length %u, frame %u", tl, len);
		if (__rte_raw_cksum_reduce(__rte_raw_cksum(ip, 20, 0)) != 0xffff)
			TT_BAD("IPv4 header checksum wrong");
		if (ip->next_proto_id != IPPROTO_TCP || ip->time_to_live == 0)
			TT_BAD("IPv4 proto %u ttl %u", ip->next_proto_id, ip->time_to_live);
		if ((ntohs(ip->fragment_offset) & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0)
			TT_BAD("IPv4 fragment");
		sl_ip_from_v4(&p->src, ip->src_addr);
		sl_ip_from_v4(&p->dst, ip->dst_addr);
		l4 = off + 20;
		tl -= 20;
	} else if (et == RTE_ETHER_TYPE_IPV6) {
		const struct rte_ipv6_hdr *ip6 = (const void *)(b + off);

		if (len < off + 40 || (ntohl(ip6->vtc_flow) >> 28) != 6)
			TT_BAD("IPv6 header");
		if (ip6->proto != IPPROTO_TCP || ip6->hop_limits == 0)
			TT_BAD("IPv6 next header %u hop limit %u", ip6->proto, ip6->hop_limits);
		tl = ntohs(ip6->payload_len);
		if (off + 40 + tl > len)
			TT_BAD("IPv6 payload length %u, frame %u", tl, len);
		memcpy(p->src.b, ip6->src_addr, 16);
		memcpy(p->dst.b, ip6->dst_addr, 16);
		p->v6 = true;
		l4 = off + 40;
	} else {
		TT_BAD("ethertype %#x", et);
	}
	if (tl < 20)
		TT_BAD("TCP segment %u bytes", tl);
	if (p->v6 ? tt_l4_cksum(p->src.b, p->dst.b, 16, b + l4, tl) != 0 :
	    tt_l4_cksum(&p->src.b[12], &p->dst.b[12], 4, b + l4, tl) != 0)
		TT_BAD("TCP checksum wrong");
	th = (const void *)(b + l4);
	hl = (uint32_t)(th->data_off >> 4) * 4;
	if (hl < 20 || hl > tl)
		TT_BAD("TCP data offset %u, segment %u", hl, tl);
	p->flags = th->tcp_flags;
	p->seq = ntohl(th->sent_seq);
	p->ack = ntohl(th->recv_ack);
	p->win = ntohs(th->rx_win);
	p->sport = ntohs(th->src_port);
	p->dport = ntohs(th->dst_port);
	p->plen = tl - hl;
	for (i = l4 + 20; i < l4 + hl;) {
		uint8_t k = b[i], ol;

		if (k == 0)
			break;
		if (k == 1) {
			i++;
			continue;
		}
		if (i + 1 >= l4 + hl)
			TT_BAD("option %u truncated", k);
		ol = b[i + 1];
		if (ol < 2 || i + ol > l4 + hl)
			TT_BAD("option %u length %u", k, ol);
		switch (k) {
		case 2:
			if (ol != 4)
				TT_BAD("MSS option length %u", ol);
			p->mss = b[i + 2] << 8 | b[i + 3];
			break;
		case 3:
			if (ol != 3)
				TT_BAD("WS option length %u", ol);
			p->ws = b[i + 2];
			break;
		case 4:
			if (ol != 2)
				TT_BAD("SACK-permitted option length %u", ol);
			p->sackok = true;
			break;
		case 5:
			if (ol < 10 || (ol - 2) % 8 != 0 || (ol - 2) / 8 > 4)
				TT_BAD("SACK option length %u", ol);
			p->nsack = (uint8_t)((ol - 2) / 8);
			for (unsigned int j = 0; j < p->nsack; j++) {
				uint32_t v[2];

				memcpy(v, b + i + 2 + 8 * j, 8);
				p->sack[j][0] = ntohl(v[0]);
				p->sack[j][1] = ntohl(v[1]);
			}
			break;
		case 8:
			if (ol != 10)
				TT_BAD("timestamp option length %u", ol);
			p->ts = true;
			memcpy(&p->tsval, b + i + 2, 4);
			memcpy(&p->tsecr, b + i + 6, 4);
			p->tsval = ntohl(p->tsval);
			p->tsecr = ntohl(p->tsecr);
			break;
		default:
			TT_BAD("unexpected option kind %u", k);
		}
		i += ol;
	}
#undef TT_BAD
	return 0;
}

/** Most packets one case captures. */
#define TT_CAP_MAX 16384

/** The capture tx function's state. */
struct tt_cap {
	struct tt_pkt pkt[TT_CAP_MAX];
	uint8_t used[TT_CAP_MAX];    /**< consumed by tt_next() */
	unsigned int n;
	unsigned int bad;            /**< packets or invariants that failed */
	unsigned int tx_limit;       /**< packets taken per call */
	unsigned int refused;        /**< packets not taken (the stage frees them) */
	struct rte_ether_addr ours;
};

static struct tt_cap tt_cap;

static inline void
tt_cap_reset(const struct rte_ether_addr *ours)
{
	tt_cap.n = 0;
	tt_cap.bad = 0;
	tt_cap.refused = 0;
	tt_cap.tx_limit = UINT32_MAX;
	tt_cap.ours = *ours;
}

/** sl_tcp_tx_fn: parse, check, record and free; take at most tx_limit. */
static inline uint16_t
tt_tx_fn(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct tt_cap *c = arg;
	uint16_t i, take = (uint16_t)RTE_MIN((unsigned int)n, c->tx_limit);
	char why[160];

	for (i = 0; i < take; i++) {
		struct tt_pkt p;

		if (tt_parse(pkts[i], &c->ours, &p, why, sizeof(why)) != 0) {
			fprintf(stderr, "# tx: bad packet: %s\n", why);
			c->bad++;
		} else if (p.plen != 0) {
			fprintf(stderr, "# tx: we sent %u payload bytes\n", p.plen);
			c->bad++;
		}
		if (c->n < TT_CAP_MAX) {
			c->used[c->n] = 0;
			c->pkt[c->n++] = p;
		} else {
			c->bad++;
		}
		rte_pktmbuf_free(pkts[i]);
	}
	c->refused += (unsigned int)(n - take);
	return take;
}

/* ------------------------------------------------------------------ */
/* What the stage delivers                                              */
/* ------------------------------------------------------------------ */

struct tt_msg {
	uint32_t at;          /**< offset of the bytes in tt_sink.buf */
	uint32_t len, orig_len;
	uint16_t flags, sport, dport;
	uint32_t hash;
	struct sl_ip src, dst;
};

#define TT_SINK_MSGS 65536
#define TT_SINK_BYTES (16u << 20)

struct tt_sink {
	bool refuse;                 /**< answer -EAGAIN */
	uint32_t budget;             /**< accept this many more, then refuse (UINT32_MAX: no limit) */
	uint32_t max_msg;            /**< a longer message is a contract violation */
	unsigned int calls, refused, bad;
	unsigned int n;
	uint32_t used;
	struct tt_msg msg[TT_SINK_MSGS];
	uint8_t buf[TT_SINK_BYTES];
};

static struct tt_sink tt_sink;

static inline void
tt_sink_reset(uint32_t max_msg)
{
	tt_sink.refuse = false;
	tt_sink.budget = UINT32_MAX;
	tt_sink.max_msg = max_msg;
	tt_sink.calls = 0;
	tt_sink.refused = 0;
	tt_sink.bad = 0;
	tt_sink.n = 0;
	tt_sink.used = 0;
}

/** sl_tcp_sink_fn: record the message, or refuse. */
static inline int
tt_sink_fn(void *arg, const struct sl_tcp_msg *m)
{
	struct tt_sink *s = arg;
	struct tt_msg *r;

	s->calls++;
	if (s->refuse || s->budget == 0) {
		s->refused++;
		return -EAGAIN;
	}
	if (s->budget != UINT32_MAX)
		s->budget--;
	if (m->len > s->max_msg || m->orig_len < m->len || (m->len && m->p == NULL) ||
	    m->src == NULL || m->dst == NULL) {
		fprintf(stderr, "# sink: bad message len %u orig_len %u (max_msg %u)\n",
			m->len, m->orig_len, s->max_msg);
		s->bad++;
		return 0;
	}
	if (s->n >= TT_SINK_MSGS || s->used + m->len > TT_SINK_BYTES) {
		s->bad++;
		return 0;
	}
	r = &s->msg[s->n++];
	r->at = s->used;
	r->len = m->len;
	r->orig_len = m->orig_len;
	r->flags = m->flags;
	r->sport = m->sport;
	r->dport = m->dport;
	r->hash = m->hash;
	r->src = *m->src;
	r->dst = *m->dst;
	if (m->len)
		memcpy(s->buf + s->used, m->p, m->len);
	s->used += m->len;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The stage under test                                                 */
/* ------------------------------------------------------------------ */

struct tt_ctx {
	struct sl_tcp *t;
	struct sl_tcp_params p;
	uint64_t now;
	unsigned int inuse0;   /**< pool in-use count before the case */
	uint32_t rcvbuf;       /**< effective receive buffer */
};

static struct rte_mempool *tt_pool_p;
static uint8_t tt_ports[8192];
static struct sl_tcp *tt_open_t;  /* a failed case's stage, freed by the next tt_open */
static uint16_t tt_worker;

static inline struct rte_mempool *
tt_pool(void)
{
	if (tt_pool_p == NULL)
		tt_pool_p = rte_pktmbuf_pool_create("tt_pool", 16383, 0, 0,
						    RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	return tt_pool_p;
}

static inline void
tt_set_port(uint16_t port)
{
	tt_ports[port >> 3] |= (uint8_t)(1u << (port & 7));
}

/** Defaults for a case: ports 514 and 6514, 1 tick = 1 ns, max_msg 2048. */
static inline struct sl_tcp_params
tt_params(void)
{
	struct sl_tcp_params p;

	memset(&p, 0, sizeof(p));
	tt_set_port(TT_PORT);
	tt_set_port(TT_PORT2);
	p.ports = tt_ports;
	p.mac = tt_our_mac;
	p.pool = tt_pool();
	p.max_conns = 64;
	p.max_halfopen = 16;
	p.mss4 = 1460;
	p.mss6 = 1440;
	p.idle_ms = 60000;
	p.delack_us = 2000;
	p.halfopen_ms = 5000;
	p.tsc_hz = TT_HZ;
	p.framing.max_msg = 2048;
	p.secret[0] = 0x0123456789abcdefull;
	p.secret[1] = 0xfedcba9876543210ull;
	p.sink = tt_sink_fn;
	p.sink_arg = &tt_sink;
	p.tx = tt_tx_fn;
	p.tx_arg = &tt_cap;
	p.socket_id = SOCKET_ID_ANY;
	return p;
}

/** Create the stage; reset capture and sink. @return 0 or -1. */
static inline int
tt_open(struct tt_ctx *c, const struct sl_tcp_params *p)
{
	uint32_t rb;

	sl_tcp_free(tt_open_t);   /* left by a case that failed */
	tt_open_t = NULL;
	memset(c, 0, sizeof(*c));
	if (tt_pool() == NULL)
		return -1;
	c->p = *p;
	c->p.worker = tt_worker++;
	c->now = 1000ull * TT_HZ;
	c->inuse0 = rte_mempool_in_use_count(tt_pool());
	rb = p->rcvbuf ? p->rcvbuf : 256u * 1024;
	c->rcvbuf = RTE_MAX(rb, p->framing.max_msg + 65536u);
	tt_cap_reset(&p->mac);
	tt_sink_reset(p->framing.max_msg);
	c->t = sl_tcp_create(&c->p);
	if (c->t == NULL) {
		fprintf(stderr, "# sl_tcp_create: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	tt_open_t = c->t;
	return 0;
}

#define TT_CTR(c, name) (sl_tcp_counters((c)->t).val[SL_TCP_ ## name])

static inline struct sl_tcp_gauges
tt_gauges(const struct tt_ctx *c)
{
	struct sl_tcp_gauges g;

	sl_tcp_gauges(c->t, &g);
	return g;
}

/** Hand @p n segments to the stage at c->now (at most SL_BURST at a time). */
static inline void
tt_input(struct tt_ctx *c, const struct sl_dgram *dg, unsigned int n)
{
	unsigned int i = 0;

	while (i < n) {
		uint16_t k = (uint16_t)RTE_MIN(n - i, (unsigned int)SL_BURST);

		sl_tcp_input(c->t, dg + i, k, c->now);
		i += k;
	}
}

/**
 * Advance time by @p dt ticks, polling every millisecond on the way (a
 * worker polls continuously; the stage may spread its timer work over
 * polls) and once at the end.
 */
static inline void
tt_poll(struct tt_ctx *c, uint64_t dt)
{
	uint64_t end = c->now + dt;

	while (end - c->now > TT_MS(1)) {
		c->now += TT_MS(1);
		sl_tcp_poll(c->t, c->now);
	}
	c->now = end;
	sl_tcp_poll(c->t, c->now);
}

/* ------------------------------------------------------------------ */
/* The peer                                                             */
/* ------------------------------------------------------------------ */

/** Options a peer offers in its SYN. */
enum tt_offer {
	TT_OFFER_ALL,      /**< MSS, SACK-permitted, timestamps, window scale 7 */
	TT_OFFER_MSS,      /**< MSS only */
	TT_OFFER_NO_TS,    /**< MSS, SACK-permitted, window scale 7 */
};

struct tt_peer {
	struct tt_ctx *c;
	struct tt_addr a;
	enum tt_offer offer;
	uint32_t isn;           /**< our (the peer's) ISN: stream byte 0 is isn + 1 */
	uint32_t tsval;         /**< the peer's clock, bumped per segment */
	uint32_t ts_recent;     /**< the stage's last TSval */
	uint32_t tsval0;        /**< the peer's first TSval */
	/* From the SYN-ACK. */
	bool synack;
	uint32_t iss;           /**< the stage's ISN */
	int ws;                 /**< shift to apply to the stage's windows (0: none) */
	int mss;                /**< MSS the stage announced (-1: none) */
	bool sack, ts;          /**< negotiated */
	uint32_t acks_fin;      /**< 1 once the stage's FIN was seen: we ACK iss + 2 */
	/* Tracking of the stage's ACKs. */
	bool have_edge;
	uint32_t edge;          /**< right edge: ack + window */
	uint32_t last_ack;
	uint32_t last_win;      /**< scaled */
	bool have_tsval;
	uint32_t last_tsval;
};

static inline void
tt_peer_init(struct tt_peer *pr, struct tt_ctx *c, bool v6, uint16_t sport, uint16_t dport,
	     enum tt_offer offer)
{
	memset(pr, 0, sizeof(*pr));
	pr->c = c;
	pr->a.v6 = v6;
	sl_ip_parse(&pr->a.src, v6 ? TT_PEER6 : TT_PEER4);
	sl_ip_parse(&pr->a.dst, v6 ? TT_OURS6 : TT_OURS4);
	pr->a.sport = sport;
	pr->a.dport = dport;
	pr->offer = offer;
	pr->isn = 0x10000000u + (uint32_t)sport * 7919u;
	pr->tsval = 5000 + sport;
	pr->tsval0 = pr->tsval;
	pr->ws = 0;
	pr->mss = -1;
}

/** Sequence number of stream byte @p off. */
static inline uint32_t
tt_seq(const struct tt_peer *pr, uint32_t off)
{
	return pr->isn + 1 + off;
}

/** Stream offset of sequence number @p seq. */
static inline uint32_t
tt_off(const struct tt_peer *pr, uint32_t seq)
{
	return seq - pr->isn - 1;
}

/** The options of the peer's SYN. */
static inline struct tt_opts
tt_syn_opts(struct tt_peer *pr)
{
	struct tt_opts o = tt_no_opts();

	o.mss = pr->a.v6 ? 1440 : 1460;
	if (pr->offer != TT_OFFER_MSS) {
		o.sackok = true;
		o.ws = 7;
	}
	if (pr->offer == TT_OFFER_ALL) {
		o.ts = true;
		o.tsval = pr->tsval;
		o.tsecr = 0;
	}
	return o;
}

/** Options of a non-SYN segment: the timestamp when negotiated. */
static inline struct tt_opts
tt_seg_opts(struct tt_peer *pr)
{
	struct tt_opts o = tt_no_opts();

	if (pr->ts) {
		o.ts = true;
		o.tsval = ++pr->tsval;
		o.tsecr = pr->ts_recent;
	}
	return o;
}

/** The peer's ACK number: the stage's ISN + 1 (+ 1 once its FIN was seen). */
static inline uint32_t
tt_ackno(const struct tt_peer *pr)
{
	return pr->iss + 1 + pr->acks_fin;
}

/** Build (not send) a segment: explicit flags, sequence, ACK and options. */
static inline int
tt_mk(struct tt_peer *pr, struct sl_dgram *dg, uint8_t flags, uint32_t seq, uint32_t ack,
      const struct tt_opts *o, const void *payload, uint32_t plen)
{
	return tt_build(dg, tt_pool(), &pr->a, flags, seq, ack, 65535, o, payload, plen, 0);
}

/** Build a data segment carrying stream bytes [off, off + len) of @p stream. */
static inline int
tt_mk_data(struct tt_peer *pr, struct sl_dgram *dg, const uint8_t *stream, uint32_t off,
	   uint32_t len, uint8_t extra_flags)
{
	struct tt_opts o = tt_seg_opts(pr);

	return tt_mk(pr, dg, (uint8_t)(TT_ACK | (len ? TT_PSH : 0) | extra_flags),
		     tt_seq(pr, off), tt_ackno(pr), &o, stream + off, len);
}

/** Send one segment (flags, stream offset, payload) now. */
static inline int
tt_send(struct tt_peer *pr, uint8_t flags, uint32_t seq, uint32_t ack,
	const struct tt_opts *o, const void *payload, uint32_t plen)
{
	struct sl_dgram dg;

	if (tt_mk(pr, &dg, flags, seq, ack, o, payload, plen) != 0)
		return -ENOMEM;
	tt_input(pr->c, &dg, 1);
	return 0;
}

/** Send stream bytes [off, off + len) as one ACK|PSH segment (| extra flags). */
static inline int
tt_send_data(struct tt_peer *pr, const uint8_t *stream, uint32_t off, uint32_t len,
	     uint8_t extra_flags)
{
	struct sl_dgram dg;

	if (tt_mk_data(pr, &dg, stream, off, len, extra_flags) != 0)
		return -ENOMEM;
	tt_input(pr->c, &dg, 1);
	return 0;
}

/** Send the peer's SYN. */
static inline int
tt_send_syn(struct tt_peer *pr)
{
	struct tt_opts o = tt_syn_opts(pr);

	return tt_send(pr, TT_SYN, pr->isn, 0, &o, NULL, 0);
}

/** True when packet @p k of the capture is for this peer. */
static inline bool
tt_is_for(const struct tt_peer *pr, const struct tt_pkt *k)
{
	return k->dport == pr->a.sport && k->v6 == pr->a.v6;
}

#define TT_INV(pr, ...) do { \
	fprintf(stderr, "# peer %u: ", (pr)->a.sport); \
	fprintf(stderr, __VA_ARGS__); \
	fputc('\n', stderr); \
	tt_cap.bad++; \
} while (0)

/** Check a packet to this peer against the flow and the invariants; learn from it. */
static inline void
tt_learn(struct tt_peer *pr, const struct tt_pkt *k)
{
	uint32_t win, edge;

	if (k->sport != pr->a.dport || k->vlan != pr->a.vlan ||
	    memcmp(k->src.b, pr->a.dst.b, 16) != 0 || memcmp(k->dst.b, pr->a.src.b, 16) != 0)
		TT_INV(pr, "addresses, ports or VLAN not swapped (sport %u vlan %u)",
		       k->sport, k->vlan);
	if ((k->flags & (TT_SYN | TT_ACK)) == (TT_SYN | TT_ACK)) {
		/* SYN-ACK: learn the stage's ISN and options (a resent one must agree). */
		if (pr->synack && k->seq != pr->iss)
			TT_INV(pr, "SYN-ACK ISN changed %u -> %u", pr->iss, k->seq);
		pr->synack = true;
		pr->iss = k->seq;
		pr->mss = k->mss;
		pr->ws = k->ws >= 0 ? k->ws : 0;
		pr->sack = k->sackok;
		pr->ts = k->ts;
		if (k->ws > 14)
			TT_INV(pr, "window scale %d > 14", k->ws);
		if (k->ts) {
			pr->ts_recent = k->tsval;
			pr->have_tsval = true;
			pr->last_tsval = k->tsval;
		}
		/* The window of a SYN-ACK is never scaled (RFC 7323 2.2). */
		pr->have_edge = true;
		pr->edge = k->ack + k->win;
		pr->last_ack = k->ack;
		pr->last_win = k->win;
		return;
	}
	if (k->flags & TT_RST)
		return;
	if (pr->ts && !k->ts)
		TT_INV(pr, "no timestamp on a segment of a connection that negotiated them");
	if (!pr->ts && pr->synack && k->ts)
		TT_INV(pr, "timestamp on a connection that did not negotiate them");
	if (k->ts) {
		if (pr->have_tsval && TT_SEQ_LT(k->tsval, pr->last_tsval))
			TT_INV(pr, "our TSval went back %u -> %u", pr->last_tsval, k->tsval);
		pr->have_tsval = true;
		pr->last_tsval = k->tsval;
		pr->ts_recent = k->tsval;
		if (TT_SEQ_LT(pr->tsval, k->tsecr) || TT_SEQ_LT(k->tsecr, pr->tsval0))
			TT_INV(pr, "TSecr %u is not one of the peer's TSvals (%u..%u)",
			       k->tsecr, pr->tsval0, pr->tsval);
	}
	if (k->nsack && !pr->sack)
		TT_INV(pr, "SACK blocks without SACK-permitted");
	if (k->flags & TT_FIN)
		pr->acks_fin = 1;
	if (!(k->flags & TT_ACK))
		return;
	win = (uint32_t)k->win << pr->ws;
	edge = k->ack + win;
	if (win > pr->c->rcvbuf + (1u << pr->ws))
		TT_INV(pr, "window %u > receive buffer %u", win, pr->c->rcvbuf);
	if (pr->have_edge) {
		if (TT_SEQ_LT(k->ack, pr->last_ack))
			TT_INV(pr, "ACK went back: %u -> %u", pr->last_ack, k->ack);
		/* Back by less than one scale unit is allowed (RFC 7323
		 * appendix F): the stage rounds down rather than let the
		 * edge creep past its buffer under segments smaller than 2^ws. */
		if (TT_SEQ_LT(edge + (1u << pr->ws) - 1, pr->edge))
			TT_INV(pr, "right edge moved left: %u -> %u (ack %u win %u)",
			       pr->edge, edge, k->ack, win);
	}
	pr->have_edge = true;
	pr->edge = edge;
	pr->last_ack = k->ack;
	pr->last_win = win;
}

/**
 * Take the next captured packet for this peer (checking and learning from
 * it). @return 1 with *k filled, 0 when there is none.
 */
static inline int
tt_next(struct tt_peer *pr, struct tt_pkt *k)
{
	unsigned int i;

	for (i = 0; i < tt_cap.n; i++) {
		if (tt_cap.used[i] || !tt_is_for(pr, &tt_cap.pkt[i]))
			continue;
		tt_cap.used[i] = 1;
		*k = tt_cap.pkt[i];
		tt_learn(pr, k);
		return 1;
	}
	return 0;
}

/** Packets for this peer not yet taken. */
static inline unsigned int
tt_pending(const struct tt_peer *pr)
{
	unsigned int i, n = 0;

	for (i = 0; i < tt_cap.n; i++)
		n += !tt_cap.used[i] && tt_is_for(pr, &tt_cap.pkt[i]);
	return n;
}

/** Packets not yet taken, for any peer. */
static inline unsigned int
tt_pending_all(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < tt_cap.n; i++)
		n += !tt_cap.used[i];
	return n;
}

/** Take every pending packet for this peer; @return how many; *last = the last one. */
static inline unsigned int
tt_take_all(struct tt_peer *pr, struct tt_pkt *last)
{
	struct tt_pkt k;
	unsigned int n = 0;

	while (tt_next(pr, &k)) {
		if (last)
			*last = k;
		n++;
	}
	return n;
}

/** Drop every pending packet (any peer) unchecked. */
static inline void
tt_discard_all(void)
{
	memset(tt_cap.used, 1, tt_cap.n);
}

/** The stage's window in @p k, scaled as negotiated with this peer. */
static inline uint32_t
tt_win(const struct tt_peer *pr, const struct tt_pkt *k)
{
	return (uint32_t)k->win << ((k->flags & TT_SYN) ? 0 : pr->ws);
}

/** Right edge as a stream offset. */
static inline uint32_t
tt_edge_off(const struct tt_peer *pr)
{
	return tt_off(pr, pr->edge);
}

/** ACK number of the stage's last ACK as a stream offset. */
static inline uint32_t
tt_ack_off(const struct tt_peer *pr)
{
	return tt_off(pr, pr->last_ack);
}

/* ------------------------------------------------------------------ */
/* Streams and delivered messages                                       */
/* ------------------------------------------------------------------ */

/**
 * Fill @p buf with @p len bytes of LF-terminated syslog lines (30 to ~200
 * bytes, starting with '<', no CR/NUL inside), ending exactly with an LF.
 * @return number of lines.
 */
static inline unsigned int
tt_stream(uint8_t *buf, uint32_t len, uint32_t seed)
{
	uint32_t pos = 0, n = 0;

	while (pos < len) {
		uint32_t want = 30 + (n * 37 + seed * 11) % 170, left = len - pos, i;
		char head[32];
		int hn;

		if (want > left || left - want < 30)
			want = left;  /* the last line takes the rest */
		hn = snprintf(head, sizeof(head), "<13>s%u l%07u ", seed, n);
		for (i = 0; i + 1 < want; i++)
			buf[pos + i] = i < (uint32_t)hn ? (uint8_t)head[i] :
				(uint8_t)('a' + (i * 7 + n) % 26);
		buf[pos + want - 1] = '\n';
		pos += want;
		n++;
	}
	return n;
}

/** End of the last complete line of stream[0, off): what can be delivered of it. */
static inline uint32_t
tt_stream_cut(const uint8_t *buf, uint32_t off)
{
	while (off > 0 && buf[off - 1] != '\n')
		off--;
	return off;
}

/** Messages delivered for this peer. */
static inline unsigned int
tt_msgs_of(const struct tt_peer *pr)
{
	unsigned int i, n = 0;

	for (i = 0; i < tt_sink.n; i++)
		n += tt_sink.msg[i].sport == pr->a.sport &&
		     memcmp(tt_sink.msg[i].src.b, pr->a.src.b, 16) == 0;
	return n;
}

/** The @p idx-th message delivered for this peer, or NULL. */
static inline const struct tt_msg *
tt_msg_of(const struct tt_peer *pr, unsigned int idx)
{
	unsigned int i;

	for (i = 0; i < tt_sink.n; i++) {
		const struct tt_msg *m = &tt_sink.msg[i];

		if (m->sport == pr->a.sport && memcmp(m->src.b, pr->a.src.b, 16) == 0 &&
		    idx-- == 0)
			return m;
	}
	return NULL;
}

/** True when message @p m holds exactly the C string @p s. */
static inline bool
tt_msg_is(const struct tt_msg *m, const char *s)
{
	return m != NULL && m->len == strlen(s) && memcmp(tt_sink.buf + m->at, s, m->len) == 0;
}

/**
 * The messages delivered for this peer, each followed by an LF, must be
 * exactly stream[0, len) (a stream of tt_stream() lines), each with the
 * peer's ports, addresses, hash and flags (IPV6/VLAN only).
 */
static inline int
tt_check_delivered(const struct tt_peer *pr, const uint8_t *stream, uint32_t len)
{
	uint32_t pos = 0, hash = tt_flow_hash(&pr->a.src, &pr->a.dst, pr->a.sport, pr->a.dport);
	uint16_t fl = (uint16_t)((pr->a.v6 ? SL_REC_F_IPV6 : 0) | (pr->a.vlan ? SL_REC_F_VLAN : 0));
	unsigned int i, k = 0;

	for (i = 0; i < tt_sink.n; i++) {
		const struct tt_msg *m = &tt_sink.msg[i];

		if (m->sport != pr->a.sport || memcmp(m->src.b, pr->a.src.b, 16) != 0)
			continue;
		if (pos + m->len + 1 > len || memcmp(tt_sink.buf + m->at, stream + pos, m->len) != 0 ||
		    stream[pos + m->len] != '\n') {
			fprintf(stderr, "# peer %u: message %u (%u bytes) is not stream bytes at %u:"
				" got \"%.*s\"\n", pr->a.sport, k, m->len, pos,
				(int)RTE_MIN(m->len, 60u), (const char *)tt_sink.buf + m->at);
			return -1;
		}
		if (m->flags != fl || m->dport != pr->a.dport || m->hash != hash ||
		    memcmp(m->dst.b, pr->a.dst.b, 16) != 0 || m->orig_len != m->len) {
			fprintf(stderr, "# peer %u: message %u: flags %#x (want %#x) dport %u hash %#x"
				" (want %#x) orig_len %u len %u\n", pr->a.sport, k, m->flags, fl,
				m->dport, m->hash, hash, m->orig_len, m->len);
			return -1;
		}
		pos += m->len + 1;
		k++;
	}
	if (pos != len) {
		fprintf(stderr, "# peer %u: %u messages delivered, %u of %u stream bytes\n",
			pr->a.sport, k, pos, len);
		return -1;
	}
	return 0;
}

/**
 * Handshake: SYN, check the SYN-ACK (SYN|ACK, ack = isn + 1, options
 * answered only when offered), final ACK; the stage must count it opened
 * and answer nothing. @return 0 or -1.
 */
static inline int
tt_handshake(struct tt_peer *pr)
{
	struct tt_opts o;
	struct tt_pkt k;
	uint64_t opened = TT_CTR(pr->c, conn_opened);

	if (tt_send_syn(pr) != 0)
		SL_FAIL("no mbuf");
	if (tt_next(pr, &k) != 1)
		SL_FAIL("peer %u: no SYN-ACK", pr->a.sport);
	SL_ASSERT_EQ(k.flags, TT_SYN | TT_ACK);
	SL_ASSERT_EQ(k.ack, pr->isn + 1);
	if (pr->offer == TT_OFFER_MSS) {
		SL_ASSERT_EQ(k.ws, -1);
		SL_ASSERT(!k.sackok);
		SL_ASSERT(!k.ts);
	} else {
		SL_ASSERT(k.ws >= 0);
		SL_ASSERT(k.sackok);
		SL_ASSERT_EQ(k.ts, pr->offer == TT_OFFER_ALL);
	}
	if (k.ts)
		SL_ASSERT_EQ(k.tsecr, pr->tsval0);
	SL_ASSERT_EQ(tt_pending(pr), 0);
	o = tt_seg_opts(pr);
	if (tt_send(pr, TT_ACK, tt_seq(pr, 0), tt_ackno(pr), &o, NULL, 0) != 0)
		SL_FAIL("no mbuf");
	SL_ASSERT_EQ(TT_CTR(pr->c, conn_opened), opened + 1);
	SL_ASSERT_EQ(tt_pending(pr), 0);
	return 0;
}

/** Run the stage's timers until a packet for this peer shows up (at most @p max ticks). */
static inline int
tt_wait_pkt(struct tt_peer *pr, uint64_t step, uint64_t max)
{
	uint64_t t;

	for (t = 0; t < max && tt_pending(pr) == 0; t += step)
		tt_poll(pr->c, step);
	return tt_pending(pr) != 0 ? 0 : -1;
}

/**
 * Send stream bytes [from, len) like a sender obeying the window: segments
 * of @p seg bytes up to the right edge; when at the edge (or done), the
 * delayed-ACK timer runs; with no progress the sender goes back to the last
 * ACK (retransmission). @return 0 once the stage ACKed all len bytes, -1
 * after @p max_rounds rounds without it.
 */
static inline int
tt_transfer(struct tt_peer *pr, const uint8_t *stream, uint32_t from, uint32_t len,
	    uint32_t seg, unsigned int max_rounds)
{
	uint32_t off = from;
	unsigned int rounds = 0;
	uint64_t delack = TT_US(pr->c->p.delack_us ? pr->c->p.delack_us : 2000);

	while (rounds < max_rounds) {
		uint32_t edge = pr->have_edge ? tt_edge_off(pr) : off;

		if (TT_SEQ_LT(off, edge) && off < len) {
			uint32_t room = RTE_MIN(edge - off, len - off);
			uint32_t k = RTE_MIN(seg, room);

			if (tt_send_data(pr, stream, off, k, 0) != 0)
				return -1;
			off += k;
			tt_take_all(pr, NULL);
			continue;
		}
		rounds++;
		{
			uint32_t ack0 = pr->last_ack, edge0 = pr->edge;

			tt_poll(pr->c, 2 * delack);
			tt_take_all(pr, NULL);
			if (tt_ack_off(pr) == len)
				return 0;
			if (pr->last_ack == ack0 && pr->edge == edge0)
				off = tt_ack_off(pr);  /* retransmit from the last ACK */
		}
	}
	fprintf(stderr, "# peer %u: transfer stuck: acked %u of %u, edge %u\n",
		pr->a.sport, tt_ack_off(pr), len, tt_edge_off(pr));
	return -1;
}

/** Free the stage, unchecked (the bench). */
static inline void
tt_release(struct tt_ctx *c)
{
	sl_tcp_free(c->t);
	c->t = NULL;
	tt_open_t = NULL;
}

/**
 * End of a case: free the stage, then every mbuf must be back in the pool,
 * every packet sent must have been well formed, every message within
 * bounds. @return 0 or -1.
 */
static inline int
tt_close(struct tt_ctx *c)
{
	tt_release(c);
	SL_ASSERT_EQ(rte_mempool_in_use_count(tt_pool()), c->inuse0);
	SL_ASSERT_EQ(tt_cap.bad, 0);
	SL_ASSERT_EQ(tt_sink.bad, 0);
	return 0;
}

#define TT_OK(e) do { \
	int _rc = (e); \
	if (_rc != 0) \
		SL_FAIL("%s returned %d", #e, _rc); \
} while (0)

#endif /* TCP_TEST_UTIL_H */

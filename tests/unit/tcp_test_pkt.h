/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Segments for the TCP stage's tests (through tcp_test_util.h: the unit
 * suites, the fuzz target and the bench): builds Ethernet (+802.1Q) +
 * IPv4/IPv6 + TCP segments with correct checksums and turns them into
 * struct sl_dgram exactly as decode does; parses and checks every packet
 * the stage sends (MACs, addresses and ports swapped, IP and TCP
 * checksums, options) and captures it (tt_tx_fn); makes syslog streams.
 *
 * Time is the TSC value passed in: TT_HZ ticks per second (1 tick = 1 ns),
 * driven explicitly, never slept.
 */
#ifndef TCP_TEST_PKT_H
#define TCP_TEST_PKT_H

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
/* Streams                                                              */
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

#endif /* TCP_TEST_PKT_H */

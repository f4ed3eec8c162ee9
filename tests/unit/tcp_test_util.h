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
 *
 * Segments are built, and what the stage sends parsed and captured, by
 * tcp_test_pkt.h, which this header includes.
 */
#ifndef TCP_TEST_UTIL_H
#define TCP_TEST_UTIL_H

#include "tcp_test_pkt.h"

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
/* ------------------------------------------------------------------ */
/* Delivered messages                                                   */
/* ------------------------------------------------------------------ */

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

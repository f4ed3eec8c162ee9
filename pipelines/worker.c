/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <netinet/in.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_prefetch.h>

#include "sl_pipeline.h"

static const struct sl_ctr_desc worker_ctr_desc[] = {
	SL_WORKER_COUNTERS(SL_CTR_DESC)
};

static const struct sl_ctr_desc tenant_ctr_desc[] = {
	SL_TENANT_COUNTERS(SL_CTR_DESC)
};

struct sl_ctr_set
sl_worker_tenant_counters(const struct sl_worker *w, uint16_t tenant)
{
	struct sl_ctr_set set = {
		.module = "tenant",
		.n = SL_TCTR_NB,
		.desc = tenant_ctr_desc,
		.val = w->tctr[tenant],
	};
	return set;
}

struct sl_ctr_set
sl_worker_counters(const struct sl_worker *w)
{
	struct sl_ctr_set set = {
		.module = "worker",
		.n = SL_WORKER_NB_CTR,
		.desc = worker_ctr_desc,
		.val = w->ctr,
	};
	return set;
}

static inline uint64_t
realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Byte @p off of a (possibly chained) mbuf. */
static inline uint8_t
mbuf_byte(const struct rte_mbuf *m, uint32_t off)
{
	while (off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	return *rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
}

/* Copy @p len bytes at @p off of an mbuf chain to @p dst. */
static inline void
mbuf_copy(uint8_t *dst, const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	if (likely(off + len <= m->data_len)) {
		rte_memcpy(dst, rte_pktmbuf_mtod_offset(m, const uint8_t *, off), len);
		return;
	}
	while (off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	while (len) {
		uint32_t n = RTE_MIN(len, (uint32_t)m->data_len - off);

		rte_memcpy(dst, rte_pktmbuf_mtod_offset(m, const uint8_t *, off), n);
		dst += n;
		len -= n;
		off = 0;
		m = m->next;
	}
}

/* A datagram is one message; trailing CR, LF and NUL are framing. */
static inline uint32_t
trim_len(const struct sl_dgram *d)
{
	uint32_t len = d->len;

	while (len) {
		uint8_t c = mbuf_byte(d->m, d->off + len - 1);

		if (c != '\n' && c != '\r' && c != '\0')
			break;
		len--;
	}
	return len;
}

/* The message as contiguous bytes: in the mbuf, or copied to w->lin when
 * the datagram is a chain (reassembled, or a PMD's scattered RX). */
static inline const uint8_t *
msg_bytes(struct sl_worker *w, const struct sl_dgram *d, uint32_t len)
{
	if (likely(d->off + len <= d->m->data_len))
		return rte_pktmbuf_mtod_offset(d->m, const uint8_t *, d->off);
	mbuf_copy(w->lin, d->m, d->off, RTE_MIN(len, (uint32_t)SL_WORKER_LIN_MAX));
	return w->lin;
}

/* The UTC year of @p rx_ns, for RFC 3164 timestamps (they carry none);
 * recomputed only when the clock leaves the cached year. */
static inline int32_t
year_of(struct sl_worker *w, uint64_t rx_ns)
{
	if (unlikely(rx_ns < w->year_lo || rx_ns >= w->year_hi)) {
		time_t t = (time_t)(rx_ns / 1000000000ull);
		struct tm tm, lo = { .tm_mday = 1 }, hi = { .tm_mday = 1 };

		gmtime_r(&t, &tm);
		lo.tm_year = tm.tm_year;
		hi.tm_year = tm.tm_year + 1;
		w->year = tm.tm_year + 1900;
		w->year_lo = (uint64_t)timegm(&lo) * 1000000000ull;
		w->year_hi = (uint64_t)timegm(&hi) * 1000000000ull;
	}
	return w->year;
}

/* The flow of a message, as the record keeps it. */
struct flow {
	const struct sl_ip *src, *dst;
	uint16_t sport, dport;
	uint32_t hash;
	uint16_t flags;       /* SL_REC_F_* known before parsing */
	uint8_t transport;
};

/* A tenant's message had its outcome: counted received, and under @p why. */
static inline void
tenant_decided(uint64_t *tc, enum sl_tenant_counter why, uint32_t len)
{
	tc[SL_TCTR_msgs]++;
	tc[SL_TCTR_bytes] += len;
	tc[why]++;
}

/* The tenant of a message (SL_TENANT_REJECT: dropped, counted). */
static inline uint16_t
resolve(struct sl_worker *w, const uint8_t *p, const struct sl_parsed *pm,
	const struct flow *fl)
{
	bool bad = false;
	uint16_t tn = sl_tenant_resolve(w->tenants, fl->src, fl->dport, p, pm->sd.off,
					pm->sd.len, &bad);

	if (unlikely(bad))
		w->ctr[SL_WORKER_bad_token]++;
	if (unlikely(tn == SL_TENANT_REJECT))
		w->ctr[SL_WORKER_drop_no_tenant]++;
	return tn;
}

/*
 * The tenant's quota and rates. @return true: go on. false: a UDP message
 * is dropped (counted), a TCP one (@p hold) waits (counted per try).
 */
static inline bool
admit(struct sl_worker *w, uint64_t *tc, uint16_t tn, uint32_t len, uint64_t now,
      bool hold)
{
	enum sl_tenant_verdict tv;

	if (unlikely(w->over_quota[tn])) {
		tenant_decided(tc, SL_TCTR_drop_quota, len);
		return false;
	}
	tv = sl_tenant_admit(w->meter, tn, len, now);
	if (likely(tv == SL_TENANT_OK))
		return true;
	if (hold)
		tc[SL_TCTR_held_rate]++;
	else
		tenant_decided(tc, tv == SL_TENANT_OVER_MSGS ? SL_TCTR_drop_rate_msgs :
			       SL_TCTR_drop_rate_bytes, len);
	return false;
}

/* The shard stage refused a tenant's message (counted by the shard too):
 * it was not stored, so its rate tokens go back. */
static inline void
shard_refused(struct sl_worker *w, uint64_t *tc, uint16_t tn, uint32_t len, bool hold)
{
	sl_tenant_refund(w->meter, tn, len);
	if (hold)
		tc[SL_TCTR_held_share]++;
	else
		tenant_decided(tc, sl_shard_why(w->shard) == SL_SHARD_WHY_FAIR ?
			       SL_TCTR_drop_fair_share : SL_TCTR_drop_ring_full, len);
}

/*
 * Parse, classify and store one message. @p p is its bytes when contiguous,
 * else NULL and @p d's chain holds them. @p hold: the sender can wait
 * (TCP), so a shard that cannot take it now returns -EAGAIN instead of
 * dropping. @return 0 (stored, or dropped and counted), -EAGAIN.
 */
static inline int
store_msg(struct sl_worker *w, const uint8_t *p, const struct sl_dgram *d,
	  uint32_t len, uint32_t orig_len, const struct flow *fl, uint64_t rx_ns,
	  uint64_t now, bool hold)
{
	struct sl_verdict v = { .keep = 1 };
	struct sl_parsed pm;
	uint64_t *tc = NULL;
	struct sl_rec *r;
	uint16_t tn = 0;
	uint32_t copy;

	if (hold && !sl_shard_can_take(w->shard, fl->hash))
		return -EAGAIN; /* before classify: its counters count once */
	if (w->parse) {
		if (p == NULL)
			p = msg_bytes(w, d, len);
		sl_parse_msg(p, RTE_MIN(len, (uint32_t)SL_WORKER_LIN_MAX),
			     year_of(w, rx_ns), &pm);
	} else {
		pm.severity = SL_SEV_NONE;
		pm.facility = SL_FAC_NONE;
		pm.flags = 0;
		pm.sd.len = 0;
	}
	if (w->tenants != NULL) {
		tn = resolve(w, p, &pm, fl);
		if (tn == SL_TENANT_REJECT)
			return 0;
		tc = w->tctr[tn];
		if (!admit(w, tc, tn, orig_len, now, hold))
			return hold ? -EAGAIN : 0;
	}
	if (w->cls != NULL && w->parse) {
		struct sl_classify_msg cm = {
			.p = p,
			.len = RTE_MIN(len, (uint32_t)SL_WORKER_LIN_MAX),
			.parsed = &pm,
			.transport = fl->transport,
			.dport = fl->dport,
			.tenant = tn,
		};

		sl_classify_one(w->cls, &cm, &v);
		if (!v.keep) {
			/* counted by classify (drop_rule) */
			if (tc != NULL)
				tenant_decided(tc, SL_TCTR_filtered, orig_len);
			return 0;
		}
	}
	if (hold)
		r = sl_shard_reserve_hold(w->shard, fl->hash, tn * w->n_streams + v.stream,
					  orig_len, rx_ns, now, &copy);
	else
		r = sl_shard_reserve(w->shard, fl->hash, tn * w->n_streams + v.stream,
				     orig_len, rx_ns, now, &copy);
	if (unlikely(r == NULL)) {
		if (tc != NULL)
			shard_refused(w, tc, tn, orig_len, hold);
		return hold ? -EAGAIN : 0;
	}
	if (copy > len)
		copy = len;
	if (tc != NULL) {
		tenant_decided(tc, SL_TCTR_stored, orig_len);
		tc[SL_TCTR_stored_bytes] += copy;
	}
	r->rx_ns = rx_ns;
	memcpy(r->src, fl->src->b, 16);
	memcpy(r->dst, fl->dst->b, 16);
	r->sport = fl->sport;
	r->dport = fl->dport;
	r->tenant = tn;
	r->stream = v.stream;
	r->rule = (uint16_t)v.rule;
	r->flags = fl->flags | (copy < orig_len ? SL_REC_F_TRUNCATED : 0) |
		   (pm.flags & SL_PARSE_F_ERR ? SL_REC_F_PARSE_ERR : 0);
	r->severity = pm.severity;
	r->facility = pm.facility;
	r->transport = fl->transport;
	r->tags = v.tags;
	/* TCP's messages are always contiguous (d NULL), of any length. */
	if (d == NULL || (p != NULL && copy <= SL_WORKER_LIN_MAX))
		rte_memcpy(r + 1, p, copy);
	else
		mbuf_copy((uint8_t *)(r + 1), d->m, d->off, copy);
	return 0;
}

static inline void
ingest(struct sl_worker *w, const struct sl_dgram *d, uint64_t rx_ns, uint64_t now)
{
	uint32_t len = trim_len(d);
	struct flow fl = {
		.src = &d->src, .dst = &d->dst, .sport = d->sport, .dport = d->dport,
		.hash = d->hash, .flags = d->flags, .transport = SL_TRANSPORT_UDP,
	};

	store_msg(w, NULL, d, len, len, &fl, rx_ns, now, false);
}

/* The TCP stage's sink: a framed message from a connection. */
static int
tcp_sink(void *arg, const struct sl_tcp_msg *m)
{
	struct sl_worker *w = arg;
	struct flow fl = {
		.src = m->src, .dst = m->dst, .sport = m->sport, .dport = m->dport,
		.hash = m->hash, .flags = m->flags, .transport = SL_TRANSPORT_TCP,
	};

	if (store_msg(w, m->p, NULL, m->len, m->orig_len, &fl, w->rx_ns, w->now, true) != 0)
		return -EAGAIN;
	w->ctr[SL_WORKER_msgs]++;
	return 0;
}

/* Send what the TCP stage queued for transmission. */
static void
tcp_tx_flush(struct sl_worker *w)
{
	uint16_t sent;

	if (w->n_txb == 0)
		return;
	sent = rte_eth_tx_burst(w->port_id, w->queue, w->txb, w->n_txb);
	w->ctr[SL_WORKER_tx_pkts] += sent;
	if (unlikely(sent < w->n_txb)) {
		w->ctr[SL_WORKER_tx_failed] += w->n_txb - sent;
		rte_pktmbuf_free_bulk(&w->txb[sent], w->n_txb - sent);
	}
	w->n_txb = 0;
}

/*
 * The TCP stage's transmit: ACKs wait here until the buffer is full or the
 * next housekeeping poll (at most poll_tsc, 100 us), so a burst of segments
 * from many connections costs one transmit, not one per input burst (on
 * net_af_packet each transmit is a system call).
 */
static uint16_t
tcp_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct sl_worker *w = arg;
	uint16_t i;

	for (i = 0; i < n; i++) {
		if (w->n_txb == SL_WORKER_TXB)
			tcp_tx_flush(w);
		w->txb[w->n_txb++] = pkts[i];
	}
	return n;
}

void
sl_worker_tcp_params(struct sl_worker *w, struct sl_tcp_params *p)
{
	p->sink = tcp_sink;
	p->sink_arg = w;
	p->tx = tcp_tx;
	p->tx_arg = w;
}

/* TCP timers and connections waiting for the shard. */
static inline void
tcp_poll(struct sl_worker *w, uint64_t now)
{
	if (w->tcp == NULL)
		return;
	w->now = now;
	w->rx_ns = realtime_ns();
	sl_tcp_poll(w->tcp, now);
	tcp_tx_flush(w);
}

unsigned int
sl_worker_rx(struct sl_worker *w, const struct sl_run *run)
{
	struct rte_mbuf *pkts[SL_BURST], *tx[SL_BURST], *done[SL_BURST];
	struct sl_dgram dg[SL_BURST], tseg[SL_BURST];
	uint16_t n, nd, ntx = 0, sent, i, nu = 0, nt = 0;
	uint64_t now, rx_ns;

	if (w->backpressure && sl_shard_tx_backlog(w->shard) != 0) {
		/* Writers are behind: leave the packets in the source (a
		 * capture file waits; a NIC would count imissed). */
		unsigned int k;

		now = rte_rdtsc();
		sl_shard_tx_poll(w->shard, now);
		tcp_poll(w, now);
		w->last_rx_tsc = now;
		w->last_poll = now; /* a pause is not a stall */
		w->ctr[SL_WORKER_rx_paused]++;
		/* Back off: retrying at once only bounces the ring's cache
		 * lines between this lcore and the writer's. */
		for (k = 0; k < 64; k++)
			rte_pause();
		return 0;
	}
	n = rte_eth_rx_burst(w->port_id, w->queue, pkts, SL_BURST);
	now = rte_rdtsc();
	if (unlikely(now - w->last_poll > w->max_gap) && w->last_poll) {
		w->max_gap = now - w->last_poll;
		w->ctr[SL_WORKER_max_gap_us] = w->max_gap * 1000000 / run->tsc_hz;
	}
	w->last_poll = now;
	if (now >= w->next_poll) {
		sl_shard_tx_poll(w->shard, now);
		tcp_poll(w, now);
		w->next_poll = now + run->poll_tsc;
		/* Reassembly timeouts run inside decode bursts: give it an
		 * empty one now and then when traffic stops. */
		if (n == 0)
			sl_decode_burst(w->decode, pkts, 0, now, dg, tx, &ntx);
	}
	if (n == 0)
		return 0;
	w->last_rx_tsc = now;
	w->ctr[SL_WORKER_rx_bursts]++;
	w->ctr[SL_WORKER_rx_pkts] += n;

	nd = sl_decode_burst(w->decode, pkts, n, now, dg, tx, &ntx);
	if (nd) {
		rx_ns = realtime_ns();
		for (i = 0; i < nd; i++) {
			if (i + 1 < nd)
				rte_prefetch0(rte_pktmbuf_mtod_offset(dg[i + 1].m,
							void *, dg[i + 1].off));
			if (unlikely(dg[i].proto == IPPROTO_TCP)) {
				tseg[nt++] = dg[i];
				continue;
			}
			ingest(w, &dg[i], rx_ns, now);
			done[nu++] = dg[i].m;
		}
		if (nu) {
			rte_pktmbuf_free_bulk(done, nu);
			w->ctr[SL_WORKER_msgs] += nu;
		}
		if (nt) {
			/* decode hands TCP on only when the stage exists */
			w->rx_ns = rx_ns;
			w->now = now;
			sl_tcp_input(w->tcp, tseg, nt, now);
		}
	}
	if (ntx) {
		sent = rte_eth_tx_burst(w->port_id, w->queue, tx, ntx);
		w->ctr[SL_WORKER_tx_pkts] += sent;
		if (unlikely(sent < ntx)) {
			sl_decode_count_tx_drop(w->decode, ntx - sent);
			rte_pktmbuf_free_bulk(&tx[sent], ntx - sent);
		}
	}
	w->ctr[SL_WORKER_busy_cycles] += rte_rdtsc() - now;
	return n;
}

int
sl_worker_drain(struct sl_worker *w)
{
	if (w->done)
		return 1;
	if (!w->flushed) {
		/* Datagrams still in reassembly will never complete. */
		sl_decode_flush(w->decode);
		w->flushed = 1;
	}
	if (w->tcp != NULL && !w->tcp_drained) {
		/* What connections hold goes to the shards (as far as the
		 * rings take it: retried), then every connection is reset. */
		uint64_t now = rte_rdtsc();

		sl_shard_tx_poll(w->shard, now);
		w->now = now;
		w->rx_ns = realtime_ns();
		if (sl_tcp_drain(w->tcp, now) != 0) {
			tcp_tx_flush(w);
			return 0;
		}
		tcp_tx_flush(w);
		w->tcp_drained = 1;
	}
	if (sl_shard_tx_flush(w->shard) != 0)
		return 0;
	w->done = 1;
	return 1;
}

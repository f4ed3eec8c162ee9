/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * TCP stage: a receive-only TCP endpoint per worker lcore. Passive open on
 * the --tcp ports of the --listen addresses, one flow table per worker
 * (RSS pins a connection to a worker), no locks, no allocation after
 * create.
 *
 * - Handshake: SYN-ACK with MSS, window scale, SACK-permitted and
 *   timestamps (each only when the peer offered it). While the half-open
 *   table is full the SYN-ACK is a SYN cookie and no state is kept until
 *   the peer's ACK proves it. A segment to a closed port gets an RST.
 * - Receive: in-order payload is queued (small segments are copied into
 *   the tail mbuf's room); out-of-order segments are kept sorted, trimmed of
 *   overlaps on both edges, small neighbours sharing a buffer, up to a
 *   per-connection count and memory cap and half the worker's memory, and
 *   merged when the hole fills. An ACK number we cannot have sent earns a
 *   challenge ACK (RFC 5961), and every other unacceptable segment but an
 *   RST an ACK (keepalives, Linux's empty window probes). Sequence arithmetic is
 *   modulo 2^32. PAWS (RFC 7323) drops segments with an old timestamp.
 * - ACKs: one per connection per burst at most; immediate when data is out
 *   of order (with SACK blocks), on a duplicate, on a window probe, or
 *   after two full segments; otherwise delayed (delack).
 * - Backpressure: queued bytes are handed to framing and the sink; when the
 *   sink refuses (writers behind), the bytes stay queued, the advertised
 *   window shrinks down to zero (its right edge never moves back by a
 *   window-scale unit or more: RFC 7323 appendix F), probes
 *   are answered with the current window, and a window update is sent when
 *   room returns. Data is never dropped for being slow.
 * - Close: the peer's FIN is acknowledged once every byte before it is
 *   delivered; an unfinished last message is stored flagged truncated;
 *   our FIN follows (LAST_ACK, retransmitted a bounded number of times).
 *   An RST exactly in sequence (RFC 5961) ends it once what it holds is
 *   delivered. Idle connections (even halfway through a message, never
 *   while held back) are reset after idle_ms, their partial message stored
 *   flagged truncated. Every state is bounded in time.
 *
 * Everything not stored is counted by reason; nothing here drops data the
 * sender believes delivered (an ACKed byte is delivered to the sink).
 */
#ifndef SL_TCP_H
#define SL_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "sl_addr.h"
#include "sl_counters.h"
#include "sl_decode.h"
#include "sl_framing.h"

#define SL_TCP_COUNTERS(X) \
	X(segs_in,          "TCP segments received for --listen addresses") \
	X(bytes_in,         "payload bytes accepted in order") \
	X(msgs,             "messages handed to the sink") \
	X(conn_opened,      "connections established") \
	X(conn_closed,      "connections closed by the peer's FIN") \
	X(conn_reset,       "connections torn down by the peer's RST") \
	X(conn_refused,     "connections refused: --tcp-max-conns reached (RST sent)") \
	X(conn_idle,        "connections reset after --tcp-idle without traffic") \
	X(conn_aborted,     "established connections reset at shutdown (what they held was stored first)") \
	X(syn_in,           "SYNs received (to any port, repeats included)") \
	X(syn_dup,          "duplicate SYNs (SYN-ACK sent again)") \
	X(syncookies_sent,  "SYN-ACKs sent as SYN cookies (half-open table full)") \
	X(syncookies_ok,    "connections established from a valid SYN cookie") \
	X(syncookies_bad,   "ACKs with no connection and a wrong cookie while cookies were in use (RST sent)") \
	X(halfopen_expired, "half-open entries freed: no ACK within the timeout, or at shutdown") \
	X(rst_sent,         "RSTs sent") \
	X(rst_closed_port,  "segments to ports not in --tcp (RST sent)") \
	X(acks_sent,        "ACKs sent (pure, SYN-ACK and FIN excluded)") \
	X(acks_sack,        "ACKs sent with SACK blocks") \
	X(acks_delayed,     "ACKs sent by the delayed-ACK timer") \
	X(window_updates,   "window updates sent when room came back") \
	X(zero_window,      "times a connection's advertised window fell to zero") \
	X(probes,           "zero-window probes answered") \
	X(ooo_segs,         "out-of-order segments kept") \
	X(ooo_bytes,        "out-of-order bytes kept") \
	X(retrans_bytes,    "bytes received again (retransmissions, duplicates): trimmed") \
	X(retrans_segs,     "segments carrying no new byte") \
	X(fin_retrans,      "our FIN sent again") \
	X(blocked,          "times delivery paused: the sink refused (writers behind)") \
	X(drop_ooo_full,    "out-of-order segments not kept: per-connection or memory cap (the sender retransmits)") \
	X(drop_mem,         "in-window segments not kept: worker memory cap (the sender retransmits)") \
	X(drop_window,      "segments outside the receive window (answered with an ACK)") \
	X(drop_paws,        "segments rejected by PAWS: old timestamp") \
	X(drop_no_conn,     "segments for no connection (RST sent unless it was an RST)") \
	X(drop_bad_seg,     "malformed TCP header or options, illegal flag mix, or no ACK flag") \
	X(drop_challenge,   "RST/SYN not exactly at the window edge (RFC 5961 challenge ACK sent)") \
	X(drop_tx_full,     "segments we built but could not send (TX full or no mbuf)")

/** Counter index: SL_TCP_<name>. */
#define SL_TCP_CTR_ENUM(name, help) SL_TCP_ ## name,
enum sl_tcp_counter {
	SL_TCP_COUNTERS(SL_TCP_CTR_ENUM)
	SL_TCP_NB_CTR
};

/** Gauges (current values, not totals). */
struct sl_tcp_gauges {
	uint32_t conns;        /**< connections in the table (all states) */
	uint32_t halfopen;     /**< half-open entries */
	uint32_t blocked;      /**< connections waiting for the sink */
	uint32_t zero_window;  /**< connections advertising a zero window */
	uint64_t held_bytes;   /**< memory of queued mbufs (buf_len), in order and out of order */
	uint32_t held_mbufs;   /**< queued mbufs */
};

/** A message framed from a connection. */
struct sl_tcp_msg {
	const uint8_t *p;      /**< len contiguous bytes */
	uint32_t len;          /**< bytes to store (<= max_msg) */
	uint32_t orig_len;     /**< length as sent when known (>= len) */
	uint16_t flags;        /**< SL_REC_F_TRUNCATED/FRAMING_ERR | IPV6 | VLAN */
	uint16_t sport, dport; /**< host order */
	uint32_t hash;         /**< flow hash (the same function as UDP's, proto 6) */
	const struct sl_ip *src, *dst;
};

/**
 * Take one message. @return 0 when it was taken (stored, or dropped by a
 * rule and counted there); -EAGAIN when it cannot be taken now: the
 * connection keeps it, stops delivering, and offers it again later.
 */
typedef int (*sl_tcp_sink_fn)(void *arg, const struct sl_tcp_msg *m);

/** Send packets; @return how many were taken (the rest are freed, counted). */
typedef uint16_t (*sl_tcp_tx_fn)(void *arg, struct rte_mbuf **pkts, uint16_t n);

/** Creation parameters. */
struct sl_tcp_params {
	const uint8_t *ports;       /**< 8192-byte bitmap of --tcp ports */
	struct rte_ether_addr mac;  /**< our MAC (source of what we send) */
	struct rte_mempool *pool;   /**< mbufs for what we send */
	uint32_t max_conns;         /**< connections per worker, all states (0: 16384) */
	uint32_t max_halfopen;      /**< half-open entries before SYN cookies (0: max_conns / 8) */
	uint32_t rcvbuf;            /**< per-connection receive buffer, bytes (0: 256 KiB);
	                                 raised to max_msg + 64 KiB if smaller */
	uint64_t mem_cap;           /**< bytes of mbufs (buf_len) all connections may hold (0: 64 MiB) */
	uint16_t ooo_max;           /**< out-of-order mbufs per connection (0: 256) */
	uint16_t mss4, mss6;        /**< MSS we announce (0: 1460 / 1440) */
	uint32_t idle_ms;           /**< reset connections idle this long (0: 300000) */
	uint32_t delack_us;         /**< delayed-ACK timeout (0: 2000) */
	uint32_t halfopen_ms;       /**< half-open entry lifetime (0: 10000) */
	uint64_t tsc_hz;            /**< rte_get_tsc_hz() */
	struct sl_framing_cfg framing;
	uint64_t secret[2];         /**< SYN-cookie and ISN key (random per run) */
	sl_tcp_sink_fn sink;
	void *sink_arg;
	sl_tcp_tx_fn tx;
	void *tx_arg;
	uint16_t worker;            /**< worker index (table names) */
	int socket_id;
};

struct sl_tcp;

/** @return handle, or NULL with rte_errno = EINVAL or ENOMEM. */
struct sl_tcp *sl_tcp_create(const struct sl_tcp_params *p);

/** Free the stage and every mbuf it holds (nothing is sent). NULL is a no-op. */
void sl_tcp_free(struct sl_tcp *t);

/**
 * Process TCP segments from decode (proto IPPROTO_TCP; checksums already
 * verified). The stage takes every mbuf (queues or frees it). Messages go
 * to the sink, replies to the tx function, before this returns.
 * @param now  rte_rdtsc()
 */
void sl_tcp_input(struct sl_tcp *t, const struct sl_dgram *segs, uint16_t n, uint64_t now);

/**
 * Timers and blocked connections: delayed ACKs, window updates, delivery
 * retried after backpressure, idle and half-open expiry, FIN retransmit.
 * Call every poll; cheap when nothing is due.
 */
void sl_tcp_poll(struct sl_tcp *t, uint64_t now);

/**
 * Shutdown. Delivers what connections hold (as far as the sink takes it),
 * then resets each connection. Call until it returns 0.
 * @return connections still holding undelivered bytes.
 */
unsigned int sl_tcp_drain(struct sl_tcp *t, uint64_t now);

/** Counters (SL_TCP_NB_CTR values). */
struct sl_ctr_set sl_tcp_counters(const struct sl_tcp *t);
/** Framing counters of all this stage's connections (SL_FRAMING_NB_CTR). */
struct sl_ctr_set sl_tcp_framing_counters(const struct sl_tcp *t);
/** Current gauges. */
void sl_tcp_gauges(const struct sl_tcp *t, struct sl_tcp_gauges *g);

#endif /* SL_TCP_H */

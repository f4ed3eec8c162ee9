/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP stage internals, shared by tcp.c (state machine, queues) and
 * tcp_out.c (segments we build). */
#ifndef SL_TCP_PRIVATE_H
#define SL_TCP_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_hash.h>
#include <rte_mbuf.h>

#include "sl_tcp.h"

#define TCP_F_FIN 0x01
#define TCP_F_SYN 0x02
#define TCP_F_RST 0x04
#define TCP_F_PSH 0x08
#define TCP_F_ACK 0x10
#define TCP_F_URG 0x20

/* TCP option kinds (RFC 9293, 7323, 2018). */
#define OPT_EOL       0
#define OPT_NOP       1
#define OPT_MSS       2
#define OPT_WS        3
#define OPT_SACK_PERM 4
#define OPT_SACK      5
#define OPT_TS        8

/* Sequence arithmetic modulo 2^32 (RFC 793 3.3). */
#define SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)  SEQ_LT(b, a)
#define SEQ_GEQ(a, b) SEQ_LEQ(b, a)

/* Connection states. There is no LISTEN entry (a listening port is a bit in
 * the port map) and no TIME_WAIT (we never close first: our FIN answers the
 * peer's, so the peer keeps the TIME_WAIT). */
enum tcp_state {
	ST_FREE = 0,
	ST_SYN_RCVD,   /* SYN-ACK sent, waiting for the ACK */
	ST_ESTAB,
	ST_CLOSE_WAIT, /* peer's FIN received and ACKed; delivering what is queued */
	ST_LAST_ACK,   /* our FIN sent, waiting for its ACK */
};

/* Connection flags. */
#define CF_TS       0x0001 /* timestamps agreed */
#define CF_SACK     0x0002 /* SACK permitted */
#define CF_WS       0x0004 /* window scaling agreed */
#define CF_V6       0x0008
#define CF_VLAN     0x0010
#define CF_BLOCKED  0x0020 /* on the blocked list: the sink refused */
#define CF_DELACK   0x0040 /* a delayed ACK is armed */
#define CF_FIN_SEEN 0x0080 /* peer's FIN known (maybe beyond a hole): fin_seq */
#define CF_FIN_IN   0x0100 /* peer's FIN is in order: rcv_nxt counts it */
#define CF_CLOSED   0x0200 /* the stream's last bytes went to framing close */
#define CF_ZWIN     0x0400 /* our last advertised window was zero */
#define CF_ACK_NOW  0x0800 /* send an ACK at the end of this burst */
#define CF_TOUCHED  0x1000 /* on this burst's touched list */
#define CF_COOKIE   0x2000 /* established from a SYN cookie */
#define CF_ABORT    0x4000 /* reset or idle: delivering what it holds, then freed */
#define CF_RST_OUT  0x8000 /* ... and we send an RST when it goes */

/* Flow key: the peer's address and port, ours. */
struct tcp_key {
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport;
	uint16_t dport;
};

struct tcp_conn {
	struct tcp_key key;
	uint32_t hash;          /* flow hash (shard choice) */
	uint8_t state;
	uint8_t rcv_wscale;     /* shift we apply to the window we advertise */
	uint16_t flags;         /* CF_* */
	uint16_t mss;           /* peer's MSS (the 2-full-segments ACK rule) */
	uint16_t ooo_n;         /* segments in the out-of-order list */
	uint8_t fin_tries;      /* our FIN sends */
	uint8_t l2_len;
	uint8_t l2[22];         /* Ethernet (+VLAN) header for what we send, MACs swapped */
	uint32_t irs, rcv_nxt;  /* peer's ISN, next byte expected (counts SYN and FIN) */
	uint32_t rcv_adv;       /* right edge of the window we advertised */
	uint32_t last_ack;      /* rcv_nxt carried by our last ACK */
	uint32_t iss, snd_nxt;  /* our ISN, next sequence number we send */
	uint32_t fin_seq;       /* peer's FIN sequence number, when CF_FIN_SEEN */
	uint32_t ts_recent;     /* peer's TSval to echo */
	uint32_t ts_off;        /* our TSval offset for this connection */
	uint32_t q_bytes;       /* in-order bytes queued, not yet framed away */
	uint32_t q_segs;
	uint32_t held;          /* buf_len of every mbuf this connection holds */
	uint32_t ooo_held;      /* ... of which in the out-of-order list */
	uint32_t delack_gen;    /* generation of the armed delayed ACK */
	uint32_t sack_last;     /* seq of the latest out-of-order segment (first SACK block) */
	uint64_t last_rx;       /* TSC of the last segment (idle) */
	uint64_t timer;         /* TSC: half-open expiry, FIN retransmit */
	uint64_t delack_at;     /* TSC the armed delayed ACK is due */
	struct rte_mbuf *q_head, *q_tail; /* in-order payload, one mbuf per buffer, linked by next */
	struct rte_mbuf *ooo;   /* out-of-order payload, sorted; seq in hash.usr */
	struct sl_framer fr;
} __rte_cache_aligned;

struct tcp_delack {
	uint32_t idx;
	uint32_t gen;
};

/* Connections one input call may touch (a burst is at most 32 segments). */
#define TCP_TOUCH_MAX 64
/* Segments we may queue for transmission before handing them to tx. */
#define TCP_TXQ 64

struct sl_tcp {
	uint64_t ctr[SL_TCP_NB_CTR];
	uint64_t fctr[SL_FRAMING_NB_CTR];
	struct sl_tcp_params p;
	struct rte_hash *h;
	struct tcp_conn *conns;   /* indexed by the hash's key position */
	uint32_t n_slots;
	uint32_t n_conns;         /* entries in every state */
	uint32_t last_pos;        /* slot of the last connection found (a cache) */
	uint32_t n_halfopen;
	uint32_t n_blocked;
	uint32_t n_zwin;
	uint64_t mem_used;        /* buf_len of every held mbuf */
	uint32_t held_mbufs;
	uint32_t rcvbuf;
	uint8_t rcv_wscale;
	uint64_t tsc_ms;
	uint64_t delack_tsc, idle_tsc, halfopen_tsc, fin_rto_tsc, blocked_tsc;
	uint64_t next_sweep, next_blocked;
	uint64_t last_cookie;     /* TSC of the last SYN cookie sent */
	bool cookies_sent;        /* any SYN cookie sent yet */
	bool draining;            /* sl_tcp_drain() began: no FIN of ours, RSTs */
	uint32_t sweep_pos, sweep_step;
	/* delayed ACKs: a FIFO (a constant delay keeps it in deadline order) */
	struct tcp_delack *dq;
	uint32_t dq_cap, dq_head, dq_n;
	/* connections the sink refused, retried from poll */
	uint32_t *bl;
	uint32_t bl_n;
	/* connections touched by the current burst (ACK decisions at its end) */
	uint32_t touched[TCP_TOUCH_MAX];
	uint32_t n_touched;
	struct rte_mbuf *txq[TCP_TXQ];
	uint16_t n_txq;
	struct sl_iov *spans;     /* span_max: a connection's in-order queue, for framing */
	uint32_t span_max;        /* mbufs an in-order queue may have */
	uint8_t *lin;             /* max_msg bytes: a message spread over mbufs */
};

/* Account for an mbuf a connection starts / stops holding. */
static inline void
tcp_hold(struct sl_tcp *t, struct tcp_conn *c, const struct rte_mbuf *s)
{
	c->held += s->buf_len;
	t->mem_used += s->buf_len;
	t->held_mbufs++;
}

static inline void
tcp_unhold(struct sl_tcp *t, struct tcp_conn *c, const struct rte_mbuf *s)
{
	c->held -= s->buf_len;
	t->mem_used -= s->buf_len;
	t->held_mbufs--;
}

/* tcp.c */
/* Free a connection's entry, mbufs and list places (no segment sent). */
void tcp_conn_free(struct sl_tcp *t, struct tcp_conn *c);

/* tcp_queue.c */
/* Cut chain @p m to its bytes [off, off + len), split into single buffers
 * linked by next; the rest is freed. @return the first (NULL if len is 0). */
struct rte_mbuf *tcp_chain_cut(struct rte_mbuf *m, uint32_t off, uint32_t len,
			       struct rte_mbuf **last);
/* Append cut buffers to the in-order queue (small ones into the tail's room). */
void tcp_q_append(struct sl_tcp *t, struct tcp_conn *c, struct rte_mbuf *s);
/* Move out-of-order data now at rcv_nxt into the in-order queue. */
void tcp_ooo_pull(struct sl_tcp *t, struct tcp_conn *c);
/* Insert one buffer at @p seq into the out-of-order list. @return new bytes. */
uint32_t tcp_ooo_insert(struct sl_tcp *t, struct tcp_conn *c, struct rte_mbuf *s,
			uint32_t seq);
/* Frame and hand on the in-order bytes (and at the FIN, the last ones).
 * @return 0, or -EAGAIN when the sink refused (connection blocked). */
int tcp_deliver(struct sl_tcp *t, struct tcp_conn *c, uint64_t now);
/* RST the peer and free the connection. */
void tcp_reset_conn(struct sl_tcp *t, struct tcp_conn *c, uint64_t now);
/* End a connection without our FIN, after delivering what it holds. */
void tcp_abort(struct sl_tcp *t, struct tcp_conn *c, uint64_t now, bool send_rst);
/* An aborting connection has delivered everything: free it (RST if ours). */
void tcp_abort_done(struct sl_tcp *t, struct tcp_conn *c, uint64_t now);

/* tcp_input.c */
/* Our FIN after the peer's (CLOSE_WAIT -> LAST_ACK). */
void tcp_send_fin(struct sl_tcp *t, struct tcp_conn *c, uint64_t now);
/* Send a window update if room came back after a small or zero window. */
void tcp_window_update(struct sl_tcp *t, struct tcp_conn *c, uint64_t now);

/* tcp_out.c */
void tcp_tx_flush(struct sl_tcp *t);
uint32_t tcp_ts_now(const struct sl_tcp *t, uint64_t now);
/* Window field to advertise now (and update rcv_adv). */
uint16_t tcp_window(struct sl_tcp *t, struct tcp_conn *c);
/* Send a segment on an established (or closing) connection. */
void tcp_send(struct sl_tcp *t, struct tcp_conn *c, uint8_t flags, uint64_t now);
/* SYN-ACK for a connection entry, or a cookie (c == NULL: from the SYN). */
struct tcp_syn_opts {
	uint16_t mss;
	uint8_t ws;       /* 0xff: not offered */
	uint8_t sack_ok;
	uint8_t ts_ok;
	uint32_t tsval, tsecr;
};
void tcp_send_synack(struct sl_tcp *t, struct tcp_conn *c, uint64_t now);
void tcp_send_cookie(struct sl_tcp *t, const struct sl_dgram *d, uint32_t seq,
		     uint32_t cookie, const struct tcp_syn_opts *o, uint32_t tsval);
/* The L2 header of received frame @p m (@p l2_len bytes: Ethernet and
 * VLAN tags), MACs swapped, as the header of what we send. @return its length. */
uint8_t tcp_reply_l2(const struct sl_tcp *t, const struct rte_mbuf *m, uint8_t l2_len,
		     uint8_t *l2);
/* RST answering segment d (no connection): RFC 793 rules. */
void tcp_send_rst_for(struct sl_tcp *t, const struct sl_dgram *d, uint32_t seq,
		      uint32_t ack, uint8_t flags, uint32_t seg_len);
/* SipHash-2-4 of a flow key and extra words (ISN, cookies, TS offsets). */
uint64_t tcp_siphash(const uint64_t key[2], const struct tcp_key *k, uint32_t w1, uint32_t w2);

#endif /* SL_TCP_PRIVATE_H */

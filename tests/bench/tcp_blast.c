/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp_blast: a DPDK TCP (and UDP) syslog load generator for measuring
 * sluice's whole TCP path in memory, without the kernel.
 *
 * It opens C connections from distinct source ports (and optionally
 * several source addresses) to DST:DPORT the way Linux does (SYN with MSS,
 * SACK-permitted, timestamps and window scale; the SYN-ACK's ISN, options
 * and window are learnt from the RX queue; then the ACK), and sends
 * in-order data segments of K whole ~140-byte messages (LF-terminated, or
 * octet-counted with --octet) while respecting the peer's advertised
 * window: it never sends past the highest ACK + window, waits when the
 * window is closed and probes it when nothing comes. After --seconds or
 * --msgs per connection it waits for every byte to be acknowledged, FINs
 * each connection, waits (bounded) for the peer's FIN and ACKs it.
 *
 * Packets are built from a per-connection header template: only lengths,
 * seq/ack, timestamps and the checksums (in software, 8 bytes a step) are
 * written per segment. Nothing should be lost on memif; if a segment is
 * (the peer refuses it for memory, say), the connection goes back to the
 * last ACK after a retransmission timeout and sends again (counted, and a
 * loud error when a connection makes no progress for a second).
 *
 *   tcp_blast [EAL] -- --dst 10.77.0.1 [--src 10.77.0.2] [--src-ips N]
 *       [--dport 514] [--sport 10000] [--conns C] [--k K] [--msg-size L]
 *       [--octet] [--seconds S] [--msgs N] [--udp] [--sink] [--train T]
 *
 * --udp sends the same messages as UDP datagrams, one message each, as fast
 * as the port takes them. --linger S keeps the (idle) port open after the
 * run until a signal or S seconds, so the memif server can stop first. --sink skips the handshake and ignores the window
 * (for measuring the generator alone against net_null).
 *
 * Last line: "RESULT mode=... conns=... k=... msgs=... bytes=... segs=...
 * elapsed=... msgs_per_s=... retrans=... stalls=... rst=... closed=...".
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "sl_cksum.h"

#define BURST        32
#define NB_MBUF      16383
#define MBUF_CACHE   256
#define RING_DESC    1024
#define MAX_CONNS    65536
#define BODY_POOL    1024          /* distinct message bodies (power of 2) */
#define DIGITS       10            /* seq=NNNNNNNNNN */
#define MAX_FRAME    2048
#define RTO_MIN_MS   200
#define RTO_MAX_MS   2000u
#define STALL_MS     1000
#define PROBE_MS     200
#define SYN_RTO_MS   1000
#define HANDSHAKE_MS 10000
#define LINK_MS      10000

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

#define SEQ_LT(a, b)  ((int32_t)((a) - (b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b)  ((int32_t)((a) - (b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((a) - (b)) >= 0)

enum cstate { CS_CLOSED, CS_SYN_SENT, CS_ESTAB, CS_FIN_WAIT, CS_DONE, CS_RESET };

struct conn {
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd;
	uint32_t rcv_nxt;          /* the peer's next sequence number */
	uint32_t ts_recent;        /* the peer's last TSval */
	uint32_t mss;
	uint64_t msgs_limit;       /* messages to send on this connection */
	uint64_t last_prog;        /* tsc: last time snd_una moved (or we started sending) */
	uint64_t last_rx;          /* tsc: last segment from the peer */
	uint64_t last_adv;         /* tsc: last time snd_una moved, or sending began from idle */
	uint64_t next_timer;       /* tsc: SYN resend; then the last window probe */
	uint32_t rto_ms;
	uint16_t sport;
	uint8_t ipidx;
	uint8_t state;
	uint8_t wscale;            /* the peer's window scale */
	bool ts;                   /* timestamps agreed */
	bool fin_acked, fin_rcvd, stalled;
	uint8_t hdr_len;           /* template length: eth + ip + tcp (+ TS) */
	uint8_t hdr[14 + 20 + 20 + 12];
	uint8_t prefix_len;
	char prefix[80];           /* frame start up to "seq=" */
};

struct cfg {
	uint32_t dst_ip, src_ip;   /* network order */
	unsigned int n_ips;
	uint16_t dport, sport_base;
	unsigned int conns, k, msg_size, train;
	double seconds;
	uint64_t msgs;             /* per connection, 0 = until --seconds */
	bool octet, udp, sink, verbose;
	uint16_t port;
	uint16_t mss;
	uint32_t close_ms;
	uint32_t linger_s;         /* after the run, hold the port until a signal */
};

struct blast {
	struct cfg cfg;
	struct conn *conns;
	unsigned int per_ip;
	struct rte_mempool *pool;
	struct rte_ether_addr mac, peer_mac;
	uint64_t hz, tsc_ms;
	unsigned int frame_len;    /* bytes of one framed message on the wire */
	unsigned int body_len;
	char bodies[BODY_POOL][MAX_FRAME];
	/* Built, not yet taken by the port: a TX burst, the replies to an
	 * RX burst and control segments, with room to spare. */
	struct rte_mbuf *pend[BURST * 8];
	unsigned int n_pend;
	/* counters */
	uint64_t msgs_acked, msgs_sent, bytes, segs, retrans_segs, retrans_events;
	uint64_t probes, stalls, rst_in, dup_acks, bad_acks, rx_other;
	uint64_t tx_full;           /* segments not built (no mbuf) or not queued */
	uint64_t zero_win_seen, acks_in, fin_resend, syn_resend;
	uint64_t t_start, t_last_ack;
};

static volatile sig_atomic_t stop_req;

static void
on_signal(int sig)
{
	(void)sig;
	stop_req++;
}

/* ------------------------------------------------------------------ */
/* checksum: 32-bit words into a 64-bit sum, as RFC 1071 allows          */

/* Fold a sum of 16-bit partial sums (sl_cksum16) and complement it. */
static inline uint16_t
csum_fold(uint64_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* TCP/UDP checksum over IPv4 pseudo-header + l4 (l4_len bytes, contiguous). */
static inline uint16_t
l4_cksum(const struct rte_ipv4_hdr *ip, const void *l4, uint16_t l4_len, uint8_t proto)
{
	uint8_t ph[4] = { 0, proto, (uint8_t)(l4_len >> 8), (uint8_t)l4_len };
	/* Every piece starts at an even offset: partial sums add up. */
	uint64_t s = sl_cksum16(&ip->src_addr, 8);

	s += sl_cksum16(ph, 4);
	s += sl_cksum16(l4, l4_len);
	return csum_fold(s);
}

/* ------------------------------------------------------------------ */
/* messages                                                             */

static const char *const words[] = {
	"user=", "src=", "dst=", "port=", "action=", "login", "logout", "accepted",
	"denied", "session", "opened", "closed", "for", "from", "latency_ms=", "bytes=",
	"status=", "ok", "error", "GET", "POST", "/api/v1/items", "/health", "id=",
	"kernel:", "eth0", "link", "up", "down", "retry", "timeout", "cache", "hit", "miss",
};

static uint64_t
rnd(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Bodies: " word word=12345 ..." of exactly body_len bytes, no LF, no NUL. */
static void
make_bodies(struct blast *b)
{
	uint64_t seed = 1;
	unsigned int i;

	for (i = 0; i < BODY_POOL; i++) {
		char *p = b->bodies[i];
		unsigned int n = 0;

		while (n < b->body_len) {
			char w[48];
			int l;
			uint64_t r = rnd(&seed);
			const char *wd = words[r % RTE_DIM(words)];

			if (wd[strlen(wd) - 1] == '=')
				l = snprintf(w, sizeof(w), " %s%u", wd, (unsigned int)(r >> 20) % 100000);
			else
				l = snprintf(w, sizeof(w), " %s", wd);
			if (n + (unsigned int)l > b->body_len)
				l = (int)(b->body_len - n);
			memcpy(p + n, w, (size_t)l);
			n += (unsigned int)l;
		}
	}
}

static const char digits2[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

static inline void
put_digits(char *p, uint64_t v)
{
	int i;

	for (i = DIGITS - 2; i >= 0; i -= 2) {
		unsigned int d = (unsigned int)(v % 100);

		v /= 100;
		memcpy(p + i, &digits2[2 * d], 2);
	}
}

/* Frame message @p idx of connection @p c at @p p (frame_len bytes). */
static inline void
put_frame(const struct blast *b, const struct conn *c, unsigned int ci, uint64_t idx, char *p)
{
	unsigned int bi = (unsigned int)((idx * 2654435761u + ci * 40503u) & (BODY_POOL - 1));

	memcpy(p, c->prefix, c->prefix_len);
	p += c->prefix_len;
	put_digits(p, idx);
	p += DIGITS;
	memcpy(p, b->bodies[bi], b->body_len);
	if (!b->cfg.octet && !b->cfg.udp)
		p[b->body_len] = '\n';
}

/* ------------------------------------------------------------------ */
/* packets                                                              */

static inline uint32_t
ts_now(const struct blast *b, uint64_t now)
{
	return (uint32_t)(now / b->tsc_ms);
}

/* The template: Ethernet, IPv4 (DF), TCP with NOP NOP TS when agreed. */
static void
conn_template(struct blast *b, struct conn *c)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)c->hdr;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	uint8_t *o = (uint8_t *)(th + 1);
	unsigned int tcp_hl = sizeof(*th) + (c->ts ? 12 : 0);

	memset(c->hdr, 0, sizeof(c->hdr));
	rte_ether_addr_copy(&b->peer_mac, &eh->dst_addr);
	rte_ether_addr_copy(&b->mac, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = 0x45;
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = b->cfg.udp ? IPPROTO_UDP : IPPROTO_TCP;
	ip->src_addr = rte_cpu_to_be_32(rte_be_to_cpu_32(b->cfg.src_ip) + c->ipidx);
	ip->dst_addr = b->cfg.dst_ip;
	if (b->cfg.udp) {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(ip + 1);

		uh->src_port = rte_cpu_to_be_16(c->sport);
		uh->dst_port = rte_cpu_to_be_16(b->cfg.dport);
		c->hdr_len = sizeof(*eh) + sizeof(*ip) + sizeof(*uh);
		return;
	}
	th->src_port = rte_cpu_to_be_16(c->sport);
	th->dst_port = rte_cpu_to_be_16(b->cfg.dport);
	th->data_off = (uint8_t)((tcp_hl / 4) << 4);
	/* we receive nothing: a constant 64 KiB (scale 7 offered: 512 << 7) */
	th->rx_win = rte_cpu_to_be_16(512);
	if (c->ts) {
		o[0] = 1;
		o[1] = 1;
		o[2] = 8;
		o[3] = 10;
	}
	c->hdr_len = (uint8_t)(sizeof(*eh) + sizeof(*ip) + tcp_hl);
}

/* A segment from the template: @p nmsg frames from message @p idx. */
static struct rte_mbuf *
build_seg(struct blast *b, struct conn *c, unsigned int ci, uint32_t seq,
	  uint8_t flags, uint64_t idx, unsigned int nmsg, uint64_t now)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(b->pool);
	uint8_t *p;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	unsigned int i, plen = nmsg * b->frame_len, tcp_len;

	if (unlikely(m == NULL))
		return NULL;
	p = rte_pktmbuf_mtod(m, uint8_t *);
	memcpy(p, c->hdr, c->hdr_len);
	for (i = 0; i < nmsg; i++)
		put_frame(b, c, ci, idx + i, (char *)p + c->hdr_len + i * b->frame_len);
	ip = (struct rte_ipv4_hdr *)(p + sizeof(struct rte_ether_hdr));
	th = (struct rte_tcp_hdr *)(ip + 1);
	tcp_len = c->hdr_len - sizeof(struct rte_ether_hdr) - sizeof(*ip) + plen;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + tcp_len));
	ip->hdr_checksum = csum_fold(sl_cksum16(ip, sizeof(*ip)));
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(c->rcv_nxt);
	th->tcp_flags = flags;
	if (c->ts) {
		uint32_t v = rte_cpu_to_be_32(ts_now(b, now)), e = rte_cpu_to_be_32(c->ts_recent);

		memcpy((uint8_t *)(th + 1) + 4, &v, 4);
		memcpy((uint8_t *)(th + 1) + 8, &e, 4);
	}
	th->cksum = l4_cksum(ip, th, (uint16_t)tcp_len, IPPROTO_TCP);
	m->data_len = m->pkt_len = c->hdr_len + plen;
	return m;
}

/* A UDP datagram carrying message @p idx. */
static struct rte_mbuf *
build_dgram(struct blast *b, struct conn *c, unsigned int ci, uint64_t idx)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(b->pool);
	uint8_t *p;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *uh;
	uint16_t ulen = (uint16_t)(sizeof(*uh) + b->frame_len);

	if (unlikely(m == NULL))
		return NULL;
	p = rte_pktmbuf_mtod(m, uint8_t *);
	memcpy(p, c->hdr, c->hdr_len);
	put_frame(b, c, ci, idx, (char *)p + c->hdr_len);
	ip = (struct rte_ipv4_hdr *)(p + sizeof(struct rte_ether_hdr));
	uh = (struct rte_udp_hdr *)(ip + 1);
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + ulen));
	ip->hdr_checksum = csum_fold(sl_cksum16(ip, sizeof(*ip)));
	uh->dgram_len = rte_cpu_to_be_16(ulen);
	uh->dgram_cksum = l4_cksum(ip, uh, ulen, IPPROTO_UDP);
	if (uh->dgram_cksum == 0)
		uh->dgram_cksum = 0xffff;
	m->data_len = m->pkt_len = c->hdr_len + b->frame_len;
	return m;
}

/* SYN like Linux's: MSS, SACK-permitted, TS, NOP, WS 7. */
static struct rte_mbuf *
build_syn(struct blast *b, struct conn *c, uint64_t now)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(b->pool);
	uint8_t *p, *o;
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	uint32_t tsv = rte_cpu_to_be_32(ts_now(b, now));
	uint16_t mss = rte_cpu_to_be_16(b->cfg.mss);
	unsigned int tcp_len = sizeof(*th) + 20;

	if (m == NULL)
		return NULL;
	p = rte_pktmbuf_mtod(m, uint8_t *);
	memcpy(p, c->hdr, sizeof(*eh) + sizeof(*ip) + sizeof(*th));
	eh = (struct rte_ether_hdr *)p;
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	th = (struct rte_tcp_hdr *)(ip + 1);
	o = (uint8_t *)(th + 1);
	o[0] = 2; o[1] = 4; memcpy(o + 2, &mss, 2);
	o[4] = 4; o[5] = 2;
	o[6] = 8; o[7] = 10; memcpy(o + 8, &tsv, 4); memset(o + 12, 0, 4);
	o[16] = 1; o[17] = 3; o[18] = 3; o[19] = 7;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + tcp_len));
	ip->hdr_checksum = csum_fold(sl_cksum16(ip, sizeof(*ip)));
	th->sent_seq = rte_cpu_to_be_32(c->iss);
	th->recv_ack = 0;
	th->data_off = (uint8_t)((tcp_len / 4) << 4);
	th->tcp_flags = F_SYN;
	th->rx_win = rte_cpu_to_be_16(64240);
	th->cksum = 0;
	th->cksum = l4_cksum(ip, th, (uint16_t)tcp_len, IPPROTO_TCP);
	m->data_len = m->pkt_len = sizeof(*eh) + sizeof(*ip) + tcp_len;
	return m;
}

/* Queue for TX; what the port does not take now is sent first next time. */
static void
tx_queue(struct blast *b, struct rte_mbuf *m)
{
	if (m == NULL) {
		b->tx_full++;
		return;
	}
	if (b->n_pend == RTE_DIM(b->pend)) {
		/* cannot happen with the callers' bounds; keep the count honest */
		rte_pktmbuf_free(m);
		b->tx_full++;
		return;
	}
	b->pend[b->n_pend++] = m;
}

static void
tx_flush(struct blast *b)
{
	uint16_t sent;

	if (b->n_pend == 0)
		return;
	sent = rte_eth_tx_burst(b->cfg.port, 0, b->pend, (uint16_t)b->n_pend);
	if (sent < b->n_pend)
		memmove(b->pend, b->pend + sent, (b->n_pend - sent) * sizeof(b->pend[0]));
	b->n_pend -= sent;
}

static void
send_ctl(struct blast *b, struct conn *c, unsigned int ci, uint32_t seq, uint8_t flags, uint64_t now)
{
	tx_queue(b, build_seg(b, c, ci, seq, flags, 0, 0, now));
}

/* ------------------------------------------------------------------ */
/* RX                                                                   */

static struct conn *
conn_of(struct blast *b, uint32_t dst_ip, uint16_t dport, unsigned int *ci)
{
	uint32_t ipidx = rte_be_to_cpu_32(dst_ip) - rte_be_to_cpu_32(b->cfg.src_ip);
	unsigned int i;

	if (ipidx >= b->cfg.n_ips || dport < b->cfg.sport_base ||
	    (unsigned int)(dport - b->cfg.sport_base) >= b->per_ip)
		return NULL;
	i = ipidx * b->per_ip + (dport - b->cfg.sport_base);
	if (i >= b->cfg.conns)
		return NULL;
	*ci = i;
	return &b->conns[i];
}

static void
parse_synack_opts(struct conn *c, const uint8_t *o, unsigned int len)
{
	unsigned int i = 0;

	c->wscale = 0;
	c->ts = false;
	c->mss = 536;
	while (i < len) {
		uint8_t kind = o[i], l;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || (l = o[i + 1]) < 2 || i + l > len)
			break;
		if (kind == 2 && l == 4)
			c->mss = (uint32_t)o[i + 2] << 8 | o[i + 3];
		else if (kind == 3 && l == 3)
			c->wscale = RTE_MIN(o[i + 2], 14);
		else if (kind == 8 && l == 10) {
			c->ts = true;
			c->ts_recent = (uint32_t)o[i + 2] << 24 | (uint32_t)o[i + 3] << 16 |
				       (uint32_t)o[i + 4] << 8 | o[i + 5];
		}
		i += l;
	}
}

static uint32_t
parse_tsval(const uint8_t *o, unsigned int len, bool *found)
{
	unsigned int i = 0;

	*found = false;
	while (i < len) {
		uint8_t kind = o[i], l;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || (l = o[i + 1]) < 2 || i + l > len)
			break;
		if (kind == 8 && l == 10) {
			*found = true;
			return (uint32_t)o[i + 2] << 24 | (uint32_t)o[i + 3] << 16 |
			       (uint32_t)o[i + 4] << 8 | o[i + 5];
		}
		i += l;
	}
	return 0;
}

static void
rx_segment(struct blast *b, struct rte_mbuf *m, uint64_t now)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ether_hdr *eh = (const struct rte_ether_hdr *)p;
	const struct rte_ipv4_hdr *ip;
	const struct rte_tcp_hdr *th;
	unsigned int ihl, thl, ci, plen;
	struct conn *c;
	uint32_t seq, ack, win, tsv;
	uint8_t fl;
	bool has_ts;

	if (m->data_len < sizeof(*eh) + sizeof(*ip) + sizeof(*th) ||
	    eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		b->rx_other++;
		return;
	}
	ip = (const struct rte_ipv4_hdr *)(eh + 1);
	ihl = (ip->version_ihl & 0xf) * 4u;
	if (ip->next_proto_id != IPPROTO_TCP || ip->src_addr != b->cfg.dst_ip ||
	    m->data_len < sizeof(*eh) + ihl + sizeof(*th)) {
		b->rx_other++;
		return;
	}
	th = (const struct rte_tcp_hdr *)((const uint8_t *)ip + ihl);
	thl = (th->data_off >> 4) * 4u;
	c = conn_of(b, ip->dst_addr, rte_be_to_cpu_16(th->dst_port), &ci);
	if (c == NULL || thl < sizeof(*th) || m->data_len < sizeof(*eh) + ihl + thl) {
		b->rx_other++;
		return;
	}
	plen = rte_be_to_cpu_16(ip->total_length) - ihl - thl;
	seq = rte_be_to_cpu_32(th->sent_seq);
	ack = rte_be_to_cpu_32(th->recv_ack);
	win = rte_be_to_cpu_16(th->rx_win);
	fl = th->tcp_flags;
	c->last_rx = now;
	if (fl & F_RST) {
		if (c->state != CS_DONE && c->state != CS_RESET) {
			b->rst_in++;
			fprintf(stderr, "tcp_blast: ERROR: conn %u (sport %u) reset by the peer in state %u (snd_una=%u snd_nxt=%u)\n",
				ci, c->sport, c->state, c->snd_una - c->iss, c->snd_nxt - c->iss);
			c->state = CS_RESET;
		}
		return;
	}
	if (c->state == CS_SYN_SENT) {
		if ((fl & (F_SYN | F_ACK)) != (F_SYN | F_ACK) || ack != c->iss + 1) {
			b->bad_acks++;
			return;
		}
		if (rte_is_zero_ether_addr(&b->peer_mac) || rte_is_broadcast_ether_addr(&b->peer_mac))
			rte_ether_addr_copy(&eh->src_addr, &b->peer_mac);
		parse_synack_opts(c, (const uint8_t *)(th + 1), thl - sizeof(*th));
		c->rcv_nxt = seq + 1;
		c->snd_una = c->snd_nxt = c->snd_max = ack;
		c->snd_wnd = win;          /* a SYN's window is not scaled */
		c->state = CS_ESTAB;
		c->last_prog = c->last_adv = now;
		c->next_timer = 0;
		c->rto_ms = RTO_MIN_MS;
		conn_template(b, c);
		send_ctl(b, c, ci, c->snd_nxt, F_ACK, now);
		return;
	}
	if (c->state == CS_DONE && (fl & F_FIN)) {
		/* the peer sent its FIN again: our ACK was lost */
		send_ctl(b, c, ci, c->snd_nxt, F_ACK, now);
		return;
	}
	if (c->state != CS_ESTAB && c->state != CS_FIN_WAIT)
		return;
	if (fl & F_SYN) {          /* a repeated SYN-ACK: our ACK was lost */
		send_ctl(b, c, ci, c->snd_nxt, F_ACK, now);
		return;
	}
	if (!(fl & F_ACK)) {
		b->bad_acks++;
		return;
	}
	b->acks_in++;
	tsv = parse_tsval((const uint8_t *)(th + 1), thl - sizeof(*th), &has_ts);
	if (has_ts && c->ts)
		c->ts_recent = tsv;
	if (SEQ_GT(ack, c->snd_max)) {
		b->bad_acks++;
		fprintf(stderr, "tcp_blast: ERROR: conn %u ACKs %u beyond what was sent (%u)\n",
			ci, ack - c->iss, c->snd_max - c->iss);
		return;
	}
	if (SEQ_GT(ack, c->snd_una)) {
		if (c->state == CS_FIN_WAIT && ack == c->snd_max)
			c->fin_acked = true;
		c->snd_una = ack;
		/* A go-back may have rewound snd_nxt below what this ACK covers. */
		if (SEQ_LT(c->snd_nxt, ack))
			c->snd_nxt = ack;
		c->last_prog = c->last_adv = now;
		c->rto_ms = RTO_MIN_MS;
		c->stalled = false;
		b->t_last_ack = now;
	} else if (ack == c->snd_una && plen == 0 && c->snd_nxt != c->snd_una) {
		b->dup_acks++;
	}
	if (SEQ_GEQ(ack, c->snd_una)) {
		c->snd_wnd = win << c->wscale;
		if (c->snd_wnd == 0)
			b->zero_win_seen++;
	}
	if (fl & F_FIN) {
		/* sluice sends no data: its FIN is at rcv_nxt (a repeat is one below) */
		if (!c->fin_rcvd && seq + plen == c->rcv_nxt) {
			c->rcv_nxt = seq + plen + 1;
			c->fin_rcvd = true;
		}
		send_ctl(b, c, ci, c->snd_nxt, F_ACK, now);
		if (c->fin_rcvd && c->fin_acked)
			c->state = CS_DONE;
	} else if (c->state == CS_FIN_WAIT && c->fin_acked && c->fin_rcvd) {
		c->state = CS_DONE;
	}
}

static void
rx_poll(struct blast *b, uint64_t now)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n, i;

	/* An RX burst may need a reply per segment: read only when they fit. */
	if (b->n_pend > RTE_DIM(b->pend) - BURST) {
		tx_flush(b);
		if (b->n_pend > RTE_DIM(b->pend) - BURST)
			return;
	}
	n = rte_eth_rx_burst(b->cfg.port, 0, pkts, BURST);
	if (n == 0)
		return;
	if (!b->cfg.udp && !b->cfg.sink)
		for (i = 0; i < n; i++)
			rx_segment(b, pkts[i], now);
	else
		b->rx_other += n;
	rte_pktmbuf_free_bulk(pkts, n);
}

/* ------------------------------------------------------------------ */
/* sending                                                              */

static inline bool
more_msgs(const struct conn *c, bool stopping, uint64_t idx)
{
	if (stopping)
		return false;
	return c->msgs_limit == 0 || idx < c->msgs_limit;
}

/* Data segments of connection @p ci, at most @p max. @return how many. */
static unsigned int
send_data(struct blast *b, unsigned int ci, unsigned int max, bool stopping, uint64_t now)
{
	struct conn *c = &b->conns[ci];
	unsigned int n = 0, F = b->frame_len;

	if (c->state != CS_ESTAB)
		return 0;
	while (n < max) {
		uint32_t off = c->snd_nxt - (c->iss + 1);
		uint64_t idx = off / F;
		uint32_t inflight = c->snd_nxt - c->snd_una;
		uint32_t room = b->cfg.sink ? UINT32_MAX :
				(c->snd_wnd > inflight ? c->snd_wnd - inflight : 0);
		bool resend = SEQ_LT(c->snd_nxt, c->snd_max);
		unsigned int k = b->cfg.k;
		struct rte_mbuf *m;

		/* A resend goes over data already sent, even after the stop. */
		if (!resend && !more_msgs(c, stopping, idx))
			break;
		if (c->msgs_limit && idx + k > c->msgs_limit)
			k = (unsigned int)(c->msgs_limit - idx);
		if (resend && idx + k > (uint64_t)(c->snd_max - (c->iss + 1)) / F)
			k = (unsigned int)((c->snd_max - (c->iss + 1)) / F - idx);
		if (room / F < k)
			k = room / F;
		if (k == 0)
			break;
		m = build_seg(b, c, ci, c->snd_nxt, F_ACK | F_PSH, idx, k, now);
		if (m == NULL) {
			b->tx_full++;
			break;
		}
		tx_queue(b, m);
		if (c->snd_nxt == c->snd_una && c->snd_una == c->snd_max)
			c->last_prog = c->last_adv = now; /* the RTO runs from the first byte in flight */
		c->snd_nxt += k * F;
		if (resend) {
			b->retrans_segs++;
		} else {
			c->snd_max = c->snd_nxt;
			b->msgs_sent += k;
			b->bytes += k * F;
		}
		b->segs++;
		n++;
	}
	return n;
}

/* RTO (go back to the last ACK), zero-window probes, stall reports, FIN
 * resends. Runs about once a millisecond. */
static void
timers(struct blast *b, bool stopping, uint64_t now)
{
	unsigned int ci;

	for (ci = 0; ci < b->cfg.conns; ci++) {
		struct conn *c = &b->conns[ci];
		uint64_t since = now - c->last_prog;

		if (c->state == CS_ESTAB || c->state == CS_FIN_WAIT) {
			uint32_t data_end = c->snd_max - (c->state == CS_FIN_WAIT ? 1 : 0);

			if (c->snd_una != c->snd_max && since > (uint64_t)c->rto_ms * b->tsc_ms) {
				if (SEQ_LT(c->snd_una, data_end)) {
					b->retrans_events++;
					c->snd_nxt = c->snd_una;
				} else if (c->state == CS_FIN_WAIT) {
					send_ctl(b, c, ci, data_end, F_ACK | F_FIN, now);
					b->fin_resend++;
				}
				c->last_prog = now;
				c->rto_ms = RTE_MIN(c->rto_ms * 2, RTO_MAX_MS);
			}
			if (c->snd_una != c->snd_max && !c->stalled &&
			    now - c->last_adv > STALL_MS * b->tsc_ms) {
				c->stalled = true;
				b->stalls++;
				fprintf(stderr, "tcp_blast: ERROR: conn %u (sport %u) no ACK progress for %u ms: snd_una=%u snd_nxt=%u snd_max=%u wnd=%u\n",
					ci, c->sport, STALL_MS, c->snd_una - c->iss - 1,
					c->snd_nxt - c->iss - 1, c->snd_max - c->iss - 1, c->snd_wnd);
			}
		}
		if (c->state == CS_ESTAB && c->snd_una == c->snd_max && !stopping &&
		    c->snd_wnd < b->frame_len &&
		    now - c->last_rx > PROBE_MS * b->tsc_ms &&
		    now - c->next_timer > PROBE_MS * b->tsc_ms) {
			/* Window closed and nothing heard: a Linux-style probe
			 * (an old sequence number, no data) asks for the window. */
			send_ctl(b, c, ci, c->snd_una - 1, F_ACK, now);
			if (b->cfg.verbose)
				printf("tcp_blast: probe conn %u: wnd=%u snd_una=%u, last ACK %.1f ms ago\n",
				       ci, c->snd_wnd, c->snd_una - c->iss - 1,
				       (double)(now - c->last_rx) / (double)b->tsc_ms);
			c->next_timer = now;
			b->probes++;
		}
		if (b->n_pend > RTE_DIM(b->pend) - 4)
			tx_flush(b);
		if (b->n_pend > RTE_DIM(b->pend) - 4)
			break;
	}
}

/* ------------------------------------------------------------------ */
/* phases                                                               */

static double
secs(const struct blast *b, uint64_t t0, uint64_t t1)
{
	return (double)(t1 - t0) / (double)b->hz;
}

static int
handshake(struct blast *b)
{
	uint64_t t0 = rte_rdtsc(), now = t0;
	unsigned int ci, est = 0, failed = 0;

	for (ci = 0; ci < b->cfg.conns; ci++) {
		struct conn *c = &b->conns[ci];

		c->state = CS_SYN_SENT;
		c->next_timer = 0;
	}
	while (!stop_req) {
		now = rte_rdtsc();
		rx_poll(b, now);
		est = 0;
		failed = 0;
		for (ci = 0; ci < b->cfg.conns; ci++) {
			struct conn *c = &b->conns[ci];

			if (c->state == CS_ESTAB) {
				est++;
				continue;
			}
			if (c->state != CS_SYN_SENT) {
				failed++;
				continue;
			}
			if (c->next_timer == 0 || now > c->next_timer) {
				if (b->n_pend >= RTE_DIM(b->pend) - 1) {
					tx_flush(b);
					if (b->n_pend >= RTE_DIM(b->pend) - 1)
						break;
				}
				if (c->next_timer)
					b->syn_resend++;
				tx_queue(b, build_syn(b, c, now));
				c->next_timer = now + SYN_RTO_MS * b->tsc_ms;
			}
		}
		tx_flush(b);
		if (est + failed == b->cfg.conns)
			break;
		if (now - t0 > HANDSHAKE_MS * b->tsc_ms)
			break;
	}
	printf("tcp_blast: %u of %u connections established in %.3f s (%" PRIu64 " SYNs resent, %u reset)\n",
	       est, b->cfg.conns, secs(b, t0, now), b->syn_resend, failed);
	if (est == 0)
		return -1;
	return 0;
}

static void
run_tcp(struct blast *b)
{
	uint64_t now, t_end, next_tick = 0, t_close0 = 0;
	unsigned int rr = 0, ci;
	bool stopping = false, closing = false;
	uint64_t close_tsc = (uint64_t)b->cfg.close_ms * b->tsc_ms;

	b->t_start = b->t_last_ack = rte_rdtsc();
	t_end = b->cfg.seconds > 0 ? b->t_start + (uint64_t)(b->cfg.seconds * b->hz) : UINT64_MAX;
	for (;;) {
		unsigned int budget, tried;

		now = rte_rdtsc();
		rx_poll(b, now);
		if (!stopping && (now >= t_end || stop_req)) {
			stopping = true;
			t_close0 = now;
		}
		/* fill a burst, round robin, up to --train segments per turn */
		budget = b->n_pend < BURST ? BURST - b->n_pend : 0;
		for (tried = 0; budget > 0 && tried < b->cfg.conns; ) {
			unsigned int n = send_data(b, rr, RTE_MIN(budget, b->cfg.train), stopping, now);

			budget -= n;
			/* tried: connections in a row that had nothing to send */
			tried = n ? 0 : tried + 1;
			if (n < b->cfg.train || budget == 0 || b->cfg.conns > 1)
				rr = rr + 1 == b->cfg.conns ? 0 : rr + 1;
		}
		tx_flush(b);
		if (now >= next_tick) {
			next_tick = now + b->tsc_ms;
			if (!b->cfg.sink)
				timers(b, stopping, now);
			if (b->cfg.sink && stopping) {
				b->t_last_ack = now;
				break;
			}
			if (!stopping && b->cfg.msgs && !closing) {
				/* every connection sent all it had? */
				bool all = true;

				for (ci = 0; ci < b->cfg.conns && all; ci++) {
					const struct conn *c = &b->conns[ci];

					if (c->state == CS_ESTAB &&
					    (c->snd_una != c->snd_max ||
					     (uint64_t)(c->snd_max - c->iss - 1) / b->frame_len < c->msgs_limit))
						all = false;
				}
				if (all) {
					stopping = true;
					t_close0 = now;
				}
			}
			if (stopping) {
				/* FIN every connection whose data is all acknowledged */
				unsigned int open = 0;

				for (ci = 0; ci < b->cfg.conns; ci++) {
					struct conn *c = &b->conns[ci];

					if (c->state == CS_ESTAB && c->snd_una == c->snd_max) {
						if (b->n_pend >= RTE_DIM(b->pend) - 1)
							tx_flush(b);
						if (b->n_pend >= RTE_DIM(b->pend) - 1) {
							open++;
							continue;
						}
						send_ctl(b, c, ci, c->snd_nxt, F_ACK | F_FIN, now);
						c->snd_nxt++;
						c->snd_max = c->snd_nxt;
						c->state = CS_FIN_WAIT;
						c->last_prog = now;
						c->rto_ms = RTO_MIN_MS;
					}
					if (c->state == CS_ESTAB || c->state == CS_FIN_WAIT)
						open++;
				}
				closing = true;
				tx_flush(b);
				if (open == 0 || now - t_close0 > close_tsc || stop_req > 1)
					break;
			}
		}
	}
	/* last ACKs out */
	for (ci = 0; ci < 1000 && b->n_pend; ci++)
		tx_flush(b);
}

static void
run_udp(struct blast *b)
{
	uint64_t now, t_end, *idx;
	unsigned int rr = 0;

	idx = calloc(b->cfg.conns, sizeof(*idx));
	if (idx == NULL)
		rte_exit(EXIT_FAILURE, "out of memory\n");
	b->t_start = rte_rdtsc();
	t_end = b->cfg.seconds > 0 ? b->t_start + (uint64_t)(b->cfg.seconds * b->hz) : UINT64_MAX;
	for (;;) {
		unsigned int tried, done = 0;

		now = rte_rdtsc();
		if (now >= t_end || stop_req)
			break;
		rx_poll(b, now);
		for (tried = 0; b->n_pend < BURST && tried < b->cfg.conns; tried++) {
			struct conn *c = &b->conns[rr];
			struct rte_mbuf *m;

			if (b->cfg.msgs && idx[rr] >= b->cfg.msgs) {
				done++;
			} else {
				m = build_dgram(b, c, rr, idx[rr]);
				if (m == NULL)
					break;
				tx_queue(b, m);
				idx[rr]++;
				b->msgs_sent++;
				b->bytes += b->frame_len;
				b->segs++;
			}
			rr = rr + 1 == b->cfg.conns ? 0 : rr + 1;
		}
		tx_flush(b);
		if (done == b->cfg.conns && b->n_pend == 0)
			break;
	}
	/* what the port never took was not sent */
	for (rr = 0; rr < 1000 && b->n_pend; rr++)
		tx_flush(b);
	b->msgs_sent -= b->n_pend;
	b->segs -= b->n_pend;
	b->bytes -= (uint64_t)b->n_pend * b->frame_len;
	rte_pktmbuf_free_bulk(b->pend, b->n_pend);
	b->n_pend = 0;
	b->msgs_acked = b->msgs_sent;
	b->t_last_ack = rte_rdtsc();
	free(idx);
}

/* ------------------------------------------------------------------ */
/* setup                                                                */

static void
usage(void)
{
	fprintf(stderr,
		"usage: tcp_blast [EAL options] -- --dst IP [--dport 514] [--src 10.77.0.2]\n"
		"         [--src-ips N] [--sport 10000] [--conns C] [--k K] [--msg-size L]\n"
		"         [--octet] [--seconds S] [--msgs N] [--udp] [--sink] [--train T]\n"
		"         [--mss 1460] [--close-ms 10000] [--port ID] [--verbose]\n"
		"         [--linger S]\n");
	exit(2);
}

static unsigned long
num(const char *flag, const char *v, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(v, &end, 10);
	if (errno || *end || end == v || x < lo || x > hi) {
		fprintf(stderr, "tcp_blast: %s: '%s' is not a number in %lu..%lu\n", flag, v, lo, hi);
		exit(2);
	}
	return x;
}

static uint32_t
ip4(const char *flag, const char *v)
{
	struct in_addr a;

	if (inet_pton(AF_INET, v, &a) != 1) {
		fprintf(stderr, "tcp_blast: %s: '%s' is not an IPv4 address\n", flag, v);
		exit(2);
	}
	return a.s_addr;
}

static void
parse_args(struct cfg *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dst", 1, 0, 'd' }, { "dport", 1, 0, 'p' }, { "src", 1, 0, 's' },
		{ "src-ips", 1, 0, 'I' }, { "sport", 1, 0, 'P' }, { "conns", 1, 0, 'c' },
		{ "k", 1, 0, 'k' }, { "msg-size", 1, 0, 'L' }, { "octet", 0, 0, 'o' },
		{ "seconds", 1, 0, 'S' }, { "msgs", 1, 0, 'n' }, { "udp", 0, 0, 'u' },
		{ "sink", 0, 0, 'z' }, { "train", 1, 0, 't' }, { "mss", 1, 0, 'm' },
		{ "close-ms", 1, 0, 'C' }, { "port", 1, 0, 'O' }, { "verbose", 0, 0, 'v' },
		{ "linger", 1, 0, 'G' },
		{ "help", 0, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int o;

	memset(c, 0, sizeof(*c));
	c->src_ip = ip4("--src", "10.77.0.2");
	c->n_ips = 1;
	c->dport = 514;
	c->sport_base = 10000;
	c->conns = 1;
	c->k = 1;
	c->msg_size = 140;
	c->train = 4;
	c->mss = 1460;
	c->close_ms = 10000;
	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (o) {
		case 'd': c->dst_ip = ip4("--dst", optarg); break;
		case 'p': c->dport = (uint16_t)num("--dport", optarg, 1, 65535); break;
		case 's': c->src_ip = ip4("--src", optarg); break;
		case 'I': c->n_ips = (unsigned int)num("--src-ips", optarg, 1, 250); break;
		case 'P': c->sport_base = (uint16_t)num("--sport", optarg, 1, 65535); break;
		case 'c': c->conns = (unsigned int)num("--conns", optarg, 1, MAX_CONNS); break;
		case 'k': c->k = (unsigned int)num("--k", optarg, 1, 64); break;
		case 'L': c->msg_size = (unsigned int)num("--msg-size", optarg, 80, 1400); break;
		case 'o': c->octet = true; break;
		case 'S': c->seconds = strtod(optarg, NULL); break;
		case 'n': c->msgs = num("--msgs", optarg, 1, 1ul << 40); break;
		case 'u': c->udp = true; break;
		case 'z': c->sink = true; break;
		case 't': c->train = (unsigned int)num("--train", optarg, 1, BURST); break;
		case 'm': c->mss = (uint16_t)num("--mss", optarg, 88, 9000); break;
		case 'C': c->close_ms = (uint32_t)num("--close-ms", optarg, 0, 600000); break;
		case 'v': c->verbose = true; break;
		case 'G': c->linger_s = (uint32_t)num("--linger", optarg, 0, 3600); break;
		case 'O': c->port = (uint16_t)num("--port", optarg, 0, RTE_MAX_ETHPORTS - 1); break;
		default: usage();
		}
	}
	if (c->dst_ip == 0 || optind != argc)
		usage();
	if (c->seconds <= 0 && c->msgs == 0)
		c->seconds = 10;
}

static void
port_init(struct blast *b)
{
	struct rte_eth_conf conf;
	struct rte_eth_link link;
	uint16_t port = b->cfg.port, nrx = RING_DESC, ntx = RING_DESC;
	uint64_t t0;
	int rc;

	if (!rte_eth_dev_is_valid_port(port))
		rte_exit(EXIT_FAILURE, "port %u does not exist (--vdev?)\n", port);
	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_configure(port, 1, 1, &conf);
	if (rc < 0)
		rte_exit(EXIT_FAILURE, "configure port %u: %s\n", port, strerror(-rc));
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrx, &ntx);
	if (rc < 0)
		rte_exit(EXIT_FAILURE, "descriptors of port %u: %s\n", port, strerror(-rc));
	rc = rte_eth_rx_queue_setup(port, 0, nrx, rte_eth_dev_socket_id(port), NULL, b->pool);
	if (rc < 0)
		rte_exit(EXIT_FAILURE, "rx queue of port %u: %s\n", port, strerror(-rc));
	rc = rte_eth_tx_queue_setup(port, 0, ntx, rte_eth_dev_socket_id(port), NULL);
	if (rc < 0)
		rte_exit(EXIT_FAILURE, "tx queue of port %u: %s\n", port, strerror(-rc));
	rc = rte_eth_dev_start(port);
	if (rc < 0)
		rte_exit(EXIT_FAILURE, "start port %u: %s\n", port, strerror(-rc));
	rte_eth_macaddr_get(port, &b->mac);
	t0 = rte_rdtsc();
	do {
		memset(&link, 0, sizeof(link));
		rte_eth_link_get_nowait(port, &link);
		if (link.link_status == RTE_ETH_LINK_UP)
			break;
		rte_delay_ms(10);
	} while (!stop_req && rte_rdtsc() - t0 < LINK_MS * b->tsc_ms);
	if (link.link_status != RTE_ETH_LINK_UP)
		rte_exit(EXIT_FAILURE, "port %u: link down after %u ms (is the memif server up?)\n",
			 port, LINK_MS);
}

int
main(int argc, char **argv)
{
	struct blast *b;
	unsigned int ci;
	int n;
	double el;
	const char *mode;
	char dst[INET_ADDRSTRLEN], octet_len[16] = "";

	n = rte_eal_init(argc, argv);
	if (n < 0)
		rte_exit(EXIT_FAILURE, "EAL init failed\n");
	argc -= n;
	argv += n;
	b = rte_zmalloc("tcp_blast", sizeof(*b), RTE_CACHE_LINE_SIZE);
	if (b == NULL)
		rte_exit(EXIT_FAILURE, "out of memory\n");
	parse_args(&b->cfg, argc, argv);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	b->hz = rte_get_tsc_hz();
	b->tsc_ms = b->hz / 1000;

	/* framing */
	if (b->cfg.octet && !b->cfg.udp)
		snprintf(octet_len, sizeof(octet_len), "%u ", b->cfg.msg_size);
	b->frame_len = b->cfg.msg_size;
	if (!b->cfg.udp) {
		if (b->cfg.octet)
			b->frame_len += (unsigned int)snprintf(NULL, 0, "%u ", b->cfg.msg_size);
		else
			b->frame_len += 1;
	}
	b->per_ip = (b->cfg.conns + b->cfg.n_ips - 1) / b->cfg.n_ips;
	if ((unsigned int)b->cfg.sport_base + b->per_ip > 65536)
		rte_exit(EXIT_FAILURE, "--sport %u + %u connections per address passes 65535\n",
			 b->cfg.sport_base, b->per_ip);

	b->conns = rte_zmalloc("conns", b->cfg.conns * sizeof(*b->conns), RTE_CACHE_LINE_SIZE);
	b->pool = rte_pktmbuf_pool_create("blast_pool", NB_MBUF, MBUF_CACHE, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (b->conns == NULL || b->pool == NULL)
		rte_exit(EXIT_FAILURE, "out of memory\n");
	memset(&b->peer_mac, 0xff, sizeof(b->peer_mac));
	port_init(b);

	for (ci = 0; ci < b->cfg.conns; ci++) {
		struct conn *c = &b->conns[ci];
		int l;

		c->ipidx = (uint8_t)(ci / b->per_ip);
		c->sport = (uint16_t)(b->cfg.sport_base + ci % b->per_ip);
		c->iss = (uint32_t)rnd(&(uint64_t){ 0x5eed0000ull + ci });
		c->snd_una = c->snd_nxt = c->snd_max = c->iss + 1;
		c->msgs_limit = b->cfg.msgs;
		c->rto_ms = RTO_MIN_MS;
		c->mss = b->cfg.mss;
		/* [LEN SP] <14>1 ... host-CONN app - - - seq=NNNNNNNNNN body [LF] */
		l = snprintf(c->prefix, sizeof(c->prefix), "%s<14>1 2026-11-23T10:00:00Z host-%05u app - - - seq=",
			     octet_len, ci);
		c->prefix_len = (uint8_t)l;
		if (ci == 0) {
			/* the body fills the message to --msg-size */
			unsigned int head = (unsigned int)l - (unsigned int)strlen(octet_len);

			if (b->cfg.msg_size < head + DIGITS + 8)
				rte_exit(EXIT_FAILURE, "--msg-size %u is too small\n", b->cfg.msg_size);
			b->body_len = b->cfg.msg_size - head - DIGITS;
		}
		c->ts = !b->cfg.udp;      /* the template of a --sink run */
		c->wscale = 0;
		c->snd_wnd = UINT32_MAX;
		conn_template(b, c);
	}
	make_bodies(b);

	inet_ntop(AF_INET, &b->cfg.dst_ip, dst, sizeof(dst));
	mode = b->cfg.udp ? "udp" : (b->cfg.octet ? "tcp-octet" : "tcp-lf");
	printf("tcp_blast: %s to %s:%u, %u connections from %u address(es), %u msgs/segment, %u-byte messages (%u framed)\n",
	       mode, dst, b->cfg.dport, b->cfg.conns, b->cfg.n_ips, b->cfg.udp ? 1 : b->cfg.k,
	       b->cfg.msg_size, b->frame_len);
	fflush(stdout);

	if (b->cfg.udp) {
		run_udp(b);
	} else {
		if (!b->cfg.sink) {
			if (handshake(b) != 0)
				rte_exit(EXIT_FAILURE, "no connection was established\n");
			for (ci = 0; ci < b->cfg.conns; ci++) {
				struct conn *c = &b->conns[ci];
				unsigned int opt = c->ts ? 12 : 0;

				if (c->state == CS_ESTAB && b->cfg.k * b->frame_len + opt > c->mss)
					rte_exit(EXIT_FAILURE, "%u x %u bytes do not fit the peer's MSS %u\n",
						 b->cfg.k, b->frame_len, c->mss - opt);
			}
		} else {
			for (ci = 0; ci < b->cfg.conns; ci++)
				b->conns[ci].state = CS_ESTAB;
		}
		run_tcp(b);
	}

	el = secs(b, b->t_start, b->t_last_ack);
	{
		unsigned int est = 0, done = 0, reset = 0;

		for (ci = 0; ci < b->cfg.conns; ci++) {
			const struct conn *c = &b->conns[ci];
			uint8_t s = c->state;

			if (!b->cfg.udp && !b->cfg.sink && s != CS_CLOSED && s != CS_SYN_SENT)
				b->msgs_acked += (c->snd_una - c->iss - 1 - (c->fin_acked ? 1 : 0)) /
						 b->frame_len;

			est += s == CS_ESTAB || s == CS_FIN_WAIT;
			done += s == CS_DONE;
			reset += s == CS_RESET;
		}
		if (!b->cfg.udp && !b->cfg.sink && (done != b->cfg.conns || b->msgs_acked != b->msgs_sent))
			fprintf(stderr, "tcp_blast: ERROR: %u of %u connections closed cleanly (%u still open, %u reset); %" PRIu64 " of %" PRIu64 " messages acknowledged\n",
				done, b->cfg.conns, est, reset, b->msgs_acked, b->msgs_sent);
		if (b->cfg.sink)
			b->msgs_acked = b->msgs_sent;
		printf("tcp_blast: acks_in=%" PRIu64 " dup_acks=%" PRIu64 " bad_acks=%" PRIu64 " zero_window=%" PRIu64 " probes=%" PRIu64 " fin_resend=%" PRIu64 " rx_other=%" PRIu64 " tx_dropped=%" PRIu64 "\n",
		       b->acks_in, b->dup_acks, b->bad_acks, b->zero_win_seen, b->probes, b->fin_resend,
		       b->rx_other, b->tx_full);
		printf("RESULT mode=%s conns=%u k=%u msgs=%" PRIu64 " acked=%" PRIu64 " bytes=%" PRIu64 " segs=%" PRIu64 " elapsed=%.3f msgs_per_s=%.0f retrans=%" PRIu64 " retrans_segs=%" PRIu64 " stalls=%" PRIu64 " rst=%" PRIu64 " closed=%u\n",
		       mode, b->cfg.conns, b->cfg.udp ? 1 : b->cfg.k, b->msgs_sent, b->msgs_acked,
		       b->bytes, b->segs, el, el > 0 ? (double)b->msgs_acked / el : 0.0,
		       b->retrans_events, b->retrans_segs, b->stalls, b->rst_in, done);
		fflush(stdout);
	}
	if (b->cfg.linger_s) {
		/* Keep the memif connection, idle, until the peer is done: a
		 * memif peer that disconnects while the other side polls its
		 * rings races with that side's unmapping of them. */
		sig_atomic_t seen = stop_req;
		unsigned int ms;

		printf("tcp_blast: holding the port until a signal (at most %u s)\n", b->cfg.linger_s);
		fflush(stdout);
		for (ms = 0; ms < b->cfg.linger_s * 1000u && stop_req == seen; ms += 10)
			rte_delay_us_sleep(10000);
	}
	rte_eth_dev_stop(b->cfg.port);
	rte_eth_dev_close(b->cfg.port);
	rte_eal_cleanup();
	return 0;
}

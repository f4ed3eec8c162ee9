/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the TCP stage (and the framing it drives).
 *
 * Each input runs one fresh stage (small limits, so caps, SYN cookies and
 * timers are reached) against four peers whose segments are built from the
 * input (tests/unit/tcp_test_util.h builds them exactly as decode hands
 * them over). Sequence and ACK numbers are offsets from each side's ISN
 * (the stage's is learned from its SYN-ACKs), so inputs reach the deep
 * states instead of bouncing off the window checks.
 *
 * Byte 0: bit 0 peers use IPv6, bit 1 802.1Q tag, bits 2-3 options in the
 * SYNs (all / MSS only / no timestamps / raw bytes from the input), bit 4
 * free the stage without draining it first, bit 5 the tx function takes at
 * most one packet per call.
 * Then operations, each an opcode byte: bits 0-2 the operation, bits 3-4
 * the peer, bits 5-6 an argument, bit 7 hand the burst so far to the stage.
 *   0 SYN       isn (4 bytes); arg: port (514, 6514, 515 closed, 514); the
 *               peer then talks to that port (it remembers each port's
 *               connection)
 *   1 data      offset from the peer's next byte (int16), length (2 bytes,
 *               % 1601), payload from the input (then a line pattern);
 *               arg bit 0 FIN, bit 1 a chained mbuf split (1 byte)
 *   2 ACK       arg: ack of the stage's ISN + 1, + 2 (its FIN), or raw (4 bytes)
 *   3 RST       offset from the peer's next byte (int16); arg bit 0 RST|ACK
 *   4 raw       flags, seq offset (int16), ack offset (int8), options
 *               (length byte % 41, raw bytes), payload (length byte)
 *   5 time      2 bytes x (1 us, 100 us, 10 ms, 1 s) by arg, run in 64 polls
 *   6 sink      arg: accept, refuse, accept (1 byte) more then refuse, accept
 *   7 drain     one sl_tcp_drain() call
 * Segments collect in a burst (at most SL_BURST) handed over by bit 7, a
 * time/sink/drain operation, or the end.
 *
 * Checked: every packet the stage sends parses (Ethernet from our MAC to
 * the peer's, IP and TCP checksums, options), carries no payload, and per
 * connection its ACK never goes back, the right edge of its window never
 * moves left and the window never exceeds the buffer; every message is
 * within max_msg and readable; after the input the stage drains (or is
 * freed holding data) and every mbuf is back in the pool.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "sl_common.h"
#include "sl_tcp.h"
#include "tcp_test_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_PEERS 4
#define FZ_MAX_MSG 256

/* What the stage told a peer about the connection to one of our ports. */
struct fz_side {
	bool have_iss, ts;
	uint32_t iss, ts_recent;
	int ws;
	bool have_edge;
	uint32_t ack, edge;
};

static const uint16_t fz_port[4] = { TT_PORT, TT_PORT2, TT_CLOSED, TT_PORT };

struct fz_peer {
	struct tt_addr a;      /* a.dport: the port it talks to now */
	uint32_t isn;          /* stream byte 0 is isn + 1 */
	uint32_t next;         /* stream offset of the next new byte */
	uint32_t tsval;
	struct fz_side side[3];  /* by port: 514, 6514, 515 */
};

static unsigned int
port_idx(uint16_t port)
{
	return port == TT_PORT ? 0 : port == TT_PORT2 ? 1 : 2;
}

/* The connection the peer talks on now. */
static struct fz_side *
cur(struct fz_peer *pr)
{
	return &pr->side[port_idx(pr->a.dport)];
}

static struct rte_mempool *pool;
static unsigned int pool_base;
static uint8_t ports[8192];
static struct fz_peer peers[FZ_PEERS];
static uint32_t rcvbuf_eff;
static uint8_t msgbuf[FZ_MAX_MSG];

/* Sink state. */
static int sink_mode;          /* 0 accept, 1 refuse, 2 budget */
static uint32_t sink_budget;
static uint64_t sink_sum;

/* Tx state. */
static unsigned int tx_limit;

static uint64_t now;
static bool print_ctr;   /* SL_FUZZ_COUNTERS=1: each input's counters (seed check) */
static bool trace;       /* SL_FUZZ_TRACE=1: every segment in and out (reproduction) */

struct fz_in {
	const uint8_t *p;
	size_t n;
};

static uint8_t
rd8(struct fz_in *in)
{
	uint8_t v;

	if (in->n == 0)
		return 0;
	v = *in->p++;
	in->n--;
	return v;
}

static uint16_t
rd16(struct fz_in *in)
{
	uint16_t v = rd8(in);

	return (uint16_t)(v << 8 | rd8(in));
}

static uint32_t
rd32(struct fz_in *in)
{
	uint32_t v = rd16(in);

	return v << 16 | rd16(in);
}

static int
fz_sink(void *arg, const struct sl_tcp_msg *m)
{
	(void)arg;
	if (sink_mode == 1 || (sink_mode == 2 && sink_budget == 0))
		return -EAGAIN;
	if (sink_mode == 2)
		sink_budget--;
	if (m->len > FZ_MAX_MSG || m->orig_len < m->len || m->src == NULL || m->dst == NULL) {
		fprintf(stderr, "sink: message len %u orig_len %u\n", m->len, m->orig_len);
		abort();
	}
	if (m->len) {
		memcpy(msgbuf, m->p, m->len);   /* every byte must be readable */
		sink_sum += msgbuf[m->len - 1] + m->len;
	}
	return 0;
}

static struct fz_peer *
peer_of(const struct tt_pkt *k)
{
	unsigned int i;

	for (i = 0; i < FZ_PEERS; i++)
		if (peers[i].a.sport == k->dport && peers[i].a.v6 == k->v6)
			return &peers[i];
	return NULL;
}

/* Check one packet the stage sent and learn from it. */
static void
fz_learn(const struct tt_pkt *k)
{
	struct fz_peer *pr = peer_of(k);
	struct fz_side *sd;
	uint32_t win, edge;

	if (pr == NULL || (k->sport != TT_PORT && k->sport != TT_PORT2 && k->sport != TT_CLOSED) ||
	    k->vlan != pr->a.vlan || memcmp(k->src.b, pr->a.dst.b, 16) != 0 ||
	    memcmp(k->dst.b, pr->a.src.b, 16) != 0) {
		fprintf(stderr, "tx: packet to no peer or addresses not swapped (%u -> %u)\n",
			k->sport, k->dport);
		abort();
	}
	sd = &pr->side[port_idx(k->sport)];
	if (k->flags & TT_RST) {
		sd->have_edge = false;
		return;
	}
	if ((k->flags & (TT_SYN | TT_ACK)) == (TT_SYN | TT_ACK)) {
		sd->have_iss = true;
		sd->iss = k->seq;
		sd->ts = k->ts;
		sd->ts_recent = k->tsval;
		sd->ws = k->ws >= 0 ? k->ws : 0;
		if (k->ws > 14)
			abort();
		sd->have_edge = true;
		sd->ack = k->ack;
		sd->edge = k->ack + k->win;
		return;
	}
	if (k->flags & TT_SYN)
		abort();   /* a SYN without ACK: we never open */
	if (k->ts)
		sd->ts_recent = k->tsval;
	if (!(k->flags & TT_ACK) || !sd->have_edge)
		return;
	win = (uint32_t)k->win << sd->ws;
	edge = k->ack + win;
	if (win > rcvbuf_eff + (1u << sd->ws)) {
		fprintf(stderr, "tx: window %u > buffer %u\n", win, rcvbuf_eff);
		abort();
	}
	if (TT_SEQ_LT(k->ack, sd->ack) || TT_SEQ_LT(edge + (1u << sd->ws) - 1, sd->edge)) {
		fprintf(stderr, "tx: %u -> %u: ack %u -> %u, right edge %u -> %u\n",
			pr->a.sport, k->sport, sd->ack, k->ack, sd->edge, edge);
		abort();
	}
	sd->ack = k->ack;
	sd->edge = edge;
}

static uint16_t
fz_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i, take = (uint16_t)RTE_MIN((unsigned int)n, tx_limit);
	struct tt_pkt k;
	char why[160];

	(void)arg;
	for (i = 0; i < take; i++) {
		if (tt_parse(pkts[i], &tt_our_mac, &k, why, sizeof(why)) != 0) {
			fprintf(stderr, "tx: bad packet: %s\n", why);
			abort();
		}
		if (k.plen != 0)
			abort();
		if (trace)
			fprintf(stderr, "  out %u->%u flags %#04x seq %u ack %u win %u ws %d sack %u ts %u/%u\n",
				k.sport, k.dport, k.flags, k.seq, k.ack, k.win, k.ws, k.nsack,
				k.tsval, k.tsecr);
		fz_learn(&k);
		rte_pktmbuf_free(pkts[i]);
	}
	return take;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char prefix[64];
	char *args[] = { (*argv)[0], "--no-pci", "--no-huge", "-m", "256",
		"--file-prefix", prefix, "-l", "0", "--log-level", "*:error", NULL };

	(void)argc;
	snprintf(prefix, sizeof(prefix), "sl-fuzz-tcp-%d", (int)getpid());
	if (rte_eal_init((int)SL_DIM(args) - 1, args) < 0)
		abort();
	pool = rte_pktmbuf_pool_create("fuzz_tcp_pool", 4095, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL)
		abort();
	pool_base = rte_mempool_in_use_count(pool);
	print_ctr = getenv("SL_FUZZ_COUNTERS") != NULL;
	trace = getenv("SL_FUZZ_TRACE") != NULL;
	ports[TT_PORT >> 3] |= 1u << (TT_PORT & 7);
	ports[TT_PORT2 >> 3] |= 1u << (TT_PORT2 & 7);
	return 0;
}

/* Options of a SYN by configuration mode. */
static struct tt_opts
syn_opts(struct fz_peer *pr, unsigned int mode, struct fz_in *in, uint8_t *raw)
{
	struct tt_opts o = tt_no_opts();

	switch (mode) {
	case 0:
		o.mss = 1460;
		o.ws = 7;
		o.sackok = true;
		o.ts = true;
		o.tsval = pr->tsval;
		break;
	case 1:
		o.mss = 536;
		break;
	case 2:
		o.mss = 1400;
		o.ws = 2;
		o.sackok = true;
		break;
	default:
		o.rawlen = rd8(in) % 41;
		for (unsigned int i = 0; i < o.rawlen; i++)
			raw[i] = rd8(in);
		o.raw = raw;
		break;
	}
	return o;
}

/* Options of a later segment: the timestamp when the stage agreed to them. */
static struct tt_opts
seg_opts(struct fz_peer *pr)
{
	struct tt_opts o = tt_no_opts();

	if (cur(pr)->ts) {
		o.ts = true;
		o.tsval = ++pr->tsval;
		o.tsecr = cur(pr)->ts_recent;
	}
	return o;
}

static void
flush(struct sl_tcp *t, struct sl_dgram *burst, unsigned int *n)
{
	unsigned int i;

	for (i = 0; trace && i < *n; i++) {
		const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(burst[i].m,
			const struct rte_tcp_hdr *, burst[i].off);

		fprintf(stderr, "in  %u->%u flags %#04x seq %u ack %u len %u (t=%" PRIu64 " us)\n",
			burst[i].sport, burst[i].dport, th->tcp_flags, ntohl(th->sent_seq),
			ntohl(th->recv_ack), burst[i].len - (th->data_off >> 4) * 4,
			(uint64_t)((now - 1000ull * TT_HZ) / 1000));
	}
	if (*n)
		sl_tcp_input(t, burst, (uint16_t)*n, now);
	*n = 0;
}

static void
fill_payload(uint8_t *pay, uint32_t len, struct fz_in *in)
{
	static const char pat[] = "<13>fuzz line\n";
	uint32_t i, from_in = (uint32_t)RTE_MIN((size_t)len, in->n);

	memcpy(pay, in->p, from_in);
	in->p += from_in;
	in->n -= from_in;
	for (i = from_in; i < len; i++)
		pay[i] = (uint8_t)pat[i % (sizeof(pat) - 1)];
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pay[2048], raw[48];
	struct sl_dgram burst[SL_BURST];
	struct sl_tcp_params p;
	struct sl_tcp_gauges g;
	struct sl_tcp *t;
	struct fz_in in = { data, size };
	unsigned int nb = 0, i, mode;
	uint8_t cfg;

	if (size < 1)
		return 0;
	cfg = rd8(&in);
	mode = (cfg >> 2) & 3;
	now = 1000ull * TT_HZ;   /* every input from the same clock: reproducible */
	memset(&p, 0, sizeof(p));
	p.ports = ports;
	p.mac = tt_our_mac;
	p.pool = pool;
	p.max_conns = 6;             /* 4 peers x 2 ports can exceed it */
	p.max_halfopen = 2;
	p.rcvbuf = 16384;                  /* raised to max_msg + 64 KiB */
	p.mem_cap = 48 * RTE_MBUF_DEFAULT_BUF_SIZE;
	p.ooo_max = 4;
	p.idle_ms = 2000;
	p.delack_us = 2000;
	p.halfopen_ms = 1000;
	p.tsc_hz = TT_HZ;
	p.framing.max_msg = FZ_MAX_MSG;
	p.secret[0] = 0x0123456789abcdefull;
	p.secret[1] = 0x0f1e2d3c4b5a6978ull;
	p.sink = fz_sink;
	p.tx = fz_tx;
	p.socket_id = SOCKET_ID_ANY;
	rcvbuf_eff = FZ_MAX_MSG + 65536;
	sink_mode = 0;
	tx_limit = (cfg & 0x20) ? 1 : UINT32_MAX;
	memset(peers, 0, sizeof(peers));
	for (i = 0; i < FZ_PEERS; i++) {
		struct fz_peer *pr = &peers[i];

		pr->a.v6 = cfg & 1;
		pr->a.vlan = (cfg & 2) ? 100 : 0;
		sl_ip_parse(&pr->a.src, pr->a.v6 ? TT_PEER6 : TT_PEER4);
		sl_ip_parse(&pr->a.dst, pr->a.v6 ? TT_OURS6 : TT_OURS4);
		pr->a.sport = (uint16_t)(40000 + i);
		pr->a.dport = TT_PORT;
		pr->isn = 1000u * i;
		pr->tsval = 100;
	}
	t = sl_tcp_create(&p);
	if (t == NULL)
		abort();

	while (in.n > 0) {
		uint8_t op = rd8(&in), arg = (op >> 5) & 3;
		struct fz_peer *pr = &peers[(op >> 3) & 3];
		struct sl_dgram *dg = &burst[nb];
		struct tt_opts o;
		int built = -1;

		switch (op & 7) {
		case 0: {
			pr->isn = rd32(&in);
			pr->next = 0;
			pr->a.dport = fz_port[arg];
			o = syn_opts(pr, mode, &in, raw);
			built = tt_build(dg, pool, &pr->a, TT_SYN, pr->isn, 0, 65535, &o, NULL, 0, 0);
			break;
		}
		case 1: {
			uint32_t off = pr->next + (uint32_t)(int32_t)(int16_t)rd16(&in);
			uint32_t len = rd16(&in) % 1601, chain = 0;

			if (arg & 2)
				chain = 14 + 20 + 20 + rd8(&in);
			fill_payload(pay, len, &in);
			o = seg_opts(pr);
			built = tt_build(dg, pool, &pr->a,
					 (uint8_t)(TT_ACK | TT_PSH | ((arg & 1) ? TT_FIN : 0)),
					 pr->isn + 1 + off, cur(pr)->iss + 1, 65535, &o, pay, len, chain);
			if (TT_SEQ_LT(pr->next, off + len))
				pr->next = off + len;
			break;
		}
		case 2: {
			uint32_t ack = arg == 3 ? rd32(&in) : cur(pr)->iss + 1 + (arg == 1);

			o = seg_opts(pr);
			built = tt_build(dg, pool, &pr->a, TT_ACK, pr->isn + 1 + pr->next, ack,
					 65535, &o, NULL, 0, 0);
			break;
		}
		case 3: {
			uint32_t off = pr->next + (uint32_t)(int32_t)(int16_t)rd16(&in);

			o = seg_opts(pr);
			built = tt_build(dg, pool, &pr->a,
					 (uint8_t)(TT_RST | ((arg & 1) ? TT_ACK : 0)),
					 pr->isn + 1 + off, cur(pr)->iss + 1, 0, &o, NULL, 0, 0);
			break;
		}
		case 4: {
			uint8_t fl = rd8(&in);
			uint32_t off = pr->next + (uint32_t)(int32_t)(int16_t)rd16(&in);
			uint32_t ack = cur(pr)->iss + 1 + (uint32_t)(int32_t)(int8_t)rd8(&in);
			uint32_t len;

			o = tt_no_opts();
			o.rawlen = rd8(&in) % 41;
			for (i = 0; i < o.rawlen; i++)
				raw[i] = rd8(&in);
			o.raw = raw;
			len = rd8(&in);
			fill_payload(pay, len, &in);
			built = tt_build(dg, pool, &pr->a, fl, pr->isn + 1 + off, ack,
					 rd16(&in), &o, pay, len, 0);
			break;
		}
		case 5: {
			static const uint64_t unit[4] = { 1000, 100000, 10000000, 1000000000 };
			uint64_t dt = (uint64_t)rd16(&in) * unit[arg];

			flush(t, burst, &nb);
			if (trace)
				fprintf(stderr, "time +%" PRIu64 " us\n", dt / 1000);
			for (i = 0; i < 64; i++) {
				now += dt / 64 + 1;
				sl_tcp_poll(t, now);
			}
			break;
		}
		case 6:
			flush(t, burst, &nb);
			if (trace)
				fprintf(stderr, "sink mode %u\n", arg);
			sink_mode = arg == 3 ? 0 : arg;
			if (arg == 2)
				sink_budget = rd8(&in);
			sl_tcp_poll(t, now);
			break;
		default:
			flush(t, burst, &nb);
			if (trace)
				fprintf(stderr, "drain\n");
			sl_tcp_drain(t, now);
			break;
		}
		if (built == 0 && (rte_pktmbuf_mtod_offset(dg->m, const struct rte_tcp_hdr *,
							   dg->off)->tcp_flags & TT_SYN))
			cur(pr)->have_edge = false;  /* maybe a new connection: its SYN-ACK may be lost */
		if (built == 0)
			nb++;
		else if ((op & 7) < 5)
			abort();   /* out of mbufs: a leak */
		if (nb == SL_BURST || (op & 0x80))
			flush(t, burst, &nb);
	}
	flush(t, burst, &nb);

	if (!(cfg & 0x10)) {
		/* Shutdown: everything held is delivered, every connection reset. */
		sink_mode = 0;
		tx_limit = UINT32_MAX;
		for (i = 0; i < 8 && sl_tcp_drain(t, now) != 0; i++)
			now += TT_MS(1);
		if (i == 8) {
			fprintf(stderr, "drain does not finish with an accepting sink\n");
			abort();
		}
		sl_tcp_gauges(t, &g);
		if (g.conns || g.halfopen || g.blocked || g.held_mbufs || g.held_bytes) {
			fprintf(stderr, "after drain: conns %u halfopen %u blocked %u mbufs %u\n",
				g.conns, g.halfopen, g.blocked, g.held_mbufs);
			abort();
		}
	}
	sl_tcp_gauges(t, &g);
	if (g.halfopen > g.conns || g.blocked > g.conns || g.zero_window > g.conns ||
	    g.conns > p.max_conns || g.held_bytes > p.mem_cap) {
		fprintf(stderr, "gauges: conns %u halfopen %u blocked %u zero_window %u bytes %lu\n",
			g.conns, g.halfopen, g.blocked, g.zero_window, (unsigned long)g.held_bytes);
		abort();
	}
	if (print_ctr) {
		struct sl_ctr_set cs = sl_tcp_counters(t), fs = sl_tcp_framing_counters(t);

		cs.instance = fs.instance = "input";
		sl_ctr_print(stderr, &cs, 0);
		sl_ctr_print(stderr, &fs, 0);
	}
	sl_tcp_free(t);
	if (rte_mempool_in_use_count(pool) != pool_base) {
		fprintf(stderr, "mbufs leaked: %u in use, %u before\n",
			rte_mempool_in_use_count(pool), pool_base);
		abort();
	}
	return 0;
}

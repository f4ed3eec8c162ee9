/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Hand-built frames for the decode and reassembly suites: Ethernet (+ VLAN
 * tags), IPv4 (+ options), IPv6 (+ extension headers), UDP with correct
 * checksums, fragments; and a decode handle listening on 10.0.0.1 and
 * fd00::1, UDP ports 514 and 5140.
 */
#ifndef DECODE_TEST_UTIL_H
#define DECODE_TEST_UTIL_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_udp.h>

#include "sl_decode.h"
#include "sl_test.h"

#define T_SRC4 "192.0.2.7"
#define T_DST4 "10.0.0.1"
#define T_SRC6 "2001:db8::7"
#define T_DST6 "fd00::1"

static struct rte_mempool *t_pool;
static uint8_t t_ports[8192];
static struct sl_prefix t_listen[2];
static const struct rte_ether_addr t_mac = { { 0x02, 0, 0, 0, 0, 0x01 } };
static const struct rte_ether_addr t_peer_mac = { { 0x02, 0, 0, 0, 0, 0x99 } };

static inline struct rte_mempool *
t_get_pool(void)
{
	if (t_pool == NULL)
		t_pool = rte_pktmbuf_pool_create("t_pool", 8191, 0, 0,
						 RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	return t_pool;
}

static inline void
t_set_port(uint16_t p)
{
	t_ports[p >> 3] |= (uint8_t)(1u << (p & 7));
}

/** Default parameters: listen on T_DST4 and T_DST6, ports 514 and 5140. */
static inline struct sl_decode_params
t_params(void)
{
	struct sl_decode_params p;

	memset(&p, 0, sizeof(p));
	sl_prefix_parse(&t_listen[0], T_DST4 "/24", NULL, 0);
	sl_prefix_parse(&t_listen[1], T_DST6 "/64", NULL, 0);
	t_set_port(514);
	t_set_port(5140);
	p.listen = t_listen;
	p.n_listen = 2;
	p.udp_ports = t_ports;
	p.mac = t_mac;
	p.frag_max_flows = 64;
	p.frag_max_per_flow = 64;
	p.frag_timeout_ms = 1000;
	p.socket_id = SOCKET_ID_ANY;
	return p;
}

/** A frame being built. */
struct t_frame {
	uint8_t b[9216];
	uint32_t len;
	uint32_t l3;     /* IP header offset */
};

/** Ethernet header with @p n_vlan tags (first tag TPID @p tpid, vids 100, 200, ...). */
static inline void
t_eth(struct t_frame *f, uint16_t type, unsigned int n_vlan, uint16_t tpid)
{
	unsigned int i;
	uint8_t *p = f->b;

	memcpy(p, t_mac.addr_bytes, 6);
	memcpy(p + 6, t_peer_mac.addr_bytes, 6);
	f->len = 12;
	for (i = 0; i < n_vlan; i++) {
		uint16_t tp = i == 0 ? tpid : RTE_ETHER_TYPE_VLAN;
		uint16_t vid = (uint16_t)(100 * (i + 1));

		p[f->len] = tp >> 8;
		p[f->len + 1] = tp & 0xff;
		p[f->len + 2] = vid >> 8;
		p[f->len + 3] = vid & 0xff;
		f->len += 4;
	}
	p[f->len] = type >> 8;
	p[f->len + 1] = type & 0xff;
	f->len += 2;
	f->l3 = f->len;
}

static inline uint32_t
t_ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static inline void
t_ip6(uint8_t *dst, const char *s)
{
	inet_pton(AF_INET6, s, dst);
}

/** IPv4 header at f->len with @p optlen bytes of options (NOPs, then EOL). */
static inline struct rte_ipv4_hdr *
t_ipv4(struct t_frame *f, const char *src, const char *dst, uint8_t proto,
       uint32_t payload_len, uint16_t id, uint16_t frag, unsigned int optlen)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f->b + f->len);
	uint32_t hl = 20 + optlen;

	memset(ip, 0, hl);
	ip->version_ihl = (uint8_t)(0x40 | (hl / 4));
	ip->total_length = htons((uint16_t)(hl + payload_len));
	ip->packet_id = htons(id);
	ip->fragment_offset = htons(frag);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = t_ip4(src);
	ip->dst_addr = t_ip4(dst);
	if (optlen)
		memset((uint8_t *)ip + 20, 1, optlen - 1);  /* NOP..., EOL */
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	f->len += hl;
	return ip;
}

/** IPv6 header at f->len; payload_len counts everything after it. */
static inline struct rte_ipv6_hdr *
t_ipv6(struct t_frame *f, const char *src, const char *dst, uint8_t nh,
       uint32_t payload_len)
{
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(f->b + f->len);

	memset(ip6, 0, sizeof(*ip6));
	ip6->vtc_flow = htonl(6u << 28);
	ip6->payload_len = htons((uint16_t)payload_len);
	ip6->proto = nh;
	ip6->hop_limits = 64;
	t_ip6(ip6->src_addr, src);
	t_ip6(ip6->dst_addr, dst);
	f->len += sizeof(*ip6);
	return ip6;
}

/** An 8-byte IPv6 option extension header (hop-by-hop or dest opts): PadN. */
static inline void
t_ext8(struct t_frame *f, uint8_t nh)
{
	uint8_t *p = f->b + f->len;

	p[0] = nh;
	p[1] = 0;
	p[2] = 1;  /* PadN */
	p[3] = 4;
	memset(p + 4, 0, 4);
	f->len += 8;
}

/* One's complement sum helpers for building checksums. */
static inline uint16_t
t_udp_cksum(const uint8_t *src, const uint8_t *dst, size_t alen,
	    const uint8_t *udp, uint32_t ulen)
{
	uint32_t tail[2] = { htonl(ulen), htonl(IPPROTO_UDP) };
	uint32_t s = 0;
	uint16_t c;

	s = __rte_raw_cksum(src, alen, s);
	s = __rte_raw_cksum(dst, alen, s);
	s = __rte_raw_cksum(tail, 8, s);
	s = __rte_raw_cksum(udp, ulen, s);
	c = (uint16_t)~__rte_raw_cksum_reduce(s);
	return c == 0 ? 0xffff : c;
}

/**
 * A UDP datagram (header + @p plen payload bytes) in @p out, checksummed for
 * the given addresses (alen 4 or 16, network order bytes).
 */
static inline uint32_t
t_udp_dgram(uint8_t *out, const uint8_t *src, const uint8_t *dst, size_t alen,
	    uint16_t sport, uint16_t dport, const uint8_t *payload, uint32_t plen)
{
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)out;

	u->src_port = htons(sport);
	u->dst_port = htons(dport);
	u->dgram_len = htons((uint16_t)(8 + plen));
	u->dgram_cksum = 0;
	memcpy(out + 8, payload, plen);
	u->dgram_cksum = t_udp_cksum(src, dst, alen, out, 8 + plen);
	return 8 + plen;
}

/** Payload pattern: byte i of datagram @p seed. */
static inline void
t_fill(uint8_t *p, uint32_t n, uint32_t seed)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + seed * 13 + (i >> 8));
}

/** Plain IPv4 UDP frame. Returns the UDP header offset. */
static inline uint32_t
t_udp4_frame(struct t_frame *f, const char *src, const char *dst, uint16_t sport,
	     uint16_t dport, const uint8_t *payload, uint32_t plen,
	     unsigned int n_vlan, unsigned int optlen)
{
	struct rte_ipv4_hdr *ip;
	uint32_t l4;

	t_eth(f, RTE_ETHER_TYPE_IPV4, n_vlan, RTE_ETHER_TYPE_VLAN);
	ip = t_ipv4(f, src, dst, IPPROTO_UDP, 8 + plen, 1, 0, optlen);
	l4 = f->len;
	f->len += t_udp_dgram(f->b + l4, (uint8_t *)&ip->src_addr,
			      (uint8_t *)&ip->dst_addr, 4, sport, dport, payload, plen);
	return l4;
}

/** Plain IPv6 UDP frame, optionally behind a hop-by-hop and a dest-opts header. */
static inline uint32_t
t_udp6_frame(struct t_frame *f, const char *src, const char *dst, uint16_t sport,
	     uint16_t dport, const uint8_t *payload, uint32_t plen, bool ext)
{
	struct rte_ipv6_hdr *ip6;
	uint32_t l4;

	t_eth(f, RTE_ETHER_TYPE_IPV6, 0, 0);
	ip6 = t_ipv6(f, src, dst, ext ? 0 : IPPROTO_UDP, (ext ? 16 : 0) + 8 + plen);
	if (ext) {
		t_ext8(f, 60);
		t_ext8(f, IPPROTO_UDP);
	}
	l4 = f->len;
	f->len += t_udp_dgram(f->b + l4, ip6->src_addr, ip6->dst_addr, 16,
			      sport, dport, payload, plen);
	return l4;
}

/** Copy @p len bytes into a new single-segment mbuf. */
static inline struct rte_mbuf *
t_mbuf(const void *data, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(t_get_pool());

	if (m == NULL)
		return NULL;
	if (rte_pktmbuf_append(m, (uint16_t)len) == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(rte_pktmbuf_mtod(m, void *), data, len);
	return m;
}

static inline struct rte_mbuf *
t_frame_mbuf(const struct t_frame *f)
{
	return t_mbuf(f->b, f->len);
}

/** One IPv4 fragment: @p len bytes of @p data, packet id @p id, @p frag = offset/8 | flags. */
static inline struct rte_mbuf *
t_frag4_mbuf(const char *src, const char *dst, uint8_t proto, const uint8_t *data,
	     uint32_t len, uint16_t id, uint16_t frag)
{
	struct t_frame f;

	t_eth(&f, RTE_ETHER_TYPE_IPV4, 0, 0);
	t_ipv4(&f, src, dst, proto, len, id, frag, 0);
	memcpy(f.b + f.len, data, len);
	f.len += len;
	return t_frame_mbuf(&f);
}

/** Frames of IPv4 fragments of UDP datagram @p dg (@p dglen bytes), @p fsz data bytes each. */
static inline unsigned int
t_frag4(struct rte_mbuf **out, unsigned int max, const uint8_t *dg, uint32_t dglen,
	uint32_t fsz, uint16_t id, const char *src, const char *dst)
{
	unsigned int n = 0;
	uint32_t off;

	for (off = 0; off < dglen && n < max; off += fsz) {
		uint32_t len = RTE_MIN(fsz, dglen - off);
		uint16_t fo = (uint16_t)(off / 8) | (off + len < dglen ? RTE_IPV4_HDR_MF_FLAG : 0);

		out[n++] = t_frag4_mbuf(src, dst, IPPROTO_UDP, dg + off, len, id, fo);
	}
	return n;
}

/** Frames of IPv6 fragments (fragment header right after the IPv6 header). */
static inline unsigned int
t_frag6(struct rte_mbuf **out, unsigned int max, const uint8_t *dg, uint32_t dglen,
	uint32_t fsz, uint32_t id, const char *src, const char *dst)
{
	unsigned int n = 0;
	uint32_t off;
	struct t_frame f;

	for (off = 0; off < dglen && n < max; off += fsz) {
		uint32_t len = RTE_MIN(fsz, dglen - off);
		uint16_t fo = (uint16_t)off | (off + len < dglen ? 1 : 0);
		uint8_t *fh;

		t_eth(&f, RTE_ETHER_TYPE_IPV6, 0, 0);
		t_ipv6(&f, src, dst, 44, 8 + len);
		fh = f.b + f.len;
		fh[0] = IPPROTO_UDP;
		fh[1] = 0;
		fh[2] = fo >> 8;
		fh[3] = fo & 0xff;
		id = htonl(id);
		memcpy(fh + 4, &id, 4);
		id = ntohl(id);
		f.len += 8;
		memcpy(f.b + f.len, dg + off, len);
		f.len += len;
		out[n++] = t_frame_mbuf(&f);
	}
	return n;
}

/** Copy @p len bytes at @p off of a chain into @p dst. */
static inline int
t_chain_read(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint8_t *dst)
{
	const void *p = rte_pktmbuf_read(m, off, len, dst);

	if (p == NULL)
		return -1;
	if (p != dst)
		memcpy(dst, p, len);
	return 0;
}

/** Most datagrams and replies one case collects. */
#define T_RUN_MAX 128

/** A decode handle under test, with what it delivered and sent back. */
struct t_run {
	struct sl_decode *d;
	struct sl_dgram out[T_RUN_MAX];
	struct rte_mbuf *tx[T_RUN_MAX];
	uint16_t n_out, n_tx;
	uint64_t now;           /**< TSC value passed to the decoder */
};

static inline int
t_run_open(struct t_run *r, const struct sl_decode_params *p)
{
	memset(r, 0, sizeof(*r));
	if (t_get_pool() == NULL)
		return -1;
	r->d = sl_decode_create(p);
	r->now = 1000000;
	return r->d ? 0 : -1;
}

/** Decode @p n frames at r->now, SL_BURST at a time, collecting outputs and replies. */
static inline void
t_run_feed(struct t_run *r, struct rte_mbuf **m, unsigned int n)
{
	unsigned int i = 0;

	do {
		uint16_t k = (uint16_t)RTE_MIN(n - i, (unsigned int)SL_BURST), ntx = 0;

		r->n_out += sl_decode_burst(r->d, m + i, k, r->now, r->out + r->n_out,
					    r->tx + r->n_tx, &ntx);
		r->n_tx += ntx;
		i += k;
	} while (i < n);
}

/** Free the outputs, the replies and the handle. */
static inline void
t_run_release(struct t_run *r)
{
	uint16_t i;

	for (i = 0; i < r->n_out; i++)
		rte_pktmbuf_free(r->out[i].m);
	for (i = 0; i < r->n_tx; i++)
		rte_pktmbuf_free(r->tx[i]);
	sl_decode_free(r->d);
}

/** Free everything; every mbuf must be back in the pool. */
static inline int
t_run_close(struct t_run *r)
{
	t_run_release(r);
	SL_ASSERT_EQ(rte_mempool_in_use_count(t_pool), 0);
	return 0;
}

/** Value of counter @p c. */
#define T_CTR(d, name) (sl_decode_counters(d).val[SL_DECODE_ ## name])

#endif /* DECODE_TEST_UTIL_H */

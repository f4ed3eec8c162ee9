/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decode hot path: Ethernet / VLAN / IPv4 / IPv6 / UDP.
 *
 * Headers up to and including the IP header (and IPv6 extension headers) must
 * lie in the first segment of the mbuf, as every PMD delivers them; length
 * checks use the whole packet, and the UDP header and checksum are read
 * across segments, so chained mbufs (scattered RX, reassembled datagrams)
 * decode as one packet.
 */
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_udp.h>

#include "sl_cksum.h"
#include "sl_record.h"
#include "decode_private.h"

/* What happened to a packet. */
enum verdict {
	V_DROP,   /* counted; the caller frees it */
	V_HELD,   /* taken by reassembly (held, or freed and counted there) */
	V_OUT,    /* datagram for ingestion */
	V_TX,     /* reply for the TX queue */
};

#define ETHER_TYPE_QINQ_OLD 0x9100
#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_DSTOPTS_ 60
#define IPPROTO_ICMPV6_ 58

/* Seed of the flow hash; fixed so that hashes are stable across runs. */
#define SL_FLOW_HASH_SEED 0x736c7563u

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

void
sl_decode_mbuf_cut(struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *seg = m;
	uint32_t left = len;
	uint16_t nb = 1;

	if (len >= m->pkt_len)
		return;
	while (left > seg->data_len) {
		left -= seg->data_len;
		seg = seg->next;
		nb++;
	}
	seg->data_len = (uint16_t)left;
	if (seg->next != NULL) {
		rte_pktmbuf_free(seg->next);
		seg->next = NULL;
	}
	m->pkt_len = len;
	m->nb_segs = nb;
}

/* One's complement sum of the UDP pseudo-header (RFC 768 / RFC 8200 8.1). */
static inline uint32_t
pseudo_sum(const void *src, const void *dst, size_t alen, uint32_t len, uint8_t proto)
{
	uint32_t tail[2] = { rte_cpu_to_be_32(len), rte_cpu_to_be_32(proto) };
	uint32_t s;

	s = __rte_raw_cksum(src, alen, 0);
	s = __rte_raw_cksum(dst, alen, s);
	return __rte_raw_cksum(tail, sizeof(tail), s);
}

/*
 * One's complement sum (reduced to 16 bits) of @p len bytes at @p off of a
 * possibly chained mbuf; -1 if the bytes are not there. Not
 * rte_raw_cksum_mbuf: in DPDK 22.11 it truncates the unreduced 32-bit sum of
 * a segment to 16 bits before byte-swapping it when the previous segments
 * held an odd number of bytes, losing the carries (found by fuzzing).
 */
static int
cksum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint32_t *sum)
{
	const struct rte_mbuf *seg = m;
	uint32_t s = 0, done = 0;

	if ((uint64_t)off + len > m->pkt_len)
		return -1;
	if (off + len <= m->data_len) {
		*sum = sl_cksum16(rte_pktmbuf_mtod_offset(m, const void *, off), len);
		return 0;
	}
	while (seg != NULL && off >= seg->data_len) {
		off -= seg->data_len;
		seg = seg->next;
	}
	while (done < len) {
		uint32_t n, t;

		if (seg == NULL)
			return -1;
		n = RTE_MIN((uint32_t)seg->data_len - off, len - done);
		t = sl_cksum16(rte_pktmbuf_mtod_offset(seg, const void *, off), n);
		if (done & 1)
			t = rte_bswap16((uint16_t)t);
		s += t;
		done += n;
		off = 0;
		seg = seg->next;
	}
	*sum = __rte_raw_cksum_reduce(s);
	return 0;
}

/*
 * Verify a UDP checksum over @p ulen bytes at @p l4_off of a possibly
 * chained mbuf. The DPDK helpers rte_ipv{4,6}_udptcp_cksum_mbuf_verify
 * take the length from the IP header and the protocol from the IPv6
 * header's next-header field, which is wrong with extension headers or when
 * the UDP length is shorter than the IP payload (and they use
 * rte_raw_cksum_mbuf, see above); the pseudo-header is built here.
 */
static inline bool
l4_cksum_ok(const struct rte_mbuf *m, uint32_t l4_off, uint32_t ulen,
	    const void *src, const void *dst, size_t alen, uint8_t proto)
{
	uint32_t raw, s;

	if (cksum_mbuf(m, l4_off, ulen, &raw) != 0)
		return false;
	s = __rte_raw_cksum_reduce(pseudo_sum(src, dst, alen, ulen, proto));
	s += raw;
	s = (s & 0xffff) + (s >> 16);
	return s == 0xffff;
}

/*
 * Flow hash: CRC32C (rte_hash_crc_*) seeded with SL_FLOW_HASH_SEED, over
 * src[0..7], src[8..15], dst[0..7], dst[8..15] as 64-bit little-endian
 * words, then the 32-bit word sport | dport << 16 (host order), then proto.
 * The same on every run and host (the SSE4.2 and table CRCs agree). The
 * words are loaded with memcpy: hashing a struct of mixed types through
 * rte_hash_crc's uint64_t loads breaks strict aliasing.
 */
static inline uint32_t
flow_hash(const struct sl_dgram *dg, uint8_t proto)
{
	uint32_t h = SL_FLOW_HASH_SEED;
	uint64_t w[4];

	memcpy(&w[0], dg->src.b, 16);
	memcpy(&w[2], dg->dst.b, 16);
	h = rte_hash_crc_8byte(w[0], h);
	h = rte_hash_crc_8byte(w[1], h);
	h = rte_hash_crc_8byte(w[2], h);
	h = rte_hash_crc_8byte(w[3], h);
	h = rte_hash_crc_4byte((uint32_t)dg->sport | (uint32_t)dg->dport << 16, h);
	return rte_hash_crc_4byte(proto, h);
}

static enum verdict
decode_udp(struct sl_decode *d, struct rte_mbuf *m, const struct sl_pkt_info *pi,
	   const struct sl_ip *src, const struct sl_ip *dst, struct sl_dgram *dg)
{
	struct rte_udp_hdr ubuf;
	const struct rte_udp_hdr *uh;
	uint32_t ulen;
	uint16_t dport;
	uint64_t l4f;

	if (unlikely(pi->l4_len < sizeof(*uh))) {
		DCTR(d, drop_bad_l4)++;
		return V_DROP;
	}
	uh = rte_pktmbuf_read(m, pi->l4_off, sizeof(*uh), &ubuf);
	if (unlikely(uh == NULL)) {
		DCTR(d, drop_bad_l4)++;
		return V_DROP;
	}
	ulen = rte_be_to_cpu_16(uh->dgram_len);
	if (unlikely(ulen < sizeof(*uh) || ulen > pi->l4_len)) {
		DCTR(d, drop_bad_l4)++;
		return V_DROP;
	}
	dport = rte_be_to_cpu_16(uh->dst_port);
	if (!(d->ports[dport >> 3] & (1u << (dport & 7)))) {
		DCTR(d, ignored_port)++;
		return V_DROP;
	}
	l4f = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	if (uh->dgram_cksum == 0) {
		/* "No checksum": allowed on IPv4 only (RFC 8200 8.1). */
		if (pi->flags & SL_REC_F_IPV6) {
			DCTR(d, drop_bad_l4_cksum)++;
			return V_DROP;
		}
	} else if (d->rx_cksum_offload && l4f == RTE_MBUF_F_RX_L4_CKSUM_BAD) {
		DCTR(d, drop_bad_l4_cksum)++;
		return V_DROP;
	} else if (!(d->rx_cksum_offload && l4f == RTE_MBUF_F_RX_L4_CKSUM_GOOD)) {
		bool ok = (pi->flags & SL_REC_F_IPV6) ?
			l4_cksum_ok(m, pi->l4_off, ulen, src->b, dst->b, 16, IPPROTO_UDP) :
			l4_cksum_ok(m, pi->l4_off, ulen, &src->b[12], &dst->b[12], 4, IPPROTO_UDP);

		if (!ok) {
			DCTR(d, drop_bad_l4_cksum)++;
			return V_DROP;
		}
	}
	dg->m = m;
	dg->proto = IPPROTO_UDP;
	dg->l2_len = (uint8_t)pi->l3_off;
	dg->off = pi->l4_off + sizeof(*uh);
	dg->len = ulen - sizeof(*uh);
	dg->src = *src;
	dg->dst = *dst;
	dg->sport = rte_be_to_cpu_16(uh->src_port);
	dg->dport = dport;
	dg->vlan = pi->vlan;
	dg->flags = pi->flags;
	dg->hash = flow_hash(dg, IPPROTO_UDP);
	DCTR(d, udp_dgrams)++;
	DCTR(d, udp_bytes) += dg->len;
	return V_OUT;
}

/* A TCP segment to one of our addresses: header length and checksum are
 * checked here, everything else is the TCP stage's. */
static enum verdict
decode_tcp(struct sl_decode *d, struct rte_mbuf *m, const struct sl_pkt_info *pi,
	   const struct sl_ip *src, const struct sl_ip *dst, struct sl_dgram *dg)
{
	uint8_t hb[20];
	const struct rte_tcp_hdr *th;
	uint64_t l4f;

	if (!d->tcp) {
		DCTR(d, ignored_proto)++;
		return V_DROP;
	}
	if (unlikely(pi->l4_len < sizeof(*th) ||
		     (th = rte_pktmbuf_read(m, pi->l4_off, sizeof(*th), hb)) == NULL ||
		     (uint32_t)(th->data_off >> 4) * 4 < sizeof(*th) ||
		     (uint32_t)(th->data_off >> 4) * 4 > pi->l4_len)) {
		DCTR(d, drop_bad_l4)++;
		return V_DROP;
	}
	l4f = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	if (d->rx_cksum_offload && l4f == RTE_MBUF_F_RX_L4_CKSUM_BAD) {
		DCTR(d, drop_bad_l4_cksum)++;
		return V_DROP;
	} else if (!(d->rx_cksum_offload && l4f == RTE_MBUF_F_RX_L4_CKSUM_GOOD)) {
		bool ok = (pi->flags & SL_REC_F_IPV6) ?
			l4_cksum_ok(m, pi->l4_off, pi->l4_len, src->b, dst->b, 16, IPPROTO_TCP) :
			l4_cksum_ok(m, pi->l4_off, pi->l4_len, &src->b[12], &dst->b[12], 4,
				    IPPROTO_TCP);

		if (!ok) {
			DCTR(d, drop_bad_l4_cksum)++;
			return V_DROP;
		}
	}
	dg->m = m;
	dg->proto = IPPROTO_TCP;
	dg->l2_len = (uint8_t)pi->l3_off;
	dg->off = pi->l4_off;
	dg->len = pi->l4_len;
	dg->src = *src;
	dg->dst = *dst;
	dg->sport = rte_be_to_cpu_16(th->src_port);
	dg->dport = rte_be_to_cpu_16(th->dst_port);
	dg->vlan = pi->vlan;
	dg->flags = pi->flags;
	dg->hash = flow_hash(dg, IPPROTO_TCP);
	DCTR(d, tcp_segs)++;
	return V_OUT;
}

static enum verdict decode_frame(struct sl_decode *d, struct rte_mbuf *m,
				 uint64_t now, struct sl_dgram *dg, uint16_t reasm);

/*
 * Hand a fragment to reassembly (only UDP is reassembled); decode the
 * datagram if it is now whole. The caller filled @p fd but for the family
 * independent fields set here.
 */
static enum verdict
reassemble(struct sl_decode *d, struct rte_mbuf *m, const struct sl_pkt_info *pi,
	   const struct sl_ip *src, const struct sl_ip *dst, struct sl_frag_desc *fd,
	   uint64_t now, struct sl_dgram *dg)
{
	struct rte_mbuf *whole;
	enum verdict v;

	if (pi->proto != IPPROTO_UDP) {
		DCTR(d, ignored_proto)++;
		return V_DROP;
	}
	memcpy(fd->src, src->b, 16);
	memcpy(fd->dst, dst->b, 16);
	fd->proto = pi->proto;
	DCTR(d, frags_in)++;
	whole = sl_frag_add(d->frag, m, fd, now);
	if (whole == NULL)
		return V_HELD;
	v = decode_frame(d, whole, now, dg, SL_REC_F_REASSEMBLED);
	if (v == V_DROP)
		rte_pktmbuf_free(whole);
	/* Only a UDP datagram is ever reassembled, so never V_TX. */
	return v == V_OUT ? V_OUT : V_HELD;
}

static enum verdict
decode_ipv4(struct sl_decode *d, struct rte_mbuf *m, struct sl_pkt_info *pi,
	    uint64_t now, struct sl_dgram *dg)
{
	struct rte_ipv4_hdr *ip;
	struct sl_ip src, dst;
	uint32_t off = pi->l3_off, ihl, tot;
	uint16_t fo;
	uint64_t ipf;

	if (unlikely(off + sizeof(*ip) > m->data_len)) {
		DCTR(d, drop_bad_ip)++;
		return V_DROP;
	}
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, off);
	ihl = (uint32_t)(ip->version_ihl & 0xf) * 4;
	tot = rte_be_to_cpu_16(ip->total_length);
	if (unlikely((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) ||
		     off + ihl > m->data_len || tot < ihl || off + tot > m->pkt_len)) {
		DCTR(d, drop_bad_ip)++;
		return V_DROP;
	}
	ipf = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	if (d->rx_cksum_offload && ipf == RTE_MBUF_F_RX_IP_CKSUM_BAD) {
		DCTR(d, drop_bad_ip_cksum)++;
		return V_DROP;
	}
	if (!(d->rx_cksum_offload && ipf == RTE_MBUF_F_RX_IP_CKSUM_GOOD) &&
	    rte_raw_cksum(ip, ihl) != 0xffff) {
		DCTR(d, drop_bad_ip_cksum)++;
		return V_DROP;
	}
	/* Ethernet pads short frames: the IP total length says where it ends. */
	if (m->pkt_len > off + tot)
		sl_decode_mbuf_cut(m, off + tot);

	pi->proto = ip->next_proto_id;
	pi->l4_off = off + ihl;
	pi->l4_len = tot - ihl;
	if (!sl_decode_is_local_v4(d, ip->dst_addr) &&
	    !(d->any_dst && pi->proto == IPPROTO_UDP)) {
		DCTR(d, ignored_not_local)++;
		return V_DROP;
	}
	sl_ip_from_v4(&src, ip->src_addr);
	sl_ip_from_v4(&dst, ip->dst_addr);

	fo = rte_be_to_cpu_16(ip->fragment_offset);
	if (fo & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) {
		struct sl_frag_desc fd;

		fd.id = ip->packet_id;
		fd.is_v6 = 0;
		fd.more = !!(fo & RTE_IPV4_HDR_MF_FLAG);
		fd.frag_off = (uint32_t)(fo & RTE_IPV4_HDR_OFFSET_MASK) * 8;
		fd.len = pi->l4_len;
		fd.data_off = pi->l4_off;
		fd.l3_off = off;
		fd.hdr_len = ihl;
		fd.fh_off = 0;
		fd.nh_off = 0;
		fd.nh_off_valid = 0;
		return reassemble(d, m, pi, &src, &dst, &fd, now, dg);
	}

	switch (pi->proto) {
	case IPPROTO_UDP:
		return decode_udp(d, m, pi, &src, &dst, dg);
	case IPPROTO_ICMP:
		return sl_decode_icmp4(d, m, pi) ? V_TX : V_DROP;
	case IPPROTO_TCP:
		return decode_tcp(d, m, pi, &src, &dst, dg);
	default:
		DCTR(d, ignored_proto)++;
		return V_DROP;
	}
}

/* ff02::1:ffXX:XXXX (RFC 4291 2.7.1) */
static inline bool
is_solicited_node(const uint8_t *a)
{
	static const uint8_t pfx[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					 0x01, 0xff };

	return memcmp(a, pfx, sizeof(pfx)) == 0;
}

static enum verdict
decode_ipv6(struct sl_decode *d, struct rte_mbuf *m, struct sl_pkt_info *pi,
	    uint64_t now, struct sl_dgram *dg)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	struct rte_ipv6_hdr *ip6;
	struct sl_ip src, dst;
	uint32_t off = pi->l3_off, plen, cur, end, nh_off, fh_off = 0;
	uint32_t dlen = m->data_len;
	uint8_t nh;
	bool local, frag = false;
	unsigned int n_ext = 0;

	if (unlikely(off + sizeof(*ip6) > dlen)) {
		DCTR(d, drop_bad_ip)++;
		return V_DROP;
	}
	ip6 = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, off);
	plen = rte_be_to_cpu_16(ip6->payload_len);
	/* plen 0 would be a jumbogram: not on Ethernet. */
	if (unlikely((p[off] >> 4) != 6 || plen == 0 ||
		     off + sizeof(*ip6) + plen > m->pkt_len)) {
		DCTR(d, drop_bad_ip)++;
		return V_DROP;
	}
	cur = off + sizeof(*ip6);
	end = cur + plen;
	if (m->pkt_len > end)
		sl_decode_mbuf_cut(m, end);

	nh = ip6->proto;
	nh_off = off + offsetof(struct rte_ipv6_hdr, proto);
	for (;;) {
		uint32_t hl;

		if (nh != IPPROTO_HOPOPTS_ && nh != IPPROTO_ROUTING_ &&
		    nh != IPPROTO_DSTOPTS_ && nh != IPPROTO_FRAGMENT_)
			break;
		if (unlikely(++n_ext > SL_DECODE_MAX_EXT_HDR ||
			     cur + 8 > end || cur + 8 > dlen)) {
			DCTR(d, drop_bad_ext_hdr)++;
			return V_DROP;
		}
		if (nh == IPPROTO_FRAGMENT_) {
			uint16_t fo = rd16(p + cur + 2);

			if ((fo & 0xfff9) != 0) {   /* offset or M set */
				frag = true;
				fh_off = cur;
				break;
			}
			/* Atomic fragment (RFC 6946): just skip the header. */
			hl = 8;
		} else {
			hl = ((uint32_t)p[cur + 1] + 1) * 8;
			if (unlikely(cur + hl > end || cur + hl > dlen)) {
				DCTR(d, drop_bad_ext_hdr)++;
				return V_DROP;
			}
		}
		nh_off = cur;
		nh = p[cur];
		cur += hl;
	}
	pi->n_ext = (uint8_t)n_ext;
	pi->proto = frag ? p[fh_off] : nh;
	pi->l4_off = cur;
	pi->l4_len = end - cur;
	pi->flags |= SL_REC_F_IPV6;

	local = sl_decode_is_local_v6(d, ip6->dst_addr);
	if (!local && !(d->any_dst && pi->proto == IPPROTO_UDP) &&
	    !(pi->proto == IPPROTO_ICMPV6_ && !frag && d->n_v6 > 0 &&
	      is_solicited_node(ip6->dst_addr))) {
		DCTR(d, ignored_not_local)++;
		return V_DROP;
	}
	memcpy(src.b, ip6->src_addr, 16);
	memcpy(dst.b, ip6->dst_addr, 16);

	if (frag) {
		struct sl_frag_desc fd;

		memcpy(&fd.id, p + fh_off + 4, 4);
		fd.is_v6 = 1;
		fd.more = p[fh_off + 3] & 1;
		fd.frag_off = rd16(p + fh_off + 2) & 0xfff8;
		fd.data_off = fh_off + 8;
		fd.len = end - fd.data_off;
		fd.l3_off = off;
		fd.hdr_len = fh_off - off;
		fd.fh_off = fh_off;
		fd.nh_off = nh_off;
		fd.nh_off_valid = 1;
		return reassemble(d, m, pi, &src, &dst, &fd, now, dg);
	}

	switch (pi->proto) {
	case IPPROTO_UDP:
		return decode_udp(d, m, pi, &src, &dst, dg);
	case IPPROTO_ICMPV6_:
		return sl_decode_icmp6(d, m, pi, local) ? V_TX : V_DROP;
	case IPPROTO_TCP:
		return decode_tcp(d, m, pi, &src, &dst, dg);
	default:
		DCTR(d, ignored_proto)++;
		return V_DROP;
	}
}

/*
 * Decode one frame. @p reasm is SL_REC_F_REASSEMBLED when @p m is a datagram
 * just rebuilt from fragments (it is then never a fragment itself).
 */
static enum verdict
decode_frame(struct sl_decode *d, struct rte_mbuf *m, uint64_t now,
	     struct sl_dgram *dg, uint16_t reasm)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	struct sl_pkt_info pi;
	uint32_t off = RTE_ETHER_HDR_LEN;
	uint16_t type;
	unsigned int k;

	if (unlikely(m->data_len < RTE_ETHER_HDR_LEN)) {
		DCTR(d, drop_bad_l2)++;
		return V_DROP;
	}
	pi.vlan = 0;
	pi.flags = reasm;
	pi.n_ext = 0;
	if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) {
		/* The NIC took the (outer) tag off. */
		pi.vlan = ((m->ol_flags & RTE_MBUF_F_RX_QINQ_STRIPPED) ?
			   m->vlan_tci_outer : m->vlan_tci) & 0xfff;
		pi.flags |= SL_REC_F_VLAN;
	}
	type = rd16(p + 12);
	for (k = 0; type == RTE_ETHER_TYPE_VLAN || type == RTE_ETHER_TYPE_QINQ ||
		    type == ETHER_TYPE_QINQ_OLD; k++) {
		if (unlikely(k == SL_DECODE_MAX_VLAN || off + 4 > m->data_len)) {
			DCTR(d, drop_bad_l2)++;
			return V_DROP;
		}
		if (!(pi.flags & SL_REC_F_VLAN)) {
			pi.vlan = rd16(p + off) & 0xfff;
			pi.flags |= SL_REC_F_VLAN;
		}
		type = rd16(p + off + 2);
		off += 4;
	}
	pi.l3_off = off;
	switch (type) {
	case RTE_ETHER_TYPE_IPV4:
		return decode_ipv4(d, m, &pi, now, dg);
	case RTE_ETHER_TYPE_IPV6:
		return decode_ipv6(d, m, &pi, now, dg);
	case RTE_ETHER_TYPE_ARP:
		return sl_decode_arp(d, m, off) ? V_TX : V_DROP;
	default:
		DCTR(d, ignored_l2)++;
		return V_DROP;
	}
}

#define PREFETCH_AHEAD 3

uint16_t
sl_decode_burst(struct sl_decode *d, struct rte_mbuf **pkts, uint16_t n,
		uint64_t now, struct sl_dgram *out,
		struct rte_mbuf **tx, uint16_t *n_tx)
{
	uint16_t i, nout = 0, ntx = 0;

	/* Bounded, oldest-first expiry: O(1) amortised per burst. */
	sl_frag_expire(d->frag, now, SL_FRAG_EXPIRE_BATCH);

	for (i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
		DCTR(d, rx_pkts)++;
		DCTR(d, rx_bytes) += m->pkt_len;
		switch (decode_frame(d, m, now, &out[nout], 0)) {
		case V_OUT:
			nout++;
			break;
		case V_TX:
			tx[ntx++] = m;
			break;
		case V_HELD:
			break;
		case V_DROP:
			rte_pktmbuf_free(m);
			break;
		}
	}
	*n_tx = ntx;
	return nout;
}

/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_pkt.h"

#define ETH_HLEN 14
#define VLAN_HLEN 4
#define IP4_HLEN 20
#define IP6_HLEN 40
#define FRAG6_HLEN 8
#define ETH_MIN_FRAME 60     /* without FCS: shorter frames are padded on the wire */
#define LINUX_TTL 64

uint64_t
gen_csum_add(uint64_t sum, const void *p, uint32_t len)
{
	const uint8_t *b = p;
	uint32_t w;

	/* 32-bit words into a 64-bit accumulator: no carry handling needed
	 * below 2^32 words. Summing in host order and storing the folded
	 * result in host order gives the network-order checksum (RFC 1071). */
	while (len >= 4) {
		memcpy(&w, b, 4);
		sum += w;
		b += 4;
		len -= 4;
	}
	if (len) {
		uint8_t t[4] = { 0, 0, 0, 0 };

		memcpy(t, b, len);
		memcpy(&w, t, 4);
		sum += w;
	}
	return sum;
}

uint16_t
gen_csum_fold(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
put16(uint8_t *p, uint16_t host)
{
	uint16_t v = htons(host);

	memcpy(p, &v, 2);
}

static void
put32(uint8_t *p, uint32_t host)
{
	uint32_t v = htonl(host);

	memcpy(p, &v, 4);
}

/* Ethernet header and tags; returns its length. */
static uint32_t
put_l2(uint8_t *h, const struct gen_net *n, const struct gen_flow *fl)
{
	uint32_t o = 12;

	memcpy(h, n->dst_mac, 6);
	memcpy(h + 6, fl->src_mac, 6);
	if (fl->ntags == 2) {
		put16(h + o, fl->tpid_outer);
		put16(h + o + 2, fl->tci[0]);
		put16(h + o + 4, 0x8100);
		put16(h + o + 6, fl->tci[1]);
		o += 8;
	} else if (fl->ntags == 1) {
		put16(h + o, 0x8100);
		put16(h + o + 2, fl->tci[0]);
		o += 4;
	}
	put16(h + o, fl->v6 ? 0x86dd : 0x0800);
	return o + 2;
}

static uint32_t
put_ip4(uint8_t *h, const struct gen_flow *fl, uint16_t id, uint16_t frag,
	uint32_t datalen)
{
	h[0] = 0x45;
	h[1] = 0;
	put16(h + 2, (uint16_t)(IP4_HLEN + datalen));
	put16(h + 4, id);
	put16(h + 6, frag);
	h[8] = LINUX_TTL;
	h[9] = 17;
	h[10] = h[11] = 0;
	memcpy(h + 12, &fl->src.b[12], 4);
	memcpy(h + 16, &fl->dst.b[12], 4);
	{
		uint16_t ck = gen_csum_fold(gen_csum_add(0, h, IP4_HLEN));

		memcpy(h + 10, &ck, 2);
	}
	return IP4_HLEN;
}

static uint32_t
put_ip6(uint8_t *h, const struct gen_flow *fl, uint8_t next, uint32_t plen)
{
	put32(h, 6u << 28 | fl->flowlabel);
	put16(h + 4, (uint16_t)plen);
	h[6] = next;
	h[7] = LINUX_TTL;
	memcpy(h + 8, fl->src.b, 16);
	memcpy(h + 24, fl->dst.b, 16);
	return IP6_HLEN;
}

static void
emit(struct gen_net *n, struct gen_file *out, const uint8_t *hdr, uint32_t hlen,
     const uint8_t *data, uint32_t dlen)
{
	static const uint8_t zero[ETH_MIN_FRAME];
	uint32_t len = hlen + dlen;

	if (len < ETH_MIN_FRAME) {
		/* What the receiver's NIC sees: the sender pads short frames,
		 * so the IP length, not the frame length, bounds the packet. */
		uint8_t frame[ETH_MIN_FRAME];

		memcpy(frame, hdr, hlen);
		memcpy(frame + hlen, data, dlen);
		memcpy(frame + len, zero, ETH_MIN_FRAME - len);
		gen_pcap_packet(out, n->nsec, n->ts_ns, frame, ETH_MIN_FRAME, NULL, 0);
		len = ETH_MIN_FRAME;
	} else {
		gen_pcap_packet(out, n->nsec, n->ts_ns, hdr, hlen, data, dlen);
	}
	n->ts_ns += n->gap_ns;
	n->packets++;
	n->wire_bytes += len;
}

void
gen_send(struct gen_net *n, struct gen_file *out, const struct gen_flow *fl,
	 uint8_t *dgram, uint32_t paylen)
{
	uint8_t hdr[ETH_HLEN + 2 * VLAN_HLEN + IP6_HLEN + FRAG6_HLEN];
	uint32_t len = GEN_UDP_HLEN + paylen;
	uint32_t l2, off, chunk;
	uint8_t pseudo[4] = { 0, 17, (uint8_t)(len >> 8), (uint8_t)len };
	uint64_t sum;
	uint16_t ck;

	/* UDP header and checksum over the whole datagram, before any
	 * fragmenting, as the sending stack computes it. */
	put16(dgram, fl->sport);
	put16(dgram + 2, fl->dport);
	put16(dgram + 4, (uint16_t)len);
	dgram[6] = dgram[7] = 0;
	sum = gen_csum_add(fl->pseudo_sum, pseudo, 4);
	sum = gen_csum_add(sum, dgram, len);
	ck = gen_csum_fold(sum);
	if (ck == 0)
		ck = 0xffff; /* 0 means "no checksum" on IPv4 and is illegal on IPv6 */
	memcpy(dgram + 6, &ck, 2);

	l2 = put_l2(hdr, n, fl);
	if (!fl->v6) {
		uint16_t id = n->ip4_id++;

		if (len <= n->mtu - IP4_HLEN) {
			/* Linux sets DF on UDP it does not have to fragment
			 * (path MTU discovery "want"). */
			put_ip4(hdr + l2, fl, id, 0x4000, len);
			emit(n, out, hdr, l2 + IP4_HLEN, dgram, len);
			return;
		}
		chunk = (n->mtu - IP4_HLEN) & ~7u;
		n->frag_dgrams++;
		for (off = 0; off < len; off += chunk) {
			uint32_t d = len - off < chunk ? len - off : chunk;
			uint16_t frag = (uint16_t)(off >> 3) | (off + d < len ? 0x2000 : 0);

			put_ip4(hdr + l2, fl, id, frag, d);
			emit(n, out, hdr, l2 + IP4_HLEN, dgram + off, d);
			n->frag_pkts++;
		}
		return;
	}
	if (len <= n->mtu - IP6_HLEN) {
		put_ip6(hdr + l2, fl, 17, len);
		emit(n, out, hdr, l2 + IP6_HLEN, dgram, len);
		return;
	}
	chunk = (n->mtu - IP6_HLEN - FRAG6_HLEN) & ~7u;
	n->frag_dgrams++;
	{
		uint32_t id = n->ip6_id++;
		uint8_t *fh = hdr + l2 + IP6_HLEN;

		for (off = 0; off < len; off += chunk) {
			uint32_t d = len - off < chunk ? len - off : chunk;

			put_ip6(hdr + l2, fl, 44, FRAG6_HLEN + d);
			fh[0] = 17;
			fh[1] = 0;
			put16(fh + 2, (uint16_t)(off | (off + d < len ? 1 : 0)));
			put32(fh + 4, id);
			emit(n, out, hdr, l2 + IP6_HLEN + FRAG6_HLEN, dgram + off, d);
			n->frag_pkts++;
		}
	}
}

/* ---- flows ---- */

static void
rand_in_prefix(struct sl_ip *ip, const struct sl_prefix *p, struct gen_rand *r)
{
	unsigned int bits = p->len + (p->is_v4 ? 96 : 0);
	unsigned int i;

	*ip = p->ip;
	for (i = bits; i < 128; i++) {
		uint8_t m = (uint8_t)(0x80 >> (i & 7));

		if (gen_rand_u64(r) & 1)
			ip->b[i / 8] |= m;
		else
			ip->b[i / 8] &= (uint8_t)~m;
	}
	if (!p->is_v4 && bits <= 64) {
		/* SLAAC-looking interface ids, never ::0 or ::1 */
		ip->b[15] |= 2;
	}
}

static bool
ip4_host_ok(const struct sl_ip *ip, const struct sl_prefix *p)
{
	uint32_t a = ntohl(sl_ip_v4(ip));
	uint32_t hostmask = p->len >= 32 ? 0 : 0xffffffffu >> p->len;

	if (p->len >= 31)
		return true;
	return (a & hostmask) != 0 && (a & hostmask) != hostmask;
}

/* Open-addressing set of tuple hashes, to keep flows distinct. */
static uint64_t
tuple_hash(const struct gen_flow *f)
{
	uint64_t h = 0x12345678abcdefull;
	unsigned int i;

	for (i = 0; i < 16; i++)
		h = (h ^ f->src.b[i]) * 0x100000001b3ull;
	for (i = 0; i < 16; i++)
		h = (h ^ f->dst.b[i]) * 0x100000001b3ull;
	h = (h ^ f->sport) * 0x100000001b3ull;
	h = (h ^ f->dport) * 0x100000001b3ull;
	return h | 1;
}

static bool
set_insert(uint64_t *set, uint64_t mask, uint64_t h)
{
	uint64_t i = h & mask;

	while (set[i]) {
		if (set[i] == h)
			return false;
		i = (i + 1) & mask;
	}
	set[i] = h;
	return true;
}

static void
flow_jprefix(struct gen_flow *f)
{
	char s[SL_IP_STRLEN], d[SL_IP_STRLEN];
	int n;

	sl_ip_format(&f->src, s, sizeof(s));
	sl_ip_format(&f->dst, d, sizeof(d));
	n = snprintf(f->jpre, sizeof(f->jpre),
		     "{\"src\":\"%s\",\"sport\":%u,\"dst\":\"%s\",\"dport\":%u,",
		     s, f->sport, d, f->dport);
	f->jpre_len = (uint16_t)n;
}

/* A random permutation of 0..n-1 (Fisher-Yates). */
static uint32_t *
shuffled(uint32_t n, struct gen_rand *r)
{
	uint32_t *a = malloc((size_t)n * sizeof(*a)), i;

	if (a == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		a[i] = i;
	for (i = n - 1; i > 0; i--) {
		uint32_t j = gen_rand_below(r, i + 1), t = a[i];

		a[i] = a[j];
		a[j] = t;
	}
	return a;
}

int
gen_flows_make(struct gen_flow *fl, const struct gen_flow_params *p,
	       struct gen_rand *r, char *err, size_t errlen)
{
	/* A site has a handful of VLANs, not 4094 of them. */
	static const uint16_t vlans[] = { 10, 20, 30, 100, 101, 200, 300, 1001, 2047, 4094 };
	static const uint16_t svlans[] = { 100, 200, 3000 };
	uint64_t cap = 1, mask, *set;
	uint32_t i;

	while (cap < 2ull * p->nflows + 16)
		cap <<= 1;
	mask = cap - 1;
	set = calloc(cap, sizeof(*set));
	if (set == NULL) {
		snprintf(err, errlen, "out of memory for %u flows", p->nflows);
		return -ENOMEM;
	}
	/* Exact shares: a random rank per flow for the family and another
	 * for the tagging, and the first N ranks get IPv6 / QinQ / 802.1Q. */
	uint32_t *rank6 = shuffled(p->nflows, r), *rankt = shuffled(p->nflows, r);
	uint32_t n6 = (uint32_t)(p->nflows * p->ipv6_pct / 100 + 0.5);
	uint32_t nq = (uint32_t)(p->nflows * p->qinq_pct / 100 + 0.5);
	uint32_t nv = (uint32_t)(p->nflows * (p->qinq_pct + p->vlan_pct) / 100 + 0.5);

	if (rank6 == NULL || rankt == NULL) {
		free(rank6);
		free(rankt);
		free(set);
		snprintf(err, errlen, "out of memory for %u flows", p->nflows);
		return -ENOMEM;
	}
	for (i = 0; i < p->nflows; i++) {
		struct gen_flow *f = &fl[i];
		unsigned int tries;

		memset(f, 0, sizeof(*f));
		f->v6 = rank6[i] < n6;
		for (tries = 0;; tries++) {
			if (tries > 1000) {
				free(rank6);
				free(rankt);
				free(set);
				snprintf(err, errlen,
					 "cannot make %u distinct flows from --src-net%s",
					 p->nflows, f->v6 ? "6" : "4");
				return -EINVAL;
			}
			if (f->v6) {
				rand_in_prefix(&f->src, &p->src6, r);
				f->dst = p->dst6;
			} else {
				do {
					rand_in_prefix(&f->src, &p->src4, r);
				} while (!ip4_host_ok(&f->src, &p->src4) && tries++ < 1000);
				f->dst = p->dst4;
			}
			/* Most senders use an ephemeral port; old syslogds
			 * and appliances send from 514. */
			f->sport = gen_rand_pct(r, 8) && tries < 100 ? 514 :
				(uint16_t)gen_rand_range(r, 32768, 60999);
			f->dport = p->dports[gen_rand_below(r, p->ndports)];
			if (memcmp(&f->src, &f->dst, sizeof(f->src)) == 0)
				continue;
			if (set_insert(set, mask, tuple_hash(f)))
				break;
		}
		if (rankt[i] < nq) {
			f->ntags = 2;
			/* 802.1ad S-tag mostly; some switches still stack 0x8100 */
			f->tpid_outer = gen_rand_pct(r, 75) ? 0x88a8 : 0x8100;
			f->tci[0] = GEN_PICK(r, svlans);
			f->tci[1] = GEN_PICK(r, vlans);
		} else if (rankt[i] < nv) {
			f->ntags = 1;
			f->tci[0] = GEN_PICK(r, vlans);
		}
		if (f->ntags && gen_rand_pct(r, 30))
			f->tci[0] |= (uint16_t)(gen_rand_range(r, 1, 7) << 13);
		f->src_mac[0] = 0x02; /* locally administered, unicast */
		{
			uint64_t m = gen_rand_u64(r);

			memcpy(&f->src_mac[1], &m, 5);
		}
		f->flowlabel = (uint32_t)gen_rand_u64(r) & 0xfffff;
		/* The pseudo-header addresses, summed once per flow (folded,
		 * not complemented, so it adds like any partial sum). */
		if (f->v6)
			f->pseudo_sum = (uint16_t)~gen_csum_fold(gen_csum_add(
				gen_csum_add(0, f->src.b, 16), f->dst.b, 16));
		else
			f->pseudo_sum = (uint16_t)~gen_csum_fold(gen_csum_add(
				gen_csum_add(0, &f->src.b[12], 4), &f->dst.b[12], 4));
		flow_jprefix(f);
	}
	free(rank6);
	free(rankt);
	free(set);
	return 0;
}

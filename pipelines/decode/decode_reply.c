/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Answers for the --listen addresses: ARP, IPv6 neighbour solicitation and
 * ICMP/ICMPv6 echo. Each reply is the request mbuf rewritten in place (VLAN
 * tags kept), so answering allocates nothing. Only single-segment requests
 * are answered; they are all small.
 */
#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "decode_private.h"

#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY   129
#define ND_NEIGHBOR_SOLICIT 135
#define ND_NEIGHBOR_ADVERT  136
#define ND_OPT_SOURCE_LL 1
#define ND_OPT_TARGET_LL 2
#define ND_NA_FLAG_SOLICITED 0x40000000u
#define ND_NA_FLAG_OVERRIDE  0x20000000u
#define NA_LEN 32  /* header 4 + flags 4 + target 16 + target LL option 8 */

/* Our MAC as source, @p dst as destination; RX offload flags cleared. */
static void
reply_l2(struct sl_decode *d, struct rte_mbuf *m, const struct rte_ether_addr *dst)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	uint64_t ol = m->ol_flags;

	eh->dst_addr = *dst;
	eh->src_addr = d->mac;
	m->ol_flags = 0;
	/* A tag the NIC stripped goes back on by TX offload (vlan_tci kept). */
	if (ol & RTE_MBUF_F_RX_QINQ_STRIPPED)
		m->ol_flags = RTE_MBUF_F_TX_QINQ;
	else if (ol & RTE_MBUF_F_RX_VLAN_STRIPPED)
		m->ol_flags = RTE_MBUF_F_TX_VLAN;
}

int
sl_decode_arp(struct sl_decode *d, struct rte_mbuf *m, uint32_t l3_off)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *a;
	struct rte_ether_addr req_src;
	uint32_t tip;

	if (l3_off + sizeof(*a) > m->data_len) {
		DCTR(d, drop_bad_arp)++;
		return 0;
	}
	a = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, l3_off);
	if (a->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    a->arp_hlen != RTE_ETHER_ADDR_LEN || a->arp_plen != 4) {
		DCTR(d, drop_bad_arp)++;
		return 0;
	}
	if (a->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST)) {
		DCTR(d, ignored_proto)++;
		return 0;
	}
	tip = a->arp_data.arp_tip;
	if (!sl_decode_is_local_v4(d, tip)) {
		DCTR(d, ignored_not_local)++;
		return 0;
	}
	req_src = eh->src_addr;
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	a->arp_data.arp_tha = a->arp_data.arp_sha;
	a->arp_data.arp_tip = a->arp_data.arp_sip;
	a->arp_data.arp_sha = d->mac;
	a->arp_data.arp_sip = tip;
	reply_l2(d, m, &req_src);
	DCTR(d, arp_replies)++;
	return 1;
}

int
sl_decode_icmp4(struct sl_decode *d, struct rte_mbuf *m, const struct sl_pkt_info *pi)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *ic;
	struct rte_ether_addr req_src;
	uint32_t a;
	uint16_t ck;

	if (m->nb_segs != 1 || pi->l4_off + pi->l4_len > m->data_len) {
		DCTR(d, ignored_proto)++;   /* multi-segment ping: not answered */
		return 0;
	}
	if (pi->l4_len < sizeof(*ic)) {
		DCTR(d, drop_bad_icmp)++;
		return 0;
	}
	ic = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, pi->l4_off);
	if (rte_raw_cksum(ic, pi->l4_len) != 0xffff) {
		DCTR(d, drop_bad_icmp)++;
		return 0;
	}
	if (ic->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || ic->icmp_code != 0) {
		DCTR(d, ignored_proto)++;
		return 0;
	}
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, pi->l3_off);
	a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	ic->icmp_cksum = 0;
	ck = (uint16_t)~rte_raw_cksum(ic, pi->l4_len);
	ic->icmp_cksum = ck;
	req_src = eh->src_addr;
	reply_l2(d, m, &req_src);
	DCTR(d, echo_replies)++;
	return 1;
}

/* ICMPv6 checksum field value for @p len bytes at @p ic. */
static uint16_t
icmp6_cksum(const struct rte_ipv6_hdr *ip6, const void *ic, uint32_t len)
{
	uint32_t tail[2] = { rte_cpu_to_be_32(len), rte_cpu_to_be_32(IPPROTO_ICMPV6) };
	uint32_t s;

	s = __rte_raw_cksum(ip6->src_addr, 32, 0);
	s = __rte_raw_cksum(tail, sizeof(tail), s);
	s = __rte_raw_cksum(ic, len, s);
	return (uint16_t)~__rte_raw_cksum_reduce(s);
}

static int
answer_ns(struct sl_decode *d, struct rte_mbuf *m, const struct sl_pkt_info *pi,
	  bool dst_local)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
	static const struct rte_ether_addr all_nodes_mac = {
		{ 0x33, 0x33, 0, 0, 0, 0x01 } };
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *,
							   pi->l3_off);
	uint8_t *ic = rte_pktmbuf_mtod_offset(m, uint8_t *, pi->l4_off);
	const uint8_t *target = ic + 8;
	struct rte_ether_addr to;
	const uint8_t *sll = NULL;
	uint32_t o, flags = ND_NA_FLAG_OVERRIDE;
	bool dad;
	static const uint8_t zero[16];

	if (ip6->hop_limits != 255 || ic[1] != 0 || pi->l4_len < 24) {
		DCTR(d, drop_bad_icmp)++;
		return 0;
	}
	for (o = 24; o < pi->l4_len; ) {
		uint32_t olen;

		if (o + 2 > pi->l4_len || ic[o + 1] == 0 ||
		    o + (olen = (uint32_t)ic[o + 1] * 8) > pi->l4_len) {
			DCTR(d, drop_bad_icmp)++;
			return 0;
		}
		if (ic[o] == ND_OPT_SOURCE_LL && olen >= 8)
			sll = ic + o + 2;
		o += olen;
	}
	dad = memcmp(ip6->src_addr, zero, 16) == 0;
	if (dad && sll != NULL) {   /* RFC 4861 7.1.1 */
		DCTR(d, drop_bad_icmp)++;
		return 0;
	}
	if (!sl_decode_is_local_v6(d, target)) {
		DCTR(d, ignored_not_local)++;
		return 0;
	}
	/* To us, or to the solicited-node group of the target. */
	if (!dst_local && memcmp(ip6->dst_addr + 13, target + 13, 3) != 0) {
		DCTR(d, ignored_not_local)++;
		return 0;
	}
	if (dad) {
		/* Duplicate address detection: answer all nodes, not solicited. */
		memcpy(ip6->dst_addr, all_nodes, 16);
		to = all_nodes_mac;
	} else {
		memcpy(ip6->dst_addr, ip6->src_addr, 16);
		if (sll != NULL)
			memcpy(to.addr_bytes, sll, RTE_ETHER_ADDR_LEN);
		else
			to = eh->src_addr;
		flags |= ND_NA_FLAG_SOLICITED;
	}
	/* The advertisement is NA_LEN bytes: grow or cut the request to fit. */
	if (pi->l4_len < NA_LEN) {
		if (rte_pktmbuf_append(m, NA_LEN - pi->l4_len) == NULL) {
			DCTR(d, drop_tx_full)++;
			return 0;
		}
	} else if (pi->l4_len > NA_LEN) {
		rte_pktmbuf_trim(m, (uint16_t)(pi->l4_len - NA_LEN));
	}
	memcpy(ip6->src_addr, target, 16);
	ip6->payload_len = rte_cpu_to_be_16(NA_LEN);
	ip6->hop_limits = 255;
	ic[0] = ND_NEIGHBOR_ADVERT;
	ic[1] = 0;
	ic[2] = ic[3] = 0;
	flags = rte_cpu_to_be_32(flags);
	memcpy(ic + 4, &flags, 4);
	/* target stays at ic + 8 */
	ic[24] = ND_OPT_TARGET_LL;
	ic[25] = 1;
	memcpy(ic + 26, d->mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	{
		uint16_t ck = icmp6_cksum(ip6, ic, NA_LEN);

		memcpy(ic + 2, &ck, 2);
	}
	reply_l2(d, m, &to);
	DCTR(d, nd_replies)++;
	return 1;
}

int
sl_decode_icmp6(struct sl_decode *d, struct rte_mbuf *m, const struct sl_pkt_info *pi,
		bool dst_local)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv6_hdr *ip6;
	struct rte_ether_addr req_src;
	uint8_t *ic, a[16];
	uint16_t ck;

	if (pi->n_ext != 0 || m->nb_segs != 1 ||
	    pi->l4_off + pi->l4_len > m->data_len) {
		DCTR(d, ignored_proto)++;   /* not answered: extension headers, multi-segment */
		return 0;
	}
	if (pi->l4_len < 4) {
		DCTR(d, drop_bad_icmp)++;
		return 0;
	}
	ip6 = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, pi->l3_off);
	ic = rte_pktmbuf_mtod_offset(m, uint8_t *, pi->l4_off);
	if (icmp6_cksum(ip6, ic, pi->l4_len) != 0) {
		DCTR(d, drop_bad_icmp)++;
		return 0;
	}
	if (ic[0] == ND_NEIGHBOR_SOLICIT)
		return answer_ns(d, m, pi, dst_local);
	if (ic[0] != ICMP6_ECHO_REQUEST || ic[1] != 0) {
		DCTR(d, ignored_proto)++;
		return 0;
	}
	if (!dst_local) {
		DCTR(d, ignored_not_local)++;
		return 0;
	}
	memcpy(a, ip6->src_addr, 16);
	memcpy(ip6->src_addr, ip6->dst_addr, 16);
	memcpy(ip6->dst_addr, a, 16);
	ip6->hop_limits = 64;
	ic[0] = ICMP6_ECHO_REPLY;
	ic[2] = ic[3] = 0;
	ck = icmp6_cksum(ip6, ic, pi->l4_len);
	memcpy(ic + 2, &ck, 2);
	req_src = eh->src_addr;
	reply_l2(d, m, &req_src);
	DCTR(d, echo_replies)++;
	return 1;
}

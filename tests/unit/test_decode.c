/* SPDX-License-Identifier: BSD-3-Clause */
/* Decode stage: each header type, malformed headers, filters, replies. */
#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_udp.h>

#include "sl_common.h"
#include "sl_record.h"
#include "sl_test.h"
#include "decode_test_util.h"

static const uint8_t msg[] = "<13>Nov 23 04:43:08 host app: hello decode";
#define MSGLEN ((uint32_t)sizeof(msg) - 1)
static const struct rte_ether_addr no_mac;  /* all zeros */

/* Decode @p n frames now, accumulating outputs and replies. */
static void
run_burst(struct t_run *r, struct rte_mbuf **m, uint16_t n)
{
	r->now = rte_rdtsc();
	t_run_feed(r, m, n);
}

static void
run_frame(struct t_run *r, const struct t_frame *f)
{
	struct rte_mbuf *m = t_frame_mbuf(f);

	run_burst(r, &m, 1);
}

static int
check_payload(const struct sl_dgram *dg, const uint8_t *exp, uint32_t len)
{
	static uint8_t buf[65536];

	SL_ASSERT_EQ(dg->len, len);
	SL_ASSERT(dg->off + dg->len <= dg->m->pkt_len);
	SL_ASSERT_EQ(t_chain_read(dg->m, dg->off, len, buf), 0);
	SL_ASSERT_MEM_EQ(buf, exp, len);
	return 0;
}

/* Decode @p f: exactly one datagram more, holding msg, right after the UDP header at @p l4. */
static int
expect_delivered(struct t_run *r, const struct t_frame *f, uint32_t l4)
{
	uint16_t k = r->n_out;

	run_frame(r, f);
	SL_ASSERT_EQ(r->n_out, k + 1);
	SL_ASSERT_EQ(r->out[k].off, l4 + 8);
	SL_ASSERT_EQ(check_payload(&r->out[k], msg, MSGLEN), 0);
	return 0;
}

static int
test_udp4_is_delivered_with_offset_length_addresses_ports(void)
{
	struct sl_decode_params p = t_params();
	struct t_frame f;
	struct t_run r;
	struct sl_ip a;
	uint32_t l4;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	l4 = t_udp4_frame(&f, T_SRC4, T_DST4, 40000, 514, msg, MSGLEN, 0, 0);
	SL_ASSERT_EQ(l4, 14 + 20);
	SL_ASSERT_EQ(expect_delivered(&r, &f, l4), 0);
	sl_ip_parse(&a, T_SRC4);
	SL_ASSERT_MEM_EQ(r.out[0].src.b, a.b, 16);
	sl_ip_parse(&a, T_DST4);
	SL_ASSERT_MEM_EQ(r.out[0].dst.b, a.b, 16);
	SL_ASSERT_EQ(r.out[0].sport, 40000);
	SL_ASSERT_EQ(r.out[0].dport, 514);
	SL_ASSERT_EQ(r.out[0].vlan, 0);
	SL_ASSERT_EQ(r.out[0].flags, 0);
	SL_ASSERT_EQ(T_CTR(r.d, udp_dgrams), 1);
	SL_ASSERT_EQ(T_CTR(r.d, udp_bytes), MSGLEN);
	SL_ASSERT_EQ(T_CTR(r.d, rx_pkts), 1);
	return t_run_close(&r);
}

static int
test_udp6_is_delivered_with_offset_length_addresses_ports(void)
{
	struct sl_decode_params p = t_params();
	struct t_frame f;
	struct t_run r;
	struct sl_ip a;
	uint32_t l4;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	l4 = t_udp6_frame(&f, T_SRC6, T_DST6, 40001, 5140, msg, MSGLEN, false);
	SL_ASSERT_EQ(l4, 14 + 40);
	SL_ASSERT_EQ(expect_delivered(&r, &f, l4), 0);
	sl_ip_parse(&a, T_SRC6);
	SL_ASSERT_MEM_EQ(r.out[0].src.b, a.b, 16);
	sl_ip_parse(&a, T_DST6);
	SL_ASSERT_MEM_EQ(r.out[0].dst.b, a.b, 16);
	SL_ASSERT_EQ(r.out[0].sport, 40001);
	SL_ASSERT_EQ(r.out[0].dport, 5140);
	SL_ASSERT_EQ(r.out[0].flags, SL_REC_F_IPV6);
	return t_run_close(&r);
}

static int
test_8021q_tag_gives_vlan_id_and_flag(void)
{
	struct sl_decode_params p = t_params();
	struct t_frame f;
	struct t_run r;
	uint32_t l4;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	l4 = t_udp4_frame(&f, T_SRC4, T_DST4, 1000, 514, msg, MSGLEN, 1, 0);
	SL_ASSERT_EQ(expect_delivered(&r, &f, l4), 0);
	SL_ASSERT_EQ(r.out[0].vlan, 100);
	SL_ASSERT_EQ(r.out[0].flags, SL_REC_F_VLAN);
	return t_run_close(&r);
}

static int
test_qinq_88a8_and_9100_give_outer_vlan_id(void)
{
	struct sl_decode_params p = t_params();
	struct t_frame f;
	struct t_run r;
	struct rte_ipv4_hdr *ip;
	uint16_t tpids[2] = { RTE_ETHER_TYPE_QINQ, 0x9100 };
	unsigned int i;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	for (i = 0; i < 2; i++) {
		t_eth(&f, RTE_ETHER_TYPE_IPV4, 2, tpids[i]);
		ip = t_ipv4(&f, T_SRC4, T_DST4, IPPROTO_UDP, 8 + MSGLEN, 1, 0, 0);
		f.len += t_udp_dgram(f.b + f.len, (uint8_t *)&ip->src_addr,
				     (uint8_t *)&ip->dst_addr, 4, 1000, 514, msg, MSGLEN);
		run_frame(&r, &f);
		SL_ASSERT_EQ(r.n_out, i + 1);
		SL_ASSERT_EQ(r.out[i].off, 14 + 8 + 20 + 8);
		SL_ASSERT_EQ(r.out[i].vlan, 100);
		SL_ASSERT_EQ(r.out[i].flags, SL_REC_F_VLAN);
	}
	return t_run_close(&r);
}

static int
test_ipv4_options_are_skipped(void)
{
	struct sl_decode_params p = t_params();
	struct t_frame f;
	struct t_run r;
	uint32_t l4;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	l4 = t_udp4_frame(&f, T_SRC4, T_DST4, 1000, 514, msg, MSGLEN, 0, 12);
	SL_ASSERT_EQ(l4, 14 + 32);
	SL_ASSERT_EQ(expect_delivered(&r, &f, l4), 0);
	return t_run_close(&r);
}

static int
test_ipv6_hop_by_hop_and_dest_opts_are_skipped(void)
{
	struct sl_decode_params p = t_params();
	struct t_frame f;
	struct t_run r;
	uint32_t l4;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	l4 = t_udp6_frame(&f, T_SRC6, T_DST6, 1000, 514, msg, MSGLEN, true);
	SL_ASSERT_EQ(l4, 14 + 40 + 16);
	SL_ASSERT_EQ(expect_delivered(&r, &f, l4), 0);
	return t_run_close(&r);
}

static int
test_ipv6_extension_chain_too_long_is_dropped(void)
{
	struct sl_decode_params p = t_params();
	struct t_frame f;
	struct t_run r;
	unsigned int i;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	t_eth(&f, RTE_ETHER_TYPE_IPV6, 0, 0);
	t_ipv6(&f, T_SRC6, T_DST6, 60, 10 * 8 + 8 + MSGLEN);
	for (i = 0; i < 10; i++)
		t_ext8(&f, i == 9 ? IPPROTO_UDP : 60);
	f.len += t_udp_dgram(f.b + f.len, f.b + 14 + 8, f.b + 14 + 24, 16, 1, 514,
			     msg, MSGLEN);
	run_frame(&r, &f);
	/* A header claiming more bytes than the packet has. */
	t_eth(&f, RTE_ETHER_TYPE_IPV6, 0, 0);
	t_ipv6(&f, T_SRC6, T_DST6, 0, 8);
	t_ext8(&f, IPPROTO_UDP);
	f.b[f.len - 7] = 3;  /* hdr ext len: 32 bytes */
	run_frame(&r, &f);
	SL_ASSERT_EQ(r.n_out, 0);
	SL_ASSERT_EQ(T_CTR(r.d, drop_bad_ext_hdr), 2);
	return t_run_close(&r);
}

static int
test_truncated_headers_are_counted_by_layer(void)
{
	struct sl_decode_params p = t_params();
	struct t_frame f;
	struct t_run r;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	/* Ethernet: 13 bytes. */
	t_udp4_frame(&f, T_SRC4, T_DST4, 1, 514, msg, MSGLEN, 0, 0);
	f.len = 13;
	run_frame(&r, &f);
	SL_ASSERT_EQ(T_CTR(r.d, drop_bad_l2), 1);
	/* VLAN tag cut after 2 bytes. */
	t_udp4_frame(&f, T_SRC4, T_DST4, 1, 514, msg, MSGLEN, 1, 0);
	f.len = 16;
	run_frame(&r, &f);
	SL_ASSERT_EQ(T_CTR(r.d, drop_bad_l2), 2);
	/* IPv4: 19 bytes of header. */
	t_udp4_frame(&f, T_SRC4, T_DST4, 1, 514, msg, MSGLEN, 0, 0);
	f.len = 14 + 19;
	run_frame(&r, &f);
	SL_ASSERT_EQ(T_CTR(r.d, drop_bad_ip), 1);
	/* IPv4: total length beyond the frame. */
	t_udp4_frame(&f, T_SRC4, T_DST4, 1, 514, msg, MSGLEN, 0, 0);
	f.len -= 1;
	run_frame(&r, &f);
	SL_ASSERT_EQ(T_CTR(r.d, drop_bad_ip), 2);
	/* IPv6: 39 bytes of header. */
	t_udp6_frame(&f, T_SRC6, T_DST6, 1, 514, msg, MSGLEN, false);
	f.len = 14 + 39;
	run_frame(&r, &f);
	SL_ASSERT_EQ(T_CTR(r.d, drop_bad_ip), 3);
	/* IPv4 with IHL 4. */
	t_udp4_frame(&f, T_SRC4, T_DST4, 1, 514, msg, MSGLEN, 0, 0);
	f.b[14] = 0x44;
	run_frame(&r, &f);
	SL_ASSERT_EQ(T_CTR(r.d, drop_bad_ip), 4);
	/* UDP: 7 bytes of header (IP length says 7). */
	t_eth(&f, RTE_ETHER_TYPE_IPV4, 0, 0);
	t_ipv4(&f, T_SRC4, T_DST4, IPPROTO_UDP, 7, 1, 0, 0);
	memset(f.b + f.len, 0, 7);
	f.len += 7;
	run_frame(&r, &f);
	SL_ASSERT_EQ(T_CTR(r.d, drop_bad_l4), 1);
	/* UDP length 7 (< 8). */
	t_udp4_frame(&f, T_SRC4, T_DST4, 1, 514, msg, MSGLEN, 0, 0);
	f.b[14 + 20 + 4] = 0;
	f.b[14 + 20 + 5] = 7;
	run_frame(&r, &f);
	SL_ASSERT_EQ(T_CTR(r.d, drop_bad_l4), 2);
	SL_ASSERT_EQ(r.n_out, 0);
	SL_ASSERT_EQ(T_CTR(r.d, rx_pkts), 8);
	return t_run_close(&r);
}

static int
test_ipv4_header_checksum_is_checked(void)
{
	struct sl_decode_params p = t_params();
	struct t_frame f;
	struct t_run r;
	struct rte_mbuf *m;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	t_udp4_frame(&f, T_SRC4, T_DST4, 1, 514, msg, MSGLEN, 0, 0);
	f.b[14 + 10] ^= 0x01;
	run_frame(&r, &f);
	SL_ASSERT_EQ(r.n_out, 0);
	SL_ASSERT_EQ(T_CTR(r.d, drop_bad_ip_cksum), 1);
	sl_decode_free(r.d);

	/* With offload the NIC's verdict is trusted, both ways. */
	p.rx_cksum_offload = true;
	r.d = sl_decode_create(&p);
	SL_ASSERT(r.d != NULL);
	m = t_frame_mbuf(&f);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	run_burst(&r, &m, 1);
	SL_ASSERT_EQ(r.n_out, 1);
	t_udp4_frame(&f, T_SRC4, T_DST4, 1, 514, msg, MSGLEN, 0, 0);
	m = t_frame_mbuf(&f);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
	run_burst(&r, &m, 1);
	SL_ASSERT_EQ(r.n_out, 1);
	SL_ASSERT_EQ(T_CTR(r.d, drop_bad_ip_cksum), 1);
	return t_run_close(&r);
}

static int
test_bad_udp_checksum_is_dropped_v4_and_v6(void)
{
	struct sl_decode_params p = t_params();
	struct t_frame f;
	struct t_run r;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	t_udp4_frame(&f, T_SRC4, T_DST4, 1, 514, msg, MSGLEN, 0, 0);
	f.b[f.len - 1] ^= 0x20;
	run_frame(&r, &f);
	t_udp6_frame(&f, T_SRC6, T_DST6, 1, 514, msg, MSGLEN, false);
	f.b[f.len - 1] ^= 0x20;
	run_frame(&r, &f);
	t_udp6_frame(&f, T_SRC6, T_DST6, 1, 514, msg, MSGLEN, true);
	f.b[f.len - 1] ^= 0x20;
	run_frame(&r, &f);
	SL_ASSERT_EQ(r.n_out, 0);
	SL_ASSERT_EQ(T_CTR(r.d, drop_bad_l4_cksum), 3);
	return t_run_close(&r);
}

static int
test_zero_udp_checksum_is_accepted_on_v4_dropped_on_v6(void)
{
	struct sl_decode_params p = t_params();
	struct t_frame f;
	struct t_run r;
	uint32_t l4;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	l4 = t_udp4_frame(&f, T_SRC4, T_DST4, 1, 514, msg, MSGLEN, 0, 0);
	f.b[l4 + 6] = f.b[l4 + 7] = 0;
	run_frame(&r, &f);
	SL_ASSERT_EQ(r.n_out, 1);
	l4 = t_udp6_frame(&f, T_SRC6, T_DST6, 1, 514, msg, MSGLEN, false);
	f.b[l4 + 6] = f.b[l4 + 7] = 0;
	run_frame(&r, &f);
	SL_ASSERT_EQ(r.n_out, 1);
	SL_ASSERT_EQ(T_CTR(r.d, drop_bad_l4_cksum), 1);
	return t_run_close(&r);
}

static int
test_nic_l4_checksum_verdict_is_trusted_with_offload(void)
{
	struct sl_decode_params p = t_params();
	struct t_frame f;
	struct t_run r;
	struct rte_mbuf *m;

	p.rx_cksum_offload = true;
	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	/* Wrong checksum but the NIC says good: accepted. */
	t_udp4_frame(&f, T_SRC4, T_DST4, 1, 514, msg, MSGLEN, 0, 0);
	f.b[f.len - 1] ^= 0x20;
	m = t_frame_mbuf(&f);
	m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	run_burst(&r, &m, 1);
	SL_ASSERT_EQ(r.n_out, 1);
	/* Right checksum but the NIC says bad: dropped. */
	t_udp6_frame(&f, T_SRC6, T_DST6, 1, 514, msg, MSGLEN, false);
	m = t_frame_mbuf(&f);
	m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_BAD;
	run_burst(&r, &m, 1);
	/* Unknown: checked in software. */
	t_udp6_frame(&f, T_SRC6, T_DST6, 1, 514, msg, MSGLEN, false);
	f.b[f.len - 1] ^= 0x20;
	run_frame(&r, &f);
	SL_ASSERT_EQ(r.n_out, 1);
	SL_ASSERT_EQ(T_CTR(r.d, drop_bad_l4_cksum), 2);
	return t_run_close(&r);
}

static int
test_udp_length_beyond_ip_payload_is_dropped(void)
{
	struct sl_decode_params p = t_params();
	struct t_frame f;
	struct t_run r;
	uint32_t l4;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	l4 = t_udp4_frame(&f, T_SRC4, T_DST4, 1, 514, msg, MSGLEN, 0, 0);
	f.b[l4 + 5] += 1;
	run_frame(&r, &f);
	l4 = t_udp6_frame(&f, T_SRC6, T_DST6, 1, 514, msg, MSGLEN, false);
	f.b[l4 + 5] += 1;
	run_frame(&r, &f);
	SL_ASSERT_EQ(r.n_out, 0);
	SL_ASSERT_EQ(T_CTR(r.d, drop_bad_l4), 2);
	return t_run_close(&r);
}

static int
test_ethernet_padding_is_trimmed(void)
{
	struct sl_decode_params p = t_params();
	struct t_frame f;
	struct t_run r;
	static const uint8_t tiny[] = "hi";

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	t_udp4_frame(&f, T_SRC4, T_DST4, 1, 514, tiny, 2, 0, 0);
	memset(f.b + f.len, 0xee, 60 - f.len);
	f.len = 60;
	run_frame(&r, &f);
	SL_ASSERT_EQ(r.n_out, 1);
	SL_ASSERT_EQ(r.out[0].len, 2);
	SL_ASSERT_EQ(r.out[0].m->pkt_len, 14 + 20 + 8 + 2);
	return t_run_close(&r);
}

static int
test_udp_to_address_not_listened_is_ignored(void)
{
	struct sl_decode_params p = t_params();
	struct t_frame f;
	struct t_run r;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	t_udp4_frame(&f, T_SRC4, "10.0.0.2", 1, 514, msg, MSGLEN, 0, 0);
	run_frame(&r, &f);
	t_udp6_frame(&f, T_SRC6, "fd00::2", 1, 514, msg, MSGLEN, false);
	run_frame(&r, &f);
	SL_ASSERT_EQ(r.n_out, 0);
	SL_ASSERT_EQ(T_CTR(r.d, ignored_not_local), 2);
	return t_run_close(&r);
}

static int
test_udp_to_port_not_listened_is_ignored(void)
{
	struct sl_decode_params p = t_params();
	struct t_frame f;
	struct t_run r;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	t_udp4_frame(&f, T_SRC4, T_DST4, 1, 515, msg, MSGLEN, 0, 0);
	run_frame(&r, &f);
	t_udp6_frame(&f, T_SRC6, T_DST6, 1, 513, msg, MSGLEN, false);
	run_frame(&r, &f);
	SL_ASSERT_EQ(r.n_out, 0);
	SL_ASSERT_EQ(T_CTR(r.d, ignored_port), 2);
	return t_run_close(&r);
}

/* An Ethernet/IPv4 ARP body with opcode @p op at the end of @p f. */
static void
arp_put(struct t_frame *f, uint16_t op, const struct rte_ether_addr *sha, const char *sip,
	const struct rte_ether_addr *tha, const char *tip)
{
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(f->b + f->len);

	a->arp_hardware = htons(1);
	a->arp_protocol = htons(0x0800);
	a->arp_hlen = 6;
	a->arp_plen = 4;
	a->arp_opcode = htons(op);
	a->arp_data.arp_sha = *sha;
	a->arp_data.arp_sip = t_ip4(sip);
	a->arp_data.arp_tha = *tha;
	a->arp_data.arp_tip = t_ip4(tip);
	f->len += sizeof(*a);
}

static int
test_no_listen_accepts_udp_to_any_address_answers_nothing(void)
{
	struct sl_decode_params p = t_params();
	struct t_frame f;
	struct t_run r;

	p.n_listen = 0;
	p.listen = NULL;
	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	t_udp4_frame(&f, T_SRC4, "198.51.100.9", 1, 514, msg, MSGLEN, 0, 0);
	run_frame(&r, &f);
	t_udp6_frame(&f, T_SRC6, "2001:db8::99", 1, 514, msg, MSGLEN, false);
	run_frame(&r, &f);
	SL_ASSERT_EQ(r.n_out, 2);
	t_eth(&f, RTE_ETHER_TYPE_ARP, 0, 0);
	arp_put(&f, 1, &no_mac, "0.0.0.0", &no_mac, T_DST4);
	run_frame(&r, &f);
	SL_ASSERT_EQ(r.n_tx, 0);
	SL_ASSERT_EQ(T_CTR(r.d, ignored_not_local), 1);
	return t_run_close(&r);
}

static int
test_other_ethertypes_and_protocols_are_counted(void)
{
	struct sl_decode_params p = t_params();
	struct t_frame f;
	struct t_run r;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	t_eth(&f, 0x88cc, 0, 0);  /* LLDP */
	memset(f.b + f.len, 0, 46);
	f.len += 46;
	run_frame(&r, &f);
	SL_ASSERT_EQ(T_CTR(r.d, ignored_l2), 1);
	t_eth(&f, RTE_ETHER_TYPE_IPV4, 0, 0);
	t_ipv4(&f, T_SRC4, T_DST4, IPPROTO_TCP, 20, 1, 0, 0);
	memset(f.b + f.len, 0, 20);
	f.len += 20;
	run_frame(&r, &f);
	SL_ASSERT_EQ(T_CTR(r.d, ignored_proto), 1);
	SL_ASSERT_EQ(r.n_out + r.n_tx, 0);
	return t_run_close(&r);
}

/* A TCP segment (header with @p doff words, @p plen payload bytes) in a
 * frame, checksummed unless @p bad. */
static void
tcp_frame(struct t_frame *f, bool v6, unsigned int n_vlan, uint8_t doff, uint32_t plen,
	  bool bad)
{
	uint32_t tl = (uint32_t)doff * 4 + plen, s = 0;
	uint8_t src[16], dst[16], *th;
	size_t alen = v6 ? 16 : 4;
	uint32_t tail[2] = { htonl(tl), htonl(IPPROTO_TCP) };
	uint16_t ck;

	t_eth(f, v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4, n_vlan, RTE_ETHER_TYPE_VLAN);
	if (v6) {
		t_ipv6(f, T_SRC6, T_DST6, IPPROTO_TCP, tl);
		t_ip6(src, T_SRC6);
		t_ip6(dst, T_DST6);
	} else {
		uint32_t a = t_ip4(T_SRC4), b = t_ip4(T_DST4);

		t_ipv4(f, T_SRC4, T_DST4, IPPROTO_TCP, tl, 1, 0, 0);
		memcpy(src, &a, 4);
		memcpy(dst, &b, 4);
	}
	th = f->b + f->len;
	memset(th, 0, tl);
	th[0] = 0x9c; th[1] = 0x40;  /* 40000 */
	th[2] = 0x02; th[3] = 0x02;  /* 514 */
	th[12] = (uint8_t)(doff << 4);
	th[13] = 0x18;               /* PSH ACK */
	memset(th + (uint32_t)doff * 4, 'x', plen);
	s = __rte_raw_cksum(src, alen, s);
	s = __rte_raw_cksum(dst, alen, s);
	s = __rte_raw_cksum(tail, 8, s);
	s = __rte_raw_cksum(th, tl, s);
	ck = (uint16_t)~__rte_raw_cksum_reduce(s);
	if (bad)
		ck ^= 0x0101;
	memcpy(th + 16, &ck, 2);
	f->len += tl;
}

/* With a TCP stage, segments to our addresses are handed on: header offset,
 * length, L2 length, ports; bad checksums and header lengths are dropped. */
static int
test_tcp_segments_are_handed_on(void)
{
	struct sl_decode_params p = t_params();
	struct t_frame f;
	struct t_run r;

	p.tcp = true;
	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	tcp_frame(&f, false, 0, 5, 100, false);
	run_frame(&r, &f);
	tcp_frame(&f, true, 1, 8, 0, false);
	run_frame(&r, &f);
	SL_ASSERT_EQ(r.n_out, 2);
	SL_ASSERT_EQ(r.out[0].proto, IPPROTO_TCP);
	SL_ASSERT_EQ(r.out[0].l2_len, 14);
	SL_ASSERT_EQ(r.out[0].off, 14 + 20);
	SL_ASSERT_EQ(r.out[0].len, 120);
	SL_ASSERT_EQ(r.out[0].sport, 40000);
	SL_ASSERT_EQ(r.out[0].dport, 514);
	SL_ASSERT_EQ(r.out[1].l2_len, 18);
	SL_ASSERT_EQ(r.out[1].off, 18 + 40);
	SL_ASSERT_EQ(r.out[1].len, 32);
	SL_ASSERT(r.out[1].flags & SL_REC_F_IPV6);
	SL_ASSERT(r.out[1].flags & SL_REC_F_VLAN);
	SL_ASSERT(r.out[0].hash != r.out[1].hash);
	SL_ASSERT_EQ(T_CTR(r.d, tcp_segs), 2);
	tcp_frame(&f, false, 0, 5, 100, true);
	run_frame(&r, &f);
	SL_ASSERT_EQ(T_CTR(r.d, drop_bad_l4_cksum), 1);
	tcp_frame(&f, true, 0, 5, 10, true);
	run_frame(&r, &f);
	SL_ASSERT_EQ(T_CTR(r.d, drop_bad_l4_cksum), 2);
	tcp_frame(&f, false, 0, 4, 10, false);  /* data offset below 5 words */
	run_frame(&r, &f);
	tcp_frame(&f, false, 0, 15, 0, false);  /* data offset past the segment */
	f.len -= 40;
	{
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f.b + 14);

		ip->total_length = htons(20 + 20);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	run_frame(&r, &f);
	SL_ASSERT_EQ(T_CTR(r.d, drop_bad_l4), 2);
	SL_ASSERT_EQ(r.n_out, 2);
	return t_run_close(&r);
}

static int
test_flow_hash_is_per_flow_and_stable(void)
{
	struct sl_decode_params p = t_params();
	struct t_frame f;
	struct t_run r, r2;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	t_udp4_frame(&f, T_SRC4, T_DST4, 1000, 514, msg, MSGLEN, 0, 0);
	run_frame(&r, &f);
	t_udp4_frame(&f, T_SRC4, T_DST4, 1000, 514, msg, 5, 1, 0);
	run_frame(&r, &f);
	t_udp4_frame(&f, T_SRC4, T_DST4, 1001, 514, msg, MSGLEN, 0, 0);
	run_frame(&r, &f);
	SL_ASSERT_EQ(r.n_out, 3);
	SL_ASSERT_EQ(r.out[0].hash, r.out[1].hash);
	SL_ASSERT(r.out[0].hash != r.out[2].hash);
	/* Pinned: a change of the hash function moves flows between shards. */
	SL_ASSERT_EQ(r.out[0].hash, 0x9b1e994d);
	/* Another handle computes the same hash. */
	SL_ASSERT_EQ(t_run_open(&r2, &p), 0);
	t_udp4_frame(&f, T_SRC4, T_DST4, 1000, 514, msg, MSGLEN, 0, 0);
	run_frame(&r2, &f);
	SL_ASSERT_EQ(r2.n_out, 1);
	SL_ASSERT_EQ(r2.out[0].hash, r.out[0].hash);
	t_run_release(&r2);
	return t_run_close(&r);
}

static void
arp_request(struct t_frame *f, const char *tip, unsigned int n_vlan)
{
	t_eth(f, RTE_ETHER_TYPE_ARP, n_vlan, RTE_ETHER_TYPE_VLAN);
	memset(f->b, 0xff, 6);  /* broadcast */
	arp_put(f, 1, &t_peer_mac, T_SRC4, &no_mac, tip);
	memset(f->b + f->len, 0, 60 - f->len);  /* padded to the minimum frame */
	f->len = 60;
}

static int
test_arp_request_for_us_gets_exact_reply_with_vlan_kept(void)
{
	struct sl_decode_params p = t_params();
	struct t_frame f, exp;
	struct t_run r;
	unsigned int v;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	for (v = 0; v < 2; v++) {
		arp_request(&f, T_DST4, v);
		run_frame(&r, &f);
		SL_ASSERT_EQ(r.n_tx, v + 1);
		/* Expected reply, built independently. */
		t_eth(&exp, RTE_ETHER_TYPE_ARP, v, RTE_ETHER_TYPE_VLAN);
		memcpy(exp.b, t_peer_mac.addr_bytes, 6);
		memcpy(exp.b + 6, t_mac.addr_bytes, 6);
		arp_put(&exp, 2, &t_mac, T_DST4, &t_peer_mac, T_SRC4);
		SL_ASSERT(r.tx[v]->pkt_len >= exp.len);
		SL_ASSERT_MEM_EQ(rte_pktmbuf_mtod(r.tx[v], void *), exp.b, exp.len);
	}
	SL_ASSERT_EQ(T_CTR(r.d, arp_replies), 2);
	return t_run_close(&r);
}

static int
test_arp_for_other_address_is_not_answered(void)
{
	struct sl_decode_params p = t_params();
	struct t_frame f;
	struct t_run r;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	arp_request(&f, "10.0.0.2", 0);
	run_frame(&r, &f);
	/* A reply (op 2) for us is not answered either. */
	arp_request(&f, T_DST4, 0);
	f.b[14 + 7] = 2;
	run_frame(&r, &f);
	/* Truncated ARP. */
	arp_request(&f, T_DST4, 0);
	f.len = 14 + 20;
	run_frame(&r, &f);
	SL_ASSERT_EQ(r.n_tx, 0);
	SL_ASSERT_EQ(T_CTR(r.d, ignored_not_local), 1);
	SL_ASSERT_EQ(T_CTR(r.d, ignored_proto), 1);
	SL_ASSERT_EQ(T_CTR(r.d, drop_bad_arp), 1);
	return t_run_close(&r);
}

static int
test_icmp_echo_gets_reply_with_correct_checksums(void)
{
	struct sl_decode_params p = t_params();
	struct t_frame f;
	struct t_run r;
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *ic;
	uint8_t *q;
	uint32_t plen = 8 + 56;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	t_eth(&f, RTE_ETHER_TYPE_IPV4, 1, RTE_ETHER_TYPE_VLAN);
	t_ipv4(&f, T_SRC4, T_DST4, IPPROTO_ICMP, plen, 7, 0, 0);
	ic = (struct rte_icmp_hdr *)(f.b + f.len);
	ic->icmp_type = 8;
	ic->icmp_code = 0;
	ic->icmp_cksum = 0;
	ic->icmp_ident = htons(0x1234);
	ic->icmp_seq_nb = htons(1);
	t_fill(f.b + f.len + 8, 56, 3);
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, plen);
	f.len += plen;
	run_frame(&r, &f);
	SL_ASSERT_EQ(r.n_tx, 1);
	q = rte_pktmbuf_mtod(r.tx[0], uint8_t *);
	SL_ASSERT_MEM_EQ(q, t_peer_mac.addr_bytes, 6);
	SL_ASSERT_MEM_EQ(q + 6, t_mac.addr_bytes, 6);
	SL_ASSERT_EQ(q[12], 0x81);   /* tag kept */
	ip = (struct rte_ipv4_hdr *)(q + 18);
	SL_ASSERT_EQ(ip->src_addr, t_ip4(T_DST4));
	SL_ASSERT_EQ(ip->dst_addr, t_ip4(T_SRC4));
	SL_ASSERT_EQ(rte_raw_cksum(ip, 20), 0xffff);
	ic = (struct rte_icmp_hdr *)(q + 38);
	SL_ASSERT_EQ(ic->icmp_type, 0);
	SL_ASSERT_EQ(ic->icmp_ident, htons(0x1234));
	SL_ASSERT_EQ(rte_raw_cksum(ic, plen), 0xffff);
	SL_ASSERT_EQ(r.tx[0]->pkt_len, 18 + 20 + plen);
	SL_ASSERT_EQ(T_CTR(r.d, echo_replies), 1);
	/* A bad ICMP checksum is not answered. */
	f.b[f.len - 1] ^= 1;
	run_frame(&r, &f);
	SL_ASSERT_EQ(r.n_tx, 1);
	SL_ASSERT_EQ(T_CTR(r.d, drop_bad_icmp), 1);
	return t_run_close(&r);
}

/* ICMPv6 sum over pseudo-header and message, independent of the decoder's code. */
static uint16_t
icmp6_sum(const struct rte_ipv6_hdr *ip6, const uint8_t *ic, uint32_t len)
{
	uint32_t tail[2] = { htonl(len), htonl(58) };
	uint32_t s;

	s = __rte_raw_cksum(ip6->src_addr, 32, 0);
	s = __rte_raw_cksum(tail, 8, s);
	s = __rte_raw_cksum(ic, len, s);
	return __rte_raw_cksum_reduce(s);
}

static int
icmp6_ok(const struct rte_ipv6_hdr *ip6, const uint8_t *ic, uint32_t len)
{
	return icmp6_sum(ip6, ic, len) == 0xffff;
}

static void
icmp6_cksum_set(struct rte_ipv6_hdr *ip6, uint8_t *ic, uint32_t len)
{
	uint16_t c;

	ic[2] = ic[3] = 0;
	c = (uint16_t)~icmp6_sum(ip6, ic, len);
	memcpy(ic + 2, &c, 2);
}

static int
test_icmpv6_echo_gets_reply_with_correct_checksum(void)
{
	struct sl_decode_params p = t_params();
	struct t_frame f;
	struct t_run r;
	struct rte_ipv6_hdr *ip6;
	uint8_t *ic, *q, a[16];
	uint32_t plen = 8 + 32;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	t_eth(&f, RTE_ETHER_TYPE_IPV6, 0, 0);
	ip6 = t_ipv6(&f, T_SRC6, T_DST6, 58, plen);
	ic = f.b + f.len;
	memset(ic, 0, 8);
	ic[0] = 128;
	ic[5] = 9;
	t_fill(ic + 8, 32, 1);
	icmp6_cksum_set(ip6, ic, plen);
	SL_ASSERT(icmp6_ok(ip6, ic, plen));
	f.len += plen;
	run_frame(&r, &f);
	SL_ASSERT_EQ(r.n_tx, 1);
	q = rte_pktmbuf_mtod(r.tx[0], uint8_t *);
	SL_ASSERT_MEM_EQ(q, t_peer_mac.addr_bytes, 6);
	SL_ASSERT_MEM_EQ(q + 6, t_mac.addr_bytes, 6);
	ip6 = (struct rte_ipv6_hdr *)(q + 14);
	t_ip6(a, T_DST6);
	SL_ASSERT_MEM_EQ(ip6->src_addr, a, 16);
	t_ip6(a, T_SRC6);
	SL_ASSERT_MEM_EQ(ip6->dst_addr, a, 16);
	SL_ASSERT_EQ(q[54], 129);
	SL_ASSERT_EQ(q[59], 9);
	SL_ASSERT(icmp6_ok(ip6, q + 54, plen));
	SL_ASSERT_EQ(T_CTR(r.d, echo_replies), 1);
	return t_run_close(&r);
}

/* An NS for @p target from T_SRC6 to @p dst, with a source LL option if @p sll. */
static void
ns_frame(struct t_frame *f, const char *src, const char *dst, const char *target,
	 bool sll)
{
	struct rte_ipv6_hdr *ip6;
	uint8_t *ic;
	uint32_t plen = sll ? 32 : 24;

	t_eth(f, RTE_ETHER_TYPE_IPV6, 0, 0);
	ip6 = t_ipv6(f, src, dst, 58, plen);
	ip6->hop_limits = 255;
	ic = f->b + f->len;
	memset(ic, 0, plen);
	ic[0] = 135;
	t_ip6(ic + 8, target);
	if (sll) {
		ic[24] = 1;
		ic[25] = 1;
		memcpy(ic + 26, t_peer_mac.addr_bytes, 6);
	}
	icmp6_cksum_set(ip6, ic, plen);
	f->len += plen;
}

static int
check_na(const struct rte_mbuf *m, const char *to, const uint8_t *to_mac, bool solicited)
{
	const uint8_t *q = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(q + 14);
	const uint8_t *ic = q + 54;
	uint8_t a[16];

	SL_ASSERT_EQ(m->pkt_len, 14 + 40 + 32);
	SL_ASSERT_MEM_EQ(q, to_mac, 6);
	SL_ASSERT_MEM_EQ(q + 6, t_mac.addr_bytes, 6);
	SL_ASSERT_EQ(ntohs(ip6->payload_len), 32);
	SL_ASSERT_EQ(ip6->proto, 58);
	SL_ASSERT_EQ(ip6->hop_limits, 255);
	t_ip6(a, T_DST6);
	SL_ASSERT_MEM_EQ(ip6->src_addr, a, 16);
	t_ip6(a, to);
	SL_ASSERT_MEM_EQ(ip6->dst_addr, a, 16);
	SL_ASSERT_EQ(ic[0], 136);
	SL_ASSERT_EQ(ic[1], 0);
	SL_ASSERT_EQ(ic[4], solicited ? 0x60 : 0x20);   /* S|O or O */
	t_ip6(a, T_DST6);
	SL_ASSERT_MEM_EQ(ic + 8, a, 16);
	SL_ASSERT_EQ(ic[24], 2);   /* target link-layer address */
	SL_ASSERT_EQ(ic[25], 1);
	SL_ASSERT_MEM_EQ(ic + 26, t_mac.addr_bytes, 6);
	SL_ASSERT(icmp6_ok(ip6, ic, 32));
	return 0;
}

static int
test_neighbour_solicitation_gets_advertisement(void)
{
	static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	struct sl_decode_params p = t_params();
	struct t_frame f;
	struct t_run r;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	/* To the solicited-node group, with source LL option. */
	ns_frame(&f, T_SRC6, "ff02::1:ff00:1", T_DST6, true);
	run_frame(&r, &f);
	SL_ASSERT_EQ(r.n_tx, 1);
	SL_ASSERT_EQ(check_na(r.tx[0], T_SRC6, t_peer_mac.addr_bytes, true), 0);
	/* Unicast to us, no option: the Ethernet source is used. */
	ns_frame(&f, T_SRC6, T_DST6, T_DST6, false);
	run_frame(&r, &f);
	SL_ASSERT_EQ(r.n_tx, 2);
	SL_ASSERT_EQ(check_na(r.tx[1], T_SRC6, t_peer_mac.addr_bytes, true), 0);
	/* Duplicate address detection: from ::, answered to all nodes. */
	ns_frame(&f, "::", "ff02::1:ff00:1", T_DST6, false);
	run_frame(&r, &f);
	SL_ASSERT_EQ(r.n_tx, 3);
	SL_ASSERT_EQ(check_na(r.tx[2], "ff02::1", all_nodes_mac, false), 0);
	SL_ASSERT_EQ(T_CTR(r.d, nd_replies), 3);
	/* For another target: not answered. */
	ns_frame(&f, T_SRC6, "ff02::1:ff00:2", "fd00::2", true);
	run_frame(&r, &f);
	/* Hop limit not 255: invalid. */
	ns_frame(&f, T_SRC6, "ff02::1:ff00:1", T_DST6, true);
	f.b[14 + 7] = 64;
	run_frame(&r, &f);
	SL_ASSERT_EQ(r.n_tx, 3);
	SL_ASSERT_EQ(T_CTR(r.d, ignored_not_local), 1);
	SL_ASSERT_EQ(T_CTR(r.d, drop_bad_icmp), 1);
	return t_run_close(&r);
}

static int
test_burst_of_mixed_frames_accounts_for_every_mbuf(void)
{
	struct sl_decode_params p = t_params();
	struct t_frame f;
	struct t_run r;
	struct rte_mbuf *m[SL_BURST];
	unsigned int i;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	for (i = 0; i < SL_BURST; i++) {
		switch (i % 4) {
		case 0:
			t_udp4_frame(&f, T_SRC4, T_DST4, (uint16_t)i, 514, msg, MSGLEN, 0, 0);
			break;
		case 1:
			t_udp6_frame(&f, T_SRC6, T_DST6, (uint16_t)i, 514, msg, MSGLEN, true);
			break;
		case 2:
			arp_request(&f, T_DST4, 0);
			break;
		default:
			t_udp4_frame(&f, T_SRC4, T_DST4, (uint16_t)i, 999, msg, MSGLEN, 0, 0);
			break;
		}
		m[i] = t_frame_mbuf(&f);
	}
	run_burst(&r, m, SL_BURST);
	SL_ASSERT_EQ(r.n_out, 16);
	SL_ASSERT_EQ(r.n_tx, 8);
	SL_ASSERT_EQ(T_CTR(r.d, ignored_port), 8);
	SL_ASSERT_EQ(rte_mempool_in_use_count(t_pool), 24);
	for (i = 0; i < r.n_out; i++)
		SL_ASSERT_EQ(r.out[i].sport, (i / 2) * 4 + (i % 2));
	return t_run_close(&r);
}

/* A frame split into two segments at @p split bytes. */
static struct rte_mbuf *
chained(const struct t_frame *f, uint32_t split)
{
	struct rte_mbuf *a = t_mbuf(f->b, split), *b = t_mbuf(f->b + split, f->len - split);

	if (a == NULL || b == NULL || rte_pktmbuf_chain(a, b) != 0)
		return NULL;
	return a;
}

static int
test_chained_frame_split_at_odd_offset_is_delivered(void)
{
	struct sl_decode_params p = t_params();
	struct t_frame f;
	struct t_run r;
	struct rte_mbuf *m;
	uint32_t l4, split;

	SL_ASSERT_EQ(t_run_open(&r, &p), 0);
	/* Splits inside the UDP header and at odd and even payload offsets. */
	for (split = 0; split < 7; split++) {
		l4 = t_udp4_frame(&f, T_SRC4, T_DST4, 1, 514, msg, MSGLEN, 0, 0);
		m = chained(&f, l4 + 3 + split * 5);
		SL_ASSERT(m != NULL);
		run_burst(&r, &m, 1);
		SL_ASSERT_EQ(r.n_out, 2 * split + 1);
		SL_ASSERT_EQ(check_payload(&r.out[2 * split], msg, MSGLEN), 0);
		l4 = t_udp6_frame(&f, T_SRC6, T_DST6, 1, 514, msg, MSGLEN, true);
		m = chained(&f, l4 + 3 + split * 5);
		SL_ASSERT(m != NULL);
		run_burst(&r, &m, 1);
		SL_ASSERT_EQ(r.n_out, 2 * split + 2);
	}
	/* Corrupted in the second segment: still caught. */
	l4 = t_udp4_frame(&f, T_SRC4, T_DST4, 1, 514, msg, MSGLEN, 0, 0);
	f.b[f.len - 2] ^= 0x40;
	m = chained(&f, l4 + 9);
	run_burst(&r, &m, 1);
	SL_ASSERT_EQ(T_CTR(r.d, drop_bad_l4_cksum), 1);
	/* IP header not in the first segment: counted as malformed. */
	t_udp4_frame(&f, T_SRC4, T_DST4, 1, 514, msg, MSGLEN, 0, 0);
	m = chained(&f, 20);
	run_burst(&r, &m, 1);
	SL_ASSERT_EQ(T_CTR(r.d, drop_bad_ip), 1);
	return t_run_close(&r);
}

static int
test_bad_params_are_rejected(void)
{
	struct sl_decode_params p = t_params();

	p.udp_ports = NULL;
	SL_ASSERT(sl_decode_create(&p) == NULL);
	p = t_params();
	p.listen = NULL;
	SL_ASSERT(sl_decode_create(&p) == NULL);
	SL_ASSERT(sl_decode_create(NULL) == NULL);
	sl_decode_free(NULL);
	return 0;
}

static const struct sl_test_case cases[] = {
	SL_TEST(test_udp4_is_delivered_with_offset_length_addresses_ports),
	SL_TEST(test_udp6_is_delivered_with_offset_length_addresses_ports),
	SL_TEST(test_8021q_tag_gives_vlan_id_and_flag),
	SL_TEST(test_qinq_88a8_and_9100_give_outer_vlan_id),
	SL_TEST(test_ipv4_options_are_skipped),
	SL_TEST(test_ipv6_hop_by_hop_and_dest_opts_are_skipped),
	SL_TEST(test_ipv6_extension_chain_too_long_is_dropped),
	SL_TEST(test_truncated_headers_are_counted_by_layer),
	SL_TEST(test_ipv4_header_checksum_is_checked),
	SL_TEST(test_bad_udp_checksum_is_dropped_v4_and_v6),
	SL_TEST(test_zero_udp_checksum_is_accepted_on_v4_dropped_on_v6),
	SL_TEST(test_nic_l4_checksum_verdict_is_trusted_with_offload),
	SL_TEST(test_udp_length_beyond_ip_payload_is_dropped),
	SL_TEST(test_ethernet_padding_is_trimmed),
	SL_TEST(test_udp_to_address_not_listened_is_ignored),
	SL_TEST(test_udp_to_port_not_listened_is_ignored),
	SL_TEST(test_no_listen_accepts_udp_to_any_address_answers_nothing),
	SL_TEST(test_other_ethertypes_and_protocols_are_counted),
	SL_TEST(test_tcp_segments_are_handed_on),
	SL_TEST(test_flow_hash_is_per_flow_and_stable),
	SL_TEST(test_arp_request_for_us_gets_exact_reply_with_vlan_kept),
	SL_TEST(test_arp_for_other_address_is_not_answered),
	SL_TEST(test_icmp_echo_gets_reply_with_correct_checksums),
	SL_TEST(test_icmpv6_echo_gets_reply_with_correct_checksum),
	SL_TEST(test_neighbour_solicitation_gets_advertisement),
	SL_TEST(test_burst_of_mixed_frames_accounts_for_every_mbuf),
	SL_TEST(test_chained_frame_split_at_odd_offset_is_delivered),
	SL_TEST(test_bad_params_are_rejected),
};

int
main(int argc, char **argv)
{
	return sl_test_main(argc, argv, cases, SL_DIM(cases), true);
}

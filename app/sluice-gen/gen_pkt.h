/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Flows and the packets a Linux host sends for a UDP datagram: Ethernet,
 * optional 802.1Q / QinQ tags, IPv4 or IPv6, UDP with a correct checksum,
 * and IP fragments (IPv4 MF/offset, IPv6 Fragment header) when the
 * datagram does not fit the MTU.
 */
#ifndef GEN_PKT_H
#define GEN_PKT_H

#include <stdbool.h>
#include <stdint.h>

#include "sl_addr.h"
#include "gen_out.h"
#include "gen_rand.h"

/** Space gen_send() needs in front of the payload (the UDP header). */
#define GEN_UDP_HLEN 8

/** Largest UDP payload the generator sends (fits both families). */
#define GEN_MAX_PAYLOAD 65507u

/** One flow: a (src, sport, dst, dport) and how its frames look. */
struct gen_flow {
	struct sl_ip src;
	struct sl_ip dst;
	uint16_t sport;
	uint16_t dport;
	uint8_t v6;
	uint8_t ntags;          /**< 0, 1 (802.1Q) or 2 (QinQ) */
	uint16_t tci[2];        /**< outer first: PCP << 13 | VID */
	uint16_t tpid_outer;    /**< 0x88a8 or 0x8100 for QinQ */
	uint8_t src_mac[6];
	uint32_t flowlabel;     /**< IPv6 flow label (20 bits) */
	uint32_t pseudo_sum;    /**< unfolded sum of the pseudo-header addresses */
	uint16_t jpre_len;
	char jpre[160];         /**< expect-file prefix: {"src":..,"dport":N, */
};

/** What the flows look like. */
struct gen_flow_params {
	uint32_t nflows;
	double ipv6_pct;
	double vlan_pct;        /**< single-tagged share of all flows */
	double qinq_pct;        /**< double-tagged share of all flows */
	struct sl_prefix src4;
	struct sl_prefix src6;
	struct sl_ip dst4;
	struct sl_ip dst6;
	const uint16_t *dports;
	uint32_t ndports;
};

/**
 * Make @p p->nflows distinct flows in @p fl.
 * @return 0, or -EINVAL with a reason in @p err when the prefixes cannot
 *   hold that many distinct flows.
 */
int gen_flows_make(struct gen_flow *fl, const struct gen_flow_params *p,
		   struct gen_rand *r, char *err, size_t errlen);

/** The sending host's state and counters. */
struct gen_net {
	uint32_t mtu;
	bool nsec;              /**< pcap with nanosecond timestamps */
	uint8_t dst_mac[6];
	uint16_t ip4_id;        /**< next IPv4 identification */
	uint32_t ip6_id;        /**< next IPv6 fragment identification */
	uint64_t ts_ns;         /**< time of the next packet */
	uint64_t gap_ns;        /**< spacing between packets */
	/* counters */
	uint64_t packets;
	uint64_t frag_dgrams;   /**< datagrams sent as fragments */
	uint64_t frag_pkts;     /**< packets that are fragments */
	uint64_t wire_bytes;    /**< frame bytes written */
};

/**
 * Largest UDP payload that goes in one packet for a flow's family.
 */
static inline uint32_t
gen_net_max_unfragmented(const struct gen_net *n, bool v6)
{
	return n->mtu - (v6 ? 48 : 28);
}

/**
 * Send one datagram of @p paylen bytes at @p dgram + GEN_UDP_HLEN (the
 * first GEN_UDP_HLEN bytes are written here): fill in the UDP header and
 * checksum, fragment as needed, append the packets to @p out.
 */
void gen_send(struct gen_net *n, struct gen_file *out, const struct gen_flow *fl,
	      uint8_t *dgram, uint32_t paylen);

/** Ones-complement sum of @p len bytes (unfolded; any alignment). */
uint64_t gen_csum_add(uint64_t sum, const void *p, uint32_t len);

/** Fold a sum to 16 bits and complement it (the checksum field value). */
uint16_t gen_csum_fold(uint64_t sum);

#endif /* GEN_PKT_H */

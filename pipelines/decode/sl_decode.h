/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Decode stage: Ethernet (802.1Q, QinQ), IPv4 (header checksum), IPv6
 * (extension headers), IPv4/IPv6 fragment reassembly (our own per-lcore
 * table, see reassembly.c for why not rte_ip_frag), UDP (checksum; zero
 * allowed on IPv4). Answers ARP, IPv6 neighbour solicitation
 * and ICMP/ICMPv6 echo for the --listen addresses by turning the request
 * mbuf into the reply and handing it back for the worker's TX queue.
 *
 * One handle per worker lcore; no locks, no allocation after create.
 * Destination MACs are not filtered (captures and mirror ports carry other
 * hosts' MACs).
 */
#ifndef SL_DECODE_H
#define SL_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "sl_addr.h"
#include "sl_counters.h"

struct sl_decode;

/** Decode counters; every drop_* is a packet not stored, by reason. */
#define SL_DECODE_COUNTERS(X) \
	X(rx_pkts,           "frames seen") \
	X(rx_bytes,          "frame bytes seen") \
	X(udp_dgrams,        "UDP datagrams delivered to ingestion") \
	X(udp_bytes,         "UDP payload bytes delivered") \
	X(tcp_segs,          "TCP segments to --listen addresses handed to the TCP stage") \
	X(frags_in,          "IP fragments received") \
	X(reassembled,       "datagrams reassembled from fragments") \
	X(arp_replies,       "ARP requests answered") \
	X(nd_replies,        "IPv6 neighbour solicitations answered") \
	X(echo_replies,      "ICMP/ICMPv6 echo requests answered") \
	X(ignored_l2,        "frames of other ethertypes (not for us)") \
	X(ignored_not_local, "IP packets to addresses not in --listen") \
	X(ignored_proto,     "IP packets of protocols we do not ingest (ICMP non-echo; TCP without --listen or --tcp)") \
	X(ignored_port,      "UDP datagrams to ports not in --udp") \
	X(drop_bad_l2,       "truncated Ethernet or VLAN header") \
	X(drop_bad_ip,       "malformed IP header (version, length, truncated)") \
	X(drop_bad_ip_cksum, "IPv4 header checksum wrong") \
	X(drop_bad_l4,       "truncated or malformed UDP/TCP header or length") \
	X(drop_bad_l4_cksum, "UDP/TCP checksum wrong (UDP: or zero on IPv6)") \
	X(drop_bad_ext_hdr,  "IPv6 extension header chain malformed or too long") \
	X(drop_frag_bad,     "fragment rejected as malformed or overlapping") \
	X(drop_frag_evicted, "fragments freed unassembled: the table (flows or mbufs) was full and a newer datagram took the oldest one's place") \
	X(drop_frag_unfinished, "fragments freed unassembled at shutdown") \
	X(drop_frag_table_full, "fragment dropped: reassembly table full (memory cap)") \
	X(drop_frag_timeout, "fragments freed unassembled after the timeout") \
	X(drop_frag_dup,     "exact duplicate fragment dropped (datagram kept)") \
	X(drop_bad_arp,      "ARP packet truncated or malformed") \
	X(drop_bad_icmp,     "ICMP/ICMPv6 to us truncated, malformed or with a bad checksum") \
	X(drop_tx_full,      "replies not sent: TX queue full")

/** Counter index: SL_DECODE_<name>. */
#define SL_DECODE_CTR_ENUM(name, help) SL_DECODE_ ## name,
enum sl_decode_counter {
	SL_DECODE_COUNTERS(SL_DECODE_CTR_ENUM)
	SL_DECODE_NB_CTR
};

/** Creation parameters. */
struct sl_decode_params {
	const struct sl_prefix *listen; /**< --listen addresses (n_listen of them); only the
	                                     exact address is ours, the prefix length is not used */
	unsigned int n_listen;          /**< 0: ingest UDP to any address, answer nothing */
	const uint8_t *udp_ports;       /**< 8192-byte bitmap of --udp ports */
	bool tcp;                       /**< hand TCP segments to local addresses on (proto IPPROTO_TCP) */
	struct rte_ether_addr mac;      /**< our MAC, source of replies */
	uint32_t frag_max_flows;        /**< datagrams in reassembly at once (memory cap); 0: 1024 */
	uint32_t frag_max_per_flow;     /**< fragments per datagram (<= 8192); 0: 64 */
	uint32_t frag_timeout_ms;       /**< unassembled fragments are freed after this; 0: 2000 */
	uint32_t frag_max_mbufs;        /**< mbufs reassembly may hold (0: flows x per-flow);
					     past it the oldest datagram is evicted */
	bool rx_cksum_offload;          /**< trust RTE_MBUF_F_RX_*_CKSUM_GOOD/BAD from the NIC */
	int socket_id;                  /**< NUMA socket for tables */
};

/**
 * One UDP datagram, or one TCP segment, for ingestion. The caller owns and
 * frees @ref m (a TCP segment goes to the TCP stage, which takes it).
 */
struct sl_dgram {
	struct rte_mbuf *m;   /**< packet; after reassembly a chain of segments */
	uint32_t off;         /**< offset of the UDP payload / TCP header in the chain */
	uint32_t len;         /**< UDP payload length / TCP header + payload length */
	uint8_t proto;        /**< IPPROTO_UDP or IPPROTO_TCP */
	uint8_t l2_len;       /**< Ethernet + VLAN header bytes at the front of m */
	struct sl_ip src;     /**< source address */
	struct sl_ip dst;     /**< destination address */
	uint16_t sport;       /**< source port, host order */
	uint16_t dport;       /**< destination port, host order */
	uint16_t vlan;        /**< outermost VLAN id, 0 if untagged */
	uint16_t flags;       /**< SL_REC_F_IPV6 | SL_REC_F_REASSEMBLED | SL_REC_F_VLAN */
	uint32_t hash;        /**< flow hash of (src, dst, sport, dport, proto) */
};

/**
 * Create a decode stage.
 * @return handle, or NULL with rte_errno = EINVAL (bad params) or ENOMEM.
 */
struct sl_decode *sl_decode_create(const struct sl_decode_params *p);

/** Free a decode stage and every mbuf it holds. NULL is a no-op. */
void sl_decode_free(struct sl_decode *d);

/**
 * Decode a burst.
 *
 * Every input mbuf ends up in exactly one place: delivered in @p out (as a
 * datagram, possibly reassembled from earlier fragments), turned into a reply
 * in @p tx, held for reassembly, or freed and counted.
 *
 * @param d      handle
 * @param pkts   received mbufs
 * @param n      number of mbufs (<= SL_BURST)
 * @param now    rte_rdtsc() at receive time (reassembly timeouts); @p n may
 *               be 0 to run only the (bounded) expiry of old fragments
 * @param out    at least @p n entries; datagrams for ingestion
 * @param tx     at least @p n entries; replies for the worker's TX queue
 * @param n_tx   number of replies written to @p tx
 * @return number of datagrams written to @p out.
 */
uint16_t sl_decode_burst(struct sl_decode *d, struct rte_mbuf **pkts, uint16_t n,
			 uint64_t now, struct sl_dgram *out,
			 struct rte_mbuf **tx, uint16_t *n_tx);

/**
 * Free every datagram still in reassembly, counting its fragments as
 * drop_frag_unfinished: call when RX stops, before the final counters.
 */
void sl_decode_flush(struct sl_decode *d);

/** Count replies the caller could not transmit. */
void sl_decode_count_tx_drop(struct sl_decode *d, uint16_t n);

/** The counters of this handle (SL_DECODE_NB_CTR values). */
struct sl_ctr_set sl_decode_counters(const struct sl_decode *d);

/** Datagrams currently held in reassembly (for tests and stats). */
uint32_t sl_decode_frag_in_use(const struct sl_decode *d);

#endif /* SL_DECODE_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Private to the decode stage: the handle and the helpers its files share.
 * Callers see only sl_decode.h.
 */
#ifndef SL_DECODE_PRIVATE_H
#define SL_DECODE_PRIVATE_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "sl_common.h"
#include "sl_decode.h"
#include "reassembly.h"

extern int sl_decode_logtype;
#define DECODE_LOG(level, ...) SL_LOG(sl_decode_logtype, level, "decode", __VA_ARGS__)

/** Most VLAN tags walked before a frame is called malformed. */
#define SL_DECODE_MAX_VLAN 3
/** Most IPv6 extension headers walked before the chain is called malformed. */
#define SL_DECODE_MAX_EXT_HDR 8

/** Decode stage handle (one per worker lcore). */
struct sl_decode {
	/* Hot: counters first, on their own cache lines. */
	uint64_t ctr[SL_DECODE_NB_CTR] __rte_cache_aligned;

	struct sl_frag_table *frag __rte_cache_aligned; /**< reassembly table */
	struct rte_ether_addr mac;    /**< source MAC of replies */
	bool rx_cksum_offload;        /**< trust the NIC's checksum flags */
	bool any_dst;                 /**< n_listen == 0: UDP to any address */
	bool tcp;                     /**< TCP segments to us go to the TCP stage */
	unsigned int n_v4;            /**< IPv4 listen addresses */
	unsigned int n_v6;            /**< IPv6 listen addresses */
	uint32_t *v4;                 /**< n_v4 addresses, network order */
	struct sl_ip *v6;             /**< n_v6 addresses */
	uint8_t ports[8192];          /**< copy of the --udp port bitmap */
};

#define DCTR(d, name) ((d)->ctr[SL_DECODE_ ## name])

/** True when @p be_addr (network order) is one of our IPv4 addresses. */
static inline bool
sl_decode_is_local_v4(const struct sl_decode *d, uint32_t be_addr)
{
	unsigned int i;

	for (i = 0; i < d->n_v4; i++)
		if (d->v4[i] == be_addr)
			return true;
	return false;
}

/** True when @p a (16 bytes) is one of our IPv6 addresses. */
static inline bool
sl_decode_is_local_v6(const struct sl_decode *d, const uint8_t *a)
{
	unsigned int i;

	for (i = 0; i < d->n_v6; i++)
		if (memcmp(d->v6[i].b, a, 16) == 0)
			return true;
	return false;
}

/** Where the headers of one frame are, as found by the L2/L3 walk. */
struct sl_pkt_info {
	uint32_t l3_off;      /**< IP header offset */
	uint32_t l4_off;      /**< upper-layer header offset (after IPv6 ext headers) */
	uint32_t l4_len;      /**< upper-layer bytes (IP payload minus ext headers) */
	uint16_t vlan;        /**< outermost VLAN id */
	uint16_t flags;       /**< SL_REC_F_VLAN, SL_REC_F_IPV6, SL_REC_F_REASSEMBLED */
	uint8_t proto;        /**< upper-layer protocol */
	uint8_t n_ext;        /**< IPv6 extension headers skipped */
};

/*
 * Replies (decode_reply.c). Each takes a frame addressed to us, turns it into
 * the reply in place and returns 1 (put it on TX), or returns 0 after
 * counting why it was not answered (the caller frees it).
 */
int sl_decode_arp(struct sl_decode *d, struct rte_mbuf *m, uint32_t l3_off);
int sl_decode_icmp4(struct sl_decode *d, struct rte_mbuf *m,
		    const struct sl_pkt_info *pi);
int sl_decode_icmp6(struct sl_decode *d, struct rte_mbuf *m,
		    const struct sl_pkt_info *pi, bool dst_local);

/** Cut a (possibly chained) mbuf to @p len bytes (len <= pkt_len). */
void sl_decode_mbuf_cut(struct rte_mbuf *m, uint32_t len);

#endif /* SL_DECODE_PRIVATE_H */

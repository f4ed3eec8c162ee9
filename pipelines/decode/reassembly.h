/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Per-lcore IPv4/IPv6 fragment reassembly (private to the decode stage).
 * See reassembly.c for why this is not rte_ip_frag.
 */
#ifndef SL_REASSEMBLY_H
#define SL_REASSEMBLY_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

struct sl_frag_table;

/** Defaults used when a parameter is 0. */
#define SL_FRAG_DEFAULT_FLOWS      1024
#define SL_FRAG_DEFAULT_PER_FLOW   64
#define SL_FRAG_DEFAULT_TIMEOUT_MS 2000
/** Entries looked at for expiry per call of sl_frag_expire (bounded work). */
#define SL_FRAG_EXPIRE_BATCH       8

/** One fragment as the decoder found it. All offsets are from the frame start. */
struct sl_frag_desc {
	uint8_t src[16];      /**< source address (IPv4 mapped) */
	uint8_t dst[16];      /**< destination address */
	uint32_t id;          /**< IPv4 id or IPv6 fragment identification */
	uint8_t proto;        /**< IPv4 protocol / IPv6 next header after the fragment header */
	uint8_t is_v6;        /**< family */
	uint8_t more;         /**< MF flag */
	uint8_t nh_off_valid; /**< (v6) nh_off is meaningful */
	uint32_t frag_off;    /**< offset of this fragment's data in the datagram, bytes */
	uint32_t len;         /**< fragment data bytes */
	uint32_t data_off;    /**< where the fragment data starts in the mbuf */
	uint32_t l3_off;      /**< IP header */
	uint32_t hdr_len;     /**< v4: IHL bytes; v6: 40 + unfragmentable ext headers */
	uint32_t fh_off;      /**< (v6) fragment header offset */
	uint32_t nh_off;      /**< (v6) offset of the next-header byte that holds 44 */
};

/**
 * Create a table.
 * @param ctr  the decode counter array (drop_frag_*, reassembled are bumped)
 * @return table, or NULL with rte_errno set (EINVAL, ENOMEM).
 */
struct sl_frag_table *sl_frag_create(uint32_t max_flows, uint32_t max_per_flow,
				     uint32_t timeout_ms, int socket_id,
				     uint64_t *ctr);

/** Free a table and every mbuf it holds (not counted). NULL is a no-op. */
void sl_frag_free(struct sl_frag_table *t);

/**
 * Add a fragment. The table takes @p m in every case.
 * @return the whole datagram as an mbuf chain, with its IP header rewritten
 *   as an unfragmented packet (IPv4: length, flags, checksum; IPv6: the
 *   fragment header removed, payload length), or NULL when the fragment is
 *   held or was dropped (then counted).
 */
struct rte_mbuf *sl_frag_add(struct sl_frag_table *t, struct rte_mbuf *m,
			     const struct sl_frag_desc *fd, uint64_t now);

/**
 * Free datagrams older than the timeout, oldest first, looking at no more
 * than @p max entries (each freed fragment counts in drop_frag_timeout).
 * @return number of datagrams expired.
 */
unsigned int sl_frag_expire(struct sl_frag_table *t, uint64_t now, unsigned int max);

/**
 * Cap the mbufs the table holds (0: no cap beyond flows x per-flow). When a
 * new fragment would pass it, the oldest datagrams are evicted
 * (drop_frag_evicted), so a flood of incomplete datagrams cannot starve the
 * mempool or lock newer datagrams out.
 */
void sl_frag_set_max_mbufs(struct sl_frag_table *t, uint32_t max_mbufs);

/** Free every datagram in the table, counted as drop_frag_unfinished. */
void sl_frag_flush(struct sl_frag_table *t);

/** Mbufs currently held. */
uint32_t sl_frag_mbufs_held(const struct sl_frag_table *t);

/** Datagrams currently in reassembly. */
uint32_t sl_frag_in_use(const struct sl_frag_table *t);

#endif /* SL_REASSEMBLY_H */

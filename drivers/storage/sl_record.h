/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The record and batch layout, format version 1 (docs/FORMAT.md has the
 * bytes). Everything is little-endian; sluice runs on little-endian hosts
 * only (checked at build time), so the structs are written as they are.
 *
 * A record: struct sl_rec (64 bytes) followed by exactly `len` message bytes,
 * framing removed. The next record starts right after (no padding).
 *
 * A batch: the decompressed content of one zstd frame: struct sl_batch_hdr
 * (64 bytes) then `nrec` records, `raw_len` bytes in all (header included).
 */
#ifndef SL_RECORD_H
#define SL_RECORD_H

#include <stdint.h>
#include <rte_byteorder.h>

#if RTE_BYTE_ORDER != RTE_LITTLE_ENDIAN
#error "sluice's on-disk format is little-endian and written as in memory"
#endif

/** Format version written in batch and segment headers. */
#define SL_FORMAT_VERSION 1

/* Record flags. */
#define SL_REC_F_TRUNCATED   0x0001 /**< message longer than --max-msg, cut */
#define SL_REC_F_PARSE_ERR   0x0002 /**< strict syslog parse failed */
#define SL_REC_F_FRAMING_ERR 0x0004 /**< framing problem (TCP) */
#define SL_REC_F_IPV6        0x0008 /**< addresses are IPv6 (else IPv4-mapped) */
#define SL_REC_F_REASSEMBLED 0x0010 /**< datagram came in IP fragments */
#define SL_REC_F_VLAN        0x0020 /**< frame carried at least one VLAN tag */

/* Transports. */
#define SL_TRANSPORT_UDP 17
#define SL_TRANSPORT_TCP 6

/** Severity/facility value when not parsed. */
#define SL_SEV_NONE 0xff
#define SL_FAC_NONE 0xff

/** Record header: 64 bytes, then the message bytes. */
struct sl_rec {
	uint32_t len;          /**< message bytes that follow (after truncation) */
	uint32_t orig_len;     /**< message length as received (>= len) */
	uint64_t rx_ns;        /**< receive time, ns since the Unix epoch (UTC) */
	uint8_t src[16];       /**< source address (IPv4 mapped ::ffff:a.b.c.d) */
	uint8_t dst[16];       /**< destination address */
	uint16_t sport;        /**< source port (host order) */
	uint16_t dport;        /**< destination port */
	uint16_t tenant;       /**< tenant id, 0 = default */
	uint16_t stream;       /**< stream id, 0 = default */
	uint16_t rule;         /**< matched rule + 1, 0 = none */
	uint16_t flags;        /**< SL_REC_F_* */
	uint8_t severity;      /**< 0-7, SL_SEV_NONE if not parsed */
	uint8_t facility;      /**< 0-23, SL_FAC_NONE if not parsed */
	uint8_t transport;     /**< SL_TRANSPORT_* */
	uint8_t tags;          /**< bit i: tag i of the rules file (0 without tags) */
} __attribute__((packed));

_Static_assert(sizeof(struct sl_rec) == 64, "record header is 64 bytes");

/** "SLB1" */
#define SL_BATCH_MAGIC 0x31424c53u

/** Batch header: first 64 bytes of every frame's content. */
struct sl_batch_hdr {
	uint32_t magic;        /**< SL_BATCH_MAGIC */
	uint16_t version;      /**< SL_FORMAT_VERSION */
	uint16_t hdr_len;      /**< sizeof(struct sl_batch_hdr) = 64 */
	uint32_t nrec;         /**< records in the batch */
	uint32_t raw_len;      /**< bytes of content, this header included */
	uint64_t first_seq;    /**< shard sequence number of the first record */
	uint64_t min_ns;       /**< smallest rx_ns in the batch */
	uint64_t max_ns;       /**< largest rx_ns in the batch */
	uint16_t shard;        /**< shard that wrote it */
	uint16_t reserved0;
	uint32_t reserved1;
	uint64_t reserved2[2];
} __attribute__((packed));

_Static_assert(sizeof(struct sl_batch_hdr) == 64, "batch header is 64 bytes");

/** Size of a record with @p len message bytes. */
static inline uint32_t
sl_rec_size(uint32_t len)
{
	return (uint32_t)sizeof(struct sl_rec) + len;
}

#endif /* SL_RECORD_H */

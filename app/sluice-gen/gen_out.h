/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * sluice-gen's outputs: a buffered file writer, the pcap writer on top of
 * it, and the message encoding of the expect file (the same as
 * `sluice-cat --format json`: a JSON string when the bytes are valid UTF-8,
 * base64 under "msg_b64" otherwise).
 */
#ifndef GEN_OUT_H
#define GEN_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sl_json.h"

/** A file written through one large buffer. */
struct gen_file {
	int fd;
	int err;           /**< first errno seen, 0 if none */
	uint8_t *buf;
	size_t len;
	size_t cap;
	uint64_t total;    /**< bytes written in all */
};

/**
 * Create (truncate) @p path for writing.
 * @return 0, or -errno.
 */
int gen_file_open(struct gen_file *f, const char *path, size_t cap);

/** Append @p n bytes; errors are kept in f->err. */
void gen_file_put(struct gen_file *f, const void *p, size_t n);

/**
 * Flush and close.
 * @return 0, or -errno of the first failure (open, write or close).
 */
int gen_file_close(struct gen_file *f);

/** Ethernet link type in the pcap global header. */
#define GEN_LINKTYPE_ETHERNET 1

/**
 * Write the pcap global header (microsecond or nanosecond magic).
 */
void gen_pcap_header(struct gen_file *f, bool nsec, uint32_t snaplen);

/**
 * Append one packet record made of two pieces (headers, then payload).
 * @p ts_ns is the capture time in ns since the epoch.
 */
void gen_pcap_packet(struct gen_file *f, bool nsec, uint64_t ts_ns,
		     const void *hdr, uint32_t hlen, const void *data, uint32_t dlen);

#endif /* GEN_OUT_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/* Batches the segment and Kafka message targets build from fuzz input. */
#ifndef SL_FUZZ_BATCH_H
#define SL_FUZZ_BATCH_H

#include <stdint.h>
#include <string.h>

#include "sl_record.h"

/*
 * Make the @p n bytes at @p raw (room for at least a batch header) a
 * consistent batch: header magic, version and length, records cut to fit,
 * nrec and the time range counted; first_seq, shard and the reserved
 * fields stay as they are. @return its length.
 */
static inline size_t
fuzz_fix_batch(uint8_t *raw, size_t n)
{
	struct sl_batch_hdr b;
	uint64_t mn = UINT64_MAX, mx = 0;
	uint32_t nrec = 0;
	size_t pos = sizeof(b);

	if (n < sizeof(b)) {
		memset(raw + n, 0, sizeof(b) - n);
		n = sizeof(b);
	}
	while (pos < n) {
		struct sl_rec r;

		if (n - pos < sizeof(r)) {
			n = pos;
			break;
		}
		memcpy(&r, raw + pos, sizeof(r));
		if (r.len > n - pos - sizeof(r)) {
			r.len = (uint32_t)(n - pos - sizeof(r));
			memcpy(raw + pos, &r, sizeof(r));
		}
		mn = r.rx_ns < mn ? r.rx_ns : mn;
		mx = r.rx_ns > mx ? r.rx_ns : mx;
		nrec++;
		pos += sizeof(r) + r.len;
	}
	memcpy(&b, raw, sizeof(b));
	b.magic = SL_BATCH_MAGIC;
	b.version = SL_FORMAT_VERSION;
	b.hdr_len = sizeof(b);
	b.nrec = nrec;
	b.raw_len = (uint32_t)n;
	b.min_ns = nrec ? mn : 0;
	b.max_ns = nrec ? mx : 0;
	memcpy(raw, &b, sizeof(b));
	return n;
}

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The forwarder's insides, shared by forward.c (thread, producer,
 * acknowledgements), fwd_seg.c (reading a source's segments) and
 * fwd_ckpt.c (the checkpoint file). Not a public header.
 */
#ifndef SL_FWD_PRIVATE_H
#define SL_FWD_PRIVATE_H

#include <limits.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>
#include <zstd.h>

#include "sl_common.h"
#include "sl_forward.h"
#include "sl_segment.h"

extern int sl_fwd_logtype;
#define FWD_LOG(level, ...) SL_LOG(sl_fwd_logtype, level, "kafka", __VA_ARGS__)

/* The checkpoint file under --out. */
#define FWD_CKPT_NAME ".kafka-checkpoint"

/* One batch handed to the producer. */
struct fwd_msg {
	uint32_t src;
	uint64_t seq, end;     /* its records [seq, end) */
	uint64_t seg, off_next;/* checkpoint hint once acknowledged */
	uint64_t min_ns, max_ns;
	uint32_t bytes;
	int state;             /* MSG_INFLIGHT, MSG_ACKED, MSG_FAILED */
};

enum { MSG_INFLIGHT, MSG_ACKED, MSG_FAILED };

/* How far a segment may be read. */
enum fwd_mode {
	SEG_NONE,     /* no segment open */
	SEG_LIVE,     /* the store's open segment: up to the published end */
	SEG_DONE,     /* closed, frames end at a known offset */
	SEG_INDEX,    /* sealed: through its index */
	SEG_SCAN,     /* neither open nor sealed (a failed seal): frames checked whole */
};

/* A frame read for sending. */
struct fwd_frame {
	uint8_t *buf;          /* malloc'd: librdkafka frees it */
	uint32_t size;
	uint64_t seg, off, off_next;
	struct sl_batch_hdr b;
};

struct fwd_src {
	char tenant[SL_SEG_NAME_MAX + 1];
	char stream[SL_SEG_NAME_MAX + 1];
	uint16_t shard;
	char dir[PATH_MAX];
	const struct sl_store_pub *pub;
	struct sl_fwd_gate gate;
	rd_kafka_topic_t *rkt;
	char topic[256];
	char key[160];
	size_t keylen;

	/* Reading: the segment holding `next`. */
	int fd;
	enum fwd_mode mode;
	uint64_t seg;          /* its first seq (file name) */
	uint64_t off;          /* next frame (or padding) offset */
	uint64_t limit;        /* frames end before this */
	struct sl_seg_idx_ent *idx;
	uint32_t nidx, ii, idx_cap;
	uint64_t next;         /* next seq to read */
	uint64_t hint_seg, hint_off; /* where `next` was, from the checkpoint */

	/* Acknowledged: [.., acked) is in Kafka and in the checkpoint. */
	uint64_t acked, ack_seg, ack_off, ack_max_ns;
	uint64_t sent;         /* handed to the producer below this */
	uint64_t ckpt_seq;     /* what the checkpoint file holds: acked */
	uint64_t ckpt_sent;    /* and sent */
	int ckpt_pos;          /* its slot pair in the file */
	uint64_t ckpt_gen;
	struct fwd_msg *fl[SL_FWD_MAX_INFLIGHT]; /* in flight, in order */
	unsigned int fl_head, fl_n;
	int rewind;            /* a delivery failed: re-read from acked */
	uint64_t retry_ns;     /* not before (monotonic) */
	unsigned int backoff_ms;
	uint64_t resend_until; /* batches below this were sent before: count as resent */
	struct fwd_frame staged; /* read, waits for the checkpoint to go out */
	int has_staged;

	/* Lag: backlog measured at start + published by this run - done. */
	uint64_t base_frames, base_bytes;
	uint64_t done_frames, done_bytes;

	uint64_t ctr[SL_FWD_NB_CTR];
};

struct sl_fwd {
	struct sl_fwd_params p;
	char root[PATH_MAX];
	char node[128];
	struct fwd_src *src;
	unsigned int n_src;
	rd_kafka_t *rk;
	rd_kafka_conf_t *conf;   /* template for a re-created producer */
	char *buf_read;          /* scan buffer */
	size_t buf_cap;
	ZSTD_DCtx *dctx;
	int ckpt_fd;
	int ckpt_slots;          /* slot pairs in the file */
	uint64_t inflight_bytes;
	uint64_t ctr[SL_FWDK_NB_CTR];
	uint64_t last_err_log_ns;
	int fatal;               /* the producer hit a fatal error */
	int stop;                /* sl_fwd_stop(): 1 drain, 2 now */
	uint64_t drain_until_ns;
	unsigned int rr;         /* round-robin start */
};

uint64_t fwd_now_ns(void);
uint64_t fwd_wall_ns(void);

/* fwd_seg.c */
/**
 * Next frame of @p s to send. @return 1 (@p fr filled, buffer owned by the
 * caller), 0 nothing now, -errno a read error (logged, counted).
 */
int fwd_seg_next(struct sl_fwd *f, struct fwd_src *s, struct fwd_frame *fr);
/**
 * The segment of @p dir holding @p seq: the largest first seq <= seq, else
 * the smallest above it (a gap). @return its first seq, UINT64_MAX: none.
 */
uint64_t fwd_seg_find(const char *dir, uint64_t seq);
/** Close the segment being read (rewind, stop). */
void fwd_seg_close(struct fwd_src *s);
/** Frames and bytes on disk from @p s->next on (the backlog at start). */
void fwd_seg_backlog(struct fwd_src *s);

/* fwd_ckpt.c */
/** Open (create) the checkpoint file and give every source its seq. */
int fwd_ckpt_open(struct sl_fwd *f, char *err, size_t errlen);
/** Write the sources whose acked seq moved, then fdatasync. @return 0 or -errno. */
int fwd_ckpt_write(struct sl_fwd *f);

#endif /* SL_FWD_PRIVATE_H */

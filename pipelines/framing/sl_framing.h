/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Framing stage: cuts a TCP byte stream into syslog messages (RFC 6587).
 *
 * Each message is framed on its own, so a connection may mix framings:
 *   - octet counting: "LEN SP MSG", LEN a decimal without leading zero, 1 to
 *     SL_FRAMING_MAX_DIGITS digits, the message then starting with '<';
 *     the LEN bytes after the space are the message, stored exactly;
 *   - non-transparent: the message ends at LF or NUL (the terminator and
 *     one CR before it are framing, not stored).
 * A line that starts with digits not followed by "SP <" ("12 apples"), or
 * with a '0' ("0 <13>x"), or with more than 20 digits, is an ordinary line.
 *
 * A length prefix "DIGITS SP <" that is not a valid count (10 to 20 digits,
 * or over max_frame) is a framing error: the line up to the next LF/NUL is
 * stored as one message flagged SL_REC_F_FRAMING_ERR and framing starts
 * afresh after it, so one bad prefix never poisons the connection.
 *
 * Between messages, LF, CR and NUL bytes are skipped: a run of them at the
 * front of the stream is a frame of its own with has_msg = 0 (counted
 * empty_bytes at commit).
 *
 * Messages longer than max_msg are cut: the first max_msg bytes are stored
 * flagged SL_REC_F_TRUNCATED, the rest is skipped (to the end of the
 * counted frame, or through the next LF/NUL, terminator included), counted
 * skipped_bytes, and framing resumes. A counted frame is cut as soon as
 * max_msg bytes of its body are there (orig_len = LEN); a line once max_msg
 * + 1 bytes hold no terminator (orig_len = max_msg: the rest is unknown).
 * A line of exactly max_msg bytes is not cut.
 *
 * Counting (at commit): every stored message counts once in frames_octet,
 * frames_lf, frames_nul or frames_close (a line cut at max_msg counts
 * frames_lf, a bad-prefix line frames_lf/nul too); truncated and
 * bad_prefix count flagged messages on top. Every stream byte not stored
 * and not framing (length prefix, terminator, CR) is counted in
 * skipped_bytes or empty_bytes.
 *
 * The stream is given as a list of spans (a connection's queued mbufs),
 * starting at the first byte not yet consumed. The framer only looks:
 * sl_framer_next() finds the next frame without changing what it means,
 * and the caller, once it has stored the message, calls sl_framer_commit()
 * and drops frame.consume bytes from the front of its stream. A caller that
 * cannot store yet (backpressure) simply calls sl_framer_next() again later
 * with the same or more bytes and gets the same message frame (a has_msg =
 * 0 frame covers the skipped or empty bytes there are, so it may grow).
 * The framer caches how far it has searched, so bytes are scanned once
 * however the stream arrives.
 *
 * No allocation, no DPDK: pure functions over bytes, per-connection state
 * of 16 bytes.
 */
#ifndef SL_FRAMING_H
#define SL_FRAMING_H

#include <stdbool.h>
#include <stdint.h>

#include "sl_counters.h"

/** Longest accepted length prefix, in digits. */
#define SL_FRAMING_MAX_DIGITS 9

#define SL_FRAMING_COUNTERS(X) \
	X(frames_octet,   "messages framed by octet counting") \
	X(frames_lf,      "messages framed by an LF terminator") \
	X(frames_nul,     "messages framed by a NUL terminator") \
	X(frames_close,   "messages cut by the connection's end (stored, flagged truncated)") \
	X(truncated,      "messages longer than --max-msg (first bytes stored, flagged)") \
	X(bad_prefix,     "invalid octet-count prefixes (line stored flagged framing-error, resynced)") \
	X(skipped_bytes,  "bytes skipped: the rest of truncated messages") \
	X(empty_bytes,    "LF/CR/NUL bytes between messages")

/** Counter index: SL_FRAMING_<name>. */
#define SL_FRAMING_CTR_ENUM(name, help) SL_FRAMING_ ## name,
enum sl_framing_counter {
	SL_FRAMING_COUNTERS(SL_FRAMING_CTR_ENUM)
	SL_FRAMING_NB_CTR
};

/** Framing parameters (one per worker, shared by its connections). */
struct sl_framing_cfg {
	uint32_t max_msg;   /**< longest message stored (--max-msg), >= 1 */
	uint32_t max_frame; /**< largest octet count accepted (0: 16 MiB); larger is a bad prefix */
};

/** Per-connection framing state. Zero-initialised = start of a stream. */
struct sl_framer {
	uint32_t scanned;   /**< bytes of the pending frame already searched for a terminator */
	uint32_t skip;      /**< bytes still to skip (rest of a truncated counted frame) */
	uint8_t mode;       /**< private */
	uint8_t pad[7];
};

/** A span of stream bytes (sl_iov: parse has its own sl_span, an offset pair). */
struct sl_iov {
	const uint8_t *p;
	uint32_t len;
};

/** What sl_framer_next() found. */
struct sl_frame {
	uint32_t off;       /**< offset of the message's first byte in the stream */
	uint32_t len;       /**< message bytes to store (<= max_msg) */
	uint32_t orig_len;  /**< message length as sent when known (>= len), else len */
	uint32_t consume;   /**< bytes to drop from the stream after storing */
	uint16_t flags;     /**< SL_REC_F_TRUNCATED | SL_REC_F_FRAMING_ERR */
	uint8_t kind;       /**< private: the counter to bump at commit */
	uint8_t has_msg;    /**< 0: nothing to store, only consume (skipped bytes) */
};

/** sl_framer_next() results. */
enum sl_frame_result {
	SL_FRAME_MORE = 0,  /**< need more bytes; nothing to consume */
	SL_FRAME_READY = 1, /**< *frame filled: store it if has_msg, then commit */
};

/**
 * Find the next frame in the stream.
 * @param st    the connection's state
 * @param cfg   parameters
 * @param sp    spans of the stream, in order, starting at the first byte
 *              not yet consumed (spans may be empty)
 * @param n     number of spans
 * @param f     filled when SL_FRAME_READY
 * @return SL_FRAME_READY or SL_FRAME_MORE
 */
enum sl_frame_result sl_framer_next(struct sl_framer *st, const struct sl_framing_cfg *cfg,
				    const struct sl_iov *sp, unsigned int n,
				    struct sl_frame *f);

/**
 * The frame from the last sl_framer_next() was stored (or, has_msg = 0,
 * skipped): advance the state past it and count it in @p ctr
 * (SL_FRAMING_NB_CTR values). The caller drops f->consume bytes.
 */
void sl_framer_commit(struct sl_framer *st, const struct sl_frame *f, uint64_t *ctr);

/**
 * The stream ended (FIN) with the bytes of @p sp unconsumed, after
 * sl_framer_next() returned SL_FRAME_MORE for them: the bytes of an
 * unfinished message become a last frame flagged SL_REC_F_TRUNCATED
 * (counted frames_close at commit): a line (or an incomplete length
 * prefix) as it is, orig_len its length; a counted frame's body bytes
 * (off after the prefix), orig_len = LEN. Bytes over max_msg are counted
 * skipped_bytes at commit. Leading LF/CR/NUL are not a message (counted
 * empty_bytes at commit; next() has returned them already anyway).
 * Nothing is stored while skipping the rest of a cut message (next() has
 * returned every skipped byte there was, so none is left uncounted).
 * @return SL_FRAME_READY (commit it, then the stream is empty: consume is
 *         every byte of @p sp) or SL_FRAME_MORE when nothing is left to
 *         store.
 */
enum sl_frame_result sl_framer_close(struct sl_framer *st, const struct sl_framing_cfg *cfg,
				     const struct sl_iov *sp, unsigned int n,
				     struct sl_frame *f);

/** Copy @p len bytes at stream offset @p off out of the spans to @p dst. */
void sl_span_copy(uint8_t *dst, const struct sl_iov *sp, unsigned int n,
		  uint32_t off, uint32_t len);

/** Counter descriptions (SL_FRAMING_NB_CTR). */
extern const struct sl_ctr_desc sl_framing_ctr_desc[];

#endif /* SL_FRAMING_H */

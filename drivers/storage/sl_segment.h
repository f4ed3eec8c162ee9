/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Segment file format v1 (private to drivers/storage; docs/FORMAT.md holds
 * the bytes). A segment is a sequence of zstd frames:
 *
 *   [skippable: segment header] [pad]? ([data frame] [pad]?)*
 *   ([pad]? [skippable: index] [skippable: trailer])
 *
 * Data frames are ordinary zstd frames (content checksum, content size in the
 * frame header) whose content is one batch (sl_record.h). Skippable frames
 * that are not sluice metadata (block padding, SL_SEG_PAD_MAGIC, written so
 * every O_DIRECT write starts and ends on a 4 KiB boundary) may appear
 * between any two frames and are ignored. A sealed segment ends with the
 * fixed-size trailer, right after the index.
 */
#ifndef SL_SEGMENT_H
#define SL_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "sl_record.h"

/** zstd frame magics (RFC 8878). */
#define SL_ZSTD_MAGIC          0xFD2FB528u
#define SL_ZSTD_SKIP_MASK      0xFFFFFFF0u
#define SL_ZSTD_SKIP_START     0x184D2A50u
/** Skippable magic sluice uses for its metadata frames. */
#define SL_SEG_SKIP_MAGIC      0x184D2A55u
/** Skippable magic recommended for padding (any other is skipped too). */
#define SL_SEG_PAD_MAGIC       0x184D2A5Fu
/** Size of a skippable frame header (magic + payload length). */
#define SL_SKIP_HDR_LEN        8

/** Payload magics: "SLS1" header, "SLI1" index, "SLT1" trailer. */
#define SL_SEG_HDR_MAGIC       0x31534c53u
#define SL_SEG_IDX_MAGIC       0x31494c53u
#define SL_SEG_TRL_MAGIC       0x31544c53u

/** Longest tenant or stream name (without the NUL). */
#define SL_SEG_NAME_MAX        47

/** Reader limits: anything larger is damage, not a reason to allocate. */
#define SL_SEG_MAX_RAW         (256u << 20)  /**< batch content bytes */
#define SL_SEG_MAX_FRAME       (SL_SEG_MAX_RAW + (1u << 20)) /**< compressed */
#define SL_SEG_MAX_INDEX       (64u << 20)   /**< index payload bytes */

/** Segment header: payload of the first (skippable) frame. 160 bytes. */
struct sl_seg_hdr {
	uint32_t magic;        /**< SL_SEG_HDR_MAGIC */
	uint16_t version;      /**< SL_FORMAT_VERSION */
	uint16_t hdr_len;      /**< 160 */
	uint16_t shard;
	uint16_t flags;        /**< 0 */
	uint32_t reserved0;
	uint64_t created_ns;   /**< CLOCK_REALTIME when created */
	uint64_t first_seq;    /**< seq of the first record (also the file name) */
	char tenant[48];       /**< NUL-padded */
	char stream[48];       /**< NUL-padded */
	uint8_t reserved1[28];
	uint32_t crc;          /**< CRC32C of the 156 bytes before */
} __attribute__((packed));
_Static_assert(sizeof(struct sl_seg_hdr) == 160, "segment header is 160 bytes");

/** Index payload header; entries follow. 32 bytes. */
struct sl_seg_idx_hdr {
	uint32_t magic;        /**< SL_SEG_IDX_MAGIC */
	uint16_t version;
	uint16_t hdr_len;      /**< 32: entries start here */
	uint16_t ent_len;      /**< 48: stride of the entries */
	uint16_t reserved0;
	uint32_t nent;         /**< number of entries (data frames) */
	uint64_t first_seq;
	uint64_t reserved1;
} __attribute__((packed));
_Static_assert(sizeof(struct sl_seg_idx_hdr) == 32, "index header is 32 bytes");

/** One index entry per data frame. 48 bytes. */
struct sl_seg_idx_ent {
	uint64_t offset;       /**< file offset of the frame's magic */
	uint32_t csize;        /**< compressed frame bytes */
	uint32_t raw_len;      /**< content bytes (= batch raw_len) */
	uint32_t nrec;
	uint32_t reserved;
	uint64_t first_seq;
	uint64_t min_ns;
	uint64_t max_ns;
} __attribute__((packed));
_Static_assert(sizeof(struct sl_seg_idx_ent) == 48, "index entry is 48 bytes");

/** Trailer: payload of the last frame of a sealed segment. 80 bytes. */
struct sl_seg_trailer {
	uint32_t magic;        /**< SL_SEG_TRL_MAGIC */
	uint16_t version;
	uint16_t trl_len;      /**< 80 */
	uint64_t index_off;    /**< file offset of the index frame's magic */
	uint32_t index_len;    /**< index payload bytes */
	uint32_t index_crc;    /**< CRC32C of the index payload */
	uint32_t nframes;      /**< data frames */
	uint32_t flags;        /**< 0 */
	uint64_t nrec;
	uint64_t first_seq;
	uint64_t min_ns;       /**< UINT64_MAX/0 when empty */
	uint64_t max_ns;
	uint64_t raw_bytes;    /**< sum of raw_len */
	uint32_t reserved;
	uint32_t crc;          /**< CRC32C of the 76 bytes before */
} __attribute__((packed));
_Static_assert(sizeof(struct sl_seg_trailer) == 80, "trailer is 80 bytes");

#define SL_SEG_HDR_FRAME_LEN (SL_SKIP_HDR_LEN + sizeof(struct sl_seg_hdr))
#define SL_SEG_TRL_FRAME_LEN (SL_SKIP_HDR_LEN + sizeof(struct sl_seg_trailer))

/**
 * Bytes of padding that bring @p off to a multiple of @p align: 0 when it
 * is one already, else at least SL_SKIP_HDR_LEN (a gap shorter than a
 * skippable frame header pads on to the next boundary).
 */
static inline uint32_t
sl_seg_pad_len(uint64_t off, uint32_t align)
{
	uint32_t gap = align > 1 ? (uint32_t)((align - off % align) % align) : 0;

	return gap > 0 && gap < SL_SKIP_HDR_LEN ? gap + align : gap;
}

/**
 * Write a padding frame of @p len bytes (0, or >= SL_SKIP_HDR_LEN) at @p p:
 * a skippable frame with SL_SEG_PAD_MAGIC and a zero payload.
 */
void sl_seg_pad(uint8_t *p, uint32_t len);

/** CRC32C (Castagnoli), init/final ~0: sl_crc32c("123456789") = 0xE3069283. */
uint32_t sl_crc32c(const void *buf, size_t len);

static inline uint32_t
sl_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24;
}

static inline void
sl_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

/** Results of sl_zframe_extent(). */
enum sl_zframe_kind {
	SL_ZF_DATA,   /**< a zstd data frame of *size bytes */
	SL_ZF_SKIP,   /**< a skippable frame of *size bytes (header included) */
	SL_ZF_NEED,   /**< not enough bytes: at least *size are needed */
	SL_ZF_BAD,    /**< not a frame (bad magic or structure) */
};

/**
 * Find the extent of the frame at @p p by walking its header and block
 * headers (no decompression). Never reads past p[n - 1].
 * @param p     bytes starting at a frame's magic
 * @param n     bytes available
 * @param size  out: frame size (DATA, SKIP) or bytes needed (NEED)
 * @param cks   out (DATA): 1 if the frame has a content checksum
 */
enum sl_zframe_kind sl_zframe_extent(const uint8_t *p, size_t n,
				     uint64_t *size, int *cks);

/** Fill and checksum a segment header. @return 0 or -EINVAL (names). */
int sl_seg_hdr_init(struct sl_seg_hdr *h, uint16_t shard, uint64_t first_seq,
		    uint64_t created_ns, const char *tenant, const char *stream);

/** True when @p h is a well-formed v1 header with a good CRC. */
int sl_seg_hdr_check(const struct sl_seg_hdr *h);

/** True when @p t is a well-formed v1 trailer with a good CRC. */
int sl_seg_trailer_check(const struct sl_seg_trailer *t);

/**
 * Check a batch (decompressed frame content): header magic, version,
 * hdr_len, raw_len == @p len, records exactly filling it, nrec, every rx_ns
 * within [min_ns, max_ns].
 * @return NULL when good, or a static description of the first problem.
 */
const char *sl_batch_check(const uint8_t *buf, size_t len);

/** A name is usable as tenant/stream: 1-47 chars of [A-Za-z0-9._-], not "." / "..". */
int sl_seg_name_ok(const char *s);

/**
 * A segment file name: 20 decimal digits (its first seq) and ".zst".
 * @return 1 with *seq set, 0 when @p name is something else.
 */
int sl_seg_file_seq(const char *name, uint64_t *seq);

/*
 * Frame scanner: reads one frame at a time from a segment file with pread
 * (never mmap: a file truncated under a reader must not SIGBUS it), finds
 * its extent, and for a data frame decompresses and checks it.
 */
struct sl_seg_scan {
	int fd;
	uint64_t size;         /**< file size when opened */
	uint8_t *in;           /**< file bytes [in_off, in_off + in_len) */
	size_t in_cap, in_len;
	uint64_t in_off;
	uint8_t *out;          /**< decompressed content of the last frame */
	size_t out_cap;
	void *dctx;            /**< ZSTD_DCtx */
};

enum sl_scan_res {
	SL_SCAN_DATA,       /**< a good data frame: f->b, f->raw, f->size */
	SL_SCAN_SKIP,       /**< a skippable frame of f->size bytes */
	SL_SCAN_END,        /**< off == limit */
	SL_SCAN_TORN,       /**< a frame starts but does not end before limit */
	SL_SCAN_BAD_FRAME,  /**< frame of f->size bytes that fails (f->why) */
	SL_SCAN_BAD_STRUCT, /**< not a frame, extent unknown (f->why) */
	SL_SCAN_IO,         /**< read error (f->err = -errno) */
};

struct sl_scan_frame {
	uint64_t off;          /**< where the frame starts */
	uint64_t size;         /**< its bytes (DATA, SKIP, BAD_FRAME); TORN: bytes left */
	uint32_t skip_magic;   /**< SKIP: the skippable magic */
	struct sl_batch_hdr b; /**< DATA: batch header */
	const uint8_t *raw;    /**< DATA: batch content (valid until next call) */
	uint32_t raw_len;
	const char *why;       /**< BAD_*: static description */
	int err;               /**< IO: -errno */
};

/** Prepare a scanner on an open fd. @return 0 or -ENOMEM. */
int sl_seg_scan_init(struct sl_seg_scan *sc, int fd, uint64_t size);
void sl_seg_scan_fini(struct sl_seg_scan *sc);

/** Read and check the frame at @p off; frames must end by @p limit. */
enum sl_scan_res sl_seg_scan_frame(struct sl_seg_scan *sc, uint64_t off,
				   uint64_t limit, struct sl_scan_frame *f);

/**
 * Read @p len bytes at @p off into @p buf (EINTR and short reads handled).
 * @return 0, -EIO when the file is shorter, or -errno.
 */
int sl_seg_pread(int fd, void *buf, size_t len, uint64_t off);

/** Find the sealed-segment trailer of a file of @p size bytes. @return 1 sealed, 0 not, -errno. */
int sl_seg_read_trailer(int fd, uint64_t size, struct sl_seg_trailer *t);

/** Find the next zstd frame magic at or after @p off (before limit); limit if none. */
uint64_t sl_seg_scan_resync(struct sl_seg_scan *sc, uint64_t off, uint64_t limit);

#endif /* SL_SEGMENT_H */

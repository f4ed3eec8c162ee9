/* SPDX-License-Identifier: BSD-3-Clause */
/* Pins the on-disk layout of format v1 (docs/FORMAT.md): any change here is a
 * format change and needs a new version number. */
#include <stddef.h>

#include "sl_common.h"
#include "sl_record.h"
#include "sl_segment.h"
#include "sl_test.h"

static int
test_record_header_offsets_are_frozen(void)
{
	SL_ASSERT_EQ(sizeof(struct sl_rec), 64);
	SL_ASSERT_EQ(offsetof(struct sl_rec, len), 0);
	SL_ASSERT_EQ(offsetof(struct sl_rec, orig_len), 4);
	SL_ASSERT_EQ(offsetof(struct sl_rec, rx_ns), 8);
	SL_ASSERT_EQ(offsetof(struct sl_rec, src), 16);
	SL_ASSERT_EQ(offsetof(struct sl_rec, dst), 32);
	SL_ASSERT_EQ(offsetof(struct sl_rec, sport), 48);
	SL_ASSERT_EQ(offsetof(struct sl_rec, dport), 50);
	SL_ASSERT_EQ(offsetof(struct sl_rec, tenant), 52);
	SL_ASSERT_EQ(offsetof(struct sl_rec, stream), 54);
	SL_ASSERT_EQ(offsetof(struct sl_rec, rule), 56);
	SL_ASSERT_EQ(offsetof(struct sl_rec, flags), 58);
	SL_ASSERT_EQ(offsetof(struct sl_rec, severity), 60);
	SL_ASSERT_EQ(offsetof(struct sl_rec, facility), 61);
	SL_ASSERT_EQ(offsetof(struct sl_rec, transport), 62);
	SL_ASSERT_EQ(offsetof(struct sl_rec, tags), 63);
	return 0;
}

static int
test_batch_header_offsets_are_frozen(void)
{
	SL_ASSERT_EQ(sizeof(struct sl_batch_hdr), 64);
	SL_ASSERT_EQ(offsetof(struct sl_batch_hdr, magic), 0);
	SL_ASSERT_EQ(offsetof(struct sl_batch_hdr, version), 4);
	SL_ASSERT_EQ(offsetof(struct sl_batch_hdr, hdr_len), 6);
	SL_ASSERT_EQ(offsetof(struct sl_batch_hdr, nrec), 8);
	SL_ASSERT_EQ(offsetof(struct sl_batch_hdr, raw_len), 12);
	SL_ASSERT_EQ(offsetof(struct sl_batch_hdr, first_seq), 16);
	SL_ASSERT_EQ(offsetof(struct sl_batch_hdr, min_ns), 24);
	SL_ASSERT_EQ(offsetof(struct sl_batch_hdr, max_ns), 32);
	SL_ASSERT_EQ(offsetof(struct sl_batch_hdr, shard), 40);
	SL_ASSERT_EQ(SL_BATCH_MAGIC, 0x31424c53);
	SL_ASSERT_EQ(memcmp("SLB1", &(uint32_t){SL_BATCH_MAGIC}, 4), 0);
	SL_ASSERT_EQ(SL_FORMAT_VERSION, 1);
	return 0;
}

static int
test_segment_structs_are_frozen(void)
{
	SL_ASSERT_EQ(sizeof(struct sl_seg_hdr), 160);
	SL_ASSERT_EQ(offsetof(struct sl_seg_hdr, shard), 8);
	SL_ASSERT_EQ(offsetof(struct sl_seg_hdr, created_ns), 16);
	SL_ASSERT_EQ(offsetof(struct sl_seg_hdr, first_seq), 24);
	SL_ASSERT_EQ(offsetof(struct sl_seg_hdr, tenant), 32);
	SL_ASSERT_EQ(offsetof(struct sl_seg_hdr, stream), 80);
	SL_ASSERT_EQ(offsetof(struct sl_seg_hdr, crc), 156);
	SL_ASSERT_EQ(sizeof(struct sl_seg_idx_hdr), 32);
	SL_ASSERT_EQ(offsetof(struct sl_seg_idx_hdr, nent), 12);
	SL_ASSERT_EQ(offsetof(struct sl_seg_idx_hdr, first_seq), 16);
	SL_ASSERT_EQ(sizeof(struct sl_seg_idx_ent), 48);
	SL_ASSERT_EQ(offsetof(struct sl_seg_idx_ent, csize), 8);
	SL_ASSERT_EQ(offsetof(struct sl_seg_idx_ent, raw_len), 12);
	SL_ASSERT_EQ(offsetof(struct sl_seg_idx_ent, nrec), 16);
	SL_ASSERT_EQ(offsetof(struct sl_seg_idx_ent, first_seq), 24);
	SL_ASSERT_EQ(offsetof(struct sl_seg_idx_ent, min_ns), 32);
	SL_ASSERT_EQ(offsetof(struct sl_seg_idx_ent, max_ns), 40);
	SL_ASSERT_EQ(sizeof(struct sl_seg_trailer), 80);
	SL_ASSERT_EQ(offsetof(struct sl_seg_trailer, index_off), 8);
	SL_ASSERT_EQ(offsetof(struct sl_seg_trailer, index_len), 16);
	SL_ASSERT_EQ(offsetof(struct sl_seg_trailer, index_crc), 20);
	SL_ASSERT_EQ(offsetof(struct sl_seg_trailer, nframes), 24);
	SL_ASSERT_EQ(offsetof(struct sl_seg_trailer, nrec), 32);
	SL_ASSERT_EQ(offsetof(struct sl_seg_trailer, first_seq), 40);
	SL_ASSERT_EQ(offsetof(struct sl_seg_trailer, min_ns), 48);
	SL_ASSERT_EQ(offsetof(struct sl_seg_trailer, max_ns), 56);
	SL_ASSERT_EQ(offsetof(struct sl_seg_trailer, raw_bytes), 64);
	SL_ASSERT_EQ(offsetof(struct sl_seg_trailer, crc), 76);
	SL_ASSERT_EQ(SL_SEG_HDR_FRAME_LEN, 168);
	SL_ASSERT_EQ(SL_SEG_TRL_FRAME_LEN, 88);
	return 0;
}

static int
test_crc32c_matches_the_standard_check_value(void)
{
	SL_ASSERT_EQ(sl_crc32c("123456789", 9), 0xE3069283u);
	SL_ASSERT_EQ(sl_crc32c("", 0), 0);
	return 0;
}

static int
test_batch_check_accepts_exact_fill_and_rejects_overrun(void)
{
	uint8_t buf[64 + 64 + 5 + 64];
	struct sl_batch_hdr b = { .magic = SL_BATCH_MAGIC, .version = 1,
		.hdr_len = 64, .nrec = 1, .raw_len = 64 + 64 + 5, .min_ns = 5, .max_ns = 5 };
	struct sl_rec r = { .len = 5, .orig_len = 5, .rx_ns = 5 };

	memset(buf, 0, sizeof(buf));
	memcpy(buf, &b, 64);
	memcpy(buf + 64, &r, 64);
	SL_ASSERT(sl_batch_check(buf, 133) == NULL);
	SL_ASSERT(sl_batch_check(buf, 132) != NULL);      /* raw_len mismatch */
	r.len = 6;
	memcpy(buf + 64, &r, 64);
	SL_ASSERT(sl_batch_check(buf, 133) != NULL);      /* record overruns */
	r.len = 5;
	r.rx_ns = 9;
	memcpy(buf + 64, &r, 64);
	SL_ASSERT(sl_batch_check(buf, 133) != NULL);      /* outside min/max */
	r.rx_ns = 5;
	memcpy(buf + 64, &r, 64);
	b.nrec = 2;
	memcpy(buf, &b, 64);
	SL_ASSERT(sl_batch_check(buf, 133) != NULL);      /* count */
	return 0;
}

static int
test_frame_extent_never_reads_past_its_input(void)
{
	uint8_t buf[64];
	uint64_t size;
	int cks, n, i;

	/* Every prefix of random bytes behind a zstd magic: no crash, sane answer. */
	srand(7);
	for (n = 0; n < 20000; n++) {
		for (i = 0; i < (int)sizeof(buf); i++)
			buf[i] = rand();
		sl_put_le32(buf, n & 1 ? SL_ZSTD_MAGIC : SL_SEG_SKIP_MAGIC);
		for (i = 0; i <= (int)sizeof(buf); i++) {
			uint8_t *copy = malloc(i ? i : 1);
			enum sl_zframe_kind k;

			memcpy(copy, buf, i);
			k = sl_zframe_extent(copy, i, &size, &cks);
			free(copy);
			if (k == SL_ZF_DATA && size > (uint64_t)i)
				SL_FAIL("extent %" PRIu64 " beyond %d", size, i);
		}
	}
	return 0;
}

static const struct sl_test_case cases[] = {
	SL_TEST(test_record_header_offsets_are_frozen),
	SL_TEST(test_batch_header_offsets_are_frozen),
	SL_TEST(test_segment_structs_are_frozen),
	SL_TEST(test_crc32c_matches_the_standard_check_value),
	SL_TEST(test_batch_check_accepts_exact_fill_and_rejects_overrun),
	SL_TEST(test_frame_extent_never_reads_past_its_input),
};

int
main(int argc, char **argv)
{
	return sl_test_main(argc, argv, cases, SL_DIM(cases), false);
}

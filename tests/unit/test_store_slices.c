/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Store compression in slices: a full batch is sealed and compressed a
 * slice per sl_store_work() call while the next batch fills; the frames,
 * records and sequence numbers on disk are the same as with one-shot
 * compression.
 */
#include "sl_reader.h"
#include "sl_test.h"
#define STORE_TEST_DIRECT
#include "store_test_util.h"

/* Append one record at a time until a batch is sealed (the store gets busy). */
static uint32_t
fill_until_busy(struct sl_store *s, const struct recs *r, uint32_t from)
{
	while (from < r->n && !sl_store_busy(s)) {
		append_range(s, r, from, from + 1);
		from++;
	}
	return from;
}

/* Read the shard back: every record in order, seq 0.., byte-exact. */
static int
read_back(const struct recs *r, uint32_t n)
{
	return store_read_expect(root, r, NULL, n);
}

static int
test_sealed_batch_is_compressed_in_slices(void)
{
	struct recs r = { 0 };
	struct sl_store *s;
	uint32_t i, next, calls = 0;
	int rc;

	mkroot();
	for (i = 0; i < 400; i++)
		recs_add(&r, 100 + (uint32_t)(rnd() % 200), 1000 + i);
	s = open_store(root, 16384, 1ull << 30, 1);
	SL_ASSERT(s != NULL);
	next = fill_until_busy(s, &r, 0);
	SL_ASSERT(sl_store_busy(s));
	SL_ASSERT_EQ(sl_store_counters(s).val[SL_STORE_frames], 0);
	/* 1 KiB a call: a 16 KiB batch takes many calls; the frame is
	 * written only by the last one. */
	while ((rc = sl_store_work(s, 1024)) == 1) {
		calls++;
		SL_ASSERT_EQ(sl_store_counters(s).val[SL_STORE_frames], 0);
	}
	SL_ASSERT_EQ(rc, 0);
	SL_ASSERT(calls >= 10);
	SL_ASSERT(!sl_store_busy(s));
	SL_ASSERT_EQ(sl_store_counters(s).val[SL_STORE_frames], 1);
	append_range(s, &r, next, r.n);
	SL_ASSERT_EQ(sl_store_flush(s), 0);
	SL_ASSERT_EQ(sl_store_counters(s).val[SL_STORE_records], r.n);
	sl_store_free(s);
	SL_ASSERT_EQ(read_back(&r, r.n), 0);
	recs_free(&r);
	rmroot();
	return 0;
}

static int
test_busy_store_takes_only_what_fits_the_next_batch(void)
{
	struct recs r = { 0 };
	struct sl_store *s;
	uint32_t i;

	mkroot();
	for (i = 0; i < 200; i++)
		recs_add(&r, 200, 1000 + i);
	s = open_store(root, 8192, 1ull << 30, 1);
	SL_ASSERT(sl_store_can_take(s, 1u << 20));   /* idle: anything */
	fill_until_busy(s, &r, 0);
	SL_ASSERT(sl_store_busy(s));
	/* The new batch holds the record that did not fit the sealed one. */
	SL_ASSERT(sl_store_can_take(s, 4096));
	SL_ASSERT(!sl_store_can_take(s, 8192));
	while (sl_store_work(s, 4096) == 1)
		;
	SL_ASSERT(sl_store_can_take(s, 8192));
	sl_store_free(s);
	recs_free(&r);
	rmroot();
	return 0;
}

static int
test_age_seal_waits_for_the_batch_in_progress(void)
{
	struct recs r = { 0 };
	struct sl_store *s;
	uint32_t i, next, pending;

	mkroot();
	for (i = 0; i < 200; i++)
		recs_add(&r, 200, 1000 + i);
	s = open_store(root, 8192, 1ull << 30, 1);
	next = fill_until_busy(s, &r, 0);
	pending = sl_store_pending(s);
	SL_ASSERT(pending > 0);
	/* Busy: the open batch stays open. */
	SL_ASSERT_EQ(sl_store_seal_batch(s), 0);
	SL_ASSERT_EQ(sl_store_pending(s), pending);
	while (sl_store_work(s, SIZE_MAX) == 1)
		;
	/* Idle: sealed for work, nothing pending in the open batch. */
	SL_ASSERT_EQ(sl_store_seal_batch(s), 0);
	SL_ASSERT(sl_store_busy(s));
	SL_ASSERT_EQ(sl_store_pending(s), 0);
	SL_ASSERT_EQ(sl_store_flush(s), 0);
	SL_ASSERT_EQ(sl_store_counters(s).val[SL_STORE_frames], 2);
	sl_store_free(s);
	SL_ASSERT_EQ(read_back(&r, next), 0);
	recs_free(&r);
	rmroot();
	return 0;
}

static int
test_batches_nobody_works_on_finish_at_the_next_seal(void)
{
	struct recs r = { 0 };
	struct sl_store *s;
	uint32_t i;

	mkroot();
	for (i = 0; i < 3000; i++)
		recs_add(&r, (uint32_t)(rnd() % 500), 1000 + i);
	s = open_store(root, 16384, 256 << 10, 1);
	SL_ASSERT_EQ(append_range(s, &r, 0, r.n), 0);
	sl_store_free(s);
	SL_ASSERT_EQ(read_back(&r, r.n), 0);
	recs_free(&r);
	rmroot();
	return 0;
}

static const struct sl_test_case cases[] = {
	SL_TEST(test_sealed_batch_is_compressed_in_slices),
	SL_TEST(test_busy_store_takes_only_what_fits_the_next_batch),
	SL_TEST(test_age_seal_waits_for_the_batch_in_progress),
	SL_TEST(test_batches_nobody_works_on_finish_at_the_next_seal),
};

int
main(int argc, char **argv)
{
	return sl_test_main(argc, argv, cases, SL_DIM(cases), false);
}

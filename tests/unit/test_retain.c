/* SPDX-License-Identifier: BSD-3-Clause */
/* Retention: usage counted by blocks, the oldest sealed segments deleted
 * first across shards and tenants until under the budget, the newest
 * segment of a shard and unsealed segments never, over_budget, new
 * segments picked up by later polls, polls spaced by the interval. */
#include <errno.h>
#include <ftw.h>
#include <sys/stat.h>

#include <rte_errno.h>

#include "sl_common.h"
#include "sl_retain.h"
#include "sl_segment.h"
#include "sl_store.h"
#include "sl_test.h"
#include "store_test_util.h"

static struct sl_store *
store_on(const char *tenant, uint16_t shard)
{
	struct sl_store_params p = {
		.root = root, .tenant = tenant, .stream = "default", .shard = shard,
		.zstd_level = 1, .batch_size = 16 << 10, .segment_size = 1ull << 30,
		.fsync = SL_FSYNC_NONE,
	};

	return sl_store_create(&p);
}

/* One segment of @p n incompressible records received at t_ns.. t_ns+n-1;
 * sealed unless @p leave_open. */
static int
write_seg(struct sl_store *s, uint64_t t_ns, uint32_t n, int leave_open)
{
	struct recs r = { 0 };
	int rc;
	uint32_t i;

	for (i = 0; i < n; i++)
		recs_add(&r, 400 + rnd() % 200, t_ns + i);
	rc = append_range(s, &r, 0, n);
	recs_free(&r);
	if (rc == 0)
		rc = leave_open ? sl_store_flush(s) : sl_store_seal(s);
	return rc;
}

static char *
path_of(const char *tenant, unsigned int shard, uint64_t seq)
{
	static char p[8][400];
	static unsigned int k;
	char *b = p[k++ % 8];

	snprintf(b, 400, "%s/%s/default/shard-%02u/%020" PRIu64 ".zst", root, tenant, shard, seq);
	return b;
}

static uint64_t
blocks_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_blocks * 512 : 0;
}

static uint64_t walk_bytes, walk_n;

static int
walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t n = strlen(path);

	if (type == FTW_F && n > 4 && strcmp(path + n - 4, ".zst") == 0) {
		walk_bytes += (uint64_t)st->st_blocks * 512;
		walk_n++;
	}
	return 0;
}

/* What `du` would say of the segments under root. */
static uint64_t
disk_usage(uint64_t *n)
{
	walk_bytes = walk_n = 0;
	nftw(root, walk_one, 16, FTW_PHYS);
	if (n)
		*n = walk_n;
	return walk_bytes;
}

static uint64_t
rctr(const struct sl_retain *r, enum sl_retain_counter c)
{
	return sl_retain_counters(r).val[c];
}

/* Deletions run in the background: wait for them before looking. No time
 * limit per poll, so that the counts are exact on a slow machine too. */
static int
pollw(struct sl_retain *r, uint64_t now_ms)
{
	int n = sl_retain_poll(r, now_ms);

	sl_retain_wait(r);
	return n;
}

static struct sl_retain *
retain_on(uint64_t budget)
{
	struct sl_retain_params p = {
		.root = root, .budget_bytes = budget, .max_work_us = 60000000,
	};

	return sl_retain_create(&p);
}

/* A fresh root and stores on two shards of default/default. */
static int
two_stores(struct sl_store **a, uint16_t sa, struct sl_store **b, uint16_t sb)
{
	mkroot();
	*a = store_on("default", sa);
	*b = store_on("default", sb);
	return *a != NULL && *b != NULL ? 0 : -1;
}

/* Segment first-seqs: each write_seg of n records starts a segment at the
 * shard's next seq. */
#define NREC 40

static int
test_usage_is_the_blocks_of_every_segment_of_every_tenant(void)
{
	struct sl_store *a, *b, *c;
	struct sl_retain *r;
	uint64_t n, du;
	int i;

	mkroot();
	a = store_on("default", 0);
	b = store_on("default", 1);
	c = store_on("t2", 0);
	SL_ASSERT(a && b && c);
	for (i = 0; i < 3; i++) {
		SL_ASSERT_EQ(write_seg(a, 1000 + i, NREC, 0), 0);
		SL_ASSERT_EQ(write_seg(b, 2000 + i, NREC, 0), 0);
		SL_ASSERT_EQ(write_seg(c, 3000 + i, NREC, i == 2), 0);
	}
	r = retain_on(1ull << 40);
	SL_ASSERT(r != NULL);
	du = disk_usage(&n);
	SL_ASSERT_EQ(n, 9);
	SL_ASSERT(du > 9 * NREC * 400 / 2);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_usage_bytes), du);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_segments), 9);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_budget_bytes), 1ull << 40);
	SL_ASSERT_EQ(pollw(r, 0), 0);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_segments_deleted), 0);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_over_budget), 0);
	/* The open segment grows: the next poll sees it. */
	SL_ASSERT_EQ(write_seg(c, 3003, 4 * NREC, 1), 0);
	SL_ASSERT_EQ(pollw(r, 1000), 0);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_usage_bytes), disk_usage(NULL));
	sl_retain_free(r);
	sl_store_free(a);
	sl_store_free(b);
	sl_store_free(c);
	/* Bad parameters. */
	SL_ASSERT(retain_on(0) == NULL);
	SL_ASSERT_EQ(rte_errno, EINVAL);
	rmroot();
	{
		struct sl_retain_params p = { .root = "/nonexistent/sluice", .budget_bytes = 1 };

		SL_ASSERT(sl_retain_create(&p) == NULL);
		SL_ASSERT_EQ(rte_errno, ENOENT);
	}
	return 0;
}

static int
test_oldest_sealed_segments_go_first_across_shards_until_under_budget(void)
{
	struct sl_store *a, *b;
	struct sl_retain *r;
	uint64_t total, gone, seq;
	int i;

	SL_ASSERT_EQ(two_stores(&a, 0, &b, 1), 0);
	/* Interleaved ages: a has 100, 300, 500, 700; b 200, 400, 600, 800. */
	for (i = 0; i < 4; i++) {
		SL_ASSERT_EQ(write_seg(a, 100 + 200 * i, NREC, 0), 0);
		SL_ASSERT_EQ(write_seg(b, 200 + 200 * i, NREC, 0), 0);
	}
	sl_store_free(a);
	sl_store_free(b);
	total = disk_usage(NULL);
	/* Room for all but the three oldest: a@0, b@0, a@40. */
	gone = blocks_of(path_of("default", 0, 0)) + blocks_of(path_of("default", 1, 0)) +
		blocks_of(path_of("default", 0, NREC));
	r = retain_on(total - gone + 1);
	SL_ASSERT(r != NULL);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_usage_bytes), total);
	SL_ASSERT_EQ(pollw(r, 5), 3);
	SL_ASSERT(access(path_of("default", 0, 0), F_OK) != 0);
	SL_ASSERT(access(path_of("default", 1, 0), F_OK) != 0);
	SL_ASSERT(access(path_of("default", 0, NREC), F_OK) != 0);
	for (seq = 2 * NREC; seq < 4 * NREC; seq += NREC)
		SL_ASSERT(access(path_of("default", 0, seq), F_OK) == 0);
	for (seq = NREC; seq < 4 * NREC; seq += NREC)
		SL_ASSERT(access(path_of("default", 1, seq), F_OK) == 0);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_segments_deleted), 3);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_bytes_deleted), gone);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_usage_bytes), total - gone);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_usage_bytes), disk_usage(NULL));
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_segments), 5);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_over_budget), 0);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_delete_errors), 0);
	/* Under the budget now: later polls delete nothing. */
	SL_ASSERT_EQ(pollw(r, 2000), 0);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_segments_deleted), 3);
	sl_retain_free(r);
	/* A restart continues the sequences after the newest kept segment. */
	a = store_on("default", 0);
	SL_ASSERT(a != NULL);
	SL_ASSERT_EQ(write_seg(a, 900, NREC, 0), 0);
	sl_store_free(a);
	SL_ASSERT(access(path_of("default", 0, 4 * NREC), F_OK) == 0);
	rmroot();
	return 0;
}

static int
test_open_newest_and_unsealed_segments_are_never_deleted(void)
{
	struct sl_store *a, *b;
	struct sl_retain *r;
	struct stat st;
	char *unsealed;
	int i;

	SL_ASSERT_EQ(two_stores(&a, 0, &b, 1), 0);
	for (i = 0; i < 3; i++) {
		SL_ASSERT_EQ(write_seg(a, 100 + i, NREC, 0), 0);
		SL_ASSERT_EQ(write_seg(b, 10 + i, NREC, 0), 0);
	}
	SL_ASSERT_EQ(write_seg(a, 200, NREC, 1), 0);   /* a's open segment */
	sl_store_free(b);                               /* b: all sealed */
	/* b's oldest loses its trailer: unsealed, so not deletable. */
	unsealed = path_of("default", 1, 0);
	SL_ASSERT_EQ(stat(unsealed, &st), 0);
	SL_ASSERT_EQ(truncate(unsealed, st.st_size - SL_SEG_TRL_FRAME_LEN), 0);
	r = retain_on(1);
	SL_ASSERT(r != NULL);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_segments), 7);
	/* Deletable: a's three sealed ones, b's second. */
	SL_ASSERT_EQ(pollw(r, 0), 4);
	for (i = 0; i < 3; i++)
		SL_ASSERT(access(path_of("default", 0, (uint64_t)i * NREC), F_OK) != 0);
	SL_ASSERT(access(path_of("default", 0, 3 * NREC), F_OK) == 0);   /* open */
	SL_ASSERT(access(path_of("default", 1, 0), F_OK) == 0);          /* unsealed */
	SL_ASSERT(access(path_of("default", 1, NREC), F_OK) != 0);
	SL_ASSERT(access(path_of("default", 1, 2 * NREC), F_OK) == 0);   /* newest */
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_segments), 3);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_usage_bytes), disk_usage(NULL));
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_over_budget), 1);
	/* Not before the interval; then over budget again, nothing to delete. */
	SL_ASSERT_EQ(pollw(r, 999), 0);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_over_budget), 1);
	SL_ASSERT_EQ(pollw(r, 1000), 0);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_over_budget), 2);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_segments_deleted), 4);
	/* The open segment is sealed and a newer one starts: it goes. */
	SL_ASSERT_EQ(sl_store_seal(a), 0);
	SL_ASSERT_EQ(write_seg(a, 300, NREC, 1), 0);
	SL_ASSERT_EQ(pollw(r, 2000), 1);
	SL_ASSERT(access(path_of("default", 0, 3 * NREC), F_OK) != 0);
	SL_ASSERT(access(path_of("default", 0, 4 * NREC), F_OK) == 0);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_segments_deleted), 5);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_over_budget), 3);
	sl_retain_free(r);
	sl_store_free(a);
	rmroot();
	return 0;
}

static int
test_new_segments_are_picked_up_and_the_oldest_deleted_later(void)
{
	struct sl_store *a, *b;
	struct sl_retain *r;
	uint64_t start, n, i;

	SL_ASSERT_EQ(two_stores(&a, 0, &b, 2), 0);
	for (i = 0; i < 3; i++)
		SL_ASSERT_EQ(write_seg(a, 1000 + i, NREC, 0), 0);
	start = disk_usage(NULL);
	r = retain_on(start + start / 3);
	SL_ASSERT(r != NULL);
	SL_ASSERT_EQ(pollw(r, 0), 0);
	/* A new shard directory and new segments in the old one, younger. */
	for (i = 0; i < 3; i++) {
		SL_ASSERT_EQ(write_seg(a, 5000 + i, NREC, 0), 0);
		SL_ASSERT_EQ(write_seg(b, 6000 + i, NREC, 0), 0);
	}
	SL_ASSERT_EQ(pollw(r, 10), 0);          /* too soon */
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_segments), 3);
	SL_ASSERT(pollw(r, 1000) >= 3);
	/* The three old ones went first; usage is what is on the disk. */
	for (i = 0; i < 3; i++)
		SL_ASSERT(access(path_of("default", 0, i * NREC), F_OK) != 0);
	SL_ASSERT(access(path_of("default", 0, 5 * NREC), F_OK) == 0);
	SL_ASSERT(access(path_of("default", 2, 2 * NREC), F_OK) == 0);
	SL_ASSERT(rctr(r, SL_RETAIN_usage_bytes) <= start + start / 3);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_usage_bytes), disk_usage(&n));
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_segments), n);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_segments_deleted), 9 - n);
	/* Deleted in age order: every survivor is younger than the victims. */
	for (i = 0; i < 3; i++)
		if (access(path_of("default", 2, i * NREC), F_OK) != 0)
			SL_ASSERT(access(path_of("default", 0, 3 * NREC), F_OK) != 0);
	sl_retain_free(r);
	sl_store_free(a);
	sl_store_free(b);
	rmroot();
	return 0;
}

static int
test_deletions_per_poll_are_bounded_and_the_rest_follow_at_once(void)
{
	struct sl_retain_params p = {
		.budget_bytes = 1, .max_deletes = 2, .interval_ms = 60000, .max_work_us = 60000000,
	};
	struct sl_store *a;
	struct sl_retain *r;
	int i;

	mkroot();
	p.root = root;
	a = store_on("default", 0);
	SL_ASSERT(a != NULL);
	for (i = 0; i < 6; i++)
		SL_ASSERT_EQ(write_seg(a, 100 + i, NREC, 0), 0);
	sl_store_free(a);
	r = sl_retain_create(&p);
	SL_ASSERT(r != NULL);
	SL_ASSERT_EQ(pollw(r, 0), 2);
	SL_ASSERT_EQ(pollw(r, 1), 2);      /* backlog: no interval */
	SL_ASSERT_EQ(pollw(r, 2), 1);      /* the newest stays */
	SL_ASSERT_EQ(pollw(r, 3), 0);      /* now the interval holds */
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_segments_deleted), 5);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_over_budget), 1);
	SL_ASSERT(access(path_of("default", 0, 5 * NREC), F_OK) == 0);
	sl_retain_free(r);
	rmroot();
	return 0;
}

/* The newest segment of a shard vanishes (the store removes an empty one):
 * the one before may be the newest now, so nothing of that shard goes
 * until a newer one is there. */
static int
test_nothing_goes_while_the_newest_of_its_shard_is_missing(void)
{
	struct sl_store *a;
	struct sl_retain *r;
	int i;

	mkroot();
	a = store_on("default", 0);
	SL_ASSERT(a != NULL);
	for (i = 0; i < 4; i++)
		SL_ASSERT_EQ(write_seg(a, 100 + i, NREC, 0), 0);
	sl_store_free(a);
	r = retain_on(1);
	SL_ASSERT(r != NULL);
	SL_ASSERT_EQ(unlink(path_of("default", 0, 3 * NREC)), 0);
	SL_ASSERT_EQ(pollw(r, 0), 0);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_over_budget), 1);
	for (i = 0; i < 3; i++)
		SL_ASSERT(access(path_of("default", 0, (uint64_t)i * NREC), F_OK) == 0);
	/* The store goes on from there; then the older ones may go. */
	a = store_on("default", 0);
	SL_ASSERT(a != NULL);
	SL_ASSERT_EQ(write_seg(a, 200, NREC, 0), 0);
	sl_store_free(a);
	SL_ASSERT_EQ(pollw(r, 1000), 3);
	SL_ASSERT(access(path_of("default", 0, 3 * NREC), F_OK) == 0);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_segments_deleted), 3);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_segments), 1);
	sl_retain_free(r);
	rmroot();
	return 0;
}

/* A tenant's quota: only OUT/<tenant>/ is counted and trimmed, the other
 * tenants' segments stay, however old; measure_only deletes nothing and
 * says when the usage is over the budget. */
static int
test_a_tenant_quota_sees_and_trims_only_that_tenant(void)
{
	struct sl_retain_params p = {
		.root = root, .tenant = "acme", .max_work_us = 60000000,
	};
	struct sl_store *a, *b;
	struct sl_retain *r, *m;
	uint64_t mine, seq;
	int i;

	mkroot();
	a = store_on("acme", 0);
	b = store_on("beta", 0);
	SL_ASSERT(a && b);
	/* beta's segments are the oldest of all. */
	for (i = 0; i < 4; i++) {
		SL_ASSERT_EQ(write_seg(b, 100 + i, NREC, 0), 0);
		SL_ASSERT_EQ(write_seg(a, 1000 + i, NREC, 0), 0);
	}
	sl_store_free(a);
	sl_store_free(b);
	mine = 0;
	for (seq = 0; seq < 4 * NREC; seq += NREC)
		mine += blocks_of(path_of("acme", 0, seq));
	/* Measure only: usage of acme alone, over a budget below it, nothing
	 * deleted. */
	p.budget_bytes = mine / 2;
	p.measure_only = 1;
	m = sl_retain_create(&p);
	SL_ASSERT(m != NULL);
	SL_ASSERT_EQ(rctr(m, SL_RETAIN_usage_bytes), mine);
	SL_ASSERT_EQ(rctr(m, SL_RETAIN_segments), 4);
	SL_ASSERT_EQ(pollw(m, 0), 0);
	SL_ASSERT(sl_retain_over(m));
	SL_ASSERT_EQ(rctr(m, SL_RETAIN_segments_deleted), 0);
	/* Trim: acme's two oldest go (the budget leaves room for two), none
	 * of beta's. */
	p.measure_only = 0;
	p.budget_bytes = mine - blocks_of(path_of("acme", 0, 0)) -
		blocks_of(path_of("acme", 0, NREC));
	r = sl_retain_create(&p);
	SL_ASSERT(r != NULL);
	SL_ASSERT_EQ(pollw(r, 0), 2);
	SL_ASSERT(access(path_of("acme", 0, 0), F_OK) != 0);
	SL_ASSERT(access(path_of("acme", 0, NREC), F_OK) != 0);
	SL_ASSERT(access(path_of("acme", 0, 2 * NREC), F_OK) == 0);
	for (seq = 0; seq < 4 * NREC; seq += NREC)
		SL_ASSERT(access(path_of("beta", 0, seq), F_OK) == 0);
	SL_ASSERT(!sl_retain_over(r));
	/* The measuring one sees the change at its next poll: under now. */
	SL_ASSERT_EQ(pollw(m, 5000), 0);
	SL_ASSERT_EQ(rctr(m, SL_RETAIN_usage_bytes), rctr(r, SL_RETAIN_usage_bytes));
	SL_ASSERT(!sl_retain_over(m));
	sl_retain_free(r);
	sl_retain_free(m);
	/* A tenant without a directory. */
	p.tenant = "nobody";
	SL_ASSERT(sl_retain_create(&p) == NULL);
	rmroot();
	return 0;
}

/* --kafka: shard 0 is forwarded up to fwd_g.acked, shard 1 is not tracked. */
static struct sl_fwd_gate fwd_g;

static struct sl_fwd_gate *
gate_of(void *arg, const char *tenant, const char *stream, unsigned int shard)
{
	(void)arg;
	return strcmp(tenant, "default") == 0 && strcmp(stream, "default") == 0 &&
		shard == 0 ? &fwd_g : NULL;
}

static int
test_unforwarded_segments_go_last_and_their_loss_is_counted(void)
{
	struct sl_retain_params p = { .max_work_us = 60000000, .fwd_gate = gate_of };
	struct sl_store *a, *b;
	struct sl_retain *r;
	uint64_t total, s0[4], s1[4];
	int i;

	SL_ASSERT_EQ(two_stores(&a, 0, &b, 1), 0);
	/* Shard 0 holds the oldest records: 100..400; shard 1 1100..1400. */
	for (i = 0; i < 4; i++) {
		SL_ASSERT_EQ(write_seg(a, 100 + 100 * i, NREC, 0), 0);
		SL_ASSERT_EQ(write_seg(b, 1100 + 100 * i, NREC, 0), 0);
	}
	sl_store_free(a);
	sl_store_free(b);
	for (i = 0; i < 4; i++) {
		s0[i] = blocks_of(path_of("default", 0, (uint64_t)i * NREC));
		s1[i] = blocks_of(path_of("default", 1, (uint64_t)i * NREC));
	}
	total = disk_usage(NULL);
	/* Kafka has shard 0's first segment, and the forwarder read 10
	 * records of the second. */
	sl_fwd_gate_init(&fwd_g, NREC);
	SL_ASSERT_EQ(sl_fwd_gate_claim(&fwd_g, NREC, NREC + 10), 0);
	p.root = root;
	/* Room for all but three segments: the forwarded one of shard 0 and
	 * two of shard 1 go, although shard 0's second and third are older. */
	p.budget_bytes = total - s0[0] - s1[0] - s1[1] + 1;
	r = sl_retain_create(&p);
	SL_ASSERT(r != NULL);
	SL_ASSERT_EQ(pollw(r, 5), 3);
	SL_ASSERT(access(path_of("default", 0, 0), F_OK) != 0);
	SL_ASSERT(access(path_of("default", 0, NREC), F_OK) == 0);
	SL_ASSERT(access(path_of("default", 1, 0), F_OK) != 0);
	SL_ASSERT(access(path_of("default", 1, NREC), F_OK) != 0);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_unforwarded_deleted), 0);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_over_budget), 0);
	sl_retain_free(r);
	/* Now the budget forces more than what is forwarded or untracked:
	 * shard 1's third segment (its newest stays), then shard 0's oldest
	 * unforwarded one, counted: the 30 records the forwarder had not
	 * read. */
	p.budget_bytes = s0[2] + s0[3] + s1[3] + 1;
	r = sl_retain_create(&p);
	SL_ASSERT(r != NULL);
	SL_ASSERT_EQ(pollw(r, 5), 2);
	SL_ASSERT(access(path_of("default", 1, 2 * NREC), F_OK) != 0);
	SL_ASSERT(access(path_of("default", 0, NREC), F_OK) != 0);
	SL_ASSERT(access(path_of("default", 0, 2 * NREC), F_OK) == 0);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_unforwarded_deleted), 1);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_unforwarded_records), NREC - 10);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_unforwarded_kept), 0);
	/* The forwarder skips what went, to the record. */
	SL_ASSERT_EQ(sl_fwd_gate_claim(&fwd_g, NREC + 10, NREC + 20), 2 * NREC);
	/* Over the budget again, with only unforwarded segments and a poll
	 * limited to one deletion: the one left over is kept (a gauge). */
	sl_retain_free(r);
	p.budget_bytes = 1;
	p.max_deletes = 1;
	r = sl_retain_create(&p);
	SL_ASSERT(r != NULL);
	SL_ASSERT_EQ(pollw(r, 5), 1);
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_unforwarded_deleted), 1);
	SL_ASSERT(access(path_of("default", 0, 2 * NREC), F_OK) != 0);
	SL_ASSERT(access(path_of("default", 0, 3 * NREC), F_OK) == 0);   /* newest */
	SL_ASSERT_EQ(rctr(r, SL_RETAIN_over_budget), 1);
	sl_retain_free(r);
	pthread_mutex_destroy(&fwd_g.mu);
	rmroot();
	return 0;
}

static const struct sl_test_case cases[] = {
	SL_TEST(test_unforwarded_segments_go_last_and_their_loss_is_counted),
	SL_TEST(test_a_tenant_quota_sees_and_trims_only_that_tenant),
	SL_TEST(test_usage_is_the_blocks_of_every_segment_of_every_tenant),
	SL_TEST(test_oldest_sealed_segments_go_first_across_shards_until_under_budget),
	SL_TEST(test_open_newest_and_unsealed_segments_are_never_deleted),
	SL_TEST(test_new_segments_are_picked_up_and_the_oldest_deleted_later),
	SL_TEST(test_deletions_per_poll_are_bounded_and_the_rest_follow_at_once),
	SL_TEST(test_nothing_goes_while_the_newest_of_its_shard_is_missing),
};

int
main(int argc, char **argv)
{
	rte_log_set_global_level(RTE_LOG_ERR);
	return sl_test_main(argc, argv, cases, SL_DIM(cases), false);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* The Kafka forwarder against librdkafka's in-process mock cluster: topic
 * templates, the retention gate's arithmetic, every stored batch in Kafka
 * exactly once (sealed segments by index, the open one as its store
 * publishes it, bytes equal to the frames on disk, headers right), the
 * checkpoint surviving a restart (nothing sent again), and a checkpoint
 * that says a batch was sent but not acknowledged (a crash): it goes again
 * and is counted as resent. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <time.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <zstd.h>

#include <rte_log.h>

#include "sl_common.h"
#include "sl_forward.h"
#include "sl_segment.h"
#include "sl_store.h"
#include "sl_test.h"
#include "store_test_util.h"

static int
test_topic_templates(void)
{
	char out[300], err[300];

	SL_ASSERT_EQ(sl_fwd_topic("logs.{tenant}.{stream}", "n1", "acme", "auth", 3,
				  out, sizeof(out)), 14);
	SL_ASSERT(strcmp(out, "logs.acme.auth") == 0);
	SL_ASSERT(sl_fwd_topic("{node}-{shard}_x", "edge-1", "t", "s", 12, out, sizeof(out)) > 0);
	SL_ASSERT(strcmp(out, "edge-1-12_x") == 0);
	SL_ASSERT_EQ(sl_fwd_topic("logs.{tenant", "n", "t", "s", 0, out, sizeof(out)), -EINVAL);
	SL_ASSERT_EQ(sl_fwd_topic("logs.{who}", "n", "t", "s", 0, out, sizeof(out)), -EINVAL);
	SL_ASSERT_EQ(sl_fwd_topic("logs/x", "n", "t", "s", 0, out, sizeof(out)), -EINVAL);
	SL_ASSERT_EQ(sl_fwd_topic("", "n", "t", "s", 0, out, sizeof(out)), -EINVAL);
	SL_ASSERT_EQ(sl_fwd_topic("..", "n", "t", "s", 0, out, sizeof(out)), -EINVAL);
	memset(out, 'a', 260);
	out[260] = '\0';
	{
		char big[300];

		SL_ASSERT_EQ(sl_fwd_topic(out, "n", "t", "s", 0, big, sizeof(big)), -ENAMETOOLONG);
	}
	SL_ASSERT_EQ(sl_fwd_topic_check("a.{stream}", err, sizeof(err)), 0);
	SL_ASSERT_EQ(sl_fwd_topic_check("a b", err, sizeof(err)), -EINVAL);
	SL_ASSERT(strstr(err, "--kafka-topic") != NULL);
	return 0;
}

static int
test_gate_counts_a_forced_deletion_once_on_both_sides(void)
{
	struct sl_fwd_gate g;

	sl_fwd_gate_init(&g, 100);
	SL_ASSERT_EQ(sl_fwd_gate_acked(&g), 100);
	/* The forwarder read [100, 150) (in flight); retention deletes the
	 * segment [100, 200): only what was not read is lost. */
	SL_ASSERT_EQ(sl_fwd_gate_claim(&g, 100, 150), 0);
	SL_ASSERT_EQ(sl_fwd_gate_drop(&g, 100, 200), 50);
	/* The forwarder's next frame [150, 180) is gone: skip to 200. */
	SL_ASSERT_EQ(sl_fwd_gate_claim(&g, 150, 180), 200);
	sl_fwd_gate_skip(&g, 200);
	/* The next segment [200, 300), deleted before anything of it was
	 * read: all of it. A deletion of something read already: nothing. */
	SL_ASSERT_EQ(sl_fwd_gate_drop(&g, 200, 300), 100);
	SL_ASSERT_EQ(sl_fwd_gate_drop(&g, 100, 200), 0);
	SL_ASSERT_EQ(sl_fwd_gate_claim(&g, 300, 310), 0);
	sl_fwd_gate_set_acked(&g, 310);
	SL_ASSERT_EQ(sl_fwd_gate_acked(&g), 310);
	pthread_mutex_destroy(&g.mu);
	return 0;
}

/* --- against the mock cluster ------------------------------------------ */

#define TOPIC "fwdtest.t1.3"

static rd_kafka_t *mock_rk;
static rd_kafka_mock_cluster_t *mock;

static const char *
mock_start(void)
{
	char err[256];
	rd_kafka_conf_t *c = rd_kafka_conf_new();

	rd_kafka_conf_set(c, "log_level", "0", err, sizeof(err));
	mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
	if (mock_rk == NULL)
		return NULL;
	mock = rd_kafka_mock_cluster_new(mock_rk, 1);
	if (mock == NULL)
		return NULL;
	rd_kafka_mock_topic_create(mock, TOPIC, 2, 1);
	return rd_kafka_mock_cluster_bootstraps(mock);
}

static void
mock_stop(void)
{
	rd_kafka_mock_cluster_destroy(mock);
	rd_kafka_destroy(mock_rk);
}

/* Everything in TOPIC, from the beginning: messages in partition order. */
struct got {
	uint8_t *val[512];
	size_t len[512];
	uint64_t seq[512], nrec[512], off[512];
	char seg[512][24];
	int part[512];
	unsigned int n;
	unsigned int bad_hdr;
};

static const char *
hdr(rd_kafka_headers_t *h, const char *name, char *buf, size_t len)
{
	const void *v;
	size_t n;

	if (h == NULL || rd_kafka_header_get_last(h, name, &v, &n) != 0 || n >= len)
		return NULL;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return buf;
}

static int
consume_all(const char *bootstrap, struct got *g)
{
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	rd_kafka_topic_partition_list_t *tl = rd_kafka_topic_partition_list_new(2);
	char err[256];
	rd_kafka_t *rk;
	int eof = 0, i;
	time_t until = time(NULL) + 20;

	rd_kafka_conf_set(c, "bootstrap.servers", bootstrap, err, sizeof(err));
	rd_kafka_conf_set(c, "enable.partition.eof", "true", err, sizeof(err));
	rd_kafka_conf_set(c, "group.id", "unit", err, sizeof(err));
	rd_kafka_conf_set(c, "log_level", "0", err, sizeof(err));
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err));
	if (rk == NULL)
		return -1;
	rd_kafka_poll_set_consumer(rk);
	for (i = 0; i < 2; i++)
		rd_kafka_topic_partition_list_add(tl, TOPIC, i)->offset = RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_assign(rk, tl);
	rd_kafka_topic_partition_list_destroy(tl);
	memset(g, 0, sizeof(*g));
	while (eof < 2 && time(NULL) < until) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
		rd_kafka_headers_t *h = NULL;
		char b[64];

		if (m == NULL)
			continue;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			eof++;
		} else if (m->err == 0 && g->n < 512) {
			rd_kafka_message_headers(m, &h);
			g->val[g->n] = malloc(m->len);
			memcpy(g->val[g->n], m->payload, m->len);
			g->len[g->n] = m->len;
			g->part[g->n] = m->partition;
			if (hdr(h, "sluice.seq", b, sizeof(b)) == NULL ||
			    hdr(h, "sluice.segment", g->seg[g->n], sizeof(g->seg[0])) == NULL)
				g->bad_hdr++;
			else
				g->seq[g->n] = strtoull(b, NULL, 10);
			g->nrec[g->n] = hdr(h, "sluice.records", b, sizeof(b)) ?
				strtoull(b, NULL, 10) : 0;
			g->off[g->n] = hdr(h, "sluice.offset", b, sizeof(b)) ?
				strtoull(b, NULL, 10) : 0;
			if (hdr(h, "sluice.format", b, sizeof(b)) == NULL || strcmp(b, "1") != 0 ||
			    hdr(h, "sluice.tenant", b, sizeof(b)) == NULL || strcmp(b, "t1") != 0 ||
			    hdr(h, "sluice.stream", b, sizeof(b)) == NULL || strcmp(b, "default") != 0 ||
			    hdr(h, "sluice.shard", b, sizeof(b)) == NULL || strcmp(b, "3") != 0 ||
			    hdr(h, "sluice.node", b, sizeof(b)) == NULL || strcmp(b, "n1") != 0 ||
			    m->key_len != 4 || memcmp(m->key, "n1/3", 4) != 0)
				g->bad_hdr++;
			g->n++;
		}
		rd_kafka_message_destroy(m);
	}
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return eof == 2 ? 0 : -1;
}

static void
got_free(struct got *g)
{
	unsigned int i;

	for (i = 0; i < g->n; i++)
		free(g->val[i]);
}

static struct sl_store_pub pub __attribute__((aligned(64)));

static struct sl_store *
store_t1(void)
{
	struct sl_store_params p = {
		.root = root, .tenant = "t1", .stream = "default", .shard = 3,
		.zstd_level = 1, .batch_size = 8 << 10, .segment_size = 1ull << 30,
		.fsync = SL_FSYNC_NONE, .pub = &pub,
	};

	return sl_store_create(&p);
}

/* Two sealed segments: records [0, mid) and [mid, end) of @p r. */
static int
two_segments(struct sl_store *s, const struct recs *r, uint32_t mid, uint32_t end)
{
	if (append_range(s, r, 0, mid) != 0 || sl_store_seal(s) != 0 ||
	    append_range(s, r, mid, end) != 0 || sl_store_seal(s) != 0)
		return -1;
	return 0;
}

static struct sl_fwd *
fwd_t1(const char *bootstrap)
{
	struct sl_fwd_src_params sp = { .tenant = "t1", .stream = "default", .shard = 3, .pub = &pub };
	const char *opts[] = { "log_level=3" };
	struct sl_fwd_params p = {
		.root = root, .bootstrap = bootstrap, .topic = "fwdtest.{tenant}.{shard}",
		.opts = opts, .n_opts = 1, .node = "n1", .inflight = 1,
		.max_inflight_bytes = 1 << 20, .max_frame = 1 << 20, .src = &sp, .n_src = 1,
	};
	char err[512];
	struct sl_fwd *f = sl_fwd_create(&p, err, sizeof(err));

	if (f == NULL)
		fprintf(stderr, "# sl_fwd_create: %s\n", err);
	return f;
}

static uint64_t
ctr(struct sl_fwd *f, enum sl_fwd_counter c)
{
	return sl_fwd_src_counters(f, 0, NULL, NULL, NULL).val[c];
}

/* Wait until the forwarder has everything the store published in Kafka. */
static int
wait_acked(struct sl_fwd *f)
{
	struct sl_fwd_gate *g = sl_fwd_gate(f, "t1", "default", 3);
	struct timespec ts = { 0, 20000000 };
	int i;

	for (i = 0; i < 1000; i++) {
		struct sl_store_pub v;

		sl_store_pub_read(&pub, &v);
		if (sl_fwd_gate_acked(g) == v.next_seq)
			return 0;
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* Run @p f until Kafka has everything the store published, then stop it. */
static int
fwd_until_acked(struct sl_fwd *f)
{
	pthread_t t;
	int rc;

	if (pthread_create(&t, NULL, sl_fwd_run, f) != 0)
		return -1;
	rc = wait_acked(f);
	sl_fwd_stop(f, 1000);
	pthread_join(t, NULL);
	return rc;
}

/* Records [0, n) of r were stored; Kafka must hold each once, in order,
 * bytes equal to the frames on disk. */
static int
check_kafka(const char *bootstrap, struct recs *r, uint32_t n)
{
	struct got g;
	uint64_t want = 0;
	unsigned int i, p;

	SL_ASSERT_EQ(consume_all(bootstrap, &g), 0);
	SL_ASSERT_EQ(g.bad_hdr, 0);
	/* One key: one partition, in order. */
	for (i = 1; i < g.n; i++)
		SL_ASSERT_EQ(g.part[i], g.part[0]);
	for (i = 0; i < g.n; i++) {
		size_t raw = ZSTD_getFrameContentSize(g.val[i], g.len[i]);
		uint8_t *buf = malloc(raw), *disk = malloc(g.len[i]);
		const struct sl_batch_hdr *b = (const void *)buf;
		char path[600];
		int fd;
		size_t off = sizeof(*b);

		SL_ASSERT(ZSTD_decompress(buf, raw, g.val[i], g.len[i]) == raw);
		SL_ASSERT(sl_batch_check(buf, raw) == NULL);
		SL_ASSERT_EQ(b->first_seq, want);
		SL_ASSERT_EQ(g.seq[i], want);
		SL_ASSERT_EQ(g.nrec[i], b->nrec);
		/* The value is the frame on disk, byte for byte. */
		snprintf(path, sizeof(path), "%s/t1/default/shard-03/%s.zst", root, g.seg[i]);
		fd = open(path, O_RDONLY);
		SL_ASSERT(fd >= 0);
		SL_ASSERT_EQ(sl_seg_pread(fd, disk, g.len[i], g.off[i]), 0);
		close(fd);
		SL_ASSERT_MEM_EQ(disk, g.val[i], g.len[i]);
		/* And its records are the ones appended. */
		for (p = 0; p < b->nrec; p++) {
			const struct sl_rec *h = (const void *)(buf + off);
			size_t rl = sizeof(*h) + h->len;

			SL_ASSERT(want + p < n);
			SL_ASSERT_MEM_EQ(buf + off, r->buf + r->off[want + p], rl);
			off += rl;
		}
		want += b->nrec;
		free(buf);
		free(disk);
	}
	SL_ASSERT_EQ(want, n);
	got_free(&g);
	return 0;
}

/* Rewrite the newest checkpoint slot: acked back to the start of the
 * last batch in Kafka, sent still past it (what a crash leaves when the
 * acknowledgement came but its checkpoint did not). Slot layout:
 * fwd_ckpt.c (seq at 16, sent at 24, seg at 32, crc at 252). */
static int
ckpt_back_to_last_batch(const char *bs)
{
	uint8_t e[2][256];
	char path[400];
	struct got g;
	uint64_t gen[2], v;
	int fd, k;

	SL_ASSERT_EQ(consume_all(bs, &g), 0);
	SL_ASSERT(g.n > 0);
	snprintf(path, sizeof(path), "%s/.kafka-checkpoint", root);
	fd = open(path, O_RDWR);
	SL_ASSERT(fd >= 0);
	SL_ASSERT_EQ(sl_seg_pread(fd, e, sizeof(e), 0), 0);
	memcpy(&gen[0], e[0] + 8, 8);
	memcpy(&gen[1], e[1] + 8, 8);
	k = gen[1] > gen[0];
	v = g.seq[g.n - 1];
	memcpy(e[k] + 16, &v, 8);
	v = UINT64_MAX;
	memcpy(e[k] + 32, &v, 8);
	sl_put_le32(e[k] + 252, sl_crc32c(e[k], 252));
	SL_ASSERT(pwrite(fd, e[k], 256, k * 256) == 256);
	close(fd);
	got_free(&g);
	return 0;
}

static int
test_every_batch_once_in_order_and_the_checkpoint_holds_across_a_restart(void)
{
	struct recs r = { 0 };
	struct sl_store *s;
	struct sl_fwd *f;
	const char *bs;
	pthread_t t;
	uint32_t i, n = 0;

	mkroot();
	bs = mock_start();
	SL_ASSERT(bs != NULL);
	for (i = 0; i < 600; i++)
		recs_add(&r, 100 + rnd() % 300, 1000 + i);
	/* Two sealed segments before the forwarder starts. */
	s = store_t1();
	SL_ASSERT(s != NULL);
	SL_ASSERT_EQ(two_segments(s, &r, 150, 300), 0);
	n = 300;
	f = fwd_t1(bs);
	SL_ASSERT(f != NULL);
	SL_ASSERT_EQ(pthread_create(&t, NULL, sl_fwd_run, f), 0);
	SL_ASSERT_EQ(wait_acked(f), 0);
	/* The open segment: frames as they are written. */
	SL_ASSERT_EQ(append_range(s, &r, 300, 450), 0);
	SL_ASSERT_EQ(sl_store_flush(s), 0);
	SL_ASSERT_EQ(wait_acked(f), 0);
	SL_ASSERT_EQ(append_range(s, &r, 450, 600), 0);
	SL_ASSERT_EQ(sl_store_flush(s), 0);
	n = 600;
	SL_ASSERT_EQ(wait_acked(f), 0);
	sl_fwd_stop(f, 1000);
	pthread_join(t, NULL);
	SL_ASSERT_EQ(ctr(f, SL_FWD_records), n);
	SL_ASSERT_EQ(ctr(f, SL_FWD_resent), 0);
	SL_ASSERT_EQ(ctr(f, SL_FWD_lag_records), 0);
	SL_ASSERT_EQ(ctr(f, SL_FWD_batches), ctr(f, SL_FWD_produced));
	SL_ASSERT(ctr(f, SL_FWD_batches) >= 4);
	sl_fwd_free(f);
	SL_ASSERT_EQ(check_kafka(bs, &r, n), 0);

	/* A restart: the checkpoint says everything is there. */
	f = fwd_t1(bs);
	SL_ASSERT(f != NULL);
	SL_ASSERT_EQ(sl_fwd_gate_acked(sl_fwd_gate(f, "t1", "default", 3)), n);
	SL_ASSERT_EQ(pthread_create(&t, NULL, sl_fwd_run, f), 0);
	sl_fwd_stop(f, 300);
	pthread_join(t, NULL);
	SL_ASSERT_EQ(ctr(f, SL_FWD_produced), 0);
	sl_fwd_free(f);
	SL_ASSERT_EQ(check_kafka(bs, &r, n), 0);

	/* A crash after the last batch was sent, before its acknowledgement
	 * reached the checkpoint: it goes again, counted as resent. */
	SL_ASSERT_EQ(ckpt_back_to_last_batch(bs), 0);
	f = fwd_t1(bs);
	SL_ASSERT(f != NULL);
	SL_ASSERT_EQ(fwd_until_acked(f), 0);
	SL_ASSERT_EQ(ctr(f, SL_FWD_produced), 1);
	SL_ASSERT_EQ(ctr(f, SL_FWD_resent), 1);
	sl_fwd_free(f);
	{
		struct got g;

		SL_ASSERT_EQ(consume_all(bs, &g), 0);
		SL_ASSERT(g.n >= 2);
		SL_ASSERT_EQ(g.seq[g.n - 1], g.seq[g.n - 2]);
		SL_ASSERT_EQ(g.len[g.n - 1], g.len[g.n - 2]);
		SL_ASSERT_MEM_EQ(g.val[g.n - 1], g.val[g.n - 2], g.len[g.n - 1]);
		got_free(&g);
	}

	sl_store_free(s);
	recs_free(&r);
	mock_stop();
	rmroot();
	return 0;
}

/* The host lost the newest segment after Kafka had it: the store numbers
 * on from the checkpoint, so seq 300.. never names two batches. */
static int
test_a_lost_tail_keeps_its_numbers(void)
{
	struct recs r = { 0 };
	struct sl_store *s;
	struct sl_fwd *f;
	const char *bs;
	char path[400];
	struct got g;
	uint32_t i;

	mkroot();
	bs = mock_start();
	SL_ASSERT(bs != NULL);
	for (i = 0; i < 400; i++)
		recs_add(&r, 100 + rnd() % 100, 5000 + i);
	s = store_t1();
	SL_ASSERT(s != NULL);
	SL_ASSERT_EQ(two_segments(s, &r, 200, 300), 0);
	f = fwd_t1(bs);
	SL_ASSERT(f != NULL);
	SL_ASSERT_EQ(fwd_until_acked(f), 0);
	sl_fwd_free(f);
	sl_store_free(s);
	/* The host goes down: the segment of 200..299 is gone. */
	snprintf(path, sizeof(path), "%s/t1/default/shard-03/%020u.zst", root, 200u);
	SL_ASSERT_EQ(unlink(path), 0);
	s = store_t1();
	SL_ASSERT(s != NULL);
	f = fwd_t1(bs);
	SL_ASSERT(f != NULL);
	SL_ASSERT_EQ(sl_fwd_resume_seq(f, 0), 300);
	SL_ASSERT_EQ(sl_store_skip_to(s, sl_fwd_resume_seq(f, 0)), 0);
	SL_ASSERT_EQ(append_range(s, &r, 300, 400), 0);
	SL_ASSERT_EQ(sl_store_skip_to(s, 1000), -EBUSY);
	SL_ASSERT_EQ(sl_store_seal(s), 0);
	SL_ASSERT_EQ(fwd_until_acked(f), 0);
	SL_ASSERT_EQ(ctr(f, SL_FWD_records), 100);
	SL_ASSERT_EQ(ctr(f, SL_FWD_drop_missing), 0);
	sl_fwd_free(f);
	/* In Kafka: 0..299 from the first life, then 300..399, each seq once. */
	SL_ASSERT_EQ(consume_all(bs, &g), 0);
	{
		uint64_t want = 0;

		for (i = 0; i < g.n; i++) {
			SL_ASSERT_EQ(g.seq[i], want);
			want += g.nrec[i];
		}
		SL_ASSERT_EQ(want, 400);
	}
	got_free(&g);
	sl_store_free(s);
	recs_free(&r);
	mock_stop();
	rmroot();
	return 0;
}

static const struct sl_test_case cases[] = {
	SL_TEST(test_a_lost_tail_keeps_its_numbers),
	SL_TEST(test_topic_templates),
	SL_TEST(test_gate_counts_a_forced_deletion_once_on_both_sides),
	SL_TEST(test_every_batch_once_in_order_and_the_checkpoint_holds_across_a_restart),
};

int
main(int argc, char **argv)
{
	rte_log_set_global_level(RTE_LOG_ERR);
	return sl_test_main(argc, argv, cases, SL_DIM(cases), false);
}

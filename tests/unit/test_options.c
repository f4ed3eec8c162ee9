/* SPDX-License-Identifier: BSD-3-Clause */
/* sluice's flags: defaults, validation, errors that name the flag; lcore
 * roles for -l 0, -l 0,1 and larger sets. */
#include <errno.h>

#include <rte_lcore.h>

#include "options.h"
#include "roles.h"
#include "sl_common.h"
#include "sl_test.h"

static struct sl_options o;
static char err[512];

#define PARSE(...) ({ \
	char *_argv[] = { "sluice", __VA_ARGS__, NULL }; \
	sl_options_parse((int)SL_DIM(_argv) - 1, _argv, &o, err, sizeof(err)); \
})

static int
test_defaults_match_the_documented_ones(void)
{
	SL_ASSERT_EQ(PARSE("--out", "/tmp/x"), 0);
	SL_ASSERT_EQ(strcmp(o.out, "/tmp/x"), 0);
	SL_ASSERT(o.udp_ports[514 >> 3] & (1 << (514 & 7)));
	SL_ASSERT(o.tcp_ports[601 >> 3] & (1 << (601 & 7)));
	SL_ASSERT_EQ(o.zstd_level, 1);
	SL_ASSERT_EQ(o.batch_size, 1 << 20);
	SL_ASSERT_EQ(o.flush_ms, 500);
	SL_ASSERT_EQ(o.segment_size, 256ull << 20);
	SL_ASSERT_EQ(o.max_msg, 65535);
	SL_ASSERT_EQ(o.fsync, SL_FSYNC_INTERVAL);
	SL_ASSERT_EQ(o.fsync_interval_ms, 1000);
	SL_ASSERT_EQ(o.n_listen, 0);
	SL_ASSERT(!o.check);
	SL_ASSERT_EQ(o.retain_bytes, 0);
	SL_ASSERT_EQ(o.segment_age_ms, 0);
	SL_ASSERT_EQ(o.tcp_max_conns, 16384);
	SL_ASSERT_EQ(o.tcp_halfopen, 0);
	SL_ASSERT_EQ(o.tcp_idle_ms, 300000);
	SL_ASSERT_EQ(o.tcp_rcvbuf, 256 << 10);
	SL_ASSERT_EQ(o.tcp_mem, 32 << 20);
	SL_ASSERT_EQ(o.writer_pause_us, 0);
	return 0;
}

static int
test_every_flag_is_taken(void)
{
	SL_ASSERT_EQ(PARSE("--out", "d", "--listen", "10.0.0.1/24", "--listen", "fd00::1/64",
			   "--udp", "514,5140-5141", "--tcp", "601", "--shards", "4",
			   "--zstd-level", "-3", "--batch-size", "256K", "--flush-ms", "50",
			   "--segment-size", "1G", "--fsync", "interval:200", "--max-msg", "8K",
			   "--stats-interval", "0", "--idle-exit", "500", "--check",
			   "--port", "1", "--ring-size", "128", "--retain", "2T",
			   "--segment-age", "10m"), 0);
	SL_ASSERT_EQ(o.n_listen, 2);
	SL_ASSERT(o.listen[0].is_v4 && o.listen[0].len == 24);
	SL_ASSERT(!o.listen[1].is_v4 && o.listen[1].len == 64);
	SL_ASSERT(o.udp_ports[5141 >> 3] & (1 << (5141 & 7)));
	SL_ASSERT(!(o.tcp_ports[514 >> 3] & (1 << (514 & 7))));
	SL_ASSERT(o.tcp_given);
	SL_ASSERT_EQ(o.shards, 4);
	SL_ASSERT_EQ(o.zstd_level, -3);
	SL_ASSERT_EQ(o.batch_size, 256 << 10);
	SL_ASSERT_EQ(o.flush_ms, 50);
	SL_ASSERT_EQ(o.segment_size, 1ull << 30);
	SL_ASSERT_EQ(o.fsync, SL_FSYNC_INTERVAL);
	SL_ASSERT_EQ(o.fsync_interval_ms, 200);
	SL_ASSERT_EQ(o.max_msg, 8192);
	SL_ASSERT_EQ(o.stats_interval, 0);
	SL_ASSERT_EQ(o.idle_exit_ms, 500);
	SL_ASSERT(o.check);
	SL_ASSERT_EQ(o.port, 1);
	SL_ASSERT_EQ(o.ring_size, 128);
	SL_ASSERT_EQ(o.retain_bytes, 2ull << 40);
	SL_ASSERT_EQ(o.segment_age_ms, 600000);
	return 0;
}

/* Each bad value: rejected, and the message names the flag. */
static int
expect_error(int rc, const char *flag)
{
	if (rc != -EINVAL)
		SL_FAIL("accepted a bad %s (rc %d)", flag, rc);
	if (strstr(err, flag) == NULL)
		SL_FAIL("error '%s' does not name %s", err, flag);
	return 0;
}

static int
test_bad_values_name_their_flag(void)
{
	SL_ASSERT_EQ(expect_error(PARSE("--listen", "1.2.3.4"), "--out"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--listen", "1.2.3.400"), "--listen"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--listen", "1.2.3.4/40"), "--listen"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--udp", "0"), "--udp"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--tcp", "70000"), "--tcp"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--shards", "0"), "--shards"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--zstd-level", "99"), "--zstd-level"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--batch-size", "1Q"), "--batch-size"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--flush-ms", "0"), "--flush-ms"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--segment-size", "1K"), "--segment-size"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--fsync", "always"), "--fsync"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--fsync", "interval:x"), "--fsync"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--max-msg", "0"), "--max-msg"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--idle-exit", "-5"), "--idle-exit"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--ring-size", "100"), "--ring-size"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--bogus"), "--bogus"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--udp"), "--udp"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--rules", ""), "--rules"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--parse", "maybe"), "--parse"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--parse", "off", "--rules", "r"), "--parse"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "stray"), "stray"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--retain", "lots"), "--retain"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--retain", "64K"), "--retain"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--retain", "0"), "--retain"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--segment-age", "10x"), "--segment-age"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--segment-age", "-1s"), "--segment-age"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--segment-age", "s"), "--segment-age"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--segment-age", "400d"), "--segment-age"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--segment-age", "99999999999999999999"),
				  "--segment-age"), 0);
	return 0;
}

/* The Kafka flags: defaults, the topic template, KEY=VALUE, the window,
 * the node name; --kafka-* without --kafka. */
static int
test_kafka_flags(void)
{
	SL_ASSERT_EQ(PARSE("--out", "d"), 0);
	SL_ASSERT(o.kafka == NULL && o.kafka_topic == NULL && o.n_kafka_opts == 0);
	SL_ASSERT_EQ(o.kafka_inflight, 1);
	SL_ASSERT_EQ(o.kafka_drain_ms, 5000);
	SL_ASSERT(o.node_id[0] != '\0');
	SL_ASSERT_EQ(PARSE("--out", "d", "--kafka", "k1:9092,k2:9092", "--kafka-topic",
			   "logs.{tenant}.{stream}.{shard}", "--kafka-opt", "acks=all",
			   "--kafka-opt", "security.protocol=SSL", "--kafka-inflight", "8",
			   "--kafka-drain-ms", "0", "--node-id", "edge-7"), 0);
	SL_ASSERT(strcmp(o.kafka, "k1:9092,k2:9092") == 0);
	SL_ASSERT(strcmp(o.kafka_topic, "logs.{tenant}.{stream}.{shard}") == 0);
	SL_ASSERT_EQ(o.n_kafka_opts, 2);
	SL_ASSERT(strcmp(o.kafka_opts[1], "security.protocol=SSL") == 0);
	SL_ASSERT_EQ(o.kafka_inflight, 8);
	SL_ASSERT_EQ(o.kafka_drain_ms, 0);
	SL_ASSERT(strcmp(o.node_id, "edge-7") == 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--kafka", "k:1", "--kafka-topic", "a/b"),
				  "--kafka-topic"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--kafka", "k:1", "--kafka-topic", "x.{who}"),
				  "--kafka-topic"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--kafka", "k:1", "--kafka-opt", "acks"),
				  "--kafka-opt"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--kafka", "k:1", "--kafka-opt", "=1"),
				  "--kafka-opt"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--kafka", "k:1", "--kafka-inflight", "0"),
				  "--kafka-inflight"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--kafka", "k:1", "--kafka-inflight", "65"),
				  "--kafka-inflight"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--kafka", "k:1", "--node-id", "a b"),
				  "--node-id"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--kafka", ""), "--kafka"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--kafka-topic", "t"), "--kafka"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--kafka-opt", "a=b"), "--kafka"), 0);
	return 0;
}

/* The TCP flags: limits, durations with units, sizes; --tcp none. */
static int
test_tcp_flags(void)
{
	unsigned int b, any = 0;

	SL_ASSERT_EQ(PARSE("--out", "d", "--tcp-max-conns", "1000", "--tcp-halfopen", "50",
			   "--tcp-idle", "90s", "--tcp-rcvbuf", "1M", "--tcp-mem", "256M",
			   "--writer-pause-us", "2000"), 0);
	SL_ASSERT_EQ(o.tcp_max_conns, 1000);
	SL_ASSERT_EQ(o.tcp_halfopen, 50);
	SL_ASSERT_EQ(o.tcp_idle_ms, 90000);
	SL_ASSERT_EQ(o.tcp_rcvbuf, 1 << 20);
	SL_ASSERT_EQ(o.tcp_mem, 256 << 20);
	SL_ASSERT_EQ(o.writer_pause_us, 2000);
	SL_ASSERT_EQ(PARSE("--out", "d", "--tcp-idle", "2500"), 0);
	SL_ASSERT_EQ(o.tcp_idle_ms, 2500);
	SL_ASSERT_EQ(PARSE("--out", "d", "--tcp", "none"), 0);
	for (b = 0; b < sizeof(o.tcp_ports); b++)
		any |= o.tcp_ports[b];
	SL_ASSERT_EQ(any, 0);
	SL_ASSERT(o.tcp_given);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--tcp-max-conns", "2"), "--tcp-max-conns"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--tcp-halfopen", "0"), "--tcp-halfopen"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--tcp-idle", "10ms"), "--tcp-idle"), 0);
	SL_ASSERT(strstr(err, "shorter than"));
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--tcp-idle", "8d"), "--tcp-idle"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--tcp-idle", "5y"), "--tcp-idle"), 0);
	SL_ASSERT(strstr(err, "unknown unit"));
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--tcp-rcvbuf", "1K"), "--tcp-rcvbuf"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--tcp-mem", "100K"), "--tcp-mem"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--tcp", "none,514"), "--tcp"), 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--writer-pause-us", "-1"), "--writer-pause-us"), 0);
	/* --tenants: a file name (read and checked at start, not here). */
	SL_ASSERT_EQ(PARSE("--out", "d"), 0);
	SL_ASSERT(o.tenants == NULL);
	SL_ASSERT_EQ(PARSE("--out", "d", "--tenants", "t.conf"), 0);
	SL_ASSERT(o.tenants != NULL && strcmp(o.tenants, "t.conf") == 0);
	SL_ASSERT_EQ(expect_error(PARSE("--out", "d", "--tenants", ""), "--tenants"), 0);
	return 0;
}

/* --segment-age: plain ms or a unit; 0 turns age rotation off. */
static int
test_segment_age_takes_ms_and_units(void)
{
	static const struct { const char *v; uint64_t ms; } ok[] = {
		{ "250", 250 }, { "250ms", 250 }, { "30s", 30000 }, { "10m", 600000 },
		{ "1h", 3600000 }, { "2d", 172800000 }, { "0", 0 }, { "366d", 366ull * 86400000 },
	};
	unsigned int i;

	for (i = 0; i < SL_DIM(ok); i++) {
		if (PARSE("--out", "d", "--segment-age", (char *)(uintptr_t)ok[i].v) != 0)
			SL_FAIL("--segment-age %s refused: %s", ok[i].v, err);
		SL_ASSERT_EQ(o.segment_age_ms, ok[i].ms);
	}
	SL_ASSERT_EQ(PARSE("--out", "d", "--retain", "1M"), 0);
	SL_ASSERT_EQ(o.retain_bytes, 1 << 20);
	SL_ASSERT_EQ(PARSE("--out", "d", "--retain", "500G"), 0);
	SL_ASSERT_EQ(o.retain_bytes, 500ull << 30);
	return 0;
}

/* The unit EAL runs with -l 0 only: one lcore carries both roles. */
static int
test_one_lcore_carries_every_role(void)
{
	struct sl_roles r;

	SL_ASSERT_EQ(sl_roles_assign(&r, NULL, NULL, err, sizeof(err)), 0);
	SL_ASSERT_EQ(r.n_workers, 1);
	SL_ASSERT_EQ(r.n_writers, 1);
	SL_ASSERT_EQ(r.workers[0], rte_get_main_lcore());
	SL_ASSERT_EQ(r.writers[0], rte_get_main_lcore());
	SL_ASSERT_EQ(sl_roles_assign(&r, "0", "0", err, sizeof(err)), 0);
	SL_ASSERT_EQ(sl_roles_assign(&r, "1", NULL, err, sizeof(err)), -EINVAL);
	SL_ASSERT(strstr(err, "--workers") && strstr(err, "lcore 1"));
	SL_ASSERT_EQ(sl_roles_assign(&r, NULL, "0-x", err, sizeof(err)), -EINVAL);
	SL_ASSERT(strstr(err, "--writers"));
	return 0;
}

static const struct sl_test_case cases[] = {
	SL_TEST(test_defaults_match_the_documented_ones),
	SL_TEST(test_every_flag_is_taken),
	SL_TEST(test_bad_values_name_their_flag),
	SL_TEST(test_segment_age_takes_ms_and_units),
	SL_TEST(test_tcp_flags),
	SL_TEST(test_kafka_flags),
	SL_TEST(test_one_lcore_carries_every_role),
};

int
main(int argc, char **argv)
{
	return sl_test_main(argc, argv, cases, SL_DIM(cases), true);
}

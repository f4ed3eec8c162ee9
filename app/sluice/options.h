/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * sluice's command line after the EAL's `--`: named defaults, one validator
 * per flag, every error naming the flag and the reason.
 */
#ifndef SL_OPTIONS_H
#define SL_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sl_addr.h"
#include "sl_store.h"

#define SL_MAX_LISTEN 64
#define SL_MAX_KAFKA_OPTS 64
/** --kafka-topic when not given. */
#define SL_DEF_KAFKA_TOPIC "sluice.{tenant}.{stream}"

/** Everything the flags say. */
struct sl_options {
	const char *out;                 /**< --out DIR */
	struct sl_prefix listen[SL_MAX_LISTEN];
	unsigned int n_listen;           /**< --listen (repeatable) */
	uint8_t udp_ports[8192];         /**< --udp */
	uint8_t tcp_ports[8192];         /**< --tcp */
	bool tcp_given;
	const char *workers;             /**< --workers LCORES, NULL: default */
	const char *writers;             /**< --writers LCORES, NULL: default */
	uint32_t shards;                 /**< --shards, 0: default (= writers) */
	int zstd_level;                  /**< --zstd-level */
	uint64_t batch_size;             /**< --batch-size */
	uint64_t flush_ms;               /**< --flush-ms */
	uint64_t segment_size;           /**< --segment-size */
	uint64_t segment_age_ms;         /**< --segment-age, 0: by size only */
	uint64_t retain_bytes;           /**< --retain, 0: keep everything */
	enum sl_fsync_mode fsync;        /**< --fsync */
	uint64_t fsync_interval_ms;
	uint64_t max_msg;                /**< --max-msg */
	uint64_t stats_interval;         /**< --stats-interval S, 0: off */
	uint64_t idle_exit_ms;           /**< --idle-exit MS, 0: off */
	bool check;                      /**< --check */
	const char *rules;               /**< --rules FILE, NULL: none */
	const char *tenants;             /**< --tenants FILE, NULL: one tenant, default */
	const char *rules_cache;         /**< --rules-cache DIR, NULL: OUT/.rules-cache, "none" */
	bool no_parse;                   /**< --parse off */
	uint16_t port;                   /**< --port ID (ethdev port) */
	uint64_t rxd, txd;               /**< --rx-desc, --tx-desc */
	uint64_t extra_mbufs;            /**< --extra-mbufs */
	uint64_t mbuf_size;              /**< --mbuf-size: data room, 0 = DPDK default */
	int rx_backpressure;             /**< --rx-backpressure: 1 on, 0 off, -1 auto */
	uint64_t ring_size;              /**< --ring-size: chunks per worker->shard ring */
	uint64_t frag_flows;             /**< --frag-flows */
	uint64_t frag_timeout_ms;        /**< --frag-timeout */
	uint64_t tcp_max_conns;          /**< --tcp-max-conns (per worker) */
	uint64_t tcp_halfopen;           /**< --tcp-halfopen, 0: max_conns / 8 */
	uint64_t tcp_idle_ms;            /**< --tcp-idle */
	uint64_t tcp_rcvbuf;             /**< --tcp-rcvbuf */
	uint64_t tcp_mem;                /**< --tcp-mem (per worker) */
	uint64_t writer_pause_us;        /**< --writer-pause-us (testing) */
	const char *metrics;             /**< --metrics ADDR:PORT, NULL: off */
	struct sockaddr_storage metrics_addr;
	socklen_t metrics_addr_len;
	uint64_t drain_ms;               /**< --drain-ms */
	const char *kafka;               /**< --kafka BOOTSTRAP, NULL: no forwarding */
	const char *kafka_topic;         /**< --kafka-topic TEMPLATE, NULL: SL_DEF_KAFKA_TOPIC */
	const char *kafka_opts[SL_MAX_KAFKA_OPTS]; /**< --kafka-opt KEY=VALUE */
	unsigned int n_kafka_opts;
	uint64_t kafka_inflight;         /**< --kafka-inflight */
	uint64_t kafka_drain_ms;         /**< --kafka-drain-ms */
	char node_id[65];                /**< --node-id, default: the host name */
};

/**
 * Parse ADDR:PORT ([ADDR]:PORT for IPv6), numeric only.
 * @return 0, or -EINVAL.
 */
int sl_options_metrics_addr(const char *v, struct sockaddr_storage *ss, socklen_t *sslen);

/**
 * Parse the application's arguments (those after the EAL's `--`).
 * @param opts  filled with defaults, then the flags
 * @param err   the reason on failure, naming the flag
 * @return 0, 1 when --help was printed, or -EINVAL.
 */
int sl_options_parse(int argc, char **argv, struct sl_options *opts,
		     char *err, size_t errlen);

/** Print the usage text. */
void sl_options_usage(const char *prog);

#endif /* SL_OPTIONS_H */

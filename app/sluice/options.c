/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"
#include "sl_common.h"
#include "sl_forward.h"
#include "sl_segment.h"
#include "sl_parse.h"
#include "sl_record.h"

/* Named defaults. */
#define DEF_UDP_PORTS      "514"
#define DEF_TCP_PORTS      "514,601"
#define DEF_ZSTD_LEVEL     1
/* Power loss costs at most --flush-ms plus this (docs/OPERATIONS.md). */
#define DEF_FSYNC_INTERVAL_MS 1000
#define DEF_BATCH_SIZE     (1u << 20)
#define DEF_FLUSH_MS       500
#define DEF_SEGMENT_SIZE   (256ull << 20)
#define DEF_MAX_MSG        65535
#define DEF_STATS_INTERVAL 10
#define DEF_RING_SIZE      64
#define DEF_FRAG_FLOWS     256
#define DEF_FRAG_TIMEOUT   2000
/* Smallest --retain: below a few segments, retention only thrashes. */
#define MIN_RETAIN         (1u << 20)
/* Longest --segment-age: a year. */
#define MAX_SEGMENT_AGE_MS (366ull * 86400000)

/* Largest message: a UDP datagram's payload, or a TCP message later. */
#define MAX_MAX_MSG (1u << 20)

typedef int (*opt_fn)(struct sl_options *o, const char *v, char *err, size_t len);

#define ERR(...) (snprintf(err, len, __VA_ARGS__), -EINVAL)

static int
size_in(const char *flag, const char *v, uint64_t min, uint64_t max,
	uint64_t *out, char *err, size_t len)
{
	int rc = sl_parse_size(v, out);

	if (rc == -EINVAL)
		return ERR("%s: '%s' is not a size (a number with an optional K, M, G or T suffix)", flag, v);
	if (rc != 0 || *out < min || *out > max)
		return ERR("%s: '%s' is out of range [%llu, %llu]", flag, v,
			   (unsigned long long)min, (unsigned long long)max);
	return 0;
}

static int
num_in(const char *flag, const char *v, uint64_t min, uint64_t max,
       uint64_t *out, char *err, size_t len)
{
	int rc = sl_parse_u64(v, min, max, out);

	if (rc == -EINVAL)
		return ERR("%s: '%s' is not a number", flag, v);
	if (rc != 0)
		return ERR("%s: '%s' is out of range [%llu, %llu]", flag, v,
			   (unsigned long long)min, (unsigned long long)max);
	return 0;
}

static int
opt_out(struct sl_options *o, const char *v, char *err, size_t len)
{
	if (*v == '\0')
		return ERR("--out: the directory name is empty");
	o->out = v;
	return 0;
}

static int
opt_listen(struct sl_options *o, const char *v, char *err, size_t len)
{
	char why[128];

	if (o->n_listen == SL_MAX_LISTEN)
		return ERR("--listen: at most %d addresses", SL_MAX_LISTEN);
	if (sl_prefix_parse(&o->listen[o->n_listen], v, why, sizeof(why)) != 0)
		return ERR("--listen: %s", why);
	o->n_listen++;
	return 0;
}

static int
opt_udp(struct sl_options *o, const char *v, char *err, size_t len)
{
	if (sl_parse_ports(v, o->udp_ports) < 0)
		return ERR("--udp: '%s' is not a list of ports 1-65535 (e.g. 514,5140-5149)", v);
	return 0;
}

static int
opt_tcp(struct sl_options *o, const char *v, char *err, size_t len)
{
	if (strcmp(v, "none") == 0) {
		memset(o->tcp_ports, 0, sizeof(o->tcp_ports));
		o->tcp_given = true;
		return 0;
	}
	if (sl_parse_ports(v, o->tcp_ports) < 0)
		return ERR("--tcp: '%s' is not a list of ports 1-65535 (e.g. 514,601) or none", v);
	o->tcp_given = true;
	return 0;
}

static int
opt_workers(struct sl_options *o, const char *v, char *err, size_t len)
{
	o->workers = v;
	return 0;
}

static int
opt_writers(struct sl_options *o, const char *v, char *err, size_t len)
{
	o->writers = v;
	return 0;
}

static int
opt_shards(struct sl_options *o, const char *v, char *err, size_t len)
{
	uint64_t n;
	int rc = num_in("--shards", v, 1, SL_MAX_SHARDS, &n, err, len);

	o->shards = (uint32_t)n;
	return rc;
}

static int
opt_zstd_level(struct sl_options *o, const char *v, char *err, size_t len)
{
	char *end;
	long l;

	errno = 0;
	l = strtol(v, &end, 10);
	if (errno || end == v || *end != '\0')
		return ERR("--zstd-level: '%s' is not a number", v);
	if (l < -7 || l > 19)
		return ERR("--zstd-level: %ld is out of range [-7, 19] (negative levels are faster)", l);
	o->zstd_level = (int)l;
	return 0;
}

static int
opt_batch_size(struct sl_options *o, const char *v, char *err, size_t len)
{
	return size_in("--batch-size", v, 4096, 64ull << 20, &o->batch_size, err, len);
}

static int
opt_flush_ms(struct sl_options *o, const char *v, char *err, size_t len)
{
	return num_in("--flush-ms", v, 1, 3600000, &o->flush_ms, err, len);
}

static int
opt_segment_size(struct sl_options *o, const char *v, char *err, size_t len)
{
	return size_in("--segment-size", v, 64 << 10, 1ull << 40, &o->segment_size, err, len);
}

static int
opt_fsync(struct sl_options *o, const char *v, char *err, size_t len)
{
	if (strcmp(v, "none") == 0) {
		o->fsync = SL_FSYNC_NONE;
	} else if (strcmp(v, "seal") == 0) {
		o->fsync = SL_FSYNC_INTERVAL;
	o->fsync_interval_ms = DEF_FSYNC_INTERVAL_MS;
	} else if (strncmp(v, "interval:", 9) == 0) {
		o->fsync = SL_FSYNC_INTERVAL;
		return num_in("--fsync interval", v + 9, 1, 3600000,
			      &o->fsync_interval_ms, err, len);
	} else {
		return ERR("--fsync: '%s' is not none, seal or interval:MS", v);
	}
	return 0;
}

static int
opt_max_msg(struct sl_options *o, const char *v, char *err, size_t len)
{
	return size_in("--max-msg", v, 1, MAX_MAX_MSG, &o->max_msg, err, len);
}

static int
opt_stats_interval(struct sl_options *o, const char *v, char *err, size_t len)
{
	return num_in("--stats-interval", v, 0, 86400, &o->stats_interval, err, len);
}

static int
opt_idle_exit(struct sl_options *o, const char *v, char *err, size_t len)
{
	return num_in("--idle-exit", v, 1, 86400000, &o->idle_exit_ms, err, len);
}

static int
opt_check(struct sl_options *o, const char *v, char *err, size_t len)
{
	o->check = true;
	return 0;
}

static int
opt_port(struct sl_options *o, const char *v, char *err, size_t len)
{
	uint64_t p;
	int rc = num_in("--port", v, 0, 65534, &p, err, len);

	o->port = (uint16_t)p;
	return rc;
}

static int
opt_rxd(struct sl_options *o, const char *v, char *err, size_t len)
{
	return num_in("--rx-desc", v, 64, 32768, &o->rxd, err, len);
}

static int
opt_txd(struct sl_options *o, const char *v, char *err, size_t len)
{
	return num_in("--tx-desc", v, 64, 32768, &o->txd, err, len);
}

static int
opt_extra_mbufs(struct sl_options *o, const char *v, char *err, size_t len)
{
	return num_in("--extra-mbufs", v, 0, 1u << 24, &o->extra_mbufs, err, len);
}

static int
opt_mbuf_size(struct sl_options *o, const char *v, char *err, size_t len)
{
	return size_in("--mbuf-size", v, 1024, 65535, &o->mbuf_size, err, len);
}

static int
opt_rx_backpressure(struct sl_options *o, const char *v, char *err, size_t len)
{
	if (strcmp(v, "on") == 0)
		o->rx_backpressure = 1;
	else if (strcmp(v, "off") == 0)
		o->rx_backpressure = 0;
	else if (strcmp(v, "auto") == 0)
		o->rx_backpressure = -1;
	else
		return ERR("--rx-backpressure: '%s' is not on, off or auto", v);
	return 0;
}

static int
opt_ring_size(struct sl_options *o, const char *v, char *err, size_t len)
{
	int rc = num_in("--ring-size", v, 4, 65536, &o->ring_size, err, len);

	if (rc == 0 && (o->ring_size & (o->ring_size - 1)))
		return ERR("--ring-size: %s is not a power of two", v);
	return rc;
}

static int
opt_frag_flows(struct sl_options *o, const char *v, char *err, size_t len)
{
	return num_in("--frag-flows", v, 1, 1u << 20, &o->frag_flows, err, len);
}

static int
opt_frag_timeout(struct sl_options *o, const char *v, char *err, size_t len)
{
	return num_in("--frag-timeout", v, 1, 60000, &o->frag_timeout_ms, err, len);
}

static int
opt_rules(struct sl_options *o, const char *v, char *err, size_t len)
{
	if (*v == '\0')
		return ERR("--rules: empty file name");
	o->rules = v;
	return 0;
}

static int
opt_rules_cache(struct sl_options *o, const char *v, char *err, size_t len)
{
	if (*v == '\0')
		return ERR("--rules-cache: empty directory name (use 'none' for no cache)");
	o->rules_cache = v;
	return 0;
}

static int
opt_parse(struct sl_options *o, const char *v, char *err, size_t len)
{
	if (strcmp(v, "on") == 0)
		o->no_parse = false;
	else if (strcmp(v, "off") == 0)
		o->no_parse = true;
	else
		return ERR("--parse: '%s': want on or off", v);
	return 0;
}

static int
opt_tenants(struct sl_options *o, const char *v, char *err, size_t len)
{
	if (*v == '\0')
		return ERR("--tenants: empty file name");
	o->tenants = v;
	return 0;
}

static int
opt_retain(struct sl_options *o, const char *v, char *err, size_t len)
{
	return size_in("--retain", v, MIN_RETAIN, 1ull << 60, &o->retain_bytes, err, len);
}

/* A duration: plain ms, or a number with ms, s, m, h or d; @p min..@p max ms. */
static int
duration_in(const char *flag, const char *v, uint64_t min, uint64_t max, uint64_t *out,
	    char *err, size_t len)
{
	static const struct { const char *sfx; uint64_t ms; } units[] = {
		{ "", 1 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 },
	};
	unsigned int i;
	uint64_t n;
	char *end;

	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || end == v || *v == '-' || *v == '+')
		return ERR("%s: '%s' is not a duration (ms, or a number with s, m, h or d: 30s, 10m, 1h)",
			   flag, v);
	for (i = 0; i < SL_DIM(units); i++)
		if (strcmp(end, units[i].sfx) == 0)
			break;
	if (i == SL_DIM(units))
		return ERR("%s: '%s': unknown unit '%s' (ms, s, m, h or d)", flag, v, end);
	if (n > max / units[i].ms)
		return ERR("%s: '%s' is longer than %llu ms", flag, v, (unsigned long long)max);
	if (n * units[i].ms < min)
		return ERR("%s: '%s' is shorter than %llu ms", flag, v, (unsigned long long)min);
	*out = n * units[i].ms;
	return 0;
}

static int
opt_segment_age(struct sl_options *o, const char *v, char *err, size_t len)
{
	return duration_in("--segment-age", v, 0, MAX_SEGMENT_AGE_MS, &o->segment_age_ms,
			   err, len);
}

static int
opt_tcp_idle(struct sl_options *o, const char *v, char *err, size_t len)
{
	return duration_in("--tcp-idle", v, 1000, 7 * 86400000ull, &o->tcp_idle_ms, err, len);
}

static int
opt_tcp_max_conns(struct sl_options *o, const char *v, char *err, size_t len)
{
	return num_in("--tcp-max-conns", v, 4, 4u << 20, &o->tcp_max_conns, err, len);
}

static int
opt_tcp_halfopen(struct sl_options *o, const char *v, char *err, size_t len)
{
	return num_in("--tcp-halfopen", v, 1, 4u << 20, &o->tcp_halfopen, err, len);
}

static int
opt_tcp_rcvbuf(struct sl_options *o, const char *v, char *err, size_t len)
{
	return size_in("--tcp-rcvbuf", v, 4096, 1u << 30, &o->tcp_rcvbuf, err, len);
}

static int
opt_tcp_mem(struct sl_options *o, const char *v, char *err, size_t len)
{
	return size_in("--tcp-mem", v, 1u << 20, 1ull << 36, &o->tcp_mem, err, len);
}

static int
opt_writer_pause(struct sl_options *o, const char *v, char *err, size_t len)
{
	return num_in("--writer-pause-us", v, 0, 10000000, &o->writer_pause_us, err, len);
}

static int
opt_metrics(struct sl_options *o, const char *v, char *err, size_t len)
{
	if (sl_options_metrics_addr(v, &o->metrics_addr, &o->metrics_addr_len) != 0)
		return ERR("--metrics: '%s' is not ADDR:PORT with a numeric address and a port "
			   "1-65535 (e.g. 127.0.0.1:9180, [::1]:9180, 0.0.0.0:9180)", v);
	o->metrics = v;
	return 0;
}

static int
opt_drain_ms(struct sl_options *o, const char *v, char *err, size_t len)
{
	return num_in("--drain-ms", v, 0, 3600000, &o->drain_ms, err, len);
}

static int
opt_kafka(struct sl_options *o, const char *v, char *err, size_t len)
{
	if (*v == '\0' || strlen(v) > 4096)
		return ERR("--kafka: '%s' is not a bootstrap list (HOST:PORT[,HOST:PORT...])", v);
	o->kafka = v;
	return 0;
}

static int
opt_kafka_topic(struct sl_options *o, const char *v, char *err, size_t len)
{
	if (sl_fwd_topic_check(v, err, len) != 0)
		return -EINVAL;
	o->kafka_topic = v;
	return 0;
}

static int
opt_kafka_opt(struct sl_options *o, const char *v, char *err, size_t len)
{
	const char *eq = strchr(v, '=');

	if (eq == NULL || eq == v)
		return ERR("--kafka-opt: '%s' is not KEY=VALUE (a librdkafka property)", v);
	if (o->n_kafka_opts >= SL_MAX_KAFKA_OPTS)
		return ERR("--kafka-opt: more than %d", SL_MAX_KAFKA_OPTS);
	o->kafka_opts[o->n_kafka_opts++] = v;
	return 0;
}

static int
opt_kafka_inflight(struct sl_options *o, const char *v, char *err, size_t len)
{
	return num_in("--kafka-inflight", v, 1, SL_FWD_MAX_INFLIGHT, &o->kafka_inflight, err, len);
}

static int
opt_kafka_drain_ms(struct sl_options *o, const char *v, char *err, size_t len)
{
	return num_in("--kafka-drain-ms", v, 0, 3600000, &o->kafka_drain_ms, err, len);
}

static int
opt_node_id(struct sl_options *o, const char *v, char *err, size_t len)
{
	if (!sl_seg_name_ok(v) || strlen(v) >= sizeof(o->node_id))
		return ERR("--node-id: '%s' is not a name: 1-47 characters of [A-Za-z0-9._-]", v);
	snprintf(o->node_id, sizeof(o->node_id), "%s", v);
	return 0;
}

int
sl_options_metrics_addr(const char *v, struct sockaddr_storage *ss, socklen_t *sslen)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
	};
	struct addrinfo *res = NULL;
	char host[64];
	const char *colon, *port;
	size_t hl;
	char *end;
	unsigned long pn;

	if (v[0] == '[') {
		const char *rb = strchr(v, ']');

		if (rb == NULL || rb[1] != ':')
			return -EINVAL;
		hl = (size_t)(rb - v - 1);
		v++;
		port = rb + 2;
	} else {
		colon = strrchr(v, ':');
		if (colon == NULL || memchr(v, ':', (size_t)(colon - v)) != NULL)
			return -EINVAL;
		hl = (size_t)(colon - v);
		port = colon + 1;
	}
	if (hl == 0 || hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, v, hl);
	host[hl] = '\0';
	errno = 0;
	pn = strtoul(port, &end, 10);
	if (*port == '\0' || *end != '\0' || errno != 0 || pn == 0 || pn > 65535 ||
	    !isdigit((unsigned char)*port))
		return -EINVAL;
	if (getaddrinfo(host, port, &hints, &res) != 0 || res == NULL)
		return -EINVAL;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

struct opt_def {
	const char *name;
	int has_arg;
	opt_fn fn;
	const char *arg;
	const char *help;
};

static const struct opt_def opt_defs[] = {
	{ "out", 1, opt_out, "DIR", "where segments go (required)" },
	{ "listen", 1, opt_listen, "ADDR[/LEN]", "an address the node answers on (ARP/ND, ICMP); repeatable; without it UDP to any address is ingested" },
	{ "udp", 1, opt_udp, "PORTS", "UDP ports to ingest (default " DEF_UDP_PORTS ")" },
	{ "tcp", 1, opt_tcp, "PORTS", "TCP ports to ingest, or none (default " DEF_TCP_PORTS "; needs --listen)" },
	{ "tcp-max-conns", 1, opt_tcp_max_conns, "N", "TCP connections per worker, all states; more are refused (default 16384)" },
	{ "tcp-halfopen", 1, opt_tcp_halfopen, "N", "half-open TCP connections per worker before SYN cookies (default max-conns/8)" },
	{ "tcp-idle", 1, opt_tcp_idle, "DURATION", "reset TCP connections idle this long (default 5m)" },
	{ "tcp-rcvbuf", 1, opt_tcp_rcvbuf, "BYTES", "TCP receive window per connection (default 256K; at least max-msg + 64K)" },
	{ "tcp-mem", 1, opt_tcp_mem, "BYTES", "mbuf memory a worker's TCP connections may hold (default 32M)" },
	{ "workers", 1, opt_workers, "LCORES", "worker lcores, e.g. 1-3 (default: see README)" },
	{ "writers", 1, opt_writers, "LCORES", "writer lcores (default: see README)" },
	{ "shards", 1, opt_shards, "N", "shard queues (default: two per writer lcore of its own, one per writer sharing a worker's lcore)" },
	{ "zstd-level", 1, opt_zstd_level, "N", "zstd level, -7..19 (default 1)" },
	{ "batch-size", 1, opt_batch_size, "BYTES", "raw bytes per compressed frame (default 1M)" },
	{ "flush-ms", 1, opt_flush_ms, "MS", "longest a message waits before it is written (default 500)" },
	{ "segment-size", 1, opt_segment_size, "BYTES", "rotate segments at this size (default 256M)" },
	{ "segment-age", 1, opt_segment_age, "DURATION", "also rotate a segment this old: ms, or 30s, 10m, 1h, 1d (default 0: by size only)" },
	{ "fsync", 1, opt_fsync, "MODE", "none | seal | interval:MS (default interval:1000)" },
	{ "max-msg", 1, opt_max_msg, "BYTES", "longest message kept; longer ones are truncated and flagged (default 65535)" },
	{ "stats-interval", 1, opt_stats_interval, "S", "print counters every S seconds, 0 = only at exit (default 10)" },
	{ "idle-exit", 1, opt_idle_exit, "MS", "exit cleanly after MS without packets" },
	{ "check", 0, opt_check, NULL, "validate everything, print the plan, exit" },
	{ "port", 1, opt_port, "ID", "ethdev port to ingest from (default 0)" },
	{ "rx-desc", 1, opt_rxd, "N", "RX descriptors per queue (default 1024)" },
	{ "tx-desc", 1, opt_txd, "N", "TX descriptors per queue (default 1024)" },
	{ "extra-mbufs", 1, opt_extra_mbufs, "N", "mbufs beyond the computed need (net_pcap infinite_rx keeps the capture in mbufs)" },
	{ "mbuf-size", 1, opt_mbuf_size, "BYTES", "mbuf data room incl. headroom (default 2176); net_af_packet needs it >= framesz + 96" },
	{ "rx-backpressure", 1, opt_rx_backpressure, "MODE", "on: when writers fall behind, pause RX instead of dropping; off: drop and count; auto: on for net_pcap (a file waits), off otherwise (default auto)" },
	{ "ring-size", 1, opt_ring_size, "N", "chunks in flight per worker->shard ring (default 64)" },
	{ "frag-flows", 1, opt_frag_flows, "N", "datagrams in reassembly at once per worker (default 256)" },
	{ "frag-timeout", 1, opt_frag_timeout, "MS", "drop unassembled fragments after MS (default 2000)" },
	{ "rules", 1, opt_rules, "FILE", "classification rules (docs/RULES.md)" },
	{ "rules-cache", 1, opt_rules_cache, "DIR", "compiled-rules cache (default OUT/.rules-cache; 'none': no cache)" },
	{ "parse", 1, opt_parse, "on|off", "parse syslog headers into the record (default on; off needs no --rules)" },
	{ "tenants", 1, opt_tenants, "FILE", "tenant table: who sent what, limits, weights, quotas (docs/TENANTS.md)" },
	{ "retain", 1, opt_retain, "BYTES", "keep the segments under --out below BYTES: the oldest sealed ones are deleted (default: keep all)" },
	{ "metrics", 1, opt_metrics, "ADDR:PORT", "serve Prometheus metrics (/metrics) and health (/healthz) over HTTP on ADDR:PORT (docs/METRICS.md)" },
	{ "drain-ms", 1, opt_drain_ms, "MS", "on SIGTERM/SIGINT keep ingesting MS while /healthz answers 503, then stop (default 0)" },
	{ "kafka", 1, opt_kafka, "BOOTSTRAP", "forward every stored batch to Kafka at HOST:PORT[,...] (docs/OPERATIONS.md, Kafka)" },
	{ "kafka-topic", 1, opt_kafka_topic, "TEMPLATE", "topic per batch: {tenant}, {stream}, {shard}, {node} (default " SL_DEF_KAFKA_TOPIC ")" },
	{ "kafka-opt", 1, opt_kafka_opt, "KEY=VALUE", "a librdkafka producer property (security, acks...); repeatable" },
	{ "kafka-inflight", 1, opt_kafka_inflight, "N", "batches per shard sent before Kafka acknowledged them; a crash sends up to N again (default 1)" },
	{ "kafka-drain-ms", 1, opt_kafka_drain_ms, "MS", "at exit, forward what is stored for up to MS (default 5000)" },
	{ "node-id", 1, opt_node_id, "NAME", "this node's name in Kafka keys and headers (default: the host name)" },
	{ "writer-pause-us", 1, opt_writer_pause, "US", "testing: after each chunk a writer takes nothing for US per 64 KiB of it (slow storage; it keeps polling)" },
	{ "help", 0, NULL, NULL, "this text" },
};

void
sl_options_usage(const char *prog)
{
	unsigned int i;

	printf("usage: %s [EAL options] -- --out DIR [options]\n\noptions:\n", prog);
	for (i = 0; i < sizeof(opt_defs) / sizeof(opt_defs[0]); i++) {
		char left[48];

		snprintf(left, sizeof(left), "--%s%s%s", opt_defs[i].name,
			 opt_defs[i].arg ? " " : "",
			 opt_defs[i].arg ? opt_defs[i].arg : "");
		printf("  %-26s %s\n", left, opt_defs[i].help);
	}
	printf("\nSizes take K, M, G, T suffixes (powers of 1024). Example:\n"
	       "  %s -l 0,1 --no-pci --vdev net_af_packet0,iface=eth1 -- \\\n"
	       "      --out /var/lib/sluice --listen 192.0.2.10/24 --udp 514\n", prog);
}

int
sl_options_parse(int argc, char **argv, struct sl_options *o, char *err, size_t len)
{
	enum { N = sizeof(opt_defs) / sizeof(opt_defs[0]) };
	struct option lopts[N + 1];
	unsigned int i;
	int c, idx;

	memset(o, 0, sizeof(*o));
	sl_parse_ports(DEF_UDP_PORTS, o->udp_ports);
	sl_parse_ports(DEF_TCP_PORTS, o->tcp_ports);
	o->zstd_level = DEF_ZSTD_LEVEL;
	o->batch_size = DEF_BATCH_SIZE;
	o->flush_ms = DEF_FLUSH_MS;
	o->segment_size = DEF_SEGMENT_SIZE;
	o->fsync = SL_FSYNC_INTERVAL;
	o->fsync_interval_ms = DEF_FSYNC_INTERVAL_MS;
	o->max_msg = DEF_MAX_MSG;
	o->stats_interval = DEF_STATS_INTERVAL;
	o->rxd = 1024;
	o->txd = 1024;
	o->ring_size = DEF_RING_SIZE;
	o->rx_backpressure = -1;
	o->frag_flows = DEF_FRAG_FLOWS;
	o->frag_timeout_ms = DEF_FRAG_TIMEOUT;
	o->tcp_max_conns = 16384;
	o->tcp_idle_ms = 300000;
	o->tcp_rcvbuf = 256 << 10;
	o->tcp_mem = 32 << 20;
	o->kafka_inflight = 1;
	o->kafka_drain_ms = 5000;
	if (gethostname(o->node_id, sizeof(o->node_id) - 1) != 0 || !sl_seg_name_ok(o->node_id))
		snprintf(o->node_id, sizeof(o->node_id), "sluice");

	for (i = 0; i < N; i++) {
		lopts[i].name = opt_defs[i].name;
		lopts[i].has_arg = opt_defs[i].has_arg ? required_argument : no_argument;
		lopts[i].flag = NULL;
		lopts[i].val = 0;
	}
	memset(&lopts[N], 0, sizeof(lopts[N]));

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", lopts, &idx)) != -1) {
		if (c == '?')
			return ERR("%s: unknown option (see --help)", argv[optind - 1]);
		if (c == ':')
			return ERR("%s: needs a value", argv[optind - 1]);
		if (opt_defs[idx].fn == NULL) {
			sl_options_usage(argv[0]);
			return 1;
		}
		if (opt_defs[idx].fn(o, optarg, err, len) != 0)
			return -EINVAL;
	}
	if (optind < argc)
		return ERR("'%s': unexpected argument (options start with --)", argv[optind]);
	if (o->out == NULL)
		return ERR("--out: required (the directory where segments go)");
	if (o->batch_size < sizeof(struct sl_batch_hdr) + sizeof(struct sl_rec))
		return ERR("--batch-size: too small");
	if (!o->kafka && (o->n_kafka_opts || o->kafka_topic))
		return ERR("--kafka-topic and --kafka-opt need --kafka");
	if (o->no_parse && o->rules)
		return ERR("--parse: off cannot go with --rules (rules need the parsed fields)");
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice: EAL init, options, lcore roles, signals. The only place that may
 * exit. Builds the node from its parts, runs the loops, and on SIGINT,
 * SIGTERM or --idle-exit drains everything to disk and prints the final
 * counters.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <zstd.h>

#include "app.h"

RTE_LOG_REGISTER(sl_main_logtype, sluice.main, INFO);
#define MAIN_LOG(level, ...) SL_LOG(sl_main_logtype, level, "sluice", __VA_ARGS__)

/* Chunks are at least this big; a record of --max-msg bytes must fit. */
#define CHUNK_MIN_CAP (64u << 10)
/* Chunks a shard keeps when its ring is full (sl_shard.c) and a writer's
 * dequeue burst, for pool sizing. */
#define CHUNK_SLACK 48
/* A writer that shares its lcore with a worker compresses this much per
 * poll: ~0.15 ms of zstd level 1, the longest the worker stops polling RX
 * for compression. */
#define SHARED_SLICE (64u << 10)
/* A worker's cost per message besides parse and rules (decode, copy,
 * shard), and how much the measured parse + rules cost grows on the data
 * path (cold message bytes): docs/BENCHMARKS.md, -l 0,1 runs. */
#define WORKER_BASE_NS 100.0
#define WORKER_MSG_FACTOR 1.3
/* zstd level 1 costs ~450 ns a record; a worker above 60% of that leaves
 * its lcore too little time to compress a shard's share. */
#define WORKER_HEAVY_NS 270.0
/* Fragments per datagram in reassembly: 64 KiB over a 1500 MTU is 45. */
#define FRAG_PER_FLOW 48
/* Mbufs reassembly may hold per worker, on average, per datagram. */
#define FRAG_MBUFS_PER_FLOW 8

static volatile sig_atomic_t signalled;

static void
on_signal(int sig)
{
	signalled = sig;
}

static uint32_t
pow2_at_least(uint32_t v)
{
	uint32_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

/* Control plane: runs on the main lcore about every millisecond. */
static void
control(void *arg)
{
	struct sl_app *app = arg;
	uint64_t now = rte_rdtsc();
	unsigned int i;

	if (app->run.stop_rx)
		return;
	if (signalled) {
		uint64_t ms = now / (app->run.tsc_hz / 1000);

		/* With --drain-ms, /healthz answers 503 first while RX goes on,
		 * so a load balancer moves the traffic away; a second signal
		 * stops at once. */
		if (!app->draining) {
			app->stop_reason = signalled == SIGINT ? "SIGINT" : "SIGTERM";
			app->drain_until_ms = ms + app->opt.drain_ms;
			app->draining = 1;
			signalled = 0;
			if (app->opt.drain_ms)
				MAIN_LOG(NOTICE, "%s: draining for %" PRIu64 " ms (/healthz answers "
					 "503), then stopping\n", app->stop_reason, app->opt.drain_ms);
		} else {
			app->drain_until_ms = ms;
		}
	}
	if (app->draining && now / (app->run.tsc_hz / 1000) >= app->drain_until_ms) {
		app->run.stop_rx = 1;
		return;
	}
	if (app->opt.idle_exit_ms) {
		uint64_t last = app->start_tsc;

		for (i = 0; i < app->roles.n_workers; i++)
			if (app->workers[i].last_rx_tsc > last)
				last = app->workers[i].last_rx_tsc;
		/* A worker may have stamped a packet after `now` was read. */
		if (last < now &&
		    now - last > app->opt.idle_exit_ms * (app->run.tsc_hz / 1000)) {
			app->stop_reason = "idle";
			app->run.stop_rx = 1;
			return;
		}
	}
	/* Retention works at most once a second (sl_retain.h: its cost). */
	if (app->retain != NULL)
		sl_retain_poll(app->retain, now / (app->run.tsc_hz / 1000));
	sl_app_quotas_poll(app, now / (app->run.tsc_hz / 1000));
	if (app->opt.stats_interval && now >= app->next_stats_tsc) {
		app->next_stats_tsc = now + app->opt.stats_interval * app->run.tsc_hz;
		sl_stats_print(stdout, app, false);
	}
}

static int
make_dir(const char *path, char *err, size_t len)
{
	struct stat st;

	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		snprintf(err, len, "--out: cannot create '%s': %s", path, strerror(errno));
		return -errno;
	}
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, len, "--out: '%s' is not a directory", path);
		return -ENOTDIR;
	}
	if (access(path, W_OK) != 0) {
		snprintf(err, len, "--out: '%s' is not writable: %s", path, strerror(errno));
		return -EACCES;
	}
	return 0;
}

/* "plan: udp ports 514,5140-5149" */
static void
plan_ports(FILE *f, const char *proto, const uint8_t *ports)
{
	unsigned int p = 0, a, n = 0;

	fprintf(f, "plan: %s ports", proto);
	while (p < 65536) {
		if (!(ports[p >> 3] & (1u << (p & 7)))) {
			p++;
			continue;
		}
		a = p;
		while (p + 1 < 65536 && (ports[(p + 1) >> 3] & (1u << ((p + 1) & 7))))
			p++;
		if (a == p)
			fprintf(f, "%s%u", n++ ? "," : " ", a);
		else
			fprintf(f, "%s%u-%u", n++ ? "," : " ", a, p);
		p++;
	}
	fputs(n ? "\n" : " none\n", f);
}

static void
print_plan(FILE *f, const struct sl_app *app)
{
	const struct sl_options *o = &app->opt;
	unsigned int i;
	char ip[SL_IP_STRLEN];

	fprintf(f, "plan: port %u (%s) %u queue(s), rss %s, rx checksum offload %s\n",
		app->port.port_id, app->port.driver, app->port.nb_queues,
		app->port.rss ? "on" : "off", app->port.rx_cksum ? "on" : "off");
	for (i = 0; i < app->roles.n_workers; i++)
		fprintf(f, "plan: worker %u on lcore %u, RX/TX queue %u\n", i,
			app->roles.workers[i], i);
	for (i = 0; i < app->roles.n_writers; i++) {
		unsigned int s;

		fprintf(f, "plan: writer %u on lcore %u, %s, shards", i,
			app->roles.writers[i], app->writers[i].slice ?
			"compresses in slices beside a worker" : "an lcore of its own");
		for (s = 0; s < app->n_shards; s++)
			if (app->shard_writer[s] == i)
				fprintf(f, " %u", s);
		fputs(app->writers[i].n_shards ? "\n" : " none\n", f);
	}
	fprintf(f, "plan: parse%s measured at %.0f ns/msg at start: a worker needs ~%.0f ns/msg%s\n",
		app->cls ? " + rules" : "", app->msg_ns, app->worker_ns,
		app->worker_ns >= WORKER_HEAVY_NS ?
		", too busy to compress: writers beside workers take no shard while another writer has an lcore of its own" : "");
	fprintf(f, "plan: control plane on lcore %u\n", rte_get_main_lcore());
	fprintf(f, "plan: port %u: %u RX / %u TX descriptors per queue, %u mbufs of %u B\n",
		app->port.port_id, app->port.nb_rxd, app->port.nb_txd, app->port.pool->size,
		rte_pktmbuf_data_room_size(app->port.pool));
	plan_ports(f, "udp", o->udp_ports);
	if (app->tcp_on)
		plan_ports(f, "tcp", o->tcp_ports);
	if (o->fsync == SL_FSYNC_INTERVAL)
		fprintf(f, "plan: fsync every %" PRIu64 " ms and at seal\n", o->fsync_interval_ms);
	else
		fprintf(f, "plan: fsync %s\n", o->fsync == SL_FSYNC_NONE ? "never" : "at seal");
	if (o->metrics)
		fprintf(f, "plan: metrics http://%s/metrics, health /healthz%s, telemetry /sluice/*\n",
			o->metrics, o->drain_ms ? "" : " (no --drain-ms: a signal stops RX at once)");
	else
		fprintf(f, "plan: no --metrics: counters on stdout every --stats-interval, telemetry /sluice/*\n");
	if (o->drain_ms)
		fprintf(f, "plan: on SIGTERM/SIGINT: /healthz 503 and RX for %" PRIu64 " ms, then drain and exit\n",
			o->drain_ms);
	for (i = 0; i < o->n_listen; i++)
		fprintf(f, "plan: listen %s/%u\n",
			sl_ip_format(&o->listen[i].ip, ip, sizeof(ip)), o->listen[i].len);
	fprintf(f, "plan: rx backpressure %s\n", app->backpressure ?
		"on: RX pauses while writers are behind (nothing dropped for speed)" :
		"off: when writers are behind, messages are dropped and counted (drop_ring_full)");
	if (o->n_listen == 0)
		fprintf(f, "plan: no --listen: UDP to any address is ingested, nothing is answered\n");
	fprintf(f, "plan: %u store(s) (shards x tenants x streams), %" PRIu64 " MiB of batch and write buffers\n",
		app->n_shards * app->n_dest, app->store_mem >> 20);
	fprintf(f, "plan: out %s, %u shard(s), zstd level %d, batch %" PRIu64 " B, flush %" PRIu64
		" ms, segment %" PRIu64 " B, max-msg %" PRIu64 " B\n",
		o->out, app->n_shards, o->zstd_level, o->batch_size, o->flush_ms,
		o->segment_size, o->max_msg);
	if (o->segment_age_ms)
		fprintf(f, "plan: segments also rotate at %" PRIu64 " ms of age\n", o->segment_age_ms);
	if (app->fwd != NULL)
		fprintf(f, "plan: kafka %s topic %s node %s: %u sources, %" PRIu64
			" batch(es) in flight each, checkpoint %s/.kafka-checkpoint\n",
			o->kafka, o->kafka_topic ? o->kafka_topic : SL_DEF_KAFKA_TOPIC, o->node_id,
			sl_fwd_nb_src(app->fwd), o->kafka_inflight, o->out);
	if (app->retain != NULL)
		fprintf(f, "plan: retain %" PRIu64 " bytes under %s (now %" PRIu64
			" bytes in %" PRIu64 " segments); the oldest sealed segments are deleted\n",
			o->retain_bytes, o->out,
			sl_retain_counters(app->retain).val[SL_RETAIN_usage_bytes],
			sl_retain_counters(app->retain).val[SL_RETAIN_segments]);
	if (app->cls != NULL) {
		uint32_t arg;
		enum sl_action a = sl_classify_default(app->cls, &arg);
		char d[96];
		uint16_t k;

		if (a == SL_ACT_DROP)
			snprintf(d, sizeof(d), "drop");
		else if (a == SL_ACT_SAMPLE)
			snprintf(d, sizeof(d), "sample 1 in %u", arg);
		else if (a == SL_ACT_ROUTE)
			snprintf(d, sizeof(d), "route %s",
				 sl_classify_stream_name(app->cls, (uint16_t)arg));
		else
			snprintf(d, sizeof(d), "keep");
		fprintf(f, "plan: rules %s: %u rule(s), default %s\n", o->rules,
			sl_classify_n_rules(app->cls), d);
		for (k = 0; k < app->n_streams; k++)
			fprintf(f, "plan: stream %u '%s' -> %s/%s/%s/shard-NN/\n", k,
				sl_classify_stream_name(app->cls, k), o->out,
				app->tenants != NULL ? "<tenant>" : "default",
				sl_classify_stream_name(app->cls, k));
	} else {
		fprintf(f, "plan: no --rules: every message is kept in stream 'default'%s\n",
			o->no_parse ? " (--parse off: headers not parsed)" : "");
	}
	sl_app_tenants_plan(f, app);
	if (app->tcp_on)
		fprintf(f, "plan: tcp: up to %" PRIu64 " connections per worker (%" PRIu64
			" half-open before SYN cookies), window %" PRIu64 " KiB, idle reset after %"
			PRIu64 " s, %" PRIu64 " MiB of buffers per worker\n",
			o->tcp_max_conns, o->tcp_halfopen ? o->tcp_halfopen : o->tcp_max_conns / 8,
			RTE_MAX(o->tcp_rcvbuf, o->max_msg + 65536) >> 10, o->tcp_idle_ms / 1000,
			o->tcp_mem >> 20);
	else if (o->tcp_given && o->n_listen == 0)
		fprintf(f, "plan: note: --tcp needs --listen (the address TCP answers from); TCP is counted and ignored\n");
}

/*
 * --rules: read and compile the file (or load it from the cache) before
 * anything touches the port, so a bad file fails fast with every error.
 */
static void
load_rules(struct sl_app *app)
{
	const struct sl_options *o = &app->opt;
	static char errs[16384];
	char cache[4096];
	struct sl_classify_params cp = { .path = o->rules, .socket_id = SOCKET_ID_ANY };
	double ms = 0;
	bool cached;

	app->n_streams = 1;
	if (o->rules == NULL)
		return;
	sl_app_tenant_lookup(app, &cp.tenant_id, &cp.tenant_arg);
	if (o->rules_cache == NULL) {
		snprintf(cache, sizeof(cache), "%s/.rules-cache", o->out);
		cp.cache_dir = cache;
	} else if (strcmp(o->rules_cache, "none") != 0) {
		cp.cache_dir = o->rules_cache;
	}
	app->cls = sl_classify_create(&cp, errs, sizeof(errs));
	if (app->cls == NULL) {
		if (errs[0] != '\0')
			fprintf(stderr, "%s%s", errs, errs[strlen(errs) - 1] == '\n' ? "" : "\n");
		rte_exit(EXIT_FAILURE, "--rules: %s: %s\n", o->rules,
			 rte_errno == EINVAL ? "errors in the file (above)" : rte_strerror(rte_errno));
	}
	app->n_streams = sl_classify_n_streams(app->cls);
	cached = sl_classify_from_cache(app->cls, &ms);
	printf("rules: %s: %u rule(s), %u stream(s), %u tag(s), %zu KiB of databases, %s in %.1f ms\n",
	       o->rules, sl_classify_n_rules(app->cls), app->n_streams,
	       sl_classify_n_tags(app->cls), sl_classify_db_size(app->cls) >> 10,
	       cached ? "loaded from the cache" : "compiled", ms);
}

/* True when writer @p i shares its lcore with a worker. */
static bool
writer_shares_lcore(const struct sl_app *app, unsigned int i)
{
	unsigned int w;

	for (w = 0; w < app->roles.n_workers; w++)
		if (app->roles.workers[w] == app->roles.writers[i])
			return true;
	return false;
}

/*
 * Shards to writers, by weight: a writer with an lcore of its own takes two
 * shards for each one a writer sharing its lcore with a worker takes, so
 * the compression spreads the way the lcores' spare time does. When the
 * worker's messages cost more than WORKER_HEAVY_NS (heavy rules), the
 * lcore has no time left for compression worth a shard: writers beside
 * workers then take none while some writer has an lcore of its own.
 * Measured on -l 0,1 with tests/bench/rules20.rules: 1.61 M msg/s with a
 * shard beside the worker, 2.14 M without (docs/BENCHMARKS.md).
 */
static void
assign_shards(struct sl_app *app)
{
	const struct sl_options *o = &app->opt;
	uint16_t pattern[2 * SL_MAX_LCORES];
	bool heavy = app->worker_ns >= WORKER_HEAVY_NS;
	unsigned int i, n = 0, s;

	for (i = 0; i < app->roles.n_writers; i++) {
		bool shared = writer_shares_lcore(app, i);

		if (!shared || !heavy)
			pattern[n++] = (uint16_t)i;
		if (!shared)
			pattern[n++] = (uint16_t)i;
	}
	if (n == 0) /* every writer beside a worker: they all write anyway */
		for (i = 0; i < app->roles.n_writers; i++)
			pattern[n++] = (uint16_t)i;
	/* One writer alone needs one shard, not two. */
	app->n_shards = o->shards ? o->shards :
			(app->roles.n_writers == 1 ? 1 : n);
	for (s = 0; s < app->n_shards; s++)
		app->shard_writer[s] = pattern[s % n];
}

/*
 * A store per (shard, stream) holds two batch buffers and four output
 * buffers, a zstd context, an io_uring and up to three descriptors (its
 * directory, its segment, one being sealed). Say what that comes to, and
 * make sure the descriptors fit under RLIMIT_NOFILE (raising the soft limit
 * to the hard one if need be) before opening anything.
 */
static int
stores_fit(struct sl_app *app, char *err, size_t len)
{
	const struct sl_options *o = &app->opt;
	uint64_t n = (uint64_t)app->n_shards * app->n_dest;
	uint64_t buf = RTE_MAX(o->batch_size, (uint64_t)app->chunk_cap) + 128;
	uint64_t need = n * 4 + 64; /* + io_uring fds, + the port, logs, ... */
	struct rlimit rl;

	app->store_mem = n * (2 * buf + 4 * ZSTD_compressBound(buf));
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need) {
		if (rl.rlim_max >= need || rl.rlim_max == RLIM_INFINITY) {
			rl.rlim_cur = need;
			if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
				return 0;
		}
		snprintf(err, len, "%" PRIu64 " stores (%u shards x %u tenants x %u streams) need about %" PRIu64
			 " file descriptors; the limit is %llu: raise it (ulimit -n, LimitNOFILE=) or use fewer --shards, tenants or streams",
			 n, app->n_shards, app->n_tenants, app->n_streams, need,
			 (unsigned long long)rl.rlim_max);
		return -EMFILE;
	}
	return 0;
}

/* Build rings, pools, stages and lcore assignments. */
/* --kafka: one source per store. */
static int
fwd_create(struct sl_app *app, char *err, size_t len)
{
	const struct sl_options *o = &app->opt;
	uint32_t i, n = app->n_shards * app->n_dest;
	struct sl_fwd_src_params *src;
	struct sl_fwd_params fp = {
		.root = o->out,
		.bootstrap = o->kafka,
		.topic = o->kafka_topic ? o->kafka_topic : SL_DEF_KAFKA_TOPIC,
		.opts = o->kafka_opts,
		.n_opts = o->n_kafka_opts,
		.node = o->node_id,
		.inflight = (unsigned int)o->kafka_inflight,
		.max_inflight_bytes = 256ull << 20,
		.max_frame = (uint32_t)ZSTD_compressBound(RTE_MAX(o->batch_size, (uint64_t)app->chunk_cap) +
							  (1u << 16) + 128),
		.n_src = n,
	};

	if (o->kafka == NULL)
		return 0;
	src = calloc(n, sizeof(*src));
	if (src == NULL) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		src[i].tenant = sl_app_tenant_name(app, (uint16_t)(i % app->n_dest / app->n_streams));
		src[i].stream = app->cls ? sl_classify_stream_name(app->cls,
				(uint16_t)(i % app->n_streams)) : "default";
		src[i].shard = (uint16_t)(i / app->n_dest);
		src[i].pub = &app->pubs[i];
	}
	fp.src = src;
	app->fwd = sl_fwd_create(&fp, err, len);
	free(src);
	if (app->fwd == NULL)
		return -EINVAL;
	/* Batch ids stay unique when the host lost what Kafka has. */
	for (i = 0; i < n; i++)
		sl_store_skip_to(app->stores[i], sl_fwd_resume_seq(app->fwd, i));
	return 0;
}

static int
build(struct sl_app *app, char *err, size_t len)
{
	const struct sl_options *o = &app->opt;
	unsigned int nw = app->roles.n_workers, nwr = app->roles.n_writers;
	unsigned int w, s, i;
	int socket = rte_eth_dev_socket_id(o->port);
	char name[RTE_RING_NAMESIZE];
	unsigned int n_chunks;
	int rc;

	if (socket < 0)
		socket = SOCKET_ID_ANY;
	assign_shards(app);
	app->chunk_cap = pow2_at_least((uint32_t)(sizeof(struct sl_rec) + o->max_msg));
	if (app->chunk_cap < CHUNK_MIN_CAP)
		app->chunk_cap = CHUNK_MIN_CAP;
	/* Per (worker, shard): a ring and a backlog full, and an open chunk
	 * per stream. */
	n_chunks = nw * app->n_shards * ((unsigned int)o->ring_size + CHUNK_SLACK +
					 app->n_dest) + nwr * 32;
	app->chunk_pool = sl_shard_pool_create("sl_chunks", n_chunks, app->chunk_cap, socket);
	if (app->chunk_pool == NULL) {
		snprintf(err, len, "cannot allocate %u chunks of %u KiB (%" PRIu64
			 " MiB): %s; give the EAL more memory (-m, hugepages) or lower --ring-size/--shards/--max-msg",
			 n_chunks, app->chunk_cap >> 10,
			 ((uint64_t)n_chunks * app->chunk_cap) >> 20,
			 rte_strerror(rte_errno));
		return -ENOMEM;
	}

	app->rings = calloc((size_t)nw * app->n_shards, sizeof(*app->rings));
	app->workers = rte_zmalloc("sl_workers", nw * sizeof(*app->workers), RTE_CACHE_LINE_SIZE);
	app->writers = rte_zmalloc("sl_writers", nwr * sizeof(*app->writers), RTE_CACHE_LINE_SIZE);
	app->stores = calloc((size_t)app->n_shards * app->n_dest, sizeof(*app->stores));
	if (!app->rings || !app->workers || !app->writers || !app->stores) {
		snprintf(err, len, "out of memory for the pipeline tables");
		return -ENOMEM;
	}
	for (w = 0; w < nw; w++) {
		for (s = 0; s < app->n_shards; s++) {
			snprintf(name, sizeof(name), "sl_r%u_%u", w, s);
			app->rings[w * app->n_shards + s] = rte_ring_create(name,
				(unsigned int)o->ring_size, socket,
				RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
			if (app->rings[w * app->n_shards + s] == NULL) {
				snprintf(err, len, "cannot create ring %s: %s", name,
					 rte_strerror(rte_errno));
				return -ENOMEM;
			}
		}
	}

	rc = stores_fit(app, err, len);
	if (rc != 0)
		return rc;
	if (o->kafka) {
		app->pubs = aligned_alloc(64, (size_t)app->n_shards * app->n_dest * sizeof(*app->pubs));
		if (app->pubs == NULL) {
			snprintf(err, len, "out of memory");
			return -ENOMEM;
		}
		memset(app->pubs, 0, (size_t)app->n_shards * app->n_dest * sizeof(*app->pubs));
	}
	/* Stores first: recovery of a crashed run happens before RX. One per
	 * stream of each shard, all opened now: a stream's torn segment is
	 * repaired at start even if no message goes there again. */
	for (i = 0; i < app->n_shards * app->n_dest; i++) {
		struct sl_store_params sp = {
			.root = o->out,
			.tenant = sl_app_tenant_name(app, (uint16_t)(i % app->n_dest / app->n_streams)),
			.stream = app->cls ? sl_classify_stream_name(app->cls,
					(uint16_t)(i % app->n_streams)) : "default",
			.shard = (uint16_t)(i / app->n_dest),
			.zstd_level = o->zstd_level,
			.batch_size = (uint32_t)o->batch_size,
			.segment_size = o->segment_size,
			.segment_age_ms = o->segment_age_ms,
			.max_append = app->chunk_cap,
			.fsync = o->fsync,
			.fsync_interval_ms = (uint32_t)o->fsync_interval_ms,
			.socket_id = socket,
			.pub = app->pubs ? &app->pubs[i] : NULL,
		};

		app->stores[i] = sl_store_create(&sp);
		if (app->stores[i] == NULL) {
			snprintf(err, len, "cannot open the store of stream %s shard %u under %s: %s",
				 sp.stream, sp.shard, o->out, rte_strerror(rte_errno));
			return -rte_errno;
		}
	}
	/* After the stores (their recovery is done, their publication set),
	 * before retention (it asks the forwarder's gates). */
	rc = fwd_create(app, err, len);
	if (rc != 0)
		return rc;
	/* After the stores: the segments they repaired count. */
	rc = sl_app_quotas_create(app, err, len);
	if (rc != 0)
		return rc;
	if (o->retain_bytes) {
		struct sl_retain_params rp = {
			.root = o->out,
			.budget_bytes = o->retain_bytes,
			.fwd_gate = app->fwd ? sl_fwd_gate : NULL,
			.fwd_arg = app->fwd,
		};

		app->retain = sl_retain_create(&rp);
		if (app->retain == NULL) {
			snprintf(err, len, "--retain: cannot scan %s: %s", o->out,
				 rte_strerror(rte_errno));
			return -rte_errno;
		}
	}

	for (w = 0; w < nw; w++) {
		struct sl_worker *wk = &app->workers[w];
		struct sl_decode_params dp = {
			.listen = o->listen,
			.n_listen = o->n_listen,
			.udp_ports = o->udp_ports,
			.mac = app->port.mac,
			.frag_max_flows = (uint32_t)o->frag_flows,
			.frag_max_per_flow = FRAG_PER_FLOW,
			.frag_timeout_ms = (uint32_t)o->frag_timeout_ms,
			.frag_max_mbufs = (uint32_t)o->frag_flows * FRAG_MBUFS_PER_FLOW,
			.rx_cksum_offload = app->port.rx_cksum,
			.tcp = app->tcp_on,
			.socket_id = socket,
		};
		struct sl_shard_params shp = {
			.worker = (uint16_t)w,
			.n_shards = (uint16_t)app->n_shards,
			.n_streams = (uint16_t)app->n_dest,
			.streams_per_tenant = app->n_streams,
			.weights = app->tenants != NULL ? app->weights : NULL,
			.fair_cap = (uint32_t)o->ring_size + SL_SHARD_BACKLOG,
			.rings = &app->rings[w * app->n_shards],
			.pool = app->chunk_pool,
			.max_msg = (uint32_t)o->max_msg,
			.age_tsc = app->run.tsc_hz / 1000 * o->flush_ms / 2,
			.socket_id = socket,
		};

		wk->index = (uint16_t)w;
		wk->port_id = o->port;
		wk->queue = (uint16_t)w;
		wk->last_rx_tsc = app->start_tsc;
		wk->backpressure = app->backpressure;
		wk->parse = !o->no_parse;
		wk->lin = rte_malloc_socket("sl_lin", SL_WORKER_LIN_MAX, 0, socket);
		if (wk->lin == NULL) {
			snprintf(err, len, "worker %u: out of memory", w);
			return -ENOMEM;
		}
		if (app->cls != NULL) {
			wk->cls = sl_classify_worker_create(app->cls, socket);
			if (wk->cls == NULL) {
				snprintf(err, len, "worker %u: cannot create the classify stage: %s",
					 w, rte_strerror(rte_errno));
				return -ENOMEM;
			}
		}
		wk->decode = sl_decode_create(&dp);
		if (wk->decode == NULL) {
			snprintf(err, len, "worker %u: cannot create the decode stage: %s",
				 w, rte_strerror(rte_errno));
			return -ENOMEM;
		}
		rc = sl_app_worker_tenants(app, wk, socket, err, len);
		if (rc != 0)
			return rc;
		wk->n_streams = app->n_streams;
		shp.done = wk->tdone;
		wk->shard = sl_shard_tx_create(&shp);
		if (wk->shard == NULL) {
			snprintf(err, len, "worker %u: cannot create the shard stage: %s",
				 w, rte_strerror(rte_errno));
			return -ENOMEM;
		}
		if (app->tcp_on) {
			struct sl_tcp_params tp = {
				.ports = o->tcp_ports,
				.mac = app->port.mac,
				.pool = app->port.pool,
				.max_conns = (uint32_t)o->tcp_max_conns,
				.max_halfopen = (uint32_t)o->tcp_halfopen,
				.rcvbuf = (uint32_t)o->tcp_rcvbuf,
				.mem_cap = o->tcp_mem,
				.mss4 = (uint16_t)(app->port.mtu - 40),
				.mss6 = (uint16_t)(app->port.mtu - 60),
				.idle_ms = (uint32_t)o->tcp_idle_ms,
				.tsc_hz = app->run.tsc_hz,
				.framing = { .max_msg = (uint32_t)o->max_msg },
				.worker = (uint16_t)w,
				.socket_id = socket,
			};

			if (getrandom(tp.secret, sizeof(tp.secret), 0) != sizeof(tp.secret)) {
				snprintf(err, len, "worker %u: getrandom: %s", w, strerror(errno));
				return -EIO;
			}
			sl_worker_tcp_params(wk, &tp);
			wk->tcp = sl_tcp_create(&tp);
			if (wk->tcp == NULL) {
				snprintf(err, len, "worker %u: cannot create the TCP stage: %s",
					 w, rte_strerror(rte_errno));
				return -ENOMEM;
			}
		}
	}

	for (i = 0; i < nwr; i++) {
		struct sl_writer *wr = &app->writers[i];
		unsigned int k = 0;

		wr->index = (uint16_t)i;
		/* Beside a worker, compress a slice per poll so RX is polled
		 * between slices. */
		wr->slice = writer_shares_lcore(app, i) ? SHARED_SLICE : 0;
		wr->pause_us = (uint32_t)o->writer_pause_us;
		for (s = 0; s < app->n_shards; s++)
			wr->n_shards += app->shard_writer[s] == i;
		wr->shards = calloc(wr->n_shards ? wr->n_shards : 1, sizeof(*wr->shards));
		wr->stores = calloc((size_t)(wr->n_shards ? wr->n_shards : 1) * app->n_dest,
				    sizeof(*wr->stores));
		if (wr->shards == NULL || wr->stores == NULL) {
			snprintf(err, len, "out of memory for writer %u", i);
			return -ENOMEM;
		}
		for (s = 0; s < app->n_shards; s++) {
			struct sl_writer_shard *ws;

			if (app->shard_writer[s] != i)
				continue;
			ws = &wr->shards[k++];

			ws->shard = (uint16_t)s;
			ws->n_streams = (uint16_t)app->n_dest;
			ws->st = calloc(app->n_dest, sizeof(*ws->st));
			ws->rings = calloc(nw, sizeof(*ws->rings));
			if (ws->rings == NULL || ws->st == NULL) {
				snprintf(err, len, "out of memory for writer %u", i);
				return -ENOMEM;
			}
			for (w = 0; w < app->n_dest; w++) {
				ws->st[w].store = app->stores[s * app->n_dest + w];
				wr->stores[wr->n_stores++] = ws->st[w].store;
			}
			for (w = 0; w < nw; w++)
				ws->rings[w] = app->rings[w * app->n_shards + s];
		}
	}

	/* Lcore assignment. */
	for (w = 0; w < nw; w++) {
		struct sl_lcore *lc = &app->lcores[app->roles.workers[w]];

		if (lc->workers == NULL)
			lc->workers = calloc(nw, sizeof(*lc->workers));
		if (lc->workers == NULL)
			return -ENOMEM;
		lc->workers[lc->n_workers++] = &app->workers[w];
	}
	for (i = 0; i < nwr; i++) {
		struct sl_lcore *lc = &app->lcores[app->roles.writers[i]];

		if (lc->writers == NULL)
			lc->writers = calloc(nwr, sizeof(*lc->writers));
		if (lc->writers == NULL)
			return -ENOMEM;
		lc->writers[lc->n_writers++] = &app->writers[i];
	}
	for (i = 0; i < RTE_MAX_LCORE; i++)
		app->lcores[i].run = &app->run;
	app->lcores[rte_get_main_lcore()].control = control;
	app->lcores[rte_get_main_lcore()].control_arg = app;
	return 0;
}

static void
teardown(struct sl_app *app)
{
	unsigned int i, s;

	if (app->workers)
		for (i = 0; i < app->roles.n_workers; i++) {
			sl_tcp_free(app->workers[i].tcp);
			sl_shard_tx_free(app->workers[i].shard);
			sl_decode_free(app->workers[i].decode);
			sl_classify_worker_free(app->workers[i].cls);
			sl_app_worker_tenants_free(&app->workers[i]);
			rte_free(app->workers[i].lin);
		}
	sl_retain_free(app->retain);
	app->retain = NULL;
	sl_app_tenants_free(app);
	if (app->fwd_running) {
		sl_fwd_stop(app->fwd, 0);
		pthread_join(app->fwd_tid, NULL);
		app->fwd_running = 0;
	}
	sl_fwd_free(app->fwd);
	app->fwd = NULL;
	if (app->stores)
		for (s = 0; s < app->n_shards * app->n_dest; s++)
			sl_store_free(app->stores[s]);
	if (app->writers)
		for (i = 0; i < app->roles.n_writers; i++) {
			for (s = 0; s < app->writers[i].n_shards; s++) {
				free(app->writers[i].shards[s].rings);
				free(app->writers[i].shards[s].st);
			}
			free(app->writers[i].shards);
			free(app->writers[i].stores);
		}
	if (app->rings)
		for (i = 0; i < app->roles.n_workers * app->n_shards; i++)
			rte_ring_free(app->rings[i]);
	for (i = 0; i < RTE_MAX_LCORE; i++) {
		free(app->lcores[i].workers);
		free(app->lcores[i].writers);
	}
	free(app->rings);
	free(app->stores);
	free(app->pubs);
	app->pubs = NULL;
	rte_free(app->workers);
	rte_free(app->writers);
	rte_mempool_free(app->chunk_pool);
	sl_classify_free(app->cls);
	if (app->port_up)
		sl_port_close(&app->port);
}

int
main(int argc, char **argv)
{
	static struct sl_app app;
	char err[512];
	unsigned int l;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "EAL init failed: %s (check the EAL options before --)\n",
			 rte_strerror(rte_errno));
	argc -= ret;
	argv += ret;
	argv[0] = (char *)(uintptr_t)"sluice";

	ret = sl_options_parse(argc, argv, &app.opt, err, sizeof(err));
	if (ret == 1) {
		rte_eal_cleanup();
		return 0;
	}
	if (ret != 0)
		rte_exit(EXIT_FAILURE, "%s\n", err);
	if (sl_roles_assign(&app.roles, app.opt.workers, app.opt.writers, err, sizeof(err)) != 0)
		rte_exit(EXIT_FAILURE, "%s\n", err);
	if (make_dir(app.opt.out, err, sizeof(err)) != 0)
		rte_exit(EXIT_FAILURE, "%s\n", err);
	if (sl_app_tenants_load(&app, err, sizeof(err)) != 0)
		rte_exit(EXIT_FAILURE, "%s\n", err);
	load_rules(&app);
	app.n_dest = app.n_tenants * app.n_streams;
	if (sl_app_tenants_fit(&app, err, sizeof(err)) != 0)
		rte_exit(EXIT_FAILURE, "%s\n", err);
	app.msg_ns = sl_calibrate_ns(app.cls, !app.opt.no_parse);
	app.worker_ns = WORKER_BASE_NS + WORKER_MSG_FACTOR * app.msg_ns;

	app.run.tsc_hz = rte_get_tsc_hz();
	app.run.n_workers = app.roles.n_workers;
	app.run.batch_age_tsc = app.run.tsc_hz / 1000 * app.opt.flush_ms / 2;
	app.run.poll_tsc = app.run.tsc_hz / 10000; /* 100 us */
	app.start_tsc = rte_rdtsc();

	/* TCP answers from a --listen address, on the --tcp ports. */
	if (app.opt.n_listen > 0) {
		unsigned int b;

		for (b = 0; b < sizeof(app.opt.tcp_ports); b++)
			app.tcp_on |= app.opt.tcp_ports[b] != 0;
	}
	{
		/* TCP connections hold received mbufs until their messages are
		 * framed: --tcp-mem of them per worker, and some for ACKs. */
		uint32_t buf = app.opt.mbuf_size ? (uint32_t)app.opt.mbuf_size :
			RTE_MBUF_DEFAULT_BUF_SIZE;
		uint32_t tcp_mbufs = app.tcp_on ? (uint32_t)(app.opt.tcp_mem / buf) + 256 : 0;
		struct sl_port_params pp = {
			.port_id = app.opt.port,
			.nb_queues = (uint16_t)app.roles.n_workers,
			.nb_rxd = (uint16_t)app.opt.rxd,
			.nb_txd = (uint16_t)app.opt.txd,
			.extra_mbufs = (uint32_t)(app.opt.frag_flows * FRAG_MBUFS_PER_FLOW +
					       app.opt.extra_mbufs) + tcp_mbufs,
			.mbuf_data_size = (uint16_t)app.opt.mbuf_size,
			.socket_id = -1,
		};

		ret = sl_port_setup(&pp, &app.port, err, sizeof(err));
		if (ret != 0)
			rte_exit(EXIT_FAILURE, "%s\n", err);
		app.port_up = true;
	}
	app.backpressure = app.opt.rx_backpressure == 1 ||
		(app.opt.rx_backpressure == -1 && strcmp(app.port.driver, "net_pcap") == 0);
	ret = build(&app, err, sizeof(err));
	if (ret != 0) {
		teardown(&app);
		rte_exit(EXIT_FAILURE, "%s\n", err);
	}
	print_plan(stdout, &app);
	if (app.opt.check) {
		printf("check: ok\n");
		teardown(&app);
		rte_eal_cleanup();
		return 0;
	}

	app.ww_chunks = calloc(app.roles.n_writers, sizeof(*app.ww_chunks));
	app.ww_since = calloc(app.roles.n_writers, sizeof(*app.ww_since));
	if (app.ww_chunks == NULL || app.ww_since == NULL)
		rte_exit(EXIT_FAILURE, "out of memory\n");
	pthread_mutex_init(&app.health_mu, NULL);
	if (sl_telemetry_register(&app) != 0)
		MAIN_LOG(WARNING, "telemetry: the /sluice commands could not be registered\n");
	if (sl_mgmt_start(&app, err, sizeof(err)) != 0) {
		sl_telemetry_unregister();
		teardown(&app);
		rte_exit(EXIT_FAILURE, "%s\n", err);
	}
	if (app.fwd != NULL) {
		ret = rte_ctrl_thread_create(&app.fwd_tid, "sl-fwd", NULL, sl_fwd_run, app.fwd);
		if (ret != 0) {
			sl_mgmt_stop(&app);
			sl_telemetry_unregister();
			teardown(&app);
			rte_exit(EXIT_FAILURE, "--kafka: cannot start the forwarder thread: %s\n",
				 strerror(ret));
		}
		app.fwd_running = 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	app.next_stats_tsc = app.start_tsc + app.opt.stats_interval * app.run.tsc_hz;
	fflush(stdout);

	RTE_LCORE_FOREACH_WORKER(l) {
		struct sl_lcore *lc = &app.lcores[l];

		if (lc->n_workers + lc->n_writers == 0)
			continue;
		ret = rte_eal_remote_launch(sl_lcore_loop, lc, l);
		if (ret != 0) {
			app.run.stop_rx = 1;
			rte_exit(EXIT_FAILURE, "cannot launch lcore %u: %s\n", l, strerror(-ret));
		}
	}
	app.running = 1;
	sl_lcore_loop(&app.lcores[rte_get_main_lcore()]);
	rte_eal_mp_wait_lcore();
	app.running = 0;

	printf("stopping: %s\n", app.stop_reason ? app.stop_reason : "done");
	/* Stores seal in teardown; print after that so the counters are
	 * final. */
	if (app.workers)
		for (l = 0; l < app.roles.n_workers; l++)
			sl_shard_tx_flush(app.workers[l].shard);
	for (l = 0; l < app.n_shards * app.n_dest; l++)
		sl_store_seal(app.stores[l]);
	if (app.fwd_running) {
		/* Forward what the drain stored (bounded), then the last
		 * checkpoint: retention below may then delete it. */
		sl_fwd_stop(app.fwd, app.opt.kafka_drain_ms);
		pthread_join(app.fwd_tid, NULL);
		app.fwd_running = 0;
	}
	if (app.retain != NULL) {
		/* What the drain wrote is within the budget too when we exit. */
		uint64_t t = rte_rdtsc() / (app.run.tsc_hz / 1000);

		do
			sl_retain_wait(app.retain);
		while (sl_retain_poll(app.retain, t += 3600000) > 0);
		sl_retain_wait(app.retain);
	}
	sl_app_quotas_final(&app);
	sl_stats_print(stdout, &app, true);
	sl_mgmt_stop(&app);
	sl_telemetry_unregister();
	teardown(&app);
	free(app.ww_chunks);
	free(app.ww_since);
	rte_eal_cleanup();
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The running node: everything main() builds, passed by context.
 */
#ifndef SL_APP_H
#define SL_APP_H

#include <pthread.h>
#include <signal.h>
#include <stdio.h>

#include "options.h"
#include "roles.h"
#include "sl_pipeline.h"
#include "sl_port.h"
#include "sl_retain.h"
#include "sl_forward.h"

struct sl_app {
	struct sl_options opt;
	struct sl_roles roles;
	struct sl_port port;
	bool port_up;
	bool backpressure;               /**< workers pause RX while writers are behind */
	bool tcp_on;                     /**< a TCP stage per worker: --listen and a --tcp port */
	struct sl_run run;
	struct rte_mempool *chunk_pool;
	uint32_t chunk_cap;
	unsigned int n_shards;
	uint16_t shard_writer[SL_MAX_SHARDS]; /**< writer index of each shard */
	struct rte_ring **rings;         /**< [worker * n_shards + shard] */
	struct sl_worker *workers;       /**< roles.n_workers */
	struct sl_writer *writers;       /**< roles.n_writers */
	struct sl_classify *cls;         /**< --rules, or NULL */
	uint16_t n_streams;              /**< 1 without rules */
	struct sl_tenant_table *tenants; /**< --tenants, or NULL */
	uint32_t n_tenants;              /**< 1 without --tenants */
	uint32_t n_dest;                 /**< n_tenants x n_streams: stores per shard */
	uint32_t *weights;               /**< per tenant */
	struct sl_retain **quota;        /**< per tenant: its quota, or NULL */
	volatile uint8_t *over_quota;    /**< per tenant: drop-newest quota reached */
	double msg_ns;                   /**< parse (+ rules) per message, measured at start */
	double worker_ns;                /**< a worker's estimated cost per message */
	struct sl_store **stores;        /**< [shard * n_dest + tenant * n_streams + stream] */
	uint64_t store_mem;              /**< bytes of store buffers, all stores */
	struct sl_retain *retain;        /**< --retain, or NULL */
	struct sl_lcore lcores[RTE_MAX_LCORE];
	uint64_t start_tsc;
	uint64_t next_stats_tsc;
	const char *stop_reason;
	/* Health (mgmt.c): the management thread and telemetry read it. */
	volatile int running;            /**< lcores launched, until they return */
	volatile int draining;           /**< a signal came: --drain-ms before RX stops */
	uint64_t drain_until_ms;
	pthread_mutex_t health_mu;
	uint64_t *ww_chunks, *ww_since;  /**< per writer: chunks taken, since when (ms) */
	struct sl_mgmt *mgmt;            /**< --metrics, or NULL */
	/* --kafka: what the stores publish, and the forwarder reading it. */
	struct sl_store_pub *pubs;       /**< [like stores], or NULL */
	struct sl_fwd *fwd;              /**< --kafka, or NULL */
	pthread_t fwd_tid;
	int fwd_running;
};

/** A writer with chunks waiting that takes none this long is stalled. */
#define SL_STALL_MS 2000

/**
 * Parse (and classify with @p c, if not NULL) a dozen typical messages
 * many times; best of three rounds.
 * @return ns per message, 0 when @p parse is false.
 */
double sl_calibrate_ns(const struct sl_classify *c, bool parse);

/* tenants.c: --tenants on the application side. */
int sl_app_tenants_load(struct sl_app *app, char *err, size_t len);
void sl_app_tenant_lookup(struct sl_app *app, int (**fn)(void *, const char *), void **arg);
int sl_app_tenants_fit(const struct sl_app *app, char *err, size_t len);
const char *sl_app_tenant_name(const struct sl_app *app, uint16_t t);
int sl_app_worker_tenants(struct sl_app *app, struct sl_worker *wk, int socket, char *err,
			  size_t len);
void sl_app_worker_tenants_free(struct sl_worker *wk);
int sl_app_quotas_create(struct sl_app *app, char *err, size_t len);
void sl_app_quotas_poll(struct sl_app *app, uint64_t now_ms);
void sl_app_quotas_final(struct sl_app *app);
void sl_app_quotas_free(struct sl_app *app);
void sl_app_tenants_plan(FILE *f, const struct sl_app *app);
void sl_app_tenants_free(struct sl_app *app);
/** Visit each tenant's counters (summed over workers) and its quota's. */
struct sl_stats_sink;
void sl_app_tenants_walk(struct sl_app *app, struct sl_stats_sink *k, uint64_t *dropped);

/* stats.c: one walk over every counter, for the text stats, the metrics
 * and telemetry. */

/** A label of a counter set: name="value". */
struct sl_label {
	const char *name;
	const char *value;
};

#define SL_STATS_MAX_LABELS 5

/** Where a walk goes. */
struct sl_stats_sink {
	/**
	 * One set: counters, or gauges where sl_ctr_is_gauge() says so.
	 * s->instance is its text name ("worker 0", "A", "default shard 3"),
	 * @p l its labels (worker="0", tenant="A" ...).
	 */
	void (*set)(struct sl_stats_sink *k, const struct sl_ctr_set *s,
		    const struct sl_label *l, unsigned int n_labels);
	bool gauges;  /**< also the gauges and port sets the text stats leave out */
};

/** The summary line's figures. */
struct sl_stats_totals {
	uint64_t pkts, msgs, stored, dropped, filtered, busy_cycles;
	double worker_ns_per_msg;
};

/**
 * Visit every counter set of the node (workers, writers, stores, tenants,
 * quotas, rules, retention; with k->gauges also ring fill, writer backlog,
 * store state, disk space and the port) and add up the summary.
 * Safe from another thread while the node runs: it only reads.
 */
void sl_stats_walk(struct sl_app *app, struct sl_stats_sink *k, struct sl_stats_totals *t);

/** Whether counter @p d of a set is a gauge: "max_..." or "(a gauge" in its help. */
bool sl_ctr_is_gauge(const struct sl_ctr_desc *d);

/* mgmt.c: --metrics (HTTP: /metrics, /healthz) and health. */
int sl_mgmt_start(struct sl_app *app, char *err, size_t len);
void sl_mgmt_stop(struct sl_app *app);
/**
 * Whether the node takes and stores traffic now.
 * @return 200, or 503 with the reason in @p reason ("draining: ...",
 *   "disk full: ...", "writer 0 ... stalled", "port 0 ...: link down").
 */
int sl_app_health(struct sl_app *app, char *reason, size_t len);

/* telemetry.c: /sluice/... commands for dpdk-telemetry.py. */
int sl_telemetry_register(struct sl_app *app);
void sl_telemetry_unregister(void);

/** Print every counter set, then the port's, then the summary line. */
void sl_stats_print(FILE *f, struct sl_app *app, bool final);

#endif /* SL_APP_H */

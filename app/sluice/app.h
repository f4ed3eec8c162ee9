/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The running node: everything main() builds, passed by context.
 */
#ifndef SL_APP_H
#define SL_APP_H

#include <signal.h>
#include <stdio.h>

#include "options.h"
#include "roles.h"
#include "sl_pipeline.h"
#include "sl_port.h"
#include "sl_retain.h"

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
};

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
void sl_app_tenants_stats(FILE *f, const struct sl_app *app, bool final, uint64_t *dropped);
void sl_app_tenants_free(struct sl_app *app);

/** Print every counter set, then the port's, then the summary line. */
void sl_stats_print(FILE *f, struct sl_app *app, bool final);

#endif /* SL_APP_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --tenants: load the table, size what each tenant gets (a store per
 * stream per shard, counters per worker, the writers' done counters for
 * fair sharing), run the quotas on the control plane and print the plan
 * and the per-tenant counters.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "app.h"

/* Quotas are checked this often (a drop-newest quota can be overshot by
 * what arrives in that time). */
#define QUOTA_INTERVAL_MS 200

static uint32_t one_weight = 1;

static int
tenant_id_of(void *arg, const char *name)
{
	return sl_tenant_find(arg, name);
}

int
sl_app_tenants_load(struct sl_app *app, char *err, size_t len)
{
	const struct sl_options *o = &app->opt;
	static char errs[16384];
	struct sl_tenant_params tp = {
		.udp_ports = o->udp_ports,
		.tcp_ports = o->tcp_ports,
		.max_msg = (uint32_t)o->max_msg,
		.n_workers = (uint16_t)app->roles.n_workers,
		.tsc_hz = rte_get_tsc_hz(),
		.socket_id = SOCKET_ID_ANY,
	};
	uint32_t t;

	app->n_tenants = 1;
	app->weights = &one_weight;
	if (o->tenants == NULL)
		return 0;
	app->tenants = sl_tenant_load(o->tenants, &tp, errs, sizeof(errs));
	if (app->tenants == NULL) {
		if (errs[0] != '\0')
			fprintf(stderr, "%s%s", errs, errs[strlen(errs) - 1] == '\n' ? "" : "\n");
		snprintf(err, len, "--tenants: %s: %s", o->tenants,
			 errs[0] != '\0' ? "errors in the file (above)" : rte_strerror(rte_errno));
		return -EINVAL;
	}
	app->n_tenants = sl_tenant_count(app->tenants);
	app->weights = calloc(app->n_tenants, sizeof(*app->weights));
	app->quota = calloc(app->n_tenants, sizeof(*app->quota));
	app->over_quota = rte_zmalloc("sl_over_quota", app->n_tenants, RTE_CACHE_LINE_SIZE);
	if (app->weights == NULL || app->quota == NULL || app->over_quota == NULL) {
		snprintf(err, len, "--tenants: out of memory for %u tenants", app->n_tenants);
		return -ENOMEM;
	}
	for (t = 0; t < app->n_tenants; t++)
		app->weights[t] = sl_tenant_info(app->tenants, (uint16_t)t)->weight;
	printf("tenants: %s: %u tenant(s), the default included%s\n", o->tenants,
	       app->n_tenants, sl_tenant_rejects_default(app->tenants) ?
	       "; messages of no tenant are rejected" : "");
	return 0;
}

void
sl_app_tenant_lookup(struct sl_app *app, int (**fn)(void *, const char *), void **arg)
{
	*fn = app->tenants != NULL ? tenant_id_of : NULL;
	*arg = app->tenants;
}

int
sl_app_tenants_fit(const struct sl_app *app, char *err, size_t len)
{
	uint32_t n = app->n_tenants * app->n_streams;

	if (n <= SL_SHARD_MAX_STREAMS)
		return 0;
	snprintf(err, len, "--tenants: %u tenants x %u streams = %u stores per shard; at most %u "
		 "(each is a directory of segments with its own buffers): use fewer tenants or streams",
		 app->n_tenants, app->n_streams, n, SL_SHARD_MAX_STREAMS);
	return -E2BIG;
}

const char *
sl_app_tenant_name(const struct sl_app *app, uint16_t t)
{
	return app->tenants != NULL ? sl_tenant_info(app->tenants, t)->name : "default";
}

int
sl_app_worker_tenants(struct sl_app *app, struct sl_worker *wk, int socket, char *err,
		      size_t len)
{
	if (app->tenants == NULL)
		return 0;
	wk->tenants = app->tenants;
	wk->over_quota = app->over_quota;
	wk->meter = sl_tenant_meter_create(app->tenants, wk->index, socket);
	wk->tctr = rte_zmalloc_socket("sl_tctr", (size_t)app->n_tenants * sizeof(*wk->tctr),
				      RTE_CACHE_LINE_SIZE, socket);
	wk->tdone = rte_zmalloc_socket("sl_done", sl_shard_done_size((uint16_t)app->n_shards,
				      app->n_tenants) * sizeof(uint32_t),
				      RTE_CACHE_LINE_SIZE, socket);
	if (wk->meter == NULL || wk->tctr == NULL || wk->tdone == NULL) {
		snprintf(err, len, "worker %u: out of memory for %u tenants", wk->index,
			 app->n_tenants);
		return -ENOMEM;
	}
	return 0;
}

void
sl_app_worker_tenants_free(struct sl_worker *wk)
{
	sl_tenant_meter_free(wk->meter);
	rte_free(wk->tctr);
	rte_free(wk->tdone);
	wk->meter = NULL;
	wk->tctr = NULL;
	wk->tdone = NULL;
}

int
sl_app_quotas_create(struct sl_app *app, char *err, size_t len)
{
	uint32_t t;

	for (t = 0; app->tenants != NULL && t < app->n_tenants; t++) {
		const struct sl_tenant_info *ti = sl_tenant_info(app->tenants, (uint16_t)t);
		struct sl_retain_params rp = {
			.root = app->opt.out,
			.tenant = ti->name,
			.budget_bytes = ti->quota_bytes,
			.interval_ms = QUOTA_INTERVAL_MS,
			.measure_only = ti->quota_policy == SL_QUOTA_DROP_NEWEST,
			.fwd_gate = app->fwd ? sl_fwd_gate : NULL,
			.fwd_arg = app->fwd,
		};

		if (ti->quota_policy == SL_QUOTA_NONE)
			continue;
		app->quota[t] = sl_retain_create(&rp);
		if (app->quota[t] == NULL) {
			snprintf(err, len, "tenant %s: quota: cannot scan %s/%s: %s", ti->name,
				 app->opt.out, ti->name, rte_strerror(rte_errno));
			return -rte_errno;
		}
		app->over_quota[t] = rp.measure_only && sl_retain_over(app->quota[t]);
	}
	return 0;
}

void
sl_app_quotas_poll(struct sl_app *app, uint64_t now_ms)
{
	uint32_t t;

	for (t = 0; app->tenants != NULL && t < app->n_tenants; t++) {
		struct sl_retain *q = app->quota[t];

		if (q == NULL)
			continue;
		sl_retain_poll(q, now_ms);
		if (sl_tenant_info(app->tenants, (uint16_t)t)->quota_policy == SL_QUOTA_DROP_NEWEST)
			app->over_quota[t] = sl_retain_over(q);
	}
}

void
sl_app_quotas_final(struct sl_app *app)
{
	uint64_t t = rte_rdtsc() / (app->run.tsc_hz / 1000);
	uint32_t k;

	/* What the drain wrote is within the quotas too when we exit, and
	 * the final counters say so. */
	for (k = 0; app->quota != NULL && k < app->n_tenants; k++) {
		struct sl_retain *q = app->quota[k];

		if (q == NULL)
			continue;
		do
			sl_retain_wait(q);
		while (sl_retain_poll(q, t += 3600000) > 0);
		sl_retain_wait(q);
	}
}

void
sl_app_quotas_free(struct sl_app *app)
{
	uint32_t t;

	for (t = 0; app->quota != NULL && t < app->n_tenants; t++)
		sl_retain_free(app->quota[t]);
	free(app->quota);
	app->quota = NULL;
}

static void
rate_text(char *buf, size_t len, uint64_t rate, uint64_t burst, const char *unit)
{
	if (rate == 0)
		snprintf(buf, len, "%s unlimited", unit);
	else
		snprintf(buf, len, "%" PRIu64 " %s/s (burst %" PRIu64 ")", rate, unit, burst);
}

void
sl_app_tenants_plan(FILE *f, const struct sl_app *app)
{
	uint32_t t;

	if (app->tenants == NULL) {
		fprintf(f, "plan: no --tenants: every message belongs to tenant 'default'\n");
		return;
	}
	fprintf(f, "plan: tenants %s: %u, unmatched messages %s\n", app->opt.tenants,
		app->n_tenants, sl_tenant_rejects_default(app->tenants) ?
		"rejected (worker drop_no_tenant)" : "go to 'default'");
	for (t = 0; t < app->n_tenants; t++) {
		const struct sl_tenant_info *ti = sl_tenant_info(app->tenants, (uint16_t)t);
		char m[64], b[64], q[96];

		rate_text(m, sizeof(m), ti->msg_rate, ti->msg_burst, "msgs");
		rate_text(b, sizeof(b), ti->byte_rate, ti->byte_burst, "bytes");
		if (ti->quota_policy == SL_QUOTA_NONE)
			snprintf(q, sizeof(q), "no quota");
		else
			snprintf(q, sizeof(q), "quota %" PRIu64 " bytes, %s", ti->quota_bytes,
				 ti->quota_policy == SL_QUOTA_DROP_NEWEST ? "drop-newest" :
				 "delete-oldest");
		fprintf(f, "plan: tenant %u '%s' -> %s/%s/: %s, %s, weight %u, %s\n", t, ti->name,
			app->opt.out, ti->name, m, b, ti->weight, q);
	}
}

void
sl_app_tenants_walk(struct sl_app *app, struct sl_stats_sink *k, uint64_t *dropped)
{
	uint64_t sum[SL_TCTR_NB];
	uint32_t t, i, c;

	if (app->tenants == NULL)
		return;
	for (t = 0; t < app->n_tenants; t++) {
		struct sl_ctr_set set = sl_worker_tenant_counters(&app->workers[0], (uint16_t)t);
		struct sl_label l = { "tenant", sl_tenant_info(app->tenants, (uint16_t)t)->name };

		memset(sum, 0, sizeof(sum));
		for (i = 0; i < app->roles.n_workers; i++)
			for (c = 0; c < SL_TCTR_NB; c++)
				sum[c] += app->workers[i].tctr[t][c];
		set.val = sum;
		set.instance = l.value;
		k->set(k, &set, &l, 1);
		/* The shard counts its own drops (fair share, ring full):
		 * only rate and quota drops are the tenant stage's. */
		*dropped += sum[SL_TCTR_drop_rate_msgs] + sum[SL_TCTR_drop_rate_bytes] +
			    sum[SL_TCTR_drop_quota];
		if (app->quota[t] != NULL) {
			struct sl_ctr_set qs = sl_retain_counters(app->quota[t]);
			char inst[SL_TENANT_NAME_MAX + 16];

			snprintf(inst, sizeof(inst), "quota %s", l.value);
			qs.instance = inst;
			k->set(k, &qs, &l, 1);
		}
	}
}

void
sl_app_tenants_free(struct sl_app *app)
{
	sl_app_quotas_free(app);
	if (app->weights != &one_weight)
		free(app->weights);
	app->weights = NULL;
	rte_free((void *)(uintptr_t)app->over_quota);
	app->over_quota = NULL;
	sl_tenant_table_free(app->tenants);
	app->tenants = NULL;
}

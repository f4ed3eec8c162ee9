/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry: /sluice/... commands for the stock dpdk-telemetry.py
 * (socket /var/run/dpdk/<file-prefix>/dpdk_telemetry.v2). Each answers a
 * flat dict of "module/counter" sums from the stats walk, filtered by one
 * label; lists answer arrays. DPDK runs the callbacks on its telemetry
 * thread: they only read, and teardown waits for one in progress.
 *
 *   /sluice/stats               every counter summed, and the node totals
 *   /sluice/worker,N            worker N's counters (decode, shard, tcp, ...)
 *   /sluice/writer,N            writer N's counters and its stores' sums
 *   /sluice/shards              the shard numbers
 *   /sluice/shards,N            shard N: its stores' sums, ring fill, state
 *   /sluice/tenants             the tenant names
 *   /sluice/tenants,NAME        a tenant's counters, quota and stores' sums
 *   /sluice/rules               the rule names
 *   /sluice/rules,NAME          a rule's counters
 *   /sluice/health              {"code": 200|503, "reason": "..."}
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "app.h"

#define TEL_KEYS RTE_TEL_MAX_DICT_ENTRIES

static pthread_mutex_t tel_mu = PTHREAD_MUTEX_INITIALIZER;
static struct sl_app *tel_app;

struct tel_sink {
	struct sl_stats_sink k;
	const char *lname, *lvalue; /* only sets with this label, or all */
	unsigned int n;
	char key[TEL_KEYS][64];
	uint64_t v[TEL_KEYS];
};

/* Sums, but the largest of the max_ gauges. */
static void
tel_add(struct tel_sink *t, const char *module, const struct sl_ctr_desc *d, uint64_t v)
{
	char key[64];
	unsigned int i;

	snprintf(key, sizeof(key), "%s/%s", module[0] ? module : "node", d->name);
	for (i = 0; i < t->n; i++)
		if (strcmp(t->key[i], key) == 0) {
			if (strncmp(d->name, "max_", 4) != 0)
				t->v[i] += v;
			else if (v > t->v[i])
				t->v[i] = v;
			return;
		}
	if (t->n == TEL_KEYS)
		return;
	memcpy(t->key[t->n], key, sizeof(key));
	t->v[t->n++] = v;
}

static void
tel_set(struct sl_stats_sink *k, const struct sl_ctr_set *s, const struct sl_label *l,
	unsigned int n)
{
	struct tel_sink *t = (struct tel_sink *)k;
	unsigned int i;

	if (t->lname != NULL) {
		for (i = 0; i < n; i++)
			if (strcmp(l[i].name, t->lname) == 0 && l[i].value != NULL &&
			    strcmp(l[i].value, t->lvalue) == 0)
				break;
		if (i == n)
			return;
	}
	for (i = 0; i < s->n; i++)
		tel_add(t, s->module, &s->desc[i], s->val[i]);
}

/* Walk with the filter; answer the dict. Called with tel_mu held. */
static int
tel_dict(struct sl_app *app, const char *lname, const char *lvalue, bool gauges, bool totals,
	 struct rte_tel_data *d)
{
	struct tel_sink *t = calloc(1, sizeof(*t));
	struct sl_stats_totals tot;
	unsigned int i;

	if (t == NULL)
		return -ENOMEM;
	t->k.set = tel_set;
	t->k.gauges = gauges;
	t->lname = lname;
	t->lvalue = lvalue;
	sl_stats_walk(app, &t->k, &tot);
	rte_tel_data_start_dict(d);
	if (totals) {
		rte_tel_data_add_dict_u64(d, "received_packets", tot.pkts);
		rte_tel_data_add_dict_u64(d, "messages", tot.msgs);
		rte_tel_data_add_dict_u64(d, "stored_messages", tot.stored);
		rte_tel_data_add_dict_u64(d, "dropped_messages", tot.dropped);
		rte_tel_data_add_dict_u64(d, "filtered_messages", tot.filtered);
	}
	for (i = 0; i < t->n && i + (totals ? 5 : 0) < TEL_KEYS; i++)
		rte_tel_data_add_dict_u64(d, t->key[i], t->v[i]);
	free(t);
	return 0;
}

/* Take the app for a callback, or fail when sluice is not (or no longer)
 * serving. */
static struct sl_app *
tel_enter(void)
{
	pthread_mutex_lock(&tel_mu);
	if (tel_app == NULL)
		pthread_mutex_unlock(&tel_mu);
	return tel_app;
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sl_app *app = tel_enter();
	int rc;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	if (app == NULL)
		return -EAGAIN;
	rc = tel_dict(app, NULL, NULL, false, true, d);
	pthread_mutex_unlock(&tel_mu);
	return rc;
}

/* A numbered role (worker, writer, shard) below @p n: its number, or -1. */
static long
tel_index(const char *params, unsigned int n)
{
	char *end;
	long v;

	if (params == NULL || *params == '\0')
		return -1;
	v = strtol(params, &end, 10);
	if (*end != '\0' || v < 0 || (unsigned long)v >= n)
		return -1;
	return v;
}

static int
tel_role(const char *params, struct rte_tel_data *d, const char *label, bool gauges)
{
	struct sl_app *app = tel_enter();
	unsigned int n;
	long i;
	int rc = -EINVAL;

	if (app == NULL)
		return -EAGAIN;
	n = strcmp(label, "worker") == 0 ? app->roles.n_workers :
		strcmp(label, "writer") == 0 ? app->roles.n_writers : app->n_shards;
	if (params == NULL || *params == '\0') {
		unsigned int k;

		rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
		for (k = 0; k < n; k++)
			rte_tel_data_add_array_int(d, (int)k);
		rc = 0;
	} else if ((i = tel_index(params, n)) >= 0) {
		char v[16];

		snprintf(v, sizeof(v), "%ld", i);
		rc = tel_dict(app, label, v, gauges, false, d);
	}
	pthread_mutex_unlock(&tel_mu);
	return rc;
}

static int
tel_worker(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	return tel_role(params, d, "worker", false);
}

static int
tel_writer(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	return tel_role(params, d, "writer", true);
}

static int
tel_shards(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	return tel_role(params, d, "shard", true);
}

/* A named thing (tenant, rule): the names, or one's counters. */
static int
tel_named(const char *params, struct rte_tel_data *d, const char *label)
{
	struct sl_app *app = tel_enter();
	bool tenant = strcmp(label, "tenant") == 0;
	uint32_t n, k;
	int rc = -EINVAL;

	if (app == NULL)
		return -EAGAIN;
	n = tenant ? (app->tenants ? app->n_tenants : 0) :
		(app->cls ? sl_classify_n_rules(app->cls) : 0);
	if (params == NULL || *params == '\0') {
		rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
		for (k = 0; k < n; k++)
			rte_tel_data_add_array_string(d, tenant ?
				sl_app_tenant_name(app, (uint16_t)k) :
				sl_classify_rule_name(app->cls, k));
		rc = 0;
	} else {
		for (k = 0; k < n; k++)
			if (strcmp(params, tenant ? sl_app_tenant_name(app, (uint16_t)k) :
				   sl_classify_rule_name(app->cls, k)) == 0)
				break;
		if (k < n)
			rc = tel_dict(app, label, params, false, false, d);
	}
	pthread_mutex_unlock(&tel_mu);
	return rc;
}

static int
tel_tenants(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	return tel_named(params, d, "tenant");
}

static int
tel_rules(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	return tel_named(params, d, "rule");
}

static int
tel_health(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sl_app *app = tel_enter();
	char reason[RTE_TEL_MAX_STRING_LEN];
	int code;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	if (app == NULL)
		return -EAGAIN;
	code = sl_app_health(app, reason, sizeof(reason));
	pthread_mutex_unlock(&tel_mu);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "code", code);
	rte_tel_data_add_dict_string(d, "reason", reason);
	return 0;
}

int
sl_telemetry_register(struct sl_app *app)
{
	static const struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
		{ "/sluice/stats", tel_stats, "Every sluice counter summed, and the node totals." },
		{ "/sluice/worker", tel_worker, "A worker's counters. Parameters: int worker (none: the list)" },
		{ "/sluice/writer", tel_writer, "A writer's counters and its stores' sums. Parameters: int writer (none: the list)" },
		{ "/sluice/shards", tel_shards, "A shard's stores, ring fill and state. Parameters: int shard (none: the list)" },
		{ "/sluice/tenants", tel_tenants, "A tenant's counters. Parameters: string name (none: the names)" },
		{ "/sluice/rules", tel_rules, "A rule's counters. Parameters: string name (none: the names)" },
		{ "/sluice/health", tel_health, "200 while sluice takes and stores traffic, else 503 and why." },
	};
	static bool registered;
	unsigned int i;
	int rc = 0;

	pthread_mutex_lock(&tel_mu);
	tel_app = app;
	pthread_mutex_unlock(&tel_mu);
	if (registered)
		return 0;
	for (i = 0; i < SL_DIM(cmds); i++)
		if (rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn, cmds[i].help) != 0)
			rc = -1;
	registered = true;
	return rc;
}

void
sl_telemetry_unregister(void)
{
	/* DPDK keeps the commands; they answer an error from now on. */
	pthread_mutex_lock(&tel_mu);
	tel_app = NULL;
	pthread_mutex_unlock(&tel_mu);
}

/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include <string.h>

#include <rte_cycles.h>

#include "app.h"

/* Sum of the drop_* counters of a set. */
static uint64_t
drops_of(const struct sl_ctr_set *s)
{
	uint64_t d = 0;
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (strncmp(s->desc[i].name, "drop_", 5) == 0)
			d += s->val[i];
	return d;
}

static void
print_set(FILE *f, struct sl_ctr_set s, const char *fmt, unsigned int id,
	  bool all)
{
	char inst[32];

	snprintf(inst, sizeof(inst), fmt, id);
	s.instance = inst;
	sl_ctr_print(f, &s, all);
}

/* Per-rule counters summed over the workers: the rules that did anything
 * (all of them at the end, when asked for all). */
static void
print_rules(FILE *f, const struct sl_app *app, bool final)
{
	static const struct sl_ctr_desc desc[] = { SL_RULE_COUNTERS(SL_CTR_DESC) };
	uint32_t r, n = sl_classify_n_rules(app->cls);
	unsigned int i, k;

	for (r = 0; r < n; r++) {
		uint64_t sum[SL_RULE_NB_CTR] = { 0 }, any = 0;

		for (i = 0; i < app->roles.n_workers; i++) {
			const uint64_t *v = sl_classify_rule_counters(app->workers[i].cls);

			for (k = 0; k < SL_RULE_NB_CTR; k++)
				sum[k] += v[(size_t)r * SL_RULE_NB_CTR + k];
		}
		for (k = 0; k < SL_RULE_NB_CTR; k++)
			any |= sum[k];
		if (!any && !(final && n <= 64))
			continue;
		fprintf(f, "rule %s:", sl_classify_rule_name(app->cls, r));
		for (k = 0; k < SL_RULE_NB_CTR; k++)
			fprintf(f, " %s=%" PRIu64, desc[k].name, sum[k]);
		fputc('\n', f);
	}
}

void
sl_stats_print(FILE *f, struct sl_app *app, bool final)
{
	uint64_t dropped = 0, stored = 0, msgs = 0, busy = 0, pkts = 0, filtered = 0;
	struct sl_port_drops pd;
	unsigned int i, s;
	double secs = (double)(rte_rdtsc() - app->start_tsc) / (double)app->run.tsc_hz;

	fprintf(f, "--- %s after %.1f s ---\n", final ? "final counters" : "counters", secs);
	for (i = 0; i < app->roles.n_workers; i++) {
		const struct sl_worker *w = &app->workers[i];
		struct sl_ctr_set ds = sl_decode_counters(w->decode);
		struct sl_ctr_set ss = sl_shard_counters(w->shard);

		print_set(f, sl_worker_counters(w), "worker %u", i, final);
		print_set(f, ds, "worker %u", i, final);
		print_set(f, ss, "worker %u", i, final);
		dropped += drops_of(&ds) + drops_of(&ss) + w->ctr[SL_WORKER_drop_no_tenant];
		if (w->tcp != NULL) {
			struct sl_tcp_gauges g;

			/* TCP's drop_* are segments the sender sends again, and
			 * framing's skipped bytes are parts of truncated
			 * messages (stored, flagged): neither is in dropped=. */
			print_set(f, sl_tcp_counters(w->tcp), "worker %u", i, final);
			print_set(f, sl_tcp_framing_counters(w->tcp), "worker %u", i, final);
			sl_tcp_gauges(w->tcp, &g);
			fprintf(f, "worker %u: tcp_now conns=%u halfopen=%u blocked=%u zero_window=%u"
				" held_kib=%" PRIu64 " held_mbufs=%u\n", i, g.conns, g.halfopen,
				g.blocked, g.zero_window, g.held_bytes >> 10, g.held_mbufs);
		}
		if (w->cls != NULL) {
			struct sl_ctr_set cs = sl_classify_counters(w->cls);

			print_set(f, cs, "worker %u", i, final);
			/* Dropped on purpose: not a loss. */
			filtered += cs.val[SL_CLASSIFY_drop_rule];
		}
		msgs += w->ctr[SL_WORKER_msgs];
		pkts += w->ctr[SL_WORKER_rx_pkts];
		busy += w->ctr[SL_WORKER_busy_cycles];
	}
	for (i = 0; i < app->roles.n_writers; i++) {
		const struct sl_writer *w = &app->writers[i];

		print_set(f, sl_writer_counters(w), "writer %u", i, final);
		for (s = 0; s < w->n_shards; s++) {
			const struct sl_writer_shard *ws = &w->shards[s];
			unsigned int k;

			for (k = 0; k < ws->n_streams; k++) {
				struct sl_ctr_set ss = sl_store_counters(ws->st[k].store);
				char inst[96];

				if (app->cls == NULL && app->tenants == NULL)
					snprintf(inst, sizeof(inst), "shard %u", ws->shard);
				else if (app->tenants == NULL)
					snprintf(inst, sizeof(inst), "%s shard %u",
						 sl_classify_stream_name(app->cls, (uint16_t)k),
						 ws->shard);
				else
					snprintf(inst, sizeof(inst), "%s/%s shard %u",
						 sl_app_tenant_name(app, (uint16_t)(k / app->n_streams)),
						 app->cls ? sl_classify_stream_name(app->cls,
							(uint16_t)(k % app->n_streams)) : "default",
						 ws->shard);
				ss.instance = inst;
				sl_ctr_print(f, &ss, final);
				dropped += drops_of(&ss);
				stored += ss.val[SL_STORE_records];
			}
		}
	}
	sl_app_tenants_stats(f, app, final, &dropped);
	if (app->cls != NULL)
		print_rules(f, app, final);
	/* Retention: deletions on purpose, not drops (no drop_ names). */
	if (app->retain != NULL) {
		struct sl_ctr_set rs = sl_retain_counters(app->retain);

		rs.instance = app->opt.out;
		sl_ctr_print(f, &rs, final);
	}
	if (app->port_up) {
		sl_port_print_stats(f, &app->port);
		if (sl_port_drops(&app->port, &pd) == 0)
			dropped += pd.imissed + pd.rx_nombuf + pd.ierrors + pd.kernel_drops;
	}
	fprintf(f, "summary: rx_pkts=%" PRIu64 " msgs=%" PRIu64 " stored=%" PRIu64
		" dropped=%" PRIu64 " filtered=%" PRIu64 " worker_ns_per_msg=%.1f\n",
		pkts, msgs, stored, dropped, filtered,
		msgs ? (double)busy * 1e9 / (double)app->run.tsc_hz / (double)msgs : 0.0);
	fflush(f);
}

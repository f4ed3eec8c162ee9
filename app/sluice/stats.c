/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every counter of the node, walked once for three readers: the text stats
 * (periodic and final), the Prometheus metrics and DPDK telemetry. The walk
 * only reads, so the management thread may run it while the lcores work.
 */
#include <inttypes.h>
#include <string.h>
#include <sys/statvfs.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "app.h"

bool
sl_ctr_is_gauge(const struct sl_ctr_desc *d)
{
	return strncmp(d->name, "max_", 4) == 0 || strstr(d->help, "(a gauge") != NULL;
}

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
emit(struct sl_stats_sink *k, struct sl_ctr_set s, const char *inst, const struct sl_label *l,
     unsigned int n)
{
	s.instance = inst;
	k->set(k, &s, l, n);
}

/* A set whose values are computed here: gauges (ring fill, backlog,
 * disk...) or sums (rules). */
static void
emit_vals(struct sl_stats_sink *k, const char *module, const char *inst,
	    const struct sl_ctr_desc *desc, const uint64_t *val, unsigned int n,
	    const struct sl_label *l, unsigned int nl)
{
	struct sl_ctr_set s = {
		.module = module, .instance = inst, .n = n, .desc = desc, .val = val,
	};

	k->set(k, &s, l, nl);
}

static const struct sl_ctr_desc tcp_now_desc[] = {
	{ "conns", "TCP connections in the table, all states (a gauge)" },
	{ "halfopen", "half-open TCP entries (a gauge)" },
	{ "blocked", "TCP connections waiting for the writers (a gauge)" },
	{ "zero_window", "TCP connections advertising a zero window (a gauge)" },
	{ "held_kib", "KiB of packet buffers TCP connections hold (a gauge)" },
	{ "held_mbufs", "packet buffers TCP connections hold (a gauge)" },
};

static const struct sl_ctr_desc ring_desc[] = {
	{ "chunks", "chunks waiting in a worker-to-shard ring (a gauge)" },
	{ "capacity", "chunks a worker-to-shard ring holds (a gauge)" },
};

static const struct sl_ctr_desc backlog_desc[] = {
	{ "backlog_chunks", "chunks waiting for this writer in its rings (a gauge)" },
	{ "backlog_held", "chunks taken, waiting for a busy store (a gauge)" },
};

static const struct sl_ctr_desc store_state_desc[] = {
	{ "disk_full", "1 while this store's appends are stopped by a full disk (a gauge)" },
	{ "segment_open", "1 while this store has a segment open (a gauge)" },
	{ "frames_kept", "compressed frames in flight or kept in memory (a gauge)" },
};

static const struct sl_ctr_desc disk_desc[] = {
	{ "free_bytes", "bytes free for sluice on the --out file system (a gauge)" },
	{ "size_bytes", "size of the --out file system (a gauge)" },
};

static const struct sl_ctr_desc port_desc[] = {
	{ "ipackets", "frames the port received" },
	{ "ibytes", "bytes the port received" },
	{ "opackets", "frames the port sent (replies)" },
	{ "obytes", "bytes the port sent" },
	{ "oerrors", "frames the port failed to send" },
	{ "drop_missed", "frames the NIC dropped: RX queue full (imissed)" },
	{ "drop_errors", "frames the NIC dropped as erroneous (ierrors)" },
	{ "drop_nombuf", "frames dropped: no mbuf (rx_nombuf)" },
	{ "drop_kernel_ring", "frames the kernel dropped before the PMD saw them (net_af_packet)" },
};

static const struct sl_ctr_desc port_q_desc[] = {
	{ "ipackets", "frames received on the queue" },
	{ "ibytes", "bytes received on the queue" },
	{ "opackets", "frames sent on the queue" },
	{ "obytes", "bytes sent on the queue" },
	{ "errors", "errors on the queue" },
};

static void
walk_workers(struct sl_app *app, struct sl_stats_sink *k, struct sl_stats_totals *t)
{
	unsigned int i, s;

	for (i = 0; i < app->roles.n_workers; i++) {
		const struct sl_worker *w = &app->workers[i];
		struct sl_ctr_set ds = sl_decode_counters(w->decode);
		struct sl_ctr_set ss = sl_shard_counters(w->shard);
		char inst[32], idx[12], lc[12];
		struct sl_label l[3] = {
			{ "worker", idx }, { "queue", idx }, { "lcore", lc },
		};

		snprintf(inst, sizeof(inst), "worker %u", i);
		snprintf(idx, sizeof(idx), "%u", i);
		snprintf(lc, sizeof(lc), "%u", app->roles.workers[i]);
		emit(k, sl_worker_counters(w), inst, l, 3);
		emit(k, ds, inst, l, 3);
		emit(k, ss, inst, l, 3);
		t->dropped += drops_of(&ds) + drops_of(&ss) + w->ctr[SL_WORKER_drop_no_tenant];
		if (w->tcp != NULL) {
			struct sl_tcp_gauges g;
			uint64_t v[SL_DIM(tcp_now_desc)];

			/* TCP's drop_* are segments the sender sends again, and
			 * framing's skipped bytes are parts of truncated
			 * messages (stored, flagged): neither is in dropped=. */
			emit(k, sl_tcp_counters(w->tcp), inst, l, 3);
			emit(k, sl_tcp_framing_counters(w->tcp), inst, l, 3);
			sl_tcp_gauges(w->tcp, &g);
			v[0] = g.conns;
			v[1] = g.halfopen;
			v[2] = g.blocked;
			v[3] = g.zero_window;
			v[4] = g.held_bytes >> 10;
			v[5] = g.held_mbufs;
			emit_vals(k, "tcp_now", inst, tcp_now_desc, v, SL_DIM(v), l, 3);
		}
		if (w->cls != NULL) {
			struct sl_ctr_set cs = sl_classify_counters(w->cls);

			emit(k, cs, inst, l, 3);
			/* Dropped on purpose: not a loss. */
			t->filtered += cs.val[SL_CLASSIFY_drop_rule];
		}
		t->msgs += w->ctr[SL_WORKER_msgs];
		t->pkts += w->ctr[SL_WORKER_rx_pkts];
		t->busy_cycles += w->ctr[SL_WORKER_busy_cycles];
		if (!k->gauges)
			continue;
		for (s = 0; s < app->n_shards; s++) {
			const struct rte_ring *r = app->rings[i * app->n_shards + s];
			uint64_t v[2] = { rte_ring_count(r), rte_ring_get_capacity(r) };
			char sh[12];
			struct sl_label rl[2] = { { "worker", idx }, { "shard", sh } };

			snprintf(sh, sizeof(sh), "%u", s);
			emit_vals(k, "ring", inst, ring_desc, v, 2, rl, 2);
		}
	}
}

static void
store_labels(const struct sl_app *app, unsigned int k, unsigned int shard, const char **tenant,
	     const char **stream, char *inst, size_t len)
{
	*tenant = app->tenants ? sl_app_tenant_name(app, (uint16_t)(k / app->n_streams)) : "default";
	*stream = app->cls ? sl_classify_stream_name(app->cls, (uint16_t)(k % app->n_streams)) :
		"default";
	if (app->cls == NULL && app->tenants == NULL)
		snprintf(inst, len, "shard %u", shard);
	else if (app->tenants == NULL)
		snprintf(inst, len, "%s shard %u", *stream, shard);
	else
		snprintf(inst, len, "%s/%s shard %u", *tenant, *stream, shard);
}

static void
walk_writers(struct sl_app *app, struct sl_stats_sink *k, struct sl_stats_totals *t)
{
	unsigned int i, s, j;

	for (i = 0; i < app->roles.n_writers; i++) {
		const struct sl_writer *w = &app->writers[i];
		char inst[32], idx[12], lc[12];
		struct sl_label l[2] = { { "writer", idx }, { "lcore", lc } };
		uint64_t bl[2] = { 0, 0 };

		snprintf(inst, sizeof(inst), "writer %u", i);
		snprintf(idx, sizeof(idx), "%u", i);
		snprintf(lc, sizeof(lc), "%u", app->roles.writers[i]);
		emit(k, sl_writer_counters(w), inst, l, 2);
		for (s = 0; s < w->n_shards; s++) {
			const struct sl_writer_shard *ws = &w->shards[s];
			char sh[12];

			snprintf(sh, sizeof(sh), "%u", ws->shard);
			for (j = 0; j < app->roles.n_workers; j++)
				bl[0] += rte_ring_count(ws->rings[j]);
			bl[1] += __atomic_load_n(&ws->held, __ATOMIC_RELAXED) != NULL;
			for (j = 0; j < ws->n_streams; j++) {
				struct sl_ctr_set ss = sl_store_counters(ws->st[j].store);
				struct sl_label sl[4] = {
					{ "tenant", NULL }, { "stream", NULL }, { "shard", sh },
					{ "writer", idx },
				};
				char sinst[96];

				store_labels(app, j, ws->shard, &sl[0].value, &sl[1].value, sinst,
					     sizeof(sinst));
				emit(k, ss, sinst, sl, 4);
				t->dropped += drops_of(&ss);
				t->stored += ss.val[SL_STORE_records];
				if (k->gauges) {
					struct sl_store_state st;
					uint64_t v[3];

					sl_store_state(ws->st[j].store, &st);
					v[0] = st.disk_full;
					v[1] = st.segment_open;
					v[2] = st.frames_kept;
					emit_vals(k, "store", sinst, store_state_desc, v, 3, sl, 4);
				}
			}
		}
		if (k->gauges)
			emit_vals(k, "writer", inst, backlog_desc, bl, 2, l, 2);
	}
}

/* Per-rule counters summed over the workers. */
static void
walk_rules(const struct sl_app *app, struct sl_stats_sink *k)
{
	static const struct sl_ctr_desc desc[] = { SL_RULE_COUNTERS(SL_CTR_DESC) };
	uint32_t r, n = sl_classify_n_rules(app->cls);
	unsigned int i, c;

	for (r = 0; r < n; r++) {
		uint64_t sum[SL_RULE_NB_CTR] = { 0 };
		const char *name = sl_classify_rule_name(app->cls, r);
		struct sl_label l = { "rule", name };

		for (i = 0; i < app->roles.n_workers; i++) {
			const uint64_t *v = sl_classify_rule_counters(app->workers[i].cls);

			for (c = 0; c < SL_RULE_NB_CTR; c++)
				sum[c] += v[(size_t)r * SL_RULE_NB_CTR + c];
		}
		emit_vals(k, "rule", name, desc, sum, SL_RULE_NB_CTR, &l, 1);
	}
}

static void
walk_port(struct sl_app *app, struct sl_stats_sink *k)
{
	struct rte_eth_stats st;
	struct sl_port_drops pd;
	unsigned int q, nq;
	char pid[8], inst[64];
	struct sl_label l[3] = { { "port", pid }, { "driver", app->port.driver }, { "queue", NULL } };
	uint64_t v[SL_DIM(port_desc)];

	if (rte_eth_stats_get(app->port.port_id, &st) != 0 || sl_port_drops(&app->port, &pd) != 0)
		return;
	snprintf(pid, sizeof(pid), "%u", app->port.port_id);
	snprintf(inst, sizeof(inst), "%u (%s)", app->port.port_id, app->port.driver);
	v[0] = st.ipackets;
	v[1] = st.ibytes;
	v[2] = st.opackets;
	v[3] = st.obytes;
	v[4] = st.oerrors;
	v[5] = st.imissed;
	v[6] = st.ierrors;
	v[7] = st.rx_nombuf;
	v[8] = pd.kernel_drops;
	emit_vals(k, "port", inst, port_desc, v, SL_DIM(v), l, 2);
	nq = RTE_MIN((unsigned int)app->port.nb_queues, (unsigned int)RTE_ETHDEV_QUEUE_STAT_CNTRS);
	for (q = 0; q < nq; q++) {
		uint64_t qv[5] = { st.q_ipackets[q], st.q_ibytes[q], st.q_opackets[q],
				   st.q_obytes[q], st.q_errors[q] };
		char qs[12];

		snprintf(qs, sizeof(qs), "%u", q);
		l[2].value = qs;
		emit_vals(k, "port_queue", inst, port_q_desc, qv, 5, l, 3);
	}
}

/* The forwarder: one set per source (tenant, stream, shard), and its own. */
static void
walk_kafka(struct sl_app *app, struct sl_stats_sink *k)
{
	unsigned int i, n = sl_fwd_nb_src(app->fwd);

	for (i = 0; i < n; i++) {
		struct sl_label l[3] = { { "tenant", NULL }, { "stream", NULL }, { "shard", NULL } };
		unsigned int shard;
		char sh[12];
		struct sl_ctr_set set = sl_fwd_src_counters(app->fwd, i, &l[0].value,
							    &l[1].value, &shard);

		snprintf(sh, sizeof(sh), "%u", shard);
		l[2].value = sh;
		emit(k, set, set.instance, l, 3);
	}
	emit(k, sl_fwd_counters(app->fwd), "forwarder", NULL, 0);
}

void
sl_stats_walk(struct sl_app *app, struct sl_stats_sink *k, struct sl_stats_totals *t)
{
	struct sl_port_drops pd;

	memset(t, 0, sizeof(*t));
	walk_workers(app, k, t);
	walk_writers(app, k, t);
	sl_app_tenants_walk(app, k, &t->dropped);
	if (app->cls != NULL)
		walk_rules(app, k);
	/* Retention: deletions on purpose, not drops (no drop_ names). */
	if (app->retain != NULL)
		emit(k, sl_retain_counters(app->retain), app->opt.out, NULL, 0);
	if (app->fwd != NULL)
		walk_kafka(app, k);
	if (k->gauges) {
		struct statvfs vfs;
		struct sl_label l = { "path", app->opt.out };

		if (statvfs(app->opt.out, &vfs) == 0) {
			uint64_t v[2] = { (uint64_t)vfs.f_bavail * vfs.f_frsize,
					  (uint64_t)vfs.f_blocks * vfs.f_frsize };

			emit_vals(k, "disk", app->opt.out, disk_desc, v, 2, &l, 1);
		}
		if (app->port_up)
			walk_port(app, k);
	}
	if (app->port_up && sl_port_drops(&app->port, &pd) == 0)
		t->dropped += pd.imissed + pd.rx_nombuf + pd.ierrors + pd.kernel_drops;
	t->worker_ns_per_msg = t->msgs ? (double)t->busy_cycles * 1e9 / (double)app->run.tsc_hz /
		(double)t->msgs : 0.0;
}

/* The text stats: "module[instance]: name=value ...". */
struct text_sink {
	struct sl_stats_sink k;
	FILE *f;
	bool final;
	uint32_t n_rules;
};

static void
text_set(struct sl_stats_sink *k, const struct sl_ctr_set *s, const struct sl_label *l,
	 unsigned int n)
{
	struct text_sink *ts = (struct text_sink *)k;
	unsigned int i;
	uint64_t any = 0;

	RTE_SET_USED(l);
	RTE_SET_USED(n);
	if (strcmp(s->module, "rule") == 0) {
		/* The rules that did anything (all at the end if few). */
		for (i = 0; i < s->n; i++)
			any |= s->val[i];
		if (!any && !(ts->final && ts->n_rules <= 64))
			return;
		fprintf(ts->f, "rule %s:", s->instance);
	} else if (strcmp(s->module, "tcp_now") == 0) {
		fprintf(ts->f, "%s: tcp_now", s->instance);
	} else {
		sl_ctr_print(ts->f, s, ts->final);
		return;
	}
	for (i = 0; i < s->n; i++)
		fprintf(ts->f, " %s=%" PRIu64, s->desc[i].name, s->val[i]);
	fputc('\n', ts->f);
}

void
sl_stats_print(FILE *f, struct sl_app *app, bool final)
{
	struct text_sink ts = {
		.k = { .set = text_set, .gauges = false },
		.f = f,
		.final = final,
		.n_rules = app->cls ? sl_classify_n_rules(app->cls) : 0,
	};
	struct sl_stats_totals t;
	double secs = (double)(rte_rdtsc() - app->start_tsc) / (double)app->run.tsc_hz;

	fprintf(f, "--- %s after %.1f s ---\n", final ? "final counters" : "counters", secs);
	sl_stats_walk(app, &ts.k, &t);
	if (app->port_up)
		sl_port_print_stats(f, &app->port);
	fprintf(f, "summary: rx_pkts=%" PRIu64 " msgs=%" PRIu64 " stored=%" PRIu64
		" dropped=%" PRIu64 " filtered=%" PRIu64 " worker_ns_per_msg=%.1f\n",
		t.pkts, t.msgs, t.stored, t.dropped, t.filtered, t.worker_ns_per_msg);
	fflush(f);
}

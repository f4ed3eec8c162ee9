/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The management plane: --metrics ADDR:PORT serves GET /metrics
 * (Prometheus text) and GET /healthz (200, or 503 and the reason) from a
 * control thread of its own, with kernel sockets, never on a worker or
 * writer lcore. One poll() loop, a few clients at a time, each closed after
 * its answer; a client that sends nothing whole within 5 s gets 408.
 *
 * Health also watches the writers: a writer with chunks waiting that takes
 * none for SL_STALL_MS is stalled.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "app.h"
#include "http.h"
#include "prom.h"

RTE_LOG_REGISTER(sl_mgmt_logtype, sluice.mgmt, NOTICE);
#define MGMT_LOG(level, ...) SL_LOG(sl_mgmt_logtype, level, "mgmt", __VA_ARGS__)

#define MGMT_CLIENTS 16
#define MGMT_TIMEOUT_MS 5000
#define MGMT_POLL_MS 100

#define SL_MGMT_COUNTERS(X) \
	X(requests,      "HTTP requests answered") \
	X(scrapes,       "GET /metrics answered") \
	X(health_checks, "GET /healthz answered") \
	X(health_failed, "GET /healthz answered 503") \
	X(bad_requests,  "requests answered 4xx/5xx other than 503 (malformed, unknown path, timeout)") \
	X(refused,       "connections closed at once: all client slots busy")
#define SL_MGMT_CTR_ENUM(name, help) SL_MGMT_ ## name,
enum { SL_MGMT_COUNTERS(SL_MGMT_CTR_ENUM) SL_MGMT_NB_CTR };
static const struct sl_ctr_desc mgmt_desc[] = { SL_MGMT_COUNTERS(SL_CTR_DESC) };

struct client {
	int fd;
	char in[SL_HTTP_HEAD_MAX];
	size_t in_len;
	struct sl_buf out;
	size_t out_off;
	uint64_t deadline_ms;
};

struct sl_mgmt {
	struct sl_app *app;
	int lfd;
	pthread_t tid;
	volatile int stop;
	struct client cl[MGMT_CLIENTS];
	uint64_t ctr[SL_MGMT_NB_CTR];
};

static uint64_t
now_ms(void)
{
	return rte_get_tsc_cycles() / (rte_get_tsc_hz() / 1000);
}

/* Writers' progress: when each last took a chunk or had nothing waiting.
 * Looked at by every health check and every loop of the management thread
 * (about every 100 ms). Under app->health_mu: telemetry asks too. */
static void
watch_writers(struct sl_app *app, uint64_t t)
{
	unsigned int i, s, w;

	for (i = 0; i < app->roles.n_writers; i++) {
		const struct sl_writer *wr = &app->writers[i];
		uint64_t chunks = wr->ctr[SL_WRITER_chunks], waiting = 0;

		for (s = 0; s < wr->n_shards; s++)
			for (w = 0; w < app->roles.n_workers; w++)
				waiting += rte_ring_count(wr->shards[s].rings[w]);
		if (chunks != app->ww_chunks[i] || waiting == 0 || app->ww_since[i] == 0) {
			app->ww_chunks[i] = chunks;
			app->ww_since[i] = t;
		}
	}
}

/* Why the node cannot take traffic now, or NULL. */
static int
health_locked(struct sl_app *app, char *reason, size_t len)
{
	uint64_t t = now_ms();
	unsigned int i, s, k;
	struct rte_eth_link link;

	if (!app->running) {
		snprintf(reason, len, "starting");
		return 503;
	}
	if (app->run.stop_rx) {
		snprintf(reason, len, "stopping (%s)", app->stop_reason ? app->stop_reason : "done");
		return 503;
	}
	if (app->draining) {
		uint64_t left = app->drain_until_ms > t ? app->drain_until_ms - t : 0;

		snprintf(reason, len, "draining: %s received, RX stops in %" PRIu64 " ms",
			 app->stop_reason ? app->stop_reason : "a signal", left);
		return 503;
	}
	for (i = 0; i < app->roles.n_writers; i++) {
		const struct sl_writer *wr = &app->writers[i];

		for (s = 0; s < wr->n_shards; s++)
			for (k = 0; k < wr->shards[s].n_streams; k++) {
				struct sl_store_state st;
				struct sl_ctr_set cs = sl_store_counters(wr->shards[s].st[k].store);

				sl_store_state(wr->shards[s].st[k].store, &st);
				if (st.disk_full) {
					snprintf(reason, len, "disk full: store %s (writes stopped, "
						 "retried every 200 ms)", cs.instance);
					return 503;
				}
			}
	}
	watch_writers(app, t);
	for (i = 0; i < app->roles.n_writers; i++)
		if (t - app->ww_since[i] >= SL_STALL_MS) {
			snprintf(reason, len, "writer %u (lcore %u) stalled: chunks waiting, none "
				 "taken for %.1f s", i, app->roles.writers[i],
				 (double)(t - app->ww_since[i]) / 1000.0);
			return 503;
		}
	if (app->port_up && rte_eth_link_get_nowait(app->port.port_id, &link) == 0 &&
	    link.link_status == RTE_ETH_LINK_DOWN) {
		snprintf(reason, len, "port %u (%s): link down", app->port.port_id,
			 app->port.driver);
		return 503;
	}
	snprintf(reason, len, "ok");
	return 200;
}

int
sl_app_health(struct sl_app *app, char *reason, size_t len)
{
	int st;

	pthread_mutex_lock(&app->health_mu);
	st = health_locked(app, reason, len);
	pthread_mutex_unlock(&app->health_mu);
	return st;
}

static const struct sl_ctr_desc node_desc[] = {
	{ "received_packets", "packets the workers took from the NIC" },
	{ "messages", "messages the workers decided (stored, filtered or dropped)" },
	{ "stored_messages", "records the stores wrote" },
	{ "dropped_messages", "messages and packets lost, all reasons (the summary's dropped=)" },
	{ "filtered_messages", "messages dropped on purpose by a rule" },
};

static const struct sl_ctr_desc health_desc[] = {
	{ "healthy", "1 while /healthz answers 200 (a gauge)" },
	{ "draining", "1 from SIGTERM until RX stops (--drain-ms) (a gauge)" },
	{ "uptime_seconds", "seconds since start (a gauge)" },
};

static const struct sl_ctr_desc info_desc[] = {
	{ "info", "1, labelled with what this node runs (a gauge)" },
};

static int
metrics_body(struct sl_mgmt *m, struct sl_buf *out)
{
	struct sl_app *app = m->app;
	struct prom_sink *p = sl_prom_new();
	struct sl_stats_sink *k;
	struct sl_stats_totals t;
	struct sl_ctr_set set = { .module = "" };
	uint64_t v[5], one = 1;
	char reason[256], workers[12], writers[12], shards[12];
	struct sl_label il[5] = {
		{ "driver", app->port.driver }, { "workers", workers }, { "writers", writers },
		{ "shards", shards }, { "out", app->opt.out },
	};
	int rc;

	if (p == NULL)
		return -ENOMEM;
	k = sl_prom_sink(p);
	sl_stats_walk(app, k, &t);
	v[0] = t.pkts;
	v[1] = t.msgs;
	v[2] = t.stored;
	v[3] = t.dropped;
	v[4] = t.filtered;
	set.desc = node_desc;
	set.val = v;
	set.n = 5;
	k->set(k, &set, NULL, 0);
	v[0] = sl_app_health(m->app, reason, sizeof(reason)) == 200;
	v[1] = app->draining && !app->run.stop_rx;
	v[2] = (rte_rdtsc() - app->start_tsc) / app->run.tsc_hz;
	set.desc = health_desc;
	set.n = 3;
	k->set(k, &set, NULL, 0);
	snprintf(workers, sizeof(workers), "%u", app->roles.n_workers);
	snprintf(writers, sizeof(writers), "%u", app->roles.n_writers);
	snprintf(shards, sizeof(shards), "%u", app->n_shards);
	set.desc = info_desc;
	set.val = &one;
	set.n = 1;
	k->set(k, &set, il, 5);
	set.module = "mgmt";
	set.desc = mgmt_desc;
	set.val = m->ctr;
	set.n = SL_MGMT_NB_CTR;
	k->set(k, &set, NULL, 0);
	rc = sl_prom_render(p, out);
	sl_prom_free(p);
	return rc;
}

static void
respond(struct client *c, int status, const char *type, const char *body, size_t len, bool head)
{
	struct sl_buf hdr = { 0 };

	sl_buf_printf(&hdr, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		      "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
		      status, sl_http_reason(status), type, len);
	if (!head && len)
		sl_buf_printf(&hdr, "%.*s", (int)len, body);
	sl_buf_free(&c->out);
	c->out = hdr;
	c->out_off = 0;
}

static void
answer(struct sl_mgmt *m, struct client *c, int rc, const struct sl_http_req *req)
{
	char reason[512];
	int st;

	m->ctr[SL_MGMT_requests]++;
	if (rc < 0) {
		snprintf(reason, sizeof(reason), "%s\n", sl_http_reason(-rc));
		m->ctr[SL_MGMT_bad_requests]++;
		respond(c, -rc, "text/plain; charset=utf-8", reason, strlen(reason), false);
		return;
	}
	if (strcmp(req->path, "/metrics") == 0) {
		struct sl_buf body = { 0 };

		m->ctr[SL_MGMT_scrapes]++;
		if (metrics_body(m, &body) != 0) {
			sl_buf_free(&body);
			snprintf(reason, sizeof(reason), "out of memory\n");
			respond(c, 500, "text/plain; charset=utf-8", reason, strlen(reason),
				req->head);
			return;
		}
		respond(c, 200, "text/plain; version=0.0.4; charset=utf-8", body.p, body.len,
			req->head);
		sl_buf_free(&body);
	} else if (strcmp(req->path, "/healthz") == 0) {
		char why[448];

		m->ctr[SL_MGMT_health_checks]++;
		st = sl_app_health(m->app, why, sizeof(why));
		if (st != 200)
			m->ctr[SL_MGMT_health_failed]++;
		snprintf(reason, sizeof(reason), "%s%s\n", st == 200 ? "" : "unavailable: ", why);
		respond(c, st, "text/plain; charset=utf-8", reason, strlen(reason), req->head);
	} else if (strcmp(req->path, "/") == 0) {
		snprintf(reason, sizeof(reason), "sluice: /metrics (Prometheus), /healthz\n");
		respond(c, 200, "text/plain; charset=utf-8", reason, strlen(reason), req->head);
	} else {
		m->ctr[SL_MGMT_bad_requests]++;
		snprintf(reason, sizeof(reason), "not found: try /metrics or /healthz\n");
		respond(c, 404, "text/plain; charset=utf-8", reason, strlen(reason), req->head);
	}
}

static void
client_close(struct client *c)
{
	close(c->fd);
	c->fd = -1;
	sl_buf_free(&c->out);
}

static void
accept_all(struct sl_mgmt *m, uint64_t t)
{
	for (;;) {
		int fd = accept4(m->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		unsigned int i;

		if (fd < 0)
			return;
		for (i = 0; i < MGMT_CLIENTS && m->cl[i].fd >= 0; i++)
			;
		if (i == MGMT_CLIENTS) {
			m->ctr[SL_MGMT_refused]++;
			close(fd);
			continue;
		}
		m->cl[i].fd = fd;
		m->cl[i].in_len = 0;
		m->cl[i].out_off = 0;
		m->cl[i].deadline_ms = t + MGMT_TIMEOUT_MS;
	}
}

/* Read what a client sent; answer once its head is whole. */
static void
client_read(struct sl_mgmt *m, struct client *c)
{
	struct sl_http_req req;
	ssize_t n = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
	int rc;

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			client_close(c);
		return;
	}
	c->in_len += (size_t)n;
	rc = sl_http_parse(c->in, c->in_len, &req);
	if (rc != 0)
		answer(m, c, rc, &req);
}

static void
client_write(struct client *c)
{
	ssize_t n = send(c->fd, c->out.p + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			client_close(c);
		return;
	}
	c->out_off += (size_t)n;
	if (c->out_off == c->out.len) {
		shutdown(c->fd, SHUT_WR);
		client_close(c);
	}
}

/* The management thread. */
static void *
mgmt_thread(void *arg)
{
	struct sl_mgmt *m = arg;

	while (!m->stop) {
		struct pollfd pfd[MGMT_CLIENTS + 1];
		int idx[MGMT_CLIENTS + 1];
		unsigned int i, n = 0;
		uint64_t t;

		pfd[n].fd = m->lfd;
		pfd[n].events = POLLIN;
		idx[n++] = -1;
		for (i = 0; i < MGMT_CLIENTS; i++) {
			if (m->cl[i].fd < 0)
				continue;
			pfd[n].fd = m->cl[i].fd;
			pfd[n].events = m->cl[i].out.len ? POLLOUT : POLLIN;
			idx[n++] = (int)i;
		}
		if (poll(pfd, n, MGMT_POLL_MS) < 0 && errno != EINTR)
			break;
		t = now_ms();
		if (m->app->running) {
			pthread_mutex_lock(&m->app->health_mu);
			watch_writers(m->app, t);
			pthread_mutex_unlock(&m->app->health_mu);
		}
		for (i = 1; i < n; i++) {
			struct client *c = &m->cl[idx[i]];

			if (pfd[i].revents & (POLLERR | POLLNVAL)) {
				client_close(c);
			} else if (pfd[i].revents & POLLOUT) {
				client_write(c);
			} else if (pfd[i].revents & (POLLIN | POLLHUP)) {
				client_read(m, c);
			} else if (t >= c->deadline_ms && c->out.len == 0) {
				struct sl_http_req req = { 0 };

				answer(m, c, -408, &req);
			} else if (t >= c->deadline_ms + MGMT_TIMEOUT_MS) {
				client_close(c); /* it does not read its answer */
			}
		}
		if (pfd[0].revents & POLLIN)
			accept_all(m, t);
	}
	return NULL;
}

int
sl_mgmt_start(struct sl_app *app, char *err, size_t len)
{
	const struct sl_options *o = &app->opt;
	struct sl_mgmt *m;
	unsigned int i;
	int one = 1, rc;

	if (o->metrics == NULL)
		return 0;
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		snprintf(err, len, "--metrics: out of memory");
		return -ENOMEM;
	}
	m->app = app;
	for (i = 0; i < MGMT_CLIENTS; i++)
		m->cl[i].fd = -1;
	m->lfd = socket(o->metrics_addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->lfd < 0 ||
	    setsockopt(m->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(m->lfd, (const struct sockaddr *)&o->metrics_addr, o->metrics_addr_len) != 0 ||
	    listen(m->lfd, 64) != 0) {
		rc = -errno;
		snprintf(err, len, "--metrics %s: cannot listen: %s", o->metrics, strerror(errno));
		if (m->lfd >= 0)
			close(m->lfd);
		free(m);
		return rc;
	}
	rc = rte_ctrl_thread_create(&m->tid, "sl-mgmt", NULL, mgmt_thread, m);
	if (rc != 0) {
		snprintf(err, len, "--metrics: cannot start its thread: %s", strerror(rc));
		close(m->lfd);
		free(m);
		return -rc;
	}
	app->mgmt = m;
	MGMT_LOG(INFO, "metrics on http://%s/metrics, health on /healthz\n", o->metrics);
	return 0;
}

void
sl_mgmt_stop(struct sl_app *app)
{
	struct sl_mgmt *m = app->mgmt;
	unsigned int i;

	if (m == NULL)
		return;
	m->stop = 1;
	pthread_join(m->tid, NULL);
	for (i = 0; i < MGMT_CLIENTS; i++)
		if (m->cl[i].fd >= 0)
			client_close(&m->cl[i]);
	close(m->lfd);
	free(m);
	app->mgmt = NULL;
}

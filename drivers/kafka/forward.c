/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Kafka forwarder: one thread reads the sources' segments (fwd_seg.c),
 * writes the checkpoint (fwd_ckpt.c) and hands frames to librdkafka; the
 * delivery reports come back on the same thread (rd_kafka_poll). A round:
 *
 *   1. take the delivery reports: acknowledged batches move each source's
 *      `acked` forward (in order); a failed one makes it re-read from there;
 *   2. read the next frame of every source with room in its window
 *      (--kafka-inflight) and in the byte budget: it is staged, its end
 *      becomes the source's `sent`;
 *   3. write the checkpoint of every source that changed (acked, sent) and
 *      fdatasync it once;
 *   4. hand the staged frames to the producer.
 *
 * So a batch is sent only once the checkpoint says it may be in Kafka
 * (after a crash, [acked, sent) is sent again and counted as resent), and
 * retention learns `acked` only once it is durable.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_log.h>

#include "fwd_private.h"

RTE_LOG_REGISTER(sl_fwd_logtype, sluice.kafka, NOTICE);

static const struct sl_ctr_desc fwd_ctr_desc[] = { SL_FWD_COUNTERS(SL_CTR_DESC) };
static const struct sl_ctr_desc fwdk_ctr_desc[] = { SL_FWDK_COUNTERS(SL_CTR_DESC) };

/* Idle rounds wait this long for delivery reports. */
#define IDLE_POLL_MS 2
/* Back-off after a failed delivery or read: doubles up to the max. */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000

uint64_t
fwd_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

uint64_t
fwd_wall_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* Kafka topic names: [A-Za-z0-9._-], 1..249 characters. */
static int
topic_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

int
sl_fwd_topic(const char *tmpl, const char *node, const char *tenant,
	     const char *stream, unsigned int shard, char *out, size_t len)
{
	size_t n = 0;
	const char *p;

	for (p = tmpl; *p; ) {
		char num[16];
		const char *v = NULL;
		size_t vl;

		if (*p == '{') {
			const char *e = strchr(p, '}');
			size_t kl = e ? (size_t)(e - p - 1) : 0;

			if (e == NULL)
				return -EINVAL;
			if (kl == 6 && memcmp(p + 1, "tenant", 6) == 0)
				v = tenant;
			else if (kl == 6 && memcmp(p + 1, "stream", 6) == 0)
				v = stream;
			else if (kl == 4 && memcmp(p + 1, "node", 4) == 0)
				v = node;
			else if (kl == 5 && memcmp(p + 1, "shard", 5) == 0) {
				snprintf(num, sizeof(num), "%u", shard);
				v = num;
			} else
				return -EINVAL;
			p = e + 1;
		} else {
			if (!topic_char(*p))
				return -EINVAL;
			num[0] = *p++;
			num[1] = '\0';
			v = num;
		}
		vl = strlen(v);
		for (size_t i = 0; i < vl; i++)
			if (!topic_char(v[i]))
				return -EINVAL;
		if (n + vl >= len || n + vl > 249)
			return -ENAMETOOLONG;
		memcpy(out + n, v, vl);
		n += vl;
	}
	if (n == 0 || (n == 1 && out[0] == '.') || (n == 2 && memcmp(out, "..", 2) == 0))
		return -EINVAL;
	out[n] = '\0';
	return (int)n;
}

int
sl_fwd_topic_check(const char *tmpl, char *err, size_t errlen)
{
	char out[256];
	int rc = sl_fwd_topic(tmpl, "node", "tenant", "stream", 0, out, sizeof(out));

	if (rc < 0) {
		snprintf(err, errlen, "--kafka-topic: '%s' is not a topic template: "
			 "characters [A-Za-z0-9._-] and {tenant}, {stream}, {shard}, {node}, "
			 "249 characters at most", tmpl);
		return -EINVAL;
	}
	return 0;
}

/* librdkafka's log lines go to sluice.kafka. */
static void
on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	if (level <= 3)
		FWD_LOG(WARNING, "librdkafka %s: %s\n", fac, buf);
	else if (level <= 5)
		FWD_LOG(NOTICE, "librdkafka %s: %s\n", fac, buf);
	else
		FWD_LOG(DEBUG, "librdkafka %s: %s\n", fac, buf);
}

static void
on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct sl_fwd *f = opaque;
	uint64_t now = fwd_now_ns();

	(void)rk;
	f->ctr[SL_FWDK_kafka_errors]++;
	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
		f->ctr[SL_FWDK_brokers_down] = 1;
	if (err == RD_KAFKA_RESP_ERR__FATAL)
		f->fatal = 1;
	if (now - f->last_err_log_ns >= 1000000000ull || err == RD_KAFKA_RESP_ERR__FATAL) {
		f->last_err_log_ns = now;
		FWD_LOG(WARNING, "%s: %s (batches wait on disk; sending goes on when Kafka answers)\n",
			rd_kafka_err2name(err), reason);
	}
}

/* A delivery report: the message's fate goes to its source's window. */
static void
on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct fwd_msg *msg = m->_private;
	struct sl_fwd *f = opaque;

	(void)rk;
	if (msg == NULL)
		return;
	if (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
		/* We purged it (stop, producer restart): not Kafka's answer. */
		msg->state = MSG_FAILED;
	} else if (m->err) {
		msg->state = MSG_FAILED;
		f->src[msg->src].ctr[SL_FWD_delivery_errors]++;
		FWD_LOG(ERR, "%s: batch seq %" PRIu64 " not delivered: %s; sent again\n",
			f->src[msg->src].dir, msg->seq, rd_kafka_err2str(m->err));
	} else {
		msg->state = MSG_ACKED;
		f->ctr[SL_FWDK_brokers_down] = 0;
	}
}

static rd_kafka_t *
producer_new(struct sl_fwd *f, char *err, size_t errlen)
{
	rd_kafka_conf_t *c = rd_kafka_conf_dup(f->conf);
	rd_kafka_t *rk;
	unsigned int k;

	rd_kafka_conf_set_opaque(c, f);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, errlen);
	if (rk == NULL) {
		rd_kafka_conf_destroy(c);
		return NULL;
	}
	for (k = 0; k < f->n_src; k++) {
		f->src[k].rkt = rd_kafka_topic_new(rk, f->src[k].topic, NULL);
		if (f->src[k].rkt == NULL) {
			snprintf(err, errlen, "topic %s: %s", f->src[k].topic,
				 rd_kafka_err2str(rd_kafka_last_error()));
			while (k-- > 0)
				rd_kafka_topic_destroy(f->src[k].rkt);
			rd_kafka_destroy(rk);
			return NULL;
		}
	}
	return rk;
}

static void
producer_destroy(struct sl_fwd *f)
{
	unsigned int k;

	if (f->rk == NULL)
		return;
	for (k = 0; k < f->n_src; k++) {
		if (f->src[k].rkt != NULL)
			rd_kafka_topic_destroy(f->src[k].rkt);
		f->src[k].rkt = NULL;
	}
	rd_kafka_destroy(f->rk);
	f->rk = NULL;
}

static int
conf_set(rd_kafka_conf_t *c, const char *k, const char *v, char *err, size_t errlen)
{
	char e[256];

	if (rd_kafka_conf_set(c, k, v, e, sizeof(e)) != RD_KAFKA_CONF_OK) {
		snprintf(err, errlen, "--kafka-opt %s=%s: %s", k, v, e);
		return -EINVAL;
	}
	return 0;
}

static int
make_conf(struct sl_fwd *f, char *err, size_t errlen)
{
	char v[32], cid[160];
	unsigned int i;
	int rc = 0;

	f->conf = rd_kafka_conf_new();
	snprintf(v, sizeof(v), "%u", f->p.max_frame + (1u << 20) > 1000000 ?
		 f->p.max_frame + (1u << 20) : 1000000);
	snprintf(cid, sizeof(cid), "sluice-%s", f->node);
	rc |= conf_set(f->conf, "bootstrap.servers", f->p.bootstrap, err, errlen);
	rc |= conf_set(f->conf, "client.id", cid, err, errlen);
	rc |= conf_set(f->conf, "enable.idempotence", "true", err, errlen);
	/* Batches wait on disk, not in a deadline: never time a message out. */
	rc |= conf_set(f->conf, "message.timeout.ms", "0", err, errlen);
	rc |= conf_set(f->conf, "message.max.bytes", v, err, errlen);
	/* The frames are compressed already. */
	rc |= conf_set(f->conf, "compression.type", "none", err, errlen);
	/* A batch is big already: waiting for more only adds a round's
	 * latency (measured: bench_kafka.sh, docs/BENCHMARKS.md). */
	rc |= conf_set(f->conf, "linger.ms", "0", err, errlen);
	if (rc != 0)
		return -EINVAL;
	for (i = 0; i < f->p.n_opts; i++) {
		char buf[1024], *eq;

		snprintf(buf, sizeof(buf), "%s", f->p.opts[i]);
		eq = strchr(buf, '=');
		if (eq == NULL || eq == buf) {
			snprintf(err, errlen, "--kafka-opt '%s': not KEY=VALUE", f->p.opts[i]);
			return -EINVAL;
		}
		*eq = '\0';
		if (conf_set(f->conf, buf, eq + 1, err, errlen) != 0)
			return -EINVAL;
	}
	rd_kafka_conf_set_dr_msg_cb(f->conf, on_delivery);
	rd_kafka_conf_set_error_cb(f->conf, on_error);
	rd_kafka_conf_set_log_cb(f->conf, on_log);
	return 0;
}

struct sl_fwd *
sl_fwd_create(const struct sl_fwd_params *p, char *err, size_t errlen)
{
	struct sl_fwd *f;
	unsigned int k;

	if (p->inflight < 1 || p->inflight > SL_FWD_MAX_INFLIGHT || p->n_src == 0) {
		snprintf(err, errlen, "--kafka: bad parameters");
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL) {
		snprintf(err, errlen, "--kafka: out of memory");
		return NULL;
	}
	f->p = *p;
	f->ckpt_fd = -1;
	snprintf(f->root, sizeof(f->root), "%s", p->root);
	snprintf(f->node, sizeof(f->node), "%s", p->node);
	f->n_src = p->n_src;
	f->src = calloc(p->n_src, sizeof(*f->src));
	f->buf_cap = 256u << 10;
	f->buf_read = malloc(f->buf_cap);
	f->dctx = ZSTD_createDCtx();
	if (f->src == NULL || f->buf_read == NULL || f->dctx == NULL) {
		snprintf(err, errlen, "--kafka: out of memory");
		goto fail;
	}
	for (k = 0; k < p->n_src; k++) {
		struct fwd_src *s = &f->src[k];
		const struct sl_fwd_src_params *sp = &p->src[k];

		snprintf(s->tenant, sizeof(s->tenant), "%s", sp->tenant);
		snprintf(s->stream, sizeof(s->stream), "%s", sp->stream);
		s->shard = sp->shard;
		s->pub = sp->pub;
		s->fd = -1;
		snprintf(s->dir, sizeof(s->dir), "%s/%s/%s/shard-%02u", p->root, sp->tenant,
			 sp->stream, sp->shard);
		if (sl_fwd_topic(p->topic, f->node, s->tenant, s->stream, s->shard,
				 s->topic, sizeof(s->topic)) < 0) {
			sl_fwd_topic_check(p->topic, err, errlen);
			goto fail;
		}
		s->keylen = (size_t)snprintf(s->key, sizeof(s->key), "%s/%u", f->node, s->shard);
	}
	if (make_conf(f, err, errlen) != 0)
		goto fail;
	if (fwd_ckpt_open(f, err, errlen) != 0)
		goto fail;
	for (k = 0; k < p->n_src; k++)
		fwd_seg_backlog(&f->src[k]);
	f->rk = producer_new(f, err, errlen);
	if (f->rk == NULL)
		goto fail;
	f->p.src = NULL;                /* the caller's: read above only */
	return f;
fail:
	sl_fwd_free(f);
	return NULL;
}

struct sl_fwd_gate *
sl_fwd_gate(void *fwd, const char *tenant, const char *stream, unsigned int shard)
{
	struct sl_fwd *f = fwd;
	unsigned int k;

	for (k = 0; k < f->n_src; k++)
		if (f->src[k].shard == shard && strcmp(f->src[k].tenant, tenant) == 0 &&
		    strcmp(f->src[k].stream, stream) == 0)
			return &f->src[k].gate;
	return NULL;
}

/* Re-read source @p s from its acknowledged seq (after its window emptied). */
static void
rewind_src(struct sl_fwd *f, struct fwd_src *s, uint64_t now)
{
	fwd_seg_close(s);
	if (s->has_staged) {
		f->inflight_bytes -= s->staged.size;
		free(s->staged.buf);
		s->staged.buf = NULL;
		s->has_staged = 0;
	}
	s->next = s->acked;
	s->hint_seg = s->ack_seg;
	s->hint_off = s->ack_off;
	s->rewind = 0;
	s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : BACKOFF_MIN_MS;
	if (s->backoff_ms > BACKOFF_MAX_MS)
		s->backoff_ms = BACKOFF_MAX_MS;
	s->retry_ns = now + (uint64_t)s->backoff_ms * 1000000ull;
}

/* Step 1: the window's acknowledged head moves `acked`. @return sources changed. */
static unsigned int
take_acks(struct sl_fwd *f, uint64_t now)
{
	unsigned int k, changed = 0;

	for (k = 0; k < f->n_src; k++) {
		struct fwd_src *s = &f->src[k];

		while (s->fl_n > 0) {
			struct fwd_msg *m = s->fl[s->fl_head];

			if (m->state == MSG_INFLIGHT)
				break;
			if (m->state == MSG_ACKED && !s->rewind) {
				s->acked = m->end;
				s->ack_seg = m->seg;
				s->ack_off = m->off_next;
				s->ack_max_ns = m->max_ns;
				s->ctr[SL_FWD_batches]++;
				s->ctr[SL_FWD_records] += m->end - m->seq;
				s->ctr[SL_FWD_bytes] += m->bytes;
				s->done_frames++;
				s->done_bytes += m->bytes;
				s->backoff_ms = 0;
				changed++;
			} else {
				s->rewind = 1;     /* it, and all after it, again */
			}
			f->inflight_bytes -= m->bytes;
			free(m);
			s->fl_head = (s->fl_head + 1) % SL_FWD_MAX_INFLIGHT;
			s->fl_n--;
		}
		if (s->rewind && s->fl_n == 0) {
			/* What was handed over but not acknowledged goes again. */
			if (s->sent > s->resend_until)
				s->resend_until = s->sent;
			s->sent = s->acked;
			rewind_src(f, s, now);
			changed++;
		} else if (s->fl_n == 0 && !s->has_staged && s->next > s->acked) {
			/* Records skipped (deleted, missing, damaged) with nothing
			 * in flight: the checkpoint moves past them. */
			s->acked = s->next;
			s->ack_seg = s->fd >= 0 ? s->seg : UINT64_MAX;
			s->ack_off = s->off;
			if (s->sent < s->acked)
				s->sent = s->acked;
			changed++;
		}
	}
	return changed;
}

/* Step 2: stage the next frame of each source with room. @return staged. */
static unsigned int
stage(struct sl_fwd *f, uint64_t now)
{
	unsigned int i, k, n = 0;

	for (i = 0; i < f->n_src; i++) {
		struct fwd_src *s;
		uint64_t to;
		int rc;

		k = (f->rr + i) % f->n_src;
		s = &f->src[k];
		if (s->has_staged || s->rewind || s->fl_n >= f->p.inflight ||
		    now < s->retry_ns)
			continue;
		if (f->inflight_bytes >= f->p.max_inflight_bytes && f->inflight_bytes > 0)
			break;
		rc = fwd_seg_next(f, s, &s->staged);
		if (rc < 0) {
			s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : BACKOFF_MIN_MS;
			if (s->backoff_ms > BACKOFF_MAX_MS)
				s->backoff_ms = BACKOFF_MAX_MS;
			s->retry_ns = now + (uint64_t)s->backoff_ms * 1000000ull;
			continue;
		}
		if (rc == 0)
			continue;
		to = sl_fwd_gate_claim(&s->gate, s->staged.b.first_seq,
				       s->staged.b.first_seq + s->staged.b.nrec);
		if (to != 0) {
			/* Retention deleted it meanwhile (and counted it):
			 * skip to where it stopped. */
			free(s->staged.buf);
			s->staged.buf = NULL;
			if (to > s->next) {
				s->ctr[SL_FWD_drop_deleted] += to - s->next;
				s->next = to;
			}
			sl_fwd_gate_skip(&s->gate, s->next);
			fwd_seg_close(s);
			continue;
		}
		s->next = s->staged.b.first_seq + s->staged.b.nrec;
		if (s->next > s->sent)
			s->sent = s->next;
		s->has_staged = 1;
		f->inflight_bytes += s->staged.size;
		n++;
	}
	f->rr++;
	return n;
}

static void
hdr_u64(rd_kafka_headers_t *h, const char *name, uint64_t v)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "%" PRIu64, v);

	rd_kafka_header_add(h, name, -1, b, n);
}

/* Step 4: hand the staged frames to the producer. */
static void
send_staged(struct sl_fwd *f)
{
	unsigned int k;

	for (k = 0; k < f->n_src; k++) {
		struct fwd_src *s = &f->src[k];
		struct fwd_frame *fr = &s->staged;
		rd_kafka_headers_t *h;
		struct fwd_msg *m;
		rd_kafka_resp_err_t e;
		char seg[24];

		if (!s->has_staged)
			continue;
		m = calloc(1, sizeof(*m));
		h = rd_kafka_headers_new(11);
		if (m == NULL || h == NULL) {
			free(m);
			if (h)
				rd_kafka_headers_destroy(h);
			continue;                  /* next round */
		}
		m->src = k;
		m->seq = fr->b.first_seq;
		m->end = fr->b.first_seq + fr->b.nrec;
		m->seg = fr->seg;
		m->off_next = fr->off_next;
		m->min_ns = fr->b.min_ns;
		m->max_ns = fr->b.max_ns;
		m->bytes = fr->size;
		snprintf(seg, sizeof(seg), "%020" PRIu64, fr->seg);
		rd_kafka_header_add(h, "sluice.format", -1, "1", 1);
		rd_kafka_header_add(h, "sluice.node", -1, f->node, -1);
		rd_kafka_header_add(h, "sluice.tenant", -1, s->tenant, -1);
		rd_kafka_header_add(h, "sluice.stream", -1, s->stream, -1);
		hdr_u64(h, "sluice.shard", s->shard);
		rd_kafka_header_add(h, "sluice.segment", -1, seg, -1);
		hdr_u64(h, "sluice.offset", fr->off);
		hdr_u64(h, "sluice.seq", fr->b.first_seq);
		hdr_u64(h, "sluice.records", fr->b.nrec);
		hdr_u64(h, "sluice.first_ns", fr->b.min_ns);
		hdr_u64(h, "sluice.last_ns", fr->b.max_ns);
		e = rd_kafka_producev(f->rk,
				      RD_KAFKA_V_RKT(s->rkt),
				      RD_KAFKA_V_KEY(s->key, s->keylen),
				      RD_KAFKA_V_VALUE(fr->buf, fr->size),
				      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
				      RD_KAFKA_V_TIMESTAMP((int64_t)(fr->b.max_ns / 1000000ull)),
				      RD_KAFKA_V_HEADERS(h),
				      RD_KAFKA_V_OPAQUE(m),
				      RD_KAFKA_V_END);
		if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
			/* Queue full or fatal: keep it staged for the next round. */
			rd_kafka_headers_destroy(h);
			free(m);
			if (e == RD_KAFKA_RESP_ERR__FATAL)
				f->fatal = 1;
			continue;
		}
		s->ctr[SL_FWD_produced]++;
		if (m->seq < s->resend_until)
			s->ctr[SL_FWD_resent]++;
		s->fl[(s->fl_head + s->fl_n) % SL_FWD_MAX_INFLIGHT] = m;
		s->fl_n++;
		s->has_staged = 0;
		fr->buf = NULL;
	}
}

/* The lag gauges of every source. */
static void
lag(struct sl_fwd *f)
{
	uint64_t wall = fwd_wall_ns();
	unsigned int k;

	for (k = 0; k < f->n_src; k++) {
		struct fwd_src *s = &f->src[k];
		struct sl_store_pub pub;
		uint64_t recs, fr, by, oldest;

		sl_store_pub_read(s->pub, &pub);
		recs = pub.next_seq > s->acked ? pub.next_seq - s->acked : 0;
		fr = s->base_frames + pub.frames;
		by = s->base_bytes + pub.bytes;
		fr = fr > s->done_frames ? fr - s->done_frames : 0;
		by = by > s->done_bytes ? by - s->done_bytes : 0;
		if (recs == 0)
			fr = by = 0;
		else if (fr == 0)
			fr = 1;
		s->ctr[SL_FWD_lag_records] = recs;
		s->ctr[SL_FWD_lag_batches] = fr;
		s->ctr[SL_FWD_lag_bytes] = by;
		s->ctr[SL_FWD_inflight] = s->fl_n;
		oldest = s->fl_n ? s->fl[s->fl_head]->min_ns :
			s->has_staged ? s->staged.b.min_ns : s->ack_max_ns;
		s->ctr[SL_FWD_lag_us] = recs && oldest && wall > oldest ?
			(wall - oldest) / 1000 : 0;
	}
	f->ctr[SL_FWDK_inflight_bytes] = f->inflight_bytes;
}

/* All sources have everything their store published in Kafka. */
static int
caught_up(struct sl_fwd *f)
{
	unsigned int k;

	for (k = 0; k < f->n_src; k++) {
		struct sl_store_pub pub;

		sl_store_pub_read(f->src[k].pub, &pub);
		if (f->src[k].acked < pub.next_seq)
			return 0;
		if (f->src[k].fl_n > 0)
			return 0;
	}
	return 1;
}

/* Purge what the producer holds and serve every delivery report (they
 * point at our messages), bounded; then destroy it. */
static void
producer_purge(struct sl_fwd *f)
{
	uint64_t until = fwd_now_ns() + 5000000000ull;

	if (f->rk == NULL)
		return;
	rd_kafka_purge(f->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	while (rd_kafka_outq_len(f->rk) > 0 && fwd_now_ns() < until)
		rd_kafka_poll(f->rk, 10);
	producer_destroy(f);
}

/* A fatal producer error: start over with a new producer, from acked. */
static void
restart_producer(struct sl_fwd *f, uint64_t now)
{
	char err[512];
	unsigned int k;

	FWD_LOG(ERR, "the producer hit a fatal error: re-created; unacknowledged batches go again\n");
	producer_purge(f);
	for (k = 0; k < f->n_src; k++) {
		struct fwd_src *s = &f->src[k];

		while (s->fl_n > 0) {
			f->inflight_bytes -= s->fl[s->fl_head]->bytes;
			free(s->fl[s->fl_head]);
			s->fl_head = (s->fl_head + 1) % SL_FWD_MAX_INFLIGHT;
			s->fl_n--;
		}
		if (s->sent > s->resend_until)
			s->resend_until = s->sent;
		s->sent = s->acked;
		rewind_src(f, s, now);
	}
	f->fatal = 0;
	f->ctr[SL_FWDK_producer_restarts]++;
	f->rk = producer_new(f, err, sizeof(err));
	if (f->rk == NULL)
		FWD_LOG(ERR, "cannot re-create the producer: %s\n", err);
}

void *
sl_fwd_run(void *arg)
{
	struct sl_fwd *f = arg;
	uint64_t last_lag = 0;

	while (__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE) != 2) {
		uint64_t now = fwd_now_ns();
		unsigned int staged = 0;
		int stop = __atomic_load_n(&f->stop, __ATOMIC_ACQUIRE);

		if (f->rk == NULL || f->fatal) {
			if (f->rk != NULL || now >= f->src[0].retry_ns)
				restart_producer(f, now);
			if (f->rk == NULL) {
				struct timespec ts = { 0, 100000000 };

				if (stop)
					break;     /* nothing can be sent: the checkpoint holds */
				nanosleep(&ts, NULL);
				continue;
			}
		}
		rd_kafka_poll(f->rk, 0);
		take_acks(f, now);
		staged = stage(f, now);
		if (fwd_ckpt_write(f) == 0)
			send_staged(f);
		if (now - last_lag >= 100000000ull) {
			lag(f);
			last_lag = now;
		}
		if (stop == 1) {
			lag(f);
			if (caught_up(f) || now >= f->drain_until_ns)
				break;
		}
		if (staged == 0)
			rd_kafka_poll(f->rk, IDLE_POLL_MS);
	}
	/* What is in flight: wait for its reports (bounded), then the last
	 * checkpoint. What is not acknowledged goes at the next start. */
	if (f->rk != NULL) {
		uint64_t until = fwd_now_ns() + 2000000000ull;

		while (fwd_now_ns() < until) {
			unsigned int k, n = 0;

			rd_kafka_poll(f->rk, 10);
			take_acks(f, fwd_now_ns());
			for (k = 0; k < f->n_src; k++)
				n += f->src[k].fl_n;
			if (n == 0)
				break;
		}
		fwd_ckpt_write(f);
	}
	lag(f);
	return NULL;
}

void
sl_fwd_stop(struct sl_fwd *f, uint64_t drain_ms)
{
	f->drain_until_ns = fwd_now_ns() + drain_ms * 1000000ull;
	__atomic_store_n(&f->stop, drain_ms ? 1 : 2, __ATOMIC_RELEASE);
}

uint64_t
sl_fwd_resume_seq(const struct sl_fwd *f, unsigned int i)
{
	return f->src[i].acked;
}

unsigned int
sl_fwd_nb_src(const struct sl_fwd *f)
{
	return f->n_src;
}

struct sl_ctr_set
sl_fwd_src_counters(const struct sl_fwd *f, unsigned int i, const char **tenant,
		    const char **stream, unsigned int *shard)
{
	struct sl_ctr_set set = {
		.module = "kafka",
		.instance = f->src[i].dir,
		.n = SL_FWD_NB_CTR,
		.desc = fwd_ctr_desc,
		.val = f->src[i].ctr,
	};

	if (tenant)
		*tenant = f->src[i].tenant;
	if (stream)
		*stream = f->src[i].stream;
	if (shard)
		*shard = f->src[i].shard;
	return set;
}

struct sl_ctr_set
sl_fwd_counters(const struct sl_fwd *f)
{
	struct sl_ctr_set set = {
		.module = "kafka",
		.instance = "forwarder",
		.n = SL_FWDK_NB_CTR,
		.desc = fwdk_ctr_desc,
		.val = f->ctr,
	};

	return set;
}

void
sl_fwd_free(struct sl_fwd *f)
{
	unsigned int k;

	if (f == NULL)
		return;
	producer_purge(f);
	if (f->conf != NULL)
		rd_kafka_conf_destroy(f->conf);
	for (k = 0; f->src != NULL && k < f->n_src; k++) {
		struct fwd_src *s = &f->src[k];

		fwd_seg_close(s);
		free(s->idx);
		if (s->has_staged)
			free(s->staged.buf);
		while (s->fl_n > 0) {
			free(s->fl[s->fl_head]);
			s->fl_head = (s->fl_head + 1) % SL_FWD_MAX_INFLIGHT;
			s->fl_n--;
		}
		pthread_mutex_destroy(&s->gate.mu);
	}
	if (f->ckpt_fd >= 0)
		close(f->ckpt_fd);
	ZSTD_freeDCtx(f->dctx);
	free(f->buf_read);
	free(f->src);
	free(f);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-cat --kafka: read the batches sluice forwards to Kafka (the
 * consumer; each message goes to kafka_msg.c, which checks and prints it).
 *
 * No consumer group: librdkafka 2.0.2's rd_kafka_assign() refuses a handle
 * without group.id, so each partition is started with the per-partition
 * consumer (rd_kafka_consume_start_queue) onto one queue. The topics'
 * partitions come from one metadata request for every topic: naming a topic
 * in a metadata request can create it (auto.create.topics.enable brokers that
 * ignore allow.auto.create.topics, and librdkafka's mock cluster), and a
 * missing topic must stay missing and be an error.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "cat.h"

#define POLL_MS 100            /* how often the loop looks at the stop flag */

/* Per partition of a topic. */
enum kpart_state { KP_NONE, KP_READING, KP_EOF };

struct ktopic {
	const char *name;
	rd_kafka_topic_t *rkt;
	int32_t nslots;            /* highest partition id + 1 */
	uint8_t *state;            /* enum kpart_state per partition id */
};

struct kcat {
	const struct cat_kafka_params *p;
	int snapshot;              /* exit when every partition is at its end */
	rd_kafka_t *rk;
	rd_kafka_queue_t *q;
	struct ktopic *topics;
	unsigned int ntopics;
	uint64_t nparts, neof;
	int fatal;                 /* a fatal consumer error: stop */

	struct cat_kmsg *km;       /* decodes each message */
	struct cat_kafka_hdr *hdrs;   /* the current message's headers */
	size_t hcap;

	uint64_t messages, bytes, records, damaged, errors;
};

static volatile sig_atomic_t kcat_stop;

static void
on_signal(int sig)
{
	kcat_stop = 1;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct kcat *k = opaque;

	fprintf(stderr, "sluice-cat: kafka: %s\n", reason);
	if (err == RD_KAFKA_RESP_ERR__FATAL)
		k->fatal = 1;
}

/* Connection failures come through on_error; the rest of the log as is. */
static void
on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	if (strcmp(fac, "FAIL") == 0 || strcmp(fac, "ERROR") == 0)
		return;
	fprintf(stderr, "sluice-cat: rdkafka %s: %s\n", fac, buf);
}

static int
conf_set(rd_kafka_conf_t *conf, const char *key, const char *val, const char *what)
{
	char err[512];

	if (rd_kafka_conf_set(conf, key, val, err, sizeof(err)) == RD_KAFKA_CONF_OK)
		return 0;
	fprintf(stderr, "sluice-cat: %s %s: %s\n", what, key, err);
	return -1;
}

/* The consumer: our defaults, then every --kafka-opt. @return 0 or -1. */
static int
kcat_connect(struct kcat *k)
{
	const struct cat_kafka_params *p = k->p;
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char err[512];
	unsigned int i;

	if (conf_set(conf, "bootstrap.servers", p->bootstrap, "--kafka:") ||
	    conf_set(conf, "client.id", "sluice-cat", "default") ||
	    conf_set(conf, "enable.partition.eof", k->snapshot ? "true" : "false", "default") ||
	    conf_set(conf, "log.connection.close", "false", "default"))
		goto fail;
	for (i = 0; i < p->nopts; i++) {
		char key[256];
		const char *eq = strchr(p->opts[i], '=');
		size_t kl = eq ? (size_t)(eq - p->opts[i]) : 0;

		if (kl == 0 || kl >= sizeof(key)) {
			fprintf(stderr, "sluice-cat: --kafka-opt: '%s' is not KEY=VALUE\n", p->opts[i]);
			goto fail;
		}
		memcpy(key, p->opts[i], kl);
		key[kl] = '\0';
		if (conf_set(conf, key, eq + 1, "--kafka-opt"))
			goto fail;
	}
	rd_kafka_conf_set_opaque(conf, k);
	rd_kafka_conf_set_error_cb(conf, on_error);
	rd_kafka_conf_set_log_cb(conf, on_log);
	k->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
	if (k->rk == NULL) {
		fprintf(stderr, "sluice-cat: kafka: cannot create the consumer: %s\n", err);
		goto fail;
	}
	k->q = rd_kafka_queue_new(k->rk);
	if (k->q == NULL) {
		fprintf(stderr, "sluice-cat: kafka: cannot create a queue\n");
		return -1;
	}
	return 0;
fail:
	rd_kafka_conf_destroy(conf);
	return -1;
}

/*
 * A topic handle that never commits offsets: the per-partition consumer
 * would, for a group.id given with --kafka-opt (none is set otherwise).
 */
static rd_kafka_topic_t *
topic_new(rd_kafka_t *rk, const char *name)
{
	rd_kafka_topic_conf_t *tc = rd_kafka_topic_conf_new();
	char err[256];

	if (rd_kafka_topic_conf_set(tc, "auto.commit.enable", "false", err, sizeof(err)) !=
	    RD_KAFKA_CONF_OK) {
		rd_kafka_topic_conf_destroy(tc);
		return NULL;
	}
	/* Takes tc, also when it fails. */
	return rd_kafka_topic_new(rk, name, tc);
}

/* Find the topics and start every partition. @return 0 or -1. */
static int
kcat_assign(struct kcat *k)
{
	const struct cat_kafka_params *p = k->p;
	int64_t start = p->from_beginning ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t err;
	unsigned int i, j;
	int rc = -1, t;

	/* Every topic: naming ours could create them (see the top). */
	err = rd_kafka_metadata(k->rk, 1, NULL, &md, p->timeout_ms);
	if (err) {
		fprintf(stderr, "sluice-cat: kafka %s: no metadata within %d ms (--kafka-timeout): %s\n",
			p->bootstrap, p->timeout_ms, rd_kafka_err2str(err));
		return -1;
	}
	k->topics = calloc(p->ntopics, sizeof(*k->topics));
	if (k->topics == NULL) {
		fprintf(stderr, "sluice-cat: out of memory\n");
		goto out;
	}
	for (i = 0; i < p->ntopics; i++) {
		const struct rd_kafka_metadata_topic *mt = NULL;
		struct ktopic *kt;

		for (j = 0; j < k->ntopics; j++)
			if (strcmp(k->topics[j].name, p->topics[i]) == 0)
				break;
		if (j < k->ntopics)
			continue;          /* named twice */
		for (t = 0; t < md->topic_cnt; t++)
			if (strcmp(md->topics[t].topic, p->topics[i]) == 0)
				mt = &md->topics[t];
		if (mt == NULL) {
			fprintf(stderr, "sluice-cat: kafka: topic '%s' does not exist (or this client may not see it)\n",
				p->topics[i]);
			goto out;
		}
		if (mt->err || mt->partition_cnt <= 0) {
			fprintf(stderr, "sluice-cat: kafka: topic '%s': %s\n", p->topics[i],
				mt->err ? rd_kafka_err2str(mt->err) : "no partitions");
			goto out;
		}
		kt = &k->topics[k->ntopics++];
		kt->name = p->topics[i];
		for (t = 0; t < mt->partition_cnt; t++)
			if (mt->partitions[t].id >= kt->nslots)
				kt->nslots = mt->partitions[t].id + 1;
		kt->state = calloc((size_t)kt->nslots, 1);
		kt->rkt = topic_new(k->rk, kt->name);
		if (kt->state == NULL || kt->rkt == NULL) {
			fprintf(stderr, "sluice-cat: kafka: topic '%s': %s\n", kt->name,
				kt->state ? rd_kafka_err2str(rd_kafka_last_error()) : "out of memory");
			goto out;
		}
		for (t = 0; t < mt->partition_cnt; t++) {
			int32_t id = mt->partitions[t].id;

			if (id < 0 || kt->state[id] != KP_NONE)
				continue;
			if (rd_kafka_consume_start_queue(kt->rkt, id, start, k->q) != 0) {
				fprintf(stderr, "sluice-cat: kafka %s/%" PRId32 ": cannot start: %s\n",
					kt->name, id, rd_kafka_err2str(rd_kafka_last_error()));
				goto out;
			}
			kt->state[id] = KP_READING;
			k->nparts++;
		}
	}
	rc = 0;
out:
	rd_kafka_metadata_destroy(md);
	return rc;
}

static void
kcat_close(struct kcat *k)
{
	unsigned int i;
	int32_t id;

	for (i = 0; i < k->ntopics; i++) {
		struct ktopic *kt = &k->topics[i];

		for (id = 0; kt->state && id < kt->nslots; id++)
			if (kt->state[id] != KP_NONE)
				rd_kafka_consume_stop(kt->rkt, id);
		if (kt->rkt)
			rd_kafka_topic_destroy(kt->rkt);
		free(kt->state);
	}
	free(k->topics);
	if (k->q)
		rd_kafka_queue_destroy(k->q);
	if (k->rk)
		rd_kafka_destroy(k->rk);
	cat_kmsg_free(k->km);
	free(k->hdrs);
}

static struct ktopic *
topic_of(struct kcat *k, const rd_kafka_message_t *m)
{
	const char *name = rd_kafka_topic_name(m->rkt);
	unsigned int i;

	for (i = 0; i < k->ntopics; i++)
		if (strcmp(k->topics[i].name, name) == 0)
			return &k->topics[i];
	return NULL;
}

/*
 * The headers of @p m into k->hdrs, *n of them (librdkafka's pointers,
 * valid while @p m is). @return 0, or -1: out of memory (reported).
 */
static int
kcat_headers(struct kcat *k, const rd_kafka_message_t *m, size_t *n)
{
	rd_kafka_headers_t *hs = NULL;
	struct cat_kafka_hdr *h;
	size_t cnt, i;

	*n = 0;
	if (rd_kafka_message_headers(m, &hs) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return 0;
	cnt = rd_kafka_header_cnt(hs);
	if (cnt > k->hcap) {
		h = realloc(k->hdrs, cnt * sizeof(*h));
		if (h == NULL) {
			fprintf(stderr, "sluice-cat: out of memory\n");
			return -1;
		}
		k->hdrs = h;
		k->hcap = cnt;
	}
	for (i = 0; i < cnt; i++) {
		h = &k->hdrs[i];
		if (rd_kafka_header_get_all(hs, i, &h->name, &h->value, &h->len) !=
		    RD_KAFKA_RESP_ERR_NO_ERROR)
			break;
	}
	*n = i;
	return 0;
}

static void
kcat_message(struct kcat *k, const rd_kafka_message_t *m)
{
	struct ktopic *kt = topic_of(k, m);
	uint8_t *st = NULL;
	struct cat_kafka_msg pm;
	rd_kafka_timestamp_type_t tstype;
	uint64_t nrec;
	size_t nh;

	if (kt && m->partition >= 0 && m->partition < kt->nslots)
		st = &kt->state[m->partition];
	if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
		if (st && *st == KP_READING) {
			*st = KP_EOF;
			k->neof++;
		}
		return;
	}
	if (m->err) {
		fprintf(stderr, "sluice-cat: kafka %s/%" PRId32 ": %s\n",
			kt ? kt->name : rd_kafka_topic_name(m->rkt), m->partition,
			rd_kafka_message_errstr(m));
		k->errors++;
		return;
	}
	if (st && *st == KP_EOF) {
		*st = KP_READING;
		k->neof--;
	}
	k->messages++;
	k->bytes += m->len;
	if (kcat_headers(k, m, &nh) != 0) {
		k->errors++;
		return;
	}
	memset(&pm, 0, sizeof(pm));
	pm.topic = kt ? kt->name : rd_kafka_topic_name(m->rkt);
	pm.partition = m->partition;
	pm.offset = m->offset;
	pm.value = m->payload;
	pm.len = m->len;
	pm.key = m->key;
	pm.key_len = m->key_len;
	pm.timestamp_ms = rd_kafka_message_timestamp(m, &tstype);
	pm.create_time = tstype == RD_KAFKA_TIMESTAMP_CREATE_TIME;
	pm.hdrs = k->hdrs;
	pm.nhdrs = nh;
	k->damaged += (uint64_t)cat_kmsg_process(k->km, &pm, &nrec);
	k->records += nrec;
}

/* Read until done (snapshot), stopped, or a fatal error. */
static void
kcat_loop(struct kcat *k)
{
	uint64_t last = now_ms();

	while (!kcat_stop && !k->fatal) {
		rd_kafka_message_t *m;

		if (k->snapshot && k->neof == k->nparts)
			break;
		m = rd_kafka_consume_queue(k->q, POLL_MS);
		rd_kafka_poll(k->rk, 0);   /* error and log callbacks */
		if (m == NULL) {
			fflush(stdout);
			if (k->snapshot && now_ms() - last >= (uint64_t)k->p->timeout_ms) {
				fprintf(stderr, "sluice-cat: kafka: %" PRIu64 " of %" PRIu64
					" partitions did not reach their end: nothing came for %d ms (--kafka-timeout)\n",
					k->nparts - k->neof, k->nparts, k->p->timeout_ms);
				k->errors++;
				break;
			}
			continue;
		}
		last = now_ms();
		kcat_message(k, m);
		rd_kafka_message_destroy(m);
	}
	if (k->fatal)
		k->errors++;
}

int
cat_kafka(const struct cat_kafka_params *p)
{
	static char obuf[1 << 16];
	struct kcat k;
	struct sigaction sa;
	int rc = 2;

	memset(&k, 0, sizeof(k));
	k.p = p;
	k.snapshot = p->from_beginning && !p->follow;
	k.km = cat_kmsg_create(p, stdout, stderr);
	if (k.km == NULL) {
		fprintf(stderr, "sluice-cat: out of memory\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));

	if (kcat_connect(&k) != 0 || kcat_assign(&k) != 0)
		goto out;
	kcat_loop(&k);
	if (p->verbose)
		fprintf(stderr, "kafka: messages=%" PRIu64 " bytes=%" PRIu64 " partitions=%" PRIu64 "\n",
			k.messages, k.bytes, k.nparts);
	if (p->count)
		printf("%" PRIu64 "\n", k.records);
	if (p->verify)
		printf("verify: %" PRIu64 " messages, %" PRIu64 " records, %" PRIu64 " damaged%s\n",
		       k.messages, k.records, k.damaged, k.damaged || k.errors ? "" : ": OK");
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "sluice-cat: write error: %s\n", strerror(errno));
		goto out;
	}
	rc = k.errors ? 2 : k.damaged ? 1 : 0;
out:
	kcat_close(&k);
	return rc;
}

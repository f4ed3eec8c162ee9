/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sl-kafka-put: produce the data frames of segment files to Kafka, one
 * message per frame, as the sluice forwarder does (the contract is in
 * app/sluice-cat/kafka.c): value = the frame's bytes as in the file, key
 * "<node>/<shard>", timestamp = the batch's max_ns in ms, and the sluice.*
 * headers from the segment header and the batch header. For the test
 * scripts: an independent way to put known batches in a topic.
 *
 *   sl-kafka-put --bootstrap B --topic T [--node NAME] [--partition P]
 *                [--opt KEY=VALUE]... [--tamper N:WHAT]... DIR|FILE...
 *
 * Segments are read in the reader's order (directories walked recursively
 * in name order, *.zst), frames in file order; a torn tail of an unsealed
 * segment is left out, a damaged frame is an error. Messages are produced
 * in that order with an idempotent producer; without --partition the key
 * picks the partition (librdkafka's default partitioner), so a shard's
 * batches stay in order in one partition.
 *
 * --tamper N:WHAT changes message N (0 = the first produced) to test the
 * readers: "value" flips a byte in the middle of the value, "NAME=VALUE"
 * sets header NAME (replaced or added), "-NAME" removes header NAME,
 * "key=K" sets the key.
 *
 * Prints "put: messages=N records=N bytes=N" on stdout once every message
 * is acknowledged. Exit: 0 all delivered; 1 a segment could not be read or
 * a message was not delivered; 2 usage.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "sl_segment.h"

#define FLUSH_MS 60000
#define MAX_DEPTH 16
#define DEF_NODE "test-node"

struct tamper {
	uint64_t msg;          /* message index */
	const char *what;      /* "value", "NAME=VALUE", "-NAME", "key=K" */
};

struct put {
	rd_kafka_t *rk;
	const char *topic;
	const char *node;
	int32_t partition;
	struct tamper *tampers;
	unsigned int ntampers;
	uint64_t messages, records, bytes;
	uint8_t *buf;
	size_t cap;
};

static uint64_t delivered, failed;

static void
on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	if (m->err) {
		failed++;
		fprintf(stderr, "sl-kafka-put: not delivered: %s\n", rd_kafka_err2str(m->err));
	} else {
		delivered++;
	}
}

static void
on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	fprintf(stderr, "sl-kafka-put: kafka: %s\n", reason);
}

static void
usage(FILE *f)
{
	fputs("usage: sl-kafka-put --bootstrap B --topic T [--node NAME] [--partition P]\n"
	      "                    [--opt KEY=VALUE]... [--tamper N:WHAT]... DIR|FILE...\n"
	      "  --node NAME       the key's and sluice.node's node name (default " DEF_NODE ")\n"
	      "  --partition P     every message to partition P (default: by key)\n"
	      "  --opt KEY=VALUE   a librdkafka producer property (repeatable)\n"
	      "  --tamper N:WHAT   message N (from 0): value (flip a byte), NAME=VALUE\n"
	      "                    (set a header), -NAME (remove a header), key=K\n", f);
}

/* Paths in the reader's order. */
struct paths {
	char **v;
	size_t n, cap;
};

static int
add_path(struct paths *ps, const char *path)
{
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? 2 * ps->cap : 64;
		char **nv = realloc(ps->v, cap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		ps->v = nv;
		ps->cap = cap;
	}
	ps->v[ps->n] = strdup(path);
	if (ps->v[ps->n] == NULL)
		return -1;
	ps->n++;
	return 0;
}

static int
add_dir(struct paths *ps, const char *dir, int depth)
{
	struct dirent **list = NULL;
	int i, n, rc = 0;

	if (depth > MAX_DEPTH)
		return 0;
	n = scandir(dir, &list, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "sl-kafka-put: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		size_t len = strlen(name);
		char path[PATH_MAX];
		struct stat st;

		if (rc == 0 && name[0] != '.' &&
		    snprintf(path, sizeof(path), "%s/%s", dir, name) < (int)sizeof(path) &&
		    lstat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				rc = add_dir(ps, path, depth + 1);
			else if (S_ISREG(st.st_mode) && len > 4 &&
				 strcmp(name + len - 4, ".zst") == 0)
				rc = add_path(ps, path);
		}
		free(list[i]);
	}
	free(list);
	return rc;
}

static int
set_header(rd_kafka_headers_t *hs, const char *name, const char *val)
{
	rd_kafka_header_remove(hs, name);
	return rd_kafka_header_add(hs, name, -1, val, -1) ? -1 : 0;
}

/* Apply the --tamper changes for the next message. */
static void
tamper(struct put *pt, rd_kafka_headers_t *hs, uint8_t *val, size_t len,
       char *key, size_t keycap)
{
	unsigned int i;

	for (i = 0; i < pt->ntampers; i++) {
		const char *w = pt->tampers[i].what;
		const char *eq = strchr(w, '=');
		char name[128];

		if (pt->tampers[i].msg != pt->messages)
			continue;
		if (strcmp(w, "value") == 0) {
			val[len / 2] ^= 0xff;
		} else if (w[0] == '-') {
			rd_kafka_header_remove(hs, w + 1);
		} else if (strncmp(w, "key=", 4) == 0) {
			snprintf(key, keycap, "%s", w + 4);
		} else if (eq && (size_t)(eq - w) < sizeof(name)) {
			memcpy(name, w, (size_t)(eq - w));
			name[eq - w] = '\0';
			set_header(hs, name, eq + 1);
		}
		fprintf(stderr, "sl-kafka-put: message %" PRIu64 ": tampered: %s\n",
			pt->messages, w);
	}
}

/* Produce one frame. @return 0 or -1. */
static int
put_frame(struct put *pt, const struct sl_seg_hdr *sh, const struct sl_scan_frame *f,
	  const uint8_t *val)
{
	char key[128], num[32], tenant[48], stream[48];
	const struct sl_batch_hdr *b = &f->b;
	rd_kafka_headers_t *hs = rd_kafka_headers_new(11);
	rd_kafka_resp_err_t err;
	int rc = 0;

	memcpy(tenant, sh->tenant, sizeof(tenant));
	memcpy(stream, sh->stream, sizeof(stream));
	tenant[sizeof(tenant) - 1] = stream[sizeof(stream) - 1] = '\0';
	snprintf(key, sizeof(key), "%s/%u", pt->node, b->shard);
	rc |= set_header(hs, "sluice.format", "1");
	rc |= set_header(hs, "sluice.node", pt->node);
	rc |= set_header(hs, "sluice.tenant", tenant);
	rc |= set_header(hs, "sluice.stream", stream);
	snprintf(num, sizeof(num), "%u", b->shard);
	rc |= set_header(hs, "sluice.shard", num);
	snprintf(num, sizeof(num), "%020" PRIu64, sh->first_seq);
	rc |= set_header(hs, "sluice.segment", num);
	snprintf(num, sizeof(num), "%" PRIu64, f->off);
	rc |= set_header(hs, "sluice.offset", num);
	snprintf(num, sizeof(num), "%" PRIu64, b->first_seq);
	rc |= set_header(hs, "sluice.seq", num);
	snprintf(num, sizeof(num), "%" PRIu32, b->nrec);
	rc |= set_header(hs, "sluice.records", num);
	snprintf(num, sizeof(num), "%" PRIu64, b->min_ns);
	rc |= set_header(hs, "sluice.first_ns", num);
	snprintf(num, sizeof(num), "%" PRIu64, b->max_ns);
	rc |= set_header(hs, "sluice.last_ns", num);
	if (rc) {
		fprintf(stderr, "sl-kafka-put: cannot build the headers\n");
		rd_kafka_headers_destroy(hs);
		return -1;
	}
	tamper(pt, hs, (uint8_t *)val, (size_t)f->size, key, sizeof(key));
	for (;;) {
		err = rd_kafka_producev(pt->rk,
			RD_KAFKA_V_TOPIC(pt->topic),
			RD_KAFKA_V_PARTITION(pt->partition),
			RD_KAFKA_V_KEY(key, strlen(key)),
			RD_KAFKA_V_VALUE((void *)val, (size_t)f->size),
			RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			RD_KAFKA_V_TIMESTAMP((int64_t)(b->max_ns / 1000000u)),
			RD_KAFKA_V_HEADERS(hs),
			RD_KAFKA_V_END);
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			break;
		rd_kafka_poll(pt->rk, 10);
	}
	if (err) {
		fprintf(stderr, "sl-kafka-put: produce: %s\n", rd_kafka_err2str(err));
		rd_kafka_headers_destroy(hs);   /* still ours on failure */
		return -1;
	}
	rd_kafka_poll(pt->rk, 0);
	pt->messages++;
	pt->records += b->nrec;
	pt->bytes += f->size;
	return 0;
}

/* Every data frame of one segment. @return 0 or -1 (reported). */
static int
put_segment(struct put *pt, const char *path)
{
	uint8_t hf[SL_SEG_HDR_FRAME_LEN];
	struct sl_seg_trailer t;
	struct sl_seg_scan sc;
	struct sl_seg_hdr sh;
	uint64_t off, limit;
	struct stat st;
	int fd, rc = -1, done = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "sl-kafka-put: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (sl_seg_pread(fd, hf, sizeof(hf), 0) != 0 || sl_le32(hf) != SL_SEG_SKIP_MAGIC) {
		fprintf(stderr, "sl-kafka-put: %s: not a sluice segment\n", path);
		close(fd);
		return -1;
	}
	memcpy(&sh, hf + SL_SKIP_HDR_LEN, sizeof(sh));
	if (!sl_seg_hdr_check(&sh)) {
		fprintf(stderr, "sl-kafka-put: %s: segment header damaged\n", path);
		close(fd);
		return -1;
	}
	limit = (uint64_t)st.st_size;
	if (sl_seg_read_trailer(fd, limit, &t) == 1)
		limit = t.index_off;
	if (sl_seg_scan_init(&sc, fd, (uint64_t)st.st_size) != 0) {
		fprintf(stderr, "sl-kafka-put: out of memory\n");
		close(fd);
		return -1;
	}
	for (off = SL_SEG_HDR_FRAME_LEN; !done;) {
		struct sl_scan_frame f;

		switch (sl_seg_scan_frame(&sc, off, limit, &f)) {
		case SL_SCAN_DATA:
			if (f.size > pt->cap) {
				uint8_t *nb = realloc(pt->buf, (size_t)f.size);

				if (nb == NULL) {
					fprintf(stderr, "sl-kafka-put: out of memory\n");
					goto out;
				}
				pt->buf = nb;
				pt->cap = (size_t)f.size;
			}
			if (sl_seg_pread(fd, pt->buf, (size_t)f.size, off) != 0) {
				fprintf(stderr, "sl-kafka-put: %s: read error at %" PRIu64 "\n", path, off);
				goto out;
			}
			if (put_frame(pt, &sh, &f, pt->buf) != 0)
				goto out;
			off += f.size;
			break;
		case SL_SCAN_SKIP:
			off += f.size;
			break;
		case SL_SCAN_END:
			done = 1;
			break;
		case SL_SCAN_TORN:
			fprintf(stderr, "sl-kafka-put: %s: torn tail at %" PRIu64 " left out\n", path, off);
			done = 1;
			break;
		case SL_SCAN_IO:
			fprintf(stderr, "sl-kafka-put: %s: %s\n", path, strerror(-f.err));
			goto out;
		default:
			fprintf(stderr, "sl-kafka-put: %s: damaged frame at %" PRIu64 ": %s\n",
				path, off, f.why ? f.why : "?");
			goto out;
		}
	}
	rc = 0;
out:
	sl_seg_scan_fini(&sc);
	close(fd);
	return rc;
}

static rd_kafka_t *
producer(const char *bootstrap, char **opts, unsigned int nopts)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	static const char *const defaults[][2] = {
		{ "enable.idempotence", "true" },
		{ "linger.ms", "5" },
		{ "compression.type", "none" },          /* the value is zstd already */
		{ "message.max.bytes", "67108864" },     /* sluice's largest frames */
	};
	char err[512], key[256];
	unsigned int i;
	rd_kafka_t *rk;

	if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof(err)))
		goto bad;
	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (rd_kafka_conf_set(conf, defaults[i][0], defaults[i][1], err, sizeof(err)))
			goto bad;
	for (i = 0; i < nopts; i++) {
		const char *eq = strchr(opts[i], '=');

		if (eq == NULL || eq == opts[i] || (size_t)(eq - opts[i]) >= sizeof(key)) {
			snprintf(err, sizeof(err), "--opt '%s' is not KEY=VALUE", opts[i]);
			goto bad;
		}
		memcpy(key, opts[i], (size_t)(eq - opts[i]));
		key[eq - opts[i]] = '\0';
		if (rd_kafka_conf_set(conf, key, eq + 1, err, sizeof(err)))
			goto bad;
	}
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_error_cb(conf, on_error);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (rk)
		return rk;
bad:
	fprintf(stderr, "sl-kafka-put: %s\n", err);
	rd_kafka_conf_destroy(conf);
	return NULL;
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "bootstrap", required_argument, NULL, 'b' },
		{ "topic", required_argument, NULL, 't' },
		{ "node", required_argument, NULL, 'n' },
		{ "partition", required_argument, NULL, 'p' },
		{ "opt", required_argument, NULL, 'o' },
		{ "tamper", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct put pt = { .node = DEF_NODE, .partition = RD_KAFKA_PARTITION_UA };
	const char *bootstrap = NULL;
	struct paths ps = { 0 };
	unsigned int nopts = 0;
	char **opts, *end;
	rd_kafka_resp_err_t ferr;
	int c, i, rc = 0;
	long v;

	opts = calloc((size_t)argc, sizeof(*opts));
	pt.tampers = calloc((size_t)argc, sizeof(*pt.tampers));
	if (opts == NULL || pt.tampers == NULL) {
		fprintf(stderr, "sl-kafka-put: out of memory\n");
		return 1;
	}
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			bootstrap = optarg;
			break;
		case 't':
			pt.topic = optarg;
			break;
		case 'n':
			pt.node = optarg;
			break;
		case 'p':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v < 0 || v > INT32_MAX) {
				fprintf(stderr, "sl-kafka-put: --partition: '%s' is not a partition\n", optarg);
				return 2;
			}
			pt.partition = (int32_t)v;
			break;
		case 'o':
			opts[nopts++] = optarg;
			break;
		case 'x':
			errno = 0;
			pt.tampers[pt.ntampers].msg = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end != ':' || end[1] == '\0') {
				fprintf(stderr, "sl-kafka-put: --tamper: '%s' is not N:WHAT\n", optarg);
				return 2;
			}
			pt.tampers[pt.ntampers++].what = end + 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (bootstrap == NULL || pt.topic == NULL || optind >= argc) {
		fprintf(stderr, "sl-kafka-put: --bootstrap, --topic and a DIR or FILE are needed\n");
		usage(stderr);
		return 2;
	}
	for (i = optind; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "sl-kafka-put: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		if (S_ISDIR(st.st_mode) ? add_dir(&ps, argv[i], 0) : add_path(&ps, argv[i]))
			return 1;
	}
	pt.rk = producer(bootstrap, opts, nopts);
	if (pt.rk == NULL)
		return 2;
	for (i = 0; i < (int)ps.n && rc == 0; i++)
		rc = put_segment(&pt, ps.v[i]);
	ferr = rd_kafka_flush(pt.rk, FLUSH_MS);
	if (ferr) {
		fprintf(stderr, "sl-kafka-put: %d messages not acknowledged within %d ms\n",
			rd_kafka_outq_len(pt.rk), FLUSH_MS);
		rc = -1;
	}
	if (failed)
		rc = -1;
	if (rc == 0)
		printf("put: messages=%" PRIu64 " records=%" PRIu64 " bytes=%" PRIu64 "\n",
		       pt.messages, pt.records, pt.bytes);
	rd_kafka_destroy(pt.rk);
	for (i = 0; i < (int)ps.n; i++)
		free(ps.v[i]);
	free(ps.v);
	free(pt.buf);
	free(pt.tampers);
	free(opts);
	return rc ? 1 : 0;
}

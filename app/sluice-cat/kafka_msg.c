/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-cat --kafka: one consumed message, without librdkafka (kafka.c
 * reads them; tests/fuzz/fuzz_kafka_msg.c feeds them too).
 *
 * The message contract (the forwarder writes exactly this; docs/FORMAT.md):
 * one message per stored batch; the value is the batch's zstd frame as
 * written in the segment file; the key is "<node>/<shard>"; the timestamp
 * is the batch's last receive time in ms (max_ns / 1000000, rounded down:
 * --verify checks it where the topic keeps the producer's CreateTime); the
 * headers (ASCII) are the KCAT_HEADERS below.
 *
 * A value is checked as the reader checks a frame on disk: one zstd data
 * frame with a content checksum and a content size (at most SL_SEG_MAX_RAW:
 * the bound of the decompression buffer), decompressing to exactly that
 * size, and sl_batch_check(). With --verify the headers and the key must
 * agree with the batch too.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "cat.h"
#include "sl_segment.h"

/* The headers of a forwarded batch, in the order the forwarder sends them. */
#define KCAT_HEADERS(X) \
	X(FORMAT, "sluice.format") \
	X(NODE, "sluice.node") \
	X(TENANT, "sluice.tenant") \
	X(STREAM, "sluice.stream") \
	X(SHARD, "sluice.shard") \
	X(SEGMENT, "sluice.segment") \
	X(OFFSET, "sluice.offset") \
	X(SEQ, "sluice.seq") \
	X(RECORDS, "sluice.records") \
	X(FIRST_NS, "sluice.first_ns") \
	X(LAST_NS, "sluice.last_ns")

#define KH_ENUM(id, name) KH_##id,
enum kh { KCAT_HEADERS(KH_ENUM) KH_MAX };
#undef KH_ENUM

#define KH_NAME(id, name) name,
static const char *const kh_names[KH_MAX] = { KCAT_HEADERS(KH_NAME) };
#undef KH_NAME

#define KCAT_FORMAT_VERSION "1"
#define SEG_NAME_DIGITS 20     /* a segment's name: its first seq, 20 digits */
#define SHOW_MAX 64            /* bytes of a bad header value quoted */

struct cat_kmsg {
	const struct cat_kafka_params *p;
	FILE *out, *err;
	ZSTD_DCtx *dctx;
	uint8_t *buf;              /* decompressed batch */
	size_t cap;

	/* The message being looked at, for damage(). */
	const struct cat_kafka_msg *m;
	int bad;
};

/* One problem of the current message: reported, and the message is damaged. */
static void __attribute__((format(printf, 2, 3)))
damage(struct cat_kmsg *k, const char *fmt, ...)
{
	char what[640];            /* the longest: two shown values (key) */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	/* One write: librdkafka's threads log on stderr too. */
	fprintf(k->err, "sluice-cat: DAMAGE kafka %s/%" PRId32 "@%" PRId64 ": %s\n",
		k->m->topic, k->m->partition, k->m->offset, what);
	k->bad = 1;
}

/* Printable ASCII as is (but space and backslash), anything else \xNN. */
static void
put_escaped(FILE *f, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		if (b[i] > 0x20 && b[i] < 0x7f && b[i] != '\\')
			fputc(b[i], f);
		else
			fprintf(f, "\\x%02x", b[i]);
	}
}

/* A header value for a message: at most SHOW_MAX bytes, escaped. */
static const char *
show(const char *v, size_t n, char *buf, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < n && i < SHOW_MAX && o + 5 < len; i++) {
		uint8_t c = (uint8_t)v[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
	}
	if (i < n && o + 4 < len)
		o += (size_t)snprintf(buf + o, len - o, "...");
	buf[o] = '\0';
	return buf;
}

/* Decimal digits only, no sign, fits 64 bits. @return 0 or -1. */
static int
dec_u64(const char *v, size_t n, uint64_t *out)
{
	uint64_t x = 0;
	size_t i;

	if (v == NULL || n == 0 || n > 20)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned int d = (unsigned int)(v[i] - '0');

		if (d > 9 || x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*out = x;
	return 0;
}

/*
 * Decompress and check a value into k->buf.
 * @return NULL and *raw_len, or why the value is not one good batch.
 */
static const char *
kmsg_decode(struct cat_kmsg *k, const uint8_t *v, size_t len, size_t *raw_len)
{
	unsigned long long csz;
	uint64_t size = 0;
	size_t r;
	int cks = 0;

	if (v == NULL || len == 0)
		return "empty";
	switch (sl_zframe_extent(v, len, &size, &cks)) {
	case SL_ZF_DATA:
		break;
	case SL_ZF_SKIP:
		return "a skippable frame, not a data frame";
	case SL_ZF_NEED:
		return "a truncated zstd frame";
	case SL_ZF_BAD:
	default:
		return "not a zstd frame (bad magic or block structure)";
	}
	if (size != len)
		return "bytes after its zstd frame";
	if (!cks)
		return "data frame without a content checksum";
	csz = ZSTD_getFrameContentSize(v, len);
	if (csz == ZSTD_CONTENTSIZE_UNKNOWN || csz == ZSTD_CONTENTSIZE_ERROR)
		return "data frame without a content size";
	if (csz < sizeof(struct sl_batch_hdr) || csz > SL_SEG_MAX_RAW)
		return "frame content size out of range";
	if (csz > k->cap) {
		uint8_t *nb = realloc(k->buf, (size_t)csz);

		if (nb == NULL)
			return "no memory for the frame's content";
		k->buf = nb;
		k->cap = (size_t)csz;
	}
	r = ZSTD_decompressDCtx(k->dctx, k->buf, (size_t)csz, v, len);
	if (ZSTD_isError(r))
		return ZSTD_getErrorName(r);
	if (r != csz)
		return "frame decodes to fewer bytes than its content size";
	*raw_len = r;
	return sl_batch_check(k->buf, r);
}

/* --headers: TOPIC PARTITION OFFSET key=KEY name=value... bytes=N */
static void
put_header_line(FILE *f, const struct cat_kafka_msg *m)
{
	size_t i;

	fprintf(f, "%s %" PRId32 " %" PRId64 " key=", m->topic, m->partition, m->offset);
	put_escaped(f, m->key, m->key ? m->key_len : 0);
	for (i = 0; i < m->nhdrs; i++) {
		const struct cat_kafka_hdr *h = &m->hdrs[i];

		fputc(' ', f);
		put_escaped(f, h->name, strlen(h->name));
		fputc('=', f);
		put_escaped(f, h->value, h->value ? h->len : 0);
	}
	fprintf(f, " bytes=%zu\n", m->len);
}

/* A header that must be a decimal. @return 0 with *out, or -1 (reported). */
static int
hdr_num(struct cat_kmsg *k, enum kh id, const char *v, size_t n, uint64_t *out)
{
	char sb[4 * SHOW_MAX + 8];

	if (v == NULL || dec_u64(v, n, out) != 0) {
		damage(k, "header %s is not a decimal number: '%s'", kh_names[id],
		       v ? show(v, n, sb, sizeof(sb)) : "");
		return -1;
	}
	return 0;
}

/* --verify: the headers, key and timestamp against the batch @p b (NULL: bad value). */
static void
kmsg_check_headers(struct cat_kmsg *k, const struct sl_batch_hdr *b)
{
	const struct cat_kafka_msg *m = k->m;
	const char *v[KH_MAX] = { NULL };
	size_t n[KH_MAX] = { 0 };
	int seen[KH_MAX] = { 0 };
	uint64_t num[KH_MAX] = { 0 };
	int ok_num[KH_MAX] = { 0 };
	char sb[4 * SHOW_MAX + 8], sb2[4 * SHOW_MAX + 8], name[SL_SEG_NAME_MAX + 1];
	char key[SHOW_MAX + 8];
	size_t i;
	int id, kl;

	for (i = 0; i < m->nhdrs; i++) {
		const struct cat_kafka_hdr *h = &m->hdrs[i];

		for (id = 0; id < KH_MAX; id++) {
			if (strcmp(h->name, kh_names[id]) != 0)
				continue;
			if (seen[id]++ == 0) {
				v[id] = h->value ? h->value : "";
				n[id] = h->value ? h->len : 0;
			} else if (seen[id] == 2) {
				damage(k, "header %s appears more than once", kh_names[id]);
			}
		}
	}
	for (id = 0; id < KH_MAX; id++)
		if (!seen[id])
			damage(k, "header %s missing", kh_names[id]);

	/* Each header on its own. */
	if (v[KH_FORMAT] && (n[KH_FORMAT] != strlen(KCAT_FORMAT_VERSION) ||
			     memcmp(v[KH_FORMAT], KCAT_FORMAT_VERSION, n[KH_FORMAT]) != 0))
		damage(k, "header sluice.format is '%s', not " KCAT_FORMAT_VERSION,
		       show(v[KH_FORMAT], n[KH_FORMAT], sb, sizeof(sb)));
	if (v[KH_NODE] && n[KH_NODE] == 0)
		damage(k, "header sluice.node is empty");
	for (id = KH_TENANT; id <= KH_STREAM; id++) {
		if (v[id] == NULL)
			continue;
		if (n[id] > SL_SEG_NAME_MAX || memchr(v[id], '\0', n[id])) {
			damage(k, "header %s is not a tenant/stream name: '%s'", kh_names[id],
			       show(v[id], n[id], sb, sizeof(sb)));
			continue;
		}
		memcpy(name, v[id], n[id]);
		name[n[id]] = '\0';
		if (!sl_seg_name_ok(name))
			damage(k, "header %s is not a tenant/stream name: '%s'", kh_names[id],
			       show(v[id], n[id], sb, sizeof(sb)));
	}
	for (id = KH_SHARD; id < KH_MAX; id++)
		if (v[id] && hdr_num(k, (enum kh)id, v[id], n[id], &num[id]) == 0)
			ok_num[id] = 1;
	if (v[KH_SEGMENT] && n[KH_SEGMENT] != SEG_NAME_DIGITS)
		damage(k, "header sluice.segment is not %d digits: '%s'", SEG_NAME_DIGITS,
		       show(v[KH_SEGMENT], n[KH_SEGMENT], sb, sizeof(sb)));
	if (ok_num[KH_OFFSET] && num[KH_OFFSET] < SL_SEG_HDR_FRAME_LEN)
		damage(k, "header sluice.offset=%" PRIu64 " is inside the segment header",
		       num[KH_OFFSET]);
	if (b == NULL)
		return;

	/* Against the batch. */
	if (ok_num[KH_RECORDS] && num[KH_RECORDS] != b->nrec)
		damage(k, "header sluice.records=%" PRIu64 " but the batch has %" PRIu32 " records",
		       num[KH_RECORDS], b->nrec);
	if (ok_num[KH_SEQ] && num[KH_SEQ] != b->first_seq)
		damage(k, "header sluice.seq=%" PRIu64 " but the batch starts at seq %" PRIu64,
		       num[KH_SEQ], b->first_seq);
	if (ok_num[KH_SHARD] && num[KH_SHARD] != b->shard)
		damage(k, "header sluice.shard=%" PRIu64 " but the batch is of shard %u",
		       num[KH_SHARD], b->shard);
	if (ok_num[KH_FIRST_NS] && num[KH_FIRST_NS] != b->min_ns)
		damage(k, "header sluice.first_ns=%" PRIu64 " but the batch's min_ns is %" PRIu64,
		       num[KH_FIRST_NS], b->min_ns);
	if (ok_num[KH_LAST_NS] && num[KH_LAST_NS] != b->max_ns)
		damage(k, "header sluice.last_ns=%" PRIu64 " but the batch's max_ns is %" PRIu64,
		       num[KH_LAST_NS], b->max_ns);
	if (ok_num[KH_SEGMENT] && num[KH_SEGMENT] > b->first_seq)
		damage(k, "header sluice.segment=%" PRIu64 " starts after the batch (seq %" PRIu64 ")",
		       num[KH_SEGMENT], b->first_seq);
	if (v[KH_NODE] && n[KH_NODE] > 0 && n[KH_NODE] <= SHOW_MAX) {
		/* The node's bytes as they are (a NUL must not cut the key
		 * short), and shown escaped like every header. */
		memcpy(key, v[KH_NODE], n[KH_NODE]);
		kl = (int)n[KH_NODE] + snprintf(key + n[KH_NODE], sizeof(key) - n[KH_NODE], "/%u",
						 b->shard);
		if (m->key == NULL || m->key_len != (size_t)kl || memcmp(m->key, key, (size_t)kl) != 0)
			damage(k, "key '%s' is not node/shard '%s/%u'",
			       m->key ? show(m->key, m->key_len, sb, sizeof(sb)) : "",
			       show(v[KH_NODE], n[KH_NODE], sb2, sizeof(sb2)), b->shard);
	}
	if (m->create_time && m->timestamp_ms != (int64_t)(b->max_ns / 1000000u))
		damage(k, "timestamp %" PRId64 " ms is not the batch's last receive time (%" PRIu64 " ms)",
		       m->timestamp_ms, b->max_ns / 1000000u);
}

/* The records of the good batch in k->buf: filtered, printed. @return how many counted. */
static uint64_t
kmsg_records(struct cat_kmsg *k, size_t raw_len)
{
	const struct cat_kafka_params *p = k->p;
	struct sl_batch_hdr b;
	struct sl_reader_rec r;
	size_t pos = sizeof(b);
	uint64_t n = 0;
	uint32_t i;

	memcpy(&b, k->buf, sizeof(b));
	memset(&r, 0, sizeof(r));
	r.shard = b.shard;
	/* sl_batch_check() proved that every record fits. */
	for (i = 0; i < b.nrec && pos < raw_len; i++) {
		const struct sl_rec *rec = (const void *)(k->buf + pos);

		pos += sl_rec_size(rec->len);
		if (rec->rx_ns < p->since_ns || (p->until_ns && rec->rx_ns >= p->until_ns))
			continue;
		n++;
		if (p->count || p->verify || p->headers)
			continue;
		r.rec = rec;
		r.msg = (const uint8_t *)(rec + 1);
		r.seq = b.first_seq + i;
		cat_put_rec(k->out, p->fmt, &r);
	}
	return n;
}

struct cat_kmsg *
cat_kmsg_create(const struct cat_kafka_params *p, FILE *out, FILE *err)
{
	struct cat_kmsg *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return NULL;
	k->p = p;
	k->out = out;
	k->err = err;
	k->dctx = ZSTD_createDCtx();
	if (k->dctx == NULL) {
		free(k);
		return NULL;
	}
	return k;
}

void
cat_kmsg_free(struct cat_kmsg *k)
{
	if (k == NULL)
		return;
	ZSTD_freeDCtx(k->dctx);
	free(k->buf);
	free(k);
}

int
cat_kmsg_process(struct cat_kmsg *k, const struct cat_kafka_msg *m, uint64_t *nrec)
{
	struct sl_batch_hdr b;
	const char *why;
	size_t raw_len = 0;

	*nrec = 0;
	k->m = m;
	k->bad = 0;
	if (k->p->headers)
		put_header_line(k->out, m);
	why = kmsg_decode(k, m->value, m->len, &raw_len);
	if (why) {
		damage(k, "value: %s", why);
		if (k->p->verify)
			kmsg_check_headers(k, NULL);
		k->m = NULL;
		return 1;
	}
	memcpy(&b, k->buf, sizeof(b));
	if (k->p->verify)
		kmsg_check_headers(k, &b);
	*nrec = kmsg_records(k, raw_len);
	k->m = NULL;
	return k->bad;
}

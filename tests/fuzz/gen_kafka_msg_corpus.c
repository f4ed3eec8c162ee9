/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writes the seeds of fuzz_kafka_msg into a directory: the messages the
 * forwarder would send for the data frames of real segments (made with the
 * store: value = the frame's bytes, key "<node>/<shard>", CreateTime = the
 * batch's max_ns in ms, the eleven sluice.* headers), then damaged copies
 * (a flipped, cut or extended value, lying, missing, repeated or malformed
 * headers, a wrong key or timestamp) and a few "@zstd" recipes. The input
 * format is fuzz_kafka_msg.c's. Usage: gen_kafka_msg_corpus DIR
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sl_segment.h"
#include "sl_store.h"

#define NODE "edge-7"
#define TENANT "acme"
#define STREAM "fw-logs"
#define SHARD 3
#define MAX_MSG 8192

static char root[64], out_dir[512];

/* One message being written: its head lines, then the value. */
struct msg {
	char head[4096];
	size_t hlen;
	uint8_t val[MAX_MSG];
	size_t vlen;
};

/* A frame of a segment, as the forwarder sees it. */
struct frame {
	uint64_t seg;              /* the segment's first seq */
	uint64_t off, size;
	struct sl_batch_hdr b;
	uint8_t bytes[MAX_MSG];
};

static struct frame frames[8];
static unsigned int nframes;

static void
die(const char *what)
{
	fprintf(stderr, "gen_kafka_msg_corpus: %s\n", what);
	exit(1);
}

static void __attribute__((format(printf, 2, 3)))
line(struct msg *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(m->head + m->hlen, sizeof(m->head) - m->hlen - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(m->head) - m->hlen - 1)
		die("head too long");
	m->hlen += (size_t)n;
	m->head[m->hlen++] = '\n';
}

static void
save(const char *name, const struct msg *m)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(m->head, 1, m->hlen, f) != m->hlen || fputc('\n', f) == EOF ||
	    fwrite(m->val, 1, m->vlen, f) != m->vlen || fclose(f) != 0)
		die(path);
}

/*
 * The forwarder's message for frame @p f, but for its key and timestamp
 * (tail()): headers in its order, one of them left out (@p skip, a header
 * name, or NULL).
 */
static void
forwarded(struct msg *m, const struct frame *f, const char *skip)
{
	const struct sl_batch_hdr *b = &f->b;

	memset(m, 0, sizeof(*m));
#define H(name, fmt, ...) \
	do { \
		if (skip == NULL || strcmp(skip, name) != 0) \
			line(m, name "=" fmt, __VA_ARGS__); \
	} while (0)
	H("sluice.format", "%s", "1");
	H("sluice.node", "%s", NODE);
	H("sluice.tenant", "%s", TENANT);
	H("sluice.stream", "%s", STREAM);
	H("sluice.shard", "%u", b->shard);
	H("sluice.segment", "%020" PRIu64, f->seg);
	H("sluice.offset", "%" PRIu64, f->off);
	H("sluice.seq", "%" PRIu64, b->first_seq);
	H("sluice.records", "%" PRIu32, b->nrec);
	H("sluice.first_ns", "%" PRIu64, b->min_ns);
	H("sluice.last_ns", "%" PRIu64, b->max_ns);
#undef H
	memcpy(m->val, f->bytes, f->size);
	m->vlen = f->size;
}

/* The forwarder's key and CreateTime for frame @p f. */
static void
tail(struct msg *m, const struct frame *f)
{
	line(m, "@key %s/%u", NODE, f->b.shard);
	line(m, "@ts %" PRIu64, f->b.max_ns / 1000000u);
}

/* The message as forwarded, whole. */
static void
whole(struct msg *m, const struct frame *f)
{
	forwarded(m, f, NULL);
	tail(m, f);
}

/* Append records i0..i0+n-1 (varied: see below), then flush: one frame. */
static void
batch(struct sl_store *s, unsigned int i0, unsigned int n, uint64_t t0)
{
	static const uint8_t odd[] = "bin\x00\x01\x1b[31m\xff\xfe\\\"\n\r\tend\xe2\x82\xac";
	unsigned char buf[4096];
	uint32_t len = 0, i;
	uint64_t mx = t0;

	for (i = i0; i < i0 + n; i++) {
		struct sl_rec r;
		int m;

		memset(&r, 0, sizeof(r));
		r.rx_ns = t0 + (i - i0) * 1000;
		mx = r.rx_ns;
		r.severity = 5;
		r.facility = 1;
		r.src[10] = r.src[11] = r.dst[10] = r.dst[11] = 0xff;
		r.src[12] = 10;
		r.src[15] = (uint8_t)(2 + i);
		r.dst[12] = 10;
		r.dst[15] = 1;
		r.sport = (uint16_t)(40000 + i);
		r.dport = 514;
		r.transport = SL_TRANSPORT_UDP;
		switch (i % 4) {
		case 1:    /* IPv6 over TCP, tagged, a rule, every flag */
			memset(r.src, 0, 16);
			r.src[0] = 0x20;
			r.src[1] = 0x01;
			r.src[2] = 0x0d;
			r.src[3] = 0xb8;
			r.src[15] = 7;
			memcpy(r.dst, r.src, 16);
			r.dst[15] = 1;
			r.transport = SL_TRANSPORT_TCP;
			r.flags = SL_REC_F_IPV6 | SL_REC_F_TRUNCATED | SL_REC_F_PARSE_ERR |
				  SL_REC_F_FRAMING_ERR | SL_REC_F_REASSEMBLED | SL_REC_F_VLAN;
			r.rule = 2;
			r.tags = 5;
			r.tenant = 1;
			r.stream = 2;
			break;
		case 2:    /* not parsed: no severity or facility */
			r.severity = SL_SEV_NONE;
			r.facility = SL_FAC_NONE;
			r.transport = 132;
			break;
		default:
			break;
		}
		if (i % 4 == 3) {
			/* Control bytes, a backslash, a quote, bad and good UTF-8. */
			m = (int)sizeof(odd) - 1;
			memcpy(buf + len + sizeof(r), odd, (size_t)m);
		} else if (i % 8 == 2) {
			m = 0;     /* an empty message */
		} else {
			m = snprintf((char *)buf + len + sizeof(r), 80,
				     "<13>Nov 23 05:00:%02u host app[%u]: message %u", i % 60, i, i);
		}
		r.len = (uint32_t)m;
		r.orig_len = r.flags & SL_REC_F_TRUNCATED ? (uint32_t)m + 100 : (uint32_t)m;
		memcpy(buf + len, &r, sizeof(r));
		len += sizeof(r) + (uint32_t)m;
	}
	if (sl_store_append(s, buf, len, n, t0, mx) != 0 || sl_store_flush(s) != 0)
		die("append");
}

/* The data frames of segment @p seg of the store, into frames[]. */
static void
read_frames(uint64_t seg)
{
	struct sl_seg_scan sc;
	struct sl_scan_frame f;
	char path[256];
	struct stat st;
	uint64_t off = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/" TENANT "/" STREAM "/shard-%02u/%020" PRIu64 ".zst",
		 root, SHARD, seg);
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) != 0 || sl_seg_scan_init(&sc, fd, (uint64_t)st.st_size))
		die(path);
	for (;;) {
		enum sl_scan_res r = sl_seg_scan_frame(&sc, off, (uint64_t)st.st_size, &f);
		struct frame *fr;

		if (r == SL_SCAN_END)
			break;
		if (r != SL_SCAN_DATA && r != SL_SCAN_SKIP)
			die("scan");
		if (r == SL_SCAN_DATA) {
			if (nframes == sizeof(frames) / sizeof(frames[0]) || f.size > MAX_MSG)
				die("too many or too large frames");
			fr = &frames[nframes++];
			fr->seg = seg;
			fr->off = f.off;
			fr->size = f.size;
			fr->b = f.b;
			if (sl_seg_pread(fd, fr->bytes, f.size, f.off) != 0)
				die("pread");
		}
		off += f.size;
	}
	sl_seg_scan_fini(&sc);
	close(fd);
}

/* "@zstd ..." recipe: batch content of @p nrec records of @p mlen bytes. */
static void
recipe(const char *name, const char *how, uint32_t nrec, uint32_t mlen, int lie)
{
	struct sl_batch_hdr b;
	struct msg m;
	uint32_t i;

	memset(&m, 0, sizeof(m));
	memset(&b, 0, sizeof(b));
	b.first_seq = 1000;
	b.shard = 1;
	b.nrec = nrec;
	b.min_ns = 1700000000000000000ull;
	b.max_ns = b.min_ns + (nrec ? nrec - 1 : 0);
	line(&m, "sluice.format=1");
	line(&m, "sluice.node=n1");
	line(&m, "sluice.tenant=default");
	line(&m, "sluice.stream=default");
	line(&m, "sluice.shard=1");
	line(&m, "sluice.segment=%020u", 990);
	line(&m, "sluice.offset=168");
	line(&m, "sluice.seq=1000");
	line(&m, "sluice.records=%u", nrec + (unsigned int)lie);
	line(&m, "sluice.first_ns=%" PRIu64, b.min_ns);
	line(&m, "sluice.last_ns=%" PRIu64, b.max_ns);
	line(&m, "@key n1/1");
	line(&m, "@ts %" PRIu64, b.max_ns / 1000000u);
	line(&m, "@zstd %s", how);
	m.vlen = sizeof(b);
	for (i = 0; i < nrec; i++) {
		struct sl_rec r;

		memset(&r, 0, sizeof(r));
		r.len = r.orig_len = mlen;
		r.rx_ns = b.min_ns + i;
		r.transport = SL_TRANSPORT_UDP;
		r.src[10] = r.src[11] = 0xff;
		memcpy(m.val + m.vlen, &r, sizeof(r));
		memset(m.val + m.vlen + sizeof(r), 'a' + (int)i, mlen);
		m.vlen += sizeof(r) + mlen;
	}
	b.magic = SL_BATCH_MAGIC;
	b.version = SL_FORMAT_VERSION;
	b.hdr_len = sizeof(b);
	b.raw_len = (uint32_t)m.vlen;
	memcpy(m.val, &b, sizeof(b));
	save(name, &m);
}

int
main(int argc, char **argv)
{
	struct sl_store_params p = {
		.tenant = TENANT, .stream = STREAM, .shard = SHARD,
		.zstd_level = 1, .batch_size = 1 << 16, .segment_size = 1 << 30,
		.fsync = SL_FSYNC_NONE,
	};
	struct sl_store *s;
	struct msg m;
	char cmd[128];
	size_t i;

	if (argc != 2)
		die("usage: gen_kafka_msg_corpus DIR");
	snprintf(out_dir, sizeof(out_dir), "%s", argv[1]);
	strcpy(root, "/tmp/sl-gen-kmsg-XXXXXX");
	if (mkdtemp(root) == NULL)
		die("mkdtemp");
	p.root = root;

	/* Segment 0: frames of 1, 4 and 8 records; sealed. Segment 13: 3. */
	s = sl_store_create(&p);
	if (s == NULL)
		die("sl_store_create");
	batch(s, 0, 1, 1763874000000000000ull);
	batch(s, 1, 4, 1763874001000000000ull);
	batch(s, 5, 8, 1763874002000000000ull);
	if (sl_store_seal(s) != 0)
		die("seal");
	batch(s, 13, 3, 1763874003000000000ull);
	sl_store_free(s);
	read_frames(0);
	read_frames(13);
	if (nframes != 4)
		die("expected 4 frames");

	/* As forwarded. */
	whole(&m, &frames[0]);
	save("fwd-1rec", &m);
	whole(&m, &frames[1]);
	save("fwd-4rec", &m);
	whole(&m, &frames[2]);
	save("fwd-8rec", &m);
	whole(&m, &frames[3]);
	save("fwd-seg13-3rec", &m);
	/* A broker that keeps LogAppendTime, a time window, no headers at all. */
	forwarded(&m, &frames[2], NULL);
	line(&m, "@key %s/%u", NODE, SHARD);
	line(&m, "@logts 1763874999999");
	save("fwd-logappendtime", &m);
	whole(&m, &frames[2]);
	line(&m, "@since %" PRIu64, frames[2].b.min_ns + 2000);
	line(&m, "@until %" PRIu64, frames[2].b.min_ns + 6000);
	save("fwd-since-until", &m);
	memset(&m, 0, sizeof(m));
	memcpy(m.val, frames[1].bytes, frames[1].size);
	m.vlen = frames[1].size;
	save("value-only", &m);

	/* Damaged values. */
	whole(&m, &frames[1]);
	m.val[m.vlen / 2] ^= 0x10;
	save("bad-value-flipped", &m);
	whole(&m, &frames[1]);
	m.vlen -= 9;
	save("bad-value-cut", &m);
	whole(&m, &frames[1]);
	memcpy(m.val + m.vlen, "\x28\xb5\x2f\xfd", 4);
	m.vlen += 4;
	save("bad-value-trailing", &m);
	whole(&m, &frames[1]);
	m.vlen = 0;
	save("bad-value-empty", &m);
	whole(&m, &frames[1]);
	memcpy(m.val, "\x50\x2a\x4d\x18\x04\x00\x00\x00" "abcd", 12);
	m.vlen = 12;
	save("bad-value-skippable", &m);

	/* Headers, key and timestamp that disagree (--verify). */
	forwarded(&m, &frames[1], "sluice.records");
	line(&m, "sluice.records=5");
	line(&m, "sluice.seq=2");
	tail(&m, &frames[1]);
	save("bad-hdr-records-dup-seq", &m);
	forwarded(&m, &frames[1], "sluice.offset");
	tail(&m, &frames[1]);
	save("bad-hdr-missing-offset", &m);
	memset(&m, 0, sizeof(m));
	line(&m, "sluice.format=2");
	line(&m, "sluice.node=");
	line(&m, "sluice.tenant=..");
	line(&m, "sluice.stream=a/b");
	line(&m, "sluice.shard=-3");
	line(&m, "sluice.segment=123");
	line(&m, "sluice.offset=12");
	line(&m, "sluice.seq=99999999999999999999");
	line(&m, "sluice.records=0x10");
	line(&m, "sluice.first_ns");
	line(&m, "sluice.last_ns= 5");
	line(&m, "other.header=x");
	memcpy(m.val, frames[0].bytes, frames[0].size);
	m.vlen = frames[0].size;
	save("bad-hdr-malformed", &m);
	forwarded(&m, &frames[2], "sluice.node");
	line(&m, "sluice.node=edge\x1b[2J\r-7");
	tail(&m, &frames[2]);
	save("bad-key-node-control", &m);
	/* A NUL in the node: the key "edge-7/3" is not "edge-7\0x/3". */
	forwarded(&m, &frames[2], "sluice.node");
	memcpy(m.head + m.hlen, "sluice.node=" NODE "\0x\n", sizeof("sluice.node=" NODE "\0x\n") - 1);
	m.hlen += sizeof("sluice.node=" NODE "\0x\n") - 1;
	tail(&m, &frames[2]);
	save("bad-key-node-nul", &m);
	forwarded(&m, &frames[2], NULL);
	line(&m, "@key %s/%u", NODE, SHARD + 1);
	line(&m, "@ts %" PRIu64, frames[2].b.max_ns / 1000000u + 1);
	save("bad-key-ts", &m);

	/* Recipes: a consistent batch, a lying one fixed up, options. */
	recipe("recipe-3rec", "", 3, 12, 0);
	recipe("recipe-3rec-fix-lie", "fix", 3, 40, 1);
	recipe("recipe-2rec-nocks", "nocks", 2, 5, 0);
	recipe("recipe-2rec-nosize", "nosize fix", 2, 5, 0);
	recipe("recipe-empty-batch", "fix", 0, 0, 0);

	for (i = 0; i < nframes; i++)
		fprintf(stderr, "frame %zu: segment %" PRIu64 " offset %" PRIu64 " size %" PRIu64
			" records %u\n", i, frames[i].seg, frames[i].off, frames[i].size,
			frames[i].b.nrec);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : 1;
}

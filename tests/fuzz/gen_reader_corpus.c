/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writes the seeds of fuzz_reader into a directory: small real segments made
 * with the store (sealed and open, 1-3 frames of a few records), truncated
 * copies, and a few "SLFZ" recipes. Usage: gen_reader_corpus DIR
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sl_store.h"

static char root[64], out_dir[512];

static void
die(const char *what)
{
	fprintf(stderr, "gen_reader_corpus: %s\n", what);
	exit(1);
}

static void
save(const char *name, const void *p, size_t n)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0)
		die(path);
}

/* Copy segment @p seq of @p shard: all (len 0), len bytes, or all but -len. */
static void
save_seg(const char *name, unsigned int shard, unsigned int seq, long len)
{
	static unsigned char buf[1 << 16];
	char path[256];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/default/default/shard-%02u/%020u.zst",
		 root, shard, seq);
	f = fopen(path, "rb");
	if (f == NULL)
		die(path);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (len > 0 && (size_t)len < n)
		n = (size_t)len;
	else if (len < 0 && (size_t)-len < n)
		n -= (size_t)-len;
	save(name, buf, n);
}

/*
 * A recipe (see fuzz_reader.c): header of shard 2 from seq 5, two batches
 * of one record each (fixed up by the target), a padding frame, index and
 * trailer. @p pad: first a 256 KiB padding frame, so that the batches cross
 * the scanner's read-ahead.
 */
static void
save_recipe(const char *name, int pad)
{
	unsigned char b[1024], *q = b;
	struct sl_rec r;
	int i;

	memcpy(q, "SLFZ\x21\x05", 6);
	q += 6;
	if (pad) {
		memcpy(q, "\xf6\xff\x03", 3);   /* 0x3ff * 256 zero bytes */
		q += 3;
		memcpy(q, "\x02\xc8\x00", 3);   /* and 200 more */
		q += 3;
		memset(q, 0, 200);
		q += 200;
	}
	for (i = 0; i < 2; i++) {
		*q++ = 0x05 | (unsigned char)(i << 4);
		*q++ = 64 + sizeof(r) + 5;
		*q++ = 0;
		memset(q, 0, 64);
		q += 64;
		memset(&r, 0, sizeof(r));
		r.len = r.orig_len = 5;
		r.rx_ns = 1000 + (uint64_t)i;
		r.transport = 17;
		memcpy(q, &r, sizeof(r));
		q += sizeof(r);
		memcpy(q, "hello", 5);
		q += 5;
	}
	memcpy(q, "\xf2\x08\x00\0\0\0\0\0\0\0\0", 11);
	q += 11;
	memcpy(q, "\x03\x00\x00", 3);
	q += 3;
	save(name, b, (size_t)(q - b));
}

/* Append @p nrec records with rx_ns from @p t0, then flush: one frame. */
static void
frame(struct sl_store *s, unsigned int nrec, uint64_t t0)
{
	unsigned char buf[4096];
	uint32_t len = 0, i;

	for (i = 0; i < nrec; i++) {
		struct sl_rec r;
		int m = snprintf((char *)buf + len + sizeof(r), 64,
				 "<13>Nov 23 05:00:%02u host app: message %u", i, i);

		memset(&r, 0, sizeof(r));
		r.len = r.orig_len = (uint32_t)m;
		r.rx_ns = t0 + i * 1000;
		r.src[10] = r.src[11] = 0xff;
		r.src[12] = 10;
		r.src[15] = 2;
		r.sport = 40000;
		r.dport = 514;
		r.severity = 5;
		r.facility = 1;
		r.transport = 17;
		memcpy(buf + len, &r, sizeof(r));
		len += sizeof(r) + (uint32_t)m;
	}
	if (sl_store_append(s, buf, len, nrec, t0, t0 + (nrec - 1) * 1000) != 0 ||
	    sl_store_flush(s) != 0)
		die("append");
}

int
main(int argc, char **argv)
{
	struct sl_store_params p = {
		.tenant = "default", .stream = "default", .shard = 3,
		.zstd_level = 1, .batch_size = 1 << 16, .segment_size = 1 << 30,
		.fsync = SL_FSYNC_NONE,
	};
	struct sl_store *s;
	unsigned int nf, first = 0, prev = 0;
	char cmd[128];

	if (argc != 2)
		die("usage: gen_reader_corpus DIR");
	snprintf(out_dir, sizeof(out_dir), "%s", argv[1]);
	strcpy(root, "/tmp/sl-gen-reader-XXXXXX");
	if (mkdtemp(root) == NULL)
		die("mkdtemp");
	p.root = root;

	/* Shard 3: segments of 1-3 frames (2, 3, 4 records), open then sealed. */
	s = sl_store_create(&p);
	if (s == NULL)
		die("sl_store_create");
	for (nf = 1; nf <= 3; nf++) {
		char name[32];
		unsigned int i;

		for (i = 0; i < nf; i++) {
			frame(s, 2 + i, 1700000000000000000ull + nf * 1000000 + i * 10000);
			first += 2 + i;
		}
		snprintf(name, sizeof(name), "open-%uframe", nf);
		save_seg(name, 3, prev, 0);
		if (nf == 3) {
			save_seg("open-3frame-torn", 3, prev, -30);
			save_seg("header-only", 3, prev, 168);
		}
		if (sl_store_seal(s) != 0)
			die("seal");
		snprintf(name, sizeof(name), "sealed-%uframe", nf);
		save_seg(name, 3, prev, 0);
		prev = first;
	}
	sl_store_free(s);
	save_seg("sealed-3frame-no-trailer", 3, 7, -88);
	save_seg("sealed-1frame-cut-trailer", 3, 0, -40);
	save_recipe("recipe-2frame-sealed", 0);
	save_recipe("recipe-2frame-sealed-padded", 1);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : 1;
}

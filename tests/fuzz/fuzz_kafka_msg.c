/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for what sluice-cat --kafka does with one consumed
 * message (cat_kmsg_process(), app/sluice-cat/kafka_msg.c) and the record
 * printers it calls (cat_put_rec(), main.c): whatever a hostile or corrupt
 * message holds (value, key, headers, timestamp), it is reported, never a
 * crash, a read past what was received, a leak or undefined behaviour.
 *
 * Input: a head of lines, an empty line, then the value (all the rest; no
 * empty line: an empty value). Head lines:
 *   NAME=VALUE    a header (VALUE: the rest of the line, maybe empty)
 *   NAME          a header without a value
 *   @key KEY      the key (without it: no key)
 *   @ts MS        the timestamp, a CreateTime (--verify checks it)
 *   @logts MS     the timestamp, a LogAppendTime (not checked)
 *   @since NS, @until NS   --since, --until
 *   @zstd [fix] [nocks] [nosize]   the value is batch content, compressed
 *                 here into one frame, with a content checksum and size
 *                 unless nocks / nosize; fix: first made a consistent batch
 *                 (fuzz_reader's recipes do the same): the checksum would
 *                 stop a mutator at the value otherwise
 * Each header value, the key and the value are copies of exactly their
 * length, so ASan sees a read past any of them; so is the decoder's batch
 * buffer: one decoder per input (a decoder kept from input to input, as
 * sluice-cat keeps one, would hide a read past the batch in a larger
 * buffer).
 *
 * Each message goes through six option sets: --format raw, text, json,
 * --count, --headers --verify, --verify. Checked (abort on violation):
 * - every run counts the same records; the four without --verify agree
 *   on damage and write exactly one DAMAGE line when they find some (the
 *   value), none otherwise; --verify finds damage at least where they do,
 *   with or without --headers the same lines; a damaged value counts none;
 * - a run returns 1 exactly when it writes DAMAGE lines, and all it writes
 *   on err are whole lines "sluice-cat: DAMAGE kafka fuzz/7@...: ..." of
 *   printable ASCII: message bytes can neither forge nor split a line, nor
 *   reach a terminal as control bytes;
 * - out: text prints one line of printable ASCII per record counted, json
 *   one line without control bytes, raw at least one line per record;
 *   --count and --verify print nothing; --headers one line of printable
 *   ASCII.
 * SL_FUZZ_VERBOSE=1 copies what goes to err to stderr (seed check).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "cat.h"
#include "fuzz_batch.h"
#include "fuzz_util.h"
#include "sl_record.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_HDRS 64
#define MAX_RAW (1u << 20)
#define TOPIC "fuzz"
#define PARTITION 7
#define DAMAGE_PREFIX "sluice-cat: DAMAGE kafka " TOPIC "/7@"

/* What a sink lets through on a line (before its '\n'). */
enum sink_mode {
	SINK_ANY,        /* any byte */
	SINK_NO_CTL,     /* no byte < 0x20 */
	SINK_PRINTABLE,  /* 0x20-0x7e only */
};

/* A FILE that keeps no bytes: it counts lines and checks them. */
struct sink {
	FILE *f;
	enum sink_mode mode;
	const char *prefix;    /* every line starts with it (NULL: no rule) */
	uint64_t bytes, lines, bad;
	size_t col;            /* bytes of the current line so far */
	int echo;              /* copy to stderr */
};

static struct sink out_sink, err_sink;
static struct cat_kafka_params kp;
static ZSTD_CCtx *cctx;
static uint8_t raw[MAX_RAW];
static uint8_t zbuf[ZSTD_COMPRESSBOUND(MAX_RAW)];

static ssize_t
sink_write(void *cookie, const char *buf, size_t n)
{
	struct sink *s = cookie;
	size_t plen = s->prefix ? strlen(s->prefix) : 0, i;

	if (s->echo)
		fwrite(buf, 1, n, stderr);
	for (i = 0; i < n; i++) {
		uint8_t c = (uint8_t)buf[i];

		if (c == '\n') {
			if (s->col < plen)
				s->bad++;
			s->lines++;
			s->col = 0;
			continue;
		}
		if (s->col < plen && c != (uint8_t)s->prefix[s->col])
			s->bad++;
		if ((s->mode == SINK_NO_CTL && c < 0x20) ||
		    (s->mode == SINK_PRINTABLE && (c < 0x20 || c > 0x7e)))
			s->bad++;
		s->col++;
	}
	s->bytes += n;
	return (ssize_t)n;
}

static void
sink_open(struct sink *s)
{
	static const cookie_io_functions_t io = { .write = sink_write };

	s->f = fopencookie(s, "w", io);
	if (s->f == NULL || setvbuf(s->f, NULL, _IOFBF, 1u << 16) != 0)
		abort();
}

static void
sink_reset(struct sink *s, enum sink_mode mode)
{
	s->mode = mode;
	s->bytes = s->lines = s->bad = 0;
	s->col = 0;
}

/* Everything written is whole, well-formed lines. */
static void
sink_check(struct sink *s)
{
	if (fflush(s->f) != 0 || s->bad || s->col != 0)
		abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sink_open(&out_sink);
	sink_open(&err_sink);
	err_sink.prefix = DAMAGE_PREFIX;
	err_sink.echo = getenv("SL_FUZZ_VERBOSE") != NULL;
	cctx = ZSTD_createCCtx();
	if (cctx == NULL)
		abort();
	return 0;
}

/* ---- the message ------------------------------------------------------ */

struct input {
	struct cat_kafka_hdr hdrs[MAX_HDRS];
	struct cat_kafka_msg m;
	int zstd, fix, nocks, nosize;
};

/* A copy of exactly @p n bytes (malloc(0) too: ASan gives 0 usable bytes). */
static void *
dup_exact(const void *p, size_t n)
{
	void *c = malloc(n);

	if (c == NULL)
		abort();
	if (n)
		memcpy(c, p, n);
	return c;
}

static int
starts(const uint8_t *l, size_t n, const char *word)
{
	size_t wl = strlen(word);

	return n >= wl && memcmp(l, word, wl) == 0;
}

/* The decimal after the directive's first space (strtoull's rules). */
static uint64_t
number(const uint8_t *l, size_t n)
{
	const uint8_t *sp = memchr(l, ' ', n);
	char buf[32];
	size_t k;

	if (sp == NULL)
		return 0;
	k = n - (size_t)(sp + 1 - l);
	if (k >= sizeof(buf))
		k = sizeof(buf) - 1;
	memcpy(buf, sp + 1, k);
	buf[k] = '\0';
	return strtoull(buf, NULL, 10);
}

static void
directive(struct input *in, const uint8_t *l, size_t n)
{
	struct cat_kafka_msg *m = &in->m;

	if (starts(l, n, "@key")) {
		size_t skip = n > 4 && l[4] == ' ' ? 5 : 4;   /* "@key KEY" */

		free((void *)m->key);
		m->key_len = n - skip;
		m->key = dup_exact(l + skip, m->key_len);
	} else if (starts(l, n, "@ts ")) {
		m->timestamp_ms = (int64_t)number(l, n);
		m->create_time = 1;
	} else if (starts(l, n, "@logts ")) {
		m->timestamp_ms = (int64_t)number(l, n);
		m->create_time = 0;
	} else if (starts(l, n, "@since ")) {
		kp.since_ns = number(l, n);
	} else if (starts(l, n, "@until ")) {
		kp.until_ns = number(l, n);
	} else if (starts(l, n, "@zstd")) {
		in->zstd = 1;
		in->fix = memmem(l, n, "fix", 3) != NULL;
		in->nocks = memmem(l, n, "nocks", 5) != NULL;
		in->nosize = memmem(l, n, "nosize", 6) != NULL;
	}
}

static void
header(struct input *in, const uint8_t *l, size_t n)
{
	struct cat_kafka_hdr *h;
	const uint8_t *eq = memchr(l, '=', n);
	size_t nl = eq ? (size_t)(eq - l) : n;
	char *name;

	if (in->m.nhdrs == MAX_HDRS)
		return;
	h = &in->hdrs[in->m.nhdrs++];
	name = malloc(nl + 1);
	if (name == NULL)
		abort();
	memcpy(name, l, nl);
	name[nl] = '\0';
	h->name = name;
	h->value = eq ? dup_exact(eq + 1, n - nl - 1) : NULL;
	h->len = eq ? n - nl - 1 : 0;
}


/* The value: as given, or (@zstd) its content compressed here. */
static void
value(struct input *in, const uint8_t *v, size_t n)
{
	size_t z;

	if (!in->zstd) {
		in->m.value = n ? dup_exact(v, n) : NULL;
		in->m.len = n;
		return;
	}
	if (n > MAX_RAW)
		n = MAX_RAW;
	memcpy(raw, v, n);
	if (in->fix)
		n = fuzz_fix_batch(raw, n);
	ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 1);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, !in->nocks);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, !in->nosize);
	z = ZSTD_compress2(cctx, zbuf, sizeof(zbuf), raw, n);
	if (ZSTD_isError(z))
		abort();
	in->m.value = dup_exact(zbuf, z);
	in->m.len = z;
}

static void
parse_input(struct input *in, const uint8_t *d, size_t size)
{
	size_t pos = 0;

	while (pos < size) {
		const uint8_t *l = d + pos, *nl = memchr(l, '\n', size - pos);
		size_t n = nl ? (size_t)(nl - l) : size - pos;

		pos += n + (nl != NULL);
		if (n == 0) {
			value(in, d + pos, size - pos);
			return;
		}
		if (l[0] == '@')
			directive(in, l, n);
		else
			header(in, l, n);
	}
}

static void
free_input(struct input *in)
{
	size_t i;

	for (i = 0; i < in->m.nhdrs; i++) {
		free((void *)in->hdrs[i].name);
		free((void *)in->hdrs[i].value);
	}
	free((void *)in->m.key);
	free((void *)in->m.value);
}

/* ---- the runs --------------------------------------------------------- */

struct result {
	int rc;
	uint64_t nrec, err_lines, out_lines, out_bytes;
};

/* One pass of @p km over @p m; kp is read at each call. */
static struct result
run(struct cat_kmsg *km, const struct cat_kafka_msg *m, enum cat_fmt fmt, int count,
    int headers, int verify, enum sink_mode mode)
{
	struct result r;

	kp.fmt = fmt;
	kp.count = count;
	kp.headers = headers;
	kp.verify = verify;
	sink_reset(&out_sink, mode);
	sink_reset(&err_sink, SINK_PRINTABLE);
	r.rc = cat_kmsg_process(km, m, &r.nrec);
	sink_check(&out_sink);
	sink_check(&err_sink);
	if ((r.rc != 0 && r.rc != 1) || r.rc != (err_sink.lines > 0))
		abort();
	r.err_lines = err_sink.lines;
	r.out_lines = out_sink.lines;
	r.out_bytes = out_sink.bytes;
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result raw_r, text, json, cnt, hv, ver;
	struct cat_kmsg *km;
	struct input in;

	memset(&in, 0, sizeof(in));
	in.m.topic = TOPIC;
	in.m.partition = PARTITION;
	in.m.offset = (int64_t)size;
	in.m.hdrs = in.hdrs;
	kp.since_ns = kp.until_ns = 0;
	parse_input(&in, data, size);
	km = cat_kmsg_create(&kp, out_sink.f, err_sink.f);
	if (km == NULL)
		abort();

	raw_r = run(km, &in.m, CAT_FMT_RAW, 0, 0, 0, SINK_ANY);
	text = run(km, &in.m, CAT_FMT_TEXT, 0, 0, 0, SINK_PRINTABLE);
	json = run(km, &in.m, CAT_FMT_JSON, 0, 0, 0, SINK_NO_CTL);
	cnt = run(km, &in.m, CAT_FMT_RAW, 1, 0, 0, SINK_ANY);
	hv = run(km, &in.m, CAT_FMT_RAW, 0, 1, 1, SINK_PRINTABLE);
	ver = run(km, &in.m, CAT_FMT_RAW, 0, 0, 1, SINK_ANY);
	cat_kmsg_free(km);

	/* The same records and the same damage whatever is printed. */
	if (text.nrec != raw_r.nrec || json.nrec != raw_r.nrec || cnt.nrec != raw_r.nrec ||
	    hv.nrec != raw_r.nrec || ver.nrec != raw_r.nrec)
		abort();
	if (text.rc != raw_r.rc || json.rc != raw_r.rc || cnt.rc != raw_r.rc ||
	    hv.rc != ver.rc || hv.err_lines != ver.err_lines || raw_r.rc > ver.rc)
		abort();
	if (raw_r.err_lines != (uint64_t)raw_r.rc || (raw_r.rc && raw_r.nrec))
		abort();
	/* What each printed. */
	if (text.out_lines != text.nrec || json.out_lines != json.nrec ||
	    raw_r.out_lines < raw_r.nrec || cnt.out_bytes != 0 || hv.out_lines != 1 ||
	    ver.out_bytes != 0)
		abort();
	free_input(&in);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Message framing: RFC 3164 and RFC 5424 headers around a body (or none,
 * for raw lines), the size each message aims for, and corpus lines.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_msg.h"

/* Sizes of the "large" messages that --frag-pct asks for. */
#define LARGE_MIN 2048
#define LARGE_MAX 61440
/* The tail of the realistic distribution: this share of messages lands
 * between 3x the average and the largest single-packet size. */
#define TAIL_PCT 2.0
#define LN_SIGMA 0.45
#define MIN_MSG 24
#define SL_DIM_EST 32

struct gen_msgs {
	struct gen_msg_params p;
	struct gen_rand r;
	uint32_t content_total;
	double mix_total;
	double ln_mu;            /* log-normal body: log of the median */
	double tail_pct;
	/* corpus: all lines in one buffer */
	char *corpus;
	uint32_t *line_off;
	uint32_t *line_len;
	uint64_t nlines;
	uint64_t next_line;
	uint32_t est[32];         /* average body length per content kind */
};

static int
corpus_load(struct gen_msgs *g, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	long sz;
	size_t got, i, start, cap = 1024;
	uint64_t skipped = 0;

	if (f == NULL) {
		snprintf(err, errlen, "--corpus %s: %s", path, strerror(errno));
		return -errno;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		snprintf(err, errlen, "--corpus %s: cannot size it", path);
		fclose(f);
		return -EINVAL;
	}
	g->corpus = malloc((size_t)sz + 1);
	g->line_off = malloc(cap * sizeof(*g->line_off));
	g->line_len = malloc(cap * sizeof(*g->line_len));
	if (!g->corpus || !g->line_off || !g->line_len) {
		fclose(f);
		snprintf(err, errlen, "--corpus %s: out of memory", path);
		return -ENOMEM;
	}
	got = fread(g->corpus, 1, (size_t)sz, f);
	fclose(f);
	if (sz > UINT32_MAX) {
		snprintf(err, errlen, "--corpus %s: larger than 4 GiB", path);
		return -EFBIG;
	}
	g->corpus[got] = '\n';
	for (start = 0, i = 0; i <= got; i++) {
		size_t len;

		if (g->corpus[i] != '\n')
			continue;
		len = i - start;
		if (len && g->corpus[start + len - 1] == '\r')
			len--;
		/* messages hold no CR or NUL inside; empty lines carry nothing */
		if (len == 0 || memchr(g->corpus + start, '\r', len) ||
		    memchr(g->corpus + start, '\0', len)) {
			skipped += len != 0;
			start = i + 1;
			continue;
		}
		if (len > GEN_MAX_MSG)
			len = GEN_MAX_MSG;
		if (g->nlines == cap) {
			cap *= 2;
			g->line_off = realloc(g->line_off, cap * sizeof(*g->line_off));
			g->line_len = realloc(g->line_len, cap * sizeof(*g->line_len));
			if (!g->line_off || !g->line_len) {
				snprintf(err, errlen, "--corpus %s: out of memory", path);
				return -ENOMEM;
			}
		}
		g->line_off[g->nlines] = (uint32_t)start;
		g->line_len[g->nlines] = (uint32_t)len;
		g->nlines++;
		start = i + 1;
	}
	if (skipped)
		fprintf(stderr, "sluice-gen: --corpus %s: skipped %llu lines holding CR or NUL\n",
			path, (unsigned long long)skipped);
	if (g->nlines == 0) {
		snprintf(err, errlen, "--corpus %s: no usable lines", path);
		return -EINVAL;
	}
	return 0;
}

struct gen_msgs *
gen_msgs_create(const struct gen_msg_params *p, uint64_t seed, char *err, size_t errlen)
{
	struct gen_msgs *g = calloc(1, sizeof(*g));
	unsigned int i;

	if (g == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	g->p = *p;
	gen_rand_seed(&g->r, seed ^ 0x6d7367ull);
	for (i = 0; i < gen_ncontents; i++)
		g->content_total += gen_contents[i].weight;
	g->mix_total = p->mix[0] + p->mix[1] + p->mix[2];
	if (p->size_kind == GEN_SIZE_REAL) {
		/* Solve for the body's median so the mean comes out at the
		 * average: mean = (1-t) exp(mu + s^2/2) + t * tail mean. */
		double avg = p->size_a, cap = 1400, lo = 3.0 * avg, body;

		g->tail_pct = avg >= 80 && lo < cap ? TAIL_PCT : 0;
		body = (avg - g->tail_pct / 100 * (lo + cap) / 2) / (1 - g->tail_pct / 100);
		if (body < MIN_MSG) {
			g->tail_pct = 0;
			body = avg;
		}
		g->ln_mu = log(body) - LN_SIGMA * LN_SIGMA / 2;
	}
	/* Measure each kind of content's usual body length. */
	{
		struct gen_rand save = g->r;
		struct gen_host h;
		uint8_t mem[4096];
		struct gen_buf b;
		const char *tag;
		uint32_t k;

		gen_host_make(g, &h, 0);
		for (i = 0; i < gen_ncontents && i < SL_DIM_EST; i++) {
			uint64_t sum = 0;

			for (k = 0; k < 64; k++) {
				gb_init(&b, mem, sizeof(mem));
				gen_contents[i].body(&g->r, &b, &h, 1773057600000000000ull, &tag);
				sum += b.len;
			}
			g->est[i] = (uint32_t)(sum / 64);
		}
		g->r = save;
	}
	if (p->size_kind == GEN_SIZE_REAL) {
		/* Whole messages a little over their target are kept, and cuts
		 * land on word boundaries: measure the mean that comes out and
		 * move the median until it is the average asked for. */
		struct gen_rand save = g->r;
		struct gen_host h;
		static uint8_t mem[GEN_MAX_MSG];
		int it, k;

		gen_host_make(g, &h, 0);
		g->p.frag_pct = 0;
		for (it = 0; it < 5; it++) {
			uint64_t sum = 0;

			for (k = 0; k < 4000; k++)
				sum += gen_msg_make(g, &h, 1773057600000000000ull, 1472,
						    mem, sizeof(mem));
			g->ln_mu += 1.3 * log(p->size_a / (sum / 4000.0));
		}
		g->r = save;
		g->p.frag_pct = p->frag_pct;
	}
	if (p->corpus && corpus_load(g, p->corpus, err, errlen) != 0) {
		gen_msgs_free(g);
		return NULL;
	}
	return g;
}

void
gen_msgs_free(struct gen_msgs *g)
{
	if (g == NULL)
		return;
	free(g->corpus);
	free(g->line_off);
	free(g->line_len);
	free(g);
}

uint64_t
gen_msgs_corpus_lines(const struct gen_msgs *g)
{
	return g->nlines;
}

void
gen_host_make(struct gen_msgs *g, struct gen_host *h, uint32_t idx)
{
	static const char *const role[] = { "web", "api", "db", "cache", "k8s-node",
		"fw-edge", "mail", "lb", "worker", "build" };
	static const char *const dom[] = { "", "", "", "", ".prod.example.com",
		".corp.example", ".eu-west-1.compute.internal" };
	static const int16_t tz[] = { 0, 0, 0, 0, 60, 120, -300, -420, 330, 540 };
	struct gen_rand *r = &g->r;
	uint32_t k = gen_rand_below(r, 100);

	memset(h, 0, sizeof(*h));
	if (k < 8)
		snprintf(h->name, sizeof(h->name), "10.%u.%u.%u", gen_rand_below(r, 256),
			 gen_rand_below(r, 256), gen_rand_range(r, 1, 254));
	else
		snprintf(h->name, sizeof(h->name), "%s-%02u%s", GEN_PICK(r, role),
			 idx % 100, GEN_PICK(r, dom));
	/* Most clocks are close; some hosts are days off, or replay old
	 * buffered logs, so dates cover single- and double-digit days. */
	if (gen_rand_pct(r, 70))
		h->skew_ns = (int64_t)gen_rand_below(r, 4000000000u) - 2000000000;
	else
		h->skew_ns = -(int64_t)gen_rand_range(r, 1, 12 * 86400) * 1000000000;
	h->tz_min = GEN_PICK(r, tz);
	h->frac = (uint8_t)GEN_PICK(r, ((const uint8_t[]){ 0, 3, 6, 6 }));
	h->utc_z = gen_rand_pct(r, 50);
	h->boot_s = gen_rand_range(r, 30, 9000000);
}

static uint32_t
pick_size(struct gen_msgs *g, uint32_t max_single)
{
	struct gen_rand *r = &g->r;
	uint32_t cap = max_single > 2 ? max_single - 2 : 1; /* room for "\r\n" */
	double x;

	if (g->p.frag_pct > 0 && gen_rand_pct(r, g->p.frag_pct)) {
		/* log-uniform over 2-60 KiB */
		x = LARGE_MIN * exp(gen_rand_double(r) * log((double)LARGE_MAX / LARGE_MIN));
		return (uint32_t)x;
	}
	switch (g->p.size_kind) {
	case GEN_SIZE_FIXED:
		return g->p.size_a;
	case GEN_SIZE_UNIFORM:
		return gen_rand_range(r, g->p.size_a, g->p.size_b);
	case GEN_SIZE_NATURAL:
		return 0;
	case GEN_SIZE_REAL:
	default:
		break;
	}
	if (g->tail_pct > 0 && gen_rand_pct(r, g->tail_pct)) {
		uint32_t lo = 3 * g->p.size_a;

		return lo < cap ? gen_rand_range(r, lo, cap) : cap;
	}
	{
		double u1 = gen_rand_double(r), u2 = gen_rand_double(r);
		double z = sqrt(-2.0 * log(1.0 - u1)) * cos(2 * M_PI * u2);

		x = exp(g->ln_mu + LN_SIGMA * z);
	}
	if (x < MIN_MSG)
		x = MIN_MSG;
	return x > cap ? cap : (uint32_t)x;
}

static void
put_3164(struct gen_buf *b, const struct gen_host *h, int64_t host_ns)
{
	struct gen_tm tm;

	gen_tm_from_ns(&tm, host_ns + (int64_t)h->tz_min * 60000000000ll);
	gb_str(b, gen_months[tm.mon - 1]);
	gb_ch(b, ' ');
	gb_uw(b, tm.day, 2, ' '); /* "Mar  9": day padded with a space */
	gb_ch(b, ' ');
	gen_put_hms(b, &tm);
}

static void
put_5424_time(struct gen_buf *b, const struct gen_host *h, int64_t host_ns)
{
	struct gen_tm tm;
	int off = h->utc_z ? 0 : h->tz_min;

	gen_tm_from_ns(&tm, host_ns + (int64_t)off * 60000000000ll);
	gen_put_ymd(b, &tm, '-');
	gb_ch(b, 'T');
	gen_put_hms(b, &tm);
	if (h->frac == 3 || h->frac == 6)
		gen_put_frac(b, &tm, h->frac);
	if (h->utc_z) {
		gb_ch(b, 'Z');
	} else {
		int a = off < 0 ? -off : off;

		gb_ch(b, off < 0 ? '-' : '+');
		gb_uw(b, a / 60, 2, '0');
		gb_ch(b, ':');
		gb_uw(b, a % 60, 2, '0');
	}
}

static void
put_sd(struct gen_rand *r, struct gen_buf *b, const struct gen_host *h)
{
	uint32_t n = gen_rand_range(r, 1, 2), i;

	for (i = 0; i < n; i++) {
		switch (gen_rand_below(r, 5)) {
		case 0:
			gb_str(b, "[timeQuality tzKnown=\"1\" isSynced=\"");
			gb_str(b, gen_rand_pct(r, 80) ? "1\" syncAccuracy=\"" : "0\" syncAccuracy=\"");
			gb_u(b, gen_rand_range(r, 1000, 900000));
			gb_str(b, "\"]");
			break;
		case 1:
			gb_str(b, "[origin ip=\"");
			gb_u(b, 10);
			gb_ch(b, '.');
			gb_u(b, gen_rand_below(r, 256));
			gb_str(b, ".0.");
			gb_u(b, gen_rand_range(r, 1, 254));
			gb_str(b, "\" software=\"rsyslogd\" swVersion=\"8.2302.0\"]");
			break;
		case 2:
			gb_str(b, "[meta sequenceId=\"");
			gb_u(b, gen_rand_below(r, 100000000));
			gb_str(b, "\"]");
			break;
		case 3:
			gb_str(b, "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"");
			gb_u(b, gen_rand_range(r, 1000, 1100));
			gb_str(b, "\"]");
			break;
		default:
			/* escaped characters inside a PARAM-VALUE */
			gb_str(b, "[req@53595 path=\"/a\\]b/");
			gb_u(b, gen_rand_below(r, 1000));
			gb_str(b, "\" q=\"say \\\"hi\\\"\" dir=\"C:\\\\tmp\"]");
			break;
		}
	}
}

/* A cut may split a UTF-8 sequence: turn its first bytes into dots. */
static void
fix_utf8_tail(uint8_t *m, uint32_t len)
{
	uint32_t s = len, k = 0, need;

	while (s > 0 && k < 3 && (m[s - 1] & 0xc0) == 0x80) {
		s--;
		k++;
	}
	if (s == 0 || m[s - 1] < 0xc0)
		return;
	need = m[s - 1] >= 0xf0 ? 4 : m[s - 1] >= 0xe0 ? 3 : 2;
	if (len - (s - 1) < need)
		memset(m + s - 1, '.', len - (s - 1));
}

uint32_t
gen_msg_make(struct gen_msgs *g, const struct gen_host *h, uint64_t ts_ns,
	     uint32_t max_single, uint8_t *out, uint32_t cap)
{
	struct gen_rand *r = &g->r;
	const struct gen_content *c;
	struct gen_buf b;
	uint32_t target, w, i;
	int64_t host_ns = (int64_t)ts_ns + h->skew_ns - (int64_t)gen_rand_below(r, 5000000);
	const char *tag;
	double m;
	int kind, sev;
	bool sd_room;

	if (cap > GEN_MAX_MSG)
		cap = GEN_MAX_MSG;
	if (g->nlines) {
		/* corpus: its lines in file order, wrapped per --mix */
		target = 0;
	} else {
		target = pick_size(g, max_single);
		if (target > cap)
			target = cap;
	}
	m = gen_rand_double(r) * g->mix_total;
	kind = m < g->p.mix[0] ? 0 : m < g->p.mix[0] + g->p.mix[1] ? 1 : 2;

	/* Build into out, with room to overshoot the target; truncate after. */
	gb_init(&b, out, target ? (target + target / 4 + 64 < cap ?
				   target + target / 4 + 64 : cap) : cap);
	if (kind == 0) {
		gb_str(&b, "<000>");   /* PRI patched in once the body has a severity */
		put_3164(&b, h, host_ns);
		gb_ch(&b, ' ');
		gb_str(&b, h->name);
		gb_ch(&b, ' ');
	} else if (kind == 1) {
		gb_str(&b, "<000>1 ");
		if (gen_rand_pct(r, 2))
			gb_ch(&b, '-');
		else
			put_5424_time(&b, h, host_ns);
		gb_ch(&b, ' ');
		gb_str(&b, gen_rand_pct(r, 3) ? "-" : h->name);
		gb_ch(&b, ' ');
	}
	/* Pick a kind of content whose bodies fit what is left of the target
	 * (the tag and, for RFC 5424, PROCID and MSGID still to come), so
	 * messages are whole more often than cut. */
	{
		uint32_t left = target, total = 0, best = 0;
		uint32_t rest = b.len + (kind == 0 ? 22 : kind == 1 ? 28 : 0);

		left = target > rest ? target - rest : 0;
		for (i = 0; i < gen_ncontents; i++) {
			if (!target || g->est[i] <= left)
				total += gen_contents[i].weight;
			if (g->est[i] < g->est[best])
				best = i;
		}
		if (total == 0) {
			c = &gen_contents[best];
		} else {
			w = gen_rand_below(r, total);
			for (i = 0;; i++) {
				if (target && g->est[i] > left)
					continue;
				if (w < gen_contents[i].weight)
					break;
				w -= gen_contents[i].weight;
			}
			c = &gen_contents[i];
		}
		tag = c->tag;
		sd_room = !target || left > g->est[c - gen_contents] + 60;
	}
	/* The body first (it may rename the tag), then the tag in front of it. */
	{
		uint8_t body[GEN_MAX_MSG];
		struct gen_buf bb;
		uint32_t pid = gen_rand_range(r, 2, 4194304);

		gb_init(&bb, body, target ? (target + target / 4 + 64 < sizeof(body) ?
					     target + target / 4 + 64 :
				     (uint32_t)sizeof(body)) : (uint32_t)sizeof(body));
		if (g->nlines) {
			uint64_t l = g->next_line++ % g->nlines;

			gb_mem(&bb, g->corpus + g->line_off[l], g->line_len[l]);
			sev = 6;
		} else {
			sev = c->body(r, &bb, h, (uint64_t)host_ns, &tag);
		}
		if (kind == 0) {
			gb_str(&b, tag);
			if (c->pid && !g->nlines) {
				gb_ch(&b, '[');
				gb_u(&b, pid);
				gb_ch(&b, ']');
			}
			gb_str(&b, ": ");
		} else if (kind == 1) {
			gb_str(&b, gen_rand_pct(r, 3) ? "-" : tag);
			gb_ch(&b, ' ');
			if (gen_rand_pct(r, 30))
				gb_ch(&b, '-');
			else
				gb_u(&b, pid);
			gb_ch(&b, ' ');
			if (gen_rand_pct(r, 50)) {
				gb_ch(&b, '-');
			} else {
				gb_str(&b, "ID");
				gb_u(&b, gen_rand_below(r, 100));
			}
			gb_ch(&b, ' ');
			if (sd_room && gen_rand_pct(r, 40))
				put_sd(r, &b, h);
			else
				gb_ch(&b, '-');
			if (gen_rand_pct(r, 0.5) && !g->nlines && target < 200) {
				bb.len = 0; /* SD only, no MSG */
			} else {
				gb_ch(&b, ' ');
				if (gen_rand_pct(r, 1))
					gb_str(&b, "\xef\xbb\xbf"); /* BOM: MSG is UTF-8 */
			}
		}
		gb_mem(&b, bb.p, bb.len);
	}
	if (kind != 2) {
		/* patch the PRI: "<000>" becomes "<N>" */
		char pri[8];
		uint32_t pv = (uint32_t)c->facility * 8 + (uint32_t)sev, n = 0, k;
		uint8_t tmp[3];

		if (g->nlines)
			pv = 1 * 8 + 5; /* user.notice, as logger(1) sends */
		do {
			tmp[n++] = (uint8_t)('0' + pv % 10);
			pv /= 10;
		} while (pv);
		pri[0] = '<';
		for (k = 0; k < n; k++)
			pri[1 + k] = (char)tmp[n - 1 - k];
		pri[1 + n] = '>';
		memmove(out + 2 + n, out + 5, b.len - 5);
		memcpy(out, pri, 2 + n);
		b.len -= 3 - n;
	}
	if (target) {
		/* grow with more of the same until the target size, then cut */
		b.cap = target;
		while (b.len < target)
			gen_fill(r, &b, c->java_fill);
		if (b.len > target && g->p.size_kind == GEN_SIZE_REAL &&
		    b.len <= target + target / 4 && b.len <= max_single - 2) {
			/* close enough: keep the message whole (the calibration
			 * in gen_msgs_create() keeps the average) */
		} else if (b.len > target) {
			b.len = target;
			if (g->p.size_kind == GEN_SIZE_REAL && target > 48 && !g->nlines) {
				/* end on a word boundary, as a shorter message would */
				uint32_t k;

				for (k = target; k > target - 24; k--)
					if (out[k] == ' ' && out[k - 1] != ' ') {
						b.len = k;
						break;
					}
			}
		}
		fix_utf8_tail(out, b.len);
	}
	if (b.len == 0)
		out[b.len++] = '-';
	return b.len;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-rules: try a rules file offline. Each line on stdin is one message,
 * taken as a datagram of the given tenant on the given transport and port;
 * it goes through the data path's own code (sl_parse_msg, then sl_classify_explain) and comes
 * out as one JSON object (or one text line) saying what was parsed, which
 * rules matched and what was decided. --check only compiles the file;
 * --bench times parse + classify over the input. An offline tool: the EAL
 * is started only if the classify worker cannot be made without it.
 *
 * Exit: 0 ok; 1 the rules could not be loaded (errors in the file, an
 * unreadable file); 2 usage, input or output errors.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_memory.h>

#include "render.h"
#include "sl_classify.h"
#include "sl_common.h"
#include "sl_parse.h"
#include "sl_parse_msg.h"
#include "sl_record.h"

/* Named defaults. */
#define DEF_PORT       514
#define DEF_BENCH_NS   1000000000ull /* --bench without --iterations: ~1 s */
#define ERRBUF_SIZE    (1u << 20)    /* every error of a large rules file */

/* Every option, set from opt_defs[] by its kind. */
struct opts {
	const char *rules;
	const char *cache;      /* NULL: no cache */
	uint64_t format;        /* enum sr_format: index in formats[] */
	uint64_t transport;     /* index in transports[] */
	uint64_t port;
	uint64_t year;          /* RFC 3164 year hint; 0: none */
	uint64_t iterations;    /* --bench passes over the input; 0: ~1 s */
	const char *tenant;     /* --tenant NAME; NULL: default */
	uint16_t tenant_id;     /* its id (resolve_tenant()) */
	bool check;
	bool bench;
	bool help;
};

enum opt_kind {
	OPT_FLAG, /* bool, no value */
	OPT_TEXT, /* const char *, not empty */
	OPT_NUM,  /* uint64_t in [min, max] */
	OPT_WORD, /* uint64_t: index of the value in words[] */
};

static const char *const formats[] = { "json", "text", NULL }; /* enum sr_format */
static const char *const transports[] = { "udp", "tcp", NULL };
static const uint8_t transport_ids[] = { SL_TRANSPORT_UDP, SL_TRANSPORT_TCP };

#define OFF(m) offsetof(struct opts, m)

static const struct opt_def {
	const char *name;
	enum opt_kind kind;
	size_t off;               /* the member of struct opts it sets */
	uint64_t min, max;        /* OPT_NUM */
	const char *const *words; /* OPT_WORD, NULL-terminated */
	const char *arg;          /* OPT_TEXT, OPT_NUM: what the value is */
	const char *help;
} opt_defs[] = {
	{ "rules", OPT_TEXT, OFF(rules), 0, 0, NULL, "FILE",
	  "the rules file (docs/RULES.md; required)" },
	{ "format", OPT_WORD, OFF(format), 0, 0, formats, NULL,
	  "one JSON object or one text line per message (default json)" },
	{ "transport", OPT_WORD, OFF(transport), 0, 0, transports, NULL,
	  "transport the messages arrive on, for conditions (default udp)" },
	{ "port", OPT_NUM, OFF(port), 1, 65535, NULL, "N",
	  "destination port, for conditions (default " RTE_STR(DEF_PORT) ")" },
	{ "tenant", OPT_TEXT, OFF(tenant), 0, 0, NULL, "NAME",
	  "tenant of the messages, for tenant conditions (default: default)" },
	{ "year", OPT_NUM, OFF(year), 0, 9999, NULL, "N",
	  "year of RFC 3164 timestamps, which carry none (default: this UTC year; 0: leave them null)" },
	{ "cache", OPT_TEXT, OFF(cache), 0, 0, NULL, "DIR",
	  "compiled-rules cache directory, created if missing; 'none': no cache (default none)" },
	{ "check", OPT_FLAG, OFF(check), 0, 0, NULL, NULL,
	  "compile the rules, print every error or a summary, exit" },
	{ "bench", OPT_FLAG, OFF(bench), 0, 0, NULL, NULL,
	  "time parse + classify over all stdin lines, print ns/msg" },
	{ "iterations", OPT_NUM, OFF(iterations), 1, 1000000000, NULL, "N",
	  "--bench: passes over the input (default: as many as fit in ~1 s)" },
	{ "help", OPT_FLAG, OFF(help), 0, 0, NULL, NULL, "this text" },
};
#define N_OPTS SL_DIM(opt_defs)

#define ERR(...) (snprintf(err, len, __VA_ARGS__), -EINVAL)

/* "json|text" (sep "|") or "json or text" (sep " or "). */
static const char *
words_text(const char *const *w, const char *sep, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (; *w != NULL && o < len; w++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? sep : "", *w);
	return buf;
}

static int
set_opt(struct opts *o, const struct opt_def *d, const char *v, char *err, size_t len)
{
	void *p = (char *)o + d->off;
	char buf[64];
	unsigned int i;
	int rc;

	switch (d->kind) {
	case OPT_FLAG:
		*(bool *)p = true;
		return 0;
	case OPT_TEXT:
		if (*v == '\0')
			return ERR("--%s: empty value (%s expected)", d->name, d->arg);
		*(const char **)p = v;
		return 0;
	case OPT_NUM:
		rc = sl_parse_u64(v, d->min, d->max, p);
		if (rc == -EINVAL)
			return ERR("--%s: '%s' is not a number", d->name, v);
		if (rc != 0)
			return ERR("--%s: '%s' is out of range [%" PRIu64 ", %" PRIu64 "]",
				   d->name, v, d->min, d->max);
		return 0;
	case OPT_WORD:
		for (i = 0; d->words[i] != NULL; i++)
			if (strcmp(v, d->words[i]) == 0) {
				*(uint64_t *)p = i;
				return 0;
			}
		return ERR("--%s: '%s' is not %s", d->name, v, words_text(d->words, " or ", buf, sizeof(buf)));
	}
	return -EINVAL;
}

static void
usage(FILE *f)
{
	unsigned int i;

	fprintf(f, "usage: sluice-rules --rules FILE [options] < MESSAGES\n"
		"       sluice-rules --rules FILE --check\n"
		"       sluice-rules --rules FILE --bench [--iterations N] < MESSAGES\n\n"
		"One message per stdin line (LF or CRLF removed, lines over 64 KiB cut and\n"
		"marked truncated), parsed and classified as the data path does it.\n\n"
		"options:\n");
	for (i = 0; i < N_OPTS; i++) {
		char left[40];

		char words[64];
		const char *arg = opt_defs[i].words ?
			words_text(opt_defs[i].words, "|", words, sizeof(words)) : opt_defs[i].arg;

		snprintf(left, sizeof(left), "--%s%s%s", opt_defs[i].name,
			 arg ? " " : "", arg ? arg : "");
		fprintf(f, "  %-22s %s\n", left, opt_defs[i].help);
	}
	fprintf(f, "\nExit: 0 ok, 1 the rules cannot be loaded, 2 usage or I/O error.\n"
		"Example:\n"
		"  echo '<34>1 - host sshd - - - Failed password' | sluice-rules --rules r.rules\n");
}

static int32_t
this_year(void)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	return tm.tm_year + 1900;
}

/* @return 0 (go on), 1 (--help printed), -EINVAL (err says why). */
static int
parse_opts(int argc, char **argv, struct opts *o, char *err, size_t len)
{
	struct option lopts[N_OPTS + 1];
	unsigned int i;
	int c, idx;

	memset(o, 0, sizeof(*o));
	o->format = SR_FMT_JSON;
	o->port = DEF_PORT;
	o->year = (uint64_t)this_year();
	for (i = 0; i < N_OPTS; i++) {
		lopts[i].name = opt_defs[i].name;
		lopts[i].has_arg = opt_defs[i].kind == OPT_FLAG ? no_argument : required_argument;
		lopts[i].flag = NULL;
		lopts[i].val = 0;
	}
	memset(&lopts[N_OPTS], 0, sizeof(lopts[N_OPTS]));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", lopts, &idx)) != -1) {
		if (c == '?')
			return ERR("%s: unknown option (see --help)", argv[optind - 1]);
		if (c == ':')
			return ERR("%s: needs a value", argv[optind - 1]);
		if (set_opt(o, &opt_defs[idx], optarg, err, len) != 0)
			return -EINVAL;
		if (o->help) {
			usage(stdout);
			return 1;
		}
	}
	if (optind < argc)
		return ERR("'%s': unexpected argument (messages come on stdin)", argv[optind]);
	if (o->cache != NULL && strcmp(o->cache, "none") == 0)
		o->cache = NULL;
	if (o->rules == NULL)
		return ERR("--rules: required (the rules file to try)");
	if (o->check && o->bench)
		return ERR("--check: cannot go with --bench");
	if (o->iterations && !o->bench)
		return ERR("--iterations: only with --bench");
	return 0;
}

/*
 * One line of @p f into @p buf (SR_LINE_MAX + 1 bytes): the LF and a CR
 * before it removed, any bytes (NUL included) kept, the rest of a longer
 * line read and dropped.
 * @return 1 with *len and *trunc set, 0 at the end, -1 on a read error.
 */
static int
read_line(FILE *f, uint8_t *buf, uint32_t *len, bool *trunc)
{
	uint64_t n = 0;
	int c, last = EOF;

	while ((c = getc_unlocked(f)) != EOF && c != '\n') {
		if (n <= SR_LINE_MAX)
			buf[n] = (uint8_t)c;
		n++;
		last = c;
	}
	if (ferror(f))
		return -1;
	if (c == EOF && n == 0)
		return 0;
	if (c == '\n' && last == '\r')
		n--;
	*trunc = n > SR_LINE_MAX;
	*len = *trunc ? SR_LINE_MAX : (uint32_t)n;
	return 1;
}

static int
read_error(void)
{
	fprintf(stderr, "sluice-rules: reading stdin: %s\n", strerror(errno));
	return 2;
}

static int
flush_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "sluice-rules: writing stdout: %s\n", strerror(errno));
		return 2;
	}
	return 0;
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* A message as the options say it arrives. */
static struct sl_classify_msg
msg_template(const struct opts *o)
{
	return (struct sl_classify_msg){
		.transport = transport_ids[o->transport],
		.dport = (uint16_t)o->port,
		.tenant = o->tenant_id,
	};
}

/* Every stdin line through parse + explain + output. */
static int
run(const struct opts *o, const struct sl_classify *c, struct sl_classify_worker *w)
{
	static char obuf[1 << 16];
	uint32_t cap = sl_classify_n_rules(c) + 1;
	uint8_t *buf = malloc(SR_LINE_MAX + 1);
	uint32_t *matches = malloc(cap * sizeof(*matches));
	struct sr_render *r = sr_render_create(stdout, c, (enum sr_format)o->format);
	struct sl_classify_msg m = msg_template(o);
	struct sr_result res = { .line = 0 };
	struct sl_parsed parsed;
	struct sl_verdict v;
	int rc = 0, n;

	if (buf == NULL || matches == NULL || r == NULL) {
		fprintf(stderr, "sluice-rules: out of memory\n");
		rc = 2;
		goto out;
	}
	/* A terminal sees each answer at once; a pipe gets full buffers. */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	m.p = buf;
	m.parsed = &parsed;
	res.p = buf;
	res.parsed = &parsed;
	res.v = &v;
	res.matches = matches;
	while ((rc = read_line(stdin, buf, &m.len, &res.truncated)) > 0) {
		res.line++;
		res.len = m.len;
		sl_parse_msg(buf, m.len, (int32_t)o->year, &parsed);
		n = sl_classify_explain(w, &m, &v, matches, cap);
		res.scan_error = n < 0;
		res.n_matches = n < 0 ? 0 : (uint32_t)n > cap ? cap : (uint32_t)n;
		sr_render(r, &res);
	}
	rc = rc < 0 ? read_error() : flush_stdout();
out:
	sr_render_free(r);
	free(matches);
	free(buf);
	return rc;
}

/* All stdin lines, back to back. */
struct corpus {
	uint8_t *bytes;
	size_t used, cap;
	uint32_t *off, *len;
	uint32_t n, ncap;
	uint64_t total;        /* message bytes */
};

static int
corpus_add(struct corpus *k, const uint8_t *p, uint32_t len)
{
	if (k->used > UINT32_MAX - len)
		return -EFBIG; /* offsets are 32-bit */
	if (k->used + len > k->cap) {
		size_t cap = k->cap ? k->cap : 1 << 20;
		uint8_t *nb;

		while (cap < k->used + len)
			cap *= 2;
		nb = realloc(k->bytes, cap);
		if (nb == NULL)
			return -ENOMEM;
		k->bytes = nb;
		k->cap = cap;
	}
	if (k->n == k->ncap) {
		uint32_t ncap = k->ncap ? k->ncap * 2 : 4096;
		uint32_t *no = realloc(k->off, ncap * sizeof(*no));

		if (no == NULL)
			return -ENOMEM;
		k->off = no;
		no = realloc(k->len, ncap * sizeof(*no));
		if (no == NULL)
			return -ENOMEM;
		k->len = no;
		k->ncap = ncap;
	}
	memcpy(k->bytes + k->used, p, len);
	k->off[k->n] = (uint32_t)k->used;
	k->len[k->n++] = len;
	k->used += len;
	k->total += len;
	return 0;
}

static void
corpus_free(struct corpus *k)
{
	free(k->bytes);
	free(k->off);
	free(k->len);
}

/* Every stdin line into @p k. @return 0, or 2 (said why on stderr). */
static int
corpus_read(struct corpus *k)
{
	uint8_t *buf = malloc(SR_LINE_MAX + 1);
	uint32_t len;
	bool trunc;
	int rc = 0, e;

	if (buf == NULL) {
		fprintf(stderr, "sluice-rules: out of memory\n");
		return 2;
	}
	while ((rc = read_line(stdin, buf, &len, &trunc)) > 0) {
		e = corpus_add(k, buf, len);
		if (e < 0) {
			fprintf(stderr, "sluice-rules: --bench: cannot hold the input in memory "
				"(%u lines read): %s\n", k->n, strerror(-e));
			break;
		}
	}
	free(buf);
	if (rc < 0)
		return read_error();
	if (rc > 0)
		return 2;
	if (k->n == 0) {
		fprintf(stderr, "sluice-rules: --bench: no input lines on stdin\n");
		return 2;
	}
	return 0;
}

/* One pass of the data path's work over every message. */
static void
bench_pass(const struct opts *o, const struct corpus *k, struct sl_classify_worker *w,
	   uint64_t *scan_errors)
{
	struct sl_classify_msg m = msg_template(o);
	struct sl_parsed parsed;
	struct sl_verdict v;
	uint32_t i;

	m.parsed = &parsed;
	for (i = 0; i < k->n; i++) {
		m.p = k->bytes + k->off[i];
		m.len = k->len[i];
		sl_parse_msg(m.p, m.len, (int32_t)o->year, &parsed);
		if (sl_classify_one(w, &m, &v) < 0)
			(*scan_errors)++;
	}
}

static int
bench(const struct opts *o, struct sl_classify_worker *w)
{
	struct corpus k = { .bytes = NULL };
	uint64_t passes = 0, batch, scan_errors = 0, msgs;
	double t0, ns = 0;
	int rc = corpus_read(&k);

	if (rc != 0) {
		corpus_free(&k);
		return rc;
	}
	/* Look at the clock every ~4096 messages, not every pass. */
	batch = k.n >= 4096 ? 1 : 4096 / k.n;
	t0 = now_ns();
	if (o->iterations) {
		for (passes = 0; passes < o->iterations; passes++)
			bench_pass(o, &k, w, &scan_errors);
		ns = now_ns() - t0;
	} else {
		do {
			uint64_t b;

			for (b = 0; b < batch; b++)
				bench_pass(o, &k, w, &scan_errors);
			passes += batch;
			ns = now_ns() - t0;
		} while (ns < DEF_BENCH_NS);
	}
	msgs = passes * k.n;
	printf("bench: %u messages (%.0f bytes on average) x %" PRIu64 " passes in %.3f s: "
	       "%.1f ns/msg, %.0f msgs/s (parse + classify, one thread)",
	       k.n, (double)k.total / k.n, passes, ns / 1e9, ns / (double)msgs,
	       (double)msgs * 1e9 / ns);
	if (scan_errors)
		printf(", %" PRIu64 " scan errors", scan_errors);
	putchar('\n');
	corpus_free(&k);
	return flush_stdout();
}

static void
print_summary(const struct opts *o, const struct sl_classify *c)
{
	double ms = 0;
	bool cached = sl_classify_from_cache(c, &ms);

	printf("check: ok: %s: %u rules, %u streams, %u tags, %zu database bytes, %s in %.1f ms\n",
	       o->rules, sl_classify_n_rules(c), sl_classify_n_streams(c),
	       sl_classify_n_tags(c), sl_classify_db_size(c),
	       cached ? "loaded from the cache" : "compiled", ms);
}

/*
 * --tenant NAME to its id, by the lookup the rules' tenant conditions use
 * (@p p), so both agree on every name.
 * @return 0, or -EINVAL (err says why).
 */
static int
resolve_tenant(struct opts *o, const struct sl_classify_params *p, char *err, size_t len)
{
	int id;

	if (o->tenant == NULL)
		return 0;
	id = sl_classify_tenant_id(p, o->tenant);
	if (id == -EINVAL)
		return ERR("--tenant: '%s' is not a tenant name ([A-Za-z0-9_.-], at most %u characters, not . or ..)",
			   o->tenant, SL_CLASSIFY_TENANT_NAME_MAX);
	if (id == -ENOENT)
		return ERR("--tenant: unknown tenant '%s' (%s)", o->tenant,
			   p->tenant_id != NULL ? "not in the tenant file" : "no --tenants file");
	if (id < 0)
		return ERR("--tenant: '%s': the tenant lookup gave an id above %u", o->tenant,
			   SL_CLASSIFY_MAX_TENANT_ID);
	o->tenant_id = (uint16_t)id;
	return 0;
}

/* Print what sl_classify_create() said: its lines, or the errno. */
static void
print_load_error(const struct opts *o, const char *err, int errnum)
{
	size_t n = strlen(err);

	if (n == 0) {
		fprintf(stderr, "sluice-rules: --rules: %s: %s\n", o->rules, strerror(errnum));
		return;
	}
	fputs(err, stderr);
	if (err[n - 1] != '\n')
		fputc('\n', stderr);
}

int
main(int argc, char **argv)
{
	struct sl_classify_params p = { .socket_id = SOCKET_ID_ANY };
	struct sl_classify_worker *w;
	struct sl_classify *c;
	struct opts o;
	char msg[256];
	char *err;
	int rc;

	rc = parse_opts(argc, argv, &o, msg, sizeof(msg));
	if (rc == 1)
		return 0;
	/*
	 * Tenant names of conditions and --tenant: no lookup, so "default" is
	 * the only tenant. A tenant file would set p.tenant_id and
	 * p.tenant_arg here (sl_classify_tenant_fn), before both use it.
	 */
	p.tenant_id = NULL;
	p.tenant_arg = NULL;
	if (rc == 0)
		rc = resolve_tenant(&o, &p, msg, sizeof(msg));
	if (rc != 0) {
		fprintf(stderr, "sluice-rules: %s\n", msg);
		return 2;
	}
	err = calloc(1, ERRBUF_SIZE);
	if (err == NULL) {
		fprintf(stderr, "sluice-rules: out of memory\n");
		return 2;
	}
	p.path = o.rules;
	p.cache_dir = o.cache;
	c = sl_classify_create(&p, err, ERRBUF_SIZE);
	if (c == NULL) {
		print_load_error(&o, err, rte_errno);
		free(err);
		return 1;
	}
	free(err);
	if (o.check) {
		print_summary(&o, c);
		sl_classify_free(c);
		return flush_stdout();
	}
	w = sl_classify_worker_create(c, SOCKET_ID_ANY);
	if (w == NULL) {
		fprintf(stderr, "sluice-rules: classify worker: %s\n", strerror(rte_errno));
		rc = 2;
	} else {
		rc = o.bench ? bench(&o, w) : run(&o, c, w);
	}
	sl_classify_worker_free(w);
	sl_classify_free(c);
	return rc;
}

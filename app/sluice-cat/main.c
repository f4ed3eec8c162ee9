/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-cat: print the records of sluice segments (raw, text or JSON),
 * count them, verify the segments, or sum them up per stream (--stats,
 * stats.c). With --kafka it reads the batches sluice forwards to Kafka
 * instead (kafka.c consumes, kafka_msg.c checks each message: one per
 * batch, checked like a frame on disk) and prints them the same way. No
 * EAL: this is an offline tool.
 *
 * Exit: 0 ok; 1 damage found (--verify; with --kafka also a message whose
 * value is not a good batch); 2 usage or read errors.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cat.h"
#include "sl_addr.h"
#include "sl_json.h"
#include "sl_parse.h"
#include "sl_reader.h"
#include "sl_record.h"

#define DEF_KAFKA_TIMEOUT_MS 30000
#define MAX_KAFKA_TIMEOUT_MS 3600000

/* Long options without a short form. */
enum {
	OPT_KAFKA = 256,
	OPT_TOPIC,
	OPT_FROM_BEGINNING,
	OPT_FOLLOW,
	OPT_KAFKA_TIMEOUT,
	OPT_KAFKA_OPT,
	OPT_HEADERS,
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: sluice-cat [--format raw|text|json] [--count] [--verify] [--stats]\n"
		"                  [--since T] [--until T] [--verbose] DIR|FILE...\n"
		"       sluice-cat --kafka BOOTSTRAP --topic T [--topic T...] [--from-beginning]\n"
		"                  [--follow] [--kafka-timeout MS] [--kafka-opt KEY=VALUE...]\n"
		"                  [--headers | --format F | --count] [--verify] [--since T]\n"
		"                  [--until T] [--verbose]\n"
		"  --format F   raw: message bytes + LF; text: time, addresses, message;\n"
		"               json: one object per record (default: raw)\n"
		"  --count      print the number of records only\n"
		"  --verify     check every frame, the index and the trailer; print each\n"
		"               damage and a summary; exit 1 if anything is damaged\n"
		"  --stats      per stream (tenant/stream) and in total: segments, sealed,\n"
		"               records, bytes_in (record bytes, uncompressed), bytes_on_disk\n"
		"               (file sizes), ratio (bytes_in / bytes_on_disk); sealed\n"
		"               segments from their trailer, without decompressing\n"
		"  --verbose    at exit, on stderr: read: segments=N frames=N (decompressed)\n"
		"               frames_skipped_by_index=N (not read: outside --since/--until,\n"
		"               or --stats on a sealed segment) bytes=N (compressed bytes read)\n"
		"  --since T    records received at or after T\n"
		"  --until T    records received before T\n"
		"  T is ns since the epoch or ISO-8601 UTC (2026-11-23T04:41:15.123Z,\n"
		"  offsets such as +02:00 accepted)\n"
		"Kafka (the batches sluice --kafka forwards, one message per batch):\n"
		"  --kafka B    bootstrap servers HOST:PORT[,...]; no consumer group: every\n"
		"               partition of each --topic is read explicitly\n"
		"  --topic T    a topic to read (repeatable; at least one)\n"
		"  --from-beginning  start at each partition's first message and exit once\n"
		"               every partition has reached its end (a snapshot); without\n"
		"               it, start at the end and read new messages until SIGINT or\n"
		"               SIGTERM\n"
		"  --follow     with --from-beginning: keep reading until SIGINT/SIGTERM\n"
		"  --kafka-timeout MS  bound on fetching the topics' metadata, and on a\n"
		"               snapshot's wait for progress (default 30000)\n"
		"  --kafka-opt KEY=VALUE  a librdkafka consumer property (security.protocol,\n"
		"               sasl.*, ssl.*, ...); repeatable\n"
		"  --headers    instead of records, one line per message: TOPIC PARTITION\n"
		"               OFFSET key=KEY, each header as name=value, bytes=N (value)\n"
		"  --verify     decompress and check every value, and check its headers\n"
		"               against the batch; print each damage and a summary\n"
		"  --verbose    at exit, on stderr: kafka: messages=N bytes=N partitions=N\n"
		"  A value that is not a good batch is reported as DAMAGE and skipped\n"
		"  (exit 1) with or without --verify. --stats does not apply.\n");
}

/* ns since epoch, or ISO-8601. @return 0 or -1. */
static int
parse_time(const char *s, uint64_t *out)
{
	int y, mo, d, h = 0, mi = 0, se = 0, n = 0, sign = 0;
	uint64_t frac = 0;
	struct tm tm;
	const char *p;
	int64_t off = 0;
	time_t t;
	char *end;

	for (p = s; *p && isdigit((unsigned char)*p); p++)
		;
	if (*p == '\0' && p != s) {
		errno = 0;
		*out = strtoull(s, &end, 10);
		return errno ? -1 : 0;
	}
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -1;
	p = s + n;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		n = 0;
		if (sscanf(p + 1, "%2d:%2d:%2d%n", &h, &mi, &se, &n) != 3 || n != 8)
			return -1;
		p += 1 + n;
		if (*p == '.') {
			int digits = 0;

			for (p++; isdigit((unsigned char)*p); p++, digits++)
				if (digits < 9)
					frac = frac * 10 + (uint64_t)(*p - '0');
			if (digits == 0)
				return -1;
			for (; digits < 9; digits++)
				frac *= 10;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;

		sign = *p == '+' ? 1 : -1;
		n = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5)
			return -1;
		off = sign * (int64_t)(oh * 3600 + om * 60);
		p += 1 + n;
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || se > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = timegm(&tm) - off;
	if (t < 0)
		return -1;
	*out = (uint64_t)t * 1000000000ull + frac;
	return 0;
}

static void
put_time(FILE *f, uint64_t ns)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;

	gmtime_r(&t, &tm);
	fprintf(f, "%04d-%02d-%02dT%02d:%02d:%02d.%09" PRIu64 "Z", tm.tm_year + 1900,
		tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		(uint64_t)(ns % 1000000000ull));
}

static const char *
addr(const uint8_t b[16], char *buf, size_t len)
{
	struct sl_ip ip;

	memcpy(ip.b, b, 16);
	return sl_ip_format(&ip, buf, len);
}

static void
put_endpoint(FILE *f, const uint8_t b[16], uint16_t port)
{
	char buf[SL_IP_STRLEN];
	struct sl_ip ip;

	memcpy(ip.b, b, 16);
	if (sl_ip_is_v4(&ip))
		fprintf(f, "%s:%u", sl_ip_format(&ip, buf, sizeof(buf)), port);
	else
		fprintf(f, "[%s]:%u", sl_ip_format(&ip, buf, sizeof(buf)), port);
}

static const char *
transport(uint8_t t)
{
	return t == SL_TRANSPORT_TCP ? "tcp" : t == SL_TRANSPORT_UDP ? "udp" : "other";
}

static void
put_text(FILE *f, const struct sl_reader_rec *r)
{
	const struct sl_rec *h = r->rec;
	uint32_t i;

	put_time(f, h->rx_ns);
	fputc(' ', f);
	put_endpoint(f, h->src, h->sport);
	fputs(" -> ", f);
	put_endpoint(f, h->dst, h->dport);
	fprintf(f, " %s ", transport(h->transport));
	for (i = 0; i < h->len; i++) {
		uint8_t c = r->msg[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			fputc(c, f);
		else
			fprintf(f, "\\x%02x", c);
	}
	fputc('\n', f);
}

/* Grows to the largest message's encoding; one per process. */
static uint8_t *json_buf;
static size_t json_cap;

static void
put_json(FILE *f, const struct sl_reader_rec *r)
{
	static const struct { uint16_t bit; const char *name; } flags[] = {
		{ SL_REC_F_TRUNCATED, "truncated" },
		{ SL_REC_F_PARSE_ERR, "parse_error" },
		{ SL_REC_F_FRAMING_ERR, "framing_error" },
		{ SL_REC_F_IPV6, "ipv6" },
		{ SL_REC_F_REASSEMBLED, "reassembled" },
		{ SL_REC_F_VLAN, "vlan" },
	};
	const struct sl_rec *h = r->rec;
	char src[SL_IP_STRLEN], dst[SL_IP_STRLEN];
	unsigned int i, nf = 0;

	fprintf(f, "{\"rx_ns\":%" PRIu64 ",\"time\":\"", h->rx_ns);
	put_time(f, h->rx_ns);
	fprintf(f, "\",\"src\":\"%s\",\"sport\":%u,\"dst\":\"%s\",\"dport\":%u,"
		"\"transport\":\"%s\",\"tenant\":%u,\"stream\":%u,\"rule\":%u,\"tags\":%u,",
		addr(h->src, src, sizeof(src)), h->sport, addr(h->dst, dst, sizeof(dst)),
		h->dport, transport(h->transport), h->tenant, h->stream, h->rule, h->tags);
	if (h->severity == SL_SEV_NONE)
		fputs("\"severity\":null,", f);
	else
		fprintf(f, "\"severity\":%u,", h->severity);
	if (h->facility == SL_FAC_NONE)
		fputs("\"facility\":null,", f);
	else
		fprintf(f, "\"facility\":%u,", h->facility);
	fputs("\"flags\":[", f);
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (h->flags & flags[i].bit)
			fprintf(f, "%s\"%s\"", nf++ ? "," : "", flags[i].name);
	fprintf(f, "],\"len\":%u,\"orig_len\":%u,\"shard\":%u,\"seq\":%" PRIu64 ",",
		h->len, h->orig_len, r->shard, r->seq);
	if (json_cap < SL_JSON_MSG_MAX(h->len)) {
		free(json_buf);
		json_cap = SL_JSON_MSG_MAX(h->len);
		json_buf = malloc(json_cap);
		if (json_buf == NULL) {
			json_cap = 0;
			fputs("\"msg_b64\":null}\n", f);
			return;
		}
	}
	fwrite(json_buf, 1, sl_json_msg(json_buf, r->msg, h->len), f);
	fputs("}\n", f);
}

void
cat_put_rec(FILE *f, enum cat_fmt fmt, const struct sl_reader_rec *r)
{
	switch (fmt) {
	case CAT_FMT_RAW:
		fwrite(r->msg, 1, r->rec->len, f);
		fputc('\n', f);
		break;
	case CAT_FMT_TEXT:
		put_text(f, r);
		break;
	case CAT_FMT_JSON:
		put_json(f, r);
		break;
	}
}

/* --verbose: what the reader touched (a test checks the index selection). */
static void
put_read_stats(const struct sl_reader_stats *st)
{
	fprintf(stderr, "read: segments=%" PRIu64 " frames=%" PRIu64
		" frames_skipped_by_index=%" PRIu64 " bytes=%" PRIu64 "\n",
		st->segments, st->frames, st->frames_skipped, st->bytes);
}

static void
on_damage(void *arg, const struct sl_reader_damage *d)
{
	fprintf(stderr, "sluice-cat: DAMAGE %s offset %" PRIu64 ": %s\n",
		d->segment, d->offset, d->what);
}

/*
 * --kafka: the flags that go with it, checked here; the rest is kafka.c.
 * @p kp has the Kafka options; @p fmt_set: --format was given.
 */
static int
kafka_main(struct cat_kafka_params *kp, int fmt_set, int stats, int nargs)
{
	if (nargs > 0) {
		fprintf(stderr, "sluice-cat: --kafka reads no DIR or FILE\n");
		return 2;
	}
	if (kp->ntopics == 0) {
		fprintf(stderr, "sluice-cat: --kafka needs at least one --topic\n");
		return 2;
	}
	if (stats) {
		fprintf(stderr, "sluice-cat: --stats reads segments; it does not go with --kafka\n");
		return 2;
	}
	if (kp->headers && (kp->count || fmt_set || kp->since_ns || kp->until_ns)) {
		fprintf(stderr, "sluice-cat: --headers goes with no --count, --format, --since or --until\n");
		return 2;
	}
	return cat_kafka(kp);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "count", no_argument, NULL, 'c' },
		{ "verify", no_argument, NULL, 'v' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "stats", no_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "kafka", required_argument, NULL, OPT_KAFKA },
		{ "topic", required_argument, NULL, OPT_TOPIC },
		{ "from-beginning", no_argument, NULL, OPT_FROM_BEGINNING },
		{ "follow", no_argument, NULL, OPT_FOLLOW },
		{ "kafka-timeout", required_argument, NULL, OPT_KAFKA_TIMEOUT },
		{ "kafka-opt", required_argument, NULL, OPT_KAFKA_OPT },
		{ "headers", no_argument, NULL, OPT_HEADERS },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_reader_params p = { .on_damage = on_damage };
	/* Static: what it points to stays reachable until exit. */
	static struct cat_kafka_params kp = { .timeout_ms = DEF_KAFKA_TIMEOUT_MS };
	enum cat_fmt fmt = CAT_FMT_RAW;
	int count = 0, verify = 0, stats = 0, verbose = 0, errors = 0, c, rc;
	int fmt_set = 0, kafka_only = 0;
	struct sl_reader_stats st;
	struct sl_reader_rec rec;
	struct sl_reader *rd;
	uint64_t n = 0, v;
	char err[600];
	static char obuf[1 << 16];

	/* At most one topic or property per argument. */
	kp.topics = calloc((size_t)argc, sizeof(*kp.topics));
	kp.opts = calloc((size_t)argc, sizeof(*kp.opts));
	if (kp.topics == NULL || kp.opts == NULL) {
		fprintf(stderr, "sluice-cat: out of memory\n");
		return 2;
	}
	while ((c = getopt_long(argc, argv, "f:cvs:u:hSV", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			fmt_set = 1;
			if (strcmp(optarg, "raw") == 0)
				fmt = CAT_FMT_RAW;
			else if (strcmp(optarg, "text") == 0)
				fmt = CAT_FMT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				fmt = CAT_FMT_JSON;
			else {
				fprintf(stderr, "sluice-cat: --format: '%s' is not raw, text or json\n", optarg);
				return 2;
			}
			break;
		case 'c':
			count = 1;
			break;
		case 'v':
			verify = 1;
			break;
		case 'S':
			stats = 1;
			break;
		case 'V':
			verbose = 1;
			break;
		case 's':
		case 'u':
			if (parse_time(optarg, c == 's' ? &p.since_ns : &p.until_ns) != 0) {
				fprintf(stderr, "sluice-cat: --%s: '%s' is not ns since the epoch or an ISO-8601 time\n",
					c == 's' ? "since" : "until", optarg);
				return 2;
			}
			break;
		case OPT_KAFKA:
			if (optarg[0] == '\0') {
				fprintf(stderr, "sluice-cat: --kafka: empty bootstrap list\n");
				return 2;
			}
			kp.bootstrap = optarg;
			break;
		case OPT_TOPIC:
			if (optarg[0] == '\0') {
				fprintf(stderr, "sluice-cat: --topic: empty topic name\n");
				return 2;
			}
			kp.topics[kp.ntopics++] = optarg;
			kafka_only = 1;
			break;
		case OPT_FROM_BEGINNING:
			kp.from_beginning = 1;
			kafka_only = 1;
			break;
		case OPT_FOLLOW:
			kp.follow = 1;
			kafka_only = 1;
			break;
		case OPT_KAFKA_TIMEOUT:
			if (sl_parse_u64(optarg, 1, MAX_KAFKA_TIMEOUT_MS, &v) != 0) {
				fprintf(stderr, "sluice-cat: --kafka-timeout: '%s' is not 1-%d ms\n",
					optarg, MAX_KAFKA_TIMEOUT_MS);
				return 2;
			}
			kp.timeout_ms = (int)v;
			kafka_only = 1;
			break;
		case OPT_KAFKA_OPT:
			if (strchr(optarg, '=') == NULL || optarg[0] == '=') {
				fprintf(stderr, "sluice-cat: --kafka-opt: '%s' is not KEY=VALUE\n", optarg);
				return 2;
			}
			kp.opts[kp.nopts++] = optarg;
			kafka_only = 1;
			break;
		case OPT_HEADERS:
			kp.headers = 1;
			kafka_only = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (p.until_ns && p.until_ns <= p.since_ns) {
		fprintf(stderr, "sluice-cat: --until must be later than --since\n");
		return 2;
	}
	if (kp.bootstrap) {
		kp.fmt = fmt;
		kp.count = count;
		kp.verify = verify;
		kp.verbose = verbose;
		kp.since_ns = p.since_ns;
		kp.until_ns = p.until_ns;
		return kafka_main(&kp, fmt_set, stats, argc - optind);
	}
	if (kafka_only) {
		fprintf(stderr, "sluice-cat: --topic, --from-beginning, --follow, --kafka-timeout, "
			"--kafka-opt and --headers go with --kafka\n");
		return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "sluice-cat: no segment file or directory given\n");
		usage(stderr);
		return 2;
	}
	if (stats && (count || verify || p.since_ns || p.until_ns)) {
		fprintf(stderr, "sluice-cat: --stats goes with no --count, --verify, --since or --until\n");
		return 2;
	}
	if (stats) {
		errors = cat_stats(&argv[optind], argc - optind, &st);
		if (verbose)
			put_read_stats(&st);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, "sluice-cat: write error: %s\n", strerror(errno));
			return 2;
		}
		return errors ? 2 : 0;
	}
	p.verify = verify;
	rd = sl_reader_open((const char *const *)&argv[optind],
			    (unsigned int)(argc - optind), &p, err, sizeof(err));
	if (rd == NULL) {
		fprintf(stderr, "sluice-cat: %s\n", err);
		return 2;
	}
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	while ((rc = sl_reader_next(rd, &rec)) != 0) {
		if (rc < 0) {
			fprintf(stderr, "sluice-cat: %s\n", sl_reader_error(rd));
			errors++;
			continue;
		}
		n++;
		if (count || verify)
			continue;
		cat_put_rec(stdout, fmt, &rec);
	}
	sl_reader_stats(rd, &st);
	sl_reader_free(rd);
	if (verbose)
		put_read_stats(&st);
	if (count)
		printf("%" PRIu64 "\n", n);
	if (verify)
		printf("verify: %" PRIu64 " segments (%" PRIu64 " sealed), %" PRIu64
		       " frames, %" PRIu64 " records, %" PRIu64 " damaged%s\n",
		       st.segments, st.sealed, st.frames, n, st.damaged,
		       st.damaged || errors ? "" : ": OK");
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "sluice-cat: write error: %s\n", strerror(errno));
		return 2;
	}
	if (errors)
		return 2;
	return verify && st.damaged ? 1 : 0;
}

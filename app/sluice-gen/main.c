/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-gen: write a pcap of log traffic as Linux hosts send it, and the
 * messages a receiver must store from it (one JSON object per message, in
 * send order, encoded as `sluice-cat --format json` encodes them).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sl_addr.h"
#include "sl_parse.h"
#include "gen_msg.h"
#include "gen_out.h"
#include "gen_pkt.h"
#include "gen_rand.h"

#define DEF_COUNT 100000
#define DEF_FLOWS 64
#define DEF_AVG 140
#define DEF_MTU 1500
#define DEF_RATE 100000
#define DEF_START 1773057600ull /* 2026-03-09 12:00:00 UTC */
#define DEF_TRAILING 5.0
#define FLOW_SKEW 0.6           /* flow i sends in proportion to 1/(i+1)^skew */
#define OUT_BUF (4u << 20)

struct opts {
	const char *out;
	const char *expect;
	uint64_t count;
	uint32_t flows;
	struct gen_flow_params fp;
	struct gen_msg_params mp;
	uint32_t mtu;
	uint64_t seed;
	double trailing_pct;
	uint64_t rate;
	uint64_t start;
	bool nsec;
	uint16_t dports[64];
};

static void
usage(FILE *f)
{
	fputs("usage: sluice-gen --out F.pcap [--expect F.jsonl] [options]\n"
	      "  --count N          messages (default 100000)\n"
	      "  --flows N          flows (src addr, src port, dst addr, dst port) (default 64)\n"
	      "  --ipv6 PCT         share of IPv6 flows (default 0)\n"
	      "  --vlan PCT         share of flows with one 802.1Q tag (default 0)\n"
	      "  --qinq PCT         share of flows with two tags (QinQ) (default 0)\n"
	      "  --sizes DIST       AVG (realistic, default 140) | fixed:N | uniform:MIN-MAX |\n"
	      "                     natural (as generated, ~230 B)\n"
	      "  --frag-pct PCT     share of 2-60 KiB messages, sent fragmented (default 0)\n"
	      "  --mix A:B:C        weights of RFC 3164 : RFC 5424 : raw (default 40:40:20;\n"
	      "                     0:0:100 with --corpus)\n"
	      "  --corpus FILE      message content from the lines of FILE, in order\n"
	      "  --dst-ip4 A        (default 10.0.0.10)   --dst-ip6 A (default fd00::10)\n"
	      "  --src-net4 P       (default 10.10.0.0/16) --src-net6 P (default fd00:10::/64)\n"
	      "  --dst-port P[,P]   destination ports, one per flow (default 514)\n"
	      "  --mtu N            IP MTU, 1280-9000 (default 1500)\n"
	      "  --seed N           PRNG seed (default 1)\n"
	      "  --trailing-lf PCT  share of datagrams ending in LF, CRLF or NUL (default 5)\n"
	      "  --rate PPS         packet spacing of the timestamps (default 100000)\n"
	      "  --start SECONDS    time of the first packet (default 1773057600)\n"
	      "  --nsec             nanosecond pcap timestamps (default microsecond)\n",
	      f);
}

static int
bad(const char *flag, const char *val, const char *why)
{
	fprintf(stderr, "sluice-gen: %s '%s': %s\n", flag, val, why);
	return -1;
}

static int
parse_pct(const char *flag, const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !(v >= 0 && v <= 100))
		return bad(flag, s, "must be a percentage, 0-100");
	*out = v;
	return 0;
}

static int
parse_sizes(struct gen_msg_params *mp, const char *s)
{
	uint64_t a, b;
	char buf[64], *dash;

	if (strncmp(s, "fixed:", 6) == 0) {
		if (sl_parse_size(s + 6, &a) != 0 || a < 1 || a > GEN_MAX_MSG)
			return bad("--sizes", s, "fixed:N needs N in 1-65500");
		mp->size_kind = GEN_SIZE_FIXED;
		mp->size_a = (uint32_t)a;
		return 0;
	}
	if (strcmp(s, "natural") == 0) {
		mp->size_kind = GEN_SIZE_NATURAL;
		return 0;
	}
	if (strncmp(s, "uniform:", 8) == 0) {
		if (strlen(s + 8) >= sizeof(buf))
			return bad("--sizes", s, "too long");
		strcpy(buf, s + 8);
		dash = strchr(buf, '-');
		if (dash == NULL)
			return bad("--sizes", s, "uniform:MIN-MAX needs a '-'");
		*dash = '\0';
		if (sl_parse_size(buf, &a) != 0 || sl_parse_size(dash + 1, &b) != 0 ||
		    a < 1 || b < a || b > GEN_MAX_MSG)
			return bad("--sizes", s, "uniform:MIN-MAX needs 1 <= MIN <= MAX <= 65500");
		mp->size_kind = GEN_SIZE_UNIFORM;
		mp->size_a = (uint32_t)a;
		mp->size_b = (uint32_t)b;
		return 0;
	}
	if (sl_parse_size(s, &a) != 0 || a < 24 || a > 1400)
		return bad("--sizes", s, "want an average of 24-1400, fixed:N, uniform:MIN-MAX or natural");
	mp->size_kind = GEN_SIZE_REAL;
	mp->size_a = (uint32_t)a;
	return 0;
}

static int
parse_mix(struct gen_msg_params *mp, const char *s)
{
	double w[3];
	char *end;
	const char *p = s;
	int i;

	for (i = 0; i < 3; i++) {
		errno = 0;
		w[i] = strtod(p, &end);
		if (errno || end == p || w[i] < 0 || (i < 2 && *end != ':') ||
		    (i == 2 && *end != '\0'))
			return bad("--mix", s, "want three weights A:B:C (RFC 3164 : RFC 5424 : raw)");
		p = end + 1;
	}
	if (w[0] + w[1] + w[2] <= 0)
		return bad("--mix", s, "weights must not all be 0");
	memcpy(mp->mix, w, sizeof(w));
	return 0;
}

static int
parse_prefix(const char *flag, const char *s, struct sl_prefix *p, bool v4)
{
	char err[128];

	if (sl_prefix_parse(p, s, err, sizeof(err)) != 0)
		return bad(flag, s, err);
	if ((bool)p->is_v4 != v4)
		return bad(flag, s, v4 ? "not an IPv4 prefix" : "not an IPv6 prefix");
	return 0;
}

static int
parse_ip(const char *flag, const char *s, struct sl_ip *ip, bool v4)
{
	if (sl_ip_parse(ip, s) != 0)
		return bad(flag, s, "not an IP address");
	if (sl_ip_is_v4(ip) != v4)
		return bad(flag, s, v4 ? "not an IPv4 address" : "not an IPv6 address");
	return 0;
}

static int
parse_opts(struct opts *o, int argc, char **argv)
{
	enum { O_OUT = 256, O_EXPECT, O_COUNT, O_FLOWS, O_IPV6, O_VLAN, O_QINQ, O_SIZES,
		O_FRAG, O_MIX, O_CORPUS, O_DST4, O_DST6, O_SRC4, O_SRC6, O_DPORT, O_MTU,
		O_SEED, O_TRAIL, O_RATE, O_START, O_NSEC, O_HELP };
	static const struct option lo[] = {
		{ "out", 1, NULL, O_OUT }, { "expect", 1, NULL, O_EXPECT },
		{ "count", 1, NULL, O_COUNT }, { "flows", 1, NULL, O_FLOWS },
		{ "ipv6", 1, NULL, O_IPV6 }, { "vlan", 1, NULL, O_VLAN },
		{ "qinq", 1, NULL, O_QINQ }, { "sizes", 1, NULL, O_SIZES },
		{ "frag-pct", 1, NULL, O_FRAG }, { "mix", 1, NULL, O_MIX },
		{ "corpus", 1, NULL, O_CORPUS }, { "dst-ip4", 1, NULL, O_DST4 },
		{ "dst-ip6", 1, NULL, O_DST6 }, { "src-net4", 1, NULL, O_SRC4 },
		{ "src-net6", 1, NULL, O_SRC6 }, { "dst-port", 1, NULL, O_DPORT },
		{ "mtu", 1, NULL, O_MTU }, { "seed", 1, NULL, O_SEED },
		{ "trailing-lf", 1, NULL, O_TRAIL }, { "rate", 1, NULL, O_RATE },
		{ "start", 1, NULL, O_START }, { "nsec", 0, NULL, O_NSEC },
		{ "help", 0, NULL, O_HELP }, { NULL, 0, NULL, 0 },
	};
	bool mix_set = false;
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->count = DEF_COUNT;
	o->flows = DEF_FLOWS;
	o->mp.mix[0] = 40;
	o->mp.mix[1] = 40;
	o->mp.mix[2] = 20;
	o->mp.size_kind = GEN_SIZE_REAL;
	o->mp.size_a = DEF_AVG;
	o->mtu = DEF_MTU;
	o->seed = 1;
	o->trailing_pct = DEF_TRAILING;
	o->rate = DEF_RATE;
	o->start = DEF_START;
	sl_prefix_parse(&o->fp.src4, "10.10.0.0/16", NULL, 0);
	sl_prefix_parse(&o->fp.src6, "fd00:10::/64", NULL, 0);
	sl_ip_parse(&o->fp.dst4, "10.0.0.10");
	sl_ip_parse(&o->fp.dst6, "fd00::10");
	o->dports[0] = 514;
	o->fp.ndports = 1;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		const char *a = optarg;

		switch (c) {
		case O_OUT: o->out = a; break;
		case O_EXPECT: o->expect = a; break;
		case O_COUNT:
			if (sl_parse_u64(a, 1, 1ull << 32, &o->count) != 0)
				return bad("--count", a, "must be 1-4294967296");
			break;
		case O_FLOWS:
			if (sl_parse_u64(a, 1, 1u << 22, &v) != 0)
				return bad("--flows", a, "must be 1-4194304");
			o->flows = (uint32_t)v;
			break;
		case O_IPV6:
			if (parse_pct("--ipv6", a, &o->fp.ipv6_pct)) return -1;
			break;
		case O_VLAN:
			if (parse_pct("--vlan", a, &o->fp.vlan_pct)) return -1;
			break;
		case O_QINQ:
			if (parse_pct("--qinq", a, &o->fp.qinq_pct)) return -1;
			break;
		case O_SIZES:
			if (parse_sizes(&o->mp, a)) return -1;
			break;
		case O_FRAG:
			if (parse_pct("--frag-pct", a, &o->mp.frag_pct)) return -1;
			break;
		case O_MIX:
			if (parse_mix(&o->mp, a)) return -1;
			mix_set = true;
			break;
		case O_CORPUS: o->mp.corpus = a; break;
		case O_DST4:
			if (parse_ip("--dst-ip4", a, &o->fp.dst4, true)) return -1;
			break;
		case O_DST6:
			if (parse_ip("--dst-ip6", a, &o->fp.dst6, false)) return -1;
			break;
		case O_SRC4:
			if (parse_prefix("--src-net4", a, &o->fp.src4, true)) return -1;
			break;
		case O_SRC6:
			if (parse_prefix("--src-net6", a, &o->fp.src6, false)) return -1;
			break;
		case O_DPORT: {
			static uint8_t map[8192];
			uint32_t p;
			int n = sl_parse_ports(a, map);

			if (n <= 0 || n > (int)(sizeof(o->dports) / sizeof(o->dports[0])))
				return bad("--dst-port", a, "want 1-64 ports, e.g. 514 or 514,5140-5142");
			o->fp.ndports = 0;
			for (p = 1; p < 65536; p++)
				if (map[p >> 3] & (1u << (p & 7)))
					o->dports[o->fp.ndports++] = (uint16_t)p;
			break;
		}
		case O_MTU:
			if (sl_parse_u64(a, 1280, 9000, &v) != 0)
				return bad("--mtu", a, "must be 1280-9000");
			o->mtu = (uint32_t)v;
			break;
		case O_SEED:
			if (sl_parse_u64(a, 0, UINT64_MAX, &o->seed) != 0)
				return bad("--seed", a, "must be an unsigned integer");
			break;
		case O_TRAIL:
			if (parse_pct("--trailing-lf", a, &o->trailing_pct)) return -1;
			break;
		case O_RATE:
			if (sl_parse_u64(a, 1, 1000000000, &o->rate) != 0)
				return bad("--rate", a, "must be 1-1000000000 packets/s");
			break;
		case O_START:
			if (sl_parse_u64(a, 0, 4000000000ull, &o->start) != 0)
				return bad("--start", a, "must be seconds since the epoch");
			break;
		case O_NSEC: o->nsec = true; break;
		case O_HELP: case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc)
		return bad("argument", argv[optind], "unexpected");
	if (o->out == NULL) {
		fprintf(stderr, "sluice-gen: --out FILE is required\n");
		usage(stderr);
		return -1;
	}
	if (o->fp.vlan_pct + o->fp.qinq_pct > 100) {
		fprintf(stderr, "sluice-gen: --vlan plus --qinq must not exceed 100\n");
		return -1;
	}
	if (o->mp.corpus && !mix_set) {
		o->mp.mix[0] = o->mp.mix[1] = 0;
		o->mp.mix[2] = 100;
	}
	o->fp.nflows = o->flows;
	o->fp.dports = o->dports;
	return 0;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Index of the flow a uniform u in [0, total) falls on. */
static uint32_t
pick_flow(const double *cum, uint32_t n, double u)
{
	uint32_t lo = 0, hi = n - 1;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (cum[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

int
main(int argc, char **argv)
{
	static const char *const trail[] = { "\n", "\n", "\n", "\n", "\n", "\n", "\n",
		"\r\n", "\r\n", "\0" };
	static uint8_t dgram[GEN_UDP_HLEN + GEN_MAX_PAYLOAD + 8];
	static uint8_t jline[256 + SL_JSON_MSG_MAX(GEN_MAX_PAYLOAD)];
	struct opts o;
	struct gen_rand r;
	struct gen_flow *flows;
	struct gen_host *hosts;
	struct gen_msgs *g;
	struct gen_net net;
	struct gen_file pcap, exp;
	double *cum, total = 0, t0;
	uint64_t i, msg_bytes = 0, trailed = 0, v6_flows = 0, tagged = 0, qinq = 0;
	char err[256];
	uint32_t f;
	int rc;

	if (parse_opts(&o, argc, argv) != 0)
		return 2;
	t0 = now_s();
	gen_rand_seed(&r, o.seed);
	flows = calloc(o.flows, sizeof(*flows));
	hosts = calloc(o.flows, sizeof(*hosts));
	cum = calloc(o.flows, sizeof(*cum));
	if (!flows || !hosts || !cum) {
		fprintf(stderr, "sluice-gen: out of memory for %u flows\n", o.flows);
		return 1;
	}
	if (gen_flows_make(flows, &o.fp, &r, err, sizeof(err)) != 0) {
		fprintf(stderr, "sluice-gen: %s\n", err);
		return 1;
	}
	g = gen_msgs_create(&o.mp, o.seed, err, sizeof(err));
	if (g == NULL) {
		fprintf(stderr, "sluice-gen: %s\n", err);
		return 1;
	}
	for (f = 0; f < o.flows; f++) {
		gen_host_make(g, &hosts[f], f);
		total += 1.0 / pow(f + 1, FLOW_SKEW);
		cum[f] = total;
		v6_flows += flows[f].v6;
		tagged += flows[f].ntags > 0;
		qinq += flows[f].ntags == 2;
	}

	memset(&net, 0, sizeof(net));
	net.mtu = o.mtu;
	net.nsec = o.nsec;
	memcpy(net.dst_mac, "\x02\x00\x00\x00\x00\x01", 6);
	net.ip4_id = (uint16_t)gen_rand_u64(&r);
	net.ip6_id = (uint32_t)gen_rand_u64(&r);
	net.ts_ns = o.start * 1000000000ull;
	net.gap_ns = 1000000000ull / o.rate;
	if (net.gap_ns == 0)
		net.gap_ns = 1;

	rc = gen_file_open(&pcap, o.out, OUT_BUF);
	if (rc != 0) {
		fprintf(stderr, "sluice-gen: --out %s: %s\n", o.out, strerror(-rc));
		return 1;
	}
	if (o.expect) {
		rc = gen_file_open(&exp, o.expect, OUT_BUF);
		if (rc != 0) {
			fprintf(stderr, "sluice-gen: --expect %s: %s\n", o.expect, strerror(-rc));
			return 1;
		}
	}
	gen_pcap_header(&pcap, o.nsec, 65535);

	for (i = 0; i < o.count; i++) {
		const struct gen_flow *fl;
		uint8_t *msg = dgram + GEN_UDP_HLEN;
		uint32_t len, plen;

		f = pick_flow(cum, o.flows, gen_rand_double(&r) * total);
		fl = &flows[f];
		len = gen_msg_make(g, &hosts[f], net.ts_ns,
				   gen_net_max_unfragmented(&net, fl->v6), msg, GEN_MAX_MSG);
		plen = len;
		if (o.trailing_pct > 0 && gen_rand_pct(&r, o.trailing_pct)) {
			const char *t = GEN_PICK(&r, trail);
			uint32_t tl = t[0] ? (uint32_t)strlen(t) : 1;

			memcpy(msg + len, t, tl);
			plen += tl;
			trailed++;
		}
		gen_send(&net, &pcap, fl, dgram, plen);
		msg_bytes += len;
		if (o.expect) {
			size_t n = fl->jpre_len;

			memcpy(jline, fl->jpre, n);
			n += sl_json_msg(jline + n, msg, len);
			jline[n++] = '}';
			jline[n++] = '\n';
			gen_file_put(&exp, jline, n);
		}
	}

	rc = gen_file_close(&pcap);
	if (rc != 0) {
		fprintf(stderr, "sluice-gen: writing %s: %s\n", o.out, strerror(-rc));
		return 1;
	}
	if (o.expect) {
		rc = gen_file_close(&exp);
		if (rc != 0) {
			fprintf(stderr, "sluice-gen: writing %s: %s\n", o.expect, strerror(-rc));
			return 1;
		}
	}
	{
		double dt = now_s() - t0;

		fprintf(stderr,
			"sluice-gen: messages=%llu flows=%u (ipv6=%llu tagged=%llu qinq=%llu) "
			"packets=%llu fragmented_dgrams=%llu fragments=%llu trailing_terminators=%llu\n"
			"sluice-gen: msg_bytes=%llu avg_msg=%.1f wire_bytes=%llu pcap_bytes=%llu "
			"seconds=%.2f msgs_per_s=%.0f\n",
			(unsigned long long)o.count, o.flows, (unsigned long long)v6_flows,
			(unsigned long long)tagged, (unsigned long long)qinq,
			(unsigned long long)net.packets, (unsigned long long)net.frag_dgrams,
			(unsigned long long)net.frag_pkts, (unsigned long long)trailed,
			(unsigned long long)msg_bytes, (double)msg_bytes / (double)o.count,
			(unsigned long long)net.wire_bytes, (unsigned long long)pcap.total,
			dt, dt > 0 ? o.count / dt : 0.0);
	}
	gen_msgs_free(g);
	free(flows);
	free(hosts);
	free(cum);
	return 0;
}

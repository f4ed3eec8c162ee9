/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parse micro-benchmark: ns per message for ~140-byte RFC 3164, RFC 5424
 * and raw lines (padded to 140 bytes), each kind alone and as a mix (1/3
 * each), messages in separate exactly-sized buffers as they would be in
 * mbufs. Prints the best of 5 runs.
 *
 * usage: bench_parse [ITERATIONS]   (default 2,000,000 messages per run)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sl_parse_msg.h"

static const char *const msgs_3164[] = {
	"<86>Nov 23 05:10:59 web01 sshd[4242]: Accepted publickey for deploy from 10.1.2.3 port 52144 ssh2: ED25519 SHA256:abcdefghijk",
	"<13>Nov  3 05:10:59 vm01 CRON[12345]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1 >/dev/null 2>&1 &&)",
	"<189>123: router1: *Mar  1 00:00:00.123: %SYS-5-CONFIG_I: Configured from console by admin on vty0 (10.0.0.5) at 00:00:00",
	"<30>2024-01-02T03:04:05.123456+00:00 node1 systemd[1]: Started Session 42 of user deploy; unit session-42.scope active ok",
};
static const char *const msgs_5424[] = {
	"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"App\"] event",
	"<34>1 2026-11-23T05:10:59.123456+01:00 host-a.example.net app 8710 ID47 - \xef\xbb\xbf" "GET /api/v1/items?id=42 200 13ms bytes=512",
	"<14>1 2026-11-23T05:10:59Z web02 nginx 999 access [req@1 id=\"a\\\"b\" ms=\"13\"][geo@1 cc=\"DE\"] GET /healthz 200 1ms",
	"<191>1 - web03 - - - - level=debug component=cache msg=\"miss for key user:123456 after 3 probes, refreshing from db\" ok",
};
static const char *const msgs_raw[] = {
	"2026-11-23 05:10:59,123 INFO  [main] com.example.Service - request handled in 13 ms for user 123456 from 10.1.2.3 ok ok",
	"{\"ts\":\"2026-11-23T05:10:59Z\",\"level\":\"info\",\"msg\":\"request handled\",\"ms\":13,\"user\":123456,\"ip\":\"10.1.2.3\"}",
	"10.1.2.3 - - [23/Nov/2026:05:10:59 +0000] \"GET /api/v1/items?id=42 HTTP/1.1\" 200 512 \"-\" \"curl/8.0.1\" 0.013",
	"kernel: [12345.678901] eth0: link up, 10000 Mbps, full duplex, flow control rx/tx; lro on; tso on; gro on; mtu 9000 ok",
};

#define NMSG 64 /* distinct buffers, cycled */
#define MSG_LEN 140 /* each line padded (or cut) to this */

struct set {
	const char *name;
	uint8_t *buf[NMSG];
	uint32_t len[NMSG];
};

static void
fill(struct set *s, const char *name, const char *const *const lists[], unsigned nlists)
{
	unsigned k;

	s->name = name;
	for (k = 0; k < NMSG; k++) {
		const char *m = lists[k % nlists][(k / nlists) % 4];

		size_t n = strlen(m);

		s->len[k] = MSG_LEN;
		s->buf[k] = malloc(MSG_LEN);
		if (s->buf[k] == NULL)
			exit(1);
		memset(s->buf[k], 'x', MSG_LEN);
		memcpy(s->buf[k], m, n < MSG_LEN ? n : MSG_LEN);
	}
}

/* CPU time of this thread: the machine may be shared while measuring. */
static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	static const char *const *const l3164[] = { msgs_3164 };
	static const char *const *const l5424[] = { msgs_5424 };
	static const char *const *const lraw[] = { msgs_raw };
	static const char *const *const lmix[] = { msgs_3164, msgs_5424, msgs_raw };
	struct set sets[4];
	uint64_t iters = argc > 1 ? strtoull(argv[1], NULL, 0) : 2000000;
	unsigned s, rep;

	fill(&sets[0], "rfc3164", l3164, 1);
	fill(&sets[1], "rfc5424", l5424, 1);
	fill(&sets[2], "raw", lraw, 1);
	fill(&sets[3], "mix", lmix, 3);
	for (s = 0; s < 4; s++) {
		double best = 1e18, bytes = 0;
		uint64_t sink = 0, i;
		unsigned k;

		for (k = 0; k < NMSG; k++)
			bytes += sets[s].len[k];
		for (rep = 0; rep < 5; rep++) {
			double t0 = now_ns(), t;

			for (i = 0; i < iters; i++) {
				struct sl_parsed o;
				unsigned j = (unsigned)(i % NMSG);

				sink += (uint64_t)sl_parse_msg(sets[s].buf[j], sets[s].len[j], 2026, &o) +
					o.msg.off + o.flags;
			}
			t = (now_ns() - t0) / (double)iters;
			if (t < best)
				best = t;
			if (sink == 42) /* keep the loop */
				putchar(' ');
		}
		printf("%-8s %6.1f ns/msg  (%.0f-byte messages, best of 5 x %" PRIu64 ")\n",
		       sets[s].name, best, bytes / NMSG, iters);
	}
	for (s = 0; s < 4; s++)
		for (rep = 0; rep < NMSG; rep++)
			free(sets[s].buf[rep]);
	return 0;
}

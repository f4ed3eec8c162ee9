/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a message costs a worker, measured at start-up: parse (and the
 * rules, when there are any) over a few typical messages. The shard split
 * between writers uses it: a writer that shares its lcore with a worker
 * gets the time the worker leaves.
 */
#include <string.h>

#include <rte_cycles.h>

#include "app.h"
#include "sl_parse_msg.h"

/* Typical traffic: RFC 3164 and 5424 from daemons, web logs, raw lines. */
static const char *const sample[] = {
	"<38>Nov 23 06:41:02 web-03 sshd[4121]: Accepted publickey for deploy from 10.1.2.3 port 52144 ssh2",
	"<86>Nov 23 06:41:02 web-03 sshd[4122]: pam_unix(sshd:session): session opened for user deploy(uid=1001) by (uid=0)",
	"<30>1 2026-11-23T06:41:02.123456Z api-02.corp.example systemd 1 - - logrotate.service: Deactivated successfully.",
	"<190>1 2026-11-23T06:41:02.5+01:00 lb-1 nginx 812 access [req@32473 id=\"8f2a\" ms=\"12\"] 10.9.8.7 - - \"GET /api/v2/orders?id=42 HTTP/1.1\" 200 512",
	"<13>Nov 23 06:41:03 db-7 postgres[2231]: [3-1] LOG:  checkpoint complete: wrote 1187 buffers (7.2%); 0 WAL file(s) added",
	"<78>Nov 23 06:41:03 cron-1 CRON[9921]: (root) CMD (cd / && run-parts --report /etc/cron.hourly)",
	"<4>Nov 23 06:41:04 k8s-node-25 kernel: [812311.221] eth0: link up, 25000 Mbps, full duplex",
	"{\"ts\":\"2026-11-23T06:41:04Z\",\"level\":\"info\",\"svc\":\"checkout\",\"msg\":\"order placed\",\"order\":98812,\"ms\":41}",
	"2026-11-23 06:41:05,221 INFO  [main] c.e.app.Server - request served in 18 ms path=/health status=200",
	"<27>1 2026-11-23T06:41:05Z app-9 java 77 EXC - Exception in thread \"pool-3\" java.lang.IllegalStateException: closed",
	"<85>Nov 23 06:41:06 bastion sudo:   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx",
	"<134>Nov 23 06:41:06 edge-4 haproxy[611]: 192.0.2.44:41822 [23/Nov/2026:06:41:06.101] fe be/srv1 0/0/1/2/3 200 1432 - - ---- 1/1/0/0/0 0/0",
};

#define ROUNDS 3
#define PASSES 200

double
sl_calibrate_ns(const struct sl_classify *c, bool parse)
{
	struct sl_classify_worker *w = NULL;
	uint64_t best = UINT64_MAX, hz = rte_get_tsc_hz();
	unsigned int r, k, i;

	if (!parse)
		return 0;
	/* A worker handle of its own: the real ones' counters and sampling
	 * state stay untouched. */
	if (c != NULL && (w = sl_classify_worker_create(c, SOCKET_ID_ANY)) == NULL)
		return 0;
	for (r = 0; r < ROUNDS; r++) {
		uint64_t t0 = rte_rdtsc(), t;

		for (k = 0; k < PASSES; k++)
			for (i = 0; i < SL_DIM(sample); i++) {
				const uint8_t *p = (const uint8_t *)sample[i];
				uint32_t len = (uint32_t)strlen(sample[i]);
				struct sl_parsed pm;
				struct sl_verdict v;
				struct sl_classify_msg m = {
					.p = p, .len = len, .parsed = &pm,
					.transport = SL_TRANSPORT_UDP, .dport = 514,
				};

				sl_parse_msg(p, len, 2026, &pm);
				if (w != NULL)
					sl_classify_one(w, &m, &v);
			}
		t = rte_rdtsc() - t0;
		if (t < best)
			best = t;
	}
	sl_classify_worker_free(w);
	return (double)best * 1e9 / (double)hz / (PASSES * SL_DIM(sample));
}

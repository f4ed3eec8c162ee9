/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Message bodies that look like what real hosts log: sshd, nginx, the
 * kernel, JSON-logging services, kubelet, systemd, cron, postfix, a
 * firewall, sudo and Java services. Every field that varies in real logs
 * (addresses, users, paths, statuses, latencies, ids) is random here.
 * Bodies never contain CR, LF or NUL; a few carry tabs, ANSI colour
 * escapes, non-ASCII UTF-8, or (rarely) Latin-1 bytes that are not UTF-8.
 */
#include <string.h>

#include "gen_msg.h"

const char *const gen_months[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

void
gen_tm_from_ns(struct gen_tm *tm, int64_t ns)
{
	int64_t s = ns / 1000000000, days, sod;
	int64_t z, era, doe, yoe, doy, mp;

	tm->nsec = (uint32_t)(ns % 1000000000);
	days = s / 86400;
	sod = s % 86400;
	tm->hour = (int)(sod / 3600);
	tm->min = (int)(sod / 60 % 60);
	tm->sec = (int)(sod % 60);
	tm->wday = (int)((days + 4) % 7);
	/* civil_from_days (H. Hinnant) */
	z = days + 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	tm->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	tm->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	tm->year = (int)(yoe + era * 400 + (tm->mon <= 2));
}

/* ---- random fields ---- */

static void
put_ip4(struct gen_rand *r, struct gen_buf *b, bool priv)
{
	uint32_t a;

	if (priv && gen_rand_pct(r, 70)) {
		gb_str(b, "10.");
		gb_u(b, gen_rand_below(r, 256));
		gb_ch(b, '.');
	} else if (priv) {
		gb_str(b, "192.168.");
	} else {
		do {
			a = gen_rand_range(r, 1, 223);
		} while (a == 10 || a == 127 || a == 172 || a == 192);
		gb_u(b, a);
		gb_ch(b, '.');
		gb_u(b, gen_rand_below(r, 256));
		gb_ch(b, '.');
	}
	gb_u(b, gen_rand_below(r, 256));
	gb_ch(b, '.');
	gb_u(b, gen_rand_range(r, 1, 254));
}

static void
put_ip(struct gen_rand *r, struct gen_buf *b)
{
	if (gen_rand_pct(r, 12)) {
		gb_str(b, "2001:db8:");
		gb_hex(b, gen_rand_below(r, 0xffff) + 1, 4);
		gb_str(b, "::");
		gb_hex(b, gen_rand_below(r, 0xfff) + 1, 3);
	} else {
		put_ip4(r, b, gen_rand_pct(r, 30));
	}
}

/* "<address> port <port>", as sshd reports a peer. */
static void
put_ip_port(struct gen_rand *r, struct gen_buf *b)
{
	put_ip(r, b);
	gb_str(b, " port ");
	gb_u(b, gen_rand_range(r, 1024, 65535));
}

static void
put_user(struct gen_rand *r, struct gen_buf *b)
{
	static const char *const users[] = {
		"root", "admin", "ubuntu", "deploy", "oracle", "test", "postgres",
		"git", "jenkins", "alice", "bob", "carol", "dave", "ec2-user",
		"pi", "user", "support", "ansible", "backup", "www-data",
	};
	static const char *const intl[] = {
		"jos\xc3\xa9", "m\xc3\xbcller", "\xe5\xb1\xb1\xe7\x94\xb0",
		"fran\xc3\xa7ois", "\xd0\xb8\xd0\xb2\xd0\xb0\xd0\xbd",
	};
	uint32_t x = gen_rand_below(r, 1000);

	if (x < 3)
		gb_str(b, "j\xfcrgen"); /* Latin-1: not UTF-8, stored as base64 */
	else if (x < 30)
		gb_str(b, GEN_PICK(r, intl));
	else
		gb_str(b, GEN_PICK(r, users));
}

static void
put_uuid(struct gen_rand *r, struct gen_buf *b)
{
	uint64_t a = gen_rand_u64(r), c = gen_rand_u64(r);

	gb_hex(b, a >> 32, 8);
	gb_ch(b, '-');
	gb_hex(b, a >> 16, 4);
	gb_ch(b, '-');
	gb_hex(b, 0x4000 | (a & 0xfff), 4);
	gb_ch(b, '-');
	gb_hex(b, 0x8000 | (c >> 50), 4);
	gb_ch(b, '-');
	gb_hex(b, c, 12);
}

/* A latency in seconds with three decimals, mostly small, heavy tail. */
static void
put_secs(struct gen_rand *r, struct gen_buf *b)
{
	uint32_t ms = gen_rand_pct(r, 90) ? gen_rand_below(r, 120) :
		gen_rand_below(r, 30000);

	gb_u(b, ms / 1000);
	gb_ch(b, '.');
	gb_uw(b, ms % 1000, 3, '0');
}

static void
put_path(struct gen_rand *r, struct gen_buf *b)
{
	static const char *const roots[] = {
		"/api/v1/users/", "/api/v2/orders/", "/api/v1/items/", "/cart/",
		"/static/js/app.", "/images/p/", "/v1/sessions/", "/graphql",
		"/healthz", "/metrics", "/login", "/wp-login.php", "/.env",
		"/search", "/favicon.ico", "/robots.txt",
	};
	const char *p = GEN_PICK(r, roots);
	size_t n = strlen(p);

	gb_str(b, p);
	if (p[n - 1] == '/') {
		gb_u(b, gen_rand_below(r, 2000000));
	} else if (p[n - 1] == '.') {
		gb_hex(b, gen_rand_u64(r), 8);
		gb_str(b, ".js");
	} else if (p[1] == 's' && p[2] == 'e') {
		static const char *const q[] = { "shoes", "caf%C3%A9", "red+dress",
			"%22quoted%22", "a%26b" };

		gb_str(b, "?q=");
		gb_str(b, GEN_PICK(r, q));
		gb_str(b, "&page=");
		gb_u(b, gen_rand_range(r, 1, 20));
	}
}

static const char *const ua[] = {
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
	"Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
	"curl/7.88.1", "Go-http-client/1.1", "python-requests/2.31.0",
	"kube-probe/1.28", "Prometheus/2.48.0",
	"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
};

static void
put_status(struct gen_rand *r, struct gen_buf *b)
{
	static const uint16_t st[] = { 200, 200, 200, 200, 200, 200, 201, 204,
		301, 302, 304, 304, 400, 401, 403, 404, 404, 429, 499, 500, 502, 503 };

	gb_u(b, GEN_PICK(r, st));
}

/* ---- bodies ---- */

static int
body_sshd(struct gen_rand *r, struct gen_buf *b, const struct gen_host *h,
	  uint64_t ns, const char **tag)
{
	uint32_t k = gen_rand_below(r, 100);

	if (k < 40) {
		gb_str(b, "Failed password for ");
		if (gen_rand_pct(r, 60))
			gb_str(b, "invalid user ");
		put_user(r, b);
		gb_str(b, " from ");
		put_ip_port(r, b);
		gb_str(b, " ssh2");
		return 6;
	}
	if (k < 55) {
		gb_str(b, "Accepted publickey for ");
		put_user(r, b);
		gb_str(b, " from ");
		put_ip_port(r, b);
		gb_str(b, " ssh2: ED25519 SHA256:");
		gb_hex(b, gen_rand_u64(r), 16);
		gb_hex(b, gen_rand_u64(r), 16);
		return 6;
	}
	if (k < 70) {
		gb_str(b, "pam_unix(sshd:session): session ");
		gb_str(b, gen_rand_pct(r, 50) ? "opened" : "closed");
		gb_str(b, " for user ");
		put_user(r, b);
		gb_str(b, "(uid=");
		gb_u(b, gen_rand_range(r, 1000, 1100));
		gb_str(b, ") by (uid=0)");
		return 6;
	}
	if (k < 85) {
		gb_str(b, "Disconnected from authenticating user root ");
		put_ip_port(r, b);
		gb_str(b, " [preauth]");
		return 6;
	}
	if (k < 95) {
		gb_str(b, "Connection closed by invalid user ");
		put_user(r, b);
		gb_ch(b, ' ');
		put_ip_port(r, b);
		gb_str(b, " [preauth]");
		return 6;
	}
	gb_str(b, "error: maximum authentication attempts exceeded for root from ");
	put_ip_port(r, b);
	gb_str(b, " ssh2 [preauth]");
	return 3;
}

static int
body_nginx_access(struct gen_rand *r, struct gen_buf *b, const struct gen_host *h,
		  uint64_t ns, const char **tag)
{
	static const char *const meth[] = { "GET", "GET", "GET", "GET", "POST",
		"POST", "PUT", "DELETE", "HEAD", "OPTIONS" };
	struct gen_tm tm;

	gen_tm_from_ns(&tm, (int64_t)ns);
	put_ip(r, b);
	gb_str(b, " - ");
	if (gen_rand_pct(r, 20))
		put_user(r, b);
	else
		gb_ch(b, '-');
	gb_str(b, " [");
	gb_uw(b, tm.day, 2, '0');
	gb_ch(b, '/');
	gb_str(b, gen_months[tm.mon - 1]);
	gb_ch(b, '/');
	gb_u(b, tm.year);
	gb_ch(b, ':');
	gen_put_hms(b, &tm);
	gb_str(b, " +0000] \"");
	gb_str(b, GEN_PICK(r, meth));
	gb_ch(b, ' ');
	put_path(r, b);
	gb_str(b, gen_rand_pct(r, 70) ? " HTTP/1.1\" " : " HTTP/2.0\" ");
	put_status(r, b);
	gb_ch(b, ' ');
	gb_u(b, gen_rand_below(r, 60000));
	gb_str(b, " \"");
	if (gen_rand_pct(r, 40)) {
		gb_str(b, "https://shop.example.com");
		put_path(r, b);
	} else {
		gb_ch(b, '-');
	}
	gb_str(b, "\" \"");
	gb_str(b, GEN_PICK(r, ua));
	gb_str(b, "\" rt=");
	put_secs(r, b);
	gb_str(b, " uct=\"0.000\" urt=\"");
	put_secs(r, b);
	gb_ch(b, '"');
	return 6;
}

static int
body_nginx_error(struct gen_rand *r, struct gen_buf *b, const struct gen_host *h,
		 uint64_t ns, const char **tag)
{
	static const char *const what[] = {
		"connect() failed (111: Connection refused) while connecting to upstream",
		"upstream timed out (110: Connection timed out) while reading response header from upstream",
		"no live upstreams while connecting to upstream",
		"open() \"/usr/share/nginx/html/favicon.ico\" failed (2: No such file or directory)",
		"client intended to send too large body: 10485761 bytes",
	};
	struct gen_tm tm;
	uint32_t pid = gen_rand_range(r, 800, 40000);

	gen_tm_from_ns(&tm, (int64_t)ns);
	gen_put_ymd(b, &tm, '/');
	gb_ch(b, ' ');
	gen_put_hms(b, &tm);
	gb_str(b, " [error] ");
	gb_u(b, pid);
	gb_ch(b, '#');
	gb_u(b, pid);
	gb_str(b, ": *");
	gb_u(b, gen_rand_below(r, 10000000));
	gb_ch(b, ' ');
	gb_str(b, GEN_PICK(r, what));
	gb_str(b, ", client: ");
	put_ip(r, b);
	gb_str(b, ", server: api.example.com, request: \"GET ");
	put_path(r, b);
	gb_str(b, " HTTP/1.1\", upstream: \"http://10.0.");
	gb_u(b, gen_rand_below(r, 8));
	gb_ch(b, '.');
	gb_u(b, gen_rand_range(r, 2, 250));
	gb_str(b, ":8080/\", host: \"api.example.com\"");
	return 3;
}

static void
put_uptime(struct gen_rand *r, struct gen_buf *b, const struct gen_host *h, uint64_t ns)
{
	uint64_t us = (uint64_t)h->boot_s * 1000000 + (ns / 1000) % 100000000000ull;

	gb_ch(b, '[');
	gb_uw(b, us / 1000000, 5, ' ');
	gb_ch(b, '.');
	gb_uw(b, us % 1000000, 6, '0');
	gb_str(b, "] ");
}

static int
body_kernel(struct gen_rand *r, struct gen_buf *b, const struct gen_host *h,
	    uint64_t ns, const char **tag)
{
	uint32_t k = gen_rand_below(r, 100);

	put_uptime(r, b, h, ns);
	if (k < 45) {
		gb_str(b, "[UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:");
		gb_hex(b, gen_rand_u64(r), 2);
		gb_str(b, ":12:34:56:fe:ff:ff:ff:ff:ff:08:00 SRC=");
		put_ip4(r, b, false);
		gb_str(b, " DST=");
		put_ip4(r, b, true);
		gb_str(b, " LEN=");
		gb_u(b, gen_rand_range(r, 40, 1500));
		gb_str(b, " TOS=0x00 PREC=0x00 TTL=");
		gb_u(b, gen_rand_range(r, 30, 250));
		gb_str(b, " ID=");
		gb_u(b, gen_rand_below(r, 65536));
		gb_str(b, " PROTO=TCP SPT=");
		gb_u(b, gen_rand_range(r, 1024, 65535));
		gb_str(b, " DPT=");
		gb_u(b, GEN_PICK(r, ((const uint16_t[]){ 22, 23, 80, 443, 445, 3389, 8080 })));
		gb_str(b, " WINDOW=1024 RES=0x00 SYN URGP=0");
		return 4;
	}
	if (k < 60) {
		gb_str(b, "Out of memory: Killed process ");
		gb_u(b, gen_rand_range(r, 300, 4000000));
		gb_str(b, gen_rand_pct(r, 50) ? " (java)" : " (python3)");
		gb_str(b, " total-vm:");
		gb_u(b, gen_rand_range(r, 100000, 90000000));
		gb_str(b, "kB, anon-rss:");
		gb_u(b, gen_rand_range(r, 100000, 30000000));
		gb_str(b, "kB, file-rss:0kB, shmem-rss:0kB, UID:");
		gb_u(b, gen_rand_range(r, 0, 1100));
		gb_str(b, " pgtables:");
		gb_u(b, gen_rand_range(r, 100, 90000));
		gb_str(b, "kB oom_score_adj:0");
		return 3;
	}
	if (k < 75) {
		gb_str(b, "nvme nvme0: I/O ");
		gb_u(b, gen_rand_below(r, 1024));
		gb_str(b, " QID ");
		gb_u(b, gen_rand_range(r, 1, 16));
		gb_str(b, " timeout, aborting");
		return 4;
	}
	if (k < 88) {
		gb_str(b, "EXT4-fs (nvme0n1p");
		gb_u(b, gen_rand_range(r, 1, 4));
		gb_str(b, "): mounted filesystem ");
		put_uuid(r, b);
		gb_str(b, " r/w with ordered data mode. Quota mode: none.");
		return 6;
	}
	gb_str(b, "mlx5_core 0000:3b:00.");
	gb_u(b, gen_rand_below(r, 2));
	gb_str(b, " ens1f");
	gb_u(b, gen_rand_below(r, 2));
	gb_str(b, gen_rand_pct(r, 50) ? ": Link up" : ": Link down");
	return 5;
}

static int
body_app_json(struct gen_rand *r, struct gen_buf *b, const struct gen_host *h,
	      uint64_t ns, const char **tag)
{
	static const char *const lvl[] = { "info", "info", "info", "info", "debug",
		"warn", "error" };
	static const char *const msgs[] = {
		"request completed", "order created", "payment authorized",
		"cache miss", "retrying upstream call", "token refreshed",
		"user \\\"profile\\\" updated", "caf\xc3\xa9 menu synced",
		"\xe6\xb3\xa8\xe6\x96\x87\xe3\x82\x92\xe5\x8f\x97\xe3\x81\x91\xe4\xbb\x98\xe3\x81\x91\xe3\x81\xbe\xe3\x81\x97\xe3\x81\x9f",
		"shipment \xf0\x9f\x93\xa6 dispatched",
	};
	static const char *const svc[] = { "orders-api", "payments", "auth-svc",
		"catalog", "checkout" };
	struct gen_tm tm;
	const char *l = GEN_PICK(r, lvl);

	*tag = GEN_PICK(r, svc);
	gen_tm_from_ns(&tm, (int64_t)ns);
	gb_str(b, "{\"ts\":\"");
	gen_put_ymd(b, &tm, '-');
	gb_ch(b, 'T');
	gen_put_hms(b, &tm);
	gen_put_frac(b, &tm, 3);
	gb_str(b, "Z\",\"level\":\"");
	gb_str(b, l);
	gb_str(b, "\",\"msg\":\"");
	gb_str(b, GEN_PICK(r, msgs));
	gb_str(b, "\",\"method\":\"");
	gb_str(b, gen_rand_pct(r, 60) ? "GET" : "POST");
	gb_str(b, "\",\"path\":\"");
	put_path(r, b);
	gb_str(b, "\",\"status\":");
	put_status(r, b);
	gb_str(b, ",\"latency_ms\":");
	gb_u(b, gen_rand_below(r, 900));
	gb_ch(b, '.');
	gb_u(b, gen_rand_below(r, 10));
	gb_str(b, ",\"request_id\":\"");
	put_uuid(r, b);
	gb_str(b, "\",\"user_id\":");
	gb_u(b, gen_rand_below(r, 5000000));
	if (gen_rand_pct(r, 30)) {
		gb_str(b, ",\"client_ip\":\"");
		put_ip(r, b);
		gb_ch(b, '"');
	}
	gb_ch(b, '}');
	return l[0] == 'e' ? 3 : l[0] == 'w' ? 4 : l[0] == 'd' ? 7 : 6;
}

static int
body_kubelet(struct gen_rand *r, struct gen_buf *b, const struct gen_host *h,
	     uint64_t ns, const char **tag)
{
	static const char *const ns_[] = { "default", "kube-system", "payments",
		"monitoring", "ingress-nginx" };
	static const char *const app[] = { "web", "api", "worker", "coredns",
		"prometheus", "controller" };
	struct gen_tm tm;
	bool err = gen_rand_pct(r, 25);
	const char *a = GEN_PICK(r, app);

	gen_tm_from_ns(&tm, (int64_t)ns);
	gb_ch(b, err ? 'E' : 'I');
	gb_uw(b, tm.mon, 2, '0');
	gb_uw(b, tm.day, 2, '0');
	gb_ch(b, ' ');
	gen_put_hms(b, &tm);
	gen_put_frac(b, &tm, 6);
	gb_uw(b, gen_rand_range(r, 900, 9999), 8, ' ');
	if (err) {
		gb_str(b, " pod_workers.go:1298] \"Error syncing pod, skipping\" err=\"failed to \\\"StartContainer\\\" for \\\"");
		gb_str(b, a);
		gb_str(b, "\\\" with CrashLoopBackOff: \\\"back-off 5m0s restarting failed container=");
		gb_str(b, a);
		gb_str(b, "\\\"\" pod=\"");
	} else {
		gb_str(b, " kubelet.go:2430] \"SyncLoop (PLEG): event for pod\" pod=\"");
	}
	gb_str(b, GEN_PICK(r, ns_));
	gb_ch(b, '/');
	gb_str(b, a);
	gb_ch(b, '-');
	gb_hex(b, gen_rand_u64(r), 10);
	gb_ch(b, '-');
	gb_hex(b, gen_rand_u64(r), 5);
	gb_str(b, "\" podUID=\"");
	put_uuid(r, b);
	gb_ch(b, '"');
	if (!err) {
		gb_str(b, " event={\"ID\":\"");
		put_uuid(r, b);
		gb_str(b, "\",\"Type\":\"ContainerStarted\",\"Data\":\"");
		gb_hex(b, gen_rand_u64(r), 16);
		gb_hex(b, gen_rand_u64(r), 16);
		gb_str(b, "\"}");
	}
	if (gen_rand_pct(r, 2)) /* colour codes leak from containers */
		gb_str(b, " \x1b[32mready\x1b[0m");
	return err ? 3 : 6;
}

static int
body_systemd(struct gen_rand *r, struct gen_buf *b, const struct gen_host *h,
	     uint64_t ns, const char **tag)
{
	static const char *const unit[] = { "nginx", "docker", "containerd",
		"postgresql@15-main", "cron", "ssh", "apt-daily", "logrotate" };
	uint32_t k = gen_rand_below(r, 4);

	if (k == 0) {
		gb_str(b, "Started session-");
		gb_u(b, gen_rand_range(r, 1, 90000));
		gb_str(b, ".scope - Session ");
		gb_u(b, gen_rand_range(r, 1, 90000));
		gb_str(b, " of User ");
		put_user(r, b);
		gb_ch(b, '.');
		return 6;
	}
	gb_str(b, GEN_PICK(r, unit));
	if (k == 1) {
		gb_str(b, ".service: Main process exited, code=exited, status=1/FAILURE");
		return 3;
	}
	if (k == 2) {
		gb_str(b, ".service: Deactivated successfully.");
		return 6;
	}
	gb_str(b, ".service: Consumed ");
	gb_u(b, gen_rand_below(r, 600));
	gb_ch(b, '.');
	gb_uw(b, gen_rand_below(r, 1000), 3, '0');
	gb_str(b, "s CPU time.");
	return 6;
}

static int
body_cron(struct gen_rand *r, struct gen_buf *b, const struct gen_host *h,
	  uint64_t ns, const char **tag)
{
	static const char *const cmd[] = {
		"command -v debian-sa1 > /dev/null && debian-sa1 1 1",
		"/usr/local/bin/backup.sh --incremental >/dev/null 2>&1",
		"cd / && run-parts --report /etc/cron.hourly",
		"/usr/bin/certbot renew -q",
	};

	gb_ch(b, '(');
	put_user(r, b);
	gb_str(b, ") CMD (");
	gb_str(b, GEN_PICK(r, cmd));
	gb_ch(b, ')');
	return 6;
}

static int
body_postfix(struct gen_rand *r, struct gen_buf *b, const struct gen_host *h,
	     uint64_t ns, const char **tag)
{
	static const char *const dom[] = { "example.com", "example.net",
		"mail.example.org", "corp.example" };

	*tag = "postfix/smtp";
	gb_hex(b, gen_rand_u64(r), 10);
	gb_str(b, ": to=<");
	put_user(r, b);
	gb_ch(b, '@');
	gb_str(b, GEN_PICK(r, dom));
	gb_str(b, ">, relay=mx");
	gb_u(b, gen_rand_range(r, 1, 4));
	gb_ch(b, '.');
	gb_str(b, GEN_PICK(r, dom));
	gb_ch(b, '[');
	put_ip4(r, b, false);
	gb_str(b, "]:25, delay=");
	put_secs(r, b);
	gb_str(b, ", delays=0.01/0/0.2/0.31, dsn=2.0.0, status=sent (250 2.0.0 OK ");
	gb_u(b, 1700000000 + gen_rand_below(r, 100000000));
	gb_ch(b, ' ');
	gb_hex(b, gen_rand_u64(r), 12);
	gb_str(b, " - gsmtp)");
	return 6;
}

static int
body_asa(struct gen_rand *r, struct gen_buf *b, const struct gen_host *h,
	 uint64_t ns, const char **tag)
{
	bool built = gen_rand_pct(r, 60);

	*tag = built ? "%ASA-6-302013" : "%ASA-6-302014";
	gb_str(b, built ? "Built inbound TCP connection " : "Teardown TCP connection ");
	gb_u(b, gen_rand_below(r, 900000000));
	gb_str(b, built ? " for outside:" : " for outside:");
	put_ip4(r, b, false);
	gb_ch(b, '/');
	gb_u(b, gen_rand_range(r, 1024, 65535));
	gb_str(b, " to inside:");
	put_ip4(r, b, true);
	gb_ch(b, '/');
	gb_u(b, GEN_PICK(r, ((const uint16_t[]){ 80, 443, 8443, 22 })));
	if (!built) {
		gb_str(b, " duration 0:00:");
		gb_uw(b, gen_rand_below(r, 60), 2, '0');
		gb_str(b, " bytes ");
		gb_u(b, gen_rand_below(r, 9000000));
		gb_str(b, " TCP FINs");
	}
	return 6;
}

static int
body_sudo(struct gen_rand *r, struct gen_buf *b, const struct gen_host *h,
	  uint64_t ns, const char **tag)
{
	static const char *const cmd[] = { "/usr/bin/systemctl restart nginx",
		"/usr/bin/apt-get upgrade -y", "/bin/cat /var/log/auth.log",
		"/usr/bin/journalctl -u kubelet --since -1h" };

	gb_str(b, "    ");
	put_user(r, b);
	gb_str(b, " : TTY=pts/");
	gb_u(b, gen_rand_below(r, 8));
	gb_str(b, " ; PWD=/home/");
	put_user(r, b);
	gb_str(b, " ; USER=root ; COMMAND=");
	gb_str(b, GEN_PICK(r, cmd));
	return 5;
}

static int
body_java(struct gen_rand *r, struct gen_buf *b, const struct gen_host *h,
	  uint64_t ns, const char **tag)
{
	static const char *const ex[] = {
		"java.lang.NullPointerException: Cannot invoke \"String.length()\" because \"s\" is null",
		"java.net.SocketTimeoutException: Read timed out",
		"org.postgresql.util.PSQLException: ERROR: deadlock detected",
		"java.lang.IllegalStateException: Pool exhausted",
	};

	*tag = "order-service";
	gb_str(b, "ERROR [http-nio-8080-exec-");
	gb_u(b, gen_rand_range(r, 1, 200));
	gb_str(b, "] c.e.orders.OrderService - Failed to process order ");
	gb_u(b, gen_rand_below(r, 90000000));
	gb_str(b, ": ");
	gb_str(b, GEN_PICK(r, ex));
	return 3;
}

void
gen_fill(struct gen_rand *r, struct gen_buf *b, bool java)
{
	static const char *const cls[] = { "com.example.orders.OrderService.process",
		"org.springframework.web.servlet.FrameworkServlet.service",
		"org.apache.catalina.core.ApplicationFilterChain.doFilter",
		"com.zaxxer.hikari.pool.HikariPool.getConnection",
		"java.base/java.lang.Thread.run" };
	static const char *const key[] = { "trace_id", "span_id", "shard", "attempt",
		"bytes", "region", "tenant", "ref" };

	if (java) {
		gb_str(b, "\tat ");
		gb_str(b, GEN_PICK(r, cls));
		gb_str(b, "(");
		gb_str(b, gen_rand_pct(r, 50) ? "OrderService.java:" : "Unknown Source:");
		gb_u(b, gen_rand_range(r, 20, 2000));
		gb_ch(b, ')');
		return;
	}
	gb_ch(b, ' ');
	gb_str(b, GEN_PICK(r, key));
	gb_ch(b, '=');
	gb_hex(b, gen_rand_u64(r), gen_rand_range(r, 4, 16));
}

const struct gen_content gen_contents[] = {
	{ "sshd", 10, 1, 0, 16, body_sshd, "sshd" },
	{ "nginx-access", 23, 0, 0, 22, body_nginx_access, "nginx" },
	{ "nginx-error", 23, 0, 0, 4, body_nginx_error, "nginx" },
	{ "kernel", 0, 0, 0, 8, body_kernel, "kernel" },
	{ "app-json", 16, 1, 0, 16, body_app_json, "app" },
	{ "kubelet", 3, 1, 0, 10, body_kubelet, "kubelet" },
	{ "systemd", 3, 1, 0, 6, body_systemd, "systemd" },
	{ "cron", 9, 1, 0, 3, body_cron, "CRON" },
	{ "postfix", 2, 1, 0, 5, body_postfix, "postfix" },
	{ "asa", 20, 0, 0, 5, body_asa, "asa" },
	{ "sudo", 10, 0, 0, 2, body_sudo, "sudo" },
	{ "java", 17, 1, 1, 3, body_java, "java" },
};
const unsigned int gen_ncontents = sizeof(gen_contents) / sizeof(gen_contents[0]);

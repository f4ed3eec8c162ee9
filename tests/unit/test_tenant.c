/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tenant stage: the tenant file (every key, defaults, every error with its
 * exact text and line), resolution (token > longest source prefix, IPv4
 * and IPv6 > destination port > default or reject) and the meters (burst
 * then rate on a synthetic clock, bytes, refusals charge nothing, several
 * workers sharing a tenant, unlimited tenants, two real threads).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include "sl_common.h"
#include "sl_parse.h"
#include "sl_parse_msg.h"
#include "sl_tenant.h"
#include "sl_test.h"
#include "tenant_private.h" /* meters' shared state: untouched by unlimited tenants */

#define SL_ASSERT_STR_EQ(a, b) do { \
	const char *_a = (a), *_b = (b); \
	if (strcmp(_a, _b) != 0) \
		SL_FAIL("%s is\n'%s'\n# expected\n'%s'", #a, _a, _b); \
} while (0)

#define HZ 1000000000ull       /* the synthetic TSC: 1 GHz, a tick is 1 ns */
#define T0 1000000000000ull    /* synthetic start time (1000 s) */
#define MAX_MSG 2048

static uint8_t udp_ports[8192], tcp_ports[8192];
static char err[1 << 16];

static struct sl_tenant_params
params(uint16_t workers)
{
	struct sl_tenant_params p = {
		.udp_ports = udp_ports, .tcp_ports = tcp_ports, .max_msg = MAX_MSG,
		.n_workers = workers, .tsc_hz = HZ, .socket_id = SOCKET_ID_ANY,
	};
	return p;
}

static struct sl_tenant_table *
make_n(const char *text, uint16_t workers)
{
	struct sl_tenant_params p = params(workers);

	return sl_tenant_parse(text, strlen(text), "t.conf", &p, err, sizeof(err));
}

static struct sl_tenant_table *
make(const char *text)
{
	return make_n(text, 1);
}

/* ---- the file ---- */

static int
test_every_key_is_parsed(void)
{
	struct sl_tenant_table *t = make(
		"# tenant NAME KEY=VALUE ...\n"
		"tenant acme   port=5514,6514 prefix=10.1.0.0/16,2001:db8:1::/48 token=s3cret "
		"msgs=10000/s msg-burst=20000 bytes=10M/s byte-burst=20M weight=2 quota=50G "
		"quota-policy=delete-oldest\n"
		"tenant beta   prefix=10.2.0.0/16 msgs=5000/s\n"
		"tenant default msgs=100000/s        # the implicit default tenant\n"
		"default reject\n");
	const struct sl_tenant_info *a, *b, *d;

	SL_ASSERT(t != NULL);
	SL_ASSERT_STR_EQ(err, "");
	SL_ASSERT_EQ(sl_tenant_count(t), 3);
	SL_ASSERT_EQ(sl_tenant_find(t, "default"), 0);
	SL_ASSERT_EQ(sl_tenant_find(t, "acme"), 1);
	SL_ASSERT_EQ(sl_tenant_find(t, "beta"), 2);
	SL_ASSERT_EQ(sl_tenant_find(t, "gamma"), -1);
	SL_ASSERT(sl_tenant_rejects_default(t));
	SL_ASSERT(sl_tenant_uses_tokens(t));
	a = sl_tenant_info(t, 1);
	SL_ASSERT_STR_EQ(a->name, "acme");
	SL_ASSERT_EQ(a->line, 2);
	SL_ASSERT_EQ(a->msg_rate, 10000);
	SL_ASSERT_EQ(a->msg_burst, 20000);
	SL_ASSERT_EQ(a->byte_rate, 10ull << 20);
	SL_ASSERT_EQ(a->byte_burst, 20ull << 20);
	SL_ASSERT_EQ(a->weight, 2);
	SL_ASSERT_EQ(a->quota_bytes, 50ull << 30);
	SL_ASSERT_EQ(a->quota_policy, SL_QUOTA_DELETE_OLDEST);
	b = sl_tenant_info(t, 2);
	SL_ASSERT_STR_EQ(b->name, "beta");
	SL_ASSERT_EQ(b->line, 3);
	SL_ASSERT_EQ(b->msg_rate, 5000);
	SL_ASSERT_EQ(b->msg_burst, 500);
	SL_ASSERT_EQ(b->byte_rate, 0);
	SL_ASSERT_EQ(b->byte_burst, 0);
	SL_ASSERT_EQ(b->weight, 1);
	SL_ASSERT_EQ(b->quota_policy, SL_QUOTA_NONE);
	d = sl_tenant_info(t, 0);
	SL_ASSERT_STR_EQ(d->name, "default");
	SL_ASSERT_EQ(d->line, 4);
	SL_ASSERT_EQ(d->msg_rate, 100000);
	SL_ASSERT_EQ(d->msg_burst, 10000);
	SL_ASSERT(sl_tenant_info(t, 3) == NULL);
	sl_tenant_table_free(t);
	return 0;
}

static int
test_defaults_of_bursts_weight_and_quota_policy(void)
{
	struct sl_tenant_table *t = make(
		"tenant a msgs=1000/s bytes=1M/s quota=10G\n"
		"tenant b msgs=5/s bytes=10K/s\n"
		"tenant c\n");
	const struct sl_tenant_info *i;

	SL_ASSERT(t != NULL);
	i = sl_tenant_info(t, 1);
	SL_ASSERT_EQ(i->msg_burst, 100);                 /* a tenth of a second */
	SL_ASSERT_EQ(i->byte_burst, (1u << 20) / 10);
	SL_ASSERT_EQ(i->quota_bytes, 10ull << 30);
	SL_ASSERT_EQ(i->quota_policy, SL_QUOTA_DROP_NEWEST); /* quota without policy */
	SL_ASSERT_EQ(i->weight, 1);
	i = sl_tenant_info(t, 2);
	SL_ASSERT_EQ(i->msg_burst, 1);                   /* at least 1 */
	SL_ASSERT_EQ(i->byte_burst, MAX_MSG);            /* at least --max-msg */
	i = sl_tenant_info(t, 3);
	SL_ASSERT_EQ(i->msg_rate, 0);
	SL_ASSERT_EQ(i->byte_rate, 0);
	SL_ASSERT_EQ(i->quota_policy, SL_QUOTA_NONE);
	/* The implicit default: id 0, line 0, unlimited, accept. */
	i = sl_tenant_info(t, 0);
	SL_ASSERT_STR_EQ(i->name, "default");
	SL_ASSERT_EQ(i->line, 0);
	SL_ASSERT_EQ(i->msg_rate, 0);
	SL_ASSERT_EQ(i->weight, 1);
	SL_ASSERT(!sl_tenant_rejects_default(t));
	SL_ASSERT(!sl_tenant_uses_tokens(t));
	sl_tenant_table_free(t);
	/* An empty file: the default alone. */
	t = make("");
	SL_ASSERT(t != NULL);
	SL_ASSERT_EQ(sl_tenant_count(t), 1);
	sl_tenant_table_free(t);
	return 0;
}

static int
test_comments_blank_lines_crlf_and_repeated_keys(void)
{
	struct sl_tenant_table *t = make(
		"# a comment\r\n"
		"\r\n"
		"   \t\n"
		"tenant a\tport=5514 prefix=10.1.0.0/16 # port=6514\r\n"
		"tenant b prefix=10.2.0.0/16 prefix=10.3.0.0/16,10.4.0.0/16 port=6514 port=10000-10002\r\n"
		"default accept # the default\r\n");
	struct sl_ip ip;

	SL_ASSERT(t != NULL);
	SL_ASSERT_EQ(sl_tenant_count(t), 3);
	SL_ASSERT_EQ(sl_tenant_info(t, 1)->line, 4);
	SL_ASSERT_EQ(sl_tenant_info(t, 2)->line, 5);
	sl_ip_parse(&ip, "192.0.2.1");
	SL_ASSERT_EQ(sl_tenant_resolve(t, &ip, 6514, NULL, 0, 0, NULL), 2); /* not commented out */
	SL_ASSERT_EQ(sl_tenant_resolve(t, &ip, 10001, NULL, 0, 0, NULL), 2);
	SL_ASSERT_EQ(sl_tenant_resolve(t, &ip, 5514, NULL, 0, 0, NULL), 1);
	sl_ip_parse(&ip, "10.3.9.9");
	SL_ASSERT_EQ(sl_tenant_resolve(t, &ip, 514, NULL, 0, 0, NULL), 2);
	sl_ip_parse(&ip, "10.4.9.9");
	SL_ASSERT_EQ(sl_tenant_resolve(t, &ip, 514, NULL, 0, 0, NULL), 2);
	SL_ASSERT(!sl_tenant_rejects_default(t));
	sl_tenant_table_free(t);
	return 0;
}

struct err_case {
	const char *text;
	const char *want;
};

#define KEYS "(port, prefix, token, msgs, msg-burst, bytes, byte-burst, weight, quota, quota-policy)"
#define NAME_RULE "([A-Za-z0-9_.-], 1-47 characters, not . or ..)"
#define PORT_RULE "(ports 1-65535 and ranges FIRST-LAST, comma-separated)"
#define TOKEN_CHARS "token has a character other than printable ASCII (no space, \", \\ or ])"

static const struct err_case err_cases[] = {
	/* keys and values */
	{ "tenant a foo=1", "t.conf:1: tenant a: unknown key 'foo' " KEYS "\n" },
	{ "tenant a msgs", "t.conf:1: tenant a: expected KEY=VALUE, not 'msgs'\n" },
	{ "tenant a msgs=", "t.conf:1: tenant a: msgs= needs a value\n" },
	{ "tenant a msgs=100",
	  "t.conf:1: tenant a: msgs wants RATE/s, 1/s to 1G/s (K, M, G suffixes), not '100'\n" },
	{ "tenant a msgs=0/s",
	  "t.conf:1: tenant a: msgs wants RATE/s, 1/s to 1G/s (K, M, G suffixes), not '0/s'\n" },
	{ "tenant a msgs=2G/s",
	  "t.conf:1: tenant a: msgs wants RATE/s, 1/s to 1G/s (K, M, G suffixes), not '2G/s'\n" },
	{ "tenant a bytes=10Q/s", "t.conf:1: tenant a: bytes wants SIZE/s, 1/s to 1T/s "
	  "(K, M, G, T suffixes), not '10Q/s'\n" },
	{ "tenant a msgs=1/s msg-burst=0", "t.conf:1: tenant a: msg-burst wants a count >= 1 "
	  "(K, M, G suffixes), not '0'\n" },
	{ "tenant a bytes=1M/s byte-burst=lots", "t.conf:1: tenant a: byte-burst wants a size "
	  ">= 1 (K, M, G, T suffixes), not 'lots'\n" },
	{ "tenant a weight=0", "t.conf:1: tenant a: weight wants 1-1000, not '0'\n" },
	{ "tenant a weight=1001", "t.conf:1: tenant a: weight wants 1-1000, not '1001'\n" },
	{ "tenant a weight=2x", "t.conf:1: tenant a: weight wants 1-1000, not '2x'\n" },
	{ "tenant a quota=0", "t.conf:1: tenant a: quota wants a size >= 1 (K, M, G, T suffixes), "
	  "not '0'\n" },
	{ "tenant a quota=1G quota-policy=maybe", "t.conf:1: tenant a: quota-policy wants "
	  "drop-newest or delete-oldest, not 'maybe'\n" },
	{ "tenant a msgs=1/s msgs=2/s", "t.conf:1: tenant a: msgs= given twice\n" },
	/* combinations */
	{ "tenant a quota-policy=drop-newest", "t.conf:1: tenant a: quota-policy= without quota=\n" },
	{ "tenant a msg-burst=10", "t.conf:1: tenant a: msg-burst= without msgs=\n" },
	{ "tenant a byte-burst=10K", "t.conf:1: tenant a: byte-burst= without bytes=\n" },
	{ "tenant a bytes=1M/s byte-burst=1K", "t.conf:1: tenant a: byte-burst 1024 is below "
	  "--max-msg 2048 (a message that long could never pass)\n" },
	/* ports */
	{ "tenant a port=0", "t.conf:1: tenant a: bad port list '0' " PORT_RULE "\n" },
	{ "tenant a port=70000", "t.conf:1: tenant a: bad port list '70000' " PORT_RULE "\n" },
	{ "tenant a port=10-5", "t.conf:1: tenant a: bad port list '10-5' " PORT_RULE "\n" },
	{ "tenant a port=syslog", "t.conf:1: tenant a: bad port list 'syslog' " PORT_RULE "\n" },
	{ "tenant a port=7000",
	  "t.conf:1: tenant a: port 7000 is not an ingest port (--udp/--tcp)\n" },
	{ "tenant a port=514,7000-7010,10000,601",
	  "t.conf:1: tenant a: ports 7000-7010 are not ingest ports (--udp/--tcp)\n" },
	{ "tenant a port=5514\ntenant b port=5514",
	  "t.conf:2: tenant b: port 5514 already belongs to tenant a (line 1)\n" },
	{ "tenant a port=10000-10005\ntenant b port=10003-10010,6514,5514\ntenant c port=5514",
	  "t.conf:2: tenant b: ports 10003-10005 already belong to tenant a (line 1)\n"
	  "t.conf:3: tenant c: port 5514 already belongs to tenant b (line 2)\n" },
	/* prefixes */
	{ "tenant a prefix=10.1.2.3/16", "t.conf:1: tenant a: 10.1.2.3/16 has bits set past /16\n" },
	{ "tenant a prefix=2001:db8::1/32",
	  "t.conf:1: tenant a: 2001:db8::1/32 has bits set past /32\n" },
	{ "tenant a prefix=10.1.0.0/33",
	  "t.conf:1: tenant a: bad prefix: prefix length '33' must be 0-32\n" },
	{ "tenant a prefix=nothere",
	  "t.conf:1: tenant a: bad prefix: 'nothere' is not an IPv4 or IPv6 address\n" },
	{ "tenant a prefix=10.0.0.0/8,", "t.conf:1: tenant a: empty item in a prefix list\n" },
	{ "tenant a prefix=10.1.0.0/16,10.1.0.0/16",
	  "t.conf:1: tenant a: prefix 10.1.0.0/16 given twice\n" },
	{ "tenant a prefix=10.1.0.0/16\ntenant b prefix=10.2.0.0/16 prefix=10.1.0.0/16",
	  "t.conf:2: tenant b: prefix 10.1.0.0/16 already belongs to tenant a (line 1)\n" },
	{ "tenant a prefix=2001:db8:1::/48\ntenant b prefix=2001:DB8:1:0::/48",
	  "t.conf:2: tenant b: prefix 2001:db8:1::/48 already belongs to tenant a (line 1)\n" },
	/* tokens: never echoed */
	{ "tenant a token=x\ntenant b token=x",
	  "t.conf:2: tenant b: token already belongs to tenant a (line 1)\n" },
	{ "tenant a token=x token=x", "t.conf:1: tenant a: the same token given twice\n" },
	{ "tenant a token=0123456789012345678901234567890123456789012345678901234567890123X",
	  "t.conf:1: tenant a: token longer than 64 characters\n" },
	{ "tenant a token=a\"b", "t.conf:1: tenant a: " TOKEN_CHARS "\n" },
	{ "tenant a token=a\\b", "t.conf:1: tenant a: " TOKEN_CHARS "\n" },
	{ "tenant a token=a]b", "t.conf:1: tenant a: " TOKEN_CHARS "\n" },
	{ "tenant a token=caf\xc3\xa9", "t.conf:1: tenant a: " TOKEN_CHARS "\n" },
	/* the default tenant */
	{ "tenant default port=5514", "t.conf:1: tenant default: the default tenant takes no "
	  "port= (it has what no other tenant matches)\n" },
	{ "tenant default msgs=10/s prefix=10.0.0.0/8", "t.conf:1: tenant default: the default "
	  "tenant takes no prefix= (it has what no other tenant matches)\n" },
	{ "tenant default token=abc", "t.conf:1: tenant default: the default tenant takes no "
	  "token= (it has what no other tenant matches)\n" },
	/* names */
	{ "tenant a\ntenant b\ntenant a msgs=1/s",
	  "t.conf:3: tenant a: duplicate tenant name (first at line 1)\n" },
	{ "tenant default\ntenant default",
	  "t.conf:2: tenant default: duplicate tenant name (first at line 1)\n" },
	{ "tenant a/b", "t.conf:1: invalid tenant name 'a/b' " NAME_RULE "\n" },
	{ "tenant .", "t.conf:1: invalid tenant name '.' " NAME_RULE "\n" },
	{ "tenant ..", "t.conf:1: invalid tenant name '..' " NAME_RULE "\n" },
	{ "tenant b#x", "t.conf:1: invalid tenant name 'b#x' " NAME_RULE "\n" },
	{ "tenant 0123456789012345678901234567890123456789012345678",
	  "t.conf:1: invalid tenant name '0123456789012345678901234567890123456789012345678' "
	  NAME_RULE "\n" },
	{ "tenant", "t.conf:1: tenant needs a name\n" },
	{ "tenant # comment", "t.conf:1: tenant needs a name\n" },
	/* lines */
	{ "default reject\ndefault accept", "t.conf:2: a second default line (the first is line 1)\n" },
	{ "default", "t.conf:1: default needs accept or reject\n" },
	{ "default maybe", "t.conf:1: unknown default 'maybe' (accept or reject)\n" },
	{ "default reject now", "t.conf:1: unexpected 'now' after default reject\n" },
	{ "tenants a", "t.conf:1: unknown line 'tenants' (tenant NAME KEY=VALUE... or default "
	  "accept|reject)\n" },
	{ "tenant a port=5514\x1b[31m", "t.conf:1: tenant a: bad port list '5514?[31m' "
	  PORT_RULE "\n" },
};

static int
test_each_error_has_its_exact_text(void)
{
	struct sl_tenant_params p = params(1);
	char err2[4096];
	unsigned int i;

	for (i = 0; i < SL_DIM(err_cases); i++) {
		const char *text = err_cases[i].text;
		struct sl_tenant_table *t = make(text);

		if (t != NULL)
			SL_FAIL("case %u ('%s') loaded", i, text);
		SL_ASSERT_EQ(rte_errno, EINVAL);
		if (strcmp(err, err_cases[i].want) != 0)
			SL_FAIL("case %u ('%s'):\n'%s'\n# expected\n'%s'", i, text, err,
				err_cases[i].want);
		/* The EAL-free check says the same. */
		SL_ASSERT_EQ(sl_tenant_check(text, strlen(text), "t.conf", &p, err2, sizeof(err2)),
			     -EINVAL);
		SL_ASSERT_STR_EQ(err2, err);
	}
	return 0;
}

static int
test_every_error_is_reported_sorted_by_line(void)
{
	struct sl_tenant_table *t = make(
		"tenant a port=7000 msgs=1\n"
		"tenant a msgs=1/s\n"
		"tenant b prefix=10.1.0.0/16\n"
		"tenant c prefix=10.1.0.0/16 foo=1\n"
		"bogus\n"
		"default reject\n"
		"default accept\n"
		"tenant d msgs=1/s\n");

	SL_ASSERT(t == NULL);
	SL_ASSERT_STR_EQ(err,
		"t.conf:1: tenant a: port 7000 is not an ingest port (--udp/--tcp)\n"
		"t.conf:1: tenant a: msgs wants RATE/s, 1/s to 1G/s (K, M, G suffixes), not '1'\n"
		"t.conf:2: tenant a: duplicate tenant name (first at line 1)\n"
		"t.conf:4: tenant c: prefix 10.1.0.0/16 already belongs to tenant b (line 3)\n"
		"t.conf:4: tenant c: unknown key 'foo' " KEYS "\n"
		"t.conf:5: unknown line 'bogus' (tenant NAME KEY=VALUE... or default accept|reject)\n"
		"t.conf:7: a second default line (the first is line 6)\n");
	return 0;
}

static int
test_nul_byte_is_an_error(void)
{
	static const char text[] = "tenant a\ntenant b\0x msgs=1/s\n";
	struct sl_tenant_params p = params(1);

	SL_ASSERT(sl_tenant_parse(text, sizeof(text) - 1, "t.conf", &p, err, sizeof(err)) == NULL);
	SL_ASSERT_STR_EQ(err, "t.conf:2: NUL byte in the line\n");
	return 0;
}

static int
test_ports_are_not_checked_without_port_lists(void)
{
	struct sl_tenant_params p = params(1);
	char text[] = "tenant a port=7000\n";
	struct sl_tenant_table *t;

	p.udp_ports = NULL; /* NULL: any port */
	t = sl_tenant_parse(text, strlen(text), "t.conf", &p, err, sizeof(err));
	SL_ASSERT(t != NULL);
	sl_tenant_table_free(t);
	p = params(1);
	p.tcp_ports = NULL;
	SL_ASSERT_EQ(sl_tenant_check(text, strlen(text), "t.conf", &p, err, sizeof(err)), 2);
	SL_ASSERT_EQ(sl_tenant_check(text, strlen(text), "t.conf", NULL, err, sizeof(err)), 2);
	return 0;
}

static int
test_names_at_the_limits(void)
{
	struct sl_tenant_table *t = make(
		"tenant 01234567890123456789012345678901234567890123456\n" /* 47 */
		"tenant A.b_c-d\n"
		"tenant ...\n");

	SL_ASSERT(t != NULL);
	SL_ASSERT_EQ(sl_tenant_find(t, "01234567890123456789012345678901234567890123456"), 1);
	SL_ASSERT_EQ(sl_tenant_find(t, "A.b_c-d"), 2);
	SL_ASSERT_EQ(sl_tenant_find(t, "..."), 3);
	sl_tenant_table_free(t);
	return 0;
}

static int
test_at_most_65535_tenants(void)
{
	size_t cap = 20u * 70000, len = 0;
	char *text = malloc(cap);
	struct sl_tenant_table *t;
	struct sl_tenant_params p = params(1);
	uint32_t i;

	SL_ASSERT(text != NULL);
	for (i = 1; i < SL_TENANT_MAX; i++)
		len += (size_t)sprintf(text + len, "tenant t%u\n", i);
	t = sl_tenant_parse(text, len, "t.conf", &p, err, sizeof(err));
	SL_ASSERT(t != NULL);
	SL_ASSERT_EQ(sl_tenant_count(t), SL_TENANT_MAX);
	SL_ASSERT_EQ(sl_tenant_find(t, "t65534"), 65534);
	sl_tenant_table_free(t);
	len += (size_t)sprintf(text + len, "tenant one-too-many\ntenant two-too-many\n");
	t = sl_tenant_parse(text, len, "t.conf", &p, err, sizeof(err));
	free(text);
	SL_ASSERT(t == NULL);
	SL_ASSERT_STR_EQ(err, "t.conf:65535: tenant one-too-many: too many tenants (at most 65535, "
			 "the default included)\n");
	return 0;
}

static int
test_load_reads_a_file_and_names_it_in_errors(void)
{
	struct sl_tenant_params p = params(1);
	char path[] = "/tmp/sl-tenant-XXXXXX";
	struct sl_tenant_table *t;
	int fd = mkstemp(path);
	static const char text[] = "tenant a msgs=10/s\ntenant b msgs=ten\n";

	SL_ASSERT(fd >= 0);
	SL_ASSERT_EQ(write(fd, text, sizeof(text) - 1), (long long)sizeof(text) - 1);
	close(fd);
	t = sl_tenant_load(path, &p, err, sizeof(err));
	SL_ASSERT(t == NULL);
	{
		char want[256];

		snprintf(want, sizeof(want), "%s:2: tenant b: msgs wants RATE/s, 1/s to 1G/s "
			 "(K, M, G suffixes), not 'ten'\n", path);
		SL_ASSERT_STR_EQ(err, want);
	}
	fd = open(path, O_WRONLY | O_TRUNC);
	SL_ASSERT(fd >= 0);
	SL_ASSERT_EQ(write(fd, text, 19), 19);
	close(fd);
	t = sl_tenant_load(path, &p, err, sizeof(err));
	unlink(path);
	SL_ASSERT(t != NULL);
	SL_ASSERT_EQ(sl_tenant_count(t), 2);
	sl_tenant_table_free(t);
	t = sl_tenant_load("/nonexistent/tenants.conf", &p, err, sizeof(err));
	SL_ASSERT(t == NULL);
	SL_ASSERT_EQ(rte_errno, ENOENT);
	SL_ASSERT_STR_EQ(err, "/nonexistent/tenants.conf: cannot read: No such file or directory\n");
	sl_tenant_table_free(NULL);
	return 0;
}

static int
test_check_counts_tenants_without_the_eal(void)
{
	static const char text[] = "tenant a\ntenant b port=5514\ndefault reject\n";
	struct sl_tenant_params p = params(1);

	SL_ASSERT_EQ(sl_tenant_check(text, sizeof(text) - 1, "t.conf", &p, err, sizeof(err)), 3);
	SL_ASSERT_STR_EQ(err, "");
	/* Bad parameters are the caller's error, not the file's. */
	p.n_workers = 0;
	SL_ASSERT(sl_tenant_parse(text, sizeof(text) - 1, "t.conf", &p, err, sizeof(err)) == NULL);
	SL_ASSERT_EQ(rte_errno, EINVAL);
	return 0;
}

/* ---- resolution ---- */

static uint16_t
res(const struct sl_tenant_table *t, const char *addr, uint16_t dport)
{
	struct sl_ip ip;

	if (sl_ip_parse(&ip, addr) != 0)
		return 0xeeee;
	return sl_tenant_resolve(t, &ip, dport, NULL, 0, 0, NULL);
}

/* Resolve with a message (its SD found by sl_parse_msg()). */
static uint16_t
res_msg(const struct sl_tenant_table *t, const char *addr, uint16_t dport, const char *msg,
	bool *bad)
{
	struct sl_parsed pm;
	struct sl_ip ip;

	if (sl_ip_parse(&ip, addr) != 0)
		return 0xeeee;
	sl_parse_msg((const uint8_t *)msg, (uint32_t)strlen(msg), 2026, &pm);
	*bad = false;
	return sl_tenant_resolve(t, &ip, dport, (const uint8_t *)msg, pm.sd.off, pm.sd.len, bad);
}

#define RES_FILE \
	"tenant acme prefix=10.1.0.0/16,2001:db8:1::/48 port=5514\n"  /* 1 */ \
	"tenant inner prefix=10.1.5.0/24\n"                           /* 2 */ \
	"tenant inner2 prefix=10.1.5.128/25,2001:db8:1:2::/64\n"      /* 3 */ \
	"tenant beta port=6514,10000-10010\n"                         /* 4 */ \
	"tenant tok token=s3cret token=other-Token_1\n"               /* 5 */ \
	"tenant host prefix=10.9.9.9,2001:db8:9::9/128\n"             /* 6 */

static int
test_longest_prefix_wins_ipv4_and_ipv6(void)
{
	struct sl_tenant_table *t = make(RES_FILE);

	SL_ASSERT(t != NULL);
	SL_ASSERT_EQ(res(t, "10.1.0.1", 514), 1);
	SL_ASSERT_EQ(res(t, "10.1.4.255", 514), 1);
	SL_ASSERT_EQ(res(t, "10.1.5.1", 514), 2);
	SL_ASSERT_EQ(res(t, "10.1.5.127", 514), 2);
	SL_ASSERT_EQ(res(t, "10.1.5.128", 514), 3);   /* /25: past rte_lpm's tbl24 */
	SL_ASSERT_EQ(res(t, "10.1.5.255", 514), 3);
	SL_ASSERT_EQ(res(t, "10.1.255.255", 514), 1);
	SL_ASSERT_EQ(res(t, "10.9.9.9", 514), 6);     /* a host: /32 */
	SL_ASSERT_EQ(res(t, "10.9.9.8", 514), 0);
	SL_ASSERT_EQ(res(t, "10.2.0.1", 514), 0);
	SL_ASSERT_EQ(res(t, "::ffff:10.1.5.200", 514), 3); /* IPv4-mapped goes to rte_lpm */
	SL_ASSERT_EQ(res(t, "2001:db8:1::5", 514), 1);
	SL_ASSERT_EQ(res(t, "2001:db8:1:2::5", 514), 3);
	SL_ASSERT_EQ(res(t, "2001:db8:1:3::5", 514), 1);
	SL_ASSERT_EQ(res(t, "2001:db8:9::9", 514), 6);
	SL_ASSERT_EQ(res(t, "2001:db8:9::8", 514), 0);
	SL_ASSERT_EQ(res(t, "2001:db8:2::1", 514), 0);
	/* 10.1.0.0/16 in IPv6 space is not 10.1.0.0/16. */
	SL_ASSERT_EQ(res(t, "::a01:1", 514), 0);
	sl_tenant_table_free(t);
	return 0;
}

static int
test_prefix_beats_port_beats_default(void)
{
	struct sl_tenant_table *t = make(RES_FILE);

	SL_ASSERT(t != NULL);
	SL_ASSERT_EQ(res(t, "10.2.0.1", 6514), 4);
	SL_ASSERT_EQ(res(t, "10.2.0.1", 10000), 4);
	SL_ASSERT_EQ(res(t, "10.2.0.1", 10010), 4);
	SL_ASSERT_EQ(res(t, "10.2.0.1", 10011), 0);
	SL_ASSERT_EQ(res(t, "10.2.0.1", 5514), 1);
	SL_ASSERT_EQ(res(t, "10.1.5.1", 6514), 2);       /* prefix > port */
	SL_ASSERT_EQ(res(t, "2001:db8:2::1", 6514), 4);
	SL_ASSERT_EQ(res(t, "2001:db8:1:2::1", 6514), 3);
	sl_tenant_table_free(t);
	return 0;
}

static int
test_default_reject_and_catch_all_prefixes(void)
{
	struct sl_tenant_table *t = make(
		"tenant all4 prefix=0.0.0.0/0\n"
		"tenant net prefix=10.0.0.0/8\n"
		"tenant p port=5514\n"
		"default reject\n");

	SL_ASSERT(t != NULL);
	SL_ASSERT_EQ(res(t, "10.1.1.1", 5514), 2);
	SL_ASSERT_EQ(res(t, "192.168.1.1", 5514), 1);   /* /0 is still a prefix: > port */
	SL_ASSERT_EQ(res(t, "2001:db8::1", 5514), 3);
	SL_ASSERT_EQ(res(t, "2001:db8::1", 514), SL_TENANT_REJECT);
	sl_tenant_table_free(t);
	t = make("tenant all6 prefix=::/0\ntenant n6 prefix=2001:db8::/32\n");
	SL_ASSERT(t != NULL);
	SL_ASSERT_EQ(res(t, "2001:db8::1", 514), 2);
	SL_ASSERT_EQ(res(t, "2001:db9::1", 514), 1);
	SL_ASSERT_EQ(res(t, "10.0.0.1", 514), 0);        /* IPv4 is not in ::/0 */
	sl_tenant_table_free(t);
	return 0;
}

#define HDR "<165>1 2003-10-11T22:14:15.003Z host app - ID47 "

static int
test_token_beats_prefix_and_port(void)
{
	struct sl_tenant_table *t = make(RES_FILE);
	bool bad;

	SL_ASSERT(t != NULL);
	SL_ASSERT_EQ(res_msg(t, "10.2.0.1", 514, HDR "[sluice@32473 key=\"s3cret\"] hi", &bad), 5);
	SL_ASSERT(!bad);
	SL_ASSERT_EQ(res_msg(t, "10.1.5.1", 6514, HDR "[sluice@32473 key=\"s3cret\"] hi", &bad), 5);
	SL_ASSERT(!bad);
	/* The second token of the tenant; the element after another one, the
	 * key after another param. */
	SL_ASSERT_EQ(res_msg(t, "10.1.5.1", 514, HDR "[origin@1 ip=\"1\"][sluice@32473 x=\"1\" "
			     "key=\"other-Token_1\"] hi", &bad), 5);
	SL_ASSERT(!bad);
	/* A key in another SD element is not a token. */
	SL_ASSERT_EQ(res_msg(t, "10.1.5.1", 514, HDR "[other@1 key=\"s3cret\"] hi", &bad), 2);
	SL_ASSERT(!bad);
	/* No SD, and not RFC 5424. */
	SL_ASSERT_EQ(res_msg(t, "10.1.5.1", 514, HDR "- hi", &bad), 2);
	SL_ASSERT_EQ(res_msg(t, "10.1.5.1", 514, "<13>Oct 11 22:14:15 host app: "
			     "[sluice@32473 key=\"s3cret\"]", &bad), 2);
	SL_ASSERT(!bad);
	sl_tenant_table_free(t);
	return 0;
}

static int
test_unknown_token_falls_through_and_is_flagged(void)
{
	struct sl_tenant_table *t = make(RES_FILE);
	char msg[256];
	bool bad;

	SL_ASSERT(t != NULL);
	SL_ASSERT_EQ(res_msg(t, "10.1.5.1", 514, HDR "[sluice@32473 key=\"nope\"] hi", &bad), 2);
	SL_ASSERT(bad);
	SL_ASSERT_EQ(res_msg(t, "10.2.0.1", 6514, HDR "[sluice@32473 key=\"nope\"] hi", &bad), 4);
	SL_ASSERT(bad);
	SL_ASSERT_EQ(res_msg(t, "10.2.0.1", 514, HDR "[sluice@32473 key=\"nope\"] hi", &bad), 0);
	SL_ASSERT(bad);
	/* Only the first key counts. */
	SL_ASSERT_EQ(res_msg(t, "10.2.0.1", 514, HDR "[sluice@32473 key=\"nope\" key=\"s3cret\"]",
			     &bad), 0);
	SL_ASSERT(bad);
	SL_ASSERT_EQ(res_msg(t, "10.2.0.1", 514, HDR "[sluice@32473 key=\"\"] hi", &bad), 0);
	SL_ASSERT(bad);
	/* Escapes are resolved: s3cret\] is "s3cret]", and a prefix of it is not it. */
	SL_ASSERT_EQ(res_msg(t, "10.2.0.1", 514, HDR "[sluice@32473 key=\"s3cret\\]\"] hi", &bad), 0);
	SL_ASSERT(bad);
	SL_ASSERT_EQ(res_msg(t, "10.2.0.1", 514, HDR "[sluice@32473 key=\"s3cre\"] hi", &bad), 0);
	SL_ASSERT(bad);
	SL_ASSERT_EQ(res_msg(t, "10.2.0.1", 514, HDR "[sluice@32473 key=\"s3\\cret\"] hi", &bad), 0);
	SL_ASSERT(bad);
	/* Longer than any token can be. */
	snprintf(msg, sizeof(msg), HDR "[sluice@32473 key=\"s3cret%070d\"] hi", 0);
	SL_ASSERT_EQ(res_msg(t, "10.1.0.1", 514, msg, &bad), 1);
	SL_ASSERT(bad);
	/* bad_token may be NULL; msg NULL skips tokens. */
	{
		static const char m[] = HDR "[sluice@32473 key=\"s3cret\"] hi";
		struct sl_parsed pm;
		struct sl_ip ip;

		sl_ip_parse(&ip, "10.1.0.1");
		sl_parse_msg((const uint8_t *)m, sizeof(m) - 1, 2026, &pm);
		SL_ASSERT_EQ(sl_tenant_resolve(t, &ip, 514, (const uint8_t *)m, pm.sd.off, pm.sd.len,
					       NULL), 5);
		SL_ASSERT_EQ(sl_tenant_resolve(t, &ip, 514, NULL, pm.sd.off, pm.sd.len, NULL), 1);
	}
	sl_tenant_table_free(t);
	return 0;
}

static int
test_tokens_are_ignored_by_a_table_without_tokens(void)
{
	struct sl_tenant_table *t = make("tenant a port=5514\n");
	bool bad;

	SL_ASSERT(t != NULL);
	SL_ASSERT_EQ(res_msg(t, "10.2.0.1", 5514, HDR "[sluice@32473 key=\"nope\"] hi", &bad), 1);
	SL_ASSERT(!bad);
	sl_tenant_table_free(t);
	return 0;
}

/* ---- metering ---- */

static int
test_burst_at_once_then_exactly_the_rate(void)
{
	struct sl_tenant_table *t = make("tenant a msgs=1000/s msg-burst=100\n");
	struct sl_tenant_meter *m;
	uint64_t k, ok = 0;
	int i;

	SL_ASSERT(t != NULL);
	m = sl_tenant_meter_create(t, 0, SOCKET_ID_ANY);
	SL_ASSERT(m != NULL);
	for (i = 0; i < 100; i++)
		SL_ASSERT_EQ(sl_tenant_admit(m, 1, 100, T0), SL_TENANT_OK);
	SL_ASSERT_EQ(sl_tenant_admit(m, 1, 100, T0), SL_TENANT_OVER_MSGS);
	SL_ASSERT_EQ(sl_tenant_admit(m, 1, 100, T0 + 999999), SL_TENANT_OVER_MSGS);
	SL_ASSERT_EQ(sl_tenant_admit(m, 1, 100, T0 + 1000000), SL_TENANT_OK); /* 1 ms: one more */
	SL_ASSERT_EQ(sl_tenant_admit(m, 1, 100, T0 + 1000000), SL_TENANT_OVER_MSGS);
	/* Ten times the rate for 10 s: 10,000 more, within the one-message lease. */
	for (k = 1; k <= 100000; k++)
		ok += sl_tenant_admit(m, 1, 100, T0 + 1000000 + k * 100000) == SL_TENANT_OK;
	if (ok < 9999 || ok > 10001)
		SL_FAIL("admitted %" PRIu64 " in 10 s at 1000/s", ok);
	/* Idle for a second: the burst again, not more. */
	for (i = 0, ok = 0; i < 200; i++)
		ok += sl_tenant_admit(m, 1, 100, T0 + 12000000000ull) == SL_TENANT_OK;
	SL_ASSERT_EQ(ok, 100);
	/* The other tenant (default) is unlimited. */
	SL_ASSERT_EQ(sl_tenant_admit(m, 0, 100, T0), SL_TENANT_OK);
	sl_tenant_meter_free(m);
	sl_tenant_table_free(t);
	return 0;
}

/* Offer @p len-byte messages every @p step ticks for @p dur; @return admitted. */
static uint64_t
offer(struct sl_tenant_meter *m, uint16_t id, uint32_t len, uint64_t start, uint64_t step,
      uint64_t dur, uint64_t *over_msgs, uint64_t *over_bytes)
{
	uint64_t now, ok = 0;

	for (now = start; now < start + dur; now += step) {
		enum sl_tenant_verdict v = sl_tenant_admit(m, id, len, now);

		ok += v == SL_TENANT_OK;
		if (over_msgs != NULL)
			*over_msgs += v == SL_TENANT_OVER_MSGS;
		if (over_bytes != NULL)
			*over_bytes += v == SL_TENANT_OVER_BYTES;
	}
	return ok;
}

static int
test_high_rates_are_exact_within_a_thousandth(void)
{
	struct sl_tenant_table *t = make("tenant m msgs=10M/s\ntenant b bytes=10G/s\n");
	struct sl_tenant_meter *m;
	const struct sl_tenant_info *im, *ib;
	uint64_t ok, want, ob = 0;

	SL_ASSERT(t != NULL);
	m = sl_tenant_meter_create(t, 0, SOCKET_ID_ANY);
	SL_ASSERT(m != NULL);
	im = sl_tenant_info(t, 1);
	ib = sl_tenant_info(t, 2);
	/* 10M msg/s offered at about twice that for a second. */
	ok = offer(m, 1, 100, T0, 47, HZ, NULL, NULL);
	want = im->msg_rate + im->msg_burst;
	printf("# 10M/s: %" PRIu64 " admitted, rate x T + burst %" PRIu64 "\n", ok, want);
	if (ok > want + 64 || ok < want - im->msg_rate / 1000)
		SL_FAIL("10M/s: admitted %" PRIu64 ", want %" PRIu64, ok, want);
	/* 10 GB/s in 1000-byte messages, offered at about twice that. */
	ok = offer(m, 2, 1000, T0, 46, HZ / 2, NULL, &ob);
	want = ib->byte_rate / 2 + ib->byte_burst;
	SL_ASSERT(ob > 0);
	printf("# 10G/s: %" PRIu64 " bytes admitted, rate x T + burst %" PRIu64 "\n",
	       ok * 1000, want);
	if (ok * 1000 > want + 65536 + 16 || ok * 1000 < want - ib->byte_rate / 2000)
		SL_FAIL("10G/s: admitted %" PRIu64 " bytes, want %" PRIu64, ok * 1000, want);
	sl_tenant_meter_free(m);
	sl_tenant_table_free(t);
	return 0;
}

static int
test_byte_limit_holds_and_says_bytes(void)
{
	struct sl_tenant_table *t = make("tenant a bytes=100K/s byte-burst=10K\n");
	struct sl_tenant_meter *m;
	uint64_t ok, om = 0, ob = 0;
	int i;

	SL_ASSERT(t != NULL);
	m = sl_tenant_meter_create(t, 0, SOCKET_ID_ANY);
	SL_ASSERT(m != NULL);
	for (i = 0; i < 10; i++)
		SL_ASSERT_EQ(sl_tenant_admit(m, 1, 1000, T0), SL_TENANT_OK);
	SL_ASSERT_EQ(sl_tenant_admit(m, 1, 1000, T0), SL_TENANT_OVER_BYTES);
	/* What is left of the burst (240 bytes) still passes. */
	SL_ASSERT_EQ(sl_tenant_admit(m, 1, 240, T0), SL_TENANT_OK);
	SL_ASSERT_EQ(sl_tenant_admit(m, 1, 1, T0), SL_TENANT_OVER_BYTES);
	/* 1 MB/s offered for 10 s: 102,400 B/s pass, 1,024,000 bytes. */
	ok = offer(m, 1, 1000, T0 + 1000000, 1000000, 10 * HZ, &om, &ob);
	if (ok < 1023 || ok > 1025)
		SL_FAIL("admitted %" PRIu64 " 1000-byte messages in 10 s at 100K/s", ok);
	SL_ASSERT_EQ(om, 0);
	SL_ASSERT_EQ(ob, 10000 - ok);
	sl_tenant_meter_free(m);
	sl_tenant_table_free(t);
	return 0;
}

static int
test_refusals_charge_nothing(void)
{
	struct sl_tenant_table *t = make("tenant a msgs=10/s msg-burst=10 bytes=1K/s byte-burst=2K\n");
	struct sl_tenant_meter *m;
	uint64_t t1 = T0 + 100 * HZ;
	int i;

	SL_ASSERT(t != NULL);
	m = sl_tenant_meter_create(t, 0, SOCKET_ID_ANY);
	SL_ASSERT(m != NULL);
	/* The whole byte burst at once, then bytes refuse... */
	SL_ASSERT_EQ(sl_tenant_admit(m, 1, 2048, T0), SL_TENANT_OK);
	for (i = 0; i < 100; i++)
		SL_ASSERT_EQ(sl_tenant_admit(m, 1, 2048, T0), SL_TENANT_OVER_BYTES);
	/* ...and took no message: nine more of the ten pass. */
	for (i = 0; i < 9; i++)
		SL_ASSERT_EQ(sl_tenant_admit(m, 1, 0, T0), SL_TENANT_OK);
	SL_ASSERT_EQ(sl_tenant_admit(m, 1, 0, T0), SL_TENANT_OVER_MSGS);
	/* Message refusals take no bytes. */
	for (i = 0; i < 10; i++)
		SL_ASSERT_EQ(sl_tenant_admit(m, 1, 100, t1), SL_TENANT_OK);
	for (i = 0; i < 50; i++)
		SL_ASSERT_EQ(sl_tenant_admit(m, 1, 100, t1), SL_TENANT_OVER_MSGS);
	/* 100 ms later: one message, and 2048 - 1000 + 102 bytes. */
	SL_ASSERT_EQ(sl_tenant_admit(m, 1, 1150, t1 + HZ / 10), SL_TENANT_OK);
	sl_tenant_meter_free(m);
	sl_tenant_table_free(t);
	return 0;
}

/* A refund (the shard did not take the message) makes the tokens usable
 * again: a TCP message offered many times is charged once. */
static int
test_a_refund_gives_the_tokens_back(void)
{
	struct sl_tenant_table *t = make("tenant a msgs=10/s msg-burst=10 bytes=1K/s byte-burst=2K\n");
	struct sl_tenant_meter *m;
	int i;

	SL_ASSERT(t != NULL);
	m = sl_tenant_meter_create(t, 0, SOCKET_ID_ANY);
	SL_ASSERT(m != NULL);
	/* Offered, refused by the shard, offered again: 1000 times. */
	for (i = 0; i < 1000; i++) {
		SL_ASSERT_EQ(sl_tenant_admit(m, 1, 200, T0), SL_TENANT_OK);
		sl_tenant_refund(m, 1, 200);
	}
	/* The whole burst is still there: 10 messages of 200 bytes. */
	for (i = 0; i < 10; i++)
		SL_ASSERT_EQ(sl_tenant_admit(m, 1, 200, T0), SL_TENANT_OK);
	SL_ASSERT_EQ(sl_tenant_admit(m, 1, 1, T0), SL_TENANT_OVER_MSGS);
	sl_tenant_meter_free(m);
	sl_tenant_table_free(t);
	return 0;
}

static int
test_unlimited_tenant_never_touches_shared_state(void)
{
	struct sl_tenant_table *t = make("tenant free\ntenant msgsonly msgs=1M/s\n"
					 "tenant bytesonly bytes=1G/s\n");
	struct sl_tenant_meter *m;
	uint64_t i;

	SL_ASSERT(t != NULL);
	m = sl_tenant_meter_create(t, 0, SOCKET_ID_ANY);
	SL_ASSERT(m != NULL);
	for (i = 0; i < 1000000; i++)
		if (sl_tenant_admit(m, 1, UINT32_MAX / 2, T0) != SL_TENANT_OK)
			SL_FAIL("unlimited tenant refused at message %" PRIu64, i);
	SL_ASSERT_EQ(t->gcra[1].msg_tat, 0);
	SL_ASSERT_EQ(t->gcra[1].byte_tat, 0);
	/* One limit only: the other never refuses nor is written. */
	SL_ASSERT_EQ(sl_tenant_admit(m, 2, 60000, T0), SL_TENANT_OK);
	SL_ASSERT_EQ(sl_tenant_admit(m, 3, 1, T0), SL_TENANT_OK);
	SL_ASSERT(t->gcra[2].msg_tat != 0);
	SL_ASSERT_EQ(t->gcra[2].byte_tat, 0);
	SL_ASSERT_EQ(t->gcra[3].msg_tat, 0);
	SL_ASSERT(t->gcra[3].byte_tat != 0);
	sl_tenant_meter_free(m);
	sl_tenant_table_free(t);
	return 0;
}

/* Simple deterministic generator (xorshift64*). */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/*
 * @p nw meters share tenant 1 (msgs=RATE/s); messages are offered every
 * @p step ticks by a random worker for @p secs seconds. Every 1-second
 * window that starts at least 1 s in (the burst spent) must hold the rate
 * within 5%, and the whole run rate x T + burst + nw x lease.
 */
static int
shared_windows(const char *file, uint16_t nw, uint64_t step, unsigned int secs)
{
	struct sl_tenant_table *t = make_n(file, nw);
	struct sl_tenant_meter *m[4];
	const uint64_t ms = HZ / 1000;
	uint64_t *per_ms = calloc((size_t)secs * 1000, sizeof(*per_ms));
	uint64_t seed = 0x9e3779b97f4a7c15ull, now, total = 0, rate, burst, lease, w;
	unsigned int i;

	SL_ASSERT(t != NULL && per_ms != NULL);
	rate = sl_tenant_info(t, 1)->msg_rate;
	burst = sl_tenant_info(t, 1)->msg_burst;
	lease = rate / 1000 < 1 ? 1 : rate / 1000 > 64 ? 64 : rate / 1000;
	for (i = 0; i < nw; i++) {
		m[i] = sl_tenant_meter_create(t, (uint16_t)i, SOCKET_ID_ANY);
		SL_ASSERT(m[i] != NULL);
	}
	for (now = 0; now < (uint64_t)secs * HZ; now += step) {
		/* Workers' clocks differ a little: up to 2 us. */
		uint64_t r = rnd(&seed);

		if (sl_tenant_admit(m[r % nw], 1, 100, T0 + now + (r >> 40) % 2000) == SL_TENANT_OK) {
			per_ms[now / ms]++;
			total++;
		}
	}
	if (total > rate * secs + burst + nw * lease)
		SL_FAIL("%u workers: %" PRIu64 " admitted in %u s at %" PRIu64 "/s", nw, total,
			secs, rate);
	for (w = 1000; w + 1000 <= (uint64_t)secs * 1000; w += 10) {
		uint64_t n = 0, k;

		for (k = w; k < w + 1000; k++)
			n += per_ms[k];
		if (n * 100 < rate * 95 || n * 100 > rate * 105)
			SL_FAIL("%u workers: %" PRIu64 " admitted in the second from %" PRIu64
				" ms, rate %" PRIu64, nw, n, w, rate);
	}
	for (i = 0; i < nw; i++)
		sl_tenant_meter_free(m[i]);
	free(per_ms);
	sl_tenant_table_free(t);
	return 0;
}

static int
test_two_and_four_workers_share_one_limit(void)
{
	if (shared_windows("tenant a msgs=1000/s\n", 2, 20000, 10) != 0)
		return -1;
	if (shared_windows("tenant a msgs=1000/s\n", 4, 20000, 10) != 0)
		return -1;
	/* Leases of 64 messages. */
	if (shared_windows("tenant a msgs=100K/s\n", 4, 2000, 5) != 0)
		return -1;
	return shared_windows("tenant a msgs=100K/s msg-burst=10\n", 2, 2000, 5);
}

static int
test_clock_skew_and_long_idle(void)
{
	struct sl_tenant_table *t = make_n("tenant a msgs=1000/s msg-burst=100\n", 2);
	struct sl_tenant_meter *a, *b;
	/* 500 days at 1 GHz: past the 2^63 u of signed differences. */
	uint64_t later = T0 + 500ull * 86400 * HZ;
	int i, ok = 0;

	SL_ASSERT(t != NULL);
	a = sl_tenant_meter_create(t, 0, SOCKET_ID_ANY);
	b = sl_tenant_meter_create(t, 1, SOCKET_ID_ANY);
	SL_ASSERT(a != NULL && b != NULL);
	for (i = 0; i < 100; i++)
		SL_ASSERT_EQ(sl_tenant_admit(a, 1, 10, T0), SL_TENANT_OK);
	/* A worker whose clock is a little behind is not a reset. */
	SL_ASSERT_EQ(sl_tenant_admit(b, 1, 10, T0 - 5000), SL_TENANT_OVER_MSGS);
	SL_ASSERT_EQ(sl_tenant_admit(b, 1, 10, T0 - HZ / 2), SL_TENANT_OVER_MSGS);
	/* After a very long idle time, the burst, not more. */
	for (i = 0; i < 150; i++)
		ok += sl_tenant_admit(b, 1, 10, later) == SL_TENANT_OK;
	SL_ASSERT_EQ(ok, 100);
	sl_tenant_meter_free(a);
	sl_tenant_meter_free(b);
	sl_tenant_table_free(t);
	return 0;
}

static int
test_meter_create_checks_the_worker(void)
{
	struct sl_tenant_table *t = make_n("tenant a\n", 2);

	SL_ASSERT(t != NULL);
	SL_ASSERT(sl_tenant_meter_create(t, 2, SOCKET_ID_ANY) == NULL);
	SL_ASSERT_EQ(rte_errno, EINVAL);
	SL_ASSERT(sl_tenant_meter_create(NULL, 0, SOCKET_ID_ANY) == NULL);
	sl_tenant_meter_free(NULL);
	sl_tenant_table_free(t);
	return 0;
}

struct thr {
	struct sl_tenant_meter *m;
	volatile int *go;
	uint64_t run, start, end, ok;
};

static void *
thr_main(void *arg)
{
	struct thr *th = arg;
	uint64_t now;

	while (!*th->go)
		;
	th->start = rte_rdtsc();
	do {
		now = rte_rdtsc();
		th->ok += sl_tenant_admit(th->m, 1, 100, now) == SL_TENANT_OK;
	} while (now - th->start < th->run);
	th->end = now;
	return NULL;
}

static int
test_two_threads_hold_the_rate(void)
{
	struct sl_tenant_params p = params(2);
	static const char text[] = "tenant a msgs=100K/s msg-burst=1000\n";
	struct sl_tenant_table *t;
	struct thr th[2];
	pthread_t tid[2];
	volatile int go = 0;
	uint64_t hz = rte_get_tsc_hz(), start, end, ok;
	double secs, want;
	int i;

	p.tsc_hz = hz;
	t = sl_tenant_parse(text, sizeof(text) - 1, "t.conf", &p, err, sizeof(err));
	SL_ASSERT(t != NULL);
	for (i = 0; i < 2; i++) {
		th[i] = (struct thr){ .go = &go, .run = hz / 2 };
		th[i].m = sl_tenant_meter_create(t, (uint16_t)i, SOCKET_ID_ANY);
		SL_ASSERT(th[i].m != NULL);
		SL_ASSERT_EQ(pthread_create(&tid[i], NULL, thr_main, &th[i]), 0);
	}
	go = 1;
	for (i = 0; i < 2; i++)
		pthread_join(tid[i], NULL);
	start = RTE_MIN(th[0].start, th[1].start);
	end = RTE_MAX(th[0].end, th[1].end);
	ok = th[0].ok + th[1].ok;
	secs = (double)(end - start) / (double)hz;
	want = (double)sl_tenant_info(t, 1)->msg_rate * secs; /* 100K is 102,400 */
	printf("# two threads, %.3f s: %" PRIu64 " + %" PRIu64 " admitted at 100K/s "
	       "(rate x T = %.0f, + burst 1000)\n", secs, th[0].ok, th[1].ok, want);
	/* The bound is strict; the floor is loose (the machine may be shared). */
	if ((double)ok > want + 1000 + 2 * 64 + 1)
		SL_FAIL("admitted %" PRIu64 ", more than %.0f", ok, want + 1000 + 2 * 64);
	if ((double)ok < want * 0.5)
		SL_FAIL("admitted %" PRIu64 ", less than half of %.0f", ok, want);
	for (i = 0; i < 2; i++)
		sl_tenant_meter_free(th[i].m);
	sl_tenant_table_free(t);
	return 0;
}

static const struct sl_test_case cases[] = {
	SL_TEST(test_every_key_is_parsed),
	SL_TEST(test_defaults_of_bursts_weight_and_quota_policy),
	SL_TEST(test_comments_blank_lines_crlf_and_repeated_keys),
	SL_TEST(test_each_error_has_its_exact_text),
	SL_TEST(test_every_error_is_reported_sorted_by_line),
	SL_TEST(test_nul_byte_is_an_error),
	SL_TEST(test_ports_are_not_checked_without_port_lists),
	SL_TEST(test_names_at_the_limits),
	SL_TEST(test_at_most_65535_tenants),
	SL_TEST(test_load_reads_a_file_and_names_it_in_errors),
	SL_TEST(test_check_counts_tenants_without_the_eal),
	SL_TEST(test_longest_prefix_wins_ipv4_and_ipv6),
	SL_TEST(test_prefix_beats_port_beats_default),
	SL_TEST(test_default_reject_and_catch_all_prefixes),
	SL_TEST(test_token_beats_prefix_and_port),
	SL_TEST(test_unknown_token_falls_through_and_is_flagged),
	SL_TEST(test_tokens_are_ignored_by_a_table_without_tokens),
	SL_TEST(test_burst_at_once_then_exactly_the_rate),
	SL_TEST(test_high_rates_are_exact_within_a_thousandth),
	SL_TEST(test_byte_limit_holds_and_says_bytes),
	SL_TEST(test_refusals_charge_nothing),
	SL_TEST(test_a_refund_gives_the_tokens_back),
	SL_TEST(test_unlimited_tenant_never_touches_shared_state),
	SL_TEST(test_two_and_four_workers_share_one_limit),
	SL_TEST(test_clock_skew_and_long_idle),
	SL_TEST(test_meter_create_checks_the_worker),
	SL_TEST(test_two_threads_hold_the_rate),
};

int
main(int argc, char **argv)
{
	sl_parse_ports("514,5514,6514,10000-10010", udp_ports);
	sl_parse_ports("601,7514", tcp_ports);
	return sl_test_main(argc, argv, cases, SL_DIM(cases), true);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classify stage: the rules file (syntax, every action, condition and
 * operator, errors with their exact text), first-match semantics, tags,
 * the default action, sampling, counters, streams and explain. The large
 * sets and the compiled-database cache are in test_classify_sets.c.
 */
#include <errno.h>

#include <rte_errno.h>

#include "classify_test_util.h"
#include "sl_test.h"

#define SL_ASSERT_V(v, k, s, r, t) do { \
	struct sl_verdict _v = (v); \
	SL_ASSERT_EQ(_v.keep, (k)); \
	SL_ASSERT_EQ(_v.stream, (s)); \
	SL_ASSERT_EQ(_v.rule, (r)); \
	SL_ASSERT_EQ(_v.tags, (t)); \
} while (0)

/* Severity 5 (notice), facility 20 (local4); app evntslog, msgid ID47. */
#define M5424 "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 " \
	"[exampleSDID@32473 iut=\"3\" eventSource=\"Application\"] An application event"
/* Severity 6 (info), facility 10 (authpriv); host web01, app sshd. */
#define M3164 "<86>Nov 23 05:10:59 web01 sshd[4242]: Accepted publickey for deploy"
/* Severity 2 (crit), facility 4 (auth). */
#define MAUTH "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8"
/* No PRI: severity and facility NONE. */
#define MRAW "plain line DEBUG from a script"

static int
test_each_action_gives_its_verdict(void)
{
	struct sl_classify *c = make_c(
		"k raw /keepme/ keep\n"
		"d raw /dropme/ drop\n"
		"r raw /routeme/ route audit\n"
		"s raw /sampleme/ sample 2\n"
		"t raw /tagme/ tag seen\n", NULL);
	struct sl_classify_worker *w;
	uint32_t arg;

	SL_ASSERT(c != NULL);
	w = sl_classify_worker_create(c, SOCKET_ID_ANY);
	SL_ASSERT(w != NULL);
	SL_ASSERT_V(run(w, MSG("x keepme")), 1, 0, 1, 0);
	SL_ASSERT_V(run(w, MSG("x dropme")), 0, 0, 2, 0);
	SL_ASSERT_V(run(w, MSG("x routeme")), 1, 1, 3, 0);
	SL_ASSERT_V(run(w, MSG("x sampleme")), 1, 0, 4, 0);
	SL_ASSERT_V(run(w, MSG("x sampleme")), 0, 0, 4, 0);
	SL_ASSERT_V(run(w, MSG("x sampleme")), 1, 0, 4, 0);
	/* A tag rule does not decide: the default (keep) does, with the tag. */
	SL_ASSERT_V(run(w, MSG("x tagme")), 1, 0, 0, 1);
	SL_ASSERT_V(run(w, MSG("nothing")), 1, 0, 0, 0);
	SL_ASSERT_EQ(sl_classify_n_rules(c), 5);
	SL_ASSERT_EQ(sl_classify_rule_action(c, 0, &arg), SL_ACT_KEEP);
	SL_ASSERT_EQ(sl_classify_rule_action(c, 1, &arg), SL_ACT_DROP);
	SL_ASSERT_EQ(sl_classify_rule_action(c, 2, &arg), SL_ACT_ROUTE);
	SL_ASSERT_EQ(arg, 1);
	SL_ASSERT_EQ(sl_classify_rule_action(c, 3, &arg), SL_ACT_SAMPLE);
	SL_ASSERT_EQ(arg, 2);
	SL_ASSERT_EQ(sl_classify_rule_action(c, 4, &arg), SL_ACT_TAG);
	SL_ASSERT_EQ(arg, 0);
	SL_ASSERT(strcmp(sl_classify_rule_name(c, 2), "r") == 0);
	SL_ASSERT(sl_classify_rule_name(c, 5) == NULL);
	SL_ASSERT(strcmp(sl_classify_tag_name(c, 0), "seen") == 0);
	SL_ASSERT_EQ(sl_classify_n_tags(c), 1);
	SL_ASSERT_EQ(sl_classify_fields(c), 1u << SL_FIELD_RAW);
	SL_ASSERT(!sl_classify_needs_pri(c));
	free_w(c, w);
	return 0;
}

static int
test_first_matching_rule_in_file_order_decides(void)
{
	/* Rules on different fields: file order still decides, not field order. */
	struct sl_classify *c;
	struct sl_classify_worker *w = make_w(
		"a msg /event/ route first\n"
		"b raw /application/ drop\n"
		"c app /evntslog/ route third\n"
		"d raw /event/ keep\n", &c);

	SL_ASSERT(w != NULL);
	SL_ASSERT_V(run(w, MSG(M5424)), 1, 1, 1, 0);
	/* Without a match of rule a (msg field), b decides. */
	SL_ASSERT_V(run(w, MSG("<165>1 - h evntslog - - - An application ev")), 0, 0, 2, 0);
	/* Only c and d match: c comes first. */
	SL_ASSERT_V(run(w, MSG("<165>1 - h evntslog - - - an ev ent")), 1, 2, 3, 0);
	SL_ASSERT_V(run(w, MSG("<13>Oct 11 22:14:15 eventhost x: hello")), 1, 0, 4, 0);
	free_w(c, w);
	return 0;
}

static int
test_tags_count_only_before_the_deciding_rule(void)
{
	struct sl_classify *c;
	struct sl_classify_worker *w = make_w(
		"t0 raw /alpha/ tag a\n"
		"t1 raw /beta/  tag b\n"
		"t1b raw /beta2/ tag b\n"
		"dec raw /decide/ route s\n"
		"t2 raw /gamma/ tag c\n"
		"t3 raw /alpha/ tag d\n", &c);
	const uint64_t *rc;

	SL_ASSERT(w != NULL);
	SL_ASSERT_EQ(sl_classify_n_tags(c), 4);
	/* Tags after the deciding rule do not count. */
	SL_ASSERT_V(run(w, MSG("gamma decide beta alpha")), 1, 1, 4, 0x3);
	/* With no deciding rule, every matching tag counts. */
	SL_ASSERT_V(run(w, MSG("gamma beta2 alpha")), 1, 0, 0, 0xf);
	SL_ASSERT_V(run(w, MSG("gamma")), 1, 0, 0, 0x4);
	rc = sl_classify_rule_counters(w);
	SL_ASSERT_EQ(rc[0 * SL_RULE_NB_CTR + SL_RULE_matched], 2);
	SL_ASSERT_EQ(rc[1 * SL_RULE_NB_CTR + SL_RULE_matched], 2);
	SL_ASSERT_EQ(rc[2 * SL_RULE_NB_CTR + SL_RULE_matched], 1);
	SL_ASSERT_EQ(rc[3 * SL_RULE_NB_CTR + SL_RULE_matched], 1);
	SL_ASSERT_EQ(rc[4 * SL_RULE_NB_CTR + SL_RULE_matched], 2);
	SL_ASSERT_EQ(rc[5 * SL_RULE_NB_CTR + SL_RULE_matched], 1);
	free_w(c, w);
	return 0;
}

static int
test_default_action_of_each_kind(void)
{
	static const struct {
		const char *line;
		enum sl_action act;
		uint32_t arg;
		uint8_t keep[3];
		uint16_t stream;
	} cases[] = {
		{ "", SL_ACT_KEEP, 0, { 1, 1, 1 }, 0 },
		{ "default keep\n", SL_ACT_KEEP, 0, { 1, 1, 1 }, 0 },
		{ "default drop\n", SL_ACT_DROP, 0, { 0, 0, 0 }, 0 },
		{ "default route archive  # comment\n", SL_ACT_ROUTE, 2, { 1, 1, 1 }, 2 },
		{ "default sample 2\n", SL_ACT_SAMPLE, 2, { 1, 0, 1 }, 0 },
	};
	char rules[256];
	unsigned int i, k;

	for (i = 0; i < SL_DIM(cases); i++) {
		struct sl_classify *c;
		struct sl_classify_worker *w;
		struct sl_ctr_set set;
		uint32_t arg = 99;

		snprintf(rules, sizeof(rules), "r raw /zzz/ route other\n%s", cases[i].line);
		c = make_c(rules, NULL);
		SL_ASSERT(c != NULL);
		w = sl_classify_worker_create(c, SOCKET_ID_ANY);
		SL_ASSERT(w != NULL);
		SL_ASSERT_EQ(sl_classify_default(c, &arg), cases[i].act);
		SL_ASSERT_EQ(arg, cases[i].arg);
		for (k = 0; k < 3; k++)
			SL_ASSERT_V(run(w, MSG(M3164)), cases[i].keep[k], cases[i].stream, 0, 0);
		SL_ASSERT_V(run(w, MSG("zzz")), 1, 1, 1, 0);
		set = sl_classify_counters(w);
		SL_ASSERT_EQ(set.n, SL_CLASSIFY_NB_CTR);
		SL_ASSERT_EQ(set.val[SL_CLASSIFY_msgs], 4);
		SL_ASSERT_EQ(set.val[SL_CLASSIFY_defaulted], 3);
		SL_ASSERT_EQ(set.val[SL_CLASSIFY_kept],
			     1 + cases[i].keep[0] + cases[i].keep[1] + cases[i].keep[2]);
		SL_ASSERT_EQ(set.val[SL_CLASSIFY_drop_rule],
			     3 - cases[i].keep[0] - cases[i].keep[1] - cases[i].keep[2]);
		free_w(c, w);
	}
	return 0;
}

static int
test_sample_keeps_exactly_the_1st_then_every_nth(void)
{
	struct sl_classify *c;
	struct sl_classify_worker *w = make_w("health msg /GET \\/healthz/ sample 100\n", &c);
	struct sl_classify_worker *w2 = c ? sl_classify_worker_create(c, SOCKET_ID_ANY) : NULL;
	const uint64_t *rc;
	unsigned int i, kept = 0;

	SL_ASSERT(w != NULL && w2 != NULL);
	for (i = 0; i < 1000; i++) {
		struct sl_verdict v = run(w, MSG("<14>1 - web - - - - GET /healthz 200"));

		SL_ASSERT_EQ(v.rule, 1);
		SL_ASSERT_EQ(v.keep, i % 100 == 0);
		kept += v.keep;
	}
	SL_ASSERT_EQ(kept, 10);
	rc = sl_classify_rule_counters(w);
	SL_ASSERT_EQ(rc[SL_RULE_matched], 1000);
	SL_ASSERT_EQ(rc[SL_RULE_sampled], 10);
	SL_ASSERT_EQ(rc[SL_RULE_dropped], 990);
	SL_ASSERT_EQ(rc[SL_RULE_routed], 0);
	SL_ASSERT_EQ(sl_classify_counters(w).val[SL_CLASSIFY_drop_rule], 990);
	/* Per worker: another worker starts with its own first message kept. */
	SL_ASSERT_EQ(run(w2, MSG("GET /healthz")).keep, 1);
	SL_ASSERT_EQ(run(w2, MSG("GET /healthz")).keep, 0);
	/* sample 1 keeps everything. */
	sl_classify_worker_free(w);
	sl_classify_worker_free(w2);
	sl_classify_free(c);
	w = make_w("all raw // sample 1\n", &c);
	SL_ASSERT(w != NULL);
	for (i = 0; i < 10; i++)
		SL_ASSERT_V(run(w, MSG("")), 1, 0, 1, 0);
	free_w(c, w);
	return 0;
}

static int
test_per_rule_and_stage_counters(void)
{
	struct sl_classify *c;
	struct sl_classify_worker *w = make_w(
		"t raw /x/ tag t\n"
		"d raw /drop/ drop\n"
		"r raw /route/ route s\n"
		"s raw /sample/ sample 3\n"
		"k raw /keep/ keep\n", &c);
	static const uint64_t want[5][SL_RULE_NB_CTR] = {
		/* matched dropped routed sampled */
		{ 4, 0, 0, 0 }, { 3, 3, 0, 0 }, { 1, 0, 1, 0 }, { 4, 2, 0, 2 }, { 1, 0, 0, 0 },
	};
	const char *in[] = { "drop x", "drop", "route x", "sample x", "sample", "sample",
			     "sample x", "keep", "none", "route drop" };
	struct sl_ctr_set set;
	const uint64_t *rc;
	unsigned int i, k;

	SL_ASSERT(w != NULL);
	for (i = 0; i < SL_DIM(in); i++)
		run(w, MSG(in[i]));
	rc = sl_classify_rule_counters(w);
	for (i = 0; i < 5; i++)
		for (k = 0; k < SL_RULE_NB_CTR; k++)
			if (rc[i * SL_RULE_NB_CTR + k] != want[i][k])
				SL_FAIL("rule %u counter %u: %" PRIu64 ", expected %" PRIu64,
					i, k, rc[i * SL_RULE_NB_CTR + k], want[i][k]);
	set = sl_classify_counters(w);
	SL_ASSERT(strcmp(set.module, "classify") == 0);
	SL_ASSERT_EQ(set.val[SL_CLASSIFY_msgs], 10);
	SL_ASSERT_EQ(set.val[SL_CLASSIFY_kept], 5);
	SL_ASSERT_EQ(set.val[SL_CLASSIFY_drop_rule], 5);
	SL_ASSERT_EQ(set.val[SL_CLASSIFY_defaulted], 1);
	SL_ASSERT_EQ(set.val[SL_CLASSIFY_scan_errors], 0);
	free_w(c, w);
	return 0;
}

static int
test_streams_get_ids_in_order_of_first_use(void)
{
	struct sl_classify *c = make_c(
		"a raw /a/ route security\n"
		"b raw /b/ route audit\n"
		"c raw /c/ route security\n"
		"d raw /d/ route default\n"
		"default route cold\n", NULL);
	uint32_t arg;

	SL_ASSERT(c != NULL);
	SL_ASSERT_EQ(sl_classify_n_streams(c), 4);
	SL_ASSERT(strcmp(sl_classify_stream_name(c, 0), "default") == 0);
	SL_ASSERT(strcmp(sl_classify_stream_name(c, 1), "security") == 0);
	SL_ASSERT(strcmp(sl_classify_stream_name(c, 2), "audit") == 0);
	SL_ASSERT(strcmp(sl_classify_stream_name(c, 3), "cold") == 0);
	SL_ASSERT(sl_classify_stream_name(c, 4) == NULL);
	sl_classify_rule_action(c, 2, &arg);
	SL_ASSERT_EQ(arg, 1);
	sl_classify_rule_action(c, 3, &arg);
	SL_ASSERT_EQ(arg, 0);
	sl_classify_free(c);
	return 0;
}

/* A condition and, per message, whether it passes ('1') or not. */
struct cond_want {
	const char *cond, *want;
};

/* How the messages of a cond_cases() table arrive (NULL arrays: defaults). */
struct cond_msgs {
	const char *const *lines;
	const uint8_t *transport;  /* SL_TRANSPORT_UDP */
	const uint16_t *port;      /* 514 */
	const uint16_t *tenant;    /* 0 */
	struct tenant_tab *tenants; /* the lookup; NULL: none */
	unsigned int n;
};

/* One rule "r raw // keep COND"; does each message pass? */
static int
cond_case(const char *cond, const struct cond_msgs *ms, const char *want)
{
	char rules[512];
	struct sl_classify *c;
	struct sl_classify_worker *w;
	unsigned int i;

	snprintf(rules, sizeof(rules), "r raw // keep %s\ndefault drop\n", cond);
	if (write_rules(rules) != 0)
		return -1;
	c = create_file_ex(NULL, ms->tenants ? tab_tenant_id : NULL, ms->tenants);
	if (c == NULL)
		SL_FAIL("%s: %s", cond, err);
	w = sl_classify_worker_create(c, SOCKET_ID_ANY);
	SL_ASSERT(w != NULL);
	for (i = 0; i < ms->n; i++) {
		struct sl_verdict v;

		msg_ex(&tm, ms->lines[i], ms->transport ? ms->transport[i] : SL_TRANSPORT_UDP,
		       ms->port ? ms->port[i] : 514);
		tm.m.tenant = ms->tenant ? ms->tenant[i] : 0;
		v = run(w, &tm.m);

		if (v.keep != (want[i] == '1') || v.rule != (want[i] == '1'))
			SL_FAIL("%s, message %u: keep %u rule %u, expected %c", cond, i,
				v.keep, v.rule, want[i]);
	}
	free_w(c, w);
	return 0;
}

static int
cond_cases(const struct cond_want *cases, unsigned int n_cases, const struct cond_msgs *ms)
{
	unsigned int i;

	for (i = 0; i < n_cases; i++)
		if (cond_case(cases[i].cond, ms, cases[i].want) != 0)
			return -1;
	return 0;
}

static int
test_severity_conditions_every_operator(void)
{
	/* Severities 0..7 (facility 1), then one without PRI. */
	static const char *const m[] = {
		"<8>x", "<9>x", "<10>x", "<11>x", "<12>x", "<13>x", "<14>x", "<15>x", "no pri",
	};
	static const struct cond_want cases[] = {
		{ "severity<=4", "111110000" },
		{ "severity<=warning", "111110000" },
		{ "severity<4", "111100000" },
		{ "severity>=6", "000000110" },
		{ "severity>info", "000000010" },
		{ "severity=3", "000100000" },
		{ "severity=err", "000100000" },
		{ "severity=error", "000100000" },
		{ "severity=emerg,debug", "100000010" },
		{ "severity!=notice", "111110110" },
		{ "severity!=0,1", "001111110" },
		{ "severity>=crit severity<=warn", "001110000" },
		{ "severity<alert", "100000000" },
		{ "severity=alert,crit,notice", "011001000" },
	};

	const struct cond_msgs ms = { .lines = m, .n = SL_DIM(m) };

	return cond_cases(cases, SL_DIM(cases), &ms);
}

static int
test_facility_transport_and_port_conditions(void)
{
	/* Facilities 0 (kern), 4 (auth), 10 (authpriv), 16 (local0), 23, none. */
	static const char *const m[] = { "<0>x", "<32>x", "<80>x", "<128>x", "<184>x", "x" };
	static const struct cond_want fcases[] = {
		{ "facility=auth", "010000" },
		{ "facility=auth,authpriv", "011000" },
		{ "facility=4,10,kern", "111000" },
		{ "facility!=auth", "101110" },
		{ "facility=local0,local7", "000110" },
		{ "facility=23", "000010" },
		{ "facility!=kern,local7", "011100" },
	};
	static const char *const pm[] = { "a", "b", "c", "d", "e", "f" };
	static const uint16_t ports[] = { 514, 6514, 10000, 10005, 10011, 601 };
	static const uint8_t trans[] = { SL_TRANSPORT_UDP, SL_TRANSPORT_TCP, SL_TRANSPORT_UDP,
					 SL_TRANSPORT_TCP, SL_TRANSPORT_UDP, SL_TRANSPORT_TCP };
	static const struct cond_want pcases[] = {
		{ "port=6514", "010000" },
		{ "port=514,6514,10000-10010", "111100" },
		{ "port!=514,10000-10010", "010011" },
		{ "port!=514 port!=601", "011110" },
		{ "port=514-10005 port!=6514", "101101" },
		{ "transport=udp", "101010" },
		{ "transport=tcp", "010101" },
		{ "transport!=tcp", "101010" },
		{ "transport=udp,tcp", "111111" },
		{ "transport=tcp port=601,6514", "010001" },
	};

	const struct cond_msgs fms = { .lines = m, .n = SL_DIM(m) };
	const struct cond_msgs pms = { .lines = pm, .transport = trans, .port = ports,
				       .n = SL_DIM(pm) };

	if (cond_cases(fcases, SL_DIM(fcases), &fms) != 0)
		return -1;
	return cond_cases(pcases, SL_DIM(pcases), &pms);
}

/* The tenant file of the tenant tests: acme is 1, beta 2, gamma 3. */
static const char *const tenant_names[] = { "default", "acme", "beta", "gamma" };

static int
test_tenant_conditions_each_form_and_combined(void)
{
	/* Tenants 0 1 1 2 3 1; severities 5 5 3 5 3 and none. */
	static const char *const m[] = { "<13>x", "<13>x", "<11>x", "<13>x", "<11>x", "x" };
	static const uint16_t tenant[] = { 0, 1, 1, 2, 3, 1 };
	static const struct cond_want cases[] = {
		{ "tenant=acme", "011001" },
		{ "tenant=default", "100000" },
		{ "tenant=acme,gamma", "011011" },
		{ "tenant!=acme", "100110" },
		{ "tenant!=acme,beta", "100010" },
		{ "tenant=acme,beta tenant!=beta", "011001" },
		{ "tenant=acme tenant=beta", "000000" },
		{ "tenant!=default tenant!=gamma", "011101" },
		{ "tenant=default,acme,beta,gamma", "111111" },
		{ "Tenant=acme severity<=err", "001000" },
		{ "tenant=acme,gamma severity<=3 transport=udp", "001010" },
	};
	/* Without a tenant file only "default" is known. */
	static const struct cond_want no_file[] = {
		{ "tenant=default", "100000" },
		{ "tenant!=default", "011111" },
	};
	struct tenant_tab tab = { .name = tenant_names, .n = SL_DIM(tenant_names) };
	struct cond_msgs ms = { .lines = m, .tenant = tenant, .tenants = &tab, .n = SL_DIM(m) };

	if (cond_cases(cases, SL_DIM(cases), &ms) != 0)
		return -1;
	ms.tenants = NULL;
	return cond_cases(no_file, SL_DIM(no_file), &ms);
}

static int
test_tenant_rule_never_sees_another_tenants_messages(void)
{
	/* Every acme and beta rule's pattern matches "secret public": only
	 * its own tenant's messages get past its conditions. */
	struct tenant_tab tab = { .name = tenant_names, .n = SL_DIM(tenant_names) };
	struct sl_classify_worker *w;
	struct sl_classify *c;
	struct sl_verdict v;
	const uint64_t *rc;
	uint32_t mt[8];

	SL_ASSERT_EQ(write_rules(
		"acme-tag   raw /secret/ tag a-seen     tenant=acme\n"
		"acme-drop  raw /secret/ drop           tenant=acme\n"
		"beta-route raw /secret/ route beta-s   tenant=beta\n"
		"acme-all   raw //       route acme-s   tenant=acme\n"
		"not-beta   raw /public/ route pub      tenant!=beta\n"
		"shared     raw /secret/ keep\n"
		"default drop\n"), 0);
	c = create_file_ex(NULL, tab_tenant_id, &tab);
	if (c == NULL)
		SL_FAIL("%s", err);
	w = sl_classify_worker_create(c, SOCKET_ID_ANY);
	SL_ASSERT(w != NULL);
	SL_ASSERT_V(run(w, msg_of("secret", 1)), 0, 0, 2, 1);
	SL_ASSERT_V(run(w, msg_of("secret", 2)), 1, 1, 3, 0);
	/* Not acme's nor beta's: the next rule that holds decides. */
	SL_ASSERT_V(run(w, msg_of("secret", 3)), 1, 0, 6, 0);
	SL_ASSERT_V(run(w, msg_of("secret", 0)), 1, 0, 6, 0);
	SL_ASSERT_V(run(w, msg_of("public", 1)), 1, 2, 4, 0);
	SL_ASSERT_V(run(w, msg_of("public", 3)), 1, 3, 5, 0);
	/* beta's "public" is excluded from not-beta: the default decides. */
	SL_ASSERT_V(run(w, msg_of("public", 2)), 0, 0, 0, 0);
	SL_ASSERT_V(run(w, msg_of("other", 2)), 0, 0, 0, 0);
	/* Explain lists only the rules of the message's tenant. */
	SL_ASSERT_EQ(sl_classify_explain(w, msg_of("secret public", 2), &v, mt, 8), 2);
	SL_ASSERT_V(v, 1, 1, 3, 0);
	SL_ASSERT_EQ(mt[0], 2);
	SL_ASSERT_EQ(mt[1], 5);
	SL_ASSERT_EQ(sl_classify_explain(w, msg_of("secret public", 1), &v, mt, 8), 5);
	SL_ASSERT_V(v, 0, 0, 2, 1);
	SL_ASSERT_EQ(mt[2], 3);
	SL_ASSERT_EQ(mt[3], 4);
	rc = sl_classify_rule_counters(w);
	SL_ASSERT_EQ(rc[1 * SL_RULE_NB_CTR + SL_RULE_dropped], 2);
	SL_ASSERT_EQ(rc[2 * SL_RULE_NB_CTR + SL_RULE_routed], 2);
	SL_ASSERT_EQ(rc[5 * SL_RULE_NB_CTR + SL_RULE_matched], 2);
	free_w(c, w);
	return 0;
}

static int
test_each_field_and_absent_fields_scan_empty(void)
{
	struct sl_classify *c;
	struct sl_classify_worker *w = make_w(
		"host  host  /^web01$/          route h\n"
		"app   app   /^evntslog$/       route a\n"
		"msgid msgid /^ID47$/           route i\n"
		"sd    sd    /eventSource=\"Application\"/ route s\n"
		"msg   msg   /^Accepted/        route m\n"
		"empty msgid /^$/               route e\n"
		"raw   raw   /lonvick/          route r\n", &c);
	struct sl_classify_msg nop;

	SL_ASSERT(w != NULL);
	SL_ASSERT_EQ(sl_classify_fields(c), 0x3f);
	SL_ASSERT_V(run(w, MSG(M3164)), 1, 1, 1, 0);
	SL_ASSERT_V(run(w, MSG(M5424)), 1, 2, 2, 0);
	SL_ASSERT_V(run(w, MSG("<165>1 - h x 77 ID47 - text")), 1, 3, 3, 0);
	SL_ASSERT_V(run(w, MSG("<165>1 - h x - id [a@1 eventSource=\"Application\"] t")), 1, 4, 4, 0);
	SL_ASSERT_V(run(w, MSG("<13>Oct 11 22:14:15 h x: Accepted")), 1, 5, 5, 0);
	/* 3164 has no MSGID: scanned as empty, /^$/ matches it. */
	SL_ASSERT_V(run(w, MSG("<13>Oct 11 22:14:15 h x: other")), 1, 6, 6, 0);
	SL_ASSERT_V(run(w, MSG("<165>1 - h x - ID48 - lonvick")), 1, 7, 7, 0);
	/* No parse at all: only raw is scanned with content. */
	nop = *MSG("web01 lonvick");
	nop.parsed = NULL;
	SL_ASSERT_V(run(w, &nop), 1, 6, 6, 0);
	nop.len = 0;
	SL_ASSERT_V(run(w, &nop), 1, 6, 6, 0);
	free_w(c, w);
	return 0;
}

static int
test_pattern_flags_and_escaped_slash(void)
{
	struct sl_classify *c;
	struct sl_classify_worker *w = make_w(
		"ci   raw /authentication failure/i route 1\n"
		"path raw /GET \\/api\\/v1\\// route 2\n"
		"dot  raw /^a.b$/s route 3\n"
		"ml   raw /^second$/m route 4\n"
		"utf  raw /^caf\\x{e9}\\w$/u route 5\n"
		"bs   raw /back\\\\\\/slash/ route 6\n"
		"hash raw /#notacomment/   route 7  # a comment\n"
		"all  raw /.*/ keep\n", &c);

	if (c == NULL)
		SL_FAIL("%s", err);
	SL_ASSERT(w != NULL);
	SL_ASSERT_V(run(w, MSG("pam: AUTHENTICATION Failure for x")), 1, 1, 1, 0);
	SL_ASSERT_V(run(w, MSG("GET /api/v1/items")), 1, 2, 2, 0);
	SL_ASSERT_V(run(w, MSG("GET /api/v2/items")), 1, 0, 8, 0);
	SL_ASSERT_V(run(w, MSG("a\nb")), 1, 3, 3, 0);
	SL_ASSERT_V(run(w, MSG("first\nsecond\nthird")), 1, 4, 4, 0);
	SL_ASSERT_V(run(w, MSG("caf\xc3\xa9\xc3\xa9")), 1, 5, 5, 0);
	SL_ASSERT_V(run(w, MSG("back\\/slash")), 1, 6, 6, 0);
	SL_ASSERT_V(run(w, MSG("x #notacomment")), 1, 7, 7, 0);
	/* Without s, . does not match a newline; without m, ^ is the start only. */
	free_w(c, w);
	w = make_w("dot raw /^a.b$/ drop\nml raw /^second$/ drop\ncs raw /Failure/ drop\n", &c);
	SL_ASSERT(w != NULL);
	SL_ASSERT_V(run(w, MSG("a\nb")), 1, 0, 0, 0);
	SL_ASSERT_V(run(w, MSG("first\nsecond\nthird")), 1, 0, 0, 0);
	SL_ASSERT_V(run(w, MSG("failure")), 1, 0, 0, 0);
	free_w(c, w);
	return 0;
}

static int
test_examples_of_the_issue_parse_and_classify(void)
{
	struct sl_classify *c;
	struct sl_classify_worker *w = make_w(
		"# name      field  pattern                        action\n"
		"drop-debug  msg    /\\bDEBUG\\b/                    drop\n"
		"auth-fail   raw    /authentication failure/i      route security\n"
		"health      msg    /GET \\/healthz/                 sample 100\n"
		"warnings    raw    /./                            keep severity<=4\n"
		"\n"
		"   # indented comment\r\n"
		"\t\n", &c);

	if (c == NULL)
		SL_FAIL("%s", err);
	SL_ASSERT(w != NULL);
	SL_ASSERT_EQ(sl_classify_n_rules(c), 4);
	SL_ASSERT(sl_classify_needs_pri(c));
	SL_ASSERT_EQ(sl_classify_fields(c), (1u << SL_FIELD_RAW) | (1u << SL_FIELD_MSG));
	SL_ASSERT_V(run(w, MSG(MRAW)), 0, 0, 1, 0);
	SL_ASSERT_V(run(w, MSG("<86>Nov 23 05:10:59 h sshd: Authentication failure")), 1, 1, 2, 0);
	SL_ASSERT_V(run(w, MSG(MAUTH)), 1, 0, 4, 0);
	SL_ASSERT_V(run(w, MSG(M3164)), 1, 0, 0, 0);
	free_w(c, w);
	/* Empty, comments only, default only: valid. */
	c = make_c("", NULL);
	SL_ASSERT(c != NULL);
	w = sl_classify_worker_create(c, SOCKET_ID_ANY);
	SL_ASSERT(w != NULL);
	SL_ASSERT_V(run(w, MSG(M3164)), 1, 0, 0, 0);
	SL_ASSERT_EQ(sl_classify_n_streams(c), 1);
	SL_ASSERT_EQ(sl_classify_db_size(c), 0);
	free_w(c, w);
	c = make_c("# nothing\n\ndefault drop # all\n", NULL);
	SL_ASSERT(c != NULL);
	SL_ASSERT_EQ(sl_classify_n_rules(c), 0);
	sl_classify_free(c);
	return 0;
}

/* A message built from its fields (a MSG of only "\n" cannot be parsed). */
static const struct sl_classify_msg *
msg_fields(const char *host, const char *app, const char *msg, const char *sd,
	   uint8_t sev, uint8_t transport)
{
	uint32_t n = 0;

	memset(&tm.parsed, 0, sizeof(tm.parsed));
#define PUT(span, s) do { \
	tm.parsed.span.off = n; \
	tm.parsed.span.len = (uint32_t)strlen(s); \
	memcpy(tm.buf + n, s, strlen(s)); \
	n += (uint32_t)strlen(s); \
	tm.buf[n++] = ' '; \
} while (0)
	PUT(host, host);
	PUT(app, app);
	PUT(sd, sd);
	PUT(msg, msg);
#undef PUT
	tm.parsed.kind = SL_PARSE_5424;
	tm.parsed.severity = sev;
	tm.parsed.facility = 1;
	tm.m = (struct sl_classify_msg){
		.p = tm.buf, .len = n, .parsed = &tm.parsed, .transport = transport, .dport = 514,
	};
	return &tm.m;
}

static int
test_match_all_patterns_are_decided_without_a_scan(void)
{
	/* //, /.*\/, /^/, /$/ always match; /./ a field with a byte other
	 * than \n; /./s a non-empty field. Mixed with scanned rules. */
	struct sl_classify *c;
	struct sl_classify_worker *w = make_w(
		"nl   msg  /./    route line\n"
		"nls  sd   /./s   route anybyte\n"
		"hs   host /^web/ route web\n"
		"all  app  //     tag t severity<=3\n"
		"dot  raw  /.*/   drop transport=tcp\n"
		"anc  raw  /$/    route last severity!=7\n"
		"beg  raw  /^/    route first\n", &c);
	struct sl_verdict v;
	uint32_t m[8];

	if (c == NULL)
		SL_FAIL("%s", err);
	SL_ASSERT(w != NULL);
	SL_ASSERT_V(run(w, msg_fields("web01", "x", "\n", "", 5, SL_TRANSPORT_UDP)), 1, 3, 3, 0);
	SL_ASSERT_V(run(w, msg_fields("web01", "x", "hello", "", 5, SL_TRANSPORT_UDP)), 1, 1, 1, 0);
	SL_ASSERT_V(run(w, msg_fields("web01", "x", "\n", "[a@1]", 5, SL_TRANSPORT_UDP)),
		    1, 2, 2, 0);
	SL_ASSERT_V(run(w, msg_fields("db1", "x", "\n\n", "", 2, SL_TRANSPORT_TCP)), 0, 0, 5, 1);
	SL_ASSERT_V(run(w, msg_fields("db1", "", "\n", "", 6, SL_TRANSPORT_UDP)), 1, 4, 6, 0);
	SL_ASSERT_V(run(w, msg_fields("db1", "", "\n", "", 7, SL_TRANSPORT_UDP)), 1, 5, 7, 0);
	SL_ASSERT_EQ(sl_classify_explain(w, msg_fields("db1", "x", "\n", "", 2, SL_TRANSPORT_TCP),
					 &v, m, 8), 4);
	SL_ASSERT_V(v, 0, 0, 5, 1);
	SL_ASSERT_EQ(m[0], 3);
	SL_ASSERT_EQ(m[1], 4);
	SL_ASSERT_EQ(m[2], 5);
	SL_ASSERT_EQ(m[3], 6);
	SL_ASSERT_EQ(sl_classify_explain(w, msg_fields("web2", "x", "a", "[b]", 7, SL_TRANSPORT_UDP),
					 &v, m, 8), 4);
	SL_ASSERT_V(v, 1, 1, 1, 0);
	SL_ASSERT_EQ(m[2], 2);
	SL_ASSERT_EQ(m[3], 6);
	free_w(c, w);
	return 0;
}

/* Create with this tenant lookup must fail with EINVAL and exactly these messages. */
static int
expect_errors_fn(const char *rules, sl_classify_tenant_fn fn, void *arg,
		 const char *const *want, unsigned int n)
{
	static char exp[16384];
	struct sl_classify *c;
	size_t used = 0;
	unsigned int i;

	exp[0] = '\0';
	rte_errno = 0;
	SL_ASSERT_EQ(write_rules(rules), 0);
	c = create_file_ex(NULL, fn, arg);
	if (c != NULL) {
		sl_classify_free(c);
		SL_FAIL("created from: %.300s", rules);
	}
	SL_ASSERT_EQ(rte_errno, EINVAL);
	for (i = 0; i < n; i++)
		used += (size_t)snprintf(exp + used, sizeof(exp) - used, "%s:%s\n", path, want[i]);
	if (strcmp(err, exp) != 0)
		SL_FAIL("errors:\n%s-- expected:\n%s", err, exp);
	return 0;
}

/* Create (no tenant lookup) must fail with EINVAL and exactly these messages. */
static int
expect_errors(const char *rules, const char *const *want, unsigned int n)
{
	return expect_errors_fn(rules, NULL, NULL, want, n);
}

/* "tN" is tenant N for N in 1..65535 (65535 is out of range for classify). */
static int
num_tenant_id(void *arg, const char *name)
{
	char *end;
	unsigned long v;

	if (name[0] != 't' || name[1] < '1' || name[1] > '9')
		return -1;
	v = strtoul(name + 1, &end, 10);
	return *end == '\0' && v <= 65535 ? (int)v : -1;
}

/* "tenant=tFIRST,t(FIRST+STEP),...,tLAST" at @p p. @return bytes written. */
static size_t
tenant_list(char *p, const char *op, unsigned int first, unsigned int step, unsigned int last)
{
	size_t n = (size_t)sprintf(p, "tenant%s", op);
	unsigned int t;

	for (t = first; t <= last; t += step)
		n += (size_t)sprintf(p + n, "%st%u", t == first ? "" : ",", t);
	return n;
}

static int
test_tenant_lists_of_any_length(void)
{
	/* Lists longer than a linear scan, up to the 32,767 ids a rule can
	 * keep (the shorter of the passing and failing sides). */
	static const struct {
		const char *line;
		uint16_t tenant;
		uint32_t rule; /* 0: default (drop) */
	} want[] = {
		{ "in100", 0, 0 }, { "in100", 1, 1 }, { "in100", 50, 1 }, { "in100", 100, 1 },
		{ "in100", 101, 0 },
		{ "out40k", 0, 2 }, { "out40k", 1, 0 }, { "out40k", 20000, 0 }, { "out40k", 40000, 0 },
		{ "out40k", 40001, 2 }, { "out40k", 65534, 2 },
		{ "far", 65534, 3 }, { "far", 65533, 0 },
		{ "even", 2, 4 }, { "even", 32768, 4 }, { "even", 65534, 4 }, { "even", 0, 0 },
		{ "even", 1, 0 }, { "even", 65533, 0 },
		{ "odd", 0, 5 }, { "odd", 1, 5 }, { "odd", 65533, 5 }, { "odd", 2, 0 },
		{ "odd", 65534, 0 },
	};
	char *rules = malloc(1 << 20), *p = rules;
	const char *too_far = "1: rule big: tenant 't65535': the tenant lookup gave an id above 65534";
	struct sl_classify_worker *w;
	struct sl_classify *c;
	unsigned int i;

	SL_ASSERT(rules != NULL);
	p += sprintf(p, "in100 raw /in100/ keep ");
	p += tenant_list(p, "=", 1, 1, 100);
	p += sprintf(p, "\nout40k raw /out40k/ keep ");
	p += tenant_list(p, "!=", 1, 1, 40000);
	p += sprintf(p, "\nfar raw /far/ keep tenant=t65534\neven raw /even/ keep ");
	/* 32,767 ids pass: listed as they are. */
	p += tenant_list(p, "=", 2, 2, 65534);
	/* 32,768 pass (0 and the odd ids): the 32,767 that fail are listed. */
	p += sprintf(p, "\nodd raw /odd/ keep ");
	p += tenant_list(p, "!=", 2, 2, 65534);
	sprintf(p, "\ndefault drop\n");
	SL_ASSERT_EQ(write_rules(rules), 0);
	free(rules);
	c = create_file_ex(NULL, num_tenant_id, NULL);
	if (c == NULL)
		SL_FAIL("%.500s", err);
	w = sl_classify_worker_create(c, SOCKET_ID_ANY);
	SL_ASSERT(w != NULL);
	for (i = 0; i < SL_DIM(want); i++) {
		struct sl_verdict v = run(w, msg_of(want[i].line, want[i].tenant));

		if (v.rule != want[i].rule || v.keep != (want[i].rule != 0))
			SL_FAIL("%s of tenant %u: rule %u keep %u, expected rule %u", want[i].line,
				want[i].tenant, v.rule, v.keep, want[i].rule);
	}
	free_w(c, w);
	return expect_errors_fn("big raw /x/ keep tenant=t65535\n", num_tenant_id, NULL,
				&too_far, 1);
}

static int
test_tenant_names_checked_against_the_tenant_file(void)
{
	static const char *const want[] = {
		"2: rule z: unknown tenant 'zeta' (not in the tenant file)",
		"3: rule y: unknown tenant 'Acme' (not in the tenant file)",
		"4: rule bad: bad tenant name 'acme/x' ([A-Za-z0-9_.-], at most 47 characters, not . or ..)",
		"5: rule long: bad tenant name 't23456789012345678901234567890123456789012345678' ([A-Za-z0-9_.-], at most 47 characters, not . or ..)",
		"6: rule op: tenant takes = or !=, not >=",
		"7: rule dots: bad tenant name '..' ([A-Za-z0-9_.-], at most 47 characters, not . or ..)",
		"8: rule empty: bad tenant name '' ([A-Za-z0-9_.-], at most 47 characters, not . or ..)",
		"9: rule none: bad condition 'tenant=' (KEY OP VALUE, e.g. severity<=4)",
	};
	struct tenant_tab tab = { .name = tenant_names, .n = SL_DIM(tenant_names) };

	if (expect_errors_fn(
		"ok    raw /a/ keep tenant=acme,beta,default\n"
		"z     raw /a/ keep tenant=acme,zeta\n"
		"y     raw /a/ keep tenant!=Acme\n"
		"bad   raw /a/ keep tenant=acme/x\n"
		"long  raw /a/ keep tenant=t23456789012345678901234567890123456789012345678\n"
		"op    raw /a/ keep tenant>=acme\n"
		"dots  raw /a/ keep tenant=..\n"
		"empty raw /a/ keep tenant=acme,\n"
		"none  raw /a/ keep tenant=\n", tab_tenant_id, &tab, want, SL_DIM(want)) != 0)
		return -1;
	/* Asked: acme, beta; acme, zeta; Acme; acme. Never "default", nor a
	 * name that is not one. */
	SL_ASSERT_EQ(tab.calls, 6);
	return 0;
}

static int
test_tenant_id_of_a_name_for_tools(void)
{
	struct tenant_tab tab = { .name = tenant_names, .n = SL_DIM(tenant_names) };
	struct sl_classify_params p = { .tenant_id = tab_tenant_id, .tenant_arg = &tab };

	SL_ASSERT_EQ(sl_classify_tenant_id(NULL, "default"), 0);
	SL_ASSERT_EQ(sl_classify_tenant_id(NULL, "acme"), -ENOENT);
	SL_ASSERT_EQ(sl_classify_tenant_id(NULL, ""), -EINVAL);
	SL_ASSERT_EQ(sl_classify_tenant_id(&p, "default"), 0);
	SL_ASSERT_EQ(sl_classify_tenant_id(&p, "gamma"), 3);
	SL_ASSERT_EQ(sl_classify_tenant_id(&p, "zeta"), -ENOENT);
	SL_ASSERT_EQ(sl_classify_tenant_id(&p, "a b"), -EINVAL);
	SL_ASSERT_EQ(sl_classify_tenant_id(&p, "."), -EINVAL);
	SL_ASSERT_EQ(tab.calls, 2);
	p.tenant_id = num_tenant_id;
	SL_ASSERT_EQ(sl_classify_tenant_id(&p, "t65534"), 65534);
	SL_ASSERT_EQ(sl_classify_tenant_id(&p, "t65535"), -ERANGE);
	return 0;
}

static int
test_each_error_names_file_line_and_rule(void)
{
	static const struct {
		const char *rules, *want;
	} cases[] = {
		{ "ok raw /a/ keep\nf bogus /a/ keep\n",
		  "2: rule f: unknown field 'bogus' (raw, msg, app, host, msgid or sd)" },
		{ "a raw /a/ explode\n",
		  "1: rule a: unknown action 'explode' (expected keep, drop, route, sample or tag)" },
		{ "a raw /a/x keep\n", "1: rule a: unknown pattern flag 'x' (i, s, m or u)" },
		{ "a raw /abc\\/ keep\n", "1: rule a: pattern has no closing /" },
		{ "br raw /(a)\\1/ drop\n",
		  "1: rule br: pattern rejected by Hyperscan: Back-references are unsupported." },
		{ "\nla msg /foo(?=bar)/ drop\n",
		  "2: rule la: pattern rejected by Hyperscan: Zero-width assertions are not supported." },
		{ "a raw /a/ keep\nb raw /b/ keep\na raw /c/ keep\n",
		  "3: rule a: duplicate rule name (first at line 1)" },
		{ "a raw /a/ keep severity<<4\n",
		  "1: rule a: bad severity '<4' (0-7 or emerg, alert, crit, err, warning, notice, info, debug)" },
		{ "a raw /a/ keep level=4\n",
		  "1: rule a: unknown condition 'level' (severity, facility, transport, port or tenant)" },
		{ "a raw /a/ keep extra\n",
		  "1: rule a: bad condition 'extra' (KEY OP VALUE, e.g. severity<=4)" },
		{ "a raw /a/ keep facility>=auth\n", "1: rule a: facility takes = or !=, not >=" },
		{ "a raw /a/ keep facility=nope\n",
		  "1: rule a: bad facility 'nope' (0-23 or kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp, ntp, security, console, solaris-cron, local0-local7)" },
		{ "a raw /a/ keep port=70000\n",
		  "1: rule a: bad port list '70000' (ports 1-65535, ranges, commas: 514,6514,10000-10010)" },
		{ "a raw /a/ keep transport=sctp\n", "1: rule a: bad transport 'sctp' (udp or tcp)" },
		{ "a raw /a/ keep tenant=acme\n",
		  "1: rule a: unknown tenant 'acme' (no --tenants file)" },
		{ "a raw /a/ keep tenant=default,x\n",
		  "1: rule a: unknown tenant 'x' (no --tenants file)" },
		{ "a raw /a/ keep tenant<=default\n", "1: rule a: tenant takes = or !=, not <=" },
		{ "a raw /a/ keep tenant=a/b\n",
		  "1: rule a: bad tenant name 'a/b' ([A-Za-z0-9_.-], at most 47 characters, not . or ..)" },
		{ "a raw /a/ sample 0\n", "1: rule a: sample needs N from 1 to 4294967295, not '0'" },
		{ "a raw /a/ route\n", "1: rule a: route needs a stream name" },
		{ "a raw /a/ route bad/name\n",
		  "1: rule a: invalid stream name 'bad/name' ([A-Za-z0-9_.-], at most 47 characters, not . or ..)" },
		{ "a raw /a/ route ..\n",
		  "1: rule a: invalid stream name '..' ([A-Za-z0-9_.-], at most 47 characters, not . or ..)" },
		{ "a raw /a/ route s234567890123456789012345678901234567890123456789\n",
		  "1: rule a: invalid stream name 's234567890123456789012345678901234567890123456789' ([A-Za-z0-9_.-], at most 47 characters, not . or ..)" },
		{ "a raw /a/ tag t23456789012345678901234567890123456789012345678901234567890123x\n",
		  "1: rule a: invalid tag name 't23456789012345678901234567890123456789012345678901234567890123x' ([A-Za-z0-9_.-], at most 63 characters)" },
		{ "a raw /a/\n",
		  "1: rule a: missing action (keep, drop, route STREAM, sample N or tag NAME)" },
		{ "a raw\n", "1: rule a: expected /PATTERN/ after the field" },
		{ "a\n", "1: rule a: missing field (raw, msg, app, host, msgid or sd)" },
		{ "b@d raw /a/ keep\n",
		  "1: invalid rule name 'b@d' ([A-Za-z0-9_.-], at most 63 characters)" },
		{ "default tag x\n", "1: default cannot be tag (keep, drop, route STREAM or sample N)" },
		{ "default keep\ndefault drop\n", "2: a second default line (the first is line 1)" },
		{ "default keep severity<4\n",
		  "1: unexpected 'severity<4' after the default action (no conditions on default)" },
		{ "default drop tenant=default\n",
		  "1: unexpected 'tenant=default' after the default action (no conditions on default)" },
		{ "default raw /x/ keep\n", "1: 'default' is reserved: a rule cannot be named default" },
		{ "a raw /\xff/u keep\n",
		  "1: rule a: pattern rejected by Hyperscan: Expression is not valid UTF-8." },
	};
	unsigned int i;

	for (i = 0; i < SL_DIM(cases); i++)
		if (expect_errors(cases[i].rules, &cases[i].want, 1) != 0)
			SL_FAIL("case %u", i);
	return 0;
}

static int
test_all_errors_of_a_file_are_reported_in_line_order(void)
{
	static const char *const want[] = {
		"2: rule la: pattern rejected by Hyperscan: Zero-width assertions are not supported.",
		"3: rule f: unknown field 'bogus' (raw, msg, app, host, msgid or sd)",
		"3: rule f: unknown pattern flag 'z' (i, s, m or u)",
		"4: rule br: pattern rejected by Hyperscan: Back-references are unsupported.",
		"6: rule x: unknown action 'explode' (expected keep, drop, route, sample or tag)",
		"7: rule br: duplicate rule name (first at line 4)",
		"8: rule c: bad transport 'x' (udp or tcp)",
		"8: rule c: unknown tenant 't' (no --tenants file)",
		"9: rule m2: pattern rejected by Hyperscan: Back-references are unsupported.",
	};

	return expect_errors(
		"ok raw /fine/ keep\n"
		"la raw /foo(?=bar)/ drop\n"
		"f bogus /a/z keep\n"
		"br raw /(a)\\1/ drop\n"
		"ok2 raw /fine too/ keep\n"
		"x raw /a/ explode\n"
		"br raw /b/ keep\n"
		"c raw /c/ keep transport=x tenant=t\n"
		"m2 msg /(b)\\1/ keep\n", want, SL_DIM(want));
}

static int
test_many_rejected_patterns_are_all_reported(void)
{
	/* Past a few rejections each pattern is checked alone: same messages. */
	static char rules[8192], want_buf[60][128];
	const char *want[60];
	size_t used = 0;
	unsigned int i, n = 0;

	for (i = 0; i < 120; i++) {
		if (i % 4 == 1) {
			used += (size_t)snprintf(rules + used, sizeof(rules) - used,
						 "bad%u raw /(x)\\1-%u/ drop\n", i, i);
			snprintf(want_buf[n], sizeof(want_buf[n]),
				 "%u: rule bad%u: pattern rejected by Hyperscan: Back-references are unsupported.",
				 i + 1, i);
			want[n] = want_buf[n];
			n++;
		} else if (i % 4 == 3) {
			used += (size_t)snprintf(rules + used, sizeof(rules) - used,
						 "la%u msg /a(?!b)%u/ drop\n", i, i);
			snprintf(want_buf[n], sizeof(want_buf[n]),
				 "%u: rule la%u: pattern rejected by Hyperscan: Zero-width assertions are not supported.",
				 i + 1, i);
			want[n] = want_buf[n];
			n++;
		} else {
			used += (size_t)snprintf(rules + used, sizeof(rules) - used,
						 "ok%u raw /fine%u/ keep\n", i, i);
		}
	}
	return expect_errors(rules, want, n);
}

static int
test_too_many_streams_and_tags_are_errors(void)
{
	char rules[8192];
	size_t used = 0;
	unsigned int i;
	struct sl_classify *c;
	char want[128];
	const char *w = want;

	for (i = 1; i < SL_CLASSIFY_MAX_STREAMS; i++)
		used += (size_t)snprintf(rules + used, sizeof(rules) - used,
					 "r%u raw /a/ route s%u\n", i, i);
	c = make_c(rules, NULL);
	SL_ASSERT(c != NULL);
	SL_ASSERT_EQ(sl_classify_n_streams(c), SL_CLASSIFY_MAX_STREAMS);
	sl_classify_free(c);
	snprintf(rules + used, sizeof(rules) - used, "over raw /a/ route one-too-many\n");
	snprintf(want, sizeof(want),
		 "%u: rule over: too many streams at 'one-too-many' (at most 64, default included)",
		 SL_CLASSIFY_MAX_STREAMS);
	if (expect_errors(rules, &w, 1) != 0)
		return -1;
	used = 0;
	for (i = 0; i <= SL_CLASSIFY_MAX_TAGS; i++)
		used += (size_t)snprintf(rules + used, sizeof(rules) - used,
					 "t%u raw /a/ tag g%u\n", i, i);
	snprintf(want, sizeof(want), "%u: rule t8: too many tags at 'g8' (at most 8)",
		 SL_CLASSIFY_MAX_TAGS + 1);
	return expect_errors(rules, &w, 1);
}

static int
test_too_many_port_ranges_is_an_error(void)
{
	/* 4,400 odd ports excluded: [0-1000], 4,399 single even ports, [9800-65535]. */
	static char rules[65536];
	const char *want = "1: rule a: port conditions leave 4401 ranges of ports (at most 4096 per rule)";
	size_t used = (size_t)snprintf(rules, sizeof(rules), "a raw /x/ keep");
	unsigned int k;

	for (k = 0; k < 4400; k++)
		used += (size_t)snprintf(rules + used, sizeof(rules) - used, "%s%u",
					 k % 200 == 0 ? " port!=" : ",", 1001 + 2 * k);
	snprintf(rules + used, sizeof(rules) - used, "\n");
	return expect_errors(rules, &want, 1);
}

static int
test_unreadable_file_sets_errno(void)
{
	struct sl_classify_params p = { .path = "/nonexistent/x.rules", .socket_id = SOCKET_ID_ANY };

	rte_errno = 0;
	SL_ASSERT(sl_classify_create(&p, err, sizeof(err)) == NULL);
	SL_ASSERT_EQ(rte_errno, ENOENT);
	SL_ASSERT(strcmp(err, "/nonexistent/x.rules: cannot read: No such file or directory\n") == 0);
	p.path = dir;
	SL_ASSERT(sl_classify_create(&p, err, sizeof(err)) == NULL);
	SL_ASSERT_EQ(rte_errno, EISDIR);
	/* A small error buffer is cut, and terminated. */
	if (make_c("a raw /a/ explode\n", NULL) != NULL)
		return -1;
	p.path = path;
	SL_ASSERT(sl_classify_create(&p, err, 10) == NULL);
	SL_ASSERT_EQ(strlen(err), 9);
	return 0;
}

static int
test_explain_returns_every_match_in_file_order(void)
{
	struct sl_classify *c;
	struct sl_classify_worker *w = make_w(
		"t1 raw /alpha/ tag x\n"
		"n1 raw /nomatch/ drop\n"
		"d1 raw /beta/ route s\n"
		"c1 raw /alpha/ drop severity=debug\n"
		"d2 raw /alpha/ drop\n"
		"t2 raw /beta/ tag y\n", &c);
	struct sl_verdict v;
	uint32_t m[8];
	int n;

	SL_ASSERT(w != NULL);
	n = sl_classify_explain(w, MSG("<13>x beta alpha"), &v, m, 8);
	SL_ASSERT_EQ(n, 4);
	SL_ASSERT_EQ(m[0], 0);
	SL_ASSERT_EQ(m[1], 2);
	SL_ASSERT_EQ(m[2], 4);
	SL_ASSERT_EQ(m[3], 5);
	SL_ASSERT_V(v, 1, 1, 3, 1);
	/* cap: only the first written, the total returned. */
	m[1] = 77;
	SL_ASSERT_EQ(sl_classify_explain(w, MSG("<13>x beta alpha"), &v, m, 1), 4);
	SL_ASSERT_EQ(m[0], 0);
	SL_ASSERT_EQ(m[1], 77);
	SL_ASSERT_EQ(sl_classify_explain(w, MSG("none"), &v, m, 8), 0);
	SL_ASSERT_V(v, 1, 0, 0, 0);
	/* Same counters as sl_classify_one. */
	SL_ASSERT_EQ(sl_classify_counters(w).val[SL_CLASSIFY_msgs], 3);
	SL_ASSERT_EQ(sl_classify_rule_counters(w)[2 * SL_RULE_NB_CTR + SL_RULE_routed], 2);
	SL_ASSERT_EQ(sl_classify_rule_counters(w)[5 * SL_RULE_NB_CTR + SL_RULE_matched], 0);
	free_w(c, w);
	return 0;
}

static const struct sl_test_case cases[] = {
	SL_TEST(test_each_action_gives_its_verdict),
	SL_TEST(test_first_matching_rule_in_file_order_decides),
	SL_TEST(test_tags_count_only_before_the_deciding_rule),
	SL_TEST(test_default_action_of_each_kind),
	SL_TEST(test_sample_keeps_exactly_the_1st_then_every_nth),
	SL_TEST(test_per_rule_and_stage_counters),
	SL_TEST(test_streams_get_ids_in_order_of_first_use),
	SL_TEST(test_severity_conditions_every_operator),
	SL_TEST(test_facility_transport_and_port_conditions),
	SL_TEST(test_tenant_conditions_each_form_and_combined),
	SL_TEST(test_tenant_rule_never_sees_another_tenants_messages),
	SL_TEST(test_each_field_and_absent_fields_scan_empty),
	SL_TEST(test_pattern_flags_and_escaped_slash),
	SL_TEST(test_examples_of_the_issue_parse_and_classify),
	SL_TEST(test_match_all_patterns_are_decided_without_a_scan),
	SL_TEST(test_each_error_names_file_line_and_rule),
	SL_TEST(test_tenant_lists_of_any_length),
	SL_TEST(test_tenant_names_checked_against_the_tenant_file),
	SL_TEST(test_tenant_id_of_a_name_for_tools),
	SL_TEST(test_all_errors_of_a_file_are_reported_in_line_order),
	SL_TEST(test_many_rejected_patterns_are_all_reported),
	SL_TEST(test_too_many_streams_and_tags_are_errors),
	SL_TEST(test_too_many_port_ranges_is_an_error),
	SL_TEST(test_unreadable_file_sets_errno),
	SL_TEST(test_explain_returns_every_match_in_file_order),
};

int
main(int argc, char **argv)
{
	return classify_test_main(argc, argv, cases, SL_DIM(cases));
}

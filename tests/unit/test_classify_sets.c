/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classify stage, large sets against brute-force references (25,000
 * literals with memmem, 1,000 regexes with POSIX regexec), and the
 * compiled-database cache (hit, corrupt, truncated; conditions and tenant
 * ids are not part of it). The rules file's semantics are in
 * test_classify.c.
 */
#include <ctype.h>
#include <fcntl.h>
#include <regex.h>
#include <sys/stat.h>
#include <time.h>

#include "classify_test_util.h"
#include "sl_test.h"

static double
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

#define NLIT 25000
#define LIT_MSGS 1000
#define LIT_MAX 16

struct litset {
	char lit[NLIT][LIT_MAX + 1]; /* as matched (a '.' is written \. in the file) */
	uint8_t caseless[NLIT];
	char msg[LIT_MSGS][160];
	char lower[LIT_MSGS][160];
};

static void
lowercase(char *dst, const char *src)
{
	while ((*dst++ = (char)tolower((unsigned char)*src++)) != '\0')
		;
}

/* Literals of 6-16 characters; every 4th rule caseless. */
static char *
make_literals(struct litset *ls, uint32_t n)
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz0123456789_-.";
	char *text = malloc((size_t)n * 48), *p = text;
	uint32_t i, k;

	if (text == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		uint32_t len = 6 + rnd() % (LIT_MAX - 5);

		for (k = 0; k < len; k++)
			ls->lit[i][k] = alpha[rnd() % (sizeof(alpha) - 1)];
		ls->lit[i][len] = '\0';
		ls->caseless[i] = i % 4 == 0;
		p += sprintf(p, "l%u raw /", i);
		for (k = 0; k < len; k++)
			p += sprintf(p, ls->lit[i][k] == '.' ? "\\." : "%c", ls->lit[i][k]);
		p += sprintf(p, "/%s %s\n", ls->caseless[i] ? "i" : "",
			     i % 3 == 0 ? "drop" : i % 3 == 1 ? "keep" : "route lits");
	}
	return text;
}

/* ~140 bytes of mixed text with up to 3 literals planted, some upper-cased. */
static void
make_lit_msgs(struct litset *ls, uint32_t n_lit)
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 :=[]";
	uint32_t i, k;

	for (i = 0; i < LIT_MSGS; i++) {
		char *m = ls->msg[i];
		uint32_t plant = rnd() % 4;

		for (k = 0; k < 140; k++)
			m[k] = alpha[rnd() % (sizeof(alpha) - 1)];
		m[140] = '\0';
		for (k = 0; k < plant; k++) {
			const char *l = ls->lit[rnd() % n_lit];
			uint32_t at = rnd() % (140 - LIT_MAX), j;
			bool upper = rnd() % 3 == 0;

			for (j = 0; l[j]; j++)
				m[at + j] = upper ? (char)toupper((unsigned char)l[j]) : l[j];
		}
		lowercase(ls->lower[i], m);
	}
}

/* Rules matching message @p i, by memmem (lower-cased for caseless rules). */
static uint32_t
lit_reference(const struct litset *ls, uint32_t n_lit, uint32_t i, uint32_t *out)
{
	uint32_t r, n = 0;

	for (r = 0; r < n_lit; r++) {
		const char *hay = ls->caseless[r] ? ls->lower[i] : ls->msg[i];

		if (memmem(hay, 140, ls->lit[r], strlen(ls->lit[r])) != NULL)
			out[n++] = r;
	}
	return n;
}

/* explain and sl_classify_one agree with the reference on every message. */
static int
check_set(struct sl_classify *c, uint32_t n_msgs, const char *(*msg)(void *, uint32_t),
	  uint32_t (*ref)(void *, uint32_t, uint32_t *), void *arg, uint32_t *n_matched)
{
	struct sl_classify_worker *w = sl_classify_worker_create(c, SOCKET_ID_ANY);
	uint32_t n_rules = sl_classify_n_rules(c);
	uint32_t *got = malloc(n_rules * sizeof(*got)), *want = malloc(n_rules * sizeof(*want));
	uint32_t i, k;
	int rc = -1;

	*n_matched = 0;
	if (w == NULL || got == NULL || want == NULL)
		goto out;
	for (i = 0; i < n_msgs; i++) {
		const char *m = msg(arg, i);
		struct sl_verdict v1, v2;
		uint32_t nw = ref(arg, i, want);
		int ng = sl_classify_explain(w, msg_ex(&tm, m, SL_TRANSPORT_UDP, 514), &v1,
					     got, n_rules);

		v2 = run(w, &tm.m);
		if (ng != (int)nw) {
			fprintf(stderr, "# message %u: %d matches, expected %u: %s\n", i, ng, nw, m);
			goto out;
		}
		for (k = 0; k < nw; k++)
			if (got[k] != want[k]) {
				fprintf(stderr, "# message %u: match %u is rule %u, expected %u\n",
					i, k, got[k], want[k]);
				goto out;
			}
		if (v1.rule != (nw ? want[0] + 1 : 0) || v2.rule != v1.rule) {
			fprintf(stderr, "# message %u: rule %u/%u, expected %u\n", i, v1.rule,
				v2.rule, nw ? want[0] + 1 : 0);
			goto out;
		}
		*n_matched += nw > 0;
	}
	rc = 0;
out:
	free(got);
	free(want);
	sl_classify_worker_free(w);
	return rc;
}

static struct litset *lits;

static const char *
lit_msg(void *arg, uint32_t i)
{
	return ((struct litset *)arg)->msg[i];
}

static uint32_t lit_n;

static uint32_t
lit_ref(void *arg, uint32_t i, uint32_t *out)
{
	return lit_reference(arg, lit_n, i, out);
}

/* Verdicts of every message, to compare a cached set with the compiled one. */
static int
verdicts(struct sl_classify *c, uint32_t *rule_of)
{
	struct sl_classify_worker *w = sl_classify_worker_create(c, SOCKET_ID_ANY);
	uint32_t i;

	if (w == NULL)
		return -1;
	for (i = 0; i < LIT_MSGS; i++) {
		struct sl_verdict v = run(w, msg_ex(&tm, lits->msg[i], SL_TRANSPORT_UDP, 514));

		rule_of[i] = v.rule | (uint32_t)v.keep << 24 | (uint32_t)v.stream << 25;
	}
	sl_classify_worker_free(w);
	return 0;
}

static int
test_25000_literals_match_like_memmem_and_cache_loads(void)
{
	static uint32_t first[LIT_MSGS], second[LIT_MSGS];
	struct sl_classify *c;
	char *text;
	double t0, ms;
	uint32_t matched;

	rng_state = 0x9e3779b97f4a7c15ull;
	text = make_literals(lits, NLIT);
	SL_ASSERT(text != NULL);
	make_lit_msgs(lits, NLIT);
	SL_ASSERT_EQ(write_rules(text), 0);
	free(text);
	t0 = mono_ms();
	c = create_file(cache);
	if (c == NULL)
		SL_FAIL("%s", err);
	printf("# 25,000 literals: compiled in %.0f ms (create %.0f ms), %zu KB\n",
	       (sl_classify_from_cache(c, &ms), ms), mono_ms() - t0, sl_classify_db_size(c) >> 10);
	SL_ASSERT(!sl_classify_from_cache(c, NULL));
	SL_ASSERT_EQ(sl_classify_n_rules(c), NLIT);
	lit_n = NLIT;
	if (check_set(c, LIT_MSGS, lit_msg, lit_ref, lits, &matched) != 0)
		return -1;
	printf("# %u of %u messages match some literal\n", matched, LIT_MSGS);
	SL_ASSERT(matched > LIT_MSGS / 2 && matched < LIT_MSGS);
	SL_ASSERT_EQ(verdicts(c, first), 0);
	sl_classify_free(c);
	/* Same rules again: from the cache, same verdicts. */
	t0 = mono_ms();
	c = create_file(cache);
	SL_ASSERT(c != NULL);
	SL_ASSERT(sl_classify_from_cache(c, &ms));
	printf("# 25,000 literals: loaded from the cache in %.1f ms (create %.0f ms)\n",
	       ms, mono_ms() - t0);
	SL_ASSERT_EQ(verdicts(c, second), 0);
	SL_ASSERT_MEM_EQ(first, second, sizeof(first));
	sl_classify_free(c);
	return 0;
}

/* The one cache file in the cache directory. */
static int
cache_file(char *out, size_t len)
{
	char cmd[256];
	FILE *p;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "ls %s/sl-classify-*.hsdb", cache);
	p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	while (fgets(out, (int)len, p) != NULL)
		n++;
	pclose(p);
	out[strcspn(out, "\n")] = '\0';
	return n == 1 ? 0 : -1;
}

static int
test_corrupt_or_truncated_cache_is_ignored_and_rewritten(void)
{
	static uint32_t want[LIT_MSGS], got[LIT_MSGS];
	struct sl_classify *c;
	char file[512], *text;
	struct stat st;
	unsigned int round;
	uint32_t matched;

	/* A smaller set: three compiles. */
	snprintf(cache, sizeof(cache), "%s/cache2/sub", dir);
	rng_state = 0x1234567ull;
	text = make_literals(lits, 2000);
	SL_ASSERT(text != NULL);
	make_lit_msgs(lits, 2000);
	SL_ASSERT_EQ(write_rules(text), 0);
	free(text);
	c = create_file(cache);
	SL_ASSERT(c != NULL && !sl_classify_from_cache(c, NULL));
	lit_n = 2000;
	SL_ASSERT_EQ(check_set(c, LIT_MSGS, lit_msg, lit_ref, lits, &matched), 0);
	SL_ASSERT_EQ(verdicts(c, want), 0);
	sl_classify_free(c);
	SL_ASSERT_EQ(cache_file(file, sizeof(file)), 0);
	SL_ASSERT_EQ(stat(file, &st), 0);
	for (round = 0; round < 4; round++) {
		int fd = open(file, O_WRONLY);

		SL_ASSERT(fd >= 0);
		if (round == 0) /* bytes in the middle of a database */
			SL_ASSERT_EQ(pwrite(fd, "garbage!", 8, st.st_size / 2), 8);
		else if (round == 1) /* truncated */
			SL_ASSERT_EQ(ftruncate(fd, st.st_size - 100), 0);
		else if (round == 2) /* only a header's worth */
			SL_ASSERT_EQ(ftruncate(fd, 20), 0);
		else /* a database size in the header */
			SL_ASSERT_EQ(pwrite(fd, "\xff\xff\xff\x7f", 4, 40), 4);
		close(fd);
		c = create_file(cache);
		SL_ASSERT(c != NULL);
		SL_ASSERT(!sl_classify_from_cache(c, NULL));
		SL_ASSERT_EQ(verdicts(c, got), 0);
		SL_ASSERT_MEM_EQ(want, got, sizeof(want));
		sl_classify_free(c);
		/* Rewritten whole: the next start loads it. */
		c = create_file(cache);
		SL_ASSERT(c != NULL && sl_classify_from_cache(c, NULL));
		SL_ASSERT_EQ(verdicts(c, got), 0);
		SL_ASSERT_MEM_EQ(want, got, sizeof(want));
		sl_classify_free(c);
	}
	/* A rule changed: another key, compiled again. */
	SL_ASSERT_EQ(write_rules("a raw /x/ keep\n"), 0);
	c = create_file(cache);
	SL_ASSERT(c != NULL && !sl_classify_from_cache(c, NULL));
	sl_classify_free(c);
	return 0;
}

static int
test_cache_holds_patterns_not_tenant_conditions(void)
{
	/* Conditions are checked after the scan: changing a rule's tenants,
	 * or what the tenant file numbers them, loads the same databases and
	 * decides by the new conditions. */
	static const char *const names_a[] = { "default", "acme", "beta" };
	static const char *const names_b[] = { "default", "beta", "zeta", "acme" };
	struct tenant_tab a = { .name = names_a, .n = 3 }, b = { .name = names_b, .n = 4 };
	struct sl_classify_worker *w;
	struct sl_classify *c;
	struct sl_verdict v;

	snprintf(cache, sizeof(cache), "%s/cache-tenant", dir);
	SL_ASSERT_EQ(write_rules("s raw /secret/ route hush tenant=acme\n"
				 "p raw /secret/ drop\n"), 0);
	c = create_file_ex(cache, tab_tenant_id, &a);
	SL_ASSERT(c != NULL && !sl_classify_from_cache(c, NULL));
	sl_classify_free(c);
	/* The same file under another tenant file: acme is now 3. */
	c = create_file_ex(cache, tab_tenant_id, &b);
	SL_ASSERT(c != NULL && sl_classify_from_cache(c, NULL));
	w = sl_classify_worker_create(c, SOCKET_ID_ANY);
	SL_ASSERT(w != NULL);
	v = run(w, msg_of("a secret", 3));
	SL_ASSERT(v.keep == 1 && v.stream == 1 && v.rule == 1);
	v = run(w, msg_of("a secret", 1));
	SL_ASSERT(v.keep == 0 && v.rule == 2);
	sl_classify_worker_free(w);
	sl_classify_free(c);
	/* Other tenants on the same patterns: still from the cache. */
	SL_ASSERT_EQ(write_rules("s raw /secret/ route hush tenant!=acme,zeta\n"
				 "p raw /secret/ drop tenant=default\n"), 0);
	c = create_file_ex(cache, tab_tenant_id, &b);
	SL_ASSERT(c != NULL && sl_classify_from_cache(c, NULL));
	w = sl_classify_worker_create(c, SOCKET_ID_ANY);
	SL_ASSERT(w != NULL);
	v = run(w, msg_of("a secret", 1));
	SL_ASSERT(v.keep == 1 && v.stream == 1 && v.rule == 1);
	v = run(w, msg_of("a secret", 3));
	SL_ASSERT(v.keep == 1 && v.stream == 0 && v.rule == 0);
	v = run(w, msg_of("a secret", 0));
	SL_ASSERT(v.keep == 1 && v.stream == 1 && v.rule == 1);
	sl_classify_worker_free(w);
	sl_classify_free(c);
	return 0;
}

#define NRE 1000
#define RE_MSGS 2000

struct reset {
	char pat[NRE][96];
	uint8_t icase[NRE];
	regex_t re[NRE];
	char msg[RE_MSGS][144];
};

static struct reset *res;

/* A word of the messages' alphabet. */
static char *
put_word(char *p, uint32_t min, uint32_t max)
{
	static const char letters[] = "abcdef";
	uint32_t n = min + rnd() % (max - min + 1);

	while (n--)
		*p++ = letters[rnd() % (sizeof(letters) - 1)];
	return p;
}

/*
 * A regex both Hyperscan and POSIX ERE read the same way, shaped like the
 * ones operators write: a word, then 1-3 pieces among a word, a class with
 * a quantifier, .*, a space, an alternation of words; sometimes anchored.
 */
static void
make_regex(char *out, bool *icase)
{
	static const char *const cls[] = { "[0-9]", "[a-c]", "[^ ]", "[d-f0-3]", "." };
	static const char *const quant[] = { "", "+", "?", "*", "{1,3}", "{2}" };
	uint32_t pieces = 1 + rnd() % 3, k;
	char *p = out;

	if (rnd() % 8 == 0)
		*p++ = '^';
	p = put_word(p, 3, 5);
	for (k = 0; k < pieces; k++) {
		switch (rnd() % 5) {
		case 0:
			p = put_word(p, 2, 4);
			break;
		case 1:
			p += sprintf(p, "%s%s", cls[rnd() % 5], quant[rnd() % 6]);
			break;
		case 2:
			p += sprintf(p, ".*");
			break;
		case 3:
			*p++ = ' ';
			break;
		default:
			*p++ = '(';
			p = put_word(p, 2, 4);
			*p++ = '|';
			p = put_word(p, 2, 4);
			if (rnd() % 2) {
				*p++ = '|';
				p = put_word(p, 2, 4);
			}
			*p++ = ')';
			break;
		}
	}
	if (rnd() % 10 == 0)
		*p++ = '$';
	*p = '\0';
	*icase = rnd() % 5 == 0;
}

static const char *
re_msg(void *arg, uint32_t i)
{
	return ((struct reset *)arg)->msg[i];
}

static uint32_t
re_ref(void *arg, uint32_t i, uint32_t *out)
{
	struct reset *s = arg;
	uint32_t r, n = 0;

	for (r = 0; r < NRE; r++)
		if (regexec(&s->re[r], s->msg[i], 0, NULL, 0) == 0)
			out[n++] = r;
	return n;
}

static int
test_1000_regexes_match_like_posix_regexec(void)
{
	static const char alpha[] = "abcdefABC0123   ";
	struct sl_classify *c;
	char *text, *p;
	uint32_t i, k, matched;
	double ms;
	int rc;

	res = malloc(sizeof(*res));
	text = malloc(NRE * 128);
	SL_ASSERT(res != NULL && text != NULL);
	rng_state = 0xfeedfacecafebeefull;
	for (i = 0, p = text; i < NRE; i++) {
		bool icase;

		make_regex(res->pat[i], &icase);
		res->icase[i] = icase;
		if (regcomp(&res->re[i], res->pat[i],
			    REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0)) != 0)
			SL_FAIL("regcomp %s", res->pat[i]);
		p += sprintf(p, "re%u msg /%s/%s %s\n", i, res->pat[i], icase ? "i" : "",
			     i % 2 ? "keep" : "drop");
	}
	/* Raw lines (msg is the whole line) of the regexes' alphabet, spaces
	 * and digits, some letters upper-case (for the caseless rules). */
	for (i = 0; i < RE_MSGS; i++) {
		uint32_t len = 20 + rnd() % 120;

		for (k = 0; k < len; k++)
			res->msg[i][k] = alpha[rnd() % (sizeof(alpha) - 1)];
		res->msg[i][len] = '\0';
	}
	SL_ASSERT_EQ(write_rules(text), 0);
	free(text);
	c = create_file(NULL);
	if (c == NULL)
		SL_FAIL("%s", err);
	sl_classify_from_cache(c, &ms);
	printf("# 1,000 regexes: compiled in %.0f ms, %zu KB\n", ms, sl_classify_db_size(c) >> 10);
	rc = check_set(c, RE_MSGS, re_msg, re_ref, res, &matched);
	printf("# %u of %u messages match some regex\n", matched, RE_MSGS);
	sl_classify_free(c);
	for (i = 0; i < NRE; i++)
		regfree(&res->re[i]);
	free(res);
	SL_ASSERT_EQ(rc, 0);
	SL_ASSERT(matched > RE_MSGS / 10 && matched < RE_MSGS);
	return 0;
}

static const struct sl_test_case cases[] = {
	SL_TEST(test_25000_literals_match_like_memmem_and_cache_loads),
	SL_TEST(test_corrupt_or_truncated_cache_is_ignored_and_rewritten),
	SL_TEST(test_cache_holds_patterns_not_tenant_conditions),
	SL_TEST(test_1000_regexes_match_like_posix_regexec),
};

int
main(int argc, char **argv)
{
	int rc;

	lits = malloc(sizeof(*lits));
	if (lits == NULL)
		return 1;
	rc = classify_test_main(argc, argv, cases, SL_DIM(cases));
	free(lits);
	return rc;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Shared by the classify and classify_sets suites: a classifier built from
 * rules text, a struct sl_classify_msg made from a line with sl_parse_msg(),
 * one classify call whose failure gives a verdict no test expects, a seeded
 * random generator, and a main that runs the cases in a scratch directory
 * holding the rules file and the cache directory.
 */
#ifndef CLASSIFY_TEST_UTIL_H
#define CLASSIFY_TEST_UTIL_H

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_memory.h>

#include "sl_classify.h"
#include "sl_common.h"
#include "sl_record.h"
#include "sl_test.h"

static char dir[64];       /* scratch directory of the run */
static char path[128];     /* dir/t.rules */
static char cache[128];    /* dir/cache */
static char err[1 << 16];  /* error text of the last create */

/* Write @p text (NUL-terminated) as the rules file. */
static inline int
write_rules(const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* Create from the rules file with a tenant lookup (NULL: none); errors in err. */
static inline struct sl_classify *
create_file_ex(const char *cache_dir, sl_classify_tenant_fn fn, void *arg)
{
	struct sl_classify_params p = {
		.path = path, .cache_dir = cache_dir, .socket_id = SOCKET_ID_ANY,
		.tenant_id = fn, .tenant_arg = arg,
	};
	return sl_classify_create(&p, err, sizeof(err));
}

/* Create from the rules file; errors in err. */
static inline struct sl_classify *
create_file(const char *cache_dir)
{
	return create_file_ex(cache_dir, NULL, NULL);
}

/*
 * A tenant file as the lookup sees it: name[i] is tenant i (name[0] is
 * "default", which classify never asks for); calls counts the lookups.
 */
struct tenant_tab {
	const char *const *name;
	unsigned int n;
	unsigned int calls;
};

static inline int
tab_tenant_id(void *arg, const char *name)
{
	struct tenant_tab *t = arg;
	unsigned int i;

	t->calls++;
	for (i = 0; i < t->n; i++)
		if (strcmp(t->name[i], name) == 0)
			return (int)i;
	return -1;
}

/* Write @p rules to the rules file and create. */
static inline struct sl_classify *
make_c(const char *rules, const char *cache_dir)
{
	if (write_rules(rules) != 0)
		return NULL;
	return create_file(cache_dir);
}

/* make_c() and one worker; NULL on failure (*c too if create failed). */
static inline struct sl_classify_worker *
make_w(const char *rules, struct sl_classify **c)
{
	*c = make_c(rules, NULL);
	return *c ? sl_classify_worker_create(*c, SOCKET_ID_ANY) : NULL;
}

static inline void
free_w(struct sl_classify *c, struct sl_classify_worker *w)
{
	sl_classify_worker_free(w);
	sl_classify_free(c);
}

/* One message as the worker would give it. */
struct tmsg {
	uint8_t buf[4096];
	struct sl_parsed parsed;
	struct sl_classify_msg m;
};

static inline const struct sl_classify_msg *
msg_ex(struct tmsg *t, const char *line, uint8_t transport, uint16_t dport)
{
	uint32_t n = (uint32_t)strlen(line);

	memcpy(t->buf, line, n);
	sl_parse_msg(t->buf, n, 2026, &t->parsed);
	t->m = (struct sl_classify_msg){
		.p = t->buf, .len = n, .parsed = &t->parsed,
		.transport = transport, .dport = dport,
	};
	return &t->m;
}

static struct tmsg tm;
#define MSG(line) msg_ex(&tm, (line), SL_TRANSPORT_UDP, 514)

/* MSG() of tenant @p tenant. */
static inline const struct sl_classify_msg *
msg_of(const char *line, uint16_t tenant)
{
	msg_ex(&tm, line, SL_TRANSPORT_UDP, 514);
	tm.m.tenant = tenant;
	return &tm.m;
}

/* Classify; a failed call gives a verdict no test expects. */
static inline struct sl_verdict
run(struct sl_classify_worker *w, const struct sl_classify_msg *m)
{
	struct sl_verdict v;

	memset(&v, 0xee, sizeof(v));
	if (sl_classify_one(w, m, &v) != 0)
		v.rule = 0xdead;
	return v;
}

/* xorshift64; a case sets rng_state to its own seed before drawing. */
static uint64_t rng_state;

static inline uint32_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

static inline int
scratch_rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

/*
 * sl_test_main() with the EAL, inside a scratch directory holding the rules
 * file and the cache, removed with all it holds once the cases have run.
 */
static inline int
classify_test_main(int argc, char **argv, const struct sl_test_case *cases, unsigned int n)
{
	int rc;

	strcpy(dir, "/tmp/sl-classify-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/t.rules", dir);
	snprintf(cache, sizeof(cache), "%s/cache", dir);
	rc = sl_test_main(argc, argv, cases, n, true);
	nftw(dir, scratch_rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return rc;
}

#endif /* CLASSIFY_TEST_UTIL_H */

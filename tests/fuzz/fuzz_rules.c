/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the rules file parser (pipelines/classify/
 * rules_file.c, rules_cond.c, rules_errors.c): the input is a whole rules
 * file. Hyperscan compilation is not fuzzed (slow, and Hyperscan's own);
 * the parser is a separate function producing the rule table, and that
 * table is checked against the invariants the compiler and the hot path
 * rely on (abort on violation):
 * - every rule: field, action, argument in range (stream < n_streams, tag
 *   < n_tags, sample N >= 1, sample slot < n_sample), condition index valid,
 *   its port ranges inside the range table, sorted, disjoint;
 * - every pattern: inside the arena, NUL-terminated, no NUL inside;
 * - names: [A-Za-z0-9_.-], 1..63 characters, unique among rules; stream
 *   names at most 47 characters, not . or .. (they are directories);
 * - the default is never tag; stream 0 is "default";
 * - the error text is terminated within its buffer, each line FILE:...
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify_private.h"
#include "fuzz_util.h"
#include "sl_segment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Rules', streams' and tags' names: up to SL_CLASSIFY_NAME_MAX - 1 characters. */
#define NAME_MAX_LEN (SL_CLASSIFY_NAME_MAX - 1)

static void
check_cond(const struct cl_rules *r, const struct cl_cond *c)
{
	uint32_t k;

	if (c->has == 0 ||
	    (c->has & ~(CL_C_SEV | CL_C_FAC | CL_C_TRANS | CL_C_PORT | CL_C_TENANT)))
		abort();
	if (c->has & CL_C_TENANT) {
		/* A sorted list of ids, the shorter side of the condition. */
		if (c->tenant_first > r->n_tenant || c->tenant_n > r->n_tenant - c->tenant_first ||
		    c->tenant_n > 32767 || c->tenant_out > 1)
			abort();
		for (k = 0; k < c->tenant_n; k++) {
			uint16_t id = r->tenant[c->tenant_first + k];

			if (id > SL_CLASSIFY_MAX_TENANT_ID ||
			    (k > 0 && id <= r->tenant[c->tenant_first + k - 1]))
				abort();
		}
	}
	if (!(c->has & CL_C_PORT))
		return;
	if (c->port_first > r->n_range || c->port_n > r->n_range - c->port_first)
		abort();
	for (k = 0; k < c->port_n; k++) {
		const struct cl_range *g = &r->range[c->port_first + k];

		if (g->lo > g->hi)
			abort();
		if (k > 0 && g->lo <= (uint32_t)g[-1].hi + 1)
			abort(); /* not sorted, overlapping or not merged */
	}
}

static void
check(const struct cl_rules *r)
{
	uint32_t i, j, samples = 0, tags = 0, fields = 0;

	if (r->n > SL_CLASSIFY_MAX_RULES || r->n > r->cap || r->n_cond > r->cap_cond ||
	    r->n_range > r->cap_range || r->n_tenant > r->cap_tenant || r->pat_len > r->pat_cap)
		abort();
	if (r->n_streams < 1 || r->n_streams > SL_CLASSIFY_MAX_STREAMS ||
	    r->n_tags > SL_CLASSIFY_MAX_TAGS || strcmp(r->stream[0], "default") != 0)
		abort();
	for (i = 0; i < r->n_streams; i++) {
		/* A stream is a directory (docs/FORMAT.md). */
		fuzz_check_name(r->stream[i], NAME_MAX_LEN, true);
		if (strlen(r->stream[i]) > SL_SEG_NAME_MAX)
			abort();
	}
	for (i = 0; i < r->n_tags; i++)
		fuzz_check_name(r->tag[i], NAME_MAX_LEN, false);
	if (r->def_action > SL_ACT_SAMPLE ||
	    (r->def_action == SL_ACT_ROUTE && r->def_arg >= r->n_streams) ||
	    (r->def_action == SL_ACT_SAMPLE && r->def_arg == 0))
		abort();
	for (i = 0; i < r->n; i++) {
		const struct cl_rule *ru = &r->rule[i];
		const struct cl_rule_info *ri = &r->info[i];

		fuzz_check_name(ri->name, NAME_MAX_LEN, false);
		if (ru->field >= SL_FIELD_NB || ru->action > SL_ACT_TAG)
			abort();
		if ((ru->action == SL_ACT_ROUTE && ru->arg >= r->n_streams) ||
		    (ru->action == SL_ACT_TAG && ru->arg >= r->n_tags) ||
		    (ru->action == SL_ACT_SAMPLE && (ru->arg == 0 || ru->slot != samples++)))
			abort();
		tags += ru->action == SL_ACT_TAG;
		fields |= 1u << ru->field;
		if (ru->cond != CL_NONE) {
			if (ru->cond >= r->n_cond)
				abort();
			check_cond(r, &r->cond[ru->cond]);
		}
		if (ri->pat_off > r->pat_len || ri->pat_len >= r->pat_len - ri->pat_off ||
		    r->pat[ri->pat_off + ri->pat_len] != '\0' ||
		    strlen(cl_rule_pattern(r, i)) != ri->pat_len)
			abort();
		if (ri->line == 0 || (i > 0 && ri->line <= r->info[i - 1].line))
			abort();
	}
	if (samples != r->n_sample || tags != r->n_tag_rules || fields != r->fields)
		abort();
	/* Unique names (small inputs only: quadratic). */
	for (i = 0; i < r->n && r->n < 2000; i++)
		for (j = i + 1; j < r->n; j++)
			if (strcmp(r->info[i].name, r->info[j].name) == 0)
				abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cl_errs e = { .file = "fuzz.rules" };
	struct cl_rules r;
	char out[300];
	char *buf;

	if (size > (1u << 20))
		return 0;
	buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	memset(&r, 0, sizeof(r));
	if (cl_rules_parse(&r, buf, size, &e) == 0)
		check(&r);
	cl_errs_write(&e, out, sizeof(out));
	if (strnlen(out, sizeof(out)) >= sizeof(out))
		abort();
	if (cl_errs_count(&e) > 0 && strncmp(out, "fuzz.rules:", 11) != 0)
		abort();
	if (cl_errs_count(&e) == 0 && out[0] != '\0')
		abort();
	cl_errs_free(&e);
	cl_rules_free(&r);
	free(buf);
	return 0;
}

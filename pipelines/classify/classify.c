/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classify stage: the handle (create, accessors, free), the worker's state,
 * and the hot path: one hs_scan() per field database, a match callback that
 * keeps the lowest-index deciding rule whose conditions hold, then the
 * verdict (tags of earlier tag rules, the action, sampling, counters).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hs/hs.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "classify_private.h"
#include "sl_file.h"
#include "sl_common.h"
#include "sl_record.h"

RTE_LOG_REGISTER(sl_classify_logtype, sluice.classify, NOTICE);

static const struct sl_ctr_desc classify_ctr_desc[] = {
	SL_CLASSIFY_COUNTERS(SL_CTR_DESC)
};

struct sl_classify_worker {
	uint64_t ctr[SL_CLASSIFY_NB_CTR];
	/* The compiled set, read-only. */
	const struct sl_classify *c;
	const struct cl_rule *rule;
	const struct cl_cond *cond;
	const struct cl_range *range;
	const uint16_t *tenant;
	hs_scratch_t *scratch;
	/* The message being classified, and what matched so far. */
	const struct sl_classify_msg *m;
	uint32_t best;       /* lowest deciding rule, or CL_NONE */
	uint32_t stop_at;    /* lowest rule of the database being scanned */
	uint32_t n_tagm;     /* tag rules that matched (each once: SINGLEMATCH) */
	uint32_t cap_tagm;   /* = number of tag rules */
	uint32_t *tagm;
	uint64_t *seen;      /* explain: one bit per rule */
	/* Sampling: messages to drop before the next one kept, per sample rule. */
	uint32_t *left;
	uint32_t def_left;   /* the same for a default `sample N` */
	uint64_t *rule_ctr;  /* SL_RULE_NB_CTR per rule */
} __rte_cache_aligned;

struct sl_classify *
cl_create_from_buffer(const char *file, const char *buf, size_t len,
		      const struct sl_classify_params *p, char *err, size_t errlen)
{
	struct cl_errs e = { .file = file };
	struct sl_classify *c;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	c->rules.tenants.id = p->tenant_id;
	c->rules.tenants.arg = p->tenant_arg;
	rc = cl_rules_parse(&c->rules, buf, len, &e);
	if (rc == 0)
		rc = cl_compile(c, p->cache_dir, cl_errs_count(&e) > 0, &e);
	if (rc == 0 && cl_errs_count(&e) > 0)
		rc = -EINVAL;
	if (rc < 0) {
		if (rc == -ENOMEM)
			cl_err(&e, 0, NULL, "out of memory");
		cl_errs_write(&e, err, errlen);
		cl_errs_free(&e);
		sl_classify_free(c);
		rte_errno = -rc;
		return NULL;
	}
	cl_errs_free(&e);
	CLASSIFY_LOG(INFO, "%s: %u rules, %u streams, %u tags, %zu KB of databases, %s in %.1f ms\n",
		     file, c->rules.n, c->rules.n_streams, c->rules.n_tags, c->db_size >> 10,
		     c->from_cache ? "loaded from the cache" : "compiled", c->ms);
	return c;
}

struct sl_classify *
sl_classify_create(const struct sl_classify_params *p, char *err, size_t errlen)
{
	struct sl_classify *c;
	uint8_t *buf;
	size_t len;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (p == NULL || p->path == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	rc = sl_read_file(p->path, &buf, &len);
	if (rc < 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: cannot read: %s\n", p->path, strerror(-rc));
		rte_errno = -rc;
		return NULL;
	}
	c = cl_create_from_buffer(p->path, (const char *)buf, len, p, err, errlen);
	free(buf);
	return c;
}

int
sl_classify_tenant_id(const struct sl_classify_params *p, const char *name)
{
	struct cl_tenants t = { .id = p ? p->tenant_id : NULL, .arg = p ? p->tenant_arg : NULL };
	return cl_tenant_id(&t, name, strlen(name));
}

void
sl_classify_free(struct sl_classify *c)
{
	if (c == NULL)
		return;
	cl_compiled_free(c);
	cl_rules_free(&c->rules);
	free(c);
}

uint32_t
sl_classify_n_rules(const struct sl_classify *c)
{
	return c->rules.n;
}

const char *
sl_classify_rule_name(const struct sl_classify *c, uint32_t i)
{
	return i < c->rules.n ? c->rules.info[i].name : NULL;
}

enum sl_action
sl_classify_rule_action(const struct sl_classify *c, uint32_t i, uint32_t *arg)
{
	if (i >= c->rules.n) {
		if (arg != NULL)
			*arg = 0;
		return SL_ACT_KEEP;
	}
	if (arg != NULL)
		*arg = c->rules.rule[i].arg;
	return (enum sl_action)c->rules.rule[i].action;
}

uint16_t
sl_classify_n_streams(const struct sl_classify *c)
{
	return c->rules.n_streams;
}

const char *
sl_classify_stream_name(const struct sl_classify *c, uint16_t id)
{
	return id < c->rules.n_streams ? c->rules.stream[id] : NULL;
}

uint8_t
sl_classify_n_tags(const struct sl_classify *c)
{
	return c->rules.n_tags;
}

const char *
sl_classify_tag_name(const struct sl_classify *c, uint8_t i)
{
	return i < c->rules.n_tags ? c->rules.tag[i] : NULL;
}

enum sl_action
sl_classify_default(const struct sl_classify *c, uint32_t *arg)
{
	if (arg != NULL)
		*arg = c->rules.def_arg;
	return (enum sl_action)c->rules.def_action;
}

uint32_t
sl_classify_fields(const struct sl_classify *c)
{
	return c->rules.fields;
}

bool
sl_classify_needs_pri(const struct sl_classify *c)
{
	return c->rules.needs_pri;
}

bool
sl_classify_from_cache(const struct sl_classify *c, double *ms)
{
	if (ms != NULL)
		*ms = c->ms;
	return c->from_cache;
}

size_t
sl_classify_db_size(const struct sl_classify *c)
{
	return c->db_size;
}

/* ---- workers ---- */

struct sl_classify_worker *
sl_classify_worker_create(const struct sl_classify *c, int socket_id)
{
	const struct cl_rules *r = &c->rules;
	size_t words = ((size_t)r->n + 63) / 64;
	size_t size = sizeof(struct sl_classify_worker) +
		(size_t)r->n * SL_RULE_NB_CTR * sizeof(uint64_t) + words * sizeof(uint64_t) +
		((size_t)r->n_tag_rules + r->n_sample) * sizeof(uint32_t);
	struct sl_classify_worker *w;

	/* libc, not rte_malloc: sluice-rules runs without an EAL. */
	if (posix_memalign((void **)&w, RTE_CACHE_LINE_SIZE, size) != 0) {
		rte_errno = ENOMEM;
		return NULL;
	}
	memset(w, 0, size);
	w->c = c;
	w->rule = r->rule;
	w->cond = r->cond;
	w->range = r->range;
	w->tenant = r->tenant;
	w->rule_ctr = (uint64_t *)(w + 1);
	w->seen = w->rule_ctr + (size_t)r->n * SL_RULE_NB_CTR;
	w->tagm = (uint32_t *)(w->seen + words);
	w->cap_tagm = r->n_tag_rules;
	w->left = w->tagm + r->n_tag_rules;
	if (c->scratch != NULL && hs_clone_scratch(c->scratch, &w->scratch) != HS_SUCCESS) {
		free(w);
		rte_errno = ENOMEM;
		return NULL;
	}
	return w;
}

void
sl_classify_worker_free(struct sl_classify_worker *w)
{
	if (w == NULL)
		return;
	hs_free_scratch(w->scratch);
	free(w);
}

struct sl_ctr_set
sl_classify_counters(const struct sl_classify_worker *w)
{
	struct sl_ctr_set set = {
		.module = "classify",
		.n = SL_CLASSIFY_NB_CTR,
		.desc = classify_ctr_desc,
		.val = w->ctr,
	};
	return set;
}

const uint64_t *
sl_classify_rule_counters(const struct sl_classify_worker *w)
{
	return w->rule_ctr;
}

/* ---- hot path ---- */

static bool
port_in(const struct cl_range *r, uint32_t n, uint16_t port)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (port < r[mid].lo)
			hi = mid;
		else if (port > r[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/* Is @p t in the sorted list @p ids? The lists are short: a few names. */
static bool
tenant_in(const uint16_t *ids, uint32_t n, uint16_t t)
{
	uint32_t lo = 0, hi = n;

	while (hi - lo > 8) {
		uint32_t mid = (lo + hi) / 2;

		if (t < ids[mid])
			hi = mid;
		else
			lo = mid;
	}
	for (; lo < hi; lo++)
		if (ids[lo] == t)
			return true;
	return false;
}

static inline bool
cond_ok(const struct sl_classify_worker *w, const struct cl_cond *c)
{
	const struct sl_classify_msg *m = w->m;

	/* First: with tenants, most rules are another tenant's. */
	if ((c->has & CL_C_TENANT) &&
	    tenant_in(w->tenant + c->tenant_first, c->tenant_n, m->tenant) == c->tenant_out)
		return false;
	if (c->has & (CL_C_SEV | CL_C_FAC)) {
		unsigned int sev = m->parsed ? m->parsed->severity : SL_SEV_NONE;
		unsigned int fac = m->parsed ? m->parsed->facility : SL_FAC_NONE;

		if ((c->has & CL_C_SEV) && (sev > 7 || !(c->sev_mask & (1u << sev))))
			return false;
		if ((c->has & CL_C_FAC) && (fac > 23 || !(c->fac_mask & (1u << fac))))
			return false;
	}
	if (c->has & CL_C_TRANS) {
		uint8_t t = m->transport == SL_TRANSPORT_UDP ? CL_T_UDP :
			    m->transport == SL_TRANSPORT_TCP ? CL_T_TCP : 0;

		if (!(c->trans_mask & t))
			return false;
	}
	if (c->has & CL_C_PORT)
		return port_in(w->range + c->port_first, c->port_n, m->dport);
	return true;
}

/*
 * Matches come in order of end offset, not of rule index: keep the lowest
 * deciding rule; a tag rule is noted and judged at the end (it counts only
 * before the deciding rule).
 */
static int
on_match(unsigned int id, unsigned long long from, unsigned long long to,
	 unsigned int flags, void *ctx)
{
	struct sl_classify_worker *w = ctx;
	const struct cl_rule *r;

	if (id >= w->best)
		return 0;
	r = &w->rule[id];
	if (r->cond != CL_NONE && !cond_ok(w, &w->cond[r->cond]))
		return 0;
	if (r->action == SL_ACT_TAG) {
		if (w->n_tagm < w->cap_tagm)
			w->tagm[w->n_tagm++] = id;
		return 0;
	}
	w->best = id;
	/* Nothing in this database comes before its lowest rule: stop. */
	return id == w->stop_at;
}

/* sl_classify_explain(): every match, no early stop. */
static int
on_match_all(unsigned int id, unsigned long long from, unsigned long long to,
	     unsigned int flags, void *ctx)
{
	struct sl_classify_worker *w = ctx;
	const struct cl_rule *r = &w->rule[id];

	if (r->cond != CL_NONE && !cond_ok(w, &w->cond[r->cond]))
		return 0;
	w->seen[id / 64] |= 1ull << (id % 64);
	if (r->action == SL_ACT_TAG) {
		if (w->n_tagm < w->cap_tagm)
			w->tagm[w->n_tagm++] = id;
	} else if (id < w->best) {
		w->best = id;
	}
	return 0;
}

/* Where each field is in struct sl_parsed (raw: the whole message). */
static const uint16_t field_off[SL_FIELD_NB] = {
	[SL_FIELD_RAW] = 0,
	[SL_FIELD_MSG] = offsetof(struct sl_parsed, msg),
	[SL_FIELD_APP] = offsetof(struct sl_parsed, app),
	[SL_FIELD_HOST] = offsetof(struct sl_parsed, host),
	[SL_FIELD_MSGID] = offsetof(struct sl_parsed, msgid),
	[SL_FIELD_SD] = offsetof(struct sl_parsed, sd),
};

/* The bytes of field @p f (an absent field is empty). */
static inline void
field_of(const struct sl_classify_msg *m, unsigned int f, const char **p, uint32_t *len)
{
	static const char empty[1];

	*p = empty;
	*len = 0;
	if (f == SL_FIELD_RAW) {
		if (m->len > 0) {
			*p = (const char *)m->p;
			*len = m->len;
		}
	} else if (m->parsed != NULL) {
		const struct sl_span *s =
			(const void *)((const uint8_t *)m->parsed + field_off[f]);

		if (s->len > 0) {
			*p = (const char *)m->p + s->off;
			*len = s->len;
		}
	}
}

static inline bool
triv_match(const struct cl_triv_rule *t, const struct sl_classify_msg *m)
{
	const char *p;
	uint32_t len, i;

	if (t->kind == CL_TRIV_ALL)
		return true;
	field_of(m, t->field, &p, &len);
	if (t->kind == CL_TRIV_BYTE)
		return len > 0;
	for (i = 0; i < len; i++)
		if (p[i] != '\n')
			return true;
	return false;
}

static int
scan(struct sl_classify_worker *w, const struct sl_classify_msg *m, bool all)
{
	const struct sl_classify *c = w->c;
	match_event_handler on = all ? on_match_all : on_match;
	unsigned int i;

	w->m = m;
	w->best = CL_NONE;
	w->n_tagm = 0;
	/* Trivial rules first (no scan), in order, up to a deciding one. */
	for (i = 0; i < c->n_triv; i++) {
		const struct cl_triv_rule *t = &c->triv[i];

		if (!all && t->id > w->best)
			break;
		if (triv_match(t, m)) {
			w->stop_at = CL_NONE;
			on(t->id, 0, 0, 0, w);
		}
	}
	for (i = 0; i < c->n_db; i++) {
		const struct cl_db *d = &c->db[i];
		const char *p;
		uint32_t len;
		hs_error_t rc;

		/* Databases are in order of their lowest rule. */
		if (!all && d->min_id > w->best)
			break;
		field_of(m, d->field, &p, &len);
		w->stop_at = d->min_id;
		rc = hs_scan(d->db, p, len, 0, w->scratch, on, w);
		if (unlikely(rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED))
			return -EIO;
	}
	return 0;
}

static void
decide(struct sl_classify_worker *w, struct sl_verdict *v)
{
	const struct cl_rules *r = &w->c->rules;
	uint32_t best = w->best, k, arg;
	uint64_t *rc = NULL;
	uint32_t *left;
	uint8_t action, tags = 0;

	for (k = 0; k < w->n_tagm; k++) {
		uint32_t id = w->tagm[k];

		if (id < best) {
			tags |= (uint8_t)(1u << w->rule[id].arg);
			w->rule_ctr[(size_t)id * SL_RULE_NB_CTR + SL_RULE_matched]++;
		}
	}
	if (best == CL_NONE) {
		action = r->def_action;
		arg = r->def_arg;
		left = &w->def_left;
		v->rule = 0;
		w->ctr[SL_CLASSIFY_defaulted]++;
	} else {
		const struct cl_rule *d = &w->rule[best];

		action = d->action;
		arg = d->arg;
		left = &w->left[d->slot];
		v->rule = best + 1;
		rc = &w->rule_ctr[(size_t)best * SL_RULE_NB_CTR];
		rc[SL_RULE_matched]++;
	}
	v->tags = tags;
	v->keep = 1;
	v->stream = 0;
	switch (action) {
	case SL_ACT_DROP:
		v->keep = 0;
		if (rc != NULL)
			rc[SL_RULE_dropped]++;
		break;
	case SL_ACT_ROUTE:
		v->stream = (uint16_t)arg;
		if (rc != NULL)
			rc[SL_RULE_routed]++;
		break;
	case SL_ACT_SAMPLE:
		/* Keep the 1st, N+1th, 2N+1th...: count down from N-1 after each. */
		if (*left == 0) {
			*left = arg - 1;
			if (rc != NULL)
				rc[SL_RULE_sampled]++;
		} else {
			(*left)--;
			v->keep = 0;
			if (rc != NULL)
				rc[SL_RULE_dropped]++;
		}
		break;
	default:
		break;
	}
	w->ctr[SL_CLASSIFY_msgs]++;
	w->ctr[v->keep ? SL_CLASSIFY_kept : SL_CLASSIFY_drop_rule]++;
}

static int
scan_error(struct sl_classify_worker *w, struct sl_verdict *v)
{
	v->keep = 1;
	v->tags = 0;
	v->stream = 0;
	v->rule = 0;
	w->ctr[SL_CLASSIFY_scan_errors]++;
	w->ctr[SL_CLASSIFY_msgs]++;
	w->ctr[SL_CLASSIFY_kept]++;
	return -EIO;
}

int
sl_classify_one(struct sl_classify_worker *w, const struct sl_classify_msg *m,
		struct sl_verdict *v)
{
	if (unlikely(scan(w, m, false) < 0))
		return scan_error(w, v);
	decide(w, v);
	return 0;
}

int
sl_classify_explain(struct sl_classify_worker *w, const struct sl_classify_msg *m,
		    struct sl_verdict *v, uint32_t *matches, uint32_t cap)
{
	uint32_t n_rules = w->c->rules.n, i;
	int n = 0;

	memset(w->seen, 0, ((size_t)n_rules + 63) / 64 * sizeof(uint64_t));
	if (scan(w, m, true) < 0)
		return scan_error(w, v);
	decide(w, v);
	for (i = 0; i < n_rules; i++) {
		if (!(w->seen[i / 64] & (1ull << (i % 64)))) {
			if (w->seen[i / 64] >> (i % 64) == 0)
				i |= 63; /* the rest of this word is empty */
			continue;
		}
		if ((uint32_t)n < cap)
			matches[n] = i;
		n++;
	}
	return n;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rules file parser (docs/RULES.md): text in memory -> struct cl_rules
 * plus every error, each with its line. Nothing here calls DPDK or
 * Hyperscan (only their header constants), so fuzz_rules runs it alone.
 *
 *   NAME FIELD /PATTERN/FLAGS ACTION [ARG] [CONDITION...]
 *   default ACTION [ARG]
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hs/hs_compile.h>

#include "classify_private.h"
#include "sl_words.h"
#include "sl_segment.h" /* SL_SEG_NAME_MAX: a stream is a directory */

/* ---- rule names already seen (duplicates), open addressing ---- */

struct name_ent {
	uint32_t line; /* 0: empty */
	char name[SL_CLASSIFY_NAME_MAX];
};

struct name_set {
	struct name_ent *v;
	uint32_t n, cap; /* cap: power of two */
};

static uint32_t
name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static struct name_ent *
names_slot(struct name_ent *v, uint32_t cap, const char *name)
{
	uint32_t i = name_hash(name) & (cap - 1);

	while (v[i].line != 0 && strcmp(v[i].name, name) != 0)
		i = (i + 1) & (cap - 1);
	return &v[i];
}

/* @return 0 added, the first line of a duplicate, or -ENOMEM. */
static int64_t
names_add(struct name_set *s, const char *name, uint32_t line)
{
	struct name_ent *e;

	if ((s->n + 1) * 2 > s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 256, i;
		struct name_ent *v = calloc(cap, sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		for (i = 0; i < s->cap; i++)
			if (s->v[i].line != 0)
				*names_slot(v, cap, s->v[i].name) = s->v[i];
		free(s->v);
		s->v = v;
		s->cap = cap;
	}
	e = names_slot(s->v, s->cap, name);
	if (e->line != 0)
		return e->line;
	e->line = line;
	strcpy(e->name, name);
	s->n++;
	return 0;
}

/* ---- tokens ---- */

/* Parser state: the current line and what the file has defined so far. */
struct lp {
	struct cl_rules *r;
	struct cl_errs *e;
	const char *p, *end; /* rest of the current line */
	uint32_t line;
	const char *who;     /* rule name for messages, or NULL */
	unsigned int n_err;  /* errors on this line */
	bool nomem;
	bool said_too_many;
	struct name_set names;
	struct cl_cond_work work; /* ports and tenants of one rule's conditions */
};

#define LP_ERR(l, ...) do { \
	cl_err((l)->e, (l)->line, (l)->who, __VA_ARGS__); \
	(l)->n_err++; \
} while (0)

/* Longest piece of user text echoed in a message. */
#define ECHO(t) (int)((t)->n > 64 ? 64 : (t)->n), (t)->s

/* Next word of the line; false at its end or at a comment. */
static inline bool
next_tok(struct lp *l, struct sl_word *t)
{
	return sl_word_next(&l->p, l->end, t);
}

/* [A-Za-z0-9_.-]+, shorter than SL_CLASSIFY_NAME_MAX. */
static bool
name_ok(const struct sl_word *t)
{
	size_t i;

	if (t->n == 0 || t->n >= SL_CLASSIFY_NAME_MAX)
		return false;
	for (i = 0; i < t->n; i++) {
		char c = t->s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

#define NAME_RULE "[A-Za-z0-9_.-], at most 63 characters"

static const char *const field_names[SL_FIELD_NB] = {
	[SL_FIELD_RAW] = "raw", [SL_FIELD_MSG] = "msg", [SL_FIELD_APP] = "app",
	[SL_FIELD_HOST] = "host", [SL_FIELD_MSGID] = "msgid", [SL_FIELD_SD] = "sd",
};

/* ---- streams and tags ---- */

/* Index of @p t in @p names[0..*n), added if new; -1 when full. */
static int
intern(char names[][SL_CLASSIFY_NAME_MAX], unsigned int *n, unsigned int max,
       const struct sl_word *t)
{
	unsigned int i;

	for (i = 0; i < *n; i++)
		if (sl_word_is(t, names[i]))
			return (int)i;
	if (*n == max)
		return -1;
	memcpy(names[*n], t->s, t->n);
	names[*n][t->n] = '\0';
	return (int)(*n)++;
}

static bool
stream_of(struct lp *l, const struct sl_word *t, uint32_t *id)
{
	unsigned int n = l->r->n_streams;
	int i;

	/* A stream is a directory: OUT/<tenant>/<stream>/ (docs/FORMAT.md). */
	if (!name_ok(t) || t->n > SL_SEG_NAME_MAX || sl_word_is(t, ".") || sl_word_is(t, "..")) {
		LP_ERR(l, "invalid stream name '%.*s' ([A-Za-z0-9_.-], at most %u characters, not . or ..)",
		       ECHO(t), SL_SEG_NAME_MAX);
		return false;
	}
	i = intern(l->r->stream, &n, SL_CLASSIFY_MAX_STREAMS, t);
	if (i < 0) {
		LP_ERR(l, "too many streams at '%.*s' (at most %u, default included)",
		       ECHO(t), SL_CLASSIFY_MAX_STREAMS);
		return false;
	}
	l->r->n_streams = (uint16_t)n;
	*id = (uint32_t)i;
	return true;
}

static bool
tag_of(struct lp *l, const struct sl_word *t, uint32_t *id)
{
	unsigned int n = l->r->n_tags;
	int i;

	if (!name_ok(t)) {
		LP_ERR(l, "invalid tag name '%.*s' (" NAME_RULE ")", ECHO(t));
		return false;
	}
	i = intern(l->r->tag, &n, SL_CLASSIFY_MAX_TAGS, t);
	if (i < 0) {
		LP_ERR(l, "too many tags at '%.*s' (at most %u)", ECHO(t), SL_CLASSIFY_MAX_TAGS);
		return false;
	}
	l->r->n_tags = (uint8_t)n;
	*id = (uint32_t)i;
	return true;
}

/*
 * ACTION [ARG]. @p is_default: the default line (no tag).
 * @return false when the rest of the line cannot be read.
 */
static bool
parse_action(struct lp *l, bool is_default, uint8_t *action, uint32_t *arg)
{
	struct sl_word t, a;
	uint64_t v;

	if (!next_tok(l, &t)) {
		LP_ERR(l, "missing action (keep, drop, route STREAM, sample N%s)",
		       is_default ? "" : " or tag NAME");
		return false;
	}
	*arg = 0;
	if (sl_word_is(&t, "keep")) {
		*action = SL_ACT_KEEP;
		return true;
	}
	if (sl_word_is(&t, "drop")) {
		*action = SL_ACT_DROP;
		return true;
	}
	if (sl_word_is(&t, "route") || sl_word_is(&t, "sample") || sl_word_is(&t, "tag")) {
		if (is_default && sl_word_is(&t, "tag")) {
			LP_ERR(l, "default cannot be tag (keep, drop, route STREAM or sample N)");
			return false;
		}
		if (!next_tok(l, &a)) {
			LP_ERR(l, "%.*s needs %s", ECHO(&t), t.s[0] == 'r' ? "a stream name" :
			       t.s[0] == 's' ? "N >= 1" : "a tag name");
			return false;
		}
		if (t.s[0] == 'r') {
			*action = SL_ACT_ROUTE;
			stream_of(l, &a, arg);
			return true;
		}
		if (t.s[0] == 't') {
			*action = SL_ACT_TAG;
			tag_of(l, &a, arg);
			return true;
		}
		*action = SL_ACT_SAMPLE;
		if (!cl_num(a.s, a.n, 1, UINT32_MAX, &v))
			LP_ERR(l, "sample needs N from 1 to %u, not '%.*s'", UINT32_MAX, ECHO(&a));
		else
			*arg = (uint32_t)v;
		return true;
	}
	LP_ERR(l, "unknown action '%.*s' (expected keep, drop, route, sample%s)", ECHO(&t),
	       is_default ? "" : " or tag");
	return false;
}

/* ---- growing arrays ---- */

static int
grow(void **p, uint32_t *cap, uint32_t need, size_t size)
{
	uint32_t n = *cap ? *cap : 64;
	void *v;

	if (need <= *cap)
		return 0;
	if (need > (1u << 30))
		return -ENOMEM;
	while (n < need)
		n *= 2;
	v = realloc(*p, (size_t)n * size);
	if (v == NULL)
		return -ENOMEM;
	*p = v;
	*cap = n;
	return 0;
}

/* First port >= @p p whose bit is @p bit (65536 if none): a word at a time. */
static uint32_t
next_port(const uint64_t *map, uint32_t p, bool bit)
{
	while (p < 65536) {
		uint64_t w = (bit ? map[p >> 6] : ~map[p >> 6]) & (~0ull << (p & 63));

		if (w != 0)
			return (p & ~63u) + (uint32_t)__builtin_ctzll(w);
		p = (p | 63) + 1;
	}
	return 65536;
}

/*
 * The combined ports of a rule as sorted ranges.
 * @return 0, -E2BIG (too many ranges: reported), -ENOMEM.
 */
static int
add_ranges(struct lp *l, struct cl_cond *c)
{
	struct cl_rules *r = l->r;
	const uint64_t *ports = l->work.ports;
	uint32_t lo = next_port(ports, 0, true), n = 0, p;

	for (p = lo; p < 65536; p = next_port(ports, p, true))
		n++, p = next_port(ports, p, false);
	if (n > CL_RULE_RANGES_MAX || r->n_range + n > CL_RANGES_MAX) {
		LP_ERR(l, n > CL_RULE_RANGES_MAX ?
		       "port conditions leave %u ranges of ports (at most %u per rule)" :
		       "too many port ranges in the file (%u more, at most %u in all)",
		       n, n > CL_RULE_RANGES_MAX ? CL_RULE_RANGES_MAX : CL_RANGES_MAX);
		return -E2BIG;
	}
	if (grow((void **)&r->range, &r->cap_range, r->n_range + n, sizeof(*r->range)))
		return -ENOMEM;
	c->port_first = r->n_range;
	c->port_n = n;
	for (p = lo; p < 65536; p = next_port(ports, p, true)) {
		r->range[r->n_range].lo = (uint16_t)p;
		p = next_port(ports, p, false);
		r->range[r->n_range++].hi = (uint16_t)(p - 1);
	}
	return 0;
}

/*
 * The tenants a rule's conditions let through, as a sorted list of ids:
 * those that pass, or those that fail when fewer (tenant!=x: one id).
 * @return 0, -E2BIG (too many in the file: reported), -ENOMEM.
 */
static int
add_tenants(struct lp *l, struct cl_cond *c)
{
	struct cl_rules *r = l->r;
	uint64_t *map = l->work.tenants;
	uint32_t pass = 0, n, i;
	bool out;

	/* Ids go up to SL_CLASSIFY_MAX_TENANT_ID (65534): bit 65535 is none. */
	map[1023] &= ~(1ull << 63);
	for (i = 0; i < 1024; i++)
		pass += (uint32_t)__builtin_popcountll(map[i]);
	out = pass > SL_CLASSIFY_MAX_TENANT_ID + 1 - pass;
	n = out ? SL_CLASSIFY_MAX_TENANT_ID + 1 - pass : pass;
	if (r->n_tenant + n > CL_TENANT_IDS_MAX) {
		LP_ERR(l, "too many tenant ids in conditions (%u more, at most %u in the file)",
		       n, CL_TENANT_IDS_MAX);
		return -E2BIG;
	}
	if (grow((void **)&r->tenant, &r->cap_tenant, r->n_tenant + n, sizeof(*r->tenant)))
		return -ENOMEM;
	c->tenant_first = r->n_tenant;
	c->tenant_n = (uint16_t)n;
	c->tenant_out = out;
	for (i = 0; i < 1024; i++) {
		uint64_t w = out ? ~map[i] : map[i];

		if (i == 1023)
			w &= ~(1ull << 63);
		for (; w != 0; w &= w - 1)
			r->tenant[r->n_tenant++] = (uint16_t)(i * 64 + (uint32_t)__builtin_ctzll(w));
	}
	return 0;
}

/* ---- lines ---- */

/*
 * /PATTERN/FLAGS into the pattern arena (\/ becomes /, every other escape
 * is left to Hyperscan). @return false when the line cannot be read on.
 */
static bool
parse_pattern(struct lp *l, struct cl_rule_info *ri)
{
	struct cl_rules *r = l->r;
	size_t need = (size_t)(l->end - l->p) + 1;
	char *out;

	while (l->p < l->end && sl_word_space(*l->p))
		l->p++;
	if (l->p == l->end || *l->p != '/') {
		LP_ERR(l, "expected /PATTERN/ after the field");
		return false;
	}
	if (r->pat_len + need > r->pat_cap) {
		size_t cap = r->pat_cap ? r->pat_cap : 4096;
		char *v;

		while (cap < r->pat_len + need)
			cap *= 2;
		v = realloc(r->pat, cap);
		if (v == NULL) {
			l->nomem = true;
			return false;
		}
		r->pat = v;
		r->pat_cap = cap;
	}
	ri->pat_off = r->pat_len;
	out = r->pat + r->pat_len;
	for (l->p++; l->p < l->end && *l->p != '/'; l->p++) {
		if (*l->p == '\\' && l->p + 1 < l->end) {
			if (l->p[1] != '/')
				*out++ = '\\';
			l->p++;
		}
		*out++ = *l->p;
	}
	if (l->p == l->end) {
		LP_ERR(l, "pattern has no closing /");
		return false;
	}
	*out = '\0';
	ri->pat_len = (uint32_t)(out - (r->pat + ri->pat_off));
	ri->hs_flags = HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;
	for (l->p++; l->p < l->end && !sl_word_space(*l->p); l->p++) {
		switch (*l->p) {
		case 'i':
			ri->hs_flags |= HS_FLAG_CASELESS;
			break;
		case 's':
			ri->hs_flags |= HS_FLAG_DOTALL;
			break;
		case 'm':
			ri->hs_flags |= HS_FLAG_MULTILINE;
			break;
		case 'u':
			ri->hs_flags |= HS_FLAG_UTF8 | HS_FLAG_UCP;
			break;
		default:
			LP_ERR(l, "unknown pattern flag '%c' (i, s, m or u)", *l->p);
			break;
		}
	}
	return true;
}

/* Room for one more rule: rule[] and info[] share one capacity. */
static int
reserve_rules(struct cl_rules *r)
{
	uint32_t cap = r->cap;

	if (r->n < cap)
		return 0;
	if (grow((void **)&r->rule, &cap, r->n + 1, sizeof(*r->rule)))
		return -ENOMEM;
	cap = r->cap;
	if (grow((void **)&r->info, &cap, r->n + 1, sizeof(*r->info)))
		return -ENOMEM;
	r->cap = cap;
	return 0;
}

static int
add_rule(struct lp *l, struct cl_rule *rule, struct cl_rule_info *ri, struct cl_cond *c)
{
	struct cl_rules *r = l->r;

	if (reserve_rules(r))
		return -ENOMEM;
	if (c->has) {
		int rc;

		if (grow((void **)&r->cond, &r->cap_cond, r->n_cond + 1, sizeof(*r->cond)))
			return -ENOMEM;
		if ((c->has & CL_C_PORT) && (rc = add_ranges(l, c)) < 0)
			return rc;
		if ((c->has & CL_C_TENANT) && (rc = add_tenants(l, c)) < 0)
			return rc;
		rule->cond = r->n_cond;
		r->cond[r->n_cond++] = *c;
	}
	if (rule->action == SL_ACT_SAMPLE)
		rule->slot = r->n_sample++;
	if (rule->action == SL_ACT_TAG)
		r->n_tag_rules++;
	r->fields |= 1u << rule->field;
	r->pat_len += ri->pat_len + 1;
	r->rule[r->n] = *rule;
	r->info[r->n++] = *ri;
	return 0;
}

static void
parse_rule(struct lp *l, const struct sl_word *name)
{
	struct cl_rule rule = { .cond = CL_NONE };
	struct cl_rule_info ri = { .line = l->line };
	struct cl_cond c = { .fac_mask = (1u << 24) - 1, .sev_mask = 0xff,
			     .trans_mask = CL_T_UDP | CL_T_TCP };
	struct sl_word t;
	int64_t first;
	unsigned int f;

	if (!name_ok(name)) {
		LP_ERR(l, "invalid rule name '%.*s' (" NAME_RULE ")", ECHO(name));
		return;
	}
	memcpy(ri.name, name->s, name->n);
	ri.name[name->n] = '\0';
	l->who = ri.name;
	first = names_add(&l->names, ri.name, l->line);
	if (first < 0) {
		l->nomem = true;
		return;
	}
	if (first > 0)
		LP_ERR(l, "duplicate rule name (first at line %u)", (unsigned int)first);
	if (!next_tok(l, &t)) {
		LP_ERR(l, "missing field (raw, msg, app, host, msgid or sd)");
		return;
	}
	for (f = 0; f < SL_FIELD_NB && !sl_word_is(&t, field_names[f]); f++)
		;
	if (f == SL_FIELD_NB) {
		LP_ERR(l, "unknown field '%.*s' (raw, msg, app, host, msgid or sd)", ECHO(&t));
		f = SL_FIELD_RAW;
	}
	rule.field = (uint8_t)f;
	if (!parse_pattern(l, &ri))
		return;
	if (!parse_action(l, false, &rule.action, &rule.arg))
		return;
	while (next_tok(l, &t)) {
		char why[512];

		if (cl_cond_parse(t.s, t.n, &c, &l->work, &l->r->tenants, why, sizeof(why)) < 0)
			LP_ERR(l, "%s", why);
	}
	if (c.has & (CL_C_SEV | CL_C_FAC))
		l->r->needs_pri = true;
	if (l->r->n >= SL_CLASSIFY_MAX_RULES) {
		if (!l->said_too_many)
			LP_ERR(l, "too many rules (at most %u)", SL_CLASSIFY_MAX_RULES);
		l->said_too_many = true;
		return;
	}
	if (l->n_err == 0 && add_rule(l, &rule, &ri, &c) == -ENOMEM)
		l->nomem = true;
}

static void
parse_default(struct lp *l)
{
	struct cl_rules *r = l->r;
	uint32_t arg;
	uint8_t action;
	struct sl_word t;

	l->who = NULL;
	if (r->def_line) {
		LP_ERR(l, "a second default line (the first is line %u)", r->def_line);
		return;
	}
	if (!parse_action(l, true, &action, &arg))
		return;
	if (next_tok(l, &t)) {
		LP_ERR(l, "unexpected '%.*s' after the default action (no conditions on default)",
		       ECHO(&t));
		return;
	}
	if (l->n_err == 0) {
		r->def_action = action;
		r->def_arg = arg;
		r->def_line = l->line;
	}
}

static void
parse_line(struct lp *l)
{
	struct sl_word t, t2;
	const char *save;

	l->who = NULL;
	l->n_err = 0;
	if (memchr(l->p, '\0', (size_t)(l->end - l->p)) != NULL) {
		LP_ERR(l, "NUL byte in the line");
		return;
	}
	if (!next_tok(l, &t))
		return; /* blank or comment */
	if (sl_word_is(&t, "default")) {
		/* `default FIELD /.../`: a rule that would shadow the default line. */
		save = l->p;
		if (next_tok(l, &t2)) {
			unsigned int f;

			for (f = 0; f < SL_FIELD_NB && !sl_word_is(&t2, field_names[f]); f++)
				;
			if (f < SL_FIELD_NB || t2.s[0] == '/') {
				LP_ERR(l, "'default' is reserved: a rule cannot be named default");
				return;
			}
		}
		l->p = save;
		parse_default(l);
		return;
	}
	parse_rule(l, &t);
}

int
cl_rules_parse(struct cl_rules *r, const char *buf, size_t len, struct cl_errs *e)
{
	const char *p = buf, *end = buf + len;
	struct lp *l;
	int rc = 0;

	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return -ENOMEM;
	l->r = r;
	l->e = e;
	strcpy(r->stream[0], "default");
	r->n_streams = 1;
	r->def_action = SL_ACT_KEEP;
	while (!l->nomem && sl_line_next(&p, end, &l->p, &l->end)) {
		l->line++;
		parse_line(l);
	}
	if (l->nomem)
		rc = -ENOMEM;
	free(l->names.v);
	free(l);
	return rc;
}

void
cl_rules_free(struct cl_rules *r)
{
	free(r->rule);
	free(r->info);
	free(r->cond);
	free(r->range);
	free(r->tenant);
	free(r->pat);
	memset(r, 0, sizeof(*r));
}

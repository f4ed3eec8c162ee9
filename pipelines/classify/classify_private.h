/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classify stage, private: the rule table the file parser produces
 * (rules_file.c, no DPDK or Hyperscan calls, so the fuzzer can run it
 * alone), the compiled set (classify_compile.c: Hyperscan databases and
 * their on-disk cache) and the worker's hot state (classify.c).
 */
#ifndef CLASSIFY_PRIVATE_H
#define CLASSIFY_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sl_classify.h"
#include "sl_errs.h"

#define CL_NONE UINT32_MAX

/* Condition kinds present in a struct cl_cond (cl_cond::has). */
#define CL_C_SEV   0x01
#define CL_C_FAC   0x02
#define CL_C_TRANS 0x04
#define CL_C_PORT  0x08
#define CL_C_TENANT 0x10

/* cl_cond::trans_mask bits. */
#define CL_T_UDP 0x01
#define CL_T_TCP 0x02

/*
 * All conditions of one rule, already combined (AND): a severity bit mask,
 * a facility bit mask, a transport mask, one sorted list of allowed
 * destination port ranges and one sorted list of tenant ids (those that
 * pass, or those that do not when that list is shorter: `tenant!=x` is one
 * id, not 65,534). A message without a parsed severity or facility fails a
 * severity or facility condition.
 */
struct cl_cond {
	uint32_t fac_mask;   /* bit f: facility f passes */
	uint32_t port_first; /* first range in cl_rules::range */
	uint32_t port_n;     /* ranges (0 with CL_C_PORT: no port passes) */
	uint32_t tenant_first; /* first id in cl_rules::tenant */
	uint16_t tenant_n;   /* ids, at most 32,767 (the shorter side) */
	uint8_t tenant_out;  /* 1: the ids listed fail, the others pass */
	uint8_t sev_mask;    /* bit s: severity s passes */
	uint8_t trans_mask;  /* CL_T_* */
	uint8_t has;         /* CL_C_* */
};

/* Tenant names of conditions -> ids (sl_classify_params::tenant_id). */
struct cl_tenants {
	sl_classify_tenant_fn id; /* NULL: only "default" (id 0) exists */
	void *arg;
};

/* What one rule's conditions build up before the rule is stored. */
struct cl_cond_work {
	uint64_t ports[1024];   /* bit p: destination port p passes */
	uint64_t tenants[1024]; /* bit t: tenant t passes */
};

/* An inclusive range of destination ports. */
struct cl_range {
	uint16_t lo;
	uint16_t hi;
};

/* What the match callback reads: 16 bytes per rule. */
struct cl_rule {
	uint8_t action;  /* enum sl_action */
	uint8_t field;   /* enum sl_field */
	uint16_t reserved;
	uint32_t arg;    /* stream id, N, or tag bit */
	uint32_t cond;   /* index in cl_rules::cond, or CL_NONE */
	uint32_t slot;   /* sample rules: index of its per-worker countdown */
};

/* The rest of a rule: names, line, pattern (control path only). */
struct cl_rule_info {
	char name[SL_CLASSIFY_NAME_MAX];
	uint32_t line;
	uint32_t hs_flags; /* HS_FLAG_* as compiled */
	size_t pat_off;    /* into cl_rules::pat: unescaped, NUL-terminated */
	uint32_t pat_len;
};

/* The parsed file: rules in file order, streams, tags, the default. */
struct cl_rules {
	uint32_t n, cap;
	struct cl_rule *rule;
	struct cl_rule_info *info;
	struct cl_cond *cond;
	uint32_t n_cond, cap_cond;
	struct cl_range *range;
	uint32_t n_range, cap_range;
	uint16_t *tenant;   /* the conditions' tenant id lists, each sorted */
	uint32_t n_tenant, cap_tenant;
	struct cl_tenants tenants; /* set by the caller of cl_rules_parse() */
	char *pat;
	size_t pat_len, pat_cap;
	char stream[SL_CLASSIFY_MAX_STREAMS][SL_CLASSIFY_NAME_MAX];
	uint16_t n_streams;
	char tag[SL_CLASSIFY_MAX_TAGS][SL_CLASSIFY_NAME_MAX];
	uint8_t n_tags;
	uint8_t def_action; /* enum sl_action, never SL_ACT_TAG */
	uint32_t def_arg;
	uint32_t def_line;  /* 0: no default line */
	uint32_t n_sample;  /* sample rules (slots 0..n_sample-1) */
	uint32_t n_tag_rules;
	uint32_t fields;    /* 1 << SL_FIELD_* of every rule */
	bool needs_pri;     /* a severity or facility condition exists */
};

/*
 * Errors of one file: "FILE:LINE: rule NAME: reason", collected by the
 * common sl_errs (sl_errs.h). struct cl_errs is that struct under the name
 * the classify code and fuzz_rules use ({ .file = path } initialises it).
 */
#define cl_errs sl_errs

/* Port ranges a rule's conditions may leave, and in all. */
#define CL_RULE_RANGES_MAX 4096u
#define CL_RANGES_MAX (1u << 20)
/* Tenant ids the conditions of a file may list, in all. */
#define CL_TENANT_IDS_MAX (1u << 20)

/**
 * Add an error (rules_errors.c). @p line 0: the file as a whole; @p rule
 * NULL: no name.
 */
void cl_err(struct cl_errs *e, uint32_t line, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/** Errors so far (stored or not). */
static inline uint32_t
cl_errs_count(const struct cl_errs *e)
{
	return sl_errs_count(e);
}

/**
 * Write the errors sorted by line (stable), one per line, into @p buf
 * (always terminated when @p len > 0, cut if too small).
 */
static inline void
cl_errs_write(struct cl_errs *e, char *buf, size_t len)
{
	sl_errs_write(e, buf, len);
}

static inline void
cl_errs_free(struct cl_errs *e)
{
	sl_errs_free(e);
}

/**
 * Parse a rules file held in memory into @p r (zeroed by the caller, who
 * may then set r->tenants). Every error goes to @p e.
 * @return 0 (check cl_errs_count()), or -ENOMEM.
 */
int cl_rules_parse(struct cl_rules *r, const char *buf, size_t len, struct cl_errs *e);

/** Free what cl_rules_parse() allocated. */
void cl_rules_free(struct cl_rules *r);

/**
 * One condition token (KEY OP VALUE, not terminated), combined (AND) into
 * @p c (rules_cond.c).
 * @param w      the rule's port and tenant bit maps, each set up by the
 *               rule's first condition of its kind
 * @param t      tenant names -> ids
 * @param why    the reason, on error
 * @return 0, or -EINVAL.
 */
int cl_cond_parse(const char *s, size_t n, struct cl_cond *c, struct cl_cond_work *w,
		  const struct cl_tenants *t, char *why, size_t whylen);

/**
 * The id of tenant @p s (@p n bytes, not terminated): "default" is 0, any
 * other name is asked of @p t (rules_cond.c).
 * @return the id, -EINVAL (not a tenant name), -ENOENT (unknown), or
 *         -ERANGE (the lookup gave an id above SL_CLASSIFY_MAX_TENANT_ID).
 */
int cl_tenant_id(const struct cl_tenants *t, const char *s, size_t n);

/** Decimal digits only (at most 10), in [lo, hi]. */
static inline bool
cl_num(const char *s, size_t n, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 10)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/** Pattern of rule @p i (unescaped, NUL-terminated). */
static inline const char *
cl_rule_pattern(const struct cl_rules *r, uint32_t i)
{
	return r->pat + r->info[i].pat_off;
}

/* ---- compiled set (classify_compile.c) ---- */

struct hs_database;
struct hs_scratch;

/* One Hyperscan database: every rule on one field. */
struct cl_db {
	struct hs_database *db;
	uint32_t min_id; /* lowest rule index in it */
	uint8_t field;   /* enum sl_field */
};

/*
 * Patterns decided without Hyperscan: one that matches every field ("",
 * ".*", "^", "$"), and "." or ".+" (a field holding a byte other than \n,
 * or any byte with the s flag). Inside a multi-pattern database such a
 * pattern is expensive (measured: one "" took a 3-pattern raw database from
 * 23 to 80 ns per 130-byte message; a "." adds ~28 ns).
 */
enum cl_triv {
	CL_TRIV_NONE = 0,
	CL_TRIV_ALL,  /* always matches */
	CL_TRIV_BYTE, /* field not empty */
	CL_TRIV_LINE, /* field has a byte other than \n */
};

struct cl_triv_rule {
	uint32_t id;
	uint8_t field;
	uint8_t kind; /* enum cl_triv */
};

struct sl_classify {
	struct cl_rules rules;
	struct cl_db db[SL_FIELD_NB]; /* by min_id, ascending */
	unsigned int n_db;
	struct cl_triv_rule *triv;    /* by id, ascending */
	uint32_t n_triv;
	struct hs_scratch *scratch;   /* prototype: workers clone it */
	bool from_cache;
	double ms;                    /* compile or cache load time */
	size_t db_size;
};

/**
 * Compile the rules of @p c into c->db (or load them from @p cache_dir),
 * and allocate the prototype scratch. Pattern errors go to @p e, with
 * their rule and line.
 * @param check_only  the file already has errors: only look for more (no
 *                    cache read or write, databases freed)
 * @return 0, -EINVAL (errors added to @p e), -ENOMEM.
 */
int cl_compile(struct sl_classify *c, const char *cache_dir, bool check_only,
	       struct cl_errs *e);

/** Free the databases and the scratch. */
void cl_compiled_free(struct sl_classify *c);


/**
 * sl_classify_create() on a rules file held in memory; @p file names it in
 * error messages, @p p gives the cache directory and the tenant lookup
 * (p->path is not read).
 */
struct sl_classify *cl_create_from_buffer(const char *file, const char *buf, size_t len,
					  const struct sl_classify_params *p, char *err,
					  size_t errlen);

/* Log type of the stage (classify.c). */
extern int sl_classify_logtype;
#define CLASSIFY_LOG(level, ...) SL_LOG(sl_classify_logtype, level, "classify", __VA_ARGS__)

#endif /* CLASSIFY_PRIVATE_H */

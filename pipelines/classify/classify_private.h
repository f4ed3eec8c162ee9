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

#define CL_NONE UINT32_MAX

/* Condition kinds present in a struct cl_cond (cl_cond::has). */
#define CL_C_SEV   0x01
#define CL_C_FAC   0x02
#define CL_C_TRANS 0x04
#define CL_C_PORT  0x08

/* cl_cond::trans_mask bits. */
#define CL_T_UDP 0x01
#define CL_T_TCP 0x02

/*
 * All conditions of one rule, already combined (AND): a severity bit mask,
 * a facility bit mask, a transport mask and one sorted list of allowed
 * destination port ranges. A message without a parsed severity or facility
 * fails a severity or facility condition.
 */
struct cl_cond {
	uint32_t fac_mask;   /* bit f: facility f passes */
	uint32_t port_first; /* first range in cl_rules::range */
	uint32_t port_n;     /* ranges (0 with CL_C_PORT: no port passes) */
	uint8_t sev_mask;    /* bit s: severity s passes */
	uint8_t trans_mask;  /* CL_T_* */
	uint8_t has;         /* CL_C_* */
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

/* One error message, with its line for sorting. */
struct cl_err {
	uint32_t line;
	uint32_t seq;
	char *text;
};

/* Errors of one file: "FILE:LINE: rule NAME: reason". */
struct cl_errs {
	const char *file;
	struct cl_err *v;
	uint32_t n, cap;
	uint32_t dropped; /* not stored (beyond CL_ERRS_MAX, or no memory) */
};

#define CL_ERRS_MAX 10000u

/* Port ranges a rule's conditions may leave, and in all. */
#define CL_RULE_RANGES_MAX 4096u
#define CL_RANGES_MAX (1u << 20)

/**
 * Add an error. @p line 0: the file as a whole; @p rule NULL: no name.
 */
void cl_err(struct cl_errs *e, uint32_t line, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/** Errors so far (stored or not). */
static inline uint32_t
cl_errs_count(const struct cl_errs *e)
{
	return e->n + e->dropped;
}

/**
 * Write the errors sorted by line (stable), one per line, into @p buf
 * (always terminated when @p len > 0, cut if too small).
 */
void cl_errs_write(struct cl_errs *e, char *buf, size_t len);

void cl_errs_free(struct cl_errs *e);

/**
 * Parse a rules file held in memory into @p r (zeroed by the caller).
 * Every error goes to @p e.
 * @return 0 (check cl_errs_count()), or -ENOMEM.
 */
int cl_rules_parse(struct cl_rules *r, const char *buf, size_t len, struct cl_errs *e);

/** Free what cl_rules_parse() allocated. */
void cl_rules_free(struct cl_rules *r);

/**
 * One condition token (KEY OP VALUE, not terminated), combined (AND) into
 * @p c (rules_cond.c).
 * @param ports  8192-byte bit map of the rule's allowed destination ports,
 *               set up by its first port condition
 * @param why    the reason, on error
 * @return 0, or -EINVAL.
 */
int cl_cond_parse(const char *s, size_t n, struct cl_cond *c, uint8_t *ports,
		  char *why, size_t whylen);

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
 * Read a whole file (regular or not) into memory.
 * @param out  set to the bytes (free()), even for an empty file
 * @return 0, or -errno.
 */
int cl_read_file(const char *path, uint8_t **out, size_t *len);

/**
 * sl_classify_create() on a rules file held in memory; @p file names it in
 * error messages.
 */
struct sl_classify *cl_create_from_buffer(const char *file, const char *buf, size_t len,
					  const char *cache_dir, char *err, size_t errlen);

/* Log type of the stage (classify.c). */
extern int sl_classify_logtype;
#define CLASSIFY_LOG(level, ...) SL_LOG(sl_classify_logtype, level, "classify", __VA_ARGS__)

#endif /* CLASSIFY_PRIVATE_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Classify stage: a rules file (docs/RULES.md) compiled into Hyperscan
 * databases once, at start-up, on the control path; each worker holds its
 * own scratch, sample counters and per-rule counters (struct
 * sl_classify_worker) and asks for one verdict per message.
 *
 * Semantics (docs/RULES.md is the operator's version):
 * - A rule matches a message when its pattern matches its field and all of
 *   its conditions hold. Rules are taken in file order.
 * - `tag NAME` rules do not decide: every matching tag rule before the
 *   deciding rule adds its tag (bit) and evaluation goes on.
 * - The first matching rule with any other action decides: keep, drop,
 *   route STREAM, sample N (keep the 1st, N+1th, 2N+1th ... message this
 *   rule decides on this worker; deterministic, exact per worker).
 * - No rule decides: the default action (`default ACTION [ARG]` line in the
 *   file; keep when absent) applies, and verdict.rule is 0.
 *
 * Fields: raw (the whole message), msg, app, host, msgid, sd (the whole
 * STRUCTURED-DATA text). A field the message does not have is scanned as
 * empty.
 *
 * Tenants: a rule with `tenant=NAME` conditions only ever matches messages
 * of those tenants (sl_classify_msg::tenant, resolved before classify);
 * names are mapped to ids once, at create, by the caller's lookup
 * (sl_classify_params::tenant_id).
 */
#ifndef SL_CLASSIFY_H
#define SL_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sl_counters.h"
#include "sl_parse_msg.h"

/** Actions. */
enum sl_action {
	SL_ACT_KEEP = 0,
	SL_ACT_DROP,
	SL_ACT_ROUTE,   /**< keep, in stream `arg` */
	SL_ACT_SAMPLE,  /**< keep 1 in `arg` */
	SL_ACT_TAG,     /**< add tag `arg`, go on (never in a verdict) */
};

/** Fields a pattern applies to. */
enum sl_field {
	SL_FIELD_RAW = 0,
	SL_FIELD_MSG,
	SL_FIELD_APP,
	SL_FIELD_HOST,
	SL_FIELD_MSGID,
	SL_FIELD_SD,
	SL_FIELD_NB
};

/** Limits. */
#define SL_CLASSIFY_MAX_RULES   65535u /**< the record's rule field is 16 bits (rule + 1) */
#define SL_CLASSIFY_MAX_STREAMS 64u    /**< stream 0 ("default") included */
#define SL_CLASSIFY_MAX_TAGS    8u     /**< one bit each in the record */
#define SL_CLASSIFY_NAME_MAX    64u    /**< rule, stream and tag names */
#define SL_CLASSIFY_TENANT_NAME_MAX 47u /**< tenant names in conditions (a directory name) */
#define SL_CLASSIFY_MAX_TENANT_ID 65534u /**< tenant ids are 0 ("default") to this */

/* Per-rule counters (one set per rule per worker). */
#define SL_RULE_COUNTERS(X) \
	X(matched, "messages this rule decided (or tagged)") \
	X(dropped, "messages this rule dropped (drop, or sample's N-1 of N)") \
	X(routed,  "messages this rule routed to its stream") \
	X(sampled, "messages a sample rule kept")

#define SL_RULE_CTR_ENUM(name, help) SL_RULE_ ## name,
enum sl_rule_counter {
	SL_RULE_COUNTERS(SL_RULE_CTR_ENUM)
	SL_RULE_NB_CTR
};

/* Stage counters (per worker). */
#define SL_CLASSIFY_COUNTERS(X) \
	X(msgs,          "messages classified") \
	X(kept,          "messages kept (default stream or routed)") \
	X(drop_rule,     "messages dropped on purpose: a drop or sample rule, or the default") \
	X(defaulted,     "messages no rule decided (default action applied)") \
	X(scan_errors,   "Hyperscan scan errors (message kept, default stream)")

#define SL_CLASSIFY_CTR_ENUM(name, help) SL_CLASSIFY_ ## name,
enum sl_classify_counter {
	SL_CLASSIFY_COUNTERS(SL_CLASSIFY_CTR_ENUM)
	SL_CLASSIFY_NB_CTR
};

struct sl_classify;        /**< compiled rules: read-only, shared */
struct sl_classify_worker; /**< one per worker lcore: never shared */

/**
 * Tenant name -> id, for `tenant=` conditions (the --tenants table; classify
 * does not depend on it).
 * @param arg   sl_classify_params::tenant_arg
 * @param name  a valid tenant name, NUL-terminated
 * @return the tenant's id (0..SL_CLASSIFY_MAX_TENANT_ID), or -1: unknown.
 */
typedef int (*sl_classify_tenant_fn)(void *arg, const char *name);

/** Creation parameters. */
struct sl_classify_params {
	const char *path;      /**< rules file */
	const char *cache_dir; /**< compiled-database cache; NULL: none. Created if missing. */
	int socket_id;         /**< memory placement (SOCKET_ID_ANY ok) */
	/**
	 * Names of `tenant=` conditions to ids. "default" is always id 0 and
	 * is not asked. NULL (no --tenants): "default" is the only tenant,
	 * any other name is an error in the rules file.
	 */
	sl_classify_tenant_fn tenant_id;
	void *tenant_arg;      /**< passed to tenant_id */
};

/**
 * Read, check and compile a rules file (or load its compiled databases from
 * the cache when the rules and this CPU's features are unchanged).
 *
 * Errors are written to @p err, one per line, each
 * "FILE:LINE: rule NAME: reason" (Hyperscan's message for patterns it
 * rejects), every error in the file, not just the first; the buffer is
 * always terminated, and cut if too small.
 *
 * @param p       parameters
 * @param err     error text (may be NULL)
 * @param errlen  bytes at @p err
 * @return handle, or NULL with rte_errno set: EINVAL (errors in the file),
 *         ENOENT/EACCES/... (cannot read it), ENOMEM.
 */
struct sl_classify *sl_classify_create(const struct sl_classify_params *p,
				       char *err, size_t errlen);

/**
 * The id of tenant @p name as `tenant=` conditions resolve it with @p p's
 * lookup ("default" is 0; without a lookup no other name is known). For
 * tools that classify on behalf of a named tenant (sluice-rules --tenant).
 * @param p     its tenant_id and tenant_arg are used (NULL: no lookup)
 * @param name  NUL-terminated
 * @return the id (0..SL_CLASSIFY_MAX_TENANT_ID), -EINVAL (not a valid
 *         tenant name: 1-47 characters of [A-Za-z0-9_.-], not . or ..),
 *         -ENOENT (unknown), or -ERANGE (the lookup gave an id above
 *         SL_CLASSIFY_MAX_TENANT_ID).
 */
int sl_classify_tenant_id(const struct sl_classify_params *p, const char *name);

/** Free. NULL is a no-op. Every worker handle must be freed first. */
void sl_classify_free(struct sl_classify *c);

/** Number of rules (tag rules included), in file order 0..n-1. */
uint32_t sl_classify_n_rules(const struct sl_classify *c);
/** Name of rule @p i. */
const char *sl_classify_rule_name(const struct sl_classify *c, uint32_t i);
/** Action of rule @p i, and its argument (stream id, N, or tag bit index). */
enum sl_action sl_classify_rule_action(const struct sl_classify *c, uint32_t i,
				       uint32_t *arg);
/** Number of streams; id 0 is "default", then in order of first use. */
uint16_t sl_classify_n_streams(const struct sl_classify *c);
/** Name of stream @p id. */
const char *sl_classify_stream_name(const struct sl_classify *c, uint16_t id);
/** Number of tags; tag i is bit i of sl_verdict::tags. */
uint8_t sl_classify_n_tags(const struct sl_classify *c);
const char *sl_classify_tag_name(const struct sl_classify *c, uint8_t i);
/** Default action and argument. */
enum sl_action sl_classify_default(const struct sl_classify *c, uint32_t *arg);
/**
 * Fields any rule scans (bit 1 << SL_FIELD_*) and whether any condition
 * needs parsed values. When this is exactly (1 << SL_FIELD_RAW) and no
 * condition looks at severity or facility, the caller may skip the parse.
 */
uint32_t sl_classify_fields(const struct sl_classify *c);
/** True if some rule has a severity or facility condition. */
bool sl_classify_needs_pri(const struct sl_classify *c);
/**
 * Where the databases came from: true when loaded from the cache.
 * @param ms  set to the milliseconds compiling (or loading) took
 */
bool sl_classify_from_cache(const struct sl_classify *c, double *ms);
/** Bytes of compiled databases (all fields). */
size_t sl_classify_db_size(const struct sl_classify *c);

/** A message as classify sees it. */
struct sl_classify_msg {
	const uint8_t *p;               /**< message bytes, contiguous */
	uint32_t len;
	/**
	 * sl_parse_msg() of p/len; may be NULL when the caller skipped the
	 * parse (see sl_classify_fields()): every field but raw is then empty,
	 * and severity and facility are unknown (their conditions fail).
	 */
	const struct sl_parsed *parsed;
	uint8_t transport;              /**< SL_TRANSPORT_UDP or _TCP */
	uint16_t dport;                 /**< destination port */
	uint16_t tenant;                /**< tenant id (0: "default"), for `tenant=` conditions */
};

/** What to do with one message. */
struct sl_verdict {
	uint8_t keep;    /**< 1: store it; 0: drop it */
	uint8_t tags;    /**< bit i: tag i */
	uint16_t stream; /**< stream id when kept */
	uint32_t rule;   /**< deciding rule + 1; 0: the default decided */
};

/**
 * Per-worker state: a clone of the scratch, sample counters, counters.
 * @return handle, or NULL with rte_errno = ENOMEM.
 */
struct sl_classify_worker *sl_classify_worker_create(const struct sl_classify *c,
						     int socket_id);
/** NULL is a no-op. */
void sl_classify_worker_free(struct sl_classify_worker *w);

/**
 * Classify one message: one scan per field that has rules, no allocation,
 * no system call. Counts into the worker's stage and per-rule counters.
 * @return 0, or -EIO on a scan error (then *v = keep in stream 0, counted).
 */
int sl_classify_one(struct sl_classify_worker *w, const struct sl_classify_msg *m,
		    struct sl_verdict *v);

/**
 * Slow path for the offline tester: like sl_classify_one() (same verdict,
 * same counters, same sampling state) and also every rule that matched
 * (pattern and conditions), in file order, tag rules and rules after the
 * deciding one included.
 * @param matches  rule indexes, ascending
 * @param cap      room at @p matches
 * @return number of matching rules (may exceed @p cap: only cap written),
 *         or -EIO.
 */
int sl_classify_explain(struct sl_classify_worker *w, const struct sl_classify_msg *m,
			struct sl_verdict *v, uint32_t *matches, uint32_t cap);

/** Stage counters of a worker (SL_CLASSIFY_NB_CTR values). */
struct sl_ctr_set sl_classify_counters(const struct sl_classify_worker *w);

/**
 * Per-rule counters of a worker: SL_RULE_NB_CTR values per rule, rule i at
 * [i * SL_RULE_NB_CTR]. Read by the control plane while the worker writes
 * them (64-bit aligned loads: a value may be a little behind, never torn).
 */
const uint64_t *sl_classify_rule_counters(const struct sl_classify_worker *w);

#endif /* SL_CLASSIFY_H */

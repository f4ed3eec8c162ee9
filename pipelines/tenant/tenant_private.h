/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tenant stage, private: the parsed file (tenant_file.c, no DPDK calls, so
 * fuzz_tenant runs it alone), the table built from it (tenant.c: port map,
 * rte_lpm/rte_lpm6, token table) and the meters' shared and per-tenant
 * state (meter.c).
 */
#ifndef TENANT_PRIVATE_H
#define TENANT_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sl_errs.h"
#include "sl_tenant.h"

/* ---- the parsed file (tenant_file.c) ---- */

/* Bounds that keep the tables and the meters' arithmetic in range. */
#define TN_PREFIXES_MAX (1u << 20)      /* prefixes in a file */
#define TN_TOKENS_MAX (1u << 20)        /* tokens in a file */
#define TN_MSG_RATE_MAX (1ull << 30)    /* msgs=1G/s */
#define TN_BYTE_RATE_MAX (1ull << 40)   /* bytes=1T/s */
#define TN_BURST_MAX (1ull << 50)       /* msg-burst, byte-burst */

/* A source prefix of a tenant (host bits clear). */
struct tn_prefix {
	struct sl_prefix p; /* ip and len first: the first 17 bytes are its key */
	uint16_t id;
	uint32_t line;
};

/* A token of a tenant. */
struct tn_token {
	char s[SL_TENANT_TOKEN_MAX + 1];
	uint8_t len;
	uint16_t id;
	uint32_t line;
};

/* Open-addressing set of indexes into one of the arrays below. */
struct tn_set {
	uint32_t *slot; /* index + 1; 0: empty */
	uint32_t *hash;
	uint32_t n, cap; /* cap: power of two */
};

/*
 * The file, checked: tenants by id (0 is default, always there), their
 * prefixes, tokens and ports.
 */
struct tn_file {
	struct sl_tenant_info *info;
	uint32_t n, cap;
	struct tn_prefix *pfx;
	uint32_t n_pfx, cap_pfx;
	struct tn_token *tok;
	uint32_t n_tok, cap_tok;
	uint16_t *port;      /* [65536]: tenant of a destination port, 0: none;
	                      * NULL until a port= */
	uint32_t n_ports;    /* ports set */
	bool reject;         /* "default reject" */
	uint32_t def_line;   /* the default line; 0: none */
	/* Duplicate detection while parsing. */
	struct tn_set names, pfx_set, tok_set;
};

/**
 * Parse and check a tenant file held in memory into @p f (zeroed by the
 * caller). Every error goes to @p e.
 * @return 0 (check sl_errs_count()), or -ENOMEM.
 */
int tn_file_parse(struct tn_file *f, const char *buf, size_t len,
		  const struct sl_tenant_params *p, struct sl_errs *e);

/** Free what tn_file_parse() allocated. */
void tn_file_free(struct tn_file *f);

/* ---- meters (meter.c) ---- */

/*
 * Time in the meters: TSC ticks with TN_TAT_FRAC fractional bits ("u"),
 * modulo 2^64 (compared by signed difference). Costs carry TN_COST_FRAC
 * more fractional bits.
 */
#define TN_TAT_FRAC 8
#define TN_COST_FRAC 16
/* Largest burst tolerance, u: keeps tolerance + slack below 2^63. */
#define TN_TOL_MAX (1ull << 62)
/* Added to burst x cost: room for the rounding up of takes (meter.c). */
#define TN_TOL_SLACK ((1u << TN_TAT_FRAC) - 1)

/* What a tenant's limits cost, read-only after load. */
struct tn_limit {
	uint64_t msg_cost;   /* u << TN_COST_FRAC per message; 0: unlimited */
	uint64_t msg_tol;    /* msg_burst x cost + TN_TOL_SLACK, u */
	uint64_t byte_cost;  /* u << TN_COST_FRAC per byte; 0: unlimited */
	uint64_t byte_tol;
	uint32_t msg_lease;  /* messages a worker takes at once */
	uint32_t byte_lease; /* bytes a worker takes at once */
};

/*
 * The shared state of a tenant's limits: the theoretical arrival time of
 * each GCRA, advanced by compare-and-swap. A line of its own: the workers
 * that take leases of this tenant write it, nobody else's.
 */
struct tn_gcra {
	uint64_t msg_tat;
	uint64_t byte_tat;
} __attribute__((aligned(64)));

/**
 * Fill @p l from @p ti for a TSC of @p tsc_hz (meter.c).
 */
void tn_limit_init(struct tn_limit *l, const struct sl_tenant_info *ti, uint64_t tsc_hz);

/* ---- the table (tenant.c) ---- */

struct rte_lpm;
struct rte_lpm6;

/* A slot of the token table (open addressing, read-only after load). */
struct tn_tok_slot {
	uint32_t hash;
	uint32_t tok;  /* index in sl_tenant_table::tok + 1; 0: empty */
};

struct sl_tenant_table {
	/* Resolution, read on every message. */
	const uint16_t *port;        /* [65536]: tenant of a destination port, 0: none */
	struct rte_lpm *lpm4;        /* NULL: no IPv4 prefix */
	struct rte_lpm6 *lpm6;       /* NULL: no IPv6 prefix */
	uint16_t any4, any6;         /* tenant of 0.0.0.0/0 and ::/0; 0: none */
	uint16_t def;                /* 0, or SL_TENANT_REJECT */
	bool has_tokens;
	const struct tn_tok_slot *tslot;
	const struct tn_token *tok;  /* the file's tokens */
	uint32_t tmask;              /* slots - 1 */
	/* Metering. */
	const struct tn_limit *lim;  /* [n] */
	struct tn_gcra *gcra;        /* [n] */
	uint64_t stale;              /* u: a TAT this far past now + tol is stale */
	uint32_t n;
	uint16_t n_workers;
	/* Control path. */
	struct sl_tenant_info *info; /* [n] */
	uint32_t n_pfx, n_tok, n_ports;
};

/* Log type of the stage (tenant.c). */
extern int sl_tenant_logtype;
#define TENANT_LOG(level, ...) SL_LOG(sl_tenant_logtype, level, "tenant", __VA_ARGS__)

#endif /* TENANT_PRIVATE_H */

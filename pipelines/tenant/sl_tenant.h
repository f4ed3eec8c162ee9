/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tenants: who sent a message, and whether that tenant may send it now.
 *
 * The tenant table (--tenants FILE, docs/TENANTS.md) is loaded once at
 * start-up and read-only afterwards; every worker resolves against it. The
 * meters behind each tenant's limits are shared by all workers (one
 * cache line per tenant, compare-and-swap) and each worker draws on them
 * through a small per-worker lease, so a tenant's limit holds in
 * aggregate however its flows spread over workers, and a worker touches
 * the shared line about once per millisecond of the tenant's rate.
 *
 * Resolution, first that applies:
 *   1. a token in RFC 5424 structured data, [sluice@32473 key="TOKEN"]
 *      (the first such param; an unknown token falls through and is
 *      counted by the caller if it wants, see sl_tenant_resolve());
 *   2. the longest source prefix (IPv4: rte_lpm, IPv6: rte_lpm6);
 *   3. the destination port;
 *   4. the default tenant (id 0, "default"), or SL_TENANT_REJECT when the
 *      file says "default reject".
 */
#ifndef SL_TENANT_H
#define SL_TENANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sl_addr.h"

/** Tenants in a table, the default included. */
#define SL_TENANT_MAX 65535
/** sl_tenant_resolve(): no tenant, and the file says "default reject". */
#define SL_TENANT_REJECT 0xffffu
/** Longest tenant name (a directory name, as a stream's). */
#define SL_TENANT_NAME_MAX 47
/** Longest token. */
#define SL_TENANT_TOKEN_MAX 64
/** The SD-ID whose "key" param carries a token. */
#define SL_TENANT_SD_ID "sluice@32473"

enum sl_tenant_quota_policy {
	SL_QUOTA_NONE = 0,         /**< no quota */
	SL_QUOTA_DROP_NEWEST,      /**< over quota: new messages dropped, counted */
	SL_QUOTA_DELETE_OLDEST,    /**< over quota: oldest sealed segments deleted */
};

/** One tenant as the file gave it (limits 0: unlimited). */
struct sl_tenant_info {
	char name[SL_TENANT_NAME_MAX + 1];
	uint32_t line;             /**< line in the file (0: the implicit default) */
	uint32_t weight;           /**< share of capacity under overload (>= 1; default 1) */
	uint64_t msg_rate;         /**< messages per second (0: unlimited) */
	uint64_t msg_burst;        /**< messages (default: msg_rate / 10, at least 1) */
	uint64_t byte_rate;        /**< bytes per second (0: unlimited) */
	uint64_t byte_burst;       /**< bytes (default: byte_rate / 10, at least max_msg) */
	uint64_t quota_bytes;      /**< disk quota under OUT/<name>/ (0: none) */
	enum sl_tenant_quota_policy quota_policy;
};

/** What the table is checked against when loaded. */
struct sl_tenant_params {
	const uint8_t *udp_ports;  /**< 8192-byte bitmap (sl_parse_ports), or NULL: any */
	const uint8_t *tcp_ports;  /**< 8192-byte bitmap, or NULL: any */
	uint32_t max_msg;          /**< --max-msg: a byte burst must hold one message */
	uint16_t n_workers;        /**< workers that will meter (>= 1) */
	uint64_t tsc_hz;           /**< TSC frequency (rte_get_tsc_hz()) */
	int socket_id;
};

struct sl_tenant_table;

/**
 * Load and check a tenant file. Every error is reported, not only the
 * first, one per line, sorted by line, as "FILE:LINE: reason" (or
 * "FILE: reason"), into @p err. Needs the EAL (the meters' state, the
 * prefix tables and the port map are rte_malloc'd on p->socket_id; with
 * IPv4 prefixes rte_lpm takes 64 MiB, with IPv6 prefixes rte_lpm6 as
 * much again). sl_tenant_check() validates without the EAL.
 * @return the table, or NULL with @p err set and rte_errno: EINVAL (errors
 *         in the file, or @p p NULL, n_workers 0 or tsc_hz 0: @p err
 *         empty), ENOENT and other errno values (file unreadable), ENOMEM,
 *         or what rte_lpm/rte_lpm6 creation set.
 */
struct sl_tenant_table *sl_tenant_load(const char *path, const struct sl_tenant_params *p,
				       char *err, size_t errlen);

/** As sl_tenant_load(), from memory; @p name names it in errors. */
struct sl_tenant_table *sl_tenant_parse(const char *text, size_t len, const char *name,
					const struct sl_tenant_params *p,
					char *err, size_t errlen);

/**
 * Check a tenant file held in memory without building a table: the same
 * parse and checks as sl_tenant_parse(), errors written the same way, but
 * no DPDK call (no EAL needed: tools, fuzzing). Only @p p's udp_ports,
 * tcp_ports and max_msg are read; @p p NULL checks no ports and no
 * message length.
 * @return the number of tenants (>= 1, the default included), -EINVAL
 *         (errors in @p err) or -ENOMEM.
 */
int sl_tenant_check(const char *text, size_t len, const char *name,
		    const struct sl_tenant_params *p, char *err, size_t errlen);

/** Free the table. NULL is a no-op. */
void sl_tenant_table_free(struct sl_tenant_table *t);

/** Tenants in the table, the default (id 0) included. */
uint32_t sl_tenant_count(const struct sl_tenant_table *t);
/** Tenant @p id (< sl_tenant_count()). */
const struct sl_tenant_info *sl_tenant_info(const struct sl_tenant_table *t, uint16_t id);
/** Id of the tenant named @p name, or -1. */
int sl_tenant_find(const struct sl_tenant_table *t, const char *name);
/** True when unmatched messages are rejected ("default reject"). */
bool sl_tenant_rejects_default(const struct sl_tenant_table *t);
/** True when some tenant has a token (resolution then looks at SD). */
bool sl_tenant_uses_tokens(const struct sl_tenant_table *t);

/**
 * Who sent a message.
 * @param t        table
 * @param src      source address (IPv4-mapped for IPv4)
 * @param dport    destination port
 * @param msg      the message bytes given to sl_parse_msg(), or NULL
 * @param sd_off   offset of its STRUCTURED-DATA in @p msg (sl_parsed.sd)
 * @param sd_len   its length; 0 when none (or not parsed)
 * @param bad_token set true when SD carried a token no tenant has (may be
 *                 NULL)
 * @return tenant id, or SL_TENANT_REJECT.
 */
uint16_t sl_tenant_resolve(const struct sl_tenant_table *t, const struct sl_ip *src,
			   uint16_t dport, const uint8_t *msg, uint32_t sd_off,
			   uint32_t sd_len, bool *bad_token);

/* --- metering (per worker) ------------------------------------------------ */

struct sl_tenant_meter;

/** A worker's meter handle (its leases). @p worker < n_workers. NULL on
 * ENOMEM. */
struct sl_tenant_meter *sl_tenant_meter_create(struct sl_tenant_table *t, uint16_t worker,
					       int socket_id);
void sl_tenant_meter_free(struct sl_tenant_meter *m);

enum sl_tenant_verdict {
	SL_TENANT_OK = 0,          /**< within limits: charged */
	SL_TENANT_OVER_MSGS,       /**< over the message rate: not charged */
	SL_TENANT_OVER_BYTES,      /**< over the byte rate: not charged */
};

/**
 * Charge one message of @p len bytes to tenant @p id at TSC @p now.
 * GCRA (a virtual-scheduling token bucket) per limit, shared by all
 * workers; each worker takes the tenant's tokens in leases of at most
 * ~1 ms of its rate, so over any interval the tenant is admitted at most
 * rate x interval + burst + n_workers leases. A refusal charges nothing.
 */
enum sl_tenant_verdict sl_tenant_admit(struct sl_tenant_meter *m, uint16_t id,
				       uint32_t len, uint64_t now);

/**
 * Give back what sl_tenant_admit() charged for a message that was not
 * stored after all (the shard refused it: a TCP message waits and is
 * offered again). It goes to this worker's lease, so the next message
 * of the tenant on this worker uses it.
 */
void sl_tenant_refund(struct sl_tenant_meter *m, uint16_t id, uint32_t len);

#endif /* SL_TENANT_H */

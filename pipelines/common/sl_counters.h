/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Counter tables. Each module lists its counters once in an X-macro:
 *
 *   #define SL_DECODE_COUNTERS(X) \
 *       X(rx_pkts,      "packets seen by decode") \
 *       X(drop_bad_eth, "frame shorter than an Ethernet header")
 *
 *   #define SL_DECODE_CTR_ENUM(name, help) SL_DECODE_ ## name,
 *   enum sl_decode_counter { SL_DECODE_COUNTERS(SL_DECODE_CTR_ENUM) SL_DECODE_NB_CTR };
 *   static const struct sl_ctr_desc sl_decode_ctr_desc[] =
 *       { SL_DECODE_COUNTERS(SL_CTR_DESC) };
 *
 * Enum names carry the module (SL_DECODE_rx_pkts, SL_STORE_records) so
 * that modules may reuse counter names.
 *
 * The same table names the counters in periodic stats, at exit, and later in
 * telemetry and metrics. Names of drops start with "drop_" so that every
 * message not stored is visible under its reason.
 */
#ifndef SL_COUNTERS_H
#define SL_COUNTERS_H

#include <stdint.h>
#include <stdio.h>

#define SL_CTR_DESC(name, help) { #name, help },

/** Name and help text of one counter. */
struct sl_ctr_desc {
	const char *name;
	const char *help;
};

/** A module's counters on one lcore (or one queue, shard...): names + values. */
struct sl_ctr_set {
	const char *module;               /**< "decode", "shard", "store", ... */
	const char *instance;             /**< "worker 1", "shard 3", ... */
	unsigned int n;                   /**< number of counters */
	const struct sl_ctr_desc *desc;   /**< n descriptions */
	const volatile uint64_t *val;     /**< n values (read while running) */
};

/**
 * Print the non-zero counters of a set, one "module.name=value" per item on
 * one line, prefixed with the instance.
 *
 * @param f      stream
 * @param set    counters
 * @param all    print zero counters too
 */
void sl_ctr_print(FILE *f, const struct sl_ctr_set *set, int all);

/**
 * Add the values of @p set into @p sum (sum has set->n entries).
 */
void sl_ctr_accumulate(uint64_t *sum, const struct sl_ctr_set *set);

#endif /* SL_COUNTERS_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Which lcore does what: workers (RX queue + decode + shard), writers
 * (shards -> segments) and the control plane (main lcore).
 */
#ifndef SL_ROLES_H
#define SL_ROLES_H

#include <stddef.h>

#include "sl_common.h"

/** The plan. */
struct sl_roles {
	unsigned int workers[SL_MAX_LCORES];  /**< lcore ids, worker i */
	unsigned int n_workers;
	unsigned int writers[SL_MAX_LCORES];  /**< lcore ids, writer i */
	unsigned int n_writers;
};

/**
 * Assign roles among the EAL's lcores. Defaults: one lcore runs both; two
 * lcores: the second is the worker and a writer, the main lcore a writer
 * and the control plane (a worker needs ~100 ns/msg, compression ~400: both
 * lcores compress); more: a quarter of the lcores (at least one, the main
 * lcore first) write, the rest are workers.
 *
 * @param workers  --workers list or NULL
 * @param writers  --writers list or NULL
 * @return 0, or -EINVAL with the reason (naming the flag) in @p err.
 */
int sl_roles_assign(struct sl_roles *r, const char *workers, const char *writers,
		    char *err, size_t errlen);

#endif /* SL_ROLES_H */

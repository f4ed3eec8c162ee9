/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Small things every sluice module uses: logging and compiler helpers.
 */
#ifndef SL_COMMON_H
#define SL_COMMON_H

#include <stdint.h>
#include <rte_common.h>
#include <rte_log.h>

/** Number of elements of a fixed array. */
#define SL_DIM(a) (sizeof(a) / sizeof((a)[0]))

/**
 * Declare a module's log macro. In the module's .c file:
 *   RTE_LOG_REGISTER(sl_decode_logtype, sluice.decode, NOTICE);
 * (not RTE_LOG_REGISTER_DEFAULT: outside DPDK's own build every module
 * would get the same name, "RTE_LOG_DEFAULT_LOGTYPE").
 *   #define DECODE_LOG(level, ...) SL_LOG(sl_decode_logtype, level, "decode", __VA_ARGS__)
 * Never log per packet.
 */
#define SL_LOG(type, level, mod, ...) \
	rte_log(RTE_LOG_ ## level, type, mod ": " __VA_ARGS__)

/** Largest burst any stage takes at once. */
#define SL_BURST 32

/** Maximum number of worker or writer lcores. */
#define SL_MAX_LCORES 128

/** Maximum number of shards. */
#define SL_MAX_SHARDS 256

#endif /* SL_COMMON_H */

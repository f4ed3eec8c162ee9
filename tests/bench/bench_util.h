/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the micro-benchmarks share: this thread's CPU time and a xorshift
 * generator (each benchmark keeps its own state and takes its own bits).
 */
#ifndef SL_BENCH_UTIL_H
#define SL_BENCH_UTIL_H

#include <stdint.h>
#include <time.h>

/* CPU time of this thread, ns. */
static inline double
bench_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* xorshift64 (13, 7, 17): the next state of @p s. */
static inline uint64_t
bench_xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tenant meters: a GCRA (virtual scheduling) per limit, shared by every
 * worker, and a per-worker lease in front of it.
 *
 * GCRA: each limit keeps a theoretical arrival time (TAT). Taking n units
 * (messages or bytes) at time now is allowed when
 *     max(TAT, now) + n x cost <= now + tolerance
 * and then sets TAT to the left side; tolerance is burst x cost, so a
 * tenant idle long enough gets its burst at once and then exactly its
 * rate. The TAT is one 64-bit word advanced by compare-and-swap: no lock,
 * and a refusal writes nothing (a held TCP sender retrying only reads).
 *
 * Units: time is TSC ticks with TN_TAT_FRAC (8) fractional bits, "u", kept
 * modulo 2^64 and compared by signed difference; a cost is u with
 * TN_COST_FRAC (16) more fractional bits, so ticks carry 24 fractional
 * bits in all: at 2 GHz, 10 GB/s costs 0.2 tick a byte and is exact to
 * 1e-7. Each take rounds its advance up to a whole u (1/256 tick), so a
 * limit never admits more than its rate; a take is a lease or one
 * message, so at saturation with small messages that costs the tenant a
 * few parts in 100,000 of its rate at most. The tolerance is burst x cost
 * plus TN_TOL_SLACK (255 u, under a tick), so that up to 255 takes' worth
 * of rounding do not cost a burst taken at once one of its units.
 *
 * Leases: a worker takes about 1 ms of the rate at once (messages:
 * rate/1000 in [1, 64]; bytes: rate/1000 in [1, 64 KiB]; never more than
 * the burst) and spends it locally, so it writes the shared line about once
 * a millisecond of the tenant's rate, not once per message. When a whole
 * lease is refused it asks for exactly what the message needs, so low
 * rates stay exact. Lease tokens are never returned: over any interval T a
 * tenant is admitted at most rate x T + burst + n_workers x lease.
 *
 * Time: 2^64 u is 2^56 ticks, 278 days at 3 GHz; differences are exact
 * within half of that. A TAT of 0 is a limit never used (full burst). A
 * TAT more than tolerance + 1 s ahead of now cannot be (it is at most
 * tolerance ahead when written, workers' clocks differ by far less than a
 * second) and is a limit idle for more than 139 days whose TAT wrapped:
 * it is taken as now.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_debug.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "sl_common.h"
#include "tenant_private.h"

#define MSG_LEASE_MAX 64u
#define BYTE_LEASE_MAX 65536u

/* A worker's lease of one tenant: what it may still admit without asking. */
struct tn_lease {
	uint32_t msgs;
	uint32_t bytes;
};

struct sl_tenant_meter {
	const struct tn_limit *lim;
	struct tn_gcra *gcra;
	uint64_t stale;
	uint32_t n;
	uint16_t worker;
	struct tn_lease lease[] __rte_cache_aligned;
};

typedef unsigned __int128 u128;

static uint64_t
min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* @p n x @p cost in u, rounded up, saturated at UINT64_MAX. */
static inline uint64_t
advance_of(uint64_t n, uint64_t cost)
{
	u128 x = ((u128)n * cost + ((1u << TN_COST_FRAC) - 1)) >> TN_COST_FRAC;

	return x > UINT64_MAX ? UINT64_MAX : (uint64_t)x;
}

/* Cost of one unit at @p rate per second, rounded up. */
static uint64_t
cost_of(uint64_t rate, uint64_t tsc_hz)
{
	u128 x = ((u128)tsc_hz << (TN_TAT_FRAC + TN_COST_FRAC)) + rate - 1;

	x /= rate;
	return x > UINT64_MAX ? UINT64_MAX : (uint64_t)x;
}

/* burst x cost + TN_TOL_SLACK, in u, at most TN_TOL_MAX. */
static uint64_t
tol_of(uint64_t burst, uint64_t cost)
{
	u128 x = (((u128)burst * cost) >> TN_COST_FRAC) + TN_TOL_SLACK;

	return x > TN_TOL_MAX ? TN_TOL_MAX : (uint64_t)x;
}

static uint32_t
lease_of(uint64_t rate, uint64_t burst, uint32_t max)
{
	uint64_t n = rate / 1000;

	n = n < 1 ? 1 : min_u64(n, max);
	return (uint32_t)min_u64(n, burst > 0 ? burst : 1);
}

void
tn_limit_init(struct tn_limit *l, const struct sl_tenant_info *ti, uint64_t tsc_hz)
{
	memset(l, 0, sizeof(*l));
	if (ti->msg_rate != 0) {
		l->msg_cost = cost_of(ti->msg_rate, tsc_hz);
		l->msg_tol = tol_of(ti->msg_burst, l->msg_cost);
		l->msg_lease = lease_of(ti->msg_rate, ti->msg_burst, MSG_LEASE_MAX);
	}
	if (ti->byte_rate != 0) {
		l->byte_cost = cost_of(ti->byte_rate, tsc_hz);
		l->byte_tol = tol_of(ti->byte_burst, l->byte_cost);
		l->byte_lease = lease_of(ti->byte_rate, ti->byte_burst, BYTE_LEASE_MAX);
	}
}

/*
 * Take @p n units of one limit at @p now (u) from its shared TAT.
 * @return true when taken.
 */
static inline bool
gcra_take(uint64_t *tat, uint64_t cost, uint64_t tol, uint64_t stale, uint64_t n,
	  uint64_t now)
{
	uint64_t adv = advance_of(n, cost), old, next;

	if (adv > tol)
		return false; /* more than a burst: never */
	old = __atomic_load_n(tat, __ATOMIC_RELAXED);
	do {
		int64_t ahead = (int64_t)(old - now);
		uint64_t base = old;

		if (ahead < 0 || old == 0 || (uint64_t)ahead > tol + stale) {
			base = now; /* behind now, never used, or stale */
			ahead = 0;
		}
		if ((uint64_t)ahead + adv > tol)
			return false;
		next = base + adv;
	} while (!__atomic_compare_exchange_n(tat, &old, next, true, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return true;
}

/* The lease of tenant @p id cannot pay for this message: refill it. */
static __rte_noinline enum sl_tenant_verdict
refill(struct sl_tenant_meter *m, uint16_t id, uint32_t len, uint64_t now)
{
	const struct tn_limit *lim = &m->lim[id];
	struct tn_lease *l = &m->lease[id];
	struct tn_gcra *g = &m->gcra[id];
	uint64_t now_u = now << TN_TAT_FRAC;

	if (l->msgs == 0) {
		if (lim->msg_cost == 0)
			l->msgs = UINT32_MAX; /* unlimited: no shared state */
		else if (gcra_take(&g->msg_tat, lim->msg_cost, lim->msg_tol, m->stale,
				   lim->msg_lease, now_u))
			l->msgs = lim->msg_lease;
		else if (lim->msg_lease > 1 &&
			 gcra_take(&g->msg_tat, lim->msg_cost, lim->msg_tol, m->stale, 1, now_u))
			l->msgs = 1;
		else
			return SL_TENANT_OVER_MSGS;
	}
	if (l->bytes < len) {
		uint64_t need = len - l->bytes;
		/* A lease, or what the message needs if more; the sum fits 32 bits. */
		uint64_t want = min_u64(need > lim->byte_lease ? need : lim->byte_lease,
					UINT32_MAX - l->bytes);

		if (lim->byte_cost == 0)
			l->bytes = UINT32_MAX;
		else if (gcra_take(&g->byte_tat, lim->byte_cost, lim->byte_tol, m->stale, want,
				   now_u))
			l->bytes += (uint32_t)want;
		else if (want > need &&
			 gcra_take(&g->byte_tat, lim->byte_cost, lim->byte_tol, m->stale, need,
				   now_u))
			l->bytes += (uint32_t)need;
		else
			return SL_TENANT_OVER_BYTES; /* the message token stays in the lease */
	}
	l->msgs--;
	l->bytes -= len;
	return SL_TENANT_OK;
}

enum sl_tenant_verdict
sl_tenant_admit(struct sl_tenant_meter *m, uint16_t id, uint32_t len, uint64_t now)
{
	struct tn_lease *l = &m->lease[id];

	RTE_ASSERT(id < m->n);
	if (likely(l->msgs != 0 && l->bytes >= len)) {
		l->msgs--;
		l->bytes -= len;
		return SL_TENANT_OK;
	}
	return refill(m, id, len, now);
}

void
sl_tenant_refund(struct sl_tenant_meter *m, uint16_t id, uint32_t len)
{
	struct tn_lease *l = &m->lease[id];

	RTE_ASSERT(id < m->n);
	l->msgs++;
	l->bytes += len;
}

struct sl_tenant_meter *
sl_tenant_meter_create(struct sl_tenant_table *t, uint16_t worker, int socket_id)
{
	struct sl_tenant_meter *m;

	if (t == NULL || worker >= t->n_workers) {
		rte_errno = EINVAL;
		return NULL;
	}
	m = rte_zmalloc_socket("sl_tenant_meter",
			       sizeof(*m) + (size_t)t->n * sizeof(m->lease[0]),
			       RTE_CACHE_LINE_SIZE, socket_id);
	if (m == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	m->lim = t->lim;
	m->gcra = t->gcra;
	m->stale = t->stale;
	m->n = t->n;
	m->worker = worker;
	return m;
}

void
sl_tenant_meter_free(struct sl_tenant_meter *m)
{
	rte_free(m);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4/IPv6 fragment reassembly, one table per decode handle (per lcore).
 *
 * Why not rte_ip_frag: Debian's librte_ip_frag is built with
 * RTE_LIBRTE_IP_FRAG_MAX_FRAG=8, a compile-time cap on fragments per
 * datagram. At a 1500-byte MTU that is ~11.8 KB, while a Linux sender of a
 * 60 KiB syslog datagram produces up to 45 fragments. The cap cannot be
 * raised without rebuilding DPDK, so the table is ours:
 *
 *  - key (src, dst, IP id, protocol, family) -> entry, in an rte_hash with
 *    the extendable-bucket table so every one of max_flows keys fits;
 *    no locks (one writer: the owning lcore);
 *  - a preallocated array of max_flows entries, each with room for
 *    max_per_flow fragments kept sorted by offset (fragments mostly arrive
 *    in order, so the insertion scan starts at the end);
 *  - a list of live entries in creation order: expiry looks only at its head,
 *    a bounded number per call, so it costs O(1) amortised per burst;
 *  - exact duplicates are dropped alone; any other overlap discards the whole
 *    datagram (RFC 5722), as does a fragment that contradicts the known end
 *    or would make the datagram longer than 65535 bytes.
 *
 * Dropped and expired mbufs are freed here directly (no death row): the
 * drop is counted at the same place, so nothing can be held and forgotten.
 */
#include <errno.h>
#include <string.h>
#include <sys/queue.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_malloc.h>

#include "sl_decode.h"
#include "reassembly.h"

#define TOTAL_UNKNOWN UINT32_MAX

struct frag_key {
	uint8_t src[16];
	uint8_t dst[16];
	uint32_t id;
	uint8_t proto;
	uint8_t is_v6;
	uint8_t pad[2];
};

struct frag_piece {
	struct rte_mbuf *m;
	uint32_t off;         /* data offset in the datagram */
	uint32_t len;         /* data bytes */
	uint32_t data_off;    /* data start in m */
};

struct frag_entry {
	struct frag_key key;
	TAILQ_ENTRY(frag_entry) next;  /* creation order */
	uint64_t start;                /* TSC of the first fragment */
	uint32_t n;                    /* pieces held */
	uint32_t bytes;                /* sum of their lengths */
	uint32_t total;                /* datagram data length, once the last is seen */
	uint32_t max_end;              /* largest off + len held */
	/* Header layout of the first fragment (offset 0), used for the fix-up. */
	uint32_t l3_off, hdr_len, fh_off, nh_off;
	struct frag_piece p[];
};

TAILQ_HEAD(frag_list, frag_entry);

struct sl_frag_table {
	struct rte_hash *h;
	uint64_t *ctr;
	uint64_t timeout_tsc;
	uint32_t max_flows;
	uint32_t max_per_flow;
	uint32_t entry_size;
	uint32_t n_free;
	uint32_t held;                 /* mbufs in the table */
	uint32_t max_held;             /* cap on held */
	struct frag_list live;
	struct frag_entry **free_list;
	uint8_t *entries;
};

#define CTR(t, name) ((t)->ctr[SL_DECODE_ ## name])

static uint32_t frag_table_seq;

struct sl_frag_table *
sl_frag_create(uint32_t max_flows, uint32_t max_per_flow, uint32_t timeout_ms,
	       int socket_id, uint64_t *ctr)
{
	struct rte_hash_parameters hp;
	struct sl_frag_table *t;
	char name[RTE_HASH_NAMESIZE];
	uint32_t i;

	if (max_flows == 0)
		max_flows = SL_FRAG_DEFAULT_FLOWS;
	if (max_per_flow == 0)
		max_per_flow = SL_FRAG_DEFAULT_PER_FLOW;
	if (timeout_ms == 0)
		timeout_ms = SL_FRAG_DEFAULT_TIMEOUT_MS;
	if (max_flows > (1u << 20) || max_per_flow > 8192 || ctr == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (socket_id < 0)
		socket_id = SOCKET_ID_ANY;

	t = rte_zmalloc_socket("sl_frag", sizeof(*t), RTE_CACHE_LINE_SIZE, socket_id);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	t->ctr = ctr;
	t->max_flows = max_flows;
	t->max_per_flow = max_per_flow;
	t->timeout_tsc = (uint64_t)timeout_ms * (rte_get_tsc_hz() / 1000);
	t->max_held = max_flows * max_per_flow;
	t->entry_size = RTE_ALIGN_CEIL(sizeof(struct frag_entry) +
				       max_per_flow * sizeof(struct frag_piece),
				       RTE_CACHE_LINE_SIZE);
	TAILQ_INIT(&t->live);
	t->entries = rte_zmalloc_socket("sl_frag_entries",
					(size_t)max_flows * t->entry_size,
					RTE_CACHE_LINE_SIZE, socket_id);
	t->free_list = rte_malloc_socket("sl_frag_free",
					 max_flows * sizeof(*t->free_list), 0, socket_id);
	if (t->entries == NULL || t->free_list == NULL)
		goto nomem;
	for (i = 0; i < max_flows; i++)
		t->free_list[i] = (struct frag_entry *)(t->entries +
				(size_t)(max_flows - 1 - i) * t->entry_size);
	t->n_free = max_flows;

	snprintf(name, sizeof(name), "slfrag%u",
		 __atomic_fetch_add(&frag_table_seq, 1, __ATOMIC_RELAXED));
	memset(&hp, 0, sizeof(hp));
	hp.name = name;
	hp.entries = RTE_MAX(max_flows, 16u);
	hp.key_len = sizeof(struct frag_key);
	hp.hash_func = rte_hash_crc;
	hp.hash_func_init_val = 0;
	hp.socket_id = socket_id;
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	t->h = rte_hash_create(&hp);
	if (t->h == NULL)
		goto nomem;
	return t;
nomem:
	sl_frag_free(t);
	rte_errno = ENOMEM;
	return NULL;
}

static void
entry_release(struct sl_frag_table *t, struct frag_entry *e)
{
	rte_hash_del_key(t->h, &e->key);
	TAILQ_REMOVE(&t->live, e, next);
	t->free_list[t->n_free++] = e;
}

/* Free every fragment of @p e and the entry itself; returns the count freed. */
static uint32_t
entry_discard(struct sl_frag_table *t, struct frag_entry *e)
{
	uint32_t i, n = e->n;

	for (i = 0; i < n; i++)
		rte_pktmbuf_free(e->p[i].m);
	t->held -= n;
	entry_release(t, e);
	return n;
}

/* Evict the oldest datagram other than @p keep. @return 0, or -1 if none. */
static int
evict_oldest(struct sl_frag_table *t, const struct frag_entry *keep)
{
	struct frag_entry *old = TAILQ_FIRST(&t->live);

	if (old == keep && old != NULL)
		old = TAILQ_NEXT(old, next);
	if (old == NULL)
		return -1;
	CTR(t, drop_frag_evicted) += entry_discard(t, old);
	return 0;
}

void
sl_frag_set_max_mbufs(struct sl_frag_table *t, uint32_t max_mbufs)
{
	t->max_held = max_mbufs ? max_mbufs : t->max_flows * t->max_per_flow;
}

void
sl_frag_flush(struct sl_frag_table *t)
{
	struct frag_entry *e;

	while ((e = TAILQ_FIRST(&t->live)) != NULL)
		CTR(t, drop_frag_unfinished) += entry_discard(t, e);
}

uint32_t
sl_frag_mbufs_held(const struct sl_frag_table *t)
{
	return t->held;
}

void
sl_frag_free(struct sl_frag_table *t)
{
	struct frag_entry *e;

	if (t == NULL)
		return;
	if (t->h != NULL) {
		while ((e = TAILQ_FIRST(&t->live)) != NULL)
			entry_discard(t, e);
		rte_hash_free(t->h);
	}
	rte_free(t->free_list);
	rte_free(t->entries);
	rte_free(t);
}

static inline bool
entry_expired(const struct sl_frag_table *t, const struct frag_entry *e, uint64_t now)
{
	return now >= e->start && now - e->start >= t->timeout_tsc;
}

unsigned int
sl_frag_expire(struct sl_frag_table *t, uint64_t now, unsigned int max)
{
	struct frag_entry *e;
	unsigned int k;

	for (k = 0; k < max; k++) {
		e = TAILQ_FIRST(&t->live);
		if (e == NULL || !entry_expired(t, e, now))
			break;
		CTR(t, drop_frag_timeout) += entry_discard(t, e);
	}
	return k;
}

uint32_t
sl_frag_in_use(const struct sl_frag_table *t)
{
	return t->max_flows - t->n_free;
}

/* The datagram is whole: chain the pieces and rewrite the IP header. */
static struct rte_mbuf *
entry_complete(struct sl_frag_table *t, struct frag_entry *e)
{
	struct rte_mbuf *head = e->p[0].m;
	uint32_t i, extra = e->key.is_v6 ? e->hdr_len - 40 : e->hdr_len;

	if (extra + e->total > 65535) {
		CTR(t, drop_frag_bad) += entry_discard(t, e);
		return NULL;
	}
	for (i = 1; i < e->n; i++) {
		struct rte_mbuf *m = e->p[i].m;

		/* data_off <= data_len was checked by the decoder. */
		rte_pktmbuf_adj(m, (uint16_t)e->p[i].data_off);
		if (rte_pktmbuf_chain(head, m) != 0) {
			uint32_t j, n = e->n;

			/* Too many segments: head holds pieces < i. */
			rte_pktmbuf_free(head);
			for (j = i; j < n; j++)
				rte_pktmbuf_free(e->p[j].m);
			t->held -= n;
			entry_release(t, e);
			CTR(t, drop_frag_bad) += n;
			return NULL;
		}
	}
	if (!e->key.is_v6) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(head,
				struct rte_ipv4_hdr *, e->l3_off);

		ip->total_length = rte_cpu_to_be_16((uint16_t)(e->hdr_len + e->total));
		ip->fragment_offset &= rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	} else {
		uint8_t *base = rte_pktmbuf_mtod(head, uint8_t *);
		struct rte_ipv6_hdr *ip6;

		/* Drop the 8-byte fragment header: point the header before it
		 * at what follows it, then slide everything in front of it
		 * 8 bytes on and cut 8 bytes off the front. */
		base[e->nh_off] = e->key.proto;
		memmove(base + 8, base, e->fh_off);
		rte_pktmbuf_adj(head, 8);
		ip6 = rte_pktmbuf_mtod_offset(head, struct rte_ipv6_hdr *, e->l3_off);
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(extra + e->total));
	}
	t->held -= e->n;
	/* The NIC's verdicts were about the first fragment only. */
	head->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);
	entry_release(t, e);
	CTR(t, reassembled)++;
	return head;
}

struct rte_mbuf *
sl_frag_add(struct sl_frag_table *t, struct rte_mbuf *m,
	    const struct sl_frag_desc *fd, uint64_t now)
{
	struct frag_key key;
	struct frag_entry *e;
	void *data;
	uint32_t off = fd->frag_off, len = fd->len, end = off + len, i, n;

	/* Checks on the fragment alone: drop just this one. */
	if (len == 0 || (fd->more && (len & 7) != 0) ||
	    end + (fd->is_v6 ? 0 : 20) > 65535) {
		CTR(t, drop_frag_bad)++;
		rte_pktmbuf_free(m);
		return NULL;
	}

	memset(&key, 0, sizeof(key));
	memcpy(key.src, fd->src, 16);
	memcpy(key.dst, fd->dst, 16);
	key.id = fd->id;
	key.proto = fd->proto;
	key.is_v6 = fd->is_v6;

	e = NULL;
	if (rte_hash_lookup_data(t->h, &key, &data) >= 0) {
		e = data;
		if (entry_expired(t, e, now)) {
			CTR(t, drop_frag_timeout) += entry_discard(t, e);
			e = NULL;
		}
	}
	if (e == NULL) {
		/* Full: the oldest datagram makes room. A flood of fragments
		 * that never complete then costs only itself. */
		if (t->n_free == 0 && evict_oldest(t, NULL) != 0) {
			CTR(t, drop_frag_table_full)++;
			rte_pktmbuf_free(m);
			return NULL;
		}
		e = t->free_list[t->n_free - 1];
		if (rte_hash_add_key_data(t->h, &key, e) < 0) {
			CTR(t, drop_frag_table_full)++;
			rte_pktmbuf_free(m);
			return NULL;
		}
		t->n_free--;
		e->key = key;
		e->start = now;
		e->n = 0;
		e->bytes = 0;
		e->total = TOTAL_UNKNOWN;
		e->max_end = 0;
		TAILQ_INSERT_TAIL(&t->live, e, next);
	}

	if (!fd->more) {
		if ((e->total != TOTAL_UNKNOWN && e->total != end) || e->max_end > end)
			goto bad_all;
		e->total = end;
	} else if (e->total != TOTAL_UNKNOWN && end > e->total) {
		goto bad_all;
	}

	n = e->n;
	i = n;
	while (i > 0 && e->p[i - 1].off > off)
		i--;
	if (i > 0 && e->p[i - 1].off == off && e->p[i - 1].len == len) {
		CTR(t, drop_frag_dup)++;
		rte_pktmbuf_free(m);
		return NULL;
	}
	if ((i > 0 && e->p[i - 1].off + e->p[i - 1].len > off) ||
	    (i < n && end > e->p[i].off) || n == t->max_per_flow)
		goto bad_all;
	while (t->held >= t->max_held)
		if (evict_oldest(t, e) != 0)
			break;
	if (t->held >= t->max_held) {
		/* This datagram alone fills the cap. */
		CTR(t, drop_frag_evicted) += entry_discard(t, e) + 1;
		rte_pktmbuf_free(m);
		return NULL;
	}
	if (i < n)
		memmove(&e->p[i + 1], &e->p[i], (n - i) * sizeof(e->p[0]));
	t->held++;
	e->p[i].m = m;
	e->p[i].off = off;
	e->p[i].len = len;
	e->p[i].data_off = fd->data_off;
	e->n = n + 1;
	e->bytes += len;
	if (end > e->max_end)
		e->max_end = end;
	if (off == 0) {
		e->l3_off = fd->l3_off;
		e->hdr_len = fd->hdr_len;
		e->fh_off = fd->fh_off;
		e->nh_off = fd->nh_off;
	}
	if (e->bytes == e->total)
		return entry_complete(t, e);
	return NULL;

bad_all:
	CTR(t, drop_frag_bad) += entry_discard(t, e) + 1;
	rte_pktmbuf_free(m);
	return NULL;
}

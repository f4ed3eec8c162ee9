/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decode stage: handle life cycle and counters. The hot path is in
 * decode_input.c, the replies in decode_reply.c, reassembly in reassembly.c.
 *
 * A --listen entry names one of our addresses; its prefix length is the
 * subnet and does not make the whole subnet ours: only the exact address is
 * answered (ARP, ND, echo) and, when any --listen is given, only UDP to the
 * exact addresses is ingested.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "decode_private.h"

RTE_LOG_REGISTER(sl_decode_logtype, sluice.decode, NOTICE);

static const struct sl_ctr_desc sl_decode_ctr_desc[] = {
	SL_DECODE_COUNTERS(SL_CTR_DESC)
};

struct sl_decode *
sl_decode_create(const struct sl_decode_params *p)
{
	struct sl_decode *d;
	int socket;
	unsigned int i;

	if (p == NULL || p->udp_ports == NULL || (p->n_listen > 0 && p->listen == NULL)) {
		rte_errno = EINVAL;
		return NULL;
	}
	socket = p->socket_id < 0 ? SOCKET_ID_ANY : p->socket_id;
	d = rte_zmalloc_socket("sl_decode", sizeof(*d), RTE_CACHE_LINE_SIZE, socket);
	if (d == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	d->mac = p->mac;
	d->rx_cksum_offload = p->rx_cksum_offload;
	d->any_dst = p->n_listen == 0;
	d->tcp = p->tcp && p->n_listen > 0;
	memcpy(d->ports, p->udp_ports, sizeof(d->ports));
	if (p->n_listen > 0) {
		d->v4 = rte_malloc_socket("sl_decode_v4", p->n_listen * sizeof(*d->v4),
					  0, socket);
		d->v6 = rte_malloc_socket("sl_decode_v6", p->n_listen * sizeof(*d->v6),
					  0, socket);
		if (d->v4 == NULL || d->v6 == NULL)
			goto nomem;
		for (i = 0; i < p->n_listen; i++) {
			if (sl_ip_is_v4(&p->listen[i].ip))
				d->v4[d->n_v4++] = sl_ip_v4(&p->listen[i].ip);
			else
				d->v6[d->n_v6++] = p->listen[i].ip;
		}
	}
	d->frag = sl_frag_create(p->frag_max_flows, p->frag_max_per_flow,
				 p->frag_timeout_ms, p->socket_id, d->ctr);
	if (d->frag == NULL) {
		int err = rte_errno;

		DECODE_LOG(ERR, "cannot create the reassembly table (%d flows x %d fragments): %s\n",
			   (int)p->frag_max_flows, (int)p->frag_max_per_flow,
			   rte_strerror(err));
		sl_decode_free(d);
		rte_errno = err;
		return NULL;
	}
	if (p->frag_max_mbufs)
		sl_frag_set_max_mbufs(d->frag, p->frag_max_mbufs);
	return d;
nomem:
	sl_decode_free(d);
	rte_errno = ENOMEM;
	return NULL;
}

void
sl_decode_free(struct sl_decode *d)
{
	if (d == NULL)
		return;
	sl_frag_free(d->frag);
	rte_free(d->v4);
	rte_free(d->v6);
	rte_free(d);
}

void
sl_decode_flush(struct sl_decode *d)
{
	sl_frag_flush(d->frag);
}

void
sl_decode_count_tx_drop(struct sl_decode *d, uint16_t n)
{
	DCTR(d, drop_tx_full) += n;
}

struct sl_ctr_set
sl_decode_counters(const struct sl_decode *d)
{
	struct sl_ctr_set s = {
		.module = "decode",
		.instance = NULL,
		.n = SL_DECODE_NB_CTR,
		.desc = sl_decode_ctr_desc,
		.val = d->ctr,
	};

	return s;
}

uint32_t
sl_decode_frag_in_use(const struct sl_decode *d)
{
	return sl_frag_in_use(d->frag);
}

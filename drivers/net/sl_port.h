/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Ethdev port setup for sluice: any PMD, physical or virtual. One RX and
 * one TX queue per worker; RSS with a symmetric Toeplitz key over IPv4/IPv6
 * and UDP/TCP ports where the PMD offers RSS; RX checksum and RSS hash
 * offloads where offered; mempools sized from descriptor counts.
 */
#ifndef SL_PORT_H
#define SL_PORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>
#include <rte_mempool.h>

/** Setup parameters. */
struct sl_port_params {
	uint16_t port_id;       /**< ethdev port */
	uint16_t nb_queues;     /**< RX and TX queues (= workers) */
	uint16_t nb_rxd;        /**< RX descriptors per queue (0: default 1024) */
	uint16_t nb_txd;        /**< TX descriptors per queue (0: default 1024) */
	uint32_t extra_mbufs;   /**< mbufs held elsewhere per queue (reassembly...) */
	uint16_t mbuf_data_size;/**< data room (0: RTE_MBUF_DEFAULT_BUF_SIZE) */
	int socket_id;          /**< -1: the port's socket */
};

/** What the port ended up with. */
struct sl_port {
	uint16_t port_id;
	uint16_t nb_queues;
	struct rte_ether_addr mac;
	bool rss;                /**< RSS configured across the queues */
	bool rx_cksum;           /**< IPv4/UDP/TCP RX checksum offload on */
	bool tx_ip_cksum;        /**< TX IPv4 checksum offload on */
	char driver[32];         /**< PMD name */
	uint16_t nb_rxd;         /**< RX descriptors per queue actually used */
	uint16_t nb_txd;         /**< TX descriptors per queue actually used */
	struct rte_mempool *pool;/**< mbuf pool shared by the port's queues */
	/* net_af_packet: the PMD's packet sockets, whose kernel ring drops
	 * the PMD does not report (DPDK 22.11); read on the control plane. */
	int kfd[64];             /**< AF_PACKET sockets of this process */
	unsigned int n_kfd;
	uint64_t kernel_drops;   /**< frames the kernel dropped: ring full */
	bool rx_scatter;         /**< RX may chain mbufs (frame > data room) */
	uint16_t mtu;            /**< the port's MTU (left as the PMD set it) */
};

/**
 * Configure, set up queues and start a port. On failure, prints nothing;
 * the reason goes to @p err (an operator-facing sentence naming the port,
 * e.g. "port 0 (net_pcap) has 1 RX queue, 2 workers need 2: use --workers
 * with at most 1 lcore").
 *
 * @param p    parameters
 * @param port filled on success
 * @param err  buffer for the reason
 * @param errlen its size
 * @return 0, or -ENODEV (no such port), -EINVAL (too few queues, bad
 *         descriptor counts), -ENOMEM (mempool), or the ethdev's -errno.
 */
int sl_port_setup(const struct sl_port_params *p, struct sl_port *port,
		  char *err, size_t errlen);

/** Stop and close a started port, free its pool. NULL is a no-op. */
void sl_port_close(struct sl_port *port);

/**
 * Print the port's counters: packets, bytes, imissed (NIC dropped for lack
 * of descriptors), rx_nombuf (no mbuf), ierrors, oerrors, per queue where
 * the PMD reports them. One line per item, prefixed "port N".
 */
void sl_port_print_stats(FILE *f, struct sl_port *port);

/** Port-level drop counters for the final accounting. */
struct sl_port_drops {
	uint64_t ipackets, ibytes, imissed, ierrors, rx_nombuf, opackets, oerrors;
	uint64_t kernel_drops;   /**< net_af_packet: kernel ring full (PACKET_STATISTICS) */
};

/**
 * Read the port's counters. For net_af_packet this also collects the
 * kernel's ring drops from the PMD's sockets (PACKET_STATISTICS resets on
 * read, so the port accumulates them): call from one thread only.
 * @return 0 or -errno.
 */
int sl_port_drops(struct sl_port *port, struct sl_port_drops *d);

#endif /* SL_PORT_H */

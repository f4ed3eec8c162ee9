/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethdev port setup: validate the port against what its PMD offers, size a
 * mempool from the descriptor counts, configure RSS with a symmetric
 * Toeplitz key and the offloads the PMD has, start it, wait a little for
 * link. Every failure is returned as -errno plus one operator-facing
 * sentence in the caller's buffer; nothing here exits.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <linux/if_packet.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "sl_common.h"
#include "sl_port.h"

/*
 * Outside DPDK's own build nothing defines the default log type name, and
 * every module would register the same literal "RTE_LOG_DEFAULT_LOGTYPE":
 * name ours so --log-level sluice.port:debug works.
 */
#ifndef RTE_LOG_DEFAULT_LOGTYPE
#define RTE_LOG_DEFAULT_LOGTYPE sluice.port
#endif
RTE_LOG_REGISTER(sl_port_logtype, sluice.port, NOTICE);
#define PORT_LOG(level, ...) SL_LOG(sl_port_logtype, level, "port", __VA_ARGS__)

/** Descriptors per queue when the caller leaves it to us. */
#define SL_PORT_DEFAULT_DESC 1024
/** Per-lcore mempool cache (DPDK's maximum is 512). */
#define SL_PORT_POOL_CACHE 256
/** mbufs in flight per queue beyond the rings: one RX and one TX burst. */
#define SL_PORT_BURST_SLACK (2 * SL_BURST)
/** Link wait: polls and the pause between them (1 s in all). */
#define SL_PORT_LINK_POLLS 20
#define SL_PORT_LINK_POLL_US 50000
/** Default RSS key length when the PMD does not say (Intel's 40 bytes). */
#define SL_PORT_RSS_KEY_LEN 40
/** Longest RSS key we build. */
#define SL_PORT_RSS_KEY_MAX 128

/* Requested offloads; each is enabled only where the PMD offers it. */
#define SL_PORT_RX_CKSUM (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | \
			  RTE_ETH_RX_OFFLOAD_UDP_CKSUM | \
			  RTE_ETH_RX_OFFLOAD_TCP_CKSUM)
#define SL_PORT_RSS_HF (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP)

static int __rte_format_printf(4, 5)
port_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* "0 (net_null0), 1 (net_ring0)" or "none". */
static void
list_ports(char *buf, size_t len)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	size_t off = 0;
	uint16_t pid;
	int n;

	buf[0] = '\0';
	RTE_ETH_FOREACH_DEV(pid) {
		if (rte_eth_dev_get_name_by_port(pid, name) != 0)
			snprintf(name, sizeof(name), "?");
		n = snprintf(buf + off, len - off, "%s%u (%s)",
			     off ? ", " : "", pid, name);
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
	if (off == 0)
		snprintf(buf, len, "none");
}

/*
 * The symmetric Toeplitz key: with the 16-bit pattern 0x6d5a repeated,
 * swapping source and destination address (and port) gives the same hash,
 * so both directions of a flow land on one queue (Woo & Park, "Scalable
 * TCP Session Monitoring with Symmetric RSS"). Ethdev in DPDK 22.11 has no
 * hash-algorithm field in rte_eth_rss_conf, so the key is what makes it
 * symmetric.
 */
static void
fill_symmetric_key(uint8_t *key, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		key[i] = (i & 1) ? 0x5a : 0x6d;
}

/* Smallest 2^k - 1 >= n: a ring-backed pool uses memory best at that size. */
static uint32_t
pool_size_round(uint64_t n)
{
	uint64_t p = 1;

	while (p - 1 < n && p < (UINT64_C(1) << 31))
		p <<= 1;
	return (uint32_t)(p - 1);
}

static int
create_pool(const struct sl_port_params *p, struct sl_port *port,
	    int socket, uint16_t data_size, char *err, size_t errlen)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	uint64_t want;
	uint32_t n, cache;
	size_t obj_sz;
	struct rte_mempool_objsz objsz;

	want = (uint64_t)port->nb_queues *
		((uint64_t)port->nb_rxd + port->nb_txd + p->extra_mbufs +
		 SL_PORT_BURST_SLACK + SL_PORT_POOL_CACHE);
	n = pool_size_round(want);
	/* DPDK wants cache_size <= n / 1.5. */
	cache = RTE_MIN((uint32_t)SL_PORT_POOL_CACHE, n * 2 / 3);
	if (cache > RTE_MEMPOOL_CACHE_MAX_SIZE)
		cache = RTE_MEMPOOL_CACHE_MAX_SIZE;

	snprintf(name, sizeof(name), "sl_mbuf_p%u", port->port_id);
	port->pool = rte_pktmbuf_pool_create(name, n, cache, 0, data_size,
					     socket);
	if (port->pool == NULL && rte_errno == ENOMEM && socket != SOCKET_ID_ANY) {
		PORT_LOG(DEBUG, "port %u: no memory for mbufs on socket %d, trying any socket\n",
			 port->port_id, socket);
		port->pool = rte_pktmbuf_pool_create(name, n, cache, 0,
						     data_size, SOCKET_ID_ANY);
	}
	if (port->pool != NULL)
		return 0;

	if (rte_errno == EEXIST)
		return port_fail(err, errlen, -EEXIST,
				 "port %u (%s): mbuf pool %s already exists: the port is already set up",
				 port->port_id, port->driver, name);
	obj_sz = rte_mempool_calc_obj_size(sizeof(struct rte_mbuf) + data_size,
					   0, &objsz);
	return port_fail(err, errlen, -ENOMEM,
			 "port %u (%s): cannot allocate %" PRIu32 " mbufs of %u bytes (%.1f MiB) for %u queue(s) x (%u RX + %u TX descriptors + %" PRIu32 " extra): give DPDK more memory (-m MB, --socket-mem, or reserve hugepages: echo N > /proc/sys/vm/nr_hugepages) or use fewer/smaller descriptors",
			 port->port_id, port->driver, n, (unsigned int)data_size,
			 (double)n * (double)obj_sz / (1024.0 * 1024.0),
			 port->nb_queues, port->nb_rxd, port->nb_txd,
			 p->extra_mbufs);
}

/*
 * Some PMDs (net_null among them) ignore the key given to configure; set it
 * again on the running port and read it back, so a port that keeps its own
 * (asymmetric) key is at least reported.
 */
static void
apply_rss_key(struct sl_port *port, struct rte_eth_rss_conf *want)
{
	struct rte_eth_rss_conf got;
	uint8_t key[SL_PORT_RSS_KEY_MAX];
	int rc;

	rc = rte_eth_dev_rss_hash_update(port->port_id, want);
	if (rc != 0 && rc != -ENOTSUP)
		PORT_LOG(NOTICE, "port %u (%s): cannot set the symmetric RSS key (%s): the two directions of a flow may reach different workers\n",
			 port->port_id, port->driver, rte_strerror(-rc));
	memset(&got, 0, sizeof(got));
	memset(key, 0, sizeof(key));
	got.rss_key = key;
	got.rss_key_len = want->rss_key_len;
	if (rte_eth_dev_rss_hash_conf_get(port->port_id, &got) != 0)
		return;
	if (memcmp(key, want->rss_key, want->rss_key_len) != 0)
		PORT_LOG(WARNING, "port %u (%s): the PMD kept its own RSS key: the two directions of a flow may reach different workers\n",
			 port->port_id, port->driver);
}

static void
wait_link(struct sl_port *port)
{
	struct rte_eth_link link;
	char txt[RTE_ETH_LINK_MAX_STR_LEN];
	int i;

	memset(&link, 0, sizeof(link));
	for (i = 0; i < SL_PORT_LINK_POLLS; i++) {
		if (rte_eth_link_get_nowait(port->port_id, &link) != 0)
			break;
		if (link.link_status == RTE_ETH_LINK_UP)
			break;
		usleep(SL_PORT_LINK_POLL_US);
	}
	if (link.link_status == RTE_ETH_LINK_UP) {
		rte_eth_link_to_str(txt, sizeof(txt), &link);
		PORT_LOG(INFO, "port %u (%s): %s\n", port->port_id,
			 port->driver, txt);
	} else {
		/* Not fatal: virtual ports may report down and still carry traffic. */
		PORT_LOG(NOTICE, "port %u (%s): link is down, going on\n",
			 port->port_id, port->driver);
	}
}

/*
 * net_af_packet in DPDK 22.11 does not report the frames the kernel drops
 * when its ring is full. Those sockets are ours (this process's), so find
 * them and ask the kernel: no silent drop, even below the PMD.
 */
static void
find_packet_sockets(struct sl_port *port)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *de;

	port->n_kfd = 0;
	if (dir == NULL)
		return;
	while ((de = readdir(dir)) != NULL && port->n_kfd < RTE_DIM(port->kfd)) {
		int fd = atoi(de->d_name), domain = 0;
		socklen_t len = sizeof(domain);
		struct tpacket_stats ts;
		socklen_t tlen = sizeof(ts);

		if (de->d_name[0] < '0' || de->d_name[0] > '9' || fd == dirfd(dir))
			continue;
		if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 ||
		    domain != AF_PACKET)
			continue;
		/* Reading resets: start from zero now. */
		if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &ts, &tlen) != 0)
			continue;
		port->kfd[port->n_kfd++] = fd;
	}
	closedir(dir);
}

static uint64_t
kernel_drops(struct sl_port *port)
{
	unsigned int i;

	for (i = 0; i < port->n_kfd; i++) {
		struct tpacket_stats ts;
		socklen_t len = sizeof(ts);

		if (getsockopt(port->kfd[i], SOL_PACKET, PACKET_STATISTICS, &ts, &len) == 0)
			__atomic_fetch_add(&port->kernel_drops, ts.tp_drops, __ATOMIC_RELAXED);
	}
	/* Read (and reset by the kernel) from the control plane and the
	 * management thread: the sum is atomic. */
	return __atomic_load_n(&port->kernel_drops, __ATOMIC_RELAXED);
}

int
sl_port_setup(const struct sl_port_params *p, struct sl_port *port,
	      char *err, size_t errlen)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	struct rte_eth_rxconf rxconf;
	struct rte_eth_txconf txconf;
	uint8_t rss_key[SL_PORT_RSS_KEY_MAX];
	char ports[256];
	uint16_t pid, q, nb_rxd, nb_txd, data_size, mtu;
	uint32_t frame, room;
	uint16_t offered;
	int rc, socket;
	bool started = false;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (p == NULL || port == NULL)
		return port_fail(err, errlen, -EINVAL, "sl_port_setup: no parameters");
	memset(port, 0, sizeof(*port));
	pid = p->port_id;
	port->port_id = pid;

	if (!rte_eth_dev_is_valid_port(pid)) {
		list_ports(ports, sizeof(ports));
		return port_fail(err, errlen, -ENODEV,
				 "port %u does not exist (available ports: %s): add a port to the EAL options, e.g. --vdev net_af_packet0,iface=eth1 or -a PCI_ADDR",
				 pid, ports);
	}
	rc = rte_eth_dev_info_get(pid, &info);
	if (rc != 0)
		return port_fail(err, errlen, rc,
				 "port %u: cannot read device info: %s",
				 pid, rte_strerror(-rc));
	snprintf(port->driver, sizeof(port->driver), "%s",
		 info.driver_name ? info.driver_name : "?");

	if (p->nb_queues == 0)
		return port_fail(err, errlen, -EINVAL,
				 "port %u (%s): 0 queues requested: need at least one worker",
				 pid, port->driver);
	offered = RTE_MIN(info.max_rx_queues, info.max_tx_queues);
	if (p->nb_queues > info.max_rx_queues || p->nb_queues > info.max_tx_queues)
		return port_fail(err, errlen, -EINVAL,
				 "port %u (%s) has %u RX and %u TX queue%s, %u workers need %u: use --workers with at most %u lcore%s%s",
				 pid, port->driver, info.max_rx_queues,
				 info.max_tx_queues,
				 info.max_tx_queues == 1 ? "" : "s",
				 p->nb_queues, p->nb_queues, offered,
				 offered == 1 ? "" : "s",
				 strcmp(port->driver, "net_af_packet") == 0 ?
				 " (or raise the port's qpairs=)" :
				 strcmp(port->driver, "net_pcap") == 0 ?
				 " (or give one rx_pcap= and tx_pcap= per queue)" : "");
	port->nb_queues = p->nb_queues;

	socket = p->socket_id >= 0 ? p->socket_id : rte_eth_dev_socket_id(pid);
	if (socket < 0)
		socket = SOCKET_ID_ANY;

	/* Descriptors: defaults, then clamped and aligned to the PMD's limits. */
	nb_rxd = p->nb_rxd ? p->nb_rxd : SL_PORT_DEFAULT_DESC;
	nb_txd = p->nb_txd ? p->nb_txd : SL_PORT_DEFAULT_DESC;

	memset(&conf, 0, sizeof(conf));
	port->rss = false;
	if (p->nb_queues > 1) {
		uint64_t hf = SL_PORT_RSS_HF & info.flow_type_rss_offloads;

		if (hf != 0) {
			uint8_t klen = info.hash_key_size ?
				info.hash_key_size : SL_PORT_RSS_KEY_LEN;

			if (klen > sizeof(rss_key))
				klen = sizeof(rss_key);
			fill_symmetric_key(rss_key, klen);
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
			conf.rx_adv_conf.rss_conf.rss_key = rss_key;
			conf.rx_adv_conf.rss_conf.rss_key_len = klen;
			conf.rx_adv_conf.rss_conf.rss_hf = hf;
			port->rss = true;
		}
	}

	conf.rxmode.offloads = SL_PORT_RX_CKSUM & info.rx_offload_capa;
	if (port->rss && (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_RSS_HASH))
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_RSS_HASH;
	port->rx_cksum = (conf.rxmode.offloads & SL_PORT_RX_CKSUM) == SL_PORT_RX_CKSUM;
	conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM & info.tx_offload_capa;
	port->tx_ip_cksum = conf.txmode.offloads != 0;

	/*
	 * The MTU stays as the port has it; a frame of that MTU with QinQ tags
	 * must fit the mbuf data room, or the PMD must chain segments.
	 */
	data_size = p->mbuf_data_size ? p->mbuf_data_size : RTE_MBUF_DEFAULT_BUF_SIZE;
	if (data_size <= RTE_PKTMBUF_HEADROOM)
		return port_fail(err, errlen, -EINVAL,
				 "port %u (%s): mbuf data size %u leaves no room after the %u-byte headroom",
				 pid, port->driver, data_size, RTE_PKTMBUF_HEADROOM);
	room = data_size - RTE_PKTMBUF_HEADROOM;
	if (room < info.min_rx_bufsize)
		return port_fail(err, errlen, -EINVAL,
				 "port %u (%s): mbuf data room %u is below the PMD's minimum RX buffer of %u bytes: raise the mbuf data size",
				 pid, port->driver, room, info.min_rx_bufsize);
	if (rte_eth_dev_get_mtu(pid, &mtu) != 0)
		mtu = RTE_ETHER_MTU;
	frame = (uint32_t)mtu + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN + 2 * RTE_VLAN_HLEN;
	if (info.max_rx_pktlen != 0 && frame > info.max_rx_pktlen)
		frame = info.max_rx_pktlen;
	port->mtu = mtu;
	if (frame > room) {
		if (!(info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER))
			return port_fail(err, errlen, -EINVAL,
					 "port %u (%s): %u-byte frames (MTU %u) do not fit %u-byte mbufs and the PMD cannot scatter: raise the mbuf data size or lower the port's MTU",
					 pid, port->driver, frame, mtu, room);
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
		port->rx_scatter = true;
	}

	rc = rte_eth_dev_configure(pid, p->nb_queues, p->nb_queues, &conf);
	if (rc != 0)
		return port_fail(err, errlen, rc,
				 "port %u (%s): configure with %u queues failed: %s",
				 pid, port->driver, p->nb_queues, rte_strerror(-rc));

	rc = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nb_rxd, &nb_txd);
	if (rc != 0)
		return port_fail(err, errlen, rc == -ENOTSUP ? -EINVAL : rc,
				 "port %u (%s): cannot fit %u RX / %u TX descriptors to the PMD's limits: %s",
				 pid, port->driver, nb_rxd, nb_txd, rte_strerror(-rc));
	port->nb_rxd = nb_rxd;
	port->nb_txd = nb_txd;

	rc = rte_eth_macaddr_get(pid, &port->mac);
	if (rc != 0)
		memset(&port->mac, 0, sizeof(port->mac));

	rc = create_pool(p, port, socket, data_size, err, errlen);
	if (rc != 0)
		return rc;

	rxconf = info.default_rxconf;
	rxconf.offloads = conf.rxmode.offloads;
	txconf = info.default_txconf;
	txconf.offloads = conf.txmode.offloads;
	for (q = 0; q < p->nb_queues; q++) {
		rc = rte_eth_rx_queue_setup(pid, q, nb_rxd, socket, &rxconf,
					    port->pool);
		if (rc != 0) {
			port_fail(err, errlen, rc,
				  "port %u (%s): RX queue %u setup (%u descriptors) failed: %s",
				  pid, port->driver, q, nb_rxd, rte_strerror(-rc));
			goto fail;
		}
		rc = rte_eth_tx_queue_setup(pid, q, nb_txd, socket, &txconf);
		if (rc != 0) {
			port_fail(err, errlen, rc,
				  "port %u (%s): TX queue %u setup (%u descriptors) failed: %s",
				  pid, port->driver, q, nb_txd, rte_strerror(-rc));
			goto fail;
		}
	}

	rc = rte_eth_dev_start(pid);
	if (rc != 0) {
		port_fail(err, errlen, rc, "port %u (%s): start failed: %s",
			  pid, port->driver, rte_strerror(-rc));
		goto fail;
	}
	started = true;

	if (port->rss)
		apply_rss_key(port, &conf.rx_adv_conf.rss_conf);

	/* Captures and mirror ports carry other hosts' MACs. */
	rc = rte_eth_promiscuous_enable(pid);
	if (rc != 0 && rc != -ENOTSUP)
		PORT_LOG(WARNING, "port %u (%s): promiscuous mode: %s\n",
			 pid, port->driver, rte_strerror(-rc));

	wait_link(port);
	if (strcmp(port->driver, "net_af_packet") == 0)
		find_packet_sockets(port);

	if (p->nb_queues > 1 && !port->rss)
		/* net_af_packet spreads with the kernel's fanout, net_pcap per file. */
		PORT_LOG(NOTICE, "port %u (%s): no RSS offered; %u queues are filled by the PMD's own spreading\n",
			 pid, port->driver, p->nb_queues);

	PORT_LOG(INFO, "port %u (%s): %u queue(s), %u RX / %u TX descriptors, %u mbufs, rss=%s rx_cksum=%s tx_ip_cksum=%s scatter=%s mtu=%u\n",
		 pid, port->driver, port->nb_queues, nb_rxd, nb_txd,
		 port->pool->size, port->rss ? "on" : "off",
		 port->rx_cksum ? "on" : "off", port->tx_ip_cksum ? "on" : "off",
		 port->rx_scatter ? "on" : "off", port->mtu);
	return 0;

fail:
	if (started)
		rte_eth_dev_stop(pid);
	/*
	 * The port stays configured but stopped; a later setup replaces its
	 * queues, so nothing refers to the freed pool once it runs again.
	 */
	rte_mempool_free(port->pool);
	port->pool = NULL;
	return rc;
}

void
sl_port_close(struct sl_port *port)
{
	int rc;

	if (port == NULL)
		return;
	if (rte_eth_dev_is_valid_port(port->port_id)) {
		rc = rte_eth_dev_stop(port->port_id);
		if (rc != 0)
			PORT_LOG(NOTICE, "port %u (%s): stop: %s\n",
				 port->port_id, port->driver, rte_strerror(-rc));
		rc = rte_eth_dev_close(port->port_id);
		if (rc != 0)
			PORT_LOG(NOTICE, "port %u (%s): close: %s\n",
				 port->port_id, port->driver, rte_strerror(-rc));
	}
	/* After close: no queue refers to the pool any more. */
	rte_mempool_free(port->pool);
	port->pool = NULL;
}

int
sl_port_drops(struct sl_port *port, struct sl_port_drops *d)
{
	struct rte_eth_stats st;
	int rc;

	if (port == NULL || d == NULL)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	rc = rte_eth_stats_get(port->port_id, &st);
	if (rc != 0)
		return rc;
	d->ipackets = st.ipackets;
	d->ibytes = st.ibytes;
	d->imissed = st.imissed;
	d->ierrors = st.ierrors;
	d->rx_nombuf = st.rx_nombuf;
	d->opackets = st.opackets;
	d->oerrors = st.oerrors;
	d->kernel_drops = kernel_drops(port);
	return 0;
}

void
sl_port_print_stats(FILE *f, struct sl_port *port)
{
	struct rte_eth_stats st;
	unsigned int q, nq;
	int rc;

	if (f == NULL || port == NULL)
		return;
	rc = rte_eth_stats_get(port->port_id, &st);
	if (rc != 0) {
		fprintf(f, "port %u (%s): stats unavailable: %s\n",
			port->port_id, port->driver, rte_strerror(-rc));
		return;
	}
	fprintf(f, "port %u (%s): ipackets=%" PRIu64 " ibytes=%" PRIu64
		" imissed=%" PRIu64 " ierrors=%" PRIu64 " rx_nombuf=%" PRIu64
		" opackets=%" PRIu64 " obytes=%" PRIu64 " oerrors=%" PRIu64 "\n",
		port->port_id, port->driver, st.ipackets, st.ibytes, st.imissed,
		st.ierrors, st.rx_nombuf, st.opackets, st.obytes, st.oerrors);
	if (port->n_kfd)
		fprintf(f, "port %u (%s): kernel ring: drop_kernel_ring=%" PRIu64
			" (frames the kernel dropped before the PMD saw them)\n",
			port->port_id, port->driver, kernel_drops(port));

	/* Per queue only where the PMD fills the queue counters. */
	nq = RTE_MIN((unsigned int)port->nb_queues,
		     (unsigned int)RTE_ETHDEV_QUEUE_STAT_CNTRS);
	for (q = 0; q < nq; q++) {
		if (st.q_ipackets[q] == 0 && st.q_ibytes[q] == 0 &&
		    st.q_opackets[q] == 0 && st.q_obytes[q] == 0 &&
		    st.q_errors[q] == 0)
			continue;
		fprintf(f, "port %u queue %u: ipackets=%" PRIu64 " ibytes=%" PRIu64
			" opackets=%" PRIu64 " obytes=%" PRIu64 " errors=%" PRIu64 "\n",
			port->port_id, q, st.q_ipackets[q], st.q_ibytes[q],
			st.q_opackets[q], st.q_obytes[q], st.q_errors[q]);
	}
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drivers/net: port setup on virtual devices made in the test (net_null,
 * net_ring, net_pcap), the errors an operator sees, and the symmetric RSS
 * key.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include <rte_dev.h>
#include <rte_byteorder.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_thash.h>
#include <rte_udp.h>

#include "sl_common.h"
#include "sl_port.h"
#include "sl_test.h"

#define ERRLEN 512
/* DPDK 22.11's IP4() shifts an int by 24: UB for 128 and up. */
#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
			 ((uint32_t)(c) << 8) | (uint32_t)(d))

/* Make a vdev and return its port id, or -1. */
static int
make_vdev(const char *name, const char *args)
{
	uint16_t pid;

	/*
	 * rte_vdev_init() lives in librte_bus_vdev, which Debian's libdpdk.pc
	 * does not link; hotplug through the EAL does the same.
	 */
	if (rte_eal_hotplug_add("vdev", name, args) != 0) {
		fprintf(stderr, "# vdev %s,%s failed\n", name, args);
		return -1;
	}
	if (rte_eth_dev_get_port_by_name(name, &pid) != 0)
		return -1;
	return pid;
}

static void
remove_vdev(const char *name)
{
	rte_eal_hotplug_remove("vdev", name);
}

static void
drop_vdev(struct sl_port *port, const char *name)
{
	sl_port_close(port);
	remove_vdev(name);
}

static int
test_null_port_starts_with_default_rings_and_receives(void)
{
	struct sl_port_params p = { .nb_queues = 1, .socket_id = -1 };
	struct sl_port port;
	struct sl_port_drops d;
	struct rte_mbuf *pkts[SL_BURST];
	char err[ERRLEN], *buf = NULL;
	size_t len = 0;
	FILE *f;
	uint16_t n, sent;
	int pid;

	pid = make_vdev("net_null_rx", "");
	SL_ASSERT(pid >= 0);
	p.port_id = (uint16_t)pid;
	SL_ASSERT_EQ(sl_port_setup(&p, &port, err, sizeof(err)), 0);
	SL_ASSERT_EQ(port.port_id, pid);
	SL_ASSERT_EQ(port.nb_queues, 1);
	SL_ASSERT(strcmp(port.driver, "net_null") == 0);
	SL_ASSERT_EQ(port.nb_rxd, 1024);
	SL_ASSERT_EQ(port.nb_txd, 1024);
	SL_ASSERT(!port.rss); /* one queue: nothing to spread */
	SL_ASSERT(port.pool != NULL);
	/* 1 x (1024 + 1024 + 0 + 64 + 256) = 2368 -> 2^12 - 1 */
	SL_ASSERT_EQ(port.pool->size, 4095);
	SL_ASSERT_EQ(rte_pktmbuf_data_room_size(port.pool), RTE_MBUF_DEFAULT_BUF_SIZE);

	n = rte_eth_rx_burst(port.port_id, 0, pkts, SL_BURST);
	SL_ASSERT_EQ(n, SL_BURST);
	SL_ASSERT(pkts[0]->pool == port.pool);
	sent = rte_eth_tx_burst(port.port_id, 0, pkts, n);
	while (sent < n)
		rte_pktmbuf_free(pkts[sent++]);

	SL_ASSERT_EQ(sl_port_drops(&port, &d), 0);
	SL_ASSERT_EQ(d.ipackets, SL_BURST);
	SL_ASSERT_EQ(d.opackets, SL_BURST);
	SL_ASSERT_EQ(d.imissed, 0);

	f = open_memstream(&buf, &len);
	SL_ASSERT(f != NULL);
	sl_port_print_stats(f, &port);
	fclose(f);
	fprintf(stderr, "# %s", buf);
	SL_ASSERT(strstr(buf, "(net_null): ipackets=32 ") != NULL);
	SL_ASSERT(strstr(buf, "rx_nombuf=0") != NULL);
	free(buf);

	drop_vdev(&port, "net_null_rx");
	SL_ASSERT(port.pool == NULL);
	SL_ASSERT(!rte_eth_dev_is_valid_port((uint16_t)pid));
	return 0;
}

/*
 * Both directions of a flow must hash alike, so that a TCP receiver sees
 * its ACKs' flow and a syslog flow's replies on one worker.
 */
static int
test_null_port_two_queues_get_symmetric_rss_key(void)
{
	struct sl_port_params p = { .nb_queues = 2, .socket_id = -1 };
	struct sl_port port;
	struct rte_eth_rss_conf rc;
	struct rte_ipv4_tuple fwd, rev;
	uint8_t key[64];
	char err[ERRLEN];
	int pid, i;

	pid = make_vdev("net_null_rss", "");
	SL_ASSERT(pid >= 0);
	p.port_id = (uint16_t)pid;
	SL_ASSERT_EQ(sl_port_setup(&p, &port, err, sizeof(err)), 0);
	SL_ASSERT(port.rss);
	SL_ASSERT_EQ(port.nb_queues, 2);

	memset(key, 0, sizeof(key));
	memset(&rc, 0, sizeof(rc));
	rc.rss_key = key;
	rc.rss_key_len = 40;
	SL_ASSERT_EQ(rte_eth_dev_rss_hash_conf_get(port.port_id, &rc), 0);
	SL_ASSERT(rc.rss_hf & RTE_ETH_RSS_NONFRAG_IPV4_UDP);
	SL_ASSERT(rc.rss_hf & RTE_ETH_RSS_NONFRAG_IPV6_TCP);
	for (i = 0; i < 40; i++)
		SL_ASSERT_EQ(key[i], (i & 1) ? 0x5a : 0x6d);

	fwd.src_addr = IP4(10, 1, 2, 3);
	fwd.dst_addr = IP4(192, 0, 2, 7);
	fwd.sport = 40123;
	fwd.dport = 514;
	rev.src_addr = fwd.dst_addr;
	rev.dst_addr = fwd.src_addr;
	rev.sport = fwd.dport;
	rev.dport = fwd.sport;
	SL_ASSERT_EQ(rte_softrss((uint32_t *)&fwd, RTE_THASH_V4_L4_LEN, key),
		     rte_softrss((uint32_t *)&rev, RTE_THASH_V4_L4_LEN, key));
	SL_ASSERT(rte_softrss((uint32_t *)&fwd, RTE_THASH_V4_L4_LEN, key) != 0);

	drop_vdev(&port, "net_null_rss");
	return 0;
}

static int
test_ring_port_without_rss_accepts_two_queues(void)
{
	struct sl_port_params p = { .nb_queues = 2, .socket_id = -1 };
	struct sl_port port;
	char err[ERRLEN];
	int pid;

	pid = make_vdev("net_ring_two", "");
	SL_ASSERT(pid >= 0);
	p.port_id = (uint16_t)pid;
	SL_ASSERT_EQ(sl_port_setup(&p, &port, err, sizeof(err)), 0);
	SL_ASSERT(strcmp(port.driver, "net_ring") == 0);
	SL_ASSERT_EQ(port.nb_queues, 2);
	SL_ASSERT(!port.rss);
	SL_ASSERT(!port.rx_cksum);
	drop_vdev(&port, "net_ring_two");
	return 0;
}

static int
test_missing_port_is_enodev_with_hint(void)
{
	struct sl_port_params p = { .port_id = RTE_MAX_ETHPORTS - 1,
				    .nb_queues = 1, .socket_id = -1 };
	struct sl_port port;
	char err[ERRLEN];
	int pid;

	/* A port exists, so the message lists it. */
	pid = make_vdev("net_null_list", "");
	SL_ASSERT(pid >= 0);
	SL_ASSERT_EQ(sl_port_setup(&p, &port, err, sizeof(err)), -ENODEV);
	fprintf(stderr, "# %s\n", err);
	SL_ASSERT(strstr(err, "does not exist") != NULL);
	SL_ASSERT(strstr(err, "net_null_list") != NULL);
	SL_ASSERT(strstr(err, "--vdev net_af_packet0,iface=") != NULL);
	SL_ASSERT(strstr(err, "-a PCI_ADDR") != NULL);
	remove_vdev("net_null_list");
	return 0;
}

static int
test_too_many_queues_is_einval_naming_counts(void)
{
	struct sl_port_params p = { .nb_queues = 17, .socket_id = -1 };
	struct sl_port port;
	char err[ERRLEN];
	int pid;

	pid = make_vdev("net_ring_many", "");
	SL_ASSERT(pid >= 0);
	p.port_id = (uint16_t)pid;
	SL_ASSERT_EQ(sl_port_setup(&p, &port, err, sizeof(err)), -EINVAL);
	fprintf(stderr, "# %s\n", err);
	SL_ASSERT(strstr(err, "has 16 RX and 16 TX queues, 17 workers need 17") != NULL);
	SL_ASSERT(strstr(err, "--workers with at most 16 lcores") != NULL);
	/* Nothing was allocated: the same port sets up fine afterwards. */
	p.nb_queues = 16;
	SL_ASSERT_EQ(sl_port_setup(&p, &port, err, sizeof(err)), 0);
	drop_vdev(&port, "net_ring_many");

	p.nb_queues = 0;
	pid = make_vdev("net_ring_none", "");
	SL_ASSERT(pid >= 0);
	p.port_id = (uint16_t)pid;
	SL_ASSERT_EQ(sl_port_setup(&p, &port, err, sizeof(err)), -EINVAL);
	remove_vdev("net_ring_none");
	return 0;
}

static int
test_pool_that_does_not_fit_is_enomem_with_size(void)
{
	/* ~8 M mbufs of 2 KiB: far more than the test's -m 512. */
	struct sl_port_params p = { .nb_queues = 1, .socket_id = -1,
				    .extra_mbufs = 5000000 };
	struct sl_port port;
	char err[ERRLEN];
	int pid;

	pid = make_vdev("net_null_nomem", "");
	SL_ASSERT(pid >= 0);
	p.port_id = (uint16_t)pid;
	SL_ASSERT_EQ(sl_port_setup(&p, &port, err, sizeof(err)), -ENOMEM);
	fprintf(stderr, "# %s\n", err);
	SL_ASSERT(strstr(err, "8388607 mbufs") != NULL);
	SL_ASSERT(strstr(err, "MiB") != NULL);
	SL_ASSERT(strstr(err, "-m") != NULL);
	SL_ASSERT(strstr(err, "hugepages") != NULL);
	SL_ASSERT(port.pool == NULL);
	/* After the failure the port still sets up with a sane size. */
	p.extra_mbufs = 0;
	SL_ASSERT_EQ(sl_port_setup(&p, &port, err, sizeof(err)), 0);
	drop_vdev(&port, "net_null_nomem");
	return 0;
}

static int
test_small_mbufs_need_scatter(void)
{
	struct sl_port_params p = { .nb_queues = 1, .socket_id = -1,
				    .mbuf_data_size = 1024 + RTE_PKTMBUF_HEADROOM };
	struct sl_port port;
	char err[ERRLEN];
	int pid;

	/* net_null cannot chain segments: a 1500-byte MTU does not fit 1 KiB. */
	pid = make_vdev("net_null_small", "");
	SL_ASSERT(pid >= 0);
	p.port_id = (uint16_t)pid;
	SL_ASSERT_EQ(sl_port_setup(&p, &port, err, sizeof(err)), -EINVAL);
	fprintf(stderr, "# %s\n", err);
	SL_ASSERT(strstr(err, "cannot scatter") != NULL);
	remove_vdev("net_null_small");

	/* net_ring offers scattered RX: turned on. */
	pid = make_vdev("net_ring_small", "");
	SL_ASSERT(pid >= 0);
	p.port_id = (uint16_t)pid;
	SL_ASSERT_EQ(sl_port_setup(&p, &port, err, sizeof(err)), 0);
	SL_ASSERT(port.rx_scatter);
	SL_ASSERT_EQ(port.mtu, RTE_ETHER_MTU);
	drop_vdev(&port, "net_ring_small");
	return 0;
}

/* Ethernet + IPv4 + UDP to port 514 carrying "<13>message i". */
static size_t
build_udp_frame(uint8_t *buf, unsigned int i, char *msg, size_t msglen)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	size_t plen;

	plen = (size_t)snprintf(msg, msglen, "<13>message %u from the capture", i);
	memset(buf, 0, sizeof(*eth) + sizeof(*ip) + sizeof(*udp));
	memcpy(eth->dst_addr.addr_bytes, "\x02\x00\x00\x00\x00\x01", 6);
	memcpy(eth->src_addr.addr_bytes, "\x02\x00\x00\x00\x00\x02", 6);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*udp) + plen));
	ip->src_addr = rte_cpu_to_be_32(IP4(192, 0, 2, 1));
	ip->dst_addr = rte_cpu_to_be_32(IP4(192, 0, 2, 2));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16((uint16_t)(30000 + i));
	udp->dst_port = rte_cpu_to_be_16(514);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + plen));
	memcpy(udp + 1, msg, plen);
	return sizeof(*eth) + sizeof(*ip) + sizeof(*udp) + plen;
}

#define PCAP_PKTS 10

static int
test_pcap_port_delivers_the_capture(void)
{
	struct sl_port_params p = { .nb_queues = 1, .socket_id = -1 };
	struct sl_port port;
	struct sl_port_drops d;
	struct rte_mbuf *pkts[SL_BURST];
	uint8_t frame[256];
	char path[64], args[128], err[ERRLEN], msg[64];
	const size_t hdrs = sizeof(struct rte_ether_hdr) +
		sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr);
	struct pcap_pkthdr ph;
	pcap_dumper_t *dumper;
	pcap_t *pc;
	unsigned int got = 0, tries, i;
	size_t len;
	int pid;

	snprintf(path, sizeof(path), "/tmp/sl-test-port-%d.pcap", (int)getpid());
	pc = pcap_open_dead(DLT_EN10MB, 65535);
	SL_ASSERT(pc != NULL);
	dumper = pcap_dump_open(pc, path);
	SL_ASSERT(dumper != NULL);
	for (i = 0; i < PCAP_PKTS; i++) {
		len = build_udp_frame(frame, i, msg, sizeof(msg));
		memset(&ph, 0, sizeof(ph));
		ph.ts.tv_sec = 1700000000 + i;
		ph.caplen = ph.len = (bpf_u_int32)len;
		pcap_dump((u_char *)dumper, &ph, frame);
	}
	pcap_dump_close(dumper);
	pcap_close(pc);

	snprintf(args, sizeof(args), "rx_pcap=%s", path);
	pid = make_vdev("net_pcap_rx", args);
	SL_ASSERT(pid >= 0);
	p.port_id = (uint16_t)pid;
	SL_ASSERT_EQ(sl_port_setup(&p, &port, err, sizeof(err)), 0);
	SL_ASSERT(strcmp(port.driver, "net_pcap") == 0);
	SL_ASSERT(!port.rss);

	for (tries = 0; tries < 100 && got < PCAP_PKTS; tries++) {
		uint16_t n = rte_eth_rx_burst(port.port_id, 0, pkts, SL_BURST), k;

		for (k = 0; k < n; k++, got++) {
			size_t want = (size_t)snprintf(msg, sizeof(msg),
				"<13>message %u from the capture", got);

			if (got < PCAP_PKTS &&
			    (rte_pktmbuf_pkt_len(pkts[k]) != hdrs + want ||
			     memcmp(rte_pktmbuf_mtod_offset(pkts[k], char *, hdrs),
				    msg, want) != 0)) {
				fprintf(stderr, "# packet %u differs\n", got);
				got = 1000;
			}
			rte_pktmbuf_free(pkts[k]);
		}
	}
	SL_ASSERT_EQ(got, PCAP_PKTS);
	SL_ASSERT_EQ(sl_port_drops(&port, &d), 0);
	SL_ASSERT_EQ(d.ipackets, PCAP_PKTS);

	/* One queue per rx_pcap: two workers on this port are refused. */
	sl_port_close(&port);
	remove_vdev("net_pcap_rx");
	pid = make_vdev("net_pcap_two", args);
	SL_ASSERT(pid >= 0);
	p.port_id = (uint16_t)pid;
	p.nb_queues = 2;
	SL_ASSERT_EQ(sl_port_setup(&p, &port, err, sizeof(err)), -EINVAL);
	fprintf(stderr, "# %s\n", err);
	SL_ASSERT(strstr(err, "(net_pcap) has 1 RX and 1 TX queue, 2 workers need 2") != NULL);
	SL_ASSERT(strstr(err, "at most 1 lcore") != NULL);
	remove_vdev("net_pcap_two");
	unlink(path);
	return 0;
}

static int
test_close_of_null_is_a_noop(void)
{
	sl_port_close(NULL);
	return 0;
}

static const struct sl_test_case cases[] = {
	SL_TEST(test_null_port_starts_with_default_rings_and_receives),
	SL_TEST(test_null_port_two_queues_get_symmetric_rss_key),
	SL_TEST(test_ring_port_without_rss_accepts_two_queues),
	SL_TEST(test_missing_port_is_enodev_with_hint),
	SL_TEST(test_too_many_queues_is_einval_naming_counts),
	SL_TEST(test_pool_that_does_not_fit_is_enomem_with_size),
	SL_TEST(test_small_mbufs_need_scatter),
	SL_TEST(test_pcap_port_delivers_the_capture),
	SL_TEST(test_close_of_null_is_a_noop),
};

int
main(int argc, char **argv)
{
	return sl_test_main(argc, argv, cases, SL_DIM(cases), true);
}

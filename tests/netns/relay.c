/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp_relay: an impairment relay for the network-namespace tests.
 *
 * The kernel here has no netem, so loss, duplication, reordering and delay
 * are made by this process: it bridges two interfaces (normally the relay
 * ends of two veth pairs, see sl_ns_setup_relay in deploy/lib/netns.sh)
 * with AF_PACKET raw sockets, both directions, and impairs what it forwards:
 *
 *   --loss P       drop P % of the frames
 *   --dup P        send P % of the frames twice
 *   --reorder P    hold P % of the frames back and send each after the next
 *                  1..K frames of its direction (--reorder-k K), or after
 *                  --reorder-ms if traffic stops first
 *   --delay MS     delay every impaired frame MS ms, plus 0..J ms at random
 *                  (--jitter J; jitter reorders too)
 *   --seed N       the random sequence (same seed, same input: same choices)
 *   --dir both|ab|ba   which direction is impaired (the other is a plain
 *                  bridge); ab is --a -> --b
 *   --only-tcp     impair only IPv4/IPv6 TCP frames (ARP, ND, ICMP pass
 *                  untouched)
 *
 * Bounded: it exits after --seconds (default 300), on SIGTERM or SIGINT,
 * and never queues more than --max-queue frames (the rest are dropped and
 * counted as overflow). At exit (and on SIGUSR1) it prints one line of
 * counters per direction:
 *
 *   relay a->b: seen=N forwarded=N dropped=N duplicated=N reordered=N
 *     delayed=N tx_errors=N overflow=N oversize=N pending=N
 *
 * (forwarded counts frames sent, duplicates included; pending are frames
 * still queued when it stopped, not sent.) "relay: ready" on stdout means
 * both sockets are bound.
 *
 * Plain C and libc: poll on the two sockets, a binary heap of frames by due
 * time, CLOCK_MONOTONIC.
 *
 * usage: tcp_relay --a IFACE --b IFACE [options]   (root, or CAP_NET_RAW)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define MAX_FRAME 65536u /* largest frame read; bigger ones are counted oversize */
#define MAX_HELD 256u    /* frames held back for reordering, per direction */
#define RX_BURST 256     /* frames read per socket per wakeup */

struct frame {
	uint64_t due_ns;
	uint64_t order; /* ties on due_ns: first scheduled, first sent */
	uint32_t len;
	uint8_t dir;
	uint8_t data[];
};

struct held {
	struct frame *f;
	uint32_t remaining; /* frames of this direction still to pass it */
	uint64_t deadline_ns;
};

struct dir_ctr {
	uint64_t seen, forwarded, dropped, duplicated, reordered, delayed;
	uint64_t tx_errors, overflow, oversize, pending;
};

static struct {
	const char *ifname[2];
	double loss, dup, reorder;     /* probabilities 0..1 */
	unsigned int reorder_k;
	double reorder_ms, delay_ms, jitter_ms;
	uint64_t seed;
	bool impair[2];
	bool only_tcp;
	double seconds;
	unsigned int max_queue;
	bool quiet;
} cfg = {
	.reorder_k = 3,
	.reorder_ms = 20,
	.seed = 1,
	.impair = { true, true },
	.seconds = 300,
	.max_queue = 65536,
};

static int fds[2];
static struct dir_ctr ctr[2];
static struct frame **heap;
static unsigned int heap_n;
static uint64_t order_next;
static struct held held[2][MAX_HELD];
static unsigned int held_n[2];
static unsigned int queued; /* heap + held */
static volatile sig_atomic_t stop_sig, dump_req;
static uint64_t rng_state;

static const char *dir_name[2] = { "a->b", "b->a" };

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* splitmix64: seeds, then xorshift64* for the sequence. */
static uint64_t
splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t
rnd64(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* Uniform in [0, 1). */
static double
rnd01(void)
{
	return (double)(rnd64() >> 11) * (1.0 / 9007199254740992.0);
}

static bool
chance(double p)
{
	return p > 0 && rnd01() < p;
}

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		dump_req = 1;
	else
		stop_sig = sig;
}

static void
print_counters(FILE *f)
{
	unsigned int d;

	for (d = 0; d < 2; d++) {
		const struct dir_ctr *c = &ctr[d];

		fprintf(f, "relay %s: seen=%" PRIu64 " forwarded=%" PRIu64 " dropped=%" PRIu64
			" duplicated=%" PRIu64 " reordered=%" PRIu64 " delayed=%" PRIu64
			" tx_errors=%" PRIu64 " overflow=%" PRIu64 " oversize=%" PRIu64
			" pending=%" PRIu64 "\n",
			dir_name[d], c->seen, c->forwarded, c->dropped, c->duplicated,
			c->reordered, c->delayed, c->tx_errors, c->overflow, c->oversize,
			c->pending);
	}
	fflush(f);
}

/* --- heap of frames by (due_ns, order) ------------------------------------ */

static bool
before(const struct frame *x, const struct frame *y)
{
	return x->due_ns < y->due_ns || (x->due_ns == y->due_ns && x->order < y->order);
}

static void
heap_push(struct frame *f)
{
	unsigned int i = heap_n++;

	while (i > 0) {
		unsigned int p = (i - 1) / 2;

		if (!before(f, heap[p]))
			break;
		heap[i] = heap[p];
		i = p;
	}
	heap[i] = f;
}

static struct frame *
heap_pop(void)
{
	struct frame *top = heap[0], *last = heap[--heap_n];
	unsigned int i = 0;

	for (;;) {
		unsigned int l = 2 * i + 1, r = l + 1, m = i;
		const struct frame *mf = last;

		if (l < heap_n && before(heap[l], mf)) {
			m = l;
			mf = heap[l];
		}
		if (r < heap_n && before(heap[r], mf))
			m = r;
		if (m == i)
			break;
		heap[i] = heap[m];
		i = m;
	}
	if (heap_n > 0)
		heap[i] = last;
	return top;
}

/* --- frames ---------------------------------------------------------------- */

static struct frame *
frame_new(unsigned int dir, const uint8_t *data, uint32_t len)
{
	struct frame *f = malloc(sizeof(*f) + len);

	if (f == NULL)
		return NULL;
	f->dir = (uint8_t)dir;
	f->len = len;
	memcpy(f->data, data, len);
	return f;
}

static uint64_t
delay_ns(void)
{
	double ms = cfg.delay_ms;

	if (cfg.jitter_ms > 0)
		ms += cfg.jitter_ms * rnd01();
	return (uint64_t)(ms * 1e6);
}

static void
schedule(struct frame *f, uint64_t due)
{
	f->due_ns = due;
	f->order = order_next++;
	heap_push(f);
}

static void
send_frame(const struct frame *f)
{
	unsigned int out = f->dir ^ 1u;
	ssize_t n = send(fds[out], f->data, f->len, 0);

	if (n == (ssize_t)f->len)
		ctr[f->dir].forwarded++;
	else
		ctr[f->dir].tx_errors++;
}

/* Send every frame due by now. */
static void
flush_due(uint64_t now)
{
	while (heap_n > 0 && heap[0]->due_ns <= now) {
		struct frame *f = heap_pop();

		send_frame(f);
		free(f);
		queued--;
	}
}

/* Release held frames whose deadline passed. */
static void
expire_held(uint64_t now)
{
	unsigned int d, i;

	for (d = 0; d < 2; d++) {
		for (i = 0; i < held_n[d];) {
			if (held[d][i].deadline_ns <= now) {
				schedule(held[d][i].f, now);
				held[d][i] = held[d][--held_n[d]];
			} else {
				i++;
			}
		}
	}
}

/* A frame of direction d went on: count it against the held ones. */
static void
pass_held(unsigned int d, uint64_t now)
{
	unsigned int i;

	for (i = 0; i < held_n[d];) {
		if (--held[d][i].remaining == 0) {
			schedule(held[d][i].f, now + (cfg.delay_ms > 0 || cfg.jitter_ms > 0 ?
						      delay_ns() : 0));
			held[d][i] = held[d][--held_n[d]];
		} else {
			i++;
		}
	}
}

/* IPv4 or IPv6 TCP (no IPv6 extension headers looked through). */
static bool
is_tcp(const uint8_t *p, uint32_t len)
{
	uint32_t off = 12;
	uint16_t et;

	if (len < 14)
		return false;
	et = (uint16_t)(p[off] << 8 | p[off + 1]);
	while ((et == 0x8100 || et == 0x88a8) && len >= off + 6) {
		off += 4;
		et = (uint16_t)(p[off] << 8 | p[off + 1]);
	}
	off += 2;
	if (et == 0x0800)
		return len >= off + 20 && p[off + 9] == 6;
	if (et == 0x86dd)
		return len >= off + 40 && p[off + 6] == 6;
	return false;
}

static void
on_frame(unsigned int d, const uint8_t *data, uint32_t len, uint64_t now)
{
	struct dir_ctr *c = &ctr[d];
	struct frame *f, *f2;
	bool imp;

	c->seen++;
	imp = cfg.impair[d] && (!cfg.only_tcp || is_tcp(data, len));
	if (!imp) {
		/* Plain bridge, but behind anything already queued of this
		 * direction's unimpaired flow: same-time frames keep order. */
		if (queued >= cfg.max_queue) {
			c->overflow++;
			return;
		}
		f = frame_new(d, data, len);
		if (f == NULL) {
			c->overflow++;
			return;
		}
		queued++;
		schedule(f, now);
		return;
	}
	if (chance(cfg.loss)) {
		c->dropped++;
		return;
	}
	if (queued + 2 > cfg.max_queue) {
		c->overflow++;
		return;
	}
	f = frame_new(d, data, len);
	if (f == NULL) {
		c->overflow++;
		return;
	}
	queued++;
	if (chance(cfg.dup)) {
		f2 = frame_new(d, data, len);
		if (f2 != NULL) {
			queued++;
			c->duplicated++;
			schedule(f2, now + delay_ns());
		}
	}
	if (cfg.delay_ms > 0 || cfg.jitter_ms > 0)
		c->delayed++;
	if (held_n[d] < MAX_HELD && chance(cfg.reorder)) {
		struct held *h = &held[d][held_n[d]++];

		c->reordered++;
		h->f = f;
		h->remaining = 1 + (uint32_t)(rnd64() % cfg.reorder_k);
		h->deadline_ns = now + (uint64_t)(cfg.reorder_ms * 1e6);
		return;
	}
	schedule(f, now + delay_ns());
	pass_held(d, now);
}

/* --- sockets --------------------------------------------------------------- */

static int
open_sock(const char *ifname)
{
	struct sockaddr_ll sll;
	struct packet_mreq mr;
	int fd, one = 1, sz = 8 << 20;
	unsigned int idx = if_nametoindex(ifname);

	if (idx == 0) {
		fprintf(stderr, "tcp_relay: no interface %s: %s\n", ifname, strerror(errno));
		return -1;
	}
	/* Protocol 0: nothing is queued before bind() picks the interface. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "tcp_relay: socket(AF_PACKET): %s\n", strerror(errno));
		return -1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)idx;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "tcp_relay: bind %s: %s\n", ifname, strerror(errno));
		close(fd);
		return -1;
	}
	/* Our own transmissions are not read back (older kernels: recv skips
	 * PACKET_OUTGOING). */
	(void)setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = (int)idx;
	mr.mr_type = PACKET_MR_PROMISC;
	(void)setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	return fd;
}

/* Read what socket d holds (at most RX_BURST frames). */
static void
drain_sock(unsigned int d, uint8_t *buf, uint64_t now)
{
	int i;

	for (i = 0; i < RX_BURST; i++) {
		struct sockaddr_ll sll;
		socklen_t sl = sizeof(sll);
		ssize_t n = recvfrom(fds[d], buf, MAX_FRAME, MSG_TRUNC, (struct sockaddr *)&sll, &sl);

		if (n < 0)
			return; /* EAGAIN: all read; anything else: poll again */
		if (sll.sll_pkttype == PACKET_OUTGOING)
			continue;
		if ((size_t)n > MAX_FRAME) {
			ctr[d].seen++;
			ctr[d].oversize++;
			continue;
		}
		on_frame(d, buf, (uint32_t)n, now);
	}
}

/* --- options --------------------------------------------------------------- */

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: tcp_relay --a IFACE --b IFACE [options]\n"
		"  --loss P          drop P %% of impaired frames (default 0)\n"
		"  --dup P           duplicate P %% (default 0)\n"
		"  --reorder P       hold back P %% and send each after the next 1..K frames (default 0)\n"
		"  --reorder-k K     (default 3)\n"
		"  --reorder-ms MS   longest hold when no frame follows (default 20)\n"
		"  --delay MS        fixed delay (default 0)\n"
		"  --jitter MS       random extra delay 0..MS (default 0; reorders too)\n"
		"  --seed N          random seed (default 1)\n"
		"  --dir both|ab|ba  impaired direction(s) (default both; ab = a->b)\n"
		"  --only-tcp        impair only TCP over IPv4/IPv6\n"
		"  --seconds S       exit after S seconds (default 300)\n"
		"  --max-queue N     frames queued at most (default 65536)\n"
		"Counters on stdout at exit, on SIGTERM/SIGINT and on SIGUSR1.\n");
}

static int
num(const char *name, const char *v, double lo, double hi, double *out)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(v, &end);
	if (errno || end == v || *end != '\0' || x < lo || x > hi) {
		fprintf(stderr, "tcp_relay: %s: '%s' is not a number in %g..%g\n", name, v, lo, hi);
		return -1;
	}
	*out = x;
	return 0;
}

static int
parse(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "a", required_argument, NULL, 'a' },
		{ "b", required_argument, NULL, 'b' },
		{ "loss", required_argument, NULL, 'l' },
		{ "dup", required_argument, NULL, 'd' },
		{ "reorder", required_argument, NULL, 'r' },
		{ "reorder-k", required_argument, NULL, 'k' },
		{ "reorder-ms", required_argument, NULL, 'm' },
		{ "delay", required_argument, NULL, 'D' },
		{ "jitter", required_argument, NULL, 'j' },
		{ "seed", required_argument, NULL, 's' },
		{ "dir", required_argument, NULL, 'R' },
		{ "only-tcp", no_argument, NULL, 't' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "max-queue", required_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double x;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			cfg.ifname[0] = optarg;
			break;
		case 'b':
			cfg.ifname[1] = optarg;
			break;
		case 'l':
			if (num("--loss", optarg, 0, 100, &x))
				return -1;
			cfg.loss = x / 100;
			break;
		case 'd':
			if (num("--dup", optarg, 0, 100, &x))
				return -1;
			cfg.dup = x / 100;
			break;
		case 'r':
			if (num("--reorder", optarg, 0, 100, &x))
				return -1;
			cfg.reorder = x / 100;
			break;
		case 'k':
			if (num("--reorder-k", optarg, 1, 1000, &x))
				return -1;
			cfg.reorder_k = (unsigned int)x;
			break;
		case 'm':
			if (num("--reorder-ms", optarg, 0, 60000, &cfg.reorder_ms))
				return -1;
			break;
		case 'D':
			if (num("--delay", optarg, 0, 60000, &cfg.delay_ms))
				return -1;
			break;
		case 'j':
			if (num("--jitter", optarg, 0, 60000, &cfg.jitter_ms))
				return -1;
			break;
		case 's': {
			char *end;

			errno = 0;
			cfg.seed = strtoull(optarg, &end, 0);
			if (errno || end == optarg || *end) {
				fprintf(stderr, "tcp_relay: --seed: '%s' is not a number\n", optarg);
				return -1;
			}
			break;
		}
		case 'R':
			if (strcmp(optarg, "both") == 0) {
				cfg.impair[0] = cfg.impair[1] = true;
			} else if (strcmp(optarg, "ab") == 0) {
				cfg.impair[0] = true;
				cfg.impair[1] = false;
			} else if (strcmp(optarg, "ba") == 0) {
				cfg.impair[0] = false;
				cfg.impair[1] = true;
			} else {
				fprintf(stderr, "tcp_relay: --dir: '%s' is not both, ab or ba\n", optarg);
				return -1;
			}
			break;
		case 't':
			cfg.only_tcp = true;
			break;
		case 'S':
			if (num("--seconds", optarg, 0.1, 86400, &cfg.seconds))
				return -1;
			break;
		case 'q':
			if (num("--max-queue", optarg, 16, 1 << 22, &x))
				return -1;
			cfg.max_queue = (unsigned int)x;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc || cfg.ifname[0] == NULL || cfg.ifname[1] == NULL) {
		fprintf(stderr, "tcp_relay: --a IFACE and --b IFACE are required (and nothing else)\n");
		usage(stderr);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	static uint8_t buf[MAX_FRAME];
	uint64_t t0, end, seed;
	unsigned int d, i;

	if (parse(argc, argv) < 0)
		return 2;
	seed = cfg.seed;
	rng_state = splitmix(&seed) | 1;
	heap = calloc(cfg.max_queue + 2, sizeof(*heap));
	if (heap == NULL) {
		fprintf(stderr, "tcp_relay: out of memory\n");
		return 2;
	}
	for (d = 0; d < 2; d++) {
		fds[d] = open_sock(cfg.ifname[d]);
		if (fds[d] < 0)
			return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);

	printf("relay: a=%s b=%s loss=%.2f%% dup=%.2f%% reorder=%.2f%% (after 1..%u frames or %.1f ms)"
	       " delay=%.1f+0..%.1f ms seed=%" PRIu64 " dir=%s only_tcp=%d seconds=%.1f max_queue=%u\n",
	       cfg.ifname[0], cfg.ifname[1], cfg.loss * 100, cfg.dup * 100, cfg.reorder * 100,
	       cfg.reorder_k, cfg.reorder_ms, cfg.delay_ms, cfg.jitter_ms, cfg.seed,
	       cfg.impair[0] && cfg.impair[1] ? "both" : cfg.impair[0] ? "ab" : "ba",
	       cfg.only_tcp, cfg.seconds, cfg.max_queue);
	printf("relay: ready\n");
	fflush(stdout);

	t0 = now_ns();
	end = t0 + (uint64_t)(cfg.seconds * 1e9);
	while (!stop_sig) {
		struct pollfd pfd[2] = {
			{ .fd = fds[0], .events = POLLIN },
			{ .fd = fds[1], .events = POLLIN },
		};
		uint64_t now = now_ns(), next = end;
		struct timespec ts;
		int rc;

		if (dump_req) {
			dump_req = 0;
			print_counters(stdout);
		}
		if (now >= end)
			break;
		expire_held(now);
		flush_due(now);
		if (heap_n > 0 && heap[0]->due_ns < next)
			next = heap[0]->due_ns;
		for (d = 0; d < 2; d++)
			for (i = 0; i < held_n[d]; i++)
				if (held[d][i].deadline_ns < next)
					next = held[d][i].deadline_ns;
		next = next > now ? next - now : 0;
		ts.tv_sec = (time_t)(next / 1000000000ull);
		ts.tv_nsec = (long)(next % 1000000000ull);
		rc = ppoll(pfd, 2, &ts, NULL);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "tcp_relay: poll: %s\n", strerror(errno));
			break;
		}
		now = now_ns();
		for (d = 0; d < 2; d++) {
			if (pfd[d].revents & POLLERR) {
				int err = 0;
				socklen_t el = sizeof(err);

				/* Clears it (e.g. ENETDOWN while a link flaps). */
				(void)getsockopt(fds[d], SOL_SOCKET, SO_ERROR, &err, &el);
			}
			if (pfd[d].revents & POLLNVAL) {
				fprintf(stderr, "tcp_relay: socket on %s closed\n", cfg.ifname[d]);
				stop_sig = -1;
			}
			if (pfd[d].revents & POLLIN)
				drain_sock(d, buf, now);
		}
		flush_due(now_ns());
	}

	/* Frames still queued are not sent: count them. */
	while (heap_n > 0) {
		struct frame *f = heap_pop();

		ctr[f->dir].pending++;
		free(f);
	}
	for (d = 0; d < 2; d++) {
		for (i = 0; i < held_n[d]; i++) {
			ctr[d].pending++;
			free(held[d][i].f);
		}
		held_n[d] = 0;
	}
	print_counters(stdout);
	printf("relay: exit after %.1f s (%s)\n", (double)(now_ns() - t0) / 1e9,
	       stop_sig > 0 ? strsignal(stop_sig) : stop_sig < 0 ? "socket error" : "--seconds reached");
	fflush(stdout);
	close(fds[0]);
	close(fds[1]);
	free(heap);
	return stop_sig < 0 ? 1 : 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sl-kafka-mock: librdkafka's mock cluster (rdkafka_mock.h) as a process,
 * for the test scripts.
 *
 *   sl-kafka-mock [--brokers N] [--partitions P] [--topic NAME[:P]]...
 *                 [--rtt MS]
 *
 * Prints one line "bootstrap=HOST:PORT[,...]" on stdout once the brokers
 * listen, then runs until SIGTERM or SIGINT (exit 0). SIGUSR1 takes every
 * broker down (listener closed, connections dropped), SIGUSR2 brings them
 * back on the same ports; each change is logged on stderr. The handlers
 * only set a flag: the main loop applies the last request every 10 ms (a
 * down and an up inside one tick leave the brokers up).
 *
 * Topics: the --topic ones are created with P partitions (default
 * --partitions). A topic that a client creates by asking for it (a producer's
 * metadata request: allow.auto.create.topics is true for producers, false
 * for consumers) gets the mock's built-in default of 4 partitions whatever
 * --partitions says: librdkafka 2.0.2 sets that default when the cluster is
 * created and has no call to change it. So a test that needs another count
 * names its topics with --topic.
 *
 * What the 2.0.2 mock does not do like a broker (read in its source, seen
 * here): it keeps at most 5 MiB or 100,000 produce requests' batches per
 * partition and drops the oldest beyond that (a request that crosses the
 * limit can move the log start past itself: a 2-message partition of
 * 2.7 MB values read back empty); it has no message size limit of its own
 * (the producer's message.max.bytes is the only one); an idempotent producer
 * is accepted but its sequence numbers are only checked for transactional
 * producers, so a produce request retried after a lost response (brokers
 * down while one is in flight, easiest with --rtt) is stored twice; a fetch
 * returns at most one produce batch per partition and, when there is nothing
 * new, waits the whole fetch.wait.max.ms (a --from-beginning snapshot takes
 * at least that long to see each partition's end).
 *
 * Exit: 0 after SIGTERM/SIGINT; 1 the cluster could not be made; 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define DEF_BROKERS 1
#define DEF_PARTITIONS 4
#define MAX_BROKERS 32
#define MAX_PARTITIONS 10000
#define MAX_RTT_MS 60000
#define TICK_NS 10000000L

/* What the signal handlers ask for; the main loop acts. */
enum want { WANT_NONE, WANT_DOWN, WANT_UP };

static volatile sig_atomic_t stop;
static volatile sig_atomic_t want = WANT_NONE;

static void
on_stop(int sig)
{
	stop = 1;
}

static void
on_usr(int sig)
{
	want = sig == SIGUSR1 ? WANT_DOWN : WANT_UP;
}

struct topic {
	const char *name;      /* points into argv (the ':' cut off) */
	int partitions;
};

static void
usage(FILE *f)
{
	fputs("usage: sl-kafka-mock [--brokers N] [--partitions P] [--topic NAME[:P]]...\n"
	      "                     [--rtt MS]\n"
	      "  --brokers N      brokers, 1-32 (default 1)\n"
	      "  --partitions P   partitions of each --topic without its own :P (default 4);\n"
	      "                   topics created on first use always get the mock's 4\n"
	      "  --topic NAME[:P] create this topic (repeatable)\n"
	      "  --rtt MS         round-trip time of every broker, 0-60000 ms (default 0)\n"
	      "Prints \"bootstrap=HOST:PORT,...\"; runs until SIGTERM/SIGINT.\n"
	      "SIGUSR1: all brokers down; SIGUSR2: all brokers up.\n", f);
}

/* A decimal in [lo, hi]. @return 0 or -1. */
static int
parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* Set every broker up or down. @return 0 or -1 (reported). */
static int
set_brokers(rd_kafka_mock_cluster_t *mc, int nbrokers, int up)
{
	rd_kafka_resp_err_t err;
	int id;

	/* Broker ids are 1..N (rdkafka_mock.h). */
	for (id = 1; id <= nbrokers; id++) {
		err = up ? rd_kafka_mock_broker_set_up(mc, id) :
			rd_kafka_mock_broker_set_down(mc, id);
		if (err) {
			fprintf(stderr, "sl-kafka-mock: broker %d %s: %s\n", id,
				up ? "up" : "down", rd_kafka_err2str(err));
			return -1;
		}
	}
	fprintf(stderr, "sl-kafka-mock: brokers %s\n", up ? "up" : "down");
	return 0;
}

static int
set_rtt(rd_kafka_mock_cluster_t *mc, int nbrokers, int rtt_ms)
{
	rd_kafka_resp_err_t err;
	int id;

	for (id = 1; id <= nbrokers; id++) {
		err = rd_kafka_mock_broker_set_rtt(mc, id, rtt_ms);
		if (err) {
			fprintf(stderr, "sl-kafka-mock: broker %d rtt: %s\n", id,
				rd_kafka_err2str(err));
			return -1;
		}
	}
	return 0;
}

/* The mock's own log lines (broker up/down, connections) go to stderr. */
static void
on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	fprintf(stderr, "sl-kafka-mock: rdkafka %s: %s\n", fac, buf);
}

static int
run(int nbrokers, const struct topic *topics, int ntopics, int rtt_ms)
{
	rd_kafka_mock_cluster_t *mc = NULL;
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk = NULL;
	struct timespec tick = { 0, TICK_NS };
	char err[256];
	int i, up = 1, rc = 1;

	/*
	 * The cluster needs a client handle for its bookkeeping; this producer
	 * never produces. Without bootstrap.servers it would warn about it, so
	 * its log level only lets errors through.
	 */
	conf = rd_kafka_conf_new();
	rd_kafka_conf_set_log_cb(conf, on_log);
	if (rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err)) != RD_KAFKA_CONF_OK) {
		fprintf(stderr, "sl-kafka-mock: %s\n", err);
		rd_kafka_conf_destroy(conf);
		return 1;
	}
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (rk == NULL) {
		fprintf(stderr, "sl-kafka-mock: cannot create a client handle: %s\n", err);
		rd_kafka_conf_destroy(conf);
		return 1;
	}
	mc = rd_kafka_mock_cluster_new(rk, nbrokers);
	if (mc == NULL) {
		fprintf(stderr, "sl-kafka-mock: cannot create the mock cluster\n");
		goto out;
	}
	for (i = 0; i < ntopics; i++) {
		rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, topics[i].name,
			topics[i].partitions, nbrokers < 3 ? nbrokers : 3);

		if (e) {
			fprintf(stderr, "sl-kafka-mock: topic %s: %s\n", topics[i].name,
				rd_kafka_err2str(e));
			goto out;
		}
	}
	if (rtt_ms > 0 && set_rtt(mc, nbrokers, rtt_ms) != 0)
		goto out;
	printf("bootstrap=%s\n", rd_kafka_mock_cluster_bootstraps(mc));
	if (fflush(stdout) != 0) {
		fprintf(stderr, "sl-kafka-mock: stdout: %s\n", strerror(errno));
		goto out;
	}
	while (!stop) {
		enum want w = (enum want)want;

		if (w == WANT_DOWN && up) {
			if (set_brokers(mc, nbrokers, 0) == 0)
				up = 0;
		} else if (w == WANT_UP && !up) {
			if (set_brokers(mc, nbrokers, 1) == 0)
				up = 1;
		}
		rd_kafka_poll(rk, 0);
		nanosleep(&tick, NULL);
	}
	rc = 0;
out:
	if (mc)
		rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "brokers", required_argument, NULL, 'b' },
		{ "partitions", required_argument, NULL, 'p' },
		{ "topic", required_argument, NULL, 't' },
		{ "rtt", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int nbrokers = DEF_BROKERS, partitions = DEF_PARTITIONS, rtt_ms = 0;
	int ntopics = 0, i, c, rc;
	struct sigaction sa;
	struct topic *topics;

	/* At most one topic per argument. */
	topics = calloc((size_t)argc, sizeof(*topics));
	if (topics == NULL) {
		fprintf(stderr, "sl-kafka-mock: out of memory\n");
		return 1;
	}
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *colon;

		switch (c) {
		case 'b':
			if (parse_int(optarg, 1, MAX_BROKERS, &nbrokers) != 0) {
				fprintf(stderr, "sl-kafka-mock: --brokers: '%s' is not 1-%d\n",
					optarg, MAX_BROKERS);
				goto usage_err;
			}
			break;
		case 'p':
			if (parse_int(optarg, 1, MAX_PARTITIONS, &partitions) != 0) {
				fprintf(stderr, "sl-kafka-mock: --partitions: '%s' is not 1-%d\n",
					optarg, MAX_PARTITIONS);
				goto usage_err;
			}
			break;
		case 't':
			colon = strrchr(optarg, ':');
			topics[ntopics].name = optarg;
			topics[ntopics].partitions = 0;   /* --partitions, later */
			if (colon) {
				*colon = '\0';
				if (parse_int(colon + 1, 1, MAX_PARTITIONS,
					      &topics[ntopics].partitions) != 0) {
					fprintf(stderr, "sl-kafka-mock: --topic: '%s' is not 1-%d partitions\n",
						colon + 1, MAX_PARTITIONS);
					goto usage_err;
				}
			}
			if (optarg[0] == '\0') {
				fprintf(stderr, "sl-kafka-mock: --topic: empty topic name\n");
				goto usage_err;
			}
			ntopics++;
			break;
		case 'r':
			if (parse_int(optarg, 0, MAX_RTT_MS, &rtt_ms) != 0) {
				fprintf(stderr, "sl-kafka-mock: --rtt: '%s' is not 0-%d ms\n",
					optarg, MAX_RTT_MS);
				goto usage_err;
			}
			break;
		case 'h':
			usage(stdout);
			free(topics);
			return 0;
		default:
			goto usage_err;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sl-kafka-mock: unexpected argument '%s'\n", argv[optind]);
		goto usage_err;
	}
	for (i = 0; i < ntopics; i++)
		if (topics[i].partitions == 0)
			topics[i].partitions = partitions;
	if (partitions != DEF_PARTITIONS)
		fprintf(stderr, "sl-kafka-mock: note: topics created on first use get 4 partitions "
			"(librdkafka's mock default), not %d: name them with --topic\n", partitions);

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_usr;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = run(nbrokers, topics, ntopics, rtt_ms);
	free(topics);
	return rc;

usage_err:
	usage(stderr);
	free(topics);
	return 2;
}

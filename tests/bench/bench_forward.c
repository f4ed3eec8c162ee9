/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_forward: the Kafka forwarder alone, on a backlog of segments.
 *
 *   bench_forward OUT BOOTSTRAP INFLIGHT [KEY=VALUE...]
 *
 * OUT is a sluice --out tree (filled by sluice, see bench_kafka.sh); every
 * tenant/stream/shard-NN directory becomes a source, its store "published"
 * as closed with every record written (nothing is being written: the whole
 * tree is a backlog). The forwarder ships it all to BOOTSTRAP (any Kafka;
 * the bench uses sl-kafka-mock in its own process), from a fresh
 * checkpoint; KEY=VALUE are librdkafka properties (as --kafka-opt).
 * Prints one line:
 *
 *   batches=N records=N bytes=N seconds=S cpu_fwd=S
 *
 * seconds: from the start of the forwarder's thread until Kafka has
 * acknowledged every record and the checkpoint holds it; cpu_fwd: CPU time
 * of this process's threads meanwhile (the forwarder's, librdkafka's),
 * which is all that runs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_log.h>

#include "sl_forward.h"
#include "sl_segment.h"

#define MAX_SRC 1024

static struct sl_store_pub pubs[MAX_SRC] __attribute__((aligned(64)));
static struct sl_fwd_src_params src[MAX_SRC];
static char names[MAX_SRC][2][64];

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double
cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		(double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* The seq after the last record of the segments in @p dir. */
static uint64_t
end_seq(const char *dir)   /* dir: at most 3072 bytes */
{
	uint64_t end = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		struct sl_seg_trailer t;
		char path[4096 + 512];
		struct stat st;
		int fd;

		if (strstr(de->d_name, ".zst") == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && sl_seg_read_trailer(fd, (uint64_t)st.st_size, &t) == 1 &&
		    t.first_seq + t.nrec > end)
			end = t.first_seq + t.nrec;
		close(fd);
	}
	closedir(d);
	return end;
}

/* Every OUT/tenant/stream/shard-NN. @return sources found. */
static unsigned int
find_sources(const char *root)
{
	unsigned int n = 0;
	struct dirent *a, *b, *c;
	char p1[1024], p2[2048], p3[3072];
	DIR *da = opendir(root), *db, *dc;

	while (da != NULL && (a = readdir(da)) != NULL) {
		if (a->d_name[0] == '.' || !sl_seg_name_ok(a->d_name))
			continue;
		snprintf(p1, sizeof(p1), "%s/%s", root, a->d_name);
		db = opendir(p1);
		while (db != NULL && (b = readdir(db)) != NULL) {
			if (b->d_name[0] == '.' || !sl_seg_name_ok(b->d_name))
				continue;
			snprintf(p2, sizeof(p2), "%s/%s", p1, b->d_name);
			dc = opendir(p2);
			while (dc != NULL && (c = readdir(dc)) != NULL && n < MAX_SRC) {
				if (strncmp(c->d_name, "shard-", 6) != 0)
					continue;
				snprintf(p3, sizeof(p3), "%s/%s", p2, c->d_name);
				if (strlen(a->d_name) >= 64 || strlen(b->d_name) >= 64)
					continue;
				memcpy(names[n][0], a->d_name, strlen(a->d_name) + 1);
				memcpy(names[n][1], b->d_name, strlen(b->d_name) + 1);
				src[n].tenant = names[n][0];
				src[n].stream = names[n][1];
				src[n].shard = (uint16_t)atoi(c->d_name + 6);
				src[n].pub = &pubs[n];
				pubs[n].seg = UINT64_MAX;
				pubs[n].prev_seg = UINT64_MAX;
				pubs[n].next_seq = end_seq(p3);
				n++;
			}
			if (dc)
				closedir(dc);
		}
		if (db)
			closedir(db);
	}
	if (da)
		closedir(da);
	return n;
}

int
main(int argc, char **argv)
{
	struct sl_fwd_params p = { 0 };
	uint64_t batches = 0, records = 0, bytes = 0;
	double t0, t1, c0, c1;
	char err[512], path[PATH_MAX];
	struct sl_fwd *f;
	unsigned int n, i;
	pthread_t t;

	if (argc < 4) {
		fprintf(stderr, "usage: bench_forward OUT BOOTSTRAP INFLIGHT [KEY=VALUE...]\n");
		return 2;
	}
	rte_log_set_global_level(RTE_LOG_WARNING);
	n = find_sources(argv[1]);
	if (n == 0) {
		fprintf(stderr, "bench_forward: no shard directory under %s\n", argv[1]);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/.kafka-checkpoint", argv[1]);
	unlink(path);
	p.root = argv[1];
	p.bootstrap = argv[2];
	p.topic = "bench.{tenant}.{stream}";
	p.node = "bench";
	p.inflight = (unsigned int)atoi(argv[3]);
	p.max_inflight_bytes = 256ull << 20;
	p.max_frame = 8u << 20;
	p.src = src;
	p.n_src = n;
	p.opts = (const char *const *)&argv[4];
	p.n_opts = (unsigned int)(argc - 4);
	f = sl_fwd_create(&p, err, sizeof(err));
	if (f == NULL) {
		fprintf(stderr, "bench_forward: %s\n", err);
		return 1;
	}
	c0 = cpu_s();
	t0 = now_s();
	if (pthread_create(&t, NULL, sl_fwd_run, f) != 0)
		return 1;
	pthread_setname_np(t, "sl-fwd");
	for (;;) {
		struct timespec ts = { 0, 1000000 };
		unsigned int done = 0;

		for (i = 0; i < n; i++)
			done += sl_fwd_gate_acked(sl_fwd_gate(f, src[i].tenant, src[i].stream,
							       src[i].shard)) >= pubs[i].next_seq;
		if (done == n)
			break;
		if (now_s() - t0 > 600) {
			fprintf(stderr, "bench_forward: not done after 600 s\n");
			return 1;
		}
		nanosleep(&ts, NULL);
	}
	t1 = now_s();
	c1 = cpu_s();
	sl_fwd_stop(f, 0);
	pthread_join(t, NULL);
	for (i = 0; i < n; i++) {
		struct sl_ctr_set s = sl_fwd_src_counters(f, i, NULL, NULL, NULL);

		batches += s.val[SL_FWD_batches];
		records += s.val[SL_FWD_records];
		bytes += s.val[SL_FWD_bytes];
	}
	sl_fwd_free(f);
	printf("sources=%u batches=%" PRIu64 " records=%" PRIu64 " bytes=%" PRIu64
	       " seconds=%.3f cpu_fwd=%.3f\n", n, batches, records, bytes, t1 - t0, c1 - c0);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Retention: the segments under --out stay below a byte budget; the oldest
 * sealed ones go first. Control plane only (sl_retain.h has the rules and
 * the cost of a poll).
 *
 * State: the directory tree (root, tenants, streams, shard directories)
 * with each directory's mtime at its last listing; per shard directory its
 * newest segment ("top", never deleted); a min-heap of the deletable
 * segments (sealed, not a top) ordered by age; a short "watch" list of
 * older segments whose trailer did not verify yet (a seal still being
 * written, or a failed one), re-checked at every poll.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>
#include <rte_errno.h>

#include "sl_common.h"
#include "sl_retain.h"
#include "sl_segment.h"

RTE_LOG_REGISTER(sl_retain_logtype, sluice.retain, NOTICE);
#define RETAIN_LOG(level, ...) SL_LOG(sl_retain_logtype, level, "retain", __VA_ARGS__)

#define DEF_INTERVAL_MS 1000
/* A poll stops deleting after this long (the control lcore may carry a
 * writer); the rest follows at the next poll, without waiting. */
#define DEF_MAX_WORK_US 2000
/* A directory listed less than this after its mtime may have changed again
 * within the same timestamp tick: list it again at the next poll. */
#define RACY_NS 2000000000ull
/* ROOT/<tenant>/<stream>/shard-NN */
#define SHARD_DEPTH 3
/* Deletions in flight through io_uring at most. */
#define INFLIGHT 32
#define SEG_PATH_MAX (4096 + 32)

struct rdir {
	char *path;
	unsigned int depth;        /* 0 root .. SHARD_DEPTH */
	struct timespec mtime;     /* at the last listing */
	int listed, racy, gone, warned;
	int have_top;              /* shard directory with a segment */
	uint64_t top_seq;          /* its newest segment */
	uint64_t top_bytes;
	int top_ok;                /* the newest is there: older ones may go */
	struct sl_fwd_gate *gate;  /* --kafka: forwarding state, NULL: none */
};

struct rseg {
	uint32_t dir;
	uint64_t seq;
	uint64_t bytes;
	uint64_t key_ns;           /* age: max rx_ns, or mtime */
	uint64_t min_ns, max_ns;   /* from the trailer; min > max: no records */
	uint64_t nrec;             /* from the trailer */
	int unfwd;                 /* trim(): held because Kafka lacks it */
};

struct sl_retain {
	uint64_t ctr[SL_RETAIN_NB_CTR];
	uint64_t budget, interval_ms, next_ms;
	unsigned int max_deletes;  /* 0: no count limit */
	uint64_t max_work_ns;
	int backlog, over, over_now;
	int measure_only;
	struct sl_fwd_gate *(*fwd_gate)(void *, const char *, const char *, unsigned int);
	void *fwd_arg;
	struct rdir *dirs;
	uint32_t ndirs, dirs_cap;
	struct rseg *heap;         /* sealed, deletable: min-heap on age */
	uint32_t nheap, heap_cap;
	uint64_t heap_bytes;
	struct rseg *watch;        /* older but not (yet) sealed */
	uint32_t nwatch, watch_cap;
	struct rseg *held;         /* trim(): set aside for this poll */
	uint32_t held_cap;
	uint64_t stuck_bytes;      /* deletion failed: still on the disk */
	uint64_t nstuck;
	char path[SEG_PATH_MAX];

	/* unlink() can take milliseconds (ext4 frees the extents in the
	 * journal) and the main lcore may carry a writer: deletions go
	 * through io_uring (IORING_OP_UNLINKAT, run by the kernel's workers)
	 * and are reaped at the next poll. Without io_uring: inline. */
	struct io_uring ring;
	int ring_ok;
	unsigned int inflight;
	struct {
		struct rseg s;
		int busy;
		char path[SEG_PATH_MAX];
	} slot[INFLIGHT];
};

static const struct sl_ctr_desc retain_ctr_desc[] = {
	SL_RETAIN_COUNTERS(SL_CTR_DESC)
};

static int
grow(void **arr, uint32_t *cap, uint32_t n, size_t elt)
{
	uint32_t c = *cap ? *cap * 2 : 16;
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*arr, (size_t)c * elt);
	if (p == NULL)
		return -ENOMEM;
	*arr = p;
	*cap = c;
	return 0;
}

static uint64_t
ts_ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000ull + (uint64_t)t->tv_nsec;
}

static const char *
seg_path(struct sl_retain *r, uint32_t dir, uint64_t seq)
{
	snprintf(r->path, sizeof(r->path), "%s/%020" PRIu64 ".zst",
		 r->dirs[dir].path, seq);
	return r->path;
}

/* Heap order: older first; ties by directory, then sequence. */
static int
older(const struct rseg *a, const struct rseg *b)
{
	if (a->key_ns != b->key_ns)
		return a->key_ns < b->key_ns;
	if (a->dir != b->dir)
		return a->dir < b->dir;
	return a->seq < b->seq;
}

static int
heap_push(struct sl_retain *r, const struct rseg *s)
{
	uint32_t i;

	if (grow((void **)&r->heap, &r->heap_cap, r->nheap, sizeof(*s)))
		return -ENOMEM;
	i = r->nheap++;
	while (i > 0 && older(s, &r->heap[(i - 1) / 2])) {
		r->heap[i] = r->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	r->heap[i] = *s;
	r->heap_bytes += s->bytes;
	return 0;
}

static struct rseg
heap_pop(struct sl_retain *r)
{
	struct rseg top = r->heap[0], last = r->heap[--r->nheap];
	uint32_t i = 0;

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= r->nheap)
			break;
		if (c + 1 < r->nheap && older(&r->heap[c + 1], &r->heap[c]))
			c++;
		if (!older(&r->heap[c], &last))
			break;
		r->heap[i] = r->heap[c];
		i = c;
	}
	if (r->nheap)
		r->heap[i] = last;
	r->heap_bytes -= top.bytes;
	return top;
}

/*
 * Look at segment @p s (dir, seq set): size, and whether it is sealed.
 * @return 1 sealed (s filled), 0 not sealed (bytes filled), -errno.
 */
static int
seg_inspect(struct sl_retain *r, struct rseg *s)
{
	struct sl_seg_trailer t;
	struct stat st;
	int fd, rc;

	fd = open(seg_path(r, s->dir, s->seq), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	s->bytes = (uint64_t)st.st_blocks * 512;
	s->key_ns = ts_ns(&st.st_mtim);
	s->min_ns = UINT64_MAX;
	s->max_ns = 0;
	rc = sl_seg_read_trailer(fd, (uint64_t)st.st_size, &t);
	close(fd);
	s->nrec = rc == 1 ? t.nrec : 0;
	if (rc == 1 && t.nrec > 0 && t.min_ns <= t.max_ns) {
		s->min_ns = t.min_ns;
		s->max_ns = t.max_ns;
		s->key_ns = t.max_ns;
	}
	return rc;
}

/* A segment that is no longer the newest of its directory. */
static int
seg_retire(struct sl_retain *r, uint32_t dir, uint64_t seq)
{
	struct rseg s = { .dir = dir, .seq = seq };
	int rc = seg_inspect(r, &s);

	if (rc == -ENOENT)
		return 0;
	if (rc == 1)
		return heap_push(r, &s);
	if (grow((void **)&r->watch, &r->watch_cap, r->nwatch, sizeof(s)))
		return -ENOMEM;
	r->watch[r->nwatch++] = s;
	return 0;
}

/* The forwarding gate of shard directory @p path (.../tenant/stream/shard-NN). */
static struct sl_fwd_gate *
shard_gate(struct sl_retain *r, const char *path)
{
	char buf[SEG_PATH_MAX], *sh, *st, *te;
	unsigned int shard;
	char *end;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return NULL;
	sh = strrchr(buf, '/');
	if (sh == NULL || sh == buf)
		return NULL;
	*sh++ = '\0';
	st = strrchr(buf, '/');
	if (st == NULL || st == buf)
		return NULL;
	*st++ = '\0';
	te = strrchr(buf, '/');
	te = te == NULL ? buf : te + 1;
	if (strncmp(sh, "shard-", 6) != 0)
		return NULL;
	shard = (unsigned int)strtoul(sh + 6, &end, 10);
	if (*end != '\0' || end == sh + 6)
		return NULL;
	return r->fwd_gate(r->fwd_arg, te, st, shard);
}

static int
dir_add(struct sl_retain *r, const char *path, unsigned int depth)
{
	struct rdir *d;
	uint32_t i;

	for (i = 0; i < r->ndirs; i++)
		if (strcmp(r->dirs[i].path, path) == 0) {
			r->dirs[i].gone = 0;
			return 0;
		}
	if (grow((void **)&r->dirs, &r->dirs_cap, r->ndirs, sizeof(*d)))
		return -ENOMEM;
	d = &r->dirs[r->ndirs];
	memset(d, 0, sizeof(*d));
	d->path = strdup(path);
	if (d->path == NULL)
		return -ENOMEM;
	d->depth = depth;
	r->ndirs++;
	if (depth == SHARD_DEPTH && r->fwd_gate != NULL)
		d->gate = shard_gate(r, path);
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Shard directory: take the names above the newest known one. */
static int
list_shard(struct sl_retain *r, uint32_t di, DIR *dir)
{
	uint64_t *seqs = NULL, seq;
	uint32_t n = 0, cap = 0, i;
	struct dirent *e;
	int rc = 0;

	while ((e = readdir(dir)) != NULL) {
		if (!sl_seg_file_seq(e->d_name, &seq) ||
		    (r->dirs[di].have_top && seq <= r->dirs[di].top_seq))
			continue;
		if (grow((void **)&seqs, &cap, n, sizeof(*seqs))) {
			free(seqs);
			return -ENOMEM;
		}
		seqs[n++] = seq;
	}
	if (n > 1) /* qsort(NULL, 0) is undefined */
		qsort(seqs, n, sizeof(*seqs), cmp_u64);
	for (i = 0; i < n && rc == 0; i++) {
		struct rdir *d = &r->dirs[di];

		if (d->have_top)
			rc = seg_retire(r, di, d->top_seq);
		d->have_top = 1;
		d->top_seq = seqs[i];
		d->top_bytes = 0;
	}
	free(seqs);
	return rc;
}

/* Tenant or stream directory (or the root): take new subdirectories. */
static int
list_parent(struct sl_retain *r, uint32_t di, DIR *dir)
{
	unsigned int depth = r->dirs[di].depth + 1;
	struct dirent *e;
	struct stat st;
	char sub[4096];
	int rc = 0;

	while (rc == 0 && (e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.' ||   /* .rules-cache, ... */
		    (depth == SHARD_DEPTH ? strncmp(e->d_name, "shard-", 6) != 0 :
		     !sl_seg_name_ok(e->d_name)))
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", r->dirs[di].path,
			     e->d_name) >= (int)sizeof(sub))
			continue;
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			rc = dir_add(r, sub, depth);
	}
	return rc;
}

/* Measure-only: forget what is known of shard directory @p di, to take it
 * whole from its new listing. Segments deleted by others (--retain, an
 * operator) then leave the usage too. The heap is only a list here: a
 * measure-only handle never pops it. */
static void
forget_dir(struct sl_retain *r, uint32_t di)
{
	uint32_t i, k;

	for (i = k = 0; i < r->nheap; i++)
		if (r->heap[i].dir == di)
			r->heap_bytes -= r->heap[i].bytes;
		else
			r->heap[k++] = r->heap[i];
	r->nheap = k;
	for (i = k = 0; i < r->nwatch; i++)
		if (r->watch[i].dir != di)
			r->watch[k++] = r->watch[i];
	r->nwatch = k;
	r->dirs[di].have_top = 0;
	r->dirs[di].top_bytes = 0;
}

/* Stat directory @p di; list it when it changed. */
static int
dir_refresh(struct sl_retain *r, uint32_t di, uint64_t wall_ns)
{
	struct rdir *d = &r->dirs[di];
	struct stat st;
	DIR *dir;
	int rc;

	if (stat(d->path, &st) != 0) {
		d->gone = 1;
		d->listed = 0;
		return errno == ENOENT ? 0 : -errno;
	}
	d->gone = 0;
	if (d->listed && !d->racy && st.st_mtim.tv_sec == d->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == d->mtime.tv_nsec)
		return 0;
	dir = opendir(d->path);
	if (dir == NULL)
		return -errno;
	r->ctr[SL_RETAIN_dir_listings]++;
	if (r->measure_only && d->depth == SHARD_DEPTH)
		forget_dir(r, di);
	rc = d->depth == SHARD_DEPTH ? list_shard(r, di, dir) : list_parent(r, di, dir);
	closedir(dir);
	d = &r->dirs[di];          /* list_parent may have moved the array */
	d->mtime = st.st_mtim;
	d->listed = rc == 0;
	d->racy = wall_ns < ts_ns(&st.st_mtim) + RACY_NS;
	return rc;
}

/* Pick up what changed: directories, the tops' sizes, the watch list. */
static int
refresh(struct sl_retain *r)
{
	struct timespec now;
	uint32_t i;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &now);
	/* New directories are appended and visited in the same pass. */
	for (i = 0; i < r->ndirs; i++) {
		int e = dir_refresh(r, i, ts_ns(&now));

		if (e && !r->dirs[i].warned)   /* once, not every second */
			RETAIN_LOG(WARNING, "%s: %s\n", r->dirs[i].path, strerror(-e));
		r->dirs[i].warned = e != 0;
		if (e && rc == 0)
			rc = e;
	}
	for (i = 0; i < r->ndirs; i++) {
		struct rdir *d = &r->dirs[i];
		struct stat st;

		if (!d->have_top)
			continue;
		d->top_ok = !d->gone && stat(seg_path(r, i, d->top_seq), &st) == 0;
		d->top_bytes = d->top_ok ? (uint64_t)st.st_blocks * 512 : 0;
	}
	for (i = 0; i < r->nwatch; ) {
		struct rseg *s = &r->watch[i];
		int sealed = seg_inspect(r, s);

		if (sealed == 1 && heap_push(r, s) != 0)
			return -ENOMEM;
		if (sealed == 1 || sealed == -ENOENT)
			*s = r->watch[--r->nwatch];
		else
			i++;
	}
	return rc;
}

static uint64_t
usage(const struct sl_retain *r, uint64_t *nseg)
{
	uint64_t u = r->heap_bytes + r->stuck_bytes, n = r->nheap + r->nwatch + r->nstuck;
	uint32_t i;

	for (i = 0; i < r->nwatch; i++)
		u += r->watch[i].bytes;
	for (i = 0; i < r->ndirs; i++)
		if (r->dirs[i].have_top && r->dirs[i].top_ok) {
			u += r->dirs[i].top_bytes;
			n++;
		}
	*nseg = n;
	return u;
}

static void
fmt_ns(uint64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned int)(ns % 1000000000ull / 1000000));
}

/* A deletion is done (@p err: 0 or -errno); its bytes already left usage. */
static void
deleted(struct sl_retain *r, const struct rseg *s, const char *path, int err)
{
	char a[64], b[64];

	if (err == -ENOENT)     /* gone already: someone else deleted it */
		return;
	if (err) {
		RETAIN_LOG(ERR, "cannot delete %s: %s\n", path, strerror(-err));
		r->ctr[SL_RETAIN_delete_errors]++;
		r->stuck_bytes += s->bytes;
		r->nstuck++;
		return;
	}
	r->ctr[SL_RETAIN_segments_deleted]++;
	r->ctr[SL_RETAIN_bytes_deleted] += s->bytes;
	if (s->min_ns <= s->max_ns) {
		fmt_ns(s->min_ns, a, sizeof(a));
		fmt_ns(s->max_ns, b, sizeof(b));
		RETAIN_LOG(NOTICE, "deleted %s: %" PRIu64 " bytes, records %s .. %s\n",
			   path, s->bytes, a, b);
	} else {
		fmt_ns(s->key_ns, a, sizeof(a));
		RETAIN_LOG(NOTICE, "deleted %s: %" PRIu64 " bytes, no time range, mtime %s\n",
			   path, s->bytes, a);
	}
}

/* Completed deletions; with @p wait, all of those in flight. */
static void
reap(struct sl_retain *r, int wait)
{
	while (r->inflight > 0) {
		struct io_uring_cqe *cqe;
		unsigned int k;

		if ((wait ? io_uring_wait_cqe(&r->ring, &cqe) :
		     io_uring_peek_cqe(&r->ring, &cqe)) != 0)
			break;
		k = (unsigned int)io_uring_cqe_get_data64(cqe);
		if (k < INFLIGHT && r->slot[k].busy) {
			deleted(r, &r->slot[k].s, r->slot[k].path, cqe->res);
			r->slot[k].busy = 0;
			r->inflight--;
		}
		io_uring_cqe_seen(&r->ring, cqe);
	}
}

/* Start deleting @p s (path in r->path). @return 0, or -EBUSY: no room. */
static int
delete_start(struct sl_retain *r, const struct rseg *s)
{
	struct io_uring_sqe *sqe;
	unsigned int k;

	if (!r->ring_ok) {
		deleted(r, s, r->path, unlink(r->path) == 0 ? 0 : -errno);
		return 0;
	}
	for (k = 0; k < INFLIGHT && r->slot[k].busy; k++)
		;
	sqe = k < INFLIGHT ? io_uring_get_sqe(&r->ring) : NULL;
	if (sqe == NULL)
		return -EBUSY;
	r->slot[k].busy = 1;
	r->slot[k].s = *s;
	memcpy(r->slot[k].path, r->path, sizeof(r->path));
	io_uring_prep_unlinkat(sqe, AT_FDCWD, r->slot[k].path, 0);
	io_uring_sqe_set_data64(sqe, k);
	r->inflight++;
	return 0;
}

static uint64_t
mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return ts_ns(&t);
}

/* True when Kafka does not have every record of @p s yet. */
static int
unforwarded(const struct sl_retain *r, const struct rseg *s)
{
	const struct sl_fwd_gate *g = r->dirs[s->dir].gate;

	return g != NULL && s->seq + s->nrec > sl_fwd_gate_acked(g);
}

/* Delete @p s although Kafka lacks some of it: count and say so loudly.
 * @return 0 started, -EBUSY no room (next poll). */
static int
delete_unforwarded(struct sl_retain *r, const struct rseg *s)
{
	uint64_t lost;
	int rc;

	seg_path(r, s->dir, s->seq);
	rc = delete_start(r, s);
	if (rc != 0)
		return rc;
	lost = sl_fwd_gate_drop(r->dirs[s->dir].gate, s->seq, s->seq + s->nrec);
	r->ctr[SL_RETAIN_unforwarded_deleted]++;
	r->ctr[SL_RETAIN_unforwarded_records] += lost;
	RETAIN_LOG(ERR, "deleting %s before it was forwarded to Kafka: above the budget of %"
		   PRIu64 " bytes with nothing forwarded left to delete; %" PRIu64
		   " of its %" PRIu64 " records (seq %" PRIu64 "..%" PRIu64 ") never reach Kafka\n",
		   r->path, r->budget, lost, s->nrec, s->seq, s->seq + s->nrec - 1);
	return 0;
}

/* Start deleting the oldest while above the budget, for max_work_ns at
 * most. Segments Kafka lacks go last, oldest first, and only when nothing
 * else is left. @return deletions started. */
static int
trim(struct sl_retain *r, uint64_t *use)
{
	uint64_t until = mono_ns() + r->max_work_ns;
	unsigned int done = 0, nheld = 0, i;

	while (*use > r->budget && r->nheap > 0 &&
	       (r->max_deletes == 0 || done < r->max_deletes) &&
	       (done == 0 || mono_ns() < until)) {
		uint64_t stuck = r->stuck_bytes;

		/* The newest segment of its directory went away (an empty one
		 * the store removed, or a hand): this one may be the newest
		 * now, which carries the shard's sequence. Hold it until a
		 * newer one shows up. */
		if (!r->dirs[r->heap[0].dir].top_ok || unforwarded(r, &r->heap[0])) {
			if (grow((void **)&r->held, &r->held_cap, nheld, sizeof(*r->held)))
				break;
			r->held[nheld] = heap_pop(r);
			r->held[nheld].unfwd = r->dirs[r->held[nheld].dir].top_ok;
			nheld++;
			continue;
		}
		seg_path(r, r->heap[0].dir, r->heap[0].seq);
		if (delete_start(r, &r->heap[0]) != 0)
			break;
		*use -= heap_pop(r).bytes;
		*use += r->stuck_bytes - stuck;     /* inline and failed */
		done++;
	}
	/* Only segments Kafka lacks are left: the budget forces the oldest. */
	r->ctr[SL_RETAIN_unforwarded_kept] = 0;
	for (i = 0; i < nheld; i++) {
		if (!r->held[i].unfwd || *use <= r->budget)
			continue;
		if (r->nheap > 0 ||
		    (r->max_deletes != 0 && done >= r->max_deletes) ||
		    (done > 0 && mono_ns() >= until) ||
		    delete_unforwarded(r, &r->held[i]) != 0) {
			r->ctr[SL_RETAIN_unforwarded_kept]++;
			continue;
		}
		*use -= r->held[i].bytes;
		r->held[i].unfwd = -1;             /* gone */
		done++;
	}
	if (done && r->ring_ok)
		io_uring_submit(&r->ring);
	r->backlog = *use > r->budget && (r->nheap > 0 || r->ctr[SL_RETAIN_unforwarded_kept] > 0);
	r->over_now = *use > r->budget && !r->backlog;
	while (nheld > 0)
		if (r->held[--nheld].unfwd >= 0)
			heap_push(r, &r->held[nheld]);   /* room: they were in it */
	return (int)done;
}

static void
gauges(struct sl_retain *r, uint64_t use, uint64_t nseg)
{
	r->ctr[SL_RETAIN_usage_bytes] = use;
	r->ctr[SL_RETAIN_budget_bytes] = r->budget;
	r->ctr[SL_RETAIN_segments] = nseg;
}

int
sl_retain_poll(struct sl_retain *r, uint64_t now_ms)
{
	uint64_t use, nseg;
	int done;

	if (now_ms < r->next_ms && !r->backlog)
		return 0;
	r->next_ms = now_ms + r->interval_ms;
	reap(r, 0);
	refresh(r);
	use = usage(r, &nseg);
	if (r->measure_only) {
		gauges(r, use, nseg);
		r->over = use > r->budget;
		return 0;
	}
	done = trim(r, &use);
	if (r->over_now) {
		r->ctr[SL_RETAIN_over_budget]++;
		if (!r->over)
			RETAIN_LOG(WARNING, "%" PRIu64 " bytes of segments, above the budget of %"
				   PRIu64 ", and nothing left to delete (open segments, the newest of each shard%s)\n",
				   use, r->budget, r->nstuck ? ", undeletable ones" : "");
		r->over = 1;
	} else {
		r->over = 0;
	}
	use = usage(r, &nseg);
	gauges(r, use, nseg);
	return done;
}

struct sl_retain *
sl_retain_create(const struct sl_retain_params *p)
{
	struct sl_retain *r;
	uint64_t use, nseg;
	struct stat st;
	int rc;

	if (p == NULL || p->root == NULL || p->budget_bytes == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (stat(p->root, &st) != 0 || !S_ISDIR(st.st_mode)) {
		rte_errno = errno ? errno : ENOTDIR;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	r->budget = p->budget_bytes;
	r->interval_ms = p->interval_ms ? p->interval_ms : DEF_INTERVAL_MS;
	r->max_deletes = p->max_deletes;
	r->max_work_ns = (p->max_work_us ? p->max_work_us : DEF_MAX_WORK_US) * 1000ull;
	r->ring_ok = io_uring_queue_init(INFLIGHT, &r->ring, 0) == 0;
	if (!r->ring_ok)
		RETAIN_LOG(NOTICE, "io_uring unavailable: segments are deleted on the control lcore\n");
	r->measure_only = p->measure_only;
	r->fwd_gate = p->fwd_gate;
	r->fwd_arg = p->fwd_arg;
	if (p->tenant != NULL) {
		/* ROOT/<tenant> stands for the tenant level of the tree. */
		if (snprintf(r->path, sizeof(r->path), "%s/%s", p->root, p->tenant) >=
		    (int)sizeof(r->path)) {
			sl_retain_free(r);
			rte_errno = ENAMETOOLONG;
			return NULL;
		}
		rc = dir_add(r, r->path, 1);
	} else {
		rc = dir_add(r, p->root, 0);
	}
	if (rc == 0)
		rc = refresh(r);
	if (rc == -ENOMEM || r->ndirs == 0 || !r->dirs[0].listed) {
		rte_errno = rc ? -rc : EIO;
		sl_retain_free(r);
		return NULL;
	}
	use = usage(r, &nseg);
	gauges(r, use, nseg);
	return r;
}

bool
sl_retain_over(const struct sl_retain *r)
{
	return r->over != 0;
}

void
sl_retain_wait(struct sl_retain *r)
{
	if (r->ring_ok)
		reap(r, 1);
}

struct sl_ctr_set
sl_retain_counters(const struct sl_retain *r)
{
	struct sl_ctr_set s = {
		.module = "retain",
		.instance = "",
		.n = SL_RETAIN_NB_CTR,
		.desc = retain_ctr_desc,
		.val = r->ctr,
	};

	return s;
}

void
sl_retain_free(struct sl_retain *r)
{
	uint32_t i;

	if (r == NULL)
		return;
	if (r->ring_ok) {
		reap(r, 1);
		io_uring_queue_exit(&r->ring);
	}
	for (i = 0; i < r->ndirs; i++)
		free(r->dirs[i].path);
	free(r->dirs);
	free(r->heap);
	free(r->watch);
	free(r->held);
	free(r);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rules -> Hyperscan: one block-mode database per field that has rules,
 * pattern id = rule index, every pattern HS_FLAG_SINGLEMATCH (we only ask
 * whether a rule matched) and HS_FLAG_ALLOWEMPTY (`//` matches everything).
 * Trivial patterns (`//`, `/.*\/`, `/./`: enum cl_triv) stay out of the
 * databases: the hot path decides them without a scan.
 *
 * Rejected patterns: hs_compile_multi() stops at the first expression it
 * rejects and names it (hs_compile_error_t.expression); that rule gets
 * Hyperscan's message and the set is compiled again without it, until it
 * compiles. Syntax errors (back-references, lookaround...) are found while
 * parsing, before the expensive build, so each retry is cheap. Checking
 * every pattern alone with hs_expression_info() first would cost more than
 * the whole compile (1.8 s vs 0.9 s for 25,000 literals): that is done only
 * after RETRIES_BEFORE_EACH rejections, when retries would cost more.
 *
 * Cache: the databases of a rule set are serialized into one file named by
 * a hash of everything that decides the compiled result (patterns, flags,
 * ids, fields, hs_version(), this CPU's platform). A file that is truncated,
 * corrupt (CRC32C per database) or does not deserialize is ignored, and
 * rewritten after the compile (temp file + rename: readers never see half a
 * file).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hs/hs.h>
#include <rte_hash_crc.h>

#include "classify_private.h"
#include "sl_file.h"
#include "sl_common.h"

static const char *const field_name[SL_FIELD_NB] = {
	"raw", "msg", "app", "host", "msgid", "sd",
};

/* The rules of one field, ascending. */
struct field_set {
	uint32_t *ids;
	uint32_t n;
};

static double
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static enum cl_triv
triv_kind(const struct cl_rules *r, uint32_t i)
{
	const char *p = cl_rule_pattern(r, i);

	if (strcmp(p, "") == 0 || strcmp(p, ".*") == 0 || strcmp(p, "^") == 0 ||
	    strcmp(p, "$") == 0)
		return CL_TRIV_ALL;
	if (strcmp(p, ".") == 0 || strcmp(p, ".+") == 0)
		return (r->info[i].hs_flags & HS_FLAG_DOTALL) ? CL_TRIV_BYTE : CL_TRIV_LINE;
	return CL_TRIV_NONE;
}

/* The trivial rules into c->triv, the others by field into @p fs. */
static int
group_fields(struct sl_classify *c, struct field_set fs[SL_FIELD_NB])
{
	const struct cl_rules *r = &c->rules;
	uint32_t i, f;

	for (f = 0; f < SL_FIELD_NB; f++) {
		fs[f].n = 0;
		fs[f].ids = NULL;
	}
	c->triv = malloc((r->n ? r->n : 1) * sizeof(*c->triv));
	if (c->triv == NULL)
		return -ENOMEM;
	c->n_triv = 0;
	for (i = 0; i < r->n; i++) {
		enum cl_triv k = triv_kind(r, i);

		if (k != CL_TRIV_NONE) {
			c->triv[c->n_triv].id = i;
			c->triv[c->n_triv].field = r->rule[i].field;
			c->triv[c->n_triv++].kind = (uint8_t)k;
			continue;
		}
		fs[r->rule[i].field].n++;
	}
	for (f = 0; f < SL_FIELD_NB; f++) {
		if (fs[f].n == 0)
			continue;
		fs[f].ids = malloc(fs[f].n * sizeof(uint32_t));
		if (fs[f].ids == NULL)
			return -ENOMEM;
		fs[f].n = 0;
	}
	for (i = 0; i < r->n; i++) {
		if (triv_kind(r, i) != CL_TRIV_NONE)
			continue;
		f = r->rule[i].field;
		fs[f].ids[fs[f].n++] = i;
	}
	return 0;
}

/* Drop pattern @p x from the arrays (n: count before). */
static void
remove_at(const char **expr, unsigned int *flags, unsigned int *ids, uint32_t n, uint32_t x)
{
	memmove(expr + x, expr + x + 1, (n - 1 - x) * sizeof(*expr));
	memmove(flags + x, flags + x + 1, (n - 1 - x) * sizeof(*flags));
	memmove(ids + x, ids + x + 1, (n - 1 - x) * sizeof(*ids));
}

static void
reject(const struct cl_rules *r, uint32_t id, const char *msg, struct cl_errs *e)
{
	const struct cl_rule_info *ri = &r->info[id];

	cl_err(e, ri->line, ri->name, "pattern rejected by Hyperscan: %s", msg);
}

/*
 * Many rejected patterns (a converted PCRE set): check the remaining ones
 * alone with hs_expression_info() (~70 us each) rather than compiling the
 * set again for each (cheap for a few, quadratic for many).
 * @return patterns left.
 */
static uint32_t
reject_each(const struct cl_rules *r, const char **expr, unsigned int *flags,
	    unsigned int *ids, uint32_t n, struct cl_errs *e, uint32_t *bad)
{
	uint32_t i = 0;

	while (i < n) {
		hs_compile_error_t *ce = NULL;
		hs_expr_info_t *info = NULL;

		if (hs_expression_info(expr[i], flags[i], &info, &ce) == HS_SUCCESS) {
			free(info);
			i++;
			continue;
		}
		reject(r, ids[i], ce ? ce->message : "rejected", e);
		hs_free_compile_error(ce);
		(*bad)++;
		remove_at(expr, flags, ids, n--, i);
	}
	return n;
}

/* Rejections after which each remaining pattern is checked alone. */
#define RETRIES_BEFORE_EACH 8

/*
 * Compile the rules of one field. Every pattern Hyperscan rejects is
 * reported against its rule; the others are compiled again without it.
 * @return 0 with *out set, -EINVAL (errors reported), -ENOMEM.
 */
static int
compile_field(const struct cl_rules *r, unsigned int f, const struct field_set *fs,
	      struct cl_errs *e, hs_database_t **out)
{
	const char **expr = malloc(fs->n * sizeof(*expr));
	unsigned int *flags = malloc(fs->n * sizeof(*flags));
	unsigned int *ids = malloc(fs->n * sizeof(*ids));
	uint32_t i, n = fs->n, bad = 0;
	int rc = -ENOMEM;

	*out = NULL;
	if (expr == NULL || flags == NULL || ids == NULL)
		goto done;
	for (i = 0; i < n; i++) {
		expr[i] = cl_rule_pattern(r, fs->ids[i]);
		flags[i] = r->info[fs->ids[i]].hs_flags;
		ids[i] = fs->ids[i];
	}
	while (n > 0) {
		hs_compile_error_t *ce = NULL;
		hs_database_t *db = NULL;
		int x;

		if (hs_compile_multi(expr, flags, ids, n, HS_MODE_BLOCK, NULL, &db, &ce) ==
		    HS_SUCCESS) {
			*out = db;
			break;
		}
		x = ce ? ce->expression : -1;
		if (x < 0 || (uint32_t)x >= n) {
			cl_err(e, 0, NULL, "the %s rules: Hyperscan: %s", field_name[f],
			       ce ? ce->message : "compile failed");
			hs_free_compile_error(ce);
			bad++;
			break;
		}
		reject(r, ids[x], ce->message, e);
		hs_free_compile_error(ce);
		remove_at(expr, flags, ids, n--, (uint32_t)x);
		if (++bad == RETRIES_BEFORE_EACH)
			n = reject_each(r, expr, flags, ids, n, e, &bad);
	}
	rc = 0;
	if (bad) {
		hs_free_database(*out);
		*out = NULL;
		rc = -EINVAL;
	}
done:
	free(expr);
	free(flags);
	free(ids);
	return rc;
}

static void
free_dbs(struct sl_classify *c)
{
	unsigned int i;

	for (i = 0; i < c->n_db; i++)
		hs_free_database(c->db[i].db);
	memset(c->db, 0, sizeof(c->db));
	c->n_db = 0;
}

/* ---- cache ---- */

#define CACHE_MAGIC "SLHSDB01"

struct cache_ent {
	uint32_t field;
	uint32_t crc;  /* CRC32C of the serialized database */
	uint64_t size; /* bytes after the header, in order */
};

struct cache_hdr {
	char magic[8];
	uint64_t key[2];
	uint32_t n_db;
	uint32_t reserved;
	struct cache_ent db[SL_FIELD_NB];
};

/* FNV-1a, 128 bits: the cache key (not adversarial: the operator's files). */
static void
key_add(unsigned __int128 *h, const void *p, size_t n)
{
	const unsigned __int128 prime =
		((unsigned __int128)0x0000000001000000ull << 64) | 0x000000000000013Bull;
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		*h = (*h ^ b[i]) * prime;
}

static int
cache_key(const struct cl_rules *r, const struct field_set fs[SL_FIELD_NB], uint64_t key[2])
{
	unsigned __int128 h = ((unsigned __int128)0x6c62272e07bb0142ull << 64) |
			      0x62b821756295c58dull;
	hs_platform_info_t plat;
	const char *ver = hs_version();
	uint32_t f, i;

	if (hs_populate_platform(&plat) != HS_SUCCESS)
		return -1;
	key_add(&h, CACHE_MAGIC, sizeof(CACHE_MAGIC));
	key_add(&h, ver, strlen(ver) + 1);
	key_add(&h, &plat.tune, sizeof(plat.tune));
	key_add(&h, &plat.cpu_features, sizeof(plat.cpu_features));
	for (f = 0; f < SL_FIELD_NB; f++) {
		key_add(&h, &f, sizeof(f));
		key_add(&h, &fs[f].n, sizeof(fs[f].n));
		for (i = 0; i < fs[f].n; i++) {
			const struct cl_rule_info *ri = &r->info[fs[f].ids[i]];
			uint32_t v[3] = { fs[f].ids[i], ri->hs_flags, ri->pat_len };

			key_add(&h, v, sizeof(v));
			key_add(&h, cl_rule_pattern(r, fs[f].ids[i]), ri->pat_len);
		}
	}
	key[0] = (uint64_t)(h >> 64);
	key[1] = (uint64_t)h;
	return 0;
}

static void
cache_path(char *buf, size_t len, const char *dir, const uint64_t key[2])
{
	snprintf(buf, len, "%s/sl-classify-%016llx%016llx.hsdb", dir,
		 (unsigned long long)key[0], (unsigned long long)key[1]);
}

/* mkdir -p */
static int
make_dir(const char *dir)
{
	char path[PATH_MAX];
	size_t i;

	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (i = 1; path[i]; i++) {
		if (path[i] != '/')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -errno;
		path[i] = '/';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static uint32_t
crc_of(const void *p, uint64_t n)
{
	const uint8_t *b = p;
	uint32_t crc = 0xffffffffu;

	while (n > 0) {
		uint32_t k = n > (1u << 30) ? (1u << 30) : (uint32_t)n;

		crc = rte_hash_crc(b, k, crc);
		b += k;
		n -= k;
	}
	return crc;
}

/*
 * Load the databases of @p fs from the cache file.
 * @return 0 with c->db filled, or -1 (nothing kept: compile instead).
 */
static int
cache_load(struct sl_classify *c, const char *path, const uint64_t key[2],
	   const struct field_set fs[SL_FIELD_NB])
{
	const struct cache_hdr *h;
	size_t len = 0, off = sizeof(*h);
	uint8_t *buf = NULL;
	unsigned int f, k = 0;

	if (sl_read_file(path, &buf, &len) < 0)
		return -1;
	h = (const struct cache_hdr *)buf;
	if (len < sizeof(*h) || memcmp(h->magic, CACHE_MAGIC, 8) != 0 ||
	    h->key[0] != key[0] || h->key[1] != key[1] || h->n_db > SL_FIELD_NB)
		goto bad;
	for (f = 0; f < SL_FIELD_NB; f++) {
		const struct cache_ent *ent = &h->db[k];
		hs_database_t *db = NULL;

		if (fs[f].n == 0)
			continue;
		if (k >= h->n_db || ent->field != f || ent->size > len - off ||
		    crc_of(buf + off, ent->size) != ent->crc ||
		    hs_deserialize_database((const char *)buf + off, ent->size, &db) != HS_SUCCESS)
			goto bad;
		c->db[k].db = db;
		c->db[k].field = (uint8_t)f;
		c->db[k].min_id = fs[f].ids[0];
		c->n_db = ++k;
		off += ent->size;
	}
	if (k != h->n_db || off != len)
		goto bad;
	free(buf);
	return 0;
bad:
	CLASSIFY_LOG(NOTICE, "ignoring the cache file %s: truncated, corrupt or not for these rules\n",
		     path);
	free_dbs(c);
	free(buf);
	return -1;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n > 0) {
		ssize_t k = write(fd, b, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Write the databases to the cache: a temp file renamed into place. */
static void
cache_save(const struct sl_classify *c, const char *dir, const char *path,
	   const uint64_t key[2])
{
	struct cache_hdr h;
	char *blob[SL_FIELD_NB] = { NULL };
	char tmp[PATH_MAX];
	unsigned int i;
	int fd = -1, err;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, CACHE_MAGIC, 8);
	h.key[0] = key[0];
	h.key[1] = key[1];
	h.n_db = c->n_db;
	/* The file lists databases by field; c->db is by lowest rule. */
	for (i = 0; i < c->n_db; i++) {
		unsigned int j, pos = 0;
		size_t size;

		for (j = 0; j < c->n_db; j++)
			pos += c->db[j].field < c->db[i].field;
		if (hs_serialize_database(c->db[i].db, &blob[pos], &size) != HS_SUCCESS)
			goto fail;
		h.db[pos].field = c->db[i].field;
		h.db[pos].size = size;
		h.db[pos].crc = crc_of(blob[pos], size);
	}
	err = make_dir(dir);
	if (err < 0) {
		errno = -err;
		goto fail;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		goto fail;
	if (write_all(fd, &h, sizeof(h)) < 0)
		goto fail_unlink;
	for (i = 0; i < c->n_db; i++)
		if (write_all(fd, blob[i], h.db[i].size) < 0)
			goto fail_unlink;
	if (fchmod(fd, 0644) < 0 || fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		goto fail_unlink;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail_unlink;
	for (i = 0; i < c->n_db; i++)
		free(blob[i]);
	return;
fail_unlink:
	err = errno;
	unlink(tmp);
	errno = err;
fail:
	CLASSIFY_LOG(WARNING, "cannot write the rules cache %s: %s (rules are compiled at each start)\n",
		     path, strerror(errno));
	if (fd >= 0)
		close(fd);
	for (i = 0; i < SL_FIELD_NB; i++)
		free(blob[i]);
}

/* ---- compile ---- */

void
cl_compiled_free(struct sl_classify *c)
{
	free_dbs(c);
	hs_free_scratch(c->scratch);
	c->scratch = NULL;
	free(c->triv);
	c->triv = NULL;
	c->n_triv = 0;
}

static int
db_cmp(const void *a, const void *b)
{
	const struct cl_db *x = a, *y = b;

	return x->min_id < y->min_id ? -1 : x->min_id > y->min_id;
}

int
cl_compile(struct sl_classify *c, const char *cache_dir, bool check_only, struct cl_errs *e)
{
	struct field_set fs[SL_FIELD_NB];
	char path[PATH_MAX] = "";
	uint64_t key[2] = { 0, 0 };
	double t0 = mono_ms();
	unsigned int f, i;
	int rc;

	rc = group_fields(c, fs);
	if (rc < 0)
		goto out;
	if (!check_only && cache_dir != NULL && cache_key(&c->rules, fs, key) == 0) {
		cache_path(path, sizeof(path), cache_dir, key);
		if (cache_load(c, path, key, fs) == 0) {
			c->from_cache = true;
			goto scratch;
		}
	}
	for (f = 0; f < SL_FIELD_NB; f++) {
		hs_database_t *db;
		int r;

		if (fs[f].n == 0)
			continue;
		r = compile_field(&c->rules, f, &fs[f], e, &db);
		if (r == -ENOMEM) {
			rc = r;
			goto out;
		}
		if (r < 0) {
			rc = r; /* go on: report the other fields' errors too */
			continue;
		}
		c->db[c->n_db].db = db;
		c->db[c->n_db].field = (uint8_t)f;
		c->db[c->n_db].min_id = fs[f].ids[0];
		c->n_db++;
	}
	if (rc < 0 || check_only)
		goto out;
	if (path[0] != '\0' && c->n_db > 0)
		cache_save(c, cache_dir, path, key);
scratch:
	if (c->n_db > 1) /* qsort(NULL, 0) is undefined */
		qsort(c->db, c->n_db, sizeof(c->db[0]), db_cmp);
	c->db_size = 0;
	for (i = 0; i < c->n_db; i++) {
		size_t size = 0;

		if (hs_alloc_scratch(c->db[i].db, &c->scratch) != HS_SUCCESS) {
			rc = -ENOMEM;
			goto out;
		}
		hs_database_size(c->db[i].db, &size);
		c->db_size += size;
	}
	c->ms = mono_ms() - t0;
out:
	if (rc < 0 || check_only)
		cl_compiled_free(c);
	for (f = 0; f < SL_FIELD_NB; f++)
		free(fs[f].ids);
	return rc;
}

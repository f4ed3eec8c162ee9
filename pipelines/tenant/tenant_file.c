/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tenant file parser (docs/TENANTS.md): text in memory -> struct
 * tn_file plus every error, each with its line. Nothing here calls DPDK,
 * so fuzz_tenant runs it alone, and sl_tenant_check() validates a file
 * without the EAL.
 *
 *   tenant NAME [KEY=VALUE ...]
 *   default accept|reject
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_parse.h"
#include "sl_words.h"
#include "tenant_private.h"

/* ---- sets of names, prefixes and tokens (duplicates), open addressing ---- */

enum set_kind { SET_NAME, SET_PFX, SET_TOK };

static uint32_t
fnv(const void *p, size_t n)
{
	const uint8_t *s = p;
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *s++) * 16777619u;
	return h;
}

/* Key of entry @p i of the array a set indexes. */
static const void *
key_of(const struct tn_file *f, enum set_kind k, uint32_t i, size_t *len)
{
	switch (k) {
	case SET_NAME:
		*len = strlen(f->info[i].name);
		return f->info[i].name;
	case SET_PFX:
		*len = sizeof(f->pfx[i].p.ip) + 1; /* ip, len */
		return &f->pfx[i].p;
	default:
		*len = f->tok[i].len;
		return f->tok[i].s;
	}
}

/* @return the index holding @p key, or -1. */
static int64_t
set_find(const struct tn_file *f, const struct tn_set *s, enum set_kind k,
	 const void *key, size_t len, uint32_t h)
{
	uint32_t i;

	if (s->cap == 0)
		return -1;
	for (i = h & (s->cap - 1); s->slot[i] != 0; i = (i + 1) & (s->cap - 1)) {
		size_t n;
		const void *o;

		if (s->hash[i] != h)
			continue;
		o = key_of(f, k, s->slot[i] - 1, &n);
		if (n == len && memcmp(o, key, len) == 0)
			return s->slot[i] - 1;
	}
	return -1;
}

static void
set_put(uint32_t *slot, uint32_t *hash, uint32_t cap, uint32_t idx, uint32_t h)
{
	uint32_t i;

	for (i = h & (cap - 1); slot[i] != 0; i = (i + 1) & (cap - 1))
		;
	slot[i] = idx + 1;
	hash[i] = h;
}

/* Add index @p idx (its key not in the set). @return 0, -ENOMEM. */
static int
set_add(struct tn_set *s, uint32_t idx, uint32_t h)
{
	if ((s->n + 1) * 2 > s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 64, i;
		uint32_t *slot = calloc(cap, sizeof(*slot));
		uint32_t *hash = calloc(cap, sizeof(*hash));

		if (slot == NULL || hash == NULL) {
			free(slot);
			free(hash);
			return -ENOMEM;
		}
		for (i = 0; i < s->cap; i++)
			if (s->slot[i] != 0)
				set_put(slot, hash, cap, s->slot[i] - 1, s->hash[i]);
		free(s->slot);
		free(s->hash);
		s->slot = slot;
		s->hash = hash;
		s->cap = cap;
	}
	set_put(s->slot, s->hash, s->cap, idx, h);
	s->n++;
	return 0;
}

static void
set_free(struct tn_set *s)
{
	free(s->slot);
	free(s->hash);
	memset(s, 0, sizeof(*s));
}

static int
grow(void **p, uint32_t *cap, uint32_t need, size_t size)
{
	uint32_t n = *cap ? *cap : 16;
	void *v;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	v = realloc(*p, (size_t)n * size);
	if (v == NULL)
		return -ENOMEM;
	*p = v;
	*cap = n;
	return 0;
}

/* ---- tokens of a line ---- */

/* Parser state: the current line and the tenant it defines. */
struct lp {
	struct tn_file *f;
	struct sl_errs *e;
	const struct sl_tenant_params *prm;
	const char *p, *end; /* rest of the current line */
	uint32_t line;
	const char *who;     /* tenant name for messages, or NULL */
	bool nomem;
	bool said_too_many;
	uint8_t map[8192];   /* ports of one port= value */
};

#define LP_ERR(l, ...) sl_err((l)->e, (l)->line, "tenant", (l)->who, __VA_ARGS__)

/* Longest piece of user text echoed in a message. */
#define ECHO(t) (int)((t)->n > 64 ? 64 : (t)->n), (t)->s

/* Next word of the line; false at its end or at a comment. */
static inline bool
next_tok(struct lp *l, struct sl_word *t)
{
	return sl_word_next(&l->p, l->end, t);
}

/* A copy of @p t, terminated, in @p buf; false when it does not fit. */
static bool
tok_str(const struct sl_word *t, char *buf, size_t len)
{
	if (t->n >= len)
		return false;
	memcpy(buf, t->s, t->n);
	buf[t->n] = '\0';
	return true;
}

/* [A-Za-z0-9_.-], 1 to SL_TENANT_NAME_MAX characters, not . or .. */
static bool
name_ok(const struct sl_word *t)
{
	size_t i;

	if (t->n == 0 || t->n > SL_TENANT_NAME_MAX || sl_word_is(t, ".") || sl_word_is(t, ".."))
		return false;
	for (i = 0; i < t->n; i++) {
		char c = t->s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* ---- keys ---- */

/* Scalar keys, each at most once per tenant (bit in struct line_keys::seen). */
enum key {
	K_MSGS, K_MSG_BURST, K_BYTES, K_BYTE_BURST, K_WEIGHT, K_QUOTA, K_QUOTA_POLICY,
	K_PORT, K_PREFIX, K_TOKEN, K_NB
};

static const char *const key_names[K_NB] = {
	[K_MSGS] = "msgs", [K_MSG_BURST] = "msg-burst", [K_BYTES] = "bytes",
	[K_BYTE_BURST] = "byte-burst", [K_WEIGHT] = "weight", [K_QUOTA] = "quota",
	[K_QUOTA_POLICY] = "quota-policy", [K_PORT] = "port", [K_PREFIX] = "prefix",
	[K_TOKEN] = "token",
};

#define KEY_LIST "port, prefix, token, msgs, msg-burst, bytes, byte-burst, weight, quota, " \
	"quota-policy"

/* "N/s" with N a size (K, M, G suffixes) in [1, max]. */
static bool
parse_rate(const struct sl_word *v, uint64_t max, uint64_t *out)
{
	struct sl_word n = { v->s, 0 };
	char buf[64];

	if (v->n < 3 || memcmp(v->s + v->n - 2, "/s", 2) != 0)
		return false;
	n.n = v->n - 2;
	if (!tok_str(&n, buf, sizeof(buf)))
		return false;
	return sl_parse_size(buf, out) == 0 && *out >= 1 && *out <= max;
}

/* A size (K, M, G, T suffixes) in [1, max]. */
static bool
parse_count(const struct sl_word *v, uint64_t max, uint64_t *out)
{
	char buf[64];

	if (!tok_str(v, buf, sizeof(buf)))
		return false;
	return sl_parse_size(buf, out) == 0 && *out >= 1 && *out <= max;
}

static bool
port_is(const uint8_t *map, uint32_t p)
{
	return (map[p >> 3] >> (p & 7)) & 1;
}

/* What the ports of a port= value turned out to be (a run of the same). */
enum port_state { P_OK, P_NOT_INGEST, P_TAKEN };

static void
port_run_err(struct lp *l, enum port_state st, uint16_t owner, uint32_t lo, uint32_t hi)
{
	const struct sl_tenant_info *o = &l->f->info[owner];

	if (st == P_NOT_INGEST && lo == hi)
		LP_ERR(l, "port %u is not an ingest port (--udp/--tcp)", lo);
	else if (st == P_NOT_INGEST)
		LP_ERR(l, "ports %u-%u are not ingest ports (--udp/--tcp)", lo, hi);
	else if (st == P_TAKEN && lo == hi)
		LP_ERR(l, "port %u already belongs to tenant %s (line %u)", lo, o->name, o->line);
	else if (st == P_TAKEN)
		LP_ERR(l, "ports %u-%u already belong to tenant %s (line %u)", lo, hi, o->name,
		       o->line);
}

/* First port >= @p p set in @p map, or 65536: eight zero bytes at a time. */
static uint32_t
next_set(const uint8_t *map, uint32_t p)
{
	while (p < 65536) {
		uint64_t w;

		if ((p & 63) == 0) {
			memcpy(&w, map + (p >> 3), sizeof(w));
			if (w == 0) {
				p += 64;
				continue;
			}
		}
		if (port_is(map, p))
			return p;
		p++;
	}
	return 65536;
}

static void
key_port(struct lp *l, uint16_t id, const struct sl_word *v)
{
	const struct sl_tenant_params *prm = l->prm;
	bool check = prm->udp_ports != NULL && prm->tcp_ports != NULL;
	struct tn_file *f = l->f;
	enum port_state run = P_OK;
	uint32_t p, lo = 0, prev = 0;
	uint16_t run_owner = 0;
	char buf[1024];

	if (!tok_str(v, buf, sizeof(buf)) || sl_parse_ports(buf, l->map) < 0) {
		LP_ERR(l, "bad port list '%.*s' (ports 1-65535 and ranges FIRST-LAST, "
		       "comma-separated)", ECHO(v));
		return;
	}
	if (f->port == NULL) {
		f->port = calloc(65536, sizeof(*f->port));
		if (f->port == NULL) {
			l->nomem = true;
			return;
		}
	}
	/* Ports in order; an error covers a run of consecutive ports alike. */
	for (p = next_set(l->map, 1); p < 65536; p = next_set(l->map, p + 1)) {
		enum port_state st = P_OK;
		uint16_t owner = 0;

		if (check && !port_is(prm->udp_ports, p) && !port_is(prm->tcp_ports, p)) {
			st = P_NOT_INGEST;
		} else if (f->port[p] != 0 && f->port[p] != id) {
			st = P_TAKEN;
			owner = f->port[p];
		} else if (f->port[p] == 0) {
			f->port[p] = id;
			f->n_ports++;
		}
		if (run != P_OK && (st != run || owner != run_owner || p != prev + 1)) {
			port_run_err(l, run, run_owner, lo, prev);
			run = P_OK;
		}
		if (st != P_OK && run == P_OK) {
			run = st;
			run_owner = owner;
			lo = p;
		}
		prev = p;
	}
	if (run != P_OK)
		port_run_err(l, run, run_owner, lo, prev);
}

/* True when the bits of @p pf past its length are all clear. */
static bool
host_bits_clear(const struct sl_prefix *pf)
{
	unsigned int bits = pf->len + (pf->is_v4 ? 96u : 0u), i;

	for (i = bits; i < 128; i++)
		if ((pf->ip.b[i / 8] >> (7 - i % 8)) & 1)
			return false;
	return true;
}

static void
add_prefix(struct lp *l, uint16_t id, const struct sl_word *item)
{
	struct tn_file *f = l->f;
	char buf[64], why[160], text[SL_IP_STRLEN];
	struct sl_prefix pf;
	int64_t first;
	uint32_t h;

	if (item->n == 0) {
		LP_ERR(l, "empty item in a prefix list");
		return;
	}
	if (!tok_str(item, buf, sizeof(buf))) {
		LP_ERR(l, "bad prefix '%.*s' (too long for an address)", ECHO(item));
		return;
	}
	memset(&pf, 0, sizeof(pf));
	if (sl_prefix_parse(&pf, buf, why, sizeof(why)) < 0) {
		LP_ERR(l, "bad prefix: %s", why);
		return;
	}
	if (!host_bits_clear(&pf)) {
		LP_ERR(l, "%s has bits set past /%u", buf, pf.len);
		return;
	}
	sl_ip_format(&pf.ip, text, sizeof(text));
	h = fnv(&pf, sizeof(pf.ip) + 1);
	first = set_find(f, &f->pfx_set, SET_PFX, &pf, sizeof(pf.ip) + 1, h);
	if (first >= 0) {
		const struct tn_prefix *o = &f->pfx[first];

		if (o->id == id)
			LP_ERR(l, "prefix %s/%u given twice", text, pf.len);
		else
			LP_ERR(l, "prefix %s/%u already belongs to tenant %s (line %u)", text,
			       pf.len, f->info[o->id].name, o->line);
		return;
	}
	if (f->n_pfx >= TN_PREFIXES_MAX) {
		LP_ERR(l, "too many prefixes (at most %u in a file)", TN_PREFIXES_MAX);
		return;
	}
	if (grow((void **)&f->pfx, &f->cap_pfx, f->n_pfx + 1, sizeof(*f->pfx)) < 0 ||
	    set_add(&f->pfx_set, f->n_pfx, h) < 0) {
		l->nomem = true;
		return;
	}
	f->pfx[f->n_pfx].p = pf;
	f->pfx[f->n_pfx].id = id;
	f->pfx[f->n_pfx].line = l->line;
	f->n_pfx++;
}

static void
key_prefix(struct lp *l, uint16_t id, const struct sl_word *v)
{
	const char *s = v->s, *end = v->s + v->n;

	while (!l->nomem) {
		const char *c = memchr(s, ',', (size_t)(end - s));
		struct sl_word item = { s, (size_t)((c ? c : end) - s) };

		add_prefix(l, id, &item);
		if (c == NULL)
			break;
		s = c + 1;
	}
}

/* Printable ASCII, not space, '"', '\\' or ']' (the value of an SD param
 * as sent, without escapes). */
static bool
token_char_ok(char c)
{
	return c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != ']';
}

static void
key_token(struct lp *l, uint16_t id, const struct sl_word *v)
{
	struct tn_file *f = l->f;
	struct tn_token *tk;
	int64_t first;
	uint32_t h;
	size_t i;

	if (v->n > SL_TENANT_TOKEN_MAX) {
		LP_ERR(l, "token longer than %u characters", SL_TENANT_TOKEN_MAX);
		return;
	}
	for (i = 0; i < v->n; i++) {
		if (!token_char_ok(v->s[i])) {
			LP_ERR(l, "token has a character other than printable ASCII "
			       "(no space, \", \\ or ])");
			return;
		}
	}
	/* Tokens are secrets: messages never echo them. */
	h = fnv(v->s, v->n);
	first = set_find(f, &f->tok_set, SET_TOK, v->s, v->n, h);
	if (first >= 0) {
		const struct tn_token *o = &f->tok[first];

		if (o->id == id)
			LP_ERR(l, "the same token given twice");
		else
			LP_ERR(l, "token already belongs to tenant %s (line %u)",
			       f->info[o->id].name, o->line);
		return;
	}
	if (f->n_tok >= TN_TOKENS_MAX) {
		LP_ERR(l, "too many tokens (at most %u in a file)", TN_TOKENS_MAX);
		return;
	}
	if (grow((void **)&f->tok, &f->cap_tok, f->n_tok + 1, sizeof(*f->tok)) < 0 ||
	    set_add(&f->tok_set, f->n_tok, h) < 0) {
		l->nomem = true;
		return;
	}
	tk = &f->tok[f->n_tok++];
	memset(tk, 0, sizeof(*tk));
	memcpy(tk->s, v->s, v->n);
	tk->len = (uint8_t)v->n;
	tk->id = id;
	tk->line = l->line;
}

/* One KEY=VALUE of tenant @p id into @p ti; @p seen: scalar keys so far. */
static void
parse_key(struct lp *l, uint16_t id, struct sl_tenant_info *ti, const struct sl_word *t,
	  uint32_t *seen)
{
	const char *eq = memchr(t->s, '=', t->n);
	struct sl_word k, v;
	uint64_t x;
	int key;

	if (eq == NULL) {
		LP_ERR(l, "expected KEY=VALUE, not '%.*s'", ECHO(t));
		return;
	}
	k.s = t->s;
	k.n = (size_t)(eq - t->s);
	v.s = eq + 1;
	v.n = t->n - k.n - 1;
	for (key = 0; key < K_NB && !sl_word_is(&k, key_names[key]); key++)
		;
	if (key == K_NB) {
		LP_ERR(l, "unknown key '%.*s' (" KEY_LIST ")", ECHO(&k));
		return;
	}
	if (v.n == 0) {
		LP_ERR(l, "%s= needs a value", key_names[key]);
		return;
	}
	if (key < K_PORT && (*seen & (1u << key))) {
		LP_ERR(l, "%s= given twice", key_names[key]);
		return;
	}
	*seen |= 1u << key;
	if (key >= K_PORT && id == 0) {
		LP_ERR(l, "the default tenant takes no %s= (it has what no other tenant matches)",
		       key_names[key]);
		return;
	}
	switch (key) {
	case K_MSGS:
		if (!parse_rate(&v, TN_MSG_RATE_MAX, &ti->msg_rate))
			LP_ERR(l, "msgs wants RATE/s, 1/s to 1G/s (K, M, G suffixes), not '%.*s'",
			       ECHO(&v));
		break;
	case K_BYTES:
		if (!parse_rate(&v, TN_BYTE_RATE_MAX, &ti->byte_rate))
			LP_ERR(l, "bytes wants SIZE/s, 1/s to 1T/s (K, M, G, T suffixes), not '%.*s'",
			       ECHO(&v));
		break;
	case K_MSG_BURST:
		if (!parse_count(&v, TN_BURST_MAX, &ti->msg_burst))
			LP_ERR(l, "msg-burst wants a count >= 1 (K, M, G suffixes), not '%.*s'",
			       ECHO(&v));
		break;
	case K_BYTE_BURST:
		if (!parse_count(&v, TN_BURST_MAX, &ti->byte_burst))
			LP_ERR(l, "byte-burst wants a size >= 1 (K, M, G, T suffixes), not '%.*s'",
			       ECHO(&v));
		break;
	case K_WEIGHT: {
		char buf[16];

		if (!tok_str(&v, buf, sizeof(buf)) || sl_parse_u64(buf, 1, 1000, &x) != 0)
			LP_ERR(l, "weight wants 1-1000, not '%.*s'", ECHO(&v));
		else
			ti->weight = (uint32_t)x;
		break;
	}
	case K_QUOTA:
		if (!parse_count(&v, UINT64_MAX, &ti->quota_bytes))
			LP_ERR(l, "quota wants a size >= 1 (K, M, G, T suffixes), not '%.*s'",
			       ECHO(&v));
		break;
	case K_QUOTA_POLICY:
		if (sl_word_is(&v, "drop-newest"))
			ti->quota_policy = SL_QUOTA_DROP_NEWEST;
		else if (sl_word_is(&v, "delete-oldest"))
			ti->quota_policy = SL_QUOTA_DELETE_OLDEST;
		else
			LP_ERR(l, "quota-policy wants drop-newest or delete-oldest, not '%.*s'",
			       ECHO(&v));
		break;
	case K_PORT:
		key_port(l, id, &v);
		break;
	case K_PREFIX:
		key_prefix(l, id, &v);
		break;
	default:
		key_token(l, id, &v);
		break;
	}
}

/* Checks across the keys of a tenant, then the defaults. */
static void
finish_tenant(struct lp *l, struct sl_tenant_info *ti, uint32_t seen)
{
	uint32_t max_msg = l->prm->max_msg ? l->prm->max_msg : 1;

	if ((seen & (1u << K_MSG_BURST)) && !(seen & (1u << K_MSGS)))
		LP_ERR(l, "msg-burst= without msgs=");
	if ((seen & (1u << K_BYTE_BURST)) && !(seen & (1u << K_BYTES)))
		LP_ERR(l, "byte-burst= without bytes=");
	if ((seen & (1u << K_QUOTA_POLICY)) && !(seen & (1u << K_QUOTA)))
		LP_ERR(l, "quota-policy= without quota=");
	if (ti->byte_rate != 0 && ti->byte_burst != 0 && ti->byte_burst < l->prm->max_msg)
		LP_ERR(l, "byte-burst %" PRIu64 " is below --max-msg %u (a message that long "
		       "could never pass)", ti->byte_burst, l->prm->max_msg);
	if (ti->msg_rate == 0)
		ti->msg_burst = 0;
	else if (ti->msg_burst == 0)
		ti->msg_burst = ti->msg_rate / 10 > 1 ? ti->msg_rate / 10 : 1;
	if (ti->byte_rate == 0)
		ti->byte_burst = 0;
	else if (ti->byte_burst == 0)
		ti->byte_burst = ti->byte_rate / 10 > max_msg ? ti->byte_rate / 10 : max_msg;
	if (ti->quota_bytes == 0)
		ti->quota_policy = SL_QUOTA_NONE;
	else if (ti->quota_policy == SL_QUOTA_NONE)
		ti->quota_policy = SL_QUOTA_DROP_NEWEST;
}

static void
parse_tenant(struct lp *l)
{
	struct tn_file *f = l->f;
	struct sl_tenant_info ti;
	struct sl_word name, t;
	uint32_t seen = 0, h;
	int64_t first;
	uint16_t id;

	if (!next_tok(l, &name)) {
		LP_ERR(l, "tenant needs a name");
		return;
	}
	if (!name_ok(&name)) {
		LP_ERR(l, "invalid tenant name '%.*s' ([A-Za-z0-9_.-], 1-%u characters, "
		       "not . or ..)", ECHO(&name), SL_TENANT_NAME_MAX);
		return;
	}
	memset(&ti, 0, sizeof(ti));
	memcpy(ti.name, name.s, name.n);
	ti.line = l->line;
	ti.weight = 1;
	l->who = ti.name;
	h = fnv(name.s, name.n);
	first = set_find(f, &f->names, SET_NAME, name.s, name.n, h);
	if (first > 0 || (first == 0 && f->info[0].line != 0)) {
		LP_ERR(l, "duplicate tenant name (first at line %u)", f->info[first].line);
		return;
	}
	if (first == 0) {
		id = 0;
	} else if (f->n >= SL_TENANT_MAX) {
		if (!l->said_too_many)
			LP_ERR(l, "too many tenants (at most %u, the default included)",
			       SL_TENANT_MAX);
		l->said_too_many = true;
		return;
	} else {
		if (grow((void **)&f->info, &f->cap, f->n + 1, sizeof(*f->info)) < 0 ||
		    set_add(&f->names, f->n, h) < 0) {
			l->nomem = true;
			return;
		}
		id = (uint16_t)f->n++;
	}
	/* Registered before its keys: their errors may name it. */
	f->info[id] = ti;
	l->who = f->info[id].name;
	while (!l->nomem && next_tok(l, &t))
		parse_key(l, id, &ti, &t, &seen);
	finish_tenant(l, &ti, seen);
	f->info[id] = ti;
	l->who = f->info[id].name;
}

static void
parse_default(struct lp *l)
{
	struct tn_file *f = l->f;
	struct sl_word t, x;
	bool reject;

	if (f->def_line != 0) {
		LP_ERR(l, "a second default line (the first is line %u)", f->def_line);
		return;
	}
	if (!next_tok(l, &t)) {
		LP_ERR(l, "default needs accept or reject");
		return;
	}
	if (sl_word_is(&t, "accept")) {
		reject = false;
	} else if (sl_word_is(&t, "reject")) {
		reject = true;
	} else {
		LP_ERR(l, "unknown default '%.*s' (accept or reject)", ECHO(&t));
		return;
	}
	if (next_tok(l, &x)) {
		LP_ERR(l, "unexpected '%.*s' after default %.*s", ECHO(&x), ECHO(&t));
		return;
	}
	f->reject = reject;
	f->def_line = l->line;
}

static void
parse_line(struct lp *l)
{
	struct sl_word t;

	l->who = NULL;
	if (memchr(l->p, '\0', (size_t)(l->end - l->p)) != NULL) {
		LP_ERR(l, "NUL byte in the line");
		return;
	}
	if (!next_tok(l, &t))
		return; /* blank or comment */
	if (sl_word_is(&t, "tenant"))
		parse_tenant(l);
	else if (sl_word_is(&t, "default"))
		parse_default(l);
	else
		LP_ERR(l, "unknown line '%.*s' (tenant NAME KEY=VALUE... or default accept|reject)",
		       ECHO(&t));
}

int
tn_file_parse(struct tn_file *f, const char *buf, size_t len,
	      const struct sl_tenant_params *p, struct sl_errs *e)
{
	const char *s = buf, *end = buf + len;
	struct lp *l;
	int rc = 0;

	l = calloc(1, sizeof(*l));
	if (l == NULL ||
	    grow((void **)&f->info, &f->cap, 1, sizeof(*f->info)) < 0 ||
	    set_add(&f->names, 0, fnv("default", 7)) < 0) {
		free(l);
		return -ENOMEM;
	}
	memset(&f->info[0], 0, sizeof(f->info[0]));
	strcpy(f->info[0].name, "default");
	f->info[0].weight = 1;
	f->n = 1;
	l->f = f;
	l->e = e;
	l->prm = p;
	while (!l->nomem && sl_line_next(&s, end, &l->p, &l->end)) {
		l->line++;
		parse_line(l);
	}
	if (l->nomem)
		rc = -ENOMEM;
	free(l);
	set_free(&f->names);
	set_free(&f->pfx_set);
	set_free(&f->tok_set);
	return rc;
}

void
tn_file_free(struct tn_file *f)
{
	free(f->info);
	free(f->pfx);
	free(f->tok);
	free(f->port);
	set_free(&f->names);
	set_free(&f->pfx_set);
	set_free(&f->tok_set);
	memset(f, 0, sizeof(*f));
}

int
sl_tenant_check(const char *text, size_t len, const char *name,
		const struct sl_tenant_params *p, char *err, size_t errlen)
{
	static const struct sl_tenant_params none;
	struct sl_errs e = { .file = name != NULL ? name : "tenants" };
	struct tn_file f;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	memset(&f, 0, sizeof(f));
	rc = tn_file_parse(&f, text, len, p != NULL ? p : &none, &e);
	if (rc == 0 && sl_errs_count(&e) > 0)
		rc = -EINVAL;
	if (rc == -ENOMEM)
		sl_err(&e, 0, NULL, NULL, "out of memory");
	sl_errs_write(&e, err, errlen);
	sl_errs_free(&e);
	if (rc == 0)
		rc = (int)f.n;
	tn_file_free(&f);
	return rc;
}

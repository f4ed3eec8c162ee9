/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rule conditions (docs/RULES.md): KEY OP VALUE tokens such as severity<=4,
 * facility=auth,authpriv, transport=udp, port!=514,10000-10010,
 * tenant=acme,beta. Each one is combined (AND) into the rule's struct
 * cl_cond at parse time, so the hot path only tests masks, port ranges and
 * a short list of tenant ids. Tenant names become ids here, once.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "classify_private.h"
#include "sl_common.h"
#include "sl_parse.h"

static const struct {
	const char *name;
	uint8_t v;
} sev_names[] = {
	{ "emerg", 0 }, { "alert", 1 }, { "crit", 2 }, { "err", 3 }, { "error", 3 },
	{ "warning", 4 }, { "warn", 4 }, { "notice", 5 }, { "info", 6 }, { "debug", 7 },
};

static const char *const fac_names[24] = {
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp",
	"cron", "authpriv", "ftp", "ntp", "security", "console", "solaris-cron",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
};

static bool
word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

static bool
sev_value(const char *s, size_t n, unsigned int *out)
{
	uint64_t v;
	size_t i;

	if (cl_num(s, n, 0, 7, &v)) {
		*out = (unsigned int)v;
		return true;
	}
	for (i = 0; i < SL_DIM(sev_names); i++)
		if (word_is(s, n, sev_names[i].name)) {
			*out = sev_names[i].v;
			return true;
		}
	return false;
}

static bool
fac_value(const char *s, size_t n, unsigned int *out)
{
	uint64_t v;
	unsigned int i;

	if (cl_num(s, n, 0, 23, &v)) {
		*out = (unsigned int)v;
		return true;
	}
	for (i = 0; i < SL_DIM(fac_names); i++)
		if (word_is(s, n, fac_names[i])) {
			*out = i;
			return true;
		}
	return false;
}

static bool
trans_value(const char *s, size_t n, unsigned int *out)
{
	if (word_is(s, n, "udp"))
		*out = 0; /* CL_T_UDP == 1 << 0 */
	else if (word_is(s, n, "tcp"))
		*out = 1; /* CL_T_TCP == 1 << 1 */
	else
		return false;
	return true;
}

/* A comma list of values: the OR of 1 << value. @return false on a bad item. */
static bool
value_bits(const char *s, size_t n, bool (*one)(const char *, size_t, unsigned int *),
	   uint32_t *bits)
{
	const char *end = s + n;

	*bits = 0;
	for (;;) {
		const char *c = memchr(s, ',', (size_t)(end - s));
		size_t k = (size_t)((c ? c : end) - s);
		unsigned int v;

		if (!one(s, k, &v))
			return false;
		*bits |= 1u << v;
		if (c == NULL)
			return true;
		s = c + 1;
	}
}

enum cond_op { OP_LE, OP_GE, OP_NE, OP_LT, OP_GT, OP_EQ, OP_NB };
static const char *const op_text[OP_NB] = { "<=", ">=", "!=", "<", ">", "=" };

/* Severities passing `severity OP v` (OP an order: <, <=, >, >=). */
static uint32_t
sev_order_bits(enum cond_op op, unsigned int v)
{
	uint32_t bits = 0;
	unsigned int k;

	for (k = 0; k < 8; k++)
		if ((op == OP_LE && k <= v) || (op == OP_LT && k < v) ||
		    (op == OP_GE && k >= v) || (op == OP_GT && k > v))
			bits |= 1u << k;
	return bits;
}

/* Ports of one condition, combined into @p ports. */
static bool
port_cond(struct cl_cond *c, uint8_t *ports, bool neg, const char *s, size_t n)
{
	uint8_t map[8192];
	char buf[1024];
	size_t i;

	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (sl_parse_ports(buf, map) < 0)
		return false;
	if (!(c->has & CL_C_PORT))
		memset(ports, 0xff, 8192);
	for (i = 0; i < sizeof(map); i++)
		ports[i] &= neg ? (uint8_t)~map[i] : map[i];
	c->has |= CL_C_PORT;
	return true;
}

#define WHY(...) (snprintf(why, whylen, __VA_ARGS__), -EINVAL)
#define ECHO(n, s) (int)((n) > 64 ? 64 : (n)), (s)

/* 1-47 characters of [A-Za-z0-9_.-], not . or ..: a directory name. */
static bool
tenant_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > SL_CLASSIFY_TENANT_NAME_MAX || word_is(s, n, ".") ||
	    word_is(s, n, ".."))
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return false;
	return true;
}

int
cl_tenant_id(const struct cl_tenants *t, const char *s, size_t n)
{
	char name[SL_CLASSIFY_TENANT_NAME_MAX + 1];
	int id;

	if (!tenant_name_ok(s, n))
		return -EINVAL;
	memcpy(name, s, n);
	name[n] = '\0';
	/* Id 0 is "default" with or without a tenant file. */
	if (strcmp(name, "default") == 0)
		return 0;
	if (t == NULL || t->id == NULL)
		return -ENOENT;
	id = t->id(t->arg, name);
	if (id < 0)
		return -ENOENT;
	if (id > (int)SL_CLASSIFY_MAX_TENANT_ID)
		return -ERANGE;
	return id;
}

/*
 * Tenants of one condition (a comma list of names), combined into the
 * rule's bit map @p map: set whole by its first tenant condition.
 */
static int
tenant_cond(struct cl_cond *c, uint64_t *map, const struct cl_tenants *t, bool neg,
	    const char *s, size_t n, char *why, size_t whylen)
{
	uint64_t these[1024];
	const char *end = s + n;
	size_t i;

	memset(these, 0, sizeof(these));
	for (;;) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		size_t k = (size_t)((comma ? comma : end) - s);
		int id = cl_tenant_id(t, s, k);

		if (id == -EINVAL)
			return WHY("bad tenant name '%.*s' ([A-Za-z0-9_.-], at most %u characters, not . or ..)",
				   ECHO(k, s), SL_CLASSIFY_TENANT_NAME_MAX);
		if (id == -ENOENT)
			return WHY("unknown tenant '%.*s' (%s)", ECHO(k, s),
				   t != NULL && t->id != NULL ? "not in the tenant file" :
				   "no --tenants file");
		if (id < 0)
			return WHY("tenant '%.*s': the tenant lookup gave an id above %u",
				   ECHO(k, s), SL_CLASSIFY_MAX_TENANT_ID);
		these[id >> 6] |= 1ull << (id & 63);
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	if (!(c->has & CL_C_TENANT))
		memset(map, 0xff, sizeof(these));
	for (i = 0; i < SL_DIM(these); i++)
		map[i] &= neg ? ~these[i] : these[i];
	c->has |= CL_C_TENANT;
	return 0;
}

int
cl_cond_parse(const char *s, size_t n, struct cl_cond *c, struct cl_cond_work *w,
	      const struct cl_tenants *t, char *why, size_t whylen)
{
	const char *val;
	size_t klen = 0, vlen;
	enum cond_op op;
	uint32_t bits;
	unsigned int v;

	while (klen < n && strchr("<>!=", s[klen]) == NULL)
		klen++;
	for (op = OP_LE; op < OP_NB; op++) {
		size_t k = strlen(op_text[op]);

		if (n - klen >= k && memcmp(s + klen, op_text[op], k) == 0)
			break;
	}
	if (op == OP_NB || klen == 0 || klen + strlen(op_text[op]) == n)
		return WHY("bad condition '%.*s' (KEY OP VALUE, e.g. severity<=4)", ECHO(n, s));
	val = s + klen + strlen(op_text[op]);
	vlen = n - klen - strlen(op_text[op]);
	if (word_is(s, klen, "severity")) {
		if (op == OP_EQ || op == OP_NE) {
			if (!value_bits(val, vlen, sev_value, &bits))
				goto bad_sev;
			if (op == OP_NE)
				bits = ~bits;
		} else {
			if (!sev_value(val, vlen, &v))
				goto bad_sev;
			bits = sev_order_bits(op, v);
		}
		c->sev_mask &= (uint8_t)bits;
		c->has |= CL_C_SEV;
		return 0;
bad_sev:
		return WHY("bad severity '%.*s' (0-7 or emerg, alert, crit, err, warning, notice, info, debug)",
			   ECHO(vlen, val));
	}
	if (!word_is(s, klen, "facility") && !word_is(s, klen, "transport") &&
	    !word_is(s, klen, "port") && !word_is(s, klen, "tenant"))
		return WHY("unknown condition '%.*s' (severity, facility, transport, port or tenant)",
			   ECHO(klen, s));
	if (op != OP_EQ && op != OP_NE)
		return WHY("%.*s takes = or !=, not %s", ECHO(klen, s), op_text[op]);
	if (word_is(s, klen, "tenant"))
		return tenant_cond(c, w->tenants, t, op == OP_NE, val, vlen, why, whylen);
	if (word_is(s, klen, "port")) {
		if (!port_cond(c, (uint8_t *)w->ports, op == OP_NE, val, vlen))
			return WHY("bad port list '%.*s' (ports 1-65535, ranges, commas: 514,6514,10000-10010)",
				   ECHO(vlen, val));
		return 0;
	}
	if (word_is(s, klen, "transport")) {
		if (!value_bits(val, vlen, trans_value, &bits))
			return WHY("bad transport '%.*s' (udp or tcp)", ECHO(vlen, val));
		c->trans_mask &= (uint8_t)(op == OP_NE ? ~bits : bits);
		c->has |= CL_C_TRANS;
		return 0;
	}
	if (!value_bits(val, vlen, fac_value, &bits))
		return WHY("bad facility '%.*s' (0-23 or kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp, ntp, security, console, solaris-cron, local0-local7)",
			   ECHO(vlen, val));
	c->fac_mask &= op == OP_NE ? ~bits : bits;
	c->has |= CL_C_FAC;
	return 0;
}

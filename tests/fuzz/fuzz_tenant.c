/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the tenant file parser (pipelines/tenant/
 * tenant_file.c): no EAL, no DPDK call. Input: one control byte, then a
 * whole tenant file.
 *   c[0] bit 0: check ports against udp {514, 5514, 10000-10010} and
 *               tcp {601, 6514} (else any port is an ingest port)
 *        bits 1-2: --max-msg 0, 1, 2048 or 65536
 * The parsed table is checked against what tenant.c and the meters rely on
 * (abort on violation; the limits' rules only when the file had no error,
 * the rest always):
 * - 1 to SL_TENANT_MAX tenants, id 0 "default" with no match keys; names
 *   [A-Za-z0-9_.-], 1-47 characters, not . or .., unique; lines in id
 *   order; weight 1-1000; a burst exactly when its rate (the byte burst at
 *   least --max-msg); a quota policy exactly when a quota;
 * - prefixes: host bits clear, length within the family, a real tenant
 *   (not the default), unique;
 * - tokens: 1-64 printable characters without space, ", \ or ], a real
 *   tenant, unique;
 * - ports: the map holds real tenants, n_ports counts it, and with port
 *   lists every mapped port is an ingest port;
 * - errors: none written when there are none, else terminated lines that
 *   begin "fuzz.tenants:"; sl_tenant_check() agrees.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "sl_parse.h"
#include "tenant_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t udp[8192], tcp[8192];

static bool
bit(const uint8_t *map, uint32_t p)
{
	return (map[p >> 3] >> (p & 7)) & 1;
}

/* @p clean: the file had no error (the limits' rules then hold too). */
static void
check_info(const struct sl_tenant_info *ti, uint32_t max_msg, bool clean)
{
	fuzz_check_name(ti->name, SL_TENANT_NAME_MAX, true);
	if (ti->weight < 1 || ti->weight > 1000)
		abort();
	if (!clean)
		return;
	if ((ti->msg_rate == 0) != (ti->msg_burst == 0) ||
	    (ti->byte_rate == 0) != (ti->byte_burst == 0))
		abort();
	if (ti->msg_rate > TN_MSG_RATE_MAX || ti->byte_rate > TN_BYTE_RATE_MAX ||
	    ti->msg_burst > TN_BURST_MAX || ti->byte_burst > TN_BURST_MAX)
		abort();
	if (ti->byte_rate != 0 && ti->byte_burst < max_msg)
		abort();
	if ((ti->quota_bytes == 0) != (ti->quota_policy == SL_QUOTA_NONE) ||
	    ti->quota_policy > SL_QUOTA_DELETE_OLDEST)
		abort();
}

static void
check(const struct tn_file *f, const struct sl_tenant_params *p, bool clean)
{
	uint32_t i, j, n_ports = 0;

	if (f->n < 1 || f->n > SL_TENANT_MAX || strcmp(f->info[0].name, "default") != 0)
		abort();
	for (i = 0; i < f->n; i++) {
		check_info(&f->info[i], p->max_msg, clean);
		if (i > 1 && f->info[i].line <= f->info[i - 1].line)
			abort();
		if (i > 0 && f->info[i].line == 0)
			abort();
	}
	for (i = 0; i < f->n && f->n < 2000; i++)
		for (j = i + 1; j < f->n; j++)
			if (strcmp(f->info[i].name, f->info[j].name) == 0)
				abort();
	for (i = 0; i < f->n_pfx; i++) {
		const struct sl_prefix *pf = &f->pfx[i].p;
		unsigned int b, bits = pf->len + (pf->is_v4 ? 96u : 0u);

		if (f->pfx[i].id == 0 || f->pfx[i].id >= f->n || pf->len > (pf->is_v4 ? 32 : 128) ||
		    pf->is_v4 != sl_ip_is_v4(&pf->ip))
			abort();
		for (b = bits; b < 128; b++)
			if ((pf->ip.b[b / 8] >> (7 - b % 8)) & 1)
				abort();
		for (j = i + 1; j < f->n_pfx && f->n_pfx < 2000; j++)
			if (memcmp(&f->pfx[j].p, pf, sizeof(pf->ip) + 1) == 0)
				abort();
	}
	for (i = 0; i < f->n_tok; i++) {
		const struct tn_token *tk = &f->tok[i];

		if (tk->id == 0 || tk->id >= f->n || tk->len < 1 || tk->len > SL_TENANT_TOKEN_MAX ||
		    strlen(tk->s) != tk->len)
			abort();
		for (j = 0; j < tk->len; j++)
			if (tk->s[j] <= 0x20 || tk->s[j] >= 0x7f || tk->s[j] == '"' ||
			    tk->s[j] == '\\' || tk->s[j] == ']')
				abort();
		for (j = i + 1; j < f->n_tok && f->n_tok < 2000; j++)
			if (f->tok[j].len == tk->len && memcmp(f->tok[j].s, tk->s, tk->len) == 0)
				abort();
	}
	if (f->port == NULL) {
		if (f->n_ports != 0)
			abort();
		return;
	}
	if (f->port[0] != 0)
		abort();
	for (i = 1; i < 65536; i++) {
		if (f->port[i] == 0)
			continue;
		n_ports++;
		if (f->port[i] >= f->n)
			abort();
		if (p->udp_ports != NULL && !bit(p->udp_ports, i) && !bit(p->tcp_ports, i))
			abort();
	}
	if (n_ports != f->n_ports)
		abort();
}

static void
check_errs(const char *out, size_t len, uint32_t count)
{
	const char *s;

	if (strnlen(out, len) >= len)
		abort();
	if (count == 0 && out[0] != '\0')
		abort();
	if (count == 0)
		return;
	/* Every complete line names the file. */
	for (s = out; *s != '\0';) {
		const char *eol = strchr(s, '\n');

		if (strncmp(s, "fuzz.tenants:", 13) != 0 && eol != NULL)
			abort();
		if (eol == NULL)
			break;
		s = eol + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t max_msgs[4] = { 0, 1, 2048, 65536 };
	struct sl_errs e = { .file = "fuzz.tenants" };
	struct sl_tenant_params p = { .n_workers = 1, .tsc_hz = 1000000000 };
	char out[512], out2[512];
	struct tn_file f;
	uint32_t count;
	char *buf;
	int rc, rc2;

	if (size < 1 || size > (1u << 20))
		return 0;
	if (udp[514 >> 3] == 0) {
		sl_parse_ports("514,5514,10000-10010", udp);
		sl_parse_ports("601,6514", tcp);
	}
	if (data[0] & 1) {
		p.udp_ports = udp;
		p.tcp_ports = tcp;
	}
	p.max_msg = max_msgs[(data[0] >> 1) & 3];
	data++;
	size--;
	/* An exactly-sized copy: ASan sees any read past the end. */
	buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	memset(&f, 0, sizeof(f));
	rc = tn_file_parse(&f, buf, size, &p, &e);
	count = sl_errs_count(&e);
	if (rc == 0)
		check(&f, &p, count == 0);
	sl_errs_write(&e, out, sizeof(out));
	check_errs(out, sizeof(out), count);
	rc2 = sl_tenant_check(buf, size, "fuzz.tenants", &p, out2, sizeof(out2));
	if (rc == 0 && ((count == 0 && rc2 != (int)f.n) || (count > 0 && rc2 != -EINVAL) ||
			strcmp(out, out2) != 0))
		abort();
	sl_errs_free(&e);
	tn_file_free(&f);
	free(buf);
	return 0;
}

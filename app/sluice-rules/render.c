/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-rules output. Every text field goes through sl_json (the encoder
 * sluice-cat uses): a JSON string when the bytes are valid UTF-8, a
 * NAME_b64 member holding base64 when they are not, so any input line, NUL
 * and invalid UTF-8 included, gives one valid JSON object.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "render.h"
#include "sl_json.h"

/* One STRUCTURED-DATA param, or an element with none (name.len == 0:
 * a PARAM-NAME is never empty). */
struct sd_ent {
	struct sl_span id, name, value;
};

/* An element takes >= 3 bytes ("[x]"), a param >= 5 (` a=""`). */
#define SD_ENT_MAX (SR_LINE_MAX / 3 + 2)
/* Largest member: a rule, stream or SD name, or any part of the message. */
#define SCRATCH_MAX SL_JSON_MEMBER_MAX(SL_CLASSIFY_NAME_MAX + 32, SR_LINE_MAX)

struct sr_render {
	FILE *f;
	const struct sl_classify *c;
	enum sr_format fmt;
	uint8_t *scratch;     /* SCRATCH_MAX: one encoded member or string */
	uint8_t *unesc;       /* SR_LINE_MAX: one unescaped PARAM-VALUE */
	struct sd_ent *sd;    /* SD_ENT_MAX */
};

static const struct {
	uint16_t bit;
	const char *name;
} parse_flags[] = {
	{ SL_PARSE_F_BOM, "bom" },
	{ SL_PARSE_F_NO_PRI, "no_pri" },
	{ SL_PARSE_F_BAD_PRI, "bad_pri" },
	{ SL_PARSE_F_BAD_TS, "bad_timestamp" },
	{ SL_PARSE_F_LONG, "field_too_long" },
	{ SL_PARSE_F_TRUNC, "header_truncated" },
	{ SL_PARSE_F_BAD_SD, "bad_sd" },
	{ SL_PARSE_F_BAD_UTF8, "bad_utf8" },
	{ SL_PARSE_F_NO_TS, "no_timestamp" },
	{ SL_PARSE_F_CISCO, "cisco" },
	{ SL_PARSE_F_LEAP, "leap_second" },
};
#define N_PARSE_FLAGS (sizeof(parse_flags) / sizeof(parse_flags[0]))

static const char *const facilities[24] = {
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "authpriv", "ftp", "ntp", "security", "console",
	"solaris-cron", "local0", "local1", "local2", "local3", "local4",
	"local5", "local6", "local7",
};
static const char *const severities[8] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

struct sr_render *
sr_render_create(FILE *f, const struct sl_classify *c, enum sr_format fmt)
{
	struct sr_render *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->f = f;
	r->c = c;
	r->fmt = fmt;
	r->scratch = malloc(SCRATCH_MAX);
	r->unesc = malloc(SR_LINE_MAX);
	r->sd = malloc(SD_ENT_MAX * sizeof(*r->sd));
	if (r->scratch == NULL || r->unesc == NULL || r->sd == NULL) {
		sr_render_free(r);
		return NULL;
	}
	return r;
}

void
sr_render_free(struct sr_render *r)
{
	if (r == NULL)
		return;
	free(r->scratch);
	free(r->unesc);
	free(r->sd);
	free(r);
}

const char *
sr_action_name(const struct sl_classify *c, const struct sl_verdict *v, bool scan_error)
{
	uint32_t arg;
	enum sl_action a;

	if (scan_error) /* the data path keeps what it could not scan */
		return "keep";
	a = v->rule ? sl_classify_rule_action(c, v->rule - 1, &arg) :
		sl_classify_default(c, &arg);
	switch (a) {
	case SL_ACT_KEEP:
		return "keep";
	case SL_ACT_DROP:
		return "drop";
	case SL_ACT_ROUTE:
		return "route";
	case SL_ACT_SAMPLE:
		return v->keep ? "sample-keep" : "sample-drop";
	case SL_ACT_TAG:
		break;
	}
	return v->keep ? "keep" : "drop"; /* a tag never decides */
}

/* RFC 3339 UTC, always nine fraction digits. */
static const char *
fmt_time(char *buf, size_t len, int64_t ns)
{
	int64_t s = ns / 1000000000, frac = ns % 1000000000;
	time_t t;
	struct tm tm;

	if (frac < 0) { /* before 1970: floor, not truncate */
		frac += 1000000000;
		s--;
	}
	t = (time_t)s;
	gmtime_r(&t, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09" PRId64 "Z",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, frac);
	return buf;
}

static bool
span_eq(const uint8_t *p, struct sl_span a, struct sl_span b)
{
	return a.len == b.len && memcmp(p + a.off, p + b.off, a.len) == 0;
}

/* ---- JSON ---- */

/* A JSON string of any bytes: the text, or base64 when not UTF-8 (the
 * caller names the member accordingly). */
static void
json_bytes(struct sr_render *r, const uint8_t *s, size_t n, bool utf8)
{
	fwrite(r->scratch, 1, utf8 ? sl_json_string(r->scratch, s, n) :
	       sl_json_base64(r->scratch, s, n), r->f);
}

/* A name from the rules file (validated there, but never trusted to be
 * UTF-8 here: output must stay valid JSON). */
static void
json_name(struct sr_render *r, const char *name)
{
	size_t n = strlen(name);

	json_bytes(r, (const uint8_t *)name, n, sl_utf8_valid((const uint8_t *)name, n));
}

/* "NAME":"text" | "NAME_b64":"base64" | "NAME":null for an absent field. */
static void
json_field(struct sr_render *r, const char *name, const uint8_t *p, struct sl_span sp)
{
	if (sp.len == 0)
		fprintf(r->f, ",\"%s\":null", name);
	else {
		fputc(',', r->f);
		fwrite(r->scratch, 1, sl_json_member(r->scratch, name, p + sp.off, sp.len), r->f);
	}
}

/* `"KEY":` or `"KEY_b64":` for an SD-ID or PARAM-NAME, which the parser
 * only accepts as printable US-ASCII. */
static void
json_key(struct sr_render *r, const uint8_t *p, struct sl_span k, bool b64)
{
	size_t o = sl_json_string(r->scratch, p + k.off, k.len);

	if (b64) {
		memcpy(r->scratch + o - 1, "_b64\"", 5);
		o += 4;
	}
	r->scratch[o++] = ':';
	fwrite(r->scratch, 1, o, r->f);
}

static size_t
unescape(struct sr_render *r, const uint8_t *p, struct sl_span v)
{
	int n = sl_parse_unescape(p, v, (char *)r->unesc, SR_LINE_MAX);

	return n < 0 ? SR_LINE_MAX : (size_t)n; /* cannot happen: v.len <= SR_LINE_MAX */
}

/*
 * Every value of param sd[k] in its element group (same SD-ID, sd[k..n)):
 * one string, or an array when the name repeats (RFC 5424 allows it); the
 * member is NAME_b64 and every value base64 when any value is not UTF-8.
 */
static void
json_sd_param(struct sr_render *r, const uint8_t *p, uint32_t k, uint32_t n)
{
	const struct sd_ent *e = r->sd;
	uint32_t m, count = 0;
	bool utf8 = true;
	size_t len;

	for (m = k; m < n; m++) {
		if (!span_eq(p, e[m].id, e[k].id) || !span_eq(p, e[m].name, e[k].name))
			continue;
		count++;
		len = unescape(r, p, e[m].value);
		utf8 = utf8 && sl_utf8_valid(r->unesc, len);
	}
	json_key(r, p, e[k].name, !utf8);
	if (count > 1)
		fputc('[', r->f);
	for (m = k, count = 0; m < n; m++) {
		if (!span_eq(p, e[m].id, e[k].id) || !span_eq(p, e[m].name, e[k].name))
			continue;
		if (count++)
			fputc(',', r->f);
		len = unescape(r, p, e[m].value);
		json_bytes(r, r->unesc, len, utf8);
	}
	if (count > 1)
		fputc(']', r->f);
}

/* Has sd[k] an earlier entry (from @p from) with the same SD-ID and, when
 * @p by_name, the same PARAM-NAME? */
static bool
sd_seen(const struct sd_ent *e, const uint8_t *p, uint32_t from, uint32_t k, bool by_name)
{
	uint32_t j;

	for (j = from; j < k; j++)
		if (span_eq(p, e[j].id, e[k].id) &&
		    (!by_name || span_eq(p, e[j].name, e[k].name)))
			return true;
	return false;
}

/*
 * {"SD-ID":{"PARAM":"value",...},...}: values unescaped, SD-IDs and
 * params in order of first appearance, a repeated SD-ID (not allowed by
 * the RFC, seen in the wild) merged into its first.
 */
static void
json_sd(struct sr_render *r, const uint8_t *p, const struct sl_parsed *m)
{
	struct sd_ent *e = r->sd;
	struct sl_span id, name, value;
	struct sl_sd_iter it;
	uint32_t n = 0, i, k, ids = 0, params;

	fputs(",\"structured_data\":", r->f);
	if (m->sd.len == 0) {
		fputs("null", r->f);
		return;
	}
	sl_parse_sd_begin(m, &it);
	while (n < SD_ENT_MAX && sl_parse_sd_next(p, &it, &id)) {
		e[n++] = (struct sd_ent){ .id = id };
		while (n < SD_ENT_MAX && sl_parse_sd_param(p, &it, &name, &value))
			e[n++] = (struct sd_ent){ .id = id, .name = name, .value = value };
	}
	fputc('{', r->f);
	for (i = 0; i < n; i++) {
		if (e[i].name.len != 0 || sd_seen(e, p, 0, i, false))
			continue;
		if (ids++)
			fputc(',', r->f);
		json_key(r, p, e[i].id, false);
		fputc('{', r->f);
		for (k = i + 1, params = 0; k < n; k++) {
			if (e[k].name.len == 0 || !span_eq(p, e[k].id, e[i].id) ||
			    sd_seen(e, p, i + 1, k, true))
				continue;
			if (params++)
				fputc(',', r->f);
			json_sd_param(r, p, k, n);
		}
		fputc('}', r->f);
	}
	fputc('}', r->f);
}

static const char *
format_name(uint8_t kind)
{
	return kind == SL_PARSE_5424 ? "rfc5424" : kind == SL_PARSE_3164 ? "rfc3164" : "raw";
}

static void
render_json(struct sr_render *r, const struct sr_result *res)
{
	const struct sl_parsed *m = res->parsed;
	const struct sl_verdict *v = res->v;
	FILE *f = r->f;
	char ts[48];
	uint32_t i, nf = 0;

	fprintf(f, "{\"line\":%" PRIu64 ",\"format\":\"%s\"", res->line, format_name(m->kind));
	if (m->version)
		fprintf(f, ",\"version\":%u", m->version);
	else
		fputs(",\"version\":null", f);
	if (m->facility < 24)
		fprintf(f, ",\"facility\":%u", m->facility);
	else
		fputs(",\"facility\":null", f);
	if (m->severity < 8)
		fprintf(f, ",\"severity\":%u", m->severity);
	else
		fputs(",\"severity\":null", f);
	if (m->ts_ns == INT64_MIN)
		fputs(",\"timestamp\":null", f);
	else
		fprintf(f, ",\"timestamp\":\"%s\"", fmt_time(ts, sizeof(ts), m->ts_ns));
	json_field(r, "hostname", res->p, m->host);
	json_field(r, "appname", res->p, m->app);
	json_field(r, "procid", res->p, m->procid);
	json_field(r, "msgid", res->p, m->msgid);
	json_sd(r, res->p, m);
	json_field(r, "msg", res->p, m->msg);
	fprintf(f, ",\"parse_error\":%s,\"parse_flags\":[",
		m->flags & SL_PARSE_F_ERR ? "true" : "false");
	for (i = 0; i < N_PARSE_FLAGS; i++)
		if (m->flags & parse_flags[i].bit)
			fprintf(f, "%s\"%s\"", nf++ ? "," : "", parse_flags[i].name);
	fprintf(f, "],\"truncated\":%s", res->truncated ? "true" : "false");
	if (res->scan_error)
		fputs(",\"scan_error\":true", f);
	fputs(",\"matches\":[", f);
	for (i = 0; i < res->n_matches; i++) {
		if (i)
			fputc(',', f);
		json_name(r, sl_classify_rule_name(r->c, res->matches[i]));
	}
	fputs("],\"rule\":", f);
	if (v->rule)
		json_name(r, sl_classify_rule_name(r->c, v->rule - 1));
	else
		fputs("null", f);
	fprintf(f, ",\"action\":\"%s\",\"stream\":", sr_action_name(r->c, v, res->scan_error));
	if (v->keep)
		json_name(r, sl_classify_stream_name(r->c, v->stream));
	else
		fputs("null", f);
	fputs(",\"tags\":[", f);
	for (i = 0, nf = 0; i < SL_CLASSIFY_MAX_TAGS; i++) {
		if (!(v->tags & (1u << i)))
			continue;
		if (nf++)
			fputc(',', f);
		json_name(r, sl_classify_tag_name(r->c, (uint8_t)i));
	}
	fputs("]}\n", f);
}

/* ---- text ---- */

/* Bytes for a terminal: control bytes, DEL and '\' as \xNN; bytes >= 0x80
 * as they are in valid UTF-8, as \xNN otherwise. */
static void
text_bytes(FILE *f, const uint8_t *s, size_t n)
{
	bool utf8 = sl_utf8_valid(s, n);
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t c = s[i];

		if (c < 0x20 || c == 0x7f || c == '\\' || (c >= 0x80 && !utf8))
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

static void
text_field(FILE *f, const char *name, const uint8_t *p, struct sl_span sp)
{
	if (sp.len == 0)
		return;
	fprintf(f, " %s=", name);
	text_bytes(f, p + sp.off, sp.len);
}

static void
render_text(struct sr_render *r, const struct sr_result *res)
{
	const struct sl_parsed *m = res->parsed;
	const struct sl_verdict *v = res->v;
	FILE *f = r->f;
	char ts[48];
	uint32_t i, n = 0;

	fprintf(f, "%" PRIu64 ": %s stream=%s rule=%s tags=", res->line,
		sr_action_name(r->c, v, res->scan_error),
		v->keep ? sl_classify_stream_name(r->c, v->stream) : "-",
		v->rule ? sl_classify_rule_name(r->c, v->rule - 1) : "-");
	for (i = 0; i < SL_CLASSIFY_MAX_TAGS; i++)
		if (v->tags & (1u << i))
			fprintf(f, "%s%s", n++ ? "," : "", sl_classify_tag_name(r->c, (uint8_t)i));
	fputs(n ? " matches=" : "- matches=", f);
	for (i = 0; i < res->n_matches; i++)
		fprintf(f, "%s%s", i ? "," : "", sl_classify_rule_name(r->c, res->matches[i]));
	fprintf(f, "%s | %s ", res->n_matches ? "" : "-", format_name(m->kind));
	if (m->facility < 24 && m->severity < 8)
		fprintf(f, "%s.%s ", facilities[m->facility], severities[m->severity]);
	else
		fputs("- ", f);
	fputs(m->ts_ns == INT64_MIN ? "-" : fmt_time(ts, sizeof(ts), m->ts_ns), f);
	text_field(f, "host", res->p, m->host);
	text_field(f, "app", res->p, m->app);
	text_field(f, "procid", res->p, m->procid);
	text_field(f, "msgid", res->p, m->msgid);
	text_field(f, "sd", res->p, m->sd);
	if (m->flags & SL_PARSE_F_ERR)
		fputs(" parse_error", f);
	for (i = 0, n = 0; i < N_PARSE_FLAGS; i++)
		if (m->flags & parse_flags[i].bit)
			fprintf(f, "%s%s", n++ ? "," : " flags=", parse_flags[i].name);
	if (res->truncated)
		fputs(" truncated", f);
	if (res->scan_error)
		fputs(" scan_error", f);
	text_field(f, "msg", res->p, m->msg);
	fputc('\n', f);
}

void
sr_render(struct sr_render *r, const struct sr_result *res)
{
	if (r->fmt == SR_FMT_JSON)
		render_json(r, res);
	else
		render_text(r, res);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus text format (0.0.4) from the stats walk. Every counter set
 * becomes samples of families named sluice_<module>_<counter>[_total],
 * labelled by the set's labels; the drop_* counters of a module become one
 * family, sluice_<module>_dropped_total, with a reason label. Families are
 * printed whole, in the order they were first seen.
 *
 * Runs on the management thread: it may allocate.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "prom.h"

#define FAM_HASH 4096 /* power of two, > families */
#define FAM_MAX 2048

struct fam {
	char name[96];
	char help[200];
	bool gauge;
	uint32_t n;      /* samples */
	uint32_t first;  /* in the sorted order */
};

struct sample {
	uint32_t fam;
	uint32_t lbl;    /* offset of the set's labels in lbuf */
	uint32_t lbl_len;
	const char *reason; /* drop reason, or NULL */
	uint64_t v;
	bool us;         /* microseconds, printed as seconds */
};

struct prom_sink {
	struct sl_stats_sink k;
	struct fam *fams;
	uint32_t n_fams;
	int32_t hash[FAM_HASH];
	struct sample *s;
	uint32_t n_s, cap_s;
	struct sl_buf lbuf;
	bool oom;
};

void
sl_buf_printf(struct sl_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t cap = b->cap ? b->cap * 2 : 65536;
			char *p;

			while (cap < b->len + (size_t)n + 1)
				cap *= 2;
			p = realloc(b->p, cap);
			if (p == NULL) {
				b->oom = true;
				return;
			}
			b->p = p;
			b->cap = cap;
		}
	}
}

void
sl_buf_free(struct sl_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* A label value, escaped: backslash, double quote and newline. */
static void
label_value(struct sl_buf *b, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\')
			sl_buf_printf(b, "\\\\");
		else if (*v == '"')
			sl_buf_printf(b, "\\\"");
		else if (*v == '\n')
			sl_buf_printf(b, "\\n");
		else
			sl_buf_printf(b, "%c", *v);
	}
}

static uint32_t
name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/* The family @p name, added with @p help and type when new; -1 when full. */
static int32_t
family(struct prom_sink *p, const char *name, const char *help, bool gauge)
{
	uint32_t h = name_hash(name) & (FAM_HASH - 1);
	struct fam *f;

	while (p->hash[h] >= 0) {
		if (strcmp(p->fams[p->hash[h]].name, name) == 0)
			return p->hash[h];
		h = (h + 1) & (FAM_HASH - 1);
	}
	if (p->n_fams == FAM_MAX)
		return -1;
	f = &p->fams[p->n_fams];
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->help, sizeof(f->help), "%s", help);
	/* HELP escapes backslash and newline; the helps have neither. */
	f->gauge = gauge;
	f->n = 0;
	p->hash[h] = (int32_t)p->n_fams;
	return (int32_t)p->n_fams++;
}

static void
add_sample(struct prom_sink *p, int32_t fam, uint32_t lbl, uint32_t lbl_len, const char *reason,
	   uint64_t v, bool us)
{
	if (fam < 0) {
		p->oom = true;
		return;
	}
	if (p->n_s == p->cap_s) {
		uint32_t cap = p->cap_s ? p->cap_s * 2 : 4096;
		struct sample *s = realloc(p->s, cap * sizeof(*s));

		if (s == NULL) {
			p->oom = true;
			return;
		}
		p->s = s;
		p->cap_s = cap;
	}
	p->s[p->n_s++] = (struct sample){ (uint32_t)fam, lbl, lbl_len, reason, v, us };
	p->fams[fam].n++;
}

static void
prom_set(struct sl_stats_sink *k, const struct sl_ctr_set *s, const struct sl_label *l,
	 unsigned int n)
{
	struct prom_sink *p = (struct prom_sink *)k;
	uint32_t lbl = (uint32_t)p->lbuf.len, lbl_len;
	const char *mod = s->module;
	char name[96], help[200];
	unsigned int i;

	for (i = 0; i < n; i++) {
		sl_buf_printf(&p->lbuf, "%s%s=\"", i ? "," : "", l[i].name);
		label_value(&p->lbuf, l[i].value ? l[i].value : "");
		sl_buf_printf(&p->lbuf, "\"");
	}
	lbl_len = (uint32_t)(p->lbuf.len - lbl);
	for (i = 0; i < s->n; i++) {
		const struct sl_ctr_desc *d = &s->desc[i];
		const char *sep = mod[0] ? "_" : "";

		if (strncmp(d->name, "drop_", 5) == 0) {
			snprintf(name, sizeof(name), "sluice_%s%sdropped_total", mod, sep);
			snprintf(help, sizeof(help), "what the %s stage dropped, by reason "
				 "(docs/METRICS.md lists the reasons)", mod[0] ? mod : "node");
			add_sample(p, family(p, name, help, false), lbl, lbl_len, d->name + 5,
				   s->val[i], false);
		} else {
			bool g = sl_ctr_is_gauge(d);
			size_t nl = strlen(d->name);
			/* Prometheus wants base units: _us counters are
			 * exported in seconds. */
			bool us = nl > 3 && strcmp(d->name + nl - 3, "_us") == 0;

			snprintf(name, sizeof(name), "sluice_%s%s%.*s%s%s", mod, sep,
				 (int)(us ? nl - 3 : nl), d->name, us ? "_seconds" : "",
				 g ? "" : "_total");
			add_sample(p, family(p, name, d->help, g), lbl, lbl_len, NULL, s->val[i], us);
		}
	}
}

struct prom_sink *
sl_prom_new(void)
{
	struct prom_sink *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->fams = calloc(FAM_MAX, sizeof(*p->fams));
	if (p->fams == NULL) {
		free(p);
		return NULL;
	}
	memset(p->hash, 0xff, sizeof(p->hash));
	p->k.set = prom_set;
	p->k.gauges = true;
	return p;
}

struct sl_stats_sink *
sl_prom_sink(struct prom_sink *p)
{
	return &p->k;
}

int
sl_prom_render(struct prom_sink *p, struct sl_buf *out)
{
	uint32_t *order, i, f, at = 0;

	if (p->oom || p->lbuf.oom)
		return -ENOMEM;
	order = malloc((p->n_s ? p->n_s : 1) * sizeof(*order));
	if (order == NULL)
		return -ENOMEM;
	for (f = 0; f < p->n_fams; f++) {
		p->fams[f].first = at;
		at += p->fams[f].n;
		p->fams[f].n = 0;
	}
	for (i = 0; i < p->n_s; i++) {
		struct fam *fm = &p->fams[p->s[i].fam];

		order[fm->first + fm->n++] = i;
	}
	for (f = 0; f < p->n_fams; f++) {
		const struct fam *fm = &p->fams[f];

		sl_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", fm->name, fm->help, fm->name,
			      fm->gauge ? "gauge" : "counter");
		for (i = fm->first; i < fm->first + fm->n; i++) {
			const struct sample *s = &p->s[order[i]];
			bool any = s->lbl_len || s->reason;

			sl_buf_printf(out, "%s%s%.*s", fm->name, any ? "{" : "", (int)s->lbl_len,
				      p->lbuf.p ? p->lbuf.p + s->lbl : "");
			if (s->reason)
				sl_buf_printf(out, "%sreason=\"%s\"", s->lbl_len ? "," : "", s->reason);
			if (s->us)
				sl_buf_printf(out, "%s %" PRIu64 ".%06" PRIu64 "\n", any ? "}" : "",
					      s->v / 1000000, s->v % 1000000);
			else
				sl_buf_printf(out, "%s %" PRIu64 "\n", any ? "}" : "", s->v);
		}
	}
	free(order);
	return out->oom ? -ENOMEM : 0;
}

void
sl_prom_free(struct prom_sink *p)
{
	if (p == NULL)
		return;
	free(p->fams);
	free(p->s);
	sl_buf_free(&p->lbuf);
	free(p);
}

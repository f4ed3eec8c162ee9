/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Error messages of a rules file: "FILE:LINE: rule NAME: reason", every one
 * of them (parse errors and patterns Hyperscan rejects), written out sorted
 * by line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify_private.h"
void
cl_err(struct cl_errs *e, uint32_t line, const char *rule, const char *fmt, ...)
{
	char msg[768];
	struct cl_err *v;
	va_list ap;
	int n;

	if (e->n >= CL_ERRS_MAX) {
		e->dropped++;
		return;
	}
	if (line == 0)
		n = snprintf(msg, sizeof(msg), "%s: ", e->file);
	else if (rule == NULL)
		n = snprintf(msg, sizeof(msg), "%s:%u: ", e->file, line);
	else
		n = snprintf(msg, sizeof(msg), "%s:%u: rule %s: ", e->file, line, rule);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	/* Echoed file text must not drive the operator's terminal. */
	for (n = 0; msg[n] != '\0'; n++)
		if ((uint8_t)msg[n] < 0x20 || msg[n] == 0x7f)
			msg[n] = '?';
	if (e->n == e->cap) {
		uint32_t cap = e->cap ? e->cap * 2 : 16;

		v = realloc(e->v, cap * sizeof(*v));
		if (v == NULL) {
			e->dropped++;
			return;
		}
		e->v = v;
		e->cap = cap;
	}
	v = &e->v[e->n];
	v->text = strdup(msg);
	if (v->text == NULL) {
		e->dropped++;
		return;
	}
	v->line = line;
	v->seq = e->n++;
}

static int
err_cmp(const void *a, const void *b)
{
	const struct cl_err *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Append @p s and a newline if they fit whole; the result stays terminated. */
static bool
put_line(char *buf, size_t len, size_t *used, const char *s)
{
	size_t n = strlen(s);

	if (*used + n + 2 > len)
		return false;
	memcpy(buf + *used, s, n);
	buf[*used + n] = '\n';
	*used += n + 1;
	buf[*used] = '\0';
	return true;
}

void
cl_errs_write(struct cl_errs *e, char *buf, size_t len)
{
	size_t used = 0;
	uint32_t i;

	if (buf == NULL || len == 0)
		return;
	buf[0] = '\0';
	if (e->n > 1)
		qsort(e->v, e->n, sizeof(e->v[0]), err_cmp);
	for (i = 0; i < e->n; i++) {
		if (!put_line(buf, len, &used, e->v[i].text)) {
			/* Cut: as much of this line as fits. */
			if (used + 1 < len)
				snprintf(buf + used, len - used, "%s", e->v[i].text);
			return;
		}
	}
	if (e->dropped) {
		char more[128];

		snprintf(more, sizeof(more), "%s: ... and %u more errors", e->file, e->dropped);
		put_line(buf, len, &used, more);
	}
}

void
cl_errs_free(struct cl_errs *e)
{
	uint32_t i;

	for (i = 0; i < e->n; i++)
		free(e->v[i].text);
	free(e->v);
	e->v = NULL;
	e->n = e->cap = e->dropped = 0;
}

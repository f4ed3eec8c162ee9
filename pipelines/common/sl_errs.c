/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Error messages of a configuration file, every one of them, written out
 * sorted by line (sl_errs.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_errs.h"

void
sl_errv(struct sl_errs *e, uint32_t line, const char *what, const char *name,
	const char *fmt, va_list ap)
{
	char msg[768];
	struct sl_err_msg *v;
	int n;

	if (e->n >= SL_ERRS_MAX) {
		e->dropped++;
		return;
	}
	if (line == 0)
		n = snprintf(msg, sizeof(msg), "%s: ", e->file);
	else if (name == NULL)
		n = snprintf(msg, sizeof(msg), "%s:%u: ", e->file, line);
	else
		n = snprintf(msg, sizeof(msg), "%s:%u: %s %s: ", e->file, line, what, name);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
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

void
sl_err(struct sl_errs *e, uint32_t line, const char *what, const char *name,
       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sl_errv(e, line, what, name, fmt, ap);
	va_end(ap);
}

static int
err_cmp(const void *a, const void *b)
{
	const struct sl_err_msg *x = a, *y = b;

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
sl_errs_write(struct sl_errs *e, char *buf, size_t len)
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
sl_errs_free(struct sl_errs *e)
{
	uint32_t i;

	for (i = 0; i < e->n; i++)
		free(e->v[i].text);
	free(e->v);
	e->v = NULL;
	e->n = e->cap = e->dropped = 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Words of a line of a configuration file (rules, tenants): separated by
 * spaces, tabs, CR, VT or FF; a '#' that begins a word comments out the
 * rest of the line.
 */
#ifndef SL_WORDS_H
#define SL_WORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/** A word: not terminated. */
struct sl_word {
	const char *s;
	size_t n;
};

static inline bool
sl_word_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/**
 * The next word of *@p p .. @p end, advancing *@p p past it.
 * @return false at the end of the line or at a comment (*@p p = @p end).
 */
static inline bool
sl_word_next(const char **p, const char *end, struct sl_word *w)
{
	const char *q = *p;

	while (q < end && sl_word_space(*q))
		q++;
	if (q == end || *q == '#') {
		*p = end;
		return false;
	}
	w->s = q;
	while (q < end && !sl_word_space(*q))
		q++;
	w->n = (size_t)(q - w->s);
	*p = q;
	return true;
}

/**
 * The next line of *@p p .. @p end: [*@p ls, *@p le), without its '\n';
 * *@p p moves past it. @return false when no line is left.
 */
static inline bool
sl_line_next(const char **p, const char *end, const char **ls, const char **le)
{
	const char *eol;

	if (*p >= end)
		return false;
	eol = memchr(*p, '\n', (size_t)(end - *p));
	if (eol == NULL)
		eol = end;
	*ls = *p;
	*le = eol;
	*p = eol + 1;
	return true;
}

/** True when @p w is exactly @p lit. */
static inline bool
sl_word_is(const struct sl_word *w, const char *lit)
{
	size_t n = strlen(lit);

	return w->n == n && memcmp(w->s, lit, n) == 0;
}

#endif /* SL_WORDS_H */
